"""HTML -> main-content blocks (headings, paragraphs, list items, table rows).

The cascade, in `html_to_blocks`:

1. parse once with lxml and read the title;
2. run trafilatura's main extractor (fast mode: no readability or jusText fallbacks;
   comments, tables and headings kept) for the article body;
3. if trafilatura kept (nearly) nothing, or flattened the page into one block, run
   winnow's recall-oriented DOM pass instead (beautifulsoup4 + lxml, iterative, so any
   depth);
4. normalise whitespace and drop empty and repeated blocks.

Passes that helped one labelled set and hurt another (sibling continuation, a small-page
rescue, a kept-share check) are not here: bench/bench_clean.py measures each set.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache

from .clean import vocabulary

# -- tuning values ------------------------------------------------------------------

# trafilatura's own cap is 20 MB; past this we cut the markup rather than spend
# unbounded time (a page of tens of MB is nearly always a data dump, not an article).
MAX_HTML_CHARS = 8_000_000
# trafilatura's fast mode: its main extractor alone, without the readability and jusText
# comparisons and the jusText rescue (a quarter of a page's time). Where trafilatura's own
# pass keeps too little, the DOM pass below is winnow's recall fallback. bench_clean.py, HTML
# F1 held-out sites scrapinghub / dragnet / readability: 0.950 / 0.892 / 0.912 with the
# fallbacks, 0.959 / 0.894 / 0.912 without; all 1,656 pages 0.950 / 0.892 / 0.902 -> 0.951 /
# 0.894 / 0.904 (precision up, recall down 0.000-0.007).
TRAFILATURA_FAST = True
# The DOM pass redoes a page when trafilatura kept fewer characters than this: a caption
# or nothing.
MIN_KEPT_CHARS = 200
# When its extractors fail, trafilatura falls back to a "baseline" that flattens the
# <article> or the whole page into one <p> (ScrapingHub f6ac15a4, a portal page; most
# small pages). A one-block answer is therefore re-done by the DOM pass, which is kept
# unless it is this many times longer (then the one block was a real one-paragraph page).
SINGLE_BLOCK_MAX_GROWTH = 1.5
# trafilatura builds a table row counting its cells anew for every cell (lxml's len() walks
# the children), so a row of 40,000 cells took 9 s and one of 8,000 cells spanning 100 columns
# each over a minute. A row wider than this many columns (spans counted) is cut into rows of
# at most this many before extraction: no table a person reads is this wide.
MAX_ROW_COLUMNS = 1000
# A noise-named element holding more than this share of the page text is a wrapper
# ("page has-sidebar"), not noise: keep it.
MAX_NOISE_SHARE = 0.5
# A block whose text is mostly link text is navigation (boilerpipe's link density;
# jusText uses 0.2 for "bad" in its paragraph classifier, we are looser to keep lists
# of linked items that carry prose).
MAX_LINK_DENSITY = 0.5
# Link-dense blocks longer than this are kept anyway (a linked paragraph of prose).
LINK_DENSE_KEEP_CHARS = 250
# Footer-like phrases only mark a block as boilerplate when the block is short
# (cleaning-rules.md 6.6: "length-gate it: a long paragraph mentioning privacy is content").
BOILERPLATE_PHRASE_MAX_CHARS = 200

# -- noise vocabulary (data, ordered for deterministic matching) ---------------------

# Elements never holding main content. trafilatura settings.MANUALLY_CLEANED and
# readability's unlikely-candidates list, cut to tags whose text is never the article.
NOISE_TAGS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object",
    "embed", "head", "title", "meta", "link",  # non-visible
    "nav", "aside", "footer", "menu",  # HTML5 sectioning for navigation and side content
    "button", "select", "option", "input", "textarea", "label", "fieldset",  # form controls
    "dialog",
)
# `header` and `form` are noise only outside the main content: an <article> has its own
# <header> with the title; ASP.NET pages wrap the whole body in one <form>.
CONDITIONAL_NOISE_TAGS = ("header", "form")
# Elements inside a line of text: one cut as noise leaves its neighbours as they were.
_INLINE_TAGS = frozenset(("a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "sub", "sup"))
# The markup vocabulary (class/id words of furniture, content wrappers) and the short
# policy phrases live with the text vocabulary: one noise vocabulary for HTML and text.
NOISE_WORDS = vocabulary.CLASS_WORDS
NOISE_EXEMPT_WORDS = vocabulary.CONTENT_CLASS_WORDS
BOILERPLATE_PHRASES = vocabulary.POLICY_PHRASES

BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "li", "dt", "dd", "tr", "td", "th",
    "table", "ul", "ol", "dl", "blockquote", "pre", "figure", "figcaption", "address",
    "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "body", "html", "center", "details",
    "summary", "caption", "tbody", "thead", "tfoot",
)
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Blocks that always start a new output block and collect one row / item each.
ROW_TAGS = ("tr", "li", "dt", "dd")
CELL_TAGS = ("td", "th")

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")  # never text; lxml maps NUL to U+FFFD
_WORD = re.compile(r"\w+")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class Block:
    """One unit of main content: a heading or a paragraph (also list items, table rows)."""

    kind: str  # "heading", "paragraph" or "code" (a <pre>: its lines kept)
    text: str  # whitespace-normalised text (code: its lines as written, trailing spaces and blank ends cut)
    level: int = 0  # 1..6 for headings, 0 otherwise
    comments: bool = False  # from the page's comment section


def html_to_text(html: str) -> str:
    """Main content as text: "# heading" lines, paragraphs separated by a blank line."""
    _, blocks = html_to_blocks(html)
    return "\n\n".join("# " + b.text if b.kind == "heading" else b.text for b in blocks)


def html_to_blocks(html: str) -> tuple[str, list[Block]]:
    """(page title, main-content blocks in document order). Never raises on bad HTML."""
    if not html or not html.strip():
        return "", []
    html = html[:MAX_HTML_CHARS]
    # 1. parse once
    tree = _parse_lxml(html)
    title = _title(tree) if tree is not None else ""
    # 2. trafilatura for the article body
    blocks = _trafilatura_blocks(tree) if tree is not None else []
    # 3. the DOM pass when trafilatura kept (nearly) nothing or flattened the page
    kept = sum(len(b.text) for b in blocks)
    too_little = kept < MIN_KEPT_CHARS
    if too_little or len(blocks) == 1:
        dom_blocks, dom_title = dom_blocks_and_title(html)
        dom_chars = sum(len(b.text) for b in dom_blocks)
        flattened = len(blocks) == 1 and 0 < dom_chars <= SINGLE_BLOCK_MAX_GROWTH * kept
        if flattened or (too_little and dom_chars > kept):
            blocks = dom_blocks
        title = title or dom_title
    # 4. tidy
    return title, _dedupe(blocks)


# -- 1. parsing ----------------------------------------------------------------------


def _parse_lxml(html: str):
    """An lxml tree via trafilatura's loader (handles encodings and broken markup), or None."""
    try:
        return _loader()(html)
    except Exception:  # lxml raises several types on garbage input; the DOM pass copes
        return None


