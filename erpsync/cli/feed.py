"""``erpsync feed render|validate|url``: write the feed files marketplaces download, check them, show
the URL to paste into each marketplace's cabinet."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from erpsync.cli.context import AppContext, pass_app
from erpsync.core.errors import ErpsyncError, ValidationError
from erpsync.feeds.publish import feed_urls
from erpsync.feeds.specs import FEED_MARKETPLACES
from erpsync.feeds.validate import validate_feed
from erpsync.sync.feeds import FeedReport, feed_shop_names, render_feed
from erpsync.sync.shops import get_shop


@click.group("feed")
def feed_group() -> None:
    """Feeds: the files Kaspi, Prom, Satu, Rozetka, Epicentr, Hubber, Zakupka and Kaufland download."""


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _print_report(report: FeedReport, *, served: bool = True) -> None:
    stats = report.stats
    reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(stats.excluded.items()))
    click.echo(
        f"{stats.shop} ({stats.marketplace}): {stats.offers} offers, {stats.excluded_total} left out"
        + (f" ({reasons})" if reasons else "") + f" in {stats.seconds:.1f} s"
    )
    for rendered, url in zip(stats.files, report.urls, strict=True):
        click.echo(f"  {rendered.path} ({_size(rendered.size)})")
        click.echo(f"  URL: {url}" if served else "  (written with --out: not the served copy)")
    if any(reason for reason in stats.excluded):
        click.echo("  (reasons per product: erpsync log --kind feed)")


def _render_one(app: AppContext, shop: str, out: Path | None) -> FeedReport:
    database = app.database()
    on_terminal = sys.stdout.isatty()
    with Progress(
        TextColumn(f"{shop}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), disable=not on_terminal,
    ) as progress:
        task = progress.add_task(shop, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total or None)

        return render_feed(database, app.settings, shop, out=out, on_progress=advance)


@feed_group.command("render")
@click.option("--shop", help="The shop whose feed to render.")
@click.option("--all", "everything", is_flag=True, help="Render the feed of every enabled feed-based shop.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Write here instead of ERPSYNC_FEED_DIR (a folder for Kaufland's two files).")
@pass_app
def feed_render(app: AppContext, shop: str | None, everything: bool, out: Path | None) -> None:
    """Render a shop's feed (atomically: the old file is replaced only by a complete new one)."""
    if bool(shop) == everything:
        raise ValidationError("choose --shop NAME or --all")
    if everything and out:
        raise ValidationError("--out goes with --shop, not --all")
    if shop:
        _print_report(_render_one(app, shop, out), served=out is None)
        return
    names = feed_shop_names(app.database())
    if not names:
        click.echo(f"no enabled shop of a feed-based marketplace ({', '.join(FEED_MARKETPLACES)})")
        return
    failed = 0
    for name in names:
        try:
            _print_report(_render_one(app, name, None))
        except ErpsyncError as error:  # one shop's problem never stops the others
            failed += 1
            click.echo(f"error: {name}: {error}", err=True)
    if failed:
        raise ValidationError(f"{failed} of {len(names)} feed(s) could not be rendered (see above)")


@feed_group.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--marketplace", "-m", required=True, type=click.Choice(FEED_MARKETPLACES))
@pass_app
def feed_validate(app: AppContext, file: Path, marketplace: str) -> None:
    """Check a feed file as the marketplace would: well-formed, schema where known, the marketplace's rules."""
    report = validate_feed(file, marketplace)
    schema = f", schema {report.schema}" if report.schema else ""
    if report.valid:
        click.echo(f"{file}: valid {marketplace} feed ({report.offers} offers{schema})")
        return
    for problem in report.problems:
        click.echo(f"{file}: {problem}")
    more = report.total_problems - len(report.problems)
    if more:
        click.echo(f"… and {more} more problem(s)")
    raise ValidationError(
        f"{file}: {report.total_problems} problem(s) in a {marketplace} feed of {report.offers} offers"
    )


@feed_group.command("url")
@click.option("--shop", required=True)
@pass_app
def feed_url_command(app: AppContext, shop: str) -> None:
    """Show the URL(s) of a shop's feed, to paste into the marketplace's cabinet."""
    with app.database().session() as session:
        found = get_shop(session, shop)
        urls = feed_urls(app.settings.public_url, found)
    for url in urls:
        click.echo(url)


COMMANDS = [feed_group]
