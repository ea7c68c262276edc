"""The batch job: the same input on the local engine and on a 2-worker Dask LocalCluster gives identical
articles, pairs and stories; a killed worker does not stop the job; a rerun skips finished partitions;
failed records land in the side output; the output loads into a store."""

from __future__ import annotations

import functools
import os
import shutil
import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

from storyline.batch import form_stories, read_stories, run_batch
from storyline.demo import corpus_path
from storyline.settings import Settings
from storyline.store import open_store

from .conftest import run_cli

pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")

T = TypeVar("T")
R = TypeVar("R")
FILES = ("globewire.jsonl", "meridian-herald.jsonl", "rheinblick-zeitung.jsonl", "nevsky-vestnik.jsonl")
HTML = ("ege-postasi-izmir-seferihisar-deprem.html", "huanqiu-observer-venice-flood-mose.html")
SMALL = {"partition_bytes": 12_000}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Part of the demo corpus (four outlets' JSONL, two HTML pages) plus inputs that must be skipped."""
    root = tmp_path_factory.mktemp("corpus")
    for name in FILES:
        shutil.copy(corpus_path() / name, root / name)
    (root / "html").mkdir()
    for name in HTML:
        shutil.copy(corpus_path() / "html" / name, root / "html" / name)
    (root / "broken.jsonl").write_text('{"title": "no text here"}\nnot json at all\n', encoding="utf-8")
    (root / "short.txt").write_text("Too short to be an article.", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(threads=1, workers=2)


@pytest.fixture(scope="module")
def local_out(corpus: Path, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    report = run_batch([corpus], out, settings, **SMALL)  # type: ignore[arg-type]
    assert report.partitions >= 3 and report.partitions_skipped == 0
    return out


@pytest.fixture(scope="module")
def dask_engine(settings: Settings) -> Iterator[Any]:
    from storyline.engines.dask import DaskEngine

    engine = DaskEngine(workers=2, threads=1)
    yield engine
    engine.close()


def _table(out: Path, folder: str) -> Any:
    import pyarrow as pa

    files = sorted((out / folder).glob("*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files])


def _articles(out: Path) -> list[dict[str, Any]]:
    return sorted(_table(out, "articles").to_pylist(), key=lambda r: (r["partition"], r["seq"]))


def _pairs(out: Path) -> list[dict[str, Any]]:
    return _table(out, "pairs").to_pylist()


def _same_articles(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert [r["id"] for r in a] == [r["id"] for r in b]
    for x, y in zip(a, b, strict=True):
        for key in x:
            if key.endswith("_vector"):
                np.testing.assert_allclose(x[key], y[key], atol=1e-6)
            else:
                assert x[key] == y[key], key


@pytest.mark.slow
def test_local_engine_and_dask_cluster_give_identical_articles_pairs_and_stories(
    corpus: Path, settings: Settings, local_out: Path, dask_engine: Any, tmp_path: Path
) -> None:
    out = tmp_path / "dask"
    report = run_batch([corpus], out, settings, dask_engine, **SMALL)  # type: ignore[arg-type]
    assert report.articles > 20 and report.stories > 3 and report.pairs > 0
    _same_articles(_articles(local_out), _articles(out))
    assert _pairs(local_out) == _pairs(out)
    assert read_stories(local_out) == read_stories(out)
    manifests = sorted(p.name for p in (out / "_manifests").iterdir())
    assert any(m.startswith("part-") for m in manifests) and any(m.startswith("block-") for m in manifests)
    assert (out / "_SUCCESS").exists() and (out / "logs" / "part-00000.log").exists()


def _kill_once(marker: str, fn: Callable[[Any], Any], item: Any) -> Any:
    """The first call anywhere kills its own worker process (SIGKILL, as the OOM killer would)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return fn(item)
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


class _KillingEngine:
    """An engine that delegates to the Dask engine, with one worker killed in the middle of a task."""

    name = "dask"
    threads = 1

    def __init__(self, inner: Any, marker: Path) -> None:
        self.inner, self.marker = inner, marker

    def map_partitions(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        return self.inner.map_partitions(functools.partial(_kill_once, str(self.marker), fn), items)  # type: ignore[no-any-return]

    def close(self) -> None:
        return None


@pytest.mark.slow
def test_a_killed_worker_does_not_stop_the_job(
    corpus: Path, settings: Settings, local_out: Path, dask_engine: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "killed"
    out = tmp_path / "out"
    report = run_batch([corpus], out, settings, _KillingEngine(dask_engine, marker), **SMALL)  # type: ignore[arg-type]
    assert marker.exists(), "no worker was killed"
    assert report.partitions_skipped == 0
    assert read_stories(out) == read_stories(local_out)


@pytest.mark.slow
def test_a_rerun_skips_finished_partitions_and_recomputes_a_lost_one(
    corpus: Path, settings: Settings, local_out: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(local_out, out)
    (out / "_manifests" / "part-00001.json").unlink()  # as if the job had stopped while writing it
    (out / "articles" / "part-00001.parquet").unlink()
    lines: list[str] = []
    report = run_batch([corpus], out, settings, log=lines.append, **SMALL)  # type: ignore[arg-type]
    assert report.partitions_skipped == report.partitions - 1
    assert [line.split(":")[0] for line in lines if line.startswith("part-")] == ["part-00001"]
    assert report.blocks_skipped == report.blocks  # the recomputed partition is the same, so every block is too
    _same_articles(_articles(local_out), _articles(out))
    assert read_stories(out) == read_stories(local_out)


def test_failed_records_are_collected_with_their_reasons(local_out: Path) -> None:
    problems = _table(local_out, "problems").to_pylist()
    reasons = {Path(p["source"]).name: p["reason"] for p in problems}
    assert "no article text" in reasons["broken.jsonl#1"]
    assert "not valid JSON" in reasons["broken.jsonl#2"]
    assert "fewer than the 12" in reasons["short.txt"]
    assert all(p["partition"].startswith("part-") for p in problems)


def test_stories_carry_members_with_reasons_and_copies(local_out: Path) -> None:
    stories = read_stories(local_out)
    members = [m for s in stories for m in s["members"]]
    assert len({m["article_id"] for m in members}) == len(members)
    assert {m["decision"] for m in members} >= {"new", "joined"}
    for story in stories:
        assert story["size"] == len(story["members"]) and story["label"]
        assert story["members"][0]["decision"] == "new" and story["id"].startswith("s")
        for m in story["members"][1:]:
            assert m["reason"].startswith(("joined:", "copy of")), m["reason"]


@pytest.mark.slow
def test_load_puts_articles_stories_and_problems_into_a_store(local_out: Path, tmp_path: Path) -> None:
    db = tmp_path / "loaded.db"
    result = run_cli("load", str(local_out), "--db", str(db), "--json")
    assert '"added"' in result.stdout
    stories = read_stories(local_out)
    with open_store(db) as store:
        assert store.count_stories() == len(stories)
        assert store.count_articles() == sum(s["size"] for s in stories)
        biggest = max(stories, key=lambda s: s["size"])
        stored = store.get_story(biggest["id"])
        assert [m.article_id for m in stored.members] == [m["article_id"] for m in biggest["members"]]
        assert [m.reason for m in stored.members] == [m["reason"] for m in biggest["members"]]
        assert store.list_problems()
        assert Path(str(db) + ".usearch").exists()  # the vector index is ready for online ingest
    again = run_cli("load", str(local_out), "--db", str(db), "--json")
    assert '"added": 0' in again.stdout


def test_form_stories_replays_the_online_rules() -> None:
    from storyline.batch import PairInput, StoryInput

    # 0 and 1 are one story; 2 is a copy of 0; 3 is far later (the story went cold); 4 is undated, joins 3's story
    days = np.array([0.0, 1.0, 2.0, 60.0, np.nan])
    articles = StoryInput(["a", "b", "c", "d", "e"], days, ["en"] * 5, ["x"] * 5, ["A", "B", "C", "D", "E"], [""] * 5)
    a = np.array([1, 2, 3, 4, 4])
    b = np.array([0, 0, 0, 3, 0])
    pairs = PairInput(
        a=a,
        b=b,
        copy=np.array([False, True, False, False, False]),
        similarity=np.array([0.9, 0.99, 0.95, 0.8, 0.5]),
        jaccard=np.array([np.nan, 0.9, np.nan, np.nan, np.nan]),
        probability=np.array([0.9, np.nan, 0.99, 0.8, 0.1]),
        scores={d: np.full(5, 2.0) for d in ("Narrative", "Entities", "Geography", "Time", "Overall")},
        shared=["{}", None, "{}", "{}", "{}"],
    )
    out = form_stories(articles, pairs, window_days=21, threshold=0.5)
    assert [x.story for x in out] == [0, 0, 0, 1, 1]
    assert out[2].copy_of == 0 and out[2].reason.startswith("copy of “A” (x): 90%")
    assert out[3].new_story and out[3].reason == "new story: no warm story nearby"  # story 0 went cold
    assert out[4].reason.startswith("joined: closest to “D” (x), same-story probability 0.80")
