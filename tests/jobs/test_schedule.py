"""The schedule tick: exactly the due (kind, shop) pairs are started, never twice however many
schedulers tick, and a changed setting counts at the next tick."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue
from sqlalchemy import select, update

from erpsync.core.config import Settings
from erpsync.jobs.registry import job_kind
from erpsync.jobs.schedule import DueRun, MemoryMarks, RedisMarks, due_runs, redis_tick
from erpsync.models import Listing, Shop, SyncRun
from erpsync.models.db import Database
from tests.jobs.fixtures import Catalog, add_shop

ORDERS = [job_kind("sample_orders")]
FULL_PUSH = [job_kind("sample_full_push")]
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def pairs(runs: list[DueRun]) -> list[tuple[str, str]]:
    return sorted((run.kind, run.shop) for run in runs)


def test_tick_starts_exactly_the_due_shops(database: Database) -> None:
    add_shop(database, "never-ran")
    recent = add_shop(database, "ran-a-minute-ago")
    add_shop(database, "orders-off", settings={"sync_orders": False})
    add_shop(database, "switched-off", enabled=False)
    add_shop(database, "satu", marketplace="satu", settings={"poll_interval_minutes": 10})
    with database.session() as session:
        session.add(SyncRun(shop_id=recent, kind="sample_orders", started_at=T0 - timedelta(minutes=1)))
        session.add(SyncRun(shop_id=recent, kind="sample_count", started_at=T0 - timedelta(hours=1)))
    marks = MemoryMarks()
    assert pairs(due_runs(database, marks, T0, ORDERS)) == [("sample_orders", "never-ran"), ("sample_orders", "satu")]
    assert due_runs(database, marks, T0 + timedelta(seconds=5), ORDERS) == []
    assert pairs(due_runs(database, marks, T0 + timedelta(minutes=1, seconds=2), ORDERS)) == [
        ("sample_orders", "ran-a-minute-ago")]
    assert pairs(due_runs(database, marks, T0 + timedelta(minutes=2, seconds=3), ORDERS)) == [
        ("sample_orders", "never-ran")]
    assert pairs(due_runs(database, marks, T0 + timedelta(minutes=9), ORDERS)) == [
        ("sample_orders", "never-ran"), ("sample_orders", "ran-a-minute-ago")]
    assert pairs(due_runs(database, marks, T0 + timedelta(minutes=10, seconds=1), ORDERS)) == [
        ("sample_orders", "satu")]


def test_a_shop_with_broken_settings_does_not_stop_the_tick_for_the_others(database: Database) -> None:
    add_shop(database, "broken", settings={"poll_interval_minutes": "every now and then"})  # not via validation
    add_shop(database, "fine")
    assert pairs(due_runs(database, MemoryMarks(), T0, ORDERS)) == [("sample_orders", "fine")]


def test_interval_marks_do_not_drift_with_late_ticks(database: Database) -> None:
    shop_id = add_shop(database, "kz1")
    marks = MemoryMarks()
    assert len(due_runs(database, marks, T0, ORDERS)) == 1
    for n in (1, 2, 3):  # every tick comes 4 s after the interval is over
        assert len(due_runs(database, marks, T0 + timedelta(minutes=2 * n, seconds=4), ORDERS)) == 1
    field = f"sample_orders:{shop_id}"
    assert marks.read([field]) == {field: (T0 + timedelta(minutes=6)).isoformat()}
    assert len(due_runs(database, marks, T0 + timedelta(minutes=8, seconds=1), ORDERS)) == 1


def test_changed_interval_counts_at_the_next_tick(database: Database) -> None:
    shop_id = add_shop(database, "kz1", settings={"poll_interval_minutes": 10})
    marks = MemoryMarks()
    assert len(due_runs(database, marks, T0, ORDERS)) == 1
    assert due_runs(database, marks, T0 + timedelta(minutes=3), ORDERS) == []
    with database.session() as session:
        session.execute(update(Shop).where(Shop.id == shop_id).values(settings={"poll_interval_minutes": 2}))
    assert len(due_runs(database, marks, T0 + timedelta(minutes=3), ORDERS)) == 1
    with database.session() as session:
        session.execute(update(Shop).where(Shop.id == shop_id).values(settings={"sync_orders": False}))
    assert due_runs(database, marks, T0 + timedelta(hours=1), ORDERS) == []


def test_daily_pass_runs_once_at_its_time_and_not_when_first_seen(database: Database) -> None:
    add_shop(database, "kasta", marketplace="kasta", settings={"full_push_at": "03:00"})
    add_shop(database, "no-time")
    marks = MemoryMarks()
    assert due_runs(database, marks, T0, FULL_PUSH) == []  # 10:00, first sight: wait for 03:00
    assert due_runs(database, marks, T0 + timedelta(hours=16, minutes=59), FULL_PUSH) == []
    next_night = T0 + timedelta(hours=17, seconds=3)
    assert pairs(due_runs(database, marks, next_night, FULL_PUSH)) == [("sample_full_push", "kasta")]
    assert due_runs(database, marks, next_night + timedelta(minutes=1), FULL_PUSH) == []
    assert len(due_runs(database, marks, next_night + timedelta(days=1), FULL_PUSH)) == 1


def test_ticks_of_several_schedulers_enqueue_each_due_pair_once(database: Database, redis_url: str) -> None:
    for n in range(4):
        add_shop(database, f"shop{n}")
    connections = [Redis.from_url(redis_url) for _ in range(3)]
    results: list[int] = []
    start = threading.Barrier(3)

    def scheduler(connection: Redis) -> None:
        start.wait()
        enqueued = redis_tick(database, connection, now=T0, use_tick_lock=False, kinds=ORDERS)
        results.append(len(enqueued or []))

    threads = [threading.Thread(target=scheduler, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    orders = Queue("orders", connection=connections[0])
    assert sum(results) == 4 and orders.count == 4
    assert redis_tick(database, connections[0], now=T0 + timedelta(seconds=5), use_tick_lock=False,
                      kinds=ORDERS) == []
    # a worker-less interval later the runs still wait in the queue: nothing piles up
    later = redis_tick(database, connections[0], now=T0 + timedelta(minutes=2), use_tick_lock=False, kinds=ORDERS)
    assert later is not None and len(later) == 4 and all(item.coalesced for item in later) and orders.count == 4
    # the tick lock: of two schedulers ticking together, one does the tick
    assert redis_tick(database, connections[1], now=T0 + timedelta(minutes=4), kinds=ORDERS) is not None
    assert redis_tick(database, connections[2], now=T0 + timedelta(minutes=4), kinds=ORDERS) is None
    marks = RedisMarks(connections[0]).read([f"sample_orders:{n}" for n in range(1, 5)])
    assert all(value is not None for value in marks.values())
    for connection in connections:
        connection.close()


def test_rq_cron_config_enqueues_the_tick_and_the_dispatcher_which_workers_run(
    database: Database, catalog: Catalog, job_env: Settings, redis_url: str
) -> None:
    from rq import SimpleWorker
    from rq.cron import CronScheduler

    from erpsync.jobs.queues import all_queues
    from erpsync.sync.outbox import write_outbox

    with database.session() as session:
        write_outbox(session, shop_id=catalog.shop_id, kind="sample_stock", dedupe_key="stock:1",
                     payload={"product_id": catalog.product_ids[0], "quantity": 8})
    connection = Redis.from_url(redis_url)
    cron = CronScheduler(connection=connection)
    cron.load_config_from_file("erpsync.jobs.cron")  # what `rq cron erpsync.jobs.cron` does
    assert sorted((job.func_name, job.queue_name, job.interval) for job in cron.get_jobs()) == [
        ("erpsync.jobs.dispatch.scheduled_dispatch", "push", 1),
        ("erpsync.jobs.schedule.scheduled_tick", "default", 5),
    ]
    assert len(cron.enqueue_jobs()) == 2
    worker = SimpleWorker(all_queues(connection), connection=connection)
    worker.work(burst=True, logging_level="WARNING")  # runs the tick and the dispatcher, then what they enqueued
    with database.session() as session:
        assert session.scalar(select(Listing.pushed_stock).where(Listing.product_id == catalog.product_ids[0])) == 8
        assert session.scalar(select(SyncRun.status).where(SyncRun.kind == "sample_orders")) == "success"
    connection.close()


def test_partial_sync_a_shop_runs_only_stock_and_prices_or_only_orders(database: Database) -> None:
    """Seed 001: ``sync_orders`` and ``sync_stock_prices`` switch the two halves of a shop's sync apart."""
    import erpsync.jobs.kinds  # noqa: F401  (the real kinds)

    kinds = [job_kind(name) for name in ("import_orders", "stock_prices", "stock_prices_full")]
    night = {"full_push_at": "03:00"}
    add_shop(database, "both", marketplace="prom", settings=night)
    add_shop(database, "stock-only", marketplace="prom", settings={**night, "sync_orders": False})
    add_shop(database, "orders-only", marketplace="prom", settings={**night, "sync_stock_prices": False})
    add_shop(database, "nothing", marketplace="prom",
             settings={**night, "sync_orders": False, "sync_stock_prices": False})
    add_shop(database, "kaspi-orders", marketplace="kaspi", settings=night)  # Kaspi takes stock from its feed
    marks = MemoryMarks()
    assert pairs(due_runs(database, marks, T0, kinds)) == [
        ("import_orders", "both"), ("import_orders", "kaspi-orders"), ("import_orders", "orders-only"),
        ("stock_prices", "both"), ("stock_prices", "stock-only")]
    night_after = T0 + timedelta(hours=17, seconds=3)
    assert pairs(due_runs(database, marks, night_after, kinds)) == [
        ("import_orders", "both"), ("import_orders", "kaspi-orders"), ("import_orders", "orders-only"),
        ("stock_prices", "both"), ("stock_prices", "stock-only"),
        ("stock_prices_full", "both"), ("stock_prices_full", "stock-only")]
