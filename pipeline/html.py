"""Placeholder HTML extraction (replaced by the main-content extractor)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    level: int = 0


def html_to_blocks(html: str) -> tuple[str, list[Block]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"]):
        tag.decompose()
    blocks = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td"]):
        text = el.get_text(" ", strip=True)
        if text:
            if el.name[0] == "h":
                blocks.append(Block("heading", text, int(el.name[1])))
            else:
                blocks.append(Block("paragraph", text))
    return title, blocks
