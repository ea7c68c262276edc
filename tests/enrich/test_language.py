from __future__ import annotations

import pytest

from storyline.enrich.language import detect_language, detect_short

TITLES = {
    "en": "Ferry sinks in the Red Sea, dozens missing",
    "de": "Fähre sinkt im Roten Meer, Dutzende vermisst",
    "es": "Se hunde un ferry en el mar Rojo; decenas de desaparecidos",
    "fr": "Un ferry coule en mer Rouge, des dizaines de disparus",
    "it": "Traghetto affonda nel Mar Rosso, decine di dispersi",
    "pl": "Prom zatonął na Morzu Czerwonym, dziesiątki zaginionych",
    "tr": "Kızıldeniz'de feribot battı, onlarca kişi kayıp",
    "ar": "غرق عبارة في البحر الأحمر وعشرات المفقودين",
    "ru": "В Красном море затонул паром, десятки пропавших",
    "zh": "红海一艘渡轮沉没 数十人失踪",
}


@pytest.mark.parametrize("lang", sorted(TITLES))
def test_short_titles_in_ten_languages(lang: str) -> None:
    assert detect_short(TITLES[lang])[0] == lang
    assert detect_language(TITLES[lang])[0] == lang


@pytest.mark.parametrize(
    ("snippet", "lang"),
    [("Wybory w Polsce", "pl"), ("Erdbeben in Izmir", "de"), ("Terremoto en Perú", "es"), ("Паром затонул", "ru")],
)
def test_three_word_snippets(snippet: str, lang: str) -> None:
    assert detect_short(snippet)[0] == lang


def test_prior_keeps_ambiguous_short_sentences_in_the_article_language() -> None:
    assert detect_short("Record in Berlin", prior="en")[0] == "en"
    assert detect_short("Record in Berlin", prior="de")[0] == "de"


def test_a_foreign_sentence_inside_an_article_gets_its_own_language() -> None:
    lang, confidence = detect_short(
        "Министр иностранных дел заявил, что Москва не согласна с этим решением.", prior="en"
    )
    assert lang == "ru" and confidence > 0.8
    assert detect_short("وقال المتحدث إن المفاوضات ستستمر الأسبوع المقبل في القاهرة", prior="fr")[0] == "ar"


def test_confidence_is_a_probability() -> None:
    lang, confidence = detect_language("Le gouvernement a annoncé mardi une nouvelle réforme des retraites.")
    assert lang == "fr" and 0.5 < confidence <= 1.0
    assert detect_language("   ") == (None, 0.0)
