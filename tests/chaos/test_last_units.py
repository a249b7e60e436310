"""Two shops import at the same moment orders that want the same last units of one warehouse (on
PostgreSQL, each import on its own connection): the stock is never reserved below zero, and what could
not be reserved is flagged on the order lines. (One shop racing itself is in tests/sync/test_order_import.py.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erpsync.models import Order, OrderLine, Product, Reservation, StockLevel, Warehouse
from erpsync.models.db import Database
from erpsync.models.sales import RESERVATION_ACTIVE
from erpsync.sandbox.prom import PromSandbox
from erpsync.sync.order_import import import_orders
from erpsync.sync.shops import add_shop

pytestmark = pytest.mark.postgres

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
TOKEN = "last-units-token"
LAST_UNITS = {"KETTLE-1": 3, "LAMP-2": 3}


@pytest.fixture
def two_shops(pg_database: Database, secret_key: str) -> Iterator[list[str]]:
    with ExitStack() as stack:
        sandboxes = [stack.enter_context(PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=n))
                     for n in range(2)]
        with pg_database.session() as session:
            warehouse = Warehouse(code="MAIN", name="Main")
            session.add(warehouse)
            session.flush()
            for sku, units in LAST_UNITS.items():
                product = Product(sku=sku, name_uk=sku)
                session.add(product)
                session.flush()
                session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=units))
            for number, sandbox in enumerate(sandboxes):
                add_shop(session, name=f"shop-{number}", marketplace="prom", secret_key=secret_key,
                         base_url=sandbox.base_url, credentials={"token": TOKEN}, settings={"warehouses": ["MAIN"]})
        # both shops' buyers want both products, listed in opposite orders (no deadlock either way)
        for _ in range(4):
            sandboxes[0].add_order(lines=[("KETTLE-1", 1), ("LAMP-2", 1)])
            sandboxes[1].add_order(lines=[("LAMP-2", 1), ("KETTLE-1", 1)])
        yield ["shop-0", "shop-1"]


def test_two_shops_importing_at_once_never_reserve_the_last_units_twice(
    pg_database: Database, secret_key: str, two_shops: list[str]
) -> None:
    start = threading.Barrier(len(two_shops))
    failures: list[BaseException] = []

    def import_shop(name: str) -> None:
        try:
            start.wait()
            import_orders(pg_database, name, secret_key=secret_key, mappings_dir=MAPPINGS)
        except BaseException as error:  # surfaced below
            failures.append(error)

    threads = [threading.Thread(target=import_shop, args=(name,)) for name in two_shops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with pg_database.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 8
        reserved = dict(session.execute(
            select(Product.sku, func.sum(Reservation.quantity)).join(Reservation)
            .where(Reservation.state == RESERVATION_ACTIVE).group_by(Product.sku)).all())
        shortfall = dict(session.execute(
            select(OrderLine.sku, func.sum(OrderLine.reserve_shortfall)).group_by(OrderLine.sku)).all())
        flagged_lines = session.scalar(select(func.count()).select_from(OrderLine)
                                       .where(OrderLine.reserve_shortfall > 0))
    assert reserved == LAST_UNITS  # every last unit reserved once, none beyond the stock
    assert shortfall == {"KETTLE-1": 5, "LAMP-2": 5}  # the 5 units of each that could not be had are flagged
    assert flagged_lines == 10
