"""Place mentions from the gazetteer: real CLDR and GeoNames data, no mocks."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import pytest

from storyline.enrich.places import find_places, prepare
from storyline.records import Mention

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

WASHINGTON_DC = "city:4140963"
LONDON_GB = "city:2643743"
MOSCOW = "city:524901"
WARSAW = "city:756135"
IZMIR = "city:311046"


def places(text: str, language: str | None) -> list[Mention]:
    """``find_places`` plus the invariants every result must keep."""
    mentions = find_places(text, language)
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert m.kind == "place"
        assert m.attrs["feature"] in ("country", "continent", "city", "region")
    for a, b in pairwise(mentions):
        assert a.end <= b.start, "mentions are sorted and do not overlap"
    return mentions


def keys(text: str, language: str | None) -> list[str]:
    return [m.key for m in places(text, language)]


def test_english_countries_continents_and_cities() -> None:
    text = (
        "Trump said the countries of Europe must take back fighters held in Syria and Iraq. "
        "Officials in Washington and London say the US will not keep them."
    )
    found = places(text, "en")
    assert [(m.text, m.key) for m in found] == [
        ("Europe", "continent:EU"),
        ("Syria", "country:SY"),
        ("Iraq", "country:IQ"),
        ("Washington", WASHINGTON_DC),
        ("London", LONDON_GB),
        ("US", "country:US"),
    ]
    assert found[1].label == "Syria"
    assert found[3].label == "Washington"


def test_city_attributes() -> None:
    (london,) = places("Talks continued in London on Monday.", "en")
    assert london.attrs["country"] == "GB"
    assert london.attrs["population"] > 8_000_000
    assert london.attrs["lat"] == pytest.approx(51.5, abs=0.2)
    assert london.attrs["lon"] == pytest.approx(-0.1, abs=0.2)


def test_country_continent_and_state_attributes() -> None:
    syria, europe, california = places("Syria, Europe and California.", "en")
    assert (syria.attrs["feature"], syria.attrs["country"], syria.attrs["lat"]) == ("country", "SY", None)
    assert syria.attrs["population"] > 10_000_000
    assert europe.attrs["feature"] == "continent" and europe.attrs["country"] is None
    assert isinstance(europe.attrs["lat"], float)
    assert (california.key, california.attrs["feature"], california.attrs["country"]) == (
        "region:US-CA",
        "region",
        "US",
    )


def test_abbreviations_are_case_sensitive() -> None:
    assert keys("The U.S. and the USA, the UK and the UAE.", "en") == [
        "country:US",
        "country:US",
        "country:GB",
        "country:AE",
    ]
    assert keys("Let us go. Us and them.", "en") == []


def test_russian_inflected_forms() -> None:
    text = "Трамп призвал страны Европы забрать боевиков из Сирии"
    assert [(m.text, m.key) for m in places(text, "ru")] == [
        ("Европы", "continent:EU"),
        ("Сирии", "country:SY"),
    ]
    text = "В Москве говорили о Сирию, Европе, Германии и Турции."
    assert keys(text, "ru") == [MOSCOW, "country:SY", "continent:EU", "country:DE", "country:TR"]


def test_russian_multiword_names_inflect_every_word() -> None:
    text = "Представители Соединенных Штатов на Ближнем Востоке"
    assert keys(text, "ru") == ["country:US", "region:middle-east"]


def test_arabic_clitics_are_stripped() -> None:
    found = places("وفي سوريا قالوا إن الوضع بسوريا صعب", "ar")
    assert [(m.text, m.key) for m in found] == [("سوريا", "country:SY"), ("سوريا", "country:SY")]
    assert found[1].start == len("وفي سوريا قالوا إن الوضع ب")


def test_arabic_letter_variants_and_multiword_names() -> None:
    text = "سورية والعراق وللعراق والولايات المتحدة وأوروبا"
    assert keys(text, "ar") == ["country:SY", "country:IQ", "country:IQ", "country:US", "continent:EU"]
    (syria,) = places("في سُورِيَا", "ar")
    assert syria.text == "سُورِيَا"


def test_chinese_substring_scan() -> None:
    text = "特朗普呼吁欧洲国家从叙利亚接回武装分子"
    assert [(m.text, m.key) for m in places(text, "zh")] == [
        ("欧洲", "continent:EU"),
        ("叙利亚", "country:SY"),
    ]


def test_chinese_longest_match_and_blockers() -> None:
    assert keys("巴布亚新几内亚和几内亚", "zh") == ["country:PG", "country:GN"]
    assert keys("许多发展中国家", "zh") == []
    assert keys("他在北京和伦敦", "zh") == ["city:1816670", LONDON_GB]


def test_japanese_katakana_name_inside_a_longer_word_is_skipped() -> None:
    assert keys("マリオはシリアへ行った", "ja") == ["country:SY"]


def test_turkish_apostrophe_suffixes() -> None:
    (izmir,) = places("İzmir'de deprem", "tr")
    assert (izmir.text, izmir.key) == ("İzmir", IZMIR)
    assert keys("Türkiye'nin güneyinde, Suriye'de ve Irak'ta", "tr") == ["country:TR", "country:SY", "country:IQ"]
    assert keys("Suriyeden gelenler", "tr") == ["country:SY"]


def test_polish_locative_forms() -> None:
    found = places("Spotkanie w Polsce i Niemczech, potem w Warszawie i Syrii", "pl")
    assert [m.key for m in found] == ["country:PL", "country:DE", WARSAW, "country:SY"]
    assert found[2].text == "Warszawie"


def test_german_genitive() -> None:
    assert [(m.text, m.key) for m in places("Die Zukunft Syriens und Deutschlands", "de")] == [
        ("Syriens", "country:SY"),
        ("Deutschlands", "country:DE"),
    ]


@pytest.mark.parametrize(
    ("language", "text", "surface"),
    [
        ("en", "Fighters in Syria surrendered.", "Syria"),
        ("ru", "Боевики в Сирии сдались.", "Сирии"),
        ("ar", "استسلم المقاتلون في سوريا.", "سوريا"),
        ("zh", "武装分子在叙利亚投降。", "叙利亚"),
        ("tr", "Suriye'deki militanlar teslim oldu.", "Suriye"),
        ("de", "Kämpfer in Syrien ergaben sich.", "Syrien"),
        ("fr", "Les combattants en Syrie se sont rendus.", "Syrie"),
        ("es", "Los combatientes en Siria se rindieron.", "Siria"),
        ("it", "I combattenti in Siria si sono arresi.", "Siria"),
        ("pl", "Bojownicy w Syrii się poddali.", "Syrii"),
        (None, "Боевики в Сирии сдались.", "Сирии"),
    ],
)
def test_same_key_across_languages(language: str | None, text: str, surface: str) -> None:
    (syria,) = places(text, language)
    assert (syria.text, syria.key, syria.label) == (surface, "country:SY", "Syria")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Tensions in the Middle East rose."),
        ("ru", "Напряжённость на Ближнем Востоке растёт."),
        ("ar", "تصاعد التوتر في الشرق الأوسط."),
        ("zh", "中东局势紧张。"),
        ("de", "Die Lage im Nahen Osten."),
    ],
)
def test_middle_east_across_languages(language: str, text: str) -> None:
    assert keys(text, language) == ["region:middle-east"]


def test_unknown_language_handles_every_script() -> None:
    text = "Trump urged Europe; Трамп призвал Европу; ترامب يدعو أوروبا; 特朗普呼吁欧洲"
    assert keys(text, None) == ["continent:EU"] * 4


def test_longest_match_wins() -> None:
    assert keys("South Africa, Guinea-Bissau and the United States of America.", "en") == [
        "country:ZA",
        "country:GW",
        "country:US",
    ]
    (mention,) = places("Rebels in Papua New Guinea.", "en")
    assert mention.text == "Papua New Guinea"


def test_common_words_are_not_cities() -> None:
    """Rule: a city named like a common word needs a place preposition or ", <region>"."""
    assert places("Of course, Say and Mobile are not places here.", "en") == []
    assert places("Nice work, said Bath.", "en") == []
    assert places("Police said Reading is fun.", "en") == []
    assert keys("We drove to Nice, then to Mobile, Alabama.", "en") == [
        "city:2990440",
        "city:4076598",
        "region:US-AL",
    ]


def test_month_is_not_a_city_even_after_a_preposition() -> None:
    assert places("In March the talks resumed.", "en") == []


def test_city_inside_a_longer_capitalised_name_is_dropped() -> None:
    assert places("The Washington Post and Paris Saint-Germain said so.", "en") == []
    assert places("Prime Minister Stefan Leuven said", "en") == []
    assert keys("Michael Jordan visited Jordan.", "en") == ["country:JO"]


def test_all_caps_words_are_only_countries() -> None:
    assert keys("NICE guidance: LONDON IS CALLING, SYRIA WAR", "en") == ["country:SY"]


def test_small_town_needs_context() -> None:
    assert places("Obama said the deal was good.", "en") == []


def test_empty_text_and_language_tags() -> None:
    assert places("", None) == []
    assert places(" ,.;!? ", "en") == []
    assert keys("Боевики в Сирии", "ru-RU") == keys("Боевики в Сирии", "RU") == ["country:SY"]


def test_index_is_built_once() -> None:
    prepare()
    first = find_places("Syria and Iraq", "en")
    prepare()
    assert find_places("Syria and Iraq", "en") == first


def test_matching_is_fast() -> None:
    prepare()
    sentence = "Trump said European countries must take back fighters captured in Syria and Iraq. "
    article = sentence * 36  # about 500 words
    start = time.perf_counter()
    for _ in range(10):
        find_places(article, "en")
    assert (time.perf_counter() - start) / 10 < 0.05


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rt-2019-10.txt", {"country:SY", "continent:EU", "country:IQ", "country:TR"}),
        ("the-national-2019-02.txt", {"country:SY", "continent:EU"}),
    ],
)
def test_seed_articles(name: str, expected: set[str]) -> None:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"seed article {path} is not here")
    found = {m.key for m in places(path.read_text(encoding="utf-8"), "en")}
    assert expected <= found
