"""Placeholder BM25 index (replaced by the engine on branch index-engine)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1


class IndexFormatError(Exception):
    pass


@dataclass(frozen=True)
class BM25Params:
    k1: float = 0.9
    b: float = 0.4
    idf: str = "lucene"

    def as_dict(self) -> dict:
        return asdict(self)


class BM25Index:
    def __init__(self, vocab, offsets, docs, impacts, n_docs, params):
        self.vocab, self.offsets, self.docs, self.impacts = vocab, offsets, docs, impacts
        self.n_docs, self.params = n_docs, params

    @classmethod
    def build(cls, docs, params):
        postings: dict[str, dict[int, int]] = {}
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        for i, d in enumerate(docs):
            for t in d:
                postings.setdefault(t, {}).setdefault(i, 0)
                postings[t][i] += 1
        n = len(docs)
        avgdl = float(lengths.mean()) if n else 0.0
        terms = sorted(postings)
        offsets = [0]
        dl, il = [], []
        for t in terms:
            p = postings[t]
            df = len(p)
            if params.idf == "lucene":
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            else:
                idf = max(0.0, math.log((n - df + 0.5) / (df + 0.5)))
            for d_, tf in sorted(p.items()):
                norm = params.k1 * (1 - params.b + params.b * lengths[d_] / avgdl)
                dl.append(d_)
                il.append(idf * tf * (params.k1 + 1) / (tf + norm))
            offsets.append(len(dl))
        return cls({t: i for i, t in enumerate(terms)}, np.array(offsets, np.int64),
                   np.array(dl, np.int32), np.array(il, np.float32), n, params)

    def save(self, directory):
        d = Path(directory)
        np.save(d / "offsets.npy", self.offsets, allow_pickle=False)
        np.save(d / "docs.npy", self.docs, allow_pickle=False)
        np.save(d / "impacts.npy", self.impacts, allow_pickle=False)
        (d / "vocab.txt").write_text("\n".join(sorted(self.vocab, key=self.vocab.get)), encoding="utf-8")
        (d / "bm25.json").write_text(json.dumps({"format_version": FORMAT_VERSION, "n_docs": self.n_docs,
                                                 "params": self.params.as_dict()}, sort_keys=True))

    @classmethod
    def load(cls, directory):
        d = Path(directory)
        try:
            meta = json.loads((d / "bm25.json").read_text())
            if meta["format_version"] != FORMAT_VERSION:
                raise IndexFormatError("wrong format version")
            text = (d / "vocab.txt").read_text(encoding="utf-8")
            terms = text.split("\n") if text else []
            return cls({t: i for i, t in enumerate(terms)}, np.load(d / "offsets.npy"), np.load(d / "docs.npy"),
                       np.load(d / "impacts.npy"), meta["n_docs"], BM25Params(**meta["params"]))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise IndexFormatError(str(e)) from None

    def scores(self, query_tokens):
        s = np.zeros(self.n_docs, np.float32)
        for t in query_tokens:
            i = self.vocab.get(t)
            if i is not None:
                a, b = self.offsets[i], self.offsets[i + 1]
                np.add.at(s, self.docs[a:b], self.impacts[a:b])
        return s

    def search(self, query_tokens, k):
        s = self.scores(query_tokens)
        hit = np.flatnonzero(s > 0)
        order = np.lexsort((hit, -s[hit]))[:k]
        return hit[order], s[hit][order]
