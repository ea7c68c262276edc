"""Bytes → text: byte-order marks, declared charsets, UTF-8, then a detector.

News files arrive in cp1251, latin-1, Shift-JIS, UTF-16 with a BOM and as gzip;
this module turns them into ``str`` or raises :class:`InputError` saying why not.
"""

from __future__ import annotations

import codecs
import re
import zlib

from ..errors import InputError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARED = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
GZIP_MAGIC = b"\x1f\x8b"


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip ``data`` (every member, as ``cat a.gz b.gz`` makes), refusing output over ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = decompressor.decompress(data, max_bytes + 1 - size)
        except zlib.error as exc:
            raise InputError(f"the gzip data is corrupt ({exc}); re-download or re-compress the file") from None
        size += len(out)
        parts.append(out)
        if size > max_bytes or decompressor.unconsumed_tail:
            raise InputError(
                f"it decompresses to more than {max_bytes:,} bytes; raise the max_bytes setting to read it"
            )
        if not decompressor.eof:
            raise InputError("the gzip data is truncated; the file was cut off while being written or copied")
        data = decompressor.unused_data.lstrip(b"\0")  # the next member, if any (padding aside)
    return b"".join(parts)


_SINGLE_BYTE = {"iso8859-1", "iso8859-15", "cp1252", "iso8859-2", "cp1250", "ascii"}


def _declared_charset(head: bytes) -> str | None:
    match = _DECLARED.search(head) or _XML_DECLARED.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def looks_binary(data: bytes) -> bool:
    """True when ``data`` has NUL bytes or many control bytes (and no UTF-16/32 BOM)."""
    head = data[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > max(8, len(head) // 100)


def decode_bytes(data: bytes) -> str:
    """Decode ``data`` to text, or raise :class:`InputError` when it is not text."""
    if not data.strip():
        raise InputError("the file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"it starts with a {encoding} byte-order mark but does not decode as {encoding} ({exc.reason})"
                ) from None
    if looks_binary(data):
        raise InputError("it is a binary file, not text, HTML or JSONL; give Storyline HTML pages, JSONL or plain text")
    declared = _declared_charset(data[:4096])
    if declared in _SINGLE_BYTE and not data.isascii():
        # Pages often say latin-1 while holding UTF-8 (a template's header, a CMS's body). Valid UTF-8 with
        # non-ASCII bytes almost never happens by chance in a single-byte text, so the bytes win.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise InputError("its character encoding could not be recognised; convert it to UTF-8 and try again")
    return data.decode(best.encoding, errors="replace")


def unpack(data: bytes, max_bytes: int, label: str = "the file") -> bytes:
    """Check ``data``'s size against ``max_bytes`` and expand gzip within the same limit."""
    if len(data) > max_bytes:
        raise InputError(
            f"{label} is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
            "raise the max_bytes setting (STORYLINE_MAX_BYTES) to read it"
        )
    return gunzip(data, max_bytes) if data[:2] == GZIP_MAGIC else data
