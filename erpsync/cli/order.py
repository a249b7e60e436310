"""``erpsync order list|show``: what was imported, for a person or a script."""

from __future__ import annotations

import os

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_json, print_table
from erpsync.core.errors import ValidationError
from erpsync.models import ACCOUNTING_STATUSES
from erpsync.sync.log_query import parse_since
from erpsync.sync.order_status import set_order_status
from erpsync.sync.order_views import OrderFilter, find_order, list_orders, order_detail
from erpsync.sync.waybills import save_waybill


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
    if detail["outbox"]:
        print_table("to the marketplace", ["id", "what", "state", "attempts", "error"], (
            [m["id"], f"{m['kind']} {m['status'] or ''} {m['step'] or ''}".strip(), m["state"], m["attempts"],
             m["last_error"] or ""] for m in detail["outbox"]
        ))


@order_group.command("set-status")
@click.argument("key")
@click.argument("status", type=click.Choice(ACCOUNTING_STATUSES))
@click.option("--reason", help="The marketplace's cancellation reason code (default: the mapping's).")
@click.option("--comment", help="A comment sent with the change (e.g. why it was cancelled).")
@click.option("--code", help="The code the buyer received, where the marketplace needs one (Kaspi: completing).")
@click.option("--extra", multiple=True, metavar="KEY=VALUE",
              help="What else the marketplace needs with this status (Kaspi assembled: number_of_space=2).")
@click.option("--actor", default=lambda: os.environ.get("USER") or "cli", show_default="$USER",
              help="Who changes it (kept in the status history).")
@pass_app
def order_set_status(app: AppContext, key: str, status: str, reason: str | None, comment: str | None,
                     code: str | None, extra: tuple[str, ...], actor: str) -> None:
    """Change an order's status (KEY: id, number or SHOP:EXTERNAL_ID) and queue it for the marketplace."""
    values = {}
    for pair in extra:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"--extra: expected KEY=VALUE, got {pair!r}")
        values[name.strip()] = value.strip()
    with app.database().session() as session:
        order = find_order(session, key)
        shop = order.shop.name
        request = set_order_status(session, order, status, actor, reason=reason, comment=comment, code=code,
                                   extra=values, mappings_dir=app.settings.mappings_dir)
    click.echo(request.summary)
    if request.message_ids:
        click.echo(f"queued as outbox message(s) {', '.join(map(str, request.message_ids))}; "
                   f"`erpsync sync push --shop {shop}` delivers them")


@order_group.command("waybill")
@click.argument("key")
@click.argument("number")
@click.option("--carrier", help="The carrier (default: the order's delivery method).")
@pass_app
def order_waybill(app: AppContext, key: str, number: str, carrier: str | None) -> None:
    """Save a waybill (TTN) on an order; it is pushed when the order reaches a status that pushes waybills."""
    with app.database().session() as session:
        order = find_order(session, key)
        shop = order.shop.name
        waybill, message_ids = save_waybill(session, order, number, carrier=carrier,
                                            mappings_dir=app.settings.mappings_dir)
        status = order.status
    if message_ids:
        click.echo(f"waybill {waybill.number} saved and queued for the marketplace; "
                   f"`erpsync sync push --shop {shop}` delivers it")
    else:
        click.echo(f"waybill {waybill.number} saved; it is pushed when the order reaches a status that pushes "
                   f"waybills (it is {status} now)")


COMMANDS = [order_group]
