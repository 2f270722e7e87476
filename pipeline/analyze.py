"""The one analyzer used for passages AND questions.

Lower-case, Unicode-normalise, split into words while keeping compound biomedical
names findable both whole and in parts (anti-HMGCR, HLA-DRB1*11:01, C5b-9, G72.4),
drop English stopwords (our own list: nothing is downloaded), and stem with the
original Porter algorithm (PyStemmer, the same algorithm as Lucene's PorterStemFilter
and nltk's ORIGINAL_ALGORITHM mode; it imports in ~1 ms where `import nltk` costs
~0.9 s, which `ask` cannot afford). Porter keeps derivations apart, so every word also
yields a five-letter prefix token that joins its family (see AnalyzerSettings).

The settings (AnalyzerSettings) are saved with the index: changing any of them forces a rebuild.
How a question becomes a weighted query is pipeline/query.py.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import asdict, dataclass

import Stemmer

ANALYZER_VERSION = 6  # 2: "%" is also "percent"; 3: prefix tokens; 4: no -sis rule; 5: accents folded, CJK bigrams; 6: MAX_TOKEN_CHARS

# A longer word is analysed in pieces of this many characters, as Lucene's StandardTokenizer
# splits a token at maxTokenLength (255) intervals: a 3 MB run without spaces is not one term
# of 3 MB in the index (nor stemmed whole), and the same run in a question gives the same pieces.
MAX_TOKEN_CHARS = 255

# A word: letters and digits, possibly joined into a compound by - * : . / +
# (C5b-9, HLA-DRB1*11:01, G72.4, U/L). Underscore is not a word character here.
_WORD = r"[^\W_]+"
TOKEN_RE = re.compile(rf"{_WORD}(?:[-*:./+]{_WORD})*")
PART_RE = re.compile(_WORD)
# TOKEN_RE on ASCII text: the same words, a quarter faster (no Unicode class to look up).
_ASCII_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:[-*:./+][A-Za-z0-9]+)*")
# Han, Hiragana, Katakana, Hangul: scripts written without spaces between words.
_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
CJK_RE = re.compile(f"[{_CJK}]")
CJK_SPLIT_RE = re.compile(f"[{_CJK}]+|[^{_CJK}]+")

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

PREFIX_MARK = "~"  # no word token contains it


@dataclass(frozen=True)
class AnalyzerSettings:
    """What decides the tokens of a text. Saved with the index: a change forces a rebuild.

    stemmer         a PyStemmer algorithm: "porter" (the original Porter, as Lucene's
                    PorterStemFilter and nltk's ORIGINAL_ALGORITHM) or "english" (Snowball)
    prefix_tokens   each word of at least `prefix_length` letters also yields a prefix
                    token ("~diagn"): Porter keeps derivations apart (diagnosis /
                    diagnosed / diagnostic), the prefix joins the family (truncation
                    stemming; five letters is McNamee & Mayfield's best for English)
    """

    stemmer: str = "porter"
    prefix_tokens: bool = True
    prefix_length: int = 5
    compound_wholes: bool = True  # a compound is also indexed whole and joined (anti-hmgcr, antihmgcr)
    decompound_prefixes: tuple[str, ...] = DECOMPOUND_PREFIXES

    def as_dict(self) -> dict:
        out = asdict(self)
        out["decompound_prefixes"] = list(self.decompound_prefixes)
        return out


class Analyzer:
    """Text -> tokens under one AnalyzerSettings.

    A class because the state is real: the stemmer and a per-word cache (vocabularies
    are Zipfian, so most words of a corpus are analysed once).
    """

    def __init__(self, settings: AnalyzerSettings = AnalyzerSettings()) -> None:
        self.settings = settings
        self._stemmer = Stemmer.Stemmer(settings.stemmer)
        self._words = _WordCache(self._analyze_word)
        # Tokens for one lower-cased word or compound, analysed once per distinct word.
        self.analyze_word = self._words.__getitem__

    def stem(self, word: str) -> str:
        return self._stemmer.stemWord(word)

    def _analyze_word(self, word: str) -> tuple[str, ...]:
        """Tokens for one lower-cased word or compound."""
        if len(word) > MAX_TOKEN_CHARS:
            pieces = (word[i:i + MAX_TOKEN_CHARS] for i in range(0, len(word), MAX_TOKEN_CHARS))
            return tuple(_chain(self.analyze_word(w) for piece in pieces for w in TOKEN_RE.findall(piece)))
        if CJK_RE.search(word):
            return self._cjk_word(word)
        parts = PART_RE.findall(word)
        if len(parts) == 1:
            if word in STOPWORDS:
                return ()
            out = [self.stem(word)]
            for prefix in self.settings.decompound_prefixes:
                rest = word[len(prefix):]
                if word.startswith(prefix) and len(rest) >= DECOMPOUND_MIN_REST and rest.isalpha():
                    out.append(self.stem(rest))
                    parts = [word, rest]
                    break
        else:
            out = []
            if self.settings.compound_wholes:
                out.append(word)  # the compound whole, unstemmed: anti-hmgcr, hla-drb1*11:01
                joined = "".join(parts)
                if joined != word:
                    out.append(joined)  # antihmgcr matches "anti-HMGCR" and "antiHMGCR"
            out.extend(self.stem(p) for p in parts if p not in STOPWORDS)
        if self.settings.prefix_tokens:
            length = self.settings.prefix_length
            for part in parts:
                if len(part) >= length and part.isalpha() and part not in STOPWORDS:
                    token = PREFIX_MARK + part[:length]
                    if token not in out:
                        out.append(token)
        return tuple(out)

    def _cjk_word(self, word: str) -> tuple[str, ...]:
        """Chinese, Japanese and Korean runs as overlapping character bigrams (a lone
        character as itself), as Lucene's CJKAnalyzer indexes them; any Latin or digit
        part of the same word is analysed as a word of its own."""
        out: list[str] = []
        for run in CJK_SPLIT_RE.findall(word):
            if CJK_RE.match(run):
                out.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
            else:
                for part in TOKEN_RE.findall(run):
                    out.extend(self.analyze_word(part))
        return tuple(out)

    def analyze(self, text: str) -> list[str]:
        """Tokens for a passage or a question, in order."""
        # One dictionary look-up per word, all in C (a Python loop over lru_cache calls
        # was most of the analyzer's time on SciFact's abstracts).
        text = normalize(text)
        words = (_ASCII_TOKEN_RE if text.isascii() else TOKEN_RE).findall(text)
        return list(_chain(map(self.analyze_word, words)))


# Distinct words remembered; a few tens of MB at most. Past it the cache starts over
# (the tokens of a word never depend on what is cached).
WORD_CACHE_SIZE = 200_000
_chain = itertools.chain.from_iterable


class _WordCache(dict):
    """word -> its tokens, computed on the first look-up (dict.__missing__)."""

    def __init__(self, compute) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, word: str) -> tuple[str, ...]:
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        tokens = self[word] = self._compute(word)
        return tokens


DEFAULT_SETTINGS = AnalyzerSettings()
DEFAULT = Analyzer(DEFAULT_SETTINGS)

SETTINGS = {
    "analyzer_version": ANALYZER_VERSION,
    **DEFAULT_SETTINGS.as_dict(),
    "lowercase": True,
    "compounds": "whole+parts+joined",
    "stopwords": len(STOPWORDS),
    "max_token_chars": MAX_TOKEN_CHARS,
}


def normalize(text: str) -> str:
    """NFKC-normalise, lower-case and fold accents (full-width letters, ligatures, odd dashes, café)."""
    if text.isascii():  # ASCII is its own NFKC form, has no Unicode dashes and no accents
        return text.replace("%", " percent ").lower()
    text = unify(text).lower()
    return text if text.isascii() else fold_accents(text)


# Combining marks (accents) on a Latin letter: "café" is found by "cafe", as Lucene's
# ASCIIFoldingFilter does. Marks on other scripts stay: a Devanagari vowel sign is a letter.
_LATIN_MARKS_RE = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")


def fold_accents(text: str) -> str:
    """Drop the accents of Latin letters (é -> e, ñ -> n), keep every other character."""
    return unicodedata.normalize("NFC", _LATIN_MARKS_RE.sub("", unicodedata.normalize("NFD", text)))


_DASHES_RE = re.compile("[\u2010\u2011\u2012\u2013\u2212]")


def unify(text: str) -> str:
    """`normalize` without the lower-casing, for what reads case (names in questions)."""
    text = unicodedata.normalize("NFKC", text)
    # The many Unicode hyphens and dashes join compounds like the ASCII one.
    text = _DASHES_RE.sub("-", text)
    # Symbols that stand for words: "20-30%" is also found by "percent".
    return text.replace("%", " percent ")


def analyze(text: str) -> list[str]:
    """Tokens for a passage or a question with the default analyzer, in order."""
    return DEFAULT.analyze(text)


def query_terms(text: str) -> list[str]:
    """The words of a question as a person wrote them, for highlighting hits."""
    return [w for w in TOKEN_RE.findall(normalize(text)) if w not in STOPWORDS]


def is_prefix(token: str) -> bool:
    return token.startswith(PREFIX_MARK)
