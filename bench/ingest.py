"""Ingest throughput and peak memory: the demo corpus and ../shared/data/pages/fundus (258 real pages).

    python bench/ingest.py [--corpus demo|fundus|all]

Each corpus is ingested into a fresh SQLite file in a fresh process (so peak RSS is its own),
with the default settings. Prints articles/s including and excluding model loading, the average
words per article, and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED, machine

CHILD = r"""
import json, sys, time, resource
t0 = time.perf_counter()
from storyline.embed import load_encoder
from storyline.enrich.language import detect_language, detect_short
from storyline.pipeline import article_from_text, ingest
from storyline.settings import load_settings
from storyline.store import open_store
settings = load_settings()
load_encoder(settings.encoder, settings.threads)
article_from_text("Warm-up text about a fire in the port of Gdansk, Poland, on Sunday night, officials said.", "Fire")
for text, lang in (("Пожар в порту", "ru"), ("Incendie au port de Lyon dimanche soir", "fr")):
    detect_short(text, lang)
t1 = time.perf_counter()
with open_store(sys.argv[2]) as store:
    report = ingest([sys.argv[1]], store, settings)
    words = sum(len(a.text.split()) for a in store.iter_articles())
t2 = time.perf_counter()
print(json.dumps({"added": len(report.added), "problems": [[p.source, p.reason] for p in report.problems],
                  "load_s": t1 - t0, "ingest_s": t2 - t1, "words": words,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _fundus_dir(tmp: Path) -> Path | None:
    src = SHARED / "data" / "pages" / "fundus"
    if not src.exists():
        return None
    out = tmp / "fundus"
    out.mkdir()
    for line in (src / "documents.jsonl").read_text().splitlines():
        doc = json.loads(line)
        (out / Path(doc["html_path"]).name).write_bytes((src / doc["html_path"]).read_bytes())
    return out


def run(name: str, path: Path, tmp: Path) -> None:
    db = tmp / f"{name}.db"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), str(db)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{name}: the ingest process failed:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    n = r["added"]
    print(
        f"{name}: {n} articles ingested, {len(r['problems'])} skipped, {r['words'] / max(n, 1):.0f} words/article; "
        f"{n / r['ingest_s']:.1f} articles/s after model load ({r['ingest_s']:.1f} s), "
        f"{n / (r['ingest_s'] + r['load_s']):.1f} articles/s incl. load ({r['load_s']:.1f} s); "
        f"peak RSS {r['rss_mb']:.0f} MB (main), {r['worker_rss_mb']:.0f} MB (largest worker)"
    )
    for problem in r["problems"][:10]:
        print(f"  skipped: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["demo", "fundus", "all"], default="all")
    args = parser.parse_args()
    print(f"ingest throughput ({machine()})")
    from storyline.demo import corpus_path

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.corpus in ("demo", "all"):
            run("demo corpus", corpus_path(), tmp)
        if args.corpus in ("fundus", "all"):
            fundus = _fundus_dir(tmp)
            if fundus is None:
                print("fundus: skipped, ../shared/data/pages/fundus is not there")
            else:
                run("fundus pages", fundus, tmp)


if __name__ == "__main__":
    main()
