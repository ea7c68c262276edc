"""WARC ingest: records/s on 2 cores and peak RSS, over a CC-NEWS-like archive built at bench time.

    python bench/warc.py [--repeat 8] [--skip-serial] [--skip-ingest]

The archive is written to a temporary folder (never into ../shared) from the 258 real news pages in
../shared/data/pages/fundus (25 languages): per page a request record and its HTML response, and for
every third page an image response and a metadata record, as a crawler writes them; gzip per record.

- **extraction only**: stream the archive and extract every page (no enrichment, no embedding), the
  pages repeated ``--repeat`` times (each copy's title made unique), in 2 worker processes — what
  ``storyline ingest`` does before enrichment — and, for comparison, in this process alone;
- **full ingest**: ``storyline.ingest`` of the 258 pages once (unique articles) into a fresh SQLite
  file, default settings (2 workers), models loaded first and timed apart.

Each measurement runs in a fresh process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, need_shared

EXTRACT = r"""
import json, resource, sys, time
from storyline.pipeline import WorkerPool
from storyline.readers import read_inputs
from storyline.readers.warc import resolve_pages
from storyline.records import Document
path, workers = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
docs = problems = 0
with WorkerPool(workers) as pool:
    for item in resolve_pages(read_inputs([path], 20_000_000), pool.get() if workers > 1 else None, ahead=2 * workers):
        if isinstance(item, Document):
            docs += 1
        else:
            problems += 1
elapsed = time.perf_counter() - t0
print(json.dumps({"docs": docs, "problems": problems, "seconds": elapsed,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

INGEST = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from storyline.embed import load_encoder
from storyline.pipeline import article_from_text, ingest
from storyline.settings import load_settings
from storyline.store import open_store
settings = load_settings()
load_encoder(settings.encoder, settings.threads)
article_from_text("Warm-up text about a fire in the port of Gdansk, Poland, on Sunday night, officials said.", "Fire")
t1 = time.perf_counter()
with open_store(sys.argv[2]) as store:
    report = ingest([sys.argv[1]], store, settings)
t2 = time.perf_counter()
print(json.dumps({"added": len(report.added), "problems": [[p.source, p.reason] for p in report.problems],
                  "load_s": t1 - t0, "ingest_s": t2 - t1,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def build_archive(path: Path, repeat: int) -> tuple[int, int]:
    """Write the fundus pages ``repeat`` times as a gzip-per-record WARC; return (records, HTML responses)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = need_shared("data/pages/fundus")
    docs = [json.loads(line) for line in (folder / "documents.jsonl").read_text().splitlines()]
    pages = [(d, gzip.decompress((folder / d["html_path"]).read_bytes())) for d in docs]
    records = responses = 0
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "storyline bench/warc.py"}))
        records += 1
        for copy in range(repeat):
            for i, (doc, html) in enumerate(pages):
                if copy:  # a distinct article per copy: the title changes wherever the page states it
                    title = doc["gold_title"].encode()
                    html = (
                        html.replace(title, title + f" ({copy})".encode())
                        if title and title in html
                        else html.replace(b"<title>", f"<title>({copy}) ".encode(), 1)
                    )
                url = doc["url"] if not copy else f"{doc['url']}#copy{copy}"
                date = doc["crawl_date"].replace(" ", "T")[:19] + "Z"
                request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news")], is_http_request=True)
                writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], "HTTP/1.1")
                writer.write_record(
                    writer.create_warc_record(
                        url, "response", payload=io.BytesIO(html), http_headers=headers,
                        warc_headers_dict={"WARC-Date": date},
                    )
                )  # fmt: skip
                records, responses = records + 2, responses + 1
                if i % 3 == 0:
                    image = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], "HTTP/1.1")
                    writer.write_record(
                        writer.create_warc_record(
                            url + ".jpg", "response", payload=io.BytesIO(b"\xff\xd8\xff" + bytes(20_000)),
                            http_headers=image,
                        )
                    )  # fmt: skip
                    writer.write_record(
                        writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 212\r\n"))
                    )
                    records += 2
    return records, responses


def _child(code: str, *args: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"the measuring process failed:\n{proc.stderr[-3000:]}")
    result: dict = json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[type-arg]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=8, help="Copies of the 258 pages in the extraction archive.")
    parser.add_argument("--skip-serial", action="store_true", help="Do not measure extraction in one process.")
    parser.add_argument("--skip-ingest", action="store_true", help="Do not measure the full ingest.")
    args = parser.parse_args()
    print(f"WARC ingest ({machine()})")
    with tempfile.TemporaryDirectory(prefix="storyline-warc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        big = tmp / "big.warc.gz"
        t0 = time.perf_counter()
        records, responses = build_archive(big, args.repeat)
        print(
            f"archive: {records:,} records ({responses:,} HTML responses), {big.stat().st_size / 1e6:.1f} MB gzip, "
            f"built in {time.perf_counter() - t0:.1f} s"
        )
        for workers in (2,) if args.skip_serial else (2, 1):
            r = _child(EXTRACT, str(big), str(workers))
            where = "2 worker processes" if workers > 1 else "1 process"
            print(
                f"extraction only, {where}: {records / r['seconds']:,.0f} records/s, "
                f"{responses / r['seconds']:.1f} pages/s ({r['docs']} articles, {r['problems']} pages without one, "
                f"{r['seconds']:.1f} s); peak RSS {r['rss_mb']:.0f} MB main, {r['worker_rss_mb']:.0f} MB worker"
            )
        if not args.skip_ingest:
            once = tmp / "once.warc.gz"
            records1, responses1 = build_archive(once, 1)
            r = _child(INGEST, str(once), str(tmp / "bench.db"))
            n = r["added"]
            print(
                f"full ingest (extract, enrich, embed, store, cluster), {responses1} pages / {records1} records: "
                f"{n} articles, {len(r['problems'])} skipped; {records1 / r['ingest_s']:.1f} records/s, "
                f"{n / r['ingest_s']:.1f} articles/s after model load ({r['ingest_s']:.1f} s, "
                f"load {r['load_s']:.1f} s); "
                f"peak RSS {r['rss_mb']:.0f} MB main, {r['worker_rss_mb']:.0f} MB worker"
            )
            for problem in r["problems"][:5]:
                print(f"  skipped: {problem}")


if __name__ == "__main__":
    main()
