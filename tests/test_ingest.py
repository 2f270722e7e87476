"""pipeline/ingest.py: the incremental build is exactly a fresh build, and re-processes only what changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import analyze
from pipeline.dedupe import SentenceDeduper
from pipeline.ingest import assemble_passages, build_index, current_generation, passage_tokens, stale_sources
from pipeline.records import Document, Passage, Section
from pipeline.split import join_sentences
from pipeline.search import Searcher
from pipeline.split import pack, section_sentences

from .conftest import SEEDS

# Few words, so that sentences repeat across files and the dedupe stage has work to do.
WORDS = ("statin", "myopathy", "antibody", "muscle", "weakness", "biopsy", "necrosis", "kinase",
         "patients", "treatment", "serum", "immune")
SHARED_SENTENCE = "The editorial board reviewed this page about muscle weakness in 2024."


def _reference_assemble(documents: list[Document]) -> tuple[list[Passage], int]:
    """The plain algorithm the fast assembly must reproduce: every sentence through the deduper."""
    deduper = SentenceDeduper()
    drafts, dropped = [], 0
    for document in documents:
        for heading, sentences in section_sentences(document):
            kept = []
            for sentence in sentences:
                sid = deduper.find(sentence)
                if sid is None:
                    kept.append((sentence, deduper.add(sentence, document.source)))
                else:
                    deduper.note_source(sid, document.source)
                    dropped += 1
            texts = [s for s, _ in kept]
            for group in pack(texts):
                drafts.append((document.source, heading, [texts[i] for i in group], [kept[i][1] for i in group]))
    passages, ordinal = [], {}
    for source, heading, texts, sids in drafts:
        n = ordinal.get(source, 0)
        ordinal[source] = n + 1
        sources = [source]
        for sid in sids:
            sources.extend(s for s in deduper.sources(sid) if s not in sources)
        passages.append(Passage(f"{source}#{n:04d}", source, heading, join_sentences(texts), tuple(sources)))
    passages.sort(key=lambda p: p.passage_id)
    return passages, dropped


sentence_st = st.one_of(
    st.just(SHARED_SENTENCE),
    st.lists(st.sampled_from(WORDS), min_size=3, max_size=9).map(lambda ws: " ".join(ws).capitalize() + "."),
)
page_st = st.lists(st.lists(sentence_st, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=3).map(
    lambda paragraphs: "\n\n".join(paragraphs) + "\n")


@settings(max_examples=30, deadline=None)
@given(st.lists(page_st, min_size=1, max_size=6))
def test_fast_assembly_is_the_plain_algorithm(pages):
    documents = [Document(f"p{i}.txt", "", (Section(f"Head {i}", tuple(page.split("\n\n"))),))
                 for i, page in enumerate(pages)]
    assert assemble_passages(documents) == _reference_assemble(documents)


def test_tokens_per_sentence_are_the_passage_tokens(tmp_path):
    build_index(SEEDS, tmp_path / "index")
    searcher = Searcher(current_generation(tmp_path / "index"))
    for doc in range(searcher.n_passages):
        passage = searcher.passage(doc)
        wanted = set(passage_tokens(passage))
        for token in wanted:
            assert doc in _docs_with(searcher, token), (passage.passage_id, token)


def test_heading_counts_heading_weight_times(tmp_path, monkeypatch):
    """The build indexes exactly passage_tokens(passage), heading repeats included."""
    from pipeline import ingest

    monkeypatch.setattr(ingest, "HEADING_WEIGHT", 3)
    build_index(SEEDS, tmp_path / "index")
    searcher = Searcher(current_generation(tmp_path / "index"))
    lengths = searcher.index._doc_lengths
    assert any(searcher.passage(doc).section for doc in range(searcher.n_passages))
    for doc in range(searcher.n_passages):
        assert lengths[doc] == len(passage_tokens(searcher.passage(doc))), doc


def _docs_with(searcher: Searcher, token: str) -> set[int]:
    scores = searcher.index.scores([token])
    return set(int(d) for d in scores.nonzero()[0])


def _generation_bytes(index_dir: Path) -> dict[str, bytes]:
    generation = current_generation(index_dir)
    return {p.name: p.read_bytes() for p in sorted(generation.iterdir())} | {"name": generation.name.encode()}


operation_st = st.tuples(st.sampled_from(("add", "edit", "delete", "touch", "revert")),
                         st.integers(min_value=0, max_value=7), page_st)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation_st, min_size=1, max_size=6))
def test_incremental_build_equals_fresh_build(tmp_path_factory, operations):
    root = tmp_path_factory.mktemp("incr")
    sources, index = root / "sources", root / "index"
    (sources / "sub").mkdir(parents=True)
    (sources / "a.txt").write_text(f"{SHARED_SENTENCE} Statin myopathy in patients.\n")
    build_index(sources, index)
    history: dict[Path, str] = {}
    for step, (op, n, page) in enumerate(operations):
        path = sources / ("sub" if n % 2 else "") / f"p{n}.{'md' if n % 3 == 0 else 'txt'}"
        if op in ("add", "edit"):
            history.setdefault(path, path.read_text() if path.exists() else "")
            path.write_text(page)
        elif op == "delete" and path.exists():
            path.unlink()
        elif op == "touch" and path.exists():
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
        elif op == "revert" and history.get(path):
            path.write_text(history[path])
        report = build_index(sources, index)
        fresh = root / f"fresh-{step}"
        build_index(sources, fresh, full=True)
        assert _generation_bytes(index) == _generation_bytes(fresh)
        assert report.reused + report.added + report.changed >= report.sources_read - 1


QUERIES = [[w] for w in WORDS] + [list(WORDS[i:i + 3]) for i in range(0, len(WORDS), 2)] + [
    [("statin", 2.0), ("kinase", 0.5)], ["editori", "board", "2024"], ["nothingmatches"]]


def _ranked(searcher: Searcher, query, k: int) -> list[tuple[str, float]]:
    docs, scores = searcher.index.search(query, k)
    return [(searcher.passage(int(d)).passage_id, float(s)) for d, s in zip(docs, scores)]


def _scored(searcher: Searcher, query) -> dict[str, float]:
    scores = searcher.index.scores(query)
    return {p.passage_id: float(scores[d]) for d, p in searcher.numbered_passages()}


def _same_answers(index: Path, fresh: Path) -> None:
    """Passages, statistics, every score and every ranking of the index equal a fresh build's."""
    ours, theirs = Searcher(current_generation(index)), Searcher(current_generation(fresh))
    assert list(ours.passages()) == list(theirs.passages())
    assert ours.n_passages == theirs.n_passages
    assert ours.topic == theirs.topic
    assert ours.manifest["counts"] == theirs.manifest["counts"]
    assert ours.urls == theirs.urls  # kept with each source in its segment
    for passage in theirs.passages():  # `winnow show`'s lookup, in whichever segment the passage lives
        assert ours.passage_by_id(passage.passage_id) == passage
    assert ours.passage_by_id("no-such-source#0000") is None
    for query in QUERIES:
        terms = [t if isinstance(t, str) else t[0] for t in query]
        assert [ours.index.df(t) for t in terms] == [theirs.index.df(t) for t in terms]
        assert [ours.index.cf(t) for t in terms] == [theirs.index.cf(t) for t in terms]
        assert _scored(ours, query) == _scored(theirs, query)  # bit for bit
        for k in (1, 3, 10, 1000):
            assert _ranked(ours, query, k) == _ranked(theirs, query, k)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation_st, min_size=1, max_size=8))
