"""Plain text → one :class:`Document`: the first line is the title, the rest the text."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import InputError
from ..records import Document, Problem
from .decode import decode_bytes


class TextReader:
    format = "text"

    def read(self, data: bytes, source: str) -> Iterator[Document | Problem]:
        try:
            content = decode_bytes(data)
        except InputError as exc:
            yield Problem(source, str(exc))
            return
        lines = content.strip().splitlines()
        title, body = (lines[0].strip(), "\n".join(lines[1:]).strip()) if len(lines) > 1 else ("", content.strip())
        yield Document(text=body, title=title, source=source, format="text")
