"""Readers: plain text and Markdown -> typed blocks, hard wraps joined, structure kept."""

from __future__ import annotations

import textwrap

from pipeline.blocks import Kind
from pipeline.readers import markdown, text

PARAGRAPH = ("Immune-mediated necrotizing myopathy is a rare disease of the muscles. It causes weakness of "
             "the hips and shoulders, and a very high creatine kinase in the blood. Most patients respond to "
             "steroids and a second drug, but some need immunoglobulin for years.")


def _kinds(blocks):
    return [(b.kind, b.text) for b in blocks]


def test_hard_wrapped_text_reads_like_the_same_text_unwrapped():
    wrapped = "\n\n".join(textwrap.fill(PARAGRAPH, width) for width in (72,)) + "\n\n" + textwrap.fill(PARAGRAPH, 72)
    unwrapped = PARAGRAPH + "\n\n" + PARAGRAPH
    assert _kinds(text.read(wrapped)) == _kinds(text.read(unwrapped)) == [(Kind.PARAGRAPH, PARAGRAPH)] * 2


def test_one_paragraph_per_line_is_never_joined():
    lines = ["Short first line.", PARAGRAPH, "Another short line here.", PARAGRAPH]
    assert [b.text for b in text.read("\n".join(lines))] == lines


def test_lines_of_a_note_stay_apart():
    note = "Team meeting\nAttendees: Maria Lopez, Tom Reed.\nNext meeting: 21 March, room 3B.\n"
    blocks = text.read(note)
    assert [b.text for b in blocks] == ["Team meeting", "Attendees: Maria Lopez, Tom Reed.",
                                        "Next meeting: 21 March, room 3B."]


def test_list_items_and_wrapped_items():
    body = textwrap.fill(PARAGRAPH, 60) + "\n\n- first item\n- second item that is long enough to wrap over\n  two lines\n* third"
    blocks = text.read(body)
    assert [b.kind for b in blocks] == [Kind.PARAGRAPH, Kind.ITEM, Kind.ITEM, Kind.ITEM]
    assert blocks[2].text == "second item that is long enough to wrap over two lines"
    assert blocks[3].text == "third"


def test_tables_and_headings_in_text():
    page = "Results\n\nDecade | Visitors | Tours\n1980s | 19,500 | 260\n1990s | 22,000 | 310\n\n# Notes\n\n" + PARAGRAPH
    blocks = text.read(page)
    assert _kinds(blocks)[:4] == [(Kind.HEADING, "Results"), (Kind.ROW, "Decade | Visitors | Tours"),
                                  (Kind.ROW, "1980s | 19,500 | 260"), (Kind.ROW, "1990s | 22,000 | 310")]
    assert blocks[4].kind is Kind.HEADING and blocks[4].text == "Notes"


def test_markdown_structure_from_a_commonmark_parse():
    page = ("---\ntitle: Living with IMNM\nauthor: A. Writer\n---\n\n# Treatment\n\n"
            + textwrap.fill("Most patients take **steroids** and [methotrexate](http://x.org) for *months*.", 30)
            + "\n\n- IVIG\n- rituximab\n\n| Drug | Dose |\n|---|---|\n| IVIG | 2 g/kg |\n\n```\ncode here\n```\n")
    meta, blocks = markdown.read(page)
    assert meta["title"] == "Living with IMNM" and meta["author"] == "A. Writer"
    assert _kinds(blocks) == [
        (Kind.HEADING, "Treatment"),
        (Kind.PARAGRAPH, "Most patients take steroids and methotrexate for months."),
        (Kind.ITEM, "IVIG"), (Kind.ITEM, "rituximab"),
        (Kind.ROW, "Drug | Dose"), (Kind.ROW, "IVIG | 2 g/kg"),
        (Kind.CODE, "code here"),
    ]


def test_front_matter_is_not_text_and_a_rule_is_not_front_matter():
    meta, blocks = markdown.read("---\ntitle: T\n---\nBody text here.")
    assert meta == {"title": "T"} and [b.text for b in blocks] == ["Body text here."]
    meta, blocks = markdown.read("---\n\nNot front matter, a rule then text.")
    assert meta == {} and "Not front matter, a rule then text." in [b.text for b in blocks]


