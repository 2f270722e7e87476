"""Files a user's pile holds that have no known extension (README, COPYING, NEWS) or are
gzip-compressed (README.gz, notes.txt.gz), and a folder with thousands of files to skip."""

from __future__ import annotations

import gzip
import json
import os
import re

from click.testing import CliRunner

from cli import main
from pipeline import sources as sources_module
from pipeline.ingest import build_index, look_at_sources
from pipeline.sources import scan

PROSE = "Statins were stopped and the creatine kinase fell over three months of treatment.\n"


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_a_file_without_an_extension_is_read_by_its_content(tmp_path):
    """README, COPYING, NEWS were skipped as "unknown file type" whatever they held."""
    (tmp_path / "README").write_text("Myopathy notes\n\n" + PROSE)
    (tmp_path / "INDEX").write_text("<!DOCTYPE html>\n<html><body><p>" + PROSE + "</p></body></html>\n")
    (tmp_path / "GUIDE").write_text("# Guide\n\nSee [the notes](notes.html).\n\n## Dosing\n\n" + PROSE)
    (tmp_path / "NOTES").write_text("# a comment, then plain text\n" + PROSE)  # one heading alone is not clearly Markdown
    (tmp_path / "tool").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(200))
    (tmp_path / "blob").write_bytes(bytes(range(1, 32)) * 40)  # control characters, no NUL
    (tmp_path / "UTF16").write_bytes(("Myopathy " * 40).encode("utf-16-le"))  # NULs, but text
    (tmp_path / "EMPTY").write_bytes(b"")
    listing = scan(tmp_path)
    assert dict(zip(listing.rels, listing.kinds)) == {"GUIDE": "markdown", "INDEX": "html", "NOTES": "text",
                                                      "README": "text", "UTF16": "text"}
    reasons = {entry["source"]: entry["reason"] for entry in listing.left_out}
    assert reasons == {"tool": "binary file (NUL bytes)", "blob": "binary file (control characters)",
                       "EMPTY": "empty file"}
    # Every rule for known extensions holds: an unknown one is still skipped, whatever it holds.
    (tmp_path / "notes.xyz").write_text(PROSE)
    assert "notes.xyz" not in scan(tmp_path).rels


def test_a_refresh_reads_the_heads_of_new_and_changed_files_only(tmp_path, monkeypatch):
    src, index = tmp_path / "src", tmp_path / "ix"
    src.mkdir()
    for n in range(5):
        (src / f"README{n}").write_text(f"Note {n}.\n" + PROSE)
    (src / "tool").write_bytes(b"\x00\x01\x02" * 100)
    build_index(src, index, jobs=1)
    assert (index / "sniffs.json").exists()
    read = []
    real = sources_module.sniffed_kind
    monkeypatch.setattr(sources_module, "sniffed_kind", lambda source: read.append(source.rel) or real(source))
    look = look_at_sources(src, index)
    assert read == [] and look.listing.rels == [f"README{n}" for n in range(5)]
    assert [entry["source"] for entry in look.listing.left_out] == ["tool"]  # its verdict kept too
    (src / "README2").write_text("<html><body><p>" + PROSE + "</p></body></html>")
    (src / "README9").write_text(PROSE)
    look = look_at_sources(src, index)
    assert read == ["README2", "README9"]
    assert dict(zip(look.listing.rels, look.listing.kinds))["README2"] == "html"


def test_verdicts_given_by_other_sniffing_rules_are_read_again(tmp_path, monkeypatch):
    """sniffs.json kept its verdicts across versions of the rules: a README an older winnow skipped
    (as empty, its first 8 KB blank) stayed skipped after an upgrade that reads it."""
    src, index = tmp_path / "src", tmp_path / "ix"
    src.mkdir()
    (src / "README").write_text("\n" * 9000 + PROSE)
    build_index(src, index, jobs=1)
    table = json.loads((index / "sniffs.json").read_text())
    assert table["rules"] == sources_module.SNIFF_RULES and table["verdicts"]["README"][2] == "text"
    row = table["verdicts"]["README"]
    real = sources_module.sniffed_kind
    for older in ({"rules": sources_module.SNIFF_RULES - 1, "verdicts": {"README": row[:2] + ["empty file"]}},
                  {"README": row[:2] + ["empty file"]}):  # the table of a winnow before the rules had a version
        (index / "sniffs.json").write_text(json.dumps(older))
        os.utime(index / "sniffs.json")
        read = []
        monkeypatch.setattr(sources_module, "sniffed_kind", lambda source: read.append(source.rel) or real(source))
        look = look_at_sources(src, index)
        assert read == ["README"] and look.listing.rels == ["README"] and not look.listing.left_out


