"""Duplicates across sources: keep the first, remember every source."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import assemble_passages
from pipeline.records import Document, Section


def _doc(source, *paragraphs, heading="Facts"):
    return Document(source=source, title="", sections=(Section(heading, tuple(paragraphs)),))


def test_exact_and_near_duplicate_sentences_keep_first_and_all_sources():
    a = _doc("a.txt", "Bees make honey from nectar collected in spring. Hives hold many bees.")
    b = _doc("b.txt", "Bees make honey from the nectar collected in spring! Wasps do not make honey at all.")
    c = _doc("c.txt", "Hives hold many bees.")
    passages, dropped = assemble_passages([a, b, c])
    assert dropped == 2
    texts = " ".join(p.text for p in passages)
    assert texts.count("make honey from") == 1
    first = next(p for p in passages if p.source == "a.txt")
    assert first.sources == ("a.txt", "b.txt", "c.txt")
    assert [p.source for p in passages] == ["a.txt", "b.txt"]


def test_passages_never_cross_sections_and_ids_are_ordered():
    doc = Document(source="x.txt", title="T", sections=(
        Section("One", ("First sentence here is long enough.",)),
        Section("Two", ("Second section sentence is here too.",)),
    ))
    passages, _ = assemble_passages([doc])
    assert [(p.section, p.passage_id) for p in passages] == [("One", "x.txt#0000"), ("Two", "x.txt#0001")]


@pytest.mark.parametrize("chars", [1, 40, 24_000])
def test_signatures_do_not_depend_on_the_other_sentences_of_a_pass(chars, monkeypatch):
    """A build computes signatures in passes of many sentences (a whole corpus piece);
    each sentence's signature must be what it gets alone, so the stored bytes never
    depend on how sentences were grouped (a lone "." once got band keys or zeros
    depending on its neighbours)."""
    import numpy as np

    from pipeline import dedupe
    from pipeline.dedupe import concat_signatures, signatures

    monkeypatch.setattr(dedupe, "SIGNATURE_CHARS", chars)  # passes cut anywhere, and one of 250 sentences
    sentences = [".", "Bees make honey from nectar collected in spring.", "", "Hives hold many bees; bees hold hives.",
                 "-- . --"] * 35 + ["."] * 75
    together = signatures(sentences)
    alone = concat_signatures([signatures([s]) for s in sentences])
    for name in ("exact", "ntok", "word_offsets", "words", "bands"):
        assert np.array_equal(getattr(together, name), getattr(alone, name)), name
    assert not together.bands[together.ntok == 0].any()
    part = together.span(5, 9)
    assert np.array_equal(part.words, signatures(sentences[5:9]).words)
    assert np.array_equal(part.word_offsets, signatures(sentences[5:9]).word_offsets)


@pytest.mark.parametrize("block", [1, 50, 1 << 16])
def test_signatures_are_minhash_as_defined_sentence_by_sentence(block, monkeypatch):
    """The vectorised signatures (word hashes remembered, MinHash rows walked per hash
    function, a block of them at a time) equal MinHash written out plainly for one sentence
    at a time, in Python integers."""
    import zlib

    import numpy as np

    from pipeline import dedupe

    mask = (1 << 64) - 1
    mult, add = [int(v) for v in dedupe._MULT], [int(v) for v in dedupe._ADD]
    mix, salt = dedupe._BAND_MIX.tolist(), [int(v) for v in dedupe._BAND_SALT]

    def numbers_of(tokens: list[str]) -> int:  # a sum over the distinct words holding a digit
        total = 0
        for crc in {zlib.crc32(t.encode()) for t in tokens if any(c.isdigit() for c in t)}:
            x = (crc * int(dedupe._NUMBER_MULT) + int(dedupe._NUMBER_ADD)) & mask
            total += x ^ (x >> 31)
        return total

    def bands_of(sentence: str) -> list[int]:
        tokens = dedupe.normalized_tokens(sentence)
        crcs = [zlib.crc32(t.encode("utf-8", "surrogatepass")) for t in tokens]
        shingles = set(crcs) | {((a * 0x9E3779B97F4A7C15 + b) & mask) >> 32 for a, b in zip(crcs, crcs[1:])}
        if not shingles:
            return [0] * dedupe.BANDS
        mins = [min((m * w + c) & mask for w in shingles) >> 32 for m, c in zip(mult, add)]
        out = []
        for band in range(dedupe.BANDS):
            rows = mins[band * dedupe.ROWS:(band + 1) * dedupe.ROWS]
            x = (sum(r * k for r, k in zip(rows, mix[band])) + salt[band] + numbers_of(tokens)) & mask
            x ^= x >> 29
            x = (x * 0xBF58476D1CE4E5B9) & mask
            x ^= x >> 32
            out.append(x & 0xFFFFFFFF)
        return out

    sentences = ["Bees make honey from nectar collected in spring.", "the the the the the", "", ".",
                 "Café au lait, s'il vous plaît: 20 % off!", "One", "A b c d e f g h i j k l m n o p",
                 "Trial NCT01771458 of 2 and 2 arms in G72.4, cohort ٣ (x²).", "7 8 9"] * 3
    monkeypatch.setattr(dedupe, "SIGNATURE_CHARS", 500)
    monkeypatch.setattr(dedupe, "MINHASH_BLOCK_VALUES", block)  # one hash function a block, a few, all
    sig = dedupe.signatures(sentences * 12)  # several passes
    for i, sentence in enumerate(sentences * 12):
        assert sig.bands[i].tolist() == bands_of(sentence), sentence
        words = sorted({zlib.crc32(t.encode()) for t in dedupe.normalized_tokens(sentence)})
        assert sig.word_set(i).tolist() == words
    assert isinstance(sig.bands, np.ndarray)


_ASCII_TEXT = "abcXYZ09 _-.,;:'\"!?()[]{}<>/\\|@#$%^&*+=~`\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00\x7f"


@given(st.text(alphabet=_ASCII_TEXT, max_size=60) | st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_words_hashed_as_bytes_are_the_regex_words(text):
    """ASCII sentences are cut into words by a byte table, not the regex: the same words
    (underscores, control characters and every separator included), the same exact hash."""
    import hashlib

    from pipeline import dedupe

    words = dedupe.normalized_tokens(text)
    assert dedupe._token_bytes(text) == [w.encode("utf-8", "surrogatepass") for w in words]
    exact = hashlib.blake2b(" ".join(words).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    assert int(dedupe.signatures([text]).exact[0]) == int.from_bytes(exact, "little")


def test_near_copies_that_state_other_numbers_are_different_facts():
    """Sentences alike but for a number say different things ("cohort 7777" must find its
    record); the same sentence with the same numbers, and a near copy that changes words but
    no number, are still duplicates, and so is an exact copy (same words, same numbers)."""
    from pipeline.dedupe import SentenceDeduper

    deduper = SentenceDeduper()
    template = "Record {} about statin myopathy and serum kinase in cohort {}."
    for i in range(50):
        assert deduper.find(template.format(i, i)) is None, i
        deduper.add(template.format(i, i), f"r{i}")
    assert deduper.find(template.format(7, 7)) == 7  # exact
    assert deduper.find("Record 7 about statin myopathy and the serum kinase in cohort 7.") == 7  # near
    mach = "Investigation of jet effects on a flat surface downstream of a turbojet nacelle at a Mach number of {}."
    deduper.add(mach.format("2.02"), "a")
    assert deduper.find(mach.format("1.39")) is None
    assert deduper.find(mach.format("2.02").replace("jet effects", "the jet effects")) is not None
    a = _doc("a.txt", "This trial is registered with ClinicalTrials.gov, number NCT01771458.")
    b = _doc("b.txt", "This trial is registered with ClinicalTrials.gov, number NCT01788527.")
    passages, dropped = assemble_passages([a, b])
    assert dropped == 0 and [p.source for p in passages] == ["a.txt", "b.txt"]


def test_near_copies_of_one_template_are_not_compared_pair_by_pair(tmp_path, monkeypatch):
    """1,500 records of one template (only a number differs) are all kept (test above), and
    found without comparing them pair by pair: the numbers are in the band keys, so records
    stating other numbers are never candidates (every pair was compared, and remembered: 4,000
    such records took 84 s and 1.3 GB, 20,000 ran out of memory); no unit's neighbours are
    gathered one by one (quadratic still: 8,000 took 26 s). Copies of the record sharing its
    numbers (one in ten, a word changed) are dropped, as the sequential deduplicator does.
    Both ways of resolving: a build from scratch (fresh_verdicts) and a refresh that adds the
    records to an index (resolve_batch)."""
    import json

    from pipeline import segments
    from pipeline.dedupe import SentenceDeduper
    from pipeline.ingest import build_index

    n = 1500
    sentences = [f"Record {i} about statin myopathy and serum kinase in cohort {i}." for i in range(n)]
    sentences += [f"Record {i} about statin myopathy and the serum kinase in cohort {i}." for i in range(0, n, 10)]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("A page about lens surgery and the eye.\n")
    calls = []
    original = segments.sets_match
    monkeypatch.setattr(segments, "sets_match", lambda a, b: calls.append(1) or original(a, b))
    monkeypatch.setattr(segments, "BAND_CACHE_MAX_UNITS", 50)
    remembered, looked_at = [], []
    for name in ("band_units", "outside_band_units"):
        def wrapped(self, h, original=getattr(segments.LiveSentences, name)):
            remembered.append(max(map(len, self._bands.values()), default=0))
            out = original(self, h)
            looked_at.append(len(out))
            return out
        monkeypatch.setattr(segments.LiveSentences, name, wrapped)
    build_index(tmp_path / "src", tmp_path / "index", jobs=1)
    (tmp_path / "src" / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": f"d{i:04d}", "text": s}) + "\n" for i, s in enumerate(sentences)))
    deduper = SentenceDeduper()
    expected = sum(deduper.find(s) is not None or deduper.add(s, "x") < 0 for s in sentences)
    assert expected == n // 10
    for full in (False, True):
        calls.clear()
        report = build_index(tmp_path / "src", tmp_path / "index", jobs=1, full=full)
        assert report.full == full and report.duplicates_dropped == expected
        assert 0 < len(calls) < 5 * n
    assert looked_at and max(remembered) <= 50
    assert sum(looked_at) < 5 * n  # no unit's thousands of neighbours gathered in a set


def test_kept_units_found_by_band_key_give_the_verdicts_of_every_neighbour_looked_at(tmp_path, monkeypatch):
    """resolve finds the kept units near a unit by their band keys and skips the batch's own
    neighbours (all queued): the index is the same, byte for byte, as when every neighbour of
    every unit is looked at (band_keys None), for a fresh build and for a refresh on segments."""
    import random

    from pipeline import segments
    from pipeline.ingest import build_index

    from .test_scale import _corpus, _generation_bytes

    rng = random.Random(5)
    template = "Record {} about statin myopathy and serum kinase in cohort {}."
    sources = tmp_path / "sources"
    sources.mkdir()
    _corpus(sources / "corpus.jsonl", 300)
    for i in range(12):
        (sources / f"p{i}.txt").write_text(" ".join(template.format(rng.randint(0, 99), i) for _ in range(5)) + "\n")

    def both() -> tuple[dict, dict]:
        build_index(sources, tmp_path / "fast", jobs=1)
        with monkeypatch.context() as patch:
            patch.setattr(segments.LiveSentences, "band_keys", lambda self, h: None)
            build_index(sources, tmp_path / "slow", jobs=1)
        return _generation_bytes(tmp_path / "fast"), _generation_bytes(tmp_path / "slow")

    fast, slow = both()
    assert fast == slow
    (sources / "p3.txt").write_text(template.format(7, 7) + " A new page about lens surgery.\n")
    (sources / "p5.txt").unlink()
    fast, slow = both()
    assert fast == slow
