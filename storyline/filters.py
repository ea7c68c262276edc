"""What an ingest keeps: articles in some languages, published within a date range.

A filter applies to every input format. The date is the article's publish date (for
a WARC page without one of its own, the crawl date); the language is the one
Storyline detects, not what the page claims, so the language test runs in the
worker processes right after detection, before the costly stages. Articles a
filter leaves out are counted by reason ("language", "date"), not reported as
problems: nothing is wrong with them. Articles already stored are not filtered:
an ingest never drops what the store holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .errors import ConfigError

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class IngestFilter:
    """Keep articles whose detected language is in ``languages`` (all when empty) and whose date is in
    ``[since, until)`` (open when ``None``). An article without any date is left out when a date bound is set."""

    languages: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, lang: str | None = None, since: str | None = None, until: str | None = None) -> IngestFilter:
        """Build a filter from command-line values: ``de,fr``; ``2026-05-01`` or an ISO date-time.

        A plain day as ``until`` includes that whole day.
        """
        languages = frozenset(part.strip().lower() for part in (lang or "").split(",") if part.strip())
        for code in sorted(languages):
            if not _LANGUAGE.match(code):
                raise ConfigError(
                    f"{code!r} is not a language code; give ISO 639-1 codes separated by commas, e.g. --lang de,fr"
                )
        start = _moment(since, "--since", end_of_day=False)
        end = _moment(until, "--until", end_of_day=True)
        if start and end and start >= end:
            raise ConfigError(f"--since ({since}) is not before --until ({until}); swap them or widen the range")
        return cls(languages, start, end)

    @property
    def active(self) -> bool:
        return bool(self.languages) or self.since is not None or self.until is not None

    def keeps_date(self, published: datetime | None) -> bool:
        if self.since is None and self.until is None:
            return True
        if published is None:
            return False
        moment = published.replace(tzinfo=UTC) if published.tzinfo is None else published
        return (self.since is None or moment >= self.since) and (self.until is None or moment < self.until)

    def keeps_language(self, language: str | None) -> bool:
        return not self.languages or language in self.languages


def _moment(value: str | None, option: str, end_of_day: bool) -> datetime | None:
    from .extract import parse_datetime

    if not value:
        return None
    text = value.strip()
    parsed = parse_datetime(text) if re.match(r"^\d{4}-\d{2}", text) else None
    if parsed is None:
        raise ConfigError(f"{option} {value!r} is not a date; give it as YYYY-MM-DD or an ISO 8601 date-time")
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if end_of_day and _DAY.match(text):
        parsed += timedelta(days=1)
    return parsed


__all__ = ["IngestFilter"]