def test_a_segmented_index_answers_as_a_fresh_build(tmp_path_factory, operations):
    """With merging of small indexes off, refreshes leave several segments with deletions:
    scores, rankings and passages still equal a fresh (one-segment) build's."""
    from unittest import mock

    from pipeline import segments

    root = tmp_path_factory.mktemp("segm")
    sources, index = root / "sources", root / "index"
    (sources / "sub").mkdir(parents=True)
    (sources / "a.txt").write_text(f"{SHARED_SENTENCE} Statin myopathy in patients.\n")
    (sources / "saved.html").write_text('<html><head><link rel="canonical" href="https://example.org/statins">'
                                        f"<title>Statins</title></head><body><p>{SHARED_SENTENCE} Statins "
                                        "are prescribed to lower cholesterol.</p></body></html>")
    with mock.patch.object(segments, "MERGE_ALL_BELOW", 0), mock.patch.object(segments, "MERGE_FACTOR", 3):
        build_index(sources, index)
        for step, (op, n, page) in enumerate(operations):
            path = sources / ("sub" if n % 2 else "") / f"p{n}.{'md' if n % 3 == 0 else 'txt'}"
            if op in ("add", "edit", "revert"):
                path.write_text(page)
            elif op == "delete" and path.exists():
                path.unlink()
            build_index(sources, index)
            fresh = root / f"fresh-{step}"
            build_index(sources, fresh, full=True)
            _same_answers(index, fresh)
    assert len(Searcher(current_generation(fresh)).segments) == 1


def test_refresh_keeps_unchanged_segments_as_links_and_marks_deletions(tmp_path, monkeypatch):
    from pipeline import segments

    monkeypatch.setattr(segments, "MERGE_ALL_BELOW", 0)
    sources = tmp_path / "sources"
    sources.mkdir()
    for i in range(6):
        (sources / f"p{i}.txt").write_text(f"Page {i} says statins cause myopathy in {i} patients. "
                                            f"{SHARED_SENTENCE}\n")
    build_index(sources, tmp_path / "index")
    first = current_generation(tmp_path / "index")
    (sources / "p3.txt").write_text("Page three now talks about muscle biopsy findings.\n")
    build_index(sources, tmp_path / "index")
    second = current_generation(tmp_path / "index")
    manifest = Searcher(second).manifest
    # p3 changed; p0 too: it keeps the shared sentence, and p3 no longer repeats it.
    assert [s["deleted"] for s in manifest["segments"]] == [[0, 3], []]
    assert os.path.samefile(first / "post_docs.npy", second / "post_docs.npy")  # not rewritten
    assert (second / "s1.passages.jsonl").exists()
    fresh = tmp_path / "fresh"
    build_index(sources, fresh, full=True)
    _same_answers(tmp_path / "index", fresh)
    # An evaluation numbers passages as the segments do, and measures the same rankings.
    from pipeline.evaluate import PassageTable, rank_documents

    ours, theirs = Searcher(second), Searcher(current_generation(fresh))
    for question in ("statins myopathy", "muscle biopsy findings", "editorial board"):
        assert (rank_documents(ours, PassageTable(ours), question, 10)
                == rank_documents(theirs, PassageTable(theirs), question, 10))


def test_merge_policy():
    from pipeline.segments import MERGE_ALL_BELOW, MERGE_FACTOR, merge_plan

    def info(live, docs=None, deleted=()):
        return {"live_docs": live, "docs": docs or live, "deleted": list(deleted)}

    assert merge_plan([info(10)]) == []
    assert merge_plan([info(10), info(5)]) == [[0, 1]]  # small: one segment, as a fresh build
    assert merge_plan([info(10, 12, [3])]) == [[0]]
    big = MERGE_ALL_BELOW * MERGE_FACTOR
    assert merge_plan([info(big), info(50)]) == []
    assert merge_plan([info(big)] + [info(50)] * MERGE_FACTOR) == [list(range(1, MERGE_FACTOR + 1))]
    assert merge_plan([info(big, 3 * big, [1]), info(50)]) == [[0]]  # mostly deleted: expunged


