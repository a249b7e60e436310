"""``erpsync order list|show``: what was imported, for a person or a script."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click
from sqlalchemy import select

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_json, print_table
from erpsync.core.config import Settings
from erpsync.core.errors import ValidationError
from erpsync.jobs.runner import run_inline
from erpsync.models import ACCOUNTING_STATUSES, OutboxMessage
from erpsync.models.db import Database
from erpsync.models.integration import OUTBOX_DONE, OUTBOX_FAILED
from erpsync.sync.log_query import parse_since
from erpsync.sync.order_status import set_order_status, takes_waybills
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


def deliver_now(database: Database, config: Settings, shop_id: int, message_ids: Sequence[int]) -> list[OutboxMessage]:
    """Deliver the due order messages of a shop here and now (as ``erpsync sync push`` does); returns the
    given messages as they are afterwards."""
    with database.session() as session:
        first_of_kind: dict[str, int] = {}
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))):
            first_of_kind[message.kind] = min(message.id, first_of_kind.get(message.kind, message.id))
    for kind in sorted(first_of_kind, key=first_of_kind.__getitem__):  # in the order they were made
        run_inline("deliver_outbox", shop_id, {"kind": kind}, database=database, config=config)
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))
                                    .order_by(OutboxMessage.id)))


def describe_message(message: OutboxMessage) -> str:
    what = f"#{message.id} {message.kind} {message.payload.get('status') or ''}".rstrip()
    if message.state == OUTBOX_DONE:
        return f"{what}: delivered"
    if message.state == OUTBOX_FAILED:
        return f"{what}: failed: {message.last_error} (`erpsync outbox retry {message.id}` sends it again)"
    if message.attempts:
        return (f"{what}: not delivered yet ({message.last_error}); next attempt at "
                f"{message.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC")
    return f"{what}: queued"


def _report(app: AppContext, shop_id: int, message_ids: Sequence[int], push: bool) -> None:
    if not message_ids:
        return
    if not push:
        click.echo(f"queued as outbox message(s) {', '.join(map(str, message_ids))}; `erpsync sync push` "
                   "or the workers deliver them")
        return
    for message in deliver_now(app.database(), app.settings, shop_id, message_ids):
        click.echo(describe_message(message))


push_option = click.option("--push/--no-push", default=True, show_default=True,
                           help="Deliver it to the marketplace now (else the workers or `erpsync sync push` do).")


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
@push_option
@pass_app
def order_set_status(app: AppContext, key: str, status: str, reason: str | None, comment: str | None,
                     code: str | None, extra: tuple[str, ...], actor: str, push: bool) -> None:
    """Change an order's status (KEY: id, number or SHOP:EXTERNAL_ID) and send it to the marketplace."""
    values = {}
    for pair in extra:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"--extra: expected KEY=VALUE, got {pair!r}")
        values[name.strip()] = value.strip()
    with app.database().session() as session:
        order = find_order(session, key)
        shop_id = order.shop_id
        request = set_order_status(session, order, status, actor, reason=reason, comment=comment, code=code,
                                   extra=values, mappings_dir=app.settings.mappings_dir)
    click.echo(request.summary)
    _report(app, shop_id, request.message_ids, push)


@order_group.command("waybill")
@click.argument("key")
@click.argument("number")
@click.option("--carrier", help="The carrier (default: the order's delivery method).")
@push_option
@pass_app
def order_waybill(app: AppContext, key: str, number: str, carrier: str | None, push: bool) -> None:
    """Save a waybill (TTN) on an order; it is pushed when the order reaches a status that pushes waybills."""
    with app.database().session() as session:
        order = find_order(session, key)
        shop_id, status, marketplace = order.shop_id, order.status, order.shop.marketplace
        waybill, message_ids = save_waybill(session, order, number, carrier=carrier,
                                            mappings_dir=app.settings.mappings_dir)
    if message_ids:
        click.echo(f"waybill {waybill.number} saved")
    elif not takes_waybills(marketplace):
        click.echo(f"waybill {waybill.number} saved; {marketplace} takes no waybills through its API, "
                   "so it stays in the accounting database")
    else:
        click.echo(f"waybill {waybill.number} saved; it is pushed when the order reaches a status that pushes "
                   f"waybills (it is {status} now)")
    _report(app, shop_id, message_ids, push)


COMMANDS = [order_group]
