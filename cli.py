"""winnow's command line: parse, call the pipeline, render. Nothing else.

Results go to stdout; logs, warnings, progress and summaries go to stderr.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import re
import sys
import textwrap
from pathlib import Path

import click

from pipeline.errors import WinnowError

from pipeline.sources import KINDS, shell_word  # cheap to import
from pipeline.sources import quoted_name as _name  # a file name for a terminal, as `ls` quotes it

SOURCE_TYPES = " ".join(sorted(KINDS, key=lambda e: (KINDS[e], e)))
SOURCES_HELP = (f"Folder of source pages ({SOURCE_TYPES}), searched recursively. Without it, an index answers "
                "for the folder it was built from. [env: WINNOW_SOURCES; default: seeds]")
INDEX_HELP = "Folder holding the on-disk index. [env: WINNOW_INDEX; default: index]"


# The exit status of a command that ran well but found nothing (`ask` with no passage matching),
# as grep's: scripts tell "no answer" from an answer without parsing the output; errors also exit 1.
NO_RESULT = 1

# Far above any question (the longest test question is ~20k characters), far below memory.
MAX_QUESTION_CHARS = 1 << 20


def _warn(message: str) -> None:
    click.echo(f"warning: {_safe(message)}", err=True)


# --- nothing from a source reaches a terminal raw ------------------------------------------------

# C0 controls but tab and newline, DEL, and C1 controls (U+009B is a one-character CSI on some
# terminals): a page holding "\x1b]0;PWNED\x07" must not retitle or reprogram the terminal.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What json.dumps(ensure_ascii=False) leaves raw that a terminal may act on (it escapes C0).
_JSON_CONTROL_RE = re.compile(r"[\x7f-\x9f]")


def _safe(text: str) -> str:
    """Text for a terminal: every control character shown as a visible \\xNN escape."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _json(value, **options) -> str:
    """json.dumps for the terminal: UTF-8 text as is, but DEL and C1 controls escaped (still the same JSON)."""
    return _JSON_CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False, **options))


