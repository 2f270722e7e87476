"""Exact and near-duplicate sentences and passages: keep the first, remember every source.

Documents arrive in a fixed order (sorted by source); the first occurrence of a
sentence wins and every later source that repeats it is recorded with it, so that
attribution survives deduplication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NEAR_DUP_JACCARD = 0.8  # token-set overlap above which two sentences say the same thing
NEAR_DUP_MIN_TOKENS = 5  # shorter sentences ("IMNM", "NAM") only deduplicate exactly
SHINGLE = 4  # candidate pairs share at least one word 4-gram
MAX_CANDIDATES = 50  # a shingle shared by more sentences than this is too common to use

_TOKEN_RE = re.compile(r"[^\W_]+")


def normalized_tokens(text: str) -> list[str]:
    """Lower-cased word tokens: the form in which duplicates are compared."""
    return _TOKEN_RE.findall(text.lower())


@dataclass
class _Kept:
    tokens: frozenset[str]
    sources: list[str] = field(default_factory=list)


class SentenceDeduper:
    """Remembers the sentences kept so far; state is real here: it grows as documents arrive."""

    def __init__(self) -> None:
        self._kept: list[_Kept] = []
        self._exact: dict[str, int] = {}
        self._shingles: dict[tuple[str, ...], list[int]] = {}
        # find() then add() on the same sentence is the usual sequence: remember the
        # analysis of the last sentence looked at instead of doing it twice.
        self._last: tuple[str, list[str], set[tuple[str, ...]] | None] = ("", [], None)

    def _analysis(self, sentence: str) -> tuple[list[str], set[tuple[str, ...]]]:
        text, tokens, shingles = self._last
        if text != sentence or shingles is None:
            tokens = normalized_tokens(sentence)
            shingles = _shingles(tokens)
            self._last = (sentence, tokens, shingles)
        return tokens, shingles

    def find(self, sentence: str) -> int | None:
        """Id of an earlier sentence this one duplicates, or None."""
        tokens, shingles = self._analysis(sentence)
        key = " ".join(tokens)
        if key in self._exact:
            return self._exact[key]
        if len(tokens) < NEAR_DUP_MIN_TOKENS:
            return None
        token_set = frozenset(tokens)
        candidates: set[int] = set()
        for shingle in shingles:
            candidates.update(self._shingles.get(shingle, ())[:MAX_CANDIDATES])
        for cid in sorted(candidates):
            other = self._kept[cid].tokens
            if len(token_set & other) / len(token_set | other) >= NEAR_DUP_JACCARD:
                return cid
        return None

    def add(self, sentence: str, source: str) -> int:
        """Keep a new sentence; returns its id."""
        tokens, shingles = self._analysis(sentence)
        sid = len(self._kept)
        self._kept.append(_Kept(frozenset(tokens), [source]))
        self._exact.setdefault(" ".join(tokens), sid)
        for shingle in shingles:
            self._shingles.setdefault(shingle, []).append(sid)
        return sid

    def note_source(self, sid: int, source: str) -> None:
        if source not in self._kept[sid].sources:
            self._kept[sid].sources.append(source)

    def sources(self, sid: int) -> list[str]:
        return self._kept[sid].sources


def link_keys(sentence: str) -> list[str]:
    """Every key through which SentenceDeduper can tie this sentence to another one.

    Two sentences can only be found duplicates of each other if they share one of
    these keys (the exact form, or a shingle), so a sentence sharing none with any
    other sentence is kept without consulting the deduper: the incremental build
    uses this to run the sequential deduper over the few linked sentences only.
    """
    tokens = normalized_tokens(sentence)
    return ["k:" + " ".join(tokens)] + sorted("s:" + " ".join(s) for s in _shingles(tokens))


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    if len(tokens) < SHINGLE:
        return {tuple(tokens)}
    return {tuple(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}
