r"""Benchmark HTML main-content extraction on the ScrapingHub article-extraction set.

Runs winnow and the reference extractors over the same pages in one run and prints
F1, precision, recall and seconds per page side by side, then scores plain-text dumps
(no boilerplate removal) raw and through `pipeline.clean.clean_text` when it exists.

    PYTHONPATH=. python bench/bench_clean.py [--data DIR] [--limit N]

Metric (ScrapingHub article-extraction-benchmark, `evaluate.py`): per page, the sets of
word 4-gram shingles of the extracted and the gold text (lower-cased, split on
whitespace); precision and recall per page, each averaged over pages, F1 of the two means.
The column "F1 w+" is the same with the benchmark's own `\w+` tokens (its evaluate.py;
the figures in ../shared/data/README.md were measured that way).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
SHINGLE_N = 4  # word 4-grams, as in the ScrapingHub benchmark


_WORD_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = SHINGLE_N, word_tokens: bool = False) -> set[tuple[str, ...]]:
    r"""The set of word n-grams of `text`, lower-cased and split on whitespace.

    A text shorter than n words is one shorter shingle (as the benchmark does), so a
    two-word gold text can still be matched. `word_tokens` splits on `\w+` runs instead,
    as the benchmark's own evaluate.py does (punctuation then never glues to a word).
    """
    words = _WORD_TOKEN.findall(text.lower()) if word_tokens else text.lower().split()
    if not words:
        return set()
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def page_precision_recall(gold: str, pred: str, word_tokens: bool = False) -> tuple[float | None, float | None]:
    """Precision and recall of one page's shingle sets.

    None means "not defined for this page" and the page is left out of that mean, the
    benchmark's convention: precision needs a non-empty prediction, recall a non-empty
    gold text. Both empty counts as a perfect page.
    """
    g, p = shingles(gold, word_tokens=word_tokens), shingles(pred, word_tokens=word_tokens)
    if not g and not p:
        return 1.0, 1.0
    tp = len(g & p)
    precision = tp / len(p) if p else None
    recall = tp / len(g) if g else None
    return precision, recall


def score(pairs: Iterable[tuple[str, str]], word_tokens: bool = False) -> tuple[float, float, float]:
    """(F1, mean precision, mean recall) over (gold, predicted) text pairs."""
    precisions: list[float] = []
    recalls: list[float] = []
    for gold, pred in pairs:
        precision, recall = page_precision_recall(gold, pred, word_tokens)
        if precision is not None:
            precisions.append(precision)
        if recall is not None:
            recalls.append(recall)
    mean_p = sum(precisions) / len(precisions) if precisions else 0.0
    mean_r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r else 0.0
    return f1, mean_p, mean_r


def strip_heading_markers(text: str) -> str:
    """Drop the "# " winnow puts before heading lines, so markers never count as words."""
    return "\n".join(line.lstrip("#").lstrip() if line.startswith("#") else line for line in text.split("\n"))


def load_pages(data: Path, limit: int | None = None) -> list[tuple[str, str, str]]:
    """(id, html, gold text) for each ScrapingHub page, sorted by id."""
    root = data / "cleaning" / "scrapinghub"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        with gzip.open(root / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as f:
            pages.append((page_id, f.read(), truth[page_id].get("articleBody") or ""))
    return pages


# -- extractors: html -> text ---------------------------------------------------------


def winnow(html: str) -> str:
    from pipeline.html import html_to_text

    return strip_heading_markers(html_to_text(html))


def winnow_indexed(html: str) -> str:
    """What the index sees: main content, then winnow's sentence filters (clean_html)."""
    from pipeline.clean import clean_html

    return _unbulleted(strip_heading_markers(clean_html(html).text))


def _unbulleted(text: str) -> str:
    """Drop the "- " winnow keeps before list entries, so markers never count as words."""
    return "\n".join(line[2:] if line.startswith("- ") else line for line in text.split("\n"))


def trafilatura_default(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def readability_lxml(html: str) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content() if summary.strip() else ""


def resiliparse_main(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=True)


def justext_default(html: str) -> str:
    import justext

    paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def bs4_text(html: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "lxml").get_text(" ")


def raw_dump(html: str) -> str:
    """Plain-text mode: the whole page as text, no boilerplate removal."""
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=False)


def raw_dump_cleaned(html: str) -> str | None:
    """The raw dump through the plain-text cleaner, or None if that module is missing."""
    try:
        from pipeline.clean import clean_text
    except ImportError:
        return None
    return _unbulleted(strip_heading_markers(clean_text(raw_dump(html)).text))


EXTRACTORS: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    ("winnow", winnow),
    ("winnow indexed", winnow_indexed),
    ("trafilatura", trafilatura_default),
    ("readability-lxml", readability_lxml),
    ("resiliparse", resiliparse_main),
    ("jusText", justext_default),
    ("bs4 get_text", bs4_text),
)
PLAIN_TEXT_MODES: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    ("raw dump (resiliparse, no main_content)", raw_dump),
    ("raw dump + pipeline.clean.clean_text", raw_dump_cleaned),
)
PUBLISHED_F1 = {  # ScrapingHub README / trafilatura evaluation, for reference
    "trafilatura": 0.958,
    "readability-lxml": 0.922,
    "jusText": 0.804,
    "bs4 get_text": 0.665,
}


def run(name: str, extract: Callable[[str], str | None], pages) -> tuple[float, ...] | None:
    """Score one extractor; None when it is not available. Failures on a page count as empty."""
    pairs = []
    try:  # warm up: imports and first-call caches are not per-page cost
        extract(pages[0][1]) if pages else None
    except Exception:
        pass
    start = time.perf_counter()
    for page_id, html, gold in pages:
        try:
            text = extract(html)
        except ImportError:
            return None
        except Exception as exc:  # a crashing extractor scores an empty page, and says so
            print(f"{name}: {page_id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            text = ""
        if text is None:
            return None
        pairs.append((gold, text))
    seconds = (time.perf_counter() - start) / max(1, len(pages))
    return (*score(pairs), seconds, score(pairs, word_tokens=True)[0])


def print_table(title: str, rows) -> None:
    print(f"\n{title}")
    print(f"{'extractor':<42} {'F1':>6} {'prec':>6} {'recall':>6} {'s/page':>8} {'F1 w+':>7} {'published':>9}")
    for name, result in rows:
        published = f"{PUBLISHED_F1[name]:.3f}" if name in PUBLISHED_F1 else ""
        if result is None:
            print(f"{name:<42} {'n/a':>6} {'n/a':>6} {'n/a':>6} {'n/a':>8} {'n/a':>7} {published:>9}")
            continue
        f1, p, r, s, f1_words = result
        print(f"{name:<42} {f1:6.3f} {p:6.3f} {r:6.3f} {s:8.4f} {f1_words:7.3f} {published:>9}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--only", action="append", help="run only these extractors (repeatable)")
    args = parser.parse_args(argv)
    pages = load_pages(args.data, args.limit)
    print(f"ScrapingHub article extraction: {len(pages)} pages from {args.data.resolve()}", file=sys.stderr)
    chosen = [(n, f) for n, f in EXTRACTORS if not args.only or n in args.only]
    print_table("HTML main-content extraction", [(n, run(n, f, pages)) for n, f in chosen])
    plain = [(n, f) for n, f in PLAIN_TEXT_MODES if not args.only or n in args.only]
    if plain:  # --only may name a plain-text mode too
        print_table("Plain-text mode (no boilerplate removal)", [(n, run(n, f, pages)) for n, f in plain])
    return 0


if __name__ == "__main__":
    sys.exit(main())
