"""JSON Lines (and JSON arrays) → one :class:`Document` per object.

Field names of news-please (``title``, ``maintext``, ``date_publish``, ``language``,
``source_domain``, ``url``, ``authors``) are read, and so are the plain ones
(``title``, ``text``, ``date``/``published``, ``lang``, ``outlet``/``source``).
A line that is not a JSON object, or has no text, is a :class:`Problem` naming its
line number; the other lines still go in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import InputError
from ..extract import outlet_from_url, parse_datetime
from ..records import Document, Problem
from .decode import decode_bytes

TEXT_FIELDS = ("maintext", "text", "body", "content")
DATE_FIELDS = ("date_publish", "published", "date", "publish_date", "pubdate")
LANGUAGE_FIELDS = ("language", "lang")
OUTLET_FIELDS = ("source_domain", "outlet", "source", "site_name")


def _first(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def document_from_record(record: Mapping[str, Any], source: str, fmt: str = "jsonl") -> Document:
    """Map one JSON object onto a :class:`Document`; raise :class:`InputError` when it has no text."""
    text = _first(record, TEXT_FIELDS)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"it has no article text; put the text in one of the fields {', '.join(TEXT_FIELDS)}")
    title = record.get("title") or ""
    url = record.get("url") if isinstance(record.get("url"), str) else None
    published = None
    raw_date = _first(record, DATE_FIELDS)
    if isinstance(raw_date, str):
        published = parse_datetime(raw_date)
    authors = record.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    outlet = _first(record, OUTLET_FIELDS)
    language = _first(record, LANGUAGE_FIELDS)
    return Document(
        text=text,
        title=str(title),
        url=url,
        outlet=str(outlet) if outlet else outlet_from_url(url),
        language=str(language).lower() if language else None,
        published=published,
        published_source=fmt if published else None,
        authors=[str(a) for a in authors if a],
        source=source,
        format=fmt,
    )


def _is_one_json_document(content: str) -> bool:
    """True for a pretty-printed JSON object or array (its first line alone is not valid JSON)."""
    first = next((line for line in content.splitlines() if line.strip()), "")
    try:
        json.loads(first)
        return False
    except ValueError:
        pass
    try:
        json.loads(content)
        return True
    except ValueError:
        return False


def json_lines(lines: Iterable[str], source: str) -> Iterator[tuple[int, str, Any] | Problem]:
    """``(line number, where, value)`` for each non-blank JSON line; a :class:`Problem` for a line that is not JSON.

    ``where`` is ``source#number``, so a later problem with the record can point back to its line.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}#{number}"
        try:
            yield number, where, json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(where, f"line {number} is not valid JSON ({exc.msg}); fix or remove that line")


class JsonlReader:
    format = "jsonl"

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]:
        try:
            content = decode_bytes(data)
        except InputError as exc:
            yield Problem(source, str(exc))
            return
        if _is_one_json_document(content):
            yield from JsonArrayReader().read(data, source)
            return
        for item in json_lines(content.splitlines(), source):
            if isinstance(item, Problem):
                yield item
                continue
            number, where, record = item
            if not isinstance(record, dict):
                yield Problem(
                    where, f"line {number} is a JSON {type(record).__name__}, not an object with article fields"
                )
                continue
            try:
                yield document_from_record(record, where)
            except InputError as exc:
                yield Problem(where, f"line {number}: {exc}")


class JsonArrayReader:
    format = "json"

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]:
        try:
            records = json.loads(decode_bytes(data))
        except InputError as exc:
            yield Problem(source, str(exc))
            return
        except ValueError as exc:
            yield Problem(
                source, f"it is not valid JSON ({exc}); give one JSON object per line (JSONL) or a JSON array"
            )
            return
        if isinstance(records, dict):
            records = [records]
        if not isinstance(records, list):
            yield Problem(source, "it is JSON but neither an object nor a list of objects")
            return
        for number, record in enumerate(records):
            where = f"{source}#{number + 1}"
            if not isinstance(record, dict):
                yield Problem(where, f"item {number + 1} is not an object with article fields")
                continue
            try:
                yield document_from_record(record, where, fmt="json")
            except InputError as exc:
                yield Problem(where, f"item {number + 1}: {exc}")
