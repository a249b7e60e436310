"""What a transaction changed in stock and prices, for the change-driven outbox.

``track_changes(sessions)`` listens to the flushes of every session of a sessionmaker and gathers, per
transaction, the products whose free stock or prices changed through the ORM: ``StockLevel`` rows
(which warehouse), ``Reservation`` rows (they change what is free), ``ProductPrice`` rows (which scope:
``base`` or a marketplace) and a product's ``is_active`` / ``track_stock``. Before the transaction
commits, the function named by ``ON_COMMIT`` gets them and writes the outbox rows in that same
transaction (a dotted path imported on first use, so that the models import nothing above them).

Products created in the transaction are left out: they have never been pushed, and the scheduled
pass sends what a listing has not had yet. Statements that bypass the ORM's unit of work (``UPDATE``
statements, the DB-API bulk loads of ``erpsync demo-data``) are not seen: their changes reach the
marketplaces with the next scheduled push, or the code calls
``erpsync.sync.push_stock_prices.queue_stock_pushes`` itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from erpsync.models.catalog import Product, ProductPrice, StockLevel
from erpsync.models.sales import Reservation

ON_COMMIT = "erpsync.sync.push_stock_prices:queue_changed_stock"
CHANGES_KEY = "erpsync.stock_changes"  # session.info: this transaction's ProductChanges
QUEUED_KEY = "erpsync.stock_queued"  # session.info: products whose push this transaction queued already
_BUSY_KEY = "erpsync.stock_changes_busy"

_STOCK_ATTRS = ("quantity", "warehouse_id", "product_id")
_RESERVATION_ATTRS = ("quantity", "state", "until", "warehouse_id", "product_id")
_PRICE_ATTRS = ("amount", "price_type", "scope", "product_id", "currency")
_PRODUCT_ATTRS = ("is_active", "track_stock")


@dataclass
class ProductChanges:
    """Per product: the warehouses whose stock changed, the price scopes that changed, or ``whole``
    (something that changes what every shop is sent, e.g. the product taken off sale)."""

    warehouses: dict[int, set[int]] = field(default_factory=dict)
    scopes: dict[int, set[str]] = field(default_factory=dict)
    whole: set[int] = field(default_factory=set)
    created: set[int] = field(default_factory=set)

    def product_ids(self) -> set[int]:
        return (set(self.warehouses) | set(self.scopes) | self.whole) - self.created

    def __bool__(self) -> bool:
        return bool(self.product_ids())

    def without(self, product_ids: Iterable[int]) -> ProductChanges:
        drop = set(product_ids)
        return ProductChanges(
            {p: w for p, w in self.warehouses.items() if p not in drop},
            {p: s for p, s in self.scopes.items() if p not in drop},
            self.whole - drop, set(self.created),
        )


def _values(obj: Any, name: str) -> list[Any]:
    """The attribute's value now and before this flush (both matter when a row moves)."""
    history = get_history(obj, name, PASSIVE_NO_INITIALIZE)
    values = [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]
    return values or [v for v in [getattr(obj, name, None)] if v is not None]


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    return any(get_history(obj, name, PASSIVE_NO_INITIALIZE).has_changes() for name in names)


def _note_stock(changes: ProductChanges, obj: Any) -> None:
    for product_id in _values(obj, "product_id"):
        changes.warehouses.setdefault(product_id, set()).update(_values(obj, "warehouse_id"))


def _note_price(changes: ProductChanges, obj: Any) -> None:
    for product_id in _values(obj, "product_id"):
        changes.scopes.setdefault(product_id, set()).update(_values(obj, "scope") or ["base"])


def _changes(session: Session) -> ProductChanges:
    changes: ProductChanges = session.info.setdefault(CHANGES_KEY, ProductChanges())
    return changes


def _collect(session: Session, _context: Any) -> None:
    for group, is_new in ((session.new, True), (session.dirty, False), (session.deleted, None)):
        for obj in group:
            kind = type(obj)
            if kind is StockLevel or kind is Reservation:
                if is_new is False and not _changed(obj, _STOCK_ATTRS if kind is StockLevel else _RESERVATION_ATTRS):
                    continue
                _note_stock(_changes(session), obj)
            elif kind is ProductPrice:
                if is_new is False and not _changed(obj, _PRICE_ATTRS):
                    continue
                _note_price(_changes(session), obj)
            elif kind is Product:
                if is_new:
                    _changes(session).created.add(obj.id)
                elif is_new is False and _changed(obj, _PRODUCT_ATTRS):
                    _changes(session).whole.add(obj.id)


def take_changes(session: Session) -> ProductChanges | None:
    """Flush, then hand over (and forget) the stock and price changes of this transaction not queued yet."""
    session.flush()
    changes: ProductChanges | None = session.info.pop(CHANGES_KEY, None)
    if changes is None:
        return None
    created = changes.created
    session.info[CHANGES_KEY] = ProductChanges(created=set(created))  # later flushes still know them
    queued = session.info.get(QUEUED_KEY)
    if queued:
        changes = changes.without(queued)
    return changes if changes else None


def mark_queued(session: Session, product_ids: Iterable[int]) -> None:
    """These products' pushes are queued in this transaction: the commit need not queue them again."""
    session.info.setdefault(QUEUED_KEY, set()).update(product_ids)


_handler: Callable[[Session, ProductChanges], Any] | None = None


def _on_commit_handler() -> Callable[[Session, ProductChanges], Any]:
    global _handler
    if _handler is None:
        module, _, name = ON_COMMIT.partition(":")
        _handler = getattr(importlib.import_module(module), name)
    return _handler


def _before_commit(session: Session) -> None:
    if session.info.get(_BUSY_KEY):
        return
    session.info[_BUSY_KEY] = True
    try:
        changes = take_changes(session)
        if changes:
            _on_commit_handler()(session, changes)
    finally:
        session.info.pop(_BUSY_KEY, None)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGES_KEY, None)
        session.info.pop(QUEUED_KEY, None)


def track_changes(sessions: sessionmaker[Session]) -> None:
    """Gather the stock and price changes of every session ``sessions`` makes, and queue their pushes
    before each commit."""
    event.listen(sessions, "after_flush", _collect)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_transaction_end", _forget)
