"""Jobs on the real Redis and RQ workers: a run is recorded, a second run of a shop's kind is
skipped while the first holds the lock, transient failures are retried then kept in the failed
registry and the sync log, and `retry` puts them back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select, update

from erpsync.core.config import Settings
from erpsync.core.errors import ValidationError
from erpsync.jobs.dispatch import redis_dispatch
from erpsync.jobs.locks import RedisRunLock
from erpsync.jobs.queues import all_queues, enqueue
from erpsync.jobs.status import queue_summaries, retry_job
from erpsync.models import Listing, Shop, SyncRun, utcnow
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.outbox import write_outbox
from erpsync.sync.shops import add_shop
from tests.jobs.fixtures import Catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    connection = Redis.from_url(redis_url)
    yield connection
    connection.close()


def work(redis: Redis) -> None:
    """A burst worker in this process: runs everything queued (and due retries), then returns."""
    SimpleWorker(all_queues(redis), connection=redis).work(burst=True, with_scheduler=True, logging_level="WARNING")


def runs(database: Database, kind: str) -> list[SyncRun]:
    with database.session() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.kind == kind).order_by(SyncRun.id)))


def test_enqueued_job_runs_on_a_burst_worker_and_records_its_run(
    database: Database, catalog: Catalog, job_env: Settings, redis: Redis
) -> None:
    queued = enqueue(redis, "sample_count", catalog.shop_id)
    again = enqueue(redis, "sample_count", catalog.shop_id)
    assert again.job_id == queued.job_id and again.coalesced  # still waiting: one job
    work(redis)
    [run] = runs(database, "sample_count")
    assert (run.status, run.fetched, run.shop_id, run.job_id) == ("success", 3, catalog.shop_id, queued.job_id)
    job = Job.fetch(queued.job_id, connection=redis)
    assert job.get_status() == JobStatus.FINISHED
    assert job.meta["progress"]["done"] == job.meta["progress"]["total"] == 3
    assert job.return_value()["status"] == "success"
    assert not enqueue(redis, "sample_count", catalog.shop_id).coalesced  # the first one ran: a new job


def test_job_parameters_never_carry_credentials(redis: Redis) -> None:
    with pytest.raises(ValidationError, match="looks like a credential"):
        enqueue(redis, "sample_count", 1, {"api_token": "s3cr3t"})
    assert Queue("default", connection=redis).count == 0


def test_failing_job_retries_then_stays_failed_in_registry_and_log_until_retried(
    database: Database, catalog: Catalog, job_env: Settings, redis: Redis
) -> None:
    with database.session() as session:
        session.execute(update(Shop).values(base_url="http://unreachable.example"))
    queued = enqueue(redis, "sample_push", catalog.shop_id)
    work(redis)
    failed = runs(database, "sample_push")
    assert [r.status for r in failed] == ["failed", "failed", "failed"]
    assert "attempt 1 of 3; retrying in 0 s" in (failed[0].message or "")
    assert f"gave up after 3 attempt(s); `erpsync jobs retry {queued.job_id}`" in (failed[2].message or "")
    assert "HTTP 503" in (failed[2].message or "")
    assert queued.job_id in FailedJobRegistry("push", connection=redis).get_job_ids()

    with database.session() as session:  # the marketplace is back
        session.execute(update(Shop).values(base_url="http://127.0.0.1:9/kaspi"))
    retry_job(redis, queued.job_id)
    assert Job.fetch(queued.job_id, connection=redis).retries_left == 2
    work(redis)
    assert runs(database, "sample_push")[-1].status == "success"
    with database.session() as session:
        assert all(listing.pushed_at for listing in session.scalars(select(Listing)))
    with pytest.raises(ValidationError, match="only failed jobs"):
        retry_job(redis, queued.job_id)


def test_transient_failure_waits_its_backoff_delay_before_the_retry(
    database: Database, catalog: Catalog, job_env: Settings, redis: Redis
) -> None:
    with database.session() as session:
        session.execute(update(Shop).values(base_url="http://unreachable.example"))
    queued = enqueue(redis, "sample_push_later", catalog.shop_id)
    work(redis)
    scheduled = ScheduledJobRegistry("push", connection=redis)
    assert scheduled.get_job_ids() == [queued.job_id]
    delay = scheduled.get_scheduled_time(queued.job_id) - utcnow()
    assert timedelta(seconds=25) < delay <= timedelta(seconds=30)
    assert "retrying in 30 s" in (runs(database, "sample_push_later")[0].message or "")
    assert enqueue(redis, "sample_push_later", catalog.shop_id).coalesced  # the retry is waiting


def test_permanent_error_goes_to_the_failed_registry_without_retries(
    database: Database, catalog: Catalog, job_env: Settings, redis: Redis
) -> None:
    queued = enqueue(redis, "sample_permanent", catalog.shop_id)
    work(redis)
    [run] = runs(database, "sample_permanent")
    assert run.status == "failed" and "setting currency is not set" in (run.message or "")
    assert "gave up after 1 attempt(s)" in (run.message or "")
    assert queued.job_id in FailedJobRegistry("default", connection=redis).get_job_ids()


def _start_worker(redis_url: str, job_env: Settings) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ERPSYNC_REDIS_URL": redis_url, "ERPSYNC_DATABASE_URL": job_env.database_url,
           "ERPSYNC_SECRET_KEY": job_env.secret_key or "", "ERPSYNC_JOB_MODULES": "tests.jobs.sample_kinds",
           "PYTHONPATH": str(ROOT)}
    command = [str(Path(sys.executable).parent / "erpsync"), "worker", "--burst", "--queues", "default"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for(condition: Callable[[], object], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_running_job_shows_progress_and_a_second_run_of_its_shop_is_skipped(
    database: Database, catalog: Catalog, job_env: Settings, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    first = enqueue(redis, "sample_hold", catalog.shop_id, {"release_file": str(release)})
    worker = _start_worker(redis_url, job_env)  # another process, forking RQ worker
    try:
        _wait_for(lambda: Job.fetch(first.job_id, connection=redis).meta.get("progress"), "the first run to start")
        [summary] = [s for s in queue_summaries(redis) if s.queue == "default"]
        [running] = [row for row in summary.jobs if row.state == "running"]
        assert running.job_id == first.job_id and running.detail == "1/2 (50%) waiting for release"

        second = enqueue(redis, "sample_hold", catalog.shop_id, {"release_file": str(release)})
        work(redis)  # a second worker, here
        assert Job.fetch(second.job_id, connection=redis).return_value()["status"] == "skipped"
        release.touch()
        assert worker.wait(timeout=30) == 0, worker.stdout.read() if worker.stdout else ""
    finally:
        release.touch()
        if worker.poll() is None:
            worker.kill()
    statuses = [(r.status, r.job_id) for r in runs(database, "sample_hold")]
    assert ("skipped", second.job_id) in statuses and ("success", first.job_id) in statuses
    [skipped] = [r for r in runs(database, "sample_hold") if r.status == "skipped"]
    assert skipped.message == f"skipped: another sample_hold run for shop #{catalog.shop_id} is in progress"


def test_redis_run_lock_is_owned_and_expires(redis: Redis) -> None:
    first = RedisRunLock(redis, "sample:shop=1", seconds=1)
    second = RedisRunLock(redis, "sample:shop=1", seconds=1)
    assert first.acquire() and not second.acquire()
    second.release()  # not the owner: nothing happens
    assert first.owned() and first.extend()
    redis.pexpire("erpsync:lock:sample:shop=1", 1)  # the owner died; the expiry frees the lock
    time.sleep(0.01)
    assert second.acquire()
    assert not first.extend() and not first.owned()
    first.release()
    assert second.owned()


def test_outbox_change_is_dispatched_once_and_delivered_by_a_worker(
    database: Database, catalog: Catalog, job_env: Settings, redis: Redis
) -> None:
    with database.session() as session:
        for quantity, product_id in enumerate(catalog.product_ids):
            write_outbox(session, shop_id=catalog.shop_id, kind="sample_stock", dedupe_key=f"stock:{product_id}",
                         payload={"product_id": product_id, "quantity": quantity})
    first, second = redis_dispatch(database, redis), redis_dispatch(database, redis)
    assert len(first) == 1 and second[0].job_id == first[0].job_id and second[0].coalesced
    work(redis)
    with database.session() as session:
        assert list(session.scalars(select(Listing.pushed_stock).order_by(Listing.product_id))) == [0, 1, 2]
    [run] = runs(database, "outbox:sample_stock")
    assert (run.status, run.updated, run.job_id) == ("success", 3, first[0].job_id)
    assert redis_dispatch(database, redis) == []


def test_status_change_in_the_outbox_reaches_the_kaspi_sandbox_through_a_worker(
    database: Database, job_env: Settings, redis: Redis
) -> None:
    with KaspiSandbox(credentials={"token": "kz-outbox-token"}, orders=0, random_seed=3) as sandbox:
        order_id = sandbox.add_order()
        with database.session() as session:
            shop = add_shop(session, name="kz-sandbox", marketplace="kaspi", secret_key=job_env.require_secret_key(),
                            base_url=sandbox.base_url, credentials={"token": "kz-outbox-token"})
            write_outbox(session, shop_id=shop.id, kind="sample_status", dedupe_key=f"status:{order_id}",
                         payload={"order_id": order_id, "code": sandbox.order(order_id).code})
        [delivery] = redis_dispatch(database, redis)
        assert "kz-outbox-token" not in json.dumps(Job.fetch(delivery.job_id, connection=redis).args)
        work(redis)
        assert sandbox.order(order_id).status == "ACCEPTED_BY_MERCHANT"
        assert len(sandbox.mutating_requests()) == 1
    [run] = runs(database, "outbox:sample_status")
    assert (run.status, run.updated) == ("success", 1)
