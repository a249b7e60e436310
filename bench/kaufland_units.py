"""Benchmark: stock and price pushes through Kaufland's units API (``/units/bulk``, 150 a request) against
the Kaufland sandbox over HTTP, every request signed.

    .venv/bin/python bench/kaufland_units.py --units 3000 [--latency 0.0] [--rate-limit]

Prints units/s and requests sent. ``--latency`` adds seconds to every answer (a far-away API);
``--rate-limit`` keeps the connector's production limit (50 requests/s).
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from erpsync.marketplaces.base import ShopConfig, StockPriceItem
from erpsync.marketplaces.kaufland import KauflandConnector
from erpsync.sandbox.base import Faults
from erpsync.sandbox.kaufland import KauflandSandbox
from erpsync.sandbox.kaufland_store import ean13


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate-limit", action="store_true")
    args = parser.parse_args()
    keys = {"client_key": "bench-key", "secret_key": "bench-secret"}
    with KauflandSandbox(credentials=keys, orders=0, random_seed=1, faults=Faults(latency=args.latency)) as sandbox:
        with sandbox.lock:
            for index in range(args.units):
                sandbox.kaufland.add_unit({"ean": ean13(sandbox.rng), "id_offer": f"SKU-{index}", "listing_price": 999,
                                           "amount": 1, "handling_time": 1}, "de")
        shop = ShopConfig("bench", "kaufland", sandbox.base_url, keys, {"storefront": "de"})
        items = [StockPriceItem(f"SKU-{i}", quantity=i % 9, price=Decimal("12.49")) for i in range(args.units)]
        with KauflandConnector(shop, rate_limit=args.rate_limit) as connector:
            started = time.perf_counter()
            result = connector.push_stock_prices(items)
            elapsed = time.perf_counter() - started
        requests = len(sandbox.requests)
    refused = len(result.errors)
    print(f"units pushed:      {len(result.accepted)} of {args.units} ({refused} refused) in {elapsed:.2f} s")
    print(f"units/s:           {len(result.accepted) / elapsed:.0f}")
    print(f"requests sent:     {requests} (unit listing pages + bulk updates of 150)")


if __name__ == "__main__":
    main()
