"""HTML, Markdown and plain text -> Document: strip navigation, ads, UI text, spam.

The plain-text path works from line and sentence signals alone (the published line
rules of C4, Gopher, RefinedWeb and FineWeb, see shared/notes/cleaning-rules.md, plus
what they miss: head and tail regions of page chrome, spliced and keyword-stuffed
sentences). The HTML path extracts the main content from the DOM first
(`pipeline.html`), then runs the same sentence filters over its paragraphs.

    clean_text(text)  1. normalise  2. classify lines (and mark plain-text tables)
                      3. filter sentences  4. cut head and tail chrome, and the comment
                      section  5. keep the main block (with a lead paragraph cut off
                      above it), find the title above it  6. assemble sections
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from . import noise
from .analyze import STOPWORDS
from .records import Document, Section
from .split import split_sentences

# --- tuning values, each with its reason -------------------------------------------

HEADING_MAX_WORDS = 12  # longer lines are prose or list items, not titles
HEADING_MAX_CHARS = 100
FIELD_MAX_WORDS = 14  # "ICD-10: G72.4", "Prevalence: Unknown": short key-value lines
CTA_MAX_WORDS = 30  # calls to action are short; a long sentence that starts "See ..." is prose
LEAD_IN_MAX_WORDS = 12  # "Synonym(s):", "Uncommon (may affect up to 1 in 100 people):" above a list label it
CHROME_PHRASE_MAX_WORDS = 15  # a boilerplate phrase in a longer line without a full stop may be prose
TITLE_LOOKBACK_LINES = 6  # a headline sits at most a byline, a date and a share row above the text
TITLE_MAX_LINES = 2  # a headline and its standfirst
HEADLINE_MIN_WORDS = 4  # shorter unmarked lines are names, sections and labels ("Eric Song", "Opinions")
HEADLINE_MAX_WORDS = 30
TABLE_MIN_ROWS = 3  # a header and two rows: two aligned lines can be chance
MIN_SENTENCE_WORDS = 3  # C4 drops lines of fewer than 3 words
PROSE_MIN_WORDS = 6  # a sentence this long with terminal punctuation anchors the body
TITLE_CASE_MIN_WORDS = 4  # shorter runs of capitals are names, not teasers
TITLE_CASE_MAX_RATIO = 0.7  # teasers, link lists and product lines are mostly Capitalised
PROSE_MIN_STOPWORDS = 0.25  # ...unless a full stop and this share of function words make it a sentence
UPPER_CASE_MAX_RATIO = 0.5  # RefinedWeb: lines whose letters are mostly upper case
STUFFED_MIN_WORDS = 20  # only long word runs can be judged by stopword density
STUFFED_MAX_SEPARATOR_RATIO = 0.2  # more , ; | per word than this: a delimited list, not stuffing
STUFFED_MAX_STOPWORD_RATIO = 0.08  # English prose has ~40% stopwords; stuffing near none
# The stopword list is English: on other pages every sentence looks stuffed. Pages whose
# lines of 6+ words have fewer English stopwords than this are not judged by stopwords
# (ScrapingHub: English pages >= 0.17, German, Italian, Portuguese, Russian <= 0.11).
ENGLISH_PAGE_MIN_STOPWORDS = 0.15
# Splices: spun pages re-stitch fragments of their own earlier sentences. Measured on a
# stuffed page, real sentences had at most 57% of their word bigrams (31% of trigrams)
# seen earlier on the page; spliced ones at least 67% (and 36% of trigrams).
SPLICE_MIN_TOKENS = 8  # shorter, formulaic sentences are judged by exact repetition only
SPLICE_BIGRAM_COVERAGE = 0.65
SPLICE_TRIGRAM_COVERAGE = 0.3
SPLICE_TRIGRAM_ALONE = 0.5  # this much copied in trigrams is a splice whatever the bigrams say
BOILERPLATE_MAX_WORDS = 40  # a long paragraph that mentions "privacy policy" is content
MENU_MIN_SEPARATORS = 3  # "A - B - C - D": a menu once three separators join short items
MENU_MAX_ITEM_WORDS = 4
SECTION_OPENING_MIN_WORDS = 15  # a paragraph this long after a repeated heading makes it a section's
REPEATED_LINE_MIN_COUNT = 2  # Gopher counts duplicate lines as repetition; prose lines never recur
COMMENTS_MIN_BODY_WORDS = 50  # a comment count beside the lead or byline is not the end of the article
# Main block (step 5): a line scores its word count when it anchors the body, nothing
# when it is a kept fragment, and a fixed penalty when it is chrome; the main block is
# the maximum-sum stretch (jusText's context idea in one pass). Comments, teasers and
# footers are prose islands cut off from it by runs of names, dates and links.
# Swept on the ScrapingHub raw dumps; each value below is the best of its sweep.
BLOCK_CHROME_PENALTY = 15.0  # a chrome line costs about one short paragraph (swept 4-40)
CHROME_RUN_CAP = 30.0  # a run of chrome costs at most two lines: an ad or table splitting the article is one gap
ISOLATED_WEIGHT = 0.5  # a body line with no body neighbour (teaser summary, caption) pulls half as hard
LEAD_MIN_SENTENCES = 3  # a lead paragraph; teasers and captions are one or two sentences
# Below about two sentences of body there is no main block to find (short notes, lists,
# tables): the line rules alone decide, as the short-text pages of CleanEval need.
MAIN_BLOCK_MIN_SCORE = 30.0  # swept 0-100: 30 is best, and safest for short pages
BLOCK_FRAGMENT_WEIGHT = 0.0  # headings, fields and list entries are neutral: kept inside, never pull

_BULLET_RE = re.compile(r"^\s*(?:[-*•·▪◦‣●○■□►▸–—]|\d{1,2}[.)]|[a-z][.)])\s+")
_TERMINAL_RE = re.compile(r"[.!?。！？][\"'”’)\]」』]*$")  # with CJK full stops
_TRUNCATED_RE = re.compile(r"(?:\.\.\.|…)\s*[\"'”’)\]]*$")
_FIELD_RE = re.compile(r"^[\w][\w ()'./&+-]{0,40}?:\s*\S")
# Chinese and Japanese are written without spaces: every two ideographs or kana count as
# a word (the mean length of a Japanese or Chinese word), so length rules apply to them.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_RE = re.compile(rf"[{_CJK}]{{1,2}}|[^\W\d_{_CJK}][^\W_{_CJK}]*(?:['’-][^\W_{_CJK}]+)*")
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_ELLIPSIS_BREAK_RE = re.compile(r"(\.\.\.|…)\s+(?=[\"'“(]?[A-Z])")
# Markdown images, links and emphasis. Linear time: link text holds no "[" and a target no
# "[" (else every "[" of "[[[[..." or "[a](" repeated rescans the rest of the line), and
# emphasis stops at the next opening of the same marker (else every "*" of "*a *a *a..."
# rescans the line for a closing one). A bracket inside link text, or emphasis nested in
# emphasis of the same marker, is read as CommonMark reads it: the inner one is the link.
_MD_IMAGE_RE = re.compile(r"!\[[^\[\]]*\]\([^)\[]*\)")
_MD_LINK_RE = re.compile(r"\[([^\[\]]*)\]\([^)\[]*\)")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.(?:(?!\1\S).)*?)(?<=\S)\1")
_CONTENTS_ENTRY_RE = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+\S")  # "2 Cause", "3.1 Tests"
_NUMBERED_RE = re.compile(r"^\s*\d{1,2}[.)]\s+\S")
_COLUMN_GAP_RE = re.compile(r"(?<=\S)(?: {2,}|\t+)(?=\S)")
_CARET_REFERENCE_RE = re.compile(r"^\s*(?:\d{1,3}[.)]\s*)?\^\s")
_QUESTION_HEADING_RE = re.compile(
    r"^(?:What|How|Why|When|Who|Which|Where|Is|Are|Can|Could|Does|Do|Should|Will|Would)\b")
# An ATX heading; group 2 is its text without the closing run of "#". The text ends at the
# first place the rest is spaces, "#"s, spaces: it ends with a character other than a space
# or "#", or with a "#" followed by spaces and the closing "#"s. Written as a lazy (.*?)
# before \s*#*\s*$, each position of a long run of "#" or spaces rescanned the run.
_MD_HEADING_RE = re.compile(
    r"^\s{0,3}(#{1,6})\s+((?:.*[^\s#])?(?=\s*(?:#+\s*)?$)|.*#(?=\s+#+\s*$))\s*(?:#+\s*)?$")


@dataclass
class _Line:
    """One line of the source, classified."""

    text: str
    kind: str  # "blank", "chrome", "heading", "field", "item", "prose"
    sentences: list[str] = field(default_factory=list)  # kept sentences (prose and items)
    is_body: bool = False  # holds a sentence that anchors the body of the page
    heading_hint: bool = False  # marked as a heading by markup (# or [edit])
    after_lead_in: bool = False  # a list entry under a label such as "Synonym(s):"


# --- entry points ---------------------------------------------------------------------


def clean_text(text: str, source: str = "", markdown: bool = False) -> Document:
    """Clean already-extracted plain text (or Markdown) into a Document."""
    lines = _classify_lines(_normalize(text), markdown)  # 1. + 2.
    if not markdown:  # Markdown tables have pipes, handled in _classify_lines
        _mark_tables(lines, text)  # 2b.
    classified = [line.kind for line in lines]
    _filter_sentences(lines)  # 3.
    _cut_chrome_regions(lines)  # 4.
    _cut_comments(lines)  # 4b.
    _keep_main_block(lines)  # 5.
    _find_title(lines, classified)  # 5b.
    return _assemble(lines, source)  # 6.


def clean_html(html: str, source: str = "") -> Document:
    """Extract the main content of an HTML page, then filter its sentences."""
    from .html import html_to_blocks  # bs4/lxml only when a page needs them

    title, blocks = html_to_blocks(html)
    lines: list[_Line] = []
    for block in blocks:
        text = _normalize_line(block.text)
        if not text:
            continue
        if block.kind == "heading":
            lines.append(_Line(text, "heading", heading_hint=True))
        else:
            lines.append(_Line(text, _classify_content_line(text)))
    _filter_sentences(lines, keep_fragments=True)
    doc = _assemble(lines, source)
    if title and not doc.title:
        doc = Document(source=doc.source, title=_normalize_line(title), sections=doc.sections)
    return doc


# --- 1. normalise ---------------------------------------------------------------------


def _normalize_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line)
    line = noise.INLINE_MARKERS_RE.sub("", line)
    return _SPACE_RE.sub(" ", line).strip()


def _raw_lines(text: str) -> list[str]:
    """The page's lines as written (any line ending, form feeds as breaks)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")


