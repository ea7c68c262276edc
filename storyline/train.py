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
from .features import (
    CROSS_LINGUAL_FEATURES,
    MODEL_FEATURES,
    article_profile,
    pair_features,
    sentence_features,
)
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
VARIANTS: dict[str, tuple[str, ...]] = {"same": MODEL_FEATURES, "cross": CROSS_LINGUAL_FEATURES}


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


# -- the same-story model (stories) -------------------------------------------------------
@dataclass(slots=True)
class Corpus:
    """A labelled clustering corpus ingested into a store: dataset id ↔ article id, gold clusters, splits."""

    store: Any
    article_of: dict[str, str]  # dataset id → article id
    gold: dict[str, str]  # dataset id → gold cluster
    split: dict[str, str]  # dataset id → "train" | "dev"
    topic: dict[str, str] = field(default_factory=dict)


def _stable_half(key: str) -> str:
    import hashlib

    return "train" if hashlib.sha1(key.encode()).digest()[0] % 2 == 0 else "dev"


def load_corpus(documents: Path, db: Path, settings: Settings, splits: str) -> Corpus:
    """Ingest ``documents`` (ECB+ or GVA JSONL) into ``db`` (idempotent) and map ids.

    ``splits`` is ``"field"`` to use each document's ``split`` field (ECB+), or
    ``"cluster-hash"`` to halve the gold clusters by a stable hash (GVA has no split).
    """
    import json

    from .pipeline import ingest
    from .store import open_store

    store = open_store(db)
    lenient = settings.replace(min_words=1)
    ingest([documents], store, lenient, cluster=False)
    from .readers.jsonl import document_from_record

    rows = [json.loads(line) for line in documents.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids: dict[str, str] = {}
    for row in rows:
        try:
            ids[row["id"]] = build_article(document_from_record(row, ""), lenient).id
        except InputError:
            continue  # no usable text: ingest skipped it too
    stored = store.has_articles(list(ids.values()))
    corpus = Corpus(store, {}, {}, {})
    for row in rows:
        article = ids.get(row["id"])
        if article not in stored:
            continue
        corpus.article_of[row["id"]] = article
        corpus.gold[row["id"]] = str(row["gold_cluster"])
        corpus.topic[row["id"]] = str(row.get("gold_topic") or "")
        corpus.split[row["id"]] = row["split"] if splits == "field" else _stable_half(str(row["gold_cluster"]))
    return corpus


def decision_rows(store: Any, pairs: Sequence[tuple[str, str]], settings: Settings) -> list[dict[str, float]]:
    """Same-story model inputs for article-id pairs (see :func:`storyline.stories.decision_rows`)."""
    from .embed import embed_articles, load_encoder
    from .score import get_scorer
    from .stories import decision_rows as rows_for

    encoder = load_encoder(settings.encoder, settings.threads)
    ids = sorted({i for pair in pairs for i in pair})
    profiles = {}
    for start in range(0, len(ids), 256):
        chunk = list(store.iter_articles(ids[start : start + 256]))
        for article, vectors in zip(chunk, embed_articles(chunk, encoder, store, sentences=False), strict=True):
            profiles[article.id] = article_profile(article, vectors)
    rows, _ = rows_for(store, [profiles[a] for a, _ in pairs], [profiles[b] for _, b in pairs], get_scorer("learned"))
    return rows


def training_pairs(corpus: Corpus, labelled: Path, split: str = "train") -> list[tuple[str, str, int]]:
    """(article, article, same?) from a pairs file, keeping pairs whose documents are both in ``split``."""
    import json

    out = []
    for line in labelled.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        a, b = row["id1"], row["id2"]
        if a not in corpus.article_of or b not in corpus.article_of:
            continue
        if corpus.split.get(a) != split or corpus.split.get(b) != split:
            continue
        out.append((corpus.article_of[a], corpus.article_of[b], int(row["label"] == "same_event")))
    return out


def _logistic(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int],
    names: Sequence[str],
    weights: Sequence[float] | None,
    seed: int,
) -> Any:
    from sklearn.linear_model import LogisticRegression

    from .stories import Logistic

    x = np.array([[r.get(n, math.nan) for n in names] for r in rows], dtype=np.float64)
    medians = _medians(x)
    x = _impute(x, medians)
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=0.5, max_iter=3000, random_state=seed)
    model.fit((x - means) / scales, np.asarray(labels), sample_weight=None if weights is None else np.asarray(weights))
    return Logistic(
        list(names),
        medians.tolist(),
        means.tolist(),
        scales.tolist(),
        model.coef_[0].tolist(),
        float(model.intercept_[0]),
    )


