"""Speed benchmark (issue 6): winnow's BM25 index against rank-bm25, bm25s, tantivy and plain numpy.

Builds the synthetic corpus of bench/corpus.py (Zipfian passages) with every engine and
prints one table, engines side by side, with each figure's ratio to winnow's.

Every engine runs in its own fresh worker process (`--worker ENGINE`), which reads the
passages, tokenizes them with pipeline.analyze.analyze (the same tokens for every
engine), builds, saves, reopens and queries. Memory is the worker's peak RSS (VmHWM)
during the build (the engine's import included), its high-water mark being reset once
the tokens are in memory; "build RSS growth" is that peak minus the RSS before the
build (interpreter, corpus text and tokens).

Query CPU is time.process_time around one call that returns the top 10 (query parsing
included), after one untimed pass over the same queries so that memory-mapped pages
are resident (steady state; rank-bm25 and numpy keep everything in RAM anyway).

    PYTHONPATH=. python bench/bench_speed.py [--docs 200000] [--queries 1000] [--skip-rank-bm25] [--ask-corpus]

bm25s, tantivy and rank-bm25 are benchmark-only extras, imported only in their workers.

--ask-corpus also measures what the issue asks for: the wall time of a whole `ask`
process on that index. The same passages are written as plain-text source files
(ASK_PASSAGES_PER_FILE per file, one paragraph each), indexed by winnow's real
pipeline (`winnow build`: cleaning, sentence splitting, dedupe, BM25; its wall time
is reported, ~2 minutes at 200k passages on 2 cores), then the `ask` console script
is run ASK_RUNS times after one warm-up. Each `ask` checks its index against the
sources folder (2,000 stats) before searching, as a user's would; a run that finds
the index stale, or prints anything on stderr, fails the measurement.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import LONG_QUERY_WORDS, passages, queries  # noqa: E402

K = 10
K1, B = 0.9, 0.4  # winnow's defaults, given to every engine that takes them
# rank-bm25 scans all documents in Python (~0.3-1.5 s per query at 200k docs): time a subset.
RANK_BM25_QUERIES = 50
# tantivy's writer memory budget: its documented default order of magnitude.
TANTIVY_HEAP = 200_000_000
ENGINES = ("winnow", "numpy-sparse", "bm25s", "tantivy", "rank-bm25")
# One long query (LONG_QUERY_WORDS) per this many common ones.
LONG_QUERIES_SHARE = 5
# A query for the fresh-process measurement: two mid-frequency words of the corpus.
FRESH_QUERY = "w00120 w03000"
# The `ask` measurement: a 4-word question (the 3-6 words) of mid- and low-frequency words.
ASK_QUERY = "w00120 w03000 w00450 w12000"
# 100 passages per file gives 2,000 files at 200k passages: a folder of pages, not one huge file.
ASK_PASSAGES_PER_FILE = 100
ASK_RUNS = 5  # timed runs after one warm-up; the median is reported


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_mb() -> float:
    """Peak resident set (high-water mark) of this process since the last reset, in MB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss across execve, so a worker would
    report the parent's peak (the parent holds the generated corpus).
    """
    return _status_mb("VmHWM")


def _reset_peak() -> float:
    """Reset the high-water mark to the current RSS (Linux >= 4.0); return that RSS in MB."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # not permitted: the peak then includes tokenizing, for every engine alike
    return _status_mb("VmRSS")


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _time_queries(run, query_sets: dict[str, list[list[str]]], warm: bool) -> dict[str, list[float]]:
    """CPU seconds per query for each query set (after one untimed pass if warm)."""
    out = {}
    for name, qs in query_sets.items():
        if warm:
            for q in qs:
                run(q)
        times = []
        for q in qs:
            start = time.process_time()
            run(q)
            times.append(time.process_time() - start)
        out[name] = times
    return out


# ---------------------------------------------------------------- engines (worker side)


