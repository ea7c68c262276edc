"""The ``storyline`` command: thin shells over the library's functions.

Each command parses its arguments, calls one library function and prints the
result: a readable listing on stdout, or JSON with ``--json``. Progress and
skipped inputs go to stderr, so stdout stays clean for piping. Errors print one
line saying what to do and exit with status 1 (2 for bad usage).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import InputError, StorylineError
from .records import DIMENSIONS, Article, Comparison, Story
from .settings import SETTINGS, Settings, load_settings
from .store import Store, open_store

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "storyline.db"


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def err(message: str) -> None:
    click.echo(message, err=True)


def db_option(func: F) -> F:
    return click.option(
        "--db",
        default=DEFAULT_DB,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="SQLite database file (created if missing).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a listing.")(func)


def settings_options(func: F) -> F:
    """One ``--name`` option per setting in :data:`storyline.settings.SETTINGS`."""
    for setting in reversed(SETTINGS):
        func = click.option(
            "--" + setting.name.replace("_", "-"),
            setting.name,
            type=type(setting.default),
            default=None,
            help=f"{setting.help} [default: {setting.default}; env {setting.env}]",
        )(func)
    return func


def _settings(values: dict[str, Any]) -> Settings:
    return load_settings({s.name: values.pop(s.name, None) for s in SETTINGS})


@contextmanager
def _store(path: str) -> Iterator[Store]:
    store = open_store(path)
    try:
        yield store
    finally:
        store.close()


class _Group(click.Group):
    """Turns Storyline's errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StorylineError as exc:
            err(f"error: {exc}")
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storyline")
def main() -> None:
    """Storyline: follow news stories across outlets and languages."""


# -- ingest -------------------------------------------------------------------
def _run_ingest(paths: list[str], db: str, settings: Settings, group: bool) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .pipeline import ingest

    console = Console(stderr=True)
    with _store(db) as store:
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} inputs"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("ingesting", total=None)
            report = ingest(paths, store, settings, progress=lambda n: progress.advance(task, n))
        for problem in report.problems:
            err(f"skipped {problem.source}: {problem.reason}")
        stories = []
        if group and (report.added or not store.list_stories()):
            stories = _group(store, settings)
        total = store.count_articles()
    return {
        "added": len(report.added),
        "unchanged": len(report.unchanged),
        "skipped": len(report.problems),
        "articles_in_store": total,
        "stories": len(stories),
        "added_ids": report.added,
        "problems": [asdict(p) for p in report.problems],
    }


def _group(store: Store, settings: Settings) -> list[Story]:
    from .stories import group_store

    return group_store(store, settings)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--no-group", is_flag=True, help="Only store the articles; do not regroup stories.")
@json_option
@settings_options
def ingest(paths: tuple[str, ...], db: str, no_group: bool, as_json: bool, **options: Any) -> None:
    """Ingest articles from files or directories (HTML, JSONL, JSON, plain text; gzip too).

    The format of each file is detected from its content. Articles already
    stored are left as they are; unreadable inputs are reported on stderr and
    skipped. Exits with status 1 when nothing at all could be read.
    """
    settings = _settings(options)
    summary = _run_ingest(list(paths), db, settings, group=not no_group)
    if as_json:
        echo_json(summary)
    else:
        click.echo(
            f"{summary['added']} added, {summary['unchanged']} already stored, {summary['skipped']} skipped; "
            f"{summary['articles_in_store']} articles in {db}, {summary['stories']} stories"
        )
    if summary["added"] == 0 and summary["unchanged"] == 0:
        raise InputError("no article could be read from the given paths; see the reasons above")


@main.command()
@db_option
@click.option("--no-show", is_flag=True, help="Do not list the stories afterwards.")
@settings_options
def demo(db: str, no_show: bool, **options: Any) -> None:
    """Ingest the bundled demo corpus (60 articles, 10 languages, 14 stories) and list its stories."""
    from .demo import corpus_path

    settings = _settings(options)
    summary = _run_ingest([str(corpus_path())], db, settings, group=True)
    err(
        f"demo corpus: {summary['added']} added, {summary['unchanged']} already stored; "
        f"{summary['articles_in_store']} articles in {db}"
    )
    if not no_show:
        with _store(db) as store:
            _print_stories(store, store.list_stories(), limit=0)


# -- listings -----------------------------------------------------------------
def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "????-??-??"


def _story_json(store: Store, story: Story, with_members: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": story.id,
        "label": story.label,
        "labels": story.labels,
        "size": story.size,
        "languages": story.languages,
        "outlets": story.outlets,
        "first_seen": story.first_seen,
        "last_seen": story.last_seen,
    }
    if with_members:
        members = []
        for member in story.members:
            a = store.get_article(member.article_id)
            members.append(
                {
                    "id": a.id,
                    "title": a.title,
                    "outlet": a.outlet,
                    "language": a.language,
                    "published": a.published,
                    "url": a.url,
                    "reason": member.reason,
                    "score": member.score,
                }
            )
        data["members"] = members
    return data


