"""How likely a text's word order is in edited English: its skeleton against a trigram model.

A text's skeleton keeps its function words (analyze.STOPWORDS) and punctuation and reads
every other word as its shape: capitalised, an acronym, a number, or a lower-case word by
its ending (-s, -ed, -ing, -ly, other). Spun and keyword-stuffed text keeps the words of real
sentences but not their order ("Diazepam baclofen immunoglobulin stiff person syndrome what is
it twice as many women as men autoimmune ...": long runs of content words, "it twice"); a skeleton says so without a word of the page's
topic. garble.json (written by `python -m pipeline.clean.train_garble` from the train sites'
gold texts, no test site, no seed) holds the skeleton's trigram counts and a logistic model
over a text's statistics under them; see train_garble.py for the figures.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

from ..analyze import STOPWORDS
from . import lexicon

GARBLE_PATH = Path(__file__).with_name("garble.json")

_TOKEN_RE = re.compile(r"\w+(?:['’]\w+)?|[^\w\s]")  # a word (with one apostrophe: "it's") or one symbol
_PUNCTUATION = frozenset(",.;:!?()\"'%…-–[]/")  # each its own symbol; any other is "<p>"
_ENDINGS = (("ing", "<w-ing>"), ("ed", "<w-ed>"), ("ly", "<w-ly>"), ("s", "<w-s>"))
START, END = "<s>", "</s>"
INTERPOLATION = (0.6, 0.3, 0.1)  # trigram, bigram, unigram shares of a symbol's probability
WINDOW = 4  # symbols: the least likely stretch of this many is where a splice shows


def _word_class(token: str) -> str:
    low = token.lower()
    if low in STOPWORDS:
        return low
    if any(c.isdigit() for c in token):
        return "<N>"
    if token[0].isupper():
        return "<A>" if len(token) > 1 and token.isupper() else "<C>"
    for ending, name in _ENDINGS:
        if low.endswith(ending) and len(low) > len(ending) + 2:
            return name
    return "<w>"


def skeleton(text: str) -> list[str]:
    """The symbols of a text: function words as themselves, other words by shape, punctuation marks.
    Not how they are spaced: a page extracted by a tokeniser spaces every mark ("Pacific Ocean ."),
    whole Wikipedia articles among the gold texts (a tenth of one held-out article's sentences
    went when spacing counted)."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        token = m.group()
        if token[0].isalnum() or token[0] == "_":
            out.append(_word_class(token))
            continue
        out.append(token if token in _PUNCTUATION else "<p>")
    return out


_CLOSERS = "\"'”’)]»"


def judged(text: str, min_words: int) -> bool:
    """Whether a text is one the model judges: min_words words or more, ending as a sentence does
    (a full stop, !, ? or an ellipsis). A title, a field ("Usual onset: Adulthood; ...") or a menu line
    is not a sentence and is left to the block scorers."""
    return text.rstrip().rstrip(_CLOSERS)[-1:] in ".!?…" and len(text.split()) >= min_words


class Garble:
    """The trigram counts of edited prose's skeletons and the logistic model over a text's statistics.
    A class: the counts are loaded once and their totals kept with them."""

    def __init__(self, data: dict) -> None:
        self.unigrams: dict[str, int] = data["unigrams"]
        self.bigrams: dict[str, int] = data["bigrams"]
        self.trigrams: dict[str, int] = data["trigrams"]
        self.contexts1: dict[str, int] = data["contexts1"]
        self.contexts2: dict[str, int] = data["contexts2"]
        self.total = sum(self.unigrams.values())
        self.vocabulary = len(self.unigrams) + 1
        self.features: list[str] = data.get("features", [])
        self.weights: list[float] = data.get("weights", [])
        self.bias: float = data.get("bias", 0.0)
        self.threshold: float = data.get("threshold", 1.0)
        self.min_words: int = data.get("min_words", 8)

    def log_probabilities(self, symbols: list[str]) -> tuple[list[float], list[float]]:
        """Per symbol after two <s>, and </s>: log P(symbol | two before) and log P(symbol) alone."""
        seq = [START, START] + symbols + [END]
        tri, uni = [], []
        lt, lb, lu = INTERPOLATION
        for i in range(2, len(seq)):
            a, b, c = seq[i - 2], seq[i - 1], seq[i]
            pu = (self.unigrams.get(c, 0) + 1) / (self.total + self.vocabulary)
            n1 = self.contexts1.get(b, 0)
            pb = self.bigrams.get(f"{b} {c}", 0) / n1 if n1 else pu
            n2 = self.contexts2.get(f"{a} {b}", 0)
            pt = self.trigrams.get(f"{a} {b} {c}", 0) / n2 if n2 else pb
            tri.append(math.log(lt * pt + lb * pb + lu * pu))
            uni.append(math.log(pu))
        return tri, uni

    def statistics(self, text: str) -> list[float]:
        """FEATURES of a text, in order."""
        symbols = skeleton(text)
        tri, uni = self.log_probabilities(symbols)
        n = len(tri)
        ratio = [t - u for t, u in zip(tri, uni)]
        worst = min(sum(ratio[i:i + WINDOW]) / WINDOW for i in range(max(1, n - WINDOW + 1)))
        words = [s for s in symbols if s[0].isalpha() or s.startswith("<") and s != "<p>"]
        content = [not s[0].isalpha() for s in words]
        longest = run = 0
        for is_content in content:
            run = run + 1 if is_content else 0
            longest = max(longest, run)
        nw = len(words) or 1
        tokens = text.split()
        table = lexicon.load()
        first = lexicon.letters(tokens[0]).lower() if tokens else ""
        last = lexicon.last_letters(tokens[-1]).lower() if tokens and text.rstrip()[-1:] in ".!?" else ""
        return [table["start"].get(first, 0.0), table["end"].get(last, 0.0) if last else 0.0,sum(tri) / n, sum(ratio) / n, worst, 1 - sum(content) / nw, longest / nw, math.log1p(longest),
                math.log1p(len(words))]

    def probability(self, text: str) -> float:
        """The probability that a text is spun or stuffed rather than written (the logistic model)."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, self.statistics(text)))
        return 1 / (1 + math.exp(-z)) if z > -30 else 0.0


FEATURES = ("start_lift", "end_lift", "mean_log_p", "mean_log_ratio", "worst_window", "function_share", "longest_run_share",
            "log_longest_run", "log_words")


@lru_cache(maxsize=1)
def load() -> Garble | None:
    """The shipped model, or None when garble.json is missing (the pass then judges nothing)."""
    try:
        return Garble(json.loads(GARBLE_PATH.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
