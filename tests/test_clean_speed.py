"""Shortcuts the cleaner takes for speed compute exactly what the plain definitions do."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.blocks import Block, Kind
from pipeline.clean import features

# Letters of several scripts, decimal digits of others ("٣", "５"), numerals that are
# \w but not \d ("²", "½", "Ⅻ"), the underscore, combining marks, spaces and punctuation.
_ALPHABET = list("aZéßİıΩжか漢") + list("09٣５²½Ⅻ") + ["_", "\u0301", "\u0307", " ", "\n", "\u00a0", ".", ",", "-", "!"]
_TEXT = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_a_blocks_letters_are_its_word_characters_less_digits_and_underscores(text):
    word_chars = sum(map(len, features._WORD_RE.findall(text)))
    digits = len(features._DIGIT_RE.findall(text))
    assert word_chars - digits - text.count("_") == len(features._LETTER_RE.findall(text))


def _reference_shares(blocks: list[Block]) -> list[tuple[float, float, float, float]]:
    """upper_share, splice_share, mean_word_length and topic_share as first written: by counting."""
    lower = [features._WORD_RE.findall(b.text.lower()) for b in blocks]
    grams = [set(zip(ws, ws[1:], ws[2:])) for ws in lower]
    gram_counts = Counter(g for gs in grams for g in gs)
    topics = [features._content_words(lw) for lw in lower]
    topic_counts = Counter(w for ts in topics for w in ts)
    out = []
    for block, own, topic in zip(blocks, grams, topics):
        words = features._WORD_RE.findall(block.text)
        out.append((
            len(features._UPPER_LETTER_RE.findall(block.text)) / (len(features._LETTER_RE.findall(block.text)) or 1),
            sum(1 for g in own if gram_counts[g] > 1) / len(own) if own else 0.0,
            sum(map(len, words)) / (len(words) or 1),
            sum(1 for w in topic if topic_counts[w] > 1) / len(topic) if topic else 0.0,
        ))
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_ALPHABET + ["the cat sat", " on the mat", "Ab", "CD"]), max_size=30)
                .map("".join), min_size=1, max_size=8))
def test_page_features_count_shares_as_their_definitions_do(texts):
    blocks = [Block(Kind.PARAGRAPH, t) for t in texts]
    col = {name: i for i, name in enumerate(features.FEATURES)}
    rows = features.page_features(blocks)
    got = [(r[col["upper_share"]], r[col["splice_share"]], r[col["mean_word_length"]], r[col["topic_share"]])
           for r in rows]
    assert got == _reference_shares(blocks)


# Pieces that exercise every count page_features makes page-wide: stopwords, UI words and
# phrases, trigrams said again, topic words, anomalies and separators at a text's edges (where
# the joined string holds a separator), URLs, a final sigma and "İ" (lower() changes a word's
# length), and the separator itself (the page is then read text by text).
_PIECES = _ALPHABET + ["the cat sat", " on the mat", "Ab", "CD", "sign in", "privacy policy", "read more", " | ",
                       " | | ", " - ", " / ", " ,", "( ", ", ", "?! x", "www.x", "a@b", "http://", "ΟΔΟΣ ", "İSTANBUL",
                       "It was", " year.", "...", "»", ":", "\x00", "\t"]
_KINDS = st.sampled_from([Kind.PARAGRAPH, Kind.HEADING, Kind.ITEM, Kind.ROW, Kind.SENTENCE])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join), _KINDS,
                          st.sampled_from([0.0, 0.5]), st.booleans()), min_size=1, max_size=12),
       st.lists(st.integers(0, 11), max_size=6))
def test_page_features_read_the_page_at_once_as_text_by_text(specs, repeats):
    """page_features counts over the page's word ids (bincounts, one sort); _page_features_by_text
    counts each distinct text with Python sets: the rows are the same, bit for bit."""
    blocks = [Block(kind, text, link_share=share, comments=comments) for text, kind, share, comments in specs]
    blocks += [blocks[i % len(blocks)] for i in repeats]  # texts said again: repeats, seen-before trigrams
    got, want = features.page_features(blocks), features._page_features_by_text(blocks)
    assert [[x.hex() for x in map(float, row)] for row in got] == [[x.hex() for x in map(float, row)] for row in want]


def test_page_features_of_prose_and_furniture_match_text_by_text():
    texts = ["Home | News | Sign in", "Privacy policy", "The committee met on Tuesday and agreed that the budget "
             "would be cut by a tenth.", "It said the cuts would fall on roads , not schools.", "Read more",
             "The committee met on Tuesday and agreed.", "Home | News | Sign in", "© 2024 ΟΔΟΣ İstanbul www.example.com"]
    blocks = [Block(Kind.HEADING if i == 0 else Kind.PARAGRAPH, t) for i, t in enumerate(texts)]
    assert features.page_features(blocks) == features._page_features_by_text(blocks)
    assert features.page_features([]) == []


def test_page_features_compute_every_feature_from_arrays():
    """A feature appended to FEATURES needs its column in page_features too: until then every
    page is read text by text (the same rows, several times slower)."""
    assert features._ARRAYS_READ_ALL, set(features.FEATURES) - features._ARRAY_FEATURES


def test_a_page_too_long_for_trigram_keys_is_read_text_by_text(monkeypatch):
    blocks = [Block(Kind.PARAGRAPH, "The cat sat on the mat and then it ran."), Block(Kind.PARAGRAPH, "Sign in")]
    want = features.page_features(blocks)
    monkeypatch.setattr(features, "_MAX_TOKENS", 4)
    monkeypatch.setattr(features, "_page_features_by_text", lambda b: ["read text by text", *want])
    assert features.page_features(blocks) == ["read text by text", *want]


def test_the_vectorised_tree_walk_reaches_the_leaves_a_plain_walk_does():
    """Trees.log_odds walks every tree for every row at once (children side by side, roots
    taken without a gather): each row's log-odds is the sum over trees of the leaf that a
    node-by-node walk reaches, NaN going right as in scikit-learn's comparison."""
    import math
    import random

    import numpy as np

    from pipeline.clean import model as scorer

    rng = random.Random(5)
    loaded = scorer.load()
    for trees in (loaded.page, loaded.blocks, loaded.context):
        k = len(trees.names)
        rows = [[rng.choice([0.0, 1.0, rng.gauss(0, 3), float("nan")]) for _ in range(k)] for _ in range(40)]
        got = trees.log_odds(rows)
        for row, value in zip(rows, got):
            x = np.asarray(row, dtype=np.float32).astype(np.float64)
            total = 0.0
            for t in range(trees.feature.shape[0]):
                node = 0
                while trees.feature[t, node] >= 0:
                    f = trees.feature[t, node]
                    node = trees.left[t, node] if x[f] <= trees.threshold[t, node] else trees.right[t, node]
                total += trees.value[t, node]
            assert math.isclose(value, trees.prior + trees.learning_rate * total, rel_tol=1e-12, abs_tol=1e-12)
    assert len(loaded.blocks.log_odds([])) == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT | st.sampled_from(["", "Ab CD", "x\nY", "É ü", "\U0001f600A"]), max_size=8))
