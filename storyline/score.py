"""Two articles → the seven SemEval-2022 Task 8 dimensions, with the evidence behind them.

:func:`pair_signals` measures what the articles share: whole-text, title and lead
similarity, the sentence-by-sentence similarity matrix (best matches in each
direction, coverage), and overlaps of places, entities, dates and numbers,
matched by their language-independent keys; plus the publish-date gap and a
few style statistics. A :class:`Scorer` maps those signals to scores on the
task's scale (1 = very similar … 4 = very dissimilar). The default,
:class:`HeuristicScorer`, is an untrained, hand-set mapping: the zero-shot
baseline that a learned scorer has to beat.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Protocol

import numpy as np

from .embed import EmbeddingCache
from .records import DIMENSIONS, AlignedSentences, Article, ArticleVectors, Comparison, MentionKind, Overlap
from .settings import Settings

_QUOTED = re.compile(r"[\"“”«»„「」『』]([^\"“”«»„「」『』]{3,}?)[\"“”«»„「」『』]")
_KINDS: tuple[MentionKind, ...] = ("place", "entity", "date", "number")


class Scorer(Protocol):
    """Maps pair signals to the seven dimension scores."""

    name: str

    def score(self, signals: Mapping[str, float]) -> dict[str, float]: ...


# -- signals ------------------------------------------------------------------
def _keys(article: Article, kind: MentionKind) -> dict[str, str]:
    """Mention key → readable label, first occurrence wins."""
    found: dict[str, str] = {}
    for mention in article.mentions:
        if mention.kind == kind and mention.key not in found:
            if kind == "number" and mention.attrs.get("year_like"):
                continue
            found[mention.key] = mention.label
    return found


def _countries(article: Article) -> set[str]:
    return {str(m.attrs.get("country") or m.key) for m in article.mentions if m.kind == "place"}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else math.nan


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


def style_features(article: Article) -> dict[str, float]:
    """Length and style statistics used for the Style and Tone dimensions."""
    sentences = article.sentences or []
    n = max(len(sentences), 1)
    chars = max(len(article.text), 1)
    quoted = sum(len(m.group(1)) for m in _QUOTED.finditer(article.text))
    return {
        "sentence_length": sum(len(s.text) for s in sentences) / n,
        "quote_share": quoted / chars,
        "question_share": sum(s.text.rstrip().endswith(("?", "؟", "？")) for s in sentences) / n,
        "exclamation_share": sum(s.text.rstrip().endswith(("!", "！")) for s in sentences) / n,
        "number_density": 1000 * sum(m.kind == "number" for m in article.mentions) / chars,
        "log_length": math.log1p(chars),
    }


def _style_similarity(a: Article, b: Article) -> float:
    fa, fb = style_features(a), style_features(b)
    gaps = [
        min(
            abs(fa["sentence_length"] - fb["sentence_length"]) / max(fa["sentence_length"], fb["sentence_length"], 1), 1
        ),
        min(abs(fa["quote_share"] - fb["quote_share"]) * 3, 1),
        min(abs(fa["question_share"] - fb["question_share"]) * 4, 1),
        min(abs(fa["number_density"] - fb["number_density"]) / 5, 1),
        min(abs(fa["log_length"] - fb["log_length"]) / 2, 1),
    ]
    return 1 - sum(gaps) / len(gaps)


def days_apart(a: Article, b: Article) -> float | None:
    if a.published is None or b.published is None:
        return None
    return abs((a.published - b.published).total_seconds()) / 86400


def similarity_matrix(va: ArticleVectors, vb: ArticleVectors) -> np.ndarray:
    return np.asarray(va.sentences @ vb.sentences.T, dtype=np.float32)


def pair_signals(a: Article, b: Article, va: ArticleVectors, vb: ArticleVectors) -> dict[str, float]:
    """Every number the scorer may use; ``nan`` where a signal does not apply."""
    sim = similarity_matrix(va, vb)
    best_a = sim.max(axis=1) if sim.size else np.zeros(1)
    best_b = sim.max(axis=0) if sim.size else np.zeros(1)
    signals: dict[str, float] = {
        "body": float(va.body @ vb.body),
        "title": float(va.title @ vb.title),
        "lead": float(va.lead @ vb.lead),
        "align_a": float(best_a.mean()),
        "align_b": float(best_b.mean()),
        "align": float((best_a.mean() + best_b.mean()) / 2),
        "coverage_60": float(((best_a >= 0.6).mean() + (best_b >= 0.6).mean()) / 2),
        "coverage_70": float(((best_a >= 0.7).mean() + (best_b >= 0.7).mean()) / 2),
        "top_pair": float(sim.max()) if sim.size else 0.0,
        "style": _style_similarity(a, b),
        "same_language": float(a.language == b.language),
    }
    for kind in _KINDS:
        signals[f"{kind}_jaccard"] = _jaccard(set(_keys(a, kind)), set(_keys(b, kind)))
    signals["country_jaccard"] = _jaccard(_countries(a), _countries(b))
    gap = days_apart(a, b)
    signals["days_apart"] = math.nan if gap is None else gap
    return signals


# -- the zero-shot scorer -----------------------------------------------------
def _scale(x: float, low: float, high: float) -> float:
    """Similarity ``x`` → 1–4 score: ``high`` or above gives 1, ``low`` or below gives 4."""
    share = min(max((x - low) / (high - low), 0.0), 1.0)
    return round(4 - 3 * share, 3)


def _or(value: float, fallback: float) -> float:
    return fallback if math.isnan(value) else value


class HeuristicScorer:
    """An untrained, hand-set mapping from similarities to the 1–4 scale (the zero-shot baseline)."""

    name = "heuristic-v1"

    def score(self, s: Mapping[str, float]) -> dict[str, float]:
        # What the texts say: whole-text similarity, and how well the better-covered side is matched
        # sentence by sentence (one article is often a part of the other).
        content = 0.6 * s["body"] + 0.4 * max(s["align_a"], s["align_b"])
        narrative = _scale(content, 0.35, 0.8)
        geo = max(_or(s["place_jaccard"], 0.0), 0.8 * _or(s["country_jaccard"], 0.0))
        geography = _scale(0.5 * content + 0.5 * geo, 0.2, 0.7) if not math.isnan(s["place_jaccard"]) else narrative
        named = _or(s["entity_jaccard"], math.nan)
        entities = _scale(0.7 * content + 0.3 * named, 0.3, 0.75) if not math.isnan(named) else narrative
        if not math.isnan(s["days_apart"]):
            time = round(1 + 3 * min(math.log1p(s["days_apart"]) / math.log1p(180), 1.0), 3)
        else:
            time = _scale(0.8 * content + 0.2 * _or(s["date_jaccard"], 0.0), 0.3, 0.75)
        overall = round(0.55 * narrative + 0.15 * entities + 0.15 * geography + 0.15 * time, 3)
        style = _scale(0.6 * s["style"] + 0.4 * content, 0.45, 0.85)
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


# -- evidence -----------------------------------------------------------------
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
    """Compare two enriched, embedded articles: scores plus evidence."""
    scorer = scorer or HeuristicScorer()
    signals = pair_signals(a, b, va, vb)
    sim = similarity_matrix(va, vb)
    return Comparison(
        a_id=a.id,
        b_id=b.id,
        scores=scorer.score(signals),
        aligned=align_sentences(a, b, sim, evidence_pairs),
        overlaps=overlaps(a, b),
        signals={k: (None if math.isnan(v) else round(v, 4)) for k, v in signals.items()},
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
    return compare_articles(a, b, va, vb, scorer=scorer, evidence_pairs=settings.evidence_pairs)
