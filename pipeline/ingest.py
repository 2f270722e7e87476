"""The pipeline in one readable function, incremental: sources -> clean -> split -> dedupe -> index.

    build_index(sources_dir, index_dir)
      1. take the lock, open the previous build (if valid and built with the same settings)
      2. discover the sources and compare them with the previous build
         (size and mtime first, a content hash to confirm)
      3. read, decode, clean and split each new or changed source (or take it from
         the per-source cache, store.SourceCache); an unchanged source is not read at all
      4. deduplicate: the changed sentences are checked against the signatures stored
         with the segments (segments.resolve_batch; from scratch, segments.fresh_verdicts);
         sources whose passages change with them join the batch; pack the batch's passages
      5. index the batch as a new segment (index.BM25Index); combine the topic
      6. write a new generation (unchanged segments hard-linked, deletions marked,
         merges as segments.merge_plan says), switch to it atomically, tidy up

Only step 3 is per source and slow (cleaning and sentence splitting); steps 4-6 cost
what changed (plus a walk of the sources and the manifest). Whatever was cached, the
index answers exactly as a fresh build of the same sources: same passages, scores
and rankings, and the same bytes once merged into one segment (small indexes always are).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import hashlib
import itertools
import json
import operator
import os
import re
import shutil
import tempfile
import time
import unicodedata
from array import array
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import numpy as np

from . import analyze as analyzer
from .dedupe import concat_signatures, signatures
from .errors import SkipSource, WinnowError
from .executors import Runner
from .clean import DEFAULT_OPTIONS, CleanOptions
from .origin import page_url, record_url
from .index import FORMAT_VERSION as BM25_FORMAT_VERSION, BM25Index, BM25Params, IndexFormatError
from .records import Document, Passage, Section, Source, record_source
from .segments import (SegmentData, SentenceArrays, StoredSegment, batch_verdicts, combine_topic,
                       combine_totals, fresh_verdicts, merge, merge_plan, prefix, resolve_batch, segment_files,
                       segment_info, kept_list, spill_sentences, topic_totals)
from .sources import (KINDS, SNIFF_RULES, SNIFFED_KINDS, name_kind, Listing, LongLine, decoded, file_fingerprint, limit_shown, quoted_name, read_bytes,
                      read_pieces, scan, shell_word, sorted_row)
from .split import PASSAGE_MAX_SENTENCES, PASSAGE_MAX_WORDS, join_sentences, pack_counts, section_sentences, word_count
from .units import PackedDocuments, Strings, concat_packed, pack_documents
from .store import (CHECKSUMS, INDEX_FORMAT_VERSION, SOURCES_BASE, GenerationDamaged, GenerationFormatChanged,
                    IndexLock, SourceCache, commit_generation, current_generation, new_generation_dir, read_own,
                    read_sniffs, read_sources, read_stats, sources_changes, tidy, verify_generation,
                    write_sniffs, write_sources_base, write_stats, SourceStats)

# The index format (its history with the number): store.INDEX_FORMAT_VERSION, checked on open.
# Pyserini's BEIR setting (k1 0.9, b 0.4), fitted on none of our collections. A grid over
# SciFact, Cranfield, CACM and the seed questions had picked k1 1.5; chosen that way on three
# and measured on the fourth, it was +0.001 above bm25s on the BEIR mean, while this
# literature setting is +0.017 (bench/bench_retrieval.py, --grid --loco). b stays low because
# passages are already packed to similar lengths.
DEFAULT_PARAMS = BM25Params(k1=0.9, b=0.4, idf="lucene")
# The title/heading counts once, like Pyserini's flat (title + text) BEIR index; 2 and 3
# did not help on the seed questions or on SciFact (bench --grid).
HEADING_WEIGHT = 1

TRUSTED_OPTIONS = CleanOptions(trusted=True)  # sources the user named with --trust: indexed as written

# A page that keeps under half of its words is worth a look (a warning names it); very
# short pages (a title and a line) are not.
LOW_KEPT_SHARE = 0.5
LOW_KEPT_MIN_WORDS = 40

# A term in half of the documents' titles is the corpus's topic (see topic_terms).
TOPIC_TITLE_SHARE = 0.5

# The modules whose code decides what a source becomes and how the cache is laid out;
# a change to any of them changes the cache key and the settings (so the next build
# is a full one, said on stderr), and cached sources are never reused across it.
# The analyzer is not among them: its declared settings and version (analyze.SETTINGS)
# are its identity, so a comment added to analyze.py no longer forces a rebuild.
PROCESSING_MODULES = ("blocks", "readers", "clean", "html", "origin", "split", "dedupe", "sources", "ingest", "store", "units")

Warn = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build did, for the summary line on stderr and for --json."""

    sources_read: int = 0
    sources_skipped: int = 0
    passages: int = 0
    duplicates_dropped: int = 0
    seconds: float = 0.0
    skipped: list[dict] = field(default_factory=list)
    left_out: list[dict] = field(default_factory=list)  # skipped by the scan (unknown type, hidden...): source, reason
    # Per segment of the index written: its unit names, each unit's words kept and given (None: not
    # counted) and its deleted units. `kept` lists them per source only when asked: a refresh at
    # 20,000 sources does not make 20,000 entries no one reads.
    # counted) and its deleted units; a stored segment's words as its array (segments.TOPIC_KEPT).
    kept_parts: list[tuple[list, "list | np.ndarray", frozenset]] = field(default_factory=list, repr=False)
    added: int = 0
    changed: int = 0
    removed: int = 0
    reused: int = 0  # sources taken from the cache instead of being cleaned again
    full: bool = True  # built from scratch (no previous build, --full, settings changed, damage)
    written: bool = True  # False when the index was already up to date
    # The generation written and its manifest as a reader parses it: the writer opens it without
    # checking again what it has just checked (store.commit_generation read every byte it wrote).
    generation: Path | None = field(default=None, repr=False)
    manifest: dict | None = field(default=None, repr=False)

    @property
    def kept(self) -> list[dict]:
        """Per source indexed, sorted by name: words the cleaner was given and kept (sources it did not count left out)."""
        rows = sorted((name, kept) for names, kepts, deleted in self.kept_parts
                      for u, (name, kept) in enumerate(zip(names, _column(kepts))) if kept and kept[1]
                      and u not in deleted)
        return [{"source": name, "kept_words": kept[0], "words": kept[1]} for name, kept in rows]

    def kept_totals(self) -> tuple[int, int]:
        """Words the cleaner kept and was given, over the sources indexed (C loops, no entry per source)."""
        kept = words = 0
        for _, kepts, deleted in self.kept_parts:
            if isinstance(kepts, np.ndarray):  # a stored segment's (segments.TOPIC_KEPT): summed by numpy
                live = kepts[:, 0] >= 0
                live[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
                kept, words = kept + int(kepts[live, 0].sum()), words + int(kepts[live, 1].sum())
                continue
            live = kepts if not deleted else [k for u, k in enumerate(kepts) if u not in deleted]
            counted = list(filter(None, live))
            kept += sum(map(operator.itemgetter(0), counted))
            words += sum(map(operator.itemgetter(1), counted))
        return kept, words


def _column(kepts: list | np.ndarray) -> list:
    return kept_list(kepts) if isinstance(kepts, np.ndarray) else kepts


def settings(params: BM25Params = DEFAULT_PARAMS) -> dict:
    """Everything that shapes the index: a change to any of it means a full rebuild."""
    return {
        "index_format": INDEX_FORMAT_VERSION,
        "bm25_format": BM25_FORMAT_VERSION,
        "analyzer": analyzer.SETTINGS,
        "bm25": params.as_dict(),
        "passages": {"max_words": PASSAGE_MAX_WORDS, "max_sentences": PASSAGE_MAX_SENTENCES},
        "heading_weight": HEADING_WEIGHT,
        "code": _processing_code_hash(),
    }


# What each entry of settings() is to a person told why the index is rebuilt.
_SETTINGS_SAID = {"index_format": "the index format", "bm25_format": "the index format", "analyzer": "the analyzer",
                  "bm25": "the BM25 settings", "passages": "the passage settings",
                  "heading_weight": "the passage settings",
                  "code": "the processing code (another version of winnow, or its files edited)"}


def _settings_changed(old, new: dict) -> str:
    """What differs between the settings an index was built with and these, capitalised:
    "The processing code (...)", not "the analyzer, index settings or index format" for all."""
    old = old if isinstance(old, dict) else {}
    said = dict.fromkeys(_SETTINGS_SAID.get(key, "the index settings") for key in [*new, *old]
                         if old.get(key) != new.get(key)) or {"the index settings": None}
    names = list(said)
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text[0].upper() + text[1:]


def _processing_code_hash() -> str:
    digest = hashlib.sha256()
    for name in PROCESSING_MODULES:
        package = Path(__file__).with_name(name)
        # A package counts with its code and its data (the cleaner's model.json).
        paths = sorted(p for p in package.iterdir() if p.suffix in (".py", ".json")) if package.is_dir() \
            else [package.with_suffix(".py")]
        for path in paths:
            digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return digest.hexdigest()[:16]


def _settings_key(params: BM25Params) -> str:
    return hashlib.sha256(json.dumps(settings(params), sort_keys=True).encode()).hexdigest()


# --- 3. one source -> documents -> cached sentences --------------------------------------------


def clean_source(source: Source, text: str, options: CleanOptions = DEFAULT_OPTIONS) -> list[Document]:
    """The cleaned documents of one decoded source (one per source for pages)."""
    from .clean import clean_html, clean_markdown, clean_rst, clean_text

    if source.kind == "html":
        return [replace(clean_html(text, source.rel, options), url=page_url(text))]
    if source.kind == "jsonl":
        return corpus_text_documents(text, source.rel)
    if source.kind == "markdown":
        return [clean_markdown(text, source.rel, options)]
    if source.kind == "rst":
        return [clean_rst(text, source.rel, options)]
    return [clean_text(text, source.rel, options=options)]


# Spaces, and the line breaks inside a paragraph (a record's text wrapped at 72 columns): one space,
# as a text file's wrapped lines are joined; paragraphs are split at blank lines first.
_JSONL_SPACE_RE = re.compile(r"[ \t\n\r\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_JSONL_PARAGRAPH_RE = re.compile(r"\n\s*\n")


def corpus_text_documents(text: str, rel: str) -> list[Document]:
    """The documents of a JSON Lines corpus (BEIR's corpus.jsonl): one per line with `_id` and `text`.

    The text is already clean, so it gets light normalisation only (NFC, spaces,
    paragraphs on blank lines), never the web-page cleaner. The document id becomes
    the source that passages cite, qualified by the file it is in (record_source): the
    same `_id` in two corpora makes two sources, and qrels judge the `_id` (record_id).
    The title is the heading of the
    one section, so it is indexed with every passage of the document. A file whose
    lines are not corpus records is skipped, and so is a BEIR `queries.jsonl`: its
    lines also have `_id` and `text`, so only its name tells it apart. A build reads
    a corpus in pieces of whole lines (corpus_records on each), never whole.
    """
    _check_corpus_name(rel)
    documents = corpus_records(text, rel)[0]
    if not documents:
        raise SkipSource(NOT_A_CORPUS)
    return documents


def numbered_pieces(source: Source, digest=None) -> Iterator[tuple[bytes | LongLine, int]]:
    """The pieces of the JSON Lines corpus source (read_pieces), each with the number of its first
    line in the file (a LongLine: its own)."""
    line = 1
    for piece in read_pieces(source, JSONL_PIECE_BYTES, digest):
        if isinstance(piece, LongLine):
            yield piece, piece.number
            line = piece.number + 1
        else:
            yield piece, line
            line += piece.count(b"\n")


def corpus_file_documents(source: Source, record: str | None = None,
                          warn: Callable[[str], None] | None = None) -> list[Document]:
    """The documents of the JSON Lines corpus file source, read in pieces as a build reads it,
    so with no size limit (read_bytes stops at 8 MB: `winnow show` of a record of a larger
    corpus failed, telling the user to make it a JSON Lines corpus). record: only the
    document citing that source (`corpus.jsonl#d1`). warn gets the warnings a build gives
    about lines that are not records. Raises SkipSource as a build skips the file.
    """
    return list(corpus_documents(source, record, warn))


def corpus_record_documents(source: Source, record: str) -> list[Document]:
    """corpus_file_documents(source, record) without parsing every line: the documents of the first
    line that is the record cited as `record` ("corpus.jsonl#d1"; `show`, the page's source?passage=).

    Only pieces whose bytes hold the id's text, as written or as JSON writes it (escaped quotes,
    \\uXXXX for non-ASCII), are decoded, and only their lines that hold it are parsed; the read
    stops at the record. A record no line holds in those forms (an id with other escapes, a
    UTF-16 file) or none at all is left to the full parse, which also says why a file is skipped.
    """
    _check_corpus_name(source.rel)
    rid = record[len(source.rel) + 1:] if record.startswith(source.rel + "#") else ""
    forms = tuple({rid, json.dumps(rid)[1:-1], json.dumps(rid, ensure_ascii=False)[1:-1]}) if rid else ()
    needles = tuple({form.encode("utf-8") for form in forms})
    for piece, first_line in numbered_pieces(source):
        if isinstance(piece, LongLine) or not any(map(piece.__contains__, needles)):
            continue  # a line over the limit is skipped by the build as by the full parse
        text, _ = decoded(piece, first_line=first_line)  # as the full parse decodes it: the same text
        for line in text.split("\n"):
            if any(map(line.__contains__, forms)):
                documents = [d for d in corpus_records(line, source.rel)[0] if d.source == record]
                if documents:
                    return documents
    return corpus_file_documents(source, record)


def corpus_documents(source: Source, record: str | None = None,
                     warn: Callable[[str], None] | None = None) -> Iterator[Document]:
    """corpus_file_documents one piece at a time: memory bounded by a piece, whatever the corpus's
    size (`winnow clean big.jsonl` prints as it reads). Raises SkipSource, once the file is read,
    when no line was a record."""
    _check_corpus_name(source.rel)
    found = bad = 0
    named: list[int] = []
    long: list[list[int]] = []
    notes: list[str] = []
    for piece, first_line in numbered_pieces(source):
        if isinstance(piece, LongLine):
            long.append([piece.number, piece.size])
            continue
        if not piece.strip():
            continue
        text, note = decoded(piece, first_line=first_line)
        if note:
            notes.append(note)
        records, n_bad, numbers = corpus_records(text, source.rel, first_line)
        found += len(records)
        bad, named = bad + n_bad, (named + numbers)[:LINES_NAMED]
        yield from (d for d in records if record is None or d.source == record)
    if warn is not None and notes:  # as a build says it
        warn(f"{quoted_name(source.rel)}: {corpus_note(notes)}")
    if warn is not None and long:
        warn(long_lines_warning(source.rel, long))
    if not found:
        raise SkipSource(NOT_A_CORPUS)
    if warn is not None and bad:
        warn(bad_lines_warning(source.rel, bad, named))


NO_TEXT_LEFT = "no text left after cleaning"


def skip_said(reason: str, path: str | Path) -> str:
    """A skipped source's reason as a warning or `status` says it: "no text left" with the command
    that shows what was dropped. path: the source under the sources folder as the user named it
    (relative to where they ran the command), so the command runs from there; the reason itself,
    as the manifest keeps it, names no path (a reason from an older manifest has the bare name)."""
    if reason.startswith(NO_TEXT_LEFT):
        return f"{NO_TEXT_LEFT}; `winnow clean --explain {shell_word(str(path))}` shows what was dropped"
    return reason
NOT_A_CORPUS = "not a JSON Lines corpus: no line has `_id` and `text` (queries.jsonl is not a corpus)"
LINES_NAMED = 5  # a corpus's warnings name its first 5 bad or long lines by number, then say how many more


def _check_corpus_name(rel: str) -> None:
    if Path(rel).name.lower().startswith("queries"):
        raise SkipSource("a BEIR queries file, not a corpus (winnow eval reads it as a question set)")


def corpus_records(text: str, rel: str, first_line: int = 1) -> tuple[list[Document], int, list[int]]:
    """(documents, how many lines are not corpus records, the numbers of the first
    LINES_NAMED of those) of some whole lines of the JSON Lines corpus rel, the first of
    them line first_line of the file.

    Lines end at "\n" (and a lone "\r"), never at the other ends str.splitlines() knows:
    U+2028, U+2029 and U+0085 may stand unescaped inside a JSON string, and cutting a
    record there lost it as two bad lines. Numbers count "\n" as an editor does.
    """
    documents: list[Document] = []
    bad = 0
    named: list[int] = []
    for number, text_line in enumerate(text.split("\n"), first_line):
        for line in text_line.split("\r"):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: a line of JSON nested thousands deep
                record = None
            if not isinstance(record, dict) or "_id" not in record or not isinstance(record.get("text"), str):
                bad += 1
                if len(named) < LINES_NAMED:
                    named.append(number)
                continue
            title = _light_normalize(str(record.get("title") or ""))
            paragraphs = tuple(p for p in (_light_normalize(p) for p in _JSONL_PARAGRAPH_RE.split(record["text"])) if p)
            if paragraphs or title:
                documents.append(Document(source=record_source(rel, str(record["_id"])), title=title,
                                          sections=(Section(heading=title, paragraphs=paragraphs or (title,)),),
                                          url=record_url(record.get("url"))))
    return documents, bad, named


def _light_normalize(text: str) -> str:
    if text.isascii() and "  " not in text and "\t" not in text and "\n" not in text and "\r" not in text:
        return text.strip()  # already NFC, and no run of spaces to collapse (most abstracts)
    return _JSONL_SPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def process_source(source: Source, options: CleanOptions = DEFAULT_OPTIONS) -> tuple[str, list[Document]]:
    """(content hash, documents) of one source; raises SkipSource with the reason."""
    data = read_bytes(source)
    return hashlib.sha256(data).hexdigest(), _clean_bytes(source, data, options)


def _clean_bytes(source: Source, data: bytes, options: CleanOptions,
                 notes: list[str] | None = None) -> list[Document]:
    """The documents of a source's bytes; raises SkipSource with the reason. notes gets the
    decoding's warning, if any (bytes replaced, or an encoding guessed)."""
    text, note = decoded(data, source.kind)
    if note and notes is not None:
        notes.append(note)
    try:
        return clean_source(source, text, options)
    except SkipSource:
        raise
    except Exception as error:  # noqa: BLE001
        # A parser choking on one pathological page (RecursionError on nesting,
        # ValueError or LookupError on odd encodings, MemoryError on sheer size)
        # must cost that page only, never the build; the warning names the error.
        raise SkipSource(f"could not be cleaned ({type(error).__name__}: {str(error)[:120]})") from None


def split_documents(documents: list[Document], rel: str) -> list[dict]:
    """The cache form of a source's documents: sections of sentences with what step 4 needs.

    Per sentence: its word count (packing), its tokens (BM25: the analyzer's lists) and
    its dedupe signature (dedupe.signatures: exact hash, band keys, word hashes); a
    section's signatures are a view of the source's (units.pack_documents joins them).
    """
    split = [section_sentences(document) for document in documents]
    # One signatures pass over every sentence of the source (a corpus piece holds thousands
    # of short sections: a pass per section cost more in numpy calls than in hashing).
    sig = signatures([s for sections in split for _, sentences in sections for s in sentences])
    first = 0
    out = []
    for document, sections_of in zip(documents, split):
        title_tokens = " ".join(analyzer.analyze(document.title))
        sections = []
        for heading, sentences in sections_of:
            words = [word_count(s) for s in sentences]
            sections.append({
                "heading": heading,  # its tokens space-joined (no token contains whitespace)
                "heading_tokens": title_tokens if heading == document.title else " ".join(analyzer.analyze(heading)),
                "sentences": sentences, "words": words, "packs": pack_counts(words),
                "tokens": [analyzer.analyze(s) for s in sentences],
                "signatures": sig.span(first, first + len(sentences)),
            })
            first += len(sentences)
        out.append({"source": None if document.source == rel else document.source,
                    "title_tokens": title_tokens, "sections": sections,
                    **({"url": document.url} if document.url else {})})
    return out


def topic_terms(units: list[tuple[str, PackedDocuments | list[dict]]]) -> list[str]:
    """The corpus's topic: terms in at least TOPIC_TITLE_SHARE of its documents' titles.

    A folder of pages about one disease names it in most page titles ("Necrotizing
    autoimmune myopathy", "Immune-mediated necrotizing myopathy"); questions name it
    too, but it is what every passage is about, not what the question asks
    (query.build_query counts these terms less). A corpus of unrelated documents
    (SciFact's abstracts) has no term in half of its titles, so no topic. The
    topic's acronyms are the topic too: "Immune-Mediated Necrotizing Myopathy (IMNM)".
    """
    return combine_topic([unit_topic(_packed(documents)) for _, documents in units], TOPIC_TITLE_SHARE)


def _packed(documents: PackedDocuments | list[dict]) -> PackedDocuments:
    """Documents in the packed form (split_documents's dicts are packed)."""
    return documents if isinstance(documents, PackedDocuments) else pack_documents(documents)


def unit_topic(documents: PackedDocuments) -> dict:
    """What one source adds to the topic: its title terms and the acronyms it defines
    (kept with its segment, so a refresh combines them without reading every source)."""
    acronyms = []
    for sentence in _with_acronym_shape(documents.sentences):
        for long_form, acronym in _acronyms(sentence):
            terms = [t for t in analyzer.analyze(long_form) if not t.startswith(analyzer.PREFIX_MARK)]
            acronyms.append([terms, analyzer.analyze(acronym)])
    # Tuples of shared term strings (JSON writes them as lists): a corpus of 200k titled
    # documents held 50 MB of lists and strings here.
    terms: dict[str, str] = {}
    titles = [tuple(sorted({terms.setdefault(term, term) for term in t.split()})) for t in documents.doc_title_tokens]
    return {"titles": titles, "acronyms": acronyms}


def _with_acronym_shape(sentences: Strings) -> list[str]:
    """The sentences holding an acronym's shape, "(" capitals and letters ")" (_ACRONYM_RE), in
    order: only they can define one. Found in the blob, so the others are never decoded (the
    shape is ASCII, and UTF-8 has no ASCII byte inside another character; a shape across two
    sentences costs a look at the first)."""
    found, last = [], -1
    for match in _ACRONYM_BYTES_RE.finditer(sentences.blob):
        i = int(np.searchsorted(sentences.offsets, match.start(), "right")) - 1
        if i != last:
            found.append(sentences[i])
            last = i
    return found


_ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
_ACRONYM_BYTES_RE = re.compile(_ACRONYM_RE.pattern.encode("ascii"))


def _acronyms(sentence: str) -> list[tuple[str, str]]:
    """(long form, acronym) pairs a sentence defines: the acronym's letters are the
    initials of the words (or hyphenated parts) just before it."""
    out = []
    for match in _ACRONYM_RE.finditer(sentence):
        acronym = match.group(1)
        n = len(acronym)
        words = re.split(r"[\s-]+", sentence[max(0, match.start() - 40 * n):match.start()].strip())[-n:]
        if len(words) == n and all(words) and "".join(w[0] for w in words).lower() == acronym.lower():
            out.append((" ".join(words), acronym))
    return out


# --- 3. on every core, or on a cluster -----------------------------------------------------------

# A JSON Lines corpus goes to the workers in pieces of whole lines of about this size: a
# 46 MB corpus is a dozen tasks, and memory holds a few pieces, never the file.
JSONL_PIECE_BYTES = 4 << 20
JSONL_PIECE_KIND = "jsonl-piece"  # the cache kind of a corpus piece's entry
JSONL_PIECES_KIND = "jsonl-pieces"  # ... and of the list of a corpus's pieces, kept while the corpus stays
# Tasks in flight per worker: enough to keep every worker busy, few enough that memory
# holds a handful of sources' bytes and results at a time.
TASKS_PER_WORKER = 4


@dataclass(frozen=True)
class Task:
    """One unit of per-source work, self-contained: a source's bytes travel with it.

    A worker needs no access to the sources folder, so a Dask worker on another
    machine runs it as a local process does. `piece` numbers the pieces of a JSON
    Lines corpus (None: the whole source), and `first_line` is the number of the piece's
    first line in the file, so that a warning names a bad line where an editor shows it.
    """

    rel: str
    kind: str
    trusted: bool
    data: bytes
    piece: int | None = None
    first_line: int = 1


def run_task(task: Task) -> dict:
    """The per-source function: read, clean, split and analyse one source (or corpus piece).

    Returns its cache entry ({"documents", "kept"}; a corpus piece: {"documents",
    "bad", "bad_lines"}) or {"skip": reason}, and "code", the hash of the code that made it: the
    build refuses results from workers that run other code (their index would differ).
    """
    # Without the cyclic collector, as in the build's own process (_without_cyclic_gc): a
    # worker of a pool or a cluster would otherwise scan the task's short-lived objects over
    # and over. What the task leaves in cycles (a parsed page) goes at the next collection.
    with _without_cyclic_gc():
        result = _run_task(task)
        if "documents" in result:  # packed here, on the worker: the build never holds them as dicts
            result["documents"] = pack_documents(result["documents"])
    result["code"] = _worker_code_hash()
    return result


@functools.lru_cache(maxsize=1)
def _worker_code_hash() -> str:
    """The processing code's hash, read once per worker process (it reads every module)."""
    return _processing_code_hash()


def _run_task(task: Task) -> dict:
    try:
        if task.piece is not None:
            if not task.data.strip():
                return {"documents": [], "bad": 0, "bad_lines": []}
            text, note = decoded(task.data, first_line=task.first_line)
            documents, bad, bad_lines = corpus_records(text, task.rel, task.first_line)
            return {"documents": split_documents(documents, task.rel), "bad": bad, "bad_lines": bad_lines,
                    "piece": task.piece, **({"note": note} if note else {})}
        source = Source(path="", rel=task.rel, kind=task.kind, size=len(task.data), mtime_ns=0)
        notes: list[str] = []
        documents = _clean_bytes(source, task.data, TRUSTED_OPTIONS if task.trusted else DEFAULT_OPTIONS, notes)
        split = split_documents(documents, task.rel)
        if not any(section["sentences"] for document in split for section in document["sections"]):
            # A blank page, Markdown that is only front matter: no passage, so not indexed (said, and counted).
            return {"skip": NO_TEXT_LEFT}  # skip_said adds the command, with the file as the user names it
        return {"documents": split, "kept": [sum(d.kept_words for d in documents), sum(d.words for d in documents)],
                **({"note": notes[0]} if notes else {})}
    except SkipSource as reason:
        return {"skip": str(reason)}
    except Exception as error:  # noqa: BLE001  (same reason as in process_source)
        return {"skip": f"could not be split ({type(error).__name__}: {str(error)[:120]})"}


@dataclass
class _Item:
    """A source of the build: where its entry comes from, and the entry once known."""

    source: Source
    sha: str | None
    trusted: bool
    entry: dict | None  # from the cache or the previous build; None: to process
    pieces: dict = field(default_factory=dict)  # a corpus: piece number -> hash, of the pieces processed
    piece_hashes: list = field(default_factory=list)  # a corpus: every piece's hash, in order


def _tasks(item: _Item, cache: SourceCache | None):
    """The tasks of a source to process, read lazily; yields Tasks, then a dict of what the reading found.

    A JSON Lines corpus is cached piece by piece (JSONL_PIECE_KIND, by the hash of the
    piece's bytes): pieces already processed come from the cache as {"documents"}, so
    records appended to a large corpus cost their piece, not the corpus.
    """
    source = item.source
    try:
        if source.kind == "jsonl":
            _check_corpus_name(source.rel)
            digest = hashlib.sha256()
            number = 0
            for piece, first_line in numbered_pieces(source, digest):
                if isinstance(piece, LongLine):  # passed over: the rest of the corpus is read
                    yield {"long": [piece.number, piece.size]}
                    continue
                # The file's name is hashed with the piece: its records' sources name it.
                sha = hashlib.sha256(source.rel.encode("utf-8") + b"\0" + piece).hexdigest()
                item.piece_hashes.append(sha)
                entry = cache.get(JSONL_PIECE_KIND, sha) if cache is not None else None
                if entry is not None:
                    yield {"documents": entry["documents"]}
                    number += 1
                    continue
                item.pieces[number] = sha
                yield Task(source.rel, source.kind, item.trusted, piece, number, first_line)
                number += 1
            yield {"sha256": digest.hexdigest()}
            return
        data = read_bytes(source)
    except SkipSource as reason:
        yield {"skip": str(reason)}
        return
    yield Task(source.rel, source.kind, item.trusted, data)
    yield {"sha256": hashlib.sha256(data).hexdigest()}


def _processed(items, runner: Runner, n_tasks: int, n_bytes: int, cache: SourceCache | None):
    """(item, [results]) for every item in order, whatever order the workers finish in:
    cached entries as they are, the others through the runner, at most TASKS_PER_WORKER
    tasks per worker in flight. n_tasks, n_bytes: the sources to process and their size;
    cache: where corpus pieces are looked up (None: a full build)."""
    from collections import deque

    runner.start(n_tasks, n_bytes)
    window = TASKS_PER_WORKER * runner.workers
    pending: deque = deque()  # (item, future or dict)
    in_flight = 0
    code = _processing_code_hash()

    def ready():
        nonlocal in_flight
        item, result = pending.popleft()
        if not isinstance(result, dict):
            in_flight -= 1
            result = runner.result(result)
            if result.pop("code", code) != code and runner.remote:  # in this process: this code
                raise WinnowError("a worker runs other winnow code than this build; install the same "
                                  "version on every Dask worker")
        return item, result

    def flow():
        """(item, result) pairs in item order, a source's results together."""
        nonlocal in_flight
        for item in items:
            stream = [{"entry": item.entry}] if item.entry is not None else _tasks(item, cache)
            for payload in stream:
                if isinstance(payload, Task):
                    pending.append((item, runner.submit(run_task, payload)))
                    in_flight += 1
                else:
                    pending.append((item, payload))
                while in_flight > window or (pending and isinstance(pending[0][1], dict)):
                    yield ready()
        while pending:
            yield ready()

    try:
        for _, pairs in itertools.groupby(flow(), key=lambda pair: id(pair[0])):
            pairs = list(pairs)
            yield pairs[0][0], [result for _, result in pairs]
    finally:
        runner.close()


def _merged(item: _Item, results: list[dict]) -> dict:
    """One source's entry from its results: {"entry"} from the cache, {"skip"}, or the
    fresh entry (a corpus's pieces joined in order) with its "sha256"."""
    if "entry" in results[0]:
        return results[0]["entry"]
    sha = next((r["sha256"] for r in results if "sha256" in r), None)
    skip = next((r["skip"] for r in results if "skip" in r), None)
    long = [r["long"] for r in results if "long" in r]  # a corpus's lines too long to read: [number, bytes]
    if skip is not None:
        return {"skip": skip, "sha256": sha, "long": long}
    if item.source.kind != "jsonl":
        (entry,) = [r for r in results if "documents" in r]
        return {**entry, "sha256": sha}
    # Moved out of the results, so that each piece is freed once it is copied into the whole.
    documents = concat_packed([r.pop("documents") for r in results if "documents" in r])
    if not documents.n_docs:
        return {"skip": NOT_A_CORPUS, "sha256": sha, "long": long}
    notes = [r["note"] for r in results if r.get("note")]  # the pieces read now (a cached one is not said again)
    return {"documents": documents, "kept": [0, 0], "sha256": sha, "pieces": list(item.piece_hashes),
            "bad": sum(r.get("bad", 0) for r in results),
            "bad_lines": [n for r in results for n in r.get("bad_lines", ())][:LINES_NAMED], "long": long,
            **({"note": corpus_note(notes)} if notes else {})}


def corpus_note(notes: list[str]) -> str:
    """What to warn of a corpus whose pieces' decoding left notes: the first, and how many more pieces."""
    more = len(notes) - 1
    return notes[0] + (f" (and in {more} more piece{'s' * (more > 1)} of the file)" if more else "")


def _line_numbers(numbers: list[int], count: int) -> str:
    """"line 7", "lines 3, 9, 12, 20, 31 and 4 more": the first LINES_NAMED of count lines."""
    shown = ", ".join(str(number) for number in numbers[:LINES_NAMED])
    return f"line{'s' * (count > 1)} {shown}" + (f" and {count - LINES_NAMED} more" if count > LINES_NAMED else "")


def long_lines_warning(rel: str, long: list) -> str:
    """The warning for a corpus's lines passed over as too long ([line number, bytes] each)."""
    lines = "a line" if len(long) == 1 else f"{len(long)} lines"
    return (f"{quoted_name(rel)}: skipped {lines} longer than {limit_shown()} "
            f"({_line_numbers([number for number, _ in long], len(long))}, "
            f"{sum(size for _, size in long) / 1e6:.1f} MB): not a corpus record; its other lines are indexed")


def bad_lines_warning(rel: str, count: int, numbers: list[int]) -> str:
    """The warning for a corpus's lines that are not records (numbers: the first LINES_NAMED of them)."""
    return (f"{quoted_name(rel)}: skipped {count} line{'s' * (count != 1)} that {'are' if count != 1 else 'is'} "
            f"not a corpus record (a JSON object with `_id` and `text`): {_line_numbers(numbers, count)}")


def _cache_pieces(item: _Item, results: list[dict], cache: SourceCache) -> None:
    """Cache the pieces of a corpus processed now (none when the corpus is skipped)."""
    if any("skip" in r for r in results) or not any(r["documents"].n_docs for r in results if "documents" in r):
        return
    for result in results:
        if "piece" in result:
            cache.put(JSONL_PIECE_KIND, item.pieces[result["piece"]], {"documents": result["documents"]})


def _process_one(item: _Item, cache: SourceCache) -> dict:
    """One source's entry, worked out in this process (a refresh reassembling a source
    whose cache entry is gone); raises nothing, a skip is an entry."""
    ((_, results),) = _processed([item], Runner(1, None), 1, item.source.size, cache)
    entry = _merged(item, results)
    entry.pop("sha256", None)
    return entry


def _unit_urls(rel: str, documents: PackedDocuments) -> dict:
    """{"urls": {cited name: original address}} of a source's documents, or {} when none names one
    (kept with the source in its segment, so a refresh lists them without reading the source)."""
    urls = {name or rel: url for name, url in zip(documents.doc_names, documents.doc_urls) if url}
    return {"urls": urls} if urls else {}


# --- 4. cached sentences -> passages and their tokens -------------------------------------------


def assemble(units: list[tuple[str, PackedDocuments | list[dict]]]) -> tuple[list[Passage], list[list[str]], int, dict]:
    """Deduplicated passages of whole sources (a fresh build), their tokens, how many
    sentences were dropped, and {} (where a dedupe cache used to be).

    `units` are (source name, cached documents) in source order. The first occurrence
    of a sentence is kept; later sources that repeat it are added to the `sources`
    of the passage that keeps it (dedupe.py says what a duplicate is).
    """
    units = [(rel, _packed(documents)) for rel, documents in units]
    _, marks = fresh_verdicts(batch_sentences(units))
    packed = pack_passages(units, marks)
    return packed.passages(), packed.token_lists(), sum(packed.dropped), {}


def batch_sentences(units: list[tuple[str, PackedDocuments]], credit: np.ndarray | None = None,
                    known_credit: np.ndarray | None = None) -> SentenceArrays:
    """The sentences of whole sources in corpus order, with their signatures, as one batch.

    credit/known_credit: the verdicts stored for some of them (segments.SentenceArrays).

    Raises ValueError when a cache entry's signatures do not fit its sentences.
    """
    names: dict[str, int] = {}
    sent_unit, sent_pos, sent_doc = [], [], []
    for number, (rel, documents) in enumerate(units):
        if len(documents.sig) != documents.n_sentences:
            raise ValueError(f"the signatures of {rel} do not fit its sentences")
        # A document's name is numbered where its first section is (one without sections cites nothing).
        has_sections = np.diff(documents.doc_sections) > 0
        doc_number = np.fromiter((names.setdefault(name or rel, len(names)) if has else -1
                                  for name, has in zip(documents.doc_names, has_sections.tolist())),
                                 dtype=np.int32, count=documents.n_docs)
        doc_sentences = np.diff(documents.section_sentences[documents.doc_sections])
        n = documents.n_sentences
        sent_unit.append(np.full(n, number, dtype=np.int32))
        sent_pos.append(np.arange(n, dtype=np.int32))
        sent_doc.append(np.repeat(doc_number, doc_sentences))
    joined = (lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32))
    # One source (a corpus): its arrays as they are, not a copy.
    sig = units[0][1].sig if len(units) == 1 else concat_signatures([documents.sig for _, documents in units])
    batch = SentenceArrays([rel for rel, _ in units], list(names), joined(sent_unit), joined(sent_pos),
                           joined(sent_doc), sig, credit, known_credit=known_credit)
    if credit is not None and len(credit) != len(batch.sig):
        raise ValueError("carried verdicts do not match the sentences")
    return batch


def with_batch_signatures(units: list[tuple[str, PackedDocuments]], batch: SentenceArrays
                          ) -> list[tuple[str, PackedDocuments]]:
    """The units (in batch order) with their signatures as views of the batch's, which were
    concatenated from them: a build that holds these instead holds every signature once (the
    band keys alone are 80 bytes a sentence; a quarter of /usr/share/doc held 78 MB twice)."""
    if len(units) == 1 and units[0][1].sig is batch.sig:
        return units
    out, start = [], 0
    for rel, documents in units:
        stop = start + documents.n_sentences
        out.append((rel, replace(documents, sig=batch.sig.span(start, stop))))
        start = stop
    return out


# What a unit holds of its signatures once the batch's are spilled (spill_sentences): nothing;
# only the dedupe reads them, and it is done.
_SPILLED_SIGNATURES = signatures([])


def _carried_credits(units: list[tuple[str, PackedDocuments]], carried: dict[str, np.ndarray]
                     ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The verdicts stored for the sentences of sources moved out of their segment, in batch order."""
    if not carried:
        return None, None
    credit, known = [], []
    for rel, documents in units:
        n = documents.n_sentences
        stored = carried.get(rel)
        if stored is not None and len(stored) != n:
            raise ValueError(f"the stored sentences of {rel} do not match its cache entry")
        credit.append(stored if stored is not None else np.zeros(n, dtype=np.uint64))
        known.append(np.full(n, stored is not None, dtype=bool))
    return np.concatenate(credit).astype(np.uint64), np.concatenate(known)


@dataclass
class PackedPassages:
    """A batch's passages in passage-id order, packed: what a segment is written from.

    lines: their JSON lines, one blob (line_offsets cut it); terms: every term once, in
    the order first met; term_ids: each passage's tokens as numbers into terms, one
    passage after another (lengths cut them); doc_unit: each passage's unit; dropped:
    per unit, the sentences dropped as duplicates.
    """

    lines: bytes | bytearray | BinaryIO  # in memory, or the file they were written to
    line_offsets: np.ndarray
    terms: list[str]
    term_ids: np.ndarray | None  # None once index() has consumed them
    lengths: np.ndarray
    doc_unit: np.ndarray
    dropped: list[int]

    def index(self, params: BM25Params) -> BM25Index:
        """The passages' BM25 index. term_ids is consumed (None after): the build renumbers the
        numbers in place and frees them once sorted, not after (26 MB of a quarter of /usr/share/doc)."""
        return BM25Index.from_term_ids(self.terms, self._given_term_ids(), self.lengths, params)

    def _given_term_ids(self) -> np.ndarray:
        term_ids, self.term_ids = self.term_ids, None  # no name here holds them past the call
        return term_ids

    def passages(self) -> list[Passage]:
        cuts = self.line_offsets.tolist()
        lines = self.lines
        if not isinstance(lines, (bytes, bytearray)):
            lines.seek(0)
            lines = lines.read()
        return [_passage(json.loads(lines[a:b])) for a, b in zip(cuts, cuts[1:])]

    def token_lists(self) -> list[list[str]]:
        cuts = np.concatenate([[0], np.cumsum(self.lengths)]).tolist()
        ids = self.term_ids.tolist()
        return [[self.terms[t] for t in ids[a:b]] for a, b in zip(cuts, cuts[1:])]


RENUMBER_BLOCK = 1 << 20  # tokens renumbered per step in pack_passages (4 MB of temporaries)
_json_string = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


def _passage_line(passage_id: str, section: str, source: str, sources: list[str], text: str) -> bytes:
    """A passage's JSON line: json.dumps(Passage.as_dict(), ensure_ascii=False, sort_keys=True)
    and a newline, the same bytes, written without the encoder's walk over a dict."""
    return ('{"passage_id": %s, "section": %s, "source": %s, "sources": [%s], "text": %s}\n' % (
        _json_string(passage_id), _json_string(section), _json_string(source),
        ", ".join(map(_json_string, sources)), _json_string(text))).encode("utf-8", "surrogateescape")


def _passage(record: dict) -> Passage:
    return Passage(passage_id=record["passage_id"], source=record["source"], section=record["section"],
                   text=record["text"], sources=tuple(record["sources"]))


def pack_passages(units: list[tuple[str, PackedDocuments]], marks: dict[int, list[str] | None],
                  spill=None) -> PackedPassages:
    """Passages of whole sources given the dedupe verdicts, in passage-id order (PackedPassages).

    spill: a binary file the lines are written to (and PackedPassages.lines is then
    that file), so that memory never holds the batch's text twice; None: in memory.

    `marks` holds, by sentence position in the batch, None for a dropped sentence and
    the names credited to a kept one; a sentence without a mark is kept as is, and a
    section without marks keeps the packing cached for it.

    Two passes: the first lays out every passage (its unit, section and pack, as
    numbers) and names it; the second writes them in passage-id order, each line and
    its term numbers made and appended at once, so no passage object outlives its line.
    """
    starts = np.concatenate([[0]] + [documents.section_sentences[1:] + base for base, (_, documents) in
                                     zip(itertools.accumulate((d.n_sentences for _, d in units), initial=0), units)])
    touched = set((np.searchsorted(starts, np.fromiter(marks, dtype=np.int64, count=len(marks)), "right") - 1).tolist())
    draft_unit, draft_section, draft_pack = array("i"), array("i"), array("i")
    custom: dict[int, tuple[list[int], list[list[str] | None]]] = {}  # draft -> (sentences, credited names)
    ids: list[str] = []
    ordinal: dict[str, int] = {}
    dropped = [0] * len(units)
    section_base = 0  # the batch number of the unit's first section
    for unit, (rel, documents) in enumerate(units):
        sources = [name or rel for name in documents.doc_names]
        # Arrays read an element at a time, not lists: a list holds an int object per section.
        section_doc, first_pack, first_sentence = (documents.section_doc(), documents.section_packs,
                                                   documents.section_sentences)
        for section in range(documents.n_sections):
            source = sources[section_doc[section]]
            if section_base + section not in touched:
                # The common case: nothing here can be a duplicate; the cached packing holds.
                groups = range(first_pack[section], first_pack[section + 1])
            else:
                position = int(starts[section_base + section])
                kept, kept_sources = [], []
                for i in range(first_sentence[section + 1] - first_sentence[section]):
                    mark = marks.get(position + i, True)
                    if mark is None:
                        dropped[unit] += 1
                        continue
                    kept.append(i)
                    kept_sources.append(None if mark is True else mark)
                words = documents.words[first_sentence[section]:first_sentence[section + 1]].tolist()
                groups = []
                for group in pack_counts([words[i] for i in kept]):
                    custom[len(ids) + len(groups)] = ([kept[j] for j in group], [kept_sources[j] for j in group])
                    groups.append(-1)
            for pack in groups:
                n = ordinal.get(source, 0)
                ordinal[source] = n + 1
                ids.append(f"{source}#{n:04d}")
                draft_unit.append(unit)
                draft_section.append(section)
                draft_pack.append(pack)
        section_base += documents.n_sections
    del ordinal
    # doc number order == passage id order: ties break by id
    order = np.asarray(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)

    lines = spill if spill is not None else bytearray()
    write, size = lines.write if spill is not None else lines.extend, 0
    line_offsets, lengths = array("q", [0]), array("q")
    terms: dict[str, int] = collections.defaultdict(itertools.count().__next__)
    # Each unit's vocabulary in the batch's term numbers: one look-up per distinct term.
    unit_terms = [np.fromiter(map(terms.__getitem__, documents.vocab), dtype=np.int32, count=len(documents.vocab))
                  for _, documents in units]
    term_ids = array("i")
    heading_at, heading_ids = None, np.zeros(0, dtype=np.int32)  # the last section's heading, as numbers
    for draft in order.tolist():
        unit = draft_unit[draft]
        documents = units[unit][1]
        section, pack = draft_section[draft], draft_pack[draft]
        first = int(documents.section_sentences[section])
        if pack >= 0:
            indices = documents.members[documents.pack_members[pack]:documents.pack_members[pack + 1]].tolist()
            also: list = []
        else:
            indices, also = custom.pop(draft)
        source = ids[draft].rpartition("#")[0]
        sources = [source]
        if any(also):  # names in first-seen order; a set to test them (a boilerplate line can cite thousands)
            seen = {source}
            for more in also:
                if more:
                    sources.extend(s for s in more if not (s in seen or seen.add(s)))
        sentences = documents.sentences.span(first + indices[0], first + indices[-1] + 1)
        text = join_sentences(sentences if len(sentences) == len(indices) else [sentences[i - indices[0]] for i in indices])
        line = _passage_line(ids[draft], documents.headings[section], source, sources, text)
        write(line)
        size += len(line)
        line_offsets.append(size)
        if heading_at != (unit, section):
            heading_at = (unit, section)
            heading_ids = np.fromiter(map(terms.__getitem__, documents.heading_tokens[section].split()), dtype=np.int32)
        cuts = documents.token_offsets
        if indices[-1] - indices[0] + 1 == len(indices):  # consecutive sentences: one run of tokens
            local = documents.token_ids[cuts[first + indices[0]]:cuts[first + indices[-1] + 1]]
        else:
            local = np.concatenate([documents.token_ids[cuts[first + i]:cuts[first + i + 1]] for i in indices])
        tokens = unit_terms[unit][local]
        for _ in range(HEADING_WEIGHT):
            term_ids.frombytes(heading_ids.tobytes())
        term_ids.frombytes(tokens.tobytes())
        lengths.append(HEADING_WEIGHT * len(heading_ids) + len(tokens))
    doc_unit = np.frombuffer(draft_unit, dtype=np.int32)[order]
    # The units' vocabularies also hold the terms of sentences dropped as duplicates: only
    # the terms of some passage are the batch's (renumbered in place, in the order met).
    term_ids = np.frombuffer(term_ids, dtype=np.int32)
    used = np.zeros(len(terms), dtype=bool)
    used[term_ids] = True  # (np.bincount would take a copy of the tokens as int64 first)
    words = list(terms)
    if not used.all():
        renumber = np.cumsum(used, dtype=np.int32) - 1
        for start in range(0, len(term_ids), RENUMBER_BLOCK):  # in place: no second per-token array
            term_ids[start:start + RENUMBER_BLOCK] = renumber[term_ids[start:start + RENUMBER_BLOCK]]
        words = list(itertools.compress(words, used.tolist()))
    # Views of the arrays grown here, not copies (a copy of the lines alone is ~300 bytes a passage).
    return PackedPassages(lines, np.frombuffer(line_offsets, dtype=np.int64), words, term_ids,
                          np.frombuffer(lengths, dtype=np.int64), doc_unit.astype(np.int32), dropped)


def assemble_passages(documents: list[Document]) -> tuple[list[Passage], int]:
    """Deduplicated passages of all documents in order, and how many sentences were dropped."""
    units = [(d.source, split_documents([d], d.source)) for d in documents]
    passages, _, dropped, _ = assemble(units)
    return passages, dropped


def passage_tokens(passage: Passage) -> list[str]:
    """What is indexed for a passage: its section heading travels with it and is searchable.

    The heading (a page's section title, a JSON Lines document's title) counts
    HEADING_WEIGHT times: repeating the tokens is how a single-field BM25 weights a field.
    """
    heading = analyzer.analyze(passage.section)
    return heading * HEADING_WEIGHT + analyzer.analyze(passage.text)


# --- the whole build --------------------------------------------------------------------------


@dataclass
class _Previous:
    """The last good build: its generation folder, its manifest, its sources by name."""

    generation: Path
    manifest: dict
    known: "_Known"  # the sources it indexed and skipped
    base: tuple = ([], [])  # the columns of its sources.bin (names, hashes): what its manifest's changes apply to

    stored: list = field(default_factory=list)  # its segments (segments.StoredSegment), opened

    def segments(self) -> list[StoredSegment]:
        return [StoredSegment(self.generation, prefix(p), info) for p, info in enumerate(self.manifest["segments"])]


@dataclass(frozen=True)
class Opened:
    """A generation as a reader opened and checked it (search.Searcher does, as `ask` opens the
    index): what a refresh would otherwise check and read again. Its checks are the refresh's own
    (verify_generation(full=False), each segment's schema, store.read_sources)."""

    generation: Path
    manifest: dict
    sources: tuple  # store.read_sources's columns: names, hashes, then its base's names and hashes


def build_index(sources_dir: str | Path, index_dir: str | Path, warn: Warn | None = None,
                progress: Callable[[list[Source]], object] | None = None,
                params: BM25Params = DEFAULT_PARAMS, full: bool = False,
                notify: Warn | None = None, follow_links: bool = False,
                lock_wait: float | None = None, trusted: list[str] | tuple[str, ...] | None = None,
                jobs: int | None = None, dask: str | None = None, look: "Look | None" = None,
                opened: "Opened | None" = None) -> BuildReport:
    """Bring the index under index_dir up to date with sources_dir, re-processing only what changed.

    full=True ignores the previous build and the cache. `warn` gets one line per
    skipped source, `notify` the lines that say why the build does what it does.
    `trusted` names files and folders (relative to sources_dir) indexed as written,
    without cleaning; it is kept with the index, and None means "as last time".
    follow_links: also read links that lead outside sources_dir (sources.scan);
    lock_wait: seconds to wait for another build (store.IndexLock; None: its default).
    jobs: processes for the per-source work (None: every core; see Runner); dask: the
    address of a Dask scheduler to run it on instead. The index is the same either way.
    look: what look_at_sources just found in sources_dir for this index (a caller that checked
    for changes first): taken instead of listing the folder and hashing what moved again.
    opened: the live generation as the caller opened and checked it (a Searcher's): if it is still
    the live one, a refresh takes it as it is instead of checking and reading it again.
    """
    # The cyclic collector is paused around _build, not inside it: when it resumes, the
    # build's objects (tables of every source) are freed already, so its first collection
    # does not scan them (at 20,000 sources that scan was ~0.07 s of a one-edit refresh).
    with _without_cyclic_gc():
        try:
            return _build(sources_dir, index_dir, warn, progress, params, full, notify, follow_links, lock_wait,
                          trusted, jobs, dask, look, opened)
        except _Rebuild as reason:
            if full:
                raise RuntimeError(f"a build from scratch met stale data ({reason})") from None
            (notify or (lambda message: None))(
                f"The index does not match its cache ({reason}); rebuilding it from scratch.")
            return _build(sources_dir, index_dir, warn, progress, params, True, notify, follow_links, lock_wait,
                          trusted, jobs, dask, look)


class _Rebuild(Exception):
    """A refresh found the previous build and the cache disagreeing: build from scratch."""


def _build(sources_dir, index_dir, warn, progress, params, full, notify, follow_links, lock_wait,
           trusted, jobs=None, dask=None, look=None, opened=None) -> BuildReport:
    """build_index, once."""
    warn = warn or (lambda message: None)
    notify = notify or (lambda message: None)
    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport()
    skips = SkipsSaid(warn)
    with IndexLock(index_dir, notify, wait=lock_wait) as lock, contextlib.ExitStack() as stack:  # 1.
        # The sources are listed first: the previous build's names are read as that list if they are
        # the same (store.read_sources_base), its hashes then spare splitting stats.bin's (_hashes).
        if look is None or look.follow_links != follow_links:
            listing, said, sniffs = _listed(sources_dir, index_dir, follow_links)
        else:
            listing, said, sniffs = look.listing, None, look.sniffs
        # With full=True the caller asked for (and said why of) a rebuild from scratch;
        # the previous build only serves to count what was added, changed and removed.
        previous = _open_previous(index_dir, params, notify if not full else (lambda message: None), opened,
                                  listing.rels)
        report.full = full or previous is None
        cache = SourceCache(index_dir, _settings_key(params))
        known = previous.known if previous else _Known([], [], {})
        old_trust = tuple(previous.manifest.get("trusted") or ()) if previous else _live_trust(index_dir)
        trust = normalize_trusted(trusted) if trusted is not None else old_trust

        # 2. The sources in columns; only the rows that moved become Source objects and are read.
        if said is not None:
            look = _look(listing, said, index_dir, follow_links,
                         (known.names, known.shas) if previous and not report.full else None, sniffs)
        for message in look.said:
            warn(message)
        listing, stats, shas, hashed = look.listing, look.stats, look.shas, look.hashed  # shas: read, never changed
        report.left_out = listing.left_out
        for entry in listing.left_out:
            skips(entry["source"], entry["reason"])
        if listing.sniffs != look.sniffs:  # a head read now: the next look reads only new and changed ones
            write_sniffs(index_dir, listing.sniffs, SNIFF_RULES)
        new_stats = SourceStats(listing.rels, listing.sizes, listing.mtimes, list(shas))
        stats_lag = not stats.same_names(listing.rels) or stats.old_file or _stats_lag(listing, hashed)
        changes = _compare(listing.rels, shas, known, trust, old_trust)
        report.added, report.changed, report.removed = changes.added, changes.changed, len(changes.removed)
        if not report.full and not (report.added or report.changed or report.removed):
            if stats_lag:
                write_stats(index_dir, new_stats)  # touched files: next time size and mtime suffice
            report = _unchanged(report, previous, started, skips, sources_dir)
            skips.close()
            return report

        segments = previous.stored if previous and not report.full else []
        moved = range(len(listing)) if report.full else changes.moved
        # A full build, or the first after a killed one (whose entries may serve no source
        # now), prunes the cache to what it used; a refresh drops the entries of the source
        # versions it replaced, without listing the cache or hashing every source's key.
        prune_all = report.full or lock.taken_over or trust != old_trust
        got = _read_sources(listing, new_stats.shas, moved, known, report, cache, trust,  # 3.
                            warn, progress, Runner(jobs, dask), keep_all=prune_all, folder=sources_dir, skips=skips)
        units, kept_words, fresh_rels = got.units, got.kept_words, got.fresh_rels
        for rel in sorted(fresh_rels):
            _note_kept(rel, kept_words.get(rel), warn, sources_dir)

        _return_free_memory()  # what processing left (each piece's transients): dedupe allocates in it

        # 4. Deduplicate: the old versions of changed and removed sources leave their
        # segments, the new ones arrive as a batch; sources whose passages change with
        # them (a duplicate found or lost) are reassembled too.
        removed = []
        # The live units of the sources removed, changed or skipped now, in (segment, unit) order.
        gone = {name for name in itertools.chain(changes.removed, map(listing.rels.__getitem__, moved))}
        for p, u in sorted(filter(None, map(functools.partial(_locate, segments), gone))):
            segments[p].delete(u)
            removed.append((p, segments[p].unit_sentences(u)))
        batch_units = sorted(units.items())
        batch = batch_sentences(batch_units)
        batch_units = with_batch_signatures(batch_units, batch)
        units.update(batch_units)
        if not segments:  # from scratch: the batch is the whole index, and its verdicts are worked out on arrays
            credits, marks = fresh_verdicts(batch)
        else:
            verdicts, touched = resolve_batch([seg.sentences for seg in segments], batch, removed)
            carried: dict[str, np.ndarray] = {}
            for p, u in sorted(touched):
                name = segments[p].unit_names[u]
                if name in units or name in gone:
                    continue
                got.kept_words[name] = segments[p].kept(u)
                source, sha, trusted_source = got.source(name)
                entry = cache.get(_cache_kind(source.kind, trusted_source), sha) if source.kind != "jsonl" else None
                entry = entry or _process_one(_Item(source, sha, trusted_source, None), cache)
                if "skip" in entry:  # the same bytes were indexed last time: the cache is not to be trusted
                    raise _Rebuild(f"{quoted_name(name)} was indexed last time and is skipped now")
                units[name] = entry["documents"]
                carried[name] = np.asarray(segments[p].sentences.credit[segments[p].unit_sentences(u)])
                segments[p].delete(u)
            batch_units = sorted(units.items())
            if carried:  # sources joined the batch (a full build never has any: its batch holds already)
                try:
                    credit, known_credit = _carried_credits(batch_units, carried)
                    batch = batch_sentences(batch_units, credit, known_credit)
                    batch_units = with_batch_signatures(batch_units, batch)
                    units.update(batch_units)
                except ValueError as error:  # a cache entry that does not fit what its segment holds
                    raise _Rebuild(str(error)) from None
            credits, marks = batch_verdicts(verdicts.over([seg.sentences for seg in segments] + [batch]),
                                            len(segments), len(batch.sig))
            del verdicts
        # The segment's signature and sorted-key files are written now, to a temporary file, and
        # the passages and their index are made without them (SegmentData.write copies them).
        sentence_spill = stack.enter_context(tempfile.TemporaryFile(dir=index_dir))
        spilled = spill_sentences(batch.sig, (batch.exact_sorted, batch.exact_sent), sentence_spill)
        names, sent_unit, sent_pos, sent_doc = batch.names, batch.sent_unit, batch.sent_pos, batch.sent_doc
        del batch
        batch_units = [(rel, replace(documents, sig=_SPILLED_SIGNATURES)) for rel, documents in batch_units]
        units.update(batch_units)
        _return_free_memory()  # what the dedupe left: the passages are made in it
        spill = stack.enter_context(tempfile.TemporaryFile(dir=index_dir))  # unnamed, gone when closed
        packed = pack_passages(batch_units, marks, spill)  # 5.
        topics = [{**unit_topic(documents), "kept": kept_words.get(rel), "dropped": packed.dropped[n],
                   **_unit_urls(rel, documents)} for n, (rel, documents) in enumerate(batch_units)]
        unit_names = [rel for rel, _ in batch_units]
        # Everything the new segment needs is in packed and the spill now: the sources' cached
        # sentences go before the index is built.
        units.clear()
        del batch_units, marks
        _return_free_memory()
        new = SegmentData(packed.index(params), packed.lines, packed.line_offsets, packed.doc_unit, unit_names,
                          topics, names, sent_unit, sent_pos, sent_doc, credits, None,
                          spilled=(sentence_spill, spilled)) if unit_names else None
        del packed

        # The topic and report totals: the new units', and each segment's summed totals less its
        # deleted units' (a refresh at 20,000 sources reads no unchanged unit's topic).
        every_total = [topic_totals(topics)] + [seg.live_totals() for seg in segments]
        report.duplicates_dropped = sum(total["dropped"] for total in every_total)
        # Names are unique, so only the units naming addresses need sorting (a record id met in
        # two corpora keeps the address of the later one, as in a fresh build).
        every_names = [unit_names] + [seg.unit_names for seg in segments]
        with_urls = sorted((names[u], urls) for names, total in zip(every_names, every_total) for u, urls in total["urls"])
        # The sources indexed: every one found but those skipped now (a source that stays was indexed).
        skipped_now = {entry["source"] for entry in report.skipped}
        indexed = [name not in skipped_now for name in listing.rels] if skipped_now else None
        sources_indexed = {"source": list(itertools.compress(listing.rels, indexed) if indexed else listing.rels),
                           "sha256": list(itertools.compress(new_stats.shas, indexed) if indexed else new_stats.shas)}
        base = previous.base if previous and not report.full else None
        # Words kept per source, for the report: read from the segments only if it is asked for.
        report.kept_parts = [(seg.unit_names, seg.kept_rows, frozenset(seg.deleted)) for seg in segments]
        report.kept_parts.append((unit_names, [topic["kept"] for topic in topics], frozenset()))
        manifest = {
            "settings": settings(params),
            "skipped": report.skipped,
            "counts": {"sources": len(sources_indexed["source"]), "passages": 0,
                       "duplicates_dropped": report.duplicates_dropped},
            "topic_terms": _topic(every_total, segments),
            "trusted": list(trust),
            "sources_folder": str(Path(sources_dir).resolve()),  # an index answers for this folder only
            "urls": {key: url for _, urls in with_urls for key, url in urls.items()},
        }
        final, n_passages, report.manifest = write_generation(index_dir, manifest, segments, new, params,  # 6.
                                                              previous.generation if previous else None,
                                                              sources_indexed, base)
        report.generation = final
        if report.full or stats_lag:
            write_stats(index_dir, new_stats)
        # The previous generation stays one build longer: an `ask` may be reading it.
        tidy(index_dir, keep={final.name} | ({previous.generation.name} if previous else set()))
        if prune_all:
            cache.prune()
        else:
            replaced = sorted(changes.removed + [listing.rels[row] for row in changes.moved
                                                 if known.get(listing.rels[row]) is not None])
            cache.drop(_replaced(known, replaced, old_trust, new_stats.shas, cache))

    report.passages = n_passages
    report.sources_read = len(sources_indexed["source"])
    report.sources_skipped = len(report.skipped) + len(report.left_out)
    report.seconds = time.perf_counter() - started
    skips.close()
    return report


# A build names this many skipped files of one kind, then says in one line how many more were
# skipped so (as `status` does, and as compilers stop naming errors after -fmax-errors); a pile
# of 3,000 files of an unknown type made 3,000 lines that buried every other warning.
# `winnow build --json` lists every one.
SKIPS_NAMED = 10


class SkipsSaid:
    """Say skipped sources on `warn`: the first `named` of each kind of reason by name, then, at
    close(), one line per kind with how many more. A class: the counts per kind are state."""

    def __init__(self, warn: Warn, named: int | None = SKIPS_NAMED) -> None:
        self.warn, self.named, self.counts = warn, named, {}

    def __call__(self, name: str, reason: str, said: str | None = None) -> None:
        """said: the reason as the warning words it (skip_said), if not as it is."""
        kind = skip_kind(reason)
        count = self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.named is None or count <= self.named:
            self.warn(f"skipped {quoted_name(name)}: {said or reason}")

    def close(self) -> None:
        for kind, count in self.counts.items():
            if self.named is not None and count > self.named:
                self.warn(f"and {count - self.named:,} more skipped: {kind} (`winnow build --json` lists every one)")
        self.counts = {}


def skip_kind(reason: str) -> str:
    """The kind of a skip reason: its words before any detail in brackets or after a semicolon
    ("binary file (NUL bytes)" and "binary file (control characters)" are one kind)."""
    return re.split(r" \(|; |: ", reason, maxsplit=1)[0] or reason


@dataclass
class _Read:
    """What reading the moved sources gave: their documents and fingerprints, by name."""

    listing: Listing  # every source found
    shas: list  # their hashes, by row
    units: dict = field(default_factory=dict)  # sources (re)assembled: their documents
    kept_words: dict = field(default_factory=dict)  # per source read: words given and kept (None: not counted)
    fresh_rels: set = field(default_factory=set)  # the sources processed now, not taken from a cache
    by_rel: dict = field(default_factory=dict)  # name -> (source, sha, trusted), of the sources read
    trust: tuple = ()

    def source(self, name: str) -> tuple:
        """(source, sha, trusted) of the source `name` (one of the listing)."""
        if name in self.by_rel:
            return self.by_rel[name]
        row = self.listing.row(name)
        return self.listing.source(row), self.shas[row], is_trusted(name, self.trust)


_NEW = object()  # the hash of a source the last build did not know


@dataclass
class _Known:
    """The sources the last build indexed (columns sorted by name, as its manifest holds them) and
    skipped (their entries, by name)."""

    names: list
    shas: list
    skipped: dict

    def __len__(self) -> int:
        return len(self.names) + len(self.skipped)

    def get(self, name: str) -> dict | None:
        """The entry of the source `name`: {"source", "sha256"}, with "reason" if it was skipped."""
        if name in self.skipped:
            return self.skipped[name]
        row = sorted_row(self.names, name)
        return {"source": name, "sha256": self.shas[row]} if row is not None else None

    def shas_of(self, names: list) -> list:
        """Per name, the hash it had last time (_NEW if it was not known); do not modify it."""
        if names == self.names and not self.skipped:  # the same sources as last time: a C comparison
            return self.shas
        at = dict(zip(self.names, self.shas))
        at.update((name, entry.get("sha256")) for name, entry in self.skipped.items())
        return list(map(at.get, names, itertools.repeat(_NEW, len(names))))

    def all_names(self) -> set:
        return set(self.names) | self.skipped.keys()


@dataclass
class _Changes:
    """How the sources found differ from the last build's."""

    moved: list  # rows of the listing to read again: added, changed, unreadable, skipped last time, trust turned
    olds: list  # per row, the hash the last build knew (_NEW: none)
    added: int
    changed: int
    removed: list  # names the last build knew that are gone


def _compare(names: list, shas: list, known: _Known, trust: tuple, old_trust: tuple) -> _Changes:
    """Compare the sources found (names and hashes by row) with the last build's.

    Every step over all the rows is a C loop (map, compress, set): at a refresh nearly all of
    them are unchanged, and only the rows that differ are visited in Python.
    """
    n = len(names)
    olds = known.shas_of(names)
    rows = set(itertools.compress(range(n), map(operator.ne, shas, olds)))
    rows.update(itertools.compress(range(n), map(operator.is_, shas, itertools.repeat(None, n))))  # unreadable
    added = sum(1 for row in rows if olds[row] is _NEW)
    if trust != old_trust:
        rows.update(row for row in range(n) if olds[row] is not _NEW
                    and is_trusted(names[row], trust) != is_trusted(names[row], old_trust))
    changed = len(rows) - added
    for name in known.skipped:  # same bytes as last time: the same verdict, given again
        row = sorted_row(names, name)
        if row is not None:
            rows.add(row)
    # Names are unique: every source known and found again is one of the n - added rows.
    removed = sorted(known.all_names() - set(names)) if len(known) != n - added else []
    return _Changes(sorted(rows), olds, added, changed, removed)


def _topic(every_total: list[dict], segments: list[StoredSegment]) -> list[str]:
    """The topic from the new units' totals and the segments' live ones (every_total, in that
    order); a segment's whole title counts are read only if its head leaves a term undecided."""
    topic = combine_totals(every_total, TOPIC_TITLE_SHARE)
    if topic is None:
        topic = combine_totals(every_total[:1] + [seg.live_totals(whole=True) for seg in segments], TOPIC_TITLE_SHARE)
    return topic


def _locate(segments: list[StoredSegment], name: str) -> tuple[int, int] | None:
    """(segment, unit) of the live unit of the source `name`, or None."""
    for p, seg in enumerate(segments):
        u = seg.unit(name)
        if u is not None and u not in seg.deleted:
            return p, u
    return None


def _hashes(listing: Listing, stats: SourceStats, known: tuple | None = None) -> tuple[list[str | None], list[int]]:
    """Each source's content hash: the recorded one if size and mtime prove it unchanged, else
    read (None: unreadable, skipped later with the reason); and the rows read.

    known: the index's sources (names, hashes): if they are the ones listed, the recorded hashes
    are compared with theirs whole (SourceStats.known_shas's `like`)."""
    like = known[1] if known is not None and known[0] == listing.rels else None
    shas = stats.known_shas(listing.rels, listing.sizes, listing.mtimes, like)
    hashed = list(itertools.compress(range(len(shas)), map(operator.is_, shas, itertools.repeat(None))))
    for row in hashed:
        shas[row] = _fingerprint(listing.source(row))
    return shas, hashed


# stats.bin is a cache of proofs (size and mtime -> hash): a source whose size or mtime moved
# since it was written is hashed again, which costs far less than rewriting the whole table for
# each edit (at 20,000 sources ~10 ms to dump and write it, ~0.05 ms to hash a page). A build
# rewrites it when the names changed, or when what it hashed for want of a record exceeds these.
STATS_LAG_SHARE = 1 / 128  # of the sources
STATS_LAG_BYTES = 1 << 20  # bytes read and hashed (a corpus edited in place is rehashed whole)


def _stats_lag(listing: Listing, hashed: list[int]) -> bool:
    """Has stats.bin lagged enough behind the sources to be rewritten?"""
    return (len(hashed) > STATS_LAG_SHARE * len(listing)
            or sum(map(listing.sizes.__getitem__, hashed)) > STATS_LAG_BYTES)


def _replaced(known: _Known, names: list[str], old_trust: tuple, shas_now: list, cache: SourceCache) -> list[str]:
    """Cache keys of the source versions the last build indexed and this one does not (edited or
    removed: `names`), unless this build uses them or a source of it has the same bytes."""
    keys = []
    # Looked up in the list (a C scan each) for a few names: a set of every source's hash cost a
    # one-edit refresh at 20,000 sources ~3 ms.
    now = shas_now if len(names) <= 16 else set(shas_now)
    for rel in names:
        old = known.get(rel)
        sha, kind = old.get("sha256"), name_kind(rel.rpartition("/")[2])[0]
        if "reason" in old or not isinstance(sha, str) or sha in now or kind is None:
            continue
        if kind == "":  # no extension: it was read as one of these, by its head then
            keys += [cache.key(_cache_kind(sniffed, is_trusted(rel, old_trust)), sha) for sniffed in SNIFFED_KINDS]
        elif kind == "jsonl":  # a corpus: its pieces, as listed when it was last read, and the list
            listed = cache.peek(JSONL_PIECES_KIND, sha)
            keys += [cache.key(JSONL_PIECE_KIND, piece) for piece in (listed or {}).get("pieces", ())]
            keys.append(cache.key(JSONL_PIECES_KIND, sha))
        else:
            keys.append(cache.key(_cache_kind(kind, is_trusted(rel, old_trust)), sha))
    return [key for key in keys if key not in cache.used]


def _read_sources(listing, shas, moved, known, report, cache, trust, warn, progress,
                  runner, keep_all: bool = True, folder: str | Path = "", skips=None) -> _Read:
    """Phase 3 of a build: the documents of the sources that moved (rows of the listing), from the
    cache or processing; the others stay in their segments.

    keep_all: mark the cache entries of unchanged sources used (for a pruning of the whole cache).
    folder: the sources folder as the user named it, for the commands warnings suggest (skip_said).
    skips: says a skipped source (SkipsSaid; by default, on warn).
    Its transients (each source's entry, the items, the cached entries) go when it returns.
    """
    got = _Read(listing, shas, trust=trust)
    skips = skips or SkipsSaid(warn, named=None)
    items: list[_Item] = []
    moved_set = set(moved)
    if keep_all:
        stays = (row for row in range(len(listing)) if row not in moved_set)
    else:  # an unchanged corpus keeps its cached pieces, as listed when it was last read
        corpora = itertools.compress(range(len(listing)), map(operator.eq, listing.kinds, itertools.repeat("jsonl")))
        stays = (row for row in corpora if row not in moved_set)
    for row in stays:
        source_kind = listing.kinds[row]
        if source_kind == "jsonl":
            listed = cache.get(JSONL_PIECES_KIND, shas[row])
            for piece in (listed or {}).get("pieces", ()):
                cache.keep(JSONL_PIECE_KIND, piece)
        else:
            cache.keep(_cache_kind(source_kind, is_trusted(listing.rels[row], trust)), shas[row])
    for row in moved:
        source, sha = listing.source(row), shas[row]
        rel = source.rel
        old = known.get(rel)
        entry = None
        trusted_source = is_trusted(rel, trust)
        got.by_rel[rel] = (source, sha, trusted_source)
        if not report.full and old is not None and sha is not None and sha == old["sha256"] and "reason" in old:
            entry = {"skip": old["reason"]}  # same bytes as last time: same verdict
        elif not report.full and sha is not None and source.kind != "jsonl":  # a corpus: by piece
            entry = cache.get(_cache_kind(source.kind, trusted_source), sha)
            report.reused += entry is not None
        items.append(_Item(source, sha, trusted_source, entry))
    report.reused += len(listing) - len(moved)
    todo = [item for item in items if item.entry is None]
    n_tasks = sum(-(-i.source.size // JSONL_PIECE_BYTES) if i.source.kind == "jsonl" else 1 for i in todo)
    shown = (pair[1] for pair in progress([(i.source, i) for i in items])) if progress else items
    for item, results in _processed(shown, runner, n_tasks, sum(i.source.size for i in todo),
                                    None if report.full else cache):
        fresh = item.entry is None
        if fresh and item.source.kind == "jsonl":
            _cache_pieces(item, results, cache)  # before _merged moves the pieces' documents out
        source, sha, entry = item.source, item.sha, _merged(item, results)
        note = entry.pop("note", None)  # said when the source is read, as _note_kept does; not cached
        if note:
            warn(f"{quoted_name(source.rel)}: {note}")
        if fresh:
            sha = entry.pop("sha256", None) or sha
            shas[listing.row(source.rel)] = sha
            got.by_rel[source.rel] = (source, sha, item.trusted)
            if "skip" in entry:
                pass
            elif source.kind != "jsonl":
                cache.put(_cache_kind(source.kind, item.trusted), sha, entry)
            else:
                fresh = bool(item.pieces)
                report.reused += not fresh
        long = entry.pop("long", None)
        if long:
            warn(long_lines_warning(source.rel, long))
        if "skip" in entry:
            skips(source.rel, entry["skip"], skip_said(entry["skip"], os.path.join(folder, source.rel)))
            report.skipped.append({"source": source.rel, "sha256": sha, "reason": entry["skip"]})
            continue
        bad, bad_lines = entry.pop("bad", 0), entry.pop("bad_lines", [])
        if bad:  # counted only where pieces were read now (cached pieces keep only their records)
            warn(bad_lines_warning(source.rel, bad, bad_lines))
        got.units[source.rel] = entry["documents"]
        got.kept_words[source.rel] = entry.get("kept")
        if "pieces" in entry and sha is not None:
            cache.put(JSONL_PIECES_KIND, sha, {"documents": [], "pieces": entry["pieces"]})
        if fresh:
            got.fresh_rels.add(source.rel)
    return got


@contextlib.contextmanager
def _without_cyclic_gc():
    """Pause the cyclic garbage collector for the build.

    A build allocates hundreds of thousands of small acyclic objects (token lists,
    strings, dicts), which refcounting frees; the collector keeps scanning them
    anyway and cost a third of an incremental refresh at 2,000 sources (measured).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _return_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing).

    Between the build's phases: freed numpy arrays under 32 MB and freed Python objects
    leave holes in the heap that the process keeps, so its resident memory was the sum
    of every phase's transients, not the largest (at 200k passages, 240 MB of free heap
    before the BM25 build, measured with /proc/self/status).
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _open_previous(index_dir: Path, params: BM25Params, notify: Warn, opened: Opened | None = None,
                   listed: list | None = None) -> _Previous | None:
    """The last build if it is intact and was made with the same settings; say why not otherwise.

    opened: the live generation as a caller opened it, if it is this one: checked already.
    listed: the names of the sources found now (sorted, unique), which its own likely are."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    try:
        if opened is not None and opened.generation == generation:  # named by a hash of its checksums
            manifest, columns = opened.manifest, opened.sources
        else:
            # Sizes, small files whole, big files' edges: every byte was checked when the
            # generation was written, and a refresh must not read what it does not change.
            manifest = verify_generation(generation, full=False)  # parsed once (2 MB at 20,000 sources)
            columns = None
        if manifest is None:
            raise IndexFormatError("no manifest.json")
        if manifest.get("settings") != settings(params):
            notify(f"{_settings_changed(manifest.get('settings'), settings(params))} changed; "
                   "rebuilding the index from scratch.")
            return None
        if columns is None:
            for position, info in enumerate(manifest["segments"]):
                BM25Index.load(generation, check_bounds=False, prefix=prefix(position))  # schema, as `ask` checks it
            columns = read_sources(generation, manifest, listed)
        names, shas, *base = columns
        known = _known_sources(names, shas, manifest)
        previous = _Previous(generation, manifest, known, tuple(base))
        previous.stored = previous.segments()
        # A refresh takes the sources the manifest lists as the segments' live units (it visits only
        # the sources that moved): the two must agree. Sorted runs, merged and compared in C.
        if sorted(itertools.chain.from_iterable(seg.live_names() for seg in previous.stored)) != known.names:
            raise IndexFormatError("the manifest's sources are not the segments' live units")
    except GenerationFormatChanged:
        notify("The analyzer, index settings or index format changed; rebuilding the index from scratch.")
        return None
    except (GenerationDamaged, IndexFormatError, OSError, ValueError, KeyError, TypeError, AttributeError,
            IndexError) as error:
        notify(f"The index at {generation} is damaged ({error}); rebuilding it from the sources.")
        return None
    return previous


def _known_sources(names: list, shas: list, manifest: dict) -> _Known:
    """The sources a generation lists: indexed ones as columns (store.read_sources: names sorted, and
    their hashes; at 20,000 sources two lists of strings parse several times faster than 20,000
    objects), skipped ones (its manifest's) by name."""
    return _Known(names, shas, {entry["source"]: entry for entry in manifest["skipped"]})


def _live_trust(index_dir: Path) -> tuple[str, ...]:
    """The trusted list of the live generation when it cannot be refreshed (another index format
    or settings, damage): the rebuild keeps what the user asked to trust, as a refresh does."""
    generation = current_generation(index_dir)
    try:
        trusted = json.loads(read_own(generation / "manifest.json")).get("trusted") if generation else None
    except (OSError, ValueError, RecursionError, AttributeError):
        return ()
    return normalize_trusted(trusted) if isinstance(trusted, list) and set(map(type, trusted)) <= {str} else ()


def normalize_trusted(paths) -> tuple[str, ...]:
    """Trusted files and folders as sorted source names ("notes", "a/b.md"): "/" separators, no "./"."""
    out = set()
    for path in paths:
        name = str(path).replace("\\", "/").strip()
        while name.startswith("./"):
            name = name[2:]
        name = name.strip("/")
        out.add(name or ".")
    return tuple(sorted(out))


def is_trusted(rel: str, trusted: tuple[str, ...]) -> bool:
    """Whether the source named rel is, or lies under, a trusted file or folder."""
    if "." in trusted:  # the whole folder: asked of every source at every refresh
        return True
    return any(t == "." or rel == t or rel.startswith(t + "/") for t in trusted)


def _cache_kind(kind: str, trusted: bool) -> str:
    return kind + (":trusted" if trusted else "")


def _note_kept(rel: str, kept: list | None, warn: Warn, folder: str | Path) -> None:
    """Warn when a page the cleaner read now lost most of its words; the commands name the file
    under the sources folder as the user named it, so they run from where the build ran."""
    if kept and kept[1] >= LOW_KEPT_MIN_WORDS and kept[0] < LOW_KEPT_SHARE * kept[1]:
        path = shell_word(os.path.join(folder, rel))
        warn(f"{quoted_name(rel)}: kept {kept[0]} of {kept[1]} words; `winnow clean --explain {path}` "
             f"shows what was dropped and why (`winnow build --trust {path}` indexes it as written)")


def _unchanged(report: BuildReport, previous: _Previous, started: float, skips: SkipsSaid,
               folder: str | Path) -> BuildReport:
    """The report of a build that found nothing to do: the live index is already this build's."""
    counts = previous.manifest.get("counts", {})
    report.written = False
    report.skipped = list(previous.manifest.get("skipped", []))
    for skipped in report.skipped:
        skips(skipped["source"], skipped["reason"],
              skip_said(skipped["reason"], os.path.join(folder, skipped["source"])))
    report.sources_read = counts.get("sources", 0)
    report.sources_skipped = len(report.skipped) + len(report.left_out)
    report.reused = report.sources_read
    report.passages = counts.get("passages", 0)
    report.duplicates_dropped = counts.get("duplicates_dropped", 0)
    report.seconds = time.perf_counter() - started
    return report


# --- 6. on-disk generations --------------------------------------------------------------------


def write_generation(index_dir: Path, manifest: dict, segments: list[StoredSegment], new: SegmentData | None,
                     params: BM25Params, previous: Path | None, sources: dict | None = None,
                     base: tuple | None = None) -> tuple[Path, int, dict]:
    """Write a complete generation (merging segments as segments.merge_plan says), then
    atomically make it the live one; returns it, its number of live passages and its manifest
    (parsed from the bytes written, as a reader has it).

    Segments kept as they are become hard links to the previous generation's files,
    with the checksums it recorded: a refresh writes and reads what changed.
    sources: the sources indexed ({"source": [names], "sha256": [hashes]}, sorted by name);
    base: the columns of the previous generation's sources.bin, which is linked and the
    manifest given the changes since it, unless the index becomes one segment without
    deletions (a fresh build's bytes) or the changes are many: then they are folded into a new one.
    """
    sources = sources if sources is not None else {"source": [], "sha256": []}
    tmp = new_generation_dir(Path(index_dir))
    try:
        parts = []  # (folder, prefix, info) of every segment with live units
        for seg in segments:
            if len(seg.deleted) < len(seg.unit_names):
                parts.append((seg.generation, seg.prefix, seg.current_info()))
        if new is not None:
            new.write(tmp, "n.")
            parts.append((tmp, "n.", segment_info(new.n_docs, new.index._doc_lengths, new.doc_unit,
                                                  len(new.unit_names), set())))
        groups = merge_plan([info for _, _, info in parts])
        merged_into = {g[0]: g for g in groups}
        dropped = {p for g in groups for p in g[1:]}
        known = _recorded_checksums(previous) if previous else {}
        infos, checksums = [], {}
        for position, (folder, old_prefix, info) in enumerate(parts):
            if position in dropped:
                continue
            final_prefix = prefix(len(infos))
            if position in merged_into:
                data = merge([parts[p] for p in merged_into[position]], params)
                data.write(tmp, final_prefix)
                info = segment_info(data.n_docs, data.index._doc_lengths, data.doc_unit, len(data.unit_names), set())
            elif folder == tmp:
                for name in segment_files(old_prefix):
                    (tmp / name).rename(tmp / (final_prefix + name[len(old_prefix):]))
            else:
                for name in segment_files(old_prefix):
                    target = final_prefix + name[len(old_prefix):]
                    _link(folder / name, tmp / target)
                    if name in known:
                        checksums[target] = known[name]
            infos.append(info)
        for name in segment_files("n."):
            if (tmp / name).exists():
                (tmp / name).unlink()
        manifest = {**manifest, "segments": infos}
        one_segment = len(infos) <= 1 and not any(info["deleted"] for info in infos)
        changes = None if one_segment or base is None or previous is None else sources_changes(
            *base, sources["source"], sources["sha256"])
        if changes is None:  # a new base: every source, no change since it
            write_sources_base(tmp / SOURCES_BASE, sources["source"], sources["sha256"])
            changes = {"source": [], "sha256": [], "removed": []}
        else:
            _link(previous / SOURCES_BASE, tmp / SOURCES_BASE)
            if SOURCES_BASE in known:
                checksums[SOURCES_BASE] = known[SOURCES_BASE]
        manifest["sources"] = changes
        n_passages = sum(info["live_docs"] for info in infos)
        manifest["counts"] = {**manifest["counts"], "passages": n_passages}
        # One line: json's C encoder (indent=1 takes the pure-Python path, 4x slower; the
        # manifest holds every source's address for a collection of web pages).
        body = json.dumps(manifest, sort_keys=True)
        (tmp / "manifest.json").write_text(body, encoding="utf-8")
        return commit_generation(Path(index_dir), tmp, checksums), n_passages, json.loads(body)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _link(source: Path, target: Path) -> None:
    """A hard link to an immutable file of the previous generation (a copy where links fail)."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copyfile(source, target, follow_symlinks=False)


def _recorded_checksums(generation: Path) -> dict:
    try:
        return json.loads(read_own(generation / CHECKSUMS))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def read_manifest(generation: Path) -> dict:
    return json.loads((generation / "manifest.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Look:
    """One look at a sources folder for an index: the sources listed, what the scan said of the
    files it left out, the index's stats.bin, and each source's content hash.

    `ask` looks to see whether the sources changed, then hands the look to the build it starts,
    which would otherwise list the folder, read the stats and hash the moved files again (at
    20,000 sources the listing alone is most of a one-edit refresh).
    """

    listing: Listing
    said: tuple  # the scan's lines about the folders it left out, for the build's `warn` (files: listing.left_out)
    stats: SourceStats
    shas: list  # by row: the recorded hash where size and mtime prove it, else read (None: unreadable)
    hashed: list  # the rows read
    follow_links: bool
    sniffs: dict = field(default_factory=dict)  # the index's sniffs.json, as read: a build rewrites it if the scan's differ


def look_at_sources(sources_dir: str | Path, index_dir: str | Path | None = None, follow_links: bool = False,
                    known: tuple | None = None) -> Look:
    """List the sources and hash those whose size or mtime moved since the index's stats.bin.

    known: the sources the index holds (names, hashes; store.read_sources's first columns), or a
    function of the names listed that reads them."""
    listing, said, sniffs = _listed(sources_dir, index_dir, follow_links)
    return _look(listing, said, index_dir, follow_links, known(listing.rels) if callable(known) else known, sniffs)


def _listed(sources_dir: str | Path, index_dir: str | Path | None, follow_links: bool) -> tuple[Listing, tuple, dict]:
    """The sources as a build lists them: the listing, the scan's lines about the folders it left
    out (its skipped files are in listing.left_out, said by the build), and the index's sniffs.json
    as read (the verdicts on files without an extension whose heads need no second read)."""
    said: list[str] = []
    sniffs = read_sniffs(Path(index_dir), SNIFF_RULES) if index_dir is not None else {}
    listing = scan(sources_dir, said.append, follow_links=follow_links, sniffs=sniffs, say_skips=False)
    return listing, tuple(said), sniffs


def _look(listing: Listing, said: tuple, index_dir: str | Path | None, follow_links: bool,
          known: tuple | None, sniffs: dict | None = None) -> Look:
    """look_at_sources once the sources are listed (sniffs: the index's sniffs.json, as read)."""
    stats = read_stats(Path(index_dir)) if index_dir is not None else SourceStats([], [], [], [])
    # Size and mtime prove most sources unchanged; only the others are hashed.
    shas, hashed = _hashes(listing, stats, known)
    return Look(listing, said, stats, shas, hashed, follow_links, sniffs or {})


def stale_sources(sources_dir: str | Path, searcher, index_dir: str | Path | None = None,
                  follow_links: bool = False, left_out: list | None = None, look: Look | None = None) -> dict:
    """What changed since the build: added, changed and removed source names.

    Size and modification time first (from the index's stats.bin); a content hash
    confirms a change, so a file touched or edited back to what it was is unchanged.
    left_out, if given, gets the files the scan skipped (as a build counts them).
    searcher: the open index (search.Searcher): its manifest and the sources it indexed.
    look: look_at_sources's, if already taken (else it is taken here).
    """
    known = _known_sources(*searcher.indexed_sources(), searcher.manifest)
    look = look or look_at_sources(sources_dir, index_dir, follow_links)
    listing, shas = look.listing, look.shas
    if left_out is not None:
        left_out.extend(listing.left_out)
    changes = _compare(listing.rels, shas, known, (), ())
    olds, rels = changes.olds, listing.rels
    return {"added": [rels[row] for row in changes.moved if olds[row] is _NEW],
            "changed": [rels[row] for row in changes.moved
                        if olds[row] is not _NEW and (shas[row] is None or shas[row] != olds[row])],
            "removed": changes.removed}


def _fingerprint(source: Source) -> str | None:
    try:
        return file_fingerprint(source)
    except SkipSource:
        return None
