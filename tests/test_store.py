"""pipeline/store.py: content-named generations, checksums, the lock, the per-source cache."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import zlib

import pytest

from pipeline.store import (CHECKSUMS, HASH_CHUNK, GenerationDamaged, GenerationFormatChanged, IndexLock,
                            SourceCache, commit_generation, current_generation, new_generation_dir, tidy,
                            verify_generation)


def _generation(index_dir, text: str):
    tmp = new_generation_dir(index_dir)
    (tmp / "data.txt").write_text(text)
    return commit_generation(index_dir, tmp)


def test_same_content_same_generation_name(tmp_path):
    one = _generation(tmp_path / "a", "same bytes")
    two = _generation(tmp_path / "b", "same bytes")
    assert one.name == two.name and one.name.startswith("gen-")
    assert _generation(tmp_path / "a", "other bytes").name != one.name
    assert current_generation(tmp_path / "a").name != one.name


def test_recommitting_an_existing_generation_replaces_it(tmp_path):
    first = _generation(tmp_path, "content")
    (first / "data.txt").write_text("CONTENT")  # damaged copy under the same name
    again = _generation(tmp_path, "content")
    assert again == first
    verify_generation(again)


def test_verify_catches_a_flipped_byte_and_a_missing_file(tmp_path):
    generation = _generation(tmp_path, "abcdef")
    verify_generation(generation)
    (generation / "data.txt").write_text("abcdeF")
    with pytest.raises(GenerationDamaged):
        verify_generation(generation)
    (generation / "data.txt").unlink()
    with pytest.raises(GenerationDamaged):
        verify_generation(generation)


def _flip(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["first", "middle", "chunk-boundary", "last"])
def test_verify_catches_one_flipped_bit_in_a_big_file(tmp_path, where):
    size = 3 * HASH_CHUNK + 123  # several read chunks
    tmp = new_generation_dir(tmp_path)
    (tmp / "big.bin").write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    (tmp / "small.txt").write_text("small")
    generation = commit_generation(tmp_path, tmp)
    verify_generation(generation)
    offset = {"first": 0, "middle": size // 2, "chunk-boundary": 2 * HASH_CHUNK, "last": size - 1}[where]
    _flip(generation / "big.bin", offset)
    with pytest.raises(GenerationDamaged, match="big.bin does not match"):
        verify_generation(generation)


@pytest.mark.parametrize("where", ["first", "middle", "last", "truncated"])
def test_open_checks_sizes_and_edges_and_the_full_check_every_byte(tmp_path, where):
    """An open (full=False) reads a bounded amount: damage at a big file's edges or to its
    size is found, a flipped bit in its middle only by the full check (status --check, a build)."""
    from pipeline.store import EDGE_BYTES, FULL_CHECK_BYTES

    size = FULL_CHECK_BYTES + 3 * EDGE_BYTES
    tmp = new_generation_dir(tmp_path)
    (tmp / "big.bin").write_bytes(bytes(range(256)) * (size // 256))
    generation = commit_generation(tmp_path, tmp)
    verify_generation(generation, full=False)
    if where == "truncated":
        with open(generation / "big.bin", "r+b") as handle:
            handle.truncate(size - 1)
    else:
        _flip(generation / "big.bin", {"first": 10, "middle": size // 2, "last": size - 1}[where])
    if where == "middle":
        verify_generation(generation, full=False)  # not read on open
    else:
        with pytest.raises(GenerationDamaged, match="big.bin"):
            verify_generation(generation, full=False)
    with pytest.raises(GenerationDamaged, match="big.bin"):
        verify_generation(generation)


def test_verify_catches_a_garbled_checksums_file(tmp_path):
    generation = _generation(tmp_path, "abcdef")
    body = (generation / CHECKSUMS).read_bytes()
    # Same JSON, one byte different: the checksums still describe the files.
    (generation / CHECKSUMS).write_bytes(body.replace(b"\n ", b"\n\t", 1))
    assert json.loads((generation / CHECKSUMS).read_bytes()) == json.loads(body)
    with pytest.raises(GenerationDamaged, match="name"):
        verify_generation(generation)


def test_checksums_hold_size_crc32_and_sha256_and_name_the_generation(tmp_path):
    generation = _generation(tmp_path, "abcdef")
    body = (generation / CHECKSUMS).read_bytes()
    assert json.loads(body) == {"format": 3, "files": {"data.txt": {
        "size": 6, "crc32": zlib.crc32(b"abcdef"), "edges": zlib.crc32(b"abcdef"),
        "sha256": hashlib.sha256(b"abcdef").hexdigest()}}}
    assert generation.name == f"gen-{hashlib.sha256(body).hexdigest()[:16]}"


def test_a_generation_with_old_checksums_is_a_format_change(tmp_path):
    # What winnow wrote before checksums format 2: {name: [size, sha256]}, no "format" key.
    generation = _generation(tmp_path, "abcdef")
    old = json.dumps({"data.txt": [6, hashlib.sha256(b"abcdef").hexdigest()]}, indent=1, sort_keys=True).encode()
    (generation / CHECKSUMS).write_bytes(old)
    old_generation = generation.rename(tmp_path / f"gen-{hashlib.sha256(old).hexdigest()[:16]}")
    with pytest.raises(GenerationFormatChanged, match="format 1"):
        verify_generation(old_generation)


def test_tidy_removes_leftovers_and_old_generations(tmp_path):
    old = _generation(tmp_path, "old")
    live = _generation(tmp_path, "live")
    leftover = new_generation_dir(tmp_path)
    tidy(tmp_path, keep={live.name})
    assert not old.exists() and not leftover.exists() and live.exists()


def test_lock_serialises_and_says_whom_it_waits_for(tmp_path):
    order, said = [], []
    with IndexLock(tmp_path):
        def second():
            with IndexLock(tmp_path, said.append):
                order.append("second")

        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 30  # until the second says it waits (a fixed 0.3 s raced a slow start)
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
        order.append("first")
    thread.join(30)
    assert order == ["first", "second"]
    assert said and f"pid {os.getpid()}" in said[0]


def test_cache_ignores_garbled_entries(tmp_path):
    cache = SourceCache(tmp_path, "settings")
    cache.put("text", "abc", {"documents": []})
    assert cache.get("text", "abc")["documents"].n_docs == 0
    cache.path("text", "abc").write_text('{"documents": [')
    assert cache.get("text", "abc") is None
    assert SourceCache(tmp_path, "other settings").get("text", "abc") is None


# --- nothing followed, nothing unbounded, nothing reused unchecked (issue 12) ------------------------


def test_read_own_refuses_links_and_fifos(tmp_path):
    from pipeline.store import read_own

    (tmp_path / "real").write_text("x")
    os.symlink(tmp_path / "real", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    assert read_own(tmp_path / "real") == b"x"
    for name in ("link", "fifo"):
        with pytest.raises(OSError):
            read_own(tmp_path / name)


def test_write_own_replaces_a_link_instead_of_writing_through_it(tmp_path):
    from pipeline.store import write_own

    target = tmp_path / "outside.txt"
    target.write_text("precious")
    (tmp_path / "index").mkdir()
    os.symlink(target, tmp_path / "index" / "stats.json")
    write_own(tmp_path / "index" / "stats.json", b"{}")
    assert target.read_text() == "precious"
    assert (tmp_path / "index" / "stats.json").read_bytes() == b"{}"
    assert not (tmp_path / "index" / "stats.json").is_symlink()
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == ["stats.json"]  # no temporary left


def test_cache_entries_are_checksummed_and_shape_checked(tmp_path):
    from dataclasses import replace

    import numpy as np

    from pipeline.dedupe import pack_signatures, signatures
    from pipeline.store import entry_problem
    from pipeline.units import PackedDocuments, pack_documents

    cache = SourceCache(tmp_path, "settings")
    documents = pack_documents([{"source": None, "title_tokens": "t", "sections": [{
        "heading": "", "heading_tokens": "", "sentences": ["Since steroids help."], "words": [3],
        "packs": [[0]], "tokens": ["sinc steroid help"],
        "signatures": pack_signatures(signatures(["Since steroids help."]))}]}])
    entry = {"documents": documents, "kept": [3, 3]}
    assert entry_problem(entry) is None
    cache.put("text", "abc", entry)
    back = cache.get("text", "abc")
    assert back["kept"] == [3, 3] and back["documents"].to_bytes() == documents.to_bytes()
    assert list(back["documents"].sentences) == ["Since steroids help."]
    path = cache.path("text", "abc")
    path.write_bytes(path.read_bytes().replace(b"Since steroids", b"SincX stXroids"))  # same length, same shape
    assert cache.get("text", "abc") is None
    bad = replace(documents, members=np.array([5], dtype=np.int32))
    assert "packs" in entry_problem({"documents": bad})
    bad = replace(documents, sig=signatures(["One.", "Two."]))
    assert "signatures" in entry_problem({"documents": bad})
    with pytest.raises(ValueError):
        PackedDocuments.from_bytes(bad.to_bytes())
    with pytest.raises(ValueError):
        PackedDocuments.from_bytes(documents.to_bytes()[:-3])


def test_a_lock_wait_is_bounded(tmp_path):
    from pipeline.store import LockTimeout

    with IndexLock(tmp_path):
        started = time.monotonic()
        result = []

        def second():
            try:
                with IndexLock(tmp_path, wait=0.5):
                    result.append("got it")
            except LockTimeout as error:
                result.append(error)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(10)
    assert isinstance(result[0], LockTimeout) and 0.5 <= time.monotonic() - started < 10
    assert f"pid {os.getpid()}" in str(result[0])


def test_manifest_problems_are_named():
    from pipeline.store import manifest_problem

    good = {"settings": {}, "sources": {"source": ["a.txt"], "sha256": ["00"], "removed": ["c.txt"]},
            "skipped": [{"source": "b.png", "sha256": None, "reason": "unknown"}],
            "counts": {"sources": 1, "passages": 2, "duplicates_dropped": 0}, "topic_terms": ["myopathi"],
            "segments": [{"units": 2, "docs": 3, "deleted": [1], "live_docs": 2, "live_tokens": 40}]}
    assert manifest_problem(good) is None
    changes = good["sources"]
    for change, words in [({"topic_terms": 5}, "topic_terms"), ({"topic_terms": None}, "topic_terms"),
                          ({"sources": 5}, '"sources" (the changes since sources.bin): not two columns'),
                          ({"skipped": [{}]}, '"skipped"'),
                          ({"sources": [{"source": "a.txt", "sha256": "00"}]}, "not two columns"),
                          ({"sources": {**changes, "sha256": []}}, "not two columns"),
                          ({"sources": {**changes, "sha256": [None]}}, "is not a string"),
                          ({"sources": {**changes, "source": ["b.txt", "a.txt"], "sha256": ["0", "1"]}},
                           "not sorted"),
                          ({"sources": {"source": [], "sha256": []}}, '"removed" is not a sorted list'),
                          ({"sources": {**changes, "removed": ["d.txt", "c.txt"]}}, '"removed" is not a sorted list'),
                          ({"sources": {**changes, "removed": ["a.txt"]}}, "both changed and removed"),
                          ({"counts": {"sources": -1}}, "counts"), ({"settings": []}, "settings"),
                          ({"segments": []}, "segments"),
                          ({"segments": [{"units": 2, "docs": 3, "deleted": [2], "live_docs": 2,
                                          "live_tokens": 4}]}, "segments")]:
        assert words in manifest_problem({**good, **change}), change
    empty = {**good, "sources": {"source": [], "sha256": [], "removed": []},
             "counts": {"sources": 0, "passages": 0, "duplicates_dropped": 0}, "segments": []}
    assert manifest_problem(empty) is None  # an index of an empty sources folder


def test_sources_changes_and_read_sources_agree(tmp_path):
    """The change list from a base to the sources now, applied to the base, gives the sources now."""
    import json

    from pipeline import store

    base = (["a.txt", "b.txt", "c.txt", "e.txt"], ["1", "2", "3", "5"])
    now = (["a.txt", "c.txt", "d.txt", "e.txt"], ["1", "3x", "4", "5"])
    changes = store.sources_changes(*base, *now)
    assert changes == {"source": ["c.txt", "d.txt"], "sha256": ["3x", "4"], "removed": ["b.txt"]}
    assert store.sources_changes(*base, *base) == {"source": [], "sha256": [], "removed": []}
    store.write_sources_base(tmp_path / store.SOURCES_BASE, *base)
    assert store.read_sources(tmp_path, {"sources": changes})[:2] == (list(now[0]), list(now[1]))
    assert store.read_sources(tmp_path, {"sources": changes})[2:] == base
    many = ([f"p{i:03d}" for i in range(300)], ["0"] * 300)
    assert store.sources_changes(*many, many[0], ["1"] * 300) is None  # past SOURCES_CHANGES_MAX: a new base


def test_read_sources_takes_the_names_listed_when_they_are_the_base_s(tmp_path):
    """A refresh hands read_sources the names it listed: the same bytes give that very list (not a
    split of the column), other names the base's own; a hash missing is damage either way."""
    from pipeline import store

    base = (["a.txt", "b.txt", "c.txt"], ["1" * 64, "2" * 64, "3" * 64])
    store.write_sources_base(tmp_path / store.SOURCES_BASE, *base)
    unchanged = {"sources": {"source": [], "sha256": [], "removed": []}}
    listed = list(base[0])
    names, shas, *_ = store.read_sources(tmp_path, unchanged, listed)
    assert names is listed and shas == base[1]
    other = ["a.txt", "b.txt", "d.txt"]
    names, shas, *_ = store.read_sources(tmp_path, unchanged, other)
    assert names == base[0] and names is not other and shas == base[1]
    (tmp_path / store.SOURCES_BASE).unlink()
    store.write_sources_base(tmp_path / store.SOURCES_BASE, base[0], ["1" * 64, "", "3" * 64])
    for like in (listed, None):
        with pytest.raises(GenerationDamaged, match="without its hash"):
            store.read_sources(tmp_path, unchanged, like)


