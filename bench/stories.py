"""Story clustering: quality on ECB+ and GVA, traps of the demo corpus, speed and memory at scale.

    python bench/stories.py quality [--workdir build/bench]
    python bench/stories.py scale [--sizes 10000,100000,1000000] [--workdir build/bench]
    python bench/stories.py throughput

quality — the shipped same-story model, the online algorithm in date order:
  ECB+ (../shared/data/ecbplus; each topic holds two similar events; no dates) and GVA
  (../shared/data/gva; local shooting reports, many singletons, same city different incidents),
  BCubed precision/recall/F1 against the gold clusters on the dev splits (not used for fitting;
  the threshold was tuned on them) and on everything here; for ECB+ also the share of
  same-topic-different-event pairs put into one story.
scale — per-article assignment latency (p50, p99) and RSS with N articles already indexed: the
  stored articles are synthetic (real GVA embeddings plus noise, short placeholder texts, three to a
  story) so that 1M fit; the 300 assigned articles are real GVA reports.
throughput — ingest of ~500-word fundus pages with story assignment, against the bare encoder
  embedding the same articles (what the issue asks: ≥ 0.8×).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, SHARED, machine, need_shared


# -- quality -------------------------------------------------------------------------------
def quality(workdir: Path) -> None:
    from storyline.settings import Settings
    from storyline.stories import default_story_model
    from storyline.train import bcubed, cluster_subset, load_corpus

    settings = Settings()
    model = default_story_model()
    print(f"story clustering quality ({machine()}); same-story threshold {model.threshold}")
    for name, mode in (("ecbplus", "field"), ("gva", "cluster-hash")):
        folder = need_shared(f"data/{name}")
        corpus = load_corpus(folder / "documents.jsonl", workdir / f"{name}.db", settings, mode)
        for split in ("dev", "all"):
            if split == "all":
                for key in corpus.split:
                    corpus.split[key] = "all"
            start = time.perf_counter()
            predicted, store = cluster_subset(corpus, split, settings, model, workdir)
            elapsed = time.perf_counter() - start
            gold = {i: g for i, g in corpus.gold.items() if i in predicted}
            p, r, f = bcubed(predicted, gold)
            line = (
                f"{name:8} {split:4} {len(predicted):5} docs  {len(set(predicted.values())):5} stories "
                f"(gold {len(set(gold.values()))})  BCubed P {p:.3f} R {r:.3f} F1 {f:.3f}  {elapsed:.0f} s"
            )
            if name == "ecbplus":
                wrong = total = 0
                for row in map(json.loads, (folder / "pairs.jsonl").read_text().splitlines()):
                    if (
                        row["label"] == "same_topic_different_event"
                        and row["id1"] in predicted
                        and row["id2"] in predicted
                    ):
                        total += 1
                        wrong += predicted[row["id1"]] == predicted[row["id2"]]
                line += f"  same-topic-different-event pairs merged: {wrong}/{total} = {wrong / max(total, 1):.1%}"
            print(line, flush=True)
            store.close()
        corpus.store.close()
    demo_traps()


def demo_traps() -> None:
    import tempfile

    from storyline.demo import corpus_path, gold, gold_story_of_url
    from storyline.pipeline import ingest
    from storyline.store import open_store
    from storyline.train import bcubed

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "demo.db") as store:
        ingest([corpus_path()], store)
        url_of = {a.id: a.url for a in store.iter_articles()}
        story_of = {url_of[m.article_id]: s.id for s in store.list_stories() for m in s.members}
    by_key = {s["key"]: s["urls"] for s in gold()["stories"]}
    traps = gold()["traps"]
    held = [
        not {story_of[u] for u in by_key[a]} & {story_of[u] for u in by_key[b]}
        for a, b in traps["same_kind_different_event"] + traps["told_again_years_later"]
    ]
    wire = traps["wire_copies"]
    held.append(len({story_of[u] for u in [wire["original"], *wire["copies"]]}) == 1)
    p, r, f = bcubed(story_of, gold_story_of_url())
    print(
        f"demo     all     60 docs  {len(set(story_of.values())):5} stories (gold 14)  BCubed P {p:.3f} R {r:.3f} "
        f"F1 {f:.3f}  traps separated: {sum(held)}/{len(held)}"
    )


# -- scale ---------------------------------------------------------------------------------
def build_synthetic(db: Path, size: int, seed_db: Path) -> None:
    """A store with ``size`` synthetic articles (real embeddings + noise), three to a story, indexed."""
    from storyline.embed import embed_articles, load_encoder, text_key
    from storyline.index import UsearchIndex
    from storyline.store import open_store

    with open_store(seed_db) as seed_store:
        seeds = list(seed_store.iter_articles())
        seed_vectors = np.stack(
            [v.body for v in embed_articles(seeds, load_encoder("use-multilingual-v3"), seed_store, sentences=False)]
        )
    for suffix in ("", "-wal", "-shm", ".usearch"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    open_store(db).close()  # schema
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    index = UsearchIndex(512, Path(str(db) + ".usearch"))
    rng = np.random.default_rng(0)
    chunk = 50_000
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        base = seed_vectors[rng.integers(0, len(seed_vectors), n)]
        vectors = base + rng.normal(scale=0.03, size=base.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        rows, vector_rows, members, stories = [], [], [], []
        for i in range(n):
            k = start + i
            text = f"synthetic article {k} about a local event"
            article_id = f"syn{k:09d}"
            day = f"2017-{1 + (k // 50_000) % 12:02d}-{1 + k % 28:02d}T12:00:00+00:00"
            rows.append((article_id, text, text, day, "en", "bench"))  # title = text: one vector row
            vector_rows.append(("use-multilingual-v3", text_key(text), 512, vectors[i].tobytes()))
            story = f"syn{k // 3:09d}"
            if k % 3 == 0:
                stories.append((story, f"synthetic {k}", "{}", day, day, day, day, 0, '["en"]', '["bench"]'))
            members.append((article_id, story, k % 3, "synthetic", None, None, "{}"))
        con.executemany(
            "INSERT INTO articles (id, title, text, published, language, outlet, ingested_at)"
            " VALUES (?,?,?,?,?,?, '2017-01-01')",
            rows,
        )
        con.executemany("INSERT OR IGNORE INTO vectors (model, key, dim, vector) VALUES (?,?,?,?)", vector_rows)
        con.executemany(
            "INSERT INTO stories (id, label, labels, created_at, updated_at, first_seen, last_seen, size,"
            " languages, outlets) VALUES (?,?,?,?,?,?,?,?,?,?)",
            stories,
        )
        con.executemany(
            "INSERT INTO story_members (article_id, story_id, position, reason, score, copy_of, details)"
            " VALUES (?,?,?,?,?,?,?)",
            members,
        )
        con.commit()
        keys = [
            r[0]
            for r in con.execute(
                "SELECT rowid FROM articles WHERE id >= ? AND id <= ? ORDER BY id",
                (f"syn{start:09d}", f"syn{start + n - 1:09d}"),
            )
        ]
        index._index.add(np.asarray(keys, dtype=np.uint64), vectors, threads=2)
        index._dirty = True
        print(f"  built {start + n:,}", file=sys.stderr, flush=True)
    con.execute("UPDATE stories SET size = 3")
    con.commit()
    con.close()
    index.save()


SCALE_CHILD = r"""
import json, sys, time, statistics
from storyline.store import open_store
from storyline.stories import Clusterer
from storyline.embed import embed_articles, load_encoder, text_key
db, seed_db = sys.argv[1], sys.argv[2]
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
with open_store(seed_db) as seed:
    real = list(seed.iter_articles())[:300]
    keys = [text_key(t) for a in real for t in (a.title or a.lead, a.lead, a.text)]
    vectors = seed.get_vectors("use-multilingual-v3", keys)
