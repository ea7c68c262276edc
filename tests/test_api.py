"""The REST API: in-process first (FastAPI's test client), then against a real uvicorn on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from storyline.records import DIMENSIONS
from storyline.server import create_app
from storyline.settings import Settings

from .conftest import ROOT, TOKEN
from .feedsite import add_pages, rss, xml
from .webserver import Site, serve

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = {
    "title": "Harbour crane collapse injures three workers in Gdansk",
    "text": (
        "A container crane collapsed at the port of Gdansk on Tuesday morning, injuring three dock workers, "
        "the port authority said. The crane, one of twelve at the Baltic Hub terminal, fell onto an empty "
        "berth during high winds. Two of the injured were taken to hospital with broken bones. Port operations "
        "were suspended for six hours while inspectors examined the remaining cranes."
    ),
    "outlet": "baltic-courier.example",
    "language": "en",
    "published": "2026-11-20T09:00:00Z",
}


@pytest.fixture(scope="module")
def client(web_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, token=TOKEN)) as c:
        yield c


def assert_error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    assert body["error"]["type"] == kind, body
    assert body["error"]["message"], body
    return dict(body["error"])


def _story_ids(client: TestClient) -> list[str]:
    return [s["id"] for s in client.get("/api/stories", params={"limit": 200}).json()["stories"]]


# -- reads ---------------------------------------------------------------------------------------
def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["articles"] >= 60 and health["stories"] >= 10
    spec = client.get("/api/openapi.json").json()
    assert "/api/stories" in spec["paths"] and "/api/compare" in spec["paths"]
    assert "multipart/form-data" in spec["paths"]["/api/articles"]["post"]["requestBody"]["content"]


def test_every_api_route_is_documented_in_the_readme(client: TestClient) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    spec = client.get("/api/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f"{method.upper()} {path}" in readme, f"{method.upper()} {path} missing from README"


def test_story_list_pages_and_filters(client: TestClient) -> None:
    first = client.get("/api/stories", params={"limit": 5}).json()
    assert len(first["stories"]) == 5 and first["next_offset"] == 5 and first["total"] >= 10
    second = client.get("/api/stories", params={"limit": 5, "offset": 5}).json()
    assert not {s["id"] for s in first["stories"]} & {s["id"] for s in second["stories"]}
    seen = [s["last_seen"] for s in first["stories"] + second["stories"]]
    assert seen == sorted(seen, reverse=True), "most recent activity first"
    story = first["stories"][0]
    assert {"id", "label", "labels", "size", "languages", "outlets", "first_seen", "last_seen"} <= set(story)
    assert story["size"] >= 1
    arabic = client.get("/api/stories", params={"language": "ar", "limit": 200}).json()["stories"]
    assert arabic and all("ar" in s["languages"] for s in arabic)
    outlet = story["outlets"][0]
    by_outlet = client.get("/api/stories", params={"outlet": outlet, "limit": 200}).json()["stories"]
    assert by_outlet and all(outlet in s["outlets"] for s in by_outlet)
    day = story["last_seen"][:10]
    on_day = client.get("/api/stories", params={"since": day, "until": day, "limit": 200}).json()["stories"]
    assert story["id"] in [s["id"] for s in on_day]
    assert all(s["last_seen"][:10] >= day and s["first_seen"][:10] <= day for s in on_day)
    none = client.get("/api/stories", params={"since": "2099-01-01"}).json()
    assert none["stories"] == [] and none["next_offset"] is None
    assert_error(client.get("/api/stories", params={"limit": 0}), 422, "invalid_request")
    assert_error(client.get("/api/stories", params={"since": "yesterday"}), 422, "invalid_request")


def test_story_members_reasons_and_coverage(client: TestClient) -> None:
    story_id = _story_ids(client)[0]
    story = client.get(f"/api/stories/{story_id}").json()
    assert story["members"] and all(m["reason"] for m in story["members"])
    assert client.get(f"/api/stories/{story_id[:6]}").json()["id"] == story_id, "id prefixes work"
    coverage = client.get(f"/api/stories/{story_id}/coverage").json()
    assert {"timeline", "facts", "outlets", "numbers", "quotes", "conflicts", "at_a_glance"} <= set(coverage)
    assert coverage["at_a_glance"]["articles"] == len(story["members"])
    error = assert_error(client.get("/api/stories/nosuchstory"), 404, "not_found")
    assert "nosuchstory" in error["message"]
    assert_error(client.get("/api/stories/nosuchstory/coverage"), 404, "not_found")


def test_article_and_search(client: TestClient) -> None:
    rows = client.get("/api/articles", params={"limit": 3}).json()["articles"]
    article = client.get(f"/api/articles/{rows[0]['id']}").json()
    assert article["text"] and article["sentences"] and article["story"]
    assert_error(client.get("/api/articles/0000000000"), 404, "not_found")
    word = "Izmir"
    found = client.get("/api/search", params={"q": word}).json()["results"]
    assert found and all(word.lower() in (r["title"] + r["snippet"]).lower() for r in found)
    similar = client.get("/api/search", params={"q": "earthquake kills people in Turkey", "mode": "similar"}).json()
    assert similar["results"][0]["similarity"] >= similar["results"][-1]["similarity"]
    assert any(r["language"] != "en" for r in similar["results"][:10]), "meaning crosses languages"
    assert_error(client.get("/api/search", params={"q": "x", "mode": "magic"}), 422, "invalid_request")


def test_compare_ids_and_texts(client: TestClient) -> None:
    members = client.get(f"/api/stories/{_story_ids(client)[0]}").json()["members"]
    result = client.post("/api/compare", json={"a": members[0]["id"], "b": members[1]["id"]}).json()
    assert all(1.0 <= result[d] <= 4.0 for d in DIMENSIONS)
    assert result["aligned"] and result["a"]["sentences"] and result["b"]["sentences"]
    pair = result["aligned"][0]
    assert result["a"]["sentences"][pair["a_index"]] == pair["a_text"]
    texts = client.post("/api/compare", json={"a": ARTICLE, "b": members[0]["id"]}).json()
    assert texts["a"]["stored"] is False and texts["b"]["stored"] is True and texts["Overall"] > 2.5
    error = assert_error(client.post("/api/compare", json={"a": "nope", "b": members[0]["id"]}), 404, "not_found")
    assert "nope" in error["message"]
    assert_error(client.post("/api/compare", json={"a": members[0]["id"]}), 422, "invalid_request")
    assert_error(client.post("/api/compare", content=b"{not json", headers={"content-type": "application/json"}),
                 422, "invalid_request")


def test_unknown_paths_and_methods_share_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.delete("/api/stories"), 405, "method_not_allowed")
    page = client.get("/stories/nosuchstory")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


# -- writes --------------------------------------------------------------------------------------
def test_writes_need_the_token(client: TestClient, web_db: Path) -> None:
    assert_error(client.post("/api/articles", json=ARTICLE), 401, "unauthorized")
    assert_error(client.post("/api/articles", json=ARTICLE, headers={"Authorization": "Bearer wrong"}),
                 401, "unauthorized")
    with TestClient(create_app(web_db, token=None)) as readonly:
        error = assert_error(readonly.post("/api/articles", json=ARTICLE, headers=AUTH), 403, "writes_disabled")
        assert "--token" in error["message"] and "STORYLINE_TOKEN" in error["message"]
        assert readonly.get("/api/health").json()["writes"] is False


def test_ingest_json_upload_and_limits(client: TestClient, web_db: Path) -> None:
    added = client.post("/api/articles", json=ARTICLE, headers=AUTH)
    assert added.status_code == 201, added.text
    body = added.json()
    (article_id,) = body["added"]
    assert body["stories"][article_id] and body["decisions"][0]["reason"]
    again = client.post("/api/articles", json=ARTICLE, headers=AUTH)
    assert again.status_code == 200 and again.json()["unchanged"] == [article_id]
    stored = client.get(f"/api/articles/{article_id}").json()
    assert stored["outlet"] == ARTICLE["outlet"] and stored["published"].startswith("2026-11-20")

    page = (
        "<html><head><title>Floods close Danube ferry</title></head><body><article><h1>Floods close Danube "
        "ferry</h1><p>High water on the Danube closed the ferry between two villages for the third day on "
        "Sunday, the operator said, and the river is expected to rise further.</p><p>Residents must drive "
        "forty kilometres to the nearest bridge until the service resumes.</p></article></body></html>"
    )
    upload = client.post("/api/articles", files={"file": ("ferry.html", page, "text/html")}, headers=AUTH)
    assert upload.status_code == 201, upload.text
    assert upload.json()["added"]
    error = assert_error(
        client.post("/api/articles", json={"title": "short", "text": "too short"}, headers=AUTH), 400, "invalid_input"
    )
    assert "min_words" in error["message"]
    assert_error(client.post("/api/articles", json={"title": "no text"}, headers=AUTH), 422, "invalid_request")
    assert_error(client.post("/api/articles", content=b"x", headers={**AUTH, "content-type": "text/plain"}),
                 415, "unsupported_media_type")
    with TestClient(create_app(web_db, Settings(max_bytes=1000), token=TOKEN)) as small:
        big = {**ARTICLE, "text": ARTICLE["text"] * 10}
        error = assert_error(small.post("/api/articles", json=big, headers=AUTH), 413, "too_large")
        assert "max_bytes" in error["message"]


def test_merge_split_move_undo(client: TestClient) -> None:
    stories = client.get("/api/stories", params={"limit": 200}).json()["stories"]
    first, second = [s["id"] for s in stories if s["size"] >= 2][:2]
    size = len(client.get(f"/api/stories/{first}").json()["members"])
    other = len(client.get(f"/api/stories/{second}").json()["members"])
    assert_error(client.post(f"/api/stories/{first}/merge", json={"other": second}), 401, "unauthorized")
    merged = client.post(f"/api/stories/{first}/merge", json={"other": second, "reason": "test"}, headers=AUTH)
    assert merged.status_code == 200, merged.text
    assert len(client.get(f"/api/stories/{first}").json()["members"]) == size + other
    assert_error(client.get(f"/api/stories/{second}"), 404, "not_found")
    undone = client.post(f"/api/history/{merged.json()['event']['id']}/undo", headers=AUTH)
    assert undone.status_code == 200 and undone.json()["event"]["undone_at"]
    assert len(client.get(f"/api/stories/{second}").json()["members"]) == other

    members = [m["id"] for m in client.get(f"/api/stories/{first}").json()["members"]]
    split = client.post(f"/api/stories/{first}/split", json={"articles": members[-1:]}, headers=AUTH).json()
    assert client.get(f"/api/stories/{split['new_story']}").json()["members"][0]["id"] == members[-1]
    moved = client.post(f"/api/articles/{members[-1]}/move", json={"story": first}, headers=AUTH)
    assert moved.status_code == 200, moved.text
    assert members[-1] in [m["id"] for m in client.get(f"/api/stories/{first}").json()["members"]]
    kinds = [e["kind"] for e in client.get("/api/history").json()["events"]]
    assert kinds[:3] == ["move", "split", "merge"]
    assert_error(client.post(f"/api/stories/{first}/split", json={"articles": members}, headers=AUTH),
                 400, "invalid_input")


def test_cors_is_off_by_default(client: TestClient, web_db: Path) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    assert "access-control-allow-origin" not in client.get("/api/health", headers=origin).headers
    with TestClient(create_app(web_db, cors_origins=["https://elsewhere.example"])) as open_client:
        allowed = open_client.get("/api/health", headers=origin)
        assert allowed.headers["access-control-allow-origin"] == "https://elsewhere.example"


def test_security_headers(client: TestClient) -> None:
    for path in ("/", "/api/health", "/static/app.js"):
        csp = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp


# -- a real server ---------------------------------------------------------------------------------
def test_real_uvicorn_on_loopback(live_server: str) -> None:
    assert re.match(r"http://127\.0\.0\.1:\d+$", live_server)
    with httpx.Client(base_url=live_server, timeout=60) as http:
        assert http.get("/api/health").json()["status"] == "ok"
        story_id = http.get("/api/stories").json()["stories"][0]["id"]
        paths = ["/api/stories", f"/api/stories/{story_id}", "/api/stories?language=de", "/"] * 10
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda p: http.get(p).status_code, paths))
        assert statuses == [200] * len(paths)
        assert_error(http.post("/api/articles", json=ARTICLE), 401, "unauthorized")
        ingested = http.post("/api/articles", json={**ARTICLE, "title": ARTICLE["title"] + " (update)"}, headers=AUTH)
        assert ingested.status_code == 201, ingested.text
        article_id = ingested.json()["added"][0]
        assert http.get(f"/api/articles/{article_id}").status_code == 200
        listed = http.get("/api/stories", params={"outlet": ARTICLE["outlet"]}).json()["stories"]
        assert listed, "a write shows in the (cached) story list at once"


@pytest.fixture()
def site() -> Iterator[Site]:
    yield from serve()


def test_ingest_a_feed_and_refuse_a_private_url(web_db: Path, site: Site) -> None:
    pages = add_pages(site)
    items = [
        {"title": "River floods harbour", "link": pages["flood-a"], "date": "Tue, 03 Mar 2026 20:00:00 GMT"},
        {"title": "Chess open", "link": pages["chess"]},
    ]
    feed = site.add("/feed.xml", xml(rss(items)))
    with TestClient(create_app(web_db, site.settings(), token=TOKEN)) as local:
        added = local.post("/api/articles", json={"feed": feed}, headers=AUTH)
        assert added.status_code == 201, added.text
        assert len(added.json()["added"]) == 2
        assert site.hits["/2026/03/flood-a.html"] == 1 and site.hits["/sport/chess.html"] == 1
    with TestClient(create_app(web_db, token=TOKEN)) as default:  # the loopback server is not allowed by default
        refused = default.post("/api/articles", json={"url": site.url("/news/flood-b.html")}, headers=AUTH)
        assert refused.status_code >= 400, refused.text
        assert "loopback" in refused.text or "private" in refused.text
        assert site.hits["/news/flood-b.html"] == 0
