"""Blocks -> verdicts -> Document: named passes, each verdict with its reason.

    clean_blocks(blocks)   1. normalise    tidy spaces, strip control characters and wiki markers
                           2. split_runs   a paragraph that is a long run of sentences is
                                           judged sentence by sentence (spun and dumped pages);
                                           on a page that is mostly runs, so is every short line
                           3. judge        code (a code block, a line all in code spans)
                                           is kept as written; a block with no words is
                                           dropped; every other block is scored by the learned
                                           model (model.json, trained by train.py) on its shape,
                                           statistics, position and repetition
                                           (3a. on clean text, a list (a table, a stretch of
                                           unstopped lines) most of whose entries (rows, lines)
                                           stay keeps them all, and a Markdown
                                           list of written entries, not links, keeps them; a
                                           Markdown page with lists and few links is clean text,
                                           and so is a page the block scorer keeps 95% of; a
                                           heading over kept text stays;
                                           3b. a page is never emptied: if nothing else stays,
                                           its prose-shaped blocks do;
                                           3c. a run of "Label: value" lines is judged as one
                                           block: if one of its lines stays, all do;
                                           3d. on a surely noisy page, a second learned scorer judges
                                           each block again from what the first said of it
                                           and of its neighbours, and where the main text is;
                                           3e. furniture lines (furniture.py): shapes of page
                                           furniture the scorers do not see, each a named rule;
                                           3f. a list most of whose entries stay keeps them all,
                                           on any page;
                                           3g. on a surely noisy page, what is kept outside the
                                           article goes, but for the title lines above it;
                                           3h. a run's part without a word, the tail of the sentence
                                           before it (" :)", the second "!" of "that!!"), takes its verdict)
                           4. tidy         a heading whose blocks were all dropped goes with them
                                           (unless it is a "Label: value" line)
    assemble(...)          the kept blocks as a Document: sections under headings

`clean_text`, `clean_markdown` and `clean_html` read a format (pipeline.readers) and run
the same passes; `explain` returns the page's verdict and every block with its own, for
`winnow clean --explain`. Sources a user trusts (CleanOptions(trusted=True)) keep every block.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..blocks import Block, Kind, Verdict
from ..records import Document, Section
from ..split import HEADING_MAX_CHARS
from . import model as scorer
from .features import (_SEPARATORS, FEATURES, MAIN_PIVOT, PAGE_FEATURES, PROSE_MIN_WORDS, STEM_LETTERS, _block_words,
                       _content_words, _has_url_or_email, _terminal, context_matrix, main_stretch, page_features,
                       page_matrix, page_summary)
from .furniture import _title_key, drop_furniture_lines
from .glue import fragments
from .vocabulary import UI_WORDS

# A paragraph of this many sentences or more is a run (a dump, a spun page), not a
# paragraph a writer made: each of its sentences is judged alone. Prose paragraphs
# rarely pass eight sentences; spun pages are one run of hundreds.
RUN_MIN_SENTENCES = 10
RUN_MIN_CHARS = 600  # cheaper pre-check before splitting into sentences (ten short ones)
# On a page that reads as clean text, a block goes only when the model is sure it is
# furniture: under this score. On the train split's dumps that still removes 42% of the
# noise words while keeping 99.6% of the content ones (bench: python -m pipeline.clean.train).
CLEAN_PAGE_DROP_BELOW = 0.1
# A page of fewer blocks than this (code aside, runs split) is too short for the page
# gate (its shares, repetition and position say too little; 19 of the train split's 1,282
# page dumps are that short): it is judged as clean text, so only blocks the model is sure
# of (under CLEAN_PAGE_DROP_BELOW) go. Chosen on the train split.
MIN_BLOCKS_TO_JUDGE = 10
# A run of this many "Label: value" lines or more (a fact sheet, a registry record, a spec
# table written as lines) is one structured block: it stays whole when any of its lines
# is kept. Scored line by line as short unstopped entries, the lines of one record fall on
# both sides of the threshold. On the hand-labelled dumps (tests/pages/labeled a-d) it
# raises content kept from 0.952 to 0.995 on a, noise removed unchanged; on the train
# split's page dumps F1 moves by under 0.001.
# A page whose runs hold at least this share of its words is run-on text (a spun page, a
# dump): a short or unstopped line or list entry beside its runs (a footer, a menu line on a
# line of its own) is judged as one of the run's parts, by the runs scorer, not as a paragraph a
# writer made. Half: the runs are the page; 2 of 418 train page dumps and 3 of 2,000 train
# clean documents are pages like that.
RUN_PAGE_SHARE = 0.5
FIELDS_MIN_RUN = 3
FIELD_LABEL_MAX_WORDS = 4  # "Age of onset", "ICD-10", "Date of birth"
FIELD_VALUE_MAX_WORDS = 6  # a value, not a headline or a sentence after a colon
# A Markdown list is its writer's (3a.) when at least half its entries have this many words
# and under this share of their text in links; chosen on the installed node_modules docs.
WRITTEN_ENTRY_MIN_WORDS = 4
WRITTEN_MAX_LINK_SHARE = 0.5
# A Markdown page with lists and under this share of linked units (a list counts once, as linked
# when most of its entries are links; any other block once) is a document, not a web page saved
# as Markdown: it is judged as clean text whatever the gate reads in its lines (a changelog's
# one-line entries read as menu lines: CHANGELOG_V21.md, one list of links among 8 lists and 21
# other blocks, scores 0.14). The context pass still judges it where the gate's score asks for
# one (letting it only rescue there kept a README's title and licence line, READMEs 0.959 -> 0.962,
# but the noise of the labelled web pages saved as Markdown too: sets a / b 0.938 / 0.887 ->
# 0.892 / 0.820). Chosen on the node_modules docs, half of /usr/share/doc's folders and web pages of the
# train sites written as Markdown (under it: 53 / 22 of 63 / 31 documents, 34 of 320 pages).
FEW_LINKS_MAX_SHARE = 0.05
# A page the gate calls noisy is clean text all the same when the block scorer, judging block by
# block, keeps this share of its words or more (two models agree the page is nearly all content):
# only the blocks it is sure of go, as on a clean page, and no context pass runs. On the decision
# set (node_modules docs, half of /usr/share/doc's folders, train-site gold texts of scrapinghub and
# dragnet) it keeps 0.9963 -> 0.9967 one a line, 0.9985 -> 0.9988 hard-wrapped (node_modules docs
# 0.987 -> 0.992 both); on the train sites' page dumps 21 of 1,264 pages pass it, mean precision
# -0.0002 / -0.0002 / -0.0007 (scrapinghub / dragnet / readability), F1 unchanged at three decimals.
# At 0.9, 73 dumps pass and F1 falls by 0.001 on each set.
SCORER_CLEAN_WORD_SHARE = 0.95
# A text page the gate calls noisy, whose words the block scorer keeps SHAPE_CLEAN_WORD_SHARE of or more,
# is clean text all the same when it has neither shape a dump of a web page leaves: no run of
# MENU_RUN_MIN lines of at most MENU_LINE_MAX_WORDS words without a stop (a menu, a footer's links, one
# label a line) and no line of two words or more said twice (a menu or a headline repeated, share bars).
# Pages with runs (spun pages, dumps run together) stay with the runs scorer. On the train sites none of
# the 1,219 page dumps the gate calls noisy has neither shape, against 1,071 of their 1,281 gold texts
# laid out one paragraph a line. Without the word share, the hand-labelled dumps (their furniture is
# bylines, ratings and ad lines, not menus) pass as clean: noise removed b 0.887 -> 0.467 (0.680 at a
# share of 0.85). Figures in train.py's docstring (session 17).
SHAPE_CLEAN_WORD_SHARE = 0.9
MENU_LINE_MAX_WORDS = 3
MENU_RUN_MIN = 4
# On a clean page, a stretch of this many unstopped lines or more (paragraphs and entries without a
# final stop: a changelog, a list or a table written one entry or cell a line, without bullets) is one
# structure, like a list (3a.): when most of its lines stay, all do. A line holding this many
# separators or more (" | ", " · ", " - "...) is a menu's labels run into one line, never an entry
# (a seed's "Navigation: Wellness - Encyclopedia - ..." line in a stretch of four).
LINES_MIN_STRETCH = 3
MENU_LINE_SEPARATORS = 2
# 3g. Where the article ends: each block the scorers drop costs this much beside its (score - MAIN_PIVOT)
# x words, so that a band of one-word menu lines parts the article from the teasers past it (it
# weighed its few words only). A kept line above the stretch stays (a title) when at least this share
# of its content words are the article's. Chosen on an inner split of the train sites (a third of
# them by sha256("dev:" + site)): 0.5 / 1 / 1.5 / 2 and 0.2 / 0.3 / 0.4 / 0.5 / 0.7, train.py's docstring.
DOUBTED_BLOCK_COST = 1.0
TITLE_MIN_TOPIC_SHARE = 0.3
# 3h. A run's wordless part this short or shorter is the tail of the sentence before it (":)", "!!", ". . .");
# a longer run of marks (". " two thousand times) is no sentence's own.
TAIL_MAX_CHARS = 8
# A reason names the features that pulled the score down most.
REASON_FEATURES = 3

_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# C0 and C1 control characters (tab and newline are spaces by then) and escape sequences
# never reach the index or a terminal.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")
# Wiki and CMS markers inside a line (C4 strips "[edit]" and "[citation needed]").
_INLINE_MARKER_RE = re.compile(
    r"\[\s{0,3}(?:edit(?:\s{0,3}\|\s{0,3}edit source)?|edit source|citation needed|\d{1,3}|"
    r"update|hide|show|clarification needed)\s{0,3}\]", re.IGNORECASE)
# A number in brackets is a citation mark only where one stands: it ends a run of text (after it, a
# space, the end, another mark, or closing punctuation before one of those) and it is not glued to a
# code name. "Out[77]:", "[3]:p. 7", "x[1]", "self.items[0]", "a_list[2]" and "photo[1].jpg" are
# subscripts, prompts and names, and stay; "source[17] codec", "shift[1], even", "2014[27]" and
# "Communicator.[6][7]" go. A code name: one letter, names joined by "." or a name holding "_" (a
# word of prose before a mark is none of these), with any subscripts already after it ("x[1][2]").
_NUMBER_MARK_RE = re.compile(r"\[\s{0,3}\d{1,3}\s{0,3}\]")
_MARK_ENDS_RE = re.compile(r"(?:[,.;!?)\]\"'\u2019\u201d\u00bb]{1,4})?(?:\s|\[|\Z)")
_SUBSCRIPTED_RE = re.compile(r"(?<![\w.])(?:[A-Za-z]|[A-Za-z_]\w{0,40}(?:\.[A-Za-z_]\w{0,40}){1,5}|\w{0,40}_\w{0,40})"
                             r"(?:\[[^\[\]\s]{1,20}\]){0,5}\Z")
SUBSCRIPT_LOOKBACK = 120  # characters: the longest code name and subscripts looked for before a mark
# A number in brackets that opens a line, text after it, is a footnote's own label ("[1] This memo is
# based on...", "[3]For the first nights"), which the gold texts keep: a citation mark follows what it
# cites. Marks run together ("[5][6] cited") or alone on a line are no label.
_LINE_OPENS_RE = re.compile(r"(?:\A|\n)[ \t]{0,8}\Z")
_LABEL_TEXT_RE = re.compile(r"[ \t]{0,3}[^\W_]")
_HAS_WORD_RE = re.compile(r"[^\W_]")
_BARE_URL_RE = re.compile(r"(?:https?|ftp)://\S{1,2000}|www\.\S{1,2000}")
_LABEL_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class CleanOptions:
    """How a source is cleaned (saved with the index settings when it matters)."""

    trusted: bool = False  # index as written: every block is kept
    threshold: float | None = None  # the model's keep threshold; None: the trained one


DEFAULT_OPTIONS = CleanOptions()


@dataclass(frozen=True)
class Judged:
    """One block and the verdict on it."""

    block: Block
    verdict: Verdict


# --- entry points ---------------------------------------------------------------------


def clean_text(text: str, source: str = "", markdown: bool = False,
               options: CleanOptions = DEFAULT_OPTIONS) -> Document:
    """Plain text (or Markdown) -> Document."""
    if markdown:
        return clean_markdown(text, source, options)
    from ..readers import text as text_reader

    return assemble(clean_blocks(text_reader.read(text), options), source)


def clean_markdown(text: str, source: str = "", options: CleanOptions = DEFAULT_OPTIONS) -> Document:
    from ..readers import markdown

    meta, blocks = markdown.read(text)
    return assemble(clean_blocks(blocks, options), source, title=_normalize(meta.get("title", "")))


def clean_rst(text: str, source: str = "", options: CleanOptions = DEFAULT_OPTIONS) -> Document:
    """reStructuredText -> Document (its first section title is its title)."""
    from ..readers import rst

    return assemble(clean_blocks(rst.read(text), options), source)


def clean_html(html: str, source: str = "", options: CleanOptions = DEFAULT_OPTIONS) -> Document:
    """An HTML page -> Document: its main content, then the same passes."""
    from ..readers import html as html_reader

    title, blocks = html_reader.read(html)
    return assemble(clean_blocks(blocks, options, extracted=True), source, title=_normalize(title))


def read_blocks(text: str, kind: str) -> list[Block]:
    """The blocks of a decoded source ("text", "markdown", "rst" or "html"), as its reader finds them."""
    if kind == "html":
        from ..readers import html as html_reader

        return html_reader.read(text)[1]
    if kind == "markdown":
        from ..readers import markdown

        return markdown.read(text)[1]
    if kind == "rst":
        from ..readers import rst

        return rst.read(text)
    from ..readers import text as text_reader

    return text_reader.read(text)


def explain(text: str, kind: str, options: CleanOptions = DEFAULT_OPTIONS) -> tuple[str, list[Judged]]:
    """(the page's verdict, every block with its verdict) for a decoded source.

    For HTML, the page's visible text that the main-content extraction left out (menus,
    sidebars, footers: never judged, as no pass saw them) is listed too, in page order,
    dropped "by extraction": a page whose navigation the extraction cut said "0 dropped".
    """
    blocks = read_blocks(text, kind)
    extracted = kind == "html"
    page = ("a trusted source: indexed as written" if options.trusted
            else "an HTML page: its main content as extracted, runs judged sentence by sentence" if extracted
            else page_reason(blocks))
    judged = clean_blocks(blocks, options, explain=True, extracted=extracted)
    if extracted:
        from ..html import visible_blocks

        judged = _with_left_out(judged, visible_blocks(text))
    return page, judged


_LEFT_OUT = Verdict(False, "extraction", "outside the page's main content (a menu, sidebar, footer...): "
                                         "left out by the HTML extraction, before any block was judged")
_KEY_RE = re.compile(r"[\W_]+")


def _with_left_out(judged: list[Judged], visible: list) -> list[Judged]:
    """judged with each visible block of the page that no judged block holds, after the last one
    found before it. Compared by letters and digits only: the extraction joins, splits and spaces
    a page's lines its own way."""
    keys = [_KEY_RE.sub("", j.block.text.lower()) for j in judged]
    ends = list(itertools.accumulate(map(len, keys)))
    kept = "".join(keys)
    after: dict[int, list[Judged]] = {}  # judged index (-1: before the first) -> the left-out blocks after it
    last, at = -1, 0
    for block in visible:
        key = _KEY_RE.sub("", block.text.lower())
        if not key:
            continue
        found = kept.find(key, at)
        if found < 0:
            found = kept.find(key)
        if found >= 0:
            at = found + len(key)
            last = bisect.bisect_right(ends, at - 1)  # the judged block where the match ends
            continue
        kind = Kind.HEADING if block.kind == "heading" else Kind.PARAGRAPH
        after.setdefault(last, []).append(Judged(Block(kind, block.text, level=block.level), _LEFT_OUT))
    if not after:
        return judged
    out = list(after.get(-1, ()))
    for i, j in enumerate(judged):
        out.append(j)
        out.extend(after.get(i, ()))
    return out


