"""Exact and near-duplicate sentences across sources: keep the first, remember every source.

Documents arrive in a fixed order (sorted by source); the first occurrence of a
sentence wins and every later source that repeats it is recorded with it, so that
attribution survives deduplication.

Two sentences *match* when they are the same words (exact), or when both have at
least NEAR_DUP_MIN_TOKENS words, state the same numbers (their words holding a digit:
"cohort 7" and "cohort 8", "Mach number of 2.02" and "of 1.39", two trial registration
numbers are different facts, however alike the rest), share a MinHash-LSH band key and
their word sets overlap by NEAR_DUP_JACCARD (near). The numbers are hashed into every
band key, so sentences that differ in one never meet: a corpus of templated records
keeps them all at the cost of records that differ, not of every pair. Band keys are fixed hashes of each sentence's
own words, so which sentences can match never depends on the rest of the corpus:
an edit re-checks the changed sentences against stored keys only (ingest, segments),
and no chain of loosely related sentences links a large part of the corpus into one
group (shared word 4-grams linked 64% of SciFact's sentences into one).

A sentence is dropped when an earlier *kept* sentence matches it; it is credited to
the first kept exact match, else the earliest kept near match. Two consequences the
incremental build relies on (`resolve`): every later copy of a sentence (same words)
is dropped and credited like the first copy, so the copies of a sentence form one
*unit* led by its earliest live copy; and only the leaders of units linked by band
keys can influence each other.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import operator
import re
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

NEAR_DUP_JACCARD = 0.8  # word-set overlap above which two sentences say the same thing
NEAR_DUP_MIN_TOKENS = 5  # shorter sentences ("IMNM", "NAM") only deduplicate exactly
# MinHash-LSH over each sentence's words and word pairs: BANDS bands of ROWS hashes. Word
# pairs keep sentences that merely share common words apart. Two sentences whose
# words-and-pairs sets overlap by J share a band with probability 1 - (1 - J**ROWS)**BANDS:
# 0.985 at J = 0.76 (one word changed in 15), 0.9999 at 0.85, 0.85 at 0.67 (a word inserted
# in 8), 1e-5 at 0.1. Fewer rows let more unrelated sentences share a band: on the
# synthetic pages of bench/bench_refresh.py (4,000 pages), a sentence's unit had 23 such
# neighbours with 12 bands of 4, 2.1 with 20 of 6; a refresh looks at each of them.
BANDS = 20
ROWS = 6
_SEED_RNG = np.random.default_rng(20261130)
_MULT = (_SEED_RNG.integers(1, 2**63, size=BANDS * ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1))
_ADD = _SEED_RNG.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64)
_BAND_MIX = _SEED_RNG.integers(1, 2**63, size=(BANDS, ROWS), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_BAND_SALT = _SEED_RNG.integers(0, 2**63, size=BANDS, dtype=np.uint64)

_TOKEN_RE = re.compile(r"[^\W_]+")


def normalized_tokens(text: str) -> list[str]:
    """Lower-cased word tokens: the form in which duplicates are compared."""
    return _TOKEN_RE.findall(text.lower())


# On ASCII, _TOKEN_RE's words are the runs of [A-Za-z0-9], lower-cased: a byte table maps
# capitals to small letters and every other byte to a space, and bytes.split() cuts the rest.
_ASCII_WORD_BYTES = bytes(c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32
                          for c in range(256))


def _token_bytes(text: str) -> list[bytes]:
    """normalized_tokens(text), each in UTF-8 (what is hashed): on ASCII text (most
    sentences) by one translate and split in C, two fifths of the regex's time."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORD_BYTES).split()
    return [t.encode("utf-8", "surrogatepass") for t in normalized_tokens(text)]


