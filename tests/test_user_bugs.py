"""Bugs a new user met: each test runs the CLI and reads what it prints."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def _jsonl(path, **records):
    path.write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, (t, x) in records.items()),
                    encoding="utf-8")


def test_the_same_id_in_two_corpora_makes_two_sources_that_name_their_files(tmp_path):
    """The same `_id` in a.jsonl and b.jsonl merged into one source `1`, and `show` looked for
    b.jsonl's record in a.jsonl ("no longer in the cleaned text of a.jsonl")."""
    sources, index = tmp_path / "src", tmp_path / "ix"
    sources.mkdir()
    _jsonl(sources / "a.jsonl", r1=("Apples", "Apples grow on trees in orchards."))
    _jsonl(sources / "b.jsonl", r1=("Bananas", "Bananas grow in tropical plantations."))
    where = ["--sources", str(sources), "--index", str(index)]
    result = run("ask", "--json", "bananas apples", *where)
    assert result.exit_code == 0, result.output
    hits = {h["source"]: h for h in json.loads(result.stdout)}
    assert set(hits) == {"a.jsonl#r1", "b.jsonl#r1"}
    assert "Bananas" in hits["b.jsonl#r1"]["text"] and "Apples" in hits["a.jsonl#r1"]["text"]
    shown = run("show", hits["b.jsonl#r1"]["passage_id"], *where)
    assert shown.exit_code == 0, shown.output
    assert "cleaned text of b.jsonl" in shown.stdout and "no longer" not in shown.output
    assert ">>>Bananas grow in tropical plantations.<<<" in shown.stdout


def _one_page(tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "page.txt").write_text("Statins were stopped and the creatine kinase fell over three months.\n")
    return ["--sources", str(sources), "--index", str(tmp_path / "ix")]


def test_a_file_of_unknown_type_is_counted_among_the_skipped(tmp_path):
    """An unknown file type was warned about as skipped while the summary said "0 skipped"."""
    where = _one_page(tmp_path)
    (tmp_path / "src" / "notes.xyz").write_text("not a source\n")
    for _ in range(2):  # the build, then the build that finds the index up to date
        result = run("build", *where)
        assert result.exit_code == 0, result.output
        assert result.stderr.count("skipped notes.xyz: unknown file type") == 1
        assert re.search(r"\b1 (source )?indexed, 1 skipped", result.stderr), result.stderr  # from scratch: "1 source"
    record = json.loads(run("build", "--json", *where).stdout)
    assert record["sources_skipped"] == 1 and [s["source"] for s in record["skipped"]] == ["notes.xyz"]
    assert "Sources: 1 indexed, 1 skipped;" in run("status", *where).stdout  # status counts as the build does


def test_a_source_with_no_text_left_is_said_and_counted_not_indexed_silently(tmp_path):
    """A blank HTML page and Markdown that is only front matter gave no passage, yet counted
    as indexed without a word."""
    where = _one_page(tmp_path)
    sources = tmp_path / "src"
    (sources / "blank.html").write_text("<html><head></head><body></body></html>\n")
    (sources / "front.md").write_text("---\ntitle: Draft\ntags: [a, b]\n---\n")
    for _ in range(2):  # the build, then the build that finds the index up to date
        result = run("build", *where)
        assert result.exit_code == 0, result.output
        for name in ("blank.html", "front.md"):
            assert f"skipped {name}: no text left after cleaning" in result.stderr
        assert re.search(r"\b1 (source )?indexed, 2 skipped, 1 passage,", result.stderr), result.stderr
    (sources / "front.md").write_text("---\ntitle: Draft\n---\nThe creatine kinase is checked again in spring.\n")
    result = run("build", *where)
    assert "1 changed" in result.stderr and "2 indexed, 1 skipped, 2 passages," in result.stderr


QUESTIONS = "".join(json.dumps(q) + "\n" for q in (
    {"id": "q1", "question": "what happened to the creatine kinase", "answers": ["creatine kinase fell"]},
    {"id": "q2", "question": "when were statins stopped", "answers": ["Statins were stopped"]},
))


def test_eval_reads_a_question_set_from_stdin(tmp_path):
    """`eval -` said "'-' does not exist"; `-` is standard input, as tools that take files read it."""
    where = _one_page(tmp_path)
    from_file = tmp_path / "q.jsonl"
    from_file.write_text(QUESTIONS)
    expected = json.loads(run("eval", "--json", str(from_file), *where).stdout)
    result = run("eval", "--json", "-", *where, input=QUESTIONS)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["metrics"] == expected["metrics"] and got["metrics"]["Success@1"] == 1.0
    bad = run("eval", "-", *where, input='{"question": "no answers"}\n')
    assert bad.exit_code == 1 and "stdin:1:" in bad.stderr, bad.output


