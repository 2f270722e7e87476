"""The index folder on disk: generations, the lock, and the per-source cache.

    index/
      CURRENT            names the live generation (replaced atomically)
      gen-<hash>/        one complete, immutable index; <hash> is a hash of its files,
                         so two builds of the same sources give the same name and bytes
      cache/<key>.bin    what processing one source produced, keyed by its content hash
                         and the build settings: an unchanged source is never re-cleaned
      stats.bin          size, mtime and content hash of each source when last hashed:
                         the cheap freshness check (kept outside the generations, so a
                         generation depends only on the sources' names and bytes)
      sniffs.json        what the first bytes of each source without an extension said (a kind,
                         or why it was skipped), with its size and mtime: a refresh reads the
                         heads of new and changed ones only
      .lock              held (flock) by the one process writing; holds its pid

Every write goes to a temporary name first and is moved into place with os.replace
or os.rename, so a build killed at any moment leaves the previous index usable; the
next build finds the cache entries the killed one wrote and finishes the job.

A shared or downloaded index folder is untrusted input: nothing here follows a link
it did not make (files are opened with O_NOFOLLOW, folders checked with lstat, and a
link where the lock, the cache or a generation should be is removed, never its
target), temporary names are created exclusively, every read is bounded, and every
file is validated on read (checksums, then schema and bounds), so no write lands
outside the index folder and no crafted file makes a reader hang or crash.
"""

from __future__ import annotations

import bisect
import errno
import fcntl
import hashlib
import itertools
import json
import operator
import os
import stat
import time
import uuid
import zlib
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import WinnowError
from .units import PackedDocuments, pack_documents

# The format of a generation's files (the manifest's settings "index_format"):
# 2: checksummed content-named generations, content hashes of skipped sources;
# 3: CRC-32s checked on open (store.CHECKSUMS_FORMAT 2), sha256s only name the generation
# 4: segments (segments.py) with deletions and dedupe signatures; sizes and edges checked on open
# 5: each segment's unit topics one line each, with their totals (a refresh reads what it changes);
#    the manifest's sources in columns
# 6: a JSON Lines record's source names its file ("corpus.jsonl#<_id>"), so the same _id in two
#    files makes two sources
# 7: the sources indexed in a base file (store.SOURCES_BASE), hard-linked while it stays, and the
#    manifest's changes since it
# 8: that base is a binary table (sources.bin, store.pack_table), not JSON (sources.json)
# 9: each segment's words kept per unit in an array (segments.TOPIC_KEPT), out of its topic totals
# 10: a segment's cited names left out of its segment.json when they are its unit names
# 11: a segment's topic_totals.json counts the title terms of an eighth of its titles or more, every
#     term's count in its topic_terms.json (segments.TOPIC_HEAD_SHARE)
INDEX_FORMAT_VERSION = 11

CHECKSUMS = "checksums.json"  # {"format": 3, "files": {file name: {"size", "crc32", "edges", "sha256"}}}
# 3: "edges", the CRC-32 of a big file's first and last EDGE_BYTES: what an open checks of it
#    (sizes of every file, whole CRC-32s of small ones); every byte is checked when the
#    generation is written, by `winnow status --check` and by a build before reusing it.
# 2: a crc32 per file, checked on every open; the sha256s only name the generation.
# 1 (no "format" key): {file name: [size, sha256]}, every sha256 checked on every open.
CHECKSUMS_FORMAT = 3
# On open, files no bigger than their two edges are checked whole; bigger ones by size
# and their edges. 200k passages: 213 MB, 42 ms to CRC whole at every `ask`; the edges of
# its ~20 files are ~2.5 MB. (Up to 1 MB whole, the files that grow with the sources
# (segment.json, the offsets, the unit tables) cost a one-edit refresh at 20,000 sources
# ~3 MB read and checked, 10 times what they cost at 2,000.)
EDGE_BYTES = 1 << 16
FULL_CHECK_BYTES = 2 * EDGE_BYTES
LOCK_POLL_SECONDS = 0.1  # how often a waiting process retries the lock
# How long a build waits for another process's build before giving up. A seed build
# takes ~2 s and a 2,000-source one ~12 s (README): a lock held for a minute belongs
# to a very large build or to a process that was stopped, and waiting longer looks
# like a hang. `--wait` changes it.
DEFAULT_LOCK_WAIT_SECONDS = 60.0
HASH_CHUNK = 1 << 20  # files are hashed in chunks: never the whole file in memory
# Upper bounds on the small bookkeeping files (CURRENT, checksums.json, stats.bin,
# dedupe.json, a cache entry): far above anything a build writes (a cache entry of
# an 8 MB page is ~40 MB), low enough that a crafted file cannot exhaust memory.
MAX_POINTER_BYTES = 4096
MAX_SMALL_FILE_BYTES = 256 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class GenerationDamaged(Exception):
    """A generation's files do not match its checksums."""


class GenerationFormatChanged(GenerationDamaged):
    """A generation written by another version of winnow, whose checksums this one does not read."""


