r"""The cleaning benchmark: HTML pages, plain-text dumps, negative controls and seed-style
spam, on sites held out of training (by default), in one run.

    python bench/bench_clean.py [--split test|train|all] [--limit N] [--all-extractors]
                                [--only html,text,controls,spam,labeled] [--jobs N] [--json FILE]
                                [--lost FILE]

For each of scrapinghub, dragnet and readability (../shared/data/cleaning, split by site,
see bench/cleaning_data.py):
  HTML        winnow's HTML path (pipeline.clean.clean_html(html).text, "# " heading markers
              and "- " bullets stripped) vs trafilatura.extract alone: F1, precision,
              recall, seconds per page, and winnow's time as a multiple of trafilatura's.
              --all-extractors adds readability-lxml, resiliparse, jusText, bs4 get_text.
  plain text  the page dumped as text with nothing removed (resiliparse, main_content=False):
              the raw dump's F1 and pipeline.clean.clean_text(dump)'s, and clean_text's time
              as a multiple of trafilatura's time on the same page's HTML.
Negative controls (clean text a cleaner must keep): gold texts laid out one paragraph a
line, hard-wrapped at 72 and as Markdown (pages on the chosen split's sites), licences,
READMEs and notes, and the installed Markdown documentation of the chosen split (cleaning_data.tech_docs,
in the same three layouts): share of expected sentences kept, and the worst documents. --lost FILE
writes every lost sentence with the verdicts of the blocks holding it and counts them by cause.
Spam pages (seeds/001-style, other topics, on the chosen split's sites): real sentences
kept, noise removed, pages emptied. Labelled dumps (tests/pages/labeled, bench_labeled).

Times are CPU seconds per page of the worker process (time.process_time), each extractor
after a warm-up call; "/ traf" divides by trafilatura's time on the same pages' HTML.

Metric (ScrapingHub article-extraction benchmark): per page, the sets of word 4-gram
shingles of extracted and gold text (lower-cased, split on whitespace); precision and
recall per page, averaged over pages; F1 of the two means.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cleaning_data import (  # noqa: E402
    DEFAULT_DATA,
    SETS,
    ControlDoc,
    clean_controls,
    expected_form,
    missing_sentences,
    noise_left,
    normalize,
    page_precision_recall,
    plain_dump,
    shingle_f1,
    shingles,
    split_of,
    spam_pages,
    tech_docs,
)
from bench.cleaning_data import load_pages as cleaning_load_pages  # noqa: E402

__all__ = ["load_pages", "page_precision_recall", "score", "shingles", "strip_heading_markers", "unbulleted", "main"]

score = shingle_f1  # the old name
SECTIONS = ("html", "text", "controls", "spam", "labeled")


def strip_heading_markers(text: str) -> str:
    """Drop the "# " winnow puts before heading lines, so markers never count as words."""
    return "\n".join(line.lstrip("#").lstrip() if line.startswith("#") else line for line in text.split("\n"))


def unbulleted(text: str) -> str:
    """Drop the "- " winnow keeps before list entries, so markers never count as words."""
    return "\n".join(line[2:] if line.startswith("- ") else line for line in text.split("\n"))


# -- extractors: html -> text ---------------------------------------------------------


def winnow_html(html: str) -> str:
    from pipeline.clean import clean_html

    return unbulleted(strip_heading_markers(clean_html(html).text))


def winnow_text(dump: str) -> str:
    from pipeline.clean import clean_text

    return unbulleted(strip_heading_markers(clean_text(dump).text))


def trafilatura_default(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""  # its defaults, comments included: "trafilatura alone"


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


raw_dump = plain_dump  # the old name


def load_pages(data: Path = DEFAULT_DATA, limit: int | None = None) -> list[tuple[str, str, str]]:
    """(id, html, gold text) for each ScrapingHub page, sorted by id (the old interface,
    used by tests/test_html.py's gate; new code uses bench.cleaning_data.load_pages)."""
    return [(p.id, p.html, p.gold) for p in cleaning_load_pages("scrapinghub", data)][:limit]

MAIN_EXTRACTORS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("winnow clean_html", winnow_html),
    ("trafilatura", trafilatura_default),
)
MORE_EXTRACTORS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("readability-lxml", readability_lxml),
    ("resiliparse", resiliparse_main),
    ("jusText", justext_default),
    ("bs4 get_text", bs4_text),
)
TRAFILATURA_PUBLISHED = {"scrapinghub": 0.953, "dragnet": 0.898, "readability": 0.927}  # ../shared/data/README.md


