"""Scale benchmark (issue 13): every core, JSON Lines corpora, memory per passage, against the alternatives.

Prints one table, side by side, from one run:

  jobs      a full `build` of 400 real HTML pages (the dragnet set) with --jobs 1 and
            --jobs 2: wall and CPU time (the process and its workers), the ratio, and
            whether the two generations are the same (content-named, so same name = same bytes)
  html      per-source throughput on those pages (--jobs 1), against trafilatura.extract
            alone and against what a user would write: trafilatura.extract, 60-word
            chunks, bm25s
  text      the same on plain text: the pages' gold texts as .txt files, against a plain
            read, 60-word chunks, bm25s
  scifact   SciFact's corpus.jsonl (5,183 abstracts) built as one source, --jobs 1 and 2,
            against reading the JSON Lines, 60-word chunks, bm25s
  memory    a synthetic corpus.jsonl of N documents (one passage each) built with
            --jobs 2: peak resident memory of the build process (VmHWM) per passage;
            the workers' peak is shown apart (it does not grow with N)

Every measurement runs in a fresh process (`--worker`), so imports count and nothing
is shared. CPU is user + system time of the process and its children.

    PYTHONPATH=. python bench/bench_scale.py [--pages 400] [--memory 10000 50000 200000]
        [--code DIR] [--split-mb 7] [--only jobs,html,text,scifact,memory]

--code DIR runs winnow from another checkout (e.g. `git archive` of the commit before
this work); --split-mb writes the memory corpus as files of at most that many MB (the
code before this work skipped any source over 8 MB).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
DRAGNET = DATA / "cleaning" / "dragnet"
SCIFACT = DATA / "beir" / "scifact" / "corpus.jsonl"
CHUNK_WORDS = 60  # the alternative's passages: fixed 60-word chunks, as a user would cut them
MEMORY_SIZES = (10_000, 50_000, 200_000)


# --- workers: one measurement each, in a fresh process -------------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu(who: int | None = None) -> float:
    """CPU seconds of this process and its (finished) children, or of one of them."""
    total = 0.0
    for which in ((resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) if who is None else (who,)):
        usage = resource.getrusage(which)
        total += usage.ru_utime + usage.ru_stime
    return total


def worker_build(sources: str, index: str, jobs: int) -> dict:
    from pipeline.ingest import build_index
    from pipeline.store import current_generation

    cpu, own, wall = _cpu(), _cpu(resource.RUSAGE_SELF), time.perf_counter()
    try:
        report = build_index(sources, index, full=True, jobs=jobs)
    except TypeError:  # --code from before --jobs: one process
        report = build_index(sources, index, full=True)
    out = {"wall": time.perf_counter() - wall, "cpu": _cpu() - cpu, "passages": report.passages,
           "own_cpu": _cpu(resource.RUSAGE_SELF) - own,
           "sources": report.sources_read, "skipped": report.sources_skipped,
           "generation": current_generation(Path(index)).name,
           "peak_mb": _status_mb("VmHWM"),
           "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    return out


def _critical_path(result: dict, workers: int = 2) -> float:
    """Wall time on idle cores: the build process's own CPU, plus the workers' shared evenly."""
    return result["own_cpu"] + (result["cpu"] - result["own_cpu"]) / workers


def _chunks(text: str) -> list[str]:
    words = text.split()
    return [" ".join(words[i:i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS)]


def _bm25s(chunks: list[str]) -> None:
    import bm25s
    import Stemmer

    tokens = bm25s.tokenize(chunks, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)
    bm25s.BM25(method="lucene").index(tokens, show_progress=False)


def worker_alternative(sources: str, how: str) -> dict:
    """What a user would write: extract (trafilatura) or read, 60-word chunks, bm25s."""
    cpu, wall = _cpu(), time.perf_counter()
    chunks: list[str] = []
    extracted = 0.0
    if how == "trafilatura":
        import trafilatura

        for path in sorted(Path(sources).iterdir()):
            text = trafilatura.extract(path.read_text(encoding="utf-8", errors="replace")) or ""
            chunks.extend(_chunks(text))
        extracted = _cpu() - cpu
    elif how == "jsonl":
        with open(next(Path(sources).iterdir()), encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                chunks.extend(_chunks(f"{record.get('title', '')} {record['text']}"))
    else:
        for path in sorted(Path(sources).iterdir()):
            chunks.extend(_chunks(path.read_text(encoding="utf-8", errors="replace")))
    _bm25s(chunks)
    return {"wall": time.perf_counter() - wall, "cpu": _cpu() - cpu, "extract_cpu": extracted, "passages": len(chunks)}


WORKERS = {"build": worker_build, "alternative": worker_alternative}


def run_worker(code: Path, name: str, *args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    result = subprocess.run([sys.executable, __file__, "--worker", name, *map(str, args)], env=env,
                            capture_output=True, text=True, cwd=code)
    if result.returncode != 0:
        raise SystemExit(f"worker {name} {args} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- corpora ------------------------------------------------------------------------------------


def html_pages(folder: Path, n: int) -> Path:
    """The first n dragnet pages (sorted by id) as .html files."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((DRAGNET / "html").glob("*.html.gz"))[:n]:
        (folder / path.name[:-3]).write_bytes(gzip.decompress(path.read_bytes()))
    return folder


