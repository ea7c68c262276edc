"""Coverage of a story: the worked example from ../shared/seeds and the demo corpus's traps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyline.coverage import Coverage, coverage_for_files, coverage_for_story, coverage_html, coverage_json
from storyline.demo import gold
from storyline.store import open_store

from .conftest import FIXTURES, run_cli


@pytest.fixture(scope="module")
def seeds(shared: Path) -> Coverage:
    return coverage_for_files(
        [str(shared / "seeds" / "the-national-2019-02.txt"), str(shared / "seeds" / "rt-2019-10.txt")]
    )


def test_seeds_trump_quote_in_both_wordings_is_one_quote(seeds: Coverage) -> None:
    trump = next(g for g in seeds.quotes if any("take back over 800" in q.text for q in g.quotes))
    assert any(q.text == "pick up" and q.outlet == "rt-2019-10.txt" for q in trump.quotes)
    assert {q.outlet for q in trump.quotes} == {"the-national-2019-02.txt", "rt-2019-10.txt"}
    assert trump.earliest.outlet == "the-national-2019-02.txt"
    assert all("Trump" in s for s in trump.speakers)


def test_seeds_numbers_each_with_what_it_counts_and_none_flagged(seeds: Coverage) -> None:
    by_value = {n.value: n for n in seeds.numbers}
    for value in (800.0, 11000.0, 9000.0, 2000.0, 1800.0, 4000.0):
        assert value in by_value, value
        assert by_value[value].what, value
    assert "family" in by_value[4000.0].what and "people" in by_value[11000.0].what
    assert not seeds.conflicts


def test_seeds_commentary_is_the_second_articles_own_and_the_gap_is_shown(seeds: Coverage) -> None:
    rt = next(o for o in seeds.outlets if o.outlet == "rt-2019-10.txt")
    facts = {f.id: f for f in seeds.facts}
    own = " ".join(facts[i].first.text for i in rt.unique)
    assert "old American habit" in own and "Asafov" in own
    national = next(o for o in seeds.outlets if o.outlet == "the-national-2019-02.txt")
    assert not any("old American habit" in facts[i].first.text for i in national.unique + national.shared)
    assert seeds.span_days is not None and 200 < seeds.span_days < 280
    html = coverage_html(seeds)
    assert "242 days" in html and "take back over 800" in html


@pytest.fixture(scope="module")
def demo_stories(demo_db: Path) -> dict[str, Coverage]:
    """Coverage of the demo stories that hold the number and wire-copy traps."""
    traps = gold()["traps"]
    with open_store(demo_db) as store:
        url_of = {a.url: a.id for a in store.iter_articles()}
        story_of = store.stories_of(list(url_of.values()))
        ferry = story_of[url_of[next(iter(traps["number_disagreement"]["values"]))]]
        wire = story_of[url_of[traps["wire_copies"]["original"]]]
        return {"ferry": coverage_for_story(store, ferry), "wire": coverage_for_story(store, wire)}


def test_demo_disagreeing_death_toll_is_flagged_and_agreeing_counts_are_not(demo_stories: dict[str, Coverage]) -> None:
    ferry = demo_stories["ferry"]
    deaths = [g for g in ferry.conflicts if g.what == "deaths"]
    assert deaths, [(g.what, [v.text for v in g.values]) for g in ferry.number_groups]
    assert {v.value for v in deaths[0].values} == {23.0, 31.0}
    assert all(v.context for v in deaths[0].values) and all(v.published for v in deaths[0].values)
    agreeing = {g.what for g in ferry.number_groups if not g.conflict}
    assert {"rescued", "passengers"} <= agreeing  # 96 rescued and 128 passengers agree everywhere
    flagged_values = {v.value for g in ferry.conflicts for v in g.values}
    assert not flagged_values & {96.0, 128.0, 140.0}


def test_demo_wire_copies_collapse_into_one_source(demo_stories: dict[str, Coverage]) -> None:
    wire = demo_stories["wire"]
    traps = gold()["traps"]["wire_copies"]
    original = next(s for s in wire.sources if s.republishers)
    assert len(original.republishers) == len(traps["copies"]) == 3
    assert len(wire.sources) == len(wire.timeline) - 3
    copies = {t.article_id for t in wire.timeline if t.copy_of}
    assert len(copies) == 3
    for fact in wire.facts:
        assert not copies & set(fact.sources)  # reprints are not confirmations


def test_demo_shared_facts_span_languages(demo_stories: dict[str, Coverage]) -> None:
    ferry = demo_stories["ferry"]
    shared = [f for f in ferry.facts if len(f.sources) >= 2]
    assert shared and max(len(f.languages) for f in shared) >= 3
    first = shared[0]
    assert first.first.published == min(t.published for t in first.tellings if t.published)


def test_coverage_cli_json_and_html_escapes_article_text(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "Fire in the port of Gdansk <script>alert(1)</script>\n"
        "A fire destroyed three grain warehouses in the port of Gdansk on Sunday night, "
        "officials said. <img src=x onerror=alert(2)> More than 120 firefighters fought the blaze."
    )
    html = tmp_path / "report.html"
    result = run_cli(
        "coverage", "--files", str(FIXTURES / "harbour-fire.html"), str(hostile), "--json", "--html", str(html)
    )
    data = json.loads(result.stdout)
    assert data["at_a_glance"]["articles"] == 2 and data["at_a_glance"]["sources"] == 2
    page = html.read_text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert "Content-Security-Policy" in page
    text = run_cli("coverage", "--files", str(FIXTURES / "harbour-fire.html"), str(hostile)).stdout
    assert "shared facts" in text and "numbers that differ" in text
    missing = run_cli("coverage", "nope", "--db", str(tmp_path / "x.db"), check=False)
    assert missing.returncode == 1 and "no story" in missing.stderr


def test_coverage_json_is_complete(demo_stories: dict[str, Coverage]) -> None:
    data = json.loads(json.dumps(coverage_json(demo_stories["ferry"]), default=str))
    for key in (
        "timeline",
        "sources",
        "facts",
        "outlets",
        "numbers",
        "number_groups",
        "conflicts",
        "quotes",
        "at_a_glance",
        "span_days",
    ):
        assert key in data
    assert data["at_a_glance"]["numbers_that_differ"] >= 1
