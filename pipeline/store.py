"""The index folder on disk: generations, the lock, and the per-source cache.

    index/
      CURRENT            names the live generation (replaced atomically)
      gen-<hash>/        one complete, immutable index; <hash> is a hash of its files,
                         so two builds of the same sources give the same name and bytes
      cache/<key>.json   what processing one source produced, keyed by its content hash
                         and the build settings: an unchanged source is never re-cleaned
      stats.json         size, mtime and content hash of each source when last hashed:
                         the cheap freshness check (kept outside the generations, so a
                         generation depends only on the sources' names and bytes)
      dedupe.json        the deduper's verdicts per group of linked sentences (ingest.assemble)
      .lock              held (flock) by the one process writing; holds its pid

Every write goes to a temporary name first and is moved into place with os.replace
or os.rename, so a build killed at any moment leaves the previous index usable; the
next build finds the cache entries the killed one wrote and finishes the job.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import uuid
import zlib
from pathlib import Path
from typing import Callable

CHECKSUMS = "checksums.json"  # {"format": 2, "files": {file name: {"size", "crc32", "sha256"}}}
# 2: a crc32 per file, checked on every open; the sha256s only name the generation.
# 1 (no "format" key): {file name: [size, sha256]}, every sha256 checked on every open.
CHECKSUMS_FORMAT = 2
LOCK_POLL_SECONDS = 0.1  # how often a waiting process retries the lock
HASH_CHUNK = 1 << 20  # files are hashed in chunks: never the whole file in memory


class GenerationDamaged(Exception):
    """A generation's files do not match its checksums."""


class GenerationFormatChanged(GenerationDamaged):
    """A generation written by another version of winnow, whose checksums this one does not read."""


# --- the lock ---------------------------------------------------------------------------


class IndexLock:
    """An exclusive flock on index/.lock, with the holder's pid written in.

    A class because the state is real: the open file descriptor *is* the lock. The
    kernel releases a flock when its holder dies, so a lock file left by a killed
    process is simply taken over; the pid is only there to say whom we wait for.
    """

    def __init__(self, index_dir: Path, notify: Callable[[str], None] | None = None) -> None:
        self.path = Path(index_dir) / ".lock"
        self.notify = notify or (lambda message: None)
        self.fd: int | None = None

    def __enter__(self) -> "IndexLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "another process"
            self.notify(f"Waiting for the index lock held by pid {holder} ({self.path}).")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


# --- generations ------------------------------------------------------------------------


def file_crc32(path: Path) -> int:
    """The file's CRC-32, the checksum every open checks.

    Every `ask` reads every byte of the generation, so the check must run at memory
    speed: zlib.crc32 does ~5.3 GB/s here, adler32 ~3.4, sha256 ~1.8 (with SHA-NI),
    blake2b ~1.3 (bench/bench_open.py). A CRC-32 catches every burst of damage up to 32 bits and
    misses other garbling once in 2**32. It does not stop a forged file, but neither
    did a sha256 stored next to the files it vouches for.
    """
    crc = 0
    for chunk in _chunks(path):
        crc = zlib.crc32(chunk, crc)
    return crc


def _file_digests(path: Path) -> dict:
    """Size, CRC-32 and sha256 of a file, read once."""
    crc, sha = 0, hashlib.sha256()
    for chunk in _chunks(path):
        crc = zlib.crc32(chunk, crc)
        sha.update(chunk)
    return {"size": path.stat().st_size, "crc32": crc, "sha256": sha.hexdigest()}


def _chunks(path: Path):
    """The file's bytes in HASH_CHUNK pieces: never the whole file in memory."""
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            yield chunk


