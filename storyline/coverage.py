"""Coverage: how outlets and languages tell one story.

:func:`build_coverage` takes a story's articles (enriched, with sentence vectors)
and works out:

* **sources** — wire copies and near-verbatim republications (the store's copy
  links, article- and paragraph-level MinHash) collapse into one source with its
  republishers, so twenty reprints are not twenty confirmations;
* **facts** — sentences of every source aligned across articles and languages by
  the encoder, nudged by shared numbers, places and entities, grouped by average
  linkage; each fact knows its sources, languages, first appearance and wording
  in each language;
* **per outlet** — the facts it shares, the facts it alone adds, and the widely
  reported facts it leaves out;
* **numbers** — every quantity with what it counts; values of the same thing in
  the same fact that cannot both be true are flagged with both contexts and
  dates, while values that count different things never are;
* **quotes** — direct quotes with their speakers, the same quote matched across
  outlets and languages (translated or trimmed), altered wording and differing
  attribution marked, the earliest outlet first;
* **timeline** and **tone** — each article's Tone score against the story's
  most central article.

:func:`coverage_json` and :func:`coverage_html` render it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .embed import Encoder, embed_articles, load_encoder
from .enrich.quotes import find_quotes
from .index import estimated_jaccard, minhash
from .records import Article, ArticleVectors
from .settings import Settings

FACT_SIMILARITY = 0.62
KEY_BONUS = 0.04
COPY_JACCARD = 0.7
PARAGRAPH_JACCARD = 0.8
UNIT_SIMILARITY = 0.6
CONTEXT_SIMILARITY = 0.65
QUOTE_SIMILARITY = 0.7


# -- records ---------------------------------------------------------------------------
@dataclass(slots=True)
class Source:
    """An original article and the articles that republish it."""

    article_id: str
    outlet: str | None
    language: str | None
    published: datetime | None
    title: str
    republishers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Telling:
    """One article's sentence stating a fact."""

    article_id: str
    outlet: str | None
    language: str | None
    published: datetime | None
    sentence: int
    text: str


@dataclass(slots=True)
class Fact:
    """Sentences of different sources that state the same thing."""

    id: str
    tellings: list[Telling]
    sources: list[str]
    languages: list[str]
    first: Telling
    wording: dict[str, str]


@dataclass(slots=True)
class NumberMention:
    """A quantity as one source gives it; ``what`` says what it counts (a named count, its unit, or the
    words after it)."""

    value: float
    text: str
    unit: str | None
    qualifier: str | None
    context: str
    article_id: str
    outlet: str | None
    language: str | None
    published: datetime | None
    fact: str | None
    what: str = ""


@dataclass(slots=True)
class NumberGroup:
    """Values given for the same thing in one fact; ``conflict`` when they cannot all be true."""

    what: str
    fact: str
    values: list[NumberMention]
    conflict: bool


@dataclass(slots=True)
class QuoteMention:
    text: str
    speaker: str | None
    speaker_key: str | None
    article_id: str
    outlet: str | None
    language: str | None
    published: datetime | None
    sentence: str


@dataclass(slots=True)
class QuoteGroup:
    """The same quote as reported by several outlets (translated, trimmed or altered)."""

    id: str
    quotes: list[QuoteMention]
    speakers: list[str]
    altered: bool
    attribution_differs: bool

    @property
    def earliest(self) -> QuoteMention:
        return self.quotes[0]


@dataclass(slots=True)
class OutletView:
    outlet: str
    articles: list[str]
    languages: list[str]
    shared: list[str]
    unique: list[str]
    omitted: list[str]
    tone: float | None


@dataclass(slots=True)
class TimelineEntry:
    article_id: str
    published: datetime | None
    outlet: str | None
    language: str | None
    title: str
    copy_of: str | None
    tone: float | None


@dataclass(slots=True)
class Coverage:
    """A story's coverage: who told it when, what they share, add, omit, count and quote."""

    story_id: str | None
    label: str
    timeline: list[TimelineEntry]
    sources: list[Source]
    facts: list[Fact]
    outlets: list[OutletView]
    numbers: list[NumberMention]
    number_groups: list[NumberGroup]
    quotes: list[QuoteGroup]
    languages: list[str]
    first_seen: datetime | None
    last_seen: datetime | None

    @property
    def span_days(self) -> float | None:
        if self.first_seen is None or self.last_seen is None:
            return None
        return (self.last_seen - self.first_seen).total_seconds() / 86400

    @property
    def conflicts(self) -> list[NumberGroup]:
        return [g for g in self.number_groups if g.conflict]


