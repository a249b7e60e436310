"""Statuses out, through the outbox, to the Kaspi sandbox over HTTP: delivered in order, refused changes
not sent, the SMS code's two steps, a failing marketplace survived; and waybills pushed once (to the
Horoshop sandbox: Kaspi makes its own waybills)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from erpsync.core.config import Settings
from erpsync.jobs.runner import run_inline
from erpsync.models import Order, OrderStatusChange, OutboxMessage, SyncEvent, Waybill
from erpsync.models.db import Database
from erpsync.sandbox.horoshop import DEFAULT_CREDENTIALS as HOROSHOP_LOGIN
from erpsync.sandbox.horoshop import HoroshopSandbox
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.order_import import import_orders
from erpsync.sync.order_status import set_order_status
from erpsync.sync.outbox import retry_message
from erpsync.sync.shops import add_shop
from erpsync.sync.waybills import save_waybill
from tests.sync.order_fixtures import make_kaspi_shop, push, run_import

ORDERS_PATH = "/shop/api/v2/orders"


def _imported(database: Database, secret_key: str, sandbox: KaspiSandbox, **order: Any) -> tuple[str, int]:
    external_id = sandbox.add_order(**order)
    run_import(database, secret_key)
    with database.session() as session:
        return external_id, session.scalar(select(Order.id).where(Order.external_id == external_id))


def _set(database: Database, order_id: int, status: str, **options: Any) -> tuple[int, ...]:
    with database.session() as session:
        return set_order_status(session, session.get(Order, order_id), status, "anna", **options).message_ids


def _message(database: Database, message_id: int) -> OutboxMessage:
    with database.session() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


def _sent_statuses(sandbox: KaspiSandbox) -> list[str]:
    return [r.json()["data"]["attributes"]["status"] for r in sandbox.mutating_requests(ORDERS_PATH)]


def test_status_changes_of_an_order_reach_the_marketplace_in_the_order_they_were_made(
    database: Database, secret_key: str, worker_config: Settings, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    external_id, order_id = _imported(database, secret_key, kaspi, lines=[("BL-PH-700", 1)])
    _set(database, order_id, "accepted")
    [cancel] = _set(database, order_id, "cancelled", reason="BUYER_NOT_REACHABLE", comment="Не дозвонились")
    outcome = push(database, worker_config)
    assert outcome.status == "success"
    assert _sent_statuses(kaspi) == ["ACCEPTED_BY_MERCHANT", "CANCELLED"]
    sent = kaspi.mutating_requests(ORDERS_PATH)[1].json()["data"]["attributes"]
    assert (sent["cancellationReason"], sent["cancellationComment"]) == ("BUYER_NOT_REACHABLE", "Не дозвонились")
    assert kaspi.order(external_id).status == "CANCELLED"
    assert _message(database, cancel).state == "done"
    history_before = _history(database, order_id)
    run_import(database, secret_key, datetime.now(UTC) + timedelta(minutes=2))
    assert _history(database, order_id) == history_before  # reading back what we set changes nothing


def _history(database: Database, order_id: int) -> list[tuple[str | None, str, str]]:
    with database.session() as session:
        return [(h.from_status, h.to_status, h.source) for h in session.scalars(
            select(OrderStatusChange).where(OrderStatusChange.order_id == order_id).order_by(OrderStatusChange.id))]


def test_a_status_the_marketplace_would_refuse_is_not_sent_and_the_log_says_why(
    database: Database, secret_key: str, worker_config: Settings, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    _external_id, order_id = _imported(database, secret_key, kaspi)  # APPROVED_BY_BANK: not accepted yet
    [message_id] = _set(database, order_id, "completed", code="1234")
    push(database, worker_config)
    assert kaspi.mutating_requests() == []
    message = _message(database, message_id)
    assert message.state == "failed" and message.attempts == 1
    assert "APPROVED_BY_BANK cannot be moved to COMPLETED" in (message.last_error or "")
    with database.session() as session:
        warnings = [e.message for e in session.scalars(select(SyncEvent).where(SyncEvent.level == "warning"))]
    assert any("not sent to kaspi" in w and "cannot be moved to COMPLETED" in w for w in warnings)


def test_completing_on_kaspi_sends_the_buyer_a_code_then_completes_with_it(
    database: Database, secret_key: str, worker_config: Settings, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    external_id, order_id = _imported(database, secret_key, kaspi, status="ACCEPTED_BY_MERCHANT")
    _set(database, order_id, "completed")
    push(database, worker_config)
    code = kaspi.sent_code(external_id)
    assert code is not None and kaspi.order(external_id).status == "ACCEPTED_BY_MERCHANT"
    with database.session() as session:
        assert session.get(Order, order_id).status == "accepted"  # changes with the code only
    _set(database, order_id, "completed", code=code)
    push(database, worker_config)
    assert kaspi.order(external_id).status == "COMPLETED"
    assert [r.header("X-Security-Code") for r in kaspi.mutating_requests(ORDERS_PATH)] == ["", code]
    with database.session() as session:
        order = session.get(Order, order_id)
        assert (order.status, order.external_status) == ("completed", "COMPLETED")
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        codes = [m.payload.get("security_code") for m in messages]
    assert codes == [None, "****"]  # the code is not kept once used


def test_an_outbox_row_survives_a_failing_marketplace_and_is_delivered_when_it_recovers(
    database: Database, secret_key: str, worker_config: Settings, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    external_id, order_id = _imported(database, secret_key, kaspi)
    [message_id] = _set(database, order_id, "accepted")
    kaspi.fail_next(10, status=429, retry_after=0)  # two deliveries' worth of refused requests
    push(database, worker_config)
    message = _message(database, message_id)
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.next_attempt_at > datetime.now(UTC) and "HTTP 429" in (message.last_error or "")
    assert push(database, worker_config).run_id is None  # not due yet: the backoff holds it back
    _backoff_passes(database, message_id, max_attempts=2)
    push(database, worker_config)
    message = _message(database, message_id)
    assert message.state == "failed"  # the last attempt failed too: it stays, visible, until retried
    with database.session() as session:
        [error] = session.scalars(select(SyncEvent).where(SyncEvent.level == "error")).all()
        assert f"erpsync outbox retry {message_id}" in error.message
        retry_message(session, message_id)
    push(database, worker_config)  # the marketplace is back
    assert _message(database, message_id).state == "done"
    assert kaspi.order(external_id).status == "ACCEPTED_BY_MERCHANT"
    with database.session() as session:
        assert session.get(Order, order_id).external_status == "ACCEPTED_BY_MERCHANT"


def _backoff_passes(database: Database, message_id: int, **values: Any) -> None:
    with database.session() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1), **values))


def test_a_waybill_is_pushed_once_when_the_order_reaches_a_status_that_pushes_it(
    database: Database, secret_key: str, worker_config: Settings
) -> None:
    with HoroshopSandbox(orders=0, random_seed=4) as horoshop:
        number = horoshop.add_order()
        with database.session() as session:
            add_shop(session, name="ua-horo", marketplace="horoshop", secret_key=secret_key,
                     base_url=horoshop.base_url, credentials=HOROSHOP_LOGIN)
        import_orders(database, "ua-horo", secret_key=secret_key, mappings_dir=worker_config.mappings_dir)
        with database.session() as session:
            order = session.scalar(select(Order).where(Order.external_id == str(number)))
            _waybill, queued = save_waybill(session, order, "20450012345678", carrier="nova_poshta",
                                            mappings_dir=worker_config.mappings_dir)
            assert queued == []  # a new order: its status does not push waybills
            order_id, shop_id = order.id, order.shop_id
        _set(database, order_id, "shipped", mappings_dir=worker_config.mappings_dir)  # horoshop.yaml: push_waybill
        for kind in ("order_status", "waybill", "waybill"):
            run_inline("deliver_outbox", shop_id, {"kind": kind}, database=database, config=worker_config)
        with database.session() as session:
            order = session.get(Order, order_id)
            save_waybill(session, order, "20450012345678", mappings_dir=worker_config.mappings_dir)
            set_order_status(session, order, "shipped", "anna", mappings_dir=worker_config.mappings_dir)
        run_inline("deliver_outbox", shop_id, {"kind": "waybill"}, database=database, config=worker_config)
        updates = [r.json() for r in horoshop.requests_to("/api/orders/update/")]
        assert horoshop.order(number)["tracking_code"] == "20450012345678"
        assert horoshop.order(number)["stat_status"] == 6
    assert sum("tracking_code" in json.dumps(body) for body in updates) == 1
    with database.session() as session:
        [waybill] = session.scalars(select(Waybill)).all()
        assert waybill.pushed_at is not None
        assert {m.state for m in session.scalars(select(OutboxMessage))} == {"done"}
