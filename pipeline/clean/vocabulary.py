"""The one noise vocabulary, for HTML and text alike: words of page furniture on any site.

UI_WORDS and UI_PHRASES are features of the learned block scorer (text of any format);
CLASS_WORDS, CONTENT_CLASS_WORDS and POLICY_PHRASES are what pipeline/html.py prunes by
(class and id values of furniture, and short policy lines of extracted pages).

These are the words of interfaces, policies, sharing and ads that hold on any website,
not phrases of any page we read. They are not bans: the learned scorer counts them in a
block (a feature), and weighs the count by the block's shape and position, so "privacy
policy" in a short line without a full stop is furniture while a paragraph about
privacy law is prose. Sources: C4's policy substrings ("terms of use", "privacy
policy", "cookie policy", "javascript"), jusText's and boilerpipe's link-text and UI
cues, trafilatura's `settings.py` boilerplate class names (share, social, comment,
related, nav, footer, subscribe, newsletter, cookie, banner, advert, login), and the
account, cart and pagination strings of common CMSs.
"""

from __future__ import annotations

# Single words (lower case). Order is irrelevant: they go into a frozenset.
UI_WORDS: frozenset[str] = frozenset("""
    cookie cookies privacy policy terms copyright reserved trademark trademarks disclaimer
    login logout signin signup sign log register subscribe subscribed unsubscribe subscription
    newsletter newsletters account password username profile
    share shares shared sharing tweet retweet facebook twitter pinterest linkedin instagram
    whatsapp reddit youtube tiktok rss feed email print
    comment comments reply replies permalink follow followers like likes
    menu navigation nav sitemap skip home homepage search breadcrumb toggle
    advertisement advertisements advertising advertise ad ads sponsored sponsor promo promoted
    cart basket checkout shipping coupon
    download app apps install
    click tap here more next previous prev older newer page pages back top
    related popular trending recommended featured latest archive archives tags tag categories category
    contact faq help feedback about careers press
    javascript browser loading enable
    ©
""".split())

# Phrases of two or three words that are furniture where single words are not.
UI_PHRASES: frozenset[tuple[str, ...]] = frozenset(tuple(p.split()) for p in (
    "all rights reserved", "terms of use", "terms of service", "privacy policy", "cookie policy",
    "read more", "see more", "load more", "show more", "learn more", "click here", "back to top",
    "sign in", "sign up", "log in", "skip to", "follow us", "share this", "you may also",
    "also like", "related articles", "related posts", "most popular", "most read",
    "posted by", "posted in", "filed under", "leave a comment", "leave a reply",
    "add to cart", "free shipping", "buy now", "shop now", "order now",
))
MAX_PHRASE_WORDS = 3

# Markup: tokens of class/id values that mark furniture (pipeline/html.py prunes those nodes). From readability-lxml `unlikelyCandidates`
# (combx|comment|community|disqus|extra|foot|header|menu|remark|rss|shoutbox|sidebar|
# sponsor|ad-break|agegate|pagination|pager|popup|tweet|twitter), trafilatura
# settings/xpaths `DISCARD_*` (share, social, related, cookie, consent, newsletter,
# breadcrumb) and jusText's cookie/consent bars. Matched as whole words of the value,
# split on - _ space and camelCase, so "ad" hits "ad-slot" but not "header" or "load".
CLASS_WORDS: tuple[str, ...] = (
    "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs",
    "header", "masthead", "footer", "foot", "colophon",
    "sidebar", "side", "aside", "widget", "widgets", "rail",
    "cookie", "cookies", "consent", "gdpr", "banner",
    "share", "sharing", "social", "sharethis", "addthis", "tweet", "twitter", "facebook",
    "related", "recommended", "recirculation", "more-stories", "outbrain", "taboola",
    "comment", "comments", "disqus", "respond", "reply", "community",
    "ad", "ads", "advert", "advertisement", "adsense", "sponsor", "sponsored", "promo",
    "newsletter", "subscribe", "signup", "popup", "modal", "overlay",
    "pagination", "pager", "skip", "toolbar", "tags", "tagcloud", "rss", "print",
)
# Exact class/id values we never drop even though a word matches (content wrappers).
CONTENT_CLASS_WORDS: tuple[str, ...] = ("content", "article", "main", "post", "entry", "body", "story", "text")
# Short extracted blocks containing these are site chrome (C4 policy phrases, jusText's "©").
POLICY_PHRASES: tuple[str, ...] = (
    "©", "all rights reserved", "terms of use", "privacy policy", "cookie policy",
    "uses cookies", "use of cookies", "use cookies", "skip to content", "skip to main content",
)
