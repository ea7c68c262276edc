"""Readers, format detection and bad input: every bad file gets a one-line reason; the rest go in."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from storyline.readers import detect_format, read_paths
from storyline.records import Document, Problem

from .conftest import FIXTURES

MAX = 20_000_000


def _read(*paths: Path, max_bytes: int = MAX) -> tuple[list[Document], list[Problem]]:
    docs: list[Document] = []
    problems: list[Problem] = []
    for item in read_paths(paths, max_bytes):
        (problems if isinstance(item, Problem) else docs).append(item)  # type: ignore[arg-type]
    return docs, problems


def test_html_reader_extracts_text_title_date_outlet() -> None:
    docs, problems = _read(FIXTURES / "harbour-fire.html")
    assert not problems
    [doc] = docs
    assert doc.title == "Fire destroys warehouses in Gdansk harbour"
    assert "More than 120 firefighters" in doc.text
    assert "cookies" not in doc.text and "Tallinn opens new tram line" not in doc.text
    assert doc.url == "https://baltic-ledger.example/news/2026/05/04/gdansk-harbour-fire"
    assert doc.outlet == "baltic-ledger.example"
    assert doc.published is not None and doc.published.isoformat() == "2026-05-04T09:15:00+00:00"
    assert doc.published_source == "html:meta"
    assert doc.authors == ["Marta Lindqvist"]
    assert doc.format == "html"


def test_text_reader_takes_first_line_as_title() -> None:
    [doc], _ = _read(FIXTURES / "harbour-fire-ru.txt")
    assert doc.title == "Пожар уничтожил зерновые склады в порту Гданьска"
    assert doc.text.startswith("Крупный пожар")
    assert doc.format == "text"


def test_jsonl_reader_accepts_news_please_and_plain_fields_and_reports_bad_lines() -> None:
    docs, problems = _read(FIXTURES / "mixed.jsonl")
    assert [d.title[:5] for d in docs] == ["حريق ", "Lyon "]
    arabic, plain = docs
    assert arabic.outlet == "levant-desk.example" and arabic.language == "ar"
    assert arabic.published is not None and arabic.published.year == 2026 and arabic.published_source == "jsonl"
    assert arabic.authors == ["Rami Haddad"]
    assert plain.published is not None and plain.published.month == 6
    assert plain.outlet is None
    reasons = {p.source.rsplit("#", 1)[1]: p.reason for p in problems}
    assert set(reasons) == {"3", "4"}
    assert "line 3 is not valid JSON" in reasons["3"]
    assert "no article text" in reasons["4"]


def test_format_is_detected_from_content_not_extension(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_bytes((FIXTURES / "harbour-fire.html").read_bytes())
    (tmp_path / "lines.html").write_bytes((FIXTURES / "mixed.jsonl").read_bytes())
    (tmp_path / "story.dat").write_bytes((FIXTURES / "harbour-fire-ru.txt").read_bytes())
    with gzip.open(tmp_path / "packed.gz", "wb") as fh:
        fh.write((FIXTURES / "harbour-fire.html").read_bytes().replace(b"Gdansk harbour", b"Gdansk port"))
    docs, _ = _read(tmp_path)
    formats = sorted(d.format for d in docs)
    assert formats == ["html", "html", "jsonl", "jsonl", "text"]
    assert detect_format(b'  {"title": "x"}\n') == "jsonl"
    assert detect_format(b"<!DOCTYPE html><html>") == "html"
    assert detect_format(b'<?xml version="1.0"?><rss version="2.0">') == "feed"
    assert detect_format(b"Just some words\nand more") == "text"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        (
            "cp1251",
            "Пожар в порту\nКрупный пожар уничтожил три склада в порту Гданьска на севере Польши в воскресенье.",
        ),
        (
            "latin-1",
            "Incendie au port\nUn grand incendie a détruit trois entrepôts à Gdańsk, près de la mer, dimanche soir.",
        ),
        ("utf-16", "Fire at the port\nA large fire destroyed three warehouses in the port of Gdansk on Sunday night."),
    ],
)
def test_wrong_encodings_are_decoded(tmp_path: Path, encoding: str, text: str) -> None:
    if encoding == "latin-1":
        text = text.replace("ń", "n")
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    [doc], problems = _read(path)
    assert not problems
    assert doc.title == text.splitlines()[0]
    assert doc.text == text.splitlines()[1]


def test_bad_inputs_each_get_a_reason_and_the_rest_go_in(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"   \n\n  ")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "nav-only.html").write_text(
        "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    )
    (tmp_path / "truncated.html.gz").write_bytes(gzip.compress((FIXTURES / "harbour-fire.html").read_bytes())[:300])
    big = tmp_path / "huge.html"
    with big.open("wb") as fh:
        fh.write(b"<html><body><p>" + b"word " * (50 * 1024 * 1024 // 5) + b"</p></body></html>")
    shutil.copy(FIXTURES / "harbour-fire.html", tmp_path / "good.html")
    docs, problems = _read(tmp_path)
    assert [Path(d.source).name for d in docs] == ["good.html"]
    reasons = {Path(p.source).name: p.reason for p in problems}
    assert reasons["empty.txt"] == "the file is empty"
    assert reasons["blank.txt"] == "the file is empty"
    assert "binary file" in reasons["binary.bin"]
    assert "no article text was found" in reasons["nav-only.html"]
    assert "truncated" in reasons["truncated.html.gz"]
    assert "over the 20 MB limit" in reasons["huge.html"] and "max_bytes" in reasons["huge.html"]
    assert all("\n" not in r for r in reasons.values())


def test_missing_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    docs, problems = _read(tmp_path / "nope.html")
    assert not docs
    assert "no such file" in problems[0].reason
