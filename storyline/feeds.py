"""Feeds and sitemaps → entries: RSS, Atom, JSON Feed, sitemaps, sitemap indexes, Google News sitemaps.

Pure: bytes in, records out, no network. :func:`parse_feed` reads any of the formats
into a :class:`Feed` of :class:`FeedEntry`; :class:`FeedReader` (the registered
reader for the ``feed`` format) turns the entries into what the pipeline takes:

- an entry that carries the full article (``content:encoded``, Atom ``content``,
  JSON Feed ``content_html``/``content_text`` of at least :data:`FULL_TEXT_WORDS`
  words) becomes a :class:`Document` at once, its date marked as coming from the feed;
- an entry with only a link (and maybe a teaser) becomes a :class:`LinkToFetch`, a
  :class:`Problem` that says the page must be fetched. The network step
  (:func:`storyline.crawl.fetch_links`) replaces it with the page's article; where
  no network step runs, it stays a problem with a reason a user can act on;
- a sitemap index lists other sitemaps: each is a ``LinkToFetch`` of kind ``sitemap``.

Sitemap entries are read with the stdlib XML parser (no external entities, no network);
RSS and Atom with feedparser, always given a stream (given bytes it may open a file of
that name).
"""

from __future__ import annotations

import calendar
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .extract import outlet_from_url, parse_datetime
from .readers.decode import decode_bytes
from .records import Document, Problem

if TYPE_CHECKING:
    from .fetch import Fetched
    from .settings import Settings

FULL_TEXT_WORDS = 80
"""Fewest words a feed entry's content needs to be taken as the article; shorter content is a teaser."""

_JSON_FEED = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/', re.IGNORECASE)
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(slots=True)
class FeedEntry:
    """One entry of a feed or sitemap, as the feed gives it."""

    url: str | None
    title: str = ""
    published: datetime | None = None
    summary: str = ""
    content: str = ""
    language: str | None = None
    authors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Feed:
    """A parsed feed: ``kind`` is rss, atom, json, sitemap or sitemapindex; ``sitemaps`` lists an index's children."""

    kind: str
    title: str = ""
    language: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LinkToFetch(Problem):
    """A feed entry (or child sitemap) known only by its link: a problem until the network step fetches it."""

    url: str = ""
    title: str = ""
    published: datetime | None = None
    language: str | None = None
    kind: str = "article"


def is_json_feed(data: bytes) -> bool:
    """True for a JSON Feed document (its ``version`` is a jsonfeed.org URL)."""
    return data.lstrip()[:1] == b"{" and bool(_JSON_FEED.search(data[:8192]))


def words(text: str) -> int:
    """Words in ``text``, two CJK characters counting as one (as the pipeline counts them)."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + cjk // 2


# -- HTML fragments → text -------------------------------------------------------
class _TextOf(HTMLParser):
    _BLOCKS = frozenset(
        "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote section article header footer tr table pre figure".split()
    )
    _SKIP = frozenset({"script", "style", "figcaption", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The readable text of an HTML fragment (feed content), paragraphs kept apart."""
    if "<" not in fragment:
        return fragment.strip()
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    paragraphs = (re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


# -- parsing ----------------------------------------------------------------------
def parse_feed(data: bytes, base_url: str | None = None) -> Feed:
    """Parse RSS, Atom, JSON Feed or a sitemap; raise :class:`InputError` saying why when it is none of them."""
    if is_json_feed(data):
        return _parse_json_feed(data)
    head = data[:4096].lstrip()
    if re.search(rb"<(?:\w+:)?(urlset|sitemapindex)[\s>]", head):
        return _parse_sitemap(data)
    return _parse_syndication(data, base_url)


def _parse_sitemap(data: bytes) -> Feed:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"the sitemap is not well-formed XML ({exc}); it may be cut off — fetch it again") from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag == "sitemapindex":
        children = [loc.text.strip() for loc in root.iter(f"{_SITEMAP_NS}loc") if loc.text and loc.text.strip()]
        return Feed("sitemapindex", sitemaps=children)
    if tag != "urlset":
        raise InputError(f"the XML's root element is <{tag}>, not a sitemap's <urlset> or <sitemapindex>")
    entries: list[FeedEntry] = []
    for node in root.iter(f"{_SITEMAP_NS}url"):
        loc = (node.findtext(f"{_SITEMAP_NS}loc") or "").strip()
        if not loc:
            continue
        news = node.find(f"{_NEWS_NS}news")
        entry = FeedEntry(url=loc)
        if news is not None:
            entry.title = (news.findtext(f"{_NEWS_NS}title") or "").strip()
            entry.published = parse_datetime(news.findtext(f"{_NEWS_NS}publication_date") or "")
            language = (news.findtext(f"{_NEWS_NS}publication/{_NEWS_NS}language") or "").strip()
            entry.language = language or None
        entries.append(entry)
    return Feed("sitemap", entries=entries)


