"""``erpsync sync orders|push``: import a shop's orders, deliver its queued status changes and waybills."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.core.errors import ValidationError
from erpsync.sync.order_import import ImportReport, import_all_orders, import_orders


@click.group("sync")
def sync_group() -> None:
    """Run a sync of one shop (or all) now, in this process."""


def _report_line(report: ImportReport) -> str:
    c = report.counts
    text = (f"{report.shop}: {report.status} — fetched {c.fetched}, created {c.created}, updated {c.updated}, "
            f"skipped {c.skipped}, failed {c.failed}")
    if report.error:
        text += f" ({report.error})"
    elif c.failed:
        text += f" (see `erpsync log --shop {report.shop} --level error`)"
    return text


@sync_group.command("orders")
@click.option("--shop", help="The shop to import orders of.")
@click.option("--all", "all_shops", is_flag=True, help="Every enabled shop.")
@pass_app
def sync_orders(app: AppContext, shop: str | None, all_shops: bool) -> None:
    """Import new and changed orders from the marketplace."""
    if bool(shop) == all_shops:
        raise ValidationError("give --shop NAME or --all")
    database = app.database()
    secret_key = app.settings.require_secret_key()
    if shop:
        reports = [import_orders(database, shop, secret_key=secret_key, mappings_dir=app.settings.mappings_dir)]
    else:
        reports = import_all_orders(database, secret_key=secret_key, mappings_dir=app.settings.mappings_dir)
        if not reports:
            click.echo("no enabled shops")
    for report in reports:
        click.echo(_report_line(report))
    if any(r.status == "failed" for r in reports):
        raise SystemExit(1)


COMMANDS = [sync_group]
