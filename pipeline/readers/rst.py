"""reStructuredText -> blocks, by the shape of its lines (no docutils: a small subset read well).

Section titles (a line underlined, or over- and underlined, with one punctuation character
repeated) are headings, their level the order in which each style first appears, as docutils
ranks them. Paragraphs join their lines; bullet and enumerated list entries are items; a
literal block (after a paragraph ending in "::", or a code-block directive) and a doctest
block are code, kept as written; grid and simple tables are rows; a directive's content
(a note, a warning, a figure's caption) is read as text, while comments, link targets,
substitution definitions and directives that hold no text (a table of contents, an image,
raw markup) are left out. Inline markup reads as the text a person sees: ``code``,
*emphasis*, `a link <https://...>`_ and :role:`text` lose their marks.
"""

from __future__ import annotations

import re

from ..blocks import Block, Kind

HEADING_MAX_LEVEL = 6
# Blocks nested deeper than this (a quote in a list in a note...) are read as plain paragraphs: each
# level is a call and a copy of its lines, and a file of 1,000 ever more indented lines would
# otherwise cost 1,000 copies of itself and overflow the stack. docutils documents nest a few levels.
MAX_DEPTH = 20
# A section title's adornment: one of these characters repeated (docutils takes any printable
# non-alphanumeric ASCII character), at least this many times.
_ADORNMENT_CHARS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
ADORNMENT_MIN = 2
SHORT_UNDERLINE = 4
_BULLET_RE = re.compile(r"([-*+•‣⁃])( +|$)")
_ENUM_RE = re.compile(r"(\(?(?:\d{1,9}|#|[a-zA-Z]|[ivxlcdmIVXLCDM]{1,6})[.)])( +|$)")
_FIELD_RE = re.compile(r":([^:`\s][^:`]{0,80}):(?: +(.*)|$)")
_DIRECTIVE_RE = re.compile(r"\.\. +([\w:+-]{1,60})::(.*)")
_FOOTNOTE_RE = re.compile(r"\.\. +\[[^\]]{1,40}\] *(.*)")
_OPTION_RE = re.compile(r":[\w -]+:")
# Directives whose content is code, kept as written; and those whose content is no text of the document.
_CODE_DIRECTIVES = frozenset(("code", "code-block", "sourcecode", "highlight", "doctest", "testcode", "math"))
_HIDDEN_DIRECTIVES = frozenset(("toctree", "contents", "image", "include", "literalinclude", "raw", "meta",
                                "highlight", "index", "sectnum", "autosummary", "automodule", "autoclass",
                                "autofunction", "only", "ifconfig", "tabularcolumns", "csv-table"))
# Directives whose argument is a title the reader sees; others' (a version, a command, a file) are not text.
_TITLED_DIRECTIVES = frozenset(("admonition", "topic", "sidebar", "rubric", "tab"))
_ADMONITIONS = frozenset(("note", "warning", "tip", "important", "caution", "danger", "error", "hint",
                          "attention", "seealso"))
_GRID_BORDER_RE = re.compile(r"\+(?:[-=]+\+)+")
_SIMPLE_BORDER_RE = re.compile(r"=+(?: +=+)+|=+")

# Inline markup, outermost first: a role's text, a link's text, literals, emphasis, references.
_ROLE_RE = re.compile(r":[\w:+.-]{1,40}:`([^`]*)`|`([^`]*)`:[\w:+.-]{1,40}:")
_LINK_RE = re.compile(r"`([^`<]*)<[^`>]*>`__?")
INLINE_MAX_CHARS = 200  # an inline span (``code``, *emphasis*) is looked for this far: linear time on a line of "*a "
_LITERAL_RE = re.compile(r"``(.{1,%d}?)``" % INLINE_MAX_CHARS)
_INTERPRETED_RE = re.compile(r"`([^`]+)`_{0,2}")
_STRONG_RE = re.compile(r"\*\*(\S(?:.{0,%d}?\S)?)\*\*" % INLINE_MAX_CHARS)
_EMPHASIS_RE = re.compile(r"(?<![\w*])\*(\S(?:.{0,%d}?\S)?)\*(?![\w*])" % INLINE_MAX_CHARS)
_FOOTNOTE_REF_RE = re.compile(r" ?\[(?:#?\w*|\*)\]_")
_REFERENCE_RE = re.compile(r"\b(\w+)__?(?!\w)")
_SUBSTITUTION_RE = re.compile(r"\|(\S(?:[^|]{0,%d}?\S)?)\|(?:__?)?" % INLINE_MAX_CHARS)
_ROLE_TARGET_RE = re.compile(r"<[^<>]*>$")
# Where inline() puts the text of a span it shows as written while it reads the markup around it.
_KEPT_MARK = "\x00"
_KEPT_RE = re.compile(r"\x00(\d+)\x00")