def test_only_changed_sources_are_processed(tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    sources.mkdir()
    for i in range(5):
        (sources / f"p{i}.txt").write_text(f"Page {i} says statins cause myopathy in {i} patients.\n")
    build_index(sources, tmp_path / "index")
    cleaned = []
    import pipeline.ingest as ingest
    original = ingest.clean_source
    monkeypatch.setattr(ingest, "clean_source", lambda s, *rest: cleaned.append(s.rel) or original(s, *rest))

    (sources / "p2.txt").write_text("Page two now talks about muscle biopsy findings.\n")
    (sources / "p9.txt").write_text("A new page about antibody testing in serum.\n")
    (sources / "p4.txt").unlink()
    report = build_index(sources, tmp_path / "index")
    assert sorted(cleaned) == ["p2.txt", "p9.txt"]
    assert (report.added, report.changed, report.removed, report.reused) == (1, 1, 1, 3)


def _pages(sources: Path, n: int) -> None:
    sources.mkdir(exist_ok=True)
    for i in range(n):
        (sources / f"p{i}.txt").write_text(f"Page {i} says statins cause myopathy in {i} patients.\n")


def _old_enough(folder: Path) -> None:
    """Every file's mtime a minute back, so the stats written next prove them unchanged."""
    for path in folder.iterdir():
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 60_000_000_000))


def test_a_refresh_hashes_only_sources_whose_size_or_mtime_moved(tmp_path, monkeypatch):
    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 6)
    _old_enough(sources)
    build_index(sources, index)
    import pipeline.ingest as ingest
    hashed = []
    original = ingest.file_fingerprint
    monkeypatch.setattr(ingest, "file_fingerprint", lambda s: hashed.append(s.rel) or original(s))
    (sources / "p1.txt").write_text("Page one now talks about muscle biopsy findings.\n")  # an edit
    (sources / "p3.txt").rename(sources / "p3-renamed.txt")  # a rename: one removed, one added
    (sources / "p4.txt").unlink()  # a removal
    (sources / "p9.txt").write_text("A new page about antibody testing in serum.\n")  # a new file
    report = build_index(sources, index)
    assert sorted(hashed) == ["p1.txt", "p3-renamed.txt", "p9.txt"]
    assert (report.added, report.changed, report.removed) == (2, 1, 2)
    searcher = Searcher(current_generation(index))
    assert searcher.indexed_sources()[0] == ["p0.txt", "p1.txt", "p2.txt", "p3-renamed.txt", "p5.txt", "p9.txt"]
    assert not any(stale_sources(sources, searcher, index).values())


def test_a_refresh_visits_only_the_sources_that_moved(tmp_path, monkeypatch):
    """The sources are listed in columns: a Source is made (and a unit looked up) only for the rows
    that moved, and the report's words kept per source are the fresh build's, made when asked."""
    from pipeline.sources import Listing

    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 30)
    _old_enough(sources)
    build_index(sources, index)
    made = []
    original = Listing.source
    monkeypatch.setattr(Listing, "source", lambda self, row: made.append(self.rels[row]) or original(self, row))
    (sources / "p7.txt").write_text("Page seven now talks about muscle biopsy findings.\n")
    (sources / "p9.txt").unlink()
    (sources / "p30.txt").write_text("A new page about antibody testing in serum.\n")
    report = build_index(sources, index)
    assert sorted(set(made)) == ["p30.txt", "p7.txt"]  # hashed, then read
    assert (report.added, report.changed, report.removed, report.reused) == (1, 1, 1, 28)
    monkeypatch.setattr(Listing, "source", original)
    fresh = build_index(sources, tmp_path / "fresh", full=True)
    assert report.kept == fresh.kept and len(report.kept) == 30
    assert report.kept_totals() == fresh.kept_totals() == (sum(k["kept_words"] for k in fresh.kept),
                                                           sum(k["words"] for k in fresh.kept))
    _same_answers(index, tmp_path / "fresh")


def test_a_manifest_whose_sources_are_not_the_live_units_is_damage(tmp_path):
    """A refresh trusts the manifest's source list to be the segments' live units (it visits only what
    moved): a generation where they disagree, or whose units are out of name order, is rebuilt."""
    import json
    import shutil

    from pipeline import segments

    from .test_cli_safety import reseal

    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 4)
    build_index(sources, index)
    for craft in ("sources", "units"):
        generation = current_generation(index)
        if craft == "sources":
            from .test_cli_safety import _edit_sources

            _edit_sources(generation, lambda base: base["source"].__setitem__(1, "p1b.txt"))
        else:
            meta = json.loads((generation / segments.SEGMENT_JSON).read_text())
            meta["units"][0], meta["units"][1] = meta["units"][1], meta["units"][0]
            (generation / segments.SEGMENT_JSON).write_text(json.dumps(meta))
        reseal(generation)
        notes = []
        (sources / "p2.txt").write_text(f"Page two now talks about muscle biopsy findings ({craft}).\n")
        report = build_index(sources, index, notify=notes.append)
        assert report.full and any("damaged" in note for note in notes), (craft, notes)
        shutil.rmtree(tmp_path / "fresh", ignore_errors=True)
        build_index(sources, tmp_path / "fresh", full=True)
        _same_answers(index, tmp_path / "fresh")


