"""Per-block features for the learned scorer: shape, statistics, position, repetition.

Every feature is a reason a reader could give ("a short line without a full stop",
"repeated on the page", "far from the main text", "mostly function words"), computed
from the block, its neighbours and the page, in time linear in the page's length.
FEATURES names them in order; the model file stores the same list and is refused
when they differ. Nothing constant over a page is a block feature (a page's length or
prose share would let the model learn pages, not blocks): those are PAGE_FEATURES, for
the page gate only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from itertools import chain, compress, count, repeat
from operator import attrgetter, is_, itemgetter

import numpy as np

from ..analyze import STOPWORDS
from ..blocks import Block, Kind
from . import lexicon
from .vocabulary import UI_PHRASES, UI_WORDS

PROSE_MIN_WORDS = 8  # a sentence-shaped block this long anchors the main text
PROSE_MIN_STOPWORDS = 0.2  # English prose is ~40% function words; lists of names are not
DISTANCE_CAP = 20  # blocks; farther than this from prose is simply "far"
REPEAT_CAP = 3

FEATURES: tuple[str, ...] = (
    "kind_heading", "kind_item", "kind_row", "kind_sentence",
    "log_words", "log_chars", "terminal", "ends_colon", "ends_ellipsis",
    "stopword_share", "capitalised_share", "upper_share", "digit_share", "symbol_share",
    "mean_word_length", "starts_lower", "comma_share", "separators",
    "ui_words", "ui_share", "url_or_email",
    "repeats", "splice_share", "seen_before_share", "anomalies",
    "position", "prose_before_share", "is_prose", "prev_prose", "next_prose", "prose_distance",
    "link_share", "comments",
    "start_lift", "end_lift", "topic_share", "topic_weight",
)

_WORD_RE = re.compile(r"\w+")
_URL_OR_EMAIL_RE = re.compile(r"https?://|www\.|\w@\w")


def _has_url_or_email(text: str) -> bool:
    # Substring tests first: each alternative of the pattern holds one of these, and most text has none.
    return ("://" in text or "www." in text or "@" in text) and bool(_URL_OR_EMAIL_RE.search(text))


_SEPARATORS = (" | ", " · ", " • ", " » ", " › ", " / ", " - ", " :: ")
# Punctuation no writer types but spinners and splicers leave: a space before a comma
# or stop, a stop glued to a comma, a mid-sentence "!" before a lower-case word.
_ANOMALY_RE = re.compile(r" [,.;:!?](?=\s|$)|[.!?][,;]|,[.!?]|[!?] (?=[a-z])|\( \)|\(\s*[,;]")
_TERMINAL = ".!?。！？"
_CLOSERS = "\"'”’)]»"


def _terminal(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in _TERMINAL and not stripped.endswith("...")


_PHRASES_2 = frozenset(p for p in UI_PHRASES if len(p) == 2)
_PHRASES_3 = frozenset(p for p in UI_PHRASES if len(p) == 3)
_LETTER_RE = re.compile(r"[^\W\d_]")  # a letter (page_features counts them from its words: tests/test_clean_speed.py)
_UPPER_LETTER_RE = re.compile(r"[A-ZÀ-ÖØ-ÞΑ-ΩА-Я]")
_DIGIT_RE = re.compile(r"\d")
_SYMBOL_RE = re.compile(r"[^\w\s]|_")
_CAPITALISED_RE = re.compile(r"\b[A-ZÀ-ÖØ-ÞΑ-ΩА-Я]")


_PHRASE_FIRST_WORDS = frozenset(p[0] for p in UI_PHRASES)


def _ui_hits(lower_words: list[str], distinct: set[str]) -> int:
    """UI words and phrases in a block's lower-case words (distinct: the same words as a set)."""
    # Most blocks hold no UI word and start no phrase: two set tests in C rule the counts out.
    hits = 0 if UI_WORDS.isdisjoint(distinct) else sum(map(UI_WORDS.__contains__, lower_words))
    if len(lower_words) > 1 and not _PHRASE_FIRST_WORDS.isdisjoint(distinct):
        hits += sum(map(_PHRASES_2.__contains__, zip(lower_words, lower_words[1:])))
        hits += sum(map(_PHRASES_3.__contains__, zip(lower_words, lower_words[1:], lower_words[2:])))
    return hits


# Character classes, as bits of one code (the patterns above read one character at a time,
# so a character's class does not depend on its neighbours; \b before a capital is a
# neighbour test, made on the WORD bit).
_DIGIT, _UPPER, _SYMBOL, _WORD = 1, 2, 4, 8
_UNKNOWN = 255
# Every code point's class, filled in as characters are first met (1.1 MB, once per process):
# a page's counts are then a few numpy operations instead of four regex scans per block.
_CLASS_OF = np.full(0x110000, _UNKNOWN, dtype=np.uint8)