def read(text: str) -> list[Block]:
    """The blocks of a reStructuredText document, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(8).split("\n")
    blocks: list[Block] = []
    _body([line.rstrip() for line in lines], blocks, styles=[], depth=0)
    return blocks


def _role_title(shown: str) -> str:
    """A role's text as Sphinx shows it: "~a.b.C" as "C" (its last dotted part), "!name" as "name"."""
    if len(shown) > 1 and shown[0] == "~":
        return shown[1:].rsplit(".", 1)[-1] or shown[1:]
    if len(shown) > 1 and shown[0] == "!":
        return shown[1:]
    return shown


def inline(text: str) -> str:
    """The visible text of a line of reStructuredText: markup dropped, spaces collapsed. The text of
    a role, a link, a literal and interpreted text is shown as written: no markup is read inside it
    (``__init__`` lost an underscore to the reference rule, ``C:\\dir`` its backslash)."""
    kept: list[str] = []

    def keep(shown: str) -> str:
        kept.append(shown)
        return f"{_KEPT_MARK}{len(kept) - 1}{_KEPT_MARK}"

    def role(match: re.Match) -> str:
        shown = match.group(1) if match.group(1) is not None else match.group(2)
        return keep(_role_title(_ROLE_TARGET_RE.sub("", shown).rstrip() or shown))  # :ref:`Title <label>` -> Title

    text = text.replace(_KEPT_MARK, "")  # a control character: no text (the cleaner drops them)
    text = _ROLE_RE.sub(role, text)
    text = _LINK_RE.sub(lambda m: keep(m.group(1).rstrip() or m.group(0)[1:].split(">")[0].lstrip("<")), text)
    text = _LITERAL_RE.sub(lambda m: keep(m.group(1)), text)
    text = _INTERPRETED_RE.sub(lambda m: keep(m.group(1)), text)
    text = _STRONG_RE.sub(r"\1", text)
    text = _EMPHASIS_RE.sub(r"\1", text)
    text = _FOOTNOTE_REF_RE.sub("", text)
    text = _REFERENCE_RE.sub(r"\1", text)
    text = _SUBSTITUTION_RE.sub(r"\1", text)
    text = text.replace("\\ ", "").replace("\\", "")
    if kept:
        text = _KEPT_RE.sub(lambda m: kept[int(m.group(1))], text)
    return " ".join(text.split())


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_adornment(line: str) -> bool:
    return (len(line) >= ADORNMENT_MIN and line[0] in _ADORNMENT_CHARS and line == line[0] * len(line))


