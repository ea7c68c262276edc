"""Language identification of whole articles, of titles and of each sentence.

* An article's language comes from lingua's low-accuracy detector over all 75 of
  its languages (reliable on long text, small in memory); short texts go to the
  high-accuracy detector first.
* Titles and short sentences (under 8 words), the hard cases, go through lingua's
  high-accuracy detector restricted to :data:`CORE_LANGUAGES`.
* Longer sentences go through py3langid (97 languages, ~30 µs a sentence), which
  is as right as lingua on them and fifteen times faster.

The article's language is the prior for its sentences: a sentence keeps it unless
it is written in another script, or is long enough and the detector is sure of
another language. So a Russian quote inside an English report gets ``ru``, while
"Record in Berlin" in a German article stays German.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import Any

CORE_LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "es",
    "fr",
    "it",
    "pl",
    "tr",
    "ar",
    "ru",
    "zh",
    "pt",
    "nl",
    "ja",
    "ko",
    "uk",
)
"""Languages the title and short-sentence detector tells apart (ISO 639-1)."""

_LOCK = threading.Lock()
_DETECTORS: dict[str, Any] = {}
_SHORT_WORDS = 8
_LONG_WORDS = 30
_SWITCH_CONFIDENCE = 0.8
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_SCRIPT_OF_LANGUAGE = {
    "ar": "ARABIC",
    "fa": "ARABIC",
    "ur": "ARABIC",
    "ps": "ARABIC",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "bg": "CYRILLIC",
    "sr": "CYRILLIC",
    "mk": "CYRILLIC",
    "be": "CYRILLIC",
    "kk": "CYRILLIC",
    "mn": "CYRILLIC",
    "zh": "CJK",
    "ja": "CJK",
    "ko": "HANGUL",
    "el": "GREEK",
    "he": "HEBREW",
    "th": "THAI",
    "hi": "DEVANAGARI",
    "mr": "DEVANAGARI",
    "ne": "DEVANAGARI",
    "ka": "GEORGIAN",
    "hy": "ARMENIAN",
}


def _detector(kind: str) -> Any:
    """lingua detectors (``all``: 75 languages, low accuracy; ``core``: high accuracy) and py3langid (``langid``)."""
    with _LOCK:
        if kind not in _DETECTORS:
            if kind == "langid":
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _DETECTORS[kind] = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            else:
                from lingua import IsoCode639_1, LanguageDetectorBuilder

                if kind == "all":
                    builder = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode()
                else:
                    codes = [getattr(IsoCode639_1, code.upper()) for code in CORE_LANGUAGES]
                    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
                _DETECTORS[kind] = builder.build()
        return _DETECTORS[kind]


def _code(language: object) -> str:
    iso = language.iso_code_639_1  # type: ignore[attr-defined]
    return str(iso.name).lower()


def _size(text: str) -> int:
    """Words in ``text``; CJK characters count as half a word each."""
    cjk = len(_CJK.findall(text))
    return len(text.split()) + cjk // 2


def script_of(text: str) -> str | None:
    """The script most letters of ``text`` are written in (``LATIN``, ``CYRILLIC``, ``ARABIC``, ``CJK`` ...)."""
    counts: dict[str, int] = {}
    for ch in text[:400]:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            script = name.split(" ", 1)[0]
            if script in ("CJK", "HIRAGANA", "KATAKANA"):
                script = "CJK"
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _expected_script(language: str | None) -> str:
    return _SCRIPT_OF_LANGUAGE.get(language or "", "LATIN")


def detect_language(text: str) -> tuple[str | None, float]:
    """The language of a long text (an article) and the detector's confidence in it."""
    sample = text[:2000]
    if not sample.strip():
        return None, 0.0
    if _size(sample) < _LONG_WORDS:
        values = _detector("core").compute_language_confidence_values(sample)
        if values and values[0].value >= 0.5:
            return _code(values[0].language), float(values[0].value)
    values = _detector("all").compute_language_confidence_values(sample)
    if not values:
        return None, 0.0
    return _code(values[0].language), float(values[0].value)


def _guess(text: str) -> tuple[str, float, dict[str, float]]:
    """Top language, its confidence, and (for short texts) every candidate's confidence."""
    if _size(text) >= _SHORT_WORDS:
        language, confidence = _detector("langid").classify(text)
        return str(language), float(confidence), {}
    values = _detector("core").compute_language_confidence_values(text)
    scores = {_code(v.language): float(v.value) for v in values}
    top = max(scores, key=lambda k: scores[k]) if scores else ""
    return top, scores.get(top, 0.0), scores


def detect_short(text: str, prior: str | None = None) -> tuple[str | None, float]:
    """The language of a title or sentence, leaning on ``prior`` (the article's language) when unsure."""
    if not text.strip() or not re.search(r"[^\W\d_]", text):
        return prior, 0.0
    top, confidence, scores = _guess(text)
    if not top:
        return prior, 0.0
    if prior is None or top == prior:
        return top, confidence
    if script_of(text) != _expected_script(prior):
        return top, confidence  # another script: trust the detector
    short = _size(text) < _SHORT_WORDS
    if short or confidence < _SWITCH_CONFIDENCE:
        return prior, scores.get(prior, 0.5 if not scores else 0.0)
    return top, confidence


def detect_sentences(sentences: Sequence[str], prior: str | None) -> list[tuple[str | None, float]]:
    """Per-sentence languages, with ``prior`` (the article's language) for short or unsure ones."""
    return [detect_short(sentence, prior) for sentence in sentences]