# --- the passes -------------------------------------------------------------------------


def clean_blocks(blocks: list[Block], options: CleanOptions = DEFAULT_OPTIONS,
                 explain: bool = False, extracted: bool = False) -> list[Judged]:
    """Every block (runs split into sentences) with its verdict, in order.

    explain=True also names, for each block the model drops, the features that pulled
    its score down (slower: it walks every tree in Python). extracted=True: the blocks
    are a main-content extractor's (HTML), which the scorer does not second-guess (on the
    train sites it changed F1 by -0.002, 0.000 and -0.003); only runs are judged.
    """
    blocks = normalize(blocks)  # 1.
    blocks = split_runs(blocks)  # 2.
    if extracted and not options.trusted and not any(b.kind is Kind.SENTENCE for b in blocks):
        return drop_trailing_headings(drop_empty_sections([
            Judged(b, _EXTRACTED if _HAS_WORD_RE.search(b.text) or b.kind is Kind.CODE else _WORDLESS)
            for b in blocks]))
    # An extractor's blocks keep their verdict (only runs are judged): no second pass for them.
    judged = keep_field_runs(judge(blocks, options, explain, in_context=not extracted))  # 3., 3b., 3c., 3d., 3e.
    if not extracted and not options.trusted:
        judged = keep_lists_whole(judged, passes=("model", "context"), lines=False)  # 3f.
    judged = follow_the_sentence(judged)  # 3h.
    if extracted:
        judged = [j if j.block.kind is Kind.SENTENCE or not _HAS_WORD_RE.search(j.block.text)
                  else Judged(j.block, _EXTRACTED) for j in judged]
        return drop_trailing_headings(drop_empty_sections(judged))  # 4., 4b.
    return drop_empty_sections(judged)  # 4.


