"""Scale: JSON Lines corpora of any size, every core, a Dask cluster; the index is the same each way."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline.executors as executors
import pipeline.ingest as ingest
import pipeline.sources as sources_module
from cli import main
from pipeline.ingest import build_index, current_generation
from pipeline.search import Searcher

from .conftest import SEEDS

WORDS = ("statin", "myopathy", "antibody", "muscle", "weakness", "biopsy", "necrosis", "kinase",
         "patients", "treatment", "serum", "immune", "vaccine", "fever", "cataract", "lens")


def _generation_bytes(index_dir: Path) -> dict[str, bytes]:
    generation = current_generation(index_dir)
    return {p.name: p.read_bytes() for p in sorted(generation.iterdir())} | {"name": generation.name.encode()}


def _corpus(path: Path, n: int) -> set[str]:
    """A BEIR-style corpus.jsonl of n short documents (one sentence in four repeats: dedupe has work); their ids."""
    rng = random.Random(n)
    vocabulary = [f"{a}{b}{c}" for a in ("ka", "lo", "mi", "nu", "po", "ri", "su", "te") for b in
                  ("bar", "cel", "dor", "fen", "gil", "hum", "jor", "kel") for c in ("a", "in", "os", "ex")] + list(WORDS)
    ids = set()
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            words = [rng.choice(vocabulary) for _ in range(6 + i % 5)]
            more = [rng.choice(vocabulary) for _ in range(7)]
            text = (f"{' '.join(words).capitalize()} in cohort {i}. Dr. Smith et al. saw {' '.join(more)}, e.g. "
                    f"in serum. {'The board reviewed this page.' if i % 4 == 0 else ''}")
            if i % 9 == 0:
                text += f"\n\nA second paragraph about {' '.join(rng.choice(vocabulary) for _ in range(6))}."
            handle.write(json.dumps({"_id": f"d{i}", "title": f"Study {i} of {words[0]}", "text": text}) + "\n")
            ids.add(f"{path.name}#d{i}")  # a record is cited by its file and _id
    return ids


def _mixed_sources(root: Path) -> Path:
    """The seeds, a few text and HTML pages, and a corpus: every kind of task."""
    sources = root / "sources"
    shutil.copytree(SEEDS, sources)
    for i in range(6):
        (sources / f"page{i}.txt").write_text(
            f"Page {i}\n\nStatins can cause muscle weakness in {i} of 100 patients. A biopsy shows necrosis. "
            f"Serum kinase is high.\n\nThe board reviewed this page.\n")
        (sources / f"page{i}.html").write_text(
            f"<html><head><title>Vaccine page {i}</title></head><body><nav>Home | About</nav><main><h1>Vaccine {i}</h1>"
            f"<p>The vaccine causes a mild fever in {i} of 10 people. It is given in two doses.</p>"
            f"<p>The board reviewed this page.</p></main></body></html>")
    _corpus(sources / "corpus.jsonl", 300)
    return sources


@pytest.fixture
def small_pieces(monkeypatch):
    """Corpus pieces of 4 KB: a small corpus is many tasks, as a large one is."""
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 4096)


def test_any_number_of_jobs_writes_the_same_index(tmp_path, small_pieces, monkeypatch):
    sources = _mixed_sources(tmp_path)
    submitted = []
    original = ingest.Runner.submit
    monkeypatch.setattr(ingest.Runner, "submit",
                        lambda self, function, task: submitted.append(task.rel) or original(self, function, task))
    one = build_index(sources, tmp_path / "one", jobs=1)
    two = build_index(sources, tmp_path / "two", jobs=2)
    assert _generation_bytes(tmp_path / "one") == _generation_bytes(tmp_path / "two")
    assert (one.passages, one.sources_read) == (two.passages, two.sources_read) and one.passages > 300
    assert submitted.count("corpus.jsonl") > 2 * 5  # the corpus went to the workers in pieces, in both builds


def test_pieces_of_a_corpus_index_as_the_whole_corpus(tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    sources.mkdir()
    ids = _corpus(sources / "corpus.jsonl", 200)
    build_index(sources, tmp_path / "whole", jobs=1)
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 1000)
    build_index(sources, tmp_path / "pieces", jobs=1)
    assert _generation_bytes(tmp_path / "whole") == _generation_bytes(tmp_path / "pieces")
    assert {p.source for p in Searcher(current_generation(tmp_path / "whole")).passages()} == ids


def test_a_corpus_larger_than_the_page_limit_is_indexed_whole(tmp_path, monkeypatch):
    """The page size limit, lowered to 16 KB, does not apply to a corpus 30 times that: every document is indexed."""
    monkeypatch.setattr(sources_module, "MAX_SOURCE_BYTES", 16 * 1024)
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 64 * 1024)
    sources = tmp_path / "sources"
    sources.mkdir()
    ids = _corpus(sources / "corpus.jsonl", 2000)
    assert (sources / "corpus.jsonl").stat().st_size > 30 * 16 * 1024
    (sources / "big.txt").write_text("Statins cause weakness. " * 1000)  # a page over the limit is still skipped
    report = build_index(sources, tmp_path / "index", jobs=1)
    assert [s["source"] for s in report.skipped] == ["big.txt"]
    searcher = Searcher(current_generation(tmp_path / "index"))
    assert {p.source for p in searcher.passages()} == ids
    assert searcher.search("cohort 1777")[0].passage.source == "corpus.jsonl#d1777"

    # An edit past the first pieces is seen (the whole corpus is hashed) and indexed.
    with open(sources / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"_id": "late", "text": "A late record about cataract lens surgery."}) + "\n")
    report = build_index(sources, tmp_path / "index", jobs=1)
    assert report.changed == 1
    assert Searcher(current_generation(tmp_path / "index")).search("cataract lens surgery")[0].passage.source == "corpus.jsonl#late"


def test_a_corpus_without_line_ends_is_skipped_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(sources_module, "MAX_SOURCE_BYTES", 10_000)
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "good.txt").write_text("Statins can cause muscle weakness in rare cases.\n")
    (sources / "dump.jsonl").write_bytes(b"x" * 50_000)  # no line ends at all
    warnings = []
    report = build_index(sources, tmp_path / "index", warn=warnings.append, jobs=1)
    assert [s["source"] for s in report.skipped] == ["dump.jsonl"]
    assert any("a line longer than" in w for w in warnings)


def test_a_line_longer_than_the_limit_costs_that_line_only(tmp_path, monkeypatch):
    """A record over the size limit is passed over with a warning naming it; every other record is
    indexed (the whole corpus was skipped), and a refresh still sees an edit after it."""
    monkeypatch.setattr(sources_module, "MAX_SOURCE_BYTES", 10_000)
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 4096)
    sources = tmp_path / "sources"
    sources.mkdir()
    records = [json.dumps({"_id": f"d{i}", "text": f"Record {i} about statin myopathy in cohort {i}."}) for i in range(300)]
    huge = json.dumps({"_id": "huge", "text": "serum kinase " * 3000})  # 39 KB
    lines = records[:100] + [huge] + records[100:200] + [huge] + records[200:] + ["y" * 30_000]  # the last: no line end
    (sources / "corpus.jsonl").write_text("\n".join(lines))
    warnings = []
    report = build_index(sources, tmp_path / "index", warn=warnings.append, jobs=1)
    assert report.skipped == []
    assert {p.source for p in Searcher(current_generation(tmp_path / "index")).passages()} == {f"corpus.jsonl#d{i}" for i in range(300)}
    (warning,) = [w for w in warnings if "longer than" in w]
    assert "3 lines longer than 10,000 bytes (lines 101, 202, 303" in warning and warning.startswith("corpus.jsonl")

    lines[250] = json.dumps({"_id": "late", "text": "A late record about cataract lens surgery."})
    (sources / "corpus.jsonl").write_text("\n".join(lines))
    report = build_index(sources, tmp_path / "index", jobs=1)
    assert report.changed == 1
    assert Searcher(current_generation(tmp_path / "index")).search("cataract lens surgery")[0].passage.source == "corpus.jsonl#late"


@pytest.mark.parametrize("piece_bytes", [256, 4096, 1 << 20])
def test_read_pieces_pass_over_long_lines_and_hash_the_whole_file(tmp_path, monkeypatch, piece_bytes):
    import hashlib

    monkeypatch.setattr(sources_module, "MAX_SOURCE_BYTES", 5000)
    short = [b'{"_id": "%d", "text": "%s"}' % (i, b"w" * (i % 50)) for i in range(400)]
    lines = short[:3] + [b"L" * 5001] + short[3:250] + [b"M" * 5000, b"N" * 20_000] + short[250:] + [b"Z" * 9000]
    data = b"\n".join(lines)  # the last line, over the limit, has no line end
    (tmp_path / "c.jsonl").write_bytes(data)
    (source,) = sources_module.discover(tmp_path)
    digest = hashlib.sha256()
    out = list(sources_module.read_pieces(source, piece_bytes, digest))
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest() == sources_module.file_fingerprint(source)
    long = [(p.number, p.size) for p in out if isinstance(p, sources_module.LongLine)]
    assert long == [(4, 5001), (253, 20_000), (len(lines), 9000)]
    pieces = [p for p in out if isinstance(p, bytes)]
    kept = b"".join(pieces).split(b"\n")
    assert kept[:-1] == [line for line in lines if len(line) <= 5000] and kept[-1] == b""
    assert all(piece.endswith(b"\n") for piece in pieces)


def test_read_pieces_end_at_line_ends_and_join_to_the_file(tmp_path):
    path = tmp_path / "c.jsonl"
    data = b"".join(b'{"_id": "%d", "text": "%s"}\n' % (i, b"w" * (i % 50)) for i in range(3000))
    path.write_bytes(data)
    (source,) = sources_module.discover(tmp_path)
    pieces = list(sources_module.read_pieces(source, 5000))
    assert b"".join(pieces) == data and len(pieces) > 10
    assert all(piece.endswith(b"\n") for piece in pieces)


def test_build_jobs_option_gives_the_same_generation(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SEEDS, sources)
    for jobs in ("1", "2"):
        result = CliRunner().invoke(main, ["build", "--sources", str(sources), "--index", str(tmp_path / jobs),
                                           "--jobs", jobs], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert current_generation(tmp_path / "1").name == current_generation(tmp_path / "2").name


def test_results_from_other_code_are_refused(tmp_path, monkeypatch):
    """A worker running another version of winnow would index differently: the build stops."""
    sources = tmp_path / "sources"
    shutil.copytree(SEEDS, sources)
    original = ingest._run_task
    monkeypatch.setattr(ingest, "_processing_code_hash", lambda: "other")
    monkeypatch.setattr(ingest, "run_task", lambda task: {**original(task), "code": "mine"})
    monkeypatch.setattr(ingest.Runner, "remote", True)  # as if the tasks ran elsewhere
    with pytest.raises(ingest.WinnowError, match="other winnow code"):
        build_index(sources, tmp_path / "index", jobs=1)


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT", 2.0)
    sources = tmp_path / "sources"
    shutil.copytree(SEEDS, sources)
    result = CliRunner().invoke(main, ["build", "--sources", str(sources), "--index", str(tmp_path / "index"),
                                       "--dask", f"tcp://127.0.0.1:{_free_port()}"])
    assert result.exit_code == 1 and "cannot reach the Dask scheduler" in result.output, result.output
    assert current_generation(tmp_path / "index") is None


# --- a real Dask cluster on this machine -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1, torn down at the end."""
    pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    dask = str(bin_dir / "dask") if (bin_dir / "dask").exists() else shutil.which("dask")
    if dask is None:
        pytest.skip("no `dask` command")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    log = open(tmp_path / "dask.log", "wb")
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--dashboard-address", ":0", "--no-show"], stdout=log, stderr=log, env=env,
                                  cwd=tmp_path)]
    try:
        for n in range(2):
            processes.append(subprocess.Popen(
                [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                 "--local-directory", str(tmp_path / f"worker{n}"), "--death-timeout", "60"],
                stdout=log, stderr=log, env=env, cwd=tmp_path))
        from distributed import Client

        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    log.flush()
                    pytest.fail("the Dask cluster did not start:\n" + (tmp_path / "dask.log").read_text()[-3000:])
                time.sleep(0.5)
        yield address
    finally:
        # The workers first, while the scheduler still answers: stopped together, each worker
        # waited seconds for the scheduler it was leaving (8 s of every teardown).
        for group in (processes[1:], processes[:1]):
            for process in group:
                process.terminate()
            for process in group:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        log.close()


