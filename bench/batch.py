"""Batch on Dask (issue 8): throughput with 1 and 2 workers, peak memory per worker, the candidate-pair and
story stages at scale on synthetic embeddings, and agreement of batch stories with `storyline cluster`.

    python bench/batch.py throughput [--articles 200]   # real GVA articles (../shared), 1 vs 2 Dask workers
    python bench/batch.py scale [--n 100000]            # synthetic embeddings + MinHash, a year of dates
    python bench/batch.py agreement                     # demo corpus: batch stories vs `storyline cluster`, BCubed
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GVA = ROOT.parent / "shared" / "data" / "gva" / "documents.jsonl"


def _corpus(folder: Path, n: int, files: int = 12) -> None:
    rows = [json.loads(line) for line in GVA.open(encoding="utf-8")][:n]
    for k in range(files):
        with (folder / f"gva-{k:02d}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows[k::files]:
                keep = {"id": row["id"], "title": row.get("title"), "text": row["text"], "date": row.get("date")}
                handle.write(json.dumps(keep, ensure_ascii=False) + "\n")


def throughput(n: int) -> None:
    import psutil

    from storyline.batch import run_batch
    from storyline.engines.dask import DaskEngine
    from storyline.settings import Settings

    if not GVA.exists():
        sys.exit(f"{GVA} is absent; this benchmark needs ../shared")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "in"
        corpus.mkdir()
        _corpus(corpus, n)
        for workers in (1, 2):
            engine = DaskEngine(workers=workers, threads=1, memory_limit="2GiB")
            engine.client.run(lambda: __import__("storyline.embed").embed.load_encoder("use-multilingual-v3", 1))
            peak: dict[str, int] = defaultdict(int)
            stop = threading.Event()

            def sample(engine: DaskEngine = engine, peak: dict[str, int] = peak, stop: threading.Event = stop) -> None:
                while not stop.is_set():
                    for worker, rss in engine.client.run(lambda: psutil.Process().memory_info().rss).items():
                        peak[worker] = max(peak[worker], rss)
                    stop.wait(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            out = Path(tmp) / f"out{workers}"
            report = run_batch([corpus], out, Settings(workers=workers), engine, partition_files=1)
            stop.set()
            sampler.join()
            engine.close()
            seconds = report.seconds["partitions"]
            print(
                f"workers={workers}: {report.articles} articles, extract+enrich+embed {seconds:.1f} s "
                f"({report.articles / seconds:.2f} articles/s), pairs {report.seconds['pairs']:.1f} s, "
                f"stories {report.seconds['stories']:.1f} s, total {report.seconds['total']:.1f} s; "
                f"peak RSS per worker {', '.join(f'{v / 2**20:.0f} MB' for v in peak.values())}"
            )


def scale(n: int, days: float = 365.0, window: float = 21.0) -> None:
    """Candidate pairs (time blocks + nearest earlier + MinHash LSH) and story formation on synthetic data.

    Embeddings: 512-d, clustered (stories of 1–12 articles around a centre, noise 0.8), dates uniform over a
    year; 5% of the articles are wire copies (same MinHash but for 10% of the values). The pair scorer needs
    texts, so the same-story probability is a stand-in: a logistic of the cosine.
    """
    from storyline.batch import PairInput, StoryInput, copy_pairs, form_stories, nearest_earlier

    rng = np.random.default_rng(8)
    started = time.perf_counter()
    sizes = rng.integers(1, 13, n)
    story = np.repeat(np.arange(n), sizes)[:n]
    centres = rng.standard_normal((story.max() + 1, 512)).astype(np.float32)
    vectors = centres[story] + 0.8 * rng.standard_normal((n, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start_day = rng.uniform(0, days, story.max() + 1)
    when = np.sort(start_day[story] + rng.exponential(1.0, n))
    order = np.argsort(when, kind="stable")
    vectors, story, when = vectors[order], story[order], when[order]
    signatures = rng.integers(0, 2**32, (n, 128), dtype=np.uint32)
    copies = rng.choice(np.arange(1, n), n // 20, replace=False)
    for c in copies:
        source = max(0, c - int(rng.integers(1, 50)))
        signatures[c] = signatures[source]
        signatures[c, rng.choice(128, 12, replace=False)] = rng.integers(0, 2**32, 12, dtype=np.uint32)
    print(f"synthetic data: {n} articles, {time.perf_counter() - started:.1f} s")

    t = time.perf_counter()
    blocks = ((when - when[0]) // window).astype(np.int64)
    a_list, b_list, sim_list, copy_a, copy_b, copy_j = [], [], [], [], [], []
    for k in np.unique(blocks):
        lo = np.searchsorted(blocks, k - 1)
        q_lo, hi = np.searchsorted(blocks, k), np.searchsorted(blocks, k + 1)
        queries = np.arange(q_lo - lo, hi - lo)
        found, sims = nearest_earlier(vectors[lo:hi], queries, 30, exact_limit=40_000, threads=2)
        rows = np.repeat(queries, 30)
        keep = found.ravel() >= 0
        a_list.append(rows[keep] + lo)
        b_list.append(found.ravel()[keep] + lo)
        sim_list.append(sims.ravel()[keep])
        for q, j, s in copy_pairs(signatures[lo:hi], queries, 0.7):
            copy_a.append(q + lo)
            copy_b.append(j + lo)
            copy_j.append(s)
    a = np.concatenate([*a_list, np.array(copy_a, dtype=np.int64)])
    b = np.concatenate([*b_list, np.array(copy_b, dtype=np.int64)])
    similarity = np.concatenate([*sim_list, np.ones(len(copy_a))]).astype(np.float64)
    is_copy = np.zeros(len(a), dtype=bool)
    is_copy[len(a) - len(copy_a) :] = True
    pairs_seconds = time.perf_counter() - t
    print(f"candidate pairs: {len(a) - len(copy_a)} neighbour pairs + {len(copy_a)} copies in {pairs_seconds:.1f} s")

    t = time.perf_counter()
    probability = 1 / (1 + np.exp(-25 * (similarity - 0.35)))  # same-story cosines here are ~0.6, others ~0
    jaccard = np.where(is_copy, 0.9, np.nan)
    dims = ("Narrative", "Entities", "Geography", "Time", "Overall")
    pairs = PairInput(
        a, b, is_copy, similarity, jaccard, probability, {d: np.full(len(a), 2.0) for d in dims}, ["{}"] * len(a)
    )
    ids = [f"a{i}" for i in range(n)]
    articles = StoryInput(ids, when, ["en"] * n, ["outlet"] * n, [f"title {i}" for i in range(n)], [""] * n)
    assignments = form_stories(articles, pairs, window, 0.5)
    stories_seconds = time.perf_counter() - t
    found_story = np.array([x.story for x in assignments])
    f1 = _bcubed(found_story, story)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(
        f"stories: {found_story.max() + 1} (true {len(np.unique(story))}) in {stories_seconds:.1f} s, "
        f"BCubed F1 vs the synthetic truth {f1:.3f}; total {time.perf_counter() - started:.1f} s, "
        f"peak RSS {peak:.0f} MB"
    )


def _bcubed(pred: np.ndarray, gold: np.ndarray) -> float:
    pairs = defaultdict(int)
    for p, g in zip(pred, gold, strict=True):
        pairs[(p, g)] += 1
    size_p = np.bincount(pred)
    _, gold_idx = np.unique(gold, return_inverse=True)
    size_g = np.bincount(gold_idx)
    gmap = dict(zip(gold, gold_idx, strict=True))
    precision = sum(c * c / size_p[p] for (p, g), c in pairs.items()) / len(pred)
    recall = sum(c * c / size_g[gmap[g]] for (p, g), c in pairs.items()) / len(pred)
    return 2 * precision * recall / (precision + recall)


def agreement() -> None:
    """Batch stories vs the online clustering (`storyline cluster`) on the demo corpus, and both vs its gold."""
    from storyline.batch import read_articles, read_stories, run_batch
    from storyline.demo import corpus_path
    from storyline.stories import cluster_file

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        run_batch([corpus_path()], out)
        rows, url_of = [], {}
        for article, _, _ in read_articles(out):
            url_of[article.id] = article.url
            date = article.published.isoformat() if article.published else None
            rows.append(
                {"id": article.id, "lang": article.language, "title": article.title, "text": article.text, "date": date}
            )
        source = Path(tmp) / "in.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        cluster_file(source, Path(tmp) / "online.jsonl")
        online = {r["id"]: r["story"] for r in map(json.loads, (Path(tmp) / "online.jsonl").open())}
        batch = {m["article_id"]: s["id"] for s in read_stories(out) for m in s["members"]}
    gold_data = json.loads((corpus_path().parent / "gold.json").read_text(encoding="utf-8"))
    gold_of_url = {u: s["key"] for s in gold_data["stories"] for u in s["urls"]}
    ids = sorted(set(online) & set(batch))

    def codes(mapping: dict[str, str]) -> np.ndarray:
        labels = {v: i for i, v in enumerate(sorted(set(mapping.values())))}
        return np.array([labels[mapping[i]] for i in ids])

    gold = {i: gold_of_url.get(url_of[i] or "", i) for i in ids}
    print(
        f"{len(ids)} articles; batch {len(set(batch.values()))} stories, online {len(set(online.values()))}, "
        f"gold {len(set(gold.values()))}"
    )
    print(
        f"BCubed F1 batch vs online {_bcubed(codes(batch), codes(online)):.3f}; vs gold: batch "
        f"{_bcubed(codes(batch), codes(gold)):.3f}, online {_bcubed(codes(online), codes(gold)):.3f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["throughput", "scale", "agreement"])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    if args.what == "throughput":
        throughput(args.articles)
    elif args.what == "scale":
        scale(args.n)
    else:
        agreement()
