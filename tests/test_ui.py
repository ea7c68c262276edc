"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

`make test` installs chromium first (tests/install_chromium.sh). Screenshots of every page go to
the session's temporary directory (their path is printed with -s) or to $STORYLINE_SCREENSHOTS.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = "no /usr/bin/chromium; run `sh tests/install_chromium.sh` (as root) or `make test`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS, viewport={"width": 1200, "height": 900}
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("STORYLINE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


class Page:
    """A browser tab that records console errors, CSP violations, dialogs and failed requests."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed {r.url}"))

    def open(self, url: str) -> Any:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        return response

    def clean(self) -> None:
        assert not self.problems, self.problems
        assert not self.dialogs, self.dialogs

    def no_horizontal_scroll(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.evaluate("window.innerWidth")
        assert width <= viewport + 1, f"page is {width}px wide in a {viewport}px window"


@pytest.fixture()
def tab(browser: Any) -> Iterator[Page]:
    page = Page(browser)
    yield page
    page.page.close()


def test_every_page_loads_and_story_coverage_compare_click_through(live_server: str, tab: Page, shots: Path) -> None:
    page = tab.page
    tab.open(live_server + "/")
    assert page.locator(".story-card").count() >= 10
    assert page.locator(".story-card .badge.lang").count() >= 20
    assert page.locator(".story-card svg.tl circle").count() >= 40
    page.screenshot(path=shots / "river.png", full_page=True)
    # the first story told by three or more outlets (the newest story may have a single outlet)
    page.locator(".story-card").filter(has=page.locator(".badge.outlet >> nth=2")).locator("h2 a").first.click()
    page.wait_for_url("**/stories/*")
    assert page.locator("h1").inner_text()
    page.get_by_role("link", name="Coverage", exact=True).click()
    assert page.locator("#coverage").is_visible()
    assert page.locator(".fact").count() >= 1 and page.locator(".outlet").count() >= 2
    page.screenshot(path=shots / "story.png", full_page=True)
    page.locator("#compare-two").click()
    page.wait_for_url("**/compare?a=*")
    assert page.locator(".score meter").count() == 7
    marks = page.locator("mark.match")
    assert marks.count() >= 2
    first = marks.first
    first.focus()  # the script file runs under the CSP: the partner sentence lights up too
    pair = first.get_attribute("data-pair")
    assert page.locator(f'mark.match.active[data-pair="{pair}"]').count() == 2
    page.screenshot(path=shots / "compare.png", full_page=True)
    article_link = page.locator(".text-col h3 a").first
    article_link.click()
    page.wait_for_url("**/articles/*")
    page.screenshot(path=shots / "article.png")
    tab.open(live_server + "/search?q=Izmir")
    assert page.locator(".results li a").count() >= 1
    tab.open(live_server + "/search?q=earthquake+victims&mode=similar")
    assert page.locator(".results > li").count() >= 5
    page.screenshot(path=shots / "search.png")
    tab.open(live_server + "/compare")
    page.fill("textarea[name=a_text]", "Floods closed the Danube ferry for a third day on Sunday, the operator said.")
    page.fill("textarea[name=b_text]", "The Danube ferry stayed shut for a third day on Sunday because of floods.")
    page.get_by_role("button", name="Compare the texts").click()
    assert page.locator(".score meter").count() == 7
    tab.clean()


def test_right_to_left_keyboard_and_phone_width(live_server: str, tab: Page, shots: Path) -> None:
    page = tab.page
    story = httpx.get(live_server + "/api/stories", params={"language": "ar"}).json()["stories"][0]
    tab.open(f"{live_server}/stories/{story['id']}")
    arabic = page.locator('td[lang="ar"]').first
    assert arabic.get_attribute("dir") == "rtl"
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    chinese = httpx.get(live_server + "/api/stories", params={"language": "zh"}).json()["stories"][0]
    tab.open(f"{live_server}/stories/{chinese['id']}")
    assert page.locator('[lang="zh"]').first.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # keyboard: the first Tab reaches the skip link, which moves focus to the content
    tab.open(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(8):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("A", "INPUT", "BUTTON")
    # phone width: nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", f"/stories/{story['id']}", "/compare", "/search?q=Izmir"):
        tab.open(live_server + path)
        tab.no_horizontal_scroll()
    page.screenshot(path=shots / "story-phone.png")
    tab.clean()


def test_script_in_article_text_never_runs(live_server: str, tab: Page, shots: Path) -> None:
    payload = {
        "title": "<script>window.__pwned = 'title'</script>Council <img src=x onerror=\"window.__pwned='img'\">",
        "text": (
            "The city council met on Monday <script>window.__pwned = 'text'; alert('xss')</script> to discuss "
            "the budget. <img src=x onerror=\"window.__pwned='onerror'; alert(1)\"> Members voted nine to four "
            "to raise spending on parks, <svg onload=\"window.__pwned='svg'\"></svg> the clerk said. "
            "<a href=\"javascript:window.__pwned='link'\">details</a> were published later that evening."
        ),
        "url": "javascript:window.__pwned='url'",
        "outlet": "<b onmouseover=alert(1)>outlet</b>",
        "language": "en",
    }
    response = httpx.post(
        live_server + "/api/articles", json=payload, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    )
    assert response.status_code == 201, response.text
    article_id = response.json()["added"][0]
    story_id = response.json()["stories"][article_id]
    page = tab.page
    pages = [f"/articles/{article_id}", f"/stories/{story_id}", "/search?q=council", "/"]
    pages.append(f"/compare?a={article_id}&b={article_id}")
    for path in pages:
        tab.open(live_server + path)
        page.mouse.move(5, 5)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.locator("img[src=x], svg[onload], b[onmouseover]").count() == 0, path
    tab.open(f"{live_server}/articles/{article_id}")
    body = page.locator("main").inner_text()
    assert "<script>" in body and "onerror=" in body, "the payload is shown as text"
    assert page.locator("a[href^='javascript:']").count() == 0
    page.screenshot(path=shots / "xss.png")
    tab.clean()