class LockTimeout(WinnowError):
    """Another process held the index lock for longer than we were willing to wait."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


class IndexUnwritable(WinnowError):
    """The index folder cannot be written: read-only, full, or not ours to write."""


def unwritable(error: OSError, index_dir: Path) -> IndexUnwritable:
    """One clear sentence for an OSError met while writing the index."""
    reasons = {errno.EROFS: "the file system is read-only", errno.ENOSPC: "the disk is full",
               errno.EDQUOT: "the disk quota is exhausted", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied"}
    reason = reasons.get(error.errno)
    if reason is None:
        # numpy reports a short write as "2860 requested and 496 written", no errno.
        detail = error.strerror or str(error)
        reason = f"{detail} (is the disk full?)" if error.errno is None else detail
    return IndexUnwritable(f"cannot write the index in {index_dir}: {reason}")


# --- files the index folder owns: no links followed, bounded reads, exclusive temporaries -----


def read_own(path: Path, limit: int = MAX_SMALL_FILE_BYTES) -> bytes:
    """The bytes of a regular file in the index folder, never through a link, at most `limit`.

    Raises OSError (ELOOP for a link, EINVAL for anything not a regular file or too big).
    O_NONBLOCK: a FIFO planted under a known name must not block the open.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
        # One read of the whole size (a regular file's comes whole; a loop for the rest if not):
        # in 1 MB chunks, joined, the 2 MB tables a refresh reads cost a copy more (~0.5 ms each).
        chunks, left = [], info.st_size + 1
        while left > 0 and (chunk := os.read(fd, left)):
            chunks.append(chunk)
            left -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def write_own(path: Path, data: bytes | list, sync: bool = False) -> None:
    """Write a file in the index folder atomically: an exclusive temporary, then os.replace.

    data: the bytes, or a list of byte buffers written one after another (never joined).

    O_EXCL | O_NOFOLLOW: a link planted under the temporary name makes the open fail
    instead of writing through it; os.replace then swaps the directory entry, so a
    link at `path` itself is replaced, not written through.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    try:
        for chunk in data if isinstance(data, list) else [data]:
            view = memoryview(chunk)
            if view.format != "B" or view.ndim != 1:
                view = view.cast("B")
            while view:
                view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        try:
            os.replace(tmp, path)
        except IsADirectoryError:  # a folder where our file belongs: ours to remove
            _remove_entry(path)
            os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        _remove_entry(tmp)
        raise


def own_folder(path: Path) -> Path:
    """Make sure `path` is a real folder of ours: a link or a file in its place is removed first."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        _remove_entry(path)  # a link is unlinked, never followed
    os.makedirs(path, exist_ok=True)
    return path


def _remove_entry(path: Path) -> None:
    """Remove a directory entry of the index folder without following it (a link goes, not its target)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        remove_tree(path)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def remove_tree(top: Path) -> None:
    """shutil.rmtree(top, ignore_errors=True) without recursion, never following a link.

    shutil.rmtree recurses once per level before Python 3.12: a planted folder nested
    a thousand deep would raise RecursionError. What cannot be removed is left.
    """
    folders, stack = [], [os.fspath(top)]
    while stack:
        folder = stack.pop()
        folders.append(folder)
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
    for folder in reversed(folders):  # children before their parents
        try:
            os.rmdir(folder)
        except OSError:
            pass


# --- the lock ---------------------------------------------------------------------------


class IndexLock:
    """An exclusive flock on index/.lock, with the holder's pid written in.

    A class because the state is real: the open file descriptor *is* the lock. The
    kernel releases a flock when its holder dies, so a lock file left by a killed
    process is simply taken over; the pid is only there to say whom we wait for.
    A holder that is alive but stuck (stopped, or very slow) is waited for `wait`
    seconds at most (None: DEFAULT_LOCK_WAIT_SECONDS), then LockTimeout is raised.
    Whatever sits at .lock that is not a regular file (a link, a folder, a FIFO) is
    removed and replaced, never opened through.
    """

    def __init__(self, index_dir: Path, notify: Callable[[str], None] | None = None,
                 wait: float | None = None) -> None:
        self.path = Path(index_dir) / LOCK_NAME
        self.notify = notify or (lambda message: None)
        self.wait = DEFAULT_LOCK_WAIT_SECONDS if wait is None else max(0.0, float(wait))
        self.fd: int | None = None
        self.taken_over = False  # the last holder died holding it (what it wrote may be left over)

    def _open(self) -> int:
        """A descriptor of .lock, a regular file: anything else there is replaced first."""
        for _ in range(8):  # each round removes one planted entry; a ninth means someone keeps planting
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | _NOFOLLOW, 0o644)
            except OSError as error:
                if error.errno not in (errno.ELOOP, errno.EISDIR, errno.ENXIO):  # link, folder, socket
                    raise
                self._replace_planted()
                continue
            if stat.S_ISREG(os.fstat(fd).st_mode):
                return fd
            os.close(fd)
            self._replace_planted()
        raise OSError(errno.EINVAL, "keeps finding something other than a file there", str(self.path))

    def _replace_planted(self) -> None:
        """Move whatever is at .lock aside (renaming a link moves the link), then drop it."""
        aside = self.path.with_name(f".old-lock-{uuid.uuid4().hex[:8]}")
        try:
            if stat.S_ISREG(os.lstat(self.path).st_mode):
                return  # another process already put a real lock file there: use it
            os.rename(self.path, aside)
        except FileNotFoundError:
            return  # another process moved it first
        self.notify(f"Replaced {self.path}: it was not a plain lock file.")
        _remove_entry(aside)

    def __enter__(self) -> "IndexLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)  # the index folder itself is the user's to choose
        fd = self._open()
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self.holder(fd)
                if self.wait > 0:
                    self.notify(f"Waiting for the index lock held by pid {holder} ({self.path}).")
                deadline = time.monotonic() + self.wait
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise LockTimeout(
                                f"the index in {self.path.parent} is still being written by pid {holder} after "
                                f"{self.wait:g} s; try again later or wait longer with --wait SECONDS",
                                holder) from None
                        time.sleep(LOCK_POLL_SECONDS)
            # A holder exits by emptying the file: a pid still there is a build that was killed.
            self.taken_over = bool(os.pread(fd, 32, 0).strip())
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return self

    @staticmethod
    def holder(fd: int) -> str:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return text if text.isdigit() else "another process"

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass  # a full or read-only disk must not hide the error that got us here
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def lock_holder(index_dir: Path) -> str | None:
    """The pid holding the index lock right now, or None if nobody holds it (never blocks)."""
    try:
        fd = os.open(Path(index_dir) / LOCK_NAME, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return IndexLock.holder(fd)
        except OSError:
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


# --- tables of names in columns ---------------------------------------------------------------


def pack_table(magic: bytes, ints: list, texts: list[list[str]]) -> list:
    """A table of n rows as buffers to write (write_own): `magic`, then int64 n and each text
    column's bytes, then the int64 columns (n values each), then the text columns (UTF-8, NUL
    between values: no file name holds one). read_table reads it back by a few C calls a column
    (a split, a tolist), with no type to check per value: the sources' names and hashes are read
    at every refresh and `ask` (bench/bench_tables.py, 20,000 sources, medians under load: stats
    16.0 -> 12.1 ms, sources base 8.9 -> 6.2 ms against JSON lists)."""
    blobs = list(map(join_column, texts))
    n = len(texts[0]) if texts else len(ints[0])
    head = np.array([n] + [len(blob) for blob in blobs], dtype="<i8")
    return [magic, head] + [np.asarray(column, dtype="<i8") for column in ints] + blobs


def read_table(data: bytes, magic: bytes, n_ints: int, n_texts: int, raw: tuple = (),
               arrays: bool = False) -> tuple[list, list] | None:
    """(int columns, text columns) of a pack_table's bytes, or None if they are not one (every
    column n rows long, the bytes exactly what the header says). The text columns numbered in
    `raw` are given as their bytes, not split (split_column splits one); arrays=True gives the
    int columns as int64 arrays (read-only views of `data`), not lists."""
    head = len(magic) + 8 * (1 + n_texts)
    if not data.startswith(magic) or len(data) < head:
        return None
    n, *sizes = np.frombuffer(data, dtype="<i8", count=1 + n_texts, offset=len(magic)).tolist()
    at = head + 8 * n * n_ints
    if min([n, *sizes]) < 0 or len(data) != at + sum(sizes):
        return None
    ints = [np.frombuffer(data, dtype="<i8", count=n, offset=head + 8 * n * c) for c in range(n_ints)]
    if not arrays:
        ints = [column.tolist() for column in ints]
    texts = []
    for c, size in enumerate(sizes):
        blob = data[at:at + size]
        at += size
        if c in raw:  # n values: n - 1 separators (none for no value, and then no bytes)
            if _nul_count(blob) != max(n - 1, 0) or (n == 0 and blob):
                return None
            texts.append(blob)
            continue
        texts.append(split_column(blob, n))
        if len(texts[-1]) != n:
            return None
    return ints, texts


def _nul_count(blob: bytes) -> int:
    """How many NUL bytes the blob holds (a numpy count: bytes.count took ~0.8 ms for a 1.3 MB column)."""
    return len(blob) - int(np.count_nonzero(np.frombuffer(blob, dtype=np.uint8)))


def split_column(blob: bytes, n: int) -> list[str]:
    """The n values of a text column of pack_table's."""
    return blob.decode("utf-8", "surrogateescape").split("\0") if n else []


