"""units.PackedDocuments: a source's processed documents as arrays, joined and stored exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.ingest import corpus_records, split_documents
from pipeline.units import PackedDocuments, _arrays, concat_packed, pack_documents


def _documents(first: int, last: int):
    lines = [json.dumps({"_id": f"d{i}", "title": f"Trial {i} (NAM)",
                         "text": f"Necrotizing autoimmune myopathy {i} is rare. Statins \udcff help.\n\nMore {i}."})
             for i in range(first, last)]
    return split_documents(corpus_records("\n".join(lines), "corpus.jsonl")[0], "corpus.jsonl")


def _same(a: PackedDocuments, b: PackedDocuments) -> bool:
    return all(n == m and x.dtype == y.dtype and np.array_equal(x, y) for (n, x), (m, y) in zip(_arrays(a), _arrays(b)))


def test_pieces_joined_equal_the_whole_and_are_released():
    whole = pack_documents(_documents(0, 30))
    parts = [pack_documents(_documents(a, b)) for a, b in ((0, 7), (7, 7), (7, 20), (20, 30))]
    joined = concat_packed(parts)
    assert parts == []  # each part is dropped once copied
    assert _same(joined, whole) and joined.problem() is None


def test_round_trip_keeps_every_string_and_array():
    documents = _documents(0, 5)
    packed = pack_documents(documents)
    back = PackedDocuments.from_bytes(packed.to_bytes())
    assert _same(back, packed)
    assert list(back.sentences) == [s for d in documents for sec in d["sections"] for s in sec["sentences"]]
    assert "\udcff" in back.sentences[1]  # a lone surrogate survives
    assert back.packs(0) == documents[0]["sections"][0]["packs"]
    assert list(back.doc_names) == [d["source"] or "" for d in documents]


@pytest.mark.parametrize("cut", [0, 5, 100, -1])
def test_truncated_or_garbled_bytes_are_refused(cut):
    data = pack_documents(_documents(0, 3)).to_bytes()
    with pytest.raises(ValueError):
        PackedDocuments.from_bytes(data[:cut] if cut >= 0 else data + b"x")


def test_token_numbers_outside_the_vocabulary_are_refused():
    packed = pack_documents(_documents(0, 2))
    data = bytearray(packed.to_bytes())
    bad = PackedDocuments(**{**{f: getattr(packed, f) for f in packed.__dataclass_fields__},
                             "token_ids": packed.token_ids + len(packed.vocab)})
    assert "vocabulary" in bad.problem()
    with pytest.raises(ValueError):
        PackedDocuments.from_bytes(bad.to_bytes())
    assert PackedDocuments.from_bytes(bytes(data)).problem() is None


def test_terms_of_dropped_duplicates_are_not_indexed():
    """A near-duplicate sentence is dropped with its words: a word only it had is no term
    of the index, though the source's vocabulary holds it."""
    from pipeline.ingest import batch_sentences, pack_passages
    from pipeline.segments import batch_verdicts, resolve_batch

    first = "Statin exposure is associated with necrotizing autoimmune myopathy in adults today."
    later = "Statin exposure is associated with necrotizing autoimmune myopathy in adults zymurgy."
    units = [(name, pack_documents(split_documents(corpus_records(json.dumps(
        {"_id": name, "title": "", "text": text}), "corpus.jsonl")[0], "corpus.jsonl")))
        for name, text in (("a", first), ("b", later))]
    assert "zymurgi" in list(units[1][1].vocab)
    batch = batch_sentences(units)
    verdicts, _ = resolve_batch([], batch, [])
    _, marks = batch_verdicts(verdicts, 0, len(batch.sig))
    packed = pack_passages(units, marks)
    assert sum(packed.dropped) == 1
    assert "zymurgi" not in packed.terms and "statin" in packed.terms
    assert len(set(packed.terms)) == len(packed.terms) and packed.term_ids.max() < len(packed.terms)


def test_strings_of_is_each_strings_utf8_one_after_another():
    """Strings.of encodes an all-ASCII list in one piece: the same blob and offsets as string by string."""
    from pipeline.units import Strings

    cases = [[], [""], ["a", "", "bc"], ["plain ascii", "café", "x"], ["lone \udcff surrogate", "ok"], ["日本語", "漢"]]
    for texts in cases:
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        for given in (texts, iter(texts), dict.fromkeys(texts) if len(set(texts)) == len(texts) else texts):
            packed = Strings.of(given)
            assert packed.blob == b"".join(encoded)
            assert packed.offsets.tolist() == [0, *np.cumsum([len(e) for e in encoded]).tolist()]
            assert packed.offsets.dtype == np.int64
            assert list(packed) == texts
