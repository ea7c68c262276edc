from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import pytest

from storyline.enrich.numbers import find_numbers
from storyline.records import Mention

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def _numbers(text: str, language: str | None) -> list[Mention]:
    """find_numbers, with the contract every call must keep: offsets, order, no overlap."""
    found = find_numbers(text, language)
    for m in found:
        assert text[m.start : m.end] == m.text
        assert m.kind == "number" and m.key == f"number:{m.attrs['value']:g}"
    assert all(a.end <= b.start for a, b in pairwise(found))
    return found


def _values(text: str, language: str | None) -> list[float]:
    return [m.attrs["value"] for m in _numbers(text, language)]


def _one(text: str, language: str | None, value: float) -> Mention:
    matching = [m for m in _numbers(text, language) if m.attrs["value"] == pytest.approx(value)]
    assert len(matching) == 1, (value, [(m.text, m.attrs["value"]) for m in _numbers(text, language)])
    return matching[0]


# --- one realistic sentence per language ----------------------------------------------------------------------

SENTENCES = [
    ("en", "Trump said more than 800 IS fighters were held, and about 11 thousand people remain in camps.",
     [(800, "more than 800", "fighters", "more than"), (11000, "about 11 thousand", "people", "about")]),
    ("de", "Nach Angaben der Behörden wurden mehr als 4.000 Menschen evakuiert, rund 1,8 Millionen sind ohne Strom.",
     [(4000, "mehr als 4.000", "menschen", "more than"), (1_800_000, "rund 1,8 Millionen", None, "about")]),
    ("es", "Más de 4.000 combatientes y unos 1,8 millones de desplazados, según la ONU.",
     [(4000, "Más de 4.000", "combatientes", "more than"), (1_800_000, "unos 1,8 millones", "desplazados", "about")]),
    ("fr", "Plus de 4\u00a0000 combattants étrangers sont détenus, dont environ 800 Français.",
     [(4000, "Plus de 4\u00a0000", "combattants", "more than"), (800, "environ 800", "français", "about")]),
    ("it", "Oltre 4.000 combattenti sono detenuti, circa 1,8 milioni di persone sono sfollate.",
     [(4000, "Oltre 4.000", "combattenti", "more than"), (1_800_000, "circa 1,8 milioni", "persone", "about")]),
    ("pl", "W obozach przebywa ponad 4 000 bojowników i około 11 tys. osób z rodzin.",
     [(4000, "ponad 4 000", "bojowników", "more than"), (11000, "około 11 tys.", "osób", "about")]),
    ("tr", "Kamplarda 800'den fazla IŞİD militanı ve yaklaşık 11 bin kişi bulunuyor.",
     [(800, "800'den fazla", None, "more than"), (11000, "yaklaşık 11 bin", "kişi", "about")]),
    ("ru", "В сирийских тюрьмах остаются около 11 тысяч человек, из них более 800 иностранных боевиков.",
     [(11000, "около 11 тысяч", "человек", "about"), (800, "более 800", "боевиков", "more than")]),
    ("ar", "وقال ترامب إن أكثر من 800 مقاتل محتجزون، ونحو ١١ ألف شخص في المخيمات.",
     [(800, "أكثر من 800", "مقاتل", "more than"), (11000, "نحو ١١ ألف", "شخص", "about")]),
    ("zh", "特朗普说，超过800名武装分子被关押，约1.2万人仍在营地。",
     [(800, "超过800", "武装分子", "more than"), (12000, "约1.2万", "人", "about")]),
]  # fmt: skip


@pytest.mark.parametrize(("language", "text", "expected"), SENTENCES, ids=[s[0] for s in SENTENCES])
def test_a_news_sentence_in_every_language(
    language: str, text: str, expected: list[tuple[float, str, str | None, str | None]]
) -> None:
    for value, surface, unit, qualifier in expected:
        m = _one(text, language, value)
        assert m.text == surface
        assert m.attrs["qualifier"] == qualifier
        if unit is not None:
            assert m.attrs["unit"] == unit
        assert m.attrs["percent"] is False and m.attrs["year_like"] is False