def test_stats_are_rewritten_only_once_they_lag_behind(tmp_path, monkeypatch):
    """stats.bin proves sources unchanged by size and mtime: after one edit among many it is left as
    it was (the edited source is hashed again next time, far cheaper than rewriting the table), and
    rewritten once the sources hashed for want of a record pass STATS_LAG_SHARE, or names change."""
    import pipeline.ingest as ingest

    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 40)
    _old_enough(sources)
    build_index(sources, index)
    written = (index / "stats.bin").read_bytes()
    monkeypatch.setattr(ingest, "STATS_LAG_SHARE", 1 / 32)
    hashed = []
    original = ingest.file_fingerprint
    monkeypatch.setattr(ingest, "file_fingerprint", lambda s: hashed.append(s.rel) or original(s))
    (sources / "p1.txt").write_text("Page one now talks about muscle biopsy findings.\n")
    assert build_index(sources, index).changed == 1 and hashed == ["p1.txt"]
    assert (index / "stats.bin").read_bytes() == written
    hashed.clear()
    report = build_index(sources, index)  # p1 hashed again, found as indexed: nothing to do
    assert hashed == ["p1.txt"] and not report.written
    (sources / "p2.txt").write_text("Page two now talks about serum kinase levels.\n")
    hashed.clear()
    assert build_index(sources, index).changed == 1 and sorted(hashed) == ["p1.txt", "p2.txt"]
    assert (index / "stats.bin").read_bytes() != written  # 2 of 40 hashed: more than 1/32
    hashed.clear()
    assert not build_index(sources, index).written and set(hashed) <= {"p2.txt"}  # p2 only if racily clean
    fresh = tmp_path / "fresh"
    build_index(sources, fresh, full=True)
    _same_answers(index, fresh)


def test_stats_of_the_previous_formats_are_still_read(tmp_path, monkeypatch):
    """stats.json (format 2: columns; 1: a dict per source), from before stats.bin: its records
    still spare the hashing, and the next build writes stats.bin in its place."""
    import json

    import pipeline.ingest as ingest
    from pipeline.store import read_stats
    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 3)
    _old_enough(sources)
    build_index(sources, index)
    stats = read_stats(index)
    assert stats.names == ["p0.txt", "p1.txt", "p2.txt"] and not (index / "stats.json").exists()
    columns = {"format": 2, "names": stats.names, "size": stats.sizes, "mtime_ns": stats.mtimes, "sha256": stats.shas}
    per_source = {name: {"size": size, "mtime_ns": mtime, "sha256": sha}
                  for name, size, mtime, sha in zip(stats.names, stats.sizes, stats.mtimes, stats.shas)}
    hashed = []
    original = ingest.file_fingerprint
    monkeypatch.setattr(ingest, "file_fingerprint", lambda s: hashed.append(s.rel) or original(s))
    for n, table in enumerate((columns, per_source)):
        (index / "stats.bin").unlink()
        (index / "stats.json").write_text(json.dumps(table))
        (sources / "p1.txt").write_text(f"Page one now talks about muscle biopsy findings ({n}).\n")
        hashed.clear()
        report = build_index(sources, index)
        assert hashed == ["p1.txt"] and report.changed == 1
        assert (index / "stats.bin").is_file() and not (index / "stats.json").exists()


def test_stats_bin_round_trips_and_refuses_what_it_did_not_write(tmp_path):
    """Names with any character but NUL, hashes or none, mtimes before 1970; a truncated or foreign
    file reads as no record (every source hashed again), never an error."""
    from pipeline.store import SourceStats, read_stats, write_stats

    table = SourceStats(["a b.txt", "dir/\u00e9t\u00e9.md", "line\nbreak.txt"], [0, 5, 1 << 40],
                        [-1, 0, 1_700_000_000_123_456_789], ["0" * 64, None, "f" * 64])
    write_stats(tmp_path, table)
    got = read_stats(tmp_path)
    assert (got.names, got.sizes, got.mtimes, got.shas) == (table.names, table.sizes, table.mtimes, table.shas)
    assert got.written_ns is not None
    write_stats(tmp_path, SourceStats([], [], [], []))
    assert read_stats(tmp_path).names == [] and read_stats(tmp_path).written_ns is not None
    write_stats(tmp_path, table)
    data = (tmp_path / "stats.bin").read_bytes()
    for bad in (data[:-3], data[:20], b"", b"{}", data.replace(b"a b.txt", b"z b.txt")):  # last: names unsorted
        (tmp_path / "stats.bin").write_bytes(bad)
        assert read_stats(tmp_path).written_ns is None


def test_stats_bin_columns_are_compared_as_stored(tmp_path):
    """A refresh compares stats.bin's columns whole, as read (SourceStats's docstring): checking
    the names converts no column to a list, and the answers are those of a table built from lists
    (a size moved, an mtime moved, an mtime not older than the table)."""
    import numpy as np

    from pipeline.store import SourceStats, read_stats, write_stats

    names = [f"d/p{i:03d}.txt" for i in range(50)]
    sizes, mtimes = list(range(50)), [1_600_000_000_000_000_000 + i for i in range(50)]
    shas = [f"{i:064x}" for i in range(50)]
    write_stats(tmp_path, SourceStats(names, sizes, mtimes, shas))
    got = read_stats(tmp_path)
    assert got.same_names(list(names))
    assert isinstance(got._sizes, np.ndarray) and isinstance(got._mtimes, np.ndarray)  # not made lists
    now_sizes, now_mtimes = list(sizes), list(mtimes)
    now_sizes[3] += 1
    now_mtimes[7] += 1
    now_mtimes[9] = 1 << 62  # after the table was written: proves nothing
    answer = got.known_shas(names, now_sizes, now_mtimes, like=shas)
    assert isinstance(got._sizes, np.ndarray)  # compared by the array path
    as_lists = read_stats(tmp_path)
    as_lists.sizes, as_lists.mtimes  # the columns as lists: the loop path
    assert answer == as_lists.known_shas(names, now_sizes, now_mtimes, like=shas)
    assert [row for row, sha in enumerate(answer) if sha is None] == [3, 7, 9]


