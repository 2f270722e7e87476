"""The README is true where a new user reads it first: its commands, their options and the module map."""

from __future__ import annotations

import re
import shlex

from cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _use_block() -> list[str]:
    """The command lines of the README's "Use" section (its first sh block), comments cut."""
    section = README[README.index("## Use"):]
    block = section[section.index("```sh") + 5:section.index("```", section.index("```sh") + 5)]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def _options(command) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)} | {"-h", "--help"}


def test_every_command_of_the_use_block_exists_with_its_options():
    seen = set()
    for line in _use_block():
        # the one winnow or ask command of the line, without the pipes and redirections around it
        words = next(w for part in re.split(r"\|\|?|&&|[<>]", line) if (w := shlex.split(part))
                     and w[0] in ("winnow", "ask"))
        name, args = ("ask", words[1:]) if words[0] == "ask" else (words[1], words[2:])
        assert name in main.commands, line
        seen.add(name)
        unknown = [a.split("=")[0] for a in args if a.startswith("-") and a != "-" and a.split("=")[0]
                   not in _options(main.commands[name])]
        assert unknown == [], line
    assert seen == set(main.commands)  # every command is shown once at least


def test_every_option_the_prose_names_exists():
    """`--flag` in the README's Use and Conventions sections is an option of some command."""
    text = README[README.index("## Use"):README.index("### Citations")]
    known = set().union(*(_options(c) for c in main.commands.values())) | {"--version"}
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text))
    assert named - known == set()


def test_the_module_map_names_every_module():
    block = README[README.index("## How it works"):]
    block = block[:block.index("```", block.index("```") + 3)]
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pipeline").glob("*.py") if p.name != "__init__.py"}
    missing = [m for m in sorted(modules) if not re.search(rf"^\s+{re.escape(m.split('/', 1)[1])}\s", block, re.M)]
    assert missing == []


def test_every_command_but_clean_takes_the_shared_options():
    """As the README says: --sources, --index and -q/--quiet on every command but `clean`."""
    assert "Every command but `clean` takes `--sources DIR`" in " ".join(README.split())
    for name, command in main.commands.items():
        shared = {"--sources", "--index", "-q", "--quiet"} <= _options(command)
        assert shared == (name != "clean"), name
