"""Lay words -> the clinical words that pages use for them, applied to questions only.

People ask "can kids get this?" and pages say "pediatric onset"; BM25 matches words,
not meanings. The pairs live in `thesaurus.tsv` beside this module (lay phrase,
clinical words, source), general consumer-health pairs that hold for any condition,
none about one disease. A lay phrase matches on stems, so one row serves "kid" and
"kids", "treat", "treated" and "treating". Rows are kept in file order, so expansion
is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

THESAURUS_FILE = Path(__file__).with_name("thesaurus.tsv")


@dataclass(frozen=True)
class Entry:
    """One row: a lay phrase, the clinical words it adds, and where the pair comes from."""

    lay: str
    clinical: str
    source: str


@lru_cache(maxsize=4)
def load(path: Path = THESAURUS_FILE) -> tuple[Entry, ...]:
    """The rows of a thesaurus file (tab-separated; '#' starts a comment line)."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(f.strip() for f in fields):
            raise ValueError(f"{path}:{number}: need three tab-separated fields (lay, clinical, source)")
        entries.append(Entry(*(f.strip() for f in fields)))
    return tuple(entries)
