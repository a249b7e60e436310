"""Rows for the panel's tests and screenshots: users, shops, orders with everything around them, the log."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from erpsync.models import (
    Customer,
    Order,
    OrderLine,
    OrderStatusChange,
    OutboxMessage,
    Product,
    Reservation,
    Shop,
    SyncEvent,
    SyncRun,
    User,
    Warehouse,
    Waybill,
    utcnow,
)
from erpsync.models.db import Database
from erpsync.sync.order_queries import order_outbox_key
from erpsync.sync.shops import add_shop
from erpsync.sync.users import hash_password

PASSWORD = "a long enough password"


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # scrypt is slow on purpose: hash once for the whole test session


def make_users(database: Database) -> None:
    """``boss`` (admin) and ``anna`` (accountant), both with ``PASSWORD``."""
    with database.session() as session:
        session.add_all([
            User(username="boss", password_hash=_password_hash(), role="admin", language="en"),
            User(username="anna", password_hash=_password_hash(), role="accountant", language="en"),
        ])


def make_shop(database: Database, secret_key: str, name: str = "kz-main", marketplace: str = "kaspi",
              credentials: dict[str, str] | None = None, **settings: Any) -> int:
    with database.session() as session:
        shop = add_shop(session, name=name, marketplace=marketplace, secret_key=secret_key,
                        credentials=credentials or {}, settings=settings)
        return shop.id


@dataclass(frozen=True)
class OrderRows:
    order_id: int
    external_id: str


def make_order(
    database: Database,
    shop_id: int,
    number: str,
    *,
    placed_at: datetime | None = None,
    status: str = "new",
    unmatched: bool = False,
    failed_push: str | None = None,
    payload: dict[str, Any] | None = None,
    customer: tuple[str, str, str] = ("Айгуль Сапарова", "+77011234567", "Алматы"),
    total: Decimal = Decimal("25990"),
    currency: str = "KZT",
) -> OrderRows:
    """An order with a matched line (reserved in warehouse MAIN), optionally an unmatched line, a waybill,
    two status changes, and optionally a push that failed for good with ``failed_push`` as its error."""
    placed_at = placed_at or utcnow()
    with database.session() as session:
        warehouse = session.query(Warehouse).filter_by(code="MAIN").one_or_none()
        if warehouse is None:
            warehouse = Warehouse(code="MAIN", name="Main warehouse")
            session.add(warehouse)
        product = session.query(Product).filter_by(sku="KETTLE-1").one_or_none()
        if product is None:
            product = Product(sku="KETTLE-1", name_uk="Чайник електричний", unit="шт")
            session.add(product)
        name, phone, city = customer
        buyer = Customer(full_name=name, phone=phone, email="buyer@example.com", city=city)
        order = Order(
            shop_id=shop_id, external_id=f"ext-{number}", number=number, status=status,
            external_status="ACCEPTED_BY_MERCHANT", customer=buyer, recipient_name=name,
            recipient_phone=phone, delivery_method="courier", delivery_method_external="DELIVERY_LOCAL",
            delivery_address=f"{city}, пр. Абая 10, кв. 5", payment_method="card", is_paid=True,
            total=total, currency=currency, placed_at=placed_at,
            raw_payload=payload or {"id": f"ext-{number}", "attributes": {"code": number, "totalPrice": int(total)}},
        )
        session.add(order)
        session.flush()
        line = OrderLine(order=order, external_id=f"{number}-1", product_id=product.id, sku="KETTLE-1",
                         name="Чайник електричний", quantity=1, price=total, total=total)
        session.add(line)
        if unmatched:
            session.add(OrderLine(order=order, external_id=f"{number}-2", sku="UNKNOWN-SKU", name="Невідомий товар",
                                  quantity=2, price=Decimal("0"), total=Decimal("0"), is_unmatched=True))
        session.flush()
        session.add(Reservation(line_id=line.id, product_id=product.id, warehouse_id=warehouse.id, quantity=1,
                                until=placed_at + timedelta(days=3)))
        session.add(Waybill(order=order, carrier="kaspi", number=f"WB-{number}"))
        session.add_all([
            OrderStatusChange(order=order, from_status=None, to_status="new", external_status="APPROVED_BY_BANK",
                              source="marketplace", changed_at=placed_at),
            OrderStatusChange(order=order, from_status="new", to_status=status,
                              external_status="ACCEPTED_BY_MERCHANT", source="accounting", actor="anna",
                              changed_at=placed_at + timedelta(minutes=5)),
        ])
        if failed_push:
            session.add(OutboxMessage(shop_id=shop_id, kind="status", dedupe_key=order_outbox_key(order.id, "status"),
                                      payload={"order_id": order.id, "status": "accepted"}, state="failed",
                                      attempts=8, last_error=failed_push))
        return OrderRows(order.id, order.external_id)


def make_run(database: Database, shop_id: int | None, *, kind: str = "orders", status: str = "success",
             started_at: datetime | None = None, failed: int = 0, message: str | None = None,
             events: list[tuple[str, str, dict[str, Any] | None]] = ()) -> int:
    """A finished run with ``events`` as (level, message, payload)."""
    started_at = started_at or utcnow()
    with database.session() as session:
        run = SyncRun(shop_id=shop_id, kind=kind, status=status, started_at=started_at,
                      finished_at=started_at + timedelta(seconds=4), fetched=3, created=2, updated=1,
                      failed=failed, message=message)
        session.add(run)
        session.flush()
        for number, (level, text, payload) in enumerate(events, start=1):
            session.add(SyncEvent(run_id=run.id, shop_id=shop_id, kind=kind, level=level, message=text,
                                  payload=payload, entity_type="order" if payload else None,
                                  entity_id=f"ext-{number}" if payload else None,
                                  created_at=started_at + timedelta(seconds=number)))
        return run.id


def shop_row(database: Database, name: str) -> Shop:
    with database.session() as session:
        return session.query(Shop).filter_by(name=name).one()
