"""Sentence segmentation for Latin, Cyrillic, Greek, Arabic and CJK scripts.

A rule-based splitter: paragraphs (line breaks) first, then terminal punctuation
(``. ! ? …`` and the Arabic ``؟``) followed by a space and a plausible sentence
start, or CJK terminals (``。！？``) with no space needed. Abbreviations
("Mr.", "U.S.", "z. B.", "т. е.", "Sr."), initials ("J. R. Smith") and decimals
("1.8") do not end a sentence. Closing quotes and brackets stay with the
sentence they close.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st jr sr sen gov gen rep lt col capt cpt sgt maj adm cmdr insp supt vs etc e.g
    i.e approx appx est dept univ corp inc ltd co vol fig ch pp p op cit al jan feb mar apr
    jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun u.s u.k u.n e.u u.s.a d.c a.m p.m
    ft mt z.b bzw ca usw vgl nr abs hr fr frau dipl ing evtl ggf inkl sog str mme mlle mm cf av
    j.-c sra sres srta dña ud uds avda núm pág sig sigg dott ing avv г гг т.е т.д т.п др им
    ул пр проф акад тыс млн млрд руб см стр tj tzn np wg ul prof
    """.split()
)
# Abbreviations that also end sentences: split after them when a usual sentence opener follows.
_TERMINAL_ABBREVIATIONS = frozenset(
    """
    u.s u.k u.n e.u u.s.a d.c a.m p.m etc inc ltd co corp
    """.split()
)
_OPENER_WORDS = frozenset(
    """
    the a an he she it they we i his her its their this that these those there in on at but and
    however meanwhile after before when while
    """.split()
)
# "am 3. Mai": a day number with a period before a month is an ordinal, not a sentence end.
_MONTHS_AFTER_ORDINAL = frozenset(
    """
    januar februar märz april mai juni juli august september oktober november dezember jänner
    """.split()
)
_CLOSERS = "\"'”’»」』）)]›"
_OPENERS = "\"'“‘«„「『（([‹—–-"
# A sentence may end at . ! ? … ؟ (optionally repeated), then closing quotes/brackets.
_LATIN_END = re.compile(r"[.!?…؟]+[" + re.escape(_CLOSERS) + r"]*(?=\s)")
_CJK_END = re.compile(r"[。！？!?]+[" + re.escape(_CLOSERS) + r"]*")
_WORD_BEFORE = re.compile(r"([\w.\-]+)\.$")
_UPPER_OR_OTHER = re.compile(r"[^\W\d_]")


def _starts_sentence(rest: str) -> bool:
    """Does ``rest`` (the text after the gap) look like a new sentence's start?"""
    stripped = rest.lstrip(_OPENERS + " ")
    if not stripped:
        return False
    ch = stripped[0]
    if ch.isdigit():
        return True
    if not _UPPER_OR_OTHER.match(ch):
        return False
    # Uncased scripts (Arabic, CJK, Thai ...) have no capitals: any letter can start a sentence.
    return ch.isupper() or ch.lower() == ch.upper()


def _is_abbreviation(before: str, after: str) -> bool:
    match = _WORD_BEFORE.search(before)
    if not match:
        return False
    word = match.group(1)
    bare = word.lower().strip(".-")
    if bare.isdigit() and len(bare) <= 2:
        following = after.split(maxsplit=1)
        return bool(following) and following[0].lower().strip(",.") in _MONTHS_AFTER_ORDINAL
    if bare in _TERMINAL_ABBREVIATIONS:
        following = after.split(maxsplit=1)
        return not (following and following[0].strip(_OPENERS) in {w.capitalize() for w in _OPENER_WORDS})
    if bare in _ABBREVIATIONS:
        return True
    if len(bare) == 1 and bare.isalpha():  # an initial: "J. Smith", "т. е."
        return True
    return bool(re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", bare))  # "U.S", "z.B", "т.е"


def _split_paragraph(paragraph: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    cuts: list[int] = []
    for match in _LATIN_END.finditer(paragraph):
        end = match.end()
        if paragraph[match.start()] == "." and _is_abbreviation(paragraph[start : match.start() + 1], paragraph[end:]):
            continue
        if _starts_sentence(paragraph[end:]):
            cuts.append(end)
    for match in _CJK_END.finditer(paragraph):
        if paragraph[match.start()] in "。！？":
            cuts.append(match.end())
    for cut in sorted(set(cuts)):
        if cut > start and paragraph[start:cut].strip():
            spans.append((start, cut))
            start = cut
    if paragraph[start:].strip():
        spans.append((start, len(paragraph)))
    result = []
    for s, e in spans:
        chunk = paragraph[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        result.append((offset + s + lead, offset + s + trail))
    return result


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``, in order."""
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\n]+", text):
        if match.group().strip():
            spans.extend(_split_paragraph(match.group(), match.start()))
    return spans
