r"""Data and measurement harness for the cleaner: labelled pages, a split by site, labels
from aligning gold text to blocks, negative controls, seed-style spam pages, and metrics.

Used by bench/bench_clean.py, by training scripts and by tests. Everything is computed
from ../shared/data (never copied into the project), deterministically, and cached in
memory only.

    from bench.cleaning_data import load_pages, split_of, plain_dump, align
    pages = [p for p in load_pages("dragnet") if split_of(p) == "train"]
    blocks = plain_dump(pages[0].html).split("\n")
    labels = [score >= 0.5 for score in align(blocks, pages[0].gold)]

API
    load_pages(set_name, data_dir=DEFAULT_DATA) -> list[Page]      Page(set, id, html, gold, site)
    split_of(page_or_site) -> "train" | "test"                     by site, sha256, ~70/30
    plain_dump(html) -> str                                        the page as text, nothing removed
    align(blocks, gold) -> list[float]                             share of each block found in gold
    clean_controls(data_dir=DEFAULT_DATA) -> list[ControlDoc]      clean text a cleaner must keep
    spam_pages(n=60, seed=SPAM_SEED, data_dir=DEFAULT_DATA) -> list[SpamPage]
    shingle_f1(pairs) -> (f1, precision, recall)                   the ScrapingHub metric
    sentences_kept(doc_text, sentences) -> float
    noise_removed(doc_text, noise_items) -> float

Run `python bench/cleaning_data.py` for the counts (pages, sites, split, controls, spam).
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "data"
SETS = ("scrapinghub", "dragnet", "readability")
TRAIN_SHARE = 70  # percent of sites (by hash) in "train"
CONTENT_THRESHOLD = 0.5  # align() score at or above which a block is content


# -- pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    set: str  # "scrapinghub" | "dragnet" | "readability"
    id: str
    html: str  # decoded
    gold: str  # the articleBody
    site: str  # registrable domain ("nytimes.com"), or "unknown-<id>"

    @property
    def split(self) -> str:
        return split_of(self)


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta\b[^>]{0,500}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""", re.I)


def decode_html(raw: bytes) -> str:
    """Bytes -> str: a BOM, else <meta charset>/http-equiv in the first 8 KB, else UTF-8,
    else cp1252 (undefined bytes replaced)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    match = _META_CHARSET.search(raw[:8192])
    if match:
        name = match.group(1).decode("ascii", "replace").lower()
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            encoding = None
        if encoding in ("latin-1", "iso8859-1", "ascii"):  # what browsers do: latin-1 means cp1252
            encoding = "cp1252"
        if encoding and not encoding.startswith("utf-16"):  # a meta saying utf-16 in 8-bit bytes is wrong
            try:
                return raw.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


# -- site of a page ----------------------------------------------------------------------

_TAG_LINK = re.compile(r"<link\b[^>]{0,1000}>", re.I)
_TAG_META = re.compile(r"<meta\b[^>]{0,1000}>", re.I)
_TAG_BASE = re.compile(r"<base\b[^>]{0,1000}>", re.I)
_ATTR = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")
_SAVED_FROM = re.compile(r"saved from url=\(\d+\)\s*(https?://[^\s>]+)", re.I)
_ABS_HREF = re.compile(r"""href\s*=\s*["']?(https?://[^\s"'<>]{1,300})""", re.I)
# third-party hosts that say nothing about whose page it is
_NOT_A_SITE = {
    "facebook.com", "twitter.com", "x.com", "google.com", "googleapis.com", "googletagmanager.com",
    "doubleclick.net", "youtube.com", "instagram.com", "linkedin.com", "pinterest.com", "addthis.com",
    "sharethis.com", "w3.org", "gravatar.com", "wordpress.org", "apple.com", "reddit.com",
    "stumbleupon.com", "digg.com", "delicious.com", "feedburner.com", "creativecommons.org",
    "cloudflare.com", "jquery.com", "gstatic.com", "amazon.com", "disqus.com", "tumblr.com",
    "wikipedia.org", "flickr.com", "bit.ly", "schema.org", "ogp.me", "adobe.com", "microsoft.com",
    "yahoo.com", "mozilla.org", "github.com",
}


def registrable_domain(url: str) -> str | None:
    """"https://www.bbc.co.uk/x" -> "bbc.co.uk" (public suffix list via `tld`); None if not a web URL."""
    from tld import get_fld

    try:
        host = (urlsplit(url.strip()).hostname or "").lower().strip(".")
    except ValueError:
        return None
    if not host or re.fullmatch(r"[\d.]+|\[.*\]", host) or "." not in host:
        return None
    domain = get_fld(host, fix_protocol=True, fail_silently=True)
    if domain is None:
        return None
    return domain[4:] if domain.startswith("www.") else domain


def _attrs(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(tag)}


def site_of_html(html: str) -> tuple[str | None, str]:
    """(registrable domain, how it was found) from the page itself."""
    for tag in _TAG_LINK.finditer(html):
        a = _attrs(tag.group(0))
        if "canonical" in a.get("rel", "").lower().split() and (d := registrable_domain(a.get("href", ""))):
            return d, "canonical"
    for tag in _TAG_META.finditer(html):
        a = _attrs(tag.group(0))
        if (a.get("property") or a.get("name") or "").lower() == "og:url" and (d := registrable_domain(a.get("content", ""))):
            return d, "og:url"
    for tag in _TAG_BASE.finditer(html):
        if d := registrable_domain(_attrs(tag.group(0)).get("href", "")):
            return d, "base"
    match = _SAVED_FROM.search(html[:20000])
    if match and (d := registrable_domain(match.group(1))):
        return d, "saved-from"
    counts = Counter(d for m in _ABS_HREF.finditer(html) if (d := registrable_domain(m.group(1))) and d not in _NOT_A_SITE)
    if counts:
        return counts.most_common(1)[0][0], "links"
    return None, "none"


@lru_cache(maxsize=None)
def _load(set_name: str, data_dir: str) -> tuple[tuple[Page, ...], tuple[str, ...]]:
    root = Path(data_dir) / "cleaning" / set_name
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages, how = [], []
    for page_id in sorted(truth):
        with gzip.open(root / "html" / f"{page_id}.html.gz", "rb") as f:
            html = decode_html(f.read())
        entry = truth[page_id]
        site, found = None, "none"
        if entry.get("url"):
            site, found = registrable_domain(entry["url"]), "url"
        if site is None:
            site, found = site_of_html(html)
        pages.append(Page(set_name, page_id, html, entry.get("articleBody") or "", site or f"unknown-{page_id}"))
        how.append(found)
    return tuple(pages), tuple(how)


def load_pages(set_name: str, data_dir: Path | str = DEFAULT_DATA) -> list[Page]:
    """Every page of one set ("scrapinghub", "dragnet", "readability"), sorted by id."""
    if set_name not in SETS:
        raise ValueError(f"unknown set {set_name!r}; one of {SETS}")
    return list(_load(set_name, str(Path(data_dir).resolve()))[0])


def site_sources(set_name: str, data_dir: Path | str = DEFAULT_DATA) -> Counter:
    """How each page's site was found: url, canonical, og:url, base, saved-from, links, none."""
    load_pages(set_name, data_dir)
    return Counter(_load(set_name, str(Path(data_dir).resolve()))[1])


def split_of(page: Page | str) -> str:
    """"train" or "test" by the page's site (or a site string): sha256 of the site, so one
    site is always on one side and the split never depends on Python's hash seed."""
    site = page if isinstance(page, str) else page.site
    bucket = int.from_bytes(hashlib.sha256(site.encode("utf-8")).digest()[:8], "big") % 100
    return "train" if bucket < TRAIN_SHARE else "test"


def pages_in(set_name: str, split: str = "all", data_dir: Path | str = DEFAULT_DATA) -> list[Page]:
    """The pages of one set on one side of the split ("train", "test" or "all")."""
    pages = load_pages(set_name, data_dir)
    return pages if split == "all" else [p for p in pages if split_of(p) == split]


# -- plain text dump -------------------------------------------------------------------


def plain_dump(html: str) -> str:
    """The whole page as plain text, no boilerplate removal (resiliparse, main_content=False)."""
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=False)


