"""winnow's command line: parse, call the pipeline, render. Nothing else.

Results go to stdout; logs, warnings, progress and summaries go to stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from pathlib import Path

import click

from pipeline.errors import WinnowError

SOURCES_HELP = "Folder of source pages (.txt .md .html .htm), searched recursively. [env: WINNOW_SOURCES; default: seeds]"
INDEX_HELP = "Folder holding the on-disk index. [env: WINNOW_INDEX; default: index]"


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
        ctx.meta[f"winnow.{name}"] = value
    return callback


def common_options(func):
    """--sources, --index, --follow-links and --wait, shared by every index command.

    --follow-links and --wait are read from the context (_setting) where a build
    runs, rather than passed through every command's signature.
    """
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
    if not sources_dir.exists():
        raise click.BadParameter(f"'{sources_dir}' does not exist.", param_hint="'--sources'")
    if not sources_dir.is_dir():
        raise click.BadParameter(f"'{sources_dir}' is a file, not a folder.", param_hint="'--sources'")


def _run_build(sources_dir: Path, index_dir: Path, reason: str | None = None, full: bool = False,
               trusted: tuple[str, ...] | None = None, follow_links: bool | None = None,
               wait: float | None = None) -> dict:
    from pipeline.ingest import build_index
    from pipeline.store import unwritable

    if reason:
        click.echo(_safe(reason), err=True)

    def progress(plan):
        with click.progressbar(plan, label="Ingesting sources", file=sys.stderr, show_pos=True,
                               item_show_func=lambda item: item[0].rel if item else None) as bar:
            yield from bar

    def notify(message: str) -> None:
        click.echo(_safe(message), err=True)

    follow = _setting("follow_links", False) if follow_links is None else follow_links
    try:
        report = build_index(sources_dir, index_dir, warn=_warn, progress=progress, full=full, notify=notify,
                             follow_links=follow, lock_wait=_setting("wait") if wait is None else wait,
                             trusted=trusted)
    except OSError as error:  # read-only folder, full disk: one sentence, never a traceback
        raise unwritable(error, index_dir) from None
    how = "Built index from scratch" if report.full else "Updated index" if report.written else "Index is up to date"
    words = sum(k["words"] for k in report.kept)
    kept = f"; the cleaner kept {sum(k['kept_words'] for k in report.kept)} of {words} words" if words else ""
    click.echo(
        f"{how} in {index_dir}: {report.added} sources added, {report.changed} changed, {report.removed} removed, "
        f"{report.reused} reused; {report.sources_read} indexed, {report.sources_skipped} skipped, "
        f"{report.passages} passages, {report.duplicates_dropped} duplicates dropped{kept}, {report.seconds:.2f} s",
        err=True,
    )
    return {"index": str(index_dir), "sources_read": report.sources_read,
            "sources_skipped": report.sources_skipped, "skipped": report.skipped,
            "added": report.added, "changed": report.changed, "removed": report.removed,
            "reused": report.reused, "full": report.full, "written": report.written,
            "passages": report.passages, "duplicates_dropped": report.duplicates_dropped,
            "kept": report.kept, "seconds": round(report.seconds, 3)}


def _sources_given(ctx: click.Context | None) -> bool:
    """Did the user name the sources folder (option or environment), rather than take the default?"""
    from click.core import ParameterSource

    return ctx is not None and ctx.get_parameter_source("sources_dir") not in (None, ParameterSource.DEFAULT)


def _open_index(sources_dir: Path, index_dir: Path, refresh: bool = True, follow_links: bool | None = None):
    """An up-to-date Searcher: build the index if missing, stale or damaged.

    A refresh that cannot run (another process is building, the folder is read-only
    or full) leaves the live generation answering, and says so on stderr.
    """
    from pipeline.ingest import current_generation, settings, stale_sources
    from pipeline.search import IndexDamaged, Searcher
    from pipeline.store import IndexUnwritable, LockTimeout

    follow = _setting("follow_links", False) if follow_links is None else follow_links

    def refreshed(reason: str | None):
        try:
            # With a live index to answer from, do not wait for another build unless asked to.
            _run_build(sources_dir, index_dir, reason, follow_links=follow, wait=_setting("wait", 0.0))
        except LockTimeout as error:
            click.echo(f"The index is being updated by pid {error.holder}; answering from the current index, "
                       "which may miss the latest changes.", err=True)
            return searcher
        except IndexUnwritable as error:
            click.echo(_safe(f"{error}; answering from the current index, which misses the latest changes."),
                       err=True)
            return searcher
        return Searcher(current_generation(index_dir))

    if _sources_given(click.get_current_context(silent=True)):
        _check_sources(sources_dir)
    generation = current_generation(index_dir)
    searcher, reason = None, f"No index in {index_dir} yet; building it from {sources_dir}."
    if generation is None and (index_dir / "CURRENT").exists():
        reason = f"The index at {index_dir} is damaged (CURRENT names no generation); rebuilding it from {sources_dir}."
    if generation is not None:
        try:
            searcher = Searcher(generation)
        except IndexDamaged as error:
            reason = f"The {error}; rebuilding it from {sources_dir}."
    if searcher is None:
        _check_sources(sources_dir)
        _run_build(sources_dir, index_dir, reason, full=True, follow_links=follow)
        return Searcher(current_generation(index_dir))
    if not refresh or not sources_dir.is_dir():
        return searcher
    if searcher.manifest.get("settings") != settings():
        # build_index says why on stderr and rebuilds from scratch.
        return refreshed(None)
    changes = stale_sources(sources_dir, searcher.manifest, index_dir, follow_links=follow)
    if any(changes.values()):
        summary = ", ".join(f"{len(v)} {k}" for k, v in changes.items() if v)
        return refreshed(f"Sources changed since the last build ({summary}); updating the index.")
    return searcher


def _with_index(sources_dir: Path, index_dir: Path, use, follow_links: bool | None = None):
    """use(searcher) on an up-to-date index. Damage found while reading (a passage that is
    not one winnow wrote, a doc number out of range) rebuilds the index once, said on stderr."""
    from pipeline.index import IndexFormatError
    from pipeline.ingest import current_generation
    from pipeline.search import IndexDamaged, Searcher

    searcher = _open_index(sources_dir, index_dir, follow_links=follow_links)
    try:
        return use(searcher)
    except (IndexDamaged, IndexFormatError, RecursionError) as error:  # RecursionError: a passage nested too deep
        _check_sources(sources_dir)
        _run_build(sources_dir, index_dir, f"The index at {searcher.generation} is damaged ({error}); "
                   f"rebuilding it from {sources_dir}.", full=True, follow_links=follow_links)
        return use(Searcher(current_generation(index_dir)))


def _checked_passages(passages, generation):
    """The passages, after checking each is what winnow writes (else IndexDamaged)."""
    from pipeline.search import IndexDamaged
    from pipeline.store import passage_problem

    out = []
    try:
        for passage in passages:
            problem = passage_problem(passage)
            if problem:
                raise IndexDamaged(f"index at {generation} is damaged ({problem})")
            out.append(passage)
    except (ValueError, KeyError, TypeError, OSError, RecursionError) as error:  # a line that is not a passage
        raise IndexDamaged(f"index at {generation} is damaged ({type(error).__name__}: {error})") from None
    return out


# --- rendering -------------------------------------------------------------------------


def _highlight(text: str, question: str, color: bool) -> str:
    """Mark the words of the text that match a question term (same analyzer)."""
    from pipeline.analyze import TOKEN_RE, analyze

    wanted = set(analyze(question))
    if not wanted:
        return text

    def mark(match: re.Match) -> str:
        word = match.group(0)
        if wanted.isdisjoint(analyze(word)):
            return word
        return click.style(word, bold=True, fg="yellow") if color else f"**{word}**"

    return TOKEN_RE.sub(mark, text)


def _render_hits(hits, question: str, bests: list[str]) -> None:
    color = sys.stdout.isatty()
    if not hits:
        click.echo("No passage matches this question.")
        return
    for hit, best in zip(hits, bests):
        p = hit.passage
        where = f"{p.source} › {p.section}" if p.section else p.source
        click.echo(click.style(f"{hit.rank}. ", bold=True) + _safe(f"[{hit.score:.3f}] {where}  ({p.passage_id})"),
                   color=color)
        if best != p.text:
            line = textwrap.fill(_safe(best), width=96, initial_indent="   > ", subsequent_indent="     ")
            click.echo(_highlight(line, question, color), color=color)
        body = textwrap.fill(_safe(p.text), width=96, initial_indent="   ", subsequent_indent="   ")
        click.echo(_highlight(body, question, color), color=color)
        others = [s for s in p.sources if s != p.source]
        if others:
            click.echo(_safe(f"   also in {len(others)} other source{'s' if len(others) > 1 else ''}: {', '.join(others)}"))
        click.echo("")


# --- commands ----------------------------------------------------------------------------


class _Group(click.Group):
    """The command group; library errors become one clear line on stderr and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WinnowError as error:
            raise click.ClickException(_safe(str(error))) from None
        except OSError as error:
            raise click.ClickException(_safe(_os_error(error))) from None


