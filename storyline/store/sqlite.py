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
from ..records import Article, Mention, Problem, Sentence, Story, StoryEvent, StoryMember

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
    # 1 → 2: online stories — story statistics kept up to date, member details and copy links,
    # a log of story changes that can be undone, MinHash signatures and LSH bands for near-copies.
    """
    ALTER TABLE stories ADD COLUMN updated_at TEXT;
    ALTER TABLE stories ADD COLUMN first_seen TEXT;
    ALTER TABLE stories ADD COLUMN last_seen TEXT;
    ALTER TABLE stories ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE stories ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE stories ADD COLUMN outlets TEXT NOT NULL DEFAULT '[]';
    CREATE INDEX stories_last_seen ON stories(last_seen);
    ALTER TABLE story_members ADD COLUMN copy_of TEXT;
    ALTER TABLE story_members ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE story_events (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        at TEXT NOT NULL,
        undone_at TEXT
    );
    CREATE TABLE minhash (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        signature BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE terms (
        word TEXT PRIMARY KEY,
        df INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE minhash_bands (
        band INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (band, bucket, article_id)
    ) WITHOUT ROWID;
    UPDATE stories SET
        size = (SELECT count(*) FROM story_members m WHERE m.story_id = stories.id),
        first_seen = (SELECT min(a.published) FROM story_members m JOIN articles a ON a.id = m.article_id
                      WHERE m.story_id = stories.id),
        last_seen = (SELECT max(a.published) FROM story_members m JOIN articles a ON a.id = m.article_id
                     WHERE m.story_id = stories.id),
        updated_at = created_at;
    """,
    # 2 → 3: watching feeds — each feed's validators for conditional GET and last outcome,
    # and every entry URL already taken, so a watcher fetches each article once.
    """
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        checked_at TEXT NOT NULL,
        error TEXT
    );
    CREATE TABLE feed_entries (
        url TEXT PRIMARY KEY,
        feed TEXT NOT NULL,
        seen_at TEXT NOT NULL
    ) WITHOUT ROWID;
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
            self._db.execute("PRAGMA cache_size = -65536")  # 64 MB of page cache (the default is 2 MB)
            self._db.execute("PRAGMA mmap_size = 268435456")  # read through a 256 MB memory map
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

    def _prefixed(self, table: str, prefix: str) -> list[str]:
        """Ids in ``table`` equal to ``prefix`` or starting with it (at most 3; an index range scan)."""
        exact = self._db.execute(f"SELECT id FROM {table} WHERE id = ?", (prefix,)).fetchall()
        if exact:
            return [prefix]
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\uffff"
        rows = self._db.execute(f"SELECT id FROM {table} WHERE id >= ? AND id < ? LIMIT 3", (prefix, upper))
        return [r[0] for r in rows]

    def resolve_article_id(self, article_id: str) -> str:
        """The full id of the article whose id is or starts with ``article_id``."""
        ids = self._prefixed("articles", article_id)
        if len(ids) == 1:
            return ids[0]
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
    def transaction(self) -> _Transaction:
        """A transaction for several writes that must happen together (nests: inner ones do nothing)."""
        return self._transaction()

    def replace_stories(self, stories: Sequence[Story]) -> None:
        """Drop every story, member and story event, and store ``stories`` instead."""
        with self._transaction():
            self._db.execute("DELETE FROM story_members")
            self._db.execute("DELETE FROM stories")
            self._db.execute("DELETE FROM story_events")
            for story in stories:
                self.create_story(story.id, story.label, story.labels)
                for member in story.members:
                    self.add_member(story.id, member, refresh=False)
                self.refresh_story(story.id)

    def create_story(self, story_id: str, label: str, labels: Mapping[str, str]) -> None:
        now = _now()
        self._db.execute(
            "INSERT INTO stories (id, label, labels, created_at, updated_at) VALUES (?,?,?,?,?)",
            (story_id, label, json.dumps(dict(labels), ensure_ascii=False), now, now),
        )

    def add_member(self, story_id: str, member: StoryMember, refresh: bool = True) -> None:
        with self._transaction():
            position = self._db.execute(
                "SELECT coalesce(max(position) + 1, 0) FROM story_members WHERE story_id = ?", (story_id,)
            ).fetchone()[0]
            self._db.execute(
                "INSERT INTO story_members (article_id, story_id, position, reason, score, copy_of, details)"
                " VALUES (?,?,?,?,?,?,?)",
                (
                    member.article_id,
                    story_id,
                    position,
                    member.reason,
                    member.score,
                    member.copy_of,
                    json.dumps(member.details, ensure_ascii=False),
                ),
            )
            if refresh:
                self.refresh_story(story_id)

    def remove_member(self, article_id: str, refresh: bool = True) -> tuple[str, StoryMember]:
        """Take an article out of its story; returns the story id and the member as it was."""
        with self._transaction():
            row = self._db.execute("SELECT * FROM story_members WHERE article_id = ?", (article_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"article {article_id!r} is in no story")
            self._db.execute("DELETE FROM story_members WHERE article_id = ?", (article_id,))
            if refresh:
                self.refresh_story(row["story_id"])
        return row["story_id"], self._member(row)

    def delete_story(self, story_id: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM story_members WHERE story_id = ?", (story_id,))
            self._db.execute("DELETE FROM stories WHERE id = ?", (story_id,))

    def set_story_labels(self, story_id: str, label: str, labels: Mapping[str, str]) -> None:
        self._db.execute(
            "UPDATE stories SET label = ?, labels = ?, updated_at = ? WHERE id = ?",
            (label, json.dumps(dict(labels), ensure_ascii=False), _now(), story_id),
        )

    def refresh_story(self, story_id: str) -> None:
        """Recompute a story's size, dates, languages and outlets; an empty story is deleted."""
        rows = self._db.execute(
            "SELECT a.published, a.language, a.outlet FROM story_members m JOIN articles a ON a.id = m.article_id"
            " WHERE m.story_id = ?",
            (story_id,),
        ).fetchall()
        if not rows:
            self._db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            return
        dates = sorted(r["published"] for r in rows if r["published"])
        self._db.execute(
            "UPDATE stories SET size = ?, first_seen = ?, last_seen = ?, languages = ?, outlets = ?, updated_at = ?"
            " WHERE id = ?",
            (
                len(rows),
                dates[0] if dates else None,
                dates[-1] if dates else None,
                json.dumps(sorted({r["language"] for r in rows if r["language"]})),
                json.dumps(sorted({r["outlet"] for r in rows if r["outlet"]})),
                _now(),
                story_id,
            ),
        )

    def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article id → the id of the story it is in (articles in no story are left out)."""
        found: dict[str, str] = {}
        for i in range(0, len(article_ids), _VECTOR_CHUNK):
            chunk = list(article_ids[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT article_id, story_id FROM story_members WHERE article_id IN ({marks})", chunk
            )
            found.update({row[0]: row[1] for row in rows})
        return found

    def story_headers(self, story_ids: Sequence[str]) -> dict[str, Story]:
        """Stories without their member list (size, dates, languages, outlets): cheap, for candidates."""
        found: dict[str, Story] = {}
        for i in range(0, len(story_ids), _VECTOR_CHUNK):
            chunk = list(story_ids[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT * FROM stories WHERE id IN ({marks})", chunk):
                found[row["id"]] = self._header(row)
        return found

    def member_ids(self, story_id: str) -> list[str]:
        return [
            r[0]
            for r in self._db.execute(
                "SELECT article_id FROM story_members WHERE story_id = ? ORDER BY position", (story_id,)
            )
        ]

    def list_stories(self, limit: int = 0, offset: int = 0) -> list[Story]:
        sql = "SELECT * FROM stories ORDER BY last_seen DESC, id"
        if limit:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return [self._story(row) for row in self._db.execute(sql).fetchall()]

    def find_stories(
        self,
        language: str | None = None,
        outlet: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[tuple[Story, int]]:
        """Story headers (no members) with their sizes, most recent activity first, filtered by a language,
        an outlet and a date range (ISO strings; a story matches when first..last seen overlaps [since, until))."""
        clauses: list[str] = []
        params: list[Any] = []
        if language:
            clauses.append("languages LIKE ?")
            params.append(f"%{json.dumps(language)}%")
        if outlet:
            clauses.append("outlets LIKE ?")
            params.append(f"%{json.dumps(outlet, ensure_ascii=False)}%")
        if since:
            clauses.append("last_seen >= ?")
            params.append(since)
        if until:
            clauses.append("first_seen < ?")
            params.append(until)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT * FROM stories{where} ORDER BY last_seen DESC, id LIMIT ? OFFSET ?"
        rows = self._db.execute(sql, [*params, int(limit), int(offset)])
        return [(self._header(row), int(row["size"])) for row in rows]

    def search_articles(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Articles whose title or text contains ``query`` (case-insensitive for ASCII), newest first."""
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._db.execute(
            "SELECT a.id, a.title, a.text, a.outlet, a.language, a.published, m.story_id FROM articles a"
            " LEFT JOIN story_members m ON m.article_id = a.id"
            " WHERE a.title LIKE ?1 ESCAPE '\\' OR a.text LIKE ?1 ESCAPE '\\' ORDER BY a.published DESC LIMIT ?2",
            (pattern, int(limit)),
        )
        return [dict(row) for row in rows]

    def data_version(self) -> int:
        """Changes when another connection commits (SQLite's ``PRAGMA data_version``): a cheap cache key."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def count_stories(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM stories").fetchone()[0])

    def get_story(self, story_id: str) -> Story:
        ids = self._prefixed("stories", story_id)
        if len(ids) == 1:
            row = self._db.execute("SELECT * FROM stories WHERE id = ?", (ids[0],)).fetchone()
            return self._story(row)
        if not ids:
            raise NotFoundError(f"no story with id {story_id!r}; list stories with `storyline stories`")
        raise NotFoundError(f"the id prefix {story_id!r} matches several stories; give more characters")

    @staticmethod
    def _header(row: sqlite3.Row) -> Story:
        story = Story(
            id=row["id"],
            label=row["label"],
            members=[],
            labels=json.loads(row["labels"]),
            languages=json.loads(row["languages"]),
            outlets=json.loads(row["outlets"]),
            first_seen=_parse(row["first_seen"]),
            last_seen=_parse(row["last_seen"]),
        )
        return story

    @staticmethod
    def _member(row: sqlite3.Row) -> StoryMember:
        return StoryMember(row["article_id"], row["reason"], row["score"], row["copy_of"], json.loads(row["details"]))

    def _story(self, row: sqlite3.Row) -> Story:
        story = self._header(row)
        story.members = [
            self._member(m)
            for m in self._db.execute("SELECT * FROM story_members WHERE story_id = ? ORDER BY position", (row["id"],))
        ]
        return story

    # -- story events -------------------------------------------------------
    def record_event(self, kind: str, payload: Mapping[str, Any]) -> int:
        cursor = self._db.execute(
            "INSERT INTO story_events (kind, payload, at) VALUES (?,?,?)",
            (kind, json.dumps(dict(payload), ensure_ascii=False, default=str), _now()),
        )
        return int(cursor.lastrowid or 0)

    def list_events(self, limit: int = 50) -> list[StoryEvent]:
        rows = self._db.execute("SELECT * FROM story_events ORDER BY id DESC LIMIT ?", (limit,))
        return [StoryEvent(r["id"], r["kind"], json.loads(r["payload"]), r["at"], r["undone_at"]) for r in rows]

    def get_event(self, event_id: int) -> StoryEvent:
        r = self._db.execute("SELECT * FROM story_events WHERE id = ?", (event_id,)).fetchone()
        if r is None:
            raise NotFoundError(f"no story change #{event_id}; list them with `storyline history`")
        return StoryEvent(r["id"], r["kind"], json.loads(r["payload"]), r["at"], r["undone_at"])

    def mark_event_undone(self, event_id: int) -> None:
        self._db.execute("UPDATE story_events SET undone_at = ? WHERE id = ?", (_now(), event_id))

    # -- near-copies (MinHash LSH) -----------------------------------------------
    def put_minhash(self, items: Sequence[tuple[str, np.ndarray, Sequence[int]]]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO minhash (article_id, signature) VALUES (?,?)",
                [(article_id, np.asarray(sig, dtype=np.uint32).tobytes()) for article_id, sig, _ in items],
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO minhash_bands (band, bucket, article_id) VALUES (?,?,?)",
                [(band, bucket, article_id) for article_id, _, bands in items for band, bucket in enumerate(bands)],
            )

    def minhash_candidates(self, bands: Sequence[int]) -> dict[str, np.ndarray]:
        """Articles sharing at least one LSH bucket with ``bands``, with their signatures."""
        clauses = " OR ".join("(b.band = ? AND b.bucket = ?)" for _ in bands)
        params = [x for band, bucket in enumerate(bands) for x in (band, bucket)]
        rows = self._db.execute(
            f"SELECT DISTINCT m.article_id, m.signature FROM minhash_bands b JOIN minhash m"
            f" ON m.article_id = b.article_id WHERE {clauses}",
            params,
        )
        return {r[0]: np.frombuffer(r[1], dtype=np.uint32) for r in rows}

    def has_minhash(self, article_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(article_ids), _VECTOR_CHUNK):
            chunk = list(article_ids[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0] for r in self._db.execute(f"SELECT article_id FROM minhash WHERE article_id IN ({marks})", chunk)
            )
        return found

    # -- document frequencies of content words (for IDF weighting) -----------------
    def add_term_counts(self, counts: Mapping[str, int]) -> None:
        """Add to the number of articles each word appears in."""
        with self._transaction():
            self._db.executemany(
                "INSERT INTO terms (word, df) VALUES (?, ?) ON CONFLICT(word) DO UPDATE SET df = df + excluded.df",
                list(counts.items()),
            )

    def term_frequencies(self, words: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for i in range(0, len(words), _VECTOR_CHUNK):
            chunk = list(words[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            found.update(dict(self._db.execute(f"SELECT word, df FROM terms WHERE word IN ({marks})", chunk)))
        return found

    def has_terms(self) -> bool:
        return self._db.execute("SELECT 1 FROM terms LIMIT 1").fetchone() is not None

    # -- integer keys for the vector index ----------------------------------------
    def article_keys(self, article_ids: Sequence[str]) -> dict[str, int]:
        """Article id → a stable integer key (the row id), for the vector index."""
        found: dict[str, int] = {}
        for i in range(0, len(article_ids), _VECTOR_CHUNK):
            chunk = list(article_ids[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            found.update(
                {r[0]: r[1] for r in self._db.execute(f"SELECT id, rowid FROM articles WHERE id IN ({marks})", chunk)}
            )
        return found

    def articles_for_keys(self, keys: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for i in range(0, len(keys), _VECTOR_CHUNK):
            chunk = [int(k) for k in keys[i : i + _VECTOR_CHUNK]]
            marks = ",".join("?" * len(chunk))
            found.update(
                {
                    r[0]: r[1]
                    for r in self._db.execute(f"SELECT rowid, id FROM articles WHERE rowid IN ({marks})", chunk)
                }
            )
        return found

    def article_dates(self, article_ids: Sequence[str]) -> dict[str, datetime | None]:
        found: dict[str, datetime | None] = {}
        for i in range(0, len(article_ids), _VECTOR_CHUNK):
            chunk = list(article_ids[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            found.update(
                {
                    r[0]: _parse(r[1])
                    for r in self._db.execute(f"SELECT id, published FROM articles WHERE id IN ({marks})", chunk)
                }
            )
        return found

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

    # -- watched feeds ----------------------------------------------------------
    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        row = self._db.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def record_feed_check(
        self, url: str, etag: str | None = None, last_modified: str | None = None, error: str | None = None
    ) -> None:
        with self._transaction():
            if error is None:
                self._db.execute(
                    "INSERT INTO feeds (url, etag, last_modified, checked_at, error) VALUES (?,?,?,?,NULL)"
                    " ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,"
                    " checked_at = excluded.checked_at, error = NULL",
                    (url, etag, last_modified, _now()),
                )
            else:  # a failure keeps the validators of the last good fetch
                self._db.execute(
                    "INSERT INTO feeds (url, checked_at, error) VALUES (?,?,?)"
                    " ON CONFLICT(url) DO UPDATE SET checked_at = excluded.checked_at, error = excluded.error",
                    (url, _now(), error),
                )

    def seen_entries(self, urls: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(urls), _VECTOR_CHUNK):
            chunk = list(urls[i : i + _VECTOR_CHUNK])
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._db.execute(f"SELECT url FROM feed_entries WHERE url IN ({marks})", chunk))
        return found

    def mark_entries_seen(self, feed: str, urls: Sequence[str]) -> None:
        with self._transaction():
            now = _now()
            self._db.executemany(
                "INSERT OR IGNORE INTO feed_entries (url, feed, seen_at) VALUES (?,?,?)", [(u, feed, now) for u in urls]
            )


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
