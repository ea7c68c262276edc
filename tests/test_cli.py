"""The `storyline` command as a user runs it: a subprocess, a real SQLite file, real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from storyline.records import DIMENSIONS

from .conftest import FIXTURES, run_cli


def test_ingest_list_show_and_reingest(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    first = run_cli("ingest", str(FIXTURES), "--db", db, "--json")
    summary = json.loads(first.stdout)
    assert summary["added"] == 4 and summary["skipped"] == 2 and summary["stories_in_store"] == 2
    assert summary["new_stories"] == 2 and summary["joined"] == 2
    assert "mixed.jsonl#3: line 3 is not valid JSON" in first.stderr
    again = run_cli("ingest", str(FIXTURES), "--db", db)
    assert again.stdout.startswith("0 added, 4 already stored")
    assert "2 stories in" in again.stdout

    stories = json.loads(run_cli("stories", "--db", db, "--json").stdout)
    fire = next(s for s in stories if s["size"] == 3)
    assert set(fire["languages"]) == {"en", "ru", "ar"}
    assert all(m["reason"] for m in fire["members"])

    shown = run_cli("story", fire["id"][:6], "--db", db).stdout
    assert "why: new story" in shown and "why: joined: closest to" in shown
    member = fire["members"][-1]["id"]
    why = json.loads(run_cli("why", member[:8], "--db", db, "--json").stdout)
    assert why["story"] == fire["id"] and why["details"]["kind"] == "joined"
    assert why["details"]["probability"] >= why["details"]["threshold"]

    listing = run_cli("articles", "--db", db, "--json").stdout
    ids = [row["id"] for row in json.loads(listing)]
    assert len(ids) == 4
    article = json.loads(run_cli("article", ids[0][:8], "--db", db, "--json").stdout)
    assert article["id"] == ids[0] and article["sentences"] and article["mentions"]

    compared = json.loads(run_cli("compare", ids[0][:8], ids[1][:8], "--db", db, "--json").stdout)
    assert {compared["a"]["id"], compared["b"]["id"]} == {ids[0], ids[1]}

    problems = run_cli("problems", "--db", db, "--json").stdout
    assert len(json.loads(problems)) == 2


def test_compare_two_files_json() -> None:
    out = run_cli("compare", str(FIXTURES / "harbour-fire.html"), str(FIXTURES / "harbour-fire-ru.txt"), "--json")
    data = json.loads(out.stdout)
    for name in DIMENSIONS:
        assert isinstance(data[name], float) and 1 <= data[name] <= 4
    assert data["a"]["language"] == "en" and data["b"]["language"] == "ru"
    assert data["aligned"] and data["aligned"][0]["similarity"] > 0.6
    assert "Poland" in data["shared"]["place"]
    readable = run_cli("compare", str(FIXTURES / "harbour-fire.html"), str(FIXTURES / "harbour-fire-ru.txt")).stdout
    assert "Overall" in readable and "aligned sentences" in readable


def test_errors_are_one_line_with_a_fix_and_exit_1(tmp_path: Path) -> None:
    missing = run_cli("compare", str(tmp_path / "nope.html"), str(FIXTURES / "harbour-fire.html"), check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("error: ") and len(missing.stderr.strip().splitlines()) == 1
    (tmp_path / "empty.txt").write_text("")
    nothing = run_cli("ingest", str(tmp_path / "empty.txt"), "--db", str(tmp_path / "x.db"), check=False)
    assert nothing.returncode == 1
    assert "skipped" in nothing.stderr and "the file is empty" in nothing.stderr
    assert "error: no article could be read" in nothing.stderr
    notes = tmp_path / "notes.db"
    notes.write_text("not a database " * 200)
    bad_db = run_cli("stories", "--db", str(notes), check=False)
    assert bad_db.returncode == 1 and "cannot be opened as a Storyline database" in bad_db.stderr
    usage = run_cli("stories", "--limit", "many", check=False)
    assert usage.returncode == 2


def test_ingest_keeps_what_is_stored_when_later_files_are_bad(tmp_path: Path) -> None:
    db = str(tmp_path / "keep.db")
    run_cli("ingest", str(FIXTURES / "harbour-fire.html"), "--db", db, "--no-cluster")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "one-word.txt").write_text("Breaking")
    (bad / "cp1251.txt").write_bytes(
        "Пожар в порту\nКрупный пожар уничтожил три склада в порту Гданьска "
        "на севере Польши в воскресенье вечером.".encode("cp1251")
    )
    result = run_cli("ingest", str(bad), "--db", db, "--json")
    summary = json.loads(result.stdout)
    assert summary["added"] == 1 and summary["articles_in_store"] == 2
    assert "one-word.txt: the text has 1 word" in result.stderr


def test_demo_lists_stories(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "x", ignore_errors=True)
    out = run_cli("demo", "--db", str(tmp_path / "demo.db"))
    assert "stories from" in out.stdout
    assert out.stdout.count("●") >= 10


def test_settings_listing() -> None:
    rows = json.loads(run_cli("settings", "--json", env={"STORYLINE_MIN_WORDS": "40"}).stdout)
    assert {r["name"]: r["value"] for r in rows}["min_words"] == 40


def test_score_pairs_cli(tmp_path: Path) -> None:
    source = tmp_path / "pairs.jsonl"
    good = {
        "pair_id": "p1",
        "lang1": "en",
        "lang2": "en",
        "title1": "Fire in Gdansk harbour",
        "text1": "A fire destroyed three grain warehouses in the port of Gdansk on Sunday night.",
        "date1": None,
        "title2": "Gdansk port fire",
        "text2": "Three warehouses burned in Gdansk port on Sunday.",
        "date2": None,
    }
    source.write_text(json.dumps(good) + "\nnot json\n")
    result = run_cli("score-pairs", str(source), "-o", "-")
    [line] = result.stdout.splitlines()
    row = json.loads(line)
    assert row["pair_id"] == "p1" and set(row) == {"pair_id", *DIMENSIONS}
    assert "pairs.jsonl#2: line 2 is not valid JSON" in result.stderr
    assert "scored 1 pairs" in result.stderr
    (tmp_path / "bad.jsonl").write_text("nope\n")
    failed = run_cli("score-pairs", str(tmp_path / "bad.jsonl"), "-o", str(tmp_path / "o.jsonl"), check=False)
    assert failed.returncode == 1 and "error: no pair" in failed.stderr


def test_story_maintenance_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    run_cli("ingest", str(FIXTURES), "--db", db)
    stories = json.loads(run_cli("stories", "--db", db, "--json").stdout)
    big, small = sorted(stories, key=lambda s: -s["size"])
    merged = run_cli("merge", big["id"], small["id"], "--db", db, "--reason", "same event").stdout
    assert merged.startswith("#1") and "same event" in merged
    assert len(json.loads(run_cli("stories", "--db", db, "--json").stdout)) == 1
    history = json.loads(run_cli("history", "--db", db, "--json").stdout)
    assert history[0]["kind"] == "merge" and history[0]["reason"] == "same event"
    assert "undone" in run_cli("undo", "1", "--db", db).stdout
    assert len(json.loads(run_cli("stories", "--db", db, "--json").stdout)) == 2
    again = run_cli("undo", "1", "--db", db, check=False)
    assert again.returncode == 1 and "already undone" in again.stderr
    article = big["members"][-1]["id"]
    run_cli("move", article, small["id"], "--db", db)
    assert json.loads(run_cli("why", article, "--db", db, "--json").stdout)["story"] == small["id"]
    assert "no stories to merge" in run_cli("maintain", "--db", db, "--days", "0").stdout
    out = run_cli("recluster", "--db", db, "--yes", "--json").stdout
    assert json.loads(out)["articles"] == 4


def test_cluster_command(tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    en = (FIXTURES / "harbour-fire-ru.txt").read_text().split("\n", 1)
    source.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {"id": "a", "title": en[0], "text": en[1], "date": "2026-05-04"},
                {
                    "id": "b",
                    "lang": "en",
                    "title": "Lyon pool",
                    "date": "2026-06-13",
                    "text": "The city of Lyon opened a floating swimming pool on the Rhône on Saturday, the first "
                    "of its kind in France outside Paris, with room for 300 swimmers.",
                },
                {"id": "c", "title": en[0], "text": en[1]},
            ]
        )
        + "\n"
    )
    result = run_cli("cluster", str(source), "-o", "-")
    rows = {r["id"]: r["story"] for r in map(json.loads, result.stdout.splitlines())}
    assert set(rows) == {"a", "b", "c"} and rows["a"] == rows["c"] != rows["b"]
    assert "3 lines into 2 stories" in result.stderr
