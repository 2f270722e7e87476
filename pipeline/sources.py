"""Find source files, detect their type and encoding, fingerprint them."""

from __future__ import annotations

import bisect
import codecs
import hashlib
import itertools
import operator
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK

from .errors import SkipSource, SourcesError
from .records import Source
from .store import holds_index, strictly_sorted

# File endings we read, and the cleaner each goes to.
KINDS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
}

# Bounds that keep one bad file from costing the whole run.
# Larger pages are skipped with a warning: a web page's text is rarely above a few
# hundred KB, and cleaning 8 MB of prose already takes tens of seconds; bigger files
# are dumps that deserve to be split into pages first. JSON Lines corpora have no size
# limit: they are read in pieces of whole lines (read_pieces), and a single line over
# this size is passed over with a warning.
MAX_SOURCE_BYTES = 8 * 1024 * 1024
BINARY_SNIFF_BYTES = 8192  # how much of a file we look at to call it binary
MAX_CONTROL_RATIO = 0.05  # more control characters than this in the sniffed part: binary
HASH_CHUNK_BYTES = 1 << 20  # files are fingerprinted in chunks of this size


class Listing:
    """The sources under a folder as columns sorted by name: name, kind, size, mtime.

    Columns, not a Source per file: a refresh and every `ask` list every source, while
    only the few whose size or mtime moved are read; a Source is made for those
    (source(row)). A class because the name -> row look-up is real state.
    """

    def __init__(self, top: str, rels: list[str], kinds: list[str], sizes: list[int], mtimes: list[int],
                 left_out: list[dict] | None = None) -> None:
        self.top, self.rels, self.kinds, self.sizes, self.mtimes = top, rels, kinds, sizes, mtimes
        self.left_out = left_out or []  # the files the scan skipped (unknown type, hidden, not a file...): source, reason

    def __len__(self) -> int:
        return len(self.rels)

    def source(self, row: int) -> Source:
        return Source(os.path.join(self.top, self.rels[row]), self.rels[row], self.kinds[row], self.sizes[row],
                      self.mtimes[row])

    def sources(self) -> list[Source]:
        return [self.source(row) for row in range(len(self.rels))]

    def row(self, name: str) -> int | None:
        """The row of the source `name`, or None (a binary search: the names are sorted)."""
        return sorted_row(self.rels, name)


def sorted_row(names: list[str], name: str) -> int | None:
    """The position of `name` in the sorted list `names`, or None (a binary search)."""
    row = bisect.bisect_left(names, name)
    return row if row < len(names) and names[row] == name else None


def discover(root: str | Path, warn=None, follow_links: bool = False) -> list[Source]:
    """Every regular file of a known type under root, recursively, sorted by relative path
    (scan's listing, one Source each)."""
    return scan(root, warn, follow_links).sources()


