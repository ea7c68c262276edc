"""Pair features: what a scorer knows about two articles, as named numbers.

Two levels, so the expensive part is done once per article:

* :func:`article_profile` — per article: its title, lead and whole-text
  embeddings (cached in the store by the encoder), the keys of its places,
  entities, dates and numbers, its content words, and style statistics.
* :func:`pair_features` — per pair: embedding similarities, word overlap (same
  language only), overlaps of mentions matched by their language-independent
  keys, the publish-date gap, and differences of style. :data:`FEATURES` lists
  the names in a fixed order.

:func:`sentence_features` summarises the sentence-by-sentence similarity matrix
(best matches each way, coverage at several thresholds, top-k). It feeds the
evidence of ``compare`` and the zero-shot scorer; cross-validation showed it
adds noise to the learned scorer (BENCHMARKS.md), which therefore does without
sentence embeddings and is several times faster.

Missing values are ``nan`` (no places on either side, unknown dates, word
overlap across languages); scorers decide what that means.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .records import Article, ArticleVectors

_QUOTED = re.compile(r"[\"“”«»„「」『』‹›]([^\"“”«»„「」『』‹›]{8,}?)[\"“”«»„「」『』‹›]")
_FIRST_PERSON = re.compile(
    r"\b(I|me|my|we|us|our|je|nous|notre|nos|ich|wir|unser|yo|nosotros|nuestro|io|noi|nostro|ja|my|nasz|"
    r"ben|biz|я|мы|наш|мой)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_AR = re.compile(r"(^|\s)(أنا|نحن|لنا|إننا|إنني)(\s|$)")
_WORD = re.compile(r"[^\W\d_]{3,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
_STOP_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "uk", "tr", "ar", "zh", "ja")
STYLE_KEYS: tuple[str, ...] = (
    "sentence_length",
    "quote_share",
    "question_share",
    "exclamation_share",
    "number_density",
    "first_person",
    "log_words",
    "paragraphs",
    "word_length",
    "entity_density",
    "place_density",
)
KEY_KINDS: tuple[str, ...] = ("place", "country", "entity", "person", "date", "month", "year", "number")


@dataclass(slots=True)
class Profile:
    """What :func:`pair_features` needs of one article."""

    article_id: str
    language: str | None
    published_days: float | None
    title: np.ndarray
    lead: np.ndarray
    body: np.ndarray
    words: Counter[str] = field(default_factory=Counter)
    title_words: frozenset[str] = frozenset()
    keys: dict[str, set[str]] = field(default_factory=dict)
    style: dict[str, float] = field(default_factory=dict)
    _tf: dict[str, float] | None = None

    @property
    def tf(self) -> dict[str, float]:
        """Sublinear term frequencies of the content words (computed once)."""
        if self._tf is None:
            self._tf = {w: 1 + math.log(c) for w, c in self.words.items()}
        return self._tf


def _word_count(text: str) -> int:
    return len(text.split()) + len(_CJK.findall(text)) // 2


def _stop_words() -> frozenset[str]:
    from .enrich.stopwords import stop_words

    return frozenset(w.casefold() for language in _STOP_LANGUAGES for w in stop_words(language))


_STOPS: frozenset[str] | None = None


def content_words(text: str) -> list[str]:
    """Casefolded words of three or more letters that are not stop words in any common language."""
    global _STOPS
    if _STOPS is None:
        _STOPS = _stop_words()
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPS]


def style_statistics(article: Article) -> dict[str, float]:
    """Length and style statistics of one article (for the Style and Tone dimensions)."""
    sentences = article.sentences
    n = max(len(sentences), 1)
    words = max(_word_count(article.text), 1)
    chars = max(len(article.text), 1)
    quoted = sum(len(m.group(1)) for m in _QUOTED.finditer(article.text))
    first_person = len(_FIRST_PERSON.findall(article.text)) + len(_FIRST_PERSON_AR.findall(article.text))
    kinds = [m.kind for m in article.mentions]
    return {
        "sentence_length": words / n,
        "quote_share": quoted / chars,
        "question_share": sum(s.text.rstrip().endswith(("?", "؟", "？")) for s in sentences) / n,
        "exclamation_share": sum(s.text.rstrip().endswith(("!", "！")) for s in sentences) / n,
        "number_density": 100 * kinds.count("number") / words,
        "first_person": 100 * first_person / words,
        "log_words": math.log1p(words),
        "paragraphs": math.log1p(article.text.count("\n\n") + 1),
        "word_length": chars / words,
        "entity_density": 100 * kinds.count("entity") / words,
        "place_density": 100 * kinds.count("place") / words,
    }


def mention_keys(article: Article) -> dict[str, set[str]]:
    """The article's mention keys by kind, plus coarser ones (countries, months, years, people)."""
    keys: dict[str, set[str]] = {kind: set() for kind in KEY_KINDS}
    for m in article.mentions:
        if m.kind == "place":
            keys["place"].add(m.key)
            if m.attrs.get("country"):
                keys["country"].add(str(m.attrs["country"]))
        elif m.kind == "entity":
            keys["entity"].add(m.key)
            if m.attrs.get("type") == "PER":
                keys["person"].add(m.key)
        elif m.kind == "date":
            value = str(m.attrs.get("value") or m.key.split(":", 1)[-1])
            keys["date"].add(value)
            keys["month"].add(value[:7])
            keys["year"].add(value[:4])
        elif m.kind == "number" and not m.attrs.get("year_like"):
            keys["number"].add(m.key)
    return keys