def test_a_long_run_with_pipes_in_it_is_prose_not_a_table_row():
    run = " ".join([PARAGRAPH] * 6) + " Home | News | Sport | Contact " + PARAGRAPH
    blocks = text.read(run)
    assert [b.kind for b in blocks] == [Kind.PARAGRAPH]


def test_a_dash_opening_a_line_keeps_its_line_and_its_dash():
    # Dialogue and attributions open with a dash: the line stands alone, the dash is text.
    page = "He said he would come.\n— The Senate (@Senate) October 9, 2018\n– Yes, I will.\n- a bullet\n"
    assert _kinds(text.read(page)) == [
        (Kind.PARAGRAPH, "He said he would come."), (Kind.ITEM, "— The Senate (@Senate) October 9, 2018"),
        (Kind.ITEM, "– Yes, I will."), (Kind.ITEM, "a bullet")]


def test_a_markdown_line_written_all_in_code_spans_is_marked_as_code():
    _, blocks = markdown.read("Selectors:\n\n- `parent > child`\n- `sibling ~ sibling`\n- the `:has()` form\n\n`pip install x`\n")
    assert [(b.text, b.code) for b in blocks] == [
        ("Selectors:", False), ("parent > child", True), ("sibling ~ sibling", True),
        ("the :has() form", False), ("pip install x", True)]


def test_a_markdown_heading_written_all_in_code_spans_is_marked_as_code():
    """An API reference heads each entry with its name in code (### `Table.close([callback])`): what
    its writer marked as code, kept as written like a code paragraph (it was judged as a heading,
    and an installed API page on a page the gate calls noisy lost its method names)."""
    _, blocks = markdown.read("# Class: Table\n\n### `Table.close([callback])`\n\nCloses it.\n\n"
                              "### Event: `'load'`\n")
    assert [(b.kind, b.text, b.code) for b in blocks] == [
        (Kind.HEADING, "Class: Table", False), (Kind.HEADING, "Table.close([callback])", True),
        (Kind.PARAGRAPH, "Closes it.", False), (Kind.HEADING, "Event: 'load'", False)]


def test_markdown_entries_know_their_list_and_every_block_its_share_of_links():
    _, blocks = markdown.read("- [Home](/)\n- [Blog](/blog)\n\nSee [the guide](g.md) first.\n\n"
                              "1. Fixed the parser (#12)\n2. Added a week option\n   - nested entry\n")
    assert [(b.text, b.list_id) for b in blocks] == [
        ("Home", 0), ("Blog", 0), ("See the guide first.", -1),
        ("Fixed the parser (#12)", 1), ("Added a week option", 1), ("nested entry", 2)]
    assert [round(b.link_share, 2) for b in blocks] == [1.0, 1.0, 0.5, 0.0, 0.0, 0.0]
    assert all(b.list_id == -1 for b in text.read("- Home\n- Blog\n"))  # plain text's bullets are guessed


def test_markdown_nested_past_the_parsers_limit_loses_nothing():
    """markdown-it skips everything after a block nested past its limit, to the end of the file:
    with CommonMark's preset, a list nested 10 deep lost its deeper entries and every heading and
    paragraph after it. Past the limit the file is read as plain text."""
    after = "\n# After the list\n\nA paragraph after the list is real content.\n"
    for depth in (12, 60):
        nested = "".join("  " * i + f"- entry number {i} has words\n" for i in range(depth))
        texts = [b.text for b in markdown.read(nested + after)[1]]
        assert texts[-2:] == ["After the list", "A paragraph after the list is real content."]
        assert all(f"entry number {i} has words" in " ".join(texts) for i in range(depth))
    quotes = "".join(">" * i + f" quoted at level {i}\n\n" for i in range(1, 120))
    texts = " ".join(b.text for b in markdown.read("---\ntitle: Deep\n---\n" + quotes + after)[1])
    assert "quoted at level 119" in texts and texts.endswith("A paragraph after the list is real content.")
    assert markdown.read("---\ntitle: Deep\n---\n" + quotes)[0] == {"title": "Deep"}