@cache
def _loader():
    """trafilatura's load_html for a decoded page, on a parser that finds element classes in C.

    lxml.html's parser asks a Python method (HtmlElementClassLookup.lookup) for the class
    of every element proxy it makes, and trafilatura's cascade walks and copies the tree
    over and over: 2.4 million calls on 400 dragnet pages, a tenth of the per-source time.
    The same classes (lxml.html's form-element classes by tag name, HtmlElement for the
    rest) come from lxml's C lookups here; the parser is a copy of trafilatura's, with its
    options. load_html's steps are repeated for a str (repair, parse, a bytes parse if that
    fails, the not-HTML check); its public function unless both agree on a probe page.
    """
    from trafilatura.utils import load_html

    try:
        from lxml import etree, html as lxml_html
        from trafilatura.utils import HTML_PARSER, fromstring_bytes, is_dubious_html, repair_faulty_html

        lookup = etree.ElementNamespaceClassLookup(etree.ElementDefaultClassLookup(
            element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
            pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity))
        lookup.get_namespace(None).update(lxml_html.HtmlElementClassLookup._default_element_classes)
        parser = HTML_PARSER.copy()
        parser.set_element_class_lookup(lookup)
    except (ImportError, AttributeError, TypeError):  # another lxml or trafilatura
        return load_html

    def load(html: str):
        beginning = html[:50].lower()
        html = repair_faulty_html(html, beginning)
        tree, fallback = None, False
        try:
            tree = lxml_html.fromstring(html, parser=parser)
        except ValueError:  # a str with an encoding declaration: bytes, as load_html does
            tree, fallback = fromstring_bytes(html), True
        except Exception:  # noqa: BLE001  (load_html logs it and goes on)
            pass
        if (tree is None or len(tree) < 1) and not fallback:
            tree = fromstring_bytes(html)
        if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
            return None
        return tree

    def serialized(loaded) -> bytes:
        return etree.tostring(loaded) + b"".join(type(el).__name__.encode() for el in loaded.iter())

    probe = _PROBE_PAGE.replace("</article>", "<form><input name='q'><textarea>t</textarea></form></article>")
    try:
        same = serialized(load(probe)) == serialized(load_html(probe))
    except Exception:  # noqa: BLE001
        same = False
    return load if same else load_html


