"""The outbox on SQLite and PostgreSQL: coalescing, claims that never overlap, backoff, failing for
good, lease expiry, and delivery recorded in the transaction that marks a message done."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from erpsync.core.config import Settings, load_settings
from erpsync.models import Listing, OutboxMessage, SyncEvent, utcnow
from erpsync.models.db import Database
from erpsync.sync.context import RunContext
from erpsync.sync.outbox import (
    claim_due,
    deliver_due,
    due_pairs,
    retry_message,
    write_outbox,
    write_outbox_many,
)
from tests.jobs.fixtures import Catalog, add_shop

KIND = "sample_stock"


@pytest.fixture
def config(database: Database, secret_key: str, tmp_path: Path) -> Settings:
    return load_settings({"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key}, cwd=tmp_path)


def deliver(database: Database, config: Settings, shop_id: int) -> dict[str, int]:
    run = RunContext(database, config, f"outbox:{KIND}", shop_id, {"kind": KIND})
    result = deliver_due(run)
    if run.has_log:
        run.log.finish()
    return result


def stock(database: Database, shop_id: int, product_id: int, quantity: int, **extra: object) -> int:
    with database.session() as session:
        return write_outbox(session, shop_id=shop_id, kind=KIND, dedupe_key=f"stock:{product_id}",
                            payload={"product_id": product_id, "quantity": quantity, **extra}).id


def message(database: Database, message_id: int) -> OutboxMessage:
    with database.session() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def make_due(database: Database, *ids: int) -> None:
    with database.session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def pushes(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(SyncEvent.entity_id).where(SyncEvent.message == "pushed")))


def pushed_stock(database: Database, catalog: Catalog) -> list[int | None]:
    with database.session() as session:
        return [session.scalar(select(Listing.pushed_stock).where(Listing.product_id == p))
                for p in catalog.product_ids]


def test_pending_changes_of_one_sku_coalesce_into_one_message(database: Database, catalog: Catalog) -> None:
    first = stock(database, catalog.shop_id, catalog.product_ids[0], 5)
    second = stock(database, catalog.shop_id, catalog.product_ids[0], 4)
    other = stock(database, catalog.shop_id, catalog.product_ids[1], 9)
    assert first == second != other
    assert message(database, first).payload["quantity"] == 4
    with database.session() as session:
        claimed = claim_due(session, catalog.shop_id, KIND, limit=10, lease_seconds=60)
    assert [item.id for item in claimed] == [first, other]
    third = stock(database, catalog.shop_id, catalog.product_ids[0], 3)  # the claimed one is no longer pending
    assert third not in (first, other)


def test_due_messages_are_delivered_once_and_recorded_with_the_done_mark(
    database: Database, catalog: Catalog, config: Settings
) -> None:
    ids = [stock(database, catalog.shop_id, p, 7 + n) for n, p in enumerate(catalog.product_ids)]
    with database.session() as session:
        assert due_pairs(session) == [(catalog.shop_id, KIND)]
    summary = deliver(database, config, catalog.shop_id)
    assert summary["delivered"] == 3 and summary["claimed"] == 3
    assert pushed_stock(database, catalog) == [7, 8, 9]
    assert all(message(database, i).state == "done" and message(database, i).delivered_at for i in ids)
    assert deliver(database, config, catalog.shop_id)["claimed"] == 0
    assert sorted(pushes(database)) == sorted(str(i) for i in ids)


def test_transient_failure_is_retried_with_doubling_backoff(
    database: Database, catalog: Catalog, config: Settings
) -> None:
    failing = stock(database, catalog.shop_id, catalog.product_ids[0], 1, answer="502")
    fine = stock(database, catalog.shop_id, catalog.product_ids[1], 2)
    before = utcnow()
    summary = deliver(database, config, catalog.shop_id)
    assert (summary["delivered"], summary["retrying"]) == (1, 1)
    row = message(database, failing)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "HTTP 502")
    assert timedelta(seconds=9) < row.next_attempt_at - before <= timedelta(seconds=11)
    assert deliver(database, config, catalog.shop_id)["claimed"] == 0  # not due yet
    make_due(database, failing)
    deliver(database, config, catalog.shop_id)
    row = message(database, failing)
    assert row.attempts == 2 and timedelta(seconds=19) < row.next_attempt_at - utcnow() <= timedelta(seconds=21)
    assert message(database, fine).state == "done"


def test_message_fails_after_max_attempts_with_its_error_in_the_sync_log(
    database: Database, catalog: Catalog, config: Settings
) -> None:
    with database.session() as session:
        failing = write_outbox(session, shop_id=catalog.shop_id, kind=KIND, dedupe_key="stock:x", max_attempts=2,
                               payload={"product_id": catalog.product_ids[0], "quantity": 1, "answer": "502"}).id
    deliver(database, config, catalog.shop_id)
    make_due(database, failing)
    summary = deliver(database, config, catalog.shop_id)
    assert summary["failed"] == 1
    row = message(database, failing)
    assert (row.state, row.attempts) == ("failed", 2)
    with database.session() as session:
        event = session.scalars(select(SyncEvent).where(SyncEvent.level == "error")).one()
    assert event.entity_id == str(failing) and "HTTP 502" in event.message
    assert f"erpsync outbox retry {failing}" in event.message and event.payload["answer"] == "502"
    make_due(database, failing)
    assert deliver(database, config, catalog.shop_id)["claimed"] == 0
    with database.session() as session:
        retry_message(session, failing)
    assert (message(database, failing).state, message(database, failing).attempts) == ("pending", 0)


def test_permanent_error_fails_the_message_at_once(database: Database, catalog: Catalog, config: Settings) -> None:
    rejected = stock(database, catalog.shop_id, catalog.product_ids[0], 1, answer="unknown offer")
    assert deliver(database, config, catalog.shop_id)["failed"] == 1
    row = message(database, rejected)
    assert (row.state, row.attempts) == ("failed", 1) and "unknown offer" in (row.last_error or "")


def test_batch_failure_puts_every_message_back_and_records_nothing(
    database: Database, catalog: Catalog, config: Settings
) -> None:
    ids = [stock(database, catalog.shop_id, catalog.product_ids[0], 1, answer="down"),
           stock(database, catalog.shop_id, catalog.product_ids[1], 2)]
    assert deliver(database, config, catalog.shop_id)["retrying"] == 2
    assert [message(database, i).state for i in ids] == ["pending", "pending"]
    assert pushed_stock(database, catalog) == [None, None, None]


def test_message_of_a_dead_worker_is_delivered_after_its_lease(
    database: Database, catalog: Catalog, config: Settings
) -> None:
    claimed_id = stock(database, catalog.shop_id, catalog.product_ids[0], 6)
    with database.session() as session:  # a worker claims it and dies
        [dead] = claim_due(session, catalog.shop_id, KIND, limit=10, lease_seconds=60)
    assert deliver(database, config, catalog.shop_id)["claimed"] == 0  # its lease still runs
    with database.session() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert deliver(database, config, catalog.shop_id)["delivered"] == 1
    row = message(database, claimed_id)
    assert (row.state, row.attempts) == ("done", 2)
    with database.session() as session:  # the dead worker's late "done" is refused by the attempts fence
        late = session.execute(update(OutboxMessage).where(OutboxMessage.id == dead.id,
                                                           OutboxMessage.state == "in_progress",
                                                           OutboxMessage.attempts == dead.attempts)
                               .values(state="done"))
        assert late.rowcount == 0
    assert pushes(database) == [str(claimed_id)]


def test_worker_whose_lease_ran_out_cannot_mark_done_or_record(
    database: Database, catalog: Catalog, config: Settings
) -> None:
    slow = stock(database, catalog.shop_id, catalog.product_ids[0], 6, answer="slow")
    summary = deliver(database, config, catalog.shop_id)
    assert summary["lease_lost"] == 1 and summary["delivered"] == 0
    assert message(database, slow).state == "in_progress"  # the other worker's claim stands
    assert pushed_stock(database, catalog) == [None, None, None]
    with database.session() as session:
        warning = session.scalars(select(SyncEvent.message).where(SyncEvent.level == "warning")).one()
    assert "lease" in warning


def test_a_key_waits_while_its_previous_message_is_in_flight(database: Database, catalog: Catalog) -> None:
    stock(database, catalog.shop_id, catalog.product_ids[0], 5)
    with database.session() as session:
        assert len(claim_due(session, catalog.shop_id, KIND, limit=10, lease_seconds=60)) == 1
    newer = stock(database, catalog.shop_id, catalog.product_ids[0], 4)
    with database.session() as session:
        assert claim_due(session, catalog.shop_id, KIND, limit=10, lease_seconds=60) == []
        session.execute(update(OutboxMessage).where(OutboxMessage.id != newer)
                        .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    with database.session() as session:  # lease over: both come, the older is superseded on delivery
        assert len(claim_due(session, catalog.shop_id, KIND, limit=10, lease_seconds=60)) == 2


def test_older_message_of_a_key_is_superseded_not_delivered(
    database: Database, catalog: Catalog, config: Settings
) -> None:
    older = stock(database, catalog.shop_id, catalog.product_ids[0], 5)
    with database.session() as session:
        claim_due(session, catalog.shop_id, KIND, limit=10, lease_seconds=60)
    newer = stock(database, catalog.shop_id, catalog.product_ids[0], 4)
    make_due(database, older)
    assert deliver(database, config, catalog.shop_id)["superseded"] == 1
    assert message(database, older).last_error == f"superseded by #{newer}"
    assert message(database, older).delivered_at is None
    assert pushed_stock(database, catalog)[0] == 4 and pushes(database) == [str(newer)]


def test_concurrent_claimers_never_get_the_same_message(database: Database) -> None:
    shop_id = add_shop(database)
    with database.session() as session:
        session.add_all(OutboxMessage(shop_id=shop_id, kind=KIND, dedupe_key=f"stock:{n}", payload={})
                        for n in range(120))
    taken: list[list[int]] = [[], [], []]
    start = threading.Barrier(3)

    def claimer(slot: int) -> None:
        start.wait()
        while True:
            with database.session() as session:
                items = claim_due(session, shop_id, KIND, limit=7, lease_seconds=60)
            if not items:
                return
            taken[slot].extend(item.id for item in items)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for ids in taken for i in ids]
    assert len(everything) == len(set(everything)) == 120


def test_one_transaction_writes_more_messages_than_postgresql_has_locks(pg_database: Database) -> None:
    """A transaction changing the stock of thousands of products: PostgreSQL's lock table holds 6,400
    locks by default (64 a connection; it stretches to about 15,000), so a lock per message would fail
    the transaction ("out of shared memory")."""
    shop_id = add_shop(pg_database)
    keys = [f"stock:{n}" for n in range(20_000)]
    with pg_database.session() as session:
        written = write_outbox_many(session, shop_id=shop_id, kind=KIND,
                                    messages=[(key, {"n": n}) for n, key in enumerate(keys)])
    assert len(written) == 20_000
    with pg_database.session() as session:  # the same keys again coalesce into the pending rows
        write_outbox_many(session, shop_id=shop_id, kind=KIND,
                          messages=[(key, {"n": n + 1}) for n, key in enumerate(keys)])
    with pg_database.session() as session:
        rows = session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.payload)
                               .where(OutboxMessage.shop_id == shop_id)).all()
    assert len(rows) == 20_000
    assert {key: payload["n"] for key, payload in rows} == {key: n + 1 for n, key in enumerate(keys)}


def test_concurrent_bulk_and_single_writers_leave_one_pending_message_a_key(database: Database) -> None:
    shop_id = add_shop(database)
    keys = [f"stock:{n}" for n in range(300)]
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def bulk(offset: int) -> None:
        try:
            start.wait()
            for round_ in range(3):
                with database.session() as session:
                    write_outbox_many(session, shop_id=shop_id, kind=KIND,
                                      messages=[(key, {"by": offset, "round": round_}) for key in keys])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    def single() -> None:
        try:
            start.wait()
            for key in keys[::7]:
                with database.session() as session:
                    write_outbox(session, shop_id=shop_id, kind=KIND, dedupe_key=key, payload={"by": "single"})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=bulk, args=(n,)) for n in range(3)] + [threading.Thread(target=single)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        counts = session.execute(select(OutboxMessage.dedupe_key, func.count())
                                 .where(OutboxMessage.shop_id == shop_id)
                                 .group_by(OutboxMessage.dedupe_key)).all()
    assert len(counts) == 300
    assert {count for _key, count in counts} == {1}
