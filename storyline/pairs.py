"""Scoring many article pairs from a file: ``storyline score-pairs IN.jsonl -o OUT.jsonl``.

Input lines use the SemEval-2022 Task 8 fields: ``pair_id``, ``lang1``, ``lang2``,
``title1``, ``text1``, ``date1``, ``title2``, ``text2``, ``date2`` (languages,
titles and dates may be null). Each distinct article is enriched and embedded
once — in worker processes when there are many — then every pair is scored.
A malformed line is reported with its line number and skipped.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .errors import InputError
from .extract import parse_datetime
from .features import Profile, article_profile
from .pipeline import Batch, build_article, run_batches
from .readers.jsonl import json_lines
from .records import DIMENSIONS, Article, ArticleVectors, Document, Problem
from .settings import Settings

SIDE_FIELDS = ("lang", "title", "text", "date")


@dataclass(slots=True)
class PairInput:
    """One input line: an id, two documents, and whatever else the line carried (gold scores, links)."""

    pair_id: str
    a: Document
    b: Document
    line: int
    extra: dict[str, Any] = field(default_factory=dict)


def _side(record: dict[str, Any], n: str, source: str) -> Document:
    title = record.get(f"title{n}") or ""
    text = record.get(f"text{n}") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        raise InputError(f"title{n} and text{n} must be strings or null")
    if not text.strip():
        text = title  # a title is better than nothing to score
    if not text.strip():
        raise InputError(f"article {n} has neither text{n} nor title{n}")
    raw_date = record.get(f"date{n}")
    language = record.get(f"lang{n}")
    return Document(
        text=text,
        title=title,
        language=str(language).lower() if language else None,
        published=parse_datetime(raw_date) if isinstance(raw_date, str) and raw_date.strip() else None,
        published_source="input" if raw_date else None,
        source=f"{source}:{n}",
        format="pairs",
    )


def read_pairs(path: str | Path) -> Iterator[PairInput | Problem]:
    """The pairs in a SemEval-format JSONL file; bad lines come back as problems naming their line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror or exc}); check the path") from None
    with handle:
        for item in json_lines(handle, str(path)):
            if isinstance(item, Problem):
                yield item
                continue
            number, where, record = item
            if not isinstance(record, dict) or record.get("pair_id") in (None, ""):
                yield Problem(where, f"line {number} has no pair_id; every line needs one")
                continue
            try:
                a, b = _side(record, "1", where), _side(record, "2", where)
            except InputError as exc:
                yield Problem(where, f"line {number}: {exc}")
                continue
            extra = {k: v for k, v in record.items() if k != "pair_id" and not k.startswith(SIDE_FIELDS)}
            yield PairInput(str(record["pair_id"]), a, b, number, extra)


def embed_documents(
    docs: Sequence[Document],
    settings: Settings,
    sentences: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, tuple[Article, ArticleVectors]]:
    """Enrich and embed each distinct document once (by article id); sentence vectors only if asked."""
    from .embed import embed_articles, load_encoder

    lenient = settings.replace(min_words=1)
    unique: dict[str, Article] = {}
    for doc in docs:
        article = build_article(doc, lenient)
        unique.setdefault(article.id, article)
    items = list(unique.values())
    batches = iter([Batch(items[i : i + 16]) for i in range(0, len(items), 16)])
    encoder = load_encoder(settings.encoder, settings.threads)
    out: dict[str, tuple[Article, ArticleVectors]] = {}
    for batch, vectors in run_batches(batches, settings, sentences=sentences):
        embedded = embed_articles(batch.articles, encoder, _VectorMap(vectors), sentences=sentences)
        for article, article_vectors in zip(batch.articles, embedded, strict=True):
            out[article.id] = (article, article_vectors)
        if progress:
            progress(len(batch.articles))
    return out


def profiles_for(
    docs: Sequence[Document], settings: Settings, progress: Callable[[int], None] | None = None
) -> dict[str, Profile]:
    """The feature profile of each distinct document, by article id."""
    return {key: article_profile(a, v) for key, (a, v) in embed_documents(docs, settings, False, progress).items()}


class _VectorMap:
    """Serves vectors a worker already computed, so the main process embeds nothing again."""

    def __init__(self, vectors: dict[str, Any]) -> None:
        self.vectors = vectors

    def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, Any]:
        return {k: self.vectors[k] for k in keys if k in self.vectors}

    def put_vectors(self, model: str, items: Any) -> None:
        self.vectors.update(items)


@dataclass(slots=True)
class ScoredPairs:
    """What :func:`score_pairs` did: how many pairs were written, and the lines it skipped."""

    written: int = 0
    problems: list[Problem] = field(default_factory=list)


def score_pairs(
    in_path: str | Path,
    out: str | Path | TextIO,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScoredPairs:
    """Score every pair in ``in_path`` on the seven dimensions; one JSON line per pair to ``out`` (path or stream).

    ``progress(done, total)`` is called as distinct articles are processed.
    """
    from .features import pair_features, sentence_features
    from .score import get_scorer

    settings = settings or Settings()
    scorer = get_scorer(settings.scorer)
    report = ScoredPairs()
    pairs: list[PairInput] = []
    for item in read_pairs(in_path):
        if isinstance(item, Problem):
            report.problems.append(item)
        else:
            pairs.append(item)
    lenient = settings.replace(min_words=1)
    ids = [(build_article(p.a, lenient).id, build_article(p.b, lenient).id) for p in pairs]
    total, done = len({i for pair in ids for i in pair}), 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    embedded = embed_documents([d for p in pairs for d in (p.a, p.b)], settings, scorer.needs_sentences, advance)
    profiles = {key: article_profile(a, v) for key, (a, v) in embedded.items()}
    features = []
    for a, b in ids:
        f = pair_features(profiles[a], profiles[b])
        if scorer.needs_sentences:
            f.update(sentence_features(np.asarray(embedded[a][1].sentences @ embedded[b][1].sentences.T)))
        features.append(f)
    rows = scorer.score(features)
    with contextlib.ExitStack() as stack:
        stream = out if not isinstance(out, str | Path) else stack.enter_context(Path(out).open("w", encoding="utf-8"))
        for pair, row in zip(pairs, rows, strict=True):
            stream.write(json.dumps({"pair_id": pair.pair_id, **{d: round(row[d], 4) for d in DIMENSIONS}}) + "\n")
            report.written += 1
    return report