def article_profile(article: Article, vectors: ArticleVectors) -> Profile:
    """The per-article part of the features (compute once, reuse for every pair)."""
    return Profile(
        article_id=article.id,
        language=article.language,
        published_days=article.published.timestamp() / 86400 if article.published else None,
        title=vectors.title,
        lead=vectors.lead,
        body=vectors.body,
        words=Counter(content_words(article.text)),
        title_words=frozenset(content_words(article.title)),
        keys=mention_keys(article),
        style=style_statistics(article),
    )


def _overlap(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> tuple[float, float, float]:
    """Jaccard, overlap coefficient, and log count of shared items (nan when both are empty)."""
    if not a and not b:
        return math.nan, math.nan, 0.0
    shared = len(a & b)
    return shared / len(a | b), shared / max(min(len(a), len(b)), 1), math.log1p(shared)


def _tf_cosine(a: Profile, b: Profile) -> float:
    if not a.words or not b.words:
        return math.nan
    wa, wb = a.tf, b.tf
    dot = sum(v * wb[w] for w, v in wa.items() if w in wb)
    return dot / math.sqrt(sum(v * v for v in wa.values()) * sum(v * v for v in wb.values()))


def document_terms(article: Article) -> set[str]:
    """The distinct content words of an article's title and text (what document frequencies count)."""
    return set(content_words(article.title)) | set(content_words(article.text))


IDF_MIN_DOCUMENTS = 200


def idf_cosine(a: Profile, b: Profile, df: Mapping[str, int], documents: int) -> float:
    """Cosine of TF-IDF vectors, with document frequencies from the store's own articles.

    Words that every report of its kind uses ("shot", "police") weigh little; the
    names, streets and details of one event weigh a lot.
    """
    if not a.words or not b.words or documents < 2:
        return math.nan
    # A young store's counts say little: with two articles, every word they share has the highest
    # document frequency and would weigh nothing, so two reports of one event looked unrelated.
    # Counting at least IDF_MIN_DOCUMENTS documents keeps weights near-flat until the store has grown;
    # the corpora the model was trained on (ECB+, GVA) are larger, so their features are unchanged.
    log_n = math.log(max(documents, IDF_MIN_DOCUMENTS) + 1)

    def weights(tf: dict[str, float]) -> dict[str, float]:
        return {w: v * (log_n - math.log(df.get(w, 0) + 1)) for w, v in tf.items()}

    wa, wb = weights(a.tf), weights(b.tf)
    dot = sum(v * wb[w] for w, v in wa.items() if w in wb)
    norm = math.sqrt(sum(v * v for v in wa.values()) * sum(v * v for v in wb.values()))
    return dot / norm if norm else math.nan


def pair_features(a: Profile, b: Profile) -> dict[str, float]:
    """The features of one pair, named as in :data:`FEATURES`."""
    f: dict[str, float] = {
        "body": float(a.body @ b.body),
        "title": float(a.title @ b.title),
        "lead": float(a.lead @ b.lead),
        "title_body": float((a.title @ b.body + b.title @ a.body) / 2),
        "lead_body": float((a.lead @ b.body + b.lead @ a.body) / 2),
    }
    same = a.language == b.language
    f["same_language"] = float(same)
    f["words_cosine"] = _tf_cosine(a, b) if same else math.nan
    f["words_jaccard"] = _overlap(set(a.words), set(b.words))[0] if same else math.nan
    f["title_words_jaccard"] = _overlap(a.title_words, b.title_words)[0] if same else math.nan
    for kind in KEY_KINDS:
        jac, coef, shared = _overlap(a.keys.get(kind, set()), b.keys.get(kind, set()))
        f[f"{kind}_jaccard"], f[f"{kind}_overlap"], f[f"{kind}_shared"] = jac, coef, shared
    if a.published_days is not None and b.published_days is not None:
        f["log_days_apart"] = math.log1p(abs(a.published_days - b.published_days))
    else:
        f["log_days_apart"] = math.nan
    for key in STYLE_KEYS:
        va, vb = a.style.get(key, 0.0), b.style.get(key, 0.0)
        f[f"style_{key}_diff"] = abs(va - vb)
        f[f"style_{key}_mean"] = (va + vb) / 2
    return f


def sentence_features(sim: np.ndarray) -> dict[str, float]:
    """Summary of a sentence similarity matrix (rows: sentences of A, columns: of B)."""
    names = (
        "best_a",
        "best_b",
        "best_max",
        "best_min",
        "cov50",
        "cov60",
        "cov70",
        "cov80",
        "top1",
        "top3",
        "mean",
        "mutual",
    )
    if sim.size == 0:
        return {f"s_{k}": math.nan for k in names}
    best_a, best_b = sim.max(axis=1), sim.max(axis=0)
    flat = np.sort(sim, axis=None)[::-1]
    mutual = sum(1 for i, j in enumerate(sim.argmax(axis=1)) if sim[:, j].argmax() == i)
    out = {
        "best_a": float(best_a.mean()),
        "best_b": float(best_b.mean()),
        "top1": float(flat[0]),
        "top3": float(flat[:3].mean()),
        "mean": float(sim.mean()),
        "mutual": mutual / min(sim.shape),
    }
    out["best_max"], out["best_min"] = max(out["best_a"], out["best_b"]), min(out["best_a"], out["best_b"])
    for t in (50, 60, 70, 80):
        out[f"cov{t}"] = (float((best_a >= t / 100).mean()) + float((best_b >= t / 100).mean())) / 2
    return {f"s_{k}": out[k] for k in names}


def _feature_names() -> tuple[str, ...]:
    vec = np.ones(4, dtype=np.float32) / 2
    dummy = Profile("x", "en", None, vec, vec, vec)
    return tuple(pair_features(dummy, dummy))


FEATURES: tuple[str, ...] = _feature_names()
"""Every name :func:`pair_features` returns, in the order models see them."""

ROUTING: tuple[str, ...] = ("same_language",)
"""Features that choose a model variant rather than feed one (constant within a variant's training data)."""

MODEL_FEATURES: tuple[str, ...] = tuple(n for n in FEATURES if n not in ROUTING)
"""What the same-language models see."""

CROSS_LINGUAL_FEATURES: tuple[str, ...] = tuple(n for n in MODEL_FEATURES if "words" not in n)
"""The features that mean the same across languages (word overlap left out)."""