# -- sources -------------------------------------------------------------------------------
def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n+", text) if len(p.split()) >= 8]


class _Signatures:
    """MinHash signatures of each article and of its paragraphs, computed once."""

    def __init__(self) -> None:
        self.whole: dict[str, np.ndarray] = {}
        self.parts: dict[str, np.ndarray] = {}

    def of(self, article: Article) -> tuple[np.ndarray, np.ndarray]:
        if article.id not in self.whole:
            self.whole[article.id] = minhash(article.text)
            paragraphs = _paragraphs(article.text)
            self.parts[article.id] = (
                np.stack([minhash(p) for p in paragraphs]) if paragraphs else np.zeros((0, 128), dtype=np.uint32)
            )
        return self.whole[article.id], self.parts[article.id]


def _republishes(copy: Article, original: Article, signatures: _Signatures) -> float | None:
    """How much of ``copy`` is ``original``'s wording — whole text, or most of its paragraphs — or ``None``."""
    copy_whole, copy_parts = signatures.of(copy)
    original_whole, original_parts = signatures.of(original)
    whole = estimated_jaccard(copy_whole, original_whole)
    if whole >= COPY_JACCARD:
        return whole
    if len(copy_parts) and len(original_parts):
        best = (copy_parts[:, None, :] == original_parts[None, :, :]).mean(axis=2).max(axis=1)
        share = float((best >= PARAGRAPH_JACCARD).mean())
        if share >= 0.6:
            return share
    return None


def _order(article: Article) -> tuple[float, str]:
    return (article.published.timestamp() if article.published else math.inf, article.id)


def find_sources(
    articles: Sequence[Article], copy_links: dict[str, str] | None = None
) -> tuple[list[Source], dict[str, str]]:
    """Collapse copies into sources; returns the sources and article id → source (original) id."""
    ordered = sorted(articles, key=_order)
    signatures = _Signatures()
    source_of: dict[str, str] = {}
    similarity: dict[str, float] = {}
    links = copy_links or {}
    for i, article in enumerate(ordered):
        original = links.get(article.id)
        if original in source_of:
            source_of[article.id] = source_of[str(original)]
            similarity[article.id] = 1.0
            continue
        for earlier in ordered[:i]:
            if source_of[earlier.id] == earlier.id and (share := _republishes(article, earlier, signatures)):
                source_of[article.id] = earlier.id
                similarity[article.id] = share
                break
        source_of.setdefault(article.id, article.id)
    sources = []
    for article in ordered:
        if source_of[article.id] != article.id:
            continue
        republishers = [
            {"article_id": a.id, "outlet": a.outlet, "published": a.published, "similarity": round(similarity[a.id], 3)}
            for a in ordered
            if source_of[a.id] == article.id and a.id != article.id
        ]
        sources.append(
            Source(article.id, article.outlet, article.language, article.published, article.title, republishers)
        )
    return sources, source_of


# -- facts ---------------------------------------------------------------------------------
def _usable(text: str) -> bool:
    stripped = text.strip()
    if stripped.startswith(("•", "©", "*")):
        return False
    cjk = len(re.findall(r"[\u3400-\u9fff]", stripped))
    return len(stripped.split()) >= 4 or cjk >= 12


def _sentence_keys(article: Article) -> dict[int, set[str]]:
    keys: dict[int, set[str]] = {}
    for m in article.mentions:
        if m.kind in ("place", "entity") or (m.kind == "number" and not m.attrs.get("year_like")):
            keys.setdefault(m.sentence, set()).add(m.key)
    return keys