LICENCE_STYLE = """   1. Definitions.

      "Licensor" shall mean the copyright owner or entity authorized by
      the copyright owner that is granting the License.

      "Contribution" shall mean any work of authorship, including
      the original version of the Work and any modifications or additions
      to that Work or Derivative Works thereof, that is intentionally
      submitted to Licensor for inclusion in the Work by its copyright owner.

      (b) You must cause any modified files to carry prominent notices
          stating that You changed the files; and
"""


def test_text_wrapped_by_hand_at_no_one_width_reads_as_paragraphs():
    # An Apache-style licence: indented, wrapped by hand short of the file's width. A line that
    # stops mid-sentence runs on into a next line in lower case; before, each definition was two
    # blocks or more, the width rule joining only where the next word would not have fitted.
    blocks = text.read(LICENCE_STYLE)
    assert _kinds(blocks) == [
        (Kind.ITEM, "1. Definitions."),
        (Kind.PARAGRAPH, '"Licensor" shall mean the copyright owner or entity authorized by the copyright owner '
                         'that is granting the License.'),
        (Kind.PARAGRAPH, '"Contribution" shall mean any work of authorship, including the original version of '
                         'the Work and any modifications or additions to that Work or Derivative Works thereof, '
                         'that is intentionally submitted to Licensor for inclusion in the Work by its copyright owner.'),
        (Kind.PARAGRAPH, "(b) You must cause any modified files to carry prominent notices stating that You "
                         "changed the files; and"),
    ]


def test_lines_in_lower_case_are_joined_only_in_a_hard_wrapped_file():
    # One paragraph a line (no wrap width): unstopped lines in lower case are the writer's own lines.
    notes = ["we are fundamentally starting with the wrong questions about how children learn",
             "little opportunities to fail and iterate are also opportunities to play with identity",
             "as adults, we have to deeply connect content and what students do, or it has no meaning"]
    assert [b.text for b in text.read("\n".join(notes) + "\n")] == notes
    # A list's short lines are not prose broken in two, whatever the file.
    shopping = "Shopping list\n\nmilk\neggs\nrye bread\ntwo lemons\nwashing-up liquid\nbirthday candles\n"
    assert [b.text for b in text.read(shopping)][1:] == ["milk", "eggs", "rye bread", "two lemons",
                                                         "washing-up liquid", "birthday candles"]


def test_two_spaces_after_a_full_stop_are_not_a_tables_column_gap():
    # Typewriter spacing between sentences (the GPL's own lines); before, such a line was a table row.
    page = ("You must cause any work that you distribute or publish to be licensed under\n"
            "this License.  You must supply a copy of this License.  If the work during\n"
            "execution displays copyright notices, you must show them as well, in\n"
            "the same form and in every copy that you distribute or publish.\n")
    assert [b.kind for b in text.read(page)] == [Kind.PARAGRAPH]
    for row in ("1.6             1.5.2       2000        CNRI        no", "Was this answer helpful?   Yes (184)   No (12)"):
        assert [b.kind for b in text.read(row + "\n")] == [Kind.ROW]


def test_markdown_blocks_know_whether_they_link_to_the_sites_own_paths():
    _, blocks = markdown.read("- [About](/about/)\n- [Docs](https://example.org/)\n- [Usage](#usage)\n"
                              "- [Guide](CONTRIBUTING.md)\n- [CDN](//cdn.example.org/x.js)\n\nSee [our news](/news).\n")
    assert [b.site_links for b in blocks] == [True, False, False, False, False, True]