def test_recorded_hashes_compared_whole_are_the_ones_split(tmp_path):
    """SourceStats.known_shas with the index's hashes (`like`) gives what it gives without them: rows
    whose recorded hash differs take the recorded one, stale rows None, and hashes of other widths
    or a row without one fall back to the split column."""
    from pipeline.store import SourceStats, read_stats, write_stats

    names = [f"p{i}.txt" for i in range(6)]
    sizes, mtimes = [10, 20, 30, 40, 50, 60], [100, 200, 300, 400, 500, 600]
    recorded = [f"{i:x}" * 64 for i in range(6)]
    write_stats(tmp_path, SourceStats(names, sizes, mtimes, recorded))
    now_sizes = [10, 21, 30, 40, 50, 60]  # p1 grew
    index_has = list(recorded)
    index_has[3] = "f" * 64  # the index holds another version of p3 than the record
    for like in (index_has, ["x"] * 6, [None] + index_has[1:], recorded):
        got = read_stats(tmp_path).known_shas(names, now_sizes, mtimes, like)
        assert got == [recorded[0], None] + recorded[2:]
        assert read_stats(tmp_path).known_shas(names, now_sizes, mtimes) == got
    write_stats(tmp_path, SourceStats(names, sizes, mtimes, recorded[:5] + [None]))  # p5 unreadable when hashed
    got = read_stats(tmp_path).known_shas(names, sizes, mtimes, index_has)
    assert got == recorded[:5] + [None]


