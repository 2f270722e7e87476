"""The BM25 index: build, save, load, search (the only stateful class).

Layout on disk: one small `meta.json` (format version, BM25 parameters, sizes) and a
handful of `.npy` arrays written with `allow_pickle=False`, opened memory-mapped so
that `ask` starts answering in milliseconds.

- terms: sorted UTF-8 strings in one byte blob plus offsets, and an open-addressing
  hash table (crc32, linear probing) so a query term is found in O(1) without
  building a dict of the whole vocabulary at open time.
- postings: per term, doc numbers ascending with a float32 *impact* each, the term's
  whole BM25 contribution idf * tf * (k1+1) / (tf + k1 * (1 - b + b * dl/avgdl)),
  computed at build time so a query only adds numbers.
- per term, its maximum impact (the MaxScore upper bound) and a few "seed" documents
  with its highest impacts, used to guess a score threshold before touching long lists.
- the most frequent terms also as dense float32 columns, so looking up a document's
  impact for them is one gather instead of a binary search in a list of ~N postings.

Search is exact (MaxScore, vectorised):
1. a threshold theta: the k-th best exact score among the terms' seed documents;
2. the terms with the smallest upper bounds whose bounds sum below theta are
   "minor" (in practice the frequent words): no document reaches the top k on them
   alone, so candidates come from the other, "essential", terms only;
3. candidates with the best partial sums are scored exactly, raising theta;
4. the minor terms are looked up for the surviving candidates one by one, largest
   bound first, dropping those that can no longer reach theta;
5. the few survivors are scored exactly and the top k chosen with `argpartition`
   over them, never over all documents.
Queries whose posting lists are short are scored exhaustively over the touched docs.
Every path adds a document's term contributions in the same order (term number
ascending) in float64, so pruned and exhaustive scores are bit-identical and ties
are broken by doc number.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from dataclasses import asdict, dataclass
from collections import defaultdict
from itertools import chain, count
from pathlib import Path
from typing import Sequence, Union

import numpy as np

# 2: term_cf (collection frequency per term, for query.py's burstiness)
# 3: post_tfs (each posting's term frequency: segments are scored, and merged, from them)
FORMAT_VERSION = 3
# A query token: a term (weight 1) or a (term, weight) pair, e.g. a thesaurus expansion
# that should count less than the words the person typed.
QueryToken = Union[str, tuple[str, float]]

META_NAME = "meta.json"

# Seed documents kept per term (its highest impacts): enough to fill a top-10 with
# real scores, and to catch some that hold other query terms too, while adding
# one int32 per ~7 postings (6% of the benchmark index).
SEEDS_PER_TERM = 32
# Seeds are the top impacts up to this many quantisation levels of the term's maximum:
# exact enough (any real documents give a valid threshold, so this only affects speed)
# and found with one bincount instead of sorting every posting list.
SEED_LEVELS = 64
# Postings of frequent terms bucketed per numpy pass when seeds are chosen (bounds the
# build's temporaries: some 40 bytes per posting of the pass).
SEED_BLOCK_POSTINGS = 1 << 18
# Postings (and tokens) per numpy pass where the build renumbers tokens and computes
# impacts: the same operations per element as one pass over all, in bounded temporaries.
IMPACT_BLOCK = 1 << 20

# Terms in at least this share of the documents are also stored as a dense float32
# column (4 bytes per document, against 8 per posting: at most 2x their postings;
# 18 terms, 14% of the benchmark index).
DENSE_TERM_SHARE = 0.25

# Below this many postings in total a query is scored exhaustively over the touched
# docs (concatenate, np.unique, bincount): pruning costs a dozen numpy calls, which
# short lists do not repay. On the 200k-passage benchmark any value from 3k to 12k
# gives the same medians (bench/bench_speed.py, rare queries ~0.05 ms).
SMALL_QUERY_POSTINGS = 6_000
# The pruned path costs about this many postings' worth of exhaustive accumulation per
# query term (a handful of numpy calls per term in steps 1, 3 and 5), and exhaustive
# accumulation about EXHAUSTIVE_COST_PER_DOC postings per document on top (the dense
# array). A query whose postings cost less than its terms would is scored exhaustively:
# long questions, and any question on a small index. Measured on the 200k-passage
# benchmark corpus (median CPU ms, pruned / exhaustive): 3-6 words 0.23 / 1.15, 15 words
# 1.16 / 1.74, 20 words 1.84 / 2.09, 30 words 2.88 / 2.67, 60 words 7.7 / 4.0, 150 words
# 25 / 6.1; on SciFact's 23k passages, a claim (15 terms) 0.57 / 0.13, five claims
# (76 terms) 11.9 / 0.52. Both paths give the same scores bit for bit.
PRUNE_COST_PER_TERM = 30_000
EXHAUSTIVE_COST_PER_DOC = 0.6
# When a query's postings outnumber this share of the docs, accumulate into a dense array
# of all docs (np.zeros, np.add.at, np.flatnonzero: O(n_docs)) instead of sorting the
# concatenated postings (np.unique: O(P log P)). Measured crossover at 200k docs, numpy 2.4:
# between 20k and 40k postings (0.27 vs 0.41 ms at 20k, 0.57 vs 0.18 ms at 40k).
DENSE_ACCUMULATE_SHARE = 1 / 6

# Docs with the best partial scores re-scored exactly to raise the threshold: the k-th
# best of 8k such docs is close to the final k-th score (the minor terms add little),
# and scoring 80 docs costs about as much as 10 (numpy call overhead).
REFINE_FACTOR = 8

# Below this many survivors, scoring them outright beats filtering them further
# (each filtering step is a few numpy calls).
FILTER_MIN_SURVIVORS = 200

# Relative slack on score bounds: bounds are sums of float64 numbers, real scores are
# the same numbers summed in another order; 1e-9 dwarfs that rounding (~1e-15).
BOUND_SLACK = 1e-9

# name -> dtype of every array file; shapes are checked against meta.json sizes.
_ARRAYS = {
    "term_bytes": np.uint8,  # all terms, UTF-8, concatenated in sorted order
    "term_offsets": np.int64,  # n_terms + 1
    "term_hashes": np.uint32,  # crc32 of each term, checked before comparing bytes
    "term_table": np.int32,  # open-addressing slots: term number or -1
    "post_offsets": np.int64,  # n_terms + 1
    "post_docs": np.int32,  # n_postings, ascending within each term
    "post_impacts": np.float32,  # n_postings
    "post_tfs": np.int32,  # n_postings: term frequency (segments.py scores and merges from it)
    "term_max": np.float32,  # n_terms: largest impact of the term
    "term_cf": np.int64,  # n_terms: occurrences of the term in the whole collection
    "seed_offsets": np.int64,  # n_terms + 1
    "seed_docs": np.int32,  # n_seeds, ascending within each term
    "doc_lengths": np.int32,  # n_docs
    "dense_terms": np.int32,  # n_dense: terms also stored as a dense column, ascending
    "dense_impacts": np.float32,  # n_dense x n_docs: impact, 0 where the term is absent
}


class IndexFormatError(Exception):
    """The index files are missing, damaged, truncated or from another format version."""


@dataclass(frozen=True)
class BM25Params:
    """BM25 parameters, saved with the index.

    k1=0.9, b=0.4 are Anserini's BM25 defaults for passage collections (MS MARCO
    passage regressions). idf "lucene" is ln(1 + (N-df+0.5)/(df+0.5)); "robertson"
    is max(0, ln((N-df+0.5)/(df+0.5))), i.e. rank_bm25.BM25Okapi with epsilon=0.
    """

    k1: float = 0.9
    b: float = 0.4
    idf: str = "lucene"

    def __post_init__(self) -> None:
        if self.idf not in ("lucene", "robertson"):
            raise ValueError(f"idf must be 'lucene' or 'robertson', not {self.idf!r}")
        if not (self.k1 >= 0 and math.isfinite(self.k1)):
            raise ValueError(f"k1 must be a finite number >= 0, not {self.k1!r}")
        if not (0.0 <= self.b <= 1.0):
            raise ValueError(f"b must be between 0 and 1, not {self.b!r}")

    def as_dict(self) -> dict:
        """The parameters as a JSON-ready dict."""
        return asdict(self)


def _idf(n_docs: int, df: np.ndarray, kind: str) -> np.ndarray:
    """Inverse document frequency per term, float64."""
    ratio = (n_docs - df + 0.5) / (df + 0.5)
    if kind == "lucene":
        return np.log1p(ratio)
    return np.maximum(0.0, np.log(ratio))


def _hash(term_utf8: bytes) -> int:
    """Stable 32-bit hash of a term (crc32: deterministic across runs, unlike hash())."""
    return zlib.crc32(term_utf8)


def _table_size(n_terms: int) -> int:
    """Hash table slots: a power of two at most half full, so probes stay short."""
    return 1 << max(3, (2 * n_terms).bit_length())


class BM25Index:
    """An immutable BM25 index over numbered documents (doc number = position).

    A class because the state is real: arrays, memory-mapped after `load`, that
    every query reads.
    """

    def __init__(self, arrays: dict[str, np.ndarray], params: BM25Params, n_docs: int, avgdl: float):
        self.params = params
        self.n_docs = n_docs
        self.avgdl = avgdl
        self._a = arrays
        # Plain ndarray views: scalar reads on np.memmap objects are several times slower.
        for name, value in arrays.items():
            setattr(self, "_" + name, value.view(np.ndarray))
        self._mask = len(self._term_table) - 1
        self._dense_rows = {int(t): row for row, t in enumerate(self._dense_terms)}

    # ---------------------------------------------------------------- build

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], params: BM25Params) -> "BM25Index":
        """Index token lists; the document number of docs[i] is i."""
        n_docs = len(docs)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n_docs)
        # Terms numbered as first met (the defaultdict keeps the per-token work in C).
        numbers: dict[str, int] = defaultdict(count().__next__)
        ids = np.fromiter(map(numbers.__getitem__, chain.from_iterable(docs)), dtype=np.int32,
                          count=int(lengths.sum()))
        return cls.from_term_ids(list(numbers), ids, lengths, params)

    @classmethod
    def from_term_ids(cls, terms: list[str], ids: np.ndarray, lengths: np.ndarray, params: BM25Params) -> "BM25Index":
        """Index documents given as term numbers: ids holds every document's tokens, one
        document after another (lengths cut them), each a number into `terms` (distinct
        terms, any order). The same index as build() of the same token lists.

        ids is consumed: renumbered in place (a read-only array is copied first).
        """
        n_docs = len(lengths)
        lengths = np.asarray(lengths, dtype=np.int64)
        n_tokens = int(lengths.sum())
        # Sorted vocabulary: deterministic term numbers whatever the document order.
        order = sorted(range(len(terms)), key=terms.__getitem__)
        vocab_list = [terms[i] for i in order]
        n_terms = len(vocab_list)
        rank = np.empty(n_terms, dtype=np.int32)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(n_terms, dtype=np.int32)
        del order
        # Renumbered in place, a block at a time: ids is consumed (no second per-token array).
        token_terms = np.asarray(ids, dtype=np.int32)
        if not token_terms.flags.writeable:
            token_terms = token_terms.copy()
        del ids  # token_terms is freed once its keys are made (when the caller let go of it too)
        for start in range(0, n_tokens, IMPACT_BLOCK):
            token_terms[start:start + IMPACT_BLOCK] = rank[token_terms[start:start + IMPACT_BLOCK]]
        del rank

        # Group tokens by term, docs ascending within a term: one sort of (term, doc) keys
        # in place, then a (term, doc) posting per run of equal keys with the run's length
        # as its count. numpy sorts int64 keys with SIMD (1.1M tokens: 25 ms); scipy.sparse's
        # CSR -> CSC counting sort gave the same postings, but importing scipy.sparse alone
        # cost a build 0.12 s of CPU (SciFact's whole BM25 build: 0.39 s with it, 0.30 without).
        if n_tokens:
            width = max(n_docs, 1)
            keys = token_terms.astype(np.int64)
            del token_terms
            keys *= width
            keys += np.repeat(np.arange(n_docs, dtype=np.int32 if n_docs < 2**31 else np.int64), lengths)
            keys.sort()
            first = np.empty(n_tokens, dtype=bool)
            first[0] = True
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            starts = np.flatnonzero(first)
            del first
            n_postings = len(starts)
            # The runs' lengths, their first keys and the keys' two halves, each written
            # into its final array (a block at a time where a temporary is needed): whole-
            # array temporaries here were the BM25 build's peak (200k passages, 7.7M tokens:
            # 241 MB above its input, 186 MB without them).
            tf = np.empty(n_postings, dtype=np.int32)
            np.subtract(starts[1:], starts[:-1], out=tf[:-1], casting="unsafe")
            tf[-1] = n_tokens - starts[-1]
            # The postings' keys moved to the front of keys, in place: a block's sources
            # lie at or after its destinations (starts[i] >= i), beyond what earlier blocks wrote.
            for start in range(0, n_postings, IMPACT_BLOCK):
                block = starts[start:start + IMPACT_BLOCK]
                keys[start:start + len(block)] = keys[block]
            del starts, block  # block: a view that would keep starts
            post_terms = np.empty(n_postings, dtype=np.int32)
            post_docs = np.empty(n_postings, dtype=np.int32)
            for start in range(0, n_postings, IMPACT_BLOCK):
                term, doc = np.divmod(keys[start:min(start + IMPACT_BLOCK, n_postings)], width)
                post_terms[start:start + len(term)] = term
                post_docs[start:start + len(doc)] = doc
            del keys, term, doc
        else:
            post_docs = np.zeros(0, dtype=np.int32)
            post_terms = np.zeros(0, dtype=np.int32)
            tf = np.zeros(0, dtype=np.float64)
        return cls.from_postings(vocab_list, post_terms, post_docs, tf, lengths, params)

    @classmethod
    def from_postings(cls, vocab_list: list[str], post_terms: np.ndarray, post_docs: np.ndarray,
                      tf: np.ndarray, lengths: np.ndarray, params: BM25Params) -> "BM25Index":
        """The index of postings grouped by term (sorted vocabulary), docs ascending within a term.

        build() and a segment merge (segments.py) both end here, so a merged segment
        is byte for byte the segment a fresh build of the same passages writes.
        """
        n_docs, n_terms = len(lengths), len(vocab_list)
        lengths = lengths.astype(np.int64, copy=False)
        n_tokens = int(lengths.sum())
        post_tfs = tf.astype(np.int32, copy=False)
        del tf
        # Postings are grouped by term in term order: each term's run found by a search (a
        # bincount would first copy post_terms to int64, 8 bytes a posting at the build's peak).
        post_offsets = np.searchsorted(post_terms, np.arange(n_terms + 1, dtype=post_terms.dtype)).astype(np.int64)
        df = np.diff(post_offsets)
        # Occurrences per term: postings are grouped by term, every term has one (exact in int64).
        term_cf = np.zeros(n_terms, dtype=np.int64)
        if len(post_tfs):
            present = df > 0
            term_cf[present] = np.add.reduceat(post_tfs, post_offsets[:-1][present], dtype=np.int64)

        avgdl = n_tokens / n_docs if n_docs else 0.0
        k1, b = params.k1, params.b
        idf = _idf(n_docs, df.astype(np.float64), params.idf)
        if avgdl > 0:
            norm = k1 * (1.0 - b + b * (lengths / avgdl))
        else:
            norm = np.full(n_docs, k1 * (1.0 - b))
        # In float64, rounded once to float32, IMPACT_BLOCK postings at a time: per-posting
        # float64 arrays were the build's peak memory.
        post_impacts = np.empty(len(post_tfs), dtype=np.float32)
        for start in range(0, len(post_tfs), IMPACT_BLOCK):
            block = slice(start, start + IMPACT_BLOCK)
            part = post_tfs[block].astype(np.float64)
            denominator = norm[post_docs[block]]
            denominator += part
            part *= k1 + 1.0
            part /= denominator
            part *= idf[post_terms[block]]
            post_impacts[block] = part
        del norm

        term_max = np.zeros(n_terms, dtype=np.float32)
        if len(post_impacts):
            np.maximum.at(term_max, post_terms, post_impacts)

        seed_docs, seed_offsets = _seeds(post_terms, post_docs, post_impacts, term_max, post_offsets)

        # Dense columns for the most frequent terms: a survivor's impact is then one
        # gather instead of a binary search in a list of ~N postings.
        dense_terms = np.flatnonzero(df >= max(1, n_docs) * DENSE_TERM_SHARE).astype(np.int32)
        dense_impacts = np.zeros((len(dense_terms), n_docs), dtype=np.float32)
        for row, term_no in enumerate(dense_terms.tolist()):
            start, end = post_offsets[term_no], post_offsets[term_no + 1]
            dense_impacts[row, post_docs[start:end]] = post_impacts[start:end]
        del post_terms

        encoded = [t.encode("utf-8", "surrogatepass") for t in vocab_list]
        term_offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n_terms), out=term_offsets[1:])
        term_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
        term_hashes = np.fromiter(map(_hash, encoded), dtype=np.uint32, count=n_terms)
        table = [-1] * _table_size(n_terms)  # a list: Python-loop reads 5x faster than numpy scalars
        mask = len(table) - 1
        for term_no, h in enumerate(term_hashes.tolist()):  # term order: deterministic slots
            slot = h & mask
            while table[slot] >= 0:
                slot = (slot + 1) & mask
            table[slot] = term_no
        term_table = np.array(table, dtype=np.int32)
        del table

        arrays = {
            "term_bytes": term_bytes,
            "term_offsets": term_offsets,
            "term_hashes": term_hashes,
            "term_table": term_table,
            "post_offsets": post_offsets,
            "post_docs": post_docs.astype(np.int32, copy=False),
            "post_impacts": post_impacts,
            "post_tfs": post_tfs,
            "term_max": term_max,
            "term_cf": term_cf,
            "seed_offsets": seed_offsets,
            "seed_docs": seed_docs.astype(np.int32, copy=False),
            "dense_terms": dense_terms,
            "dense_impacts": dense_impacts,
            "doc_lengths": lengths.astype(np.int32),
        }
        return cls(arrays, params, n_docs, float(avgdl))

    # ---------------------------------------------------------------- save / load

    def _sizes(self) -> dict[str, int]:
        """Array sizes for meta.json, from which load derives every expected shape."""
        return {
            "n_docs": self.n_docs,
            "n_terms": len(self._term_offsets) - 1,
            "n_postings": len(self._post_docs),
            "n_seeds": len(self._seed_docs),
            "n_term_bytes": len(self._term_bytes),
            "table_size": len(self._term_table),
            "n_dense": len(self._dense_terms),
        }

    @staticmethod
    def _expected_shapes(s: dict[str, int]) -> dict[str, tuple[int]]:
        """The shape of every array file, from the sizes in meta.json."""
        v = s["n_terms"]
        return {
            "term_bytes": (s["n_term_bytes"],),
            "term_offsets": (v + 1,),
            "term_hashes": (v,),
            "term_table": (s["table_size"],),
            "post_offsets": (v + 1,),
            "post_docs": (s["n_postings"],),
            "post_impacts": (s["n_postings"],),
            "post_tfs": (s["n_postings"],),
            "term_max": (v,),
            "term_cf": (v,),
            "seed_offsets": (v + 1,),
            "seed_docs": (s["n_seeds"],),
            "doc_lengths": (s["n_docs"],),
            "dense_terms": (s["n_dense"],),
            "dense_impacts": (s["n_dense"], s["n_docs"]),
        }

    def save(self, directory: str | Path, prefix: str = "") -> None:
        """Write the index into an existing directory; same index, same bytes.

        Every file name starts with `prefix` (a segment's, in a generation of several).

        Each file goes to a temporary name and is renamed into place, meta.json last,
        so no file is ever half-written. Replacing a whole index atomically is the
        caller's job: save into a fresh directory, then rename the directory.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise FileNotFoundError(f"index directory {directory} does not exist; create it first")
        for name in _ARRAYS:
            final = directory / f"{prefix}{name}.npy"
            tmp = directory / f"{prefix}{name}.npy.tmp"
            with open(tmp, "wb") as fh:
                np.save(fh, np.ascontiguousarray(self._a[name]), allow_pickle=False)
            os.replace(tmp, final)
        meta = {
            "format_version": FORMAT_VERSION,
            "params": self.params.as_dict(),
            "avgdl": self.avgdl,
            "sizes": self._sizes(),
        }
        tmp = directory / (prefix + META_NAME + ".tmp")
        tmp.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, directory / (prefix + META_NAME))

    @classmethod
    def load(cls, directory: str | Path, check_bounds: bool = True, prefix: str = "") -> "BM25Index":
        """Open a saved index memory-mapped; raise IndexFormatError if anything is wrong.

        check_bounds=False skips the one O(postings) check (every doc number in range),
        so that opening reads O(terms) whatever the number of passages: `ask` relies
        on the checksums checked when the generation was written and on search()'s
        range guard; a build and `status --check` check every bound.
        """
        directory = Path(directory)
        meta_path = directory / (prefix + META_NAME)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexFormatError(f"no index at {directory}: {META_NAME} is missing; build the index") from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise IndexFormatError(f"{meta_path} is unreadable or not JSON ({exc}); rebuild the index") from None
        if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
            found = meta.get("format_version") if isinstance(meta, dict) else None
            raise IndexFormatError(
                f"{meta_path} has format version {found!r}, this winnow reads {FORMAT_VERSION}; rebuild the index"
            )
        try:
            params = BM25Params(**meta["params"])
            avgdl = float(meta["avgdl"])
            sizes = {key: int(meta["sizes"][key]) for key in (
                "n_docs", "n_terms", "n_postings", "n_seeds", "n_term_bytes", "table_size", "n_dense")}
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexFormatError(f"{meta_path} is missing or has bad fields ({exc}); rebuild the index") from None

        shapes = cls._expected_shapes(sizes)
        arrays: dict[str, np.ndarray] = {}
        for name, dtype in _ARRAYS.items():
            path = directory / f"{prefix}{name}.npy"
            arrays[name] = _open_array(path, np.dtype(dtype), shapes[name])
        _check_consistency(arrays, sizes, directory, check_bounds)
        return cls(arrays, params, sizes["n_docs"], avgdl)

    # ---------------------------------------------------------------- query

    def _span(self, term_no: int) -> tuple[int, int]:
        """Where a term's postings start and end in the posting arrays."""
        return int(self._post_offsets[term_no]), int(self._post_offsets[term_no + 1])

    def _term_number(self, term: str) -> int:
        """The term's number, or -1 if the index has never seen it."""
        encoded = term.encode("utf-8", "surrogatepass")
        h = _hash(encoded)
        slot = h & self._mask
        table, hashes, offsets, blob = self._term_table, self._term_hashes, self._term_offsets, self._term_bytes
        # At most one probe per slot: load checks that the table has an empty slot, but
        # the loop must end on any data, not only on data that passed a check.
        for _ in range(len(table)):
            term_no = int(table[slot])
            if term_no < 0:
                return -1
            if hashes[term_no] == h:
                start, end = int(offsets[term_no]), int(offsets[term_no + 1])
                if blob[start:end].tobytes() == encoded:
                    return term_no
            slot = (slot + 1) & self._mask
        return -1

    def df(self, term: str) -> int:
        """How many documents hold the term (0 when the index has never seen it)."""
        term_no = self._term_number(term)
        return 0 if term_no < 0 else int(self._post_offsets[term_no + 1] - self._post_offsets[term_no])

    def cf(self, term: str) -> int:
        """How often the term occurs in the whole collection (0 when never seen)."""
        term_no = self._term_number(term)
        return 0 if term_no < 0 else int(self._term_cf[term_no])

    def _query_terms(self, query_tokens: Sequence[QueryToken]) -> tuple[list[int], list[float]]:
        """Known query terms in term-number order, with their summed query weights.

        A token is a term (weight 1) or a (term, weight) pair; a term asked twice
        counts twice, as in BM25 with query term frequency.
        """
        counts: dict[int, float] = {}
        for token in query_tokens:
            term, weight = (token, 1.0) if isinstance(token, str) else token
            term_no = self._term_number(term)
            if term_no >= 0 and weight > 0:
                counts[term_no] = counts.get(term_no, 0.0) + float(weight)
        terms = sorted(counts)
        return terms, [counts[t] for t in terms]

    def _postings(self, term_no: int, count: float) -> tuple[np.ndarray, np.ndarray]:
        """Doc numbers and float64 contributions (count * impact, exact) of one term."""
        start, end = self._span(term_no)
        contrib = self._post_impacts[start:end].astype(np.float64)
        if count != 1:
            # Exact for small integer counts; for any weight the same product as in
            # _lookup and _add_dense, so pruned and exhaustive scores stay equal.
            contrib *= count
        return self._post_docs[start:end], contrib

    def _add_dense(self, acc: np.ndarray, term_no: int, count: float) -> None:
        """acc += count * impact of term_no for every doc, from its dense column or postings.

        Either way each doc receives the same float64 number (0.0 where absent), so
        the sums are the same bit for bit.
        """
        row = self._dense_rows.get(term_no)
        if row is None:
            docs, contrib = self._postings(term_no, count)
            np.add.at(acc, docs, contrib)
        elif count == 1:
            acc += self._dense_impacts[row]
        else:
            acc += self._dense_impacts[row].astype(np.float64) * count

    def scores(self, query_tokens: Sequence[QueryToken]) -> np.ndarray:
        """Exhaustive BM25 score of every document (float64; 0 where nothing matches)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        terms, counts = self._query_terms(query_tokens)
        try:
            for term_no, count in zip(terms, counts):
                self._add_dense(out, term_no, count)
        except IndexError as exc:  # an out-of-range doc number: see search()
            raise IndexFormatError(f"index data is damaged ({exc}); rebuild the index") from None
        return out

    def _lookup(self, term_no: int, count: float, docs: np.ndarray) -> np.ndarray:
        """count * impact of term_no for each given doc (0.0 where absent), float64.

        A gather for a dense term, else a binary search of the docs in its postings.
        """
        row = self._dense_rows.get(term_no)
        if row is not None:
            contrib = self._dense_impacts[row][docs].astype(np.float64)
        else:
            start, end = self._span(term_no)
            contrib = np.zeros(len(docs), dtype=np.float64)
            if start < end:
                plist = self._post_docs[start:end]
                pos = np.searchsorted(plist, docs)
                np.minimum(pos, end - start - 1, out=pos)
                hit = plist[pos] == docs
                contrib[hit] = self._post_impacts[start:end][pos[hit]]
        if count != 1:
            contrib *= count
        return contrib

    def _score_docs(self, docs: np.ndarray, terms: list[int], counts: list[float]) -> np.ndarray:
        """Exact scores of the given unique docs."""
        acc = np.zeros(len(docs), dtype=np.float64)
        for term_no, count in zip(terms, counts):
            acc += self._lookup(term_no, count, docs)  # same order and operands as scores()
        return acc

    def _candidates(self, terms: list[int], counts: list[float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Docs matching any of the terms, with their exact sums over these terms.

        Docs whose sum is 0 (terms with idf 0) may be left out when at least k docs
        have a positive sum: they can then never reach the top k.
        """
        if len(terms) == 1 and terms[0] not in self._dense_rows:
            docs, contrib = self._postings(terms[0], counts[0])
            return self._in_range(docs.astype(np.int64)), contrib
        offsets = self._post_offsets
        total = sum(int(offsets[t + 1] - offsets[t]) for t in terms)
        if total > self.n_docs * DENSE_ACCUMULATE_SHARE or any(t in self._dense_rows for t in terms):
            acc = np.zeros(self.n_docs, dtype=np.float64)
            for term_no, count in zip(terms, counts):
                self._add_dense(acc, term_no, count)
            cand = np.flatnonzero(acc > 0)
            if len(cand) < k:  # rare: zero-score matches may be needed to fill the top k
                touched = np.zeros(self.n_docs, dtype=bool)
                for term_no in terms:
                    touched[self._post_docs[offsets[term_no]:offsets[term_no + 1]]] = True
                cand = np.flatnonzero(touched)
            return cand, acc[cand]
        lists = [self._postings(t, c) for t, c in zip(terms, counts)]
        all_docs = np.concatenate([d for d, _ in lists])
        cand, inverse = np.unique(all_docs, return_inverse=True)
        # bincount adds the weights in input order, i.e. term order: same sums as scores().
        return self._in_range(cand.astype(np.int64)), np.bincount(inverse, weights=np.concatenate([c for _, c in lists]))

    def _in_range(self, sorted_docs: np.ndarray) -> np.ndarray:
        """The docs, after checking the ends are real doc numbers (else the index is damaged)."""
        if len(sorted_docs) and (sorted_docs[0] < 0 or sorted_docs[-1] >= self.n_docs):
            raise IndexError(f"doc number out of range 0..{self.n_docs - 1}")
        return sorted_docs

    def search(self, query_tokens: Sequence[QueryToken], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top k (doc numbers, scores) among docs matching any query term, by (-score, doc)."""
        try:
            return self._search(query_tokens, k)
        except IndexError as exc:
            # load checks sizes and offsets, not every doc number (that would read the
            # whole index at open): an out-of-range one surfaces here.
            raise IndexFormatError(f"index data is damaged ({exc}); rebuild the index") from None

    def _search(self, query_tokens: Sequence[QueryToken], k: int) -> tuple[np.ndarray, np.ndarray]:
        """search() without the damage guard."""
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        if k <= 0:
            return empty
        terms, counts = self._query_terms(query_tokens)
        if not terms:
            return empty
        offsets = self._post_offsets
        total = sum(int(offsets[t + 1] - offsets[t]) for t in terms)
        if total <= SMALL_QUERY_POSTINGS or len(terms) == 1 or \
                total + EXHAUSTIVE_COST_PER_DOC * self.n_docs < PRUNE_COST_PER_TERM * len(terms):
            return _top_k(*self._candidates(terms, counts, k), k)

        # 1. A threshold: the k-th best exact score among the terms' seed documents.
        seeds = np.unique(np.concatenate(
            [self._seed_docs[self._seed_offsets[t]:self._seed_offsets[t + 1]] for t in terms]))
        theta = 0.0
        if len(seeds) >= k:
            seed_scores = self._score_docs(seeds, terms, counts)
            theta = float(np.partition(seed_scores, len(seeds) - k)[len(seeds) - k])

        # 2. MaxScore split: the terms with the smallest upper bounds whose bounds sum
        #    below theta cannot put a document in the top k on their own.
        bounds = [float(self._term_max[t]) * c for t, c in zip(terms, counts)]
        slack = BOUND_SLACK * sum(bounds)  # theta <= sum(bounds): covers both
        order = sorted(range(len(terms)), key=lambda i: (bounds[i], terms[i]))
        rest_bound = 0.0
        n_minor = 0
        for i in order:
            if rest_bound + bounds[i] + slack < theta:
                rest_bound += bounds[i]
                n_minor += 1
            else:
                break
        if theta <= 0.0 or n_minor == 0:
            return _top_k(*self._candidates(terms, counts, k), k)
        essential = sorted(order[n_minor:])

        # 3. Candidates: docs of the essential terms. Their best partial sums are
        #    likely winners: score those exactly to raise theta before filtering.
        cand, partial = self._candidates([terms[i] for i in essential], [counts[i] for i in essential], k)
        n_best = min(len(cand), REFINE_FACTOR * k)
        if n_best >= k:
            best = np.sort(cand[np.argpartition(-partial, n_best - 1)[:n_best]])
            best_scores = self._score_docs(best, terms, counts)
            theta = max(theta, float(np.partition(best_scores, n_best - k)[n_best - k]))
        keep = partial >= theta - rest_bound - slack
        survivors, partial = cand[keep], partial[keep]

        # 4. MaxScore per document: add the minor terms one by one, largest bound
        #    first, dropping docs that can no longer reach theta. These running sums
        #    only filter; the final scores are recomputed in term order.
        for i in reversed(order[:n_minor]):
            if len(survivors) <= FILTER_MIN_SURVIVORS:
                break
            partial = partial + self._lookup(terms[i], counts[i], survivors)
            rest_bound -= bounds[i]
            keep = partial >= theta - rest_bound - slack
            survivors, partial = survivors[keep], partial[keep]

        # 5. Exact scores for the survivors only, then the top k.
        return _top_k(survivors, self._score_docs(survivors, terms, counts), k)


def _top_k(docs: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (doc, score) pairs by (-score, doc); docs must be unique."""
    if len(docs) > k:
        # argpartition alone picks arbitrarily among docs tied with the k-th score;
        # keep every doc at or above that score and let lexsort break the ties.
        kth = -np.partition(-scores, k - 1)[k - 1]
        keep = scores >= kth
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:k]
    return docs[order].astype(np.int64, copy=False), scores[order]