def new_generation_dir(index_dir: Path) -> Path:
    """A fresh temporary folder to write a generation into."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return tmp


def commit_generation(index_dir: Path, tmp: Path) -> Path:
    """Seal a written generation (checksums, fsync), move it into place, switch CURRENT to it."""
    files = {}
    for path in sorted(tmp.iterdir()):
        files[path.name] = _file_digests(path)
        _fsync(path)
    body = json.dumps({"format": CHECKSUMS_FORMAT, "files": files}, indent=1, sort_keys=True).encode("utf-8")
    (tmp / CHECKSUMS).write_bytes(body)
    _fsync(tmp / CHECKSUMS)
    final = index_dir / _generation_name(body)
    if final.exists():
        # The same sources were built before; the old copy may be the damaged one we
        # are replacing, so move it aside rather than trust it.
        trash = index_dir / f".old-{uuid.uuid4().hex[:8]}"
        os.rename(final, trash)
        shutil.rmtree(trash, ignore_errors=True)
    os.rename(tmp, final)
    pointer = index_dir / f".CURRENT-{os.getpid()}"
    pointer.write_text(final.name + "\n", encoding="utf-8")
    _fsync(pointer)
    os.replace(pointer, index_dir / "CURRENT")
    _fsync(index_dir)
    return final


def verify_generation(generation: Path) -> None:
    """Raise GenerationDamaged unless every file matches its recorded size and CRC-32.

    The checksums file itself is covered by the generation's name, a hash of its bytes.
    GenerationFormatChanged says another version of winnow wrote it: rebuild it.
    """
    try:
        body = (generation / CHECKSUMS).read_bytes()
        if generation.name != _generation_name(body):
            raise GenerationDamaged(f"{CHECKSUMS} does not match the generation's name")
        checksums = json.loads(body)
        found = checksums.get("format", 1)  # format 1 had no "format" key
        if found != CHECKSUMS_FORMAT:
            raise GenerationFormatChanged(f"checksums format {found!r}, this winnow reads {CHECKSUMS_FORMAT}")
        for name, entry in checksums["files"].items():
            path = generation / name
            if path.stat().st_size != entry["size"] or file_crc32(path) != entry["crc32"]:
                raise GenerationDamaged(f"{name} does not match its checksum")
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as error:
        raise GenerationDamaged(f"cannot check its files: {error}") from None


def _generation_name(checksums_body: bytes) -> str:
    # The sha256s in the body make the name a hash of every file's bytes.
    return f"gen-{hashlib.sha256(checksums_body).hexdigest()[:16]}"


def current_generation(index_dir: str | Path) -> Path | None:
    """The live generation folder, or None if there is no index yet."""
    pointer = Path(index_dir) / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    path = Path(index_dir) / name
    return path if name.startswith("gen-") and "/" not in name and path.is_dir() else None


def tidy(index_dir: Path, keep: set[str]) -> None:
    """Remove leftovers of killed builds and generations other than `keep` (call under the lock)."""
    if not index_dir.is_dir():
        return
    for path in index_dir.iterdir():
        name = path.name
        if name.startswith((".tmp-", ".old-")) or (name.startswith("gen-") and name not in keep):
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith((".CURRENT-", ".stats-", ".dedupe-")):
            path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- size and mtime of the sources ------------------------------------------------------------


def read_stats(index_dir: Path) -> tuple[dict, int | None]:
    """({source name: {size, mtime_ns, sha256}}, when written) from stats.json; empty if unusable."""
    path = Path(index_dir) / "stats.json"
    try:
        written_ns = path.stat().st_mtime_ns
        stats = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(stats, dict):
            return stats, written_ns
    except (OSError, ValueError):
        pass
    return {}, None


def write_stats(index_dir: Path, stats: dict) -> None:
    tmp = Path(index_dir) / f".stats-{os.getpid()}.tmp"
    tmp.write_text(json.dumps(stats, sort_keys=True), encoding="utf-8")
    os.replace(tmp, Path(index_dir) / "stats.json")


def read_dedupe_cache(index_dir: Path, settings_key: str) -> dict:
    """{group signature: verdicts} of the last build with these settings; empty if unusable."""
    try:
        cached = json.loads((Path(index_dir) / "dedupe.json").read_text(encoding="utf-8"))
        if isinstance(cached, dict) and cached.get("key") == settings_key and isinstance(cached.get("groups"), dict):
            return cached["groups"]
    except (OSError, ValueError):
        pass
    return {}


def write_dedupe_cache(index_dir: Path, settings_key: str, groups: dict) -> None:
    tmp = Path(index_dir) / f".dedupe-{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"key": settings_key, "groups": groups}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, Path(index_dir) / "dedupe.json")


# --- the per-source cache ------------------------------------------------------------------


class SourceCache:
    """Processed sources as plain JSON files named by a hash of (settings, kind, content).

    A class because it owns a folder and remembers which entries the current build used,
    so that the others can be removed afterwards.
    """

    def __init__(self, index_dir: Path, settings_key: str) -> None:
        self.folder = Path(index_dir) / "cache"
        self.folder_name = str(self.folder)
        self.settings_key = settings_key
        self.used: set[str] = set()

    def key(self, kind: str, sha256: str) -> str:
        return hashlib.sha256(f"{self.settings_key}\n{kind}\n{sha256}".encode()).hexdigest()

    def get(self, kind: str, sha256: str) -> dict | None:
        """The cached entry, or None if missing or unreadable (it is then rebuilt)."""
        key = self.key(kind, sha256)
        try:
            with open(os.path.join(self.folder_name, key + ".json"), "rb") as handle:  # no Path: hot loop
                entry = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        self.used.add(key)
        return entry

    def put(self, kind: str, sha256: str, entry: dict) -> None:
        key = self.key(kind, sha256)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({**entry, "key": key}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / f"{key}.json")
        self.used.add(key)

    def prune(self) -> None:
        """Drop entries the last build did not use (call under the lock, after a commit)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.stem not in self.used or path.name.startswith("."):
                path.unlink(missing_ok=True)
