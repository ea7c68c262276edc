"""The records passed between Storyline's stages, defined in one place.

Data flows one way: a reader yields :class:`Document` (raw fields as found in the
input), :func:`storyline.pipeline.build_article` turns it into an :class:`Article`
(stable id, sentences, language), the enrichers add :class:`Mention` objects, the
encoder produces :class:`ArticleVectors`, the scorer compares two articles into a
:class:`Comparison`, and grouping produces :class:`Story` records.

Records are plain dataclasses: easy to build in tests, to serialise with
:func:`dataclasses.asdict`, and to ship to another process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
"""A 1-D float32 embedding, L2-normalised."""

Matrix = npt.NDArray[np.float32]
"""A 2-D float32 array: one L2-normalised embedding per row."""

MentionKind = Literal["place", "entity", "date", "number"]

DIMENSIONS: tuple[str, ...] = (
    "Geography",
    "Entities",
    "Time",
    "Narrative",
    "Overall",
    "Style",
    "Tone",
)
"""The seven SemEval-2022 Task 8 dimensions, in the task's order (1 = very similar … 4 = very dissimilar)."""


@dataclass(slots=True)
class Document:
    """What a reader found in one input item, before any processing.

    ``source`` says where it came from (a path, with ``#line`` for JSONL), so an
    error or a later question can point back to it.
    """

    text: str
    title: str = ""
    url: str | None = None
    outlet: str | None = None
    language: str | None = None
    published: datetime | None = None
    published_source: str | None = None
    authors: list[str] = field(default_factory=list)
    source: str = ""
    format: str = ""
    site_name: str | None = None
    image: str | None = None


@dataclass(slots=True)
class Problem:
    """An input item that could not be used, with the reason in one sentence.

    Readers yield these instead of raising, so a batch goes on with the rest.
    """

    source: str
    reason: str


@dataclass(slots=True)
class Sentence:
    """One sentence of an article's text, with its own language (articles can mix languages)."""

    index: int
    text: str
    start: int
    end: int
    language: str | None = None
    language_confidence: float = 0.0


@dataclass(slots=True)
class Mention:
    """Something an enricher found in the text: a place, entity, date or number.

    ``key`` is the language-independent identity used to match mentions across
    articles and languages (``country:SY``, ``city:170654``, ``person:trump``,
    ``date:2019-02-17``, ``number:800``); ``label`` is a readable canonical form.
    ``attrs`` holds kind-specific details, e.g. a number's ``value`` and ``unit``.
    """

    kind: MentionKind
    text: str
    key: str
    label: str
    start: int
    end: int
    sentence: int = -1
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Article:
    """One news article: the unit every stage after ingest works on.

    ``id`` is stable: derived from the normalised title and text, so the same
    article ingested twice (from any file or format) gets the same id.
    ``published_source`` says where the publish date came from
    (``jsonl``, ``html:meta``, ``html:json-ld``, ``url``, ...), or is ``None``.
    """

    id: str
    title: str
    text: str
    url: str | None = None
    outlet: str | None = None
    language: str | None = None
    language_confidence: float = 0.0
    published: datetime | None = None
    published_source: str | None = None
    authors: list[str] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    source: str = ""
    format: str = ""

    @property
    def lead(self) -> str:
        """The first sentences of the text, up to about 60 words: what a reader sees first."""
        words = 0
        parts: list[str] = []
        for sentence in self.sentences:
            parts.append(sentence.text)
            words += len(sentence.text.split()) or len(sentence.text) // 2
            if words >= 60:
                break
        return " ".join(parts) if parts else self.text[:400]

    def mentions_of(self, kind: MentionKind) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind]


@dataclass(slots=True)
class ArticleVectors:
    """The encoder's embeddings of one article (all rows L2-normalised)."""

    article_id: str
    model: str
    title: Vector
    lead: Vector
    body: Vector
    sentences: Matrix


@dataclass(slots=True)
class AlignedSentences:
    """A sentence of article A matched to its most similar sentence of article B."""

    a_index: int
    b_index: int
    a_text: str
    b_text: str
    similarity: float


@dataclass(slots=True)
class Overlap:
    """Mentions of one kind compared across two articles, matched by ``key``."""

    kind: MentionKind
    shared: list[str]
    only_a: list[str]
    only_b: list[str]


@dataclass(slots=True)
class Comparison:
    """Two articles compared: the seven dimension scores and the evidence behind them.

    ``scores`` maps each name in :data:`DIMENSIONS` to a value on SemEval's scale
    (1 = very similar … 4 = very dissimilar). ``signals`` holds the raw
    similarities the scores were derived from.
    """

    a_id: str
    b_id: str
    scores: dict[str, float]
    aligned: list[AlignedSentences]
    overlaps: dict[str, Overlap]
    signals: dict[str, float | None]
    a_only_sentences: list[str] = field(default_factory=list)
    b_only_sentences: list[str] = field(default_factory=list)
    a_title: str = ""
    b_title: str = ""
    a_language: str | None = None
    b_language: str | None = None
    days_apart: float | None = None
    scorer: str = ""


@dataclass(slots=True)
class StoryMember:
    """An article in a story, with the reason it was put there.

    ``reason`` is one readable sentence; ``details`` holds the evidence behind it
    (best-matching member, scores, shared places and entities, margin over the
    runner-up story). ``copy_of`` names the article this one is a near-copy of.
    """

    article_id: str
    reason: str
    score: float | None = None
    copy_of: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Story:
    """A group of articles that report the same story."""

    id: str
    label: str
    members: list[StoryMember]
    labels: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(slots=True)
class StoryEvent:
    """A recorded change to the stories (merge, split, move, …) with what it takes to undo it."""

    id: int
    kind: str
    payload: dict[str, Any]
    at: str
    undone_at: str | None = None
