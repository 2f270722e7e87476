"""The local page (`winnow serve`): routes, escaping, the API contract, background refresh."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from pipeline.collection import Collection
from pipeline.web import make_server

from .conftest import SEEDS

HOSTILE = ("Hostile payload page about myopathy: <script>window.pwned = 1; document.title = 'pwned'</script> "
           "and <img src=x onerror=\"window.pwned = 2\"> and \"quotes\" & ampersands in the text.\n")


def get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


class Served:
    def __init__(self, sources: Path, index: Path) -> None:
        self.collection = Collection(sources, index)
        self.server, self.url = make_server(self.collection, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def wait_for_index(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.collection.live() is not None and not self.server.RequestHandlerClass.app.refresher.building:
                return
            time.sleep(0.1)
        raise AssertionError("no index")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def served(tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    for page in sorted(SEEDS.iterdir()):
        (sources / page.name).write_bytes(page.read_bytes())
    (sources / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    one = Served(sources, tmp_path / "index")
    one.wait_for_index()
    yield one
    one.close()


def test_search_page_renders_cited_results_without_javascript(served):
    status, headers, body = get(served.url + "?q=what+antibodies+are+involved")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<input id="q" name="q"' in body and "<script" not in body
    assert body.count('class="hit"') == 10 and "<mark>" in body
    assert 'href="/source?passage=' in body and "score" in body
    assert "holds" in body and "up to date with" in body
    assert "script-src" not in headers["Content-Security-Policy"] and "default-src 'none'" in headers["Content-Security-Policy"]


def test_source_text_is_escaped_everywhere(served):
    status, _, body = get(served.url + "?q=hostile+payload+myopathy")
    assert status == 200
    assert "&lt;script&gt;window.pwned = 1;" in body and "&lt;img src=x onerror=" in body
    assert "<script" not in body and "<img" not in body
    status, _, body = get(served.url + "source?passage=hostile.txt%230000")
    assert status == 200 and "&lt;script&gt;" in body and "<script" not in body and "<img" not in body
    assert '<mark id="passage">' in body


def test_api_ask_is_exactly_ask_json(served):
    status, headers, body = get(served.url + "api/ask?q=how+is+it+treated&k=3")
    assert status == 200 and headers["Content-Type"] == "application/json"
    cli = CliRunner().invoke(main, ["ask", "--json", "-k", "3", "how is it treated", "--sources",
                                    str(served.collection.sources), "--index", str(served.collection.index)])
    assert cli.exit_code == 0, cli.output
    assert body == cli.stdout and len(json.loads(body)) == 3  # byte for byte


def test_api_status_is_exactly_status_json(served):
    status, _, body = get(served.url + "api/status")
    cli = CliRunner().invoke(main, ["status", "--json", "--sources", str(served.collection.sources),
                                    "--index", str(served.collection.index)])
    assert status == 200 and body == cli.stdout
    assert json.loads(body)["up_to_date"] is True


def test_source_page_marks_the_passage_at_its_offsets(served):
    hits = json.loads(get(served.url + "api/ask?q=statins&k=1")[2])
    status, _, body = get(served.url + "source?passage=" + urllib.request.quote(hits[0]["passage_id"]))
    assert status == 200 and '<mark id="passage">' in body and "characters" in body
    status, _, body = get(served.url + "source?name=../../etc/passwd")
    assert status == 404 and "root:" not in body


def test_unknown_hosts_and_paths_are_refused(served):
    port = served.url.rsplit(":", 1)[1].strip("/")
    assert get(served.url, {"Host": f"evil.example:{port}"})[0] == 421  # DNS rebinding
    assert get(served.url + "nothing-here")[0] == 404
    assert get(served.url + "api/ask")[0] == 400


@pytest.mark.parametrize("k", ["abc", "0", "-1", "101", "2.5", "%EF%BC%93"])
def test_an_api_count_out_of_range_is_a_clear_400(served, k):
    status, _, body = get(served.url + f"api/ask?q=statins&k={k}")
    assert status == 400 and "from 1 to 100" in json.loads(body)["error"]  # it fell back to 5 without a word


def test_an_api_count_in_range_is_the_number_of_hits(served):
    for k in (1, 7):  # the seeds hold far more than 7 passages on myopathy (it checked only "more than 5" of 100)
        assert len(json.loads(get(served.url + f"api/ask?q=myopathy&k={k}")[2])) == k
    assert len(json.loads(get(served.url + "api/ask?q=myopathy&k=100")[2])) > 7


def test_the_page_never_waits_for_a_build_and_picks_up_new_generations(served, monkeypatch):
    from pipeline import ingest

    original = ingest.clean_source
    building, release = threading.Event(), threading.Event()

    def slow(source, *rest):
        building.set()
        release.wait(60)  # a build that lasts until the page has answered (a fixed 3 s raced the load)
        return original(source, *rest)

    monkeypatch.setattr(ingest, "clean_source", slow)
    (served.collection.sources / "new.txt").write_text("Eculizumab was tried in a refractory patient with the "
                                                       "myopathy and the weakness improved.\n")
    time.sleep(2.1)  # past the check interval: the next request starts a refresh in the background
    try:
        # Answered while the build is held: from the live generation (a page that waited for
        # the build would time out), and without the new page.
        status, _, body = get(served.url + "?q=eculizumab")
        assert status == 200 and "new.txt" not in body
        assert building.wait(30)  # the request did start a refresh
    finally:
        release.set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        hits = json.loads(get(served.url + "api/ask?q=eculizumab")[2])
        if hits and hits[0]["source"] == "new.txt":
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the new generation was never picked up")
    for n in range(2):  # two more builds: the tidy step deletes generations the server has had open
        (served.collection.sources / f"more{n}.txt").write_text(f"Page {n} on intravenous immunoglobulin.\n")
        served.collection.build()
    assert json.loads(get(served.url + "api/ask?q=eculizumab")[2])[0]["source"] == "new.txt"


def test_serve_on_an_ipv6_address(tmp_path):
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "page.txt").write_text("Creatine kinase is raised in necrotizing myopathy.\n", encoding="utf-8")
    server, url = make_server(Collection(sources, tmp_path / "index"), "::1", 0)
    try:
        assert url.startswith("http://[::1]:")
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        status, _, body = get(url + "api/status")
        assert status == 200 and json.loads(body)["sources_folder"] == str(sources.resolve())
    finally:
        server.shutdown()
        server.server_close()


def test_serve_says_what_to_do_when_the_port_is_taken_or_the_host_is_wrong(tmp_path):
    import socket

    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "page.txt").write_text("Creatine kinase is raised in necrotizing myopathy.\n", encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = CliRunner().invoke(main, ["serve", "--sources", str(sources), "--index", str(tmp_path / "ix"),
                                         "--port", port])
    assert busy.exit_code == 1 and f"port {port} on 127.0.0.1 is in use" in busy.stderr, busy.output
    assert "--port 0" in busy.stderr and "Traceback" not in busy.output
    wrong = CliRunner().invoke(main, ["serve", "--sources", str(sources), "--index", str(tmp_path / "ix"),
                                      "--host", "no-such-host.invalid", "--port", "0"])
    assert wrong.exit_code == 2 and "'--host'" in wrong.stderr, wrong.output


def test_search_box_invites_questions_about_the_index_own_pages(tmp_path):
    """The search box's example was a question about the seeds ("what antibodies are involved")
    on every index: a page of gardening notes suggested asking about antibodies. It names the
    folder the answers come from instead."""
    sources = tmp_path / "garden-notes"
    sources.mkdir()
    (sources / "tomatoes.txt").write_text("Tomatoes need six to eight hours of sun a day.\n", encoding="utf-8")
    one = Served(sources, tmp_path / "index")
    try:
        one.wait_for_index()
        status, _, body = get(one.url)
    finally:
        one.close()
    assert status == 200
    box = next(line for line in body.splitlines() if '<input id="q"' in line)
    assert "antibodies" not in box and "garden-notes" in box, box


def test_a_corpus_larger_than_a_page_is_shown_record_by_record(tmp_path, monkeypatch):
    """The source page of a JSON Lines corpus joined every record into one page, whatever the corpus's
    size (a 12.5 MB corpus: 137 MB held for one request any client can make); past the page limit
    it says to open one record from a hit, and a cited record still opens."""
    import pipeline.web as web

    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": f"d{i}", "text": f"Record {i} tells of harbour seals resting on sandbank {i}."}) + "\n"
        for i in range(200)), encoding="utf-8")
    monkeypatch.setattr(web, "MAX_SOURCE_BYTES", 2000)
    one = Served(sources, tmp_path / "index")
    try:
        one.wait_for_index()
        status, _, body = get(one.url + "source?name=corpus.jsonl")
        assert status == 404 and "one at a time" in body and "sandbank 7." not in body
        status, _, body = get(one.url + "source?passage=corpus.jsonl%23d7%230000")
        assert status == 200 and "sandbank 7." in body
    finally:
        one.close()
