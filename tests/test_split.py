"""Sentence splitting: nltk's Punkt, loaded without the parts of nltk it does not need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _in_a_fresh_python(code: str) -> None:
    """Run code in a new interpreter (imports start from nothing); it must exit 0."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_punkt_loads_without_scipy_stats_or_scikit_learn_and_leaves_them_importable():
    code = (
        "import sys\n"
        "from pipeline.split import split_sentences\n"
        "assert split_sentences('Dr. Smith saw him. It was fine.') == ['Dr. Smith saw him.', 'It was fine.']\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats was imported'\n"
        "assert 'sklearn' not in sys.modules, 'scikit-learn was imported'\n"
        "import scipy.stats\n"
        "assert scipy.stats.fisher_exact([[1, 2], [3, 4]])\n"
        "import sklearn.preprocessing\n"
    )
    _in_a_fresh_python(code)


def test_a_footnote_number_after_a_full_stop_still_ends_the_sentence():
    from pipeline.split import split_sentences

    assert split_sentences("It occurs in 2 of every 100 000 patients treated with statins.1 We will review it.") == [
        "It occurs in 2 of every 100 000 patients treated with statins.1", "We will review it."]
    assert split_sentences("Version 2.1 The end.") == ["Version 2.1 The end."]


def test_no_sentence_opens_with_the_bracket_that_closes_the_one_before():
    """Punkt leaves ")" after a doubled mark at the start of the next sentence, so a
    cleaned run read "am I?? ), so"; the bracket goes back, with the clause that goes on."""
    from pipeline.split import split_sentences

    text = "I don't do much social media (what kind of teenager am I??), so posting won't help."
    assert split_sentences(text) == [text]
    assert split_sentences("It was odd (was it??) Then we left.") == ["It was odd (was it??)", "Then we left."]
    assert split_sentences("A b c?? ) x.")[0].endswith("?? )")  # a bracket written apart stays apart
    assert split_sentences("(What now?) We wait.") == ["(What now?)", "We wait."]


def test_the_footnote_hint_is_found_wherever_a_footnote_break_is():
    """Text is split at footnote breaks only when _FOOTNOTE_HINT_RE finds one (a fast scan):
    every text with a break must hold the hint, whatever letters, digits and spaces surround it."""
    import random

    from pipeline.split import _FOOTNOTE_BREAK_RE, _FOOTNOTE_HINT_RE, split_sentences

    rng = random.Random(7)
    alphabet = ["a", "z", "A", "Z", ".", "1", "9", " ", "\n", "\t", "\u00a0", "é", ")", "s.1", "d.42"]
    broken = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if len(_FOOTNOTE_BREAK_RE.split(text)) > 1:
            broken += 1
            assert _FOOTNOTE_HINT_RE.search(text), repr(text)
    assert broken > 500
    assert split_sentences("Rates fell.12 Then rose.") == ["Rates fell.12", "Then rose."]


def test_punkt_with_plain_regexes_splits_as_nltks_own():
    """The plain-`re` Punkt (no per-match timeout wrapper) is nltk's algorithm: the same splits
    on every paragraph of the test pages and the seeds, and on abbreviation cases."""
    from nltk.tokenize import punkt

    from pipeline.split import _punkt, _punkt_sentences, punkt_parameters

    reference = punkt.PunktSentenceTokenizer(punkt_parameters(punkt))
    plain = _punkt()
    assert type(plain._lang_vars) is not punkt.PunktLanguageVars  # the plain one is in use
    paragraphs = ["Dr. Smith et al. saw it, e.g. in Fig. 2. The U.S. team agreed. J. R. R. Tolkien wrote it.",
                  "It cost 3.5 euros... then more. “Go.” Then he left! Why? (Yes.) And no."]
    for path in sorted((ROOT / "tests" / "pages").rglob("*")) + sorted((ROOT / "seeds").iterdir()):
        if path.suffix in (".txt", ".md", ".html"):
            paragraphs.extend(path.read_text(encoding="utf-8", errors="replace").split("\n"))
    assert len(paragraphs) > 1000
    for paragraph in paragraphs:
        assert plain.tokenize(paragraph) == reference.tokenize(paragraph), paragraph[:200]
        assert _punkt_sentences(paragraph) == reference.tokenize(paragraph), paragraph[:200]


