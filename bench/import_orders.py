"""Benchmark: order import throughput with 1, 2 and 4 workers — real ``erpsync worker`` processes on
Redis, PostgreSQL, Prom sandboxes over HTTP (no faults).

    .venv/bin/python bench/import_orders.py --database postgresql+psycopg://postgres@127.0.0.1/EMPTY_DB \\
        --redis redis://127.0.0.1:6379/13 [--orders 10000] [--workers 1,2,4]

The orders are shared out among four Prom shops (one sandbox each; an import is locked per shop, so four
shops let four workers work at once); every shop's import is enqueued and the workers run them. For each
worker count the database is emptied and the same orders are imported again. Prints a table: seconds from
enqueue to the last import done, orders/s, and the time per order — median and p95 of the gaps between
consecutive orders saved by one import (so an order's share of reading its page is in it).

``--database`` must name a database only this bench uses (it is migrated, and emptied between runs);
``--redis`` an empty Redis database (checked; flushed at the end). Uses the chaos tests' harness
(``tests/chaos/harness.py``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from redis import Redis
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from erpsync.models import Base, Order, OrderStatusChange  # noqa: E402
from erpsync.models.db import Database, upgrade  # noqa: E402
from tests.chaos.harness import build_stand, stop_stand, stop_workers  # noqa: E402

SHOPS = 4


def _empty(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _per_order_seconds(database: Database) -> list[float]:
    """Gaps between consecutive orders saved by one shop's import (an order's first history row is
    written in the transaction that saves it)."""
    with database.session() as session:
        rows = session.execute(
            select(Order.shop_id, func.min(OrderStatusChange.changed_at))
            .join(OrderStatusChange, OrderStatusChange.order_id == Order.id)
            .group_by(Order.id, Order.shop_id)).all()
    by_shop: dict[int, list] = {}
    for shop_id, saved_at in rows:
        by_shop.setdefault(shop_id, []).append(saved_at)
    gaps = []
    for moments in by_shop.values():
        moments.sort()
        gaps += [(b - a).total_seconds() for a, b in itertools.pairwise(moments)]
    return gaps


def _run(database: Database, redis_url: str, secret_key: str, orders: int, workers: int) -> tuple[float, int, list]:
    _empty(database)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        stand = build_stand(database, redis_url, secret_key, Path(folder), shops=SHOPS, orders=orders, faults=None,
                            stock=orders)
        running = stand.start_workers(workers)
        try:
            time.sleep(3)  # let the workers start (not counted)
            started = time.monotonic()
            jobs = stand.enqueue_imports()
            stand.wait_for(jobs, running, deadline=started + 3600)
            elapsed = time.monotonic() - started
        finally:
            stop_workers(running)
            stop_stand(stand)
    missing = stand.missing_orders()
    return elapsed, missing, _per_order_seconds(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL database only this bench uses")
    parser.add_argument("--redis", required=True, help="an empty Redis database, e.g. redis://127.0.0.1:6379/13")
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    redis = Redis.from_url(args.redis)
    if redis.dbsize():
        sys.exit(f"--redis {args.redis}: the database is not empty; give one nothing else uses")
    upgrade(args.database)
    database = Database(args.database)
    secret_key = Fernet.generate_key().decode()
    print(f"orders: {args.orders} in {SHOPS} Prom shops; PostgreSQL, Redis, erpsync workers; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'workers':>7} | {'seconds':>8} | {'orders/s':>8} | {'median/order':>12} | {'p95/order':>9} | missing")
    print(f"{'-' * 7}-+-{'-' * 8}-+-{'-' * 8}-+-{'-' * 12}-+-{'-' * 9}-+--------")
    try:
        for workers in (int(n) for n in args.workers.split(",")):
            elapsed, missing, gaps = _run(database, args.redis, secret_key, args.orders, workers)
            p95 = statistics.quantiles(gaps, n=20)[-1] if len(gaps) >= 20 else max(gaps, default=0.0)
            median = statistics.median(gaps) if gaps else 0.0
            print(f"{workers:>7} | {elapsed:>8.1f} | {args.orders / elapsed:>8.1f} | {median * 1000:>9.1f} ms | "
                  f"{p95 * 1000:>6.1f} ms | {missing}", flush=True)
    finally:
        redis.flushdb()
        database.dispose()
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
