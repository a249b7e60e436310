"""``erpsync log`` and ``erpsync order list|show`` read what the sync wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from erpsync.models import (
    Customer,
    Order,
    OrderLine,
    OrderStatusChange,
    Product,
    Reservation,
    Shop,
    Warehouse,
    Waybill,
)
from erpsync.models.db import Database
from erpsync.sync.log import sync_run
from erpsync.sync.log_query import parse_since
from tests.conftest import Cli


def _order_with_everything(database: Database) -> int:
    with database.session() as session:
        shop = Shop(name="kz1", marketplace="kaspi", base_url="http://x")
        warehouse = Warehouse(code="MAIN", name="Main")
        product = Product(sku="SKU-1", name_uk="Смартфон")
        customer = Customer(full_name="Іван Петренко", phone="+77750000000")
        session.add_all([shop, warehouse, product, customer])
        session.flush()
        order = Order(shop_id=shop.id, external_id="ext-1", number="1001", status="accepted",
                      external_status="ACCEPTED_BY_MERCHANT", customer_id=customer.id, total=Decimal("4000"),
                      currency="KZT", placed_at=datetime(2024, 1, 30, tzinfo=UTC), raw_payload={"id": "ext-1"})
        matched = OrderLine(external_id="e1", product_id=product.id, sku="SKU-1", name="Смартфон", quantity=2,
                            price=Decimal("2000"), total=Decimal("4000"))
        unmatched = OrderLine(external_id="e2", sku="NOPE", name="?", quantity=1, is_unmatched=True)
        order.lines = [matched, unmatched]
        order.history = [OrderStatusChange(from_status="new", to_status="accepted", source="accounting",
                                           actor="anna")]
        order.waybills = [Waybill(carrier="kaspi_delivery", number="TTN-1")]
        session.add(order)
        session.flush()
        session.add(Reservation(line_id=matched.id, product_id=product.id, warehouse_id=warehouse.id, quantity=2))
        return order.id


def test_order_list_and_show_give_lines_reservations_history(cli: Cli, database: Database) -> None:
    order_id = _order_with_everything(database)
    rows = json.loads(cli("order", "list", "--format", "json").output)
    assert [(r["number"], r["unmatched_lines"]) for r in rows] == [("1001", 1)]
    assert json.loads(cli("order", "list", "--unmatched", "--format", "json").output)[0]["id"] == order_id
    assert json.loads(cli("order", "list", "--status", "new", "--format", "json").output) == []
    detail = json.loads(cli("order", "show", "kz1:ext-1", "--format", "json").output)
    assert detail["id"] == order_id
    assert [line["sku"] for line in detail["lines"]] == ["SKU-1", "NOPE"]
    assert detail["lines"][0]["reservations"][0]["quantity"] == 2
    assert detail["history"][0]["actor"] == "anna"
    assert detail["waybills"][0]["number"] == "TTN-1"
    assert detail["raw_payload"] == {"id": "ext-1"}
    text = cli("order", "show", "1001").output
    assert "Іван Петренко" in text and "TTN-1" in text
    assert "no order 'nope'" in cli("order", "show", "nope", expect=1).output


def test_log_finds_errors_by_text_shop_and_level(cli: Cli, database: Database) -> None:
    with database.session() as session:
        shop = Shop(name="kz1", marketplace="kaspi", base_url="http://x")
        session.add(shop)
    with sync_run(database, "orders", shop.id) as log:
        log.counts.fetched = 2
        log.counts.failed = 1
        log.info("imported order 1")
        log.error("order 77: totalPrice is not a number", entity_type="order", entity_id="77",
                  payload={"totalPrice": "abc"})
    found = json.loads(cli("log", "--grep", "totalPrice", "--format", "json").output)
    assert [e["entity"] for e in found] == ["order 77"]
    assert found[0]["payload"] == {"totalPrice": "abc"}
    assert len(json.loads(cli("log", "--level", "error", "--shop", "kz1", "--format", "json").output)) == 1
    assert len(json.loads(cli("log", "--format", "json").output)) == 2
    runs = json.loads(cli("log", "--runs", "--format", "json").output)
    assert (runs[0]["status"], runs[0]["fetched"], runs[0]["failed"]) == ("partial", 2, 1)
    assert "nothing in the log matches" in cli("log", "--grep", "no such text").output
    assert "--since" in cli("log", "--since", "yesterday", expect=1).output


def test_since_accepts_relative_and_iso_times() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_since("2h", now) == now - timedelta(hours=2)
    assert parse_since("2024-04-30", now) == datetime(2024, 4, 30, tzinfo=UTC)