def _winnow(tokens, query_sets, workdir: Path) -> dict:
    from pipeline.index import BM25Index, BM25Params

    result = {}
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    index = BM25Index.build(tokens, BM25Params(k1=K1, b=B))
    result["build_cpu"], result["build_wall"] = time.process_time() - start_cpu, time.perf_counter() - start_wall
    result["rss_after_build"] = _rss_mb()
    path = workdir / "winnow"
    path.mkdir()
    index.save(path)
    del index
    result["size_mb"] = _dir_mb(path)
    start = time.perf_counter()
    index = BM25Index.load(path)
    result["open_ms"] = (time.perf_counter() - start) * 1e3
    result["query_cpu"] = _time_queries(lambda q: index.search(q, K), query_sets, warm=True)
    # Exactness at scale: the pruned top 10 against exhaustive scores, ties by doc number.
    same = total = 0
    for qs in query_sets.values():
        for q in qs:
            scores = index.scores(q)
            matched = np.flatnonzero(scores > 0)  # every synthetic word has positive Lucene idf
            want = matched[np.lexsort((matched, -scores[matched]))][:K]
            same += index.search(q, K)[0].tolist() == want.tolist()
            total += 1
    result["exact"] = f"{same}/{total}"
    result["fresh_ms"] = _fresh_process(
        "from pipeline.analyze import analyze; from pipeline.index import BM25Index; "
        f"print(BM25Index.load({str(path)!r}).search(analyze({FRESH_QUERY!r}), 10)[0][:3])")
    return result


def _numpy_sparse(tokens, query_sets, workdir: Path) -> dict:
    """The plain reference: vocabulary dict, scipy CSC of BM25 weights, np.add.at per term."""
    import scipy.sparse

    result = {}
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    vocab: dict[str, int] = {}
    ids = [vocab.setdefault(t, len(vocab)) for doc in tokens for t in doc]
    lengths = np.array([len(doc) for doc in tokens], dtype=np.int64)
    rows = np.repeat(np.arange(len(tokens)), lengths)
    tf = scipy.sparse.csc_matrix((np.ones(len(ids), dtype=np.float32), (rows, np.array(ids))),
                                 shape=(len(tokens), len(vocab)))  # sums duplicates
    df = np.diff(tf.indptr)
    n = len(tokens)
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    dl = lengths[tf.indices] / lengths.mean()
    col = np.repeat(np.arange(len(vocab)), df)
    tf.data = (idf[col] * tf.data * (K1 + 1) / (tf.data + K1 * (1 - B + B * dl))).astype(np.float32)
    result["build_cpu"], result["build_wall"] = time.process_time() - start_cpu, time.perf_counter() - start_wall
    result["rss_after_build"] = _rss_mb()
    indptr, indices, data = tf.indptr, tf.indices, tf.data

    def search(q):
        scores = np.zeros(n, dtype=np.float32)
        for t in q:
            j = vocab.get(t)
            if j is not None:
                np.add.at(scores, indices[indptr[j]:indptr[j + 1]], data[indptr[j]:indptr[j + 1]])
        top = np.argpartition(-scores, K)[:K]
        return top[np.argsort(-scores[top])]

    result["query_cpu"] = _time_queries(search, query_sets, warm=True)
    return result


def _bm25s(tokens, query_sets, workdir: Path) -> dict:
    import bm25s

    result = {}
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    retriever = bm25s.BM25(k1=K1, b=B, method="lucene", backend="numpy")
    retriever.index(tokens, show_progress=False)
    result["build_cpu"], result["build_wall"] = time.process_time() - start_cpu, time.perf_counter() - start_wall
    result["rss_after_build"] = _rss_mb()
    path = workdir / "bm25s"
    retriever.save(str(path), show_progress=False)
    del retriever
    result["size_mb"] = _dir_mb(path)
    start = time.perf_counter()
    retriever = bm25s.BM25.load(str(path), mmap=True, show_progress=False)
    result["open_ms"] = (time.perf_counter() - start) * 1e3

    def search(q):
        return retriever.retrieve([q], k=K, backend_selection="numpy", show_progress=False, n_threads=0)

    result["query_cpu"] = _time_queries(search, query_sets, warm=True)
    result["fresh_ms"] = _fresh_process(
        f"import bm25s; r = bm25s.BM25.load({str(path)!r}, mmap=True, show_progress=False); "
        f"print(r.retrieve([{FRESH_QUERY.split()!r}], k=10, backend_selection='numpy', show_progress=False))")
    return result


