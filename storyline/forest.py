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


@dataclass(frozen=True, slots=True)
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
        n, trees = len(rows), self.feature.shape[0]
        tree_index = np.arange(trees)[None, :]
        row_index = np.arange(n)[:, None]
        node = np.zeros((n, trees), dtype=np.int32)
        for _ in range(self.depth):
            feature = self.feature[tree_index, node]
            at_leaf = feature == LEAF
            values = rows[row_index, np.where(at_leaf, 0, feature)]
            go_left = values <= self.threshold[tree_index, node]
            step = np.where(go_left, self.left[tree_index, node], self.right[tree_index, node])
            node = np.where(at_leaf, node, step)
        result: FloatArray = self.value[tree_index, node].mean(axis=1)
        return result

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
