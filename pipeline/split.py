"""Document -> Sections -> sentence-aligned Passages, never across sections."""

from __future__ import annotations

import re
import sys
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
    """nltk's Punkt, configured by hand: no pretrained data is needed or fetched.

    `import nltk` imports all of nltk, and nltk.metrics imports scipy.stats (0.33 s
    of its 0.8 s here) for a Fisher test that nltk itself treats as optional (it
    catches the ImportError). Punkt needs none of it, so scipy.stats is hidden while
    nltk loads, unless something already imported it.
    """
    hide = "scipy.stats" not in sys.modules
    if hide:
        sys.modules["scipy.stats"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    finally:
        if hide and sys.modules.get("scipy.stats", 0) is None:
            del sys.modules["scipy.stats"]

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS.split())
    tokenizer = PunktSentenceTokenizer(params)
    # Punkt asks, for every full stop, whether the few words around it hold a sentence
    # break, tokenizing and annotating them afresh (tens of microseconds each): a page of
    # "a. a. a. ..." or ". . . ..." took about 2 s per 100 KB. The answer depends only on
    # that short context (the parameters are fixed), so it is memoised; ordinary prose
    # repeats few contexts and pays only a dictionary look-up.
    tokenizer.text_contains_sentbreak = lru_cache(maxsize=SENTBREAK_CACHE_SIZE)(tokenizer.text_contains_sentbreak)
    return tokenizer


SENTBREAK_CACHE_SIZE = 4096  # contexts remembered; a few hundred KB at most


# A footnote number glued to a full stop ("treated with statins.1 We will...") hides the
# sentence boundary from Punkt: the number is kept with its sentence, the break restored.
_FOOTNOTE_BREAK_RE = re.compile(r"(?<=[a-z]\.\d)(?=\s+[A-Z])|(?<=[a-z]\.\d\d)(?=\s+[A-Z])")


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph, whitespace-trimmed."""
    text = text.strip()
    if not text:
        return []
    return [s.strip() for part in _FOOTNOTE_BREAK_RE.split(text) for s in _punkt().tokenize(part) if s.strip()]


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


def pack(sentences: list[str]) -> list[list[int]]:
    """Group consecutive sentences (by index) into passages of a few sentences each.

    Sentences are packed greedily up to PASSAGE_MAX_WORDS / PASSAGE_MAX_SENTENCES;
    callers pack one section at a time, so a passage never spans two sections.
    """
    return pack_counts([word_count(s) for s in sentences])


def pack_counts(counts: list[int]) -> list[list[int]]:
    """`pack` given each sentence's word count (the incremental build caches the counts)."""
    groups: list[list[int]] = []
    current: list[int] = []
    words = 0
    for i, n in enumerate(counts):
        if current and (words + n > PASSAGE_MAX_WORDS or len(current) >= PASSAGE_MAX_SENTENCES):
            groups.append(current)
            current, words = [], 0
        current.append(i)
        words += n
    if current:
        groups.append(current)
    return groups


def section_sentences(document: Document) -> list[tuple[str, list[str]]]:
    """(heading, sentences) per section; the page title stands in for a missing heading."""
    out = []
    for section in document.sections:
        sentences = [s for paragraph in section.paragraphs
                     for s in split_sentences(paragraph[2:] if paragraph.startswith("- ") else paragraph)]
        if sentences:
            out.append((section.heading or document.title, sentences))
    return out