def _title(tree) -> str:
    """<title>, else og:title, else the first <h1>."""
    for xpath in ("//head/title", "//meta[@property='og:title']/@content", "//h1"):
        try:
            found = tree.xpath(xpath)
        except Exception:
            continue
        for node in found:
            text = node if isinstance(node, str) else node.text_content()
            text = _norm(text)
            if text:
                return text
    return ""


# -- 2. trafilatura ------------------------------------------------------------------


@cache
def _extractor():
    """A function tree -> (body, comments) of trafilatura's main content, or None (with one
    warning) when trafilatura cannot be imported.

    An incomplete install must be loud: trafilatura imports jusText, which needs the
    separate lxml_html_clean package, and without it every page would silently go
    through the DOM pass alone (ScrapingHub F1 0.89 instead of 0.96).

    bare_extraction does three things we do not need around its cascade
    (trafilatura_sequence): it copies the tree we hand it (we parsed it for this and
    read only its title first), builds its options anew on every call, and renders the
    body and comments as text, which we never read (7% of its time on the bench pages).
    Where the cascade is importable we run it as bare_extraction does, with the same
    options and the same "too short" verdict; otherwise bare_extraction itself. Same
    blocks either way (bench: the cleaned text of every labelled page is unchanged).
    """
    try:
        from trafilatura import bare_extraction
    except ImportError as error:
        warnings.warn(
            f"trafilatura cannot be imported ({error}); HTML cleaning falls back to "
            "winnow's DOM pass and keeps more boilerplate. Reinstall winnow to fix it.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    options = dict(fast=TRAFILATURA_FAST, include_comments=True, include_tables=True,
                   include_formatting=True,  # keeps <head rend="hN"> for headings
                   with_metadata=False)

    def extract(tree):
        document = bare_extraction(tree, **options)
        return (getattr(document, "body", None), getattr(document, "commentsbody", None))

    try:
        from trafilatura.core import trafilatura_sequence
        from trafilatura.settings import Extractor

        settings = Extractor(fast=options["fast"], comments=True, tables=True, formatting=True, with_metadata=False)
        if settings.max_tree_size or settings.lang or settings.dedup:
            raise ImportError("bare_extraction checks these")
    except (ImportError, TypeError):  # another trafilatura: its public function
        return extract

    def extract_in_place(tree):
        # The tree is consumed (the cascade prunes it): the caller is done with it.
        body, text, comments, comments_text = trafilatura_sequence(tree, settings, None)
        if len(text) < settings.min_output_size and len(comments_text) < settings.min_output_comm_size:
            return None, None  # bare_extraction returns nothing for these
        return body, comments

    # The cascade is trafilatura's own, not its public interface: a release that changes
    # it must not cost every page its main content. Both ways on one page, once; the
    # public function unless they agree.
    return extract_in_place if _same_extraction(extract, extract_in_place) else extract


_PROBE_PAGE = ("<html><head><title>Probe</title></head><body><nav><a href='/'>Home</a></nav><article>"
               "<h1>A probe page</h1>" + "<p>This paragraph of the probe page is long enough to be the main text of it.</p>" * 6
               + "<table><tr><td>a cell</td><td>another cell</td></tr></table></article>"
               "<div class='comments'><p>A reader's comment on the probe page, long enough to count.</p></div>"
               "<footer>Footer text</footer></body></html>")


