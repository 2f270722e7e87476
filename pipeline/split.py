"""Document -> Sections -> sentence-aligned Passages, never across sections."""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache

from .records import Document

PASSAGE_MAX_WORDS = 60  # about three sentences: long enough for context, short enough to cite
PASSAGE_MAX_SENTENCES = 4
# A passage is at most this long, whatever its words: a line of 3 MB without spaces was one
# passage printed whole by `ask`. 60 words of prose are about 400 characters; packing counts
# every PASSAGE_MAX_CHARS / PASSAGE_MAX_WORDS characters as a word at least (word_count), and a
# longer sentence is cut (_bounded). Lucene bounds tokens likewise (analyze.MAX_TOKEN_CHARS).
PASSAGE_MAX_CHARS = 1500
# A heading labels every passage under it: a longer one is the first text of its section. Real
# titles run long (SciFact's longest is 300 characters, Cranfield's 249; at 200, 47 of their titles
# lost their label and nDCG@10 fell 0.001 / 0.0006), so the bound is a third of a passage.
HEADING_MAX_CHARS = 500

# Abbreviations that end in a period without ending a sentence. Punkt learns these
# from training text; we ship no trained model (nothing may download), so we give
# it the common ones of English scientific and web prose instead.
ABBREVIATIONS = (
    "e.g i.e etc al vs cf approx ca fig figs eq no nos vol pp ed eds dept univ inc ltd co corp "
    "dr mr mrs ms prof st jr sr mt ft "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "n s e w u.s u.k a.m p.m"
)
# Two or more initials run together ("R.R. Martin", "J.K. Rowling", "a.k.a."), the shape Punkt's
# training finds abbreviations by (a period inside the word), are abbreviations too. Tried and
# not taken: Punkt's frequent sentence starters given as the stopwords ("et al. The results",
# "Ltd. All rights"): seed questions RR@10 +0.010 / +0.012 on two sets, but it also breaks after
# "..." and cuts spun runs into parts that pass as sentences: seed noise removed 0.736 -> 0.726,
# spam pages' real sentences kept (train) 0.956 -> 0.954.
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")


class _Abbreviations(set):
    """The listed abbreviations, and any run of initials (_INITIALS_RE), as Punkt's abbrev_types."""

    def __contains__(self, word: object) -> bool:
        return set.__contains__(self, word) or (isinstance(word, str) and _INITIALS_RE.fullmatch(word) is not None)


def punkt_parameters(punkt):
    """Punkt's parameters (`punkt` is nltk.tokenize.punkt): what its training would learn, given."""
    params = punkt.PunktParameters()
    params.abbrev_types = _Abbreviations(ABBREVIATIONS.split())
    return params


@lru_cache(maxsize=1)
def _punkt():
    """nltk's Punkt, configured by hand: no pretrained data is needed or fetched.

    Punkt is loaded without `import nltk` (see _load_punkt): that imports all of nltk,
    0.4 s on every refresh that splits a page and in every worker of a build, and with
    it scipy.stats and scikit-learn unless they are hidden.

    nltk 3.10 compiles every Punkt regex with the `regex` engine behind a per-match
    timeout wrapper (nltk.redos), against ReDoS from caller-supplied patterns; Punkt's
    own patterns are fixed and linear, and the wrapper more than doubled the cost per
    sentence (43 against 18 us). _plain_punkt gives Punkt the same patterns compiled
    with `re`, as nltk 3.9 did: the same algorithm and the same splits.
    """
    punkt = _load_punkt()
    lang_vars, token_cls = _plain_punkt(punkt)
    tokenizer = punkt.PunktSentenceTokenizer(punkt_parameters(punkt), lang_vars=lang_vars, token_cls=token_cls)
    # Punkt asks, for every full stop, whether the few words around it hold a sentence
    # break, tokenizing and annotating them afresh (tens of microseconds each): a page of
    # "a. a. a. ..." or ". . . ..." took about 2 s per 100 KB. The answer depends only on
    # that short context (the parameters are fixed), so it is memoised; ordinary prose
    # repeats few contexts and pays only a dictionary look-up.
    punkt_sentbreak = lru_cache(maxsize=SENTBREAK_CACHE_SIZE)(tokenizer.text_contains_sentbreak)

    def text_contains_sentbreak(context: str) -> bool:
        # Most contexts are "word. Next": Punkt's answer is yes (_plain_break), given without
        # tokenizing and annotating the context (two thirds of Punkt's time on abstracts).
        return _plain_break(context) or punkt_sentbreak(context)

    tokenizer.text_contains_sentbreak = text_contains_sentbreak
    return tokenizer