def test_a_dash_the_wrap_put_at_a_lines_start_is_prose_not_a_list():
    # Hard-wrapped at 72, a sentence's dash can open a line; alone in its paragraph, it is no bullet
    # (before, the line became a list entry and the sentence two blocks). Two or more lines opening
    # with the same mark are a list, as before.
    paragraph = ("Football food is comfort food, the kind people crave on a Sunday afternoon:\n"
                 "pizza, wings, chips, dips and subs, all piled high on the table by kick-off\n"
                 "— and they can be very hard to resist, even for the most careful eaters\n"
                 "among the fans who gather every week to watch the game on a big screen.\n")
    assert _kinds(text.read(paragraph)) == [(Kind.PARAGRAPH, " ".join(paragraph.split()))]
    listed = ("Things to bring to the match on Sunday, in the order of their importance:\n"
              "— a scarf in the colours of the team, and a warm hat for the second half\n"
              "— a flask of hot tea, a packet of biscuits and a sandwich for the break\n"
              "— the tickets, which are printed on paper this time and cannot be replaced\n")
    assert [b.kind for b in text.read(listed)] == [Kind.PARAGRAPH, Kind.ITEM, Kind.ITEM, Kind.ITEM]


def test_one_list_entry_after_a_colon_or_a_bullet_stays_a_list_entry():
    # The lone-dash rule above glued a list of one entry into the paragraph that announced it
    # ("...by the reader: - install the package..."); a colon announces a list, and a bullet such
    # as "*" or "•" opens no sentence, so either keeps the entry apart.
    words = ("The program reads every page of the folder it is given and writes its index beside it, "
             "so that a question asked later finds its passages at once; before the first run of the "
             "program, one step has to be taken by the reader, which the next line of this text names in "
             "full for you here")
    entry = " install the package with pip in a fresh virtual environment first\n"
    wrapped = textwrap.fill(words, 72)
    assert len(wrapped.splitlines()[-1]) == 71  # with its colon, the line before the entry fills the width
    for mark in ("-", "—", "1."):
        page = wrapped + ":\n" + mark + entry
        assert [b.kind for b in text.read(page)] == [Kind.PARAGRAPH, Kind.ITEM], mark
    page = wrapped + ".\n*" + entry
    assert [b.kind for b in text.read(page)] == [Kind.PARAGRAPH, Kind.ITEM]


# --- links are tried only where a "]" follows -------------------------------------------

def _plain_parser():
    from markdown_it import MarkdownIt
    return MarkdownIt("commonmark", {"maxNesting": markdown.MAX_NESTING}).enable("table")


BRACKET_CASES = ["[a](b) [c", "x [a [b] c](d) [", "![i](x) ![", "[foo]\n\n[foo]: /u", "[a \\[b] c](u)",
                 "[a `[` b](x)", "[[x]](y) [[", "\\[", "a ]", "[![i](s)](l) [", "[a\nb](c)\n\n[d", "| [a] | b |\n|---|---|"]


def test_the_link_guard_renders_what_markdown_it_renders():
    for case in BRACKET_CASES:
        assert markdown._parser().render(case) == _plain_parser().render(case), case


def test_the_link_guard_renders_what_markdown_it_renders_on_bracket_soup():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.text(alphabet="[]()!`\\ a\n:<>*", max_size=40))
    def same(case):
        assert markdown._parser().render(case) == _plain_parser().render(case)

    same()


def test_a_run_of_brackets_with_none_closing_is_not_scanned_for_links():
    """100 KB of "![" took 1.8 s in markdown-it's link scan; without a "]" after them no
    bracket can open a link, and the guard answers in a step (the timed bound is in
    test_linear_time; here the work itself is counted)."""
    from markdown_it.rules_inline import link

    calls = []
    guarded = markdown._closable(lambda state, silent: calls.append(state.src[state.pos]) or link(state, silent))
    parser = _plain_parser()
    parser.inline.ruler.at("link", guarded)
    parser.parse("[" * 500 + "a")
    assert calls == []  # no "]" anywhere: no bracket is scanned
    parser.parse("a ] " + "[" * 500 + "a")
    assert "[" not in calls  # the only "]" comes before them
    parser.parse("[" * 500 + "a]")
    assert calls.count("[") >= 500  # a "]" after them: links are tried as markdown-it tries them


