"""3e. Furniture lines: shapes of page furniture that hold on any site, each a named rule with its reason.

The learned scorers read a block's statistics (length, stops, function words, position,
repetition); a few kinds of furniture have a shape they do not see, because it lies in
how the line is built, not in its statistics:

    media_file   a line that is an image's file name, or a caption led by one
                 ("IMG_3342.jpg", "Photo: bridge-at-dusk-1920x1080.jpg © Studio X"),
                 or a bracketed media placeholder ("[Image: ... Photograph: ...]")
    breadcrumb   a trail of three or more short unstopped steps joined by one separator
                 ("Home > Topics > Some page", "Blog / Reviews / A title")
    contents     a table of contents: numbered entries whose titles recur later on the
                 page as its headings ("1 History", "Contents: 1 History · 2 Use · 3 ...")
    offer        a short unstopped line that gives a price or a rating
                 ("Soap, 30 bars — £7.99 [Add to basket]", "Rating: 4.9/5 ⭐⭐⭐⭐⭐")
    member       a line of two or more "Label: value" pairs whose values are counts or
                 dates (a forum's "Joined: ... Posts: ..."), or a user's handle alone
                 on a line ("some_user", "DrJones_RPh")
    pictograph   a line (not a list entry) opened by an emoji, an icon, stars or ©
    download     a line that offers a file by its size ("Checklist (PDF, 240 KB)")
    hours        a short unstopped line of opening hours ("Saturday: 8:00 am – 12:00 pm")

Only a block another pass kept is looked at, and only a paragraph, heading or list entry
(a table row is one structure with its table; code and run sentences have their own
passes). media_file holds on any page: an image's file name alone is never a writer's text.
The other rules run only on a page the gate is sure is noisy (a score under the model's
context_max_page_score, where the context scorer judges): on clean text a price or a trail of
steps in a line of its own is the writer's (a menu card, "Settings > Privacy > Clear data"),
and on pages the gate is unsure of the gold texts keep what the rules would take (a wiki
article's table of contents, a blog's emoji-led entries, a commenter's handle: on the test
sites' gold texts, run on every page the gate calls noisy, they cost 0.0008 of the sentences).
"""

from __future__ import annotations

import re
import unicodedata

from ..blocks import Block, Kind, Verdict
from .features import _CLOSERS, _TERMINAL
from .vocabulary import UI_WORDS

_WORD_RE = re.compile(r"\w+")
_DIGIT_OR_STAR_RE = re.compile(r"[\d★☆⭐]")  # a cheap first test: offers, hours and counts need one

# Extensions of images, audio and video a page shows (not documents: a "(PDF, 240 KB)" link
# names what it offers, and a README names its files on purpose).
MEDIA_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "tif", "tiff", "avif", "heic",
                    "mp4", "webm", "mov", "mp3", "ogg", "wav")
_EXTENSION = r"\.(?:" + "|".join(MEDIA_EXTENSIONS) + r")"
# A file name alone: no slash, colon or bracket; spaces allowed ("Doctor showing form.jpg" is how
# a wiki shows one).
_MEDIA_NAME_RE = re.compile(r"[^\s/\\:\[\]()][^/\\:\[\]()]{0,120}?" + _EXTENSION, re.IGNORECASE)
# A caption led by a file name without spaces, after an optional short label ("Image:", "Photo:"):
# the name ends the line or a dash, bracket, © or bar follows it.
_MEDIA_CAPTION_RE = re.compile(r"(?:[^\W\d_]{1,15}:\s{1,3})?[^\s/\\:]{1,120}?" + _EXTENSION
                               + r"(?:\s{1,3}[-–—(©|·].*)?", re.IGNORECASE | re.DOTALL)
MEDIA_NAME_MAX_WORDS = 6  # a file name with spaces, alone on a line
# A placeholder a text dump leaves for a picture: "[Image: ...]", "[Photo]", "[Video: ...]". Not
# "[figure ...]": a document's figures are described in its text (a manual's "[figure SG04: ...]").
_MEDIA_PLACEHOLDER_RE = re.compile(r"\[(?:image|photo|photograph|picture|video)\b[^\]]{0,300}\]",
                                   re.IGNORECASE)

# A breadcrumb trail: one separator, used two times or more, between short steps.
BREADCRUMB_SEPARATORS = (" > ", " › ", " » ", " / ", " → ", " >> ")
BREADCRUMB_MIN_STEPS = 3
BREADCRUMB_STEP_MAX_WORDS = 6  # "Inborn errors of amino acid metabolism"
BREADCRUMB_MAX_WORDS = 24

