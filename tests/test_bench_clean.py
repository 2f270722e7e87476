"""bench/bench_clean.py and bench/cleaning_data.py: the metrics, the alignment that makes
training labels, the layouts and the split, on inputs small enough to check by hand. None
of this depends on how well the cleaner does."""

from __future__ import annotations

import pytest

from bench.bench_clean import page_precision_recall, score, shingles, strip_heading_markers, unbulleted
from bench.cleaning_data import (
    DEFAULT_DATA,
    align,
    decode_html,
    expected_sentences,
    layout_markdown,
    markdown_escaped,
    layout_oneline,
    layout_wrapped,
    markdown_units,
    missing_sentences,
    noise_left,
    noise_removed,
    registrable_domain,
    sentences_kept,
    shingle_f1,
    site_of_html,
    split_of,
    split_sentences,
    text_units,
)

# -- the ScrapingHub shingle metric ---------------------------------------------------------


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


def test_shingle_f1_averages_pages_then_takes_f1_of_means():
    pairs = [
        ("one two three four five six", "two three four five six seven eight"),  # P 0.5, R 2/3
        ("a b c d", "a b c d"),  # P 1, R 1
        ("a b c d", ""),  # P undefined, R 0
    ]
    f1, precision, recall = shingle_f1(pairs)
    assert precision == pytest.approx(0.75)
    assert recall == pytest.approx(5 / 9)
    assert f1 == pytest.approx(2 * 0.75 * (5 / 9) / (0.75 + 5 / 9))
    assert score(pairs) == (f1, precision, recall)  # the old name


def test_heading_markers_and_bullets_are_stripped_before_scoring():
    assert strip_heading_markers("# Title\n\nbody # not a heading\n## Sub") == "Title\n\nbody # not a heading\nSub"
    assert unbulleted("- one\nnot - a bullet\n- two") == "one\nnot - a bullet\ntwo"


# -- align(): labels for blocks ----------------------------------------------------------------


def test_align_long_block_counts_words_covered_by_gold_trigrams():
    gold = "The cat sat on the mat today."
    assert align(["The cat sat here now"], gold) == [pytest.approx(3 / 5)]  # (the cat sat) in gold
    assert align(["the cat sat on the mat"], gold) == [1.0]
    assert align(["dogs run far away"], gold) == [0.0]
    assert align(["mat the on sat cat"], gold) == [0.0]  # the words, not in gold's order


def test_align_overlapping_trigrams_cover_each_word_once():
    assert align(["a b c d x"], "a b c d") == [pytest.approx(4 / 5)]  # abc, bcd in gold; x not


def test_align_short_blocks_are_whole_word_substrings_of_gold():
    gold = "Subscribe now to our news, Maria Lopez said."
    assert align(["Maria Lopez", "lopez", "Menu", "scribe", "", "--"], gold) == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert align(["MARIA   lopez!"], gold) == [1.0]  # case, spacing and punctuation folded


def test_align_keeps_order_and_length():
    assert align([], "anything") == []
    assert len(align(["x"] * 7, "x y z")) == 7


# -- split, site, decoding --------------------------------------------------------------------


def test_split_is_by_site_and_deterministic():
    assert split_of("nytimes.com") == split_of("nytimes.com")
    assert {split_of(f"site{i}.com") for i in range(50)} == {"train", "test"}
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


def test_decode_html_is_the_products_decoding():
    # The bench read pages with a decoder of its own (the meta charset before valid UTF-8), so it
    # measured pages that winnow decodes otherwise (11 of dragnet's): it is pipeline.sources.decoded.
    from pipeline.sources import decoded

    page = '<meta charset="iso-8859-1"><p>naïve café</p>'.encode("utf-8")  # saved as UTF-8 under its old meta
    assert decode_html(page) == decoded(page, "html")[0] == '<meta charset="iso-8859-1"><p>naïve café</p>'
    assert decode_html(b"  \n") == ""  # what winnow skips (an empty file) is no text
    assert decode_html("\ufeffcafé".encode("utf-8")) == "café"
    assert decode_html('<meta charset="iso-8859-1">café'.encode("latin-1")).endswith("café")
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'.encode()
    assert decode_html(meta + b"\x93q\x94").endswith("“q”")
    assert decode_html("naïve".encode("utf-8")) == "naïve"
    assert decode_html("naïve".encode("cp1252")) == "naïve"


# -- sentences and layouts ----------------------------------------------------------------


def test_split_sentences_on_end_punctuation_before_a_capital():
    assert split_sentences('He said "Go." Then he left. It cost 3.5 euros. e.g. this! (Yes.) And no?') == [
        'He said "Go."', "Then he left.", "It cost 3.5 euros. e.g. this!", "(Yes.)", "And no?"]


