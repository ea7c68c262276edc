"""The processing pipeline: documents → articles → enriched, embedded, stored.

Each enrichment step is a :class:`Stage` that says which article fields it
``requires`` and which it ``assigns``; :func:`check_stages` refuses an order in
which a stage would run before what it needs, before any article is touched.
Stages take and return batches of articles, so an engine can run them on
partitions in other processes.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConfigError, InputError
from .records import Article, Document, Mention, Problem, Sentence
from .settings import Settings
from .store import Store

if TYPE_CHECKING:
    from .filters import IngestFilter
    from .readers.warc import WarcPage
    from .stories import Clusterer

BATCH = 16
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_ISO_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True, slots=True)
class Stage:
    """One enrichment step over a batch of articles."""

    name: str
    requires: frozenset[str]
    assigns: frozenset[str]
    run: Callable[[list[Article]], list[Article]]


def check_stages(stages: Sequence[Stage], given: Iterable[str] = ("text", "title", "published")) -> None:
    """Raise :class:`ConfigError` when a stage requires a field that no earlier stage assigns."""
    available = set(given)
    for stage in stages:
        missing = stage.requires - available
        if missing:
            raise ConfigError(
                f"stage {stage.name!r} needs {', '.join(sorted(missing))}, which no earlier stage assigns; "
                "put the stage that assigns it first"
            )
        available |= stage.assigns


# -- building articles --------------------------------------------------------
def normalise_text(text: str) -> str:
    """NFC, no zero-width characters, no trailing spaces, at most one blank line in a row."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def word_count(text: str) -> int:
    """Words in ``text``, where two CJK characters count as one word."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + cjk // 2


def article_id(title: str, text: str) -> str:
    """A stable id from the content: the same title and text always give the same id."""
    canonical = re.sub(r"\s+", " ", f"{title}\n{text}".casefold()).strip()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def build_article(doc: Document, settings: Settings) -> Article:
    """Normalise a document into an :class:`Article`; raise :class:`InputError` when it is unusable."""
    text = normalise_text(doc.text)
    title = re.sub(r"\s+", " ", normalise_text(doc.title))
    words = word_count(text)
    if words < settings.min_words:
        raise InputError(
            f"the text has {words} word{'s' if words != 1 else ''}, fewer than the {settings.min_words} "
            "an article needs; give the full article text (or lower the min_words setting)"
        )
    hint = doc.language.lower()[:2] if doc.language and _ISO_LANGUAGE.match(doc.language.lower()[:2]) else None
    return Article(
        id=article_id(title, text),
        title=title,
        text=text,
        url=doc.url,
        outlet=doc.outlet,
        language=hint,
        published=_utc(doc.published),
        published_source=doc.published_source if doc.published else None,
        authors=list(doc.authors),
        source=doc.source,
        format=doc.format,
    )


# -- stages -------------------------------------------------------------------
def _segment(articles: list[Article]) -> list[Article]:
    from .enrich.sentences import split_sentences

    for a in articles:
        a.sentences = [Sentence(i, a.text[s:e], s, e) for i, (s, e) in enumerate(split_sentences(a.text))]
    return articles


def _languages(articles: list[Article]) -> list[Article]:
    from .enrich.language import detect_language, detect_sentences

    for a in articles:
        hint = a.language
        language, confidence = detect_language(f"{a.title}\n{a.text}")
        if hint and (language is None or confidence < 0.5):
            language, confidence = hint, max(confidence, 0.5)
        a.language, a.language_confidence = language, round(confidence, 4)
        for sentence, (lang, conf) in zip(
            a.sentences, detect_sentences([s.text for s in a.sentences], language), strict=True
        ):
            sentence.language, sentence.language_confidence = lang, round(conf, 4)
    return articles


def _places(articles: list[Article]) -> list[Article]:
    from .enrich.places import find_places

    for a in articles:
        a.mentions.extend(find_places(a.text, a.language))
    return articles


def _dates(articles: list[Article]) -> list[Article]:
    from .enrich.dates import find_dates

    for a in articles:
        a.mentions.extend(find_dates(a.text, a.language, a.published))
    return articles


def _numbers(articles: list[Article]) -> list[Article]:
    from .enrich.numbers import find_numbers

    for a in articles:
        a.mentions.extend(find_numbers(a.text, a.language))
    return articles


def _entities(articles: list[Article]) -> list[Article]:
    from .enrich.entities import find_entities_batch

    found = find_entities_batch([(a.text, a.language, a.sentences) for a in articles])
    for a, mentions in zip(articles, found, strict=True):
        a.mentions.extend(mentions)
    return articles


_PRIORITY = {"date": 0, "place": 1, "number": 2, "entity": 3}


def _settle_mentions(articles: list[Article]) -> list[Article]:
    """Drop mentions that overlap a stronger one (date > place > number > entity); set sentence indices."""
    for a in articles:
        kept: list[Mention] = []
        for mention in sorted(a.mentions, key=lambda m: (_PRIORITY[m.kind], m.start)):
            if all(mention.end <= k.start or mention.start >= k.end for k in kept):
                kept.append(mention)
        starts = [s.start for s in a.sentences]
        for mention in kept:
            mention.sentence = max(0, bisect.bisect_right(starts, mention.start) - 1) if starts else -1
        a.mentions = sorted(kept, key=lambda m: (m.start, m.kind))
    return articles


def default_stages() -> list[Stage]:
    """The enrichment stages every article goes through, in order."""
    f = frozenset
    return [
        Stage("sentences", f({"text"}), f({"sentences"}), _segment),
        Stage("language", f({"text", "title", "sentences"}), f({"language"}), _languages),
        Stage("places", f({"text", "language"}), f({"mentions.place"}), _places),
        Stage("dates", f({"text", "language", "published"}), f({"mentions.date"}), _dates),
        Stage("numbers", f({"text", "language"}), f({"mentions.number"}), _numbers),
        Stage("entities", f({"text", "language", "sentences"}), f({"mentions.entity"}), _entities),
        Stage(
            "settle",
            f({"sentences", "mentions.place", "mentions.date", "mentions.number"}),
            f({"mentions"}),
            _settle_mentions,
        ),
    ]


def enrich(articles: list[Article], stages: Sequence[Stage] | None = None) -> list[Article]:
    """Run ``stages`` (default: :func:`default_stages`) over a batch of articles."""
    stages = list(stages) if stages is not None else default_stages()
    check_stages(stages)
    for stage in stages:
        articles = stage.run(articles)
    return articles


@dataclass(slots=True)
class Batch:
    """A step of the pipeline: new articles, ids already known, and problems met on the way."""

    articles: list[Article] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    filtered: dict[str, int] = field(default_factory=dict)  # left out by an ingest filter, by reason


def build_batches(
    docs: Iterable[Document | Problem],
    settings: Settings,
    known: Callable[[Sequence[str]], set[str]] | None = None,
    size: int = BATCH,
) -> Iterator[Batch]:
    """Build articles (not yet enriched) batch by batch.

    Unusable documents come back as problems; articles whose id ``known`` reports
    (already stored) are listed as known, and repeats within the input are dropped.
    """
    seen: set[str] = set()
    pending: list[Article] = []
    problems: list[Problem] = []

    def flush() -> Batch:
        stored = known([a.id for a in pending]) if known and pending else set()
        return Batch([a for a in pending if a.id not in stored], [a.id for a in pending if a.id in stored], problems)

    for item in docs:
        if isinstance(item, Problem):
            problems.append(item)
            continue
        try:
            article = build_article(item, settings)
        except InputError as exc:
            problems.append(Problem(item.source, str(exc)))
            continue
        if article.id in seen:
            continue
        seen.add(article.id)
        pending.append(article)
        if len(pending) >= size:
            yield flush()
            pending, problems = [], []
    if pending or problems:
        yield flush()


def process_documents(
    docs: Iterable[Document | Problem],
    settings: Settings,
    known: Callable[[Sequence[str]], set[str]] | None = None,
) -> Iterator[Batch]:
    """Build and enrich articles batch by batch, in this process (see :func:`build_batches`)."""
    stages = default_stages()
    check_stages(stages)
    for batch in build_batches(docs, settings, known):
        if batch.articles:
            batch.articles = enrich(batch.articles, stages)
        yield batch


class _DictCache:
    """An in-memory :class:`~storyline.embed.EmbeddingCache` (what a worker hands back)."""

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}

    def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: self.vectors[k] for k in keys if k in self.vectors}

    def put_vectors(self, model: str, items: Mapping[str, np.ndarray]) -> None:
        self.vectors.update(items)


def enrich_and_embed(
    articles: list[Article],
    encoder_name: str,
    threads: int,
    sentences: bool = True,
    languages: frozenset[str] = frozenset(),
) -> tuple[list[Article], dict[str, np.ndarray]]:
    """The CPU-heavy part of ingest for one batch: enrichment, then embeddings (keyed by text hash).

    With ``languages``, articles detected in another language are dropped right after
    language detection, before the costly stages (they are missing from the result).
    """
    from .embed import embed_articles, load_encoder

    stages = default_stages()
    check_stages(stages)
    for stage in stages:
        articles = stage.run(articles)
        if languages and stage.name == "language":
            articles = [a for a in articles if a.language in languages]
    cache = _DictCache()
    embed_articles(articles, load_encoder(encoder_name, threads), cache=cache, sentences=sentences)
    return articles, cache.vectors


def run_batches(
    batches: Iterator[Batch],
    settings: Settings,
    sentences: bool = True,
    pool: WorkerPool | None = None,
    keep: IngestFilter | None = None,
) -> Iterator[tuple[Batch, dict[str, np.ndarray]]]:
    """Enrich and embed batches, yielded in order, with the vectors each produced (by text hash).

    Work runs in this process, or in ``settings.workers`` processes when there is
    more than one batch: ``pool``'s when given (shared with other stages of the same
    ingest), else a pool of its own. ``sentences=False`` skips per-sentence embeddings.
    ``keep`` leaves out new articles outside its date range (before any work) and in
    other languages (right after detection); how many each batch lost, by reason, is in
    its ``filtered``. Articles already stored are never filtered: they stay as they are.
    """
    languages = keep.languages if keep is not None else frozenset()
    if keep is not None and (keep.since is not None or keep.until is not None):
        batches = _keep_dates(batches, keep)
    first = next(batches, None)
    second = next(batches, None) if first is not None else None
    if first is None:
        return
    pending = [first] if second is None else [first, second]
    if second is None or settings.workers <= 1:
        for batch in _chain(pending, batches):
            vectors: dict[str, np.ndarray] = {}
            if batch.articles:
                before = len(batch.articles)
                batch.articles, vectors = enrich_and_embed(
                    batch.articles, settings.encoder, settings.threads, sentences, languages
                )
                _count_filtered(batch, before)
            yield batch, vectors
        return
    from collections import deque
    from concurrent.futures import Future

    own = pool is None
    workers = pool if pool is not None else WorkerPool(settings.workers)
    executor = workers.get()
    Job = tuple[Batch, "Future[tuple[list[Article], dict[str, np.ndarray]]] | None", int]
    queue: deque[Job] = deque()

    def submit(batch: Batch) -> None:
        job = (
            executor.submit(enrich_and_embed, batch.articles, settings.encoder, 1, sentences, languages)
            if batch.articles
            else None
        )
        queue.append((batch, job, len(batch.articles)))

    def take() -> tuple[Batch, dict[str, np.ndarray]]:
        batch, job, before = queue.popleft()
        if job is None:
            return batch, {}
        batch.articles, vectors = job.result()
        _count_filtered(batch, before)
        return batch, vectors

    try:
        for batch in _chain(pending, batches):
            submit(batch)
            if len(queue) > 2 * settings.workers:
                yield take()
        while queue:
            yield take()
    except BaseException:
        workers.close(cancel=True)
        raise
    finally:
        if own:
            workers.close()


def _keep_dates(batches: Iterator[Batch], keep: IngestFilter) -> Iterator[Batch]:
    for batch in batches:
        before = len(batch.articles)
        batch.articles = [a for a in batch.articles if keep.keeps_date(a.published)]
        if len(batch.articles) < before:
            batch.filtered["date"] = batch.filtered.get("date", 0) + before - len(batch.articles)
        yield batch


def _count_filtered(batch: Batch, before: int) -> None:
    if len(batch.articles) < before:
        batch.filtered["language"] = batch.filtered.get("language", 0) + before - len(batch.articles)


class WorkerPool:
    """The worker processes of one ingest, started on first use and shared by its stages.

    WARC extraction (:func:`storyline.readers.warc.resolve_pages`) and enrichment plus
    embedding (:func:`run_batches`) submit to the same processes, so each worker forks
    once and loads its models once. Workers are forked (copy-on-write, nothing to
    pickle at start) and limited to one BLAS thread each.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._executor: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        """The executor; its processes start with the first job submitted, not before."""
        if self._executor is None:
            import multiprocessing

            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context(), initializer=_init_worker
            )
        return self._executor

    def close(self, cancel: bool = False) -> None:
        """Stop the workers: after their jobs, or at once with queued jobs dropped when ``cancel``."""
        if self._executor is not None:
            self._executor.shutdown(wait=not cancel, cancel_futures=cancel)
            self._executor = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close(cancel=exc_type is not None)