def test_eval_reads_a_question_set_from_a_pipe(tmp_path):
    """`eval <(zcat q.jsonl.gz)` was refused: "not a regular file"."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash for <(...)")
    where = " ".join(f"'{a}'" for a in _one_page(tmp_path))
    (tmp_path / "q.jsonl").write_text(QUESTIONS)
    command = f"'{sys.executable}' '{ROOT / 'cli.py'}' eval --json <(sleep 0.2; cat '{tmp_path / 'q.jsonl'}') {where}"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["metrics"]["Success@1"] == 1.0


def test_status_json_gives_every_folder_absolute(tmp_path, monkeypatch):
    """`status --json` gave sources_folder as written ("src") beside an absolute built_from."""
    _one_page(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WINNOW_SOURCES", raising=False)
    monkeypatch.delenv("WINNOW_INDEX", raising=False)
    assert run("build", "--sources", "src", "--index", "ix").exit_code == 0
    result = run("status", "--json", "--sources", "src", "--index", "ix")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["sources_folder"] == info["built_from"] == str((tmp_path / "src").resolve())
    assert info["index"] == str((tmp_path / "ix").resolve())
    assert "absolute" in run("status", "--help").stdout
    built = json.loads(run("build", "--json", "--index", "ix").stdout)  # `build --json` gave "index": "ix"
    assert (built["index"], built["sources_folder"]) == (info["index"], info["sources_folder"])


def test_show_and_clean_read_a_corpus_over_the_page_limit(tmp_path, monkeypatch):
    """A corpus has no size limit, yet `show` of its records (and the page's link to the cleaned text)
    read it whole through the 8 MB page limit: "Error: larger than 8 MB (12.3 MB): split it ... or into
    a JSON Lines corpus", said of a JSON Lines corpus. `clean` of it failed the same way, and `clean` of
    any corpus kept quiet about its lines that are not records."""
    import pipeline.ingest as ingest
    import pipeline.sources as sources_module

    monkeypatch.setattr(sources_module, "MAX_SOURCE_BYTES", 10_000)
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 4096)
    sources = tmp_path / "src"
    sources.mkdir()
    lines = [json.dumps({"_id": f"d{i}", "title": f"Batch {i}", "text": f"Widget {i} was assembled in hall {i % 7}."})
             for i in range(400)]  # about 30 KB
    lines[99] = "{not a record"
    (sources / "corpus.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    where = ["--sources", str(sources), "--index", str(tmp_path / "ix")]
    built = run("build", *where)
    assert built.exit_code == 0, built.output
    assert "skipped 1 line that is not a corpus record (a JSON object with `_id` and `text`): line 100" in built.stderr
    shown = run("show", "corpus.jsonl#d399#0000", *where)
    assert shown.exit_code == 0, shown.output
    assert ">>>Widget 399 was assembled in hall 0.<<<" in shown.stdout and "Batch 399" in shown.stdout
    assert "Widget 398" not in shown.stdout  # the record's own text, not the corpus's
    cleaned = run("clean", str(sources / "corpus.jsonl"))
    assert cleaned.exit_code == 0, cleaned.output
    assert cleaned.stdout.count("was assembled in hall") == 399
    assert cleaned.stderr == (f"warning: {sources / 'corpus.jsonl'}: skipped 1 line that is not a corpus record "
                              "(a JSON object with `_id` and `text`): line 100\n")


def test_eval_says_one_question_not_one_questions(tmp_path):
    where = _one_page(tmp_path)
    result = run("eval", "-", *where, input=json.dumps({"question": "when were statins stopped",
                                                        "answers": ["creatine kinase"]}) + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 question, answers question set,")


def test_clean_of_a_corpus_says_where_each_record_begins(tmp_path):
    """`clean corpus.jsonl` printed its records back to back: a record without a title read as
    more text under the previous record's title."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"_id": "r1", "title": "Sourdough", "text": "Feed the starter daily."}) + "\n"
                      + json.dumps({"_id": "r2", "text": "Proof the dough overnight."}) + "\n", encoding="utf-8")
    result = run("clean", str(corpus))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"==> {corpus}#r1 <==", "# Sourdough", "", "Feed the starter daily.", "",
                                          f"==> {corpus}#r2 <==", "Proof the dough overnight.", ""]


