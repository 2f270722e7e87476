"""Question -> ranked Hits with attribution, from an index on disk.

Loading is cheap on purpose: the BM25 arrays are memory-mapped, and passages are
read by byte offset only for the hits, so `ask` never parses the whole corpus.
"""

from __future__ import annotations

import bisect
import heapq
import json
import os
import re
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from .analyze import DEFAULT, Analyzer
from .english import GeneralEnglish
from .errors import WinnowError
from .index import BM25Index, BM25Params, IndexFormatError
from .query import (CorpusStats, Query, QuerySettings, answer_type, asks_other_names,
                    build_query, definition_subject, defines, existence_subject, existence_words,
                    gives_other_name, has_answer_type, own_terms, question_names, rm3, states_existence)
from .records import Hit, Passage, source_file
from .segments import SegmentedIndex, prefix
from .store import (GenerationDamaged, GenerationFormatChanged, current_generation, read_own, read_sources,
                    verify_generation)


class IndexDamaged(WinnowError):
    """The index on disk is unreadable or from another version; rebuilding it from the sources fixes it."""


class Retriever:
    """Question -> weighted query -> ranked passage numbers, over one BM25 index.

    Subclasses provide `index`, `topic`, `passage_tokens(doc)`, `passage_text(doc)`; the analyzer and the
    query settings are declared, not module globals, so the benchmark can switch rules.
    """

    index: BM25Index
    topic: frozenset[str] = frozenset()
    analyzer: Analyzer = DEFAULT
    query_settings: QuerySettings = QuerySettings()
    # A token's share of general-English words (query.py's keyness), for this analyzer's
    # tokens; None switches the rule off.
    general: Callable[[str], float] | None = None

    def passage_tokens(self, doc: int) -> list[str]:
        raise NotImplementedError

    def passage_text(self, doc: int) -> str:
        raise NotImplementedError

    def passage_parts(self, doc: int) -> tuple[str, str]:
        """(the heading a passage stands under, its text); the heading "" where not known."""
        return "", self.passage_text(doc)

    def passage_sources(self, doc: int) -> tuple[str, ...]:
        """Every source a passage's text came from (records.Passage.sources); () where not known."""
        return ()

    def query(self, question: str) -> Query:
        """The query that is run for a question, feedback included."""
        stats = CorpusStats(self.index.df, self.index.n_docs, self.topic, self.index.cf, self.general,
                            self.index.avgdl)
        query = build_query(question, self.analyzer, stats, self.query_settings)
        if self.query_settings.rm3 and query.terms:
            docs, scores = self.index.search(query.tokens(), self.query_settings.fb_docs)
            query = rm3(query, [(self.passage_tokens(int(d)), float(s)) for d, s in zip(docs, scores)],
                        self.query_settings, self.index.df, self.index.n_docs)
        return query

    def rank(self, question: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Passage numbers and scores of the top k, ties broken by passage number."""
        query, s = self.query(question), self.query_settings
        kind = answer_type(question, s.durations) if s.answer_type_weight else None
        wanted = self._intent(question)
        if wanted is None and kind is None and not s.corroboration_weight:
            return self.index.search(query.tokens(), k)
        docs, scores = self.index.search(query.tokens(), max(k, s.definition_depth))
        if kind is not None:  # exact when another lift follows (the two together may pass the k-th score)
            docs, scores = self._typed_first(kind, docs, scores, k if wanted is None and not s.corroboration_weight
                                             else None, own_terms(query, self.analyzer))
        if s.corroboration_weight:
            docs, scores = self._corroborated_first(docs, scores, k if wanted is None else None)
        if wanted is None:
            return docs[:k], scores[:k]
        return _wanted_first(docs, scores, [wanted(int(d)) for d in docs[:s.definition_depth]], k)

    def _intent(self, question: str) -> Callable[[int], bool] | None:
        """Which passages the question's intent puts first (definitions, other names,
        existence), as a test of a passage number; None when it has no such intent."""
        s = self.query_settings
        if s.other_names and asks_other_names(question):  # "what is X also called" asks for names
            names = question_names(question, self.analyzer)

            def wanted(doc: int) -> bool:
                return gives_other_name(self.passage_text(doc), names, self.analyzer)
            return wanted
        subject = definition_subject(question) if s.definitions else None
        if subject is not None:
            def wanted(doc: int) -> bool:
                heading, text = self.passage_parts(doc)
                return defines(text, subject, heading)
            return wanted
        if s.existence and (exists := existence_subject(question)) is not None:
            alternatives = existence_words(exists, self.analyzer, self.topic)

            def wanted(doc: int) -> bool:
                return states_existence(self.passage_text(doc), alternatives, self.analyzer)
            return wanted
        return None

    def _typed_first(self, kind: str, docs: np.ndarray, scores: np.ndarray,
                     k: int | None = None, own: frozenset[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ranking with the passages among the top definition_depth that hold text of
        the kind the question asks for (query.answer_type) scored x(1 + answer_type_weight);
        with answer_type_own, only those that also hold one of `own` (query.own_terms), if any."""
        if not self.query_settings.answer_type_own or not own:
            return self._lifted(docs, scores, 1 + self.query_settings.answer_type_weight,
                                lambda doc: has_answer_type(self.passage_text(doc), kind), k)
        return self._lifted(docs, scores, 1 + self.query_settings.answer_type_weight,
                            lambda doc: has_answer_type(self.passage_text(doc), kind)
                            and not own.isdisjoint(self.passage_tokens(doc)), k)

    def _corroborated_first(self, docs: np.ndarray, scores: np.ndarray,
                            k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ranking with the passages among the top definition_depth whose text another file
        also holds (corroborated) scored x(1 + corroboration_weight)."""
        return self._lifted(docs, scores, 1 + self.query_settings.corroboration_weight,
                            lambda doc: corroborated(self.passage_sources(doc)), k)

    def _lifted(self, docs: np.ndarray, scores: np.ndarray, lift: float, holds: Callable[[int], bool],
                k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ranking with the passages among the top definition_depth that pass `holds` scored
        x lift, re-sorted there (ties by passage number); the rest as they were. With k, only the
        top k are exact: a passage whose raised score stays below the k-th score is not read
        (reading and scanning every one of the 30 cost 0.5 ms a typed question)."""
        depth = min(len(docs), self.query_settings.definition_depth)
        floor = scores[k - 1] if k is not None and k <= depth else -np.inf
        boost = np.array([lift if score * lift >= floor and holds(int(d)) else 1.0
                          for d, score in zip(docs[:depth], scores[:depth])])
        top = scores[:depth] * boost
        order = np.lexsort((docs[:depth], -top))
        return np.concatenate([docs[:depth][order], docs[depth:]]), np.concatenate([top[order], scores[depth:]])

    def scores(self, question: str) -> np.ndarray:
        """Every passage's score (0 where nothing matches), its top definition_depth passages
        weighed as rank() weighs them (an answer type's lift, corroboration's, an intent's passages first),
        so that documents ranked by their passages (`winnow eval` on a BEIR folder) meet
        the same rules as `ask`."""
        query, s = self.query(question), self.query_settings
        scores = self.index.scores(query.tokens())
        kind = answer_type(question, s.durations) if s.answer_type_weight else None
        wanted = self._intent(question)
        if kind is None and wanted is None and not s.corroboration_weight:
            return scores
        scores = np.array(scores, dtype=np.float64)
        matched = np.flatnonzero(scores > 0)
        docs = matched[np.lexsort((matched, -scores[matched]))][:s.definition_depth]
        new = scores[docs]
        if kind is not None:
            docs, new = self._typed_first(kind, docs, new, own=own_terms(query, self.analyzer))
        if s.corroboration_weight:
            docs, new = self._corroborated_first(docs, new)
        if wanted is not None and len(docs):
            flags = np.array([wanted(int(d)) for d in docs], dtype=bool)
            new = np.where(flags, new + new[0], new)  # as _wanted_first: above every other passage
        scores[docs] = new
        return scores


def corroborated(sources: tuple[str, ...]) -> bool:
    """Whether a passage's text also came from another file than its own (records.source_file):
    another page holds some of it. The records of one JSON Lines corpus are one publisher's."""
    return len(sources) > 1 and any(source_file(s) != source_file(sources[0]) for s in sources[1:])


def _wanted_first(docs: np.ndarray, scores: np.ndarray, defining: list[bool],
                  k: int) -> tuple[np.ndarray, np.ndarray]:
    """The top k with the passages a question's intent wants (flagged in `defining`, the
    first len(defining) of the ranking: definitions, other names) moved ahead of the
    others, each group in score order. A wanted passage's score is raised by the best
    score, so scores still fall with the rank."""
    flags = np.zeros(len(docs), dtype=bool)
    flags[:len(defining)] = defining
    if not flags.any():
        return docs[:k], scores[:k]
    scores = np.where(flags, scores + scores[0], scores)
    order = np.concatenate([np.flatnonzero(flags), np.flatnonzero(~flags)])[:k]
    return docs[order], scores[order]


class Searcher(Retriever):
    """An open index generation. State is real: open files and mapped arrays.

    Each segment's passages.jsonl is opened once and read by offset (os.pread, safe from
    several threads): a later build's tidy step deletes this generation's folder, and a
    long-lived Searcher (the page's) must go on reading what it opened rather than fail
    on a missing path.
    """

    def __init__(self, generation: Path, query_settings: QuerySettings = QuerySettings(),
                 full_check: bool = False, written: dict | None = None) -> None:
        """written: the generation's manifest, given by the process that has just written it
        (ingest.BuildReport.manifest): its files are not checked again."""
        self.generation = generation
        self.query_settings = query_settings
        try:
            # Opening checks sizes, small files whole and big files' edges (store.
            # verify_generation(full=False)): a bounded read whatever the index size,
            # where CRC-32s of every byte took 42 ms at 200k passages. full_check
            # reads every byte (`winnow status --check`).
            self.manifest = written if written is not None and not full_check else verify_generation(
                generation, full=full_check)  # parsed once
            if self.manifest is None:
                raise IndexFormatError("no manifest.json")
            self._open_segments(self.manifest["segments"], full_check)
        except GenerationFormatChanged as error:
            raise IndexDamaged(f"index at {generation} is from another version of winnow ({error})") from None
        except (OSError, ValueError, KeyError, TypeError, IndexError, IndexFormatError, GenerationDamaged) as error:
            raise IndexDamaged(f"index at {generation} is damaged ({error})") from None
        self.topic = frozenset(self.manifest.get("topic_terms", ()))
        self.general = GeneralEnglish()  # the default analyzer's tokens, as this Searcher's
        urls = self.manifest.get("urls")
        # Untrusted like every index file: only text addresses are kept (origin.checked_url again on use).
        self.urls = {k: v for k, v in urls.items() if isinstance(k, str) and isinstance(v, str)} \
            if isinstance(urls, dict) else {}
        self._read_lock = threading.Lock()
        self._sources = None  # indexed_sources(), once read

    def close(self) -> None:
        for handle in getattr(self, "_files", ()):
            handle.close()

    def __del__(self) -> None:
        self.close()

    def _open_segments(self, infos: list[dict], full_check: bool) -> None:
        """One segment without deletions is searched as it is (no overhead); several, or
        deletions, through segments.SegmentedIndex (statistics summed at query time)."""
        generation = self.generation
        self.segments, self.offsets_of, self.dead = [], [], []
        self._files = []  # each segment's passages.jsonl, open for the Searcher's life
        for position, info in enumerate(infos):
            seg_prefix = prefix(position)
            index = BM25Index.load(generation, check_bounds=full_check, prefix=seg_prefix)
            offsets = np.load(generation / f"{seg_prefix}passages.offsets.npy", mmap_mode="r", allow_pickle=False)
            self._files.append(open(generation / f"{seg_prefix}passages.jsonl", "rb"))  # noqa: SIM115 (close())
            size = os.fstat(self._files[-1].fileno()).st_size
            if len(offsets) != index.n_docs + 1 or int(offsets[-1]) != size or info["docs"] != index.n_docs:
                raise IndexFormatError("passage table does not match")
            dead = None
            if info["deleted"]:
                doc_unit = np.load(generation / f"{seg_prefix}doc_unit.npy", mmap_mode="r", allow_pickle=False)
                dead = np.isin(doc_unit, np.asarray(info["deleted"], dtype=np.int32))
                if len(dead) != index.n_docs or int((~dead).sum()) != info["live_docs"]:
                    raise IndexFormatError("deleted passages do not match the manifest")
            self.segments.append(index)
            self.offsets_of.append(offsets)
            self.dead.append(dead)
        if not self.segments:
            if self.manifest["counts"]["passages"]:
                raise IndexFormatError("no segments")
            # An index of no passages (an empty sources folder): it answers nothing.
            self.index = BM25Index.from_postings([], *(np.zeros(0, dtype=np.int32),) * 2,
                                                 np.zeros(0), np.zeros(0, dtype=np.int64), BM25Params())
            self.bases = [0]
            return
        self.bases = np.cumsum([0] + [index.n_docs for index in self.segments]).tolist()
        if len(self.segments) == 1 and self.dead[0] is None:
            self.index = self.segments[0]
        else:
            self.index = SegmentedIndex(self.segments, self.dead, infos, lambda doc: self.passage(doc).passage_id)

    def _locate(self, doc: int) -> tuple[int, int]:
        """(segment, doc number within it) of a doc number."""
        seg = bisect.bisect_right(self.bases, doc) - 1
        if not 0 <= seg < len(self.segments):
            raise IndexDamaged(f"index at {self.generation} is damaged (doc number {doc} out of range)")
        return seg, doc - self.bases[seg]

    @property
    def n_passages(self) -> int:
        return self.index.n_docs

    def _read(self, seg: int, start: int, end: int) -> bytes:
        handle = self._files[seg]
        if hasattr(os, "pread"):
            return os.pread(handle.fileno(), end - start, start)
        with self._read_lock:
            handle.seek(start)
            return handle.read(end - start)

    def passage(self, doc: int) -> Passage:
        """Read one passage record by its document number."""
        seg, local = self._locate(int(doc))
        offsets = self.offsets_of[seg]
        start, end = int(offsets[local]), int(offsets[local + 1])
        try:
            return _passage(json.loads(self._read(seg, start, end)))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexDamaged(f"index at {self.generation} is damaged ({error})") from None

    def passage_by_id(self, passage_id: str) -> Passage | None:
        """The live passage with this id, or None (a binary search in each segment: a
        segment stores its passages in id order)."""
        for seg, index in enumerate(self.segments):
            ids = _IdView(self, seg, index.n_docs)
            local = bisect.bisect_left(ids, passage_id)
            dead = self.dead[seg]
            if local < index.n_docs and ids[local] == passage_id and (dead is None or not dead[local]):
                return self.passage(self.bases[seg] + local)
        return None

    def url(self, source: str) -> str | None:
        """The original address of a source, where the saved page named one."""
        from .origin import checked_url

        return checked_url(self.urls.get(source))

    def source_files(self, source: str) -> list[str]:
        """The files under the sources folder that may hold a cited source: itself if it is a file,
        else the JSON Lines corpus it names (a record is cited as "corpus.jsonl#<_id>")."""
        files = self.indexed_sources()[0]
        if source in files:
            return [source]
        return [f for f in files if isinstance(f, str) and source.startswith(f) and source[len(f):len(f) + 1] == "#"]

    def indexed_sources(self) -> tuple[list, list]:
        """The sources the generation indexed: names (sorted) and their content hashes (store.read_sources),
        read when first asked (`ask` asks, to check for changes; a question alone does not)."""
        return self.sources_read()[:2]

    def sources_read(self, listed: list | None = None) -> tuple:
        """store.read_sources's columns (the sources indexed, then the base's), read once.

        listed: the names of the sources found now (sorted, unique), which the index's likely are."""
        if self._sources is None:
            try:
                self._sources = tuple(read_sources(self.generation, self.manifest, listed))
            except GenerationDamaged as error:
                raise IndexDamaged(f"index at {self.generation} is damaged ({error})") from None
        return self._sources

    def passage_text(self, doc: int) -> str:
        return self.passage(doc).text

    def passage_parts(self, doc: int) -> tuple[str, str]:
        passage = self.passage(doc)  # one read
        return passage.section, passage.text

    def passage_sources(self, doc: int) -> tuple[str, ...]:
        return self.passage(doc).sources

    def passage_tokens(self, doc: int) -> list[str]:
        passage = self.passage(doc)
        # As ingest.passage_tokens indexed it: the heading counted heading_weight times.
        heading_weight = int(self.manifest.get("settings", {}).get("heading_weight", 1))
        return self.analyzer.analyze(passage.section) * heading_weight + self.analyzer.analyze(passage.text)

    def numbered_passages(self):
        """(doc number, passage) of every live passage, in passage-id order."""
        streams = [self._segment_passages(seg) for seg in range(len(self.segments))]
        if len(streams) == 1:
            yield from streams[0]
            return
        for doc, passage in heapq.merge(*streams, key=lambda item: item[1].passage_id):
            yield doc, passage

    def _segment_passages(self, seg: int):
        dead = self.dead[seg]
        with os.fdopen(os.dup(self._files[seg].fileno()), "rb") as handle:  # the open file, wherever its folder went
            handle.seek(0)
            for local, line in enumerate(handle):
                if dead is None or not dead[local]:
                    yield self.bases[seg] + local, _passage(json.loads(line))

    def passages(self):
        """Every passage in id order."""
        for _, passage in self.numbered_passages():
            yield passage

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The top k passages for a question, ties broken by passage id."""
        docs, scores = self.rank(question, k)
        hits = []
        for i, (doc, score) in enumerate(zip(docs, scores)):
            passage = self.passage(int(doc))
            hits.append(Hit(rank=i + 1, score=float(score), passage=passage, url=self.url(passage.source)))
        return hits


class _IdView:
    """The passage ids of one segment of a Searcher as a sequence, read on demand (for bisect)."""

    def __init__(self, searcher: Searcher, seg: int, n_docs: int) -> None:
        self.searcher, self.seg, self.n_docs = searcher, seg, n_docs

    def __len__(self) -> int:
        return self.n_docs

    def __getitem__(self, local: int) -> str:
        return self.searcher.passage(self.searcher.bases[self.seg] + local).passage_id


def read_manifest_field(index_dir: Path, name: str):
    """One field of the live generation's manifest, without opening the index (None if there is none)."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    try:
        manifest = json.loads(read_own(generation / "manifest.json"))
    except (OSError, ValueError, RecursionError) as error:
        raise IndexDamaged(f"index at {generation} is damaged ({error})") from None
    return manifest.get(name) if isinstance(manifest, dict) else None


_SPACE_RE = re.compile(r"\s+")


def locate_passage(text: str, passage: str) -> tuple[int, int]:
    """[start, end) of a passage in the cleaned text of its source, or (-1, -1).

    Passages join sentences with one space where the text may break lines or paragraphs,
    so both are compared with runs of white space collapsed. A passage whose duplicate
    sentences went to another source is not one stretch of the text: then the span runs
    from its first sentence to its last.
    """
    flat, where = [], []  # the text with white space collapsed, and each character's offset in text
    previous_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if previous_space:
                continue
            previous_space = True
            flat.append(" ")
        else:
            previous_space = False
            flat.append(ch)
        where.append(i)
    flat_text = "".join(flat)
    wanted = _SPACE_RE.sub(" ", passage).strip()
    found = flat_text.find(wanted)
    if found >= 0:
        return where[found], where[found + len(wanted) - 1] + 1
    # Label lines that open a passage (a title over a heading, an empty heading: split.section_sentences)
    # stand above the headings between them and its text: the span runs from the first of them.
    words = wanted.split(" ")
    for k in range(1, min(len(words) // 2, LABEL_WORDS_MAX) + 1):  # the text found at least as long as the labels
        rest = " ".join(words[k:])
        at = flat_text.find(rest)
        if at >= 0:
            first = flat_text.rfind(words[0], 0, at)
            return where[first if first >= 0 else at], where[at + len(rest) - 1] + 1
    sentences = _SENTENCE_END_RE.split(wanted)
    first = flat_text.find(sentences[0])
    last = flat_text.find(sentences[-1], max(first, 0))
    if first < 0 or last < 0:
        return -1, -1
    return where[first], where[last + len(sentences[-1]) - 1] + 1


LABEL_WORDS_MAX = 36  # words of label lines opening a passage looked past: three of split.LABEL_MAX_WORDS

# Display only: where a passage's sentences end (the index never needs this, so the
# Punkt splitter and its 0.4 s import stay out of `ask`).
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


# The word before a full stop that ends no sentence: an initial after a name ("John M. Ford",
# "George R.R. Martin"; not "87 K." nor "vitamin D.") or one of the abbreviations the index's
# splitter knows (split.ABBREVIATIONS: "Dr. Smith").
_LAST_WORD_RE = re.compile(r"(?:^|[\s(])([^\s(]+)\.$")
_INITIAL_RE = re.compile(r"(?:^|\s)[A-Z][\w'’-]*\s+(?:[A-Z]\.)*[A-Z]\.$")


def _display_sentences(text: str) -> list[str]:
    """A passage's sentences for display: its lines (a label line over its text, a line of code:
    split.LINE_BREAK), each cut where a stop is followed by a capital, except after an initial or a
    known abbreviation (cut there, "John M." was a sentence, shown as the best one)."""
    from .split import _ABBREVIATION_SET

    out: list[str] = []
    for line in text.split("\n"):
        start = len(out)
        for piece in _SENTENCE_END_RE.split(line.strip()):
            word = _LAST_WORD_RE.search(out[-1]) if len(out) > start else None
            if word and (_INITIAL_RE.search(out[-1][-100:]) or word.group(1).lower() in _ABBREVIATION_SET):
                out[-1] += " " + piece
            elif piece:
                out.append(piece)
    return out


def best_sentence(text: str, query: Query, analyzer: Analyzer = DEFAULT) -> str:
    """The sentence of a passage that matches the query best (sum of the weights of the
    query terms it holds, the earliest on ties); the whole text if it is one sentence."""
    weights = dict(query.tokens())
    sentences = _display_sentences(text)
    if len(sentences) < 2:
        return text
    scored = [(sum(weights.get(t, 0.0) for t in set(analyzer.analyze(s))), -i, s) for i, s in enumerate(sentences)]
    return max(scored)[2]


def _passage(record: dict) -> Passage:
    return Passage(passage_id=record["passage_id"], source=record["source"], section=record["section"],
                   text=record["text"], sources=tuple(record["sources"]))


def passage_record(passage: Passage, url: str | None) -> dict:
    """The JSON form of a passage with its source's original address (the `passages --json` contract):
    the fields of a hit but its rank, score and best sentence."""
    return {**passage.as_dict(), "url": url}


def hit_record(hit: Hit, best: str | None = None) -> dict:
    """The JSON form of a hit (the `ask --json` contract), with its best sentence if given."""
    record = {"rank": hit.rank, "score": round(hit.score, 6), **passage_record(hit.passage, hit.url)}
    if best is not None:
        record["best_sentence"] = best
    return record
