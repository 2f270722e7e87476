"""Finding and decoding sources."""

from __future__ import annotations

import codecs

import pytest

from pipeline.errors import SkipSource, SourcesError
from pipeline.sources import decode, discover


def test_decodes_utf8_boms_and_cp1252():
    assert decode("café".encode("utf-8")) == "café"
    assert decode(codecs.BOM_UTF8 + "café".encode("utf-8")) == "café"
    assert decode(codecs.BOM_UTF16_LE + "café".encode("utf-16-le")) == "café"
    assert decode("café “quoted”".encode("cp1252")) == "café “quoted”"


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02binary\x00", bytes(range(0, 32)) * 20])
def test_binary_and_empty_are_skipped(data):
    with pytest.raises(SkipSource):
        decode(data)


def test_discover_recursive_sorted_and_typed(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "page.HTML").write_text("<p>x</p>")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    warnings = []
    found = discover(tmp_path, warnings.append)
    assert [(s.rel, s.kind) for s in found] == [("a.txt", "text"), ("b/page.HTML", "html"), ("notes.md", "markdown")]
    assert len(warnings) == 1 and "image.png" in warnings[0]


def test_missing_sources_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SourcesError, match="does not exist"):
        discover(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(SourcesError, match="is a file"):
        discover(tmp_path / "f.txt")
