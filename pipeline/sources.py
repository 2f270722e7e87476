"""Find source files, detect their type and encoding, fingerprint them."""

from __future__ import annotations

import bisect
import codecs
import gzip
import hashlib
import itertools
import operator
import os
import re
import shlex
import zlib
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
    ".rst": "rst",  # reStructuredText (readers.rst)
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
}
# A file whose name has no extension (README, COPYING, NEWS, changelog) is told by its first bytes,
# as file(1) does: text is read as one of these kinds (sniffed_kind), anything else is skipped.
SNIFFED_KINDS = ("text", "markdown", "html")
# A file named as documentation is named (the GNU coding standards' README, NEWS, ChangeLog, AUTHORS,
# THANKS, TODO, INSTALL, COPYING; CHANGES) with a qualifier after the name is read as a file without an
# extension is: Debian's README.Debian, README.source, TODO.Debian, NEWS.Debian.gz. When the name is in
# capitals, as the convention writes it; in another case (changelog.Debian.gz, changelog.Debian.amd64.gz),
# only when its first line is a Debian changelog entry's (package (version) distribution; urgency=...),
# since code is named in lower case (install.sh, changes.py, todo.js). Reading any unknown extension by
# its content indexed C and Perl source, CSS, JSON and qrels: no share of words told them from prose.
DOC_NAMES = frozenset(("AUTHORS", "CHANGELOG", "CHANGES", "COPYING", "INSTALL", "NEWS", "README", "THANKS", "TODO"))
# Debian Policy 4.4: "package (version) distribution(s); urgency=urgency", the package name as policy spells it.
DEBIAN_CHANGELOG_RE = re.compile(r"[a-z0-9][a-z0-9+.-]+ \([^\s()]+\)(?: [\w./+-]+)+; urgency=")
# A gzip-compressed page (README.gz, notes.txt.gz, guide.md.gz) is read decompressed, as the kind of
# its name without the suffix; a compressed JSON Lines corpus is not (it is read in pieces, unbounded).
GZIP_SUFFIX = ".gz"

# Bounds that keep one bad file from costing the whole run.
# Larger pages are skipped with a warning: a web page's text is rarely above a few
# hundred KB, and cleaning 8 MB of prose already takes tens of seconds; bigger files
# are dumps that deserve to be split into pages first. JSON Lines corpora have no size
# limit: they are read in pieces of whole lines (read_pieces), and a single line over
# this size is passed over with a warning.
MAX_SOURCE_BYTES = 8 * 1024 * 1024
BINARY_SNIFF_BYTES = 8192  # how much of a file we look at to call it binary
# The version of the rules that type a file by its head (sniffed_kind, the names read so): an index
# keeps their verdicts (store.read_sniffs) only while it is the same. Raise it when they change.
SNIFF_RULES = 2
MAX_CONTROL_RATIO = 0.05  # more control characters than this in the sniffed part: binary
HASH_CHUNK_BYTES = 1 << 20  # files are fingerprinted in chunks of this size
UNKNOWN_TYPE = f"unknown file type (winnow reads {', '.join(sorted(KINDS))}, their .gz, and text without an extension or named as documentation is: README.Debian)"


def name_kind(name: str) -> tuple[str | None, bool]:
    """(kind, compressed) that a file's name says, by its extension after a .gz is taken off;
    kind is "" when the name has no extension or is a documentation name with a qualifier (its content
    decides: sniffed_kind), None when winnow does not read that type."""
    inner, extension, compressed = _name_parts(name)
    if not extension:
        return "", compressed
    kind = KINDS.get(extension.lower())
    if kind is None and inner.partition(".")[0].upper() in DOC_NAMES:  # README.Debian: by its head
        return "", compressed
    return (None if compressed and kind == "jsonl" else kind), compressed


