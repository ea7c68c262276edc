"""The batch job: a corpus too big for one process → Parquet datasets of articles, pairs and stories.

``storyline batch INPUT... --out DIR`` runs the same stages as ``ingest`` over
partitions of the input, on an :class:`~storyline.engines.Engine` (in this
process, or on a Dask cluster), and writes what it found to ``DIR``::

    articles/part-NNNNN.parquet   articles with their enrichment, embeddings and MinHash, per input partition
    problems/part-NNNNN.parquet   inputs and records that were skipped, with the reason (a side output)
    pairs/block-NNNNN.parquet     candidate pairs with their scores, per time block
    stories/stories-NNNNN.parquet stories with their members and the reason for each member
    _manifests/*.json             one per finished partition or block: what it read, wrote and took
    logs/*.log                    one per partition or block
    _SUCCESS                      the job's summary, written last

The stages:

1. **partitions** (engine) — input files are listed and grouped into
   partitions (~32 MB or 256 files; a bigger file is a partition of its own);
   each partition is read (HTML, JSONL, JSON, text, WARC, Parquet; local or an
   fsspec URL), built into articles, enriched, embedded (title, lead, body), and
   MinHashed; its articles are written sorted by publish time in row groups of
   1,000, so a time range can be read back without reading the rest.
2. **pairs** (engine) — time blocks the width of the story window: each block's
   articles are compared with the earlier articles of the same and the previous
   block, never all pairs. Nearest neighbours by meaning (exact cosine for
   blocks up to 20,000 articles, a usearch HNSW index above), copies by MinHash
   LSH, and every neighbour pair scored by the same-story model that ``ingest``
   uses (pair features, the scorer's dimensions, TF-IDF with the corpus's
   document frequencies).
3. **stories** (driver) — the online clustering of :mod:`storyline.stories`,
   replayed in date order over the scored pairs: a copy joins its original's
   story; otherwise the candidate stories of the nearest earlier articles,
   the warm ones only, are compared by the mean same-story probability of
   their closest members, and the best joins above the threshold. Same rules,
   same reasons, no store: one pass over the edges, linear in their number.

A rerun with the same inputs and settings skips every partition and block whose
manifest matches, so an interrupted job resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConfigError, InputError, MissingExtraError
from .records import Article, ArticleVectors, Document, Mention, Problem, Sentence
from .settings import Settings

if TYPE_CHECKING:
    from .engines import Engine
    from .store import Store

SCHEMA_VERSION = 1
PARTITION_BYTES = 32_000_000
PARTITION_FILES = 256
ROW_GROUP = 1000
EXACT_LIMIT = 20_000
STORY_CHUNK = 100_000
_US_PER_DAY = 86_400_000_000


# -- where files live: local paths or URLs, through pyarrow's filesystem layer ---------------
def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise MissingExtraError("storyline batch", "pyarrow", "dask") from None
    return pyarrow


def resolve(uri: str) -> tuple[Any, str]:
    """A pyarrow filesystem and the path in it for a local path or a URL (``s3://…``, ``gs://…``, ``memory://…``).

    URLs go through fsspec when it (and the filesystem's package, e.g. s3fs) is
    installed, else through pyarrow's own S3/GCS/HDFS support.
    """
    import pyarrow.fs as pafs

    if "://" not in uri or uri.startswith("file://"):
        return pafs.LocalFileSystem(), str(Path(uri.removeprefix("file://")).resolve())
    try:
        import fsspec

        fs, path = fsspec.core.url_to_fs(uri)
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path
    except ImportError:
        pass
    try:
        fs, path = pafs.FileSystem.from_uri(uri)
        return fs, str(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for schemes it lacks
        scheme = uri.split("://", 1)[0]
        raise InputError(
            f"{uri}: no filesystem for {scheme}:// ({exc}); install fsspec and its package for {scheme} "
            "(e.g. s3fs, gcsfs, adlfs)"
        ) from None


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def _write_bytes(uri: str, data: bytes) -> None:
    fs, path = resolve(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(path) as handle:
        handle.write(data)


def _read_bytes(uri: str) -> bytes | None:
    import pyarrow.fs as pafs

    fs, path = resolve(uri)
    if fs.get_file_info(path).type != pafs.FileType.File:
        return None
    with fs.open_input_stream(path) as handle:
        data: bytes = handle.read()
    return data


def _write_table(uri: str, table: Any, row_group: int = ROW_GROUP) -> None:
    import pyarrow.parquet as pq

    fs, path = resolve(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    pq.write_table(table, path, filesystem=fs, row_group_size=row_group, compression="zstd")


def _read_table(uri: str, columns: Sequence[str] | None = None, filters: Any = None) -> Any:
    import pyarrow.parquet as pq

    fs, path = resolve(uri)
    return pq.read_table(path, filesystem=fs, columns=list(columns) if columns else None, filters=filters)


def _delete(uri: str) -> None:
    fs, path = resolve(uri)
    with contextlib.suppress(OSError):
        fs.delete_file(path)


# -- input files and partitions ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file: where it is, its size and a stamp (modification time) that changes when it does."""

    uri: str
    size: int
    stamp: str


@dataclass(frozen=True, slots=True)
class Partition:
    """A group of input files processed together; ``fingerprint`` changes when a file or a setting does."""

    name: str
    index: int
    files: tuple[InputFile, ...]
    fingerprint: str


def list_inputs(inputs: Iterable[str | Path]) -> tuple[list[InputFile], list[Problem]]:
    """Every file under ``inputs`` (local paths or URLs; directories recursively, hidden files skipped)."""
    import pyarrow.fs as pafs

    from .readers import iter_files

    files: list[InputFile] = []
    problems: list[Problem] = []
    for raw in inputs:
        uri = str(raw)
        if "://" not in uri:
            for item in iter_files([uri]):
                if isinstance(item, Problem):
                    problems.append(item)
                    continue
                stat = item.stat()
                files.append(InputFile(str(item.resolve()), stat.st_size, str(stat.st_mtime_ns)))
            continue
        fs, path = resolve(uri)
        base = uri.split("://", 1)[0] + "://"
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.Directory:
            found = fs.get_file_info(pafs.FileSelector(path, recursive=True))
            for child in sorted(found, key=lambda i: i.path):
                relative = child.path[len(path) :].strip("/")
                if child.type == pafs.FileType.File and not any(p.startswith(".") for p in relative.split("/")):
                    files.append(InputFile(base + child.path, child.size or 0, str(child.mtime_ns or "")))
        elif info.type == pafs.FileType.File:
            files.append(InputFile(uri, info.size or 0, str(info.mtime_ns or "")))
        else:
            problems.append(Problem(uri, "no such file or directory; check the URL"))
    return files, problems


def _settings_key(settings: Settings) -> dict[str, Any]:
    return {"encoder": settings.encoder, "min_words": settings.min_words, "max_bytes": settings.max_bytes}


def plan_partitions(
    files: Sequence[InputFile],
    settings: Settings,
    target_bytes: int = PARTITION_BYTES,
    max_files: int = PARTITION_FILES,
) -> list[Partition]:
    """Group files, in the order given, into partitions of about ``target_bytes`` or ``max_files``."""
    groups: list[list[InputFile]] = []
    current: list[InputFile] = []
    size = 0
    for f in files:
        if current and (size + f.size > target_bytes or len(current) >= max_files):
            groups.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        groups.append(current)
    out = []
    for i, group in enumerate(groups):
        key = json.dumps(
            {"v": SCHEMA_VERSION, "files": [dataclasses.astuple(f) for f in group], **_settings_key(settings)}
        )
        out.append(Partition(f"part-{i:05d}", i, tuple(group), hashlib.sha1(key.encode()).hexdigest()[:16]))
    return out


# -- the articles table ------------------------------------------------------------------
def article_schema(dim: int) -> Any:
    """The schema of ``articles/*.parquet`` (one row per article; README "Batch output")."""
    pa = _pyarrow()
    vector = pa.list_(pa.float32(), dim)
    return pa.schema(
        [
            ("id", pa.string()),
            ("partition", pa.string()),
            ("seq", pa.int32()),
            ("title", pa.string()),
            ("text", pa.string()),
            ("lead", pa.string()),
            ("url", pa.string()),
            ("outlet", pa.string()),
            ("language", pa.string()),
            ("language_confidence", pa.float32()),
            ("published", pa.timestamp("us", tz="UTC")),
            ("published_source", pa.string()),
            ("authors", pa.list_(pa.string())),
            ("source", pa.string()),
            ("format", pa.string()),
            (
                "sentences",
                pa.list_(
                    pa.struct(
                        [
                            ("start", pa.int32()),
                            ("end", pa.int32()),
                            ("language", pa.string()),
                            ("language_confidence", pa.float32()),
                        ]
                    )
                ),
            ),
            (
                "mentions",
                pa.list_(
                    pa.struct(
                        [
                            ("kind", pa.string()),
                            ("text", pa.string()),
                            ("key", pa.string()),
                            ("label", pa.string()),
                            ("start", pa.int32()),
                            ("end", pa.int32()),
                            ("sentence", pa.int32()),
                            ("attrs", pa.string()),
                        ]
                    )
                ),
            ),
            ("model", pa.string()),
            ("title_vector", vector),
            ("lead_vector", vector),
            ("body_vector", vector),
            ("minhash", pa.list_(pa.uint32(), 128)),
        ]
    )


def _article_row(
    article: Article, vectors: ArticleVectors, signature: np.ndarray, partition: str, seq: int
) -> dict[str, Any]:
    return {
        "id": article.id,
        "partition": partition,
        "seq": seq,
        "title": article.title,
        "text": article.text,
        "lead": article.lead,
        "url": article.url,
        "outlet": article.outlet,
        "language": article.language,
        "language_confidence": article.language_confidence,
        "published": article.published,
        "published_source": article.published_source,
        "authors": list(article.authors),
        "source": article.source,
        "format": article.format,
        "sentences": [
            {"start": s.start, "end": s.end, "language": s.language, "language_confidence": s.language_confidence}
            for s in article.sentences
        ],
        "mentions": [
            {
                "kind": m.kind,
                "text": m.text,
                "key": m.key,
                "label": m.label,
                "start": m.start,
                "end": m.end,
                "sentence": m.sentence,
                "attrs": json.dumps(m.attrs, ensure_ascii=False, sort_keys=True),
            }
            for m in article.mentions
        ],
        "model": vectors.model,
        "title_vector": vectors.title,
        "lead_vector": vectors.lead,
        "body_vector": vectors.body,
        "minhash": signature,
    }


def article_from_row(row: dict[str, Any]) -> tuple[Article, ArticleVectors]:
    """An article and its vectors back from one row of ``articles/*.parquet``."""
    text = row["text"]
    sentences = [
        Sentence(i, text[s["start"] : s["end"]], s["start"], s["end"], s["language"], s["language_confidence"])
        for i, s in enumerate(row["sentences"] or [])
    ]
    mentions = [
        Mention(m["kind"], m["text"], m["key"], m["label"], m["start"], m["end"], m["sentence"], json.loads(m["attrs"]))
        for m in row["mentions"] or []
    ]
    published = row["published"]
    article = Article(
        id=row["id"],
        title=row["title"],
        text=text,
        url=row["url"],
        outlet=row["outlet"],
        language=row["language"],
        language_confidence=float(row["language_confidence"] or 0.0),
        published=published.astimezone(UTC) if published is not None else None,
        published_source=row["published_source"],
        authors=list(row["authors"] or []),
        sentences=sentences,
        mentions=mentions,
        source=row["source"],
        format=row["format"],
    )

    def vec(name: str) -> np.ndarray:
        return np.asarray(row[name], dtype=np.float32)

    vectors = ArticleVectors(
        article.id,
        row["model"],
        vec("title_vector"),
        vec("lead_vector"),
        vec("body_vector"),
        np.zeros((0, len(row["body_vector"])), dtype=np.float32),
    )
    return article, vectors


def _problems_table(problems: Sequence[Problem], partition: str, stage: str) -> Any:
    pa = _pyarrow()
    return pa.table(
        {
            "source": pa.array([p.source for p in problems], pa.string()),
            "reason": pa.array([p.reason for p in problems], pa.string()),
            "partition": pa.array([partition] * len(problems), pa.string()),
            "stage": pa.array([stage] * len(problems), pa.string()),
        }
    )


# -- stage 1: a partition ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PartitionTask:
    partition: Partition
    out: str
    settings: Settings
    threads: int


@dataclass(slots=True)
class TaskResult:
    """What one partition or block task did (also its manifest, written last as its success marker)."""

    name: str
    fingerprint: str
    rows: int
    problems: int
    seconds: float
    worker: str
    first_published: str | None = None
    last_published: str | None = None
    files: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    skipped: bool = False


def _read_file(f: InputFile, max_bytes: int) -> Iterator[Document | Problem]:
    """One input file's documents, with the readers' own detection; Parquet rows are streamed."""
    from .readers import read_file_bytes, too_large
    from .readers.parquet import MAGIC, read_parquet

    try:
        fs, path = resolve(f.uri)
        with fs.open_input_file(path) as handle:
            if handle.read(4) == MAGIC:
                handle.seek(0)
                yield from read_parquet(handle, f.uri)
                return
            if f.size > max_bytes:
                yield too_large(f.uri, f.size, max_bytes)
                return
            handle.seek(0)
            data = handle.read()
    except (OSError, InputError) as exc:
        yield Problem(f.uri, f"it cannot be read ({exc}); check that it exists and is readable")
        return
    yield from read_file_bytes(data, f.uri, f.uri.rsplit("/", 1)[-1], max_bytes)


def _process(articles: list[Article], settings: Settings, threads: int) -> list[tuple[Article, ArticleVectors]]:
    from .embed import embed_articles, load_encoder
    from .pipeline import enrich

    articles = enrich(articles)
    vectors = embed_articles(articles, load_encoder(settings.encoder, threads), sentences=False)
    return list(zip(articles, vectors, strict=True))


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def run_partition(task: PartitionTask) -> TaskResult:
    """Stage 1 for one partition: read → articles → enrich → embed → MinHash → Parquet (runs on a worker)."""
    from threadpoolctl import threadpool_limits

    from .features import document_terms
    from .index import minhash
    from .pipeline import build_batches

    started = time.perf_counter()
    part, settings = task.partition, task.settings
    log = [f"{datetime.now(UTC).isoformat(timespec='seconds')} {part.name} on {_worker()}: {len(part.files)} files"]
    problems: list[Problem] = []
    done: list[tuple[int, Article, ArticleVectors]] = []
    terms: Counter[str] = Counter()
    seq = 0
    docs = (d for f in part.files for d in _read_file(f, settings.max_bytes))
    with threadpool_limits(task.threads):
        for batch in build_batches(docs, settings, size=64):
            problems.extend(batch.problems)
            if not batch.articles:
                continue
            try:
                processed = _process(batch.articles, settings, task.threads)
            except Exception:  # one bad article must not lose the batch: retry them one by one
                processed = []
                for article in batch.articles:
                    try:
                        processed.extend(_process([article], settings, task.threads))
                    except Exception as exc:
                        problems.append(
                            Problem(
                                article.source,
                                f"it could not be enriched or embedded ({type(exc).__name__}: {exc}); "
                                "report this with the input",
                            )
                        )
            for article, vectors in processed:
                done.append((seq, article, vectors))
                terms.update(document_terms(article))
                seq += 1
    done.sort(key=lambda item: (item[1].published is None, _micros(item[1].published), item[0]))
    pa = _pyarrow()
    rows = [_article_row(a, v, minhash(a.text), part.name, s) for s, a, v in done]
    dim = len(rows[0]["body_vector"]) if rows else _encoder_dim(settings)
    table = pa.Table.from_pylist(rows, schema=article_schema(dim))
    _write_table(_join(task.out, "articles", f"{part.name}.parquet"), table)
    _write_table(_join(task.out, "problems", f"{part.name}.parquet"), _problems_table(problems, part.name, "read"))
    words = sorted(terms)
    _write_table(
        _join(task.out, "_work", "terms", f"{part.name}.parquet"),
        pa.table({"word": pa.array(words, pa.string()), "count": pa.array([terms[w] for w in words], pa.int64())}),
        row_group=1_000_000,
    )
    dated = [a.published for _, a, _ in done if a.published is not None]
    seconds = round(time.perf_counter() - started, 3)
    log.append(f"{len(done)} articles, {len(problems)} problems, {seconds:.1f} s")
    log.extend(f"problem {p.source}: {p.reason}" for p in problems[:1000])
    result = TaskResult(
        part.name,
        part.fingerprint,
        len(done),
        len(problems),
        seconds,
        _worker(),
        _iso(min(dated)) if dated else None,
        _iso(max(dated)) if dated else None,
        [f.uri for f in part.files],
        log,
    )
    _finish(task.out, result)
    return result


def _encoder_dim(settings: Settings) -> int:
    from .registry import encoder_factory

    factory: Any = encoder_factory(settings.encoder)
    return int(getattr(factory, "dim", 512))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(value: datetime | None) -> int:
    """Microseconds since the epoch, exactly (0 for no date)."""
    if value is None:
        return 0
    delta = value.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _at(micros: int) -> datetime:
    from datetime import timedelta

    return _EPOCH + timedelta(microseconds=micros)


def _finish(out: str, result: TaskResult) -> None:
    _write_bytes(_join(out, "logs", f"{result.name}.log"), ("\n".join(result.log) + "\n").encode("utf-8"))
    manifest = dataclasses.asdict(result)
    manifest.pop("log")
    manifest.pop("skipped")
    _write_bytes(_join(out, "_manifests", f"{result.name}.json"), json.dumps(manifest, indent=1).encode("utf-8"))


def _finished(out: str, name: str, fingerprint: str) -> TaskResult | None:
    data = _read_bytes(_join(out, "_manifests", f"{name}.json"))
    if data is None:
        return None
    try:
        manifest = json.loads(data)
    except ValueError:
        return None
    if manifest.get("fingerprint") != fingerprint:
        return None
    return TaskResult(**manifest, skipped=True)


# -- stage 2: candidate pairs and their scores, per time block ----------------------------------
@dataclass(frozen=True, slots=True)
class Slice:
    """Where a block reads from: one partition's articles file and its publish-time span."""

    partition: int
    uri: str
    first: str | None
    last: str | None
    undated: bool


@dataclass(frozen=True, slots=True)
class BlockTask:
    """Compare the articles published in [``query_from``, ``query_to``) with the earlier ones from ``load_from``.

    ``query_from is None`` is the block of undated articles, compared with every article.
    """

    name: str
    fingerprint: str
    query_from: int | None
    query_to: int | None
    load_from: int | None
    slices: tuple[Slice, ...]
    drop: frozenset[tuple[int, int]]
    documents: int
    out: str
    settings: Settings
    threads: int


def _load_block(task: BlockTask) -> list[dict[str, Any]]:
    """The rows a block needs, from every partition whose time span overlaps, in arrival order."""
    import pyarrow.compute as pc

    rows: list[dict[str, Any]] = []
    for piece in task.slices:
        table = _read_table(piece.uri)
        if task.query_from is not None and task.load_from is not None and task.query_to is not None:
            lo, hi = _at(task.load_from), _at(task.query_to)
            mask = pc.and_(pc.greater_equal(table["published"], lo), pc.less(table["published"], hi))
            table = table.filter(mask)
        for row in table.to_pylist():
            if (piece.partition, row["seq"]) not in task.drop:
                row["_part"] = piece.partition
                rows.append(row)
    rows.sort(key=lambda r: (r["published"] is None, _micros(r["published"]), r["_part"], r["seq"]))
    return rows


def nearest_earlier(
    bodies: np.ndarray, queries: np.ndarray, k: int, exact_limit: int = EXACT_LIMIT, threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """For each query row index q, the ``k`` most similar rows with an index below q (cosine).

    Rows are in arrival order, so "below" means "earlier". Returns (neighbours, similarities), both
    ``(len(queries), k)``, with -1 / nan where there are fewer. Exact below ``exact_limit`` rows,
    a usearch HNSW index above.
    """
    n, m = len(bodies), len(queries)
    found = np.full((m, k), -1, dtype=np.int64)
    sims = np.full((m, k), np.nan, dtype=np.float32)
    if n == 0 or m == 0:
        return found, sims
    if n <= exact_limit:
        for start in range(0, m, 1024):
            chunk = queries[start : start + 1024]
            scores = bodies[chunk] @ bodies.T
            scores[np.arange(n)[None, :] >= chunk[:, None]] = -np.inf
            take = min(k, n)
            top = (
                np.argpartition(-scores, take - 1, axis=1)[:, :take]
                if take < n
                else np.tile(np.arange(n), (len(chunk), 1))
            )
            for row, q in enumerate(chunk):
                cand = [int(j) for j in top[row] if j < q]
                cand.sort(key=lambda j: (-scores[row, j], j))
                found[start + row, : len(cand)] = cand[:k]
                sims[start + row, : len(cand)] = scores[row, cand[:k]]
        return found, sims
    from usearch.index import Index

    index: Any = Index(
        ndim=bodies.shape[1], metric="cos", dtype="i8", connectivity=16, expansion_add=128, expansion_search=128
    )
    index.add(np.arange(n, dtype=np.uint64), bodies.astype(np.float32), threads=threads)
    wanted = min(n, 3 * k + 10)
    result = index.search(bodies[queries].astype(np.float32), wanted, threads=threads)
    keys, distances = np.atleast_2d(result.keys), np.atleast_2d(result.distances)
    for row, q in enumerate(queries):
        pairs = [(int(j), 1.0 - float(d)) for j, d in zip(keys[row], distances[row], strict=True) if int(j) < q]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        pairs = pairs[:k]
        found[row, : len(pairs)] = [p[0] for p in pairs]
        sims[row, : len(pairs)] = [p[1] for p in pairs]
    return found, sims


def copy_pairs(signatures: np.ndarray, queries: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Pairs (q, earlier row, estimated Jaccard ≥ ``threshold``) found through the MinHash LSH bands."""
    from .index import lsh_bands

    buckets: dict[int, list[int]] = {}
    bands = [lsh_bands(sig) for sig in signatures]
    for row, row_bands in enumerate(bands):
        for band in row_bands:
            buckets.setdefault(band, []).append(row)
    out: list[tuple[int, int, float]] = []
    for q in queries:
        q = int(q)
        earlier = sorted({j for band in bands[q] for j in buckets[band] if j < q})
        if not earlier:
            continue
        similarity = np.mean(signatures[earlier] == signatures[q][None, :], axis=1)
        out.extend((q, j, float(s)) for j, s in zip(earlier, similarity, strict=True) if s >= threshold)
    return out


def _document_frequencies(out: str, words: Sequence[str]) -> dict[str, int]:
    import pyarrow as pa
    import pyarrow.compute as pc

    table = _read_table(_join(out, "_work", "df.parquet"))
    table = table.filter(pc.is_in(table["word"], value_set=pa.array(list(words), pa.string())))
    return dict(zip(table["word"].to_pylist(), table["count"].to_pylist(), strict=True))


def pair_schema() -> Any:
    """The schema of ``pairs/*.parquet`` (one row per candidate pair; README "Batch output")."""
    pa = _pyarrow()
    from .records import DIMENSIONS

    return pa.schema(
        [
            ("a", pa.string()),
            ("b", pa.string()),
            ("kind", pa.string()),
            ("rank", pa.int16()),
            ("similarity", pa.float32()),
            ("jaccard", pa.float32()),
            ("probability", pa.float32()),
            *[(d, pa.float32()) for d in DIMENSIONS],
            ("shared", pa.string()),
        ]
    )


def run_block(task: BlockTask) -> TaskResult:
    """Stage 2 for one time block: candidate pairs (nearest earlier articles, MinHash copies) and their scores."""
    from threadpoolctl import threadpool_limits

    from .features import article_profile
    from .records import DIMENSIONS
    from .score import get_scorer
    from .stories import COPY_JACCARD, NEIGHBOURS, _shared_labels, decision_rows, default_story_model

    started = time.perf_counter()
    pa = _pyarrow()
    rows = _load_block(task)
    if task.query_from is None:
        queries = np.array([i for i, r in enumerate(rows) if r["published"] is None], dtype=np.int64)
    else:
        start = _at(task.query_from)
        queries = np.array([i for i, r in enumerate(rows) if r["published"] >= start], dtype=np.int64)
    bodies = np.stack([np.asarray(r["body_vector"], dtype=np.float32) for r in rows]) if rows else np.zeros((0, 1))
    with threadpool_limits(task.threads):
        neighbours, similarities = nearest_earlier(bodies, queries, NEIGHBOURS, threads=task.threads)
    signatures = np.stack([np.asarray(r["minhash"], dtype=np.uint32) for r in rows]) if rows else np.zeros((0, 128))
    copies = copy_pairs(signatures, queries, COPY_JACCARD)

    loaded: dict[int, tuple[Article, Any]] = {}

    def profile(i: int) -> tuple[Article, Any]:
        if i not in loaded:
            article, vectors = article_from_row(rows[i])
            loaded[i] = (article, article_profile(article, vectors))
        return loaded[i]

    pairs: list[tuple[int, int, int, float]] = [
        (int(q), int(j), rank, float(s))
        for q, found, sims in zip(queries, neighbours, similarities, strict=True)
        for rank, (j, s) in enumerate(zip(found, sims, strict=True))
        if j >= 0
    ]
    scorer, model = get_scorer("learned"), default_story_model()
    out: dict[str, list[Any]] = {name: [] for name in pair_schema().names}
    for start_at in range(0, len(pairs), 2048):
        chunk = pairs[start_at : start_at + 2048]
        left = [profile(q)[1] for q, _, _, _ in chunk]
        right = [profile(j)[1] for _, j, _, _ in chunk]
        words = sorted(
            {w for a, b in zip(left, right, strict=True) if a.language == b.language for w in (*a.words, *b.words)}
        )
        df = _document_frequencies(task.out, words) if words else {}
        decision, scores = decision_rows(_NO_STORE, left, right, scorer, task.documents, _constant(df))
        probabilities = model.probability(decision)
        for (q, j, rank, s), p, sc in zip(chunk, probabilities, scores, strict=True):
            out["a"].append(rows[q]["id"])
            out["b"].append(rows[j]["id"])
            out["kind"].append("neighbour")
            out["rank"].append(rank)
            out["similarity"].append(s)
            out["jaccard"].append(None)
            out["probability"].append(float(p))
            for d in DIMENSIONS:
                out[d].append(sc.get(d))
            out["shared"].append(json.dumps(_shared_labels(profile(q)[0], profile(j)[0]), ensure_ascii=False))
    for q, j, jaccard in copies:
        out["a"].append(rows[q]["id"])
        out["b"].append(rows[j]["id"])
        out["kind"].append("copy")
        out["rank"].append(None)
        out["similarity"].append(float(bodies[q] @ bodies[j]))
        out["jaccard"].append(jaccard)
        out["probability"].append(None)
        for d in DIMENSIONS:
            out[d].append(None)
        out["shared"].append(None)
    table = pa.table(out, schema=pair_schema())
    _write_table(_join(task.out, "pairs", f"{task.name}.parquet"), table, row_group=100_000)
    seconds = round(time.perf_counter() - started, 3)
    result = TaskResult(
        task.name,
        task.fingerprint,
        table.num_rows,
        0,
        seconds,
        _worker(),
        log=[
            f"{datetime.now(UTC).isoformat(timespec='seconds')} {task.name} on {_worker()}: {len(rows)} articles "
            f"loaded, {len(queries)} compared, {len(pairs)} neighbour pairs, {len(copies)} copies, {seconds:.1f} s"
        ],
    )
    _finish(task.out, result)
    return result


class _NoStore:
    """What :func:`storyline.stories.decision_rows` gets when frequencies and the document count are given
    (it then reads nothing from the store)."""

    def term_frequencies(self, words: Sequence[str]) -> dict[str, int]:  # pragma: no cover - never called
        raise AssertionError("document frequencies come from the batch's own table")


_NO_STORE: Any = _NoStore()


def _constant(df: dict[str, int]) -> Callable[[Sequence[str]], dict[str, int]]:
    return lambda _words: df


# -- stage 3: stories, on the driver -------------------------------------------------------
@dataclass(slots=True)
class StoryInput:
    """What the story stage knows of the articles, in arrival order (index = rank)."""

    ids: list[str]
    days: np.ndarray
    languages: list[str | None]
    outlets: list[str | None]
    titles: list[str]
    leads: list[str]


@dataclass(slots=True)
class PairInput:
    """Scored candidate pairs as rank arrays: ``a`` later than ``b`` in arrival order."""

    a: np.ndarray
    b: np.ndarray
    copy: np.ndarray
    similarity: np.ndarray
    jaccard: np.ndarray
    probability: np.ndarray
    scores: dict[str, np.ndarray]
    shared: list[str | None]


@dataclass(slots=True)
class Assignment:
    """The story stage's decision for one article (the same fields as :class:`storyline.stories.Decision`)."""

    story: int
    new_story: bool
    reason: str
    probability: float | None
    copy_of: int | None
    details: dict[str, Any]


def form_stories(
    articles: StoryInput, pairs: PairInput, window_days: float, threshold: float, aggregate: str = "mean"
) -> list[Assignment]:
    """Replay the online clustering over scored pairs, in arrival order; one assignment per article.

    Mirrors :meth:`storyline.stories.Clusterer.assign`: copies first (MinHash ≥ 70%, within the
    window, the earliest original), else the warm candidate stories of the nearest earlier
    articles, each scored by the mean same-story probability of its closest members.
    """
    from .stories import CANDIDATE_STORIES, MEMBERS_PER_STORY, SCORE_DIMENSIONS

    n = len(articles.ids)
    order = np.lexsort((-np.nan_to_num(pairs.similarity, nan=-2.0), pairs.copy, pairs.a))
    a_sorted = pairs.a[order]
    starts = np.searchsorted(a_sorted, np.arange(n + 1))
    story_of = np.full(n, -1, dtype=np.int64)
    first_seen: list[float] = []
    last_seen: list[float] = []
    out: list[Assignment] = []
    days = articles.days

    def title(i: int) -> str:
        outlet = f" ({articles.outlets[i]})" if articles.outlets[i] else ""
        return f"“{articles.titles[i] or articles.leads[i][:60]}”{outlet}"

    def warm(story: int, published: float) -> bool:
        if math.isnan(published):
            return True
        after_last = published - last_seen[story] if not math.isnan(last_seen[story]) else None
        before_first = first_seen[story] - published if not math.isnan(first_seen[story]) else None
        return not (
            (after_last is not None and after_last > window_days)
            or (before_first is not None and before_first > window_days)
        )

    for i in range(n):
        rows = order[starts[i] : starts[i + 1]]
        published = float(days[i])
        copies = [r for r in rows if pairs.copy[r]]
        neighbours = [r for r in rows if not pairs.copy[r]]
        decision: Assignment | None = None
        usable = []
        for r in copies:
            j = int(pairs.b[r])
            gap = published - days[j]
            if math.isnan(gap) or abs(gap) <= window_days:
                usable.append((j, float(pairs.jaccard[r])))
        if usable:
            j, similarity = min(usable, key=lambda u: (days[u[0]] if not math.isnan(days[u[0]]) else math.inf, -u[1]))
            decision = Assignment(
                int(story_of[j]),
                False,
                f"copy of {title(j)}: {similarity:.0%} of its wording",
                None,
                j,
                {"kind": "copy", "copy_of": articles.ids[j], "wording_similarity": round(similarity, 3)},
            )
        else:
            by_story: dict[int, list[int]] = {}
            for r in neighbours:
                by_story.setdefault(int(story_of[int(pairs.b[r])]), []).append(int(r))
            ranked = [s for s in by_story if warm(s, published)][:CANDIDATE_STORIES]
            candidates = []
            for s in ranked:
                members = by_story[s][:MEMBERS_PER_STORY]
                probs = [float(pairs.probability[r]) for r in members]
                best_r = members[int(np.argmax(probs))]
                p = float(np.mean(probs)) if aggregate == "mean" else max(probs)
                candidates.append((p, s, best_r))
            candidates.sort(key=lambda c: -c[0])
            decision = _decide(i, candidates, pairs, articles, threshold, title, SCORE_DIMENSIONS)
        if decision.new_story:
            decision.story = len(first_seen)
            first_seen.append(published)
            last_seen.append(published)
        elif not math.isnan(published):
            s = decision.story
            first_seen[s] = published if math.isnan(first_seen[s]) else min(first_seen[s], published)
            last_seen[s] = published if math.isnan(last_seen[s]) else max(last_seen[s], published)
        story_of[i] = decision.story
        out.append(decision)
    return out


def _decide(
    i: int,
    candidates: list[tuple[float, int, int]],
    pairs: PairInput,
    articles: StoryInput,
    threshold: float,
    title: Callable[[int], str],
    dimensions: Sequence[str],
) -> Assignment:
    """The join-or-new decision with the reason and details :meth:`Clusterer._decide` gives."""
    details: dict[str, Any] = {"threshold": round(threshold, 3)}
    best = candidates[0] if candidates else None
    runner_up = candidates[1] if len(candidates) > 1 else None
    best_member = int(pairs.b[best[2]]) if best else -1
    if best is not None:
        r = best[2]
        details.update(
            {
                "best_member": articles.ids[best_member],
                "best_story": best[1],
                "probability": round(best[0], 3),
                "similarity": round(float(pairs.similarity[r]), 3),
                "scores": {d: round(float(pairs.scores[d][r]), 2) for d in dimensions},
                "shared": json.loads(pairs.shared[r] or "{}"),
            }
        )
    if runner_up is not None:
        details["runner_up"] = {"story": runner_up[1], "probability": round(runner_up[0], 3)}
        details["margin"] = round(best[0] - runner_up[0], 3) if best else None
    if best is not None and best[0] >= threshold:
        r = best[2]
        shared_labels: dict[str, list[str]] = details["shared"]
        shared = (
            "; shared " + ", ".join(f"{k}: {', '.join(v[:4])}" for k, v in shared_labels.items())
            if shared_labels
            else ""
        )
        margin = f"; margin over the runner-up {details['margin']:.2f}" if runner_up is not None else ""
        reason = (
            f"joined: closest to {title(best_member)}, same-story probability "
            f"{best[0]:.2f} (Narrative {float(pairs.scores['Narrative'][r]):.1f}, Entities "
            f"{float(pairs.scores['Entities'][r]):.1f}){shared}{margin}"
        )
        return Assignment(best[1], False, reason, best[0], None, {"kind": "joined", **details})
    if best is None:
        reason = "new story: no warm story nearby"
    else:
        reason = (
            f"new story: nearest was {title(best_member)} in story {{story:{best[1]}}}, "
            f"same-story probability {best[0]:.2f} < {threshold:.2f}"
        )
    return Assignment(-1, True, reason, best[0] if best else None, None, {"kind": "new", **details})


def story_schema() -> Any:
    """The schema of ``stories/*.parquet`` (one row per story, its members nested; README "Batch output")."""
    pa = _pyarrow()
    return pa.schema(
        [
            ("id", pa.string()),
            ("label", pa.string()),
            ("labels", pa.map_(pa.string(), pa.string())),
            ("size", pa.int32()),
            ("languages", pa.list_(pa.string())),
            ("outlets", pa.list_(pa.string())),
            ("first_seen", pa.timestamp("us", tz="UTC")),
            ("last_seen", pa.timestamp("us", tz="UTC")),
            (
                "members",
                pa.list_(
                    pa.struct(
                        [
                            ("article_id", pa.string()),
                            ("position", pa.int64()),
                            ("decision", pa.string()),
                            ("reason", pa.string()),
                            ("probability", pa.float32()),
                            ("copy_of", pa.string()),
                            ("details", pa.string()),
                        ]
                    )
                ),
            ),
        ]
    )


def _story_rows(
    articles: StoryInput,
    assignments: Sequence[Assignment],
    bodies: Callable[[Sequence[int]], np.ndarray],
) -> list[dict[str, Any]]:
    """Stories with members (in arrival order), labels from the most central member per language."""
    from .stories import _story_id

    members: dict[int, list[int]] = {}
    for i, a in enumerate(assignments):
        members.setdefault(a.story, []).append(i)
    story_ids = {s: _story_id(articles.ids[m[0]]) for s, m in members.items()}
    crowded = sorted({i for m in members.values() if len(m) > 1 for i in m[:50]})
    vectors = bodies(crowded) if crowded else np.zeros((0, 1), dtype=np.float32)
    where = {i: k for k, i in enumerate(crowded)}
    out = []
    for s in sorted(members, key=lambda s: members[s][0]):
        ids = members[s]
        if len(ids) > 1:
            head = ids[:50]
            matrix = vectors[[where[i] for i in head]]
            centrality = (matrix @ matrix.T).mean(axis=1)
            labels: dict[str, str] = {}
            for k in np.argsort(-centrality):
                i = head[int(k)]
                language = articles.languages[i]
                if language and articles.titles[i] and language not in labels:
                    labels[language] = articles.titles[i]
            central = head[int(np.argmax(centrality))]
        else:
            central = ids[0]
            language = articles.languages[central]
            labels = {language: articles.titles[central]} if language and articles.titles[central] else {}
        dated = [float(articles.days[i]) for i in ids if not math.isnan(articles.days[i])]
        rows = []
        for i in ids:
            a = assignments[i]
            details = dict(a.details)
            if isinstance(details.get("best_story"), int):
                details["best_story"] = story_ids[details["best_story"]]
            if "runner_up" in details:
                details["runner_up"] = {**details["runner_up"], "story": story_ids[details["runner_up"]["story"]]}
            reason = a.reason
            if "{story:" in reason and isinstance(a.details.get("best_story"), int):
                reason = reason.replace(f"{{story:{a.details['best_story']}}}", story_ids[a.details["best_story"]])
            rows.append(
                {
                    "article_id": articles.ids[i],
                    "position": i,
                    "decision": details.get("kind"),
                    "reason": reason,
                    "probability": a.probability,
                    "copy_of": articles.ids[a.copy_of] if a.copy_of is not None else None,
                    "details": json.dumps(details, ensure_ascii=False, sort_keys=True),
                }
            )
        out.append(
            {
                "id": story_ids[s],
                "label": articles.titles[central] or articles.leads[central][:80],
                "labels": sorted(labels.items()),
                "size": len(ids),
                "languages": sorted({lang for i in ids if (lang := articles.languages[i])}),
                "outlets": sorted({o for i in ids if (o := articles.outlets[i])}),
                "first_seen": _from_days(min(dated)) if dated else None,
                "last_seen": _from_days(max(dated)) if dated else None,
                "members": rows,
            }
        )
    return out


def _from_days(days: float) -> datetime:
    return datetime.fromtimestamp(round(days * 86400 * 1e6) / 1e6, UTC)


# -- the job ------------------------------------------------------------------------------
@dataclass(slots=True)
class BatchReport:
    """What a batch job did: partitions and blocks computed or skipped (resumed), and what it found."""

    out: str
    partitions: int = 0
    partitions_skipped: int = 0
    blocks: int = 0
    blocks_skipped: int = 0
    articles: int = 0
    problems: int = 0
    pairs: int = 0
    stories: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]


def _run(
    engine: Engine,
    fn: Callable[[Any], TaskResult],
    tasks: Sequence[Any],
    names: Sequence[str],
    fingerprints: Sequence[str],
    out: str,
    stage: str,
    log: Callable[[str], None],
    progress: Progress | None,
) -> list[TaskResult]:
    results: list[TaskResult | None] = [None] * len(tasks)
    todo = []
    for i, (name, fingerprint) in enumerate(zip(names, fingerprints, strict=True)):
        done = _finished(out, name, fingerprint)
        if done is not None:
            results[i] = done
        else:
            todo.append(i)
    if len(todo) < len(tasks):
        log(f"{stage}: {len(tasks) - len(todo)} of {len(tasks)} already finished, skipped")
    if progress:
        progress(stage, len(tasks) - len(todo), len(tasks))
    for k, result in engine.map_partitions(fn, [tasks[i] for i in todo]):
        results[todo[k]] = result
        log(f"{result.name}: {result.rows} rows, {result.problems} problems, {result.seconds:.1f} s on {result.worker}")
        if progress:
            progress(stage, sum(r is not None for r in results), len(tasks))
    return [r for r in results if r is not None]


def _clean_stale(out: str, folders: Sequence[str], prefix: str, keep: set[str]) -> None:
    """Remove the outputs, manifests and logs of partitions or blocks that the current plan no longer has."""
    import pyarrow.fs as pafs

    for folder in [*folders, "_manifests", "logs"]:
        fs, path = resolve(_join(out, folder))
        if fs.get_file_info(path).type != pafs.FileType.Directory:
            continue
        for info in fs.get_file_info(pafs.FileSelector(path)):
            name = info.base_name.rsplit(".", 1)[0]
            if name.startswith(prefix) and name not in keep:
                fs.delete_file(info.path)


def run_batch(
    inputs: Sequence[str | Path],
    out: str | Path,
    settings: Settings | None = None,
    engine: Engine | None = None,
    log: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    partition_bytes: int = PARTITION_BYTES,
    partition_files: int = PARTITION_FILES,
) -> BatchReport:
    """Run the batch job over ``inputs`` into the dataset folder ``out`` (see the module doc).

    ``log`` gets one line per finished partition or block; ``progress(stage, done, total)``
    follows each stage. Input files are grouped into partitions of about ``partition_bytes``
    or ``partition_files``.
    """
    from .engines.local import LocalEngine

    settings = settings or Settings()
    engine = engine or LocalEngine(settings.threads)
    log = log or (lambda _message: None)
    _pyarrow()
    out = str(out) if "://" in str(out) else str(Path(out).resolve())
    report = BatchReport(out)
    started = time.perf_counter()
    _delete(_join(out, "_SUCCESS"))

    files, listing_problems = list_inputs(inputs)
    if not files:
        reason = listing_problems[0].reason if listing_problems else "there are no files"
        raise InputError(f"no input file found under {', '.join(map(str, inputs))}: {reason}")
    partitions = plan_partitions(files, settings, partition_bytes, partition_files)
    _clean_stale(out, ["articles", "problems", "_work/terms"], "part-", {p.name for p in partitions})
    _write_table(_join(out, "problems", "listing.parquet"), _problems_table(listing_problems, "", "listing"))
    log(f"{len(files)} files in {len(partitions)} partitions on the {engine.name} engine")
    tasks = [PartitionTask(p, out, settings, engine.threads) for p in partitions]
    results = _run(
        engine,
        run_partition,
        tasks,
        [p.name for p in partitions],
        [p.fingerprint for p in partitions],
        out,
        "partitions",
        log,
        progress,
    )
    report.partitions = len(partitions)
    report.partitions_skipped = sum(r.skipped for r in results)
    report.problems = len(listing_problems) + sum(r.problems for r in results)
    report.seconds["partitions"] = round(time.perf_counter() - started, 3)

    # the arrival order over every partition; an article found twice is kept where it comes first
    t = time.perf_counter()
    uris = [_join(out, "articles", f"{p.name}.parquet") for p in partitions]
    keys: list[tuple[bool, int, int, int, str]] = []
    for index, uri in enumerate(uris):
        table = _read_table(uri, ["id", "seq", "published"])
        for article_id, seq, published in zip(
            table["id"].to_pylist(), table["seq"].to_pylist(), table["published"].to_pylist(), strict=True
        ):
            keys.append((published is None, _micros(published), index, seq, article_id))
    keys.sort()
    seen: set[str] = set()
    drop: set[tuple[int, int]] = set()
    order: list[tuple[bool, int, int, int, str]] = []
    for key in keys:
        if key[4] in seen:
            drop.add((key[2], key[3]))
        else:
            seen.add(key[4])
            order.append(key)
    report.articles = len(order)
    _document_frequency_table(out, partitions)
    blocks = _plan_blocks(order, partitions, results, uris, settings, frozenset(drop), out, engine.threads)
    _clean_stale(out, ["pairs"], "block-", {b.name for b in blocks})
    log(f"{len(order)} articles in {len(blocks)} time blocks of {settings.story_window_days:g} days")
    block_results = _run(
        engine,
        run_block,
        blocks,
        [b.name for b in blocks],
        [b.fingerprint for b in blocks],
        out,
        "pairs",
        log,
        progress,
    )
    report.blocks = len(blocks)
    report.blocks_skipped = sum(r.skipped for r in block_results)
    report.pairs = sum(r.rows for r in block_results)
    report.seconds["pairs"] = round(time.perf_counter() - t, 3)

    t = time.perf_counter()
    if progress:
        progress("stories", 0, 1)
    report.stories = _stories_stage(out, order, uris, [b.name for b in blocks], settings)
    if progress:
        progress("stories", 1, 1)
    report.seconds["stories"] = round(time.perf_counter() - t, 3)
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    _write_bytes(_join(out, "_SUCCESS"), json.dumps(dataclasses.asdict(report), indent=1).encode("utf-8"))
    log(
        f"{report.articles} articles, {report.pairs} pairs, {report.stories} stories, {report.problems} problems "
        f"in {report.seconds['total']:.1f} s"
    )
    return report


def _document_frequency_table(out: str, partitions: Sequence[Partition]) -> None:
    pa = _pyarrow()
    tables = [_read_table(_join(out, "_work", "terms", f"{p.name}.parquet")) for p in partitions]
    table = pa.concat_tables(tables).group_by("word").aggregate([("count", "sum")])
    table = table.rename_columns(["word", "count"]).sort_by("word")
    _write_table(_join(out, "_work", "df.parquet"), table, row_group=1_000_000)


def _plan_blocks(
    order: Sequence[tuple[bool, int, int, int, str]],
    partitions: Sequence[Partition],
    results: Sequence[TaskResult],
    uris: Sequence[str],
    settings: Settings,
    drop: frozenset[tuple[int, int]],
    out: str,
    threads: int,
) -> list[BlockTask]:
    """Time blocks the width of the story window; each reads itself and the block before it."""
    width = int(settings.story_window_days * _US_PER_DAY) if settings.story_window_days > 0 else 0
    dated = [k[1] for k in order if not k[0]]
    common = json.dumps(
        {
            "v": SCHEMA_VERSION,
            "parts": [p.fingerprint for p in partitions],
            "window": settings.story_window_days,
            **_settings_key(settings),
        }
    )
    spans = {r.name: (r.first_published, r.last_published) for r in results}

    def slices(lo: int | None, hi: int | None) -> tuple[Slice, ...]:
        found = []
        for p, uri in zip(partitions, uris, strict=True):
            first, last = spans.get(p.name, (None, None))
            undated = first is None
            if (
                lo is not None
                and hi is not None
                and first is not None
                and last is not None
                and (_micros(datetime.fromisoformat(last)) < lo or _micros(datetime.fromisoformat(first)) >= hi)
            ):
                continue
            found.append(Slice(p.index, uri, first, last, undated))
        return tuple(found)

    blocks: list[BlockTask] = []
    documents = len(order)
    if dated:
        t0 = min(dated)
        indices = sorted({(t - t0) // width for t in dated}) if width else [0]
        for k in indices:
            q_from = t0 + k * width if width else t0
            q_to = t0 + (k + 1) * width if width else max(dated) + 1
            load_from = q_from - width if width else t0
            fingerprint = hashlib.sha1(f"{common}|{load_from}|{q_from}|{q_to}".encode()).hexdigest()[:16]
            blocks.append(
                BlockTask(
                    f"block-{len(blocks):05d}",
                    fingerprint,
                    q_from,
                    q_to,
                    load_from,
                    slices(load_from, q_to),
                    drop,
                    documents,
                    out,
                    settings,
                    threads,
                )
            )
    if len(dated) < len(order):
        fingerprint = hashlib.sha1(f"{common}|undated".encode()).hexdigest()[:16]
        blocks.append(
            BlockTask(
                f"block-{len(blocks):05d}",
                fingerprint,
                None,
                None,
                None,
                slices(None, None),
                drop,
                documents,
                out,
                settings,
                threads,
            )
        )
    return blocks


def _stories_stage(
    out: str,
    order: Sequence[tuple[bool, int, int, int, str]],
    uris: Sequence[str],
    block_names: Sequence[str],
    settings: Settings,
) -> int:
    """Read the arrival order's article fields and every scored pair, form stories, write them."""
    import pyarrow.compute as pc

    from .records import DIMENSIONS
    from .stories import default_story_model

    pa = _pyarrow()
    rank = {k[4]: i for i, k in enumerate(order)}
    position = {(k[2], k[3]): i for i, k in enumerate(order)}
    n = len(order)
    days = np.array([math.nan if k[0] else k[1] / _US_PER_DAY for k in order], dtype=np.float64)
    languages: list[str | None] = [None] * n
    outlets: list[str | None] = [None] * n
    titles = [""] * n
    leads = [""] * n
    for index, uri in enumerate(uris):
        table = _read_table(uri, ["seq", "language", "outlet", "title", "lead"])
        for seq, language, outlet, title, lead in zip(*(table[c].to_pylist() for c in table.column_names), strict=True):
            i = position.get((index, seq))
            if i is not None:
                languages[i], outlets[i], titles[i], leads[i] = language, outlet, title or "", lead or ""
    articles = StoryInput([k[4] for k in order], days, languages, outlets, titles, leads)

    tables = [_read_table(_join(out, "pairs", f"{name}.parquet")) for name in block_names]
    table = pa.concat_tables(tables) if tables else pair_schema().empty_table()
    ids = pa.array([k[4] for k in order], pa.string())
    pairs = PairInput(
        a=np.asarray(pc.index_in(table["a"], value_set=ids).to_numpy(zero_copy_only=False), dtype=np.int64),
        b=np.asarray(pc.index_in(table["b"], value_set=ids).to_numpy(zero_copy_only=False), dtype=np.int64),
        copy=np.asarray(pc.equal(table["kind"], "copy").to_numpy(zero_copy_only=False), dtype=bool),
        similarity=_floats(table["similarity"]),
        jaccard=_floats(table["jaccard"]),
        probability=_floats(table["probability"]),
        scores={d: _floats(table[d]) for d in DIMENSIONS},
        shared=table["shared"].to_pylist(),
    )
    model = default_story_model()
    threshold = model.threshold if settings.story_threshold <= 0 else settings.story_threshold
    assignments = form_stories(articles, pairs, settings.story_window_days, threshold, model.aggregate)

    def bodies(ranks: Sequence[int]) -> np.ndarray:
        wanted = set(ranks)
        found: dict[int, np.ndarray] = {}
        for index, uri in enumerate(uris):
            t = _read_table(uri, ["seq", "body_vector"])
            for seq, vector in zip(t["seq"].to_pylist(), t["body_vector"].to_pylist(), strict=True):
                i = position.get((index, seq))
                if i is not None and i in wanted:
                    found[i] = np.asarray(vector, dtype=np.float32)
        return np.stack([found[i] for i in ranks])

    rows = _story_rows(articles, assignments, bodies)
    _clean_stale(out, ["stories"], "stories-", set())
    schema = story_schema()
    for k, start in enumerate(range(0, max(len(rows), 1), STORY_CHUNK)):
        chunk = pa.Table.from_pylist(rows[start : start + STORY_CHUNK], schema=schema)
        _write_table(_join(out, "stories", f"stories-{k:05d}.parquet"), chunk, row_group=10_000)
    del rank
    return len(rows)


def _floats(column: Any) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


# -- reading a batch's output back ------------------------------------------------------------
def _manifest_names(out: str, prefix: str) -> list[str]:
    import pyarrow.fs as pafs

    fs, path = resolve(_join(out, "_manifests"))
    if fs.get_file_info(path).type != pafs.FileType.Directory:
        return []
    return sorted(
        i.base_name.removesuffix(".json")
        for i in fs.get_file_info(pafs.FileSelector(path))
        if i.base_name.startswith(prefix) and i.base_name.endswith(".json")
    )


def read_articles(out: str | Path) -> Iterator[tuple[Article, ArticleVectors, np.ndarray]]:
    """Every article of a batch output with its vectors and MinHash signature, partition by partition."""
    import pyarrow.parquet as pq

    out = str(out)
    for name in _manifest_names(out, "part-"):
        fs, path = resolve(_join(out, "articles", f"{name}.parquet"))
        parquet = pq.ParquetFile(path, filesystem=fs)
        for group in range(parquet.num_row_groups):
            for row in parquet.read_row_group(group).to_pylist():
                article, vectors = article_from_row(row)
                yield article, vectors, np.asarray(row["minhash"], dtype=np.uint32)


def read_stories(out: str | Path) -> list[dict[str, Any]]:
    """The stories of a batch output as dictionaries (``members`` nested), in the order written."""
    import pyarrow.fs as pafs

    out = str(out)
    fs, path = resolve(_join(out, "stories"))
    if fs.get_file_info(path).type != pafs.FileType.Directory:
        return []
    rows: list[dict[str, Any]] = []
    for info in sorted(fs.get_file_info(pafs.FileSelector(path)), key=lambda i: i.base_name):
        if info.base_name.endswith(".parquet"):
            rows.extend(_read_table(_join(out, "stories", info.base_name)).to_pylist())
    return rows


@dataclass(slots=True)
class LoadReport:
    """What :func:`load_batch` did."""

    added: int = 0
    unchanged: int = 0
    stories: int = 0
    members: int = 0
    problems: int = 0


def load_batch(out: str | Path, store: Store, settings: Settings | None = None) -> LoadReport:
    """Load a batch output into a store: articles with their vectors and MinHash, stories with reasons, problems.

    Articles already stored are left as they are, and so is the story they are in;
    afterwards the store's vector index is brought up to date, so ``ingest`` goes on
    clustering new articles online into the loaded stories.
    """
    from .embed import text_key
    from .index import lsh_bands
    from .pipeline import store_terms
    from .records import StoryMember

    settings = settings or Settings()
    _pyarrow()
    out = str(out) if "://" in str(out) else str(Path(out).resolve())
    if _read_bytes(_join(out, "_SUCCESS")) is None:
        raise InputError(f"{out} holds no finished batch output (no _SUCCESS); run `storyline batch` into it first")
    report = LoadReport()
    model: str | None = None
    chunk: list[tuple[Article, ArticleVectors, np.ndarray]] = []

    def flush() -> None:
        fresh = []
        with store.transaction():
            for (article, vectors, signature), new in zip(
                chunk, store.add_articles([a for a, _, _ in chunk]), strict=True
            ):
                if not new:
                    report.unchanged += 1
                    continue
                report.added += 1
                fresh.append((article, signature))
                store.put_vectors(
                    vectors.model,
                    {
                        text_key(article.title or article.lead): vectors.title,
                        text_key(article.lead): vectors.lead,
                        text_key(article.text): vectors.body,
                    },
                )
            store_terms(store, [a for a, _ in fresh])
            store.put_minhash([(a.id, sig, lsh_bands(sig)) for a, sig in fresh])
        chunk.clear()

    for item in read_articles(out):
        if model is None:
            model = item[1].model
            if model != settings.encoder:
                raise ConfigError(
                    f"{out} was embedded with {model}, not {settings.encoder}; load it with --encoder {model}"
                )
        chunk.append(item)
        if len(chunk) >= 500:
            flush()
    if chunk:
        flush()

    for story in read_stories(out):
        ids = [m["article_id"] for m in story["members"]]
        placed = store.stories_of(ids)
        members = [m for m in story["members"] if m["article_id"] not in placed]
        if not members:
            continue
        with store.transaction():
            if not store.story_headers([story["id"]]):
                store.create_story(story["id"], story["label"], dict(story["labels"] or []))
                report.stories += 1
            for m in members:
                store.add_member(
                    story["id"],
                    StoryMember(m["article_id"], m["reason"], m["probability"], m["copy_of"], json.loads(m["details"])),
                    refresh=False,
                )
                report.members += 1
            store.refresh_story(story["id"])

    problems = [Problem(r["source"], r["reason"]) for r in _problem_rows(out)]
    if problems:
        store.add_problems(problems)
    report.problems = len(problems)
    if report.members:
        from .stories import Clusterer

        clusterer = Clusterer(store, settings.replace(encoder=model or settings.encoder))
        clusterer.sync()
    return report


def _problem_rows(out: str) -> list[dict[str, Any]]:
    import pyarrow.fs as pafs

    fs, path = resolve(_join(out, "problems"))
    if fs.get_file_info(path).type != pafs.FileType.Directory:
        return []
    rows: list[dict[str, Any]] = []
    for info in sorted(fs.get_file_info(pafs.FileSelector(path)), key=lambda i: i.base_name):
        if info.base_name.endswith(".parquet"):
            rows.extend(_read_table(_join(out, "problems", info.base_name)).to_pylist())
    return rows


__all__ = [
    "BatchReport",
    "InputFile",
    "LoadReport",
    "Partition",
    "article_from_row",
    "article_schema",
    "copy_pairs",
    "form_stories",
    "list_inputs",
    "load_batch",
    "nearest_earlier",
    "pair_schema",
    "plan_partitions",
    "read_articles",
    "read_stories",
    "run_batch",
    "run_block",
    "run_partition",
    "story_schema",
]
