"""Benchmark: order import throughput with 1, 2 and 4 workers — real ``erpsync worker`` processes on
Redis, PostgreSQL, Prom sandboxes over HTTP (no faults).

    .venv/bin/python bench/import_orders.py --database postgresql+psycopg://postgres@127.0.0.1/EMPTY_DB \\
        --redis redis://127.0.0.1:6379/13 [--orders 10000] [--workers 1,2,4]

The orders are shared out among four Prom shops (one sandbox each; an import is locked per shop, so four
shops let four workers work at once); every shop's import is enqueued and the workers run them. For each
worker count the database is emptied and the same orders are imported again. Prints a table: seconds from
enqueue to the last import done, orders/s, and the time per order in its import — median and p95 (from
when each order that reserves stock was saved; an order's share of reading its page is in it).

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

from erpsync.models import Base, Order, OrderLine, Reservation, SyncEvent  # noqa: E402
from erpsync.models.db import Database, upgrade  # noqa: E402
from tests.chaos.harness import build_stand, stop_stand, stop_workers  # noqa: E402

SHOPS = 4


def _empty(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _per_order_seconds(database: Database) -> list[float]:
    """Seconds each order took in its shop's import. An import saves a shop's orders one transaction each,
    newest id first; an order that reserves stock has the moment it was saved (its reservation's
    ``created_at``). The gap between two such orders of one shop is shared out among the orders saved
    from one to the other (so reading a page is in the time of the orders on it)."""
    with database.session() as session:
        orders = session.execute(select(Order.id, Order.shop_id, Order.external_id)).all()
        saved = dict(session.execute(
            select(OrderLine.order_id, func.min(Reservation.created_at))
            .join(Reservation, Reservation.line_id == OrderLine.id).group_by(OrderLine.order_id)).all())
    by_shop: dict[int, list[tuple[int, int]]] = {}
    for order_id, shop_id, external_id in orders:
        by_shop.setdefault(shop_id, []).append((int(external_id), order_id))
    seconds: list[float] = []
    for listing in by_shop.values():
        listing.sort(reverse=True)  # the order they were saved in
        stamped = [(position, saved[order_id]) for position, (_, order_id) in enumerate(listing) if order_id in saved]
        for (first, at), (second, later) in itertools.pairwise(stamped):
            share = (later - at).total_seconds() / (second - first)
            seconds += [share] * (second - first)
    return seconds


def _run(database: Database, redis_url: str, secret_key: str, orders: int,
         workers: int) -> tuple[float, int, list[float], list[str]]:
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
    with database.session() as session:
        errors = list(session.scalars(select(SyncEvent.message).where(
            SyncEvent.level == "error", SyncEvent.entity_type == "order").limit(5)))
    return elapsed, missing, _per_order_seconds(database), errors


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
            elapsed, missing, gaps, errors = _run(database, args.redis, secret_key, args.orders, workers)
            p95 = statistics.quantiles(gaps, n=20)[-1] if len(gaps) >= 20 else max(gaps, default=0.0)
            median = statistics.median(gaps) if gaps else 0.0
            print(f"{workers:>7} | {elapsed:>8.1f} | {args.orders / elapsed:>8.1f} | {median * 1000:>9.1f} ms | "
                  f"{p95 * 1000:>6.1f} ms | {missing}", flush=True)
            for error in errors:  # an order not saved is logged and read again by the next import
                print(f"        not saved: {error}", flush=True)
    finally:
        redis.flushdb()
        database.dispose()
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