# A table of contents: entries opened by a section number ("2", "2.1", "3."), titles said again
# later as headings. Three entries at least: one numbered line equal to a later heading is chance.
_SECTION_NUMBER_RE = re.compile(r"(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?)\s{1,4}(?=\S)")
CONTENTS_MIN_ENTRIES = 3
CONTENTS_ENTRY_MAX_WORDS = 8
CONTENTS_SEPARATORS = (" · ", " | ", " • ", " - ", " – ")
# A short bracketed link that ends a heading: "[modify | history]", "[edit on GitHub]" (no digit: a
# citation's "[12]" is no link).
_TRAILING_LINK_RE = re.compile(r"\s\[[^\[\]\d]{1,30}\]\s*$")

# Prices and ratings: a currency sign next to a figure, a score out of 5 or 10, a row of stars.
_PRICE_RE = re.compile(r"[$£€¥₹]\s?\d|\d(?:[.,]\d{1,2})?\s?(?:€|£|USD|EUR|GBP)\b")
# A score out of 5 or 10 that ends the line or stands before stars, a count in brackets or a bar
# ("4.9/5 ⭐⭐⭐⭐⭐", "(4.2 / 5, 318 votes)"); "2.5/5 mL" and "3/5 to 5/5 in the pilot" are the text's.
_RATING_RE = re.compile(r"\b\d(?:[.,]\d)?\s?/\s?(?:5|10)(?=\s{0,3}(?:$|[★☆⭐(|·,)]))|[★☆⭐]{3}")
# A price is an offer when the line also asks for an action: a word of the one noise vocabulary
# (basket, cart, checkout, shop...), a button in brackets, or an arrow. A bare price ("$199
# billion", "Estimate: $8,000 to $12,000") is a figure of the text: shops' and deals' gold texts keep them.
_ACTION_MARK_RE = re.compile(r"\[[^\]]{1,40}\]|[→›»▶►]")
OFFER_MAX_WORDS = 16  # a product line, a rating; a longer line that names a price is a deal's description
# A sentence of this many words or more, stopped, inside a line makes it prose with a figure in it
# (a sentence and a rating widget glued in one line of a dump: the line stays for the runs to judge).
OFFER_SENTENCE_MIN_WORDS = 8
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z])")

# "Label: value" pairs with a figure in the value: "Joined: Jun 2016", "Posts: 4,871".
_COUNT_FIELD_RE = re.compile(r"(?:^|\s)[^\W\d_][\w'’]{0,20}(?:\s[\w'’]{1,20})?:\s{1,8}(?:[^\W\d_]{1,10}\.?\s)?[^\s:]{0,12}\d")
# A count as a whole value ("Posts: 4,871"): a record of a member, not of a post's times ("Posted: 08/09/2012").
_COUNT_VALUE_RE = re.compile(r"(?:^|\s)[^\W\d_][\w'’]{0,20}(?:\s[\w'’]{1,20})?:\s{1,8}\d[\d,.]{0,12}(?=\s|$)")
MEMBER_MIN_FIELDS = 2
MEMBER_MAX_WORDS = 16
# A handle: one token of letters and digits joined by underscores ("maple_jo", "DrKwame_RPh"); a
# plain word or a name is not one. An identifier alone on a line looks the same; code blocks and
# code spans are kept before this pass, and the rule runs only on pages the gate calls noisy.
_HANDLE_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,30}(?:_[A-Za-z0-9]{1,30}){1,4}")

# A file's size in brackets: a download link's label ("Checklist (PDF, 240 KB)").
_FILE_SIZE_RE = re.compile(r"\((?:[A-Za-z]{2,5},?\s{1,3})?\d{1,4}(?:[.,]\d{1,2})?\s?[KMG]B\)")
# Opening hours: a span between two clock times, one of them with minutes or am/pm ("9:00 – 19:00",
# "8am-7pm", "7:30 am – 5:00 pm").
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?\s?(?:[ap]\.?m\.?)?"
_HOURS_RE = re.compile(r"(?<![\d.,/])(?=\d{1,2}(?:[:.]\d{2}|\s?[ap]\.?m))" + _CLOCK + r"\s?[–—-]\s?" + _CLOCK + r"(?![\d/])",
                       re.IGNORECASE)
HOURS_MAX_WORDS = 16
PICTOGRAPH_MAX_WORDS = 30

_JUDGED_KINDS = (Kind.PARAGRAPH, Kind.HEADING, Kind.ITEM)


def _stopped(text: str) -> bool:
    """Whether a line ends a sentence (closing quotes and brackets aside): features._terminal's
    marks, except that a line ending in "..." counts as stopped here."""
    text = text.rstrip(_CLOSERS + " ")
    return bool(text) and text[-1] in _TERMINAL


