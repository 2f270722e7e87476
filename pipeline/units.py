"""A source's processed documents, packed: what the per-source work returns, the cache
stores and the build holds until it writes the index.

The build keeps every new source's sentences until deduplication has seen them all.
As Python dicts of lists that cost about 2.4 KB per one-passage document (a string
object per sentence, token string, heading and name, a list per section); here the
same content is a few byte blobs and integer arrays, about a third of that, pickled
in one piece between processes and stored as one binary file in the cache (no pickle
on disk: a JSON head naming each array, then the arrays' bytes).

Layout (CSR throughout: offsets arrays have one more entry than the rows they cut):

    per document   doc_names ("" = the source itself), doc_title_tokens, doc_urls ("" = none),
                   doc_sections (offsets into the sections)
    per section    headings, heading_tokens, section_sentences (offsets into the sentences),
                   section_packs (offsets into the packs)
    per pack       pack_members (offsets into members); members: sentence numbers in the section
    per sentence   sentences, tokens (token_offsets into token_ids), words (word counts), and
                   the dedupe signatures (dedupe.Signatures)
    per token      token_ids: numbers into vocab, the pack's distinct terms in the order first met

Tokens are numbered on the worker, where the analyzer hands out the same string object
for every occurrence of a word (its hash computed once): the build then maps each
source's vocabulary to its own term numbers, a look-up per distinct term, not per
token (per token, on strings split from a blob, it was two thirds of pack_passages).
"""

from __future__ import annotations

import itertools
import json
import struct
from collections import defaultdict
from dataclasses import dataclass, fields

import numpy as np

from .dedupe import BANDS, Signatures, concat_signatures, signatures, unpack_signatures

_UTF8 = ("utf-8", "surrogatepass")  # tokens and texts may hold lone surrogates: kept as they are


