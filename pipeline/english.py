"""How often general English uses each token of the default analyzer, read without loading.

english.txt holds, for every token the default analyzer makes of a word that wordfreq
lists at Zipf 2.5 or more (2.5 uses per 10 million words), the sum of those words'
frequencies as a Zipf value (log10 of uses per billion words, one decimal). A token is
counted for every word that yields it: "involv" sums involve, involved, involvement...,
"~invol" the whole family. Records are sorted and of one width, so a look-up is a
binary search over the file memory-mapped: `ask` never parses it (nor imports wordfreq,
whose tables take 1.4 s to load).

    python -m pipeline.english    # rewrites english.txt from wordfreq (3.1.1 wrote it; about 2 s)

The table is derived from wordfreq's data (Robyn Speer et al., https://github.com/rspeer/wordfreq),
licensed CC BY-SA 4.0; english.txt is shared under the same licence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PATH = Path(__file__).with_name("english.txt")
# Rarer words are left out (unlisted: full weight, as names): against wordfreq's whole list,
# nDCG@10 moved by 0.0023 at most on SciFact, Cranfield, CACM and the seeds, for a table 3x smaller.
MIN_ZIPF = 2.5
TOKEN_WIDTH = 20  # bytes; longer tokens are left out (none at Zipf 2.5)
RECORD = TOKEN_WIDTH + 4  # token padded with spaces, Zipf x 10 in 3 digits, newline
_RECORD_DTYPE = np.dtype([("token", f"S{TOKEN_WIDTH}"), ("zipf", "S3"), ("end", "S1")])


class GeneralEnglish:
    """token -> its share of general-English words (0.0 when unlisted: a rare word).

    A class because the state is real: the memory-mapped table (its sorted records are
    searched by one numpy call per token, about 5 us).
    """

    def __init__(self, path: Path = PATH) -> None:
        size = path.stat().st_size
        if not size or size % RECORD:
            raise ValueError(f"{path}: not a table of {RECORD}-byte records")
        records = np.memmap(path, dtype=_RECORD_DTYPE, mode="r")
        # plain ndarray views: indexing an np.memmap is several times slower
        self._tokens, self._zipf = records["token"].view(np.ndarray), records["zipf"].view(np.ndarray)

    def frequency(self, token: str) -> float:
        key = token.encode("utf-8")
        if not key or len(key) > TOKEN_WIDTH:
            return 0.0
        key = key.ljust(TOKEN_WIDTH)
        at = int(np.searchsorted(self._tokens, key))
        if at == len(self._tokens) or self._tokens[at].ljust(TOKEN_WIDTH) != key:
            return 0.0  # numpy drops trailing NUL bytes, never spaces: the padded key compares whole
        return 10.0 ** (int(self._zipf[at]) / 10 - 9)

    __call__ = frequency


def token_frequencies(analyzer, min_zipf: float = MIN_ZIPF) -> dict[str, float]:
    """token -> summed frequency of the wordfreq words (Zipf >= min_zipf) that yield it."""
    import math

    import wordfreq

    from .analyze import TOKEN_RE, normalize

    out: dict[str, float] = {}
    for word, frequency in wordfreq.get_frequency_dict("en", "best").items():
        if math.log10(frequency) + 9 < min_zipf:
            continue
        for part in TOKEN_RE.findall(normalize(word)):
            for token in analyzer.analyze_word(part):
                out[token] = out.get(token, 0.0) + frequency
    return out


def write(path: Path = PATH) -> int:
    """Rewrite the table for the default analyzer; returns the number of tokens."""
    import math

    from .analyze import DEFAULT

    rows = []
    for token, frequency in token_frequencies(DEFAULT).items():
        key = token.encode("utf-8")
        if len(key) <= TOKEN_WIDTH and b" " not in key:
            zipf = min(999, max(0, round(10 * (math.log10(frequency) + 9))))
            rows.append(key.ljust(TOKEN_WIDTH) + b"%03d\n" % zipf)
    rows.sort()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(b"".join(rows))
    tmp.replace(path)
    return len(rows)


if __name__ == "__main__":
    print(f"{write()} tokens -> {PATH}")
