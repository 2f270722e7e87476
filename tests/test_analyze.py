"""The one analyzer for passages and questions."""

from __future__ import annotations

import pytest

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


def test_lay_words_expand_to_clinical_terms_without_corpus():
    from pipeline.analyze import question_tokens

    tokens = question_tokens("Can kids get this?")
    assert "kid" in tokens  # the person's own word stays, weight 1
    assert ("pediatr", 1.0) in tokens


def test_expansion_weight_follows_the_corpus():
    """A corpus that says "cancer" itself needs little of "malignancy"; one that never
    says "kids" needs all of "pediatric"; a term the corpus lacks is not added."""
    from pipeline.analyze import question_tokens

    def weight(tokens, term):
        return next(w for t, w in (x for x in tokens if not isinstance(x, str)) if t == term)

    rare_lay = {"cancer": 1, "malign": 9}
    common_lay = {"cancer": 90, "malign": 1}
    low = weight(question_tokens("Is it linked to cancer?", lambda t: common_lay.get(t, 0)), "malign")
    high = weight(question_tokens("Is it linked to cancer?", lambda t: rare_lay.get(t, 0)), "malign")
    assert 0 < low < high <= 1
    absent = question_tokens("Is it linked to cancer?", lambda t: {"cancer": 5}.get(t, 0))
    terms = {x if isinstance(x, str) else x[0] for x in absent}
    assert not terms & {"malign", "~malig"}  # df(malignancy) = 0: nothing to find


def test_derived_words_share_a_prefix_token():
    """Porter keeps derivations apart; the prefix token joins the family."""
    families = [("diagnosis", "diagnosed", "diagnostic"), ("treatment", "treated", "treat"),
                ("inflammation", "inflammatory", "inflamed"), ("recovery", "recover", "recovered")]
    for family in families:
        shared = set.intersection(*(set(analyze(word)) for word in family))
        assert any(t.startswith("~") for t in shared), family
    assert not set(analyze("diagnosis")) & set(analyze("diet"))  # short words stay apart


def test_prefix_tokens_count_less_than_the_words_typed():
    from pipeline.analyze import PREFIX_WEIGHT, STEM_WEIGHT, analyze, question_tokens
    from pipeline.index import BM25Index, BM25Params

    tokens = question_tokens("How is it diagnosed?")
    assert ("diagnos", STEM_WEIGHT) in tokens and ("~diagn", PREFIX_WEIGHT) in tokens
    docs = ["Most patients recovered within weeks.", "Recovery takes months of rehabilitation.",
            "The weather was mild all year."]
    index = BM25Index.build([analyze(d) for d in docs], BM25Params())
    ranked, scores = index.search(question_tokens("Has anyone recovered?"), 3)
    assert list(ranked[:2]) == [0, 1] and scores[1] > 0  # the form typed first, its relative found too


def test_names_rare_in_the_corpus_count_more():
    """ "MRI findings": the name is what is asked about, unless every page has it."""
    from pipeline.analyze import ENTITY_WEIGHT, question_tokens

    def weights(question, df, n_docs):
        return {t: w for t, w in (x if isinstance(x, tuple) else (x, 1.0) for x in question_tokens(question, df, n_docs))}

    from pipeline.analyze import STEM_WEIGHT
    rare = weights("MRI findings", lambda t: 2, 100)
    assert rare["mri"] == ENTITY_WEIGHT > 1 and rare["find"] == STEM_WEIGHT  # "findings" also has ~findi
    assert weights("mri findings", lambda t: 2, 100)["mri"] == 1.0  # not spelled as a name
    assert weights("What does C5b-9 do?", lambda t: 2, 100)["c5b-9"] == ENTITY_WEIGHT
    assert weights("MRI findings", lambda t: 15, 100)["mri"] == 1.0  # common: not boosted
    assert weights("MRI findings", None, 0)["mri"] == 1.0


def test_topic_words_count_less_than_the_question_focus():
    """In a folder about one disease its name is in the titles and in many passages: it counts TOPIC_WEIGHT."""
    from pipeline.analyze import STEM_WEIGHT, TOPIC_WEIGHT, question_tokens

    df = {"myopathi": 40, "~myopa": 40, "antibodi": 40, "~antib": 40, "ivig": 2, "work": 3}.get
    topic = frozenset({"myopathi", "~myopa"})

    def weights(question, topic):
        return {t: w for t, w in (x if isinstance(x, tuple) else (x, 1.0)
                                  for x in question_tokens(question, lambda t: df(t, 0), 100, topic))}

    w = weights("Does IVIg work for myopathy?", topic)
    assert w["myopathi"] == pytest.approx(STEM_WEIGHT * TOPIC_WEIGHT)
    assert w["work"] == 1.0 and w["ivig"] > 1.0  # a rare name counts more, not less
    assert weights("Which antibodies cause myopathy?", topic)["antibodi"] == STEM_WEIGHT  # common, not the topic
    assert weights("Does IVIg work for myopathy?", frozenset())["myopathi"] == STEM_WEIGHT


@pytest.mark.parametrize("question, asks", [
    ("What is immune-mediated necrotizing myopathy?", True),
    ("what is IMNM", True),
    ("What is a cataract?", True),
    ("What is the usual treatment when you are first diagnosed?", False),
    ("What is the ICD-10 code for IMNM?", False),
    ("what are the symptoms", False),
    ("what is it", False),
])
def test_what_is_questions_ask_for_a_definition(question, asks):
    from pipeline.analyze import question_tokens

    terms = {t if isinstance(t, str) else t[0] for t in question_tokens(question)}
    assert ("definit" in terms) == asks


def test_a_name_written_with_a_unicode_dash_counts_as_the_same_name():
    from pipeline.analyze import question_tokens

    def weights(question):
        return {t: w for t, w in (x if isinstance(x, tuple) else (x, 1.0)
                                  for x in question_tokens(question, lambda t: 2, 100))}

    assert weights("Is anti\u2013HMGCR the cause?") == weights("Is anti-HMGCR the cause?")
