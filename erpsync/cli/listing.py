"""``erpsync listing add|remove|list``: which products go to which shop (the upload flag), in bulk."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_table
from erpsync.sync.listings import ListingChange, add_listings, list_listings, listing_counts, remove_listings
from erpsync.sync.shops import get_shop


@click.group("listing")
def listing_group() -> None:
    """Products listed for a shop: the "upload to this marketplace" flag."""


def _selection(function):  # type: ignore[no-untyped-def]
    function = click.option("--sku", "skus", multiple=True, metavar="SKU", help="A product's SKU (repeatable).")(
        function
    )
    function = click.option("--category", metavar="PATH",
                            help="A category path from the root (names or slugs, '/' between levels); "
                                 "its subcategories are included.")(function)
    function = click.option("--all", "everything", is_flag=True, help="Every product.")(function)
    return click.option("--shop", required=True, help="The shop's name.")(function)


def _report(change: ListingChange, verb: str, shop: str) -> None:
    click.echo(f"{shop}: {change.changed} product(s) {verb} ({change.matched} matched)")
    if change.unknown_skus:
        click.echo(f"warning: no product with SKU {', '.join(change.unknown_skus)}", err=True)


@listing_group.command("add")
@_selection
@pass_app
def listing_add(app: AppContext, shop: str, everything: bool, category: str | None, skus: tuple[str, ...]) -> None:
    """List products for a shop: they appear in its feed and pushes."""
    with app.database().session() as session:
        change = add_listings(session, get_shop(session, shop), everything=everything, category=category, skus=skus)
    _report(change, "listed", shop)


@listing_group.command("remove")
@_selection
@pass_app
def listing_remove(app: AppContext, shop: str, everything: bool, category: str | None, skus: tuple[str, ...]) -> None:
    """Switch the upload flag off. This never deletes a product on the marketplace: it leaves the shop's
    feed and pushes, and stays on the marketplace until you delete it in the marketplace's cabinet."""
    with app.database().session() as session:
        change = remove_listings(session, get_shop(session, shop), everything=everything, category=category,
                                 skus=skus)
    _report(change, "no longer uploaded", shop)
    if change.changed:
        click.echo("note: products already on the marketplace are not deleted there; delete them in its cabinet")


@listing_group.command("list")
@click.option("--shop", required=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--offset", default=0, type=click.IntRange(min=0))
@pass_app
def listing_list(app: AppContext, shop: str, limit: int, offset: int) -> None:
    """Show a shop's listings."""
    with app.database().session() as session:
        found = get_shop(session, shop)
        uploaded, off = listing_counts(session, found)
        rows = list_listings(session, found, limit=limit, offset=offset)
    click.echo(f"{shop}: {uploaded} product(s) uploaded, {off} with the flag off")
    if rows:
        print_table(None, ["SKU", "name", "upload", "state", "external id"],
                    [(r.sku, r.name, "yes" if r.upload else "no", r.state, r.external_id or "") for r in rows])


COMMANDS = [listing_group]
