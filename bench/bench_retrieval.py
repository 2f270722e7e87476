"""Retrieval quality on every dev collection at once: bm25s, winnow, and winnow with each rule off.

    PYTHONPATH=. python bench/bench_retrieval.py [--only NAME,...] [--variants NAME,...] [--per-set] [--lengths] [--grid] [--keyness] [--fade] [--answertype] [--loco]

Collections: SciFact (test qrels), Cranfield and CACM (BEIR folders in
../shared/data/beir/), and the seed question sets (questions/*.jsonl over seeds/,
pooled: every question counts once); with --only, also scifact2 and scifact3: SciFact's judged
test claims joined two or three at a time in id order, judged by the union of their qrels (long,
multi-sentence questions), and scifactabs: each judged claim followed by the first sentence of
the abstract of its first cited document (a claim and the passage it came from, as someone pastes
them: a long question of two sentences); and cranfielddoc, cacmdoc, scifactdoc: a judged document
(title and text, 30 words or more) asked as the query, judged by the other documents judged for the
same query, itself not ranked (ArguAna-like: a whole paragraph asks; SciFact's train claims too).
BEIR documents are ranked by their best passage
(as `winnow eval` does); seed questions rank passages (as `ask` does).

bm25s is the reference: method lucene, k1 1.2, b 0.75, English stopwords, Snowball
stemmer (PyStemmer 'english'), whole documents (title + text) for BEIR, passages
(heading + text) for the seeds; hits with score 0 are dropped.

Every variant is winnow with one setting changed, through the settings objects
(AnalyzerSettings, QuerySettings, BM25Params, heading weight); nothing is patched.
Each cell is nDCG@10 (then tables of Recall@100 and Success@1, the first hit relevant); "mean" averages the
collections, "vs bm25s" is mean minus bm25s's mean, "min vs" the worst collection's
difference, "BEIR vs" the mean difference over the BEIR collections only (the seed
questions are far above bm25s, which would hide the BEIR figures in the mean). With 52-225 queries a
collection moves by noise up to about 0.01. A third table is the time per query (the query, with
feedback if on, and its top 10; in memory, one thread): the cost of a rule is its difference to winnow.

--lengths also prints nDCG@10 by query length in words (under 10, 10-19, 20-29, 30 and more), every
judged BEIR query pooled: one held-out collection has long, multi-sentence queries, and a rule that
helps short questions may not help verbose ones.
--keyness runs the keyness rule (query.py) over a ref x floor grid, and off; with --loco, chosen per
collection on the others as below.
--answertype runs the answer-type weight (query.py answer_type_weight 0.05-1.0, and off); with --loco,
chosen per collection on the others.
--fade runs the fading of the per-word rules on long questions (query.py fade_words 6-16, and off);
with --loco, chosen per collection on the others (SciFact's joined claims held out with SciFact).
--loco runs RM3 over a small grid (fb_docs 5/10 x fb_terms 10/20 x original weight 0.5/0.7/0.9; with
--grid: the k1 x b x heading grid instead) and, for each collection, reports the figure of the setting
(or winnow as configured) that is best on the other collections: a setting chosen without the
collection it is measured on.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from pipeline import ingest  # noqa: E402
from pipeline.analyze import DEFAULT, Analyzer, AnalyzerSettings  # noqa: E402
from pipeline.english import GeneralEnglish, token_frequencies  # noqa: E402
from pipeline.evaluate import (_answer_judgments, PassageTable, evaluate, load_question_set,  # noqa: E402
                               measure_query)
from pipeline.index import BM25Index, BM25Params  # noqa: E402
from pipeline.query import QuerySettings  # noqa: E402
from pipeline.search import Retriever  # noqa: E402
from pipeline.sources import discover  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "beir"
BEIR = ("scifact", "cranfield", "cacm")
SEED_SETS = sorted((ROOT / "questions").glob("*.jsonl"))
# Pooled over the seed question sets; Success@1: the first hit answers (questions/seeds-first.jsonl asks for it).
ANSWER_MEASURES = ("nDCG@10", "Recall@100", "RR@10", "Success@1", "Success@5")


# Derivational prefixes of English (three letters or more), and the combining form immuno-:
# split off as the analyzer splits auto- (the "+ prefixes split" variant). Lower on every
# collection (2026-12-01, nDCG@10 SciFact / Cranfield / CACM / seeds -0.005 / -0.005 / -0.013 /
# -0.012 against winnow with the same general-English table); as query-side terms instead
# (the corpus's prefixed forms of a question's words at x0.2-0.5, this list or only anti-, auto-,
# non-, immuno-; commit a13b8aa) -0.002 to -0.010 / -0.002 to -0.004 / -0.001 to -0.004 / -0.001
# to -0.004, first-hit Success@1 unchanged ("what antibodies are involved" is lost on "involved").
ENGLISH_PREFIXES = ("anti", "auto", "contra", "counter", "dis", "extra", "hyper", "hypo", "immuno", "inter", "intra",
                    "macro", "micro", "mis", "multi", "neo", "non", "over", "poly", "post", "pre", "pseudo", "semi",
                    "sub", "super", "trans", "ultra", "under")


@dataclass(frozen=True)
class Variant:
    name: str
    analyzer: AnalyzerSettings = AnalyzerSettings()
    query: QuerySettings = QuerySettings()
    params: BM25Params = ingest.DEFAULT_PARAMS
    heading_weight: int = ingest.HEADING_WEIGHT
    whole_docs: bool = False  # BEIR: one passage per document (its passages joined), not MaxP


def variants() -> list[Variant]:
    """winnow as configured, then each rule or setting switched off (or to its alternative) alone."""
    base = Variant("winnow")
    a, q = base.analyzer, base.query
    from dataclasses import replace
    return [
        base,
        Variant("- burstiness (residual idf)", query=q.but(burstiness=False)),
        Variant("- keyness (general English)", query=q.but(keyness=False)),
        Variant("- topic damping", query=q.but(topic_weight=1.0)),
        Variant("+ rare-name boost 1.5", query=q.but(entity_weight=1.5)),
        Variant("- thesaurus", query=q.but(thesaurus=False)),
        Variant("- fade on long questions", query=q.but(fade_words=0)),
        Variant("- fade stem/prefix weights", query=q.but(fade_stems=False)),
        Variant("- definitions first", query=q.but(definitions=False)),
        Variant("- other names first", query=q.but(other_names=False)),
        Variant("- answer types", query=q.but(answer_type_weight=0.0)),
        Variant("- answer type beside a naming word", query=q.but(answer_type_own=False)),
        Variant("+ corroboration x1.1", query=q.but(corroboration_weight=0.1)),
        Variant("+ corroboration x1.2", query=q.but(corroboration_weight=0.2)),
        Variant("- existence first", query=q.but(existence=False)),
        Variant("- besides X (what the answer is not)", query=q.but(excluded_weight=1.0)),
        Variant("besides X x0", query=q.but(excluded_weight=0.0)),
        Variant("besides X x0.5", query=q.but(excluded_weight=0.5)),
        Variant("- durations (how long asks any time)", query=q.but(durations=False)),
        Variant("- wh-phrase word (x1)", query=q.but(wh_word_weight=1.0)),
        Variant("wh-phrase word x0", query=q.but(wh_word_weight=0.0)),
        Variant("wh-phrase word x0.25", query=q.but(wh_word_weight=0.25)),
        Variant("- compound as one word (1.0)", query=q.but(compound_weight=1.0)),
        Variant("- prefix tokens", analyzer=replace(a, prefix_tokens=False)),
        Variant("- stem/prefix 0.7 (1.0)", query=q.but(stem_weight=1.0, prefix_weight=1.0)),
        Variant("- prefix token once per question", query=q.but(prefix_once=False)),
        Variant("- compound wholes indexed", analyzer=replace(a, compound_wholes=False)),
        Variant("k1 1.5 b 0.4 (grid on all four)", params=BM25Params(k1=1.5, b=0.4, idf=base.params.idf)),
        Variant("k1 1.2 b 0.75 (bm25s)", params=BM25Params(k1=1.2, b=0.75, idf=base.params.idf)),
        Variant("heading weight 2", heading_weight=2),
        Variant("+ snowball stemmer", analyzer=replace(a, stemmer="english")),
        Variant("+ rm3 (10 docs, 10 terms, 0.5)", query=q.but(rm3=True)),
        Variant("+ rm3 no df filter", query=q.but(rm3=True, fb_max_df_share=1.0)),
        Variant("+ rm3 0.6", query=q.but(rm3=True, original_weight=0.6)),
        Variant("+ rm3 0.7", query=q.but(rm3=True, original_weight=0.7)),
        Variant("+ rm3 20 terms", query=q.but(rm3=True, fb_terms=20)),
        Variant("+ rm3 5 docs", query=q.but(rm3=True, fb_docs=5)),
        Variant("+ whole documents (BEIR)", whole_docs=True),
        Variant("burstiness ref 0.2", query=q.but(burst_ref=0.2)),
        Variant("burstiness ref 0.5", query=q.but(burst_ref=0.5)),
        Variant("burstiness floor 0", query=q.but(burst_floor=0.0)),
        Variant("burstiness min df 50", query=q.but(burst_min_df=50)),
        # winnow's analyzer under settings of another identity: its general-English table computed
        # from wordfreq, as every analyzer variant's is (the control for the two rows below)
        Variant("winnow, English from wordfreq", analyzer=replace(a, decompound_prefixes=(*a.decompound_prefixes, "\0"))),
        Variant("- auto- split (analyzer)", analyzer=replace(a, decompound_prefixes=())),
        Variant("+ prefixes split (analyzer)", analyzer=replace(a, decompound_prefixes=ENGLISH_PREFIXES)),
        Variant("- all query rules", query=q.but(topic_weight=1.0, entity_weight=1.0, thesaurus=False, burstiness=False,
                                                 prefix_once=False,
                                                 compound_weight=1.0, stem_weight=1.0, prefix_weight=1.0)),
    ]


@dataclass
class Collection:
    """One dev collection: winnow's passages, the bm25s documents, and how to judge."""

    name: str
    passages: list
    topic_words: list[str]  # raw words whose default tokens are all topic terms (re-analysed per variant)
    question_sets: list  # QuestionSet objects (one for BEIR, seven for the seeds)
    bm25s_docs: list[tuple[str, str]] = field(default_factory=list)  # (id, text)
    exclude: dict[str, str] = field(default_factory=dict)  # qid -> the document that is the query (not ranked)


