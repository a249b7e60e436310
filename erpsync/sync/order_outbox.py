"""Outbox messages of orders (status changes and waybills): writing them, and what their delivery shares.

Messages of one order are delivered in the order they were written: a message waits while an earlier
one of the same order is still undelivered, so "accept" always reaches the marketplace before
"complete". A message is written in the caller's transaction, next to the change it announces.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import MarketplaceError, NotFoundError, TransitionError, ValidationError
from erpsync.marketplaces.base import Connector
from erpsync.models import Order, OutboxMessage, Shop
from erpsync.models.db import Database
from erpsync.models.integration import OUTBOX_IN_PROGRESS, OUTBOX_PENDING
from erpsync.sync.connectors import connector_for
from erpsync.sync.outbox import write_outbox

KIND_STATUS = "order_status"
KIND_WAYBILL = "waybill"
ORDER_KINDS = (KIND_STATUS, KIND_WAYBILL)


def write_message(session: Session, order: Order, kind: str, dedupe_key: str, payload: dict[str, Any]) -> OutboxMessage:
    """An outbox message for ``order`` in the caller's transaction; a pending one with the same key is
    replaced (coalesced) rather than repeated."""
    return write_outbox(session, shop_id=order.shop_id, kind=kind, dedupe_key=dedupe_key,
                        payload={"order_id": order.id, **payload})


class WaitForEarlier(MarketplaceError):
    """An earlier message of the same order is not delivered yet: try this one again later."""

    def __init__(self, order_number: str, earlier_id: int) -> None:
        super().__init__(f"order {order_number}: waiting for the earlier change #{earlier_id} to be delivered",
                         retryable=True)


def check_earlier(session: Session, message_id: int, order: Order, delivered: Collection[int] = ()) -> None:
    """Refuse (for now) to deliver a message while an earlier message of the same order is undelivered
    (``delivered``: ids delivered in this batch, not marked done yet)."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.shop_id == order.shop_id, OutboxMessage.kind.in_(ORDER_KINDS),
        OutboxMessage.id < message_id, OutboxMessage.state.in_((OUTBOX_PENDING, OUTBOX_IN_PROGRESS)),
        OutboxMessage.payload["order_id"].as_integer() == order.id,
    )
    if delivered:
        query = query.where(OutboxMessage.id.not_in(list(delivered)))
    earlier = session.scalar(query.order_by(OutboxMessage.id).limit(1))
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


def load_target(
    database: Database, message_id: int, order_id: int, *, delivered: Collection[int] = ()
) -> tuple[OrderTarget, Shop]:
    """The order of a message and its shop; ``WaitForEarlier`` while an earlier change of it is undelivered."""
    with database.session() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFoundError(f"order id {order_id} of outbox message #{message_id} no longer exists")
        check_earlier(session, message_id, order, delivered)
        shop = session.get(Shop, order.shop_id)
        assert shop is not None
        target = OrderTarget(order.id, shop.name, shop.marketplace, order.external_id, order.number,
                             order.external_status)
        session.expunge(shop)
    return target, shop


@dataclass(frozen=True)
class Delivery:
    """What delivering one message did (for the log)."""

    sent: bool
    summary: str


@dataclass
class BatchMemory:
    """What a batch learned while delivering: messages delivered, orders whose change failed (their
    later changes wait), marketplace statuses set (written when the batch is marked done)."""

    delivered: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    external_status: dict[int, str] = field(default_factory=dict)
    pushed_waybills: set[int] = field(default_factory=set)
    mappings_dir: Path | None = None
    redelivered: set[int] = field(default_factory=set)  # messages claimed before (a crash, a failure)


DeliverOne = Callable[[Database, int, Mapping[str, Any], Connector, BatchMemory], Delivery]


def deliver_order_messages(
    delivery: Any, deliver_one: DeliverOne, make_record: Callable[[BatchMemory], Callable[[Session], None]]
) -> None:
    """Deliver a batch of one shop's order messages (an ``erpsync.sync.outbox.OutboxDelivery``) one by
    one with one connector: each failure fails its message alone, later messages of that order wait."""
    run = delivery.run
    database: Database = run.database
    with database.session() as session:
        shop = session.get(Shop, delivery.shop_id)
        if shop is None:
            raise NotFoundError(f"shop #{delivery.shop_id} no longer exists")
        session.expunge(shop)
        order_ids = {int(item.payload.get("order_id") or 0) for item in delivery.messages}
        # the log names an order by its external id, as the import does (erpsync.sync.order_queries)
        external_ids = dict(session.execute(select(Order.id, Order.external_id).where(Order.id.in_(order_ids))).all())
    batch = BatchMemory(mappings_dir=run.config.mappings_dir,
                        redelivered={item.id for item in delivery.messages if item.attempts > 1})
    with connector_for(shop, run.config.require_secret_key()) as connector:
        for item in delivery.messages:
            order_id = int(item.payload.get("order_id") or 0)
            if order_id in batch.blocked:
                delivery.fail(item, MarketplaceError(
                    f"order #{order_id}: waiting for its earlier change to be delivered", retryable=True))
                continue
            try:
                outcome = deliver_one(database, item.id, item.payload, connector, batch)
            except Exception as error:
                batch.blocked.add(order_id)
                if isinstance(error, TransitionError | ValidationError):
                    run.log.warning(f"{item.kind} #{item.id} not sent to {shop.marketplace}: {error}",
                                    entity_type="order", entity_id=external_ids.get(order_id, str(order_id)))
                delivery.fail(item, error)
                continue
            batch.delivered.add(item.id)
            run.log.info(outcome.summary, entity_type="order", entity_id=external_ids.get(order_id, str(order_id)))
    delivery.record(make_record(batch))