def scan(root: str | Path, warn=None, follow_links: bool = False) -> Listing:
    """Every regular file of a known type under root, recursively, as columns sorted by name.

    What is left out is reported through `warn`, one line each: files of unknown
    type, anything that is not a regular file (FIFOs, devices, sockets: reading them
    can block forever or never end), hidden files and folders (names starting with a
    dot), and links that lead outside root unless follow_links is set (a link to /etc
    must not pull a system folder into the index). Symlink loops are not followed
    twice (we track the real path of every directory visited). A sub-folder that is a
    winnow index (holds_index) is left out whole.
    """
    root_path = Path(root)
    if not root_path.exists():
        raise SourcesError(f"sources folder '{root}' does not exist; pass --sources DIR")
    if not root_path.is_dir():
        raise SourcesError(f"sources path '{root}' is a file, not a folder; pass --sources DIR")
    warn = warn or (lambda message: None)
    # The files skipped here, one entry each ({"source", "reason"}): the build counts them. A folder
    # left out (hidden, an index, a loop, unreadable) is said but not counted: it is no source.
    left_out: list[dict] = []

    def skip(name: str, reason: str) -> None:
        left_out.append({"source": name, "reason": reason})
        warn(f"skipped {name}: {reason}")

    rels: list[str] = []
    kinds: list[str] = []
    sizes: list[int] = []
    mtimes: list[int] = []
    add_rel, add_kind, add_size, add_mtime = rels.append, kinds.append, sizes.append, mtimes.append
    seen_dirs: dict[str, str] = {}  # a folder's real path -> its name where it was read ("" the top)
    real_root = os.path.realpath(root_path)
    top = os.path.abspath(root_path)

    def on_error(error: OSError) -> None:
        warn(f"skipped {error.filename}: {error.strerror or error}")

    def leads_outside(path: str) -> bool:
        """A link (at any level) whose target is not under the sources folder."""
        return not follow_links and not _inside(os.path.realpath(path), real_root)

    # Names are built by joining, never with os.path.relpath/abspath per file, and links
    # are told by the directory entry (no lstat): at 20,000 sources these made discover
    # cost ~1 s, the largest part of a one-edit refresh.
    for dirpath, real, rel_dir, dirs, files in _walk(top, on_error):
        first = seen_dirs.get(real)
        if first is not None:  # a link to a folder read already: say which, and whether it loops back
            dirs[:] = []
            how = "symlink loop" if rel_dir.startswith(first) else "a link to the same folder"
            warn(f"skipped {_shown(rel_dir.rstrip('/') or '.')}: folder already visited as "
                 f"{_shown(first.rstrip('/') or '.')} ({how})")
            continue
        seen_dirs[real] = rel_dir
        if rel_dir and holds_index([entry.name for entry in dirs + files]):
            dirs[:] = []
            warn(f"skipped {_shown(rel_dir)}: a winnow index folder, not sources")
            continue
        kept_dirs = []
        for entry in sorted(dirs, key=_NAME):
            rel = _shown(rel_dir + entry.name)
            if entry.name.startswith("."):
                warn(f"skipped {rel}/: hidden folder (its name starts with a dot)")
            elif _is_link(entry) and leads_outside(os.path.join(dirpath, entry.name)):
                warn(f"skipped {rel}/: link leads outside the sources folder (pass --follow-links to follow it)")
            else:
                kept_dirs.append(entry)
        dirs[:] = kept_dirs
        files.sort(key=_NAME)
        if _plain_files(files, rel_dir, (rels, kinds, sizes, mtimes)):
            continue
        # A folder with a file to skip or warn of: entry by entry, a few C calls each (no splitext,
        # no Path, no object or function of ours per file).
        for entry in files:
            name = entry.name
            rel = rel_dir + name
            if not rel.isascii():
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    # Names are stored and shown as UTF-8 text; bytes that are not cannot be cited.
                    skip(_shown(rel), "file name is not valid UTF-8; rename the file")
                    continue
            if name[0] == ".":
                skip(rel, "hidden file (its name starts with a dot)")
                continue
            dot = name.rfind(".")  # the extension as os.path.splitext finds it (the name has no leading dot)
            kind = KINDS.get(name[dot:].lower()) if dot > 0 else None
            if kind is None:
                skip(rel, f"unknown file type (winnow reads {', '.join(sorted(KINDS))})")
                continue
            if not follow_links and _is_link(entry) and leads_outside(os.path.join(dirpath, name)):
                skip(rel, "link leads outside the sources folder (pass --follow-links to follow it)")
                continue
            try:
                stat = entry.stat()  # follows a link, as os.stat does (relative to the open folder)
            except OSError as error:
                skip(rel, str(error.strerror or error))
                continue
            if not S_ISREG(stat.st_mode):
                skip(rel, f"not a regular file ({_file_type(stat.st_mode)})")
                continue
            add_rel(rel)
            add_kind(kind)
            add_size(stat.st_size)
            add_mtime(stat.st_mtime_ns)
    # Folders are walked in name order, so the names are nearly sorted ("a.txt" sorts before
    # "a/b.txt" but is met after it): checked in C, reordered only when they are not.
    if not strictly_sorted(rels):
        order = sorted(range(len(rels)), key=rels.__getitem__)
        rels, kinds, sizes, mtimes = ([column[i] for i in order] for column in (rels, kinds, sizes, mtimes))
    return Listing(top, rels, kinds, sizes, mtimes, left_out)


_NAME = operator.attrgetter("name")
_SUFFIX = operator.methodcaller("rpartition", ".")
_DOT_AND_AFTER = operator.itemgetter(1, 2)  # ("", "") or (".", what follows the last dot)
_MODE, _SIZE, _MTIME = (operator.attrgetter(field) for field in ("st_mode", "st_size", "st_mtime_ns"))


