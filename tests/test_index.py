"""Tests for pipeline/index.py: BM25 parity with rank_bm25, exact pruned top-k, files on disk."""

from __future__ import annotations

import json
import math
import os
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

import pipeline.index as index_module
from pipeline.analyze import analyze
from pipeline.index import FORMAT_VERSION, BM25Index, BM25Params, IndexFormatError

PASSAGES = [
    "Anti-HMGCR antibodies are found in statin-associated necrotizing myopathy.",
    "Statins inhibit HMG-CoA reductase and lower LDL cholesterol.",
    "Necrotizing autoimmune myopathy presents with proximal weakness and high CK.",
    "HLA-DRB1*11:01 is a risk allele for anti-HMGCR myopathy.",
    "Creatine kinase (CK) levels above 10 times normal suggest myositis.",
    "The complement membrane attack complex C5b-9 is deposited on capillaries.",
    "Myopathy myopathy myopathy: a passage that repeats one word.",
    "",
    "Cholesterol is carried by LDL and HDL lipoproteins in the blood.",
    "Weakness of the hip and shoulder muscles is proximal weakness.",
]
QUERIES = [
    "anti-HMGCR myopathy",
    "statin cholesterol LDL",
    "proximal weakness weakness",
    "CK myositis creatine kinase",
    "complement C5b-9 capillaries",
    "unknownword",
]


def random_corpus(rng: random.Random, n_docs: int, vocab: int, max_len: int) -> list[list[str]]:
    """Zipf-ish token lists over a small vocabulary, with duplicate docs to force score ties."""
    weights = [1.0 / (r + 1) for r in range(vocab)]
    words = [f"t{r}" for r in range(vocab)]
    docs = [rng.choices(words, weights, k=rng.randint(0, max_len)) for _ in range(n_docs)]
    for _ in range(n_docs // 10):  # exact duplicates score alike: ties for the doc-number rule
        docs[rng.randrange(n_docs)] = list(docs[rng.randrange(n_docs)])
    return docs


def exhaustive_top_k(docs: list[list[str]], index: BM25Index, query: list[str], k: int):
    """Reference top k: exhaustive scores, docs matching any term (found from the tokens), by (-score, doc)."""
    scores = index.scores(query)
    terms = {t if isinstance(t, str) else t[0] for t in query}  # a term or (term, weight)
    matching = [d for d, tokens in enumerate(docs) if terms.intersection(tokens)]
    ranked = sorted(matching, key=lambda d: (-scores[d], d))[:k]
    return np.array(ranked, dtype=np.int64), scores[ranked]


def assert_same_top_k(docs, index, query, k):
    got_docs, got_scores = index.search(query, k)
    want_docs, want_scores = exhaustive_top_k(docs, index, query, k)
    assert got_docs.tolist() == want_docs.tolist(), (query, k)
    assert got_scores.tolist() == want_scores.tolist(), (query, k)  # bit-identical, not approximate


@pytest.fixture
def force_pruning(monkeypatch):
    """Make tiny corpora take the pruning and dense paths that large ones take."""
    monkeypatch.setattr(index_module, "SMALL_QUERY_POSTINGS", 0)
    monkeypatch.setattr(index_module, "PRUNE_COST_PER_TERM", 0)
    monkeypatch.setattr(index_module, "DENSE_ACCUMULATE_SHARE", 0.2)
    monkeypatch.setattr(index_module, "DENSE_TERM_SHARE", 0.3)
    monkeypatch.setattr(index_module, "SEEDS_PER_TERM", 3)
    monkeypatch.setattr(index_module, "FILTER_MIN_SURVIVORS", 0)


# ---------------------------------------------------------------- scores


@pytest.mark.parametrize("k1,b", [(0.9, 0.4), (1.5, 0.75), (1.2, 0.0), (0.5, 0.95)])
def test_scores_match_rank_bm25_on_real_text(k1, b):
    docs = [analyze(p) for p in PASSAGES]
    index = BM25Index.build(docs, BM25Params(k1=k1, b=b, idf="robertson"))
    reference = BM25Okapi(docs, k1=k1, b=b, epsilon=0)
    for question in QUERIES:
        query = analyze(question)
        np.testing.assert_allclose(index.scores(query), reference.get_scores(query), rtol=1e-5, atol=1e-9)


def test_scores_match_rank_bm25_on_random_corpora():
    rng = random.Random(1)
    for _ in range(20):
        docs = random_corpus(rng, rng.randint(2, 80), rng.randint(1, 40), 25)
        if not any(docs):
            continue  # rank_bm25 divides by zero on a corpus without tokens
        k1, b = rng.uniform(0.2, 2.0), rng.uniform(0.0, 1.0)
        index = BM25Index.build(docs, BM25Params(k1=k1, b=b, idf="robertson"))
        reference = BM25Okapi(docs, k1=k1, b=b, epsilon=0)
        for _ in range(5):
            query = [f"t{rng.randint(0, 45)}" for _ in range(rng.randint(1, 6))]  # some unknown
            np.testing.assert_allclose(index.scores(query), reference.get_scores(query), rtol=1e-5, atol=1e-9)


def test_lucene_idf_by_hand():
    docs = [["a", "b"], ["a"], ["c", "c", "a"]]
    index = BM25Index.build(docs, BM25Params(k1=1.2, b=0.75, idf="lucene"))
    n, avgdl = 3, 2.0
    idf_c = math.log(1 + (n - 1 + 0.5) / (1 + 0.5))
    tf, dl = 2, 3
    want = idf_c * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl))
    assert index.scores(["c"]) == pytest.approx([0.0, 0.0, want], rel=1e-6)
    # Lucene idf keeps a term found in every doc positive; Robertson's clamps it at 0.
    assert index.scores(["a"]).min() > 0
    assert BM25Index.build(docs, BM25Params(idf="robertson")).scores(["a"]).max() == 0.0


