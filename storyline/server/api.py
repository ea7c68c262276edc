"""The REST API under ``/api``: a thin shell over the library (the same functions the CLI calls).

Reads take no token; every write (``POST /api/articles``, merge, split, move, undo) needs
``Authorization: Bearer TOKEN``. ``POST /api/compare`` and ``GET /api/search`` only read.
Errors come as ``{"error": {"type", "message"}}`` (see :mod:`storyline.server.app`).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..errors import InputError, NotFoundError
from ..records import Article, Document, Problem
from ..store.sqlite import SCHEMA_VERSION
from ..views import article_json, comparison_json, story_header_json, story_json
from .app import JSON, ApiError, check_token
from .backend import Backend, ReadOnlyCache

router = APIRouter(prefix="/api")
MAX_PAGE = 200
Write = Depends(check_token)


def backend_of(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


# -- request bodies --------------------------------------------------------------------------
class ArticleIn(BaseModel):
    """An article given as JSON. ``text`` is required; the rest is optional."""

    model_config = ConfigDict(extra="forbid")
    title: str = ""
    text: str = Field(min_length=1)
    url: str | None = None
    language: str | None = Field(default=None, max_length=16)
    outlet: str | None = None
    published: datetime | None = None


class FetchIn(BaseModel):
    """An article page (``url``) or a feed (``feed``) to fetch and ingest."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = None
    feed: str | None = None


class CompareIn(BaseModel):
    """Two articles: each a stored article id (or unique id prefix) or an article given as JSON."""

    a: str | ArticleIn
    b: str | ArticleIn


class MergeIn(BaseModel):
    other: str = Field(description="The story merged into this one (it goes away).")
    reason: str = "merged by hand"


class SplitIn(BaseModel):
    articles: list[str] = Field(min_length=1, description="Article ids moved out into a new story.")
    reason: str = "split by hand"


class MoveIn(BaseModel):
    story: str = Field(description="The story the article moves into.")
    reason: str = "moved by hand"


# -- health -------------------------------------------------------------------------------------
@router.get("/health", summary="Liveness and what the store holds")
def health(request: Request) -> dict[str, Any]:
    store = backend_of(request).reader()
    return {
        "status": "ok",
        "version": __version__,
        "schema": SCHEMA_VERSION,
        "articles": store.count_articles(),
        "stories": store.count_stories(),
        "writes": bool(request.app.state.token),
    }


# -- stories ----------------------------------------------------------------------------------
def _day(value: date | None, shift: int = 0) -> str | None:
    if value is None:
        return None
    return datetime.combine(value + timedelta(days=shift), time()).isoformat()


