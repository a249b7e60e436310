"""Changing an order's accounting status: history and outbox in one transaction, the SMS code steps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from erpsync.core.errors import ValidationError
from erpsync.models import Order, OrderLine, OrderStatusChange, OutboxMessage, Product, Reservation, Shop, Warehouse
from erpsync.models.db import Database
from erpsync.sync.order_status import STEP_SEND_CODE, set_order_status


def _kaspi_order(database: Database, status: str = "new", external_status: str = "APPROVED_BY_BANK") -> int:
    with database.session() as session:
        shop = Shop(name="kz1", marketplace="kaspi", base_url="http://127.0.0.1:9")
        warehouse = Warehouse(code="MAIN", name="Main")
        product = Product(sku="SKU-1", name_uk="Чайник")
        session.add_all([shop, warehouse, product])
        session.flush()
        order = Order(shop_id=shop.id, external_id="k1", number="1001", status=status,
                      external_status=external_status, total=Decimal("100"), currency="KZT",
                      placed_at=datetime(2024, 5, 1, tzinfo=UTC))
        line = OrderLine(external_id="k1-1", product_id=product.id, sku="SKU-1", quantity=2)
        order.lines = [line]
        session.add(order)
        session.flush()
        session.add(Reservation(line_id=line.id, product_id=product.id, warehouse_id=warehouse.id, quantity=2))
        return order.id


def test_status_change_writes_history_and_outbox_in_the_callers_transaction(database: Database) -> None:
    order_id = _kaspi_order(database)
    with pytest.raises(RuntimeError), database.session() as session:
        set_order_status(session, session.get(Order, order_id), "accepted", "anna")
        raise RuntimeError("the caller's transaction fails after the change")
    with database.session() as session:
        assert session.get(Order, order_id).status == "new"
        assert session.scalars(select(OutboxMessage)).all() == []
        assert session.scalars(select(OrderStatusChange)).all() == []
    with database.session() as session:
        request = set_order_status(session, session.get(Order, order_id), "accepted", "anna", comment="called")
    assert request.changed
    with database.session() as session:
        order = session.get(Order, order_id)
        assert order.status == "accepted"
        [change] = order.history
        assert (change.from_status, change.to_status, change.source, change.actor) == (
            "new", "accepted", "accounting", "anna")
        [message] = session.scalars(select(OutboxMessage)).all()
        assert message.id == request.message_ids[0]
        assert (message.kind, message.state) == ("order_status", "pending")
        assert message.payload["order_id"] == order_id and message.payload["status"] == "accepted"


def test_completing_on_kaspi_first_asks_for_the_code_then_sends_it(database: Database) -> None:
    order_id = _kaspi_order(database, status="accepted", external_status="ACCEPTED_BY_MERCHANT")
    with database.session() as session:
        first = set_order_status(session, session.get(Order, order_id), "completed", "anna")
    assert first.awaiting_code and not first.changed
    with database.session() as session:
        assert session.get(Order, order_id).status == "accepted"
        [ask] = session.scalars(select(OutboxMessage)).all()
        assert ask.payload["step"] == STEP_SEND_CODE and "security_code" not in ask.payload
    with database.session() as session:
        second = set_order_status(session, session.get(Order, order_id), "completed", "anna", code="4321")
    assert second.changed
    with database.session() as session:
        assert session.get(Order, order_id).status == "completed"
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.payload.get("security_code") for m in messages] == [None, "4321"]


def test_cancelling_releases_reservations_and_checks_the_reason(database: Database) -> None:
    order_id = _kaspi_order(database)
    with pytest.raises(ValidationError, match="no cancellation reason 'FELT_LIKE_IT'"), database.session() as session:
        set_order_status(session, session.get(Order, order_id), "cancelled", "anna", reason="FELT_LIKE_IT")
    with database.session() as session:
        set_order_status(session, session.get(Order, order_id), "cancelled", "anna", reason="BUYER_NOT_REACHABLE",
                         comment="no answer twice")
    with database.session() as session:
        assert [r.state for r in session.scalars(select(Reservation))] == ["released"]
        [message] = session.scalars(select(OutboxMessage)).all()
        assert (message.payload["reason"], message.payload["comment"]) == ("BUYER_NOT_REACHABLE", "no answer twice")
        assert session.get(Order, order_id).history[0].note == "reason: BUYER_NOT_REACHABLE; no answer twice"


def test_setting_the_current_status_again_queues_nothing(database: Database) -> None:
    order_id = _kaspi_order(database)
    with database.session() as session:
        request = set_order_status(session, session.get(Order, order_id), "new", "anna")
    assert not request.changed and request.message_ids == ()
    with pytest.raises(ValidationError, match="unknown status"), database.session() as session:
        set_order_status(session, session.get(Order, order_id), "lost", "anna")