def test_the_link_guard_keeps_no_state_shared_between_parses():
    """The guard kept the last paragraph's "]" in a list shared by every parse, and the parser is
    shared: the page's request threads, a build's in-process work and a Dask worker's threads parse
    at once. A parse run between the guard's look-up and its use (here inside reading state.pos,
    where a thread switch can fall) made it refuse a link whose "]" does follow."""
    tried = []
    guarded = markdown._closable(lambda state, silent: tried.append(state.src) or False)

    class Other:  # another parse: a paragraph with no "]"
        src, pos = "no bracket closes here [", 23

    class Interrupted:
        src = "[a link](u)"

        @property
        def pos(self):
            guarded(Other(), False)  # the other thread's parse runs here
            return 0

    guarded(Interrupted(), False)
    assert tried == [Interrupted.src]  # the link is tried: its "]" follows


# A manual page as `man -P cat` lays it out (written for this test): sections at column 0, text at 7,
# options at 7 with their descriptions at 14, a subsection at 3, an example indented deeper. (Its
# paragraphs are one line each: a file this short shows no wrap width.)
MANUAL = """\
PACK(1)                  User Commands                  PACK(1)

NAME
       pack - bundle files into one archive

SYNOPSIS
       pack [OPTION]... ARCHIVE FILE...

DESCRIPTION
       Bundle each FILE into ARCHIVE, which is made when it is missing.

       Options that take a value take it after an equals sign.

       -q, --quiet
              print nothing but errors

       -r, --recursive
              descend into folders, keeping their paths as written.

       --level=N
              compress at level N (default 6)

              The higher the level, the slower the run. For example:

                     pack --level=9 big.pak data

              bundles the folder at the highest level.

   Exit status:
       0      if all went well,

       1      if a file could not be read.

AUTHOR
       Written by nobody in particular.

PACK 1.0                    March 2026                   PACK(1)
"""


def _words(text_):
    return sorted(text_.replace("\u2010", " ").split())


def test_a_manual_pages_indentation_gives_its_sections_and_joins_each_option_to_its_description():
    blocks = text.read(MANUAL)
    headings = [(b.text, b.level) for b in blocks if b.kind is Kind.HEADING]
    assert headings == [("NAME", 1), ("SYNOPSIS", 1), ("DESCRIPTION", 1), ("Exit status:", 2), ("AUTHOR", 1)]
    texts = [b.text for b in blocks]
    # the term opens its definition's passage: one block, no heading over it
    assert "-q, --quiet print nothing but errors" in texts
    assert "-r, --recursive descend into folders, keeping their paths as written." in texts
    assert "--level=N compress at level N (default 6)" in texts
    # the example under an option, over its last sentence, is a line of that option's text
    assert "pack --level=9 big.pak data" in texts and "bundles the folder at the highest level." in texts
    assert "pack - bundle files into one archive" in texts
    assert _words(" ".join(texts)) == _words(MANUAL)  # every word kept


def test_an_options_passage_is_labelled_by_its_section():
    from pipeline.clean import clean_text

    document = clean_text(MANUAL, "pack.1.txt")
    section = {text_: s.heading for s in document.sections for text_ in s.paragraphs}
    assert section["-q, --quiet print nothing but errors"] == "DESCRIPTION"
    assert section["bundles the folder at the highest level."] == "DESCRIPTION"
    assert section["1 if a file could not be read."] == "Exit status:"


# An RFC-like memo (written for this test): numbered sections at column 0, text at 3, terms at 3 with
# their definitions at 6.
MEMO = """\
1.  Introduction

   This memo describes how two hosts agree on a time to meet. It is
   short on purpose.

2.  Terms

   host
      a machine that takes part in the exchange

   meeting
      the moment both hosts named in their last message

2.1.  Notation

   Numbers are written in decimal. Times are in seconds since the start
   of the exchange.
"""


