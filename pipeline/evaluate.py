"""Question set -> metrics: how well the index answers the questions people ask.

Two kinds of question set, told apart by their content:

  answers   a JSON Lines file, one question per line, with the answers a relevant
            passage contains (plain strings, or /regular expressions/) and optionally
            the sources that hold them. Every passage that contains an answer is
            relevant, so no relevance ids are needed. A line with `absent` instead
            of answers is a noise probe: no hit may contain any of those strings
            (ads and UI text must not be findable).
  beir      a folder in BEIR layout: queries.jsonl, qrels/<split>.tsv and the
            corpus.jsonl the index is built from. Passages are ranked per document
            by their best passage (MaxP), and documents are judged.

    evaluate(searcher, question_set)
      1. run every question through the index (the search `ask` uses)
      2. rank passages, or documents by their best passage
      3. score the ranking per question with the TREC measures, then average

The measures follow trec_eval exactly (tests/test_evaluate.py checks them against
pytrec_eval): ties are broken by document id in reverse order, relevance is a
judgment > 0, and a judged question with no hits scores 0 on everything.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import WinnowError
from .records import record_id
from .search import IndexDamaged

# The table, in the order it is printed, with TREC names (ir_measures spelling).
MEASURES = ("nDCG@10", "RR@10", "Success@1", "Success@5", "Success@10", "Recall@10", "Recall@100", "MAP")
RR_CUTOFF = 10  # RR@10 is MRR over the top 10: a first relevant hit below it counts 0
DEFAULT_DEPTH = 100  # hits per question: enough for Recall@100
RUN_TAG = "winnow"


class QuestionSetError(WinnowError):
    """The question set cannot be read; the message says what is wrong with it."""


@dataclass(frozen=True)
class Question:
    """One question and what makes a hit relevant to it."""

    qid: str
    text: str
    answers: tuple[str, ...] = ()  # answers-kind: a relevant passage contains one of these
    sources: tuple[str, ...] = ()  # answers-kind: ...and comes from one of these (if any given)
    absent: tuple[str, ...] = ()  # noise probe: no hit may contain any of these


@dataclass(frozen=True)
class QuestionSet:
    kind: str  # "answers" or "beir"
    questions: tuple[Question, ...]
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)  # beir: qid -> doc id -> grade
    corpus: Path | None = None  # beir: the corpus.jsonl to build the index from


@dataclass(frozen=True)
class QuestionResult:
    qid: str
    question: str
    first_relevant: int | None  # rank of the first relevant hit, None if none was found
    measures: dict[str, float]
    noise_hits: tuple[str, ...] = ()  # noise probe: ids of hits that contain a forbidden string


@dataclass(frozen=True)
class EvalReport:
    kind: str
    unit: str  # "passage" or "document"
    depth: int
    judged: int  # questions that have at least one relevant passage or document
    metrics: dict[str, float]
    per_question: tuple[QuestionResult, ...]
    noise_probes: int = 0
    noise_free: float | None = None  # share of noise probes with no forbidden hit
    unanswerable: tuple[str, ...] = ()  # answers-kind questions no passage answers
    run: dict[str, list[tuple[str, float]]] = field(default_factory=dict, repr=False)

    def as_dict(self, per_question: bool = False) -> dict:
        out = {"kind": self.kind, "unit": self.unit, "depth": self.depth, "questions": self.judged,
               "metrics": {name: round(value, 4) for name, value in self.metrics.items()}}
        if self.noise_probes:
            out["noise_probes"] = self.noise_probes
            out["noise_free"] = round(self.noise_free, 4)
        if self.unanswerable:
            out["unanswerable"] = list(self.unanswerable)
        if per_question:
            out["per_question"] = [
                {"qid": r.qid, "question": r.question, "first_relevant": r.first_relevant,
                 **({"noise_hits": list(r.noise_hits)} if r.noise_hits else {}),
                 **({"measures": {k: round(v, 4) for k, v in r.measures.items()}} if r.measures else {})}
                for r in self.per_question]
        return out


# --- reading question sets ---------------------------------------------------------------


def load_question_set(path: str | Path, split: str = "test") -> QuestionSet:
    """Read a question set: a BEIR folder, or a JSON Lines file of questions with answers.

    Every error names the file, the line and what is wrong with it.
    """
    stdin = str(path) == "-"
    path = Path(path)
    if not stdin and path.is_dir():
        return _load_beir(path, split)
    questions = []
    name = "stdin" if stdin else str(path)
    for number, line in _decoded_lines(_stdin_bytes() if stdin else _read_file(path), name):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        record = _json_object(line, where)
        if not isinstance(record.get("question"), str) or not record["question"].strip():
            raise QuestionSetError(f'{where}: each line needs "question" (text) and "answers" '
                                   f'(or "absent" for a noise probe)')
        answers, absent = _strings(record, "answers", where), _strings(record, "absent", where)
        if not answers and not absent:
            raise QuestionSetError(f'{where}: no "answers" (or "absent" strings for a noise probe)')
        for pattern in answers + absent:
            _compile(pattern, where)
        qid = record.get("id", number)
        if not isinstance(qid, (str, int)) or isinstance(qid, bool):
            raise QuestionSetError(f'{where}: "id" must be a string or a number, not {_kind(qid)}')
        questions.append(Question(qid=str(qid), text=record["question"], answers=answers,
                                  sources=_strings(record, "sources", where), absent=absent))
    if not questions:
        raise QuestionSetError(f"{name} holds no questions")
    return QuestionSet(kind="answers", questions=tuple(questions))


def _lines(path: Path):
    """(line number, text) of a UTF-8 file; a line that is not UTF-8 is an error naming it."""
    return _decoded_lines(_read_file(path), str(path))


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file or a pipe (`eval <(zcat q.jsonl.gz)`, a named FIFO), read to its end.

    O_NONBLOCK and the type check: a device or a socket given as the question set must
    not block or stream forever, nor a named FIFO that no one writes to. A pipe with a
    writer (its first read would block, or gives bytes) is then read to its end, waiting
    for the writer as `cat` does.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise QuestionSetError(f"cannot read {path}: {error.strerror or error}") from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        try:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISREG(mode):
                return handle.readall()
            if not stat.S_ISFIFO(mode):
                raise QuestionSetError(f"cannot read {path}: not a regular file or a pipe")
            try:
                first = os.read(handle.fileno(), 1 << 16)
            except BlockingIOError:  # a writer that has not written yet
                first = None
            if first == b"":
                raise QuestionSetError(f"cannot read {path}: not a regular file, and a pipe no one writes to")
            os.set_blocking(handle.fileno(), True)
            return (first or b"") + handle.readall()
        except OSError as error:
            raise QuestionSetError(f"cannot read {path}: {error.strerror or error}") from None


def _stdin_bytes() -> bytes:
    """The question set piped in on standard input (`eval -`)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None or sys.stdin.isatty():
        raise QuestionSetError("`eval -` reads the questions from standard input: pipe them in "
                               "(winnow eval - < questions.jsonl)")
    return stream.read()


