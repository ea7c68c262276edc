"""Watching feeds: poll feeds and sitemaps for days, ingest and cluster each new article once.

A round polls every feed in turn with a conditional GET (the ETag and Last-Modified
of its last good fetch are kept in the store), takes the entries whose URLs the store
has not seen, fetches their pages (full-text entries need no fetch), and ingests them
through :func:`storyline.pipeline.ingest_documents`, which stores and clusters them.
Each feed's articles are committed before the next feed is polled, so a failure or a
stop loses nothing already taken.

What fails is logged in one line and the round goes on: a feed that cannot be read is
tried again next round; an entry whose page failed for a passing reason (timeout, 429,
5xx) is not marked seen, and its feed's validators are left as they were, so the next
round fetches it again; an entry that cannot be an article (404, no article text) is
marked seen and recorded as a problem (``storyline problems``).

The first Ctrl-C (or SIGTERM) lets the entry at hand finish, commits, and stops; a
second stops at once (a transaction in progress is rolled back).
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType, TracebackType

from .crawl import MAX_SITEMAP_DEPTH, page_document
from .errors import ConfigError, FetchError, InputError
from .feeds import LinkToFetch, entry_items, parse_feed
from .fetch import Fetcher, is_url
from .readers.decode import unpack
from .records import Document, Problem
from .settings import Settings
from .store import Store

Log = Callable[[str], None]
_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?", re.IGNORECASE)
_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def log_stderr(message: str) -> None:
    """One timestamped line on stderr (stdout stays clean)."""
    print(f"{datetime.now().strftime('%Y-%m-%d %H:%M:%S')} {message}", file=sys.stderr, flush=True)


def parse_interval(text: str) -> float:
    """``"30s"``, ``"10m"``, ``"1h"``, ``"1d"`` (or seconds as a bare number) → seconds."""
    match = _INTERVAL.fullmatch(text.strip())
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()] if match else 0.0
    if seconds <= 0:
        raise ConfigError(f"--every {text!r} is not a time between rounds; write it like 30s, 10m or 1h")
    return seconds


def read_feed_list(path: str | Path) -> list[str]:
    """The feed URLs in a FEEDS.txt: one per line; ``#`` comments and blank lines are ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read ({exc}); give a text file with one feed URL per line") from None
    feeds: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        url = line.split()[0]  # what follows the URL on its line is a comment
        if not is_url(url):
            raise InputError(f"{path}:{number}: {url!r} is not an http(s) URL; give one feed or sitemap URL per line")
        if url not in feeds:
            feeds.append(url)
    if not feeds:
        raise InputError(f"{path} lists no feed URLs; put one feed or sitemap URL per line")
    return feeds


@dataclass(slots=True)
class RoundReport:
    """What one round (or, summed, a whole watch) did."""

    feeds: int = 0
    not_modified: int = 0
    failed: int = 0
    new_entries: int = 0
    added: int = 0
    unchanged: int = 0
    skipped: int = 0
    new_stories: int = 0
    joined: int = 0

    def add(self, other: RoundReport) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self) -> str:
        return (
            f"{self.feeds} feeds ({self.not_modified} not modified, {self.failed} failed), "
            f"{self.new_entries} new entries: {self.added} added, {self.unchanged} already stored, "
            f"{self.skipped} skipped; {self.new_stories} new stories, {self.joined} joined a story"
        )


@dataclass(slots=True)
class WatchSummary:
    """A whole watch: its rounds, their totals, and whether it was stopped by a signal."""

    rounds: int = 0
    totals: RoundReport = field(default_factory=RoundReport)
    stopped: bool = False