def _tantivy(tokens, query_sets, workdir: Path) -> dict:
    import tantivy

    result = {}
    path = workdir / "tantivy"
    path.mkdir()
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False)
    index = tantivy.Index(builder.build(), path=str(path))
    writer = index.writer(heap_size=TANTIVY_HEAP, num_threads=0)
    for doc in tokens:  # the analyzed tokens, space-joined: tantivy re-splits them unchanged
        writer.add_document(tantivy.Document(body=" ".join(doc)))
    writer.commit()
    writer.wait_merging_threads()
    result["build_cpu"], result["build_wall"] = time.process_time() - start_cpu, time.perf_counter() - start_wall
    result["rss_after_build"] = _rss_mb()
    del writer, index
    result["size_mb"] = _dir_mb(path)
    start = time.perf_counter()
    index = tantivy.Index.open(str(path))
    searcher = index.searcher()
    result["open_ms"] = (time.perf_counter() - start) * 1e3

    def search(q):
        return searcher.search(index.parse_query(" ".join(q), ["body"]), K, count=False).hits

    result["query_cpu"] = _time_queries(search, query_sets, warm=True)
    result["fresh_ms"] = _fresh_process(
        f"import tantivy; ix = tantivy.Index.open({str(path)!r}); "
        f"print(ix.searcher().search(ix.parse_query({FRESH_QUERY!r}, ['body']), 10, count=False).hits[:1])")
    return result


def _rank_bm25(tokens, query_sets, workdir: Path) -> dict:
    from rank_bm25 import BM25Okapi

    result = {}
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    bm25 = BM25Okapi(tokens, k1=K1, b=B)
    result["build_cpu"], result["build_wall"] = time.process_time() - start_cpu, time.perf_counter() - start_wall
    result["rss_after_build"] = _rss_mb()

    def search(q):
        scores = bm25.get_scores(q)
        return np.argsort(scores)[::-1][:K]  # what BM25Okapi.get_top_n does

    subset = {name: qs[:RANK_BM25_QUERIES] for name, qs in query_sets.items()}
    result["query_cpu"] = _time_queries(search, subset, warm=False)
    return result


WORKERS = {"winnow": _winnow, "numpy-sparse": _numpy_sparse, "bm25s": _bm25s,
           "tantivy": _tantivy, "rank-bm25": _rank_bm25}


