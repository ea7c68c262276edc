"""Extraction: the boilerplate rules, titles, the script fallback, charsets, and `storyline extract`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from storyline.boilerplate import clean_text, restore_lead
from storyline.cli import main
from storyline.extract import clean_title, date_confidence, extract_html, text_from_scripts
from storyline.readers.decode import decode_bytes

BODY = (
    "The harbour authority closed the northern pier on Tuesday after a fire in a fuel depot.\n"
    "Firefighters worked through the night and the blaze was under control by morning, officials said.\n"
    "Nobody was hurt, but two hundred people were moved from nearby streets as a precaution.\n"
    "Investigators will examine the depot's pumps, which had been repaired last month."
)


def page(body: str, head: str = "", title: str = "Fire closes the northern pier") -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n"))
    return (
        f"<html><head><title>{title} | Harbour Gazette</title>{head}</head>"
        f"<body><nav>Home News Sport</nav><article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Contact us</footer></body></html>"
    )


def test_clean_text_drops_headline_repeat_credits_and_prompts() -> None:
    text = "\n".join(
        ["Fire closes the northern pier", *BODY.split("\n")[:2], "Photo: Jane Roe/Getty Images",
         "Sign up for our newsletter", *BODY.split("\n")[2:]]
    )
    cleaned = clean_text(text, "Fire closes the northern pier")
    assert cleaned == BODY


def test_clean_text_cuts_teasers_after_a_late_related_header_only() -> None:
    late = BODY + "\nRead also:\nMayor opens new bridge\nTram fares rise in March"
    assert clean_text(late) == BODY
    early = "Lesen Sie auch:\n" + BODY  # early in the text: only the header goes
    assert clean_text(early) == BODY


def test_clean_text_keeps_article_lines_that_mention_subscriptions_in_passing() -> None:
    line = (
        "The council said residents who subscribe to the alert service were warned an hour before the smoke "
        "reached the old town, and that the service will be extended to every district of the city next year "
        "after the inquiry has finished its work."
    )
    assert clean_text(line) == line


def test_restore_lead_puts_back_a_visible_standfirst() -> None:
    lead = "A fire at a fuel depot shut the northern pier for a day, and two hundred people left their homes."
    html = page(BODY, head=f'<meta property="og:description" content="{lead}">').replace(
        "<article>", f'<div class="standfirst">{lead}</div><article>'
    )
    assert restore_lead(html, BODY) == lead
    assert restore_lead(html, lead + "\n" + BODY) is None  # already there
    head_only = page(BODY, head=f'<meta name="description" content="{lead}">')
    assert restore_lead(head_only, BODY) is None  # a summary that only lives in <head> is not article text


def test_clean_title_drops_the_site_name_and_dates_never_the_headline() -> None:
    assert clean_title("Fire closes the northern pier | Harbour Gazette", "Harbour Gazette") == (
        "Fire closes the northern pier"
    )
    assert clean_title("Ziele, Chancen, Risiken – DW – 28.04.2023", None, "dw.com") == "Ziele, Chancen, Risiken"
    assert clean_title("南海トラフ、一時調査：中日新聞Web", "中日新聞Web") == "南海トラフ、一時調査"
    assert clean_title("Israel - Gaza: talks resume", "Harbour Gazette") == "Israel - Gaza: talks resume"


def test_extract_html_gives_clean_fields() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Fire closes the northern pier",'
    head += ' "datePublished": "2026-03-03T08:00:00+01:00"}</script><meta property="og:image" content="https://x.test/a.jpg">'
    doc = extract_html(page(BODY, head=head), url="https://harbour-gazette.test/2026/03/03/fire")
    assert doc.title == "Fire closes the northern pier"
    assert doc.text.startswith("The harbour authority closed")
    assert doc.published is not None and doc.published.isoformat() == "2026-03-03T08:00:00+01:00"
    assert doc.published_source == "html:json-ld" and date_confidence(doc.published_source) > 0.9
    assert doc.outlet == "harbour-gazette.test"
    assert doc.image == "https://x.test/a.jpg"


def test_script_rendered_page_falls_back_to_its_data() -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in BODY.split("\n"))
    blob = json.dumps({"props": {"article": {"contentHtml": paragraphs * 2}}})
    html = f"<html><head><title>Pier</title></head><body><div id='root'></div><script>{blob}</script></body></html>"
    assert "fuel depot" in text_from_scripts(html)
    assert "fuel depot" in extract_html(html).text


def test_utf8_bytes_win_over_a_wrong_latin1_declaration() -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Für die Brücke</p></body></html>'
    assert "Für" in decode_bytes(html.encode("utf-8"))
    assert "Für" in decode_bytes(html.encode("latin-1"))  # a true latin-1 page still decodes as declared


def test_extract_command_prints_fields_as_json_and_text(tmp_path: Path) -> None:
    path = tmp_path / "pier.html"
    path.write_text(page(BODY), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["extract", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for field in ("title", "text", "date", "date_source", "authors", "site_name", "language", "url"):
        assert field in data
    assert data["title"] == "Fire closes the northern pier" and data["language"] == "en"
    text = runner.invoke(main, ["extract", str(path)])
    assert text.exit_code == 0 and text.stdout.startswith("# Fire closes the northern pier")


def test_extract_command_explains_a_page_without_an_article(tmp_path: Path) -> None:
    path = tmp_path / "menu.html"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(path)])
    assert result.exit_code != 0
    assert "no article text was found" in result.stderr


def test_gunzip_reads_every_member_of_a_concatenated_file() -> None:
    import gzip

    from storyline.readers.decode import gunzip

    assert gunzip(gzip.compress(b"first ") + gzip.compress(b"second"), 1000) == b"first second"
