"""The learned scorers: gradient-boosted trees read from plain numbers in model.json.

Two ensembles, both fitted by `python -m pipeline.clean.train` with scikit-learn and
written as arrays (no pickle): per tree, a binary decision tree's feature, threshold,
left, right and value at every node.

  page    is this page already clean text? (features.PAGE_FEATURES of the whole page)
  blocks  is this block content? (features.FEATURES of each block in its page)
  runs    is this sentence of a run content? (the same features, fitted on the sentences and
          glued-on parts of run-together pages only: a run's furniture is cut into short
          parts that the block scorer, fitted mostly on whole pages, reads as content)
  context the second pass on a noisy page: is this block content, given what the block
          scorer said of it and around it? (features.FEATURES + features.CONTEXT_FEATURES)

Scoring walks all trees at once with numpy; `contributions` walks one row's paths in
Python and credits each step's change of value to the feature that split (Saabas'
method), which gives the reason for a verdict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import CONTEXT_FEATURES, FEATURES, PAGE_FEATURES

CONTEXT_NAMES = FEATURES + CONTEXT_FEATURES  # the context scorer's columns

MODEL_PATH = Path(__file__).with_name("model.json")
# Rows scored at once: 256 x 600 trees x 8 bytes is 1.2 MB a step, in the CPU's cache (100,000
# rows of the runs scorer: 6.1 s at once, 1.6 s in slices of 4,096, 1.0 s of 256).
LOG_ODDS_ROWS = 256


class ModelMismatch(RuntimeError):
    """model.json was trained on other features than this code computes."""


@dataclass(frozen=True)
class Trees:
    """A boosted ensemble with trees padded to one array each: [tree, node]."""

    names: tuple[str, ...]  # the features, in column order
    feature: np.ndarray  # int32, -1 at leaves
    threshold: np.ndarray  # float64
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    value: np.ndarray  # float64: the tree's output at every node (leaf or not)
    depth: int
    learning_rate: float
    prior: float  # log-odds before the first tree
    threshold_keep: float  # a row is positive (clean page, content block) from this probability
    _flat: tuple = field(default=(), repr=False, compare=False)

    def log_odds(self, rows) -> np.ndarray:
        """The ensemble's log-odds for each row (a list of rows, or a matrix: float32 is read as it is)."""
        if not len(rows):
            return np.zeros(0)
        # scikit-learn's trees compare float32 features with their thresholds: so do we.
        x = np.asarray(rows, dtype=np.float32).astype(np.float64)
        # The walk holds rows x trees nodes at once: in slices of rows, a page of a million
        # short lines costs megabytes here instead of gigabytes (each row's sum is the same).
        if len(x) > LOG_ODDS_ROWS:
            return np.concatenate([self._log_odds(x[i:i + LOG_ODDS_ROWS]) for i in range(0, len(x), LOG_ODDS_ROWS)])
        return self._log_odds(x)

    def _log_odds(self, x: np.ndarray) -> np.ndarray:
        n, (trees, size) = len(x), self.feature.shape
        # Nodes are numbered across all trees (tree * size + node), so one gather per level
        # walks every tree for every row; leaves point at themselves. A node's children sit
        # side by side (right at 2 * node, left at 2 * node + 1): one gather takes the step.
        # The roots' features and thresholds are the same for every row: the first step
        # needs no gather of them (together a third less time than a gather of each child).
        feature, threshold, children, value, roots = self._flat or self._flatten()
        offsets = np.arange(n, dtype=np.int64)[:, None] * x.shape[1]
        flat_x = x.ravel()
        if not self.depth:
            node = np.broadcast_to(roots, (n, trees)).copy()
        else:
            node = children[2 * roots + (flat_x[offsets + feature[roots]] <= threshold[roots])]
        for _ in range(self.depth - 1):
            go_left = flat_x[offsets + feature[node]] <= threshold[node]
            node = children[2 * node + go_left]
        return self.prior + self.learning_rate * value[node].sum(axis=1)

    def probabilities(self, rows) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(rows)))

    def contributions(self, row: list[float]) -> list[tuple[str, float]]:
        """Each feature's share of one row's log-odds (Saabas), largest magnitude first."""
        totals = [0.0] * len(self.names)
        row = np.asarray(row, dtype=np.float32).astype(np.float64).tolist()
        for t in range(self.feature.shape[0]):
            node = 0
            while self.feature[t, node] >= 0:
                f = int(self.feature[t, node])
                child = int(self.left[t, node] if row[f] <= self.threshold[t, node] else self.right[t, node])
                totals[f] += self.learning_rate * (self.value[t, child] - self.value[t, node])
                node = child
        return sorted(((self.names[i], v) for i, v in enumerate(totals) if v), key=lambda p: -abs(p[1]))

    def _flatten(self) -> tuple:
        trees, size = self.feature.shape
        base = (np.arange(trees, dtype=np.int64) * size)[:, None]
        ids = base + np.arange(size)[None, :]
        leaf = self.feature < 0
        children = np.empty(2 * trees * size, dtype=np.int64)
        children[0::2] = np.where(leaf, ids, base + self.right).ravel()
        children[1::2] = np.where(leaf, ids, base + self.left).ravel()
        flat = (np.where(leaf, 0, self.feature).ravel().astype(np.int64),
                np.where(leaf, np.inf, self.threshold).ravel(),
                children, self.value.ravel(), base.ravel())
        object.__setattr__(self, "_flat", flat)  # derived once; the arrays never change
        return flat