def _same_extraction(public, in_place) -> bool:
    """Whether two extractors give the same body and comments on a small page."""
    from lxml import etree, html

    def serialized(extract):
        body, comments = extract(html.fromstring(_PROBE_PAGE))
        return tuple(None if part is None else etree.tostring(part) for part in (body, comments))

    try:
        return serialized(in_place) == serialized(public)
    except Exception:  # a changed cascade: another signature or result
        return False


def _trafilatura_blocks(tree) -> list[Block]:
    """trafilatura's main content and its comment section (headings and tables kept) as blocks.

    Comments are kept as trafilatura keeps them by default: on forums and blogs they are
    the page's content (dragnet's gold texts include them; with them, F1 on its train
    sites 0.846 -> 0.892), and the block scorer judges them like any other block.
    The tree is consumed.
    """
    extract = _extractor()
    if extract is None:
        return []
    try:
        _cut_wide_rows(tree)
        _mark_preformatted(tree)
        body, comments = extract(tree)
    except Exception:  # trafilatura failing on a page must not fail the page
        return []
    blocks = _xml_to_blocks(body) if body is not None else []
    if comments is not None:
        blocks += [Block(b.kind, b.text, b.level, comments=True) for b in _xml_to_blocks(comments)]
    return blocks


_TABLE_CELLS = ("td", "th")  # the cells trafilatura reads (main_extractor.TABLE_ELEMS)
_MAX_SPAN = 100  # trafilatura reads a colspan up to this many columns


def _columns(cell) -> int:
    span = cell.get("colspan") or "1"
    return min(int(span), _MAX_SPAN) if span.isdecimal() else 1  # as trafilatura reads it


def _cut_wide_rows(tree) -> None:
    """Cut every table row wider than MAX_ROW_COLUMNS into rows of at most that many columns, in place.

    Cells outside any row (trafilatura joins them to the row before) count as a row of their
    table (or tbody, thead, tfoot) and are wrapped into rows when there are too many of them.
    A page without such a row is left as it is. In such a row a cell's colspan goes too:
    trafilatura pads a spanning cell with empty cells, which add no text (8,000 cells of
    colspan 100 would be 800,000 cells to walk).
    """
    for row in list(tree.iter("tr")):
        cells = _wide_cells(row)
        if cells:
            chunks = _column_chunks(cells)
            _drop_spans(cells)
            at = row
            for chunk in chunks[1:]:
                new = row.makeelement("tr", {})
                new.extend(chunk)  # moves the cells (with their tails) out of the row
                at.addnext(new)
                at = new
    for parent in list(tree.iter("table", "tbody", "thead", "tfoot")):
        cells = _wide_cells(parent)
        if cells:
            chunks = _column_chunks(cells)
            _drop_spans(cells)
            for chunk in chunks:
                new = parent.makeelement("tr", {})
                chunk[0].addprevious(new)
                new.extend(chunk)


def _wide_cells(parent) -> list:
    """The cells directly under `parent` when they span more than MAX_ROW_COLUMNS columns, else []."""
    cells = [child for child in parent if child.tag in _TABLE_CELLS]
    if len(cells) > MAX_ROW_COLUMNS // _MAX_SPAN and sum(map(_columns, cells)) > MAX_ROW_COLUMNS:
        return cells
    return []


def _drop_spans(cells: list) -> None:
    for cell in cells:
        cell.attrib.pop("colspan", None)


def _column_chunks(cells: list) -> list[list]:
    """The cells in runs of at most MAX_ROW_COLUMNS columns, in order."""
    chunks: list[list] = [[]]
    width = 0
    for cell in cells:
        columns = _columns(cell)
        if chunks[-1] and width + columns > MAX_ROW_COLUMNS:
            chunks.append([])
            width = 0
        chunks[-1].append(cell)
        width += columns
    return chunks


_XML_HEAD = "head"
_XML_LINE_BREAK = "lb"
_XML_CODE = "code"
_XML_LEAVES = ("p", "item", "row", "code", "quote", "head")


