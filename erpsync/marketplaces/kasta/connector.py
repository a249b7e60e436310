"""The Kasta connector: the category tree and each category's schema (characteristics with their
values, the size chart), product upload in submits of at most 500 per category with the per-product
result, products with their moderation state, stock and prices, and orders (read only) — the protocol
of ``erpsync.marketplaces.base`` over ``KastaClient``.

What Kasta's API does not offer (as far as public sources show) answers ``Unsupported``: setting an
order status, sending a waybill, deleting a product (seed 000: products are deleted in the Kasta
cabinet). See docs/contracts/kasta.md for what is confirmed and what is assumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import count
from typing import Any

import httpx

from erpsync.core.errors import CredentialError, MarketplaceError, NotFoundError, ValidationError
from erpsync.marketplaces.base import (
    CAP_CATEGORIES,
    CAP_ORDERS,
    CAP_PRODUCT_STATES,
    CAP_STOCK_PRICES,
    CAP_UPLOAD,
    Attribute,
    AttributeValue,
    Category,
    Connector,
    ImportItemResult,
    ImportResult,
    Limits,
    Order,
    OrderRef,
    ProductState,
    ProductUploadItem,
    PushResult,
    ShopConfig,
    StockPriceItem,
    UnreadableOrder,
    read_order,
)
from erpsync.marketplaces.http import RetryPolicy, shop_rate_limiter
from erpsync.marketplaces.kasta import codec
from erpsync.marketplaces.kasta.client import KastaClient
from erpsync.marketplaces.kasta.codec import CategorySchema
from erpsync.marketplaces.kasta.enums import ENUMS

PAGE_SIZE = 100
STOCK_BATCH = 500  # assumed: the same 500 as product submits
BARCODE_LOOKUPS = 20  # up to this many SKUs are looked up one by one instead of walking every product
_IMPORT_SEPARATOR = ","
_LOCAL = "local:"  # an import id for a batch none of whose products reached Kasta


class KastaConnector(Connector):
    """One Kasta seller account."""

    name = "kasta"
    enums = ENUMS
    capabilities = frozenset({CAP_ORDERS, CAP_STOCK_PRICES, CAP_UPLOAD, CAP_CATEGORIES, CAP_PRODUCT_STATES})
    limits = Limits(page_size=PAGE_SIZE, stock_batch=STOCK_BATCH, upload_batch=codec.SUBMIT_MAX_ITEMS,
                    requests_per_second=10.0)
    # Seed 000: products in moderation ("New products") get no stock or price updates; a listing still
    # "new" is not on Kasta yet (the states refresh marks products already there active).
    no_push_listing_states = frozenset({"new", "moderation", "rejected", "deleted"})

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
                raise ValidationError(f"kasta: a page holds 1 to {PAGE_SIZE} orders (got {page_size})")
            self.limits = replace(self.limits, page_size=page_size)
        token = shop.credentials.get("token")
        if not token:
            raise CredentialError(f"shop {shop.name!r} has no token",
                                  hint=f"erpsync shop set {shop.name} --credential token=…")
        limiter = shop_rate_limiter(self.name, shop.name, self.limits.requests_per_second) if rate_limit else None
        self.client = KastaClient(base_url=shop.base_url, token=token, shop=shop.name, retry=retry,
                                  rate_limiter=limiter, transport=transport)
        self.clock = clock
        self._schemas: dict[str, CategorySchema] = {}
        self._images: dict[str, str] = {}  # photo URL → the path Kasta stored it under
        self._local_failures: dict[str, list[ImportItemResult]] = {}  # import id → products refused before submit
        self._local_ids = count(1)

    def close(self) -> None:
        self.client.close()

    # --- orders ----------------------------------------------------------------------------------

    def list_orders(self, since: datetime, until: datetime) -> Iterator[Order | UnreadableOrder]:
        """Orders from ``since`` on (Kasta's ``from``), page by page along Kasta's cursor until nothing
        remains. An order that cannot be decoded is yielded as an ``UnreadableOrder`` with its payload."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValidationError("order listing times need a timezone")
        cursor: str | None = None
        seen_cursors: set[str] = set()
        while True:
            document = self.client.orders_page(limit=self.limits.page_size, cursor=cursor,
                                               since=since.astimezone(UTC).isoformat().replace("+00:00", "Z"))
            page = codec.decode_orders_page(document, f"orders/list?cursor={cursor or ''}")
            for index, item in enumerate(page.items):
                payload = item if isinstance(item, dict) else {"item": item}
                order = read_order(lambda p, i=index: codec.decode_order(p, f"orders/list.items[{i}]"), payload,
                                   external_id=codec.text_of(payload.get("id")))
                if isinstance(order, UnreadableOrder) and order.created_at is None:
                    order = replace(order, created_at=codec.first_status_time(payload))
                yield order
            if not page.items or page.remains <= 0 or not page.cursor or page.cursor in seen_cursors:
                return
            seen_cursors.add(page.cursor)
            cursor = page.cursor

    def get_order(self, ref: OrderRef) -> Order:
        page = codec.decode_orders_page(self.client.orders_page(limit=1, order_id=ref.external_id),
                                        f"orders/list?order_id={ref.external_id}")
        for index, item in enumerate(page.items):
            if isinstance(item, dict) and str(item.get("id")) == str(ref.external_id):
                return codec.decode_order(item, f"orders/list.items[{index}]")
        raise NotFoundError(f"kasta has no order {ref.external_id} in shop {self.shop.name!r}")

    # --- stock and prices ------------------------------------------------------------------------

    def push_stock_prices(self, items: Sequence[StockPriceItem]) -> PushResult:
        """Quantities through ``update-stock`` and prices through ``update-price``, by the SKU each product
        was uploaded with (its first barcode). A SKU is accepted when every update it took part in was."""
        errors: dict[str, str] = {}
        for start in range(0, len(items), self.limits.stock_batch):
            batch = items[start:start + self.limits.stock_batch]
            stock = codec.stock_body(batch)
            if stock["items"]:
                skus = [line["barcode"] for line in stock["items"]]
                answer = codec.decode_push_answer(self.client.update_stock(stock), skus, "update-stock")
                errors.update({sku: f"stock: {message}" for sku, message in answer.errors.items()})
            prices = codec.price_body(batch)
            if prices["items"]:
                skus = [line["barcode"] for line in prices["items"]]
                answer = codec.decode_push_answer(self.client.update_price(prices), skus, "update-price")
                for sku, message in answer.errors.items():
                    errors[sku] = f"{errors[sku]}; price: {message}" if sku in errors else f"price: {message}"
        return PushResult(accepted=tuple(item.sku for item in items if item.sku not in errors), errors=errors)

    # --- the catalog schema ----------------------------------------------------------------------

    def category_schema(self, category_code: str) -> CategorySchema:
        """A category's characteristics with their values and its size chart (cached per connector)."""
        if category_code not in self._schemas:
            affiliation_id, kind_id = codec.parse_category_code(category_code)
            try:
                document = self.client.category_details(affiliation_id, kind_id)
            except MarketplaceError as error:
                if error.status_code == 404:
                    raise NotFoundError(f"kasta has no category {category_code}") from None
                raise
            self._schemas[category_code] = codec.decode_category_details(
                document, category_code, f"category/details?kind_id={kind_id}&affiliation_id={affiliation_id}")
        return self._schemas[category_code]

    def list_categories(self) -> Iterator[Category]:
        yield from codec.decode_categories(self.client.categories())

    def list_attributes(self, category_code: str) -> list[Attribute]:
        return codec.schema_attributes(self.category_schema(category_code))

    def list_attribute_values(self, category_code: str, attribute_code: str) -> list[AttributeValue]:
        entry = self.category_schema(category_code).attributes.get(attribute_code)
        if entry is None:
            raise NotFoundError(f"kasta category {category_code} has no characteristic {attribute_code}")
        return [AttributeValue(code=value_id, name=name) for value_id, name in entry.values.items()]

    # --- product upload --------------------------------------------------------------------------

    def check_upload_item(self, item: ProductUploadItem) -> list[str]:
        schema = None
        try:
            codec.parse_category_code(item.category_code)
            schema = self.category_schema(item.category_code)
        except ValidationError:
            pass  # reported by codec.check_upload_item
        except NotFoundError:
            return [f"Kasta has no category {item.category_code}"]
        return codec.check_upload_item(item, schema)

    def upload_products(self, items: Sequence[ProductUploadItem]) -> str:
        """Submit products, one submit per category (photos are first stored on Kasta); returns an import
        id naming every submit. A product whose photo Kasta refuses is left out and reported in the result."""
        if not items:
            raise ValidationError("kasta: nothing to upload")
        if len(items) > codec.SUBMIT_MAX_ITEMS:
            raise ValidationError(f"kasta: one upload takes at most {codec.SUBMIT_MAX_ITEMS} products "
                                  f"(got {len(items)})")
        refused = {item.sku: problems for item in items if (problems := self.check_upload_item(item))}
        if refused:
            detail = "; ".join(f"{sku or '(no sku)'}: {', '.join(problems)}" for sku, problems in refused.items())
            raise ValidationError(f"kasta would refuse these products: {detail}")
        by_category: dict[str, list[ProductUploadItem]] = {}
        for item in items:
            by_category.setdefault(item.category_code, []).append(item)
        upload_ids, failures = [], []
        for code, group in by_category.items():
            ready = []
            for item in group:
                problem = self._store_images(item)
                if problem:
                    failures.append(ImportItemResult(item.sku, "error", (problem,), accepted=False,
                                                     listing_state="rejected"))
                else:
                    ready.append(item)
            if ready:
                body = codec.submit_body(code, ready, self.category_schema(code), self._images)
                upload_ids.append(codec.decode_upload_id(self.client.submit_products(body)))
        import_id = _IMPORT_SEPARATOR.join(upload_ids) or f"{_LOCAL}{next(self._local_ids)}"
        if failures:
            self._local_failures[import_id] = failures
        return import_id

    def _store_images(self, item: ProductUploadItem) -> str | None:
        """Store the product's photos on Kasta (each URL once); a refusal is returned as the problem."""
        for url in item.images:
            if url in self._images:
                continue
            try:
                self._images[url] = codec.decode_image_path(self.client.submit_image(url))
            except MarketplaceError as error:
                if error.retryable or error.status_code in (401, 403):
                    raise
                return f"photo {url} was refused: {error.message}"
        return None

    def import_result(self, import_id: str) -> ImportResult:
        """The state of every submit of an upload; once all are done, each product's result."""
        parts = [] if import_id.startswith(_LOCAL) else [p for p in import_id.split(_IMPORT_SEPARATOR) if p]
        results = [codec.decode_submit_status(self.client.submit_status(part), part) for part in parts]
        done = all(result.done for result in results)
        items = [item for result in results for item in result.items] if done else []
        if done:
            items += self._local_failures.get(import_id, [])
        failed = sum(1 for item in items if not item.ok)
        return ImportResult(
            import_id=import_id,
            state="done" if done else "processing",
            done=done,
            total=len(items),
            errors=failed,
            items=tuple(items),
            raw={"submits": [dict(result.raw) for result in results]},
        )

    # --- products on Kasta -----------------------------------------------------------------------

    def product_states(self, skus: Sequence[str] | None = None) -> Iterator[ProductState]:
        """Every product on Kasta with its state (``new`` → moderation); a few SKUs are looked up by barcode."""
        wanted = set(skus) if skus is not None else None
        if wanted is not None and len(wanted) <= BARCODE_LOOKUPS:
            for sku in sorted(wanted):
                yield from self._states(self.client.products_page(barcode=sku), wanted, f"products/list?barcode={sku}")
            return
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            document = self.client.products_page(cursor=cursor)
            page = codec.decode_products_page(document, f"products/list?cursor={cursor or ''}")
            yield from self._states(document, wanted, "products/list", page)
            if not page.items or not page.cursor or page.cursor in seen:
                return
            seen.add(page.cursor)
            cursor = page.cursor

    def _states(self, document: Any, wanted: set[str] | None, where: str,
                page: codec.ProductsPage | None = None) -> Iterator[ProductState]:
        page = page or codec.decode_products_page(document, where)
        for index, item in enumerate(page.items):
            state = codec.decode_product_state(item, f"{where}.items[{index}]")
            if wanted is None or state.sku in wanted:
                yield state

    # --- housekeeping ----------------------------------------------------------------------------

    def check_connection(self) -> None:
        """One page of the seller's products: a refused token raises AuthenticationError."""
        codec.decode_products_page(self.client.products_page())