def test_a_link_to_a_folder_already_read_is_not_called_a_loop(tmp_path):
    """A second name for a folder (notes/latest -> notes/2026) was skipped as "folder already
    visited (symlink loop)": no loop, and no word of which folder it repeats."""
    sources = tmp_path / "src"
    (sources / "notes" / "2026").mkdir(parents=True)
    (sources / "notes" / "2026" / "march.txt").write_text("The kiln was fired to cone six in March.\n")
    os.symlink(sources / "notes" / "2026", sources / "notes" / "latest")
    os.symlink(sources / "notes", sources / "notes" / "2026" / "up")
    result = run("build", "--sources", str(sources), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert "warning: skipped notes/latest: folder already visited as notes/2026 (a link to the same folder)" \
        in result.stderr.splitlines()
    assert "warning: skipped notes/2026/up: folder already visited as notes (symlink loop)" in result.stderr.splitlines()


def test_a_folder_read_first_through_a_link_is_not_called_a_link(tmp_path):
    """A link named before its folder (notes/0-latest -> notes/2026) is read first, and the real
    folder was then skipped as "a link to the same folder": notes/2026 is no link."""
    sources = tmp_path / "src"
    (sources / "notes" / "2026").mkdir(parents=True)
    (sources / "notes" / "2026" / "march.txt").write_text("The kiln was fired to cone six in March.\n")
    os.symlink(sources / "notes" / "2026", sources / "notes" / "0-latest")
    result = run("build", "--sources", str(sources), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert ("warning: skipped notes/2026: folder already visited as notes/0-latest (read first through a link: "
            "its files are named there)") in result.stderr.splitlines(), result.stderr


def test_ask_quiet_finding_nothing_prints_nothing(tmp_path):
    """README's `ask -q zzyzx || echo "no answer"` printed "No passage matches this question." and
    then "no answer": -q left the message on stdout, where `answer=$(ask -q ...)` took it for
    the answer. As `grep -q`, the exit status says it; hits are still printed."""
    where = _one_page(tmp_path)
    assert run("build", *where).exit_code == 0
    nothing = run("ask", "-q", "zzyzx", *where)
    assert (nothing.exit_code, nothing.stdout, nothing.stderr) == (1, "", "")
    assert run("ask", "zzyzx", *where).stdout == "No passage matches this question.\n"  # without -q, said
    assert json.loads(run("ask", "-q", "--json", "zzyzx", *where).stdout) == []
    found = run("ask", "-q", "creatine kinase", *where)
    assert found.exit_code == 0 and "page.txt#0000" in found.stdout and found.stderr == ""


def test_show_names_a_clean_command_that_runs_from_here(tmp_path, monkeypatch):
    """`show` said "(`winnow clean page.txt` prints it)": run as said, from where `show` was run,
    it failed ("No such file"), as the file lies in the sources folder; and for a trusted source
    it printed another text than the index holds (cleaned, not as written)."""
    import shlex

    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "my notes.txt").write_text("Statins were stopped and the creatine kinase fell over months.\n")
    (tmp_path / "src" / "kept.txt").write_text("Subscribe now\n\nThe kiln was fired to cone six for the glaze.\n")
    where = ["--sources", "src", "--index", "ix"]
    assert run("build", "--trust", "kept.txt", *where).exit_code == 0
    for passage_id, trust in (("my notes.txt#0000", []), ("kept.txt#0000", ["--trust"])):
        shown = run("show", passage_id, *where)
        assert shown.exit_code == 0, shown.output
        command = re.search(r"\(`(winnow clean [^`]+)` prints it\)", shown.stdout).group(1)
        args = shlex.split(command)[2:]
        assert args == [*trust, str(Path("src") / passage_id.split("#")[0])]
        cleaned = run("clean", *args)
        assert cleaned.exit_code == 0, cleaned.output
        assert json.loads(run("show", "--json", passage_id, *where).stdout)["cleaned"] in cleaned.stdout


def test_a_rebuild_says_which_setting_changed(tmp_path, monkeypatch):
    """After an upgrade of winnow every index was rebuilt saying "The analyzer, index settings or
    index format changed": none of these had, the processing code had. It says what changed."""
    import pipeline.ingest as ingest

    where = _one_page(tmp_path)
    assert run("build", *where).exit_code == 0
    monkeypatch.setattr(ingest, "_processing_code_hash", lambda: "0" * 16)
    result = run("build", *where)
    assert result.exit_code == 0, result.output
    assert ("The processing code (another version of winnow, or its files edited) changed; rebuilding the index "
            "from scratch.") in result.stderr.splitlines()
    monkeypatch.setattr(ingest, "HEADING_WEIGHT", ingest.HEADING_WEIGHT + 1)
    monkeypatch.setattr(ingest, "_processing_code_hash", lambda: "1" * 16)
    result = run("ask", "creatine", *where)
    assert result.exit_code == 0, result.output
    assert ("The passage settings and the processing code (another version of winnow, or its files edited) changed; "
            "rebuilding the index from scratch.") in result.stderr.splitlines()


def test_status_of_an_index_whose_folder_is_gone_gives_advice_that_works(tmp_path):
    """It said "(--sources names another folder, with --rebuild)", yet --sources alone rebuilds an
    index whose folder is gone (README: not an error); the advice named a flag not needed."""
    where = _one_page(tmp_path)
    assert run("build", *where).exit_code == 0
    (tmp_path / "src").rename(tmp_path / "moved")
    said = run("status", "--index", str(tmp_path / "ix"))
    assert said.exit_code == 0, said.output
    assert "is missing; ask answers from the index as it is (--sources DIR rebuilds it from another folder)." \
        in said.stdout
    moved = run("ask", "creatine", "--sources", str(tmp_path / "moved"), "--index", str(tmp_path / "ix"))
    assert moved.exit_code == 0 and "page.txt#0000" in moved.stdout, moved.output


def test_a_run_file_keeps_six_fields_when_an_id_holds_a_space(tmp_path):
    """`eval --run` wrote "1 Q0 my notes.txt#0000 1 5.98 winnow": seven fields, which trec_eval
    and ir_measures, splitting at whitespace, read as another document and rank."""
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "my notes.txt").write_text("Windmills grind grain into flour on the plains.\n")
    (sources / "100%.txt").write_text("Windmills turn when the wind blows over the plains.\n")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q 1", "question": "windmills grind grain", "answers": ["grind"]}) + "\n")
    run_file = tmp_path / "run.txt"
    result = run("eval", str(questions), "--run", str(run_file), "--sources", str(sources), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in run_file.read_text().splitlines()]
    assert all(len(fields) == 6 for fields in lines), lines
    assert [(f[0], f[2], f[3]) for f in lines] == [("q%201", "my%20notes.txt#0000", "1"), ("q%201", "100%.txt#0000", "2")]
    # An id without whitespace is written as it is, "%" too: the qrels hold it so (trec_eval, ir_measures).


