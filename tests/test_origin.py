"""A saved page's original address: found where the page names it, kept per source, shown with each hit."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from pipeline.origin import page_url

PROSE = ("<p>Necrotizing myopathy causes weakness of the hip and shoulder muscles over weeks, and serum "
         "creatine kinase is raised in almost every patient at diagnosis.</p>")


@pytest.mark.parametrize("head, expected", [
    ('<!-- saved from url=(0031)https://example.org/imnm.html -->', "https://example.org/imnm.html"),
    ('<link rel="canonical" href="https://example.org/a?b=1&amp;c=2">', "https://example.org/a?b=1&c=2"),
    ("<link href='https://example.org/c' rel='alternate canonical'>", "https://example.org/c"),
    ('<meta property="og:url" content="http://example.org/og">', "http://example.org/og"),
    ('<meta content="https://example.org/og2" property="og:url">', "https://example.org/og2"),
    ('<link rel="canonical" href="javascript:alert(1)">', None),
    ('<link rel="canonical" href="/relative/path">', None),
    ('<meta property="og:url" content="data:text/html,<script>alert(1)</script>">', None),
    ("", None),
])
def test_page_url(head, expected):
    assert page_url(f"<html><head>{head}<title>t</title></head><body>{PROSE}</body></html>") == expected


def test_saved_from_comes_first_and_the_body_is_not_searched():
    page = ('<!-- saved from url=(0024)https://example.org/seen -->\n<html><head>'
            '<link rel="canonical" href="https://example.org/canonical"></head><body>'
            '<link rel="canonical" href="https://evil.example/">' + PROSE + "</body></html>")
    assert page_url(page) == "https://example.org/seen"
    assert page_url("<html><body><link rel=canonical href=https://evil.example/></body>") is None


def test_url_is_kept_per_source_and_shown_with_hits(tmp_path):
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / "page.html").write_text('<html><head><link rel="canonical" href="https://example.org/imnm">'
                                       f"<title>IMNM</title></head><body><article>{PROSE}</article></body></html>")
    (sources / "notes.txt").write_text("Statins were stopped and the creatine kinase fell over three months.\n")
    (sources / "corpus.jsonl").write_text(json.dumps({"_id": "doc1", "url": "https://example.org/doc1",
                                                      "text": "Rituximab was given when methotrexate failed."}) + "\n")
    args = ["--sources", str(sources), "--index", str(tmp_path / "ix")]
    hits = {h["source"]: h for h in json.loads(CliRunner().invoke(main, ["ask", *args, "--json", "-k", "10",
                                                                        "creatine kinase rituximab"]).stdout)}
    assert hits["page.html"]["url"] == "https://example.org/imnm"
    assert hits["corpus.jsonl#doc1"]["url"] == "https://example.org/doc1"
    assert hits["notes.txt"]["url"] is None
    human = CliRunner().invoke(main, ["ask", *args, "-k", "10", "creatine kinase rituximab"]).stdout
    assert "from https://example.org/imnm" in human
    shown = json.loads(CliRunner().invoke(main, ["show", "--json", *args, "corpus.jsonl#doc1#0000"]).stdout)
    assert shown["url"] == "https://example.org/doc1" and shown["file"] == "corpus.jsonl"
    assert shown["cleaned"][shown["start"]:shown["end"]].startswith("Rituximab")
    clean = json.loads(CliRunner().invoke(main, ["clean", "--json", str(sources / "page.html")]).stdout)
    assert clean["url"] == "https://example.org/imnm"
    # `passages --json` gives each passage's address too, under the names of an `ask --json` hit
    listed = [json.loads(line) for line in CliRunner().invoke(main, ["passages", "--json", *args]).stdout.splitlines()]
    urls = {p["source"]: p["url"] for p in listed}
    assert urls == {"page.html": "https://example.org/imnm", "corpus.jsonl#doc1": "https://example.org/doc1",
                    "notes.txt": None}
    for hit in hits.values():
        record = next(p for p in listed if p["passage_id"] == hit["passage_id"])
        assert record == {k: v for k, v in hit.items() if k not in ("rank", "score", "best_sentence")}
