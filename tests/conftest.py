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
