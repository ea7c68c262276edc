"""Date mentions in ten languages (en de es fr it pl tr ru ar zh), found by a regex scan over our own tables.

Month and weekday names come from babel (every locale's format and stand-alone forms), plus the forms babel
lacks: Russian prepositional ("в феврале"), Polish locative ("w lutym"), Turkish suffixes ("Şubat'ta"),
Levantine and Maghrebi Arabic month names. ``datetime`` only validates a candidate once found.

Rules worth knowing:

* Numeric dates are read day-first ("03/04/2019" is 3 April 2019) unless the first field is over 12 and the
  second is not ("02/17/2019" is 17 February 2019), in every language, English included.
* A date without a year ("in August", "Feb. 17", "2月17日") takes the year from ``reference`` and gets
  ``relative=True``: a month alone is the most recent such month not after the reference month; a day and
  month may lie up to 62 days after the reference ("the vote on June 18", written in May). A "next" word
  ("next March", "janvier prochain") picks the first one after the reference instead. Without a reference
  such dates are skipped. Weekdays ("on Sunday": the latest Sunday on or before the reference, or the next
  one after "next"/"kommenden"/"المقبل") and relative words ("yesterday", "last week": month granularity)
  likewise need a reference.
* A month name standing alone needs a preposition before it ("in August", "в августе", "في أغسطس") so that
  "May" the verb or "Mars" the planet is not taken for a month; a year standing alone needs one too ("in
  2014", "с 2014 года", "2014年").

The module also holds the text folding and Chinese numeral reading that :mod:`storyline.enrich.numbers` shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache

from babel.dates import get_day_names, get_month_names

from storyline.records import Mention

__all__ = ["LANGUAGES", "chinese_numeral_value", "date_spans", "find_dates", "fold", "normalise_language"]

LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr", "it", "pl", "tr", "ru", "ar", "zh")
"""The languages with their own rules; any other code (or None) gets the language-neutral rules plus English."""

# --- shared text helpers -----------------------------------------------------------------------------------

_FOLD_MAP: dict[str, str] = {
    **{chr(base + i): str(i) for base in (0x0660, 0x06F0, 0xFF10) for i in range(10)},
    "\u066b": ".",  # Arabic decimal separator
    "\u066c": ",",  # Arabic thousands separator
    "\u066a": "%",  # Arabic percent sign
    "\uff05": "%",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ё": "е",
    "Ё": "Е",
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
}
_FOLDABLE = re.compile("[" + "".join(_FOLD_MAP) + "]")


def fold(text: str) -> str:
    """Fold digits to ASCII, Arabic alef forms to ا, ё to е and curly apostrophes to '; the length is kept."""
    return _FOLDABLE.sub(lambda m: _FOLD_MAP[m.group()], text)


def normalise_language(language: str | None) -> str | None:
    """``"en-US"`` → ``"en"``; a language without rules of its own → None."""
    if not language:
        return None
    code = language.replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


_ZH_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_ZH_SMALL: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_LEADING_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def chinese_numeral_value(numeral: str) -> float | None:
    """Read a Chinese numeral, possibly led by Arabic digits: "两千" 2000, "一百四十" 140, "1.2万" 12000."""
    numeral = numeral.replace(" ", "")
    if len(numeral) > 1 and all(ch in _ZH_DIGITS for ch in numeral):  # positional: "二〇一九"
        return float("".join(str(_ZH_DIGITS[ch]) for ch in numeral))
    total = section = number = 0.0
    lead = _LEADING_DIGITS.match(numeral)
    if lead:
        number = float(lead.group())
    for ch in numeral[lead.end() if lead else 0 :]:
        if ch in _ZH_DIGITS:
            number = _ZH_DIGITS[ch]
        elif ch in _ZH_SMALL:
            section += (number or 1) * _ZH_SMALL[ch]
            number = 0
        elif ch in _ZH_BIG:
            block = section + number
            if _ZH_BIG[ch] == 10_000:
                total += (block or 1) * 10_000
            else:
                total = (total + block or 1) * 100_000_000
            section = number = 0
        else:
            return None
    return total + section + number


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of literal phrases, longest first, any run of spaces matching any whitespace."""
    unique = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in unique)


def _squash(phrase: str) -> str:
    """How a matched phrase is looked up: lower-case (Turkish İ kept one letter), spaces squashed."""
    return re.sub(r"\s+", " ", phrase.replace("İ", "i").lower())


# --- language tables -----------------------------------------------------------------------------------------

Shift = tuple[str, int]
"""A relative expression: a unit ("day", "week", "month", "year") and how many of them from the reference."""


@dataclass(frozen=True)
class _DateLanguage:
    """What one language needs beyond babel's names. Regex fragments are marked ``*_re``."""

    locales: tuple[str, ...]
    capitalised: bool = False
    """Month and weekday names are written with a capital (en, de, tr): match them case-sensitively."""
    extra_months: Mapping[str, int] = field(default_factory=dict)
    extra_weekdays: Mapping[str, int] = field(default_factory=dict)
    month_preps: tuple[str, ...] = ()
    """Words before a month standing alone ("in", "в", "في")."""
    month_mods: tuple[str, ...] = ()
    """Words allowed between such a preposition and the month ("early", "شهر")."""
    month_suffix_re: str = ""
    """What may follow a month name inside the word (Turkish "'ta")."""
    bare_month_after_re: str = ""
    """A context after a month standing alone that makes it a month (Turkish "Şubat'ta", "Şubat ayında")."""
    year_preps: tuple[str, ...] = ()
    year_mods: tuple[str, ...] = ()
    year_word_re: str = ""
    """Words after a year that mark it as one ("года", "r.", "yılında")."""
    last_year_re: str = ""
    """After a month: "of last year" ("прошлого года")."""
    month_first: bool = False
    """Also read "February 17, 2019" (month, day, year)."""
    relative: Mapping[str, Shift] = field(default_factory=dict)
    next_before: tuple[str, ...] = ()
    """Words before a month or weekday that point forward ("next", "kommenden"): the next one, not the last."""
    next_after: tuple[str, ...] = ()
    clitics: str = ""
    """One-letter prefixes that may be glued to a date (Arabic و, ب, ل, ف)."""


_EN = _DateLanguage(
    locales=("en",),
    capitalised=True,
    extra_months={"Sept": 9},
    month_preps=(
        "in", "since", "by", "until", "till", "from", "through", "throughout", "during", "of", "before",
        "after", "between", "to", "last", "next", "this", "early", "late", "mid", "around",
    ),
    month_mods=("early", "late", "mid", "the end of", "the middle of", "the beginning of"),
    year_preps=(
        "in", "since", "by", "until", "till", "from", "through", "throughout", "during", "before", "after",
        "between", "year", "early", "late", "mid", "and",
    ),
    last_year_re=r"\s+last\s+year",
    month_first=True,
    next_before=("next", "this coming", "coming"),
    relative={
        "yesterday": ("day", -1), "today": ("day", 0), "tomorrow": ("day", 1),
        "the day before yesterday": ("day", -2),
        "last week": ("week", -1), "this week": ("week", 0), "next week": ("week", 1),
        "past week": ("week", -1), "a week ago": ("week", -1), "last weekend": ("week", -1),
        "last month": ("month", -1), "this month": ("month", 0), "next month": ("month", 1),
        "a month ago": ("month", -1),
        "last year": ("year", -1), "this year": ("year", 0), "next year": ("year", 1),
        "a year ago": ("year", -1),
    },
)  # fmt: skip

_LANGUAGES: dict[str, _DateLanguage] = {
    "en": _EN,
    "de": _DateLanguage(
        locales=("de", "de_AT"),
        capitalised=True,
        extra_months={"Jänner": 1, "Sept": 9},
        month_preps=(
            "im", "seit", "bis", "ab", "vom", "zum", "bis zum", "anfang", "mitte", "ende", "nach", "vor",
            "zwischen", "monat",
        ),
        month_mods=("vergangenen", "letzten", "kommenden", "nächsten", "diesen", "dieses", "des", "monat"),
        year_preps=(
            "im jahr", "im jahre", "seit", "bis", "ab", "vor", "nach", "anfang", "ende", "mitte", "jahr",
            "zwischen",
        ),
        last_year_re=r"\s+(?:vergangenen|letzten)\s+Jahres",
        next_before=("kommenden", "kommender", "kommende", "nächsten", "nächster", "nächste"),
        relative={
            "gestern": ("day", -1), "heute": ("day", 0), "vorgestern": ("day", -2),
            "letzte woche": ("week", -1), "vergangene woche": ("week", -1), "vergangenen woche": ("week", -1),
            "letzten woche": ("week", -1), "diese woche": ("week", 0), "dieser woche": ("week", 0),
            "nächste woche": ("week", 1), "nächsten woche": ("week", 1),
            "letzten monat": ("month", -1), "vergangenen monat": ("month", -1), "diesen monat": ("month", 0),
            "nächsten monat": ("month", 1),
            "letztes jahr": ("year", -1), "vergangenes jahr": ("year", -1), "vergangenen jahr": ("year", -1),
            "vergangenen jahres": ("year", -1), "letzten jahres": ("year", -1), "dieses jahr": ("year", 0),
            "diesem jahr": ("year", 0), "nächstes jahr": ("year", 1), "nächsten jahr": ("year", 1),
        },
    ),
    "ru": _DateLanguage(
        locales=("ru",),
        extra_months={
            "январе": 1, "феврале": 2, "марте": 3, "апреле": 4, "мае": 5, "июне": 6, "июле": 7, "августе": 8,
            "сентябре": 9, "октябре": 10, "ноябре": 11, "декабре": 12,
        },
        extra_weekdays={"среду": 2, "пятницу": 4, "субботу": 5},
        month_preps=(
            "в", "во", "с", "со", "до", "к", "по", "от", "на", "за", "из", "и", "или", "начале", "конце",
            "середине", "начала", "конца", "середины", "течение",
        ),
        year_preps=(
            "в", "во", "с", "со", "до", "к", "по", "от", "на", "за", "и", "начале", "конце", "середине",
            "начала", "конца", "середины", "течение",
        ),
        year_word_re=r"(?:\s?(?:(?:года|году|годом|год)(?!\w)|гг?\.))",
        last_year_re=r"\s+(?:прошлого|минувшего)\s+года",
        next_before=("следующий", "следующую", "следующее", "следующем", "ближайший", "ближайшую", "ближайшее"),
        relative={
            "вчера": ("day", -1), "сегодня": ("day", 0), "завтра": ("day", 1), "позавчера": ("day", -2),
            "на прошлой неделе": ("week", -1), "на минувшей неделе": ("week", -1),
            "на этой неделе": ("week", 0), "на следующей неделе": ("week", 1),
            "в прошлом месяце": ("month", -1), "в этом месяце": ("month", 0),
            "в следующем месяце": ("month", 1),
            "в прошлом году": ("year", -1), "в минувшем году": ("year", -1), "в этом году": ("year", 0),
            "в текущем году": ("year", 0), "в следующем году": ("year", 1),
        },
    ),
    "pl": _DateLanguage(
        locales=("pl",),
        extra_months={
            "styczniu": 1, "lutym": 2, "marcu": 3, "kwietniu": 4, "maju": 5, "czerwcu": 6, "lipcu": 7,
            "sierpniu": 8, "wrześniu": 9, "październiku": 10, "listopadzie": 11, "grudniu": 12,
        },
        extra_weekdays={"niedzielę": 6, "środę": 2, "sobotę": 5},
        month_preps=(
            "w", "we", "od", "do", "z", "na", "przez", "po", "przed", "początku", "końcu", "połowie", "połowy",
            "i", "lub",
        ),
        year_preps=("w", "we", "od", "do", "z", "po", "przed", "roku", "początku", "końcu", "i"),
        year_word_re=r"(?:\s?(?:(?:roku|rok)(?!\w)|r\.))",
        last_year_re=r"\s+(?:zeszłego|ubiegłego)\s+roku",
        next_before=("przyszły", "przyszłą", "przyszłym", "najbliższy", "najbliższą", "najbliższym"),
        relative={
            "wczoraj": ("day", -1), "dziś": ("day", 0), "dzisiaj": ("day", 0), "przedwczoraj": ("day", -2),
            "w zeszłym tygodniu": ("week", -1), "w ubiegłym tygodniu": ("week", -1),
            "w tym tygodniu": ("week", 0), "w przyszłym tygodniu": ("week", 1),
            "w zeszłym miesiącu": ("month", -1), "w ubiegłym miesiącu": ("month", -1),
            "w tym miesiącu": ("month", 0),
            "w zeszłym roku": ("year", -1), "w ubiegłym roku": ("year", -1), "w tym roku": ("year", 0),
            "w przyszłym roku": ("year", 1),
        },
    ),
    "tr": _DateLanguage(
        locales=("tr",),
        capitalised=True,
        month_suffix_re=r"(?:'\w+)?",
        bare_month_after_re=r"'\w+|\s+ay(?:ı|ında|ından|ına)(?!\w)",
        month_preps=("geçen", "bu", "gelecek", "önümüzdeki"),
        next_before=("gelecek", "önümüzdeki"),
        year_word_re=r"(?:'\w+|\s+yıl(?:ı|ın|ının|ında|ından|ına)?(?!\w))",
        relative={
            "dün": ("day", -1), "bugün": ("day", 0), "yarın": ("day", 1), "evvelsi gün": ("day", -2),
            "geçen hafta": ("week", -1), "bu hafta": ("week", 0), "gelecek hafta": ("week", 1),
            "önümüzdeki hafta": ("week", 1),
            "geçen ay": ("month", -1), "bu ay": ("month", 0), "gelecek ay": ("month", 1),
            "geçen yıl": ("year", -1), "geçen sene": ("year", -1), "bu yıl": ("year", 0),
            "bu sene": ("year", 0), "gelecek yıl": ("year", 1), "önümüzdeki yıl": ("year", 1),
        },
    ),
    "es": _DateLanguage(
        locales=("es",),
        extra_months={"setiembre": 9},
        month_preps=("en", "desde", "hasta", "de", "del", "a", "para", "durante", "y", "o", "entre"),
        year_preps=("en", "desde", "hasta", "año", "del", "entre"),
        last_year_re=r"\s+del?\s+año\s+pasado",
        next_before=("próximo", "próxima"),
        next_after=("próximo", "próxima", "que viene"),
        relative={
            "ayer": ("day", -1), "hoy": ("day", 0), "anteayer": ("day", -2),
            "la semana pasada": ("week", -1), "esta semana": ("week", 0), "la próxima semana": ("week", 1),
            "la semana próxima": ("week", 1),
            "el mes pasado": ("month", -1), "este mes": ("month", 0), "el próximo mes": ("month", 1),
            "el año pasado": ("year", -1), "este año": ("year", 0), "el próximo año": ("year", 1),
            "el año próximo": ("year", 1),
        },
    ),
    "fr": _DateLanguage(
        locales=("fr",),
        month_preps=(
            "en", "depuis", "de", "d'", "début", "fin", "mi", "jusqu'en", "jusqu'à", "dès", "courant", "avant",
            "après", "et", "ou", "entre",
        ),
        year_preps=("en", "depuis", "jusqu'en", "dès", "avant", "après", "année", "l'année", "début", "fin"),
        last_year_re=r"\s+(?:de\s+)?l'(?:année|an)\s+(?:dernière|dernier|passée|passé)",
        next_after=("prochain", "prochaine"),
        relative={
            "hier": ("day", -1), "aujourd'hui": ("day", 0), "demain": ("day", 1), "avant-hier": ("day", -2),
            "la semaine dernière": ("week", -1), "cette semaine": ("week", 0),
            "la semaine prochaine": ("week", 1),
            "le mois dernier": ("month", -1), "ce mois-ci": ("month", 0), "le mois prochain": ("month", 1),
            "l'année dernière": ("year", -1), "l'an dernier": ("year", -1), "l'an passé": ("year", -1),
            "l'année passée": ("year", -1), "cette année": ("year", 0), "l'année prochaine": ("year", 1),
            "l'an prochain": ("year", 1),
        },
    ),
    "it": _DateLanguage(
        locales=("it",),
        month_preps=(
            "a", "ad", "in", "da", "dal", "di", "del", "nel", "fino a", "entro", "inizio", "fine", "metà",
            "tra", "e", "o",
        ),
        year_preps=("nel", "dal", "del", "entro", "anno", "fino al", "nell'anno", "tra"),
        last_year_re=r"\s+dell'anno\s+scorso",
        next_before=("prossimo", "prossima"),
        next_after=("prossimo", "prossima"),
        relative={
            "ieri": ("day", -1), "oggi": ("day", 0), "domani": ("day", 1), "l'altro ieri": ("day", -2),
            "l'altroieri": ("day", -2),
            "la settimana scorsa": ("week", -1), "questa settimana": ("week", 0),
            "la prossima settimana": ("week", 1), "la settimana prossima": ("week", 1),
            "il mese scorso": ("month", -1), "questo mese": ("month", 0), "il prossimo mese": ("month", 1),
            "l'anno scorso": ("year", -1), "quest'anno": ("year", 0), "il prossimo anno": ("year", 1),
            "l'anno prossimo": ("year", 1),
        },
    ),
    "ar": _DateLanguage(
        locales=("ar", "ar_SY", "ar_MA", "ar_DZ"),
        extra_months={
            "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7, "آب": 8,
            "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "إبريل": 4, "ابريل": 4,
        },
        month_preps=(
            "في", "وفي", "منذ", "ومنذ", "خلال", "حتى", "من", "الى", "إلى", "مطلع", "أوائل", "أواخر", "منتصف",
            "بداية", "نهاية", "شهر", "و",
        ),
        month_mods=("شهر",),
        year_preps=(
            "في", "وفي", "منذ", "ومنذ", "عام", "العام", "سنة", "خلال", "حتى", "مطلع", "أواخر", "بداية",
            "نهاية", "منتصف",
        ),
        year_mods=("عام", "العام", "سنة"),
        year_word_re=r"(?:\s?م(?!\w))",
        last_year_re=r"\s+(?:من\s+)?(?:العام|السنة)\s+(?:الماضي|الماضية)",
        relative={
            "أمس": ("day", -1), "الأمس": ("day", -1), "البارحة": ("day", -1), "أول أمس": ("day", -2),
            "غدا": ("day", 1),
            "الأسبوع الماضي": ("week", -1), "هذا الأسبوع": ("week", 0), "الأسبوع المقبل": ("week", 1),
            "الأسبوع القادم": ("week", 1),
            "الشهر الماضي": ("month", -1), "الشهر الجاري": ("month", 0), "هذا الشهر": ("month", 0),
            "الشهر المقبل": ("month", 1),
            "العام الماضي": ("year", -1), "السنة الماضية": ("year", -1), "العام الجاري": ("year", 0),
            "هذا العام": ("year", 0), "العام المقبل": ("year", 1), "العام القادم": ("year", 1),
        },
        next_after=("المقبل", "القادم", "المقبلة", "القادمة"),
        clitics="وبلف",
    ),
    "zh": _DateLanguage(
        locales=(),
        extra_weekdays={
            **{f"{p}{d}": i for p in ("星期", "周", "礼拜", "禮拜") for i, d in enumerate("一二三四五六")},
            **{f"{p}{d}": 6 for p in ("星期", "周", "礼拜", "禮拜") for d in "日天"},
        },
        relative={
            "昨天": ("day", -1), "昨日": ("day", -1), "今天": ("day", 0), "明天": ("day", 1), "前天": ("day", -2),
            "上周": ("week", -1), "上星期": ("week", -1), "上个星期": ("week", -1), "上週": ("week", -1),
            "本周": ("week", 0), "这周": ("week", 0), "下周": ("week", 1), "下个星期": ("week", 1),
            "上个月": ("month", -1), "上月": ("month", -1), "本月": ("month", 0), "这个月": ("month", 0),
            "下个月": ("month", 1), "下月": ("month", 1),
            "去年": ("year", -1), "今年": ("year", 0), "明年": ("year", 1), "前年": ("year", -2),
        },
    ),
}  # fmt: skip

_ZH_YEAR_SHIFT: dict[str, int] = {"去年": -1, "今年": 0, "前年": -2, "明年": 1}

# --- compiled patterns ---------------------------------------------------------------------------------------

_DAY_SUFFIX = r"(?:st|nd|rd|th|er|re|º|ª|-?го|-е|\.)?"
_ISO = re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d|[.:/-]\d)")
_NUMERIC_DMY = re.compile(r"(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})(?!\d|[.:/-]\d)")
_YEAR = re.compile(r"\d{4}(?!\d|[.,]\d)")
_ZH_SMALL_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_ZH_YEAR_NUM = r"(?:\d{4}|[〇零一二三四五六七八九]{4})"
_ZH_DATE = re.compile(
    rf"(?<![\d〇零一二三四五六七八九十])(?:(?P<ry>去年|今年|前年|明年)|(?P<y>{_ZH_YEAR_NUM})\s?年\s?)?"
    rf"(?P<m>{_ZH_SMALL_NUM})\s?月(?:\s?(?P<d>{_ZH_SMALL_NUM})\s?[日号號])?"
)
_ZH_YEAR = re.compile(rf"(?<![\d〇零一二三四五六七八九])(?P<y>{_ZH_YEAR_NUM})\s?年")


@dataclass(frozen=True)
class _Patterns:
    """The compiled scan of one language, with the lookup tables its matches are read with.

    The scan is anchored: fast literal regexes find month names, years, weekdays and relative words, and
    small regexes matched right before or after each hit read the rest (a day, a year, a preposition).
    """

    weekdays: dict[str, int]
    relative: dict[str, Shift]
    weekday: re.Pattern[str] | None
    relative_re: re.Pattern[str] | None
    next_before: re.Pattern[str] | None
    next_after: re.Pattern[str] | None
    clitics: str = ""
    months: dict[str, int] = field(default_factory=dict)
    wide: frozenset[str] = frozenset()
    """Month names that may stand alone (no abbreviations)."""
    month: re.Pattern[str] | None = None
    after_month: re.Pattern[str] | None = None
    day_before: re.Pattern[str] | None = None
    month_prep: re.Pattern[str] | None = None
    bare_after: re.Pattern[str] | None = None
    year_prep: re.Pattern[str] | None = None
    year_word: re.Pattern[str] | None = None