def test_turkish_unit_after_an_acronym() -> None:
    assert _one("Kamplarda 800 IŞİD militanı var.", "tr", 800).attrs["unit"] == "militanı"


# --- separators ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "about 1,800 supporters", 1800),
        ("en", "1.8 thousand supporters", 1800),
        ("en", "a budget of 12,500,000", 12_500_000),
        ("en", "a rate of 3.75 points", 3.75),
        ("ru", "рост на 1,8 процента", 1.8),
        ("ru", "около 1,800 человек", 1.8),
        ("de", "4.000 Menschen", 4000),
        ("de", "1,8 Millionen Euro", 1_800_000),
        ("de", "ein Plus von 1.234,5 Punkten", 1234.5),
        ("es", "4.000 personas", 4000),
        ("it", "4.000 persone", 4000),
        ("tr", "4.000 kişi", 4000),
        ("fr", "4 000 soldats", 4000),
        ("fr", "4\u00a0000 soldats", 4000),
        ("fr", "4\u202f000 soldats", 4000),
        ("fr", "3,5 millions d'euros", 3_500_000),
        ("ru", "4 000 человек", 4000),
        ("pl", "4 000 osób", 4000),
        ("en", "4\u00a0000 troops", 4000),
        ("de", "1.8 thousand", 1.8),
    ],
)
def test_thousands_and_decimal_separators(language: str, text: str, value: float) -> None:
    assert _values(text, language)[0] == pytest.approx(value)


def test_plain_spaces_group_thousands_only_where_that_is_the_custom() -> None:
    assert _values("In 2019 300 people came.", "en") == [2019, 300]
    assert _values("the 12 300 people", "en") == [12, 300]


# --- scale words ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "value", "surface"),
    [
        ("en", "1.8 thousand IS supporters", 1800, "1.8 thousand"),
        ("en", "$2.5 billion in aid", 2_500_000_000, "$2.5 billion"),
        ("en", "a £3bn deal", 3_000_000_000, "£3bn"),
        ("en", "a $5m grant", 5_000_000, "$5m"),
        ("en", "two million people", 2_000_000, "two million"),
        ("ru", "11 тысяч человек", 11000, "11 тысяч"),
        ("ru", "3,5 млн рублей", 3_500_000, "3,5 млн рублей"),
        ("ru", "2 млрд долларов", 2_000_000_000, "2 млрд долларов"),
        ("ru", "1,8 тыс. боевиков", 1800, "1,8 тыс."),
        ("ru", "1 млн 200 тыс. человек", 1_200_000, "1 млн 200 тыс."),
        ("de", "3 Mio. Menschen", 3_000_000, "3 Mio."),
        ("de", "2 Mrd. Euro", 2_000_000_000, "2 Mrd. Euro"),
        ("de", "zwei Millionen Menschen", 2_000_000, "zwei Millionen"),
        ("es", "3 mil personas", 3000, "3 mil"),
        ("es", "5 mil millones de dólares", 5_000_000_000, "5 mil millones de dólares"),
        ("fr", "deux millions de personnes", 2_000_000, "deux millions"),
        ("it", "3 mila persone", 3000, "3 mila"),
        ("it", "2 miliardi di euro", 2_000_000_000, "2 miliardi di euro"),
        ("pl", "11 tys. osób", 11000, "11 tys."),
        ("pl", "3,5 mln zł", 3_500_000, "3,5 mln zł"),
        ("tr", "11 bin kişi", 11000, "11 bin"),
        ("tr", "11 bin 37 araç", 11037, "11 bin 37"),
        ("tr", "3,5 milyar dolar", 3_500_000_000, "3,5 milyar dolar"),
        ("ar", "11 ألف شخص", 11000, "11 ألف"),
        ("ar", "4 آلاف مقاتل", 4000, "4 آلاف"),
        ("ar", "3 ملايين و500 ألف نازح", 3_500_000, "3 ملايين و500 ألف"),
        ("ar", "2 مليار دولار", 2_000_000_000, "2 مليار دولار"),
        ("zh", "2 万人", 20000, "2 万"),
        ("zh", "3千万人", 30_000_000, "3千万"),
        ("zh", "5亿元", 500_000_000, "5亿元"),
    ],
)
def test_scale_words(language: str, text: str, value: float, surface: str) -> None:
    m = _numbers(text, language)[0]
    assert m.attrs["value"] == pytest.approx(value)
    assert m.text == surface


