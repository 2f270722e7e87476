"""The command-line contract: names, fields, stdout vs stderr, exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli import main

from .conftest import ROOT, SEEDS


# Seed furniture the learned cleaner still keeps, so a query for it finds it (see README, Measured).
SEED_NOISE_KEPT = {"weight loss program Ozempic", "email updates search results",
                   "tax-exempt charitable organization", "join us Saturday Eastern Time", "Found inside book",
                   "medical advice disclaimer"}


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture(scope="module")
def index_args(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("cli-index")
    return ["--sources", str(SEEDS), "--index", str(index_dir)]


def test_build_summary_on_stderr(tmp_path):
    result = run("build", "--sources", str(SEEDS), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert re.search(r"from scratch in \S+: 3 sources indexed, 0 skipped, \d+ passages, "
                     r"\d+ duplicates dropped", result.stderr), result.stderr


def test_full_build_summary_says_what_it_indexed_not_what_changed(tmp_path):
    """`build --full` over an index of the same sources added, changed and reused nothing: the
    summary says what it indexed ("0 sources added ... 0 reused" read as if nothing was done);
    an incremental build still says what changed."""
    args = ["--sources", str(SEEDS), "--index", str(tmp_path / "ix")]
    assert run("build", *args).exit_code == 0
    full = run("build", "--full", *args)
    assert full.exit_code == 0, full.output
    assert re.search(r"from scratch in \S+: 3 sources indexed, 0 skipped, \d+ passages", full.stderr), full.stderr
    assert "added" not in full.stderr and "reused" not in full.stderr
    again = run("build", *args)
    assert "0 sources added, 0 changed, 0 removed, 3 reused; 3 indexed, 0 skipped" in again.stderr, again.stderr


def test_ask_json_contract(index_args):
    result = run("ask", *index_args, "--json", "what antibodies are involved")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert 1 <= len(hits) <= 5
    for hit in hits:
        assert {"rank", "score", "passage_id", "source", "sources", "section", "text"} <= set(hit)
        assert hit["source"] in hit["sources"]
        assert (SEEDS / hit["source"]).is_file()
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_ask_human_output_names_source_section_and_highlights(index_args):
    result = run("ask", *index_args, "-k", "3", "how is the disease diagnosed")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1. [")
    assert re.search(r"^1\. \[\d+\.\d{3}\] \d{3}_[0-9a-f]{16}\.txt › [^\n]+  \(\d{3}_[0-9a-f]{16}\.txt#\d{4}\)$",
                     result.stdout, flags=re.M)  # rank, score, the source, then its section, then the passage id
    assert "**" not in result.stdout and "\x1b[" not in result.stdout  # not a terminal: plain text
    assert len(re.findall(r"^\d+\. \[", result.stdout, flags=re.M)) == 3
    colored = run("ask", *index_args, "-k", "3", "--color", "always", "how is the disease diagnosed")
    assert re.search(r"\x1b\[[0-9;]*m[Dd]iagnos", colored.stdout), colored.stdout


def test_hit_text_occurs_in_cited_source(index_args):
    def words(text):
        return " ".join(re.findall(r"[^\W_]+", text.lower()))

    for question in ("what antibodies are involved", "treatment", "statins", "muscle biopsy", "prevalence"):
        hits = json.loads(run("ask", *index_args, "--json", "-k", "10", question).stdout)
        assert hits, question  # the seeds answer each: the loop below is never empty
        for hit in hits:
            raw = words((SEEDS / hit["source"]).read_text(encoding="utf-8"))
            # sentence ends, including one after a footnote number ("statins.1 We")
            for sentence in re.split(r"(?<=[.!?])\s+|(?<=[a-z]\.\d)\s+(?=[A-Z])", hit["text"]):
                # List entries have no stops: a run of them whose neighbours went to another source as
                # duplicates ("Anti-SRP myopathy", -"IMNM"-, "Immune myopathy ...") is checked entry by entry.
                entries = re.split(r"(?<=[a-z])\s+(?=[A-Z])", sentence)
                assert words(sentence) in raw or all(words(e) in raw for e in entries), (hit["passage_id"], sentence)


# The seeds' furniture that the learned cleaner still keeps (issue 10's closing note): strict,
# so a probe that starts passing must be moved back among the others.
_SEED_NOISE_KEPT = pytest.mark.xfail(strict=True, reason="the learned cleaner keeps this seed furniture")


# Each query's own furniture: one pattern for every query made a query fail on another
# query's furniture, so "advertise" stayed an expected failure after its ads had gone.
_FURNITURE = {"weight loss program Ozempic": r"ozempic", "advertise": r"advertis",
              "email updates search results": r"email updates", "tax-exempt charitable organization": r"tax-exempt",
              "join us Saturday Eastern Time": r"join us", "Found inside book": r"found inside|this book",
              "medical advice disclaimer": r"medical advice|disclaimer"}


@pytest.mark.parametrize("query", [pytest.param(q, marks=_SEED_NOISE_KEPT) if q in SEED_NOISE_KEPT else q
                                   for q in _FURNITURE])
def test_queries_for_ads_and_ui_find_nothing_of_them(index_args, query):
    hits = json.loads(run("ask", *index_args, "--json", "-k", "10", query).stdout)
    furniture = re.compile(_FURNITURE[query], re.I)
    assert not [h["text"] for h in hits if furniture.search(h["text"])]


def test_passages_json_lines(index_args):
    result = run("passages", *index_args, "--json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records and all({"passage_id", "source", "sources", "section", "text"} <= set(r) for r in records)
    ids = [r["passage_id"] for r in records]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_no_passage_is_a_near_duplicate_of_another(index_args):
    records = [json.loads(line) for line in run("passages", *index_args, "--json").stdout.splitlines()]
    sets = [set(re.findall(r"[^\W_]+", r["text"].lower())) for r in records]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            assert len(sets[i] & sets[j]) / len(sets[i] | sets[j]) < 0.8, (records[i]["text"], records[j]["text"])


def test_status_json(index_args):
    run("build", *index_args)
    info = json.loads(run("status", *index_args, "--json").stdout)
    assert info["exists"] and info["up_to_date"] and info["sources"] == 3 and info["passages"] > 10


def test_status_without_index_builds_it(tmp_path):
    result = run("status", "--sources", str(SEEDS), "--index", str(tmp_path / "none"))
    assert result.exit_code == 0 and "Up to date" in result.stdout, result.output


def test_ask_builds_index_when_missing_and_uses_env(tmp_path):
    env = {"WINNOW_SOURCES": str(SEEDS), "WINNOW_INDEX": str(tmp_path / "envix")}
    result = run("ask", "--json", "rituximab", env=env)
    assert result.exit_code == 0, result.output
    assert "building" in result.stderr.lower()
    assert (tmp_path / "envix" / "CURRENT").is_file()
    assert any("rituximab" in h["text"].lower() for h in json.loads(result.stdout))


def test_clean_command_text_and_json(tmp_path):
    page = tmp_path / "seals.txt"
    page.write_text(NAV + "Harbour seals\n\nHabitat\n\n" + PROSE + NAV, encoding="utf-8")
    result = run("clean", str(page))
    assert result.exit_code == 0 and "# Habitat" in result.stdout and "Share on Facebook" not in result.stdout
    record = json.loads(run("clean", "--json", str(page)).stdout)
    assert {"source", "title", "sections", "text"} <= set(record)
    assert "Habitat" in [s["heading"] for s in record["sections"]]


@pytest.mark.parametrize("args", [["ask", ""], ["ask", "   "], ["ask", "-k", "0", "x"], ["ask", "--sources", "/no/such/dir", "x"]])
def test_bad_arguments_are_usage_errors(tmp_path, args):
    result = run(*args, "--index", str(tmp_path / "ix"))
    assert result.exit_code == 2, result.output
    assert "Error" in result.stderr


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help(command):
    """Every command's help says what it does and names each of its options (it checked only
    that the help was over 200 characters long, for five of the eight commands)."""
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert " ".join(main.commands[command].get_short_help_str(limit=10_000).split()[:4]) in flat
    options = [o for p in main.commands[command].params if not getattr(p, "hidden", False) for o in p.opts
               if o.startswith("-")]
    assert options and [o for o in options if not re.search(re.escape(o) + r"\b", flat)] == []


def test_ask_does_not_import_heavy_modules(tmp_path, seed_index):
    code = ("import sys; sys.argv=['ask','--sources',%r,'--index',%r,'--json','statins'];"
            "import cli\ntry:\n cli.ask_main()\nexcept SystemExit: pass\n"
            "heavy=[m for m in ('sklearn','nltk','bs4','scipy','trafilatura') if m in sys.modules];"
            "sys.stderr.write('HEAVY=%%s' %% heavy)") % (str(SEEDS), str(seed_index))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "HEAVY=[]" in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)


_BUILD_AND_ASK = """
import hashlib, json, sys
from click.testing import CliRunner
from cli import main
from pipeline.ingest import build_index, current_generation
sources, index = sys.argv[1:3]
build_index(sources, index)
generation = current_generation(index)
files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(generation.iterdir())}
asked = [CliRunner().invoke(main, ["ask", "--json", "-k", "20", "--sources", sources, "--index", index, q]).stdout
         for q in ("what antibodies are involved", "how is it treated", "seal pups", "what is IMNM")]