def join_column(values: list[str]) -> bytes:
    """A text column's bytes (pack_table's), to compare with a stored one without splitting it."""
    return "\0".join(values).encode("utf-8", "surrogateescape")


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
    """Size, CRC-32, edge CRC-32 and sha256 of a file, read once (the edges read again: 128 KB)."""
    crc, sha, size = 0, hashlib.sha256(), 0
    for chunk in _chunks(path):
        crc = zlib.crc32(chunk, crc)
        sha.update(chunk)
        size += len(chunk)
    return {"size": size, "crc32": crc, "edges": edges_crc32(path, size), "sha256": sha.hexdigest()}


def edges_crc32(path: Path, size: int) -> int:
    """CRC-32 of a file's first and last EDGE_BYTES (the whole file when it is small).

    What an open checks of a big file besides its size: the .npy header and the start
    of every array's data, and the tail a truncated or appended write damages.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        head = os.pread(fd, min(size, EDGE_BYTES), 0)
        tail = os.pread(fd, min(EDGE_BYTES, max(0, size - EDGE_BYTES)), max(EDGE_BYTES, size - EDGE_BYTES))
        return zlib.crc32(tail, zlib.crc32(head))
    finally:
        os.close(fd)


def _chunks(path: Path):
    """The bytes of a regular file in HASH_CHUNK pieces, never through a link.

    Stops one byte past the size the file had when opened: a link to /dev/zero or a
    file that keeps growing cannot make a check run forever.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        left = info.st_size + 1
        while left > 0 and (chunk := os.read(fd, min(HASH_CHUNK, left))):
            left -= len(chunk)
            yield chunk
    finally:
        os.close(fd)


