"""Fetching URLs safely: every page, feed and sitemap Storyline reads from the web comes through here.

A feed is untrusted input that names URLs for us to fetch, so the fetcher refuses
what a feed must not make us do, and is polite to the sites it reads:

- only ``http``/``https``; redirects are followed by hand, at most ``max_redirects``;
- at every hop the host is resolved (``getaddrinfo``) and every address checked: private,
  loopback, link-local, reserved, multicast and unspecified addresses are refused before
  connecting, unless ``allow_private`` is set or the host is listed in ``allow_hosts``;
- ``robots.txt`` is obeyed (cached per host for a day; a missing one allows everything)
  and its ``Crawl-delay`` raises the per-host interval;
- requests to one host are at least ``host_delay`` seconds apart;
- 429, 5xx, timeouts and failed connections are retried with exponential backoff,
  honouring ``Retry-After`` up to a cap;
- the body is streamed and abandoned past ``max_bytes``; a response that takes longer
  than five times ``fetch_timeout`` in all is abandoned too (a server dribbling bytes
  must not hold a watcher forever);
- conditional GET: :meth:`Fetcher.get` takes an ETag / Last-Modified and reports
  "not modified" on 304.

Every failure is a :class:`~storyline.errors.FetchError` whose message says what failed
and what to do. The address check resolves the name just before httpx connects; a DNS
answer that changes in between (DNS rebinding) is not caught.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

import httpx

from .errors import FetchError
from .settings import Settings

REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 520, 521, 522, 523, 524})
MAX_RETRY_AFTER = 60.0  # longer waits a server asks for are reported instead of slept through
MAX_CRAWL_DELAY = 30.0  # a robots.txt Crawl-delay is honoured up to this many seconds
ROBOTS_TTL = 24 * 3600.0
ROBOTS_MAX_BYTES = 500_000  # RFC 9309 lets crawlers stop reading robots.txt at 500 KiB
_CHUNK = 65_536


@dataclass(slots=True)
class Fetched:
    """A fetched URL: the final URL after redirects, the status and the body.

    ``not_modified`` is true for a 304 answer to a conditional GET (``content`` is then empty).
    """

    url: str
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    requested_url: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def charset(self) -> str | None:
        """The charset the Content-Type header declares, if any."""
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def parse_allow_hosts(value: str) -> frozenset[tuple[str, int | None]]:
    """``"a.example, 127.0.0.1:8080, [::1]:9000"`` → {(host, port or None)}: the allow_hosts setting."""
    allowed: set[tuple[str, int | None]] = set()
    for raw in value.replace(";", ",").replace(" ", ",").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        host, port = entry, None
        if entry.startswith("["):
            host, _, rest = entry[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
        elif entry.count(":") == 1:
            name, _, number = entry.partition(":")
            if number.isdigit():
                host, port = name, int(number)
        allowed.add((host, port))
    return frozenset(allowed)


def non_public_kind(address: str) -> str | None:
    """What kind of non-public address ``address`` is (``"private"``, ``"loopback"``, …), or ``None``."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attribute, kind in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(ip, attribute):
            return kind
    return None if ip.is_global else "non-public"


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Fetcher:
    """A reusable, polite and careful HTTP client: one per command or watcher (see the module doc).

    ``backoff`` is the first retry's wait in seconds (doubled for each next one); ``sleep``
    is how it waits — both exist so tests run fast, not for users to tune.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or Settings()
        self.backoff = backoff
        self._sleep = sleep
        self._allowed = parse_allow_hosts(self.settings.allow_hosts)
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.settings.fetch_timeout),
            follow_redirects=False,
            headers={"User-Agent": self.settings.user_agent},
        )
        self._robots: dict[str, tuple[float, RobotFileParser]] = {}
        self._last_request: dict[str, float] = {}
        self._host_delays: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- public -------------------------------------------------------------------
    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET ``url`` (following redirects); with ``etag``/``last_modified``, a conditional GET.

        Raises :class:`FetchError` for a refused URL, an error status, a body over
        ``max_bytes``, or when the retries run out.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, headers, self.settings.max_bytes, robots=self.settings.respect_robots)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- redirects, address and robots checks ------------------------------------------
    def _follow(self, url: str, headers: dict[str, str], limit: int, robots: bool) -> Fetched:
        current = _parse_url(url)
        for _ in range(self.settings.max_redirects + 1):
            self._check_address(current)
            if robots:
                self._check_robots(current)
            fetched = self._with_retries(current, headers, limit)
            location = fetched.headers.get("location")
            if fetched.status in REDIRECTS and location:
                current = _parse_url(urljoin(str(current), location), came_from=url)
                continue
            fetched.requested_url = url
            if fetched.status == 304 or fetched.status < 400:
                return fetched
            raise _status_error(url, fetched.status, tries=1)
        raise FetchError(
            f"{url} redirected more than {self.settings.max_redirects} times (last to {current}); "
            "it is probably a redirect loop: check the URL in a browser, or raise max_redirects",
            url=url,
        )

    def _check_address(self, url: httpx.URL) -> None:
        """Refuse a host that resolves to a non-public address, before any connection is made."""
        if self.settings.allow_private:
            return
        host = url.host.lower()
        port = url.port or (443 if url.scheme == "https" else 80)
        if (host, None) in self._allowed or (host, port) in self._allowed:
            return
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
            raise FetchError(
                f"cannot fetch {url}: the host {host} cannot be resolved ({reason}); check the URL and your network",
                url=str(url),
                transient=isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN,
            ) from None
        for info in infos:
            address = str(info[4][0])
            kind = non_public_kind(address)
            if kind is not None:
                where = f"{host}:{port}" if url.port else host
                raise FetchError(
                    f"refused {url}: it resolves to a {kind} address ({address}); set allow_private to fetch "
                    f"from your own network, or list {where} in allow_hosts",
                    url=str(url),
                )

    def _check_robots(self, url: httpx.URL) -> None:
        parser = self._robots_for(url)
        if not parser.can_fetch(self.settings.user_agent, str(url)):
            raise FetchError(
                f"{url} is disallowed by {url.scheme}://{url.netloc.decode()}/robots.txt for the user agent "
                f"{self.settings.user_agent!r}; respect the site's wishes, or set respect_robots to false "
                "if you have its permission",
                url=str(url),
            )

    def _robots_for(self, url: httpx.URL) -> RobotFileParser:
        """The parsed robots.txt of ``url``'s site, fetched once a day; a missing one allows everything."""
        site = f"{url.scheme}://{url.netloc.decode()}"
        cached = self._robots.get(site)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        parser = RobotFileParser(site + "/robots.txt")
        try:
            fetched = self._follow(site + "/robots.txt", {}, ROBOTS_MAX_BYTES, robots=False)
        except FetchError as exc:
            if exc.status is None or exc.status >= 500 or exc.status == 429:
                raise FetchError(
                    f"cannot fetch {url}: its site's robots.txt could not be read ({exc}); "
                    "try again later, or set respect_robots to false",
                    url=str(url),
                    status=exc.status,
                    transient=True,
                ) from None
            parser.parse([])  # 4xx: no robots.txt, everything is allowed (RFC 9309)
        else:
            parser.parse(fetched.content.decode("utf-8", "replace").splitlines())
            delay = parser.crawl_delay(self.settings.user_agent)
            if delay is not None:
                self._host_delays[url.netloc.decode()] = min(float(delay), MAX_CRAWL_DELAY)
        self._robots[site] = (time.monotonic() + ROBOTS_TTL, parser)
        return parser

    # -- one request, retried ------------------------------------------------------------
    def _with_retries(self, url: httpx.URL, headers: dict[str, str], limit: int) -> Fetched:
        tries = self.settings.fetch_retries + 1
        for attempt in range(tries):
            self._wait_for_host(url)
            wait: float | None = None
            try:
                fetched = self._once(url, headers, limit)
            except httpx.TimeoutException:
                error = FetchError(
                    f"{url} did not answer within {self.settings.fetch_timeout:g} s ({attempt + 1} tries); "
                    "the server is slow or down: try again later, or raise fetch_timeout",
                    url=str(url),
                    transient=True,
                )
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                error = FetchError(
                    f"cannot fetch {url}: {type(exc).__name__} ({exc or 'the connection failed'}) after "
                    f"{attempt + 1} tries; check the URL and your network, or try again later",
                    url=str(url),
                    transient=True,
                )
            else:
                if fetched.status not in RETRY_STATUSES:
                    return fetched
                error = _status_error(str(url), fetched.status, attempt + 1)
                wait = _retry_after(fetched.headers.get("retry-after"))
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise FetchError(
                        f"{url} answered {_status_text(fetched.status)} and asks to wait {wait:.0f} s "
                        "before trying again; try again later",
                        url=str(url),
                        status=fetched.status,
                        transient=True,
                    )
            if attempt + 1 < tries:
                self._sleep(wait if wait is not None else self.backoff * 2**attempt)
        raise error

    def _once(self, url: httpx.URL, headers: dict[str, str], limit: int) -> Fetched:
        """One GET, without following redirects; the body is streamed and capped at ``limit`` bytes."""
        deadline = time.monotonic() + 5 * self.settings.fetch_timeout
        with self._client.stream("GET", url, headers=headers) as response:
            found = {k.lower(): v for k, v in response.headers.items()}
            content = b""
            if response.status_code < 300 or response.status_code in RETRY_STATUSES:
                declared = found.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise _too_big(url, limit)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise _too_big(url, limit)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the response took too long", request=response.request)
                    chunks.append(chunk)
                content = b"".join(chunks)
            return Fetched(
                url=str(response.url),
                status=response.status_code,
                content=content,
                headers=found,
                content_type=found.get("content-type", "").split(";")[0].strip().lower(),
            )

    def _wait_for_host(self, url: httpx.URL) -> None:
        """Sleep until ``host_delay`` (or the site's Crawl-delay) has passed since the last request to the host."""
        host = url.netloc.decode()
        delay = max(self.settings.host_delay, self._host_delays.get(host, 0.0))
        with self._lock:
            now = time.monotonic()
            ready = self._last_request.get(host, -1e18) + delay
            self._last_request[host] = max(now, ready)
        if ready > now:
            self._sleep(ready - now)