@dataclass(frozen=True)
class Model:
    """The page gate and the block scorer, with what the training script recorded."""

    page: Trees
    blocks: Trees
    meta: dict
    runs: Trees | None = None  # None: sentences of runs are scored by `blocks`
    context: Trees | None = None  # None: no second pass on noisy pages
    context_max_page_score: float = 0.0  # the context scorer judges pages the gate scores under this
    # The second context scorer, fitted on every page the gate calls noisy with the page score
    # among its features, judges the pages the gate is unsure of: a score from
    # context_max_page_score up to this (the gate's threshold).
    context_unsure: Trees | None = None
    context_unsure_max_page_score: float = 0.0

    def context_for(self, page_score: float) -> Trees | None:
        """The context scorer that judges a page of this gate score (None: no second pass)."""
        if self.context is not None and page_score < self.context_max_page_score:
            return self.context
        if self.context_unsure is not None and page_score < self.context_unsure_max_page_score:
            return self.context_unsure
        return None

    def content_probabilities(self, rows, in_run: list[bool]) -> np.ndarray:
        """Each block's probability of content: by `runs` for the sentences of runs, else by `blocks`.

        A run's scores are moved onto the block scorer's scale (log-odds shifted so that the
        runs model's own threshold lands on the block scorer's), so one keep threshold, and
        the lower one of clean pages, applies to every block.
        """
        if self.runs is None or not any(in_run):
            return self.blocks.probabilities(rows)
        x = np.asarray(rows, dtype=np.float32)  # once: each ensemble takes its rows from it
        p = np.empty(len(x))
        flags = np.asarray(in_run, dtype=bool)
        run_at, other_at = np.flatnonzero(flags), np.flatnonzero(~flags)
        shift = _logit(self.blocks.threshold_keep) - _logit(self.runs.threshold_keep)
        p[run_at] = 1.0 / (1.0 + np.exp(-(self.runs.log_odds(x[run_at]) + shift)))
        if len(other_at):  # each ensemble walks only its own rows
            p[other_at] = self.blocks.probabilities(x[other_at])
        return p

    def trees_for(self, in_run: bool) -> Trees:
        """The ensemble that scores a block (for the reasons of a verdict)."""
        return self.runs if in_run and self.runs is not None else self.blocks


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def trees_from_dict(data: dict, names: tuple[str, ...]) -> Trees:
    """An ensemble from its JSON form; refused when it was fitted on features this code lacks.

    An ensemble fitted on some of the features (in any order) reads rows of all of them:
    its feature numbers are mapped onto the code's columns, so one scorer can gain a
    feature without a refit of the others.
    """
    missing = [name for name in data["features"] if name not in names]
    if missing:
        raise ModelMismatch(f"model.json was trained on features this code does not compute ({', '.join(missing)}); "
                            "run python -m pipeline.clean.train")
    column = [names.index(name) for name in data["features"]]
    trees = [dict(t, feature=[column[f] if f >= 0 else f for f in t["feature"]]) for t in data["trees"]]
    size = max(len(t["feature"]) for t in trees)

    def pad(key: str, fill, dtype) -> np.ndarray:
        return np.array([t[key] + [fill] * (size - len(t[key])) for t in trees], dtype=dtype)

    return Trees(names=names, feature=pad("feature", -1, np.int32), threshold=pad("threshold", 0.0, np.float64),
                 left=pad("left", -1, np.int32), right=pad("right", -1, np.int32),
                 value=pad("value", 0.0, np.float64), depth=int(data["max_depth"]),
                 learning_rate=float(data["learning_rate"]), prior=float(data["prior"]),
                 threshold_keep=float(data["threshold"]))


def from_dict(data: dict) -> Model:
    """A Model from the JSON form written by train.py."""
    return Model(page=trees_from_dict(data["page"], PAGE_FEATURES),
                 blocks=trees_from_dict(data["blocks"], FEATURES), meta=data.get("meta", {}),
                 runs=trees_from_dict(data["runs"], FEATURES) if "runs" in data else None,
                 context=trees_from_dict(data["context"], CONTEXT_NAMES) if data.get("context") else None,
                 context_max_page_score=float(data["context"]["max_page_score"]) if data.get("context") else 0.0,
                 context_unsure=(trees_from_dict(data["context"]["unsure"], CONTEXT_NAMES)
                                 if data.get("context") and "unsure" in data["context"] else None),
                 context_unsure_max_page_score=(float(data["context"]["unsure"]["max_page_score"])
                                                if data.get("context") and "unsure" in data["context"] else 0.0))


@lru_cache(maxsize=1)
def load(path: str = str(MODEL_PATH)) -> Model:
    """The shipped model (read once per process)."""
    return from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