def test_expected_sentences_join_wrapped_lines_and_split_list_items():
    text = "Attendees: Maria Lopez, Tom Reed.\nNext meeting:\n21 March, room 3B.\n\n- milk\n- eggs\n1. Stir. Serve."
    assert expected_sentences(text) == ["Attendees: Maria Lopez, Tom Reed.", "Next meeting: 21 March, room 3B.",
                                        "milk", "eggs", "Stir.", "Serve."]


def test_layouts():
    paragraphs = ["Title line", "A long paragraph " + "of many words " * 10 + "ends here.", "one", "two"]
    assert layout_oneline(paragraphs) == "\n".join(paragraphs) + "\n"
    wrapped = layout_wrapped(paragraphs)
    assert max(len(line) for line in wrapped.splitlines()) <= 72 and "\n\n" in wrapped
    md = layout_markdown(paragraphs)
    assert md.startswith("## Title line\n\nA long paragraph") and md.endswith("\n\n- one\n- two\n")
    assert max(len(line) for line in md.splitlines()) <= 80


def test_the_markdown_layout_renders_back_to_the_gold_text():
    paragraphs = ["27.", "HI FIVE!! *skadoosh* (that was the sound)", "a <b> c & d_e [1] `x` ~y~ | z",
                  "- not a list", "# not a heading", "> not a quote", "1) not an item", "back\\slash"]
    units, _ = markdown_units("\n\n".join(markdown_escaped(p) for p in paragraphs))
    assert units == paragraphs
    assert markdown_units(layout_markdown(["Shopping list", "A long paragraph " + "of words " * 10 + "ends *here*."]))[0] \
        == ["Shopping list", "A long paragraph " + "of words " * 10 + "ends *here*."]
    # A heading's trailing " #" (a page's anchor mark) is CommonMark's closing sequence unless escaped.
    heading = ["Running in Wasm runtimes #", "A long paragraph " + "of words " * 10 + "ends here."]
    assert markdown_units(layout_markdown(heading))[0] == heading


def test_a_failed_decodings_mark_is_not_a_lost_sentence():
    assert missing_sentences("I dont know.", ["I don\ufffdt know."]) == []


def test_wrapping_never_starts_a_line_with_a_marker():
    text = layout_wrapped(["word " * 13 + "- dash " + "word " * 20 + "1. x"], width=72)
    assert not any(line.startswith(("-", "1.")) for line in text.splitlines())


def test_markdown_units_render_inline_markup_and_skip_code_html_tables():
    md = ("# Title\n\n<p align=center><img src=x></p>\n\nSee [the docs](http://x) and **bold** `code`.\n\n"
          "```python\nx = 1\n```\n\n    indented code\n\n| a | b |\n|---|---|\n\n- item one\n- item *two*\n\nSetext\n======\n")
    units, code_share = markdown_units(md)
    assert units == ["Title", "See the docs and bold code.", "item one", "item two", "Setext"]
    assert 0 < code_share < 0.5


# -- kept and removed --------------------------------------------------------------------------


def test_sentences_kept_folds_case_space_bullets_and_heading_markers():
    out = "# Next meeting:\n21 march,   room 3B.\n- Attendees: Maria Lopez, Tom Reed."
    sentences = ["Next meeting: 21 March, room 3B.", "Attendees: Maria Lopez, Tom Reed.", "Lost one."]
    assert sentences_kept(out, sentences) == pytest.approx(2 / 3)
    assert missing_sentences(out, sentences) == ["Lost one."]
    assert sentences_kept("", []) == 1.0
    assert sentences_kept("- milk", ["- milk"]) == 1.0  # a gold line "- milk" kept as a list item


def test_noise_removed_on_word_boundaries_with_real_sentences_masked():
    out = "Subscribe to the newsletter of the club. Menu\nThe club meets on Fridays."
    noise = ["Menu", "• Subscribe", "Cookie settings", "club meets"]
    # "Menu" left; "Subscribe" and "club meets" only inside kept real sentences; cookies gone
    real = ["Subscribe to the newsletter of the club.", "The club meets on Fridays."]
    assert noise_left(out, noise, keep=real) == ["Menu"]
    assert noise_removed(out, noise, keep=real) == pytest.approx(3 / 4)
    assert noise_removed(out, noise) == pytest.approx(1 / 4)  # unmasked, the real text matches too
    assert noise_removed("Menus and more", ["Menu"]) == 1.0
    assert noise_removed("anything", []) == 1.0


