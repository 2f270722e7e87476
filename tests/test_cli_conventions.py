"""Command-line conventions a new user expects (issue 14), each tried as that user would."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from cli import main
from pipeline.sources import KINDS

from .conftest import ROOT, SEEDS

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


@pytest.fixture(scope="module")
def seeds_args(tmp_path_factory):
    index = tmp_path_factory.mktemp("conventions-index")
    assert run("build", "--sources", str(SEEDS), "--index", str(index)).exit_code == 0
    return ["--sources", str(SEEDS), "--index", str(index)]


def _on_a_terminal(args: list[str], env: dict) -> str:
    """What the CLI prints with stdout on a pseudo-terminal, as a person at a terminal sees it."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args], stdout=follower, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(leader)
    return out.decode("utf-8", "replace")


def test_piped_output_has_no_markers_or_colour_codes(seeds_args):
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "ask", *seeds_args, "statins"], env=ENV,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "statin" in proc.stdout.lower() and "**" not in proc.stdout and "\x1b[" not in proc.stdout
    # `ask ... | grep statins` finds the word as written
    assert re.search(r"\bstatins\b", proc.stdout)


def test_a_terminal_gets_colour_unless_no_color_or_color_never(seeds_args):
    args = ["ask", *seeds_args, "statins"]
    assert "\x1b[" in _on_a_terminal(args, ENV)
    no_color = _on_a_terminal(args, {**ENV, "NO_COLOR": "1"})
    assert "statins" in no_color.lower() and "\x1b[" not in no_color and "**" not in no_color
    assert "\x1b[" not in _on_a_terminal([*args, "--color", "never"], ENV)
    assert "\x1b[" in run(*args, "--color", "always").stdout  # piped, but asked for


def test_status_check_exits_1_when_missing_or_out_of_date(tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "a.txt").write_text("Creatine kinase was raised in every patient with the myopathy.\n")
    args = ["--sources", str(sources), "--index", str(tmp_path / "index")]
    missing = run("status", "--check", *args)
    assert missing.exit_code == 1 and "No index in" in missing.stdout
    assert run("build", *args).exit_code == 0
    assert run("status", "--check", *args).exit_code == 0
    (sources / "b.txt").write_text("Statins were stopped.\n")
    stale = run("status", "--check", *args)
    assert stale.exit_code == 1 and "Out of date" in stale.stdout


def test_summaries_in_good_english(tmp_path, monkeypatch):
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "a.txt").write_text("Creatine kinase was raised in every patient with the myopathy.\n")
    monkeypatch.chdir(tmp_path)
    result = run("build", "--sources", "src", "--index", "index")
    assert "1 source indexed," in result.stderr and "1 sources" not in result.stderr
    assert "1 passage," in result.stderr and "the index from scratch in ./index:" in result.stderr
    assert run("status", "--check", "--sources", "src", "--index", "none").stdout.startswith("No index in ./none yet.")


