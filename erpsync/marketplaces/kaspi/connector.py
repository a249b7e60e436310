"""The Kaspi.kz connector: orders (listing, reading, every status action, partial cancel), the product
import, categories and attributes — the protocol of ``erpsync.marketplaces.base`` over ``KaspiClient``.

Listing orders: Kaspi filters by creation date only, within a window of at most 14 days, and wants an
order state on every listing; so a period is cut into windows and each window is walked state by state,
page by page (``page[size]`` 100). Stock and prices go to Kaspi as the XML price list (the feeds), not
through this API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from erpsync.core.errors import (
    CredentialError,
    MarketplaceError,
    NotFoundError,
    PayloadError,
    TransitionError,
    ValidationError,
)
from erpsync.marketplaces.base import (
    CAP_CATEGORIES,
    CAP_FEED,
    CAP_LINE_CHANGES,
    CAP_ORDERS,
    CAP_SET_STATUS,
    CAP_UPLOAD,
    Attribute,
    AttributeValue,
    Category,
    Connector,
    ImportResult,
    Limits,
    LineChange,
    LineChangeResult,
    Order,
    OrderLine,
    OrderRef,
    ProductUploadItem,
    ShopConfig,
    StatusChange,
    UnreadableOrder,
)
from erpsync.marketplaces.http import RetryPolicy, shop_rate_limiter
from erpsync.marketplaces.kaspi import codec
from erpsync.marketplaces.kaspi.client import KaspiClient
from erpsync.marketplaces.kaspi.codec import EntryProduct, PointOfService
from erpsync.marketplaces.kaspi.enums import (
    CANCELLATION_REASONS,
    ENTRY_CANCELLATION_REASONS,
    ENUMS,
    ORDER_STATES,
    WEIGHT_CHANGE_REASONS,
)

# Kaspi refuses a creationDate window longer than 14 days (not in seed 004; see docs/contracts/kaspi.md).
MAX_WINDOW_DAYS = 14
PAGE_SIZE = 100


def order_windows(since: datetime, until: datetime, max_days: int) -> list[tuple[datetime, datetime]]:
    """Cut [since, until] into consecutive windows no longer than ``max_days`` (both ends inclusive, ms)."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValidationError("order listing times need a timezone")
    if since > until:
        raise ValidationError(f"order listing: the start {since.isoformat()} is after the end {until.isoformat()}")
    span = timedelta(days=max_days) - timedelta(milliseconds=1)
    windows = []
    start = since
    while start <= until:
        end = min(start + span, until)
        windows.append((start, end))
        start = end + timedelta(milliseconds=1)
    return windows


def _creation_date(resource: Mapping[str, Any]) -> datetime | None:
    """The creation date of an order resource that failed to decode, when it can be read."""
    attributes = resource.get("attributes")
    try:
        return codec.ms_to_datetime(attributes.get("creationDate"), "creationDate") if isinstance(
            attributes, dict) else None
    except PayloadError:
        return None


