"""Noise kept as data: the boilerplate vocabulary and patterns the cleaner uses.

Every entry is a generic web phrase or pattern, each group with where it came from.
None is a sentence of any particular page: the cleaner must work on pages nobody here
has seen. Order is kept stable (tuples) so that cleaning is deterministic.
"""

from __future__ import annotations

import re

# Phrases that mark a sentence or line as boilerplate wherever they occur (lower-cased,
# matched on word boundaries). Kept short-listed on purpose: each must be rare in real
# prose. Sources: C4's policy substrings, RefinedWeb's line corrections, jusText's and
# trafilatura's boilerplate lists, and the UI strings of common CMSs and search portals.
BOILERPLATE_PHRASES: tuple[str, ...] = (
    # policies and legal (C4, jusText)
    "terms of use", "terms of service", "terms and conditions", "privacy policy",
    "cookie policy", "uses cookies", "use of cookies", "use cookies", "accept cookies",
    "all rights reserved", "copyright ©", "javascript", "lorem ipsum",
    # medical-site disclaimers
    "substitute for professional medical advice", "not meant to be medical advice",
    "not intended as medical advice", "not intended to be medical advice",
    "does not constitute medical advice", "for informational purposes",
    "for educational purposes", "informational convenience", "does not endorse",
    "see full disclaimer", "full disclaimer",
    # credits and attribution lines (wiki mirrors)
    "images are courtesy", "courtesy of wikimedia", "licensed under cc", "cc by-sa",
    "cc by sa", "creative commons", "this article is a stub",
    # wiki hatnotes: "(Redirected from X)", "For other uses, see X (disambiguation)."
    "redirected from", "disambiguation", "for other uses",
    # feedback widgets (and the patterns in FEEDBACK_RE)
    "rate this page", "rate this article",
    # affiliate and editorial disclosures
    "affiliate links", "affiliate link", "amazon associate", "qualifying purchases",
    "general guidance only", "general information only", "does not replace a consultation",
    "not a substitute for", "not an exhaustive list", "not a complete list",
    # an abstract's own framing, pasted into another page ("We will review the clinical...")
    "we will review", "in this review", "this review summarizes", "this review summarises",
    # account, search and page UI (RefinedWeb "Sign-in", CMS and portal widgets)
    "sign in to", "sign-in", "sign up", "log in to", "login to", "create an account", "my account",
    "items in cart", "add to cart", "add to basket", "add to bag", "add to trolley", "shopping cart",
    "shopping basket", "email updates", "email alerts",
    "search results", "search history", "advanced search", "search option", "results per page",
    "you are offline", "you're offline", "not available in your country", "not available in your region",
    "temporarily unavailable", "unable to load", "due to an error", "page not found",
    "an error occurred", "try again later", "skip to content", "skip to main content",
    "back to top", "click here", "read more", "load more", "show more", "print this page",
    "share this", "share on facebook", "share on twitter", "follow us", "subscribe to our", "sign up for our",
    "newsletter", "enable javascript", "your browser", "toggle navigation",
    # ads and promotions
    "advertise on", "advertise with", "advertisement", "sponsored content",
    "buy now", "order now", "shop now", "free shipping", "limited time offer",
    "weight loss program", "you deserve", "call now", "free trial", "promo code",
    # organisation, fundraising and tax ids
    "tax-exempt", "tax exempt", "501(c)(3)", "charitable organization",
    "registered charity", "federal id", "tax id", "donate now", "make a donation",
    # event announcements
    "join us", "events calendar", "event calendar", "save the date", "register now",
    "register for free", "free membership", "eastern time", "pacific time", "webinar",
    "stay tuned",
    # book-listing spam (Google Books "Found inside" snippets and blurbs)
    "found inside", "this book", "the book is", "this volume", "this edition",
    "the author", "hardcover", "paperback",
)