def test_clean_a_missing_file_fails_but_the_others_are_printed(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Harbour seals rest on sandbanks at low tide and feed in the channels between them.\n")
    result = run("clean", str(tmp_path / "missing.html"), str(page))
    assert result.exit_code == 1
    assert "missing.html" in result.stderr and "Harbour seals" in result.stdout


def test_clean_reads_standard_input_and_puts_separators_with_the_text(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Harbour seals rest on sandbanks at low tide and feed in the channels between them.\n")
    html = "<html><body><article><p>Grey seals haul out on rocky shores and breed in the autumn months.</p></article></body></html>"
    result = run("clean", "-", str(page), input=html)
    assert result.exit_code == 0, result.output
    assert result.stdout.index("==> - <==") < result.stdout.index("Grey seals") < result.stdout.index(f"==> {page} <==")
    assert "==>" not in result.stderr
    text = run("clean", "-", input="Plain words about seals resting on the sandbanks at low tide today.\n")
    assert text.exit_code == 0 and "Plain words about seals" in text.stdout



def test_clean_reads_a_corpus_from_standard_input(tmp_path):
    """`clean --type jsonl -` raised AttributeError: ingest defined corpus_documents twice, and the
    streaming one (a Source, read in pieces) replaced the one clean_source calls with the text."""
    corpus = "".join(json.dumps({"_id": f"d{i}", "text": f"Grey seals haul out on rocky shore {i}."}) + "\n"
                     for i in range(2))
    result = run("clean", "--type", "jsonl", "-", input=corpus)
    assert result.exit_code == 0, result.output
    assert result.stdout.index("==> -#d0 <==") < result.stdout.index("rocky shore 0.") < result.stdout.index("==> -#d1 <==")
    assert result.stderr == ""

def test_help_and_version_everywhere():
    for args in (["ask", "-h"], ["ask", "--help"], ["-h"], ["show", "-h"], ["serve", "-h"]):
        result = run(*args)
        assert result.exit_code == 0 and "Usage" in result.stdout, args
    assert re.fullmatch(r"winnow \d+\.\d+\.\d+\n", run("--version").stdout)
    assert re.fullmatch(r"winnow \d+\.\d+\.\d+\n", run("ask", "--version").stdout)
    for script in ("ask", "winnow"):  # the console scripts themselves
        for flag in ("-h", "--version"):
            proc = subprocess.run([sys.executable, "-c", f"import cli; cli.{script}_main()", flag], env=ENV,
                                  capture_output=True, text=True, timeout=60, cwd=ROOT)
            assert proc.returncode == 0 and proc.stdout, (script, flag, proc.stderr)


def test_help_and_readme_name_every_source_type():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (run("--help").stdout, run("build", "--help").stdout, run("ask", "--help").stdout, readme):
        flat = " ".join(text.split())
        for ending in KINDS:
            assert re.search(re.escape(ending) + r"\b", flat), ending


def test_a_question_without_quotes(seeds_args):
    quoted = run("ask", *seeds_args, "--json", "what antibodies are involved")
    unquoted = run("ask", *seeds_args, "--json", "what", "antibodies", "are", "involved")
    assert unquoted.exit_code == 0, unquoted.output
    assert json.loads(unquoted.stdout) == json.loads(quoted.stdout) != []


def test_a_question_on_standard_input_without_dash_f(seeds_args):
    piped = run("ask", *seeds_args, "--json", input="what antibodies are involved\n")
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout) == json.loads(run("ask", *seeds_args, "--json", "what antibodies are involved").stdout)
    empty = run("ask", *seeds_args, input="")
    assert empty.exit_code == 2 and "holds no question" in empty.stderr


# The number of read(2) where /proc/PID/syscall can tell that a process waits in a read of its stdin.
_READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}.get(os.uname().machine)


