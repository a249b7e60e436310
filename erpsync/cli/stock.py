"""``erpsync stock set|add`` and ``erpsync price set``: the accounting side changing one product's stock or
price. The change and its pushes to the shops that list the product (outbox messages) commit together;
the command says which shops get the push."""

from __future__ import annotations

from collections.abc import Sequence

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.models import PRICE_TYPES
from erpsync.sync.push_stock_prices import QueuedPush
from erpsync.sync.stock_edit import find_product, parse_amount, price_scope, set_price, set_stock, shops_listing


def _pushes(app: AppContext, sku: str, pushes: Sequence[QueuedPush]) -> None:
    if pushes:
        names = ", ".join(sorted({push.shop for push in pushes}))
        click.echo(f"push queued for {names} (outbox; delivered by `erpsync run`, or a worker with "
                   f"`erpsync scheduler`; `erpsync outbox list` shows it)")
        return
    with app.database().session() as session:
        listed = shops_listing(session, find_product(session, sku).id)
    if listed:
        click.echo(f"no push: none of the shops listing {sku} ({', '.join(listed)}) takes this change through "
                   "its API (feed shops read it at their next feed render)")
    else:
        click.echo(f"no push: no shop lists {sku} (erpsync listing add --shop S --sku {sku})")


@click.group("stock")
def stock_group() -> None:
    """Stock on hand of a product in a warehouse; marketplaces get the change at once (the outbox)."""


@stock_group.command("set")
@click.argument("sku")
@click.argument("quantity", type=click.IntRange(min=0))
@click.option("--warehouse", metavar="CODE", help="The warehouse's code (needed when the product is kept in several).")
@pass_app
def stock_set(app: AppContext, sku: str, quantity: int, warehouse: str | None) -> None:
    """Set the units of SKU on hand in a warehouse to QUANTITY."""
    with app.database().session() as session:
        edit = set_stock(session, sku, quantity, warehouse)
    click.echo(f"{edit.sku} in {edit.warehouse}: {edit.before} → {edit.after} on hand ({edit.free} free in all "
               f"warehouses)")
    _pushes(app, sku, edit.pushes)


@stock_group.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("sku")
@click.argument("delta", type=int)
@click.option("--warehouse", metavar="CODE", help="The warehouse's code (needed when the product is kept in several).")
@pass_app
def stock_add(app: AppContext, sku: str, delta: int, warehouse: str | None) -> None:
    """Add DELTA units of SKU to a warehouse (a negative DELTA takes units away: -- -3)."""
    with app.database().session() as session:
        edit = set_stock(session, sku, delta, warehouse, delta=True)
    click.echo(f"{edit.sku} in {edit.warehouse}: {edit.before} {'+' if delta >= 0 else '−'} {abs(delta)} → "
               f"{edit.after} on hand ({edit.free} free in all warehouses)")
    _pushes(app, sku, edit.pushes)


@click.group("price")
def price_group() -> None:
    """A product's prices (standard, or a marketplace's own); marketplaces get the change at once."""


@price_group.command("set")
@click.argument("sku")
@click.argument("amount")
@click.option("--kind", "price_type", type=click.Choice(PRICE_TYPES), default="retail", show_default=True,
              help="retail: the selling price; old: the crossed-out one; wholesale; promo: a marketplace's promotion.")
@click.option("--marketplace", metavar="M", help="Set M's own price (an override for every shop of M).")
@click.option("--shop", metavar="S", help="Set the own price of S's marketplace (overrides are per marketplace).")
@click.option("--currency", metavar="CODE", help="Default: the price's current currency, or the retail price's.")
@pass_app
def price_cmd(app: AppContext, sku: str, amount: str, price_type: str, marketplace: str | None, shop: str | None,
              currency: str | None) -> None:
    """Set a price of SKU to AMOUNT."""
    value = parse_amount(amount)
    with app.database().session() as session:
        scope = price_scope(session, marketplace, shop)
        edit = set_price(session, sku, value, price_type=price_type, scope=scope, currency=currency)
    where = "standard" if edit.scope == "base" else f"{edit.scope}'s own"
    before = f"{edit.before} " if edit.before is not None else "none "
    click.echo(f"{edit.sku}: {where} {edit.price_type} price {before}→ {edit.after} {edit.currency}")
    if shop and edit.scope != "base":
        click.echo(f"note: prices are kept per marketplace: this one applies to every {edit.scope} shop")
    _pushes(app, sku, edit.pushes)


COMMANDS = [stock_group, price_group]