def _normalize(text: str) -> str:
    if text.isascii() and text.isprintable() and "  " not in text and "[" not in text:
        return text.strip()  # no control character, no run of spaces, no marker: the subs below change nothing
    if not text.isascii():  # NFC and the wide spaces concern non-ASCII text only
        text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub("", text)
    if "[" in text:
        text = _INLINE_MARKER_RE.sub(_between_words, text)
    return _SPACE_RE.sub(" ", text).strip()


def _between_words(marker: re.Match) -> str:
    """A marker goes; one between two words leaves a space ("The[edit]0" read "The0", a word of neither).
    A number in brackets goes only where a citation mark stands (_NUMBER_MARK_RE's comment), and
    stays as the label that opens a footnote (_LINE_OPENS_RE's)."""
    text, start, end = marker.string, marker.start(), marker.end()
    if _named(text, start):
        return marker.group()
    if _NUMBER_MARK_RE.fullmatch(marker.group()) and (
            not _MARK_ENDS_RE.match(text, end)
            or (_LABEL_TEXT_RE.match(text, end) and _LINE_OPENS_RE.search(text, max(0, start - 9), start))
            or _SUBSCRIPTED_RE.search(text, max(0, start - SUBSCRIPT_LOOKBACK), start)):
        return marker.group()
    return " " if 0 < start and end < len(text) and text[start - 1].isalnum() and text[end].isalnum() else ""


_OPENING_QUOTES = "\"'`\u201c\u2018"


def _named(text: str, start: int) -> bool:
    """A marker just after an opening quote ('marks such as "[1]" go', '("[1] This memo...")') is
    named, not used: a citation follows the text it cites, never an opening quote (one that starts
    the text or follows a space or an opening bracket)."""
    return (0 < start and text[start - 1] in _OPENING_QUOTES
            and (start == 1 or text[start - 2] in " \t\n([{"))


def normalize(blocks: list[Block]) -> list[Block]:
    """1. Blocks with tidy text; code keeps its lines; blocks left empty go."""
    out = []
    # A block already tidy (most are) is kept as it is, unless the list holds it twice: each
    # block out is its own object (judge tells blocks apart by id).
    kept: set[int] = set()
    for block in blocks:
        if block.kind is Kind.CODE:
            text = "\n".join(_CONTROL_RE.sub("", line).rstrip() for line in block.text.split("\n")).strip("\n")
        else:
            text = _normalize(block.text.replace("\n", " "))
        if not text:
            continue
        if text == block.text and id(block) not in kept:
            kept.add(id(block))
            out.append(block)
        else:
            out.append(block.with_text(text))
    return out


def _stops(text: str) -> int:
    """Sentence ends a paragraph can have at most (Punkt breaks only after these)."""
    return text.count(". ") + text.count("! ") + text.count("? ") + text.count("… ")


def split_runs(blocks: list[Block]) -> list[Block]:
    """2. A paragraph of RUN_MIN_SENTENCES sentences or more becomes one block per sentence,
    and a "sentence" with a menu line glued on becomes one block per part (glue.py)."""
    out = []
    for i, block in enumerate(blocks):
        if block.kind is Kind.PARAGRAPH and len(block.text) >= RUN_MIN_CHARS and _stops(block.text) >= RUN_MIN_SENTENCES - 1:
            from ..split import split_sentences  # nltk only for pages that need it

            sentences = split_sentences(block.text)
            if len(sentences) >= RUN_MIN_SENTENCES:
                parts = _join_wordless([f for s in sentences for f in fragments(s)], block.text)
                out.extend(Block(Kind.SENTENCE, f, run=i, link_share=block.link_share, comments=block.comments,
                                 glued=glued) for f, glued in parts)
                continue
        out.append(block)
    return _stray_lines_as_parts(out)


def _stray_lines_as_parts(blocks: list[Block]) -> list[Block]:
    """On a page that is mostly runs (RUN_PAGE_SHARE), short or unstopped paragraphs and list
    entries become parts of their own (Kind.SENTENCE, each its own run): the runs scorer judges them."""
    if not any(b.kind is Kind.SENTENCE for b in blocks):
        return blocks  # no run: no words to count
    words = [len(b.text.split()) for b in blocks]
    in_runs = sum(n for b, n in zip(blocks, words) if b.kind is Kind.SENTENCE)
    if not in_runs or in_runs < RUN_PAGE_SHARE * sum(words):
        return blocks
    return [Block(Kind.SENTENCE, b.text, run=-2 - i, link_share=b.link_share, comments=b.comments)
            if b.kind in (Kind.PARAGRAPH, Kind.ITEM) and (n < PROSE_MIN_WORDS or not _terminal(b.text)) else b
            for i, (b, n) in enumerate(zip(blocks, words))]


