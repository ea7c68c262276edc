"""The bundled demo corpus: fictional articles written for Storyline, with gold stories.

See ``README.md`` in this folder for its stories, languages, outlets and traps.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any


def corpus_path() -> Path:
    """The folder of demo articles (HTML and JSONL files)."""
    return Path(str(files(__name__).joinpath("corpus")))


def gold() -> dict[str, Any]:
    """The gold stories: ``{"stories": [{"key", "description", "urls"}], "traps": {...}}``."""
    data: dict[str, Any] = json.loads(files(__name__).joinpath("gold.json").read_text(encoding="utf-8"))
    return data


def gold_story_of_url() -> dict[str, str]:
    """Article url → gold story key."""
    return {url: story["key"] for story in gold()["stories"] for url in story["urls"]}