def new_generation_dir(index_dir: Path) -> Path:
    """A fresh temporary folder to write a generation into."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()  # fails rather than reuse anything already there
    return tmp


def commit_generation(index_dir: Path, tmp: Path, known: dict | None = None) -> Path:
    """Seal a written generation (checksums, fsync), move it into place, switch CURRENT to it.

    The live generation stays in place until CURRENT names its successor: when the
    build produced the same bytes as a generation already there (its name is a hash
    of them), that intact copy is kept and the new one dropped, so no moment exists
    where CURRENT names a missing folder. Only a damaged copy is moved aside.
    """
    files = {}
    known = known or {}
    for path in sorted(tmp.iterdir()):
        if path.name in known:  # a hard link to a file of a generation already checked and synced
            files[path.name] = known[path.name]
            continue
        files[path.name] = _file_digests(path)
        _fsync(path)
    body = json.dumps({"format": CHECKSUMS_FORMAT, "files": files}, indent=1, sort_keys=True).encode("utf-8")
    (tmp / CHECKSUMS).write_bytes(body)
    _fsync(tmp / CHECKSUMS)
    final = index_dir / _generation_name(body)
    if _exists(final):
        if _intact(final):
            remove_tree(tmp)
        else:
            aside = index_dir / f".old-{uuid.uuid4().hex[:8]}"
            os.rename(final, aside)  # a link is renamed, not followed
            os.rename(tmp, final)
            _remove_entry(aside)
    else:
        os.rename(tmp, final)
    write_own(index_dir / "CURRENT", (final.name + "\n").encode("utf-8"), sync=True)
    _fsync(index_dir)
    return final


def _exists(path: Path) -> bool:
    try:
        os.lstat(path)
        return True
    except FileNotFoundError:
        return False


def _intact(generation: Path) -> bool:
    try:
        verify_generation(generation)
        return True
    except GenerationDamaged:
        return False


def verify_generation(generation: Path, full: bool = True) -> dict | None:
    """Raise GenerationDamaged unless every file matches its recorded size and CRC-32,
    and the manifest and passage offsets are well formed; return the manifest, parsed
    (None if the generation has none), so that an open parses it once.

    full=False is the check of every open (`ask`): sizes of every file, whole CRC-32s
    of files up to FULL_CHECK_BYTES and of the manifest (parsed whole anyway), the edges
    of bigger ones; besides the manifest, it reads a bounded amount whatever the index size. Damage inside a big array is then found by the
    full check (a build reusing the generation, `winnow status --check`), or by the
    bounds checks of the query engine when it sends a lookup astray.

    The checksums file itself is covered by the generation's name, a hash of its bytes.
    GenerationFormatChanged says another version of winnow wrote it: rebuild it.
    Checksums stop damage; the schema and bounds checks stop a crafted or foreign
    generation whose checksums are valid.
    """
    try:
        if not stat.S_ISDIR(os.lstat(generation).st_mode):
            raise GenerationDamaged(f"{generation.name} is not a folder (a link is never followed)")
        body = read_own(generation / CHECKSUMS)
        if generation.name != _generation_name(body):
            raise GenerationDamaged(f"{CHECKSUMS} does not match the generation's name")
        checksums = json.loads(body)
        found = checksums.get("format", 1) if isinstance(checksums, dict) else None  # format 1 had no "format" key
        if found != CHECKSUMS_FORMAT:
            raise GenerationFormatChanged(f"checksums format {found!r}, this winnow reads {CHECKSUMS_FORMAT}")
        files = checksums["files"]
        for name, entry in files.items():
            if not _plain_name(name):
                raise GenerationDamaged(f"{CHECKSUMS} names {name!r}, which is not a file of the generation")
            path = generation / name
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                raise GenerationDamaged(f"{name} is not a regular file")
            if info.st_size != entry["size"]:
                raise GenerationDamaged(f"{name} does not have its recorded size")
            if name == "manifest.json":
                continue  # read whole to be parsed: its CRC-32 is checked on those bytes (_check_contents)
            if full or entry["size"] <= FULL_CHECK_BYTES:
                if file_crc32(path) != entry["crc32"]:
                    raise GenerationDamaged(f"{name} does not match its checksum")
            elif edges_crc32(path, entry["size"]) != entry["edges"]:
                raise GenerationDamaged(f"{name} does not match its checksum (start or end)")
        return _check_contents(generation, files)
    except (OSError, ValueError, TypeError, AttributeError, KeyError, RecursionError) as error:
        # RecursionError: JSON nested thousands deep, which json.loads cannot parse
        raise GenerationDamaged(f"cannot check its files: {error}") from None


def _plain_name(name) -> bool:
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name
            and os.sep not in name and "\0" not in name)


def _check_contents(generation: Path, files: dict) -> dict | None:
    """Schema of manifest.json and bounds of passages.offsets.npy (each read in O(sources + passages));
    the manifest."""
    manifest = None
    if "manifest.json" in files:
        # Checked whole whatever its size, on the bytes parsed (~0.7 ms a MB; 2 MB at 20,000 sources):
        # by its edges alone, a changed digit in its middle (a deleted unit, an address) went unseen.
        body = read_own(generation / "manifest.json")
        if zlib.crc32(body) != files["manifest.json"]["crc32"]:
            raise GenerationDamaged("manifest.json does not match its checksum")
        manifest = json.loads(body)
        written = manifest.get("settings") if isinstance(manifest, dict) else None
        found = written.get("index_format") if isinstance(written, dict) else None
        if isinstance(found, int) and found != INDEX_FORMAT_VERSION:  # its files are laid out otherwise
            raise GenerationFormatChanged(f"index format {found}, this winnow reads {INDEX_FORMAT_VERSION}")
        problem = manifest_problem(manifest)
        if problem:
            raise GenerationDamaged(f"manifest.json is not one winnow wrote: {problem}")
    for name in sorted(files):
        if not name.endswith("passages.offsets.npy"):
            continue  # one per segment: "passages.offsets.npy", "s1.passages.offsets.npy", ...
        offsets = np.load(generation / name, allow_pickle=False)
        size = files.get(name[:-len("passages.offsets.npy")] + "passages.jsonl", {}).get("size")
        if (offsets.dtype != np.int64 or offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0
                or np.any(offsets[1:] < offsets[:-1]) or (size is not None and offsets[-1] != size)):
            raise GenerationDamaged(f"{name} does not describe its passages.jsonl")
    return manifest


_SOURCE, _SHA256, _REASON = (operator.methodcaller("get", name) for name in ("source", "sha256", "reason"))

# The sources a generation indexed: a base file, names sorted and their hashes (a pack_table of two
# text columns), hard-linked from generation to generation while it stays the same, and the manifest's
# "sources": what changed since that base ({"source": [names], "sha256": [hashes]} of the sources
# added or edited, "removed": [names]). A refresh at 20,000 sources wrote and synced the whole
# table (1.7 MB) every time; it now writes its few changes, and a build folds them into a new base
# when the index becomes one segment (so a small index has the bytes of a fresh build) or when
# they outgrow SOURCES_CHANGES_MAX.
SOURCES_BASE = "sources.bin"
SOURCES_MAGIC = b"winnow sources 8\n"
SOURCES_CHANGES_MAX = 256  # names in a change list; applying one costs a list insertion each


def _columns_problem(columns, removed: bool = False) -> str | None:
    """What is wrong with a table of sources ({"source", "sha256"} of one length, names strictly
    sorted; with removed=True also "removed", sorted names): None if nothing."""
    if not (isinstance(columns, dict) and isinstance(columns.get("source"), list)
            and isinstance(columns.get("sha256"), list) and len(columns["source"]) == len(columns["sha256"])):
        return "not two columns of one length (\"source\", \"sha256\")"
    # The types met, gathered by C loops (a base lists every source).
    if not (set(map(type, columns["source"])) <= {str} and set(map(type, columns["sha256"])) <= {str}):
        return "a name or hash is not a string"
    if not strictly_sorted(columns["source"]):
        return "the names are not sorted"
    if removed:
        gone = columns.get("removed")
        if not (isinstance(gone, list) and set(map(type, gone)) <= {str} and strictly_sorted(gone)):
            return "\"removed\" is not a sorted list of names"
        if not set(gone).isdisjoint(columns["source"]):
            return "a name is both changed and removed"
    return None


def read_sources(generation: Path, manifest: dict, like: list | None = None) -> tuple[list, list, list, list]:
    """The sources a generation indexed, names sorted, and their hashes; then its base's columns.

    like: sorted, unique names (the sources listed now) that the base's likely are: if they are,
    that list is the base's names (read_sources_base).
    Raises GenerationDamaged if the base is missing or malformed, or the manifest's changes do
    not apply to it (a removed name it does not hold).
    """
    base_names, base_shas = read_sources_base(generation / SOURCES_BASE, like)
    changes = manifest["sources"]  # checked by manifest_problem
    names, shas = base_names, base_shas
    if not changes["source"] and not changes["removed"]:
        return names, shas, names, shas
    names, shas = list(names), list(shas)
    for name in changes["removed"]:
        row = bisect.bisect_left(names, name)
        if row == len(names) or names[row] != name:
            raise GenerationDamaged(f"manifest.json removes {name[:80]!r}, which {SOURCES_BASE} does not list")
        del names[row], shas[row]
    for name, sha in zip(changes["source"], changes["sha256"]):
        row = bisect.bisect_left(names, name)
        if row < len(names) and names[row] == name:
            shas[row] = sha
        else:
            names.insert(row, name)
            shas.insert(row, sha)
    return names, shas, base_names, base_shas


def write_sources_base(path: Path, names: list, shas: list) -> None:
    """Write a sources base (names sorted, their hashes) into a generation being written."""
    with open(path, "xb") as handle:
        for buffer in pack_table(SOURCES_MAGIC, [], [names, shas]):
            handle.write(buffer)


def read_sources_base(path: Path, like: list | None = None) -> tuple[list, list]:
    """The names and hashes of a sources base; raises GenerationDamaged if it is not one winnow wrote.

    like: sorted, unique names: if the base's are these (their bytes compared whole), the list
    given is returned as its names, not a split of the column (at 20,000 sources, ~1.5 ms less
    of a refresh, which lists the sources first)."""
    try:
        table = read_table(read_own(path), SOURCES_MAGIC, 0, 2, raw=(0,) if like is not None else ())
    except (OSError, ValueError) as error:
        raise GenerationDamaged(f"cannot read {path.name}: {error}") from None
    if table is None:
        raise GenerationDamaged(f"{path.name} is not one winnow wrote: not a table of names and hashes")
    names, shas = table[1]
    if like is not None:
        names = like if names == join_column(like) else split_column(names, len(shas))
    if names is not like and not strictly_sorted(names):
        raise GenerationDamaged(f"{path.name} is not one winnow wrote: the names are not sorted")
    if "" in shas:  # every source indexed was read, so it has a content hash
        raise GenerationDamaged(f"{path.name} is not one winnow wrote: a source without its hash")
    return names, shas


def sources_changes(base_names: list, base_shas: list, names: list, shas: list) -> dict | None:
    """The manifest's "sources" that turns the base into these sources (sorted columns), or None
    if they number more than SOURCES_CHANGES_MAX (then a new base is written). C loops over the rows."""
    if names == base_names:
        olds, removed = base_shas, []
    else:
        at = dict(zip(base_names, base_shas))
        olds = list(map(at.get, names))
        removed = sorted(at.keys() - set(names)) if len(at) != len(names) - olds.count(None) else []
    rows = list(itertools.compress(range(len(names)), map(operator.ne, shas, olds)))
    if len(rows) + len(removed) > SOURCES_CHANGES_MAX:
        return None
    return {"source": [names[row] for row in rows], "sha256": [shas[row] for row in rows], "removed": removed}


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def manifest_problem(manifest) -> str | None:
    """What is wrong with a generation's manifest.json, or None: what every reader relies on."""
    if not isinstance(manifest, dict):
        return "not a JSON object"
    if not isinstance(manifest.get("settings"), dict):
        return '"settings" is not an object'
    problem = _columns_problem(manifest.get("sources"), removed=True)  # the changes since sources.bin
    if problem:
        return f'"sources" (the changes since {SOURCES_BASE}): {problem}'
    skipped = manifest.get("skipped")
    if not isinstance(skipped, list):
        return '"skipped" is not a list'
    # The types met, gathered by C loops (a corpus can skip thousands of sources); the entry at
    # fault is looked for only when one is wrong.
    if not (set(map(type, skipped)) <= {dict} and set(map(type, map(_SOURCE, skipped))) <= {str}
            and set(map(type, map(_SHA256, skipped))) <= {str, type(None)}
            and set(map(type, map(_REASON, skipped))) <= {str}):
        for entry in skipped:
            if not (isinstance(entry, dict) and isinstance(entry.get("source"), str)
                    and isinstance(entry.get("sha256"), (str, type(None)))):
                return f'an entry of "skipped" lacks "source" or "sha256": {str(entry)[:80]}'
            if not isinstance(entry.get("reason"), str):
                return f'an entry of "skipped" lacks "reason": {str(entry)[:80]}'
    counts = manifest.get("counts")
    if not (isinstance(counts, dict) and all(_is_count(counts.get(k)) for k in ("sources", "passages", "duplicates_dropped"))):
        return '"counts" is not three counts (sources, passages, duplicates_dropped)'
    topic = manifest.get("topic_terms")
    if not (isinstance(topic, list) and all(isinstance(t, str) for t in topic)):
        return '"topic_terms" is not a list of terms'
    segments = manifest.get("segments")
    if not (isinstance(segments, list) and all(
            isinstance(s, dict) and all(_is_count(s.get(k)) for k in ("units", "docs", "live_docs", "live_tokens"))
            and isinstance(s.get("deleted"), list) and all(_is_count(u) and u < s["units"] for u in s["deleted"])
            for s in segments)):
        return '"segments" is not a list of segments (units, docs, deleted units, live totals)'
    if not segments and counts["passages"]:  # no segment is an index of no passages (an empty sources folder)
        return '"segments" is empty but "counts" has passages'
    return None


