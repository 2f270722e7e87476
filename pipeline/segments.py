"""Index segments: a refresh writes what changed, and scores equal a fresh build's.

A generation holds one or more segments, as Lucene does. A segment is immutable: the
passages of a batch of sources (its *units*), their BM25 index and passage store, and
what deduplication knows of their sentences. Files of segment i start with its prefix
("" for the first, "s1.", "s2.", ... after it), so a one-segment generation has exactly
the files of a plain index:

    [prefix]meta.json, [prefix]<array>.npy   the BM25 index (index.py), with term frequencies
    [prefix]passages.jsonl + .offsets.npy    passages in passage-id order
    [prefix]segment.json                     unit (source) names, the names passages cite
                                             (left out when they are the units')
    [prefix]topics.jsonl + .offsets.npy      each unit's topic (title terms, acronyms) and
                                             report rows (words kept, duplicates, addresses),
                                             one line per unit, read one unit at a time
    [prefix]topic_totals.json                the same summed over the segment's units (title
                                             counts of the terms in TOPIC_HEAD_SHARE of its
                                             titles or more, acronym and address rows): a
                                             refresh combines the topic from these and the
                                             deleted units' lines only
    [prefix]topic_terms.json                 every title term's count, read when the head
                                             above leaves a term's share undecided
    [prefix]doc_unit.npy                     each passage's unit
    [prefix]sent_*.npy, sig_*.npy            each sentence's unit, position, cited name and
                                             verdict (credit), and its dedupe signature
    [prefix]exact_*.npy, band_*.npy          the same keys sorted, for look-ups

manifest.json lists the segments with their deleted units: an edited or removed
source's passages stay in their segment, marked deleted, and its new version goes into
the refresh's new segment. A refresh copies nothing it does not change: unchanged
segment files are hard links to the previous generation's.

Scores: the one segment of a generation without deletions is searched as it is (its
impacts were computed with its own statistics, which are the collection's). Otherwise
the collection statistics (live passages, their total length, each query term's
document frequency) are summed over the segments at query time and each posting's
impact recomputed from its term frequency with the same float64 operations as
index.py's build, so scores equal a fresh build's bit for bit; ties are broken by
passage id, as a fresh build's doc numbers are.

Merges (during the build): a generation whose live passages number at most
MERGE_ALL_BELOW is merged into one segment (the bytes of a fresh build); above, the
new segment joins the others and any MERGE_FACTOR segments of one size tier (powers
of MERGE_FACTOR passages), and any segment with more than MAX_DELETED_SHARE of its
passages deleted, are merged into one.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import heapq
import io
import itertools
import json
import math
import operator
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

import numpy as np

from .dedupe import (BANDS, NEAR_DUP_JACCARD, NEAR_DUP_MIN_TOKENS, Signatures, SentenceTable, _sorted_unique,
                     concat_signatures, resolve)
from .index import BM25Index, BM25Params, IndexFormatError, QueryToken, _idf
from .store import strictly_sorted

# Merge policy (see the module docstring).
MERGE_ALL_BELOW = 2_000
MERGE_FACTOR = 8
MAX_DELETED_SHARE = 0.5

# Search over several segments (SegmentedIndex.search). Segments of at most this many
# passages are scored outright, every live posting of the query terms: their statistics
# differ most from the collection's, so their bounds are loosest, and they are cheap.
EXHAUSTIVE_SEGMENT_DOCS = 10_000
# A big segment's candidates are fetched FETCH_FACTOR * k at a time, then FETCH_FACTOR
# times more while the last one's bound still reaches the k-th best exact score (at
# least 2). At 200k passages plus 6 segments of 2,000, 2 and 4 both needed one fetch for
# each of 50 common queries; 2 is the cheaper fetch (median 1.8 against 2.5 ms).
FETCH_FACTOR = 2
# Relative slack on the bounds: float32 impacts round by 6e-8, float64 sums by ~1e-15.
BOUND_MARGIN = 1e-6

# linked() and fresh_verdicts look at a batch's sorted band keys this many at a time (bounds their temporaries).
LINK_BLOCK_KEYS = 1 << 18

SEGMENT_JSON = "segment.json"
TOPICS_JSONL = "topics.jsonl"
TOPICS_OFFSETS = "topics.offsets.npy"
TOPIC_TOTALS = "topic_totals.json"
TOPIC_TERMS = "topic_terms.json"
# topic_totals.json counts only the title terms of at least this share of the segment's titles (its
# "floor" says from which count): a title term of every page ("p12345") made it hold a count per
# source, ~6 ms of a one-edit refresh at 20,000 sources to parse, copy and combine. The topic
# takes terms of TOPIC_TITLE_SHARE (a half) of the titles, so a term under the floor in the big
# segment decides nothing unless the other segments lift it; combine_totals says when they might.
TOPIC_HEAD_SHARE = 1 / 8
# Each unit's words kept and given (the build report's), -1 for none counted: int64 [units, 2].
# Out of topic_totals.json, whose lists of pairs cost a one-edit refresh at 20,000 sources ~3 ms
# to parse and more to free; a refresh reads the rows of the units it touches.
TOPIC_KEPT = "topic_kept.npy"
_SENTENCE_ARRAYS = {
    "doc_unit": np.int32, "sent_unit": np.int32, "sent_pos": np.int32, "sent_doc": np.int32,
    "sent_credit": np.uint64, "sig_exact": np.uint64, "sig_ntok": np.int32, "sig_word_offsets": np.int64,
    "sig_words": np.uint32, "sig_bands": np.uint32, "exact_sorted": np.uint64, "exact_sent": np.int32,
    "band_sorted": np.uint64, "band_sent": np.int32,
}


def prefix(position: int) -> str:
    """File-name prefix of the segment at this position of a generation."""
    return "" if position == 0 else f"s{position}."


# --- sentences: one segment's, or a batch's, with look-ups ------------------------------------


class SentenceArrays:
    """The sentences of a segment or of a batch being built, in corpus order, with sorted keys.

    A class because it is shared state for many look-ups: the arrays (memory-mapped
    for a segment) and which units are live.
    """

    def __init__(self, unit_names: list[str], names: list[str], sent_unit: np.ndarray, sent_pos: np.ndarray,
                 sent_doc: np.ndarray, sig: Signatures, credit: np.ndarray | None,
                 lookups: tuple[np.ndarray, ...] | None = None, known_credit: np.ndarray | None = None) -> None:
        self.unit_names, self.names = unit_names, names
        self.sent_unit, self.sent_pos, self.sent_doc = sent_unit, sent_pos, sent_doc
        # credit: the verdict stored for each sentence (None: none stored, a new batch);
        # known_credit: which of them have one (sentences moved out of a segment do).
        self.sig, self.credit, self.known_credit = sig, credit, known_credit
        self.live_unit = np.ones(len(unit_names), dtype=bool)
        if lookups is not None:
            self.exact_sorted, self.exact_sent, self._band = lookups[0], lookups[1], lookups[2:]
        else:  # the band keys sorted when first asked for: a full build never holds them all (band_runs)
            self.exact_sorted, self.exact_sent = _exact_lookups(sig)
            self._band = None

    @property
    def band_sorted(self) -> np.ndarray:
        return self._band_lookups()[0]

    @property
    def band_sent(self) -> np.ndarray:
        return self._band_lookups()[1]

    def _band_lookups(self) -> tuple[np.ndarray, ...]:
        if self._band is None:
            self._band = _band_lookups(self.sig)
        return self._band

    def live(self, idx: np.ndarray) -> np.ndarray:
        return idx[self.live_unit[self.sent_unit[idx]]]

    def copies(self, exact: int) -> np.ndarray:
        """Live sentences with these words, in corpus order."""
        key = np.uint64(exact)
        lo, hi = np.searchsorted(self.exact_sorted, key, "left"), np.searchsorted(self.exact_sorted, key, "right")
        return self.live(self.exact_sent[lo:hi])

    def band_neighbours(self, bands: np.ndarray) -> np.ndarray:
        """Live sentences sharing one of these band keys (one per band)."""
        keys = _BAND_NUMBERS | bands.astype(np.uint64)
        # Each key's run of equal keys, by one search: it ends where key + 1 would go (the
        # keys are band << 32 | a 32-bit key, far from the top of uint64).
        cuts = np.searchsorted(self.band_sorted, np.concatenate((keys, keys + np.uint64(1)))).tolist()
        runs = [self.band_sent[a:b] for a, b in zip(cuts[:BANDS], cuts[BANDS:]) if b > a]
        if not runs:
            return np.zeros(0, dtype=np.int32)
        return self.live(np.concatenate(runs))

    def order(self, i: int) -> tuple[str, int]:
        return self.unit_names[self.sent_unit[i]], int(self.sent_pos[i])


_BAND_NUMBERS = np.arange(BANDS, dtype=np.uint64) << np.uint64(32)  # a band key's band, in its high bits


def _lookups(sig: Signatures) -> tuple[np.ndarray, ...]:
    """Exact hashes and band keys (band number << 32 | key) sorted, each with its sentence
    (ties in sentence order)."""
    return _exact_lookups(sig) + _band_lookups(sig)


def _exact_lookups(sig: Signatures) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(sig.exact, kind="stable")
    return sig.exact[order], order.astype(np.int32)


def _near_sentences(sig: Signatures) -> np.ndarray:
    """The sentences with band keys (long enough to be near copies)."""
    return np.flatnonzero(sig.ntok >= _near_min())


def band_runs(sig: Signatures) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The band keys (band number << 32 | key) sorted with their sentences (ties in sentence
    order), a band at a time: the consecutive pieces of _lookups's band arrays.

    Each band's keys are sorted packed with their sentence in one uint64 (key << 32 |
    sentence), in place: no argsort, no gathered copies, and a band's worth of numbers (the
    whole arrays, 12 bytes per band key, were 116 MB of a quarter of /usr/share/doc's build).
    """
    near = _near_sentences(sig)
    sentences = near.astype(np.uint64)
    for band in range(BANDS):
        packed = sig.bands[near, band].astype(np.uint64)
        packed <<= np.uint64(32)
        packed |= sentences
        packed.sort()
        sents = packed.astype(np.uint32).view(np.int32)  # the low 32 bits
        packed >>= np.uint64(32)
        packed |= np.uint64(band) << np.uint64(32)
        yield packed, sents