def test_a_gzip_source_is_read_decompressed(tmp_path):
    src, index = tmp_path / "src", tmp_path / "ix"
    src.mkdir()
    (src / "README.gz").write_bytes(gzip.compress(("Rhabdomyolysis overview\n\n" + PROSE).encode()))
    (src / "notes.txt.gz").write_bytes(gzip.compress(b"Sarcolemma necrosis is seen on biopsy.\n" + PROSE.encode()))
    (src / "guide.md.gz").write_bytes(gzip.compress(b"# Guide\n\nPlasmapheresis helps some patients.\n"))
    (src / "archive.tar.gz").write_bytes(gzip.compress(b"x" * 100))
    (src / "data.jsonl.gz").write_bytes(gzip.compress(b'{"_id": "1", "text": "x"}\n'))
    listing = scan(src)
    assert dict(zip(listing.rels, listing.kinds)) == {"README.gz": "text", "guide.md.gz": "markdown",
                                                      "notes.txt.gz": "text"}
    assert {e["source"] for e in listing.left_out} == {"archive.tar.gz", "data.jsonl.gz"}
    where = ["--sources", str(src), "--index", str(index)]
    for question, source in (("rhabdomyolysis", "README.gz"), ("sarcolemma", "notes.txt.gz"),
                             ("plasmapheresis", "guide.md.gz")):
        result = run("ask", "--json", question, *where)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["source"] == source
    again = run("build", *where)  # the fingerprint is the decompressed text's, as the build's: nothing changed
    assert again.exit_code == 0 and "The index is up to date" in again.stderr, again.output


def test_a_documentation_name_with_a_qualifier_is_read_by_its_head(tmp_path):
    """Debian's README.Debian, TODO.Debian, NEWS.Debian.gz and changelog.Debian.gz were skipped as an
    unknown type; code named in lower case (install.sh) or data (README.pdf) still is, with the reason."""
    src, index = tmp_path / "src", tmp_path / "ix"
    src.mkdir()
    entry = "myopathy-notes (1.2-3) unstable; urgency=medium\n\n  * Rhabdomyolysis section added.\n\n"
    (src / "README.Debian").write_text("Myopathy notes for Debian\n\n" + PROSE)
    (src / "TODO.Debian").write_text("* describe plasmapheresis\n")
    (src / "NEWS.Debian.gz").write_bytes(gzip.compress(entry.encode() + PROSE.encode()))
    (src / "changelog.Debian.amd64.gz").write_bytes(gzip.compress(entry.replace("Rhabdomyolysis section",
                                                                                 "Sarcolemma figure").encode()))
    (src / "install.sh").write_text("#!/bin/sh\nset -e\ncp README /usr/share/doc/\n")
    (src / "changes.py").write_text("CHANGES = {'1.2': 'Rhabdomyolysis section added.'}\n")
    (src / "README.pdf").write_bytes(b"%PDF-1.4\n\0\0\x93\x8c" + bytes(100))
    (src / "notes.xyz").write_text(PROSE)
    listing = scan(src)
    assert dict(zip(listing.rels, listing.kinds)) == {"NEWS.Debian.gz": "text", "README.Debian": "text",
                                                      "TODO.Debian": "text", "changelog.Debian.amd64.gz": "text"}
    reasons = {entry["source"]: entry["reason"].partition(" (")[0] for entry in listing.left_out}
    assert reasons == {"install.sh": "unknown file type", "changes.py": "unknown file type",
                       "notes.xyz": "unknown file type", "README.pdf": "binary file"}
    where = ["--sources", str(src), "--index", str(index)]
    result = run("build", *where)
    assert result.exit_code == 0, result.output
    assert "4 skipped" in result.stderr and "skipped install.sh: unknown file type" in result.stderr, result.stderr
    for question, source in (("rhabdomyolysis section", "NEWS.Debian.gz"),
                             ("sarcolemma figure", "changelog.Debian.amd64.gz")):
        assert json.loads(run("ask", "--json", question, *where).stdout)[0]["source"] == source
    # `winnow clean` types them as a build does, and still reads a name of an unknown type as text.
    cleaned = run("clean", str(src / "changelog.Debian.amd64.gz"), str(src / "install.sh"))
    assert cleaned.exit_code == 0, cleaned.output
    assert "Sarcolemma figure added." in cleaned.stdout and "set -e" in cleaned.stdout


def test_a_decompression_bomb_and_a_broken_gzip_are_skipped_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(sources_module, "MAX_SOURCE_BYTES", 64 * 1024)
    src = tmp_path / "src"
    src.mkdir()
    (src / "page.txt").write_text(PROSE)
    (src / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * (10 * 1024 * 1024)))  # 10 KB that inflate to 10 MB
    (src / "broken.gz").write_bytes(b"\x1f\x8b\x08\x00 not deflate at all")
    warnings = []
    report = build_index(src, tmp_path / "ix", warn=warnings.append, jobs=1)
    said = "\n".join(warnings)
    assert "skipped bomb.txt.gz: decompresses to more than 65,536 bytes" in said, said
    assert re.search(r"skipped broken\.gz: not a readable gzip file", said), said
    assert report.sources_read == 1 and report.sources_skipped == 2


