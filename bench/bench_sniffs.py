"""What listing a folder costs when files without an extension are told by their first bytes.

    PYTHONPATH=. python bench/bench_sniffs.py [--sources /usr/share/doc] [--repeat 5]

A file without an extension (README, COPYING, changelog.gz) is read if its first 8 KB are
text (sources.sniffed_kind). Every refresh and every `ask` lists the sources folder; times in
one process, in turn:

    verdicts kept    store.read_sniffs + sources.scan(sniffs=...): the heads of new and changed files only
    every head read  sources.scan(): the head of every such file read (and a .gz's inflated)

The verdicts are taken from a first scan, as a build writes them to sniffs.json. Median and best
of --repeat rounds, and the ratio. Speed is a benchmark, not a timed test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.sources import SNIFF_RULES, scan  # noqa: E402
from pipeline.store import read_sniffs, write_sniffs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", default="/usr/share/doc")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    first = scan(args.sources, say_skips=False)
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder)
        write_sniffs(index, first.sniffs, SNIFF_RULES)
        time.sleep(0.01)  # verdicts on files changed at or after the table's write prove nothing

        def kept():
            return scan(args.sources, say_skips=False, sniffs=read_sniffs(index, SNIFF_RULES))

        def every():
            return scan(args.sources, say_skips=False)

        times = {"verdicts kept": [], "every head read": []}
        for _ in range(args.repeat):
            for name, run in (("verdicts kept", kept), ("every head read", every)):
                started = time.perf_counter()
                listing = run()
                times[name].append(time.perf_counter() - started)
                assert listing.rels == first.rels  # the same listing either way
    print(f"{args.sources}: {len(first.rels)} sources listed, {len(first.sniffs)} told by their first bytes")
    for name, seconds in times.items():
        print(f"  {name:16} median {statistics.median(seconds) * 1000:7.1f} ms   best {min(seconds) * 1000:7.1f} ms")
    ratio = statistics.median(times["every head read"]) / statistics.median(times["verdicts kept"])
    print(f"  every head read / verdicts kept: {ratio:.2f}x")


if __name__ == "__main__":
    main()
