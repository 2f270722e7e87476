"""SciFact (BEIR) with winnow's pipeline, beside the published BM25 figures.

    python bench/bench_scifact.py [--data DIR] [--grid]

Builds the passages of corpus.jsonl once with the real ingest code, indexes them
in memory (no index folder is written), ranks documents by their best passage and
scores the test split with pipeline.evaluate. --grid also tries a small k1 x b x
heading-weight grid; choose from it with care: SciFact is one set, and the tuned
defaults must also hold on the seeds and on held-out BEIR sets. --whole-docs indexes
each abstract as one passage (what Pyserini's flat index does), for comparison.

Measured 2026-11-21 (test split, 300 queries), nDCG@10 / Recall@100:
  winnow, best passage (MaxP), k1 0.9 b 0.4       0.6815 / 0.9136  (corpus-weighted expansion, "%" = percent)
  the same before question expansion              0.6841 / 0.9102
  winnow, whole abstracts, k1 0.9 b 0.4          0.6806 / 0.9276
  winnow, whole abstracts, k1 1.2 b 0.75         0.6864 / 0.9242
  winnow, MaxP, Robertson idf                    0.6854 / 0.9136
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import analyze as analyzer  # noqa: E402
from pipeline import ingest  # noqa: E402
from pipeline.evaluate import MEASURES, evaluate, load_question_set  # noqa: E402
from pipeline.index import BM25Index, BM25Params  # noqa: E402
from pipeline.records import Source  # noqa: E402
from pipeline.search import Retriever  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "beir" / "scifact"
# Published BM25 on SciFact test (BEIR leaderboard / Pyserini regressions / bm25s README).
PUBLISHED = {
    "Pyserini flat (Lucene)": {"nDCG@10": 0.6789, "Recall@100": 0.9253},
    "Pyserini multifield": {"nDCG@10": 0.6647, "Recall@100": 0.9076},
    "bm25s": {"nDCG@10": 0.680},
}
GRID_K1 = (0.6, 0.9, 1.2, 1.5)
GRID_B = (0.3, 0.4, 0.6, 0.75)
GRID_HEADING = (1, 2)


class MemorySearcher(Retriever):
    """What pipeline.evaluate needs of a Searcher, without a folder on disk."""

    def __init__(self, passages, index, tokens):
        self._passages, self.index, self._tokens = passages, index, tokens

    def passages(self):
        return iter(self._passages)

    def passage_tokens(self, doc: int) -> list[str]:
        return self._tokens[doc]


def load_passages(corpus: Path):
    stat = corpus.stat()
    source = Source(path=str(corpus), rel=corpus.name, kind="jsonl", size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    _, documents = ingest.process_source(source)
    passages, dropped = ingest.assemble_passages(documents)
    return documents, passages, dropped


def run(passages, question_set, k1, b, heading_weight, idf="lucene"):
    heading_tokens = [analyzer.analyze(p.section) for p in passages]
    text_tokens = [analyzer.analyze(p.text) for p in passages]
    docs = [h * heading_weight + t for h, t in zip(heading_tokens, text_tokens)]
    index = BM25Index.build(docs, BM25Params(k1=k1, b=b, idf=idf))
    return evaluate(MemorySearcher(passages, index, docs), question_set, depth=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"BEIR SciFact folder (default {DEFAULT_DATA})")
    parser.add_argument("--split", default="test")
    parser.add_argument("--grid", action="store_true", help="also try a small k1 x b x heading-weight grid")
    parser.add_argument("--whole-docs", action="store_true", help="one passage per abstract (no splitting)")
    args = parser.parse_args()
    if args.whole_docs:
        from pipeline import split

        split.PASSAGE_MAX_WORDS = split.PASSAGE_MAX_SENTENCES = 10**9

    question_set = load_question_set(args.data, split=args.split)
    started = time.perf_counter()
    documents, passages, dropped = load_passages(args.data / "corpus.jsonl")
    print(f"{len(documents)} documents -> {len(passages)} passages ({dropped} duplicate sentences folded) "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    p = ingest.DEFAULT_PARAMS
    started = time.perf_counter()
    report = run(passages, question_set, p.k1, p.b, ingest.HEADING_WEIGHT, p.idf)
    seconds = time.perf_counter() - started
    print(f"SciFact {args.split}: {report.judged} queries; winnow defaults k1={p.k1} b={p.b} idf={p.idf} "
          f"heading weight={ingest.HEADING_WEIGHT}, documents by best passage ({seconds:.1f} s index+eval)\n")
    print(f"{'system':<28}{'nDCG@10':>9}{'Recall@100':>12}")
    for name, figures in PUBLISHED.items():
        recall = f"{figures['Recall@100']:.4f}" if "Recall@100" in figures else "-"
        print(f"{name:<28}{figures['nDCG@10']:>9.4f}{recall:>12}")
    print(f"{'winnow':<28}{report.metrics['nDCG@10']:>9.4f}{report.metrics['Recall@100']:>12.4f}\n")
    print("winnow, all measures: " + "  ".join(f"{m} {report.metrics[m]:.4f}" for m in MEASURES))

    if args.grid:
        print(f"\n{'k1':>5}{'b':>6}{'head':>6}{'nDCG@10':>9}{'RR@10':>8}{'R@100':>8}")
        for heading_weight in GRID_HEADING:
            for k1 in GRID_K1:
                for b in GRID_B:
                    m = run(passages, question_set, k1, b, heading_weight, p.idf).metrics
                    print(f"{k1:>5}{b:>6}{heading_weight:>6}{m['nDCG@10']:>9.4f}{m['RR@10']:>8.4f}"
                          f"{m['Recall@100']:>8.4f}", flush=True)


if __name__ == "__main__":
    main()
