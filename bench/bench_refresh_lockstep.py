"""A refresh in two checkouts side by side: the same edits, taken in turn, under the same load.

    PYTHONPATH=. python bench/bench_refresh_lockstep.py --code OLD_DIR --fixture DIR
        [--sizes 2000,20000] [--rounds 5] [--what edit,askedit,ask]

DIR/<N>/{sources,index} holds bench_refresh's N pages and their index, built once (if
missing) with OLD_DIR's code. Each checkout gets a copy and a worker process; the workers
take each step in turn (alternating which goes first) and report wall and CPU seconds:

    edit      one page edited, then build_index()
    askedit   one page edited, then a whole `winnow ask` process (it refreshes)
    ask       a whole `winnow ask` process, nothing changed

The processing code's hash (part of the index settings) is fixed in both checkouts, so
one index serves both instead of each rebuilding it from scratch. Nothing here asserts.
OLD_DIR is another checkout, e.g. `git archive main | tar -x -C /tmp/old`.
"""

from __future__ import annotations

import argparse
import os
import random
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIXED_CODE_HASH = "fixed-for-lockstep"


def _load(code: str):
    """build_index of the checkout `code`, with its code hash fixed."""
    sys.path[:0] = [code, code + "/bench"]
    import pipeline.ingest as ingest

    ingest._processing_code_hash = lambda: FIXED_CODE_HASH
    return ingest.build_index


def _edit(path: Path, number: int) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\nAn edit about statin dosing number {number}.\n",
                    encoding="utf-8")


def worker(code: str, work: str) -> None:
    """Reads steps on stdin ("edit 12"), answers with wall and CPU seconds."""
    build_index = _load(code)
    sources, index = Path(work) / "sources", Path(work) / "index"
    paths = sorted(sources.rglob("*.txt"))
    # Warm up: the first refresh may rewrite the stats (stats.bin; stats.json before it) in this
    # checkout's format, or rebuild an index of another format; done in a child process, so that
    # this one's heap is not a full build's (it made every refresh after it slower), and with
    # jobs=1 (workers hash their own code).
    subprocess.run([sys.executable, __file__, "--warm", code, work], check=True)
    edits = 2
    _edit(paths[0], edits)
    edits += 1
    build_index(sources, index, jobs=1)
    print("ready", flush=True)
    for line in sys.stdin:
        step, page = line.split()
        if step in ("edit", "askedit"):
            _edit(paths[int(page)], edits)
            edits += 1
        if step == "edit":
            wall, cpu = time.perf_counter(), time.process_time()
            build_index(sources, index)
            print(time.perf_counter() - wall, time.process_time() - cpu, flush=True)
            continue
        wall = time.perf_counter()
        process = subprocess.Popen([sys.executable, __file__, "--cli", code, "ask", "--sources", str(sources),
                                    "--index", str(index), "statin myopathy"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        usage = os.wait4(process.pid, 0)[2]
        print(time.perf_counter() - wall, usage.ru_utime + usage.ru_stime, flush=True)


def cli(code: str, args: list[str]) -> None:
    """The checkout's cli.py with its code hash fixed (a whole `winnow` process)."""
    _load(code)
    sys.argv = [code + "/cli.py", *args]
    runpy.run_path(code + "/cli.py", run_name="__main__")


def make_fixture(code: str, folder: Path, n: int) -> None:
    build_index = _load(code)
    from bench_refresh import write_pages

    write_pages(folder / "sources", n)
    build_index(folder / "sources", folder / "index", full=True, trusted=["."], jobs=1)  # workers would hash their own code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", required=True, help="the other checkout")
    parser.add_argument("--fixture", type=Path, required=True, help="folder of the built pages (made if missing)")
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--what", default="edit,askedit,ask")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parent.parent)
    codes = {"this": here, "other": str(Path(args.code).resolve())}
    sizes = [int(x) for x in args.sizes.split(",") if x]
    steps = args.what.split(",")
    rng = random.Random(5)
    medians = {}
    for n in sizes:
        fixture = args.fixture / str(n)
        if not (fixture / "index").exists():
            subprocess.run([sys.executable, __file__, "--make-fixture", codes["other"], str(fixture), str(n)],
                           check=True)
        with tempfile.TemporaryDirectory(prefix="winnow-lockstep-") as tmp:
            workers = {}
            for label, code in codes.items():
                shutil.copytree(fixture, Path(tmp) / label, symlinks=True)
                workers[label] = subprocess.Popen([sys.executable, __file__, "--worker", code, f"{tmp}/{label}"],
                                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for process in workers.values():
                assert process.stdout.readline().strip() == "ready"
            for step in steps:
                times = {label: ([], []) for label in codes}
                for r in range(args.rounds):
                    page = rng.randrange(n)
                    for label in (list(codes) if r % 2 == 0 else list(codes)[::-1]):
                        workers[label].stdin.write(f"{step} {page}\n")
                        workers[label].stdin.flush()
                        wall, cpu = map(float, workers[label].stdout.readline().split())
                        times[label][0].append(wall)
                        times[label][1].append(cpu)
                for label, (walls, cpus) in times.items():
                    medians[n, step, label] = (statistics.median(walls), statistics.median(cpus))
                    print(f"N={n:6} {step:8} {label:5}: wall best {min(walls):.3f} median {statistics.median(walls):.3f}"
                          f" | CPU best {min(cpus):.3f} median {statistics.median(cpus):.3f}", flush=True)
            for process in workers.values():
                process.stdin.close()
                process.wait()
    if len(sizes) == 2:
        for step in steps:
            for label in codes:
                big, small = medians[sizes[1], step, label], medians[sizes[0], step, label]
                print(f"{step:8} {label:5}: {sizes[1]} over {sizes[0]}: {big[0] / small[0]:.2f}x wall, "
                      f"{big[1] / small[1]:.2f}x CPU")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["--warm"]:
        build = _load(sys.argv[2])
        for number in range(2):
            _edit(sorted((Path(sys.argv[3]) / "sources").rglob("*.txt"))[0], number)
            build(Path(sys.argv[3]) / "sources", Path(sys.argv[3]) / "index", jobs=1)
    elif sys.argv[1:2] == ["--cli"]:
        cli(sys.argv[2], sys.argv[3:])
    elif sys.argv[1:2] == ["--make-fixture"]:
        make_fixture(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
