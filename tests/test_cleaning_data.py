"""bench/cleaning_data.py: alignment, split, decoding and metrics on tiny hand-checkable inputs."""

from __future__ import annotations

import pytest

from bench.cleaning_data import align, decode_html, registrable_domain, site_of_html, split_of


def test_align_long_block_counts_words_covered_by_gold_trigrams():
    gold = "The cat sat on the mat today."
    # tokens: the cat sat on the mat today; block "the cat sat here now": 3-gram (the,cat,sat) in gold
    assert align(["The cat sat here now"], gold) == [pytest.approx(3 / 5)]
    assert align(["the cat sat on the mat"], gold) == [1.0]
    assert align(["dogs run far away"], gold) == [0.0]


def test_align_overlapping_trigrams_cover_each_word_once():
    gold = "a b c d"
    # block a b c d x: grams abc, bcd in gold -> a b c d covered, x not
    assert align(["a b c d x"], gold) == [pytest.approx(4 / 5)]


def test_align_short_blocks_are_whole_word_substrings_of_gold():
    gold = "Subscribe now to our news, Maria Lopez said."
    assert align(["Maria Lopez", "lopez", "Menu", "scribe", ""], gold) == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert align(["MARIA   lopez!"], gold) == [1.0]  # case, spacing and punctuation folded


def test_align_keeps_order_and_length():
    assert align([], "anything") == []
    assert len(align(["x"] * 7, "x y z")) == 7


def test_split_is_by_site_and_deterministic():
    assert split_of("nytimes.com") == split_of("nytimes.com")
    sides = {split_of(f"site{i}.com") for i in range(50)}
    assert sides == {"train", "test"}
    share = sum(split_of(f"site{i}.example") == "train" for i in range(2000)) / 2000
    assert 0.65 < share < 0.75


def test_registrable_domain_drops_www_and_keeps_public_suffixes():
    assert registrable_domain("https://www.bbc.co.uk/news/1") == "bbc.co.uk"
    assert registrable_domain("http://blog.example.com/x") == "example.com"
    assert registrable_domain("http://localhost/x") is None
    assert registrable_domain("not a url") is None


def test_site_of_html_prefers_canonical_then_og_then_links():
    html = ('<link href="https://www.a.com/p" rel="canonical"><meta property="og:url" content="https://b.com/">'
            '<a href="https://c.com/1"></a>')
    assert site_of_html(html) == ("a.com", "canonical")
    assert site_of_html(html.split(">", 1)[1]) == ("b.com", "og:url")
    assert site_of_html('<a href="http://c.com/1"><a href="http://c.com/2"><a href="http://d.com/">')[0] == "c.com"
    assert site_of_html('<a href="https://twitter.com/x">')[0] is None


def test_decode_html_by_bom_meta_utf8_then_cp1252():
    assert decode_html("\ufeffcafé".encode("utf-8")) == "café"
    assert decode_html('<meta charset="iso-8859-1">café'.encode("latin-1")).endswith("café")
    assert decode_html('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'.encode() + b"\x93q\x94").endswith("“q”")
    assert decode_html("naïve".encode("utf-8")) == "naïve"
    assert decode_html("naïve".encode("cp1252")) == "naïve"