def build_facts(
    articles: Sequence[Article], vectors: dict[str, ArticleVectors], source_of: dict[str, str]
) -> tuple[list[Fact], dict[tuple[str, int], str]]:
    """Group the sources' sentences into facts; returns facts and (article, sentence) → fact id."""
    by_id = {a.id: a for a in articles}
    nodes: list[tuple[str, int]] = []
    rows: list[np.ndarray] = []
    keys: list[set[str]] = []
    for article in sorted(articles, key=_order):
        if source_of.get(article.id, article.id) != article.id:
            continue  # copies state nothing new
        sentence_keys = _sentence_keys(article)
        matrix = vectors[article.id].sentences
        for sentence in article.sentences:
            if sentence.index < len(matrix) and _usable(sentence.text):
                nodes.append((article.id, sentence.index))
                rows.append(matrix[sentence.index])
                keys.append(sentence_keys.get(sentence.index, set()))
    if not nodes:
        return [], {}
    sims = np.stack(rows) @ np.stack(rows).T
    n = len(nodes)
    for i in range(n):
        for j in range(i + 1, n):
            if nodes[i][0] == nodes[j][0]:
                sims[i, j] = sims[j, i] = -1.0  # one article states each fact once
            elif keys[i] & keys[j]:
                bonus = min(len(keys[i] & keys[j]) * KEY_BONUS, 2 * KEY_BONUS)
                sims[i, j] += bonus
                sims[j, i] += bonus
    labels = _average_linkage(sims, FACT_SIMILARITY)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    facts: list[Fact] = []
    fact_of: dict[tuple[str, int], str] = {}
    ordered_groups = sorted(groups.values(), key=lambda g: (-len({nodes[i][0] for i in g}), min(g)))
    for number, members in enumerate(ordered_groups, start=1):
        tellings = []
        for i in sorted(members, key=lambda i: (_order(by_id[nodes[i][0]]), nodes[i][1])):
            article = by_id[nodes[i][0]]
            sentence = article.sentences[nodes[i][1]]
            tellings.append(
                Telling(article.id, article.outlet, article.language, article.published, sentence.index, sentence.text)
            )
        fact_id = f"f{number}"
        wording: dict[str, str] = {}
        for telling in tellings:
            if telling.language and telling.language not in wording:
                wording[telling.language] = telling.text
        facts.append(
            Fact(
                fact_id,
                tellings,
                list(dict.fromkeys(t.article_id for t in tellings)),
                sorted({t.language for t in tellings if t.language}),
                tellings[0],
                wording,
            )
        )
        for telling in tellings:
            fact_of[(telling.article_id, telling.sentence)] = fact_id
    return facts, fact_of


def _average_linkage(similarity: np.ndarray, threshold: float) -> list[int]:
    n = len(similarity)
    if n == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return [int(x) for x in fcluster(tree, t=1.0 - threshold, criterion="distance")]


# -- numbers -------------------------------------------------------------------------------
def collect_numbers(
    articles: Sequence[Article], source_of: dict[str, str], fact_of: dict[tuple[str, int], str]
) -> list[NumberMention]:
    out = []
    for article in sorted(articles, key=_order):
        if source_of.get(article.id, article.id) != article.id:
            continue
        for m in article.mentions:
            if m.kind != "number" or m.attrs.get("year_like"):
                continue
            sentence = article.sentences[m.sentence].text if 0 <= m.sentence < len(article.sentences) else ""
            number = NumberMention(
                float(m.attrs.get("value", 0.0)),
                m.text,
                m.attrs.get("unit"),
                m.attrs.get("qualifier"),
                sentence,
                article.id,
                article.outlet,
                article.language,
                article.published,
                fact_of.get((article.id, m.sentence)),
            )
            concept = count_concept(number)
            number.what = f"{concept} ({number.unit or _after(number)})" if concept else (number.unit or _after(number))
            if m.attrs.get("percent"):
                number.what = f"percent: {_after(number)}"
            out.append(number)
    return out


def _consistent(a: NumberMention, b: NumberMention) -> bool:
    """Can both values be true of the same thing (allowing rounding and qualifiers)?"""
    low, high = sorted((a.value, b.value))
    if high == 0 or (high - low) / high <= 0.02:
        return True
    for x, y in ((a, b), (b, a)):
        if x.qualifier in ("more than", "at least") and y.value >= x.value:
            return True
        if x.qualifier in ("less than", "up to") and y.value <= x.value:
            return True
        if x.qualifier == "about" and abs(y.value - x.value) / max(x.value, 1e-9) <= 0.15:
            return True
    return False


