"""The network step between the readers and the pipeline: URLs and feed links → documents.

Readers stay pure (bytes → documents); what needs the network happens here, in one
place, through one :class:`~storyline.fetch.Fetcher`:

- :func:`read_sources` is what ``storyline ingest`` reads: files and directories through
  the readers, ``http(s)`` arguments fetched with :func:`read_url`, and every
  :class:`~storyline.feeds.LinkToFetch` a feed left behind fetched with :func:`fetch_links`;
- :func:`read_url` fetches one URL: a feed or sitemap yields its entries' articles,
  a page yields its article;
- :func:`page_document` fetches and extracts one linked article; the feed's date and
  title fill what the page lacks.

A URL that fails becomes a :class:`Problem` with the reason; the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError
from .extract import extract_html
from .feeds import FeedReader, LinkToFetch, is_json_feed
from .fetch import Fetched, Fetcher, is_url
from .readers import WarcPage, detect_format, read_bytes, read_inputs
from .readers.decode import decode_bytes, unpack
from .records import Document, Problem
from .settings import Settings

MAX_SITEMAP_DEPTH = 3  # a sitemap index of sitemap indexes of sitemaps is as deep as real sites go
_GUESSED_DATES = (None, "url", "html:htmldate")  # a date the feed states beats one guessed from the page


def decode_fetched(fetched: Fetched) -> str:
    """The text of a fetched body: the charset the server declares, else what the bytes say."""
    charset = fetched.charset
    if charset:
        try:
            return fetched.content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(fetched.content)


def page_document(link: LinkToFetch, fetcher: Fetcher) -> Document:
    """Fetch the page ``link`` points to and extract its article; raise :class:`InputError` (or FetchError)."""
    fetched = fetcher.get(link.url)
    if detect_format(fetched.content) != "html" and "html" not in fetched.content_type:
        kind = fetched.content_type or "file that is not HTML"
        raise InputError(f"{fetched.url} is a {kind}, not an HTML page with an article")
    doc = extract_html(decode_fetched(fetched), url=fetched.url, source=link.url)
    if link.published and doc.published_source in _GUESSED_DATES:
        doc.published, doc.published_source = link.published, "feed"
    doc.title = doc.title or link.title
    doc.language = doc.language or link.language
    return doc


def read_url(
    url: str, fetcher: Fetcher, settings: Settings, depth: int = 0, fetched: Fetched | None = None
) -> Iterator[Document | Problem]:
    """The articles at ``url``: a feed's or sitemap's entries (fetched), or the page's own article."""
    try:
        fetched = fetched or fetcher.get(url)
        data = unpack(fetched.content, settings.max_bytes, label=url)
    except InputError as exc:
        yield Problem(url, str(exc))
        return
    if not data.strip():
        yield Problem(url, f"{fetched.url} answered with an empty body; check the URL")
        return
    fmt = detect_format(data)
    if fmt == "feed" or is_json_feed(data):
        yield from fetch_links(FeedReader().read(data, fetched.url), fetcher, settings, depth)
    elif fmt == "html":
        try:
            yield extract_html(decode_fetched(fetched), url=fetched.url, source=url)
        except InputError as exc:
            yield Problem(url, str(exc))
    else:
        yield from read_bytes(data, url, settings.max_bytes)


def fetch_links(
    items: Iterable[Document | Problem], fetcher: Fetcher, settings: Settings, depth: int = 0
) -> Iterator[Document | Problem]:
    """Pass documents and problems through; fetch each :class:`LinkToFetch` into its article (or a problem)."""
    for item in items:
        if not isinstance(item, LinkToFetch):
            yield item
        elif item.kind == "sitemap":
            if depth >= MAX_SITEMAP_DEPTH:
                yield Problem(item.url, f"sitemaps nest more than {MAX_SITEMAP_DEPTH} deep here; give a deeper one")
            else:
                yield from read_url(item.url, fetcher, settings, depth + 1)
        else:
            try:
                yield page_document(item, fetcher)
            except InputError as exc:
                yield Problem(item.url, str(exc))


def read_sources(
    paths: Iterable[str | Path], settings: Settings, fetcher: Fetcher | None = None
) -> Iterator[Document | Problem | WarcPage]:
    """Everything ``storyline ingest`` reads: files, directories and URLs, with feed links fetched.

    A :class:`Fetcher` is made (and closed) only when something needs the network.
    """
    own: Fetcher | None = None

    def get() -> Fetcher:
        nonlocal own
        if fetcher is not None:
            return fetcher
        own = own or Fetcher(settings)
        return own

    try:
        for path in paths:
            if is_url(path):
                yield from read_url(str(path), get(), settings)
                continue
            # WARC pages pass through unextracted: the ingest extracts them in its worker processes
            for item in read_inputs([path], settings.max_bytes):
                if isinstance(item, LinkToFetch):
                    yield from fetch_links([item], get(), settings)
                else:
                    yield item
    finally:
        if own is not None:
            own.close()


__all__ = ["decode_fetched", "fetch_links", "page_document", "read_sources", "read_url"]


def extract_sources(paths: Iterable[str | Path], settings: Settings) -> Iterator[Document | Problem]:
    """What ``storyline extract`` shows: every article found at ``paths`` (files or URLs), extracted, not stored."""
    from .readers.warc import extract_page

    for item in read_sources(paths, settings):
        if isinstance(item, WarcPage):
            yield extract_page(item)
        else:
            yield item


def document_json(doc: Document) -> dict[str, object]:
    """A document as ``storyline extract --json`` prints it (language detected when the page declares none)."""
    from .enrich.language import detect_language
    from .extract import date_confidence

    language, confidence = (doc.language, 1.0) if doc.language else detect_language(doc.text)
    return {
        "title": doc.title,
        "text": doc.text,
        "date": doc.published.isoformat() if doc.published else None,
        "date_source": doc.published_source,
        "date_confidence": date_confidence(doc.published_source) if doc.published else None,
        "authors": doc.authors,
        "site_name": doc.site_name,
        "language": language,
        "language_confidence": round(confidence, 3),
        "url": doc.url,
        "image": doc.image,
        "outlet": doc.outlet,
        "source": doc.source,
    }
