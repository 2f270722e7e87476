"""pipeline/evaluate.py and `winnow eval`: measures by hand, parity with trec_eval, the seed gate."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from pipeline import evaluate as ev

ROOT = Path(__file__).resolve().parent.parent
SEED_QUESTIONS = ROOT / "questions" / "seeds.jsonl"
FLOORS = json.loads((Path(__file__).parent / "eval_floors.json").read_text(encoding="utf-8"))


# --- measures on tiny qrels, checkable by hand --------------------------------------------------


def test_measures_by_hand():
    judgments = {"a": 1, "b": 2, "z": 1}  # z is never retrieved
    scored = {"x": 3.0, "a": 2.0, "y": 1.5, "b": 1.0}  # ranks: x a y b
    m = ev.measure_query(judgments, scored)
    assert m["RR@10"] == 0.5
    assert (m["Success@1"], m["Success@5"], m["Success@10"]) == (0.0, 1.0, 1.0)
    assert m["Recall@10"] == pytest.approx(2 / 3)
    assert m["MAP"] == pytest.approx((1 / 2 + 2 / 4) / 3)
    dcg = 1 / math.log2(3) + 2 / math.log2(5)
    idcg = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert m["nDCG@10"] == pytest.approx(dcg / idcg)


def test_ties_are_broken_by_id_descending_like_trec_eval():
    assert ev.trec_order({"d1": 1.0, "d3": 1.0, "d2": 2.0}) == ["d2", "d3", "d1"]
    assert ev.measure_query({"d1": 1}, {"d1": 1.0, "d3": 1.0})["RR@10"] == 0.5


def test_rr_is_cut_at_10_and_empty_runs_score_zero():
    scored = {f"n{i:02d}": 100.0 - i for i in range(10)} | {"rel": 1.0}
    assert ev.measure_query({"rel": 1}, scored)["RR@10"] == 0.0
    assert set(ev.measure_query({"rel": 1}, {}).values()) == {0.0}


def test_a_judged_question_with_no_hits_counts_in_the_mean():
    per_query = [ev.measure_query({"a": 1}, {"a": 1.0}), ev.measure_query({"b": 1}, {})]
    assert ev.mean_measures(per_query)["Success@1"] == 0.5


def test_equal_to_pytrec_eval_on_random_runs():
    import pytrec_eval  # a test dependency: the proof must run, not skip
    rng = random.Random(7)
    qrels, run = {}, {}
    for q in range(40):
        docs = [f"d{i}" for i in range(150)]
        qrels[f"q{q}"] = {d: rng.choice([1, 1, 2]) for d in rng.sample(docs, rng.randint(1, 12))}
        # scores rounded to one decimal: plenty of ties for the tie-break to matter
        run[f"q{q}"] = {d: round(rng.random() * 5, 1) for d in rng.sample(docs, rng.randint(0, 140))}
    names = {"nDCG@10": "ndcg_cut_10", "Success@1": "success_1", "Success@5": "success_5",
             "Success@10": "success_10", "Recall@10": "recall_10", "Recall@100": "recall_100", "MAP": "map"}
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, set(names.values()) | {"recip_rank"})
    theirs = evaluator.evaluate({q: r for q, r in run.items() if r})
    for q in qrels:
        ours = ev.measure_query(qrels[q], run[q])
        if q not in theirs:  # pytrec_eval leaves out a query with no hits; trec_eval -c counts it 0
            assert set(ours.values()) == {0.0}
            continue
        for mine, trec in names.items():
            assert ours[mine] == pytest.approx(theirs[q][trec], abs=1e-9), (q, mine)
        top10 = dict(sorted(run[q].items(), key=lambda i: (i[1], i[0]), reverse=True)[:10])
        rr = pytrec_eval.RelevanceEvaluator({q: qrels[q]}, {"recip_rank"}).evaluate({q: top10}) if top10 else {}
        assert ours["RR@10"] == pytest.approx(rr.get(q, {}).get("recip_rank", 0.0), abs=1e-9), q


# --- question sets --------------------------------------------------------------------------------


def test_answers_are_literal_unless_slashed():
    assert ev._compile("HLA-DRB1*11:01").search("allele HLA-DRB1*11:01 in")
    assert ev._compile("/muscle biops(y|ies)/").search("Muscle biopsies show")
    assert ev._compile("high  dose").search("HIGH\ndose")


def test_bad_question_sets_say_what_is_wrong(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"question": "what?"}\n')
    with pytest.raises(ev.QuestionSetError, match="answers"):
        ev.load_question_set(bad)
    with pytest.raises(ev.QuestionSetError, match="not a BEIR folder"):
        ev.load_question_set(tmp_path)


def test_seed_questions_are_many_and_each_answerable():
    qs = ev.load_question_set(SEED_QUESTIONS)
    answered = [q for q in qs.questions if q.answers]
    assert len(answered) >= 40
    assert any(q.absent for q in qs.questions)


# --- a tiny BEIR folder ---------------------------------------------------------------------------


@pytest.fixture
def beir(tmp_path):
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    docs = [
        {"_id": "d1", "title": "Statins and muscle", "text": "Statin exposure can trigger a necrotizing myopathy."},
        {"_id": "d2", "title": "Vitamin D", "text": "Vitamin D supplements and bone density in the elderly."},
        {"_id": "d3", "title": "Rituximab", "text": "Rituximab depletes B cells. It treats anti-SRP myopathy."},
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    queries = [{"_id": "1", "text": "statins cause myopathy"}, {"_id": "2", "text": "B cell depletion"},
               {"_id": "3", "text": "quantum chromodynamics"}]
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n2\td3\t1\n3\td2\t1\n")
    return folder


def test_beir_eval_by_hand(beir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli.main, ["eval", str(beir), "--index", str(tmp_path / "index"), "--json",
                                      "--per-question"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["kind"] == "beir" and report["questions"] == 3
    ranks = {r["qid"]: r["first_relevant"] for r in report["per_question"]}
    assert ranks == {"1": 1, "2": 1, "3": None}  # query 3 matches nothing: judged, counts 0
    assert report["metrics"]["Success@1"] == pytest.approx(2 / 3, abs=1e-4)
    # the corpus got its own index beside (not instead of) the seed index
    assert list((tmp_path / "index" / "eval").iterdir())


def test_run_file_is_valid_trec(beir, tmp_path):
    run_file = tmp_path / "tiny.run"
    result = CliRunner().invoke(cli.main, ["eval", str(beir), "--index", str(tmp_path / "index"),
                                           "--run", str(run_file)])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in run_file.read_text().splitlines()]
    assert lines and all(len(f) == 6 and f[1] == "Q0" and f[5] == "winnow" for f in lines)
    by_query: dict[str, list] = {}
    for qid, _, doc, rank, score, _ in lines:
        by_query.setdefault(qid, []).append((int(rank), float(score), doc))
    for rows in by_query.values():
        assert [r for r, _, _ in rows] == list(range(1, len(rows) + 1))
        scores = [s for _, s, _ in rows]
        assert scores == sorted(scores, reverse=True)
    assert {doc for rows in by_query.values() for _, _, doc in rows} <= {"d1", "d2", "d3"}


def test_queries_jsonl_is_not_indexed_as_a_corpus(beir, tmp_path):
    from pipeline.ingest import build_index

    warnings = []
    report = build_index(beir, tmp_path / "idx", warn=warnings.append)
    assert report.sources_read == 1 and any("queries.jsonl" in w for w in warnings)


# --- the CLI on the seeds, and the eval gate ------------------------------------------------------


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    return tmp_path_factory.mktemp("seed-index")


def _eval_seeds(seed_index, *extra, questions=SEED_QUESTIONS):
    result = CliRunner().invoke(cli.main, ["eval", str(questions), "--sources", str(ROOT / "seeds"),
                                           "--index", str(seed_index), *extra])
    assert result.exit_code == 0, result.output
    return result


def test_eval_table_and_per_question(seed_index):
    out = _eval_seeds(seed_index, "--per-question").stdout
    for name in ev.MEASURES:
        assert name in out
    assert "first relevant rank per question" in out and "statins" in out


def test_eval_gate_on_the_seed_questions(seed_index):
    """Quality on the seed questions must not drop below the pinned floors (move them only on purpose)."""
    report = json.loads(_eval_seeds(seed_index, "--json").stdout)
    for name, floor in FLOORS["seeds"].items():
        value = report["noise_free"] if name == "NoiseFree" else report["metrics"][name]
        assert value >= floor, f"{name} fell to {value:.4f}, below its floor {floor}"


@pytest.mark.parametrize("name, count", [("seeds-lay", 45), ("seeds-queries", 50), ("seeds-blind", 40),
                                         ("seeds-blind2", 40), ("seeds-blind3", 40),
                                         ("seeds-blind4", 40), ("seeds-first", 30),
                                         ("seeds-define", 12), ("seeds-names", 6)])
def test_eval_gate_on_independent_question_sets(seed_index, name, count):
    """Question sets written by other authors who saw only the seed pages have floors of their own
    (seeds-define, seeds-names: by the author of the definition and other-names rules, before looking at any
    ranking)."""
    report = json.loads(_eval_seeds(seed_index, "--json", questions=ROOT / "questions" / f"{name}.jsonl").stdout)
    assert report["questions"] == count
    for measure, floor in FLOORS[name].items():
        assert report["metrics"][measure] >= floor, f"{name}: {measure} fell to {report['metrics'][measure]:.4f}, below its floor {floor}"


def test_eval_has_help():
    result = CliRunner().invoke(cli.main, ["eval", "--help"])
    assert result.exit_code == 0 and "BEIR" in result.output and "--run" in result.output


# --- bad question sets: one line naming the file, the line and what is wrong (issue 12) -------------


def _eval_error(args, tmp_path) -> str:
    result = CliRunner().invoke(cli.main, ["eval", *args, "--sources", str(ROOT / "seeds"),
                                           "--index", str(tmp_path / "index")], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("line, what", [
    ('{"question": "q?", "answers": ["x"], "sources": 7}', '"sources" must be a string or a list of strings, not a number'),
    ('{"question": "q?", "answers": 7}', '"answers" must be a string or a list of strings, not a number'),
    ('{"question": "q?", "answers": ["x"], "id": {"a": 1}}', '"id" must be a string or a number, not an object'),
    ('{"question": 5, "answers": ["x"]}', 'each line needs "question"'),
    ('[1, 2]', "not a JSON object but a list"),
    ('{broken', "not JSON"),
])
def test_a_bad_question_line_names_file_and_line(tmp_path, line, what):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "what antibodies", "answers": ["HMGCR"]}\n\n' + line + "\n")
    message = _eval_error([str(questions)], tmp_path)
    assert f"{questions}:3: " in message and what in message


def test_a_binary_question_file_names_the_line(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(b'{"question": "a", "answers": ["b"]}\n\x89PNG\r\n\x1a\n\xff\xfe\x00')
    message = _eval_error([str(questions)], tmp_path)
    assert f"{questions}:2: not UTF-8 text" in message


@pytest.mark.parametrize("bad, what", [
    (b'{broken\n', "not JSON"),
    (b'{"_id": "q1", "text": 5}\n', '"text" of query q1 must be a string, not a number'),
    (b'{"text": "no id"}\n', 'a query needs "_id"'),
    (b'\x00\x01\x02\xff\xfe binary\n', "not UTF-8 text"),
])
def test_a_bad_beir_query_names_file_and_line(beir, tmp_path, bad, what):
    queries = beir / "queries.jsonl"
    queries.write_bytes(queries.read_bytes() + bad)
    message = _eval_error([str(beir)], tmp_path)
    assert f"{queries}:4: " in message and what in message


def test_space_separated_and_trec_qrels_are_read_like_tsv(beir, tmp_path):
    def report():
        result = CliRunner().invoke(cli.main, ["eval", str(beir), "--index", str(tmp_path / "index"), "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    tab = report()
    qrels = beir / "qrels" / "test.tsv"
    qrels.write_text("query-id corpus-id score\n1 d1 1\n2  d3 1\n3 d2 1\n")
    assert report() == tab and tab["questions"] == 3
    qrels.write_text("1 0 d1 1\n2 0 d3 1\n3 0 d2 1\n")  # TREC: qid iter docid rel
    assert report() == tab


@pytest.mark.parametrize("content, what", [
    ("query-id\tcorpus-id\tscore\n1\td1\n", "test.tsv:2: expected 3 columns"),
    ("1\td1\tyes\n", "test.tsv:1: score 'yes' is not a whole number"),
    ("query-id\tcorpus-id\tscore\n", "holds no judgments"),
])
def test_bad_qrels_are_rejected_clearly(beir, tmp_path, content, what):
    (beir / "qrels" / "test.tsv").write_text(content)
    assert what in _eval_error([str(beir)], tmp_path)


def test_a_fifo_as_question_set_is_refused_not_read(tmp_path):
    import subprocess
    import sys

    fifo = tmp_path / "q.jsonl"
    os.mkfifo(fifo)
    result = subprocess.run([sys.executable, str(ROOT / "cli.py"), "eval", str(fifo), "--index",
                             str(tmp_path / "index")], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1 and "not a regular file" in result.stderr, result.stderr


def test_an_eval_folder_planted_as_a_link_is_not_written_through(beir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "index").mkdir()
    os.symlink(outside, tmp_path / "index" / "eval")
    result = CliRunner().invoke(cli.main, ["eval", str(beir), "--index", str(tmp_path / "index"), "--json"])
    assert result.exit_code == 0, result.output
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "index" / "eval").is_symlink()


def test_qrels_judging_a_missing_query_name_the_line(beir, tmp_path):
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n9\td2\t1\n")
    message = _eval_error([str(beir)], tmp_path)
    assert "test.tsv:3: judges query 9, which" in message and "queries.jsonl lacks" in message


def test_a_question_line_nested_too_deep_is_an_error_not_a_crash(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert f"{questions}:1: JSON nested too deeply" in _eval_error([str(questions)], tmp_path)


def test_a_document_answering_in_several_passages_ranks_above_one_answering_once():
    """Documents score their best passage plus DOC_OTHERS_WEIGHT of their others' mean (MaxP alone tied them)."""
    from types import SimpleNamespace

    import numpy as np

    table = SimpleNamespace(doc_ids=["a", "b"], pair_passage=np.array([0, 1, 2, 3]), pair_doc=np.array([0, 0, 1, 1]))
    searcher = SimpleNamespace(scores=lambda question: np.array([2.0, 0.0, 2.0, 1.0]))
    ranked = ev.rank_documents(searcher, table, "q", 10)
    assert [doc for doc, _ in ranked] == ["b", "a"]
    assert ranked[0][1] == pytest.approx(2.0 + ev.DOC_OTHERS_WEIGHT * 1.0) and ranked[1][1] == pytest.approx(2.0)
    assert ev.rank_documents(searcher, table, "q", 10, others_weight=0) == [("a", 2.0), ("b", 2.0)]