# What a number counts, recognised by words near it in any supported language (stems).
COUNT_CONCEPTS: dict[str, tuple[str, ...]] = {
    "deaths": (
        "dead",
        "died",
        "die",
        "killed",
        "deaths",
        "death toll",
        "fatalit",
        "lives",
        "morts",
        "tués",
        "décès",
        "погиб",
        "жертв",
        "смерт",
        "умер",
        "قتيل",
        "قتلى",
        "وفاة",
        "وفيات",
        "حتفهم",
        "مقتل",
        "死亡",
        "遇难",
        "丧生",
        "tote",
        "getötet",
        "ums leben",
        "starben",
        "muertos",
        "fallecid",
        "murieron",
        "morti",
        "vittime",
        "zabit",
        "ofiar",
        "zginęł",
        "nie żyje",
        "öldü",
        "hayatını kaybetti",
        "ölü",
    ),
    "injured": (
        "injur",
        "wounded",
        "hurt",
        "blessé",
        "ранен",
        "пострадав",
        "جريح",
        "جرحى",
        "مصاب",
        "受伤",
        "verletzt",
        "herido",
        "ferit",
        "rann",
        "yaralı",
    ),
    "missing": (
        "missing",
        "disparu",
        "пропав",
        "مفقود",
        "失踪",
        "vermisst",
        "desaparecid",
        "dispers",
        "zaginion",
        "kayıp",
    ),
    "rescued": (
        "rescued",
        "saved",
        "survivor",
        "secouru",
        "sauvé",
        "rescapé",
        "спасен",
        "спасли",
        "إنقاذ",
        "ناج",
        "获救",
        "gerettet",
        "rescatad",
        "salvat",
        "uratowan",
        "kurtarıl",
    ),
    "on board": (
        "on board",
        "aboard",
        "à bord",
        "на борту",
        "على متن",
        "船上",
        "an bord",
        "a bordo",
        "na pokładzie",
        "gemide",
        "تقل",
        "تقلّ",
    ),
    "passengers": (
        "passenger",
        "passager",
        "пассажир",
        "راكب",
        "ركاب",
        "乘客",
        "passagier",
        "pasajero",
        "passegger",
        "pasażer",
        "yolcu",
    ),
    "crew": (
        "crew",
        "équipage",
        "экипаж",
        "طاقم",
        "船员",
        "besatzung",
        "tripulaci",
        "equipaggio",
        "załog",
        "mürettebat",
    ),
    "evacuated": ("evacuat", "évacué", "эвакуир", "إجلاء", "撤离", "evakuiert", "desalojad", "ewakuowan", "tahliye"),
    "arrested": (
        "arrest",
        "detained",
        "interpellé",
        "арестован",
        "задержан",
        "اعتقال",
        "逮捕",
        "festgenommen",
        "detenid",
        "arrestat",
        "zatrzyman",
        "gözaltı",
    ),
    "votes": ("vote", "voix", "голос", "صوت", "选票", "stimmen", "votos", "voti", "głos"),
    "age": (
        "year-old",
        "years old",
        "-year",
        " ans",
        "лет",
        "عاما",
        "عامًا",
        "岁",
        "jährig",
        "jahre alt",
        "años",
        "anni",
        "yaşında",
    ),
    "magnitude": ("magnitude", "магнитуд", "بقوة", "级", "stärke", "magnitud", "magnitudo", "büyüklüğünde"),
}
_CONCEPT_PATTERNS = {
    concept: re.compile("|".join(re.escape(stem) for stem in stems), re.IGNORECASE)
    for concept, stems in COUNT_CONCEPTS.items()
}


def count_concept(number: NumberMention) -> str | None:
    """What a number counts ("deaths", "missing", "passengers" …): the concept named closest to it."""
    at = number.context.find(number.text)
    if at < 0:
        return None
    end = at + len(number.text)
    best: tuple[int, str] | None = None
    for concept, pattern in _CONCEPT_PATTERNS.items():
        for match in pattern.finditer(number.context, max(0, at - 40), min(len(number.context), end + 50)):
            if at <= match.start() < end:
                continue
            after = match.start() >= end
            distance = match.start() - end if after else at - match.end()
            gap = number.context[end : match.start()] if after else number.context[match.end() : at]
            if distance < 0 or re.search(r"\d", gap):  # another number stands between: the word is its
                continue
            if not after:
                distance = int(distance * 1.5)  # the counted noun usually follows the number
            if best is None or distance < best[0]:
                best = (distance, concept)
    return best[1] if best else None