@dataclass(frozen=True)
class Signatures:
    """What deduplication knows of a run of sentences, as arrays (stored with the index).

    exact: a 64-bit hash of the sentence's words in order; ntok: how many words;
    words: sorted unique crc32s of its words (CSR, word_offsets); bands: BANDS
    32-bit band keys per sentence (meaningful when ntok >= NEAR_DUP_MIN_TOKENS).
    """

    exact: np.ndarray  # uint64 [n]
    ntok: np.ndarray  # int32 [n]
    word_offsets: np.ndarray  # int64 [n + 1]
    words: np.ndarray  # uint32
    bands: np.ndarray  # uint32 [n, BANDS]

    def __len__(self) -> int:
        return len(self.exact)

    def word_set(self, i: int) -> np.ndarray:
        return self.words[self.word_offsets[i]:self.word_offsets[i + 1]]

    def near(self, i: int) -> bool:
        return int(self.ntok[i]) >= NEAR_DUP_MIN_TOKENS

    def span(self, start: int, stop: int) -> "Signatures":
        """The signatures of sentences start..stop-1 (views, not copies)."""
        lo, hi = int(self.word_offsets[start]), int(self.word_offsets[stop])
        return Signatures(self.exact[start:stop], self.ntok[start:stop], self.word_offsets[start:stop + 1] - lo,
                          self.words[lo:hi], self.bands[start:stop])


# Text hashed per numpy pass, in characters: the MinHash matrix is (BANDS * ROWS x
# shingles), so a pass over a whole corpus piece (2M shingles) works in a gigabyte of memory
# and runs four times slower than passes of about a hundred sentences; one pass per sentence
# or per short section pays numpy's call overhead a dozen times over. Cut by characters, not
# sentences, so that the matrix stays about as large whatever the sentences' length. SciFact
# (47k sentences, about 150 characters each), signatures CPU: 64 sentences a pass 1.11 s,
# 128: 0.90 s, 256: 0.86 s, 512: 0.97 s, 1024: 1.45 s.
SIGNATURE_CHARS = 24_000
# Hashed shingle values held at once (512 KB: a core's cache): the MinHash of a pass is taken
# over blocks of this many (hash function, shingle) values, a few hash functions at a time.
# SciFact's passes (about 6,300 shingles, 10 hash functions a block): 4.8 -> 3.1 us a sentence
# against all 120 at once; 4 functions a block 3.3, 20 3.3, 40 3.7.
MINHASH_BLOCK_VALUES = 1 << 16