def _band_lookups(sig: Signatures) -> tuple[np.ndarray, np.ndarray]:
    n = len(_near_sentences(sig)) * BANDS
    keys, sents = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.int32)
    at = 0
    for band_keys, band_sents in band_runs(sig):
        keys[at:at + len(band_keys)], sents[at:at + len(band_keys)] = band_keys, band_sents
        at += len(band_keys)
    return keys, sents


def _near_min() -> int:
    return NEAR_DUP_MIN_TOKENS


# A unit's band neighbours are remembered when there are at most this many: a corpus of n near
# copies of one templated record gives each of them n neighbours, and remembering them all held
# n * n numbers (20,000 records: tens of GB). A larger set is looked up again when asked for.
BAND_CACHE_MAX_UNITS = 1000


class LiveSentences(SentenceTable):
    """The live sentences of several parts (segments, then the batch): what `dedupe.resolve` reads.

    A handle is (part number, sentence number). Leaders are cached: resolving asks
    for the same units many times.
    """

    def __init__(self, parts: list[SentenceArrays]) -> None:
        self.parts = parts
        self._leaders: dict[int, tuple[int, int] | None] = {}
        self._shapes: dict[int, tuple[frozenset, frozenset] | None] = {}
        self._bands: dict[int, set[int]] = {}
        # A part every live sentence of which that shares a band key with another unit is in the
        # units resolve was given (resolve_batch: the batch): its neighbours need no look-up.
        self.given_part: int | None = None

    def all_copies(self, exact: int) -> list[tuple[int, int]]:
        """Every live copy of a sentence, in corpus order."""
        out = [(p, int(i)) for p, part in enumerate(self.parts) for i in part.copies(exact)]
        return sorted(out, key=self.order)

    def leader(self, exact: int):
        if exact not in self._leaders:
            best = None
            for p, part in enumerate(self.parts):
                found = part.copies(exact)
                if len(found) and (best is None or part.order(int(found[0])) < self.order(best)):
                    best = (p, int(found[0]))
            self._leaders[exact] = best
        return self._leaders[exact]

    def band_units(self, h) -> set[int]:
        """Units with a live sentence sharing a band key with h (the same for every copy of h: cached)."""
        part, i = self.parts[h[0]], h[1]
        if not part.sig.near(i):
            return set()
        exact = int(part.sig.exact[i])
        out = self._bands.get(exact)
        if out is None:
            out = self._band_units(part.sig.bands[i], self.parts)
            if len(out) <= BAND_CACHE_MAX_UNITS:
                self._bands[exact] = out
        return out

    def outside_band_units(self, h) -> set[int]:
        """band_units(h) from the parts other than given_part (all of them when it is None)."""
        if self.given_part is None:
            return self.band_units(h)
        part, i = self.parts[h[0]], h[1]
        if not part.sig.near(i):
            return set()
        return self._band_units(part.sig.bands[i], [p for n, p in enumerate(self.parts) if n != self.given_part])

    @staticmethod
    def _band_units(bands: np.ndarray, parts: list[SentenceArrays]) -> set[int]:
        out: set[int] = set()
        for other in parts:
            found = other.band_neighbours(bands)
            # Each neighbour once (a near copy shares most of the BANDS keys): a set of the
            # distinct hashes, not of one per band.
            out.update(_sorted_unique(other.sig.exact[found]).tolist())
        return out

    def band_keys(self, h) -> frozenset:
        shape = self._shape(h)
        return shape[1] if shape is not None else frozenset()

    def order(self, h) -> tuple[str, int]:
        return self.parts[h[0]].order(h[1])

    def matches(self, a, b) -> bool:
        """Near match of two sentences (dedupe.near_match), on cached word and band-key sets."""
        shape_a, shape_b = self._shape(a), self._shape(b)
        if shape_a is None or shape_b is None or shape_a[1].isdisjoint(shape_b[1]):
            return False
        return sets_match(shape_a[0], shape_b[0])

    def _shape(self, h) -> tuple[frozenset, frozenset] | None:
        """(word set, band keys as band << 32 | key) of h, None when too short for a near match: the
        same for every copy, cached by exact hash. Sets, not arrays: a corpus of templated records
        compares millions of pairs, and a numpy call on 20 keys cost ten times a set's test."""
        sig = self.parts[h[0]].sig
        exact = int(sig.exact[h[1]])
        if exact in self._shapes:
            return self._shapes[exact]
        shape = None
        if sig.near(h[1]):
            shape = (frozenset(sig.word_set(h[1]).tolist()),
                     frozenset((_BAND_NUMBERS | sig.bands[h[1]].astype(np.uint64)).tolist()))
        self._shapes[exact] = shape
        return shape

    def exact(self, h) -> int:
        return int(self.parts[h[0]].sig.exact[h[1]])

    def stored_credit(self, h) -> int | None:
        part = self.parts[h[0]]
        if part.credit is None or (part.known_credit is not None and not part.known_credit[h[1]]):
            return None
        return int(part.credit[h[1]])

    def name(self, h) -> str:
        part = self.parts[h[0]]
        return part.names[part.sent_doc[h[1]]]


@dataclass
class Verdicts:
    """Resolved units ({exact: (kept, credited exact or None)}) over a LiveSentences."""

    table: LiveSentences
    resolved: dict[int, tuple[bool, int | None]]

    def over(self, parts: list[SentenceArrays]) -> "Verdicts":
        """The same verdicts over the same live sentences held in other parts (moved to a batch).

        What the table learnt of sentences by their words (each one's word set, the units
        sharing a band key with it) holds for the same sentences wherever they are held:
        it goes along; leaders are handles into the parts, so they are looked up again.
        """
        table = LiveSentences(parts)
        table._shapes, table._bands = self.table._shapes, self.table._bands
        return Verdicts(table, self.resolved)

    def unit(self, exact: int) -> tuple[bool, int | None]:
        """A unit's verdict: resolved now, else as stored with its leader (a new unit is kept)."""
        if exact in self.resolved:
            return self.resolved[exact]
        leader = self.table.leader(exact)
        credit = self.table.stored_credit(leader) if leader is not None else None
        return (True, None) if not credit else (False, credit)

    def credit(self, h) -> int:
        """What a sentence stores: 0 if it is kept, else the exact hash of the kept unit credited."""
        exact = self.table.exact(h)
        kept, credited = self.unit(exact)
        if self.table.leader(exact) == h:
            return 0 if kept else credited
        return exact if kept else credited

    def credited_names(self, h) -> list[str]:
        """The names a kept sentence's duplicates cite, in corpus order (its own first)."""
        table = self.table
        exact = table.exact(h)
        dropped = [c for c in table.all_copies(exact) if c != h]
        for other in table.band_units(h) - {exact}:
            if self.unit(other) == (False, exact):
                dropped.extend(table.all_copies(other))
        names = [table.name(h)]
        seen = set(names)  # a set to test them: a boilerplate line can have thousands of copies
        for d in sorted(dropped, key=table.order):
            name = table.name(d)
            if name not in seen:
                seen.add(name)
                names.append(name)
        return names


def linked(table: LiveSentences, batch_no: int) -> np.ndarray:
    """Which batch sentences share their words or a band key with another live sentence
    (of other words): the only ones deduplication has anything to decide about.

    Vectorised: a build of every source asks this of every sentence.
    """
    batch = table.parts[batch_no]
    exact = batch.sig.exact
    n = len(exact)
    out = np.zeros(n, dtype=bool)
    if not n:
        return out
    # Copies: neighbours in the sorted exact hashes.
    same = batch.exact_sorted[1:] == batch.exact_sorted[:-1]
    copied = np.zeros(n, dtype=bool)
    copied[1:] |= same
    copied[:-1] |= same
    out[batch.exact_sent[copied]] = True
    del same, copied
    # Band keys shared by sentences of other words: in blocks of whole key groups, so that
    # the temporaries stay small whatever the batch's size.
    keys, sents = batch.band_sorted, batch.band_sent
    for start, stop in _key_blocks(keys):
        block_sents = sents[start:stop]
        out[block_sents[_mixed(keys[start:stop], exact[block_sents])]] = True
    for p, part in enumerate(table.parts):
        if p == batch_no or not len(part.exact_sorted):
            continue
        for i in np.flatnonzero(_in_sorted(exact, part.exact_sorted) & ~out).tolist():
            out[i] = len(part.copies(int(exact[i]))) > 0
        if len(keys) and len(part.band_sorted):
            for i in np.unique(sents[_in_sorted(keys, part.band_sorted)]).tolist():
                if not out[i]:
                    found = part.band_neighbours(batch.sig.bands[i])
                    out[i] = bool(np.any(part.sig.exact[found] != exact[i]))
    return out