def _normalize(text: str) -> list[str]:
    return [_normalize_line(line) for line in _raw_lines(text)]


# --- 2. classify lines ----------------------------------------------------------------


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def _is_chrome_line(text: str) -> bool:
    """Lines that are page furniture whatever their neighbours: menus, media, labels."""
    if noise.CHROME_LABELS_RE.match(text) or noise.RELATED_LABEL_RE.match(text):
        return True
    if noise.BREADCRUMB_RE.match(text) or noise.PAGINATION_RE.match(text):
        return True
    if _CARET_REFERENCE_RE.match(text):  # "2. ^ Harris, M. P. (2011). The Puffin.": a wiki reference
        return True
    if noise.MEDIA_FILE_RE.fullmatch(text.strip(" .")):
        return True
    bare = noise.MEDIA_FILE_RE.sub("", text)
    if not _words(bare):  # only symbols, numbers, file names or URLs
        return True
    if len(noise.LANGUAGE_RE.findall(text)) >= 2:
        return True
    words = _words(text)
    if len(words) <= noise.BYLINE_MAX_WORDS and (
            noise.BYLINE_RE.match(text) or (noise.DATE_RE.search(text) and not _TERMINAL_RE.search(text))):
        return True
    if not _TERMINAL_RE.search(text):
        if len(words) <= noise.UI_COMMAND_MAX_WORDS and noise.UI_COMMAND_RE.match(text):
            return True
        # Headings and fields are not judged sentence by sentence: a short line without
        # a full stop that carries a boilerplate phrase is furniture ("Look inside ›
        # Paperback $24.99", "Results per page: 10 | 25 | 50").
        if len(words) <= CHROME_PHRASE_MAX_WORDS and (noise.BOILERPLATE_RE.search(text) or _is_call_to_action(text)):
            return True
    items = noise.MENU_SEPARATOR_RE.split(text)
    # One long item may be a call to action or a tagline at the end of the menu.
    if len(items) > MENU_MIN_SEPARATORS and sum(len(_words(item)) > MENU_MAX_ITEM_WORDS for item in items) <= 1:
        return True
    return False


