"""Stock reservations of order lines in a shop's warehouses.

Available stock of a product in a warehouse is the quantity on hand less the active, unexpired
reservations there. Reserving locks the product's stock rows first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serializes writers on its own), so two imports racing for the last unit never
both get it: the second waits for the first to commit, then sees its reservation. Lines are reserved
in product order so that two orders locking several products cannot deadlock.

A reservation made or released changes the product's free stock: it queues the product's stock push
(an outbox ``stock`` message for each shop that lists it and takes pushes) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, object_session

from erpsync.models import OrderLine, Product, Reservation, StockLevel, Warehouse, utcnow
from erpsync.models.sales import RESERVATION_ACTIVE, RESERVATION_RELEASED


def shop_warehouse_ids(session: Session, codes: Sequence[str]) -> list[int]:
    """Ids of the shop's warehouses (``codes`` from its settings; empty: every active warehouse)."""
    query = select(Warehouse.id).where(Warehouse.active.is_(True)).order_by(Warehouse.id)
    if codes:
        query = query.where(Warehouse.code.in_(list(codes)))
    return list(session.scalars(query))


def reserved_quantity(session: Session, product_id: int, warehouse_id: int, now: datetime | None = None) -> int:
    """Units of a product held by active, unexpired reservations in a warehouse."""
    now = now or utcnow()
    return session.scalar(
        select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.product_id == product_id,
            Reservation.warehouse_id == warehouse_id,
            Reservation.state == RESERVATION_ACTIVE,
            or_(Reservation.until.is_(None), Reservation.until > now),
        )
    ) or 0


def _lock_stock(session: Session, product_id: int, warehouse_ids: Sequence[int]) -> list[StockLevel]:
    query = (
        select(StockLevel)
        .where(StockLevel.product_id == product_id, StockLevel.warehouse_id.in_(list(warehouse_ids)))
        .order_by(StockLevel.warehouse_id)
        .with_for_update()
    )
    return list(session.scalars(query))


def reserve_line(
    session: Session, line: OrderLine, warehouse_ids: Sequence[int], days: int, now: datetime | None = None,
    *, changed: set[int] | None = None,
) -> int:
    """Reserve what is still unreserved of a matched line; returns the units that could not be reserved
    (also stored on the line as ``reserve_shortfall``). Products that do not track stock are not reserved.
    The product's stock push is queued, or its id added to ``changed`` for the caller to queue."""
    now = now or utcnow()
    product = session.get(Product, line.product_id) if line.product_id else None
    if product is None or not product.track_stock:
        _set_shortfall(line, 0)  # unmatched lines are flagged as such; untracked products need no stock
        return 0
    held = sum(r.quantity for r in line.reservations if r.state == RESERVATION_ACTIVE)
    wanted = line.quantity - held
    if wanted <= 0:
        _set_shortfall(line, 0)
        return 0
    until = now + timedelta(days=days)
    for level in _lock_stock(session, product.id, warehouse_ids):
        if wanted <= 0:
            break
        available = level.quantity - reserved_quantity(session, product.id, level.warehouse_id, now)
        take = min(wanted, max(available, 0))
        if take > 0:
            line.reservations.append(
                Reservation(product_id=product.id, warehouse_id=level.warehouse_id, quantity=take, until=until)
            )
            wanted -= take
    session.flush()
    if wanted < line.quantity - held:
        _changed(session, product.id, changed)
    shortfall = max(wanted, 0)
    _set_shortfall(line, shortfall)
    return shortfall


def _set_shortfall(line: OrderLine, shortfall: int) -> None:
    if line.reserve_shortfall != shortfall:
        line.reserve_shortfall = shortfall


def reserve_lines(
    session: Session, lines: Iterable[OrderLine], warehouse_ids: Sequence[int], days: int
) -> int:
    """Reserve every matched line (in product order); returns the total shortfall."""
    ordered = sorted((ln for ln in lines if ln.product_id is not None), key=lambda ln: (ln.product_id, ln.external_id))
    changed: set[int] = set()
    shortfall = sum(reserve_line(session, line, warehouse_ids, days, changed=changed) for line in ordered)
    stock_changed(session, changed)
    return shortfall


def release_line(line: OrderLine, *, changed: set[int] | None = None) -> int:
    """Release a line's active reservations (nothing is missing any more); returns the units released.
    The product's stock push is queued, or its id added to ``changed`` for the caller to queue."""
    _set_shortfall(line, 0)
    released = 0
    for reservation in line.reservations:
        if reservation.state == RESERVATION_ACTIVE:
            reservation.state = RESERVATION_RELEASED
            released += reservation.quantity
    session = object_session(line)
    if released and session is not None and line.product_id is not None:
        _changed(session, line.product_id, changed)
    return released


def _changed(session: Session, product_id: int, changed: set[int] | None) -> None:
    if changed is None:
        stock_changed(session, [product_id])
    else:
        changed.add(product_id)


def stock_changed(session: Session, product_ids: Iterable[int]) -> None:
    """The free stock of these products changed in this transaction: queue their pushes to the shops
    listing them."""
    ids = set(product_ids)
    if ids:
        from erpsync.sync.push_stock_prices import queue_stock_pushes  # it builds on feeds and connectors

        queue_stock_pushes(session, ids)


def release_lines(lines: Iterable[OrderLine]) -> int:
    lines = list(lines)
    changed: set[int] = set()
    released = sum(release_line(line, changed=changed) for line in lines)
    session = object_session(lines[0]) if lines else None
    if session is not None:
        stock_changed(session, changed)
    return released
