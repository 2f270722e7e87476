"""Where a "sentence" of a run is two things glued: a menu line, then a real sentence.

In a run-together page (a dump, a spun page) a line of furniture has no full stop, so the
sentence splitter glues it onto the next sentence: "• Paper Palate Several years ago, I
was in the Kuwait airport." judged as one block keeps the menu text with the sentence, or
loses the sentence with the menu. `fragments` cuts such a "sentence" where its shape says
a new sentence starts, so each part is judged on its own; parts that are both kept join
again, so only a wrongly dropped part costs anything, and the cuts are made only where
prose rarely has them. Shape only: no phrases, no page-specific words.

Cut before
  - a bullet or separator token ("•", "►", "|", "»", ...): list furniture, not prose;
  - a capitalised word that opens the rest of the "sentence" as a sentence of its own
    (four words or more, ending with a full stop, ! or ?), after a token that does not
    end a clause (no comma, colon, dash or opening bracket at its end), when either
      the word is a function word ("The", "It's", "This"; never "I", which is capitalised
      anywhere) and everything since the last cut is title-shaped (capitalised words,
      numbers, symbols and lower-case function words, at least one capitalised word or
      symbol: "Mitsubishi SUVs | The Kuwait airport is...", "What's New | This is..."),
      or the word is followed by a lower-case word and a bullet or separator opens the
      part since the last cut ("• packaging design | Meeting interesting people..."),
      or the word is one that edited prose capitalises almost only where a sentence
      starts (lexicon.json, counted from the train sites' gold texts): after title-shaped
      words ("See all 7 Replies | Recently my friend...") or, for the strongest such
      words, after any ("... over Hong Kong | However, the talks..."), or after at most a
      menu line's length of any words when a lower-case word follows it or it has a comma
      of its own ("Enter your email address | When the day comes...", "About us |
      Meanwhile, Savinova..."; not "She read | The Great Gatsby").
  - "I" (capitalised anywhere, so never an opener above) after a title-shaped part of two
    capitalised words or more that does not open with a function word ("Recent Comments |
    I'm really excited...", "Copyright © CBC 2012 | I have..."; not "In 2010 I", "When
    Harry Met Sally I"): on the train split's 150 spam pages 1,218 instead of 1,199 of the
    1,558 sentence starts found, no more wrong cuts (555); train gold sentences cut 1.60% ->
    1.65%; fresh train-site spam pages (spam_pages(n=200, seed=1) / seed=2) kept/removed
    0.965/0.916 -> 0.965/0.917 and 0.962/0.926 -> 0.964/0.929.
  Never after a lower-case function word ("and | I", "of | The"), unless edited prose often
  ends sentences on it (lexicon.json's end lift: "contact me | And then...").
  A cut found before a name's second word (a word lexicon.json knows edited prose capitalises
  mid-sentence: "• Terms of Service Rob | McKenna has not ...") moves before the capitalised
  word right before it (MAX_NAME_TOKENS), as long as the part before keeps a word of its own:
  the sentence kept its subject's first name. On fresh train-site spam pages
  (spam_pages(n=200, seed=1..6)), with the shipped runs scorer: 29 more real sentences kept
  net (43 kept that were lost, 14 lost that were kept), 2 more noise items left (seed 1:
  0.966 / 0.921 -> 0.968 / 0.921); no cut of a gold text moves (74,865 blocks of the
  one-paragraph-a-line layout).

On the train split's gold texts (96,413 sentences) the rules without the lexicon's openers
cut 1.23% of the sentences, 0.42% before a word (the rest at separators, mostly in the gold
texts' own bylines: "Posted by: X | September 13, 2012"), most of them the gold texts'
furniture ("» | Not to be outdone...", "B. | She has..."); on the train split's spam pages
they find 184 of the 293 places where a noise line runs into a real sentence. The openers
(OPENER, STRONG_OPENER) raise the cut sentences to 1.41%; on the held-out (test) split's
150 spam pages of bench/cleaning_data.spam_pages(n=300) they raise the inserted lines cut
off whole from 708 to 727 (left glued to a sentence: 268 -> 225), with the test gold texts'
sentences cut 1.08% -> 1.37%. The openers after a menu line's length of any words find
1,192 instead of 1,110 of the 1,558 places where a real sentence starts inside a
"sentence" of the train split's 150 spam pages, and cut 1.59% of the train gold texts'
sentences instead of 1.40%; on 100 fresh train-site spam pages (spam_pages(n=200, seed=1))
noise removed 0.886 -> 0.899, real sentences kept 0.958 -> 0.959. The comma and end-lift
cases: 1,199 found, gold sentences cut 1.60%; those pages 0.966 / 0.913 -> 0.967 / 0.914.
A wrong cut costs only when the model drops a part
("On Monday | The Times reported..." is cut).

Tried and not taken (fresh train-site spam pages spam_pages(n=200, seed=1) and seed=2, each without
and with salad, real sentences kept / noise removed): a cut after a label of one to four words and
its colon before a sentence of its own ("Key findings: | The new drug..."; not after a function
word, a number or one letter, "We were told: The", "Q: What"), which cuts 0.45% of the train gold
texts' sentences: with the shipped runs scorer the pages kept 0.952 of their real sentences instead
of 0.962 (a real "Label: sentence" lost its label), and refitted on the cut parts (with the cut
below) 0.963 / 0.916 -> 0.962 / 0.920, 0.969 / 0.925 -> 0.968 / 0.928, 0.967 / 0.929 -> 0.966 / 0.931,
0.973 / 0.929 -> 0.972 / 0.931, while the seeds' noise removed fell 0.740 -> 0.712 (the refit
learnt to keep short labels, which the gold texts' real sentences carry). A cut before a
capitalised opener after an ellipsis ending a part longer than a menu line (a snippet cut short,
"... a rare case of ... | It was once believed ..."): gold sentences cut 1.66% -> 1.72%, and with
the shipped scorer 0.962 / 0.917 -> 0.961 / 0.916, 0.968 / 0.926 -> 0.966 / 0.924, 0.965 / 0.928 ->
0.965 / 0.929, 0.972 / 0.928 -> 0.972 / 0.927 (a writer's own "... I love" lost its first part),
though the seeds kept one more real sentence (0.937 -> 0.944).

Time is linear in the sentence's length: one pass over its tokens, no regular expression
that backtracks.
"""

