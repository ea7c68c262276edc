"""WARC archives (Common Crawl's CC-NEWS and any crawler's) → one :class:`Document` per HTML page.

A WARC file can hold tens of gigabytes, so it is never read whole: :func:`read_warc`
streams it record by record with warcio, keeps only HTML ``response`` records with
status 200, and hands each page on as a :class:`WarcPage` — raw bytes, not yet
extracted. Extraction is the expensive part (~30 ms a page), so the pipeline runs
:func:`extract_pages` in its worker processes (:func:`resolve_pages`); ``max_bytes``
applies to each record's payload, not to the archive.

Bad archives go as far as they can: a file cut off while being written or copied
keeps the records before the break and reports where it ends; a record with broken
headers is skipped with its reason and reading resumes at the next record (the next
gzip member, or the next ``WARC/`` line of an uncompressed file).
"""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, MissingExtraError
from ..extract import extract_html, parse_datetime
from ..records import Document, Problem
from .decode import GZIP_MAGIC, decode_bytes

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
_READ = 1 << 16
_LINE = 1 << 16
_WARC_LINE = re.compile(rb"^WARC/\d")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=|<\?xml[^>]+encoding\s*=""", re.IGNORECASE)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(slots=True)
class WarcPage:
    """An HTML response found in a WARC archive, not yet extracted: what a worker process receives.

    ``source`` is ``path#N`` (the N-th record of the file), so a problem or a stored
    article points back to the record it came from.
    """

    payload: bytes
    url: str | None
    warc_date: datetime | None
    charset: str | None
    source: str


def is_warc_name(name: str) -> bool:
    """True for the file names crawlers give WARC (and ARC) archives."""
    return name.lower().endswith(WARC_SUFFIXES)


def head_of(data: bytes, size: int = 64) -> bytes:
    """The first ``size`` bytes of ``data``'s content, decompressed when it is gzip."""
    import zlib

    if data[:2] != GZIP_MAGIC:
        return data[:size]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, size)
    except zlib.error:
        return b""


def file_head(path: Path, size: int = 64) -> bytes:
    """The first ``size`` bytes of a file's content (decompressed when gzip), read without reading the file.

    Enough to tell a WARC archive (``WARC/1.x``) from anything else.
    """
    with path.open("rb") as fh:
        return head_of(fh.read(4096), size)


def looks_like_warc(head: bytes) -> bool:
    return head.lstrip().startswith(b"WARC/")


def _warcio() -> Any:
    try:
        from warcio.bufferedreaders import DecompressingBufferedReader
        from warcio.recordloader import ArcWarcRecordLoader
    except ImportError:  # a declared dependency, but an environment can lack it
        raise MissingExtraError("reading WARC archives", "warcio", "warc") from None
    return DecompressingBufferedReader, ArcWarcRecordLoader


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def read_warc(stream: IO[bytes], source: str, max_bytes: int) -> Iterator[WarcPage | Problem]:
    """Stream the records of one WARC archive (plain or gzip); yield its HTML pages and the problems met.

    Only ``response`` records with HTTP status 200 and an HTML content type become
    pages; requests, metadata, warcinfo, revisits, images and other records are
    passed over without a word, since an archive is mostly made of them.
    """
    from warcio.exceptions import ArchiveLoadFailed
    from warcio.statusandheaders import StatusAndHeadersParserException

    reader_class, loader_class = _warcio()
    counted = _Counting(stream)
    reader = reader_class(counted, block_size=_READ)
    loader = loader_class(verify_http=False, arc2warc=False)
    number = 0  # records started
    complete = 0  # records read to their end
    next_line: bytes | None = None
    while True:
        number += 1
        where = f"{source}#{number}"
        record: Any = None
        length: int | None = None
        broken: str | None = None
        try:
            record = loader.parse_record_stream(reader, next_line, known_format="warc")
        except EOFError:  # no record here (the end of a gzip member or of the file), or one cut off
            if next_line is not None:
                yield Problem(source, _truncated(complete))
                return
            number -= 1
        # warcio meets some broken headers with AttributeError/TypeError (a response with no target URI)
        except (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, AttributeError, TypeError) as exc:
            if number == 1:
                yield Problem(source, f"it does not start with a WARC record ({_first_line(exc)}); {_NOT_WARC}")
                return
            broken = f"record {number} has broken WARC headers ({_first_line(exc)}); it was skipped"
        else:
            length = _content_length(record.rec_headers.get_header("Content-Length"))
            if length is None:
                broken = f"record {number} has no valid Content-Length header; it was skipped"
        if broken is not None:
            next_line, clean_end = _resync(reader)
            if next_line is None and not reader.read_next_member():
                # headers cut off by the end of the file are reported as that, below
                if clean_end and not _cut_off(reader, counted):
                    yield Problem(where, broken)
                else:
                    yield Problem(source, _truncated(complete))
                return
            yield Problem(where, broken)
            continue
        if record is not None and length is not None:
            page: WarcPage | Problem | None
            try:
                page = _page(record, where, number, max_bytes)
            except (OSError, ValueError, EOFError) as exc:  # a broken body (bad chunking or content-encoding)
                page = Problem(where, f"record {number} cannot be read ({_first_line(exc)}); it was skipped")
            if _drain(record) < length:
                yield Problem(source, _truncated(complete))
                return
            complete += 1
            if page is not None:
                yield page
        next_line = _skip_blank_lines(reader)
        if next_line is None and not reader.read_next_member():
            break
    if _cut_off(reader, counted):
        yield Problem(source, _truncated(complete))
    elif counted.count == 0:
        yield Problem(source, "the file is empty")