_EXTRACTED = Verdict(True, "extractor", "main content, as trafilatura and pipeline/html.py found it")
_WORDLESS = Verdict(False, "empty", "no words: only symbols, numbers or punctuation")


def _join_wordless(sentences: list[str], text: str = "") -> list[tuple[str, bool]]:
    """(part, whether it is written right after the part before it): runs of parts without a word
    ("...", ". . .") as one, one verdict, not thousands. With the paragraph's text (the parts are its
    slices, in order), a wordless part written against the one before it ("that!!") says so."""
    groups: list[list[str]] = []  # joined once at the end: joined as they came, 400,000 "? " took minutes
    glued: list[bool] = []
    wordless = False
    at = 0
    for sentence in sentences:
        found = text.find(sentence, at) if text else -1
        if found < 0:
            text = ""  # not a slice where looked for: no rescan of the text
        has_word = bool(_HAS_WORD_RE.search(sentence))
        if groups and not has_word and wordless:
            groups[-1].append(sentence)
        else:
            groups.append([sentence])
            glued.append(not has_word and 0 < found == at)
        if found >= 0:
            at = found + len(sentence)
        wordless = not has_word
    return [(" ".join(group), g) for group, g in zip(groups, glued)]


def judge(blocks: list[Block], options: CleanOptions, explain: bool = False, in_context: bool = True) -> list[Judged]:
    """3. A verdict for every block: code and trusted text kept, wordless text dropped, the rest scored."""
    if options.trusted:
        return [Judged(b, Verdict(True, "trusted", "a trusted source: indexed as written")) for b in blocks]
    model = scorer.load()
    threshold = model.blocks.threshold_keep if options.threshold is None else options.threshold
    judged_blocks = [b for b in blocks if b.kind is not Kind.CODE]
    matrix = page_matrix(judged_blocks)  # float64 [block, feature]; its float32 copy goes to the trees
    short = len(judged_blocks) < MIN_BLOCKS_TO_JUDGE
    clean_page = (float(model.page.probabilities([page_summary(judged_blocks, matrix)])[0]) if judged_blocks and not short
                  else 1.0)
    gate_says_clean = clean_page >= model.page.threshold_keep
    # A Markdown document (lists, few links) is clean text whatever the gate reads in its lines.
    page_is_clean = gate_says_clean or (not short and few_links(judged_blocks))
    in_run = [b.kind is Kind.SENTENCE for b in judged_blocks]
    first = model.content_probabilities(matrix.astype(np.float32), in_run)
    # A page whose words the block scorer keeps nearly all of is clean text too (not an HTML
    # extractor's blocks: those are kept anyway, and only their runs are judged).
    kept_share = (_kept_word_share(judged_blocks, first, threshold) if in_context and not short and not page_is_clean
                  else 0.0)
    scorer_says_clean = kept_share >= SCORER_CLEAN_WORD_SHARE
    # Nor a menu nor a repeated line: clean text too (an HTML extractor's blocks and run-on pages aside).
    shape_says_clean = (in_context and not short and not page_is_clean and not scorer_says_clean
                        and kept_share >= SHAPE_CLEAN_WORD_SHARE and not any(in_run) and not dump_shaped(judged_blocks))
    page_is_clean = page_is_clean or scorer_says_clean or shape_says_clean
    if page_is_clean:
        threshold = min(threshold, CLEAN_PAGE_DROP_BELOW)
    # A block's row is a view of the matrix (the rows as Python lists cost 1.2 KB a block: a
    # page of a million short lines held gigabytes); its score a Python float, quicker to format.
    by_block = dict(zip(map(id, judged_blocks), zip(matrix, first.tolist())))
    page_note = (f"a page of {len(judged_blocks)} blocks: clean text" if short
                 else f"page score {clean_page:.2f}: clean text" if gate_says_clean
                 else f"page score {clean_page:.2f}, the block scorer keeps {kept_share:.0%} of its words: clean text"
                 if scorer_says_clean
                 else f"page score {clean_page:.2f}, the block scorer keeps {kept_share:.0%} of its words, {_NO_DUMP_SHAPE}: "
                      "clean text" if shape_says_clean
                 else f"page score {clean_page:.2f}, a Markdown document with few links: clean text" if page_is_clean
                 else f"page score {clean_page:.2f}: a noisy page")
    context = (model.context_for(clean_page) if in_context and not short and not scorer_says_clean and not shape_says_clean
               else None)
    second = judge_in_context(model, judged_blocks, matrix, first, clean_page) if context is not None else {}  # 3d.
    judged = []
    for block in blocks:
        row, p = by_block.get(id(block), (None, 1.0))
        if block.kind is Kind.CODE:
            verdict = Verdict(True, "reader", "a code block: kept as written")
        elif block.code:
            verdict = Verdict(True, "reader", "written in code spans: kept as written, like a code block")
        elif not _HAS_WORD_RE.search(block.text):
            verdict = _WORDLESS
        elif id(block) in second and context is model.context_unsure and p >= threshold:
            # On a page the gate is unsure of, the second pass only rescues: what the first keeps stays.
            verdict = Verdict(True, "model", f"content score {p:.2f} >= {threshold:.2f} on a page the gate is "
                                             f"unsure of ({page_note}); the context pass does not overrule it",
                              float(p))
        elif id(block) in second:
            context_row, q = second[id(block)]
            bar = context.threshold_keep
            note = f"context score {q:.2f} {'>=' if q >= bar else '<'} {bar:.2f}, first pass {p:.2f} ({page_note})"
            why = ": " + _why(context, context_row) if explain and q < bar else ""
            verdict = Verdict(bool(q >= bar), "context", note + why, float(q))
        elif p >= threshold:
            verdict = Verdict(True, "model", f"content score {p:.2f} >= {threshold:.2f} ({page_note})", float(p))
        else:
            why = ": " + _why(model.trees_for(block.kind is Kind.SENTENCE), row) if explain else ""
            verdict = Verdict(False, "model", f"content score {p:.2f} < {threshold:.2f} ({page_note}){why}",
                              float(p))
        judged.append(Judged(block, verdict))
    if page_is_clean:
        judged = keep_headings_of_kept_text(keep_written_lists(keep_lists_whole(judged)))  # 3a.
    # 3e. Shapes of furniture everywhere a page's own text would not take them: where the gate is
    # sure the page is noisy (where the context scorer judges); image file names on any page.
    judged = drop_furniture_lines(judged, noisy=not short and clean_page < model.context_max_page_score)
    if not page_is_clean and context is not None and context is model.context:
        judged = keep_the_article(judged)  # 3g.
    return keep_prose_of_an_emptied_page(judged, by_block)


_NO_DUMP_SHAPE = (f"no run of {MENU_RUN_MIN} short unstopped lines and no line said twice (neither a menu nor "
                  f"a repeated line of a web page)")


def dump_shaped(blocks: list[Block]) -> bool:
    """Whether blocks have a shape a web page's text dump leaves and a writer's text rarely has: a run of
    MENU_RUN_MIN blocks or more of at most MENU_LINE_MAX_WORDS words without a final stop (a menu, one
    label a line), or a block of two words or more said twice (case aside). Code blocks are not looked at."""
    run = 0
    seen: set[str] = set()
    for block in blocks:
        if block.kind is Kind.CODE:
            continue
        words = block.text.split()
        if len(words) <= MENU_LINE_MAX_WORDS and not _terminal(block.text):
            run += 1
            if run >= MENU_RUN_MIN:
                return True
        else:
            run = 0
        if len(words) >= 2:
            key = " ".join(words).lower()
            if key in seen:
                return True
            seen.add(key)
    return False


