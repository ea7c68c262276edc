"""Time to build the coverage of a 50-article story in several languages, warm, and peak RSS.

    python bench/coverage.py [--articles 50]

The story is made of the demo corpus's articles (10 languages) put into one story by hand — more
varied than any real story, so more facts, numbers and quotes to align: a hard case. The corpus is
ingested first (enrichment and vectors cached in the store, as for any stored story); the figure
is the median of three warm runs of `coverage_for_story`, plus the HTML rendering.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, peak_rss_mb

from storyline.coverage import coverage_for_story, coverage_html
from storyline.demo import corpus_path
from storyline.pipeline import ingest
from storyline.records import StoryMember
from storyline.settings import Settings
from storyline.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "c.db") as store:
        ingest([corpus_path()], store, settings, cluster=False)
        articles = list(store.iter_articles())[: args.articles]
        store.create_story("sbench", "benchmark story", {})
        for article in articles:
            store.add_member("sbench", StoryMember(article.id, "benchmark"), refresh=False)
        store.refresh_story("sbench")
        languages = sorted({a.language for a in articles if a.language})
        coverage_for_story(store, "sbench", settings)  # models loaded, caches filled
        times, html_times = [], []
        for _ in range(3):
            start = time.perf_counter()
            coverage = coverage_for_story(store, "sbench", settings)
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            coverage_html(coverage)
            html_times.append(time.perf_counter() - start)
    print(
        f"coverage of one story ({machine()}): {len(articles)} articles in {len(languages)} languages "
        f"({', '.join(languages)}); {len(coverage.facts)} facts, {len(coverage.numbers)} numbers, "
        f"{len(coverage.quotes)} quotes"
    )
    print(
        f"warm build: median {statistics.median(times):.2f} s over 3 runs; HTML rendering "
        f"{statistics.median(html_times) * 1000:.0f} ms; peak RSS {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
