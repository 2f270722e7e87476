"""The pipeline in one readable function: sources -> clean -> split -> dedupe -> index.

    build_index(sources_dir, index_dir)
      1. discover the sources          (sources.discover)
      2. read, decode, clean each one   (sources.decode, clean.clean_*)
      3. split into sentences, drop duplicates across sources, pack passages
      4. analyze and index the passages (analyze.analyze, index.BM25Index)
      5. write a new index generation, then switch to it atomically

An index folder holds generations `gen-<id>/` and a file `CURRENT` naming the live
one. A build writes a whole new generation under a temporary name, renames it, and
only then replaces CURRENT with os.replace: a crash at any moment leaves the previous
index intact.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import analyze as analyzer
from .dedupe import SentenceDeduper
from .errors import SkipSource
from .index import FORMAT_VERSION as BM25_FORMAT_VERSION, BM25Index, BM25Params
from .records import Document, Passage, Section, Source
from .sources import decode, discover, fingerprint, read_bytes
from .split import PASSAGE_MAX_SENTENCES, PASSAGE_MAX_WORDS, pack, section_sentences

INDEX_FORMAT_VERSION = 1
# Pyserini's BEIR values (k1 0.9, b 0.4, Lucene idf). `bench/bench_scifact.py --grid` found
# SciFact flat around them (nDCG@10 0.676-0.685 for k1 0.6-1.2, b 0.3-0.75), and the seed
# questions flat too, so nothing better is known without overfitting one set.
DEFAULT_PARAMS = BM25Params(k1=0.9, b=0.4, idf="lucene")
# The title/heading counts once, like Pyserini's flat (title + text) BEIR index; 2 and 3
# did not help on the seed questions or on SciFact (bench --grid).
HEADING_WEIGHT = 1

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


def settings(params: BM25Params = DEFAULT_PARAMS) -> dict:
    """Everything that shapes the index: a change to any of it means a full rebuild."""
    return {
        "index_format": INDEX_FORMAT_VERSION,
        "bm25_format": BM25_FORMAT_VERSION,
        "analyzer": analyzer.SETTINGS,
        "bm25": params.as_dict(),
        "passages": {"max_words": PASSAGE_MAX_WORDS, "max_sentences": PASSAGE_MAX_SENTENCES},
        "heading_weight": HEADING_WEIGHT,
    }


# --- 2. one source -> documents --------------------------------------------------------


def clean_source(source: Source, text: str) -> list[Document]:
    """The cleaned documents of one decoded source (one per source for pages)."""
    from .clean import clean_html, clean_text

    if source.kind == "html":
        return [clean_html(text, source.rel)]
    if source.kind == "jsonl":
        return corpus_documents(text, source.rel)
    return [clean_text(text, source.rel, markdown=source.kind == "markdown")]


_JSONL_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_JSONL_PARAGRAPH_RE = re.compile(r"\n\s*\n")


def corpus_documents(text: str, rel: str) -> list[Document]:
    """The documents of a JSON Lines corpus (BEIR's corpus.jsonl): one per line with `_id` and `text`.

    The text is already clean, so it gets light normalisation only (NFC, spaces,
    paragraphs on blank lines), never the web-page cleaner. The document id becomes
    the source that passages cite and qrels judge; the title is the heading of the
    one section, so it is indexed with every passage of the document. A file whose
    lines are not corpus records is skipped, and so is a BEIR `queries.jsonl`: its
    lines also have `_id` and `text`, so only its name tells it apart.
    """
    if Path(rel).name.lower().startswith("queries"):
        raise SkipSource("a BEIR queries file, not a corpus (winnow eval reads it as a question set)")
    documents: list[Document] = []
    bad = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if not isinstance(record, dict) or "_id" not in record or not isinstance(record.get("text"), str):
            bad += 1
            continue
        title = _light_normalize(str(record.get("title") or ""))
        paragraphs = tuple(p for p in (_light_normalize(p) for p in _JSONL_PARAGRAPH_RE.split(record["text"])) if p)
        if paragraphs or title:
            documents.append(Document(source=str(record["_id"]), title=title,
                                      sections=(Section(heading=title, paragraphs=paragraphs or (title,)),)))
    if not documents:
        raise SkipSource("not a JSON Lines corpus: no line has `_id` and `text` (queries.jsonl is not a corpus)")
    return documents


def _light_normalize(text: str) -> str:
    return _JSONL_SPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def process_source(source: Source) -> tuple[str, list[Document]]:
    """(content hash, documents) of one source; raises SkipSource with the reason."""
    data = read_bytes(source)
    digest = fingerprint(data)
    documents = clean_source(source, decode(data))
    return digest, documents


# --- 3. documents -> passages ----------------------------------------------------------


def assemble_passages(documents: list[Document]) -> tuple[list[Passage], int]:
    """Deduplicated passages of all documents in order, and how many sentences were dropped.

    The first occurrence of a sentence is kept; later sources that repeat it are
    added to the `sources` of the passage that keeps it.
    """
    deduper = SentenceDeduper()
    drafts: list[tuple[str, str, list[str], list[int]]] = []  # source, section, sentences, ids
    dropped = 0
    for document in documents:
        for heading, sentences in section_sentences(document):
            kept: list[tuple[str, int]] = []
            for sentence in sentences:
                sid = deduper.find(sentence)
                if sid is None:
                    kept.append((sentence, deduper.add(sentence, document.source)))
                else:
                    deduper.note_source(sid, document.source)
                    dropped += 1
            texts = [s for s, _ in kept]
            for group in pack(texts):
                drafts.append((document.source, heading, [texts[i] for i in group],
                               [kept[i][1] for i in group]))
    passages: list[Passage] = []
    ordinal: dict[str, int] = {}
    for source, heading, texts, sids in drafts:
        n = ordinal.get(source, 0)
        ordinal[source] = n + 1
        sources = [source]
        for sid in sids:
            sources.extend(s for s in deduper.sources(sid) if s not in sources)
        passages.append(Passage(passage_id=f"{source}#{n:04d}", source=source, section=heading,
                                text=" ".join(texts), sources=tuple(sources)))
    passages.sort(key=lambda p: p.passage_id)  # doc number order == passage id order: ties break by id
    return passages, dropped


def passage_tokens(passage: Passage) -> list[str]:
    """What is indexed for a passage: its section heading travels with it and is searchable.

    The heading (a page's section title, a JSON Lines document's title) counts
    HEADING_WEIGHT times: repeating the tokens is how a single-field BM25 weights a field.
    """
    heading = analyzer.analyze(passage.section)
    return heading * HEADING_WEIGHT + analyzer.analyze(passage.text)


# --- the whole build --------------------------------------------------------------------


def build_index(sources_dir: str | Path, index_dir: str | Path, warn: Warn | None = None,
                progress: Callable[[list[Source]], object] | None = None,
                params: BM25Params = DEFAULT_PARAMS) -> BuildReport:
    """Ingest every source under sources_dir and write a new index generation."""
    warn = warn or (lambda message: None)
    started = time.perf_counter()
    report = BuildReport()

    sources = discover(sources_dir, warn)  # 1.
    documents: list[Document] = []
    fingerprints: list[dict] = []
    for source in (progress(sources) if progress else sources):  # 2.
        try:
            digest, docs = process_source(source)
        except SkipSource as reason:
            warn(f"skipped {source.rel}: {reason}")
            report.skipped.append({"source": source.rel, "reason": str(reason)})
            continue
        documents.extend(docs)
        fingerprints.append({"source": source.rel, "size": source.size,
                             "mtime_ns": source.mtime_ns, "sha256": digest})
    passages, report.duplicates_dropped = assemble_passages(documents)  # 3.
    index = BM25Index.build([passage_tokens(p) for p in passages], params)  # 4.
    manifest = {
        "settings": settings(params),
        "sources": fingerprints,
        "skipped": report.skipped,
        "counts": {"sources": len(fingerprints), "passages": len(passages),
                   "duplicates_dropped": report.duplicates_dropped},
    }
    write_generation(Path(index_dir), manifest, passages, index)  # 5.

    report.sources_read = len(fingerprints)
    report.sources_skipped = len(report.skipped)
    report.passages = len(passages)
    report.seconds = time.perf_counter() - started
    return report


# --- 5. on-disk generations ------------------------------------------------------------------


def write_generation(index_dir: Path, manifest: dict, passages: list[Passage], index: BM25Index) -> Path:
    """Write a complete generation, then atomically make it the live one."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        index.save(tmp)
        offsets = [0]
        with open(tmp / "passages.jsonl", "wb") as handle:
            for passage in passages:
                line = json.dumps(_passage_record(passage), ensure_ascii=False, sort_keys=True)
                handle.write(line.encode("utf-8") + b"\n")
                offsets.append(handle.tell())
        np.save(tmp / "passages.offsets.npy", np.asarray(offsets, dtype=np.int64), allow_pickle=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        for path in tmp.iterdir():
            _fsync(path)
        final = index_dir / f"gen-{uuid.uuid4().hex[:12]}"
        os.rename(tmp, final)
        pointer = index_dir / f".CURRENT-{os.getpid()}"
        pointer.write_text(final.name + "\n", encoding="utf-8")
        _fsync(pointer)
        os.replace(pointer, index_dir / "CURRENT")
        _fsync(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_generations(index_dir, keep=final.name)
    return final


def _passage_record(passage: Passage) -> dict:
    return {"passage_id": passage.passage_id, "source": passage.source,
            "sources": list(passage.sources), "section": passage.section, "text": passage.text}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if path.is_dir() and path.name.startswith("gen-") and path.name != keep:
            shutil.rmtree(path, ignore_errors=True)


def current_generation(index_dir: str | Path) -> Path | None:
    """The live generation folder, or None if there is no index yet."""
    pointer = Path(index_dir) / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = Path(index_dir) / name
    return path if name.startswith("gen-") and path.is_dir() else None


def read_manifest(generation: Path) -> dict:
    return json.loads((generation / "manifest.json").read_text(encoding="utf-8"))


def stale_sources(sources_dir: str | Path, manifest: dict) -> dict:
    """What changed since the build: added, changed and removed source names.

    Size and modification time first; a content hash confirms a change, so a file
    touched or edited back to what it was counts as unchanged.
    """
    known = {f["source"]: f for f in manifest.get("sources", [])}
    skipped = {s["source"] for s in manifest.get("skipped", [])}
    current = discover(sources_dir)
    added, changed = [], []
    for source in current:
        old = known.get(source.rel)
        if old is None:
            if source.rel not in skipped:
                added.append(source.rel)
            continue
        if old["size"] == source.size and old["mtime_ns"] == source.mtime_ns:
            continue
        try:
            digest = fingerprint(read_bytes(source))
        except SkipSource:
            changed.append(source.rel)
            continue
        if digest != old["sha256"]:
            changed.append(source.rel)
    names = {s.rel for s in current}
    removed = sorted(rel for rel in known if rel not in names)
    return {"added": added, "changed": changed, "removed": removed}