def _key_blocks(keys: np.ndarray, size: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, stop) of blocks of about `size` (LINK_BLOCK_KEYS) sorted keys, each made of whole runs
    of equal keys (so that what is worked out per block stays small whatever the batch's size)."""
    start = 0
    while start < len(keys):
        stop = min(len(keys), start + (size or LINK_BLOCK_KEYS))
        if stop < len(keys):  # end the block where a key's group begins
            stop = int(np.searchsorted(keys, keys[stop], "left"))
            if stop <= start:  # one group longer than a block
                stop = int(np.searchsorted(keys, keys[start], "right"))
        yield start, stop
        start = stop


def _mixed(block: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which entries of a block of sorted keys are in a run of equal keys whose values (exact
    hashes) differ: band keys shared by sentences of other words."""
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    lo, hi = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    return np.repeat(lo != hi, np.diff(np.r_[starts, len(block)]))


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """np.isin for a sorted (memory-mapped) haystack: a binary search per value, no sort of it."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return np.asarray(sorted_values[pos]) == values


def resolve_batch(segments: list[SentenceArrays], batch: SentenceArrays,
                  removed: list[tuple[int, np.ndarray]]) -> tuple[Verdicts, set[tuple[int, int]]]:
    """Verdicts once the batch joins the segments and `removed` (part, sentences) leave them.

    Returns the verdicts and the stored units ((part, unit number), still live) whose
    passages change: a sentence of theirs changes verdict or credit, or the list of
    sources credited to one of their kept sentences changes. Only units linked to the
    changed sentences (same words, or a shared band key) are looked at.
    """
    table = LiveSentences(segments + [batch])
    batch_no = len(segments)
    batch_linked = np.flatnonzero(linked(table, batch_no)).tolist()
    changed_units: set[int] = set(batch.sig.exact[batch_linked].tolist())
    removed_handles = [(p, int(i)) for p, idx in removed for i in idx]
    changed_units.update(table.exact(h) for h in removed_handles)
    initial = set(changed_units)
    representatives = {}  # one sentence per unit: copies have the same band keys and words
    for h in removed_handles + [(batch_no, i) for i in batch_linked]:
        representatives.setdefault(table.exact(h), h)
    table.given_part = batch_no  # every batch sentence with a live band neighbour is in batch_linked
    for h in representatives.values():
        # Units linked by a band key but not matching cannot be affected (most band
        # neighbours of a sentence of common words are not near duplicates). A removed
        # sentence is not live: batch sentences sharing a key with it only are not linked.
        for other in table.outside_band_units(h) if h[0] == batch_no else table.band_units(h):
            if other in initial:  # the batch's linked units are all there already
                continue
            leader = table.leader(other)
            if leader is not None and table.matches(h, leader):
                initial.add(other)

    def kept_before(exact: int) -> bool | None:
        leader = table.leader(exact)
        credit = table.stored_credit(leader) if leader is not None else None
        return None if credit is None else credit == 0

    verdicts = Verdicts(table, resolve(table, sorted(initial), kept_before) if len(initial) else {})
    touched: set[tuple[int, int]] = set()

    def touch_leader(exact: int | None) -> None:
        if exact:
            leader = table.leader(exact)
            if leader is not None and leader[0] != batch_no:
                touched.add((leader[0], int(table.parts[leader[0]].sent_unit[leader[1]])))

    removed_by_exact: dict[int, list] = collections.defaultdict(list)
    for h in removed_handles:
        removed_by_exact[table.exact(h)].append(h)
    crediting_now: dict[int, list] = collections.defaultdict(list)  # leader's exact -> batch copies crediting it
    for exact in set(verdicts.resolved) | changed_units:
        for h in _copies_that_may_change(verdicts, exact, batch_no, removed_by_exact.get(exact, ())):
            new = verdicts.credit(h)
            old = table.stored_credit(h)
            if h[0] == batch_no:
                if new:
                    crediting_now[new].append(h)
            elif new != old:
                touched.add((h[0], int(table.parts[h[0]].sent_unit[h[1]])))
                touch_leader(new)
                touch_leader(old)
    crediting_before: dict[int, list] = collections.defaultdict(list)  # the same, of the removed sentences
    for h in removed_handles:
        credit = table.stored_credit(h)
        if credit:
            crediting_before[credit].append(h)
    # A kept sentence's passage lists the names of the sentences crediting it. A changed source
    # leaves with all its sentences and comes back whole in the batch: when its sentences credit
    # the same leaders under the same names, in the same order, those lists do not change (a
    # boilerplate line's leader, cited by thousands, is not rebuilt for every edit of a page).
    for credit in crediting_now.keys() | crediting_before.keys():
        if _citing(table, crediting_now.get(credit, ())) != _citing(table, crediting_before.get(credit, ())):
            touch_leader(credit)
    return verdicts, touched


def _citing(table: LiveSentences, handles) -> list[tuple[str, str]]:
    """(unit name, name cited) of these sentences, in corpus order."""
    return [(table.order(h)[0], table.name(h)) for h in sorted(handles, key=table.order)]


def _copies_that_may_change(verdicts: Verdicts, exact: int, batch_no: int, removed: Sequence) -> list:
    """The live copies of a sentence whose credit may differ from the one stored: all of them if its
    verdict changed; else the batch's, the leader now and the leader before (the removed copies
    taken into account), as every other copy stores what the verdict says of a copy that leads not.
    A boilerplate line has thousands of copies: a refresh visits the few that can move."""
    table = verdicts.table
    stored = [(p, int(found[0])) for p, part in enumerate(table.parts)
              if p != batch_no and len(found := part.copies(exact))]
    before = min(stored + list(removed), key=table.order, default=None)
    if before is None or table.stored_credit(before) is None:
        return table.all_copies(exact)
    credit = table.stored_credit(before)
    if verdicts.unit(exact) != ((True, None) if credit == 0 else (False, credit)):
        return table.all_copies(exact)
    batch = table.parts[batch_no]
    out = {(batch_no, int(i)) for i in batch.copies(exact)}
    out.update(h for h in (table.leader(exact), before) if h is not None and h not in removed)
    return sorted(out, key=table.order)


def batch_verdicts(verdicts: Verdicts, batch_no: int, n: int) -> tuple[np.ndarray, dict[int, list[str] | None]]:
    """Per batch sentence its stored credit, and assemble's verdicts: {position: None if
    dropped, else the names credited (own first)} for sentences with duplicates."""
    table = verdicts.table
    credits = np.zeros(n, dtype=np.uint64)
    out: dict[int, list[str] | None] = {}
    # Most sentences have no copy and no near duplicate: kept, nothing to credit.
    for i in np.flatnonzero(linked(table, batch_no)).tolist():
        h = (batch_no, i)
        credit = verdicts.credit(h)
        credits[i] = credit
        if credit:
            out[i] = None
        else:
            names = verdicts.credited_names(h)
            if len(names) > 1:
                out[i] = names
    return credits, out


# Word sets of units remembered while fresh_verdicts compares them (a kept unit is compared with
# every later unit sharing a band key with it); past it the memory starts over, and a set is made
# again from the signatures. A frozenset of 15 words costs about 1.5 KB.
WORD_SET_CACHE_UNITS = 20_000


def fresh_verdicts(batch: SentenceArrays) -> tuple[np.ndarray, dict[int, list[str] | None]]:
    """batch_verdicts(resolve_batch([], batch, [])[0], 0, n): the verdicts of a batch that is the
    whole index (a full build), worked out on the batch's arrays.

    With nothing stored and nothing removed, resolve's rule reads: the units (the copies of a
    sentence), in the order of their leaders, are each kept unless the leader of an earlier kept
    unit sharing a band key with it matches it (dedupe.near_match), and are then credited to the
    earliest one. Only band keys that two units share can link them: they are found by sorting,
    and each unit is compared with the kept units of its shared keys, as resolve does. Nothing is
    held per sentence or per key but numbers in arrays: LiveSentences, which serves a refresh,
    keeps a word set and a set of band keys per unit it looks at and the units sharing keys with
    each, 1.1 GB for the 580k sentences of a quarter of /usr/share/doc (copyright files and
    changelogs: 181k units with copies or near copies).
    """
    sig = batch.sig
    n = len(sig.exact)
    if not n:
        return np.zeros(0, dtype=np.uint64), {}
    # Units: the runs of equal exact hashes (their sentences in corpus order, a stable sort),
    # numbered in the order of their leaders, as resolve takes them.
    run_starts = np.flatnonzero(np.r_[True, batch.exact_sorted[1:] != batch.exact_sorted[:-1]])
    run_leaders = batch.exact_sent[run_starts]
    by_leader = np.argsort(run_leaders)
    leaders = run_leaders[by_leader]  # unit -> its leader
    number = np.empty(len(run_starts), dtype=np.int32)
    number[by_leader] = np.arange(len(run_starts), dtype=np.int32)
    unit_of = np.empty(n, dtype=np.int32)
    unit_of[batch.exact_sent] = np.repeat(number, np.diff(np.r_[run_starts, n]))
    del run_starts, run_leaders, by_leader, number
    credit_of = _fresh_credits(batch, leaders, unit_of)
    # Each sentence counts for its unit if kept, else for the unit credited; it stores 0 if it
    # leads a kept unit, else the exact hash of the unit it counts for (Verdicts.credit).
    target = np.arange(len(leaders), dtype=np.int32)
    kept = np.ones(len(leaders), dtype=bool)
    if credit_of:
        dropped_units = np.fromiter(credit_of, dtype=np.int32, count=len(credit_of))
        target[dropped_units] = np.fromiter(credit_of.values(), dtype=np.int32, count=len(credit_of))
        kept[dropped_units] = False
    del credit_of
    sent_target = target[unit_of]
    del target, unit_of
    credits = sig.exact[leaders[sent_target]]
    credits[leaders[kept]] = 0
    dropped = np.flatnonzero(credits)
    out: dict[int, list[str] | None] = dict.fromkeys(dropped.tolist())
    # A kept leader's passage cites the names of the sentences counting for it, in corpus order
    # (its own first): each (leader, name) pair by its first sentence.
    owner = leaders[sent_target[dropped]]
    del sent_target
    doc, own_doc = batch.sent_doc[dropped], batch.sent_doc[owner]
    other = doc != own_doc
    owner, doc, first = owner[other], doc[other], dropped[other]
    order = np.lexsort((first, doc, owner))
    owner, doc, first = owner[order], doc[order], first[order]
    new = np.ones(len(owner), dtype=bool)
    new[1:] = (owner[1:] != owner[:-1]) | (doc[1:] != doc[:-1])
    owner, doc, first = owner[new], doc[new], first[new]
    order = np.lexsort((first, owner))
    owner, doc = owner[order].tolist(), doc[order].tolist()
    names = batch.names
    for leader, group in itertools.groupby(range(len(owner)), key=owner.__getitem__):
        out[leader] = [names[batch.sent_doc[leader]]] + [names[doc[j]] for j in group]
    return credits, out


def _fresh_credits(batch: SentenceArrays, leaders: np.ndarray, unit_of: np.ndarray) -> dict[int, int]:
    """{unit dropped: unit credited} of fresh_verdicts (units numbered in their leaders' order)."""
    sig = batch.sig
    is_leader = np.zeros(len(unit_of), dtype=bool)
    is_leader[leaders] = True
    # The band keys two units share: per key, its units (their leaders, one entry per unit, in
    # order); group numbers count the shared keys.
    group_parts, member_parts, groups = [], [], 0
    for keys, sents, start, stop in ((k, s, a, b) for k, s in band_runs(sig) for a, b in _key_blocks(k)):
        block, block_sents = keys[start:stop], sents[start:stop]
        take = _mixed(block, sig.exact[block_sents])
        take &= is_leader[block_sents]
        if not take.any():
            continue
        taken = block[take]
        new_group = np.r_[True, taken[1:] != taken[:-1]]
        group_parts.append(np.cumsum(new_group, dtype=np.int64) - 1 + groups)
        groups += int(np.count_nonzero(new_group))
        member_parts.append(unit_of[block_sents[take]])
    del is_leader
    if not groups:
        return {}
    members = np.concatenate(member_parts)
    by_unit = np.argsort(members, kind="stable")
    entry_unit, entry_group = members[by_unit], np.concatenate(group_parts)[by_unit]
    del members, by_unit, group_parts, member_parts
    word_offsets, words = sig.word_offsets, sig.words
    cached: dict[int, frozenset] = {}

    def word_set(unit: int) -> frozenset:
        found = cached.get(unit)
        if found is None:
            if len(cached) >= WORD_SET_CACHE_UNITS:
                cached.clear()
            leader = int(leaders[unit])
            found = cached[unit] = frozenset(words[word_offsets[leader]:word_offsets[leader + 1]].tolist())
        return found

    kept_in: dict[int, list[int]] = {}  # shared key -> the units kept so far that hold it, in order
    credit_of: dict[int, int] = {}
    for unit, unit_groups in _unit_entries(entry_unit, entry_group):
        candidates = set()
        for group in unit_groups:
            candidates.update(kept_in.get(group, ()))
        own = word_set(unit) if candidates else None
        for other in sorted(candidates):
            if sets_match(own, word_set(other)):
                credit_of[unit] = other
                break
        else:
            for group in unit_groups:
                kept_in.setdefault(group, []).append(unit)
    return credit_of


# Shared-key entries turned into Python numbers at a time in _fresh_credits (whole units): every
# entry of a quarter of /usr/share/doc at once was 49 MB of lists and ints at the dedupe's peak.
ENTRY_BLOCK = 1 << 15


def _unit_entries(entry_unit: np.ndarray, entry_group: np.ndarray) -> Iterator[tuple[int, list[int]]]:
    """(unit, its groups) for each unit of entries sorted by unit, a block of entries at a time."""
    for start, stop in _key_blocks(entry_unit, ENTRY_BLOCK):
        units, groups = entry_unit[start:stop].tolist(), entry_group[start:stop].tolist()
        at = 0
        while at < len(units):
            unit, end = units[at], at + 1
            while end < len(units) and units[end] == unit:
                end += 1
            yield unit, groups[at:end]
            at = end


def sets_match(words_a: frozenset, words_b: frozenset) -> bool:
    """Whether two sentences' word sets overlap by NEAR_DUP_JACCARD (of near-match length, sharing a band key)."""
    if min(len(words_a), len(words_b)) < NEAR_DUP_JACCARD * max(len(words_a), len(words_b)):
        return False
    inter = len(words_a & words_b)
    return inter >= NEAR_DUP_JACCARD * (len(words_a) + len(words_b) - inter)


# --- a segment in memory, written, opened -------------------------------------------------------


@dataclass
class SegmentData:
    """A segment about to be written (a batch, or a merge of segments)."""

    index: BM25Index
    passages: bytes | bytearray | BinaryIO  # JSON lines in passage-id order (= doc order), or a file of them
    passage_offsets: np.ndarray  # int64 [n_docs + 1]: where each line starts, and the end
    doc_unit: np.ndarray
    unit_names: list[str]
    unit_topics: list[dict]  # per unit: {"titles": [title terms], "acronyms": [[long terms, acronym terms]]}
    names: list[str]
    sent_unit: np.ndarray
    sent_pos: np.ndarray
    sent_doc: np.ndarray
    sent_credit: np.ndarray
    sig: Signatures | None  # None: its files are spilled
    spilled: tuple[BinaryIO, dict] | None = None  # spill_sentences's file and {name: (offset, size)}

    @property
    def n_docs(self) -> int:
        return len(self.passage_offsets) - 1

    def write(self, directory: Path, prefix: str) -> None:
        """Write every file of the segment under `prefix`; same segment, same bytes."""
        self.index.save(directory, prefix)
        with open(directory / f"{prefix}passages.jsonl", "wb") as handle:
            if isinstance(self.passages, (bytes, bytearray)):
                handle.write(self.passages)
            else:  # the file they were written to as they were made
                self.passages.seek(0)
                shutil.copyfileobj(self.passages, handle, 1 << 20)
        np.save(directory / f"{prefix}passages.offsets.npy", np.asarray(self.passage_offsets, dtype=np.int64),
                allow_pickle=False)
        # The names passages cite are the units' for pages (one source, one name): then only the
        # units are written, and read as both (a refresh parses the big segment's at 20,000 sources).
        meta = {"units": self.unit_names} if self.names == self.unit_names else {"units": self.unit_names,
                                                                                 "names": self.names}
        (directory / f"{prefix}{SEGMENT_JSON}").write_text(
            json.dumps(meta, ensure_ascii=False, sort_keys=True), encoding="utf-8", errors="surrogateescape")
        lines = [json.dumps(topic, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogateescape") + b"\n"
                 for topic in self.unit_topics]
        offsets = np.zeros(len(lines) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)), out=offsets[1:])
        (directory / f"{prefix}{TOPICS_JSONL}").write_bytes(b"".join(lines))
        np.save(directory / f"{prefix}{TOPICS_OFFSETS}", offsets, allow_pickle=False)
        totals = topic_totals(self.unit_topics)
        np.save(directory / f"{prefix}{TOPIC_KEPT}", kept_to_array(totals.pop("kept")), allow_pickle=False)
        (directory / f"{prefix}{TOPIC_TERMS}").write_text(
            json.dumps(totals["title_terms"], ensure_ascii=False, sort_keys=True), encoding="utf-8",
            errors="surrogateescape")
        (directory / f"{prefix}{TOPIC_TOTALS}").write_text(
            json.dumps(totals_head(totals), ensure_ascii=False, sort_keys=True), encoding="utf-8",
            errors="surrogateescape")
        arrays = {"doc_unit": self.doc_unit, "sent_unit": self.sent_unit, "sent_pos": self.sent_pos,
                  "sent_doc": self.sent_doc, "sent_credit": self.sent_credit}
        if self.spilled:  # the signature and sorted-key files, written when the verdicts were known
            spill, where = self.spilled
            for name, (offset, size) in where.items():
                with open(directory / f"{prefix}{name}.npy", "wb") as handle:
                    _copy_range(spill, offset, size, handle)
        else:
            arrays.update(_key_arrays(self.sig, _exact_lookups(self.sig)))
        for name, values in arrays.items():
            np.save(directory / f"{prefix}{name}.npy", np.ascontiguousarray(values, dtype=_SENTENCE_ARRAYS[name]),
                    allow_pickle=False)
        if not self.spilled:
            _save_band_lookups(directory, prefix, self.sig)

    def files(self, prefix: str) -> list[str]:
        return segment_files(prefix)


def _copy_range(source: BinaryIO, offset: int, size: int, target: BinaryIO) -> None:
    source.seek(offset)
    while size > 0:
        chunk = source.read(min(size, 1 << 20))
        if not chunk:
            raise OSError("a spilled file ended early")
        target.write(chunk)
        size -= len(chunk)


_SPILLED = ("sig_exact", "sig_ntok", "sig_word_offsets", "sig_words", "sig_bands", "exact_sorted", "exact_sent")
_BAND_FILES = ("band_sorted", "band_sent")


def _key_arrays(sig: Signatures, exact_lookups: tuple[np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    """The signature and exact-key arrays of a segment's files (_SPILLED), by name."""
    return dict(zip(_SPILLED, (sig.exact, sig.ntok, sig.word_offsets, sig.words, sig.bands) + tuple(exact_lookups)))


def spill_sentences(sig: Signatures, exact_lookups: tuple[np.ndarray, np.ndarray], handle: BinaryIO) -> dict:
    """Write into `handle` the bytes of a batch's signature and sorted-key files (as
    SegmentData.write writes them; the band keys sorted a band at a time) and return {name:
    (offset, size)}: a build makes the passages and their index without them in memory
    (the signatures and their band keys were 190 MB of a quarter of /usr/share/doc's peak)."""
    where = {}
    at = 0
    for name, values in _key_arrays(sig, exact_lookups).items():
        handle.seek(at)
        np.save(handle, np.ascontiguousarray(values, dtype=_SENTENCE_ARRAYS[name]), allow_pickle=False)
        where[name] = (at, handle.tell() - at)
        at = handle.tell()
    n = len(_near_sentences(sig)) * BANDS
    starts = [at, at + len(_npy_header(_BAND_FILES[0], n)) + n * np.dtype(_SENTENCE_ARRAYS[_BAND_FILES[0]]).itemsize]
    ends = _write_band_lookups(sig, [(handle, start) for start in starts])
    where.update((name, (start, end - start)) for name, start, end in zip(_BAND_FILES, starts, ends))
    handle.flush()
    return where


def _save_band_lookups(directory: Path, prefix: str, sig: Signatures) -> None:
    """Write band_sorted.npy and band_sent.npy (what np.save writes of _band_lookups), a band
    at a time: the whole arrays are never in memory."""
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(open(directory / f"{prefix}{name}.npy", "wb")) for name in _BAND_FILES]
        _write_band_lookups(sig, [(handle, 0) for handle in files])


def _npy_header(name: str, n: int) -> bytes:
    """The header np.save writes before n values of the segment file `name`."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": np.lib.format.dtype_to_descr(
        np.dtype(_SENTENCE_ARRAYS[name])), "fortran_order": False, "shape": (n,)})
    return head.getvalue()


def _write_band_lookups(sig: Signatures, targets: list[tuple[BinaryIO, int]]) -> list[int]:
    """Write band_sorted and band_sent (each a .npy file's bytes: _band_lookups's arrays) into
    their (file, offset) of `targets`, a band at a time (band_runs); returns where each ends."""
    n = len(_near_sentences(sig)) * BANDS
    ends = []
    for (handle, start), name in zip(targets, _BAND_FILES):
        header = _npy_header(name, n)
        handle.seek(start)
        handle.write(header)
        ends.append(start + len(header))
    for run in band_runs(sig):
        for i, ((handle, _), name, values) in enumerate(zip(targets, _BAND_FILES, run)):
            data = values.astype(_SENTENCE_ARRAYS[name], copy=False).tobytes()
            handle.seek(ends[i])
            handle.write(data)
            ends[i] += len(data)
    return ends


def segment_files(prefix: str) -> list[str]:
    """Names of every file of the segment with this prefix."""
    from .index import _ARRAYS, META_NAME

    names = [META_NAME, "passages.jsonl", "passages.offsets.npy", SEGMENT_JSON, TOPICS_JSONL, TOPICS_OFFSETS,
             TOPIC_TOTALS, TOPIC_TERMS, TOPIC_KEPT]
    names += [f"{n}.npy" for n in _ARRAYS] + [f"{n}.npy" for n in _SENTENCE_ARRAYS]
    return [prefix + n for n in names]


class StoredSegment:
    """An opened segment of a generation, for a build: its sentences and units.

    State is real: memory-mapped arrays and the unit table.
    """

    def __init__(self, generation: Path, prefix: str, info: dict) -> None:
        self.generation, self.prefix, self.info = generation, prefix, info
        meta = json.loads((generation / f"{prefix}{SEGMENT_JSON}").read_text(encoding="utf-8", errors="surrogateescape"))
        self.unit_names: list[str] = meta["units"]
        self.names: list[str] = meta.get("names", self.unit_names)  # absent: the units' (SegmentData.write)
        self.totals: dict = json.loads((generation / f"{prefix}{TOPIC_TOTALS}").read_text(
            encoding="utf-8", errors="surrogateescape"))
        self._topic_offsets = np.load(generation / f"{prefix}{TOPICS_OFFSETS}", allow_pickle=False)
        self.kept_rows = np.load(generation / f"{prefix}{TOPIC_KEPT}", mmap_mode="r",
                                 allow_pickle=False).view(np.ndarray)
        self._topics: list[dict] | None = None
        # Plain ndarray views of the maps: element reads on np.memmap objects are several times slower.
        a = {name: np.load(generation / f"{prefix}{name}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
             for name in _SENTENCE_ARRAYS}
        self.arrays = a
        sig = Signatures(a["sig_exact"], a["sig_ntok"], a["sig_word_offsets"], a["sig_words"],
                         a["sig_bands"].reshape(-1, BANDS))
        self.sentences = SentenceArrays(self.unit_names, self.names, a["sent_unit"], a["sent_pos"], a["sent_doc"],
                                        sig, a["sent_credit"],
                                        (a["exact_sorted"], a["exact_sent"], a["band_sorted"], a["band_sent"]))
        self.deleted: set[int] = set(info.get("deleted", []))
        for u in self.deleted:
            self.sentences.live_unit[u] = False
        if not (len(self.unit_names) == len(self._topic_offsets) - 1 == len(self.kept_rows)
                and self.kept_rows.shape[1:] == (2,) and self.kept_rows.dtype == np.int64
                and len(sig.exact) == len(a["sent_unit"])):
            raise IndexFormatError(f"segment {prefix or '0'} of {generation} is inconsistent")
        # Units are in name order (a build sorts its batch, a merge its units): a refresh finds a
        # source's unit by a binary search. Checked by a C loop, as a crafted segment may not be.
        if not strictly_sorted(self.unit_names):
            raise IndexFormatError(f"segment {prefix or '0'} of {generation} does not list its units in name order")

    @property
    def topics(self) -> list[dict]:
        """Every unit's topic (a merge reads them all; a refresh reads topic() of the few it needs)."""
        if self._topics is None:
            with open(self.generation / f"{self.prefix}{TOPICS_JSONL}", "rb") as handle:
                self._topics = [json.loads(line) for line in handle.read().splitlines()]
        return self._topics

    def topic(self, unit: int) -> dict:
        """One unit's topic, its line read alone."""
        if self._topics is not None:
            return self._topics[unit]
        lo, hi = int(self._topic_offsets[unit]), int(self._topic_offsets[unit + 1])
        with open(self.generation / f"{self.prefix}{TOPICS_JSONL}", "rb") as handle:
            handle.seek(lo)
            return json.loads(handle.read(hi - lo))

    def kept(self, unit: int) -> list | None:
        """Words kept and given of a unit's source (None: not counted)."""
        row = self.kept_rows[unit].tolist()
        return None if row[0] < 0 else row

    def live_totals(self, whole: bool = False) -> dict:
        """topic_totals of the live units: the segment's, less its deleted units' lines; their title
        terms those of its head (totals_head), or with whole=True every one."""
        totals = self.totals
        if whole and totals.get("floor"):
            terms = json.loads((self.generation / f"{self.prefix}{TOPIC_TERMS}").read_text(
                encoding="utf-8", errors="surrogateescape"))
            totals = {**totals, "title_terms": terms, "floor": 0}
        if not self.deleted:
            return totals
        return subtract_totals(totals, [(u, self.topic(u)) for u in sorted(self.deleted)])

    def unit_sentences(self, unit: int) -> np.ndarray:
        """A unit's sentences (contiguous: sentences are in corpus order)."""
        sent_unit = self.arrays["sent_unit"]
        lo, hi = np.searchsorted(sent_unit, unit, "left"), np.searchsorted(sent_unit, unit, "right")
        return np.arange(lo, hi)

    def live_units(self) -> list[int]:
        return [u for u in range(len(self.unit_names)) if u not in self.deleted]

    def live_names(self) -> list[str]:
        """The names of the live units, in order (C loops)."""
        if not self.deleted:
            return self.unit_names
        return list(itertools.compress(self.unit_names, self.sentences.live_unit.tolist()))

    def unit(self, name: str) -> int | None:
        """The unit named `name` (deleted or not), or None."""
        u = bisect.bisect_left(self.unit_names, name)
        return u if u < len(self.unit_names) and self.unit_names[u] == name else None

    def delete(self, unit: int) -> None:
        """Mark a unit deleted (in memory: the next generation's manifest records it)."""
        self.deleted.add(unit)
        self.sentences.live_unit[unit] = False
        self.sentences_changed = True

    def current_info(self) -> dict:
        """The manifest entry of this segment with its deletions as they are now."""
        if set(self.info.get("deleted", [])) == self.deleted:
            return self.info
        index = BM25Index.load(self.generation, check_bounds=False, prefix=self.prefix)
        return segment_info(index.n_docs, index._doc_lengths, np.asarray(self.arrays["doc_unit"]),
                            len(self.unit_names), self.deleted)


def segment_info(data_docs: int, lengths: np.ndarray, doc_unit: np.ndarray, n_units: int,
                 deleted: set[int]) -> dict:
    """The manifest entry of a segment: sizes and deleted units, with live totals for the statistics."""
    dead = np.isin(doc_unit, np.fromiter(deleted, dtype=np.int32, count=len(deleted))) if deleted else None
    live_lengths = lengths if dead is None else lengths[~dead]
    return {"units": n_units, "docs": data_docs, "deleted": sorted(deleted),
            "live_docs": int(len(live_lengths)), "live_tokens": int(live_lengths.astype(np.int64).sum())}


# --- merging ------------------------------------------------------------------------------------


def merge(parts: list[tuple[Path, str, dict]], params: BM25Params) -> SegmentData:
    """One segment holding the live units of several, as a fresh build of them would write it."""
    units: list[tuple[str, int, int]] = []  # (name, part, unit number)
    opened = []
    for p, (generation, seg_prefix, info) in enumerate(parts):
        stored = StoredSegment(generation, seg_prefix, info)
        index = BM25Index.load(generation, check_bounds=True, prefix=seg_prefix)
        offsets = np.load(generation / f"{seg_prefix}passages.offsets.npy", allow_pickle=False)
        with open(generation / f"{seg_prefix}passages.jsonl", "rb") as handle:
            blob = handle.read()
        opened.append((stored, index, offsets, blob))
        units.extend((stored.unit_names[u], p, u) for u in stored.live_units())
    units.sort()
    unit_number = {(p, u): n for n, (_, p, u) in enumerate(units)}

    # Passages: every live one, in passage-id order.
    docs = []  # (passage id, part, local doc)
    for p, (stored, index, offsets, blob) in enumerate(opened):
        doc_unit = np.asarray(stored.arrays["doc_unit"])
        for d in range(index.n_docs):
            if int(doc_unit[d]) not in stored.deleted:
                line = blob[offsets[d]:offsets[d + 1]]
                docs.append((json.loads(line)["passage_id"], p, d))
    docs.sort()
    new_doc = [dict() for _ in opened]
    for n, (_, p, d) in enumerate(docs):
        new_doc[p][d] = n

    # Postings: terms by string, remapped to the merged vocabulary of live terms.
    term_lists, post = [], []
    for p, (stored, index, offsets, blob) in enumerate(opened):
        n_terms = len(index._term_offsets) - 1
        raw = index._term_bytes.tobytes()
        offs = index._term_offsets
        terms = [raw[offs[t]:offs[t + 1]].decode("utf-8", "surrogatepass") for t in range(n_terms)]
        term_of = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(index._post_offsets))
        mapping = np.full(index.n_docs, -1, dtype=np.int64)
        for d, n in new_doc[p].items():
            mapping[d] = n
        docs_new = mapping[index._post_docs]
        keep = docs_new >= 0
        term_lists.append(terms)
        post.append((p, term_of[keep], docs_new[keep], index._post_tfs[keep]))
    vocab = sorted({terms[t] for (p, term_of, _, _), terms in zip(post, term_lists) for t in np.unique(term_of).tolist()})
    number = {t: i for i, t in enumerate(vocab)}
    all_terms, all_docs, all_tfs = [], [], []
    for (p, term_of, docs_new, tfs), terms in zip(post, term_lists):
        remap = np.array([number.get(t, -1) for t in terms], dtype=np.int64)
        all_terms.append(remap[term_of])
        all_docs.append(docs_new)
        all_tfs.append(tfs)
    post_terms = np.concatenate(all_terms) if all_terms else np.zeros(0, dtype=np.int64)
    post_docs = np.concatenate(all_docs) if all_docs else np.zeros(0, dtype=np.int64)
    post_tfs = np.concatenate(all_tfs) if all_tfs else np.zeros(0, dtype=np.int32)
    order = np.lexsort((post_docs, post_terms))
    lengths = np.zeros(len(docs), dtype=np.int64)
    for (_, p, d), n in zip(docs, range(len(docs))):
        lengths[n] = int(opened[p][1]._doc_lengths[d])
    index = BM25Index.from_postings(vocab, post_terms[order].astype(np.int32), post_docs[order].astype(np.int32),
                                    post_tfs[order].astype(np.float64), lengths, params)
    lines = [opened[p][3][opened[p][2][d]:opened[p][2][d + 1]] for _, p, d in docs]
    line_offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)), out=line_offsets[1:])
    lines = b"".join(lines)
    doc_unit = np.array([unit_number[(p, int(opened[p][0].arrays["doc_unit"][d]))] for _, p, d in docs], dtype=np.int32)

    # Sentences: unit by unit in name order, each unit's in position order.
    names: list[str] = []
    name_no: dict[str, int] = {}
    sent_unit, sent_pos, sent_doc, sent_credit, sigs = [], [], [], [], []
    for n, (_, p, u) in enumerate(units):
        stored = opened[p][0]
        idx = stored.unit_sentences(u)
        a = stored.arrays
        sent_unit.append(np.full(len(idx), n, dtype=np.int32))
        sent_pos.append(np.asarray(a["sent_pos"][idx]))
        docs_of = [name_no.setdefault(stored.names[int(x)], len(name_no)) for x in a["sent_doc"][idx]]
        sent_doc.append(np.array(docs_of, dtype=np.int32))
        sent_credit.append(np.asarray(a["sent_credit"][idx]))
        sigs.append(_sub_signatures(stored.sentences.sig, idx))
    names = list(name_no)
    cat = (lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dtype=dt))
    return SegmentData(
        index=index, passages=lines, passage_offsets=line_offsets, doc_unit=doc_unit, unit_names=[u[0] for u in units],
        unit_topics=[opened[p][0].topics[u] for _, p, u in units], names=names,
        sent_unit=cat(sent_unit, np.int32), sent_pos=cat(sent_pos, np.int32), sent_doc=cat(sent_doc, np.int32),
        sent_credit=cat(sent_credit, np.uint64), sig=concat_signatures(sigs))