def _name_parts(name: str) -> tuple[str, str, bool]:
    """(the name without a .gz suffix, its extension or "", whether it had the .gz)."""
    compressed = name[-len(GZIP_SUFFIX):].lower() == GZIP_SUFFIX and len(name) > len(GZIP_SUFFIX)
    inner = name[:-len(GZIP_SUFFIX)] if compressed else name
    dot = inner.rfind(".")  # as os.path.splitext finds it: a leading dot (".profile") is no extension
    if dot <= 0 or inner[:dot].strip(".") == "":
        return inner, "", compressed
    return inner, inner[dot:], compressed


def _debian_changelog_only(name: str) -> bool:
    """Is this a documentation name with a qualifier, not in capitals (changelog.Debian.gz), so that
    it is read only when it holds a Debian changelog (DOC_NAMES)?"""
    inner, extension, _ = _name_parts(name)
    return bool(extension) and not inner.partition(".")[0].isupper() and KINDS.get(extension.lower()) is None


def is_compressed(name: str) -> bool:
    """Is this source read decompressed (a gzip file of a type winnow reads)?"""
    return name_kind(name)[1]


class Listing:
    """The sources under a folder as columns sorted by name: name, kind, size, mtime.

    Columns, not a Source per file: a refresh and every `ask` list every source, while
    only the few whose size or mtime moved are read; a Source is made for those
    (source(row)). A class because the name -> row look-up is real state.
    """

    def __init__(self, top: str, rels: list[str], kinds: list[str], sizes: list[int], mtimes: list[int],
                 left_out: list[dict] | None = None, sniffs: dict | None = None) -> None:
        self.top, self.rels, self.kinds, self.sizes, self.mtimes = top, rels, kinds, sizes, mtimes
        self.left_out = left_out or []  # the files the scan skipped (unknown type, hidden, not a file...): source, reason
        # The verdicts on files without an extension, by name: (size, mtime_ns, a kind or the reason it was
        # skipped), for the next scan to reuse where size and mtime prove the file unchanged (Sniffs).
        self.sniffs = sniffs if sniffs is not None else {}

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