def _parse_json_feed(data: bytes) -> Feed:
    try:
        doc = json.loads(decode_bytes(data))
    except ValueError as exc:
        raise InputError(f"the JSON Feed is not valid JSON ({exc}); it may be cut off — fetch it again") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise InputError("the JSON Feed has no list of items; check that it follows https://jsonfeed.org")
    language = doc.get("language") if isinstance(doc.get("language"), str) else None
    entries = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if not isinstance(url, str) and isinstance(item.get("id"), str) and item["id"].startswith("http"):
            url = item["id"]
        content = _str(item.get("content_html")) and html_to_text(_str(item.get("content_html")))
        entries.append(
            FeedEntry(
                url=url if isinstance(url, str) else None,
                title=_str(item.get("title")),
                published=parse_datetime(_str(item.get("date_published"))),
                summary=_str(item.get("summary")),
                content=content or _str(item.get("content_text")),
                language=_str(item.get("language")) or language,
                authors=[n for a in item.get("authors") or [] if isinstance(a, dict) and (n := _str(a.get("name")))],
            )
        )
    return Feed("json", title=_str(doc.get("title")), language=language, entries=entries)


def _parse_syndication(data: bytes, base_url: str | None) -> Feed:
    import feedparser

    headers = {"content-location": base_url} if base_url else None
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.entries:
        if parsed.get("bozo"):
            reason = parsed.get("bozo_exception") or "it is not well-formed"
            raise InputError(f"the feed cannot be parsed ({reason}); check that the URL or file is an RSS or Atom feed")
        if not parsed.get("version"):
            raise InputError("it is not an RSS, Atom or JSON feed, nor a sitemap; check the URL or file")
    meta: Mapping[str, Any] = parsed.get("feed", {})
    language = _str(meta.get("language")) or None
    entries = [_syndication_entry(e, language) for e in parsed.entries]
    kind = "atom" if str(parsed.get("version", "")).startswith("atom") else "rss"
    return Feed(kind, title=_str(meta.get("title")), language=language, entries=entries)


def _syndication_entry(entry: Mapping[str, Any], language: str | None) -> FeedEntry:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None  # feedparser gives UTC
    contents = [c for c in entry.get("content") or [] if isinstance(c, Mapping) and c.get("value")]
    content = max((html_to_text(_str(c.get("value"))) for c in contents), key=len, default="")
    content_language = next((_str(c.get("language")) for c in contents if c.get("language")), "")
    link = entry.get("link")
    if not link and str(entry.get("id", "")).startswith("http"):
        link = entry["id"]
    authors = [_str(a.get("name")) for a in entry.get("authors") or [] if isinstance(a, Mapping) and a.get("name")]
    return FeedEntry(
        url=link if isinstance(link, str) and link else None,
        title=html_to_text(_str(entry.get("title"))),
        published=published,
        summary=html_to_text(_str(entry.get("summary"))),
        content=content,
        language=content_language or language,
        authors=authors,
    )


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


# -- entries → documents or links ----------------------------------------------------
def entry_items(feed: Feed, source: str) -> Iterator[Document | Problem]:
    """A feed's entries as documents (full text in the feed) or :class:`LinkToFetch` (link only)."""
    for url in feed.sitemaps:
        reason = _UNFETCHED.format(what="the sitemap index lists", url=url)
        yield LinkToFetch(url, reason, url=url, kind="sitemap")
    for number, entry in enumerate(feed.entries, start=1):
        where = entry.url or f"{source}#{number}"
        text = entry.content if words(entry.content) >= FULL_TEXT_WORDS else ""
        if not text and not entry.url:
            text = max(entry.content, entry.summary, key=len)  # no page to fetch: the feed's text is all there is
        if text:
            yield Document(
                text=text,
                title=entry.title,
                url=entry.url,
                outlet=outlet_from_url(entry.url),
                language=entry.language,
                published=entry.published,
                published_source="feed" if entry.published else None,
                authors=list(entry.authors),
                source=where,
                format="feed",
            )
        elif entry.url:
            yield LinkToFetch(
                where,
                _UNFETCHED.format(what="the feed entry links to", url=entry.url),
                url=entry.url,
                title=entry.title,
                published=entry.published,
                language=entry.language,
            )


_UNFETCHED = (
    "{what} {url} and holds no full text; it is fetched by `storyline ingest` and `storyline watch` "
    "(give them the file or the feed's URL)"
)


def documents_from_feed(fetched: Fetched, settings: Settings) -> Iterator[Document | Problem]:
    """The articles of a feed or sitemap already fetched, its link-only entries fetched too.

    A convenience for callers that fetched the feed themselves (the REST API); it is
    :func:`storyline.crawl.read_url` with a fresh :class:`~storyline.fetch.Fetcher`.
    """
    from .crawl import read_url
    from .fetch import Fetcher

    with Fetcher(settings) as fetcher:
        yield from read_url(fetched.url, fetcher, settings, fetched=fetched)


class FeedReader:
    """The ``feed`` reader: RSS, Atom, JSON Feed and sitemaps → documents and links to fetch (no network)."""

    format = "feed"

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]:
        try:
            feed = parse_feed(data, base_url=source if source.startswith(("http://", "https://")) else None)
        except InputError as exc:
            yield Problem(source, str(exc))
            return
        if not feed.entries and not feed.sitemaps:
            yield Problem(source, f"the {feed.kind} feed has no entries")
            return
        yield from entry_items(feed, source)


__all__ = [
    "FULL_TEXT_WORDS",
    "Feed",
    "FeedEntry",
    "FeedReader",
    "LinkToFetch",
    "documents_from_feed",
    "entry_items",
    "html_to_text",
    "is_json_feed",
    "parse_feed",
]
