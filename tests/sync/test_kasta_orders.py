"""The order pipeline, unchanged, for Kasta against the Kasta sandbox: orders imported with their lines
matched to products, Kasta's statuses translated by mappings/kasta.yaml, a second import changing
nothing, status changes on Kasta arriving, a refund after a cancellation staying cancelled, Nova
Poshta waybills kept; and nothing sent back — Kasta's API takes no status and no waybill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from erpsync.models import Order, OrderLine, OutboxMessage, Reservation, Waybill
from erpsync.models.db import Database
from erpsync.sync.order_import import import_orders
from erpsync.sync.order_status import set_order_status
from erpsync.sync.waybills import save_waybill
from tests.sync.catalog_fixtures import KastaShop, add_clothes

NOW = datetime.now(UTC)


def _import(database: Database, secret_key: str, shop: KastaShop, at: datetime = NOW) -> object:
    return import_orders(database, "ua-kasta", secret_key=secret_key, now=at, mappings_dir=shop.config.mappings_dir)


def _orders(database: Database) -> dict[str, tuple[str, str | None]]:
    with database.session() as session:
        return {external_id: (status, external_status) for external_id, status, external_status in session.execute(
            select(Order.external_id, Order.status, Order.external_status))}


def test_kasta_orders_run_through_the_order_pipeline(database: Database, secret_key: str,
                                                      kasta_shop: KastaShop) -> None:
    skus = add_clothes(database, kasta_shop.shop_id, 2)
    sandbox = kasta_shop.sandbox
    new = sandbox.add_order(order_id="51000001", skus=(skus[0],), quantity=2, price=1790.0,
                            created_at=NOW - timedelta(hours=3))
    packed = sandbox.add_order(order_id="51000002", skus=skus, status="AnnouncedForDelivery",
                               waybill="20450912345678", created_at=NOW - timedelta(hours=2))
    report = _import(database, secret_key, kasta_shop)
    assert report.status == "success", report.error
    assert (report.counts.created, report.counts.failed) == (2, 0)
    assert _orders(database) == {new: ("new", "Created"), packed: ("assembled", "AnnouncedForDelivery")}
    with database.session() as session:
        matched = session.scalar(select(func.count()).select_from(OrderLine).where(OrderLine.product_id.is_not(None)))
        assert matched == 3  # every line found its product by the SKU Kasta sends back
        reserved = session.scalar(select(func.coalesce(func.sum(Reservation.quantity), 0)))
        assert reserved == 4
        [waybill] = session.scalars(select(Waybill))
        assert (waybill.number, waybill.status) == ("20450912345678", "from marketplace")

    again = _import(database, secret_key, kasta_shop, NOW + timedelta(minutes=3))
    assert (again.counts.created, again.counts.updated) == (0, 0)

    statuses = sandbox.kasta.orders[new].payload["statuses"]
    statuses.append({"type": "Cancelled", "created_at": (NOW - timedelta(minutes=30)).isoformat()})
    statuses.append({"type": "Refunded", "created_at": (NOW - timedelta(minutes=20)).isoformat()})
    moved = _import(database, secret_key, kasta_shop, NOW + timedelta(minutes=6))
    assert moved.counts.updated == 1
    assert _orders(database)[new] == ("cancelled", "Cancelled")  # the refund does not make it a return

    with database.session() as session:
        order = session.scalar(select(Order).where(Order.external_id == packed))
        request = set_order_status(session, order, "shipped", "anna", mappings_dir=kasta_shop.config.mappings_dir)
        assert request.message_ids == () and "the mapping sends nothing to kasta" in request.summary
        _, queued = save_waybill(session, order, "20450999999999", mappings_dir=kasta_shop.config.mappings_dir)
        assert queued == []
        kinds = set(session.scalars(select(OutboxMessage.kind)))
        assert kinds <= {"stock"}  # reserved and released stock goes to the shops; no status, no waybill
    assert [r for r in sandbox.requests if r.method != "GET"] == []  # nothing was sent to Kasta
