"""Order sync fixtures (a pytest plugin, see tests/conftest.py): the Kaspi sandbox on an ephemeral port,
and a Kaspi shop pointed at it with a small catalog whose SKUs are the sandbox's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erpsync.core.config import Settings
from erpsync.jobs.runner import JobOutcome, run_inline
from erpsync.models import Order, OrderLine, OrderStatusChange, Product, Reservation, Shop, StockLevel, Warehouse
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.order_import import ImportReport, import_orders
from erpsync.sync.shops import add_shop

KASPI_TOKEN = "kz-orders-token-2024"
SHOP = "kz"
# SKU → units on hand in the shop's warehouse (the sandbox's catalog has these SKUs).
STOCK = {"NB-A5-48": 10, "BL-PH-700": 1, "DVR-70-A800": 0}


@pytest.fixture
def kaspi() -> Iterator[KaspiSandbox]:
    """An empty Kaspi sandbox: each test adds the orders it needs."""
    with KaspiSandbox(credentials={"token": KASPI_TOKEN}, orders=0, random_seed=11) as server:
        yield server


def make_kaspi_shop(database: Database, secret_key: str, sandbox: KaspiSandbox, **settings: object) -> None:
    """The shop ``kz`` on the sandbox, a warehouse MAIN and the products of ``STOCK`` (a short lookback keeps
    the number of Kaspi listing requests, and so the tests, small)."""
    with database.session() as session:
        warehouse = Warehouse(code="MAIN", name="Main")
        session.add(warehouse)
        session.add(Warehouse(code="OTHER", name="Not this shop's"))
        session.flush()
        for sku, quantity in STOCK.items():
            product = Product(sku=sku, name_uk=sku)
            session.add(product)
            session.flush()
            session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=quantity))
        add_shop(session, name=SHOP, marketplace="kaspi", secret_key=secret_key, base_url=sandbox.base_url,
                 credentials={"token": KASPI_TOKEN},
                 settings={"warehouses": ["MAIN"], "order_lookback_days": 2, **settings})


def run_import(database: Database, secret_key: str, now: datetime | None = None) -> ImportReport:
    return import_orders(database, SHOP, secret_key=secret_key, now=now or datetime.now(UTC))


def snapshot(database: Database) -> dict[str, object]:
    """Everything an import writes, to compare two states."""
    with database.session() as session:
        return {
            "orders": sorted(session.execute(select(Order.external_id, Order.status, Order.external_status,
                                                    Order.updated_at, Order.customer_id)).all()),
            "lines": session.scalar(select(func.count()).select_from(OrderLine)),
            "history": session.scalar(select(func.count()).select_from(OrderStatusChange)),
            "reservations": sorted(session.execute(select(Reservation.line_id, Reservation.quantity,
                                                          Reservation.state)).all()),
        }


def reserved(database: Database, sku: str) -> int:
    with database.session() as session:
        return session.scalar(
            select(func.coalesce(func.sum(Reservation.quantity), 0)).join(Product, Product.id == Reservation.product_id)
            .where(Product.sku == sku, Reservation.state == "active")
        ) or 0


MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


@pytest.fixture
def worker_config(database: Database, secret_key: str, tmp_path: Path) -> Settings:
    """What a worker (or ``erpsync sync push``) runs with: the test database, no Redis."""
    return Settings(database_url=database.url, redis_url=None, mappings_dir=MAPPINGS, feed_dir=tmp_path / "feeds",
                    secret_key=secret_key)


def push(database: Database, config: Settings, kind: str = "order_status") -> JobOutcome:
    """Deliver the shop's due messages of ``kind`` here, as ``erpsync sync push`` does."""
    with database.session() as session:
        shop_id = session.scalar(select(Shop.id).where(Shop.name == SHOP))
    return run_inline("deliver_outbox", shop_id, {"kind": kind}, database=database, config=config)