def _sub_signatures(sig: Signatures, idx: np.ndarray) -> Signatures:
    starts, ends = sig.word_offsets[idx], sig.word_offsets[idx + 1]
    offsets = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(ends - starts, out=offsets[1:])
    words = np.concatenate([sig.words[a:b] for a, b in zip(starts.tolist(), ends.tolist())]) if len(idx) else \
        np.zeros(0, dtype=np.uint32)
    return Signatures(np.asarray(sig.exact[idx]), np.asarray(sig.ntok[idx]), offsets, words.astype(np.uint32),
                      np.asarray(sig.bands[idx]).reshape(-1, BANDS))


def merge_plan(infos: list[dict]) -> list[list[int]]:
    """Groups of segment positions to merge (see the module docstring); [] to keep them all."""
    live = [i["live_docs"] for i in infos]
    if (len(infos) > 1 or any(i["deleted"] for i in infos)) and sum(live) <= MERGE_ALL_BELOW:
        return [list(range(len(infos)))]
    tiers: dict[int, list[int]] = {}
    expunge = []
    for pos, info in enumerate(infos):
        if info["docs"] and info["live_docs"] < (1 - MAX_DELETED_SHARE) * info["docs"]:
            expunge.append(pos)
            continue
        tier = int(math.log(max(info["live_docs"], 1), MERGE_FACTOR))
        tiers.setdefault(tier, []).append(pos)
    groups = [members for members in tiers.values() if len(members) >= MERGE_FACTOR]
    if expunge:
        groups.append(expunge)
    return [sorted(g) for g in groups]


