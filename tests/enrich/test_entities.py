from __future__ import annotations

from storyline.enrich.entities import entity_key, find_entities
from storyline.enrich.sentences import split_sentences
from storyline.records import Sentence


def _sentences(text: str) -> list[Sentence]:
    return [Sentence(i, text[s:e], s, e) for i, (s, e) in enumerate(split_sentences(text))]


def _found(text: str, lang: str) -> dict[str, str]:
    return {m.label: m.attrs["type"] for m in find_entities(text, lang, _sentences(text))}


def test_english_people_and_organisations() -> None:
    text = "US President Donald Trump said on Sunday that NATO allies must do more, according to Reuters."
    found = _found(text, "en")
    assert found.get("Donald Trump") == "PER"
    assert "NATO" in found


def test_french_and_russian_models() -> None:
    assert (
        _found("Le président Emmanuel Macron a rencontré Olaf Scholz à Berlin.", "fr").get("Emmanuel Macron") == "PER"
    )
    ru = _found("Министр иностранных дел России Сергей Лавров встретился с Дональдом Трампом.", "ru")
    assert ru.get("Сергей Лавров") == "PER"


def test_fallback_for_languages_without_a_model() -> None:
    found = _found("Il ministro Giorgia Bellini ha incontrato a Roma il commissario Marco Ferri.", "it")
    assert "Giorgia Bellini" in found and "Marco Ferri" in found
    assert "Il" not in found


def test_offsets_match_surface() -> None:
    text = "Yesterday Angela Moretti of Acme Shipping spoke."
    for m in find_entities(text, "es", _sentences(text)):
        assert text[m.start : m.end] == m.text


def test_keys_meet_across_scripts_and_cases() -> None:
    keys = {
        entity_key(n, "PER", lang)
        for n, lang in [
            ("Donald Trump", "en"),
            ("Трамп", "ru"),
            ("Трампа", "ru"),
            ("Трампом", "ru"),
            ("ترامب", "ar"),
            ("President Trump", "en"),
        ]
    }
    assert keys == {"entity:trmp"}
    assert entity_key("Sidorov", "PER", "en") == entity_key("Сидоров", "PER", "ru")
    assert entity_key("Angela Merkel", "PER", "en") != entity_key("Donald Trump", "PER", "en")
