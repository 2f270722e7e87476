"""What reading the tables of every source costs, as JSON lists and as binary tables.

    PYTHONPATH=. python bench/bench_tables.py [--sources 20000] [--repeat 40]

Every refresh and every `ask` reads two tables with a row per source: the index's stats
(name, size, mtime, content hash of each source when last hashed) and the live
generation's sources base (name and content hash of each source indexed). Writes both
for --sources synthetic names ("part3/p00042.txt") and hashes (fixed seed) into a
temporary folder, each both ways, then times in one process, in turn, with the cyclic
garbage collector off as a build runs:

    stats, JSON     store._read_json_stats: stats.json's lists (its format 2), parsed and type-checked
    stats, binary   store.read_stats: stats.bin, a store.pack_table
    base, JSON      json.loads and store._columns_problem: sources.json (index format 7)
    base, binary    store.read_sources_base: sources.bin (index format 8)

Median and best of --repeat rounds. Speed is a benchmark, not a timed test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    n = args.sources
    names = sorted(f"part{i % 20}/p{i:05d}.txt" for i in range(n))
    shas = [hashlib.sha256(name.encode()).hexdigest() for name in names]
    sizes = [300 + i % 700 for i in range(n)]
    mtimes = [1_700_000_000_000_000_000 + 1_000_003 * i for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="winnow-tables-") as tmp:
        folder = Path(tmp)
        (folder / "json").mkdir()
        (folder / "json" / "stats.json").write_text(json.dumps(
            {"format": 2, "names": names, "size": sizes, "mtime_ns": mtimes, "sha256": shas}))
        (folder / "sources.json").write_text(json.dumps({"source": names, "sha256": shas}))
        store.write_stats(folder, store.SourceStats(names, sizes, mtimes, shas))
        store.write_sources_base(folder / store.SOURCES_BASE, names, shas)

        def base_json():
            base = json.loads(store.read_own(folder / "sources.json"))
            assert store._columns_problem(base) is None
            return base

        readers = {
            "stats, JSON": lambda: store._read_json_stats(folder / "json"),
            "stats, binary": lambda: store.read_stats(folder),
            "base, JSON": base_json,
            "base, binary": lambda: store.read_sources_base(folder / store.SOURCES_BASE),
        }
        assert store.read_stats(folder).shas == store._read_json_stats(folder / "json").shas == shas
        times: dict[str, list[float]] = {label: [] for label in readers}
        gc.disable()
        for _ in range(args.repeat):
            for label, read in readers.items():
                started = time.process_time()
                table = read()
                times[label].append(time.process_time() - started)
                del table
        gc.enable()
    print(f"{n} sources, CPU ms, median (best) of {args.repeat}:")
    for label, spent in times.items():
        print(f"  {label:14} {statistics.median(spent) * 1000:7.2f} ({min(spent) * 1000:.2f})")


if __name__ == "__main__":
    main()