# Contexts (the word before a possible sentence end, the end, what follows) for which Punkt,
# with our parameters, always finds a break. Punkt says yes when a token it marks as a
# break is followed by another; the first pass marks every ".", "?" and "!" token and every
# word ending in "." that is not a listed abbreviation (nor an ellipsis), and the second
# pass unmarks only abbreviations, initials ("S."), known collocations (we give none) and
# numbers followed by a lower-case word. Each alternative is a context where that happens:
#   number  digits and ".", then a word starting with a capital letter
#   word    a word of letters and digits (with inner hyphens, at least one letter, two or
#           more characters: not a number, not an initial) ending in ".", "?" or "!"
#   closed  anything ending in a closing bracket, then the end: Punkt cuts the end off as a
#           token of its own
#   bare    the end alone (text written "mice . Here")
# followed by whitespace and a token. tests/test_split.py checks them against Punkt on real
# and random contexts.
_PLAIN_BREAK_RE = re.compile(r"(?:\d+\.(?=\s+[A-Z])|(?P<word>[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?P<end>[.?!])"
                             r"|\S*[)\]}][.?!]|[.?!])\s+\S+")
_HAS_LETTER_RE = re.compile(r"[A-Za-z]")
_ABBREVIATION_SET = frozenset(ABBREVIATIONS.split())


def _plain_break(context: str) -> bool:
    """Whether a context is one of those (_PLAIN_BREAK_RE) where Punkt always breaks."""
    plain = _PLAIN_BREAK_RE.fullmatch(context)
    if plain is None:
        return False
    word = plain.group("word")
    if word is None:
        return True
    if len(word) < 2 or not _HAS_LETTER_RE.search(word):
        return False  # an initial or a number: Punkt decides
    word = word.lower()
    return plain.group("end") != "." or (word not in _ABBREVIATION_SET
                                         and word.rsplit("-", 1)[-1] not in _ABBREVIATION_SET)


def _punkt_sentences(text: str) -> list[str]:
    """Punkt's sentences of a paragraph: _punkt().tokenize(text), the same list.

    Punkt decides each candidate end from its context alone (text_contains_sentbreak, a
    plain break or the memoised answer); when every end it breaks at is followed by a
    letter or digit, no closing quote or bracket moves back across a break (Punkt's
    realignment starts only at those), so the sentences are cut here, without Punkt's
    slicing and realignment (a third of its time on abstracts). Ends it does not break at
    ("et al.", "e.g.", "Fig. 2") change nothing; any other paragraph goes through Punkt whole.
    """
    tokenizer = _punkt()
    breaks = tokenizer.text_contains_sentbreak
    spans = []
    last = 0
    for match, context in tokenizer._match_potential_end_contexts(text):
        if not breaks(context):
            continue  # Punkt's _slices_from_text cuts nothing here either
        start = match.start("next_tok")
        if start < 0 or not text[start].isalnum():
            return tokenizer.tokenize(text)
        spans.append((last, match.end()))
        last = start
    spans.append((last, len(text.rstrip())))  # Punkt's last sentence ends before trailing whitespace
    return [text[a:b] for a, b in spans if b > a]


def _load_punkt():
    """nltk.tokenize.punkt and the few modules it imports (0.07 s), without nltk's package
    __init__ (all of nltk: 0.4 s; nltk.metrics imports scipy.stats, nltk.classify
    scikit-learn). While it loads, stand-ins for the packages `nltk` and `nltk.tokenize`
    point at nltk's folders; afterwards every module it loaded leaves sys.modules again,
    so a later `import nltk` (by a program using winnow as a library) is nltk as usual.
    When nltk is already imported, its own Punkt is used."""
    if "nltk" in sys.modules:
        from nltk.tokenize import punkt

        return punkt
    import importlib
    import importlib.util
    import types

    folder = importlib.util.find_spec("nltk").submodule_search_locations[0]
    before = set(sys.modules)
    for name, path in (("nltk", folder), ("nltk.tokenize", os.path.join(folder, "tokenize"))):
        package = types.ModuleType(name)
        package.__path__ = [path]
        sys.modules[name] = package
    try:
        return importlib.import_module("nltk.tokenize.punkt")
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]