class Watcher:
    """Polls feeds into one store; :meth:`run_round` is one round (see the module doc)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        fetcher: Fetcher | None = None,
        log: Log = log_stderr,
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store = store
        # enrich in this process: a round's new articles are few, and a Ctrl-C then reaches
        # only this process, which finishes the article at hand instead of losing a batch
        self.settings = settings.replace(workers=1)
        self.fetcher = fetcher or Fetcher(settings)
        self.log = log
        self.stop = stop

    def run_round(self, feeds: Sequence[str]) -> RoundReport:
        report = RoundReport()
        for url in feeds:
            if self.stop():
                break
            self.poll(url, report)
        return report

    def poll(self, url: str, report: RoundReport, depth: int = 0) -> None:
        """Poll one feed or sitemap (a sitemap index: each listed sitemap too) and ingest what is new."""
        report.feeds += 1
        etag, last_modified = self.store.feed_validators(url)
        try:
            fetched = self.fetcher.get(url, etag=etag, last_modified=last_modified)
            if fetched.not_modified:
                report.not_modified += 1
                self.store.record_feed_check(url, etag, last_modified)
                return
            feed = parse_feed(unpack(fetched.content, self.settings.max_bytes, label=url), base_url=fetched.url)
        except InputError as exc:
            self.log(f"feed {url} failed: {exc}")
            self.store.record_feed_check(url, error=str(exc))
            report.failed += 1
            return
        items = list(entry_items(feed, url))
        complete = self._take_entries(url, [i for i in items if not _is_sitemap(i)], report)
        if complete:
            self.store.record_feed_check(url, fetched.etag, fetched.last_modified)
        else:  # keep the old validators: the entries left for later come back next round
            self.store.record_feed_check(url, etag, last_modified)
        for child in (i for i in items if isinstance(i, LinkToFetch) and _is_sitemap(i)):
            if self.stop():
                return
            if depth >= MAX_SITEMAP_DEPTH:
                self.log(f"feed {child.url} skipped: sitemaps nest more than {MAX_SITEMAP_DEPTH} deep")
                continue
            self.poll(child.url, report, depth + 1)

    def _take_entries(self, feed_url: str, items: list[Document | Problem], report: RoundReport) -> bool:
        """Fetch and ingest the entries not seen before; False when some were left for a later round."""
        seen = self.store.seen_entries([u for u in map(_entry_url, items) if u])
        taken: list[Document | Problem] = []
        done: list[str] = []
        complete = True
        for item in items:
            url = _entry_url(item)
            if url and url in seen:
                continue
            if self.stop():
                complete = False
                break
            seen.add(url or "")
            report.new_entries += 1
            if isinstance(item, LinkToFetch):
                try:
                    taken.append(page_document(item, self.fetcher))
                except FetchError as exc:
                    taken.append(Problem(item.url, str(exc)))
                    if exc.transient:
                        complete = False
                        continue
                except InputError as exc:
                    taken.append(Problem(item.url, str(exc)))
            else:
                taken.append(item)
            if url:
                done.append(url)
        if taken:
            self._ingest(taken, report)
        self.store.mark_entries_seen(feed_url, done)
        return complete

    def _ingest(self, docs: list[Document | Problem], report: RoundReport) -> None:
        from .pipeline import ingest_documents

        result = ingest_documents(docs, self.store, self.settings)
        report.added += len(result.added)
        report.unchanged += len(result.unchanged)
        report.skipped += len(result.problems)
        report.new_stories += sum(1 for d in result.decisions if d.new_story)
        report.joined += sum(1 for d in result.decisions if not d.new_story)
        for problem in result.problems:
            self.log(f"skipped {problem.source}: {problem.reason}")


def _entry_url(item: Document | Problem) -> str | None:
    return item.url if isinstance(item, (Document, LinkToFetch)) else None


def _is_sitemap(item: Document | Problem) -> bool:
    return isinstance(item, LinkToFetch) and item.kind == "sitemap"


class StopOnSignal:
    """Turns the first Ctrl-C (or SIGTERM) into a stop request; a second one interrupts at once.

    Outside the main thread (where signal handlers cannot be set) it does nothing.
    """

    def __init__(self, log: Log = log_stderr) -> None:
        self.requested = False
        self._log = log
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self._log("stopping after the entry at hand (press Ctrl-C again to stop at once)")

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]  # what signal.signal returned before


def watch(
    feeds: Sequence[str],
    store: Store,
    settings: Settings | None = None,
    every: float = 600.0,
    once: bool = False,
    log: Log = log_stderr,
    fetcher: Fetcher | None = None,
) -> WatchSummary:
    """Poll ``feeds`` every ``every`` seconds (one round with ``once``) until stopped; return the totals."""
    settings = settings or Settings()
    summary = WatchSummary()
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    with StopOnSignal(log) as stop:
        watcher = Watcher(store, settings, fetcher, log, stop=lambda: stop.requested)
        try:
            while True:
                started = time.monotonic()
                report = watcher.run_round(feeds)
                summary.rounds += 1
                summary.totals.add(report)
                log(f"round {summary.rounds}: {report.line()}")
                if once or stop.requested:
                    break
                while not stop.requested and time.monotonic() < started + every:
                    time.sleep(min(0.5, max(0.0, started + every - time.monotonic())))
                if stop.requested:
                    break
        except KeyboardInterrupt:
            stop.requested = True
        finally:
            if own:
                fetcher.close()
        summary.stopped = stop.requested
    return summary


__all__ = ["RoundReport", "StopOnSignal", "WatchSummary", "Watcher", "parse_interval", "read_feed_list", "watch"]