class MemoryRetriever(Retriever):
    """A Retriever over passages held in memory (no index folder)."""

    def __init__(self, passages, tokens, index, analyzer, query_settings, topic, general=None):
        self._passages, self._tokens, self.index = passages, tokens, index
        self.analyzer, self.query_settings, self.topic = analyzer, query_settings, topic
        self.general = general

    def passages(self):
        return iter(self._passages)

    def passage_tokens(self, doc: int) -> list[str]:
        return self._tokens[doc]

    def passage_text(self, doc: int) -> str:
        return self._passages[doc].text

    def passage_parts(self, doc: int) -> tuple[str, str]:
        return self._passages[doc].section, self._passages[doc].text

    def passage_sources(self, doc: int) -> tuple[str, ...]:
        return self._passages[doc].sources


JOINED = {"scifact2": 2, "scifact3": 3, "scifactabs": 0}  # SciFact's judged claims made long (0: claim + cited sentence)
# A judged document as the query (ArguAna-like: a whole paragraph asks), judged by the other documents judged
# relevant to the same query; the query's own document is not ranked (as BEIR's ignore_identical_ids).
AS_QUERY = {"cranfielddoc": "cranfield", "cacmdoc": "cacm", "scifactdoc": "scifact"}
DOC_QUERY_MIN_WORDS = 30  # a document shorter than this (a CACM title alone) is no paragraph
_LOADED: dict = {}


