"""A synthetic folder of small noisy pages (text and HTML), generated from a fixed seed.

Used by the incremental-build benchmark and by tests that need many sources. The
pages mix real-looking medical prose with the noise winnow strips (menus, cookie
banners, share buttons) and with sentences repeated across pages, so the dedupe
stage has work to do.
"""

from __future__ import annotations

import random
from pathlib import Path

# A small vocabulary of topic words: pages about the same topic share terms, as real
# corpora do, so BM25 statistics are not trivially flat.
TOPICS = ("myopathy", "statin", "antibody", "biopsy", "necrosis", "weakness", "kinase", "therapy",
          "immune", "muscle", "serum", "infusion", "steroid", "relapse", "cancer", "diagnosis")
WORDS = ("patients", "treatment", "clinical", "reported", "cases", "response", "levels", "early",
         "severe", "chronic", "proximal", "symmetric", "elevated", "associated", "findings", "study",
         "years", "onset", "dose", "trial", "imaging", "fibres", "regeneration", "inflammation")
NOISE_LINES = ("Home | About | Contact | Privacy Policy", "Share on Facebook Share on Twitter",
               "We use cookies to improve your experience. Accept all cookies.",
               "Subscribe to our newsletter!", "Copyright 2024 All rights reserved.")
# Sentences shared by many pages: boilerplate that survives cleaning and must be deduplicated.
SHARED = tuple(f"The {t} section was reviewed by the editorial board in {2000 + i}." for i, t in enumerate(TOPICS))


SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vi", "so", "pe", "da", "gu", "ri", "co", "ba", "fe")
# Pseudo-words drawn with Zipf-like weights: a realistic long tail, so near-duplicate
# candidates are rare, as in real prose (a tiny vocabulary would make every sentence a candidate).
LEXICON = WORDS + tuple(a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES[:8])
WEIGHTS = tuple(1.0 / (rank + 1) for rank in range(len(LEXICON)))


def sentence(rng: random.Random) -> str:
    n = rng.randint(8, 18)
    words = [rng.choice(TOPICS) if rng.random() < 0.15 else w for w in rng.choices(LEXICON, WEIGHTS, k=n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def page(rng: random.Random, n: int) -> tuple[str, str]:
    """(file name, content) of page number n."""
    title = f"{rng.choice(TOPICS).capitalize()} and {rng.choice(TOPICS)} {n}"
    sections = []
    for s in range(rng.randint(2, 4)):
        paragraphs = [" ".join(sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            paragraphs.append(rng.choice(SHARED))
        sections.append((f"{rng.choice(TOPICS).capitalize()} {s + 1}", paragraphs))
    noise = [rng.choice(NOISE_LINES) for _ in range(3)]
    if n % 2:
        body = "".join(f"<h2>{h}</h2>" + "".join(f"<p>{p}</p>" for p in ps) for h, ps in sections)
        html = (f"<html><head><title>{title}</title></head><body><nav>{noise[0]}</nav>"
                f"<h1>{title}</h1>{body}<footer>{noise[1]}</footer><div>{noise[2]}</div></body></html>")
        return f"p{n:05d}.html", html
    body = "\n\n".join(h + "\n\n" + "\n\n".join(ps) for h, ps in sections)
    return f"p{n:05d}.txt", "\n\n".join([noise[0], title, body, noise[1], noise[2]]) + "\n"


def write_corpus(folder: str | Path, n: int, seed: int = 7) -> list[Path]:
    """Write n pages into folder (in a few subfolders); returns their paths."""
    rng = random.Random(seed)
    folder = Path(folder)
    paths = []
    for i in range(n):
        name, content = page(rng, i)
        path = folder / f"part{i % 10}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths
