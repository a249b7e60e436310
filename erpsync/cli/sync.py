"""``erpsync sync categories|upload|states``: a shop's catalog work on its marketplace, run now in this
process (the same job, lock and sync log as on a worker) or queued with ``--enqueue``."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.enqueue import enqueue_option, run_or_enqueue


@click.group("sync")
def sync_group() -> None:
    """Run a sync of one shop now, in this process (or queue it with --enqueue)."""


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