def _plain_punkt(punkt):
    """(language variables, token class) for Punkt whose regexes are plain `re` patterns.

    The patterns are nltk's own (the same sources and flags), compiled with `re`; the
    subclasses change nothing else, and nltk's module and classes are left as they are.
    """
    base = punkt.PunktLanguageVars

    class PlainLanguageVars(base):
        re_boundary_realignment = re.compile(base.re_boundary_realignment.pattern, re.MULTILINE)

        def _word_tokenizer_re(self):
            try:
                return self._re_word_tokenizer
            except AttributeError:
                self._re_word_tokenizer = re.compile(
                    self._word_tokenize_fmt % {"NonWord": self._re_non_word_chars,
                                               "MultiChar": self._re_multi_char_punct,
                                               "WordStart": self._re_word_start},
                    re.UNICODE | re.VERBOSE)
                return self._re_word_tokenizer

        def period_context_re(self):
            try:
                return self._re_period_context
            except AttributeError:
                self._re_period_context = re.compile(
                    self._period_context_fmt % {"NonWord": self._re_non_word_chars,
                                                "SentEndChars": self._re_sent_end_chars},
                    re.UNICODE | re.VERBOSE)
                return self._re_period_context

    token = punkt.PunktToken
    non_punct = re.compile(r"[^\W\d]", re.UNICODE)

    class PlainToken(token):
        __slots__ = ()
        _RE_ELLIPSIS = re.compile(token._RE_ELLIPSIS.pattern)
        _RE_NUMERIC = re.compile(token._RE_NUMERIC.pattern)
        _RE_INITIAL = re.compile(token._RE_INITIAL.pattern, re.UNICODE)
        _RE_ALPHA = re.compile(token._RE_ALPHA.pattern, re.UNICODE)

        @property
        def is_non_punct(self):
            return non_punct.search(self.type)

    return PlainLanguageVars(), PlainToken


SENTBREAK_CACHE_SIZE = 4096  # contexts remembered; a few hundred KB at most


# A footnote number glued to a full stop ("treated with statins.1 We will...") hides the
# sentence boundary from Punkt: the number is kept with its sentence, the break restored.
_FOOTNOTE_BREAK_RE = re.compile(r"(?<=[a-z]\.\d)(?=\s+[A-Z])|(?<=[a-z]\.\d\d)(?=\s+[A-Z])")
# What every footnote break has around it, found far faster: the pattern starts with a literal
# ".", which `re` looks for with a fast scan, where the lookbehinds above are tried at every
# position (splitting cost as much as Punkt itself on SciFact's abstracts). Text without it
# has no footnote break and is not split.
_FOOTNOTE_HINT_RE = re.compile(r"\.\d\d?\s+[A-Z]")


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph, whitespace-trimmed."""
    text = text.strip()
    if not text:
        return []
    if not _SENTENCE_END_RE.search(text):
        return [text]  # Punkt ends sentences at these characters only: nothing to split (headings, list items)
    parts = _FOOTNOTE_BREAK_RE.split(text) if _FOOTNOTE_HINT_RE.search(text) else (text,)
    sentences = [s.strip() for part in parts for s in _punkt_sentences(part) if s.strip()]
    if any(s[0] in _CLOSING for s in sentences[1:]):
        return _closing_back(sentences, text)
    return sentences


_CLOSING = ")]}"


def _closing_back(sentences: list[str], text: str) -> list[str]:
    """No sentence opens with a closing bracket: Punkt leaves one after a doubled mark
    ("am I??), so ...") at the start of the next sentence. A bracket written right after
    the sentence before goes back to it, with what follows when that goes on mid-sentence
    (a comma, a lower-case word); the texts stay as written (no space is added)."""
    out: list[list[str]] = []  # each sentence's parts, joined once at the end (joined as they came,
    at = last_end = 0          # 130,000 "Am I??), So " cost a copy of the sentence per part: minutes)
    for sentence in sentences:
        at = text.find(sentence, at)  # the sentences are slices of text, in order
        adjacent = at == last_end
        at = last_end = at + len(sentence)
        if out and sentence[0] in _CLOSING and adjacent:
            n = len(sentence) - len(sentence.lstrip(_CLOSING))
            rest = sentence[n:].lstrip()
            if not rest or rest[0] in ",;:" or rest[0].islower():
                out[-1].append(sentence)
                continue
            out[-1].append(sentence[:n])
            sentence = rest
        out.append([sentence])
    return ["".join(parts) for parts in out]


_SENTENCE_END_RE = re.compile(r"[.?!]")  # Punkt's sentence-ending characters (PunktLanguageVars.sent_end_chars)


def word_count(text: str) -> int:
    """Runs of non-whitespace (str.split() splits on what the regex \\s matches, with no list of
    matches), or the text's share of a passage's characters when that is more: a passage of
    PASSAGE_MAX_WORDS holds PASSAGE_MAX_CHARS characters at most."""
    return max(len(text.split()), len(text) * PASSAGE_MAX_WORDS // PASSAGE_MAX_CHARS)


def pack(sentences: list[str]) -> list[list[int]]:
    """Group consecutive sentences (by index) into passages of a few sentences each.

    Sentences are packed greedily up to PASSAGE_MAX_WORDS / PASSAGE_MAX_SENTENCES;
    callers pack one section at a time, so a passage never spans two sections.
    """
    return pack_counts([word_count(s) for s in sentences])


def pack_counts(counts: list[int]) -> list[list[int]]:
    """`pack` given each sentence's word count (the incremental build caches the counts)."""
    groups: list[list[int]] = []
    current: list[int] = []
    words = 0
    for i, n in enumerate(counts):
        if current and (words + n > PASSAGE_MAX_WORDS or len(current) >= PASSAGE_MAX_SENTENCES):
            groups.append(current)
            current, words = [], 0
        current.append(i)
        words += n
    if current:
        groups.append(current)
    return groups


