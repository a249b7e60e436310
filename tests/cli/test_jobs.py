"""``erpsync jobs``, ``worker``, ``scheduler`` and ``outbox`` against the real Redis and database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from erpsync.models import Listing, OutboxMessage, Shop, SyncRun
from erpsync.models.db import Database
from erpsync.sync.outbox import write_outbox
from tests.conftest import Cli
from tests.jobs.fixtures import Catalog


@pytest.fixture
def rcli(cli: Cli, redis_url: str) -> Cli:
    """The command line with ERPSYNC_REDIS_URL set."""
    return Cli({**cli.env, "ERPSYNC_REDIS_URL": redis_url}, cli.cwd)


def test_enqueue_list_work_off_and_retry_through_the_command_line(
    rcli: Cli, database: Database, catalog: Catalog
) -> None:
    queued = rcli("jobs", "run", "sample_count", "kz1", "--enqueue").output
    assert "queued sample_count for shop kz1 on queue default: job " in queued
    job_id = queued.strip().rsplit(" ", 1)[-1]
    assert "already waiting" in rcli("jobs", "run", "sample_count", "kz1", "--enqueue").output
    listing = json.loads(rcli("jobs", "list", "--format", "json").output)
    [default] = [q for q in listing if q["queue"] == "default"]
    assert default["counts"]["queued"] == 1 and default["jobs"][0]["job_id"] == job_id
    assert "sample_count" in rcli("jobs").output and "kz1" in rcli("jobs").output

    with database.session() as session:
        session.execute(update(Shop).values(base_url="http://unreachable.example"))
    rcli("jobs", "run", "sample_push", "kz1", "--enqueue")
    rcli("worker", "--burst", "--no-fork")
    with database.session() as session:
        assert session.scalar(select(SyncRun.status).where(SyncRun.job_id == job_id)) == "success"
    shown = rcli("jobs", "list").output
    assert "failed" in shown and "HTTP 503" in shown
    failed = json.loads(rcli("jobs", "list", "--format", "json").output)
    [push] = [q for q in failed if q["queue"] == "push"]
    [failed_job] = [j for j in push["jobs"] if j["state"] == "failed"]
    with database.session() as session:
        session.execute(update(Shop).values(base_url="http://127.0.0.1:9/kaspi"))
    assert f"job {failed_job['job_id']} is queued again on push" in rcli("jobs", "retry", failed_job["job_id"]).output
    rcli("worker", "--burst", "--no-fork", "--queues", "push")
    with database.session() as session:
        assert all(session.scalars(select(Listing.pushed_at)))
    assert "no job nope" in rcli("jobs", "retry", "nope", expect=1).output


def test_scheduler_once_enqueues_due_runs_and_outbox_deliveries(
    rcli: Cli, database: Database, catalog: Catalog
) -> None:
    with database.session() as session:
        write_outbox(session, shop_id=catalog.shop_id, kind="sample_stock", dedupe_key="stock:1",
                     payload={"product_id": catalog.product_ids[0], "quantity": 4})
    rcli("scheduler", "--once")
    counts = {q["queue"]: q["counts"]["queued"] for q in json.loads(rcli("jobs", "list", "--format", "json").output)}
    # sample_orders and import_orders (neither ran yet: the shop is on Kaspi), and the delivery
    assert counts["orders"] == 2 and counts["push"] == 1
    rcli("worker", "--burst", "--no-fork")
    with database.session() as session:
        assert session.scalar(select(Listing.pushed_stock).where(Listing.product_id == catalog.product_ids[0])) == 4


def test_outbox_list_and_retry_of_a_failed_message(cli: Cli, database: Database, catalog: Catalog) -> None:
    with database.session() as session:
        message = write_outbox(session, shop_id=catalog.shop_id, kind="sample_stock", dedupe_key="stock:1",
                               payload={"product_id": catalog.product_ids[0], "quantity": 1,
                                        "answer": "unknown offer"})
        write_outbox(session, shop_id=catalog.shop_id, kind="not_yet_handled", dedupe_key="x", payload={})
    cli("run", "--once")
    listed = cli("outbox", "list", "--state", "failed").output
    assert "unknown offer" in listed and "none registered: messages wait" in listed
    assert f"{message.id}" in listed
    assert "1 message(s) will be delivered again" in cli("outbox", "retry", str(message.id)).output
    with database.session() as session:
        assert session.get(OutboxMessage, message.id).state == "pending"  # type: ignore[union-attr]
    assert "only failed messages are retried" in cli("outbox", "retry", str(message.id), expect=1).output


def test_worker_and_scheduler_need_redis(cli: Cli, catalog: Catalog) -> None:
    for command in (("worker", "--burst"), ("scheduler", "--once"), ("jobs", "retry", "--all")):
        output = cli(*command, expect=1).output
        assert "needs ERPSYNC_REDIS_URL" in output and "Traceback" not in output
    assert "nothing is queued" in cli("jobs").output


def test_run_by_hand_takes_the_workers_lock_when_redis_is_configured(
    rcli: Cli, catalog: Catalog, redis_url: str
) -> None:
    from redis import Redis

    from erpsync.jobs.locks import RedisRunLock

    connection = Redis.from_url(redis_url)
    held = RedisRunLock(connection, f"sample_count:shop={catalog.shop_id}")  # a worker's run in progress
    assert held.acquire()
    output = rcli("jobs", "run", "sample_count", "kz1").output
    assert f"skipped: another sample_count run for shop #{catalog.shop_id} is in progress" in output
    held.release()
    assert "success" in rcli("jobs", "run", "sample_count", "kz1").output
    assert "with Redis, run `erpsync worker` and `erpsync scheduler`" in rcli("run", "--once", expect=1).output
    connection.close()