from __future__ import annotations

from ..analyze import STOPWORDS
from . import lexicon

# Tokens that are only list or menu furniture: never words of a sentence.
SEPARATORS = frozenset("• ► ▸ ▪ ◦ ‣ ● ■ · | » ›".split())
OPENERS = "\"“‘(['«"  # an opening quote or bracket before a sentence's first word
CLOSERS = "\"'”’)]»"
# A token ending in one of these leaves the clause open: the next word continues it.
CLAUSE_OPEN = ",;:-–—(&/"
TERMINAL = ".!?"
MIN_SENTENCE_TOKENS = 4  # the part after a cut must read as a sentence of its own
# After a bullet, the menu entry is short: a cut further on is inside prose.
MAX_ENTRY_TOKENS = 12


def _core(token: str) -> str:
    return token.lstrip(OPENERS)


def _letters(token: str) -> str:
    """The leading letters of a token ("It’s" -> "It", "(Video" -> "Video")."""
    core = _core(token)
    end = 0
    while end < len(core) and core[end].isalpha():
        end += 1
    return core[:end]


def _capitalised(token: str) -> bool:
    core = _core(token)
    return bool(core) and core[0].isupper()


def _lower_word(token: str) -> bool:
    core = _core(token)
    return bool(core) and core[0].islower()


def _function_word(token: str) -> bool:
    return _letters(token).lower() in STOPWORDS