def _os_error(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="winnow", message="winnow %(version)s")
def main():
    """winnow: turn a folder of noisy web pages into a question-answering index that cites its sources.

    \b
    Typical use:
      winnow build                        ingest ./seeds into ./index
      winnow ask "what antibodies are involved"
      winnow ask -k 3 --json "how is it treated"
      winnow clean page.html              see what the cleaner keeps
      winnow status                       is the index up to date?

    The index follows its sources: `ask`, `passages` and `status` notice added,
    edited or removed files and update the index before answering.
    """


@main.command()
@common_options
@click.option("--full", is_flag=True, help="Rebuild from scratch: ignore the previous build and the per-source cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the build summary as one JSON object on stdout.")
@click.option("--trust", "trust", multiple=True, metavar="PATH",
              help="A file or folder under the sources folder to index as written, without cleaning "
                   "(repeatable). Kept with the index: later builds and refreshes use the same list.")
@click.option("--no-trust", is_flag=True, help="Forget the trusted files and folders: clean every source.")
def build(sources_dir: Path, index_dir: Path, full: bool, as_json: bool, trust: tuple[str, ...], no_trust: bool):
    """Ingest the sources and write the index, re-processing only what changed.

    Cleans every page (navigation, ads, UI text, disclaimers, spam), splits it into
    sections and sentence-aligned passages, drops duplicates while remembering every
    source, and writes a BM25 index. Sources unchanged since the last build come from
    a cache; the result is the same as a build from scratch (--full). A summary with
    how many sources were added, changed, removed and reused goes to stderr, with
    how many words the cleaner kept (a warning names any page that kept under half;
    `winnow clean --explain PAGE` says why, and `--trust PAGE` indexes it as written).
    """
    _check_sources(sources_dir)
    trusted = _trusted_paths(sources_dir, trust) if trust else () if no_trust else None
    summary = _run_build(sources_dir, index_dir, full=full, trusted=trusted)
    if as_json:
        click.echo(_json(summary))


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


