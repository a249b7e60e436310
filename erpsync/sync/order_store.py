"""Saving one marketplace order into the accounting database, idempotently.

``save_order`` upserts an order by (shop, external id) inside the caller's transaction: fields are
written only when they differ, lines are upserted by their external id, the marketplace status goes
through the inbound mapping and each change of it is a status history row; the buyer is found or
created, lines are matched to products, stock is reserved (or released when the order is
cancelled), an invoice is made when the order is paid and the shop says so, and unpaid orders of
the shop's delayed payment methods are held. Saving the same order twice writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, selectinload

from erpsync.core.marketplaces import marketplace_info
from erpsync.core.money import round_money
from erpsync.core.text import storable_json, storable_text
from erpsync.marketplaces import base as mp
from erpsync.models import (
    HeldOrder,
    Invoice,
    Listing,
    Order,
    OrderLine,
    OrderStatusChange,
    Product,
    Shop,
    Waybill,
)
from erpsync.models.sales import STATUS_SOURCE_MARKETPLACE
from erpsync.sync.customers import find_or_create_customer, format_address, full_name, normalize_phone
from erpsync.sync.reservations import release_line, release_lines, reserve_lines, shop_warehouse_ids
from erpsync.sync.shops import shop_settings
from erpsync.sync.translate import Translator, translator_for

# Accounting statuses in which an order holds stock, and those that give it back.
RESERVING_STATUSES = frozenset({"new", "accepted", "assembled"})
RELEASING_STATUSES = frozenset({"cancelled", "returned"})
# Statuses after which the marketplace no longer changes an order (no need to re-read it).
CLOSED_STATUSES = frozenset({"completed", "cancelled", "returned"})

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
HELD = "held"


@dataclass(frozen=True)
class ShopContext:
    """What saving an order needs to know about its shop, read once per run."""

    shop_id: int
    name: str
    marketplace: str
    region: str
    settings: Mapping[str, Any]
    translator: Translator
    warehouse_ids: tuple[int, ...]
    mappings_dir: Path | None = None
    products: dict[tuple[str | None, str | None], int | None] = field(default_factory=dict)  # a run's matches

    @classmethod
    def load(cls, session: Session, shop: Shop, mappings_dir: Path | None = None) -> ShopContext:
        settings = shop_settings(shop)
        return cls(
            shop_id=shop.id,
            name=shop.name,
            marketplace=shop.marketplace,
            region=marketplace_info(shop.marketplace).country,
            settings=settings,
            translator=translator_for(shop.marketplace, shop.name, mappings_dir),
            warehouse_ids=tuple(shop_warehouse_ids(session, settings.get("warehouses") or [])),
            mappings_dir=mappings_dir,
        )


@dataclass
class SaveResult:
    """What saving one order did, and the warnings to write to the sync log."""

    outcome: str
    order_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types (Decimals and times as text), for JSON columns."""
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def _assign(target: object, **values: Any) -> None:
    """Set attributes that differ only, so an unchanged order is not written."""
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)


class _ChangeCounter:
    """Counts rows the session really inserts, updates or deletes (attributes set to equal values do not count)."""

    def __init__(self, session: Session) -> None:
        self.changes = 0
        self.session = session
        event.listen(session, "before_flush", self._count)

    def _count(self, session: Session, _context: Any, _instances: Any) -> None:
        self.changes += len(session.new) + len(session.deleted)
        self.changes += sum(1 for obj in session.dirty if session.is_modified(obj))

    def close(self) -> None:
        event.remove(self.session, "before_flush", self._count)


# --- delayed import ----------------------------------------------------------------------------------


def _hold(session: Session, ctx: ShopContext, incoming: mp.Order, now: datetime) -> str | None:
    """Hold a new, unpaid order of a delayed payment method: ``"held"``, or ``None`` to import it now."""
    held = session.scalar(
        select(HeldOrder).where(HeldOrder.shop_id == ctx.shop_id, HeldOrder.external_id == incoming.external_id)
    )
    methods = ctx.settings.get("delayed_payment_methods") or []
    mapped = ctx.translator.status_in(incoming.status)
    waiting = (not incoming.is_paid and incoming.payment_method in methods
               and mapped in (None, "new"))
    if held is None and not waiting:
        return None
    if held is None:
        minutes = int(ctx.settings.get("delayed_payment_minutes") or 0)
        session.add(HeldOrder(shop_id=ctx.shop_id, external_id=incoming.external_id, first_seen_at=now,
                              release_at=now + timedelta(minutes=minutes), payment_method=incoming.payment_method))
        session.flush()
        return HELD
    if waiting and now < held.release_at:
        return HELD
    session.execute(delete(HeldOrder).where(HeldOrder.id == held.id))
    return None


# --- lines -------------------------------------------------------------------------------------------


def _product_of(session: Session, ctx: ShopContext, line: mp.OrderLine) -> int | None:
    """``match_product``, remembered for the run (a catalog's listings do not change under an import)."""
    key = (line.external_product_id, line.sku)
    if key not in ctx.products:
        ctx.products[key] = match_product(session, ctx.shop_id, line)
    return ctx.products[key]