# Right boundary: not followed by a lower-case letter or digit, so text glued by a bad
# scrape ("Found insideThis book") still matches. The lookahead on the first letters of
# the phrases (and of "was", "is", "did") only skips, cheaply, the places no match can
# start: without it each of the ~100 case-insensitive phrases was tried at every
# character, 0.15 s on 100 KB of punctuation and slow on any page.
_BOILERPLATE_FIRST = "".join(sorted({p[0].lower() for p in BOILERPLATE_PHRASES} | set("wid")))
BOILERPLATE_RE = re.compile(
    r"(?=[" + re.escape(_BOILERPLATE_FIRST) + r"])(?:"
    r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in BOILERPLATE_PHRASES) + r")(?!(?-i:[a-z0-9_-]))|"
    # feedback widgets: "Was this answer helpful?", "Did you find this page useful?"
    r"\b(?:was|is) this (?:\w+ )?(?:helpful|useful)\b|\bdid you find this (?:\w+ )?(?:helpful|useful)\b)",
    re.IGNORECASE,
)

# Short UI lines that start with a command word: "Search for a rare disease", "Print".
UI_COMMAND_RE = re.compile(
    r"^(?:search|find|browse|filter|sort|view all|see all|show all|login|log in|sign in|"
    r"register|subscribe|share|print|download|menu|home|contact us|about us|more|"
    r"create (?:an? |free |your )?account|sign up|log out|sign out|not logged in|reply|report|jump to|skip to)\b",
    re.IGNORECASE,
)
UI_COMMAND_MAX_WORDS = 6

# Labels that start a line of page chrome rather than content ("Navigation: A - B - C").
CHROME_LABELS_RE = re.compile(
    r"^\s*(?:navigation|menu|breadcrumbs?|you are here|credits?|contributors?|tags?|"
    r"categories|category|share|related(?: articles| posts| links| searches| questions| topics| videos)?|see also|"
    r"main article|further information|advertisement|ad|sponsored(?: links| content| results)?|promoted|"
    r"posted (?:by|in|on)|filed under|last (?:updated|modified)|"
    r"published|photo|image|source|retrieved from|accessed|jump to|skip to|on this page|in this article|"
    r"contents|table of contents)\s*[:.|·•–—]|"
    r"^\s*(?:(?:read|see|watch|listen)(?: more| also| next)?|also (?:read|see|watch))\s*:|"  # "READ MORE: <headline>"
    r"^\s*from [^,]{2,40}, the (?:free|open)\b",  # a wiki's tagline: "From Wikipedia, the free encyclopedia"
    re.IGNORECASE,
)

# Wiki and CMS markers stripped from inside lines (C4: "[edit]", "[citation needed]").
INLINE_MARKERS_RE = re.compile(
    r"\[\s*(?:edit(?:\s*\|\s*edit source)?|edit source|citation needed|\d{1,3}|"
    r"update|hide|show|clarification needed|when\?|who\?)\s*\]",
    re.IGNORECASE,
)

# Image and media file names, alone or inline ("Doctor showing form.jpg"). A match starts
# only where a run of non-spaces starts ((?<!\S)): from any other start \S* would rescan
# the rest of the run, quadratic on one long word; a match found from inside a run
# always extends to the run's start anyway, so the matches are the same.
MEDIA_FILE_RE = re.compile(r"(?<!\S)\S*\.(?:jpe?g|png|gif|svg|webp|bmp|tiff?|mp4|webm|mp3|pdf)\b", re.I)

