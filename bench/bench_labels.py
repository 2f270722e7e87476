r"""Section labels on HTML pages: how many of the passages `ask` cites carry a label that is not a
heading of their article.

    PYTHONPATH=. python bench/bench_labels.py [--split train|test|both] [--examples N]

For each page of scrapinghub, dragnet and readability (../shared/data/cleaning, split by site,
bench/cleaning_data.py) the passages are built as a build builds them (clean_html, then
ingest.assemble_passages). Only passages of article text count (align() of the passage to the
gold text >= 0.5): a passage of noise is the cleaner's miss, measured by bench_clean.

A passage's label is real when it is
  - the page title (<title>): the label of a passage under no heading, by design;
  - a line of the gold text (the article's own heading, as the gold keeps it);
  - the text of an <h1>-<h6> of the page that the gold text holds, or whose words are the
    page title's (the headline: scrapinghub's gold texts leave headlines out).
A comment count ("45 comments") over the page's comments is the heading of the comment section,
which dragnet's gold texts keep without it: real, and shown in a column of its own. Any other label
is false, counted by its shape: a byline or date ("By John Gruber", "Published: July 23, 2012"),
another heading of the page the gold does not keep (a widget's: "Connect With Us on Twitter",
"Related", "ABOUT DAWN CAMP" over the comments), or text that is no heading of the page at all.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cleaning_data import CONTENT_THRESHOLD, SETS, align, pages_in, words  # noqa: E402

KINDS = ("byline or date", "widget heading", "not a heading")  # false labels
COMMENT_COUNT = "comment count"  # real, counted apart
HEADING = "real heading"  # a real label other than the page title: a rule must not take these
_MONTHS = "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september october november december"
_MONTH_SET = frozenset(_MONTHS.split())
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
_COUNT_RE = re.compile(r"^\d+ (?:comments?|responses?|replies|reply)\b")


def _norm(text: str) -> str:
    return " ".join(words(text))


def page_headings(html: str) -> set[str]:
    """The normalised texts of the page's <h1>-<h6> elements, each also without the text of its links
    when it has other text (a wiki's "History[edit]": the extractor leaves the link out)."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # an empty or unparsable page has none
        return set()
    out = set()
    for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        out.add(_norm(h.text_content()))
        if h.find(".//a") is not None:
            bare = copy.deepcopy(h)
            for link in list(bare.iter("a")):
                link.drop_tree()  # its tail stays
            out.add(_norm(bare.text_content()))
    return out - {""}


def label_kind(label: str, title: str, gold: str, headings: set[str]) -> str | None:
    """None for the page title (or no label), HEADING for another real label (see the module's
    docstring), COMMENT_COUNT, else the kind of false label."""
    if label in ("", title):
        return None
    n = _norm(label)
    gold_words = " " + _norm(gold) + " "
    if n in {_norm(line) for line in gold.split("\n")}:
        return HEADING
    if n in headings and (f" {n} " in gold_words or n in _norm(title)):
        return HEADING
    tokens = n.split()
    if tokens[:1] == ["by"] or label.lower().startswith(("published", "posted")) or (
            _YEAR_RE.search(label) and _MONTH_SET.intersection(tokens)):
        return "byline or date"
    if _COUNT_RE.match(n):
        return COMMENT_COUNT
    return "widget heading" if n in headings else "not a heading"


def page_labels(document, gold: str, headings: set[str]) -> list[tuple[str | None, str]]:
    """(label_kind, label) of each passage of article text the document's passages hold."""
    from pipeline.ingest import assemble_passages

    passages, _ = assemble_passages([document])
    return [(label_kind(passage.section, document.title, gold, headings), passage.section)
            for passage, share in zip(passages, align([p.text for p in passages], gold))
            if share >= CONTENT_THRESHOLD]


def measure(split: str, examples: int = 0, out=sys.stdout) -> dict:
    """Per set: content passages, false labels by kind; prints a table and the worst examples."""
    from pipeline.clean import clean_html

    figures = {}
    seen: dict[str, Counter] = defaultdict(Counter)
    for set_name in SETS:
        counts = Counter()
        for page in pages_in(set_name, split):
            document = clean_html(page.html, page.id)
            for kind, label in page_labels(document, page.gold, page_headings(page.html)):
                counts["passages"] += 1
                counts[kind] += 1
                if kind in KINDS:
                    seen[kind][(set_name, page.id[:10], label[:70])] += 1
        figures[set_name] = counts
    print(f"split {split}: content passages whose label is not a heading of their article", file=out)
    print(f"  {'set':12} {'passages':>8} {'false':>7}  " + "  ".join(f"{k:>14}" for k in KINDS)
          + f"  {COMMENT_COUNT + ' (real)':>20}  {HEADING:>12}", file=out)
    for set_name, counts in figures.items():
        total = counts["passages"]
        wrong = sum(counts[k] for k in KINDS)
        print(f"  {set_name:12} {total:8d} {wrong / max(total, 1):7.4f}  "
              + "  ".join(f"{counts[k]:14d}" for k in KINDS) + f"  {counts[COMMENT_COUNT]:20d}  {counts[HEADING]:12d}", file=out)
    for kind in KINDS:
        for (set_name, page_id, label), n in seen[kind].most_common(examples):
            print(f"    {kind}: {n:3d} {set_name} {page_id} {label!r}", file=out)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("train", "test", "both"), default="both")
    parser.add_argument("--examples", type=int, default=0, help="the N most frequent false labels of each kind")
    args = parser.parse_args(argv)
    for split in ("train", "test") if args.split == "both" else (args.split,):
        measure(split, args.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