def test_a_name_holding_a_newline_or_tab_keeps_the_output_one_line_per_item_and_can_be_pasted_back(tmp_path):
    """A file named "a<newline>b<tab>c.txt" was printed raw by ask, passages and show: one hit's
    heading took two lines. It is printed $'a\\nb\\tc.txt', as `ls` quotes it; JSON keeps the name."""
    sources = tmp_path / "src"
    sources.mkdir()
    name = "a\nb\tc.txt"
    (sources / name).write_text("Statins cause muscle weakness in some adults who take them daily.\n")
    where = ["--sources", str(sources), "--index", str(tmp_path / "ix")]
    quoted = "$'a\\nb\\tc.txt'"
    hit = json.loads(run("ask", "--json", "statins weakness", *where).stdout)[0]
    assert hit["source"] == name and hit["passage_id"] == name + "#0000"  # JSON: the real name
    asked = run("ask", "statins weakness", *where)
    assert asked.exit_code == 0, asked.output
    assert asked.stdout.splitlines()[0] == f"1. [{hit['score']:.3f}] {quoted}  ($'a\\nb\\tc.txt#0000')"
    listed = run("passages", *where)
    assert listed.stdout.splitlines()[0] == "$'a\\nb\\tc.txt#0000'  []"
    assert json.loads(run("passages", "--json", *where).stdout)["source"] == name
    shown = run("show", name + "#0000", *where)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "$'a\\nb\\tc.txt'  ($'a\\nb\\tc.txt#0000')"
    assert f"cleaned text of {quoted} (`winnow clean $'{sources}/a\\nb\\tc.txt'` prints it)" in lines[1]
    assert json.loads(run("show", "--json", name + "#0000", *where).stdout)["file"] == name
    if shutil.which("bash"):  # what is printed is the name, to bash
        pasted = subprocess.run(["bash", "-c", f"printf %s {quoted}"], capture_output=True, text=True)
        assert pasted.stdout == name


def test_a_name_with_a_quote_backslash_or_escape_character_is_quoted_unambiguously():
    from cli import _name

    assert _name("plain name.txt") == "plain name.txt"  # no control character: as it is, as before
    assert _name("it's\\\x1b.txt") == "$'it\\'s\\\\\\x1b.txt'"
    assert _name("c1\u009bx.txt") == "$'c1\\u009bx.txt'"
    if shutil.which("bash"):
        for name in ("it's\\\x1b.txt", "a\r\x01\x7fb", "x\x1bab"):
            pasted = subprocess.run(["bash", "-c", f"printf %s {_name(name)}"], capture_output=True)
            assert pasted.stdout.decode() == name  # bytes: text mode would read \r as a newline


def test_status_names_a_link_outside_the_sources_added_after_the_build(tmp_path):
    """A link leading outside the sources folder, added after a build, was said nowhere: `status`
    said "Up to date" with one more skipped and no name. It names the skipped sources as a build does."""
    where = _one_page(tmp_path)
    assert run("build", *where).exit_code == 0
    (tmp_path / "outside.txt").write_text("Rituximab was given when methotrexate failed.\n")
    (tmp_path / "src" / "link.txt").symlink_to(tmp_path / "outside.txt")
    warned = "skipped link.txt: link leads outside the sources folder"
    for args in ([], ["--check"]):
        result = run("status", *args, *where)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[1] == "Sources: 1 indexed, 1 skipped; 1 passage"
        assert lines[2].startswith("  " + warned) and lines[3].startswith("Up to date")
    assert warned in run("build", *where).stderr  # the same words as the build's


def test_status_names_a_few_skipped_sources_and_counts_the_rest(tmp_path):
    from cli import STATUS_SKIPPED_NAMED

    where = _one_page(tmp_path)
    for i in range(STATUS_SKIPPED_NAMED + 2):
        (tmp_path / "src" / f"n{i:02d}.xyz").write_text("not a source\n")
    (tmp_path / "src" / "empty.txt").write_text("")  # skipped by the build, kept in the index's list
    result = run("status", *where)
    assert result.exit_code == 0, result.output
    named = [line for line in result.stdout.splitlines() if line.startswith("  skipped ")]
    assert len(named) == STATUS_SKIPPED_NAMED and named[0].startswith("  skipped empty.txt: ")
    assert f"  and 3 more skipped (`winnow build --json` lists every one)" in result.stdout.splitlines()
    assert json.loads(run("status", "--json", *where).stdout)["skipped"] == STATUS_SKIPPED_NAMED + 3  # a count, as before


