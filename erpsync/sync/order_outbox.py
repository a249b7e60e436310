"""Outbox messages of orders (status changes and waybills): writing them, and what their delivery shares.

Messages of one order are delivered in the order they were written: a message waits while an earlier
one of the same order is still undelivered, so "accept" always reaches the marketplace before
"complete". A message is written in the caller's transaction, next to the change it announces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import MarketplaceError
from erpsync.models import Order, OutboxMessage, Shop
from erpsync.models.db import Database
from erpsync.models.integration import OUTBOX_IN_PROGRESS, OUTBOX_PENDING

KIND_STATUS = "order_status"
KIND_WAYBILL = "waybill"
ORDER_KINDS = (KIND_STATUS, KIND_WAYBILL)


def write_message(session: Session, order: Order, kind: str, dedupe_key: str, payload: dict[str, Any]) -> OutboxMessage:
    """An outbox message for ``order`` in the caller's transaction; a pending one with the same key is
    replaced (coalesced) rather than repeated."""
    payload = {"order_id": order.id, **payload}
    pending = session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.shop_id == order.shop_id, OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.state == OUTBOX_PENDING,
        ).with_for_update()
    )
    if pending is not None:
        pending.payload = payload
        session.flush()
        return pending
    message = OutboxMessage(shop_id=order.shop_id, kind=kind, dedupe_key=dedupe_key, payload=payload)
    session.add(message)
    session.flush()
    return message


class WaitForEarlier(MarketplaceError):
    """An earlier message of the same order is not delivered yet: try this one again later."""

    def __init__(self, order_number: str, earlier_id: int) -> None:
        super().__init__(f"order {order_number}: waiting for the earlier change #{earlier_id} to be delivered",
                         retryable=True)


def check_earlier(session: Session, message_id: int, order: Order) -> None:
    """Refuse (for now) to deliver a message while an earlier message of the same order is undelivered."""
    earlier = session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.shop_id == order.shop_id, OutboxMessage.kind.in_(ORDER_KINDS),
            OutboxMessage.id < message_id, OutboxMessage.state.in_((OUTBOX_PENDING, OUTBOX_IN_PROGRESS)),
            OutboxMessage.payload["order_id"].as_integer() == order.id,
        ).order_by(OutboxMessage.id).limit(1)
    )
    if earlier is not None:
        raise WaitForEarlier(order.number, earlier)


@dataclass(frozen=True)
class OrderTarget:
    """What a delivery needs of an order, read in a short transaction before talking to the marketplace."""

    order_id: int
    shop_name: str
    marketplace: str
    external_id: str
    number: str
    external_status: str | None


def load_target(database: Database, message_id: int, order_id: int) -> tuple[OrderTarget, Shop]:
    from erpsync.core.errors import NotFoundError

    with database.session() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFoundError(f"order id {order_id} of outbox message #{message_id} no longer exists")
        check_earlier(session, message_id, order)
        shop = session.get(Shop, order.shop_id)
        assert shop is not None
        target = OrderTarget(order.id, shop.name, shop.marketplace, order.external_id, order.number,
                             order.external_status)
        session.expunge(shop)
    return target, shop