def _seeds(post_terms: np.ndarray, post_docs: np.ndarray, impacts: np.ndarray,
           term_max: np.ndarray, post_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per term, SEEDS_PER_TERM docs with its highest impacts (to quantisation), docs ascending.

    Impacts are bucketed into SEED_LEVELS levels of the term's maximum; a term keeps
    every posting above its cut level and fills up, in doc order, from the cut level.
    """
    n_terms = len(post_offsets) - 1
    if len(impacts) == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(n_terms + 1, dtype=np.int64)
    # A term with at most SEEDS_PER_TERM postings keeps them all; the others are bucketed
    # in blocks of about SEED_BLOCK_POSTINGS postings, so the per-term histograms
    # (SEED_LEVELS counts each) and per-posting temporaries stay small whatever the
    # size of the index (over the whole vocabulary at once they were the build's peak:
    # +260 MB at 200k passages).
    first = post_offsets
    df = np.diff(first)
    frequent = np.flatnonzero(df > SEEDS_PER_TERM)
    keep = np.ones(len(impacts), dtype=bool)
    if len(frequent):
        running = np.cumsum(df[frequent])  # a block ends at the term that passes a multiple of the size
        ends = np.searchsorted(running, np.arange(SEED_BLOCK_POSTINGS, running[-1], SEED_BLOCK_POSTINGS)) + 1
        bounds = sorted({0, len(frequent), *ends.tolist()})
    else:
        bounds = [0]
    for start, stop in zip(bounds, bounds[1:]):
        terms = frequent[start:stop]
        sizes = df[terms]
        rows = np.repeat(np.arange(len(terms), dtype=np.int32), sizes)  # ascending: grouped by term
        where = np.arange(len(rows), dtype=np.int64) + np.repeat(first[terms] - (np.cumsum(sizes) - sizes), sizes)
        top = term_max[terms][rows]
        ratio = np.divide(impacts[where], top, out=np.zeros(len(rows), dtype=np.float32), where=top > 0)
        del top
        level = (ratio * np.float32(SEED_LEVELS - 1)).astype(np.int32)  # ratio <= 1: 0..SEED_LEVELS-1
        del ratio
        hist = np.bincount(rows * SEED_LEVELS + level, minlength=len(terms) * SEED_LEVELS).reshape(-1, SEED_LEVELS)
        at_or_above = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]  # postings at level >= L
        # Cut level: the highest level with at least SEEDS_PER_TERM postings at or above it.
        enough = at_or_above >= SEEDS_PER_TERM
        cut = np.where(enough.any(axis=1), SEED_LEVELS - 1 - np.argmax(enough[:, ::-1], axis=1), 0)
        above_cut = np.where(cut + 1 < SEED_LEVELS,
                             at_or_above[np.arange(len(terms)), np.minimum(cut + 1, SEED_LEVELS - 1)], 0)
        term_cut = cut[rows]
        keep_here = level > term_cut
        at_cut = np.flatnonzero(level == term_cut)
        cut_rows = rows[at_cut]
        rank = np.arange(len(at_cut)) - np.searchsorted(cut_rows, cut_rows, side="left")
        keep_here[at_cut[rank < SEEDS_PER_TERM - above_cut[cut_rows]]] = True
        keep[where] = keep_here
    kept = np.flatnonzero(keep)  # postings are grouped by term, docs ascending
    offsets = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_terms[kept], minlength=n_terms), out=offsets[1:])
    return post_docs[kept], offsets


def _open_array(path: Path, dtype: np.dtype, shape: tuple[int]) -> np.ndarray:
    """Memory-map one .npy file, checking dtype, shape and exact file size."""
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise IndexFormatError(f"index file {path} is missing; rebuild the index") from None
    except (OSError, ValueError, EOFError) as exc:
        # An empty array cannot be memory-mapped; anything else here is damage.
        try:
            array = np.load(path, allow_pickle=False) if 0 in shape else None
        except (OSError, ValueError, EOFError):
            array = None
        if array is None:
            raise IndexFormatError(f"index file {path} is damaged or truncated ({exc}); rebuild the index") from None
    if array.dtype != dtype or array.shape != shape:
        raise IndexFormatError(
            f"index file {path} holds {array.dtype}{list(array.shape)}, expected {dtype}{list(shape)}; "
            "rebuild the index"
        )
    offset = getattr(array, "offset", None)
    if offset is not None and os.path.getsize(path) != offset + array.nbytes:
        raise IndexFormatError(f"index file {path} has the wrong size; rebuild the index")
    return array


def _check_consistency(arrays: dict[str, np.ndarray], sizes: dict[str, int], directory: Path,
                       check_bounds: bool = True) -> None:
    """Structural checks (offsets, table size, bounds): O(terms), plus O(postings) with check_bounds."""
    def fail(what: str) -> None:
        raise IndexFormatError(f"index at {directory} is inconsistent: {what}; rebuild the index")

    for name, total in (("term_offsets", sizes["n_term_bytes"]), ("post_offsets", sizes["n_postings"]),
                        ("seed_offsets", sizes["n_seeds"])):
        offsets = arrays[name]
        if offsets[0] != 0 or offsets[-1] != total:
            fail(f"{name} do not span 0..{total}")
        if len(offsets) > 1 and np.any(offsets[1:] < offsets[:-1]):
            fail(f"{name} decrease")
    table_size = sizes["table_size"]
    if table_size & (table_size - 1) or table_size <= sizes["n_terms"]:
        fail("hash table size is not a power of two above the number of terms")
    # Bounds of every array whose values index another array. One vectorised pass
    # each (the arrays were just read in full by the checksum check, so they are in
    # the page cache): a crafted index with valid checksums must not send a lookup
    # out of range, or a probe round a table with no empty slot.
    table = arrays["term_table"]
    if len(table) and (table.min() < -1 or table.max() >= sizes["n_terms"]):
        fail("term_table holds term numbers out of range")
    if len(table) and not (table == -1).any():
        fail("term_table has no empty slot")
    bounded = (("post_docs", sizes["n_docs"]), ("seed_docs", sizes["n_docs"])) if check_bounds else ()
    for name, upper in bounded + (("dense_terms", sizes["n_terms"]),):
        # Read as unsigned, a negative int32 is above 2**31 > upper: one pass finds both ends
        # (bench/bench_speed.py, 200k passages: open 6.5 ms with every check here, 2.8 without,
        # 16.7 with min and max as two passes).
        values = arrays[name]
        if len(values) and int(values.view(np.uint32).max()) >= upper:
            fail(f"{name} hold numbers out of range 0..{upper - 1}")