# -- alignment: labels for blocks --------------------------------------------------------

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    r"""Lower-cased \w+ runs."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=64)
def _gold_index(gold: str) -> tuple[frozenset, str]:
    tokens = words(gold)
    grams = frozenset(zip(tokens, tokens[1:], tokens[2:]))
    return grams, " " + " ".join(tokens) + " "


def align(blocks: list[str], gold: str) -> list[float]:
    """For each block, the share of it that is in the gold text, 0..1.

    A block of 3+ words: the share of its words covered by a word 3-gram that is also a
    3-gram of the gold text. A block of 1-2 words: 1.0 if its words occur in the gold text
    as consecutive whole words, else 0.0. A block with no words: 0.0. Content if >= 0.5.
    """
    grams, joined = _gold_index(gold)
    scores = []
    for block in blocks:
        tokens = words(block)
        n = len(tokens)
        if n == 0:
            scores.append(0.0)
        elif n < 3:
            scores.append(1.0 if f" {' '.join(tokens)} " in joined else 0.0)
        else:
            covered = [False] * n
            for i in range(n - 2):
                if (tokens[i], tokens[i + 1], tokens[i + 2]) in grams:
                    covered[i] = covered[i + 1] = covered[i + 2] = True
            scores.append(sum(covered) / n)
    return scores


# -- counts --------------------------------------------------------------------------------


def describe(data_dir: Path | str = DEFAULT_DATA, out=sys.stdout) -> None:
    """Print pages, sites and the split per set."""
    print(f"{'set':<12} {'pages':>6} {'real site':>9} {'sites':>6} {'train p/s':>11} {'test p/s':>10}  site from", file=out)
    for name in SETS:
        pages = load_pages(name, data_dir)
        real = [p for p in pages if not p.site.startswith("unknown-")]
        sites = {p.site for p in pages}
        train = [p for p in pages if split_of(p) == "train"]
        test = [p for p in pages if split_of(p) == "test"]
        how = ", ".join(f"{k} {v}" for k, v in site_sources(name, data_dir).most_common())
        print(f"{name:<12} {len(pages):>6} {len(real):>9} {len(sites):>6} "
              f"{len(train):>5}/{len({p.site for p in train}):<5} {len(test):>4}/{len({p.site for p in test}):<5}  {how}", file=out)


if __name__ == "__main__":
    describe()