def test_repeated_query_token_counts_twice():
    docs = [analyze(p) for p in PASSAGES]
    index = BM25Index.build(docs, BM25Params(idf="robertson"))
    once, twice = index.scores(["weak"]), index.scores(["weak", "weak"])
    np.testing.assert_allclose(twice, 2 * once)
    assert once.max() > 0
    reference = BM25Okapi(docs, k1=0.9, b=0.4, epsilon=0)
    np.testing.assert_allclose(twice, reference.get_scores(["weak", "weak"]), rtol=1e-5)


def test_weighted_query_terms_scale_their_contribution():
    docs = [analyze(p) for p in PASSAGES]
    index = BM25Index.build(docs, BM25Params())
    plain = index.scores(["weak"]) + index.scores(["statin"])
    weighted = index.scores(["weak", ("statin", 0.25)])
    np.testing.assert_allclose(weighted, index.scores(["weak"]) + 0.25 * index.scores(["statin"]))
    assert not np.allclose(weighted, plain)
    # weight 0 (or below) drops the term; (term, 1.0) is the plain term
    assert index.scores([("statin", 0.0)]).max() == 0.0
    assert index.scores([("statin", 1.0)]).tolist() == index.scores(["statin"]).tolist()
    for term in ("statin", "weak", "nosuchterm"):
        assert index.df(term) == sum(term in d for d in docs)


def test_bad_params_are_rejected():
    with pytest.raises(ValueError, match="idf"):
        BM25Params(idf="bm25+")
    with pytest.raises(ValueError, match="b must"):
        BM25Params(b=1.5)
    assert BM25Params().as_dict() == {"k1": 0.9, "b": 0.4, "idf": "lucene"}


# ---------------------------------------------------------------- search == exhaustive


@pytest.mark.parametrize("pruning", [False, True])
def test_search_equals_exhaustive_top_k_on_random_corpora(pruning, request):
    if pruning:
        request.getfixturevalue("force_pruning")
    rng = random.Random(2)
    for trial in range(40):
        docs = random_corpus(rng, rng.randint(1, 300), rng.randint(1, 60), 30)
        params = BM25Params(k1=rng.choice([0.9, 1.2]), b=rng.choice([0.4, 0.75]),
                            idf=rng.choice(["lucene", "robertson"]))
        index = BM25Index.build(docs, params)
        for _ in range(10):
            query = [f"t{int(rng.paretovariate(1.0)) - 1}" for _ in range(rng.randint(1, 7))]
            assert_same_top_k(docs, index, query, rng.choice([1, 3, 10, 50]))


def test_ties_are_broken_by_doc_number():
    docs = [["x", "y"], ["y"], ["x", "y"], ["x", "y"], ["z"]]
    index = BM25Index.build(docs, BM25Params())
    got_docs, got_scores = index.search(["x", "y"], 2)
    assert got_docs.tolist() == [0, 2]
    assert got_scores[0] == got_scores[1]


