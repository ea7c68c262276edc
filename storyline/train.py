"""Train the learned pair scorer: ``make train`` (``python -m storyline.train``).

Reads SemEval-2022 Task 8 pairs with gold scores, turns each pair into
:mod:`storyline.features`, reports repeated grouped k-fold cross-validation
(no article on both sides of a split), fits one forest of extremely randomised
trees per dimension — a variant for same-language pairs (word overlap
included) and one for pairs across languages (without it) — and writes them as
arrays to ``storyline/models/pair-scorer.npz``. Seeded: the same data and
seed give the same model. Needs scikit-learn (``pip install 'storyline[train]'``).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, MissingExtraError
from .features import CROSS_LINGUAL_FEATURES, FEATURES, article_profile, pair_features, sentence_features
from .forest import Forest
from .pairs import PairInput, embed_documents, read_pairs
from .pipeline import build_article
from .records import DIMENSIONS, Problem
from .score import ForestScorer, _Variant, model_path
from .settings import Settings

DEFAULT_PAIRS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "semeval" / "pairs.jsonl"
TREES = 100
LEAF = 3
MAX_FEATURES = 0.3
VARIANTS: dict[str, tuple[str, ...]] = {"same": FEATURES, "cross": CROSS_LINGUAL_FEATURES}


@dataclass(slots=True)
class Table:
    """Training pairs as features, gold scores, language pairs and groups of connected articles."""

    features: list[dict[str, float]]
    gold: np.ndarray  # (pairs, 7) in DIMENSIONS order
    languages: list[str]
    groups: np.ndarray
    pair_ids: list[str] = field(default_factory=list)

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        return np.array([[f.get(n, math.nan) for n in names] for f in self.features], dtype=np.float64)


def _groups(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Connected components of the article graph, so no article is on both sides of a split."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    roots: dict[str, int] = {}
    return np.array([roots.setdefault(find(a), len(roots)) for a, _ in pairs])


def build_table(
    pairs: Sequence[PairInput],
    settings: Settings,
    sentences: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Table:
    """Features and gold for every pair that carries all seven gold scores."""
    lenient = settings.replace(min_words=1)
    usable = [p for p in pairs if all(isinstance(p.extra.get(d), int | float) for d in DIMENSIONS)]
    if not usable:
        raise InputError("no pair carries the seven gold scores (Geography … Tone); give SemEval training pairs")
    ids = [(build_article(p.a, lenient).id, build_article(p.b, lenient).id) for p in usable]
    embedded = embed_documents([d for p in usable for d in (p.a, p.b)], settings, sentences, progress)
    profiles = {key: article_profile(a, v) for key, (a, v) in embedded.items()}
    features = []
    for a, b in ids:
        f = pair_features(profiles[a], profiles[b])
        if sentences:
            f.update(sentence_features(np.asarray(embedded[a][1].sentences @ embedded[b][1].sentences.T)))
        features.append(f)
    return Table(
        features=features,
        gold=np.array([[float(p.extra[d]) for d in DIMENSIONS] for p in usable]),
        languages=[f"{p.a.language or '?'}-{p.b.language or '?'}" for p in usable],
        groups=_groups(ids),
        pair_ids=[p.pair_id for p in usable],
    )


def _sklearn() -> Any:
    try:
        import sklearn.ensemble
    except ImportError:
        raise MissingExtraError("training the pair scorer", "scikit-learn", "train") from None
    return sklearn


def forest_factory(seed: int) -> Callable[[], Any]:
    sklearn = _sklearn()
    return lambda: sklearn.ensemble.ExtraTreesRegressor(
        n_estimators=TREES, min_samples_leaf=LEAF, max_features=MAX_FEATURES, random_state=seed, n_jobs=1
    )


def _impute(x: np.ndarray, medians: np.ndarray) -> np.ndarray:
    return np.asarray(np.where(np.isnan(x), medians[None, :], x))


def _medians(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        medians = np.nanmedian(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0)
    return np.asarray(np.nan_to_num(medians))


@dataclass(slots=True)
class CrossValidation:
    """Pearson r per dimension and per language pair: mean and spread over repeats."""

    per_dimension: dict[str, tuple[float, float]]
    per_language: dict[str, dict[str, tuple[float, float]]]
    repeats: int
    folds: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "repeats": self.repeats,
            "folds": self.folds,
            "pearson": {d: {"mean": round(m, 4), "std": round(s, 4)} for d, (m, s) in self.per_dimension.items()},
            "per_language": {
                lang: {d: {"mean": round(m, 4), "std": round(s, 4)} for d, (m, s) in dims.items()}
                for lang, dims in self.per_language.items()
            },
        }


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def cross_validate(
    table: Table,
    names: Sequence[str],
    make_model: Callable[[], Any],
    repeats: int = 5,
    folds: int = 5,
    seed: int = 0,
) -> CrossValidation:
    """Repeated grouped k-fold CV of one model family on one feature set."""
    from sklearn.model_selection import GroupKFold

    x = table.matrix(names)
    y = table.gold
    languages = np.array(table.languages)
    runs: list[dict[str, float]] = []
    for repeat in range(repeats):
        predicted = np.zeros_like(y)
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed + repeat)
        for train, test in splitter.split(x, y, table.groups):
            medians = _medians(x[train])
            for d in range(len(DIMENSIONS)):
                model = make_model()
                model.fit(_impute(x[train], medians), y[train, d])
                predicted[test, d] = model.predict(_impute(x[test], medians))
        predicted = np.clip(predicted, 1, 4)
        run = {DIMENSIONS[d]: _pearson(predicted[:, d], y[:, d]) for d in range(len(DIMENSIONS))}
        for lang in sorted(set(table.languages)):
            idx = languages == lang
            for d, dim in enumerate(DIMENSIONS):
                run[f"{lang}/{dim}"] = _pearson(predicted[idx, d], y[idx, d])
        runs.append(run)

    def summary(key: str) -> tuple[float, float]:
        values = [r[key] for r in runs]
        return float(np.nanmean(values)), float(np.nanstd(values))

    return CrossValidation(
        per_dimension={dim: summary(dim) for dim in DIMENSIONS},
        per_language={
            lang: {dim: summary(f"{lang}/{dim}") for dim in DIMENSIONS} for lang in sorted(set(table.languages))
        },
        repeats=repeats,
        folds=folds,
    )


def fit(table: Table, seed: int = 0, meta: dict[str, Any] | None = None) -> ForestScorer:
    """One forest per dimension and variant, on all of ``table``."""
    make_model = forest_factory(seed)
    variants = {}
    for variant, names in VARIANTS.items():
        x = table.matrix(names)
        medians = _medians(x)
        forests = {}
        for d, dim in enumerate(DIMENSIONS):
            model = make_model()
            model.fit(_impute(x, medians), table.gold[:, d])
            forests[dim] = Forest.from_sklearn(model)
        variants[variant] = _Variant(names, medians, forests)
    info = {
        "name": "learned-v1",
        "variants": list(VARIANTS),
        "features": {k: list(v) for k, v in VARIANTS.items()},
        "seed": seed,
        "trees": TREES,
        "min_samples_leaf": LEAF,
        "max_features": MAX_FEATURES,
        "pairs": len(table.features),
        **(meta or {}),
    }
    return ForestScorer(variants, info)


def format_cv(title: str, cv: CrossValidation) -> str:
    lines = [title, f"{'dimension':10} {'all':>13} " + " ".join(f"{lang:>13}" for lang in cv.per_language)]
    for dim in DIMENSIONS:
        cells = [cv.per_dimension[dim], *(cv.per_language[lang][dim] for lang in cv.per_language)]
        lines.append(f"{dim:10} " + " ".join(f"{m:6.3f} ± {s:4.3f}" for m, s in cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storyline.train", description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS, help="SemEval-format pairs with gold scores")
    parser.add_argument("--out", type=Path, default=model_path(), help="where to write the model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5, help="cross-validation repeats (0 = skip CV)")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.pairs.exists():
        print(f"error: {args.pairs} is not there; give --pairs or put ../shared beside the repository", file=sys.stderr)
        return 1
    _sklearn()
    items = list(read_pairs(args.pairs))
    for problem in (i for i in items if isinstance(i, Problem)):
        print(f"skipped {problem.source}: {problem.reason}", file=sys.stderr)
    pairs = [i for i in items if isinstance(i, PairInput)]
    print(f"building features for {len(pairs)} pairs …", file=sys.stderr)
    table = build_table(pairs, Settings())
    meta: dict[str, Any] = {"trained_on": str(args.pairs.name), "trained_at": datetime.now(UTC).date().isoformat()}
    if args.repeats:
        for variant, names in VARIANTS.items():
            cv = cross_validate(table, names, forest_factory(args.seed), args.repeats, args.folds, args.seed)
            print(
                format_cv(f"\n{variant}-language variant, {args.repeats}×{args.folds}-fold grouped CV (Pearson r):", cv)
            )
            meta[f"cv_{variant}"] = cv.as_dict()
    scorer = fit(table, args.seed, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    scorer.save(args.out)
    print(f"\nwrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