def test_a_refresh_drops_the_cache_entries_of_what_it_replaced(tmp_path):
    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 4)
    (sources / "twin.txt").write_text((sources / "p0.txt").read_text())  # same bytes as p0: one entry
    build_index(sources, index)
    entries = lambda: sorted(p.name for p in (index / "cache").iterdir())  # noqa: E731
    before = entries()
    assert len(before) == 4
    (sources / "p1.txt").write_text("Page one now talks about muscle biopsy findings.\n")
    (sources / "p2.txt").unlink()
    (sources / "p0.txt").unlink()  # its entry still serves twin.txt
    build_index(sources, index)
    after = entries()
    assert len(after) == 3 and len(set(before) - set(after)) == 2
    assert build_index(sources, index, full=True).passages == Searcher(current_generation(index)).n_passages


def test_the_build_after_a_killed_one_prunes_the_whole_cache(tmp_path):
    """A killed build leaves its pid in the lock and may leave entries no source uses: the next
    build lists the cache and keeps only what it used."""
    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 3)
    build_index(sources, index)
    stray = index / "cache" / ("0" * 64 + ".bin")
    stray.write_bytes(b"an entry written by a build that was killed")
    (sources / "p1.txt").write_text("Page one now talks about muscle biopsy findings.\n")
    build_index(sources, index)
    assert stray.exists()  # a refresh drops what it replaced, it does not list the cache
    (index / ".lock").write_text("999999999\n")  # the pid of a build that was killed
    (sources / "p2.txt").write_text("Page two now talks about serum kinase.\n")
    build_index(sources, index)
    assert not stray.exists() and len(list((index / "cache").iterdir())) == 3
    assert (index / ".lock").read_text() == ""


def test_edit_back_to_the_same_bytes_costs_nothing(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    page = sources / "p.txt"
    page.write_text("Statins can cause a necrotizing myopathy in rare cases.\n")
    build_index(sources, tmp_path / "index")
    before = current_generation(tmp_path / "index")
    page.write_text("Something else entirely, about kinase levels in serum.\n")
    page.write_text("Statins can cause a necrotizing myopathy in rare cases.\n")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 5_000_000_000))
    searcher = Searcher(before)
    assert not any(stale_sources(sources, searcher, tmp_path / "index").values())
    report = build_index(sources, tmp_path / "index")
    assert (report.changed, report.reused, report.written) == (0, 1, False)
    assert current_generation(tmp_path / "index") == before


def test_two_builds_of_the_same_sources_give_the_same_bytes(tmp_path):
    build_index(SEEDS, tmp_path / "one", full=True)
    build_index(SEEDS, tmp_path / "two", full=True)
    assert _generation_bytes(tmp_path / "one") == _generation_bytes(tmp_path / "two")


def test_settings_change_rebuilds_from_scratch(tmp_path, monkeypatch):
    build_index(SEEDS, tmp_path / "index")
    monkeypatch.setitem(analyze.SETTINGS, "analyzer_version", 999)
    said = []
    report = build_index(SEEDS, tmp_path / "index", notify=said.append)
    assert report.full and report.reused == 0
    assert any("from scratch" in line for line in said)


def test_topic_terms_are_the_words_of_most_titles(tmp_path):
    from pipeline.ingest import topic_terms

    def unit(*titles):
        return ("s", [{"title_tokens": " ".join(t), "sections": []} for t in titles])

    units = [unit(["necrot", "myopathi"]), unit(["immun", "necrot", "myopathi"]), unit([]), unit(["statin"])]
    assert topic_terms(units) == ["myopathi", "necrot"]  # in 2 of the 3 titled documents
    assert topic_terms([unit(["a"]), unit(["b"]), unit(["c"])]) == []  # unrelated documents: no topic
    build_index(SEEDS, tmp_path / "index")
    topic = set(Searcher(current_generation(tmp_path / "index")).topic)
    assert {"myopathi", "necrot", "imnm", "nam"} <= topic  # acronyms defined for the title's phrase
    assert not {"mri", "ck", "statin", "antibodi"} & topic


def test_acronyms_are_the_initials_of_the_words_before_them():
    from pipeline.ingest import _acronyms

    assert _acronyms("Immune-Mediated Necrotizing Myopathy (IMNM), also called Necrotizing Autoimmune "
                     "Myopathy (NAM), is rare.") == [("Immune Mediated Necrotizing Myopathy", "IMNM"),
                                                     ("Necrotizing Autoimmune Myopathy", "NAM")]
    assert _acronyms("Magnetic resonance imaging (MRI) may show edema.") == [("Magnetic resonance imaging", "MRI")]
    assert _acronyms("It was given with food (Table 2) and water (see below).") == []


