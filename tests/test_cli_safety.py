"""Safety through the CLI: bad sources, bad arguments, odd questions, damage, locks and kills."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from pipeline.ingest import current_generation
from pipeline.search import Searcher
from pipeline.store import SOURCES_BASE, SOURCES_MAGIC, pack_table, read_sources_base

ROOT = Path(__file__).resolve().parent.parent
GOOD = "Statins can trigger a necrotizing autoimmune myopathy with antibodies against HMGCR.\n"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def folders(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "good.txt").write_text(GOOD)
    return sources, tmp_path / "index"


def ask(folders, *args: str, input: str | None = None):
    sources, index = folders
    return run("ask", "--sources", str(sources), "--index", str(index), *args, input=input)


def indexed_sources(index: Path) -> set[str]:
    return set(Searcher(current_generation(index)).indexed_sources()[0])


# --- bad sources are skipped with one warning each; the rest is indexed -----------------------------


def _bad_sources(sources: Path) -> dict[str, str]:
    """Write one bad file of each kind; returns {name: words its warning must contain}."""
    (sources / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (sources / "empty.txt").write_bytes(b"")
    (sources / "blank.md").write_text("   \n\n\t\n")
    (sources / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (sources / "nul.html").write_bytes(b"<p>text</p>\x00\x00\x00<p>more</p>")
    (sources / "utf16-garbage.txt").write_bytes(b"\xff\xfe" + b"\x00\xd8" * 50)
    (sources / "undecodable.txt").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 200)
    (sources / "huge.txt").write_bytes((b"Statins and muscles are discussed at length here. " * 20 + b"\n") * 24000)
    return {"binary.txt": "binary", "empty.txt": "empty", "blank.md": "empty", "image.png": "unknown file type",
            "nul.html": "binary", "undecodable.txt": "", "huge.txt": "larger than"}


def test_bad_sources_warn_once_each_and_the_rest_is_indexed(folders):
    sources, index = folders
    expected = _bad_sources(sources)
    result = run("build", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    for name, reason in expected.items():
        lines = [w for w in warnings if f"skipped {name}:" in w]
        assert len(lines) == 1, (name, warnings)
        assert reason in lines[0], lines[0]
    assert "good.txt" in indexed_sources(index)
    answer = ask(folders, "--json", "HMGCR antibodies")
    assert json.loads(answer.stdout)[0]["source"] == "good.txt"


def test_broken_and_deeply_nested_html_never_crash(folders):
    sources, index = folders
    depth = 50_000
    (sources / "deep.html").write_text("<html><body>" + "<div>" * depth + "<p>Deeply nested kinase text "
                                       "about muscle biopsy findings.</p>" + "</div>" * depth + "</body></html>")
    (sources / "broken.html").write_text("<html><body><p>Unclosed <b>biopsy <i>text<div></span></table>"
                                         "<p>Serum creatine kinase was elevated in every patient.<<<>>")
    result = run("build", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    indexed = indexed_sources(index)
    assert "good.txt" in indexed
    skipped = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    for name in ("deep.html", "broken.html"):
        assert name in indexed or any(f"skipped {name}:" in w for w in skipped)


def test_odd_file_names_nested_folders_and_symlink_loops(folders):
    sources, index = folders
    names = ["with space.txt", "ünïcødé.txt", "-dash.txt", "hash#0001.txt", "new\nline.txt", "quote'\".md"]
    for name in names:
        (sources / name).write_text(f"Page {name!r} mentions statin myopathy in patients.\n")
    deep = sources / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "nested.txt").write_text("Nested folders hold pages about muscle biopsy findings too.\n")
    os.symlink(sources, sources / "a" / "loop")
    with open(os.path.join(os.fsencode(sources), b"latin1-\xe9.txt"), "w") as handle:
        handle.write("A page whose name is not UTF-8 about statins.\n")
    os.symlink("self-link.txt", sources / "self-link.txt")
    result = run("build", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0, result.output
    indexed = indexed_sources(index)
    assert set(names) | {"a/b/c/nested.txt", "good.txt"} <= indexed
    assert "symlink loop" in result.stderr
    assert "skipped self-link.txt" in result.stderr
    assert "skipped latin1-\ufffd.txt: file name is not valid UTF-8" in result.stderr
    assert ask(folders, "nested biopsy").exit_code == 0


# --- bad arguments are usage errors; odd questions are fine ---------------------------------------


@pytest.mark.parametrize("args", [
    ["ask", ""],
    ["ask", "   "],
    ["ask"],
    ["ask", "-k", "0", "statins"],
    ["ask", "-k", "-3", "statins"],
    ["ask", "--sources", "/no/such/folder", "statins"],
    ["build", "--sources", "/no/such/folder"],
    ["ask", "--file", "/no/such/question.txt"],
    ["ask", "--file", "/"],
    ["ask", "--file", "-", "statins"],
])
def test_bad_arguments_are_usage_errors(folders, args):
    sources, index = folders
    args = [*args, "--index", str(index)]
    if "--sources" not in args:
        args += ["--sources", str(sources)]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Error" in result.stderr and "Traceback" not in result.output


def test_sources_that_is_a_file_is_a_usage_error(folders):
    sources, index = folders
    for command in (["build"], ["ask", "statins"], ["status"], ["passages"]):
        result = run(*command, "--sources", str(sources / "good.txt"), "--index", str(index))
        assert result.exit_code == 2, result.output
        assert "is a file" in result.stderr


def test_undecodable_question_file_is_a_usage_error(folders, tmp_path):
    question = tmp_path / "question.txt"
    question.write_bytes(b"\xff\xfe\xfa not utf-8")
    result = ask(folders, "--file", str(question))
    assert result.exit_code == 2, result.output
    assert "UTF-8" in result.stderr


def test_question_from_file_and_stdin(folders, tmp_path):
    question = tmp_path / "question.txt"
    question.write_text("which antibodies\n")
    from_file = ask(folders, "--json", "--file", str(question))
    from_stdin = ask(folders, "--json", "-f", "-", input="which antibodies\n")
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0, from_file.output + from_stdin.output
    assert json.loads(from_file.stdout) == json.loads(from_stdin.stdout) != []


@pytest.mark.parametrize("question, found", [
    ("?!?... ;;; ---", []),
    ("🧬💉🤒", []),
    ("statin " * 2_900, ["good.txt"]),
    ("'; DROP TABLE passages; -- OR 1=1", []),
    ("what is the of and to it", []),
    ("\x00\x01 weird \u200b control", []),
    ("\x00\x01 HMGCR\u200b \x7f", ["good.txt"]),  # a name among control characters is still found
])
def test_odd_questions_answer_sensibly(folders, question, found):
    """Sensibly: the one source is found by a question that has one of its words, however
    odd the rest, and nothing is found for a question that has none (it only checked that
    the answer was a list)."""
    result = ask(folders, "--json", question)
    assert result.exit_code == (0 if found else 1), result.output  # 1: nothing found, as grep
    hits = json.loads(result.stdout)
    assert [h["source"] for h in hits] == found
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))


def test_question_of_only_stopwords_matches_nothing(folders):
    result = ask(folders, "what is the of and to it")
    assert result.exit_code == 1  # nothing found, as grep
    assert "No passage matches" in result.stdout
    assert "common word" in result.stdout and "name what you are asking about" in result.stdout  # why, and what to do
    other = ask(folders, "zzyzx quuxly")
    assert "No passage matches this question." in other.stdout and "common word" not in other.stdout


def test_ask_on_an_empty_index_says_the_index_is_empty_not_that_the_question_failed(tmp_path):
    """A sources folder with no readable source makes an empty index (with a warning, once, at
    the build); every later question said only "No passage matches this question.", as if
    the question were at fault."""
    (tmp_path / "empty").mkdir()
    args = ["--sources", str(tmp_path / "empty"), "--index", str(tmp_path / "ix")]
    first = run("ask", *args, "harbour seals")
    assert first.exit_code == 1 and "no readable source" in first.stderr, first.output
    again = run("ask", *args, "harbour seals")
    assert again.exit_code == 1, again.output
    assert "the index holds no passages" in again.stdout and "winnow status" in again.stdout, again.stdout
    (tmp_path / "empty" / "seal.txt").write_text("Harbour seals breed on sandbanks in early summer.\n")
    other = run("ask", *args, "zzyzx quuxly")
    assert "No passage matches this question." in other.stdout and "holds no passages" not in other.stdout


def test_every_command_has_help():
    for command in ("build", "ask", "passages", "status", "clean"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout, command
    assert "--full" in run("build", "--help").stdout
    assert "--file" in run("ask", "--help").stdout


# --- freshness through the CLI ---------------------------------------------------------------------


def test_ask_notices_added_edited_removed_sources(folders):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    (sources / "new.md").write_text("# Biopsy\n\nA muscle biopsy shows scattered necrotic fibres.\n")
    result = ask(folders, "--json", "necrotic fibres")
    assert "1 added" in result.stderr
    assert json.loads(result.stdout)[0]["source"] == "new.md"
    (sources / "new.md").write_text("# Biopsy\n\nThe page now says nothing about that.\n")
    result = ask(folders, "--json", "necrotic fibres")
    assert "1 changed" in result.stderr
    assert all(h["source"] != "new.md" for h in json.loads(result.stdout))
    (sources / "new.md").unlink()
    result = run("status", "--sources", str(sources), "--index", str(index), "--json")
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert info["removed"] == ["new.md"] and info["up_to_date"] and info["updated"]
    again = ask(folders, "statins")
    assert again.stderr == ""  # nothing to update: no message at all


def test_build_summary_counts_and_full(folders):
    sources, index = folders
    run("build", "--sources", str(sources), "--index", str(index))
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in all patients.\n")
    result = run("build", "--sources", str(sources), "--index", str(index), "--json")
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["changed"], summary["removed"], summary["reused"]) == (1, 0, 0, 1)
    assert "1 source added, 0 changed, 0 removed, 1 reused" in result.stderr  # good English: one source
    full = json.loads(run("build", "--full", "--json", "--sources", str(sources), "--index", str(index)).stdout)
    assert full["full"] and full["reused"] == 0 and full["sources_read"] == 2


def test_settings_change_forces_a_full_rebuild(folders, monkeypatch):
    from pipeline import analyze

    assert ask(folders, "statins").exit_code == 0
    monkeypatch.setitem(analyze.SETTINGS, "analyzer_version", 12345)
    result = ask(folders, "statins")
    assert result.exit_code == 0
    assert "rebuilding the index from scratch" in result.stderr


# --- a damaged index is rebuilt, never a traceback --------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(0, len(data), 7):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [
    lambda g: _truncate(g / "passages.jsonl"),
    lambda g: _garble(g / "passages.jsonl"),
    lambda g: _garble(g / "post_docs.npy"),
    lambda g: _truncate(g / "manifest.json"),
    lambda g: (g / "meta.json").write_text('{"format_version": 999}'),
    lambda g: (g / "passages.offsets.npy").unlink(),
    lambda g: (g / "checksums.json").unlink(),
    lambda g: shutil.rmtree(g),
    lambda g: (g.parent / "CURRENT").write_bytes(b"\xff\xfe garbage"),
    lambda g: (g.parent / "CURRENT").write_text("gen-../../etc\n"),
], ids=["truncated", "garbled-passages", "garbled-arrays", "truncated-manifest", "wrong-version",
        "missing-file", "missing-checksums", "missing-generation", "garbled-current", "bad-current"])
def test_damaged_index_is_rebuilt(folders, damage):
    # Each damage must touch a file the index has (two of them once named files no index
    # holds any more, so the test passed with no damage done): the first command finds it
    # and says so, the rebuilt index is whole and the next commands have nothing to say.
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    damage(current_generation(index))
    for n, command in enumerate((["ask", "--json", "HMGCR"], ["passages"], ["status"])):
        result = run(*command, "--sources", str(sources), "--index", str(index))
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        if n == 0:
            assert " is damaged (" in result.stderr and "rebuilding it from" in result.stderr, result.stderr
        else:
            assert result.stderr == "", (command, result.stderr)
    result = ask(folders, "--json", "HMGCR")
    assert json.loads(result.stdout)[0]["source"] == "good.txt"


def _to_old_checksums_format(generation: Path) -> None:
    """Make the generation what winnow wrote before checksums format 2 ({name: [size, sha256]})."""
    files = json.loads((generation / "checksums.json").read_bytes())["files"]
    body = json.dumps({name: [f["size"], f["sha256"]] for name, f in files.items()}, indent=1, sort_keys=True)
    (generation / "checksums.json").write_text(body)
    renamed = generation.rename(generation.parent / f"gen-{hashlib.sha256(body.encode()).hexdigest()[:16]}")
    (generation.parent / "CURRENT").write_text(renamed.name + "\n")


@pytest.mark.parametrize("command", ["ask", "build", "status"])
def test_an_index_in_the_old_checksums_format_is_rebuilt(folders, command):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    _to_old_checksums_format(current_generation(index))
    args = ["HMGCR"] if command == "ask" else []
    result = run(command, "--sources", str(sources), "--index", str(index), *args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "damaged" not in result.stderr
    said = "from another version of winnow" if command != "build" else "index format changed"
    assert said in result.stderr and "rebuilding" in result.stderr
    assert json.loads((current_generation(index) / "checksums.json").read_bytes())["format"] == 3


def _to_index_format_6(generation: Path) -> None:
    """Make the generation what winnow wrote before index format 7: every source in the manifest."""
    names, shas = read_sources_base(generation / SOURCES_BASE)
    (generation / SOURCES_BASE).unlink()
    _edit_manifest(generation, lambda m: (m["settings"].update(index_format=6),
                                          m.update(sources={"source": names, "sha256": shas})))
    reseal(generation)


def _to_index_format_7(generation: Path) -> None:
    """Make the generation what winnow wrote before index format 8: its sources base in JSON."""
    names, shas = read_sources_base(generation / SOURCES_BASE)
    (generation / SOURCES_BASE).unlink()
    (generation / "sources.json").write_text(json.dumps({"source": names, "sha256": shas}))
    _edit_manifest(generation, lambda m: m["settings"].update(index_format=7))
    reseal(generation)


@pytest.mark.parametrize("older", [_to_index_format_6, _to_index_format_7], ids=["format-6", "format-7"])
@pytest.mark.parametrize("command", ["ask", "build", "status"])
def test_an_index_in_an_older_format_is_rebuilt_not_called_damaged(folders, command, older):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    older(current_generation(index))
    args = ["HMGCR"] if command == "ask" else []
    result = run(command, "--sources", str(sources), "--index", str(index), *args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "damaged" not in result.stderr, result.stderr
    said = "from another version of winnow" if command != "build" else "index format changed"
    assert said in result.stderr and "rebuilding" in result.stderr
    assert (current_generation(index) / SOURCES_BASE).is_file()
    assert not (current_generation(index) / "sources.json").exists()
    assert indexed_sources(index) == {"good.txt"}


def test_damage_is_said_on_stderr(folders):
    sources, index = folders
    run("build", "--sources", str(sources), "--index", str(index))
    _garble(current_generation(index) / "passages.jsonl")
    result = ask(folders, "HMGCR")
    assert result.exit_code == 0
    assert "damaged" in result.stderr and "rebuilding" in result.stderr


def test_damaged_cache_entries_are_rebuilt(folders):
    sources, index = folders
    run("build", "--sources", str(sources), "--index", str(index))
    for entry in (index / "cache").iterdir():
        _truncate(entry)
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in all patients.\n")
    result = ask(folders, "--json", "HMGCR")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["source"] == "good.txt"


# --- locks: builds serialise; a stale lock is taken over ---------------------------------------------


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def test_stale_lock_of_a_dead_process_is_taken_over(folders):
    sources, index = folders
    index.mkdir()
    (index / ".lock").write_text("999999\n")
    result = run("build", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0, result.output
    assert "Waiting" not in result.stderr


def test_a_build_waits_for_the_lock_holder(folders):
    sources, index = folders
    index.mkdir()
    fd = os.open(index / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{os.getpid()}\n".encode())
    said = ""
    try:
        build = _cli("build", "--sources", str(sources), "--index", str(index))
        # Until the build says it waits (a fixed sleep let a slow start-up reach the lock
        # only after it was released, and the message was never written).
        deadline = time.monotonic() + 60
        while "Waiting" not in said and time.monotonic() < deadline and build.poll() is None:
            if select.select([build.stderr], [], [], 1)[0]:
                said += os.read(build.stderr.fileno(), 65536).decode()
        assert build.poll() is None, build.communicate()  # still waiting
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = build.communicate(timeout=60)
    assert build.returncode == 0, said + err
    assert f"Waiting for the index lock held by pid {os.getpid()}" in said
    assert current_generation(index) is not None  # built once the lock was free


def test_concurrent_builds_and_asks_never_corrupt_the_index(folders):
    sources, index = folders
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    for i, word in enumerate(words):
        (sources / f"p{i}.txt").write_text(f"Page {word}: statins, {word} myopathy and {word} kinase were studied.\n")
    runs = [_cli("build", "--sources", str(sources), "--index", str(index)) for _ in range(2)]
    runs += [_cli("ask", "--sources", str(sources), "--index", str(index), "--json", "statins") for _ in range(2)]
    for process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Traceback" not in err
    Searcher(current_generation(index))  # opens and verifies
    result = ask(folders, "--json", "hotel")
    assert result.stderr == ""
    assert json.loads(result.stdout)[0]["source"] == "p7.txt"


# --- a build killed at any moment leaves the old index usable; the next one completes -----------------


def _kill_when(process: subprocess.Popen, ready, timeout: float = 60.0) -> bool:
    """SIGKILL the process as soon as ready() holds; False if it ended first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.communicate()
            return True
        time.sleep(0.002)
    process.communicate()
    return False


