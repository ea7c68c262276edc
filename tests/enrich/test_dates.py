from __future__ import annotations

import time
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from storyline.enrich.dates import chinese_numeral_value, date_spans, find_dates, fold
from storyline.records import Mention

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
REFERENCE = datetime(2019, 10, 20, 12, 0)  # a Sunday


def _dates(text: str, language: str | None, reference: datetime | date | None = REFERENCE) -> list[Mention]:
    """find_dates, with the contract every call must keep: offsets, order, no overlap, key = value."""
    found = find_dates(text, language, reference)
    for m in found:
        assert text[m.start : m.end] == m.text
        assert m.kind == "date" and m.key == f"date:{m.attrs['value']}" and m.label == m.attrs["value"]
        granularity = {10: "day", 7: "month", 4: "year"}[len(m.attrs["value"])]
        assert m.attrs["granularity"] == granularity
    assert all(a.end <= b.start for a, b in pairwise(found))
    return found


def _pairs(text: str, language: str | None, reference: datetime | date | None = REFERENCE) -> list[tuple[str, str]]:
    return [(m.text, m.attrs["value"]) for m in _dates(text, language, reference)]


# --- absolute dates in every language ----------------------------------------------------------------------

ABSOLUTE = [
    ("en", "The vote took place on 17 February 2019 in Kyiv.", ("17 February 2019", "2019-02-17")),
    ("en", "On February 17, 2019, the vote took place.", ("February 17, 2019", "2019-02-17")),
    ("en", "On Wednesday, Feb. 6, 2019, he spoke.", ("Feb. 6, 2019", "2019-02-06")),
    ("en", "the 17th of February 2019", ("17th of February 2019", "2019-02-17")),
    ("de", "Die Wahl fand am 17. Februar 2019 statt.", ("17. Februar 2019", "2019-02-17")),
    ("de", "Im Jänner 2019 schneite es.", ("Jänner 2019", "2019-01")),
    ("ru", "Выборы прошли 17 февраля 2019 года в Киеве.", ("17 февраля 2019 года", "2019-02-17")),
    ("ru", "Это произошло в августе 2019 года.", ("августе 2019 года", "2019-08")),
    ("pl", "Wybory odbyły się 17 lutego 2019 r. w Kijowie.", ("17 lutego 2019 r.", "2019-02-17")),
    ("tr", "Seçim 17 Şubat 2019 tarihinde yapıldı.", ("17 Şubat 2019", "2019-02-17")),
    ("es", "Las elecciones se celebraron el 17 de febrero de 2019.", ("17 de febrero de 2019", "2019-02-17")),
    ("fr", "Le scrutin a eu lieu le 1er mars 2019 à Kiev.", ("1er mars 2019", "2019-03-01")),
    ("it", "Le elezioni si sono svolte il 17 febbraio 2019.", ("17 febbraio 2019", "2019-02-17")),
    ("ar", "جرت الانتخابات في ١٧ فبراير ٢٠١٩ في كييف.", ("١٧ فبراير ٢٠١٩", "2019-02-17")),
    ("ar", "وفي 17 شباط/فبراير 2019 أعلن", ("17 شباط/فبراير 2019", "2019-02-17")),
    ("ar", "أعلن في 15 مارس آذار 2020", ("15 مارس آذار 2020", "2020-03-15")),
    ("zh", "选举于2019年2月17日举行。", ("2019年2月17日", "2019-02-17")),
    ("zh", "二〇一九年二月十七日", ("二〇一九年二月十七日", "2019-02-17")),
    ("en", "Recall that since September 2014, the coalition...", ("September 2014", "2014-09")),
    ("en", "by decision of December 29, 2014.", ("December 29, 2014", "2014-12-29")),
]


@pytest.mark.parametrize(("language", "text", "expected"), ABSOLUTE, ids=[f"{a[0]}{i}" for i, a in enumerate(ABSOLUTE)])
def test_absolute_dates(language: str, text: str, expected: tuple[str, str]) -> None:
    assert _pairs(text, language) == [expected]
    assert _pairs(text, language, None) == [expected]  # no reference needed
    assert _dates(text, language)[0].attrs["relative"] is False


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2019-02-17", "2019-02-17"),
        ("17.02.2019", "2019-02-17"),
        ("17/02/2019", "2019-02-17"),
        ("02/17/2019", "2019-02-17"),  # the first field cannot be a month
        ("03/04/2019", "2019-04-03"),  # ambiguous: day first
        ("3.5.2024", "2024-05-03"),
        ("2019/02/17", "2019-02-17"),
    ],
)
def test_numeric_dates_are_read_day_first_unless_impossible(text: str, value: str) -> None:
    assert _pairs(f"Published {text}.", "en") == [(text, value)]