def _xml_to_blocks(body) -> list[Block]:
    """trafilatura's XML body -> Blocks. Iterative: lists and quotes may nest."""
    # <lb/> is a <br>: the text on either side are separate lines, not one word
    # ("dates:<lb/>June 9" must not become "dates:June"). The body is our own copy.
    for lb in body.iter(_XML_LINE_BREAK):
        lb.tail = ("\n" if any(a.tag == _XML_CODE for a in lb.iterancestors()) else " ") + (lb.tail or "")
    blocks: list[Block] = []
    # lxml filters by tag in C (iter(*tags) walks in document order, as iter() does), and
    # itertext() is the string() of XPath without compiling an expression per element.
    for el in body.iter(*_XML_LEAVES):
        tag = el.tag
        if tag == _XML_CODE and _inline_code(el):
            continue  # a word of its paragraph's text (below)
        # A leaf holding another leaf (quote > p, item > list > item) yields its own
        # direct text only; the inner leaves yield theirs.
        if _is_preformatted(el):
            code = _code_text(_string(el))
            if code:
                blocks.append(Block("code", code))
            continue
        if _holds_leaf(el, descendants=True):
            text = _norm(_own_text(el))
        elif tag == "row":
            text = _norm(" ".join(_norm(_string(c)) for c in el))
        else:
            text = _norm(_string(el))
        if not text:
            continue
        if tag == _XML_HEAD:
            blocks.append(Block("heading", text, _xml_heading_level(el)))
        else:
            blocks.append(Block("paragraph", text))
    return blocks


def _is_preformatted(el) -> bool:
    """A block of code (a <pre>: _mark_preformatted), its lines to keep."""
    return el.tag == _XML_CODE and not _holds_leaf(el, descendants=True)


def _mark_preformatted(tree) -> None:
    """Every <pre> holds a <code>: trafilatura gives <pre><code> as code, with its line breaks, but
    a bare <pre> as a quote, which a <blockquote> is too."""
    for pre in list(tree.iter("pre")):
        if pre.find("code") is None:
            code = pre.makeelement("code", {})
            code.text, pre.text = pre.text, None
            code.extend(list(pre))
            pre.append(code)


def _code_text(text: str) -> str:
    """A code block's text as written: its lines, without control characters, trailing spaces or blank
    lines around it."""
    if not text.isprintable():
        text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _first(iterator):
    return next(iterator, None)


def _string(el) -> str:
    """XPath's string(el): the text of every text node under it, in order (not its tail)."""
    return "".join(el.itertext())


def _own_text(el) -> str:
    """Text of `el` not inside a child leaf element."""
    parts = [el.text or ""]
    for child in el:
        # Skip any child that is or holds a leaf: those leaves yield their own blocks.
        if not _holds_leaf(child):
            parts.append(_string(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def _holds_leaf(el, descendants: bool = False) -> bool:
    """Whether el (or, with descendants=True, an element under it) is a leaf that yields a block of its own."""
    found = el.iterdescendants(*_XML_LEAVES) if descendants else el.iter(*_XML_LEAVES)
    return any(not (leaf.tag == _XML_CODE and _inline_code(leaf)) for leaf in found)


# A paragraph, list entry, heading, table row or quote: code inside one of them without a line break
# is inline code ("a utility function <code>fetch()</code> that..."), a word of its text; alone, it
# was a block cut out of its sentence. On the train sites every such code had no line break, and
# every code block (26) stood outside them.
_INLINE_CODE_PARENTS = frozenset(("p", "item", "row", "head", "quote"))


def _inline_code(el) -> bool:
    return (el.find(".//" + _XML_LINE_BREAK) is None and "\n" not in _string(el)
            and any(a.tag in _INLINE_CODE_PARENTS for a in el.iterancestors()))


def _xml_heading_level(el) -> int:
    rend = el.get("rend") or ""
    if len(rend) == 2 and rend[0] == "h" and rend[1] in "123456":
        return int(rend[1])
    return 2


# -- 3. winnow's DOM pass -------------------------------------------------------------


def dom_blocks_and_title(html: str) -> tuple[list[Block], str]:
    """Recall-oriented extraction: every text block outside noise regions, not link-dense.

    beautifulsoup4 with lxml builds the tree without libxml2's depth limit, and every
    walk below uses an explicit stack, so 50,000 nested divs cost time, not a crash.
    """
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception:
        return [], ""
    title_tag = soup.find("title")
    title = _norm(title_tag.get_text()) if title_tag else ""
    root = soup.body or soup
    page_chars = len(_norm(root.get_text(" ")))
    raw = _walk(root, page_chars)
    return _filter(raw), title


# What a reader never sees of a page: these hold no visible text (the title is the tab's).
_INVISIBLE_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object",
                             "embed", "head", "title", "meta", "link"))


