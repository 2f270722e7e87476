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
