"""The demo's "Orders" step: the Kaspi sandbox with generated orders on 127.0.0.1, a demo Kaspi shop
pointed at it, the import, then a person's work — accept, cancel with a reason, complete with the
buyer's SMS code, assemble a Kaspi Delivery order (Kaspi makes its waybill) — pushed through the
outbox, and what the accounting database and the sync log show afterwards."""

from __future__ import annotations

from collections.abc import Sequence

import click
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from erpsync.cli.order import deliver_now, describe_message
from erpsync.cli.output import print_table
from erpsync.core.config import Settings
from erpsync.models import Listing, Order, Product, Shop, SyncCursor
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sandbox.kaspi_store import CATALOG
from erpsync.sync.log_query import LogFilter, find_events
from erpsync.sync.order_import import ImportReport, import_orders
from erpsync.sync.order_status import set_order_status
from erpsync.sync.shops import add_shop, update_shop

DEMO_SHOP = "demo-kaspi"
DEMO_TOKEN = "demo-kaspi-sandbox-token"
ACTOR = "demo"


def _demo_shop(database: Database, secret_key: str, base_url: str) -> int:
    """The demo's Kaspi shop, created on the first run and pointed at this run's sandbox."""
    with database.session() as session:
        shop = session.scalar(select(Shop).where(Shop.name == DEMO_SHOP))
        if shop is None:
            shop = add_shop(session, name=DEMO_SHOP, marketplace="kaspi", secret_key=secret_key, base_url=base_url,
                            credentials={"token": DEMO_TOKEN},
                            settings={"order_lookback_days": 21, "auto_invoice": True})
        else:  # a new sandbox each run, with orders of the last weeks: read them all again
            update_shop(session, shop, secret_key=secret_key, base_url=base_url, credentials={"token": DEMO_TOKEN},
                        settings={**(shop.settings or {}), "order_lookback_days": 21, "auto_invoice": True})
            session.execute(delete(SyncCursor).where(SyncCursor.shop_id == shop.id))
        _bind_catalog(session, shop.id)
        return shop.id


def _bind_catalog(session: Session, shop_id: int) -> None:
    """List the first sample products in the shop under the sandbox's SKUs, so order lines find them
    (the feeds step may have listed them already, without the sandbox's SKUs)."""
    products = session.scalars(select(Product.id).order_by(Product.id).limit(len(CATALOG) - 1)).all()
    query = select(Listing).where(Listing.shop_id == shop_id, Listing.product_id.in_(products))
    listed = {listing.product_id: listing for listing in session.scalars(query)}
    for product_id, item in zip(products, CATALOG, strict=False):  # the last SKU stays unmatched
        listing = listed.get(product_id)
        if listing is None:
            session.add(Listing(shop_id=shop_id, product_id=product_id, external_sku=item[0], state="active"))
        elif listing.external_sku is None:
            listing.external_sku = item[0]


def _orders(database: Database, report: ImportReport) -> list[Order]:
    with database.session() as session:
        return list(session.scalars(select(Order).where(Order.id.in_(report.order_ids)).order_by(Order.placed_at)))


def _change(
    database: Database, settings: Settings, shop_id: int, order_id: int, status: str, **options: object
) -> None:
    with database.session() as session:
        order = session.get(Order, order_id)
        assert order is not None
        request = set_order_status(session, order, status, ACTOR, mappings_dir=settings.mappings_dir,
                                   **options)  # type: ignore[arg-type]
    click.echo(f"  {request.summary}")
    for message in deliver_now(database, settings, shop_id, request.message_ids):
        click.echo(f"    {describe_message(message)}")


def _work(database: Database, settings: Settings, kaspi: KaspiSandbox, shop_id: int, orders: Sequence[Order]) -> None:
    """What a person does with the imported orders."""
    new = [o for o in orders if o.status == "new"]
    accepted = [o for o in orders if o.status == "accepted"]
    for order in new:
        _change(database, settings, shop_id, order.id, "accepted")
    delivery = [o for o in new + accepted if (o.extra or {}).get("isKaspiDelivery")]
    pickup = [o for o in accepted if o not in delivery]
    if pickup:
        _change(database, settings, shop_id, pickup[0].id, "cancelled", reason="BUYER_NOT_REACHABLE",
                comment="Не дозвонились дважды")
    to_complete = pickup[1] if len(pickup) > 1 else (new[-1] if new else None)
    if to_complete is not None:
        _change(database, settings, shop_id, to_complete.id, "completed")
        code = kaspi.sent_code(to_complete.external_id)
        if code:
            click.echo(f"  Kaspi texted the buyer the code {code}; the buyer reads it to the shop assistant")
            _change(database, settings, shop_id, to_complete.id, "completed", code=code)
    for order in delivery[:1]:
        _change(database, settings, shop_id, order.id, "assembled", extra={"number_of_space": "1"})


def _summary(database: Database, order_ids: Sequence[int]) -> None:
    with database.session() as session:
        orders = session.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.placed_at)).all()
        rows = [
            (o.number, o.status, o.external_status, f"{o.total} {o.currency}", o.customer.full_name if o.customer
             else "", len(o.lines), sum(1 for ln in o.lines if ln.is_unmatched),
             sum(ln.reserve_shortfall for ln in o.lines), ", ".join(w.number for w in o.waybills),
             len(o.history))
            for o in orders
        ]
    print_table(f"Orders of {DEMO_SHOP} in the accounting database",
                ["number", "status", "Kaspi status", "total", "buyer", "lines", "unmatched", "not reserved",
                 "waybill", "history"], rows)


def _log_tail(database: Database) -> None:
    with database.session() as session:
        events = find_events(session, LogFilter(shop=DEMO_SHOP, limit=10))
    print_table("The sync log's last lines (erpsync log --shop demo-kaspi)", ["time", "kind", "level", "message"],
                [(e.created_at.strftime("%H:%M:%S"), e.kind, e.level, e.message) for e, _ in reversed(events)])


def step_orders(database: Database, settings: Settings) -> None:
    secret_key = settings.require_secret_key()
    with KaspiSandbox(credentials={"token": DEMO_TOKEN}, orders=10, random_seed=None) as kaspi:
        click.echo(f"Kaspi sandbox with {len(kaspi.kaspi.orders)} generated orders at {kaspi.base_url}")
        shop_id = _demo_shop(database, secret_key, kaspi.base_url)
        report = import_orders(database, DEMO_SHOP, secret_key=secret_key, mappings_dir=settings.mappings_dir)
        c = report.counts
        click.echo(f"erpsync sync orders --shop {DEMO_SHOP}: fetched {c.fetched}, created {c.created}, "
                   f"updated {c.updated}, skipped {c.skipped}, failed {c.failed}")
        _work(database, settings, kaspi, shop_id, _orders(database, report))
        again = import_orders(database, DEMO_SHOP, secret_key=secret_key, mappings_dir=settings.mappings_dir)
        click.echo(f"imported again: {again.counts.updated} updated (what Kaspi changed meanwhile: order states, "
                   f"the waybill), {again.counts.skipped} unchanged, {again.counts.created} created")
    _summary(database, report.order_ids)
    _log_tail(database)
