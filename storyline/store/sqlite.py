"""The default store: one SQLite file (stdlib ``sqlite3``, WAL, foreign keys on).

This is the only module that knows SQL. The schema is versioned with
``PRAGMA user_version``; :data:`MIGRATIONS` lists the steps from each version
to the next and opening a store applies the missing ones in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NotFoundError, StoreError
from ..records import Article, Mention, Problem, Sentence, Story, StoryMember

MIGRATIONS: tuple[str, ...] = (
    # 0 → 1: articles, their sentences and mentions, the vector cache, stories, problems.
    """
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        url TEXT,
        outlet TEXT,
        language TEXT,
        language_confidence REAL NOT NULL DEFAULT 0,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        published TEXT,
        published_source TEXT,
        authors TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL DEFAULT '',
        format TEXT NOT NULL DEFAULT '',
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_outlet ON articles(outlet);
    CREATE TABLE sentences (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        start_char INTEGER NOT NULL,
        end_char INTEGER NOT NULL,
        language TEXT,
        language_confidence REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (article_id, idx)
    ) WITHOUT ROWID;
    CREATE TABLE mentions (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        label TEXT NOT NULL,
        text TEXT NOT NULL,
        start_char INTEGER NOT NULL,
        end_char INTEGER NOT NULL,
        sentence INTEGER NOT NULL,
        attrs TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX mentions_article ON mentions(article_id);
    CREATE INDEX mentions_key ON mentions(kind, key);
    CREATE TABLE vectors (
        model TEXT NOT NULL,
        key TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, key)
    ) WITHOUT ROWID;
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE story_members (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        reason TEXT NOT NULL,
        score REAL
    );
    CREATE INDEX story_members_story ON story_members(story_id);
    CREATE TABLE problems (
        source TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
_VECTOR_CHUNK = 500


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SQLiteStore:
    """A :class:`~storyline.store.Store` in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 5000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} cannot be opened as a Storyline database ({exc}); "
                "give --db a new file name or an existing Storyline database"
            ) from None

    # -- lifecycle -------------------------------------------------------
    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer Storyline (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade Storyline to open it"
            )
        if version == SCHEMA_VERSION:
            return
        with self._transaction():
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self._lock)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- articles ---------------------------------------------------------
    def has_articles(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), _VECTOR_CHUNK):
            chunk = list(ids[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    def add_articles(self, articles: Sequence[Article]) -> list[bool]:
        with self._transaction():
            present = self.has_articles([a.id for a in articles])
            new: list[bool] = []
            for article in articles:
                if article.id in present:
                    new.append(False)
                    continue
                present.add(article.id)
                new.append(True)
                self._insert_article(article)
            # an input that reads fine now is no longer a problem
            self._db.executemany("DELETE FROM problems WHERE source = ?", [(a.source,) for a in articles])
        return new

    def _insert_article(self, a: Article) -> None:
        self._db.execute(
            "INSERT INTO articles (id, url, outlet, language, language_confidence, title, text, published,"
            " published_source, authors, source, format, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                a.id,
                a.url,
                a.outlet,
                a.language,
                a.language_confidence,
                a.title,
                a.text,
                _iso(a.published),
                a.published_source,
                json.dumps(a.authors, ensure_ascii=False),
                a.source,
                a.format,
                _now(),
            ),
        )
        self._db.executemany(
            "INSERT INTO sentences (article_id, idx, start_char, end_char, language, language_confidence)"
            " VALUES (?,?,?,?,?,?)",
            [(a.id, s.index, s.start, s.end, s.language, s.language_confidence) for s in a.sentences],
        )
        self._db.executemany(
            "INSERT INTO mentions (article_id, kind, key, label, text, start_char, end_char, sentence, attrs)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    a.id,
                    m.kind,
                    m.key,
                    m.label,
                    m.text,
                    m.start,
                    m.end,
                    m.sentence,
                    json.dumps(m.attrs, ensure_ascii=False),
                )
                for m in a.mentions
            ],
        )

    def resolve_article_id(self, article_id: str) -> str:
        """The full id of the article whose id is or starts with ``article_id``."""
        rows = self._db.execute(
            "SELECT id FROM articles WHERE id = ? OR id LIKE ? LIMIT 3", (article_id, article_id.replace("%", "") + "%")
        ).fetchall()
        ids = sorted({row[0] for row in rows})
        if article_id in ids:
            return article_id
        if len(ids) == 1:
            return str(ids[0])
        if not ids:
            raise NotFoundError(f"no article with id {article_id!r}; list ids with `storyline articles`")
        raise NotFoundError(f"the id prefix {article_id!r} matches several articles; give more characters")

    def get_article(self, article_id: str) -> Article:
        full = self.resolve_article_id(article_id)
        return next(self.iter_articles([full]))

    def iter_articles(self, ids: Sequence[str] | None = None) -> Iterator[Article]:
        if ids is None:
            id_list = [row[0] for row in self._db.execute("SELECT id FROM articles ORDER BY published, id")]
        else:
            id_list = list(ids)
        for i in range(0, len(id_list), 200):
            chunk = id_list[i : i + 200]
            yield from self._load_articles(chunk)

    def _load_articles(self, ids: list[str]) -> list[Article]:
        marks = ",".join("?" * len(ids))
        rows = {row["id"]: row for row in self._db.execute(f"SELECT * FROM articles WHERE id IN ({marks})", ids)}
        sentences: dict[str, list[Sentence]] = {}
        texts = {i: row["text"] for i, row in rows.items()}
        for row in self._db.execute(
            f"SELECT * FROM sentences WHERE article_id IN ({marks}) ORDER BY article_id, idx", ids
        ):
            text = texts[row["article_id"]]
            sentences.setdefault(row["article_id"], []).append(
                Sentence(
                    index=row["idx"],
                    text=text[row["start_char"] : row["end_char"]],
                    start=row["start_char"],
                    end=row["end_char"],
                    language=row["language"],
                    language_confidence=row["language_confidence"],
                )
            )
        mentions: dict[str, list[Mention]] = {}
        for row in self._db.execute(f"SELECT * FROM mentions WHERE article_id IN ({marks}) ORDER BY start_char", ids):
            mentions.setdefault(row["article_id"], []).append(
                Mention(
                    kind=row["kind"],
                    text=row["text"],
                    key=row["key"],
                    label=row["label"],
                    start=row["start_char"],
                    end=row["end_char"],
                    sentence=row["sentence"],
                    attrs=json.loads(row["attrs"]),
                )
            )
        missing = [i for i in ids if i not in rows]
        if missing:
            raise NotFoundError(f"no article with id {missing[0]!r}; list ids with `storyline articles`")
        return [self._article(rows[i], sentences.get(i, []), mentions.get(i, [])) for i in ids]

    @staticmethod
    def _article(row: sqlite3.Row, sentences: list[Sentence], mentions: list[Mention]) -> Article:
        return Article(
            id=row["id"],
            title=row["title"],
            text=row["text"],
            url=row["url"],
            outlet=row["outlet"],
            language=row["language"],
            language_confidence=row["language_confidence"],
            published=_parse(row["published"]),
            published_source=row["published_source"],
            authors=json.loads(row["authors"]),
            sentences=sentences,
            mentions=mentions,
            source=row["source"],
            format=row["format"],
        )

    def count_articles(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def article_summaries(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Id, title, outlet, language and date of stored articles, newest first (for listings)."""
        rows = self._db.execute(
            "SELECT a.id, a.title, a.outlet, a.language, a.published, m.story_id FROM articles a"
            " LEFT JOIN story_members m ON m.article_id = a.id"
            " ORDER BY a.published DESC, a.id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [dict(row) for row in rows]

    # -- vectors ----------------------------------------------------------
    def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), _VECTOR_CHUNK):
            chunk = list(keys[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})", [model, *chunk]
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_vectors(self, model: str, items: Mapping[str, np.ndarray]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO vectors (model, key, dim, vector) VALUES (?,?,?,?)",
                [(model, key, int(v.shape[-1]), np.asarray(v, dtype=np.float32).tobytes()) for key, v in items.items()],
            )

    # -- stories ----------------------------------------------------------
    def replace_stories(self, stories: Sequence[Story]) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM story_members")
            self._db.execute("DELETE FROM stories")
            now = _now()
            for story in stories:
                self._db.execute(
                    "INSERT INTO stories (id, label, labels, created_at) VALUES (?,?,?,?)",
                    (story.id, story.label, json.dumps(story.labels, ensure_ascii=False), now),
                )
                self._db.executemany(
                    "INSERT INTO story_members (article_id, story_id, position, reason, score) VALUES (?,?,?,?,?)",
                    [(m.article_id, story.id, i, m.reason, m.score) for i, m in enumerate(story.members)],
                )

    def list_stories(self) -> list[Story]:
        rows = self._db.execute(
            "SELECT s.*, max(a.published) AS last_seen FROM stories s"
            " JOIN story_members m ON m.story_id = s.id JOIN articles a ON a.id = m.article_id"
            " GROUP BY s.id ORDER BY last_seen DESC, s.id"
        ).fetchall()
        return [self._story(row) for row in rows]

    def get_story(self, story_id: str) -> Story:
        rows = self._db.execute(
            "SELECT * FROM stories WHERE id = ? OR id LIKE ? LIMIT 2", (story_id, story_id.replace("%", "") + "%")
        ).fetchall()
        exact = [r for r in rows if r["id"] == story_id]
        if exact or len(rows) == 1:
            return self._story((exact or rows)[0])
        if not rows:
            raise NotFoundError(f"no story with id {story_id!r}; list stories with `storyline stories`")
        raise NotFoundError(f"the id prefix {story_id!r} matches several stories; give more characters")

    def _story(self, row: sqlite3.Row) -> Story:
        members = self._db.execute(
            "SELECT m.article_id, m.reason, m.score, a.language, a.outlet, a.published FROM story_members m"
            " JOIN articles a ON a.id = m.article_id WHERE m.story_id = ? ORDER BY m.position",
            (row["id"],),
        ).fetchall()
        published = [p for p in (_parse(m["published"]) for m in members) if p is not None]
        return Story(
            id=row["id"],
            label=row["label"],
            labels=json.loads(row["labels"]),
            members=[StoryMember(m["article_id"], m["reason"], m["score"]) for m in members],
            languages=sorted({m["language"] for m in members if m["language"]}),
            outlets=sorted({m["outlet"] for m in members if m["outlet"]}),
            first_seen=min(published, default=None),
            last_seen=max(published, default=None),
        )

    # -- problems ---------------------------------------------------------
    def add_problems(self, problems: Sequence[Problem]) -> None:
        with self._transaction():
            now = _now()
            self._db.executemany(
                "INSERT OR REPLACE INTO problems (source, reason, at) VALUES (?,?,?)",
                [(p.source, p.reason, now) for p in problems],
            )

    def list_problems(self) -> list[Problem]:
        return [
            Problem(row[0], row[1]) for row in self._db.execute("SELECT source, reason FROM problems ORDER BY rowid")
        ]


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK`` on error); nests by doing nothing inside."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock
        self._outer = False

    def __enter__(self) -> None:
        self._lock.acquire()
        self._outer = not self._db.in_transaction
        if self._outer:
            self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if self._outer:
                self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._lock.release()
