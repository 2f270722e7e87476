"""SegmentedIndex: several segments with deletions search as one fresh index, bit for bit."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import segments as segments_module
from pipeline.index import BM25Index, BM25Params
from pipeline.segments import SegmentedIndex


def _segmented(docs: list[list[str]], n_segments: int, dead: set[int], params: BM25Params):
    """Doc i goes to segment i % n_segments (passage ids interleave across segments, so
    ties are broken across them); dead docs are deleted. Returns the segmented index,
    the global doc -> passage id map, and a fresh build of the live docs in id order."""
    parts = [[i for i in range(len(docs)) if i % n_segments == s] for s in range(n_segments)]
    parts = [p for p in parts if p]
    built, masks, infos, ids = [], [], [], []
    for members in parts:
        index = BM25Index.build([docs[i] for i in members], params)
        mask = np.array([i in dead for i in members], dtype=bool)
        built.append(index)
        masks.append(mask if mask.any() else None)
        live = [i for i in members if i not in dead]
        infos.append({"live_docs": len(live), "live_tokens": sum(len(docs[i]) for i in live)})
        ids.extend(members)
    live_ids = [i for i in range(len(docs)) if i not in dead]
    fresh = BM25Index.build([docs[i] for i in live_ids], params)
    return SegmentedIndex(built, masks, infos, lambda d: ids[d]), ids, fresh, live_ids


def _assert_same(docs, n_segments, dead, query, k, params=BM25Params()):
    live = [i for i in range(len(docs)) if i not in dead]
    if not live or not any(docs[i] for i in live):
        return
    ours, ids, fresh, live_ids = _segmented(docs, n_segments, dead, params)
    got_docs, got_scores = ours.search(query, k)
    want_docs, want_scores = fresh.search(query, k)
    assert [ids[d] for d in got_docs] == [live_ids[d] for d in want_docs]
    assert got_scores.tolist() == want_scores.tolist()  # bit for bit
    terms = {t if isinstance(t, str) else t[0] for t in query}
    assert [ours.df(t) for t in sorted(terms)] == [fresh.df(t) for t in sorted(terms)]


doc_st = st.lists(st.sampled_from("abcdefgh"), max_size=12)


@settings(max_examples=80, deadline=None)
@given(docs=st.lists(doc_st, min_size=1, max_size=60), n_segments=st.integers(1, 4),
       dead=st.sets(st.integers(0, 59), max_size=20),
       query=st.lists(st.tuples(st.sampled_from("abcdefghij"), st.sampled_from([0.5, 1.0, 1.7])), max_size=5),
       k=st.integers(1, 12), exhaustive_below=st.sampled_from([0, 10_000]))
def test_segmented_search_equals_a_fresh_build(docs, n_segments, dead, query, k, exhaustive_below):
    """Bounded fetching from big segments (exhaustive_below=0: every segment is "big")
    and outright scoring of small ones both give a fresh build's top k."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(segments_module, "EXHAUSTIVE_SEGMENT_DOCS", exhaustive_below)
        patch.setattr(segments_module, "FETCH_FACTOR", 2)
        _assert_same(docs, n_segments, dead, query, k)


def test_segmented_search_of_a_big_segment_fetches_a_few_candidates(monkeypatch):
    """A big segment with a few deletions: the answer is a fresh
    build's, and the big segment is asked for a few times k docs, not scored whole."""
    rng = np.random.default_rng(5)
    vocab = [f"t{i}" for i in range(400)]
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    docs = [[vocab[j] for j in rng.choice(len(vocab), size=int(rng.integers(5, 40)), p=p)] for _ in range(6000)]
    dead = set(range(0, 6000, 97))
    asked = []
    original = BM25Index.search

    def counting(self, tokens, k):
        asked.append((self.n_docs, k))
        return original(self, tokens, k)

    monkeypatch.setattr(segments_module, "EXHAUSTIVE_SEGMENT_DOCS", 1000)
    monkeypatch.setattr(BM25Index, "search", counting)
    for query in (["t0", "t1"], ["t3", "t50", "t200"], [("t2", 1.7), ("t9", 0.5)], ["t399", "t1"]):
        asked.clear()
        _assert_same(docs, 1, dead, query, 10)
        ours_asks = [k for n, k in asked if n == len(docs)]
        assert ours_asks and max(ours_asks) <= 16 * 10 * segments_module.FETCH_FACTOR


