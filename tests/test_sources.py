"""Finding and decoding sources."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from pipeline.errors import SkipSource, SourcesError
from pipeline.sources import decode, decoded, discover


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


def test_a_folder_of_plain_files_is_listed_as_one_with_a_file_to_skip(tmp_path):
    # A folder whose files are all plain is listed by whole-folder C loops, one with a file to
    # skip entry by entry: both must find the same names, kinds, sizes and mtimes.
    from pipeline.sources import scan

    names = ["B.TXT", "a.b.md", "c.Markdown", "d.xhtml", "e.text", "f.htm", "g.jsonl", "z.txt"]
    for folder in ("plain", "mixed"):
        (tmp_path / folder).mkdir()
        for n, name in enumerate(names):
            (tmp_path / folder / name).write_text("x" * n)
            os.utime(tmp_path / folder / name, ns=(10**18 + n, 10**18 + n))
    (tmp_path / "mixed" / "txt").write_bytes(b"\x7fELF\x00\x01")  # an ending alone is no extension: binary, skipped
    (tmp_path / "mixed" / ".hidden.txt").write_text("hidden")
    listing = scan(tmp_path, [].append)
    plain, mixed = ([row for row in range(len(listing)) if listing.rels[row].startswith(folder)]
                    for folder in ("plain/", "mixed/"))
    assert [listing.rels[row] for row in plain] == ["plain/" + name for name in names]
    for column in (listing.kinds, listing.sizes, listing.mtimes):
        assert [column[row] for row in plain] == [column[row] for row in mixed]
    assert [listing.kinds[row] for row in plain] == ["text", "markdown", "markdown", "html", "text", "html",
                                                     "jsonl", "text"]
    assert {entry["source"] for entry in listing.left_out} == {"mixed/txt", "mixed/.hidden.txt"}


def test_missing_sources_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SourcesError, match="does not exist"):
        discover(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(SourcesError, match="is a file"):
        discover(tmp_path / "f.txt")


# --- only regular files, links kept inside, dot-files reported (issue 12) ----------------------------


def test_a_stray_nul_is_dropped_not_a_reason_to_skip():
    assert decode(b"Statins can hurt muscles.\x00 Rarely.\n") == "Statins can hurt muscles. Rarely.\n"


def test_fifos_sockets_and_devices_are_reported_not_read(tmp_path):
    import os
    import socket

    (tmp_path / "good.txt").write_text("x")
    os.mkfifo(tmp_path / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.md"))
    os.symlink("/dev/null", tmp_path / "null.txt")
    try:
        warnings = []
        found = discover(tmp_path, warnings.append, follow_links=True)
    finally:
        server.close()
    assert [s.rel for s in found] == ["good.txt"]
    assert sorted(warnings) == ["skipped null.txt: not a regular file (a device)",
                                "skipped pipe.txt: not a regular file (a FIFO)",
                                "skipped sock.md: not a regular file (a socket)"]


def test_a_file_swapped_for_a_fifo_after_discovery_is_skipped_without_blocking(tmp_path):
    import os

    from pipeline.sources import file_fingerprint, read_bytes

    (tmp_path / "page.txt").write_text("x")
    (source,) = discover(tmp_path)
    (tmp_path / "page.txt").unlink()
    os.mkfifo(tmp_path / "page.txt")  # opening it for reading would wait for a writer forever
    for read in (read_bytes, file_fingerprint):
        with pytest.raises(SkipSource, match="not a regular file"):
            read(source)


def test_links_leading_outside_are_followed_only_when_asked(tmp_path):
    import os

    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "a.txt").write_text("x")
    (root / "own.txt").write_text("x")
    os.symlink(outside, root / "out")
    os.symlink(outside / "sub" / "a.txt", root / "file.txt")
    os.symlink(root / "own.txt", root / "alias.txt")  # inside the folder: always followed
    warnings = []
    assert [s.rel for s in discover(root, warnings.append)] == ["alias.txt", "own.txt"]
    assert len(warnings) == 2 and all("link leads outside the sources folder" in w for w in warnings)
    assert [s.rel for s in discover(root, follow_links=True)] == ["alias.txt", "file.txt", "out/sub/a.txt", "own.txt"]


def test_hidden_files_and_folders_are_reported(tmp_path):
    (tmp_path / ".draft.md").write_text("x")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "a.txt").write_text("x")
    warnings = []
    assert discover(tmp_path, warnings.append) == []
    assert warnings == ["skipped .cache/: hidden folder (its name starts with a dot)",
                        "skipped .draft.md: hidden file (its name starts with a dot)"]


def _nest(base: Path, depth: int) -> None:
    """base/d/d/.../d/deep.txt, depth folders, made by relative names (os.makedirs recurses, and a
    full path per level makes the kernel walk every level above it)."""
    import os

    here = os.getcwd()
    base.mkdir()
    os.chdir(base)
    try:
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
        Path("deep.txt").write_text("x")
    finally:
        os.chdir(here)


def _unnest(base: Path, depth: int) -> None:
    """Remove what _nest made (pytest's own clean-up of old temporary folders recurses)."""
    import os

    here = os.getcwd()
    os.chdir(base / "/".join(["d"] * depth))
    try:
        os.unlink("deep.txt")
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


def test_a_folder_nested_deeper_than_the_recursion_limit_is_walked_in_linear_time(tmp_path):
    """Walked without recursion, and each folder's real path (the symlink-loop check) from its
    parent's: os.path.realpath of every folder read every level above it (1,200 deep: 8.6 s CPU)."""
    import sys
    import time

    deep = sys.getrecursionlimit() + 200
    times = {}
    for depth in (deep // 4, deep):
        _nest(tmp_path / str(depth), depth)
        try:
            start = time.process_time()
            (found,) = discover(tmp_path / str(depth))
            times[depth] = time.process_time() - start
            assert found.rel == "d/" * depth + "deep.txt"
        finally:
            _unnest(tmp_path / str(depth), depth)
    # 4x the depth: linear is 4x, the quadratic walk was ~30x; under 0.5 s is noise whatever the ratio.
    assert times[deep] < max(16 * times[deep // 4], 0.5), times


def test_utf16_without_a_bom_is_read_not_called_binary():
    """Windows tools write UTF-16 without a BOM; its NULs (one byte of every Latin character)
    had it skipped as "binary file". The NULs on one side only tell it from a binary file."""
    text = "Narwhals have one long tusk.\nÉté: ça marche — ünïcode too.\n" * 20
    assert decode(text.encode("utf-16-le")) == text
    assert decode(text.encode("utf-16-be")) == text
    shorts = bytes(b for i in range(3000) for b in (i % 256, 0))  # 16-bit numbers: NULs, but not text
    odd = text.encode("utf-16-le")[:-1]  # cut mid-character: not UTF-16
    for data in (shorts, odd, b"\x00" * 400):
        with pytest.raises(SkipSource):
            decode(data)


def test_a_utf16_corpus_without_a_bom_is_read_whole(tmp_path):
    from pipeline.sources import read_pieces

    lines = "".join(f'{{"_id": "n{i}", "text": "Narwhal record {i}."}}\n' for i in range(200))
    (tmp_path / "corpus.jsonl").write_bytes(lines.encode("utf-16-le"))
    (source,) = discover(tmp_path)
    pieces = list(read_pieces(source, 256))
    assert len(pieces) == 1 and decode(pieces[0]) == lines


# --- encodings other than UTF-8 and cp1252 --------------------------------------------------------

NOTE_JA = "会議のメモです。明日は東京で打ち合わせがあります。参加者は田中さんと鈴木さんです。"
NOTE_ZH = "这是一个关于数据处理的简短说明。我们明天在北京开会，请准时参加。"
NOTE_RU = "Это короткая заметка о встрече. Завтра мы встречаемся в Москве с коллегами."


@pytest.mark.parametrize("text, encoding", [(NOTE_JA, "shift_jis"), (NOTE_JA, "euc_jp"), (NOTE_ZH, "gbk"),
                                            (NOTE_RU, "windows-1251")])
def test_undeclared_legacy_encodings_are_detected_and_said(text, encoding):
    got, note = decoded(text.encode(encoding))
    assert got == text  # was mojibake: every one of these decodes as cp1252
    assert note and "a guess" in note


@pytest.mark.parametrize("text", ["Le café est très agréable, où l'on déjeune à midi. Déjà vu.",
                                  "Größere Änderungen für die Übersicht – „Zitat“ bitte prüfen.",
                                  "He said “…” and left — «ok» ‘é’", "Price: 5€ ± 10% × 2 © ® ° µ ¶ §",
                                  "Øresund Ålborg æble smørrebrød", "café"])
def test_latin_text_in_cp1252_stays_cp1252_without_a_warning(text):
    assert decoded(text.encode("cp1252")) == (text, None)


def test_a_page_s_declared_charset_is_honoured_unless_its_bytes_are_utf8():
    body = "<p>" + NOTE_JA + "</p>"
    for head in ('<meta charset="Shift_JIS">', '<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">',
                 '<?xml version="1.0" encoding="Shift_JIS"?>'):
        assert decoded((head + body).encode("cp932"), "html") == (head + body, None)
    # latin-1 is read as cp1252, as browsers read it; a text file's "declaration" is only text
    assert decode(b'<meta charset="iso-8859-1"><p>\x93q\x94', "html").endswith("“q”")
    assert decode(b'<meta charset="koi8-r">\ncaf\xe9', "text") == '<meta charset="koi8-r">\ncafé'
    assert decode(b'<meta charset="koi8-r">\ncaf\xe9', "html") == '<meta charset="koi8-r">\ncafИ'
    # a page saved as UTF-8 under its old declaration: the bytes win
    assert decode('<meta charset="iso-8859-1"><p>naïve café'.encode("utf-8"), "html").endswith("naïve café")
    # a wrong declaration the bytes cannot be: read as undeclared, and said
    text, note = decoded(b'<meta charset="utf-8"><p>caf\xe9 cr\xe8me', "html")
    assert text.endswith("café crème") and "declared utf-8" in note


def test_bytes_that_cannot_be_decoded_cleanly_are_said():
    text, note = decoded("Ünïcödé text with one stray ".encode("utf-8") + b"\x93" + " byte".encode())
    assert text == "Ünïcödé text with one stray \ufffd byte"  # UTF-8 with a stray byte: not cp1252 mojibake
    assert "1 undecodable byte sequence" in note
    text, note = decoded(codecs.BOM_UTF8 + b"caf\xc3\xa9 \xff ok")
    assert text == "café \ufffd ok" and "1 undecodable" in note
    with pytest.raises(SkipSource, match="undecodable"):
        decode(b"\x81\x8d\x8f\x90\x9d" * 200)


@pytest.mark.parametrize("label", ["base64", "hex", "rot13", "zlib", "undefined", "unicode_escape", "cp037",
                                   "utf-32", "utf-7"])
def test_a_declared_charset_that_is_no_ascii_text_encoding_is_ignored(label):
    # Python's codec registry names more than text encodings: <meta charset="base64"> raised
    # LookupError (a traceback from `winnow clean`, the page skipped by a build), "undefined"
    # UnicodeError; an EBCDIC or escape codec turned the page into other text. A declaration is
    # found by reading the bytes as ASCII, so only an encoding that reads ASCII as ASCII can be it
    # (HTML's prescan ignores the others): the page is read as undeclared bytes are.
    page = f'<meta charset="{label}"><p>Caf\xe9 au lait, a na\xefve drink \\n of coffee.</p>'
    text, note = decoded(page.encode("cp1252"), "html")
    assert text == page and note is None


def test_a_folder_s_kinds_and_skips_are_the_same_by_the_whole_folder_checks(tmp_path):
    """scan checks a folder's names joined (one extension for all, no hidden name): folders of mixed
    extensions, cases, dots and a hidden name in the middle give each file's own kind or skip."""
    from pipeline.sources import scan

    folders = {"same": ["a.txt", "b.txt", "c.txt"], "mixed": ["a.txt", "b.md", "c.txt"],
               "case": ["a.TXT", "b.txt"], "dots": ["a.md.txt", "b..txt", "c.txt.md"],
               "hidden": ["a.txt", ".b.txt", "c.txt"], "unknown": ["a.txt", "b.txtx", "c.txt"]}
    for folder, names in folders.items():
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / name).write_text("Statins cause myopathy.\n")
    said = []
    listing = scan(tmp_path, said.append)
    assert dict(zip(listing.rels, listing.kinds)) == {
        "case/a.TXT": "text", "case/b.txt": "text", "dots/a.md.txt": "text", "dots/b..txt": "text",
        "dots/c.txt.md": "markdown", "hidden/a.txt": "text", "hidden/c.txt": "text", "mixed/a.txt": "text",
        "mixed/b.md": "markdown", "mixed/c.txt": "text", "same/a.txt": "text", "same/b.txt": "text",
        "same/c.txt": "text", "unknown/a.txt": "text", "unknown/c.txt": "text"}
    assert sorted(entry["source"] for entry in listing.left_out) == ["hidden/.b.txt", "unknown/b.txtx"]


def test_a_saved_pages_own_files_are_left_out_in_one_line(tmp_path):
    """A browser saves a page whole as NAME.html and a folder NAME_files of its images, scripts and
    styles (and its frames' pages): a folder of 150 saved pages gave a warning per image and script,
    and `status` listed them all. The folder goes, in one line for them all; a folder that no page
    beside it names is read as usual."""
    for page in ("seals", "otters"):
        (tmp_path / f"{page}.html").write_text(f'<link href="{page}_files/style.css"><p>Seals.</p>',
                                              encoding="utf-8")
        assets = tmp_path / f"{page}_files"
        assets.mkdir()
        for name in ("style.css", "app.js", "logo.png", "ad.html"):
            (assets / name).write_text("x", encoding="utf-8")
    (tmp_path / "de.htm").write_text('<img src="./de-Dateien/bild.png"><p>Robben.</p>', encoding="utf-8")
    (tmp_path / "de-Dateien").mkdir()
    (tmp_path / "de-Dateien" / "bild.png").write_text("x", encoding="utf-8")
    (tmp_path / "notes_files").mkdir()  # no notes.html beside it: read as usual
    (tmp_path / "notes_files" / "a.txt").write_text("Seals rest on sandbanks.", encoding="utf-8")
    (tmp_path / "log.html").write_text("<p>Dives.</p>", encoding="utf-8")
    (tmp_path / "log_old").mkdir()  # log.html beside it links to none of its files: read as usual
    (tmp_path / "log_old" / "b.txt").write_text("Seals dive at high tide.", encoding="utf-8")
    warnings = []
    found = [s.rel for s in discover(tmp_path, warn=warnings.append)]
    assert found == ["de.htm", "log.html", "log_old/b.txt", "notes_files/a.txt", "otters.html", "seals.html"]
    assert warnings == ["skipped 3 folders of saved pages' own files (images, scripts, styles), each named after "
                        "the page beside it: de-Dateien/ (de.htm), otters_files/ (otters.html), ..."]


def test_a_saved_pages_link_to_its_folder_is_looked_for_in_its_bytes(tmp_path, monkeypatch):
    """The link is looked for in the page's bytes up to SAVED_PAGE_READ_BYTES, read in chunks: a
    link cut by a chunk's end is found, one past the bound is not. A folder whose name is not
    UTF-8 (Latin-1 bytes) is matched by its bytes: it raised UnicodeEncodeError from the scan
    (the page itself is skipped for its name, as any such file is)."""
    from pipeline import sources

    monkeypatch.setattr(sources, "SAVED_PAGE_CHUNK_BYTES", 16)
    monkeypatch.setattr(sources, "SAVED_PAGE_READ_BYTES", 200)
    page = tmp_path / "p.html"
    for at, found in ((0, True), (10, True), (13, True), (150, True), (188, True), (189, False), (300, False)):
        page.write_bytes(b"x" * at + b"seals_files/a.css" + b"y" * 20)
        assert sources._page_links_to(str(page), "seals_files") is found, at
    page.write_bytes(b"x" * 30 + b"caf%C3%A9_files/a.css")  # URL-encoded, as browsers write it
    assert sources._page_links_to(str(page), "caf\u00e9_files")
    root = os.fsencode(tmp_path / "latin")
    os.mkdir(root)
    os.mkdir(root + b"/caf\xe9_files")
    with open(root + b"/caf\xe9_files/a.png", "wb") as handle:
        handle.write(b"x")
    with open(root + b"/caf\xe9.html", "wb") as handle:
        handle.write(b'<link href="caf\xe9_files/s.css"><p>Seals rest on sandbanks.</p>')
    warnings = []
    assert discover(os.fsdecode(root), warn=warnings.append) == []  # the page's name: skipped, said
    assert "file name is not valid UTF-8" in warnings[0]
    assert warnings[1].startswith("skipped 1 folder of saved pages' own files") and len(warnings) == 2
