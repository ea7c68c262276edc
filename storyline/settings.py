"""Every setting declared once: name, default, help.

The CLI's ``storyline settings`` listing, the environment variables
(``STORYLINE_<NAME>``) and the docs all come from :data:`SETTINGS`. A setting
given on the command line beats the environment, which beats the default.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "STORYLINE_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "encoder",
        "use-multilingual-v3",
        "Sentence encoder: use-multilingual-v3 (fast, 16 languages) or multilingual-e5-small (~100 languages, slower).",
    ),
    Setting("threads", 2, "CPU threads the encoder may use (in-process work)."),
    Setting("workers", 2, "Processes that enrich and embed during ingest (1 = all in this process)."),
    Setting("max_bytes", 20_000_000, "Largest input file, in bytes; bigger files are skipped with a reason."),
    Setting("min_words", 12, "Fewest words an article text may have (CJK: characters / 2); shorter texts are skipped."),
    Setting(
        "story_threshold",
        0.0,
        "Same-story probability (0–1) an article needs to join a story; "
        "0 uses the threshold tuned on development data.",
    ),
    Setting(
        "story_window_days",
        21.0,
        "A story goes cold: an article more than this many days after its last "
        "article (or before its first) starts a new one.",
    ),
    Setting("evidence_pairs", 8, "How many aligned sentence pairs `compare` shows."),
    Setting("scorer", "learned", "Pair scorer: learned (trained on SemEval-2022 Task 8) or heuristic (zero-shot)."),
    Setting("user_agent", "Storyline/0.1", "User-Agent sent when fetching URLs; robots.txt rules for it apply."),
    Setting("fetch_timeout", 20.0, "Seconds to wait for a server to connect or send data (a whole response: 5x)."),
    Setting("fetch_retries", 3, "Retries of a URL after 429, 5xx, a timeout or a failed connection (backoff doubles)."),
    Setting("max_redirects", 5, "Most redirects followed for one URL; more is reported as a redirect loop."),
    Setting("respect_robots", True, "Obey each site's robots.txt (and its Crawl-delay) when fetching."),
    Setting(
        "allow_private",
        False,
        "Fetch from private, loopback and link-local addresses too (refused by default: a feed must not "
        "reach into your network).",
    ),
    Setting(
        "allow_hosts",
        "",
        "Comma-separated host or host:port entries that may be fetched although they resolve to a private "
        "address (an intranet feed: news.corp.example, 127.0.0.1:8080).",
    ),
    Setting("host_delay", 1.0, "Fewest seconds between two requests to the same host (politeness)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings. Build with :func:`load_settings`; fields mirror :data:`SETTINGS`."""

    encoder: str = "use-multilingual-v3"
    threads: int = 2
    workers: int = 2
    max_bytes: int = 20_000_000
    min_words: int = 12
    story_threshold: float = 0.0
    story_window_days: float = 21.0
    evidence_pairs: int = 8
    scorer: str = "learned"
    user_agent: str = "Storyline/0.1"
    fetch_timeout: float = 20.0
    fetch_retries: int = 3
    max_redirects: int = 5
    respect_robots: bool = True
    allow_private: bool = False
    allow_hosts: str = ""
    host_delay: float = 1.0

    def replace(self, **changes: Any) -> Settings:
        return load_settings(changes, base=self)


def _coerce(setting: Setting, value: Any) -> Any:
    kind = type(setting.default)
    if isinstance(value, kind):
        return value
    if kind is bool and isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]  # bool("false") is True: spell the words out
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {setting.name!r} must be a {kind.__name__}, got {value!r}; "
            f"see `storyline settings` for what it takes"
        ) from None


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    base: Settings | None = None,
) -> Settings:
    """Resolve settings from the defaults, ``STORYLINE_*`` environment variables and ``overrides``.

    ``None`` values in ``overrides`` mean "not given" and are ignored.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = dataclasses.asdict(base) if base else {}
    for setting in SETTINGS:
        if base is None and setting.env in env:
            values[setting.name] = _coerce(setting, env[setting.env])
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in _BY_NAME:
            known = ", ".join(_BY_NAME)
            raise ConfigError(f"unknown setting {name!r}; known settings are: {known}")
        values[name] = _coerce(_BY_NAME[name], value)
    return Settings(**values)
