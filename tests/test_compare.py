"""`compare` on real articles: the worked example from ../shared/seeds and a cross-lingual pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.pipeline import articles_from_path
from storyline.records import DIMENSIONS
from storyline.score import compare
from storyline.settings import Settings

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def seeds(shared: Path, settings: Settings):  # type: ignore[no-untyped-def]
    en = articles_from_path(shared / "seeds" / "the-national-2019-02.txt", settings)[0]
    ru = articles_from_path(shared / "seeds" / "rt-2019-10.txt", settings)[0]
    return en, ru, compare(en, ru, settings)


def test_seeds_quote_is_among_the_top_evidence(seeds) -> None:  # type: ignore[no-untyped-def]
    _, _, result = seeds
    assert any(
        "take back over 800" in p.a_text and "more than 800 IS fighters" in p.b_text for p in result.aligned[:5]
    ), [(p.a_text, p.b_text) for p in result.aligned]


def test_seeds_share_places_and_are_months_apart(seeds) -> None:  # type: ignore[no-untyped-def]
    en, ru, result = seeds
    shared_places = set(result.overlaps["place"].shared)
    assert {"Syria", "Europe"} <= shared_places
    assert en.published_source == ru.published_source == "filename"
    assert result.days_apart is not None and 200 < result.days_apart < 280
    assert result.scores["Time"] >= 3.5
    assert result.scores["Narrative"] <= 2.5
    assert "800" in " ".join(result.overlaps["number"].shared)
    assert any(
        "old American habit" in s or "Sidorov" in s for s in result.b_only_sentences + result.overlaps["entity"].only_b
    )


def test_cross_lingual_pair_of_one_story_scores_similar(settings: Settings) -> None:
    en = articles_from_path(FIXTURES / "harbour-fire.html", settings)[0]
    ru = articles_from_path(FIXTURES / "harbour-fire-ru.txt", settings)[0]
    lyon = next(a for a in articles_from_path(FIXTURES / "mixed.jsonl", settings) if a.language == "en")
    same = compare(en, ru, settings)
    other = compare(en, lyon, settings)
    assert list(same.scores) == list(DIMENSIONS)
    assert all(1.0 <= v <= 4.0 for v in same.scores.values())
    assert same.scores["Overall"] < 2.5 < other.scores["Overall"]
    assert same.scores["Overall"] < other.scores["Overall"] - 1
    assert "Poland" in same.overlaps["place"].shared
    assert same.aligned and same.aligned[0].similarity > 0.6
    assert same.aligned[0].a_index < len(en.sentences) and same.aligned[0].b_index < len(ru.sentences)


def test_compare_with_the_e5_encoder(settings: Settings) -> None:
    e5 = settings.replace(encoder="multilingual-e5-small")
    en = articles_from_path(FIXTURES / "harbour-fire.html", e5)[0]
    ru = articles_from_path(FIXTURES / "harbour-fire-ru.txt", e5)[0]
    result = compare(en, ru, e5)
    assert result.aligned and result.scores["Overall"] < 3
    assert result.signals["body"] is not None and result.signals["body"] > 0.8
