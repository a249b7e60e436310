"""The order pipeline (import, statuses and waybills out through the outbox) runs unchanged for Kaufland
against its sandbox over HTTP; and a push notification brings a new order in within seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from erpsync.core.config import Settings
from erpsync.jobs.runner import JobOutcome, run_inline
from erpsync.models import Order, OrderLine, OrderStatusChange, Product, StockLevel, Warehouse
from erpsync.models.db import Database
from erpsync.sandbox.kaufland import KauflandSandbox
from erpsync.sync.kaufland_push import subscribe_shop
from erpsync.sync.order_import import import_orders
from erpsync.sync.order_status import set_order_status
from erpsync.sync.waybills import save_waybill
from tests.sync.kaufland_env import QUICK, SHOP, add_kaufland_shop, kaufland_sandbox, web_app

EAN_1, EAN_2 = "4011905437873", "4009750243800"


def _catalog(database: Database) -> None:
    with database.session() as session:
        warehouse = Warehouse(code="MAIN", name="Main")
        session.add(warehouse)
        session.flush()
        for sku in ("SKU-1", "SKU-2"):
            product = Product(sku=sku, name_uk=sku, barcode=EAN_1 if sku == "SKU-1" else EAN_2)
            session.add(product)
            session.flush()
            session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=5))


def _units(sandbox: KauflandSandbox, sku: str, status: str = "need_to_be_sent") -> dict[str, object]:
    return {"id_offer": sku, "ean": EAN_1 if sku == "SKU-1" else EAN_2, "title": sku, "price": 2500,
            "status": status}


def _order(database: Database, external_id: str) -> Order:
    with database.session() as session:
        order = session.scalar(select(Order).where(Order.external_id == external_id))
        assert order is not None
        session.expunge(order)
        return order


def _push(database: Database, config: Settings, shop_id: int, kind: str) -> JobOutcome:
    return run_inline("deliver_outbox", shop_id, {"kind": kind}, database=database, config=config)


def _unit_states(sandbox: KauflandSandbox, order_id: str) -> list[str]:
    return sorted(str(u["status"]) for u in sandbox.order_units_of(order_id))


def test_orders_are_imported_by_unit_and_statuses_and_waybills_go_back_through_the_outbox(
        database: Database, secret_key: str, worker_config: Settings) -> None:
    _catalog(database)
    with kaufland_sandbox() as sandbox:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url, warehouses=["MAIN"])
        created = datetime.now(UTC) - timedelta(hours=3)
        to_ship = sandbox.add_order(units=[_units(sandbox, "SKU-1"), _units(sandbox, "SKU-1"),
                                           _units(sandbox, "SKU-2")], created=created)
        to_cancel = sandbox.add_order(units=[_units(sandbox, "SKU-2")], created=created)
        report = import_orders(database, SHOP, secret_key=secret_key)
        assert (report.status, report.counts.created) == ("success", 2)
        shipped = _order(database, to_ship)
        assert (shipped.status, shipped.external_status, shipped.currency) == ("accepted", "need_to_be_sent", "EUR")
        with database.session() as session:
            lines = session.scalars(select(OrderLine).where(OrderLine.order_id == shipped.id)).all()
            assert sorted((line.sku, line.quantity, line.product_id is not None) for line in lines) == [
                ("SKU-1", 1, True), ("SKU-1", 1, True), ("SKU-2", 1, True)]
        again = import_orders(database, SHOP, secret_key=secret_key)
        assert again.counts.created == 0 and again.counts.updated == 0

        with database.session() as session:
            set_order_status(session, session.get(Order, _order(database, to_cancel).id), "cancelled", "anna",
                             reason="BuyerCancelled")
        assert _push(database, worker_config, shop.id, "order_status").status == "success"
        assert _unit_states(sandbox, to_cancel) == ["cancelled"]
        [cancel] = [r for r in sandbox.mutating_requests() if r.path.endswith("/cancel")]
        assert cancel.json() == {"reason": "BuyerCancelled"}

        with database.session() as session:
            order = session.get(Order, shipped.id)
            set_order_status(session, order, "shipped", "anna")
            save_waybill(session, order, "00340434161094042557", carrier="dhl")
        assert _push(database, worker_config, shop.id, "waybill").status == "success"
        assert _unit_states(sandbox, to_ship) == ["sent", "sent", "sent"]
        sends = [r.json() for r in sandbox.mutating_requests() if r.path.endswith("/send")]
        assert sends == [{"tracking_numbers": "00340434161094042557", "carrier_code": "DHL"}] * 3

        later = import_orders(database, SHOP, secret_key=secret_key, now=datetime.now(UTC) + timedelta(minutes=1))
        assert later.status == "success"
        assert (_order(database, to_ship).status, _order(database, to_ship).external_status) == ("shipped", "sent")
        assert _order(database, to_cancel).status == "cancelled"
        with database.session() as session:
            sources = session.scalars(select(OrderStatusChange.source).where(
                OrderStatusChange.order_id == shipped.id)).all()
        assert "accounting" in sources


def test_a_new_order_is_imported_within_seconds_of_kauflands_push(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    _catalog(database)
    mappings = str(Path(__file__).resolve().parents[2] / "mappings")
    with kaufland_sandbox() as sandbox, web_app(database, secret_key, tmp_path, ERPSYNC_MAPPINGS_DIR=mappings) as app:
        add_kaufland_shop(database, secret_key, sandbox.base_url, warehouses=["MAIN"])
        subscribe_shop(database, secret_key, SHOP, app.url, "ops@example.de", ["order_new"], retry=QUICK)
        order_id = sandbox.add_order(units=[_units(sandbox, "SKU-1")])
        started = time.monotonic()
        found = None
        while found is None and time.monotonic() - started < 10:
            with database.session() as session:
                found = session.scalar(select(Order.status).where(Order.external_id == order_id))
            time.sleep(0.05)
        assert found == "accepted", "the pushed order was not imported within 10 s"
