"""A real HTTP server on loopback for the fetch, feed and watch tests: routes of canned replies.

Each route is a list of :class:`Reply` served in turn (the last one repeats), or a function of
the request headers. Unknown paths, robots.txt included, answer 404. Every request is recorded,
so a test can tell what was fetched and with which headers.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from storyline.settings import Settings


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "text/html; charset=utf-8"


Route = list[Reply] | Callable[[Mapping[str, str]], Reply]


class Site:
    """Routes, hit counts and recorded request headers of the running test server."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.port = 0
        self._lock = threading.Lock()

    def add(self, path: str, *replies: Reply | str | bytes) -> str:
        """Serve ``replies`` at ``path`` in turn (a str or bytes is a 200 HTML page); return its URL."""
        self.routes[path] = [r if isinstance(r, Reply) else Reply(body=r) for r in replies]
        return self.url(path)

    def add_handler(self, path: str, handler: Callable[[Mapping[str, str]], Reply]) -> str:
        self.routes[path] = handler
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def settings(self, **changes: object) -> Settings:
        """Settings that may reach this server (and only it, of the private addresses), fast and impatient."""
        values: dict[str, object] = {
            "allow_hosts": self.host,
            "host_delay": 0.0,
            "fetch_timeout": 2.0,
            "fetch_retries": 2,
            "workers": 1,
        }
        values.update(changes)
        return Settings().replace(**values)

    def reply(self, path: str, headers: Mapping[str, str]) -> Reply:
        with self._lock:
            self.hits[path] += 1
            self.requests.append((path, dict(headers)))
            route = self.routes.get(path)
            if route is None:
                return Reply(404, b"not found", content_type="text/plain")
            if callable(route):
                return route(headers)
            return route.pop(0) if len(route) > 1 else route[0]


def serve() -> Iterator[Site]:
    """Run a :class:`Site` on a free loopback port for the duration of a test."""
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reply = site.reply(self.path, {k: v for k, v in self.headers.items()})
            if reply.delay:
                time.sleep(reply.delay)
            body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a size cap or a timeout under test)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def page(title: str, paragraphs: list[str], published: str | None = None) -> str:
    """A small news page as outlets publish them: title, optional date meta tag, article paragraphs."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title}</title>{meta}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>© Test Outlet</footer></body></html>"
    )