def test_recommitting_the_live_content_keeps_the_live_folder(tmp_path):
    live = _generation(tmp_path, "content")
    inode = os.stat(live).st_ino
    again = _generation(tmp_path, "content")
    assert again == live and os.stat(again).st_ino == inode  # the same folder, never moved away
    assert not list(tmp_path.glob(".tmp-*"))


def test_remove_tree_handles_a_tree_deeper_than_the_recursion_limit_and_keeps_link_targets(tmp_path):
    import sys

    from pipeline.store import remove_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    top = tmp_path / "top"
    folder = top
    for _ in range(sys.getrecursionlimit() + 200):
        folder = folder / "d"
        folder.mkdir(parents=folder.parent == top)
    os.symlink(outside, folder / "link")
    remove_tree(top)
    assert not top.exists() and (outside / "keep.txt").exists()


def test_stats_names_compared_as_bytes_count_the_rows_too(tmp_path):
    # stats.bin's names are compared with the listing's as their joined bytes; one empty name
    # (a table winnow never writes) joins to the bytes of no name at all, so an empty folder
    # took that table's row as its own: a hash for a source that is not there.
    from pipeline import store

    store.write_own(tmp_path / store.STATS_NAME, store.pack_table(store._STATS_MAGIC, [[5], [7], [1]], [[""], ["ab"]]))
    stats = store.read_stats(tmp_path)
    assert not stats.same_names([])
    assert stats.known_shas([], [], []) == []
    store.write_stats(tmp_path, store.SourceStats(["a.txt"], [5], [7], ["ab"]))
    assert store.read_stats(tmp_path).same_names(["a.txt"])


