"""bench/bench_retrieval.py: the leave-one-collection-out choice, on figures small enough to check by hand."""

from __future__ import annotations

from bench.bench_retrieval import by_length, leave_one_out


def test_each_collection_gets_the_setting_best_on_the_others(capsys):
    def figures(a, b, c):
        return {"a": {"nDCG@10": a}, "b": {"nDCG@10": b}, "c": {"nDCG@10": c}}

    rows = {"winnow": figures(0.50, 0.50, 0.50),
            "x": figures(0.60, 0.60, 0.40),  # best on a+b, worst on c
            "y": figures(0.10, 0.55, 0.70)}
    leave_one_out(["a", "b", "c"], rows, figures(0.4, 0.4, 0.4))
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines["c"][1] == "x" and lines["c"][2] == "0.4000"  # chosen without c, measured on c
    assert lines["a"][1] == "y" and lines["a"][2] == "0.1000"  # b+c: y 0.625 beats x 0.5 and winnow 0.5
    assert lines["b"][1] == "winnow"  # a+c: winnow 0.5 ties x 0.5 and wins the tie; y 0.4


def test_query_lengths_pool_every_collection_per_bucket(capsys):
    rows = {"bm25s": {"a": {"by length": [(5, 0.2), (12, 0.4)]}, "b": {"by length": [(35, 0.6), (8, 0.4)]}},
            "winnow": {"a": {"by length": [(5, 0.5), (12, 0.1)]}, "b": {"by length": [(35, 0.9), (8, 0.3)]}}}
    by_length(["a", "b"], rows)
    out = capsys.readouterr().out.strip().splitlines()
    assert "0-9 (n 2)" in out[1] and "10-19 (n 1)" in out[1] and "20-29 (n 0)" in out[1] and "30+ (n 1)" in out[1]
    assert out[2].split()[1:] == ["0.3000", "0.4000", "0.0000", "0.6000"]  # bm25s: (0.2 + 0.4) / 2 under 10 words
    assert out[3].split()[1:] == ["0.4000", "0.1000", "0.0000", "0.9000"]


def test_scifacts_joined_claims_are_held_out_with_scifact(capsys):
    """scifact2 shares SciFact's documents and claims: a setting chosen for either is chosen without both."""
    def figures(scifact, scifact2, cacm):
        return {"scifact": {"nDCG@10": scifact}, "scifact2": {"nDCG@10": scifact2}, "cacm": {"nDCG@10": cacm}}

    rows = {"winnow": figures(0.50, 0.50, 0.50),
            "x": figures(0.90, 0.90, 0.40)}  # better on SciFact and its joined claims only
    leave_one_out(["scifact", "scifact2", "cacm"], rows, figures(0.4, 0.4, 0.4))
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines["scifact"][1] == "winnow" and lines["scifact2"][1] == "winnow"  # chosen on cacm alone
    assert lines["cacm"][1] == "x"


def test_joined_claims_are_judged_by_the_union_of_their_judgments():
    from bench.bench_retrieval import joined_claims
    from pipeline.evaluate import Question, QuestionSet

    qs = QuestionSet("beir", tuple(Question(q, f"claim {q}.") for q in ("10", "2", "3", "7", "9")),
                     {"10": {"d1": 1}, "2": {"d2": 1}, "3": {"d1": 2, "d3": 1}, "7": {"d4": 0}, "9": {"d5": 1}})
    joined = joined_claims(qs, 2)
    assert [q.qid for q in joined.questions] == ["2+3", "9+10"]  # judged only, in id order, no short group
    assert joined.questions[0].text == "claim 2. claim 3."
    assert joined.qrels["2+3"] == {"d2": 1, "d1": 2, "d3": 1}
    assert joined.qrels["9+10"] == {"d5": 1, "d1": 1}


def test_documents_asked_as_queries_are_judged_by_the_others_and_not_ranked(tmp_path):
    """A paragraph-long question set: the first judged document of a query long enough to be a
    paragraph is the question, the query's other judged documents its judgments; a query with one
    judged document gives none; the document asked with is left out of the ranking."""
    from bench.bench_retrieval import DOC_QUERY_MIN_WORDS, documents_as_queries
    from pipeline.evaluate import Question, QuestionSet

    long, short = " ".join(["word"] * DOC_QUERY_MIN_WORDS), "a title alone"
    docs = [("d1", short), ("d2", long), ("d3", long), ("d4", long)]
    qs = QuestionSet("beir", (Question("1", "q1"), Question("2", "q2"), Question("3", "q3")),
                     {"1": {"d1": 1, "d2": 2, "d3": 1}, "2": {"d4": 1}, "3": {"d1": 1, "d4": 0}},
                     corpus=tmp_path / "corpus.jsonl")
    asked, exclude = documents_as_queries(qs, docs)
    assert [q.qid for q in asked.questions] == ["1:d2"]  # d1 is a title alone; 2 and 3 have one judged document
    assert asked.questions[0].text == long
    assert asked.qrels["1:d2"] == {"d1": 1, "d3": 1} and exclude == {"1:d2": "d2"}
