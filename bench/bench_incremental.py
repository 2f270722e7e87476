"""How much an incremental refresh costs next to a full build.

    PYTHONPATH=. python bench/bench_incremental.py [--sources 2000] [--seed 7] [--repeat 3]

Writes N synthetic noisy pages (bench/corpus.py, fixed seed) into a temporary folder,
then times, in one process (imports already paid, as in a long-running build):

    full build          build_index(full=True) into an empty index folder
    no-change check     stale_sources(): what `ask` does before answering
    no-change build     build_index() when nothing changed
    edit one source     one page edited, then build_index()
    add one source      one new page, then build_index()
    delete one source   one page removed, then build_index()

and, as separate processes (imports included), `winnow ask` with nothing to update
and after one edit. Each figure is the best and the median of --repeat runs (the
best is the least disturbed by other load on the machine); ratios are best to best
against the full build. Speed is a benchmark, not a timed test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from pages_corpus import page, write_corpus  # noqa: E402
from pipeline.ingest import build_index, stale_sources  # noqa: E402
from pipeline.search import Searcher  # noqa: E402
from pipeline.store import current_generation  # noqa: E402


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _median(action, repeat: int, prepare=lambda i: None) -> tuple[float, float]:
    """(best, median) seconds of `repeat` runs of action, each after prepare(run number)."""
    times = []
    for i in range(repeat):
        prepare(i)
        times.append(_timed(action))
    return min(times), statistics.median(times)


def _cli_seconds(*args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=2000, help="how many synthetic pages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="winnow-bench-") as tmp:
        sources, index = Path(tmp) / "sources", Path(tmp) / "index"
        paths = write_corpus(sources, args.sources, seed=args.seed)
        import random

        rng = random.Random(args.seed + 1)
        rows: list[tuple[str, tuple[float, float]]] = []

        def full_build():
            build_index(sources, Path(tmp) / f"full-{time.perf_counter_ns()}", full=True)

        rows.append(("full build", _median(full_build, args.repeat)))
        build_index(sources, index)

        def check():
            searcher = Searcher(current_generation(index))
            assert not any(stale_sources(sources, searcher, index).values())

        rows.append(("no-change check (open index + stale_sources)", _median(check, args.repeat)))
        rows.append(("no-change build", _median(lambda: build_index(sources, index), args.repeat)))

        def edit(i):
            path = paths[(i * 7919) % len(paths)]
            path.write_text(path.read_text(encoding="utf-8") + f"\nAn edit about statin dosing number {i}.\n",
                            encoding="utf-8")

        rows.append(("edit one source + refresh", _median(lambda: build_index(sources, index), args.repeat, edit)))

        added: list[Path] = []

        def add(i):
            name, content = page(rng, args.sources + i)
            path = sources / "added" / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(content, encoding="utf-8")
            added.append(path)

        rows.append(("add one source + refresh", _median(lambda: build_index(sources, index), args.repeat, add)))
        rows.append(("delete one source + refresh",
                     _median(lambda: build_index(sources, index), args.repeat, lambda i: added.pop().unlink())))

        cli = ["--sources", str(sources), "--index", str(index)]
        rows.append(("CLI `ask`, nothing changed (process)", _median(lambda: _cli_seconds("ask", *cli, "statin"),
                                                                      args.repeat)))
        rows.append(("CLI `ask` after one edit (process)", _median(lambda: _cli_seconds("ask", *cli, "statin"),
                                                                    args.repeat, edit)))

    full = rows[0][1][0]
    print(f"winnow incremental benchmark: {args.sources} synthetic sources, seed {args.seed}, "
          f"{args.repeat} runs each, {os.cpu_count()} cores")
    print(f"{'operation':<46} {'best s':>8} {'median s':>9} {'best / full':>12}")
    for name, (best, median) in rows:
        print(f"{name:<46} {best:>8.3f} {median:>9.3f} {best / full:>12.3f}")


if __name__ == "__main__":
    main()
