"""Speed of `storyline score-pairs`: pairs/s from raw text, pairs/s with cached features, peak RSS.

    python bench/score_pairs.py [--copies N]

Input: the 224 SemEval pairs in ../shared/data/semeval/pairs.jsonl (448 distinct articles, mostly
ar and fr, median ~300 words). ``--copies N`` scores N disguised copies of the file at once (each
text gets a copy marker, so articles are not deduplicated) to see the steady state.
Prints:
- raw text: the CLI as a subprocess, end to end (model loading and worker start included);
- cached features: article profiles already built, pair features + the learned scorer only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, need_shared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    source = need_shared("data/semeval/pairs.jsonl")
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    print(f"score-pairs speed ({machine()})")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pairs.jsonl"
        with path.open("w") as out:
            for copy in range(args.copies):
                for row in rows:
                    item = {
                        k: row[k]
                        for k in ("pair_id", "lang1", "lang2", "title1", "text1", "date1", "title2", "text2", "date2")
                    }
                    if copy:
                        item["pair_id"] = f"{row['pair_id']}#{copy}"
                        item["text1"] = f"{item['text1'] or ''} ({copy})"
                        item["text2"] = f"{item['text2'] or ''} ({copy})"
                    out.write(json.dumps(item) + "\n")
        n = len(rows) * args.copies
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "storyline", "score-pairs", str(path), "-o", str(Path(tmp) / "o.jsonl")],
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - start
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"raw text, CLI end to end: {n} pairs ({2 * n} articles) in {wall:.1f} s = {n / wall:.1f} pairs/s; "
            f"peak RSS of the largest process {child:.0f} MB"
        )

        from storyline.features import pair_features
        from storyline.pairs import PairInput, profiles_for, read_pairs
        from storyline.pipeline import build_article
        from storyline.score import get_scorer
        from storyline.settings import Settings

        settings = Settings(min_words=1)
        pairs = [p for p in read_pairs(source) if isinstance(p, PairInput)]
        profiles = profiles_for([d for p in pairs for d in (p.a, p.b)], settings)
        ids = [(build_article(p.a, settings).id, build_article(p.b, settings).id) for p in pairs]
        scorer = get_scorer("learned")
        scorer.score([pair_features(profiles[ids[0][0]], profiles[ids[0][1]])])  # warm
        repeats = 20
        start = time.perf_counter()
        for _ in range(repeats):
            scorer.score([pair_features(profiles[a], profiles[b]) for a, b in ids])
        cached = repeats * len(ids) / (time.perf_counter() - start)
        print(f"cached features (profiles built), features + learned scorer: {cached:,.0f} pairs/s")


if __name__ == "__main__":
    main()