def _decoded_lines(data: bytes, name: str):
    """(line number, text) of UTF-8 bytes; a line that is not UTF-8 is an error naming it."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            yield number, raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as error:
            raise QuestionSetError(f"{name}:{number}: not UTF-8 text (byte {error.start + 1} of the line); "
                                   "is this a binary file?") from None


def _json_object(line: str, where: str) -> dict:
    try:
        record = json.loads(line)
    except ValueError as error:
        raise QuestionSetError(f"{where}: not JSON ({error})") from None
    except RecursionError:
        raise QuestionSetError(f"{where}: JSON nested too deeply to read") from None
    if not isinstance(record, dict):
        raise QuestionSetError(f"{where}: not a JSON object but {_kind(record)}")
    return record


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _strings(record: dict, field: str, where: str) -> tuple[str, ...]:
    """A field that holds a string or a list of strings, as a tuple."""
    value = record.get(field)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise QuestionSetError(f'{where}: "{field}" must be a string or a list of strings, not {_kind(value)}')


def _load_beir(folder: Path, split: str) -> QuestionSet:
    queries_file, qrels_file, corpus = folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv", folder / "corpus.jsonl"
    for needed in (queries_file, qrels_file, corpus):
        if not needed.is_file():
            raise QuestionSetError(f"{folder} is not a BEIR folder: {needed.relative_to(folder)} is missing "
                                   f"(it needs corpus.jsonl, queries.jsonl and qrels/{split}.tsv)")
    qrels, first_lines = _qrels(qrels_file)
    texts: dict[str, str] = {}
    for number, line in _lines(queries_file):
        if not line.strip():
            continue
        where = f"{queries_file}:{number}"
        record = _json_object(line, where)
        qid = record.get("_id")
        if not isinstance(qid, (str, int)) or isinstance(qid, bool):
            raise QuestionSetError(f'{where}: a query needs "_id" (a string), found {_kind(qid)}')
        text = record.get("text", "")
        if not isinstance(text, str):
            raise QuestionSetError(f'{where}: "text" of query {qid} must be a string, not {_kind(text)}')
        texts[str(qid)] = text
    missing = [qid for qid in qrels if qid not in texts]
    if missing:
        raise QuestionSetError(f"{qrels_file}:{first_lines[missing[0]]}: judges query {missing[0]}, which "
                               f"{queries_file} lacks ({len(missing)} such queries: {', '.join(missing[:5])})")
    questions = tuple(Question(qid=qid, text=texts[qid]) for qid in qrels)
    return QuestionSet(kind="beir", questions=questions, qrels=qrels, corpus=corpus)


def _qrels(path: Path) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Judgments from BEIR's qrels TSV (query-id, corpus-id, score), also separated by spaces,
    or in TREC's four columns (query-id, iteration, doc-id, relevance); and the line where
    each query is first judged."""
    qrels: dict[str, dict[str, int]] = {}
    first_lines: dict[str, int] = {}
    for number, line in _lines(path):
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields]
        if not any(fields) or (fields[0] in ("query-id", "query_id", "qid") and not qrels):
            continue  # a blank line, or the header
        if len(fields) == 3:
            qid, doc, grade = fields
        elif len(fields) == 4:
            qid, _, doc, grade = fields
        else:
            raise QuestionSetError(f"{path}:{number}: expected 3 columns (query-id, corpus-id, score) separated by "
                                   f"tabs or spaces, or TREC's 4, found {len(fields)}")
        try:
            qrels.setdefault(qid, {})[doc] = int(grade)
        except ValueError:
            raise QuestionSetError(f"{path}:{number}: score {grade!r} is not a whole number") from None
        first_lines.setdefault(qid, number)
    if not qrels:
        raise QuestionSetError(f"{path} holds no judgments")
    return qrels, first_lines


