"""pipeline/store.py: content-named generations, checksums, the lock, the per-source cache."""

from __future__ import annotations

import os
import threading
import time

import pytest

from pipeline.store import (GenerationDamaged, IndexLock, SourceCache, commit_generation, current_generation,
                            new_generation_dir, tidy, verify_generation)


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
        time.sleep(0.3)
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"]
    assert said and f"pid {os.getpid()}" in said[0]


def test_cache_ignores_garbled_entries(tmp_path):
    cache = SourceCache(tmp_path, "settings")
    cache.put("text", "abc", {"documents": []})
    assert cache.get("text", "abc")["documents"] == []
    (tmp_path / "cache" / f"{cache.key('text', 'abc')}.json").write_text('{"documents": [')
    assert cache.get("text", "abc") is None
    assert SourceCache(tmp_path, "other settings").get("text", "abc") is None