def scan(root: str | Path, warn=None, follow_links: bool = False, sniffs: dict | None = None,
         say_skips: bool = True) -> Listing:
    """Every regular file of a known type under root, recursively, as columns sorted by name.

    A file whose name has no extension is read if its first bytes are text (sniffed_kind); sniffs:
    the verdicts of an earlier scan (Listing.sniffs) still true, by name, so that a refresh reads
    the head of the new and changed ones only. say_skips=False: the skipped files are not warned
    of one by one, only listed (Listing.left_out): the caller says them.

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
        if say_skips:
            warn(f"skipped {quoted_name(name)}: {reason}")

    sniffs = sniffs or {}
    sniffed: dict[str, tuple] = {}

    rels: list[str] = []
    kinds: list[str] = []
    sizes: list[int] = []
    mtimes: list[int] = []
    add_rel, add_kind, add_size, add_mtime = rels.append, kinds.append, sizes.append, mtimes.append
    seen_dirs: dict[str, str] = {}  # a folder's real path -> its name where it was read ("" the top)
    saved_files: list[tuple[str, str]] = []  # (a saved page's folder of its own files, the page)
    real_root = os.path.realpath(root_path)
    top = os.path.abspath(root_path)

    def on_error(error: OSError) -> None:
        warn(f"skipped {quoted_name(str(error.filename))}: {error.strerror or error}")

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
            if rel_dir.startswith(first):
                how = "symlink loop"
            elif os.path.islink(dirpath.rstrip(os.sep)):
                how = "a link to the same folder"
            else:  # the folder itself, met after a link to it that is named before it
                how = "read first through a link: its files are named there"
            warn(f"skipped {quoted_name(_shown(rel_dir.rstrip('/') or '.'))}: folder already visited as "
                 f"{quoted_name(_shown(first.rstrip('/') or '.'))} ({how})")
            continue
        seen_dirs[real] = rel_dir
        # The names by a C loop (a list made per file cost ~1 ms of a refresh at 20,000 sources).
        if rel_dir and holds_index(list(map(_NAME, itertools.chain(dirs, files)))):
            dirs[:] = []
            warn(f"skipped {quoted_name(_shown(rel_dir))}: a winnow index folder, not sources")
            continue
        kept_dirs = []
        pages = _page_stems(files) if dirs else {}
        for entry in sorted(dirs, key=_NAME):
            rel = _shown(rel_dir + entry.name)
            page = pages.get(_SAVED_FILES_RE.sub("", entry.name)) if pages else None
            if page is not None and not _page_links_to(os.path.join(dirpath, page), entry.name):
                page = None  # "notes.html" beside the writer's own "notes_old": a folder of sources
            if entry.name.startswith("."):
                warn(f"skipped {quoted_name(rel + '/')}: hidden folder (its name starts with a dot)")
            elif page is not None:
                saved_files.append((rel + "/", _shown(rel_dir + page)))
            elif _is_link(entry) and leads_outside(os.path.join(dirpath, entry.name)):
                warn(f"skipped {quoted_name(rel + '/')}: link leads outside the sources folder "
                     "(pass --follow-links to follow it)")
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
            kind = name_kind(name)[0]
            if kind is None:
                skip(rel, UNKNOWN_TYPE)
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
            if not kind:  # no extension: its first bytes tell, unless an earlier scan's verdict still holds
                before = sniffs.get(rel)
                if before is not None and before[0] == stat.st_size and before[1] == stat.st_mtime_ns:
                    kind = before[2]
                else:
                    try:
                        kind = sniffed_kind(Source(os.path.join(dirpath, name), rel, "", stat.st_size,
                                                   stat.st_mtime_ns))
                    except SkipSource as error:
                        kind = str(error)
                sniffed[rel] = (stat.st_size, stat.st_mtime_ns, kind)
                if kind not in SNIFFED_KINDS:
                    skip(rel, kind)
                    continue
            add_rel(rel)
            add_kind(kind)
            add_size(stat.st_size)
            add_mtime(stat.st_mtime_ns)
    if saved_files:  # one line for them all: a folder of 150 saved pages holds 150 such folders
        shown = ", ".join(f"{quoted_name(folder)} ({quoted_name(page)})" for folder, page in saved_files[:2])
        warn(f"skipped {len(saved_files)} folder{'s' * (len(saved_files) > 1)} of saved pages' own files "
             f"(images, scripts, styles), each named after the page beside it: {shown}"
             + (", ..." if len(saved_files) > 2 else ""))
    # Folders are walked in name order, so the names are nearly sorted ("a.txt" sorts before
    # "a/b.txt" but is met after it): checked in C, reordered only when they are not.
    if not strictly_sorted(rels):
        order = sorted(range(len(rels)), key=rels.__getitem__)
        rels, kinds, sizes, mtimes = ([column[i] for i in order] for column in (rels, kinds, sizes, mtimes))
    return Listing(top, rels, kinds, sizes, mtimes, left_out, sniffed)


# A browser saving a page whole ("Save Page As", complete) writes NAME.html and beside it a folder of
# the page's own files (images, scripts, styles, its frames' pages): NAME_files, or NAME-Dateien,
# NAME_archivos... in other languages: the page's name, "_" or "-", and one word. Such a folder is no
# source: its files warned one by one (a hundred for one page) and its frames were indexed as pages.
_SAVED_FILES_RE = re.compile(r"[_-][^\W\d_]+$")
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml")


SAVED_PAGE_READ_BYTES = 4_000_000  # a saved page names its folder in its first links (its styles, in <head>)
# Read in chunks, stopping at the first link found: the scan runs at every refresh and `ask`, and 150
# saved pages of 500 KB read whole up to the bound cost ~45 ms of CPU a scan (/tmp/stopreview-pages.py).
SAVED_PAGE_CHUNK_BYTES = 64 * 1024


def _page_links_to(page: str, folder: str) -> bool:
    """Whether a page links to files in the folder ("seals_files/style.css", written as the browser
    writes it: as is, or URL-encoded) in its first SAVED_PAGE_READ_BYTES. The folder's name as the
    file system holds it (os.fsencode: a name of undecodable bytes is those bytes, not an error)."""
    from urllib.parse import quote

    raw = os.fsencode(folder)
    needles = {raw + b"/", quote(raw).encode("ascii") + b"/"}
    overlap = max(map(len, needles)) - 1  # a link cut by a chunk's end is found in the next
    try:
        with open(page, "rb") as handle:
            tail, left = b"", SAVED_PAGE_READ_BYTES
            while left > 0 and (chunk := handle.read(min(left, SAVED_PAGE_CHUNK_BYTES))):
                left -= len(chunk)
                data = tail + chunk
                if any(needle in data for needle in needles):
                    return True
                tail = data[-overlap:]
    except OSError:
        return False
    return False


def _page_stems(files: list) -> dict[str, str]:
    """The HTML pages of a folder by their names without the extension: {"article": "article.html"}."""
    stems = {}
    for entry in files:
        stem, dot, suffix = entry.name.rpartition(".")
        if stem and "." + suffix.lower() in _PAGE_SUFFIXES:
            stems.setdefault(stem, entry.name)
    return stems


_NAME = operator.attrgetter("name")
_SUFFIX = operator.methodcaller("rpartition", ".")
_DOT_AND_AFTER = operator.itemgetter(1, 2)  # ("", "") or (".", what follows the last dot)
_SIZE, _MTIME = (operator.attrgetter(field) for field in ("st_size", "st_mtime_ns"))


def _plain_files(files: list, rel_dir: str, columns: tuple) -> bool:
    """Add a folder's files (entries sorted by name) to the listing's columns (names, kinds,
    sizes, mtimes) if every one is a
    regular file of a known type, not hidden, not a link, its name UTF-8 text; else add none
    and say False (the caller visits them one by one, saying what it skips and why).

    Each step is one C loop over the folder (map over the entries): the stat (~2 us a file on
    this machine) is the only cost per file left, and the listing runs at every refresh and `ask`.
    """
    names = list(map(_NAME, files))
    # Checks of the whole folder on its names joined by "/" (which no name holds): C loops over
    # one string, not a call per name. A hidden name starts the string or follows a "/".
    joined = "/".join(names)
    if not (joined.isascii() and rel_dir.isascii()) or joined.startswith(".") or "/." in joined:
        return False
    # Files of one folder mostly share their extension: if every name ends with the first one's
    # (a known kind), each of them ends the string or comes before a "/"; else each name's
    # extension, five calls a file.
    suffix = "".join(_DOT_AND_AFTER(_SUFFIX(names[0]))) if names else ""
    kind = KINDS.get(suffix.lower()) if suffix else None
    if kind is not None and joined.endswith(suffix) and joined.count(suffix + "/") == len(names) - 1:
        kinds = [kind] * len(names)  # a name ending so has that last dot (the suffix holds one dot only)
    else:
        kinds = list(map(KINDS.get, map(str.lower, map("".join, map(_DOT_AND_AFTER, map(_SUFFIX, names))))))
        if None in kinds:
            return False
    try:
        if any(map(os.DirEntry.is_symlink, files)):
            return False
        stats = list(map(os.DirEntry.stat, files))
        # Not links: the entry's type says a regular file (no other stat; DirEntry caches one).
        if not all(map(os.DirEntry.is_file, files)):
            return False
    except OSError:
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


# A file name is one word on a line: tab and newline in it are shown escaped too, and the name quoted
# the way `ls` (its shell-escape style) and bash quote it, $'a\nb.txt', so it can be pasted back.
NAME_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAME_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quoted_name(name: str) -> str:
    """A file name or passage id for a terminal: as it is, or $'...' with \\n, \\t, \\xNN, \\uNNNN escapes
    when it holds a control character (a newline in a name would otherwise break line-based output)."""
    if not NAME_CONTROL_RE.search(name):
        return name

    def escape(ch: str) -> str:
        if ch in _NAME_ESCAPES:
            return _NAME_ESCAPES[ch]
        if not NAME_CONTROL_RE.match(ch):
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x80 else f"\\u{ord(ch):04x}"  # bash reads \\x as a byte

    return "$'" + "".join(map(escape, name)) + "'"


def shell_word(name: str) -> str:
    """A file name in a command to paste into a shell: quoted_name's $'...' form, or shlex's quoting;
    a name starting with "-" as "./-x" (as ls and rm advise), so the command does not read it as an option."""
    if name.startswith("-"):
        name = "./" + name
    return quoted_name(name) if NAME_CONTROL_RE.search(name) else shlex.quote(name)


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
    """The file's bytes, bounded in size (a .gz source's decompressed); raises SkipSource with the reason.

    JSON Lines corpora are not bounded: read them with read_pieces.
    """
    if source.size > MAX_SOURCE_BYTES:
        raise SkipSource(_too_large(source.size))
    fd = _open_regular(source)
    if is_compressed(source.rel):
        return _decompressed(fd, MAX_SOURCE_BYTES)
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
            if len(data) > MAX_SOURCE_BYTES:  # it grew since it was found
                raise SkipSource(_too_large(os.fstat(handle.fileno()).st_size))
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None
    return data


def _decompressed(fd: int, limit: int, head: bool = False) -> bytes:
    """The decompressed bytes of the gzip file open as fd (closed here): at most `limit` of them
    with head=True, else all of them, refused (SkipSource) past limit. Never more than limit + 1
    bytes are held, however far the file would inflate (a decompression bomb costs its first 8 MB)."""
    try:
        with os.fdopen(fd, "rb") as handle, gzip.GzipFile(fileobj=handle, mode="rb") as inflating:
            data = inflating.read(limit if head else limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise SkipSource(f"not a readable gzip file ({getattr(error, 'strerror', None) or error})") from None
    if len(data) > limit and not head:
        raise SkipSource(f"decompresses to more than {limit_shown()}: split it into files under that size")
    return data


def sniffed_kind(source: Source) -> str:
    """The kind of a file without an extension, by its first bytes (decompressed for a .gz), as file(1)
    tells text: raises SkipSource (binary, empty, undecodable) for a file that is not text.

    Text is what the project's decoder reads (decoded) without a NUL byte outside UTF-16, so a
    file that `winnow build` would skip as binary is skipped here, with that reason. Text is HTML
    when it starts as a page does (<!doctype html or <html), Markdown when its first line is an ATX
    heading and another Markdown construct follows (a heading, a fence, a link); else plain text,
    which reads any README correctly if not prettily.
    """
    data = _head(source, BINARY_SNIFF_BYTES)
    if len(data) == BINARY_SNIFF_BYTES and not data.strip():  # blank so far: the text after the blank tells
        data = _head(source, MAX_SOURCE_BYTES).lstrip()[:BINARY_SNIFF_BYTES]
    if b"\0" in data and not (data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or utf16_without_bom(data)):
        raise SkipSource("binary file (NUL bytes)")
    text = decoded(data)[0]
    if _debian_changelog_only(source.rel.rpartition("/")[2]) and not DEBIAN_CHANGELOG_RE.match(text):
        raise SkipSource(UNKNOWN_TYPE)  # changelog.Debian.gz is one; install.sh, named in lower case, is not
    return content_kind(text)


def _head(source: Source, limit: int) -> bytes:
    """The source's first `limit` bytes (decompressed for a .gz); raises SkipSource with the reason."""
    fd = _open_regular(source)
    if is_compressed(source.rel):
        return _decompressed(fd, limit, head=True)
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read(limit)
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None