def _print_stories(store: Store, stories: list[Story], limit: int) -> None:
    shown = stories[:limit] if limit else stories
    articles = sum(s.size for s in stories)
    click.echo(f"{len(stories)} stories from {articles} articles\n")
    for story in shown:
        span = (
            _date(story.first_seen)
            if story.first_seen == story.last_seen
            else f"{_date(story.first_seen)} → {_date(story.last_seen)}"
        )
        click.echo(f"● {story.label}")
        click.echo(
            f"  {story.id} · {story.size} articles · {', '.join(story.languages)} · "
            f"{len(story.outlets)} outlets · {span}"
        )
        for member in story.members:
            a = store.get_article(member.article_id)
            click.echo(f"    {_date(a.published)}  {a.language or '??':2}  {(a.outlet or '-')[:28]:28}  {a.title[:90]}")
        click.echo("")
    if limit and len(stories) > limit:
        click.echo(f"… and {len(stories) - limit} more; use --limit 0 to see all")


@main.command()
@db_option
@click.option("--limit", default=20, show_default=True, help="Show at most this many stories (0 = all).")
@json_option
def stories(db: str, limit: int, as_json: bool) -> None:
    """List stories, most recent activity first, with their articles, languages and outlets."""
    with _store(db) as store:
        found = store.list_stories()
        if as_json:
            echo_json([_story_json(store, s) for s in (found[:limit] if limit else found)])
        elif not found:
            err(f"no stories in {db} yet; ingest articles first: storyline ingest PATH --db {db}")
        else:
            _print_stories(store, found, limit)


@main.command()
@click.argument("story_id")
@db_option
@json_option
def story(story_id: str, db: str, as_json: bool) -> None:
    """Show one story: its members, in order, with the reason each one is there."""
    with _store(db) as store:
        found = store.get_story(story_id)
        if as_json:
            echo_json(_story_json(store, found))
            return
        click.echo(f"{found.label}\n{found.id} · {found.size} articles · {', '.join(found.languages)}")
        for lang, label in sorted(found.labels.items()):
            click.echo(f"  [{lang}] {label}")
        click.echo("")
        for member in found.members:
            a = store.get_article(member.article_id)
            click.echo(f"{_date(a.published)}  {a.language or '??'}  {a.outlet or '-'}  {a.id}")
            click.echo(f"    {a.title}")
            click.echo(f"    why: {member.reason}")


@main.command()
@db_option
@click.option("--limit", default=50, show_default=True, help="Show at most this many articles.")
@click.option("--offset", default=0, show_default=True, help="Skip this many first.")
@json_option
def articles(db: str, limit: int, offset: int, as_json: bool) -> None:
    """List stored articles, newest first."""
    with _store(db) as store:
        rows = store.article_summaries(limit=limit, offset=offset)  # type: ignore[attr-defined]
        if as_json:
            echo_json(rows)
            return
        for row in rows:
            published = (row["published"] or "????-??-??")[:10]
            outlet = (row["outlet"] or "-")[:24]
            click.echo(f"{row['id']}  {published}  {row['language'] or '??'}  {outlet:24}  {row['title'][:80]}")


def _article_json(a: Article) -> dict[str, Any]:
    data = asdict(a)
    data["sentences"] = [{k: v for k, v in s.items()} for s in data["sentences"]]
    return data


@main.command()
@click.argument("article_id")
@db_option
@json_option
def article(article_id: str, db: str, as_json: bool) -> None:
    """Show one stored article with its language, sentences and mentions."""
    with _store(db) as store:
        a = store.get_article(article_id)
    if as_json:
        echo_json(_article_json(a))
        return
    _print_article(a)


def _print_article(a: Article) -> None:
    click.echo(
        f"{a.title}\n{a.id} · {a.outlet or 'unknown outlet'} · {a.language} ({a.language_confidence:.2f}) · "
        f"{a.published.isoformat() if a.published else 'no date'}"
        f"{f' (from {a.published_source})' if a.published_source else ''}"
    )
    if a.url:
        click.echo(a.url)
    for kind in ("place", "entity", "date", "number"):
        labels = list(dict.fromkeys(m.label for m in a.mentions if m.kind == kind))
        if labels:
            click.echo(f"{kind}s: {', '.join(labels[:25])}")
    click.echo("")
    for s in a.sentences:
        click.echo(f"[{s.index}|{s.language}] {s.text}")


# -- compare ------------------------------------------------------------------
def comparison_json(c: Comparison) -> dict[str, Any]:
    data: dict[str, Any] = {name: c.scores[name] for name in DIMENSIONS}
    data.update(
        {
            "a": {"id": c.a_id, "title": c.a_title, "language": c.a_language},
            "b": {"id": c.b_id, "title": c.b_title, "language": c.b_language},
            "days_apart": c.days_apart,
            "aligned": [asdict(p) for p in c.aligned],
            "shared": {kind: o.shared for kind, o in c.overlaps.items()},
            "only_a": {kind: o.only_a for kind, o in c.overlaps.items()},
            "only_b": {kind: o.only_b for kind, o in c.overlaps.items()},
            "a_only_sentences": c.a_only_sentences,
            "b_only_sentences": c.b_only_sentences,
            "signals": c.signals,
            "scorer": c.scorer,
        }
    )
    return data