def _initial(token: str) -> bool:
    """"D.", "A.M.", "U.S.": initials and abbreviations in capitals, inside names and times;
    and a lone capital other than the words "A" and "I", or one before a comma ("Kottler D,
    Dossier A,"): the initials of an author list, not the first word of a sentence."""
    stripped = _core(token).rstrip(CLOSERS)
    core = stripped.rstrip(",;:")
    if len(core) == 1 and core.isupper():
        return core not in "AI" or stripped != core
    return len(core) >= 2 and core.endswith(".") and all(c.isupper() or c == "." for c in core)


def _title_shaped(token: str) -> bool:
    """A token of a menu entry or title: not a lower-case word other than a function word."""
    return not _lower_word(token) or _function_word(token)


# A capitalised word opens a sentence glued on after title-shaped words when, in edited
# prose, at least this share of its capitalised sightings open a sentence (lexicon.json:
# "recently" 1.0, "later" 0.75, "see" 0.89; names far lower: "cook" 0.22, "obama" 0.08);
# after any words when at least STRONG_OPENER ("however" 0.99, "instead" 0.97, "and" 0.96;
# not "the" 0.85, "in" 0.94, "it" 0.93, which open titles and names too). On the train
# split's spam pages (150) the two find 1,025 of the glue points instead of 967 (missed
# 279 instead of 357), and cut 1.41% of the gold texts' sentences instead of 1.23%.
OPENER = 0.8
STRONG_OPENER = 0.95


def _ends_sentences(token: str) -> bool:
    """Does edited prose end sentences on this word more often than chance (lexicon.json's end lift)?"""
    return lexicon.load()["end"].get(lexicon.last_letters(token).lower(), 0.0) > 0


def _opens_sentence(tokens: list[str], k: int) -> bool:
    """Could tokens[k:] be a sentence of its own?"""
    last = tokens[-1].rstrip(CLOSERS)
    return len(tokens) - k >= MIN_SENTENCE_TOKENS and last[-1:] in TERMINAL


def cut_points(tokens: list[str]) -> list[int]:
    """Indices k (0 < k < len) before which the "sentence" tokens[...] is cut."""
    cuts: list[int] = []
    start = 0  # the first token since the last cut
    bulleted = False  # the part since the last cut opens with a bullet or separator
    title = True  # every token since the last cut is title-shaped
    capitalised = False  # ... and one of them is a capitalised word or a symbol
    for k in range(len(tokens)):
        token = tokens[k]
        if k > 0 and token in SEPARATORS:
            cuts.append(k)
            start, bulleted, title, capitalised = k, True, True, True
            continue
        if k > start and (_is_sentence_start(tokens, k, bulleted and k - start <= MAX_ENTRY_TOKENS, title and capitalised,
                                             k - start <= MAX_ENTRY_TOKENS)
                          or title and _opens_after_title(tokens, start, k)):
            cuts.append(_name_start(tokens, start, k))
            start, bulleted, title, capitalised = k, False, True, False
        if k == 0 and token in SEPARATORS:
            bulleted = True
        title = title and _title_shaped(token)
        letters = _letters(token)
        capitalised = capitalised or not letters or (letters[0].isupper() and letters.lower() not in STOPWORDS)
    return cuts


