"""HTML -> (title, blocks): the page's main content, found by trafilatura and pipeline.html."""

from __future__ import annotations

from ..blocks import Block, Kind


def read(html: str) -> tuple[str, list[Block]]:
    """(page title, main-content blocks in order). Never raises on bad HTML."""
    from ..html import html_to_blocks  # lxml and trafilatura only when a page needs them

    title, found = html_to_blocks(html)
    kinds = {"heading": Kind.HEADING, "code": Kind.CODE}
    blocks = [Block(kinds.get(b.kind, Kind.PARAGRAPH), b.text, level=b.level, comments=b.comments) for b in found]
    return title, blocks