# --- digits of other scripts and Chinese numerals -----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("ar", "قتل ٨٠٠ مقاتل", 800),
        ("ar", "نسبة ١٢٫٥ بالمئة", 12.5),
        ("ar", "نحو ٤٬٠٠٠ شخص", 4000),
        ("ar", "قرابة ۸۰۰ نفر", 800),
        ("zh", "两千人参加", 2000),
        ("zh", "一百四十名士兵", 140),
        ("zh", "三千名武装人员", 3000),
        ("zh", "约1.2万人", 12000),
        ("zh", "二十五岁", 25),
        ("zh", "一万二千人", 12000),
        ("zh", "一亿五千万元", 150_000_000),
        ("zh", "８００名", 800),
    ],
)
def test_other_numeral_systems(language: str, text: str, value: float) -> None:
    assert _values(text, language) == [pytest.approx(value)]


def test_chinese_numerals_inside_words_are_not_numbers() -> None:
    assert _values("他们一起统一了意见，万一出事，千万不要第一个走。星期一见。", "zh") == []
    assert _values("两岸关系", "zh") == []


def test_chinese_measure_word_and_noun() -> None:
    assert _one("超过800名武装分子被关押", "zh", 800).attrs["unit"] == "武装分子"
    assert _one("两千人", "zh", 2000).attrs["unit"] == "人"
    m = _one("800多名士兵", "zh", 800)
    assert (m.text, m.attrs["qualifier"]) == ("800多", "more than")


# --- number words ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "value", "unit"),
    [
        ("en", "four years later", 4, "years"),
        ("en", "Twenty-five soldiers died", 25, "soldiers"),
        ("en", "at least two people", 2, "people"),
        ("ru", "погибли две женщины", 2, "женщины"),
        ("ru", "из пяти районов", 5, "районов"),
        ("de", "zwei Kinder wurden verletzt", 2, "kinder"),
        ("fr", "deux enfants ont été blessés", 2, "enfants"),
        ("es", "murieron cuatro niños", 4, "niños"),
        ("it", "tre soldati americani", 3, "soldati"),
        ("pl", "zginęło dwóch żołnierzy", 2, "żołnierzy"),
        ("tr", "iki çocuk yaralandı", 2, "çocuk"),
    ],
)
def test_number_words(language: str, text: str, value: float, unit: str) -> None:
    m = _one(text, language, value)
    assert m.attrs["unit"] == unit


def test_vague_plurals_and_articles_are_not_numbers() -> None:
    assert _values("Dozens were hurt and hundreds fled; thousands of fighters and one of them.", "en") == []
    assert _values("Un homme et une femme.", "fr") == []
    assert _values("Ein Mann und eine Frau.", "de") == []
    assert _values("a million people", "en") == [1_000_000]


