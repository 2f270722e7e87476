"""pipeline/english.py: general-English token frequencies, looked up in the shipped table without loading it."""

from __future__ import annotations

import pytest

from pipeline.english import PATH, RECORD, TOKEN_WIDTH, GeneralEnglish, write


def test_the_table_is_sorted_records_of_one_width():
    data = PATH.read_bytes()
    assert data and len(data) % RECORD == 0
    keys = [data[i:i + TOKEN_WIDTH] for i in range(0, len(data), RECORD)]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(data[i + RECORD - 1:i + RECORD] == b"\n" for i in range(0, len(data), RECORD))


def test_a_token_sums_the_words_that_yield_it():
    english = GeneralEnglish()
    assert english("involv") > english("antibodi") > 0  # involve, involved, involvement... against antibodies
    assert english("~invol") >= english("involv")  # the prefix token's family holds the stem's words
    assert english("hmgcr") == 0.0 and english("x" * (TOKEN_WIDTH + 1)) == 0.0  # unlisted: a name
    assert english("") == 0.0


def test_a_damaged_table_is_refused(tmp_path):
    path = tmp_path / "english.txt"
    path.write_bytes(b"involv" + b" " * (TOKEN_WIDTH - 6) + b"053\nx")
    with pytest.raises(ValueError):
        GeneralEnglish(path)


def test_the_shipped_table_is_what_the_script_writes(tmp_path):
    pytest.importorskip("wordfreq")
    path = tmp_path / "english.txt"
    write(path)
    assert path.read_bytes() == PATH.read_bytes()
