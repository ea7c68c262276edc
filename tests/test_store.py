"""The Store contract, run against every store adapter (SQLite now; others must pass the same tests)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from storyline.errors import NotFoundError, StoreError
from storyline.records import Article, Mention, Problem, Sentence, Story, StoryMember
from storyline.store import Store, open_store
from storyline.store.sqlite import SCHEMA_VERSION, SQLiteStore

StoreFactory = Callable[[Path], Store]
ADAPTERS: dict[str, StoreFactory] = {"sqlite": lambda path: SQLiteStore(path / "contract.db")}


@pytest.fixture(params=sorted(ADAPTERS))
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = ADAPTERS[request.param](tmp_path)
    yield s
    s.close()


def make_article(n: int, day: int = 1) -> Article:
    text = f"Article number {n} says that something happened in Lyon. It has a second sentence."
    return Article(
        id=f"{n:04d}abcdef{n:06d}",
        title=f"Title {n}",
        text=text,
        url=f"https://x.example/{n}",
        outlet="x.example",
        language="en",
        language_confidence=0.99,
        published=datetime(2026, 3, day, 8, 0, tzinfo=UTC),
        published_source="jsonl",
        authors=["A. Writer"],
        sentences=[Sentence(0, text[:54], 0, 54, "en", 0.9), Sentence(1, text[55:], 55, len(text), "en", 0.8)],
        mentions=[Mention("place", "Lyon", "city:2996944", "Lyon", 48, 52, 0, {"country": "FR"})],
        source="test",
        format="jsonl",
    )


def test_add_is_idempotent_and_round_trips(any_store: Store) -> None:
    a, b = make_article(1), make_article(2)
    assert any_store.add_articles([a, b]) == [True, True]
    assert any_store.add_articles([a, make_article(3)]) == [False, True]
    assert any_store.count_articles() == 3
    back = any_store.get_article(a.id)
    assert back == a
    assert back.sentences[1].text == "It has a second sentence."


def test_get_by_prefix_and_not_found(any_store: Store) -> None:
    any_store.add_articles([make_article(1), make_article(2)])
    assert any_store.get_article("0001").id == make_article(1).id
    with pytest.raises(NotFoundError, match="storyline articles"):
        any_store.get_article("ffff")
    with pytest.raises(NotFoundError, match="several"):
        any_store.get_article("000")


def test_vectors_round_trip_and_are_not_overwritten(any_store: Store) -> None:
    v = np.arange(8, dtype=np.float32) / 10
    any_store.put_vectors("m", {"k1": v})
    any_store.put_vectors("m", {"k1": v * 2})
    got = any_store.get_vectors("m", ["k1", "k2"])
    assert list(got) == ["k1"]
    np.testing.assert_array_equal(got["k1"], v)
    assert any_store.get_vectors("other", ["k1"]) == {}


def test_stories_replace_and_list_most_recent_first(any_store: Store) -> None:
    arts = [make_article(1, day=1), make_article(2, day=2), make_article(3, day=9)]
    any_store.add_articles(arts)
    old = Story(
        "s-old", "Old", [StoryMember(arts[0].id, "first"), StoryMember(arts[1].id, "joined", 0.8)], labels={"en": "Old"}
    )
    new = Story("s-new", "New", [StoryMember(arts[2].id, "first")])
    any_store.replace_stories([old, new])
    listed = any_store.list_stories()
    assert [s.id for s in listed] == ["s-new", "s-old"]
    got = any_store.get_story("s-o")
    assert [m.article_id for m in got.members] == [arts[0].id, arts[1].id]
    assert got.members[1].reason == "joined" and got.members[1].score == 0.8
    assert got.languages == ["en"] and got.outlets == ["x.example"]
    assert got.first_seen == arts[0].published and got.last_seen == arts[1].published
    any_store.replace_stories([new])
    assert [s.id for s in any_store.list_stories()] == ["s-new"]
    with pytest.raises(NotFoundError):
        any_store.get_story("s-old")


def test_problems_are_kept(any_store: Store) -> None:
    any_store.add_problems([Problem("a.html", "no article text")])
    assert any_store.list_problems() == [Problem("a.html", "no article text")]


def test_a_failed_batch_loses_nothing_stored_before(any_store: Store) -> None:
    any_store.add_articles([make_article(1)])
    broken = make_article(2)
    broken.mentions = [Mention("place", "x", None, "x", 0, 1)]  # type: ignore[arg-type]  # NOT NULL key
    with pytest.raises(sqlite3.IntegrityError):
        any_store.add_articles([make_article(3), broken])
    assert any_store.count_articles() == 1
    assert any_store.get_article(make_article(1).id).title == "Title 1"


def test_schema_is_versioned_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    with open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION  # type: ignore[attr-defined]
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer Storyline"):
        open_store(path)


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot be opened as a Storyline database"):
        open_store(path)
    assert path.read_text().startswith("these are my notes")


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    with open_store(tmp_path / "w.db"):
        pass
    db = sqlite3.connect(tmp_path / "w.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_version_1_database_is_migrated_keeping_its_stories(tmp_path: Path) -> None:
    from storyline.store.sqlite import MIGRATIONS

    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO articles (id, title, text, published, language, outlet, ingested_at) VALUES"
        " ('a1', 'T', 'Some text here.', '2026-03-01T08:00:00+00:00', 'en', 'x.example', 'now')"
    )
    db.execute("INSERT INTO stories (id, label, labels, created_at) VALUES ('s1', 'T', '{}', 'now')")
    db.execute("INSERT INTO story_members (article_id, story_id, position, reason) VALUES ('a1', 's1', 0, 'first')")
    db.commit()
    db.close()
    with open_store(path) as s:
        assert s.schema_version == SCHEMA_VERSION  # type: ignore[attr-defined]
        story = s.get_story("s1")
        assert story.members[0].reason == "first" and story.members[0].details == {}
        [header] = s.story_headers(["s1"]).values()
        assert header.last_seen is not None and header.last_seen.day == 1
        assert s.count_stories() == 1
