"""Plain text -> blocks, read as paragraphs.

Lines are grouped into blocks at blank lines. Inside a block, a line that was broken
only because it reached the wrap width is joined to the next one, so hard-wrapped text
reads like the same text unwrapped; list items, table rows and headings stay lines of
their own. A line is a wrap when the next line's first word would not have fitted on
it: len(line) + 1 + len(next word) > width, the width being the file's own (the 95th
percentile of its line lengths). Files whose lines are paragraphs (one per line) have
no such width and are never joined.

In a hard-wrapped file, a line of prose that stops mid-sentence (no final stop) and a next line
that starts in lower case are one sentence broken in two, whatever the width: text wrapped by
hand, at no one column (a licence indented under its numbers, a letter), reads as paragraphs too.
"""

from __future__ import annotations

import re
from collections import Counter

from ..blocks import Block, Kind

# A file is hard-wrapped when most lines that are followed by another line in the
# same block come close to one width. Editors wrap at 60-100 columns; a width above
# this is a file of one paragraph per line.
MAX_WRAP_WIDTH = 160
MIN_WRAP_WIDTH = 40  # nobody wraps prose narrower; short lines are a note's or a list's own lines
MIN_WRAPPED_LINES = 3  # fewer inner lines are no evidence of a wrap width
WRAP_FULL_SHARE = 0.5  # of non-final lines within WRAP_SLACK_SHARE of the width
WRAP_SLACK_SHARE = 0.25  # textwrap leaves up to a long word's length free at the end of a line
WIDTH_PERCENTILE = 0.95  # a few long lines (URLs, tables) do not set the width
HEADING_MAX_WORDS = 12
# A heading is a line one reads at a glance: longer ones are text, whatever their word count (a
# 3 MB run of characters without spaces is one "word").
HEADING_MAX_CHARS = 200
# A line broken mid-sentence is a line of prose: this many characters or more (MIN_WRAP_WIDTH's
# reason). Shorter unstopped lines followed by a lower-case one are a list's own lines ("milk",
# "rye bread"), a label and its value.
BROKEN_LINE_MIN_CHARS = MIN_WRAP_WIDTH
# A longer line with pipes in it is prose that quotes a menu (a run-together dump), not a row.
ROW_MAX_CHARS = 400
# A justified file (a man page as `man -P cat` prints it): this share of its lines of
# MIN_WRAP_WIDTH characters or more end at one column, of JUSTIFIED_MIN_LINES such lines at
# least. Ragged wrapping spreads line ends over a dozen columns: on 77 READMEs and 17 licences
# under /usr/share/doc the most common end holds 0.09-0.33 of the long lines (MPL-2.0: 0.27);
# on 11 man pages 0.39 (ls) to 0.83.
JUSTIFIED_SHARE = 0.35
JUSTIFIED_MIN_LINES = 20
# A line ending at that margin, of this many words or more, whose gaps are this wide at most, is
# prose widened to fill the line, not a table row (man pages widen gaps to 2 or 3 spaces).
JUSTIFIED_MIN_WORDS = 6
JUSTIFIED_MAX_GAP = 3
_WIDE_GAP_RE = re.compile(r"\S {%d,}\S|\t" % (JUSTIFIED_MAX_GAP + 1))

