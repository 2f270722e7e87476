"""Cleaning on labelled noisy pages: share of real content kept, share of noise removed.

Usage: PYTHONPATH=. python bench/bench_labeled.py [--verbose]

tests/pages/labeled/{a,b,c}/ hold 16 plain-text and Markdown dumps of web pages on
other topics than the seeds (a rare disease registry, a drug leaflet, a forum thread,
a news article, a heritage site...), written by three authors who never saw winnow's
code. Each page has a .labels.json listing every real content item (sentence, field,
list entry, table row, heading) and every noise line verbatim. Set a was read while
the cleaner's rules were written, b was measured blind and then read, c was measured
blind once (its first figures are in the README) and then read.

A content item counts as kept if its text occurs in the cleaned page (whitespace and
case folded); a noise item counts as left if it is a whole kept unit (title, heading,
paragraph or sentence) or, for items of 25+ characters, occurs in the cleaned text.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.clean import clean_text  # noqa: E402
from pipeline.split import split_sentences  # noqa: E402

LABELED = ROOT / "tests" / "pages" / "labeled"
SEEDS = ROOT / "seeds"
_EDIT_RE = re.compile(r"\[edit[^\]]*\]")
_BULLET_RE = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+")


def _unbullet(text: str) -> str:
    """A list entry's text without its marker: the cleaner keeps items, not bullets."""
    return _BULLET_RE.sub("", text)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def measure_page(page: Path) -> dict:
    """Counts and misses for one labelled page."""
    label_file = page.with_name(page.name.rsplit(".", 1)[0] + ".labels.json")
    if page.parent == SEEDS:
        label_file = LABELED / "seeds" / label_file.name
    labels = json.loads(label_file.read_text(encoding="utf-8"))
    doc = clean_text(page.read_text(encoding="utf-8"), page.name, markdown=page.suffix == ".md")
    units = [doc.title] if doc.title else []
    for section in doc.sections:
        if section.heading:
            units.append(section.heading)
        for paragraph in section.paragraphs:
            paragraph = paragraph[2:] if paragraph.startswith("- ") else paragraph
            units.append(paragraph)
            units.extend(split_sentences(paragraph))
    text = _norm(" \n ".join(units))
    whole = {_norm(u) for u in units}
    lost = [c for c in labels["content"] if _norm(_unbullet(c)) not in text and _norm(_EDIT_RE.sub("", _unbullet(c))) not in text]
    left = [n for n in labels["noise"] if _norm(n) in whole or (len(n) >= 25 and _norm(n) in text)]
    return {"content": len(labels["content"]), "lost": lost, "noise": len(labels["noise"]), "left": left}


def measure_set(folder: Path) -> dict:
    pages = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".md"))
    if folder.name == "seeds":  # the labels of the default corpus; its pages stay in seeds/
        pages = sorted(SEEDS / (label.name[:-len(".labels.json")] + ".txt") for label in folder.glob("*.labels.json"))
    results = {p.name: measure_page(p) for p in pages}
    content = sum(r["content"] for r in results.values())
    noise = sum(r["noise"] for r in results.values())
    return {
        "pages": results,
        "content_kept": 1 - sum(len(r["lost"]) for r in results.values()) / content,
        "noise_removed": 1 - sum(len(r["left"]) for r in results.values()) / noise,
        "content": content, "noise": noise,
    }


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    print(f"{'set':<4} {'pages':>5} {'content':>8} {'kept':>7} {'noise':>6} {'removed':>8}")
    for folder in sorted(p for p in LABELED.iterdir() if p.is_dir()):
        m = measure_set(folder)
        print(f"{folder.name:<4} {len(m['pages']):>5} {m['content']:>8} {m['content_kept']:>7.3f} "
              f"{m['noise']:>6} {m['noise_removed']:>8.3f}")
        if verbose:
            for name, r in m["pages"].items():
                for item in r["lost"]:
                    print(f"     {name}: LOST  {item[:100]}")
                for item in r["left"]:
                    print(f"     {name}: LEFT  {item[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