def visible_blocks(html: str) -> list[Block]:
    """Every block of visible text on the page, furniture included (what a reader of it sees):
    what `winnow clean --explain` compares with the main content the extraction kept."""
    from bs4 import BeautifulSoup

    if not html or not html.strip():
        return []
    try:
        soup = BeautifulSoup(html[:MAX_HTML_CHARS], "lxml")
    except Exception:
        return []
    root = soup.body or soup
    out = []
    for rb in _walk(root, 0, is_noise=_is_invisible):
        text = _norm("".join(rb.text))
        if text:
            out.append(Block(rb.kind, text, rb.level))
    return out


def _is_invisible(node, name: str, in_main: bool, page_chars: int) -> bool:
    return (name in _INVISIBLE_TAGS or node.get("hidden") is not None
            or "display:none" in (node.get("style") or "").replace(" ", "").lower())


@dataclass
class _RawBlock:
    kind: str
    level: int
    text: list[str]
    link_chars: int = 0


def _walk(root, page_chars: int, is_noise=None) -> list[_RawBlock]:
    """Depth-first over the soup with an explicit stack, cutting at block boundaries."""
    from bs4 import Comment, NavigableString, Tag
    from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

    skip_strings = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
    blocks: list[_RawBlock] = []
    current = _RawBlock("paragraph", 0, [])

    def flush(kind: str = "paragraph", level: int = 0) -> None:
        nonlocal current
        if current.text:
            blocks.append(current)
        current = _RawBlock(kind, level, [])

    # Stack entries: (node, in_link, in_main) or a sentinel string marking a block's end.
    stack: list = [(root, False, False)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):  # end of a block element
            flush()
            continue
        node, in_link, in_main = item
        if isinstance(node, NavigableString):
            if isinstance(node, skip_strings):
                continue
            text = str(node)
            if text.strip():
                current.text.append(text)
                if in_link:
                    current.link_chars += len(_norm(text))
            elif current.text:
                current.text.append(" ")
            continue
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower()
        if (is_noise or _is_noise)(node, name, in_main, page_chars):
            if current.text and name not in _INLINE_TAGS:
                current.text.append(" ")  # "Seals<nav>Home</nav>breed" reads "Seals breed", not "Sealsbreed"
            continue
        in_main = in_main or name in ("article", "main")
        if name == "pre":  # a code block: its lines as written, as trafilatura's path keeps them
            flush("code")
            current.text.append(_pre_text(node, skip_strings, is_noise or _is_code_noise))
            flush()
            continue
        if name in CELL_TAGS:
            current.text.append(" ")
        elif name in HEADING_TAGS:
            flush("heading", int(name[1]))
            stack.append("end")
        elif name in BLOCK_TAGS:
            flush()
            stack.append("end")
        in_link = in_link or name == "a"
        stack.extend((child, in_link, in_main) for child in reversed(node.contents))
    flush()
    return blocks


def _pre_text(pre, skip_strings: tuple, is_noise) -> str:
    """A <pre>'s text with its line breaks (a <br> in it is one too), without what is_noise (a _walk's,
    or _is_code_noise) drops: no script or style text, no hidden element, no control's label."""
    from bs4 import NavigableString

    parts = []
    stack = list(reversed(pre.contents))  # an explicit stack, as _walk's: any depth
    while stack:
        node = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, skip_strings):
                parts.append(str(node))
            continue
        name = (node.name or "").lower()
        if name == "br":
            parts.append("\n")
        elif not is_noise(node, name, True, 0):
            stack.extend(reversed(node.contents))
    return "".join(parts)