def _init_worker() -> None:
    """One BLAS thread per worker: the workers already use every core, and oversubscribed BLAS threads spin."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _chain(first: list[Batch], rest: Iterator[Batch]) -> Iterator[Batch]:
    yield from first
    yield from rest


@dataclass(slots=True)
class IngestReport:
    """What an ingest did: ids added, ids already stored, inputs skipped with their reasons, story decisions."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)
    filtered: dict[str, int] = field(default_factory=dict)  # left out by the ingest filter, by reason


def store_terms(store: Store, articles: Sequence[Article]) -> None:
    """Count the new articles' content words into the store's document frequencies."""
    from collections import Counter

    from .features import document_terms

    counts: Counter[str] = Counter()
    for article in articles:
        counts.update(document_terms(article))
    if counts:
        store.add_term_counts(counts)


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
    cluster: bool = True,
    keep: IngestFilter | None = None,
) -> IngestReport:
    """Read, enrich, embed and store every article under ``paths``; put each new one into a story.

    Idempotent: an article already in the store (same content) is left as it is.
    Files are read here; enrichment and embedding run in ``settings.workers``
    processes when the input has more than one batch, while this process stores
    each finished batch (one transaction) and assigns its articles to stories in
    date order. A failure loses nothing stored before. ``paths`` may also be
    ``http(s)`` URLs of pages, feeds or sitemaps, and a feed's link-only entries are
    fetched (:func:`storyline.crawl.read_sources`).
    """
    from .crawl import read_sources

    settings = settings or Settings()
    return ingest_documents(
        read_sources(paths, settings), store, settings, progress=progress, cluster=cluster, keep=keep
    )