# Postal addresses: a house number and a street type ("12 N. Main Street").
ADDRESS_RE = re.compile(
    r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\.?\s+){1,4}"
    r"(?:Road|Rd|Street|St|Avenue|Ave|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|"
    r"Highway|Hwy|Parkway|Pkwy|Place|Pl|Suite|Square|Sq|Terrace|Circle)\b\.?"
)
PHONE_RE = re.compile(r"(?:\+?\d{1,3}[\s.-])?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b")
# The local part is at most EMAIL_LOCAL_MAX characters (RFC 5321 allows 64): unbounded,
# [\w.+-]+ rescans a long run such as "a.a.a.a..." from each of its word boundaries
# looking for an "@" (quadratic; 84 s on 40 KB). Bounded, each start costs at most that much.
EMAIL_LOCAL_MAX = 64
EMAIL_RE = re.compile(rf"\b[\w.+-]{{1,{EMAIL_LOCAL_MAX}}}@[\w-]+\.[\w.-]+\b")
URL_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
# Tax and registration numbers ("EIN 12-3456789", "#47-4570748").
TAX_ID_RE = re.compile(r"#?\b\d{2}-\d{7}\b")

# Bibliographic references: journal issue/page strings, DOIs, PMIDs, "Epub", author lists.
CITATION_RE = re.compile(
    r"\bdoi:\s*10\.|\b10\.\d{4,}/\S+|\bPMID:?\s*\d|\bEpub\b|\bArticle ID\b|"
    r"\b(?:19|20)\d{2}\s+(?:[A-Z][a-z]{2})?\s*\d{0,2};\s*\d+\s*\(|"  # 2015 Dec;17(12)
    r"\b(?:19|20)\d{2};\s*\d+|"  # 2018; 15 / 2016;87
    r"\(\d+(?:-\d+)?\):\s*[e\d]|"  # (7):e16159, (1-2):13
    r"(?:\b[A-Z][a-z]+\s[A-Z]{1,2},\s){2,}|"  # Merlant M, Fite C, ...
    # A whole sentence in square brackets: the translated title of a cited article
    # (MEDLINE's convention for non-English papers), or an editor's note.
    r"^\[[^\[\]]{20,}\]\.?$"
)

# Language-switcher links: two or more language names (endonyms) on one line.
LANGUAGE_NAMES = (
    "english", "español", "espanol", "français", "francais", "deutsch", "italiano",
    "nederlands", "português", "portugues", "polski", "русский", "日本語", "中文",
    "한국어", "العربية", "svenska", "dansk", "norsk", "suomi", "čeština", "magyar",
    "türkçe", "ελληνικά", "română", "українська",
)
LANGUAGE_RE = re.compile(r"(?<!\w)(?:" + "|".join(LANGUAGE_NAMES) + r")(?!\w)", re.I)

# Menu lines: short items joined by separators ("Home - About - Contact", "A | B | C").
MENU_SEPARATOR_RE = re.compile(r"\s(?:[-|·•»›/>]|::)\s")
# Breadcrumbs start at the home page ("Home › Living with X › What is X?"); pagination
# is numbers and a next/previous link ("1 2 3 … 17 Next »").
BREADCRUMB_RE = re.compile(r"^\s*home\s*[›»>/|:]\s*\S", re.IGNORECASE)
# The next/previous word is looked for once, in a lookahead at the start of the line (the
# numbers are not letters, so it can only come after them); written after {2,}, .* was
# rescanned for every way of splitting the run of numbers (quadratic on "1 1 1 ... x").
PAGINATION_RE = re.compile(
    r"^(?=.*\b(?:next|previous|prev|older|newer)\b)\W*(?:(?:\d{1,4}|…|\.\.\.)\s+){2}", re.IGNORECASE)

# Bylines and datelines: "By Jane Doe, 12 May 2023", "Posted by admin on March 3, 2024".
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE_RE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})\b",
    re.IGNORECASE,
)
BYLINE_RE = re.compile(r"^(?:(?:posted|written|published|updated|reviewed)\s+)?by\s+[A-Z]", re.IGNORECASE)
BYLINE_MAX_WORDS = 12