# --- qualifiers, per cent, currencies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "qualifier"),
    [
        ("en", "over 800 fighters", "more than"),
        ("en", "nearly 800 fighters", "about"),
        ("en", "at least 800 fighters", "at least"),
        ("en", "up to 800 fighters", "up to"),
        ("en", "fewer than 800 fighters", "less than"),
        ("ru", "свыше 800 боевиков", "more than"),
        ("ru", "не менее 800 боевиков", "at least"),
        ("ru", "почти 800 боевиков", "about"),
        ("ru", "до 800 человек", "up to"),
        ("de", "knapp 800 Kämpfer", "about"),
        ("de", "bis zu 800 Kämpfer", "up to"),
        ("fr", "près de 800 combattants", "about"),
        ("fr", "au moins 800 combattants", "at least"),
        ("es", "alrededor de 800 combatientes", "about"),
        ("es", "casi 800 combatientes", "about"),
        ("it", "quasi 800 combattenti", "about"),
        ("pl", "prawie 800 bojowników", "about"),
        ("tr", "yaklaşık 800 militan", "about"),
        ("ar", "قرابة 800 مقاتل", "about"),
        ("ar", "حوالي 800 مقاتل", "about"),
        ("zh", "近800名武装分子", "about"),
        ("zh", "逾800人", "more than"),
    ],
)
def test_qualifiers(language: str, text: str, qualifier: str) -> None:
    m = _one(text, language, 800)
    assert m.attrs["qualifier"] == qualifier
    assert m.start == 0 and m.text.endswith("800")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "58% of Americans"),
        ("en", "58 per cent of Americans"),
        ("fr", "58 % des Français"),
        ("ru", "58 процентов американцев"),
        ("de", "58 Prozent der Amerikaner"),
        ("es", "el 58 por ciento"),
        ("pl", "58 proc. badanych"),
        ("tr", "ankete katılanların %58'i"),
        ("tr", "yüzde 58"),
        ("ar", "58 بالمئة من الأمريكيين"),
        ("ar", "٥٨٪ من الأمريكيين"),
        ("zh", "百分之五十八的美国人"),
        ("zh", "58%的美国人"),
    ],
)
def test_percent(language: str, text: str) -> None:
    m = _one(text, language, 58)
    assert m.attrs["percent"] is True
    assert m.label == "58%"


@pytest.mark.parametrize(
    ("language", "text", "value", "currency"),
    [
        ("en", "$400 million", 400_000_000, "USD"),
        ("en", "€5 billion", 5_000_000_000, "EUR"),
        ("en", "5 million dollars", 5_000_000, "USD"),
        ("ru", "100 тысяч долларов", 100_000, "USD"),
        ("ru", "200 евро", 200, "EUR"),
        ("de", "25.000 Dollar", 25000, "USD"),
        ("fr", "3 millions d'euros", 3_000_000, "EUR"),
        ("es", "1,8 millones de dólares", 1_800_000, "USD"),
        ("ar", "مليار دولار", 1_000_000_000, "USD"),
        ("zh", "三千万美元", 30_000_000, "USD"),
        ("zh", "5亿元", 500_000_000, "CNY"),
    ],
)
def test_currencies(language: str, text: str, value: float, currency: str) -> None:
    m = _one(text, language, value)
    assert m.attrs["currency"] == currency
    assert m.attrs["unit"] is None


# --- years ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "in 2019 the war went on"),
        ("en", "since 2015 on migration"),
        ("ru", "в 2019 году"),
        ("ru", "2019 год стал рекордным"),
        ("de", "Mexiko. 2023 überholte es China"),
        ("tr", "2019'da başladı"),
        ("zh", "2019年"),
        ("ar", "منذ عام 2014"),
    ],
)
def test_years_are_returned_and_marked(language: str, text: str) -> None:
    (m,) = _numbers(text, language)
    assert m.attrs["year_like"] is True
    assert m.attrs["qualifier"] is None
    assert m.label.startswith(("2019", "2015", "2023", "2014"))


def test_a_count_in_the_year_range_is_not_a_year() -> None:
    assert _one("2000 people marched", "en", 2000).attrs["year_like"] is False
    assert _one("more than 2,000 people", "en", 2000).attrs["year_like"] is False


