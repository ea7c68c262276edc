"""Choosing the vector index: usearch vs hnswlib vs faiss on news-like vectors.

    python bench/index.py [--size 100000] [--db PATH]

Vectors: whole-text USE embeddings of real articles (from a Storyline database given with --db,
else the demo corpus), each repeated with small Gaussian noise up to --size and re-normalised —
clustered like real news, unlike uniform random vectors, which make every index look broken.
Prints, per index: build time, add latency for one more vector, query latency (p50), recall@10
against exact search, RSS growth, and whether it can save/load and delete.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_vectors(db: str | None) -> np.ndarray:
    from storyline.embed import embed_articles, load_encoder
    from storyline.store import open_store

    if db is None:
        from storyline.demo import corpus_path
        from storyline.pipeline import articles_from_path
        from storyline.settings import Settings

        articles = articles_from_path(corpus_path(), Settings())
        vectors = embed_articles(articles, load_encoder("use-multilingual-v3"), sentences=False)
    else:
        with open_store(db) as store:
            articles = list(store.iter_articles())
            vectors = embed_articles(articles, load_encoder("use-multilingual-v3"), store, sentences=False)
    return np.stack([v.body for v in vectors]).astype(np.float32)


def synthetic(seed: np.ndarray, size: int, noise: float = 0.03) -> np.ndarray:
    rng = np.random.default_rng(0)
    base = seed[rng.integers(0, len(seed), size)]
    out = base + rng.normal(scale=noise, size=base.shape).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def recall_at_10(found: list[list[int]], exact: np.ndarray) -> float:
    return float(np.mean([len(set(f[:10]) & set(e[:10].tolist())) / 10 for f, e in zip(found, exact, strict=True)]))


def bench_usearch(data: np.ndarray, queries: np.ndarray, dtype: str, search: int = 64) -> dict[str, object]:
    from usearch.index import Index

    before = rss_mb()
    index = Index(
        ndim=data.shape[1], metric="cos", dtype=dtype, connectivity=16, expansion_add=128, expansion_search=search
    )
    t = time.perf_counter()
    index.add(np.arange(len(data) - 100), data[:-100], threads=2)
    build = time.perf_counter() - t
    adds = []
    for i in range(len(data) - 100, len(data)):
        t = time.perf_counter()
        index.add(i, data[i], threads=1)
        adds.append(time.perf_counter() - t)
    lat, found = [], []
    for q in queries:
        t = time.perf_counter()
        r = index.search(q, 10, threads=1)
        lat.append(time.perf_counter() - t)
        found.append([int(k) for k in r.keys])
    with tempfile.TemporaryDirectory() as tmp:
        index.save(f"{tmp}/i.usearch")
        size = Path(f"{tmp}/i.usearch").stat().st_size
    return {
        "build": build,
        "add": statistics.median(adds),
        "query": statistics.median(lat),
        "found": found,
        "rss": rss_mb() - before,
        "file_mb": size / 1e6,
        "persist": "save/load, memory-mapped view",
        "delete": "yes",
    }


def bench_hnswlib(data: np.ndarray, queries: np.ndarray) -> dict[str, object]:
    import hnswlib

    before = rss_mb()
    index = hnswlib.Index(space="cosine", dim=data.shape[1])
    index.init_index(max_elements=len(data), ef_construction=64, M=16)
    index.set_num_threads(2)
    t = time.perf_counter()
    index.add_items(data[:-100], np.arange(len(data) - 100))
    build = time.perf_counter() - t
    index.set_num_threads(1)
    adds = []
    for i in range(len(data) - 100, len(data)):
        t = time.perf_counter()
        index.add_items(data[i : i + 1], [i])
        adds.append(time.perf_counter() - t)
    index.set_ef(64)
    lat, found = [], []
    for q in queries:
        t = time.perf_counter()
        labels, _ = index.knn_query(q, k=10)
        lat.append(time.perf_counter() - t)
        found.append([int(k) for k in labels[0]])
    return {
        "build": build,
        "add": statistics.median(adds),
        "query": statistics.median(lat),
        "found": found,
        "rss": rss_mb() - before,
        "file_mb": None,
        "persist": "save/load (whole file in RAM)",
        "delete": "soft (mark deleted)",
    }


def bench_faiss(data: np.ndarray, queries: np.ndarray) -> dict[str, object]:
    import faiss

    faiss.omp_set_num_threads(2)
    before = rss_mb()
    index = faiss.IndexHNSWFlat(data.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 64
    t = time.perf_counter()
    index.add(data[:-100])
    build = time.perf_counter() - t
    faiss.omp_set_num_threads(1)
    adds = []
    for i in range(len(data) - 100, len(data)):
        t = time.perf_counter()
        index.add(data[i : i + 1])
        adds.append(time.perf_counter() - t)
    index.hnsw.efSearch = 64
    lat, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, labels = index.search(q[None, :], 10)
        lat.append(time.perf_counter() - t)
        found.append([int(k) for k in labels[0]])
    return {
        "build": build,
        "add": statistics.median(adds),
        "query": statistics.median(lat),
        "found": found,
        "rss": rss_mb() - before,
        "file_mb": None,
        "persist": "write/read_index",
        "delete": "no (HNSW)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="a Storyline database whose articles seed the vectors")
    args = parser.parse_args()
    seed = real_vectors(args.db)
    data = synthetic(seed, args.size)
    rng = np.random.default_rng(1)
    queries = synthetic(seed[rng.integers(0, len(seed), 200)], 200, noise=0.05)
    exact = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    print(
        f"vector index choice ({machine()}): {args.size:,} vectors of {data.shape[1]} dims from "
        f"{len(seed):,} real article embeddings + noise, 200 queries"
    )
    print(
        f"{'index':32} {'build':>8} {'add one':>9} {'query p50':>10} {'recall@10':>9} {'RSS +MB':>8}  "
        "persistence / deletes"
    )
    runs = [
        ("usearch HNSW i8, ef 64 (chosen)", lambda: bench_usearch(data, queries, "i8")),
        ("usearch HNSW i8, ef 256", lambda: bench_usearch(data, queries, "i8", 256)),
        ("usearch HNSW f16", lambda: bench_usearch(data, queries, "f16")),
        ("hnswlib HNSW f32", lambda: bench_hnswlib(data, queries)),
        ("faiss HNSWFlat f32", lambda: bench_faiss(data, queries)),
    ]
    for name, run in runs:
        gc.collect()
        r = run()
        print(
            f"{name:32} {r['build']:7.1f}s {r['add'] * 1e3:7.2f}ms {r['query'] * 1e3:8.3f}ms "
            f"{recall_at_10(r['found'], exact):9.3f} {r['rss']:8.0f}  {r['persist']} / {r['delete']}"
        )


if __name__ == "__main__":
    main()