# --- query time: several segments searched as one index ------------------------------------



def _contributions(tf: np.ndarray, norm: np.ndarray, k1: float, idf: float, count: float) -> np.ndarray:
    """One query term's BM25 scores of some postings: tf (k1 + 1) / (tf + norm) idf, rounded
    through float32 as the stored impacts are, times the term's count in the query. norm is
    a fresh array (the docs' k1 (1 - b + b len / avgdl)); it is reused for the result."""
    tf = tf.astype(np.float64)
    norm += tf
    tf *= k1 + 1.0
    tf /= norm
    tf *= idf
    contrib = tf.astype(np.float32).astype(np.float64)
    if count != 1:
        contrib *= count
    return contrib

class SegmentedIndex:
    """Segments with deletions searched as one BM25 index: statistics summed over the
    live passages of every segment, impacts recomputed from term frequencies.

    Doc numbers are the segments' docs one after another (deleted ones included, never
    returned); n_docs is the number of live passages, as in a fresh build. The
    interface is BM25Index's: n_docs, df, cf, scores, search.

    search() does not score every posting of a big segment. A segment's stored impacts
    bound the collection's: with m = min(1, segment avgdl / collection avgdl), a
    posting's impact under the collection's statistics is at most its stored impact
    times idf(collection) / idf(segment) / m (the length norm shrinks by at most m).
    So the segment's own engine (MaxScore over stored impacts), asked the query as it
    is, lists its docs by a score that, times the largest of those factors, bounds
    their real scores: candidates are fetched in that order and scored exactly until
    the bound of the last one fetched falls below the k-th best exact score found.
    """

    def __init__(self, segments: list[BM25Index], dead: list[np.ndarray | None], infos: list[dict],
                 doc_key) -> None:
        self.segments, self.dead = segments, dead
        self.params = segments[0].params
        self.n_docs = sum(int(i["live_docs"]) for i in infos)
        n_tokens = sum(int(i["live_tokens"]) for i in infos)
        self.avgdl = n_tokens / self.n_docs if self.n_docs else 0.0
        self.bases = np.cumsum([0] + [s.n_docs for s in segments]).tolist()
        self.total_docs = self.bases[-1]
        self._doc_key = doc_key  # global doc -> passage id, to break ties as a fresh build does
        self._norms: list[np.ndarray | None] = [None] * len(segments)
        # term -> (live df, its number in each segment): the generation never changes, and a
        # question asks df of its terms before searching them.
        self._terms: dict[str, tuple[int, list[int]]] = {}

    def _term(self, term: str) -> tuple[int, list[int]]:
        """(live document frequency, term number in each segment or -1) of a term."""
        found = self._terms.get(term)
        if found is None:
            numbers, df = [], 0
            for seg, index in enumerate(self.segments):
                term_no = index._term_number(term)
                numbers.append(term_no)
                if term_no >= 0:
                    start, end = index._span(term_no)
                    df += end - start
                    if self.dead[seg] is not None:
                        df -= int(np.count_nonzero(self.dead[seg][index._post_docs[start:end]]))
            found = self._terms[term] = (df, numbers)
        return found

    def _postings(self, seg: int, term: str) -> tuple[np.ndarray, np.ndarray]:
        index = self.segments[seg]
        term_no = index._term_number(term)
        if term_no < 0:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        start, end = index._span(term_no)
        docs, tfs = index._post_docs[start:end], index._post_tfs[start:end]
        dead = self.dead[seg]
        if dead is not None:
            alive = ~dead[docs]
            docs, tfs = docs[alive], tfs[alive]
        return docs, tfs

    def df(self, term: str) -> int:
        return self._term(term)[0]

    def cf(self, term: str) -> int:
        return sum(int(self._postings(s, term)[1].astype(np.int64).sum()) for s in range(len(self.segments)))

    def _norm(self, seg: int) -> np.ndarray:
        """k1 * (1 - b + b * dl / avgdl) per doc of a segment, as index.py's build computes it."""
        if self._norms[seg] is None:
            k1, b = self.params.k1, self.params.b
            lengths = self.segments[seg]._doc_lengths.astype(np.int64)
            if self.avgdl > 0:
                self._norms[seg] = k1 * (1.0 - b + b * (lengths / self.avgdl))
            else:
                self._norms[seg] = np.full(len(lengths), k1 * (1.0 - b))
        return self._norms[seg]

    def _query(self, query_tokens: Sequence[QueryToken]) -> list[tuple[str, float, float]]:
        """(term, summed weight, collection idf) of the query terms found, in term order
        (the term-number order of a fresh build: its vocabulary is sorted)."""
        counts: dict[str, float] = {}
        for token in query_tokens:
            term, weight = (token, 1.0) if isinstance(token, str) else token
            if weight > 0:
                counts[term] = counts.get(term, 0.0) + float(weight)
        out = []
        for term in sorted(counts):
            df = self._term(term)[0]
            if df:
                out.append((term, counts[term], float(_idf(self.n_docs, np.array([df], dtype=np.float64),
                                                           self.params.idf)[0])))
        return out

    def _query_postings(self, seg: int, query: list[tuple[str, float, float]]):
        """(docs, tfs, count, idf) of each query term the segment holds, in query order
        (the postings as stored: deleted docs included)."""
        index = self.segments[seg]
        for term, count, idf in query:
            term_no = self._term(term)[1][seg]
            if term_no >= 0:
                start, end = index._span(term_no)
                yield index._post_docs[start:end], index._post_tfs[start:end], count, idf

    def _exact(self, seg: int, local: np.ndarray, query: list[tuple[str, float, float]]) -> np.ndarray:
        """Scores of some docs of a segment (ascending, unique) under the collection's
        statistics: the same float64 operations, in the same term order, as a fresh build."""
        index, k1 = self.segments[seg], self.params.k1
        acc = np.zeros(len(local), dtype=np.float64)
        norm = self._norm(seg)
        # In the postings' dtype: searchsorted would otherwise cast the whole posting list.
        wanted = local.astype(index._post_docs.dtype)
        for plist, tfs, count, idf in self._query_postings(seg, query):
            pos = np.minimum(np.searchsorted(plist, wanted), len(plist) - 1)
            hit = plist[pos] == wanted
            if not hit.any():
                continue
            acc[hit] += _contributions(tfs[pos[hit]], norm[local[hit]], k1, idf, count)
        return acc

    def _outright(self, seg: int, query: list[tuple[str, float, float]]) -> tuple[np.ndarray, np.ndarray]:
        """(live docs holding a query term, ascending; their scores) of a segment, every
        posting of the query terms scored (the same operations as _exact)."""
        index, k1 = self.segments[seg], self.params.k1
        acc = np.zeros(index.n_docs, dtype=np.float64)
        touched = np.zeros(index.n_docs, dtype=bool)
        norm = self._norm(seg)
        for docs, tfs, count, idf in self._query_postings(seg, query):
            acc[docs] += _contributions(tfs, norm[docs], k1, idf, count)  # docs unique per term
            touched[docs] = True
        if self.dead[seg] is not None:
            touched &= ~self.dead[seg]
        local = np.flatnonzero(touched)
        return local, acc[local]

    def _live(self, seg: int, local: np.ndarray) -> np.ndarray:
        dead = self.dead[seg]
        return local if dead is None else local[~dead[local]]

    def _bound(self, seg: int, query: list[tuple[str, float, float]]) -> tuple[list[tuple[str, float]], float] | None:
        """(query, scale): the segment's engine asked this query ranks its docs by a score
        that, times scale, bounds their scores in the collection (see the class docstring);
        None when no bound holds (then the segment is scored outright).

        One scale for every term (the largest term's), so the query's weights stay as
        asked and the segment's engine takes the path a plain query takes."""
        index = self.segments[seg]
        if self.params.idf != "lucene" or not (index.avgdl > 0 and self.avgdl > 0):
            return None
        shrink = min(1.0, index.avgdl / self.avgdl)
        tokens, ratio = [], 0.0
        for term, count, idf in query:
            term_no = self._term(term)[1][seg]
            if term_no < 0:
                continue
            df = float(index._post_offsets[term_no + 1] - index._post_offsets[term_no])
            own_idf = float(_idf(index.n_docs, np.array([df]), self.params.idf)[0])
            if not (own_idf > 0 and idf > 0):
                return None
            tokens.append((term, count))
            ratio = max(ratio, idf / own_idf)
        return tokens, ratio / shrink * (1.0 + BOUND_MARGIN)

    def _accumulate(self, query_tokens: Sequence[QueryToken]) -> tuple[np.ndarray, np.ndarray]:
        """(scores, touched) over every global doc, summing terms in term order like a fresh build."""
        query = self._query(query_tokens)
        scores = np.zeros(self.total_docs, dtype=np.float64)
        touched = np.zeros(self.total_docs, dtype=bool)
        for seg in range(len(self.segments)):
            local, local_scores = self._outright(seg, query)
            glob = local + self.bases[seg]
            scores[glob] = local_scores
            touched[glob] = True
        return scores, touched

    def scores(self, query_tokens: Sequence[QueryToken]) -> np.ndarray:
        return self._accumulate(query_tokens)[0]

    def search(self, query_tokens: Sequence[QueryToken], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top k (doc, score) among live docs matching any query term, by (-score, passage id)."""
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        query = self._query(query_tokens)
        found_docs, found_scores = [], []  # exact scores of the candidates so far, per batch
        # big segment -> (its query, bound scale, docs fetched)
        fetch: dict[int, tuple[list[tuple[str, float]], float, np.ndarray]] = {}
        for seg, index in enumerate(self.segments):
            bound = self._bound(seg, query) if index.n_docs > EXHAUSTIVE_SEGMENT_DOCS else None
            if bound is None:
                local, local_scores = self._outright(seg, query)
                found_docs.append(local + self.bases[seg])
                found_scores.append(local_scores)
            elif bound[0]:
                fetch[seg] = (*bound, np.zeros(0, dtype=np.int64))
        want = FETCH_FACTOR * k
        while fetch:
            bounds = {}
            for seg, (tokens, scale, done) in fetch.items():
                docs, bound = self.segments[seg].search(tokens, want)
                local = self._live(seg, np.setdiff1d(docs, done))  # sorted, unique
                found_docs.append(local + self.bases[seg])
                found_scores.append(self._exact(seg, local, query))
                fetch[seg] = (tokens, scale, docs)
                if len(docs) == want:  # else the segment has no more matching docs
                    bounds[seg] = float(bound[-1]) * scale
            scores = np.concatenate(found_scores)
            theta = -np.partition(-scores, k - 1)[k - 1] if len(scores) >= k else -math.inf
            # Docs not fetched yet score at most the last one's bound: fetch more while it reaches theta.
            fetch = {seg: fetch[seg] for seg, bound in bounds.items() if bound >= theta}
            want *= FETCH_FACTOR
        cand = np.concatenate(found_docs) if found_docs else np.zeros(0, dtype=np.int64)
        cand_scores = np.concatenate(found_scores) if found_scores else np.zeros(0, dtype=np.float64)
        return self._top(cand.astype(np.int64), cand_scores, k)

    def _top(self, cand: np.ndarray, cand_scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k best candidates by (-score, passage id), as a fresh build ranks them."""
        if len(cand) > k:
            kth = -np.partition(-cand_scores, k - 1)[k - 1]
            keep = cand_scores >= kth
            cand, cand_scores = cand[keep], cand_scores[keep]
        keys = [self._doc_key(int(d)) for d in cand] if len(cand) > k or len(set(cand_scores.tolist())) < len(cand) \
            else None
        if keys is None:
            order = np.lexsort((cand, -cand_scores))
        else:
            order = np.array(sorted(range(len(cand)), key=lambda i: (-cand_scores[i], keys[i])), dtype=np.int64)
        order = order[:k]
        return cand[order].astype(np.int64), cand_scores[order]


# --- topic terms: per unit, combined -------------------------------------------------------------


def combine_topic(unit_topics: list[dict], share: float) -> list[str]:
    """The corpus's topic from each unit's title terms and acronyms, units in corpus order
    (ingest.topic_terms says what the topic is)."""
    return combine_totals([topic_totals(unit_topics)], share)


def topic_totals(unit_topics: list[dict]) -> dict:
    """What a batch of units adds to the topic and the build report, summed: the number of
    titled documents, each title term's count of titles holding it, the acronym rows and
    address rows with their unit, duplicates dropped, and each unit's words kept. Sums
    over segments give the corpus's, so a refresh reads no unit it does not change."""
    titles = list(itertools.chain.from_iterable(unit["titles"] for unit in unit_topics))
    counts = collections.Counter(itertools.chain.from_iterable(map(set, titles)))
    return {"titled": sum(map(bool, titles)), "title_terms": dict(counts),
            "acronyms": [[u, long_terms, acronym_terms] for u, unit in enumerate(unit_topics)
                         for long_terms, acronym_terms in unit["acronyms"]],
            "urls": [[u, unit["urls"]] for u, unit in enumerate(unit_topics) if "urls" in unit],
            "dropped": sum(unit.get("dropped", 0) for unit in unit_topics),
            "kept": [unit.get("kept") for unit in unit_topics]}


def kept_to_array(kept: list) -> np.ndarray:
    """topic_totals' "kept" as stored: int64 [units, 2], -1 for None."""
    array = np.full((len(kept), 2), -1, dtype=np.int64)
    rows = [u for u, pair in enumerate(kept) if pair is not None]
    if rows:
        array[rows] = [kept[u] for u in rows]
    return array


def kept_list(array: np.ndarray) -> list:
    """kept_to_array's list again."""
    return [None if pair[0] < 0 else pair for pair in array.tolist()]


def subtract_totals(totals: dict, removed: list[tuple[int, dict]]) -> dict:
    """totals less the units (unit number, topic) removed (their rows go, their counts are taken off)."""
    gone = {u for u, _ in removed}
    less = topic_totals([topic for _, topic in removed])
    counts = dict(totals["title_terms"])  # copied in C; only the removed units' terms are visited
    for term, n in less["title_terms"].items():
        if term in counts:  # a head's (totals_head): a term left out stays under its floor
            counts[term] -= n
    out = {"titled": totals["titled"] - less["titled"], "title_terms": counts, "floor": totals.get("floor", 0),
           "acronyms": _without_units(totals["acronyms"], gone),
           "urls": _without_units(totals["urls"], gone),
           "dropped": totals["dropped"] - less["dropped"]}
    if "kept" in totals:  # a stored segment's are in TOPIC_KEPT
        kept = list(totals["kept"])  # copied in C; only the removed units' rows are visited
        for u in gone:
            kept[u] = None
        out["kept"] = kept
    return out


def _without_units(rows: list, gone: set[int]) -> list:
    """Rows ([unit, ...], in unit order) but those of the units gone: slices between binary searches."""
    out, start = [], 0
    for u in sorted(gone):
        lo = bisect.bisect_left(rows, u, lo=start, key=operator.itemgetter(0))
        out += rows[start:lo]
        start = bisect.bisect_right(rows, u, lo=lo, key=operator.itemgetter(0))
    return out + rows[start:]


def totals_head(totals: dict) -> dict:
    """topic_totals as a segment stores them: the title terms of TOPIC_HEAD_SHARE of its titles or
    more, "floor" the count from which every term is there (0: every term is)."""
    floor = math.ceil(totals["titled"] * TOPIC_HEAD_SHARE)
    if floor <= 1:
        return {**totals, "floor": 0}
    counts = totals["title_terms"]
    head = dict(zip(itertools.compress(counts, keep := list(map(operator.ge, counts.values(),
                                                                 itertools.repeat(floor)))),
                    itertools.compress(counts.values(), keep)))
    return {**totals, "title_terms": head, "floor": floor}


def combine_totals(parts: list[dict], share: float) -> list[str] | None:
    """The topic of the units of several topic_totals, in order (combine_topic's, whatever the split);
    None if a part's head (totals_head: counts under its floor left out) leaves a term undecided."""
    titled = sum(part["titled"] for part in parts)
    threshold = share * titled
    # What a term left out of a part's head may count there (its floor less one), at most.
    slack = [max(part.get("floor", 0) - 1, 0) for part in parts]
    # The biggest part's terms that reach the share alone, by C loops (no copy of its counts: a
    # refresh combines the big segment's thousands of terms with a few new units'); then the
    # other parts' terms, with their counts added to its. Counts are never negative, so a term
    # the big part alone carries stays in whatever the others add.
    big = max(range(len(parts)), key=lambda p: len(parts[p]["title_terms"]), default=None)
    if big is None or not titled:
        topic: set = set()
    elif sum(slack) >= threshold:  # a term in no head could reach the share
        return None
    else:
        counts = parts[big]["title_terms"]
        topic = set(itertools.compress(counts, map(operator.ge, counts.values(), itertools.repeat(threshold))))
        others: dict = {}
        listed_slack: dict = {}  # per term, the slack of the other parts that list it
        for p, part in enumerate(parts):
            if p != big:
                for term, n in part["title_terms"].items():
                    others[term] = others.get(term, 0) + n
                    if slack[p]:
                        listed_slack[term] = listed_slack.get(term, 0) + slack[p]
        other_slack = sum(slack) - slack[big]
        for term, n in others.items():
            count = counts.get(term)
            total = (count or 0) + n
            if total >= threshold:
                topic.add(term)
            elif total + other_slack - listed_slack.get(term, 0) + (slack[big] if count is None else 0) >= threshold:
                return None
        if other_slack:  # the big part's terms the others do not list, which their slack could lift
            low = itertools.repeat(threshold - other_slack)
            if any(term not in topic and term not in others
                   for term in itertools.compress(counts, map(operator.ge, counts.values(), low))):
                return None
    for part in parts:
        for _, long_terms, acronym_terms in part["acronyms"]:
            if long_terms and sum(t in topic for t in long_terms) >= share * len(long_terms):
                topic.update(acronym_terms)
    return sorted(topic)


def heap_merge_ids(streams):
    """Merge per-segment (passage id, ...) streams, each in id order, into one in id order."""
    return heapq.merge(*streams, key=lambda item: item[0])


def same_files(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