def _wait_until_reading_stdin(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Return once the process blocks reading file descriptor 0 (a Ctrl-C before Python's own
    start-up is done is a KeyboardInterrupt no program can catch); a fixed 3 s where /proc cannot tell."""
    if _READ_SYSCALL is None or not Path(f"/proc/{proc.pid}/syscall").exists():
        time.sleep(3)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if Path(f"/proc/{proc.pid}/syscall").read_text().split()[:2] == [_READ_SYSCALL, "0x0"]:
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError("the command never waited on its standard input")


def test_ctrl_c_exits_130_with_one_line(seeds_args):
    # `ask` waits for a question on a pipe that never sends one: the user presses Ctrl-C.
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "ask", *seeds_args], env=ENV,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until_reading_stdin(proc)  # past start-up, waiting on stdin
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err
    assert [line for line in err.splitlines() if line.strip()] == ["Interrupted."]


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path, monkeypatch):
    sources = tmp_path / "src"
    sources.mkdir()
    for n in range(4):
        (sources / f"p{n}.txt").write_text(f"Page {n}: creatine kinase was raised in the patient with myopathy.\n")
    monkeypatch.setattr(cli, "PROGRESS_SECONDS", 0.0)  # a long build, compressed
    result = run("build", "--sources", str(sources), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    lines = re.findall(r"^Ingesting sources: (\d) of 4 \(\d+%\), \d+ s so far$", result.stderr, flags=re.M)
    assert len(lines) >= 3, result.stderr
    assert "\r" not in result.stderr  # no progress bar redrawn into a log file


def test_ask_imports_neither_the_server_nor_the_templates(seeds_args):
    code = ("import sys; sys.argv=['ask', *%r, '--json', 'statins'];"
            "import cli\ntry:\n cli.ask_main()\nexcept SystemExit: pass\n"
            "web=[m for m in ('jinja2','markupsafe','http.server','socketserver','pipeline.web') if m in sys.modules];"
            "sys.stderr.write('WEB=%%s' %% web)") % (seeds_args,)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "WEB=[]" in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)


@pytest.mark.parametrize("command", ["passages", "clean"])
def test_a_reader_that_stops_early_gets_no_error_line(seeds_args, command):
    """`winnow passages | head -1`: the closed pipe ends the command quietly (it printed 'Error: Broken pipe');
    `winnow clean --explain --all PAGES | head -1` too (it warned "skipped PAGE: Broken pipe" for each
    page, as if the pages could not be read, and exited 1).

    The pipe holds 4 KB (Linux's F_SETPIPE_SZ), so the command is still writing its 24 KB when
    the reader goes: in a 64 KB pipe it could write them all first on a loaded machine, and end 0.
    """
    import fcntl

    args = (["passages", *seeds_args] if command == "passages"
            else ["clean", "--explain", "--all", *map(str, sorted((ROOT / "seeds").glob("*.txt")))])
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
    proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), *args], stdout=write_end,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=ENV)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        reader.readline()
    # closed, as `head -1` does after its line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Error" not in err and "Traceback" not in err and "skipped" not in err, err
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports `seq 1e9 | head -1`'s seq, not 1


def test_the_main_help_keeps_its_layout():
    # The example block stays one indented column and the paragraphs are wrapped without gaps.
    lines = run("--help").stdout.splitlines()
    assert "  Typical use:" in lines
    assert "    winnow ask what antibodies are involved" in lines
    prose = [line for line in lines[:lines.index("Options:")] if not line.startswith("    ")]
    assert not [line for line in prose if re.search(r"\S {2,}\S", line)], prose  # no "added,     edited"
    assert "Sources are the files under the sources folder" in " ".join(" ".join(lines).split())


def test_conflicting_options_are_usage_errors(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Plain words about seals resting on the sandbanks at low tide today.\n", encoding="utf-8")
    both = run("build", "--sources", str(SEEDS), "--index", str(tmp_path / "ix"),
               "--trust", str(SEEDS / "000_c69c18c8cd78b24d.txt"), "--no-trust")
    assert both.exit_code == 2 and "--trust or --no-trust" in both.stderr, both.output
    assert not (tmp_path / "ix").exists()
    alone = run("clean", "--all", str(page))
    assert alone.exit_code == 2 and "--explain" in alone.stderr and alone.stdout == "", alone.output
    assert run("clean", "--explain", "--all", str(page)).exit_code == 0


def test_an_unwritable_run_file_is_refused_before_the_evaluation(tmp_path):
    index = tmp_path / "ix"
    result = run("eval", str(ROOT / "questions" / "seeds.jsonl"), "--sources", str(SEEDS), "--index", str(index),
                 "--json", "--run", str(tmp_path / "missing" / "seeds.run"))
    assert result.exit_code == 2 and "'--run'" in result.stderr and "does not exist" in result.stderr, result.output
    assert result.stdout == "" and not index.exists()  # refused at once: nothing built, nothing evaluated


def test_a_malformed_dask_address_is_a_usage_error(tmp_path):
    for value in ("nonsense", "tcp://scheduler:87x6"):
        result = run("build", "--sources", str(SEEDS), "--index", str(tmp_path / "ix"), "--dask", value)
        assert result.exit_code == 2 and "'--dask'" in result.stderr and "tcp://HOST:PORT" in result.stderr, \
            result.output
    assert not (tmp_path / "ix").exists()


def test_the_library_refuses_a_malformed_dask_address_and_exits():
    pytest.importorskip("distributed")
    # Given to Dask's Client, the address raised a traceback from its loop's thread, which kept the process alive.
    code = ("from pipeline.executors import Runner\nfrom pipeline.errors import WinnowError\n"
            "try:\n    Runner(dask='nonsense').start(1, 1)\nexcept WinnowError as error:\n    print(error)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0 and "not a Dask scheduler address" in proc.stdout, proc.stderr


def test_a_split_for_a_question_file_is_a_usage_error(tmp_path):
    index = tmp_path / "ix"
    result = run("eval", str(ROOT / "questions" / "seeds.jsonl"), "--sources", str(SEEDS), "--index", str(index),
                 "--split", "dev")
    assert result.exit_code == 2 and "'--split'" in result.stderr and "BEIR folder" in result.stderr, result.output
    assert not index.exists()  # it was ignored without a word, and the evaluation ran on the whole file


def test_wait_nan_is_a_usage_error(tmp_path):
    """NaN passed the range check (it compares false with everything) and silently meant no wait."""
    for command in (["ask", "statins"], ["status"]):
        result = run(*command, "--sources", str(SEEDS), "--index", str(tmp_path / "ix"), "--wait", "nan")
        assert result.exit_code == 2 and "'--wait'" in result.stderr and "not a number" in result.stderr, result.output
    assert not (tmp_path / "ix").exists()


def test_quiet_silences_progress_and_summaries_but_not_warnings(tmp_path, monkeypatch):
    """`--quiet` was no option at all (exit 2); a script that wants only the answer had no way to get it."""
    sources = tmp_path / "src"
    sources.mkdir()
    for n in range(3):
        (sources / f"p{n}.txt").write_text(f"Page {n}: creatine kinase was raised in the patient with myopathy.\n")
    (sources / "empty.txt").write_text("")
    monkeypatch.setattr(cli, "PROGRESS_SECONDS", 0.0)  # progress lines on every source, were it not quiet
    args = ["--sources", str(sources), "--index", str(tmp_path / "ix")]
    for command in (["build", "-q"], ["build", "--full", "--quiet"]):
        result = run(*command, *args)
        assert result.exit_code == 0, result.output
        assert result.stderr == "warning: skipped empty.txt: empty file\n", result.stderr  # the warning stays
    (sources / "p3.txt").write_text("Statins were stopped and the weakness improved over months.\n")
    asked = run("ask", "-q", "--json", "statins", *args)
    assert asked.exit_code == 0 and json.loads(asked.stdout)[0]["source"] == "p3.txt"
    assert "Updated" not in asked.stderr and "Sources changed" not in asked.stderr, asked.stderr
    loud = run("build", "--full", *args)
    assert "Ingesting sources" in loud.stderr and "Built the index" in loud.stderr  # without it, as before


def test_ask_exits_1_when_nothing_is_found(seeds_args):
    """As grep: a script can test for an answer (`ask ... && ...`); it exited 0 with no passage."""
    found = run("ask", *seeds_args, "statins")
    assert found.exit_code == 0 and found.stdout
    for extra in ([], ["--json"], ["--json", "--explain"], ["--explain"]):
        result = run("ask", *seeds_args, *extra, "zzyzx quuxly")
        assert result.exit_code == 1, (extra, result.output)
        assert result.stderr == ""  # not an error: nothing to say on stderr
        if "--json" in extra:
            answer = json.loads(result.stdout)
            assert (answer["hits"] if "--explain" in extra else answer) == []
        else:
            assert "No passage matches this question." in result.stdout


def test_every_command_help_teaches_with_an_example():
    """`build`, `passages`, `status`, `clean` and `serve` --help had no example of their use."""
    assert "Example" in run("--help").stdout or "Typical use" in run("--help").stdout
    for name in main.commands:
        text = run(name, "--help").stdout
        examples = text[text.index("Example"):text.index("Options:")] if "Example" in text else ""
        assert re.search(rf"^\s+(winnow |ask|.*\| winnow ){name if name != 'ask' else ''}", examples, flags=re.M), \
            (name, text)


def test_clean_explain_of_a_corpus_says_its_records_are_not_cleaned(tmp_path):
    """`clean --explain corpus.jsonl` printed the records as `clean` does, the --explain silently ignored."""
    corpus = tmp_path / "recipes.jsonl"
    corpus.write_text(json.dumps({"_id": "r1", "title": "Bread", "text": "Bake the loaf at 240 degrees."}) + "\n")
    result = run("clean", "--explain", "--all", str(corpus))
    assert result.exit_code == 0, result.output
    assert "1 record" in result.stdout and "never cleaned" in result.stdout
    assert "keep paragraph Bake the loaf at 240 degrees." in result.stdout
    assert "0 dropped" in result.stdout.splitlines()[0]
    records = [json.loads(line) for line in run("clean", "--explain", "--json", str(corpus)).stdout.splitlines()]
    assert "never cleaned" in records[0]["page"]
    assert [(r["kind"], r["text"], r["keep"], r["by"]) for r in records[1:]] == [
        ("heading", "Bread", True, "corpus"), ("paragraph", "Bake the loaf at 240 degrees.", True, "corpus")]


def test_without_a_sources_folder_the_messages_say_what_to_do(tmp_path, monkeypatch):
    """Outside a checkout there is no ./seeds: `ask` said only "'seeds' does not exist.", and `status`
    advised `winnow build`, which fails the same way."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WINNOW_SOURCES", raising=False)
    monkeypatch.delenv("WINNOW_INDEX", raising=False)
    asked = run("ask", "hello")
    assert asked.exit_code == 2 and "--sources DIR" in asked.stderr and "'seeds' does not exist" in asked.stderr
    assert len([line for line in asked.stderr.splitlines() if line.startswith("Error")]) == 1
    status = run("status")
    assert status.exit_code == 0 and "no sources folder ./seeds" in status.stdout, status.output
    assert "winnow build --sources DIR" in status.stdout
    assert not (tmp_path / "index").exists()
    (tmp_path / "seeds").mkdir()  # with the folder there, the advice is the plain one
    assert "Run `winnow build` (or just `winnow ask`)" in run("status", "--check").stdout


def test_a_note_of_one_line_is_indexed(tmp_path):
    """A text file of one line without a full stop was read as a title with nothing under it, and
    left out of the index: counted as indexed, found by no question (`status` said 3 sources, 1 passage)."""
    sources = tmp_path / "notes"
    sources.mkdir()
    (sources / "kestrel.txt").write_text("kestrels hover over the long field\n")
    (sources / "todo.txt").write_text("renew the ferry season ticket\n")
    (sources / "long.txt").write_text("Tides\n\nThe spring tides come two days after the full moon.\n")
    args = ["--sources", str(sources), "--index", str(tmp_path / "ix")]
    passages = [json.loads(line) for line in run("passages", "-q", "--json", *args).stdout.splitlines()]
    assert sorted((p["source"], p["text"]) for p in passages) == [
        ("kestrel.txt", "kestrels hover over the long field"),
        ("long.txt", "Tides\nThe spring tides come two days after the full moon."),  # its title line stays text, a line
        ("todo.txt", "renew the ferry season ticket")]
    assert [p["section"] for p in passages if p["source"] == "long.txt"] == ["Tides"]
    hit = json.loads(run("ask", "-q", "--json", "ferry ticket", *args).stdout)[0]
    assert hit["source"] == "todo.txt" and hit["section"] == ""


def test_eval_says_how_far_it_is_unless_quiet(seeds_args, monkeypatch):
    """A question set of thousands ran without a word on stderr until its metrics came."""
    monkeypatch.setattr(cli, "PROGRESS_SECONDS", 0.0)  # a long evaluation, compressed
    questions = str(ROOT / "questions" / "seeds-names.jsonl")
    result = run("eval", *seeds_args, "--json", questions)
    assert result.exit_code == 0, result.output
    assert re.findall(r"^Asking questions: (\d) of 6 \(\d+%\), \d+ s so far$", result.stderr, flags=re.M) \
        == [str(n) for n in range(6)], result.stderr
    quiet = run("eval", *seeds_args, "--json", "-q", questions)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert json.loads(quiet.stdout)["metrics"] == json.loads(result.stdout)["metrics"]


def test_tab_completion_as_the_readme_sets_it_up():
    for script, words, cword, wanted in (("winnow", "winnow st", "1", "plain,status"),
                                         ("winnow", "winnow ask --co", "2", "plain,--color"),
                                         ("ask", "ask --expl", "1", "plain,--explain")):
        env = {**ENV, f"_{script.upper()}_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
        proc = subprocess.run([sys.executable, "-c", f"import sys; sys.argv[0] = {script!r}; import cli; "
                               f"cli.{script}_main()"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert proc.returncode == 0 and wanted in proc.stdout.splitlines(), (words, proc.stdout, proc.stderr)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert '`eval "$(_WINNOW_COMPLETE=bash_source winnow)"`' in readme


def test_build_takes_the_sources_folder_as_its_argument(tmp_path, monkeypatch):
    """`winnow build notes`, as `rg PATH` or `make -C DIR`: an argument was an error ("Got unexpected
    extra argument"). The folder is remembered as --sources is; given twice on the command line it is a
    usage error, and it outranks WINNOW_SOURCES."""
    sources = tmp_path / "notes"
    sources.mkdir()
    (sources / "tides.txt").write_text("The spring tides come two days after the full moon.\n")
    index = tmp_path / "ix"
    built = run("build", "-q", "--index", str(index), str(sources))
    assert built.exit_code == 0, built.output
    hit = json.loads(run("ask", "-q", "--json", "--index", str(index), "spring tides").stdout)[0]
    assert hit["source"] == "tides.txt"  # the index answers for the folder it was built from
    twice = run("build", "--sources", str(SEEDS), "--index", str(tmp_path / "other"), str(sources))
    assert twice.exit_code == 2 and "two sources folders" in twice.stderr and not (tmp_path / "other").exists()
    monkeypatch.setenv("WINNOW_SOURCES", str(SEEDS))
    again = run("build", "-q", "--json", "--index", str(index), str(sources))
    assert again.exit_code == 0 and json.loads(again.stdout)["passages"] == 1, again.output


def test_build_takes_one_folder_named_twice_the_same_way(tmp_path, monkeypatch):
    """`winnow build --sources notes "$PWD/notes"` was refused as two folders: the paths were compared as typed."""
    sources = tmp_path / "notes"
    sources.mkdir()
    (sources / "tides.txt").write_text("The spring tides come two days after the full moon.\n")
    monkeypatch.chdir(tmp_path)
    built = run("build", "-q", "--sources", "notes", "--index", str(tmp_path / "ix"), str(sources))
    assert built.exit_code == 0, built.output