# Bullets and numbers that open a list entry: "- ", "* ", "• ", "1. ", "2) ", "a) ".
_BULLET_RE = re.compile(r"[-*+•·▪◦‣●○■□►▸–—](?=\s)|\d{1,3}[.)](?=\s)|[a-zA-Z][.)](?=\s)")
# Bullets dropped from an entry's text. A line opened by an en or em dash is a line of its
# own too, but its dash stays: it is dialogue or an attribution ("— Jane Doe, 2019"), not a bullet.
_BULLET_SYMBOLS = "-*+•·▪◦‣●○■□►▸"
# Marks no writer puts in a sentence: a line they open is a list entry, even the only one (a dash,
# a number or an initial at a wrapped line's start may be prose: "— and so", "J. R. R. Tolkien").
_LIST_ONLY_MARKS = "*+•·▪◦‣●○■□►▸"
ATX_MAX_INDENT = 4  # CommonMark: an ATX heading is indented 0-3 spaces
_ATX_HEADING_RE = re.compile(r"(#{1,6})\s+(\S.*)")
_SETEXT_RE = re.compile(r"(?:=+|-+)")
_COLUMN_GAP = "  "  # two spaces between cells of a table laid out with spaces
# Two spaces or more after a full stop: typewriter spacing between sentences (a licence's "this
# License.  You must supply a copy of this License.  If the work"), not a gap between cells. Not
# after "?": "Was this answer helpful?   Yes (184)   No (12)" is a row of buttons.
_STOP_GAP_RE = re.compile(r"(?<=\.) {2,}")
_TERMINAL = ".!?:;。！？"
_CLOSERS = "\"')]’”»"  # closing marks after a final stop: 'he said "Go."' ends a sentence


