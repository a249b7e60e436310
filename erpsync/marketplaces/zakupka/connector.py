"""The Zakupka.com connector: new orders read from the CommerceML orders file (one way, seed 003).

Zakupka exports only orders in status «Новый» (for the period the seller chose in the cabinet) and
takes nothing back: statuses are changed by hand in its cabinet, so setting a status or a waybill
answers "zakupka does not support …". The catalog goes to Zakupka as a YML feed (``CAP_FEED``).
The file cannot be filtered: it is read whole and its orders are kept when created in the window.
Shop settings: ``timezone`` (the file's times carry no zone; default Europe/Kyiv), ``name_order``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from lxml import etree

from erpsync.core.errors import CredentialError, NotFoundError, PayloadError, ValidationError
from erpsync.marketplaces.base import (
    CAP_FEED,
    CAP_ORDERS,
    Connector,
    Limits,
    Order,
    OrderRef,
    ShopConfig,
    UnreadableOrder,
)
from erpsync.marketplaces.http import RetryPolicy, shop_rate_limiter
from erpsync.marketplaces.names import NAME_ORDERS
from erpsync.marketplaces.zakupka import codec
from erpsync.marketplaces.zakupka.client import ZakupkaClient
from erpsync.marketplaces.zakupka.enums import ENUMS

DEFAULT_TIMEZONE = "Europe/Kyiv"


class ZakupkaConnector(Connector):
    """One Zakupka.com shop."""

    name = "zakupka"
    enums = ENUMS
    capabilities = frozenset({CAP_ORDERS, CAP_FEED})
    limits = Limits(requests_per_second=1.0)

    def __init__(
        self,
        shop: ShopConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limit: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(shop)
        orders_url = shop.credentials.get("orders_url")
        if not orders_url:
            raise CredentialError(f"shop {shop.name!r} has no orders_url",
                                  hint=f"erpsync shop set {shop.name} --credential orders_url=…")
        zone_name = str(shop.settings.get("timezone") or DEFAULT_TIMEZONE)
        try:
            self.zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"shop {shop.name!r}: unknown timezone {zone_name!r} (e.g. Europe/Kyiv)") from None
        self.name_order = str(shop.settings.get("name_order") or "first_last")
        if self.name_order not in NAME_ORDERS:
            raise ValidationError(f"shop {shop.name!r}: setting name_order must be one of {', '.join(NAME_ORDERS)}")
        limiter = shop_rate_limiter(self.name, shop.name, self.limits.requests_per_second) if rate_limit else None
        self.client = ZakupkaClient(base_url=shop.base_url, orders_url=orders_url, shop=shop.name, retry=retry,
                                    rate_limiter=limiter, transport=transport)

    def close(self) -> None:
        self.client.close()

    def _orders(self) -> Iterator[Order | UnreadableOrder]:
        """Every order of the file; a document that cannot be read comes as an ``UnreadableOrder`` (its XML
        and the error)."""
        content, content_type = self.client.orders_file()
        root = codec.parse_file(content, content_type, source=f"zakupka orders file of shop {self.shop.name}")
        for document in codec.documents(root):
            try:
                yield codec.decode_document(document, zone=self.zone, name_order=self.name_order)
            except PayloadError as error:
                xml = etree.tostring(document, encoding="unicode")
                yield UnreadableOrder(str(error), raw={"document": xml[:20000]},
                                      external_id=codec.element_text(document, "Ид"))

    def list_orders(self, since: datetime, until: datetime) -> Iterator[Order | UnreadableOrder]:
        """The file's orders created in [since, until], and every document that cannot be read (its date
        is unknown)."""
        if since > until:
            raise ValidationError(f"order listing: the start {since.isoformat()} is after the end {until.isoformat()}")
        for order in self._orders():
            if isinstance(order, UnreadableOrder) or since <= order.created_at <= until:
                yield order

    def get_order(self, ref: OrderRef) -> Order:
        for order in self._orders():
            if isinstance(order, Order) and order.external_id == ref.external_id:
                return order
        raise NotFoundError(f"zakupka: order {ref.number or ref.external_id} is not in the orders file of shop "
                            f"{self.shop.name!r} (the file holds new orders only)")

    def check_connection(self) -> None:
        """Download and parse the file: a wrong link raises ``AuthenticationError``."""
        content, content_type = self.client.orders_file()
        codec.parse_file(content, content_type, source=f"zakupka orders file of shop {self.shop.name}")
