"""Quantity mentions in ten languages (en de es fr it pl tr ru ar zh): "more than 800", "11 тысяч", "٨٠٠", "两千".

One regex per language finds number cores (digits with the language's separators, Chinese numerals, number
words); the words around each core are then read with table-driven regexes: a qualifier before it ("more
than", "около", "قرابة", "超过"), a scale word after it ("thousand", "млн", "万"), per cent, a currency, and
the counted noun ("fighters", "человек", "名武装分子" → "武装分子").

Separators: "1,800" is 1800 in English and 1.8 in Russian; a separator that is the language's decimal mark is
read as one, the other mark is read as thousands only before exactly three digits ("1.8 thousand" stays 1.8
in German too). Plain spaces group thousands only in fr, ru, pl and es ("4 000"); no-break spaces everywhere.

Not returned: the digits of day and month dates and times, ordinals ("2nd", "3-й", "第三"), phone numbers,
numbers inside words, URLs and ids, codes with a leading zero. Years (1900–2100 standing alone or in a year
expression found by :mod:`storyline.enrich.dates`) are returned with ``year_like`` set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from storyline.enrich.dates import chinese_numeral_value, date_spans, fold, normalise_language
from storyline.records import Mention

__all__ = ["find_numbers"]

# --- language tables -----------------------------------------------------------------------------------------


def _set(words: str) -> frozenset[str]:
    """A table written as one string of space-separated words."""
    return frozenset(words.split())


_EN_UNITS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_EN_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _english_words() -> dict[str, float]:
    words = {w: float(i + 1) for i, w in enumerate(_EN_UNITS)}
    for t, tens in enumerate(_EN_TENS):
        words[tens] = float(20 + 10 * t)
        for u, unit in enumerate(_EN_UNITS[:9]):
            words[f"{tens}-{unit}"] = float(20 + 10 * t + u + 1)
    return words | {"a": 1.0, "an": 1.0}


def _russian_words() -> dict[str, float]:
    words: dict[str, float] = {
        "один": 1, "одна": 1, "одно": 1, "одного": 1, "одной": 1, "одну": 1,
        "два": 2, "две": 2, "двух": 2, "двум": 2, "двумя": 2, "три": 3, "трех": 3, "трем": 3, "тремя": 3,
        "четыре": 4, "четырех": 4, "четырем": 4, "четырьмя": 4, "восемь": 8, "восьми": 8,
        "сорок": 40, "сорока": 40, "пятьдесят": 50, "пятидесяти": 50, "сто": 100,
    }  # fmt: skip
    teens = "пять шесть семь _ девять десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать "
    teens += "шестнадцать семнадцать восемнадцать девятнадцать двадцать"
    for value, word in enumerate(teens.split(), start=5):
        if word != "_":
            words[word] = value
            words[word[:-1] + "и"] = value  # genitive, dative, prepositional: "пяти", "двадцати"
    words["тридцать"] = words["тридцати"] = 30
    return {k: float(v) for k, v in words.items()}


def _table(words: str, start: int = 2) -> dict[str, float]:
    """Number words given in order from ``start``; "a/b" gives two forms of one number."""
    table: dict[str, float] = {}
    for value, forms in enumerate(words.split(), start=start):
        for form in forms.split("/"):
            table[form] = float(value)
    return table


@dataclass(frozen=True)
class _NumberLanguage:
    """What one language needs to read quantities. Keys are lower-case; phrases may contain spaces."""

    decimal: str = "."
    space_groups: bool = False
    scales: Mapping[str, float] = field(default_factory=dict)
    currency_scales: Mapping[str, float] = field(default_factory=dict)
    """Scales read only right after an amount of money ("$5m", "£2k")."""
    words: Mapping[str, float] = field(default_factory=dict)
    """Number words; those worth 1 ("one", "un") only count before a scale ("one million")."""
    qualifiers: Mapping[str, str] = field(default_factory=dict)
    post_qualifiers: Mapping[str, str] = field(default_factory=dict)
    """Regex → qualifier, read right after the number (Turkish "'den fazla")."""
    percent_after: tuple[str, ...] = ()
    percent_before: tuple[str, ...] = ()
    currencies: Mapping[str, str] = field(default_factory=dict)
    connectors: tuple[str, ...] = ()
    """Words between a scale and its noun or currency ("millions de personnes")."""
    stopwords: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    """Determiners and adjectives passed over on the way to the counted noun."""
    adjective_endings: tuple[str, ...] = ()
    ordinal_before: frozenset[str] = frozenset()
    """Words after which "N." is an ordinal (German "am 3. Tag")."""
    compound: bool = False
    """Numbers go on after a scale word: Turkish "11 bin 37" (11,037), Russian "1 млн 200 тыс."."""
    clock_before: tuple[str, ...] = ()
    """Words before "13.45" that make it a time of day ("um", "alle", "saat")."""
    hour_before: tuple[str, ...] = ()
    """Words before a bare hour that make it one ("alle 7", "a las 10")."""
    clock_after: tuple[str, ...] = ()
    hour_after: tuple[str, ...] = ()


_EN = _NumberLanguage(
    scales={
        "thousand": 1e3,
        "thousands": 1e3,
        "million": 1e6,
        "millions": 1e6,
        "billion": 1e9,
        "billions": 1e9,
        "trillion": 1e12,
        "hundred": 1e2,
        "dozen": 12,
        "bn": 1e9,
        "mln": 1e6,
        "mn": 1e6,
    },
    currency_scales={"m": 1e6, "k": 1e3, "b": 1e9},
    words=_english_words(),
    qualifiers={
        "more than": "more than",
        "over": "more than",
        "upwards of": "more than",
        "in excess of": "more than",
        "just over": "more than",
        "about": "about",
        "around": "about",
        "approximately": "about",
        "roughly": "about",
        "some": "about",
        "nearly": "about",
        "almost": "about",
        "close to": "about",
        "an estimated": "about",
        "approx.": "about",
        "less than": "less than",
        "fewer than": "less than",
        "under": "less than",
        "just under": "less than",
        "below": "less than",
        "up to": "up to",
        "as many as": "up to",
        "no more than": "up to",
        "at most": "up to",
        "at least": "at least",
        "no fewer than": "at least",
        "no less than": "at least",
    },
    percent_after=("per cent", "percent", "pct"),
    currencies={
        "dollars": "USD",
        "dollar": "USD",
        "us dollars": "USD",
        "u.s. dollars": "USD",
        "euros": "EUR",
        "euro": "EUR",
        "pounds sterling": "GBP",
        "sterling": "GBP",
        "roubles": "RUB",
        "rubles": "RUB",
        "yuan": "CNY",
        "renminbi": "CNY",
        "lira": "TRY",
        "liras": "TRY",
        "zloty": "PLN",
        "zlotys": "PLN",
        "yen": "JPY",
    },
    connectors=("of",),
    clock_before=("at", "by", "from", "until", "till"),
    clock_after=("am", "pm", "o'clock", "bst", "est", "edt", "local time"),
    hour_after=("am", "pm", "o'clock"),
    stopwords=_set(
        "a an the and or but of in on at to from by for with as than that which who whom whose this these "
        "those is are was were be been being has have had will would could should can may might must do does "
        "did said says say per each every more less about around over under into out up down now then later ago "
        "earlier before after since until while when where if so not no also just only again there here it its "
        "they them their he she his her we our you your i me my"
    ),
    skip=_set(
        "other more additional new former foreign armed suspected alleged captured local many extra further young old"
    ),
)

_LANGUAGES: dict[str, _NumberLanguage] = {
    "en": _EN,
    "ru": _NumberLanguage(
        decimal=",",
        space_groups=True,
        scales={
            "тысяча": 1e3,
            "тысячи": 1e3,
            "тысяч": 1e3,
            "тысячу": 1e3,
            "тысячам": 1e3,
            "тысячами": 1e3,
            "тыс.": 1e3,
            "тыс": 1e3,
            "миллион": 1e6,
            "миллиона": 1e6,
            "миллионов": 1e6,
            "миллионам": 1e6,
            "млн.": 1e6,
            "млн": 1e6,
            "миллиард": 1e9,
            "миллиарда": 1e9,
            "миллиардов": 1e9,
            "млрд.": 1e9,
            "млрд": 1e9,
            "триллион": 1e12,
            "триллиона": 1e12,
            "триллионов": 1e12,
            "трлн": 1e12,
        },
        words=_russian_words(),
        qualifiers={
            "более чем": "more than",
            "более": "more than",
            "больше чем": "more than",
            "больше": "more than",
            "свыше": "more than",
            "порядка": "about",
            "около": "about",
            "примерно": "about",
            "приблизительно": "about",
            "почти": "about",
            "практически": "about",
            "не менее чем": "at least",
            "не менее": "at least",
            "не меньше": "at least",
            "как минимум": "at least",
            "по меньшей мере": "at least",
            "минимум": "at least",
            "до": "up to",
            "не более": "up to",
            "не больше": "up to",
            "максимум": "up to",
            "менее": "less than",
            "меньше": "less than",
            "менее чем": "less than",
        },
        percent_after=("процентов", "процента", "процент", "проц."),
        currencies={
            "долларов": "USD",
            "доллара": "USD",
            "доллар": "USD",
            "долл.": "USD",
            "евро": "EUR",
            "рублей": "RUB",
            "рубля": "RUB",
            "рубль": "RUB",
            "руб.": "RUB",
            "юаней": "CNY",
            "юаня": "CNY",
            "фунтов стерлингов": "GBP",
            "лир": "TRY",
            "злотых": "PLN",
        },
        stopwords=_set(
            "и или а но в во на с со из по до от за к о об у не ни что как который которые которых был была "
            "были было будет будут уже еще тоже также лишь только более менее чем это этот эти тех того том "
            "при для них них их его ее"
        ),
        adjective_endings=("ых", "их", "ые", "ие", "ый", "ий", "ая", "яя", "ое", "ее", "ого", "его", "ыми", "ими"),
        compound=True,
    ),
    "de": _NumberLanguage(
        decimal=",",
        scales={
            "tausend": 1e3,
            "tsd.": 1e3,
            "million": 1e6,
            "millionen": 1e6,
            "mio.": 1e6,
            "mio": 1e6,
            "milliarde": 1e9,
            "milliarden": 1e9,
            "mrd.": 1e9,
            "mrd": 1e9,
            "billion": 1e12,
            "billionen": 1e12,
            "hundert": 1e2,
            "dutzend": 12,
        },
        words=_table(
            "zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn "
            "siebzehn achtzehn neunzehn zwanzig"
        )
        | {"dreißig": 30.0, "vierzig": 40.0, "fünfzig": 50.0, "ein": 1.0, "eine": 1.0, "einer": 1.0},
        qualifiers={
            "mehr als": "more than",
            "über": "more than",
            "rund": "about",
            "etwa": "about",
            "ca.": "about",
            "circa": "about",
            "zirka": "about",
            "ungefähr": "about",
            "fast": "about",
            "knapp": "about",
            "beinahe": "about",
            "annähernd": "about",
            "nahezu": "about",
            "mindestens": "at least",
            "wenigstens": "at least",
            "bis zu": "up to",
            "höchstens": "up to",
            "weniger als": "less than",
            "unter": "less than",
        },
        percent_after=("prozent",),
        currencies={
            "dollar": "USD",
            "us-dollar": "USD",
            "euro": "EUR",
            "rubel": "RUB",
            "pfund": "GBP",
            "yuan": "CNY",
            "lira": "TRY",
            "franken": "CHF",
            "złoty": "PLN",
        },
        stopwords=_set(
            "und oder aber der die das den dem des ein eine einer in im am an auf aus bei mit nach von vom zu "
            "zum zur für über unter als wie ist sind war waren wurde wurden hat haben hatte hatten wird werden "
            "sich nicht auch noch nur bis seit pro je es sie er wir"
        ),
        ordinal_before=_set("der die das den dem des am im zum vom beim zur ihr ihrem ihrer sein seinem"),
        clock_before=("um", "ab", "bis", "gegen"),
        clock_after=("uhr",),
        hour_after=("uhr",),
    ),
    "fr": _NumberLanguage(
        decimal=",",
        space_groups=True,
        scales={
            "mille": 1e3,
            "million": 1e6,
            "millions": 1e6,
            "milliard": 1e9,
            "milliards": 1e9,
            "md": 1e9,
            "mds": 1e9,
            "cent": 1e2,
            "cents": 1e2,
            "douzaine": 12,
        },
        words=_table(
            "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept "
            "dix-huit dix-neuf vingt"
        )
        | {"trente": 30.0, "quarante": 40.0, "cinquante": 50.0, "soixante": 60.0, "un": 1.0, "une": 1.0},
        qualifiers={
            "plus de": "more than",
            "plus d'": "more than",
            "environ": "about",
            "près de": "about",
            "quelque": "about",
            "presque": "about",
            "quasiment": "about",
            "autour de": "about",
            "au moins": "at least",
            "pas moins de": "at least",
            "jusqu'à": "up to",
            "moins de": "less than",
        },
        percent_after=("pour cent", "pourcent", "pour-cent"),
        currencies={
            "dollars": "USD",
            "dollar": "USD",
            "euros": "EUR",
            "euro": "EUR",
            "roubles": "RUB",
            "livres sterling": "GBP",
            "livres": "GBP",
            "yuans": "CNY",
            "francs": "CHF",
        },
        connectors=("de", "d'"),
        clock_after=("h",),
        hour_after=("h",),
        stopwords=_set(
            "et ou mais de des du d le la les l un une en à au aux dans sur sous par pour avec que qui est sont "
            "a ont était étaient été sera ne pas plus moins selon depuis chez entre contre y se il elle ils "
            "elles ce cette ces leurs leur ses nos eux"
        ),
    ),
    "es": _NumberLanguage(
        decimal=",",
        space_groups=True,
        scales={
            "mil millones": 1e9,
            "mil": 1e3,
            "millón": 1e6,
            "millones": 1e6,
            "millardo": 1e9,
            "millardos": 1e9,
            "billón": 1e12,
            "billones": 1e12,
            "docena": 12,
        },
        words=_table(
            "dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
            "diecisiete dieciocho diecinueve veinte"
        )
        | {"treinta": 30.0, "cuarenta": 40.0, "cincuenta": 50.0, "cien": 100.0, "un": 1.0, "uno": 1.0},
        qualifiers={
            "más de": "more than",
            "unos": "about",
            "unas": "about",
            "alrededor de": "about",
            "casi": "about",
            "cerca de": "about",
            "aproximadamente": "about",
            "al menos": "at least",
            "por lo menos": "at least",
            "como mínimo": "at least",
            "hasta": "up to",
            "menos de": "less than",
        },
        percent_after=("por ciento",),
        currencies={
            "dólares": "USD",
            "dólar": "USD",
            "dolares": "USD",
            "euros": "EUR",
            "euro": "EUR",
            "rublos": "RUB",
            "libras": "GBP",
            "yuanes": "CNY",
        },
        connectors=("de",),
        clock_before=("las", "a la", "hacia las", "sobre las", "desde las", "hasta las"),
        hour_before=("a las", "a la", "hacia las", "sobre las", "desde las", "hasta las"),
        clock_after=("h", "horas", "hora"),
        stopwords=_set(
            "y o pero de del la el los las un una en a al por para con que quien es son fue fueron ha han "
            "había está están se no más menos según desde entre sobre hasta lo le les su sus ellos ellas nuestros "
            "nuestras ustedes"
        ),
    ),
    "it": _NumberLanguage(
        decimal=",",
        scales={
            "mila": 1e3,
            "mille": 1e3,
            "milione": 1e6,
            "milioni": 1e6,
            "mln": 1e6,
            "miliardo": 1e9,
            "miliardi": 1e9,
            "mld": 1e9,
            "dozzina": 12,
        },
        words=_table(
            "due tre quattro cinque _ sette otto nove dieci undici dodici tredici quattordici quindici sedici "
            "diciassette diciotto diciannove venti"
        )
        | {"trenta": 30.0, "quaranta": 40.0, "cinquanta": 50.0, "un": 1.0, "uno": 1.0},
        qualifiers={
            "oltre": "more than",
            "più di": "more than",
            "circa": "about",
            "quasi": "about",
            "intorno a": "about",
            "intorno ai": "about",
            "almeno": "at least",
            "fino a": "up to",
            "meno di": "less than",
        },
        percent_after=("per cento",),
        currencies={
            "dollari": "USD",
            "dollaro": "USD",
            "euro": "EUR",
            "rubli": "RUB",
            "sterline": "GBP",
            "yuan": "CNY",
        },
        connectors=("di",),
        clock_before=("alle", "dalle", "ore", "le"),
        hour_before=("alle", "dalle"),
        stopwords=_set(
            "e o ma di del della dei degli delle il lo la i gli le un una in a al ai alla da dal per con su che "
            "chi è sono era erano ha hanno non più meno secondo tra fra si loro suoi sue nostri"
        ),
    ),
    "pl": _NumberLanguage(
        decimal=",",
        space_groups=True,
        scales={
            "tysiąc": 1e3,
            "tysiące": 1e3,
            "tysięcy": 1e3,
            "tys.": 1e3,
            "tys": 1e3,
            "milion": 1e6,
            "miliony": 1e6,
            "milionów": 1e6,
            "mln": 1e6,
            "miliard": 1e9,
            "miliardy": 1e9,
            "miliardów": 1e9,
            "mld": 1e9,
        },
        words=_table(
            "dwa/dwie/dwóch/dwu/dwoma trzy/trzech/trzema cztery/czterech/czterema pięć/pięciu sześć/sześciu "
            "siedem/siedmiu osiem/ośmiu dziewięć/dziewięciu dziesięć/dziesięciu jedenaście/jedenastu "
            "dwanaście/dwunastu trzynaście/trzynastu czternaście/czternastu piętnaście/piętnastu "
            "szesnaście/szesnastu siedemnaście/siedemnastu osiemnaście/osiemnastu dziewiętnaście/dziewiętnastu "
            "dwadzieścia/dwudziestu"
        )
        | {"jeden": 1.0, "jedna": 1.0, "jedno": 1.0},
        qualifiers={
            "ponad": "more than",
            "przeszło": "more than",
            "więcej niż": "more than",
            "powyżej": "more than",
            "około": "about",
            "ok.": "about",
            "prawie": "about",
            "blisko": "about",
            "niemal": "about",
            "co najmniej": "at least",
            "przynajmniej": "at least",
            "do": "up to",
            "mniej niż": "less than",
            "poniżej": "less than",
        },
        percent_after=("procent", "procentów", "procenta", "proc."),
        currencies={
            "dol.": "USD",
            "dolarów": "USD",
            "dolary": "USD",
            "dolara": "USD",
            "euro": "EUR",
            "złotych": "PLN",
            "złote": "PLN",
            "zł": "PLN",
            "rubli": "RUB",
            "funtów": "GBP",
        },
        stopwords=_set(
            "i lub ale w we na z ze do od po za o przez dla przy jest są był była były było że nie się to jak "
            "co który które których"
        ),
        adjective_endings=("ych", "ich", "ymi", "imi"),
        compound=True,
        clock_before=("godz.", "godzinie", "o"),
        hour_before=("godz.", "godzinie"),
    ),
    "tr": _NumberLanguage(
        decimal=",",
        scales={"bin": 1e3, "milyon": 1e6, "milyar": 1e9, "trilyon": 1e12},
        words=_table("iki üç dört beş altı yedi sekiz dokuz on")
        | {"yirmi": 20.0, "otuz": 30.0, "kırk": 40.0, "elli": 50.0, "bir": 1.0},
        qualifiers={
            "yaklaşık": "about",
            "yaklaşık olarak": "about",
            "tahminen": "about",
            "neredeyse": "about",
            "en az": "at least",
            "en fazla": "up to",
        },
        post_qualifiers={
            r"'?[dt][ae]n\s+fazla": "more than",
            r"'?[dt][ae]n\s+az": "less than",
            r"'?[ys]?[ae]\s+kadar": "up to",
            r"\s+civarında": "about",
        },
        percent_before=("yüzde", "%"),
        clock_before=("saat",),
        hour_before=("saat",),
        clock_after=("'",),
        compound=True,
        currencies={"dolar": "USD", "euro": "EUR", "avro": "EUR", "tl": "TRY", "lira": "TRY", "ruble": "RUB"},
        stopwords=_set("ve veya ile de da bu bir için gibi olan olarak daha en çok az kadar fazla ise"),
    ),
    "ar": _NumberLanguage(
        scales={
            "ألف": 1e3,
            "الف": 1e3,
            "آلاف": 1e3,
            "ألفا": 1e3,
            "مليون": 1e6,
            "ملايين": 1e6,
            "مليار": 1e9,
            "مليارات": 1e9,
            "ملايير": 1e9,
            "تريليون": 1e12,
        },
        words={
            "اثنان": 2,
            "اثنين": 2,
            "اثنتان": 2,
            "اثنتين": 2,
            "ثلاثة": 3,
            "ثلاث": 3,
            "أربعة": 4,
            "أربع": 4,
            "خمسة": 5,
            "ستة": 6,
            "سبعة": 7,
            "سبع": 7,
            "ثمانية": 8,
            "ثماني": 8,
            "تسعة": 9,
            "تسع": 9,
            "عشرة": 10,
            "عشرون": 20,
            "عشرين": 20,
            "ألف": 1000,
            "مئة": 100,
            "مائة": 100,
            "مليون": 1e6,
            "مليار": 1e9,
        },
        qualifiers={
            "أكثر من": "more than",
            "ما يزيد عن": "more than",
            "ما يزيد على": "more than",
            "أزيد من": "more than",
            "نحو": "about",
            "حوالي": "about",
            "قرابة": "about",
            "زهاء": "about",
            "ما يقارب": "about",
            "تقريبا": "about",
            "ما لا يقل عن": "at least",
            "على الأقل": "at least",
            "حتى": "up to",
            "أقل من": "less than",
        },
        percent_after=("بالمئة", "بالمائة", "في المئة", "في المائة", "بالمية"),
        currencies={
            "دولار": "USD",
            "دولارا": "USD",
            "دولارات": "USD",
            "يورو": "EUR",
            "روبل": "RUB",
            "جنيه إسترليني": "GBP",
            "ليرة تركية": "TRY",
            "يوان": "CNY",
        },
        connectors=("من",),
        compound=True,
        stopwords=_set(
            "في على إلى عن و أو ثم قد لقد كان كانت التي الذي الذين هذا هذه ذلك تلك أن إن لا لم لن ما مع بين "
            "حتى منذ خلال"
        ),
    ),
    "zh": _NumberLanguage(
        scales={"万亿": 1e12, "千万": 1e7, "百万": 1e6, "亿": 1e8, "億": 1e8, "万": 1e4, "萬": 1e4, "千": 1e3},
        qualifiers={
            "超过": "more than",
            "超過": "more than",
            "逾": "more than",
            "超": "more than",
            "多达": "up to",
            "约": "about",
            "約": "about",
            "大约": "about",
            "约有": "about",
            "近": "about",
            "将近": "about",
            "接近": "about",
            "大概": "about",
            "至少": "at least",
            "不到": "less than",
            "不足": "less than",
        },
        post_qualifiers={"[多余餘]": "more than"},
        percent_before=("百分之",),
        currencies={
            "美元": "USD",
            "欧元": "EUR",
            "歐元": "EUR",
            "英镑": "GBP",
            "卢布": "RUB",
            "日元": "JPY",
            "人民币": "CNY",
            "元": "CNY",
            "港元": "HKD",
        },
    ),
}

_NEUTRAL_PERCENT = ("%",)
_CURRENCY_SYMBOLS: dict[str, str] = {
    "US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₽": "RUB", "₺": "TRY", "₹": "INR",
    "USD": "USD", "EUR": "EUR", "GBP": "GBP", "RUB": "RUB", "CNY": "CNY", "JPY": "JPY", "PLN": "PLN",
    "TRY": "TRY", "CHF": "CHF", "zł": "PLN",
}  # fmt: skip
_YEAR_WORDS = _set(
    "year год года году jahr année an año anno rok roku r yıl yılı yılında yılın yılının yılına yılından عام سنة 年"
)
_ZH_MEASURES = _set(
    "小时 分钟 公里 名 个 個 位 人 架 辆 輛 艘 枚 座 所 家 起 次 条 條 只 件 具 户 戶 间 間 栋 處 处 岁 歲 天 年 周 "
    "米 吨 噸 国 國 项 份 批 倍 场 場 轮 颗 支 部 本 张 篇 例 宗 股 亩 平方公里"
)
_ZH_NOUN_MEASURES = _set("人 岁 歲 天 年 周 小时 分钟 公里 米 吨 噸 国 國 倍 次 例 平方公里")
_ZH_STOPS = set("的在被和与與及从從了已将將是为為中于於，。、；：,.;:！？!?等以都也就向到对對把由并並而或仍还還正")
_ZH_NUMERAL_DIGITS = set("零〇一二两兩三四五六七八九")

# --- compiled scans --------------------------------------------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009"
_ZH_NUMERAL = r"[零〇一二两兩三四五六七八九十百千万萬亿億]+"
_DOMAIN_PATH = re.compile(r"[\w-]+(?:\.[\w-]+)+/")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,5}\)[\s.-]?)?\d{1,5}(?:[\s.-]\d{1,5}){1,5}"
    r"|\(\d{2,5}\)\s?\d{2,4}(?:[\s.-]\d{2,4}){1,3}|\d{2,4}(?:-\d{2,4}){2,4})(?!\w)"
)
_HOUR_MINUTE = re.compile(r"(?P<h>\d{1,2})(?:[.:](?P<m>\d{2}))?")
_COMPOUND_PART = re.compile(r"[ \u00a0]+(?:و\s*)?(?P<n>\d{1,3})(?![\d.,:]\d)")
_RANGE_NEXT = re.compile(r"[-–]\d+(?:[.,]\d+)?")
_RANGE_PREVIOUS = re.compile(r"\d[-–]\Z")
_CLOCK_AFTER = ("a.m.", "p.m.", "gmt", "utc")
_EN_PLURALS = _set("people police children men women staff personnel cattle sheep fish deer")
_WORD = re.compile(rf"[ {_SPACES}]+(?P<w>[^\W\d_](?:[\w'-]*[^\W\d_])?)")
_LAST_WORD = re.compile(r"(\w+)\W*\Z")
_TR_SUFFIX = re.compile(r"'\w+")


def _phrases(words: Iterable[str]) -> str:
    """An alternation of folded phrases, longest first; spaces match any run of spaces."""
    unique = sorted({fold(w) for w in words if w}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", rf"[\s{_SPACES}]+") for w in unique)


@dataclass(frozen=True)
class _Scan:
    """The compiled regexes of one language and the folded tables their matches are looked up in."""

    spec: _NumberLanguage
    language: str | None
    cores: tuple[re.Pattern[str], ...]
    """Digits, Chinese numerals, number words: each a fast literal-led regex, merged by position."""
    scale: re.Pattern[str] | None
    currency_scale: re.Pattern[str] | None
    scales: dict[str, float]
    words: dict[str, float]
    qualifier: re.Pattern[str] | None
    qualifiers: dict[str, str]
    post: tuple[tuple[re.Pattern[str], str], ...]
    percent_after: re.Pattern[str]
    percent_before: re.Pattern[str] | None
    currency_before: re.Pattern[str]
    currency_after: re.Pattern[str]
    currencies: dict[str, str]
    clock_before: re.Pattern[str] | None
    hour_before: re.Pattern[str] | None
    clock_after: re.Pattern[str]
    hour_after: re.Pattern[str]


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def _trie(words: Iterable[str]) -> str:
    """A regex for exactly these words, factored by shared prefixes: one branch per letter, so it is fast."""
    root: dict[str, dict[str, Any]] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if "" in node:
            return f"(?:{'|'.join(branches)})?" if branches else ""
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return emit(root)


def _capitalised(words: Iterable[str]) -> set[str]:
    return {form for word in words for form in (word, word[:1].upper() + word[1:])}


def _key(phrase: str) -> str:
    """How a matched phrase is looked up: lower-case (Turkish İ kept one letter), spaces squashed."""
    return re.sub(rf"[\s{_SPACES}]+", " ", phrase.replace("İ", "i").lower())


@cache
def _scan_for(language: str | None) -> _Scan:
    """Compile (once) the scan of a language; None is English plus the language-neutral forms."""
    spec = _LANGUAGES.get(language or "en", _EN)
    chinese = language in ("zh", None)
    scales = {fold(k): v for k, v in spec.scales.items()}
    if language is None:
        scales |= {fold(k): v for k, v in _LANGUAGES["zh"].scales.items()}
    words = {fold(k).lower(): v for k, v in spec.words.items()}

    spaces = _SPACES + (" " if spec.space_groups else "")
    cores = [re.compile(rf"(?P<num>\d(?:\d{{0,2}}(?:[{spaces}]\d{{3}})+(?:,\d+)?(?!\d)|\d*(?:[.,]\d+)*))")]
    if chinese:
        cores.append(re.compile(rf"(?P<zh>{_ZH_NUMERAL})"))
    if words:  # written out in lower and Capitalised forms: a case-insensitive alternation is slow
        single = _capitalised(w for w, v in words.items() if v == 1)
        several = _capitalised(w for w, v in words.items() if v != 1)
        scale_ahead = rf"(?=[\s{_SPACES}]+(?i:{_phrases(scales)})(?!\w))"
        cores.append(re.compile(rf"(?P<word>{_trie(several)}(?!\w)|{_trie(single)}{scale_ahead})"))

    def tail(table: Iterable[str], before: str = "") -> re.Pattern[str]:
        """One of ``table`` at the position, after an optional space; a phrase ending in a letter ends a word."""
        phrases = sorted({fold(p) for p in table if p}, key=lambda p: (-len(p), p))
        parts = [
            re.escape(p).replace(r"\ ", rf"[\s{_SPACES}]+")
            + ("" if _is_cjk(p[-1]) or not p[-1].isalnum() else r"(?!\w)")
            for p in phrases
        ]
        return re.compile(rf"[ {_SPACES}]?{before}(?P<t>{'|'.join(parts)})", re.IGNORECASE)

    def before(words: tuple[str, ...]) -> re.Pattern[str] | None:
        """One of ``words`` ending right before the number (searched in a short window)."""
        return re.compile(rf"(?<!\w)(?:{_phrases(words)})[\s{_SPACES}]+\Z", re.IGNORECASE) if words else None

    qualifiers = {_key(fold(k)): v for k, v in spec.qualifiers.items()}
    qualifier = None
    if qualifiers:
        left = "" if language == "zh" else r"(?:(?<!\w)|(?<=(?<!\w)[وف]))"
        qualifier = re.compile(rf"{left}(?P<q>{_phrases(spec.qualifiers)})[\s{_SPACES}]*\Z", re.IGNORECASE)
    currencies = {_key(fold(k)): v for k, v in spec.currencies.items()}
    currencies |= {_key(k): v for k, v in _CURRENCY_SYMBOLS.items()}
    connector = f"(?:(?:{_phrases(spec.connectors)})[ {_SPACES}]?)?" if spec.connectors else ""
    symbols = [s for s in _CURRENCY_SYMBOLS if s != "zł"]
    return _Scan(
        spec=spec,
        language=language,
        cores=tuple(cores),
        scale=tail(scales) if scales else None,
        currency_scale=tail(spec.currency_scales) if spec.currency_scales else None,
        scales={_key(k): v for k, v in scales.items()},
        words=words,
        qualifier=qualifier,
        qualifiers=qualifiers,
        post=tuple((re.compile(p, re.IGNORECASE), q) for p, q in spec.post_qualifiers.items()),
        percent_after=tail(list(spec.percent_after) + list(_NEUTRAL_PERCENT)),
        percent_before=(
            re.compile(rf"(?P<t>{_phrases(spec.percent_before)})[ {_SPACES}]?\Z", re.IGNORECASE)
            if spec.percent_before
            else None
        ),
        currency_before=re.compile(rf"(?P<t>{_phrases(symbols)})[ {_SPACES}]?\Z"),
        currency_after=tail(list(spec.currencies) + list(_CURRENCY_SYMBOLS), connector),
        currencies=currencies,
        clock_before=before(spec.clock_before),
        hour_before=before(spec.hour_before),
        clock_after=tail(spec.clock_after + _CLOCK_AFTER),
        hour_after=tail(spec.hour_after + _CLOCK_AFTER),
    )


_ZH_MEASURE_RE = re.compile(
    rf"[ {_SPACES}]?(?P<m>{'|'.join(sorted(_ZH_MEASURES, key=len, reverse=True))})"
    rf"(?P<n>(?:(?![{''.join(sorted(_ZH_STOPS))}])[\u3400-\u9fff]){{0,4}})"
)

# --- reading one number ----------------------------------------------------------------------------------------


def _parse_digits(raw: str, decimal: str) -> float | None:
    """The value of a digit string with separators, read with the language's decimal mark (see module doc)."""
    digits = re.sub(f"[ {_SPACES}]", "", raw)
    spaced = len(digits) != len(raw)
    dots, commas = digits.count("."), digits.count(",")
    if not dots and not commas:
        return float(digits)
    if dots and commas:
        mark = "." if digits.rfind(".") > digits.rfind(",") else ","
        whole, _, fraction = digits.partition(mark)
        if mark in fraction or not _grouped(whole.split("," if mark == "." else ".")):
            return None
        return float(f"{re.sub('[.,]', '', whole)}.{fraction}")
    mark = "." if dots else ","
    parts = digits.split(mark)
    if spaced:  # "4 000,5": the mark after space groups is a decimal one
        return float(f"{parts[0]}.{parts[1]}") if len(parts) == 2 else None
    if len(parts) > 2:
        return float("".join(parts)) if _grouped(parts) else None
    if mark != decimal and _grouped(parts):
        return float("".join(parts))
    return float(f"{parts[0]}.{parts[1]}")


def _grouped(parts: list[str]) -> bool:
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])


def _free_left(folded: str, start: int) -> bool:
    """Nothing before the number makes it part of a word, an id or a version ("G20", "Su-35", "v1.2", "'94")."""
    if start == 0:
        return True
    char = folded[start - 1]
    if char.isalpha():
        return (_is_cjk(char) and char not in "第周期拜") or _is_arabic(char)
    if char in "'#№":  # "'94", "#4512", "№3"
        return False
    if char in "-–/.:#@_" and start >= 2 and folded[start - 2].isalnum():
        return char in "-–" and folded[start - 2].isdigit()  # the end of a range "10-15"
    return True


def _blocked_right(folded: str, end: int) -> bool:
    """A time, fraction or date goes on after the number, or a hyphenated word ("08:30", "1/2", "10-year")."""
    char, following = folded[end : end + 1], folded[end + 1 : end + 2]
    return (char in (":", "/") and following.isdigit()) or (char == "-" and following.isalpha())


def _in_link_or_phone(folded: str, start: int, end: int) -> bool:
    """The number is part of a URL, an e-mail address or a phone number."""
    low = max(folded.rfind(c, max(0, start - 200), start) for c in " \n\t\u00a0") + 1
    token = folded[low : end + 200].split(maxsplit=1)[0] if not folded[low:end].isspace() else ""
    if "://" in token or token.lower().startswith("www.") or "@" in token or _DOMAIN_PATH.match(token):
        return True
    window = max(0, start - 20)
    return any(m.start() <= start and end <= m.end() for m in _PHONE.finditer(folded, window, end + 20))


def _list_marker(folded: str, start: int, end: int) -> bool:
    """ "1) ..." or "2. ..." at the start of a line."""
    line_start = folded.rfind("\n", 0, start) + 1
    return not folded[line_start:start].strip() and folded[end : end + 2] in (") ", ". ", ")\n", ".\n")


def _is_clock(folded: str, start: int, end: int, raw: str, scan: _Scan) -> bool:
    """A time of day: "13.45 Uhr", "8.30 a.m.", "alle 20.45", "a las 10", "13.37'de"."""
    time = _HOUR_MINUTE.fullmatch(raw)
    if not time or int(time["h"]) > 24 or (time["m"] and int(time["m"]) > 59):
        return False
    if scan.clock_after.match(folded, end):
        return True
    before = scan.hour_before if not time["m"] else scan.clock_before
    return before is not None and before.search(folded, max(0, start - 20), start) is not None


@dataclass(slots=True)
class _Reading:
    start: int
    end: int
    value: float
    unit: str | None = None
    qualifier: str | None = None
    percent: bool = False
    currency: str | None = None
    year_like: bool = False
    scaled: bool = False


Span = tuple[int, int]


def _unit(folded: str, pos: int, scan: _Scan) -> Span | None:
    """Where the counted noun after the number is, passing over acronyms, adjectives and connectors.

    "800 IS fighters" → "fighters", "4,000 family members" → "family members", "11 тысяч человек" → "человек".
    """
    spec = scan.spec
    if scan.language == "tr" and _TR_SUFFIX.match(folded, pos):
        return None  # "324'e ulaştığı": the number itself takes the case ending
    after_dot = folded[pos - 1 : pos] == "."  # "200 tys. Zdaniem ...": the abbreviation ended a sentence
    spans: list[Span] = []
    while len(spans) < 4 and (match := _WORD.match(folded, pos)):
        pos = match.end()
        if folded[pos : pos + 1] == "-" and folded[pos + 1 : pos + 2].isdigit():  # "two F-16s"
            break
        spans.append(match.span("w"))
    words = [folded[start:end] for start, end in spans]
    skipped = 0
    for i, word in enumerate(words):
        lower = word.lower()
        span = spans[i]
        if scan.language in ("fr", "it") and lower[:2] in ("d'", "l'"):
            word, lower, span = word[2:], lower[2:], (span[0] + 2, span[1])
        more = i + 1 < len(words) and skipped < 2
        if more and i == 0 and lower in spec.connectors:
            skipped += 1
            continue
        if more and word.isupper() and 1 < len(word) <= 5:  # "IS fighters", "US troops"
            skipped += 1
            continue
        if lower in spec.stopwords or (i == 0 and after_dot and word[:1].isupper() and scan.language != "de"):
            return None
        if more and (lower in spec.skip or (spec.adjective_endings and lower.endswith(spec.adjective_endings))):
            skipped += 1
            continue
        if scan.language == "de":  # German nouns are capitalised: "drei nordamerikanischen Ländern"
            if word[:1].isupper():
                return span
            if more and words[i + 1][:1].isupper():
                skipped += 1
                continue
            return None
        if scan.language in ("en", None) and i + 1 < len(words) and not lower.endswith("s"):
            second = words[i + 1]
            if second.islower() and second.endswith("s") and second not in spec.stopwords | spec.skip:
                return span[0], spans[i + 1][1]  # "family members"
        return span
    return None


def _chinese_unit(folded: str, pos: int) -> Span | None:
    """The measure word's noun ("名武装分子" → "武装分子"), or the measure word itself ("人", "岁")."""
    match = _ZH_MEASURE_RE.match(folded, pos)
    if not match:
        return None
    if match["m"] in _ZH_NOUN_MEASURES or not match["n"]:
        return match.span("m")
    return match.span("n")


def _core_value(folded: str, match: re.Match[str], scan: _Scan) -> float | None:
    """The value of a number core, or None when it is part of something else (a word, an id, a link)."""
    kind, raw = match.lastgroup, match.group()
    start, end = match.span()
    if kind == "word":
        value = scan.words.get(_key(raw)) if not (start and folded[start - 1].isalnum()) else None
    elif not _free_left(folded, start):
        return None
    elif kind == "zh":
        leading_digit = raw[0] == "十" or raw[0] in _ZH_NUMERAL_DIGITS  # not "万一", "千万"
        value = chinese_numeral_value(raw) if leading_digit else None
    elif (raw[0] == "0" and raw[1:2].isdigit()) or len(raw) > 12 or _list_marker(folded, start, end):
        return None
    else:
        value = _parse_digits(raw, scan.spec.decimal)
    if value is None or _blocked_right(folded, end) or _in_link_or_phone(folded, start, end):
        return None
    if scan.spec.ordinal_before and folded[end : end + 2] == ". ":  # German "am 3. Tag"
        previous = _LAST_WORD.search(folded, max(0, start - 20), start)
        if previous and previous.group(1).lower() in scan.spec.ordinal_before:
            return None
    return value


def _read_tail(folded: str, reading: _Reading, scan: _Scan) -> str | None:
    """Read scale words, per cent, currency and a qualifier written after the number; returns that qualifier."""
    pos, multiplier, post = reading.end, 1.0, None
    for _ in range(2):  # "mil millones", "hundred thousand", "800多万"
        for pattern, qualifier in scan.post:
            if post is None and (found := pattern.match(folded, pos)):
                post, pos = qualifier, found.end()
        scale = scan.scale.match(folded, pos) if scan.scale else None
        if scale is None and reading.currency and scan.currency_scale:  # "$5m"
            scale = scan.currency_scale.match(folded, pos)
            scale = scale if scale and scale.start("t") == pos else None
        if scale is None:
            break
        multiplier *= scan.scales.get(_key(scale["t"])) or scan.spec.currency_scales.get(_key(scale["t"]), 1.0)
        pos, reading.scaled = scale.end(), True
    extra, smallest = 0.0, multiplier
    while scan.spec.compound and reading.scaled and (part := _COMPOUND_PART.match(folded, pos)):
        scale = scan.scale.match(folded, part.end()) if scan.scale else None
        size = scan.scales.get(_key(scale["t"]), 1.0) if scale else 1.0
        if float(part["n"]) * size >= smallest:
            break
        extra, smallest, pos = extra + float(part["n"]) * size, size, (scale or part).end()
    if found := scan.percent_after.match(folded, pos):
        reading.percent, pos = True, found.end()
    elif found := scan.currency_after.match(folded, pos):
        reading.currency, pos = scan.currencies.get(_key(found["t"])), found.end()
    if post is None:
        for pattern, qualifier in scan.post:
            if found := pattern.match(folded, pos):
                post, pos = qualifier, found.end()
                break
    reading.value = reading.value * multiplier + extra
    reading.end = pos
    return post


def _looks_like_year(reading: _Reading, unit: str | None, in_year_span: bool, language: str | None) -> bool:
    """A plain 1900–2100 whose context does not make it a count ("in 2019", "2019 год", "2019 saw")."""
    if in_year_span or unit is None or unit.lower() in _YEAR_WORDS:
        return True
    if language != "de" and unit[:1].isupper() and not unit.isupper():  # "2013 Bondi", "2026 Vekaletle"
        return True
    lower = unit.lower()
    return language in ("en", None) and not lower.endswith("s") and lower not in _EN_PLURALS


def _read(
    text: str, folded: str, match: re.Match[str], scan: _Scan, years: bytearray, free_from: int
) -> _Reading | None:
    """Read the quantity around one number core, or None when the core is no quantity."""
    value = _core_value(folded, match, scan)
    if value is None:
        return None
    kind, raw = match.lastgroup, match.group()
    start, end = match.span()
    reading = _Reading(start, end, value)
    if before := scan.currency_before.search(folded, max(0, start - 5), start):
        reading.currency, reading.start = scan.currencies.get(_key(before["t"])), before.start()
    if scan.percent_before and (before := scan.percent_before.search(folded, max(0, start - 8), start)):
        reading.percent, reading.start = True, before.start()
    post = _read_tail(folded, reading, scan)
    char = folded[end : end + 1]
    if reading.end == end and char.isalpha() and not (_is_cjk(char) or _is_arabic(char)):
        return None  # "2nd", "90s", "3D", "4x4"
    plain = kind == "num" and not (reading.scaled or reading.percent or reading.currency)
    if plain and _is_clock(folded, start, end, raw, scan):
        return None

    span: Span | None = None
    if not reading.percent and not reading.currency:
        if scan.language == "zh" or (scan.language is None and _is_cjk(folded[reading.end : reading.end + 1])):
            span = _chinese_unit(folded, reading.end)
        else:
            span = _unit(folded, reading.end, scan)
    if kind == "zh" and (value < 2 or (len(raw) == 1 and not (span or post or reading.scaled))):
        return None
    plain_year = plain and raw.isdigit() and len(raw) == 4 and 1900 <= value <= 2100
    if plain and not plain_year and span is None:  # a range "10-15 people" takes the unit after its end
        if next_part := _RANGE_NEXT.match(folded, end):
            span = _unit(folded, next_part.end(), scan)
        if span is None and (next_part or _RANGE_PREVIOUS.search(folded, max(0, start - 2), start)):
            return None  # a score "2-1"

    found = scan.qualifier.search(folded, max(0, reading.start - 30), reading.start) if scan.qualifier else None
    if found and found.start("q") >= free_from:
        reading.qualifier, reading.start = scan.qualifiers.get(_key(found["q"])), found.start("q")
    reading.qualifier = reading.qualifier or post
    unit = text[span[0] : span[1]] if span else None
    if plain_year and _looks_like_year(reading, unit, years.find(1, start, end) != -1, scan.language):
        reading.year_like, reading.qualifier, reading.start = True, None, start
        unit = unit if unit and unit.lower() in _YEAR_WORDS else None
    reading.unit = unit.lower() if unit else None
    return reading