def _compile(pattern: str, where: str = "") -> re.Pattern:
    """An answer: /regex/ as written, anything else a literal; case-insensitive, spacing-tolerant."""
    try:
        if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
            return re.compile(pattern[1:-1], re.IGNORECASE)
        return re.compile(r"\s+".join(re.escape(w) for w in pattern.split()), re.IGNORECASE)
    except re.error as error:
        raise QuestionSetError(f"{where}: bad regular expression {pattern!r} ({error})") from None


# --- trec_eval measures -------------------------------------------------------------------------


def trec_order(scored: dict[str, float]) -> list[str]:
    """Ids ranked the trec_eval way: score descending, ties by id descending."""
    return [doc for doc, _ in sorted(scored.items(), key=lambda item: (item[1], item[0]), reverse=True)]


def measure_query(judgments: dict[str, int], scored: dict[str, float]) -> dict[str, float]:
    """The MEASURES of one ranking, exactly as trec_eval computes them (relevant: grade > 0)."""
    ranking = trec_order(scored)
    relevant = {doc for doc, grade in judgments.items() if grade > 0}
    n_rel = len(relevant)
    if not n_rel:
        return dict.fromkeys(MEASURES, 0.0)
    hits = [doc in relevant for doc in ranking]
    first = next((i + 1 for i, hit in enumerate(hits) if hit), None)
    dcg = sum(judgments[doc] / math.log2(i + 2) for i, doc in enumerate(ranking[:10]) if doc in relevant)
    ideal = sorted((g for g in judgments.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    found, precisions = 0, 0.0
    for i, hit in enumerate(hits):
        if hit:
            found += 1
            precisions += found / (i + 1)
    return {
        "nDCG@10": dcg / idcg,
        "RR@10": 1.0 / first if first is not None and first <= RR_CUTOFF else 0.0,
        "Success@1": float(any(hits[:1])),
        "Success@5": float(any(hits[:5])),
        "Success@10": float(any(hits[:10])),
        "Recall@10": sum(hits[:10]) / n_rel,
        "Recall@100": sum(hits[:100]) / n_rel,
        "MAP": precisions / n_rel,
    }


def first_relevant(judgments: dict[str, int], scored: dict[str, float]) -> int | None:
    """Rank (1-based, trec_eval order) of the first relevant id, or None."""
    for rank, doc in enumerate(trec_order(scored), 1):
        if judgments.get(doc, 0) > 0:
            return rank
    return None


def mean_measures(per_query: list[dict[str, float]]) -> dict[str, float]:
    if not per_query:
        return dict.fromkeys(MEASURES, 0.0)
    return {name: sum(q[name] for q in per_query) / len(per_query) for name in MEASURES}


# --- running the questions -------------------------------------------------------------------


class PassageTable:
    """Every passage of an open index, held for a whole evaluation.

    State is real: an evaluation asks hundreds of questions, and reading each hit
    from disk as `ask` does would cost one file open per hit.
    """

    def __init__(self, searcher) -> None:
        numbered = _valid_passages(searcher)
        passages = [p for _, p in numbered]
        # Doc numbers are positions in id order for an index of one segment; a segmented
        # index numbers its segments' passages one after another (search.Searcher).
        self.docs = np.array([d for d, _ in numbered], dtype=np.int64)
        self.index_of = {int(d): i for i, d in enumerate(self.docs)}
        self.ids = [p.passage_id for p in passages]
        self.texts = [f"{p.section}\n{p.text}" if p.section else p.text for p in passages]
        self.sources = [p.sources or (p.source,) for p in passages]
        # Documents by `_id`, as qrels judge them (a record's source also names its file).
        self.doc_ids = sorted({record_id(s) for sources in self.sources for s in sources})
        number = {doc: i for i, doc in enumerate(self.doc_ids)}
        pairs = list(dict.fromkeys((int(self.docs[i]), number[record_id(s)])
                                   for i, sources in enumerate(self.sources) for s in sources))
        self.pair_passage = np.array([p for p, _ in pairs], dtype=np.int64)
        self.pair_doc = np.array([d for _, d in pairs], dtype=np.int64)


def _valid_passages(searcher) -> list:
    """Every passage of the index, each checked to be what winnow writes (else IndexDamaged)."""
    from .store import passage_problem

    where = getattr(searcher, "generation", "the index")
    try:
        numbered = getattr(searcher, "numbered_passages", None)
        passages = list(numbered()) if numbered else list(enumerate(searcher.passages()))
    except (ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise IndexDamaged(f"index at {where} is damaged ({type(error).__name__}: {error})") from None
    for _, passage in passages:
        problem = passage_problem(passage)
        if problem:
            raise IndexDamaged(f"index at {where} is damaged ({problem})")
    return passages


def rank_passages(searcher, question: str, depth: int) -> list[tuple[int, float]]:
    """(passage number, score) of the top passages: exactly what `ask` returns."""
    docs, scores = searcher.rank(question, depth)
    return [(int(d), float(s)) for d, s in zip(docs, scores)]


# A document scores its best passage plus this share of the mean of its other passages
# (MaxP with some of the rest: a document that answers in several places is likelier
# relevant). nDCG@10 (SciFact / Cranfield / CACM) at 0 (MaxP) 0.6976 / 0.3737 / 0.5024,
# 0.05: 0.7009 / 0.3768 / 0.4996, 0.1: 0.7026 / 0.3800 / 0.5050, 0.2: 0.7059 / 0.3832 /
# 0.5074, 0.3: 0.7040 / 0.3827 / 0.5025; chosen on any two, 0.2 is best for the third.
DOC_OTHERS_WEIGHT = 0.2


def rank_documents(searcher, table: PassageTable, question: str, depth: int,
                   others_weight: float = DOC_OTHERS_WEIGHT) -> list[tuple[str, float]]:
    """(document id, score) by each document's best passage, plus others_weight times the
    mean of its other passages; top `depth`.

    A passage kept once for several sources (deduplication) counts for each of them.
    Ties are broken by document id, like `ask` breaks them by passage id.
    """
    scores = np.asarray(searcher.scores(question), dtype=np.float64)
    best = np.zeros(len(table.doc_ids), dtype=np.float64)
    pair_scores = scores[table.pair_passage]
    np.maximum.at(best, table.pair_doc, pair_scores)
    if others_weight:
        total = np.bincount(table.pair_doc, weights=pair_scores, minlength=len(best))
        count = np.bincount(table.pair_doc, minlength=len(best))
        others = np.divide(total - best, count - 1, out=np.zeros_like(best), where=count > 1)
        best = best + others_weight * others
    hit = np.flatnonzero(best > 0)  # a document that matches no query term is not a hit
    order = np.lexsort((hit, -best[hit]))[:depth]
    return [(table.doc_ids[int(d)], float(best[d])) for d in hit[order]]


def evaluate(searcher, question_set: QuestionSet, depth: int = DEFAULT_DEPTH, progress=None) -> EvalReport:
    """Run every question of the set and measure the rankings.

    progress, if given, wraps the questions as they are asked (the CLI's progress report);
    it must yield them all, in order.
    """
    table = PassageTable(searcher)
    questions = progress(question_set.questions) if progress else question_set.questions
    if question_set.kind == "beir":
        return _evaluate_beir(searcher, table, question_set, depth, questions)
    return _evaluate_answers(searcher, table, question_set, depth, questions)


def _evaluate_beir(searcher, table: PassageTable, qs: QuestionSet, depth: int, questions) -> EvalReport:
    results, run, per_query = [], {}, []
    for q in questions:  # 1. + 2.
        ranked = rank_documents(searcher, table, q.text, depth)
        run[q.qid] = ranked
        scored = dict(ranked)
        measures = measure_query(qs.qrels[q.qid], scored)  # 3.
        if any(g > 0 for g in qs.qrels[q.qid].values()):
            per_query.append(measures)
        results.append(QuestionResult(q.qid, q.text, first_relevant(qs.qrels[q.qid], scored), measures))
    return EvalReport(kind="beir", unit="document", depth=depth, judged=len(per_query),
                      metrics=mean_measures(per_query), per_question=tuple(results), run=run)


def _evaluate_answers(searcher, table: PassageTable, qs: QuestionSet, depth: int, questions) -> EvalReport:
    results, run, per_query, unanswerable = [], {}, [], []
    probes = clean_probes = 0
    for q in questions:
        ranked = [(table.index_of[d], s) for d, s in rank_passages(searcher, q.text, depth)]  # 1. + 2.
        scored = {table.ids[d]: s for d, s in ranked}
        run[q.qid] = [(table.ids[d], s) for d, s in ranked]
        if q.absent:
            forbidden = [_compile(p) for p in q.absent]
            noisy = tuple(table.ids[d] for d, _ in ranked if any(f.search(table.texts[d]) for f in forbidden))
            probes += 1
            clean_probes += not noisy
            results.append(QuestionResult(q.qid, q.text, None, {}, noisy))
            if not q.answers:
                continue
        judgments = _answer_judgments(table, q)
        if not judgments:
            unanswerable.append(q.qid)  # counts 0: the question set promises an answer
        measures = measure_query(judgments, scored) if judgments else dict.fromkeys(MEASURES, 0.0)  # 3.
        per_query.append(measures)
        results.append(QuestionResult(q.qid, q.text, first_relevant(judgments, scored), measures))
    return EvalReport(kind="answers", unit="passage", depth=depth, judged=len(per_query),
                      metrics=mean_measures(per_query), per_question=tuple(results),
                      noise_probes=probes, noise_free=clean_probes / probes if probes else None,
                      unanswerable=tuple(unanswerable), run=run)


def _answer_judgments(table: PassageTable, q: Question) -> dict[str, int]:
    """Every passage that holds an answer (from one of the named sources, if any): grade 1."""
    patterns = [_compile(a) for a in q.answers]
    out = {}
    for i, text in enumerate(table.texts):
        if q.sources and not any(_source_matches(s, want) for s in table.sources[i] for want in q.sources):
            continue
        if any(p.search(text) for p in patterns):
            out[table.ids[i]] = 1
    return out


def _source_matches(source: str, wanted: str) -> bool:
    return source == wanted or source.startswith(wanted) or Path(source).name == wanted or record_id(source) == wanted


# --- output ---------------------------------------------------------------------------------------


def write_trec_run(report: EvalReport, path: str | Path, tag: str = RUN_TAG) -> None:
    """The run in TREC format: `qid Q0 docid rank score tag`, ranks 1..n per question.

    Its fields are split at whitespace (trec_eval, ir_measures), so an id holding some (a
    source "my notes.txt", a question id "q 1") has it written as in a URL, %20, and "%" as %25.
    """
    with open(path, "w", encoding="utf-8") as handle:
        for qid, ranked in report.run.items():
            qid = _run_field(str(qid))
            for rank, (doc, score) in enumerate(ranked, 1):
                handle.write(f"{qid} Q0 {_run_field(doc)} {rank} {score:.9g} {tag}\n")


def _run_field(text: str) -> str:
    """An id as one field of a run line: as it is unless it holds whitespace, which is %-escaped
    (with "%" itself, so that the field reads back); an id with no whitespace matches the qrels as written."""
    if not any(c.isspace() for c in text):  # nearly every id: as it is, "%" too
        return text
    return "".join("".join(f"%{byte:02X}" for byte in c.encode("utf-8")) if c == "%" or c.isspace() else c
                   for c in text)
