"""Markdown -> (front matter, blocks), parsed by a CommonMark parser (markdown-it-py).

Headings, paragraphs, list items, table rows and code blocks come from the parse
tree, so wrapped lines, emphasis, links and images read as the text a person sees;
a heading, paragraph or list entry written all in code spans is marked as code (Block.code).
List entries carry the list they belong to (Block.list_id) and every block the share of
its visible text inside links (Block.link_share) and whether a link leads to a path of the
page's own site (Block.site_links): structure a writer gave the text, which plain text can
only guess.
YAML front matter (between `---` lines at the top) gives the title and metadata; its
lines are never passages. Raw HTML blocks keep their text without the tags.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..blocks import Block, Kind

FRONT_MATTER_MAX_LINES = 200  # a longer "front matter" is a document that starts with a rule
# How deep the parser nests blocks and inline markup (a list in a list item is two levels, a
# quote one): CommonMark's preset, 20. markdown-it drops everything after a block nested past
# it, to the end of the file (a list nested 10 deep lost every later heading and paragraph), so
# such a file is read as plain text (readers.text), which loses nothing. A higher limit costs
# every run of "[" time in proportion to it (100: 100 KB of "[" 0.9 -> 3.8 s).
MAX_NESTING = 20
_FRONT_KEY_RE = re.compile(r"([A-Za-z_][\w-]{0,40})\s*:\s*(.*)")
_TAG_RE = re.compile(r"<[^<>]{0,2000}>")


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import image, link

    parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table")
    parser.inline.ruler.at("link", _closable(link))
    parser.inline.ruler.at("image", _closable(image))
    return parser


def _closable(rule):
    """`rule` (link or image) tried only where a "]" follows: a bracket with none after it in
    the paragraph opens no link, and markdown-it spends about 20 scanning steps on each such
    bracket before it gives up (100 KB of "![" took 1.8 s). The output is the same.

    The position of the paragraph's last "]" is kept on the parse's own state, never beside the
    parser: the parser is shared by threads (the page's requests, a Dask worker's tasks)."""

    def guarded(state, silent: bool) -> bool:
        last = getattr(state, "winnow_last_close", None)  # (the paragraph, the position of its last "]")
        if last is None or last[0] is not state.src:
            last = state.winnow_last_close = (state.src, state.src.rfind("]"))
        if state.pos > last[1]:
            return False
        return rule(state, silent)

    return guarded


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """(metadata, body): `key: value` pairs of a leading `---` block, and the text after it."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n", FRONT_MATTER_MAX_LINES + 1)
    if lines[0].strip() != "---":
        return {}, text
    for end in range(1, min(len(lines), FRONT_MATTER_MAX_LINES + 1)):
        if lines[end].strip() in ("---", "..."):
            meta = {}
            for line in lines[1:end]:
                match = _FRONT_KEY_RE.fullmatch(line.strip())
                if match and match.group(2):
                    meta[match.group(1).lower()] = match.group(2).strip().strip("'\"")
            rest = "\n".join(lines[end + 1:]) if end + 1 < len(lines) else ""
            return meta, rest
    return {}, text


def read(text: str) -> tuple[dict[str, str], list[Block]]:
    """(front matter, blocks in order) of a Markdown file."""
    meta, body = front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    tokens = _parser().parse(body)
    if any(token.level >= MAX_NESTING - 1 for token in tokens):  # the parser skipped what lies deeper
        from . import text as plain

        return meta, plain.read(body)
    blocks: list[Block] = []
    in_item = 0
    lists: list[int] = []  # the open lists, innermost last
    list_count = 0
    row: list[str] = []
    heading_level = 0
    in_cell = False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(list_count)
            list_count += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            in_item += 1
        elif kind == "list_item_close":
            in_item -= 1
        elif kind == "heading_open":
            heading_level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
        elif kind == "heading_close":
            heading_level = 0
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("open")
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if any(row):
                blocks.append(Block(Kind.ROW, " | ".join(row)))
        elif kind == "inline":
            text_, linked, site = _inline_text(token)
            if in_cell:
                row.append(text_)
            elif heading_level:
                if text_:
                    blocks.append(Block(Kind.HEADING, text_, level=heading_level, link_share=linked,
                                        code=_all_code(token), site_links=site))
            elif text_:
                code = _all_code(token)
                for part in _notes(token.children or ()):
                    if part is not None:  # each note of a list of notes, as written one a line
                        text_, linked, site = _children_text(part)
                        if not text_:
                            continue
                    blocks.append(Block(Kind.ITEM if in_item else Kind.PARAGRAPH, text_, link_share=linked,
                                        code=code, list_id=lists[-1] if in_item and lists else -1,
                                        site_links=site))
        elif kind in ("fence", "code_block"):
            code = token.content.strip("\n")
            if code.strip():
                blocks.append(Block(Kind.CODE, code))
        elif kind == "html_block":
            stripped = " ".join(_TAG_RE.sub(" ", token.content).split())
            if stripped:
                blocks.append(Block(Kind.PARAGRAPH, stripped))
    return meta, blocks


def _all_code(token) -> bool:
    """Whether every visible part of an inline token is a code span (`a > b`): code its writer
    marked, kept as written like a code block (a list of selectors, commands or options)."""
    parts = [c for c in token.children or () if c.type not in ("softbreak", "hardbreak")
             and not (c.type == "text" and not c.content.strip())]
    return bool(parts) and all(c.type == "code_inline" for c in parts)


# A note's label opening a line: "[^1]: text" (a footnote), "[2] text" (a reference).
_NOTE_LABEL_RE = re.compile(r"\[\^?[^\[\]\s]{1,20}\]:?[ \t]")


def _notes(children: list) -> list:
    """[None] for a paragraph read whole; for notes written one a line with no blank line between
    ("[^1]: a" over "[^2]: b", which CommonMark without footnotes reads as one paragraph), the inline
    children of each note: joined, every label after the first was a citation mark in a sentence, and went."""
    if not (children and children[0].type == "text" and _NOTE_LABEL_RE.match(children[0].content)):
        return [None]
    parts: list[list] = [[]]
    for k, child in enumerate(children):
        if (child.type in ("softbreak", "hardbreak") and k + 1 < len(children) and children[k + 1].type == "text"
                and _NOTE_LABEL_RE.match(children[k + 1].content)):
            parts.append([])
        else:
            parts[-1].append(child)
    return parts if len(parts) > 1 else [None]


def _inline_text(token) -> tuple[str, float, bool]:
    """(the visible text of an inline token, the share of its characters inside links, whether a link
    leads to a path of the site the page is on): emphasis and link markup dropped, images too."""
    return _children_text(token.children or ())


def _children_text(children) -> tuple[str, float, bool]:
    """_inline_text of a run of an inline token's children."""
    parts: list[str] = []
    in_link = linked = shown = 0
    site = False
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
            size = len(child.content.strip())
            shown += size
            linked += size if in_link else 0
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "link_open":
            in_link += 1
            site = site or _site_path(child.attrGet("href") or "")
        elif child.type == "link_close":
            in_link = max(0, in_link - 1)
    return " ".join("".join(parts).split()), linked / shown if shown else 0.0, site


def _site_path(href: str) -> bool:
    """Whether a link leads to a path of the site the page is on ("/about", "/news/2024"): a web
    page's navigation. An address ("https://...", "//cdn..."), an anchor in the document ("#usage")
    and a file beside it ("CONTRIBUTING.md") are references its writer gave."""
    return href.startswith("/") and not href.startswith("//")
