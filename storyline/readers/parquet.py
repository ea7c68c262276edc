"""Parquet files → one :class:`Document` per row (needs pyarrow: ``storyline[dask]`` or ``storyline[parquet]``).

Columns are read by the same names as JSON Lines (:mod:`storyline.readers.jsonl`):
news-please's ``title``, ``maintext``, ``date_publish``, ``language``,
``source_domain``, ``url``, ``authors``, or the plain ``title``, ``text``,
``date``, ``lang``, ``outlet``. A row without text is a :class:`Problem` naming
its row number. Rows are read a record batch at a time, so a large file never
sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from ..errors import InputError, MissingExtraError
from ..records import Document, Problem
from .jsonl import document_from_record

MAGIC = b"PAR1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def read_parquet(file: Any, source: str, batch_rows: int = 1000) -> Iterator[Document | Problem]:
    """The rows of a Parquet file (a path or an open random-access file) as documents."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("reading Parquet files", "pyarrow", "parquet") from None
    try:
        parquet = pq.ParquetFile(file)
    except Exception as exc:  # pyarrow raises several types for a broken file
        yield Problem(source, f"it is not a readable Parquet file ({exc}); check the file")
        return
    row = 0
    for batch in parquet.iter_batches(batch_size=batch_rows):
        for record in batch.to_pylist():
            row += 1
            where = f"{source}#{row}"
            try:
                yield document_from_record({k: _plain(v) for k, v in record.items()}, where, fmt="parquet")
            except InputError as exc:
                yield Problem(where, f"row {row}: {exc}")


__all__ = ["MAGIC", "read_parquet"]
