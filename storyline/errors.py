"""Storyline's one exception tree.

Every message says what was wrong and what to do about it, in one line, so the
CLI can print it as is and the REST API can send it as is.

    StorylineError
    ├── InputError          an input file, text or URL cannot be used
    │   └── FetchError      a URL could not be fetched (refused, unreachable, or the server said no)
    ├── NotFoundError       an article or story id is not in the store
    ├── StoreError          the database cannot be opened or written
    ├── ConfigError         a setting or option has an invalid value
    └── MissingExtraError   an optional feature needs a package that is not installed
"""

from __future__ import annotations


class StorylineError(Exception):
    """Base class of every error Storyline raises on purpose."""


class InputError(StorylineError):
    """An input (file, line, text) cannot be read as a news article."""


class FetchError(InputError):
    """A URL could not be fetched: refused before connecting, unreachable, or answered with an error.

    ``transient`` is true when trying again later may work (timeouts, 429, 5xx), so a
    long-running watcher knows whether to retry the URL next round or give up on it.
    """

    def __init__(self, message: str, url: str = "", status: int | None = None, transient: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.transient = transient


class NotFoundError(StorylineError, LookupError):
    """An id was asked for that the store does not hold."""


class StoreError(StorylineError):
    """The store cannot be opened, migrated or written."""


class ConfigError(StorylineError, ValueError):
    """A setting has a value Storyline cannot use."""


class MissingExtraError(StorylineError, ImportError):
    """An optional feature was asked for but its package is not installed."""

    def __init__(self, feature: str, package: str, extra: str) -> None:
        super().__init__(
            f"{feature} needs the package {package!r}, which is not installed; "
            f"install it with: pip install 'storyline[{extra}]'"
        )
