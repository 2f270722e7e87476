"""Count where words stand in the sentences of edited prose, and write lexicon.json.

    python -m pipeline.clean.train_lexicon [--data ../shared/data] [--out pipeline/clean/lexicon.json]

Read: the gold texts of the train split's sites (bench/cleaning_data.py: scrapinghub,
dragnet, readability), split into sentences by winnow's splitter. No test site and no
seed page is read. For every lower-cased word (its leading letters):
  opener  capitalised as a sentence's first word / capitalised anywhere (words seen
          capitalised MIN_COUNT times or more);
  start   log((first words that are it + 1) / first words / ((its sightings + 1) / words)),
  end     the same for the last word of a sentence that ends with . ! or ?
          (words seen MIN_COUNT times or more, and only where |log| >= MIN_LIFT: the rest
          read as 0.0, no evidence).
Plain numbers, rounded to DIGITS; deterministic (sorted input and output). See lexicon.py.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import cleaning_data as data  # noqa: E402
from pipeline.clean.lexicon import LEXICON_PATH, last_letters, letters  # noqa: E402
from pipeline.split import split_sentences  # noqa: E402

MIN_COUNT = 5  # fewer sightings say too little about a word
MIN_LIFT = 0.25  # a lift this close to 1 (log) is no evidence: not stored, the file stays small
DIGITS = 2
TERMINAL = ".!?"


def count(texts):
    """Counters over lower-cased words: capitalised first words, capitalised anywhere,
    first words, last words (of sentences ending . ! ?), all words; and the numbers of
    sentences, ended sentences and words."""
    cap_first, cap_any, first, last, every = Counter(), Counter(), Counter(), Counter(), Counter()
    sentences = ended = words = 0
    for text in texts:
        for paragraph in data.gold_paragraphs(text):
            for sentence in split_sentences(paragraph):
                tokens = sentence.split()
                if not tokens:
                    continue
                sentences += 1
                for k, token in enumerate(tokens):
                    word = letters(token)
                    if not word:
                        continue
                    key = word.lower()
                    every[key] += 1
                    words += 1
                    if word[0].isupper() and (len(word) == 1 or not word.isupper()):
                        cap_any[key] += 1
                        if k == 0:
                            cap_first[key] += 1
                    if k == 0:
                        first[key] += 1
                if sentence.rstrip("\"'”’)]»")[-1:] in TERMINAL:
                    ended += 1
                    word = last_letters(tokens[-1])
                    if word:
                        last[word.lower()] += 1
    return cap_first, cap_any, first, last, every, sentences, ended, words


def lifts(at: Counter, total_at: int, every: Counter, words: int) -> dict[str, float]:
    out = {}
    for word in sorted(every):
        if every[word] < MIN_COUNT:
            continue
        lift = math.log(((at[word] + 1) / total_at) / ((every[word] + 1) / words))
        if abs(lift) >= MIN_LIFT:
            out[word] = round(lift, DIGITS)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data.DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=LEXICON_PATH)
    args = parser.parse_args(argv)
    golds = [page.gold for set_name in data.SETS for page in data.pages_in(set_name, "train", args.data)]
    cap_first, cap_any, first, last, every, sentences, ended, words = count(golds)
    opener = {w: round(cap_first[w] / cap_any[w], DIGITS) for w in sorted(cap_any) if cap_any[w] >= MIN_COUNT}
    out = {"trained_by": "python -m pipeline.clean.train_lexicon", "pages": len(golds), "sentences": sentences,
           "min_count": MIN_COUNT, "opener": opener, "start": lifts(first, sentences, every, words),
           "end": lifts(last, ended, every, words)}
    args.out.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                        encoding="utf-8")
    print(f"{len(opener)} openers, {len(out['start'])} start and {len(out['end'])} end lifts from "
          f"{len(golds)} train pages' gold texts -> {args.out} ({args.out.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