def mined_pairs(corpus: Corpus, split: str, settings: Settings, k: int = 15) -> list[tuple[str, str, int]]:
    """Pairs like the ones the online clustering decides on: each article with its nearest articles
    by meaning that lie within the story window, labelled by the gold clusters (hard negatives included)."""
    from .embed import embed_articles, load_encoder

    encoder = load_encoder(settings.encoder, settings.threads)
    ids = [i for i, s in corpus.split.items() if s == split]
    article_ids = sorted({corpus.article_of[i] for i in ids})
    gold = {corpus.article_of[i]: corpus.gold[i] for i in ids}
    articles = list(corpus.store.iter_articles(article_ids))
    bodies = np.stack([v.body for v in embed_articles(articles, encoder, corpus.store, sentences=False)])
    dates = [a.published.timestamp() / 86400 if a.published else None for a in articles]
    sims = bodies @ bodies.T
    out: set[tuple[str, str, int]] = set()
    for i in range(len(articles)):
        order = np.argsort(-sims[i])
        taken = 0
        for j in order:
            if j == i:
                continue
            if dates[i] is not None and dates[j] is not None and abs(dates[i] - dates[j]) > settings.story_window_days:
                continue
            a, b = sorted((articles[i].id, articles[int(j)].id))
            out.add((a, b, int(gold[a] == gold[b])))
            taken += 1
            if taken >= k:
                break
    return sorted(out)


