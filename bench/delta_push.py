"""Benchmark: a stock/price push after 1 % of a large catalog changed sends exactly the changed listings.

    .venv/bin/python bench/delta_push.py [--listings 100000] [--changed-share 0.01] [--sqlite] [--postgresql]
                                         [--pg-server postgresql+psycopg://postgres@127.0.0.1:5432]

For each database (a temporary SQLite file; a PostgreSQL database ``erpsync_bench_delta`` created on the
server and dropped at the end): ``--listings`` listed products are pushed once in full to the Prom sandbox
over HTTP (the push remembers a hash of what each listing got). Then ``--changed-share`` of them change —
half their stock, half their price — and as many other rows are written again with the same values (a
write that changes nothing must send nothing). The next push is timed, and the items the sandbox received
are compared with the changed SKUs: the set must be the same. A last push with nothing changed must send
nothing. Prints a table; exits non-zero when a push sent anything else than the changed listings.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stock_push import EDIT, TOKEN, seed  # noqa: E402
from erpsync.marketplaces.base import ShopConfig  # noqa: E402
from erpsync.marketplaces.prom import PromConnector  # noqa: E402
from erpsync.models import Product, ProductPrice, StockLevel  # noqa: E402
from erpsync.models.db import Database, upgrade  # noqa: E402
from erpsync.sandbox.prom import PromSandbox  # noqa: E402
from erpsync.sync.push_stock_prices import push_stock_prices  # noqa: E402

PG_DB = "erpsync_bench_delta"


def pushed_items(sandbox: PromSandbox) -> list[str]:
    """The SKUs (Prom's external ids) of every item the sandbox received since it was last cleared."""
    items = []
    for request in sandbox.mutating_requests(EDIT):
        items += [str(item["id"]) for item in request.json() or []]
    return items


def push(database: Database, secret_key: str, sandbox: PromSandbox) -> tuple[float, list[str], int]:
    sandbox.clear_requests()
    shop = ShopConfig("bench-prom", "prom", sandbox.base_url, {"token": TOKEN})
    with PromConnector(shop, rate_limit=False) as connector:
        started = time.perf_counter()
        report = push_stock_prices(database, "bench-prom", secret_key=secret_key, connector=connector)
        elapsed = time.perf_counter() - started
    assert report.status == "success", (report.status, report.message, report.counts)
    return elapsed, pushed_items(sandbox), len(sandbox.mutating_requests(EDIT))


def change(database: Database, ids: list[int], share: float) -> set[str]:
    """Change ``share`` of the products (every other one: stock, else price) and rewrite as many others with
    their own values; the SKUs whose push must change."""
    count = max(1, round(len(ids) * share))
    step = max(1, len(ids) // count)
    changed = ids[::step][:count]
    same = ids[step // 2 :: step][:count]
    stock_ids, price_ids = changed[::2], changed[1::2]
    with database.session() as session:
        session.execute(update(StockLevel).where(StockLevel.product_id.in_(stock_ids))
                        .values(quantity=StockLevel.quantity + 7))
        session.execute(update(ProductPrice).where(ProductPrice.product_id.in_(price_ids))
                        .values(amount=ProductPrice.amount + Decimal("0.50")))
        session.execute(update(StockLevel).where(StockLevel.product_id.in_(same)).values(quantity=StockLevel.quantity))
        session.execute(update(ProductPrice).where(ProductPrice.product_id.in_(same)).values(amount=ProductPrice.amount))
        return set(session.scalars(select(Product.sku).where(Product.id.in_(changed))))


def run(label: str, url: str, listings: int, share: float) -> tuple[str, int, int, int, float, int, float, int]:
    upgrade(url)
    database = Database(url)
    secret_key = Fernet.generate_key().decode()
    try:
        with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as sandbox:
            _shop_id, ids = seed(database, secret_key, sandbox.base_url, listings)
            with sandbox.lock:
                for i in range(listings):
                    sandbox.prom.add_product(f"SKU-{i:06d}")
            full_seconds, full_items, _ = push(database, secret_key, sandbox)
            assert len(full_items) == listings, len(full_items)
            expected = change(database, ids, share)
            delta_seconds, delta_items, requests = push(database, secret_key, sandbox)
            if sorted(delta_items) != sorted(expected):
                extra, missing = set(delta_items) - expected, expected - set(delta_items)
                raise SystemExit(f"{label}: the push sent {len(delta_items)} items for {len(expected)} changed "
                                 f"({len(extra)} not changed, {len(missing)} changed but not sent)")
            _, idle_items, _ = push(database, secret_key, sandbox)
            if idle_items:
                raise SystemExit(f"{label}: a push with nothing changed sent {len(idle_items)} items")
    finally:
        database.dispose()
    return label, listings, len(expected), len(delta_items), delta_seconds, requests, full_seconds, len(idle_items)


def postgres_url(server: str) -> tuple[str, object]:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    return f"{server}/{PG_DB}", admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--changed-share", type=float, default=0.01)
    parser.add_argument("--sqlite", action="store_true", help="only SQLite (default: both)")
    parser.add_argument("--postgresql", action="store_true", help="only PostgreSQL (default: both)")
    parser.add_argument("--pg-server", default=os.environ.get("ERPSYNC_TEST_PG_URL",
                                                              "postgresql+psycopg://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    both = not (args.sqlite or args.postgresql)
    rows = []
    if both or args.sqlite:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='erpsync-bench-')) / 'delta.db'}"
        rows.append(run("SQLite", url, args.listings, args.changed_share))
    if both or args.postgresql:
        url, admin = postgres_url(args.pg_server)
        try:
            rows.append(run("PostgreSQL", url, args.listings, args.changed_share))
        finally:
            with admin.connect() as connection:  # type: ignore[attr-defined]
                connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            admin.dispose()  # type: ignore[attr-defined]
    print(f"\nProm sandbox over HTTP, batches of 100, changed share {args.changed_share:.1%} (half stock, half price),"
          f" as many rows rewritten unchanged; cores: {os.cpu_count()}, load: {os.getloadavg()[0]:.2f}")
    print(f"{'database':<11} {'listings':>9} {'changed':>8} {'sent':>6} {'delta push s':>13} {'requests':>9} "
          f"{'items/s considered':>19} {'full push s':>12} {'idle sent':>10}")
    for label, listings, changed, sent, seconds, requests, full_seconds, idle in rows:
        print(f"{label:<11} {listings:>9,} {changed:>8,} {sent:>6,} {seconds:>13.2f} {requests:>9,} "
              f"{listings / seconds:>19,.0f} {full_seconds:>12.2f} {idle:>10}")


if __name__ == "__main__":
    main()
