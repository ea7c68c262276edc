"""The default engine: every stage function runs here, in this process, one item after another."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from ..errors import ConfigError
from ..settings import Settings

T = TypeVar("T")
R = TypeVar("R")


class LocalEngine:
    """In-process, in order; each call may use ``threads`` CPU threads (the ``threads`` setting)."""

    name = "local"

    def __init__(self, threads: int = 2) -> None:
        self.threads = max(1, threads)

    @classmethod
    def from_settings(cls, settings: Settings, address: str | None = None) -> LocalEngine:
        if address:
            raise ConfigError("the local engine takes no scheduler address; use --engine dask with --scheduler")
        return cls(settings.threads)

    def map_partitions(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        for index, item in enumerate(items):
            yield index, fn(item)

    def close(self) -> None:
        return None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