def _assert_same_top_k_when_pruning(docs, query, k, params):
    """assert_same_top_k with the pruning paths forced (hypothesis tests cannot take fixtures)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index_module, "SMALL_QUERY_POSTINGS", 0)
        patch.setattr(index_module, "PRUNE_COST_PER_TERM", 0)
        patch.setattr(index_module, "DENSE_ACCUMULATE_SHARE", 0.2)
        patch.setattr(index_module, "DENSE_TERM_SHARE", 0.5)
        patch.setattr(index_module, "SEEDS_PER_TERM", 2)
        patch.setattr(index_module, "FILTER_MIN_SURVIVORS", 0)
        assert_same_top_k(docs, BM25Index.build(docs, params), query, k)


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=12), max_size=40),
    query=st.lists(st.sampled_from("abcdefghij"), max_size=5),
    k=st.integers(1, 12),
    idf=st.sampled_from(["lucene", "robertson"]),
)
def test_search_property_pruned_equals_exhaustive(docs, query, k, idf):
    _assert_same_top_k_when_pruning(docs, query, k, BM25Params(idf=idf))


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=12), max_size=40),
    query=st.lists(st.tuples(st.sampled_from("abcdefghij"), st.sampled_from([0.3, 0.5, 1.0, 1.7])), max_size=5),
    k=st.integers(1, 12),
)
def test_search_property_pruned_equals_exhaustive_with_weights(docs, query, k):
    _assert_same_top_k_when_pruning(docs, query, k, BM25Params())


def test_search_on_the_synthetic_zipf_corpus_takes_every_path(monkeypatch):
    """A few thousand Zipf passages: large enough for the default thresholds to prune
    (but for the cost rule, which scores a corpus this small exhaustively)."""
    monkeypatch.setattr(index_module, "PRUNE_COST_PER_TERM", 0)
    rng = np.random.default_rng(3)
    vocab = 3000
    p = 1.0 / np.arange(1, vocab + 1)
    p /= p.sum()
    n_docs = 3000
    flat = rng.choice(vocab, size=n_docs * 40, p=p)
    docs = [[f"w{x}" for x in flat[i * 40:(i + 1) * 40]] for i in range(n_docs)]
    index = BM25Index.build(docs, BM25Params())
    assert len(index._dense_terms) > 0  # the most frequent words got dense columns
    for _ in range(60):
        query = [f"w{x}" for x in rng.choice(vocab, size=rng.integers(2, 7), p=p)]
        assert_same_top_k(docs, index, query, 10)


def test_a_query_of_many_terms_is_scored_exhaustively_where_pruning_costs_more(monkeypatch):
    """Pruning costs a few numpy calls per query term: a 60-word question spent 7.7 ms on it
    at 200k passages (4.0 ms exhaustively), a SciFact claim 0.57 ms at 23k (0.13). Such
    queries take the exhaustive path, with the same results; a short one on a large index
    still prunes."""
    rng = np.random.default_rng(4)
    vocab = 3000
    p = 1.0 / np.arange(1, vocab + 1)
    p /= p.sum()
    flat = rng.choice(vocab, size=3000 * 40, p=p)
    docs = [[f"w{x}" for x in flat[i * 40:(i + 1) * 40]] for i in range(3000)]
    index = BM25Index.build(docs, BM25Params())
    pruned = []
    real_lookup = index._lookup
    monkeypatch.setattr(index, "_lookup", lambda *args: pruned.append(1) or real_lookup(*args))
    for size in (8, 30, 60):
        query = [f"w{x}" for x in rng.choice(vocab, size=size, p=p)]
        assert_same_top_k(docs, index, query, 10)
    assert not pruned
    monkeypatch.setattr(index_module, "PRUNE_COST_PER_TERM", 100)  # a large index: pruning pays
    monkeypatch.setattr(index_module, "SMALL_QUERY_POSTINGS", 0)
    assert_same_top_k(docs, index, ["w1", "w2", "w40"], 10)
    assert pruned


# ---------------------------------------------------------------- edge cases


def test_empty_query_and_unknown_tokens_give_nothing():
    index = BM25Index.build([["a", "b"], ["b"]], BM25Params())
    for query in ([], ["zzz"], ["zzz", "yyy"]):
        docs, scores = index.search(query, 10)
        assert docs.shape == (0,) and scores.shape == (0,)
    assert index.search(["a"], 0)[0].shape == (0,)


def test_k_larger_than_matches_returns_every_match():
    index = BM25Index.build([["a", "b"], ["b"], ["c"], ["b", "b"]], BM25Params())
    docs, scores = index.search(["b"], 100)
    assert sorted(docs.tolist()) == [0, 1, 3]
    assert list(scores) == sorted(scores, reverse=True)


def test_zero_score_matches_are_still_results():
    # Robertson idf is 0 for a word in every doc: the docs match, with score 0.
    index = BM25Index.build([["a"], ["a", "b"], ["a"]], BM25Params(idf="robertson"))
    docs, scores = index.search(["a"], 10)
    assert docs.tolist() == [0, 1, 2] and scores.tolist() == [0.0, 0.0, 0.0]


def test_empty_corpus_builds_saves_loads_and_searches(tmp_path):
    index = BM25Index.build([], BM25Params())
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.n_docs == 0
    assert loaded.search(["a"], 10)[0].shape == (0,)
    assert loaded.scores(["a"]).shape == (0,)


def test_corpus_of_empty_docs(tmp_path):
    index = BM25Index.build([[], []], BM25Params())
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.n_docs == 2
    assert loaded.search(["a"], 10)[0].shape == (0,)
    assert loaded.scores(["a"]).tolist() == [0.0, 0.0]


# ---------------------------------------------------------------- files


def build_small() -> tuple[list[list[str]], BM25Index]:
    docs = random_corpus(random.Random(4), 400, 80, 30)
    return docs, BM25Index.build(docs, BM25Params(k1=1.2, b=0.75))


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_save_load_round_trip(tmp_path):
    docs, index = build_small()
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.n_docs == index.n_docs and loaded.params == index.params
    rng = random.Random(5)
    for _ in range(30):
        query = [f"t{rng.randint(0, 90)}" for _ in range(rng.randint(1, 5))]
        for got, want in zip(loaded.search(query, 10), index.search(query, 10)):
            assert got.tolist() == want.tolist()
        assert loaded.scores(query).tolist() == index.scores(query).tolist()
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["params"] == {"k1": 1.2, "b": 0.75, "idf": "lucene"}
    assert not list(tmp_path.glob("*.tmp"))  # temporaries renamed into place


def test_save_is_deterministic(tmp_path):
    docs, index = build_small()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    index.save(tmp_path / "a")
    index.save(tmp_path / "b")
    BM25Index.build(docs, BM25Params(k1=1.2, b=0.75)).save(tmp_path / "c")
    assert files(tmp_path / "a") == files(tmp_path / "b") == files(tmp_path / "c")
    assert all(b"pickle" not in blob for blob in files(tmp_path / "a").values())


def test_save_into_missing_directory_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="create it first"):
        build_small()[1].save(tmp_path / "nope")


def damage_truncate(directory: Path) -> None:
    path = directory / "post_docs.npy"
    path.write_bytes(path.read_bytes()[:-7])


def damage_garble_meta(directory: Path) -> None:
    (directory / "meta.json").write_text('{"format_version": 1, "params": {"k1": ')


def damage_missing_file(directory: Path) -> None:
    (directory / "post_impacts.npy").unlink()


def damage_missing_meta(directory: Path) -> None:
    (directory / "meta.json").unlink()


def damage_wrong_version(directory: Path) -> None:
    meta = json.loads((directory / "meta.json").read_text())
    meta["format_version"] = FORMAT_VERSION + 1
    (directory / "meta.json").write_text(json.dumps(meta))


def damage_wrong_sizes(directory: Path) -> None:
    meta = json.loads((directory / "meta.json").read_text())
    meta["sizes"]["n_postings"] += 1
    (directory / "meta.json").write_text(json.dumps(meta))


def damage_bad_header(directory: Path) -> None:
    (directory / "term_offsets.npy").write_bytes(b"not a numpy file at all")


def damage_wrong_dtype(directory: Path) -> None:
    original = np.load(directory / "post_docs.npy")
    np.save(directory / "post_docs.npy", original.astype(np.int64))


def damage_bad_offsets(directory: Path) -> None:
    offsets = np.load(directory / "post_offsets.npy")
    offsets[1], offsets[2] = offsets[2] + 5, offsets[1]
    np.save(directory / "post_offsets.npy", offsets)


def damage_bad_params(directory: Path) -> None:
    meta = json.loads((directory / "meta.json").read_text())
    meta["params"]["idf"] = "magic"
    (directory / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("damage, message", [
    (damage_truncate, "post_docs.npy"),
    (damage_garble_meta, "meta.json"),
    (damage_missing_file, "post_impacts.npy is missing"),
    (damage_missing_meta, "meta.json is missing"),
    (damage_wrong_version, "format version"),
    (damage_wrong_sizes, "post_docs.npy"),
    (damage_bad_header, "term_offsets.npy"),
    (damage_wrong_dtype, "post_docs.npy"),
    (damage_bad_offsets, "post_offsets"),
    (damage_bad_params, "bad fields"),
])
def test_damaged_index_raises_index_format_error(tmp_path, damage, message):
    build_small()[1].save(tmp_path)
    damage(tmp_path)
    with pytest.raises(IndexFormatError, match=message) as info:
        BM25Index.load(tmp_path)
    assert "build the index" in str(info.value)  # says what to do next


@pytest.mark.parametrize("query", [["t40"], ["t30", "t50", "t60"]])  # not dense columns
def test_out_of_range_doc_numbers_raise_index_format_error_on_search(tmp_path, query):
    build_small()[1].save(tmp_path)
    docs = np.load(tmp_path / "post_docs.npy")
    np.save(tmp_path / "post_docs.npy", docs + 10_000)  # same size: only a bounds check can tell
    with pytest.raises(IndexFormatError, match="post_docs hold numbers out of range"):
        BM25Index.load(tmp_path)
    # An index held in memory is not checked on load: the search guard still answers.
    index = build_small()[1]
    index._post_docs = index._post_docs + 10_000
    index._dense_rows = {}
    with pytest.raises(IndexFormatError, match="damaged"):
        index.search(query, 10)
    with pytest.raises(IndexFormatError, match="damaged"):
        index.scores(query)


def test_load_of_empty_directory_says_what_is_missing(tmp_path):
    with pytest.raises(IndexFormatError, match="meta.json is missing"):
        BM25Index.load(tmp_path)


def test_a_term_table_without_an_empty_slot_is_rejected_and_never_loops(tmp_path):
    """A crafted table with every slot taken: load says so, and a probe in memory still ends."""
    index = build_small()[1]
    index.save(tmp_path)
    table = np.load(tmp_path / "term_table.npy")
    np.save(tmp_path / "term_table.npy", np.where(table < 0, 0, table).astype(np.int32))
    with pytest.raises(IndexFormatError, match="no empty slot"):
        BM25Index.load(tmp_path)
    index._term_table = np.where(index._term_table < 0, 0, index._term_table).astype(np.int32)
    assert index._term_number("zzqqxx-never-seen") == -1  # ends after one probe per slot
    assert index.df("zzqqxx-never-seen") == 0


@pytest.mark.parametrize("bad", [-5, 10_000])
def test_term_table_entries_out_of_range_are_rejected(tmp_path, bad):
    build_small()[1].save(tmp_path)
    table = np.load(tmp_path / "term_table.npy")
    table[np.flatnonzero(table >= 0)[0]] = bad
    np.save(tmp_path / "term_table.npy", table)
    with pytest.raises(IndexFormatError, match="term_table holds term numbers out of range"):
        BM25Index.load(tmp_path)


def test_seeds_do_not_depend_on_how_many_postings_are_bucketed_at_once(monkeypatch):
    """Seeds are chosen in blocks of frequent terms (bounded memory); any block size gives
    the same seeds, and a term with at most SEEDS_PER_TERM postings keeps them all."""
    rng = random.Random(7)
    words = [f"w{i}" for i in range(300)]
    docs = [[rng.choice(words[:12]) for _ in range(rng.randint(3, 9))] + rng.sample(words, 4) for _ in range(900)]
    params = BM25Params()
    whole = BM25Index.build(docs, params)
    monkeypatch.setattr(index_module, "SEED_BLOCK_POSTINGS", 50)
    blocks = BM25Index.build(docs, params)
    for name in ("seed_docs", "seed_offsets"):
        assert np.array_equal(getattr(whole, "_" + name), getattr(blocks, "_" + name))
    df = np.diff(whole._post_offsets)
    seeds = np.diff(whole._seed_offsets)
    assert np.array_equal(seeds[df <= index_module.SEEDS_PER_TERM], df[df <= index_module.SEEDS_PER_TERM])
    assert (seeds[df > index_module.SEEDS_PER_TERM] >= index_module.SEEDS_PER_TERM).all()
    assert (df > index_module.SEEDS_PER_TERM).sum() > 5


def test_the_index_does_not_depend_on_block_sizes_or_term_numbering(tmp_path, monkeypatch):
    """Impacts and token renumbering run in blocks (bounded memory); from_term_ids with the
    terms in any order writes the bytes build() writes."""
    rng = random.Random(11)
    words = [f"w{i}" for i in range(200)] + ["é", "zz"]
    docs = [[rng.choice(words[:15]) for _ in range(rng.randint(0, 30))] + rng.sample(words, 3) for _ in range(700)]
    docs.append(["long"] * 40_000)  # a count past int16: counts widen
    params = BM25Params()
    BM25Index.build(docs, params).save(_fresh(tmp_path / "whole"))
    monkeypatch.setattr(index_module, "IMPACT_BLOCK", 37)
    BM25Index.build(docs, params).save(_fresh(tmp_path / "blocks"))
    terms = sorted({t for d in docs for t in d}, reverse=True)  # numbered in another order
    number = {t: i for i, t in enumerate(terms)}
    ids = np.array([number[t] for d in docs for t in d], dtype=np.int32)
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    BM25Index.from_term_ids(terms, ids, lengths, params).save(_fresh(tmp_path / "ids"))
    assert files(tmp_path / "whole") == files(tmp_path / "blocks") == files(tmp_path / "ids")


def _fresh(folder):
    folder.mkdir()
    return folder


def test_postings_equal_a_plain_count_of_each_terms_documents():
    """Postings grouped by term (sorted vocabulary), docs ascending, with their counts: the
    numpy sort of (term, doc) keys gives what counting by hand gives, empty docs included."""
    rng = random.Random(13)
    words = [f"w{i}" for i in range(300)] + ["é", "zz"]
    docs = [[rng.choice(words[:rng.randint(1, 302)]) for _ in range(rng.randint(0, 40))] for _ in range(900)]
    docs.append(["zz"] * 40_000)  # a count past int16
    index = BM25Index.build(docs, BM25Params())
    vocab = sorted({t for d in docs for t in d})
    expected_docs, expected_tfs, expected_offsets = [], [], [0]
    for term in vocab:
        counts = [(n, d.count(term)) for n, d in enumerate(docs) if term in d]
        expected_docs += [n for n, _ in counts]
        expected_tfs += [c for _, c in counts]
        expected_offsets.append(len(expected_docs))
    assert index._post_docs.tolist() == expected_docs
    assert index._post_tfs.tolist() == expected_tfs
    assert index._post_offsets.tolist() == expected_offsets


def test_building_an_index_does_not_import_scipy():
    """Importing scipy.sparse alone cost 0.12 s of CPU, a third of SciFact's whole BM25 build."""
    import subprocess
    import sys

    code = ("import sys; from pipeline.index import BM25Index, BM25Params; "
            "BM25Index.build([['a', 'b', 'a'], [], ['b']], BM25Params()); "
            "assert 'scipy' not in sys.modules, 'scipy was imported'")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(root)})
    assert result.returncode == 0, result.stderr


def test_the_build_holds_few_bytes_per_token_at_once():
    """from_term_ids writes its postings into their final arrays (a block at a time where a
    temporary is needed): at its peak, on 4M tokens, it holds under 30 bytes a token besides
    its input (28.4; 32.0 when whole-array temporaries held the postings' keys twice, their
    run starts twice and post_terms as int64 for a bincount)."""
    import tracemalloc

    rng = np.random.default_rng(13)
    n_docs, per_doc, n_terms = 80_000, 50, 20_000
    terms = [f"t{i}" for i in range(n_terms)]
    ids = rng.integers(0, n_terms, n_docs * per_doc).astype(np.int32)  # nearly every token its own posting
    lengths = np.full(n_docs, per_doc, dtype=np.int64)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        index = BM25Index.from_term_ids(terms, ids, lengths, BM25Params())
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert len(index._post_docs) > 0.95 * len(ids)
    assert peak / len(ids) < 30, f"{peak / len(ids):.1f} bytes a token"
