"""REST API under load: requests/s, p50 and p99 at 10 and 100 concurrent clients, on loopback.

    python bench/api.py [--articles 100000] [--seconds 10] [--workdir build/bench]

The store: the demo corpus ingested for real, plus N synthetic articles written directly through
the store API (short placeholder texts in the demo's languages and outlets, dates over two years,
one to four articles to a story, and a synthetic 512-d unit embedding per article so the file
has a realistic size). The server is `storyline serve` in its own process (uvicorn, loopback,
a free port); the load generator is an asyncio HTTP/1.1 client with one keep-alive connection per
client (lighter than httpx, so more of the two cores go to the server). Each scenario runs for
--seconds after a short warm-up; any non-200 answer or connection error counts as an error.

Scenarios: the story list (GET /api/stories?limit=20), a story (GET /api/stories/{id}, members
with reasons), the story's web page (GET /stories/{id}, coverage; cached after the first), and
compare (POST /api/compare with two stored demo article ids).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine

WORDS = (
    "council government minister police river storm market election court hospital school bridge port "
    "village company workers strike budget festival museum railway airport harbour fire flood vote"
).split()


def build_store(path: Path, n_articles: int, seed: int = 7) -> tuple[int, int]:
    """The demo corpus (ingested for real) plus ``n_articles`` synthetic ones in synthetic stories."""
    from storyline import ingest, open_store
    from storyline.demo import corpus_path
    from storyline.records import Article, StoryMember

    rng = random.Random(seed)
    vectors = np.random.default_rng(seed)
    with open_store(path) as store:
        ingest([corpus_path()], store)
        languages = sorted({a.language or "en" for a in store.iter_articles()})
        outlets = sorted({a.outlet or "-" for a in store.iter_articles()})
        start = datetime(2024, 6, 1, tzinfo=UTC)
        made = 0
        stories = 0
        while made < n_articles:
            with store.transaction():
                for _ in range(2000):
                    size = min(rng.choice((1, 1, 2, 3, 4)), n_articles - made)
                    if size <= 0:
                        break
                    when = start + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
                    members = []
                    for j in range(size):
                        words = " ".join(rng.choice(WORDS) for _ in range(60))
                        article = Article(
                            id=f"syn{made:07d}",
                            title=f"Synthetic report {made}: {' '.join(rng.choice(WORDS) for _ in range(6))}",
                            text=words,
                            outlet=rng.choice(outlets),
                            language=rng.choice(languages),
                            published=when + timedelta(hours=j),
                            source="synthetic",
                            format="synthetic",
                        )
                        members.append(article)
                        made += 1
                    store.add_articles(members)
                    emb = vectors.standard_normal((len(members), 512)).astype(np.float32)
                    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
                    store.put_vectors("synthetic", {a.id: v for a, v in zip(members, emb, strict=True)})
                    story_id = f"syn-s{stories:07d}"
                    store.create_story(story_id, members[0].title, {})
                    for a in members:
                        store.add_member(story_id, StoryMember(a.id, "synthetic"), refresh=False)
                    store.refresh_story(story_id)
                    stories += 1
        return store.count_articles(), store.count_stories()


def demo_story(db: Path) -> str:
    """A story of the demo corpus with an Arabic article and at least three members (not a synthetic one)."""
    import sqlite3

    with sqlite3.connect(db) as con:
        row = con.execute(
            "SELECT m.story_id FROM story_members m JOIN articles a ON a.id = m.article_id"
            " WHERE a.format != 'synthetic' AND a.language = 'ar' ORDER BY m.story_id LIMIT 1"
        ).fetchone()
    return str(row[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _client(
    host: str, port: int, request: bytes, until: float, latencies: list[float], errors: list[str]
) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        errors.append(f"connect: {exc}")
        return
    try:
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"status {status}")
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def load(port: int, request: bytes, clients: int, seconds: float) -> dict[str, float]:
    async def run(duration: float) -> tuple[list[float], list[str], float]:
        latencies: list[float] = []
        errors: list[str] = []
        t0 = time.perf_counter()
        until = t0 + duration
        await asyncio.gather(*(_client("127.0.0.1", port, request, until, latencies, errors) for _ in range(clients)))
        return latencies, errors, time.perf_counter() - t0

    asyncio.run(run(min(2.0, seconds / 4)))  # warm-up: connections, caches, lazily loaded models
    latencies, errors, elapsed = asyncio.run(run(seconds))
    ms = np.array(latencies) * 1000 if latencies else np.array([float("nan")])
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000, help="synthetic articles besides the demo corpus")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each scenario runs")
    parser.add_argument("--clients", default="10,100", help="concurrent clients, comma-separated")
    parser.add_argument("--only", default="", help="run only the scenarios whose names contain this")
    parser.add_argument("--workdir", default=None, help="keep the database here (reused when present)")
    args = parser.parse_args()

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="storyline-bench-api-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"api-{args.articles}.db"
    if not db.exists():
        t0 = time.perf_counter()
        articles, stories = build_store(db, args.articles)
        print(f"built {db}: {articles} articles, {stories} stories in {time.perf_counter() - t0:.0f} s", flush=True)
    port = free_port()
    env = {**os.environ, "STORYLINE_TOKEN": ""}
    server = subprocess.Popen(
        [sys.executable, "-m", "storyline", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    health = json.loads(r.read())
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the server did not start")
                time.sleep(0.2)
        story_id = demo_story(db)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stories/{story_id}") as r:
            members = [m["id"] for m in json.loads(r.read())["members"]]
        compare_body = json.dumps({"a": members[0], "b": members[1]}).encode()
        scenarios = {
            "story list": _request("GET", "/api/stories?limit=20"),
            "story (API)": _request("GET", f"/api/stories/{story_id}"),
            "story page (UI)": _request("GET", f"/stories/{story_id}"),
            "compare": _request("POST", "/api/compare", compare_body),
        }
        print(
            f"machine: {machine()}; store: {health['articles']} articles, {health['stories']} stories; "
            f"{args.seconds:.0f} s per scenario\n"
        )
        print(f"{'scenario':18} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
        for name, request in scenarios.items():
            if args.only not in name:
                continue
            for clients in (int(c) for c in args.clients.split(",")):
                r = load(port, request, clients, args.seconds)
                print(
                    f"{name:18} {clients:7d} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
                    f"{r['errors']:6d} {r['first_error']}",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
