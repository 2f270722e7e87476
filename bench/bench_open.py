"""What checking a generation's checksums costs on open, by checksum.

    PYTHONPATH=. python bench/bench_open.py [--mb 100] [--repeat 7]

Writes a synthetic generation of about --mb MB into a temporary folder (one text
file of half the size, like passages.jsonl, and arrays of the rest, like the BM25
postings; fixed seed) and commits it with store.commit_generation. Then times, in
one process, each candidate checksum over every file of the generation, read in
store.HASH_CHUNK chunks from the page cache as an `ask` right after a build would:

    sha256    what every open checked before checksums format 2 (it still names the generation)
    blake2b   hashlib's other fast cryptographic hash
    adler32   zlib's cheaper, weaker checksum
    crc32     zlib's CRC-32, what every open checks now

and store.verify_generation itself (crc32 plus reading checksums.json). Each figure
is the best and the median of --repeat runs after one untimed pass that fills the
page cache. Speed is a benchmark, not a timed test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.store import HASH_CHUNK, commit_generation, new_generation_dir, verify_generation  # noqa: E402


def _hashlib(name: str):
    def digest(path: Path) -> str:
        state = hashlib.new(name)
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                state.update(chunk)
        return state.hexdigest()
    return digest


def _zlib(function, start: int):
    def checksum(path: Path) -> int:
        value = start
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                value = function(chunk, value)
        return value
    return checksum


CHECKSUMS = (("sha256", _hashlib("sha256")), ("blake2b", _hashlib("blake2b")),
             ("adler32", _zlib(zlib.adler32, 1)), ("crc32", _zlib(zlib.crc32, 0)))


def write_generation(index_dir: Path, megabytes: int) -> Path:
    """A committed generation of about `megabytes` MB: half text lines, half arrays."""
    rng = np.random.default_rng(7)
    half = megabytes * (1 << 20) // 2
    tmp = new_generation_dir(index_dir)
    words = rng.integers(0, 50_000, size=half // 7)
    text = "".join(f"w{w:05d}" + ("\n" if i % 60 == 59 else " ") for i, w in enumerate(words))
    (tmp / "passages.jsonl").write_text(text[:half], encoding="ascii")
    np.save(tmp / "post_docs.npy", rng.integers(0, 200_000, size=half // 8, dtype=np.int32))
    np.save(tmp / "post_impacts.npy", rng.random(half // 8, dtype=np.float32))
    return commit_generation(index_dir, tmp)


def _times(action, repeat: int) -> tuple[float, float]:
    action()  # fills the page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the generation in MB (default 100)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure (default 7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="winnow-open-") as folder:
        generation = write_generation(Path(folder), args.mb)
        files = sorted(path for path in generation.iterdir())
        size = sum(path.stat().st_size for path in files)
        rows = [(name, _times(lambda f=function: [f(path) for path in files], args.repeat))
                for name, function in CHECKSUMS]
        rows.append(("verify_generation", _times(lambda: verify_generation(generation), args.repeat)))
    print(f"{size / 1e6:.0f} MB generation, {len(files)} files; best / median of {args.repeat} runs\n")
    print(f"| {'checksum over every file':26} | {'best ms':>8} | {'median ms':>9} | {'GB/s':>5} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 11}|{'-' * 7}|")
    for name, (best, median) in rows:
        print(f"| {name:26} | {best * 1e3:8.1f} | {median * 1e3:9.1f} | {size / best / 1e9:5.2f} |")


if __name__ == "__main__":
    main()