def _classify_content_line(text: str) -> str:
    if _BULLET_RE.match(text):
        return "item"
    words = _words(text)
    if _FIELD_RE.match(text) and len(words) <= FIELD_MAX_WORDS and not _TERMINAL_RE.search(text):
        return "field"
    return "prose"


def _looks_like_heading(text: str) -> bool:
    words = _words(text)
    if not words or len(words) > HEADING_MAX_WORDS or len(text) > HEADING_MAX_CHARS:
        return False
    if text.endswith("?") and _QUESTION_HEADING_RE.match(text):
        return True  # "What is a cataract?", "How is it spread?": confirmed by the answer below it
    if _TERMINAL_RE.search(text) or text.endswith((",", ";", ":")):
        return False
    first = text.lstrip("\"'“(")[:1]
    return first.isupper() or first.isdigit()


def _classify_lines(raw_lines: list[str], markdown: bool) -> list[_Line]:
    lines: list[_Line] = []
    in_code = False
    for raw in raw_lines:
        text = raw
        hint = False
        if markdown:
            if text.startswith(("```", "~~~")):
                in_code = not in_code
                continue
            if in_code:
                continue
            match = _MD_HEADING_RE.match(text)
            if match:
                text, hint = match.group(2), True
            text = _MD_IMAGE_RE.sub("", text)
            text = _MD_LINK_RE.sub(r"\1", text)
            text = _MD_EMPHASIS_RE.sub(r"\2", text)
            text = text.lstrip("> ").strip()
            if set(text) <= set("|-: "):  # table rules and horizontal rules
                text = ""
            elif text.startswith("|"):
                text = " | ".join(c.strip() for c in text.strip("|").split("|") if c.strip())
        if not text:
            lines.append(_Line("", "blank"))
            continue
        if _is_chrome_line(text):
            lines.append(_Line(text, "chrome"))
        elif not hint and _classify_content_line(text) == "field":
            lines.append(_Line(text, "field"))
        elif hint or _looks_like_heading(text):
            lines.append(_Line(text, "heading", heading_hint=hint or raw != raw.strip()))
        else:
            lines.append(_Line(text, _classify_content_line(text)))
    _mark_repeated_lines(lines)
    _confirm_headings(lines, raw_lines)
    _mark_lead_ins(lines)
    return lines