def _format(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def find_numbers(text: str, language: str | None) -> list[Mention]:
    """Quantity mentions in ``text``, sorted by start and non-overlapping.

    ``language`` is an ISO 639-1 code (or None: English and the language-neutral forms). Each mention's
    ``attrs`` hold ``value``, ``unit``, ``qualifier``, ``percent``, ``currency`` and ``year_like``.
    """
    language = normalise_language(language)
    scan = _scan_for(language)
    folded = fold(text)
    blocked = bytearray(len(folded))
    years = bytearray(len(folded))
    for start, end, granularity in date_spans(text, language):
        target = years if granularity == "year" else blocked
        target[start:end] = b"\x01" * (end - start)

    mentions: list[Mention] = []
    free_from = 0
    matches = [match for pattern in scan.cores for match in pattern.finditer(folded)]
    if len(scan.cores) > 1:
        matches.sort(key=lambda match: match.start())
    for match in matches:
        if match.start() < free_from or blocked.find(1, match.start(), match.end()) != -1:
            continue
        reading = _read(text, folded, match, scan, years, free_from)
        if reading is None:
            continue
        free_from = reading.end
        label = f"{reading.value:.0f}" if reading.year_like else _format(reading.value)
        label += "%" if reading.percent else ""
        label += "".join(f" {part}" for part in (reading.currency, reading.unit) if part)
        mentions.append(
            Mention(
                kind="number",
                text=text[reading.start : reading.end],
                key=f"number:{reading.value:g}",
                label=label,
                start=reading.start,
                end=reading.end,
                attrs={
                    "value": reading.value,
                    "unit": reading.unit,
                    "qualifier": reading.qualifier,
                    "percent": reading.percent,
                    "currency": reading.currency,
                    "year_like": reading.year_like,
                },
            )
        )
    return mentions
