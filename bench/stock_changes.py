"""What the automatic outbox of stock and prices costs an ORM transaction: N products listed in a Prom
shop (and in a Kaspi shop, which takes no pushes), one transaction changing the stock of ``changed`` of
them (plain ORM code), timed from the first change to the end of the commit — which writes one
``stock`` outbox message per product. Also timed: the same with no shop taking pushes (the hook's
quick exit), and a transaction that creates products with stock (left out by the hook).

    .venv/bin/python bench/stock_changes.py [--products 5000] [--database URL]

Prints seconds per scenario and the outbox messages written. Default: a temporary SQLite database.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import func, select, update

from erpsync.models import Listing, OutboxMessage, Product, ProductPrice, Shop, StockLevel, Warehouse
from erpsync.models.db import Database, upgrade
from erpsync.sync.shops import add_shop


def setup(database: Database, products: int) -> None:
    key = Fernet.generate_key().decode()
    with database.session() as session:
        shops = [add_shop(session, name=name, marketplace=marketplace, secret_key=key,
                          base_url="http://127.0.0.1:9", credentials={"token": "t"})
                 for name, marketplace in (("bench-prom", "prom"), ("bench-kaspi", "kaspi"))]
        warehouse = Warehouse(code="MAIN", name="Main")
        session.add(warehouse)
        session.flush()
        rows = [Product(sku=f"B-{n:06d}", name_uk=f"Bench {n}") for n in range(products)]
        session.add_all(rows)
        session.flush()
        session.add_all(StockLevel(product_id=p.id, warehouse_id=warehouse.id, quantity=5) for p in rows)
        session.add_all(ProductPrice(product_id=p.id, price_type="retail", amount=Decimal(100)) for p in rows)
        session.add_all(Listing(shop_id=s.id, product_id=p.id, state="active") for s in shops for p in rows)


def change_stock(database: Database, count: int, quantity: int) -> float:
    started = time.perf_counter()
    with database.session() as session:
        levels = session.scalars(select(StockLevel).order_by(StockLevel.id).limit(count)).all()
        for level in levels:
            level.quantity = quantity
    return time.perf_counter() - started


def create_products(database: Database, count: int) -> float:
    started = time.perf_counter()
    with database.session() as session:
        warehouse_id = session.scalar(select(Warehouse.id))
        for n in range(count):
            product = Product(sku=f"NEW-{n:06d}", name_uk=f"New {n}")
            product.stock.append(StockLevel(warehouse_id=warehouse_id, quantity=3))
            product.prices.append(ProductPrice(price_type="retail", amount=Decimal(50)))
            session.add(product)
    return time.perf_counter() - started


def messages(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--database", help="a fresh, empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp(prefix='erpsync-bench-')) / 'bench.db'}"
    upgrade(url)
    database = Database(url)
    setup(database, args.products)
    n = args.products
    print(f"{'transaction':<52} {'seconds':>8} {'messages':>9}")
    for label, run in (
        (f"change stock of {n} listed products", lambda: change_stock(database, n, 7)),
        ("change them again (pending messages coalesce)", lambda: change_stock(database, n, 8)),
        ("change stock of 100 products", lambda: change_stock(database, 100, 9)),
    ):
        before = messages(database)
        seconds = run()
        print(f"{label:<52} {seconds:>8.2f} {messages(database) - before:>9}")
    with database.session() as session:
        session.execute(update(Shop).values(enabled=False))
    before = messages(database)
    seconds = change_stock(database, n, 10)
    print(f"{f'change stock of {n}, no shop taking pushes':<52} {seconds:>8.2f} {messages(database) - before:>9}")
    before = messages(database)
    seconds = create_products(database, n)
    print(f"{f'create {n} products with stock and a price':<52} {seconds:>8.2f} {messages(database) - before:>9}")
    database.dispose()


if __name__ == "__main__":
    main()