def test_sorted_keys_and_links_do_not_depend_on_how_they_are_computed(monkeypatch):
    """Band keys are sorted a band at a time packed with their sentence (in place), and linked()
    reads them in blocks: the same arrays and verdicts as an argsort of every key and one pass."""
    from pipeline.dedupe import BANDS, signatures
    from pipeline.segments import LiveSentences, SentenceArrays, _lookups, linked

    rng = np.random.default_rng(5)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota"]
    sentences = [" ".join(rng.choice(words, size=int(rng.integers(1, 9)))) for _ in range(1500)]
    sig = signatures(sentences)
    n = len(sentences)

    def batch():
        return SentenceArrays(["u"], ["u"], np.zeros(n, dtype=np.int32), np.arange(n, dtype=np.int32),
                              np.zeros(n, dtype=np.int32), sig, None)

    near = np.flatnonzero(sig.ntok >= 5)
    keys = ((np.arange(BANDS, dtype=np.uint64) << np.uint64(32))[None, :] | sig.bands[near].astype(np.uint64)).ravel()
    order = np.argsort(keys, kind="stable")
    exact_order = np.argsort(sig.exact, kind="stable")
    expected = (sig.exact[exact_order], exact_order.astype(np.int32), keys[order],
                np.repeat(near.astype(np.int32), BANDS)[order])
    links = linked(LiveSentences([batch()]), 0)
    for ours, theirs in zip(_lookups(sig), expected, strict=True):
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
    assert 0 < len(near) < n
    monkeypatch.setattr(segments_module, "LINK_BLOCK_KEYS", 7)
    assert np.array_equal(links, linked(LiveSentences([batch()]), 0)) and 0 < links.sum() < n


def test_sentence_files_are_the_same_bytes_spilled_streamed_or_saved(tmp_path):
    """A segment's signature and sorted-key files: spilled to a file before the index is built
    (a build), or sorted a band at a time as they are written (a merge), are the bytes np.save
    writes of the arrays held whole."""
    from pipeline.dedupe import signatures
    from pipeline.segments import _SENTENCE_ARRAYS, SegmentData, _lookups, spill_sentences

    rng = np.random.default_rng(11)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota"]
    sentences = [" ".join(rng.choice(words, size=int(rng.integers(1, 9)))) for _ in range(700)]
    sig, n = signatures(sentences), len(sentences)
    index = BM25Index.build([["alpha"], ["beta"]], BM25Params())
    zeros = np.zeros(n, dtype=np.int32)

    topic = {"titles": [], "acronyms": [], "kept": None, "dropped": 0}

    def write(folder, sig, spilled=None):
        (tmp_path / folder).mkdir()
        SegmentData(index, b"{}\n{}\n", np.array([0, 3, 6]), np.zeros(2, dtype=np.int32), ["u"], [topic], ["u"],
                    zeros, np.arange(n, dtype=np.int32), zeros, np.zeros(n, dtype=np.uint64), sig,
                    spilled).write(tmp_path / folder, "")
        return {f.name: f.read_bytes() for f in (tmp_path / folder).iterdir()}

    lookups = _lookups(sig)
    streamed = write("streamed", sig)
    with open(tmp_path / "spill", "w+b") as handle:
        spilled = write("spilled", None, spilled=(handle, spill_sentences(sig, lookups[:2], handle)))
    assert streamed == spilled
    whole = dict(zip(("sig_exact", "sig_ntok", "sig_word_offsets", "sig_words", "sig_bands", "exact_sorted",
                      "exact_sent", "band_sorted", "band_sent"),
                     (sig.exact, sig.ntok, sig.word_offsets, sig.words, sig.bands) + lookups, strict=True))
    for name, values in whole.items():
        saved = io.BytesIO()
        np.save(saved, np.ascontiguousarray(values, dtype=_SENTENCE_ARRAYS[name]), allow_pickle=False)
        assert streamed[f"{name}.npy"] == saved.getvalue(), name
    assert len(np.load(tmp_path / "spilled" / "band_sent.npy")) == 20 * int(np.count_nonzero(sig.ntok >= 5)) > 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), block=st.sampled_from([7, 1 << 18]), cache=st.sampled_from([1, 3, 20_000]))