def group_numbers(numbers: Sequence[NumberMention], encoder: Encoder) -> list[NumberGroup]:
    """Values given for the same thing by different sources, flagged when they cannot all be true.

    Two values count the same thing when the words closest to them name the same
    count (deaths, missing, passengers … in any language: “23 people died”, “31 morts”,
    “погибли 23”, “23 قتيلاً”), or, for counts the lexicon does not know, when their
    units and the words around them mean the same; they must come from different
    sources, tell the same part of the story, and be of one magnitude. Values that
    count different things are never compared.
    """
    counted, seen = [], set()
    for n in numbers:  # an article repeating a value says it once
        key = (n.article_id, n.value, count_concept(n) or n.unit)
        if (n.unit or count_concept(n) or _after(n)) and key not in seen:
            seen.add(key)
            counted.append(n)
    if len(counted) < 2:
        return []
    concepts = [count_concept(n) for n in counted]
    units = encoder.encode([n.unit or _after(n) for n in counted])
    windows = encoder.encode([_window(n) for n in counted])
    sentences = encoder.encode([n.context for n in counted])

    def comparable(i: int, j: int) -> bool:
        a, b = counted[i], counted[j]
        if a.article_id == b.article_id or max(a.value, b.value) > 5 * max(min(a.value, b.value), 1e-9):
            return False
        same_fact = a.fact is not None and a.fact == b.fact
        similar = float(sentences[i] @ sentences[j])
        if concepts[i] or concepts[j]:  # a named count: the same count in related sentences
            return concepts[i] == concepts[j] and (same_fact or similar >= 0.3)
        return (
            (same_fact or similar >= 0.45)
            and float(units[i] @ units[j]) >= 0.8
            and float(windows[i] @ windows[j]) >= 0.7
        )

    def joins(i: int, group: list[int]) -> bool:
        if any(counted[j].article_id == counted[i].article_id for j in group):
            return False
        if concepts[i]:  # a named count joins when it matches one member and is of the group's magnitude
            return any(comparable(i, j) for j in group) and all(
                max(counted[i].value, counted[j].value) <= 5 * max(min(counted[i].value, counted[j].value), 1e-9)
                for j in group
            )
        return all(comparable(i, j) for j in group)

    groups: list[list[int]] = []
    for i in range(len(counted)):
        for group in groups:
            if joins(i, group):
                group.append(i)
                break
        else:
            groups.append([i])
    out = []
    for group in groups:
        values = [counted[i] for i in group]
        if len(values) < 2:
            continue
        conflict = any(not _consistent(a, b) for k, a in enumerate(values) for b in values[k + 1 :])
        what = concepts[group[0]] or Counter(v.unit or _after(v) for v in values).most_common(1)[0][0]
        out.append(NumberGroup(str(what), str(values[0].fact or ""), values, conflict))
    return sorted(out, key=lambda g: (not g.conflict, -len(g.values)))


def _after(number: NumberMention) -> str:
    """A few words right after a number, standing for what it counts when no unit was found."""
    at = number.context.find(number.text)
    if at < 0:
        return ""
    rest = number.context[at + len(number.text) :]
    if re.search(r"[\u3400-\u9fff]", rest[:4]):
        return rest[:6].strip(" ，。,.")
    return " ".join(rest.split()[:4]).strip(" ,.;:")


def _window(number: NumberMention) -> str:
    """The number with the words just before and after it: what it counts, in context."""
    at = number.context.find(number.text)
    if at < 0:
        return number.context[:80]
    before = number.context[:at].split()[-3:]
    after = number.context[at + len(number.text) :].split()[:5]
    if re.search(r"[\u3400-\u9fff]", number.context):
        return number.context[max(0, at - 6) : at + len(number.text) + 10]
    return " ".join([*before, number.text, *after])


# -- quotes --------------------------------------------------------------------------------
def _same_words(a: str, b: str) -> bool:
    wa, wb = set(re.findall(r"\w+", a.casefold())), set(re.findall(r"\w+", b.casefold()))
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= 0.8


