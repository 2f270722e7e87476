"""Count the skeletons of edited prose, fit the spun-text model over them, and write garble.json.

    python -m pipeline.clean.train_garble [--data ../shared/data] [--out pipeline/clean/garble.json]

Read: the gold texts of the train split's sites (bench/cleaning_data.py: scrapinghub, dragnet,
readability), split into sentences by winnow's splitter, and seed-style spam pages built from
train sites with keyword salad (cleaning_data.spam_pages(SPAM_PAGES, more_kinds=True), the train
half). No test site and no seed page is read.
  counts  symbol unigrams, bigrams and trigrams of every gold sentence's skeleton (garble.py),
          bigrams, trigrams and two-symbol contexts seen MIN_COUNT times or more (an unseen
          context backs off to the bigram);
  model   a logistic regression over garble.FEATURES: spun and salad "sentences" of the spam
          pages against their real sentences and the gold sentences of MIN_WORDS words or
          more, each text's features from the counts of the other half of the train sites
          (by a hash of the site), so that no text is scored by counts that include it;
  bar     the probability above which OUT_OF_FOLD_FLAGGED of those real sentences fall.
Deterministic: sorted input, fixed seeds. Prints the out-of-fold figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import cleaning_data as data  # noqa: E402
from pipeline.clean.garble import END, FEATURES, GARBLE_PATH, START, Garble, judged, skeleton  # noqa: E402
from pipeline.split import split_sentences  # noqa: E402

MIN_COUNT = 5  # rarer trigrams (and bigrams, contexts) say little and would make the file 2 MB
MIN_WORDS = 8  # shorter lines (titles, menu entries, list entries) are left to the block scorers
SPAM_PAGES = 200  # spam_pages(n): half from train sites
OUT_OF_FOLD_FLAGGED = 0.005  # the share of real sentences the bar may take, out of fold
DIGITS = 4


def _fold(site: str) -> int:
    return hashlib.sha256(f"garble:{site}".encode()).digest()[0] % 2


def sentences_of(gold: str) -> list[str]:
    return [s for p in data.gold_paragraphs(gold) for s in split_sentences(p) if s.strip()]


def count(sentences) -> dict:
    """Skeleton n-gram counts of sentences, as garble.Garble reads them."""
    uni, bi, tri, c1, c2 = Counter(), Counter(), Counter(), Counter(), Counter()
    for sentence in sentences:
        seq = [START, START] + skeleton(sentence) + [END]
        for i in range(2, len(seq)):
            a, b, c = seq[i - 2], seq[i - 1], seq[i]
            uni[c] += 1
            bi[f"{b} {c}"] += 1
            tri[f"{a} {b} {c}"] += 1
            c1[b] += 1
            c2[f"{a} {b}"] += 1
    def common(counts: Counter) -> dict[str, int]:
        return {k: v for k, v in sorted(counts.items()) if v >= MIN_COUNT}

    return {"unigrams": dict(sorted(uni.items())), "bigrams": common(bi), "trigrams": common(tri),
            "contexts1": dict(sorted(c1.items())), "contexts2": common(c2)}


def long_enough(text: str) -> bool:
    return judged(text, MIN_WORDS)


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data.DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=GARBLE_PATH)
    args = parser.parse_args(argv)
    pages = [p for set_name in data.SETS for p in data.pages_in(set_name, "train", args.data)]
    golds = {0: [], 1: []}
    for page in pages:
        golds[_fold(page.site)].extend(sentences_of(page.gold))
    spam = [p for p in data.spam_pages(SPAM_PAGES, data_dir=args.data, more_kinds=True) if p.split == "train"]
    rows, labels, real_rows = [], [], []
    for fold in (0, 1):
        other = Garble(count(golds[1 - fold]))  # counts that never saw this fold's texts
        texts = [(s, 0) for s in golds[fold] if long_enough(s)]
        for page in spam:
            if _fold(page.site) == fold:
                texts += [(s, 0) for s in page.real_sentences if long_enough(s)]
                texts += [(s, 1) for s in garbled(page) if long_enough(s)]
        for text, label in texts:
            rows.append(other.statistics(text))
            labels.append(label)
            real_rows.append(label == 0)
    x, y = np.asarray(rows), np.asarray(labels)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    p = model.predict_proba(x)[:, 1]
    real_p = np.sort(p[y == 0])
    bar = float(real_p[int(len(real_p) * (1 - OUT_OF_FOLD_FLAGGED))])
    print(f"out of fold: {int((y == 0).sum())} real texts, {int(y.sum())} spun; bar {bar:.3f} flags "
          f"{float((p[y == 0] > bar).mean()):.4f} of the real and {float((p[y == 1] > bar).mean()):.3f} of the spun",
          file=sys.stderr)
    out = count([s for fold in (0, 1) for s in golds[fold]])
    out.update({"trained_by": "python -m pipeline.clean.train_garble", "pages": len(pages), "features": list(FEATURES),
                "weights": [round(float(w), DIGITS) for w in model.coef_[0]],
                "bias": round(float(model.intercept_[0]), DIGITS), "threshold": round(bar, DIGITS),
                "min_words": MIN_WORDS})
    args.out.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                        encoding="utf-8")
    print(f"{len(out['trigrams'])} trigrams of {len(out['unigrams'])} symbols -> {args.out} "
          f"({args.out.stat().st_size // 1024} KB); weights " +
          ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, out["weights"])), file=sys.stderr)
    return 0


def garbled(page) -> list[str]:
    """A spam page's garbled "sentences": its noise items after the last real sentence of its first line."""
    head = page.text.split("\n", 1)[0]
    run_end = max(head.rfind(s) + len(s) for s in page.real_sentences)
    return [item for item in page.noise_items if head.find(item, run_end) >= 0 and item not in page.real_sentences]


if __name__ == "__main__":
    raise SystemExit(main())
