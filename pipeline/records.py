"""Immutable records that flow between the stages: Source -> Document -> Section -> Passage -> Hit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """One file found under the sources folder."""

    path: str  # absolute path on disk
    rel: str  # path relative to the sources folder, with "/" separators: the name users see
    kind: str  # "html", "text", "markdown", "rst" or "jsonl"
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Section:
    """A heading and the paragraphs under it; heading is "" before the first heading. A heading
    with nothing under it has no paragraphs (it is text all the same: split.section_sentences)."""

    heading: str
    paragraphs: tuple[str, ...]
    # Per paragraph, its sentences when the cleaner already split it (a run judged
    # sentence by sentence), else None; empty when none is known. Carried so that
    # sentences are split once (split.section_sentences); not part of equality.
    sentences: tuple[tuple[str, ...] | None, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Document:
    """The cleaned content of one source (or one record of a JSON Lines source)."""

    source: str  # Source.rel, or record_source(rel, _id) for a JSON Lines corpus's record
    title: str
    sections: tuple[Section, ...]
    words: int = 0  # words the cleaner was given (0: not counted, e.g. JSON Lines records)
    kept_words: int = 0  # of those, words it kept
    url: str | None = None  # the address the saved page names for itself (origin.page_url), if any

    @property
    def text(self) -> str:
        """The cleaned text as `winnow clean` prints it: `# Heading` lines, blank-line paragraphs."""
        blocks: list[str] = []
        for section in self.sections:
            if section.heading:
                blocks.append("# " + section.heading)
            blocks.extend(section.paragraphs)
        return "\n\n".join(blocks)


@dataclass(frozen=True)
class Passage:
    """A few sentences of one section: the unit that is indexed and returned."""

    passage_id: str
    source: str
    section: str
    text: str
    sources: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        """The JSON form of a passage (the `passages --json` contract)."""
        return {"passage_id": self.passage_id, "source": self.source, "sources": list(self.sources),
                "section": self.section, "text": self.text}


@dataclass(frozen=True)
class Hit:
    """One ranked answer to a question."""

    rank: int
    score: float
    passage: Passage
    url: str | None = None  # the original address of the passage's source, where the saved page names one


def record_source(rel: str, record_id: str) -> str:
    """The source a JSON Lines record is cited by: its file and its `_id` ("corpus.jsonl#d1"),
    so the same `_id` in two files makes two sources, and a hit names its file."""
    return f"{rel}#{record_id}"


def source_file(source: str) -> str:
    """The file a source is read from: a JSON Lines record's file ("corpus.jsonl#d1" -> "corpus.jsonl"),
    any other source itself."""
    at = source.lower().find(".jsonl#")
    return source[:at + len(".jsonl")] if at >= 0 else source


def record_id(source: str) -> str:
    """The `_id` of a record's source (what BEIR qrels judge); any other source as it is."""
    at = source.lower().find(".jsonl#")
    return source[at + len(".jsonl#"):] if at >= 0 else source