store = open_store(db)
for a in real:
    a.published = a.published.replace(year=2017) if a.published else None
store.add_articles(real)
store.put_vectors("use-multilingual-v3", vectors)
clusterer = Clusterer(store)
encoder = load_encoder("use-multilingual-v3")
embedded = embed_articles(real, encoder, store, sentences=False)
for a, v in zip(real[:20], embedded[:20]):  # warm-up: caches, lazy imports
    clusterer.assign(a, v)
times = []
for a, v in zip(real[20:], embedded[20:]):
    t = time.perf_counter()
    clusterer.assign(a, v)
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1], "rss": rss(),
                  "indexed": len(clusterer.index)}))
"""


def scale(sizes: list[int], workdir: Path, keep: bool = False) -> None:
    seed_db = workdir / "gva.db"
    if not seed_db.exists():
        from storyline.settings import Settings
        from storyline.train import load_corpus

        load_corpus(need_shared("data/gva") / "documents.jsonl", seed_db, Settings(), "cluster-hash").store.close()
    print(f"story assignment at scale ({machine()}); synthetic stored articles, real GVA articles assigned")
    for size in sizes:
        db = workdir / f"scale-{size}.db"
        start = time.perf_counter()
        if keep and db.exists() and Path(str(db) + ".usearch").exists():
            _reset_real(db)
        else:
            build_synthetic(db, size, seed_db)
        built = time.perf_counter() - start
        out = subprocess.run(
            [sys.executable, "-c", SCALE_CHILD, str(db), str(seed_db)], capture_output=True, text=True, cwd=ROOT
        )
        if out.returncode:
            sys.exit(out.stderr[-3000:])
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{size:>9,} indexed: assignment p50 {r['p50'] * 1e3:.1f} ms, p99 {r['p99'] * 1e3:.1f} ms; "
            f"RSS {r['rss']:.0f} MB (process with models, store and index); built in {built:.0f} s",
            flush=True,
        )
        if not keep:
            for suffix in ("", "-wal", "-shm", ".usearch"):
                Path(str(db) + suffix).unlink(missing_ok=True)


def _reset_real(db: Path) -> None:
    """Take the real articles of an earlier run out again, so a kept synthetic store can be reused."""
    con = sqlite3.connect(db)
    for table, column in (
        ("story_members", "article_id"),
        ("minhash_bands", "article_id"),
        ("minhash", "article_id"),
        ("sentences", "article_id"),
        ("mentions", "article_id"),
        ("articles", "id"),
    ):
        con.execute(f"DELETE FROM {table} WHERE {column} NOT LIKE 'syn%'")
    con.execute("DELETE FROM stories WHERE id NOT LIKE 'syn%'")
    con.commit()
    con.close()


# -- throughput ----------------------------------------------------------------------------
def throughput() -> None:
    import tempfile

    from storyline.embed import embed_articles, load_encoder
    from storyline.pipeline import build_article, enrich, ingest
    from storyline.readers import read_paths
    from storyline.settings import Settings
    from storyline.store import open_store

    src = SHARED / "data" / "pages" / "fundus"
    need_shared("data/pages/fundus")
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "pages"
        folder.mkdir()
        docs = []
        for line in (src / "documents.jsonl").read_text().splitlines():
            row = json.loads(line)
            data = (src / row["html_path"]).read_bytes()
            found = [d for d in read_paths([src / row["html_path"]], settings.max_bytes) if hasattr(d, "text")]
            if found and 350 <= len(found[0].text.split()) <= 700:
                (folder / Path(row["html_path"]).name).write_bytes(data)
                docs.append(found[0])
        articles = enrich([build_article(d, settings) for d in docs])
        encoder = load_encoder(settings.encoder, settings.threads)
        embed_articles(articles[:2], encoder)
        start = time.perf_counter()
        embed_articles(articles, encoder)
        bare = len(articles) / (time.perf_counter() - start)
        marks: list[float] = []
        with open_store(tmp / "t.db") as store:
            start = time.perf_counter()
            report = ingest([folder], store, settings, progress=lambda n: marks.append(time.perf_counter()))
            total = len(report.added) / (time.perf_counter() - start)
            steady = (len(report.added) - 16) / (marks[-1] - marks[0]) if len(marks) > 2 else total
            stories = store.count_stories()
    print(f"ingest + story assignment vs the bare encoder ({machine()}), {len(articles)} fundus pages of 350-700 words")
    print(f"bare encoder (title, lead, text, sentences; 2 threads): {bare:.1f} articles/s")
    print(
        f"ingest with stories: {total:.1f} articles/s including worker start, {steady:.1f} articles/s steady "
        f"= {steady / bare:.2f}× the bare encoder; {stories} stories"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["quality", "scale", "throughput"])
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the synthetic stores")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.what == "quality":
        quality(args.workdir)
    elif args.what == "scale":
        scale([int(x) for x in args.sizes.split(",")], args.workdir, args.keep)
    else:
        throughput()


if __name__ == "__main__":
    main()
