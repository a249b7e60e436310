"""Waybills (TTN) of orders: saving one, and pushing it to the marketplace once.

A waybill is pushed when its order is in (or reaches) an accounting status whose outbound mapping
says ``push_waybill: true``; ``Waybill.pushed_at`` records the push, and a waybill pushed once is
never pushed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.marketplaces.base import Connector, OrderRef, WaybillInfo
from erpsync.models import Order, Shop, Waybill, utcnow
from erpsync.models.db import Database
from erpsync.sync.order_outbox import BatchMemory, Delivery, deliver_order_messages, load_target
from erpsync.sync.order_status import outbound_action, queue_waybills


def save_waybill(
    session: Session, order: Order, number: str, *, carrier: str | None = None, mappings_dir: Path | None = None
) -> tuple[Waybill, list[int]]:
    """Save a waybill on ``order`` (the same number twice is one waybill) and queue its push when the
    order's status says so; returns the waybill and the outbox message ids queued."""
    number = number.strip()
    if not number:
        raise ValidationError("a waybill needs a number")
    waybill = session.scalar(select(Waybill).where(Waybill.order_id == order.id, Waybill.number == number))
    if waybill is None:
        waybill = Waybill(order_id=order.id, number=number, carrier=carrier or order.delivery_method or "other")
        session.add(waybill)
        session.flush()
    elif carrier and waybill.carrier != carrier:
        waybill.carrier = carrier
    shop = session.get(Shop, order.shop_id)
    assert shop is not None
    ids = queue_waybills(session, order) if outbound_action(shop, order.status, mappings_dir).push_waybill else []
    return waybill, ids


def deliver_waybill_message(
    database: Database, message_id: int, payload: Mapping[str, Any], connector: Connector, batch: BatchMemory
) -> Delivery:
    """Push one waybill with an open connector of its shop, unless it was pushed already."""
    target, shop = load_target(database, message_id, int(payload["order_id"]), delivered=batch.delivered)
    with database.session() as session:
        waybill = session.get(Waybill, int(payload["waybill_id"]))
        if waybill is None:
            raise NotFoundError(f"waybill id {payload['waybill_id']} of order {target.number} no longer exists")
        if waybill.pushed_at is not None or waybill.id in batch.pushed_waybills:
            return Delivery(False, f"order {target.number}: waybill {waybill.number} was pushed already")
        info = WaybillInfo(number=waybill.number, carrier=waybill.carrier)
    current = batch.external_status.get(target.order_id, target.external_status)
    connector.push_waybill(OrderRef(target.external_id, target.number, current), info)
    batch.pushed_waybills.add(int(payload["waybill_id"]))
    return Delivery(True, f"order {target.number}: waybill {info.number} pushed to {shop.marketplace}")


def deliver_waybills(delivery: Any) -> None:
    """The outbox handler of ``waybill`` messages: each waybill is pushed once; ``pushed_at`` is written
    in the transaction that marks the messages done."""
    deliver_order_messages(delivery, deliver_waybill_message, _record_waybills)


def _record_waybills(batch: BatchMemory) -> Callable[[Session], None]:
    def write(session: Session) -> None:
        now = utcnow()
        for waybill_id in batch.pushed_waybills:
            waybill = session.get(Waybill, waybill_id)
            if waybill is not None and waybill.pushed_at is None:
                waybill.pushed_at = now
    return write
