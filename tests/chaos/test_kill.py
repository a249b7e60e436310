"""A worker killed with SIGKILL (the worker and its work-horse, as when a machine or container dies) in
the middle of an order import and in the middle of an outbox push. A new worker finishes the work:
nothing lost, nothing duplicated, no status pushed twice to the marketplace (the sandbox counts what it
received), and the run the dead worker left "running" is closed as abandoned.

The dead worker's Redis run lock expires after ``REDIS_LOCK_SECONDS`` and its outbox lease after the
handler's ``lease_seconds``; the tests move those clocks forward (``PEXPIRE``, ``next_attempt_at``)
instead of waiting minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from erpsync.jobs.locks import LOCK_PREFIX
from erpsync.jobs.queues import enqueue
from erpsync.jobs.registry import job_kind
from erpsync.jobs.runner import ABANDONED
from erpsync.models import Order, OrderLine, OutboxMessage, Reservation, SyncRun
from erpsync.models.db import Database
from erpsync.models.integration import OUTBOX_DONE, OUTBOX_IN_PROGRESS
from erpsync.models.sales import RESERVATION_ACTIVE
from erpsync.sandbox.base import Faults
from erpsync.sync.order_import import import_orders
from tests.chaos.harness import ROOT, Stand, build_stand, stop_stand

pytestmark = pytest.mark.postgres


def _wait(condition: Callable[[], object], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _start_worker(stand: Stand, log: Path, *, burst: bool) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "erpsync"), "worker", "--queues", "orders,push"]
    if burst:
        command.append("--burst")
    output = open(log, "ab")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(command, env=stand.env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work-horse (RQ puts the horse in a session of its own)."""
    horses = _children(worker.pid)
    assert horses, "the worker had no work-horse running a job"
    worker.kill()
    for horse in horses:
        os.kill(horse, signal.SIGKILL)
    worker.wait(10)


def _expire_lock(stand: Stand, kind: str, shop_id: int, params: dict) -> None:
    """Move the dead worker's run lock to its expiry (it stopped extending it)."""
    name = job_kind(kind).lock_key(shop_id, {**job_kind(kind).params, **params})
    stand.redis.pexpire(LOCK_PREFIX + str(name), 1)
    time.sleep(0.01)


def _count(database: Database, model: type) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def stand(request: pytest.FixtureRequest, pg_database: Database, redis_url: str, secret_key: str,
          tmp_path: Path) -> Iterator[Stand]:
    orders, latency, settings = request.param
    built = build_stand(pg_database, redis_url, secret_key, tmp_path, shops=1, orders=orders,
                        faults=Faults(latency=latency), stock=10_000, page_size=20)
    if settings:
        with pg_database.session() as session:
            from erpsync.models import Shop

            shop = session.get(Shop, built.shops[0].shop_id)
            assert shop is not None
            shop.settings = {**shop.settings, **settings}
    try:
        yield built
    finally:
        stop_stand(built)


@pytest.mark.parametrize("stand", [(400, 0.0, None)], indirect=True)
def test_an_import_killed_mid_batch_is_finished_by_a_new_worker_without_loss_or_duplicates(
    stand: Stand, tmp_path: Path
) -> None:
    shop = stand.shops[0]
    database = stand.database
    enqueue(stand.redis, "import_orders", shop.shop_id)
    worker = _start_worker(stand, tmp_path / "killed.log", burst=False)
    try:
        _wait(lambda: _count(database, Order) >= 60, "the import to save some orders")
    finally:
        _kill(worker)
    saved_before = _count(database, Order)
    assert 60 <= saved_before < len(shop.sandbox.prom.orders)  # killed in the middle of the batch
    with database.session() as session:
        [left] = session.scalars(select(SyncRun).where(SyncRun.kind == "orders")).all()
        assert left.status == "running"

    _expire_lock(stand, "import_orders", shop.shop_id, {})
    enqueue(stand.redis, "import_orders", shop.shop_id)
    restarted = _start_worker(stand, tmp_path / "restarted.log", burst=True)
    assert restarted.wait(180) == 0

    expected = stand.expected_lines()
    stored, order_rows = stand.stored_lines()
    assert order_rows == len(expected) and stored == expected  # nothing lost, nothing duplicated
    with database.session() as session:
        held = dict(session.execute(
            select(OrderLine.id, func.sum(Reservation.quantity)).join(Reservation)
            .where(Reservation.state == RESERVATION_ACTIVE).group_by(OrderLine.id)).all())
        lines = {line.id: line for line in session.scalars(select(OrderLine))}
        assert all(held[i] <= lines[i].quantity for i in held)  # no line reserved twice
        runs = {r.id: r for r in session.scalars(select(SyncRun).where(SyncRun.kind == "orders"))}
    assert runs[left.id].status == "failed" and runs[left.id].message == ABANDONED
    assert [r.status for i, r in runs.items() if i != left.id] == ["success"]


@pytest.mark.parametrize("stand", [(0, 0.1, {"auto_accept": True})], indirect=True)
def test_a_status_push_killed_mid_batch_is_finished_by_a_new_worker_and_nothing_is_pushed_twice(
    stand: Stand, tmp_path: Path, secret_key: str
) -> None:
    shop = stand.shops[0]
    database = stand.database
    for _ in range(30):
        shop.sandbox.add_order(lines=[("SKU-001", 1)])
    report = import_orders(database, shop.name, secret_key=secret_key, mappings_dir=ROOT / "mappings")
    assert report.counts.created == 30  # auto_accept queued 30 "accepted" status messages
    assert _count(database, OutboxMessage) == 30

    def received() -> Counter[int]:
        return Counter(order_id for r in shop.sandbox.mutating_requests(f"{shop.sandbox.prefix}/orders/set_status")
                       if r.status == 200 for order_id in r.json()["ids"])

    enqueue(stand.redis, "deliver_outbox", shop.shop_id, {"kind": "order_status"})
    worker = _start_worker(stand, tmp_path / "killed.log", burst=False)
    try:
        _wait(lambda: sum(received().values()) >= 8, "some statuses to reach the marketplace")
    finally:
        _kill(worker)
    pushed_before = sum(received().values())
    assert 8 <= pushed_before < 30  # killed in the middle of the batch
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == OUTBOX_IN_PROGRESS)) == 30  # claimed; none marked done before the kill
        session.execute(update(OutboxMessage).values(next_attempt_at=func.now()))  # the lease runs out

    _expire_lock(stand, "deliver_outbox", shop.shop_id, {"kind": "order_status"})
    enqueue(stand.redis, "deliver_outbox", shop.shop_id, {"kind": "order_status"})
    restarted = _start_worker(stand, tmp_path / "restarted.log", burst=True)
    assert restarted.wait(180) == 0

    counts = received()
    assert set(counts) == {int(i) for i in shop.sandbox.prom.orders}  # every order's status arrived
    assert set(counts.values()) == {1}  # and none twice
    assert {o["status"] for o in shop.sandbox.prom.orders.values()} == {"received"}
    with database.session() as session:
        assert set(session.scalars(select(OutboxMessage.state))) == {OUTBOX_DONE}
        assert set(session.scalars(select(Order.external_status))) == {"received"}
        runs = list(session.scalars(select(SyncRun).where(SyncRun.kind == "outbox:order_status")
                                    .order_by(SyncRun.id)))
    assert (runs[0].status, runs[0].message) == ("failed", ABANDONED)
    assert runs[-1].status == "success"