def _read_question(question: str | None, question_file) -> str:
    """The question from the argument or from --file, exactly one of them; usage errors otherwise."""
    if question is not None and question_file is not None:
        raise click.UsageError("give the question either as an argument or with --file, not both")
    if question_file is not None:
        try:
            question = question_file.read(MAX_QUESTION_CHARS + 1)  # bounded: `-f /dev/zero` must end
        except UnicodeDecodeError:
            raise click.BadParameter(f"'{question_file.name}' is not UTF-8 text.", param_hint="'--file'") from None
        except OSError as error:
            raise click.BadParameter(f"cannot read '{question_file.name}': {error.strerror or error}",
                                     param_hint="'--file'") from None
        if len(question) > MAX_QUESTION_CHARS:
            raise click.BadParameter(f"'{question_file.name}' is longer than {MAX_QUESTION_CHARS} characters; "
                                     "a question is a few lines.", param_hint="'--file'")
        if not question.strip():
            raise click.BadParameter(f"'{question_file.name}' holds no question.", param_hint="'--file'")
        return question.strip()
    if question is None:
        raise click.UsageError('missing the question; ask something, e.g. ask "what antibodies are involved"')
    if not question.strip():
        raise click.BadParameter("the question is empty; ask something, e.g. ask \"what antibodies are involved\"",
                                 param_hint="'QUESTION'")
    return question


@main.command()
@common_options
@click.argument("question", required=False)
@click.option("-f", "--file", "question_file", type=click.File("r", encoding="utf-8"),
              help="Read the question from FILE ('-' for stdin) instead of the argument.")
@click.option("-k", "--top-k", "top_k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many passages to return.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of hits on stdout.")
@click.option("--explain", is_flag=True,
              help="First print the weighted query: each term, its weight and why (with --json: {query, hits}).")