_ACRONYM_TEXT = st.lists(st.text(alphabet="(ABCz )-é\u00e9\udcff", max_size=12)
                         | st.sampled_from(["Magnetic resonance imaging (MRI) may show edema.", "(", "(AB", "C)",
                                            "Bone (B) and", "x (Table 2)", "Ünit Test (UT)"]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(_ACRONYM_TEXT)
def test_sentences_looked_at_for_acronyms_are_every_one_that_defines_one(sentences):
    """unit_topic reads only sentences with an acronym's shape, found in the packed blob: the
    acronyms of every sentence holding a "(", in order, whatever the neighbours and characters."""
    from pipeline.ingest import _acronyms, _with_acronym_shape
    from pipeline.units import Strings

    every = [pair for s in sentences if "(" in s for pair in _acronyms(s)]
    assert [pair for s in _with_acronym_shape(Strings.of(sentences)) for pair in _acronyms(s)] == every


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), min_size=5, max_size=5), st.lists(st.text(), max_size=3))
def test_a_passage_line_is_the_passage_dumped_as_json(fields, sources):
    """pack_passages writes each passage's JSON line by hand (ingest._passage_line, without the
    encoder's walk over a dict): the same bytes as Passage.as_dict() dumped, for any text
    (quotes, control characters, any Unicode), and no field of Passage left out."""
    import json

    from pipeline.ingest import _passage_line

    passage_id, section, source, text, _ = fields
    passage = Passage(passage_id=passage_id, source=source, section=section, text=text, sources=tuple(sources))
    dumped = json.dumps(passage.as_dict(), ensure_ascii=False, sort_keys=True) + "\n"
    line = _passage_line(passage_id, section, source, sources, text)
    assert line == dumped.encode("utf-8", "surrogateescape")
    assert set(json.loads(line.decode("utf-8", "surrogateescape"))) == set(Passage.__dataclass_fields__)


@pytest.mark.parametrize("head_share", [1 / 8, 0.45], ids=["head", "undecided-head"])
def test_a_refresh_combines_the_topic_from_totals_and_reads_only_changed_units(tmp_path, monkeypatch, head_share):
    """The topic after edits equals a fresh build's, and the refresh reads no unchanged unit's topic
    (a segment's topic totals, less the lines of its deleted units). A segment's totals count the
    title terms of head_share of its titles or more: with 0.45 of 12 (6), the topic's share (6 of
    12) is left undecided and its every title count read (topic_terms.json)."""
    from pipeline import segments

    monkeypatch.setattr(segments, "MERGE_ALL_BELOW", 0)
    monkeypatch.setattr(segments, "TOPIC_HEAD_SHARE", head_share)
    whole_reads = []
    live_totals = segments.StoredSegment.live_totals
    monkeypatch.setattr(segments.StoredSegment, "live_totals",
                        lambda self, whole=False: whole_reads.append(whole) or live_totals(self, whole))
    sources = tmp_path / "sources"
    sources.mkdir()
    for i in range(12):  # enough that two edits delete under MAX_DELETED_SHARE: no merge reads every topic
        title = "Necrotizing myopathy notes" if i < 7 else f"Unrelated page {WORDS[i]}"
        acronym = "Immune-Mediated Necrotizing Myopathy (IMNM) is one cause. " if i < 2 else ""
        (sources / f"p{i}.md").write_text(f"# {title}\n\n{acronym}Page {i} is about {WORDS[i]} and "
                                          f"{WORDS[(i * 5 + 3) % len(WORDS)]} in {i * 7} patients.\n")
    build_index(sources, tmp_path / "index")
    topic = set(Searcher(current_generation(tmp_path / "index")).topic)
    assert {"necrot", "myopathi", "imnm"} <= topic and "unrel" not in topic
    read_whole = []
    monkeypatch.setattr(segments.StoredSegment, "topics",
                        property(lambda self: read_whole.append(self.prefix) or []))
    for step, (name, title) in enumerate([("p1.md", "Unrelated page"), ("p2.md", "Another unrelated page")]):
        (sources / name).write_text(f"# {title}\n\nStatins were given to {step} patients.\n")
        build_index(sources, tmp_path / "index")
        fresh = tmp_path / f"fresh{step}"
        build_index(sources, fresh, full=True)
        assert Searcher(current_generation(tmp_path / "index")).topic == Searcher(current_generation(fresh)).topic
        assert len(Searcher(current_generation(tmp_path / "index")).segments) > 1
    # 7 titled about the disease out of 12, then 6, then 5: that topic (and its acronym) goes with the
    # second edit, and the unrelated pages' title words, now in 7 of 12 titles, come.
    topic = set(Searcher(current_generation(tmp_path / "index")).topic)
    assert not {"necrot", "myopathi", "imnm"} & topic and "unrel" in topic
    assert read_whole == []
    assert (True in whole_reads) == (head_share == 0.45)


def test_topic_totals_split_and_subtracted_give_the_whole_topic():
    from pipeline.segments import combine_topic, combine_totals, subtract_totals, topic_totals

    def unit(titles, acronyms=(), **more):
        return {"titles": [tuple(t) for t in titles], "acronyms": [list(a) for a in acronyms], **more}

    units = [unit([["necrot", "myopathi"], []], [(["necrot", "myopathi"], ["nm"])], kept=[3, 4], dropped=1),
             unit([["necrot"]], urls={"a": "http://a"}), unit([["statin", "necrot", "myopathi"]], dropped=2),
             unit([["statin"]], [(["statin"], ["st"])])]
    whole = combine_topic(units, 0.5)
    assert whole == ["myopathi", "necrot", "nm", "st", "statin"]  # 3, 2 and 2 of the 4 titled
    assert combine_totals([topic_totals(units[:1]), topic_totals(units[1:])], 0.5) == whole
    less = subtract_totals(topic_totals(units), [(0, units[0]), (2, units[2])])
    assert combine_totals([less], 0.5) == combine_topic([units[1], units[3]], 0.5) == ["necrot", "st", "statin"]
    assert less["dropped"] == 0 and less["kept"] == [None, None, None, None] and less["urls"] == [[1, {"a": "http://a"}]]