def section_sentences(document: Document) -> list[tuple[str, list[str]]]:
    """(heading, sentences) per section; the page title stands in for a missing heading.

    A paragraph the cleaner already split (Section.sentences) is not split again.

    A label line (_is_label_line: a heading's shape) with nothing under it before the next
    heading says nothing of its own: alone, it was a passage of one word ("Summary") that ranked
    for that word by its shortness. It stays in the cleaned text, and in the passages with text:
      - ending a section that has text before it, it goes with that text (joined to the sentence
        before it): it is a paragraph of that section, and its shape alone cannot tell a label
        ("Summary") from a short line of content ("Open Monday to Friday 9 to 5");
      - when it is all its section says (a title at once over a heading, a heading with nothing
        under it), it opens the text that follows (joined to its first sentence), as a title
        over its text does: it names what follows. Dropping it would cost the text its line
        (a text file's title is only a guess from a line's shape; round 1's note).
    At the end of the text, with text before it, such a line has nothing to open: a heading with
    nothing under it ("## Comments" ending a page) is left out of the passages (it labels nothing;
    the cleaned text keeps it), and any other line goes with the passage before it. A line with
    text under it, a section's only content under another heading, and a line alone (the whole
    text) are read as before.
    """
    out = []
    carried: list[tuple[str, bool]] = []  # label lines that open the next section's text; an empty heading?
    last = len(document.sections) - 1
    for k, section in enumerate(document.sections):
        empty = not section.paragraphs  # a heading with nothing under it (clean.assemble)
        line = section.heading if empty else section.paragraphs[0]
        lone = empty or len(section.paragraphs) == 1 and section.heading in ("", line)
        if lone and (line == document.title or _is_label_line(line)) and (k < last or out):
            carried.append((line, empty))
            continue
        if not section.heading and section.paragraphs == (document.title,) and document.title:
            # A title line alone (a note of one line): its own passage, as a title never costs the
            # text its line; not labelled with itself.
            out.append(("", _bounded(split_sentences(document.title))))
            continue
        known = section.sentences
        sentences = []
        ended_line = False  # did the paragraph before end a line of the passage's text?
        for i, paragraph in enumerate(section.paragraphs or (line,)):
            before = len(sentences)
            entry = paragraph.startswith("- ")
            if known and known[i] is not None:
                sentences.extend(known[i])
            else:
                sentences.extend(split_sentences(paragraph[2:] if entry else paragraph))
            code = "\n" in paragraph.strip()
            if code:
                sentences[before:] = _on_their_lines(paragraph, sentences[before:])
            if (code or entry or ended_line) and 0 < before < len(sentences):
                sentences[before] = LINE_BREAK + sentences[before].lstrip("\n")
            if len(sentences) > before:
                ended_line = code or entry or _ends_unstopped(sentences[-1])
        if len(section.paragraphs) > 1 and before > 0 and _is_label_line(section.paragraphs[-1]):
            closing = sentences[before:]  # the label line's sentences, the first already starting a line
            sentences[before - 1:] = [sentences[before - 1] + LINE_BREAK + " ".join(closing).lstrip("\n")]  # with the text before it
        heading = section.heading
        if len(heading) > HEADING_MAX_CHARS:
            sentences.insert(0, heading)  # too long to label passages with: text of the section
            heading = ""
        if carried and sentences:
            sentences[0] = LINE_BREAK.join([text for text, _ in carried] + sentences[:1])
            carried = []
        if sentences:
            out.append((heading or _label(document.title), _bounded(sentences)))
    if carried:  # no text followed them (every later section was empty)
        if not out:
            out.append(("", _bounded([text for text, _ in carried])))  # they are the text
        else:
            kept = [text for text, empty in carried if not empty]  # an empty heading labels nothing
            if kept:
                label, sentences = out[-1]
                out[-1] = (label, sentences[:-1] + _bounded([LINE_BREAK.join(sentences[-1:] + kept)]))
    return out