_MARKUP_START_RE = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
_ATX_FIRST_RE = re.compile(r"\s*#{1,6}[ \t]+\S")
# A link's target stops at a bracket too, and is bounded: "](](](..." costs a step a character, not a scan each.
_MARKDOWN_MORE_RE = re.compile(r"^(?:#{1,6}[ \t]+\S|```|~~~)|\]\([^()\[\]\s]{1,512}\)", re.MULTILINE)


def content_kind(text: str) -> str:
    """"html", "markdown" or "text": what the start of a text says it is (see sniffed_kind)."""
    if _MARKUP_START_RE.match(text):
        return "html"
    first = _ATX_FIRST_RE.match(text)
    if first and _MARKDOWN_MORE_RE.search(text, first.end()):
        return "markdown"
    return "text"


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
    if is_compressed(source.rel):  # its text's hash, as process_source takes it
        return fingerprint(_decompressed(_open_regular(source), MAX_SOURCE_BYTES + 1, head=True))
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


def decode(data: bytes, kind: str | None = None) -> str:
    """The text of a source's bytes (see decoded); raise SkipSource for binary or empty ones."""
    return decoded(data, kind)[0]


def decoded(data: bytes, kind: str | None = None, first_line: int | None = None) -> tuple[str, str | None]:
    """(text, note) of a source's bytes; raise SkipSource for binary or empty ones. first_line:
    the number of the bytes' first line in their file (a corpus's piece), for the note to say
    where the first undecodable byte is by line, not by its offset in the piece.

    In this order: a byte-order mark (UTF-8, UTF-16), UTF-16 without one, UTF-8, the charset a
    page (kind "html") declares, then a guess. Valid UTF-8 wins over a declaration: bytes of
    another encoding are valid UTF-8 by chance almost never, while a page saved as UTF-8 under
    its old `charset=iso-8859-1` is common. The guess: text whose bytes above 127 stand mostly
    alone among ASCII (accents in a Latin script) is cp1252, as browsers read undeclared pages;
    runs of them are another script's letters or a multi-byte encoding, which charset_normalizer
    picks among the web's non-Latin encodings. note: None, or what to warn about (bytes replaced,
    or a guess).
    """
    if not data.strip():
        raise SkipSource("empty file")
    if data.startswith(codecs.BOM_UTF8):
        return _replaced(data[len(codecs.BOM_UTF8):], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _replaced(data, "utf-16")
    order = utf16_without_bom(data)
    if order:
        try:
            return _checked(data.decode(order)), None
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: judged as any other bytes below
    try:
        return _checked(data.decode("utf-8")), None
    except UnicodeDecodeError as error:
        utf8_error = error
    declared = declared_encoding(data) if kind == "html" else None
    if declared:
        try:
            return _checked(data.decode(declared)), None
        except UnicodeDecodeError:
            pass  # a wrong declaration (cp1252 bytes under charset=utf-8 is common): guessed as undeclared
    wrong = f"the declared {declared} does not fit its bytes" if declared else ""
    if _mostly_utf8(data):
        where = (f"at {utf8_error.start}" if first_line is None
                 else f"on line {first_line + data.count(NEWLINE, 0, utf8_error.start)}")
        return _replaced(data, "utf-8", f"{wrong}; " * (declared not in (None, "utf-8"))
                         + f"the first undecodable byte {where}")
    if _high_byte_run_share(data) >= HIGH_BYTE_RUN_SHARE:
        guess = _non_latin_guess(data)
        if guess is not None:
            return _replaced(data, guess, f"a guess: not UTF-8, and {wrong or 'no charset declared'}")
    return _replaced(data, "cp1252", wrong)


NEWLINE = b"\n"

# A text read with more than this share of its characters undecodable is skipped (bytes of no text encoding),
# not indexed as U+FFFD; fewer are shown as U+FFFD, and said.
MAX_REPLACED_SHARE = 0.25


def _replaced(data: bytes, encoding: str, how: str = "") -> tuple[str, str | None]:
    """(text, note) of data in encoding, bytes it cannot decode shown as U+FFFD; note: None, or the
    warning (how: why this encoding, if it was not certain). Raises SkipSource when most are undecodable."""
    text = data.decode(encoding, errors="replace")
    bad = len(text) - len(data.decode(encoding, errors="ignore"))
    if bad > MAX_REPLACED_SHARE * len(text):
        raise SkipSource(f"undecodable bytes (not {encoding}: {bad} of {len(text)} characters)")
    text = _checked(text)
    notes = [how] if how else []
    if bad:
        notes.append(f"{bad} undecodable byte sequence{'s' if bad > 1 else ''} shown as U+FFFD")
    return text, f"read as {encoding}: {'; '.join(notes)}" if notes else None


# WHATWG's labels that name another encoding than Python's codec of the same name: browsers read
# a page labelled latin-1 or ascii as windows-1252, Shift_JIS as its Windows form, GB2312 and GBK
# as GB18030, EUC-KR as its Windows superset; a meta tag's UTF-16 as UTF-8 (the bytes reached it as ASCII).
_WEB_LABELS = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
               "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-9": "cp1254",
               "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
               "windows-31j": "cp932", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
               "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "utf-16": "utf-8", "utf-16le": "utf-8",
               "utf-16be": "utf-8", "x-user-defined": "cp1252"}
