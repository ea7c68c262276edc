"""HTML pages → one :class:`Document` each, through :func:`storyline.extract.extract_html`."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import InputError
from ..extract import extract_html
from ..records import Document, Problem
from .decode import decode_bytes


class HtmlReader:
    format = "html"

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]:
        try:
            yield extract_html(decode_bytes(data), source=source)
        except InputError as exc:
            yield Problem(source, str(exc))
