"""The learned block scorer: gradient-boosted trees read from plain numbers in model.json.

`pipeline/clean/train.py` fits the trees with scikit-learn on labelled pages and writes
model.json (no pickle): per tree, the arrays of a binary decision tree (feature,
threshold, left, right, value). Scoring walks all trees at once with numpy, so a page
of a few hundred blocks costs well under a millisecond; `explain` walks one block's
paths in Python and attributes each step's change of value to the feature that split
(Saabas' method), which gives the reason for a verdict.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import FEATURES, PAGE_FEATURES

MODEL_PATH = Path(__file__).with_name("model.json")


class ModelMismatch(RuntimeError):
    """model.json was trained on other features than this code computes."""


@dataclass(frozen=True)
class PageGate:
    """Logistic regression on a page's summary: the probability that it is already clean text."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def probability(self, summary: list[float]) -> float:
        z = float(((np.asarray(summary) - self.mean) / self.scale) @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def contributions(self, summary: list[float]) -> list[tuple[str, float]]:
        """Each page feature's term of the log-odds, largest magnitude first."""
        terms = (np.asarray(summary) - self.mean) / self.scale * self.coef
        return sorted(zip(PAGE_FEATURES, terms.tolist()), key=lambda p: -abs(p[1]))


@dataclass(frozen=True)
class Model:
    """Trees padded to one array each: [tree, node]."""

    feature: np.ndarray  # int32, -1 at leaves
    threshold: np.ndarray  # float64
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    value: np.ndarray  # float64: the tree's output at every node (leaf or not)
    depth: int
    learning_rate: float
    prior: float  # log-odds before the first tree
    threshold_keep: float  # a block is content when its probability reaches this
    page: PageGate
    meta: dict

    def log_odds(self, rows: list[list[float]]) -> np.ndarray:
        """The model's log-odds of content for each row."""
        if not rows:
            return np.zeros(0)
        x = np.asarray(rows, dtype=np.float64)
        n, (trees, size) = len(rows), self.feature.shape
        # Nodes are numbered across all trees (tree * size + node), so one gather per level
        # walks every tree for every row; leaves point at themselves.
        feature, threshold, left, right, value = self._flat()
        node = np.broadcast_to(np.arange(trees, dtype=np.int64) * size, (n, trees)).copy()
        offsets = np.arange(n, dtype=np.int64)[:, None] * x.shape[1]
        flat_x = x.ravel()
        for _ in range(self.depth):
            go_left = flat_x[offsets + feature[node]] <= threshold[node]
            node = np.where(go_left, left[node], right[node])
        return self.prior + self.learning_rate * value[node].sum(axis=1)

    def _flat(self):
        """(feature, threshold, left, right, value) over global node numbers; leaves loop to themselves."""
        cached = self.__dict__.get("_flat_cache")
        if cached is None:
            trees, size = self.feature.shape
            base = (np.arange(trees, dtype=np.int64) * size)[:, None]
            ids = base + np.arange(size)[None, :]
            leaf = self.feature < 0
            left = np.where(leaf, ids, base + self.left).ravel()
            right = np.where(leaf, ids, base + self.right).ravel()
            feature = np.where(leaf, 0, self.feature).ravel().astype(np.int64)
            threshold = np.where(leaf, np.inf, self.threshold).ravel()
            cached = (feature, threshold, left, right, self.value.ravel())
            object.__setattr__(self, "_flat_cache", cached)
        return cached

    def probabilities(self, rows: list[list[float]]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(rows)))

    def contributions(self, row: list[float]) -> list[tuple[str, float]]:
        """Each feature's share of one row's log-odds (Saabas), largest magnitude first."""
        totals = [0.0] * len(FEATURES)
        for t in range(self.feature.shape[0]):
            node = 0
            while self.feature[t, node] >= 0:
                f = int(self.feature[t, node])
                child = int(self.left[t, node] if row[f] <= self.threshold[t, node] else self.right[t, node])
                totals[f] += self.learning_rate * (self.value[t, child] - self.value[t, node])
                node = child
        return sorted(((FEATURES[i], v) for i, v in enumerate(totals) if v), key=lambda p: -abs(p[1]))


def from_dict(data: dict) -> Model:
    """A Model from the JSON form written by train.py."""
    if tuple(data["features"]) != FEATURES or tuple(data["page"]["features"]) != PAGE_FEATURES:
        raise ModelMismatch("model.json was trained on other features; run python -m pipeline.clean.train")
    trees = data["trees"]
    size = max(len(t["feature"]) for t in trees)

    def pad(key: str, fill, dtype) -> np.ndarray:
        return np.array([t[key] + [fill] * (size - len(t[key])) for t in trees], dtype=dtype)

    return Model(feature=pad("feature", -1, np.int32), threshold=pad("threshold", 0.0, np.float64),
                 left=pad("left", -1, np.int32), right=pad("right", -1, np.int32),
                 value=pad("value", 0.0, np.float64), depth=int(data["max_depth"]),
                 learning_rate=float(data["learning_rate"]), prior=float(data["prior"]),
                 threshold_keep=float(data["threshold"]), page=_page_gate(data["page"]), meta=data.get("meta", {}))


def _page_gate(data: dict) -> PageGate:
    return PageGate(mean=np.asarray(data["mean"], dtype=np.float64), scale=np.asarray(data["scale"], dtype=np.float64),
                    coef=np.asarray(data["coef"], dtype=np.float64), intercept=float(data["intercept"]),
                    threshold=float(data["threshold"]))


@lru_cache(maxsize=1)
def load(path: str = str(MODEL_PATH)) -> Model:
    """The shipped model (read once per process)."""
    return from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