def _plain_files(files: list, rel_dir: str, columns: tuple) -> bool:
    """Add a folder's files (entries sorted by name) to the listing's columns (names, kinds,
    sizes, mtimes) if every one is a
    regular file of a known type, not hidden, not a link, its name UTF-8 text; else add none
    and say False (the caller visits them one by one, saying what it skips and why).

    Each step is one C loop over the folder (map over the entries): the stat (~2 us a file on
    this machine) is the only cost per file left, and the listing runs at every refresh and `ask`.
    """
    names = list(map(_NAME, files))
    if not ("".join(names).isascii() and rel_dir.isascii()):
        return False
    if any(map(operator.methodcaller("startswith", "."), names)):
        return False
    kinds = list(map(KINDS.get, map(str.lower, map("".join, map(_DOT_AND_AFTER, map(_SUFFIX, names))))))
    if None in kinds:
        return False
    try:
        if any(map(os.DirEntry.is_symlink, files)):
            return False
        stats = list(map(os.DirEntry.stat, files))
    except OSError:
        return False
    if not all(map(S_ISREG, map(_MODE, stats))):
        return False
    rels, kinds_column, sizes, mtimes = columns
    rels.extend(map(rel_dir.__add__, names) if rel_dir else names)
    kinds_column.extend(kinds)
    sizes.extend(map(_SIZE, stats))
    mtimes.extend(map(_MTIME, stats))
    return True


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _walk(top: str, on_error):
    """os.walk(top, followlinks=True) over directory entries, top down, without recursion.

    Yields (folder path, its real path, its name relative to top with a trailing "/" or
    "", its sub-folder entries, its other entries). os.walk recurses once per level before
    Python 3.12, so a folder nested a thousand deep raised RecursionError; here the
    folders to visit are a list. The caller prunes the sub-folders in place. A folder's
    real path is its parent's joined with its name unless it is a link: os.path.realpath
    of each folder reads every level above it, and a folder nested 1,200 deep took 8.6 s
    (600 deep: 1.2 s).

    Where the system allows it, a folder is listed through an open descriptor, which stays
    open while the caller looks at its entries: an entry's stat() is then relative to the
    folder (fstatat), not a walk of its whole path (at 20,000 sources, 25 against 32 ms).
    An entry's `path` is then its bare name: join it to the folder's path.
    """
    stack = [(top, os.path.realpath(top), "")]
    while stack:
        dirpath, real, rel_dir = stack.pop()
        fd = None
        try:
            if _SCANDIR_FD:
                fd = os.open(dirpath, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
            with os.scandir(dirpath if fd is None else fd) as listing:
                entries = list(listing)
        except OSError as error:
            if fd is not None:
                os.close(fd)
            if error.filename is None:
                error.filename = dirpath
            on_error(error)
            continue
        try:
            try:  # C loops over the entries; is_dir follows links, as followlinks=True does
                is_dir = list(map(os.DirEntry.is_dir, entries))
            except OSError:  # rare (a link that cannot be followed): entry by entry, such a one is a file
                is_dir = [_is_dir(entry) for entry in entries]
            dirs = list(itertools.compress(entries, is_dir))
            files = list(itertools.compress(entries, map(operator.not_, is_dir)))
            yield dirpath, real, rel_dir, dirs, files
        finally:
            if fd is not None:
                os.close(fd)
        for entry in reversed(dirs):
            path = os.path.join(dirpath, entry.name)
            stack.append((path, os.path.realpath(path) if _is_link(entry) else os.path.join(real, entry.name),
                          rel_dir + entry.name + "/"))


_SCANDIR_FD = os.scandir in os.supports_fd and hasattr(os, "O_DIRECTORY")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _shown(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _file_type(mode: int) -> str:
    if S_ISFIFO(mode):
        return "a FIFO"
    if S_ISCHR(mode) or S_ISBLK(mode):
        return "a device"
    if S_ISSOCK(mode):
        return "a socket"
    if S_ISDIR(mode):
        return "a folder"
    return "not a file"


def limit_shown() -> str:
    """MAX_SOURCE_BYTES as a warning says it."""
    mb = 1024 * 1024
    return f"{MAX_SOURCE_BYTES // mb} MB" if MAX_SOURCE_BYTES >= mb else f"{MAX_SOURCE_BYTES:,} bytes"


def _open_regular(source: Source) -> int:
    """A read-only descriptor of the source, refusing anything but a regular file.

    O_NONBLOCK: opening a FIFO that replaced the file since discovery must not
    block waiting for a writer (regular files ignore the flag).
    """
    try:
        fd = os.open(source.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None
    mode = os.fstat(fd).st_mode
    if not S_ISREG(mode):
        os.close(fd)
        raise SkipSource(f"not a regular file ({_file_type(mode)})")
    return fd


def read_bytes(source: Source) -> bytes:
    """The file's bytes, bounded in size; raises SkipSource with the reason.

    JSON Lines corpora are not bounded: read them with read_pieces.
    """
    if source.size > MAX_SOURCE_BYTES:
        raise SkipSource(_too_large(source.size))
    fd = _open_regular(source)
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
            if len(data) > MAX_SOURCE_BYTES:  # it grew since it was found
                raise SkipSource(_too_large(os.fstat(handle.fileno()).st_size))
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None
    return data


def _too_large(size: int) -> str:
    """Why a page is skipped for its size, and what to do instead."""
    return (f"larger than {limit_shown()} ({size / 1e6:.1f} MB): split it into files under that size, "
            "or into a JSON Lines corpus (one record a line with `_id` and `text`), which has no size limit")


@dataclass(frozen=True)
class LongLine:
    """A line of a JSON Lines file longer than MAX_SOURCE_BYTES, passed over unread (read_pieces)."""

    number: int  # counted from 1
    size: int  # in bytes, without its line end


def read_pieces(source: Source, piece_bytes: int, digest=None) -> Iterator[bytes | LongLine]:
    """A JSON Lines file in pieces of whole lines, about piece_bytes each, with no size limit.

    Memory stays bounded by piece_bytes plus MAX_SOURCE_BYTES. A line longer than
    MAX_SOURCE_BYTES (a record no page could be, or a file without line ends) is never
    held: it is passed over in chunks and reported as a LongLine where it was, so one bad
    line costs that line, not the corpus. A file in UTF-16, with a BOM or without (its
    line ends are not b"\n"), is read whole and bounded instead (SkipSource past it).
    digest (a hashlib object), when given, takes every byte of the file as it is read; the
    pieces and the long lines, joined in order with their line ends, are the file's bytes.
    """
    limit = MAX_SOURCE_BYTES
    # Pieces never hold a long line: a piece ends at the last line end within piece_bytes, so a
    # window no longer than a long line always ends before the line starts.
    piece_bytes = max(1, min(piece_bytes, limit))
    fd = _open_regular(source)
    try:
        with os.fdopen(fd, "rb") as handle:
            pending = bytearray()
            line = 1  # the number of the line pending starts with
            passing = -1  # the bytes of the long line being passed over so far (-1: none)
            searched = 0  # how much of pending holds no line end past piece_bytes (searched already)
            while block := handle.read(min(HASH_CHUNK_BYTES, piece_bytes)):
                if digest is not None:
                    digest.update(block)
                if line == 1 and not pending and passing < 0 and handle.tell() == len(block) and (
                        block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(block)):
                    rest = handle.read(limit + 1 - len(block))
                    if digest is not None:
                        digest.update(rest)
                    if len(block) + len(rest) > limit or handle.read(1):
                        raise SkipSource(f"a UTF-16 file larger than {limit_shown()}")
                    yield block + rest
                    return
                if passing >= 0:  # inside a long line: look for its end only
                    end = block.find(b"\n")
                    if end < 0:
                        passing += len(block)
                        continue
                    yield LongLine(line, passing + end)
                    line, passing = line + 1, -1
                    block = block[end + 1:]
                pending += block
                # Where pieces end depends on the file alone, never on how it was read: a piece
                # is cut only once piece_bytes of the file past its start are here.
                while len(pending) >= piece_bytes:
                    cut = (pending.rfind(b"\n", 0, piece_bytes) + 1
                           or pending.find(b"\n", max(piece_bytes, searched)) + 1)
                    if not cut:
                        searched = len(pending)  # the next block's search starts where this one ended
                        if len(pending) > limit:  # a long line without its end yet: pass over the rest
                            passing, searched = len(pending), 0
                            pending.clear()
                        break
                    searched = 0
                    if cut > limit + 1:  # the first line is a long one, and its end is here
                        yield LongLine(line, cut - 1)
                        line += 1
                    else:
                        piece = bytes(pending[:cut])
                        line += piece.count(b"\n")
                        yield piece
                    del pending[:cut]
            if passing >= 0:
                yield LongLine(line, passing)
            elif len(pending) > limit:  # the last line, without a line end, is a long one
                yield LongLine(line, len(pending))
            elif pending:
                yield bytes(pending)
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None


def file_fingerprint(source: Source) -> str:
    """The content hash of a file, read in chunks and never past MAX_SOURCE_BYTES + 1.

    A file that large is skipped whatever it holds, so hashing its head is enough to
    remember the verdict; any smaller file is hashed whole, as process_source does.
    A JSON Lines corpus has no size limit and is hashed whole (as read_pieces reads it).
    """
    digest = hashlib.sha256()
    if source.kind == "jsonl":
        for _ in read_pieces(source, HASH_CHUNK_BYTES, digest):
            pass
        return digest.hexdigest()
    left = MAX_SOURCE_BYTES + 1
    fd = _open_regular(source)
    try:
        with os.fdopen(fd, "rb") as handle:
            while left > 0 and (chunk := handle.read(min(HASH_CHUNK_BYTES, left))):
                digest.update(chunk)
                left -= len(chunk)
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None
    return digest.hexdigest()


def fingerprint(data: bytes) -> str:
    """A content hash that identifies the exact bytes of a source."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str:
    """Decode UTF-8, UTF-8/UTF-16 with a BOM, UTF-16 without one, or cp1252; raise SkipSource for binary."""
    if not data.strip():
        raise SkipSource("empty file")
    if data.startswith(codecs.BOM_UTF8):
        return _checked(data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data.decode("utf-16", errors="replace"))
    order = utf16_without_bom(data)
    if order:
        try:
            return _checked(data.decode(order))
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: judged as any other bytes below
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise SkipSource("undecodable bytes (neither UTF-8 nor cp1252)") from None
    return _checked(text)


# UTF-16 written without a byte-order mark (Windows tools do): text in a Latin script has a
# NUL as the high byte of nearly every character, and never a NUL as the low byte. These are
# the shares of the sniffed code units that tell it: a binary file has NULs on both sides.
UTF16_NUL_HALF_SHARE = 0.5  # at least this share of one side is NUL...
UTF16_NUL_OTHER_SHARE = 0.01  # ...and at most this share of the other side


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when bytes without a BOM read as UTF-16 by their NULs, else None."""
    head = data[:BINARY_SNIFF_BYTES]
    if len(data) % 2 or len(head) < 4:
        return None
    units = len(head) // 2
    low_nul, high_nul = head[0::2].count(0), head[1::2].count(0)  # of each code unit's first and second byte
    if high_nul >= UTF16_NUL_HALF_SHARE * units and low_nul <= UTF16_NUL_OTHER_SHARE * units:
        return "utf-16-le"
    if low_nul >= UTF16_NUL_HALF_SHARE * units and high_nul <= UTF16_NUL_OTHER_SHARE * units:
        return "utf-16-be"
    return None


# The control characters of _checked: below 32, other than tab, newline, form feed and return.
_SNIFF_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _checked(text: str) -> str:
    """Reject text that is mostly control characters (a binary file that decoded).

    NUL counts as one of them: a page with a stray NUL byte is text with noise to
    drop, while a binary file (or UTF-16 without a BOM) is full of them.
    """
    head = text[:BINARY_SNIFF_BYTES]
    controls = len(_SNIFF_CONTROL_RE.findall(head))  # one scan in C, not a Python step per character
    if head and controls / len(head) > MAX_CONTROL_RATIO:
        raise SkipSource("binary file (control characters)")
    text = text.replace("\x00", "")
    if not text.strip():
        raise SkipSource("empty file")
    return text