def test_an_rfcs_sections_are_headings_and_its_terms_open_their_definitions():
    blocks = text.read(MEMO)
    assert [(b.kind, b.text) for b in blocks if b.kind is Kind.HEADING] == [
        (Kind.HEADING, "1.  Introduction"), (Kind.HEADING, "2.  Terms"), (Kind.HEADING, "2.1.  Notation")]
    texts = [b.text for b in blocks]
    assert "host a machine that takes part in the exchange" in texts
    assert "meeting the moment both hosts named in their last message" in texts
    assert _words(" ".join(texts)) == _words(MEMO)


def test_code_indented_under_prose_is_no_definition_and_its_comments_no_headings():
    """Markdown's indented code in a hard-wrapped README: a label over it, once, and lines of code
    that open deeper ones ("if ready {") read as before; a "#" line indented 4 or more is a comment."""
    readme = textwrap.dedent("""\
        Quick start

            make
            ./pack demo.pak notes

        The tool reads every file it is given and writes one archive with
        them, in the order they were named. Nothing is compressed twice.

            # a comment, not a heading
            if ready {
                pack --level=9 out.pak data
            }
            for name in files {
                check name
            }

        It stops at the first file that cannot be read.
        """)
    blocks = text.read(readme)
    # ("}" over the sentence after the code is still read as a heading, as before: a wordless line)
    assert [b.text for b in blocks if b.kind is Kind.HEADING and b.text != "}"] == []
    texts = [b.text for b in blocks]
    assert "Quick start" in texts and "make" in texts
    assert "# a comment, not a heading" in texts
    assert "if ready {" in texts and "for name in files {" in texts
    assert _words(" ".join(texts)) == _words(readme)


def test_text_without_indentation_reads_as_before():
    page = "Groceries\n\n- milk\n- rye bread\n\nNotes\n\nCall the shop before noon. They close early.\n"
    assert [(b.kind, b.text) for b in text.read(page)] == [
        (Kind.HEADING, "Groceries"), (Kind.ITEM, "milk"), (Kind.ITEM, "rye bread"),
        (Kind.HEADING, "Notes"), (Kind.PARAGRAPH, "Call the shop before noon. They close early.")]


RST = """\
.. _top:

=================
Myopathy handbook
=================

Statins were stopped and the creatine kinase
fell over three months, as the *notes* say (see `the guide <https://x.org/g>`_
and :ref:`Dosing <dosing>`).

.. This comment is for the writers only.

Treatment
=========

- Steroids first, then a second drug
  such as ``methotrexate``.
- Immunoglobulin for some patients.

Run the check like this::

    $ winnow ask "is it inherited"
    (no answer)

.. note:: Plasmapheresis helps some patients.

.. code-block:: python

   print("kept as written")

Doses
-----

=====  ========
Drug   Dose
=====  ========
IVIG   2 g/kg
=====  ========

Sarcolemma
   The membrane of a muscle fibre.
"""


def test_restructuredtext_titles_lists_literal_blocks_and_markup_read_as_written():
    """.rst files (91 under /usr/share/doc) were skipped as an unknown type."""
    from pipeline.readers import rst

    assert _kinds(rst.read(RST)) == [
        (Kind.HEADING, "Myopathy handbook"),
        (Kind.PARAGRAPH, "Statins were stopped and the creatine kinase fell over three months, as the notes say "
                         "(see the guide and Dosing)."),
        (Kind.HEADING, "Treatment"),
        (Kind.ITEM, "Steroids first, then a second drug such as methotrexate."),
        (Kind.ITEM, "Immunoglobulin for some patients."),
        (Kind.PARAGRAPH, "Run the check like this:"),
        (Kind.CODE, '$ winnow ask "is it inherited"\n(no answer)'),
        (Kind.PARAGRAPH, "Plasmapheresis helps some patients."),
        (Kind.CODE, 'print("kept as written")'),
        (Kind.HEADING, "Doses"),
        (Kind.ROW, "Drug | Dose"),
        (Kind.ROW, "IVIG | 2 g/kg"),
        (Kind.PARAGRAPH, "Sarcolemma: The membrane of a muscle fibre."),
    ]
    assert [b.level for b in rst.read(RST) if b.kind is Kind.HEADING] == [1, 2, 3]


