"""Manual pages as plain text: words kept, and each option's passage labelled by its section.

Usage: PYTHONPATH=. python bench/bench_manpages.py [COMMAND ...]

Each command's manual page is rendered as `MANWIDTH=80 man -P cat COMMAND` prints it (sections
at column 0, subsections at 3, text and options at 7, an option's description deeper) and
cleaned with clean_text, as `winnow clean` would clean the saved file. An option is a line at
the body column (5 or 7) opening with "-"; its section is the last short line at column 0-3
above it (a subsection when there is one), and a blank line before it (a line of prose wrapped
onto "-name" is none). It counts as labelled when the paragraph that opens with it, the first
after the previous option's, sits in a section of that heading. A command without a manual page here is skipped with
a warning. Run it in two checkouts to compare.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.clean import clean_text  # noqa: E402

# Coreutils, text tools, network and shell manuals of a Debian system: short and long, groff and
# mandoc layouts (ssh's body sits at 5).
COMMANDS = ("ls", "cp", "chmod", "date", "sort", "diff", "sed", "grep", "xargs", "find", "tar", "ps",
            "man", "less", "awk", "git", "ssh", "curl", "bash")
_HEADING_MAX_WORDS = 8
_GAP_RE = re.compile(r"\S {3,}\S")  # the page's header and footer lines: cells apart


def render(command: str) -> str:
    """The manual page as `man -P cat` prints it at 80 columns, or "" when there is none."""
    try:
        done = subprocess.run(["man", "-P", "cat", command], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": ""})
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def options_by_section(page: str) -> list[tuple[str, str]]:
    """Each option line's first word with the heading of the (sub)section it is in."""
    found, section, blank = [], "", True
    for line in page.split("\n"):
        text = line.strip()
        indent = len(line) - len(line.lstrip())
        if not text:
            blank = True
            continue
        if indent <= 3 and len(text.split()) <= _HEADING_MAX_WORDS and not _GAP_RE.search(text):
            section = text
        elif indent in (5, 7) and text.startswith("-") and section and blank:  # not a wrapped line of prose
            found.append((text.split()[0], section))
        blank = False
    return found


def measure(page: str) -> tuple[int, int, int, int]:
    """Words of the page, words kept, options, options labelled by their section."""
    document = clean_text(page, "page.txt")
    words = len(page.replace("\u2010", "").split())
    kept = sum(len(p.split()) for s in document.sections for p in s.paragraphs)
    kept += sum(len(s.heading.split()) for s in document.sections if s.heading and s.paragraphs != (s.heading,))
    options = options_by_section(page)
    labelled = 0
    # each heading and paragraph, in document order, with the heading of its section
    units = [(s.heading, text) for s in document.sections for text in (s.heading, *s.paragraphs) if text]
    at = 0  # options come in the page's order: each is looked for after the one before
    for option, section in options:
        for i in range(at, len(units)):
            if units[i][1].startswith(option):
                labelled += units[i][0] == section
                at = i + 1
                break
    return words, kept, len(options), labelled


def main() -> None:
    commands = sys.argv[1:] or COMMANDS
    totals = [0, 0, 0, 0]
    print(f"{'page':8} {'words':>7} {'kept':>7} {'options':>8} {'labelled':>9}")
    for command in commands:
        page = render(command)
        if not page:
            print(f"warning: no manual page for {command}: skipped", file=sys.stderr)
            continue
        figures = measure(page)
        totals = [t + f for t, f in zip(totals, figures)]
        print(f"{command:8} {figures[0]:7} {figures[1]:7} {figures[2]:8} {figures[3]:9}")
    words, kept, options, labelled = totals
    if options:
        print(f"{'total':8} {words:7} {kept:7} {options:8} {labelled:9}  "
              f"(labelled {labelled / options:.3f}, words kept {kept / max(words, 1):.3f})")


if __name__ == "__main__":
    main()