def test_the_shortcut_for_plain_word_stop_contexts_answers_as_punkt_does():
    """Contexts "word. Next" skip Punkt's annotation (_PLAIN_BREAK_RE): the answer must be
    Punkt's own, for listed abbreviations in any case, one-letter initials, "?" and "!",
    and whatever whitespace and token follow."""
    import random

    from nltk.tokenize import punkt

    from pipeline.split import _PLAIN_BREAK_RE, ABBREVIATIONS, _punkt, _punkt_sentences, punkt_parameters

    reference = punkt.PunktSentenceTokenizer(punkt_parameters(punkt))
    rng = random.Random(13)
    words = ABBREVIATIONS.split() + ["Fig", "ETC", "Vs", "ab", "cells", "Al", "NO", "x", "B", "a1", "é", "CD33",
                                     "world-wide", "x-fig", "1990", "0.006", "(ASE)", "study)", "e.g.)", "", "a-", "'",
                                     "R.R", "j.k", "a.k.a", "D.C"]
    followers = list(".,;:?!()[]{}\"'`-*@#&…—") + list("aZ09é") + ["The", "the", "All", "Martin"]
    spaces = [" ", "  ", "\n", "\n\n", "\t", "\u00a0", " \n "]
    shortcut = 0
    for _ in range(20_000):
        word = rng.choice(words) if rng.random() < 0.5 else "".join(rng.choice("abcdXYZ") for _ in range(rng.randint(1, 5)))
        context = (word + rng.choice(".?!") + rng.choice(spaces)
                   + "".join(rng.choice(followers) for _ in range(rng.randint(1, 4))))
        shortcut += _PLAIN_BREAK_RE.fullmatch(context) is not None
        assert _punkt().text_contains_sentbreak(context) == reference.text_contains_sentbreak(context), context
    assert shortcut > 5_000
    # Whole paragraphs cut without Punkt's slicing (_punkt_sentences) when every end is plain.
    pieces = ["word", "Next", "cells.", "it?", "e.g.", "Dr.", "U.S.", "(", ")", '"', "'", "”", "»", ".", "?", "!", "  ",
              "\n", "1.", "2010", "A.", "x", "--", "...", "é"]
    for _ in range(5_000):
        paragraph = rng.choice(["", " "]).join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        assert _punkt_sentences(paragraph) == reference.tokenize(paragraph), paragraph


def test_initials_run_together_do_not_end_a_sentence():
    """ "George R.R. Martin" was cut after "R.R.": Punkt learns such words as abbreviations from
    training text, which we do not ship."""
    from pipeline.split import split_sentences

    assert split_sentences("George R.R. Martin wrote it. He met J.K. Rowling. She smiled.") == [
        "George R.R. Martin wrote it.", "He met J.K. Rowling.", "She smiled."]
    assert split_sentences("Shown by Smith et al. in Nature, e.g. Fig. 2. See vol. I and Dr. J. R. R. Tolkien.") == [
        "Shown by Smith et al. in Nature, e.g. Fig. 2.", "See vol. I and Dr. J. R. R. Tolkien."]


def test_a_paragraph_without_sentence_ends_is_one_sentence_without_punkt(monkeypatch):
    """Punkt ends sentences only at . ? ! so a heading or list item skips it, whole."""
    from pipeline import split

    expected = [split.split_sentences(t) for t in ("Results and discussion", "  a; b: c  ", "Dr Smith said so. Yes")]
    monkeypatch.setattr(split, "_punkt", lambda: (_ for _ in ()).throw(AssertionError("Punkt called")))
    assert split.split_sentences("Results and discussion") == expected[0] == ["Results and discussion"]
    assert split.split_sentences("  a; b: c  ") == expected[1] == ["a; b: c"]
    with pytest.raises(AssertionError):
        split.split_sentences("Dr Smith said so. Yes")
    assert len(expected[2]) == 2


def _passages(document):
    """(label, text) of each passage of a document, packed as the index packs them."""
    from pipeline.split import join_sentences, pack, section_sentences

    return [(label, join_sentences(sentences[i] for i in group))
            for label, sentences in section_sentences(document) for group in pack(sentences)]


def test_a_text_files_title_line_is_in_its_text_and_opens_the_first_passage_when_a_heading_follows():
    # The title line stays in the cleaned text and in the passages: a title never costs the text
    # its line (passages under "Diet" are not shown under the title). With a heading at once under
    # it, it has nothing under it of its own: it opens the first passage, as a title over its
    # text does, and is no passage of its own (one that said only the title's words).
    from pipeline.clean import CleanOptions, clean_text

    doc = clean_text("Harbour seals of the north\n\nDiet\n\nHarbour seals eat fish. They dive for it.\n",
                     options=CleanOptions(trusted=True))
    assert doc.title == "Harbour seals of the north" and doc.text.startswith("Harbour seals of the north\n\n# Diet")
    assert _passages(doc) == [("Diet", "Harbour seals of the north\nHarbour seals eat fish. They dive for it.")]
    # Not alone either when the first sentence fills a passage by itself.
    long = " ".join(["Harbour seals eat fish"] * 20) + "."
    doc = clean_text(f"Harbour seals of the north\n\nDiet\n\n{long} They dive for it.\n",
                     options=CleanOptions(trusted=True))
    assert [text for _, text in _passages(doc)] == [f"Harbour seals of the north\n{long}", "They dive for it."]