def test_killed_build_leaves_the_old_index_and_the_next_build_completes(folders):
    sys.path.insert(0, str(ROOT / "bench"))
    from pages_corpus import write_corpus

    sources, index = folders
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    old = current_generation(index)
    old_passages = Searcher(old).n_passages
    write_corpus(sources / "bulk", 150)

    # Killed while cleaning sources: some cache entries are written, the index is not.
    build = _cli("build", "--sources", str(sources), "--index", str(index))
    assert _kill_when(build, lambda: len(list((index / "cache").glob("*.bin"))) > 20)
    assert current_generation(index) == old
    assert Searcher(old).n_passages == old_passages
    answer = run("passages", "--sources", str(sources), "--index", str(index), "--json")  # refreshes
    assert answer.exit_code == 0 and "Traceback" not in answer.output
    assert int(re.search(r"(\d+) reused", answer.stderr).group(1)) > 20  # the killed build's work is kept

    # Killed while writing the new generation (if we catch it there): the live one still opens.
    (sources / "bulk" / "late.txt").write_text("A late page about serum kinase levels in adults.\n")
    build = _cli("build", "--sources", str(sources), "--index", str(index))
    _kill_when(build, lambda: any(index.glob(".tmp-*")))
    Searcher(current_generation(index))

    result = run("build", "--sources", str(sources), "--index", str(index), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["sources_read"] == 152
    assert not list(index.glob(".tmp-*"))
    answer = ask(folders, "--json", "HMGCR")
    assert answer.stderr == "" and json.loads(answer.stdout)[0]["source"] == "good.txt"


def test_a_cleaner_crash_costs_only_that_source(folders, monkeypatch):
    import pipeline.ingest as ingest

    sources, index = folders
    (sources / "crash.html").write_text("<p>This page makes the cleaner fail badly.</p>")
    original = ingest.clean_source

    def cleaner(source, text, *options):
        if source.rel == "crash.html":
            raise RecursionError("maximum recursion depth exceeded")
        return original(source, text)

    monkeypatch.setattr(ingest, "clean_source", cleaner)
    result = run("build", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0, result.output
    assert "warning: skipped crash.html: could not be cleaned (RecursionError" in result.stderr
    assert indexed_sources(index) == {"good.txt"}


def test_status_check_reports_without_updating(folders):
    sources, index = folders
    run("build", "--sources", str(sources), "--index", str(index))
    (sources / "later.txt").write_text("A later page on creatine kinase in serum.\n")
    result = run("status", "--check", "--json", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 1, result.output  # out of date: exit 1, for scripts
    info = json.loads(result.stdout)
    assert info["added"] == ["later.txt"] and not info["up_to_date"] and "updated" not in info
    assert "later.txt" not in indexed_sources(index)


# --- issue 12: safe with any folder and any index -------------------------------------------------
# Every case ends in bounded time with a correct answer, or one clear line on stderr and a
# non-zero exit; never a traceback, a hang, a change outside the index folder or a wrong index.
# Cases that could hang run in a subprocess with a timeout, so a regression fails instead of
# stalling the suite.

HANG_TIMEOUT = 120  # seconds: generous for a slow CI machine, far below "forever"


def cli_run(*args: str, timeout: float = HANG_TIMEOUT, env: dict | None = None) -> subprocess.CompletedProcess:
    """The CLI in its own process, as a user runs it; a hang is a test failure, not a stall."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=full_env, capture_output=True,
                          timeout=timeout)


def no_traceback(result) -> None:
    out = result.stdout + result.stderr
    text = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
    assert "Traceback" not in text, text


def fresh_generation_name(sources: Path, tmp_path: Path) -> str:
    """The generation a fresh build of these sources writes (its name is a hash of its bytes)."""
    from pipeline.ingest import build_index

    fresh = tmp_path / "fresh-index"
    shutil.rmtree(fresh, ignore_errors=True)
    build_index(sources, fresh)
    return current_generation(fresh).name


def reseal(generation: Path) -> Path:
    """Give a hand-edited generation valid checksums and a matching name, and make it live:
    a crafted or foreign index, which checksums alone cannot tell from a good one."""
    import zlib

    from pipeline.store import CHECKSUMS_FORMAT, edges_crc32

    files = {}
    for path in sorted(generation.iterdir()):
        if path.name != "checksums.json":
            data = path.read_bytes()
            files[path.name] = {"size": len(data), "crc32": zlib.crc32(data), "sha256": hashlib.sha256(data).hexdigest(),
                                "edges": edges_crc32(path, len(data))}
    body = json.dumps({"format": CHECKSUMS_FORMAT, "files": files}, indent=1, sort_keys=True).encode()
    (generation / "checksums.json").write_bytes(body)
    renamed = generation.rename(generation.parent / f"gen-{hashlib.sha256(body).hexdigest()[:16]}")
    (generation.parent / "CURRENT").write_text(renamed.name + "\n")
    return renamed


# Hangs ---------------------------------------------------------------------------------------------


def test_a_fifo_in_the_sources_is_skipped_not_read(folders):
    sources, index = folders
    os.mkfifo(sources / "pipe.txt")
    result = cli_run("build", "--sources", str(sources), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert b"warning: skipped pipe.txt: not a regular file (a FIFO)" in result.stderr
    assert indexed_sources(index) == {"good.txt"}


@pytest.mark.parametrize("device, name", [("/dev/zero", "zero.txt"), ("/dev/urandom", "rand.html")])
def test_a_link_to_a_device_is_skipped_even_when_links_are_followed(folders, device, name):
    sources, index = folders
    os.symlink(device, sources / name)
    result = cli_run("build", "--sources", str(sources), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert f"warning: skipped {name}: link leads outside the sources folder".encode() in result.stderr
    result = cli_run("build", "--follow-links", "--sources", str(sources), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert f"warning: skipped {name}: not a regular file (a device)".encode() in result.stderr
    assert indexed_sources(index) == {"good.txt"}


def test_a_term_table_with_no_empty_slot_is_rebuilt_not_looped(folders, tmp_path):
    import numpy as np

    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    generation = current_generation(index)
    table = np.load(generation / "term_table.npy")
    np.save(generation / "term_table.npy", np.where(table < 0, 0, table).astype(np.int32))
    reseal(generation)
    result = cli_run("ask", "--json", "--sources", str(sources), "--index", str(index), "zzqqxx unknownword")
    assert result.returncode == 1, result.stderr  # nothing found
    no_traceback(result)
    assert b"term_table has no empty slot" in result.stderr and b"rebuilding" in result.stderr
    assert json.loads(result.stdout) == []
    assert current_generation(index).name == fresh_generation_name(sources, tmp_path)


def _hold_lock(index: Path) -> int:
    """Hold the index lock from this process, as a stopped build would (never releasing it)."""
    index.mkdir(exist_ok=True)
    fd = os.open(index / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def test_ask_answers_from_the_live_index_while_a_stuck_build_holds_the_lock(folders):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    fd = _hold_lock(index)
    try:
        started = time.monotonic()
        result = cli_run("ask", "--json", "--sources", str(sources), "--index", str(index), "HMGCR")
        assert time.monotonic() - started < 30
        assert result.returncode == 0, result.stderr
        assert f"The index is being updated by pid {os.getpid()}; answering from the current index".encode() \
            in result.stderr
        assert json.loads(result.stdout)[0]["source"] == "good.txt"
        # Asked to wait, it waits that long, then answers the same way.
        started = time.monotonic()
        waited = cli_run("ask", "--wait", "1.5", "--json", "--sources", str(sources), "--index", str(index), "HMGCR")
        assert time.monotonic() - started >= 1.5
        assert waited.returncode == 0 and b"being updated" in waited.stderr, waited.stderr
        # A build cannot do its job without the lock: one line, exit 1, after the wait it was given.
        build = cli_run("build", "--wait", "1", "--sources", str(sources), "--index", str(index))
        assert build.returncode == 1
        lines = build.stderr.decode().strip().splitlines()
        assert lines[-1].startswith("Error: the index in") and f"pid {os.getpid()} after 1 s" in lines[-1]
        assert "--wait" in lines[-1]
        no_traceback(build)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert "two.txt" in {h["source"] for h in json.loads(ask(folders, "--json", "creatine kinase").stdout)}


def test_ask_with_no_index_waits_a_bounded_time_for_a_stuck_build(folders):
    sources, index = folders
    fd = _hold_lock(index)
    try:
        result = cli_run("ask", "--wait", "1", "--sources", str(sources), "--index", str(index), "HMGCR")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert result.returncode == 1
    assert result.stderr.decode().strip().splitlines()[-1].startswith("Error: the index in")
    no_traceback(result)


def test_ask_during_a_stopped_build_answers_from_the_live_generation(folders):
    """A real build process, stopped with SIGSTOP while it holds the lock."""
    from pipeline.store import lock_holder

    sys.path.insert(0, str(ROOT / "bench"))
    from pages_corpus import write_corpus

    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    write_corpus(sources / "bulk", 120)
    build = _cli("build", "--sources", str(sources), "--index", str(index))
    try:
        deadline = time.monotonic() + 60
        while lock_holder(index) != str(build.pid) and time.monotonic() < deadline and build.poll() is None:
            time.sleep(0.01)  # until the build holds the lock and has written its pid
        assert lock_holder(index) == str(build.pid)
        build.send_signal(signal.SIGSTOP)
        result = cli_run("ask", "--json", "--sources", str(sources), "--index", str(index), "HMGCR")
        assert result.returncode == 0, result.stderr
        assert f"being updated by pid {build.pid}".encode() in result.stderr
        assert json.loads(result.stdout)[0]["source"] == "good.txt"
    finally:
        build.send_signal(signal.SIGCONT)
        build.communicate(timeout=HANG_TIMEOUT)
    assert build.returncode == 0


# Tracebacks ----------------------------------------------------------------------------------------


def _refuse_writes(monkeypatch, code: int) -> None:
    """Every open for writing fails with `code`, as on a read-only medium (EROFS) or a full disk.

    Mounting a read-only file system or a tiny tmpfs needs privileges CI may lack; this
    fails the same system calls winnow makes, so the same code paths run.
    """
    import errno as errno_module

    real_open, real_mkdir = os.open, os.mkdir
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def fake_open(path, flags, *args, **kwargs):
        if flags & writing:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    del errno_module, real_mkdir


def test_a_read_only_index_still_answers_and_a_stale_one_says_why(folders, monkeypatch):
    import errno

    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    with monkeypatch.context() as patch:
        _refuse_writes(patch, errno.EROFS)
        up_to_date = ask(folders, "--json", "HMGCR")
        assert up_to_date.exit_code == 0 and up_to_date.stderr == ""
        assert json.loads(up_to_date.stdout)[0]["source"] == "good.txt"
        (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
        stale = ask(folders, "--json", "HMGCR")
        assert stale.exit_code == 0, stale.output
        assert "the file system is read-only; answering from the current index" in stale.stderr
        assert json.loads(stale.stdout)[0]["source"] == "good.txt"
        build = run("build", "--sources", str(sources), "--index", str(index))
        assert build.exit_code == 1
        assert build.stderr.strip().splitlines()[-1] == (
            f"Error: cannot write the index in {index}: the file system is read-only")


def test_status_json_says_updated_only_when_the_update_was_written(folders, monkeypatch):
    """On a read-only index `winnow status --json` said "updated": true beside "up_to_date": false:
    the update it reported had failed (a script reading it would believe the index current)."""
    import errno

    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    with monkeypatch.context() as patch:
        _refuse_writes(patch, errno.EROFS)
        result = run("status", "--sources", str(sources), "--index", str(index), "--json")
    assert result.exit_code == 0, result.output
    assert "the file system is read-only" in result.stderr
    info = json.loads(result.stdout)
    assert info["added"] == ["two.txt"] and not info["up_to_date"] and not info["updated"]
    info = json.loads(run("status", "--sources", str(sources), "--index", str(index), "--json").stdout)
    assert info["added"] == ["two.txt"] and info["up_to_date"] and info["updated"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions; the EROFS test covers the path")
def test_a_read_only_index_folder_through_the_cli(folders):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    os.chmod(index, 0o555)
    try:
        result = cli_run("ask", "--json", "--sources", str(sources), "--index", str(index), "HMGCR")
    finally:
        os.chmod(index, 0o755)
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert b"answering from the current index" in result.stderr


def test_a_full_disk_gives_one_line_and_keeps_the_live_index(folders, monkeypatch):
    """A 5 MB tmpfs needs mount privileges; numpy's short-write error is raised instead, from
    the same call that hit it on the tmpfs (np.save while writing a generation)."""
    import numpy as np

    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    live = current_generation(index)
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")

    def short_write(*args, **kwargs):
        raise OSError("2860 requested and 496 written")

    with monkeypatch.context() as patch:
        patch.setattr(np, "save", short_write)
        build = run("build", "--sources", str(sources), "--index", str(index))
        assert build.exit_code == 1
        assert build.stderr.strip().splitlines()[-1] == (
            f"Error: cannot write the index in {index}: 2860 requested and 496 written (is the disk full?)")
        answer = ask(folders, "--json", "HMGCR")
        assert answer.exit_code == 0, answer.output
        assert "is the disk full?); answering from the current index" in answer.stderr
    assert current_generation(index) == live
    assert not list(index.glob(".tmp-*"))
    assert ask(folders, "--json", "creatine kinase").exit_code == 0  # space again: the refresh goes through
    assert "two.txt" in indexed_sources(index)


def test_enospc_on_a_small_write_is_a_clear_message(folders, monkeypatch):
    """ENOSPC from os.write (stats, cache entries, CURRENT) instead of a tmpfs."""
    import errno

    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    real_write = os.write

    def full(fd, data):
        if os.fstat(fd).st_size + len(data) > 0 and not os.isatty(fd) and fd > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", full)
        build = run("build", "--sources", str(sources), "--index", str(index))
    assert build.exit_code == 1
    assert build.stderr.strip().splitlines()[-1] == f"Error: cannot write the index in {index}: the disk is full"
    assert not [p for p in index.rglob("*.tmp")]
    Searcher(current_generation(index))


@pytest.mark.parametrize("plant", ["folder", "dev-null", "outside-file", "dangling", "fifo"])
def test_a_lock_that_is_not_a_plain_file_is_replaced_never_followed(folders, tmp_path, plant):
    sources, index = folders
    index.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    lock = index / ".lock"
    if plant == "folder":
        lock.mkdir()
        (lock / "inside.txt").write_text("x")
    elif plant == "dev-null":
        os.symlink("/dev/null", lock)
    elif plant == "outside-file":
        os.symlink(outside, lock)
    elif plant == "dangling":
        os.symlink(tmp_path / "created-by-winnow.txt", lock)
    else:
        os.mkfifo(lock)
    result = cli_run("build", "--sources", str(sources), "--index", str(index))
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert outside.read_text() == "precious\n"
    assert not (tmp_path / "created-by-winnow.txt").exists()
    assert lock.is_file() and not lock.is_symlink()
    assert indexed_sources(index) == {"good.txt"}


def _edit_manifest(generation: Path, edit) -> None:
    manifest = json.loads((generation / "manifest.json").read_text())
    edit(manifest)
    (generation / "manifest.json").write_text(json.dumps(manifest))


def _edit_sources(generation: Path, edit) -> None:
    """The sources base edited as {"source": names, "sha256": hashes} and written back in its
    table (a hash None as none, ""), or, if the edit left no two lists, as JSON."""
    names, shas = read_sources_base(generation / SOURCES_BASE)
    base = {"source": names, "sha256": shas}
    edit(base)
    path = generation / SOURCES_BASE
    if isinstance(base["source"], list) and isinstance(base["sha256"], list):
        path.write_bytes(b"".join(bytes(buffer) for buffer in pack_table(
            SOURCES_MAGIC, [], [base["source"], [sha or "" for sha in base["sha256"]]])))
    else:
        path.write_text(json.dumps(base))


def _passage_text_a_list(generation: Path) -> None:
    import numpy as np

    lines = (generation / "passages.jsonl").read_bytes().splitlines(keepends=True)
    record = json.loads(lines[0])
    record["text"] = [record["text"]]
    lines[0] = json.dumps(record).encode() + b"\n"
    (generation / "passages.jsonl").write_bytes(b"".join(lines))
    offsets = np.cumsum([0] + [len(line) for line in lines]).astype(np.int64)
    np.save(generation / "passages.offsets.npy", offsets)


def _term_table_out_of_range(generation: Path) -> None:
    import numpy as np

    table = np.load(generation / "term_table.npy")
    table[np.flatnonzero(table >= 0)[0]] = 1_000_000
    np.save(generation / "term_table.npy", table)


CRAFTED = {
    "topic_terms-5": lambda g: _edit_manifest(g, lambda m: m.update(topic_terms=5)),
    "topic_terms-null": lambda g: _edit_manifest(g, lambda m: m.update(topic_terms=None)),
    "sources-5": lambda g: _edit_manifest(g, lambda m: m.update(sources=5)),
    "skipped-empty-entry": lambda g: _edit_manifest(g, lambda m: m.update(skipped=[{}])),
    "source-without-sha256": lambda g: _edit_sources(g, lambda m: m["sha256"].pop(0)),
    "source-sha256-null": lambda g: _edit_sources(g, lambda m: m["sha256"].__setitem__(0, None)),
    "sources-base-5": lambda g: _edit_sources(g, lambda m: m.update(source=5)),
    "sources-base-unsorted": lambda g: _edit_sources(g, lambda m: m.update(source=["z.txt", "good.txt"],
                                                                           sha256=m["sha256"] * 2)),
    "sources-base-missing": lambda g: (g / SOURCES_BASE).unlink(),
    "sources-change-removes-unknown": lambda g: _edit_manifest(g, lambda m: m["sources"]["removed"].append("gone.txt")),
    "sources-change-unsorted": lambda g: _edit_manifest(g, lambda m: m["sources"].update(
        source=["z.txt", "a.txt"], sha256=["0" * 64, "1" * 64])),
    "term_table-out-of-range": _term_table_out_of_range,
    "passage-text-a-list": _passage_text_a_list,
}


@pytest.mark.parametrize("craft", sorted(CRAFTED))
@pytest.mark.parametrize("command", [["ask", "--json", "HMGCR antibodies"], ["passages", "--json"], ["status"],
                                     ["build"]])
def test_a_crafted_index_with_valid_checksums_is_rebuilt(folders, tmp_path, craft, command):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    generation = current_generation(index)
    CRAFTED[craft](generation)
    reseal(generation)
    result = cli_run(*command, "--sources", str(sources), "--index", str(index))
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    if craft == "passage-text-a-list" and command[0] in ("status", "build"):
        # Passages are checked as they are read (the corpus is never parsed whole to open
        # an index); status and build read none, so the first command that does rebuilds.
        command = ["ask", "--json", "HMGCR antibodies"]
        result = cli_run(*command, "--sources", str(sources), "--index", str(index))
        assert result.returncode == 0, result.stderr
    assert b"damaged" in result.stderr and b"rebuilding" in result.stderr, result.stderr
    if command[0] == "ask":
        assert json.loads(result.stdout)[0]["source"] == "good.txt"
        assert isinstance(json.loads(result.stdout)[0]["text"], str)
    assert current_generation(index).name == fresh_generation_name(sources, tmp_path)


def test_a_crafted_passage_is_caught_by_eval_too(folders, tmp_path):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    generation = current_generation(index)
    _passage_text_a_list(generation)
    reseal(generation)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "what antibodies", "answers": ["HMGCR"]}) + "\n")
    result = cli_run("eval", str(questions), "--json", "--sources", str(sources), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert b"damaged" in result.stderr
    assert json.loads(result.stdout)["metrics"]["Success@1"] == 1.0


@pytest.mark.parametrize("as_json", [False, True])
def test_latin1_terminal_never_crashes(folders, as_json):
    sources, index = folders
    (sources / "cafe.txt").write_text("The café owner → took statins 🧬 and developed a necrotizing myopathy "
                                      "with muscle weakness over several months.\n")
    args = ["--json"] if as_json else []
    result = cli_run("ask", *args, "--sources", str(sources), "--index", str(index), "café",
                     env={"PYTHONIOENCODING": "latin-1"})
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    out = result.stdout.decode("latin-1")
    if as_json:
        assert json.loads(out)[0]["text"].startswith("The café owner → took statins 🧬")
    else:
        assert "café owner \\u2192 took statins \\ud83e\\uddec" in out


# Silently wrong ------------------------------------------------------------------------------------


def test_a_cache_entry_changed_into_other_valid_json_is_not_reused(folders, tmp_path):
    sources, index = folders
    (sources / "steroids.txt").write_text("Since steroids alone rarely suffice, most patients also receive "
                                          "methotrexate or IVIG.\n")
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    changed = 0
    for entry in (index / "cache").iterdir():
        data = entry.read_bytes()
        if b"Since steroids" in data:
            entry.write_bytes(data.replace(b"Since steroids", b"SincX stXroids").replace(b"steroid", b"stXroid"))
            changed += 1
    assert changed == 1
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    assert current_generation(index).name == fresh_generation_name(sources, tmp_path)
    assert "SincX" not in (current_generation(index) / "passages.jsonl").read_text()
    check = run("status", "--check", "--json", "--sources", str(sources), "--index", str(index))
    assert json.loads(check.stdout)["up_to_date"]


# Outside the index folder ----------------------------------------------------------------------------


def test_a_cache_that_links_outside_is_never_pruned_through(folders, tmp_path):
    sources, index = folders
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.json").write_text("{}")
    (outside / "notes.txt").write_text("mine")
    index.mkdir()
    os.symlink(outside, index / "cache")
    for args in (["build"], ["build", "--full"]):
        result = run(*args, "--sources", str(sources), "--index", str(index))
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in outside.iterdir()) == ["keep.json", "notes.txt"]
    assert (index / "cache").is_dir() and not (index / "cache").is_symlink()
    assert indexed_sources(index) == {"good.txt"}


def test_links_in_the_index_folder_are_never_followed(folders, tmp_path):
    """stats.bin, CURRENT and a generation that are links: replaced, targets untouched."""
    sources, index = folders
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    for name in ("stats.bin",):
        (index / name).unlink()
        os.symlink(outside, index / name)
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    assert outside.read_text() == "precious\n"
    assert not (index / "stats.bin").is_symlink()
    # A generation that is a link to a copy elsewhere is not one of ours: rebuilt, the copy left alone.
    copy = tmp_path / "copy"
    live = current_generation(index)
    shutil.copytree(live, copy)
    shutil.rmtree(live)
    os.symlink(copy, live)
    result = cli_run("ask", "--json", "--sources", str(sources), "--index", str(index), "HMGCR")
    assert result.returncode == 0, result.stderr
    assert copy.is_dir() and len(list(copy.iterdir())) > 5
    assert not current_generation(index).is_symlink()
    # CURRENT as a link to a device: read bounded, never hangs; replaced on the rebuild.
    (index / "CURRENT").unlink()
    os.symlink("/dev/zero", index / "CURRENT")
    result = cli_run("ask", "--json", "--sources", str(sources), "--index", str(index), "HMGCR")
    assert result.returncode == 0, result.stderr
    assert not (index / "CURRENT").is_symlink()


def test_links_out_of_the_sources_folder_are_skipped_unless_followed(folders, tmp_path):
    sources, index = folders
    outside = tmp_path / "elsewhere"
    (outside / "deep").mkdir(parents=True)
    for i in range(30):
        (outside / "deep" / f"f{i}.conf").write_text("x")
    (outside / "page.txt").write_text("An outside page says rituximab depletes B cells in refractory myopathy.\n")
    os.symlink(outside, sources / "etc")
    os.symlink(outside / "page.txt", sources / "linked.txt")
    (sources / "inner").mkdir()
    os.symlink(sources / "good.txt", sources / "inner" / "same.txt")  # inside: followed
    result = run("build", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: skipped etc/: link leads outside the sources folder (pass --follow-links to follow it)",
        "warning: skipped linked.txt: link leads outside the sources folder (pass --follow-links to follow it)",
    ]
    assert indexed_sources(index) == {"good.txt", "inner/same.txt"}
    followed = run("ask", "--follow-links", "--json", "--sources", str(sources), "--index", str(index), "rituximab")
    assert followed.exit_code == 0, followed.output
    assert {h["source"] for h in json.loads(followed.stdout)} & {"linked.txt", "etc/page.txt"}
    assert {"linked.txt", "etc/page.txt"} <= indexed_sources(index)


def test_hidden_files_and_folders_are_reported_once_each(folders):
    sources, index = folders
    (sources / ".hidden.txt").write_text("A hidden page about statins.\n")
    (sources / ".git").mkdir()
    for i in range(5):
        (sources / ".git" / f"obj{i}.txt").write_text("x")
    result = run("build", "--sources", str(sources), "--index", str(index))
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: skipped .git/: hidden folder (its name starts with a dot)",
                        "warning: skipped .hidden.txt: hidden file (its name starts with a dot)"]


def test_control_characters_from_sources_never_reach_the_terminal(folders, tmp_path):
    sources, index = folders
    evil = "Evil page \x1b]0;PWNED\x07 says statins cause \x1b[31mred\x1b[0m muscle weakness \u009b2J in adults.\n"
    (sources / "evil.txt").write_text(evil)
    (sources / "name\x1b[2J.png").write_bytes(b"x")
    raw = set("\x1b\x07\u009b")
    plain = ask(folders, "statins weakness")
    assert plain.exit_code == 0
    assert not raw & set(plain.stdout) and not raw & set(plain.stderr)
    # The cleaner drops control characters from text (they are never words); what is left shows
    assert "PWNED" in plain.stdout and "2J" in plain.stdout
    assert "skipped $'name\\x1b[2J.png'" in plain.stderr  # a name with a control character: quoted as `ls` does
    as_json = ask(folders, "--json", "statins weakness")
    assert not raw & set(as_json.stdout)
    assert "PWNED" in json.loads(as_json.stdout)[0]["text"]
    for args in ([], ["--json"]):
        cleaned = run("clean", *args, str(sources / "evil.txt"))
        assert cleaned.exit_code == 0 and "PWNED" in cleaned.stdout
        assert not raw & set(cleaned.stdout)
    listed = run("passages", "--sources", str(sources), "--index", str(index))
    assert "PWNED" in listed.stdout and not raw & set(listed.stdout)


# Crash window -------------------------------------------------------------------------------------------


def test_a_full_rebuild_of_unchanged_sources_never_takes_the_live_generation_away(folders, monkeypatch):
    """At every rename and removal of a same-content rebuild, CURRENT names an intact generation,
    so a kill at any of those moments leaves an index that opens (no rebuild from scratch)."""
    import pipeline.store as store

    sources, index = folders
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    live = current_generation(index)
    checked = []

    def checking(operation):
        def wrapper(*args, **kwargs):
            store.verify_generation(store.current_generation(index))  # raises if the live one is gone
            checked.append(operation.__name__)
            return operation(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(store.os, "rename", checking(os.rename))
    monkeypatch.setattr(store.os, "replace", checking(os.replace))
    monkeypatch.setattr(store, "remove_tree", checking(store.remove_tree), raising=False)
    result = run("build", "--full", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0, result.output
    assert checked and current_generation(index) == live


# Lost content -------------------------------------------------------------------------------------------


def test_a_text_with_a_stray_nul_byte_is_indexed_without_it(folders):
    sources, index = folders
    (sources / "nul.txt").write_bytes(b"Rituximab depletes B cells\x00 in refractory necrotizing myopathy.\n")
    result = ask(folders, "--json", "rituximab")
    assert result.exit_code == 0, result.output
    hit = json.loads(result.stdout)[0]
    assert hit["source"] == "nul.txt" and "\x00" not in hit["text"] and "B cells in" in hit["text"]
    assert "nul.txt" not in result.stderr


@pytest.mark.parametrize("command", [["clean", "{fifo}"], ["clean", "/dev/zero"], ["ask", "-f", "/dev/zero"]])
def test_fifos_and_devices_given_as_arguments_end(folders, tmp_path, command):
    sources, index = folders
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    args = [a.replace("{fifo}", str(fifo)) for a in command]
    if command[0] == "ask":
        args += ["--sources", str(sources), "--index", str(index)]
    result = cli_run(*args)
    no_traceback(result)
    if command[0] == "clean":
        # named on stderr, and the exit status says a file was not cleaned
        assert result.returncode == 1 and b"not a regular file" in result.stderr, result.stderr
    else:
        assert result.returncode == 2 and b"longer than" in result.stderr, result.stderr


def test_dedupe_verdicts_changed_on_disk_are_not_reused(folders, tmp_path):
    """The verdicts live in the generation (each sentence's credit, segments.py), under its
    checksums: changed on disk, the generation is damaged and rebuilt, never reused."""
    import numpy as np

    sources, index = folders
    (sources / "copy.txt").write_text(GOOD + "A second sentence keeps this page from being only a copy of another.\n")
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    credit = current_generation(index) / "sent_credit.npy"
    values = np.load(credit)
    assert np.count_nonzero(values) == 1  # the copied sentence was dropped once
    np.save(credit, np.zeros_like(values))  # "kept": still a valid array
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    result = run("build", "--sources", str(sources), "--index", str(index))
    assert result.exit_code == 0 and "damaged" in result.stderr
    assert current_generation(index).name == fresh_generation_name(sources, tmp_path)


def test_a_huge_sparse_source_is_skipped_without_reading_it_all(folders):
    """A 1 TB file that takes no disk: the size limit skips it, and fingerprinting it stops
    after MAX_SOURCE_BYTES + 1 bytes instead of reading a terabyte of zeros."""
    sources, index = folders
    try:
        with open(sources / "huge.txt", "wb") as handle:
            handle.truncate(1 << 40)
    except OSError as error:
        pytest.skip(f"this file system has no 1 TB sparse files ({error})")
    result = cli_run("build", "--sources", str(sources), "--index", str(index), timeout=60)
    assert result.returncode == 0, result.stderr
    assert b"warning: skipped huge.txt: larger than 8 MB" in result.stderr
    assert indexed_sources(index) == {"good.txt"}


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_manifest(generation: Path) -> None:
    manifest = (generation / "manifest.json").read_text()
    (generation / "manifest.json").write_text(manifest.replace('"settings": {', f'"deep": {_nested(100_000)}, "settings": {{', 1))


def _deep_passage(generation: Path) -> None:
    import numpy as np

    lines = (generation / "passages.jsonl").read_bytes().splitlines(keepends=True)
    lines[0] = _nested(100_000).encode() + b"\n"
    (generation / "passages.jsonl").write_bytes(b"".join(lines))
    np.save(generation / "passages.offsets.npy", np.cumsum([0] + [len(line) for line in lines]).astype(np.int64))


@pytest.mark.parametrize("craft", [_deep_manifest, _deep_passage], ids=["manifest", "passage"])
def test_json_nested_too_deep_in_an_index_is_damage_not_a_crash(folders, tmp_path, craft):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    generation = current_generation(index)
    craft(generation)
    reseal(generation)
    for command in (["ask", "--json", "HMGCR"], ["passages", "--json"]):
        result = cli_run(*command, "--sources", str(sources), "--index", str(index))
        assert result.returncode == 0, result.stderr
        no_traceback(result)
    assert current_generation(index).name == fresh_generation_name(sources, tmp_path)


def test_a_cache_entry_nested_too_deep_is_rebuilt(folders, tmp_path):
    sources, index = folders
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    (entry,) = (index / "cache").iterdir()
    header = json.loads(entry.read_bytes().partition(b"\n")[0])
    body = _nested(100_000).encode()
    entry.write_bytes(json.dumps({**header, "sha256": hashlib.sha256(body).hexdigest()}).encode() + b"\n" + body)
    (index / "stats.bin").unlink()  # the stats of a winnow before stats.bin are read instead
    (index / "stats.json").write_text('{"good.txt": ' + _nested(100_000) + "}")
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    result = cli_run("build", "--sources", str(sources), "--index", str(index))
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert current_generation(index).name == fresh_generation_name(sources, tmp_path)


@pytest.mark.parametrize("name", ["CURRENT", "stats.bin"])
def test_a_folder_where_an_index_file_belongs_is_replaced(folders, tmp_path, name):
    sources, index = folders
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    target = index / name
    target.unlink()
    target.mkdir()
    (target / "inside.txt").write_text("x")
    (sources / "two.txt").write_text("Serum creatine kinase was elevated in every adult patient.\n")
    result = cli_run("ask", "--json", "--sources", str(sources), "--index", str(index), "creatine kinase")
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert json.loads(result.stdout)[0]["source"] == "two.txt"
    assert target.is_file()
    assert current_generation(index).name == fresh_generation_name(sources, tmp_path)


@pytest.mark.parametrize("question", [
    "\u202eHMGCR \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",  # right-to-left text and an override
    "\udcff\udcfe HMGCR",  # bytes of a command line that are not UTF-8 (surrogate escapes)
    "\x1b]0;title\x07\x1b[31m HMGCR",  # terminal escape sequences
    " ".join(f"word{i}" for i in range(10_000)) + " HMGCR",
    "\u0301\u0302\u0303 e\u0301\u0302 HMGCR",  # combining marks alone and stacked
    "\U0001f9ec\u200d\U0001f489 HMGCR",
])
def test_odd_questions_and_any_k_give_valid_json(folders, question):
    for k, extra in (("1", []), ("10000000000", ["--explain"])):
        result = ask(folders, "--json", "-k", k, *extra, question)
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        hits = answer["hits"] if extra else answer
        assert [h["source"] for h in hits] == ["good.txt"]


def test_build_warnings_quote_a_name_holding_a_newline_or_tab(folders):
    sources, index = folders
    (sources / "new\nline.txt").write_bytes(b"")  # skipped: empty
    (sources / "tab\there.txt").write_bytes("会議のメモです。明日は東京で打ち合わせがあります。".encode("shift_jis"))
    result = run("build", "--sources", str(sources), "--index", str(index), "--json")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert "warning: skipped $'new\\nline.txt': empty file" in warnings  # was two lines: "skipped new", "line.txt: ..."
    assert any(w.startswith("warning: $'tab\\there.txt': read as cp932") for w in warnings), warnings
    report = json.loads(result.stdout)
    assert {"source": "new\nline.txt", "reason": "empty file"}.items() <= report["skipped"][0].items()  # JSON: as it is


def test_clean_prints_a_corpus_record_by_record(tmp_path, monkeypatch):
    import pipeline.ingest as ingest

    corpus = tmp_path / "big.jsonl"
    corpus.write_text("".join(json.dumps({"_id": f"d{i}", "text": f"Record number {i} about statins."}) + "\n"
                              for i in range(3)))
    read = []
    real = ingest.corpus_records

    def counted(text, rel, first_line=1):
        read.append(first_line)
        return real(text, rel, first_line)

    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 64)  # one record a piece
    monkeypatch.setattr(ingest, "corpus_records", counted)
    printed = []
    monkeypatch.setattr("cli._print_cleaned", lambda doc, as_json, named: printed.append((doc.source, len(read))))
    result = run("clean", str(corpus))
    assert result.exit_code == 0, result.output
    # each record printed once its own piece is read, not after the whole corpus (which held every record)
    assert printed == [(f"{corpus}#d{i}", i + 1) for i in range(3)]
