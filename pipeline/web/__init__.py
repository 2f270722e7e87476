"""The local search page (`winnow serve`): routes, a background refresher, templates.

    serve(collection, host, port)   until Ctrl-C

Two choices, and why:
- the server is the standard library's ThreadingHTTPServer: four GET routes for one
  person on one computer need no framework, and it is maintained with Python itself
  (nothing to install, nothing to fall behind on);
- the pages are Jinja2 templates with autoescaping on for every template: sources are
  untrusted web pages, and escaping by default is what keeps a page whose text holds
  `<script>` or `onerror=` from running it. The page carries no script of its own,
  and its Content-Security-Policy forbids any, as a second wall.

`ask` never imports this package (a test checks), so the command line stays as fast.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..analyze import TOKEN_RE
from ..collection import Collection, answer, shown
from ..errors import WinnowError
from ..search import hit_record
from ..sources import MAX_SOURCE_BYTES

TEMPLATES = Path(__file__).with_name("templates")
DEFAULT_K = 10  # results on the page: a screenful, as a search engine shows
MAX_K = 100
MAX_QUESTION_CHARS = 2000  # a search box, not a file: the command line takes longer questions
# How often the sources folder is compared with the index (a walk of the folder and a stat
# of each file); a build starts in the background when they differ.
CHECK_SECONDS = 2.0

# No script at all, styles only from this page, forms only to it, never framed: even text
# that escaped escaping could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a click to a source's original address does not tell it the question
    "Cache-Control": "no-store",
}


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Segment:
    """A run of text, marked or not: the templates render marks, Python never writes HTML."""

    text: str
    marked: bool = False


def marked_words(text: str, wanted: set[str], analyzer) -> list[Segment]:
    """text cut into segments, the words whose analysis meets the query terms marked."""
    out: list[Segment] = []
    last = 0
    for match in TOKEN_RE.finditer(text):
        if wanted.isdisjoint(analyzer.analyze(match.group(0))):
            continue
        if match.start() > last:
            out.append(Segment(text[last:match.start()]))
        out.append(Segment(match.group(0), True))
        last = match.end()
    if last < len(text):
        out.append(Segment(text[last:]))
    return out


class Refresher:
    """Keeps the index up to date in a background thread, so no request ever waits for a build.

    State is real: the time of the last check, the status it found, the build under way.
    """

    def __init__(self, collection: Collection, log) -> None:
        self.collection = collection
        self.log = log
        self.status: dict = {}
        self.building = False
        self.error: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def poke(self) -> None:
        """Check the sources again if CHECK_SECONDS have passed (in the background)."""
        with self._lock:
            if self.building or time.monotonic() - self._checked < CHECK_SECONDS:
                return
            self._checked = time.monotonic()
            self.building = True
        threading.Thread(target=self._run, name="winnow-refresh", daemon=True).start()

    def _run(self) -> None:
        from ..store import LockTimeout

        try:
            status = self.collection.status()
            self.status = status
            if not status.get("up_to_date") and self.collection.sources.is_dir():
                self.log(f"updating the index in {shown(self.collection.index)} from {shown(self.collection.sources)}")
                self.collection.build(full=not status.get("exists") or "damaged" in status, wait=0.0)
                self.status = self.collection.status()
            self.error = None
        except LockTimeout:
            pass  # another process is building; its generation is picked up when it lands
        except (WinnowError, OSError) as error:
            self.error = str(error)
            self.log(f"cannot update the index: {error}")
        finally:
            with self._lock:
                self.building = False
                self._checked = time.monotonic()


class App:
    """The routes. State is real: the collection with its open Searcher, the refresher."""

    def __init__(self, collection: Collection, log=lambda message: None) -> None:
        self.collection = collection
        self.refresher = Refresher(collection, log)
        self.templates = _environment()
        self.log = log

    def handle(self, path: str) -> tuple[int, str, str]:
        """(status, content type, body) for a GET of path (with its query)."""
        url = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self.refresher.poke()
        if url.path == "/":
            return self.search_page(query)
        if url.path == "/source":
            return self.source_page(query)
        if url.path == "/api/ask":
            return self.api_ask(query)
        if url.path == "/api/status":
            return HTTPStatus.OK, "application/json", _dumps(self.collection.status())
        return self.page(HTTPStatus.NOT_FOUND, "error.html", message="No such page.")

    # --- pages ----------------------------------------------------------------------------------

    def page(self, status: int, template: str, **values) -> tuple[int, str, str]:
        searcher = self.collection.live()
        values.setdefault("q", "")
        values.setdefault("message", None)
        body = self.templates.get_template(template).render(
            index=shown(self.collection.index), sources=shown(self.collection.sources),
            held=_held(searcher), status=self.refresher.status, building=self.refresher.building,
            problem=self.refresher.error, **values)
        return status, "text/html; charset=utf-8", body

    def search_page(self, query: dict) -> tuple[int, str, str]:
        question = query.get("q", "").strip()[:MAX_QUESTION_CHARS]
        k = _k(query.get("k"), DEFAULT_K)
        if not question:
            return self.page(HTTPStatus.OK, "search.html", results=None, k=k)
        searcher = self.collection.live()
        if searcher is None:
            return self.page(HTTPStatus.SERVICE_UNAVAILABLE, "search.html", q=question, results=None, k=k,
                             message="The index is being built; reload this page in a moment.")
        hits, query_terms, bests = answer(searcher, question, k)
        wanted = {t for t, _ in query_terms.tokens()}
        results = [{"hit": hit, "best": marked_words(best, wanted, searcher.analyzer) if best != hit.passage.text
                    else None, "text": marked_words(hit.passage.text, wanted, searcher.analyzer),
                    "others": [s for s in hit.passage.sources if s != hit.passage.source],
                    "file": _file_of(searcher, hit.passage.source)}
                   for hit, best in zip(hits, bests)]
        return self.page(HTTPStatus.OK, "search.html", q=question, results=results, k=k)

    def source_page(self, query: dict) -> tuple[int, str, str]:
        searcher = self.collection.live()
        if searcher is None:
            return self.page(HTTPStatus.SERVICE_UNAVAILABLE, "error.html", message="The index is being built.")
        passage_id = query.get("passage")
        try:
            if passage_id:
                found = self.collection.locate(searcher, passage_id)
                text, start, end = found.cleaned, found.start, found.end
                title, url, file = found.source, found.url, found.file
            else:
                file = title = query.get("name", "")
                documents = self.collection.clean(file, max_corpus_bytes=MAX_SOURCE_BYTES)
                text = "\n\n".join(d.text for d in documents)
                start = end = -1
                url = searcher.url(file)
        except (WinnowError, OSError) as error:
            return self.page(HTTPStatus.NOT_FOUND, "error.html", message=str(error))
        if start < 0:
            parts = [Segment(text)]
        else:
            parts = [Segment(text[:start]), Segment(text[start:end], True), Segment(text[end:])]
        return self.page(HTTPStatus.OK, "source.html", title=title, file=file, url=url, parts=parts,
                         passage_id=passage_id or "", start=start, end=end, length=len(text))

    def api_ask(self, query: dict) -> tuple[int, str, str]:
        question = query.get("q", "").strip()
        if not question:
            return HTTPStatus.BAD_REQUEST, "application/json", _dumps({"error": "missing the question: ?q=..."})
        k = query.get("k", "5")
        if not (k.isascii() and k.isdigit() and 1 <= int(k) <= MAX_K):  # a program asked: say so, never guess
            return (HTTPStatus.BAD_REQUEST, "application/json",
                    _dumps({"error": f"k is the number of passages, a whole number from 1 to {MAX_K}: not {k[:20]!r}"}))
        k = int(k)
        searcher = self.collection.live()
        if searcher is None:
            return (HTTPStatus.SERVICE_UNAVAILABLE, "application/json",
                    _dumps({"error": "the index is being built; ask again in a moment"}))
        hits, _, bests = answer(searcher, question, k)
        return HTTPStatus.OK, "application/json", _dumps([hit_record(h, b) for h, b in zip(hits, bests)], indent=1)


def _k(value: str | None, default: int) -> int:
    try:
        return min(max(int(value), 1), MAX_K) if value else default
    except ValueError:
        return default


def _held(searcher) -> dict | None:
    if searcher is None:
        return None
    counts = searcher.manifest.get("counts", {})
    return {"sources": counts.get("sources", 0), "passages": searcher.n_passages,
            "skipped": len(searcher.manifest.get("skipped", []))}


def _file_of(searcher, source: str) -> str | None:
    files = searcher.source_files(source)
    return files[0] if len(files) == 1 and files[0] == source else None


# What `ask --json` escapes beyond json.dumps: DEL and C1 controls (still the same JSON).
_JSON_CONTROL_RE = re.compile(r"[\x7f-\x9f]")


def _dumps(value, **options) -> str:
    """JSON byte for byte as `ask --json` and `status --json` print it: UTF-8 as is, one line ending."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