class _Counting:
    """Counts the bytes read from a stream: an empty file is not a cut-off one."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data


def _cut_off(reader: Any, counted: _Counting) -> bool:
    """True when the stream ended inside a gzip member: the file was cut off."""
    return counted.count > 0 and reader.decompressor is not None and not reader.decompressor.eof


_NOT_WARC = "it is named like a WARC archive but is not one; check the file, or rename it if it holds something else"


def _truncated(complete: int) -> str:
    return (
        f"the file ends early, after {complete} complete record{'s' if complete != 1 else ''}: it was cut off while "
        "being written or copied; the records before the break were read — copy or download it again for the rest"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line[:120]


def _content_length(value: str | None) -> int | None:
    try:
        length = int(value) if value is not None else -1
    except ValueError:
        return None
    return length if length >= 0 else None


def _page(record: Any, where: str, number: int, max_bytes: int) -> WarcPage | Problem | None:
    """The record as a page to extract, a problem, or ``None`` when it is not an HTML page at all."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    content_type = record.http_headers.get_header("Content-Type")
    if _mime(content_type) not in HTML_TYPES:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    payload = record.content_stream().read(max_bytes + 1)
    if len(payload) > max_bytes:
        return Problem(
            where,
            f"record {number} ({url}) is over the {max_bytes / 1e6:.0f} MB limit; "
            "raise the max_bytes setting (STORYLINE_MAX_BYTES) to read it",
        )
    raw_date = record.rec_headers.get_header("WARC-Date")
    match = _CHARSET.search(content_type or "")
    return WarcPage(
        payload=payload,
        url=url or None,
        warc_date=parse_datetime(raw_date) if raw_date else None,
        charset=match.group(1) if match else None,
        source=where,
    )


def _drain(record: Any) -> int:
    """Read the rest of a record's block; return how many bytes the block had in all."""
    raw = record.raw_stream
    while raw.read(_READ):
        pass
    consumed: int = record.length - raw.limit if hasattr(raw, "limit") else record.length
    return consumed


def _skip_blank_lines(reader: Any) -> bytes | None:
    """Consume the blank lines after a record; return the next non-blank line (``None`` at the end).

    warcio's own iterator prints a warning to stderr when the line is not blank; here the
    next parse reports it as a problem instead.
    """
    while True:
        line: bytes = reader.readline(_LINE)
        if not line:
            return None
        if line.strip():
            return line