# -- workers (module level: run in a process pool) ----------------------------------------


def _timed(fn, arg) -> tuple[str, float, str]:
    """(text, CPU seconds, error). CPU time of this process (every extractor here is single-
    threaded), so other load on the machine moves neither the times nor their ratios."""
    start = time.process_time()
    try:
        text, error = fn(arg) or "", ""
    except Exception as exc:  # a crash scores an empty page, and is reported
        text, error = "", f"{type(exc).__name__}: {exc}"[:200]
    return text, time.process_time() - start, error


_WARM = False


def _warm_up() -> None:
    """Imports and first-call caches are not per-page cost."""
    global _WARM
    if _WARM:
        return
    _WARM = True
    html = "<html><head><title>T</title></head><body><p>Warm up sentence one is here. And two.</p></body></html>"
    for _, fn in MAIN_EXTRACTORS + MORE_EXTRACTORS:
        _timed(fn, html)
    _timed(winnow_text, "Warm up sentence one is here. And two.")
    from pipeline.clean import clean_text

    clean_text("# Warm\n\nup text here.", "", markdown=True)


def page_task(args) -> dict:
    """One page: every extractor on its HTML, then the raw dump and clean_text on it."""
    page, names, text_path = args
    _warm_up()
    table = dict(MAIN_EXTRACTORS + MORE_EXTRACTORS)
    out = {"id": page.id, "set": page.set, "results": {}}
    for name in names:
        out["results"][name] = _timed(table[name], page.html)
    if text_path:
        dump = plain_dump(page.html)
        out["results"]["raw dump"] = (dump, 0.0, "")
        out["results"]["clean_text(dump)"] = _timed(winnow_text, dump)
    return out


def control_task(doc) -> tuple[str, float, str]:
    from pipeline.clean import clean_text

    _warm_up()
    return _timed(lambda d: clean_text(d.text, d.name, markdown=d.markdown).text, doc)


def spam_task(page) -> tuple[str, float, str]:
    from pipeline.clean import clean_text

    _warm_up()
    return _timed(lambda p: clean_text(p.text, p.name).text, page)


