"""The web UI: server-rendered pages over the same functions as the API.

Pages: ``/`` (the river of stories), ``/stories/{id}`` (a story's coverage),
``/articles/{id}``, ``/compare`` (pick or paste two articles) and ``/search``.
Every page works without JavaScript; ``/static/app.js`` only links matched
sentences on hover and focus. Templates autoescape everything, so article text
(untrusted) is always shown as text, and the Content-Security-Policy forbids
inline script anyway.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader

from ..errors import InputError
from ..records import DIMENSIONS
from .api import ArticleIn, compare_view, search_view
from .backend import Backend

router = APIRouter(include_in_schema=False)
RTL = {"ar", "he", "fa", "ur", "ps", "yi"}
PAGE = 25
SCALE = {1: "very similar", 2: "somewhat similar", 3: "somewhat dissimilar", 4: "very dissimilar"}


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _dir(language: str | None) -> str:
    return "rtl" if language in RTL else ("ltr" if language else "auto")


def _scale(score: float) -> str:
    return SCALE[min(4, max(1, round(score)))]


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("storyline", "ui/templates"), autoescape=True, trim_blocks=True)
    env.filters.update(day=_day, when=_when, dir=_dir, scale=_scale)
    env.globals["DIMENSIONS"] = DIMENSIONS
    return env


def render(name: str, **context: Any) -> str:
    return _env().get_template(name).render(**context)


def render_error(status: int, message: str) -> str:
    return render("error.html", status=status, message=message, title=f"Error {status}")


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def timeline_dots(dates: list[datetime | None], width: int = 120, height: int = 14) -> dict[str, Any]:
    """Positions of a story's articles along its span, for a small SVG (no inline styles needed)."""
    known = sorted(d for d in dates if d is not None)
    if not known:
        return {"dots": [], "width": width, "height": height, "label": f"{len(dates)} undated articles"}
    first, last = known[0], known[-1]
    span = (last - first).total_seconds()
    pad = 5
    xs = [pad + (width - 2 * pad) * ((d - first).total_seconds() / span if span else 0.5) for d in known]
    label = f"{len(known)} articles, {_day(first)}" + (f" to {_day(last)}" if _day(first) != _day(last) else "")
    return {"dots": [round(x, 1) for x in xs], "width": width, "height": height, "label": label}


# -- pages -------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def river(
    request: Request,
    language: Annotated[str | None, Query()] = None,
    outlet: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    store = _backend(request).reader()
    language, outlet = language or None, outlet or None
    found = store.find_stories(language, outlet, limit=PAGE + 1, offset=(page - 1) * PAGE)
    more = len(found) > PAGE
    rows = []
    for story, size in found[:PAGE]:
        dates = store.article_dates(store.member_ids(story.id))
        rows.append({"story": story, "size": size, "timeline": timeline_dots(list(dates.values()))})
    return HTMLResponse(
        render(
            "river.html",
            title="Stories",
            rows=rows,
            language=language or "",
            outlet=outlet or "",
            page=page,
            more=more,
            total=store.count_stories(),
            articles=store.count_articles(),
        )
    )


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str) -> HTMLResponse:
    backend = _backend(request)
    store = backend.reader()
    story = store.get_story(story_id)
    articles = {a.id: a for a in store.iter_articles([m.article_id for m in story.members])}
    coverage = backend.coverage(story.id)
    facts = {f.id: f for f in coverage.facts}
    shared = [f for f in coverage.facts if len(f.sources) >= 2]
    members = [{"member": m, "article": articles[m.article_id]} for m in story.members if m.article_id in articles]
    return HTMLResponse(
        render(
            "story.html",
            title=story.label,
            story=story,
            members=members,
            c=coverage,
            facts=facts,
            shared=shared,
            timeline=timeline_dots([t.published for t in coverage.timeline], width=640, height=28),
        )
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str) -> HTMLResponse:
    store = _backend(request).reader()
    article = store.get_article(article_id)
    story_id = store.stories_of([article.id]).get(article.id)
    kinds = {
        kind: list(dict.fromkeys(m.label for m in article.mentions if m.kind == kind))
        for kind in ("place", "entity", "date", "number")
    }
    return HTMLResponse(render("article.html", title=article.title, a=article, story_id=story_id, kinds=kinds))


def _pickable(backend: Backend) -> list[dict[str, Any]]:
    return backend.reader().article_summaries(limit=300)


@router.get("/compare", response_class=HTMLResponse)
async def compare_page(
    request: Request,
    a: Annotated[str | None, Query(max_length=100)] = None,
    b: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    backend = _backend(request)
    result = None
    if a and b:
        result = await run_in_threadpool(compare_view, backend, a.strip(), b.strip())
    picks = await run_in_threadpool(_pickable, backend)
    return HTMLResponse(render("compare.html", title="Compare", result=result, a=a or "", b=b or "", picks=picks))


@router.post("/compare", response_class=HTMLResponse)
async def compare_texts(
    request: Request,
    a_text: Annotated[str, Form()],
    b_text: Annotated[str, Form()],
    a_title: Annotated[str, Form()] = "",
    b_title: Annotated[str, Form()] = "",
) -> HTMLResponse:
    backend = _backend(request)
    if not a_text.strip() or not b_text.strip():
        raise InputError("paste a text into both boxes, or pick two stored articles")
    left, right = ArticleIn(title=a_title, text=a_text), ArticleIn(title=b_title, text=b_text)
    result = await run_in_threadpool(compare_view, backend, left, right)
    picks = await run_in_threadpool(_pickable, backend)
    return HTMLResponse(
        render(
            "compare.html",
            title="Compare",
            result=result,
            a="",
            b="",
            picks=picks,
            pasted={"a_title": a_title, "a_text": a_text, "b_title": b_title, "b_text": b_text},
        )
    )


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    q: Annotated[str, Query(max_length=500)] = "",
    mode: Annotated[str, Query(pattern="^(text|similar)$")] = "text",
) -> HTMLResponse:
    results = await run_in_threadpool(search_view, _backend(request), q, mode, 30) if q.strip() else None
    return HTMLResponse(render("search.html", title="Search", q=q, mode=mode, results=results))