def _mark_tables(lines: list[_Line], text: str) -> None:
    """Rows of a table in a plain-text dump are data, not sentences, headings or menus.

    A run of TABLE_MIN_ROWS or more lines with the same number of column gaps (two or
    more spaces, or a tab, between words) is a table laid out with spaces; a shorter
    run of lines of short items spaced apart is a menu ("Home   About   Contact"). A run with
    the same number of " | " separators is one too if at least two of its rows hold
    numbers: a menu of links has the pipes but not the figures. Rows are kept as fields.
    """
    raw = _raw_lines(text)  # one per line of _normalize(text): column gaps are still there
    for count, needs_digits in ((lambda line: len(_COLUMN_GAP_RE.findall(line.strip())), False),
                                (lambda line: line.count(" | ") + line.count(" || "), True)):
        gaps = [count(line) for line in raw]
        i = 0
        while i < len(lines):
            j = i
            while j < len(lines) and gaps[j] > 0 and gaps[j] == gaps[i] and lines[j].kind != "blank":
                j += 1
            rows = lines[i:j]
            if len(rows) >= TABLE_MIN_ROWS and (not needs_digits or sum(_has_digit(r.text) for r in rows) >= 2):
                for line in rows:  # rows of numbers are data here, not stray symbols
                    if not noise.BOILERPLATE_RE.search(line.text):
                        line.kind = "field"
            elif not needs_digits:
                for k in range(i, j):  # a lone line of short items spaced apart is a menu
                    cells = _COLUMN_GAP_RE.split(raw[k].strip())
                    if len(cells) > MENU_MIN_SEPARATORS and all(len(_words(c)) <= MENU_MAX_ITEM_WORDS for c in cells):
                        lines[k].kind = "chrome"
            i = max(j, i + 1)


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def _mark_lead_ins(lines: list[_Line]) -> None:
    """A short label ending in a colon right above a list ("Synonym(s):") is a field."""
    content = [i for i, line in enumerate(lines) if line.kind != "blank"]
    for pos, i in enumerate(content[:-1]):
        line = lines[i]
        if (line.kind == "prose" and line.text.endswith(":") and len(_words(line.text)) <= LEAD_IN_MAX_WORDS
                and lines[content[pos + 1]].kind == "item"):
            line.kind = "field"
            for j in content[pos + 1:]:
                if lines[j].kind != "item":
                    break
                lines[j].after_lead_in = True


def _mark_repeated_lines(lines: list[_Line]) -> None:
    """Mark lines that occur twice on a page as chrome: menus, teasers and widgets repeat, prose does not."""
    keys = [" ".join(_words(line.text.lower())) for line in lines]
    counts = Counter(k for k, line in zip(keys, lines) if line.kind != "blank")
    in_contents = {k for k, line in zip(keys, lines) if _CONTENTS_ENTRY_RE.match(line.text)}
    content = [i for i, line in enumerate(lines) if line.kind != "blank"]
    following = {i: lines[j] for i, j in zip(content, content[1:])}
    for i, (key, line) in enumerate(zip(keys, lines)):
        if line.kind != "blank" and key and counts[key] >= REPEATED_LINE_MIN_COUNT:
            # A section heading is repeated by the page's table of contents ("2 Cause");
            # the copy that a paragraph follows is the heading itself.
            if (key in in_contents and line.kind == "heading" and not _CONTENTS_ENTRY_RE.match(line.text)
                    and i in following and _opens_prose(following[i])):
                continue
            line.kind = "chrome"