class KaspiConnector(Connector):
    """One Kaspi shop."""

    name = "kaspi"
    enums = ENUMS
    capabilities = frozenset({CAP_ORDERS, CAP_SET_STATUS, CAP_LINE_CHANGES, CAP_UPLOAD, CAP_CATEGORIES, CAP_FEED})
    limits = Limits(
        page_size=PAGE_SIZE,
        upload_batch=codec.IMPORT_MAX_ITEMS,
        max_window_days=MAX_WINDOW_DAYS,
        requests_per_second=20.0,
    )

    def __init__(
        self,
        shop: ShopConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limit: bool = True,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int | None = None,
    ) -> None:
        super().__init__(shop)
        if page_size is not None:
            if not 1 <= page_size <= PAGE_SIZE:
                raise ValidationError(f"kaspi: a page holds 1 to {PAGE_SIZE} orders (got {page_size})")
            self.limits = replace(self.limits, page_size=page_size)
        token = shop.credentials.get("token")
        if not token:
            hint = f"erpsync shop set {shop.name} --credential token=…"
            raise CredentialError(f"shop {shop.name!r} has no token", hint=hint)
        limiter = shop_rate_limiter(self.name, shop.name, self.limits.requests_per_second) if rate_limit else None
        self.client = KaspiClient(
            base_url=shop.base_url, token=token, shop=shop.name, retry=retry, rate_limiter=limiter, transport=transport
        )
        self.clock = clock
        self._products: dict[str, EntryProduct] = {}  # master product id → product with the merchant's SKU
        self._points: dict[str, PointOfService] = {}

    def close(self) -> None:
        self.client.close()

    # --- orders ----------------------------------------------------------------------------------

    def list_orders(
        self,
        since: datetime,
        until: datetime,
        *,
        states: Sequence[str] = ORDER_STATES,
        with_lines: bool = True,
    ) -> Iterator[Order | UnreadableOrder]:
        """Orders created in [since, until]: every window of ≤ 14 days, every state, every page.
        An order whose payload cannot be decoded is yielded as an ``UnreadableOrder`` (its resource and
        the error), and the listing goes on."""
        seen: set[str] = set()
        for start, end in order_windows(since, until, self.limits.max_window_days or MAX_WINDOW_DAYS):
            for state in states:
                for resource, included in self._order_pages(start, end, state):
                    order_id = str(resource.get("id"))
                    if order_id in seen:  # an order that changed state while we walked
                        continue
                    seen.add(order_id)
                    try:
                        order = self._order(resource, included, with_lines)
                    except PayloadError as error:
                        yield UnreadableOrder(str(error), raw=resource, external_id=resource.get("id") and order_id,
                                              created_at=_creation_date(resource))
                        continue
                    yield order

    def _order_pages(
        self, start: datetime, end: datetime, state: str
    ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        number = 0
        while True:
            params = {
                "page[number]": number,
                "page[size]": self.limits.page_size,
                "filter[orders][state]": state,
                "filter[orders][creationDate][$ge]": codec.datetime_to_ms(start),
                "filter[orders][creationDate][$le]": codec.datetime_to_ms(end),
                "include[orders]": "user",
            }
            page = codec.decode_orders_page(self.client.orders_page(params), f"orders?state={state}&page={number}")
            for resource in page.orders:
                yield resource, page.included
            number += 1
            if not page.orders or number >= page.page_count:
                return

    def get_order(self, ref: OrderRef) -> Order:
        resource, included = self._order_resource(ref)
        return self._order(resource, included, with_lines=True)

    def _order_resource(self, ref: OrderRef) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The order resource: by code (``filter[orders][code]``, seed 004) or else by id."""
        if ref.number:
            page = codec.decode_orders_page(self.client.orders_by_code(ref.number), f"orders?code={ref.number}")
            for resource in page.orders:
                if ref.external_id in (None, "", resource.get("id")):
                    return resource, page.included
            raise NotFoundError(f"kaspi has no order {ref.number} (id {ref.external_id}) in shop {self.shop.name!r}")
        try:
            document = self.client.order(ref.external_id)
        except MarketplaceError as error:
            if error.status_code == 404:
                raise NotFoundError(f"kaspi has no order with id {ref.external_id}") from None
            raise
        included = [r for r in codec.list_of(document.get("included"), "orders.included") if isinstance(r, dict)]
        return codec.single_resource(document, f"orders/{ref.external_id}"), included

    def _order(self, resource: dict[str, Any], included: list[dict[str, Any]], with_lines: bool) -> Order:
        """Decode an order (with its lines); a PayloadError names the order: ``orders/<id>.attributes.…``."""
        order_id = codec.required_text(resource, "id", "orders.data")
        lines: list[OrderLine] = []
        points: list[PointOfService] = []
        if with_lines:
            lines, points = self._lines(order_id)
        return codec.decode_order(resource, included=included, lines=lines, points=points, path=f"orders/{order_id}")

    def _lines(self, order_id: str) -> tuple[list[OrderLine], list[PointOfService]]:
        where = f"orders/{order_id}/entries"
        lines, points = [], []
        for index, entry in enumerate(codec.resource_list(self.client.entries(order_id), where)):
            path = f"{where}.data[{index}]"
            entry_id = codec.required_text(entry, "id", path)
            point = self._point_of_service(entry, entry_id)
            if point is not None and point not in points:
                points.append(point)
            lines.append(codec.decode_entry(entry, path, product=self._entry_product(entry, entry_id), point=point))
        return lines, points

    def _entry_product(self, entry: Mapping[str, Any], entry_id: str) -> EntryProduct | None:
        """The entry's master product with the merchant's code (SKU), cached per master product."""
        master_id = codec.related_id(entry, "product")
        if master_id and master_id in self._products:
            return self._products[master_id]
        try:
            document = self.client.entry_product(entry_id)
        except MarketplaceError as error:
            if error.status_code == 404:
                return None
            raise
        product = codec.decode_master_product(document, f"orderentries/{entry_id}/product")
        sku = merchant_name = None
        if product.master_id:
            try:
                sku, merchant_name = codec.decode_merchant_product(
                    self.client.merchant_product(product.master_id),
                    f"masterproducts/{product.master_id}/merchantProduct",
                )
            except MarketplaceError as error:
                if error.status_code != 404:
                    raise
        product = EntryProduct(
            product.master_id, product.kaspi_code, product.name, product.category, sku=sku, merchant_name=merchant_name
        )
        for key in {master_id, product.master_id} - {None}:
            self._products[key] = product
        return product

    def _point_of_service(self, entry: Mapping[str, Any], entry_id: str) -> PointOfService | None:
        point_id = codec.related_id(entry, "deliveryPointOfService")
        if point_id and point_id in self._points:
            return self._points[point_id]
        try:
            document = self.client.entry_point_of_service(entry_id)
        except MarketplaceError as error:
            if error.status_code == 404:
                return None
            raise
        if document.get("data") is None:
            return None
        point = codec.decode_point_of_service(document, f"orderentries/{entry_id}/deliveryPointOfService")
        self._points[point.external_id] = point
        if point_id:
            self._points[point_id] = point
        return point

    # --- status changes --------------------------------------------------------------------------

    def set_status(self, change: StatusChange) -> Order | None:
        """Set a status (refused locally, before any change is sent, when Kaspi would refuse it).

        COMPLETED takes two calls: without ``extra["security_code"]`` Kaspi sends the buyer a code and
        this returns None; with the code the buyer names, the order is completed. ASSEMBLE needs
        ``extra["number_of_space"]``; CANCELLED a ``reason`` (and an optional ``comment``, ≤ 1000
        characters). Returns the order as Kaspi shows it afterwards.
        """
        self.check_transition(None, change.status)  # a status Kaspi never takes: refused before anything
        attributes, security_code = self._status_attributes(change)
        ref = change.order
        current, code = ref.status, ref.number
        if current is None or code is None:
            resource, _ = self._order_resource(ref)
            attributes_now = codec.object_of(resource.get("attributes"), "orders.data.attributes")
            current = current or codec.text_of(attributes_now.get("status"))
            code = code or codec.text_of(attributes_now.get("code"))
        try:
            self.check_transition(current, change.status)
        except TransitionError as error:
            raise TransitionError(f"{error.message} (order {code or ref.external_id})") from None
        body = codec.status_change_body(
            ref.external_id, change.status, code=None if change.status == "ASSEMBLE" else code, **attributes
        )
        answer = self.client.post_order(body, security_code=security_code)
        codec.single_resource(answer, "orders (status change)")
        if change.status == "COMPLETED" and not security_code:
            return None
        return self.get_order(OrderRef(ref.external_id, code))

    def _status_attributes(self, change: StatusChange) -> tuple[dict[str, Any], str | None]:
        """The extra attributes of a status change, checked locally; and the security code header."""
        status, extra = change.status, change.extra
        if status == "CANCELLED":
            if change.reason not in CANCELLATION_REASONS:
                allowed = ", ".join(CANCELLATION_REASONS)
                raise ValidationError(f"kaspi: cancelling order {change.order.number or change.order.external_id} "
                                      f"needs a reason, one of {allowed} (got {change.reason!r})")
            if change.comment is not None and len(change.comment) > codec.MAX_CANCELLATION_COMMENT:
                raise ValidationError(
                    f"kaspi: a cancellation comment may have at most {codec.MAX_CANCELLATION_COMMENT} characters "
                    f"(got {len(change.comment)})"
                )
            return {"cancellationReason": change.reason, "cancellationComment": change.comment}, None
        if status == "ASSEMBLE":
            places = extra.get("number_of_space", extra.get("numberOfSpace"))
            try:
                count = int(places)
            except (TypeError, ValueError):
                count = 0
            if count < 1 or str(count) != str(places).strip():
                raise ValidationError(
                    f"kaspi: ASSEMBLE needs extra number_of_space, a whole number ≥ 1 (got {places!r})"
                )
            return {"numberOfSpace": str(count)}, None  # seed 004 sends it as a string
        if status == "COMPLETED":
            code = extra.get("security_code")
            return {}, ("" if code is None else str(code).strip())
        return {}, None

    def send_completion_code(self, ref: OrderRef) -> None:
        """Step 1 of completing: Kaspi sends the buyer a code in the Kaspi.kz app."""
        self.set_status(StatusChange(ref, "COMPLETED"))

    def complete(self, ref: OrderRef, security_code: str) -> Order | None:
        """Step 2 of completing: the code the buyer named."""
        if not security_code.strip():
            raise ValidationError("kaspi: completing an order needs the code the buyer received")
        return self.set_status(StatusChange(ref, "COMPLETED", extra={"security_code": security_code}))

    # --- partial cancel and weight change --------------------------------------------------------

    def change_lines(self, ref: OrderRef, changes: Sequence[LineChange]) -> list[LineChangeResult]:
        """One entry without a weight: ``orderEntryCancelOperation``; otherwise the bulk
        ``orderPartialCancel`` (also for weight changes)."""
        if not changes:
            return []
        bulk = len(changes) > 1 or changes[0].remained_weight_kg is not None
        reasons = WEIGHT_CHANGE_REASONS if bulk else ENTRY_CANCELLATION_REASONS
        for change in changes:
            entry = f"kaspi: entry {change.line_external_id}"
            if change.reason not in reasons:
                raise ValidationError(f"{entry}: reason must be one of {', '.join(reasons)} (got {change.reason!r})")
            if change.remained_quantity < 0:
                raise ValidationError(f"{entry}: the remaining quantity cannot be negative")
            if change.remained_weight_kg is not None and change.remained_weight_kg < 0:
                raise ValidationError(f"{entry}: the remaining weight cannot be negative")
        if not bulk:
            change = changes[0]
            body = codec.entry_cancel_body(
                change.line_external_id, change.remained_quantity, change.reason, change.comment
            )
            return [codec.decode_entry_cancel(self.client.cancel_entry(body), change.line_external_id)]
        answer = self.client.partial_cancel(ref.external_id, codec.partial_cancel_body(changes))
        return codec.decode_partial_cancel(answer)

    # --- products --------------------------------------------------------------------------------

    def check_upload_item(self, item: ProductUploadItem) -> list[str]:
        return codec.check_upload_item(item)

    def upload_products(self, items: Sequence[ProductUploadItem]) -> str:
        if not items:
            raise ValidationError("kaspi: nothing to upload")
        if len(items) > codec.IMPORT_MAX_ITEMS:
            limit = codec.IMPORT_MAX_ITEMS
            raise ValidationError(f"kaspi: one import takes at most {limit} products (got {len(items)})")
        refused = {item.sku: problems for item in items if (problems := codec.check_upload_item(item))}
        if refused:
            detail = "; ".join(f"{sku or '(no sku)'}: {', '.join(problems)}" for sku, problems in refused.items())
            raise ValidationError(f"kaspi would refuse these products: {detail}")
        answer = self.client.import_products(codec.product_import_body(items))
        code, _status = codec.decode_import_state(answer, "import")
        return code

    def import_result(self, import_id: str) -> ImportResult:
        """The import's state; once Kaspi finished it, the counts and the state of every SKU."""
        code, status = codec.decode_import_state(self.client.import_state(import_id), f"import?i={import_id}")
        if not codec.import_done(status):
            return ImportResult(import_id=code, state=status, done=False)
        answer = self.client.import_result(import_id)
        return codec.decode_import_result(answer, code, status, f"import/result?i={import_id}")

    def import_schema(self) -> dict[str, Any]:
        """The JSON schema Kaspi validates imports with."""
        return codec.object_of(self.client.import_schema(), "import/schema")

    def list_categories(self) -> Iterator[Category]:
        yield from codec.decode_categories(self.client.categories())

    def list_attributes(self, category_code: str) -> list[Attribute]:
        return codec.decode_attributes(self.client.attributes(category_code), f"attributes?c={category_code}")

    def list_attribute_values(self, category_code: str, attribute_code: str) -> list[AttributeValue]:
        return codec.decode_attribute_values(
            self.client.attribute_values(category_code, attribute_code), f"attribute/values?a={attribute_code}"
        )

    # --- housekeeping ----------------------------------------------------------------------------

    def check_connection(self) -> None:
        """One small listing (new orders of the last day): a refused token raises AuthenticationError."""
        now = self.clock()
        params = {
            "page[number]": 0,
            "page[size]": 1,
            "filter[orders][state]": "NEW",
            "filter[orders][creationDate][$ge]": codec.datetime_to_ms(now - timedelta(days=1)),
            "filter[orders][creationDate][$le]": codec.datetime_to_ms(now),
        }
        codec.decode_orders_page(self.client.orders_page(params), "orders")
