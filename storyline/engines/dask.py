"""The Dask engine (``pip install 'storyline[dask]'``): stage functions run as tasks on a Dask cluster.

Without a scheduler address, a ``LocalCluster`` is started for the job with
``workers`` processes of one thread each (the ``workers`` setting); with one
(``tcp://host:8786``), the job runs on that cluster, wherever it is deployed —
dask-kubernetes, dask-jobqueue on an HPC scheduler, ``dask ssh``, a managed
service. Each worker process loads the models once and keeps them for every
task it runs. A worker that dies mid-task (killed, out of memory) is replaced
by its nanny and the scheduler runs the task again elsewhere; a task lost
``allowed-failures`` times (Dask's setting, 3 by default) stops the job.

Dask is imported only when this engine is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..errors import MissingExtraError
from ..settings import Settings

T = TypeVar("T")
R = TypeVar("R")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingExtraError("the dask engine", "dask[distributed]", "dask") from None
    return distributed


class DaskEngine:
    """Runs stage functions on a Dask cluster: ``address`` to join one, else a local cluster of ``workers``."""

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        workers: int = 2,
        threads: int = 1,
        memory_limit: str | float | None = "auto",
    ) -> None:
        distributed = _distributed()
        self.threads = max(1, threads)
        self._cluster: Any = None
        if address:
            self._client: Any = distributed.Client(address)
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                memory_limit=memory_limit,
                dashboard_address=":0",
            )
            self._client = distributed.Client(self._cluster)

    @classmethod
    def from_settings(cls, settings: Settings, address: str | None = None) -> DaskEngine:
        return cls(address=address, workers=settings.workers)

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (for what the contract does not cover, e.g. ``client.restart()``)."""
        return self._client

    @property
    def dashboard_link(self) -> str | None:
        link = self._client.dashboard_link
        return str(link) if link else None

    def map_partitions(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        distributed = _distributed()
        if not items:
            return
        import uuid

        prefix = f"{getattr(fn, '__name__', 'task')}-{uuid.uuid4().hex[:8]}"
        futures = self._client.map(fn, list(items), pure=False, key=[f"{prefix}-{i}" for i in range(len(items))])
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in distributed.as_completed(futures):
                result = future.result()
                i = index[future.key]
                futures[i] = None  # let the cluster forget what was handed back
                yield i, result
        finally:
            self._client.cancel([f for f in futures if f is not None])

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
