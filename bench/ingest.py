"""Ingest throughput and peak memory: the demo corpus and ../shared/data/pages/fundus (258 real pages).

    python bench/ingest.py [--corpus demo|fundus|fundus-500|all]

``fundus-500`` is the subset of fundus pages whose article has 350-700 words (~500-word pages).

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
marks = []
def progress(n):
    marks.append((time.perf_counter(), n))
with open_store(sys.argv[2]) as store:
    report = ingest([sys.argv[1]], store, settings, progress=progress)
    words = sum(len(a.text.split()) for a in store.iter_articles())
t2 = time.perf_counter()
print(json.dumps({"added": len(report.added), "problems": [[p.source, p.reason] for p in report.problems],
                  "load_s": t1 - t0, "ingest_s": t2 - t1, "words": words, "marks": marks,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _fundus_dir(tmp: Path, words: tuple[int, int] | None = None) -> Path | None:
    """The fundus pages in a folder; with ``words``, only pages whose article text has that many words."""
    src = SHARED / "data" / "pages" / "fundus"
    if not src.exists():
        return None
    out = tmp / ("fundus" if words is None else f"fundus-{words[0]}-{words[1]}")
    out.mkdir()
    for line in (src / "documents.jsonl").read_text().splitlines():
        doc = json.loads(line)
        data = (src / doc["html_path"]).read_bytes()
        if words is not None:
            from storyline.readers import read_bytes

            found = [d for d in read_bytes(data, doc["html_path"], 50_000_000) if hasattr(d, "text")]
            if not found or not words[0] <= len(found[0].text.split()) <= words[1]:
                continue
        (out / Path(doc["html_path"]).name).write_bytes(data)
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
    marks = r["marks"]
    if len(marks) > 2:
        steady = sum(n for _, n in marks[1:]) / (marks[-1][0] - marks[0][0])
        print(
            f"  steady state (after the first batch, workers warm): {steady:.1f} articles/s, "
            f"{steady * r['words'] / max(n, 1):.0f} words/s"
        )
    for problem in r["problems"][:10]:
        print(f"  skipped: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["demo", "fundus", "fundus-500", "all"], default="all")
    args = parser.parse_args()
    print(f"ingest throughput ({machine()})")
    from storyline.demo import corpus_path

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.corpus in ("demo", "all"):
            run("demo corpus", corpus_path(), tmp)
        for name, words in (("fundus", None), ("fundus-500", (350, 700))):
            if args.corpus not in (name, "all"):
                continue
            folder = _fundus_dir(tmp, words)
            if folder is None:
                print(f"{name}: skipped, ../shared/data/pages/fundus is not there")
            else:
                label = "fundus pages" if words is None else f"fundus pages of {words[0]}-{words[1]} words"
                run(label, folder, tmp)


if __name__ == "__main__":
    main()