def _is_sentence_start(tokens: list[str], k: int, bulleted: bool, title: bool, entry: bool) -> bool:
    """Does tokens[k] open a sentence glued onto what comes before it? bulleted: a bullet or
    separator opens the part since the last cut, at most MAX_ENTRY_TOKENS back; title: that
    part is title-shaped; entry: it is at most MAX_ENTRY_TOKENS long (a menu line's length)."""
    token, before = tokens[k], tokens[k - 1]
    if not _capitalised(token) or _initial(token) or before[-1] in CLAUSE_OPEN or before in SEPARATORS:
        return False
    letters = _letters(token)
    if len(letters) > 1 and letters.isupper():  # a word in capitals: an acronym or a shouted title
        return False
    # "and I", "of The": the clause goes on; but not after a word a sentence often ends on
    # ("contact me | And then ..."; lexicon.json's end lift: "me", "them", "here" > 0, "of", "and" < 0)
    if _lower_word(before) and _function_word(before) and not _ends_sentences(before):
        return False
    if not _opens_sentence(tokens, k):
        return False
    if letters != "I":  # "I" is capitalised anywhere
        share = lexicon.load()["opener"].get(letters.lower(), 0.0)
        if share >= STRONG_OPENER or (title and (_function_word(token) or share >= OPENER)):
            return True
        # After a menu line's length of other words, an opener before a lower-case word
        # ("Enter your email address When the day comes, ...") or with a comma of its own
        # ("About us Meanwhile, Savinova ..."); not before a capitalised one, which
        # continues a title or a name ("She read The Great Gatsby twice").
        if entry and share >= OPENER and (token.endswith(",") or k + 1 < len(tokens) and _lower_word(tokens[k + 1])):
            return True
    return bulleted and k + 1 < len(tokens) and _lower_word(tokens[k + 1])


# A sentence that opens with a name opens before it: "• Terms of Service | Rob McKenna has not",
# not "... Rob | McKenna has not". At most this many capitalised words are taken back: a
# first name, "The" of "The Conservative party" (more take a short menu line's own last words).
MAX_NAME_TOKENS = 1


def _name_start(tokens: list[str], start: int, k: int) -> int:
    """Where the sentence found to open at tokens[k] opens: k, or, when tokens[k] is a word edited
    prose capitalises mid-sentence (lexicon.json: a name's second word, "McKenna" 0.17, "Conservative"
    0.0; not an opener such as "The", "However", nor a word it has no count of, "Seals"), before the
    capitalised word right before it (a first name, "The"),
    leaving the part before it a word (after its bullet), never past a number, a lower-case word, a
    separator or a token that ends a clause or a bracket."""
    letters = _letters(tokens[k]).lower()
    share = lexicon.load()["opener"].get(letters)
    if share is None or share >= OPENER or letters in STOPWORDS:  # no evidence, or a word that opens sentences
        return k
    at = k
    first_word = start + (tokens[start] in SEPARATORS)  # the part before keeps a word after its bullet
    while at - 1 > first_word and k - (at - 1) <= MAX_NAME_TOKENS:
        token = tokens[at - 1]
        if (token in SEPARATORS or not _capitalised(token) or _initial(token) or token[-1] in CLAUSE_OPEN
                or token[-1] in CLOSERS or token[-1] in TERMINAL):
            break
        at -= 1
        if _function_word(token):
            break
    return at


def _opens_after_title(tokens: list[str], start: int, k: int) -> bool:
    """Does "I" at tokens[k] open a sentence glued onto a title: tokens[start:k] title-shaped,
    with two capitalised words or more other than function words, the first not a function word
    ("Recent Comments I’m really excited...", "Copyright © CBC 2012 I have..."; not "In 2010 I moved",
    "Then I", "Dear Paulo, I")?"""
    token, before = tokens[k], tokens[k - 1]
    if _letters(token) != "I" or before[-1] in CLAUSE_OPEN or before in SEPARATORS or not _opens_sentence(tokens, k):
        return False
    names = sum(1 for t in tokens[start:k] if _letters(t)[:1].isupper() and not _function_word(t))
    return names >= 2 and not _function_word(tokens[start])


def fragments(sentence: str) -> list[str]:
    """The sentence cut at its glue points (itself when it has none)."""
    if len(sentence) < 20:
        return [sentence]
    tokens = sentence.split(" ")
    cuts = cut_points(tokens)
    if not cuts:
        return [sentence]
    bounds = [0, *cuts, len(tokens)]
    return [" ".join(tokens[a:b]) for a, b in zip(bounds, bounds[1:]) if a < b]
