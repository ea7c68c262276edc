"""Stop words of many languages, from the lists spaCy ships — without importing spaCy.

The lists are read from spaCy's source files (the string literals assigned to
``STOP_WORDS``), which takes milliseconds; importing them would load all of
spaCy (about a second).
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path


def _stop_words_in(source: str) -> list[str]:
    """The words in the string literals of the ``STOP_WORDS = ...`` assignment of ``source``."""
    words: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "STOP_WORDS" for t in node.targets):
            for part in ast.walk(node.value):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    words.extend(part.value.split())
    return words


@cache
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words for ``language`` (ISO 639-1), as written there; empty when spaCy has none."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / language / "stop_words.py"
    if not path.exists():
        return frozenset()
    return frozenset(_stop_words_in(path.read_text(encoding="utf-8")))
