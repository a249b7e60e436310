"""The Horoshop connector: orders (listing by creation time, reading one), status changes, the waybill
(tracking code), stock (the warehouse residues) and prices — the protocol of
``erpsync.marketplaces.base`` over ``HoroshopClient``.

Horoshop is the merchant's own shop: statuses, delivery and payment options are the shop's. Statuses
are ids (built in: 1 new, 2 processing, 3 delivered, 4 not delivered, 6 shipping; a shop may add its
own), so any whole number can be set; delivery and payment options are reduced to stable codes
(``erpsync.marketplaces.methods``). Shop settings: ``timezone`` (the shop's clock, default
Europe/Kyiv: Horoshop's times carry no zone), ``name_order`` (``first_last`` or ``last_first``, how
two-word names are written), ``horoshop_warehouse`` (the stock warehouse, default ``office``, the
main one).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from erpsync.core.errors import CredentialError, MarketplaceError, NotFoundError, PayloadError, ValidationError
from erpsync.marketplaces.base import (
    CAP_ORDERS,
    CAP_SET_STATUS,
    CAP_STOCK_PRICES,
    CAP_WAYBILL,
    Connector,
    Limits,
    Order,
    OrderRef,
    PushResult,
    ShopConfig,
    StatusChange,
    StockPriceItem,
    UnreadableOrder,
    WaybillInfo,
)
from erpsync.marketplaces.horoshop import codec
from erpsync.marketplaces.horoshop.client import HoroshopClient
from erpsync.marketplaces.horoshop.enums import ENUMS
from erpsync.marketplaces.http import RetryPolicy, shop_rate_limiter
from erpsync.marketplaces.names import NAME_ORDERS

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500  # Horoshop returns at most 500 records a call
STOCK_BATCH = 100
DEFAULT_TIMEZONE = "Europe/Kyiv"
DEFAULT_WAREHOUSE = "office"


class HoroshopConnector(Connector):
    """One Horoshop shop."""

    name = "horoshop"
    enums = ENUMS
    capabilities = frozenset({CAP_ORDERS, CAP_SET_STATUS, CAP_WAYBILL, CAP_STOCK_PRICES})
    limits = Limits(page_size=PAGE_SIZE, stock_batch=STOCK_BATCH, requests_per_second=5.0)

    def __init__(
        self,
        shop: ShopConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limit: bool = True,
        transport: httpx.BaseTransport | None = None,
        page_size: int | None = None,
    ) -> None:
        super().__init__(shop)
        if page_size is not None:
            if not 1 <= page_size <= MAX_PAGE_SIZE:
                raise ValidationError(f"horoshop: a page holds 1 to {MAX_PAGE_SIZE} orders (got {page_size})")
            self.limits = replace(self.limits, page_size=page_size)
        missing = [key for key in ("username", "password") if not shop.credentials.get(key)]
        if missing:
            raise CredentialError(f"shop {shop.name!r} has no {', '.join(missing)}",
                                  hint=f"erpsync shop set {shop.name} --credential {missing[0]}=…")
        self.zone = _zone(shop)
        self.name_order = str(shop.settings.get("name_order") or "first_last")
        if self.name_order not in NAME_ORDERS:
            raise ValidationError(f"shop {shop.name!r}: setting name_order must be one of {', '.join(NAME_ORDERS)}")
        self.warehouse = str(shop.settings.get("horoshop_warehouse") or DEFAULT_WAREHOUSE)
        limiter = shop_rate_limiter(self.name, shop.name, self.limits.requests_per_second) if rate_limit else None
        self.client = HoroshopClient(
            base_url=shop.base_url, username=shop.credentials["username"], password=shop.credentials["password"],
            shop=shop.name, retry=retry, rate_limiter=limiter, transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    # --- orders ----------------------------------------------------------------------------------

    def _decode(self, raw: Any, path: str) -> Order:
        return codec.decode_order(raw, path, zone=self.zone, name_order=self.name_order)

    def list_orders(self, since: datetime, until: datetime) -> Iterator[Order | UnreadableOrder]:
        """Orders created in [since, until] (Horoshop filters by creation time), page by page. An order
        that cannot be decoded comes as an ``UnreadableOrder`` (its payload and the error); the rest follow."""
        if since > until:
            raise ValidationError(f"order listing: the start {since.isoformat()} is after the end {until.isoformat()}")
        window = {"from": codec.format_time(since, self.zone), "to": codec.format_time(until, self.zone)}
        size, offset, seen = self.limits.page_size, 0, set()
        while True:
            page = codec.orders_of(self.client.orders({**window, "offset": offset, "limit": size}))
            fresh = 0
            for index, raw in enumerate(page):
                order_id = str(raw.get("order_id")) if isinstance(raw, dict) else None
                if order_id in seen:
                    continue
                fresh += 1
                seen.add(order_id)
                try:
                    order = self._decode(raw, f"orders/get[offset={offset}].orders[{index}]")
                except PayloadError as error:
                    yield UnreadableOrder(str(error), raw=raw if isinstance(raw, dict) else {"order": raw},
                                          external_id=order_id)
                    continue
                yield order
            if len(page) < size or not fresh:  # a short page is the last; a page of known orders means no paging
                return
            offset += len(page)

    def get_order(self, ref: OrderRef) -> Order:
        if not ref.external_id.isdigit():
            raise ValidationError(f"horoshop: an order number is a whole number (got {ref.external_id!r})")
        found = codec.orders_of(self.client.orders({"ids": [int(ref.external_id)]}))
        for index, raw in enumerate(found):
            if isinstance(raw, dict) and str(raw.get("order_id")) == ref.external_id:
                return self._decode(raw, f"orders/get[ids={ref.external_id}].orders[{index}]")
        raise NotFoundError(f"horoshop: shop {self.shop.name!r} has no order {ref.external_id}")

    # --- status and waybill ----------------------------------------------------------------------

    def check_transition(self, current: str | None, target: str) -> None:
        """Any status id the shop has may be set (shops add their own); ids are whole numbers."""
        if not str(target).isdigit() or int(target) < 1:
            known = ", ".join(f"{k} ({v})" for k, v in self.enums.settable_statuses.items())
            raise ValidationError(f"horoshop: a status is a status id such as {known} (got {target!r})")

    def set_status(self, change: StatusChange) -> Order | None:
        """``orders/update`` with the new status id; Horoshop takes no reason or comment (they stay ours).
        Returns the order as Horoshop shows it afterwards."""
        self.check_transition(change.order.status, change.status)
        self._update(codec.status_update(change.order.external_id, change.status), change.order, "set the status")
        return self.get_order(change.order)

    def push_waybill(self, ref: OrderRef, waybill: WaybillInfo) -> None:
        """The waybill number as the order's ``tracking_code`` (shown to the buyer in the order)."""
        if not waybill.number.strip():
            raise ValidationError("horoshop: a waybill number cannot be empty")
        self._update(codec.tracking_update(ref.external_id, waybill.number.strip()), ref, "save the waybill")

    def _update(self, row: dict[str, Any], ref: OrderRef, what: str) -> None:
        response = self.client.update_orders([row])
        for entry in codec.update_log(response, "orders/update"):
            if codec.entry_failed(entry):
                raise MarketplaceError(
                    f"horoshop did not {what} of order {ref.number or ref.external_id}: {codec.entry_message(entry)}"
                )

    # --- stock and prices ------------------------------------------------------------------------

    def push_stock_prices(self, items: Sequence[StockPriceItem]) -> PushResult:
        """Quantities to ``catalog/importResidues`` (the shop's warehouse), prices to ``catalog/import``
        (article + ``price`` / ``price_old``), in batches; an article Horoshop refuses is named, the others go."""
        if len(items) > self.limits.stock_batch:
            raise ValidationError(f"horoshop: at most {self.limits.stock_batch} items a batch (got {len(items)})")
        errors: dict[str, str] = {}
        stock_rows = codec.residues(items, self.warehouse)
        if stock_rows:
            self._collect(self.client.import_residues(stock_rows), "catalog/importResidues", errors)
        price_rows = codec.prices(items)
        if price_rows:
            self._collect(self.client.import_products(price_rows), "catalog/import", errors)
        accepted = [item.sku for item in items if item.sku not in errors]
        return PushResult(accepted=accepted, errors=errors)

    @staticmethod
    def _collect(response: Any, where: str, errors: dict[str, str]) -> None:
        for entry in codec.update_log(response, where):
            article = codec.text_of(entry.get("article"))
            if article and codec.entry_failed(entry):
                message = codec.entry_message(entry)
                errors[article] = f"{errors[article]}; {message}" if article in errors else message

    # --- vocabularies and housekeeping -----------------------------------------------------------

    def list_statuses(self) -> dict[str, str]:
        """The shop's order statuses (id → title), its own ones included (Horoshop 4.0 and later)."""
        return codec.decode_statuses(self.client.statuses())

    def list_delivery_options(self) -> dict[str, str]:
        return codec.decode_options(self.client.delivery_options(), "delivery")

    def list_payment_options(self) -> dict[str, str]:
        return codec.decode_options(self.client.payment_options(), "payment")

    def check_connection(self) -> None:
        """Log in and read one order: refused credentials raise ``AuthenticationError``."""
        self.client.token(renew=True)
        codec.orders_of(self.client.orders({"limit": 1}))


def _zone(shop: ShopConfig) -> ZoneInfo:
    name = str(shop.settings.get("timezone") or DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"shop {shop.name!r}: unknown timezone {name!r} (e.g. Europe/Kyiv)") from None
