"""The synthetic corpus of issue 6: Zipfian passages and two query sets, from a fixed seed."""

from __future__ import annotations

import numpy as np

SEED = 6  # issue 6
VOCAB_SIZE = 50_000
ZIPF_EXPONENT = 1.0  # classic Zipf: the word of rank r has frequency ~ 1/r
# Passages of ~60 words: uniform 45..75, the spread of our sentence-aligned passages.
PASSAGE_WORDS = (45, 76)
QUERY_WORDS = (3, 7)  # 3-6 words
LONG_QUERY_WORDS = (60, 61)  # a long question: a pasted paragraph of 60 words
# "Rare" queries draw only from words below this frequency rank (df ~ 1,000 and less
# at 200k passages), still Zipf-weighted among themselves.
RARE_MIN_RANK = 1_000


def vocabulary() -> list[str]:
    """Word of each frequency rank; letters+digits the analyzer keeps unchanged (no stem, no split)."""
    return [f"w{rank:05d}" for rank in range(VOCAB_SIZE)]


def _zipf_p(ranks: np.ndarray) -> np.ndarray:
    p = 1.0 / (ranks + 1.0) ** ZIPF_EXPONENT
    return p / p.sum()


def passages(n_docs: int) -> list[str]:
    """n_docs passage strings."""
    rng = np.random.default_rng(SEED)
    words = np.array(vocabulary())
    lengths = rng.integers(*PASSAGE_WORDS, size=n_docs)
    ids = rng.choice(VOCAB_SIZE, size=int(lengths.sum()), p=_zipf_p(np.arange(VOCAB_SIZE)))
    ends = np.cumsum(lengths)
    flat = words[ids].tolist()
    return [" ".join(flat[e - n:e]) for e, n in zip(ends.tolist(), lengths.tolist())]


def queries(n_queries: int, rare: bool, lengths: tuple[int, int] = QUERY_WORDS) -> list[list[str]]:
    """n_queries token lists of lengths[0] to lengths[1] - 1 words: from the whole
    distribution, or from its rarer words only."""
    rng = np.random.default_rng(SEED + (2 if rare else 1) + (0 if lengths == QUERY_WORDS else 10 * lengths[0]))
    words = vocabulary()
    ranks = np.arange(RARE_MIN_RANK if rare else 0, VOCAB_SIZE)
    p = _zipf_p(ranks)
    out = []
    for n in rng.integers(*lengths, size=n_queries).tolist():
        out.append([words[r] for r in rng.choice(ranks, size=n, p=p).tolist()])
    return out
