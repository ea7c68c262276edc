"""Pair-score quality against the SemEval-2022 Task 8 gold: zero-shot, learned (cross-validated), ablations.

    python bench/semeval.py [--repeats 5] [--folds 5] [--no-ablation]

Reads ../shared/data/semeval/pairs.jsonl (224 pairs: ar-ar 161, fr-fr 46, en-en 17). Prints:
1. the zero-shot heuristic scorer on every pair (no training);
2. the learned scorer's repeated grouped k-fold cross-validation (no article on both sides of a
   split), for the same-language variant and the cross-language variant, mean ± spread of Pearson r;
3. ablations behind the model choice: model families and feature sets, Overall and mean of the
   seven dimensions.
Needs scikit-learn (``pip install -e '.[train]'``).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, need_shared, pearson

from storyline.pairs import PairInput, read_pairs
from storyline.records import DIMENSIONS
from storyline.score import HeuristicScorer
from storyline.settings import Settings
from storyline.train import VARIANTS, build_table, cross_validate, forest_factory, format_cv


def _zero_shot(table) -> None:  # type: ignore[no-untyped-def]
    predicted = HeuristicScorer().score(table.features)
    languages = sorted(set(table.languages))
    print(f"{'dimension':10} {'all':>6} " + " ".join(f"{lang:>6}" for lang in languages))
    for d, dim in enumerate(DIMENSIONS):
        cells = [pearson([p[dim] for p in predicted], list(table.gold[:, d]))]
        for lang in languages:
            idx = [i for i, x in enumerate(table.languages) if x == lang]
            cells.append(pearson([predicted[i][dim] for i in idx], [float(table.gold[i, d]) for i in idx]))
        print(f"{dim:10} " + " ".join("   nan" if math.isnan(c) else f"{c:6.3f}" for c in cells))


def _families(seed: int) -> dict[str, object]:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "ridge": lambda: make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 3, 20))),
        "gradient boosting": lambda: HistGradientBoostingRegressor(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=8,
            min_samples_leaf=10,
            l2_regularization=1.0,
            random_state=seed,
        ),
        "extra trees (shipped)": forest_factory(seed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-ablation", action="store_true")
    args = parser.parse_args()
    pairs = [p for p in read_pairs(need_shared("data/semeval/pairs.jsonl")) if isinstance(p, PairInput)]
    settings = Settings()
    start = time.perf_counter()
    table = build_table(pairs, settings, sentences=True)
    print(
        f"semeval pair scores ({machine()}): {len(table.features)} pairs, features in "
        f"{time.perf_counter() - start:.0f} s"
    )

    print("\n1. zero-shot heuristic scorer (no training), Pearson r")
    _zero_shot(table)

    for variant, names in VARIANTS.items():
        cv = cross_validate(table, names, forest_factory(args.seed), args.repeats, args.folds, args.seed)
        print(
            format_cv(
                f"\n2. learned, {variant}-language variant, {args.repeats}×{args.folds}-fold grouped CV, "
                "Pearson r mean ± std over repeats",
                cv,
            )
        )

    if args.no_ablation:
        return
    sentence_names = tuple(n for n in table.features[0] if n.startswith("s_"))
    feature_sets = {
        "features (shipped)": VARIANTS["same"],
        "features + sentence matrix": VARIANTS["same"] + sentence_names,
    }
    print(f"\n3. ablations, {args.repeats}×{args.folds}-fold grouped CV: Overall r, and mean r of the 7 dimensions")
    for family, make_model in _families(args.seed).items():
        for set_name, names in feature_sets.items():
            cv = cross_validate(table, names, make_model, args.repeats, args.folds, args.seed)  # type: ignore[arg-type]
            overall = cv.per_dimension["Overall"]
            mean7 = float(np.mean([cv.per_dimension[d][0] for d in DIMENSIONS]))
            print(f"{family:22} {set_name:28} Overall {overall[0]:.3f} ± {overall[1]:.3f}   mean of 7 {mean7:.3f}")


if __name__ == "__main__":
    main()