# -- the real data (skipped without ../shared/data) ----------------------------------------------

needs_data = pytest.mark.skipif(not (DEFAULT_DATA / "cleaning" / "dragnet").is_dir(), reason="no ../shared/data")


@needs_data
def test_pages_have_sites_and_no_site_is_on_both_sides():
    from bench.cleaning_data import SETS, load_pages

    pages = [p for s in SETS for p in load_pages(s)]
    assert len(pages) == 181 + 1362 + 113
    sides: dict[str, set[str]] = {}
    for p in pages:
        sides.setdefault(p.site, set()).add(split_of(p))
        assert p.gold and p.html and p.site
    assert all(len(s) == 1 for s in sides.values())
    assert sum(p.split == "test" for p in pages) / len(pages) > 0.2


@needs_data
def test_spam_pages_are_deterministic_and_split_by_site():
    pytest.importorskip("resiliparse")  # a bench extra: plain dumps give the noise lines
    from bench.cleaning_data import spam_pages

    a, b = spam_pages(n=4, seed=7), spam_pages(n=4, seed=7)
    assert a == b and len(a) == 4
    assert {p.split for p in a} == {"train", "test"}
    for page in a:
        assert split_of(page.site) == page.split
        assert sentences_kept(page.text, list(page.real_sentences)) == 1.0
        assert noise_removed(page.text, list(page.noise_items), keep=list(page.real_sentences)) == 0.0


def test_training_spam_pages_add_keyword_salad_to_the_same_pages():
    """more_kinds=True: the bench's pages (same real sentences, same noise) with keyword salad
    among the garbled "sentences": every added item is in the page's text, and it strings
    content words together with fewer function words than the page's real sentences have."""
    pytest.importorskip("resiliparse")
    from bench.cleaning_data import _ENGLISH_FUNCTION_WORDS, spam_pages, words

    def function_share(texts) -> float:
        tokens = [t for text in texts for t in words(text)]
        return sum(t in _ENGLISH_FUNCTION_WORDS for t in tokens) / len(tokens)

    base, more = spam_pages(n=4, seed=7), spam_pages(n=4, seed=7, more_kinds=True)
    assert more == spam_pages(n=4, seed=7, more_kinds=True)
    for a, b in zip(base, more):
        assert (a.name, a.real_sentences, a.split) == (b.name, b.real_sentences, b.split)
        # an inserted line may have gained a full stop (STOPPED_NOISE_SHARE): the same line
        same = {item for item in a.noise_items if item in b.noise_items or item + "." in b.noise_items}
        added = [item for item in b.noise_items if item not in a.noise_items and item[:-1] not in a.noise_items]
        assert same == set(a.noise_items) and added and len(set(b.noise_items)) == len(b.noise_items)
        assert all(item in b.text for item in added)
        assert function_share(added) < function_share(b.real_sentences) / 2
        assert sentences_kept(b.text, list(b.real_sentences)) == 1.0


def test_training_spam_pages_give_some_inserted_lines_a_full_stop():
    """more_kinds=True: a share of the inserted lines (STOPPED_NOISE_SHARE) end with a full stop,
    as titles and menu entries do when a page's lines are run together; the bench's pages
    (more_kinds=False) keep their lines as the dumps had them."""
    pytest.importorskip("resiliparse")
    from bench.cleaning_data import STOPPED_NOISE_SHARE, spam_pages

    base, more = spam_pages(n=8, seed=7), spam_pages(n=8, seed=7, more_kinds=True)
    stopped = 0
    for a, b in zip(base, more):
        for item in a.noise_items:
            if item + "." in b.noise_items and item[-1] not in ".!?:":
                stopped += 1
                assert item + "." in b.text
            else:
                assert item in b.noise_items
    total = sum(len([i for i in a.noise_items if i[-1] not in ".!?:"]) for a in base)
    assert 0 < stopped < total and 0 < STOPPED_NOISE_SHARE < 1


def test_wiki_marks_count_on_neither_side():
    # The cleaner drops "[1]" and "[ edit ]" by design; a sentence is kept when its words are.
    gold = ["Wellington is the capital.[1]", "Components [ edit ]"]
    assert sentences_kept("Wellington is the capital.\n# Components", gold) == 1.0
    assert missing_sentences("Components", gold) == ["Wellington is the capital.[1]"]


def test_control_characters_count_on_neither_side():
    # Gold texts stored as UTF-16 read as 8-bit bytes: the cleaner drops the NULs, as it should.
    assert missing_sentences("The abbot asked.", ["\x00T\x00h\x00e\x00 \x00a\x00b\x00b\x00o\x00t\x00 \x00a\x00s\x00k\x00e\x00d\x00."]) == []


