"""The one analyzer used for passages AND questions.

Lower-case, Unicode-normalise, split into words while keeping compound biomedical
names findable both whole and in parts (anti-HMGCR, HLA-DRB1*11:01, C5b-9, G72.4),
drop English stopwords (our own list: nothing is downloaded), and stem with the
original Porter algorithm (PyStemmer, the same algorithm as Lucene's PorterStemFilter
and nltk's ORIGINAL_ALGORITHM mode; it imports in ~1 ms where `import nltk` costs
~0.9 s, which `ask` cannot afford).

The settings below are saved with the index: changing any of them forces a rebuild.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

ANALYZER_VERSION = 1

# A word: letters and digits, possibly joined into a compound by - * : . / +
# (C5b-9, HLA-DRB1*11:01, G72.4, U/L). Underscore is not a word character here.
_WORD = r"[^\W_]+"
TOKEN_RE = re.compile(rf"{_WORD}(?:[-*:./+]{_WORD})*")
PART_RE = re.compile(_WORD)

# English stopwords, kept as data (the usual function words of nltk's and Lucene's lists,
# plus question words, since users ask questions: "what", "which", "how").
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn
    doing don down during each else few for from further had hadn has hasn have haven
    having he her here hers herself him himself his how i if in into is isn it its itself
    just let ll me more most mustn my myself no nor not now of off on once only or other
    ought our ours ourselves out over own re s same shan she should shouldn so some such
    t than that the their theirs them themselves then there these they this those through
    to too under until up ve very was wasn we were weren what when where which while who
    whom why will with won would wouldn you your yours yourself yourselves d m o y
    also whether whose ever tell does did get got
    """.split()
)

# Prefixes split off long words so the stem inside is findable too: "antibodies"
# finds "autoantibodies", "immune" finds "autoimmune".
DECOMPOUND_PREFIXES = ("auto",)
DECOMPOUND_MIN_REST = 5  # the remainder must be a word of its own, not "auto|mobile"-short

SETTINGS = {
    "analyzer_version": ANALYZER_VERSION,
    "stemmer": "porter",
    "lowercase": True,
    "compounds": "whole+parts+joined",
    "decompound_prefixes": list(DECOMPOUND_PREFIXES),
    "stopwords": len(STOPWORDS),
}

_stemmer = Stemmer.Stemmer("porter")



@lru_cache(maxsize=200_000)
def _analyze_word(word: str) -> tuple[str, ...]:
    """Tokens for one lower-cased word or compound, cached: vocabularies are Zipfian."""
    parts = PART_RE.findall(word)
    if len(parts) == 1:
        if word in STOPWORDS:
            return ()
        stem = _stemmer.stemWord(word)
        for prefix in DECOMPOUND_PREFIXES:
            rest = word[len(prefix):]
            if word.startswith(prefix) and len(rest) >= DECOMPOUND_MIN_REST and rest.isalpha():
                return (stem, _stemmer.stemWord(rest))
        return (stem,)
    out = [word]  # the compound whole, unstemmed: anti-hmgcr, hla-drb1*11:01
    joined = "".join(parts)
    if joined != word:
        out.append(joined)  # antihmgcr matches "anti-HMGCR" and "antiHMGCR"
    out.extend(_stemmer.stemWord(p) for p in parts if p not in STOPWORDS)
    return tuple(out)


def normalize(text: str) -> str:
    """NFKC-normalise and lower-case (full-width letters, ligatures, odd dashes)."""
    text = unicodedata.normalize("NFKC", text)
    # The many Unicode hyphens and dashes join compounds like the ASCII one.
    text = re.sub("[\u2010\u2011\u2012\u2013\u2212]", "-", text)
    return text.lower()


def analyze(text: str) -> list[str]:
    """Tokens for a passage or a question, in order."""
    tokens: list[str] = []
    for word in TOKEN_RE.findall(normalize(text)):
        tokens.extend(_analyze_word(word))
    return tokens


def query_terms(text: str) -> list[str]:
    """The words of a question as a person wrote them, for highlighting hits."""
    return [w for w in TOKEN_RE.findall(normalize(text)) if w not in STOPWORDS]


@lru_cache(maxsize=1)
def _expansions() -> list[tuple[tuple[str, ...], list[str]]]:
    """The thesaurus analyzed once: (lay words, clinical tokens) pairs."""
    from .thesaurus import LAY_TO_CLINICAL

    return [(tuple(TOKEN_RE.findall(normalize(lay))), analyze(clinical)) for lay, clinical in LAY_TO_CLINICAL]


def question_tokens(question: str) -> list[str]:
    """Tokens for a question: its own words, plus clinical terms for the lay words in it."""
    tokens = analyze(question)
    words = TOKEN_RE.findall(normalize(question))
    extra: list[str] = []
    for lay, clinical in _expansions():
        n = len(lay)
        if any(tuple(words[i:i + n]) == lay for i in range(len(words) - n + 1)):
            extra.extend(t for t in clinical if t not in tokens and t not in extra)
    return tokens + extra