def test_impossible_dates_are_skipped() -> None:
    assert _pairs("on 31.02.2019 and 30 February 2019", "en") == []
    assert _pairs("version 1.2.3 and 10.20.30.40", "en") == []


# --- dates without a year, months and years alone ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "Trump said in February that", ("February", "2019-02")),
        ("en", "at the end of April, the leader", ("April", "2019-04")),
        ("en", "in early March", ("March", "2019-03")),
        ("en", "in December", ("December", "2018-12")),  # not after the reference month
        ("en", "on Feb. 17 he said", ("Feb. 17", "2019-02-17")),
        ("en", "next March", ("March", "2020-03")),
        ("de", "im August hatte er", ("August", "2019-08")),
        ("de", "im März vergangenen Jahres", ("März vergangenen Jahres", "2018-03")),
        ("ru", "в феврале он заявил", ("феврале", "2019-02")),
        ("ru", "в августе прошлого года", ("августе прошлого года", "2018-08")),
        ("ru", "с августа", ("августа", "2019-08")),
        ("pl", "w lutym powiedział", ("lutym", "2019-02")),
        ("tr", "Şubat'ta açıkladı", ("Şubat'ta", "2019-02")),
        ("tr", "Ağustos ayında", ("Ağustos ayında", "2019-08")),
        ("es", "en febrero dijo", ("febrero", "2019-02")),
        ("fr", "le 17 février", ("17 février", "2019-02-17")),
        ("fr", "à partir de janvier prochain", ("janvier", "2020-01")),
        ("fr", "d'avril à juin", ("avril", "2019-04")),
        ("it", "a febbraio ha detto", ("febbraio", "2019-02")),
        ("ar", "وقال في أغسطس إن", ("أغسطس", "2019-08")),
        ("ar", "في 17 شباط", ("17 شباط", "2019-02-17")),
        ("ar", "منذ شهر آب", ("آب", "2019-08")),
        ("zh", "8月，他说", ("8月", "2019-08")),
        ("zh", "2月17日", ("2月17日", "2019-02-17")),
        ("zh", "去年8月", ("去年8月", "2018-08")),
    ],
)
def test_dates_that_take_the_year_from_the_reference(language: str, text: str, expected: tuple[str, str]) -> None:
    (m,) = _dates(text, language)
    assert (m.text, m.attrs["value"]) == expected
    assert m.attrs["relative"] is True
    assert _dates(text, language, None) == []


def test_a_day_soon_after_the_reference_is_taken_as_coming() -> None:
    reference = date(2025, 5, 25)
    assert _pairs("que se celebrará el 18 de junio", "es", reference) == [("18 de junio", "2025-06-18")]
    assert _pairs("el 17 de mayo", "es", reference) == [("17 de mayo", "2025-05-17")]
    assert _pairs("el 17 de diciembre", "es", reference) == [("17 de diciembre", "2024-12-17")]
    assert _pairs("on January 5", "en", date(2024, 12, 20)) == [("January 5", "2025-01-05")]


def test_a_month_name_needs_context_to_stand_alone() -> None:
    assert _dates("May I say that the March was long, and August people met.", "en") == []
    assert _dates("Mars est une planète.", "fr") == []
    assert _dates("Kasım Bey geldi.", "tr") == []


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "since 2015 on migration", ("2015", "2015")),
        ("en", "in 2014 the", ("2014", "2014")),
        ("ru", "с 2014 года", ("2014 года", "2014")),
        ("ru", "в 2019 году", ("2019 году", "2019")),
        ("de", "im Jahr 2019", ("2019", "2019")),
        ("fr", "en 2019", ("2019", "2019")),
        ("es", "desde 2014", ("2014", "2014")),
        ("it", "nel 2014", ("2014", "2014")),
        ("pl", "w 2019 roku", ("2019 roku", "2019")),
        ("tr", "2019'da", ("2019'da", "2019")),
        ("tr", "2019 yılında", ("2019 yılında", "2019")),
        ("ar", "منذ عام 2014", ("2014", "2014")),
        ("zh", "2014年", ("2014年", "2014")),
    ],
)
def test_years(language: str, text: str, expected: tuple[str, str]) -> None:
    assert _pairs(text, language) == [expected]
    assert _dates(text, language)[0].attrs["granularity"] == "year"


def test_a_bare_number_is_no_year() -> None:
    assert _dates("2019 people and 61 others", "en") == []
    assert _dates("The score was 61 to 2061.", "en") == []


