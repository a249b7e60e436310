"""Buyers: phone numbers normalized to E.164 (the marketplace's country as the default), matched by phone then
e-mail, updated when they change; a recipient who is not the buyer is kept on the order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from erpsync.marketplaces import base as mp
from erpsync.models import Customer, Order, Shop
from erpsync.models.db import Database
from erpsync.sync.customers import normalize_phone
from erpsync.sync.order_store import ShopContext, save_order
from tests.sync.order_fixtures import MAPPINGS


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("87071234567", "KZ", "+77071234567"),
    ("7071234567", "KZ", "+77071234567"),  # Kaspi sends the ten national digits
    ("+7 (707) 123-45-67", "KZ", "+77071234567"),
    ("0671234567", "UA", "+380671234567"),
    ("380671234567", "UA", "+380671234567"),
    ("+49 30 1234567", "UA", "+49301234567"),
    ("call me", "KZ", None),
    ("", "KZ", None),
])
def test_phone_numbers_are_normalized_to_e164(raw: str, region: str, expected: str | None) -> None:
    assert normalize_phone(raw, region) == expected


def _order(external_id: str, customer: mp.Customer, recipient: mp.Customer | None = None,
           address: str | None = None) -> mp.Order:
    return mp.Order(external_id=external_id, number=external_id, status="APPROVED_BY_BANK",
                    created_at=datetime(2024, 5, 1, tzinfo=UTC), total=Decimal("10"), currency="KZT",
                    customer=customer, recipient=recipient,
                    delivery_address=mp.Address(formatted=address, city="Алматы") if address else None,
                    raw={"id": external_id, "address": address})


def _save(database: Database, order: mp.Order) -> int:
    with database.session() as session:
        shop = session.scalar(select(Shop).where(Shop.name == "kz"))
        if shop is None:
            shop = Shop(name="kz", marketplace="kaspi", base_url="http://127.0.0.1:9")
            session.add(shop)
            session.flush()
        result = save_order(session, ShopContext.load(session, shop, MAPPINGS), order, datetime.now(UTC))
        assert result.order_id is not None
        return result.order_id


def test_buyers_are_matched_by_phone_then_email_and_kept_up_to_date(database: Database) -> None:
    _save(database, _order("o1", mp.Customer(full_name="Дина Нурланова", phone="87029876543"), address="ул. Абая, 1"))
    _save(database, _order("o2", mp.Customer(full_name="Дина  Нурланова-Ким", phone="+7 702 987 65 43",
                                             email="Dina@Example.kz"), address="ул. Абая, 5"))
    third = _save(database, _order("o3", mp.Customer(full_name="Дина Н.", email="dina@example.kz"),
                                   recipient=mp.Customer(full_name="Асель Жумабаева", phone="7475551212")))
    with database.session() as session:
        [customer] = session.scalars(select(Customer)).all()
        assert (customer.phone, customer.email) == ("+77029876543", "dina@example.kz")
        assert (customer.full_name, customer.delivery_address) == ("Дина Н.", "ул. Абая, 5")
        order = session.get(Order, third)
        assert order.customer_id == customer.id
        assert (order.recipient_name, order.recipient_phone) == ("Асель Жумабаева", "+77475551212")
