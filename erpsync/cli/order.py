"""``erpsync order list|show``: what was imported, for a person or a script."""

from __future__ import annotations

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_json, print_table
from erpsync.models import ACCOUNTING_STATUSES
from erpsync.sync.log_query import parse_since
from erpsync.sync.order_views import OrderFilter, find_order, list_orders, order_detail


@click.group("order")
def order_group() -> None:
    """Orders imported from the marketplaces."""


@order_group.command("list")
@click.option("--shop")
@click.option("--status", type=click.Choice(ACCOUNTING_STATUSES))
@click.option("--since", help="30m, 2h, 7d or an ISO date (by the time the order was placed).")
@click.option("--unmatched", is_flag=True, help="Only orders with lines matched to no product.")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def order_list(app: AppContext, shop: str | None, status: str | None, since: str | None, unmatched: bool,
               limit: int, fmt: str) -> None:
    """List orders, newest first."""
    flt = OrderFilter(shop=shop, status=status, since=parse_since(since) if since else None,
                      unmatched_only=unmatched, limit=limit)
    with app.database().session() as session:
        rows = list_orders(session, flt)
    if fmt == "json":
        print_json(rows)
        return
    if not rows:
        click.echo("no orders match")
        return
    columns = ["id", "shop", "number", "status", "external_status", "placed_at", "total", "currency", "paid",
               "unmatched_lines"]
    print_table(None, columns, ([row[c] for c in columns] for row in rows))


@order_group.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def order_show(app: AppContext, key: str, fmt: str) -> None:
    """Show one order (by id, number or SHOP:EXTERNAL_ID) with lines, customer, reservations, history."""
    with app.database().session() as session:
        detail = order_detail(session, find_order(session, key))
    if fmt == "json":
        print_json(detail)
        return
    click.echo(f"order {detail['number']} (id {detail['id']}) in shop {detail['shop']} ({detail['marketplace']})")
    click.echo(f"  status: {detail['status']} (marketplace: {detail['external_status']})")
    click.echo(f"  placed: {detail['placed_at']}   total: {detail['total']} {detail['currency']}   "
               f"paid: {'yes' if detail['paid'] else 'no'}")
    if detail["customer"]:
        c = detail["customer"]
        click.echo(f"  customer: {c['name']} {c['phone'] or ''} {c['email'] or ''}".rstrip())
    if detail["recipient"]:
        click.echo(f"  recipient: {detail['recipient']['name']} {detail['recipient']['phone'] or ''}".rstrip())
    click.echo(f"  delivery: {detail['delivery']['method']} ({detail['delivery']['marketplace_method']}) "
               f"{detail['delivery']['address'] or ''}".rstrip())
    click.echo(f"  payment: {detail['payment']['method']} ({detail['payment']['marketplace_method']})")
    print_table("lines", ["sku", "name", "qty", "price", "total", "unmatched", "not reserved", "reserved"], (
        [ln["sku"], ln["name"], ln["quantity"], ln["price"], ln["total"], "yes" if ln["unmatched"] else "",
         ln["not_reserved"] or "", sum(r["quantity"] for r in ln["reservations"] if r["state"] == "active")]
        for ln in detail["lines"]
    ))
    for waybill in detail["waybills"]:
        click.echo(f"  waybill: {waybill['carrier']} {waybill['number']} (pushed: {waybill['pushed_at'] or 'not yet'})")
    print_table("status history", ["at", "from", "to", "marketplace status", "source", "actor"], (
        [h["at"], h["from"], h["to"], h["marketplace_status"], h["source"], h["actor"]] for h in detail["history"]
    ))


COMMANDS = [order_group]