def _opens_prose(line: _Line) -> bool:
    return (line.kind == "prose" and len(_words(line.text)) >= SECTION_OPENING_MIN_WORDS
            and bool(_TERMINAL_RE.search(line.text)))


def _confirm_headings(lines: list[_Line], raw_lines: list[str]) -> None:
    """A short line is a heading only if content follows it, not another short line.

    Taglines, menu entries and link lists are short lines too; what tells a heading
    apart is that a paragraph, list or field comes right after it (jusText's rule
    for headings). The first such line of the page is its title whatever follows.
    """
    content = [i for i, line in enumerate(lines) if line.kind not in ("blank", "chrome")]
    first = content[0] if content else -1
    for pos, i in enumerate(content):
        line = lines[i]
        if line.kind != "heading" or line.heading_hint:
            continue
        nxt = lines[content[pos + 1]] if pos + 1 < len(content) else None
        if line.text.endswith("?"):
            # A question is a heading only when an answer follows; otherwise it is prose.
            if nxt is None or nxt.kind not in ("prose", "item", "field"):
                line.kind = "prose"
            continue
        if i == first:
            line.kind = "title"
        elif nxt is None or nxt.kind not in ("prose", "item", "field"):
            # A short line followed by another short line: keep it as a list entry
            # only if it reads as text (lower-case words); otherwise it is chrome.
            # A numbered entry ("1. Azathioprine") is a list item whatever its length.
            line.kind = "item" if _is_fragment_item(line.text) or _NUMBERED_RE.match(line.text) else "chrome"


def _is_fragment_item(text: str) -> bool:
    words = _words(text)
    return len(words) >= MIN_SENTENCE_WORDS and _title_case_ratio(words) < TITLE_CASE_MAX_RATIO


# --- 3. filter sentences --------------------------------------------------------------


def _title_case_ratio(words: list[str]) -> float:
    lexical = [w for w in words if w.lower() not in STOPWORDS]
    if not lexical:
        return 0.0
    return sum(1 for w in lexical if w[0].isupper()) / len(lexical)


def _strip_abstract_label(sentence: str) -> str:
    """ "Conclusions and relevance: However, ..." -> "However, ..."; a field such as
    "Participants: 47,471 adults" keeps its key."""
    label = noise.ABSTRACT_LABEL_RE.match(sentence)
    rest = sentence[label.end():] if label else ""
    if label and rest[:1].isupper() and len(_words(rest)) >= PROSE_MIN_WORDS:
        return rest
    return sentence


def _strip_contact_details(sentence: str) -> str:
    for pattern in (noise.ADDRESS_RE, noise.PHONE_RE, noise.EMAIL_RE, noise.URL_RE, noise.TAX_ID_RE):
        sentence = pattern.sub(" ", sentence)
    sentence = noise.MEDIA_FILE_RE.sub(" ", sentence)
    return _SPACE_RE.sub(" ", sentence).strip()


