"""What the API and UI routes share: database connections, the one writer, the models, caches.

SQLite in WAL mode lets many readers run beside one writer, so each worker
thread reads through its own connection (a thread-local :class:`SQLiteStore`),
the event loop has one of its own for the fast async routes, and every write
(ingest, merge, split, move, undo) goes through a single writer connection under
one lock, with the story clusterer (and its vector index) kept warm in memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..coverage import Coverage, coverage_for_story
from ..embed import Encoder, load_encoder
from ..pipeline import IngestReport, ingest_documents
from ..records import Article, Document, Problem
from ..settings import Settings
from ..store.sqlite import SQLiteStore
from ..stories import Clusterer

_COVERAGE_CACHE = 64


class ReadOnlyCache:
    """An embedding cache that reads the store's vectors but never writes (pasted texts stay out of the store)."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def get_vectors(self, model: str, keys: Sequence[str]) -> Mapping[str, np.ndarray]:
        return self._store.get_vectors(model, keys)

    def put_vectors(self, model: str, items: Mapping[str, np.ndarray]) -> None:
        return None


class Backend:
    """Connections and warm state for one database file, safe to use from many threads."""

    def __init__(self, path: str | Path, settings: Settings) -> None:
        self.path = Path(path)
        self.settings = settings
        SQLiteStore(self.path).close()  # create or migrate now, before any request
        self._local = threading.local()
        self._stores: list[SQLiteStore] = []
        self._stores_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._writer: SQLiteStore | None = None
        self._clusterer: Clusterer | None = None
        self._coverage: OrderedDict[tuple[str, ...], Coverage] = OrderedDict()
        self._coverage_lock = threading.Lock()
        self._computing: dict[tuple[str, ...], threading.Lock] = {}

    # -- connections ---------------------------------------------------------------------
    def reader(self) -> SQLiteStore:
        """This thread's own read connection (opened on first use)."""
        store: SQLiteStore | None = getattr(self._local, "store", None)
        if store is None:
            store = SQLiteStore(self.path)
            self._local.store = store
            with self._stores_lock:
                self._stores.append(store)
        return store

    @contextmanager
    def writer(self) -> Iterator[SQLiteStore]:
        """The one writer connection, held under the write lock: writes happen one at a time."""
        with self._write_lock:
            if self._writer is None:
                self._writer = SQLiteStore(self.path)
            yield self._writer

    def clusterer(self) -> Clusterer:
        """The story clusterer over the writer connection (its vector index stays loaded)."""
        with self.writer() as store:
            if self._clusterer is None:
                self._clusterer = Clusterer(store, self.settings)
            return self._clusterer

    def encoder(self) -> Encoder:
        return load_encoder(self.settings.encoder, self.settings.threads)

    def warm_up(self) -> None:
        """Load the encoder and the scorer before the first request needs them."""
        from ..score import get_scorer

        self.encoder()
        get_scorer(self.settings.scorer)

    def close(self) -> None:
        with self._stores_lock:
            for store in self._stores:
                store.close()
            self._stores.clear()
        with self._write_lock:
            if self._clusterer is not None:
                self._clusterer.index.save()
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    # -- writes ------------------------------------------------------------------------------
    def ingest_documents(self, docs: Iterable[Document | Problem]) -> IngestReport:
        """Enrich, embed and store documents in this process, and put each new article into a story.

        :func:`storyline.pipeline.ingest_documents` with the server's own clusterer (its index stays
        loaded); a request holds a few articles, so no worker processes.
        """
        with self.writer() as store:
            return ingest_documents(docs, store, self.settings.replace(workers=1), clusterer=self.clusterer())

    # -- expensive reads, cached -------------------------------------------------------------
    def coverage(self, story_id: str) -> Coverage:
        """A story's coverage, computed once per set of members (articles never change under an id)."""
        store = self.reader()
        story = store.get_story(story_id)
        key = (story.id, *(m.article_id for m in story.members))
        with self._coverage_lock:
            if key in self._coverage:
                self._coverage.move_to_end(key)
                return self._coverage[key]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:  # one computation per story at a time; the others wait for it
            with self._coverage_lock:
                if key in self._coverage:
                    return self._coverage[key]
            result = coverage_for_story(_CoverageStore(store), story.id, self.settings)
            with self._coverage_lock:
                self._coverage[key] = result
                self._computing.pop(key, None)
                while len(self._coverage) > _COVERAGE_CACHE:
                    self._coverage.popitem(last=False)
        return result


class _CoverageStore:
    """The store as coverage needs it: stories and articles to read, vectors read but never written."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        self._cache = ReadOnlyCache(store)

    def get_story(self, story_id: str) -> Any:
        return self._store.get_story(story_id)

    def iter_articles(self, ids: Sequence[str] | None = None) -> Iterator[Article]:
        return self._store.iter_articles(ids)

    def get_vectors(self, model: str, keys: Sequence[str]) -> Mapping[str, np.ndarray]:
        return self._cache.get_vectors(model, keys)

    def put_vectors(self, model: str, items: Mapping[str, np.ndarray]) -> None:
        return None