class _Handler(BaseHTTPRequestHandler):
    app: App
    allowed_hosts: frozenset[str] = frozenset()
    server_version = "winnow"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        host = (self.headers.get("Host") or "").lower()
        if self.allowed_hosts and host not in self.allowed_hosts:
            # Another site's page cannot reach this one through a name that resolves to 127.0.0.1
            # (DNS rebinding): only the addresses it was started on are answered.
            status, kind, body = HTTPStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8", "Unknown host.\n"
        else:
            try:
                status, kind, body = self.app.handle(self.path)
            except Exception as error:  # noqa: BLE001 (one bad request must not stop the server)
                self.app.log(f"error on {self.path[:200]!r}: {type(error).__name__}: {error}")
                status, kind, body = HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", "Server error.\n"
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the http.server name)
        pass  # one line per request is noise on stderr; errors are logged by _respond


class _ThreadingHTTPServer6(ThreadingHTTPServer):
    """The server on an IPv6 address (`--host ::1`): ThreadingHTTPServer binds IPv4 only."""

    address_family = socket.AF_INET6


def make_server(collection: Collection, host: str = "127.0.0.1", port: int = 0, log=lambda message: None):
    """A ThreadingHTTPServer for the collection's page (not yet serving); its URL."""
    app = App(collection, log)
    handler = type("Handler", (_Handler,), {"app": app})
    server = (_ThreadingHTTPServer6 if ":" in host else ThreadingHTTPServer)((host, port), handler)
    server.daemon_threads = True
    bound = server.server_address[1]
    if host in ("127.0.0.1", "localhost", "::1"):
        handler.allowed_hosts = frozenset({f"127.0.0.1:{bound}", f"localhost:{bound}", f"[::1]:{bound}"})
    shown_host = f"[{host}]" if ":" in host else host
    app.refresher.poke()  # build or refresh at once, in the background
    return server, f"http://{shown_host}:{bound}/"


def serve(collection: Collection, host: str = "127.0.0.1", port: int = 8080, announce=print, log=None) -> None:
    """Serve the page until interrupted."""
    server, url = make_server(collection, host, port, log or collection.notify)
    announce(url)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
