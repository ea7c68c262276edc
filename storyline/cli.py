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
from .filters import IngestFilter
from .records import DIMENSIONS, Article, Comparison, Problem, Story, StoryEvent
from .settings import SETTINGS, Settings, load_settings
from .store import Store, open_store
from .views import article_json, comparison_json, json_default, story_json

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "storyline.db"


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=json_default))


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
def _progress(console: Any, label: str) -> Any:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed} inputs"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def _run_ingest(
    paths: list[str], db: str, settings: Settings, cluster: bool, keep: IngestFilter | None = None
) -> dict[str, Any]:
    from rich.console import Console

    from .pipeline import ingest

    console = Console(stderr=True)
    with _store(db) as store:
        with _progress(console, "ingesting") as progress:
            task = progress.add_task("ingesting", total=None)
            report = ingest(
                paths, store, settings, progress=lambda n: progress.advance(task, n), cluster=cluster, keep=keep
            )
        for problem in report.problems:
            err(f"skipped {problem.source}: {problem.reason}")
        summary = {
            "added": len(report.added),
            "unchanged": len(report.unchanged),
            "skipped": len(report.problems),
            "filtered": report.filtered,
            "articles_in_store": store.count_articles(),
            "stories_in_store": store.count_stories(),
            "new_stories": sum(1 for d in report.decisions if d.new_story),
            "joined": sum(1 for d in report.decisions if not d.new_story and not d.copy_of),
            "copies": sum(1 for d in report.decisions if d.copy_of),
            "added_ids": report.added,
            "problems": [asdict(p) for p in report.problems],
        }
    return summary


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--no-cluster", is_flag=True, help="Only store the articles; do not assign them to stories.")
@click.option("--lang", default=None, help="Keep only articles detected in these languages (comma-separated: de,fr).")
@click.option("--since", default=None, help="Keep only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Keep only articles published on or before this date (YYYY-MM-DD).")
@json_option
@settings_options
def ingest(
    paths: tuple[str, ...],
    db: str,
    no_cluster: bool,
    lang: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Ingest articles from files, directories or URLs (HTML, JSONL, JSON, text, feeds, sitemaps, WARC; gzip too).

    The format of each file is detected from its content. An http(s) URL is fetched:
    a page gives its article, a feed or sitemap its entries' articles (link-only
    entries are fetched, in a local feed file too). Each new article joins
    a story or starts one as it is stored (see `storyline why ARTICLE`). Articles
    already stored are left as they are; unreadable inputs are reported on stderr
    and skipped. WARC archives are streamed, their pages extracted in the worker
    processes. --lang, --since and --until keep only some of the new articles; the
    summary counts the others. Exits with status 1 when nothing at all could be read.
    """
    settings = _settings(options)
    keep = IngestFilter.parse(lang, since, until)
    summary = _run_ingest(list(paths), db, settings, cluster=not no_cluster, keep=keep)
    filtered = summary["filtered"]
    if as_json:
        echo_json(summary)
    else:
        left_out = (
            f"{sum(filtered.values())} left out by --lang/--since/--until "
            f"({', '.join(f'{reason} {count}' for reason, count in sorted(filtered.items()))}), "
            if filtered
            else ""
        )
        click.echo(
            f"{summary['added']} added, {summary['unchanged']} already stored, {left_out}"
            f"{summary['skipped']} skipped; "
            f"{summary['new_stories']} new stories, {summary['joined']} joined a story, {summary['copies']} copies; "
            f"{summary['articles_in_store']} articles and {summary['stories_in_store']} stories in {db}"
        )
    if summary["added"] == 0 and summary["unchanged"] == 0 and not filtered:
        raise InputError("no article could be read from the given paths; see the reasons above")


@main.command("watch")
@click.argument("feeds_file", metavar="FEEDS.txt", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--every", default="10m", show_default=True, help="Time between rounds: 30s, 10m, 1h.")
@click.option("--once", is_flag=True, help="Run one round and exit (for cron and tests).")
@json_option
@settings_options
def watch_cmd(feeds_file: str, db: str, every: str, once: bool, as_json: bool, **options: Any) -> None:
    """Poll feeds and sitemaps (one URL per line of FEEDS.txt); ingest and cluster each new article.

    Runs until Ctrl-C: each round fetches every feed with a conditional GET, fetches the
    articles not seen before (politely: robots.txt, per-host delay, retries) and puts them
    into stories. Failures are logged on stderr, one line each, and never stop the other
    feeds; a summary line follows each round. The first Ctrl-C finishes the entry at hand
    and prints the totals.
    """
    from .watch import parse_interval, read_feed_list, watch

    settings = _settings(options)
    interval = parse_interval(every)
    feeds = read_feed_list(feeds_file)
    with _store(db) as store:
        summary = watch(feeds, store, settings, every=interval, once=once)
        stories_in_store = store.count_stories()
    totals = summary.totals
    if as_json:
        echo_json({"rounds": summary.rounds, "stopped": summary.stopped, **asdict(totals), "stories": stories_in_store})
    else:
        click.echo(f"{summary.rounds} round{'s' if summary.rounds != 1 else ''}: {totals.line()}")
    if once and totals.feeds and totals.failed == totals.feeds:
        raise InputError("no feed could be read; see the reasons above")


@main.command()
@db_option
@click.option("--no-show", is_flag=True, help="Do not list the stories afterwards.")
@settings_options
def demo(db: str, no_show: bool, **options: Any) -> None:
    """Ingest the bundled demo corpus (60 articles, 10 languages, 14 stories) and list its stories."""
    from .demo import corpus_path

    settings = _settings(options)
    summary = _run_ingest([str(corpus_path())], db, settings, cluster=True)
    err(
        f"demo corpus: {summary['added']} added, {summary['unchanged']} already stored; "
        f"{summary['articles_in_store']} articles in {db}"
    )
    if not no_show:
        with _store(db) as store:
            _print_stories(store, store.list_stories(), limit=0, lang="en")


# -- listings -----------------------------------------------------------------
def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "????-??-??"


def _print_stories(store: Store, stories: list[Story], limit: int, lang: str | None = None) -> None:
    shown = stories[:limit] if limit else stories
    total = store.count_stories()
    click.echo(f"{total} stories from {store.count_articles()} articles\n")
    for story in shown:
        span = (
            _date(story.first_seen)
            if story.first_seen == story.last_seen
            else f"{_date(story.first_seen)} → {_date(story.last_seen)}"
        )
        click.echo(f"● {story.labels.get(lang, story.label) if lang else story.label}")
        click.echo(
            f"  {story.id} · {story.size} articles · {', '.join(story.languages)} · "
            f"{len(story.outlets)} outlets · {span}"
        )
        for member in story.members:
            a = store.get_article(member.article_id)
            copy = "  (copy)" if member.copy_of else ""
            click.echo(
                f"    {_date(a.published)}  {a.language or '??':2}  {(a.outlet or '-')[:28]:28}  {a.title[:90]}{copy}"
            )
        click.echo("")
    if limit and total > limit:
        click.echo(f"… and {total - limit} more; use --limit 0 to see all")


@main.command()
@db_option
@click.option("--limit", default=20, show_default=True, help="Show at most this many stories (0 = all).")
@click.option("--lang", default=None, help="Show each story's headline in this language when it has one (e.g. en).")
@json_option
def stories(db: str, limit: int, lang: str | None, as_json: bool) -> None:
    """List stories, most recent activity first, with their articles, languages and outlets."""
    with _store(db) as store:
        found = store.list_stories(limit=limit)
        if as_json:
            echo_json([story_json(store, s) for s in found])
        elif not found:
            err(f"no stories in {db} yet; ingest articles first: storyline ingest PATH --db {db}")
        else:
            _print_stories(store, found, limit, lang)


@main.command()
@click.argument("story_id")
@db_option
@json_option
def story(story_id: str, db: str, as_json: bool) -> None:
    """Show one story: its members, in order, with the reason each one is there."""
    with _store(db) as store:
        found = store.get_story(story_id)
        if as_json:
            echo_json(story_json(store, found))
            return
        click.echo(f"{found.label}\n{found.id} · {found.size} articles · {', '.join(found.languages)}")
        for lang, label in sorted(found.labels.items()):
            click.echo(f"  [{lang}] {label}")
        click.echo("")
        for member in found.members:
            a = store.get_article(member.article_id)
            click.echo(f"{_date(a.published)}  {a.language or '??'}  {a.outlet or '-'}  {a.id}")
            click.echo(f"    {a.title}")
            if member.copy_of:
                click.echo(f"    copy of {member.copy_of}")
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


@main.command()
@click.argument("article_id")
@db_option
@json_option
def article(article_id: str, db: str, as_json: bool) -> None:
    """Show one stored article with its language, sentences and mentions."""
    with _store(db) as store:
        a = store.get_article(article_id)
    if as_json:
        echo_json(article_json(a))
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


@main.command()
@click.argument("refs", nargs=-1, required=True, metavar="STORY_ID | --files FILE...")
@click.option("--files", "as_files", is_flag=True, help="Take the arguments as article files, one story, no database.")
@db_option
@json_option
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write a self-contained HTML report to this file.",
)
@settings_options
def coverage(
    refs: tuple[str, ...], as_files: bool, db: str, as_json: bool, html_path: str | None, **options: Any
) -> None:
    """How outlets and languages tell one story: shared and unique facts, numbers that differ, quotes.

    Give a stored story id, or --files with two or more article files taken as one story.
    """
    from .coverage import coverage_for_files, coverage_for_story, coverage_html, coverage_json

    settings = _settings(options)
    if as_files:
        result = coverage_for_files(list(refs), settings)
    else:
        if len(refs) != 1:
            raise InputError("give one story id, or --files followed by article files")
        with _store(db) as store:
            result = coverage_for_story(store, refs[0], settings)
    if html_path:
        Path(html_path).write_text(coverage_html(result), encoding="utf-8")
        err(f"wrote {html_path}")
    if as_json:
        echo_json(coverage_json(result))
    elif not html_path:
        _print_coverage(result)


def _print_coverage(c: Any) -> None:
    glance = c.timeline
    click.echo(
        f"{c.label}\n{len(glance)} articles, {len(c.sources)} independent sources, {len(c.outlets)} outlets, "
        f"{', '.join(c.languages)}; {_date(c.first_seen)} → {_date(c.last_seen)}"
        f"{f' ({c.span_days:.0f} days)' if c.span_days is not None else ''}\n"
    )
    click.echo("timeline")
    for t in c.timeline:
        copy = " (copy)" if t.copy_of else ""
        tone = f"  tone {t.tone}" if t.tone is not None else ""
        click.echo(f"  {_date(t.published)}  {t.language or '??'}  {t.outlet or '-'}{copy}  {t.title[:80]}{tone}")
    shared = [f for f in c.facts if len(f.sources) >= 2]
    click.echo(f"\nshared facts ({len(shared)})")
    for f in shared[:15]:
        click.echo(f"  [{len(f.sources)} sources, {', '.join(f.languages)}] {f.first.text[:150]}")
    facts = {f.id: f for f in c.facts}
    for o in c.outlets:
        click.echo(f"\n{o.outlet}: shares {len(o.shared)}, adds {len(o.unique)}, leaves out {len(o.omitted)}")
        for fact_id in o.unique[:5]:
            click.echo(f"  + {facts[fact_id].first.text[:150]}")
        for fact_id in o.omitted[:5]:
            click.echo(f"  - {facts[fact_id].first.text[:150]}")
    click.echo(f"\nnumbers that differ ({len(c.conflicts)})")
    for g in c.conflicts:
        click.echo(f"  {g.what}: " + "; ".join(f"{v.text} ({v.outlet}, {_date(v.published)})" for v in g.values))
    click.echo(f"\nquotes ({len(c.quotes)})")
    for q in c.quotes[:10]:
        marks = (" [altered]" if q.altered else "") + (" [attributed differently]" if q.attribution_differs else "")
        click.echo(f"  {', '.join(q.speakers) or 'speaker not found'}{marks}:")
        for quote in q.quotes:
            click.echo(f"    “{quote.text[:140]}” — {quote.outlet}, {_date(quote.published)}")


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


# -- serve ------------------------------------------------------------------
@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, help="Port to listen on (0 picks a free one).")
@click.option(
    "--token",
    envvar="STORYLINE_TOKEN",
    default=None,
    help="Bearer token every write must carry [env STORYLINE_TOKEN]; without one the server is read-only.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    envvar="STORYLINE_CORS_ORIGINS",
    help="An origin allowed to call the API from a browser (repeatable) [env STORYLINE_CORS_ORIGINS, "
    "space-separated]; CORS is off by default.",
)
@settings_options
def serve(db: str, host: str, port: int, token: str | None, cors_origins: tuple[str, ...], **options: Any) -> None:
    """Serve the REST API (/api) and the web UI (/) over DB until Ctrl-C."""
    import socket

    from .server import serve as run

    settings = _settings(options)
    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    def ready() -> None:
        writes = "writes need the bearer token" if token else "read-only (set --token or STORYLINE_TOKEN for writes)"
        click.echo(f"Storyline is serving {db} at {url}  ({writes}; Ctrl-C stops it)", err=False)

    run(db, host, port, settings, token, list(cors_origins), on_ready=ready)


@main.command("extract")
@click.argument("sources", nargs=-1, required=True, metavar="FILE_OR_URL...")
@json_option
@settings_options
def extract_cmd(sources: tuple[str, ...], as_json: bool, **options: Any) -> None:
    """Show what Storyline extracts from pages, files or URLs, without storing anything.

    Title, text, publish date with its source and confidence, authors, site name,
    language, URL and image. A feed or sitemap shows each of its articles. With
    --json, one JSON object per article and line.
    """
    from .crawl import document_json, extract_sources

    settings = _settings(options)
    found = 0
    for item in extract_sources(sources, settings):
        if isinstance(item, Problem):
            err(f"skipped {item.source}: {item.reason}")
            continue
        found += 1
        data = document_json(item)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, default=json_default))
            continue
        date = f"{data['date']} (from {data['date_source']}, confidence {data['date_confidence']})"
        click.echo(f"# {data['title']}")
        for label, value in (
            ("url", data["url"]),
            ("site", data["site_name"] or data["outlet"]),
            ("date", date if data["date"] else "unknown"),
            ("authors", ", ".join(item.authors) or None),
            ("language", f"{data['language']} ({data['language_confidence']})"),
            ("image", data["image"]),
        ):
            if value:
                click.echo(f"{label}: {value}")
        click.echo(f"\n{data['text']}\n")
    if not found:
        raise InputError("no article could be extracted; see the reasons above")


@main.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
    help="jsonl and csv go to stdout without -o; parquet (storyline[parquet]) needs -o.",
)
@click.option(
    "--what", type=click.Choice(["articles", "stories"]), default="articles", show_default=True, help="What to export."
)
@click.option("-o", "--output", "out_path", default=None, metavar="FILE", help="Where to write ('-' for stdout).")
@db_option
def export_cmd(fmt: str, what: str, out_path: str | None, db: str) -> None:
    """Export stored articles (news-please field names) or stories as JSON Lines, CSV or Parquet.

    Articles: title, maintext, date_publish, language, source_domain, url, authors,
    plus id, story_id, published_source, outlet. Stories: id, label, labels (one per
    language), languages, outlets, first_seen, last_seen, size, members (id, copy_of).
    """
    from .export import export

    if not Path(db).exists():
        raise InputError(f"there is no database at {db}; give --db FILE, or ingest articles first")
    with _store(db) as store:
        count = export(store, fmt, what, out_path)
    err(f"exported {count} {what}" + ("" if out_path in (None, "-") else f" to {out_path}"))


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
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@settings_options
def recluster(db: str, yes: bool, as_json: bool, **options: Any) -> None:
    """Forget all stories and hand edits, and assign every stored article again in date order."""
    from rich.console import Console

    from .stories import recluster as run

    settings = _settings(options)
    with _store(db) as store:
        if not yes and store.list_events(1):
            click.confirm(
                "This drops every story and every merge, split and move made so far. Go on?", abort=True, err=True
            )
        with _progress(Console(stderr=True), "clustering") as progress:
            task = progress.add_task("clustering", total=store.count_articles())
            decisions = run(store, settings, progress=lambda n: progress.advance(task, n))
        summary = {"articles": len(decisions), "stories": store.count_stories()}
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"{summary['stories']} stories from {summary['articles']} articles")


@main.command()
@click.argument("article_id")
@db_option
@json_option
def why(article_id: str, db: str, as_json: bool) -> None:
    """Why an article is in its story: the decision and its evidence."""
    with _store(db) as store:
        article = store.get_article(article_id)
        story_id = store.stories_of([article.id]).get(article.id)
        if story_id is None:
            raise InputError(f"article {article.id} is in no story; ingest without --no-cluster or run recluster")
        story = store.get_story(story_id)
        member = next(m for m in story.members if m.article_id == article.id)
    data = {
        "article": article.id,
        "title": article.title,
        "story": story.id,
        "story_label": story.label,
        "reason": member.reason,
        "copy_of": member.copy_of,
        "details": member.details,
    }
    if as_json:
        echo_json(data)
        return
    click.echo(f"{article.title}\n{article.id} → story {story.id}: {story.label}\n")
    click.echo(member.reason)
    details = member.details
    if details.get("scores"):
        click.echo("scores against the best match: " + ", ".join(f"{k} {v}" for k, v in details["scores"].items()))
    if details.get("runner_up"):
        click.echo(f"runner-up: story {details['runner_up']['story']} at {details['runner_up']['probability']}")


def _event_line(event: StoryEvent) -> str:
    payload = event.payload
    if event.kind == "merge":
        what = f"merged story {payload.get('other')} into {payload.get('keep')}"
    elif event.kind == "split":
        what = f"split {len(payload.get('articles', []))} articles of {payload.get('story')} into {payload.get('new')}"
    elif event.kind == "move":
        what = f"moved {payload.get('article')} from {payload.get('from')} to {payload.get('to')}"
    else:
        what = event.kind
    undone = f" (undone {event.undone_at})" if event.undone_at else ""
    return f"#{event.id}  {event.at}  {what} — {payload.get('reason', '')}{undone}"


@main.command()
@click.argument("keep")
@click.argument("other")
@db_option
@click.option("--reason", default="merged by hand", show_default=True, help="Why, for the record.")
def merge(keep: str, other: str, db: str, reason: str) -> None:
    """Merge story OTHER into story KEEP (recorded; undo with `storyline undo`)."""
    from .stories import merge_stories

    with _store(db) as store:
        event = merge_stories(store, keep, other, reason)
        click.echo(_event_line(store.get_event(event)))


@main.command()
@click.argument("story_id")
@click.argument("article_ids", nargs=-1, required=True)
@db_option
@click.option("--reason", default="split by hand", show_default=True, help="Why, for the record.")
def split(story_id: str, article_ids: tuple[str, ...], db: str, reason: str) -> None:
    """Move ARTICLE_IDS out of STORY_ID into a new story (recorded; undo with `storyline undo`)."""
    from .stories import split_story

    with _store(db) as store:
        _, event = split_story(store, story_id, list(article_ids), reason)
        click.echo(_event_line(store.get_event(event)))


@main.command()
@click.argument("article_id")
@click.argument("story_id")
@db_option
@click.option("--reason", default="moved by hand", show_default=True, help="Why, for the record.")
def move(article_id: str, story_id: str, db: str, reason: str) -> None:
    """Move one article into another story (recorded; undo with `storyline undo`)."""
    from .stories import move_article

    with _store(db) as store:
        event = move_article(store, article_id, story_id, reason)
        click.echo(_event_line(store.get_event(event)))


@main.command("undo")
@click.argument("event_id", type=int)
@db_option
def undo_cmd(event_id: int, db: str) -> None:
    """Undo a recorded merge, split or move (see `storyline history`)."""
    from .stories import undo

    with _store(db) as store:
        undo(store, event_id)
        click.echo(f"undone: {_event_line(store.get_event(event_id))}")


@main.command()
@db_option
@click.option("--limit", default=50, show_default=True)
@json_option
def history(db: str, limit: int, as_json: bool) -> None:
    """List recorded changes to stories (merges, splits, moves), newest first."""
    with _store(db) as store:
        events = store.list_events(limit)
    if as_json:
        echo_json(
            [
                {k: v for k, v in asdict(e).items() if k != "payload"}
                | {"reason": e.payload.get("reason"), "payload": {k: v for k, v in e.payload.items() if k != "before"}}
                for e in events
            ]
        )
        return
    for event in events:
        click.echo(_event_line(event))


@main.command()
@db_option
@click.option("--min-similarity", default=0.8, show_default=True, help="How alike two story centres must be.")
@click.option(
    "--days",
    type=float,
    default=None,
    help="Look at stories active this many days before the newest one (default: the story window; 0 = all).",
)
@json_option
@settings_options
def maintain(db: str, min_similarity: float, days: float | None, as_json: bool, **options: Any) -> None:
    """Merge warm stories that have grown together (each merge recorded with its reason)."""
    from .stories import merge_grown_together

    settings = _settings(options)
    with _store(db) as store:
        events = merge_grown_together(store, settings, since_days=days, min_similarity=min_similarity)
        lines = [_event_line(store.get_event(e)) for e in events]
    if as_json:
        echo_json({"merges": events})
    else:
        click.echo("\n".join(lines) if lines else "no stories to merge")


@main.command("cluster")
@click.argument("in_path", metavar="IN.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out_path",
    required=True,
    metavar="OUT.jsonl",
    help='Where to write {"id", "story"} per line (\'-\' for stdout).',
)
@settings_options
def cluster_cmd(in_path: str, out_path: str, **options: Any) -> None:
    """Run the online story clustering over a JSONL file, without a database.

    Each line: {"id", "lang"?, "title"?, "text", "date"?}; lines are taken in
    date order when dates exist. Writes {"id": ..., "story": ...} per line.
    """
    from rich.console import Console

    from .stories import cluster_file

    settings = _settings(options)
    with _progress(Console(stderr=True), "clustering") as progress:
        task = progress.add_task("clustering", total=None)
        report = cluster_file(
            in_path, sys.stdout if out_path == "-" else out_path, settings, progress=lambda n: progress.advance(task, n)
        )
    for problem in report.problems:
        err(f"skipped {problem.source}: {problem.reason}")
    err(f"{report.written} lines into {report.stories} stories; {len(report.problems)} lines skipped")
    if report.written == 0:
        raise InputError(f"no line of {in_path} could be clustered; see the reasons above")


# -- batch: the same stages over a big corpus, on an engine ----------------------------------------
@main.command("batch")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out", required=True, metavar="DIR", help="Folder (or URL) for the Parquet datasets.")
@click.option(
    "--engine",
    "engine_name",
    default="local",
    show_default=True,
    help="Where the stages run: local (this process) or dask (a Dask cluster; pip install 'storyline[dask]').",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="A running Dask scheduler (tcp://host:8786); without it --engine dask starts a local cluster of --workers.",
)
@json_option
@settings_options
def batch_cmd(
    inputs: tuple[str, ...], out: str, engine_name: str, scheduler: str | None, as_json: bool, **options: Any
) -> None:
    """Run extract → enrich → embed → candidate pairs → pair scores → stories over a corpus, into Parquet.

    INPUT: files or folders (WARC, JSONL, JSON, Parquet, HTML, text; gzip too), local or URLs
    (s3://… with fsspec and s3fs). A rerun skips the partitions that already finished.
    Load the result into a database with `storyline load DIR --db FILE`.
    """
    from rich.console import Console

    from .batch import run_batch
    from .engines import open_engine

    settings = _settings(options)
    console = Console(stderr=True)
    engine = open_engine(engine_name, settings, scheduler)
    try:
        link = getattr(engine, "dashboard_link", None)
        if link:
            err(f"dashboard: {link}")
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            report = run_batch(
                list(inputs), out, settings, engine, log=lambda m: bar.console.print(m), progress=progress
            )
    finally:
        engine.close()
    if as_json:
        echo_json(asdict(report))
    else:
        click.echo(
            f"{report.articles} articles, {report.pairs} candidate pairs, {report.stories} stories, "
            f"{report.problems} skipped; {report.partitions - report.partitions_skipped} of {report.partitions} "
            f"partitions computed ({report.partitions_skipped} already done) in {report.seconds['total']:.1f} s "
            f"→ {report.out}"
        )
    if report.articles == 0:
        raise InputError(f"no article could be read from the inputs; see {out}/problems for the reasons")


@main.command("load")
@click.argument("out", metavar="DIR")
@db_option
@json_option
@settings_options
def load_cmd(out: str, db: str, as_json: bool, **options: Any) -> None:
    """Load a `storyline batch` output (articles, embeddings, stories, problems) into a database."""
    from .batch import load_batch

    settings = _settings(options)
    with _store(db) as store:
        report = load_batch(out, store, settings)
        summary = {
            **asdict(report),
            "articles_in_store": store.count_articles(),
            "stories_in_store": store.count_stories(),
        }
    if as_json:
        echo_json(summary)
    else:
        click.echo(
            f"{report.added} articles added, {report.unchanged} already stored; {report.stories} stories "
            f"({report.members} members) and {report.problems} problems loaded; "
            f"{summary['articles_in_store']} articles and {summary['stories_in_store']} stories in {db}"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