def ingest_documents(
    docs: Iterable[Document | Problem | WarcPage],
    store: Store,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
    cluster: bool = True,
    keep: IngestFilter | None = None,
    clusterer: Clusterer | None = None,
) -> IngestReport:
    """:func:`ingest` for documents already read (a watcher's fetched articles, a plugin's records).

    A long-lived caller (the REST server) passes its own ``clusterer`` so the vector index is not
    loaded again for each request.

    WARC pages among ``docs`` are extracted in the worker processes, which then enrich
    and embed (:class:`WorkerPool`). ``keep`` leaves out new articles by publish date and
    by detected language (see :func:`run_batches`); ``report.filtered`` counts them by reason.
    """
    from .readers.warc import resolve_pages
    from .stories import Clusterer, _arrival_order

    settings = settings or Settings()
    check_stages(default_stages())
    report = IngestReport()
    pool = WorkerPool(settings.workers)
    found = resolve_pages(docs, pool.get() if settings.workers > 1 else None, ahead=2 * settings.workers)
    batches = build_batches(found, settings, known=store.has_articles)
    try:
        for batch, vectors in run_batches(batches, settings, pool=pool, keep=keep):
            for reason, count in batch.filtered.items():
                report.filtered[reason] = report.filtered.get(reason, 0) + count
            if vectors:
                store.put_vectors(settings.encoder, vectors)
            fresh: list[Article] = []
            if batch.articles:
                for article, new in zip(batch.articles, store.add_articles(batch.articles), strict=True):
                    (report.added if new else report.unchanged).append(article.id)
                    if new:
                        fresh.append(article)
                store_terms(store, fresh)
            if cluster and fresh:
                clusterer = clusterer or Clusterer(store, settings)
                report.decisions.extend(clusterer.assign_many(_arrival_order(fresh)))
            report.unchanged.extend(batch.known)
            if batch.problems:
                store.add_problems(batch.problems)
                report.problems.extend(batch.problems)
            if progress:
                progress(len(batch.articles) + len(batch.known) + len(batch.problems))
    except BaseException:
        pool.close(cancel=True)
        raise
    finally:
        pool.close()
        if clusterer is not None:
            clusterer.index.save()
    return report