def passage_problem(passage) -> str | None:
    """What is wrong with a passage read back from passages.jsonl, or None.

    Passages are read by offset only for the hits (the corpus is never parsed at
    query time), so they are checked as they are read.
    """
    for name in ("passage_id", "source", "section", "text"):
        if not isinstance(getattr(passage, name, None), str):
            return f"a passage's {name} is not text"
    sources = getattr(passage, "sources", None)
    if not (isinstance(sources, (tuple, list)) and all(isinstance(s, str) for s in sources)):
        return "a passage's sources are not a list of names"
    return None


def _generation_name(checksums_body: bytes) -> str:
    # The sha256s in the body make the name a hash of every file's bytes.
    return f"gen-{hashlib.sha256(checksums_body).hexdigest()[:16]}"


def current_generation(index_dir: str | Path) -> Path | None:
    """The live generation folder, or None if there is no index yet (or CURRENT names none of ours)."""
    try:
        name = read_own(Path(index_dir) / "CURRENT", MAX_POINTER_BYTES).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not (name.startswith("gen-") and _plain_name(name)):
        return None
    path = Path(index_dir) / name
    try:
        return path if stat.S_ISDIR(os.lstat(path).st_mode) else None
    except OSError:
        return None



# stats.bin: a pack_table of sizes, mtimes, whether each has a hash (1 or 0), names and hashes
# ("" where none): read in 12.1 ms at 20,000 sources against 16.0 ms from stats.json's lists (its
# format 2; bench/bench_tables.py, medians under load).
STATS_NAME = "stats.bin"
_STATS_MAGIC = b"winnow stats 3\n"

