"""Fuzzing the cleaner (issue 10, item 6): on any input it returns a Document, never raises,
and never invents words.

"Never invents": every word of the output (title and text) occurs in the input once both are
NFKC-normalised, case-folded and stripped of everything but letters and digits, so words
the cleaner joins (a line break, a hyphen, markup between them) still count as the input's.
"""

from __future__ import annotations

import html
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean import clean_html, clean_markdown, clean_text
from pipeline.records import Document

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_WORD = re.compile(r"[^\W_]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")

# Text built from pieces that exercise the cleaner's rules: words and sentences, Markdown
# and wiki markup, contact details, media names, menus, numbers, odd Unicode.
_PIECES = st.sampled_from([
    "The", "harbour", "seal", "is", "a", "true", "seal", "found", "along", "coasts.", "It", "eats", "fish.",
    "Café", "naïve", "Straße", "ﬁsh", "ＡＢＣ", "東京", "é", "über", "2015;", "17(12)", "12", "Main", "Street",
    ".", ",", ";", ":", "!", "?", "…", "...", "-", "–", "—", "|", "»", "›", "/", "\\", "&", "%", "$5",
    "[", "]", "(", ")", "{", "}", "*", "**", "_", "__", "`", "#", "##", ">", "<", "~", "@", "+", "=", "'", '"',
    "[edit]", "[1]", "[citation needed]", "![img](a.png)", "[link](http://x.org/a)", "*emph*", "**bold**",
    "jane.doe@example.com", "http://example.com/page", "www.example.org", "photo.jpg", "report.PDF",
    "(555) 123-4567", "Home", "›", "Next", "Previous", "1 2 3", "Share", "Subscribe", "Login", "Cookie",
    "Privacy Policy", "Read more:", "Posted by", "March 3, 2024", "Comments", "Related articles",
    "e.g.", "Dr.", "U.S.", "et al.", "Fig. 2", "doi:10.1000/xyz", "PMID: 123",
])
_SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "\f", ""])


@st.composite
def _texts(draw) -> str:
    pieces = draw(st.lists(st.tuples(_PIECES, _SEPARATORS), max_size=80))
    noise = draw(st.text(max_size=40))  # arbitrary code points too
    return "".join(p + s for p, s in pieces) + noise


_TAGS = ["p", "div", "span", "h1", "h2", "li", "td", "a", "nav", "footer", "article", "script", "style", "pre"]


@st.composite
def _html_pages(draw) -> str:
    body = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(st.sampled_from(_TAGS))
        text = html.escape(draw(_texts()), quote=False)
        body.append(f"<{tag}>{text}</{tag}>" if draw(st.booleans()) else f"<{tag}>{text}")
    title = html.escape(draw(_texts()), quote=False)[:80]
    return f"<html><head><title>{title}</title></head><body>{''.join(body)}</body></html>"


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _invented_words(document: Document, source: str) -> list[str]:
    """Words of the document that do not occur in the source (see the module docstring)."""
    letters = _NOT_ALNUM.sub("", _folded(source))
    # Text on either side of an inline tag ("0<span>The") renders as one word.
    untagged = _NOT_ALNUM.sub("", _folded(re.sub(r"<[^<>]*>", "", source)))
    # A Markdown link renders as its text, an image as nothing: "[link](http://x.org/a)0" reads
    # "link0", "The![img](a.png)0" "The0".
    rendered = _NOT_ALNUM.sub("", _folded(_MD_LINK.sub(lambda m: "" if m[0][0] == "!" else m[1], source)))
    words = _WORD.findall(_folded(document.title + "\n" + document.text))
    return [w for w in words if w not in letters and w not in untagged and w not in rendered]


def _check(document, source: str) -> None:
    assert isinstance(document, Document)
    assert isinstance(document.text, str) and isinstance(document.title, str)
    assert not _invented_words(document, source), _invented_words(document, source)


@FUZZ
@given(_texts())
def test_clean_text_plain(text):
    _check(clean_text(text), text)


@FUZZ
@given(_texts())
def test_clean_text_markdown(text):
    _check(clean_text(text, markdown=True), text)


@FUZZ
@given(_html_pages())
def test_clean_html(page):
    # The page's text is what the words come from: entities decoded (&amp; is "&").
    _check(clean_html(page), html.unescape(page))


