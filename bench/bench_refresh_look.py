"""What a one-edit refresh does for every source before it reads one, in two checkouts, in turn.

    PYTHONPATH=. python bench/bench_refresh_look.py --code OLD_DIR --fixture DIR [--rounds 15]

DIR/<N>/ as bench_refresh_lockstep.py makes it (copied per checkout, each brought to its own
index format by one refresh). Each round, each checkout's worker (alternating which goes
first) times in CPU milliseconds: the listing (sources.scan), opening the previous build
(ingest._open_previous: its sources' columns and segments) and the hashes (stats.bin against
the listing), as its own _build calls them. Medians per step, side by side. Nothing asserts.
"""

from __future__ import annotations

import argparse
import inspect
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def worker(code: str, work: str) -> None:
    sys.path[:0] = [code, code + "/bench"]
    import pipeline.ingest as ingest

    ingest._processing_code_hash = lambda: "fixed-for-lockstep"
    sources, index = Path(work) / "sources", Path(work) / "index"
    page = sorted(sources.rglob("*.txt"))[0]
    for number in range(2):  # to this checkout's format, and stats.bin written
        page.write_text(page.read_text() + f"\nAn edit about statin dosing number {number}.\n")
        ingest.build_index(sources, index, jobs=1)
    params = ingest.DEFAULT_PARAMS
    new = "listed" in inspect.signature(ingest._open_previous).parameters
    print("ready", flush=True)
    for _ in sys.stdin:
        times = []
        start = time.process_time()
        listing = ingest.scan(sources, lambda message: None)
        times.append(time.process_time() - start)
        start = time.process_time()
        previous = (ingest._open_previous(index, params, print, None, listing.rels) if new
                    else ingest._open_previous(index, params, print))
        times.append(time.process_time() - start)
        start = time.process_time()
        if new:
            ingest._look(listing, (), index, False, (previous.known.names, previous.known.shas))
        else:
            ingest._hashes(listing, ingest.read_stats(index))
        times.append(time.process_time() - start)
        del previous
        print(" ".join(f"{t * 1000:.3f}" for t in times), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", required=True)
    parser.add_argument("--fixture", type=Path, required=True)
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    codes = {"this": str(Path(__file__).resolve().parent.parent), "other": str(Path(args.code).resolve())}
    steps = ("listing", "previous", "hashes")
    for n in [int(x) for x in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix="winnow-look-") as tmp:
            workers = {}
            for label, code in codes.items():
                shutil.copytree(args.fixture / str(n), Path(tmp) / label, symlinks=True)
                workers[label] = subprocess.Popen([sys.executable, __file__, "--worker", code, f"{tmp}/{label}"],
                                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for process in workers.values():
                assert process.stdout.readline().strip() == "ready"
            got = {label: [] for label in codes}
            for r in range(args.rounds):
                for label in (list(codes) if r % 2 == 0 else list(codes)[::-1]):
                    workers[label].stdin.write("go\n")
                    workers[label].stdin.flush()
                    got[label].append(list(map(float, workers[label].stdout.readline().split())))
            for process in workers.values():
                process.stdin.close()
                process.wait()
        for s, step in enumerate(steps + ("all three",)):
            line = []
            for label in codes:
                values = [sum(row) if s == len(steps) else row[s] for row in got[label]]
                line.append(f"{label} {statistics.median(values):7.2f}")
            print(f"N={n:6} {step:10} CPU ms, median of {args.rounds}: " + " | ".join(line), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], sys.argv[3])
    else:
        main()