def _map(fn, items, jobs: int):
    if jobs <= 1 or len(items) < 8:
        return [fn(item) for item in items]
    import multiprocessing as mp

    with mp.get_context("fork").Pool(jobs) as pool:
        return pool.map(fn, items, chunksize=max(1, min(16, len(items) // (jobs * 8))))


# -- sections -------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}x" if b > 0 else "  n/a"


def run_pages(args, report: dict) -> None:
    names = [n for n, _ in MAIN_EXTRACTORS] + ([n for n, _ in MORE_EXTRACTORS] if args.all_extractors else [])
    want_html, want_text = "html" in args.sections, "text" in args.sections
    html_rows, text_rows = [], []
    for set_name in args.sets:
        pages = [p for p in cleaning_load_pages(set_name, args.data) if args.split == "all" or split_of(p) == args.split][: args.limit]
        if not pages:
            continue
        start = time.perf_counter()
        results = _map(page_task, [(p, names if want_html else ["trafilatura"], want_text) for p in pages], args.jobs)
        elapsed = time.perf_counter() - start
        golds = [p.gold for p in pages]
        sites = len({p.site for p in pages})
        figures = {}
        for name in list(results[0]["results"]):
            texts = [r["results"][name][0] for r in results]
            secs = sum(r["results"][name][1] for r in results) / len(results)
            errors = [(r["id"], r["results"][name][2]) for r in results if r["results"][name][2]]
            for page_id, err in errors[:3]:
                print(f"  {set_name}/{page_id}: {name}: {err}", file=sys.stderr)
            f1, p, r = shingle_f1(zip(golds, texts))
            figures[name] = {"f1": f1, "precision": p, "recall": r, "s_per_page": secs, "errors": len(errors)}
        traf = figures["trafilatura"]["s_per_page"]
        report.setdefault("pages", {})[set_name] = {"pages": len(pages), "sites": sites, "figures": figures}
        if want_html:
            for name in names:
                f = figures[name]
                html_rows.append((set_name, len(pages), sites, name, f, _ratio(f["s_per_page"], traf)))
        if want_text:
            for name in ("raw dump", "clean_text(dump)"):
                f = figures[name]
                text_rows.append((set_name, len(pages), sites, name, f, _ratio(f["s_per_page"], traf) if name != "raw dump" else ""))
        print(f"  [{set_name}: {len(pages)} pages, {elapsed:.0f} s]", file=sys.stderr)
    header = f"{'set':<12} {'pages':>5} {'sites':>5}  {'':<22} {'F1':>6} {'prec':>6} {'recall':>6} {'s/page':>7} {'/ traf':>7}"
    if html_rows:
        print(f"\nHTML main content ({args.split} sites): winnow clean_html vs trafilatura.extract alone")
        print(header)
        for set_name, n, sites, name, f, ratio in html_rows:
            print(f"{set_name:<12} {n:>5} {sites:>5}  {name:<22} {f['f1']:6.3f} {f['precision']:6.3f} {f['recall']:6.3f} "
                  f"{f['s_per_page']:7.4f} {ratio:>7}")
    if text_rows:
        print(f"\nPlain-text dumps ({args.split} sites): page text with nothing removed, raw and through clean_text"
              " (time / trafilatura's on the same page's HTML)")
        print(header)
        for set_name, n, sites, name, f, ratio in text_rows:
            secs = f"{f['s_per_page']:7.4f}" if name != "raw dump" else f"{'':>7}"
            print(f"{set_name:<12} {n:>5} {sites:>5}  {name:<22} {f['f1']:6.3f} {f['precision']:6.3f} {f['recall']:6.3f} "
                  f"{secs} {ratio:>7}")


def _kept_summary(docs, outputs) -> dict:
    total = sum(len(d.sentences) for d in docs)
    missing = [missing_sentences(out[0], list(d.sentences)) for d, out in zip(docs, outputs)]
    lost = sum(len(m) for m in missing)
    shares = [1 - len(m) / len(d.sentences) if d.sentences else 1.0 for d, m in zip(docs, missing)]
    return {
        "docs": len(docs), "sentences": total,
        "kept": 1 - lost / total if total else 1.0,
        "mean_doc": sum(shares) / len(shares) if shares else 1.0,
        "docs_whole": sum(not m for m in missing),
        "s_per_doc": sum(o[1] for o in outputs) / len(outputs) if outputs else 0.0,
        "_shares": shares, "_missing": missing,
    }


def run_controls(args, report: dict) -> None:
    controls = clean_controls(args.data)
    gold = [d for d in controls if d.kind == "gold" and d.name.split("/")[0] in args.sets
            and (args.split == "all" or d.split == args.split)]
    if args.limit:
        per_set: dict[tuple[str, str], int] = {}
        kept = []
        for d in gold:
            key = (d.name.split("/")[0], d.layout)
            per_set[key] = per_set.get(key, 0) + 1
            if per_set[key] <= args.limit:
                kept.append(d)
        gold = kept
    others = [d for d in controls if d.kind != "gold"]
    groups = [(f"gold, {layout}", [d for d in gold if d.layout == layout]) for layout in ("oneline", "wrapped", "markdown")]
    groups += [(kind + "s", [d for d in others if d.kind == kind]) for kind in ("licence", "readme", "note")]
    # Installed Markdown documentation (cleaning_data.tech_docs) of the chosen split, in three layouts.
    installed = [d for d in tech_docs() if args.split == "all" or d.split == args.split][: args.limit]
    groups += [(f"tech docs, {layout}", [ControlDoc(d.path, layout, text, d.sentences, "docs", d.origin, d.split)
                                         for d in installed for lay, text in d.layouts() if lay == layout])
               for layout in ("oneline", "wrapped", "markdown")]
    docs = [d for _, group in groups for d in group]
    start = time.perf_counter()
    outputs = dict(zip(range(len(docs)), _map(control_task, docs, args.jobs)))
    print(f"  [controls: {len(docs)} documents, {time.perf_counter() - start:.0f} s]", file=sys.stderr)
    print(f"\nNegative controls: clean text must be kept (gold texts of {args.split} sites; licences, READMEs, notes; "
          f"installed Markdown documentation of the {args.split} split)")
    print(f"{'group':<18} {'docs':>5} {'sentences':>9} {'kept':>7} {'mean/doc':>8} {'whole':>6} {'s/doc':>7}")
    i = 0
    worst = []
    report["controls"] = {}
    for label, group in groups:
        outs = [outputs[i + k] for k in range(len(group))]
        i += len(group)
        s = _kept_summary(group, outs)
        worst += [(share, d, miss) for share, d, miss in zip(s.pop("_shares"), group, s.pop("_missing")) if miss]
        report["controls"][label] = s
        print(f"{label:<18} {s['docs']:>5} {s['sentences']:>9} {s['kept']:7.3f} {s['mean_doc']:8.3f} {s['docs_whole']:>6} {s['s_per_doc']:7.4f}")
    errors = [d.name for d, k in zip(docs, range(len(docs))) if outputs[k][2]]
    if errors:
        print(f"  errors: {len(errors)} ({', '.join(errors[:5])})")
    worst.sort(key=lambda w: (w[0], -len(w[2]), w[1].name, w[1].layout))
    print("worst documents:")
    for share, d, miss in worst[:5]:
        print(f"  {share:5.2f}  {d.name} [{d.layout}]  {len(miss)}/{len(d.sentences)} lost, e.g. {miss[0][:90]!r}")
    report["controls"]["worst"] = [{"name": d.name, "layout": d.layout, "kept": share, "lost": miss[:5]} for share, d, miss in worst[:5]]
    if args.lost:
        write_lost(args.lost, [(d, miss) for _, d, miss in sorted(worst, key=lambda w: (w[1].name, w[1].layout))])


def why_lost(doc, missing: list[str]) -> list[dict]:
    """Each lost sentence of a control with the page's verdict and every block holding it (or, for a
    sentence across blocks, every block it holds), each with its verdict: whether kept, the pass that
    decided, its reason. A sentence found only in kept blocks was lost by the output's shape (a run's
    sentences joined, marks the cleaner tidies), not by a verdict."""
    from pipeline.clean import explain

    page, judged = explain(doc.text, "markdown" if doc.markdown else "text")
    keys = [normalize(j.block.text) for j in judged]
    rows = []
    for sentence in missing:
        wanted = expected_form(sentence)
        at = ([i for i, key in enumerate(keys) if wanted in key]
              or [i for i, key in enumerate(keys) if len(key) >= 8 and key in wanted])
        blocks = [{"keep": judged[i].verdict.keep, "by": judged[i].verdict.by, "kind": judged[i].block.kind.value,
                   "reason": judged[i].verdict.reason, "text": judged[i].block.text[:200]} for i in at]
        dropped = sorted({b["by"] for b in blocks if not b["keep"]})
        rows.append({"name": doc.name, "layout": doc.layout, "page": page, "sentence": sentence, "blocks": blocks,
                     "cause": ",".join(dropped) if dropped else "kept blocks" if blocks else "no block"})
    return rows


def write_lost(path: Path, lost) -> None:
    """--lost: every lost sentence of the controls (why_lost), one JSON object a line, and a count by
    cause (the pass that dropped it) and layout."""
    from collections import Counter

    counts: Counter = Counter()
    with path.open("w", encoding="utf-8") as out:
        for doc, missing in lost:
            for row in why_lost(doc, missing):
                counts[(row["cause"], doc.layout)] += 1
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"lost sentences by cause and layout (each with its blocks' verdicts in {path}):")
    for (cause, layout), n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {n:>5}  {cause:<24} {layout}")


def run_spam(args, report: dict) -> None:
    pages = [p for p in spam_pages(data_dir=args.data) if args.split == "all" or p.split == args.split][: args.limit]
    if not pages:
        return
    start = time.perf_counter()
    outputs = _map(spam_task, pages, args.jobs)
    print(f"  [spam: {len(pages)} pages, {time.perf_counter() - start:.0f} s]", file=sys.stderr)
    real = sum(len(p.real_sentences) for p in pages)
    noise = sum(len(p.noise_items) for p in pages)
    lost = [missing_sentences(o[0], list(p.real_sentences)) for p, o in zip(pages, outputs)]
    left = [noise_left(o[0], list(p.noise_items), list(p.real_sentences)) for p, o in zip(pages, outputs)]
    emptied = [p.name for p, o in zip(pages, outputs) if not any(ch.isalnum() for ch in o[0])]
    kept = 1 - sum(map(len, lost)) / real
    removed = 1 - sum(map(len, left)) / noise
    secs = sum(o[1] for o in outputs) / len(outputs)
    print(f"\nSeed-style spam pages ({args.split} sites, other topics): clean_text on one run-on line + garbled half")
    print(f"{'pages':>5} {'real':>6} {'kept':>7} {'noise':>6} {'removed':>8} {'emptied':>8} {'s/page':>7}")
    print(f"{len(pages):>5} {real:>6} {kept:7.3f} {noise:>6} {removed:8.3f} {len(emptied):>8} {secs:7.4f}")
    worst = sorted(zip(pages, lost, left), key=lambda w: -len(w[1]) / len(w[0].real_sentences))[:3]
    for p, lo, le in worst:
        print(f"  {p.name}: kept {1 - len(lo) / len(p.real_sentences):.2f}, removed {1 - len(le) / len(p.noise_items):.2f}"
              + (f", e.g. lost {lo[0][:70]!r}" if lo else ""))
    report["spam"] = {"pages": len(pages), "real": real, "kept": kept, "noise": noise, "removed": removed,
                      "emptied": emptied, "s_per_page": secs}


def run_labeled(args, report: dict) -> None:
    try:
        from bench.bench_labeled import LABELED, measure_set
    except ImportError as exc:
        print(f"\nLabelled dumps: n/a ({exc})")
        return
    if not LABELED.is_dir():
        return
    print("\nLabelled dumps (tests/pages/labeled, bench/bench_labeled.py: content items kept, noise items removed)")
    print(f"{'set':<6} {'pages':>5} {'content':>8} {'kept':>7} {'noise':>6} {'removed':>8}")
    report["labeled"] = {}
    for folder in sorted(p for p in LABELED.iterdir() if p.is_dir()):
        m = measure_set(folder)
        report["labeled"][folder.name] = {k: m[k] for k in ("content_kept", "noise_removed", "content", "noise")}
        print(f"{folder.name:<6} {len(m['pages']):>5} {m['content']:>8} {m['content_kept']:7.3f} {m['noise']:>6} {m['noise_removed']:8.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--split", choices=("test", "train", "all"), default="test", help="sites to measure on (default test)")
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per set (and N gold controls per set and layout, N spam pages)")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated page sets")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {','.join(SECTIONS)}")
    parser.add_argument("--all-extractors", action="store_true", help="add readability-lxml, resiliparse, jusText, bs4 rows")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--lost", type=Path, help="controls: write every lost sentence with the verdicts that "
                                                  "dropped it to this file (JSON lines) and count them by cause")
    args = parser.parse_args(argv)
    args.sets = [s for s in args.sets.split(",") if s]
    args.sections = {s for s in args.only.split(",") if s}
    unknown = (set(args.sets) - set(SETS)) | (args.sections - set(SECTIONS))
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    start = time.perf_counter()
    print(f"winnow cleaning benchmark: split {args.split}, limit {args.limit}, data {args.data.resolve()}", file=sys.stderr)
    report: dict = {"split": args.split, "limit": args.limit}
    if args.sections & {"html", "text"}:
        run_pages(args, report)
    if "controls" in args.sections:
        run_controls(args, report)
    if "spam" in args.sections:
        run_spam(args, report)
    if "labeled" in args.sections:
        run_labeled(args, report)
    report["seconds"] = time.perf_counter() - start
    print(f"\n({report['seconds']:.0f} s, {args.jobs} jobs)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
