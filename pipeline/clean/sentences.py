"""The sentence scorer: how likely a sentence is boilerplate on any site (sentences.json).

A logistic model over the sentence's words (only words that the sentences of many train sites
hold, so no site's or topic's words carry weight) and its shape, fitted by train_sentences.py
on the plain-text dumps of labelled pages. Plain numbers; loaded once.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SENTENCES_PATH = Path(__file__).with_name("sentences.json")
MIN_WORDS = 4  # shorter parts are menus and labels: the block scorers' work

_WORD_RE = re.compile(r"[^\W\d_]+")
_DIGIT_RE = re.compile(r"\d")
_ADDRESS_RE = re.compile(r"https?://|www\.|\S@\S|\.(?:com|org|net)\b", re.IGNORECASE)
_SYMBOL_RE = re.compile(r"[|»«›‹·•→←©®™>]")

# The shape features, in the order of shape_row.
SHAPES = ("log_words", "stopped", "question", "exclaim", "lower_start", "capital_share", "digit_share",
          "address", "symbols")


def tokens(sentence: str) -> list[str]:
    """The sentence's words, lower case, letters only."""
    return _WORD_RE.findall(sentence.lower())


def terms(sentence: str) -> set[str]:
    """What the model weighs: the sentence's words and its pairs of adjacent words ("of_use")."""
    words = tokens(sentence)
    return set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:])}


def judged(sentence: str) -> bool:
    """Whether the scorer judges this part: a sentence (MIN_WORDS words or more, a final stop)."""
    return len(sentence.split()) >= MIN_WORDS and sentence.rstrip("\"'”’)] ")[-1:] in ".!?"


def shape_row(sentence: str) -> list[float]:
    words = sentence.split()
    n = max(len(words), 1)
    end = sentence.rstrip("\"'”’)] ")[-1:]
    return [
        math.log(n),
        float(end in ".!?"),
        float(end == "?"),
        float(end == "!"),
        float(sentence[:1].islower()),
        sum(w[:1].isupper() for w in words) / n,
        sum(bool(_DIGIT_RE.search(w)) for w in words) / n,
        float(bool(_ADDRESS_RE.search(sentence))),
        min(len(_SYMBOL_RE.findall(sentence)), 3) / 3,
    ]


@dataclass(frozen=True)
class SentenceModel:
    threshold: float
    bias: float
    words: dict[str, float]
    shapes: tuple[float, ...]

    def boilerplate(self, sentence: str) -> float:
        """P(boilerplate) of one sentence."""
        z = self.bias + sum(self.words.get(w, 0.0) for w in terms(sentence))
        z += sum(c * v for c, v in zip(self.shapes, shape_row(sentence)))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@lru_cache(maxsize=1)
def load(path: Path = SENTENCES_PATH) -> SentenceModel:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return SentenceModel(raw["threshold"], raw["bias"], raw["words"], tuple(raw["shapes"][name] for name in SHAPES))
