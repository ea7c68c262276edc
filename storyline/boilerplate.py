"""Clean what trafilatura leaves around an article: headline repeats, "read also" blocks, credits, sign-up lines.

trafilatura finds the main content well, but on news pages it keeps a few kinds of lines that are not the
article: the headline again as the first line, "Read also" / "Lesen Sie auch" / "Czytaj też" headers and the
teasers after them, photo credits and captions, newsletter and subscription prompts, share/login widgets,
author bios in the last lines, and bare dates. Each rule below removes one kind, matched line by line, in
the languages Storyline reads. Measured on a development half of trafilatura's evaluation set and checked
on the other half and on Fundus's set (see BENCHMARKS.md, issue 6); a rule stayed only when it helped both.

The lead paragraph is the other way round: many pages set it apart from the body (a standfirst), so
trafilatura drops it, though it is the most important sentence of a news article.
:func:`restore_lead` puts it back when the page shows it and declares it as its description.
"""

from __future__ import annotations

import re

# A header announcing links to other articles. In the second half of a text, what follows is teasers.
_RELATED = re.compile(
    r"""^\W*(
    (auch|ebenfalls)\ interessant\w*|(das\ )?(thema\ )?könnte\ (dich|sie)\ auch\ interessieren|
    lesen\ sie\ (auch|hier|mehr|weiter)|mehr\ (zum\ thema|themen|dazu|lesen)|
    weitere\ (artikel|beiträge|themen|meldungen|nachrichten)|zum\ weiterlesen|top-themen|ebenfalls\ lesenswert|
    passend\ dazu|
    (read|see)\ (also|more)|also\ read|related(\ (articles|stories|content|posts|coverage|news))?|
    more\ (from|on|stories|news)\b.*|recommended(\ for\ you)?|you\ (may|might)\ also\ like|most\ (read|popular)|
    popular|trending(\ now)?|
    à\ lire\ (aussi|également)|lire\ aussi|sur\ le\ même\ sujet|voir\ aussi|
    (lee|lea|leer)\ (también|más)|contenido\ relacionado|noticias\ relacionadas|te\ puede\ interesar|
    mire|mira|ver\ también|
    leggi\ anche|potrebbe\ interessarti|
    czytaj\ (też|także|również|więcej)|zobacz\ (też|także|również)|dowiedz\ się\ więcej|
    читайте\ также|смотрите\ также|по\ теме|
    ayrıca\ (bakınız|okuyun)|ilginizi\ çekebilir|
    اقرأ\ أيضا|اقرأ\ أيضاً
    )\s*(:|»|>>|\.\.\.)?\s*""",
    re.IGNORECASE | re.VERBOSE,
)
# Photo credits, copyright and source lines.
_CREDIT = re.compile(
    r"""^\W{0,3}(©|\(c\)\s|copyright\b|foto(s|grafie)?\s*:|photo(s|graph)?\s*(:|credit)|bild(er)?\s*:|titelbild|
    credits?\s*(photos?)?\s*:|\(?credit\s*:|crédits?\s|image\s+(illustrative|credit|source)|
    quelle\s*:|source\s*:|fuente\s*:|fonte\s*:|źródło\s*:|bildquelle|
    all\ rights\ reserved|alle\ rechte\ vorbehalten)""",
    re.IGNORECASE | re.VERBOSE,
)
# Widgets: share, login, sign-up, ads, tables of contents, "updated" stamps.
_WIDGET = re.compile(
    r"""^\W*(bild\ anzeigen|wird\ geladen|teilen\ mit|share\ (this|on)|view\ comments|klicken\ sie\ auf|kategorie\s*:|
    aktualisiert\ am|zuletzt\ aktualisiert|updated\s*:|alle\ angaben\ ohne\ gewähr|anzeige\b|advertisement\b|
    publicidad\b|werbung\b|inhaltsverzeichnis|table\ of\ contents|zum\ newsletter|newsletter\b|sign\ up\b|subscribe\b|
    abonnieren|jetzt\ (anmelden|registrieren)|sie\ sind\ (aktuell\ )?nicht\ eingeloggt|click\ here\b|swipe\b|
    log\ ?in\b|hazte\ miembro|suscr[ií]be)""",
    re.IGNORECASE | re.VERBOSE,
)
# Sign-up and rights prompts anywhere in a short line.
_PROMO = re.compile(
    r"(newsletter|sign(ing)?\ up\b|subscribe\b|subscription|log\ in\ for|suscr[ií]b|written\ permission|"
    r"copyrighted\ property|affiliate\ links?)",
    re.IGNORECASE | re.VERBOSE,
)
# A caption: a short line ending in a photo credit.
_CAPTION_TAIL = re.compile(
    r"\((foto|photo|bild|image|imagen|credit)s?\s*:[^)]*\)\s*\.?$|"
    r"(getty\ images|/afp|/reuters|/dpa|/ap\b|picture-alliance|shutterstock|istock)\S*\s*\)?\s*$",
    re.IGNORECASE | re.VERBOSE,
)
_DATE_ONLY = re.compile(
    r"^\W*(\d{1,2}\.\s*\w+\s+\d{4}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\w+\s+\d{1,2},\s+\d{4})"
    r"[,\s|]*(\d{1,2}:\d{2}\s*(uhr|am|pm)?)?\W*$",
    re.IGNORECASE,
)
# "Jane Doe is a reporter for ..." in the last lines.
_BIO = re.compile(
    r"^[A-Z][\w.'-]+( [A-Z][\w.'-]+){1,3} (is|was|ist|est|es) "
    r"(an? |der |die |ein |eine |un |une |una |la |le |el )?([\w-]+ ){0,4}"
    r"(writer|editor|reporter|correspondent|journalist|columnist|contributor|redakteur\w*|journalist\w*|autor\w*|"
    r"periodista|journaliste|rédact\w+)\b"
)
_NON_WORD = re.compile(r"\W+")
_SHORT_WIDGET_WORDS = 25  # widget, credit and caption rules only touch lines this short
_SHORT_PROMO_WORDS = 30
_HEADER_WORDS = 12


