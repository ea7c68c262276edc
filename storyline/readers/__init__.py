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


class Reader(Protocol):
    """Turns one input's bytes into documents. ``format`` names what it reads."""

    format: str

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]: ...


_HTML_HINT = re.compile(rb"<(!doctype\s+html|html|head|body|article|main|div|p|h1|title)[\s>]", re.IGNORECASE)
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
        return "jsonl"
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
    try:
        data = unpack(data, max_bytes)
    except InputError as exc:
        yield Problem(source, str(exc))
        return
    if not data.strip():
        yield Problem(source, "the file is empty")
        return
    fmt = detect_format(data)
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
    """Read every file under ``paths``; unreadable ones become :class:`Problem` records."""
    for item in iter_files(paths):
        if isinstance(item, Problem):
            yield item
            continue
        source = str(item)
        try:
            size = item.stat().st_size
            if size > max_bytes:
                yield Problem(
                    source,
                    f"the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
                    "raise the max_bytes setting (STORYLINE_MAX_BYTES) to read it",
                )
                continue
            data = item.read_bytes()
        except OSError as exc:
            yield Problem(source, f"it cannot be read ({exc.strerror or exc}); check its permissions")
            continue
        for found in read_bytes(data, source, max_bytes):
            if isinstance(found, Document) and found.published is None:
                found.published = date_from_name(item.name)
                found.published_source = "filename" if found.published else None
            yield found


__all__ = ["Reader", "detect_format", "iter_files", "read_bytes", "read_paths"]