def test_invented_words_are_caught():
    """The check itself fails a document with a word the source does not have."""
    from pipeline.records import Section

    made_up = Document(source="", title="", sections=(Section(heading="", paragraphs=("seals eat squid",)),))
    assert _invented_words(made_up, "Seals eat fish.") == ["squid"]
    assert _invented_words(made_up, "SEALS eat-\nsq uid") == []


def test_a_marker_between_two_words_leaves_them_apart():
    """Found by the fuzz tests: "The[edit]0" came out as "The0", a word the page never had."""
    assert clean_markdown("The[edit]0").text == "The 0"
    assert clean_text("Harbour seals[1] breed on sandbanks[2].").text == "Harbour seals breed on sandbanks."
    assert "0 the" in clean_html("<p>0<span>[edit]</span>the</p>").text


def test_a_subscript_is_not_a_citation_mark():
    """A citation mark ends a word's run of text; "[77]" in "Out[77]:" or "x[1]" is part of the
    expression it is glued to (it came out "Out: 65534.99" and "x is the first")."""
    assert clean_text("Out[77]: 65534.99999999999").text == "Out[77]: 65534.99999999999"
    assert clean_text("In [77]: 850*77.1").text == "In [77]: 850*77.1"
    assert clean_text("Here x[1] is the first element and x[1][2] its third.").text == \
        "Here x[1] is the first element and x[1][2] its third."
    assert clean_text("Set self.items[0] = 5 and call f(a[0]) or np.r_[1].").text == \
        "Set self.items[0] = 5 and call f(a[0]) or np.r_[1]."
    assert "obama[1].jpg" in clean_text("The file 120805-romney-vs-obama[1].jpg was uploaded.").text
    assert "[3]:p. 7" in clean_text("The decomposition of C.[3]:p. 7 holds.").text  # a page cited: [3] stays
    # Citation marks still go: after a word, a number, a stop, a quote or a bracket; before a space,
    # sentence punctuation, another mark or the end.
    wiki = ('Open source[17] codec in 2014[27] and US$1,000[23] for alarms per shift[1], intervention[2]. '
            'Mosaic and Godzilla"[5] used by Communicator.[6][7] national identity[114][115] and '
            'boundaries (NZSAC92)[254] of the globe[citation needed].')
    assert clean_text(wiki).text == (
        'Open source codec in 2014 and US$1,000 for alarms per shift, intervention. '
        'Mosaic and Godzilla" used by Communicator. national identity and '
        'boundaries (NZSAC92) of the globe.')


def test_a_footnote_label_opening_a_line_stays():
    """A number in brackets that opens a line and is followed by text is the footnote's own label,
    not a citation mark: "[1] This memo is based on..." came out "This memo is based on...",
    though the gold texts keep the label (scrapinghub 5ae11e58, dragnet T70, R683)."""
    notes = ("The survey reached a thousand voters in every district of the state.[1]\n\n"
             "[1] This memo is based on a survey of 1000 voters in the 54 most competitive districts.\n\n"
             "[2] The districts in this survey reflect reapportionment.\n\n"
             "  [3]For the first two nights, this question was asked differently.\n")
    text = clean_text(notes).text
    assert text.startswith("The survey reached a thousand voters in every district of the state.\n")  # the mark goes
    for label in ("[1] This memo", "[2] The districts", "[3]For the first"):
        assert label in text
    assert "[1] This memo" in clean_markdown(notes).text
    page = clean_html("<p>The survey reached a thousand voters.<sup>[1]</sup></p>"
                      "<p>[1] This memo is based on a survey of 1000 voters.</p>")
    assert page.text == "The survey reached a thousand voters.\n\n[1] This memo is based on a survey of 1000 voters."
    # A label with no text after it, or marks run together before the text, are no footnote's label.
    assert clean_text("A claim the page cites.\n\n[4]\n\n[5][6] cited twice.").text == \
        "A claim the page cites.\n\ncited twice."


def test_a_mark_in_quotes_is_named_not_used():
    """A mark just after an opening quote is being named ('wiki marks such as "[1]"', '("[edit]", a
    citation'), not cited: a citation follows the text it cites, never an opening quote.
    `winnow clean README.md` dropped them; a mark after a closing quote still goes."""
    named = 'Wiki marks such as "[1]" and "[edit]" go, as do \u201c[citation needed]\u201d and (\'[2]\').'
    assert clean_text(named).text == named
    label = 'A footnote opens with its label ("[1] This memo is based on...").'
    assert clean_text(label).text == label
    assert clean_text('He said "no"[5] and left.').text == 'He said "no" and left.'