def test_a_line_of_megabytes_without_spaces_makes_bounded_passages_and_hits(tmp_path):
    """A 3 MB line without spaces was one 3 MB heading (one "word": a short line), every passage
    under it printed it as its section; as a paragraph, one 3 MB passage that `ask` printed whole.
    Passages are bounded (split.PASSAGE_MAX_CHARS), so are tokens (Lucene's 255) and headings."""
    from pipeline.analyze import MAX_TOKEN_CHARS, analyze
    from pipeline.split import HEADING_MAX_CHARS, PASSAGE_MAX_CHARS

    sources, index = tmp_path / "src", tmp_path / "ix"
    sources.mkdir()
    run_ = "".join(random.Random(7).choices("abcdefghij", k=300_000))  # no two pieces alike (dedupe)
    (sources / "long.txt").write_text(f"Kestrels hover over fields.\n\n{run_}\n\nKestrels eat voles and mice.\n")
    (sources / "para.txt").write_text(f"Owls hunt at night and {run_} rest by day.\n")
    (sources / "head.md").write_text(f"# {run_}\n\nHerons wade in shallow water.\n")
    where = ["--sources", str(sources), "--index", str(index)]
    passages = [json.loads(line) for line in run("passages", "-q", "--json", *where).stdout.splitlines()]
    assert max(len(p["text"]) for p in passages) <= PASSAGE_MAX_CHARS
    assert max(len(p["section"]) for p in passages) <= HEADING_MAX_CHARS
    # The run comes through whole, in order; long.txt's pieces may be kept as duplicates of head.md's
    # heading run (the same bytes), cited with both sources.
    for name in ("long.txt", "para.txt"):
        text = "".join(p["text"] for p in passages if name in p["sources"])
        assert run_ in text.replace(" ", "") and len(text.replace(" ", "")) < len(run_) + 100
    for question in ("kestrels voles", "owls night", "herons"):
        result = run("ask", "-k", "3", question, *where)
        assert result.exit_code == 0 and len(result.stdout) < 3 * (PASSAGE_MAX_CHARS + 400), question
    from pipeline.records import Document, Section
    from pipeline.split import section_sentences

    document = Document(source="h.md", title=run_, sections=(Section(run_, ("Herons wade.",)),))
    [(label, sentences)] = section_sentences(document)  # a heading too long to label passages: text
    assert label == "" and "".join(sentences[:-1]) == run_ and sentences[-1] == "Herons wade."
    assert max(map(len, analyze("x " + run_))) <= MAX_TOKEN_CHARS + 1  # the prefix mark
    assert analyze(run_[:MAX_TOKEN_CHARS]) == analyze(run_)[:len(analyze(run_[:MAX_TOKEN_CHARS]))]


def test_a_first_line_read_as_the_title_stays_a_line_of_the_text(tmp_path):
    """A note's first line without a final stop ("Call the clinic tomorrow" over "They open at 9.")
    became its title and heading, and was in no passage: `--json` hits said only "They open at 9."."""
    sources, index = tmp_path / "src", tmp_path / "ix"
    sources.mkdir()
    (sources / "note.txt").write_text("Call the clinic tomorrow\nThey open at 9.\n")
    (sources / "tides.txt").write_text("Tides\n\nThe spring tides come two days after the full moon.\n")
    (sources / "list.txt").write_text("Packing for the ferry\n\nTents\n\n- two poles\n- pegs\n")
    where = ["--sources", str(sources), "--index", str(index)]
    passages = {p["passage_id"]: p for p in
                map(json.loads, run("passages", "-q", "--json", *where).stdout.splitlines())}
    assert passages["note.txt#0000"]["text"] == "Call the clinic tomorrow\nThey open at 9."
    assert passages["note.txt#0000"]["section"] == "Call the clinic tomorrow"  # still its title
    assert passages["tides.txt#0000"]["text"] == "Tides\nThe spring tides come two days after the full moon."
    # A heading at once under the title: the title opens the first passage, and is none of its own.
    assert [(p["section"], p["text"]) for p in passages.values() if p["source"] == "list.txt"] == [
        ("Tents", "Packing for the ferry\ntwo poles\npegs")]
    cleaned = run("clean", str(sources / "note.txt"))
    assert cleaned.stdout == "Call the clinic tomorrow\n\nThey open at 9.\n\n"  # the text as written, no `# `
    hit = json.loads(run("ask", "-q", "--json", "when do they open", *where).stdout)[0]
    assert hit["text"].startswith("Call the clinic tomorrow")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_clean_that_cannot_write_says_so_and_fails(tmp_path):
    """Writing to a full device was reported as "skipped FILE: No space left on device", as if
    the file could not be read, and the next file was tried; it is a write error, as cat says."""
    page = tmp_path / "a.txt"
    page.write_text("Kestrels hover over the long field.\n")
    for args in ([str(page)], [str(page), str(page)], ["--explain", str(page)], ["--json", str(page)]):
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "clean", *args], stdout=full,
                                  stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
        assert done.returncode == 1, args
        assert done.stderr == "Error: write error: No space left on device\n", args


