"""What the chaos tests and ``bench/import_orders.py`` share: Prom sandboxes (one per shop) serving
generated orders over HTTP, the shops in a PostgreSQL accounting database selling from one warehouse
whose stock is too small for every order, real ``erpsync worker --burst`` processes on Redis, and the
checks that compare the database with the sandboxes afterwards.

How the workers share the work: every shop's import is a job of its own (``import_orders``, locked per
shop), so the workers import several shops at once — and race for the same warehouse stock through
their reservations. Each shop's import is enqueued a second time while the first runs: a worker left
idle (the chaos test runs four workers for three shops) takes it and finds the shop's lock taken, so the
run is skipped — the import of one shop stays one at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import func, select

import erpsync.jobs.kinds  # noqa: F401  (registers the job kinds enqueued here)
from erpsync.jobs.queues import enqueue
from erpsync.models import Order, OrderLine, Product, Reservation, StockLevel, SyncEvent, SyncRun, Warehouse
from erpsync.models.db import Database
from erpsync.models.sales import RESERVATION_ACTIVE
from erpsync.sandbox.base import Faults
from erpsync.sandbox.prom import PromSandbox
from erpsync.sandbox.prom_store import PRODUCTS
from erpsync.sync.log import ATTEMPT_ENTITY
from erpsync.sync.shops import add_shop

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "chaos-token"
WAREHOUSE = "MAIN"
# The client's fault names (``FailedAttempt.fault``) → the sandbox's (``Faults``).
SANDBOX_FAULT = {"server_error": "error", "rate_limited": "rate_limit", "connection": "reset",
                 "timeout": "slow", "malformed": "malformed"}


def every_fault(seed: int, *, slow_seconds: float) -> Faults:
    """Every fault mode on at once (rates high enough that each occurs in a 1,000-order import)."""
    return Faults(fail_rate=0.08, rate_limit=1, reset_rate=0.06, slow_rate=0.04, slow_seconds=slow_seconds,
                  malformed_rate=0.06, duplicate_rate=0.3, shift_rate=0.3, seed=seed)


@dataclass
class ChaosShop:
    name: str
    shop_id: int
    sandbox: PromSandbox


@dataclass
class Stand:
    """Shops on sandboxes, their database, Redis, and the environment a worker gets."""

    database: Database
    redis: Redis
    env: dict[str, str]
    shops: list[ChaosShop] = field(default_factory=list)

    # --- running ---------------------------------------------------------------------------------

    def enqueue_imports(self) -> list[str]:
        return [enqueue(self.redis, "import_orders", shop.shop_id).job_id for shop in self.shops]

    def start_workers(self, count: int, *, burst: bool = False, log_dir: Path | None = None) -> list[subprocess.Popen]:
        command = [str(Path(sys.executable).parent / "erpsync"), "worker", "--queues", "orders,push"]
        if burst:
            command.append("--burst")
        workers = []
        for number in range(count):
            output = open(log_dir / f"worker-{number}.log", "ab") if log_dir else subprocess.DEVNULL  # noqa: SIM115
            workers.append(subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT))
        return workers

    def run_rounds(self, workers: list[subprocess.Popen], *, deadline: float,
                   during: Callable[[], None] | None = None) -> int:
        """Rounds of "enqueue every shop's import, wait until the workers ran them" until the database holds
        every order of every sandbox (orders keep arriving while listings are read). ``during`` is called
        about every 0.2 s while jobs run. Returns the rounds it took."""
        rounds = 0
        while rounds == 0 or self.missing_orders():
            if time.monotonic() > deadline:
                raise AssertionError(f"orders still missing after {rounds} rounds: {self.missing_orders()}")
            rounds += 1
            jobs = self.enqueue_imports()
            if rounds == 1:
                self.wait_started(jobs, deadline)
                jobs += self.enqueue_imports()  # while the first imports run: these find their shop's lock taken
            self.wait_for(jobs, workers, deadline=deadline, during=during)
        return rounds

    def wait_started(self, job_ids: list[str], deadline: float) -> None:
        from rq.job import Job, JobStatus

        while any(Job.fetch(j, connection=self.redis).get_status() == JobStatus.QUEUED for j in job_ids):
            if time.monotonic() > deadline:
                raise AssertionError("the workers took no job")
            time.sleep(0.1)

    def wait_for(self, job_ids: list[str], workers: list[subprocess.Popen], *, deadline: float,
                 during: Callable[[], None] | None = None) -> None:
        """Wait until every job is done (finished, or failed for good; one waiting for its retry is not)."""
        from rq.job import Job, JobStatus

        done = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
        pending = set(job_ids)
        while pending:
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs not done in time: {sorted(pending)}")
            if not any(w.poll() is None for w in workers):
                raise AssertionError("every worker stopped")
            pending = {j for j in pending if Job.fetch(j, connection=self.redis).get_status() not in done}
            if during is not None:
                during()
            time.sleep(0.2)

    # --- what the sandboxes hold -------------------------------------------------------------------

    def expected_lines(self) -> dict[tuple[int, str], Counter[tuple[str, int]]]:
        """(shop id, order id) → the order's lines as (SKU, quantity), from the sandboxes."""
        expected: dict[tuple[int, str], Counter[tuple[str, int]]] = {}
        for shop in self.shops:
            with shop.sandbox.lock:
                for order_id, order in shop.sandbox.prom.orders.items():
                    expected[(shop.shop_id, str(order_id))] = Counter(
                        (p["sku"], int(p["quantity"])) for p in order["products"])
        return expected

    def stored_lines(self) -> tuple[dict[tuple[int, str], Counter[tuple[str, int]]], int]:
        """The same from the database, and how many order rows it has."""
        with self.database.session() as session:
            rows = session.execute(
                select(Order.shop_id, Order.external_id, OrderLine.sku, OrderLine.quantity)
                .join(OrderLine, OrderLine.order_id == Order.id)).all()
            orders = session.scalar(select(func.count()).select_from(Order)) or 0
        stored: dict[tuple[int, str], Counter[tuple[str, int]]] = {}
        for shop_id, external_id, sku, quantity in rows:
            stored.setdefault((shop_id, external_id), Counter())[(sku, quantity)] += 1
        return stored, orders

    def missing_orders(self) -> int:
        with self.database.session() as session:
            stored = session.scalar(select(func.count()).select_from(Order)) or 0
        return sum(len(shop.sandbox.prom.orders) for shop in self.shops) - stored

    def faults_injected(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for shop in self.shops:
            total.update(shop.sandbox.faults_injected)
        return total

    # --- what the database holds ---------------------------------------------------------------------

    def free_stock(self) -> dict[str, int]:
        """SKU → quantity on hand less active reservations (never below zero unless oversold)."""
        with self.database.session() as session:
            on_hand = dict(session.execute(
                select(Product.sku, func.sum(StockLevel.quantity)).join(StockLevel).group_by(Product.sku)).all())
            held = dict(session.execute(
                select(Product.sku, func.sum(Reservation.quantity)).join(Reservation)
                .where(Reservation.state == RESERVATION_ACTIVE).group_by(Product.sku)).all())
        return {sku: int(on_hand[sku]) - int(held.get(sku) or 0) for sku in on_hand}

    def logged_failed_attempts(self) -> Counter[str]:
        """Failed HTTP attempts written to the sync log, by the sandbox's name of the fault."""
        with self.database.session() as session:
            rows = session.execute(
                select(SyncEvent.entity_id, func.count()).where(SyncEvent.entity_type == ATTEMPT_ENTITY)
                .group_by(SyncEvent.entity_id)).all()
        return Counter({SANDBOX_FAULT[fault]: count for fault, count in rows})

    def overlapping_runs(self) -> list[tuple[int, int]]:
        """Pairs of import runs of one shop that ran at the same time (must be none: the lock)."""
        with self.database.session() as session:
            runs = session.execute(
                select(SyncRun.id, SyncRun.shop_id, SyncRun.started_at, SyncRun.finished_at)
                .where(SyncRun.kind == "orders", SyncRun.status != "skipped").order_by(SyncRun.started_at)).all()
        overlaps = []
        last: dict[int, tuple[int, Any]] = {}
        for run_id, shop_id, started, finished in runs:
            before = last.get(shop_id)
            if before is not None and (before[1] is None or before[1] > started):
                overlaps.append((before[0], run_id))
            last[shop_id] = (run_id, finished)
        return overlaps


def build_stand(database: Database, redis_url: str, secret_key: str, tmp_path: Path, *, shops: int,
                orders: int, faults: Faults | None, stock: int, http_timeout: float = 30.0,
                page_size: int = 100) -> Stand:
    """Start one Prom sandbox per shop (``orders`` shared out among them) and create the shops, the catalog
    (every product the sandboxes sell, ``stock`` units each in one warehouse) in ``database``."""
    stand = Stand(database, Redis.from_url(redis_url), env={
        **os.environ,
        "ERPSYNC_DATABASE_URL": database.url,
        "ERPSYNC_REDIS_URL": redis_url,
        "ERPSYNC_SECRET_KEY": secret_key,
        "ERPSYNC_MAPPINGS_DIR": str(ROOT / "mappings"),
        "ERPSYNC_FEED_DIR": str(tmp_path / "feeds"),
        "ERPSYNC_HTTP_TIMEOUT": str(http_timeout),
        "PYTHONPATH": str(ROOT),
    })
    with database.session() as session:
        warehouse = Warehouse(code=WAREHOUSE, name="Main")
        session.add(warehouse)
        session.flush()
        for sku, name, _price in PRODUCTS:
            product = Product(sku=sku, name_uk=name)
            session.add(product)
            session.flush()
            session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=stock))
    for number in range(shops):
        share = orders // shops + (1 if number < orders % shops else 0)
        sandbox = PromSandbox(credentials={"token": TOKEN}, orders=share, random_seed=100 + number,
                              faults=faults if faults is None else _reseeded(faults, number))
        sandbox.start()
        with database.session() as session:
            shop = add_shop(session, name=f"prom-{number}", marketplace="prom", secret_key=secret_key,
                            base_url=sandbox.base_url, credentials={"token": TOKEN},
                            settings={"warehouses": [WAREHOUSE], "order_page_size": page_size})
            session.flush()
            stand.shops.append(ChaosShop(shop.name, shop.id, sandbox))
    return stand


def _reseeded(faults: Faults, number: int) -> Faults:
    from dataclasses import replace

    return replace(faults, seed=(faults.seed or 0) * 100 + number)


def stop_stand(stand: Stand) -> None:
    for shop in stand.shops:
        shop.sandbox.stop()
    stand.redis.close()


def stop_workers(processes: Iterable[subprocess.Popen], timeout: float = 30) -> None:
    """Stop workers as an operator would (SIGTERM: warm shutdown); kill one that does not stop."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