def keep_the_article(judged: list[Judged]) -> list[Judged]:
    """3g. On a page the gate is sure is noisy, a block kept outside the article goes, unless it is a
    line above it that does not end in a full stop and names the article's subject (a title, a
    headline, a thread's question: with any end of sentence counted as a stop, labelled set c lost a
    forum thread's title, 0.987 -> 0.982). What the reader keeps as written (code, names written in
    code spans) is not a scorer's guess and stays.

    The article is the stretch of consecutive blocks with the largest sum of (score - MAIN_PIVOT)
    x words, a block's score its final one (the context scorer's, or the runs scorer's for a run's
    sentence): the main stretch of features.main_stretch, weighted by words rather than their log,
    so that an article's paragraphs outweigh the short lines around them. A dump keeps the teasers
    of other stories, author blurbs and comment threads around an article as prose that reads like
    content alone (the HTML path drops their containers whole); between them and the article lie
    bands of menus, share lines, dates and names that no score believes in, and the article ends
    there (_article_end: a band of one-word menu lines weighs by its lines, not only by its few
    words). A kept line above the stretch stays when at least TITLE_MIN_TOPIC_SHARE of its content
    words (by their first STEM_LETTERS letters) are words of the article's kept blocks: a headline
    names what its article is about; a menu line, another story's headline or a section's name
    does not. Figures in train.py's docstring (sessions 14 and 15).
    """
    gains = [(j.verdict.score - MAIN_PIVOT) * len(j.block.text.split())
             if j.verdict.by in ("model", "context") and j.verdict.score is not None else 0.0 for j in judged]
    start, end = main_stretch(gains)
    if sum(gains[start:end]) <= 0:
        return judged  # no block believed in: no article to cut around
    end = _article_end(judged, gains, start, end)
    subject = {w[:STEM_LETTERS] for j in judged[start:end] if j.verdict.keep for w in _topic_words(j.block.text)}

    def a_title(text: str) -> bool:
        words = {w[:STEM_LETTERS] for w in _topic_words(text)}
        return not text.rstrip().endswith(".") and len(words & subject) >= TITLE_MIN_TOPIC_SHARE * len(words) > 0

    return [Judged(j.block, Verdict(False, "article", f"outside the article (blocks {start + 1}-{end}), "
                                                      f"though {j.verdict.reason}", j.verdict.score))
            if j.verdict.keep and j.verdict.by != "reader" and not start <= i < end
            and (i > start or not a_title(j.block.text)) else j
            for i, j in enumerate(judged)]


def _article_end(judged: list[Judged], gains: list[float], start: int, end: int) -> int:
    """Where the article of blocks start..end ends: after the block at which the sum of gains from its
    start is largest, each block the scorers drop costing DOUBTED_BLOCK_COST more (a band of one-word
    menu lines weighs by its lines, not only by its few words). Only the end: at the start, the cost
    parted a README's introduction from its body at its table of contents (narwhals, which the gate
    calls noisy, 33 -> 35 sentences lost, and 40 with the title rule)."""
    best, total, at = -math.inf, 0.0, end
    for i in range(start, end):
        total += gains[i] - (0.0 if judged[i].verdict.keep else DOUBTED_BLOCK_COST)
        if total > best:
            best, at = total, i + 1
    return at


def _topic_words(text: str) -> set[str]:
    """A block's distinct content words, lower-cased (features._content_words)."""
    return _content_words(_block_words(text)[1])


def _kept_word_share(blocks: list[Block], first: np.ndarray, threshold: float) -> float:
    """The share of a page's words in blocks the block scorer keeps (first: its scores, block by block)."""
    words = np.fromiter((len(b.text.split()) for b in blocks), dtype=np.float64, count=len(blocks))
    total = float(words.sum())
    return float(words[first >= threshold].sum()) / total if total else 0.0


def judge_in_context(model: scorer.Model, blocks: list[Block], rows,
                     first, page_score: float) -> dict[int, tuple[np.ndarray, float]]:
    """3d. On a page the gate calls noisy, a context scorer judges every block but the sentences
    of runs again, from its own features and what the first pass said of it and around it (the
    first-pass scores of its neighbours, the page's main stretch, nearby menu lines):
    {id(block): (its row, its probability of content)}. rows: page_features' rows, or page_matrix.
    On a page the gate is sure is noisy (a page score under model.context_max_page_score,
    train.py's CONTEXT_PAGE_QUANTILE of the noisy train pages) the context scorer judges; on one
    it is unsure of (up to its threshold), the unsure scorer, which also reads the page score and
    may only keep what the first pass dropped (judge keeps what the first pass kept there).

    Sentence-shaped furniture (a teaser, a sign-up form, a comment widget's prose) reads
    like content alone; among menus and far from the main stretch, it does not.
    """
    context = model.context_for(page_score)
    if context is None:
        return {}
    at = [i for i, b in enumerate(blocks) if b.kind is not Kind.SENTENCE]
    if not at:
        return {}
    matrix = np.asarray(rows, dtype=np.float64)
    both = np.hstack((matrix, context_matrix(matrix, np.asarray(first, dtype=np.float64), page_score)))[at]
    return {id(blocks[i]): (row, q) for i, row, q in zip(at, both, context.probabilities(both).tolist())}


def keep_lists_whole(judged: list[Judged], passes: tuple[str, ...] = ("model",), lines: bool = True) -> list[Judged]:
    """3a., 3f. A list, or a table, is one structure: when most of its entries (rows) stay, all do.
    On a page of clean text (3a., passes: the model's verdicts) and, once the "Label: value" runs
    are judged, on any page (3f., passes: the model's and the context scorer's verdicts).

    A writer's list is not furniture entry by entry: the model, scoring each short entry
    alone, drops the odd one (a name, "3.", a caption). On the train split this keeps
    0.9955 of the Markdown gold texts' sentences instead of 0.9945 and 0.950 of the
    licences, READMEs and notes instead of 0.944, with page dumps' F1 unchanged. A table's
    rows are entries of one structure the same way (a row of figures, "| F1 0.952 |",
    reads like a menu line alone), and so is a stretch of LINES_MIN_STRETCH unstopped lines
    or more, a list or table written without bullets or pipes (one entry or cell a line; a
    menu line of MENU_LINE_SEPARATORS separators or more is not rescued). The stretches lift
    the decision set (train-site gold texts of scrapinghub and dragnet, the node_modules docs
    and half of /usr/share/doc's folders) one a line 0.9952 -> 0.9963, hard-wrapped 0.9969 ->
    0.9985 (its /usr/share/doc folders hard-wrapped 0.965 -> 1.000, release changelogs); held-out
    controls +4 sentences of 32,807; page dumps, spam pages and labelled sets unchanged (3a. only: the
    stretches cost labelled set e 0.667 -> 0.646 on pages the gate is unsure of: `lines` is off in 3f.).

    3f. On a noisy page a menu's entries mostly go, so it rarely reaches half; a record's list
    does once its "Label: value" lines are kept together (seed 002: a synonyms list running into
    its fact sheet). Seeds content 0.944 -> 0.979, test-site READMEs 0.948 -> 0.960, gold
    Markdown 0.993 -> 0.995, labelled noise unchanged; page dumps move by under 0.001 either way
    (test sites 0.8553 / 0.8651 / 0.8706 -> 0.8544 / 0.8662 / 0.8705; train sites dragnet 0.8703 ->
    0.8694, readability 0.8580 -> 0.8585). Kept only for lists that hold such a record, the dumps
    stay as they were and the READMEs' and gold texts' gains go.
    """
    out = list(judged)
    structures = ((Kind.ITEM, "entries of its list"), (Kind.ROW, "rows of its table"),
                  (None, "unstopped lines around it"))
    for kind, noun in structures[:3 if lines else 2]:
        flags = ([j.block.kind is kind for j in judged] if kind is not None
                 else [j.block.kind in (Kind.PARAGRAPH, Kind.ITEM) and not _terminal(j.block.text) for j in judged])
        for start, end in _stretches(flags):
            if kind is None and end - start < LINES_MIN_STRETCH:
                continue
            kept = sum(j.verdict.keep for j in judged[start:end])
            if end - start >= 2 and kept < end - start and 2 * kept >= end - start:
                for i in range(start, end):
                    if not out[i].verdict.keep and out[i].verdict.by in passes and (
                            kind is not None or _separators(out[i].block.text) < MENU_LINE_SEPARATORS):
                        out[i] = Judged(out[i].block, Verdict(True, "list", f"{kept} of the {end - start} {noun} "
                                                              f"stay ({out[i].verdict.reason})",
                                                              out[i].verdict.score))
    return out


