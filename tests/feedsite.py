"""Small fictional articles and the feeds and sitemaps that point at them, written for these tests."""

from __future__ import annotations

import gzip
import json

from .webserver import Reply, Site, page

FLOOD_A = [
    "Heavy rain flooded the old harbour district of Porto Velho Norte on Tuesday night, forcing about 1,200 "
    "residents to leave their homes as the river rose more than three metres above its usual level.",
    "The regional fire service said two people were missing after their car was swept off a bridge near the "
    "fish market, and rescue boats searched the flooded streets until dawn.",
    "Mayor Helena Duarte asked residents to stay away from the riverside and said schools in the district would "
    "stay closed on Wednesday while engineers inspected the damaged quay walls and the pumping station.",
]
FLOOD_B = [
    "Rescue boats worked through the night in Porto Velho Norte after the river burst its banks and flooded the "
    "harbour district, and some 1,200 people were evacuated from their homes, officials said on Wednesday.",
    "Two people are still missing after a car was carried away from a bridge by the water near the fish market, "
    "according to the regional fire service, which has sent divers to the area.",
    "Mayor Helena Duarte closed the district's schools and told residents to keep away from the riverside until "
    "engineers have checked the quay walls and the pumping station that failed during the storm.",
]
CHESS = [
    "The seventeen-year-old Kenyan player Amani Wekesa won the international chess open in Valletta on Sunday, "
    "beating the top seed in a tense final round that lasted almost six hours.",
    "Wekesa, who learned the game at a school club in Nakuru, finished the nine-round tournament unbeaten with "
    "seven and a half points, half a point ahead of three grandmasters.",
    "The organisers said the victory earns her an invitation to next year's elite round robin, and her coach "
    "said she would now prepare for the world junior championship in the autumn.",
]


def words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def rss(items: list[dict[str, str]], language: str = "en") -> str:
    """An RSS 2.0 feed; an item's ``content`` goes into content:encoded."""
    parts = []
    for item in items:
        content = f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>" if "content" in item else ""
        link = f"<link>{item['link']}</link>" if "link" in item else ""
        date = f"<pubDate>{item['date']}</pubDate>" if "date" in item else ""
        parts.append(
            f"<item><title>{item['title']}</title>{link}{date}"
            f"<description>{item.get('summary', 'A short teaser.')}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Test Outlet</title><link>http://test.example/</link><language>{language}</language>"
        f"{''.join(parts)}</channel></rss>"
    )


def atom(entries: list[dict[str, str]]) -> str:
    parts = "".join(
        f"<entry><title>{e['title']}</title><link href=\"{e['link']}\"/><id>{e['link']}</id>"
        f"<updated>{e['date']}</updated><published>{e['date']}</published>"
        f"<summary>Teaser only.</summary></entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Atom Outlet</title><id>urn:test</id><updated>2026-03-03T10:00:00Z</updated>{parts}</feed>"
    )


def json_feed(items: list[dict[str, object]]) -> str:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON Outlet", "items": items})


def sitemap(urls: list[str], news: dict[str, tuple[str, str]] | None = None) -> str:
    """A sitemap; ``news`` maps a URL to its Google News (title, publication date)."""
    news = news or {}
    rows = []
    for url in urls:
        extra = ""
        if url in news:
            title, date = news[url]
            extra = (
                "<news:news><news:publication><news:name>Test Outlet</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{date}</news:publication_date>"
                f"<news:title>{title}</news:title></news:news>"
            )
        rows.append(f"<url><loc>{url}</loc><lastmod>2026-03-05</lastmod>{extra}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>"
    )


def sitemap_index(urls: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'


def gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"))


def add_pages(site: Site) -> dict[str, str]:
    """The three article pages (the chess page declares no date); returns their URLs by name."""
    return {
        "flood-a": site.add("/2026/03/flood-a.html", page("River floods Porto Velho Norte harbour", FLOOD_A)),
        "flood-b": site.add(
            "/news/flood-b.html",
            page("1,200 evacuated as river floods harbour district", FLOOD_B, "2026-03-04T07:30:00+00:00"),
        ),
        "chess": site.add("/sport/chess.html", page("Teenager Amani Wekesa wins Valletta chess open", CHESS)),
    }


XML = "application/xml"


def xml(body: str | bytes, **headers: str) -> Reply:
    return Reply(body=body, content_type=XML, headers=dict(headers))
