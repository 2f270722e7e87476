"""bench/bench_retrieval.py: the leave-one-collection-out choice, on figures small enough to check by hand."""

from __future__ import annotations

from bench.bench_retrieval import leave_one_out


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