def sentence_problem(sentence: str, fragment_ok: bool = False, english: bool = True) -> str | None:
    """Why a sentence is noise (a short reason), or None if it reads as real content.

    fragment_ok admits list entries and table cells that are not full sentences;
    english=False skips the tests that need English stopwords.
    """
    words = _words(sentence)
    if not words:
        return "no words"
    if len(words) <= BOILERPLATE_MAX_WORDS and noise.BOILERPLATE_RE.search(sentence):
        return "boilerplate phrase"
    if noise.CHROME_LABELS_RE.match(sentence):
        return "page chrome label"
    if len(words) <= noise.BYLINE_MAX_WORDS and noise.BYLINE_RE.match(sentence):
        return "byline"
    if noise.CITATION_RE.search(sentence):
        return "bibliographic reference"
    if _TRUNCATED_RE.search(sentence):
        return "truncated"
    if _symbol_led(sentence):
        return "symbol-led (widget, rating, teaser or promotion)"
    if len(words) <= CTA_MAX_WORDS and _is_call_to_action(sentence):
        return "call to action"
    if not fragment_ok:
        if len(words) < MIN_SENTENCE_WORDS:
            return "too short"
        first_word = _BULLET_RE.sub("", sentence).lstrip("\"'“‘([").split(" ", 1)[0]
        # A lower-case start marks a cut sentence, unless the first word is a name
        # written in mixed case or with digits: anti-HMGCR, mRNA, eGFR, p53.
        if first_word[:1].islower() and first_word == first_word.lower() and not any(c.isdigit() for c in first_word):
            return "fragment (starts mid-sentence)"
        lexical = [w for w in words if w.lower() not in STOPWORDS]
        if len(lexical) >= 2 and len(words) < TITLE_CASE_MIN_WORDS and all(w[0].isupper() for w in lexical):
            return "title case"
    letters = [c for c in sentence if c.isalpha()]
    if len(words) >= TITLE_CASE_MIN_WORDS:
        if sum(c.isupper() for c in letters) / len(letters) > UPPER_CASE_MAX_RATIO:
            return "shouting"
        if _title_case_ratio(words) >= TITLE_CASE_MAX_RATIO and not fragment_ok and not _reads_as_prose(sentence, words):
            return "title case"
    if english and len(words) >= STUFFED_MIN_WORDS:
        stop = sum(1 for w in words if w.lower() in STOPWORDS) / len(words)
        separators = sum(sentence.count(c) for c in ",;|")
        if stop < STUFFED_MAX_STOPWORD_RATIO and separators / len(words) < STUFFED_MAX_SEPARATOR_RATIO:
            return "keyword stuffing"
    return None


def _is_call_to_action(text: str) -> bool:
    verb = noise.CTA_VERB_RE.match(text)
    return bool(verb) and bool(noise.CTA_CUE_RE.search(text) or (verb["sell"] and noise.CTA_SELL_CUE_RE.search(text)))


def _symbol_led(sentence: str) -> bool:
    """Pictographs, stars and arrows open widgets, ratings, teasers and promotions
    ("📱 Get the app", "★★★★★ 4.5/5", "→ Read: ..."), never a sentence of prose."""
    first = sentence.lstrip()[:1]
    return bool(first) and (unicodedata.category(first) == "So" or first in "→⇒➔➜▸►»›>")


def _reads_as_prose(sentence: str, words: list[str]) -> bool:
    """A full sentence full of names ("It breeds from Maine and Newfoundland to Iceland,
    Norway and the British Isles.") still ends like one and is held together by function
    words; headlines and link text are neither."""
    stop = sum(1 for w in words if w.lower() in STOPWORDS) / len(words)
    return (len(words) >= PROSE_MIN_WORDS and stop >= PROSE_MIN_STOPWORDS
            and bool(_TERMINAL_RE.search(sentence)) and not sentence.rstrip().endswith("?"))


def _coverage(grams: list[tuple[str, ...]], seen: set[tuple[str, ...]]) -> float:
    return sum(g in seen for g in grams) / len(grams) if grams else 0.0


def _is_splice(tokens: list[str], seen: set[tuple[str, ...]]) -> bool:
    """True when most of the sentence's word n-grams already occurred earlier on the page."""
    if len(tokens) < SPLICE_MIN_TOKENS:
        return False
    bigrams = list(zip(tokens, tokens[1:]))
    trigrams = list(zip(tokens, tokens[1:], tokens[2:]))
    c2, c3 = _coverage(bigrams, seen), _coverage(trigrams, seen)
    return (c2 >= SPLICE_BIGRAM_COVERAGE and c3 >= SPLICE_TRIGRAM_COVERAGE) or c3 > SPLICE_TRIGRAM_ALONE


def _is_english(lines: list[_Line]) -> bool:
    """True when the page's longer lines use English stopwords at an English rate."""
    words: list[str] = []
    for line in lines:
        line_words = _words(line.text)
        if len(line_words) >= PROSE_MIN_WORDS:  # menus and labels say nothing about the language
            words.extend(w.lower() for w in line_words)
    if not words:
        return True
    return sum(w in STOPWORDS for w in words) / len(words) >= ENGLISH_PAGE_MIN_STOPWORDS


