"""pipeline/ingest.py: the incremental build is exactly a fresh build, and re-processes only what changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import analyze
from pipeline.dedupe import SentenceDeduper
from pipeline.ingest import assemble_passages, build_index, current_generation, passage_tokens, stale_sources
from pipeline.records import Document, Passage, Section
from pipeline.search import Searcher
from pipeline.split import pack, section_sentences

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
        passages.append(Passage(f"{source}#{n:04d}", source, heading, " ".join(texts), tuple(sources)))
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
    build_index("seeds", tmp_path / "index")
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
    build_index("seeds", tmp_path / "index")
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
    assert not any(stale_sources(sources, searcher.manifest, tmp_path / "index").values())
    report = build_index(sources, tmp_path / "index")
    assert (report.changed, report.reused, report.written) == (0, 1, False)
    assert current_generation(tmp_path / "index") == before


def test_two_builds_of_the_same_sources_give_the_same_bytes(tmp_path):
    build_index("seeds", tmp_path / "one", full=True)
    build_index("seeds", tmp_path / "two", full=True)
    assert _generation_bytes(tmp_path / "one") == _generation_bytes(tmp_path / "two")


def test_settings_change_rebuilds_from_scratch(tmp_path, monkeypatch):
    build_index("seeds", tmp_path / "index")
    monkeypatch.setitem(analyze.SETTINGS, "analyzer_version", 999)
    said = []
    report = build_index("seeds", tmp_path / "index", notify=said.append)
    assert report.full and report.reused == 0
    assert any("from scratch" in line for line in said)


def test_topic_terms_are_the_words_of_most_titles(tmp_path):
    from pipeline.ingest import topic_terms

    def unit(*titles):
        return ("s", [{"title_tokens": " ".join(t), "sections": []} for t in titles])

    units = [unit(["necrot", "myopathi"]), unit(["immun", "necrot", "myopathi"]), unit([]), unit(["statin"])]
    assert topic_terms(units) == ["myopathi", "necrot"]  # in 2 of the 3 titled documents
    assert topic_terms([unit(["a"]), unit(["b"]), unit(["c"])]) == []  # unrelated documents: no topic
    build_index("seeds", tmp_path / "index")
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
