"""A trained regression forest as flat arrays, and its prediction in numpy.

Training uses scikit-learn (``storyline[train]``); what ships in the package is
only the trees' arrays in an ``.npz`` file — no pickle, no scikit-learn needed
to score. :meth:`Forest.predict` walks every tree of the forest at once, so a
single pair costs a few dozen numpy operations and a batch costs the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

LEAF = -1

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Forest:
    """Trees padded to one width: row ``t`` holds tree ``t``'s nodes; node 0 is each root."""

    feature: IntArray  # (trees, nodes); LEAF for leaves and padding
    threshold: FloatArray  # go left when x[feature] <= threshold (scikit-learn's rule)
    left: IntArray
    right: IntArray
    value: FloatArray  # the prediction at a leaf
    depth: int

    @classmethod
    def from_sklearn(cls, model: Any) -> Forest:
        """From a fitted scikit-learn forest regressor (ExtraTrees, RandomForest)."""
        trees = [estimator.tree_ for estimator in model.estimators_]
        width = max(t.node_count for t in trees)
        shape = (len(trees), width)
        feature = np.full(shape, LEAF, dtype=np.int32)
        threshold = np.zeros(shape, dtype=np.float64)
        left = np.zeros(shape, dtype=np.int32)
        right = np.zeros(shape, dtype=np.int32)
        value = np.zeros(shape, dtype=np.float64)
        for i, t in enumerate(trees):
            n = t.node_count
            is_leaf = t.children_left[:n] < 0
            feature[i, :n] = np.where(is_leaf, LEAF, t.feature[:n])
            threshold[i, :n] = t.threshold[:n]
            left[i, :n] = np.where(is_leaf, 0, t.children_left[:n])
            right[i, :n] = np.where(is_leaf, 0, t.children_right[:n])
            value[i, :n] = t.value[:n, 0, 0]
        return cls(feature, threshold, left, right, value, max(int(t.max_depth) for t in trees))

    def predict(self, x: npt.ArrayLike) -> FloatArray:
        """Mean of the trees' predictions for each row of ``x`` (no missing values: impute first)."""
        rows = np.asarray(x, dtype=np.float32).astype(np.float64)  # trees were grown on float32 inputs
        feature, threshold, children, value, roots = self._flat()
        n = len(rows)
        # every row starts at every tree's root; a leaf points to itself, so walking `depth` steps is enough
        node = np.broadcast_to(roots, (n, len(roots))).copy()
        offsets = (np.arange(n) * rows.shape[1])[:, None]
        flat_rows = rows.ravel()
        for _ in range(self.depth):
            go_right = flat_rows[offsets + feature[node]] > threshold[node]
            node = children[go_right.astype(np.intp), node]
        result: FloatArray = value[node].mean(axis=1)
        return result

    def _flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All trees as one node table with global ids; leaves loop onto themselves."""
        cached = getattr(self, "_flat_cache", None)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        trees, width = self.feature.shape
        ids = np.arange(trees * width).reshape(trees, width)
        base = (np.arange(trees) * width)[:, None]
        leaf = self.feature == LEAF
        feature = np.where(leaf, 0, self.feature).ravel()
        threshold = np.where(leaf, np.inf, self.threshold).ravel()
        left = np.where(leaf, ids, self.left + base).ravel()
        right = np.where(leaf, ids, self.right + base).ravel()
        flat = (feature, threshold, np.stack([left, right]), self.value.ravel(), ids[:, 0].copy())
        object.__setattr__(self, "_flat_cache", flat)
        return flat

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays to save (compactly typed), keyed with ``prefix``."""
        return {
            f"{prefix}feature": self.feature.astype(np.int16),
            f"{prefix}threshold": self.threshold,
            f"{prefix}left": self.left.astype(np.int16),
            f"{prefix}right": self.right.astype(np.int16),
            f"{prefix}value": self.value.astype(np.float32),
            f"{prefix}depth": np.array(self.depth),
        }

    @classmethod
    def from_arrays(cls, data: Any, prefix: str) -> Forest:
        return cls(
            feature=data[f"{prefix}feature"].astype(np.int32),
            threshold=data[f"{prefix}threshold"].astype(np.float64),
            left=data[f"{prefix}left"].astype(np.int32),
            right=data[f"{prefix}right"].astype(np.int32),
            value=data[f"{prefix}value"].astype(np.float64),
            depth=int(data[f"{prefix}depth"]),
        )
