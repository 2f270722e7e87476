"""What a refresh costs next to a full build, at two corpus sizes, and what opening costs.

    PYTHONPATH=. python bench/bench_refresh.py [--sizes 2000,20000] [--repeat 3] [--open-passages 200000]

For each size N, writes N small synthetic text pages (fixed seed; sentences from
bench/pages_corpus.py, a boilerplate sentence shared by many pages and near-copies
of other pages' sentences, so deduplication has work), indexes them as written
(`--trust`: the cleaner's cost is the per-source work of issue 13's other parts, not
what a refresh is about), then times in one process (imports paid):

    full build              build_index(full=True) into an empty folder
    refresh, 1 edit         one page edited, then build_index()
    refresh, 100 edits      100 pages edited, then build_index()
    first ask after 1 edit  a whole `winnow ask` process right after one edit (it refreshes)

and the segments the index then has. Then opens a one-segment generation of
--open-passages synthetic passages (bench/corpus.py) as `ask` does now (sizes, small
files and big files' edges) and as it did before (a CRC-32 of every byte), and a
segmented one (the same passages as 8 segments with deletions) to show query time.
Best and median of --repeat runs; nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_incremental import _cli_seconds  # noqa: E402  (a whole CLI process, timed)
from pages_corpus import SHARED, TOPICS, sentence  # noqa: E402
from pipeline.ingest import build_index  # noqa: E402
from pipeline.search import Searcher  # noqa: E402
from pipeline.store import current_generation  # noqa: E402


def text_page(rng: random.Random, n: int, borrowed: list[str]) -> str:
    """A small page: a title, two or three sections of a few sentences, sometimes the
    shared boilerplate and a near-copy of a sentence of an earlier page."""
    lines = [f"{rng.choice(TOPICS).capitalize()} and {rng.choice(TOPICS)} {n}", ""]
    for s in range(rng.randint(2, 3)):
        lines += [f"{rng.choice(TOPICS).capitalize()} {s + 1}", ""]
        sentences = [sentence(rng) for _ in range(rng.randint(2, 5))]
        if borrowed and rng.random() < 0.1:
            copy = rng.choice(borrowed).rstrip(".").split()
            sentences.append(" ".join(copy + [rng.choice(TOPICS)]) + ".")  # a near duplicate
        borrowed.append(sentences[0])
        if rng.random() < 0.3:
            sentences.append(rng.choice(SHARED))
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def write_pages(folder: Path, n: int, seed: int = 13) -> list[Path]:
    rng = random.Random(seed)
    borrowed: list[str] = []
    paths = []
    for i in range(n):
        path = folder / f"part{i % 20}" / f"p{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text_page(rng, i, borrowed[-500:]), encoding="utf-8")
        paths.append(path)
    return paths


def _stats(times: list[float]) -> tuple[float, float]:
    return min(times), statistics.median(times)


def refresh_rows(n: int, repeat: int, tmp: Path) -> list[tuple[str, tuple[float, float]]]:
    sources, index = tmp / f"sources-{n}", tmp / f"index-{n}"
    paths = write_pages(sources, n)
    rows = []
    started = time.perf_counter()
    build_index(sources, index, full=True, trusted=["."])
    rows.append((f"N={n}: full build", (time.perf_counter() - started,) * 2))
    rng = random.Random(n)
    edit_no = [0]

    def edit(count: int) -> None:
        for path in rng.sample(paths, count):
            edit_no[0] += 1
            path.write_text(path.read_text(encoding="utf-8") + f"\nAn edit about statin dosing number {edit_no[0]}.\n",
                            encoding="utf-8")

    for count in (1, 100):
        times = []
        for _ in range(repeat):
            edit(count)
            started = time.perf_counter()
            build_index(sources, index)
            times.append(time.perf_counter() - started)
        rows.append((f"N={n}: refresh after {count} edit{'s' * (count > 1)}", _stats(times)))
    cli = ["--sources", str(sources), "--index", str(index)]
    times = []
    for _ in range(repeat):
        edit(1)
        times.append(_cli_seconds("ask", *cli, "statin myopathy"))
    rows.append((f"N={n}: first `ask` after 1 edit (process)", _stats(times)))
    times = [_cli_seconds("ask", *cli, "statin myopathy") for _ in range(repeat)]
    rows.append((f"N={n}: `ask`, nothing changed (process)", _stats(times)))
    searcher = Searcher(current_generation(index))
    rows.append((f"N={n}: passages / segments now: {searcher.n_passages} / {len(searcher.segments)}", (0.0, 0.0)))
    return rows


def open_rows(n_passages: int, repeat: int, tmp: Path) -> list[tuple[str, tuple[float, float]]]:
    """Open a one-segment generation of n_passages: now (bounded) and before (every byte)."""
    from corpus import passages, queries
    from pipeline import segments
    from pipeline.segments import SegmentedIndex

    sources = tmp / "open-sources"
    sources.mkdir()
    texts = passages(n_passages)
    # 200 JSON Lines files of whole passages: one passage each record, indexed as written.
    import json

    per = max(1, n_passages // 200)
    for f in range(0, n_passages, per):
        with open(sources / f"c{f // per:03d}.jsonl", "w", encoding="utf-8") as handle:
            for i in range(f, min(n_passages, f + per)):
                handle.write(json.dumps({"_id": f"d{i:07d}", "text": texts[i]}) + "\n")
    index = tmp / "open-index"
    started = time.perf_counter()
    build_index(sources, index, full=True)
    built = time.perf_counter() - started
    generation = current_generation(index)
    size = sum(p.stat().st_size for p in generation.iterdir())
    rows = [(f"{n_passages} passages: build (one segment, {size / 1e6:.0f} MB)", (built, built))]

    def timed(action) -> tuple[float, float]:
        action()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        return _stats(times)

    rows.append((f"{n_passages} passages: open as `ask` does now (sizes, edges)",
                 timed(lambda: Searcher(generation))))
    rows.append((f"{n_passages} passages: open with every byte checked (before)",
                 timed(lambda: Searcher(generation, full_check=True))))
    one = Searcher(generation)
    qs = [q for q in queries(50, rare=False)]

    def query_ms(searcher) -> tuple[float, float]:
        times = []
        for q in qs:
            started = time.perf_counter()
            searcher.index.search(q, 10)
            times.append(time.perf_counter() - started)
        return min(times), statistics.median(times)

    rows.append((f"{n_passages} passages: query, one segment (top 10, 50 common queries)", query_ms(one)))
    # Several segments with deletions: 7 sources edited (one record added each), one
    # refresh after each, merging off below 8 segments of a tier.
    segments.MERGE_ALL_BELOW = 0
    for number, f in enumerate(list(sorted(sources.iterdir()))[:7]):
        with open(f, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"_id": f"edit{number}", "text": texts[number]}) + "\n")
        build_index(sources, index)
    many = Searcher(current_generation(index))
    assert isinstance(many.index, SegmentedIndex)
    rows.append((f"{n_passages} passages: query, {len(many.segments)} segments with deletions", query_ms(many)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000", help="corpus sizes (sources), comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure")
    parser.add_argument("--open-passages", type=int, default=200_000, help="passages of the open-time index (0: skip)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="winnow-refresh-") as folder:
        for n in [int(x) for x in args.sizes.split(",") if x]:
            rows += refresh_rows(n, args.repeat, Path(folder))
        if args.open_passages:
            rows += open_rows(args.open_passages, args.repeat, Path(folder))
    print(f"winnow refresh benchmark: {args.repeat} runs each, {os.cpu_count()} cores")
    print(f"| {'what':<70} | {'best s':>8} | {'median s':>8} |")
    print(f"|{'-' * 72}|{'-' * 10}|{'-' * 10}|")
    for name, (best, median) in rows:
        cells = f"{best:8.3f} | {median:8.3f}" if best else f"{'':8} | {'':8}"
        print(f"| {name:<70} | {cells} |")


if __name__ == "__main__":
    main()