DECLARATION_BYTES = 1024  # where a page must declare its charset (HTML's prescan looks this far)
_XML_DECLARATION_RE = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET_RE = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def declared_encoding(data: bytes) -> str | None:
    """The Python codec of the charset the bytes declare up front (an XML declaration, or a
    `<meta charset>` or `<meta http-equiv content="...; charset=...">` in the first 1 KB), or None."""
    head = data[:DECLARATION_BYTES]
    found = _XML_DECLARATION_RE.match(head) or _META_CHARSET_RE.search(head)
    if not found:
        return None
    label = found.group(1).decode("ascii").lower()
    try:
        name = codecs.lookup(_WEB_LABELS.get(label, label)).name
        # The declaration was read as ASCII, so only an encoding that reads ASCII text as ASCII can
        # be the page's (HTML's prescan ignores the others): not base64 or rot13 (no text encodings,
        # LookupError on decode), "undefined", EBCDIC, UTF-32, UTF-7 or an escape codec (the
        # escapes are tried first: an escape codec warns of the bytes' "\]").
        readable = all(probe.decode(name) == probe.decode("ascii") for probe in _ASCII_PROBES)
    except (LookupError, UnicodeError):
        return None  # a label no text codec knows: guessed as undeclared bytes are
    return name if readable else None