def test_a_dask_cluster_builds_the_local_index(tmp_path, dask_cluster, small_pieces, monkeypatch):
    monkeypatch.setattr(executors, "DASK_TASK_TIMEOUT", 120.0)  # a broken cluster fails the test, never hangs it
    sources = _mixed_sources(tmp_path)
    local = build_index(sources, tmp_path / "local", jobs=1)
    remote = build_index(sources, tmp_path / "dask", dask=dask_cluster)
    assert _generation_bytes(tmp_path / "local") == _generation_bytes(tmp_path / "dask")
    assert remote.passages == local.passages > 300


def test_build_dask_option_and_environment(tmp_path, dask_cluster, monkeypatch):
    sources = tmp_path / "sources"
    shutil.copytree(SEEDS, sources)
    build_index(sources, tmp_path / "local", jobs=1)
    monkeypatch.setenv("WINNOW_DASK", dask_cluster)
    monkeypatch.setattr(executors, "DASK_TASK_TIMEOUT", 120.0)
    result = CliRunner().invoke(main, ["build", "--sources", str(sources), "--index", str(tmp_path / "dask")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert current_generation(tmp_path / "dask").name == current_generation(tmp_path / "local").name


def test_records_appended_to_a_corpus_cost_their_piece(tmp_path, small_pieces, monkeypatch):
    sources = tmp_path / "sources"
    sources.mkdir()
    _corpus(sources / "corpus.jsonl", 300)
    (sources / "page.txt").write_text("Statins can cause muscle weakness in rare cases.\n")
    build_index(sources, tmp_path / "index", jobs=1)
    # A build in which the corpus stays as it is keeps its cached pieces (its passages stay in their segment).
    (sources / "page.txt").write_text("Statins can cause muscle weakness in some cases.\n")
    build_index(sources, tmp_path / "index", jobs=1)
    submitted = []
    original = ingest.Runner.submit
    monkeypatch.setattr(ingest.Runner, "submit",
                        lambda self, function, task: submitted.append(task.piece) or original(self, function, task))
    with open(sources / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"_id": "late", "text": "A late record about cataract lens surgery."}) + "\n")
    report = build_index(sources, tmp_path / "index", jobs=1)
    assert report.changed == 1 and len(submitted) == 1 and submitted[0] > 5  # the last piece only
    build_index(sources, tmp_path / "fresh", full=True, jobs=1)
    assert _generation_bytes(tmp_path / "index") == _generation_bytes(tmp_path / "fresh")


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_pool_workers_end_with_a_build_killed_outright(tmp_path):
    """A build killed with SIGKILL cannot stop its workers: they notice and exit, so nothing
    keeps its stdout and stderr open (a caller reading them to the end would wait forever)."""
    import signal

    sources = tmp_path / "sources"
    sources.mkdir()
    rng = random.Random(5)
    for i in range(300):
        (sources / f"p{i}.txt").write_text("\n\n".join(
            " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + f" in case {i}-{k}." for k in range(60)))
    root = Path(__file__).resolve().parents[1]
    build = subprocess.Popen([sys.executable, str(root / "cli.py"), "build", "--sources", str(sources),
                              "--index", str(tmp_path / "index"), "--jobs", "2"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(root)})
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2:
        workers = [p for p in _children(build.pid) if _is_worker(p)]
        if build.poll() is not None or time.monotonic() > deadline:
            build.kill()
            build.communicate(timeout=30)
            pytest.skip("the build ended before its workers were seen")
        time.sleep(0.05)
    os.kill(build.pid, signal.SIGKILL)
    build.communicate(timeout=30)  # EOF on both pipes: nothing holds them any more
    deadline = time.monotonic() + 30
    while any(_is_worker(p) for p in workers):
        assert time.monotonic() < deadline, "pool workers outlived their build"
        time.sleep(0.1)


def test_lines_of_a_corpus_that_are_not_records_are_skipped_with_a_warning(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    ids = _corpus(sources / "corpus.jsonl", 20)
    with open(sources / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"_id": "half a record", "text": \n["not", "an object"]\n')
    warnings: list[str] = []
    build_index(sources, tmp_path / "ix", jobs=1, warn=warnings.append)
    assert [w for w in warnings if "corpus.jsonl" in w] == [
        "corpus.jsonl: skipped 2 lines that are not a corpus record (a JSON object with `_id` and `text`): lines 21, 22"]
    assert {p.source for p in Searcher(current_generation(tmp_path / "ix")).passages()} == ids


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_corpus_warning_names_its_bad_lines_by_number_across_pieces(tmp_path, monkeypatch, jobs):
    """The warning said "skipped 7 lines that are not a corpus record" and not which: a user
    had to hunt for them. It names the first five as an editor numbers them, whichever
    piece of the corpus holds them and past a line too long to read, then how many more."""
    monkeypatch.setattr(sources_module, "MAX_SOURCE_BYTES", 10_000)
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 4096)
    sources = tmp_path / "sources"
    sources.mkdir()
    lines = [json.dumps({"_id": f"d{i}", "text": f"Record {i} about statin myopathy in cohort {i}."}) for i in range(300)]
    for number in (3, 150, 151, 260, 280, 290, 299):  # counted from 1
        lines[number - 1] = '{"_id": "cut off", "text": '
    lines[199] = json.dumps({"_id": "huge", "text": "serum kinase " * 3000})  # line 200: 39 KB, passed over
    (sources / "corpus.jsonl").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    warnings: list[str] = []
    build_index(sources, tmp_path / "ix", jobs=jobs, warn=warnings.append)
    assert [w for w in warnings if "not a corpus record (" in w] == [
        "corpus.jsonl: skipped 7 lines that are not a corpus record (a JSON object with `_id` and `text`): "
        "lines 3, 150, 151, 260, 280 and 2 more"]
    (sources / "corpus.jsonl").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    warnings.clear()
    build_index(sources, tmp_path / "ix", jobs=jobs, warn=warnings.append)
    assert [w for w in warnings if "corpus.jsonl" in w] == [
        "corpus.jsonl: skipped 1 line that is not a corpus record (a JSON object with `_id` and `text`): line 3"]


def test_a_corpus_record_holding_a_unicode_line_separator_is_one_record(tmp_path):
    """U+2028, U+2029 and U+0085 may stand unescaped in a JSON string (json.dumps with
    ensure_ascii=False writes them so), and str.splitlines() cut a record there: it was lost
    as two "lines that are not a corpus record". Lines end at "\\n" only (and a lone "\\r")."""
    sources = tmp_path / "sources"
    sources.mkdir()
    texts = {"a": "Rye flour\u2028holds more water.", "b": "Spelt flour\u2029has weak gluten.",
             "c": "Emmer wheat\x85is an old grain.", "d": "Einkorn is the oldest wheat."}
    (sources / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "text": t}, ensure_ascii=False) + "\n"
                                                  for i, t in texts.items()), encoding="utf-8")
    (sources / "old-mac.jsonl").write_text(json.dumps({"_id": "m1", "text": "Barley makes malt."}) + "\r"
                                           + json.dumps({"_id": "m2", "text": "Oats make porridge."}) + "\r")
    warnings: list[str] = []
    build_index(sources, tmp_path / "ix", jobs=1, warn=warnings.append)
    assert warnings == []
    assert {p.source for p in Searcher(current_generation(tmp_path / "ix")).passages()} == {
        *(f"corpus.jsonl#{i}" for i in texts), "old-mac.jsonl#m1", "old-mac.jsonl#m2"}