def _separators(text: str) -> int:
    """How many separators (" | ", " · "...) a line holds."""
    return sum(map(text.count, _SEPARATORS))


def _written_entry(block: Block) -> bool:
    """A list entry with words of its own: not a link (a menu's, a "see also" list's)."""
    return block.link_share < WRITTEN_MAX_LINK_SHARE and _HAS_WORD_RE.search(block.text) is not None


def few_links(blocks: list[Block]) -> bool:
    """Whether a Markdown page has lists and under FEW_LINKS_MAX_SHARE of its units are links: a
    document, not navigation (a web page's menus, footers and teasers are lists and lines of links).
    A list counts as links when most of its entries are links to paths of the page's own site
    (Block.site_links: "/about", as a site's menus are): a list of addresses or of anchors in the
    document is what a README's writer gives its readers (documentation, community, talks, a table
    of contents), content like any other list. That counted, narwhals's README (5 such lists among
    43 units, the gate 0.03) is a document: package READMEs 0.965 -> 0.977 held out; the train split's
    documents and gold texts and the labelled pages (their menus link to site paths) unchanged. Any
    other block counts as a link the same way: when it links to the site's own paths, or when it runs
    links into one line with MENU_LINE_SEPARATORS separators or more (three links: a share bar's
    "Facebook · X · Email" leads to addresses, and is navigation all the same); a paragraph citing
    another project's address is a reference. Brotli's README (two such paragraphs among 35 units:
    0.057 of them) becomes a document, 12 -> 1 of its 44 sentences lost (package READMEs 34 -> 23 lost); the node_modules docs as Markdown
    43 -> 20 lost (58 -> 60 whole; as text, unchanged); gold texts, the held-out installed docs, page
    dumps, spam and the labelled pages unchanged (counted as links wherever they lead, the share bar
    made a labelled page a document: set d's noise removed 0.829 -> 0.824).

    Judged as clean text (judge), the installed documentation as Markdown keeps 0.945 -> 0.999 of its
    sentences (its held-out half of folders 0.9992 -> 0.9998), the gold texts as Markdown 0.983 ->
    0.993; web pages of the test sites written as Markdown F1 0.8401 / 0.8283 / 0.8817 -> 0.8398 /
    0.8283 / 0.8817; the labelled pages, HTML and plain text unchanged (no list the reader saw).
    """
    lists: dict[int, list[bool]] = {}
    units: list[bool] = []
    for block in blocks:
        # A link shown as its own address (an autolink, <https://...>) is a reference written out,
        # not a menu's label.
        linked = block.link_share >= WRITTEN_MAX_LINK_SHARE and not _BARE_URL_RE.fullmatch(block.text)
        navigation = linked and (block.site_links or _separators(block.text) >= MENU_LINE_SEPARATORS)
        if block.kind is Kind.ITEM and block.list_id >= 0:
            lists.setdefault(block.list_id, []).append(navigation)
        else:
            units.append(navigation)
    if not lists:
        return False  # plain text and HTML: no list the reader saw, no links to count
    units += [2 * sum(entries) > len(entries) for entries in lists.values()]
    return sum(units) < FEW_LINKS_MAX_SHARE * len(units)


def keep_written_lists(judged: list[Judged]) -> list[Judged]:
    """3a. On a page of clean text, a Markdown list its writer filled with entries of their own
    keeps every entry that is not a link, however few of them the scorer kept (a clean page: one
    the gate calls clean, or a Markdown document by few_links).

    The scorer reads each short, unstopped entry alone, far from prose: a changelog's entries,
    a list of options read like a menu (under 0.1 even on a clean page). A menu written in
    Markdown is a list of links; a list at least half of whose entries are
    WRITTEN_ENTRY_MIN_WORDS words or more and mostly outside links is the writer's, a list of one such
    entry too (a changelog's "Fixed" with one fix: the package READMEs 0.959 -> 0.965, node_modules docs
    as Markdown 0.9916 -> 0.9930, train-site gold texts and labelled sets unchanged). Only lists
    the Markdown reader saw (Block.list_id): plain text's bullets are guessed, and a page dump's
    menus carry no links to tell them apart. Only on a clean page: on whole web pages written as
    Markdown (menus, footers, a comment policy's list) the gate calls noisy, the same rule kept 82
    entries outside the gold text for 5 in it and cost 0.002-0.003 F1 (train sites); on 320
    train-site pages written as Markdown (a converter of the session's), 531 outside for 73 in (F1
    0.851 / 0.816 / 0.853 -> 0.844 / 0.810 / 0.852). The pages few_links calls documents add 4
    outside and none in there, and keep one reference of a labelled page (set a).

    A list more than half of whose entries name headings that follow it (folded as furniture's
    _title_key) is the page's table of contents: every entry stays, links or not (a README's
    "Installation", "Usage", "Roadmap", one or two words each, that the scorers drop as a menu's;
    on a page the gate is sure is noisy, furniture's contents rule drops a numbered one instead).
    Package READMEs 23 -> 15 sentences lost (narwhals 16 -> 8); gold texts, installed docs, page
    dumps, spam and the labelled pages unchanged.
    """
    out = list(judged)
    members: dict[int, list[int]] = {}
    for i, j in enumerate(judged):
        if j.block.kind is Kind.ITEM and j.block.list_id >= 0:
            members.setdefault(j.block.list_id, []).append(i)
    later_headings: dict[str, int] = {}  # a heading's words, folded -> the last block that says it
    for i, j in enumerate(judged):
        if j.block.kind is Kind.HEADING:
            later_headings[_title_key(j.block.text)] = i
    for at in members.values():
        if 2 * sum(later_headings.get(_title_key(judged[i].block.text), -1) > at[-1] for i in at) > len(at):
            for i in at:  # the page's table of contents: its entries name its later headings
                if not out[i].verdict.keep and out[i].verdict.by in ("model", "context"):
                    out[i] = Judged(out[i].block, Verdict(True, "list", f"an entry of the page's contents: its list "
                                                          f"names headings that follow ({out[i].verdict.reason})",
                                                          out[i].verdict.score))
            continue
        written = [i for i in at if _written_entry(judged[i].block)]
        long_ = [i for i in written if len(judged[i].block.text.split()) >= WRITTEN_ENTRY_MIN_WORDS]
        if 2 * len(long_) < len(at):
            continue
        for i in written:
            if not out[i].verdict.keep and out[i].verdict.by in ("model", "context"):
                out[i] = Judged(out[i].block, Verdict(True, "list", f"{len(long_)} of the {len(at)} entries of its "
                                                      f"Markdown list are written, not links ({out[i].verdict.reason})",
                                                      out[i].verdict.score))
    return out