def ask(sources_dir: Path, index_dir: Path, question: str | None, question_file, top_k: int, as_json: bool,
        explain: bool):
    """Answer QUESTION with the best-matching passages and their sources.

    Each hit shows its rank, BM25 score, source file, section and passage, with the
    question's terms highlighted. The index is built or updated first if needed.

    \b
    Examples:
      ask "what antibodies are involved"
      ask -k 10 --json "statin exposure" | jq '.[].source'
      ask --file question.txt
      ask --explain "is it inherited"
    """
    from pipeline.search import best_sentence, hit_record

    question = _read_question(question, question_file)

    def answer(searcher):
        hits = searcher.search(question, top_k)
        _checked_passages([h.passage for h in hits], searcher.generation)
        query = searcher.query(question)
        return hits, query, [best_sentence(h.passage.text, query, searcher.analyzer) for h in hits]

    hits, query, bests = _with_index(sources_dir, index_dir, answer)
    if explain:
        if as_json:
            terms = [{"term": t.term, "weight": round(t.weight, 6), "why": list(t.why)} for t in query.terms]
            click.echo(_json({"query": terms, "hits": [hit_record(h, b) for h, b in zip(hits, bests)]}, indent=1))
            return
        click.echo("query (weight, term, why):")
        for line in query.explain():
            click.echo("  " + _safe(line))
        click.echo("")
    if as_json:
        click.echo(_json([hit_record(h, b) for h, b in zip(hits, bests)], indent=1))
    else:
        _render_hits(hits, question, bests)


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (passage_id, source, sources, section, text).")
def passages(sources_dir: Path, index_dir: Path, as_json: bool):
    """List every indexed passage, in passage-id order."""
    for p in _with_index(sources_dir, index_dir, lambda s: _checked_passages(s.passages(), s.generation)):
        if as_json:
            click.echo(_json(p.as_dict()))
        else:
            click.echo(_safe(f"{p.passage_id}  [{p.section}]\n   {p.text}\n"))


def _status_info(sources_dir: Path, index_dir: Path) -> dict:
    from pipeline.ingest import current_generation, settings, stale_sources
    from pipeline.search import IndexDamaged, Searcher

    info: dict = {"index": str(index_dir), "sources_folder": str(sources_dir), "exists": False}
    generation = current_generation(index_dir)
    if generation is not None:
        try:
            searcher = Searcher(generation, full_check=True)  # status reads every byte; ask only sizes and edges
            counts = searcher.manifest.get("counts", {})
            info.update(exists=True, generation=generation.name, sources=counts.get("sources", 0),
                        passages=searcher.n_passages, skipped=len(searcher.manifest.get("skipped", [])))
            if sources_dir.is_dir():
                changes = stale_sources(sources_dir, searcher.manifest, index_dir,
                                        follow_links=_setting("follow_links", False))
                info.update(changes)
                info["settings_changed"] = searcher.manifest.get("settings") != settings()
                info["up_to_date"] = not any(changes.values()) and not info["settings_changed"]
            else:
                info["up_to_date"] = False
        except IndexDamaged as error:
            info.update(exists=True, damaged=str(error), up_to_date=False)
    else:
        info["up_to_date"] = False
    return info


@main.command()
@common_options
@click.option("--check", is_flag=True, help="Only report whether the index is up to date; do not update it.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status(sources_dir: Path, index_dir: Path, check: bool, as_json: bool):
    """Say where the index is, what it holds, and bring it up to date (unless --check).

    What was out of date (added, changed, removed sources, settings) is reported,
    then the index is updated like `ask` does before answering.
    """
    if _sources_given(click.get_current_context()):
        _check_sources(sources_dir)
    info = _status_info(sources_dir, index_dir)
    if not check and not info["up_to_date"] and sources_dir.is_dir():
        found = {k: info.get(k, []) for k in ("added", "changed", "removed")}
        _open_index(sources_dir, index_dir)
        info = {**_status_info(sources_dir, index_dir), **found, "updated": True}
    if as_json:
        click.echo(_json(info))
        return
    if not info["exists"]:
        click.echo(f"No index in {index_dir} yet. Run `winnow build` (or just `winnow ask`).")
        return
    if "damaged" in info:
        click.echo(f"Index in {index_dir} cannot be used: {info['damaged']}. The next build or ask rebuilds it.")
        return
    click.echo(f"Index: {index_dir} ({info['generation']})")
    click.echo(f"Sources: {info['sources']} indexed, {info['skipped']} skipped; passages: {info['passages']}")
    if info["up_to_date"]:
        click.echo(f"Up to date with {sources_dir}.")
    else:
        parts = [f"{len(info.get(k, []))} {k}" for k in ("added", "changed", "removed") if info.get(k)]
        if info.get("settings_changed"):
            parts.append("settings changed")
        click.echo(f"Out of date with {sources_dir}: {', '.join(parts) or 'sources folder missing'}. "
                   f"The next ask updates it.")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per source per line: source, title, sections (heading, text), text "
                   "(with --explain: every block with kind, text, keep, by, reason, score).")
