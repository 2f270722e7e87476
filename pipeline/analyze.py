"""The one analyzer used for passages AND questions.

Lower-case, Unicode-normalise, split into words while keeping compound biomedical
names findable both whole and in parts (anti-HMGCR, HLA-DRB1*11:01, C5b-9, G72.4),
drop English stopwords (our own list: nothing is downloaded), and stem with the
original Porter algorithm (PyStemmer, the same algorithm as Lucene's PorterStemFilter
and nltk's ORIGINAL_ALGORITHM mode; it imports in ~1 ms where `import nltk` costs
~0.9 s, which `ask` cannot afford). Porter keeps derivations apart, so every word also
yields a five-letter prefix token that joins its family (see PREFIX_LENGTH).

The settings below are saved with the index: changing any of them forces a rebuild.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable

import Stemmer

ANALYZER_VERSION = 3  # 2: "%" is also "percent"; 3: prefix tokens

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

# Porter conflates inflections (treated, treating -> treat) but not derivations:
# diagnosis/diagnosed/diagnostic, treatment/treated, inflammation/inflammatory,
# recovery/recover, necrosis/necrotic all keep apart. Each word of at least
# PREFIX_LENGTH letters therefore also yields a prefix token ("~diagn"), which joins
# the family (truncation stemming; five letters is the length McNamee & Mayfield
# found best for English). In a question a word's stem counts STEM_WEIGHT and its prefix
# PREFIX_WEIGHT: the form typed (stem and prefix) scores twice a relative (prefix alone),
# and a person asking "how is it treated" still finds the passages on "treatment".
# Measured on the seed question sets and SciFact together (see README).
PREFIX_LENGTH = 5
PREFIX_WEIGHT = 0.7
STEM_WEIGHT = 0.7  # the word's own stem, beside its prefix: an exact form scores 1.4, a relative 0.7
PREFIX_MARK = "~"  # no word token contains it

# Nouns a question uses to point at its topic rather than to ask about something:
# "how is the disease treated", "is this condition inherited". Every page about the
# topic calls it a disease, so these words would rank passages by how often they say
# "disease", not by the answer. They still count, at GENERIC_WEIGHT.
GENERIC_NOUNS = frozenset(
    """
    disease diseases condition conditions disorder disorders illness illnesses sickness
    problem problems syndrome syndromes thing things issue issues
    """.split()
)
GENERIC_WEIGHT = 0.3

# A name the question spells as one (MRI, IgG, C5b-9, IL-6) is what it asks about, more
# than the words around it ("MRI findings", "IL-6 levels"), as long as the corpus rarely
# has it: a name on every page (the topic's own acronym) says nothing about which
# passage answers. When added: SciFact nDCG@10 +0.008, the seed question sets unchanged.
ENTITY_WEIGHT = 1.5
ENTITY_MAX_SHARE = 0.1

# The corpus's topic: the words of its titles (ingest.topic_terms: "necrotizing",
# "myopathy" when most pages are about one myopathy). Every passage is about it, so
# it says little about which one answers: BM25's idf lowers such words, but a question
# that names the topic in three or four words ("does IVIG work for necrotizing
# autoimmune myopathy") still lets the passages that repeat the name outrank the one
# about IVIG. Topic words found in a tenth of the passages or more count TOPIC_WEIGHT;
# common words that are not the topic ("antibodies", "treatment") keep their weight.
TOPIC_WEIGHT = 0.3
TITLE_TOPIC_MIN_SHARE = 0.1

# Definition questions: "what is X", X a name of up to five words. The tail is written
# "\s*(?:\?\s*)?$", not "\s*\??\s*$": two runs of \s* side by side split a long run
# of spaces every possible way before the match fails (quadratic time).
DEFINITION_RE = re.compile(
    r"^\s*what(?:'s| is| are) (?:an? )?((?!(?:the|this|that|these|those|it|my|your)\b)[^\s?,;]+(?: [^\s?,;]+){0,4})\s*(?:\?\s*)?$"
)
_NOT_IN_TERM = frozenset("for of in on with when to from by about after before do does can is are was my your".split())
DEFINITION_WEIGHT = 1.0

# How an expansion's corpus share s = df(clinical) / (df(clinical) + df(lay)) becomes its
# query weight: max(FLOOR, s) ** POWER. The square root and the floor soften the
# share where counts are small (a three-page corpus); measured on the seed questions
# and SciFact together (see question_tokens).
EXPANSION_FLOOR = 0.3
EXPANSION_POWER = 0.5

SETTINGS = {
    "analyzer_version": ANALYZER_VERSION,
    "stemmer": "porter",
    "lowercase": True,
    "compounds": "whole+parts+joined",
    "decompound_prefixes": list(DECOMPOUND_PREFIXES),
    "stopwords": len(STOPWORDS),
    "prefix_length": PREFIX_LENGTH,
}

_stemmer = Stemmer.Stemmer("porter")



def _stem(word: str) -> str:
    """Porter, except that a Greek "-sis" noun stems like its "-ses" plural: Porter
    takes "diagnosis" for a plural of "diagnosi", apart from "diagnoses" and
    "diagnosed" (diagnos); likewise prognosis, necrosis, analysis, hypothesis."""
    if word.endswith("sis") and len(word) > 6:
        word = word[:-2] + "es"
    return _stemmer.stemWord(word)


@lru_cache(maxsize=200_000)
def _analyze_word(word: str) -> tuple[str, ...]:
    """Tokens for one lower-cased word or compound, cached: vocabularies are Zipfian."""
    parts = PART_RE.findall(word)
    if len(parts) == 1:
        if word in STOPWORDS:
            return ()
        out = [_stem(word)]
        for prefix in DECOMPOUND_PREFIXES:
            rest = word[len(prefix):]
            if word.startswith(prefix) and len(rest) >= DECOMPOUND_MIN_REST and rest.isalpha():
                out.append(_stem(rest))
                parts = [word, rest]
                break
    else:
        out = [word]  # the compound whole, unstemmed: anti-hmgcr, hla-drb1*11:01
        joined = "".join(parts)
        if joined != word:
            out.append(joined)  # antihmgcr matches "anti-HMGCR" and "antiHMGCR"
        out.extend(_stem(p) for p in parts if p not in STOPWORDS)
    for part in parts:
        if len(part) >= PREFIX_LENGTH and part.isalpha() and part not in STOPWORDS:
            token = PREFIX_MARK + part[:PREFIX_LENGTH]
            if token not in out:
                out.append(token)
    return tuple(out)


def normalize(text: str) -> str:
    """NFKC-normalise and lower-case (full-width letters, ligatures, odd dashes)."""
    return _unify(text).lower()


def _unify(text: str) -> str:
    """`normalize` without the lower-casing, for what reads case (names in questions)."""
    text = unicodedata.normalize("NFKC", text)
    # The many Unicode hyphens and dashes join compounds like the ASCII one.
    text = re.sub("[\u2010\u2011\u2012\u2013\u2212]", "-", text)
    # Symbols that stand for words: "20-30%" is also found by "percent".
    return text.replace("%", " percent ")


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
def _expansions() -> list[tuple[tuple[str, ...], tuple[str, ...], list[str]]]:
    """The thesaurus analyzed once: (lay words, lay tokens, clinical tokens) triples."""
    from .thesaurus import LAY_TO_CLINICAL

    return [(tuple(TOKEN_RE.findall(normalize(lay))), tuple(analyze(lay)), _expansion_tokens(clinical))
            for lay, clinical in LAY_TO_CLINICAL]


def _expansion_tokens(clinical: str) -> list[str]:
    """Tokens an expansion adds: a compound only as itself ("immune-mediated"), not its
    parts, which would weigh the one word several times and match every page that
    merely names "immune" things."""
    out: list[str] = []
    for word in TOKEN_RE.findall(normalize(clinical)):
        tokens = _analyze_word(word)
        if len(PART_RE.findall(word)) > 1:
            tokens = tokens[:1]
        out.extend(t for t in tokens if t not in out)
    return out


def question_tokens(question: str, df: Callable[[str], int] | None = None, n_docs: int = 0,
                    topic: frozenset[str] = frozenset()) -> list:
    """Query tokens for a question: its own words, then clinical terms for its lay words.

    The question's words are plain terms (weight 1). Each expansion is a (term, weight)
    pair. With `df` (the index's document frequency of a term) the weight follows the
    corpus: df(clinical) / (df(clinical) + df(lay)), the share of the corpus's
    mentions that use the clinical word. A corpus that never says "kids" gives
    "pediatric" weight 1; one that says "cancer" as often as "malignancy" halves it,
    and one that mostly says "cancer" nearly drops it: there the person's own word
    already finds the passages, and the expansion would only add noise.
    Without `df` every expansion has weight 1. Prefix tokens (see PREFIX_LENGTH) count
    PREFIX_WEIGHT times what their word counts, generic nouns GENERIC_WEIGHT, and
    with `n_docs` (the corpus size) names rare in the corpus ENTITY_WEIGHT and the
    corpus's topic words (`topic`, the terms of its titles) TOPIC_WEIGHT.
    """
    tokens = analyze(question)
    words = TOKEN_RE.findall(normalize(question))
    weights: dict[str, float] = {}
    for lay_words, lay_tokens, clinical in _expansions():
        n = len(lay_words)
        if not any(tuple(words[i:i + n]) == lay_words for i in range(len(words) - n + 1)):
            continue
        # A phrase occurs in at most as many documents as its rarest word.
        lay_df = min((df(t) for t in lay_tokens if not _is_prefix(t)), default=0) if df else 0
        for term in clinical:
            if term in tokens:
                continue
            clinical_df = df(term) if df else 1
            if clinical_df > 0:
                weight = max(EXPANSION_FLOOR, clinical_df / (clinical_df + lay_df)) ** EXPANSION_POWER
                if _is_prefix(term):
                    weight *= PREFIX_WEIGHT
                weights[term] = max(weights.get(term, 0.0), weight)
    generic = _generic_tokens()
    names = _name_tokens(question) if df and n_docs else set()
    # The stem of a word that also has a prefix token: "treated" -> treat, ~treat.
    stems = {tokens_of[0] for tokens_of in (_analyze_word(w) for w in words if len(PART_RE.findall(w)) == 1)
             if any(map(_is_prefix, tokens_of))}
    own: list = []
    for t in tokens:
        weight = (PREFIX_WEIGHT if _is_prefix(t) else STEM_WEIGHT if t in stems else 1.0) * (
            GENERIC_WEIGHT if t in generic else 1.0)
        if t in names and df(t) < ENTITY_MAX_SHARE * n_docs:
            weight *= ENTITY_WEIGHT
        own.append(t if weight == 1.0 else (t, weight))
    out = own + [(term, weight) for term, weight in weights.items()]
    if _asks_what_it_is(question):
        # "What is X?" asks for a definition: the passage that defines X, often under a
        # heading that says so, rather than any passage that names X.
        out += [(t, DEFINITION_WEIGHT * (PREFIX_WEIGHT if _is_prefix(t) else 1.0))
                for t in analyze("definition") if t not in tokens]
    if df and n_docs and topic:
        out = [_damp_topic(t, df, n_docs, topic) for t in out]
    return out


def _damp_topic(token, df: Callable[[str], int], n_docs: int, topic: frozenset[str]):
    """A term of the corpus's titles found in TITLE_TOPIC_MIN_SHARE of the passages counts TOPIC_WEIGHT."""
    term, weight = (token, 1.0) if isinstance(token, str) else token
    if term in topic and df(term) >= TITLE_TOPIC_MIN_SHARE * n_docs:
        return (term, weight * TOPIC_WEIGHT)
    return token


def _asks_what_it_is(question: str) -> bool:
    """ "What is X?" / "What are X?" where X is a name of up to five words, not a clause
    ("what is the usual treatment for it" asks about something else)."""
    match = DEFINITION_RE.match(normalize(question))
    return bool(match) and not _NOT_IN_TERM.intersection(match.group(1).split())


def _name_tokens(question: str) -> set[str]:
    """Tokens of the names a question spells as names: two or more capitals (MRI, IgG,
    anti-HMGCR) or letters with digits (C5b-9, IL-6, G72.4)."""
    out: set[str] = set()
    for word in TOKEN_RE.findall(_unify(question)):
        if sum(c.isupper() for c in word) >= 2 or (any(c.isdigit() for c in word) and any(c.isalpha() for c in word)):
            out.update(t for t in _analyze_word(word.lower()) if not _is_prefix(t))
    return out


@lru_cache(maxsize=1)
def _generic_tokens() -> frozenset[str]:
    return frozenset(t for noun in GENERIC_NOUNS for t in _analyze_word(noun))


def _is_prefix(token: str) -> bool:
    return token.startswith(PREFIX_MARK)