def match_product(session: Session, shop_id: int, line: mp.OrderLine) -> int | None:
    """The product of a line: by the listing's external id, then the listing's SKU, then the product SKU."""
    if line.external_product_id:
        found = session.scalar(select(Listing.product_id).where(
            Listing.shop_id == shop_id, Listing.external_id == line.external_product_id).limit(1))
        if found:
            return found
    if line.sku:
        found = session.scalar(select(Listing.product_id).where(
            Listing.shop_id == shop_id, Listing.external_sku == line.sku).limit(1))
        if found:
            return found
        return session.scalar(select(Product.id).where(Product.sku == line.sku))
    return None


def _save_lines(session: Session, ctx: ShopContext, order: Order, incoming: mp.Order, result: SaveResult) -> None:
    existing = {line.external_id: line for line in order.lines}
    seen: set[str] = set()
    for item in incoming.lines:
        if item.external_id in seen:
            result.warnings.append(f"line {item.external_id} appears twice; the first is kept")
            continue
        seen.add(item.external_id)
        product_id = _product_of(session, ctx, item)
        line = existing.get(item.external_id)
        if line is None:
            line = OrderLine(external_id=item.external_id)
            order.lines.append(line)
            if product_id is None:
                result.warnings.append(
                    f"line {item.external_id} (SKU {item.sku or '—'}, marketplace product "
                    f"{item.external_product_id or '—'}) matches no product: saved as unmatched"
                )
        elif line.product_id != product_id or line.quantity != item.quantity:
            release_line(line)  # reserved again below for the new product or quantity
        _assign(
            line, product_id=product_id, sku=item.sku, name=(item.name or item.sku or "")[:1024],
            quantity=item.quantity, price=round_money(item.unit_price), total=round_money(item.total),
            is_unmatched=product_id is None,
        )
    for external_id, line in existing.items():
        if external_id not in seen:
            release_line(line)
            order.lines.remove(line)


# --- status ------------------------------------------------------------------------------------------


def _apply_marketplace_status(
    order: Order, incoming: mp.Order, ctx: ShopContext, result: SaveResult, now: datetime, fresh: bool
) -> None:
    """A changed marketplace status: map it, record the change; an unmapped one keeps the accounting status.

    Only a change of the marketplace's status counts: an accounting status set here and not yet pushed
    is not overwritten by the marketplace's older status."""
    if order.external_status == incoming.status and not fresh:
        return
    mapped = ctx.translator.status_in(incoming.status)
    previous = None if fresh else order.status
    if mapped is None:
        fallback = previous or ctx.translator.default_status() or "new"
        result.warnings.append(
            f"marketplace status {incoming.status} has no accounting status in the mapping; the order "
            f"{'stays' if previous else 'arrives as'} {fallback}"
        )
    target = mapped or previous or ctx.translator.default_status() or "new"
    order.history.append(OrderStatusChange(
        from_status=previous, to_status=target, external_status=incoming.status,
        source=STATUS_SOURCE_MARKETPLACE, actor=ctx.marketplace, changed_at=now,
    ))
    _assign(order, status=target, external_status=incoming.status)


# --- the order ---------------------------------------------------------------------------------------


def _mapped(value: str | None, lookup: Any, what: str, result: SaveResult | None) -> str | None:
    """The accounting method of a marketplace code. An unmapped code is kept as it is in the order's
    ``*_external`` column, the accounting method is the mapping's default (or the code itself when it
    has none), and it is logged as a warning (once: when ``result`` is given, the order is new or the
    code changed)."""
    if value is None:
        return None
    found = lookup(value)
    if found.mapped:
        return found.accounting_method
    if result is not None:
        result.warnings.append(f"{what} {value!r} is not in the mapping: kept as it is"
                               + (f", accounted as {found.accounting_method}" if found.accounting_method else ""))
    return found.accounting_method or value


def _apply_fields(order: Order, incoming: mp.Order, ctx: ShopContext, result: SaveResult, fresh: bool) -> None:
    changed_delivery = fresh or order.delivery_method_external != incoming.delivery_method
    changed_payment = fresh or order.payment_method_external != incoming.payment_method
    delivery = _mapped(incoming.delivery_method, ctx.translator.delivery_in, "delivery method",
                       result if changed_delivery else None)
    payment = _mapped(incoming.payment_method, ctx.translator.payment_in, "payment method",
                      result if changed_payment else None)
    recipient = incoming.recipient
    _assign(
        order,
        number=incoming.number,
        delivery_method=delivery,
        delivery_method_external=incoming.delivery_method,
        delivery_address=format_address(incoming.delivery_address),
        payment_method=payment,
        payment_method_external=incoming.payment_method,
        is_paid=incoming.is_paid,
        paid_at=incoming.paid_at,
        total=round_money(incoming.total),
        delivery_cost=round_money(incoming.delivery_cost) if incoming.delivery_cost is not None else None,
        discount=round_money(incoming.discount) if incoming.discount is not None else None,
        currency=incoming.currency,
        do_not_call=incoming.do_not_call,
        is_fulfilment=incoming.is_fulfilment,
        customer_comment=incoming.comment,
        source=incoming.source,
        utm=json_safe(dict(incoming.utm)) or None,
        extra=json_safe(dict(incoming.extra)) or None,
        raw_payload=json_safe(dict(incoming.raw)) or None,
        placed_at=incoming.created_at,
        external_updated_at=incoming.updated_at,
        recipient_name=full_name(recipient) or None if recipient else None,
        recipient_phone=normalize_phone(recipient.phone, ctx.region) if recipient else None,
    )