def _stretches(flags: list[bool]) -> list[tuple[int, int]]:
    """(start, end) of every maximal stretch of consecutive True flags."""
    out = []
    start = 0
    while start < len(flags):
        end = start
        while end < len(flags) and flags[end]:
            end += 1
        if end > start:
            out.append((start, end))
        start = end + 1
    return out


def follow_the_sentence(judged: list[Judged]) -> list[Judged]:
    """3h. A run's part without a word (the " :)" after "too!", the second "!" of "that!!", ". . .") is the
    tail of the sentence before it: it takes that sentence's verdict. Dropped alone as wordless, it cost a
    clean page's text its marks (train-site gold texts: 9 sentences of 94,283 a layout). A longer run of
    marks (TAIL_MAX_CHARS) is no sentence's tail: it goes as wordless."""
    out = list(judged)
    for i in range(1, len(judged)):
        j, before = judged[i], out[i - 1]
        if (j.verdict is _WORDLESS and j.block.kind is Kind.SENTENCE and len(j.block.text) <= TAIL_MAX_CHARS
                and before.block.kind is Kind.SENTENCE
                and before.block.run == j.block.run and before.verdict is not _WORDLESS):
            out[i] = Judged(j.block, Verdict(before.verdict.keep, "tail", "no words of its own: the tail of the "
                                             f"sentence before it, whose verdict it takes ({before.verdict.by})"))
    return out


def _field_label(block: Block) -> str | None:
    """The label of a "Label: value" line (a short label without punctuation, a short value), else None."""
    if block.kind not in (Kind.PARAGRAPH, Kind.ITEM):
        return None
    text = block.text
    colon = text.find(": ")
    if colon <= 0:
        return None
    label, value = text[:colon], text[colon + 2:].split()
    if not 1 <= len(label.split()) <= FIELD_LABEL_MAX_WORDS or not 1 <= len(value) <= FIELD_VALUE_MAX_WORDS:
        return None
    if not label[0].isalnum() or any(ch in label for ch in ".!?:;,"):
        return None
    # "Twitter: @site", "Next post: ...", "Contact us: ...": the page's furniture, not a record's field
    # (a label in the one noise vocabulary, a value that is an address).
    if _has_url_or_email(text) or "@" in text or any(w in UI_WORDS for w in _LABEL_WORD_RE.findall(label.lower())):
        return None
    return label.lower()


def field_runs(blocks: list[Block]) -> list[tuple[int, int]]:
    """(start, end) of every run of FIELDS_MIN_RUN or more "Label: value" lines, labels all different
    (a label said again and again, "Recommended: ...", is a list of links, not a record)."""
    labels = [_field_label(b) for b in blocks]
    return [(start, end) for start, end in _stretches([label is not None for label in labels])
            if end - start >= FIELDS_MIN_RUN and len(set(labels[start:end])) == end - start]


def keep_field_runs(judged: list[Judged]) -> list[Judged]:
    """3c. A run of "Label: value" lines is one structured block: when one of its lines stays, all do."""
    out = list(judged)
    for start, end in field_runs([j.block for j in judged]):
        run = judged[start:end]
        kept = [j for j in run if j.verdict.keep]
        if not kept or len(kept) == len(run):
            continue
        why = kept[0].verdict
        reason = (f"one of {len(run)} label: value lines judged together, kept with "
                  f"'{kept[0].block.text[:40]}' ({why.by}: {why.reason})")
        for i in range(start, end):
            if not out[i].verdict.keep:
                out[i] = Judged(out[i].block, Verdict(True, "fields", reason, out[i].verdict.score))
    return out


_IS_PROSE = FEATURES.index("is_prose")


def keep_prose_of_an_emptied_page(judged: list[Judged], by_block: dict) -> list[Judged]:
    """3b. A page is never emptied: when no block but headings would stay, its prose-shaped
    blocks (sentences of eight words or more, with a final stop and function words) stay,
    or else its best-scored block."""
    if any(j.verdict.keep and j.block.kind is not Kind.HEADING for j in judged):
        return judged
    scored = [(by_block[id(j.block)], i) for i, j in enumerate(judged)
              if id(j.block) in by_block and j.block.kind is not Kind.HEADING and _HAS_WORD_RE.search(j.block.text)]
    rescue = {i for (row, _), i in scored if row[_IS_PROSE]}
    if scored and not rescue:
        rescue = {max(scored, key=lambda item: (item[0][1], -item[1]))[1]}
    return [Judged(j.block, Verdict(True, "guard", "the page would be emptied: its prose stays", j.verdict.score))
            if i in rescue else j for i, j in enumerate(judged)]


def page_reason(blocks: list[Block]) -> str:
    """Why the page gate judged a page as it did: its score and the strongest page features."""
    model = scorer.load()
    judged_blocks = [b for b in split_runs(normalize(blocks)) if b.kind is not Kind.CODE]
    if len(judged_blocks) < MIN_BLOCKS_TO_JUDGE:
        return (f"a page of {len(judged_blocks)} blocks (under {MIN_BLOCKS_TO_JUDGE}), too short to judge as a "
                f"whole: clean text, only blocks scored under {CLEAN_PAGE_DROP_BELOW} go")
    summary = page_summary(judged_blocks, page_features(judged_blocks))
    p = float(model.page.probabilities([summary])[0])
    terms = ", ".join(f"{name} {value:+.1f}" for name, value in model.page.contributions(summary)[:REASON_FEATURES])
    threshold = model.page.threshold_keep
    kept_share = 0.0
    if p < threshold and not few_links(judged_blocks):
        first = model.content_probabilities(np.asarray(page_matrix(judged_blocks), dtype=np.float32),
                                            [b.kind is Kind.SENTENCE for b in judged_blocks])
        kept_share = _kept_word_share(judged_blocks, first, model.blocks.threshold_keep)
    verdict = (f"clean text: only blocks scored under {CLEAN_PAGE_DROP_BELOW} go" if p >= threshold
               else "a Markdown document with few links: clean text, its lists kept whole" if few_links(judged_blocks)
               else f"the block scorer keeps {kept_share:.0%} of its words: clean text, only blocks scored under "
                    f"{CLEAN_PAGE_DROP_BELOW} go" if kept_share >= SCORER_CLEAN_WORD_SHARE
               else f"the block scorer keeps {kept_share:.0%} of its words, {_NO_DUMP_SHAPE}: clean text, only blocks scored under {CLEAN_PAGE_DROP_BELOW} go"
               if kept_share >= SHAPE_CLEAN_WORD_SHARE and not any(b.kind is Kind.SENTENCE for b in judged_blocks)
               and not dump_shaped(judged_blocks)
               else "a noisy page: judged block by block")
    return f"page score {p:.2f} (threshold {threshold:.2f}), {verdict}; strongest: {terms}"


def _why(trees: scorer.Trees, row: list[float]) -> str:
    """The features that pulled a block's score down most, with their values."""
    against = [name for name, value in trees.contributions(row) if value < 0][:REASON_FEATURES]
    return ", ".join(f"{name}={row[trees.names.index(name)]:.2g}" for name in against) or "low prior"


def _heading_says_something(text: str) -> bool:
    """Whether a heading is a "Label: value" line (a title and its subtitle, a fact: "Inscribed: 1985"):
    it says something of its own, not only what the blocks under it are about."""
    label, colon, value = text.partition(": ")
    return bool(colon and _HAS_WORD_RE.search(label) and _HAS_WORD_RE.search(value))


