"""Fit the sentence scorer (sentences.json): which sentences are boilerplate on any site.

    python -m pipeline.clean.train_sentences [--data ../shared/data] [--out pipeline/clean/sentences.json]
                                             [--cache FILE]

Read: the plain-text dumps of the labelled HTML pages (bench/cleaning_data.py: scrapinghub,
dragnet, readability; no boilerplate removed), train split sites only. Every block of a dump
(winnow's text reader) is split into sentences, and the sentences the scorer judges are kept
(sentences.judged: MIN_WORDS words or more and a final stop; menus and labels are the block
scorers' work). A sentence is content when it is in the page's gold text (cleaning_data.align
>= 0.5); it is boilerplate when it is not and is said again: on another page of its site (a
template) or on another site. A sentence not in the gold text and said once (a teaser of
another story, a comment) teaches nothing about furniture and is left out.

Features (sentences.py): the sentence's words and pairs of adjacent words (lower case), only
those that the sentences of at least MIN_SITES train sites hold (a term must occur on many
sites to carry weight: no site's or topic's words), plus a few shape features. One logistic
regression (scikit-learn, liblinear), every site weighed alike (a site's sentences weigh
1 / its sentence count ** SITE_POWER), shipped as plain numbers. The threshold is the score
under which THRESHOLD_CONTENT of the train sites' content sentences lie (site-weighted); the
test sites' figures at it are printed first. Deterministic: sorted input, a fixed seed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import cleaning_data as data  # noqa: E402
from pipeline.clean import normalize  # noqa: E402
from pipeline.clean.sentences import SENTENCES_PATH, SHAPES, judged, shape_row, terms, tokens  # noqa: E402
from pipeline.readers import text as text_reader  # noqa: E402
from pipeline.split import split_sentences  # noqa: E402

MIN_SITES = 30  # a term counts only when the sentences of this many train sites hold it
SITE_POWER = 0.5
C = 0.5
THRESHOLD_CONTENT = 0.995  # share of train content sentences (site-weighted) under the bar
DIGITS = 4


def collect(split: str) -> list[tuple[str, str, int, int]]:
    """(site, sentence, 1 if content else 0, page number) for every sentence of the split's dumps."""
    out = []
    number = 0
    for set_name in data.SETS:
        for page in sorted(data.pages_in(set_name, split), key=lambda p: (p.site, p.gold[:200])):
            blocks = normalize(text_reader.read(data.plain_dump(page.html)))
            sentences = [s for b in blocks for s in split_sentences(b.text) if judged(s)]
            for sentence, score in zip(sentences, data.align(sentences, page.gold)):
                out.append((page.site, sentence, int(score >= data.CONTENT_THRESHOLD), number))
            number += 1
    return out


def said_again(examples) -> list[bool]:
    """For each example: boilerplate said on another page of its site or on another site."""
    pages, sites = defaultdict(set), defaultdict(set)
    keys = [" ".join(tokens(sentence)) for _, sentence, *_ in examples]
    for (site, _, _, page), key in zip(examples, keys):
        pages[site, key].add(page)
        sites[key].add(site)
    return [label == 0 and (len(pages[site, key]) >= 2 or len(sites[key]) >= 2)
            for (site, _, label, _), key in zip(examples, keys)]


def vocabulary(examples) -> list[str]:
    sites = defaultdict(set)
    for site, sentence, *_ in examples:
        for term in terms(sentence):
            sites[term].add(site)
    return sorted(w for w, s in sites.items() if len(s) >= MIN_SITES)


def matrix(examples, vocab: list[str]) -> np.ndarray:
    index = {w: i for i, w in enumerate(vocab)}
    x = np.zeros((len(examples), len(vocab) + len(SHAPES)), dtype=np.float64)
    for r, (_, sentence, *_) in enumerate(examples):
        for term in terms(sentence):
            if term in index:
                x[r, index[term]] = 1.0
        x[r, len(vocab):] = shape_row(sentence)
    return x


def site_weights(examples) -> np.ndarray:
    counts = Counter(e[0] for e in examples)
    return np.array([1.0 / counts[site] ** SITE_POWER for site, *_ in examples])


def figures(name: str, p: np.ndarray, examples, bar: float) -> None:
    y, again, w = np.array([e[2] for e in examples]), np.array(said_again(examples)), site_weights(examples)
    drop = p >= bar

    def share(which):
        return f"{w[which & drop].sum() / w[which].sum():.4f}"
    print(f"{name}: {len(y)} sentences ({int(y.sum())} content, {int((y == 0).sum())} boilerplate, {int(again.sum())} "
          f"of it said again); at {bar:.3f}, site-weighted: content dropped {share(y == 1)}, boilerplate said again "
          f"dropped {share(again)}, all boilerplate dropped {share(y == 0)}")


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=SENTENCES_PATH)
    parser.add_argument("--cache", type=Path, help="keep the collected sentences in this JSON file")
    args = parser.parse_args(argv)
    if args.cache and args.cache.exists():
        stored = json.loads(args.cache.read_text(encoding="utf-8"))
        train, test = [tuple(e) for e in stored["train"]], [tuple(e) for e in stored["test"]]
    else:
        train, test = collect("train"), collect("test")
        if args.cache:
            args.cache.write_text(json.dumps({"train": train, "test": test}), encoding="utf-8")
    train = [e for e, again in zip(train, said_again(train)) if e[2] == 1 or again]
    vocab = vocabulary(train)
    x, y, w = matrix(train, vocab), np.array([e[2] for e in train]), site_weights(train)
    fit = LogisticRegression(C=C, solver="liblinear", random_state=0, max_iter=1000)
    fit.fit(x, 1 - y, sample_weight=w / w.mean())  # the score is P(boilerplate)
    p = fit.predict_proba(x)[:, 1]
    order = np.argsort(p[y == 1])
    cumulative = np.cumsum(w[y == 1][order]) / w[y == 1].sum()
    bar = float(p[y == 1][order][np.searchsorted(cumulative, THRESHOLD_CONTENT)])
    figures("held out (test sites)", fit.predict_proba(matrix(test, vocab))[:, 1], test, bar)
    figures("train sites", p, train, bar)
    coef = fit.coef_[0]
    exported = {
        "about": "pipeline/clean/train_sentences.py: P(boilerplate) of a sentence = sigmoid(bias + sum of weights)",
        "threshold": round(bar, DIGITS),
        "bias": round(float(fit.intercept_[0]), DIGITS),
        "words": {word: round(float(c), DIGITS) for word, c in zip(vocab, coef) if abs(c) >= 10 ** -DIGITS},
        "shapes": {name: round(float(c), DIGITS) for name, c in zip(SHAPES, coef[len(vocab):])},
    }
    args.out.write_text(json.dumps(exported, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    top = sorted(exported["words"].items(), key=lambda kv: -kv[1])
    print("most boilerplate words:", ", ".join(f"{k} {v:+.2f}" for k, v in top[:40]))
    print("most content words:", ", ".join(f"{k} {v:+.2f}" for k, v in top[-25:]))
    print("shapes:", exported["shapes"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