def group_quotes(
    articles: Sequence[Article], source_of: dict[str, str], fact_of: dict[tuple[str, int], str], encoder: Encoder
) -> list[QuoteGroup]:
    mentions: list[tuple[QuoteMention, str | None]] = []
    for article in sorted(articles, key=_order):
        if source_of.get(article.id, article.id) != article.id:
            continue
        for q in find_quotes(article):
            sentence = article.sentences[q.sentence].text
            mentions.append(
                (
                    QuoteMention(
                        q.text,
                        q.speaker,
                        q.speaker_key,
                        article.id,
                        article.outlet,
                        article.language,
                        article.published,
                        sentence,
                    ),
                    fact_of.get((article.id, q.sentence)),
                )
            )
    if not mentions:
        return []
    texts = encoder.encode([m.text for m, _ in mentions])
    groups: list[list[int]] = []
    for i, (quote, fact) in enumerate(mentions):
        for group in groups:
            other, other_fact = mentions[group[0]]
            if other.article_id == quote.article_id:
                continue
            speakers_agree = not (quote.speaker_key and other.speaker_key and quote.speaker_key != other.speaker_key)
            same_text = float(texts[i] @ texts[group[0]]) >= QUOTE_SIMILARITY or (
                quote.language == other.language
                and (quote.text.casefold() in other.text.casefold() or other.text.casefold() in quote.text.casefold())
            )
            same_fact = fact is not None and fact == other_fact
            if (same_text and (speakers_agree or float(texts[i] @ texts[group[0]]) >= 0.85)) or (
                same_fact and speakers_agree and quote.speaker_key is not None
            ):
                group.append(i)
                break
        else:
            groups.append([i])
    out = []
    for number, group in enumerate(sorted(groups, key=lambda g: (-len(g), g[0])), start=1):
        quotes = [mentions[i][0] for i in sorted(group)]
        same_language = [q for q in quotes if q.language == quotes[0].language]
        altered = any(
            not _same_words(a.text, b.text)
            and a.text.casefold() not in b.text.casefold()
            and b.text.casefold() not in a.text.casefold()
            for k, a in enumerate(same_language)
            for b in same_language[k + 1 :]
        )
        keys = {q.speaker_key for q in quotes if q.speaker_key}
        out.append(
            QuoteGroup(
                f"q{number}",
                quotes,
                list(dict.fromkeys(q.speaker for q in quotes if q.speaker)),
                altered and len(quotes) > 1,
                len(keys) > 1,
            )
        )
    return out


# -- the whole coverage --------------------------------------------------------------------
def _tones(articles: Sequence[Article], vectors: dict[str, ArticleVectors]) -> dict[str, float | None]:
    from .features import article_profile, pair_features
    from .score import get_scorer

    if len(articles) < 2:
        return {a.id: None for a in articles}
    bodies = np.stack([vectors[a.id].body for a in articles])
    centre = articles[int(np.argmax((bodies @ bodies.T).mean(axis=1)))]
    profiles = {a.id: article_profile(a, vectors[a.id]) for a in articles}
    others = [a for a in articles if a.id != centre.id]
    scores = get_scorer("learned").score([pair_features(profiles[a.id], profiles[centre.id]) for a in others])
    tones: dict[str, float | None] = {centre.id: 1.0}
    tones.update({a.id: round(s["Tone"], 2) for a, s in zip(others, scores, strict=True)})
    return tones