def media_file(text: str) -> bool:
    """An image's file name alone, a caption led by one, or a bracketed media placeholder."""
    if len(text) > 600 or ("." not in text and text[:1] != "["):
        return False
    if _MEDIA_PLACEHOLDER_RE.fullmatch(text):
        return True
    # A sentence about a file ("See the chart in plot.png.") ends in a stop, which neither allows.
    return bool((_MEDIA_NAME_RE.fullmatch(text) and len(text.split()) <= MEDIA_NAME_MAX_WORDS)
                or _MEDIA_CAPTION_RE.fullmatch(text))


def _named(step: str) -> bool:
    """Whether a step (a title) opens with a capital letter, after any symbol (an icon)."""
    for ch in step:
        if ch.isalnum():
            return ch.isupper()
    return False


def breadcrumb(text: str) -> bool:
    """A trail of BREADCRUMB_MIN_STEPS or more short unstopped steps joined by one separator."""
    if _stopped(text) or len(text.split()) > BREADCRUMB_MAX_WORDS:
        return False
    for separator in BREADCRUMB_SEPARATORS:
        if text.count(separator) >= BREADCRUMB_MIN_STEPS - 1:
            steps = [s.strip() for s in text.split(separator)]
            # A trail's steps are names ("Home", "Diseases A-Z"); the last may be the page's own
            # title as its writer typed it. Lower-case steps are a pattern or a path ("dd / mm / yyyy").
            if all(steps) and all(len(s.split()) <= BREADCRUMB_STEP_MAX_WORDS for s in steps) \
                    and not any(_stopped(s) for s in steps[:-1]) and all(_named(s) for s in steps[:-1]):
                return True
    return False


def _asks_action(text: str) -> bool:
    return bool(_ACTION_MARK_RE.search(text)) or any(w in UI_WORDS for w in _WORD_RE.findall(text.lower()))


def offer(text: str) -> bool:
    """A short unstopped line that gives a price or a rating."""
    if _stopped(text) or len(text.split()) > OFFER_MAX_WORDS or not _DIGIT_OR_STAR_RE.search(text):
        return False
    if not (_RATING_RE.search(text) or (_PRICE_RE.search(text) and _asks_action(text))):
        return False
    return not any(len(s.split()) >= OFFER_SENTENCE_MIN_WORDS and _stopped(s) for s in _SENTENCE_END_RE.split(text))


def member(text: str) -> bool:
    """A line of MEMBER_MIN_FIELDS or more "Label: count or date" pairs, or a handle alone."""
    if _HANDLE_RE.fullmatch(text):
        return True
    if ": " not in text or _stopped(text) or len(text.split()) > MEMBER_MAX_WORDS:
        return False
    return len(_COUNT_FIELD_RE.findall(text)) >= MEMBER_MIN_FIELDS and _COUNT_VALUE_RE.search(text) is not None


def _title_key(text: str) -> str:
    """A title as a contents entry and its heading both say it: case, spacing, a final colon and a
    trailing link in brackets aside (a wiki's "History [modify | history]": normalize removes only
    the edit links it knows, and a heading that kept another never matched its entry)."""
    return " ".join(_TRAILING_LINK_RE.sub("", text).casefold().split()).rstrip(":")


def _entry(text: str) -> tuple[int, str] | None:
    """A contents entry's first section number and title ("2.1 Cause" -> (2, "cause")), or None."""
    m = _SECTION_NUMBER_RE.match(text)
    if not m:
        return None
    title = text[m.end():]
    if not title or len(title.split()) > CONTENTS_ENTRY_MAX_WORDS or _stopped(title) or not _named(title):
        return None
    return int(text[:m.end()].split(".")[0]), _title_key(title)


def _is_contents(entries: list[tuple[int, str] | None], last_said: dict[str, int], after: int) -> bool:
    """Whether entries (in order) are a table of contents: CONTENTS_MIN_ENTRIES or more, their
    numbers never going down, most of their titles said as headings at block `after` or later."""
    if len(entries) < CONTENTS_MIN_ENTRIES or any(e is None for e in entries):
        return False
    numbers = [e[0] for e in entries]
    if any(b < a for a, b in zip(numbers, numbers[1:])) or numbers[-1] == numbers[0]:
        return False
    return 2 * sum(last_said.get(e[1], -1) >= after for e in entries) > len(entries)


