"""Direct quotes and who said them, in every script's quotation marks.

Quotes are found between “ ” „ “ „ ” « » » « 「 」 『 』 ‘ ’ and straight double
quotes, and after a dialogue dash at the start of a paragraph (Russian, Polish,
Spanish). The speaker is the person or organisation next to a verb of saying in
the same sentence ("Trump said", "заявил Лавров", "selon le ministre", "قال
الوزير", "特朗普表示"); a sentence that only says "he said" keeps the previous
speaker. Speakers come from the article's entity mentions where the language
has a model, and from the words around the verb where it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..records import Article, Mention

PAIRS: tuple[tuple[str, str], ...] = (
    ("“", "”"),
    ("„", "“"),
    ("„", "”"),
    ("«", "»"),
    ("»", "«"),
    ("「", "」"),
    ("『", "』"),
    ("‘", "’"),
    ('"', '"'),
)
_QUOTE = re.compile("|".join(f"{re.escape(o)}([^{re.escape(o + c)}\n]{{3,600}}?){re.escape(c)}" for o, c in PAIRS))
_DIALOGUE = re.compile(r"^[—–]\s*(.{8,600}?)(?:,?\s*[—–]\s*(.*))?$")
SAID_VERBS: dict[str, tuple[str, ...]] = {
    "en": (
        "said",
        "says",
        "say",
        "told",
        "added",
        "stated",
        "wrote",
        "tweeted",
        "declared",
        "announced",
        "according to",
        "warned",
        "insisted",
        "noted",
        "explained",
        "asked",
        "argued",
        "claimed",
        "urged",
    ),
    "fr": (
        "a déclaré",
        "a dit",
        "déclare",
        "dit",
        "a affirmé",
        "affirme",
        "a ajouté",
        "ajoute",
        "selon",
        "a expliqué",
        "explique",
        "a estimé",
        "estime",
        "a souligné",
        "souligne",
        "a assuré",
        "assure",
    ),
    "de": (
        "sagte",
        "sagt",
        "erklärte",
        "erklärt",
        "betonte",
        "betont",
        "schrieb",
        "laut",
        "so",
        "warnte",
        "fügte",
        "meinte",
        "teilte",
    ),
    "es": ("dijo", "afirmó", "declaró", "señaló", "según", "aseguró", "explicó", "añadió", "indicó", "advirtió"),
    "it": (
        "ha detto",
        "ha dichiarato",
        "ha spiegato",
        "secondo",
        "ha aggiunto",
        "ha affermato",
        "dice",
        "spiega",
        "ha sottolineato",
    ),
    "pl": (
        "powiedział",
        "powiedziała",
        "stwierdził",
        "stwierdziła",
        "oświadczył",
        "dodał",
        "dodała",
        "według",
        "mówi",
        "mówił",
        "podkreślił",
        "zapowiedział",
    ),
    "tr": ("dedi", "söyledi", "açıkladı", "belirtti", "ifade etti", "göre", "diye konuştu", "kaydetti"),
    "ru": (
        "заявил",
        "заявила",
        "сказал",
        "сказала",
        "отметил",
        "отметила",
        "подчеркнул",
        "подчеркнула",
        "добавил",
        "добавила",
        "сообщил",
        "сообщила",
        "по словам",
        "написал",
        "написала",
        "говорит",
        "пояснил",
    ),
    "ar": (
        "قال",
        "وقال",
        "قالت",
        "وقالت",
        "أضاف",
        "وأضاف",
        "أكد",
        "وأكد",
        "صرح",
        "وصرح",
        "أوضح",
        "وأوضح",
        "بحسب",
        "وفق",
        "حسب",
    ),
    "zh": ("说", "表示", "称", "指出", "强调", "透露", "宣布", "介绍"),
}
_PRONOUNS = re.compile(
    r"\b(he|she|they|him|her|them|il|elle|ils|lui|er|sie|ihm|él|ella|lei|on|ona|niego|niej|он|она|они|его|её|ее"
    r"|ему|ей)\b|هو|هي|他|她",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Quote:
    """A direct quote in an article, with its speaker when one could be found."""

    text: str
    start: int
    end: int
    sentence: int
    speaker: str | None
    speaker_key: str | None


def _verbs(language: str | None) -> tuple[str, ...]:
    if language in SAID_VERBS:
        return SAID_VERBS[language]
    return SAID_VERBS["en"]


def _verb_positions(text: str, language: str | None) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    lowered = text.lower()
    for verb in _verbs(language):
        pattern = re.escape(verb) if language in ("zh", "ar") else rf"(?<!\w){re.escape(verb)}(?!\w)"
        found.extend((m.start(), m.end()) for m in re.finditer(pattern, lowered))
    return sorted(found)


def _speaker_near(
    article: Article, sentence_start: int, sentence_end: int, quote: tuple[int, int], verbs: list[tuple[int, int]]
) -> Mention | None:
    """The person or organisation closest to a verb of saying, outside the quote, in one sentence."""
    candidates = [
        m
        for m in article.mentions
        if m.kind == "entity"
        and sentence_start <= m.start < sentence_end
        and (m.end <= quote[0] or m.start >= quote[1])
        and m.attrs.get("type") in ("PER", "ORG", "MISC")
    ]
    if not candidates or not verbs:
        return None

    def distance(m: Mention) -> tuple[int, int]:
        gap = min(abs(m.start - v_end) if m.start >= v_end else abs(v_start - m.end) for v_start, v_end in verbs)
        return (0 if m.attrs.get("type") == "PER" else 1, gap)

    best = min(candidates, key=distance)
    return best if distance(best)[1] <= 80 else None


def _speaker_from_words(text: str, language: str | None, verbs: list[tuple[int, int]]) -> str | None:
    """Without an entity model: the words right after (ar) or before (zh) the verb of saying."""
    if not verbs:
        return None
    v_start, v_end = verbs[0]
    if language == "ar":
        words = re.findall(r"[\u0600-\u06ff]+", text[v_end : v_end + 60])
        return " ".join(words[:3]) or None
    if language == "zh":
        before = re.split(r"[，。；：、“”「」\s]", text[max(0, v_start - 24) : v_start])[-1]
        before = before.split("在")[0]  # "X在法兰克福表示": the speaker comes before the place
        return before[-10:] or None
    return None


def _inner(match: re.Match[str]) -> tuple[int, int]:
    """The span inside the quotation marks (each pair of marks is its own group)."""
    group = next(i for i in range(1, len(PAIRS) + 1) if match.group(i) is not None)
    return match.start(group), match.end(group)


def _pronoun_speaker(text: str, verbs: list[tuple[int, int]]) -> bool:
    """Is the verb of saying attached to a pronoun ("he said", "according to him", "по его словам")?"""
    return any(_PRONOUNS.search(text[max(0, a - 12) : b + 12]) for a, b in verbs)


def find_quotes(article: Article) -> list[Quote]:
    """The article's direct quotes in reading order, each with its speaker (or ``None``)."""
    quotes: list[Quote] = []
    last_speaker: tuple[str, str] | None = None
    for sentence in article.sentences:
        spans = [_inner(m) for m in _QUOTE.finditer(sentence.text)]
        dialogue = _DIALOGUE.match(sentence.text) if not spans else None
        if dialogue:
            spans = [dialogue.span(1)]
        spans = [(s, e) for s, e in spans if len(sentence.text[s:e].split()) >= 2 or len(sentence.text[s:e]) >= 6]
        if not spans:
            continue
        verbs = [(sentence.start + s, sentence.start + e) for s, e in _verb_positions(sentence.text, article.language)]
        for s, e in spans:
            start, end = sentence.start + s, sentence.start + e
            outside = [v for v in verbs if v[1] <= start or v[0] >= end]
            local = [(a - sentence.start, b - sentence.start) for a, b in outside]
            entity = _speaker_near(article, sentence.start, sentence.end, (start, end), outside)
            speaker: tuple[str, str] | None = None
            if last_speaker and outside and _pronoun_speaker(sentence.text, local):
                speaker = last_speaker
            elif entity is not None:
                speaker = (entity.label, entity.key)
            elif outside:
                words = _speaker_from_words(sentence.text, article.language, local)
                if words:
                    speaker = (words, "speaker:" + words.casefold())
                elif last_speaker and _PRONOUNS.search(sentence.text):
                    speaker = last_speaker
            elif last_speaker and (start - sentence.start) < 3:
                speaker = last_speaker  # a quote opening the sentence right after one with a speaker
            text = article.text[start:end].strip()
            cjk = len(re.findall(r"[\u3040-\u9fff]", text))
            if speaker is None and (len(text.split()) < 4 if cjk < 4 else len(text) < 8):
                continue  # a name, title or scare quote ("Nour al-Bahr", “victory”), not speech
            quotes.append(
                Quote(
                    text, start, end, sentence.index, speaker[0] if speaker else None, speaker[1] if speaker else None
                )
            )
            if speaker:
                last_speaker = speaker
    return quotes