def fetch_url(url: str, settings: Settings | None = None) -> Fetched:
    """Fetch one URL with a fresh :class:`Fetcher` (for many URLs, keep one Fetcher)."""
    with Fetcher(settings) as fetcher:
        return fetcher.get(url)


def is_url(value: object) -> bool:
    """True for an ``http://`` or ``https://`` URL (what ``storyline ingest`` fetches instead of opening)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


# -- messages ----------------------------------------------------------------------------
def _parse_url(url: str, came_from: str | None = None) -> httpx.URL:
    via = f" (redirected from {came_from})" if came_from else ""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"cannot fetch {url!r}{via}: it is not a valid URL ({exc}); check it", url=url) from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(
            f"cannot fetch {url}{via}: only http and https URLs are fetched; give an http(s) URL", url=url
        )
    if not parsed.host:
        raise FetchError(f"cannot fetch {url}{via}: it names no host; check the URL", url=url)
    return parsed


def _status_text(status: int) -> str:
    return f"{status} {httpx.codes.get_reason_phrase(status)}".strip()


def _status_error(url: str, status: int, tries: int) -> FetchError:
    text = _status_text(status)
    if status == 429:
        advice = f"the site limits requests ({tries} tries): raise host_delay or try again later"
    elif status >= 500:
        advice = f"the server is failing ({tries} tries): try again later"
    elif status in (401, 403):
        advice = "the site does not let Storyline read it (it may need a login or block robots)"
    elif status in (404, 410):
        advice = "check the URL"
    else:
        advice = "check the URL and what the site expects"
    return FetchError(f"{url} answered {text}; {advice}", url=url, status=status, transient=status in RETRY_STATUSES)


def _too_big(url: httpx.URL, limit: int) -> FetchError:
    return FetchError(
        f"{url} is larger than the {limit:,}-byte limit; raise the max_bytes setting (STORYLINE_MAX_BYTES) to fetch it",
        url=str(url),
    )


__all__ = ["Fetched", "Fetcher", "fetch_url", "is_url", "non_public_kind", "parse_allow_hosts"]