# --- what is not a quantity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "on 17 February 2019"),
        ("en", "on February 17, 2019"),
        ("en", "on Feb. 17"),
        ("en", "on 17.02.2019 and 2019-02-17 and 17/02/2019"),
        ("en", "at 08:30 and 8.30 a.m. and 5 pm"),
        ("en", "the 2nd and 3rd rounds, the 1990s"),
        ("en", "call +7 495 123-45-67 or (212) 555-1234"),
        ("en", "see https://example.com/news/2019/800 or www.rt.com/article/123 or me@mail.ru"),
        ("en", "the G20 summit, an A320, COVID-19, Su-35 jets, ID #4512"),
        ("en", "code 007"),
        ("ru", "17 февраля 2019 года"),
        ("ru", "3-й батальон"),
        ("de", "am 17. Februar 2019 um 13.45 Uhr"),
        ("de", "am 3. Tag"),
        ("it", "alle 20.45 e alle 7"),
        ("es", "a las 10.50 hora local"),
        ("tr", "17 Şubat 2019'da saat 13.37'de"),
        ("zh", "2019年2月17日，第三次"),
        ("ar", "١٧ فبراير ٢٠١٩"),
        ("fr", "le 17 février 2019"),
        ("pl", "17 lutego 2019 r."),
        ("es", "el 17 de febrero de 2019"),
    ],
)
def test_dates_times_ordinals_phones_links_and_ids_are_not_numbers(language: str, text: str) -> None:
    assert _numbers(text, language) == []


def test_scores_are_not_numbers_but_ranges_are() -> None:
    assert _values("They won (2-1, min. 18).", "es") == [18]
    assert [(m.attrs["value"], m.attrs["unit"]) for m in _numbers("10-15 people", "en")] == [
        (10, "people"),
        (15, "people"),
    ]


def test_language_codes_are_normalised_and_unknown_ones_get_english() -> None:
    assert _values("more than 800 fighters", "en-US") == [800]
    assert _values("more than 800 fighters", "pt") == [800]
    assert _values("two fighters and 1.5 thousand", None) == [2, 1500]


# --- the worked examples -----------------------------------------------------------------------------------


def _seed(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    return path.read_text(encoding="utf-8")


def test_rt_article() -> None:
    found = _numbers(_seed("rt-2019-10.txt"), "en")
    by_value = {m.attrs["value"]: m for m in found}
    assert by_value[11000].text == "about 11 thousand"
    assert by_value[11000].attrs["unit"] == "people"
    assert by_value[11000].attrs["qualifier"] == "about"
    assert by_value[9000].attrs["qualifier"] == "about"
    assert by_value[2000].attrs["unit"] == "people"
    assert by_value[1800].text == "1.8 thousand"
    assert by_value[800].text == "more than 800"
    assert by_value[800].attrs["qualifier"] == "more than"
    assert by_value[800].attrs["unit"] == "fighters"
    assert by_value[58].attrs["percent"] is True
    assert {2015, 2011} <= {m.attrs["value"] for m in found if m.attrs["year_like"]}
    assert 2014 not in by_value and 29 not in by_value  # "December 29, 2014" is a date


def test_the_national_article() -> None:
    found = _numbers(_seed("the-national-2019-02.txt"), "en")
    eight_hundreds = [m for m in found if m.attrs["value"] == 800]
    assert [m.attrs["qualifier"] for m in eight_hundreds] == ["more than", "about"]
    four_thousand = next(m for m in found if m.attrs["value"] == 4000)
    assert four_thousand.text == "more than 4,000"
    assert four_thousand.attrs["unit"] in ("family members", "family")
    assert 6 not in {m.attrs["value"] for m in found}  # "Feb. 6, 2019"


def test_speed_on_a_500_word_article() -> None:
    sentence = (
        "On 17 February 2019 Trump said more than 800 IS fighters, about 11 thousand people and 58% of "
        "voters in 2019 cost $2.5 billion, while 1,800 supporters and two officials met at 08:30 in Berlin. "
    )
    article = " ".join([sentence] * 15)  # about 500 words
    find_numbers(article, "en")
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        find_numbers(article, "en")
    per_article = (time.perf_counter() - started) / runs
    assert per_article < 0.015  # about 1 ms measured; generous for slow CI machines