# An index folder's entries: its lock, CURRENT, stats.bin (stats.json before it), the source cache, generations
# (gen-*), eval indexes (`winnow eval`), and what tidy() clears after a killed build (hidden
# .tmp-*, .old-*, .CURRENT-* ... and an old dedupe.json).
LOCK_NAME = ".lock"
SNIFFS_NAME = "sniffs.json"
_INDEX_ENTRIES = frozenset({"CURRENT", STATS_NAME, "stats.json", SNIFFS_NAME, "cache", "eval", "dedupe.json"})


def holds_index(names: list[str]) -> bool:
    """Are these a folder's entry names as a winnow index folder has them (its lock among them)?"""
    return LOCK_NAME in names and all(n.startswith((".", "gen-")) or n in _INDEX_ENTRIES for n in names)

def tidy(index_dir: Path, keep: set[str]) -> None:
    """Remove leftovers of killed builds and generations other than `keep` (call under the lock)."""
    if not index_dir.is_dir():
        return
    for path in index_dir.iterdir():
        name = path.name
        if name.startswith((".tmp-", ".old-")) or (name.startswith("gen-") and name not in keep):
            _remove_entry(path)
        elif name.startswith((".CURRENT-", ".stats-", ".dedupe-")) or (name.startswith(".") and name.endswith(".tmp")):
            _remove_entry(path)
        elif name == "dedupe.json":  # the verdicts of winnow before index format 4 (now in the segments)
            _remove_entry(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- size and mtime of the sources ------------------------------------------------------------



class SourceStats:
    """Size, mtime and content hash of each source when last hashed, in columns sorted by name.

    Columns, not a dict per source: a refresh and every `ask` read and compare the whole
    table, and 20,000 small dicts cost ~50 ms to parse and ~40 ms to build and write; lists
    are parsed, compared and written by C code. A class because lookups by name are real
    state (the name -> row map, made only when the names are not those of the last build).

    As read from stats.bin the columns stay as stored (names and hashes as bytes, sizes and
    mtimes as int64 arrays) and become lists only if asked for: a refresh compares them whole
    (known_shas), and at 20,000 sources splitting and converting them was ~4 ms of it.
    """

    def __init__(self, names: list | bytes, sizes: list | np.ndarray, mtimes: list | np.ndarray,
                 shas: list | tuple, written_ns: int | None = None, old_file: bool = False) -> None:
        # names: a list, or stats.bin's column (bytes), split only if the sources listed are not
        # the same; shas: a list (None: unreadable when hashed), or stats.bin's (column bytes,
        # has-hash flags as an array).
        self._names, self._sizes, self._mtimes, self._shas = names, sizes, mtimes, shas
        self._same: tuple = (None, False)  # the last list same_names was given, and its answer
        self._written_ns = written_ns  # when the table was written: mtimes at or after it prove nothing
        self.old_file = old_file  # read from the stats.json of a winnow before stats.bin: to be rewritten

    @property
    def names(self) -> list:
        if isinstance(self._names, bytes):
            names = split_column(self._names, len(self._sizes))
            if not strictly_sorted(names):  # not one winnow wrote: it proves nothing
                self._written_ns = None
            self._names = names
        return self._names

    @property
    def sizes(self) -> list:
        if isinstance(self._sizes, np.ndarray):
            self._sizes = self._sizes.tolist()
        return self._sizes

    @property
    def mtimes(self) -> list:
        if isinstance(self._mtimes, np.ndarray):
            self._mtimes = self._mtimes.tolist()
        return self._mtimes

    @property
    def shas(self) -> list:
        if isinstance(self._shas, tuple):
            blob, has_sha = self._shas
            shas = split_column(blob, len(has_sha))
            for row in np.flatnonzero(~has_sha).tolist():  # unreadable when hashed
                shas[row] = None
            self._shas = shas
        return self._shas

    @property
    def written_ns(self) -> int | None:
        """When the table was written (None: it proves nothing: missing, or not one winnow wrote)."""
        self.names  # checked when split
        return self._written_ns

    def same_names(self, names: list) -> bool:
        """Are these (sorted, unique) names the table's?"""
        if self._same[0] is not names:
            # Joined bytes alone: [""] and [] are both b"" (a table winnow never writes): rows counted too.
            same = (len(names) == len(self._sizes) and join_column(names) == self._names
                    if isinstance(self._names, bytes) else names == self._names)
            self._same = (names, same)
        return self._same[1]

    def known_shas(self, names: list, sizes: list, mtimes: list, like: list | None = None) -> list:
        """Per source (names, sizes and mtimes in columns, sorted by name), its recorded hash if its
        size and mtime prove it unchanged, else None.

        like: hashes of the same names (the index's, say) that most recorded ones equal: the
        answer is then a copy of it with the rows that differ changed, found by comparing the
        two columns' bytes whole (not a string made and compared per row).

        Size and mtime prove nothing for a file whose mtime is not strictly older than
        the record: file systems stamp times in coarse ticks, so an edit in the same
        tick can keep the mtime. Such "racily clean" files are hashed (as git does).
        """
        # The same files as last time: rows compared by C loops, the others visited. (The table's
        # names are checked when split: the same bytes as these sorted names are sorted.)
        if self._written_ns is not None and self.same_names(names):
            stale = self._stale_rows(sizes, mtimes)
            shas = self._like(like) if like is not None and len(like) == len(names) else None
            if shas is None:
                shas = list(self.shas)
            for row in stale:
                shas[row] = None
            return shas
        written = self.written_ns
        if written is None:
            return [None] * len(names)
        at = dict(zip(self.names, range(len(self.names))))
        old_sizes, old_mtimes, old_shas = self.sizes, self.mtimes, self.shas
        rows = ((size, mtime, old_sizes[i], old_mtimes[i], old_shas[i]) if (i := at.get(name)) is not None
                else (size, mtime, None, None, None) for name, size, mtime in zip(names, sizes, mtimes))
        return [sha if size == old_size and mtime == old_mtime and mtime < written else None
                for size, mtime, old_size, old_mtime, sha in rows]

    def _stale_rows(self, sizes: list, mtimes: list) -> list[int]:
        """Rows (the table's names) whose size or mtime moved, or whose mtime is not older than the table."""
        n = len(sizes)
        if isinstance(self._sizes, np.ndarray) and isinstance(self._mtimes, np.ndarray):
            try:
                now_sizes = np.fromiter(sizes, dtype=np.int64, count=n)
                now_mtimes = np.fromiter(mtimes, dtype=np.int64, count=n)
            except OverflowError:  # an mtime beyond int64 nanoseconds: the C loops below
                pass
            else:
                return np.flatnonzero((now_sizes != self._sizes) | (now_mtimes != self._mtimes)
                                      | (now_mtimes >= self._written_ns)).tolist()
        rows = range(n)
        stale = set(itertools.compress(rows, map(operator.ne, sizes, self.sizes)))
        stale.update(itertools.compress(rows, map(operator.ne, mtimes, self.mtimes)))
        stale.update(itertools.compress(rows, map(operator.ge, mtimes, itertools.repeat(self._written_ns, n))))
        return sorted(stale)

    def _like(self, like: list) -> list | None:
        """The recorded hashes as a copy of `like` (hashes of the same rows) with the rows that differ
        changed, or None if the columns are not both of fixed-width hashes."""
        if not isinstance(self._shas, tuple) or not self._shas[1].all():
            return None
        mine, n = self._shas[0], len(like)
        try:
            theirs = join_column(like)
        except TypeError:  # a None among them
            return None
        width = len(mine) // n + 1 if n else 0  # a value and its separator
        if len(theirs) != len(mine) or len(mine) != width * n - 1:
            return None
        if mine == theirs:
            return list(like)
        a, b = np.frombuffer(mine, dtype=np.uint8), np.frombuffer(theirs, dtype=np.uint8)
        # Rows of one width: every separator where the width puts it (no NUL inside a value:
        # read_table counted n - 1 in `mine`; `theirs` is joined from n strings, so the same count).
        if (a[width - 1::width] != 0).any() or (b[width - 1::width] != 0).any() or _nul_count(theirs) != n - 1:
            return None
        shas = list(like)
        for row in np.unique(np.flatnonzero(a != b) // width).tolist():
            shas[row] = mine[row * width:(row + 1) * width - 1].decode("utf-8", "surrogateescape")
        return shas


def strictly_sorted(names: list) -> bool:
    """Are the names sorted and unique? (A C loop: tables of 20,000 names are checked on every refresh.)"""
    return all(map(operator.lt, names, itertools.islice(names, 1, None)))


def read_stats(index_dir: Path) -> SourceStats:
    """The table in stats.bin (or, from a winnow before it, stats.json); empty (every source hashed
    again) if missing or unusable."""
    try:
        written_ns = os.lstat(Path(index_dir) / STATS_NAME).st_mtime_ns
        columns = _stats_columns(read_own(Path(index_dir) / STATS_NAME))
    except FileNotFoundError:
        return _read_json_stats(index_dir)
    except (OSError, ValueError):
        columns = None
    return SourceStats(*columns, written_ns=written_ns) if columns else SourceStats([], [], [], [])


def _stats_columns(data: bytes) -> tuple[bytes, list, list, list] | None:
    """The columns of a stats.bin (write_stats's table), or None if it is not one."""
    table = read_table(data, _STATS_MAGIC, 3, 2, raw=(0, 1), arrays=True)  # columns as stored
    if table is None:
        return None
    (sizes, mtimes, has_sha), (names, shas) = table
    if not ((has_sha == 0) | (has_sha == 1)).all():
        return None
    return names, sizes, mtimes, (shas, has_sha.astype(bool))  # SourceStats splits them if it must


def _read_json_stats(index_dir: Path) -> SourceStats:
    """stats.json of a winnow before stats.bin (format 2: columns; 1: a dict per source), so that
    an index from before keeps its record."""
    path = Path(index_dir) / "stats.json"
    try:
        written_ns = os.lstat(path).st_mtime_ns
        table = json.loads(read_own(path))
        if isinstance(table, dict) and table.get("format") == 2:
            columns = [table.get(name) for name in ("names", "size", "mtime_ns", "sha256")]
        elif isinstance(table, dict) and "format" not in table and all(isinstance(v, dict) for v in table.values()):
            names = sorted(table)
            columns = [names] + [[table[n].get(field) for n in names] for field in ("size", "mtime_ns", "sha256")]
        else:
            columns = None
        # Types checked by C loops (set of the types met), not a Python step per row.
        if (columns and all(isinstance(c, list) and len(c) == len(columns[0]) for c in columns)
                and set(map(type, columns[0])) <= {str} and set(map(type, columns[1])) <= {int}
                and set(map(type, columns[2])) <= {int} and set(map(type, columns[3])) <= {str, type(None)}
                and strictly_sorted(columns[0])):
            return SourceStats(*columns, written_ns=written_ns, old_file=True)
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
        pass
    return SourceStats([], [], [], [])


def write_stats(index_dir: Path, stats: SourceStats) -> None:
    """Write the table as stats.bin (and remove a stats.json of a winnow before it)."""
    has_sha = list(map(operator.is_not, stats.shas, itertools.repeat(None)))
    shas = stats.shas if all(has_sha) else [sha or "" for sha in stats.shas]
    write_own(Path(index_dir) / STATS_NAME, pack_table(_STATS_MAGIC, [stats.sizes, stats.mtimes, has_sha],
                                                       [stats.names, shas]))
    try:
        os.lstat(Path(index_dir) / "stats.json")
    except FileNotFoundError:
        return
    _remove_entry(Path(index_dir) / "stats.json")


# --- what the heads of sources without an extension said -------------------------------------


def read_sniffs(index_dir: Path, rules: int) -> dict:
    """sniffs.json's verdicts by name, (size, mtime_ns, kind or reason), those that still prove
    something: a file changed after the table was written may keep its size and mtime. Empty when
    missing, not one winnow wrote, or given by other rules than `rules` (sources.SNIFF_RULES): every
    such source's head is read again."""
    path = Path(index_dir) / SNIFFS_NAME
    try:
        written_ns = os.lstat(path).st_mtime_ns
        table = json.loads(read_own(path))
    except (OSError, ValueError):
        return {}
    if not isinstance(table, dict) or table.get("rules") != rules or not isinstance(table.get("verdicts"), dict):
        return {}
    verdicts = {}
    for name, row in table["verdicts"].items():
        if (isinstance(row, list) and len(row) == 3 and all(type(v) is int for v in row[:2])
                and isinstance(row[2], str) and row[1] < written_ns):
            verdicts[name] = tuple(row)
    return verdicts


def write_sniffs(index_dir: Path, sniffs: dict, rules: int) -> None:
    """Write the verdicts (Listing.sniffs), given by the sniffing rules `rules`, as sniffs.json, or
    remove it when there are none."""
    path = Path(index_dir) / SNIFFS_NAME
    if sniffs:
        verdicts = {name: list(row) for name, row in sorted(sniffs.items())}
        write_own(path, json.dumps({"rules": rules, "verdicts": verdicts}, ensure_ascii=False).encode("utf-8"))
        return
    try:
        os.lstat(path)
    except FileNotFoundError:
        return
    _remove_entry(path)


# --- the per-source cache ------------------------------------------------------------------


class SourceCache:
    """Processed sources as binary files named by a hash of (settings, kind, content).

    A class because it owns a folder and remembers which entries the current build used,
    so that the others can be removed afterwards.

    An entry file is one header line, {"key", "sha256" of the body}, then the body: a
    JSON line of the entry's small fields, then its documents packed
    (units.PackedDocuments.to_bytes: arrays, no pickle). An entry changed on disk fails
    its checksum and is rebuilt, never reused. A `cache` that is a link is never read
    through nor pruned through.
    """

    SUFFIX = ".bin"

    def __init__(self, index_dir: Path, settings_key: str) -> None:
        self.folder = Path(index_dir) / "cache"
        self.folder_name = str(self.folder)
        self.settings_key = settings_key
        self.used: set[str] = set()
        self._owned = False

    def key(self, kind: str, sha256: str) -> str:
        return hashlib.sha256(f"{self.settings_key}\n{kind}\n{sha256}".encode()).hexdigest()

    def path(self, kind: str, sha256: str) -> Path:
        return self.folder / f"{self.key(kind, sha256)}{self.SUFFIX}"

    def _readable(self) -> bool:
        """The cache folder is a real folder (checked once per build)."""
        if not self._owned:
            try:
                self._owned = stat.S_ISDIR(os.lstat(self.folder).st_mode)
            except OSError:
                return False
        return self._owned

    def get(self, kind: str, sha256: str) -> dict | None:
        """The cached entry ({"documents": PackedDocuments, ...}), or None if missing, damaged
        or malformed (it is then rebuilt)."""
        entry = self.peek(kind, sha256)
        if entry is not None:
            self.used.add(self.key(kind, sha256))
        return entry

    def peek(self, kind: str, sha256: str) -> dict | None:
        """The cached entry, as get() reads it, without marking it used."""
        if not self._readable():
            return None
        key = self.key(kind, sha256)
        try:
            data = read_own(os.path.join(self.folder_name, key + self.SUFFIX))  # no Path: hot loop
            header, _, body = data.partition(b"\n")
            head = json.loads(header)
            if (not isinstance(head, dict) or head.get("key") != key
                    or head.get("sha256") != hashlib.sha256(body).hexdigest()):
                return None
            fields, _, packed = body.partition(b"\n")
            entry = json.loads(fields)
            if not isinstance(entry, dict):
                return None
            entry["documents"] = PackedDocuments.from_bytes(packed)
        except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
            return None
        return entry

    def keep(self, kind: str, sha256: str) -> None:
        """Keep an entry through prune() without reading it (its source is unchanged)."""
        self.used.add(self.key(kind, sha256))

    def put(self, kind: str, sha256: str, entry: dict) -> None:
        """Store an entry: {"documents": PackedDocuments (or split_documents's dicts), and small JSON fields}."""
        key = self.key(kind, sha256)
        if not self._owned:
            own_folder(self.folder)  # a link or a file named cache is removed, not written through
            self._owned = True
        documents = entry["documents"]
        if not isinstance(documents, PackedDocuments):
            documents = pack_documents(documents)
        fields = {name: value for name, value in entry.items() if name != "documents"}
        body = [json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n", *documents.to_chunks()]
        digest = hashlib.sha256()
        for chunk in body:
            digest.update(chunk)
        header = json.dumps({"key": key, "sha256": digest.hexdigest()}).encode("ascii")
        write_own(self.folder / f"{key}{self.SUFFIX}", [header + b"\n", *body])  # never joined: one copy less
        self.used.add(key)

    def drop(self, keys: list[str]) -> None:
        """Remove these entries (call under the lock, after a commit): those of replaced source versions."""
        if self._readable():
            for key in keys:
                _remove_entry(Path(os.path.join(self.folder_name, key + self.SUFFIX)))

    def prune(self) -> None:
        """Drop entries the last build did not use (call under the lock, after a commit)."""
        if not self._readable():
            if _exists(self.folder):
                _remove_entry(self.folder)  # a link named cache: the link goes, its target stays
            return
        with os.scandir(self.folder) as scan:  # names only, no Path per entry: 20,000 of them at every refresh
            stale = [entry.path for entry in scan
                     if entry.name.startswith(".") or not entry.name.endswith(self.SUFFIX)
                     or entry.name[:-len(self.SUFFIX)] not in self.used]
        for path in stale:
            _remove_entry(Path(path))


def entry_problem(entry) -> str | None:
    """What is wrong with the shape of a cache entry (what ingest.assemble relies on), or None."""
    if not isinstance(entry, dict) or not isinstance(entry.get("documents"), PackedDocuments):
        return "no documents"
    return entry["documents"].problem()
