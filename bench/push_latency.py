"""Push latency: from a change committed in the accounting database to the marketplace sandbox having
it, through the real machinery — the outbox dispatch every second (``erpsync scheduler``, or
``erpsync run`` with ``--runner inline``), ``erpsync worker`` (RQ), the outbox claim and a real
connector — measured one change at a time. Prints median, p95, max per scenario.

Scenarios (``--scenario``, default ``all``):
- ``status``: an outbox row written by hand → the Kaspi connector accepts an order in the Kaspi sandbox;
- ``stock``: a stock level changed by plain ORM code (the automatic outbox writes the ``stock`` row at
  commit) → the Prom sandbox has the product's new quantity;
- ``stock-cli``: ``erpsync stock set SKU QTY`` run as a command → the Prom sandbox has it (timed from
  the command's start, so the command's own start-up, about half a second, is included).

    .venv/bin/python bench/push_latency.py [--scenario S] [--samples 40] [--database URL] [--redis URL]
        [--runner redis|inline] [--no-fork]

Defaults: a temporary SQLite database and Redis database 14 on 127.0.0.1, which is FLUSHED first —
never point --redis at a Redis database in use. A ``--database`` is wiped of the bench's shops only
if it is empty; give it a fresh database. The status handler is ``bench/latency_handler.py``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from redis import Redis
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from erpsync.models import Listing, Product, ProductPrice, StockLevel, Warehouse  # noqa: E402
from erpsync.models.db import Database, upgrade  # noqa: E402
from erpsync.sandbox.kaspi import KaspiSandbox  # noqa: E402
from erpsync.sandbox.prom import PromSandbox  # noqa: E402
from erpsync.sync.outbox import write_outbox  # noqa: E402
from erpsync.sync.push_stock_prices import push_stock_prices  # noqa: E402
from erpsync.sync.shops import add_shop  # noqa: E402

TOKEN = "bench-token"
PRODUCTS = 20


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def accepted_after(sandbox: KaspiSandbox, order_id: str, committed: float, timeout: float = 15) -> float:
    while sandbox.order(order_id).status != "ACCEPTED_BY_MERCHANT":
        if time.time() - committed > timeout:
            raise SystemExit(f"order {order_id} was never accepted")
        time.sleep(0.002)
    return time.time() - committed


def stocked_after(sandbox: PromSandbox, sku: str, quantity: int, started: float, timeout: float = 15) -> float:
    while True:
        with sandbox.lock:
            if sandbox.store.products[sku].quantity_in_stock == quantity:
                return time.time() - started
        if time.time() - started > timeout:
            raise SystemExit(f"the Prom sandbox never got {quantity} units of {sku}")
        time.sleep(0.002)


class Scenario:
    """One kind of change: its setup (before the processes start) and one measured change."""

    def __init__(self, name: str, database: Database, secret_key: str, erpsync: str, env: dict[str, str]) -> None:
        self.name = name
        self.database = database
        self.secret_key = secret_key
        self.erpsync = erpsync
        self.env = env
        self.rng = random.Random(7)
        self.kaspi: KaspiSandbox | None = None
        self.prom: PromSandbox | None = None
        self.quantities: dict[str, int] = {}
        self.command_seconds: list[float] = []  # stock-cli: how long the command itself took

    def setup(self) -> None:
        if self.name == "status":
            self.kaspi = KaspiSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1).start()
            with self.database.session() as session:
                self.shop_id = add_shop(session, name=f"bench-kaspi-{os.getpid()}", marketplace="kaspi",
                                        secret_key=self.secret_key, base_url=self.kaspi.base_url,
                                        credentials={"token": TOKEN}).id
            return
        self.prom = PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1).start()
        shop = f"bench-prom-{self.name}-{os.getpid()}"
        with self.database.session() as session:
            shop_id = add_shop(session, name=shop, marketplace="prom", secret_key=self.secret_key,
                               base_url=self.prom.base_url, credentials={"token": TOKEN}).id
            warehouse = session.scalar(select(Warehouse).where(Warehouse.code == "MAIN"))
            if warehouse is None:
                warehouse = Warehouse(code="MAIN", name="Main")
                session.add(warehouse)
                session.flush()
            for number in range(PRODUCTS):
                sku = f"BENCH-{self.name}-{number:03d}"
                product = Product(sku=sku, name_uk=f"Bench {sku}")
                product.prices.append(ProductPrice(price_type="retail", amount=Decimal(100)))
                product.stock.append(StockLevel(warehouse_id=warehouse.id, quantity=10))
                session.add(product)
                session.flush()
                session.add(Listing(shop_id=shop_id, product_id=product.id, state="active", external_id=sku))
                self.prom.store.add_product(sku)
                self.quantities[sku] = 10
        push_stock_prices(self.database, shop, secret_key=self.secret_key)  # what is sent from now on are changes

    def change(self) -> float:
        """Make one change; returns its latency in seconds."""
        if self.kaspi is not None:
            order_id = self.kaspi.add_order()
            with self.database.session() as session:
                write_outbox(session, shop_id=self.shop_id, kind="bench_status", dedupe_key=f"status:{order_id}",
                             payload={"order_id": order_id, "code": self.kaspi.order(order_id).code})
            return accepted_after(self.kaspi, order_id, time.time())
        assert self.prom is not None
        sku = self.rng.choice(sorted(self.quantities))
        quantity = self.rng.choice([q for q in range(50) if q != self.quantities[sku]])
        self.quantities[sku] = quantity
        if self.name == "stock-cli":
            started = time.time()
            subprocess.run([self.erpsync, "stock", "set", sku, str(quantity), "--warehouse", "MAIN"], env=self.env,
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            self.command_seconds.append(time.time() - started)
            return stocked_after(self.prom, sku, quantity, started)
        with self.database.session() as session:  # plain ORM code: nothing but the change
            level = session.scalar(select(StockLevel).join(Product, Product.id == StockLevel.product_id)
                                   .where(Product.sku == sku))
            assert level is not None
            level.quantity = quantity
        return stocked_after(self.prom, sku, quantity, time.time())

    def stop(self) -> None:
        for sandbox in (self.kaspi, self.prom):
            if sandbox is not None:
                sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["status", "stock", "stock-cli", "all"], default="all")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--database", help="ERPSYNC_DATABASE_URL (default: a temporary SQLite file)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--runner", choices=["redis", "inline"], default="redis",
                        help="redis: erpsync scheduler + erpsync worker; inline: erpsync run (no Redis)")
    parser.add_argument("--no-fork", action="store_true", help="the worker runs jobs in its own process")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="erpsync-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    database = Database(url)
    secret_key = Fernet.generate_key().decode()
    redis_url = args.redis if args.runner == "redis" else ""
    if redis_url:
        Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "ERPSYNC_DATABASE_URL": url, "ERPSYNC_REDIS_URL": redis_url,
           "ERPSYNC_SECRET_KEY": secret_key, "ERPSYNC_JOB_MODULES": "latency_handler",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])}
    erpsync = str(Path(sys.executable).parent / "erpsync")
    names = ["status", "stock", "stock-cli"] if args.scenario == "all" else [args.scenario]
    scenarios = [Scenario(name, database, secret_key, erpsync, env) for name in names]
    for scenario in scenarios:
        scenario.setup()
    if args.runner == "redis":
        worker_command = [erpsync, "worker", "--queues", "push"] + (["--no-fork"] if args.no_fork else [])
        processes = [start(worker_command, env), start([erpsync, "scheduler"], env)]
    else:
        processes = [start([erpsync, "run"], env)]
    results: dict[str, list[float]] = {}
    try:
        time.sleep(3)  # the processes up, the first scheduled passes done
        for scenario in scenarios:
            latencies = results.setdefault(scenario.name, [])
            for _ in range(args.samples):
                latencies.append(scenario.change())
                time.sleep(random.uniform(0.1, 1.1))  # land anywhere in the dispatcher's second
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        for scenario in scenarios:
            scenario.stop()
        database.dispose()

    backend = url.split(":", 1)[0].split("+", 1)[0]
    runner = "erpsync run" if args.runner == "inline" else (
        "scheduler + " + ("no-fork" if args.no_fork else "forking") + " worker")
    print(f"push latency, change committed → sandbox has it ({backend}, {runner}, {args.samples} changes each):")
    print(f"  {'scenario':<10} {'median':>8} {'p95':>8} {'max':>8} {'min':>8}")
    for name, latencies in results.items():
        latencies.sort()
        p95 = latencies[max(round(0.95 * len(latencies)) - 1, 0)]
        print(f"  {name:<10} {statistics.median(latencies) * 1000:>6.0f}ms {p95 * 1000:>6.0f}ms "
              f"{latencies[-1] * 1000:>6.0f}ms {latencies[0] * 1000:>6.0f}ms")
    for scenario in scenarios:
        if scenario.command_seconds:
            print(f"  (stock-cli: the command itself took {statistics.median(scenario.command_seconds) * 1000:.0f} ms, "
                  f"median, of it)")
    print(f"  load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
