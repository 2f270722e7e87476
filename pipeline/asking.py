"""How often a question word turns up in the answers it asks for: its term necessity.

A word that names what a question is about ("antibodies", "compiler") is in the documents
judged relevant to it; a word that asks ("involved", "articles", "interested", "show") mostly
is not: the answer says "associated with", not "involved". Robertson and Sparck Jones's
relevance weight has this as P(t | R), the share of the relevant documents that hold the
term (term necessity, Zhao and Callan 2010), which BM25's idf takes to be 1/2 for every
term. asking.tsv holds it for the words of judged queries, learned from BEIR collections'
relevance judgments: for every analyzer token (prefix tokens too) of a judged query, the
share of the query's relevant documents that hold it, averaged over the queries that have
the token, as a ratio to the collection's mean over every query token (so that a collection
of long queries, whose every word is found less often, is compared with itself); then pooled
over the collections, each collection's ratio counted once per query:

    token <TAB> queries <TAB> necessity (1.0: as often as an average query word)

Only tokens below 1 are written (the rest would never count less). The query (query.py,
`asking`) shrinks a token's ratio towards 1 by asking_prior pseudo-queries, so that a word
seen in two queries says little.

    python -m pipeline.asking [--data ../shared/data/beir] [--collections scifact,cranfield,cacm] [--out FILE]

rewrites asking.tsv from the collections' queries, corpora and qrels (every split found:
SciFact's train and test). Deterministic: sorted input and output, plain numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("asking.tsv")
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "beir"
COLLECTIONS = ("scifact", "cranfield", "cacm")
DIGITS = 3


@lru_cache(maxsize=8)
def load(path: str | Path = PATH) -> dict[str, tuple[int, float]]:
    """token -> (judged queries that had it, its necessity as a ratio to the mean)."""
    table: dict[str, tuple[int, float]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            token, queries, necessity = line.rstrip("\n").split("\t")
            table[token] = (int(queries), float(necessity))
    return table


def necessity(folder: Path, analyzer) -> dict[str, tuple[int, float]]:
    """token -> (queries, mean share of their relevant documents holding it / the collection's mean)
    for one BEIR folder, over every qrels split it has."""
    from .evaluate import load_question_set

    documents: dict[str, frozenset[str]] = {}
    with open(folder / "corpus.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            documents[str(record["_id"])] = frozenset(
                analyzer.analyze(f"{record.get('title') or ''} {record['text']}"))
    shares: dict[str, list[float]] = defaultdict(list)
    for qrels in sorted((folder / "qrels").glob("*.tsv")):
        judged = load_question_set(folder, split=qrels.stem)
        for question in judged.questions:
            relevant = [documents[d] for d, grade in sorted(judged.qrels[question.qid].items())
                        if grade > 0 and d in documents]
            if not relevant:
                continue
            for token in sorted(set(analyzer.analyze(question.text))):
                shares[token].append(sum(token in d for d in relevant) / len(relevant))
    pairs = [s for values in shares.values() for s in values]
    mean = sum(pairs) / len(pairs)
    return {t: (len(v), sum(v) / len(v) / mean) for t, v in shares.items()}


def pooled(tables: list[dict[str, tuple[int, float]]], min_collections: int = 1) -> dict[str, tuple[int, float]]:
    """The collections' ratios pooled, each weighted by its number of queries; only tokens
    asked in min_collections collections or more."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for table in tables:
        for token, (queries, ratio) in table.items():
            sums[token][0] += queries
            sums[token][1] += queries * ratio
            sums[token][2] += 1
    return {t: (n, total / n) for t, (n, total, seen) in sums.items() if seen >= min_collections}


def write(table: dict[str, tuple[int, float]], path: Path, sources: list[str]) -> int:
    rows = [(t, n, round(r, DIGITS)) for t, (n, r) in sorted(table.items()) if round(r, DIGITS) < 1]
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"# term necessity / the mean, from {', '.join(sources)} (python -m pipeline.asking)\n")
        for token, n, r in rows:
            handle.write(f"{token}\t{n}\t{r:g}\n")
    tmp.replace(path)
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the folder of the BEIR collections")
    parser.add_argument("--collections", default=",".join(COLLECTIONS), help="comma-separated folder names")
    parser.add_argument("--out", type=Path, default=PATH)
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from .analyze import DEFAULT

    names = args.collections.split(",")
    rows = write(pooled([necessity(args.data / name, DEFAULT) for name in names]), args.out, names)
    print(f"{args.out}: {rows} tokens", file=sys.stderr)


if __name__ == "__main__":
    main()
