"""Raw HTML page → :class:`Document`: main text and metadata, wrapping trafilatura.

trafilatura finds the main text, title, site name and authors. The publish date
is taken from the page's own declarations first (JSON-LD ``datePublished``, then
``article:published_time``-style meta tags, then ``<time datetime>``), which keeps
the time of day and says where it came from; trafilatura's htmldate search is the
fallback.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .boilerplate import clean_text, restore_lead
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


def _json_ld_values(blocks: list[str], key: str) -> list[str]:
    """Every non-empty string under ``key`` anywhere in the page's JSON-LD blocks, in document order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get(key)
            if isinstance(value, str) and value.strip():
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


_TITLE_SEPARATORS = re.compile(r"\s+[|–—·•»-]\s+|\s*[：｜]\s*|\s+::\s+")
_TITLE_DATE = re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}$|^\d{4}-\d{2}-\d{2}$")


def _site_keys(site_name: str | None, outlet: str | None) -> set[str]:
    keys = {_key(site_name)} if site_name else set()
    if outlet:
        keys.add(_key(outlet))
        keys.add(_key(outlet.split(".")[0]))
    return {k for k in keys if len(k) >= 2}


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def clean_title(title: str, site_name: str | None = None, outlet: str | None = None) -> str:
    """``title`` without the site's name (``Headline | Site``, ``Site - Headline``, ``見出し：新聞``) or a date.

    A segment is dropped only when it is the site's name (from ``og:site_name`` or the domain), a date, or
    the site's name followed by a date; the headline itself is never cut.
    """
    title = " ".join(html_lib.unescape(title).split())
    keys = _site_keys(site_name, outlet)
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title

    def is_site(part: str) -> bool:
        k = _key(part)
        if _TITLE_DATE.match(part.strip()):
            return True
        # "DW" == "dw"; "Golem.de" starts with "golem"; "Börsen-Zeitung" is the start of the site name
        return any(
            k == key or (len(key) >= 4 and len(k) >= 4 and (k.startswith(key) or key.startswith(k))) for key in keys
        )

    while len(parts) > 1 and (is_site(parts[-1]) or not parts[-1].strip()):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if len(parts) == len(_TITLE_SEPARATORS.split(title)):
        return title
    # join what is left with the separators it had
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else title


def find_title(html: str) -> str | None:
    """The headline the page declares for the article: JSON-LD ``headline``, then ``og:title``."""
    head = html[:_HEAD_LIMIT]
    for value in _json_ld_values(_JSON_LD.findall(head), "headline"):
        return value
    for tag in _META.findall(head):
        attrs = _attributes(tag)
        name = (attrs.get("property") or attrs.get("name") or "").lower()
        if name == "og:title" and attrs.get("content", "").strip():
            return attrs["content"]
    return None


def find_publish_date(html: str) -> tuple[datetime | None, str | None]:
    """The publish date a page declares about itself, and where it was found."""
    head = html[:_HEAD_LIMIT]
    for value in _json_ld_values(_JSON_LD.findall(head), "datePublished"):
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


DATE_CONFIDENCE: dict[str, float] = {
    "html:json-ld": 0.95,
    "html:meta": 0.9,
    "feed": 0.85,
    "jsonl": 0.85,
    "api": 0.85,
    "input": 0.85,
    "html:time": 0.8,
    "html:htmldate": 0.7,
    "url": 0.6,
    "filename": 0.5,
    "warc": 0.3,
}
"""How far to trust a publish date, by where it was found: the page's structured data most, a crawl date least.

Shown by ``storyline extract``; the figures rank the sources (checked against the Fundus pages in
BENCHMARKS.md), they are not calibrated probabilities.
"""


def date_confidence(source: str | None) -> float:
    """The trust in a publish date found at ``source`` (0 when there is no date)."""
    return DATE_CONFIDENCE.get(source or "", 0.5 if source else 0.0)


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


_SCRIPT_BODY = re.compile(
    r'"(articleBody|contentHtml|bodyHtml|articleContent|content_html|body_html)"\s*:\s*"((?:[^"\\]|\\.){400,})"'
)


def text_from_scripts(html: str) -> str:
    """The article body a script-rendered page carries in its data (JSON-LD ``articleBody``, a Next.js payload).

    The fallback when the visible HTML holds no article: some sites (Next.js, Nuxt) ship the text only as
    JSON for the browser to render. The longest such field wins.
    """
    import trafilatura

    best = ""
    for match in _SCRIPT_BODY.finditer(html):
        try:
            value = json.loads(f'"{match.group(2)}"')
        except ValueError:
            continue
        if "<" in value:
            value = trafilatura.extract(f"<html><body><article>{value}</article></body></html>") or ""
        if len(value) > len(best):
            best = value.strip()
    return best


def _too_short(text: str) -> bool:
    return len(text.split()) < _MIN_ARTICLE_WORDS and len(text) < 4 * _MIN_ARTICLE_WORDS


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
    # result is None when trafilatura finds nothing; getattr(None, name, None) keeps the code below simple
    site_name = getattr(result, "sitename", None) or None
    found_url = url or find_canonical_url(html) or getattr(result, "url", None)
    title = clean_title(find_title(html) or getattr(result, "title", None) or "", site_name, outlet_from_url(found_url))
    text = clean_text((getattr(result, "text", None) or "").strip(), title)
    if _too_short(text) and (scripted := text_from_scripts(html)):
        text = clean_text(scripted, title)
    if _too_short(text):
        raise InputError("no article text was found in the HTML (a front page, menu or empty template?)")
    if lead := restore_lead(html, text):
        text = f"{lead}\n{text}"
    url = found_url
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
        title=title,
        url=url,
        outlet=outlet,
        language=getattr(result, "language", None) or None,
        published=published,
        published_source=published_source if published else None,
        authors=authors,
        source=source,
        format="html",
        site_name=site_name,
        image=getattr(result, "image", None) or None,
    )
