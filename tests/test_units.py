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
    return split_documents(corpus_records("\n".join(lines))[0], "corpus.jsonl")


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