def _marketplace_waybill(order: Order, incoming: mp.Order, ctx: ShopContext, now: datetime) -> bool:
    """Keep a waybill the marketplace made (Kaspi Delivery); it came from there, so it is never pushed back."""
    number = (incoming.waybill_number or "").strip()
    if not number or any(w.number == number for w in order.waybills):
        return False
    order.waybills.append(Waybill(number=number[:64], carrier=ctx.marketplace, status="from marketplace",
                                  created_at=now, pushed_at=now))
    return True


def _invoice(session: Session, order: Order, ctx: ShopContext, now: datetime) -> bool:
    if not (order.is_paid and ctx.settings.get("auto_invoice")) or order.invoices:
        return False
    order.invoices.append(Invoice(number=f"{ctx.name}-{order.number}"[:64], total=order.total,
                                  currency=order.currency, issued_at=now))
    return True


def _find(session: Session, shop_id: int, external_id: str) -> Order | None:
    return session.scalar(
        select(Order).where(Order.shop_id == shop_id, Order.external_id == external_id).with_for_update()
        .options(selectinload(Order.lines).selectinload(OrderLine.reservations), selectinload(Order.waybills),
                 selectinload(Order.invoices))
    )


def storable(value: Any) -> Any:
    """A decoded order (its lines, buyer, address…) with every text storable: no NUL, no lone surrogate
    (``erpsync.core.text``), so that a stray character in a buyer's name never loses the order."""
    if isinstance(value, str):
        return storable_text(value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: storable(getattr(value, f.name)) for f in fields(value)}
        return replace(value, **{k: v for k, v in changes.items() if v is not getattr(value, k)})
    if isinstance(value, Mapping):
        return storable_json(dict(value))
    if isinstance(value, list | tuple):
        return type(value)(storable(item) for item in value)
    return value


def save_order(session: Session, ctx: ShopContext, incoming: mp.Order, now: datetime) -> SaveResult:
    """Upsert one marketplace order in the caller's transaction; see the module docstring."""
    counter = _ChangeCounter(session)
    try:
        return _save(session, ctx, storable(incoming), now, counter)
    finally:
        counter.close()


def _save(session: Session, ctx: ShopContext, incoming: mp.Order, now: datetime, counter: _ChangeCounter) -> SaveResult:
    order = _find(session, ctx.shop_id, incoming.external_id)
    fresh = order is None
    if order is None:
        if _hold(session, ctx, incoming, now) == HELD:
            return SaveResult(HELD, notes=[f"held until paid (payment {incoming.payment_method})"])
        order = Order(shop_id=ctx.shop_id, external_id=incoming.external_id, number=incoming.number)
        session.add(order)
    result = SaveResult(UNCHANGED)
    # The buyer is looked at when the order is new or the marketplace sent something new: two orders of
    # one buyer with different addresses must not rewrite the customer back and forth on every run.
    payload_changed = fresh or order.raw_payload != (json_safe(dict(incoming.raw)) or None)
    _apply_fields(order, incoming, ctx, result, fresh)
    if payload_changed or order.customer_id is None:
        customer = find_or_create_customer(session, incoming.customer, region=ctx.region,
                                           address=incoming.delivery_address)
        _assign(order, customer_id=customer.id if customer else None)
    _apply_marketplace_status(order, incoming, ctx, result, now, fresh)
    _save_lines(session, ctx, order, incoming, result)
    session.flush()
    if order.status in RELEASING_STATUSES:
        release_lines(order.lines)
    elif order.status in RESERVING_STATUSES:
        shortfall = reserve_lines(session, order.lines, ctx.warehouse_ids, int(ctx.settings["reservation_days"]))
        if shortfall and fresh:
            result.warnings.append(f"{shortfall} unit(s) could not be reserved: not enough stock")
    if _marketplace_waybill(order, incoming, ctx, now):
        result.notes.append(f"waybill {incoming.waybill_number} from {ctx.marketplace}")
    if _invoice(session, order, ctx, now):
        result.notes.append("invoice created")
    if fresh and order.status == "new" and ctx.settings.get("auto_accept"):
        from erpsync.sync.order_status import set_order_status  # the status module builds on this one

        accepted = set_order_status(session, order, "accepted", "auto_accept", mappings_dir=ctx.mappings_dir)
        result.notes.append(accepted.summary)
    session.flush()
    if counter.changes:
        if not fresh:
            order.updated_at = now
            session.flush()
        result.outcome = CREATED if fresh else UPDATED
    result.order_id = order.id
    return result
