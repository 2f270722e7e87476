"""Find source files, detect their type and encoding, fingerprint them."""

from __future__ import annotations

import codecs
import hashlib
import os
from pathlib import Path

from .errors import SkipSource, SourcesError
from .records import Source

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
# Larger files are skipped with a warning: a web page's text is rarely above a few
# hundred KB, and cleaning 8 MB of prose already takes tens of seconds; bigger files
# are dumps that deserve to be split into pages first.
MAX_SOURCE_BYTES = 8 * 1024 * 1024
BINARY_SNIFF_BYTES = 8192  # how much of a file we look at to call it binary
MAX_CONTROL_RATIO = 0.05  # more control characters than this in the sniffed part: binary
HASH_CHUNK_BYTES = 1 << 20  # files are fingerprinted in chunks of this size


def discover(root: str | Path, warn=None) -> list[Source]:
    """Every readable file under root, recursively, sorted by relative path.

    Files of unknown type are reported through `warn` and left out. Symlink loops
    are not followed twice (we track the real path of every directory visited).
    """
    root_path = Path(root)
    if not root_path.exists():
        raise SourcesError(f"sources folder '{root}' does not exist; pass --sources DIR")
    if not root_path.is_dir():
        raise SourcesError(f"sources path '{root}' is a file, not a folder; pass --sources DIR")
    warn = warn or (lambda message: None)
    found: list[Source] = []
    seen_dirs: set[str] = set()

    def on_error(error: OSError) -> None:
        warn(f"skipped {error.filename}: {error.strerror or error}")

    for dirpath, dirnames, filenames in os.walk(root_path, followlinks=True, onerror=on_error):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            dirnames[:] = []
            warn(f"skipped {os.path.relpath(dirpath, root_path)}: folder already visited (symlink loop)")
            continue
        seen_dirs.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root_path).replace(os.sep, "/")
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                # Names are stored and shown as UTF-8 text; bytes that are not cannot be cited.
                shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                warn(f"skipped {shown}: file name is not valid UTF-8; rename the file")
                continue
            kind = KINDS.get(os.path.splitext(name)[1].lower())
            if kind is None:
                warn(f"skipped {rel}: unknown file type (winnow reads {', '.join(sorted(KINDS))})")
                continue
            try:
                stat = os.stat(path)
            except OSError as error:
                warn(f"skipped {rel}: {error.strerror or error}")
                continue
            found.append(Source(path=os.path.abspath(path), rel=rel, kind=kind,
                                size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    found.sort(key=lambda s: s.rel)
    return found


def read_bytes(source: Source) -> bytes:
    """The file's bytes, bounded; raises SkipSource with the reason."""
    if source.size > MAX_SOURCE_BYTES:
        raise SkipSource(f"larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    try:
        with open(source.path, "rb") as handle:
            return handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None


def file_fingerprint(source: Source) -> str:
    """The content hash of a file, read in chunks (so a huge file costs no memory)."""
    digest = hashlib.sha256()
    try:
        with open(source.path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as error:
        raise SkipSource(error.strerror or str(error)) from None
    return digest.hexdigest()


def fingerprint(data: bytes) -> str:
    """A content hash that identifies the exact bytes of a source."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str:
    """Decode UTF-8, UTF-8/UTF-16 with a BOM, or cp1252; raise SkipSource for binary."""
    if not data.strip():
        raise SkipSource("empty file")
    if data.startswith(codecs.BOM_UTF8):
        return _checked(data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data.decode("utf-16", errors="replace"))
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        raise SkipSource("binary file (NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise SkipSource("undecodable bytes (neither UTF-8 nor cp1252)") from None
    return _checked(text)


def _checked(text: str) -> str:
    """Reject text that is mostly control characters (a binary file that decoded)."""
    head = text[:BINARY_SNIFF_BYTES]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r\f")
    if head and controls / len(head) > MAX_CONTROL_RATIO:
        raise SkipSource("binary file (control characters)")
    text = text.replace("\x00", "")
    if not text.strip():
        raise SkipSource("empty file")
    return text