def test_restructuredtext_literals_and_interpreted_text_are_shown_as_written():
    """The markup rules ran over the text of literals and roles too: ``__init__`` was shown as
    "__init_" (a reference's underscore), ``C:\\temp`` lost its backslash, ``|x|`` its bars."""
    from pipeline.readers import rst

    assert rst.inline("Call ``__init__`` or `__setitem__` with ``MAX_SIZE_`` in ``C:\\temp``; "
                      "``|x|`` and :code:`[1]_` stay, *emphasis* and ref_ and |sub| do not.") == (
        "Call __init__ or __setitem__ with MAX_SIZE_ in C:\\temp; |x| and [1]_ stay, emphasis and ref and sub do not.")
    assert rst.inline("a\x00b ``c\x00d``") == "ab cd"  # the mark of a span kept is no text of the line


def test_restructuredtext_a_roles_tilde_and_bang_show_what_sphinx_shows():
    """:class:`~a.b.C` was shown as "~a.b.C"; Sphinx shows its last dotted part, and a target
    marked "!" without the mark."""
    from pipeline.readers import rst

    assert rst.inline("Use :class:`~pkg.mod.Index` or :meth:`~pkg.Index.search()` or :func:`!open`, "
                      "not :class:`pkg.Other` or :ref:`~ <x>`.") == (
        "Use Index or search() or open, not pkg.Other or ~.")


def test_restructuredtext_a_paragraph_opening_with_an_initial_is_no_list_entry():
    """A paragraph opening "A. Einstein" was read as an entry of an enumerated list: its initial was
    dropped and its sentence cut at the line's end. docutils reads an enumerator as an entry only
    when the line after it is blank, indented or another entry."""
    from pipeline.readers import rst

    assert _kinds(rst.read("A. Einstein was a really\nsmart dude.\n\nI. Smith and J. Doe reported\nthe case.\n")) == [
        (Kind.PARAGRAPH, "A. Einstein was a really smart dude."),
        (Kind.PARAGRAPH, "I. Smith and J. Doe reported the case.")]
    assert _kinds(rst.read("1. one\n2. two\n   more\n#. three\n\nA. alone\n")) == [
        (Kind.ITEM, "one"), (Kind.ITEM, "two more"), (Kind.ITEM, "three"), (Kind.ITEM, "alone")]


def test_restructuredtext_a_short_underline_under_a_longer_line_is_text():
    """"yields" over "::" (cmake's foreach.rst) was a section title, and the literal block under it
    prose: docutils reads an underline shorter than its title and than four characters as text."""
    from pipeline.readers import rst

    assert _kinds(rst.read("The loop yields\n::\n\n  -- X=a\n  -- X=b\n\nAb\n--\n\nText.\n")) == [
        (Kind.PARAGRAPH, "The loop yields"), (Kind.CODE, "-- X=a\n-- X=b"), (Kind.HEADING, "Ab"),
        (Kind.PARAGRAPH, "Text.")]


def test_markdown_notes_written_one_a_line_stay_apart_with_their_labels():
    """Notes with no blank line between ("[^1]: a" over "[^2]: b") were one paragraph, and the cleaner
    then took every label after the first for a citation mark in a sentence and removed it."""
    from pipeline.clean import clean_markdown

    notes = "[1] Mammen, Arthritis Rheum 2011.\n[2] Christopher-Stine, *2010*,\nwrapped.\n[^3]: A third note."
    assert _kinds(markdown.read("# Notes\n\nText.\n\n" + notes)[1])[2:] == [
        (Kind.PARAGRAPH, "[1] Mammen, Arthritis Rheum 2011."), (Kind.PARAGRAPH, "[2] Christopher-Stine, 2010, wrapped."),
        (Kind.PARAGRAPH, "[^3]: A third note.")]
    assert "[2] Christopher-Stine" in clean_markdown("# Notes\n\nText.\n\n" + notes).text
    assert _kinds(markdown.read("See [the guide] and\n[2] more.")[1]) == [(Kind.PARAGRAPH, "See [the guide] and [2] more.")]