@router.get("/stories", summary="Stories, most recent activity first")
async def list_stories(
    request: Request,
    language: Annotated[str | None, Query(description="Only stories with an article in this language.")] = None,
    outlet: Annotated[str | None, Query(description="Only stories with an article from this outlet.")] = None,
    since: Annotated[date | None, Query(description="Only stories active on or after this day (YYYY-MM-DD).")] = None,
    until: Annotated[date | None, Query(description="Only stories begun on or before this day (YYYY-MM-DD).")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Story headers (id, label in each language, size, languages, outlets, first and last seen).

    Runs on the event loop over its own connection (a short indexed query); the answer is
    kept by the response cache until the database changes.
    """
    store = backend_of(request).reader()  # the event loop thread's own connection
    found = store.find_stories(language, outlet, _day(since), _day(until, 1), limit + 1, offset)
    more = len(found) > limit
    body = {
        "stories": [story_header_json(story, size) for story, size in found[:limit]],
        "total": store.count_stories() if not any((language, outlet, since, until)) else None,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }
    return JSON(body)


@router.get("/stories/{story_id}", summary="One story with its members and the reason each is there")
def get_story(request: Request, story_id: str) -> dict[str, Any]:
    store = backend_of(request).reader()
    return story_json(store, store.get_story(story_id))


@router.get("/stories/{story_id}/coverage", summary="How the outlets tell a story (the coverage JSON)")
def get_coverage(request: Request, story_id: str) -> dict[str, Any]:
    from ..coverage import coverage_json

    return coverage_json(backend_of(request).coverage(story_id))


@router.post("/stories/{story_id}/merge", summary="Merge another story into this one", dependencies=[Write])
def merge(request: Request, story_id: str, body: MergeIn) -> dict[str, Any]:
    from ..stories import merge_stories

    with backend_of(request).writer() as store:
        event = merge_stories(store, story_id, body.other, body.reason)
        return _event(store, event)


@router.post("/stories/{story_id}/split", summary="Move articles out of a story into a new one", dependencies=[Write])
def split(request: Request, story_id: str, body: SplitIn) -> dict[str, Any]:
    from ..stories import split_story

    with backend_of(request).writer() as store:
        new_id, event = split_story(store, story_id, body.articles, body.reason)
        return _event(store, event) | {"new_story": new_id}


@router.post("/articles/{article_id}/move", summary="Move an article into another story", dependencies=[Write])
def move(request: Request, article_id: str, body: MoveIn) -> dict[str, Any]:
    from ..stories import move_article

    with backend_of(request).writer() as store:
        event = move_article(store, article_id, body.story, body.reason)
        return _event(store, event)


@router.get("/history", summary="Recorded merges, splits and moves, newest first")
def history(request: Request, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50) -> dict[str, Any]:
    store = backend_of(request).reader()
    return {"events": [_event_view(e) for e in store.list_events(limit)]}


@router.post("/history/{event_id}/undo", summary="Undo a recorded merge, split or move", dependencies=[Write])
def undo(request: Request, event_id: int) -> dict[str, Any]:
    from ..stories import undo as run

    with backend_of(request).writer() as store:
        run(store, event_id)
        return _event(store, event_id)


def _event_view(e: Any) -> dict[str, Any]:
    payload = {k: v for k, v in e.payload.items() if k != "before"}
    return {"id": e.id, "kind": e.kind, "at": e.at, "undone_at": e.undone_at, "payload": payload}


def _event(store: Any, event_id: int) -> dict[str, Any]:
    return {"event": _event_view(store.get_event(event_id))}


# -- articles ---------------------------------------------------------------------------------
@router.get("/articles", summary="Stored articles, newest first")
def list_articles(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    rows = backend_of(request).reader().article_summaries(limit=limit, offset=offset)
    return {"articles": rows, "limit": limit, "offset": offset}


@router.get("/articles/{article_id}", summary="One article: fields, sentences, mentions, and its story")
def get_article(request: Request, article_id: str) -> dict[str, Any]:
    store = backend_of(request).reader()
    article = store.get_article(article_id)
    data = article_json(article)
    data["story"] = store.stories_of([article.id]).get(article.id)
    return data


_INGEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        ArticleIn.model_json_schema(),
                        {"type": "array", "items": ArticleIn.model_json_schema(), "maxItems": 100},
                        FetchIn.model_json_schema(),
                    ]
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/articles",
    summary="Ingest articles: a JSON article (or a list), an uploaded file, a URL or a feed",
    dependencies=[Write],
    openapi_extra=_INGEST_BODY,
    status_code=201,
)
async def ingest(request: Request) -> Response:
    """Each new article is enriched, embedded, stored and put into a story (201); an article already
    stored is left as it is (200). Unusable inputs come back under ``problems`` with their reasons."""
    backend = backend_of(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputError("send the article file in the multipart field 'file'")
        data = await upload.read()
        name = upload.filename or "upload"
        await form.close()
        docs = _read_upload(data, f"upload:{name}", backend.settings.max_bytes)
    elif content_type in ("application/json", ""):
        try:
            payload = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, "bad_request", f"the body is not valid JSON ({exc}); send an article object") from None
        docs = await run_in_threadpool(_documents_from_json, payload, backend)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send application/json (an article, a list of them, or {{'url'|'feed'}}) or multipart/form-data "
            f"with a 'file'; got {content_type!r}",
        )
    report = await run_in_threadpool(backend.ingest_documents, docs)
    store = backend.reader()
    stories = store.stories_of(report.added + report.unchanged)
    body = {
        "added": report.added,
        "unchanged": report.unchanged,
        "problems": [{"source": p.source, "reason": p.reason} for p in report.problems],
        "stories": stories,
        "decisions": [
            {"article": d.article_id, "story": d.story_id, "new_story": d.new_story, "reason": d.reason}
            for d in report.decisions
        ],
    }
    if not report.added and not report.unchanged:
        reason = report.problems[0].reason if report.problems else "it held no article"
        raise InputError(f"no article could be read: {reason}")
    return JSON(body, status_code=201 if report.added else 200)


def _read_upload(data: bytes, source: str, max_bytes: int) -> list[Document | Problem]:
    from ..readers import read_bytes

    return list(read_bytes(data, source, max_bytes))


def _document(item: Any, index: int | None = None) -> Document:
    article = ArticleIn.model_validate(item)
    where = "api" if index is None else f"api#{index + 1}"
    return Document(
        text=article.text,
        title=article.title,
        url=article.url,
        outlet=article.outlet,
        language=article.language,
        published=article.published,
        published_source="api" if article.published else None,
        source=where,
        format="json",
    )


def _documents_from_json(payload: Any, backend: Backend) -> list[Document | Problem]:
    from pydantic import ValidationError

    try:
        if isinstance(payload, list):
            if len(payload) > 100:
                raise InputError(f"send at most 100 articles at once (got {len(payload)}); split the list")
            return [_document(item, i) for i, item in enumerate(payload)]
        if isinstance(payload, dict) and ("url" in payload or "feed" in payload) and "text" not in payload:
            return _fetch(FetchIn.model_validate(payload), backend)
        return [_document(payload)]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise ApiError(422, "invalid_request", f"the article is not valid: {problems}") from None


def _fetch(request: FetchIn, backend: Backend) -> list[Document | Problem]:
    """Fetch a page, or a feed or sitemap and its entries' pages, with the SSRF-safe fetcher."""
    from ..crawl import read_url
    from ..fetch import Fetcher

    url = request.feed or request.url or ""
    with Fetcher(backend.settings) as fetcher:
        return list(read_url(url, fetcher, backend.settings))


# -- compare ----------------------------------------------------------------------------------
def _side(value: str | ArticleIn, backend: Backend) -> Article:
    from ..pipeline import article_from_text

    if isinstance(value, str):
        try:
            return backend.reader().get_article(value)
        except NotFoundError:
            raise NotFoundError(
                f"no stored article with id {value!r}; give a stored id (see /api/articles) or an object "
                '{"title", "text"}'
            ) from None
    return article_from_text(
        value.text,
        value.title,
        backend.settings,
        url=value.url,
        outlet=value.outlet,
        language=value.language,
        published=value.published,
    )


@router.post("/compare", summary="The seven SemEval dimensions and the evidence for two articles")
def compare(request: Request, body: CompareIn) -> dict[str, Any]:
    """Two stored ids, two texts, or one of each. Scores run 1 (very similar) … 4 (very dissimilar);
    the evidence is the aligned sentence pairs, shared and one-sided places, entities, dates and numbers.
    ``a.sentences`` and ``b.sentences`` give each text's sentences (``aligned`` refers to their indexes)."""
    return compare_view(backend_of(request), body.a, body.b)


def compare_view(backend: Backend, a: str | ArticleIn, b: str | ArticleIn) -> dict[str, Any]:
    from ..score import compare as compare_pair

    left, right = _side(a, backend), _side(b, backend)
    result = compare_pair(left, right, backend.settings, cache=ReadOnlyCache(backend.reader()))
    data = comparison_json(result)
    for key, article in (("a", left), ("b", right)):
        data[key].update(
            {
                "outlet": article.outlet,
                "published": article.published,
                "stored": isinstance(a if key == "a" else b, str),
                "sentences": [s.text for s in article.sentences],
            }
        )
    return data


# -- search -----------------------------------------------------------------------------------
@router.get("/search", summary="Articles by words in their title or text, or by meaning")
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words to find, or a text to match.")],
    mode: Annotated[str, Query(pattern="^(text|similar)$", description="text: contains q; similar: by meaning")] = (
        "text"
    ),
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    return {"query": q, "mode": mode, "results": search_view(backend_of(request), q, mode, limit)}


def _snippet(text: str, query: str, width: int = 160) -> str:
    at = text.lower().find(query.lower())
    if at < 0:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, at - width // 3)
    return ("…" if start else "") + text[start : start + width] + ("…" if start + width < len(text) else "")


def search_view(backend: Backend, q: str, mode: str, limit: int) -> list[dict[str, Any]]:
    store = backend.reader()
    if mode == "text":
        rows = store.search_articles(q, limit)
        for row in rows:
            row["snippet"] = _snippet(row.pop("text"), q)
        return rows
    encoder = backend.encoder()
    vector = encoder.encode([q])[0]
    index = backend.clusterer().index
    hits = index.search(vector, limit)
    ids = store.articles_for_keys([k for k, _ in hits])
    found = {a.id: a for a in store.iter_articles([ids[k] for k, _ in hits if k in ids])}
    stories = store.stories_of(list(found))
    results = []
    for key, similarity in hits:
        article = found.get(ids.get(key, ""))
        if article is None:
            continue
        results.append(
            {
                "id": article.id,
                "title": article.title,
                "outlet": article.outlet,
                "language": article.language,
                "published": article.published,
                "story_id": stories.get(article.id),
                "similarity": round(similarity, 4),
                "snippet": article.lead[:160],
            }
        )
    return results