def _key(text: str) -> str:
    return _NON_WORD.sub(" ", text).strip().lower()


def _is_boilerplate(line: str, words: int, index: int, count: int) -> bool:
    if not line:
        return False
    if _NON_WORD.fullmatch(line):  # separators such as "___" or "* * *"
        return True
    short = words <= _SHORT_WIDGET_WORDS
    return bool(
        (short and (_CREDIT.match(line) or _WIDGET.match(line) or _CAPTION_TAIL.search(line)))
        or (words <= _SHORT_PROMO_WORDS and _PROMO.search(line))
        or (index >= count - 3 and _BIO.match(line))
        or _DATE_ONLY.match(line)
    )


def clean_text(text: str, title: str = "") -> str:
    """``text`` without the boilerplate lines described in the module docstring.

    ``title`` is the page's headline: a first line that only repeats it is dropped.
    """
    lines = text.split("\n")
    title_key = _key(title)
    while lines and title_key and _key(lines[0]) == title_key:
        lines = lines[1:]
    total = sum(len(line.split()) for line in lines) or 1
    kept: list[str] = []
    seen = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        words = len(stripped.split())
        related = _RELATED.match(stripped)
        if related and words <= _HEADER_WORDS:
            if not stripped[related.end() :] and seen > total / 2:
                break  # a bare "Read also" header late in the text: the rest is teasers
        elif not _is_boilerplate(stripped, words, index, len(lines)):
            kept.append(line)
        seen += words
    return "\n".join(kept).strip()


_DESCRIPTION = re.compile(
    r"""<meta\b[^>]*(?:name|property)\s*=\s*["'](?:og:description|description|twitter:description)["'][^>]*>""",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"""content\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_HEAD_LIMIT = 300_000
_MIN_LEAD_WORDS = 6
_MIN_KEY_CHARS = 30


def _descriptions(html: str) -> list[str]:
    import html as htmllib

    found: list[str] = []
    for tag in _DESCRIPTION.findall(html[:_HEAD_LIMIT]):
        match = _CONTENT.search(tag)
        value = " ".join(htmllib.unescape(match.group(1) or match.group(2) or "").split()) if match else ""
        if len(value.split()) >= _MIN_LEAD_WORDS and value not in found:
            found.append(value)
    return found


def restore_lead(html: str, text: str) -> str | None:
    """The page's lead paragraph when the page shows it but ``text`` lacks it, else ``None``.

    The lead is recognised as a visible element whose text starts like the page's declared description
    (``og:description``, ``description``); a description that exists only in the ``<head>`` is never used,
    since it may be an editor's summary rather than part of the article.
    """
    descriptions = _descriptions(html)
    if not descriptions:
        return None
    text_key = _NON_WORD.sub("", text).lower()
    keys = [_NON_WORD.sub("", d).lower() for d in descriptions]
    if any(len(k) < _MIN_KEY_CHARS or k[:80] in text_key for k in keys):
        return None
    from lxml import html as lxml_html
    from lxml.etree import ParserError

    try:
        tree = lxml_html.fromstring(html)
    except (ParserError, ValueError):
        return None
    for node in tree.xpath("//script|//style|//noscript|//head|//template"):
        node.drop_tree()
    for description, key in zip(descriptions, keys, strict=True):
        for element in tree.iter("p", "div", "h2", "span", "section", "header", "strong"):
            shown = " ".join(element.text_content().split())
            if len(shown) <= 3 * len(description) + 200 and _NON_WORD.sub("", shown).lower().startswith(key[:60]):
                return shown
    return None


__all__ = ["clean_text", "restore_lead"]