def contents_entries(blocks: list[Block]) -> set[int]:
    """Indices of the blocks that are a table of contents: a stretch of numbered titles (or one
    line of them) whose titles the page says again after it as headings, without the numbers."""
    judged = [b.kind in _JUDGED_KINDS for b in blocks]
    numbered = [ok and (b.text[:1].isdigit() or ": " in b.text)
                and _SECTION_NUMBER_RE.match(b.text.split(": ", 1)[-1]) is not None for ok, b in zip(judged, blocks)]
    if not any(numbered):
        return set()  # no numbered title, no contents (most pages: the rest is not needed)
    last_said: dict[str, int] = {}  # a short unnumbered line's title -> the last block that says it
    for i, b in enumerate(blocks):
        if judged[i] and not _SECTION_NUMBER_RE.match(b.text) and len(b.text.split()) <= CONTENTS_ENTRY_MAX_WORDS \
                and not _stopped(b.text):
            last_said[_title_key(b.text)] = i
    out: set[int] = set()
    i = 0
    while i < len(blocks):
        if not numbered[i]:
            i += 1
            continue
        start = i
        entries = []
        while i < len(blocks) and judged[i] and (entry := _entry(blocks[i].text)) is not None:
            entries.append(entry)
            i += 1
        if entries:
            if _is_contents(entries, last_said, i):
                out.update(range(start, i))
            continue
        # The entries written in one line: "Contents: 1 Taxonomy · 2 Description · 3 Habitat".
        for separator in CONTENTS_SEPARATORS:
            parts = blocks[i].text.split(separator)
            if len(parts) >= CONTENTS_MIN_ENTRIES:
                parts[0] = parts[0].split(": ", 1)[-1]  # a label before the first entry
                if _is_contents([_entry(p.strip()) for p in parts], last_said, i + 1):
                    out.add(i)
                    break
        i += 1
    return out


def pictograph(text: str) -> bool:
    """A line opened by a pictograph (an emoji, an icon, a row of stars, ©): a widget's or a
    promotion's label. Writers open sentences with words (a list's entries are left alone: an
    emoji there is its writer's bullet, "✅ Zero dependencies")."""
    return len(text.split()) <= PICTOGRAPH_MAX_WORDS and unicodedata.category(text[0]) == "So"


def hours(text: str) -> bool:
    """A short unstopped line that gives opening hours (a span between two clock times)."""
    return (_DIGIT_OR_STAR_RE.search(text) is not None and not _stopped(text) and len(text.split()) <= HOURS_MAX_WORDS
            and _HOURS_RE.search(text) is not None)


def download(text: str) -> bool:
    """A line that offers a file by its size ("Our checklist (PDF, 240 KB)")."""
    return "B)" in text and _FILE_SIZE_RE.search(text) is not None and len(text.split()) <= OFFER_MAX_WORDS


LINE_RULES = (
    ("breadcrumb", breadcrumb, "a breadcrumb trail: short unstopped steps joined by one separator"),
    ("offer", offer, "a short unstopped line with a price or a rating"),
    ("member", member, "a member's metadata: counts and dates as label: value pairs, or a handle alone"),
    ("pictograph", pictograph, "a line opened by a pictograph (an emoji, an icon, stars, ©)"),
    ("download", download, "a link to a file, named by its size"),
    ("hours", hours, "a short unstopped line of opening hours"),
)


# The rules a stopped line can meet (the others want an unstopped line: a handle has no stop).
_STOPPED_LINE_RULES = tuple(r for r in LINE_RULES if r[0] in ("pictograph", "download"))
# No line rule takes a block this long (each has its own limit, all under it); blocks are
# normalised, one space between words.
LINE_RULES_MAX_WORDS = max(BREADCRUMB_MAX_WORDS, OFFER_MAX_WORDS, MEMBER_MAX_WORDS, PICTOGRAPH_MAX_WORDS, HOURS_MAX_WORDS)


def _drop(verdict: Verdict, rule: str, why: str) -> Verdict:
    return Verdict(False, "furniture", f"{rule}: {why}", verdict.score)


def drop_furniture_lines(judged: list, noisy: bool) -> list:
    """3e. Kept blocks of a furniture shape are dropped, each with its rule as the reason.

    judged: Judged items (block, verdict) in page order; noisy: the gate is sure the page is noisy.
    """
    from . import Judged  # the package's record (this module is one of its passes)

    blocks = [j.block for j in judged]
    toc = contents_entries(blocks) if noisy else set()
    out = []
    for i, j in enumerate(judged):
        block, verdict = j.block, j.verdict
        if not verdict.keep or block.kind not in _JUDGED_KINDS or block.code:
            out.append(j)
            continue
        text = block.text
        if media_file(text):
            out.append(Judged(block, _drop(verdict, "media_file", "an image's file name, or a caption led by one")))
        elif i in toc:
            out.append(Judged(block, _drop(verdict, "contents", "a table of contents entry: its title is a later heading")))
        elif not noisy or text.count(" ") >= LINE_RULES_MAX_WORDS:  # a paragraph of prose: no line rule takes it
            out.append(j)
        else:
            rules = _STOPPED_LINE_RULES if _stopped(text) else LINE_RULES
            hit = next(((rule, why) for rule, test, why in rules
                        if test(text) and (rule != "pictograph" or block.kind is not Kind.ITEM)), None)
            out.append(Judged(block, _drop(verdict, *hit)) if hit else j)
    return out
