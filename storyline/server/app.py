"""The web application: the REST API under ``/api`` and the web UI, in one ASGI app.

:func:`create_app` builds it over one SQLite file; :func:`serve` runs it with
uvicorn (``storyline serve``). Both shells call the same library functions as
the CLI. Around every route:

* one JSON error shape, ``{"error": {"type": ..., "message": ...}}``, for
  Storyline's own errors, validation errors, unknown paths and methods (UI pages
  get the same message as an HTML page);
* a request body limit (``settings.max_bytes``), checked before the body is read;
* a bearer token for every write (``--token`` or ``STORYLINE_TOKEN``); without
  one, writes are refused with the way to set it;
* a Content-Security-Policy that allows scripts only from the app's own static
  files (no inline script), and CORS off unless origins are given.
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..errors import ConfigError, InputError, MissingExtraError, NotFoundError, StoreError, StorylineError
from ..settings import Settings
from ..views import json_default
from .backend import Backend

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
TOKEN_ENV = "STORYLINE_TOKEN"


class ApiError(StorylineError):
    """An error with its HTTP status and type name, raised by the routes themselves."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind = status, kind


_ERROR_TYPES: tuple[tuple[type[StorylineError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (InputError, 400, "invalid_input"),
    (ConfigError, 400, "invalid_setting"),
    (MissingExtraError, 501, "missing_extra"),
    (StoreError, 503, "store_error"),
)
_HTTP_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}


class JSON(Response):
    """JSON with non-ASCII text as is and datetimes as ISO strings."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=json_default, separators=(",", ":")).encode("utf-8")


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


def check_token(request: Request) -> None:
    """Writes need ``Authorization: Bearer <token>`` matching the server's token."""
    expected: str | None = request.app.state.token
    if not expected:
        raise ApiError(
            403,
            "writes_disabled",
            "this server accepts no writes: start it with --token TOKEN (or set STORYLINE_TOKEN) "
            "and send the header 'Authorization: Bearer TOKEN'",
        )
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "send the server's token as the header 'Authorization: Bearer TOKEN'")


# -- pure ASGI middleware (cheaper than BaseHTTPMiddleware on every request) --------------------
class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = (
            f"the request body is over the {self.max_bytes:,} byte limit; send less, or raise the max_bytes "
            "setting (STORYLINE_MAX_BYTES) on the server"
        )
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _send_json(send, 413, error_body("too_large", message))
                return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, error_body("too_large", message))


class SecurityHeaders:
    """Content-Security-Policy and friends on every response."""

    HEADERS = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                msg = {**msg, "headers": [*msg.get("headers", []), *self.HEADERS]}  # a copy: it may be cached
            await send(msg)

        await self.app(scope, receive, with_headers)


class ResponseCache:
    """Answers repeated GETs of the story list and of story pages from memory until the database changes.

    The key is the path and query; an entry is valid while SQLite's ``data_version`` on the event
    loop's own connection is unchanged (it moves whenever another connection commits: this server's
    writer, or a CLI ingest beside it). Only 200 answers are kept, at most ``size`` of them.
    """

    PATHS = ("/api/stories", "/stories/")

    def __init__(self, app: ASGIApp, backend: Backend, size: int = 2048) -> None:
        self.app, self.backend, self.size = app, backend, size
        self._entries: OrderedDict[tuple[str, bytes], tuple[int, list[Message]]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(self.PATHS):
            await self.app(scope, receive, send)
            return
        key = (path, scope.get("query_string", b""))
        version = self.backend.reader().data_version()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            for message in entry[1]:
                await send(message)
            return
        messages: list[Message] = []

        async def recording_send(message: Message) -> None:
            messages.append(message)
            await send(message)

        await self.app(scope, receive, recording_send)
        if messages and messages[0].get("status") == 200 and all(not m.get("more_body") for m in messages[1:]):
            self._entries[key] = (version, messages)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


# -- the app -------------------------------------------------------------------------------------
def create_app(
    store_path: str | Path,
    settings: Settings | None = None,
    token: str | None = None,
    cors_origins: list[str] | None = None,
    warm: bool = False,
) -> FastAPI:
    """The API and UI over the SQLite store at ``store_path`` (created if missing).

    ``token`` (else the ``STORYLINE_TOKEN`` environment variable) is the bearer token every write
    must carry; without one the server is read-only. ``cors_origins`` lists origins allowed to call
    the API from a browser (none by default). ``warm`` loads the models at start-up.
    """
    import os

    from .api import router as api_router
    from .ui import router as ui_router

    settings = settings or Settings()
    backend = Backend(store_path, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            import anyio.to_thread

            await anyio.to_thread.run_sync(backend.warm_up)
        yield
        backend.close()

    app = FastAPI(
        title="Storyline",
        version=__version__,
        description="Follow news stories across outlets and languages: stories, coverage, pair comparison.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI needs inline script and a CDN: the CSP and offline use forbid both
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=JSON,
    )
    app.state.backend = backend
    app.state.settings = settings
    app.state.token = token if token is not None else os.environ.get(TOKEN_ENV) or None
    app.include_router(api_router)
    app.include_router(ui_router)
    static = files("storyline") / "ui" / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _install_error_handlers(app)
    app.add_middleware(ResponseCache, backend=backend)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api", "/static"))


def _error_response(request: Request, status: int, kind: str, message: str) -> Response:
    if _wants_html(request):
        from .ui import render_error

        return HTMLResponse(render_error(status, message), status_code=status)
    return JSON(error_body(kind, message), status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StorylineError)
    async def storyline_error(request: Request, exc: StorylineError) -> Response:
        if isinstance(exc, ApiError):
            return _error_response(request, exc.status, exc.kind, str(exc))
        for cls, status, kind in _ERROR_TYPES:
            if isinstance(exc, cls):
                return _error_response(request, status, kind, str(exc))
        return _error_response(request, 400, "error", str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors()[:5]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "request"
            problems.append(f"{where}: {e.get('msg', 'invalid')}")
        message = "the request is not valid: " + "; ".join(problems) + "; see /api/openapi.json for the shape"
        return _error_response(request, 422, "invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = _HTTP_TYPES.get(exc.status_code, "http_error")
        if exc.status_code == 404:
            message = f"nothing at {request.url.path}; the API lives under /api (see /api/openapi.json)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see /api/openapi.json"
        else:
            message = str(exc.detail)
        return _error_response(request, exc.status_code, kind, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return _error_response(
            request, 500, "internal", f"the server failed ({type(exc).__name__}); see its log, and report it"
        )


def serve(
    db: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    token: str | None = None,
    cors_origins: list[str] | None = None,
    on_ready: Any = None,
) -> None:
    """Run the API and UI with uvicorn until interrupted (Ctrl-C)."""
    import uvicorn

    app = create_app(db, settings, token, cors_origins, warm=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if on_ready is not None:
        original = server.startup

        async def startup(sockets: Any = None) -> None:
            await original(sockets)
            if server.started:
                on_ready()

        server.startup = startup  # type: ignore[method-assign]
    server.run()


__all__ = ["CSP", "ApiError", "create_app", "serve"]
