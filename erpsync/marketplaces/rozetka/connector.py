"""The Rozetka connector: orders (listing by last change, reading, statuses checked against what each
order may move to), waybills (the TTN with status 61), stock and prices of items, the live status table
and delivery services — the protocol of ``erpsync.marketplaces.base`` over ``RozetkaClient``.

Listing orders: ``GET /orders/search`` with ``changed_from``/``changed_to`` (Kyiv time), ``types=1`` (all
orders; without it Rozetka lists only those in processing), ``expand`` for purchases, delivery, buyer
and payment, page by page until ``_meta.pageCount``; an order seen twice is yielded once. Several
Rozetka shops may live in one database: each has its own login and token.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx

from erpsync.core.errors import CredentialError, PayloadError, TransitionError, ValidationError
from erpsync.marketplaces.base import (
    CAP_FEED,
    CAP_ORDERS,
    CAP_ORDERS_CHANGED_SINCE,
    CAP_SET_STATUS,
    CAP_SHOP_OPTIONS,
    CAP_STOCK_PRICES,
    CAP_WAYBILL,
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
from erpsync.marketplaces.rozetka import codec
from erpsync.marketplaces.rozetka.client import RozetkaClient
from erpsync.marketplaces.rozetka.enums import ENUMS, STATUSES_NEEDING_TTN, WAYBILL_STATUS

PAGE_SIZE = 20  # Rozetka's _meta.perPage for orders/search (the client cannot choose it)
STOCK_BATCH = 100  # items per mass-update (assumed; public clients send batches of 100)
ALL_ORDERS = 1  # types=1: every order, whatever its status group
WAYBILL_STATUSES = (WAYBILL_STATUS, "3", "2")  # what a TTN can go with, in order of preference


class RozetkaConnector(Connector):
    """One Rozetka shop."""

    name = "rozetka"
    enums = ENUMS
    capabilities = frozenset({
        CAP_ORDERS, CAP_ORDERS_CHANGED_SINCE, CAP_SET_STATUS, CAP_WAYBILL, CAP_STOCK_PRICES, CAP_FEED,
        CAP_SHOP_OPTIONS,
    })
    limits = Limits(page_size=PAGE_SIZE, stock_batch=STOCK_BATCH, requests_per_second=5.0)

    def __init__(
        self,
        shop: ShopConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limit: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(shop)
        username, password = shop.credentials.get("username"), shop.credentials.get("password")
        if not username or not password:
            missing = "username" if not username else "password"
            raise CredentialError(f"shop {shop.name!r} has no {missing}",
                                  hint=f"erpsync shop set {shop.name} --credential {missing}=…")
        limiter = shop_rate_limiter(self.name, shop.name, self.limits.requests_per_second) if rate_limit else None
        self.client = RozetkaClient(base_url=shop.base_url, username=username, password=password, shop=shop.name,
                                    retry=retry, rate_limiter=limiter, transport=transport)

    def close(self) -> None:
        self.client.close()

    # --- orders ----------------------------------------------------------------------------------

    def list_orders(self, since: datetime, until: datetime) -> Iterator[Order | UnreadableOrder]:
        """Orders changed in [since, until], every page. An order whose payload cannot be decoded comes as
        an ``UnreadableOrder`` (its payload and the error) and the listing goes on."""
        if since > until:
            raise ValidationError(f"order listing: the start {since.isoformat()} is after the end {until.isoformat()}")
        params: dict[str, Any] = {"changed_from": codec.format_time(since),
                                  "changed_to": codec.format_time(until, up=True), "types": ALL_ORDERS, "sort": "id"}
        seen: set[str] = set()
        page, pages = 1, 1
        while page <= pages:
            content = self.client.orders({**params, "page": page})
            orders, pages = codec.orders_page(content, f"orders/search?page={page}")
            for raw in orders:
                order_id = codec.text_of(raw.get("id"))
                if order_id is not None and order_id in seen:
                    continue
                if order_id is not None:
                    seen.add(order_id)
                try:
                    yield codec.decode_order(raw)
                except PayloadError as error:
                    yield UnreadableOrder(str(error), raw=raw, external_id=order_id,
                                          created_at=codec.created_at_of(raw, "created"))
            if not orders:
                return
            page += 1

    def get_order(self, ref: OrderRef) -> Order:
        return codec.decode_order(self._order(ref), f"orders/{ref.external_id}")

    def _order(self, ref: OrderRef) -> dict[str, Any]:
        return codec.object_of(self.client.order(ref.external_id), f"orders/{ref.external_id}")

    def set_status(self, change: StatusChange) -> Order | None:
        """``PUT /orders/{id}`` with the status (and ``comment`` as the seller's comment). Refused locally
        when the order may not move there (``status_available``) or when 3 / 61 come without a TTN
        (``extra["ttn"]``); 49 (a duplicate) needs ``extra["duplicate_order_id"]``."""
        ref, status = change.order, str(change.status)
        self.check_transition(None, status)
        ttn = str(change.extra.get("ttn") or "").strip() or None
        if status in STATUSES_NEEDING_TTN and not ttn:
            raise ValidationError(f"rozetka: status {status} of order {ref.external_id} needs a waybill "
                                  "(extra ttn); push the waybill instead, it goes with status 61")
        current = self._order(ref)
        self._check_available(ref, current, status)
        body = codec.status_body(status, comment=change.comment, ttn=ttn,
                                 duplicate_of=change.extra.get("duplicate_order_id"))
        answer = self.client.update_order(ref.external_id, body)
        return codec.decode_order(codec.object_of(answer, f"orders/{ref.external_id}"), f"orders/{ref.external_id}")

    def _check_available(self, ref: OrderRef, order: dict[str, Any], status: str) -> None:
        allowed = codec.available_statuses(order)
        current = codec.text_of(order.get("status"))
        if allowed is not None and status not in allowed and status != current:
            names = ", ".join(f"{s} ({ENUMS.statuses.get(s, '?')})" for s in allowed) or "nothing"
            raise TransitionError(f"rozetka: order {ref.external_id} in status {current} cannot be moved to "
                                  f"{status} (allowed now: {names})")

    def push_waybill(self, ref: OrderRef, waybill: WaybillInfo) -> None:
        """The TTN goes with status 61 ("handing to the carrier planned"), or with 3 / 2 when the order may
        not move to 61; the order's current status when it is already there. Rozetka then follows the
        parcel and moves the order itself."""
        number = waybill.number.strip()
        if not number:
            raise ValidationError(f"rozetka: order {ref.external_id}: a waybill needs a number")
        order = self._order(ref)
        current = codec.text_of(order.get("status"))
        allowed = codec.available_statuses(order) or []
        if current in (WAYBILL_STATUS, "3"):
            status = current
        else:
            status = next((s for s in WAYBILL_STATUSES if s in allowed), None)
        if status is None:
            raise TransitionError(f"rozetka: order {ref.external_id} in status {current} takes no waybill now "
                                  f"(it may move to: {', '.join(allowed) or 'nothing'})")
        self.client.update_order(ref.external_id, codec.status_body(status, ttn=number))

    # --- stock and prices ------------------------------------------------------------------------

    def push_stock_prices(self, items: Sequence[StockPriceItem]) -> PushResult:
        """``PUT /items/mass-update`` in batches; items are addressed by Rozetka's item id (the listing's
        external id). An item refused (locally or by Rozetka) is reported by SKU and the others go on."""
        accepted: list[str] = []
        errors: dict[str, str] = {}
        ready: list[tuple[StockPriceItem, dict[str, Any]]] = []
        for item in items:
            try:
                ready.append((item, codec.stock_item_body(item)))
            except ValidationError as error:
                errors[item.sku] = error.message
        for start in range(0, len(ready), self.limits.stock_batch):
            chunk = ready[start:start + self.limits.stock_batch]
            batch, bodies = [i for i, _ in chunk], [b for _, b in chunk]
            result = codec.mass_update_result(self.client.mass_update(bodies), batch, "items/mass-update",
                                              self.shop.name)
            accepted.extend(result.accepted)
            errors.update(result.errors)
        return PushResult(accepted=accepted, errors=errors)

    # --- the shop's options ----------------------------------------------------------------------

    def shop_options(self, section: str) -> list[ShopOption]:
        """The live order status table (``order-statuses/search``) or the delivery services."""
        if section == "statuses":
            return codec.decode_status_options(self.client.statuses(), "order-statuses/search")
        if section == "delivery":
            return codec.decode_delivery_options(self.client.delivery_services(), "delivery-services/search")
        raise ValidationError(f"rozetka: no options of {section!r} (statuses, delivery); payment codes come "
                              "from the order's payment_type")

    # --- housekeeping ----------------------------------------------------------------------------

    def check_connection(self) -> None:
        """A login and one page of new orders: refused credentials raise AuthenticationError."""
        self.client.login()
        codec.orders_page(self.client.orders({"types": 4, "page": 1}), "orders/search")
