"""Stored articles and stories → JSON Lines, CSV or Parquet, for other tools.

Articles carry news-please's field names where news-please has the field
(``title``, ``maintext``, ``date_publish``, ``language``, ``source_domain``, ``url``,
``authors``), so what reads news-please output reads Storyline's, and Storyline's
own ``ingest`` reads it back; Storyline's own fields (``id``, ``story_id``,
``published_source``, ``outlet``) come alongside. Stories carry their labels (one
per language), languages, outlets, first and last seen, size and members, each
member with the article it is a copy of.

Rows are produced one at a time and written in chunks, so a large store is never
held in memory: Parquet goes through pyarrow's writer a record batch at a time
(pyarrow is the optional extra ``storyline[parquet]``). Text formats write dates
as news-please does, ``YYYY-MM-DD HH:MM:SS`` (UTC here); CSV cells holding lists
or mappings hold them as JSON.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from .errors import ConfigError, MissingExtraError
from .extract import outlet_from_url
from .store import Store

FORMATS = ("jsonl", "csv", "parquet")
WHAT = ("articles", "stories")
ARTICLE_FIELDS = (
    "id",
    "title",
    "maintext",
    "date_publish",
    "language",
    "source_domain",
    "url",
    "authors",
    "outlet",
    "published_source",
    "story_id",
)
STORY_FIELDS = ("id", "label", "labels", "languages", "outlets", "first_seen", "last_seen", "size", "members")
_CHUNK = 1000
_ARTICLE_CHUNK = 200
_STORY_PAGE = 500


def article_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Every stored article as a row of :data:`ARTICLE_FIELDS`, oldest first; dates stay ``datetime``."""
    pending: list[Any] = []

    def flush() -> Iterator[dict[str, Any]]:
        stories = store.stories_of([a.id for a in pending])
        for a in pending:
            yield {
                "id": a.id,
                "title": a.title,
                "maintext": a.text,
                "date_publish": a.published,
                "language": a.language,
                "source_domain": outlet_from_url(a.url) or a.outlet,
                "url": a.url,
                "authors": list(a.authors),
                "outlet": a.outlet,
                "published_source": a.published_source,
                "story_id": stories.get(a.id),
            }

    for article in store.iter_articles():
        pending.append(article)
        if len(pending) >= _ARTICLE_CHUNK:
            yield from flush()
            pending = []
    if pending:
        yield from flush()


def story_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Every story as a row of :data:`STORY_FIELDS`, most recent activity first, a page at a time."""
    offset = 0
    while True:
        page = store.list_stories(limit=_STORY_PAGE, offset=offset)
        for story in page:
            yield {
                "id": story.id,
                "label": story.label,
                "labels": dict(story.labels),
                "languages": list(story.languages),
                "outlets": list(story.outlets),
                "first_seen": story.first_seen,
                "last_seen": story.last_seen,
                "size": story.size,
                "members": [{"id": m.article_id, "copy_of": m.copy_of} for m in story.members],
            }
        if len(page) < _STORY_PAGE:
            return
        offset += len(page)


def export(store: Store, fmt: str = "jsonl", what: str = "articles", out: str | Path | IO[str] | None = None) -> int:
    """Write the store's articles or stories to ``out`` (a path, an open text file, ``None``/``"-"`` for stdout).

    Returns how many rows were written. A file is written under a temporary name and
    moved into place at the end, so a failed export leaves no half-written file.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if what not in WHAT:
        raise ConfigError(f"cannot export {what!r}; choose one of: {', '.join(WHAT)}")
    rows = article_rows(store) if what == "articles" else story_rows(store)
    fields = ARTICLE_FIELDS if what == "articles" else STORY_FIELDS
    to_stdout = out is None or out == "-"
    if fmt == "parquet":
        if to_stdout or not isinstance(out, str | Path):
            raise ConfigError("Parquet is a binary format and is written to a file; give -o FILE.parquet")
        with _atomic(Path(out)) as tmp:
            return write_parquet(rows, tmp, what)
    if to_stdout:
        return _write_text(rows, fields, fmt, sys.stdout)
    if isinstance(out, str | Path):
        with _atomic(Path(out)) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
            return _write_text(rows, fields, fmt, fh)
    assert out is not None
    return _write_text(rows, fields, fmt, out)


def _write_text(rows: Iterator[dict[str, Any]], fields: tuple[str, ...], fmt: str, fh: IO[str]) -> int:
    return write_jsonl(rows, fh) if fmt == "jsonl" else write_csv(rows, fields, fh)


def _text_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).strftime("%Y-%m-%d %H:%M:%S")
    return value


def write_jsonl(rows: Iterator[dict[str, Any]], fh: IO[str]) -> int:
    """One JSON object per line; dates as ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    count = 0
    for row in rows:
        fh.write(json.dumps({k: _text_value(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterator[dict[str, Any]], fields: tuple[str, ...], fh: IO[str]) -> int:
    """A header line, then one line per row; lists and mappings as JSON text, ``None`` as an empty cell."""
    writer = csv.DictWriter(fh, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else _text_value(v)
                for k, v in row.items()
            }
        )
        count += 1
    return count


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("exporting Parquet", "pyarrow", "parquet") from None
    return pa, pq


def parquet_schema(what: str) -> Any:
    """The Arrow schema of an export: typed dates (UTC), lists, a map of labels, member structs."""
    pa, _ = _pyarrow()
    when = pa.timestamp("us", tz="UTC")
    if what == "articles":
        return pa.schema(
            [
                ("id", pa.string()),
                ("title", pa.string()),
                ("maintext", pa.string()),
                ("date_publish", when),
                ("language", pa.string()),
                ("source_domain", pa.string()),
                ("url", pa.string()),
                ("authors", pa.list_(pa.string())),
                ("outlet", pa.string()),
                ("published_source", pa.string()),
                ("story_id", pa.string()),
            ]
        )
    member = pa.struct([("id", pa.string()), ("copy_of", pa.string())])
    return pa.schema(
        [
            ("id", pa.string()),
            ("label", pa.string()),
            ("labels", pa.map_(pa.string(), pa.string())),
            ("languages", pa.list_(pa.string())),
            ("outlets", pa.list_(pa.string())),
            ("first_seen", when),
            ("last_seen", when),
            ("size", pa.int32()),
            ("members", pa.list_(member)),
        ]
    )


def write_parquet(rows: Iterator[dict[str, Any]], path: Path, what: str) -> int:
    """Write rows to a Parquet file a record batch of 1,000 rows at a time."""
    pa, pq = _pyarrow()
    schema = parquet_schema(what)
    count = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        while chunk := list(islice(rows, _CHUNK)):
            if what == "stories":
                for row in chunk:
                    row["labels"] = list(row["labels"].items())
            writer.write_batch(pa.RecordBatch.from_pylist(chunk, schema=schema))
            count += len(chunk)
    return count


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, moved onto it when the block succeeds and removed when it fails."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.touch()
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path} ({exc.strerror or exc}); check that its folder exists and is writable"
        ) from None
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


__all__ = [
    "ARTICLE_FIELDS",
    "FORMATS",
    "STORY_FIELDS",
    "WHAT",
    "article_rows",
    "export",
    "parquet_schema",
    "story_rows",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]
