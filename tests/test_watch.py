"""`storyline watch`: polling feeds into a real SQLite store from a real loopback server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import main
from storyline.errors import ConfigError, InputError
from storyline.fetch import Fetcher
from storyline.store import open_store
from storyline.store.sqlite import SCHEMA_VERSION
from storyline.watch import Watcher, parse_interval, read_feed_list

from .conftest import ROOT
from .feedsite import FLOOD_A, add_pages, rss, sitemap, xml
from .webserver import Reply, Site, serve


@pytest.fixture()
def site() -> Iterator[Site]:
    yield from serve()


def _env(site: Site) -> dict[str, str]:
    return {"STORYLINE_ALLOW_HOSTS": site.host, "STORYLINE_HOST_DELAY": "0", "STORYLINE_FETCH_RETRIES": "0"}


def test_intervals_and_feed_lists(tmp_path: Path) -> None:
    assert [parse_interval(t) for t in ("30s", "10m", "1h", "45", "1.5h")] == [30, 600, 3600, 45, 5400]
    with pytest.raises(ConfigError, match="write it like 30s, 10m or 1h"):
        parse_interval("soon")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("# my feeds\n\nhttps://a.example/rss  # the A feed\nhttps://b.example/sitemap.xml\n")
    assert read_feed_list(feeds) == ["https://a.example/rss", "https://b.example/sitemap.xml"]
    feeds.write_text("https://a.example/rss\nnot a url\n")
    with pytest.raises(InputError, match=r"feeds.txt:2: 'not' is not an http\(s\) URL"):
        read_feed_list(feeds)


def test_a_passing_failure_is_retried_next_round_a_lasting_one_is_not(site: Site, tmp_path: Path) -> None:
    site.add("/flaky.html", Reply(503))
    feed = site.add("/feed.xml", xml(rss([{"title": "Flaky", "link": site.url("/flaky.html")},
                                          {"title": "Gone", "link": site.url("/gone.html")}]),
                                     ETag='"e1"'))
    logged: list[str] = []
    settings = site.settings(fetch_retries=0)
    with open_store(tmp_path / "w.db") as store, Fetcher(settings) as fetcher:
        watcher = Watcher(store, settings, fetcher, log=logged.append)
        first = watcher.run_round([feed])
        assert first.new_entries == 2 and first.skipped == 2 and first.added == 0
        assert store.feed_validators(feed) == (None, None)  # kept old: the flaky entry must come back
        second = watcher.run_round([feed])
        assert second.new_entries == 1 and site.hits["/flaky.html"] == 2 and site.hits["/gone.html"] == 1
        assert {p.source for p in store.list_problems()} == {site.url("/flaky.html"), site.url("/gone.html")}
    assert any("503 Service Unavailable" in line for line in logged)
    assert any("404 Not Found" in line for line in logged)


def test_migration_keeps_existing_data(tmp_path: Path) -> None:
    import sqlite3

    from storyline.records import Problem

    path = tmp_path / "old.db"
    with open_store(path) as store:
        store.add_problems([Problem("a.html", "too short")])
    db = sqlite3.connect(path)  # make it look like a store from before feeds were watched
    db.executescript("DROP TABLE feeds; DROP TABLE feed_entries; PRAGMA user_version = 2;")
    db.close()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION  # type: ignore[attr-defined]
        assert store.list_problems() == [Problem("a.html", "too short")]
        store.mark_entries_seen("http://f.example/rss", ["http://f.example/1"])
        assert store.seen_entries(["http://f.example/1", "http://f.example/2"]) == {"http://f.example/1"}


def test_ctrl_c_stops_cleanly_with_a_summary(site: Site, tmp_path: Path) -> None:
    feed = site.add("/feed.xml", xml(rss([{"title": "Gone", "link": site.url("/gone.html")}])))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feed + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyline", "watch", str(feeds), "--every", "1h", "--db", str(tmp_path / "w.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **_env(site)},
    )
    deadline = time.monotonic() + 60
    while site.hits["/gone.html"] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # let the round finish and the watcher go to sleep
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == (
        "1 round: 1 feeds (0 not modified, 0 failed), 1 new entries: 0 added, 0 already stored, 1 skipped; "
        "0 new stories, 0 joined a story"
    )
    assert "round 1:" in err and "stopping after the entry at hand" in err and "Traceback" not in err


@pytest.mark.slow
def test_watch_once_ingests_clusters_and_then_fetches_nothing_again(site: Site, tmp_path: Path) -> None:
    pages = add_pages(site)
    full_text = "".join(f"<p>{p}</p>" for p in FLOOD_A)

    def rss_feed(headers: Mapping[str, str]) -> Reply:
        if headers.get("If-None-Match") == '"r1"':
            return Reply(304)
        flood = {"title": "River floods Porto Velho Norte harbour", "link": site.url("/full.html"),
                 "content": full_text, "date": "Tue, 03 Mar 2026 22:10:00 GMT"}
        body = rss([flood, {"title": "Chess", "link": pages["chess"], "date": "Sun, 01 Mar 2026 18:00:00 GMT"}])
        return xml(body, ETag='"r1"')

    good_rss = site.add_handler("/rss.xml", rss_feed)
    news = site.add("/news-sitemap.xml", xml(sitemap([pages["flood-b"]])))  # no validators: re-read each round
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(
        f"# test feeds\n{site.url('/missing.xml')}\n{good_rss}\n\n{site.url('/broken.xml')}\n{news}\n"
    )
    site.add("/broken.xml", xml("<rss><channel><<<"))
    db = str(tmp_path / "watch.db")
    runner = CliRunner()
    first = runner.invoke(main, ["watch", str(feeds), "--once", "--db", db, "--json"], env=_env(site))
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["rounds"] == 1 and summary["feeds"] == 4 and summary["failed"] == 2
    assert summary["added"] == 3 and summary["stories"] == 2 and summary["joined"] == 1
    failures = [line for line in first.stderr.splitlines() if " failed: " in line]
    assert len(failures) == 2
    assert "missing.xml failed:" in failures[0] and "404 Not Found; check the URL" in failures[0]
    assert "broken.xml failed: the feed cannot be parsed" in failures[1]
    assert "round 1: 4 feeds (0 not modified, 2 failed)" in first.stderr

    page_hits = {path: site.hits[path] for path in ("/sport/chess.html", "/news/flood-b.html", "/full.html")}
    assert page_hits == {"/sport/chess.html": 1, "/news/flood-b.html": 1, "/full.html": 0}
    second = runner.invoke(main, ["watch", str(feeds), "--once", "--db", db], env=_env(site))
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith("1 round: 4 feeds (1 not modified, 2 failed), 0 new entries: 0 added")
    assert {path: site.hits[path] for path in page_hits} == page_hits  # no article fetched again
    assert [h for path, h in site.requests if path == "/rss.xml"][-1]["If-None-Match"] == '"r1"'
    with open_store(db) as store:
        assert store.count_articles() == 3 and store.count_stories() == 2
