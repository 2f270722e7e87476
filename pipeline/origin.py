"""Where a saved page came from: the address it names for itself, so a citation can be checked.

A browser's "save page" keeps it in one of three places, tried in this order:
  1. `<!-- saved from url=(0042)https://... -->`, written by the browser that saved it:
     the address the reader actually had open;
  2. `<link rel="canonical" href="...">`, the address the site calls the page's own;
  3. `<meta property="og:url" content="...">`, the address it gives for sharing.
Only absolute http(s) addresses are kept: a page is untrusted, and a `javascript:` or
`data:` address must never become a link on the local page.
"""

from __future__ import annotations

import html
import re

# The head of a page is where these live; a saved page's head is rarely above a few KB,
# and bounding the look keeps a 8 MB page from costing more than its first part.
HEAD_CHARS = 256 * 1024
MAX_URL_CHARS = 2048  # longer is not an address a person checks

_SAVED_FROM_RE = re.compile(r"<!--\s*saved from url=\(\d{1,6}\)([^\s<>]{1,2048}?)\s*-->", re.I)
# Bounded repeats: a page of "<link<link<link..." costs linear time, never quadratic.
_TAG_RE = re.compile(r"<(link|meta)\b([^<>]{0,4096})>", re.I)
_ATTR_RE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]{0,64})\s*=\s*("[^"]{0,4096}"|'[^']{0,4096}'|[^\s"'>]{1,4096})""")
_HEAD_END_RE = re.compile(r"</head\s*>|<body\b", re.I)
_URL_RE = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"'`\\]{1,2040}", re.I)


def page_url(text: str) -> str | None:
    """The original address a saved HTML page names (saved-from comment, canonical link, og:url), or None."""
    head = text[:HEAD_CHARS]
    end = _HEAD_END_RE.search(head)
    if end:
        head = head[:end.start()]
    saved = _SAVED_FROM_RE.search(head)
    if saved and checked_url(saved.group(1)):
        return checked_url(saved.group(1))
    canonical = og = None
    for tag in _TAG_RE.finditer(head):
        attrs = {name.lower(): value.strip("\"'") for name, value in _ATTR_RE.findall(tag.group(2))}
        if tag.group(1).lower() == "link" and "canonical" in attrs.get("rel", "").lower().split():
            canonical = canonical or checked_url(attrs.get("href"))
        elif tag.group(1).lower() == "meta" and attrs.get("property", attrs.get("name", "")).lower() == "og:url":
            og = og or checked_url(attrs.get("content"))
    return canonical or og


def record_url(value) -> str | None:
    """The `url` field of a JSON Lines record, if it is an http(s) address."""
    return checked_url(value) if isinstance(value, str) else None


def checked_url(value: str | None) -> str | None:
    """value as an absolute http(s) address (entities decoded), or None if it is anything else."""
    if not value:
        return None
    url = html.unescape(value).strip()
    if len(url) > MAX_URL_CHARS or not _URL_RE.fullmatch(url):
        return None
    return url