def keep_headings_of_kept_text(judged: list[Judged]) -> list[Judged]:
    """3a. On clean text, a heading the block scorer drops stays when the text it introduces (the next
    block that is not a heading) stays: the heading is its writer's, read with what follows it."""
    out = list(judged)
    next_kept = False  # whether the first non-heading block after i stays
    for i in range(len(judged) - 1, -1, -1):
        item = judged[i]
        if item.block.kind is not Kind.HEADING:
            next_kept = item.verdict.keep
            continue
        if next_kept and not item.verdict.keep and item.verdict.by == "model":
            out[i] = Judged(item.block, Verdict(True, "heading", f"introduces the kept text after it "
                                                                 f"({item.verdict.reason})", item.verdict.score))
    return out


def drop_empty_sections(judged: list[Judged]) -> list[Judged]:
    """4. A kept heading whose blocks (up to the next heading) were all dropped goes with them, unless its
    writer marked it as code (an API reference's method name: kept as written, like a code block) or it
    says something of its own (a "Label: value" heading: a fact, a title with its subtitle)."""
    out = list(judged)
    # One pass from the end (a slice of the rest per heading cost time quadratic in a
    # page of headings): whether anything lies under the blocks after i, and whether any stays.
    under = kept_under = False
    for i in range(len(judged) - 1, -1, -1):
        item = judged[i]
        if item.block.kind is not Kind.HEADING:
            under, kept_under = True, kept_under or item.verdict.keep
            continue
        empty = under and not kept_under
        under = kept_under = False
        if empty and item.verdict.keep and item.verdict.by != "reader" and not _heading_says_something(item.block.text):
            out[i] = Judged(item.block, Verdict(False, "tidy", "a heading with nothing kept under it",
                                                item.verdict.score))
    return out


def drop_trailing_headings(judged: list[Judged]) -> list[Judged]:
    """4b. An extracted page's kept headings after its last kept text go: nothing follows them for
    them to name (a "Comments" over a comment box the extractor left out, a newsletter box, a run of
    related headlines). On the train sites 56 of 58 such headings of scrapinghub and readability,
    and 72 of 73 of a third of dragnet's, were not in the gold text. Only for an extractor's blocks:
    a file's writer may end it with a heading on purpose ("## To do"). A page of headings only
    keeps them: they are its text."""
    out = list(judged)
    for i in range(len(judged) - 1, -1, -1):
        item = judged[i]
        if not item.verdict.keep:
            continue
        if item.block.kind is not Kind.HEADING:
            return out  # the page's last kept text: the headings after it go
        out[i] = Judged(item.block, Verdict(False, "tidy", "a heading after the page's last text: "
                                                           "nothing follows it", item.verdict.score))
    return list(judged)  # headings only (or nothing kept)


# --- assembly ---------------------------------------------------------------------------

TITLE_MAX_WORDS = 12  # a first line this short without a final stop names the page
TITLE_MAX_CHARS = 200  # and is read at a glance (text_reader.HEADING_MAX_CHARS's reason)


def _is_title_line(text: str) -> bool:
    return 0 < len(text.split()) <= TITLE_MAX_WORDS and len(text) <= TITLE_MAX_CHARS and text[-1] not in ".!?:;,"


def assemble(judged: list[Judged], source: str, title: str = "") -> Document:
    """The kept blocks as a Document: a section per kept heading, paragraphs in order.

    List entries are written "- entry"; the kept sentences of one run join into one
    paragraph. The title is the given one (HTML <title>, front matter), else the first
    kept block when it is a heading, or a line that reads as one (short, no final stop).
    A first line that only reads as a title (no `#`, no underline: "Call the clinic
    tomorrow" over "They open at 9.") names the document and stays its first line of text:
    a title never costs the text its line.
    """
    # A heading labels its section and every passage in it: one longer than a label can be (a megabyte
    # "heading" line of a broken page) is text of the page, not a section's name.
    kept = [Block(Kind.PARAGRAPH, j.block.text) if j.block.kind is Kind.HEADING and len(j.block.text) > HEADING_MAX_CHARS
            else j.block for j in judged if j.verdict.keep]
    title = title if len(title) <= HEADING_MAX_CHARS else ""  # a <title> or front matter's: not the page's text
    given_title = title  # a source's own title (HTML <title>, front matter) is not part of its text
    if not title and kept and (kept[0].kind is Kind.HEADING and kept[0].inferred
                               or kept[0].kind is Kind.PARAGRAPH and _is_title_line(kept[0].text)):
        title = kept[0].text
        kept[0] = Block(Kind.PARAGRAPH, kept[0].text)  # the title, and the text's first line still
    elif kept and kept[0].kind is Kind.PARAGRAPH and _is_title_line(kept[0].text):
        kept[0] = Block(Kind.HEADING, kept[0].text, level=1)  # a page's first line, short and unstopped
    if not title and kept and kept[0].kind is Kind.HEADING:
        title = kept[0].text
    sections: list[Section] = []
    heading = ""
    paragraphs: list[str] = []
    split: list[list[str] | None] = []  # per paragraph: the sentences of a run, already split
    run = -1

    def close_section() -> None:
        # A heading with nothing under it (a name over a comment, a label) stays as text; so
        # does a text file's first line read as its title, when a heading follows it at once.
        if paragraphs:
            # A run's paragraph is its kept sentences joined once here: joined one by one as
            # they came, a run of 80,000 sentences cost a copy of the paragraph per sentence.
            texts = tuple(p if s is None else " ".join(s) for p, s in zip(paragraphs, split))
            sections.append(Section(heading, texts, tuple(None if s is None else tuple(s) for s in split)))
        elif heading == title and heading != given_title:
            sections.append(Section("", (heading,)))  # its passages are under the title already
        elif heading and heading != given_title:
            sections.append(Section(heading, ()))  # printed once, as its heading; split reads it as a label

    in_comments = False
    for block in kept:
        if (block.comments and not in_comments and heading and block.kind is not Kind.HEADING
                and not all(_is_title_line(p) for p in paragraphs)):
            # A heading of the article over prose of the article does not head the comment section after
            # it (trafilatura's comments): an author's box ("ABOUT DAWN CAMP" over a biography) labelled
            # every comment, and so did an article's last section. The comments are under the page title,
            # unless they open with a heading of their own ("45 comments"); a heading over them with only
            # lines of its kind between ("Comments", "156 Responses", "Leave a Reply") heads them.
            close_section()
            heading, paragraphs, split, run = "", [], [], -1
        in_comments = block.comments
        if block.kind is Kind.HEADING:
            close_section()
            heading, paragraphs, split, run = block.text, [], [], -1
            continue
        if block.kind is Kind.SENTENCE and block.run == run and paragraphs:
            if split[-1] and not _HAS_WORD_RE.search(block.text):  # a tail: part of the sentence before it
                split[-1][-1] += ("" if block.glued else " ") + block.text
            else:
                split[-1].append(block.text)
        else:
            paragraphs.append("- " + block.text if block.kind is Kind.ITEM else block.text)
            split.append([block.text] if block.kind is Kind.SENTENCE else None)
        run = block.run if block.kind is Kind.SENTENCE else -1
    close_section()
    sections = [s for s in sections if s.paragraphs or s.heading]
    words = sum(len(j.block.text.split()) for j in judged)
    kept_words = sum(len(j.block.text.split()) for j in judged if j.verdict.keep)
    return Document(source=source, title=title, sections=tuple(sections), words=words, kept_words=kept_words)