def _bar(score: float) -> str:
    filled = round((4 - score) / 3 * 20)
    return "█" * filled + "·" * (20 - filled)


def _print_comparison(c: Comparison) -> None:
    click.echo(f"A: {c.a_title} [{c.a_language}] {c.a_id}")
    click.echo(f"B: {c.b_title} [{c.b_language}] {c.b_id}")
    if c.days_apart is not None:
        click.echo(f"published {c.days_apart:.1f} days apart")
    click.echo("\nscores (1 = very similar … 4 = very dissimilar)")
    for name in DIMENSIONS:
        click.echo(f"  {name:10} {c.scores[name]:4.2f}  {_bar(c.scores[name])}")
    click.echo("\naligned sentences")
    for p in c.aligned:
        click.echo(f"  {p.similarity:.2f}  A[{p.a_index}] {p.a_text}")
        click.echo(f"        B[{p.b_index}] {p.b_text}")
    for kind, o in c.overlaps.items():
        click.echo(f"\n{kind}s  shared: {', '.join(o.shared) or '—'}")
        click.echo(f"        only A: {', '.join(o.only_a[:15]) or '—'}")
        click.echo(f"        only B: {', '.join(o.only_b[:15]) or '—'}")
    for side, sentences in (("A", c.a_only_sentences), ("B", c.b_only_sentences)):
        if sentences:
            click.echo(f"\nonly in {side}:")
            for sentence in sentences:
                click.echo(f"  - {sentence}")


@main.command()
@click.argument("a")
@click.argument("b")
@click.option(
    "--db",
    default=None,
    type=click.Path(dir_okay=False),
    help=f"Database to look up article ids in (default: {DEFAULT_DB} if it exists).",
)
@json_option
@settings_options
def compare(a: str, b: str, db: str | None, as_json: bool, **options: Any) -> None:
    """Compare two articles (files in any ingestible format, or stored ids) on SemEval's seven dimensions."""
    from .pipeline import load_article
    from .score import compare as compare_pair

    settings = _settings(options)
    db = db or (DEFAULT_DB if Path(DEFAULT_DB).exists() else None)
    store = open_store(db) if db else None
    try:
        left, right = load_article(a, store, settings), load_article(b, store, settings)
        result = compare_pair(left, right, settings, cache=store)
    finally:
        if store is not None:
            store.close()
    if as_json:
        echo_json(comparison_json(result))
    else:
        _print_comparison(result)


@main.command("score-pairs")
@click.argument("in_path", metavar="IN.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out_path",
    required=True,
    metavar="OUT.jsonl",
    help="Where to write one JSON line per pair ('-' for stdout).",
)
@settings_options
def score_pairs_cmd(in_path: str, out_path: str, **options: Any) -> None:
    """Score article pairs from a SemEval-2022 Task 8 style JSONL file on the seven dimensions.

    Each input line has pair_id, lang1, lang2, title1, text1, date1, title2, text2,
    date2 (languages, titles and dates may be null); each output line is
    {"pair_id", "Geography", "Entities", "Time", "Narrative", "Overall", "Style",
    "Tone"}. Malformed lines are reported on stderr with their line number and
    skipped. Progress goes to stderr.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .pairs import score_pairs

    settings = _settings(options)
    console = Console(stderr=True)
    with Progress(
        TextColumn("scoring articles"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("articles", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = score_pairs(in_path, sys.stdout if out_path == "-" else out_path, settings, advance)
    for problem in report.problems:
        err(f"skipped {problem.source}: {problem.reason}")
    err(
        f"scored {report.written} pairs{'' if out_path == '-' else f' into {out_path}'}; "
        f"{len(report.problems)} lines skipped"
    )
    if report.written == 0:
        raise InputError(f"no pair in {in_path} could be scored; see the reasons above")


# -- misc -------------------------------------------------------------------
@main.command("settings")
@json_option
def settings_cmd(as_json: bool) -> None:
    """List every setting with its current value, default, environment variable and help."""
    current = asdict(load_settings())
    rows = [
        {"name": s.name, "value": current[s.name], "default": s.default, "env": s.env, "help": s.help} for s in SETTINGS
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['name']} = {row['value']!r}  (default {row['default']!r}, env {row['env']})\n    {row['help']}"
        )


@main.command()
@db_option
@json_option
def problems(db: str, as_json: bool) -> None:
    """List inputs that ingest skipped, with the reason for each."""
    with _store(db) as store:
        found = store.list_problems()
    if as_json:
        echo_json([asdict(p) for p in found])
        return
    for p in found:
        click.echo(f"{p.source}: {p.reason}")


@main.command()
@db_option
@json_option
@settings_options
def group(db: str, as_json: bool, **options: Any) -> None:
    """Regroup all stored articles into stories (after changing story settings)."""
    settings = _settings(options)
    with _store(db) as store:
        found = _group(store, settings)
        if as_json:
            echo_json([_story_json(store, s, with_members=False) for s in found])
        else:
            click.echo(f"{len(found)} stories from {store.count_articles()} articles")


if __name__ == "__main__":  # pragma: no cover
    main()
