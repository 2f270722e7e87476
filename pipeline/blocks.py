"""Typed blocks: what every reader produces and every cleaning pass judges.

A reader turns one format into a flat list of blocks in document order (headings,
paragraphs, list items, table rows, code); the cleaner gives each block a verdict
with its reason; `assemble` turns the kept blocks back into a Document.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    """What a block is on the page (from markup, or from the shape of plain text)."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    ITEM = "item"  # a list entry
    ROW = "row"  # a table row, cells joined with " | "
    CODE = "code"  # a code block: kept as written, never judged
    SENTENCE = "sentence"  # one sentence of a run-together paragraph, judged on its own


@dataclass(frozen=True)
class Block:
    """One unit of a page, as a reader found it."""

    kind: Kind
    text: str
    level: int = 0  # 1..6 for headings
    link_share: float = 0.0  # share of the visible text inside links (Markdown; a feature of the scorers, and few_links)
    run: int = -1  # for SENTENCE blocks: the index of the paragraph they came from
    comments: bool = False  # the page's comment section (HTML: trafilatura's comments)
    code: bool = False  # Markdown: every word of it is inline code (`parent > child`), as its writer marked it
    # Markdown: the list a list entry belongs to, numbered in the file (-1: none, or unknown:
    # plain text's bullets are guessed from the shape of lines)
    list_id: int = -1
    # Markdown: it links to a path of the page's own site ("/about", not "https://..." nor "#usage"),
    # as a site's menus and footers do
    site_links: bool = False
    # Plain text: a heading guessed from the shape of a line (short, no final stop), not marked by its
    # writer (`#`, an underline): the line may be what the text says (a note's first line), so it stays text
    inferred: bool = False
    # A run's part: written right after the part before it, no space between (the second "!" of "that!!")
    glued: bool = False

    def with_text(self, text: str) -> "Block":
        return Block(self.kind, text, self.level, self.link_share, self.run, self.comments, self.code,
                     self.list_id, self.site_links, self.inferred, self.glued)


@dataclass(frozen=True)
class Verdict:
    """A cleaning decision and why: the pass that decided, and its reason in words."""

    keep: bool
    by: str  # the pass: "reader", "empty", "model", "vocabulary", "trusted", ...
    reason: str
    score: float | None = None  # the model's probability of content, where it judged