def _escape_unencodable(error: UnicodeError):
    """Codec error handler: a character the output encoding lacks becomes a JSON-style \\uXXXX escape
    (a surrogate pair above U+FFFF), so `--json` output stays valid JSON in any encoding."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for ch in error.object[error.start:error.end]:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


def _tolerant_streams() -> None:
    """stdout and stderr never fail on a character their encoding lacks (PYTHONIOENCODING=latin-1)."""
    import codecs

    codecs.register_error("winnow-escape", _escape_unencodable)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="winnow-escape")


# --- options every index command shares ------------------------------------------------------------


def _remember(name: str):
    def callback(ctx: click.Context, param, value):
        if isinstance(value, float) and value != value:  # NaN passes FloatRange(min=0): it compares false
            raise click.BadParameter("not a number; give seconds, e.g. --wait 30", ctx=ctx, param=param)
        ctx.meta[f"winnow.{name}"] = value
    return callback


def common_options(func):
    """--sources, --index, --follow-links, --wait, --rebuild and --quiet, shared by every index command.

    --follow-links, --wait and --quiet are read from the context (_setting) where a
    build runs, rather than passed through every command's signature.
    """
    func = click.option("-q", "--quiet", is_flag=True, default=False, expose_value=False, callback=_remember("quiet"),
                        help="Print no progress and no summaries on stderr (warnings and errors still go there).")(func)
    func = click.option("--rebuild", is_flag=True, default=False, expose_value=False, callback=_remember("rebuild"),
                        help="Rebuild the index from --sources from scratch, even if it was built from another "
                             "folder (without it, asking an index about another folder is an error).")(func)
    func = click.option("--wait", type=click.FloatRange(min=0), default=None, expose_value=False,
                        metavar="SECONDS", envvar="WINNOW_WAIT", show_envvar=False, callback=_remember("wait"),
                        help="How long to wait for another process's build of the same index. Without it, "
                             "`build` gives up after 60 s, and `ask`, `passages`, `status` and `eval` answer "
                             "from the current index at once, saying a refresh is under way. "
                             "[env: WINNOW_WAIT]")(func)
    func = click.option("--follow-links", is_flag=True, default=False, expose_value=False,
                        envvar="WINNOW_FOLLOW_LINKS", show_envvar=False, callback=_remember("follow_links"),
                        help="Also read links that lead outside the sources folder (they are skipped with a "
                             "warning otherwise). [env: WINNOW_FOLLOW_LINKS]")(func)
    func = click.option("--index", "index_dir", envvar="WINNOW_INDEX", default="index", show_envvar=False,
                        type=click.Path(file_okay=False, path_type=Path), help=INDEX_HELP)(func)
    func = click.option("--sources", "sources_dir", envvar="WINNOW_SOURCES", default="seeds", show_envvar=False,
                        type=click.Path(path_type=Path), help=SOURCES_HELP)(func)
    return func


def _setting(name: str, default=None):
    ctx = click.get_current_context(silent=True)
    value = ctx.meta.get(f"winnow.{name}") if ctx is not None else None
    return default if value is None else value


def _check_sources(sources_dir: Path) -> None:
    """A missing sources folder, or a file in its place, is a usage error (exit 2)."""
    from pipeline.collection import Collection
    from pipeline.errors import SourcesError

    try:
        Collection(sources_dir, Path(".")).check_sources()
    except SourcesError as error:
        raise _sources_error(error) from None


def _sources_error(error) -> click.BadParameter:
    """A sources folder that is not one, as a usage error that says what to do (the default, seeds,
    exists only in a checkout: elsewhere a new user's first `ask` meets this)."""
    hint = ("; give the folder of your pages with --sources DIR (or WINNOW_SOURCES=DIR)"
            if str(error).endswith("does not exist.") else "")
    return click.BadParameter(_safe(str(error).rstrip(".") + hint if hint else str(error)), param_hint="'--sources'")


# When stderr is not a terminal (a log file, CI), a build says how far it is this often,
# rather than nothing for minutes; on a terminal the progress bar redraws itself.
PROGRESS_SECONDS = 5.0


def _progress(plan):
    """The build plan, reported on stderr as it is worked through."""
    return _report_progress(plan, "Ingesting sources", lambda item: item[0].rel if item else None)


def _report_progress(items, label: str, show=None):
    """Yield the items, saying on stderr how far the work is: a bar on a terminal, else a line every
    PROGRESS_SECONDS (nothing for work shorter than that)."""
    if sys.stderr.isatty():
        with click.progressbar(items, label=label, file=sys.stderr, show_pos=True, item_show_func=show) as bar:
            yield from bar
        return
    import time

    total, started = len(items), time.monotonic()
    last = started
    for done, item in enumerate(items):
        now = time.monotonic()
        if now - last >= PROGRESS_SECONDS:
            last = now
            click.echo(f"{label}: {done} of {total} ({100 * done // max(total, 1)}%), "
                       f"{now - started:.0f} s so far", err=True)
        yield item


def _notify(message: str) -> None:
    click.echo(_safe(message), err=True)


def _sources_given(ctx: click.Context | None) -> bool:
    """Did the user name the sources folder (option or environment), rather than take the default?"""
    from click.core import ParameterSource

    return ctx is not None and ctx.get_parameter_source("sources_dir") not in (None, ParameterSource.DEFAULT)


def _collection(sources_dir: Path, index_dir: Path, follow_links: bool | None = None, given: bool | None = None):
    """The Collection a command works on, reporting on stderr.

    Without --sources (or WINNOW_SOURCES) an index answers for the folder it was built
    from; a folder named that is not that one is an error (SourcesMismatch) unless
    --rebuild is given.
    """
    from pipeline.collection import Collection, remembered_sources

    rebuild = bool(_setting("rebuild", False))
    given = _sources_given(click.get_current_context(silent=True)) if given is None else given
    if given:
        _check_sources(sources_dir)
    elif not rebuild:
        origin = remembered_sources(index_dir)
        if origin is not None:  # gone or not, it is the folder this index speaks for
            sources_dir = origin
    if index_dir.resolve() == sources_dir.resolve():  # its own files would become sources
        raise click.BadParameter(f"'{index_dir}' is the sources folder; the index needs a folder of its own "
                                 f"(e.g. --index {sources_dir.resolve().name}-index)", param_hint="'--index'")
    quiet = bool(_setting("quiet", False))
    return Collection(sources_dir, index_dir, follow_links=_setting("follow_links", False) if follow_links is None
                      else follow_links, wait=_setting("wait"), rebuild=rebuild, warn=_warn,
                      notify=None if quiet else _notify, progress=None if quiet else _progress,
                      on_build=None if quiet else lambda report: _say_build(report, index_dir))


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _say_build(report, index_dir: Path) -> None:
    """Say what a build did on stderr, in one line."""
    from pipeline.collection import shown

    how = ("Built the index from scratch" if report.full else "Updated the index" if report.written
           else "The index is up to date")
    kept_words, words = report.kept_totals()
    kept = f"; the cleaner kept {kept_words} of {_plural(words, 'word')}" if words else ""
    # A build from scratch reads every source: what it indexed is the news, not what changed
    # since an index it did not use ("0 sources added, ... 0 reused" after --full).
    indexed = (f"{_plural(report.sources_read, 'source')} indexed" if report.full else
               f"{_plural(report.added, 'source')} added, {report.changed} changed, {report.removed} removed, "
               f"{report.reused} reused; {report.sources_read} indexed")
    click.echo(
        f"{how} in {shown(index_dir)}: {indexed}, {report.sources_skipped} skipped, "
        f"{_plural(report.passages, 'passage')}, "
        f"{_plural(report.duplicates_dropped, 'duplicate')} dropped{kept}, {report.seconds:.2f} s",
        err=True,
    )


def _build_record(report, index_dir: Path, sources_dir: Path) -> dict:
    """A build's summary for --json; its folders absolute, as in `status --json`."""
    return {"index": str(index_dir.resolve()), "sources_folder": str(sources_dir.resolve()),
            "sources_read": report.sources_read,
            "sources_skipped": report.sources_skipped,
            "skipped": report.skipped + [{**entry, "sha256": None} for entry in report.left_out],
            "added": report.added, "changed": report.changed, "removed": report.removed,
            "reused": report.reused, "full": report.full, "written": report.written,
            "passages": report.passages, "duplicates_dropped": report.duplicates_dropped,
            "kept": report.kept, "seconds": round(report.seconds, 3)}


def _with_index(sources_dir: Path, index_dir: Path, use, follow_links: bool | None = None, given: bool | None = None):
    """use(searcher) on an up-to-date index (Collection.use), builds reported on stderr."""
    return _collection(sources_dir, index_dir, follow_links=follow_links, given=given).use(use)


# --- rendering -------------------------------------------------------------------------


def _use_color(choice: str | None) -> bool:
    """Colour and bold on stdout: --color always/never, else only on a terminal and without NO_COLOR."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        return False
    return sys.stdout.isatty()


def color_option(func):
    return click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True, help="Highlight matched words in colour: on a terminal only (auto, "
                                                "and never when NO_COLOR is set), always or never.")(func)


def _highlight(text: str, question: str, color: bool) -> str:
    """Mark the words of the text that match a question term (same analyzer); plain text without colour,
    so `ask ... | grep` finds the words as written."""
    from pipeline.analyze import TOKEN_RE, analyze

    wanted = set(analyze(question))
    if not wanted or not color:
        return text

    def mark(match: re.Match) -> str:
        word = match.group(0)
        if wanted.isdisjoint(analyze(word)):
            return word
        return click.style(word, bold=True, fg="yellow")

    return TOKEN_RE.sub(mark, text)


def _filled(text: str, initial_indent: str, subsequent_indent: str) -> str:
    """Text wrapped at 96 columns for the terminal, line by line: the lines of a code block stay lines."""
    lines = text.split("\n")
    return "\n".join(textwrap.fill(_safe(line), width=96, initial_indent=initial_indent if not k else subsequent_indent,
                                    subsequent_indent=subsequent_indent) or subsequent_indent.rstrip()
                      for k, line in enumerate(lines))


def _render_hits(hits, question: str, bests: list[str], color: bool, empty: bool = False) -> None:
    if not hits:
        from pipeline.analyze import analyze

        if empty:  # no question could match: say why, rather than let the question take the blame
            click.echo("No passage matches this question: the index holds no passages, as its sources folder "
                       "has no readable source (`winnow status` says which folder it reads).")
        elif not analyze(question):  # "what is it", "is there": nothing left to look for
            click.echo("No passage matches this question: every word of it is a common word (such as 'what', "
                       "'is', 'the') that is not indexed; name what you are asking about.")
        else:
            click.echo("No passage matches this question.")
        return
    for hit, best in zip(hits, bests):
        p = hit.passage
        where = f"{_name(p.source)} › {p.section}" if p.section else _name(p.source)
        heading = _safe(f"[{hit.score:.3f}] {where}  ({_name(p.passage_id)})")
        click.echo(click.style(f"{hit.rank}. ", bold=True) + heading, color=color)
        if hit.url:
            click.echo(_safe(f"   from {hit.url}"))
        if best != p.text:
            line = _filled(best, initial_indent="   > ", subsequent_indent="     ")
            click.echo(_highlight(line, question, color), color=color)
        body = _filled(p.text, initial_indent="   ", subsequent_indent="   ")
        click.echo(_highlight(body, question, color), color=color)
        others = [_name(s) for s in p.sources if s != p.source]
        if others:
            click.echo(_safe(f"   also in {_plural(len(others), 'other source')}: {', '.join(others)}"))
        click.echo("")


# --- commands ----------------------------------------------------------------------------


def _invoke(invoke, ctx: click.Context):
    """Run a command: library errors become one clear line on stderr (a missing sources folder a
    usage error, exit 2; others exit 1), never a traceback; Ctrl-C exits 130 with one line."""
    from pipeline.errors import SourcesError

    try:
        return invoke(ctx)
    except SourcesError as error:
        raise _sources_error(error) from None
    except WinnowError as error:
        raise click.ClickException(_safe(str(error))) from None
    except BrokenPipeError:
        # The reader went away (`ask ... | head`): end quietly with the status a shell gives a
        # program stopped by SIGPIPE (128 + 13), as GNU tools do, not 1 for an error; stdout
        # goes to devnull so that the interpreter's last flush has nowhere to fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as error:
        raise click.ClickException(_safe(_os_error(error))) from None
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        sys.exit(130)  # 128 + SIGINT, as a shell reports it


class _Group(click.Group):
    """The command group (see _invoke)."""

    def invoke(self, ctx: click.Context):
        return _invoke(super().invoke, ctx)


class _Command(click.Command):
    """A command that renders errors itself, also when run alone as the `ask` script (see _invoke)."""

    def invoke(self, ctx: click.Context):
        return _invoke(super().invoke, ctx)


def _os_error(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"


HELP = {"help_option_names": ["-h", "--help"]}


@click.group(cls=_Group, context_settings=HELP)
@click.version_option(package_name="winnow", message="winnow %(version)s")
def main():
    """winnow: turn a folder of noisy web pages into a question-answering index that cites its sources.

    \b
    Typical use:
      winnow build                        ingest ./seeds into ./index
      winnow ask what antibodies are involved
      winnow ask -k 3 --json "how is it treated"
      winnow show PASSAGE_ID              a hit in the context of its source
      winnow serve                        the same on a local web page
      winnow clean page.html              see what the cleaner keeps
      winnow status                       is the index up to date?

    The index follows its sources: `ask`, `passages`, `status`, `show` and `eval`
    notice added, edited or removed files and update the index before answering.
    """


main.command_class = _Command
# cleandoc first: click dedents the help as a whole, and an appended unindented line would
# keep the docstring's indentation (the \b example block shifted, a paragraph rewrapped with gaps).
main.help = inspect.cleandoc(main.help) + (
    f"\n\nSources are the files under the sources folder ending in {SOURCE_TYPES} (JSON Lines: "
    "one document per line with `_id` and `text`, cited as FILE#_id); other files are skipped with a warning.")


# A Dask scheduler address as `dask scheduler` prints it: [PROTOCOL://]HOST:PORT, HOST a name, an
# IPv4 address or an [IPv6] one. Checked before the build starts (Dask itself fails after the plan).
DASK_ADDRESS_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://)?(?:\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+):\d{1,5}")


@main.command()
@common_options
@click.option("--full", is_flag=True, help="Rebuild from scratch: ignore the previous build and the per-source cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the build summary as one JSON object on stdout.")
@click.option("--trust", "trust", multiple=True, metavar="PATH",
              help="A file or folder under the sources folder to index as written, without cleaning "
                   "(repeatable). Kept with the index: later builds and refreshes use the same list.")
@click.option("--no-trust", is_flag=True, help="Forget the trusted files and folders: clean every source.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes for the per-source work (read, clean, split, analyse). Default: every core. "
                   "The index is the same for any number.")
@click.option("--dask", "dask_address", envvar="WINNOW_DASK", metavar="ADDRESS",
              help="Run the per-source work on the Dask cluster whose scheduler is at ADDRESS "
                   "(tcp://host:8786; env WINNOW_DASK). Needs `pip install 'winnow[dask]'` here and on "
                   "every worker; sources travel with the tasks, so workers need no shared disk.")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def build(sources_dir: Path, index_dir: Path, full: bool, as_json: bool, trust: tuple[str, ...], no_trust: bool,
          jobs: int | None, dask_address: str | None, folder: Path | None):
    """Ingest the sources and write the index, re-processing only what changed.

    Cleans every page (navigation, ads, UI text, disclaimers, spam), splits it into
    sections and sentence-aligned passages, drops duplicates while remembering every
    source, and writes a BM25 index. Sources unchanged since the last build come from
    a cache; the result is the same as a build from scratch (--full). A summary with
    how many sources were added, changed, removed and reused goes to stderr, with
    how many words the cleaner kept (a warning names any page that kept under half;
    `winnow clean --explain PAGE` says why, and `--trust PAGE` indexes it as written).

    \b
    Examples:
      winnow build                          ./seeds into ./index
      winnow build notes                    ./notes into ./index (as --sources notes)
      winnow build --sources notes --index notes-index
      winnow build --full --json | jq .passages
      winnow build --sources notes --trust notes/mine.md
    """
    if trust and no_trust:
        raise click.UsageError("give either --trust or --no-trust, not both")
    if dask_address and not DASK_ADDRESS_RE.fullmatch(dask_address):
        raise click.BadParameter(f"'{dask_address}' is not a scheduler address; give one as tcp://HOST:PORT "
                                 "(e.g. tcp://scheduler:8786)", param_hint="'--dask'")
    given = None
    if folder is not None:
        from click.core import ParameterSource

        # On the command line twice is ambiguous; WINNOW_SOURCES gives way to the command line.
        if click.get_current_context().get_parameter_source("sources_dir") is ParameterSource.COMMANDLINE \
                and sources_dir.resolve() != folder.resolve():
            raise click.UsageError(f"two sources folders given: '{folder}' and --sources '{sources_dir}'; give one")
        sources_dir, given = folder, True
    collection = _collection(sources_dir, index_dir, given=given)
    collection.check_sources()
    trusted = _trusted_paths(collection.sources, trust) if trust else () if no_trust else None
    report = collection.build(full=full, trusted=trusted, jobs=jobs, dask=dask_address or None)
    if as_json:
        click.echo(_json(_build_record(report, index_dir, collection.sources)))


def _trusted_paths(sources_dir: Path, paths: tuple[str, ...]) -> tuple[str, ...]:
    """--trust values as names under the sources folder (given relative to it or to the working folder)."""
    root = sources_dir.resolve()
    out = []
    for value in paths:
        for candidate in (Path(value), sources_dir / value):
            try:
                rel = candidate.resolve().relative_to(root)
            except ValueError:
                continue
            if candidate.exists():
                out.append(rel.as_posix())
                break
        else:
            raise click.BadParameter(f"'{value}' is not a file or folder under {sources_dir}.", param_hint="'--trust'")
    return tuple(out)


def _read_bounded(handle, name: str, param_hint: str) -> str:
    """A question from a file or stdin: UTF-8, at most MAX_QUESTION_CHARS, not empty; usage errors otherwise."""
    try:
        question = handle.read(MAX_QUESTION_CHARS + 1)  # bounded: `-f /dev/zero` must end
    except UnicodeDecodeError:
        raise click.BadParameter(f"'{name}' is not UTF-8 text.", param_hint=param_hint) from None
    except OSError as error:
        raise click.BadParameter(f"cannot read '{name}': {error.strerror or error}", param_hint=param_hint) from None
    if len(question) > MAX_QUESTION_CHARS:
        raise click.BadParameter(f"'{name}' is longer than {MAX_QUESTION_CHARS} characters; "
                                 "a question is a few lines.", param_hint=param_hint)
    if not question.strip():
        raise click.BadParameter(f"'{name}' holds no question.", param_hint=param_hint)
    return question.strip()


def _read_question(words: tuple[str, ...], question_file) -> str:
    """The question: its words as arguments (quoted or not), or --file, or standard input when that
    is not a terminal (`echo ... | ask`); exactly one of them, usage errors otherwise."""
    question = " ".join(words) if words else None
    if question is not None and question_file is not None:
        raise click.UsageError("give the question either as an argument or with --file, not both")
    if question_file is not None:
        return _read_bounded(question_file, question_file.name, "'--file'")
    if question is None:
        if sys.stdin is not None and not sys.stdin.isatty():  # None: started without standard input
            import io

            binary = getattr(sys.stdin, "buffer", None)
            stdin = io.TextIOWrapper(binary, encoding="utf-8", errors="strict") if binary else sys.stdin
            return _read_bounded(stdin, "<stdin>", "'QUESTION'")
        raise click.UsageError('missing the question; ask something, e.g. ask what antibodies are involved')
    if not question.strip():
        raise click.BadParameter("the question is empty; ask something, e.g. ask what antibodies are involved",
                                 param_hint="'QUESTION'")
    return question


@main.command(context_settings=HELP)
@common_options
@click.argument("question", nargs=-1)
@click.option("-f", "--file", "question_file", type=click.File("r", encoding="utf-8"),
              help="Read the question from FILE ('-' for stdin) instead of the argument.")
@click.option("-k", "--top-k", "top_k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many passages to return.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON array of hits on stdout (each with its source's original `url`, or null).")
@click.option("--explain", is_flag=True,
              help="First print the weighted query: each term, its weight and why (with --json: {query, hits}).")
@color_option
@click.version_option(package_name="winnow", message="winnow %(version)s")
def ask(sources_dir: Path, index_dir: Path, question: tuple[str, ...], question_file, top_k: int, as_json: bool,
        explain: bool, color: str):
    """Answer QUESTION with the best-matching passages and their sources.

    QUESTION is the rest of the line (quotes are optional), or standard input
    when it is not a terminal. Each hit shows its rank, BM25 score, source file,
    section, original address (where the saved page names one) and passage, with
    the question's terms highlighted on a terminal. `winnow show PASSAGE_ID` shows
    a hit in the context of its source. The index is built or updated first if needed.

    \b
    Examples:
      ask what antibodies are involved
      ask -k 10 --json "statin exposure" | jq '.[].source'
      echo "is it inherited" | ask
      ask --file question.txt
      ask --explain "is it inherited"
    """
    from pipeline.collection import answer
    from pipeline.search import hit_record

    question = _read_question(question, question_file)
    hits, query, bests, n_passages = _with_index(
        sources_dir, index_dir, lambda searcher: (*answer(searcher, question, top_k), searcher.n_passages))
    if as_json:
        records = [hit_record(h, b) for h, b in zip(hits, bests)]
        if explain:
            terms = [{"term": t.term, "weight": round(t.weight, 6), "why": list(t.why)} for t in query.terms]
            click.echo(_json({"query": terms, "notes": list(query.notes), "hits": records}, indent=1))
        else:
            click.echo(_json(records, indent=1))
    else:
        if explain:
            click.echo("query (weight, term, why):")
            for line in query.explain():
                click.echo("  " + _safe(line))
            click.echo("")
        if hits or not _setting("quiet", False):  # `ask -q ... || echo "no answer"`: the exit status says it
            _render_hits(hits, question, bests, _use_color(color), empty=n_passages == 0)
    if not hits:  # as grep: 1 when nothing was found, so `ask ... && ...` tests for an answer
        sys.exit(NO_RESULT)


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line (passage_id, source, sources, section, text, url), the fields of an "
                   "`ask --json` hit.")
def passages(sources_dir: Path, index_dir: Path, as_json: bool):
    """List every indexed passage, in passage-id order (the index is built or updated first if needed).

    Each passage is its id (`SOURCE#N`, as `ask` cites it), its section and its text;
    with --json, one JSON object per line.

    \b
    Examples:
      winnow passages | less
      winnow passages --json | jq -r .passage_id
    """
    from pipeline.collection import checked_passages
    from pipeline.search import passage_record

    def listed(searcher):
        urls: dict = {}  # one address per source, checked once
        return [(p, urls[p.source] if p.source in urls else urls.setdefault(p.source, searcher.url(p.source)))
                for p in checked_passages(searcher.passages(), searcher.generation)]

    for p, url in _with_index(sources_dir, index_dir, listed):
        if as_json:
            click.echo(_json(passage_record(p, url)))
        else:
            text = "\n".join(f"   {line}".rstrip() for line in p.text.split("\n"))  # its lines, each indented
            click.echo(_safe(f"{_name(p.passage_id)}  [{p.section}]\n{text}\n"))


@main.command()
@common_options
@click.option("--check", is_flag=True,
              help="Only report whether the index is up to date; do not update it. Exits 1 when it is out of "
                   "date or missing (for scripts: `winnow status --check || winnow build`).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the status as one JSON object; its folders (index, sources_folder, built_from) are "
                   "absolute paths.")
def status(sources_dir: Path, index_dir: Path, check: bool, as_json: bool):
    """Say where the index is, what it holds, and bring it up to date (unless --check).

    What was out of date (added, changed, removed sources, settings) is reported,
    then the index is updated like `ask` does before answering. Every byte of the
    index is checked against its checksums.

    \b
    Examples:
      winnow status
      winnow status --check || winnow build
      winnow status --json | jq .up_to_date
    """
    collection = _collection(sources_dir, index_dir)
    collection.check_origin()
    skipped: list = []
    info = collection.status(full_check=True, skipped=skipped)  # every byte; the rebuild below checks what it writes
    if not check and not info["up_to_date"] and collection.sources.is_dir():
        found = {k: info.get(k, []) for k in ("added", "changed", "removed")}
        collection.searcher()  # a refresh that cannot be written (read-only, locked) leaves the index as it was
        skipped.clear()
        after = collection.status(skipped=skipped)
        info = {**after, **found, "updated": after["up_to_date"] or after.get("generation") != info.get("generation")}
    _render_status(info, collection.sources, index_dir, as_json, skipped)
    if check and not info["up_to_date"]:
        sys.exit(1)


# `status` names this many skipped sources, then says how many more (`build --json` lists every one).
STATUS_SKIPPED_NAMED = 10


def _render_status(info: dict, sources_dir: Path, index_dir: Path, as_json: bool, skipped: list) -> None:
    from pipeline.collection import shown
    from pipeline.ingest import skip_said

    if as_json:
        click.echo(_json(info))
        return
    if not info["exists"]:
        if sources_dir.is_dir():
            click.echo(f"No index in {shown(index_dir)} yet. Run `winnow build` (or just `winnow ask`).")
        else:  # `winnow build` would fail too: say what it needs
            click.echo(_safe(f"No index in {shown(index_dir)} yet, and no sources folder {shown(sources_dir)} to build "
                             "it from. Run `winnow build --sources DIR` with the folder of your pages."))
        return
    if "damaged" in info:
        click.echo(_safe(f"The index in {shown(index_dir)} cannot be used: {info['damaged']}. "
                         "The next build or ask rebuilds it."))
        return
    click.echo(f"Index: {shown(index_dir)} ({info['generation']})")
    click.echo(f"Sources: {info['sources']} indexed, {info['skipped']} skipped; "
               f"{_plural(info['passages'], 'passage')}")
    for entry in skipped[:STATUS_SKIPPED_NAMED]:  # as the build's warnings name them
        click.echo(_safe(f"  skipped {_name(entry['source'])}: "
                         f"{skip_said(entry['reason'], sources_dir / entry['source'])}"))
    if len(skipped) > STATUS_SKIPPED_NAMED:
        click.echo(f"  and {len(skipped) - STATUS_SKIPPED_NAMED:,} more skipped (`winnow build --json` lists every one)")
    folder = shown(sources_dir)
    if folder.strip("./") == "":  # "." or "..": the folder's own path reads better in a sentence
        folder = str(sources_dir.resolve())
    if info["up_to_date"]:
        click.echo(_safe(f"Up to date with {folder}."))
    elif not sources_dir.is_dir():
        click.echo(_safe(f"The sources folder {folder} is missing; ask answers from the index as it is "
                         "(--sources DIR rebuilds it from another folder)."))
    else:
        parts = [f"{len(info.get(k, []))} {k}" for k in ("added", "changed", "removed") if info.get(k)]
        if info.get("settings_changed"):
            parts.append("settings changed")
        click.echo(_safe(f"Out of date with {folder}: {', '.join(parts)}. The next ask updates it."))


@main.command(context_settings=HELP)
@common_options
@click.argument("passage_id")
@click.option("-C", "--context", "context", type=click.IntRange(min=0), default=600, show_default=True,
              help="Characters of the cleaned text to show before and after the passage.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: passage_id, source, file, section, url, start, end, text, and the "
                   "whole cleaned text as `cleaned` (cleaned[start:end] is the passage).")
@color_option
def show(sources_dir: Path, index_dir: Path, passage_id: str, context: int, as_json: bool, color: str):
    """Show passage PASSAGE_ID (as `ask` cites it) in the context of its source.

    The passage is found in the cleaned text of its source (what `winnow clean FILE`
    prints) and given with its position there, as character offsets, so a citation
    can be checked against the page; the page's original address is given where the
    saved page names one.

    \b
    Example:
      winnow show 000_c69c18c8cd78b24d.txt#0003
    """
    from pipeline.ingest import is_trusted

    collection = _collection(sources_dir, index_dir)
    found, trusted = collection.use(lambda searcher: (collection.locate(searcher, passage_id),
                                                      tuple(searcher.manifest.get("trusted") or ())))
    if as_json:
        click.echo(_json({"passage_id": found.passage_id, "source": found.source, "file": found.file,
                          "section": found.section, "url": found.url, "start": found.start, "end": found.end,
                          "text": found.text, "cleaned": found.cleaned}, indent=1))
        return
    use_color = _use_color(color)
    where = f"{_name(found.source)} › {found.section}" if found.section else _name(found.source)
    click.echo(_safe(f"{where}  ({_name(found.passage_id)})"))
    if found.url:
        click.echo(_safe(f"from {found.url}"))
    if found.start < 0:
        click.echo(_safe(f"The passage is no longer in the cleaned text of {_name(found.file)}; as indexed:"))
        click.echo(_safe(found.text))
        return
    # The command as it runs from here: the file under the sources folder, trusted as the index has it.
    path = str(collection.sources / found.file)
    command = ("winnow clean " + "--trust " * is_trusted(found.file, trusted)
               + shell_word(path))
    click.echo(_safe(f"characters {found.start}-{found.end} of {len(found.cleaned)} in the cleaned text of "
                     f"{_name(found.file)} (`{command}` prints it)"))
    click.echo("")
    text = found.cleaned
    first, last = max(0, found.start - context), min(len(text), found.end + context)
    while 0 < first < found.start and not text[first - 1].isspace():  # whole words only
        first += 1
    while found.end < last < len(text) and not text[last].isspace():
        last -= 1
    passage = _safe(text[found.start:found.end])
    marked = click.style(passage, bold=True, fg="yellow") if use_color else f">>>{passage}<<<"
    click.echo(("..." if first > 0 else "") + _safe(text[first:found.start]) + marked + _safe(text[found.end:last])
               + ("..." if last < len(text) else ""), color=use_color)


@main.command(context_settings=HELP)
@common_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default is reachable from this computer only; anything else "
                   "lets others on the network read the sources.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port; the address is printed on stderr).")
def serve(sources_dir: Path, index_dir: Path, host: str, port: int):
    """Serve a search page for the index on a local web server, for people who do not use terminals.

    Open the printed address in a browser: type a question, and each result shows
    the passage with its best sentence and the matched words marked, its source
    (and the page's original address), section, score and the other sources that
    hold it; a source's name opens its cleaned text with the passage marked. The
    page says what the index holds and whether it is up to date; when the sources
    change, the index is refreshed in the background while the page keeps answering.
    `/api/ask?q=...&k=N` gives what `ask --json -k N` prints, `/api/status` what
    `status --json` prints. Ctrl-C stops it.

    \b
    Examples:
      winnow serve                          http://127.0.0.1:8080/
      winnow serve --port 0                 any free port (printed on stderr)
    """
    from pipeline.web import serve as run_server

    collection = _collection(sources_dir, index_dir)
    collection.check_sources()
    collection.check_origin()
    import errno
    import socket

    try:
        run_server(collection, host, port,
                   announce=lambda url: click.echo(_safe(f"Serving {collection.sources} at {url} (Ctrl-C to stop)"),
                                                   err=True))
    except socket.gaierror as error:  # from binding: the address names no host
        raise click.BadParameter(f"cannot listen on '{host}': {error.strerror or error}", param_hint="'--host'") \
            from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise click.ClickException(f"port {port} on {host} is in use (another `winnow serve`?); pass another "
                                       "--port, or --port 0 for any free port") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise click.BadParameter(f"'{host}' is not an address of this computer", param_hint="'--host'") from None
        raise


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per source per line: source, title, url, sections (heading, text), text "
                   "(with --explain: every block with kind, text, keep, by, reason, score).")
@click.option("--explain", is_flag=True,
              help="Print every dropped block with the reason (the rule, or the model's score and the "
                   "features that pulled it down) instead of the cleaned text.")
@click.option("--all", "show_all", is_flag=True, help="With --explain: list kept blocks too.")
@click.option("--trust", is_flag=True, help="Clean as a trusted source: keep every block as written.")
@click.option("--type", "kind", type=click.Choice(["text", "markdown", "rst", "html", "jsonl"]), default=None,
              help="Read every FILE as this type (default: by its ending; standard input is HTML if it "
                   "starts with '<', else text).")
def clean(files: tuple[Path, ...], as_json: bool, explain: bool, show_all: bool, trust: bool, kind: str | None):
    """Print the cleaned text of each FILE exactly as the index will see it ('-': standard input).

    Headings are marked as `# Heading` lines and paragraphs separated by a blank
    line; with several files, each starts with a `==> FILE <==` line (each record of
    a JSON Lines corpus with `==> FILE#_id <==`). Use it to check
    what winnow keeps of a new kind of page, and --explain to see what it drops and
    why. Sources you trust can be indexed as written: `winnow build --trust PATH` (a
    file or folder under the sources folder). A file that cannot be read is named
    on stderr, the others are still printed, and the exit status is 1.

    \b
    Examples:
      winnow clean page.html
      winnow clean --explain page.txt       what is dropped, and why
      winnow clean --explain --all page.md  every block with its verdict
      curl -s https://example.org/ | winnow clean -
    """
    if show_all and not explain:
        raise click.UsageError("--all lists kept blocks with --explain; add --explain")
    from pipeline.clean import CleanOptions, explain as explain_blocks
    from pipeline.ingest import clean_source, corpus_documents
    from pipeline.records import Source
    from pipeline.errors import SkipSource
    from pipeline.sources import MAX_SOURCE_BYTES, UNKNOWN_TYPE, decoded, name_kind, read_bytes, sniffed_kind

    options = CleanOptions(trusted=trust)
    failed = 0
    for path in files:
        try:
            if str(path) == "-":
                if sys.stdin is None:
                    raise WinnowError("there is no standard input")
                data = sys.stdin.buffer.read(MAX_SOURCE_BYTES + 1)
                if len(data) > MAX_SOURCE_BYTES:
                    raise WinnowError(f"more than {MAX_SOURCE_BYTES} bytes")
                how = kind or ("html" if data.lstrip()[:1] == b"<" else "text")
                source = Source(path="-", rel="-", kind=how, size=len(data), mtime_ns=0)
                text, note = decoded(data, how)
            else:
                named = name_kind(path.name)[0]  # a .gz's by the name within; "" no extension: by its head
                stat = path.stat()
                source = Source(path=str(path.resolve()), rel=str(path), kind=kind or named or "text",
                                size=stat.st_size, mtime_ns=stat.st_mtime_ns)
                if not kind and named == "":  # as a build types it: its first bytes, a binary one skipped
                    try:
                        source = dataclasses.replace(source, kind=sniffed_kind(source))
                    except SkipSource as error:  # install.sh: read as text, as any name of an unknown type is
                        if str(error) != UNKNOWN_TYPE:
                            raise
                how = source.kind
                text, note = (None, None) if how == "jsonl" else decoded(read_bytes(source), how)
            if note:  # bytes replaced, or an encoding guessed: as a build says it
                _warn(f"{_name(str(path))}: {note}")
            if explain and how != "jsonl":
                _written(_render_explain, path, explain_blocks(text, how, options), as_json, show_all)
                continue
            # A corpus file is read in pieces, as a build reads it: no size limit, and its warnings about lines;
            # its records are printed as they are read, so that memory holds one piece, not the corpus.
            documents = (clean_source(source, text, options) if text is not None
                         else corpus_documents(source, warn=_warn))
            if explain:  # a corpus's records are never cleaned: say so, rather than print them as if unasked
                _written(_render_explain, path, _corpus_explained(list(documents)), as_json, show_all)  # counted first
                continue
            for doc in documents:
                _written(_print_cleaned, doc, as_json, len(files) > 1 or how == "jsonl")
        except BrokenPipeError:
            raise  # the reader of stdout went away (`| head`): the file was read; _invoke ends quietly
        except _WriteFailed as error:  # the output, not this file: no other file can be printed either
            raise click.ClickException(f"write error: {error.args[0].strerror or error.args[0]}") from None
        except (OSError, WinnowError) as error:
            _warn(f"skipped {_name(str(path))}: {getattr(error, 'strerror', None) or error}")
            failed += 1
            continue
    if failed:
        sys.exit(1)


class _WriteFailed(Exception):
    """Standard output could not be written (a full disk, /dev/full, an I/O error): the OSError."""


def _written(render, *args) -> None:
    """render(*args), its failure to write told from a file's failure to be read: `clean` skips a
    file it cannot read and goes on, but stops with an error when it cannot write, as `cat` does."""
    try:
        render(*args)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise _WriteFailed(error) from error


def _print_cleaned(doc, as_json: bool, named: bool) -> None:
    """One cleaned document on stdout: a JSON line, or its text (after a `==> source <==` line when named)."""
    if as_json:
        record = {"source": doc.source, "title": doc.title, "url": doc.url,
                  "sections": [{"heading": s.heading, "text": "\n\n".join(s.paragraphs)} for s in doc.sections],
                  "text": doc.text}
        click.echo(_json(record))
        return
    if named:  # several files, or a corpus's records: where one ends and the next begins
        click.echo(_safe(f"==> {_name(doc.source)} <=="))  # with the text, as head and tail do
    click.echo(_safe(doc.text) + os.linesep)


def _corpus_explained(documents):
    """What `clean --explain` says of a JSON Lines corpus: every record kept as written, block by block."""
    from pipeline.blocks import Block, Kind, Verdict
    from pipeline.clean import Judged

    verdict = Verdict(keep=True, by="corpus", reason="a JSON Lines record: indexed as written (spaces and "
                                                     "paragraphs normalised), never cleaned")
    judged = []
    for doc in documents:
        for section in doc.sections:
            if section.heading:
                judged.append(Judged(Block(Kind.HEADING, section.heading, level=1), verdict))
            judged.extend(Judged(Block(Kind.PARAGRAPH, text), verdict) for text in section.paragraphs)
    page = (f"a JSON Lines corpus of {_plural(len(documents), 'record')}: each indexed as written, "
            "never cleaned (a record's `_id` is the source its passages cite)")
    return page, judged


def _render_explain(path: Path, explained, as_json: bool, show_all: bool) -> None:
    """The page's verdict, then each dropped block (every block with --all) with its verdict and reason."""
    page, judged = explained
    if as_json:
        click.echo(_json({"source": str(path), "page": page}))
        for item in judged:
            click.echo(_json({"source": str(path), "kind": item.block.kind.value, "text": item.block.text,
                              "keep": item.verdict.keep, "by": item.verdict.by, "reason": item.verdict.reason,
                              "score": item.verdict.score}))
        return
    words = sum(len(j.block.text.split()) for j in judged)
    kept = sum(len(j.block.text.split()) for j in judged if j.verdict.keep)
    dropped = [j for j in judged if not j.verdict.keep]
    left_out = sum(j.verdict.by == "extraction" for j in dropped)  # HTML: never reached the cleaner
    by_extraction = f" ({left_out} left out by the HTML extraction)" if left_out else ""
    click.echo(_safe(f"==> {_name(str(path))}: {len(judged)} blocks, {len(dropped)} dropped{by_extraction}; "
                     f"{kept} of {words} words kept <=="))
    click.echo(f"page: {page}")
    for item in judged:
        if item.verdict.keep and not show_all:
            continue
        mark = "keep" if item.verdict.keep else "DROP"
        text = item.block.text if len(item.block.text) <= 160 else item.block.text[:157] + "..."
        click.echo(_safe(f"{mark} {item.block.kind.value:<9} {text}"))
        click.echo(f"     {item.verdict.by}: {item.verdict.reason}")


def _eval_index_dir(index_dir: Path, beir_dir: Path) -> Path:
    """Where a BEIR corpus is indexed: a folder of its own under the index folder.

    Named for the BEIR folder and a hash of its absolute path, so two corpora never
    share an index and the seed index beside it is left alone.
    """
    import hashlib

    resolved = beir_dir.resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:8]
    return index_dir / "eval" / f"{resolved.name}-{digest}"


def _beir_sources(corpus: Path, index_dir: Path, eval_dir: Path) -> Path:
    """The sources folder of a BEIR corpus's index: one link, made by winnow, to corpus.jsonl.

    Every folder under INDEX on the way is made a real folder first (store.own_folder),
    so a link planted in the index folder cannot send these writes elsewhere.
    """
    from pipeline.store import own_folder

    index_dir.mkdir(parents=True, exist_ok=True)  # INDEX itself is the user's to choose
    folder = index_dir
    for part in eval_dir.relative_to(index_dir).parts + ("index",):
        folder = own_folder(folder / part)
    sources = own_folder(eval_dir / "sources")
    link = sources / "corpus.jsonl"
    if not (link.is_symlink() and Path(os.readlink(link)) == corpus.resolve()):
        link.unlink(missing_ok=True)
        link.symlink_to(corpus.resolve())  # the index follows the corpus file itself
    return sources


def _render_eval(report, per_question: bool) -> None:
    unit = "passages" if report.unit == "passage" else "documents (by best passage)"
    click.echo(f"{_plural(report.judged, 'question')}, {report.kind} question set, ranking {unit}, "
               f"depth {report.depth}")
    width = max(len(name) for name in report.metrics)
    for name, value in report.metrics.items():
        click.echo(f"  {name:<{width}}  {value:.4f}")
    if report.noise_probes:
        click.echo(f"  {'NoiseFree':<{width}}  {report.noise_free:.4f}  "
                   f"({report.noise_probes} noise probes: no hit may contain ads or UI text)")
    if report.unanswerable:
        click.echo(f"  no passage holds the answers of: {', '.join(report.unanswerable)} (scored 0)")
    if per_question:
        click.echo("")
        click.echo("first relevant rank per question (- = none in the ranking; noise probes list offending hits)")
        for r in report.per_question:
            if r.noise_hits or not r.measures:
                where = ", ".join(map(_name, r.noise_hits)) if r.noise_hits else "clean"
                click.echo(_safe(f"  {r.qid:>8}  noise  {where}  {r.question}"))
            else:
                rank = "-" if r.first_relevant is None else str(r.first_relevant)
                click.echo(_safe(f"  {r.qid:>8}  {rank:>5}  {r.question}"))


@main.command("eval")
@common_options
@click.argument("questions", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("-k", "--depth", "depth", type=click.IntRange(min=1), default=100, show_default=True,
              help="Hits retrieved per question (metrics cut off at 10 and 100; the run file keeps all).")
@click.option("--split", default="test", show_default=True, help="BEIR qrels split: qrels/SPLIT.tsv.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with the metrics on stdout.")
@click.option("--per-question", is_flag=True, help="Also give the rank of the first relevant hit of each question.")
@click.option("--run", "run_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the ranking as a TREC run file (qid Q0 docid rank score winnow; whitespace in an "
                   "id written %20, as in a URL, with its % as %25; other ids as they are).")
def eval_command(sources_dir: Path, index_dir: Path, questions: Path, depth: int, split: str, as_json: bool,
                 per_question: bool, run_file: Path | None):
    """Measure retrieval on the question set QUESTIONS: nDCG@10, RR@10, Success@k, Recall@k, MAP.

    \b
    QUESTIONS is either
      a JSON Lines file, one question per line, for your own corpus:
        {"id": "q1", "question": "...", "answers": ["text", "/regex/"], "sources": ["page.html"]}
      Every passage that contains an answer (from one of `sources`, if given) is
      relevant; passages are ranked exactly as `ask` ranks them. A line with
      "absent": [...] instead is a noise probe: no hit may contain those strings.
      `-` reads it from standard input, and a pipe (`<(zcat q.jsonl.gz)`) is read
      to its end.
    \b
      or a BEIR folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv with tab- or
      space-separated columns, or TREC's four). Its corpus is
      indexed in INDEX/eval/<folder name>-<hash>/ (built on first use, refreshed
      when corpus.jsonl changes); documents are ranked by their best passage and
      judged by their `_id`.

    \b
    Examples:
      winnow eval questions/seeds.jsonl --per-question
      winnow eval ../shared/data/beir/scifact --json --run scifact.run
    """
    from pipeline.evaluate import evaluate, load_question_set, write_trec_run

    def asked(questions):
        return questions if _setting("quiet", False) else _report_progress(questions, "Asking questions")

    if run_file is not None:  # before the evaluation, which can take minutes, not after it
        folder = run_file.parent
        if not folder.is_dir():
            raise click.BadParameter(f"folder '{folder}' does not exist.", param_hint="'--run'")
        if not os.access(folder, os.W_OK):
            raise click.BadParameter(f"folder '{folder}' is not writable.", param_hint="'--run'")
    question_set = load_question_set(questions, split=split)
    split_source = click.get_current_context().get_parameter_source("split")
    if question_set.kind != "beir" and split_source is click.core.ParameterSource.COMMANDLINE:
        raise click.BadParameter("a JSON Lines question set has no splits; --split is for a BEIR folder "
                                 "(qrels/SPLIT.tsv).", param_hint="'--split'")
    if question_set.kind == "beir":
        # The one link in that sources folder is winnow's own: follow it.
        eval_dir = _eval_index_dir(index_dir, questions)
        report = _with_index(_beir_sources(question_set.corpus, index_dir, eval_dir), eval_dir / "index",
                             lambda searcher: evaluate(searcher, question_set, depth=depth, progress=asked),
                             follow_links=True, given=True)
    else:
        report = _with_index(sources_dir, index_dir,
                             lambda searcher: evaluate(searcher, question_set, depth=depth, progress=asked))
    if run_file:
        write_trec_run(report, run_file)
        if not _setting("quiet", False):
            click.echo(f"Wrote the run to {run_file}", err=True)
    if as_json:
        click.echo(_json(report.as_dict(per_question=per_question), indent=1))
    else:
        _render_eval(report, per_question)


def _run(command) -> None:
    """Render library errors once, as a clear message with exit status 1."""
    _tolerant_streams()
    try:
        command(standalone_mode=True)
    except WinnowError as error:
        click.echo(f"Error: {_safe(str(error))}", err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(f"Error: {_safe(_os_error(error))}", err=True)
        sys.exit(1)


def winnow_main() -> None:
    """The `winnow` console script."""
    _run(main)


def ask_main() -> None:
    """The `ask` console script: the same as `winnow ask`."""
    _run(ask)


if __name__ == "__main__":
    winnow_main()