def build_coverage(
    articles: Sequence[Article],
    settings: Settings | None = None,
    cache: Any = None,
    copy_links: dict[str, str] | None = None,
    story_id: str | None = None,
    label: str | None = None,
) -> Coverage:
    """The coverage of the story these articles tell (see the module doc)."""
    settings = settings or Settings()
    encoder = load_encoder(settings.encoder, settings.threads)
    articles = sorted(articles, key=_order)
    vectors = {v.article_id: v for v in embed_articles(articles, encoder, cache=cache)}
    sources, source_of = find_sources(articles, copy_links)
    facts, fact_of = build_facts(articles, vectors, source_of)
    numbers = collect_numbers(articles, source_of, fact_of)
    tones = _tones(articles, vectors)
    outlet_of_source = {s.article_id: (s.outlet or "unknown outlet") for s in sources}
    n_sources = len(sources)
    widely = max(2, math.ceil(n_sources / 2))
    outlets: dict[str, OutletView] = {}
    for article in articles:
        name = article.outlet or "unknown outlet"
        view = outlets.setdefault(name, OutletView(name, [], [], [], [], [], None))
        view.articles.append(article.id)
        if article.language and article.language not in view.languages:
            view.languages.append(article.language)
    for fact in facts:
        fact_outlets = {outlet_of_source[s] for s in fact.sources}
        for name, view in outlets.items():
            owns = name in fact_outlets
            if owns and len(fact.sources) >= 2:
                view.shared.append(fact.id)
            elif owns:
                view.unique.append(fact.id)
            elif len(fact.sources) >= widely and any(source_of[a] == a for a in view.articles):
                view.omitted.append(fact.id)
    for view in outlets.values():
        values = [t for a in view.articles if (t := tones.get(a)) is not None]
        view.tone = round(float(np.mean(values)), 2) if values else None
    dates = [a.published for a in articles if a.published]
    return Coverage(
        story_id=story_id,
        label=label or articles[0].title,
        timeline=[
            TimelineEntry(
                a.id,
                a.published,
                a.outlet,
                a.language,
                a.title,
                source_of[a.id] if source_of[a.id] != a.id else None,
                tones.get(a.id),
            )
            for a in articles
        ],
        sources=sources,
        facts=facts,
        outlets=sorted(outlets.values(), key=lambda v: v.outlet),
        numbers=numbers,
        number_groups=group_numbers(numbers, encoder),
        quotes=group_quotes(articles, source_of, fact_of, encoder),
        languages=sorted({a.language for a in articles if a.language}),
        first_seen=min(dates, default=None),
        last_seen=max(dates, default=None),
    )


def coverage_for_story(store: Any, story_id: str, settings: Settings | None = None) -> Coverage:
    """The coverage of a stored story (the store's copy links and cached vectors are used)."""
    story = store.get_story(story_id)
    articles = list(store.iter_articles([m.article_id for m in story.members]))
    links = {m.article_id: m.copy_of for m in story.members if m.copy_of}
    return build_coverage(articles, settings, cache=store, copy_links=links, story_id=story.id, label=story.label)


def coverage_for_files(paths: Sequence[str], settings: Settings | None = None) -> Coverage:
    """The coverage of the articles in ``paths``, taken as one story, without a database."""
    from .pipeline import articles_from_path

    settings = settings or Settings()
    articles: list[Article] = []
    for path in paths:
        for article in articles_from_path(path, settings):
            article.outlet = article.outlet or Path(article.source.split("#")[0]).name  # name the file at least
            articles.append(article)
    unique = list({a.id: a for a in articles}.values())
    return build_coverage(unique, settings)


# -- output --------------------------------------------------------------------------------
def coverage_json(coverage: Coverage) -> dict[str, Any]:
    """Everything in the coverage as plain JSON-able data."""
    data = asdict(coverage)
    data["span_days"] = coverage.span_days
    data["conflicts"] = [asdict(g) for g in coverage.conflicts]
    data["at_a_glance"] = {
        "articles": len(coverage.timeline),
        "sources": len(coverage.sources),
        "republications": sum(len(s.republishers) for s in coverage.sources),
        "outlets": len(coverage.outlets),
        "languages": coverage.languages,
        "facts": len(coverage.facts),
        "shared_facts": sum(1 for f in coverage.facts if len(f.sources) >= 2),
        "numbers_that_differ": len(coverage.conflicts),
        "quotes": len(coverage.quotes),
        "first_seen": coverage.first_seen,
        "last_seen": coverage.last_seen,
        "span_days": coverage.span_days,
    }
    return data


def coverage_html(coverage: Coverage) -> str:
    """One self-contained HTML page (no scripts; every text escaped) to read the coverage side by side."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("storyline", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["day"] = lambda d: d.strftime("%Y-%m-%d") if d else "—"
    facts = {f.id: f for f in coverage.facts}
    return env.get_template("coverage.html").render(
        c=coverage, facts=facts, glance=coverage_json(coverage)["at_a_glance"]
    )