def test_a_heading_like_line_with_nothing_under_it_before_the_next_heading_is_no_passage_of_its_own():
    # Shaped like a fact sheet's part (seed 002): an unstopped "Summary" between the fact list and
    # the heading "Diet" was a passage whose whole text was "Summary" (ranked for the word by its
    # length). It stays in the cleaned text, and goes with the text of its section before it.
    from pipeline.clean import CleanOptions, clean_markdown, clean_text

    facts = ["Range: North Atlantic", "Weight: 100 kg", "Length: 1.6 m", "Colour: grey", "Status: common",
             "Lifespan: 30 years"]
    text = ("Harbour seal\nA true seal of cold northern coasts, common on sandbanks.\n"
            + "".join(f"- {fact}\n" for fact in facts)
            + "Summary\nDiet\nHarbour seals eat fish and squid. They dive for it at high tide.\n"
            + "Breeding\nPups are born in June. They can swim within hours of birth.\n")
    doc = clean_text(text, options=CleanOptions(trusted=True))
    assert "- Lifespan: 30 years\n\nSummary\n\n# Diet\n\n" in doc.text  # clean prints it as written
    passages = _passages(doc)
    assert [text for _, text in passages] == [
        "Harbour seal\nA true seal of cold northern coasts, common on sandbanks.\nRange: North Atlantic\nWeight: 100 kg",
        "Length: 1.6 m\nColour: grey\nStatus: common\nLifespan: 30 years\nSummary",
        "Harbour seals eat fish and squid. They dive for it at high tide.",
        "Pups are born in June. They can swim within hours of birth."]
    assert [label for label, _ in passages] == ["Harbour seal", "Harbour seal", "Diet", "Breeding"]
    # A heading with nothing under it (a part's heading over its first subheading) opens the text
    # that follows it, as the title over it does.
    doc = clean_markdown("# Seals\n\n## Summary\n\n## Diet\n\nHarbour seals eat fish. They dive for it.\n")
    assert _passages(doc) == [("Diet", "Seals\nSummary\nHarbour seals eat fish. They dive for it.")]
    # A short unstopped line with text under it, or at the end of the text, is read as before.
    doc = clean_text("Tides\nThe spring tides come two days after the full moon.\nSee also\n",
                     options=CleanOptions(trusted=True))
    assert [text for _, text in _passages(doc)] == [
        "Tides\nThe spring tides come two days after the full moon.\nSee also"]
    doc = clean_text("Call the clinic tomorrow\n", options=CleanOptions(trusted=True))
    assert _passages(doc) == [("", "Call the clinic tomorrow")]


def test_punkt_loads_without_all_of_nltk_and_nltk_imports_as_usual_afterwards():
    code = (
        "import sys\n"
        "from pipeline.split import split_sentences\n"
        "assert split_sentences('Dr. Smith saw him. It was fine.') == ['Dr. Smith saw him.', 'It was fine.']\n"
        "assert not [m for m in sys.modules if m == 'nltk' or m.startswith('nltk.')], 'nltk stays loaded'\n"
        "import nltk\n"
        "assert nltk.tokenize.punkt.PunktSentenceTokenizer and nltk.word_tokenize\n"
        "assert split_sentences('Mr. Lee left. He came back.') == ['Mr. Lee left.', 'He came back.']\n"
    )
    _in_a_fresh_python(code)



def test_a_closing_label_line_before_a_heading_with_nothing_under_it_splits():
    """A section ending in a label line ("See also"), then a heading with nothing under it: the
    label line's sentences were kept in a name that the section loop also used for the index of
    the last section, and the next section's test raised a TypeError (the source was skipped)."""
    from pipeline.clean import clean_markdown

    doc = clean_markdown("# Alpha\n\nThe lens was replaced in a short operation at the clinic.\n\nSee also\n\n"
                         "# Beta\n\n# Gamma\n\nRecovery took two weeks for most of the patients.\n")
    assert _passages(doc) == [
        ("Alpha", "The lens was replaced in a short operation at the clinic.\nSee also"),
        ("Gamma", "Beta\nRecovery took two weeks for most of the patients.")]