def fit_story_model(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int],
    weights: Sequence[float] | None = None,
    seed: int = 0,
    aggregate: str = "mean",
) -> Any:
    """Standardised logistic regressions over pair features and the scorer's dimensions: a variant for
    pairs in one language (word overlap included) and one for pairs across languages."""
    from .stories import SCORE_DIMENSIONS, StoryModel

    extra = [f"score_{d}" for d in SCORE_DIMENSIONS]

    def identity(names: Sequence[str]) -> list[str]:
        # Style tells how a story is told, not which story it is; the publication gap is handled by the
        # story window before the model is asked (inside it, being published close says little).
        return [n for n in names if not n.startswith("style_") and n != "log_days_apart"]

    variants = {
        "same": _logistic(rows, labels, [*identity(MODEL_FEATURES), "idf_cosine", *extra], weights, seed),
        "cross": _logistic(rows, labels, [*identity(CROSS_LINGUAL_FEATURES), *extra], weights, seed),
    }
    return StoryModel(variants, 0.5, aggregate)


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of a clustering (item → cluster) against the gold one."""
    from collections import Counter

    items = [i for i in gold if i in predicted]
    pred_size, gold_size = Counter(predicted[i] for i in items), Counter(gold[i] for i in items)
    both = Counter((predicted[i], gold[i]) for i in items)
    precision = sum(both[(predicted[i], gold[i])] / pred_size[predicted[i]] for i in items) / len(items)
    recall = sum(both[(predicted[i], gold[i])] / gold_size[gold[i]] for i in items) / len(items)
    return precision, recall, 2 * precision * recall / (precision + recall)


def cluster_subset(
    corpus: Corpus, split: str, settings: Settings, model: Any, workdir: Path
) -> tuple[dict[str, str], Any]:
    """Copy one split of a corpus into a fresh store and run the online clustering over it in date order.

    Returns dataset id → predicted story, and the store (for more measurements).
    """
    from .embed import text_key
    from .store import open_store
    from .stories import Clusterer, _arrival_order

    db = workdir / f"{split}-{abs(hash((id(corpus), split, settings.story_threshold)))}.db"
    for suffix in ("", "-wal", "-shm", ".usearch"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    target = open_store(db)
    ids = [i for i, s in corpus.split.items() if s == split]
    articles = list(corpus.store.iter_articles(sorted({corpus.article_of[i] for i in ids})))
    target.add_articles(articles)
    keys = [text_key(t) for a in articles for t in (a.title or a.lead, a.lead, a.text)]
    target.put_vectors(settings.encoder, corpus.store.get_vectors(settings.encoder, keys))
    clusterer = Clusterer(target, settings, model=model)
    clusterer.assign_many(_arrival_order(articles))
    story_of = target.stories_of([a.id for a in articles])
    return {i: story_of[corpus.article_of[i]] for i in ids if corpus.article_of[i] in story_of}, target


def main_stories(argv: Sequence[str] | None = None) -> int:
    """Train the same-story model on ECB+ and GVA train splits; tune its threshold on their dev splits."""
    from .stories import story_model_path

    parser = argparse.ArgumentParser(prog="python -m storyline.train stories")
    shared = DEFAULT_PAIRS.parent.parent
    parser.add_argument("--ecb", type=Path, default=shared / "ecbplus")
    parser.add_argument("--gva", type=Path, default=shared / "gva")
    parser.add_argument("--workdir", type=Path, default=Path("build/train"))
    parser.add_argument("--out", type=Path, default=story_model_path())
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--aggregate", choices=["mean", "max"], default="max")
    args = parser.parse_args(argv)
    for folder in (args.ecb, args.gva):
        if not (folder / "documents.jsonl").exists():
            print(f"error: {folder}/documents.jsonl is not there; put ../shared beside the repository", file=sys.stderr)
            return 1
    _sklearn()
    args.workdir.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    print("ingesting ECB+ and GVA (once; kept in the workdir) …", file=sys.stderr)
    corpora = {
        "ecbplus": load_corpus(args.ecb / "documents.jsonl", args.workdir / "ecbplus.db", settings, "field"),
        "gva": load_corpus(args.gva / "documents.jsonl", args.workdir / "gva.db", settings, "cluster-hash"),
    }
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    weights: list[float] = []
    for name, corpus in corpora.items():
        labelled = training_pairs(corpus, (args.ecb if name == "ecbplus" else args.gva) / "pairs.jsonl")
        pairs = sorted(set(labelled) | set(mined_pairs(corpus, "train", settings)))
        rows.extend(decision_rows(corpus.store, [(a, b) for a, b, _ in pairs], settings))
        labels.extend(label for _, _, label in pairs)
        weights.extend([1000 / len(pairs)] * len(pairs))  # each corpus weighs the same
        print(f"{name}: {len(pairs)} training pairs ({sum(label for *_, label in pairs)} same story)", file=sys.stderr)
    model = fit_story_model(rows, labels, weights, args.seed, args.aggregate)
    print("tuning the threshold on the dev splits (online clustering, BCubed F1):")
    results = {}
    for threshold in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7):
        tuned = settings.replace(story_threshold=threshold)
        f1s = {}
        for name, corpus in corpora.items():
            predicted, store = cluster_subset(corpus, "dev", tuned, model, args.workdir)
            store.close()
            f1s[name] = bcubed(predicted, {i: g for i, g in corpus.gold.items() if corpus.split[i] == "dev"})
        results[threshold] = f1s
        print(f"  {threshold:.2f}  " + "  ".join(f"{n} P {p:.3f} R {r:.3f} F1 {f:.3f}" for n, (p, r, f) in f1s.items()))
    best = max(results, key=lambda t: float(np.mean([f for *_, f in results[t].values()])))
    model.threshold = best
    model.meta = {
        "trained_on": ["ecbplus train split", "gva incidents with an even hash"],
        "seed": args.seed,
        "pairs": len(labels),
        "trained_at": datetime.now(UTC).date().isoformat(),
        "dev_bcubed": {str(t): {n: [round(x, 4) for x in v] for n, v in r.items()} for t, r in results.items()},
    }
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(f"threshold {best}; wrote {args.out}")
    for corpus in corpora.values():
        corpus.store.close()
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "stories":
        sys.exit(main_stories(sys.argv[2:]))
    sys.exit(main())