def _filter_sentences(lines: list[_Line], keep_fragments: bool = False) -> None:
    """Keep the real sentences of prose and list lines; mark the lines that anchor the body.

    A sentence whose word trigrams were mostly seen earlier on the page is a repeat
    or a splice of earlier fragments (spun and stuffed text re-uses the page's own
    sentences): the earlier, whole sentence is kept, the later copy dropped.
    """
    seen: set[tuple[str, ...]] = set()
    seen_exact: set[str] = set()
    english = _is_english(lines)
    for line in lines:
        if line.kind not in ("prose", "item"):
            continue
        body = _BULLET_RE.sub("", line.text) if line.kind == "item" else line.text
        body = _ELLIPSIS_BREAK_RE.sub(r"\1\n", body)
        fragment_ok = keep_fragments or line.kind == "item"
        for raw in (s for part in body.split("\n") for s in split_sentences(part)):
            sentence = _strip_abstract_label(_strip_contact_details(raw))
            tokens = re.findall(r"[^\W_]+", sentence.lower())
            key = " ".join(tokens)
            repeated = key in seen_exact or _is_splice(tokens, seen)
            seen_exact.add(key)
            seen.update(zip(tokens, tokens[1:]))
            seen.update(zip(tokens, tokens[1:], tokens[2:]))
            if repeated or sentence_problem(sentence, fragment_ok, english) is not None:
                continue
            line.sentences.append(sentence)
            if len(_words(sentence)) >= PROSE_MIN_WORDS and _TERMINAL_RE.search(sentence):
                line.is_body = True
        if not line.sentences:
            line.kind = "chrome"


# --- 4. cut head and tail chrome ----------------------------------------------------------


def _cut_chrome_regions(lines: list[_Line]) -> None:
    """Before the first and after the last body sentence, only headings and fields survive.

    Pages open with search boxes, taglines and menus and close with link lists,
    credits and ads; what sits between real sentences is kept far more readily.
    """
    body = [i for i, line in enumerate(lines) if line.is_body]
    if not body:
        return
    first, last = body[0], body[-1]
    for i, line in enumerate(lines):
        if first <= i <= last or line.kind in ("blank", "chrome", "title", "field"):
            continue
        if i < first and (line.kind == "heading" or (
                line.kind == "prose" and sum(len(_words(s)) for s in line.sentences) >= PROSE_MIN_WORDS)):
            continue
        if line.kind == "item" and (line.after_lead_in or _classify_content_line(_BULLET_RE.sub("", line.text)) == "field"):
            continue  # "- Generic name: metformin": a fact sheet in bullets; the list under "Synonym(s):"
        line.kind = "chrome"


def _cut_comments(lines: list[_Line]) -> None:
    """Once the body is under way, a line that opens the comment section ends the article."""
    body_words = 0
    for i, line in enumerate(lines):
        if line.is_body:
            body_words += sum(len(_words(s)) for s in line.sentences)
        if (body_words >= COMMENTS_MIN_BODY_WORDS and not _BULLET_RE.match(line.text)  # bullets: a share bar
                and len(_words(line.text)) <= noise.COMMENTS_MAX_WORDS and noise.COMMENTS_START_RE.search(line.text)):
            for rest in lines[i:]:
                if rest.kind != "blank":
                    rest.kind = "chrome"
            return


# --- 5. keep the main block --------------------------------------------------------


def _line_score(line: _Line) -> float:
    """How much a line pulls the main block towards itself (negative: pushes it away)."""
    if line.kind == "blank":
        return 0.0
    if line.kind == "chrome":
        return -BLOCK_CHROME_PENALTY
    words = sum(len(_words(s)) for s in line.sentences) or len(_words(line.text))
    return float(words) if line.is_body else BLOCK_FRAGMENT_WEIGHT * words


def _isolated_body(lines: list[_Line]) -> set[int]:
    """Body lines with no body line right before or after: teaser summaries, captions."""
    content = [i for i, line in enumerate(lines) if line.kind != "blank"]
    isolated = set()
    for pos, i in enumerate(content):
        before = pos > 0 and lines[content[pos - 1]].is_body
        after = pos + 1 < len(content) and lines[content[pos + 1]].is_body
        # A paragraph that opens a section and goes on into its facts or list is the
        # section's text, not a stray teaser or caption (those stand between headings).
        if pos > 0 and pos + 1 < len(content) and lines[content[pos - 1]].kind == "heading":
            before = before or lines[content[pos + 1]].kind in ("field", "item")
        if lines[i].is_body and not before and not after:
            isolated.add(i)
    return isolated