def signatures(sentences: list[str]) -> Signatures:
    """Signatures of sentences, vectorised over about SIGNATURE_CHARS of text at a time."""
    if sum(map(len, sentences)) <= SIGNATURE_CHARS:
        return _signatures(sentences)
    parts, start, size = [], 0, 0
    for i, length in enumerate(map(len, sentences)):
        size += length
        if size >= SIGNATURE_CHARS:
            parts.append(_signatures(sentences[start:i + 1]))
            start, size = i + 1, 0
    if start < len(sentences):
        parts.append(_signatures(sentences[start:]))
    return concat_signatures(parts)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique of a 1-d array by sorting (numpy 2's hash-table unique is several times slower here)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


# Distinct words whose hash is remembered; past it the memory starts over (a word's hash
# never depends on what is remembered).
WORD_CRC_CACHE_SIZE = 200_000


class _CrcCache(dict):
    """A word's UTF-8 -> its hash (crc32), computed on the first look-up (dict.__missing__): a hit
    is one dictionary look-up in C, where an lru_cache call cost more than hashing again (measured).
    Words are Zipfian: SciFact's 1.1M words are 36k distinct ones."""

    def __missing__(self, word: bytes) -> int:
        if len(self) >= WORD_CRC_CACHE_SIZE:
            self.clear()
        crc = self[word] = zlib.crc32(word)
        return crc


_WORD_CRCS = _CrcCache()


# A sentence's numbers (its words holding a digit: a number, a code such as NCT01771458, G72.4's
# parts) add to each of its band keys the sum, over its distinct such words, of (crc32 *
# _NUMBER_MULT + _NUMBER_ADD) xor-shifted right by 31 (mod 2**64): order and repeats do not count,
# and a sentence without numbers keeps the keys it had.
_NUMBER_MULT = np.uint64(0x9E3779B97F4A7C15)
_NUMBER_ADD = np.uint64(0x632BE59BD9B4E019)


def _holds_digit(word: bytes) -> bool:
    return any(c.isdigit() for c in word.decode("utf-8", "surrogatepass"))


def _numbers(token_lists: list[list[bytes]], joined: list[bytes], owner: np.ndarray, crcs: np.ndarray,
             starts: np.ndarray) -> np.ndarray:
    """Per sentence, what its numbers add to its band keys (0 for none). An ASCII word is a run of
    [a-z0-9] (_token_bytes), so it holds a digit unless it is all letters (bytes.isalpha, in C);
    the words of other sentences are decoded (any script's digits count)."""
    numeric = ~np.fromiter(map(bytes.isalpha, itertools.chain.from_iterable(token_lists)), dtype=bool,
                           count=len(crcs))
    for i in itertools.compress(range(len(joined)), map(operator.not_, map(bytes.isascii, joined))):
        numeric[starts[i]:starts[i] + len(token_lists[i])] = np.fromiter(map(_holds_digit, token_lists[i]),
                                                                          dtype=bool, count=len(token_lists[i]))
    numbers = np.zeros(len(joined), dtype=np.uint64)
    if numeric.any():
        distinct = _sorted_unique(owner[numeric] << np.uint64(32) | crcs[numeric])  # by sentence
        mixed = (distinct & np.uint64(0xFFFFFFFF)) * _NUMBER_MULT + _NUMBER_ADD
        mixed ^= mixed >> np.uint64(31)
        sentence = (distinct >> np.uint64(32)).astype(np.int64)
        first = np.flatnonzero(np.r_[True, sentence[1:] != sentence[:-1]])
        numbers[sentence[first]] = np.add.reduceat(mixed, first)
    return numbers


def _signatures(sentences: list[str]) -> Signatures:
    """Signatures of a few sentences in one vectorised pass."""
    n = len(sentences)
    token_lists = [_token_bytes(s) for s in sentences]
    joined = [b" ".join(t) for t in token_lists]
    exact = np.fromiter((int.from_bytes(hashlib.blake2b(j, digest_size=8).digest(), "little") for j in joined),
                        dtype=np.uint64, count=n)
    ntok = np.fromiter(map(len, token_lists), dtype=np.int32, count=n)
    # Sorted unique word hashes per sentence, all sentences at once: sort (sentence, hash) pairs.
    total = int(ntok.sum())
    # Read as uint32 (what a crc32 is) and widened: numpy converts Python ints to uint64 at
    # half the speed.
    crcs = np.fromiter(map(_WORD_CRCS.__getitem__, itertools.chain.from_iterable(token_lists)), dtype=np.uint32,
                       count=total).astype(np.uint64)
    owner = np.repeat(np.arange(n, dtype=np.uint64), ntok)
    pairs = _sorted_unique(owner << np.uint64(32) | crcs)
    numbers = _numbers(token_lists, joined, owner, crcs, np.cumsum(ntok) - ntok)
    words = (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    word_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount((pairs >> np.uint64(32)).astype(np.int64), minlength=n), out=word_offsets[1:])
    # What MinHash sees: the words, and each pair of neighbouring words (a mix of their hashes).
    follows = np.flatnonzero(owner[1:] == owner[:-1])
    bigrams = (crcs[follows] * np.uint64(0x9E3779B97F4A7C15) + crcs[follows + 1]) >> np.uint64(32)
    shingles = _sorted_unique(np.concatenate([pairs, owner[follows] << np.uint64(32) | bigrams]))
    shingle_words = (shingles & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    shingle_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount((shingles >> np.uint64(32)).astype(np.int64), minlength=n), out=shingle_offsets[1:])
    bands = np.zeros((n, BANDS), dtype=np.uint32)
    if len(shingle_words):
        # MinHash: per hash function k, the least (a_k * w + c_k) >> 32 over the shingles,
        # which is the least a_k * w + c_k, shifted (the shift keeps order): the shift runs
        # on the minima only, and the (BANDS * ROWS x shingles) array is made in place (a
        # temporary per step and a cast to uint32 and back cost three times as much). One
        # row per hash function: the minima are taken along contiguous rows, a quarter
        # faster than down the columns of (shingles x BANDS * ROWS) (measured on SciFact).
        # A few hash functions at a time (MINHASH_BLOCK_VALUES), in one reused block: the
        # rows are still in cache when their minima are taken.
        values = shingle_words.astype(np.uint64)
        starts = shingle_offsets[:-1]
        has = shingle_offsets[1:] > starts
        firsts = starts[has]
        found = np.empty((BANDS * ROWS, len(firsts)), dtype=np.uint64)
        step = max(1, MINHASH_BLOCK_VALUES // len(values))
        block = np.empty((min(step, BANDS * ROWS), len(values)), dtype=np.uint64)
        for k in range(0, BANDS * ROWS, step):
            hashed = block[:min(step, BANDS * ROWS - k)]
            np.multiply(_MULT[k:k + step, None], values[None, :], out=hashed)
            hashed += _ADD[k:k + step, None]
            np.minimum.reduceat(hashed, firsts, axis=1, out=found[k:k + step])
        found >>= np.uint64(32)
        mins = np.zeros((n, BANDS * ROWS), dtype=np.uint64)
        mins[has] = found.T
        rows = mins.reshape(n, BANDS, ROWS)
        mixed = (rows * _BAND_MIX[None, :, :]).sum(axis=2, dtype=np.uint64) + _BAND_SALT[None, :] + numbers[:, None]
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(32)
        bands = (mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        bands[~has] = 0  # a sentence without words has no band keys, whatever else is in the pass
    return Signatures(exact, ntok, word_offsets, words.astype(np.uint32, copy=False), bands)


def concat_signatures(parts: list[Signatures]) -> Signatures:
    """One Signatures of several, in order."""
    if not parts:
        return signatures([])
    offsets = [np.zeros(1, dtype=np.int64)]
    base = 0
    for p in parts:
        offsets.append(p.word_offsets[1:] + base)
        base += int(p.word_offsets[-1])
    return Signatures(np.concatenate([p.exact for p in parts]), np.concatenate([p.ntok for p in parts]),
                      np.concatenate(offsets), np.concatenate([p.words for p in parts]),
                      np.concatenate([p.bands for p in parts]).reshape(-1, BANDS))


def pack_signatures(sig: Signatures) -> str:
    """A section's signatures as one base64 string: exact, ntok, bands, word counts, words."""
    counts = np.diff(sig.word_offsets).astype("<i4")
    blob = b"".join([sig.exact.astype("<u8").tobytes(), sig.ntok.astype("<i4").tobytes(),
                     sig.bands.astype("<u4").tobytes(), counts.tobytes(), sig.words.astype("<u4").tobytes()])
    return base64.b64encode(blob).decode("ascii")


def pack_signature_runs(sig: Signatures, lengths: list[int]) -> list[str]:
    """pack_signatures of consecutive runs of sentences (of these lengths), with no array per run:
    each part is turned into little-endian bytes once and every run's blob is cut from them."""
    counts = np.diff(sig.word_offsets).astype("<i4").tobytes()
    exact, ntok = sig.exact.astype("<u8").tobytes(), sig.ntok.astype("<i4").tobytes()
    bands, words = sig.bands.astype("<u4").tobytes(), sig.words.astype("<u4").tobytes()
    offsets = sig.word_offsets.tolist()
    out = []
    a = 0
    for n in lengths:
        b = a + n
        out.append(base64.b64encode(b"".join([exact[8 * a:8 * b], ntok[4 * a:4 * b],
                                              bands[4 * BANDS * a:4 * BANDS * b], counts[4 * a:4 * b],
                                              words[4 * offsets[a]:4 * offsets[b]]])).decode("ascii"))
        a = b
    return out


def unpack_signatures(text: str, n: int) -> Signatures:
    """The inverse of pack_signatures for a section of n sentences (ValueError if it does not fit)."""
    blob = base64.b64decode(text, validate=True)
    head = n * (8 + 4 + 4 * BANDS + 4)
    if len(blob) < head or (len(blob) - head) % 4:
        raise ValueError("signatures do not match the section's sentences")
    exact = np.frombuffer(blob, "<u8", n, 0).astype(np.uint64)
    ntok = np.frombuffer(blob, "<i4", n, 8 * n).astype(np.int32)
    bands = np.frombuffer(blob, "<u4", n * BANDS, 12 * n).astype(np.uint32).reshape(n, BANDS)
    counts = np.frombuffer(blob, "<i4", n, (12 + 4 * BANDS) * n).astype(np.int64)
    words = np.frombuffer(blob, "<u4", (len(blob) - head) // 4, head).astype(np.uint32)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if np.any(counts < 0) or offsets[-1] != len(words):
        raise ValueError("signatures do not match the section's sentences")
    return Signatures(exact, ntok, offsets, words, bands)


def unpack_many(packed: Iterable[tuple[str, int]]) -> Signatures:
    """unpack_signatures of many sections at once, concatenated in order: (text, n) pairs.

    The same checks and result as concat_signatures of unpack_signatures of each, but
    each blob is only cut into its five parts, which numpy reads once for all
    sections: a build unpacks one section per document (a corpus of 200k abstracts
    spent 7 s and 300 MB of transient arrays doing it section by section).
    """
    parts = [bytearray() for _ in range(5)]  # exact, ntok, bands, word counts, words
    exact, ntok, bands, counts, words = parts
    sizes = []  # per section: sentences, words
    for text, n in packed:
        blob = memoryview(base64.b64decode(text, validate=True))
        head = n * (8 + 4 + 4 * BANDS + 4)
        if len(blob) < head or (len(blob) - head) % 4:
            raise ValueError("signatures do not match the section's sentences")
        a, b, c = 8 * n, 12 * n, (12 + 4 * BANDS) * n
        exact += blob[:a]
        ntok += blob[a:b]
        bands += blob[b:c]
        counts += blob[c:head]
        words += blob[head:]
        sizes.append((n, (len(blob) - head) // 4))
    n_sent = np.fromiter((n for n, _ in sizes), dtype=np.int64, count=len(sizes))
    n_words = np.fromiter((w for _, w in sizes), dtype=np.int64, count=len(sizes))
    word_counts = np.frombuffer(counts, "<i4").astype(np.int64)
    offsets = np.zeros(len(word_counts) + 1, dtype=np.int64)
    np.cumsum(word_counts, out=offsets[1:])
    ends = np.cumsum(n_sent)
    if np.any(word_counts < 0) or not np.array_equal(offsets[ends] - offsets[ends - n_sent], n_words):
        raise ValueError("signatures do not match the section's sentences")
    return Signatures(np.frombuffer(exact, "<u8").astype(np.uint64), np.frombuffer(ntok, "<i4").astype(np.int32),
                      offsets, np.frombuffer(words, "<u4").astype(np.uint32),
                      np.frombuffer(bands, "<u4").astype(np.uint32).reshape(-1, BANDS))


def jaccard_ok(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two sorted unique word-hash sets overlap by NEAR_DUP_JACCARD or more."""
    small, large = sorted((len(a), len(b)))
    if small < NEAR_DUP_JACCARD * large:  # the overlap is at most small / large
        return False
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter >= NEAR_DUP_JACCARD * (len(a) + len(b) - inter)


def near_match(sig_a: Signatures, i: int, sig_b: Signatures, j: int) -> bool:
    """Near match of sentence i of sig_a and sentence j of sig_b (exact copies are one unit)."""
    return (sig_a.near(i) and sig_b.near(j) and bool(np.any(sig_a.bands[i] == sig_b.bands[j]))
            and jaccard_ok(sig_a.word_set(i), sig_b.word_set(j)))


@dataclass
class _Kept:
    sources: list[str] = field(default_factory=list)


class SentenceDeduper:
    """The plain sequential algorithm: remembers the sentences kept so far.

    State is real here: it grows as documents arrive. ingest resolves the same
    verdicts without running every sentence through it (see `resolve`).
    """

    def __init__(self) -> None:
        self._kept: list[_Kept] = []
        self._sigs: list[tuple[Signatures, int]] = []
        self._exact: dict[int, int] = {}
        self._bands: dict[tuple[int, int], list[int]] = {}
        self._last: tuple[str, Signatures | None] = ("", None)

    def _analysis(self, sentence: str) -> Signatures:
        text, sig = self._last
        if text != sentence or sig is None:
            sig = signatures([sentence])
            self._last = (sentence, sig)
        return sig

    def find(self, sentence: str) -> int | None:
        """Id of the earlier kept sentence this one duplicates (exact first, else the earliest near), or None."""
        sig = self._analysis(sentence)
        sid = self._exact.get(int(sig.exact[0]))
        if sid is not None:
            return sid
        if not sig.near(0):
            return None
        candidates = sorted({c for b, key in enumerate(sig.bands[0].tolist()) for c in self._bands.get((b, key), ())})
        for cid in candidates:
            other, i = self._sigs[cid]
            if near_match(sig, 0, other, i):
                return cid
        return None

    def add(self, sentence: str, source: str) -> int:
        """Keep a new sentence; returns its id."""
        sig = self._analysis(sentence)
        sid = len(self._kept)
        self._kept.append(_Kept([source]))
        self._sigs.append((sig, 0))
        self._exact.setdefault(int(sig.exact[0]), sid)
        if sig.near(0):
            for b, key in enumerate(sig.bands[0].tolist()):
                self._bands.setdefault((b, key), []).append(sid)
        return sid

    def note_source(self, sid: int, source: str) -> None:
        if source not in self._kept[sid].sources:
            self._kept[sid].sources.append(source)

    def sources(self, sid: int) -> list[str]:
        return self._kept[sid].sources


# --- units: the copies of one sentence, resolved together ------------------------------------


class SentenceTable:
    """What `resolve` reads of the live sentences (implemented by segments.LiveSentences).

    A handle is any hashable naming one live sentence; order(h) sorts handles in
    corpus order (source name, position in the source).
    """

    def leader(self, exact: int):  # the earliest live copy of a sentence, or None
        raise NotImplementedError

    def band_units(self, h) -> set[int]:  # exact hashes of live sentences sharing a band key with h
        raise NotImplementedError

    def order(self, h) -> tuple:
        raise NotImplementedError

    def matches(self, a, b) -> bool:  # near match of two leaders
        raise NotImplementedError

    def band_keys(self, h) -> frozenset | None:  # h's band keys (band << 32 | key); None: not told
        return None

    def outside_band_units(self, h) -> set[int]:
        """band_units(h) less those the caller of resolve has queued whatever they hold (with band_keys)."""
        return self.band_units(h)


def resolve(table: SentenceTable, units: Iterable[int], kept_before: Callable[[int], bool | None]
            ) -> dict[int, tuple[bool, int | None]]:
    """Verdicts of units: {exact hash: (kept, exact hash of the unit credited, or None)}.

    Units are processed in the order of their leaders; a unit is kept unless the
    leader of an earlier kept unit near-matches its leader, and is then credited to
    the earliest one. `units` are those to (re)decide; any other unit keeps its
    verdict (`kept_before`). A unit whose verdict changes re-queues the units linked
    to it by band keys, so this returns every verdict that differs from before.
    """
    import heapq

    out: dict[int, tuple[bool, int | None]] = {}
    queue: list[tuple[tuple, int]] = []
    queued: set[int] = set()
    kept_now: set[int] = set()  # the units kept by a verdict given here
    kept_keys: dict[int, list[int]] = {}  # ... by band key (tables that tell band_keys)

    def push(unit: int) -> None:
        if unit not in queued:
            leader = table.leader(unit)
            if leader is not None:
                queued.add(unit)
                heapq.heappush(queue, (table.order(leader), unit))

    for unit in units:
        push(unit)
    while queue:
        position, unit = heapq.heappop(queue)
        leader = table.leader(unit)
        # The credit: the earliest kept unit before this one that matches it. Only kept units are
        # compared: among a thousand near copies of a templated record one is kept, and comparing
        # every pair made a corpus of 20,000 of them take hours. Units decided here are queued; those
        # queued but not decided yet come later (the queue runs in order); a unit never queued keeps
        # its verdict from before. The units kept here are found by their band keys (kept_keys), so
        # a unit with thousands of neighbours, all queued, is not a set of thousands.
        keys = table.band_keys(leader)
        if keys is None:
            neighbours = table.band_units(leader) - {unit}
            kept_near = neighbours & kept_now
        else:
            neighbours = table.outside_band_units(leader) - {unit}
            kept_near = {other for key in keys for other in kept_keys.get(key, ())}
        earlier = []
        for other in kept_near | {o for o in neighbours - queued if kept_before(o)}:
            other_leader = table.leader(other)
            if other_leader is not None and (order := table.order(other_leader)) < position:
                earlier.append((order, other, other_leader))
        credit = None
        for _, other, other_leader in sorted(earlier, key=_FIRST_TWO):
            if table.matches(leader, other_leader):
                credit = other
                break
        verdict = (credit is None, credit)
        before = kept_before(unit)
        out[unit] = verdict
        if credit is None:
            kept_now.add(unit)
            for key in keys or ():
                kept_keys.setdefault(key, []).append(unit)
        if before is None or before != verdict[0]:
            # The later units it matches are decided again (those queued already will be).
            for other in neighbours - queued:
                other_leader = table.leader(other)
                if (other_leader is not None and table.order(other_leader) > position
                        and table.matches(leader, other_leader)):
                    push(other)
    return out


_FIRST_TWO = operator.itemgetter(0, 1)
