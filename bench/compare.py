"""Latency of `compare` on two ~800-word articles: cold (new process, model load included) and warm.

    python bench/compare.py [--runs N]

Uses the English SemEval pair whose texts are nearest 800 words each (../shared), or, without
../shared, two ~800-word texts stitched from the demo corpus. Prints:
- cold: `storyline compare A B --json` as a subprocess, wall time (median of runs);
- warm from text: in one process after a first call, enrichment + embedding + scoring of both texts;
- warm stored ids: both articles in a store, vectors cached (what `compare ID ID` and the API do);
- warm scoring only: enriched articles and their vectors already in memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, machine, peak_rss_mb

from storyline.embed import embed_articles, load_encoder
from storyline.pipeline import article_from_text
from storyline.score import compare, compare_articles
from storyline.settings import Settings


def _texts() -> tuple[tuple[str, str], tuple[str, str], str]:
    pairs = SHARED / "data" / "semeval" / "pairs.jsonl"
    if pairs.exists():
        rows = [json.loads(line) for line in pairs.read_text().splitlines()]
        rows = [r for r in rows if r["lang1"] == "en" and r["text1"] and r["text2"]]
        best = min(rows, key=lambda r: abs(len(r["text1"].split()) - 800) + abs(len(r["text2"].split()) - 800))
        return (
            (best["title1"] or "", best["text1"]),
            (best["title2"] or "", best["text2"]),
            f"semeval {best['pair_id']}",
        )
    from storyline.demo import corpus_path

    texts = []
    for path in sorted(corpus_path().glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if row["language"] == "en":
                texts.append(row["maintext"])
    half = len(texts) // 2
    return ("A", "\n\n".join(texts[:half])[:5200]), ("B", "\n\n".join(texts[half:])[:5200]), "demo corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    a, b, origin = _texts()
    words = (len(a[1].split()), len(b[1].split()))
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, (title, text) in (("a.txt", a), ("b.txt", b)):
            path = Path(tmp) / name
            path.write_text(f"{title}\n{text}", encoding="utf-8")
            paths.append(str(path))
        cold = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "storyline", "compare", *paths, "--json"],
                check=True,
                capture_output=True,
                cwd=tmp,
            )
            cold.append(time.perf_counter() - t)

    def from_text() -> None:
        compare(article_from_text(a[1], a[0], settings), article_from_text(b[1], b[0], settings), settings)

    from_text()  # warm-up: models loaded
    warm = []
    for _ in range(max(args.runs, 5)):
        t = time.perf_counter()
        from_text()
        warm.append(time.perf_counter() - t)
    art_a, art_b = article_from_text(a[1], a[0], settings), article_from_text(b[1], b[0], settings)
    va, vb = embed_articles([art_a, art_b], load_encoder(settings.encoder, settings.threads))
    stored = []
    for _ in range(20):
        t = time.perf_counter()
        compare_articles(art_a, art_b, va, vb)
        stored.append(time.perf_counter() - t)
    with tempfile.TemporaryDirectory() as tmp:
        from storyline.store import open_store

        with open_store(Path(tmp) / "bench.db") as store:
            store.add_articles([art_a, art_b])
            embed_articles([art_a, art_b], load_encoder(settings.encoder, settings.threads), cache=store)
            by_id = []
            for _ in range(20):
                t = time.perf_counter()
                compare(store.get_article(art_a.id), store.get_article(art_b.id), settings, cache=store)
                by_id.append(time.perf_counter() - t)
    print(f"compare latency ({machine()}; {origin}; {words[0]} + {words[1]} words)")
    print(f"cold, subprocess incl. model load: median {statistics.median(cold) * 1000:.0f} ms over {len(cold)} runs")
    print(f"warm from text (enrich + embed + score): median {statistics.median(warm) * 1000:.0f} ms")
    print(
        f"warm stored ids (load both from SQLite, cached vectors, score): median "
        f"{statistics.median(by_id) * 1000:.1f} ms"
    )
    print(
        f"warm scoring only (enriched articles and vectors in memory): median {statistics.median(stored) * 1000:.1f} ms"
    )
    print(f"peak RSS of the warm process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
