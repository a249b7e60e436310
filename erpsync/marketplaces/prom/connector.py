"""The Prom.ua / Satu.kz connector: orders (listing by last change, reading, statuses with cancellation
reasons), waybills, stock and prices by external id, the shop's delivery / payment options and custom
statuses, and the shop's own catalog from its YML export — over ``PromClient``.

One class, two configurations: a shop of marketplace ``prom`` (``https://my.prom.ua/api/v1``, UAH) or
``satu`` (``https://my.satu.kz/api/v1``, KZT); the connector names itself after the shop's marketplace.

Listing orders: ``GET /orders/list`` filtered by ``last_modified_from``/``last_modified_to`` (so status
changes arrive too), newest first, at most 100 a page; the next page is asked with ``last_id`` = the
smallest id of the page ("orders with ids no higher than"), and an order seen twice is yielded once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import httpx

from erpsync.core.errors import CredentialError, MarketplaceError, NotFoundError, PayloadError, ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.marketplaces import yml
from erpsync.marketplaces.base import (
    CAP_CATALOG_IMPORT,
    CAP_FEED,
    CAP_ORDERS,
    CAP_ORDERS_CHANGED_SINCE,
    CAP_SET_STATUS,
    CAP_SHOP_OPTIONS,
    CAP_STOCK_PRICES,
    CAP_WAYBILL,
    CatalogOffer,
    Connector,
    Limits,
    Order,
    OrderRef,
    PushResult,
    ShopConfig,
    ShopOption,
    StatusChange,
    StockPriceItem,
    UnreadableOrder,
    WaybillInfo,
)
from erpsync.marketplaces.http import RetryPolicy, shop_rate_limiter
from erpsync.marketplaces.prom import codec
from erpsync.marketplaces.prom.client import PromClient
from erpsync.marketplaces.prom.enums import CANCELLATION_REASONS, ENUMS, WAYBILL_DELIVERY_TYPES

PAGE_SIZE = 100  # the largest ``limit`` Prom answers (clients use 100)
STOCK_BATCH = 100  # products per edit_by_external_id request (assumed; a public client sends 100)
OPTION_KEYS = {
    "delivery": ("delivery_options",),
    "payment": ("payment_options",),
    "statuses": ("order_status_options", "status_options", "statuses"),
}


class PromConnector(Connector):
    """One Prom.ua or Satu.kz shop."""

    name = "prom"
    enums = ENUMS
    capabilities = frozenset({
        CAP_ORDERS, CAP_ORDERS_CHANGED_SINCE, CAP_SET_STATUS, CAP_WAYBILL, CAP_STOCK_PRICES, CAP_FEED,
        CAP_SHOP_OPTIONS, CAP_CATALOG_IMPORT,
    })
    limits = Limits(page_size=PAGE_SIZE, stock_batch=STOCK_BATCH, requests_per_second=5.0)

    def __init__(
        self,
        shop: ShopConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limit: bool = True,
        transport: httpx.BaseTransport | None = None,
        page_size: int | None = None,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        super().__init__(shop)
        self.name = shop.marketplace if shop.marketplace in ("prom", "satu") else "prom"
        if page_size is None and shop.settings.get("order_page_size"):
            page_size = int(shop.settings["order_page_size"])
        if page_size is not None:
            if not 1 <= page_size <= PAGE_SIZE:
                raise ValidationError(f"{self.name}: a page holds 1 to {PAGE_SIZE} orders (got {page_size})")
            self.limits = replace(self.limits, page_size=page_size)
        token = shop.credentials.get("token")
        if not token:
            raise CredentialError(f"shop {shop.name!r} has no token",
                                  hint=f"erpsync shop set {shop.name} --credential token=…")
        limiter = shop_rate_limiter(self.name, shop.name, self.limits.requests_per_second) if rate_limit else None
        self.client = PromClient(base_url=shop.base_url, token=token, shop=shop.name, marketplace=self.name,
                                 retry=retry, rate_limiter=limiter, transport=transport)
        self.currency = str(shop.settings.get("currency") or marketplace_info(self.name).currency)
        self.today = today
        self._option_types: dict[str, str] | None = None

    def close(self) -> None:
        self.client.close()

    # --- orders ----------------------------------------------------------------------------------

    def list_orders(
        self, since: datetime, until: datetime, *, status: str | None = None
    ) -> Iterator[Order | UnreadableOrder]:
        """Orders changed in [since, until], every page. An order whose payload cannot be decoded comes as
        an ``UnreadableOrder`` (its payload and the error) and the listing goes on."""
        if since > until:
            raise ValidationError(f"order listing: the start {since.isoformat()} is after the end {until.isoformat()}")
        base = {"last_modified_from": codec.format_time(since), "last_modified_to": codec.format_time(until, up=True),
                "limit": self.limits.page_size}
        if status:
            base["status"] = status
        seen: set[str] = set()
        last_id: int | None = None
        while True:
            params = dict(base) if last_id is None else {**base, "last_id": last_id}
            page = codec.orders_of(self.client.orders(params), f"orders/list?last_id={last_id or ''}")
            fresh = [o for o in page if codec.order_id_of(o) not in seen]
            for raw in fresh:
                order_id = codec.order_id_of(raw)
                if order_id is not None:
                    seen.add(order_id)
                try:
                    yield self._decode(raw)
                except PayloadError as error:
                    yield UnreadableOrder(str(error), raw=raw, external_id=order_id,
                                          created_at=codec.created_at_of(raw, "date_created"))
            ids = codec.page_order_ids(page)
            if len(page) < self.limits.page_size or not fresh or not ids:
                return
            last_id = min(ids)

    def _decode(self, raw: dict[str, Any]) -> Order:
        return codec.decode_order(raw, currency=self.currency, option_types=self.delivery_option_types())

    def delivery_option_types(self) -> dict[str, str]:
        """Delivery option id → its type (``courier``, ``pickup``…), read once per connector; empty when
        the options cannot be read (orders then carry the option's id)."""
        if self._option_types is None:
            try:
                options = self.shop_options("delivery")
            except (MarketplaceError, PayloadError):
                options = []
            self._option_types = {str(o.extra["id"]): o.code for o in options if o.extra.get("id") is not None}
        return self._option_types

    def get_order(self, ref: OrderRef) -> Order:
        try:
            document = self.client.order(ref.external_id)
        except MarketplaceError as error:
            if error.status_code == 404:
                raise NotFoundError(f"{self.name} has no order {ref.external_id} in shop {self.shop.name!r}") from None
            raise
        return self._decode(codec.order_of(document, f"orders/{ref.external_id}"))

    def set_status(self, change: StatusChange) -> Order | None:
        """Set a standard status (``received`` accepts, ``canceled`` needs ``reason`` from Prom's list and,
        for price_changed / not_enough_fields / another, a ``comment``). Returns the order afterwards."""
        ref = change.order
        self.check_transition(ref.status, change.status)
        if change.status == "canceled":
            codec.check_cancellation(ref.number or ref.external_id, change.reason, change.comment,
                                     CANCELLATION_REASONS)
        body = codec.status_body([ref.external_id], change.status, change.reason, change.comment)
        answer = self.client.set_status(body)
        if ref.external_id not in codec.processed_ids(answer, "orders/set_status"):
            detail = codec.error_message(answer) or "the order is not among processed_ids"
            raise MarketplaceError(f"{self.name} did not set {change.status} on order {ref.external_id}: {detail}")
        return self.get_order(ref)

    def push_waybill(self, ref: OrderRef, waybill: WaybillInfo) -> None:
        """``POST /delivery/save_declaration_id``. The delivery type is the waybill's carrier when Prom knows
        it, else the carrier Prom recorded on the order."""
        number = waybill.number.strip()
        if not number:
            raise ValidationError(f"{self.name}: order {ref.external_id}: a waybill needs a number")
        delivery_type = waybill.carrier if waybill.carrier in WAYBILL_DELIVERY_TYPES else None
        if delivery_type is None:
            carrier = self.get_order(ref).delivery_method
            delivery_type = carrier if carrier in WAYBILL_DELIVERY_TYPES else None
        if delivery_type is None:
            raise ValidationError(
                f"{self.name}: order {ref.external_id}: waybill {number} needs a carrier Prom takes "
                f"({', '.join(sorted(WAYBILL_DELIVERY_TYPES))}); got {waybill.carrier!r}")
        answer = self.client.save_waybill(codec.waybill_body(ref.external_id, number, delivery_type))
        refusal = codec.waybill_refusal(answer)
        if refusal:
            raise MarketplaceError(f"{self.name} refused waybill {number} of order {ref.external_id}: {refusal}")

    # --- stock and prices ------------------------------------------------------------------------

    def push_stock_prices(self, items: Sequence[StockPriceItem]) -> PushResult:
        """``POST /products/edit_by_external_id`` in batches of ``limits.stock_batch``; an item Prom (or a
        local check) refuses is reported by SKU and the others go on."""
        accepted: list[str] = []
        errors: dict[str, str] = {}
        today = self.today()
        ready: list[tuple[StockPriceItem, dict[str, Any]]] = []
        for item in items:
            try:
                ready.append((item, codec.stock_item_body(item, today)))
            except ValidationError as error:
                errors[item.sku] = error.message
        for start in range(0, len(ready), self.limits.stock_batch):
            chunk = ready[start:start + self.limits.stock_batch]
            batch, bodies = [i for i, _ in chunk], [b for _, b in chunk]
            result = codec.decode_edit_result(self.client.edit_products(bodies), batch, "products/edit_by_external_id")
            accepted.extend(result.accepted)
            errors.update(result.errors)
        return PushResult(accepted=accepted, errors=errors)

    # --- the shop's options and catalog ----------------------------------------------------------

    def shop_options(self, section: str) -> list[ShopOption]:
        """The delivery options (code: their type, else id), payment options (code: id) or custom order
        statuses (code: ``custom-<id>``) the company configured on Prom."""
        fetch = {"delivery": self.client.delivery_options, "payment": self.client.payment_options,
                 "statuses": self.client.status_options}.get(section)
        if fetch is None:
            raise ValidationError(f"{self.name}: no options of {section!r} (delivery, payment, statuses)")
        document = fetch()
        body = document if isinstance(document, dict) else {}
        key = next((k for k in OPTION_KEYS[section] if k in body), OPTION_KEYS[section][0])
        options = codec.decode_options(document, section, key, f"{section} options")
        if section == "delivery":
            options = [replace(o, code=str(o.extra.get("type") or o.code), extra={**o.extra, "id": o.code})
                       for o in options]
        return options

    def catalog_offers(self, source: str) -> Iterator[CatalogOffer]:
        """The offers of the shop's YML export at ``source`` (an URL); unreadable offers are set aside in
        ``self.rejected``."""
        if not source.startswith(("http://", "https://")):
            raise ValidationError(f"{self.name}: the catalog source must be an http(s) URL, got {source!r}")
        yield from yml.parse_offers(self.client.catalog_export(source), source, on_error=self.reject)

    # --- housekeeping ----------------------------------------------------------------------------

    def check_connection(self) -> None:
        """One order of the list: a refused token raises AuthenticationError."""
        codec.orders_of(self.client.orders({"limit": 1}), "orders/list")
