"""The order pipeline of issue 5 (import, statuses out, waybills out) runs unchanged for Prom.ua, Satu.kz
and Rozetka: against each marketplace's sandbox over HTTP, with the mappings of the repository."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from erpsync.core.config import Settings
from erpsync.jobs.runner import JobOutcome, run_inline
from erpsync.models import Order, OrderStatusChange, OutboxMessage, Product, StockLevel, Warehouse, Waybill
from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from erpsync.sandbox.rozetka import RozetkaSandbox
from erpsync.sync.order_import import ImportReport, import_orders
from erpsync.sync.order_status import set_order_status
from erpsync.sync.shops import add_shop
from erpsync.sync.waybills import save_waybill

PROM_TOKEN = "prom-pipeline-token"
ROZETKA_LOGIN = {"username": "pipeline-seller", "password": "pipeline-pass"}
SHOP = "shop"


@dataclass
class Marketplace:
    """One marketplace of the test: its sandbox, the shop's credentials, a line to order, and how to
    read the sandbox's state of an order."""

    name: str
    sandbox: Any
    credentials: dict[str, str]
    sku: str  # our product's SKU, as the marketplace's order line carries it
    line: tuple[Any, int]  # the sandbox's line spec for one unit of it

    def status(self, external_id: str) -> str:
        order = self.sandbox.order(external_id)
        return str(order["status"])

    def waybill(self, external_id: str) -> str | None:
        order = self.sandbox.order(external_id)
        if self.name == "rozetka":
            return order.get("ttn") or None
        return order["delivery_provider_data"].get("declaration_number")


@contextmanager
def marketplace(name: str) -> Iterator[Marketplace]:
    if name == "rozetka":
        with RozetkaSandbox(credentials=ROZETKA_LOGIN, orders=0, random_seed=5) as rozetka:
            yield Marketplace(name, rozetka, dict(ROZETKA_LOGIN), "7372", (344560030, 1))
    else:
        with PromSandbox(credentials={"token": PROM_TOKEN}, orders=0, random_seed=5, marketplace=name) as prom:
            yield Marketplace(name, prom, {"token": PROM_TOKEN}, "SKU-001", ("SKU-001", 1))


@pytest.fixture(params=["prom", "satu", "rozetka"])
def market(request: pytest.FixtureRequest, database: Database, secret_key: str) -> Iterator[Marketplace]:
    with marketplace(request.param) as market:
        with database.session() as session:
            warehouse = Warehouse(code="MAIN", name="Main")
            session.add(warehouse)
            product = Product(sku=market.sku, name_uk=market.sku)
            session.add(product)
            session.flush()
            session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=10))
            add_shop(session, name=SHOP, marketplace=market.name, secret_key=secret_key,
                     base_url=market.sandbox.base_url, credentials=market.credentials,
                     settings={"warehouses": ["MAIN"], "auto_accept": True})
        yield market


def _import(database: Database, config: Settings, now: datetime | None = None) -> ImportReport:
    return import_orders(database, SHOP, secret_key=config.require_secret_key(), mappings_dir=config.mappings_dir,
                         now=now or datetime.now(UTC))


def _push(database: Database, config: Settings, kind: str) -> JobOutcome:
    with database.session() as session:
        shop_id = session.scalar(select(Order.shop_id).limit(1))
    return run_inline("deliver_outbox", shop_id, {"kind": kind}, database=database, config=config)


def _order(database: Database, external_id: str) -> Order:
    with database.session() as session:
        order = session.scalar(select(Order).where(Order.external_id == external_id))
        assert order is not None
        session.expunge(order)
        return order


def _set(database: Database, config: Settings, external_id: str, status: str, **options: Any) -> None:
    with database.session() as session:
        order = session.scalar(select(Order).where(Order.external_id == external_id))
        set_order_status(session, order, status, "anna", mappings_dir=config.mappings_dir, **options)


def _history(database: Database) -> list[tuple[str, str | None, str, str]]:
    with database.session() as session:
        return [(h.order.external_id, h.from_status, h.to_status, h.source) for h in session.scalars(
            select(OrderStatusChange).order_by(OrderStatusChange.id))]


ACCEPTED = {"prom": "received", "satu": "received", "rozetka": "26"}
CANCELLED = {"prom": "canceled", "satu": "canceled", "rozetka": "42"}


def test_orders_come_in_are_accepted_cancelled_and_shipped_through_the_shared_use_cases(
    database: Database, worker_config: Settings, market: Marketplace
) -> None:
    kept = market.sandbox.add_order(lines=[market.line])
    dropped = market.sandbox.add_order(lines=[market.line])
    report = _import(database, worker_config)
    assert (report.counts.created, report.counts.failed) == (2, 0)

    # auto_accept: the import asked the mapping what "accepted" is on this marketplace and queued it
    assert _push(database, worker_config, "order_status").status == "success"
    assert {market.status(kept), market.status(dropped)} == {ACCEPTED[market.name]}
    assert _order(database, kept).status == "accepted" and _order(database, kept).external_status == ACCEPTED[
        market.name]

    # a cancellation with the marketplace's reason (Prom: cancellation_reason + text; Rozetka: its status)
    options = {"reason": "another", "comment": "Покупець знайшов дешевше"} if market.name != "rozetka" else {}
    _set(database, worker_config, dropped, "cancelled", **options)
    assert _push(database, worker_config, "order_status").status == "success"
    assert market.status(dropped) == CANCELLED[market.name]
    if market.name != "rozetka":
        assert market.sandbox.order(dropped)["cancellation"]["reason"] == "another"
        assert market.sandbox.order(dropped)["cancellation"]["title"] == "Покупець знайшов дешевше"

    # a waybill, pushed when the order is shipped, once
    with database.session() as session:
        order = session.scalar(select(Order).where(Order.external_id == kept))
        save_waybill(session, order, "20450099887766", carrier="nova_poshta", mappings_dir=worker_config.mappings_dir)
    _set(database, worker_config, kept, "shipped")
    for kind in ("order_status", "waybill", "waybill"):
        assert _push(database, worker_config, kind).status in ("success", "skipped")
    assert market.waybill(kept) == "20450099887766"
    if market.name == "rozetka":
        assert market.status(kept) == "61"  # the TTN goes with "Заплановано передачу перевізникові"
    with database.session() as session:
        [waybill] = session.scalars(select(Waybill)).all()
        assert waybill.pushed_at is not None
        assert {m.state for m in session.scalars(select(OutboxMessage))} == {"done"}

    # reading back what we set changes no accounting status (Rozetka's 61, set with the TTN, is noted as
    # the marketplace's own change of a shipped order)
    history = _history(database)
    later = _import(database, worker_config, datetime.now(UTC) + timedelta(minutes=11))
    assert later.counts.failed == 0
    assert [row for row in _history(database)[len(history):] if row[1] != row[2]] == []
    assert (_order(database, kept).status, _order(database, dropped).status) == ("shipped", "cancelled")
