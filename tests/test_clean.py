"""The cleaner: do no harm on clean text, with/without snippets on noisy pages, verdicts with reasons."""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
import textwrap

import pytest

from pipeline.blocks import Block, Kind
from pipeline.clean import CleanOptions, clean_blocks, clean_html, clean_markdown, clean_text, explain, split_runs
from pipeline.clean import model as scorer
from pipeline.clean.features import FEATURES, PAGE_FEATURES, page_features
from pipeline.readers import text as text_reader

from .conftest import PAGES, ROOT, SEEDS, SHARED_DATA


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@functools.lru_cache(maxsize=None)
def _cleaned(name: str) -> str:
    path = SEEDS / name if (SEEDS / name).exists() else PAGES / name
    raw = path.read_text(encoding="utf-8")
    doc = clean_html(raw, name) if name.endswith(".html") else clean_text(raw, name)
    return _norm(doc.text + " " + doc.title)


# --- do no harm: text that is already clean comes through whole -------------------------

ARTICLE = [
    "The harbour seal is a true seal found along temperate and Arctic coasts of the Northern Hemisphere.",
    "Adults weigh up to 130 kilograms, and females outlive males by several years.",
    "Harbour seals prefer to frequent familiar resting sites, such as rocky areas, sandbars and beaches, "
    "and they return to the same places year after year.",
    "Pups are born in spring and can swim within hours of birth, which lets them follow their mothers "
    "into the water when the tide comes in.",
]