def _classes(codes: np.ndarray) -> np.ndarray:
    classes = _CLASS_OF[codes]
    unknown = classes == _UNKNOWN
    if unknown.any():
        for code in np.unique(codes[unknown]).tolist():
            ch = chr(code)
            _CLASS_OF[code] = ((_DIGIT if _DIGIT_RE.match(ch) else 0) | (_UPPER if _UPPER_LETTER_RE.match(ch) else 0)
                               | (_SYMBOL if _SYMBOL_RE.match(ch) else 0) | (_WORD if _WORD_RE.match(ch) else 0))
        classes = _CLASS_OF[codes]
    return classes


def _char_counts(texts: list[str]) -> list[list[int]]:
    """Per block: [digits, upper-case letters, symbols, capitalised words, word characters], as
    len(_DIGIT_RE.findall(text)) and so on would count them, for the whole page at once."""
    return _char_table(texts)[:, :5].tolist()


def _char_table(texts: list[str]) -> np.ndarray:
    """_char_counts as an int64 array, with a sixth column: the text's words (len(_WORD_RE.findall(text)),
    counted as the word characters that follow no word character)."""
    # "\n" between blocks is a space of no class: a block's first character follows no word character.
    joined = "\n".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _classes(codes)
    word = (classes & _WORD) != 0
    start = word.copy()
    start[1:] &= ~word[:-1]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    # One count per (text, class, starts a word): a bincount, then each column sums the codes it counts.
    text_of = np.repeat(np.arange(len(texts), dtype=np.int64) * _CODES, lengths + 1)[:len(codes)]
    counts = np.bincount(text_of + (classes & (_CODES // 2 - 1)) + start * (_CODES // 2), minlength=_CODES * len(texts))
    return counts.reshape(len(texts), _CODES) @ _COLUMNS_OF_CODE


_CODES = 32  # a character's class (4 bits) and whether it starts a word
_code = np.arange(_CODES)
_starts_word = _code >= _CODES // 2
# An upper-case letter is a word character: after no word character, it starts a word (\b before it).
_COLUMNS_OF_CODE = np.stack([(_code & _DIGIT) != 0, (_code & _UPPER) != 0, (_code & _SYMBOL) != 0,
                             ((_code & _UPPER) != 0) & _starts_word, (_code & _WORD) != 0, _starts_word],
                            axis=1).astype(np.int64)


def _block_words(text: str) -> tuple[list[str], list[str], str]:
    """(words, lower-case words, the lower-case words joined by spaces) of a block."""
    words = _WORD_RE.findall(text)
    if text.isascii():  # lower() keeps ASCII words whole: lower the words once, not the text
        key = " ".join(words).lower()
        return words, key.split(" ") if words else [], key
    lower = _WORD_RE.findall(text.lower())
    return words, lower, " ".join(lower)


class _Text:
    """What a block's text alone says (its words, shape, statistics): computed once per distinct
    text of a page, shared by the blocks that repeat it (a menu line said again). Never changed."""

    __slots__ = ("words", "lower", "key", "grams", "terminal", "stop", "topics", "stems", "shape", "anomalies", "lifts")

    def __init__(self, text: str, counts: list[int], starts: dict, ends: dict) -> None:
        self.words, self.lower, self.key = ws, lw, _ = _block_words(text)
        self.grams = set(zip(lw, lw[1:], lw[2:]))
        self.terminal = terminal = _terminal(text)
        self.stop = stop = sum(map(STOPWORDS.__contains__, lw)) / len(lw) if lw else 0.0
        distinct = set(lw)
        self.topics = _content_words(distinct)
        self.stems = {w[:STEM_LETTERS] for w in self.topics}
        nw = len(ws) or 1
        chars = len(text) or 1
        # [^\W\d_] is \w less \d and "_": a block's letters are its word characters less its
        # digits and underscores, counted without a list of every letter (a tenth of a dump's time).
        digits, upper, symbols, capitalised, word_chars = counts
        letters = (word_chars - digits - text.count("_")) or 1
        stripped = text.rstrip()
        ui = _ui_hits(lw, distinct)
        # FEATURES log_words .. url_or_email, in order.
        self.shape = (
            math.log1p(len(ws)), math.log1p(len(text)), float(terminal), float(stripped.endswith(":")),
            float(stripped.endswith("...") or stripped.endswith("…")),
            stop, capitalised / nw, upper / letters, digits / chars, symbols / chars,
            word_chars / nw, float(stripped[:1].islower()),
            text.count(",") / nw, float(sum(map(text.count, _SEPARATORS))),
            float(ui), ui / nw, float(_has_url_or_email(text)),
        )
        self.anomalies = len(_ANOMALY_RE.findall(text)) / nw
        self.lifts = _edge_lifts(text, terminal, starts, ends)


# Between a page's texts when they are read as one string: normalize() strips control
# characters, so no block holds it (a page whose text does is read text by text).
_SEP = "\x00"
_TOKEN_RE = re.compile(r"\w+|\x00")  # words, and each separator as a token of its own
# _ANOMALY_RE over texts joined by _SEP: where a text ends, the joined string holds a _SEP.
_ANOMALY_JOINED_RE = re.compile(_ANOMALY_RE.pattern.replace(r"(?=\s|$)", r"(?=\s|\x00|$)"))
assert _ANOMALY_JOINED_RE.pattern != _ANOMALY_RE.pattern
_SEPARATOR_RES = tuple(re.compile(re.escape(s)) for s in _SEPARATORS)
_MAX_TOKENS = 1 << 20  # of a page: word ids run below it, and a trigram's key (three ids) must fit in an int64
_LOG1P_DISTANCE = np.array([math.log1p(d) for d in range(DISTANCE_CAP + 1)])
# The FEATURES page_features computes from arrays. A feature appended to FEATURES without its
# column there sends every page text by text (right, but slow; tests/test_clean_speed.py fails).
_ARRAY_FEATURES = frozenset(FEATURES[:FEATURES.index("topic_weight") + 1])  # all of them, when this path was written
_ARRAYS_READ_ALL = _ARRAY_FEATURES >= set(FEATURES)


def page_features(blocks: list[Block]) -> list[list[float]]:
    """One feature row per block, in FEATURES order."""
    rows = _page_rows(blocks)
    return rows.tolist() if isinstance(rows, np.ndarray) else rows


def page_matrix(blocks: list[Block]) -> np.ndarray:
    """page_features as a float64 matrix [block, feature] (the same numbers, without a list per row)."""
    return np.asarray(_page_rows(blocks), dtype=np.float64).reshape(len(blocks), len(FEATURES))


def _page_rows(blocks: list[Block]) -> np.ndarray | list[list[float]]:
    """One feature row per block, in FEATURES order: a matrix, or _page_features_by_text's lists.

    The page's distinct texts are read as one string: one regex pass finds their words, each
    distinct lower-case word gets an id, and what a text holds (stopwords, UI words and
    phrases, trigrams, topic words) is counted by bincounts over arrays of ids, not by Python
    sets per block. Same numbers as _page_features_by_text, which reads text by text.
    """
    if not blocks:
        return []
    distinct = list(dict.fromkeys(b.text for b in blocks))
    m, n = len(distinct), len(blocks)
    joined = _SEP.join(distinct)
    if joined.count(_SEP) != m - 1 or not _ARRAYS_READ_ALL:
        return _page_features_by_text(blocks)
    # Split as each text's lower() would be: a _SEP ends the context of a final sigma.
    lower_tokens = _TOKEN_RE.findall(joined.lower())
    size = len(lower_tokens)  # a token's id is where its word first appears: ids run below size
    if size >= _MAX_TOKENS:
        return _page_features_by_text(blocks)
    index: dict[str, int] = {}
    ids = np.fromiter(map(index.setdefault, lower_tokens, count()), dtype=np.int64, count=size)
    vocabulary, vocabulary_ids = list(index), np.fromiter(index.values(), dtype=np.int64, count=len(index))
    is_word = ids != index.get(_SEP, -1)
    text_of = np.cumsum(~is_word)  # the text each token is in
    word_ids, word_text = ids[is_word], text_of[is_word]
    lower_count = np.bincount(word_text, minlength=m)  # len(lower words): lower() may split a word ("İ")

    # Per distinct text: FEATURES log_words .. url_or_email, anomalies, the lifts, trigrams, topics.
    def of_words(test, dtype=bool) -> np.ndarray:  # a value per id, from a test of each distinct word
        out = np.zeros(size, dtype=dtype)
        out[vocabulary_ids] = np.fromiter(map(test, vocabulary), dtype=dtype, count=len(vocabulary))
        return out

    is_stop = of_words(STOPWORDS.__contains__)
    stop = _share(np.bincount(word_text[is_stop[word_ids]], minlength=m), lower_count)
    ui = np.bincount(word_text[of_words(UI_WORDS.__contains__)[word_ids]], minlength=m)
    # A phrase starts at a token that starts some phrase: few do, and only those are looked up.
    phrase_at = np.flatnonzero(of_words(_PHRASE_FIRST_WORDS.__contains__)[ids])
    for width, phrases in ((2, _PHRASES_2), (3, _PHRASES_3)):
        at = phrase_at[phrase_at <= size - width]
        hits = np.fromiter((tuple(lower_tokens[a:a + width]) in phrases for a in at.tolist()), dtype=bool,
                           count=len(at))
        ui += np.bincount(text_of[at[hits]], minlength=m)
    lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=m)
    starts = np.cumsum(lengths + 1) - (lengths + 1)  # of each text in the joined string
    digits, upper, symbols, capitalised, word_chars, word_count = _char_table(distinct).T
    underscores = _count_each(distinct, "_")
    letters = word_chars - digits - underscores
    letters[letters == 0] = 1
    nw = np.maximum(word_count, 1)
    # str.count and finditer both count one separator's non-overlapping sightings, left to right.
    separators = _per_text(chain.from_iterable(map(re.Match.start, pattern.finditer(joined))
                                               for separator, pattern in zip(_SEPARATORS, _SEPARATOR_RES)
                                               if separator in joined), starts, m)
    url = (np.fromiter(map(_has_url_or_email, distinct), dtype=bool, count=m)
           if "://" in joined or "www." in joined or "@" in joined else np.zeros(m, dtype=bool))
    terminal = np.fromiter(map(_terminal, distinct), dtype=bool, count=m)
    stripped = list(map(str.rstrip, distinct))
    lex_starts, lex_ends = lexicon.load()["start"], lexicon.load()["end"]
    # _edge_lifts: the first space-delimited token of a text with a space, and the last of a terminal one.
    spaced = np.fromiter(map(str.__contains__, distinct, repeat(" ")), dtype=bool, count=m)
    firsts = map(_first_word, map(itemgetter(0), map(str.partition, distinct, repeat(" "))))
    start_lift = np.fromiter(map(lex_starts.get, firsts, repeat(0.0)), dtype=np.float64, count=m)
    start_lift[~spaced] = 0.0
    lasts = [_last_word(t.rpartition(" ")[2]) if ok else "" for t, ok in zip(distinct, (spaced & terminal).tolist())]
    end_lift = np.fromiter(map(lex_ends.get, lasts, repeat(0.0)), dtype=np.float64, count=m)
    end_lift[~np.fromiter(map(bool, lasts), dtype=bool, count=m)] = 0.0  # no last word: 0.0, whatever "" holds
    text_columns = {
        "log_words": list(map(math.log1p, word_count.tolist())), "log_chars": list(map(math.log1p, lengths.tolist())),
        "terminal": terminal, "ends_colon": np.fromiter(map(str.endswith, stripped, repeat(":")), dtype=bool, count=m),
        "ends_ellipsis": np.fromiter(map(str.endswith, stripped, repeat(("...", "…"))), dtype=bool, count=m),
        "stopword_share": stop, "capitalised_share": capitalised / nw, "upper_share": upper / letters,
        "digit_share": digits / np.maximum(lengths, 1), "symbol_share": symbols / np.maximum(lengths, 1),
        "mean_word_length": word_chars / nw,
        "starts_lower": np.fromiter(map(str.islower, map(itemgetter(slice(None, 1)), stripped)), dtype=bool, count=m),
        "comma_share": _count_each(distinct, ",") / nw, "separators": separators,
        "ui_words": ui, "ui_share": ui / nw, "url_or_email": url,
        "anomalies": _match_counts(_ANOMALY_JOINED_RE, joined, starts, m) / nw,
        "start_lift": start_lift, "end_lift": end_lift,
    }

    # Per block.
    position_of = dict(zip(distinct, range(m)))
    block_text = np.fromiter(map(position_of.__getitem__, map(attrgetter("text"), blocks)), dtype=np.int64, count=n)
    blocks_per_text = np.bincount(block_text, minlength=m)
    first_block = np.zeros(n, dtype=bool)
    first_block[np.unique(block_text, return_index=True)[1]] = True
    kinds = list(map(attrgetter("kind"), blocks))
    heading = np.fromiter(map(is_, kinds, repeat(Kind.HEADING)), dtype=bool, count=n)
    # Trigrams this block shares with the rest of the page, and with the part above it.
    gram_ok = is_word[:-2] & is_word[1:-1] & is_word[2:]
    grams, grams_once, grams_earlier = _held(text_of[:-2][gram_ok], _gram_keys(ids, 3, size)[gram_ok] if len(ids) >= 3
                                             else ids[:0], m, blocks_per_text)
    own = grams[block_text]
    seen = np.where(first_block, grams_earlier[block_text], own)
    is_topic = ~is_stop & (of_words(len, np.int64) >= TOPIC_MIN_LETTERS) & ~of_words(str.isdigit)
    topic_at = is_topic[word_ids]
    topics, topics_once, _ = _held(word_text[topic_at], word_ids[topic_at], m, blocks_per_text)
    # topic_weight: per distinct stem of a text, log1p of the other blocks holding it; their
    # exact sum (math.fsum: the same whatever order a set gives) over stems * log(blocks).
    stem_ids: dict[str, int] = {}
    stem_of = np.zeros(size, dtype=np.int64)
    stem_of[vocabulary_ids] = np.fromiter(map(stem_ids.setdefault, map(itemgetter(slice(None, STEM_LETTERS)), vocabulary),
                                              count()), dtype=np.int64, count=len(vocabulary))
    stem_text, stem, _ = _pairs(word_text[topic_at], stem_of[word_ids[topic_at]])
    holding = np.bincount(stem, weights=blocks_per_text[stem_text])
    weights = np.fromiter(map(math.log1p, (holding[stem] - 1).tolist()), dtype=np.float64, count=len(stem))
    by_text = np.argsort(stem_text, kind="stable")
    stems = np.bincount(stem_text, minlength=m)
    stem_sums = np.zeros(m)
    if len(stem):
        stem_sums[stems > 0] = list(map(math.fsum, np.split(weights[by_text], np.cumsum(stems[stems > 0])[:-1])))
    topic_weight = _share(stem_sums, stems * (math.log(n) if n > 1 else 1.0))
    # The same lower-case words, the same key: "repeated on the page".
    key_ids: dict[str, int] = {}
    key_of_text = np.fromiter(map(key_ids.setdefault, map(str.strip, " ".join(lower_tokens).split(_SEP)), count()),
                              dtype=np.int64, count=m)
    block_key = key_of_text[block_text]
    repeats = np.where(lower_count[block_text] > 0, np.minimum(REPEAT_CAP, np.bincount(block_key)[block_key] - 1), 0)
    block_words = word_count[block_text]
    prose = (~heading & (block_words >= PROSE_MIN_WORDS) & terminal[block_text]
             & (stop[block_text] >= PROSE_MIN_STOPWORDS))
    prose_words_at = np.where(prose, block_words, 0)
    prose_before = np.cumsum(prose_words_at) - prose_words_at
    neighbour = np.zeros(n + 2, dtype=bool)
    neighbour[1:-1] = prose
    block_columns = {
        "kind_heading": heading, "kind_item": np.fromiter(map(is_, kinds, repeat(Kind.ITEM)), dtype=bool, count=n),
        "kind_row": np.fromiter(map(is_, kinds, repeat(Kind.ROW)), dtype=bool, count=n),
        "kind_sentence": np.fromiter(map(is_, kinds, repeat(Kind.SENTENCE)), dtype=bool, count=n),
        "repeats": repeats, "splice_share": _share(own - grams_once[block_text], own),
        "seen_before_share": _share(seen, own),
        "position": np.arange(n) / (n - 1) if n > 1 else np.zeros(n),
        "prose_before_share": prose_before / (int(prose_words_at.sum()) or 1), "is_prose": prose,
        "prev_prose": neighbour[:-2], "next_prose": neighbour[2:],
        "prose_distance": _LOG1P_DISTANCE[_prose_distances(prose)],
        "link_share": np.fromiter(map(attrgetter("link_share"), blocks), dtype=np.float64, count=n),
        "comments": np.fromiter(map(attrgetter("comments"), blocks), dtype=bool, count=n),
        "topic_share": _share(topics - topics_once, topics)[block_text], "topic_weight": topic_weight[block_text],
    }
    rows = np.empty((n, len(FEATURES)))
    for j, name in enumerate(FEATURES):
        rows[:, j] = block_columns[name] if name in block_columns else np.asarray(text_columns[name])[block_text]
    return rows


def _prose_distances(prose: np.ndarray) -> np.ndarray:
    """_distances of a boolean array: blocks to the nearest prose block, capped."""
    at = np.arange(len(prose))
    before = np.maximum.accumulate(np.where(prose, at, -DISTANCE_CAP - 1))
    after = np.minimum.accumulate(np.where(prose, at, len(prose) + DISTANCE_CAP + 1)[::-1])[::-1]
    return np.minimum(np.minimum(at - before, after - at), DISTANCE_CAP)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, 0.0 where whole is 0 (as `part / whole if whole else 0.0`)."""
    return np.divide(part, whole, out=np.zeros(len(whole)), where=whole > 0)


def _count_each(texts: list[str], sub: str) -> np.ndarray:
    return np.fromiter(map(str.count, texts, repeat(sub)), dtype=np.int64, count=len(texts))


def _match_counts(pattern: re.Pattern, joined: str, starts: np.ndarray, m: int) -> np.ndarray:
    """How many matches of a pattern each text holds (none spans a _SEP), as findall on each would find."""
    return _per_text(map(re.Match.start, pattern.finditer(joined)), starts, m)


def _per_text(positions, starts: np.ndarray, m: int) -> np.ndarray:
    """How many of these positions in the joined string fall in each text (starts: where each begins)."""
    at = np.fromiter(positions, dtype=np.int64)
    return np.bincount(np.searchsorted(starts, at, side="right") - 1, minlength=m)


def _gram_keys(ids: np.ndarray, width: int, size: int) -> np.ndarray:
    """One int64 per run of `width` consecutive tokens (ids below size, so keys differ as the runs do)."""
    keys = ids[:len(ids) - width + 1].copy()
    for k in range(1, width):
        keys = keys * size + ids[k:len(ids) - width + 1 + k]
    return keys


def _pairs(texts: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (text, item) once, by item then text (sightings come in text order): the texts, the
    items numbered 0.. in order, and whether the pair is its item's first."""
    order = np.argsort(items, kind="stable")
    item, text = items[order], texts[order]
    new_item = np.ones(len(item), dtype=bool)
    new_item[1:] = item[1:] != item[:-1]
    new_pair = new_item.copy()  # the first sighting of an item in a text
    new_pair[1:] |= text[1:] != text[:-1]
    group = np.cumsum(new_item) - 1
    return text[new_pair], group[new_pair], new_item[new_pair]


def _held(texts: np.ndarray, items: np.ndarray, m: int, blocks_per_text: np.ndarray):
    """Items (trigrams, topic words) found in texts, one entry per sighting, in text order. Per
    text: how many distinct items it holds, how many of them no other block of the page holds,
    and how many of them an earlier text (one whose first block comes before) also holds."""
    if len(items) == 0:
        return (np.zeros(m, dtype=np.int64),) * 3
    text, group, new_item = _pairs(texts, items)
    blocks_holding = np.bincount(group, weights=blocks_per_text[text])
    held = np.bincount(text, minlength=m)
    once = np.bincount(text[blocks_holding[group] == 1], minlength=m)
    earlier = np.bincount(text[~new_item], minlength=m)  # an item's pairs after its first: an earlier text has it
    return held, once, earlier


def _page_features_by_text(blocks: list[Block]) -> list[list[float]]:
    """page_features one distinct text at a time (Python sets and counts): what the page-wide
    arrays of page_features compute, for a page they cannot read (a text holding _SEP, more
    than _MAX_TOKENS words); tests/test_clean_speed.py holds the two equal."""
    n = len(blocks)
    starts, ends = lexicon.load()["start"], lexicon.load()["end"]
    distinct = list(dict.fromkeys(b.text for b in blocks))
    of_text = {t: _Text(t, c, starts, ends) for t, c in zip(distinct, _char_counts(distinct) if distinct else [])}
    texts = [of_text[b.text] for b in blocks]
    key_counts = Counter(t.key for t in texts if t.key)
    gram_counts: Counter = Counter(chain.from_iterable(t.grams for t in texts))
    prose = [b.kind is not Kind.HEADING and len(t.words) >= PROSE_MIN_WORDS and t.terminal and t.stop >= PROSE_MIN_STOPWORDS
             for b, t in zip(blocks, texts)]
    prose_words = sum(len(t.words) for t, p in zip(texts, prose) if p)
    topic_counts: Counter = Counter(chain.from_iterable(t.topics for t in texts))
    stem_counts: Counter = Counter(chain.from_iterable(t.stems for t in texts))
    spread = math.log(n) if n > 1 else 1.0  # the most other blocks a stem can be in is n - 1
    distance = _distances(prose)
    # Trigrams and topic words on one block only: a block's shares are set differences in C.
    once = {g for g, c in gram_counts.items() if c == 1}
    topic_once = {w for w, c in topic_counts.items() if c == 1}
    rows = []
    prose_before = 0
    seen: set[tuple[str, str, str]] = set()  # trigrams of the blocks above: spliced copies come later
    for i, block in enumerate(blocks):
        t = texts[i]
        own, topics = t.grams, t.topics
        # Trigrams this block shares with the rest of the page, and with the part above it.
        shared = (len(own) - len(own & once)) / len(own) if own else 0.0
        seen_before = len(own & seen) / len(own) if own else 0.0
        seen |= own
        kind = block.kind
        rows.append([
            float(kind is Kind.HEADING), float(kind is Kind.ITEM), float(kind is Kind.ROW), float(kind is Kind.SENTENCE),
            *t.shape,
            float(min(REPEAT_CAP, key_counts[t.key] - 1)) if t.key else 0.0, shared, seen_before,
            t.anomalies,
            i / (n - 1) if n > 1 else 0.0, prose_before / (prose_words or 1), float(prose[i]),
            float(i > 0 and prose[i - 1]), float(i + 1 < n and prose[i + 1]),
            math.log1p(distance[i]), block.link_share, float(block.comments),
            *t.lifts,
            (len(topics) - len(topics & topic_once)) / len(topics) if topics else 0.0,
            math.fsum(math.log1p(stem_counts[s] - 1) for s in t.stems) / (len(t.stems) * spread) if t.stems else 0.0,
        ])
        if prose[i]:
            prose_before += len(t.words)
    return rows


TOPIC_MIN_LETTERS = 3  # "us", "ok", "tv": too short to say what a page is about
# topic_weight reads a content word by its first letters, so "statin" and "statins", "diagnosis"
# and "diagnosed" are one word of the page's subject (as the analyzer's five-letter prefix tokens).
STEM_LETTERS = 5


def _content_words(lower_words: set[str] | list[str]) -> set[str]:
    """A block's distinct content words: not function words, not numbers, TOPIC_MIN_LETTERS or more.

    topic_share is the share of them that another block of the page also uses: the sentences
    of one article share its subject's words; a line pasted in from another page (a menu, an
    ad, a headline of another story) shares almost none. On 100 train-site spam pages: real
    sentences 0.65 on average (4% at 0), inserted lines 0.12 (78% at 0).

    topic_weight asks how widely: the mean, over a block's content words (their first
    STEM_LETTERS letters), of log(1 + the number of other blocks that use it), over log of
    the page's blocks. A sentence of the article uses the words its other sentences use
    again and again; an inserted line on another subject shares at most a common word or
    two (a disclaimer's "medical", a blurb's "book"), each used by few other blocks. Read by
    the runs scorer only (train.py's docstring has what it moved).
    """
    return {w for w in set(lower_words).difference(STOPWORDS) if len(w) >= TOPIC_MIN_LETTERS and not w.isdigit()}


def _edge_lifts(text: str, terminal: bool, starts: dict, ends: dict) -> tuple[float, float]:
    """How likely edited prose is to start a sentence with this block's first word, and (when
    it ends with a stop) to end one with its last word (lexicon.py): a spun fragment starts
    and stops mid-clause ("... us that the rules we once had in.")."""
    space = text.find(" ")
    if space < 0:
        return 0.0, 0.0
    first = _first_word(text[:space])
    last = _last_word(text[text.rfind(" ") + 1:]) if terminal else ""
    return starts.get(first, 0.0), ends.get(last, 0.0) if last else 0.0


# A page's blocks start and end with the same few words ("The", "and", "it."): each token is read once.
@lru_cache(maxsize=1 << 14)
def _first_word(token: str) -> str:
    return lexicon.letters(token).lower()


@lru_cache(maxsize=1 << 14)
def _last_word(token: str) -> str:
    return lexicon.last_letters(token).lower()


_COLUMN = {name: i for i, name in enumerate(FEATURES)}  # a feature's column in a row
PAGE_FEATURES: tuple[str, ...] = (
    "ui_block_share", "ui_word_share", "short_block_share", "repeated_block_share", "prose_share",
    "url_block_share", "separator_block_share", "anomaly_block_share",
    "mean_seen_before", "sentence_block_share", "heading_block_share", "terminal_block_share",
    "head_share", "tail_share",
)
SHORT_MAX_WORDS = 3


def page_summary(blocks: list[Block], rows) -> list[float]:
    """What a page as a whole looks like: how much of it is furniture-shaped (PAGE_FEATURES order).

    rows: page_features' rows or page_matrix. Counts are taken on the matrix's columns; sums of
    words are Python sums in block order, as a loop over the rows adds them.
    """
    n = len(rows)
    if not n:
        return [0.0] * len(PAGE_FEATURES)
    x = np.asarray(rows, dtype=np.float64)

    def flag(name: str) -> np.ndarray:  # a row's value is true (not 0)
        return x[:, _COLUMN[name]] != 0

    words_list = list(map(math.expm1, x[:, _COLUMN["log_words"]].tolist()))
    words = np.array(words_list)
    total = sum(words_list) or 1.0
    ui = x[:, _COLUMN["ui_words"]] > 0
    long_rows = words >= 3
    prose = flag("is_prose")
    prose_at = np.flatnonzero(prose)

    def share(flags: np.ndarray) -> float:
        return int(np.count_nonzero(flags)) / n

    def words_where(flags: np.ndarray) -> float:
        return sum(compress(words_list, flags.tolist()))

    seen = x[long_rows, _COLUMN["seen_before_share"]].tolist()
    kinds = [b.kind for b in blocks]
    return [
        share(ui), words_where(ui) / total,
        share((words <= SHORT_MAX_WORDS) & ~flag("terminal") & ~flag("kind_heading")),
        share(x[:, _COLUMN["repeats"]] > 0),
        words_where(prose) / total,
        share(x[:, _COLUMN["url_or_email"]] > 0),
        share(x[:, _COLUMN["separators"]] > 0), share(x[:, _COLUMN["anomalies"]] > 0),
        sum(seen) / len(seen) if seen else 0.0,
        kinds.count(Kind.SENTENCE) / n,
        kinds.count(Kind.HEADING) / n, share(x[:, _COLUMN["terminal"]] > 0),
        # Page furniture sits above the first and below the last stretch of prose.
        (int(prose_at[0]) if len(prose_at) else n) / n, (n - 1 - int(prose_at[-1]) if len(prose_at) else n) / n,
    ]


def _distances(prose: list[bool]) -> list[int]:
    """Blocks to the nearest prose block (0 for prose itself), capped."""
    n = len(prose)
    out = [DISTANCE_CAP] * n
    last = -DISTANCE_CAP - 1
    for i in range(n):
        if prose[i]:
            last = i
        out[i] = min(out[i], i - last)
    last = n + DISTANCE_CAP + 1
    for i in range(n - 1, -1, -1):
        if prose[i]:
            last = i
        out[i] = min(out[i], last - i, DISTANCE_CAP)
    return out


# --- context: the second pass over a noisy page ------------------------------------------

# What the first pass (the block scorer) said around a block, for the context scorer
# (model.json's `context` section): a menu's one sentence-shaped line, a teaser, a sign-up
# form's prose sit among blocks the first pass drops, far from the page's main stretch.
CONTEXT_FEATURES: tuple[str, ...] = (
    "first_log_odds", "prev_log_odds", "next_log_odds",
    "near_content_2", "near_content_5", "near_content_10",
    "in_main", "main_distance", "main_side", "near_short_2", "near_short_5",
    "page_log_odds",
)
CONTEXT_WINDOWS = (2, 5, 10)  # blocks either side, for the mean first-pass probability around a block
SHORT_WINDOWS = (2, 5)  # blocks either side, for the share of short unstopped lines around a block
# The main stretch is the run of blocks with the largest sum of (p - MAIN_PIVOT) * log(1 + words):
# blocks the first pass believes in add to it, doubted ones take away, long ones count more.
MAIN_PIVOT = 0.5
EDGE_LOG_ODDS = -5.0  # the "neighbour" of the first and last block: nothing, as furniture would be
_LOG_ODDS_CAP = 9.0


def _log_odds(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return max(-_LOG_ODDS_CAP, min(_LOG_ODDS_CAP, math.log(p / (1 - p))))


def main_stretch(gains: list[float]) -> tuple[int, int]:
    """(start, end) of the consecutive blocks with the largest sum of gains (Kadane, linear)."""
    best, best_span, total, start = -math.inf, (0, 0), 0.0, 0
    for i, gain in enumerate(gains):
        if total <= 0:
            total, start = 0.0, i
        total += gain
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def _window_means(values, k: int) -> np.ndarray:
    """For each position, the mean of the values within k either side, itself left out."""
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if n < 2:
        return np.full(n, MAIN_PIVOT)  # no other value in any window
    sums = np.zeros(n + 1)
    np.cumsum(x, out=sums[1:])  # left to right, as a running Python sum adds them
    at = np.arange(n)
    a, b = np.maximum(at - k, 0), np.minimum(at + k + 1, n)
    return (sums[b] - sums[a] - x) / (b - a - 1)


def context_features(rows: list[list[float]], probabilities: list[float], page_score: float) -> list[list[float]]:
    """One CONTEXT_FEATURES row per block (context_matrix's rows as lists)."""
    return context_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES)),
                          np.asarray(probabilities, dtype=np.float64), page_score).tolist()


