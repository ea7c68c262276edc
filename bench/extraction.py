"""Extraction quality and speed against the two gold sets in ../shared/data/extraction.

    python bench/extraction.py [--set trafilatura|fundus|pages|all] [--baseline] [--speed] [--half dev|held]

- trafilatura's evaluation set (990 pages): segment precision/recall/F1 as trafilatura's own
  evaluation defines it — each expected segment found in the text is a true positive, each missing
  one a false negative, each unwanted segment found a false positive.
- Fundus's set (80 English pages): ROUGE-LSum F1 (rouge-score) of the text against the hand-made body.
- Fundus's multilingual pages (258 pages, 25 languages): every page must give an article; title agreement
  with the given titles per language; publish date on the same day as the Fundus parsers' date (those parsers
  read each site's own markup; not independent gold, the only dates we have), by date source.
- ``--half`` scores only one half of the trafilatura set (split by a hash of the page id): the boilerplate
  rules were written looking at ``dev`` only, so ``held`` is the honest figure for them.
- ``--baseline`` runs plain ``trafilatura.extract`` (defaults) beside Storyline's extractor.
- ``--speed`` measures pages/s of extraction alone on 2 processes, and peak RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, need_shared, peak_rss_mb


def _pages(name: str, folder_name: str = "extraction", index: str = "extraction.jsonl") -> list[dict]:  # type: ignore[type-arg]
    folder = need_shared(f"data/{folder_name}/{name}")
    rows = [json.loads(line) for line in (folder / index).read_text().splitlines()]
    for row in rows:
        with gzip.open(folder / row["html_path"]) as page:
            row["html"] = page.read()
    return rows


def storyline_text(data: bytes, url: str | None) -> str:
    from storyline.errors import InputError
    from storyline.extract import extract_html
    from storyline.readers.decode import decode_bytes

    try:
        return extract_html(decode_bytes(data), url=url).text
    except InputError:
        return ""


def trafilatura_text(data: bytes, url: str | None) -> str:
    import trafilatura

    return trafilatura.extract(data, url=url) or ""


def segment_scores(rows: list[dict], extract: Callable[[bytes, str | None], str]) -> tuple[float, float, float]:  # type: ignore[type-arg]
    tp = fn = fp = tn = 0
    for row in rows:
        text = extract(row["html"], row.get("url"))
        for segment in row.get("with_segments") or []:
            if segment in text:
                tp += 1
            else:
                fn += 1
        for segment in row.get("without_segments") or []:
            if segment in text:
                fp += 1
            else:
                tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def rouge_lsum(rows: list[dict], extract: Callable[[bytes, str | None], str]) -> float:  # type: ignore[type-arg]
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=False)
    scores = []
    for row in rows:
        text = extract(row["html"], row.get("url"))
        scores.append(scorer.score(row["gold_body"], text)["rougeLsum"].fmeasure)
    return 100 * statistics.mean(scores)


def _half(row: dict) -> str:  # type: ignore[type-arg]
    return "dev" if zlib.crc32(row["id"].encode()) % 2 == 0 else "held"


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"\W+", " ", title).lower().split())


def _extract_doc(args: tuple[bytes, str]) -> tuple[str, str, str | None, str | None] | str:
    from storyline.errors import InputError
    from storyline.extract import extract_html
    from storyline.readers.decode import decode_bytes

    data, url = args
    try:
        doc = extract_html(decode_bytes(data), url=url)
    except InputError as exc:
        return str(exc)
    return doc.title, doc.language or "", doc.published.isoformat() if doc.published else None, doc.published_source


def _same_day(found: str, gold: str) -> bool:
    a, b = datetime.fromisoformat(found), datetime.fromisoformat(gold)
    if a.tzinfo and b.tzinfo:
        close = abs((a - b).total_seconds()) < 86_400
        return close and (a.date() == b.date() or a.astimezone(b.tzinfo).date() == b.date())
    return a.date() == b.date()


def page_figures(rows: list[dict]) -> dict:  # type: ignore[type-arg]
    """Pages that gave no article, title agreement and date accuracy (overall, per language, per date source)."""
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_extract_doc, [(row["html"], row["url"]) for row in rows], chunksize=4))
    failed = [(row["id"], r) for row, r in zip(rows, results, strict=True) if isinstance(r, str)]
    by_lang: dict[str, list[bool]] = defaultdict(list)
    by_source: dict[str, list[bool]] = defaultdict(list)
    for row, result in zip(rows, results, strict=True):
        if isinstance(result, str):
            continue
        title, _, date, source = result
        by_lang[row["lang_detected"]].append(_title_key(title) == _title_key(row["gold_title"] or ""))
        if row.get("gold_date"):
            by_source[source or "none"].append(bool(date) and _same_day(date, row["gold_date"]))
    agree = [ok for oks in by_lang.values() for ok in oks]
    dated = [ok for oks in by_source.values() for ok in oks]
    return {
        "failed": failed,
        "by_lang": by_lang,
        "by_source": by_source,
        "title_agreement": sum(agree) / len(agree),
        "date_accuracy": sum(dated) / len(dated),
    }


def pages(rows: list[dict]) -> None:  # type: ignore[type-arg]
    figures = page_figures(rows)
    failed, by_lang, by_source = figures["failed"], figures["by_lang"], figures["by_source"]
    print(f"fundus pages: {len(rows) - len(failed)}/{len(rows)} pages gave an article")
    for page_id, reason in failed:
        print(f"  no article: {page_id}: {reason}")
    agree = [ok for oks in by_lang.values() for ok in oks]
    print(f"titles equal to the given title (case and punctuation aside): {sum(agree)}/{len(agree)} "
          f"= {sum(agree) / len(agree):.1%}")
    print("  per language: " + ", ".join(f"{lang} {sum(v)}/{len(v)}" for lang, v in sorted(by_lang.items())))
    dated = [ok for oks in by_source.values() for ok in oks]
    print(f"publish date on the same day as the Fundus parsers' date: {sum(dated)}/{len(dated)} = "
          f"{sum(dated) / len(dated):.1%}")
    print("  by source: " + ", ".join(f"{src} {sum(v)}/{len(v)}" for src, v in sorted(by_source.items())))


def _extract_one(data: bytes) -> int:
    return len(storyline_text(data, None))


def speed(rows: list[dict]) -> None:  # type: ignore[type-arg]
    pages = [row["html"] for row in rows]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_extract_one, pages[:10]))  # warm the workers
        start = time.perf_counter()
        list(pool.map(_extract_one, pages, chunksize=8))
        elapsed = time.perf_counter() - start
    print(f"speed: {len(pages)} pages in {elapsed:.1f} s = {len(pages) / elapsed:.1f} pages/s on 2 processes; "
          f"peak RSS {peak_rss_mb():.0f} MB (main)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["trafilatura", "fundus", "pages", "all"], default="all")
    parser.add_argument("--half", choices=["dev", "held"], default=None)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--speed", action="store_true")
    args = parser.parse_args()
    print(f"extraction ({machine()})")
    extractors = {"storyline": storyline_text}
    if args.baseline:
        extractors["trafilatura (defaults)"] = trafilatura_text
    if args.set in ("trafilatura", "all"):
        rows = [row for row in _pages("trafilatura") if args.half in (None, _half(row))]
        for name, extract in extractors.items():
            p, r, f = segment_scores(rows, extract)
            part = f" ({args.half} half)" if args.half else ""
            print(f"trafilatura set{part}, {len(rows)} pages, {name}: precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
        if args.speed:
            speed(rows)
    if args.set in ("fundus", "all"):
        rows = _pages("fundus")
        for name, extract in extractors.items():
            print(f"fundus set, {len(rows)} pages, {name}: ROUGE-LSum F1 {rouge_lsum(rows, extract):.2f}")
    if args.set in ("pages", "all"):
        pages(_pages("fundus", "pages", "documents.jsonl"))


if __name__ == "__main__":
    main()