def _babel_months(locales: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Wide and abbreviated month names of the locales, format and stand-alone, dots stripped."""
    wide: dict[str, int] = {}
    short: dict[str, int] = {}
    for locale in locales:
        for context in ("format", "stand-alone"):
            for number, name in get_month_names("wide", context, locale).items():
                wide[str(name)] = int(number)
            for number, name in get_month_names("abbreviated", context, locale).items():
                short[str(name).rstrip(".")] = int(number)
    return wide, short


def _cased(words: Iterable[str], capitalised: bool) -> set[str]:
    """The forms a word takes in text: as written (and Capitalised); also lower-case unless ``capitalised``."""
    forms: set[str] = set()
    for word in words:
        variants = [word] if capitalised else [word, word.lower()]
        forms.update(v for w in variants for v in (w, w[:1].upper() + w[1:]))
    return forms


def _names(names: Iterable[str], abbreviated: bool) -> list[str]:
    tail = r"(?:\.|(?!\w))" if abbreviated else r"(?!\w)"
    return [re.escape(n).replace(r"\ ", r"\s+") + tail for n in sorted(set(names), key=lambda n: (-len(n), n))]


def _group(words: Iterable[str]) -> str:
    """A non-capturing alternation of the (folded) words."""
    return rf"(?:{_alt(fold(w) for w in words)})"


def _words_pattern(words: tuple[str, ...], template: str) -> re.Pattern[str] | None:
    """``template`` with ``{}`` standing for one of the (folded) words, case-insensitive; None without words."""
    return re.compile(template.replace("{}", _alt(fold(w) for w in words)), re.IGNORECASE) if words else None


def _left_ok(folded: str, start: int, clitics: str, also: str = "") -> bool:
    """Nothing glued before ``start`` (a letter, a digit or one of ``also``), unless it is a lone clitic."""
    if start == 0:
        return True
    char = folded[start - 1]
    if not (char.isalnum() or char == "_" or char in also):
        return True
    return char in clitics and (start == 1 or not folded[start - 2].isalnum())


@cache
def _patterns(language: str | None) -> _Patterns:
    """Build (once) the scan for a language; None means English plus the language-neutral rules."""
    spec = _LANGUAGES.get(language or "en", _EN)
    weekdays: dict[str, int] = {}
    for locale in spec.locales:
        for context in ("format", "stand-alone"):
            for number, name in get_day_names("wide", context, locale).items():
                weekdays[_squash(fold(str(name)))] = int(number)
    weekdays.update({_squash(fold(k)): v for k, v in spec.extra_weekdays.items()})
    relative = {_squash(fold(k)): v for k, v in spec.relative.items()}
    end = "" if language == "zh" else r"(?!\w)"
    weekday_names = {fold(str(n)) for loc in spec.locales for n in get_day_names("wide", "format", loc).values()}
    weekday_names |= {fold(k) for k in spec.extra_weekdays}
    weekday_re = re.compile(f"(?:{_alt(_cased(weekday_names, spec.capitalised))}){end}") if weekdays else None
    relative_re = re.compile(f"(?:{_alt(_cased((fold(k) for k in spec.relative), False))}){end}") if relative else None
    base = _Patterns(
        weekdays=weekdays,
        relative=relative,
        weekday=weekday_re,
        relative_re=relative_re,
        next_before=_words_pattern(spec.next_before, r"(?<!\w)(?:{})\s+\Z"),
        next_after=_words_pattern(spec.next_after, r"\s+(?:{})(?!\w)"),
    )
    if not spec.locales:  # Chinese: its own patterns only
        return base

    wide, short = _babel_months(spec.locales)
    wide.update(spec.extra_months)
    wide = {fold(k): v for k, v in wide.items()}
    short = {fold(k): v for k, v in short.items() if fold(k) not in wide}
    names = "|".join(_names(_cased(wide, spec.capitalised), False) + _names(_cased(short, spec.capitalised), True))
    flags = 0 if spec.capitalised else re.IGNORECASE
    alternative = f"(?:\\s*/\\s*(?:{names})|\\s*\\(\\s*(?:{names})\\s*\\)|\\s+(?:{names}))?" if language == "ar" else ""
    connector = r"(?:(?:of|de|del)\s+)?"
    month_day = r"(?P<md>\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\w))?" if spec.month_first else ""
    year_word = f"(?:{spec.year_word_re})?" if spec.year_word_re else ""
    last_year = f"(?P<ly>{spec.last_year_re})?" if spec.last_year_re else ""
    mods = f"(?:\\s+{_group(spec.month_mods)})?" if spec.month_mods else ""
    year_mods = f"(?:\\s+{_group(spec.year_mods)})?" if spec.year_mods else ""
    return replace(
        base,
        clitics=spec.clitics,
        months={_squash(k): v for k, v in {**short, **wide}.items()},
        wide=frozenset(_squash(k) for k in wide),
        weekdays=weekdays,
        relative=relative,
        month=re.compile(f"(?:{names})"),
        after_month=re.compile(
            rf"(?P<sfx>{spec.month_suffix_re}{alternative}){month_day}"
            rf"(?P<yp>,?\s+{connector}(?P<y>\d{{4}})(?!\d){year_word})?{last_year}",
            flags,
        ),
        day_before=re.compile(rf"(?P<d>\d{{1,2}}){_DAY_SUFFIX}\s*{connector}\Z", flags),
        month_prep=(
            re.compile(rf"(?P<p>{_group(spec.month_preps)}){mods}(?:\s+|-|(?<='))\Z", re.IGNORECASE)
            if spec.month_preps
            else None
        ),
        bare_after=re.compile(spec.bare_month_after_re) if spec.bare_month_after_re else None,
        year_prep=(
            re.compile(rf"(?P<p>{_group(spec.year_preps)}){year_mods}\s+\Z", re.IGNORECASE) if spec.year_preps else None
        ),
        year_word=re.compile(spec.year_word_re, re.IGNORECASE) if spec.year_word_re else None,
    )


# --- candidates ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    """A date expression found in the text, before the reference fills what it leaves open.

    ``kind`` is "date" (``year`` None: take it from the reference, shifted by ``shift`` when not None;
    ``month`` None: a year; ``day`` None: a month), "weekday" (``shift`` = 0 Monday … 6 Sunday) or a relative
    unit "day"/"week"/"month"/"year" (``shift`` units from the reference).
    """

    start: int
    end: int
    kind: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    shift: int | None = None
    forward: bool = False
    """A "next" word goes with it: the first such month or weekday after the reference."""


def _forward(patterns: _Patterns, folded: str, start: int, end: int) -> bool:
    """Whether a "next" word comes right before ``start`` or right after ``end``."""
    before = patterns.next_before and patterns.next_before.search(folded, max(0, start - 25), start)
    return bool(before or (patterns.next_after and patterns.next_after.match(folded, end)))


def _small_number(text: str) -> int | None:
    value = float(text) if text.isdigit() else chinese_numeral_value(text)
    return int(value) if value is not None else None


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if month is None or not 1 <= month <= 12:
        return month is None and year is not None
    try:
        date(year or 2000, month, day or 1)  # 2000 is a leap year: "29 February" without a year is fine
    except ValueError:
        return False
    return True


def _preceded(pattern: re.Pattern[str] | None, folded: str, start: int, clitics: str) -> bool:
    """Whether ``pattern`` (a preposition) ends right before ``start`` and starts a word."""
    if pattern is None:
        return False
    found = pattern.search(folded, max(0, start - 40), start)
    return found is not None and _left_ok(folded, found.start("p"), clitics)


def _month_dates(folded: str, patterns: _Patterns) -> Iterator[_Candidate]:
    """Dates built around a month name: "17 February 2019", "February 17", "February 2019", "in February"."""
    if patterns.month is None or patterns.after_month is None or patterns.day_before is None:
        return
    clitics = patterns.clitics
    for hit in patterns.month.finditer(folded):
        start, end = hit.span()
        month = patterns.months.get(_squash(hit.group().rstrip(".")))
        if month is None or not _left_ok(folded, start, clitics):
            continue
        after = patterns.after_month.match(folded, end)
        assert after is not None  # every part of it is optional
        groups = after.groupdict()
        year = int(groups["y"]) if groups["y"] else None
        shift = -1 if groups.get("ly") else None
        before = patterns.day_before.search(folded, max(0, start - 12), start)
        cand: _Candidate | None = None
        if before and _left_ok(folded, before.start("d"), clitics, ".,:/-"):
            if groups.get("md"):
                cand = _Candidate(before.start("d"), after.end("sfx"), "date", None, month, int(before["d"]))
            else:
                cand = _Candidate(before.start("d"), after.end(), "date", year, month, int(before["d"]), shift)
        elif groups.get("md"):
            cand = _Candidate(start, after.end(), "date", year, month, int(groups["d"]))
        elif year is not None:
            cand = _Candidate(start, after.end(), "date", year, month)
        elif _squash(hit.group()) in patterns.wide:
            tail = patterns.bare_after.match(folded, end) if patterns.bare_after else None
            if tail:  # Turkish "Şubat'ta", "Şubat ayında"
                cand = _Candidate(start, tail.end(), "date", None, month, None, shift)
            elif _preceded(patterns.month_prep, folded, start, clitics):
                cand = _Candidate(start, after.end(), "date", None, month, None, shift)
        if cand is not None:
            cand.forward = cand.year is None and _forward(patterns, folded, cand.start, cand.end)
            yield cand


def _years(folded: str, patterns: _Patterns) -> Iterator[_Candidate]:
    """A year with a preposition before it or a year word after it: "in 2014", "2014 года", "2019'da"."""
    for hit in _YEAR.finditer(folded):
        start, end = hit.span()
        if not 1800 <= int(hit.group()) <= 2100 or not _left_ok(folded, start, patterns.clitics, ".,"):
            continue
        word = patterns.year_word.match(folded, end) if patterns.year_word else None
        if word and word.end() > end:
            yield _Candidate(start, word.end(), "date", int(hit.group()))
        elif _preceded(patterns.year_prep, folded, start, patterns.clitics) and not folded[end : end + 1].isalpha():
            yield _Candidate(start, end, "date", int(hit.group()))


def _scan(folded: str, language: str | None) -> list[_Candidate]:
    """Every date expression in the (folded) text, overlapping ones included."""
    patterns = _patterns(language)
    found: list[_Candidate] = []
    clitics = patterns.clitics

    def add(cand: _Candidate) -> None:
        if _valid(cand.year, cand.month, cand.day) and (cand.year is None or 1000 <= cand.year <= 2999):
            found.append(cand)

    for m in _ISO.finditer(folded):
        if _left_ok(folded, m.start(), "", ".:/-"):
            add(_Candidate(m.start(), m.end(), "date", int(m["y"]), int(m["m"]), int(m["d"])))
    for m in _NUMERIC_DMY.finditer(folded):
        if _left_ok(folded, m.start(), "", ".:/-"):
            first, second = int(m["a"]), int(m["b"])
            day, month = (second, first) if first <= 12 < second else (first, second)
            add(_Candidate(m.start(), m.end(), "date", int(m["y"]), month, day))
    for cand in _month_dates(folded, patterns):
        add(cand)
    for cand in _years(folded, patterns):
        add(cand)
    if language in ("zh", None) and "月" in folded:
        for m in _ZH_DATE.finditer(folded):
            year = _small_number(m["y"]) if m["y"] else None
            shift = _ZH_YEAR_SHIFT[m["ry"]] if m["ry"] else None
            day_of = _small_number(m["d"]) if m["d"] else None
            add(_Candidate(m.start(), m.end(), "date", year, _small_number(m["m"]), day_of, shift))
    if language in ("zh", None) and "年" in folded:
        for m in _ZH_YEAR.finditer(folded):
            add(_Candidate(m.start(), m.end(), "date", _small_number(m["y"])))
    if patterns.weekday is not None:
        for m in patterns.weekday.finditer(folded):
            if language == "zh" or _left_ok(folded, m.start(), clitics):
                weekday = patterns.weekdays.get(_squash(m.group()))
                forward = _forward(patterns, folded, m.start(), m.end())
                found.append(_Candidate(m.start(), m.end(), "weekday", shift=weekday, forward=forward))
    if patterns.relative_re is not None:
        for m in patterns.relative_re.finditer(folded):
            if language == "zh" or _left_ok(folded, m.start(), clitics):
                unit, shift = patterns.relative.get(_squash(m.group()), ("", None))
                found.append(_Candidate(m.start(), m.end(), unit, shift=shift))
    return found


def _select(folded: str, found: list[_Candidate]) -> list[_Candidate]:
    """Leftmost-longest, non-overlapping; a weekday right before a date ("Wednesday, Feb. 6") is dropped."""
    starts = {c.start for c in found if c.kind == "date" and c.day is not None}
    chosen: list[_Candidate] = []
    for cand in sorted(found, key=lambda c: (c.start, -c.end)):
        if cand.kind == "weekday":
            gap = re.match(r"[\s,]*", folded[cand.end : cand.end + 4])
            if gap and cand.end + gap.end() in starts:
                continue
        if chosen and cand.start < chosen[-1].end:
            continue
        chosen.append(cand)
    return chosen


def date_spans(text: str, language: str | None) -> list[tuple[int, int, str]]:
    """Spans of absolute dates with their granularity ("day", "month", "year"), resolvable or not.

    :mod:`storyline.enrich.numbers` skips the digits of day and month dates and marks those of years.
    """
    folded = fold(text)
    found = [c for c in _scan(folded, normalise_language(language)) if c.kind == "date"]
    return [
        (c.start, c.end, "year" if c.month is None else "month" if c.day is None else "day")
        for c in _select(folded, found)
    ]


# --- resolution ------------------------------------------------------------------------------------------------


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


_DAYS_AHEAD = 62
"""A day and month without a year may lie this many days after the reference ("on June 18" said in May)."""


def _infer_year(cand: _Candidate, ref: date) -> int:
    """The year of a month (or day and month) written without one, seen from the reference.

    A month alone: the latest one not after the reference month (the next one after a "next" word). A day:
    the latest one not more than :data:`_DAYS_AHEAD` days after the reference (the next one after "next").
    """
    assert cand.month is not None
    years = (ref.year - 1, ref.year, ref.year + 1)
    if cand.day is None:
        if cand.forward:
            return next(y for y in years if (y, cand.month) > (ref.year, ref.month))
        return max(y for y in years if (y, cand.month) <= (ref.year, ref.month))
    when = {y: date(y, cand.month, min(cand.day, 28)) for y in years}  # close enough to compare
    if cand.forward:
        return next(y for y in years if when[y] > ref)
    return max(y for y in years if when[y] <= ref + timedelta(days=_DAYS_AHEAD))


def _resolve(cand: _Candidate, ref: date | None) -> tuple[str, str, bool] | None:
    """The candidate's ISO value, granularity and whether the reference was needed; None if it cannot be told."""
    if cand.kind == "date":
        year, relative = cand.year, False
        if year is None:
            if ref is None or cand.month is None:
                return None
            relative = True
            year = ref.year + cand.shift if cand.shift is not None else _infer_year(cand, ref)
        if cand.month is None:
            return f"{year:04d}", "year", relative
        if cand.day is None:
            return f"{year:04d}-{cand.month:02d}", "month", relative
        try:
            return date(year, cand.month, cand.day).isoformat(), "day", relative
        except ValueError:  # 29 February taken to a year without it
            return None
    if ref is None or cand.shift is None:
        return None
    if cand.kind == "weekday":
        ahead = (cand.shift - ref.weekday()) % 7 or 7
        day = ref + timedelta(days=ahead) if cand.forward else ref - timedelta(days=(ref.weekday() - cand.shift) % 7)
        return day.isoformat(), "day", True
    if cand.kind == "day":
        return (ref + timedelta(days=cand.shift)).isoformat(), "day", True
    if cand.kind == "week":
        day = ref + timedelta(days=7 * cand.shift)
        return f"{day.year:04d}-{day.month:02d}", "month", True
    if cand.kind == "month":
        year, month = _shift_month(ref.year, ref.month, cand.shift)
        return f"{year:04d}-{month:02d}", "month", True
    return f"{ref.year + cand.shift:04d}", "year", True


def find_dates(text: str, language: str | None, reference: datetime | date | None = None) -> list[Mention]:
    """Date mentions in ``text``, sorted by start and non-overlapping; ``reference`` resolves relative ones.

    ``language`` is an ISO 639-1 code (or None: English and the language-neutral forms).
    """
    folded = fold(text)
    ref = reference.date() if isinstance(reference, datetime) else reference
    mentions: list[Mention] = []
    for cand in _select(folded, _scan(folded, normalise_language(language))):
        resolved = _resolve(cand, ref)
        if resolved is None:
            continue
        value, granularity, relative = resolved
        mentions.append(
            Mention(
                kind="date",
                text=text[cand.start : cand.end],
                key=f"date:{value}",
                label=value,
                start=cand.start,
                end=cand.end,
                attrs={"value": value, "granularity": granularity, "relative": relative},
            )
        )
    return mentions
