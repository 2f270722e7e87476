"""Two checkouts side by side: the same pages, one after the other, page by page (CPU per page).

On a loaded machine two benchmark runs minutes apart see different loads, and a change of
10% drowns in it. Here a worker process per checkout holds the same inputs; they take each
page in turn (alternating which goes first), so both see the same load throughout.

    PYTHONPATH=. python bench/bench_lockstep.py --code OLD_DIR [--what text,html,task-html,task-jsonl]
        [--pages 200] [--rounds 2]

  text        clean_text on the plain-text dumps of the test-split pages (bench_clean's `text`)
  html        clean_html on the same pages' HTML
  task-html   the per-source function (ingest.run_task: clean, split, analyse, sign) on the
              first --pages dragnet pages (bench_scale's `html`)
  task-jsonl  run_task on the pieces of SciFact's corpus.jsonl (bench_scale's `scifact`)

OLD_DIR is another checkout, e.g. `git archive main | tar -x -C /tmp/old`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SETS = ("scrapinghub", "dragnet", "readability")


def _inputs(what: str, pages: int) -> list[tuple[str, object]]:
    """(group, input) pairs, the same in every checkout (read from the shared data)."""
    if what in ("text", "html"):
        from bench.cleaning_data import load_pages, plain_dump, split_of

        return [(name, plain_dump(p.html) if what == "text" else p.html)
                for name in SETS for p in load_pages(name) if split_of(p) == "test"]
    from pipeline.ingest import JSONL_PIECE_BYTES, Task

    if what == "task-html":
        paths = sorted((DATA / "cleaning" / "dragnet" / "html").glob("*.html.gz"))[:pages]
        return [("dragnet", Task(rel=p.name[:-3], kind="html", trusted=False, data=gzip.decompress(p.read_bytes())))
                for p in paths]
    data = (DATA / "beir" / "scifact" / "corpus.jsonl").read_bytes()
    out, start = [], 0
    while start < len(data):  # pieces of whole lines, as the build cuts them
        end = data.find(b"\n", min(start + JSONL_PIECE_BYTES, len(data) - 1))
        end = len(data) if end < 0 else end + 1
        out.append(("scifact", Task(rel="corpus.jsonl", kind="jsonl", trusted=False, data=data[start:end],
                                    piece=len(out))))
        start = end
    return out


def worker(what: str, pages: int) -> None:
    """Reads page numbers on stdin, answers with the CPU seconds each took."""
    items = _inputs(what, pages)
    if what.startswith("task"):
        from pipeline.ingest import run_task as run
    else:
        from pipeline.clean import clean_html, clean_text

        run = clean_text if what == "text" else clean_html
        clean_text("Warm up sentence one is here. And two. " * 20)  # Punkt and the model load once
    run(items[0][1])
    print(len(items), flush=True)
    for line in sys.stdin:
        start = time.process_time()
        run(items[int(line)][1])
        print(time.process_time() - start, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, required=True, help="the other checkout")
    parser.add_argument("--what", default="text,html,task-html,task-jsonl")
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    codes = {"other": args.code.resolve(), "this": ROOT}
    for what in args.what.split(","):
        procs = {name: subprocess.Popen([sys.executable, __file__, "--worker", what, str(args.pages)], cwd=code,
                                        env={**os.environ, "PYTHONPATH": str(code)}, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                 for name, code in codes.items()}
        counts = {name: int(p.stdout.readline()) for name, p in procs.items()}
        if len(set(counts.values())) != 1:
            raise SystemExit(f"the checkouts read different inputs: {counts}")
        groups = [group for group, _ in _inputs(what, args.pages)]
        seconds: dict[tuple[str, str], float] = {}
        for r in range(args.rounds):
            for i, group in enumerate(groups):
                for name in (("other", "this") if (i + r) % 2 == 0 else ("this", "other")):
                    procs[name].stdin.write(f"{i}\n")
                    procs[name].stdin.flush()
                    seconds[group, name] = seconds.get((group, name), 0.0) + float(procs[name].stdout.readline())
        for p in procs.values():
            p.stdin.close()
            p.wait()
        for group in dict.fromkeys(groups):
            n = groups.count(group) * args.rounds
            other, this = seconds[group, "other"] / n * 1000, seconds[group, "this"] / n * 1000
            print(f"{what:<10} {group:<12} {n // args.rounds:>4} inputs: other {other:8.2f} ms, this {this:8.2f} ms "
                  f"an input ({this / other:.2f}x)", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.path.insert(0, os.environ.get("PYTHONPATH", str(ROOT)))
        worker(sys.argv[2], int(sys.argv[3]))
    else:
        main()