def _resync(reader: Any) -> tuple[bytes | None, bool]:
    """Skip to the next record after a broken one; return its first line and whether the file ended cleanly.

    In a gzip-per-record archive (the norm) that is the next gzip member: the rest of
    this member is read away and ``None`` returned for the caller to move on. In an
    uncompressed archive it is the next line that starts with ``WARC/``. A record ends
    with a blank line, so a file whose last line is not blank was cut off.
    """
    if reader.decompressor is not None:
        while reader.read(_READ):
            pass
        return None, True
    last = b""
    while True:
        line: bytes = reader.readline(_LINE)
        if not line:
            return None, bool(last) and not last.strip()
        if _WARC_LINE.match(line):
            return line, True
        last = line


def decode_page(payload: bytes, charset: str | None) -> str:
    """Decode an HTML payload: a BOM or the page's own charset first, UTF-8, the HTTP charset, then a detector.

    The HTTP header's charset comes after UTF-8 because servers often send a default
    ``iso-8859-1`` for pages that are UTF-8, and a strict latin-1 decode never fails.
    """
    if charset and not payload.startswith(_BOMS) and not _DECLARED.search(payload[:4096]):
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
        try:
            return payload.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_bytes(payload)


def extract_page(page: WarcPage) -> Document | Problem:
    """Extract one page's article; the WARC-Date is the publish date only when the page declares none."""
    try:
        doc = extract_html(decode_page(page.payload, page.charset), url=page.url, source=page.source)
    except InputError as exc:
        return Problem(page.source, f"{page.url or 'the page'}: {exc}")
    if doc.published is None and page.warc_date is not None:
        doc.published, doc.published_source = page.warc_date, "warc"
    doc.format = "warc"
    return doc


def extract_pages(pages: list[WarcPage]) -> list[Document | Problem]:
    """Extract a chunk of pages: the unit of work a worker process gets."""
    return [extract_page(page) for page in pages]


def resolve_pages(
    items: Iterable[Document | Problem | WarcPage],
    executor: Executor | None = None,
    chunk: int = 8,
    ahead: int = 4,
) -> Iterator[Document | Problem]:
    """Extract the :class:`WarcPage` items among ``items``, in ``executor``'s processes when given; keep the order.

    At most ``ahead`` chunks of ``chunk`` pages are in flight, so memory stays bounded
    however large the archive.
    """
    if executor is None:
        for item in items:
            yield extract_page(item) if isinstance(item, WarcPage) else item
        return
    queue: deque[Future[list[Document | Problem]] | Document | Problem] = deque()
    pages: list[WarcPage] = []
    in_flight = 0

    def drain(limit: int) -> Iterator[Document | Problem]:
        nonlocal in_flight
        while queue and (in_flight > limit or len(queue) > ahead * chunk or not isinstance(queue[0], Future)):
            head = queue.popleft()
            if isinstance(head, Future):
                in_flight -= 1
                yield from head.result()
            else:
                yield head

    try:
        for item in items:
            if isinstance(item, WarcPage):
                pages.append(item)
                if len(pages) < chunk:
                    continue
                queue.append(executor.submit(extract_pages, pages))
                pages, in_flight = [], in_flight + 1
            else:
                if pages:
                    queue.append(executor.submit(extract_pages, pages))
                    pages, in_flight = [], in_flight + 1
                queue.append(item)
            yield from drain(ahead)
        if pages:
            queue.append(executor.submit(extract_pages, pages))
            in_flight += 1
        yield from drain(-1)
    finally:
        for left in queue:
            if isinstance(left, Future):
                left.cancel()


def read_warc_file(path: Path, max_bytes: int) -> Iterator[WarcPage | Problem]:
    """Stream one WARC file (plain or gzip) from disk."""
    with path.open("rb") as fh:
        yield from read_warc(fh, str(path), max_bytes)


class WarcReader:
    """The :class:`~storyline.readers.Reader` for WARC bytes already in memory (an upload, a fetched file).

    Files on disk do not come here: :func:`storyline.readers.read_inputs` streams them.
    """

    format = "warc"

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]:
        for item in read_warc(io.BytesIO(data), source, max(len(data), 1)):
            yield extract_page(item) if isinstance(item, WarcPage) else item


__all__ = [
    "WarcPage",
    "WarcReader",
    "decode_page",
    "extract_page",
    "extract_pages",
    "file_head",
    "head_of",
    "is_warc_name",
    "looks_like_warc",
    "read_warc",
    "read_warc_file",
    "resolve_pages",
]
