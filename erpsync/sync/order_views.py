"""Read models of orders for the command line, the panel and scripts: lists and full details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from erpsync.core.errors import NotFoundError
from erpsync.models import Order, OrderLine, OutboxMessage, Reservation, Shop


@dataclass(frozen=True)
class OrderFilter:
    shop: str | None = None
    status: str | None = None
    since: datetime | None = None
    unmatched_only: bool = False
    limit: int = 100


def list_orders(session: Session, flt: OrderFilter) -> list[dict[str, Any]]:
    """Orders newest first, as plain dicts (JSON-ready)."""
    unmatched = (
        select(func.count()).select_from(OrderLine)
        .where(OrderLine.order_id == Order.id, OrderLine.is_unmatched.is_(True)).scalar_subquery()
    )
    query = select(Order, Shop.name, unmatched).join(Shop, Shop.id == Order.shop_id)
    if flt.shop:
        query = query.where(Shop.name == flt.shop)
    if flt.status:
        query = query.where(Order.status == flt.status)
    if flt.since:
        query = query.where(Order.placed_at >= flt.since)
    if flt.unmatched_only:
        query = query.where(unmatched > 0)
    query = query.order_by(Order.placed_at.desc().nulls_last(), Order.id.desc()).limit(flt.limit)
    return [
        {
            "id": order.id, "shop": shop, "number": order.number, "external_id": order.external_id,
            "status": order.status, "external_status": order.external_status,
            "placed_at": order.placed_at.isoformat() if order.placed_at else None,
            "total": str(order.total), "currency": order.currency, "paid": order.is_paid,
            "unmatched_lines": unmatched_count,
        }
        for order, shop, unmatched_count in session.execute(query).all()
    ]


def find_order(session: Session, key: str) -> Order:
    """An order by its id, or by ``SHOP:EXTERNAL_ID``, or by its number when that is unique."""
    order = None
    if key.isdigit():
        order = session.get(Order, int(key))
    if order is None and ":" in key:
        shop, external_id = key.split(":", 1)
        order = session.scalar(
            select(Order).join(Shop).where(Shop.name == shop, Order.external_id == external_id)
        )
    if order is None:
        matches = session.scalars(select(Order).where(Order.number == key).limit(2)).all()
        if len(matches) == 1:
            order = matches[0]
        elif len(matches) > 1:
            raise NotFoundError(f"order number {key!r} exists in several shops", hint="use SHOP:EXTERNAL_ID")
    if order is None:
        raise NotFoundError(f"no order {key!r} (give an id, a number or SHOP:EXTERNAL_ID)")
    return order


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def order_detail(session: Session, order: Order) -> dict[str, Any]:
    """Everything about an order: lines, customer, reservations, waybills, invoices, status history."""
    order = session.scalars(
        select(Order).where(Order.id == order.id).options(
            selectinload(Order.lines).selectinload(OrderLine.reservations),
            selectinload(Order.history), selectinload(Order.waybills), selectinload(Order.invoices),
        )
    ).one()
    shop = session.get(Shop, order.shop_id)
    customer = order.customer
    return {
        "id": order.id,
        "shop": shop.name if shop else None,
        "marketplace": shop.marketplace if shop else None,
        "number": order.number,
        "external_id": order.external_id,
        "status": order.status,
        "external_status": order.external_status,
        "placed_at": _iso(order.placed_at),
        "total": str(order.total),
        "currency": order.currency,
        "delivery_cost": str(order.delivery_cost) if order.delivery_cost is not None else None,
        "paid": order.is_paid,
        "paid_at": _iso(order.paid_at),
        "delivery": {"method": order.delivery_method, "marketplace_method": order.delivery_method_external,
                     "address": order.delivery_address},
        "payment": {"method": order.payment_method, "marketplace_method": order.payment_method_external},
        "customer": None if customer is None else {
            "id": customer.id, "name": customer.full_name, "phone": customer.phone, "email": customer.email,
            "address": customer.delivery_address,
        },
        "recipient": {"name": order.recipient_name, "phone": order.recipient_phone}
        if order.recipient_name or order.recipient_phone else None,
        "do_not_call": order.do_not_call,
        "source": order.source,
        "utm": order.utm,
        "extra": order.extra,
        "comments": {"customer": order.customer_comment, "manager": order.manager_comment},
        "lines": [
            {
                "id": line.id, "external_id": line.external_id, "sku": line.sku, "name": line.name,
                "product_id": line.product_id, "quantity": line.quantity, "price": str(line.price),
                "total": str(line.total), "unmatched": line.is_unmatched,
                "not_reserved": line.reserve_shortfall,
                "reservations": [_reservation(r) for r in line.reservations],
            }
            for line in order.lines
        ],
        "waybills": [
            {"carrier": w.carrier, "number": w.number, "status": w.status, "pushed_at": _iso(w.pushed_at)}
            for w in order.waybills
        ],
        "invoices": [
            {"number": i.number, "total": str(i.total), "currency": i.currency, "issued_at": _iso(i.issued_at)}
            for i in order.invoices
        ],
        "history": [
            {"at": _iso(h.changed_at), "from": h.from_status, "to": h.to_status, "marketplace_status":
             h.external_status, "source": h.source, "actor": h.actor, "note": h.note}
            for h in order.history
        ],
        "outbox": _outbox(session, order),
        "raw_payload": order.raw_payload,
    }


def _outbox(session: Session, order: Order) -> list[dict[str, Any]]:
    """The order's queued and past status changes and waybill pushes (codes masked)."""
    from erpsync.sync.order_outbox import ORDER_KINDS

    messages = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.shop_id == order.shop_id, OutboxMessage.kind.in_(ORDER_KINDS),
            OutboxMessage.payload["order_id"].as_integer() == order.id,
        ).order_by(OutboxMessage.id)
    )
    return [
        {"id": m.id, "kind": m.kind, "state": m.state, "attempts": m.attempts, "status": m.payload.get("status"),
         "step": m.payload.get("step"), "next_attempt_at": _iso(m.next_attempt_at), "last_error": m.last_error,
         "delivered_at": _iso(m.delivered_at)}
        for m in messages
    ]


def _reservation(reservation: Reservation) -> dict[str, Any]:
    return {"warehouse_id": reservation.warehouse_id, "quantity": reservation.quantity,
            "until": _iso(reservation.until), "state": reservation.state}
