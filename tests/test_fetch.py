"""The fetcher against a real HTTP server on loopback: errors, retries, limits, refusals, robots, conditional GET."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from storyline.errors import FetchError, InputError
from storyline.fetch import Fetcher, fetch_url, non_public_kind, parse_allow_hosts
from storyline.settings import Settings, load_settings

from .webserver import Reply, Site, page, serve


@pytest.fixture()
def site() -> Iterator[Site]:
    yield from serve()


def _fetcher(site: Site, **changes: object) -> Fetcher:
    return Fetcher(site.settings(**changes), backoff=0.01)


def test_good_page_with_its_headers(site: Site) -> None:
    url = site.add("/news/a.html", Reply(body=page("A title", ["Some words."]), headers={"ETag": '"v1"'}))
    fetched = fetch_url(url, site.settings())
    assert fetched.status == 200 and fetched.url == url and b"A title" in fetched.content
    assert fetched.content_type == "text/html" and fetched.charset == "utf-8" and fetched.etag == '"v1"'
    assert not fetched.not_modified
    assert site.requests[-1][1]["User-Agent"] == "Storyline/0.1"
    assert "/robots.txt" in site.hits  # asked first; its 404 means everything is allowed


def test_404_says_check_the_url(site: Site) -> None:
    with pytest.raises(FetchError, match=r"answered 404 Not Found; check the URL") as caught:
        _fetcher(site).get(site.url("/missing"))
    assert caught.value.status == 404 and not caught.value.transient
    assert isinstance(caught.value, InputError)  # one error tree


def test_429_with_retry_after_then_success(site: Site) -> None:
    url = site.add("/busy", Reply(429, headers={"Retry-After": "1"}), "fine now")
    sleeps: list[float] = []
    fetcher = Fetcher(site.settings(), backoff=0.01, sleep=sleeps.append)
    assert fetcher.get(url).content == b"fine now"
    assert sleeps == [1.0] and site.hits["/busy"] == 2


def test_500_then_success_with_backoff(site: Site) -> None:
    url = site.add("/flaky", Reply(500), Reply(503), "recovered")
    sleeps: list[float] = []
    fetcher = Fetcher(site.settings(), backoff=0.01, sleep=sleeps.append)
    assert fetcher.get(url).content == b"recovered"
    assert sleeps == [0.01, 0.02]  # exponential


def test_always_500_gives_up_with_a_clear_error(site: Site) -> None:
    url = site.add("/down", Reply(500))
    with pytest.raises(FetchError, match=r"answered 500 Internal Server Error; the server is failing \(3 tries\)") as e:
        _fetcher(site).get(url)
    assert e.value.transient and site.hits["/down"] == 3


def test_retry_after_beyond_the_cap_is_reported_not_slept(site: Site) -> None:
    url = site.add("/later", Reply(503, headers={"Retry-After": "86400"}))
    with pytest.raises(FetchError, match="asks to wait 86400 s"):
        _fetcher(site).get(url)
    assert site.hits["/later"] == 1


def test_slow_server_times_out(site: Site) -> None:
    url = site.add("/slow", Reply(body="late", delay=1.5))
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not answer within 0.3 s \(1 tries\).*raise fetch_timeout"):
        _fetcher(site, fetch_timeout=0.3, fetch_retries=0).get(url)
    assert time.monotonic() - started < 1.4


def test_redirects_are_followed_and_a_loop_is_capped(site: Site) -> None:
    site.add("/old", Reply(301, headers={"Location": "/new"}))
    site.add("/new", "moved here")
    fetched = _fetcher(site).get(site.url("/old"))
    assert fetched.url == site.url("/new") and fetched.requested_url == site.url("/old")
    site.add("/loop-a", Reply(302, headers={"Location": "/loop-b"}))
    site.add("/loop-b", Reply(302, headers={"Location": site.url("/loop-a")}))
    with pytest.raises(FetchError, match=r"redirected more than 3 times.*redirect loop"):
        _fetcher(site, max_redirects=3).get(site.url("/loop-a"))
    assert site.hits["/loop-a"] + site.hits["/loop-b"] == 4


@pytest.mark.parametrize(
    ("target", "kind"),
    [("http://169.254.169.254/latest/meta-data/", "link-local"), ("http://10.0.0.1/admin", "private")],
)
def test_redirect_to_a_private_address_is_refused_without_connecting(site: Site, target: str, kind: str) -> None:
    url = site.add("/jump", Reply(302, headers={"Location": target}))
    started = time.monotonic()
    with pytest.raises(FetchError, match=rf"refused {target}: it resolves to a {kind} address .*set allow_private"):
        _fetcher(site).get(url)
    assert time.monotonic() - started < 1.0  # no connection attempt to a blackholed address


def test_loopback_is_refused_unless_allowed(site: Site) -> None:
    url = site.add("/a", "hello")
    with pytest.raises(FetchError, match=rf"refused {url}: it resolves to a loopback address \(127.0.0.1\)"):
        fetch_url(url, Settings(host_delay=0.0))
    assert site.hits["/a"] == 0
    other_port = site.settings(allow_hosts="127.0.0.1:1")  # another port of the same host is not enough
    with pytest.raises(FetchError, match="loopback"):
        fetch_url(url, other_port)
    assert fetch_url(url, Settings(host_delay=0.0, allow_private=True)).content == b"hello"
    assert fetch_url(url, site.settings(allow_hosts="127.0.0.1")).content == b"hello"


def test_only_http_urls() -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch_url("file:///etc/passwd")
    with pytest.raises(FetchError, match="only http and https"):
        fetch_url("ftp://example.org/feed.xml")


def test_body_over_the_size_cap(site: Site) -> None:
    url = site.add("/big", "x" * 50_000)
    with pytest.raises(FetchError, match=r"larger than the 10,000-byte limit; raise the max_bytes setting"):
        _fetcher(site, max_bytes=10_000).get(url)


def test_robots_txt_disallowing_a_path(site: Site) -> None:
    site.add("/robots.txt", Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    site.add("/private/a", "secret")
    site.add("/public/a", "open")
    fetcher = _fetcher(site)
    with pytest.raises(FetchError, match=r"disallowed by .*/robots.txt .*set respect_robots to false"):
        fetcher.get(site.url("/private/a"))
    assert fetcher.get(site.url("/public/a")).content == b"open"
    assert site.hits["/robots.txt"] == 1 and site.hits["/private/a"] == 0  # cached per host
    assert _fetcher(site, respect_robots=False).get(site.url("/private/a")).content == b"secret"


def test_host_delay_and_robots_crawl_delay_space_requests(site: Site) -> None:
    site.add("/a", "a")
    fetcher = _fetcher(site, host_delay=0.2)
    started = time.monotonic()
    for _ in range(3):
        fetcher.get(site.url("/a"))
    assert time.monotonic() - started >= 0.6  # robots.txt, then three pages, 0.2 s apart
    site.add("/robots.txt", Reply(body="User-agent: storyline\nCrawl-delay: 1\n", content_type="text/plain"))
    fetcher = _fetcher(site)
    started = time.monotonic()
    fetcher.get(site.url("/a"))
    fetcher.get(site.url("/a"))
    assert time.monotonic() - started >= 1.0  # the site asks for 1 s (robotparser reads whole seconds)


def test_conditional_get_answers_not_modified(site: Site) -> None:
    def feed(headers: object) -> Reply:
        assert isinstance(headers, dict)
        if headers.get("If-None-Match") == '"v2"':
            return Reply(304)
        return Reply(body="<rss/>", headers={"ETag": '"v2"', "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT"})

    url = site.add_handler("/feed.xml", feed)
    fetcher = _fetcher(site)
    first = fetcher.get(url)
    assert first.status == 200 and first.etag == '"v2"' and first.last_modified
    again = fetcher.get(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.content == b""
    assert site.requests[-1][1]["If-Modified-Since"] == "Mon, 02 Mar 2026 10:00:00 GMT"


def test_address_kinds_and_allow_hosts_parsing() -> None:
    assert non_public_kind("127.0.0.1") == "loopback"
    assert non_public_kind("::1") == "loopback"
    assert non_public_kind("::ffff:10.1.2.3") == "private"
    assert non_public_kind("224.0.0.1") == "multicast"
    assert non_public_kind("0.0.0.0") == "unspecified"
    assert non_public_kind("100.64.0.1") == "non-public"  # carrier-grade NAT
    assert non_public_kind("93.184.215.14") is None
    assert parse_allow_hosts("news.corp.example, 127.0.0.1:8080 [::1]:9000") == {
        ("news.corp.example", None),
        ("127.0.0.1", 8080),
        ("::1", 9000),
    }


def test_boolean_settings_from_the_environment() -> None:
    assert load_settings(env={"STORYLINE_RESPECT_ROBOTS": "false"}).respect_robots is False
    assert load_settings(env={"STORYLINE_ALLOW_PRIVATE": "yes"}).allow_private is True