@dataclass(frozen=True)
class Strings:
    """Many strings as one UTF-8 blob and offsets (a string object each costs ~50 bytes more)."""

    blob: bytes | bytearray
    offsets: np.ndarray  # int64 [n + 1]

    @classmethod
    def of(cls, texts) -> "Strings":
        texts = texts if isinstance(texts, list) else list(texts)
        joined = "".join(texts)
        if joined.isascii():  # a character is a byte: one encode of the whole, lengths as they are
            blob, lengths = joined.encode("ascii"), map(len, texts)
        else:
            encoded = [t.encode(*_UTF8) for t in texts]
            blob, lengths = b"".join(encoded), map(len, encoded)
        del joined
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(lengths, dtype=np.int64, count=len(texts)), out=offsets[1:])
        return cls(blob, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return self.blob[int(self.offsets[i]):int(self.offsets[i + 1])].decode(*_UTF8)

    def span(self, start: int, stop: int) -> list[str]:
        """Strings start..stop-1 (one conversion of their offsets, not one per string)."""
        cuts = self.offsets[start:stop + 1].tolist()
        blob = self.blob
        return [blob[a:b].decode(*_UTF8) for a, b in zip(cuts, cuts[1:])]

    def __iter__(self):
        return iter(self.span(0, len(self)))


def concat_strings(parts: list[Strings]) -> Strings:
    offsets, base = [np.zeros(1, dtype=np.int64)], 0
    for part in parts:
        offsets.append(part.offsets[1:] + base)
        base += len(part.blob)
    return Strings(b"".join(p.blob for p in parts), np.concatenate(offsets))


def _concat_offsets(parts: list[np.ndarray]) -> np.ndarray:
    out, base = [np.zeros(1, dtype=np.int64)], 0
    for offsets in parts:
        out.append(offsets[1:] + base)
        base += int(offsets[-1])
    return np.concatenate(out)


@dataclass(frozen=True)
class PackedDocuments:
    """The documents of a source (or a corpus piece), cut into sections and sentences (see the module)."""

    doc_names: Strings
    doc_title_tokens: Strings
    doc_urls: Strings
    doc_sections: np.ndarray
    headings: Strings
    heading_tokens: Strings
    section_sentences: np.ndarray
    section_packs: np.ndarray
    pack_members: np.ndarray
    members: np.ndarray  # int32
    sentences: Strings
    vocab: Strings
    token_offsets: np.ndarray  # int64 [n_sentences + 1]
    token_ids: np.ndarray  # int32, numbers into vocab
    words: np.ndarray  # int32
    sig: Signatures

    @property
    def n_docs(self) -> int:
        return len(self.doc_sections) - 1

    @property
    def n_sections(self) -> int:
        return len(self.section_sentences) - 1

    @property
    def n_sentences(self) -> int:
        return len(self.words)

    def __len__(self) -> int:
        return self.n_docs

    def section_doc(self) -> np.ndarray:
        """Each section's document number."""
        return np.repeat(np.arange(self.n_docs, dtype=np.int32), np.diff(self.doc_sections))

    def packs(self, section: int) -> list[list[int]]:
        """A section's packing: groups of its sentence numbers."""
        cuts = self.pack_members[self.section_packs[section]:self.section_packs[section + 1] + 1].tolist()
        members = self.members[cuts[0]:cuts[-1]].tolist() if cuts else []
        return [members[a - cuts[0]:b - cuts[0]] for a, b in zip(cuts, cuts[1:])]

    # --- on disk: a JSON head, then the arrays' bytes ------------------------------------------

    def to_bytes(self) -> bytes:
        return b"".join(self.to_chunks())

    def to_chunks(self) -> list:
        """to_bytes as a list of buffers (the arrays' own memory, not copies)."""
        arrays = _arrays(self)
        head = json.dumps([[name, a.dtype.str, list(a.shape)] for name, a in arrays]).encode("ascii")
        return [struct.pack("<Q", len(head)), head] + [np.ascontiguousarray(a).reshape(-1).view(np.uint8) for _, a in arrays]

    @classmethod
    def from_bytes(cls, data: bytes) -> "PackedDocuments":
        """The inverse of to_bytes; ValueError when the bytes are not a well-formed pack."""
        try:
            (n,) = struct.unpack_from("<Q", data, 0)
            head = json.loads(data[8:8 + n])
            position, arrays = 8 + n, {}
            for name, dtype, shape in head:
                if name not in _ARRAY_NAMES or np.dtype(dtype) != _ARRAY_NAMES[name] or not all(
                        isinstance(s, int) and s >= 0 for s in shape):
                    raise ValueError(f"unexpected array {name!r}")
                size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
                if position + size > len(data):
                    raise ValueError("truncated")
                arrays[name] = np.frombuffer(data, dtype, size // np.dtype(dtype).itemsize, position).reshape(shape)
                position += size
            if position != len(data) or set(arrays) != set(_ARRAY_NAMES):
                raise ValueError("arrays missing or trailing bytes")
        except (struct.error, TypeError, ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"not a packed source ({error})") from None
        packed = _from_arrays(arrays)
        problem = packed.problem()
        if problem:
            raise ValueError(problem)
        return packed

    def problem(self) -> str | None:
        """What is wrong with the shape of the pack (what the build relies on), or None."""
        n_docs, n_sections, n_sentences = self.n_docs, self.n_sections, self.n_sentences

        def cuts(offsets: np.ndarray, total: int) -> bool:
            return (offsets.ndim == 1 and len(offsets) >= 1 and offsets[0] == 0 and offsets[-1] == total
                    and not np.any(offsets[1:] < offsets[:-1]))

        strings = {"doc_names": n_docs, "doc_title_tokens": n_docs, "doc_urls": n_docs, "headings": n_sections,
                   "heading_tokens": n_sections, "sentences": n_sentences, "vocab": len(self.vocab)}
        for name, n in strings.items():
            s = getattr(self, name)
            if len(s.offsets) != n + 1 or not cuts(s.offsets, len(s.blob)):
                return f"{name} do not fit the documents"
        if not (len(self.token_offsets) == n_sentences + 1 and cuts(self.token_offsets, len(self.token_ids))):
            return "tokens do not fit the sentences"
        if len(self.token_ids) and (int(self.token_ids.min()) < 0 or int(self.token_ids.max()) >= len(self.vocab)):
            return "a token's number is not in the vocabulary"
        if not (cuts(self.doc_sections, n_sections) and len(self.section_packs) == n_sections + 1
                and cuts(self.section_sentences, n_sentences) and cuts(self.section_packs, len(self.pack_members) - 1)
                and cuts(self.pack_members, len(self.members))):
            return "sections, packs or members do not fit their offsets"
        if np.any(self.words < 0):
            return "a sentence's word count is negative"
        if len(self.members):
            pack_section = np.repeat(np.arange(n_sections), np.diff(self.section_packs))
            member_section = np.repeat(pack_section, np.diff(self.pack_members))
            size = np.diff(self.section_sentences)[member_section]
            if np.any(self.members < 0) or np.any(self.members >= size):
                return "a section's packs point past its sentences"
        sig = self.sig
        if not (len(sig.exact) == len(sig.ntok) == len(sig.bands) == n_sentences
                and cuts(sig.word_offsets, len(sig.words)) and len(sig.word_offsets) == n_sentences + 1):
            return "the dedupe signatures do not fit the sentences"
        return None


_STRINGS = ("doc_names", "doc_title_tokens", "doc_urls", "headings", "heading_tokens", "sentences", "vocab")
_ARRAY_NAMES = {
    **{f"{name}.{part}": np.dtype(dtype) for name in _STRINGS for part, dtype in (("blob", np.uint8),
                                                                                    ("offsets", np.int64))},
    "doc_sections": np.dtype(np.int64), "section_sentences": np.dtype(np.int64),
    "section_packs": np.dtype(np.int64), "pack_members": np.dtype(np.int64), "members": np.dtype(np.int32),
    "token_offsets": np.dtype(np.int64), "token_ids": np.dtype(np.int32),
    "words": np.dtype(np.int32), "sig.exact": np.dtype(np.uint64), "sig.ntok": np.dtype(np.int32),
    "sig.word_offsets": np.dtype(np.int64), "sig.words": np.dtype(np.uint32), "sig.bands": np.dtype(np.uint32),
}


def _arrays(packed: PackedDocuments) -> list[tuple[str, np.ndarray]]:
    out = []
    for name in _ARRAY_NAMES:
        field, _, part = name.partition(".")
        value = getattr(packed, field)
        if field in _STRINGS:
            value = np.frombuffer(value.blob, np.uint8) if part == "blob" else value.offsets
        elif field == "sig":
            value = getattr(value, part)
        out.append((name, np.asarray(value, dtype=_ARRAY_NAMES[name])))
    return out


def _from_arrays(arrays: dict, copy: bool = True) -> PackedDocuments:
    values = {}
    for f in fields(PackedDocuments):
        if f.name in _STRINGS:
            blob = arrays[f"{f.name}.blob"]
            values[f.name] = Strings(blob.tobytes() if copy else blob, arrays[f"{f.name}.offsets"])
        elif f.name == "sig":
            if arrays["sig.bands"].ndim != 2 or arrays["sig.bands"].shape[1:] != (BANDS,):
                raise ValueError("band keys are not BANDS per sentence")
            values["sig"] = Signatures(*(arrays[f"sig.{p}"] for p in ("exact", "ntok", "word_offsets", "words", "bands")))
        else:
            values[f.name] = arrays[f.name]
    return PackedDocuments(**values)


# --- from the per-source work's documents, and joined ---------------------------------------------


def pack_documents(documents: list[dict]) -> PackedDocuments:
    """The packed form of ingest.split_documents's documents (dicts of lists).

    A section's "tokens" are per sentence a list of tokens or one space-joined string;
    its "signatures" a dedupe.Signatures or their pack_signatures text.
    """
    sections = [section for document in documents for section in document["sections"]]
    sentences = [s for section in sections for s in section["sentences"]]
    packs = [group for section in sections for group in section["packs"]]
    sig = [section["signatures"] if isinstance(section["signatures"], Signatures)
           else unpack_signatures(section["signatures"], len(section["sentences"])) for section in sections]
    token_lists = [t.split() if isinstance(t, str) else t for section in sections for t in section["tokens"]]
    numbers: dict[str, int] = defaultdict(itertools.count().__next__)  # terms numbered as first met, in C
    token_ids = np.fromiter(map(numbers.__getitem__, itertools.chain.from_iterable(token_lists)), dtype=np.int32)
    return PackedDocuments(
        doc_names=Strings.of(d.get("source") or "" for d in documents),
        doc_title_tokens=Strings.of(d["title_tokens"] for d in documents),
        doc_urls=Strings.of(d.get("url") or "" for d in documents),
        doc_sections=_offsets(len(d["sections"]) for d in documents),
        headings=Strings.of(s["heading"] for s in sections),
        heading_tokens=Strings.of(s["heading_tokens"] for s in sections),
        section_sentences=_offsets(len(s["sentences"]) for s in sections),
        section_packs=_offsets(len(s["packs"]) for s in sections),
        pack_members=_offsets(len(g) for g in packs),
        members=np.fromiter((i for g in packs for i in g), dtype=np.int32),
        sentences=Strings.of(sentences),
        vocab=Strings.of(numbers),
        token_offsets=_offsets(map(len, token_lists)),
        token_ids=token_ids,
        words=np.fromiter((w for s in sections for w in s["words"]), dtype=np.int32, count=len(sentences)),
        sig=concat_signatures(sig) if sig else signatures([]))


def _offsets(counts) -> np.ndarray:
    counts = np.fromiter(counts, dtype=np.int64)
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


_OFFSETS = {f"{name}.offsets" for name in _STRINGS} | {
    "doc_sections", "section_sentences", "section_packs", "pack_members", "token_offsets", "sig.word_offsets"}


def concat_packed(parts: list[PackedDocuments]) -> PackedDocuments:
    """One pack of several, documents in order (a corpus's pieces).

    Empties `parts` as it copies them into arrays allocated once, so memory holds the
    result and one part at a time, never every part twice (numpy.concatenate would).
    """
    if not parts:
        return pack_documents([])
    if len(parts) == 1:
        return parts.pop()
    shapes = [dict((name, a.shape) for name, a in _arrays(part)) for part in parts]
    # One vocabulary: the parts' terms as first met, each part's token numbers mapped into it.
    numbers: dict[str, int] = defaultdict(itertools.count().__next__)
    renumber = [np.fromiter(map(numbers.__getitem__, part.vocab), dtype=np.int32, count=len(part.vocab))
                for part in parts]
    vocab = Strings.of(numbers)
    del numbers
    out, views, at, base = {}, {}, {}, {}
    for name, dtype in _ARRAY_NAMES.items():
        if name.startswith("vocab."):
            continue
        rows = sum(shape[name][0] for shape in shapes) - (len(parts) - 1 if name in _OFFSETS else 0)
        shape = (rows,) + shapes[0][name][1:]
        if name.endswith(".blob"):  # a bytearray: Strings reads it like bytes, without a copy
            out[name] = bytearray(rows)
            views[name] = np.frombuffer(out[name], dtype=np.uint8)
        else:
            out[name] = views[name] = np.empty(shape, dtype=dtype)
        at[name], base[name] = 0, 0
    while parts:
        part = parts.pop(0)
        mapping = renumber.pop(0)
        for name, array in _arrays(part):
            if name.startswith("vocab."):
                continue
            if name == "token_ids":  # renumbered straight into the result: no temporary per part
                # (mode="clip" writes without a buffer; the numbers are in range, problem() checks them)
                np.take(mapping, array, out=views[name][at[name]:at[name] + len(array)], mode="clip")
                at[name] += len(array)
                continue
            if name in _OFFSETS:  # shifted by what the parts before hold; each part's end is the next one's start
                total = int(array[-1])
                array = (array[:-1] if parts else array) + base[name]
                base[name] += total
            views[name][at[name]:at[name] + len(array)] = array
            at[name] += len(array)
        del part, array
    del views
    out["vocab.blob"], out["vocab.offsets"] = vocab.blob, vocab.offsets
    return _from_arrays(out, copy=False)