def test_a_fresh_batch_is_resolved_as_the_general_path_resolves_it(seed, block, cache):
    """fresh_verdicts (a build from scratch) gives batch_verdicts's credits and marks from
    resolve_batch without segments: sentences of few words, copied, near-copied (a word changed,
    added or dropped) across units and the documents they cite, so that band keys are shared by
    units that match and by units that do not; keys and entries read in blocks, word sets remembered or not."""
    from pipeline.dedupe import signatures
    from pipeline.segments import SentenceArrays, batch_verdicts, fresh_verdicts, resolve_batch

    rng = np.random.default_rng(seed)
    words = ["statin", "myopathy", "antibody", "muscle", "weakness", "biopsy", "necrosis", "kinase", "serum"]
    base = [list(rng.choice(words, size=int(rng.integers(3, 10)))) for _ in range(int(rng.integers(1, 12)))]
    sentences = []
    for _ in range(int(rng.integers(1, 120))):
        sentence = list(base[int(rng.integers(len(base)))])
        change = int(rng.integers(4))
        if change == 1:
            sentence[int(rng.integers(len(sentence)))] = str(rng.choice(words))
        elif change == 2:
            sentence.insert(int(rng.integers(len(sentence) + 1)), str(rng.choice(words)))
        elif change == 3 and len(sentence) > 1:
            del sentence[int(rng.integers(len(sentence)))]
        sentences.append(" ".join(sentence) + ".")
    n = len(sentences)
    sent_unit = np.sort(rng.integers(0, 4, size=n)).astype(np.int32)
    sent_pos = np.concatenate([np.arange(c, dtype=np.int32) for c in np.bincount(sent_unit, minlength=4)])
    sent_doc = (sent_unit * 2 + (sent_pos % 2)).astype(np.int32)  # two cited names per unit
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(segments_module, "LINK_BLOCK_KEYS", block)
        patch.setattr(segments_module, "ENTRY_BLOCK", block)
        patch.setattr(segments_module, "WORD_SET_CACHE_UNITS", cache)
        batch = SentenceArrays([f"u{u}" for u in range(4)], [f"u{d // 2}#{d % 2}" for d in range(8)], sent_unit,
                               sent_pos, sent_doc, signatures(sentences), None)
        credits, marks = fresh_verdicts(batch)
        verdicts, touched = resolve_batch([], batch, [])
        want_credits, want_marks = batch_verdicts(verdicts, 0, n)
    assert not touched
    assert np.array_equal(credits, want_credits) and marks == want_marks


def test_rows_of_removed_units_go_by_binary_search():
    """subtract_totals drops the rows of removed units by slices between binary searches: the same
    rows as a filter of every row."""
    import random

    from pipeline.segments import _without_units

    rng = random.Random(3)
    for _ in range(500):
        rows = sorted([[rng.randrange(20), i] for i in range(rng.randrange(30))])
        gone = set(rng.sample(range(22), rng.randrange(5)))
        assert _without_units(rows, gone) == [row for row in rows if row[0] not in gone]