def context_matrix(rows: np.ndarray, probabilities: np.ndarray, page_score: float) -> np.ndarray:
    """One CONTEXT_FEATURES row per block, as a float64 matrix: its first-pass log-odds and its
    neighbours', the mean first-pass probability around it, where it stands against the page's
    main stretch, how many short unstopped lines (menu entries) surround it, and the page gate's
    log-odds that the page is clean text (page_score: the gate's probability): a page the gate
    is unsure of may be a clean document, whose blocks outside its main stretch are content.

    Elementwise logarithms go through math (numpy's may differ in the last bit), so the
    numbers are those of a loop over the blocks.
    """
    n = len(rows)
    if not n:
        return np.empty((0, len(CONTEXT_FEATURES)))
    log_words = rows[:, _COLUMN["log_words"]]
    # _log_odds of every block: clip, the ratio, its log by math, clip.
    clipped = np.minimum(np.maximum(probabilities, 1e-4), 1 - 1e-4)
    odds = np.fromiter(map(math.log, (clipped / (1 - clipped)).tolist()), dtype=np.float64, count=n)
    odds = np.maximum(-_LOG_ODDS_CAP, np.minimum(_LOG_ODDS_CAP, odds))
    start, end = main_stretch(((probabilities - MAIN_PIVOT) * log_words).tolist())
    few_words = np.fromiter(map(math.expm1, log_words.tolist()), dtype=np.float64, count=n) <= SHORT_MAX_WORDS
    short = (few_words & (rows[:, _COLUMN["terminal"]] == 0)).astype(np.float64)
    at = np.arange(n)
    distance = np.where(at < start, start - at, np.where(at >= end, at - end + 1, 0))
    columns = {
        "first_log_odds": odds, "prev_log_odds": np.concatenate(([EDGE_LOG_ODDS], odds[:-1])),
        "next_log_odds": np.concatenate((odds[1:], [EDGE_LOG_ODDS])),
        **{f"near_content_{k}": _window_means(probabilities, k) for k in CONTEXT_WINDOWS},
        "in_main": distance == 0,
        "main_distance": np.fromiter(map(math.log1p, distance.tolist()), dtype=np.float64, count=n),
        "main_side": np.where(at < start, -1.0, np.where(at >= end, 1.0, 0.0)),
        **{f"near_short_{k}": _window_means(short, k) for k in SHORT_WINDOWS},
        "page_log_odds": np.full(n, _log_odds(page_score)),
    }
    out = np.empty((n, len(CONTEXT_FEATURES)))
    for j, name in enumerate(CONTEXT_FEATURES):
        out[:, j] = columns[name]
    return out
