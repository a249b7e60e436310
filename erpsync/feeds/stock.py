"""The stock rule: how many units of a product a shop may offer.

Available = stock on hand in the shop's warehouses − active reservations in those warehouses, never
below 0. A product that does not track stock is offered at the shop's default quantity (the seeds use
10). The same functions serve feeds and, later, the API stock pushes (Prom, Kasta, Kaufland).

Everything here works on plain mappings ``warehouse id → units`` so a caller can feed it rows read
in bulk (see ``erpsync.feeds.reader``) or a single product's rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

PRESENCE_AVAILABLE = "available"  # in stock: offer it
PRESENCE_UNAVAILABLE = "unavailable"  # no stock, sent as not available
PRESENCE_AWAITING = "awaiting"  # no stock, sent as awaited / on order (Prom "waiting", Kaspi preOrder)
ZERO_STOCK_HIDE = "hide"


@dataclass(slots=True)  # not frozen: built once per product, a frozen dataclass is much slower to build
class StockState:
    """What a shop sends about a product's stock."""

    quantity: int  # units offered (0 when none)
    presence: str  # available | unavailable | awaiting
    tracked: bool  # False: the quantity is the shop's default, not counted stock

    @property
    def in_stock(self) -> bool:
        return self.quantity > 0


def _in_shop(warehouse_id: int, warehouse_ids: Collection[int] | None) -> bool:
    return warehouse_ids is None or warehouse_id in warehouse_ids


def available_by_warehouse(
    stock: Mapping[int, int],
    reserved: Mapping[int, int],
    warehouse_ids: Collection[int] | None = None,
) -> dict[int, int]:
    """Units free in each of the shop's warehouses (``None``: every warehouse), each never below 0.

    Kaspi needs this per pickup point (``availabilities``); other marketplaces take the total.
    """
    return {
        warehouse_id: max(0, quantity - reserved.get(warehouse_id, 0))
        for warehouse_id, quantity in stock.items()
        if _in_shop(warehouse_id, warehouse_ids)
    }


def available_quantity(
    stock: Mapping[int, int],
    reserved: Mapping[int, int],
    warehouse_ids: Collection[int] | None = None,
    *,
    track_stock: bool = True,
    default_quantity: int = 10,
) -> int:
    """Units the shop may sell: stock in its warehouses − active reservations there, never below 0.

    Reservations are subtracted from the total, not warehouse by warehouse, so an oversold warehouse
    lowers what the others offer (safer than hiding the shortfall). A product that does not track
    stock gets ``default_quantity``.
    """
    if not track_stock:
        return max(0, default_quantity)
    on_hand = sum(q for w, q in stock.items() if _in_shop(w, warehouse_ids))
    held = sum(q for w, q in reserved.items() if _in_shop(w, warehouse_ids))
    return max(0, on_hand - held)


def stock_state(quantity: int, *, tracked: bool, zero_stock: str) -> StockState | None:
    """The stock a shop sends for ``quantity`` units, or ``None`` when the shop hides products without stock.

    ``zero_stock`` is the shop setting: ``hide``, ``unavailable`` or ``awaiting``.
    """
    if quantity > 0:
        return StockState(quantity, PRESENCE_AVAILABLE, tracked)
    if zero_stock == ZERO_STOCK_HIDE:
        return None
    presence = PRESENCE_AWAITING if zero_stock == PRESENCE_AWAITING else PRESENCE_UNAVAILABLE
    return StockState(0, presence, tracked)


__all__ = [
    "PRESENCE_AVAILABLE",
    "PRESENCE_AWAITING",
    "PRESENCE_UNAVAILABLE",
    "ZERO_STOCK_HIDE",
    "StockState",
    "available_by_warehouse",
    "available_quantity",
    "stock_state",
]
