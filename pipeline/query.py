"""Question -> weighted query, each term with the reasons for its weight.

The analyzer decides which tokens a text has; this module decides how much each
token of a question counts. Every rule is a field of QuerySettings, so the
benchmark (bench/bench_retrieval.py) can switch each one off and measure it, and
`winnow ask --explain` prints the reasons kept on every term.

    build_query(question, analyzer, stats, settings)
      1. the question's own tokens (a stem beside its prefix token counts less; a prefix
         token once, however many words of its family the question types)
      2. rules that read the question: compounds count as one word, rare names, the
         word of a wh-phrase ("how long", "how many"), whose kind of answer the answer
         type (below) asks for
      3. lay words -> clinical words (thesaurus.tsv), weighted by the corpus
      4. words the corpus uses no more than general English does count less (english.py),
         and so do words spread evenly over the corpus (residual idf)
      5. the corpus's topic counts less
      6. words naming what the answer is not ("besides X", "other than X") count less
      1.-4. fade on long questions: past fade_words words, the stem and prefix weights,
         rare names, thesaurus and keyness act fade_words / n of their effect
    rm3(query, feedback, settings)   pseudo-relevance feedback on the first ranking
    definition_subject(question), defines(text, subject)
                                     "what is X": the passages that define X first
    existence_subject(question), states_existence(text, words)
                                     "is there X": the passages that say "there is (no) X" first
    answer_type(question), has_answer_type(text, kind)
                                     "how long", "how many": passages holding a time or
                                     an amount count more
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Sequence

from . import thesaurus
from .analyze import DEFAULT, PART_RE, PREFIX_MARK, STOPWORDS, TOKEN_RE, Analyzer, is_prefix, normalize, unify

@dataclass(frozen=True)
class QuerySettings:
    """How much each kind of question token counts. 1.0 (or False) switches a rule off.

    stem_weight      a word's stem, beside its prefix token (AnalyzerSettings.prefix_tokens)
    prefix_weight    the prefix token: the form typed scores stem + prefix, a relative
                     (treatment for "treated") the prefix alone
    prefix_once      a prefix token counts once per question: words of one family typed
                     twice ("compilers ... compilation", a word repeated) each count their
                     stem, and the token that joins the family counts the family once.
                     bench/bench_retrieval.py, nDCG@10 SciFact +0.0006 (5 queries better,
                     6 worse), Cranfield +0.0041 (16 / 9), CACM +0.0113 (14 / 7), seeds 0
    fade_stems       the stem and prefix weights fade on long questions as the rules of
                     fade_words do (stem_weight 0.7 acts 1 - 0.3 fade_words / n): they were
                     fitted to short questions, and in a paragraph every word of five letters
                     or more loses a share of its typed count to the prefix token, which counts
                     once (prefix_once), while shorter words and numerals keep theirs.
                     bench/bench_retrieval.py --variants "- fade stem", nDCG@10 against off:
                     documents asked as queries (paragraphs, ArguAna-like) SciFact 0.5819 ->
                     0.5998, Cranfield 0.3266 -> 0.3283, CACM 0.1718 -> 0.1722; SciFact's
                     claims joined in twos / threes 0.6380 -> 0.6465 / 0.5660 -> 0.5765; SciFact
                     0.7079 -> 0.7106, Cranfield 0.3926 -> 0.3923, CACM 0.5261 -> 0.5176 (5
                     queries better, 8 worse: noise), seeds 0.8011 -> 0.8018. Tried and not
                     taken: the prefix token counted as often as its most-typed stem (on long
                     questions, or always: CACM -0.010), the prefix token fading to 0 and the
                     stem to 1 (SciFact -0.004, Cranfield -0.004), BM25's query-term saturation
                     k3 1.2 / 8 (paragraphs SciFact -0.034 / -0.012: a term a paragraph repeats
                     is what it is about)
    topic_weight     terms of the corpus's titles (ingest.topic_terms) found in at least
                     topic_min_share of the passages
    compound_weight  a compound's whole and joined forms (anti-hmgcr, antihmgcr) beside its
                     parts (anti, hmgcr), which carry the word as if typed apart
    entity_weight    a name spelled as one (MRI, IgG, C5b-9) in under entity_max_share
                     of the passages counts this much. 1.0 (off): at 1.5, with the fade
                     on long questions, it helped nowhere beyond noise (nDCG@10 SciFact
                     -0.0013, Cranfield 0, CACM +0.0004, seeds pooled -0.0006; blind4
                     RR@10 0.797 against 0.809 without)
    thesaurus        lay words add clinical words (thesaurus.tsv), weighted
                     max(expansion_floor, s) ** expansion_power with s the clinical
                     word's share of df(clinical) + df(lay)
    burstiness       words that ask rather than name ("involved", "articles", "deal with")
                     are spread evenly over a collection, names and topics come in
                     bursts: a term in at least burst_min_df passages counts
                     clip(residual idf / burst_ref, burst_floor, 1). Learned from the
                     collection, no word list. bench/bench_retrieval.py: SciFact
                     +0.005, Cranfield +0.010, CACM +0.003, seeds +0.001 nDCG@10, and
                     positive on the first two for ref 0.2-0.5, floor 0-0.5
    keyness          words that ask rather than name ("involved", "obeyed", "effect") are
                     words of any text: a corpus uses them about as often as general
                     English does, where it uses its own subject's words many times more
                     (Kilgarriff's keyness, as frequency ratio). A term whose rate in the
                     corpus is r times its general-English frequency (english.py: wordfreq,
                     summed over the words that yield the token) counts
                     clip(log10(r) / keyness_ref, keyness_floor, 1); a token general
                     English does not list is a name and keeps its weight.
                     bench/bench_retrieval.py --keyness --loco: chosen on the other
                     collections, nDCG@10 SciFact -0.001, Cranfield +0.003, CACM +0.009,
                     seeds +0.007
    fade_words       rules fitted to short questions (rare-name boost, thesaurus, keyness)
                     fade on long ones: a question of n > fade_words distinct words
                     (prefix tokens aside) gets fade_words / n of each rule's effect
                     (boost 1 + (b - 1) f, expansion weight x f, damping 1 - (1 - d) f).
                     In a long, multi-sentence question they shift the balance between
                     its sentences. 0: off. bench/bench_retrieval.py --fade --loco: 8
                     chosen on the others for every collection; held out nDCG@10 CACM
                     +0.0006, Cranfield +0.0007, SciFact -0.0015, SciFact claims joined
                     in twos +0.016 and threes +0.011, seeds +0.0005
    definitions      a question that only asks what X is ("what is IVIG", "define X")
                     puts the passages among its top definition_depth that define X
                     first ("X is a ...", "X (...) is an", a long form followed by "(X)"),
                     in score order, then the others: a definition wins among the
                     passages that name X, never over them (the pattern names X)
    other_names      a question that asks for X's other names ("what else is it called",
                     "other names", "synonyms", "also known as") adds the words pages
                     give names with (known, referred, called, synonym, alternate names:
                     alias_weight each) and puts the passages among its top
                     definition_depth that give another name ("also known as",
                     "synonyms", "a.k.a.") and hold every name the question spells
                     (NAM, IgG) first
    existence        a question that asks whether X exists ("is there a cure", "are there
                     any approved drugs") puts the passages among its top definition_depth
                     with an existential sentence ("there is no known cause or cure", "there
                     are no ... approved therapies") whose rest holds every word of X (or of
                     one of its alternatives split at "or"; stopwords and the corpus's topic
                     aside) first: English answers "is there X" with "there is (no) X".
                     seeds-first Success@1 0.800 -> 0.833, seeds-blind 0.775 -> 0.800, seeds
                     pooled nDCG@10 0.7821 -> 0.7878; BEIR unchanged (Cranfield's eight "is
                     there any ..." queries find no such sentence)
    durations        "how long / soon / quickly / fast" asks for a duration: its evidence is a
                     numeral or "several" before a unit of time, not followed by "of age" or
                     "old" (an age, "30 to 70 years of age"), and not a year or a decade of
                     life. False: such a question asks for any time. Decided on seeds, first,
                     blind, blind2, blind3 and queries: "how fast / how quickly does the
                     weakness come on" 2nd-3rd -> 1st in blind, blind3, queries and seeds
                     (an age of onset no longer passes for a speed); held out, lay RR@10
                     0.732 -> 0.747; BEIR unchanged (no query asks how long)
    answer_type_weight  a question whose wh-phrase asks for a time ("how long", "at what
                     age", "when") or an amount ("how many", "what percentage", "how
                     common") scores the passages among its top definition_depth that hold
                     text of that shape (a numeral before a unit of time, an age, a year;
                     any numeral, a percentage) x(1 + answer_type_weight). 0: off.
                     bench/bench_retrieval.py --answertype: 0.5 chosen on seeds, lay,
                     queries, blind, blind2, blind3, Cranfield and CACM from 0.05-1.0;
                     held out nDCG@10 blind4 0.8147 -> 0.8250, first 0.7761 -> 0.7788,
                     define and names unchanged (no typed question); SciFact unchanged
                     (its claims ask nothing)
    answer_type_own  the answer type's lift only for a passage that holds one of the question's
                     own naming words (own_terms: its words but the thesaurus's
                     expansions, the wh-phrase's word, the noun a "how many" counts and a
                     phrase pointing at the subject, "this muscle condition"), when it has any:
                     a time or an amount beside none of what the question names answers
                     nothing ("how long does treatment last": a spun passage matched by weeks
                     and months alone, "after several weeks of high-dose corticosteroids",
                     above "maintenance therapy ... at least 2 years"). Decided on seeds, lay,
                     queries, blind and first (each the same or higher, no question lower;
                     nDCG@10 0.8414 / 0.7657 / 0.6958 / 0.8705 / 0.8035 -> 0.8414 / 0.7692 /
                     0.6958 / 0.8712 / 0.8115, first Success@1 0.833 -> 0.867); held out
                     blind2 Success@1 0.675 -> 0.700, RR@10 0.773 -> 0.785, blind4 RR@10
                     0.845 -> 0.849, blind3, define and names unchanged
    corroboration_weight  the passages among the top definition_depth whose text another file
                     also holds (a copy dropped as its duplicate: Passage.sources names a file
                     other than its own) score x(1 + corroboration_weight): what two pages say
                     is less likely a page's own noise (answer redundancy, Clarke et al. 2001).
                     The records of one JSON Lines corpus are one publisher's and do not
                     corroborate each other. 0: off. Not taken (README, "Ranking"): chosen on
                     seeds, lay, queries and blind (x1.1 of 1.05-1.3; every measure of the four
                     the same or higher, pooled seeds nDCG@10 0.7991 -> 0.8034), held out
                     blind2 / blind3 / blind4 / first / define nDCG@10 +0.002 / +0.014 / -0.001 /
                     -0.003 / -0.004 and first Success@1 0.833 -> 0.800; and one shared sentence
                     marks a whole passage, so a site's template line left in two of its pages
                     would lift what it is glued to. Counting a JSON Lines corpus's records as
                     sources (any other source): Cranfield nDCG@10 0.3926 -> 0.3873 (7 queries
                     better, 31 worse, sign-flip p 0.01: its duplicates are a series' shared titles)
    excluded_weight  a question that names what its answer is not ("besides weakness, what
                     other symptoms", "shell shapes other than conical", "apart from X",
                     "except X") counts X's words (up to the next punctuation, wh-word or
                     auxiliary verb, six at most) this much, and the marker nothing: X is
                     known, the answer is something else. 1.0: off. bench/bench_retrieval.py
                     --variants "- besides,besides": x0 / x0.25 / x0.5 nDCG@10 Cranfield 0.3924
                     -> 0.3927 / 0.3927 / 0.3926 (2 of its 4 such queries better, none worse),
                     SciFact and CACM unchanged (none asks so); decided on seeds, first, blind,
                     blind2, blind3 (x0.5 moves no answer; x0.25 and x0 each lift "besides
                     weakness, what other symptoms are there" 2nd -> 1st); held out, blind4
                     RR@10 0.832 -> 0.844, lay 0.721 -> 0.732 (their "besides" questions 2nd -> 1st)
    wh_word_weight   the word after "how" in a wh-phrase that asks for a time or an amount
                     ("how long", "how many", "how common", "how often") counts this much: it
                     says what kind of answer is wanted, which the answer type looks for, not
                     what the answer is about ("long-term", "a common cause", "last" Saturday
                     hold no duration). A word typed again elsewhere keeps its weight, and a
                     thesaurus row may still add it ("how rare" -> rare). 1.0: off.
                     bench/bench_retrieval.py --variants wh-: decided on seeds, first, lay,
                     queries, blind, blind2, blind3 and the BEIR sets (x0, x0.25 and x0.5 the
                     same there: the smallest step taken): "how long does treatment last" 4th
                     -> 3rd (first RR@10 0.886 -> 0.889), "How long does treatment need to
                     continue?" 3rd -> 2nd (blind2 0.777 -> 0.781), no question lower; SciFact
                     and CACM never ask so, Cranfield's one "how much" query unchanged
    rm3              pseudo-relevance feedback as Pyserini's bm25+rm3: the fb_terms
                     best terms of the top fb_docs passages, the original query keeping
                     original_weight of the L1 mass
    """

    stem_weight: float = 0.7
    prefix_weight: float = 0.7
    prefix_once: bool = True
    fade_stems: bool = True
    topic_weight: float = 0.3
    topic_min_share: float = 0.1
    compound_weight: float = 0.5
    entity_weight: float = 1.0  # off: at 1.5 it did not help across the collections
    entity_max_share: float = 0.1
    thesaurus: bool = True
    thesaurus_match: str = "stems"  # "words": a lay phrase matches the words typed; "stems": their stems
    expansion_floor: float = 0.3
    expansion_power: float = 0.5
    burstiness: bool = True
    burst_min_df: int = 20
    burst_floor: float = 0.5
    burst_ref: float = 0.3
    keyness: bool = True
    keyness_ref: float = 1.0
    keyness_floor: float = 0.7
    definitions: bool = True
    definition_depth: int = 30
    other_names: bool = True
    alias_weight: float = 0.5
    existence: bool = True
    fade_words: int = 8
    answer_type_weight: float = 0.5
    answer_type_own: bool = True
    corroboration_weight: float = 0.0  # off: see the docstring
    excluded_weight: float = 0.25
    durations: bool = True
    wh_word_weight: float = 0.5
    rm3: bool = False
    fb_docs: int = 10
    fb_terms: int = 10
    original_weight: float = 0.5
    fb_max_df_share: float = 0.1

    def but(self, **changes) -> "QuerySettings":
        """A copy with some fields changed (the benchmark's switches)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class CorpusStats:
    """What the query reads of the corpus: document frequency, size, topic terms."""

    df: Callable[[str], int] | None = None
    n_docs: int = 0
    topic: frozenset[str] = frozenset()
    cf: Callable[[str], int] | None = None
    general: Callable[[str], float] | None = None  # a token's share of general-English words (english.py; 0: unlisted)
    avgdl: float = 0.0  # tokens per passage


@dataclass(frozen=True)
class QueryTerm:
    term: str
    weight: float
    why: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    """A weighted query: terms in first-seen order, a repeated term summed."""

    question: str
    terms: tuple[QueryTerm, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()  # rules that act on the ranking rather than on a term's weight

    def tokens(self) -> list[tuple[str, float]]:
        """(term, weight) pairs for BM25Index.search."""
        return [(t.term, t.weight) for t in self.terms]

    def explain(self) -> list[str]:
        """One line per term: weight, term, reasons; then one per note."""
        return [f"{t.weight:7.3f}  {t.term:<20} {'; '.join(t.why)}" for t in self.terms] + list(self.notes)


class _Draft:
    """Terms being weighed: term -> [weight, reasons], in first-seen order."""

    def __init__(self) -> None:
        self.terms: dict[str, list] = {}

    def add(self, term: str, weight: float, why: list[str]) -> None:
        if term in self.terms:
            entry = self.terms[term]
            entry[0] += weight
            entry[1].append(f"+{weight:.3g}: " + ", ".join(why))
        else:
            self.terms[term] = [weight, list(why)]

    def query(self, question: str) -> Query:
        return Query(question, tuple(QueryTerm(t, w, tuple(why)) for t, (w, why) in self.terms.items() if w > 0))


def build_query(question: str, analyzer: Analyzer = DEFAULT, stats: CorpusStats = CorpusStats(),
                settings: QuerySettings = QuerySettings()) -> Query:
    """The weighted query for a question, as this corpus weighs its words (see the module doc)."""
    s = settings
    df, n_docs = stats.df, stats.n_docs
    text = normalize(question)
    found = list(TOKEN_RE.finditer(text))
    words = [m.group() for m in found]
    analyzed = [analyzer.analyze_word(w) for w in words]
    tokens = [t for group in analyzed for t in group]
    excluded, markers = _excluded_words(text, found) if s.excluded_weight != 1 else (set(), set())
    # The stem of a word that also has a prefix token: "treated" -> treat, ~treat.
    stems = {group[0] for w, group in zip(words, analyzed)
             if group and len(PART_RE.findall(w)) == 1 and any(map(is_prefix, group))}
    compounds = {form for w in words if len(PART_RE.findall(w)) > 1 for form in (w, "".join(PART_RE.findall(w)))}
    names = _name_tokens(question, analyzer) if df and n_docs and s.entity_weight != 1 else set()
    faded = fade(tokens, s)

    def stem_fade(weight: float) -> float:  # the stem and prefix weights fade on long questions too
        return 1 - (1 - weight) * faded if s.fade_stems and faded < 1 else weight  # short: exactly as set

    draft = _Draft()
    for t in tokens:  # 1. + 2.
        weight, why = 1.0, ["in the question"]
        if is_prefix(t) and s.prefix_once and t in draft.terms:
            draft.terms[t][1].append("its family typed again: counted once")
            continue
        if is_prefix(t):
            weight = stem_fade(s.prefix_weight)
            why = [f"prefix token x{weight:.3g}" + (" (a long question)" if weight != s.prefix_weight else "")]
        elif t in stems:
            weight = stem_fade(s.stem_weight)
            why = [f"stem beside its prefix x{weight:.3g}" + (" (a long question)" if weight != s.stem_weight else "")]
        if t in compounds and s.compound_weight != 1:
            weight *= s.compound_weight
            why.append(f"compound whole beside its parts x{s.compound_weight:g}")
        if t in names and df(t) < s.entity_max_share * n_docs:
            boost = 1 + (s.entity_weight - 1) * faded
            weight *= boost
            why.append(f"name in {df(t)} of {n_docs} passages x{boost:.3g}")
        draft.add(t, weight, why)

    own = set(tokens)
    asked = _wh_phrase_words(text, found) if s.wh_word_weight != 1 else set()
    if asked:  # words typed elsewhere in the question keep their weight
        kept = {t for i, group in enumerate(analyzed) if i not in asked for t in group}
        for t in {t for i in asked for t in analyzed[i]} - kept:
            draft.terms[t][0] *= s.wh_word_weight
            draft.terms[t][1].append(f'the wh-phrase\'s word ("how long"): the answer type asks for it x{s.wh_word_weight:g}')
            own.discard(t)  # a thesaurus row may still add it ("how rare" -> rare)

    if s.thesaurus:  # 3.
        # an excluded word's lay phrase adds nothing (a blank keeps phrases from joining across it)
        lay = [("" if i in excluded or i in markers else w) for i, w in enumerate(words)]
        for term, weight, why in _expansions(lay, own, analyzer, df, s):
            if faded < 1:
                weight *= faded
                why = why + [f"a long question: x{faded:.2f}"]
            draft.add(term, weight, why)

    if s.other_names and asks_other_names(question):
        for word in ALIAS_WORDS:
            for term in analyzer.analyze_word(word):
                if term not in draft.terms and (not df or df(term) > 0):
                    draft.add(term, s.alias_weight * (s.prefix_weight if is_prefix(term) else 1.0),
                              [f"asks for other names: a word pages give names with x{s.alias_weight:g}"])
    if excluded or markers:  # words typed elsewhere in the question keep their weight
        kept = {t for i, group in enumerate(analyzed) if i not in excluded and i not in markers for t in group}
        for group, factor, why in ((markers, 0.0, 'says what the answer is not ("besides", "other than"): x0'),
                                   (excluded, s.excluded_weight, f'what the answer is not ("besides X") x{s.excluded_weight:g}')):
            for t in {t for i in group for t in analyzed[i]} - kept:
                if t in draft.terms and draft.terms[t][0] > 0:
                    draft.terms[t][0] *= factor
                    draft.terms[t][1].append(why)
            kept |= {t for i in group for t in analyzed[i]}
    if s.burstiness and stats.cf and df and n_docs:
        _damp_unbursty(draft, stats, s)
    if s.keyness and stats.general and stats.cf and n_docs and stats.avgdl:  # 4.
        _damp_unkey(draft, stats, s, faded)
    if df and n_docs and stats.topic and s.topic_weight != 1:  # 5.
        for term, entry in draft.terms.items():
            if term in stats.topic and df(term) >= s.topic_min_share * n_docs:
                entry[0] *= s.topic_weight
                entry[1].append(f"the corpus's topic, in {df(term)} of {n_docs} passages x{s.topic_weight:g}")
    subject = definition_subject(question) if s.definitions else None
    if s.other_names and asks_other_names(question):  # "what is X also called" asks for names
        notes = (f"asks for other names: the passages among the top {s.definition_depth} that give one "
                 f"come first",)
    else:
        notes = (f'asks what "{subject}" is: the passages among the top {s.definition_depth} that define it '
                 f"come first",) if subject else ()
        exists = existence_subject(question) if s.existence and not subject else None
        if exists:
            notes += (f'asks whether "{exists}" exists: the passages among the top {s.definition_depth} that say '
                      f'"there is (no) {exists}" come first',)
    kind = answer_type(question, s.durations) if s.answer_type_weight else None
    query = draft.query(question)
    if kind:
        own = sorted(t for t in own_terms(query, analyzer) if not is_prefix(t)) if s.answer_type_own else []
        beside = f" beside a word it names ({', '.join(own)})" if own else ""
        notes += (f"asks for {ANSWER_TYPES[kind]}: the passages among the top {s.definition_depth} that hold one"
                  f"{beside} score x{1 + s.answer_type_weight:g}",)
    return replace(query, notes=notes)


# A word pointing at the question's subject ("this muscle condition", "these drugs", "such
# cases") and the pair whose noun is what "how many" counts ("how many people"): the words
# after them (up to three, to the first function word) name the subject or the answer's unit,
# not what the answer is about. "that" and "those" are left out: they open relative clauses.
_POINTERS = frozenset({"this", "these", "such"})


def own_terms(query: Query, analyzer: Analyzer = DEFAULT) -> frozenset[str]:
    """The question's own naming terms: the query's terms that a typed word yields, but for the
    wh-phrase's word ("long" of "how long") and the words of a phrase pointing at the subject or
    counted by "how many"; thesaurus expansions are not typed."""
    text = normalize(query.question)
    found = list(TOKEN_RE.finditer(text))
    words = [m.group() for m in found]
    skip = _wh_phrase_words(text, found)
    for i, word in enumerate(words):
        if word in _POINTERS or (word in ("many", "much") and i and words[i - 1] == "how"):
            for j in range(i + 1, min(i + 4, len(words))):
                if words[j] in STOPWORDS:
                    break
                skip.add(j)
    typed = {t for i, w in enumerate(words) if i not in skip for t in analyzer.analyze_word(w)}
    return frozenset(t.term for t in query.terms if t.term in typed)


# "besides X, what other ...", "other than X", "apart from X": the question names X as what
# its answer is not (or not only), so X's words count less; the marker itself is a function
# word and counts nothing. X runs to the next punctuation, wh-word or auxiliary verb (a noun
# phrase ends where the clause's verb begins): "what other symptoms besides weakness can occur".
_EXCLUSION_RE = re.compile(r"\b(?:besides|other\s+than|apart\s+from|aside\s+from|except(?:\s+for)?|excluding)\b")
_EXCLUSION_END_RE = re.compile(
    r"[,.;:?!()]|\b(?:what|which|who|whom|whose|how|when|where|why|is|are|was|were|be|been|being|having|can|could|will|would|"
    r"shall|should|may|might|must|do|does|did|has|have|had)\b")
_EXCLUSION_MAX_WORDS = 6


# "how long", "how many", "how common": the word after "how" says what kind of answer is
# wanted (answer_type), not what the answer is about; a passage saying "long-term" or "a
# common cause" holds no duration or amount. The same grammar as the answer types' "how" phrases.
_WH_PHRASE_RE = re.compile(
    r"\bhow\s+(long(?!\s+ago)|soon|quickly|fast|old|early|late|many|much|common|rare|often|frequent(?:ly)?|likely"
    r"|high|low|prevalent)\b")


def _wh_phrase_words(text: str, found: list[re.Match]) -> set[int]:
    """The numbers of the question's words (TOKEN_RE matches of `text`) that follow "how" in a
    wh-phrase asking for a time or an amount."""
    if "how" not in text:  # most questions: no regular expression run
        return set()
    starts = {m.start(): i for i, m in enumerate(found)}
    return {starts[m.start(1)] for m in _WH_PHRASE_RE.finditer(text) if m.start(1) in starts}


def _excluded_words(text: str, found: list[re.Match]) -> tuple[set[int], set[int]]:
    """(the numbers of the question's words, TOKEN_RE matches of `text`, that name what the
    answer is not; those of the markers that say so)."""
    import bisect

    named: set[int] = set()
    markers: set[int] = set()
    said = list(_EXCLUSION_RE.finditer(text))
    if not said:
        return named, markers
    starts = [m.start() for m in found]
    ends = [m.start() for m in _EXCLUSION_END_RE.finditer(text)]  # once: a search per marker is quadratic
    for marker in said:
        e = bisect.bisect_left(ends, marker.end())
        stop = ends[e] if e < len(ends) else len(text)
        first, last = bisect.bisect_left(starts, marker.start()), bisect.bisect_left(starts, stop)
        n = len(marker.group().split())
        markers.update(range(first, min(first + n, last)))
        named.update(range(first + n, min(first + n + _EXCLUSION_MAX_WORDS, last)))
    return named - markers, markers


def _damp_unbursty(draft: "_Draft", stats: CorpusStats, s: QuerySettings) -> None:
    """Words that ask rather than name are spread evenly over the corpus; names and topics
    come in bursts. Residual idf (Church & Gale 1995): observed idf minus the idf a Poisson
    word of the same collection frequency would have. A term with too few documents to
    tell keeps its weight."""
    import math

    n = stats.n_docs
    for term, entry in draft.terms.items():
        if is_prefix(term):
            continue  # a prefix follows its family, not one word (damping prefixes too: -0.003 SciFact, -0.005 CACM)
        d = stats.df(term)
        if d < s.burst_min_df:
            continue
        c = stats.cf(term)
        ridf = math.log2(n / d) + math.log2(1 - math.exp(-c / n))
        factor = min(1.0, max(s.burst_floor, ridf / s.burst_ref))
        if factor < 1:
            entry[0] *= factor
            entry[1].append(f"spread evenly (residual idf {ridf:.2f}) x{factor:.2f}")


def fade(tokens: list[str], s: QuerySettings) -> float:
    """How much of the per-word rules (rare names, thesaurus, keyness) a question gets: all
    of it up to fade_words distinct words (prefix tokens aside), then fade_words / n."""
    n = len({t for t in tokens if not is_prefix(t)})
    return 1.0 if not s.fade_words or n <= s.fade_words else s.fade_words / n


def _damp_unkey(draft: "_Draft", stats: CorpusStats, s: QuerySettings, faded: float = 1.0) -> None:
    """A word the corpus uses no more often than general English does names nothing of
    the corpus: its weight falls with the log of the ratio of the two rates (a term's
    occurrences per token of the corpus, its frequency per word of English)."""
    import math

    total = stats.n_docs * stats.avgdl
    for term, entry in draft.terms.items():
        general = stats.general(term)
        used = stats.cf(term)
        if general <= 0 or used <= 0:
            continue  # a name general English does not list, or a word the corpus lacks
        ratio = used / total / general
        factor = min(1.0, max(s.keyness_floor, math.log10(ratio) / s.keyness_ref))
        factor = 1 - (1 - factor) * faded  # a long question: the damping fades
        if factor < 1:
            entry[0] *= factor
            entry[1].append(f"{ratio:.2g} times as common as in general English x{factor:.2f}")


def _expansions(words: list[str], own: set[str], analyzer: Analyzer, df, s: QuerySettings):
    """(clinical term, weight, reasons) for every thesaurus row whose lay phrase the question has, on stems."""
    stemmed = [analyzer.stem(w) for w in words] if s.thesaurus_match == "stems" else words
    rows, by_first = _rows(analyzer, s.thesaurus_match)
    # Only the rows whose phrase starts with a word of the question are compared (a 60-word
    # question once compared every row at every position), then taken in file order as before.
    matched = sorted({number for i, word in enumerate(stemmed) for number in by_first.get(word, ())
                      if tuple(stemmed[i:i + len(rows[number][0])]) == rows[number][0]})
    best: dict[str, tuple[float, list[str]]] = {}
    for lay_stems, lay_tokens, clinical, entry in map(rows.__getitem__, matched):
        # A phrase occurs in at most as many documents as its rarest word.
        lay_df = min((df(t) for t in lay_tokens if not is_prefix(t)), default=0) if df else 0
        for term in clinical:
            if term in own:
                continue
            clinical_df = df(term) if df else 1
            if clinical_df <= 0:
                continue  # nothing in the corpus to find
            share = clinical_df / (clinical_df + lay_df)
            weight = max(s.expansion_floor, share) ** s.expansion_power
            if is_prefix(term):
                weight *= s.prefix_weight
            if weight > best.get(term, (0.0,))[0]:
                best[term] = (weight, [f'"{entry.lay}" -> {entry.clinical} (thesaurus: {entry.source}); '
                                       f"clinical share {share:.2f}"])
    return [(term, weight, why) for term, (weight, why) in best.items()]


@lru_cache(maxsize=8)
def _rows(analyzer: Analyzer, match: str):
    """The thesaurus read for one analyzer: the rows (lay stems or words, lay tokens,
    clinical tokens, entry) in file order, and the numbers of the rows by their phrase's
    first stem (or word)."""
    out, by_first = [], {}
    for entry in thesaurus.load():
        lay_words = TOKEN_RE.findall(normalize(entry.lay))
        lay_key = tuple(analyzer.stem(w) for w in lay_words) if match == "stems" else tuple(lay_words)
        if lay_key:
            by_first.setdefault(lay_key[0], []).append(len(out))
        out.append((lay_key, tuple(analyzer.analyze(entry.lay)),
                    _expansion_tokens(entry.clinical, analyzer), entry))
    return out, by_first


def _expansion_tokens(clinical: str, analyzer: Analyzer) -> list[str]:
    """Tokens an expansion adds: a compound only as itself ("immune-mediated"), not its
    parts, which would weigh the one word several times."""
    out: list[str] = []
    for word in TOKEN_RE.findall(normalize(clinical)):
        tokens = analyzer.analyze_word(word)
        if len(PART_RE.findall(word)) > 1:
            tokens = tokens[:1]
        out.extend(t for t in tokens if t not in out)
    return out


def _name_tokens(question: str, analyzer: Analyzer) -> set[str]:
    """Tokens of the names a question spells as names: two or more capitals (MRI, IgG,
    anti-HMGCR) or letters with digits (C5b-9, IL-6, G72.4)."""
    out: set[str] = set()
    for word in TOKEN_RE.findall(unify(question)):
        if sum(c.isupper() for c in word) >= 2 or (any(c.isdigit() for c in word) and any(c.isalpha() for c in word)):
            out.update(t for t in analyzer.analyze_word(word.lower()) if not is_prefix(t))
    return out


# --- pseudo-relevance feedback -----------------------------------------------------------------


def rm3(query: Query, feedback: Sequence[tuple[Sequence[str], float]], settings: QuerySettings,
        df: Callable[[str], int] | None = None, n_docs: int = 0) -> Query:
    """RM3 as Anserini's Rm3Reranker (Pyserini's bm25+rm3): a relevance model from the top
    passages, mixed with the query.

    `feedback` is (tokens, score) of the top fb_docs passages of the first ranking. Each
    passage's term counts, pruned to its fb_terms most frequent terms and scaled to an L1
    norm of 1, are weighted by the passage's score and summed; the fb_terms heaviest terms,
    scaled to 1, are mixed with the query (also scaled to 1): original_weight of the query,
    1 - original_weight of the model. As Anserini, terms in more than fb_max_df_share of
    the passages are not feedback terms (its df stand-in for a stopword list), nor are
    terms shorter than 2 characters; prefix tokens and numbers are left out too: they
    restate other terms.
    """
    limit = settings.fb_max_df_share * n_docs if df and n_docs else None
    model: dict[str, float] = {}
    for tokens, score in feedback[:settings.fb_docs]:
        if score <= 0:
            continue
        counts: dict[str, int] = {}
        for t in tokens:
            if t.startswith(PREFIX_MARK) or t.isdigit() or len(t) < 2:
                continue
            counts[t] = counts.get(t, 0) + 1
        if limit is not None:
            counts = {t: c for t, c in counts.items() if df(t) <= limit}
        kept = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:settings.fb_terms]
        norm = sum(c for _, c in kept)
        if not norm:
            continue
        for t, c in kept:
            model[t] = model.get(t, 0.0) + score * c / norm
    if not model or not query.terms:
        return query
    top = sorted(model.items(), key=lambda item: (-item[1], item[0]))[:settings.fb_terms]
    model_mass = sum(w for _, w in top)
    query_mass = sum(t.weight for t in query.terms)
    alpha = settings.original_weight
    draft = _Draft()
    for t in query.terms:
        draft.add(t.term, alpha * t.weight / query_mass, list(t.why) + [f"RM3: original query x{alpha:g} (L1)"])
    for term, w in top:
        draft.add(term, (1 - alpha) * w / model_mass, [f"RM3: feedback from the top {settings.fb_docs} passages"])
    return replace(draft.query(query.question), notes=query.notes)


# --- definitions ---------------------------------------------------------------------------

# A question that asks only what X is: "what is IVIG", "What are statins?", "what's X",
# "define X", "what does X mean / stand for". X is one to four words (a name, not a
# question of its own): "immune mediated necrotizing myopathy" is the name spelled
# "immune-mediated necrotizing myopathy" with a space for its hyphen.
_SUBJECT = r"([^\W_][^\s?]*(?:\s+[^\s?]+){0,3}?)"
_DEFINITION_QUESTION_RES = (
    re.compile(rf"(?:what\s*(?:is|are|['\u2019]s)|define)\s+(?:(?:an?|the)\s+)?{_SUBJECT}\s*\??"),
    re.compile(rf"what\s+does\s+(?:an?\s+|the\s+)?{_SUBJECT}\s+(?:mean|stand\s+for)\s*\??"),
)


def definition_subject(question: str) -> str | None:
    """X of a question that asks only what X is, normalised as passages are; else None."""
    text = normalize(question).strip()
    for pattern in _DEFINITION_QUESTION_RES:
        match = pattern.fullmatch(text)
        if match:
            return match.group(1)
    return None


def _number_free(word: str) -> str:
    """A word of X as a pattern that also matches its singular or plural ("statins" finds
    "Statin is a"); anything but a plain word as written."""
    if not word.isalpha():
        return re.escape(word)
    base = word[:-1] if word.endswith("s") and len(word) > 3 else word
    return re.escape(base) + "(?:s|es)?"


def _subject_pattern(subject: str) -> str:
    """X as a pattern: its words in the singular or plural, a hyphen or spaces between
    them either way ("immune mediated" finds "Immune-mediated")."""
    return r"[\s-]+".join(map(_number_free, re.split(r"[\s-]+", subject.strip()))) + r"(?![^\W_])"


@lru_cache(maxsize=64)
def _definition_re(subject: str) -> re.Pattern:
    x = _subject_pattern(subject)
    # a long form introducing X as its short form: "... reductase (HMGCR)", "(anti-HMGCR)";
    # only for a one-word X (a phrase in brackets is another name, not a short form)
    short_form = rf"\(\s*(?:[^\W_]+-)?{x}\s*\)|" if " " not in subject else ""
    return re.compile(
        short_form +
        # X opening a sentence as the subject of a genus: "X is a", "An X is a", "X (...) is an",
        # "X, also known as Y, is a", "X refers to" ("X is the most severe" only says more of X)
        rf"(?:^|[.!?:;]\s+)(?:(?:an?|the)\s+)?{x}(?:\s*\([^()]{{0,80}}\))?(?:\s*,[^,.;]{{1,80}}){{0,3}},?\s+"
        rf"(?:(?:is|are|was|were)\s+(?:an?|one\s+of)|refers?\s+to|means)\b")


@lru_cache(maxsize=64)
def _heading_re(subject: str) -> re.Pattern:
    """A heading that is X alone (a glossary's or fact sheet's headword)."""
    return re.compile(rf"\s*(?:(?:an?|the)\s+)?{_subject_pattern(subject)}\s*[.:]?\s*")


# The genus a headword's entry opens with, its subject left implied: "A rare form of ...",
# "An enzyme that ..." (a dictionary's or fact sheet's definition under the headword X).
_GENUS_OPENING_RE = re.compile(r"\s*an?\s+[^\W\d_]")
# An entry's genus is a noun phrase, its verbs inside relative clauses ("An enzyme that is
# ..."). A copula of the opening clause's own (up to a full stop or semicolon), before any
# relative pronoun, makes "A ..." the subject of a sentence of its own: "A summary on this
# disease is available in ...".
_OWN_COPULA_RE = re.compile(r"[^.!?;]*?\b(?:(that|which|who|whose|whom|where)|is|are|was|were)\b")


def defines(text: str, subject: str, heading: str = "") -> bool:
    """Whether a passage defines `subject` (as definition_subject returns it): its text says
    what X is, or its heading is X and its text opens with a genus ("A rare form of ...")."""
    text = normalize(text)
    if _definition_re(subject).search(text) is not None:
        return True
    if not heading or _heading_re(subject).fullmatch(normalize(heading)) is None \
            or _GENUS_OPENING_RE.match(text) is None:
        return False
    verb = _OWN_COPULA_RE.match(text)
    return verb is None or verb.group(1) is not None


# --- other names ---------------------------------------------------------------------------

# A question that asks for another name of something: "what else is it called", "what is
# NAM also called", "other names", "another name", "synonyms", "also known as". The gap
# between "also"/"else" and "called" is bounded: ".*" would be quadratic on a long question.
_OTHER_NAMES_QUESTION_RE = re.compile(
    r"\b(?:also|else)\b[^.?!]{0,40}?\bcall(?:ed)?\b|\b(?:other|another|alternat(?:e|ive))\s+(?:names?|terms?)\b"
    r"|\bsynonyms?\b|\bknown\s+as\b|\breferred\s+to\s+as\b")
# How a text gives another name (general English, any topic).
ALIAS_RE = re.compile(
    r"\b(?:also|otherwise|formerly|previously|sometimes|commonly|often)\s+"
    r"(?:known\s+as|called|referred\s+to\s+as|named|termed)\b"
    r"|\bsynonyms?\b|\b(?:alternat(?:e|ive)|other)\s+names?\b|\ba\.?k\.?a\.?(?![^\W_])")
# The words of those phrases a question's query adds (to reach the passages that use them).
ALIAS_WORDS = ("known", "referred", "called", "synonym", "alternate", "names")


def asks_other_names(question: str) -> bool:
    """Whether a question asks for another name of something."""
    return _OTHER_NAMES_QUESTION_RE.search(normalize(question)) is not None


def gives_other_name(text: str, names: set[str], analyzer: Analyzer = DEFAULT) -> bool:
    """Whether a passage gives another name, and holds every name token in `names`."""
    if not ALIAS_RE.search(normalize(text)):
        return False
    return names <= set(analyzer.analyze(text)) if names else True


def question_names(question: str, analyzer: Analyzer = DEFAULT) -> set[str]:
    """The name tokens a question spells as names (MRI, IgG, C5b-9), see _name_tokens."""
    return _name_tokens(question, analyzer)


# --- existence -------------------------------------------------------------------------------

# "is there a cure", "are there any approved drugs": the question asks whether X exists, and
# English answers with an existential sentence, "there is no known cure", "there are no FDA
# approved therapies" (a grammar of English, nothing about a topic). X is what follows
# "there", its alternatives split at "or".
_EXISTENCE_QUESTION_RE = re.compile(r"(?:is|are|was|were)\s+there\s+(?:(?:an?|any|some)\s+)?([^?]+?)\s*\??")
_EXISTENCE_OR_RE = re.compile(r"\bor\b")  # (an article after it is a stopword)
_EXISTENTIAL_RE = re.compile(r"\bthere(?:['\u2019]s\b|\s+(?:is|are|was|were|exists?|has\s+been|have\s+been)\b)[^.!?]*")


def existence_subject(question: str) -> str | None:
    """X of a question that asks whether X exists ("is there a cure"), normalised; else None."""
    match = _EXISTENCE_QUESTION_RE.fullmatch(normalize(question).strip())
    return match.group(1) if match else None


def existence_words(subject: str, analyzer: Analyzer = DEFAULT,
                    skip: frozenset[str] = frozenset()) -> list[tuple[frozenset[str], ...]]:
    """X's alternatives, each as its content words, each word as the tokens that find it (its
    stem and prefix token); stopwords and the corpus's topic (`skip`: "it") left out."""
    out = []
    for alternative in _EXISTENCE_OR_RE.split(subject):
        words = []
        for word in TOKEN_RE.findall(alternative):
            tokens = frozenset(analyzer.analyze_word(word))
            if tokens and not tokens <= skip:
                words.append(tokens)
        if words:
            out.append(tuple(words))
    return out


def states_existence(text: str, alternatives: list[tuple[frozenset[str], ...]], analyzer: Analyzer = DEFAULT) -> bool:
    """Whether a passage has an existential sentence ("there is no known cure ...") whose rest
    holds every word of one of X's alternatives."""
    for match in _EXISTENTIAL_RE.finditer(normalize(text)):
        tokens = set(analyzer.analyze(match.group()))
        if any(all(not word.isdisjoint(tokens) for word in words) for words in alternatives):
            return True
    return False


# --- answer types ------------------------------------------------------------------------------

# What kind of text a question's wh-phrase asks for (answer typing in question answering,
# Moldovan et al. 2000, Harabagiu et al. 2000), from a short grammar of English wh-phrases,
# nothing about a topic: "when", "how long / soon / quickly / fast / old", "at what age"
# want a time (a duration, a date, an age); "how many / much / common / rare / often /
# likely", "what percentage / proportion / number" want an amount. "when" types a question
# only opening a clause ("when is a synchronization attempt ..." mid-sentence is a
# subordinate clause).
# "how long / soon / quickly / fast" asks how much time passes: a duration ("over a period of
# weeks", "for at least 2 years"), not an age ("30 to 70 years of age") or a date.
_DURATION_QUESTION_RE = re.compile(r"\bhow\s+(?:long(?!\s+ago)|soon|quickly|fast)\b")  # "how long ago": a date
_TIME_QUESTION_RE = re.compile(
    r"\bhow\s+(?:long|soon|quickly|fast|old|early|late)\b"
    r"|\b(?:what|which)\s+(?:age|year|ages)\b"
    r"|(?:^|[.?!;:]\s*)when\b")
_AMOUNT_QUESTION_RE = re.compile(
    r"\bhow\s+(?:many|much|common|rare|often|frequent(?:ly)?|likely|high|low|prevalent)\b"
    r"|\b(?:what|which)\s+(?:percent(?:age)?|proportion|fraction|share|number|rate|dose)\b")

# The shapes of those answers in a passage, found from its numbers and number words (one
# regular expression with the number words as alternatives took 60 us a passage). A
# numeral: digits not inside a code (G72.4, C5b-9, ICD-10) or an English number word. A
# time: a numeral, a range of them or an indefinite amount ("several", "a few") before a
# unit of time ("2 years", "3-month", "two to three weeks"), an age ("aged 40", "age of
# 40"), a decade of life ("in their 50s", "fifties") or a year (1800-2099). An amount: any
# numeral ("5%", "one in ten").
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty "
    "hundred hundreds thousand thousands million millions dozen dozens half".split())
_INDEFINITE = frozenset(("several", "few", "many"))
_DECADES = frozenset("twenties thirties forties fifties sixties seventies eighties".split())
_AGE_WORDS = frozenset(("age", "aged", "ages"))
_DIGITS_RE = re.compile(r"\d+(?:[.,]\d+)*s?")
# Punctuation to spaces, so that str.split gives the words (half the time of a regular expression).
_PUNCTUATION_TO_SPACE = str.maketrans(dict.fromkeys("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u2013\u2014", " "))
_AGE_BEFORE_RE = re.compile(r"\bage[sd]?\s+(?:of\s+)?$")
_UNIT_AFTER_RE = re.compile(
    r"(?:\s*(?:-|to|\u2013|or|and)\s*(?:\d+(?:[.,]\d+)*|[^\W\d_]+))?[\s-]*"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b")
_AGE_AFTER_RE = re.compile(r"[\s-]+(?:of\s+age|old)\b")  # "70 years of age", "40 years old": an age
_YEAR_RE = re.compile(r"(?:1[89]|20)\d\d")
_DECADE_RE = re.compile(r"\d0s")
ANSWER_TYPES = {"time": "a time (a duration, an age, a date)", "duration": "a duration (a number of days, weeks, years)",
                "amount": "an amount (a number, a share)"}


def answer_type(question: str, durations: bool = True) -> str | None:
    """The kind of answer a question's wh-phrase asks for: "duration" (how long something
    takes; without `durations`, "time"), "time", "amount", or None."""
    text = normalize(question).strip()
    if durations and _DURATION_QUESTION_RE.search(text):
        return "duration"
    if _TIME_QUESTION_RE.search(text):
        return "time"
    if _AMOUNT_QUESTION_RE.search(text):
        return "amount"
    return None


def has_answer_type(text: str, kind: str) -> bool:
    """Whether a passage's text holds text of the kind asked for (see answer_type)."""
    text = normalize(text)
    words = set(text.translate(_PUNCTUATION_TO_SPACE).split())
    if kind == "time" and not _DECADES.isdisjoint(words):
        return True

    def holds(match: re.Match, numeral: bool) -> bool:  # one spot, judged as it is found
        if kind == "amount":
            return numeral
        if kind == "duration":
            unit = _UNIT_AFTER_RE.match(text, match.end())
            return bool(unit) and not _AGE_AFTER_RE.match(text, unit.end())
        return bool(_UNIT_AFTER_RE.match(text, match.end()) or
                    (numeral and _AGE_BEFORE_RE.search(text, max(0, match.start() - 12), match.start())))

    for match in _DIGITS_RE.finditer(text):
        start = match.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.,-"):
            continue  # inside a code: G72.4, C5b-9, ICD-10
        token = match.group()
        if kind == "time" and (_DECADE_RE.fullmatch(token) or (
                _YEAR_RE.fullmatch(token) and not text[match.end():match.end() + 1].isalnum())):
            return True
        end = match.end()
        after = text[end:end + 1]
        if after == "(" or (start > 0 and text[start - 1] in "([" and after and after in ")]"):
            continue  # a code's part, "501(c)(3)", or a reference or list mark alone in brackets, "(1)", "[12]"
        if holds(match, not token.endswith("s")):
            return True
    named = words & (_NUMBER_WORDS | _INDEFINITE if kind != "amount" else _NUMBER_WORDS)
    return bool(named) and any(holds(match, match.group() in _NUMBER_WORDS)
                               for match in _words_re(frozenset(named)).finditer(text))


@lru_cache(maxsize=256)
def _words_re(words: frozenset[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(sorted(words)) + r")\b")
