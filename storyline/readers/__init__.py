"""Ingest: files and directories → :class:`Document` records, one reader per format.

Every reader follows one small contract (:class:`Reader`): bytes in, documents
(or :class:`Problem` records for the parts it could not use) out. The format of
each file is detected from its content, so a directory may mix HTML, JSONL and
plain text whatever the file names say. Nothing here raises for a bad file: it
becomes a ``Problem`` with a one-line reason and the batch goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from ..errors import InputError
from ..extract import date_from_name
from ..records import Document, Problem
from .decode import unpack
from .warc import WarcPage, file_head, head_of, is_warc_name, looks_like_warc, read_warc_file, resolve_pages


class Reader(Protocol):
    """Turns one input's bytes into documents. ``format`` names what it reads."""

    format: str

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]: ...


_HTML_HINT = re.compile(rb"<(!doctype\s+html|html|head|body|article|main|div|p|h1|title)[\s>]", re.IGNORECASE)
_JSON_FEED = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/', re.IGNORECASE)
_FEED_HINT = re.compile(rb"<(rss|feed|rdf:RDF|urlset|sitemapindex)[\s>]", re.IGNORECASE)


def detect_format(data: bytes) -> str:
    """Guess the format of ``data`` from its content: ``jsonl``, ``json``, ``html``, ``feed``, ``warc`` or ``text``."""
    head = data[:8192]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    if head[:2] in (b"\xff\x00", b"\x00\xff") or b"\x00" in head[:64]:
        head = data[:8192].decode("utf-16", "ignore").encode("utf-8")
    stripped = head.lstrip()
    if stripped.startswith(b"WARC/"):
        return "warc"
    if stripped.startswith(b"{"):
        return "feed" if _JSON_FEED.search(head) else "jsonl"
    if stripped.startswith(b"["):
        return "json"
    if _FEED_HINT.search(head[:2048]) and not re.search(rb"<html", head[:2048], re.IGNORECASE):
        return "feed"
    if _HTML_HINT.search(head):
        return "html"
    return "text"


def _readers() -> dict[str, Reader]:
    from ..registry import readers

    return readers()


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Problem]:
    """Expand ``paths`` into files: directories recursively, in name order, hidden files skipped."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if child.is_file() and not any(part.startswith(".") for part in relative.parts):
                    yield child
        elif path.is_file():
            yield path
        elif path.exists():
            yield Problem(str(path), "it is not a regular file or directory")
        else:
            yield Problem(str(path), "no such file or directory; check the path")


def read_bytes(data: bytes, source: str, max_bytes: int) -> Iterator[Document | Problem]:
    """Read one input's bytes with the reader its content calls for."""
    # a WARC archive goes to its reader still compressed: it is gzip member by member, which warcio streams
    warc = looks_like_warc(head_of(data))
    try:
        data = data if warc and len(data) <= max_bytes else unpack(data, max_bytes)
    except InputError as exc:
        yield Problem(source, str(exc))
        return
    if not data.strip():
        yield Problem(source, "the file is empty")
        return
    fmt = "warc" if warc else detect_format(data)
    reader = _readers().get(fmt)
    if reader is None:
        yield Problem(
            source,
            f"it looks like a {fmt} file, which this version of Storyline cannot read yet; "
            "convert the articles to HTML, JSONL or plain text",
        )
        return
    yield from reader.read(data, source)


def read_paths(paths: Iterable[str | Path], max_bytes: int) -> Iterator[Document | Problem]:
    """Read every file under ``paths``; unreadable ones become :class:`Problem` records.

    WARC pages are extracted here, in this process; :func:`storyline.pipeline.ingest`
    uses :func:`read_inputs` to extract them in its worker processes instead.
    """
    return resolve_pages(read_inputs(paths, max_bytes))


def read_inputs(paths: Iterable[str | Path], max_bytes: int) -> Iterator[Document | Problem | WarcPage]:
    """Like :func:`read_paths`, but a WARC archive's pages come out not yet extracted, as :class:`WarcPage`.

    A WARC archive (found by its content) is streamed record by record, never read
    whole, so ``max_bytes`` limits each record rather than the file; every other file
    is read whole, up to ``max_bytes``.
    """
    for item in iter_files(paths):
        if isinstance(item, Problem):
            yield item
            continue
        source = str(item)
        try:
            head = file_head(item)
            if looks_like_warc(head):
                yield from read_warc_file(item, max_bytes)
                continue
            if is_warc_name(item.name) and head.strip():
                yield Problem(
                    source,
                    f"it is named like a WARC archive but is not one (it starts with {head[:24]!r}); "
                    "check that the download finished, or rename the file if it holds something else",
                )
                continue
            size = item.stat().st_size
            if size > max_bytes:
                yield too_large(source, size, max_bytes)
                continue
            data = item.read_bytes()
        except OSError as exc:
            yield Problem(source, f"it cannot be read ({exc.strerror or exc}); check its permissions")
            continue
        yield from read_file_bytes(data, source, item.name, max_bytes)


def too_large(source: str, size: int, max_bytes: int) -> Problem:
    """The problem for a file over the ``max_bytes`` setting, saying how to read it anyway."""
    return Problem(
        source,
        f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
        "raise the max_bytes setting (STORYLINE_MAX_BYTES) to read it",
    )


def read_file_bytes(data: bytes, source: str, name: str, max_bytes: int) -> Iterator[Document | Problem]:
    """:func:`read_bytes` for a whole file: an undated article takes a date written in the file ``name``."""
    for found in read_bytes(data, source, max_bytes):
        if isinstance(found, Document) and found.published is None:
            found.published = date_from_name(name)
            found.published_source = "filename" if found.published else None
        yield found


__all__ = [
    "Reader",
    "WarcPage",
    "detect_format",
    "iter_files",
    "read_bytes",
    "read_file_bytes",
    "read_inputs",
    "read_paths",
    "too_large",
]
