"""Importing orders of three shops through every fault at once, with four real workers (``erpsync
worker`` processes on Redis) and PostgreSQL: afterwards every order of the sandboxes is in the database exactly
once with all its lines, no stock is oversold, no two imports of a shop overlapped, and the sync log
has a failed-attempt event for every fault the sandboxes injected (see ``harness`` for the set-up)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erpsync.models import OrderLine, SyncRun
from erpsync.models.db import Database
from tests.chaos.harness import SANDBOX_FAULT, Stand, build_stand, every_fault, stop_stand, stop_workers

pytestmark = pytest.mark.postgres

HTTP_TIMEOUT = 2.0  # the workers' ERPSYNC_HTTP_TIMEOUT; a slow answer comes after 3× that
PAGE_SIZE = 20  # orders a listing page: many requests, so every fault occurs


@pytest.fixture
def chaos_stand(request: pytest.FixtureRequest, pg_database: Database, redis_url: str, secret_key: str,
                tmp_path: Path) -> Iterator[Stand]:
    orders = request.param
    stand = build_stand(pg_database, redis_url, secret_key, tmp_path, shops=3, orders=orders,
                        faults=every_fault(7, slow_seconds=3 * HTTP_TIMEOUT), stock=orders // 10,
                        http_timeout=HTTP_TIMEOUT, page_size=PAGE_SIZE)
    try:
        yield stand
    finally:
        stop_stand(stand)


def _import_through_chaos(stand: Stand, tmp_path: Path, minutes: float) -> None:
    lowest_free: list[int] = []

    def watch_stock() -> None:
        lowest_free.append(min(stand.free_stock().values()))

    workers = stand.start_workers(4, log_dir=tmp_path)
    try:
        rounds = stand.run_rounds(workers, deadline=time.monotonic() + minutes * 60, during=watch_stock)
    finally:
        stop_workers(workers)
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(tmp_path.glob("worker-*.log")))

    # every order exactly once, every line of it
    expected = stand.expected_lines()
    stored, order_rows = stand.stored_lines()
    assert order_rows == len(expected), logs
    assert stored == expected
    # never oversold: not at the end, not whenever it was looked at while the workers ran
    free = stand.free_stock()
    assert min(free.values()) >= 0 and min(lowest_free, default=0) >= 0, (free, min(lowest_free))
    with stand.database.session() as session:
        shortfall = session.scalar(select(func.sum(OrderLine.reserve_shortfall))) or 0
    assert shortfall > 0 and 0 in free.values()  # the stock ran out: what could not be reserved is flagged
    # one import of a shop at a time: the idle worker found the shop's lock taken
    assert stand.overlapping_runs() == []
    with stand.database.session() as session:
        skipped = session.scalar(select(func.count()).select_from(SyncRun).where(
            SyncRun.kind == "orders", SyncRun.status == "skipped")) or 0
    assert skipped >= 1
    # the log accounts for every fault the sandboxes injected
    injected = stand.faults_injected()
    logged = stand.logged_failed_attempts()
    for fault in ("error", "rate_limit", "reset", "malformed", "duplicate", "shift"):
        assert injected[fault] > 0, f"no {fault} fault was injected: {injected}"
    for fault in ("error", "rate_limit", "reset", "malformed"):
        assert logged[fault] == injected[fault], (fault, logged, injected)
    # a slow answer is always a timeout; a loaded machine may time out an ordinary answer too
    assert logged["slow"] >= injected["slow"] > 0, (logged, injected)
    print(f"\n{len(expected)} orders in {rounds} round(s); faults injected {dict(injected)}; "
          f"failed attempts logged {dict(logged)}; imports skipped by the lock {skipped}")
    assert set(SANDBOX_FAULT.values()) <= set(injected)


@pytest.mark.parametrize("chaos_stand", [1000], indirect=True)
def test_a_thousand_orders_through_every_fault_with_four_workers(chaos_stand: Stand, tmp_path: Path) -> None:
    _import_through_chaos(chaos_stand, tmp_path, minutes=4)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 11 to 20 minutes on a busy 2-core machine; the suite's limit is 10
@pytest.mark.parametrize("chaos_stand", [10_000], indirect=True)
def test_ten_thousand_orders_through_every_fault_with_four_workers(chaos_stand: Stand, tmp_path: Path) -> None:
    _import_through_chaos(chaos_stand, tmp_path, minutes=25)
