"""Inline mode: without Redis the same job functions run in the process, under a lock that works
without Redis (an advisory lock on PostgreSQL, a file lock on SQLite), and `erpsync run` keeps shops
in sync by itself."""

from __future__ import annotations

from sqlalchemy import select, update

from erpsync.core.config import Settings
from erpsync.jobs.locks import InlineLocks
from erpsync.jobs.runner import execute, run_inline
from erpsync.models import Listing, Shop, SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sync.outbox import write_outbox
from tests.conftest import Cli
from tests.jobs.fixtures import Catalog


def test_inline_run_calls_the_job_function_and_logs_the_run(
    database: Database, catalog: Catalog, job_env: Settings
) -> None:
    outcome = run_inline("sample_count", catalog.shop_id, database=database, config=job_env)
    assert (outcome.status, outcome.result) == ("success", 3)
    with database.session() as session:
        run = session.get(SyncRun, outcome.run_id)
        assert run is not None and run.fetched == 3 and (run.job_id or "").startswith("inline-")


def test_inline_failure_is_returned_and_in_the_sync_log(
    database: Database, catalog: Catalog, job_env: Settings
) -> None:
    with database.session() as session:
        session.execute(update(Shop).values(base_url="http://unreachable.example"))
    outcome = run_inline("sample_push", catalog.shop_id, database=database, config=job_env)
    assert outcome.status == "failed" and "HTTP 503" in (outcome.message or "")
    with database.session() as session:
        run = session.get(SyncRun, outcome.run_id)
        assert run is not None and run.status == "failed" and "HTTP 503" in (run.message or "")


def test_disabled_shop_is_skipped_with_the_reason_logged(
    database: Database, catalog: Catalog, job_env: Settings
) -> None:
    with database.session() as session:
        session.execute(update(Shop).values(enabled=False))
    outcome = run_inline("sample_count", catalog.shop_id, database=database, config=job_env)
    assert outcome.status == "skipped" and "is disabled" in (outcome.message or "")
    with database.session() as session:
        assert session.scalars(select(SyncRun.status)).all() == ["skipped"]


def test_inline_lock_keeps_a_second_run_of_the_shop_out(
    database: Database, catalog: Catalog, job_env: Settings
) -> None:
    locks = InlineLocks(database)
    held = locks.lock(f"sample_count:shop={catalog.shop_id}")  # another process's run, as far as the lock sees
    assert held.acquire()
    assert not locks.lock(f"sample_count:shop={catalog.shop_id}").acquire()
    other_shop = locks.lock(f"sample_count:shop={catalog.shop_id + 1}")
    assert other_shop.acquire()
    other_shop.release()
    skipped = execute("sample_count", catalog.shop_id, {}, database=database, config=job_env, locks=locks)
    assert skipped.status == "skipped" and "is in progress" in (skipped.message or "")
    held.release()
    assert run_inline("sample_count", catalog.shop_id, database=database, config=job_env).status == "success"


def test_kind_defaults_reach_the_use_case_and_a_lock_group_is_shared(
    database: Database, catalog: Catalog, job_env: Settings
) -> None:
    locks = InlineLocks(database)
    incremental = locks.lock(f"sample_push:shop={catalog.shop_id}")  # the incremental pass runs
    assert incremental.acquire()
    full = execute("sample_full_push", catalog.shop_id, {}, database=database, config=job_env, locks=locks)
    assert full.status == "skipped" and "another sample_full_push run" in (full.message or "")
    incremental.release()
    assert run_inline("sample_full_push", catalog.shop_id, database=database, config=job_env).status == "success"
    with database.session() as session:
        assert "full pass of 3 listings" in session.scalars(select(SyncEvent.message)).all()


def test_erpsync_run_imports_due_shops_and_delivers_the_outbox_without_redis(
    cli: Cli, database: Database, catalog: Catalog
) -> None:
    with database.session() as session:
        write_outbox(session, shop_id=catalog.shop_id, kind="sample_stock", dedupe_key="stock:1",
                     payload={"product_id": catalog.product_ids[0], "quantity": 12})
    cli("run", "--once")
    with database.session() as session:
        kinds = set(session.scalars(select(SyncRun.kind).where(SyncRun.status == "success")))
        assert {"sample_orders", "outbox:sample_stock"} <= kinds
        assert session.scalar(select(Listing.pushed_stock).where(Listing.product_id == catalog.product_ids[0])) == 12


def test_jobs_run_prints_the_run_and_refuses_enqueue_without_redis(cli: Cli, catalog: Catalog) -> None:
    output = cli("jobs", "run", "sample_count", "kz1").output
    assert "sample_count for shop kz1: success (fetched 3, created 0, updated 0, skipped 0, failed 0)" in output
    refused = cli("jobs", "run", "sample_count", "kz1", "--enqueue", expect=1).output
    assert "--enqueue needs ERPSYNC_REDIS_URL" in refused and "Traceback" not in refused
    assert "no job kind 'nope'" in cli("jobs", "run", "nope", "kz1", expect=1).output
    cli("shop", "set", "kz1", "--base-url", "http://unreachable.example")
    failed = cli("jobs", "run", "sample_push", "kz1", expect=1).output
    assert "sample_push for shop kz1 failed: http://unreachable.example answered HTTP 503" in failed
    assert "erpsync log --shop kz1 --kind sample_push has the details" in failed
    assert "no shop named 'kz9'" in cli("jobs", "run", "sample_count", "kz9", expect=1).output