topic = json.loads((generation / "manifest.json").read_text())["topic_terms"]
print(json.dumps({"generation": generation.name, "files": files, "asked": asked, "topic": topic}))
"""


def test_builds_under_other_hash_seeds_give_identical_index_bytes_and_rankings(tmp_path):
    """Same sources, same index, same ranking, whatever PYTHONHASHSEED: str hashes and set
    order change between processes, so two builds in one process cannot show it (they did)."""
    sources = tmp_path / "src"
    shutil.copytree(SEEDS, sources)
    shutil.copy2(ROOT / "tests" / "pages" / "sourdough.html", sources)
    (sources / "notes.md").write_text("# Myopathy notes\n\nPups of harbour seals swim within hours of birth.\n\n"
                                      "- IVIG\n- rituximab\n")
    (sources / "corpus.jsonl").write_text("".join(json.dumps({"_id": f"d{i}", "title": f"Necrotizing myopathy {i}",
                                                              "text": f"Statins and anti-HMGCR myopathy, cohort {i}."})
                                                  + "\n" for i in range(5)))
    runs = []
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "-c", _BUILD_AND_ASK, str(sources), str(tmp_path / f"ix{seed}")],
                              cwd=ROOT, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    assert len(runs[0]["files"]) > 10 and all(json.loads(a) for a in runs[0]["asked"])
    assert runs[0]["topic"]  # the topic's weighting is part of the rankings compared
    assert runs[0] == runs[1]


NAV = "Home | News | Sport | Weather | Contact\nShare on Facebook | Share on Twitter | Email\n"
PROSE = ("Harbour seals rest on sandbanks at low tide and feed in the channels between them. "
         "They dive for up to ten minutes and return to the same haul-out sites every year.\n")


def _two_sources(tmp_path):
    sources = tmp_path / "src"
    (sources / "notes").mkdir(parents=True)
    (sources / "page.txt").write_text(NAV + PROSE + NAV, encoding="utf-8")
    (sources / "notes" / "menu.txt").write_text(NAV + PROSE + NAV, encoding="utf-8")
    return sources


def test_build_trust_indexes_named_sources_as_written_and_remembers(tmp_path):
    sources, index = _two_sources(tmp_path), tmp_path / "ix"
    result = run("build", "--sources", str(sources), "--index", str(index), "--trust", "notes", "--json")
    assert result.exit_code == 0, result.output
    kept = {k["source"]: (k["kept_words"], k["words"]) for k in json.loads(result.stdout)["kept"]}
    assert kept["notes/menu.txt"][0] == kept["notes/menu.txt"][1]  # trusted: every word
    assert kept["page.txt"][0] < kept["page.txt"][1]  # cleaned: the menus go

    def texts():
        out = run("passages", "--sources", str(sources), "--index", str(index), "--json")
        by_source: dict[str, str] = {}
        for line in out.stdout.splitlines():
            passage = json.loads(line)
            by_source[passage["source"]] = by_source.get(passage["source"], "") + " " + passage["text"]
        return by_source

    assert "Share on Facebook" in texts()["notes/menu.txt"]
    (sources / "notes" / "menu.txt").write_text(NAV + PROSE + "Another line of notes here.\n" + NAV, encoding="utf-8")
    assert "Share on Facebook" in texts()["notes/menu.txt"]  # a refresh keeps the trusted list
    result = run("build", "--sources", str(sources), "--index", str(index), "--no-trust")
    assert result.exit_code == 0, result.output
    assert "Share on Facebook" not in " ".join(texts().values())


def test_build_trust_outside_the_sources_is_a_usage_error(tmp_path):
    sources = _two_sources(tmp_path)
    result = run("build", "--sources", str(sources), "--index", str(tmp_path / "ix"), "--trust", str(tmp_path))
    assert result.exit_code == 2 and "--trust" in result.output


def test_build_warns_about_a_page_that_keeps_under_half_its_words(tmp_path, monkeypatch):
    from pipeline import clean

    sources = _two_sources(tmp_path)
    # A threshold no block reaches: the cleaner drops everything it judges.
    monkeypatch.setattr(clean, "DEFAULT_OPTIONS", clean.CleanOptions(threshold=1.1))
    monkeypatch.setattr("pipeline.ingest.DEFAULT_OPTIONS", clean.CleanOptions(threshold=1.1))
    result = run("build", "--sources", str(sources), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    # The file as the build was given the folder (here absolute), so the command runs from anywhere.
    assert re.search(rf"warning: page\.txt: kept \d+ of \d+ words; `winnow clean --explain {re.escape(str(sources))}"
                     r"/page\.txt`", result.stderr), result.stderr


def test_clean_explain_names_every_dropped_block_and_its_reason(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(NAV + PROSE + NAV, encoding="utf-8")
    result = run("clean", "--explain", str(page))
    assert result.exit_code == 0, result.output
    assert "page: a page of 5 blocks" in result.stdout  # too short for the page gate: read as clean text
    lines = result.stdout.splitlines()
    dropped = int(re.search(r": 5 blocks, (\d+) dropped;", lines[0]).group(1))
    drops = [n for n, line in enumerate(lines) if line.startswith("DROP")]
    # Every dropped block, by its text, then who dropped it and why on the next line (it
    # checked that some DROP line was there and at most half the lines were).
    assert len(drops) == dropped > 0
    assert all(lines[n].split(None, 2)[2] in NAV for n in drops)
    assert all(re.fullmatch(r" +\w+: \S.*", lines[n + 1]) for n in drops), result.stdout
    result = run("clean", "--explain", "--json", str(page))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["page"] and all({"kind", "text", "keep", "by", "reason"} <= r.keys() for r in records[1:])
    assert [r["text"] for r in records[1:] if not r["keep"]] == [lines[n].split(None, 2)[2] for n in drops]
    assert all(r["by"] and r["reason"] for r in records[1:] if not r["keep"])


_SEAL_PAGE = """<html><head><title>Harbour seals</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li><li><a href="/shop">Shop</a></li></ul></nav>
<article><h1>Harbour seals</h1>
<p>Harbour seals breed on sandbanks along the coast in early summer, and their pups can swim within hours of birth.</p>
<p>Adults weigh up to 130 kilograms and dive for up to thirty minutes while they hunt for fish, squid and crabs.</p>
<p>They rest on rocks and beaches at low tide, and a colony may return to the same haul-out site for many years.</p>
<p>Counts along the North Sea coast fell sharply after two outbreaks of a distemper virus, but have recovered.</p>
</article>
<footer><p>Copyright 2026 Seal Trust. All rights reserved.</p></footer>
</body></html>
"""


def test_clean_explain_of_html_lists_what_the_extraction_left_out(tmp_path):
    """The HTML extraction cuts a page's menus and footer before any block is judged: --explain
    said "5 blocks, 0 dropped; 84 of 84 words kept" of a page with a menu. Each line the extraction
    left out is listed, in page order, dropped by "extraction"; what is kept is what `clean` prints."""
    page = tmp_path / "page.html"
    page.write_text(_SEAL_PAGE, encoding="utf-8")
    result = run("clean", "--explain", "--all", str(page))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.match(r"==> .*page\.html: \d+ blocks, 4 dropped \(4 left out by the HTML extraction\);", lines[0]), lines[0]
    shown = [line.split(None, 2) for line in lines[2::2]]
    assert [(mark, text) for mark, _, text in shown if mark == "DROP"] == [
        ("DROP", "Home"), ("DROP", "About us"), ("DROP", "Shop"), ("DROP", "Copyright 2026 Seal Trust. All rights reserved.")]
    assert [text for _, _, text in shown].index("Home") < [text for _, _, text in shown].index("Harbour seals")
    assert all(lines[n + 1].strip().startswith("extraction: ") for n in range(2, len(lines), 2) if lines[n].startswith("DROP"))
    kept = [text for mark, _, text in shown if mark == "keep"]
    cleaned = run("clean", str(page)).stdout
    assert kept and all(text in cleaned for text in kept) and "Home" not in cleaned
    records = [json.loads(line) for line in run("clean", "--explain", "--json", str(page)).stdout.splitlines()[1:]]
    assert [r["text"] for r in records if r["by"] == "extraction" and not r["keep"]] == [
        "Home", "About us", "Shop", "Copyright 2026 Seal Trust. All rights reserved."]
    bare = tmp_path / "bare.html"  # nothing outside the main content: nothing listed as left out
    bare.write_text("<html><body><article>" + _SEAL_PAGE.split("<article>")[1].split("</article>")[0]
                    + "</article></body></html>", encoding="utf-8")
    result = run("clean", "--explain", str(bare))
    assert ", 0 dropped;" in result.stdout.splitlines()[0] and "extraction" not in result.stdout, result.stdout
