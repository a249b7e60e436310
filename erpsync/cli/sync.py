"""``erpsync sync orders|push|stock|catalog-import|categories|upload|states``: import a shop's orders,
deliver its queued status changes and waybills, push its stock and prices, import its catalog on the
marketplace into listings; download its marketplace's categories, upload its products, follow their
states.

Each runs here (with the same lock and sync log as on a worker) or, with ``--enqueue``, goes to the
workers' queue.
"""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.enqueue import enqueue_option, run_or_enqueue
from erpsync.core.errors import ErpsyncError, ValidationError
from erpsync.sync.order_import import lists_orders
from erpsync.sync.order_outbox import ORDER_KINDS
from erpsync.sync.shops import list_shops


@click.group("sync")
def sync_group() -> None:
    """Run a sync of one shop (or all) now, or put it on the workers' queue."""


def _shops(app: AppContext, shop: str | None, all_shops: bool) -> list[str]:
    if bool(shop) == all_shops:
        raise ValidationError("give --shop NAME or --all")
    if shop:
        return [shop]
    with app.database().session() as session:
        names = [s.name for s in list_shops(session) if s.enabled and lists_orders(s.marketplace)]
    if not names:
        click.echo("no enabled shop on a marketplace erpsync imports orders from")
    return names


def _each(shops: list[str], action: object) -> None:
    """Run ``action(shop)`` for every shop; one shop's failure is printed and the others go on."""
    failed = []
    for name in shops:
        try:
            action(name)  # type: ignore[operator]
        except ErpsyncError as error:
            if len(shops) == 1:
                raise
            click.echo(f"error: {error}", err=True)
            failed.append(name)
    if failed:
        raise ErpsyncError(f"failed for {', '.join(failed)}")


@sync_group.command("orders")
@click.option("--shop", help="The shop to import orders of.")
@click.option("--all", "all_shops", is_flag=True, help="Every enabled shop whose marketplace has orders.")
@enqueue_option
@pass_app
def sync_orders(app: AppContext, shop: str | None, all_shops: bool, enqueue: bool) -> None:
    """Import new and changed orders from the marketplace."""
    _each(_shops(app, shop, all_shops), lambda name: run_or_enqueue(app, "import_orders", name, enqueue=enqueue))


@sync_group.command("push")
@click.option("--shop", help="The shop whose queued changes to deliver.")
@click.option("--all", "all_shops", is_flag=True, help="Every enabled shop.")
@enqueue_option
@pass_app
def sync_push(app: AppContext, shop: str | None, all_shops: bool, enqueue: bool) -> None:
    """Deliver the due status changes and waybills of orders (retries wait for their backoff)."""
    def push(name: str) -> None:
        for kind in ORDER_KINDS:
            run_or_enqueue(app, "deliver_outbox", name, {"kind": kind}, enqueue=enqueue)

    _each(_shops(app, shop, all_shops), push)


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


@sync_group.command("categories")
@click.option("--shop", required=True, help="The shop whose marketplace's categories to download.")
@click.option("--category", "categories", multiple=True, metavar="CODE",
              help="Also download this category's attributes (besides those the mapping file uses).")
@click.option("--all-attributes", is_flag=True, help="Download the attributes of every leaf category (slow).")
@enqueue_option
@pass_app
def sync_categories(app: AppContext, shop: str, categories: tuple[str, ...], all_attributes: bool,
                    enqueue: bool) -> None:
    """Download the marketplace's category tree, and the attributes with allowed values of the categories
    the shop's mapping file uses, for `erpsync mappings check` and the upload."""
    params = {"categories": list(categories) or None, "all_attributes": all_attributes or None}
    run_or_enqueue(app, "categories", shop, params, enqueue=enqueue)


@sync_group.command("upload")
@click.option("--shop", required=True, help="The shop to upload products to.")
@click.option("--sku", "skus", multiple=True, metavar="SKU", help="Only these products.")
@click.option("--all", "everything", is_flag=True,
              help="Also send products already on the marketplace (an update), not only new and refused ones.")
@click.option("--no-wait", is_flag=True, help="Submit the batches without waiting for their results.")
@click.option("--poll-seconds", type=float, default=None, help="Seconds between polls of a batch's result (5).")
@enqueue_option
@pass_app
def sync_upload(app: AppContext, shop: str, skus: tuple[str, ...], everything: bool, no_wait: bool,
                poll_seconds: float | None, enqueue: bool) -> None:
    """Upload the shop's listed products in mapped categories, in batches of the marketplace's limit
    (Kasta: 500), and record each product's result. Never deletes anything on the marketplace."""
    params = {"skus": list(skus) or None, "all": everything or None, "wait": False if no_wait else None,
              "poll_seconds": poll_seconds}
    run_or_enqueue(app, "upload_catalog", shop, params, enqueue=enqueue)


@sync_group.command("states")
@click.option("--shop", required=True, help="The shop whose products to follow.")
@enqueue_option
@pass_app
def sync_states(app: AppContext, shop: str, enqueue: bool) -> None:
    """Read the state of the shop's products on the marketplace (moderation, active, refused)."""
    run_or_enqueue(app, "listing_states", shop, enqueue=enqueue)


COMMANDS = [sync_group]
