"""The pipeline end to end on real files, the real model and a real SQLite file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storyline.errors import ConfigError
from storyline.pipeline import Stage, article_id, build_article, check_stages, default_stages, ingest
from storyline.records import Document
from storyline.settings import Settings
from storyline.store import Store

from .conftest import FIXTURES


def test_stages_are_checked_before_anything_runs() -> None:
    stages = default_stages()
    check_stages(stages)
    reordered = [stages[2], *stages[:2], *stages[3:]]  # places before language
    with pytest.raises(ConfigError, match="stage 'places' needs language"):
        check_stages(reordered)
    extra = Stage("custom", frozenset({"mentions.quote"}), frozenset(), lambda a: a)
    with pytest.raises(ConfigError, match=r"mentions\.quote"):
        check_stages([*stages, extra])


def test_ids_are_stable_and_content_based(settings: Settings) -> None:
    doc = Document(
        text="A  fire destroyed three warehouses in the port of Gdansk on Sunday night, officials said.",
        title="Fire in Gdansk",
    )
    again = Document(text=doc.text.replace("  ", " ") + "\n", title=" Fire in Gdansk ", url="https://other.example/x")
    assert (
        build_article(doc, settings).id
        == build_article(again, settings).id
        == article_id(
            "Fire in Gdansk", "A fire destroyed three warehouses in the port of Gdansk on Sunday night, officials said."
        )
    )


def test_one_word_text_is_refused_with_the_fix(settings: Settings) -> None:
    from storyline.errors import InputError

    with pytest.raises(InputError, match="the text has 1 word, fewer than the 12 an article needs"):
        build_article(Document(text="Breaking"), settings)


def test_ingest_is_idempotent_and_enriches(tmp_path: Path, store: Store, settings: Settings) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("harbour-fire.html", "harbour-fire-ru.txt", "mixed.jsonl"):
        shutil.copy(FIXTURES / name, folder / name)
    report = ingest([folder], store, settings)
    assert len(report.added) == 4 and not report.unchanged
    assert len(report.problems) == 2  # the two bad JSONL lines, with their line numbers
    assert store.count_articles() == 4
    again = ingest([folder], store, settings)
    assert not again.added and len(again.unchanged) == 4
    assert store.count_articles() == 4

    stored = list(store.iter_articles())
    assert sorted(a.language or "" for a in stored) == ["ar", "en", "en", "ru"]
    by_lang = {a.language: a for a in stored if "Lyon" not in a.title}
    en = by_lang["en"]
    assert en.language_confidence > 0.5
    assert all(s.language == "en" for s in en.sentences)
    places = {m.key for m in en.mentions if m.kind == "place"}
    assert "country:PL" in places
    ru_places = {m.key for m in by_lang["ru"].mentions if m.kind == "place"}
    ar_places = {m.key for m in by_lang["ar"].mentions if m.kind == "place"}
    assert "country:PL" in ru_places and "country:PL" in ar_places
    numbers = {m.attrs["value"] for m in en.mentions if m.kind == "number"}
    assert {120.0, 6000.0} <= numbers
    assert 6000.0 in {m.attrs["value"] for m in by_lang["ru"].mentions if m.kind == "number"}
    assert any(m.kind == "entity" and m.label == "Tomasz Wrona" for m in en.mentions)
    for a in store.iter_articles():
        for m in a.mentions:
            assert a.text[m.start : m.end] == m.text
            assert a.sentences[m.sentence].start <= m.start < a.sentences[m.sentence].end


def test_a_bad_file_in_a_batch_does_not_stop_the_rest(tmp_path: Path, store: Store, settings: Settings) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "b.txt").write_text("Hi")
    shutil.copy(FIXTURES / "harbour-fire.html", folder / "c.html")
    report = ingest([folder], store, settings)
    assert len(report.added) == 1
    assert {Path(p.source).name for p in report.problems} == {"a.bin", "b.txt"}
    assert {Path(p.source).name for p in store.list_problems()} == {"a.bin", "b.txt"}


def test_load_article_prefers_the_stored_copy(store: Store, settings: Settings) -> None:
    from storyline.errors import InputError
    from storyline.pipeline import load_article

    ingest([FIXTURES / "harbour-fire.html"], store, settings)
    article = load_article(FIXTURES / "harbour-fire.html", store, settings)
    assert article == store.get_article(article.id)
    assert load_article(article.id[:6], store, settings).id == article.id
    with pytest.raises(InputError, match="neither an existing file nor a stored article id"):
        load_article("nope", store, settings)
    with pytest.raises(InputError, match="not a file"):
        load_article("abc", None, settings)
