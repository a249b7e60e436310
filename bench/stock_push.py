"""Benchmark: how fast stock and prices of a shop's listings reach a marketplace — the stock/price push
use case (feeds' rules, changed-only, batches) against the Prom sandbox over HTTP, on a temporary
SQLite database (or ``--database``).

    .venv/bin/python bench/stock_push.py [--products 5000] [--changed 50] [--rate-limit] [--database URL]

Prints, for the first push (every listing), a push after ``--changed`` stock levels changed, and a
push with nothing changed: seconds, listings/s and the requests sent. ``--rate-limit`` keeps Prom's
production limit (5 requests/s; a batch is 100 listings).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import insert, select, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from erpsync.marketplaces.base import ShopConfig  # noqa: E402
from erpsync.marketplaces.prom import PromConnector  # noqa: E402
from erpsync.models import Listing, Product, ProductPrice, StockLevel, Warehouse  # noqa: E402
from erpsync.models.db import Database, upgrade  # noqa: E402
from erpsync.sandbox.prom import PromSandbox  # noqa: E402
from erpsync.sync.push_stock_prices import PushReport, push_stock_prices  # noqa: E402
from erpsync.sync.shops import add_shop  # noqa: E402

TOKEN = "bench-token"
EDIT = "/api/v1/products/edit_by_external_id"


def seed(database: Database, secret_key: str, base_url: str, products: int) -> tuple[int, list[int]]:
    """A shop on the sandbox and ``products`` listed products with a price and stock in one warehouse."""
    with database.session() as session:
        shop_id = add_shop(session, name="bench-prom", marketplace="prom", secret_key=secret_key,
                           base_url=base_url, credentials={"token": TOKEN}).id
        warehouse = Warehouse(code="MAIN", name="Склад")
        session.add(warehouse)
        session.flush()
        session.execute(insert(Product), [{"sku": f"SKU-{i:06d}", "name_uk": f"Товар {i}", "brand": "Acme"}
                                          for i in range(products)])
        ids = list(session.scalars(select(Product.id).order_by(Product.id)))
        session.execute(insert(ProductPrice), [{"product_id": pid, "price_type": "retail",
                                                "amount": Decimal(100 + i % 900)} for i, pid in enumerate(ids)])
        session.execute(insert(StockLevel), [{"product_id": pid, "warehouse_id": warehouse.id, "quantity": 1 + i % 20}
                                             for i, pid in enumerate(ids)])
        session.execute(insert(Listing), [{"shop_id": shop_id, "product_id": pid, "state": "active",
                                           "external_id": f"SKU-{i:06d}"} for i, pid in enumerate(ids)])
    return shop_id, ids


def timed(label: str, database: Database, secret_key: str, sandbox: PromSandbox, rate_limit: bool) -> PushReport:
    sandbox.clear_requests()
    shop = ShopConfig("bench-prom", "prom", sandbox.base_url, {"token": TOKEN})
    with PromConnector(shop, rate_limit=rate_limit) as connector:
        started = time.perf_counter()
        report = push_stock_prices(database, "bench-prom", secret_key=secret_key, connector=connector)
        elapsed = time.perf_counter() - started
    requests = len(sandbox.mutating_requests(EDIT))
    considered = report.counts.fetched
    print(f"{label:<22} {elapsed:7.2f} s  {considered / elapsed:8.0f} listings/s considered  "
          f"{len(report.pushed):6d} pushed  {requests:4d} requests")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=50)
    parser.add_argument("--rate-limit", action="store_true")
    parser.add_argument("--database", help="ERPSYNC_DATABASE_URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp(prefix='erpsync-bench-')) / 'bench.db'}"
    upgrade(url)
    database = Database(url)
    secret_key = Fernet.generate_key().decode()
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as sandbox:
        _, ids = seed(database, secret_key, sandbox.base_url, args.products)
        for i in range(args.products):
            sandbox.add_product(f"SKU-{i:06d}")
        print(f"{args.products} listed products, Prom sandbox, rate limit {'on' if args.rate_limit else 'off'}")
        first = timed("first push (all)", database, secret_key, sandbox, args.rate_limit)
        assert len(first.pushed) == args.products, (first.status, first.counts)
        step = max(1, len(ids) // max(1, args.changed))
        changed = ids[::step][:args.changed]
        with database.session() as session:
            session.execute(update(StockLevel).where(StockLevel.product_id.in_(changed)).values(quantity=0))
        second = timed(f"{len(changed)} stock changes", database, secret_key, sandbox, args.rate_limit)
        assert len(second.pushed) == len(changed), (second.status, second.counts)
        third = timed("nothing changed", database, secret_key, sandbox, args.rate_limit)
        assert not third.pushed, (third.status, third.counts)


if __name__ == "__main__":
    main()
