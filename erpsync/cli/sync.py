"""``erpsync sync stock|catalog-import``: push a shop's stock and prices, or import its catalog on the
marketplace into listings — run now in this process (the same job, lock and sync log as on a worker)
or queued with ``--enqueue``."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.enqueue import enqueue_option, run_or_enqueue


@click.group("sync")
def sync_group() -> None:
    """Run a sync of one shop now, in this process (or queue it with --enqueue)."""


@sync_group.command("stock")
@click.option("--shop", required=True, help="The shop to push stock and prices to.")
@click.option("--full", is_flag=True, help="Send every listed product, not only those that changed.")
@enqueue_option
@pass_app
def sync_stock(app: AppContext, shop: str, full: bool, enqueue: bool) -> None:
    """Push the stock and prices of the shop's listed products that changed since the last push (with
    --full: all of them) through the marketplace's API."""
    run_or_enqueue(app, "stock_prices_full" if full else "stock_prices", shop, {}, enqueue=enqueue)


@sync_group.command("catalog-import")
@click.option("--shop", required=True, help="The shop whose catalog on the marketplace to import.")
@click.option("--url", help="The catalog's YML export (default: the shop's catalog_url setting).")
@enqueue_option
@pass_app
def sync_catalog_import(app: AppContext, shop: str, url: str | None, enqueue: bool) -> None:
    """Match the products of the shop's catalog on the marketplace to ours, by the listing's id, SKU or
    barcode, and record their ids there as listings."""
    run_or_enqueue(app, "catalog_import", shop, {"url": url}, enqueue=enqueue)


COMMANDS = [sync_group]
