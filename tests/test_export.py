"""`storyline export`: articles with news-please field names and stories, as JSON Lines, CSV and Parquet, read back."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from storyline.errors import ConfigError, MissingExtraError
from storyline.export import ARTICLE_FIELDS, STORY_FIELDS, export
from storyline.pipeline import ingest
from storyline.records import Article, StoryMember
from storyline.settings import Settings
from storyline.store import Store, open_store

from .conftest import run_cli


def _article(i: int, lang: str, published: datetime | None, **fields: object) -> Article:
    return Article(
        id=f"a{i:015d}",
        title=f"Title {i} «{lang}»",
        text=f"Text of article {i}, with a comma, a \"quote\" and a line break.\nSecond line {i}.",
        url=f"https://www.outlet{i % 2}.example/news/{i}",
        outlet=f"outlet{i % 2}.example",
        language=lang,
        published=published,
        published_source="html:meta" if published else None,
        authors=[f"Author {i}", "Desk"] if i % 2 else [],
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture()
def filled(tmp_path: Path) -> Iterator[Path]:
    """A store built by hand: five articles (one without a date), two stories (one member a copy), one loose article."""
    path = tmp_path / "export.db"
    with open_store(path) as store:
        store.add_articles(
            [
                _article(1, "en", datetime(2026, 5, 4, 9, 15, tzinfo=UTC)),
                _article(2, "de", datetime(2026, 5, 4, 11, 0, tzinfo=UTC)),
                _article(3, "de", datetime(2026, 5, 5, 8, 30, tzinfo=UTC)),
                _article(4, "ar", None),
                _article(5, "fr", datetime(2026, 5, 6, tzinfo=UTC)),
            ]
        )
        store.create_story("s-fire", "Fire in Gdansk", {"en": "Fire in Gdansk", "de": "Brand in Danzig"})
        store.add_member("s-fire", StoryMember("a000000000000001", "new story"))
        store.add_member("s-fire", StoryMember("a000000000000002", "joined", score=0.9))
        store.add_member("s-fire", StoryMember("a000000000000003", "copy", copy_of="a000000000000002"))
        store.create_story("s-other", "Other", {"ar": "Other"})
        store.add_member("s-other", StoryMember("a000000000000004", "new story"))
    yield path


def _open(path: Path) -> Store:
    return open_store(path)


def _check_articles(rows: list[dict[str, object]]) -> None:
    assert len(rows) == 5
    by_id = {r["id"]: r for r in rows}
    first = by_id["a000000000000001"]
    assert set(first) == set(ARTICLE_FIELDS)
    assert first["title"] == "Title 1 «en»" and first["maintext"].startswith("Text of article 1, with a comma")  # type: ignore[union-attr]
    assert first["source_domain"] == "outlet1.example" and first["outlet"] == "outlet1.example"
    assert first["url"] == "https://www.outlet1.example/news/1" and first["language"] == "en"
    assert first["authors"] == ["Author 1", "Desk"] and by_id["a000000000000002"]["authors"] == []
    assert first["published_source"] == "html:meta" and first["story_id"] == "s-fire"
    assert by_id["a000000000000003"]["story_id"] == "s-fire" and by_id["a000000000000005"]["story_id"] is None
    assert by_id["a000000000000004"]["date_publish"] is None


def test_articles_jsonl_round_trip(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    with _open(filled) as store:
        assert export(store, "jsonl", "articles", out) == 5
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    _check_articles(rows)
    first = next(r for r in rows if r["id"] == "a000000000000001")
    assert first["date_publish"] == "2026-05-04 09:15:00"  # news-please's format, UTC
    assert "\n" in first["maintext"] and not list(tmp_path.glob(".*.partial"))


def test_articles_csv_round_trip(filled: Path) -> None:
    buffer = io.StringIO()
    with _open(filled) as store:
        assert export(store, "csv", "articles", buffer) == 5
    rows: list[dict[str, object]] = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    for row in rows:  # CSV cells are text: lists as JSON, None as empty
        row["authors"] = json.loads(row["authors"])  # type: ignore[arg-type]
        for key in ("date_publish", "story_id"):
            row[key] = row[key] or None
    _check_articles(rows)
    assert next(r for r in rows if r["id"] == "a000000000000002")["date_publish"] == "2026-05-04 11:00:00"


def test_articles_parquet_round_trip(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.parquet"
    with _open(filled) as store:
        assert export(store, "parquet", "articles", str(out)) == 5
    table = pq.read_table(out)
    assert table.schema.names == list(ARTICLE_FIELDS)
    assert str(table.schema.field("date_publish").type) == "timestamp[us, tz=UTC]"
    rows = table.to_pylist()
    _check_articles(rows)
    first = next(r for r in rows if r["id"] == "a000000000000001")
    assert first["date_publish"] == datetime(2026, 5, 4, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_stories_in_every_format(filled: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"stories.{fmt}"
    with _open(filled) as store:
        assert export(store, fmt, "stories", out) == 2
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    elif fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        for row in rows:
            for key in ("labels", "languages", "outlets", "members"):
                row[key] = json.loads(row[key])
            row["size"] = int(row["size"])
    else:
        rows = pq.read_table(out).to_pylist()
        for row in rows:
            row["labels"] = dict(row["labels"])
    fire = next(r for r in rows if r["id"] == "s-fire")
    assert set(fire) == set(STORY_FIELDS)
    assert fire["label"] == "Fire in Gdansk" and fire["labels"] == {"en": "Fire in Gdansk", "de": "Brand in Danzig"}
    assert fire["size"] == 3 and sorted(fire["languages"]) == ["de", "en"]
    assert sorted(fire["outlets"]) == ["outlet0.example", "outlet1.example"]
    assert fire["members"] == [
        {"id": "a000000000000001", "copy_of": None},
        {"id": "a000000000000002", "copy_of": None},
        {"id": "a000000000000003", "copy_of": "a000000000000002"},
    ]
    first, last = fire["first_seen"], fire["last_seen"]
    if fmt == "parquet":
        assert first == datetime(2026, 5, 4, 9, 15, tzinfo=UTC) and last == datetime(2026, 5, 5, 8, 30, tzinfo=UTC)
    else:
        assert (first, last) == ("2026-05-04 09:15:00", "2026-05-05 08:30:00")


def test_bad_requests_say_what_to_do(filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _open(filled) as store:
        with pytest.raises(ConfigError, match=r"give -o FILE\.parquet"):
            export(store, "parquet", "articles", None)
        with pytest.raises(ConfigError, match="choose one of: jsonl, csv, parquet"):
            export(store, "xml", "articles", None)
        with pytest.raises(ConfigError, match="folder exists"):
            export(store, "jsonl", "articles", tmp_path / "missing" / "out.jsonl")
        monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if the extra were not installed
        with pytest.raises(MissingExtraError, match=r"pip install 'storyline\[parquet\]'"):
            export(store, "parquet", "articles", tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists() and not list(tmp_path.glob(".*.partial"))


def test_cli_export_to_stdout_and_file(filled: Path, tmp_path: Path) -> None:
    result = run_cli("export", "--format", "jsonl", "--db", str(filled))
    assert len(result.stdout.splitlines()) == 5 and "exported 5 articles" in result.stderr
    stories_csv = run_cli("export", "--format", "csv", "--what", "stories", "-o", "-", "--db", str(filled)).stdout
    assert stories_csv.splitlines()[0] == ",".join(STORY_FIELDS)
    out = tmp_path / "a.parquet"
    run_cli("export", "--format", "parquet", "-o", str(out), "--db", str(filled))
    assert pq.read_table(out).num_rows == 5
    refused = run_cli("export", "--format", "parquet", "--db", str(filled), check=False)
    assert refused.returncode == 1 and "give -o FILE.parquet" in refused.stderr
    missing = run_cli("export", "--db", str(tmp_path / "none.db"), check=False)
    assert missing.returncode == 1 and "there is no database" in missing.stderr


@pytest.mark.slow
def test_exported_jsonl_ingests_back_as_the_same_articles(demo_db: Path, tmp_path: Path, settings: Settings) -> None:
    """news-please field names: Storyline's own JSONL reader takes an export back, ids unchanged."""
    out = tmp_path / "demo.jsonl"
    with open_store(demo_db) as store:
        count = export(store, "jsonl", "articles", out)
        assert count == store.count_articles()
        stories = {s.id: s for s in store.list_stories()}
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        members = {m.article_id: m for m in stories[row["story_id"]].members}
        assert row["id"] in members
    (tmp_path / "few.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:4]) + "\n")
    with open_store(tmp_path / "again.db") as store:
        report = ingest([tmp_path / "few.jsonl"], store, settings, cluster=False)
        assert sorted(report.added) == sorted(r["id"] for r in rows[:4])
        again = {a.id: a for a in store.iter_articles()}
    for row in rows[:4]:
        article = again[row["id"]]
        assert article.outlet == row["source_domain"] and article.language == row["language"]
        assert article.published is not None
        assert article.published.strftime("%Y-%m-%d %H:%M:%S") == row["date_publish"]