def test_a_corpus_line_nested_too_deep_to_parse_is_one_bad_line(tmp_path):
    """json.loads raises RecursionError, not ValueError, on a line nested thousands deep: it
    skipped the whole corpus, every good record with it."""
    sources = tmp_path / "sources"
    sources.mkdir()
    ids = _corpus(sources / "corpus.jsonl", 20)
    with open(sources / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write("[" * 100_000 + "]" * 100_000 + "\n")
        handle.write('{"_id": "deep", "text": "t", "x": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}\n")
    warnings: list[str] = []
    build_index(sources, tmp_path / "ix", jobs=1, warn=warnings.append)
    assert [w for w in warnings if "corpus.jsonl" in w] == [
        "corpus.jsonl: skipped 2 lines that are not a corpus record (a JSON object with `_id` and `text`): lines 21, 22"]
    assert {p.source for p in Searcher(current_generation(tmp_path / "ix")).passages()} == ids


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_corpus_with_bytes_it_cannot_decode_is_warned_of_as_a_page_is(tmp_path, monkeypatch, jobs):
    """A page whose bytes are shown as U+FFFD (or whose encoding is a guess) is warned of; a corpus
    kept quiet (its pieces were decoded with the note dropped), though the README says both are.
    The warning names the line, as the warnings of a corpus's bad lines do, whichever piece holds it."""
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 4096)
    sources = tmp_path / "sources"
    sources.mkdir()
    lines = [json.dumps({"_id": f"d{i}", "text": f"Caf\u00e9 record {i} about statin myopathy in cohort {i}."},
                        ensure_ascii=False).encode("utf-8") for i in range(200)]
    lines[150] = lines[150].replace(b"about", b"ab\x93out")  # line 151, past the first piece
    (sources / "corpus.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    warnings: list[str] = []
    build_index(sources, tmp_path / "ix", jobs=jobs, warn=warnings.append)
    said = ("corpus.jsonl: read as utf-8: the first undecodable byte on line 151; "
            "1 undecodable byte sequence shown as U+FFFD")
    assert warnings == [said]
    assert len(list(Searcher(current_generation(tmp_path / "ix")).passages())) == 200
    cleaned = CliRunner().invoke(main, ["clean", str(sources / "corpus.jsonl")])
    assert cleaned.exit_code == 0 and cleaned.stderr == f"warning: {sources / 'corpus.jsonl'}: {said[14:]}\n"
