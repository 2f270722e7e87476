"""The one analyzer for passages and questions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analyze import analyze


@pytest.mark.parametrize("name, expected", [
    ("anti-HMGCR", {"anti-hmgcr", "antihmgcr", "anti", "hmgcr"}),
    ("HLA-DRB1*11:01", {"hla-drb1*11:01", "hla", "drb1"}),
    ("C5b-9", {"c5b-9", "c5b", "9"}),
    ("G72.4", {"g72.4", "g72"}),
    ("IgG", {"igg"}),
])
def test_biomedical_names_findable_whole_and_in_parts(name, expected):
    assert expected <= set(analyze(f"The {name} result."))


def test_same_tokens_for_question_and_passage_forms():
    assert set(analyze("anti HMGCR")) <= set(analyze("anti-HMGCR"))
    assert set(analyze("antibodies")) & set(analyze("Autoantibodies were found."))
    assert analyze("Treating") == analyze("treated") == analyze("treat")


def test_stopwords_dropped_and_lowercased():
    assert analyze("What are THE symptoms of it?") == analyze("symptom")


def test_unicode_dashes_join_compounds():
    assert "anti-srp" in analyze("anti\u2013SRP")


def test_stemmer_matches_nltk_porter_original():
    nltk_porter = pytest.importorskip("nltk.stem.porter")
    import Stemmer

    ours = Stemmer.Stemmer("porter")
    ref = nltk_porter.PorterStemmer(mode=nltk_porter.PorterStemmer.ORIGINAL_ALGORITHM)
    words = ["antibodies", "involved", "necrotizing", "myopathies", "generalization", "running",
             "inflammatory", "weakness", "corticosteroids", "relational", "hopefully", "statins"]
    assert [ours.stemWord(w) for w in words] == [ref.stem(w) for w in words]


def test_percent_sign_is_the_word_percent():
    assert "percent" in analyze("Seronegative cases are 20-30% of the total.")
    assert "percent" in analyze("What percent of patients?")


def test_derived_words_share_a_prefix_token():
    """Porter keeps derivations apart; the prefix token joins the family."""
    families = [("diagnosis", "diagnosed", "diagnostic"), ("treatment", "treated", "treat"),
                ("inflammation", "inflammatory", "inflamed"), ("recovery", "recover", "recovered")]
    for family in families:
        shared = set.intersection(*(set(analyze(word)) for word in family))
        assert any(t.startswith("~") for t in shared), family
    assert not set(analyze("diagnosis")) & set(analyze("diet"))  # short words stay apart


def test_accents_fold_on_latin_letters():
    assert analyze("café") == analyze("cafe") == analyze("CAFÉ")
    assert analyze("Niño naïve") == analyze("nino naive")


def test_cjk_text_is_indexed_as_character_bigrams():
    """As Lucene's CJKAnalyzer: overlapping bigrams of a run, a lone character as itself."""
    assert analyze("坏死性肌病") == ["坏死", "死性", "性肌", "肌病"]
    assert analyze("東京タワー") == ["東京", "京タ", "タワ", "ワー"]
    assert analyze("면역 매개") == ["면역", "매개"]
    assert analyze("病") == ["病"]
    assert analyze("IMNM是一种") == ["imnm", "是一", "一种"]  # Latin beside CJK is a word of its own


@given(st.text(alphabet="abcXYZ09 _-*:./+%,;'\"()\t\n\x00é", max_size=60))
@settings(max_examples=300, deadline=None)
def test_ascii_words_are_token_re_words(text):
    """ASCII text is cut into words by a plain [A-Za-z0-9] pattern: the words TOKEN_RE finds."""
    from pipeline.analyze import _ASCII_TOKEN_RE, TOKEN_RE, normalize

    normal = normalize(text)
    if normal.isascii():
        assert _ASCII_TOKEN_RE.findall(normal) == TOKEN_RE.findall(normal)
    if text.isascii():
        assert _ASCII_TOKEN_RE.findall(text) == TOKEN_RE.findall(text)
