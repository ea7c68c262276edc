"""WARC archives: HTML responses become articles, everything else is passed over, bad archives go as far as they can.

Every archive here is written at test time with warcio's WARCWriter from pages written below.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.errors import ConfigError
from storyline.filters import IngestFilter
from storyline.pipeline import WorkerPool, ingest
from storyline.readers import read_bytes, read_inputs, read_paths
from storyline.readers.warc import WarcPage, resolve_pages
from storyline.records import Document, Problem
from storyline.settings import Settings
from storyline.store import open_store

from .conftest import run_cli

MAX = 20_000_000
CRAWLED = "2026-05-06T08:00:00Z"

FIRE_EN = (
    "A large fire destroyed three grain warehouses in the port of Gdansk on Sunday night, the city's fire service "
    "said. More than 120 firefighters fought the blaze for nine hours before bringing it under control early on "
    "Monday. Nobody was hurt, but the port authority closed two quays while investigators examine the cause of the "
    "fire, which began in a conveyor belt according to the first reports from the scene."
)
FIRE_DE = (
    "Ein Großbrand hat in der Nacht zum Montag drei Getreidelager im Hafen von Danzig zerstört, wie die Feuerwehr "
    "der Stadt mitteilte. Mehr als 120 Feuerwehrleute kämpften neun Stunden lang gegen die Flammen, bevor sie das "
    "Feuer am frühen Morgen unter Kontrolle brachten. Verletzt wurde niemand, doch die Hafenverwaltung sperrte zwei "
    "Kais, während Ermittler die Ursache des Brandes untersuchen, der an einem Förderband ausgebrochen sein soll."
)
FIRE_FR = (
    "Un violent incendie a détruit trois entrepôts de céréales dans le port de Gdansk dans la nuit de dimanche à "
    "lundi, ont indiqué les pompiers de la ville. Plus de 120 pompiers ont lutté pendant neuf heures contre les "
    "flammes avant de maîtriser le feu au petit matin. Personne n'a été blessé, mais l'autorité portuaire a fermé "
    "deux quais pendant que les enquêteurs cherchent la cause de l'incendie, parti d'un tapis roulant."
)
TRAM_EN = (
    "Tallinn opened its new tram line to the airport on Saturday after two years of construction work, the city "
    "government said. The line is four kilometres long and has six stops, and trams will run every ten minutes from "
    "early morning until midnight. Officials expect about eight thousand passengers a day once the new timetable "
    "settles, and tickets bought for buses are valid on the trams as well."
)


def page(title: str, body: str, date: str | None = None, lang: str = "en") -> bytes:
    """An article page as a news site serves it: navigation, the article, a footer; a declared date or none."""
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    paragraphs = "".join(f"<p>{sentence.strip()}.</p>" for sentence in body.split(". ") if sentence.strip())
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{meta}</head>'
        f'<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{title}</h1>{paragraphs}</article><footer>© News</footer></body></html>"
    ).encode()


def response(writer: WARCWriter, url: str, body: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK", date: str = CRAWLED) -> None:  # fmt: skip
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=headers, warc_headers_dict={"WARC-Date": date}
    )
    writer.write_record(record)


def write_archive(path: Path, pages: list[tuple[str, bytes]], gz: bool = True, noise: bool = True) -> Path:
    """A WARC file like a crawler's: warcinfo, then per page a request and a response, with non-HTML records between."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "storyline-tests"}))
        for url, body in pages:
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example")], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            response(writer, url, body)
            if noise:
                response(writer, url + "/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
                response(writer, url + "/gone", page("Not found", "Nothing here"), status="404 Not Found")
                writer.write_record(
                    writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 120\r\n"))
                )
    return path


def split_members(data: bytes) -> list[bytes]:
    """The decompressed gzip members of a gzip-per-record WARC: one record each."""
    members = []
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        members.append(decompressor.decompress(data))
        data = decompressor.unused_data
    return members


def _read(*paths: Path, max_bytes: int = MAX) -> tuple[list[Document], list[Problem]]:
    docs: list[Document] = []
    problems: list[Problem] = []
    for item in read_paths(paths, max_bytes):
        (problems if isinstance(item, Problem) else docs).append(item)  # type: ignore[arg-type]
    return docs, problems


TWO_PAGES = [
    ("https://baltic-ledger.example/news/gdansk-fire", page("Fire destroys grain warehouses in Gdansk", FIRE_EN,
                                                             date="2026-05-04T09:15:00+02:00")),
    ("https://tallinn-times.example/city/tram", page("Tallinn opens tram line to the airport", TRAM_EN)),
]  # fmt: skip


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_html_responses_become_documents_and_other_records_are_passed_over(tmp_path: Path, gz: bool) -> None:
    path = write_archive(tmp_path / ("crawl.warc.gz" if gz else "crawl.warc"), TWO_PAGES, gz=gz)
    docs, problems = _read(path)
    assert problems == []  # request, metadata, warcinfo, image and 404 records make no noise
    fire, tram = docs
    assert fire.url == "https://baltic-ledger.example/news/gdansk-fire" and fire.outlet == "baltic-ledger.example"
    assert fire.title == "Fire destroys grain warehouses in Gdansk" and "120 firefighters" in fire.text
    assert fire.format == "warc" and fire.source.startswith(f"{path}#")
    # the page's own date wins; the crawl date is only the fallback
    assert fire.published == datetime(2026, 5, 4, 7, 15, tzinfo=UTC) and fire.published_source == "html:meta"
    assert tram.published == datetime(2026, 5, 6, 8, 0, tzinfo=UTC) and tram.published_source == "warc"


def test_a_truncated_archive_keeps_the_records_before_the_break(tmp_path: Path) -> None:
    whole = write_archive(tmp_path / "whole.warc.gz", TWO_PAGES, noise=False).read_bytes()
    members = split_members(whole)
    assert len(members) == 5  # warcinfo, then request + response per page
    keep = len(b"".join(gzip.compress(m) for m in members[:4]))
    # recompress member by member so that the cut falls inside the last response
    rebuilt = b"".join(gzip.compress(m) for m in members)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(rebuilt[: keep + (len(rebuilt) - keep) // 2])
    docs, problems = _read(cut)
    assert [d.url for d in docs] == ["https://baltic-ledger.example/news/gdansk-fire"]
    [problem] = problems
    assert problem.source == str(cut)
    assert "ends early, after 4 complete records" in problem.reason and "download it again" in problem.reason


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_a_record_with_broken_headers_is_skipped_and_reading_resumes(tmp_path: Path, gz: bool) -> None:
    pages = [*TWO_PAGES, ("https://third.example/a", page("Third article about the tram", TRAM_EN + " Third."))]
    members = split_members(write_archive(tmp_path / "ok.warc.gz", pages, noise=False).read_bytes())
    members[4] = members[4].replace(b"WARC/1.0\r\n", b"WARC/1.0 garbled\r\nno colon on this line\r\n", 1)
    members[4] = members[4].replace(b"WARC/1.0 garbled", b"WRAC/1.0", 1)
    broken = tmp_path / ("broken.warc.gz" if gz else "broken.warc")
    broken.write_bytes(b"".join(gzip.compress(m) for m in members) if gz else b"".join(members))
    docs, problems = _read(broken)
    assert [d.url for d in docs] == ["https://baltic-ledger.example/news/gdansk-fire", "https://third.example/a"]
    [problem] = problems
    assert problem.source == f"{broken}#5"
    assert "record 5 has broken WARC headers" in problem.reason and "WRAC/1.0" in problem.reason


def test_a_record_without_a_valid_length_is_skipped(tmp_path: Path) -> None:
    members = split_members(write_archive(tmp_path / "ok.warc.gz", TWO_PAGES, noise=False).read_bytes())
    start, rest = members[2].split(b"Content-Length: ", 1)
    members[2] = start + b"Content-Length: many" + rest[rest.index(b"\r\n") :]
    broken = tmp_path / "length.warc.gz"
    broken.write_bytes(b"".join(gzip.compress(m) for m in members))
    docs, problems = _read(broken)
    assert [d.url for d in docs] == ["https://tallinn-times.example/city/tram"]
    assert [p.reason for p in problems] == ["record 3 has no valid Content-Length header; it was skipped"]


def test_a_file_named_warc_that_is_not_one_is_a_clear_problem(tmp_path: Path) -> None:
    (tmp_path / "page.warc").write_bytes(page("A page", FIRE_EN))
    with gzip.open(tmp_path / "notes.warc.gz", "wb") as fh:
        fh.write(b"just some notes, not an archive\n")
    docs, problems = _read(tmp_path)
    assert docs == []
    assert len(problems) == 2
    for problem in problems:
        assert "named like a WARC archive but is not one" in problem.reason and "rename" in problem.reason


def test_archives_are_streamed_and_max_bytes_applies_to_each_record(tmp_path: Path) -> None:
    big = page("A very long page", FIRE_EN + " " + " ".join(["Filler words for a long page."] * 400))
    path = write_archive(tmp_path / "crawl.warc", [*TWO_PAGES, ("https://big.example/long", big)], gz=False)
    limit = len(big) - 100  # smaller than the file and than one page, larger than the others
    assert limit < path.stat().st_size
    docs, problems = _read(path, max_bytes=limit)
    assert [d.url for d in docs] == [url for url, _ in TWO_PAGES]
    [problem] = problems
    assert problem.source.startswith(f"{path}#") and "https://big.example/long" in problem.reason
    assert "over the" in problem.reason and "max_bytes" in problem.reason


def test_warc_bytes_in_memory_go_through_the_registered_reader(tmp_path: Path) -> None:
    data = write_archive(tmp_path / "crawl.warc.gz", TWO_PAGES).read_bytes()
    found = list(read_bytes(data, "upload.warc.gz", MAX))
    assert [d.url for d in found if isinstance(d, Document)] == [url for url, _ in TWO_PAGES]


def test_pages_are_extracted_in_worker_processes_in_order(tmp_path: Path) -> None:
    pages = [(f"https://site{i}.example/a", page(f"Tram story number {i}", f"Part {i}. {TRAM_EN}")) for i in range(11)]
    write_archive(tmp_path / "a.warc.gz", pages[:7])
    (tmp_path / "b.html").write_bytes(page("Fire in Gdansk", FIRE_EN))
    write_archive(tmp_path / "c.warc", pages[7:], gz=False)
    items = list(read_inputs([tmp_path], MAX))
    assert sum(isinstance(i, WarcPage) for i in items) == 11
    serial = [d.url for d in resolve_pages(items) if isinstance(d, Document)]
    with WorkerPool(2) as pool:
        parallel = [d.url for d in resolve_pages(items, pool.get(), chunk=3, ahead=2) if isinstance(d, Document)]
    assert parallel == serial
    assert serial == [url for url, _ in pages[:7]] + [None, *(url for url, _ in pages[7:])]


def test_filter_options_are_checked() -> None:
    keep = IngestFilter.parse("DE, fr", "2026-05-01", "2026-05-04")
    assert keep.languages == {"de", "fr"} and keep.active
    assert keep.keeps_date(datetime(2026, 5, 4, 23, 59))  # a plain --until day is included whole
    assert not keep.keeps_date(datetime(2026, 5, 5, 0, 0, tzinfo=UTC))
    assert not keep.keeps_date(datetime(2026, 4, 30, 23, 0, tzinfo=UTC)) and not keep.keeps_date(None)
    assert not IngestFilter().active and IngestFilter().keeps_date(None)
    with pytest.raises(ConfigError, match="not a language code"):
        IngestFilter.parse("german")
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        IngestFilter.parse(since="last week")
    with pytest.raises(ConfigError, match="not before --until"):
        IngestFilter.parse(since="2026-05-05", until="2026-05-01")


def _languages_archive(path: Path) -> Path:
    return write_archive(
        path,
        [
            ("https://baltic-ledger.example/gdansk-fire", page("Fire destroys grain warehouses in Gdansk", FIRE_EN)),
            ("https://rheinblick.example/danzig", page("Großbrand im Hafen von Danzig", FIRE_DE, lang="de")),
            ("https://le-quai.example/gdansk", page("Incendie dans le port de Gdansk", FIRE_FR, lang="fr")),
            ("https://tallinn-times.example/tram", page("Tallinn opens tram line to the airport", TRAM_EN,
                                                        date="2026-04-20T10:00:00Z")),
        ],
    )  # fmt: skip


@pytest.mark.slow
def test_ingest_a_warc_into_sqlite_with_filters(tmp_path: Path, settings: Settings) -> None:
    """The language filter uses the detected language; the date filter the page's date, else the crawl date."""
    archive = _languages_archive(tmp_path / "crawl.warc.gz")
    with open_store(tmp_path / "filtered.db") as store:
        report = ingest([archive], store, settings, keep=IngestFilter.parse("de,en", since="2026-05-01"))
        assert report.problems == []
        assert report.filtered == {"date": 1, "language": 1}  # the tram page (April), the French page
        stored = {a.language: a for a in store.iter_articles()}
        assert set(stored) == {"en", "de"}
        assert {a.published_source for a in stored.values()} == {"warc"}
    with open_store(tmp_path / "filtered.db") as store:
        report = ingest([archive], store, settings)  # unfiltered: the other two join, nothing stored is lost
        assert len(report.added) == 2 and len(report.unchanged) == 2 and report.filtered == {}
        assert store.count_articles() == 4


@pytest.mark.slow
def test_storyline_ingest_reads_a_warc_and_clusters_it(tmp_path: Path) -> None:
    inputs = tmp_path / "crawls"
    inputs.mkdir()
    archive = _languages_archive(inputs / "crawl.warc.gz")
    (inputs / "bad.warc").write_bytes(b"not an archive at all\n")
    db = str(tmp_path / "news.db")
    result = run_cli("ingest", str(inputs), "--db", db, "--json", "--since", "2026-05-01")
    summary = json.loads(result.stdout)
    assert summary["added"] == 3 and summary["skipped"] == 1 and summary["filtered"] == {"date": 1}
    assert "bad.warc: it is named like a WARC archive but is not one" in result.stderr
    text = run_cli("ingest", str(archive), "--db", db, "--lang", "en").stdout
    assert text.startswith("1 added, 3 already stored, 0 skipped")  # stored articles are never filtered
    stories = json.loads(run_cli("stories", "--db", db, "--json").stdout)
    assert sum(s["size"] for s in stories) == 4  # every article is in a story
    fire = max(stories, key=lambda s: s["size"])
    assert fire["size"] >= 2 and "Gdansk" in json.dumps(fire["labels"]) + fire["label"]
