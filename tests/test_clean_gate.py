"""Quality gates of the cleaner on held-out material: sites the model was never trained on.

The floors live in tests/clean_baseline.json and move only on purpose. Every figure here
is on the "test" split of bench/cleaning_data.py (split by site), or on documents that are
never trained on (licences, READMEs, notes); bench/bench_clean.py prints the same figures.
"""

from __future__ import annotations

import json

import pytest

from pipeline.clean import clean_html, clean_markdown, clean_text

from .conftest import PAGES, SHARED_DATA

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "cleaning").is_dir(), reason="needs ../shared/data/cleaning")


def _floors() -> dict:
    return json.loads((PAGES.parent / "clean_baseline.json").read_text(encoding="utf-8"))["held_out"]


def _strip(text: str) -> str:
    from bench.bench_clean import strip_heading_markers, unbulleted

    return unbulleted(strip_heading_markers(text))


@pytest.fixture(scope="module")
def controls():
    from bench import cleaning_data as data

    return [c for c in data.clean_controls() if c.split == "test"]


@pytest.mark.parametrize("group", ["gold:oneline", "gold:wrapped", "gold:markdown", "licence", "readme", "note"])
def test_clean_documents_keep_their_sentences(controls, group):
    from bench import cleaning_data as data

    kind, _, layout = group.partition(":")
    docs = [c for c in controls if c.kind == kind and (not layout or c.layout == layout)]
    assert docs
    kept = total = 0
    for doc in docs:
        cleaned = clean_markdown(doc.text) if doc.markdown else clean_text(doc.text)
        text = cleaned.title + "\n\n" + cleaned.text
        missing = len(data.missing_sentences(text, list(doc.sentences)))
        kept += len(doc.sentences) - missing
        total += len(doc.sentences)
    assert kept / total >= _floors()["controls"][group], (group, kept / total)


@pytest.mark.parametrize("layout", ["markdown", "oneline", "wrapped"])
def test_held_out_technical_documents_keep_their_sentences(layout):
    """Installed Markdown documentation the page gate never saw (cleaning_data.tech_docs: its
    test split, /usr/share/doc; the gate learns from the node_modules tree), in three layouts."""
    from bench import cleaning_data as data

    docs = [d for d in data.tech_docs() if d.split == "test"]
    if not docs:
        pytest.skip("no Markdown documentation under /usr/share/doc on this machine")
    kept = total = 0
    for doc in docs:
        text = dict(doc.layouts())[layout]
        cleaned = clean_markdown(text) if layout == "markdown" else clean_text(text)
        missing = len(data.missing_sentences(cleaned.title + "\n\n" + cleaned.text, list(doc.sentences)))
        kept += len(doc.sentences) - missing
        total += len(doc.sentences)
    assert kept / total >= _floors()["tech_docs"][layout], (layout, kept / total)


def test_seed_style_spam_pages_keep_real_sentences_and_lose_noise():
    from bench import cleaning_data as data

    pages = [p for p in data.spam_pages() if p.split == "test"]
    real = kept = noise = removed = emptied = 0
    for page in pages:
        text = clean_text(page.text).text
        emptied += not text.strip()
        real += len(page.real_sentences)
        kept += len(page.real_sentences) - len(data.missing_sentences(text, list(page.real_sentences)))
        noise += len(page.noise_items)
        removed += len(page.noise_items) - len(data.noise_left(text, list(page.noise_items), list(page.real_sentences)))
    floors = _floors()["spam"]
    assert emptied == 0
    assert kept / real >= floors["kept"], kept / real
    assert removed / noise >= floors["removed"], removed / noise


@pytest.mark.parametrize("set_name", ["scrapinghub", "dragnet", "readability"])
def test_html_held_out_sites_at_least_trafilatura(set_name):
    """On sites never trained on, winnow's HTML path scores at least trafilatura alone (its defaults)."""
    import trafilatura

    from bench import cleaning_data as data

    pages = data.pages_in(set_name, "test")
    ours = data.shingle_f1([(p.gold, _strip(clean_html(p.html).text)) for p in pages])[0]
    theirs = data.shingle_f1([(p.gold, trafilatura.extract(p.html) or "") for p in pages])[0]
    assert ours >= theirs - _floors()["html_margin"], (ours, theirs)
    assert ours >= _floors()["html"][set_name], ours


@pytest.mark.parametrize("set_name", ["scrapinghub", "dragnet", "readability"])
def test_plain_text_dumps_of_held_out_pages(set_name):
    from bench import cleaning_data as data

    pages = data.pages_in(set_name, "test")
    f1 = data.shingle_f1([(p.gold, _strip(clean_text(data.plain_dump(p.html)).text)) for p in pages])[0]
    assert f1 >= _floors()["dumps"][set_name], f1