def test_a_pages_character_counts_are_each_blocks_regex_counts(texts):
    """_char_counts reads the page once (numpy over code points, a class per character); each
    block's counts are what the per-block patterns count, \\b before a capital included."""
    want = [[len(features._DIGIT_RE.findall(t)), len(features._UPPER_LETTER_RE.findall(t)),
             len(features._SYMBOL_RE.findall(t)), len(features._CAPITALISED_RE.findall(t)),
             sum(map(len, features._WORD_RE.findall(t)))] for t in texts]
    assert (features._char_counts(texts) if texts else []) == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["sign", "in", "privacy", "policy", "the", "cat", "read", "more", "home", "all"]),
                max_size=12))
def test_ui_hits_count_every_ui_word_and_phrase(words):
    def grams(k):
        return [tuple(words[i:i + k]) for i in range(len(words) - k + 1)]
    want = (sum(w in features.UI_WORDS for w in words) + sum(g in features.UI_PHRASES for g in grams(2))
            + sum(g in features.UI_PHRASES for g in grams(3)))
    assert features._ui_hits(words, set(words)) == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 0.3, 0.7, 1e-3, 0.123456789]), max_size=25), st.sampled_from([1, 2, 5, 10]))
def test_window_means_are_the_plain_running_sums(values, k):
    n = len(values)
    want = []
    for i in range(n):
        a, b = max(0, i - k), min(n, i + k + 1)
        total = 0.0
        for v in values[:b]:
            total += v
        before = 0.0
        for v in values[:a]:
            before += v
        want.append((total - before - values[i]) / (b - a - 1) if b - a - 1 else features.MAIN_PIVOT)
    assert features._window_means(values, k).tolist() == want