def _indented_block(lines: list[str], start: int, min_indent: int) -> int:
    """The end of the block of lines from start indented more than min_indent (blank lines inside)."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > min_indent):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _dedented(lines: list[str]) -> list[str]:
    indent = min((_indent(line) for line in lines if line.strip()), default=0)
    return [line[indent:] for line in lines]


def _level(styles: list, style: tuple) -> int:
    if style not in styles:
        styles.append(style)
    return min(styles.index(style) + 1, HEADING_MAX_LEVEL)


def _body(lines: list[str], out: list[Block], styles: list, depth: int) -> None:
    """Read lines (dedented to their block's own indent) into out."""
    if depth > MAX_DEPTH:
        paragraph: list[str] = []
        for line in lines + [""]:
            if line.strip():
                paragraph.append(line.strip())
            elif paragraph:
                out.append(Block(Kind.PARAGRAPH, inline(" ".join(paragraph))))
                paragraph = []
        return
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        indent = _indent(line)
        if indent:  # a block quote (or stray indented text): its content read as text
            end = _indented_block(lines, i, 0)
            _body(_dedented(lines[i:end]), out, styles, depth + 1)
            i = end
            continue
        following = lines[i + 1] if i + 1 < n else ""
        # 1. Section titles: overline + title + underline, or title + underline; a lone adornment
        #    between blank lines is a transition.
        if _is_adornment(line) and i + 2 < n and lines[i + 2].strip() == line and lines[i + 1].strip():
            out.append(Block(Kind.HEADING, inline(lines[i + 1]), level=_level(styles, (line[0], True))))
            i += 3
            continue
        if _is_adornment(line) and len(line) >= 4 and not following.strip():
            i += 1
            continue
        #    An underline shorter than its title and than SHORT_UNDERLINE is text, as docutils reads it
        #    ("yields" over "::" opens a literal block).
        if _is_adornment(following.strip()) and following == following.strip() and not _is_adornment(line) \
                and (len(following) >= SHORT_UNDERLINE or len(following) >= len(line)) \
                and not _GRID_BORDER_RE.fullmatch(line) and not _SIMPLE_BORDER_RE.fullmatch(line):
            title = inline(line)
            if title:
                out.append(Block(Kind.HEADING, title, level=_level(styles, (following[0], False))))
            i += 2
            continue
        # 2. Explicit markup: directives, comments, link targets, footnotes.
        if stripped.startswith(".. ") or stripped == "..":
            end = _indented_block(lines, i + 1, 0)
            _explicit(lines[i], lines[i + 1:end], out, styles, depth)
            i = end
            continue
        # 3. Tables.
        if _GRID_BORDER_RE.fullmatch(stripped):
            i = _grid_table(lines, i, out)
            continue
        if _SIMPLE_BORDER_RE.fullmatch(stripped) and " " in stripped:
            i = _simple_table(lines, i, out)
            continue
        # 4. Doctest blocks.
        if stripped.startswith(">>> "):
            end = i
            while end < n and lines[end].strip():
                end += 1
            out.append(Block(Kind.CODE, "\n".join(lines[i:end])))
            i = end
            continue
        # 5. List entries, fields and line blocks: the entry's own line and the lines indented under it.
        #    An enumerator opens an entry only if the line after it is blank, indented or another
        #    entry's, as docutils reads it: "A. Einstein was a really" over "smart dude." is a paragraph.
        bullet = _BULLET_RE.match(line)
        marker = bullet or _ENUM_RE.match(line)
        ends = not following.strip() or _indent(following) > 0
        if marker and (ends or marker.group(2) and (bullet or _ENUM_RE.match(following))):
            width = len(marker.group(0)) if marker.group(2) else _indent(following) or 2
            end = _indented_block(lines, i + 1, width - 1)
            _item([line[len(marker.group(0)):]] + _dedented(lines[i + 1:end]), out, styles, depth)
            i = end
            continue
        field = _FIELD_RE.match(line)
        if field:
            end = _indented_block(lines, i + 1, 0)
            value = inline(" ".join([field.group(2) or ""] + [x.strip() for x in lines[i + 1:end]]))
            out.append(Block(Kind.PARAGRAPH, f"{inline(field.group(1))}: {value}" if value else inline(field.group(1))))
            i = end
            continue
        # 6. A paragraph: lines up to a blank or a less indented one; a definition list's term.
        end = i + 1
        while end < n and lines[end].strip() and _indent(lines[end]) == 0 and not _is_adornment(lines[end]):
            end += 1
        if end < n and lines[end].strip() and _indent(lines[end]) > 0 and end == i + 1:
            # A term with its definition indented under it at once: one paragraph, "term: definition".
            close = _indented_block(lines, end, 0)
            definition: list[Block] = []
            _body(_dedented(lines[end:close]), definition, styles, depth + 1)
            term = inline(line)
            if definition and definition[0].kind is Kind.PARAGRAPH:
                definition[0] = definition[0].with_text(f"{term}: {definition[0].text}")
            else:
                definition.insert(0, Block(Kind.PARAGRAPH, term))
            out.extend(definition)
            i = close
            continue
        i = _paragraph(lines, i, end, out, Kind.PARAGRAPH)


def _paragraph(lines: list[str], start: int, end: int, out: list[Block], kind: Kind) -> int:
    """Add the paragraph lines[start:end] and the literal block its "::" opens; returns where to go on."""
    text = " ".join(line.strip() for line in lines[start:end])
    literal = text.endswith("::")
    if literal:
        text = text[:-2].rstrip() + (":" if text[-3:-2] not in (" ", "") else "")
    shown = inline(text)
    if shown:
        out.append(Block(kind, shown))
    if not literal:
        return end
    at = end
    while at < len(lines) and not lines[at].strip():
        at += 1
    close = _indented_block(lines, at, 0)
    if close > at:
        out.append(Block(Kind.CODE, "\n".join(_dedented(lines[at:close]))))
        return close
    quoted = at  # a quoted literal block: unindented lines that each start with the same mark
    while quoted < len(lines) and lines[quoted][:1] in _ADORNMENT_CHARS and lines[quoted][:1] == lines[at][:1] \
            and lines[quoted].strip():
        quoted += 1
    if quoted > at:
        out.append(Block(Kind.CODE, "\n".join(lines[at:quoted])))
        return quoted
    return at


def _item(lines: list[str], out: list[Block], styles: list, depth: int) -> None:
    """A list entry: its first paragraph is the item, what follows it (a nested list, more text) is read as body."""
    end = 1
    while end < len(lines) and lines[end].strip() and not (_BULLET_RE.match(lines[end]) or _ENUM_RE.match(lines[end])):
        end += 1
    lines = [line.strip() if k < end else line for k, line in enumerate(lines)]
    rest = _paragraph(lines, 0, end, out, Kind.ITEM)
    if rest < len(lines):
        _body(_dedented(lines[rest:]), out, styles, depth + 1)


def _explicit(first: str, content: list[str], out: list[Block], styles: list, depth: int) -> None:
    """A directive's text, a footnote's; nothing for a comment, a link target, a substitution."""
    head = first.strip()
    directive = _DIRECTIVE_RE.fullmatch(head)
    if directive is None:
        footnote = _FOOTNOTE_RE.fullmatch(head)
        if footnote:  # ".. [1] text": the note's text
            _body(_dedented([" " + footnote.group(1)] + content), out, styles, depth + 1)
        return  # a comment, a link target (".. _name: url"), a substitution (".. |name| image:: x")
    name, argument = directive.group(1).lower().split(":")[-1], directive.group(2).strip()
    body = _dedented(content)
    start = 0
    while start < len(body) and _OPTION_RE.match(body[start]):
        start += 1
    body = body[start:]
    if name in _CODE_DIRECTIVES:
        code = "\n".join(body).strip("\n")
        if code.strip():
            out.append(Block(Kind.CODE, code))
        return
    if name in _HIDDEN_DIRECTIVES or name == "figure" and not body:
        return
    if argument and name in _TITLED_DIRECTIVES:
        out.append(Block(Kind.PARAGRAPH, inline(argument)))
    elif argument and name in _ADMONITIONS:  # ".. note:: Text": the note's first line
        body = [argument] + body
    _body(body, out, styles, depth + 1)


def _grid_table(lines: list[str], start: int, out: list[Block]) -> int:
    """Rows of a grid table (+---+ borders, | cells); a row's lines joined cell by cell."""
    end = start
    while end < len(lines) and lines[end].strip()[:1] in ("+", "|"):
        end += 1
    cells: list[str] = []
    for line in lines[start:end] + ["+"]:
        stripped = line.strip()
        if stripped.startswith("+"):
            if any(cells):
                out.append(Block(Kind.ROW, " | ".join(inline(cell) for cell in cells)))
            cells = []
            continue
        parts = [part.strip() for part in stripped.strip("|").split("|")]
        cells = [(a + " " + b).strip() for a, b in zip(cells, parts)] + parts[len(cells):] if cells else parts
    return end


def _simple_table(lines: list[str], start: int, out: list[Block]) -> int:
    """Rows of a simple table (=== === borders); cells cut at the columns the border gives."""
    border = lines[start]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    end, borders = start + 1, 1
    while end < len(lines) and borders < 3:
        line = lines[end]
        if _SIMPLE_BORDER_RE.fullmatch(line.strip()) and line.strip()[:1] == "=":
            borders += 1
            end += 1
            if end < len(lines) and not lines[end].strip():
                break
            continue
        if not line.strip():
            end += 1
            continue
        if set(line.strip()) <= set("- "):
            end += 1
            continue
        cuts = [a for a, _ in spans[1:]] + [len(line)]
        cells = [line[a:b].strip() for (a, _), b in zip(spans, cuts)]
        if any(cells):
            out.append(Block(Kind.ROW, " | ".join(inline(cell) for cell in cells)))
        end += 1
    return end