# --- weekdays and relative expressions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "said on Sunday", ("Sunday", "2019-10-20")),
        ("en", "on Wednesday", ("Wednesday", "2019-10-16")),
        ("en", "yesterday", ("yesterday", "2019-10-19")),
        ("en", "last week", ("last week", "2019-10")),
        ("en", "last year", ("last year", "2018")),
        ("en", "next Friday", ("Friday", "2019-10-25")),
        ("ru", "вчера", ("вчера", "2019-10-19")),
        ("ru", "в воскресенье", ("воскресенье", "2019-10-20")),
        ("ru", "в среду", ("среду", "2019-10-16")),
        ("ru", "на прошлой неделе", ("на прошлой неделе", "2019-10")),
        ("de", "am Sonntag", ("Sonntag", "2019-10-20")),
        ("de", "am kommenden Freitag", ("Freitag", "2019-10-25")),
        ("de", "gestern", ("gestern", "2019-10-19")),
        ("fr", "dimanche", ("dimanche", "2019-10-20")),
        ("fr", "la semaine dernière", ("la semaine dernière", "2019-10")),
        ("es", "ayer", ("ayer", "2019-10-19")),
        ("it", "ieri", ("ieri", "2019-10-19")),
        ("pl", "w niedzielę", ("niedzielę", "2019-10-20")),
        ("tr", "dün", ("dün", "2019-10-19")),
        ("tr", "geçen hafta", ("geçen hafta", "2019-10")),
        ("ar", "أمس", ("أمس", "2019-10-19")),
        ("ar", "وأمس قال", ("أمس", "2019-10-19")),
        ("ar", "يوم الأحد", ("الأحد", "2019-10-20")),
        ("ar", "الأحد المقبل", ("الأحد", "2019-10-27")),
        ("zh", "昨天", ("昨天", "2019-10-19")),
        ("zh", "上周", ("上周", "2019-10")),
        ("zh", "周日", ("周日", "2019-10-20")),
    ],
)
def test_relative_expressions_need_a_reference(language: str, text: str, expected: tuple[str, str]) -> None:
    (m,) = _dates(text, language)
    assert (m.text, m.attrs["value"]) == expected
    assert m.attrs["relative"] is True
    assert _dates(text, language, None) == []


def test_a_weekday_before_a_date_belongs_to_it() -> None:
    assert _pairs("on Wednesday, Feb. 6, 2019", "en") == [("Feb. 6, 2019", "2019-02-06")]
    assert _pairs("ce vendredi 22 novembre", "fr", date(2024, 11, 22)) == [("22 novembre", "2024-11-22")]


# --- helpers shared with numbers ------------------------------------------------------------------------------


def test_fold_keeps_length_and_offsets() -> None:
    text = "١٧ فبراير ٢٠١٩، أكثر من ۸۰۰، ёлка ’"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded.startswith("17 فبراير 2019")


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("十", 10), ("十五", 15), ("二十", 20), ("一百四十", 140), ("两千", 2000), ("三千万", 30_000_000),
     ("1.2万", 12000), ("一亿五千万", 150_000_000), ("一百零五", 105), ("二〇一九", 2019), ("3万亿", 3e12)],
)  # fmt: skip
def test_chinese_numerals(numeral: str, value: float) -> None:
    assert chinese_numeral_value(numeral) == value


def test_date_spans_report_granularity_without_a_reference() -> None:
    text = "On Feb. 17 and in 2019 and in August"
    assert date_spans(text, "en") == [(3, 10, "day"), (18, 22, "year"), (30, 36, "month")]


# --- the worked example --------------------------------------------------------------------------------------


def test_rt_article() -> None:
    path = SEEDS / "rt-2019-10.txt"
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    found = _dates(path.read_text(encoding="utf-8"), "en", REFERENCE)
    by_text: dict[str, set[str]] = {}
    for m in found:
        by_text.setdefault(m.text, set()).add(m.attrs["value"])
    assert by_text["February"] == {"2019-02"}
    assert by_text["August"] == {"2019-08"}
    assert by_text["March"] == {"2019-03"}
    assert by_text["December 29, 2014"] == {"2014-12-29"}
    assert by_text["September 2014"] == {"2014-09"}
    assert by_text["2015"] == {"2015"}
    assert not any(m.attrs["value"].startswith("20") and m.text in ("61", "800") for m in found)


def test_speed_on_a_500_word_article() -> None:
    sentence = (
        "On 17 February 2019 Trump said in August that more than 800 IS fighters, about 11 thousand people "
        "and 58% of voters since 2014 met last week, on Sunday, at 08:30 on 17.02.2019 in Berlin. "
    )
    article = " ".join([sentence] * 15)  # about 500 words
    find_dates(article, "en", REFERENCE)
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        find_dates(article, "en", REFERENCE)
    per_article = (time.perf_counter() - started) / runs
    assert per_article < 0.015  # about 0.5 ms measured; generous for slow CI machines
