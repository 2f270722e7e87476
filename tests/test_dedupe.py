"""Duplicates across sources: keep the first, remember every source."""

from __future__ import annotations

from pipeline.ingest import assemble_passages
from pipeline.records import Document, Section


def _doc(source, *paragraphs, heading="Facts"):
    return Document(source=source, title="", sections=(Section(heading, tuple(paragraphs)),))


def test_exact_and_near_duplicate_sentences_keep_first_and_all_sources():
    a = _doc("a.txt", "Bees make honey from nectar collected in spring. Hives hold many bees.")
    b = _doc("b.txt", "Bees make honey from the nectar collected in spring! Wasps do not make honey at all.")
    c = _doc("c.txt", "Hives hold many bees.")
    passages, dropped = assemble_passages([a, b, c])
    assert dropped == 2
    texts = " ".join(p.text for p in passages)
    assert texts.count("make honey from") == 1
    first = next(p for p in passages if p.source == "a.txt")
    assert first.sources == ("a.txt", "b.txt", "c.txt")
    assert [p.source for p in passages] == ["a.txt", "b.txt"]


def test_passages_never_cross_sections_and_ids_are_ordered():
    doc = Document(source="x.txt", title="T", sections=(
        Section("One", ("First sentence here is long enough.",)),
        Section("Two", ("Second section sentence is here too.",)),
    ))
    passages, _ = assemble_passages([doc])
    assert [(p.section, p.passage_id) for p in passages] == [("One", "x.txt#0000"), ("Two", "x.txt#0001")]


def test_signatures_do_not_depend_on_the_other_sentences_of_a_pass():
    """A build computes signatures in passes of many sentences (a whole corpus piece);
    each sentence's signature must be what it gets alone, so the stored bytes never
    depend on how sentences were grouped (a lone "." once got band keys or zeros
    depending on its neighbours)."""
    import numpy as np

    from pipeline.dedupe import SIGNATURE_CHUNK, concat_signatures, signatures

    sentences = [".", "Bees make honey from nectar collected in spring.", "", "Hives hold many bees; bees hold hives.",
                 "-- . --"] * (SIGNATURE_CHUNK // 2 + 3) + ["."] * (SIGNATURE_CHUNK + 1)
    together = signatures(sentences)
    alone = concat_signatures([signatures([s]) for s in sentences])
    for name in ("exact", "ntok", "word_offsets", "words", "bands"):
        assert np.array_equal(getattr(together, name), getattr(alone, name)), name
    assert not together.bands[together.ntok == 0].any()
    part = together.span(5, 9)
    assert np.array_equal(part.words, signatures(sentences[5:9]).words)
    assert np.array_equal(part.word_offsets, signatures(sentences[5:9]).word_offsets)