def test_an_open_checks_the_manifest_whole_whatever_its_size(tmp_path):
    """The open check reads the manifest whole to parse it, but CRC'd it whole only up to
    FULL_CHECK_BYTES (128 KB, about 1,300 sources): past that, a changed digit in its middle (a
    deleted unit's number, a source's address) passed every `ask` unseen."""
    import shutil

    from pipeline.ingest import build_index
    from pipeline.store import FULL_CHECK_BYTES

    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "a.txt").write_text("Harbour seals rest on sandbanks at low tide and feed in the channels.\n")
    build_index(sources, tmp_path / "ix")
    live = current_generation(tmp_path / "ix")
    tmp = new_generation_dir(tmp_path / "ix")
    for path in live.iterdir():
        if path.name != CHECKSUMS:
            shutil.copyfile(path, tmp / path.name)
    manifest = json.loads((live / "manifest.json").read_text())
    manifest["urls"] = {f"page{i:05d}.html": f"https://example.org/{i:05d}/" + "x" * 40 for i in range(3000)}
    (tmp / "manifest.json").write_text(json.dumps(manifest, sort_keys=True))
    generation = commit_generation(tmp_path / "ix", tmp)
    size = (generation / "manifest.json").stat().st_size
    assert size > 2 * FULL_CHECK_BYTES
    verify_generation(generation, full=False)
    body = (generation / "manifest.json").read_bytes()
    middle = body.index(b"/01500/")
    (generation / "manifest.json").write_bytes(body[:middle] + b"/01501/" + body[middle + 7:])
    with pytest.raises(GenerationDamaged, match="manifest.json"):
        verify_generation(generation, full=False)
