"""Document -> Sections -> sentence-aligned Passages, never across sections."""

from __future__ import annotations

import re
from functools import lru_cache

from .records import Document

PASSAGE_MAX_WORDS = 60  # about three sentences: long enough for context, short enough to cite
PASSAGE_MAX_SENTENCES = 4

# Abbreviations that end in a period without ending a sentence. Punkt learns these
# from training text; we ship no trained model (nothing may download), so we give
# it the common ones of English scientific and web prose instead.
ABBREVIATIONS = (
    "e.g i.e etc al vs cf approx ca fig figs eq no nos vol pp ed eds dept univ inc ltd co corp "
    "dr mr mrs ms prof st jr sr mt ft "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "n s e w u.s u.k a.m p.m"
)


@lru_cache(maxsize=1)
def _punkt():
    """nltk's Punkt, configured by hand: no pretrained data is needed or fetched."""
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS.split())
    return PunktSentenceTokenizer(params)


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph, whitespace-trimmed."""
    text = text.strip()
    if not text:
        return []
    return [s.strip() for s in _punkt().tokenize(text) if s.strip()]


def _word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


def passages_of(document: Document) -> list[tuple[str, str]]:
    """(section heading, passage text) pairs in document order.

    Sentences are packed greedily up to PASSAGE_MAX_WORDS / PASSAGE_MAX_SENTENCES;
    a passage never spans two sections.
    """
    out: list[tuple[str, str]] = []
    for section in document.sections:
        heading = section.heading or document.title
        current: list[str] = []
        words = 0
        for paragraph in section.paragraphs:
            for sentence in split_sentences(paragraph):
                n = _word_count(sentence)
                if current and (words + n > PASSAGE_MAX_WORDS or len(current) >= PASSAGE_MAX_SENTENCES):
                    out.append((heading, " ".join(current)))
                    current, words = [], 0
                current.append(sentence)
                words += n
        if current:
            out.append((heading, " ".join(current)))
    return out