@click.option("--explain", is_flag=True,
              help="Print every dropped block with the reason (the rule, or the model's score and the "
                   "features that pulled it down) instead of the cleaned text.")
@click.option("--all", "show_all", is_flag=True, help="With --explain: list kept blocks too.")
@click.option("--trust", is_flag=True, help="Clean as a trusted source: keep every block as written.")
def clean(files: tuple[Path, ...], as_json: bool, explain: bool, show_all: bool, trust: bool):
    """Print the cleaned text of each FILE exactly as the index will see it.

    Headings are marked as `# Heading` lines and paragraphs separated by a blank
    line. Use it to check what winnow keeps of a new kind of page, and --explain to
    see what it drops and why. Sources you trust can be indexed as written:
    `winnow build --trust PATH` (a file or folder under the sources folder).
    """
    from pipeline.clean import CleanOptions, explain as explain_blocks
    from pipeline.ingest import clean_source
    from pipeline.records import Source
    from pipeline.sources import KINDS, decode, read_bytes

    options = CleanOptions(trusted=trust)
    for path in files:
        kind = KINDS.get(path.suffix.lower(), "text")
        try:
            stat = path.stat()
            source = Source(path=str(path.resolve()), rel=str(path), kind=kind, size=stat.st_size,
                            mtime_ns=stat.st_mtime_ns)
            text = decode(read_bytes(source))
            if explain and kind != "jsonl":
                _render_explain(path, explain_blocks(text, kind, options), as_json, show_all)
                continue
            documents = clean_source(source, text, options)
        except (OSError, WinnowError) as error:
            _warn(f"skipped {path}: {getattr(error, 'strerror', None) or error}")
            continue
        for doc in documents:
            if as_json:
                record = {"source": doc.source, "title": doc.title,
                          "sections": [{"heading": s.heading, "text": "\n\n".join(s.paragraphs)} for s in doc.sections],
                          "text": doc.text}
                click.echo(_json(record))
            else:
                if len(files) > 1:
                    click.echo(_safe(f"==> {doc.source} <=="), err=True)
                click.echo(_safe(doc.text) + os.linesep)


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
    click.echo(_safe(f"==> {path}: {len(judged)} blocks, {len(dropped)} dropped; {kept} of {words} words kept <=="))
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
    click.echo(f"{report.judged} questions, {report.kind} question set, ranking {unit}, depth {report.depth}")
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
                where = ", ".join(r.noise_hits) if r.noise_hits else "clean"
                click.echo(_safe(f"  {r.qid:>8}  noise  {where}  {r.question}"))
            else:
                rank = "-" if r.first_relevant is None else str(r.first_relevant)
                click.echo(_safe(f"  {r.qid:>8}  {rank:>5}  {r.question}"))


@main.command("eval")
@common_options
@click.argument("questions", type=click.Path(exists=True, path_type=Path))
@click.option("-k", "--depth", "depth", type=click.IntRange(min=1), default=100, show_default=True,
              help="Hits retrieved per question (metrics cut off at 10 and 100; the run file keeps all).")
@click.option("--split", default="test", show_default=True, help="BEIR qrels split: qrels/SPLIT.tsv.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with the metrics on stdout.")
@click.option("--per-question", is_flag=True, help="Also give the rank of the first relevant hit of each question.")
@click.option("--run", "run_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the ranking as a TREC run file (qid Q0 docid rank score winnow).")
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

    question_set = load_question_set(questions, split=split)
    if question_set.kind == "beir":
        # The one link in that sources folder is winnow's own: follow it.
        eval_dir = _eval_index_dir(index_dir, questions)
        report = _with_index(_beir_sources(question_set.corpus, index_dir, eval_dir), eval_dir / "index",
                             lambda searcher: evaluate(searcher, question_set, depth=depth), follow_links=True)
    else:
        report = _with_index(sources_dir, index_dir, lambda searcher: evaluate(searcher, question_set, depth=depth))
    if run_file:
        write_trec_run(report, run_file)
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
