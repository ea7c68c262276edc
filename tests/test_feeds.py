"""Feeds and sitemaps: parsing (pure), the feed reader, and fetching their articles from a real loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from storyline.cli import main
from storyline.crawl import read_sources
from storyline.errors import InputError
from storyline.feeds import FULL_TEXT_WORDS, LinkToFetch, html_to_text, parse_feed
from storyline.readers import detect_format, read_paths
from storyline.records import Document, Problem
from storyline.store import open_store

from .feedsite import CHESS, FLOOD_A, FLOOD_B, add_pages, atom, gz, json_feed, rss, sitemap, sitemap_index, words, xml
from .webserver import Reply, Site, serve


@pytest.fixture()
def site() -> Iterator[Site]:
    yield from serve()


def _split(items: object) -> tuple[list[Document], list[Problem]]:
    docs: list[Document] = []
    problems: list[Problem] = []
    for item in items:  # type: ignore[attr-defined]
        (docs if isinstance(item, Document) else problems).append(item)
    return docs, problems


def _html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


# -- parsing ------------------------------------------------------------------------------
def test_rss_entries_full_text_and_links() -> None:
    assert words(FLOOD_A) >= FULL_TEXT_WORDS
    data = rss(
        [
            {"title": "Flood", "link": "http://a.example/flood", "date": "Tue, 03 Mar 2026 22:10:00 +0100",
             "content": _html(FLOOD_A)},
            {"title": "Chess &amp; more", "link": "http://a.example/chess", "summary": "Teaser <b>only</b>."},
        ]
    ).encode()
    assert detect_format(data) == "feed"
    feed = parse_feed(data)
    assert feed.kind == "rss" and feed.language == "en" and len(feed.entries) == 2
    flood, chess = feed.entries
    assert flood.published == datetime(2026, 3, 3, 21, 10, tzinfo=UTC)
    assert flood.content.split("\n\n")[0] == FLOOD_A[0]  # paragraphs kept apart
    assert chess.title == "Chess & more" and chess.summary == "Teaser only." and not chess.content


def test_atom_json_feed_and_sitemaps() -> None:
    feed = parse_feed(atom([{"title": "T", "link": "http://a.example/1", "date": "2026-03-03T10:00:00Z"}]).encode())
    assert feed.kind == "atom" and feed.entries[0].url == "http://a.example/1" and feed.entries[0].published

    data = json_feed([{"id": "1", "url": "http://a.example/j", "title": "J", "content_html": _html(CHESS),
                       "date_published": "2026-03-01T09:00:00Z", "language": "en", "authors": [{"name": "R. Ana"}]}])
    assert detect_format(data.encode()) == "feed"  # not JSONL, though it starts with {
    [entry] = parse_feed(data.encode()).entries
    assert entry.url == "http://a.example/j" and entry.content.startswith(CHESS[0]) and entry.authors == ["R. Ana"]

    news = sitemap(["http://a.example/n1", "http://a.example/n2"], news={"http://a.example/n1": ("N1", "2026-03-04")})
    plain = parse_feed(news.encode())
    assert plain.kind == "sitemap" and [e.url for e in plain.entries] == ["http://a.example/n1", "http://a.example/n2"]
    assert plain.entries[0].title == "N1" and plain.entries[0].language == "en"
    assert plain.entries[0].published == datetime(2026, 3, 4) and plain.entries[1].published is None  # not lastmod

    index = parse_feed(sitemap_index(["http://a.example/s1.xml", "http://a.example/s2.xml.gz"]).encode())
    assert index.kind == "sitemapindex" and index.sitemaps == ["http://a.example/s1.xml", "http://a.example/s2.xml.gz"]


def test_malformed_feeds_say_why() -> None:
    with pytest.raises(InputError, match=r"the feed cannot be parsed .*RSS or Atom"):
        parse_feed(b'<rss version="2.0"><channel><<<>>> not xml')
    with pytest.raises(InputError, match=r"the sitemap is not well-formed XML .*cut off"):
        parse_feed(sitemap(["http://a.example/1"]).encode()[:-20])
    with pytest.raises(InputError, match="JSON Feed is not valid JSON"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": [')


def test_html_to_text() -> None:
    assert html_to_text("<p>One &amp; two.</p><script>x()</script><p>Three<br>four</p>") == "One & two.\n\nThree\nfour"


def test_feed_file_read_offline_gives_documents_and_links(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(
        rss(
            [
                {"title": "Flood", "link": "http://a.example/flood", "content": _html(FLOOD_A),
                 "date": "Tue, 03 Mar 2026 22:10:00 GMT"},
                {"title": "Chess", "link": "http://a.example/chess"},
            ]
        ),
        encoding="utf-8",
    )
    docs, problems = _split(read_paths([path], 1_000_000))
    [doc] = docs
    assert doc.format == "feed" and doc.published_source == "feed" and doc.url == "http://a.example/flood"
    assert doc.outlet == "a.example" and doc.language == "en"
    [link] = problems
    assert isinstance(link, LinkToFetch) and link.url == "http://a.example/chess"
    assert "fetched by `storyline ingest` and `storyline watch`" in link.reason  # what a user sees unfetched


# -- fetching the entries ----------------------------------------------------------------------
def test_feed_url_fetches_link_only_entries_with_feed_fallbacks(site: Site) -> None:
    pages = add_pages(site)
    feed_url = site.add(
        "/feed.xml",
        xml(
            rss(
                [
                    {"title": "Feed title of the chess story", "link": pages["chess"],
                     "date": "Sun, 01 Mar 2026 18:00:00 GMT"},
                    {"title": "Flood B", "link": pages["flood-b"], "date": "Sat, 28 Feb 2026 10:00:00 GMT"},
                    {"title": "Gone", "link": site.url("/gone.html")},
                    {"title": "Full", "link": site.url("/never-fetched.html"), "content": _html(FLOOD_A)},
                ]
            )
        ),
    )
    docs, problems = _split(read_sources([feed_url], site.settings()))
    by_url = {d.url: d for d in docs}
    chess = by_url[pages["chess"]]
    assert CHESS[0] in chess.text and chess.source == pages["chess"]
    assert chess.published == datetime(2026, 3, 1, 18, tzinfo=UTC) and chess.published_source == "feed"
    flood_b = by_url[pages["flood-b"]]
    assert flood_b.published_source == "html:meta"  # the page's own date beats the feed's
    assert by_url[site.url("/never-fetched.html")].format == "feed" and site.hits["/never-fetched.html"] == 0
    [gone] = problems
    assert gone.source == site.url("/gone.html") and "answered 404 Not Found; check the URL" in gone.reason


def test_sitemap_index_with_gzip_children_and_a_truncated_one(site: Site) -> None:
    pages = add_pages(site)
    site.add("/s1.xml.gz", Reply(body=gz(sitemap([pages["flood-a"]])), content_type="application/x-gzip"))
    site.add("/s2.xml", xml(sitemap([pages["chess"]], news={pages["chess"]: ("News title", "2026-03-02T08:00:00Z")})))
    site.add("/s3.xml.gz", Reply(body=gz(sitemap([pages["flood-b"]]))[:-30], content_type="application/x-gzip"))
    index = site.add("/sitemap.xml", xml(sitemap_index([site.url("/s1.xml.gz"), site.url("/s2.xml"),
                                                         site.url("/s3.xml.gz")])))
    docs, problems = _split(read_sources([index], site.settings()))
    assert sorted(d.url or "" for d in docs) == sorted([pages["flood-a"], pages["chess"]])
    chess = next(d for d in docs if d.url == pages["chess"])
    assert chess.published_source == "feed" and chess.published == datetime(2026, 3, 2, 8, tzinfo=UTC)
    flood = next(d for d in docs if d.url == pages["flood-a"])
    assert flood.published_source == "url"  # no date anywhere but the URL path
    [truncated] = problems
    assert truncated.source == site.url("/s3.xml.gz") and "gzip data is truncated" in truncated.reason


def test_malformed_feed_and_plain_page_by_url(site: Site) -> None:
    bad = site.add("/bad.xml", xml('<rss version="2.0"><channel><<<>>>'))
    docs, problems = _split(read_sources([bad], site.settings()))
    assert not docs and "the feed cannot be parsed" in problems[0].reason
    pages = add_pages(site)
    [doc] = list(read_sources([pages["flood-b"]], site.settings()))
    assert isinstance(doc, Document) and doc.url == pages["flood-b"] and doc.outlet == "127.0.0.1"


@pytest.mark.slow
def test_cli_ingest_feed_url_into_stories(site: Site, tmp_path: Path) -> None:
    pages = add_pages(site)
    json_url = site.add(
        "/feed.json",
        Reply(
            body=json_feed(
                [
                    {"id": pages["flood-a"], "url": pages["flood-a"], "title": "River floods harbour district",
                     "content_html": _html(FLOOD_A), "date_published": "2026-03-03T22:00:00Z"},
                    {"id": pages["flood-b"], "url": pages["flood-b"], "title": "Flood B"},
                    {"id": pages["chess"], "url": pages["chess"], "title": "Chess"},
                ]
            ),
            content_type="application/feed+json",
        ),
    )
    db = str(tmp_path / "news.db")
    env = {"STORYLINE_ALLOW_HOSTS": site.host, "STORYLINE_HOST_DELAY": "0", "STORYLINE_WORKERS": "1"}
    result = CliRunner().invoke(main, ["ingest", json_url, "--db", db, "--json"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == 3 and summary["skipped"] == 0
    assert summary["stories_in_store"] == 2 and summary["joined"] == 1
    with open_store(db) as store:
        formats = sorted(a.format for a in store.iter_articles())
        assert formats == ["feed", "html", "html"]
        assert site.hits["/2026/03/flood-a.html"] == 0  # its full text came in the feed
    assert words(FLOOD_B) > 12
