"""Engines: where the batch job's stage functions run.

An :class:`Engine` maps one function over a list of work items (input
partitions, time blocks) and hands back each result as it finishes. The batch
job (:mod:`storyline.batch`) runs the very same stage functions on every engine,
so an engine decides only *where* they run:

* ``local`` (:mod:`storyline.engines.local`, the default) — in this process,
  one item after another;
* ``dask`` (:mod:`storyline.engines.dask`, the ``storyline[dask]`` extra) — on a
  Dask cluster: a local one started for the job, or any running scheduler
  (Kubernetes, HPC, SSH, managed) given by its address.

Engines are registered in :mod:`storyline.registry` (entry-point group
``storyline.engines``), the same way a third-party engine would be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

from ..settings import Settings

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    """Runs a function over work items somewhere; ``threads`` is how many CPU threads one call may use."""

    name: str
    threads: int

    def map_partitions(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """``(index, fn(items[index]))`` for every item, in the order they finish.

        A call that raises stops the map with that error; stage functions collect
        bad records as problems themselves, so only a broken job raises.
        """
        ...

    def close(self) -> None: ...


class HasDashboard(Protocol):
    """An engine that serves a web page showing the work as it runs."""

    @property
    def dashboard_link(self) -> str | None: ...


def open_engine(name: str, settings: Settings, address: str | None = None) -> Engine:
    """The engine registered as ``name``; ``address`` is a scheduler address for engines that take one."""
    from ..registry import engine_factory

    return engine_factory(name)(settings, address)


__all__ = ["Engine", "HasDashboard", "open_engine"]
