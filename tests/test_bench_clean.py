"""bench/bench_clean.py: the ScrapingHub shingle metric on examples checkable by hand."""

from __future__ import annotations

import pytest

from bench.bench_clean import page_precision_recall, score, shingles, strip_heading_markers


def test_shingles_are_lowercased_whitespace_word_4grams():
    assert shingles("A b  C d\ne") == {("a", "b", "c", "d"), ("b", "c", "d", "e")}


def test_short_text_is_one_shorter_shingle_and_empty_is_none():
    assert shingles("Hello world") == {("hello", "world")}
    assert shingles("  ") == set()


def test_word_tokens_split_off_punctuation():
    assert shingles("a, b. c d", word_tokens=True) == {("a", "b", "c", "d")}
    assert shingles("a, b. c d") == {("a,", "b.", "c", "d")}


def test_page_precision_recall_by_hand():
    gold = "one two three four five six"  # shingles: 1234 2345 3456
    pred = "two three four five six seven eight"  # 2345 3456 4567 5678
    precision, recall = page_precision_recall(gold, pred)
    assert precision == pytest.approx(2 / 4)
    assert recall == pytest.approx(2 / 3)


def test_empty_prediction_counts_for_recall_only():
    assert page_precision_recall("one two three four", "") == (None, 0.0)
    assert page_precision_recall("", "") == (1.0, 1.0)


def test_score_averages_pages_then_takes_f1_of_means():
    pairs = [
        ("one two three four five six", "two three four five six seven eight"),  # P 0.5, R 2/3
        ("a b c d", "a b c d"),  # P 1, R 1
    ]
    f1, precision, recall = score(pairs)
    assert precision == pytest.approx(0.75)
    assert recall == pytest.approx(5 / 6)
    assert f1 == pytest.approx(2 * 0.75 * (5 / 6) / (0.75 + 5 / 6))


def test_heading_markers_are_stripped():
    assert strip_heading_markers("# Title\n\nbody # not a heading\n## Sub") == "Title\n\nbody # not a heading\nSub"