def test_topic_totals_heads_give_the_whole_topic_or_say_they_cannot():
    import random

    from pipeline.segments import TOPIC_HEAD_SHARE, combine_topic, combine_totals, totals_head, topic_totals

    # Every title holds "page" and its own number; a few shares of the titles hold other words.
    def units(n, shares, seed):
        rng = random.Random(seed)
        return [{"titles": [("page", f"p{seed}x{u}", *[w for w, share in shares if rng.random() < share])],
                 "acronyms": []} for u in range(n)]

    shares = [("most", 0.9), ("half", 0.5), ("third", 0.33), ("tenth", 0.1)]
    big, small = units(400, shares, 1), units(40, [("tenth", 0.9), ("third", 0.5)], 2)
    whole = combine_topic(big + small, 0.5)
    head = totals_head(topic_totals(big))
    assert head["floor"] == 400 * TOPIC_HEAD_SHARE and "p1x7" not in head["title_terms"]
    assert head["title_terms"]["page"] == 400  # every term of the floor or more, counted whole
    # The big segment's head with a small batch decides every term: its own numbers cannot reach a half.
    assert combine_totals([topic_totals(small), head], 0.5) == whole
    assert combine_totals([head, topic_totals(small)], 0.5) == whole
    # A term under the head's floor (50 of 400) that the other part lifts to within the floor of
    # the share (310 of 710 titles, and up to 49 more): undecided, not guessed.
    lifted = [{"titles": [("tenth", "page")], "acronyms": []} for _ in range(310)]
    assert combine_totals([head, topic_totals(lifted)], 0.5) is None
    assert combine_totals([topic_totals(big), topic_totals(lifted)], 0.5) == combine_topic(big + lifted, 0.5)
    # Heads of several parts of one corpus: the whole topic or None, never another.
    corpus = units(600, shares, 3)
    for cut in (100, 300, 500):
        parts = [totals_head(topic_totals(corpus[:cut])), totals_head(topic_totals(corpus[cut:]))]
        assert combine_totals(parts, 0.5) in (None, combine_topic(corpus, 0.5))


def _segmented(monkeypatch) -> None:
    """Refreshes keep their segments (no merge into one below MERGE_ALL_BELOW passages), as at scale."""
    from pipeline import segments

    monkeypatch.setattr(segments, "MERGE_ALL_BELOW", 0)


def _base(index: Path) -> Path:
    from pipeline.store import SOURCES_BASE

    return current_generation(index) / SOURCES_BASE


def test_a_refresh_links_the_sources_base_and_writes_its_changes(tmp_path, monkeypatch):
    """The sources indexed are a base file linked from generation to generation and the manifest's
    changes since it: an edit, a removal and an addition are three names, not a rewritten table;
    a refresh that makes the index one segment folds them into a new base (a fresh build's bytes)."""
    import json

    from pipeline import store

    _segmented(monkeypatch)
    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 30)
    build_index(sources, index)
    first = _base(index).stat().st_ino
    (sources / "p7.txt").write_text("Page seven now talks about muscle biopsy findings.\n")
    build_index(sources, index)
    assert _base(index).stat().st_ino == first  # the same file: linked, not written
    changes = Searcher(current_generation(index)).manifest["sources"]
    assert changes["source"] == ["p7.txt"] and changes["removed"] == [] and len(changes["sha256"]) == 1
    (sources / "p9.txt").unlink()
    (sources / "p30.txt").write_text("A new page about antibody testing in serum.\n")
    build_index(sources, index)
    assert _base(index).stat().st_ino == first
    changes = Searcher(current_generation(index)).manifest["sources"]
    assert (changes["source"], changes["removed"]) == (["p30.txt", "p7.txt"], ["p9.txt"])
    names, shas = Searcher(current_generation(index)).indexed_sources()
    assert names == sorted(f"p{i}.txt" for i in range(31) if i != 9) and len(shas) == len(names)
    fresh = tmp_path / "fresh"
    build_index(sources, fresh, full=True)
    assert (names, shas) == Searcher(current_generation(fresh)).indexed_sources()
    _same_answers(index, fresh)
    # More changes than a change list holds: a new base, and no change since it.
    monkeypatch.setattr(store, "SOURCES_CHANGES_MAX", 2)
    (sources / "p3.txt").write_text("Page three now talks about creatine kinase.\n")
    build_index(sources, index)
    assert _base(index).stat().st_ino != first
    assert Searcher(current_generation(index)).manifest["sources"] == {"source": [], "sha256": [], "removed": []}
    assert Searcher(current_generation(index)).indexed_sources()[0] == names
    # Merged into one segment: the base holds every source, and the generation is a fresh build's.
    monkeypatch.undo()
    (sources / "p4.txt").write_text("Page four now talks about statin dosing.\n")
    build_index(sources, index)
    shutil.rmtree(fresh)
    build_index(sources, fresh, full=True)
    assert current_generation(index).name == current_generation(fresh).name
    assert store.read_sources_base(_base(index))[0] == names


def _rewrite_json(path: Path, edit) -> None:
    import json

    value = json.loads(path.read_text())
    edit(value)
    path.write_text(json.dumps(value))