def load_collection(name: str) -> Collection:
    if name in AS_QUERY:
        base_name = AS_QUERY[name]
        if base_name not in _LOADED:
            _LOADED[base_name] = load_collection(base_name)
        base = _LOADED[base_name]
        long_set, exclude = documents_as_queries(base.question_sets[0], base.bm25s_docs)
        return Collection(name, base.passages, base.topic_words, [long_set], base.bm25s_docs, exclude)
    if name in JOINED:
        if "scifact" not in _LOADED:
            _LOADED["scifact"] = load_collection("scifact")
        base = _LOADED["scifact"]
        long_set = joined_claims(base.question_sets[0], JOINED[name]) if JOINED[name] else \
            claims_with_sentence(base.question_sets[0])
        return Collection(name, base.passages, base.topic_words, [long_set], base.bm25s_docs)
    if name == "seeds":
        sources = discover(ROOT / "seeds")
        sets = [load_question_set(path) for path in SEED_SETS]
    else:
        corpus = DATA / name / "corpus.jsonl"
        sources = [s for s in discover(DATA / name) if s.rel == "corpus.jsonl"]
        sets = [load_question_set(DATA / name, split="test")]
    units = []
    for source in sources:
        _, documents = ingest.process_source(source)
        units.append((source.rel, ingest.split_documents(documents, source.rel)))
    passages, _, _, _ = ingest.assemble(units)
    topic = set(ingest.topic_terms(units))
    words = {w for p in passages for w in DEFAULT_WORDS(p.section + " " + p.text)}
    topic_words = sorted(w for w in words if DEFAULT.analyze_word(w) and set(DEFAULT.analyze_word(w)) <= topic)
    collection = Collection(name, passages, topic_words, sets)
    if name == "seeds":
        collection.bm25s_docs = [(p.passage_id, f"{p.section}\n{p.text}") for p in passages]
    else:
        import json
        with open(corpus, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                collection.bm25s_docs.append((str(record["_id"]), f"{record.get('title') or ''} {record['text']}"))
    return collection


def joined_claims(qs, n: int):
    """A multi-sentence question set from a BEIR one: its judged queries in id order, n at a
    time, each judged by the union of its queries' judgments (a trailing short group dropped)."""
    from pipeline.evaluate import Question, QuestionSet

    judged = sorted((q for q in qs.questions if any(g > 0 for g in qs.qrels[q.qid].values())),
                    key=lambda q: (len(q.qid), q.qid))
    questions, qrels = [], {}
    for start in range(0, len(judged) - n + 1, n):
        group = judged[start:start + n]
        qid = "+".join(q.qid for q in group)
        questions.append(Question(qid=qid, text=" ".join(q.text for q in group)))
        merged: dict[str, int] = {}
        for q in group:
            for doc, grade in qs.qrels[q.qid].items():
                merged[doc] = max(merged.get(doc, 0), grade)
        qrels[qid] = merged
    return QuestionSet(kind="beir", questions=tuple(questions), qrels=qrels, corpus=qs.corpus)


def documents_as_queries(qs, docs: list[tuple[str, str]]):
    """A set of paragraph-long questions from a BEIR one: for each query with at least two relevant
    documents, the first of them (in id order) of at least DOC_QUERY_MIN_WORDS words is the question
    (title and text), judged by the others; (the set, qid -> the document asked with)."""
    from pipeline.evaluate import Question, QuestionSet

    text = dict(docs)
    qrels = dict(qs.qrels)
    if qs.corpus is not None and (qs.corpus.parent / "qrels" / "train.tsv").exists():  # SciFact: its train claims too
        from pipeline.evaluate import _qrels
        train, _ = _qrels(qs.corpus.parent / "qrels" / "train.tsv")
        qrels.update({f"train-{qid}": judged for qid, judged in train.items()})
    questions, judged, exclude = [], {}, {}
    for qid in sorted(qrels, key=lambda q: (len(q), q)):
        relevant = sorted((d for d, g in qrels[qid].items() if g > 0 and d in text), key=lambda d: (len(d), d))
        asked = next((d for d in relevant if len(text[d].split()) >= DOC_QUERY_MIN_WORDS), None)
        if asked is None or len(relevant) < 2:
            continue
        key = f"{qid}:{asked}"
        questions.append(Question(qid=key, text=text[asked]))
        judged[key] = {d: g for d, g in qrels[qid].items() if d != asked}
        exclude[key] = asked
    return QuestionSet(kind="beir", questions=tuple(questions), qrels=judged, corpus=qs.corpus), exclude


def claims_with_sentence(qs):
    """Each judged claim followed by the first sentence of the abstract of its first cited
    document (smallest id among the relevant ones), judged as the claim."""
    import json
    import re

    from pipeline.evaluate import Question, QuestionSet

    first_sentence = {}
    with open(qs.corpus, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            first_sentence[str(record["_id"])] = re.split(r"(?<=[.!?])\s+(?=[A-Z(])", record["text"].strip(), 1)[0]
    questions = []
    for q in qs.questions:
        cited = sorted((d for d, g in qs.qrels[q.qid].items() if g > 0), key=lambda d: (len(d), d))
        if cited and cited[0] in first_sentence:
            questions.append(Question(qid=q.qid, text=f"{q.text} {first_sentence[cited[0]]}"))
    return QuestionSet(kind="beir", questions=tuple(questions), qrels=qs.qrels, corpus=qs.corpus)


def _whole_documents(passages):
    """One passage per BEIR document: its passages' text joined under its title."""
    from pipeline.records import Passage

    out: dict[str, list] = {}
    for p in passages:
        out.setdefault(p.source, []).append(p)
    return [Passage(passage_id=group[0].passage_id, source=source, section=group[0].section,
                    text=" ".join(p.text for p in group), sources=tuple(dict.fromkeys(s for p in group for s in p.sources)))
            for source, group in out.items()]


def DEFAULT_WORDS(text: str) -> list[str]:
    from pipeline.analyze import TOKEN_RE, normalize
    return TOKEN_RE.findall(normalize(text))


def pooled(reports) -> dict[str, float]:
    """Mean of each measure over every judged question of the reports."""
    rows = [r.measures for report in reports for r in report.per_question if r.measures]
    if reports[0].kind == "beir":  # BEIR: only judged queries count (as EvalReport.metrics)
        return reports[0].metrics
    return {m: float(np.mean([row[m] for row in rows])) for m in ANSWER_MEASURES}


def run_winnow(collection: Collection, variant: Variant, cache: dict) -> dict[str, float]:
    key = (variant.analyzer, variant.params, variant.heading_weight, variant.whole_docs)
    passages = collection.passages
    if variant.whole_docs and collection.name != "seeds":
        passages = _whole_documents(passages)
    if key not in cache:
        analyzer = DEFAULT if variant.analyzer == DEFAULT.settings else Analyzer(variant.analyzer)
        tokens = [analyzer.analyze(p.section) * variant.heading_weight + analyzer.analyze(p.text)
                  for p in passages]
        index = BM25Index.build(tokens, variant.params)
        topic = frozenset(t for w in collection.topic_words for t in analyzer.analyze_word(w))
        cache[key] = (analyzer, tokens, index, topic)
    analyzer, tokens, index, topic = cache[key]
    retriever = MemoryRetriever(passages, tokens, index, analyzer, variant.query, topic, general_english(analyzer))
    if collection.exclude:
        return _run_excluding(collection, retriever)
    reports = [evaluate(retriever, qs, depth=100) for qs in collection.question_sets]
    measures = dict(pooled(reports))
    if reports[0].kind == "beir":  # (words in the query, nDCG@10) of each judged query, for --lengths
        measures["by length"] = [(len(r.question.split()), r.measures["nDCG@10"])
                                 for report in reports for r in report.per_question if r.measures]
    questions = [q.text for qs in collection.question_sets for q in qs.questions]
    started = time.process_time()  # CPU: six helpers share two cores, wall time measures the load
    for question in questions:  # what `ask` runs: the query (feedback included) and the top 10
        retriever.rank(question, 10)
    measures["ms/query"] = 1000 * (time.process_time() - started) / max(1, len(questions))
    return measures


def _run_excluding(collection: Collection, retriever) -> dict:
    """run_winnow for documents asked as queries: each ranking without the document asked with."""
    from pipeline.evaluate import mean_measures, rank_documents

    qs = collection.question_sets[0]
    table = PassageTable(retriever)
    rows, lengths, started = [], [], time.process_time()
    for q in qs.questions:
        scored = {d: s for d, s in rank_documents(retriever, table, q.text, 101) if d != collection.exclude[q.qid]}
        rows.append(measure_query(qs.qrels[q.qid], scored))
        lengths.append((len(q.text.split()), rows[-1]["nDCG@10"]))
    measures = dict(mean_measures(rows))
    measures["by length"] = lengths
    measures["ms/query"] = 1000 * (time.process_time() - started) / max(1, len(qs.questions))
    return measures


_GENERAL: dict = {}


def general_english(analyzer):
    """token -> share of general-English words: pipeline/english.txt for the default analyzer
    (what `ask` reads), else computed from wordfreq for the variant's analyzer."""
    if analyzer.settings not in _GENERAL:
        if analyzer.settings == DEFAULT.settings:
            _GENERAL[analyzer.settings] = GeneralEnglish()
        else:
            table = token_frequencies(analyzer)
            _GENERAL[analyzer.settings] = lambda token: table.get(token, 0.0)
    return _GENERAL[analyzer.settings]


def run_bm25s(collection: Collection) -> dict[str, float]:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    ids = [doc_id for doc_id, _ in collection.bm25s_docs]
    corpus_tokens = bm25s.tokenize([text for _, text in collection.bm25s_docs], stopwords="en",
                                   stemmer=stemmer, show_progress=False)
    model = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    model.index(corpus_tokens, show_progress=False)
    vocab = corpus_tokens.vocab
    k = min(101, len(ids))
    per_set, lengths = [], []
    for qs in collection.question_sets:
        rows = []
        table = PassageTable(_Listing(collection.passages)) if qs.kind == "answers" else None
        for q in qs.questions:
            if qs.kind == "answers" and not q.answers:
                continue
            words = bm25s.tokenize([q.text], stopwords="en", stemmer=stemmer, return_ids=False,
                                   show_progress=False)[0]
            known = [vocab[w] for w in words if w in vocab]
            scored: dict[str, float] = {}
            if known:
                docs, scores = model.retrieve([known], k=k, show_progress=False, n_threads=1)
                scored = {ids[int(d)]: float(s) for d, s in zip(docs[0], scores[0]) if s > 0}
                scored.pop(collection.exclude.get(q.qid, None), None)
            if qs.kind == "beir":
                judgments = qs.qrels[q.qid]
                if not any(g > 0 for g in judgments.values()):
                    continue
            else:
                judgments = _answer_judgments(table, q)
            rows.append(measure_query(judgments, scored) if judgments else None)
            if qs.kind == "beir":
                lengths.append((len(q.text.split()), rows[-1]["nDCG@10"]))
        per_set.append(rows)
    rows = [r for s in per_set for r in s]
    zero = dict.fromkeys(ANSWER_MEASURES, 0.0)
    rows = [r if r is not None else zero for r in rows]
    out = {m: float(np.mean([r[m] for r in rows])) for m in ANSWER_MEASURES}
    if lengths:
        out["by length"] = lengths
    return out


class _Listing:
    def __init__(self, passages):
        self._passages = passages

    def passages(self):
        return iter(self._passages)


def table(title: str, names: list[str], rows: dict[str, dict[str, dict]], measure: str, ref: str = "bm25s") -> None:
    print(f"\n{title}")
    beir = [n for n in names if n != "seeds"]
    print(f"{'':<34}" + "".join(f"{n:>10}" for n in names) + f"{'mean':>9}{'vs bm25s':>10}{'min vs':>8}"
          + (f"{'BEIR vs':>9}" if beir else ""))
    ref_row = rows[ref]
    if not all(measure in ref_row[n] for n in names):
        rows = {label: row for label, row in rows.items() if label != ref}
        ref_row = {n: {measure: 0.0} for n in names}
    ref_mean = float(np.mean([ref_row[n][measure] for n in names]))
    for label, row in rows.items():
        values = [row[n][measure] for n in names]
        mean = float(np.mean(values))
        worst = min(v - ref_row[n][measure] for v, n in zip(values, names))
        beir_delta = float(np.mean([row[n][measure] - ref_row[n][measure] for n in beir])) if beir else 0.0
        print(f"{label:<34}" + "".join(f"{v:>10.4f}" for v in values) + f"{mean:>9.4f}{mean - ref_mean:>+10.4f}"
              f"{worst:>+8.3f}" + (f"{beir_delta:>+9.4f}" if beir else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated collections (scifact,cranfield,cacm,seeds; scifact2,scifact3: "
                                       "SciFact's claims joined; cranfielddoc,cacmdoc,scifactdoc: documents as "
                                       "queries)")
    parser.add_argument("--variants", help="comma-separated variant names (prefix match); winnow always runs")
    parser.add_argument("--grid", action="store_true", help="instead of the rules: a k1 x b grid (heading weight 1 and 2)")
    parser.add_argument("--k1", type=lambda v: [float(x) for x in v.split(",")], default=[0.9, 1.2, 1.5])
    parser.add_argument("--b", type=lambda v: [float(x) for x in v.split(",")], default=[0.4, 0.6, 0.75])
    parser.add_argument("--per-set", action="store_true", help="also print each seed question set for winnow")
    parser.add_argument("--lengths", action="store_true",
                        help="also print nDCG@10 by query length (words), pooled over the BEIR collections")
    parser.add_argument("--loco", action="store_true",
                        help="instead of the rules: RM3 settings (fb_docs x fb_terms x original weight, and off; with "
                             "--grid the k1 x b grid), each collection's figure for the setting chosen on the "
                             "other collections (leave one out)")
    parser.add_argument("--keyness", action="store_true",
                        help="instead of the rules: the keyness rule's ref x floor grid, and off (with --loco: "
                             "each collection's figure for the setting chosen on the others)")
    parser.add_argument("--answertype", action="store_true",
                        help="instead of the rules: the answer-type weight 0.05-1.0, and off (with --loco: each "
                             "collection's figure for the weight chosen on the others)")
    parser.add_argument("--fade", action="store_true",
                        help="instead of the rules: the per-word rules faded from 6-16 content words on, and not "
                             "(with --loco: each collection's figure for the setting chosen on the others)")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else [*BEIR, "seeds"]
    chosen = variants()
    if args.grid:
        chosen = [chosen[0]] + [Variant(f"k1 {k1} b {b} head {h}", params=BM25Params(k1=k1, b=b), heading_weight=h)
                                for h in (1, 2) for k1 in args.k1 for b in args.b]
    if args.loco and not args.grid and not args.keyness and not args.fade and not args.answertype:
        q = chosen[0].query
        chosen = [chosen[0]] + [Variant(f"rm3 {d} docs {t} terms {w}", query=q.but(rm3=True, fb_docs=d, fb_terms=t,
                                                                                   original_weight=w))
                                for d in (5, 10) for t in (10, 20) for w in (0.5, 0.7, 0.9)]
    if args.fade:
        q = chosen[0].query
        chosen = [chosen[0], Variant("no fade", query=q.but(fade_words=0))] + [
            Variant(f"fade {n}", query=q.but(fade_words=n)) for n in (6, 8, 10, 12, 16)]
    if args.answertype:
        q = chosen[0].query
        chosen = [chosen[0], Variant("answer types off", query=q.but(answer_type_weight=0.0))] + [
            Variant(f"answer type weight {w:g}", query=q.but(answer_type_weight=w))
            for w in (0.05, 0.1, 0.2, 0.3, 0.7, 1.0)]
    if args.keyness:
        q = chosen[0].query
        chosen = [chosen[0], Variant("keyness off", query=q.but(keyness=False))] + [
            Variant(f"keyness ref {r:g} floor {f:g}", query=q.but(keyness_ref=r, keyness_floor=f))
            for r in (0.5, 1.0, 1.5) for f in (0.5, 0.6, 0.7, 0.8)]
    if args.variants:
        wanted = args.variants.split(",")
        chosen = [v for v in chosen if v.name == "winnow" or any(v.name.startswith(w) for w in wanted)]

    rows: dict[str, dict[str, dict]] = {"bm25s": {}}
    caches: dict[int, dict] = {}  # one index per passage list (SciFact's joined claims share SciFact's)
    rows.update({v.name: {} for v in chosen})
    for name in names:
        started = time.perf_counter()
        collection = load_collection(name)
        if name in BEIR:
            _LOADED[name] = collection
        rows["bm25s"][name] = run_bm25s(collection)
        cache = caches.setdefault(id(collection.passages), {})
        for variant in chosen:
            rows[variant.name][name] = run_winnow(collection, variant, cache)
        print(f"{name}: {len(collection.passages)} passages, {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
        if args.per_set and name == "seeds":
            _per_set(collection, chosen[0])
    table("nDCG@10", names, rows, "nDCG@10")
    table("Recall@100", names, rows, "Recall@100")
    table("Success@1 (the first hit answers)", names, rows, "Success@1")
    table("CPU ms per query (query + top 10, one thread; differences are the cost of a rule)", names, rows, "ms/query")
    if args.lengths:
        by_length([n for n in names if n != "seeds"], rows)
    if args.loco:
        leave_one_out(names, {label: row for label, row in rows.items() if label != "bm25s"}, rows["bm25s"])


# Query length buckets (words) for --lengths: verbose questions drift where short ones do not.
LENGTH_BUCKETS = ((0, 10), (10, 20), (20, 30), (30, 10_000))


def by_length(names: list[str], rows: dict[str, dict[str, dict]]) -> None:
    """nDCG@10 of each row by query length, every judged BEIR query pooled (bm25s beside winnow)."""
    print("\nnDCG@10 by query length (words), BEIR queries pooled; n = queries")
    pooled_rows = {label: [item for n in names for item in row[n].get("by length", [])] for label, row in rows.items()}
    first = next(iter(pooled_rows.values()))
    counts = [sum(lo <= w < hi for w, _ in first) for lo, hi in LENGTH_BUCKETS]
    heads = [(f"{lo}-{hi - 1}" if hi < 10_000 else f"{lo}+") + f" (n {c})" for (lo, hi), c in zip(LENGTH_BUCKETS, counts)]
    print(f"{'':<34}" + "".join(f"{head:>17}" for head in heads))
    for label, items in pooled_rows.items():
        cells = []
        for lo, hi in LENGTH_BUCKETS:
            values = [v for w, v in items if lo <= w < hi]
            cells.append(f"{float(np.mean(values)) if values else 0.0:>17.4f}")
        print(f"{label:<34}" + "".join(cells))


def leave_one_out(names: list[str], rows: dict[str, dict[str, dict]], ref: dict[str, dict]) -> None:
    """For each collection: the setting with the best mean nDCG@10 on the others, and its figure here.
    SciFact's joined claims are held out with SciFact (same documents, same claims)."""
    print("\nLeave one collection out: each setting chosen on the other collections, its nDCG@10 on the one left out")
    print(f"{'held out':<12}{'chosen on the others':<36}{'held-out':>10}{'winnow':>10}{'bm25s':>10}")
    group = lambda n: "scifact" if n in JOINED else AS_QUERY.get(n, n)  # noqa: E731 (joined claims are SciFact's)
    for held in names:
        others = [n for n in names if group(n) != group(held)]
        best = max(rows, key=lambda label: (float(np.mean([rows[label][n]["nDCG@10"] for n in others])),
                                            label == "winnow"))
        print(f"{held:<12}{best:<36}{rows[best][held]['nDCG@10']:>10.4f}{rows['winnow'][held]['nDCG@10']:>10.4f}"
              f"{ref[held]['nDCG@10']:>10.4f}")


def _per_set(collection: Collection, variant: Variant) -> None:
    cache: dict = {}
    for path, qs in zip(SEED_SETS, collection.question_sets):
        collection_one = Collection(collection.name, collection.passages, collection.topic_words, [qs])
        m = run_winnow(collection_one, variant, cache)
        print(f"  {path.name:<24} nDCG@10 {m['nDCG@10']:.4f}  RR@10 {m['RR@10']:.4f}  Success@1 {m['Success@1']:.4f}"
              f"  Success@5 {m['Success@5']:.4f}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
