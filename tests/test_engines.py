"""The Engine contract: the local engine, the registry, and the Dask adapter's missing-extra error."""

from __future__ import annotations

import sys

import pytest

from storyline.engines import open_engine
from storyline.engines.local import LocalEngine
from storyline.errors import ConfigError, MissingExtraError
from storyline.registry import engines
from storyline.settings import Settings


def _square(x: int) -> int:
    return x * x


def test_local_engine_runs_every_item_in_this_process() -> None:
    engine = open_engine("local", Settings(threads=3))
    assert isinstance(engine, LocalEngine) and engine.threads == 3
    assert list(engine.map_partitions(_square, [1, 2, 3])) == [(0, 1), (1, 4), (2, 9)]
    assert list(engine.map_partitions(_square, [])) == []
    engine.close()


def test_engines_are_registered_centrally_and_unknown_names_say_what_exists() -> None:
    assert {"local", "dask"} <= set(engines())
    with pytest.raises(ConfigError, match="unknown engine 'spark'; choose one of: dask, local"):
        open_engine("spark", Settings())
    with pytest.raises(ConfigError, match="takes no scheduler address"):
        open_engine("local", Settings(), "tcp://example:8786")


def test_dask_engine_without_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'storyline\[dask\]'"):
        open_engine("dask", Settings())