def test_a_damaged_sources_base_or_change_list_rebuilds(tmp_path, monkeypatch):
    """A base whose bytes changed fails its checksum; one resealed but not what winnow writes, or a
    change list that does not apply to its base, is refused on open: the refresh rebuilds."""
    from pipeline.store import SOURCES_BASE

    from .test_cli_safety import _edit_sources, reseal

    _segmented(monkeypatch)
    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 6)
    build_index(sources, index)
    crafts = {
        "bytes": lambda g: (g / SOURCES_BASE).write_bytes((g / SOURCES_BASE).read_bytes().replace(b"p1", b"q1")),
        "base-unsorted": lambda g: _edit_sources(g, lambda b: b["source"].reverse()),
        "removes-unknown": lambda g: _rewrite_json(g / "manifest.json",
                                                   lambda m: m["sources"]["removed"].append("p99.txt")),
        "changed-and-removed": lambda g: _rewrite_json(g / "manifest.json", lambda m: m["sources"].update(
            source=["p2.txt"], sha256=["0" * 64], removed=["p2.txt"])),
    }
    fresh = tmp_path / "fresh"
    for n, (craft, damage) in enumerate(crafts.items()):
        (sources / "p2.txt").write_text(f"Page two now talks about muscle biopsy findings ({n}).\n")
        build_index(sources, index)
        generation = current_generation(index)
        assert Searcher(generation).manifest["sources"]["source"] == ["p2.txt"]  # a change list on a linked base
        damage(generation)
        if craft != "bytes":
            reseal(generation)
        notes = []
        (sources / "p2.txt").write_text(f"Page two now talks about creatine kinase ({n}).\n")
        report = build_index(sources, index, notify=notes.append)
        assert report.full and any("damaged" in note for note in notes), (craft, notes)
        shutil.rmtree(fresh, ignore_errors=True)
        build_index(sources, fresh, full=True)
        _same_answers(index, fresh)


def test_a_build_killed_while_folding_the_sources_leaves_the_previous_index(tmp_path, monkeypatch):
    """A fold writes a new base inside the new generation: killed before the switch, the live
    generation is the previous one, whole, and the next build finishes the job."""
    from pipeline import ingest, store

    _segmented(monkeypatch)
    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 8)
    build_index(sources, index)
    (sources / "p1.txt").write_text("Page one now talks about muscle biopsy findings.\n")
    build_index(sources, index)
    before = current_generation(index)
    monkeypatch.setattr(store, "SOURCES_CHANGES_MAX", 0)  # the next refresh folds

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest, "commit_generation", killed)
    (sources / "p2.txt").write_text("Page two now talks about creatine kinase.\n")
    with pytest.raises(KeyboardInterrupt):
        build_index(sources, index)
    assert current_generation(index) == before
    assert store.verify_generation(before) is not None  # whole: its base and change list as they were
    assert Searcher(before).indexed_sources()[0] == [f"p{i}.txt" for i in range(8)]
    monkeypatch.setattr(ingest, "commit_generation", store.commit_generation)
    report = build_index(sources, index)
    assert not report.full and report.changed == 1
    assert Searcher(current_generation(index)).manifest["sources"]["source"] == []  # folded
    fresh = tmp_path / "fresh"
    build_index(sources, fresh, full=True)
    _same_answers(index, fresh)


def test_a_rebuild_for_another_index_format_keeps_the_trusted_sources(tmp_path):
    """The trusted list is kept with the index for later builds: an index of another format (or
    settings) is rebuilt from scratch, and the rebuild still indexes those sources as written."""
    from .test_cli_safety import _to_index_format_7

    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 3)
    build_index(sources, index, trusted=["./"])
    _to_index_format_7(current_generation(index))
    notes = []
    report = build_index(sources, index, notify=notes.append)
    assert report.full and any("format changed" in note for note in notes), notes
    assert Searcher(current_generation(index)).manifest["trusted"] == ["."]
    build_index(sources, tmp_path / "fresh", full=True, trusted=["."])
    assert current_generation(index).name == current_generation(tmp_path / "fresh").name


def test_process_source_reads_a_json_lines_corpus(tmp_path):
    """process_source (the benchmark's path) on a corpus.jsonl gives one document per record.
    Two functions were named corpus_documents and the later one, reading a Source in pieces,
    shadowed the text reader clean_source calls: AttributeError 'str' object has no attribute 'rel'."""
    from pipeline.ingest import process_source
    from pipeline.sources import discover

    (tmp_path / "corpus.jsonl").write_text(
        '{"_id": "d1", "title": "Wings", "text": "Lift on a swept wing."}\n'
        '{"_id": "d2", "title": "", "text": "Heat transfer in a boundary layer."}\n', encoding="utf-8")
    [source] = discover(tmp_path)
    _, documents = process_source(source)
    assert [d.title for d in documents] == ["Wings", ""]
    assert documents[0].sections[0].paragraphs == ("Lift on a swept wing.",)
    assert documents[1].source.endswith("d2")


def test_a_segment_of_pages_stores_its_unit_names_once_and_a_corpus_its_record_names(tmp_path):
    """segment.json (index format 10) leaves out the names passages cite when they are the units'
    (pages), and keeps them for a corpus, whose records cite their own; both read back as they were."""
    import json

    from pipeline.segments import SEGMENT_JSON, StoredSegment

    sources, index = tmp_path / "sources", tmp_path / "index"
    _pages(sources, 3)
    build_index(sources, index)
    generation = current_generation(index)
    meta = json.loads((generation / SEGMENT_JSON).read_text())
    assert meta == {"units": ["p0.txt", "p1.txt", "p2.txt"]}
    manifest = json.loads((generation / "manifest.json").read_text())
    assert StoredSegment(generation, "", manifest["segments"][0]).names == meta["units"]
    (sources / "corpus.jsonl").write_text('{"_id": "d1", "text": "Statins cause myopathy in some patients."}\n'
                                          '{"_id": "d2", "text": "Muscle biopsy shows necrotic fibres."}\n')
    build_index(sources, index, full=True)
    generation = current_generation(index)
    meta = json.loads((generation / SEGMENT_JSON).read_text())
    assert meta["units"][0] == "corpus.jsonl" and meta["names"][:2] == ["corpus.jsonl#d1", "corpus.jsonl#d2"]
    hits = Searcher(generation).search("necrotic fibres biopsy", k=1)
    assert hits[0].passage.source == "corpus.jsonl#d2"
