"""Two articles → the seven SemEval-2022 Task 8 dimensions, with the evidence behind them.

A :class:`Scorer` maps pair features (:mod:`storyline.features`) to scores on the
task's scale (1 = very similar … 4 = very dissimilar). Two are registered:

* ``learned`` (the default) — :class:`ForestScorer`, extremely randomised trees per
  dimension trained on the SemEval-2022 pairs (``make train``), shipped as arrays
  in ``storyline/models/pair-scorer.npz``. It has two variants: one for pairs in
  the same language, which also sees word overlap, and one for pairs across
  languages, which sees only what means the same in every language.
* ``heuristic`` — :class:`HeuristicScorer`, an untrained hand-set mapping from
  similarities to the scale: the zero-shot baseline.

:func:`compare_articles` adds the evidence: mutually best-aligned sentence pairs,
shared and one-sided places, entities, dates and numbers, and the substantial
sentences each side has alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .embed import EmbeddingCache
from .errors import ConfigError
from .features import FEATURES, article_profile, pair_features, sentence_features
from .forest import Forest
from .records import DIMENSIONS, AlignedSentences, Article, ArticleVectors, Comparison, MentionKind, Overlap
from .settings import Settings

_KINDS: tuple[MentionKind, ...] = ("place", "entity", "date", "number")
MODEL_FILE = "pair-scorer.npz"


class Scorer(Protocol):
    """Maps pair features to the seven dimension scores, for many pairs at once.

    ``needs_sentences`` says whether the features must include the sentence-matrix
    summary (``s_*``), which costs per-sentence embeddings.
    """

    name: str
    needs_sentences: bool

    def score(self, features: Sequence[Mapping[str, float]]) -> list[dict[str, float]]: ...


# -- the zero-shot scorer -----------------------------------------------------
def _scale(x: float, low: float, high: float) -> float:
    """Similarity ``x`` → 1–4 score: ``high`` or above gives 1, ``low`` or below gives 4."""
    share = min(max((x - low) / (high - low), 0.0), 1.0)
    return round(4 - 3 * share, 3)


def _or(value: float, fallback: float) -> float:
    return fallback if math.isnan(value) else value


def _style_similarity(f: Mapping[str, float]) -> float:
    gaps = [
        min(f["style_sentence_length_diff"] / max(f["style_sentence_length_mean"], 1.0) / 2, 1.0),
        min(f["style_quote_share_diff"] * 3, 1.0),
        min(f["style_question_share_diff"] * 4, 1.0),
        min(f["style_number_density_diff"] / 2, 1.0),
        min(f["style_log_words_diff"] / 2, 1.0),
    ]
    return 1 - sum(gaps) / len(gaps)


class HeuristicScorer:
    """An untrained, hand-set mapping from similarities to the 1–4 scale (the zero-shot baseline)."""

    name = "heuristic-v1"
    needs_sentences = True

    def score(self, features: Sequence[Mapping[str, float]]) -> list[dict[str, float]]:
        return [self._one(f) for f in features]

    def _one(self, f: Mapping[str, float]) -> dict[str, float]:
        # What the texts say: whole-text similarity, and how well the better-covered side is matched
        # sentence by sentence (one article is often a part of the other).
        content = 0.6 * f["body"] + 0.4 * _or(f["s_best_max"], f["body"])
        narrative = _scale(content, 0.35, 0.8)
        geo = max(_or(f["place_jaccard"], 0.0), 0.8 * _or(f["country_jaccard"], 0.0))
        geography = _scale(0.5 * content + 0.5 * geo, 0.2, 0.7) if not math.isnan(f["place_jaccard"]) else narrative
        named = f["entity_jaccard"]
        entities = _scale(0.7 * content + 0.3 * named, 0.3, 0.75) if not math.isnan(named) else narrative
        if not math.isnan(f["log_days_apart"]):
            time = round(1 + 3 * min(f["log_days_apart"] / math.log1p(180), 1.0), 3)
        else:
            time = _scale(0.8 * content + 0.2 * _or(f["date_jaccard"], 0.0), 0.3, 0.75)
        overall = round(0.55 * narrative + 0.15 * entities + 0.15 * geography + 0.15 * time, 3)
        style = _scale(0.6 * _style_similarity(f) + 0.4 * content, 0.45, 0.85)
        tone = round(0.7 * narrative + 0.3 * style, 3)
        scores = {
            "Geography": geography,
            "Entities": entities,
            "Time": time,
            "Narrative": narrative,
            "Overall": overall,
            "Style": style,
            "Tone": tone,
        }
        return {name: scores[name] for name in DIMENSIONS}


# -- the learned scorer -------------------------------------------------------
def publication_gap_floor(log_days_apart: float) -> float:
    """The least Time score a publication gap allows: 1 within a day, rising to 4 at half a year.

    The training pairs almost never carry dates, so the forests learn Time from the
    texts alone; when both publish dates are known, articles months apart are not
    scored as being about the same time.
    """
    if math.isnan(log_days_apart):
        return 1.0
    return round(1 + 3 * min(max(log_days_apart - math.log1p(1), 0.0) / (math.log1p(180) - math.log1p(1)), 1.0), 4)


class _Variant:
    """One trained variant: its feature names, their training medians, and a forest per dimension."""

    def __init__(self, names: Sequence[str], medians: np.ndarray, forests: dict[str, Forest]) -> None:
        self.names, self.medians, self.forests = list(names), medians, forests

    def predict(self, features: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
        x = np.array([[f.get(n, math.nan) for n in self.names] for f in features], dtype=np.float64)
        x = np.where(np.isnan(x), self.medians[None, :], x)
        return {dim: np.clip(forest.predict(x), 1.0, 4.0) for dim, forest in self.forests.items()}


class ForestScorer:
    """Trained forests per dimension; same-language pairs also see word overlap (see module doc)."""

    needs_sentences = False

    def __init__(self, variants: dict[str, _Variant], meta: dict[str, Any]) -> None:
        self.variants, self.meta = variants, meta
        self.name = str(meta.get("name", "learned"))

    @classmethod
    def load(cls, path: str | Path) -> ForestScorer:
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"the scorer model {path} cannot be read ({exc}); rebuild it with `make train`") from None
        meta = json.loads(str(data["meta"]))
        variants = {}
        for variant in meta["variants"]:
            names = meta["features"][variant]
            forests = {dim: Forest.from_arrays(data, f"{variant}/{dim}/") for dim in DIMENSIONS}
            variants[variant] = _Variant(names, data[f"{variant}/medians"], forests)
        return cls(variants, meta)

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {"meta": np.array(json.dumps(self.meta))}
        for name, variant in self.variants.items():
            out[f"{name}/medians"] = variant.medians
            for dim, forest in variant.forests.items():
                out.update(forest.arrays(f"{name}/{dim}/"))
        return out

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, **self.arrays())  # type: ignore[arg-type]

    def score(self, features: Sequence[Mapping[str, float]]) -> list[dict[str, float]]:
        groups: dict[str, list[int]] = {"same": [], "cross": []}
        for i, f in enumerate(features):
            same = f.get("same_language") == 1.0 and "same" in self.variants
            groups["same" if same else "cross"].append(i)
        out: list[dict[str, float]] = [{} for _ in features]
        for name, indices in groups.items():
            if not indices:
                continue
            predicted = self.variants[name].predict([features[i] for i in indices])
            for row, i in enumerate(indices):
                out[i] = {dim: round(float(predicted[dim][row]), 4) for dim in DIMENSIONS}
                out[i]["Time"] = max(out[i]["Time"], publication_gap_floor(features[i].get("log_days_apart", math.nan)))
        return out


def model_path() -> Path:
    """Where the shipped scorer model lives (package data)."""
    return Path(str(files("storyline").joinpath("models", MODEL_FILE)))


@cache
def _learned() -> ForestScorer:
    return ForestScorer.load(model_path())


def get_scorer(name: str) -> Scorer:
    """The scorer registered as ``name`` (see :mod:`storyline.registry`)."""
    from .registry import scorer_factory

    return scorer_factory(name)()


def default_scorer() -> Scorer:
    return get_scorer(Settings().scorer)


# -- evidence -----------------------------------------------------------------
def _keys(article: Article, kind: MentionKind) -> dict[str, str]:
    """Mention key → readable label, first occurrence wins (years are not counted as numbers)."""
    found: dict[str, str] = {}
    for mention in article.mentions:
        if mention.kind == kind and mention.key not in found:
            if kind == "number" and mention.attrs.get("year_like"):
                continue
            found[mention.key] = mention.label
    return found


def overlaps(a: Article, b: Article) -> dict[str, Overlap]:
    """Shared and one-sided places, entities, dates and numbers, matched by key."""
    out: dict[str, Overlap] = {}
    for kind in _KINDS:
        ka, kb = _keys(a, kind), _keys(b, kind)
        out[kind] = Overlap(
            kind=kind,
            shared=[ka[k] for k in ka if k in kb],
            only_a=[ka[k] for k in ka if k not in kb],
            only_b=[kb[k] for k in kb if k not in ka],
        )
    return out


def days_apart(a: Article, b: Article) -> float | None:
    if a.published is None or b.published is None:
        return None
    return abs((a.published - b.published).total_seconds()) / 86400


def similarity_matrix(va: ArticleVectors, vb: ArticleVectors) -> np.ndarray:
    return np.asarray(va.sentences @ vb.sentences.T, dtype=np.float32)


def align_sentences(a: Article, b: Article, sim: np.ndarray, limit: int, floor: float = 0.45) -> list[AlignedSentences]:
    """Mutually best-matching sentence pairs, most similar first."""
    if not sim.size:
        return []
    best_for_a = sim.argmax(axis=1)
    best_for_b = sim.argmax(axis=0)
    pairs = []
    for i, j in enumerate(best_for_a):
        if best_for_b[j] == i and sim[i, j] >= floor:
            pairs.append(
                AlignedSentences(i, int(j), a.sentences[i].text, b.sentences[int(j)].text, round(float(sim[i, j]), 4))
            )
    pairs.sort(key=lambda p: -p.similarity)
    return pairs[:limit]


def _unmatched(article: Article, best: np.ndarray, limit: int = 5, below: float = 0.5) -> list[str]:
    """Substantial sentences with no counterpart on the other side, in reading order.

    Ranked by how unmatched and how long they are, so commentary and added
    facts come before captions and bylines.
    """
    ranked = []
    for i, sentence in enumerate(article.sentences):
        words = len(sentence.text.split())
        if i < len(best) and best[i] < below and words >= 8 and not sentence.text.lstrip().startswith(("•", "©")):
            ranked.append(((below - float(best[i])) * min(words, 40), i))
    chosen = sorted(i for _, i in sorted(ranked, reverse=True)[:limit])
    return [article.sentences[i].text for i in chosen]


def compare_articles(
    a: Article,
    b: Article,
    va: ArticleVectors,
    vb: ArticleVectors,
    scorer: Scorer | None = None,
    evidence_pairs: int = 8,
) -> Comparison:
    """Compare two enriched, embedded articles (sentence vectors included): scores plus evidence."""
    scorer = scorer or default_scorer()
    sim = similarity_matrix(va, vb)
    features = pair_features(article_profile(a, va), article_profile(b, vb))
    features.update(sentence_features(sim))
    return Comparison(
        a_id=a.id,
        b_id=b.id,
        scores=scorer.score([features])[0],
        aligned=align_sentences(a, b, sim, evidence_pairs),
        overlaps=overlaps(a, b),
        signals={k: (None if math.isnan(v) else round(v, 4)) for k, v in features.items()},
        a_only_sentences=_unmatched(a, sim.max(axis=1)) if sim.size else [],
        b_only_sentences=_unmatched(b, sim.max(axis=0)) if sim.size else [],
        a_title=a.title,
        b_title=b.title,
        a_language=a.language,
        b_language=b.language,
        days_apart=days_apart(a, b),
        scorer=scorer.name,
    )


def compare(
    a: Article,
    b: Article,
    settings: Settings | None = None,
    cache: EmbeddingCache | None = None,
    scorer: Scorer | None = None,
) -> Comparison:
    """Compare two enriched articles, embedding them with the configured encoder (through ``cache``)."""
    from .embed import embed_articles, load_encoder

    settings = settings or Settings()
    va, vb = embed_articles([a, b], load_encoder(settings.encoder, settings.threads), cache=cache)
    return compare_articles(
        a, b, va, vb, scorer=scorer or get_scorer(settings.scorer), evidence_pairs=settings.evidence_pairs
    )


__all__ = [
    "FEATURES",
    "ForestScorer",
    "HeuristicScorer",
    "Scorer",
    "compare",
    "compare_articles",
    "default_scorer",
    "get_scorer",
    "model_path",
    "overlaps",
]