MIT = """MIT License

Copyright (c) 2024 Example Contributors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


@pytest.mark.parametrize("layout", ["oneline", "wrapped", "markdown"])
def test_a_clean_article_keeps_every_sentence_in_every_layout(layout):
    if layout == "oneline":
        doc = clean_text("Harbour seal\n" + "\n".join(ARTICLE))
    elif layout == "wrapped":
        doc = clean_text("Harbour seal\n\n" + "\n\n".join(textwrap.fill(p, 72) for p in ARTICLE))
    else:
        doc = clean_markdown("# Harbour seal\n\n" + "\n\n".join(textwrap.fill(p, 80) for p in ARTICLE[:2])
                             + "\n\n## Habits\n\n- " + "\n- ".join(ARTICLE[2:]))
    text = _norm(doc.text)
    assert all(_norm(s) in text for s in ARTICLE), doc.text


def test_a_licence_keeps_all_of_its_words():
    doc = clean_text(MIT)
    assert not Counter(_words(MIT)) - Counter(_words(doc.title + " " + doc.text))


def test_a_short_note_keeps_every_line():
    note = "Team meeting\nAttendees: Maria Lopez, Tom Reed.\nNext meeting: 21 March, room 3B.\n"
    text = clean_text(note).text
    assert "Team meeting" in text  # the first line, read as the title, stays in the text too
    assert "Attendees: Maria Lopez, Tom Reed." in text and "Next meeting: 21 March, room 3B." in text


def test_a_first_line_read_as_the_title_stays_in_the_text_when_a_heading_follows_it():
    # The dateline became the title and the headline a heading right under it: the dateline
    # was printed nowhere (the text of 1 in 5 gold controls lost its first line).
    page = "July 24, 2012 12:11 AM\nLatest search falls short\n" + "\n".join(ARTICLE)
    doc = clean_text(page)
    assert doc.title == "July 24, 2012 12:11 AM"
    assert doc.text.startswith("July 24, 2012 12:11 AM\n\n# Latest search falls short\n\n")
    assert doc.text.count("July 24, 2012") == 1


def test_a_given_title_is_not_repeated_as_text():
    doc = clean_markdown("---\ntitle: Harbour seal\n---\n\n# Harbour seal\n\n## Habits\n\n" + "\n\n".join(ARTICLE))
    assert doc.title == "Harbour seal" and doc.text.startswith("# Habits\n\n")


def _judged(lines_and_keeps):
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged

    return [Judged(Block(Kind.ITEM, text), Verdict(keep, "model", "test", 0.9 if keep else 0.2))
            for text, keep in lines_and_keeps]


def test_a_run_of_label_value_lines_is_judged_as_one_record():
    from pipeline.clean import keep_field_runs

    record = _judged([("Formula: PbS", False), ("Crystal system: Cubic", True), ("Hardness: 2.5", False),
                      ("Streak: Lead grey", False), ("A sentence after the record, with no label at all.", False)])
    out = keep_field_runs(record)
    assert [j.verdict.keep for j in out] == [True, True, True, True, False]
    assert out[0].verdict.by == "fields" and out[1].verdict.by == "model"
    # a record nobody kept a line of stays dropped
    assert not any(j.verdict.keep for j in keep_field_runs(_judged([(j.block.text, False) for j in record[:4]])))


def test_label_value_lines_that_are_not_a_record_are_judged_alone():
    from pipeline.clean import keep_field_runs

    repeated = _judged([("Recommended: Rivers in spring", True), ("Recommended: Snow on the pass", False),
                        ("Recommended: A new bridge", False)])  # one label over and over: a list of links
    two = _judged([("Formula: PbS", True), ("Hardness: 2.5", False)])  # too short to be a record
    headlines = _judged([("Formula: PbS", True), ("Weather: Storms close every road into the valley for a week", False),
                         ("Hardness: 2.5", False)])  # a headline after a colon breaks the run
    links = _judged([("Twitter: @example", True), ("Next post: Spring", False), ("Site: www.example.org", False)])
    for judged in (repeated, two, headlines, links):
        assert [j.verdict.keep for j in keep_field_runs(judged)] == [j.verdict.keep for j in judged]


def test_a_list_on_clean_text_keeps_the_entries_the_model_doubted_when_most_stay():
    from pipeline.clean import keep_lists_whole

    names = _judged([("Maria Lopez", True), ("Tom Reed", False), ("Anna Berg", True), ("Late afternoon sun", True)])
    assert [j.verdict.keep for j in keep_lists_whole(names)] == [True] * 4
    assert keep_lists_whole(names)[1].verdict.by == "list"
    menu = _judged([("Home", False), ("About", False), ("Contact", True)])  # most entries go: judged alone
    assert [j.verdict.keep for j in keep_lists_whole(menu)] == [False, False, True]


def test_unstopped_lines_on_clean_text_keep_the_lines_the_model_doubted_when_most_stay():
    """A list or a changelog written one entry a line, without bullets, is one structure like a
    list (a release changelog's "[hash] - area: change (author)" lines scored under 0.1 one by one)."""
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged, keep_lists_whole

    def lines(texts_and_keeps):
        return [Judged(Block(Kind.PARAGRAPH, text), Verdict(keep, "model", "test", 0.9 if keep else 0.05))
                for text, keep in texts_and_keeps]

    changelog = lines([("Version 3.1.0 reads the harbour office's new files.", True),
                       ("[4f2a9c1e0b] - parser: read tide tables with a missing header row (Ana Silva)", True),
                       ("[9b3e71d2a4] - cli: add a week option to the forecast command (Tom Reed)", False),
                       ("[0c5d8e6f17] - tz: keep the summer time offset for southern ports (Lee Park)", True)])
    assert [j.verdict.keep for j in keep_lists_whole(changelog)] == [True] * 4
    assert "unstopped lines" in keep_lists_whole(changelog)[2].verdict.reason
    two = lines([("Maria Lopez", True), ("Tom Reed", False)])  # too short a stretch to be a structure
    assert [j.verdict.keep for j in keep_lists_whole(two)] == [True, False]
    menu_line = lines([("Wiki.png", True), ("Search the site", True), ("Navigation: Home - News - Drugs - Recipes", False),
                       ("Ask a doctor", True)])  # a menu's labels run into one line are not an entry
    assert [j.verdict.keep for j in keep_lists_whole(menu_line)] == [True, True, False, True]


def _settings_page(see_also=("ports", "config", "tables", "help", "install")) -> str:
    """A command's settings page as plain text, one paragraph a line: six settings, each a name, its
    default, its type and two sentences, then a "See Also" list of other commands."""
    lines = ["Config", "Description",
             "Tide reads its settings from the command line, from the environment and from tide.toml files, in that order.",
             "Each setting below says its default, its type and what it changes; a setting given twice takes the value "
             "given last."]
    for i, name in enumerate(("days", "zone", "format", "units", "offline", "cache")):
        lines += [name, f"Default: {i + 1}", f"Type: {('Number', 'String', 'Boolean')[i % 3]}",
                  f"The {name} setting changes how the forecast is worked out or shown, and it is read once when the "
                  "command starts.",
                  "Set it in tide.toml to keep it for every run, or give it on the command line to change it for one run only."]
    return "\n".join(lines + ["See Also"] + [f"tide {w}" for w in see_also]) + "\n"


def test_a_page_the_block_scorer_keeps_nearly_whole_is_clean_text_whatever_the_gate_says(monkeypatch):
    """The gate reads a settings page's short lines as a noisy page's (0.29); the block scorer keeps 98% of
    its words. Judged as noisy, it lost "tide help" and "tide install" of its See Also list."""
    import pipeline.clean as clean

    page = _settings_page()
    verdict, judged = explain(page, "text")
    assert "page score 0.2" in verdict and "the block scorer keeps 98% of its words: clean text" in verdict
    assert all(j.verdict.keep for j in judged), [j.block.text for j in judged if not j.verdict.keep]
    assert "the block scorer keeps 98%" in judged[0].verdict.reason
    monkeypatch.setattr(clean, "SCORER_CLEAN_WORD_SHARE", 1.01)  # the gate alone: as before
    verdict, judged = explain(page, "text")
    assert "a noisy page" in verdict
    assert [j.block.text for j in judged if not j.verdict.keep] == ["tide help", "tide install"]


def test_a_table_on_clean_text_keeps_the_rows_the_model_doubted_when_most_stay():
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged, keep_lists_whole

    def rows(cells_and_keeps):
        return [Judged(Block(Kind.ROW, text), Verdict(keep, "model", "test", 0.9 if keep else 0.05))
                for text, keep in cells_and_keeps]

    table = rows([("what | figure", True), ("HTML F1 | 0.950", True), ("pages | F1 0.952 | pytest -k gate", False)])
    assert [j.verdict.keep for j in keep_lists_whole(table)] == [True] * 3
    assert "rows of its table" in keep_lists_whole(table)[2].verdict.reason
    menu = rows([("Home | About", False), ("Log in | Sign up", False), ("Prices | Plans", True)])
    assert [j.verdict.keep for j in keep_lists_whole(menu)] == [False, False, True]


def test_every_row_of_the_project_readmes_tables_stays():
    _, judged = explain((ROOT / "README.md").read_text(encoding="utf-8"), "markdown")
    rows = [j for j in judged if j.block.kind is Kind.ROW]
    assert rows and all(j.verdict.keep for j in rows), [j.block.text[:60] for j in rows if not j.verdict.keep]


def test_a_markdown_list_of_code_spans_is_kept_as_written_on_a_noisy_page():
    links = ("Home", "News", "Shop", "Blog", "Log in", "Sign up", "Contact")
    menu = "\n".join(f"- [{w}](/{w.lower().replace(' ', '-')})" for w in links)
    page = (f"{menu}\n\n# Selectors\n\nThe library supports these combinators and many more of the level four "
            "draft.\n\n- `parent > child`\n- `sibling ~ sibling`\n- `sibling + sibling`\n\n"
            f"Share on Facebook | Share on X | Email\n\n{menu}\n")
    verdict, judged = explain(page, "markdown")
    assert "noisy" in verdict
    code = [j for j in judged if j.block.code]
    assert [j.block.text for j in code] == ["parent > child", "sibling ~ sibling", "sibling + sibling"]
    assert all(j.verdict.keep and j.verdict.by == "reader" for j in code)
    assert "sibling ~ sibling" in clean_markdown(page).text


def test_an_api_page_keeps_its_method_names_written_in_code_on_a_noisy_page():
    """A reference page heads each method with its name in code spans (### `Table.close([callback])`).
    Judged as headings, the names went with the one-line notes under them ("See Reader.close().")."""
    links = ("Home", "News", "Shop", "Blog", "Log in", "Sign up", "Contact")
    menu = "\n".join(f"- [{w}](/{w.lower().replace(' ', '-')})" for w in links)
    page = (f"{menu}\n\n# Class: Table\n\nA table of tides read from one harbour office's file, with times in the "
            "port's own time zone.\n\n### `Table.closed`\n\nImplements [Reader.closed](Reader.md).\n\n"
            "### `Table.close([callback])`\n\nSee [Reader.close()](Reader.md).\n\n"
            f"Share on Facebook | Share on X | Email\n\n{menu}\n")
    verdict, judged = explain(page, "markdown")
    assert "noisy" in verdict
    names = [j for j in judged if j.block.kind is Kind.HEADING and j.block.code]
    assert [j.block.text for j in names] == ["Table.closed", "Table.close([callback])"]
    assert all(j.verdict.keep and j.verdict.by == "reader" for j in names)
    assert "Table.close([callback])" in clean_markdown(page).text


def test_the_project_readme_comes_through_whole():
    """Every word of the README's text, counted word by word (it compared counts and allowed
    3% to go). Markup is not text: a code fence's language tag, an ordered list's numbers,
    inline code and emphasis marks, link addresses, and a one-word wiki marker in brackets,
    which the normalise pass drops by rule."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    doc = clean_markdown(readme)
    kept = Counter(_words(doc.text + " " + doc.title))
    text = re.sub(r"^(\s*)(?:```+\s*\w*|\d+\.(?=\s))", r"\1", readme, flags=re.M)
    text = re.sub(r"`|(?<!\w)\*+|\*+(?!\w)", "", text)  # inline code and emphasis marks: "`NAME`s" is one word
    text = re.sub(r"\]\([^()\s]*\)", "]", text)  # a link's address is not text, its words are
    markers = Counter(w for marker in re.findall(r"\[(\w+)\]", text) for w in _words(marker))
    lost = Counter(_words(text)) - kept - markers
    assert not lost, f"{sum(lost.values())} words lost: {lost.most_common(20)}"


# Technical Markdown (written here): a maintainer's guide and a small package README.
GUIDE = """\
# Releasing a new version

This guide describes how a maintainer cuts a release of the tide library. It takes about
an hour, most of it waiting for the build machines.

## Before you start

You need push access to the main repository and a signing key that the other
maintainers have verified. Check that the key has not expired with `gpg --list-keys`.

## Steps

1. Make sure the `main` branch is green on every platform.
2. Update the version in `pyproject.toml` and the date in `CHANGES.md`.
3. Open a pull request titled "Release 1.4.0" and wait for one approval.
4. Merge it, then tag the merge commit with `git tag -s v1.4.0`.
5. Push the tag. The release workflow builds the wheels and uploads them.

## If something goes wrong

A failed upload can be retried from the workflow page. Never delete a tag that
has been pushed: other people may already have fetched it. Publish a new patch
release instead.

## Options of the release script

- `--dry-run`: build everything but upload nothing
- `--skip-docs`: do not rebuild the documentation site
- `--notes FILE`: use these release notes instead of the changelog section

## After the release

Announce the release on the mailing list and close the milestone. If the release
fixes a security problem, follow the disclosure policy as well.
"""

PACKAGE_README = """\
# quill

[![build](https://ci.example.org/quill/badge.svg)](https://ci.example.org/quill)
[![version](https://img.example.org/v/quill.svg)](https://pkg.example.org/quill)

A small library that reads tide tables and answers when the next high water is.

## Installation

```
pip install quill
```

## Quick start

```python
import quill
table = quill.load("brest.csv")
print(table.next_high())
```

## Features

- Reads CSV, JSON and the harbour office's fixed-width files
- `next_high()` and `next_low()` with time zones
- Works offline
- No dependencies

## Command line

| Command | What it does |
| --- | --- |
| `quill next` | the next high and low water |
| `quill week` | a week of tides |
| `quill check FILE` | validates a table |

## Options

- `--port NAME`: the harbour to read
- `--tz ZONE`: the time zone of the output
- `--json`: print one JSON document

## Changelog

### 1.2.0

- Added `quill week`.
- Fixed the summer time offset.

### 1.1.0

- First release on the package index.

## Contributing

Bug reports and pull requests are welcome.
Please run the tests before you open one.

## License

MIT
"""


def _markdown_text_kept(markdown: str) -> list[str]:
    """The sentences of the headings, paragraphs and list entries a reader sees that the cleaned text lacks."""
    from bench.cleaning_data import markdown_units, split_sentences

    doc = clean_markdown(markdown)
    out = _norm(doc.title + " " + doc.text.replace("\n- ", " "))
    units, _ = markdown_units(markdown)
    return [s for u in units for s in split_sentences(u) if _norm(s) not in out]


def test_a_maintainers_guide_in_markdown_comes_through_whole():
    """Numbered steps with code spans, an option list, short headings: clean text, judged so by the page gate."""
    verdict, _ = explain(GUIDE, "markdown")
    assert "clean text" in verdict
    assert _markdown_text_kept(GUIDE) == []


# A changelog written here: version sections of one-line entries, each "[commit] - area: change
# (author) #pull". Alone, each entry reads like a menu line (under 0.1, far from prose).
CHANGELOG = """\
# Changelog

All notable changes to the tide library are listed here, newest first. Each entry names the
area it touches and the pull request that made it.

## 2.1.0 (2024-03-02)

- [a41f3c2] - parser: read tide tables with a missing header row (Ana Silva) #212
- [9be0d17] - cli: add a --week option to the forecast command (Tom Reed) #208
- [c7e21aa] - docs: explain how the harbour offsets are computed (Ana Silva) #205
- [54d0f9e] - tz: keep the summer time offset for southern ports (Lee Park) #201
- [e13b8c4] - build: drop support for the oldest interpreter (Tom Reed) #199

## 2.0.1 (2024-01-15)

- [0f3a7d1] - parser: stop reading past the end of a short file (Lee Park) #196
- [d82c5e3] - cli: print errors on standard error, not on the output (Ana Silva) #193
- [77b9a20] - data: update the list of ports in Norway (Maria Lopez) #190

## 2.0.0 (2023-12-01)

- [3c9e6f4] - (BREAKING) api: rename `Tide.height` to `Tide.level` (Tom Reed) #181
- [a5d1b72] - api: return times in the port's own time zone (Lee Park) #178
- [6e2f0c9] - tests: cover the leap second of 2016 (Maria Lopez) #175
- [b90a4d3] - deps: require the newer calendar package (Ana Silva) #172

## Other versions

- [1.x](CHANGELOG_V1.md)
- [0.x](CHANGELOG_V0.md)
"""


def test_a_markdown_changelogs_entries_come_through_whole():
    """A list its writer filled with entries of their own (not links) keeps them on a clean page."""
    verdict, judged = explain(CHANGELOG, "markdown")
    assert "clean text" in verdict
    out = _norm(clean_markdown(CHANGELOG).text)
    entries = [j.block.text for j in judged if j.block.kind is Kind.ITEM and j.block.link_share < 0.5]
    assert len(entries) == 12 and [e for e in entries if _norm(e) not in out] == []
    links = [j for j in judged if j.block.kind is Kind.ITEM and j.block.link_share == 1.0]
    assert len(links) == 2 and not any(j.verdict.by == "list" for j in links)  # a list of links is judged entry by entry


def test_a_plain_text_list_is_not_taken_for_a_writers_list():
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged, keep_written_lists

    def entries(list_id):
        return [Judged(Block(Kind.ITEM, f"{name} wins the cup final after extra time", list_id=list_id),
                       Verdict(False, "model", "test", 0.05)) for name in ("Leeds", "Derby", "Hull")]

    assert not any(j.verdict.keep for j in keep_written_lists(entries(-1)))  # bullets guessed from plain text
    assert all(j.verdict.keep for j in keep_written_lists(entries(0)))


# A release changelog in the shape of a large project's: a list of links to the other versions,
# then per release a line of notable changes and a list of commits, each "[hash] - area: change
# (author) #pull" with the hash and the pull request linked. The gate judges it noisy.
_AREAS = ("parser", "cli", "docs", "tz", "build", "tests", "deps", "api", "data", "net")
_CHANGES = ("read tide tables with a missing header row", "add a week option to the forecast command",
            "explain how the harbour offsets are computed", "keep the summer time offset for southern ports",
            "drop support for the oldest interpreter", "cover the leap second of 2016",
            "require the newer calendar package", "return times in the port's own time zone",
            "update the list of ports in Norway", "retry a download that timed out")
_PEOPLE = ("Ana Silva", "Tom Reed", "Lee Park", "Maria Lopez")


def _release_changelog(releases: int = 4, commits: int = 20, addresses: int = 0) -> str:
    lines = ["# Tide 3 changelog", "", "* Other versions"] + [f"  * [{v}.x](CHANGELOG_V{v}.md)" for v in range(3)]
    n = 0
    for minor in range(releases):
        lines += ["", f"## 2024-0{minor + 1}-10, Version 3.{minor}.0, @tidebot", "", "### Notable changes", "",
                  f"Version 3.{minor}.0 reads the harbour office's new files and fixes the offsets of two ports.",
                  "", "### Commits", ""]
        for _ in range(commits):
            n += 1
            sha = f"{(n * 2654435761) % 16**10:010x}"
            lines.append(f"* \\[[`{sha}`](https://example.org/tide/commit/{sha})] - **{_AREAS[n * 3 % 10]}**: "
                         f"{_CHANGES[n * 7 % 10]} ({_PEOPLE[n % 4]}) [#{900 - n}](https://example.org/tide/pull/{900 - n})")
        # the release's commits again as addresses written out, one a paragraph (autolinks)
        lines += [line for k in range(addresses) for line in ("", f"<https://example.org/tide/commit/{minor}{k:09x}>")]
    return "\n".join(lines) + "\n"


def test_a_release_changelog_the_gate_doubts_keeps_its_entries():
    """A Markdown page with lists and almost no links is a document, judged as clean text even
    when the page gate scores it as noisy (it kept 48 of its 101 blocks)."""
    changelog = _release_changelog()
    verdict, judged = explain(changelog, "markdown")
    assert "page score 0.1" in verdict and "a Markdown document with few links: clean text" in verdict
    entries = [j for j in judged if j.block.kind is Kind.ITEM and j.block.link_share < 0.5 and j.block.list_id > 1]
    assert len(entries) == 80 and all(j.verdict.keep for j in entries)
    assert _markdown_text_kept(changelog) == []


def test_a_changelog_that_writes_out_its_commit_addresses_keeps_its_entries():
    """An address shown as itself (<https://...>) is a reference written out, not a menu's label:
    it does not make the page a web page's (it kept 54 of the 80 blocks)."""
    changelog = _release_changelog(releases=3, addresses=1)
    verdict, judged = explain(changelog, "markdown")
    assert "page score 0.1" in verdict and "a Markdown document with few links: clean text" in verdict
    entries = [j for j in judged if j.block.kind is Kind.ITEM and j.block.link_share < 0.5 and j.block.list_id > 1]
    assert len(entries) == 60 and all(j.verdict.keep for j in entries)


def test_a_web_page_saved_as_markdown_is_not_taken_for_a_document():
    from pipeline.clean import few_links

    menu = [Block(Kind.ITEM, name, link_share=1.0, list_id=0, site_links=True) for name in ("Home", "News", "Contact")]
    body = [Block(Kind.PARAGRAPH, f"Paragraph {i} of the article, written as a sentence.") for i in range(12)]
    related = [Block(Kind.PARAGRAPH, "Read more: the harbour at night", link_share=1.0)]
    assert few_links(body + [Block(Kind.ITEM, "a written entry of four words", list_id=1)])
    assert not few_links(menu + body + related)  # two of its 14 units (the menu list once) are links
    assert not few_links(body)  # no list the Markdown reader saw


def test_a_readme_whose_lists_link_elsewhere_is_a_document():
    """A README's lists of links (its documentation, its community, talks about it, a table of
    contents) lead to addresses and anchors, not to the paths of a site: content its writer gave, not
    a menu. Narwhals's README, five such lists among 43 units, was taken for a web page (33 of its
    125 sentences lost; 8 now, its table of contents kept by keep_written_lists)."""
    from pipeline.clean import few_links
    from pipeline.readers import markdown

    prose = "\n\n".join(f"Paragraph {i} of the package's own description, written as a sentence." for i in range(12))
    links = ("- [Read the documentation](https://example.org/docs/)\n- [Chat with us](https://chat.example.com/x)\n"
             "- [Installation](#installation)\n")
    readme = "# Package\n\n" + links + "\n" + prose + "\n\n" + links.replace("Read", "Browse") + "\n- a written entry\n"
    assert few_links(markdown.read(readme)[1])
    site = readme.replace("https://example.org/docs/", "/docs/").replace("https://chat.example.com/x", "/chat")
    site = site.replace("#installation", "/install")
    assert not few_links(markdown.read(site)[1])  # the same lists linking to the site's own pages: menus


def test_a_readme_paragraph_that_cites_another_project_is_not_navigation():
    """A paragraph whose link leads to another project's address ("7Zip [plugin](https://...)") is a
    reference its writer gave, as a list of such links is; a web page's navigation links to the site's
    own paths, or runs several links into one menu line. Brotli's README, two such paragraphs among 35
    units (0.057 of them), was taken for a web page: 12 of its 44 sentences lost (1 now)."""
    from pipeline.clean import few_links
    from pipeline.readers import markdown

    prose = "\n\n".join(f"Paragraph {i} of the package's own description, written as a sentence." for i in range(12))
    related = "\n\n".join(f"Port number {i} in [another language](https://example.org/port{i})" for i in range(2))
    readme = "# Package\n\n" + prose + "\n\n- a written entry\n- another entry\n\n" + related + "\n"
    assert few_links(markdown.read(readme)[1])
    site = readme.replace("https://example.org/", "/")
    assert not few_links(markdown.read(site)[1])  # the same paragraphs linking to the site's own pages
    share = ("Share: [Facebook](https://facebook.example/sharer) · [Twitter](https://x.example/intent) · "
             "[Email](mailto:)\n")
    assert not few_links(markdown.read(readme.replace(related, share))[1])  # a menu line of links: navigation


def test_a_documents_table_of_contents_stays():
    """On a clean page, a Markdown list whose entries name the headings that follow is the page's table of
    contents, kept whole whatever the scorers said of its one-word entries (a README's "Installation",
    "Usage", "Roadmap"...: narwhals lost 10 of them); a list of links naming no heading is left to them."""
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged, keep_written_lists

    def page(entries: list[str]) -> list:
        contents = [Judged(Block(Kind.ITEM, e, link_share=1.0, list_id=0), Verdict(False, "context", "test", 0.1))
                    for e in entries]
        body = [Judged(Block(kind, text), Verdict(True, "model", "test", 0.9))
                for h in ("Installation", "Usage", "Roadmap")
                for kind, text in ((Kind.HEADING, h), (Kind.PARAGRAPH, f"What {h.lower()} means, in a sentence."))]
        return contents + body

    kept = keep_written_lists(page(["Installation", "Usage", "Roadmap"]))
    assert all(j.verdict.keep for j in kept) and kept[0].verdict.by == "list"
    assert not any(j.verdict.keep for j in keep_written_lists(page(["Home", "Shop", "Usage"]))[:3])


def test_a_small_package_readme_comes_through_whole():
    """The gate scores a small README (badges, a table, many short sections) as noisy; its lists and
    few links make it a Markdown document, judged as clean text."""
    verdict, _ = explain(PACKAGE_README, "markdown")
    assert "a Markdown document with few links" in verdict
    assert _markdown_text_kept(PACKAGE_README) == []


def test_hard_wrapped_text_cleans_like_the_same_text_unwrapped():
    page = "Harbour seal\n\n" + "\n\n".join(ARTICLE)
    wrapped = "Harbour seal\n\n" + "\n\n".join(textwrap.fill(p, 72) for p in ARTICLE)
    assert clean_text(page).text == clean_text(wrapped).text


def test_front_matter_gives_the_title_not_passages():
    doc = clean_markdown("---\ntitle: Seal notes\ndate: 2024-05-01\n---\n\n" + "\n\n".join(ARTICLE))
    assert doc.title == "Seal notes" and "2024-05-01" not in doc.text


# --- noisy pages: what must stay and what must go ------------------------------------------

SEED_CASES = {
    "000_c69c18c8cd78b24d.txt": {
        "with": [
            "Immune-mediated necrotizing myopathy; Anti-HMG-CoA myopathy",
            "characterized clinically by acute or subacute proximal muscle weakness",
            "About 300 cases have been reported to date.",
            "Malignancy may be involved.",
            "Age of onset ranges from 30 to 70 years of age in reported cases.",
            "Electromyography (EMG) shows myopathic findings.",
            "Anti-SRP and anti-HMGCoAR autoantibodies are frequently associated with this condition.",
            "Currently, seronegative NAM represents 20-30% of the cases.",
            "Rituximab has also shown beneficial effects.",
        ],
        "without": ["[edit", "edit source", "Navigation:", "Wiki.png", "Doctor showing form.jpg"],
        # furniture the learned cleaner still keeps: test_seed_noise_still_kept fails once one goes
        "kept": ["Search WikiMD", "Advertise on WikiMD", "Semaglutide", "Contributors:"],
    },
    "001_29c12b9494eedbdc.txt": {
        "with": [
            "the introduction of steroid-sparing medications should be considered when appropriate.",
            "Observational studies show that patients anti-SRP patients usually respond well to treatment with rituximab.",
            "Rituximab belongs to a class of drugs called monoclonal antibodies.",
            "Interstitial lung disease (ILD) may also be present, but it is usually mild.",
            "Long-term steroid use may be a major source of morbidity.",
            # glued to the address below with no full stop between: the runs scorer keeps the two
            "Immune-Mediated Necrotizing Myopathy (IMNM), also referred to as Necrotizing Autoimmune Myopathy (NAM)",
        ],
        "without": ["service close in marketing"],
        "kept": ["9125 N. Old State Road"],
    },
    "002_55a4466ce43109b8.txt": {
        "with": [
            "C5b-9 deposition on non-necrotic myofibers.",
            "HLA-DRB1*11:01 allele in adult patients with anti-HMGCR autoantibodies",
            "In children, the progressive form of the disease may mimic muscular dystrophy.",
            "Exercise is recommended to improve muscle strength.",
            "Early age of onset is a poor prognosis factor for muscle strength recovery.",
            # the fact sheet: "is it inherited" is answered here only
            "Prevalence: Unknown", "Inheritance: Not applicable", "ICD-10: G72.4",
        ],
        "without": ["Search for a rare disease", "Other search option"],
    },
}


@pytest.mark.parametrize("name", sorted(SEED_CASES))
def test_seed_content_is_kept(name):
    text = _cleaned(name)
    missing = [s for s in SEED_CASES[name]["with"] if _norm(s) not in text]
    assert not missing, f"real content lost from {name}: {missing}"


@pytest.mark.parametrize("name", sorted(SEED_CASES))
def test_seed_noise_is_gone(name):
    text = _cleaned(name)
    left = [s for s in SEED_CASES[name]["without"] if _norm(s) in text]
    assert not left, f"noise left in {name}: {left}"


# One probe per piece of furniture: a page-wide probe passed only once every piece had gone,
# so a piece the cleaner came to drop went unnoticed ("service close in marketing" had).
@pytest.mark.parametrize("name, furniture", [(n, s) for n in sorted(SEED_CASES) for s in SEED_CASES[n].get("kept", [])])
@pytest.mark.xfail(strict=True, reason="seed furniture the learned cleaner still keeps (README, Measured)")
def test_seed_noise_still_kept(name, furniture):
    assert _norm(furniture) not in _cleaned(name)


def test_seed_headings_become_sections():
    doc = clean_text((SEEDS / "000_c69c18c8cd78b24d.txt").read_text(encoding="utf-8"))
    headings = [s.heading for s in doc.sections]
    assert {"Definition", "Epidemiology", "Diagnosis"} <= set(headings)
    assert doc.title == "Necrotizing autoimmune myopathy"


def test_a_run_of_sentences_is_judged_sentence_by_sentence():
    """A spun page is one line: its real sentences stay, the page is never emptied."""
    page = " ".join(ARTICLE * 3) + " Home | News | Sport | Contact " + " ".join(ARTICLE)
    judged = clean_blocks([Block(Kind.PARAGRAPH, page)])
    assert len(judged) >= 10 and all(j.block.kind is Kind.SENTENCE for j in judged)
    doc = clean_text(page)
    assert all(_norm(s) in _norm(doc.text) for s in ARTICLE)


def test_html_headings_kept_as_sections():
    doc = clean_html((PAGES / "sourdough.html").read_text(encoding="utf-8"))
    headings = [s.heading for s in doc.sections]
    assert "Feeding schedule" in headings and "Signs of trouble" in headings


def test_clean_is_idempotent_on_its_own_output():
    for name in ("000_c69c18c8cd78b24d.txt", "002_55a4466ce43109b8.txt"):
        once = clean_text((SEEDS / name).read_text(encoding="utf-8"))
        again = clean_markdown(once.text)
        assert _words(again.text) == _words(once.text)


@pytest.mark.parametrize("name", ["a", "b", "c", "d", "e", "seeds"])
def test_labeled_pages_gate(name):
    """Labelled pages by authors who never saw the cleaner (never trained on): content kept, noise removed."""
    from bench.bench_labeled import LABELED, measure_set

    floors = json.loads((PAGES.parent / "clean_baseline.json").read_text(encoding="utf-8"))["labeled"][name]
    m = measure_set(LABELED / name)
    assert m["content_kept"] >= floors["content_kept"], (m["content_kept"], [r["lost"] for r in m["pages"].values()])
    assert m["noise_removed"] >= floors["noise_removed"], (m["noise_removed"], [r["left"] for r in m["pages"].values()])


# --- verdicts and reasons ------------------------------------------------------------------


def test_every_block_has_a_verdict_with_a_reason():
    nav = "Home | News | Sport | Weather | Contact\nShare on Facebook | Share on Twitter | Email\nSign in | Subscribe\n"
    raw = nav + "\n".join(ARTICLE) + "\n" + nav + "Cookie policy | Privacy policy | Terms of use\n"
    page, judged = explain(raw, "text")
    assert page.startswith("page score ")
    assert judged and all(j.verdict.by and j.verdict.reason for j in judged)
    dropped = [j for j in judged if not j.verdict.keep]
    assert dropped and all(not j.block.text.endswith(".") for j in dropped), "menus go, sentences stay"
    model_drops = [j for j in dropped if j.verdict.by == "model"]
    assert all(any(name in j.verdict.reason for name in FEATURES) for j in model_drops)


def test_code_is_kept_and_wordless_blocks_are_dropped():
    judged = clean_blocks([Block(Kind.PARAGRAPH, ARTICLE[0]), Block(Kind.CODE, "x = 1\ny = 2"),
                           Block(Kind.PARAGRAPH, "* * * ---- ***")])
    by_text = {j.block.text: j.verdict for j in judged}
    assert by_text["x = 1\ny = 2"].keep and by_text["x = 1\ny = 2"].by == "reader"
    assert not by_text["* * * ---- ***"].keep and by_text["* * * ---- ***"].by == "empty"


def test_a_trusted_source_keeps_every_block():
    raw = (SEEDS / "000_c69c18c8cd78b24d.txt").read_text(encoding="utf-8")
    doc = clean_text(raw, options=CleanOptions(trusted=True))
    assert "Search WikiMD" in doc.text and doc.kept_words == doc.words


def test_control_characters_never_reach_the_text():
    doc = clean_text("Title\n\n" + ARTICLE[0] + "\x1b]0;PWNED\x07 " + ARTICLE[1])
    assert "\x1b" not in doc.text and "\x07" not in doc.text


def test_the_model_is_plain_numbers_for_these_features():
    data = json.loads(scorer.MODEL_PATH.read_text(encoding="utf-8"))
    for part, names in (("blocks", FEATURES), ("runs", FEATURES), ("page", PAGE_FEATURES)):
        assert set(data[part]["features"]) <= set(names)
    for part in ("blocks", "page"):
        assert 0 < data[part]["threshold"] < 1 and len(data[part]["trees"]) >= 50
        assert all(isinstance(v, (int, float)) for tree in data[part]["trees"] for v in tree["threshold"])
    assert data["meta"]["trained_by"] == "python -m pipeline.clean.train"


def test_the_page_gate_is_measured_out_of_fold_by_site(capsys):
    """train.py --folds: every page is judged by a gate fitted without its site's pages."""
    import numpy as np

    from pipeline.clean import train

    assert train.fold_of("example.com", 5) == train.fold_of("example.com", 5)
    assert {train.fold_of(f"site{i}.org", 5) for i in range(50)} == set(range(5))
    rng = np.random.default_rng(0)
    pages = []
    for i in range(100):  # clean and noisy pages that overlap a little; one site holds one of each
        pages.append(([rng.uniform(0.0, 0.5)] * len(PAGE_FEATURES), 1, "control:oneline", f"site{i}.org"))
        pages.append(([rng.uniform(0.45, 1.0)] * len(PAGE_FEATURES), 0, "dump:dragnet", f"site{i}.org"))
    train.report_pages_out_of_fold(pages, 5)
    out = capsys.readouterr().out
    assert "out of fold (5 folds of sites)" in out
    shares = {g: float(v) for g, v in re.findall(r"(control:oneline|dump:dragnet) \((?:clean|noisy)\)\s+pages\s+100\s+"
                                                  r"judged clean ([\d.]+)", out)}
    assert shares["control:oneline"] >= 0.7 and shares["dump:dragnet"] <= 0.15, out


def test_the_block_scorer_is_fitted_on_the_features_model_json_names():
    """train.py fits the block scorer on BLOCK_FEATURES: the shipped section reads exactly those."""
    from pipeline.clean import train

    data = json.loads(scorer.MODEL_PATH.read_text(encoding="utf-8"))
    assert tuple(data["blocks"]["features"]) == train.BLOCK_FEATURES
    assert set(train.BLOCK_FEATURES) < set(FEATURES)


def test_a_refit_writes_the_same_numbers_twice():
    """Same examples, same trees, same JSON: train.py's fits and export are deterministic
    (fixed seeds, no hash order), so model.json can be checked against a refit byte for byte."""
    import numpy as np

    from pipeline.clean import train

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(400, 5))
    y = (x[:, 0] + 0.3 * rng.uniform(0, 1, 400) > 0.6).astype(int)
    w = np.log1p(rng.integers(1, 30, 400).astype(float))
    names = tuple(f"f{i}" for i in range(5))
    first, second = (json.dumps(train.export(train.fit_trees(x, y, w, 20), 0.5, names), separators=(",", ":"))
                     for _ in range(2))
    assert first == second
    assert len(json.loads(first)["trees"]) == 20


def test_a_model_for_other_features_is_refused():
    data = json.loads(scorer.MODEL_PATH.read_text(encoding="utf-8"))
    data["blocks"]["features"] = data["blocks"]["features"][:-1] + ["a_feature_this_code_lacks"]
    with pytest.raises(scorer.ModelMismatch, match="a_feature_this_code_lacks"):
        scorer.from_dict(data)


def test_a_scorer_fitted_on_some_features_reads_rows_of_all():
    """A section may name a subset of the features in another order: same scores."""
    data = json.loads(scorer.MODEL_PATH.read_text(encoding="utf-8"))
    names = list(FEATURES)
    order = names[::-1]  # the same features numbered the other way round
    moved = json.loads(json.dumps(data["blocks"]))
    moved["features"] = order
    for tree in moved["trees"]:
        tree["feature"] = [order.index(names[f]) if f >= 0 else f for f in tree["feature"]]
    rows = [[(i * 7 + j * 3) % 5 / 2 for j in range(len(FEATURES))] for i in range(20)]
    a = scorer.trees_from_dict(data["blocks"], FEATURES).log_odds(rows)
    b = scorer.trees_from_dict(moved, FEATURES).log_odds(rows)
    assert (a == b).all()
    assert not (a == a[0]).all()  # the rows do tell apart


def test_scoring_walks_the_trees_as_written():
    """The vectorised walk gives exactly what walking each tree by hand gives."""
    m = scorer.load().blocks
    rows = [[(i * 7 + j * 3) % 5 / 2 for j in range(len(FEATURES))] for i in range(20)]  # exact in float32

    def by_hand(row):
        total = 0.0
        for t in range(m.feature.shape[0]):
            node = 0
            while m.feature[t, node] >= 0:
                node = m.left[t, node] if row[m.feature[t, node]] <= m.threshold[t, node] else m.right[t, node]
            total += m.value[t, node]
        return m.prior + m.learning_rate * total

    assert max(abs(a - by_hand(r)) for a, r in zip(m.log_odds(rows), rows)) < 1e-9


def test_cleaning_is_deterministic():
    raw = (SEEDS / "001_29c12b9494eedbdc.txt").read_text(encoding="utf-8")
    assert clean_text(raw).text == clean_text(raw).text


def test_a_page_is_never_emptied():
    """Even when the scorer would drop every block, a page's prose stays (by the guard)."""
    page = "Home | News | Contact\n\n" + "\n\n".join(ARTICLE) + "\n\nShare | Email\n"
    judged = clean_blocks(text_reader.read(page),
                          CleanOptions(threshold=1.1))
    kept = {j.block.text: j.verdict.by for j in judged if j.verdict.keep}
    assert set(ARTICLE) <= set(kept)
    only_menus = clean_blocks([Block(Kind.PARAGRAPH, "Home | News | Contact")], CleanOptions(threshold=1.1))
    assert [j.verdict.by for j in only_menus] == ["guard"]  # the best block of a page with no prose


def test_a_run_of_wordless_sentences_is_one_block():
    """". " repeated is thousands of Punkt sentences: judged as one block, not one each."""
    judged = clean_blocks([Block(Kind.PARAGRAPH, ARTICLE[0] + " " + ". " * 2000 + ARTICLE[1])])
    assert len(judged) <= 4 and not any(j.verdict.keep for j in judged if not re.search(r"\w", j.block.text))


def test_a_page_too_short_to_judge_is_read_as_clean_text():
    """A shopping list (short lines, no stops) was cut to two of its six items."""
    note = "Shopping list\n\nmilk\neggs\nrye bread\ntwo lemons\nwashing-up liquid\nbirthday candles\n"
    text = clean_text(note).text
    for item in ("milk", "eggs", "rye bread", "two lemons", "washing-up liquid", "birthday candles"):
        assert item in text, text
    page, judged = explain(note, "text")
    assert "too short to judge" in page and all(j.verdict.keep for j in judged)


# --- runs: a menu line glued onto a sentence is cut off and judged alone -------------------

@pytest.mark.parametrize("glued, parts", [
    ("Mitsubishi SUVs The Kuwait airport is already a fairly obtrusive place to be.",
     ["Mitsubishi SUVs", "The Kuwait airport is already a fairly obtrusive place to be."]),
    ("What's New This is the first mistake they made.", ["What's New", "This is the first mistake they made."]),
    ("• Paper Palate Several years ago, I was in the airport on a layover.",
     ["• Paper Palate", "Several years ago, I was in the airport on a layover."]),
    ("• New doll Elise I then got the hiccups, which ruined my plan.",
     ["• New doll Elise", "I then got the hiccups, which ruined my plan."]),
    ("Home | News | Sport The minister said on Monday that taxes would rise.",
     ["Home", "| News", "| Sport", "The minister said on Monday that taxes would rise."]),
    # a word that in edited prose is capitalised almost only where a sentence starts (lexicon.json)
    ("See all 7 Replies Recently my friend from Australia was traveling in Europe.",
     ["See all 7 Replies", "Recently my friend from Australia was traveling in Europe."]),
    ("World shares retreat on jitters over Hong Kong However, the talks went on for a week.",
     ["World shares retreat on jitters over Hong Kong", "However, the talks went on for a week."]),
    # a menu line with lower-case words (not title-shaped), as long as a menu line, before an
    # opener: these stayed glued to their sentence
    ("Our series on running shoes This is the third pair I have worn out this year.",
     ["Our series on running shoes", "This is the third pair I have worn out this year."]),
    ("Enter your email address When the day comes, we will be ready.",
     ["Enter your email address", "When the day comes, we will be ready."]),
    # an opener with its own comma before a name; an opener after a word sentences end on
    ("• About us Meanwhile, Savinova had by now begun to make her move.",
     ["• About us", "Meanwhile, Savinova had by now begun to make her move."]),
    ("• contact me And then, if you do get lost, ask at the desk.",
     ["• contact me", "And then, if you do get lost, ask at the desk."]),
    # "I" after a title of two capitalised words or more (not opening with a function word)
    ("Recent Comments I’m really excited about finally being able to join the contest.",
     ["Recent Comments", "I’m really excited about finally being able to join the contest."]),
    ("Copyright © CBC 2012 I have read the Bible a lot.", ["Copyright © CBC 2012", "I have read the Bible a lot."]),
])
def test_a_menu_line_glued_onto_a_sentence_is_cut_off(glued, parts):
    from pipeline.clean.glue import fragments

    assert fragments(glued) == parts


@pytest.mark.parametrize("glued, parts", [
    # the cut found before a name's second word ("McKenna has") moves before its first: the
    # sentence came out without its subject's first name ("McKenna has not ..."), so was lost
    ("• Terms of Service Rob McKenna has not conceded the race for governor.",
     ["• Terms of Service", "Rob McKenna has not conceded the race for governor."]),
    ("| Save to del.icio.us The Conservative party has faced repeated calls over the years.",
     ["| Save to del.icio.us", "The Conservative party has faced repeated calls over the years."]),
    # ... but a menu entry keeps a word of its own, and a cut before an opener stays where it is
    ("• Rob McKenna has not conceded the race for governor.", ["• Rob", "McKenna has not conceded the race for governor."]),
    ("• Contact Us The man said that it was fine today.", ["• Contact Us", "The man said that it was fine today."]),
    # never past a number or a bracket
    ("• June 2012 Christian Green and Willie Haulstead worked with the second unit.",
     ["• June 2012", "Christian Green and Willie Haulstead worked with the second unit."]),
])
def test_a_sentence_cut_off_a_menu_line_keeps_the_first_word_of_its_name(glued, parts):
    from pipeline.clean.glue import fragments

    assert fragments(glued) == parts


@pytest.mark.parametrize("sentence", [
    "He met John Smith at The Store in town on Friday.",
    "Last week Apple announced that the new phones would ship in March.",
    "In 2010 I moved to London with my family and two cats.",
    "Then President Obama said the bill would pass before the summer.",
    "She read The Great Gatsby twice before she saw the film.",
    "The paper by James D. Cox and Thomas H. Jackson was cited in the ruling.",
    "Out of 17 observations by the W. M. Keck Observatory in Hawaii, four were confirmed.",
    "THANK YOU, THANK YOU Tim, for the lovely evening.",
    "We were told: The new rules apply from May onwards.",
    "Tickets cost $40 and the show starts at 9.30 A.M. on Sunday.",
    # capitalised words that are names inside sentences far more often than sentence openers
    "Apple CEO Tim Cook said the phones would ship in March.",
    "Former New York Mayor Michael Bloomberg endorsed the plan on Tuesday.",
    "I moved here in 2010 and I have never looked back since then.",
    # "I" after a name with a comma, or after a phrase opening with a function word
    "Dear Paulo, I have been following your blog since I read your book.",
    "On Monday Morning I went to the shop for bread and milk.",
    "When Harry Met Sally I was twelve years old and living in Ohio.",
    # an author list: initials are not sentence starts (a cut part dropped from the middle
    # joined its neighbours into a "sentence" the source never had)
    "Merlant M, Fite C, Kottler D, Maisonobe L, Dossier A, Deschamps L, Descamps V.",
])
def test_a_sentence_with_capitalised_names_and_titles_is_not_cut(sentence):
    from pipeline.clean.glue import fragments

    assert fragments(sentence) == [sentence]


def test_prose_paragraphs_are_never_cut():
    """Cuts happen inside runs only: a paragraph a writer made is one block, names and all."""
    paragraph = "Mitsubishi SUVs The Kuwait airport is already a fairly obtrusive place to be. " + " ".join(ARTICLE)
    judged = clean_blocks([Block(Kind.PARAGRAPH, paragraph)])
    assert [j.block.text for j in judged] == [paragraph]


RUN = [
    "The harbour seal is a true seal found along temperate and Arctic coasts of the Northern Hemisphere.",
    "Adults weigh up to 130 kilograms, and females outlive males by several years.",
    "Harbour seals prefer familiar resting sites, such as rocky areas, sandbars and beaches.",
    "They return to the same places year after year, often to the same rock.",
    "Pups are born in spring and can swim within hours of birth.",
    "A mother nurses her pup for about four weeks on milk rich in fat.",
    "Seals dive for fish, squid and crabs, mostly at dawn and at dusk.",
    "A dive usually lasts three or four minutes, but it can last half an hour.",
    "Their numbers fell sharply in the last century because of hunting and disease.",
    "Since the hunt was banned, colonies in the North Sea have grown again.",
    "Scientists count them from the air each summer, when they rest on the sand.",
    "The counts show that some colonies have doubled in twenty years.",
]


def test_a_glued_menu_line_goes_and_its_sentence_stays():
    """In a run, "• Recent Posts • Archive" glued onto a sentence is judged apart: it goes, the sentence stays."""
    glued = RUN[:6] + ["• Recent Posts • Archive Video Gallery " + RUN[6]] + RUN[7:]
    judged = clean_blocks([Block(Kind.PARAGRAPH, " ".join(glued))])
    verdicts = {j.block.text: j.verdict.keep for j in judged}
    assert verdicts.get(RUN[6]) is True
    assert not any(keep for text, keep in verdicts.items() if "Recent Posts" in text or "Archive" in text)
    doc = clean_text(" ".join(glued))
    assert all(_norm(s) in _norm(doc.text) for s in RUN)
    assert "recent posts" not in _norm(doc.text)


def test_a_runs_wordless_tails_stay_with_their_sentences():
    """A "sentence" of a run without a word (the ":)" after "too!", the second "!" of "that!!") is its
    sentence's tail, written as it was: judged alone as wordless, a clean page lost the marks, and the
    benchmark's gold sentence with them."""
    tails = RUN[:3] + ["I needed that!!", RUN[3], "He laughed too! :) We all did.", RUN[4] + " :)"] + RUN[5:]
    doc = clean_text(" ".join(tails))
    text = _norm(doc.text)
    assert "i needed that!!" in text
    assert "he laughed too! :) we all did." in text
    assert _norm(RUN[4] + " :)") in text
    assert all(_norm(s) in text for s in RUN)


def test_a_runs_scores_share_the_block_scorers_threshold():
    """The runs scorer's own threshold lands on the block scorer's, so one threshold judges both."""
    model = scorer.load()
    assert model.runs is not None and len(model.runs.feature) >= 100
    rows = [[(i * 7 + j * 3) % 5 / 2 for j in range(len(FEATURES))] for i in range(20)]
    mixed = model.content_probabilities(rows, [i % 2 == 0 for i in range(20)])
    blocks, runs = model.blocks.probabilities(rows), model.runs.probabilities(rows)
    assert all(mixed[i] == blocks[i] for i in range(1, 20, 2))
    for i in range(0, 20, 2):  # the same side of the threshold as the runs scorer says
        assert (mixed[i] >= model.blocks.threshold_keep) == (runs[i] >= model.runs.threshold_keep)


def test_spun_fragments_in_a_run_go_and_its_real_sentences_stay():
    """Word salad spun from a page's own sentences (fragments glued with stray punctuation,
    starting and stopping mid-clause) goes; the real sentences of the run stay."""
    spun = [
        "us that the rules we once had in.",
        "Repeatedly that colonies in the, mostly at dawn and their.",
        "Including three pups born in spring ( can swim within hours of the.",
        "Positive that they rest on the sand. year after the same rock and the.",
    ]
    judged = clean_blocks([Block(Kind.PARAGRAPH, " ".join(RUN + spun))])
    verdicts = {j.block.text: j.verdict.keep for j in judged}
    assert all(verdicts.get(s) for s in RUN), [s for s in RUN if not verdicts.get(s)]
    assert sum(1 for text, keep in verdicts.items() if keep and text not in RUN) <= 1, verdicts


def test_a_run_of_unusual_but_real_prose_is_kept_whole():
    """Do no harm: terse, odd, archaic or list-like sentences that a writer made are not spam."""
    prose = [
        "Thus spake the old sailor, and we believed him.",
        "Yes.",
        "Odd, isn't it?",
        "Whereupon the committee, having heard all parties, adjourned sine die.",
        "Seven days in, the rain had not stopped.",
        "Neither of us said anything for a long time.",
        "Out went the lights; in came the cold.",
        "Nobody knew where the key was kept, or by whom.",
        "Such is life at the edge of the map.",
        "Later that year the mill closed for good.",
        "Of all the towns on the coast, this one was the quietest.",
        "Meanwhile, the harbour filled with ice.",
    ]
    doc = clean_text(" ".join(prose))
    assert all(_norm(s) in _norm(doc.text) for s in prose), [s for s in prose if _norm(s) not in _norm(doc.text)]


def test_edge_lifts_read_where_a_sentence_starts_and_stops():
    """The lexicon's start and end lifts: a sentence ending on "the" or "in" is where no writer stops."""
    from pipeline.clean.features import FEATURES, page_features

    start, end = FEATURES.index("start_lift"), FEATURES.index("end_lift")
    real, spun = page_features([Block(Kind.SENTENCE, "However, the results were good this year."),
                                Block(Kind.SENTENCE, "us that the rules we once had in.")])
    assert real[start] > 0 > spun[start] and real[end] > 0 > spun[end]


# --- 3d. the context scorer: a noisy page's blocks judged again among their neighbours ------

def test_the_main_stretch_is_the_run_of_blocks_with_the_largest_gain():
    from pipeline.clean.features import main_stretch

    assert main_stretch([-1, -1, 2, 3, -1, 2, -5, 4]) == (2, 6)
    assert main_stretch([-1, -2]) == (0, 1)  # nothing gains: the least bad block
    assert main_stretch([]) == (0, 0)


def test_context_features_read_the_neighbours_first_pass_scores():
    from pipeline.clean.features import CONTEXT_FEATURES, page_features, context_features

    menu = [Block(Kind.PARAGRAPH, w) for w in ("Home", "News", "Sport", "Weather", "Contact")]
    article = ARTICLE * 2
    blocks = menu + [Block(Kind.PARAGRAPH, s) for s in article] + menu
    rows = page_features(blocks)
    first = [0.05] * 5 + [0.95] * len(article) + [0.05] * 5
    context = context_features(rows, first, 0.01)
    col = {name: i for i, name in enumerate(CONTEXT_FEATURES)}
    assert len(context) == len(blocks) and all(len(r) == len(CONTEXT_FEATURES) for r in context)
    middle, edge = context[5 + len(article) // 2], context[0]
    assert middle[col["in_main"]] == 1 and edge[col["in_main"]] == 0
    assert edge[col["main_side"]] == -1 and context[-1][col["main_side"]] == 1
    assert middle[col["near_content_2"]] > 0.9 > 0.1 > edge[col["near_content_2"]]
    assert edge[col["near_short_2"]] == 1 and middle[col["near_short_2"]] == 0
    assert edge[col["prev_log_odds"]] < 0 < middle[col["prev_log_odds"]]


def test_the_model_has_a_context_scorer_for_its_features():
    from pipeline.clean.model import CONTEXT_NAMES

    data = json.loads(scorer.MODEL_PATH.read_text(encoding="utf-8"))
    assert set(data["context"]["features"]) <= set(CONTEXT_NAMES)
    assert 0 < data["context"]["threshold"] < 1 and scorer.load().context is not None
    assert 0 < data["context"]["max_page_score"] < data["page"]["threshold"]  # surely noisy pages
    unsure = data["context"]["unsure"]  # the rest of the pages the gate calls noisy
    assert data["context"]["max_page_score"] < unsure["max_page_score"] == data["page"]["threshold"]
    assert "page_log_odds" in unsure["features"] and "page_log_odds" not in data["context"]["features"]
    model = scorer.load()
    assert model.context_for(0.01) is model.context and model.context_for(0.2) is model.context_unsure
    assert model.context_for(data["page"]["threshold"]) is None  # a page the gate calls clean
    assert scorer.from_dict(dict(data, context=None)).context is None  # a model without one: no second pass


# A news story of six sentences, for the tests of an article among a page's furniture.
SEAL_STORY = [
    "Harbour seals on the northern coast had their best breeding season in a decade, a survey published on "
    "Tuesday found.",
    "Volunteers counted 1,240 pups between May and July, up from about 900 in each of the three previous summers.",
    "The researchers credit a quieter shoreline: since the coastal path was rerouted, fewer walkers and dogs "
    "reach the haul-out sites.",
    "Pups are born on sandbanks and can swim within hours of birth, but they need weeks of undisturbed nursing "
    "to build up fat.",
    "A disturbed mother may abandon her pup, and the survey recorded far fewer lone pups than in earlier years.",
    "The team will repeat the count next summer and hopes to extend it to two colonies farther south.",
]


def test_the_context_scorer_drops_a_teaser_beyond_the_menus_and_keeps_the_article():
    """A sentence-shaped teaser of another story, among link lists below the article, reads
    like content alone (the first pass keeps it); among its neighbours it does not."""
    from pipeline.clean import judge_in_context, normalize
    from pipeline.clean.features import page_summary

    menu = ["Home", "World", "Business", "Science", "Health", "Sport", "Travel", "Culture", "Video", "Podcasts",
            "Newsletters", "Sign in", "Europe", "Americas", "Asia", "Africa", "Markets", "Technology", "Climate",
            "Books", "Music", "Film", "Food", "Style", "Opinion", "Search"]
    article = SEAL_STORY
    related = ["More from Science", "Why octopuses change colour", "The return of the beaver",
               "Ten birds to spot this winter", "How tides shape the coast", "Inside the seed vault",
               "The quiet comeback of otters", "Most read", "Weather", "Share", "Tweet", "Email", "Print",
               "Comments (12)", "Next article", "Previous article"]
    teaser = ("A new study of thirty octopuses kept in tanks in Naples suggests that the animals may dream "
              "during deep sleep.")
    footer = ["About us", "Contact", "Careers", "Advertise", "Terms of use", "Privacy policy", "Cookie settings",
              "Accessibility", "Help", "Sitemap", "Archive", "RSS", "Follow us", "Facebook", "Twitter", "Instagram"]
    page = "\n".join(menu + ["Seal pups thrive on a quieter coast"] + article + related + [teaser] + footer)
    blocks = normalize(text_reader.read(page))
    rows = page_features(blocks)
    model = scorer.load()
    first = dict(zip((b.text for b in blocks), model.content_probabilities(rows, [False] * len(rows))))
    page_score = float(model.page.probabilities([page_summary(blocks, rows)])[0])
    second = {b.text: q for b, (_, q) in zip(blocks, judge_in_context(model, blocks, rows, list(first.values()),
                                                                     page_score).values())}
    bar = model.context_for(page_score).threshold_keep
    assert first[teaser] >= model.blocks.threshold_keep > bar > second[teaser]
    assert all(second[s] >= bar for s in article)


def test_what_is_kept_outside_the_article_goes_but_the_title_above_it():
    """3g. Teasers of other stories below an article, past a band of share lines, read like content
    alone and among their neighbours (a headline, a summary, a time): the context scorer keeps them.
    They lie outside the article, the stretch of the largest sum of (score - 0.5) x words, and go;
    the title and byline above the article stay."""
    from pipeline.clean import clean_blocks

    menu = ["Home", "World", "Business", "Science", "Health", "Sport", "Travel", "Culture", "Video", "Podcasts",
            "Newsletters", "Sign in", "Search"]
    title, byline = "Seal pups thrive on a quieter coast", ["By Jane Morris, science reporter", "12 March 2024"]
    article = SEAL_STORY
    band = ["Share this article", "Share on Facebook", "Share on Twitter", "Send by email", "Print this page",
            "Sign up for our weekly newsletter", "Related stories"]
    teasers = [("Octopuses may dream, study suggests", "A new study of thirty octopuses kept in tanks in Naples "
                "suggests that the animals may dream during deep sleep."),
               ("The quiet comeback of otters", "Otters have returned to every county in England after decades of "
                "decline, according to a national survey of rivers.")]
    footer = ["About us", "Contact", "Careers", "Advertise", "Terms of use", "Privacy policy", "Cookie settings"]
    lines = menu + [title] + byline + article + band
    for headline, summary in teasers:
        lines += [headline, summary, "2 hours ago"]
    judged = {j.block.text: j.verdict for j in clean_blocks(text_reader.read("\n".join(lines + footer)))}
    assert all(judged[s].keep for s in [title, *byline, *article])
    for headline, summary in teasers:
        assert not judged[summary].keep and judged[summary].by == "article", judged[summary]
        assert not judged[headline].keep


def _given(*items):
    """Judged paragraphs with given context verdicts: (text, keep, score) each."""
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged

    return [Judged(Block(Kind.PARAGRAPH, text), Verdict(keep, "context", "", score)) for text, keep, score in items]


def test_the_article_is_the_stretch_of_most_words_believed_in():
    """keep_the_article on given verdicts: what is kept after the article goes, and before it only what
    does not end with a full stop and names the article's subject (a headline may ask a question: a
    forum thread's title lost before); a page where no block is believed in keeps its verdicts."""
    from pipeline.clean import keep_the_article

    judged = keep_the_article(_given(
        ("Seal pups thrive on a quieter coast", True, 0.7), ("Kept before it, said with a stop.", True, 0.6),
        ("Do seal pups need a quiet shoreline?", True, 0.6),
        ("Home menu entries here", False, 0.1), ("Home menu entries here again", False, 0.1),
        *[(s, True, 0.9) for s in SEAL_STORY],
        ("Share this on every network", False, 0.1), ("Share this on every network", False, 0.1),
        ("A teaser of another story, said in a sentence.", True, 0.6)))
    assert [j.verdict.keep for j in judged] == [True, False, True, False, False] + [True] * len(SEAL_STORY) + [
        False, False, False]
    assert judged[-1].verdict.by == "article" and judged[1].verdict.by == "article"
    doubted = _given(("Home", False, 0.1), ("A line kept alone here.", True, 0.45), ("News", False, 0.2))
    assert keep_the_article(doubted) == doubted


def test_a_band_of_one_word_lines_parts_the_article_from_what_follows():
    """3g. Each block the scorers drop costs DOUBTED_BLOCK_COST in the article's stretch: a band of
    one-word menu lines between an article and a teaser list weighed its four words only, and the
    stretch ran on over it to keep the teaser."""
    from pipeline.clean import keep_the_article

    teaser = "Octopuses kept in tanks in Naples may dream during deep sleep, a new study suggests."
    judged = keep_the_article(_given(*[(s, True, 0.95) for s in SEAL_STORY],
                                     *[(w, False, 0.1) for w in ("Home", "World", "Sport", "Weather")],
                                     (teaser, True, 0.8)))
    assert all(j.verdict.keep for j in judged[:len(SEAL_STORY)])
    assert not judged[-1].verdict.keep and judged[-1].verdict.by == "article", judged[-1].verdict


def test_a_band_of_one_word_lines_does_not_part_an_introduction_from_its_body():
    """3g. The cost of doubted blocks only places the article's end: a README's introduction above its
    table of contents (one-word lines the scorers drop) stays with the body below it."""
    from pipeline.clean import keep_the_article

    contents = [(w, False, 0.1) for w in ("Contents", "Survey", "Method", "Results", "Thanks", "Licence")]
    judged = keep_the_article(_given((SEAL_STORY[0], True, 0.9), *contents, *[(s, True, 0.95) for s in SEAL_STORY[1:]]))
    assert [j.verdict.keep for j in judged] == [True] + [False] * len(contents) + [True] * (len(SEAL_STORY) - 1)


def test_a_line_above_the_article_stays_when_it_names_its_subject():
    """3g. Kept unstopped lines above the article: its headline names what the article is about and
    stays; a section's name and another story's headline name none of it and go."""
    from pipeline.clean import keep_the_article

    above = [("Science and Environment", True, 0.6), ("Octopuses may dream, study suggests", True, 0.7),
             ("Home", False, 0.1), ("World news", False, 0.1), ("Sport", False, 0.1),
             ("Seal pups thrive on a quieter coast", True, 0.8), ("By Jane Morris, 12 March 2024", False, 0.3)]
    judged = keep_the_article(_given(*above, *[(s, True, 0.95) for s in SEAL_STORY]))
    assert [j.verdict.keep for j in judged[:len(above)]] == [False, False, False, False, False, True, False]
    assert [j.verdict.by for j in judged[:2]] == ["article", "article"]
    assert all(j.verdict.keep for j in judged[len(above):])


def test_a_page_the_gate_is_unsure_of_is_judged_in_context():
    """A labelled FAQ page the gate scores 0.09 (noisy, but above the 0.07 under which it is
    sure): the unsure scorer judges its blocks and every content item stays."""
    from bench.bench_labeled import LABELED, measure_page
    from pipeline.clean import judge, normalize
    from pipeline.clean.features import page_summary

    page = LABELED / "b" / "tbe_vaccine_faq.txt"
    blocks = [b for b in split_runs(normalize(text_reader.read(page.read_text(encoding="utf-8"))))
              if b.kind is not Kind.CODE]
    model = scorer.load()
    page_score = float(model.page.probabilities([page_summary(blocks, page_features(blocks))])[0])
    assert model.context_for(page_score) is model.context_unsure
    judged = judge(blocks, CleanOptions())
    settled = [j for j in judged if j.verdict.by == "context" or "does not overrule" in j.verdict.reason]
    assert len(settled) > len(judged) / 2  # the second pass reads the page; what the first is sure of stays
    assert all(j.verdict.keep for j in judged if "does not overrule" in j.verdict.reason)
    result = measure_page(page)
    assert result["lost"] == []  # every content item of the page kept


def test_page_log_odds_is_the_gates_log_odds_on_every_row():
    from pipeline.clean.features import CONTEXT_FEATURES, context_features

    rows = page_features([Block(Kind.PARAGRAPH, s) for s in ARTICLE])
    column = CONTEXT_FEATURES.index("page_log_odds")
    for page_score in (0.01, 0.2, 0.5):
        values = [r[column] for r in context_features(rows, [0.9] * len(rows), page_score)]
        assert values == [pytest.approx(math.log(page_score / (1 - page_score)))] * len(rows)


def test_topic_share_reads_whether_a_block_shares_the_pages_subject():
    """A line pasted in from another page shares none of the run's content words; the run's
    own sentences share theirs (function words, numbers and two-letter words do not count)."""
    from pipeline.clean.features import FEATURES, page_features

    topic = FEATURES.index("topic_share")
    rows = page_features([Block(Kind.SENTENCE, RUN[0]), Block(Kind.SENTENCE, RUN[6]),
                          Block(Kind.SENTENCE, "Harbour seals dive for fish at dawn."),
                          Block(Kind.SENTENCE, "Download our app for iPhone in 2 minutes."),
                          Block(Kind.SENTENCE, "It is what it is, and so on.")])
    assert rows[2][topic] == 1.0  # harbour, seals, fish, dawn: all said elsewhere on the page
    assert 0 < rows[0][topic] < 1
    assert rows[3][topic] == 0.0 and rows[4][topic] == 0.0  # another page's line; no content word at all


def test_topic_weight_reads_how_widely_the_page_uses_a_blocks_words():
    """A sentence of the run uses words the run's other sentences use again and again; a line on
    another subject that shares one word with one other block weighs little, though topic_share
    counts that word as shared; derivations count as one word ("seal", "seals")."""
    from pipeline.clean.features import FEATURES, page_features

    weight, share = FEATURES.index("topic_weight"), FEATURES.index("topic_share")
    blocks = [Block(Kind.SENTENCE, s) for s in RUN] + [
        Block(Kind.SENTENCE, "Harbour seals rest on the sand between dives."),
        Block(Kind.SENTENCE, "Our charity's summer newsletter is free to download."),
        Block(Kind.SENTENCE, "It is what it is, and so on.")]
    rows = page_features(blocks)
    real, inserted, empty = rows[-3], rows[-2], rows[-1]
    assert inserted[share] > 0  # "summer" is said once elsewhere
    assert real[weight] > 2 * inserted[weight] > 0
    assert empty[weight] == 0.0 and all(0.0 <= r[weight] <= 1.0 for r in rows)
    assert page_features([Block(Kind.SENTENCE, "Harbour seals rest on the sand.")])[0][weight] == 0.0


@pytest.mark.parametrize("footer", ["• Site Index", "February (12)", "Customer Center", "Will Hudson • 18 October 2010"])
def test_a_stray_line_under_a_run_is_judged_as_a_part_of_it(footer):
    """A page that is one run-on paragraph and a footer line: the footer is judged by the
    runs scorer, as a part of the run, and goes (the block scorer kept such lines); the
    run's sentences stay."""
    judged = clean_blocks(text_reader.read(" ".join(RUN) + "\n" + footer + "\n"))
    verdicts = {j.block.text: j for j in judged}
    line = footer.removeprefix("• ")  # a list entry's text is read without its bullet
    assert verdicts[line].block.kind is Kind.SENTENCE and not verdicts[line].verdict.keep
    assert all(verdicts[s].verdict.keep for s in RUN)


def test_prose_beside_a_run_stays_a_paragraph():
    """Only short or unstopped lines of a run-on page are read as parts: a prose paragraph
    and a heading beside the run keep their kinds."""
    prose = "The colony was first counted from a boat in 1975, when fewer than forty seals were seen."
    blocks = split_runs([Block(Kind.HEADING, "Harbour seals", level=1), Block(Kind.PARAGRAPH, " ".join(RUN)),
                         Block(Kind.PARAGRAPH, prose)])
    assert blocks[0].kind is Kind.HEADING and blocks[-1].kind is Kind.PARAGRAPH and blocks[-1].text == prose


def test_on_a_page_the_gate_is_unsure_of_the_context_pass_only_rescues():
    """Seed 002 (page score 0.18, the unsure scorer's range): what the first pass keeps stays (its
    title, scored 0.71, went when the unsure context scorer could overrule it, and with it the
    heading its definition stands under); the context pass keeps more, never less."""
    from pipeline.clean import judge, normalize

    page = SEEDS / "002_55a4466ce43109b8.txt"
    blocks = [b for b in split_runs(normalize(text_reader.read(page.read_text(encoding="utf-8"))))
              if b.kind is not Kind.CODE]
    with_context = judge(blocks, CleanOptions())
    first_only = judge(blocks, CleanOptions(), in_context=False)
    assert any("does not overrule" in j.verdict.reason for j in with_context)
    assert all(a.verdict.keep for a, b in zip(with_context, first_only) if b.verdict.keep)
    doc = clean_text(page.read_text(encoding="utf-8"))
    kept = " ".join([doc.title] + [s.heading for s in doc.sections] + [p for s in doc.sections for p in s.paragraphs])
    assert "Immune-mediated necrotizing myopathy" in kept
    assert "A rare form of idiopathic inflammatory myopathy characterized by acute or subacute" in kept


TIDE_CHANGELOG = """\
# Changelog

All notable changes to tide-parse are recorded here. The format follows the usual
conventions of a changelog, and versions are numbered the semantic way.

## 3.2.0 (2026-05-02)

### Added

- Harbour names are matched without regard to accents (PR #412)
- The CLI prints the table's time zone with --verbose (PR #409)

### Fixed

- Wrong offset applied when a table crosses the change to summer time (PR #405)

## 3.1.1 (2026-03-18)

### Fixed

- Tables with an empty last row no longer stop the reader early (PR #398)

## 3.1.0 (2026-02-27)

### Added

- Read the layout used by the northern harbour offices (PR #390)

### Removed

- Drop the deprecated option to guess the year from the file name (PR #377)

## 3.0.0 (2026-01-10)

### Changed

- Times are returned in UTC, with the local time kept beside them (PR #350)
- The records are plain dataclasses instead of dictionaries (PR #344)

### Fixed

- A harbour listed twice in one table is reported once (PR #341)
"""


def test_a_changelogs_one_entry_sections_keep_their_entry():
    """keep_written_lists: a list of one written entry is its writer's too (a changelog's "Fixed" with
    one fix: scored alone, 0.07-0.10 on a clean page, it went, and its heading with it)."""
    kept = clean_markdown(TIDE_CHANGELOG).text
    for line in TIDE_CHANGELOG.splitlines():
        if line.startswith("- "):
            assert line[2:] in kept, line


_HARBOUR_NOTES = ["Harbour notes", "The tide tables for the north quay were checked on Monday and agree with the charts.",
                  "Boats longer than twelve metres must book a berth two days ahead, by phone or at the office.",
                  "Fuel is sold from eight in the morning until six in the evening, cash or card.",
                  "Attendees: Maria Lopez, Tom Reed.", "Next meeting: 21 March, room 3B.",
                  "The slipway will be closed for repairs during the first week of April.",
                  "Winter mooring fees rise by four percent from January; summer fees stay as they are.",
                  "Questions go to the harbour master, whose office is beside the fish market.",
                  "Lights on the outer wall were replaced in February and now flash every five seconds.",
                  "Kayaks may launch from the beach but not from the slipway.", "Contact", "Harbour office, Quay Street 4",
                  "Open weekdays"]


def _gate_calls_every_page_noisy(monkeypatch):
    import dataclasses

    import pipeline.clean as clean

    shipped = scorer.load()
    strict = dataclasses.replace(shipped, page=dataclasses.replace(shipped.page, threshold_keep=1.01))
    monkeypatch.setattr(scorer, "load", lambda *args: strict)
    monkeypatch.setattr(clean, "SCORER_CLEAN_WORD_SHARE", 1.01)  # the shape rule alone
    return clean


def test_a_text_the_gate_calls_noisy_without_a_menu_or_a_repeated_line_is_clean_text(monkeypatch):
    """A note (one paragraph a line) that the gate misjudges: no run of short unstopped lines, no line said
    twice, so it is clean text and its "Contact" heading stays; judged as noisy, the block scorer dropped it."""
    clean = _gate_calls_every_page_noisy(monkeypatch)
    page = "\n\n".join(_HARBOUR_NOTES) + "\n"
    verdict, judged = explain(page, "text")
    assert "no line said twice" in verdict and "clean text" in verdict
    assert all(j.verdict.keep for j in judged), [j.block.text for j in judged if not j.verdict.keep]
    monkeypatch.setattr(clean, "SHAPE_CLEAN_WORD_SHARE", 1.01)  # without the rule: as before
    verdict, judged = explain(page, "text")
    assert "a noisy page" in verdict
    assert [j.block.text for j in judged if not j.verdict.keep] == ["Contact"]


def test_a_menu_or_a_repeated_line_keeps_a_page_the_gate_calls_noisy_noisy(monkeypatch):
    _gate_calls_every_page_noisy(monkeypatch)
    menu = ["Home", "News", "Sport", "Weather"] + _HARBOUR_NOTES
    repeated = _HARBOUR_NOTES + ["Harbour notes"]
    for lines in (menu, repeated):
        verdict, _ = explain("\n\n".join(lines) + "\n", "text")
        assert "a noisy page" in verdict, verdict


def test_dump_shaped():
    from pipeline.clean import dump_shaped

    def blocks(*texts):
        return [Block(Kind.PARAGRAPH, t) for t in texts]

    prose = "A sentence that ends as a writer ends one."
    assert not dump_shaped(blocks("Title", "Subtitle here", "Three short words", prose, "By a writer"))  # a run of 3
    assert dump_shaped(blocks(prose, "Home", "News", "Sport", "Contact us"))  # a run of 4: a menu
    assert not dump_shaped(blocks("Home.", "News.", "Sport.", "Weather.", prose))  # stopped: sentences
    assert dump_shaped(blocks("Share this", prose, "share  THIS"))  # said twice, case and spaces aside
    assert not dump_shaped(blocks("Note", prose, "Note"))  # a one-word line said twice is a label's
    assert not dump_shaped([Block(Kind.CODE, "a\nb")] * 5 + blocks(prose, prose[:-1]))


def test_a_heading_the_scorer_doubts_stays_over_the_kept_text_it_introduces():
    """On clean text a heading scored under the bar ("More Reading", "About the Author", a short page's
    title: train-site gold texts lost them at a score under 0.1) stays when the next block that is not a
    heading stays; over dropped text, or dropped by another pass than the scorer, it goes."""
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged, keep_headings_of_kept_text

    def page(*items):
        return [Judged(Block(kind, text), Verdict(keep, by, "", 0.05 if not keep else 0.9))
                for kind, text, keep, by in items]

    H, P = Kind.HEADING, Kind.PARAGRAPH
    judged = keep_headings_of_kept_text(page(
        (H, "More Reading", False, "model"), (H, "Guides", False, "model"), (P, "A guide to clay soil.", True, "model"),
        (H, "Share this", False, "model"), (P, "Facebook Twitter", False, "model"),
        (H, "photo.jpg", False, "furniture"), (P, "The hive in May.", True, "model")))
    assert [j.verdict.keep for j in judged] == [True, True, True, False, False, False, True]
    assert judged[0].verdict.by == "heading"


@pytest.mark.skipif(not (SHARED_DATA / "cleaning" / "dragnet").is_dir(), reason="needs ../shared/data/cleaning")
def test_a_short_clean_page_keeps_a_line_read_as_a_heading():
    """A train-site gold text of seven blocks, one paragraph a line: the text reader reads an entry of
    its list of projects as a heading, which scored 0.09 and went though the entry after it stayed."""
    from bench import cleaning_data as data
    from pipeline.clean import clean_text

    doc = next(d for d in data.clean_controls() if d.name == "dragnet/R599" and d.layout == "oneline")
    assert "DIY Voice Activated Home Automation" in doc.text
    assert "DIY Voice Activated Home Automation" in clean_text(doc.text).text


def _labels(blocks: list[Block], title: str) -> dict[str, str]:
    """Each sentence of the assembled page -> the label its passage is cited under."""
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged, assemble
    from pipeline.split import section_sentences

    judged = [Judged(b, Verdict(True, "extracted", "")) for b in blocks]
    document = assemble(judged, "page.html", title=title)
    return {s.lstrip("\n"): label for label, sentences in section_sentences(document) for s in sentences}  # a sentence that starts a line: split.LINE_BREAK


def test_an_article_heading_over_prose_does_not_label_the_comments():
    # An author's box ends the article ("ABOUT DAWN CAMP" over her biography); every comment after it
    # was cited under "ABOUT DAWN CAMP" (dragnet's train page R620: 106 passages).
    blocks = [Block(Kind.PARAGRAPH, "I stare at the blank card, lost for words."),
              Block(Kind.HEADING, "ABOUT DAWN CAMP", level=3),
              Block(Kind.PARAGRAPH, "Dawn is a homeschooling mother of eight."),
              Block(Kind.PARAGRAPH, "What a lovely idea, I will write one tonight.", comments=True),
              Block(Kind.PARAGRAPH, "Thank you for this post.", comments=True)]
    labels = _labels(blocks, "The World Needs More Love Letters")
    assert labels["Dawn is a homeschooling mother of eight."] == "ABOUT DAWN CAMP"
    assert labels["What a lovely idea, I will write one tonight."] == "The World Needs More Love Letters"
    assert labels["Thank you for this post."] == "The World Needs More Love Letters"


def test_a_heading_of_the_comments_still_labels_them():
    # A heading right over the comments, with only lines of its kind between, is theirs; so is one
    # inside the comment section.
    blocks = [Block(Kind.PARAGRAPH, "I started wearing foam earplugs at night."),
              Block(Kind.HEADING, "Comments", level=2),
              Block(Kind.PARAGRAPH, "156 Responses to Shuteye"),
              Block(Kind.PARAGRAPH, "White noise machine set to ocean on full blast.", comments=True)]
    assert _labels(blocks, "Shuteye")["White noise machine set to ocean on full blast."] == "Comments"
    blocks = [Block(Kind.PARAGRAPH, "The economy added no jobs in 2010."),
              Block(Kind.HEADING, "45 comments", level=2, comments=True),
              Block(Kind.PARAGRAPH, "Great analysis of the labour market.", comments=True)]
    assert _labels(blocks, "No Jobs")["Great analysis of the labour market."] == "45 comments"


def test_the_comments_section_break_changes_no_text():
    blocks = [Block(Kind.HEADING, "About the author", level=3),
              Block(Kind.PARAGRAPH, "Dawn writes about bread."),
              Block(Kind.PARAGRAPH, "Lovely bread, thank you.", comments=True)]
    from pipeline.blocks import Verdict
    from pipeline.clean import Judged, assemble

    document = assemble([Judged(b, Verdict(True, "extracted", "")) for b in blocks], "p.html", title="Bread")
    assert document.text == "# About the author\n\nDawn writes about bread.\n\nLovely bread, thank you."
