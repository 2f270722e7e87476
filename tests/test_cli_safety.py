"""Safety through the CLI: bad sources, bad arguments, odd questions, damage, locks and kills."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
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
    return {s["source"] for s in Searcher(current_generation(index)).manifest["sources"]}


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


@pytest.mark.parametrize("question", [
    "?!?... ;;; ---",
    "🧬💉🤒",
    "statin " * 2_900,
    "'; DROP TABLE passages; -- OR 1=1",
    "what is the of and to it",
    "\x00\x01 weird \u200b control",
])
def test_odd_questions_answer_sensibly(folders, question):
    result = ask(folders, "--json", question)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert isinstance(hits, list)
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))


def test_question_of_only_stopwords_matches_nothing(folders):
    result = ask(folders, "what is the of and to it")
    assert result.exit_code == 0
    assert "No passage matches" in result.stdout


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
    assert "1 sources added, 0 changed, 0 removed, 1 reused" in result.stderr
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
    lambda g: _garble(g / "docs.npy") if (g / "docs.npy").exists() else _garble(g / "manifest.json"),
    lambda g: _truncate(g / "manifest.json"),
    lambda g: (g / "bm25.json").write_text('{"format_version": 999}') if (g / "bm25.json").exists() else None,
    lambda g: (g / "passages.offsets.npy").unlink(),
    lambda g: (g / "checksums.json").unlink(),
    lambda g: shutil.rmtree(g),
    lambda g: (g.parent / "CURRENT").write_bytes(b"\xff\xfe garbage"),
    lambda g: (g.parent / "CURRENT").write_text("gen-../../etc\n"),
], ids=["truncated", "garbled-passages", "garbled-arrays", "truncated-manifest", "wrong-version",
        "missing-file", "missing-checksums", "missing-generation", "garbled-current", "bad-current"])
def test_damaged_index_is_rebuilt(folders, damage):
    sources, index = folders
    assert ask(folders, "statins").exit_code == 0
    damage(current_generation(index))
    for command in (["ask", "--json", "HMGCR"], ["passages"], ["status"]):
        result = run(*command, "--sources", str(sources), "--index", str(index))
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
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
    assert json.loads((current_generation(index) / "checksums.json").read_bytes())["format"] == 2


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
    try:
        build = _cli("build", "--sources", str(sources), "--index", str(index))
        time.sleep(1.5)
        assert build.poll() is None, build.communicate()  # still waiting
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = build.communicate(timeout=60)
    assert build.returncode == 0, err
    assert f"Waiting for the index lock held by pid {os.getpid()}" in err


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
    assert _kill_when(build, lambda: len(list((index / "cache").glob("*.json"))) > 20)
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

    def cleaner(source, text):
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
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["added"] == ["later.txt"] and not info["up_to_date"] and "updated" not in info
    assert "later.txt" not in indexed_sources(index)