def _keep_main_block(lines: list[_Line]) -> None:
    """Keep only the densest contiguous run of content; the title survives anyway."""
    isolated = _isolated_body(lines)
    best, best_span, total, start = 0.0, None, 0.0, 0
    run_cost = 0.0
    for i, line in enumerate(lines):
        if total < 0:  # not <= 0: a heading or list just before the run belongs to it
            total, start = 0.0, i
        if line.kind == "chrome":
            run_cost += BLOCK_CHROME_PENALTY
            if run_cost > CHROME_RUN_CAP:
                continue
        elif line.kind != "blank":
            run_cost = 0.0
        total += _line_score(line) * (ISOLATED_WEIGHT if i in isolated else 1.0)
        if total > best:
            best, best_span = total, (start, i)
    if best_span is None or best < MAIN_BLOCK_MIN_SCORE:
        return
    first, last = best_span
    while last + 1 < len(lines) and _line_score(lines[last + 1]) >= 0:  # a closing list or note
        last += 1
    first = _extend_to_lead(lines, first)
    for i, line in enumerate(lines):
        if (i < first or i > last) and line.kind not in ("blank", "chrome", "title"):
            line.kind = "chrome"


def _extend_to_lead(lines: list[_Line], first: int) -> int:
    """Move the block's start back over a lead paragraph that a box or ad cut off.

    Encyclopedia and registry pages open with a paragraph of several sentences, then
    an infobox, a figure or a table of contents, then the sections: the gap costs more
    than one paragraph earns, so the main block starts after it. A paragraph of
    LEAD_MIN_SENTENCES or more sentences above the block is such a lead, not a teaser.
    """
    start = first
    for i in range(first - 1, -1, -1):
        line = lines[i]
        if line.kind == "title":
            break
        if line.is_body and line.kind == "prose" and len(line.sentences) >= LEAD_MIN_SENTENCES:
            start = i
    while start < first and start > 0 and lines[start - 1].kind in ("field", "blank"):
        start -= 1  # the infobox just above the lead ("Other names: ...", "Specialty: ...")
    return start


def _find_title(lines: list[_Line], classified: list[str]) -> None:
    """The page's title is the headline just above its text, not the site's banner.

    Saved pages open with the site's name, its menus and search box; the article's
    own headline (and a standfirst under it) comes last before the text, separated
    from it at most by a byline, a date or a share row. Walking back from the first
    kept line over such chrome, the headline-shaped lines met are the title and its
    subtitle; a different first line above them was the site's banner.
    """
    start = next((i for i, line in enumerate(lines) if line.kind not in ("blank", "chrome", "title")), None)
    if start is None:
        return
    found: list[int] = []
    looked = 0
    for i in range(start - 1, -1, -1):
        if classified[i] == "blank":
            continue
        looked += 1
        if looked > TITLE_LOOKBACK_LINES or len(found) == TITLE_MAX_LINES:
            break
        in_fields = classified[i] == "field" and "field" in (classified[i - 1] if i else "", _next(classified, i))
        if classified[i] in ("title", "heading", "field", "prose") and not in_fields and _is_headline(lines[i]):
            found.append(i)
        elif found:
            break  # the headline block has ended: above it is the page's header
    if not found:
        return
    top = found[-1]
    for i, line in enumerate(lines[:top]):
        if line.kind == "title":
            line.kind = "chrome"  # the banner above the headline
    lines[top].kind = "title"
    for i in found[:-1]:
        lines[i].kind = "field"  # the standfirst: kept as written


def _next(kinds: list[str], i: int) -> str:
    """The kind of the next non-blank line after i, or ""."""
    return next((k for k in kinds[i + 1:] if k != "blank"), "")


def _is_headline(line: _Line) -> bool:
    text = line.text
    words = _words(text)
    short_enough = (1 if line.heading_hint else HEADLINE_MIN_WORDS) <= len(words) <= HEADLINE_MAX_WORDS
    return (short_enough and text[:1].isupper() and not _is_chrome_line(text)
            and not (_TERMINAL_RE.search(text) and not text.endswith("?"))
            and not noise.BOILERPLATE_RE.search(text) and not _is_call_to_action(text)
            and not _symbol_led(text))


# --- 6. assemble sections -----------------------------------------------------------


def _assemble(lines: list[_Line], source: str) -> Document:
    title = ""
    sections: list[Section] = []
    heading = ""
    paragraphs: list[str] = []

    def flush() -> None:
        if paragraphs:
            sections.append(Section(heading=heading, paragraphs=tuple(paragraphs)))

    for line in lines:
        if line.kind == "title":
            title = title or line.text
            if not paragraphs and not sections:
                heading = line.text
        elif line.kind == "heading":
            flush()
            heading, paragraphs = line.text, []
        elif line.kind == "field":
            paragraphs.append(line.text)
        elif line.kind == "item":  # list entries keep a bullet, so the list survives a re-clean
            paragraphs.append("- " + " ".join(line.sentences))
        elif line.kind == "prose":
            paragraphs.append(" ".join(line.sentences))
    flush()
    return Document(source=source, title=title, sections=tuple(sections))