def test_normalize_keeps_tidy_blocks_and_never_returns_one_block_twice():
    from pipeline.clean import normalize

    tidy, messy = Block(Kind.PARAGRAPH, "Already tidy."), Block(Kind.PARAGRAPH, "  two\n spaces ")
    out = normalize([tidy, messy, tidy, Block(Kind.PARAGRAPH, " \n ")])
    assert [b.text for b in out] == ["Already tidy.", "two spaces", "Already tidy."]
    assert out[0] is tidy and out[2] is not tidy and len(set(map(id, out))) == 3


# --- HTML: the parser with element classes found in C, XML bodies read without XPath ---------------

_PAGES = [
    "<html><head><title>T</title></head><body><form action='/s'><label>Find</label><input name='q'>"
    "<select><option>a</option></select><textarea>text</textarea></form><p>A paragraph of text.</p>"
    "<!-- a comment --><p>Another one &amp; more.</p></body></html>",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>An encoding declaration in a str.</p></body></html>",
    "<!DOCTYPE html><html/><body><p>A self-closing html tag.</p></body>",
    "just some text, not HTML",
    "<div><p>A fragment</p><p>without an html tag</p></div>",
    "",
]


def test_the_fast_html_loader_gives_trafilaturas_trees_with_the_same_element_classes():
    from lxml import etree
    from trafilatura.utils import load_html

    from pipeline import html

    loader = html._loader()
    assert loader is not load_html  # the probe page agreed: the fast loader is in use
    for page in _PAGES:
        try:
            expected = load_html(page)
        except Exception:  # noqa: BLE001
            expected = None
        got = loader(page) if page else None
        if expected is None:
            assert got is None
            continue
        assert etree.tostring(got) == etree.tostring(expected)
        assert [type(el) for el in got.iter()] == [type(el) for el in expected.iter()]


_XML_TEXT = st.text(alphabet="ab <&", max_size=5).map(lambda t: t.replace("&", "&amp;").replace("<", "&lt;"))


@settings(max_examples=200, deadline=None)
@given(st.recursive(_XML_TEXT,
                    lambda inner: st.builds(lambda tag, parts: f"<{tag}>{''.join(parts)}</{tag}>",
                                            st.sampled_from(["p", "item", "hi", "lb", "row", "cell"]),
                                            st.lists(inner, max_size=3)), max_leaves=12))
def test_itertext_is_xpaths_string_and_iter_with_tags_keeps_document_order(fragment):
    from lxml import etree

    from pipeline import html

    # Text is escaped, so every example parses (unescaped, 6 in 10 were syntax errors, skipped).
    root = etree.fromstring(f"<body>{fragment}<!--c--><?pi x?></body>")
    for el in root.iter():
        if isinstance(el.tag, str):
            assert html._string(el) == el.xpath("string()")
    assert list(root.iter(*html._XML_LEAVES)) == [el for el in root.iter()
                                                   if isinstance(el.tag, str) and el.tag in html._XML_LEAVES]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab .[]12\t\n\x07\x85\u00a0\u2003é") + ["[edit]", "[1]", "  "]),
                max_size=30).map("".join))
def test_normalize_shortcut_for_tidy_ascii_is_the_full_normalization(text):
    import re
    import unicodedata

    from pipeline import clean

    full = text if text.isascii() else unicodedata.normalize("NFC", text)
    full = clean._CONTROL_RE.sub("", full)
    full = clean._INLINE_MARKER_RE.sub(clean._between_words, full)
    assert clean._normalize(text) == re.sub(clean._SPACE_RE.pattern, " ", full).strip()


def _context_by_loop(rows: list[list[float]], probabilities: list[float], page_score: float) -> list[list[float]]:
    """context_features as first written: block by block, in Python floats."""
    import math

    col = {name: i for i, name in enumerate(features.FEATURES)}
    n = len(rows)
    log_words = [r[col["log_words"]] for r in rows]
    odds = [features._log_odds(p) for p in probabilities]
    start, end = features.main_stretch([(p - features.MAIN_PIVOT) * lw for p, lw in zip(probabilities, log_words)])
    short = [float(math.expm1(lw) <= features.SHORT_MAX_WORDS and not r[col["terminal"]])
             for lw, r in zip(log_words, rows)]
    near = [features._window_means(probabilities, k).tolist() for k in features.CONTEXT_WINDOWS]
    near_short = [features._window_means(short, k).tolist() for k in features.SHORT_WINDOWS]
    out = []
    for i in range(n):
        distance = 0 if start <= i < end else (start - i if i < start else i - end + 1)
        out.append([odds[i], odds[i - 1] if i else features.EDGE_LOG_ODDS,
                    odds[i + 1] if i + 1 < n else features.EDGE_LOG_ODDS, *(m[i] for m in near),
                    float(distance == 0), math.log1p(distance), -1.0 if i < start else (1.0 if i >= end else 0.0),
                    *(m[i] for m in near_short), features._log_odds(page_score)])
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Home", "Sign in to comment", "The cat sat on the mat and then it ran.",
                                           "Read more", "A fact.", "one two three four", "Prices rose again this "
                                           "year, the survey of shops in the town found."]),
                          st.sampled_from([0.0, 1.0, 1e-5, 0.5, 0.2, 0.97, 0.123456789, 1 - 1e-9])),
                min_size=1, max_size=30))