def test_a_heading_underline_is_not_part_of_a_sentence():
    text = "1. Definitions\n--------------\n\nThe terms below.\n\nHISTORY\n=======\nPython was created."
    assert expected_sentences(text) == ["Definitions", "The terms below.", "HISTORY", "Python was created."]


def test_a_numbered_line_kept_as_a_paragraph_keeps_its_number():
    assert missing_sentences("2. Don't rush on day one.", ["2.", "Don't rush on day one."]) == []
    assert missing_sentences("- 2. Don't rush on day one.", ["2.", "Don't rush on day one."]) == []


def test_a_line_of_underscores_is_no_sentence():
    """"___" (a rule drawn with underscores) is not text a reader would miss."""
    assert split_sentences("___") == []
    assert text_units("First paragraph.\n\n________\n\nSecond one.") == ["First paragraph.", "Second one."]


# -- technical documents (the page gate's clean README-shaped examples) -----------------------


def _tech_docs_under(monkeypatch, roots):
    from bench import cleaning_data

    monkeypatch.setattr(cleaning_data, "DOC_ROOTS", roots)
    cleaning_data.tech_docs.cache_clear()
    try:
        return cleaning_data.tech_docs()
    finally:
        cleaning_data.tech_docs.cache_clear()


def test_tech_docs_are_chosen_by_rule_and_split_by_root(tmp_path, monkeypatch):
    prose = "\n\n".join(f"Paragraph {i} says what the option `--flag-{i}` does, and why it is there." for i in range(40))
    front = "---\ntitle: Config\nsection: 7\n---\n\n"
    (tmp_path / "node_modules" / "pkg" / "node_modules" / "dep").mkdir(parents=True)
    (tmp_path / "node_modules" / "pkg" / "docs").mkdir(parents=True)
    (tmp_path / "share" / "tool").mkdir(parents=True)
    (tmp_path / "node_modules" / "pkg" / "node_modules" / "dep" / "README.md").write_text("# dep\n\n" + prose)
    (tmp_path / "node_modules" / "pkg" / "docs" / "config.md").write_text(front + "# Config\n\n" + prose)
    (tmp_path / "node_modules" / "pkg" / "docs" / "tiny.md").write_text("# Tiny\n\nToo short.\n")  # under DOC_MIN_BYTES
    (tmp_path / "node_modules" / "pkg" / "docs" / "code.md").write_text("# Code\n\n" + "```\n" + "x = 1\n" * 2000 + "```\n")
    (tmp_path / "share" / "tool" / "README.md").write_text("# tool\n\n" + prose)
    (tmp_path / "share" / "tool" / "notes.txt").write_text(prose)  # not Markdown
    docs = _tech_docs_under(monkeypatch, ((str(tmp_path / "node_modules"), "train"), (str(tmp_path / "share"), "test")))
    assert [(d.origin, d.split, d.path.rsplit("/", 1)[1]) for d in docs] == [
        ("node:pkg", "train", "config.md"), ("node:dep", "train", "README.md"), ("doc:tool", "test", "README.md")]
    config = docs[0]
    assert not any("section: 7" in u or "title: Config" in u for u in config.units)  # front matter is not text
    assert [layout for layout, _ in config.layouts()] == ["markdown", "oneline", "wrapped"]
    assert "Paragraph 3 says what the option --flag-3 does" in config.layouts()[1][1]


def test_training_says_when_the_technical_documents_are_missing(tmp_path, monkeypatch, capsys):
    from pipeline.clean import train

    _tech_docs_under(monkeypatch, ((str(tmp_path / "nowhere"), "train"),))
    monkeypatch.setattr("bench.cleaning_data.tech_docs", lambda: ())
    assert train.doc_pages("train") == []
    assert "no technical documents for the train split" in capsys.readouterr().err


def test_why_lost_names_the_blocks_holding_a_sentence_and_their_verdicts():
    from bench.bench_clean import why_lost
    from bench.cleaning_data import ControlDoc

    text = "A note to self\n\nCall the clinic tomorrow about the results.\n\n!!!\n"
    doc = ControlDoc("note:x", "text", text, ("Call the clinic tomorrow about the results.",), "note")
    rows = why_lost(doc, ["Call the clinic tomorrow about the results.", "Not in the page at all."])
    assert [r["cause"] for r in rows] == ["kept blocks", "no block"]
    assert rows[0]["blocks"][0]["keep"] is True and rows[0]["blocks"][0]["text"].startswith("Call the clinic")
    assert rows[0]["page"] and rows[1]["blocks"] == []
