"""Candidate search: nearest articles by meaning (ANN) and near-copies by wording (MinHash LSH).

* :class:`VectorIndex` — a small contract over an approximate-nearest-neighbour
  index of article vectors keyed by integers. :class:`UsearchIndex` (usearch,
  HNSW over 8-bit quantised vectors, cosine: ~0.7 KB a 512-d vector, so 1M
  articles fit in well under a gigabyte; saved to one file beside the database)
  is the default; :class:`ExactIndex` (numpy) is exact, for in-memory stores.
  ``bench/index.py`` measured usearch, hnswlib and faiss before the choice
  (BENCHMARKS.md): float32 indexes need ~2.1 GB at 1M, over the memory budget.
* MinHash signatures of word 3-shingles (rensa) cut into LSH bands: two
  articles share a band bucket with high probability when their wording
  overlaps by about 70% or more — wire copies and republications. The bands
  live in the store, so the copy index persists with the articles.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

PERMUTATIONS = 128
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SHINGLE = 3
_WORD = re.compile(r"\w+")


class VectorIndex(Protocol):
    """Nearest neighbours by cosine similarity over integer-keyed, L2-normalised vectors."""

    def add(self, keys: Sequence[int], vectors: np.ndarray) -> None: ...

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to ``k`` (key, cosine similarity) pairs, most similar first."""
        ...

    def contains(self, keys: Sequence[int]) -> list[bool]: ...

    def save(self) -> None: ...

    def __len__(self) -> int: ...


class ExactIndex:
    """Brute-force cosine search in numpy: exact, fine up to tens of thousands of vectors."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._keys: list[int] = []
        self._rows: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._known: set[int] = set()

    def add(self, keys: Sequence[int], vectors: np.ndarray) -> None:
        for key, vector in zip(keys, np.asarray(vectors, dtype=np.float32), strict=True):
            if key not in self._known:
                self._known.add(key)
                self._keys.append(int(key))
                self._rows.append(vector)
        self._matrix = None

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not self._keys:
            return []
        if self._matrix is None:
            self._matrix = np.stack(self._rows)
        sims = self._matrix @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-sims)[:k]
        return [(self._keys[i], float(sims[i])) for i in top]

    def contains(self, keys: Sequence[int]) -> list[bool]:
        return [int(k) in self._known for k in keys]

    def save(self) -> None:
        return None

    def __len__(self) -> int:
        return len(self._keys)


class UsearchIndex:
    """usearch HNSW index with 8-bit quantised cosine, saved to ``path`` (``None``: in memory only)."""

    def __init__(self, dim: int, path: str | Path | None = None, dtype: str = "i8") -> None:
        from usearch.index import Index

        self.dim, self.path = dim, Path(path) if path else None
        self._lock = threading.Lock()
        self._index: Any = Index(
            ndim=dim, metric="cos", dtype=dtype, connectivity=16, expansion_add=128, expansion_search=64
        )
        if self.path is not None and self.path.exists():
            self._index.load(str(self.path))
        self._dirty = False

    def add(self, keys: Sequence[int], vectors: np.ndarray) -> None:
        if not len(keys):
            return
        keys_array = np.asarray(keys, dtype=np.uint64)
        fresh = ~np.asarray(self._index.contains(keys_array), dtype=bool)
        if fresh.any():
            with self._lock:
                self._index.add(keys_array[fresh], np.asarray(vectors, dtype=np.float32)[fresh], threads=1)
            self._dirty = True

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(self._index) == 0:
            return []
        found = self._index.search(np.asarray(vector, dtype=np.float32), k, threads=1)
        return [(int(key), 1.0 - float(distance)) for key, distance in zip(found.keys, found.distances, strict=True)]

    def contains(self, keys: Sequence[int]) -> list[bool]:
        if not len(keys):
            return []
        return [bool(x) for x in np.atleast_1d(self._index.contains(np.asarray(keys, dtype=np.uint64)))]

    def save(self) -> None:
        if self.path is not None and self._dirty:
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            self._index.save(str(tmp))
            tmp.replace(self.path)
            self._dirty = False

    def __len__(self) -> int:
        return len(self._index)


# -- MinHash LSH for near-copies ---------------------------------------------------
def shingles(text: str) -> list[str]:
    """Word 3-shingles of the casefolded text (one shingle for very short texts)."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


def minhash(text: str) -> np.ndarray:
    """The 128-permutation MinHash signature of the text's word 3-shingles (rensa)."""
    import rensa

    signature = rensa.RMinHash(num_perm=PERMUTATIONS, seed=1)
    signature.update(shingles(text))
    return np.asarray(signature.digest(), dtype=np.uint32)


def lsh_bands(signature: np.ndarray) -> list[int]:
    """One bucket id per band (16 bands × 8 rows: pairs above ~0.7 Jaccard collide in some band)."""
    out = []
    for band in range(BANDS):
        chunk = signature[band * ROWS : (band + 1) * ROWS].tobytes()
        out.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=7).digest(), "little"))
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal MinHash values: an unbiased estimate of the shingle Jaccard similarity."""
    return float(np.mean(a == b))
