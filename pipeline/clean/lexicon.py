"""Where words stand in edited sentences: numbers counted from the train sites' gold texts.

lexicon.json (written by `python -m pipeline.clean.train_lexicon`) holds, per lower-cased
word seen often enough:
  opener   of its capitalised sightings, the share that open a sentence: "recently" 1.0,
           "instead" 0.97, "the" 0.85, but "cook" 0.22, "obama" 0.08 (names are capitalised
           anywhere); glue.py cuts a run's "sentence" before a capitalised opener;
  start    log of how much likelier the word is as a sentence's first word than anywhere
           ("i", "but", "however" high; "of", "and", "is" low);
  end      the same for the last word before the final stop ("it", "year" high; "the", "of",
           "their", "in" low): a spun fragment starts and stops where a writer would not.
Words not in the file get 0.0 (no evidence either way).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LEXICON_PATH = Path(__file__).with_name("lexicon.json")


@lru_cache(maxsize=1)
def load() -> dict[str, dict[str, float]]:
    """{"opener": {...}, "start": {...}, "end": {...}} (empty tables when the file is missing)."""
    try:
        data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    return {name: data.get(name, {}) for name in ("opener", "start", "end")}


def letters(token: str) -> str:
    """The leading letters of a token after opening quotes and brackets ("It’s" -> "It")."""
    core = token.lstrip("\"“‘(['«")
    end = 0
    while end < len(core) and core[end].isalpha():
        end += 1
    return core[:end]


def last_letters(token: str) -> str:
    """The letters of a sentence's last token, closing punctuation dropped ("year.”" -> "year")."""
    core = token.rstrip("\"'”’)]».!?…,;:")
    start = len(core)
    while start > 0 and core[start - 1].isalpha():
        start -= 1
    return core[start:]