# Where the reader comments start: a short line that opens the comment section (blog and
# news CMS widgets: WordPress "Leave a Reply", "N Responses to", Disqus, "Comments are
# closed"), in the languages of the common CMS translations. Everything after it is
# discussion, not the article.
COMMENTS_MAX_WORDS = 8  # "34 responses to “Title”" is longer than a label; a sentence is longer still
COMMENT_WORDS = (  # plural only: a lone "Comment" or "Reply" is a share or reply button
    "comments", "responses", "replies", "reactions", "commentaires", "commenti",
    "kommentare", "comentarios", "comentários", "reacties", "kommentarer", "komentarze",
    "комментарии",
)
_COMMENT_WORD = "(?:" + "|".join(COMMENT_WORDS) + ")"
COMMENTS_START_RE = re.compile(
    # the whole line is the label: "[ 167 comments ]", "Top Rated Comments"
    rf"^\W*(?:[1-9]\d*\s+|top rated\s+|read all\s+|show\s+|view\s+)?{_COMMENT_WORD}(?:\s*\(\d+\))?\W*$|"
    r"\b(?:leave|post|add|write)\s+an?\s+(?:reply|comment)\b|\bcomments are closed\b|"
    # a count of at least one: "0 Comments" beside a byline means none follow
    r"\bjoin the (?:conversation|discussion)\b|\b[1-9]\d*\s+(?:comments|responses|replies)\b|"
    r"\b(?:lascia un commento|deja un comentario|laisser un commentaire|kommentar schreiben)\b",
    re.IGNORECASE,
)

# A line that is only the label of a block of links to other pages: teasers follow it.
RELATED_LABEL_RE = re.compile(
    r"^\W*(?:you (?:may|might) also (?:like|enjoy)|(?:\w+ ){0,2}also (?:read|viewed|liked|bought)|"
    r"related (?:articles|posts|stories|content|reading|links|pages|topics|questions|searches|videos|products)|"
    r"more (?:stories|articles|news)|"
    r"popular (?:now|posts|articles|stories)|most (?:read|popular|viewed|shared)|recommended(?: for you| reading)?|"
    r"read next|up next|trending(?: now)?|don'?t miss|editor'?s picks?)\W*$",
    re.IGNORECASE,
)

# Calls to action: a sentence that opens with an imperative of selling or signing up
# and speaks as the site ("our", "us") or sells ("free", "online", an app, a price,
# a discount, "here"). Medical advice ("Call your doctor if...", "Ask your doctor
# about...") has the imperative but none of the selling.
CTA_VERB_RE = re.compile(
    r"^\W*(?:(?P<sell>buy|book|order|shop|download|subscribe|sign up|register|join|install|claim|grab|"
    r"upgrade|donate|reserve|enrol|enroll)|try|call|contact|visit|see|discover|learn|save|compare|get|ask|"
    r"keep reading|never miss|don'?t miss|find out|check out|explore|start|request|schedule|listen|watch|read)\b",
    re.IGNORECASE,
)
CTA_CUE_RE = re.compile(
    r"\b(?:our|us|free|online|app|offers?|deals?|discounts?|quotes?|here|today only)\b|[$€£]\s?\d|\d\s?%|>>|[↓→]",
    re.IGNORECASE,
)
# Right after a verb of selling, the reader's own "your" is a cue as well ("Book your
# appointment"); after "ask", "call" or "see" it is advice ("Ask your doctor"), and
# further on it is instruction ("Buy bulbs from a supplier suited to your climate").
CTA_SELL_CUE_RE = re.compile(r"^\W*\w+(?: up)?\s+(?:your|now)\b", re.IGNORECASE)

# Section labels of structured abstracts (PubMed, JAMA, Current Opinion), glued to the
# sentence they introduce when a page quotes an abstract: "Conclusions and relevance:
# However, ...". The label is structure, not content; the sentence after it stays.
ABSTRACT_LABEL_RE = re.compile(
    r"^(?:background|objectives?|aims?|purpose|importance|design|setting|participants|interventions?|"
    r"exposures?|methods?|observations|results?|findings|recent findings|main outcomes? and measures?|"
    r"outcome measures|conclusions?(?: and relevance)?|summary|evidence review|case (?:report|presentation)|"
    r"design, setting,? and participants)\s*:\s+(?=\S)",
    re.IGNORECASE,
)