def read(text: str) -> list[Block]:
    """The blocks of a plain-text file in order."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")]
    sizes = [len(line.lstrip()) for line in lines]  # each line's length stripped (0: a blank line)
    width = _wrap_width(sizes)
    margin = _justified_margin(lines)
    blocks: list[Block] = []
    indents: list[int] = []  # each block's indent: its first line's
    group: list[str] = []
    for line, size in zip(lines + [""], sizes + [0]):
        if size:
            group.append(line)
        elif group:
            for block, indent in _group_blocks(group, width, margin):
                blocks.append(block)
                indents.append(indent)
            group = []
    return _mark_headings(*_indented_structure(blocks, indents))


def _wrap_width(sizes: list[int]) -> int:
    """The column the file is wrapped at, or 0 when it is not hard-wrapped (sizes: its lines' stripped lengths)."""
    inner = [a for a, b in zip(sizes, sizes[1:]) if a and b]
    lengths = sorted(size for size in sizes if size)
    if len(inner) < MIN_WRAPPED_LINES or not lengths:
        return 0
    width = lengths[min(len(lengths) - 1, int(WIDTH_PERCENTILE * len(lengths)))]
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return 0
    full = sum(1 for n in inner if n >= (1 - WRAP_SLACK_SHARE) * width)
    return width if full >= WRAP_FULL_SHARE * len(inner) else 0


def _justified_margin(lines: list[str]) -> int:
    """The column a justified file's lines end at (man pages as `man -P cat` renders them,
    text filled by an editor's justify), or 0: the one length that many of its distinct lines have."""
    # Distinct lines: a caption repeated under every picture of a gallery is no margin.
    lengths = Counter(len(line) for line in set(lines) if len(line) >= MIN_WRAP_WIDTH)
    long = sum(lengths.values())
    if long < JUSTIFIED_MIN_LINES:
        return 0
    margin, count = lengths.most_common(1)[0]
    return margin if count >= JUSTIFIED_SHARE * long else 0


def _kind_of(stripped: str, justified: bool = False) -> Kind:
    """The kind of block a line opens (the line stripped; justified: it ends at the margin of a
    justified file, where spaces widened to fill the line are no gaps between cells)."""
    if _BULLET_RE.match(stripped):
        return Kind.ITEM
    if _is_row(stripped) and not (justified and _justified_gaps(stripped)):
        return Kind.ROW
    return Kind.PARAGRAPH


def _justified_gaps(line: str) -> bool:
    """Gaps as justifying leaves them in a line of prose: words, and runs of at most
    JUSTIFIED_MAX_GAP spaces between them."""
    return len(line.split()) >= JUSTIFIED_MIN_WORDS and _WIDE_GAP_RE.search(line) is None


def _is_row(line: str) -> bool:
    """A table row: cells split by pipes or by wide gaps of spaces or tabs, and short."""
    if len(line) > ROW_MAX_CHARS:
        return False
    if line.count("|") >= 2 or (line.startswith("|") and line.endswith("|")):
        return True
    if "\t" in line:
        return True
    if _COLUMN_GAP in line:
        line = _STOP_GAP_RE.sub(" ", line)  # two spaces after a full stop end a sentence, not a cell
    return line.count(_COLUMN_GAP) >= 2 and len(line.split()) >= 3 and _gapped_cells(line) >= 3


def _gapped_cells(line: str) -> int:
    return sum(1 for cell in line.split(_COLUMN_GAP) if cell.strip())


def _first_word(line: str) -> str:
    parts = line.split(None, 1)
    return parts[0] if parts else ""


def _indent(line: str) -> int:
    """The column a line's text starts at (a tab to the next multiple of 8, as terminals show it)."""
    return len(line) - len(line.lstrip()) if "\t" not in line else len(line.expandtabs()) - len(line.expandtabs().lstrip())


def _group_blocks(group: list[str], width: int, margin: int = 0) -> list[tuple[Block, int]]:
    """The blocks of one run of non-blank lines, each with its indent."""
    if len(group) == 2 and _SETEXT_RE.fullmatch(group[1].strip()) and len(group[0].split()) <= HEADING_MAX_WORDS:
        return [(Block(Kind.HEADING, group[0].strip(), level=1 if group[1].strip()[0] == "=" else 2), _indent(group[0]))]
    out: list[tuple[Block, int]] = []
    current: list[str] = []  # the block's lines so far, stripped
    kind = Kind.PARAGRAPH
    indent = 0  # the block's first line's

    def flush() -> None:
        if current:
            text = _joined(current) if len(current) > 1 else current[0]
            out.append((Block(kind, _unbullet(text) if kind is Kind.ITEM else text), indent))
            current.clear()

    # Marks that open two lines of the run or more: a list's. A mark that opens one line alone in a
    # hard-wrapped file ("— and they can be very hard to resist.", "J. R. R. Tolkien") is prose
    # that the wrap put at a line's start: that line may continue the one before it, unless the
    # mark is a list's only (_LIST_ONLY_MARKS) or the line before announces it with a colon.
    marks = Counter(_mark(line.strip()) for line in group) if width > 0 else Counter()
    previous = 0  # the previous line's stripped length (0 after a heading)
    filled = False  # the previous line ends at a justified file's margin
    for line in group:
        stripped = line.strip()
        # A "#" line indented 4 or more is no heading, as in Markdown: a comment in a block of code
        # ("# this is a comment" in a man page's example file, "#!/bin/sh").
        heading = _ATX_HEADING_RE.fullmatch(stripped) if stripped[:1] == "#" and _indent(line) < ATX_MAX_INDENT else None
        if heading:
            flush()
            out.append((Block(Kind.HEADING, heading.group(2).rstrip("#").strip(), level=len(heading.group(1))), _indent(line)))
            previous, filled = 0, False
            continue
        line_kind = _kind_of(stripped, justified=margin > 0 and len(line) == margin)
        # An indented line under a list entry continues it, as in Markdown.
        continues_item = kind is Kind.ITEM and line[:1] in (" ", "\t") and line_kind is Kind.PARAGRAPH
        prose = line_kind is Kind.PARAGRAPH or line_kind is Kind.ITEM and marks[_mark(stripped)] == 1 and (
            stripped[0] not in _LIST_ONLY_MARKS and not (current and current[-1].endswith(":")))
        # A line that ends at a justified file's margin was filled: the next line goes on with it.
        wrapped = bool(current) and kind is not Kind.ROW and prose and (continues_item or filled or (
            width > 0 and (previous + 1 + len(_first_word(stripped)) > width or _broken_sentence(current[-1], stripped))))
        if not wrapped:
            flush()
            kind, indent = line_kind, _indent(line)
        current.append(stripped)
        previous = len(stripped)
        filled = margin > 0 and len(line) == margin
    flush()
    return out


# groff (`man -P cat`) breaks a word at a line's end with U+2010 HYPHEN, and writes a word's own
# hyphens as "-": a line ending in U+2010 between letters of one case is one word broken in two
# ("speci‐" "fied", "EXE‐" "CUTION").
_SOFT_BREAK_RE = re.compile("(?<=[a-z])\u2010 (?=[a-z])|(?<=[A-Z])\u2010 (?=[A-Z])")


def _joined(lines: list[str]) -> str:
    """A block's wrapped lines (stripped) as one text: a space between lines, none where a word was broken."""
    text = " ".join(lines)
    return _SOFT_BREAK_RE.sub("", text) if "\u2010" in text else text


def _mark(line: str) -> str:
    """The kind of list mark a line (stripped) opens with: its bullet ("-", "•", "—"), "1." or "1)"
    for any number, "a." or "a)" for any letter; "" for none."""
    found = _BULLET_RE.match(line)
    if not found:
        return ""
    mark = found.group()
    return ("1" if mark[0].isdigit() else "a") + mark[-1] if mark[0].isalnum() else mark


def _broken_sentence(line: str, after: str) -> bool:
    """Whether a sentence runs on from one line of a hard-wrapped file to the next (both stripped): a
    line of prose without a sentence's final stop, and a next line that starts in lower case."""
    return len(line) >= BROKEN_LINE_MIN_CHARS and line.rstrip(_CLOSERS)[-1:] not in _TERMINAL and after[:1].islower()


def _unbullet(text: str) -> str:
    """A list entry without its bullet symbol (numbers, letters and dashes stay: they count)."""
    return text[1:].lstrip() if text and text[0] in _BULLET_SYMBOLS else text


def _mark_headings(blocks: list[Block], settled: list[bool]) -> list[Block]:
    """A short line without a final stop is a heading when a list, a table or a sentence follows it
    (unless the indentation said what it is: settled)."""
    out = list(blocks)
    for i, block in enumerate(blocks[:-1]):
        after = blocks[i + 1]
        if not settled[i] and block.kind is Kind.PARAGRAPH and _is_heading_like(block.text) and (
                after.kind in (Kind.ITEM, Kind.ROW) or after.kind is Kind.PARAGRAPH
                and after.text.rstrip()[-1:] in _TERMINAL and len(after.text.split()) >= len(block.text.split())):
            out[i] = Block(Kind.HEADING, block.text, level=2, inferred=True)
    return out


def _is_heading_like(text: str) -> bool:
    """A short line alone between blank lines, without a sentence's final stop."""
    return (0 < len(text.split()) <= HEADING_MAX_WORDS and len(text) <= HEADING_MAX_CHARS
            and text[-1] not in _TERMINAL and not text.endswith(","))



# Indentation as structure (man pages, RFCs, pydoc, text laid out by hand). A short line that the
# next block sits deeper than introduces it. The file's body column is the least indent its prose
# sits at (paragraphs that introduce nothing); an introducer left of it is a heading (a man page's
# "NAME" at column 0 over text at 7, its "Exit status:" at 3, an RFC's "1.  Introduction" at 0 over
# text at 3), one at the body column or right of it is a term whose definition follows ("-a, --all"
# at 7 over "do not ignore ..." at 14). The shape must repeat, as a document's sections and a list's
# terms do: this many introducers left of the body, this many terms at one column; one short line
# over an indented block is a label over code or a quote, read as before.
INDENT_MIN_INTRODUCERS = 2
# Text one column deeper than a line is folded onto it (a Debian copyright file's "Copyright:" over
# " 2004 A. Author", a mail header's continuation); two columns is how a page dumped as text
# (resiliparse) nests its menus' lists. Documents laid out by indentation step by 3 at least: man
# pages by 3 to 7, RFCs by 3, pydoc by 4.
INDENT_MIN_STEP = 3
INDENT_MIN_PROSE = 2  # paragraphs at a column that make it the body's: one stray line does not


def _indented_structure(blocks: list[Block], indents: list[int]) -> tuple[list[Block], list[bool]]:
    """Blocks with indentation read as structure: headings left of the body column, and each term of
    a definition list joined to the definition it opens, as one block (the term opens its passage).
    With each block, whether this settled what it is (a term with its definition is no heading)."""
    if len(set(indents)) < 2:
        return blocks, [False] * len(blocks)
    deeper = [b >= a + INDENT_MIN_STEP for a, b in zip(indents, indents[1:])] + [False]
    # A numbered line may be a section's heading ("1.  Introduction"); a bulleted one is a list's entry.
    labels = [deeper[i] and (block.kind is Kind.PARAGRAPH or block.kind is Kind.ITEM and _mark(block.text)[:1] == "1")
              and _is_label(block.text) for i, block in enumerate(blocks)]
    prose = Counter(indent for block, indent, label in zip(blocks, indents, labels)
                    if block.kind is Kind.PARAGRAPH and not label and not _is_heading_like(block.text))
    body = min((column for column, count in prose.items() if count >= INDENT_MIN_PROSE), default=None)
    if body is None:
        return blocks, [False] * len(blocks)
    left = body - INDENT_MIN_STEP  # headings stand this far left of the body at least
    columns = sorted({indent for indent, label in zip(indents, labels) if label and indent <= left})
    headings = sum(1 for indent, label in zip(indents, labels) if label and indent <= left)
    # Terms in a document whose body is indented: where prose starts at column 0, a short line over
    # an indented block is a page's heading over its list (a page dumped as text), as before.
    terms = Counter(indent for block, indent, label in zip(blocks, indents, labels)
                    if label and indent >= body >= INDENT_MIN_STEP and _is_term(block))
    out: list[Block] = []
    settled: list[bool] = []
    skip = False  # the block was joined to the term before it
    for i, block in enumerate(blocks):
        if skip:
            skip = False
            continue
        if labels[i] and indents[i] <= left and headings >= INDENT_MIN_INTRODUCERS:
            out.append(Block(Kind.HEADING, block.text, level=1 + columns.index(indents[i]), inferred=True))
            settled.append(True)
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if (labels[i] and terms[indents[i]] >= INDENT_MIN_INTRODUCERS and _is_term(block)
                and after.kind is Kind.PARAGRAPH and not labels[i + 1]):
            out.append(block.with_text(block.text + " " + after.text))
            settled.append(True)
            skip = True
            continue
        out.append(block)
        # A document that sets its headings left of its body sets none in it: a short line there is a
        # label, a line of an example, a term alone ("# this is a comment" in a man page's example).
        # And in a document whose prose is indented, a line over a shallower block introduces nothing:
        # it ends the deeper passage it sits in (an example under an option, over its last sentence).
        settled.append(headings >= INDENT_MIN_INTRODUCERS and indents[i] >= body
                       or body >= INDENT_MIN_STEP and after is not None and indents[i + 1] < indents[i])
    return out, settled


def _is_term(block: Block) -> bool:
    """A line that may be a definition list's term: a heading's shape, a word in it, its brackets
    closed (a line of code over the lines it opens, "END {", "while (a &&", is no term)."""
    text = block.text
    return (block.kind is Kind.PARAGRAPH and _is_heading_like(text) and any(c.isalnum() for c in text)
            and _brackets_closed(text))


def _brackets_closed(text: str) -> bool:
    """Every bracket of the line closed in order, within it ("--color[=WHEN]", not "}).listen(0, () => {")."""
    opened: list[str] = []
    for c in text:
        if c in "([{":
            opened.append(c)
        elif c in ")]}" and (not opened or "([{"[")]}".index(c)] != opened.pop()):
            return False
    return not opened


def _is_label(text: str) -> bool:
    """A short line that may name what follows it: a heading's shape, or a label's ("Exit status:")."""
    return _is_heading_like(text) or _is_heading_like(text[:-1]) and text.endswith(":")