def test_many_skipped_files_are_named_up_to_a_number_then_counted(tmp_path):
    """A build over /usr/share/doc printed one line per skipped file, ~3,570 of them."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "page.txt").write_text(PROSE)
    for n in range(25):
        (src / f"f{n:02}.xyz").write_text("x")
    for n in range(3):
        (src / f"t{n}.bin").write_bytes(b"\x00")
    (src / "tool").write_bytes(b"\x00\x01")
    where = ["--sources", str(src), "--index", str(tmp_path / "ix")]
    for _ in range(2):  # a build, then one that finds the index up to date
        result = run("build", *where)
        assert result.exit_code == 0, result.output
        lines = result.stderr.splitlines()
        assert sum("skipped f" in line and "unknown file type" in line for line in lines) == 10
        assert sum("unknown file type" in line for line in lines) == 11  # t0..t2.bin are over the 10 too
        assert ("warning: and 18 more skipped: unknown file type (`winnow build --json` lists every one)"
                in lines), result.stderr
        assert "warning: skipped tool: binary file (NUL bytes)" in lines
        assert "29 skipped" in result.stderr
    record = json.loads(run("build", "--json", *where).stdout)
    assert len(record["skipped"]) == 29
    status = run("status", *where).stdout
    assert "and 19 more skipped (`winnow build --json` lists every one)" in status, status


def test_winnow_clean_reads_a_file_as_a_build_does(tmp_path):
    """`winnow clean README` read an HTML page without an extension as plain text, tags and all,
    and `clean notes.md.gz` as compressed bytes."""
    (tmp_path / "README").write_text("<!doctype html><html><body><p>" + PROSE + "</p></body></html>")
    (tmp_path / "notes.md.gz").write_bytes(gzip.compress(b"# Notes\n\nPlasmapheresis helps some patients.\n"))
    result = run("clean", str(tmp_path / "README"), str(tmp_path / "notes.md.gz"))
    assert result.exit_code == 0, result.output
    assert "<p>" not in result.stdout and PROSE.strip() in result.stdout
    assert "Plasmapheresis helps some patients." in result.stdout


def test_winnow_clean_types_a_file_without_an_extension_by_its_head_as_a_build_does(tmp_path):
    """`clean` typed such a file by its whole text and a build by its first bytes: a file whose
    Markdown link first appears after the head was Markdown to `clean` and text to the build, and
    a file with NUL bytes was printed by `clean` though a build skips it as binary."""
    from pipeline.records import Source
    from pipeline.sources import BINARY_SNIFF_BYTES, sniffed_kind

    late = tmp_path / "NOTES"
    late.write_text("# Notes\n\n" + PROSE * (BINARY_SNIFF_BYTES // len(PROSE) + 1) + "\n[a link](https://x.org)\n")
    stat = late.stat()
    built = sniffed_kind(Source(path=str(late), rel="NOTES", kind="", size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    cleaned = run("clean", str(late))
    assert cleaned.exit_code == 0, cleaned.output
    assert built == "text" and "[a link](https://x.org)" in cleaned.stdout  # as text: the link as written
    (tmp_path / "BLOB").write_bytes(b"Statins were stopped.\0\0\0\x01\x02 and more text after the NULs.\n")
    result = run("clean", str(tmp_path / "BLOB"))
    assert result.exit_code == 1 and "binary file (NUL bytes)" in result.stderr


def test_a_restructuredtext_file_is_indexed_with_its_sections(tmp_path):
    """A build skipped .rst files as an unknown type."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "guide.rst").write_text("Myopathy guide\n==============\n\nTreatment\n---------\n\n" + PROSE)
    where = ["--sources", str(src), "--index", str(tmp_path / "ix")]
    result = run("ask", "--json", "creatine kinase", *where)
    assert result.exit_code == 0, result.output
    hit = json.loads(result.stdout)[0]
    assert hit["source"] == "guide.rst" and hit["section"] == "Treatment" and "====" not in hit["text"]


def test_a_file_told_by_its_head_whose_first_8_kb_are_blank_is_read_by_the_text_after(tmp_path):
    """A README whose first 8 KB are blank lines was skipped as an empty file: its head was sniffed, not it."""
    from pipeline.sources import BINARY_SNIFF_BYTES

    src = tmp_path / "src"
    src.mkdir()
    (src / "README").write_text("\n" * BINARY_SNIFF_BYTES + PROSE)
    (src / "NEWS.Debian.gz").write_bytes(gzip.compress(b" " * (2 * BINARY_SNIFF_BYTES) + PROSE.encode()))
    (src / "BLANK").write_text("\n" * (3 * BINARY_SNIFF_BYTES))
    listing = scan(src)
    assert dict(zip(listing.rels, listing.kinds)) == {"NEWS.Debian.gz": "text", "README": "text"}
    assert [(entry["source"], entry["reason"]) for entry in listing.left_out] == [("BLANK", "empty file")]
