"""The one place where Storyline's components are registered.

The defaults are registered exactly the way a third party registers its own:
a package may add readers, encoders or pair scorers through the entry-point
groups ``storyline.readers``, ``storyline.encoders``, ``storyline.scorers`` and ``storyline.engines``
(the entry point's name is the format, model or scorer name; its object is the
reader instance, the encoder factory ``(threads: int) -> Encoder`` or the scorer
factory ``() -> Scorer``). Nothing registers itself by being imported.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .embed import Encoder
    from .engines import Engine
    from .readers import Reader
    from .score import Scorer
    from .settings import Settings

EncoderFactory = Callable[[int], "Encoder"]
ScorerFactory = Callable[[], "Scorer"]
EngineFactory = Callable[["Settings", "str | None"], "Engine"]


def _default_readers() -> dict[str, Reader]:
    from .feeds import FeedReader
    from .readers.html import HtmlReader
    from .readers.jsonl import JsonArrayReader, JsonlReader
    from .readers.text import TextReader
    from .readers.warc import WarcReader

    return {
        "html": HtmlReader(),
        "jsonl": JsonlReader(),
        "json": JsonArrayReader(),
        "text": TextReader(),
        "feed": FeedReader(),
        "warc": WarcReader(),
    }


def _default_encoders() -> dict[str, EncoderFactory]:
    from .embed import E5Encoder, UseEncoder

    return {UseEncoder.name: UseEncoder, E5Encoder.name: E5Encoder}


def _default_scorers() -> dict[str, ScorerFactory]:
    from .score import HeuristicScorer, _learned

    return {"learned": _learned, "heuristic": HeuristicScorer}


@cache
def readers() -> dict[str, Reader]:
    """Every reader by the format it reads: the defaults, then plugins (which may replace them)."""
    found = _default_readers()
    for entry in entry_points(group="storyline.readers"):
        found[entry.name] = entry.load()
    return found


@cache
def encoders() -> dict[str, EncoderFactory]:
    """Every encoder factory by model name: the defaults, then plugins."""
    found = _default_encoders()
    for entry in entry_points(group="storyline.encoders"):
        found[entry.name] = entry.load()
    return found


def encoder_factory(name: str) -> EncoderFactory:
    try:
        return encoders()[name]
    except KeyError:
        known = ", ".join(sorted(encoders()))
        raise ConfigError(f"unknown encoder {name!r}; choose one of: {known}") from None


@cache
def scorers() -> dict[str, ScorerFactory]:
    """Every pair scorer factory by name: the defaults, then plugins (group ``storyline.scorers``)."""
    found = _default_scorers()
    for entry in entry_points(group="storyline.scorers"):
        found[entry.name] = entry.load()
    return found


def scorer_factory(name: str) -> ScorerFactory:
    try:
        return scorers()[name]
    except KeyError:
        known = ", ".join(sorted(scorers()))
        raise ConfigError(f"unknown scorer {name!r}; choose one of: {known}") from None


def _default_engines() -> dict[str, EngineFactory]:
    from .engines.dask import DaskEngine
    from .engines.local import LocalEngine

    return {LocalEngine.name: LocalEngine.from_settings, DaskEngine.name: DaskEngine.from_settings}


@cache
def engines() -> dict[str, EngineFactory]:
    """Every engine factory ``(settings, scheduler address) -> Engine`` by name: the defaults, then plugins
    (group ``storyline.engines``). The dask engine imports Dask only when it is opened."""
    found = _default_engines()
    for entry in entry_points(group="storyline.engines"):
        found[entry.name] = entry.load()
    return found


def engine_factory(name: str) -> EngineFactory:
    try:
        return engines()[name]
    except KeyError:
        known = ", ".join(sorted(engines()))
        raise ConfigError(f"unknown engine {name!r}; choose one of: {known}") from None
