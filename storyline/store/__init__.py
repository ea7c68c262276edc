"""Storage: the :class:`Store` protocol and how to open one.

SQLite (:mod:`storyline.store.sqlite`) is the default and needs no server; any
other backend implements the same protocol and must pass the same contract
tests (``tests/test_store.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..records import Article, Problem, Story


class Store(Protocol):
    """Everything Storyline keeps: articles with sentences and mentions, vectors, stories, problems."""

    def add_articles(self, articles: Sequence[Article]) -> list[bool]:
        """Store articles; returns, per article, whether it was new (an id already stored is left as is)."""
        ...

    def has_articles(self, ids: Sequence[str]) -> set[str]: ...

    def get_article(self, article_id: str) -> Article:
        """The article with this id or unique id prefix; :class:`NotFoundError` otherwise."""
        ...

    def iter_articles(self, ids: Sequence[str] | None = None) -> Iterator[Article]: ...

    def count_articles(self) -> int: ...

    def get_vectors(self, model: str, keys: Sequence[str]) -> Mapping[str, np.ndarray]: ...

    def put_vectors(self, model: str, items: Mapping[str, np.ndarray]) -> None: ...

    def replace_stories(self, stories: Sequence[Story]) -> None: ...

    def list_stories(self) -> list[Story]:
        """Stories, most recent activity first."""
        ...

    def get_story(self, story_id: str) -> Story: ...

    def add_problems(self, problems: Sequence[Problem]) -> None: ...

    def list_problems(self) -> list[Problem]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...


def open_store(path: str | Path) -> Store:
    """Open (creating or migrating as needed) the SQLite store at ``path``."""
    from .sqlite import SQLiteStore

    return SQLiteStore(path)


__all__ = ["Store", "open_store"]
