"""Reading orders for people: conditions for "has unmatched lines" and "has a failed push", and one
order with everything about it (lines, reservations, customer, waybills, history, its pushes, its log).

How an order's pushes and log lines are found (the writers of the outbox and of the log use these):

- an outbox message about an order has ``dedupe_key`` ``order:<order id>:<what>`` (``order_outbox_key``),
  e.g. ``order:42:status`` or ``order:42:waybill``;
- a log event about an order has ``entity_type`` ``"order"`` and ``entity_id`` the order's external id,
  with the order's ``shop_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, cast, exists, select
from sqlalchemy import String as SqlString
from sqlalchemy.orm import Session, selectinload

from erpsync.core.errors import NotFoundError
from erpsync.models import Order, OrderLine, OutboxMessage, Product, Reservation, SyncEvent, Warehouse
from erpsync.models.integration import OUTBOX_FAILED

ORDER_ENTITY = "order"


def order_outbox_key(order_id: int, what: str) -> str:
    """The outbox ``dedupe_key`` of a push about an order (``what``: status, waybill, …)."""
    return f"order:{order_id}:{what}"


def _outbox_prefix_of_order() -> ColumnElement[str]:
    return "order:" + cast(Order.id, SqlString) + ":"


def has_unmatched_lines() -> ColumnElement[bool]:
    """True for an order with at least one line that matched no product."""
    return exists().where(OrderLine.order_id == Order.id, OrderLine.is_unmatched.is_(True))


def has_failed_push() -> ColumnElement[bool]:
    """True for an order with an outbox message (status, waybill, …) that failed for good."""
    return exists().where(
        OutboxMessage.shop_id == Order.shop_id,
        OutboxMessage.state == OUTBOX_FAILED,
        OutboxMessage.dedupe_key.startswith(_outbox_prefix_of_order(), autoescape=False),
    )


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    pushes: list[OutboxMessage]  # status, waybill … messages about this order, oldest first
    events: list[SyncEvent]  # the log's lines about this order, newest first (at most 100)
    warehouses: dict[int, str]  # warehouse id → code, for the reservations
    product_skus: dict[int, str]  # product id → SKU, for matched lines

    @property
    def reservations(self) -> list[tuple[OrderLine, Reservation]]:
        return [(line, reservation) for line in self.order.lines for reservation in line.reservations]


def order_detail(session: Session, order_id: int) -> OrderDetail:
    """An order with its lines (and their reservations), customer, waybills, invoices and status history."""
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.lines).selectinload(OrderLine.reservations),
            selectinload(Order.history),
            selectinload(Order.waybills),
            selectinload(Order.invoices),
            selectinload(Order.customer),
            selectinload(Order.shop),
        )
    )
    if order is None:
        raise NotFoundError(f"no order with id {order_id}")
    pushes = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.shop_id == order.shop_id,
                OutboxMessage.dedupe_key.startswith(f"order:{order.id}:", autoescape=True),
            )
            .order_by(OutboxMessage.id)
        )
    )
    events = list(
        session.scalars(
            select(SyncEvent)
            .where(
                SyncEvent.shop_id == order.shop_id,
                SyncEvent.entity_type == ORDER_ENTITY,
                SyncEvent.entity_id == order.external_id,
            )
            .order_by(SyncEvent.id.desc())
            .limit(100)
        )
    )
    reservations = [reservation for line in order.lines for reservation in line.reservations]
    warehouse_ids = {reservation.warehouse_id for reservation in reservations}
    product_ids = {line.product_id for line in order.lines if line.product_id is not None}
    warehouses = dict(
        session.execute(select(Warehouse.id, Warehouse.code).where(Warehouse.id.in_(warehouse_ids))).all()
    ) if warehouse_ids else {}
    product_skus = dict(
        session.execute(select(Product.id, Product.sku).where(Product.id.in_(product_ids))).all()
    ) if product_ids else {}
    return OrderDetail(order, pushes, events, warehouses, product_skus)