# A sentence that starts a line of its own in a passage's text (join_sentences): a line of a code
# block, the block itself, and the text after it; a list entry and the text after it; the paragraph
# after one whose last sentence has no final stop (_ends_unstopped); a label line joined to the text
# it opens or closes. Only code blocks keep line breaks in a paragraph (readers: Markdown's fenced
# and indented code, reStructuredText's literal blocks, HTML's <pre>); the break is white space to
# the analyzer, so the tokens, and what is found, are the same.
LINE_BREAK = "\n"


def _on_their_lines(paragraph: str, sentences: list[str]) -> list[str]:
    """A code block's sentences, each that a line break precedes in it starting with LINE_BREAK."""
    out, at = [], 0
    for k, sentence in enumerate(sentences):
        found = paragraph.find(sentence, at)
        if found < 0:  # not a slice of the paragraph (never, today): the sentences as they are
            return sentences
        out.append(LINE_BREAK + sentence if k and "\n" in paragraph[at:found] else sentence)
        at = found + len(sentence)
    return out


def _ends_unstopped(sentence: str) -> bool:
    """A paragraph's last sentence without a final stop (a title, a list entry, a field: "Prevalence:
    Unknown"): the paragraph after it starts a line, as the reader cannot tell where one ends and
    the next begins once they are joined by a space (search's display sentences cut at stops)."""
    return sentence.rstrip()[-1:] not in ("", ".", "!", "?")  # '."' too: the display cuts only after a stop


def join_sentences(sentences) -> str:
    """A passage's text: its sentences joined by a space, or by a line break where one starts a line."""
    return "".join(s if not k or s[:1] == LINE_BREAK else " " + s for k, s in enumerate(sentences)).strip("\n")


LABEL_MAX_WORDS = 12  # the text reader's HEADING_MAX_WORDS and the cleaner's TITLE_MAX_WORDS


def _is_label_line(paragraph: str) -> bool:
    """A heading's shape: a short line without a final stop (not a list entry, which is content)."""
    return (0 < len(paragraph.split()) <= LABEL_MAX_WORDS and len(paragraph) <= HEADING_MAX_CHARS
            and paragraph[-1] not in ".!?:;," and not paragraph.startswith("- "))


def _label(title: str) -> str:
    """A title as the label of passages: a 3 MB first line must not be repeated with every hit."""
    return title if len(title) <= HEADING_MAX_CHARS else ""


def _bounded(sentences: list[str]) -> list[str]:
    """The sentences, each longer than PASSAGE_MAX_CHARS cut into pieces that are not (a 3 MB
    line without a stop or a space is thousands of passages, each of which can be shown)."""
    if all(len(s) <= PASSAGE_MAX_CHARS for s in sentences):
        return sentences
    out = []
    for sentence in sentences:
        while len(sentence) > PASSAGE_MAX_CHARS:
            # At the last space of the piece's second half; else (a run without spaces) at the
            # bound itself: such a piece is a passage of its own (word_count), so no space is
            # ever put inside a word when pieces are joined.
            cut = sentence.rfind(" ", PASSAGE_MAX_CHARS // 2, PASSAGE_MAX_CHARS + 1)
            if cut < 0:
                cut = PASSAGE_MAX_CHARS
            out.append(sentence[:cut].rstrip())
            sentence = sentence[cut:].lstrip()
        if sentence:
            out.append(sentence)
    return out
