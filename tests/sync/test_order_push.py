"""Statuses out, through the outbox, to the Kaspi sandbox over HTTP: delivered in order, refused changes
not sent, the SMS code's two steps, a failing marketplace survived; and waybills pushed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from erpsync.core.config import Settings
from erpsync.marketplaces.base import CAP_WAYBILL, Connector, OrderRef, WaybillInfo
from erpsync.marketplaces.kaspi.enums import ENUMS
from erpsync.models import Order, OrderStatusChange, OutboxMessage, SyncEvent, Waybill
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.order_outbox import BatchMemory
from erpsync.sync.order_status import set_order_status
from erpsync.sync.outbox import retry_message
from erpsync.sync.waybills import deliver_waybill_message, save_waybill
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


class WaybillDesk(Connector):
    """A marketplace that takes waybills (Kaspi makes its own), keeping what it received in memory."""

    name = "kaspi"
    enums = ENUMS
    capabilities = frozenset({CAP_WAYBILL})

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []

    def push_waybill(self, ref: OrderRef, waybill: WaybillInfo) -> None:
        self.received.append((ref.external_id, waybill.number))


def test_a_waybill_is_pushed_once(
    database: Database, secret_key: str, worker_config: Settings, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    external_id, order_id = _imported(database, secret_key, kaspi)
    with database.session() as session:
        waybill, queued = save_waybill(session, session.get(Order, order_id), "20450012345678", carrier="kaspi")
        assert queued == []  # Kaspi takes no waybills through its API: nothing is queued for it
        session.add(OutboxMessage(shop_id=session.get(Order, order_id).shop_id, kind="waybill",
                                  dedupe_key=f"order:{order_id}:waybill:{waybill.id}",
                                  payload={"order_id": order_id, "waybill_id": waybill.id}))
        session.flush()
        message_ids = [m.id for m in session.scalars(select(OutboxMessage))]
        waybill_id = waybill.id
    desk = WaybillDesk()
    batch = BatchMemory(mappings_dir=worker_config.mappings_dir)
    first = deliver_waybill_message(database, message_ids[0], {"order_id": order_id, "waybill_id": waybill_id},
                                    desk, batch)
    again = deliver_waybill_message(database, message_ids[0], {"order_id": order_id, "waybill_id": waybill_id},
                                    desk, batch)
    assert (first.sent, again.sent) == (True, False)
    assert desk.received == [(external_id, "20450012345678")]
    with database.session() as session:
        session.get(Waybill, waybill_id).pushed_at = datetime.now(UTC)
    later = deliver_waybill_message(database, message_ids[0], {"order_id": order_id, "waybill_id": waybill_id},
                                    desk, BatchMemory())
    assert not later.sent and desk.received == [(external_id, "20450012345678")]
