"""The application layer: a sources folder and the index built from it.

    Collection(sources, index).searcher()   an up-to-date Searcher: built if missing,
                                            refreshed if the sources changed, rebuilt if damaged
    Collection(...).build() / .status() / .use(fn) / .live() / .clean(source) / .locate(id)

The command line and the local page (`winnow serve`) both ask a Collection; the policy
"open an up-to-date index, building or refreshing it as needed" lives here once, with
no click in it: what it has to say goes through `notify` (why it builds, that it answers
from an older generation), `warn` (one skipped source) and `progress` (the build plan).

An index remembers the sources folder it was built from (the manifest's
"sources_folder"). Asking it about another folder is an error (SourcesMismatch), never a
silent rebuild for that folder; `rebuild=True` is the explicit way to rebuild it from the
other folder.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import SourcesError, WinnowError

Warn = Callable[[str], None]


class SourcesMismatch(WinnowError):
    """The index was built from another sources folder than the one asked about."""


@dataclass(frozen=True)
class InContext:
    """A passage located in the cleaned text of its source (`winnow show`)."""

    passage_id: str
    source: str  # the source name the passage cites
    file: str  # the file under the sources folder that holds it (a JSON Lines corpus holds many)
    section: str
    text: str  # the passage as indexed
    cleaned: str  # the cleaned text of its document, as `winnow clean` prints it
    start: int  # character offsets of the passage in `cleaned` ([start, end)); -1 if not found
    end: int
    url: str | None


def checked_passages(passages, generation):
    """The passages, after checking each is what winnow writes (else IndexDamaged)."""
    from .search import IndexDamaged
    from .store import passage_problem

    out = []
    try:
        for passage in passages:
            problem = passage_problem(passage)
            if problem:
                raise IndexDamaged(f"index at {generation} is damaged ({problem})")
            out.append(passage)
    except (ValueError, KeyError, TypeError, OSError, RecursionError) as error:  # a line that is not a passage
        raise IndexDamaged(f"index at {generation} is damaged ({type(error).__name__}: {error})") from None
    return out


def answer(searcher, question: str, k: int):
    """(hits, query, best sentence of each hit) for a question: what `ask` and the page both show."""
    from .search import best_sentence

    hits = searcher.search(question, k)
    checked_passages([h.passage for h in hits], searcher.generation)
    query = searcher.query(question)
    return hits, query, [best_sentence(h.passage.text, query, searcher.analyzer) for h in hits]


def remembered_sources(index: Path, manifest: dict | None = None) -> Path | None:
    """The sources folder the live index was built from, if it says (older indexes do not).

    manifest: the live generation's, already parsed (an open Searcher's): not read again.
    """
    from .search import IndexDamaged, read_manifest_field

    try:
        value = manifest.get("sources_folder") if manifest is not None else read_manifest_field(index, "sources_folder")
    except IndexDamaged:
        return None
    return Path(value) if isinstance(value, str) and value else None


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


class Collection:
    """A sources folder and its index. State is real: the open Searcher is kept (the page asks
    many questions of one generation) and replaced when a build makes a new one."""

    def __init__(self, sources: str | Path, index: str | Path, *, follow_links: bool = False,
                 wait: float | None = None, rebuild: bool = False, warn: Warn | None = None,
                 notify: Warn | None = None, progress: Callable | None = None,
                 on_build: Callable | None = None) -> None:
        self.sources = Path(sources)
        self.index = Path(index)
        self.follow_links = follow_links
        self.wait = wait  # seconds to wait for another process's build (None: each caller's default)
        self.rebuild = rebuild  # the user asked to (re)build this index from `sources`, whatever it held
        self.warn = warn or (lambda message: None)
        self.notify = notify or (lambda message: None)
        self.progress = progress
        self.on_build = on_build or (lambda report: None)  # told of every build's BuildReport
        self._searcher = None
        self._lock = threading.Lock()  # the page answers from several threads

    # --- checks ---------------------------------------------------------------------------------

    def check_sources(self) -> None:
        """Raise SourcesError unless the sources folder is a folder."""
        if not self.sources.exists():
            raise SourcesError(f"'{self.sources}' does not exist.")
        if not self.sources.is_dir():
            raise SourcesError(f"'{self.sources}' is a file, not a folder.")

    def check_origin(self, manifest: dict | None = None) -> None:
        """Raise SourcesMismatch if the index was built from another folder that still exists.

        A remembered folder that is gone (the project moved, the folder was renamed) is
        not worth an error: the index follows the folder it is given from then on.
        manifest: the live generation's, if already parsed.
        """
        if self.rebuild:
            return
        origin = remembered_sources(self.index, manifest)
        if origin is None or not origin.is_dir() or not self.sources.is_dir():
            return
        if not _same_folder(origin, self.sources):
            raise SourcesMismatch(
                f"the index in {shown(self.index)} was built from {origin}, not from {self.sources.resolve()}; "
                f"pass another --index for this folder (e.g. --index {shown(self.index)}-{self.sources.name}), "
                f"or --rebuild to rebuild {shown(self.index)} from {shown(self.sources)}")

    def _moved(self, manifest: dict | None = None) -> bool:
        """The index remembers another folder, which is gone (else check_origin refused it)."""
        origin = remembered_sources(self.index, manifest)
        return origin is not None and self.sources.is_dir() and not (origin.is_dir()
                                                                       and _same_folder(origin, self.sources))

    # --- building ---------------------------------------------------------------------------------

    def build(self, full: bool = False, trusted: tuple[str, ...] | None = None, reason: str | None = None,
              wait: float | None = None, jobs: int | None = None, dask: str | None = None,
              manifest: dict | None = None, look=None, opened=None):
        """Bring the index up to date with the sources (from scratch with full=True); a BuildReport.

        jobs: processes for the per-source work (None: every core); dask: a Dask scheduler's
        address to run it on instead. The index is the same either way. manifest: the live
        generation's, if already parsed; look: ingest.look_at_sources's, if just taken (the
        build lists the folder and hashes what moved once, not again); opened: the live
        generation as a Searcher opened and checked it (ingest.Opened: not checked again)."""
        from .ingest import build_index
        from .store import unwritable

        self.check_sources()
        self.check_origin(manifest)
        if self._moved(manifest) and not self.rebuild:
            # Rebuilt from scratch, so the index remembers the folder it now follows.
            full, reason = True, (f"The index in {shown(self.index)} was built from {remembered_sources(self.index)}, "
                                  f"which is gone; rebuilding it from {shown(self.sources)}.")
        if reason:
            self.notify(reason)
        try:
            report = build_index(self.sources, self.index, warn=self.warn, progress=self.progress,
                                 full=full or self.rebuild, notify=self.notify, follow_links=self.follow_links,
                                 lock_wait=self.wait if wait is None else wait, trusted=trusted, jobs=jobs,
                                 dask=dask, look=look, opened=opened)
        except OSError as error:  # read-only folder, full disk: one sentence, never a traceback
            raise unwritable(error, self.index) from None
        self.rebuild = False  # done: the index now remembers this folder
        self.on_build(report)
        if report.sources_read == 0:
            from .sources import KINDS

            self.warn(f"no readable source in {shown(self.sources)}; winnow reads {' '.join(sorted(KINDS))} files, "
                      "so the index is empty")
        return report

    def searcher(self, refresh: bool = True):
        """An up-to-date Searcher: build the index if missing, stale or damaged.

        A refresh that cannot run (another process is building, the folder is read-only
        or full) leaves the live generation answering, and says so through notify.
        """
        from .ingest import current_generation, look_at_sources, settings, stale_sources
        from .search import IndexDamaged, Searcher
        from .store import IndexUnwritable, LockTimeout

        if self.rebuild:
            self.build(full=True, reason=f"Rebuilding the index in {shown(self.index)} from {shown(self.sources)}.")
            return Searcher(current_generation(self.index))

        def refreshed(reason: str | None, look=None):
            from .ingest import Opened

            try:
                # With a live index to answer from, do not wait for another build unless asked to.
                # The generation is checked once: the Searcher did, so the build does not, and the
                # Searcher of the generation built is not checked after the build wrote it.
                opened = (Opened(searcher.generation, manifest, searcher.sources_read())
                          if look is not None and manifest is not None else None)
                report = self.build(reason=reason, wait=0.0 if self.wait is None else self.wait, manifest=manifest,
                                    look=look, opened=opened)
            except LockTimeout as error:
                self.notify(f"The index is being updated by pid {error.holder}; answering from the current index, "
                            "which may miss the latest changes.")
                return searcher
            except IndexUnwritable as error:
                self.notify(f"{error}; answering from the current index, which misses the latest changes.")
                return searcher
            generation = current_generation(self.index)
            return Searcher(generation, written=report.manifest if report.generation == generation else None)

        generation = current_generation(self.index)
        searcher, reason = None, f"No index in {shown(self.index)} yet; building it from {shown(self.sources)}."
        if generation is None and (self.index / "CURRENT").exists():
            reason = (f"The index in {shown(self.index)} is damaged (CURRENT names no generation); "
                      f"rebuilding it from {shown(self.sources)}.")
        if generation is not None:
            try:
                searcher = Searcher(generation)
                if refresh:
                    searcher.indexed_sources()  # read here, where damage to it means a rebuild
            except IndexDamaged as error:
                searcher, reason = None, f"The {error}; rebuilding it from {shown(self.sources)}."
        # The manifest is parsed once, by the Searcher (2 MB at 20,000 sources; it was read
        # three times by every `ask`).
        manifest = searcher.manifest if searcher is not None and searcher.generation == generation else None
        self.check_origin(manifest)
        if searcher is None:
            self.build(full=True, reason=reason)
            return Searcher(current_generation(self.index))
        if not refresh or not self.sources.is_dir():
            return searcher
        if searcher.manifest.get("settings") != settings() or self._moved(manifest):
            return refreshed(None)  # build_index says why and rebuilds from scratch
        # Taken once (the build reuses it), with the sources the index holds (stale_sources reads them).
        look = look_at_sources(self.sources, self.index, self.follow_links,
                               lambda listed: searcher.sources_read(listed)[:2])
        changes = stale_sources(self.sources, searcher, self.index, look=look)
        if any(changes.values()):
            summary = ", ".join(f"{len(v)} {k}" for k, v in changes.items() if v)
            return refreshed(f"Sources changed since the last build ({summary}); updating the index.", look)
        return searcher

    def use(self, fn):
        """fn(searcher) on an up-to-date index. Damage found while reading (a passage that is not
        one winnow wrote, a doc number out of range) rebuilds the index once, said through notify."""
        from .index import IndexFormatError
        from .ingest import current_generation
        from .search import IndexDamaged, Searcher

        searcher = self.searcher()
        try:
            return fn(searcher)
        except (IndexDamaged, IndexFormatError, RecursionError) as error:  # RecursionError: a passage nested too deep
            self.build(full=True, reason=f"The index at {searcher.generation} is damaged ({error}); "
                                         f"rebuilding it from {shown(self.sources)}.")
            return fn(Searcher(current_generation(self.index)))

    def live(self):
        """The Searcher of the live generation, never building: None while there is none.

        Reopened when CURRENT names a new generation, so a long-lived reader (the page)
        follows builds; a Searcher keeps its files open, so the tidy step of a later build
        deleting its folder does not break a question already under way.
        """
        from .ingest import current_generation
        from .search import IndexDamaged, Searcher

        generation = current_generation(self.index)
        with self._lock:
            if generation is None:
                return self._searcher
            if self._searcher is None or self._searcher.generation != generation:
                try:
                    self._searcher = Searcher(generation)
                except IndexDamaged as error:
                    self.notify(f"The {error}; answering from the previous one until it is rebuilt.")
            return self._searcher

    # --- what the index holds -----------------------------------------------------------------

    def status(self, full_check: bool = False, skipped: list | None = None) -> dict:
        """Where the index is, what it holds, and whether it is up to date with the sources (never builds).

        full_check reads every byte of the index (`winnow status`); without it, as `ask` and the
        page's background check do, sizes, small files and big files' edges are checked. skipped, if
        given, gets the skipped sources the count "skipped" counts (source, reason), as a build names them."""
        from .ingest import current_generation, settings, stale_sources
        from .search import IndexDamaged, Searcher

        # Every folder absolute, resolved as built_from is (an index remembers its folder so): comparable.
        info: dict = {"index": str(self.index.resolve()), "sources_folder": str(self.sources.resolve()), "exists": False}
        generation = current_generation(self.index)
        searcher = damage = None
        if generation is not None:
            try:
                searcher = Searcher(generation, full_check=full_check)
            except IndexDamaged as error:
                damage = error
        # The manifest is parsed once, by the Searcher (2 MB at 20,000 sources; read apart, it was parsed twice).
        origin = remembered_sources(self.index, searcher.manifest if searcher is not None else None)
        if origin is not None:
            info["built_from"] = str(origin)
        if generation is None:
            info["up_to_date"] = False
            return info
        try:
            if damage is not None:
                raise damage
            counts = searcher.manifest.get("counts", {})
            info.update(exists=True, generation=generation.name, sources=counts.get("sources", 0),
                        passages=searcher.n_passages, skipped=len(searcher.manifest.get("skipped", [])))
            if skipped is not None:
                skipped.extend({"source": entry["source"], "reason": entry["reason"]}
                               for entry in searcher.manifest.get("skipped", []))
            if self.sources.is_dir():
                left_out: list = []  # files of unknown type, hidden...: skipped, as the build summary counts them
                changes = stale_sources(self.sources, searcher, self.index, follow_links=self.follow_links,
                                        left_out=left_out)
                info.update(changes)
                info["skipped"] += len(left_out)
                if skipped is not None:
                    skipped.extend(left_out)
                info["settings_changed"] = searcher.manifest.get("settings") != settings()
                # --rebuild asks for a rebuild from this folder, whatever the index holds
                info["up_to_date"] = not any(changes.values()) and not info["settings_changed"] and not self.rebuild
            else:
                info["up_to_date"] = False
        except IndexDamaged as error:
            info.update(exists=True, damaged=str(error), up_to_date=False)
        return info

    # --- a source's cleaned text --------------------------------------------------------------------

    def clean(self, name: str, searcher=None, record: str | None = None, max_corpus_bytes: int | None = None):
        """The cleaned Documents of the source file `name` (relative to the sources folder), as indexed
        (trusted sources as written, by the trusted list of `searcher`'s index, else the live one's);
        of a JSON Lines corpus, every record, or only the one cited as `record`.

        Raises WinnowError if no such source is in the folder: a name from a URL or a crafted
        index must not reach outside it, so only names that the scan lists are read; and, with
        max_corpus_bytes, for every record of a corpus larger than that (a page that any client
        can ask for holds them all in memory).
        """
        from .clean import DEFAULT_OPTIONS
        from .ingest import TRUSTED_OPTIONS, clean_source, corpus_file_documents, corpus_record_documents, is_trusted
        from .sources import SNIFF_RULES, decode, quoted_name, read_bytes, scan

        from .store import read_sniffs

        # The index's verdicts on files without an extension: only the heads of new and changed ones are read.
        listing = scan(self.sources, follow_links=self.follow_links, sniffs=read_sniffs(self.index, SNIFF_RULES))
        row = listing.row(name)
        if row is None:
            raise WinnowError(f"no source named {name!r} in {shown(self.sources)}")
        source = listing.source(row)
        if source.kind == "jsonl":  # no size limit, as a build reads it; records are never cleaned
            if record is None and max_corpus_bytes is not None and source.size > max_corpus_bytes:
                raise WinnowError(f"{quoted_name(name)} is a corpus of {source.size / 1e6:.1f} MB: its records are "
                                  "shown one at a time (open one from a hit)")
            return corpus_file_documents(source) if record is None else corpus_record_documents(source, record)
        searcher = searcher or self.live()
        trusted = tuple(searcher.manifest.get("trusted") or ()) if searcher is not None else ()
        options = TRUSTED_OPTIONS if is_trusted(source.rel, trusted) else DEFAULT_OPTIONS
        return clean_source(source, decode(read_bytes(source), source.kind), options)

    def locate(self, searcher, passage_id: str) -> InContext:
        """The passage `passage_id` in the cleaned text of its source, with its character offsets."""
        from .search import locate_passage

        passage = searcher.passage_by_id(passage_id)
        if passage is None:
            raise WinnowError(f"no passage {passage_id!r} in the index in {shown(self.index)}; "
                              "`winnow passages` lists them")
        for file in searcher.source_files(passage.source):
            for document in self.clean(file, searcher, record=passage.source):
                if document.source != passage.source:
                    continue
                text = document.text
                start, end = locate_passage(text, passage.text)
                return InContext(passage.passage_id, passage.source, file, passage.section, passage.text, text,
                                 start, end, searcher.url(passage.source))
        raise WinnowError(f"the source of {passage_id!r} ({passage.source}) is no longer in {shown(self.sources)}")


def shown(path: Path) -> str:
    """A folder as a person reads it: a relative one with ./ in front ("No index in ./index yet")."""
    text = str(path)
    if path.is_absolute() or text.startswith(("./", "../")) or text in (".", ".."):
        return text
    return "./" + text
