"""Raw HTML page → :class:`Document`: main text and metadata, wrapping trafilatura.

trafilatura finds the main text, title, site name and authors. The publish date
is taken from the page's own declarations first (JSON-LD ``datePublished``, then
``article:published_time``-style meta tags, then ``<time datetime>``), which keeps
the time of day and says where it came from; trafilatura's htmldate search is the
fallback.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .errors import InputError
from .records import Document

_META_DATE_NAMES = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_JSON_LD = re.compile(
    r"""<script[^>]+type\s*=\s*["']application/ld\+json["'][^>]*>(.*?)</script>""",
    re.IGNORECASE | re.DOTALL,
)
_TIME_TAG = re.compile(r"""<time\b[^>]*\bdatetime\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_CANONICAL = re.compile(r"<link\b[^>]*rel\s*=\s*[\"']canonical[\"'][^>]*>", re.IGNORECASE)
_HEAD_LIMIT = 300_000
_MIN_ARTICLE_WORDS = 5  # below this, what trafilatura found is a menu or a label, not an article


def parse_datetime(value: str) -> datetime | None:
    """Parse an ISO-8601-ish date string as found in feeds and meta tags; ``None`` when it is not one."""
    value = value.strip()
    if not value:
        return None
    candidate = value.replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?", candidate):
        candidate = candidate.replace(" ", "T")
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        pass
    try:
        import dateparser

        parsed: datetime | None = dateparser.parse(value, settings={"STRICT_PARSING": True})
    except Exception:  # dateparser raises assorted errors on odd strings
        return None
    return parsed


def _attributes(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or "" for m in _ATTR.finditer(tag)}


def _json_ld_dates(blocks: list[str]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                found.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for block in blocks:
        try:
            walk(json.loads(block))
        except ValueError:
            continue
    return found


def find_publish_date(html: str) -> tuple[datetime | None, str | None]:
    """The publish date a page declares about itself, and where it was found."""
    head = html[:_HEAD_LIMIT]
    for value in _json_ld_dates(_JSON_LD.findall(head)):
        if parsed := parse_datetime(value):
            return parsed, "html:json-ld"
    metas = [_attributes(tag) for tag in _META.findall(head)]
    for name in _META_DATE_NAMES:
        for attrs in metas:
            key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
            if key == name and (parsed := parse_datetime(attrs.get("content", ""))):
                return parsed, "html:meta"
    for value in _TIME_TAG.findall(html[: _HEAD_LIMIT * 3]):
        if parsed := parse_datetime(value):
            return parsed, "html:time"
    return None, None


_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12]\d|3[01]))?(?!\d)")


def date_from_name(name: str) -> datetime | None:
    """A date written into a file name or URL path (``rt-2019-10.txt``, ``/2026/03/14/``), else ``None``."""
    match = _NAME_DATE.search(name.replace("/", "-"))
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3) or "01"
    try:
        return datetime(int(year), int(month), int(day))
    except ValueError:
        return None


def find_canonical_url(html: str) -> str | None:
    for tag in _CANONICAL.findall(html[:_HEAD_LIMIT]):
        href = _attributes(tag).get("href")
        if href and href.startswith(("http://", "https://")):
            return href
    return None


def outlet_from_url(url: str | None) -> str | None:
    """The outlet's domain from an article URL (``www.`` dropped), or ``None``."""
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    host = host.lower().removeprefix("www.")
    return host or None


def extract_html(html: str, url: str | None = None, source: str = "") -> Document:
    """Extract the article in ``html``; raise :class:`InputError` when the page holds none."""
    import trafilatura

    result = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    text = (getattr(result, "text", None) or "").strip() if result is not None else ""
    if len(text.split()) < _MIN_ARTICLE_WORDS and len(text) < 4 * _MIN_ARTICLE_WORDS:
        raise InputError("no article text was found in the HTML (a front page, menu or empty template?)")
    assert result is not None
    url = url or find_canonical_url(html) or getattr(result, "url", None)
    published, published_source = find_publish_date(html)
    found_date = getattr(result, "date", None)
    if published is None and isinstance(found_date, str):
        published, published_source = parse_datetime(found_date), "html:htmldate"
    if published is None and url and (published := date_from_name(urlsplit(url).path)):
        published_source = "url"
    authors_field = getattr(result, "author", None) or ""
    authors = [a.strip() for a in re.split(r";|,| and ", authors_field) if a.strip()]
    outlet = outlet_from_url(url) or getattr(result, "sitename", None) or None
    return Document(
        text=text,
        title=(getattr(result, "title", None) or "").strip(),
        url=url,
        outlet=outlet,
        language=getattr(result, "language", None) or None,
        published=published,
        published_source=published_source if published else None,
        authors=authors,
        source=source,
        format="html",
    )
