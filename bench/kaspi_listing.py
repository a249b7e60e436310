"""Benchmark: how fast the Kaspi connector lists orders (with lines) from the Kaspi sandbox over HTTP.

    .venv/bin/python bench/kaspi_listing.py --orders 500 [--latency 0.0] [--rate-limit]

Prints orders/s, requests sent and requests per order. ``--latency`` adds seconds to every sandbox
answer (a far-away API); ``--rate-limit`` keeps the connector's production limit of 20 requests/s.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.kaspi import KaspiConnector
from erpsync.sandbox.base import Faults
from erpsync.sandbox.kaspi import KaspiSandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate-limit", action="store_true")
    args = parser.parse_args()
    with KaspiSandbox(credentials={"token": "bench"}, orders=args.orders, random_seed=1,
                      faults=Faults(latency=args.latency)) as sandbox:
        shop = ShopConfig("bench", "kaspi", sandbox.base_url, {"token": "bench"})
        now = datetime.now(UTC)
        with KaspiConnector(shop, rate_limit=args.rate_limit) as connector:
            started = time.perf_counter()
            orders = list(connector.list_orders(now - timedelta(days=21), now))
            elapsed = time.perf_counter() - started
        requests = len(sandbox.requests)
    lines = sum(len(order.lines) for order in orders)
    print(f"orders listed:     {len(orders)} ({lines} lines) in {elapsed:.2f} s")
    print(f"orders/s:          {len(orders) / elapsed:.0f}")
    print(f"requests sent:     {requests} ({requests / max(1, len(orders)):.2f} per order)")


if __name__ == "__main__":
    main()