def test_context_matrix_is_the_block_by_block_loop(page):
    """context_matrix computes the columns with numpy (logs by math): bit for bit the loop's numbers."""
    import numpy as np

    rows = features.page_features([Block(Kind.PARAGRAPH, text) for text, _ in page])
    probabilities = [p for _, p in page]
    want = _context_by_loop(rows, probabilities, 0.3)
    got = features.context_matrix(np.asarray(rows), np.asarray(probabilities), 0.3)
    assert got.tolist() == want and features.context_features(rows, probabilities, 0.3) == want


def _summary_by_loop(blocks: list[Block], rows: list[list[float]]) -> list[float]:
    """page_summary as first written: a loop over the rows, in Python floats."""
    import math

    col = {name: i for i, name in enumerate(features.FEATURES)}
    n = len(rows)
    words = [math.expm1(r[col["log_words"]]) for r in rows]
    total = sum(words) or 1.0
    ui = [r[col["ui_words"]] > 0 for r in rows]
    long_rows = [r for r, w in zip(rows, words) if w >= 3]
    prose_at = [i for i, r in enumerate(rows) if r[col["is_prose"]]]

    def share(flags) -> float:
        return sum(1 for f in flags if f) / n

    return [
        share(ui), sum(w for w, u in zip(words, ui) if u) / total,
        share(w <= features.SHORT_MAX_WORDS and not r[col["terminal"]] and not r[col["kind_heading"]]
              for w, r in zip(words, rows)),
        share(r[col["repeats"]] > 0 for r in rows), sum(w for w, r in zip(words, rows) if r[col["is_prose"]]) / total,
        share(r[col["url_or_email"]] > 0 for r in rows), share(r[col["separators"]] > 0 for r in rows),
        share(r[col["anomalies"]] > 0 for r in rows),
        sum(r[col["seen_before_share"]] for r in long_rows) / len(long_rows) if long_rows else 0.0,
        share(b.kind is Kind.SENTENCE for b in blocks), share(b.kind is Kind.HEADING for b in blocks),
        share(r[col["terminal"]] > 0 for r in rows),
        (prose_at[0] if prose_at else n) / n, (n - 1 - prose_at[-1] if prose_at else n) / n,
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Kind)), st.sampled_from(
    ["Home", "Sign in to comment", "The cat sat on the mat and then it ran.", "Read more | Share | Print",
     "A fact.", "one two three four", "Prices rose again this year, the survey of shops in the town found.",
     "Contact us at info@example.com", "Home"])), min_size=1, max_size=30))
def test_page_summary_of_the_matrix_is_the_loop_over_rows(page):
    """page_summary counts on the matrix's columns and sums words in Python: the loop's numbers, bit for bit."""
    blocks = [Block(kind, text) for kind, text in page]
    rows = features.page_features(blocks)
    want = _summary_by_loop(blocks, rows)
    assert features.page_summary(blocks, features.page_matrix(blocks)) == want
    assert features.page_summary(blocks, rows) == want and features.page_summary([], []) == [0.0] * 14


def test_scoring_many_rows_holds_a_slice_of_them_at_once():
    """Trees.log_odds walks rows x trees nodes: a page of a million short lines held
    gigabytes (300,000 rows of 'ab' lines: 2.7 GB). It walks them in slices, each row's
    log-odds the same as scored alone."""
    import tracemalloc

    import numpy as np

    from pipeline.clean import model as scorer

    trees = scorer.load().runs or scorer.load().blocks  # the largest ensemble
    rng = np.random.default_rng(3)
    rows = rng.normal(0, 2, size=(20_011, len(trees.names)))
    tracemalloc.start()
    try:
        together = trees.log_odds(rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    alone = np.concatenate([trees.log_odds(rows[i:i + 1000]) for i in range(0, len(rows), 1000)])
    assert (together == alone).all()
    nodes = len(rows) * trees.feature.shape[0] * 8  # one int64 node per row and tree
    assert peak < nodes / 4, f"{peak / 1e6:.0f} MB at once for {len(rows)} rows"