def _justified(words: list[str], width: int, indent: str = "       ") -> list[str]:
    """Lines filled and justified to `width` columns, as `man -P cat` renders a man page's text."""
    lines, current = [], []
    for word in words:
        if current and len(indent) + len(" ".join(current + [word])) > width:
            gaps, extra = len(current) - 1, width - len(indent) - len(" ".join(current))
            line = current[0]
            for i, w in enumerate(current[1:]):
                line += " " * (1 + extra // gaps + (i < extra % gaps)) + w
            lines.append(indent + line)
            current = []
        current.append(word)
    return lines + [indent + " ".join(current)]


def test_a_justified_man_page_is_read_as_paragraphs_not_table_rows():
    """A man page as `man -P cat` prints it: its lines widened to column 78 with two or three
    spaces between words were read as table rows (two gaps or more), judged as menus and dropped
    (`man ls`: 673 of 963 words kept); they are prose, joined into paragraphs."""
    from pipeline.clean import clean_text

    prose = ("The WIDTH argument is a whole number of columns, and the output is laid out to fit it; "
             "a width of zero means no limit at all, and the COLUMNS variable of the environment is "
             "used when no width is given on the command line, as most terminals set it for you. "
             "The STYLE argument can be long, short or plain, and a style that is not known to the "
             "program is an error that stops it before anything is listed.").split()
    page = ["KESTREL(1)                     User Commands                    KESTREL(1)", "", "NAME",
            "       kestrel - list the birds seen in a field", "", "DESCRIPTION"]
    for n in range(4):
        page += _justified(prose[n * 7:] + prose[:n * 7], 78) + [""]
    text = "\n".join(page) + "\n"
    doc = clean_text(text)
    assert doc.kept_words == doc.words
    kept = " ".join(" ".join(s.paragraphs) for s in doc.sections)
    assert " ".join(prose) in kept  # one paragraph, single spaces


def test_a_caption_repeated_down_a_page_is_no_justified_margin():
    """Distinct lines make a margin: 13 copies of one 52-character caption (a gallery's, dragnet
    page 439's dump) made the page "justified" and its lines one paragraph (F1 0.69 -> 0.00)."""
    from pipeline.readers.text import _justified_margin

    caption = "3D Painting at the 2012 Magic Art Special Exhibition"
    lines = ["Home > International", *[caption] * 13, *(f"Story {i} of the day, told in a longer headline" + "!" * i
                                                          for i in range(16))]
    assert _justified_margin(lines) == 0
    assert _justified_margin(_justified([f"word{i % 97}" for i in range(600)], 78)) == 78


def test_a_json_lines_records_wrapped_lines_are_one_paragraph(tmp_path):
    """A record's text hard-wrapped at 72 columns (a README put in a corpus) kept its line breaks
    inside passages ("the\\nStandard Template Library"), though the README says spaces are
    normalised and a text file's passages have none; paragraphs still split at blank lines."""
    sources, index = tmp_path / "src", tmp_path / "ix"
    sources.mkdir()
    text = ("libkestrel is an implementation of the field guide, including the\n"
            "   hovering birds of open country.\n\nOn most systems you find more in the\ndocs package.")
    _jsonl(sources / "c.jsonl", r1=("Kestrels", text))
    where = ["--sources", str(sources), "--index", str(index)]
    passages = [json.loads(line) for line in run("passages", "-q", "--json", *where).stdout.splitlines()]
    assert [p["text"] for p in passages] == [
        "libkestrel is an implementation of the field guide, including the hovering birds of open country. "
        "On most systems you find more in the docs package."]
    cleaned = run("clean", str(sources / "c.jsonl")).stdout
    assert "including the hovering birds of open country.\n\nOn most systems you find more in the docs package." in cleaned


def test_a_word_groff_broke_at_a_lines_end_is_one_word_again():
    """`man -P cat` breaks words at a line's end with U+2010 ("speci‐" / "fied"): joined as two
    words, "specified" was found by no question; a word's own hyphen ("-") and a break between
    cases stay."""
    import textwrap

    from pipeline.readers.text import read

    words = [f"word{i % 89}" for i in range(400)]
    lines = textwrap.wrap(" ".join(words), 72)
    for at, (end, start) in zip((2, 5, 8, 11), (("speci‐", "fied"), ("EXE‐", "CUTION"), ("self-", "contained"),
                                                ("FOR‐", "mat"))):
        lines[at] += " " + end
        lines[at + 1] = start + " " + lines[at + 1]
    [block] = read("\n".join(lines) + "\n")
    for joined in ("specified", "EXECUTION", "self- contained", "FOR‐ mat"):
        assert f" {joined} " in block.text


def _suggested(text):
    """The `winnow ...` commands a message suggests, as argument lists."""
    import shlex
    return [shlex.split(command)[1:] for command in re.findall(r"`(winnow [^`]*)`", text)]


@pytest.mark.parametrize("folder", ["src", "-src"])
def test_the_commands_build_suggests_run_from_where_the_build_ran(tmp_path, monkeypatch, folder):
    """Build warnings suggested `winnow clean --explain page.txt`, a name relative to the sources
    folder: from anywhere else it failed "No such file"; and a name starting with "-" read as an option."""
    from pipeline import clean

    from .test_cli import NAV, PROSE

    sources = tmp_path / folder
    sources.mkdir()
    (sources / "page.txt").write_text(NAV + PROSE + NAV, encoding="utf-8")
    (sources / "blank.html").write_text("<html><head></head><body></body></html>\n")
    (sources / "-x.txt").write_text(NAV + PROSE + NAV, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    where = [f"--sources=../{folder}", "--index=../ix"]
    # A threshold no block reaches: the cleaner drops every block it judges, so every page warns.
    monkeypatch.setattr(clean, "DEFAULT_OPTIONS", clean.CleanOptions(threshold=1.1))
    monkeypatch.setattr("pipeline.ingest.DEFAULT_OPTIONS", clean.CleanOptions(threshold=1.1))
    result = run("build", *where)
    assert result.exit_code == 0, result.output
    commands = _suggested(result.stderr)
    assert [c[:2] for c in commands if c[0] == "clean"] == [["clean", "--explain"]] * 3, result.stderr
    assert ["clean", "--explain", f"../{folder}/blank.html"] in commands
    assert ["build", "--trust", f"../{folder}/-x.txt"] in commands
    monkeypatch.chdir(tmp_path)  # status from another folder names the files from there
    status = run("status", f"--sources={folder}", "--index=ix")
    named = f"./{folder}" if folder.startswith("-") else folder
    assert [["clean", "--explain", f"{named}/blank.html"]] == _suggested(status.stdout), status.stdout
    monkeypatch.chdir(tmp_path / "elsewhere")
    for command in commands:
        if command[0] == "clean":
            ran = run(*command)
            assert ran.exit_code == 0 and "No such file" not in ran.output, (command, ran.output)


def test_a_name_starting_with_a_dash_is_pasted_as_a_file_not_an_option():
    from pipeline.sources import shell_word

    assert shell_word("-x.txt") == "./-x.txt"
    assert shell_word("--help") == "./--help"
    assert shell_word("-a b.txt") == "'./-a b.txt'"
    assert shell_word("-\x1b.txt") == "$'./-\\x1b.txt'"
    assert shell_word("a-b.txt") == "a-b.txt" and shell_word("/tmp/-x") == "/tmp/-x"


def test_an_empty_heading_at_the_end_is_printed_once(tmp_path):
    """`winnow clean` of Markdown ending "# Summary" with nothing under it printed "# Summary" and
    then "Summary": the cleaner kept the heading as its own section's only paragraph."""
    page = tmp_path / "notes.md"
    page.write_text("Harbour seals eat fish. They dive at high tide.\n\n# Summary\n", encoding="utf-8")
    result = run("clean", str(page))
    assert result.exit_code == 0, result.output
    assert result.output.split() == "Harbour seals eat fish. They dive at high tide. # Summary".split()
    result = run("clean", "--json", str(page))
    sections = json.loads(result.output)["sections"]
    assert sections[-1] == {"heading": "Summary", "text": ""}
    # Alone in its file, it is the title and the text, once.
    page.write_text("# Summary\n", encoding="utf-8")
    assert run("clean", str(page)).output.split() == ["Summary"]


def test_an_empty_heading_at_the_end_of_a_page_is_no_passage_of_its_own(tmp_path):
    """A trailing empty "## Comments" was a passage whose whole text was "Comments" (ranked first
    for the word by its shortness); the cleaned text keeps it."""
    from pipeline.clean import CleanOptions, clean_markdown, clean_text
    from pipeline.split import join_sentences, pack, section_sentences

    def passages(document):
        return [(label, join_sentences(sentences[i] for i in group))
                for label, sentences in section_sentences(document) for group in pack(sentences)]

    doc = clean_markdown("# Seals\n\nHarbour seals eat fish. They dive at high tide.\n\n## Comments\n")
    assert doc.text.endswith("# Comments")
    assert passages(doc) == [("Seals", "Harbour seals eat fish. They dive at high tide.")]
    doc = clean_markdown("Harbour seals eat fish. They dive at high tide.\n\n## Comments\n\n## Share\n")
    assert [text for _, text in passages(doc)] == ["Harbour seals eat fish. They dive at high tide."]
    # A heading alone is the text: it stays a passage.
    doc = clean_markdown("# Seals\n\n## Comments\n")
    assert [text for _, text in passages(doc)] == ["Seals\nComments"]
    # A short line ending the last section, after a full passage, goes with that passage.
    long = " ".join(["Harbour seals eat fish"] * 14) + "."
    doc = clean_text(f"Seals\n\n{long}\n\nSee also\n", options=CleanOptions(trusted=True))
    assert [text for _, text in passages(doc)] == [f"Seals\n{long}\nSee also"]


def test_show_finds_a_passage_opened_by_the_title_over_a_heading(tmp_path):
    """Markdown "# Seals" then "## Diet" then text: the title opens the first passage ("Seals Harbour
    seals eat fish..."), which is no one stretch of the cleaned text ("# Diet" lies between), and
    `show` said "The passage is no longer in the cleaned text"."""
    sources, index = tmp_path / "src", tmp_path / "ix"
    sources.mkdir()
    (sources / "s.md").write_text("# Seals\n\n## Summary\n\n## Diet\n\nHarbour seals eat fish. They dive for it.\n",
                                  encoding="utf-8")
    where = ["--sources", str(sources), "--index", str(index)]
    assert run("build", *where).exit_code == 0
    result = run("show", "s.md#0000", *where)
    assert result.exit_code == 0, result.output
    assert "no longer in the cleaned text" not in result.output
    assert ">>>Seals" in result.output and "They dive for it.<<<" in result.output, result.output


CODE_LINES = "python3 -m venv .venv\n. .venv/bin/activate\npip install -e ."


def test_a_code_blocks_lines_stay_lines_in_passages_ask_and_show(tmp_path):
    """A fenced code block and an HTML <pre> came out of `passages` and `ask` as one line
    ("python3 -m venv .venv . .venv/bin/activate pip install -e ."), and `show` and `clean` printed
    the <pre> as one line too."""
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "guide.md").write_text("# Install\n\nRun these commands to set up plasmapheresis records.\n\n"
                                      f"```sh\n{CODE_LINES}\n```\n\nThen ask a question.\n")
    (sources / "page.html").write_text(
        "<html><head><title>Setup</title></head><body><article><h1>Setup</h1><p>Run these commands to install "
        "the sarcolemma tool on a fresh machine, then ask a question about it.</p>"
        f"<pre>{CODE_LINES.replace('venv', 'virtualenv')}</pre><p>Then read the answer with care, as the "
        "guide explains at length.</p></article></body></html>")
    where = ["--sources", str(sources), "--index", str(tmp_path / "ix")]
    passages = [json.loads(line) for line in run("passages", "--json", *where).stdout.splitlines()]
    texts = {p["source"]: p["text"] for p in passages}
    assert texts["guide.md"] == "Run these commands to set up plasmapheresis records.\n" + CODE_LINES + \
        "\nThen ask a question."
    assert CODE_LINES.replace("venv", "virtualenv") in texts["page.html"]
    asked = run("ask", "--color", "never", "plasmapheresis", *where)
    assert asked.exit_code == 0, asked.output
    assert "\n   . .venv/bin/activate\n   pip install -e .\n" in asked.stdout, asked.stdout
    shown = run("show", "page.html#0000", *where)
    assert shown.exit_code == 0 and CODE_LINES.replace("venv", "virtualenv") in shown.stdout, shown.output
    found = run("ask", "--json", "activate", *where)  # the words of code are found as before
    assert {h["source"] for h in json.loads(found.stdout)} == {"guide.md", "page.html"}


def test_a_heading_longer_than_a_label_is_text_not_a_section(tmp_path):
    """A megabyte "heading" line was kept whole as a section's name (and the page's title): `clean`
    printed it as a `#` line and the document's sections were named by it."""
    from pipeline.clean import clean_html, clean_markdown
    from pipeline.split import HEADING_MAX_CHARS

    words = " ".join(f"w{i % 97}x" for i in range(HEADING_MAX_CHARS))  # random-looking, far past the bound
    for document in (clean_markdown(f"# {words}\n\n## Dosing\n\nStatins were stopped and the kinase fell.\n"),
                     clean_html(f"<html><head><title>{words}</title></head><body><article><h1>{words}</h1>"
                                "<h2>Dosing</h2><p>Statins were stopped and the creatine kinase fell over three "
                                "months, as the notes say.</p></article></body></html>")):
        assert document.title == "" and all(len(s.heading) <= HEADING_MAX_CHARS for s in document.sections)
        assert words in document.text and "# " + words not in document.text and "# Dosing" in document.text
    short = clean_markdown("# Myopathy notes\n\nStatins were stopped and the kinase fell.\n")
    assert short.title == "Myopathy notes" and short.sections[0].heading == "Myopathy notes"


def test_a_passages_lines_are_its_paragraphs_and_ask_shows_the_sentence_of_one(tmp_path):
    """A note's title over its text was joined to the first sentence by a space: `ask` showed
    "Meeting notes Attendees: Maria Lopez, Tom Reed." as its best sentence, and list entries without
    a stop read as one run ("Range: North Atlantic Weight: 100 kg"). Paragraphs whose boundary a
    reader could not find again start lines; `passages` indents every line of a passage."""
    sources, index = tmp_path / "src", tmp_path / "ix"
    sources.mkdir()
    (sources / "notes.md").write_text("Meeting notes\n\nAttendees: Maria Lopez, Tom Reed.\n"
                                      "Next meeting: 21 March, room 3B.\n\n- Range: North Atlantic\n"
                                      "- Weight: 100 kg\n")
    where = ["--sources", str(sources), "--index", str(index)]
    passages = [json.loads(line)["text"] for line in run("passages", "-q", "--json", *where).stdout.splitlines()]
    assert "\n".join(passages) == ("Meeting notes\nAttendees: Maria Lopez, Tom Reed. Next meeting: 21 March, room 3B."
                               "\nRange: North Atlantic\nWeight: 100 kg")
    hit = json.loads(run("ask", "-q", "--json", "who attended", *where).stdout)[0]
    assert hit["best_sentence"] == "Attendees: Maria Lopez, Tom Reed."
    printed = run("passages", "-q", *where).stdout
    assert "\n   Meeting notes\n   Attendees: Maria Lopez" in printed and "\n   Weight: 100 kg\n" in printed