def text_pages(folder: Path, n: int) -> Path:
    """The gold texts of the first n dragnet pages as .txt files: real prose, one paragraph a line."""
    folder.mkdir(parents=True, exist_ok=True)
    gold = json.loads((DRAGNET / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(gold)[:n]:
        body = gold[key].get("articleBody") if isinstance(gold[key], dict) else gold[key]
        if body:
            (folder / f"{key}.txt").write_text(body.replace("\n", "\n\n"), encoding="utf-8")
    return folder


def synthetic_corpus(folder: Path, n: int, split_mb: float | None) -> Path:
    """A BEIR-style corpus of n documents of two sentences (about 35 words: one passage each)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    vocabulary = [a + b + c for a in "bdfgklmnprstvz" for b in ("a", "e", "i", "o", "u", "ai", "ou")
                  for c in ("n", "r", "s", "l", "t", "x", "m", "k", "nd", "st")]
    part, size, handle = 0, 0, None
    limit = split_mb * 1e6 if split_mb else float("inf")
    for i in range(n):
        if handle is None or size > limit:
            if handle:
                handle.close()
            handle = open(folder / f"corpus{part:03d}.jsonl", "w", encoding="utf-8")
            part, size = part + 1, 0
        first = " ".join(rng.choices(vocabulary, k=rng.randint(12, 20)))
        second = " ".join(rng.choices(vocabulary, k=rng.randint(12, 20)))
        line = json.dumps({"_id": f"d{i}", "title": f"Record {i}",
                           "text": f"{first.capitalize()} in case {i}. {second.capitalize()}."}) + "\n"
        handle.write(line)
        size += len(line)
    handle.close()
    return folder


# --- the table ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--memory", type=int, nargs="*", default=list(MEMORY_SIZES))
    parser.add_argument("--code", type=Path, default=ROOT, help="the winnow checkout to measure")
    parser.add_argument("--split-mb", type=float, default=None)
    parser.add_argument("--only", default="jobs,html,text,scifact,memory")
    args = parser.parse_args()
    only = set(args.only.split(","))
    code = args.code.resolve()
    lines = [f"winnow from {code}; {os.cpu_count()} cores", ""]

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        if only & {"jobs", "html"}:
            html = html_pages(tmp / "html", args.pages)
            n = len(list(html.iterdir()))
            mb = sum(p.stat().st_size for p in html.iterdir()) / 1e6
            one = run_worker(code, "build", html, tmp / "i-html-1", 1)
            two = run_worker(code, "build", html, tmp / "i-html-2", 2)
            say(f"{n} HTML pages ({mb:.1f} MB), full build        wall s    CPU s   passages")
            say(f"  winnow --jobs 1                        {one['wall']:8.2f} {one['cpu']:8.2f} {one['passages']:9d}")
            say(f"  winnow --jobs 2                        {two['wall']:8.2f} {two['cpu']:8.2f} {two['passages']:9d}")
            say(f"  --jobs 2 against --jobs 1: {one['wall'] / two['wall']:.2f}x faster (wall); same index: "
                f"{one['generation'] == two['generation']}")
            say(f"  --jobs 2: build process {two['own_cpu']:.2f} s CPU, workers {two['cpu'] - two['own_cpu']:.2f} s; "
                f"on two idle cores: {one['cpu'] / _critical_path(two):.2f}x faster than --jobs 1 "
                f"(its CPU / the build process's CPU plus half the workers')")
            if "html" in only:
                alt = run_worker(code, "alternative", html, "trafilatura")
                say(f"  trafilatura.extract + 60-word chunks + bm25s {alt['wall']:6.2f} {alt['cpu']:8.2f} "
                    f"{alt['passages']:9d}")
                say(f"  per source: winnow {n / one['cpu']:.1f} pages/s CPU ({mb / one['cpu']:.2f} MB/s); "
                    f"trafilatura.extract alone {n / alt['extract_cpu']:.1f} pages/s; winnow CPU / trafilatura "
                    f"alone {one['cpu'] / alt['extract_cpu']:.2f}x, / trafilatura+bm25s {one['cpu'] / alt['cpu']:.2f}x")
            say()
        if "text" in only:
            text = text_pages(tmp / "text", args.pages)
            n = len(list(text.iterdir()))
            mb = sum(p.stat().st_size for p in text.iterdir()) / 1e6
            one = run_worker(code, "build", text, tmp / "i-text-1", 1)
            alt = run_worker(code, "alternative", text, "read")
            say(f"{n} plain-text pages ({mb:.1f} MB), full build   wall s    CPU s   passages")
            say(f"  winnow --jobs 1                        {one['wall']:8.2f} {one['cpu']:8.2f} {one['passages']:9d}")
            say(f"  read + 60-word chunks + bm25s          {alt['wall']:8.2f} {alt['cpu']:8.2f} {alt['passages']:9d}")
            say(f"  per source: winnow {n / one['cpu']:.1f} pages/s CPU ({mb / one['cpu']:.2f} MB/s); "
                f"{one['cpu'] / alt['cpu']:.1f}x the alternative's CPU")
            say()
        if "scifact" in only:
            folder = tmp / "scifact"
            folder.mkdir()
            (folder / "corpus.jsonl").write_bytes(SCIFACT.read_bytes())
            one = run_worker(code, "build", folder, tmp / "i-sf-1", 1)
            two = run_worker(code, "build", folder, tmp / "i-sf-2", 2)
            alt = run_worker(code, "alternative", folder, "jsonl")
            say("SciFact corpus.jsonl (5,183 abstracts)         wall s    CPU s   passages")
            say(f"  winnow --jobs 1                        {one['wall']:8.2f} {one['cpu']:8.2f} {one['passages']:9d}")
            say(f"  winnow --jobs 2                        {two['wall']:8.2f} {two['cpu']:8.2f} {two['passages']:9d}")
            say(f"  read JSONL + 60-word chunks + bm25s    {alt['wall']:8.2f} {alt['cpu']:8.2f} {alt['passages']:9d}")
            say(f"  winnow CPU {one['cpu'] / alt['cpu']:.1f}x the alternative's; same index for 1 and 2 jobs: "
                f"{one['generation'] == two['generation']}; --jobs 2 on two idle cores: "
                f"{one['cpu'] / _critical_path(two):.2f}x faster")
            say()
        if "memory" in only and args.memory:
            say("synthetic corpus.jsonl, --jobs 2   MB on disk  files  passages  wall s  peak MB  KB/passage  "
                "workers' peak MB")
            previous = None
            for n in args.memory:
                folder = synthetic_corpus(tmp / f"mem{n}", n, args.split_mb)
                files = list(folder.iterdir())
                mb = sum(p.stat().st_size for p in files) / 1e6
                result = run_worker(code, "build", folder, tmp / f"i-mem{n}", 2)
                per = result["peak_mb"] * 1024 / max(1, result["passages"])
                say(f"  N = {n:<7d}                      {mb:10.1f} {len(files):6d} {result['passages']:9d} "
                    f"{result['wall']:7.1f} {result['peak_mb']:8.0f} {per:11.2f} {result['workers_peak_mb']:12.0f}")
                if previous:
                    growth = (result["peak_mb"] - previous["peak_mb"]) * 1024 / (result["passages"] - previous["passages"])
                    say(f"    from the previous N: {growth:.2f} KB per added passage")
                previous = result
                for path in files:
                    path.unlink()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.path.insert(0, os.environ.get("PYTHONPATH", str(ROOT)))
        arguments = sys.argv[3:]
        if sys.argv[2] == "build":
            print(json.dumps(worker_build(arguments[0], arguments[1], int(arguments[2]))))
        else:
            print(json.dumps(worker_alternative(arguments[0], arguments[1])))
    else:
        main()
