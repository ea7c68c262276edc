"""Shared fixtures: the real encoder loaded once per session, real SQLite files, the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyline.embed import Encoder, load_encoder
from storyline.settings import Settings
from storyline.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def encoder(settings: Settings) -> Encoder:
    """The real bundled model (USE-multilingual v3), loaded once for the whole session."""
    return load_encoder(settings.encoder, settings.threads)


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Path:
    """A database with the demo corpus ingested and put into stories (once per session)."""
    from storyline.demo import corpus_path
    from storyline.pipeline import ingest

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with open_store(path) as s:
        report = ingest([corpus_path()], s, settings)
        assert not report.problems, report.problems
    return path


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``storyline ARGS`` as a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "storyline", *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"storyline {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


TOKEN = "test-token-7f3a"


@pytest.fixture(scope="session")
def web_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo database (and its vector index) that the API and UI tests may write to."""
    import shutil

    path = tmp_path_factory.mktemp("web") / "web.db"
    shutil.copy(demo_db, path)
    index = Path(str(demo_db) + ".usearch")
    if index.exists():
        shutil.copy(index, str(path) + ".usearch")
    return path


@pytest.fixture(scope="session")
def live_server(web_db: Path) -> Iterator[str]:
    """The API and UI served by a real uvicorn on a free loopback port (once per session); yields its URL."""
    import threading
    import time

    import uvicorn

    from storyline.server import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(web_db, token=TOKEN), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