def _is_code_noise(node, name: str, in_main: bool, page_chars: int) -> bool:
    """What _is_noise drops inside a code block: noise by tag (a "Copy" button, a script) or hidden;
    not by class words, which a highlighter's spans hold ("token comment")."""
    return name in NOISE_TAGS or _is_hidden(node)


def _is_noise(node, name: str, in_main: bool, page_chars: int) -> bool:
    """Noise by tag, or by class/id words unless the element holds most of the page."""
    if name in NOISE_TAGS:
        return True
    if name in CONDITIONAL_NOISE_TAGS:
        if name == "header" and in_main:
            return False
        return not _holds_most_of_page(node, page_chars)
    if name in ("html", "body", "main", "article"):
        return False
    if _is_hidden(node):
        return True
    role = (node.get("role") or "").lower()
    if role in ("navigation", "banner", "contentinfo", "complementary", "search", "dialog"):
        return not _holds_most_of_page(node, page_chars)
    words = _attr_words(node)
    if not words or any(w in NOISE_EXEMPT_WORDS for w in words):
        return False
    if any(w in NOISE_WORDS for w in words):
        return not _holds_most_of_page(node, page_chars)
    return False


def _attr_words(node) -> list[str]:
    values = []
    for attr in ("class", "id"):
        value = node.get(attr)
        if isinstance(value, list):
            value = " ".join(value)
        if value:
            values.append(_CAMEL.sub(" ", value))
    return [w for w in _WORD_SPLIT.split(" ".join(values).lower()) if w]


def _is_hidden(node) -> bool:
    """Hidden from every reader (hidden, display:none, visibility:hidden) or from a screen reader's."""
    if node.get("hidden") is not None or node.get("aria-hidden") == "true":
        return True
    style = (node.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _holds_most_of_page(node, page_chars: int) -> bool:
    if page_chars <= 0:
        return False
    return len(_norm(node.get_text(" "))) > MAX_NOISE_SHARE * page_chars


def _filter(raw: list[_RawBlock]) -> list[Block]:
    """Drop link-dense and chrome blocks; keep headings only when content follows."""
    kept: list[Block] = []
    for rb in raw:
        if rb.kind == "code":
            code = _code_text("".join(rb.text))
            if code.strip():
                kept.append(Block("code", code))
            continue
        text = _norm("".join(rb.text))
        if not text:
            continue
        if rb.kind != "heading" and _is_boilerplate(text, rb.link_chars):
            continue
        if rb.kind == "heading":
            kept.append(Block("heading", text, rb.level))
        else:
            kept.append(Block("paragraph", text))
    # A heading with no paragraph before the next heading of the same or higher rank
    # (or the end) heads nothing: usually a widget title left by the noise cut.
    out: list[Block] = []
    for i, b in enumerate(kept):
        if b.kind == "heading":
            nxt = next((k for k in kept[i + 1 :] if k.kind == "paragraph" or k.level <= b.level), None)
            if nxt is None or nxt.kind == "heading":
                continue
        out.append(b)
    return out


def _is_boilerplate(text: str, link_chars: int) -> bool:
    if len(text) < LINK_DENSE_KEEP_CHARS and link_chars > MAX_LINK_DENSITY * len(text):
        return True
    if len(text) <= BOILERPLATE_PHRASE_MAX_CHARS:
        low = text.lower()
        if any(p in low for p in BOILERPLATE_PHRASES):
            return True
    return False


# -- 4. tidy ---------------------------------------------------------------------------


def _norm(text: str) -> str:
    if not text.isprintable() or "\ufffd" in text:  # the common case has no control character
        text = _CONTROL.sub("", text)
    return " ".join(text.split())


def _dedupe(blocks: list[Block]) -> list[Block]:
    """Normalise text and drop empty blocks and immediate repeats (a title printed twice)."""
    out: list[Block] = []
    for b in blocks:
        text = b.text if b.kind == "code" and b.text.strip() else _norm(b.text)
        if not text:
            continue
        if out and out[-1].text == text:
            continue
        out.append(Block(b.kind, text, b.level, b.comments) if text != b.text else b)
    return out
