from __future__ import annotations

import pytest

from storyline.enrich.sentences import split_sentences


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. J. R. Brown in Washington. The talks lasted 1.5 hours! Did they agree? No.",
            ["Mr. Smith met Dr. J. R. Brown in Washington.", "The talks lasted 1.5 hours!", "Did they agree?", "No."],
        ),
        ("Inflation in the U.S. The Fed said so.", ["Inflation in the U.S.", "The Fed said so."]),
        ("Er kam z. B. am 3. Mai. Dann ging er.", ["Er kam z. B. am 3. Mai.", "Dann ging er."]),
        ("Это т. е. пример. Второе предложение — здесь.", ["Это т. е. пример.", "Второе предложение — здесь."]),
        ("«Мы не уйдём», — заявил он. Потом он ушёл.", ["«Мы не уйдём», — заявил он.", "Потом он ушёл."]),
        (
            "قال الرئيس إن الوضع صعب. وأضاف: هل تعمل الحكومة؟ نعم.",
            ["قال الرئيس إن الوضع صعب.", "وأضاف: هل تعمل الحكومة؟", "نعم."],
        ),
        (
            "特朗普说：“欧洲必须接回他们。”他还表示，美国做了很多。最后！",
            ["特朗普说：“欧洲必须接回他们。”", "他还表示，美国做了很多。", "最后！"],
        ),
        (
            "“It was great,” he said. “Really.” Then he left.",
            ["“It was great,” he said.", "“Really.”", "Then he left."],
        ),
    ],
)
def test_scripts(text: str, expected: list[str]) -> None:
    assert _split(text) == expected


def test_paragraphs_always_split_and_spans_are_offsets() -> None:
    text = "First paragraph without a stop\n\n  Second one.  \nThird"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["First paragraph without a stop", "Second one.", "Third"]
