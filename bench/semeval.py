"""Pearson correlation of `compare`'s scores with the SemEval-2022 Task 8 gold, per dimension and language.

    python bench/semeval.py [--limit N]

Reads ../shared/data/semeval/pairs.jsonl (224 pairs: ar-ar, fr-fr, en-en). Each text is built into
an article exactly as `storyline compare` would (title, text, date when given), then compared.
Prints one table; the figure of record is Pearson on Overall over all pairs.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import machine, need_shared, pearson

from storyline.errors import InputError
from storyline.extract import parse_datetime
from storyline.pipeline import article_from_text
from storyline.records import DIMENSIONS
from storyline.score import compare
from storyline.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N pairs (0 = all)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in need_shared("data/semeval/pairs.jsonl").read_text().splitlines()]
    if args.limit:
        rows = rows[: args.limit]
    settings = Settings(min_words=1)
    gold: dict[str, list[float]] = defaultdict(list)
    pred: dict[str, list[float]] = defaultdict(list)
    langs: list[str] = []
    cache: dict[tuple[str, str], object] = {}
    start = time.perf_counter()
    skipped = 0
    for row in rows:
        try:
            sides = []
            for n in ("1", "2"):
                key = (row[f"title{n}"] or "", row[f"text{n}"] or "")
                if key not in cache:
                    published = parse_datetime(row[f"date{n}"]) if row.get(f"date{n}") else None
                    cache[key] = article_from_text(
                        key[1], key[0], settings, published=published, language=row.get(f"lang{n}")
                    )
                sides.append(cache[key])
        except InputError:
            skipped += 1
            continue
        result = compare(sides[0], sides[1], settings)  # type: ignore[arg-type]
        langs.append(f"{row['lang1']}-{row['lang2']}")
        for dim in DIMENSIONS:
            gold[dim].append(float(row[dim]))
            pred[dim].append(result.scores[dim])
    elapsed = time.perf_counter() - start
    print(f"semeval zero-shot ({machine()}): {len(langs)} pairs, {skipped} skipped, {elapsed:.0f} s")
    groups = sorted(set(langs))
    print(f"{'dimension':10} {'all':>6} " + " ".join(f"{g:>6}" for g in groups))
    for dim in DIMENSIONS:
        cells = [pearson(pred[dim], gold[dim])]
        for g in groups:
            idx = [i for i, lang in enumerate(langs) if lang == g]
            cells.append(pearson([pred[dim][i] for i in idx], [gold[dim][i] for i in idx]))
        print(f"{dim:10} " + " ".join("   nan" if math.isnan(c) else f"{c:6.3f}" for c in cells))
    print("pairs per language: " + ", ".join(f"{g} {langs.count(g)}" for g in groups))


if __name__ == "__main__":
    main()