# ASCII text that any ASCII-compatible encoding reads as itself: escapes (of Python's escape codecs,
# UTF-7's "+...-"), then every ASCII byte.
_ASCII_PROBES = (b"\\n \\x41 \\u0041 \\101 +AEE-", bytes(range(128)))


def _mostly_utf8(data: bytes) -> bool:
    """Whether bytes that are not valid UTF-8 hold more valid multi-byte UTF-8 characters than bad
    sequences: UTF-8 with a stray byte of another encoding (cp1252 text is valid UTF-8 by chance
    almost never)."""
    text = data.decode("utf-8", errors="replace")
    bad = len(text) - len(data.decode("utf-8", errors="ignore"))
    return sum(not ch.isascii() for ch in text) - bad > bad


# The share of a text's characters beyond ASCII, read as cp1252, that sit in runs of such characters
# holding a letter, from which the text is read as another script: Latin accents stand alone among
# ASCII letters (café, Größe), and cp1252's punctuation comes in runs without one (“…”); the letters of
# another script, or a multi-byte encoding, read as runs of accented letters and symbols (Ýòî, ‚Ì).
HIGH_BYTE_RUN_SHARE = 0.5
# The web's legacy encodings of other scripts than Latin (the WHATWG Encoding Standard's),
# each by its Windows superset as browsers read them.
NON_LATIN_ENCODINGS = ["cp932", "euc_jp", "gb18030", "big5", "cp949", "cp1251", "koi8_r", "cp866",
                       "cp1253", "cp1255", "cp1256", "cp874"]
_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")


def _high_byte_run_share(data: bytes) -> float:
    runs = _NON_ASCII_RUN_RE.findall(data.decode("cp1252", errors="replace"))
    high = sum(map(len, runs))
    in_words = sum(len(run) for run in runs if len(run) > 1 and any(map(str.isalpha, run)))
    return in_words / high if high else 0.0


def _non_latin_guess(data: bytes) -> str | None:
    """The Python codec charset_normalizer finds likeliest for data among NON_LATIN_ENCODINGS, or None."""
    import charset_normalizer

    best = charset_normalizer.from_bytes(data, cp_isolation=NON_LATIN_ENCODINGS).best()
    return codecs.lookup(best.encoding).name if best is not None else None


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