def article_from_text(text: str, title: str = "", settings: Settings | None = None, **fields: object) -> Article:
    """One enriched article from a text (the Python API's shortcut; ``fields`` go to :class:`Document`)."""
    doc = Document(text=text, title=title, source="<text>", format="text", **fields)  # type: ignore[arg-type]
    return enrich([build_article(doc, settings or Settings())])[0]


def articles_from_path(path: str | Path, settings: Settings) -> list[Article]:
    """The enriched articles in one file or directory; raise :class:`InputError` when none can be read."""
    from .readers import read_paths

    articles: list[Article] = []
    problems: list[Problem] = []
    for batch in process_documents(read_paths([path], settings.max_bytes), settings):
        articles.extend(batch.articles)
        problems.extend(batch.problems)
    if not articles:
        reason = problems[0].reason if problems else "it holds no articles"
        raise InputError(f"{path}: {reason}")
    return articles


def load_article(ref: str | Path, store: Store | None, settings: Settings) -> Article:
    """An article from a file (its first article) or, given a store, a stored id or id prefix.

    A file whose article is already stored comes back as stored: enriched and embedded
    once, not again.
    """
    from .errors import NotFoundError
    from .readers import read_paths

    path = Path(ref)
    if path.exists():
        built = [b for batch in build_batches(read_paths([path], settings.max_bytes), settings) for b in batch.articles]
        if not built:
            articles_from_path(path, settings)  # raises with the reason the file could not be read
        if store is not None and store.has_articles([built[0].id]):
            return store.get_article(built[0].id)
        return enrich([built[0]])[0]
    if store is None:
        raise InputError(f"{ref!r} is not a file; give a file path, or --db to look up a stored article id")
    try:
        return store.get_article(str(ref))
    except NotFoundError:
        raise InputError(f"{ref!r} is neither an existing file nor a stored article id; check the path or id") from None


__all__ = [
    "Batch",
    "IngestReport",
    "Stage",
    "WorkerPool",
    "article_from_text",
    "article_id",
    "articles_from_path",
    "build_article",
    "build_batches",
    "check_stages",
    "default_stages",
    "enrich",
    "enrich_and_embed",
    "ingest",
    "ingest_documents",
    "load_article",
    "normalise_text",
    "process_documents",
    "run_batches",
    "store_terms",
    "word_count",
]
