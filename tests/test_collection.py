"""The application layer: one policy for opening an up-to-date index, used by the CLI and the page."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli import main
from pipeline.collection import Collection, SourcesMismatch, remembered_sources
from pipeline.ingest import build_index, current_generation
from pipeline.search import Searcher, locate_passage

from .conftest import SEEDS

GOOD = ("Necrotizing myopathy causes weakness of the hip and shoulder muscles over weeks. "
        "Serum creatine kinase is raised in almost every patient at diagnosis.\n")


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def _folder(tmp_path, name, text=GOOD):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "page.txt").write_text(text, encoding="utf-8")
    return folder


def test_an_index_remembers_its_sources_folder(tmp_path):
    sources = _folder(tmp_path, "a")
    build_index(sources, tmp_path / "ix")
    assert remembered_sources(tmp_path / "ix") == sources.resolve()


def test_another_folder_is_an_error_not_a_silent_rebuild(tmp_path):
    one, other = _folder(tmp_path, "one"), _folder(tmp_path, "other", GOOD.replace("weeks", "months"))
    index = tmp_path / "ix"
    assert run("build", "--sources", str(one), "--index", str(index)).exit_code == 0
    generation = current_generation(index)
    for command in (["ask", "weakness"], ["status"], ["passages"], ["build"]):
        result = run(*command, "--sources", str(other), "--index", str(index))
        assert result.exit_code == 1, (command, result.output)
        assert "was built from" in result.stderr and "--index" in result.stderr and "--rebuild" in result.stderr
        assert current_generation(index) == generation  # untouched
    result = run("ask", "--json", "weakness", "--sources", str(other), "--index", str(index), "--rebuild")
    assert result.exit_code == 0, result.output
    assert remembered_sources(index) == other.resolve()
    assert "months" in json.loads(result.stdout)[0]["text"]


def test_without_sources_an_index_answers_for_its_own_folder(tmp_path, monkeypatch):
    sources = _folder(tmp_path, "mine")
    index = tmp_path / "ix"
    assert run("build", "--sources", str(sources), "--index", str(index)).exit_code == 0
    monkeypatch.chdir(tmp_path)  # no ./seeds here: the default would be missing
    monkeypatch.delenv("WINNOW_SOURCES", raising=False)
    (sources / "more.txt").write_text("Statins were stopped and rituximab was given to the patient.\n")
    result = run("ask", "--json", "rituximab", "--index", str(index))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["source"] == "more.txt"  # refreshed from its own folder


def test_a_long_lived_searcher_survives_builds_that_delete_its_generation(tmp_path):
    sources = _folder(tmp_path, "src")
    index = tmp_path / "ix"
    build_index(sources, index)
    searcher = Searcher(current_generation(index))
    first = current_generation(index)
    for n in range(3):  # the tidy step keeps one previous generation: the third build deletes the first
        (sources / f"new{n}.txt").write_text(f"Page {n} says the muscle biopsy showed necrotic fibres.\n")
        build_index(sources, index)
    assert not first.exists()
    hits = searcher.search("creatine kinase", 1)
    assert hits and "creatine kinase" in hits[0].passage.text
    assert [p.passage_id for p in searcher.passages()] == ["page.txt#0000"]


def test_live_follows_new_generations(tmp_path):
    sources = _folder(tmp_path, "src")
    collection = Collection(sources, tmp_path / "ix")
    assert collection.live() is None
    collection.build()
    first = collection.live()
    assert first is collection.live()  # kept open between questions
    (sources / "more.txt").write_text("Rituximab was given when steroids and methotrexate failed.\n")
    collection.build()
    assert collection.live() is not first and collection.live().search("rituximab", 1)


def test_an_empty_or_unreadable_sources_folder_is_a_warning(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("build", "--sources", str(empty), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert "warning: no readable source in" in result.stderr and ".jsonl" in result.stderr
    (empty / "image.png").write_bytes(b"\x89PNG\r\n")
    (empty / "blank.txt").write_text("")
    result = run("build", "--sources", str(empty), "--index", str(tmp_path / "ix2"))
    assert "warning: no readable source in" in result.stderr


def test_status_of_collection_says_where_it_was_built_from(tmp_path):
    sources = _folder(tmp_path, "src")
    collection = Collection(sources, tmp_path / "ix")
    assert collection.status() == {"index": str((tmp_path / "ix").resolve()), "sources_folder": str(sources.resolve()),
                                   "exists": False,
                                   "up_to_date": False}
    collection.searcher()
    info = collection.status()
    assert info["up_to_date"] and info["built_from"] == str(sources.resolve()) and info["sources"] == 1


def test_a_moved_sources_folder_is_followed_not_refused(tmp_path):
    sources = _folder(tmp_path, "old")
    index = tmp_path / "ix"
    build_index(sources, index)
    moved = tmp_path / "new"
    shutil.move(sources, moved)
    Collection(moved, index).check_origin()  # the remembered folder is gone: no error
    Collection(moved, index).build()
    assert remembered_sources(index) == moved.resolve()
    with pytest.raises(SourcesMismatch):  # while it exists, another folder is refused
        Collection(_folder(tmp_path, "third"), index).check_origin()


@pytest.mark.parametrize("text, passage, expected", [
    ("# H\n\nOne two. Three four.", "One two. Three four.", "One two. Three four."),
    ("# H\n\nOne two.\n\nThree four.", "One two. Three four.", "One two.\n\nThree four."),
    ("- One two.\n\n- Dropped dup.\n\n- Three four.", "One two. Three four.", "One two.\n\n- Dropped dup.\n\n- Three four."),
])
def test_locate_passage_gives_offsets_in_the_cleaned_text(text, passage, expected):
    start, end = locate_passage(text, passage)
    assert text[start:end] == expected
    assert locate_passage(text, "Not there at all.") == (-1, -1)


def test_show_prints_the_passage_in_context_with_offsets(tmp_path):
    index = tmp_path / "ix"
    passages = [json.loads(line) for line in
                run("passages", "--json", "--sources", str(SEEDS), "--index", str(index)).stdout.splitlines()]
    target = passages[3]
    result = run("show", target["passage_id"], "--json", "--sources", str(SEEDS), "--index", str(index))
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["file"] == target["source"] and 0 <= shown["start"] < shown["end"] <= len(shown["cleaned"])
    first_sentence = target["text"].split("\n")[0].split(". ")[0]  # (a list entry after it starts a line)
    assert shown["cleaned"][shown["start"]:].startswith(first_sentence)
    assert shown["cleaned"] == json.loads(run("clean", "--json", str(SEEDS / target["source"])).stdout)["text"]
    human = run("show", target["passage_id"], "--sources", str(SEEDS), "--index", str(index))
    assert human.exit_code == 0 and f"characters {shown['start']}-{shown['end']} of" in human.stdout
    assert ">>>" + first_sentence in human.stdout and "<<<" in human.stdout
    missing = run("show", "nope.txt#0001", "--sources", str(SEEDS), "--index", str(index))
    assert missing.exit_code == 1 and "no passage 'nope.txt#0001'" in missing.stderr


def test_status_rebuild_switches_folders_even_with_the_same_files(tmp_path):
    one = _folder(tmp_path, "one")
    copy = tmp_path / "copy"
    shutil.copytree(one, copy)  # the same file names and bytes: nothing looks stale
    index = tmp_path / "ix"
    assert run("build", "--sources", str(one), "--index", str(index)).exit_code == 0
    result = run("status", "--sources", str(copy), "--index", str(index), "--rebuild")
    assert result.exit_code == 0, result.output
    assert remembered_sources(index) == copy.resolve()


def test_an_index_inside_its_sources_folder_is_not_read_as_sources(tmp_path, monkeypatch):
    # `cd notes && winnow build --sources .`: the default ./index lands in the sources folder.
    sources = _folder(tmp_path, "notes")
    monkeypatch.chdir(sources)
    first = run("build", "--sources", ".", "--index", "index")
    assert first.exit_code == 0, first.output
    again = run("build", "--sources", ".", "--index", "index")
    assert again.exit_code == 0, again.output
    assert "0 sources added, 0 changed, 0 removed, 1 reused; 1 indexed, 0 skipped" in again.stderr, again.stderr
    assert "passages.jsonl" not in again.stderr and ".npy" not in again.stderr  # its own files are no sources
    assert "skipped index/: a winnow index folder" in again.stderr
    check = run("status", "--check", "--sources", ".", "--index", "index")
    assert check.exit_code == 0 and "Up to date" in check.stdout, check.output


def test_a_folder_that_only_looks_like_an_index_is_still_read(tmp_path):
    sources = _folder(tmp_path, "src")
    lookalike = sources / "index"
    lookalike.mkdir()
    (lookalike / ".lock").write_text("")
    (lookalike / "kept.txt").write_text(GOOD, encoding="utf-8")  # a name no index holds: sources
    result = run("build", "--sources", str(sources), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert "2 sources indexed" in result.stderr, result.stderr


def test_the_sources_folder_cannot_be_the_index_folder(tmp_path):
    sources = _folder(tmp_path, "src")
    for command in (["build"], ["ask", "necrotizing"], ["status"]):
        result = run(*command, "--sources", str(sources), "--index", str(sources))
        assert result.exit_code == 2, (command, result.output)
        assert "is the sources folder" in result.stderr
    assert sorted(p.name for p in sources.iterdir()) == ["page.txt"]  # nothing written there


def test_asking_an_empty_sources_folder_answers_nothing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("ask", "--json", "--sources", str(empty), "--index", str(tmp_path / "ix"), "necrotizing")
    assert result.exit_code == 1, result.output  # nothing found, not an error: stdout is still JSON
    assert json.loads(result.stdout) == [] and "damaged" not in result.stderr


def test_removing_every_source_leaves_an_index_that_answers_nothing(tmp_path):
    sources = _folder(tmp_path, "src")
    index = str(tmp_path / "ix")
    assert run("ask", "--json", "--sources", str(sources), "--index", index, "necrotizing").exit_code == 0
    for path in sources.iterdir():
        path.unlink()
    for command, status in ((["ask", "--json", "necrotizing"], 1), (["status"], 0), (["passages"], 0)):
        result = run(*command, "--sources", str(sources), "--index", index)
        assert result.exit_code == status, (command, result.output)  # ask: 1, nothing found
        assert "damaged" not in result.stderr
    result = run("ask", "--json", "--sources", str(sources), "--index", index, "necrotizing")
    assert json.loads(result.stdout) == []


def test_status_names_the_folder_the_index_was_built_from_when_it_is_gone(tmp_path):
    sources = _folder(tmp_path, "mydocs")
    index = str(tmp_path / "ix")
    assert run("build", "--sources", str(sources), "--index", index).exit_code == 0
    sources.rename(tmp_path / "elsewhere")
    result = run("status", "--index", index)
    assert result.exit_code == 0, result.output
    assert f"The sources folder {sources} is missing" in result.stdout  # not the default ./seeds
    assert "next ask updates it" not in result.stdout  # it cannot: there is nothing to read
    asked = run("ask", "--json", "--index", index, "necrotizing")
    assert asked.exit_code == 0 and json.loads(asked.stdout), asked.output  # answers from the index as it is


def test_status_of_the_current_folder_names_it(tmp_path, monkeypatch):
    sources = _folder(tmp_path, "notes")
    monkeypatch.chdir(sources)
    assert run("build", "--sources", ".", "--index", str(tmp_path / "ix")).exit_code == 0
    result = run("status", "--sources", ".", "--index", str(tmp_path / "ix"))
    assert f"Up to date with {sources.resolve()}." in result.stdout, result.stdout  # not "Up to date with .."


def test_an_index_with_a_killed_builds_leftovers_is_still_not_read_as_sources(tmp_path, monkeypatch):
    # store.tidy clears .old-*, .tmp-* and .CURRENT-* after a killed build; until then they sit in the index.
    sources = _folder(tmp_path, "notes")
    monkeypatch.chdir(sources)
    assert run("build", "--sources", ".", "--index", "index").exit_code == 0
    (sources / "index" / ".old-1234").mkdir()
    (sources / "index" / ".CURRENT-1234").write_text("gen-x\n")
    from pipeline.sources import discover

    assert [s.rel for s in discover(sources)] == ["page.txt"]  # the index's own files are no sources


def _counting(monkeypatch, module, name):
    """Count the calls of module.name (and still make them)."""
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_refresh_by_ask_lists_the_folder_and_hashes_an_edit_once(tmp_path, monkeypatch):
    import pipeline.ingest as ingest

    sources = _folder(tmp_path, "a")
    (sources / "other.txt").write_text("Statins lower cholesterol and rarely cause muscle pain.\n", encoding="utf-8")
    (sources / ".hidden.txt").write_text(GOOD, encoding="utf-8")
    index = tmp_path / "ix"
    build_index(sources, index)
    (sources / "page.txt").write_text(GOOD.replace("weeks", "months"), encoding="utf-8")
    scans, hashes = _counting(monkeypatch, ingest, "scan"), _counting(monkeypatch, ingest, "_fingerprint")
    warned, told = [], []
    searcher = Collection(sources, index, warn=warned.append, notify=told.append).searcher()
    assert len(scans) == 1  # the check for changes and the build it starts share one listing
    assert [source.rel for (source,) in hashes] == ["page.txt"]  # the edited page, hashed once
    assert any("1 changed" in line for line in told)
    assert warned == ["skipped .hidden.txt: hidden file (its name starts with a dot)"]  # said by the build, once
    assert any("months" in hit.passage.text for hit in searcher.search("weakness", 5))
    fresh = tmp_path / "fresh"
    build_index(sources, fresh, full=True)
    assert [h.passage for h in Searcher(current_generation(fresh)).search("weakness", 5)] == \
        [h.passage for h in searcher.search("weakness", 5)]


def test_status_parses_the_manifest_once(tmp_path, monkeypatch):
    import pipeline.search as search
    import pipeline.store as store

    sources = _folder(tmp_path, "a")
    index = tmp_path / "ix"
    build_index(sources, index)
    reads = []
    original = store.read_own

    def read_own(path, *args, **kwargs):
        if path.name == "manifest.json":
            reads.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(store, "read_own", read_own)
    monkeypatch.setattr(search, "read_own", read_own)
    info = Collection(sources, index).status()
    assert info["up_to_date"] and info["built_from"] == str(sources.resolve())
    assert len(reads) == 1


def test_an_ask_that_refreshes_checks_the_live_generation_once_and_not_the_one_it_wrote(tmp_path, monkeypatch):
    """Issue 13 part 6: the Searcher that finds the sources changed has checked the live
    generation; the build takes it as it is (no second check, no second read of its sources),
    and the Searcher of the generation just written does not check what the build wrote."""
    import pipeline.ingest as ingest
    import pipeline.search as search
    import pipeline.store as store

    sources, index = _folder(tmp_path, "src"), tmp_path / "ix"
    build_index(sources, index)
    checked, read = [], []
    monkeypatch.setattr(search, "verify_generation", lambda g, full=True: checked.append(g.name) or store.verify_generation(g, full))
    monkeypatch.setattr(ingest, "verify_generation", lambda g, full=True: checked.append(g.name) or store.verify_generation(g, full))
    monkeypatch.setattr(search, "read_sources", lambda g, m, *like: read.append(g.name) or store.read_sources(g, m, *like))
    monkeypatch.setattr(ingest, "read_sources", lambda g, m, *like: read.append(g.name) or store.read_sources(g, m, *like))
    live = current_generation(index)
    (sources / "more.txt").write_text("Muscle biopsy shows necrotic fibres with little inflammation.\n")
    collection = Collection(sources, index)
    searcher = collection.searcher()
    assert searcher.generation != live and checked == [live.name] and read == [live.name]
    assert searcher.manifest == json.loads((searcher.generation / "manifest.json").read_text())
    fresh = tmp_path / "fresh"
    build_index(sources, fresh, full=True)
    assert searcher.generation.name == current_generation(fresh).name
    question = "necrotic fibres biopsy"
    assert [(h.passage.passage_id, h.score) for h in searcher.search(question, k=5)] == \
        [(h.passage.passage_id, h.score) for h in Searcher(current_generation(fresh)).search(question, k=5)]
    # Damage to the live generation is still found by the one check, and rebuilds.
    generation = searcher.generation
    (generation / "passages.jsonl").write_bytes(b"x" + (generation / "passages.jsonl").read_bytes()[1:])
    (sources / "more.txt").write_text("Muscle biopsy shows necrotic fibres and no inflammation.\n")
    searcher = Collection(sources, index).searcher()
    assert searcher.generation != generation


def test_a_corpus_record_is_found_by_its_id_without_parsing_every_line(tmp_path, monkeypatch):
    """`show corpus.jsonl#id` and the page's source?passage= parsed every line of the corpus on every
    request (1.3 s CPU for one record of an 80 MB corpus). The same record comes back, whatever
    the id's form, but only lines that hold the id's text are parsed."""
    import pipeline.ingest as ingest
    from pipeline.records import Source

    def line(rid, text, ensure_ascii=True):
        return json.dumps({"_id": rid, "title": f"T {text}", "text": text}, ensure_ascii=ensure_ascii) + "\n"

    lines = [line("d0", "The record d1 is cited here, before it."), line("d10", "Ten comes before one."),
             line("d1", "The first record."), line("café", "An accented id, escaped."),
             line("thé", "An accented id, written as UTF-8.", ensure_ascii=False), line('q"u\\o', "Quote, backslash."),
             line(7, "A number as the id."), '{"_id": "\\u0064x", "title": "Escaped", "text": "An escaped letter."}\n',
             'not json at all, d2\n']
    lines += [line(f"f{n}", f"Filler record number {n}.") for n in range(300)]
    lines.insert(150, line("d2", "In the middle."))
    (tmp_path / "src").mkdir()
    corpus = tmp_path / "src" / "c.jsonl"
    corpus.write_text("".join(lines), encoding="utf-8")
    source = Source(str(corpus), "c.jsonl", "jsonl", corpus.stat().st_size, 0)
    collection = Collection(tmp_path / "src", tmp_path / "ix")
    parsed = []
    records = ingest.corpus_records
    monkeypatch.setattr(ingest, "corpus_records",
                        lambda text, *args: parsed.append(text.count("\n") + 1) or records(text, *args))
    monkeypatch.setattr(ingest, "JSONL_PIECE_BYTES", 2048)  # many pieces: records on either side of a cut
    for rid, limit in [("d1", 3), ("d10", 1), ("café", 1), ("thé", 1), ('q"u\\o', 1), ("7", 1), ("d2", 2),
                       ("f299", 1), ("dx", 1000), ("nowhere", 1000)]:
        parsed.clear()
        found = collection.clean("c.jsonl", record=f"c.jsonl#{rid}")
        assert sum(parsed) <= limit, (rid, sum(parsed))
        assert found == ingest.corpus_file_documents(source, f"c.jsonl#{rid}"), rid
        assert len(found) == (rid != "nowhere"), rid
    (tmp_path / "src" / "queries.jsonl").write_text(line("d1", "A question set, not a corpus."))
    with pytest.raises(ingest.SkipSource):  # as a build skips it
        collection.clean("queries.jsonl", record="queries.jsonl#d1")
