"""Plain-JSON views of Storyline's records, shared by the CLI's ``--json`` and the REST API.

Each function takes records and returns dicts of JSON-able values (datetimes stay
``datetime``; :func:`to_jsonable` or :func:`json_default` turn them into ISO strings),
so the command line and the server print the same shapes.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from .records import DIMENSIONS, Article, Comparison, Story
from .store import Store


def json_default(value: object) -> object:
    """``json.dumps(default=...)`` for the values records hold besides plain JSON."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def story_header_json(story: Story, size: int | None = None) -> dict[str, Any]:
    """A story without its members: label(s), size, languages, outlets, first and last seen."""
    return {
        "id": story.id,
        "label": story.label,
        "labels": story.labels,
        "size": story.size if size is None else size,
        "languages": story.languages,
        "outlets": story.outlets,
        "first_seen": story.first_seen,
        "last_seen": story.last_seen,
    }


def story_json(store: Store, story: Story, with_members: bool = True) -> dict[str, Any]:
    """A story with (unless ``with_members`` is false) each member's article and the reason it is there."""
    data = story_header_json(story)
    if with_members:
        members = []
        for member in story.members:
            a = store.get_article(member.article_id)
            members.append(
                {
                    "id": a.id,
                    "title": a.title,
                    "outlet": a.outlet,
                    "language": a.language,
                    "published": a.published,
                    "url": a.url,
                    "reason": member.reason,
                    "score": member.score,
                    "copy_of": member.copy_of,
                    "decision": member.details.get("kind"),
                }
            )
        data["members"] = members
    return data


def article_json(a: Article) -> dict[str, Any]:
    """Everything stored about an article: fields, sentences (with their text) and mentions."""
    data = asdict(a)
    data["sentences"] = [{k: v for k, v in s.items()} for s in data["sentences"]]
    return data


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The seven scores as top-level numbers, then the evidence."""
    data: dict[str, Any] = {name: c.scores[name] for name in DIMENSIONS}
    data.update(
        {
            "a": {"id": c.a_id, "title": c.a_title, "language": c.a_language},
            "b": {"id": c.b_id, "title": c.b_title, "language": c.b_language},
            "days_apart": c.days_apart,
            "aligned": [asdict(p) for p in c.aligned],
            "shared": {kind: o.shared for kind, o in c.overlaps.items()},
            "only_a": {kind: o.only_a for kind, o in c.overlaps.items()},
            "only_b": {kind: o.only_b for kind, o in c.overlaps.items()},
            "a_only_sentences": c.a_only_sentences,
            "b_only_sentences": c.b_only_sentences,
            "signals": c.signals,
            "scorer": c.scorer,
        }
    )
    return data


def to_jsonable(value: Any) -> Any:
    """``value`` with datetimes and paths turned into strings, recursively (for JSON encoders without a hook)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | Path):
        return json_default(value)
    return value


__all__ = [
    "article_json",
    "comparison_json",
    "json_default",
    "story_header_json",
    "story_json",
    "to_jsonable",
]