def _fresh_process(code: str) -> float:
    """Wall ms of a whole new `python -c` process running code."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1e3


def _ask_command() -> tuple[list[str], str]:
    """The installed `ask` console script (it imports cli from PYTHONPATH first), else `python cli.py ask`."""
    script = Path(sys.executable).parent / "ask"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)], "ask (console script)"
    return [sys.executable, str(ROOT / "cli.py"), "ask"], "python cli.py ask"


def ask_process(texts: list[str], base: Path) -> dict:
    """Build a real index from source files of the passages, then time whole `ask` processes."""
    sources, index = base / "ask-sources", base / "ask-index"
    sources.mkdir()
    n_files = 0
    for n_files, start in enumerate(range(0, len(texts), ASK_PASSAGES_PER_FILE), 1):
        # One passage per paragraph: two synthetic passages (45+ words each) exceed
        # PASSAGE_MAX_WORDS together, so the splitter keeps every one on its own.
        chunk = texts[start:start + ASK_PASSAGES_PER_FILE]
        (sources / f"page{n_files:05d}.txt").write_text("\n\n".join(chunk) + "\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    print(f"building the `ask` index from {n_files:,} source files ...", file=sys.stderr)
    start = time.perf_counter()
    build = subprocess.run([sys.executable, str(ROOT / "cli.py"), "build", "--sources", str(sources),
                            "--index", str(index), "--json"],
                           env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    build_wall = time.perf_counter() - start
    summary = json.loads(build.stdout)
    command, name = _ask_command()
    argv = command + ["--sources", str(sources), "--index", str(index), ASK_QUERY]
    times = []
    for run in range(ASK_RUNS + 1):  # the first run warms the page cache and is not timed
        start = time.perf_counter()
        proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0 or proc.stderr.strip() or not proc.stdout.startswith("1. "):
            raise RuntimeError(f"`{name}` did not answer from an up-to-date index: {proc.stderr.strip()[-300:]}")
        if run:
            times.append(elapsed)
    return {"ask_ms": float(np.median(times)) * 1e3, "ask_ms_all": [t * 1e3 for t in times],
            "ask_command": name, "ask_files": n_files, "ask_passages": summary["passages"],
            "ask_duplicates": summary["duplicates_dropped"], "ask_build_wall": build_wall,
            "ask_build_seconds": summary["seconds"]}


def worker(engine: str, workdir: Path) -> None:
    """Tokenize the corpus written by the parent, run one engine, print its figures as JSON."""
    from pipeline.analyze import analyze

    texts = (workdir / "passages.txt").read_text(encoding="utf-8").split("\n")
    query_sets = json.loads((workdir / "queries.json").read_text(encoding="utf-8"))
    start_cpu = time.process_time()
    tokens = [analyze(text) for text in texts]
    analyze_cpu = time.process_time() - start_cpu
    rss_before = _reset_peak()
    result = WORKERS[engine](tokens, query_sets, workdir)
    result["analyze_cpu"] = analyze_cpu
    result["rss_before_build"] = rss_before
    print(json.dumps(result))


# ---------------------------------------------------------------- parent: run and print


def _ms(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1e3, q))


def table(results: dict[str, dict], n_docs: int, n_queries: int) -> str:
    """One text table: a row per figure, a column per engine, ratios to winnow."""
    def qcpu(name: str, q: float):
        return lambda r: _ms(r["query_cpu"][name], q) if "query_cpu" in r else None

    rows = [
        ("query CPU ms, common, median", qcpu("common", 50)),
        ("query CPU ms, common, p95", qcpu("common", 95)),
        ("query CPU ms, rare, median", qcpu("rare", 50)),
        ("query CPU ms, rare, p95", qcpu("rare", 95)),
        (f"query CPU ms, {LONG_QUERY_WORDS[0]} words, median", qcpu("long", 50)),
        ("build CPU s, from tokens", lambda r: r.get("build_cpu")),
        ("build wall s, from tokens", lambda r: r.get("build_wall")),
        ("build CPU s, incl. analyze", lambda r: r["build_cpu"] + r["analyze_cpu"] if "build_cpu" in r else None),
        ("peak RSS MB during build (VmHWM)", lambda r: r.get("rss_after_build")),
        ("build RSS growth MB", lambda r: r["rss_after_build"] - r["rss_before_build"]
         if "rss_after_build" in r else None),
        ("index on disk MB", lambda r: r.get("size_mb")),
        ("open index ms", lambda r: r.get("open_ms")),
        ("fresh `python -c` open+1 query, wall ms", lambda r: r.get("fresh_ms")),
        (f"whole `ask` process on the {n_docs / 1000:g}k index, wall ms", lambda r: r.get("ask_ms")),
    ]
    engines = [e for e in ENGINES if e in results]
    header = ["figure"] + engines
    lines = []
    for label, get in rows:
        base = get(results["winnow"]) if "winnow" in results else None
        cells = [label]
        for engine in engines:
            value = get(results[engine]) if "error" not in results[engine] else None
            if value is None:
                cells.append("n/a")
            elif engine == "winnow" or not base:
                cells.append(f"{value:.3g}")
            else:
                cells.append(f"{value:.3g} ({value / base:.2g}x)")
        lines.append(cells)
    widths = [max(len(row[i]) for row in lines + [header]) for i in range(len(header))]
    fmt = lambda row: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
    out = [f"{n_docs:,} passages, {n_queries:,} common + {n_queries:,} rare + {max(1, n_queries // LONG_QUERIES_SHARE):,} "
           f"long queries, top {K}; "
           "(ratio = engine / winnow)", fmt(header), fmt(["-" * w for w in widths])]
    out += [fmt(row) for row in lines]
    notes = []
    if "exact" in results.get("winnow", {}):
        notes.append(f"winnow top-{K} identical to exhaustive scoring: {results['winnow']['exact']}")
    ask = results.get("winnow", {})
    if "ask_ms" in ask:
        runs = ", ".join(f"{t:.0f}" for t in ask["ask_ms_all"])
        notes.append(f"`ask`: {ask['ask_command']} {ASK_QUERY!r} --sources/--index, median of {ASK_RUNS} runs "
                     f"after a warm-up ({runs} ms); index built by `winnow build` from {ask['ask_files']:,} .txt "
                     f"files: {ask['ask_passages']:,} passages ({ask['ask_duplicates']} duplicates dropped), "
                     f"{ask['ask_build_wall']:.0f} s wall (build's own timer {ask['ask_build_seconds']:.0f} s)")
    if "ask_error" in ask:
        notes.append(f"`ask` measurement failed: {ask['ask_error']}")
    if "rank-bm25" in results:
        notes.append(f"rank-bm25 query CPU over the first {RANK_BM25_QUERIES} queries of each set only")
    notes.append("tantivy: k1=1.2, b=0.75 (fixed by tantivy), 1-byte fieldnorms; others k1=0.9, b=0.4, Lucene idf "
                 "(rank-bm25: Robertson idf)")
    for engine, r in results.items():
        if "error" in r:
            notes.append(f"{engine} failed: {r['error']}")
    return "\n".join(out + [""] + notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000, help="passages in the corpus (default 200000)")
    parser.add_argument("--queries", type=int, default=1_000, help="queries per set (default 1000)")
    parser.add_argument("--skip-rank-bm25", action="store_true", help="leave out rank-bm25 (slow)")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated subset of engines ('' for none, e.g. with --ask-corpus)")
    parser.add_argument("--ask-corpus", action="store_true",
                        help="also build a real index from source files and time whole `ask` processes (~2 min)")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.workdir)
        return

    engines = [e for e in args.engines.split(",") if e]
    if args.skip_rank_bm25 and "rank-bm25" in engines:
        engines.remove("rank-bm25")
    base = Path(tempfile.mkdtemp(prefix="winnow-bench-"))
    try:
        print(f"generating {args.docs:,} passages ...", file=sys.stderr)
        texts = passages(args.docs)
        (base / "passages.txt").write_text("\n".join(texts), encoding="utf-8")
        query_sets = {"common": queries(args.queries, rare=False), "rare": queries(args.queries, rare=True),
                      # long questions (a pasted paragraph): fewer, each costs more
                      "long": queries(max(1, args.queries // LONG_QUERIES_SHARE), rare=False, lengths=LONG_QUERY_WORDS)}
        (base / "queries.json").write_text(json.dumps(query_sets), encoding="utf-8")
        results = {}
        for engine in engines:
            print(f"running {engine} ...", file=sys.stderr)
            workdir = base / engine
            workdir.mkdir()
            for name in ("passages.txt", "queries.json"):
                os.link(base / name, workdir / name)
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", engine, "--workdir", str(workdir)],
                env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True)
            if proc.returncode != 0:
                results[engine] = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
            else:
                results[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"  {engine}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
            shutil.rmtree(workdir)
        if args.ask_corpus:
            try:
                results.setdefault("winnow", {}).update(ask_process(texts, base))
            except (RuntimeError, subprocess.CalledProcessError) as error:
                detail = getattr(error, "stderr", None) or str(error)
                results.setdefault("winnow", {})["ask_error"] = detail.strip().splitlines()[-1]
            finally:
                shutil.rmtree(base / "ask-sources", ignore_errors=True)
                shutil.rmtree(base / "ask-index", ignore_errors=True)
        del texts
        print(table(results, args.docs, args.queries))
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
