"""What finding one record of a large JSON Lines corpus costs (`winnow show corpus.jsonl#id`, the
page's source?passage=): the full parse against the id scan.

    PYTHONPATH=. python bench/bench_show.py [--copies 10] [--repeat 3]

Writes SciFact's corpus (../shared/data/beir/scifact/corpus.jsonl) --copies times into one
temporary corpus, each copy's ids prefixed "K-" (10 copies: 81 MB, 51,830 records), then
times, in one process, for a record at the start, the middle and the end:

    full parse   ingest.corpus_file_documents(source, record): every line decoded and parsed
    id scan      ingest.corpus_record_documents(source, record): pieces whose bytes hold the id,
                 only their lines that hold it parsed, stopping at the record (what `show` runs)

CPU seconds, the best of --repeat runs after one untimed pass that fills the page cache, and
whether both gave the same documents. Speed is a benchmark, not a timed test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest import corpus_file_documents, corpus_record_documents  # noqa: E402
from pipeline.records import Source  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "data" / "beir" / "scifact" / "corpus.jsonl"


def _best(function, source: Source, record: str, repeat: int):
    function(source, record)  # the page cache filled
    best, documents = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        documents = function(source, record)
        best = min(best, time.process_time() - started)
    return best, documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not SCIFACT.is_file():
        sys.exit(f"no {SCIFACT}: the SciFact corpus is needed")
    records = [json.loads(line) for line in SCIFACT.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-show-") as folder:
        path = Path(folder) / "big.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for copy in range(args.copies):
                for record in records:
                    out.write(json.dumps({**record, "_id": f"{copy}-{record['_id']}"}) + "\n")
        source = Source(str(path), "big.jsonl", "jsonl", path.stat().st_size, 0)
        print(f"{path.stat().st_size / 1e6:.0f} MB, {args.copies * len(records):,} records; "
              f"CPU s, best of {args.repeat}")
        print(f"{'record':>14}  {'full parse':>10}  {'id scan':>8}  {'ratio':>6}  same")
        for where, copy, record in (("start", 0, records[0]), ("middle", args.copies // 2, records[len(records) // 2]),
                                    ("end", args.copies - 1, records[-1])):
            cited = f"big.jsonl#{copy}-{record['_id']}"
            full, a = _best(corpus_file_documents, source, cited, args.repeat)
            scan, b = _best(corpus_record_documents, source, cited, args.repeat)
            print(f"{where:>14}  {full:>10.3f}  {scan:>8.3f}  {full / max(scan, 1e-9):>5.0f}x  {a == b and bool(a)}")


if __name__ == "__main__":
    main()
