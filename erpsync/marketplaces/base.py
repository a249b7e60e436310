"""The connector protocol every marketplace implements, and the normalized values it speaks.

A connector turns one marketplace's API into these dataclasses and back. It never touches the
database: the sync use cases (``erpsync.sync``) hand it a ``ShopConfig`` and values, and store what
it returns. An operation a marketplace lacks raises ``Unsupported`` naming the marketplace and the
operation. Money is ``Decimal``; times are timezone-aware.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from erpsync.core.errors import PayloadError, TransitionError, Unsupported

# --- what a connector declares about its marketplace -------------------------------------------------


@dataclass(frozen=True)
class Enumerations:
    """The marketplace's fixed vocabularies (code → human label), read by the mapping validator.

    ``transitions`` maps an outbound status to the statuses an order may be in for it to be set
    (an empty mapping: the marketplace does not restrict, or we do not know its rules).
    ``open_sections`` names sections whose values are per shop (e.g. delivery options configured in
    the seller's cabinet): the validator warns about unknown values there instead of refusing them.
    ``security_code_for`` names outbound statuses the marketplace sets only with a code the buyer
    received (Kaspi COMPLETED): a change without ``extra["security_code"]`` asks the marketplace to send
    the buyer the code, and the status is set by a second change that carries it.
    """

    statuses: Mapping[str, str]
    settable_statuses: Mapping[str, str]
    cancellation_reasons: Mapping[str, str] = field(default_factory=dict)
    reason_required_for: frozenset[str] = frozenset()
    delivery_methods: Mapping[str, str] = field(default_factory=dict)
    payment_methods: Mapping[str, str] = field(default_factory=dict)
    transitions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    open_sections: frozenset[str] = frozenset()
    security_code_for: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Limits:
    """Batch and paging limits of a marketplace."""

    page_size: int = 100
    stock_batch: int = 100
    upload_batch: int = 500
    max_window_days: int | None = None  # longest time window one order listing may ask for
    requests_per_second: float | None = None
    # Above this many stock/price items, the marketplace's import file beats API pushes (Kaufland: the
    # inventory file); None: the API is the only or the best path.
    stock_file_above: int | None = None


# Capability names a connector may declare.
CAP_ORDERS = "orders"
CAP_ORDERS_CHANGED_SINCE = "orders_changed_since"  # can list orders by modification time
CAP_SET_STATUS = "set_status"
CAP_WAYBILL = "waybill"
CAP_STOCK_PRICES = "stock_prices"
CAP_UPLOAD = "upload_products"
CAP_CATEGORIES = "categories"
CAP_FEED = "feed"  # the marketplace pulls a catalog feed we publish
CAP_LINE_CHANGES = "line_changes"  # partial cancel of order lines / weight changes
CAP_PRODUCT_STATES = "product_states"  # can list its products with their moderation / selling state
CAP_SHOP_OPTIONS = "shop_options"  # lists the delivery / payment options (statuses) a seller configured
CAP_CATALOG_IMPORT = "catalog_import"  # reads the shop's own catalog (e.g. its YML export) into listings


# --- normalized values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopConfig:
    """What a connector needs of a shop; credentials are never shown in ``repr``."""

    name: str
    marketplace: str
    base_url: str
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Address:
    formatted: str | None = None
    city: str | None = None
    street: str | None = None
    house: str | None = None
    apartment: str | None = None
    postcode: str | None = None
    region: str | None = None
    pickup_point: str | None = None  # a marketplace/carrier point of service id or name
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class Customer:
    """A buyer or a recipient as the marketplace sends them."""

    external_id: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None  # as sent; the sync normalizes it to E.164
    email: str | None = None


# What the accounting database can hold (``Numeric(14, 2)`` money, 32-bit quantities, ids of 128
# characters): a decoded order beyond these is refused as a payload error, never half-stored.
MAX_AMOUNT = Decimal("1e12")
MAX_QUANTITY = 2**31 - 1
MAX_ID_LENGTH = 128


def _check_amount(value: Any, field_name: str, *, signed: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PayloadError(f"expected a finite amount, got {value!r}", field=field_name)
    if abs(value) >= MAX_AMOUNT:
        raise PayloadError(f"amount {value} is beyond {MAX_AMOUNT:,}", field=field_name)
    if value < 0 and not signed:
        raise PayloadError(f"expected an amount of 0 or more, got {value}", field=field_name)


def _check_id(value: Any, field_name: str) -> None:
    if not isinstance(value, str) or not value:
        raise PayloadError(f"expected a text id, got {value!r}", field=field_name)
    if len(value) > MAX_ID_LENGTH:
        raise PayloadError(f"is longer than {MAX_ID_LENGTH} characters ({len(value)})", field=field_name)


@dataclass(frozen=True)
class OrderLine:
    external_id: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    sku: str | None = None  # the merchant's product code, when the marketplace sends it
    external_product_id: str | None = None  # the marketplace's own product id
    name: str | None = None
    weight_kg: Decimal | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    extra: Mapping[str, Any] = field(default_factory=dict)  # marketplace-specific facts (unit type, pickup point)

    def __post_init__(self) -> None:
        """Every codec's lines pass here: a quantity or an amount no shop can store is a payload error."""
        where = f"lines[{self.external_id!r}]"
        _check_id(self.external_id, f"{where}.external_id")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or not (
                0 <= self.quantity <= MAX_QUANTITY):
            raise PayloadError(f"expected a whole quantity of 0 or more, got {self.quantity!r}",
                               field=f"{where}.quantity")
        _check_amount(self.unit_price, f"{where}.unit_price")
        _check_amount(self.total, f"{where}.total")


@dataclass(frozen=True)
class Order:
    """An order as a marketplace sends it, normalized. ``status`` is the marketplace's own code."""

    external_id: str
    number: str
    status: str
    created_at: datetime
    total: Decimal
    currency: str
    lines: Sequence[OrderLine] = ()
    customer: Customer = field(default_factory=Customer)
    recipient: Customer | None = None  # set when the recipient differs from the buyer
    delivery_method: str | None = None
    delivery_address: Address | None = None
    delivery_cost: Decimal | None = None
    payment_method: str | None = None
    is_paid: bool = False
    paid_at: datetime | None = None
    updated_at: datetime | None = None
    comment: str | None = None
    do_not_call: bool = False
    source: str | None = None
    utm: Mapping[str, str] = field(default_factory=dict)
    discount: Decimal | None = None
    is_fulfilment: bool = False
    waybill_number: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # marketplace-specific facts worth keeping
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the payload, for the log

    def __post_init__(self) -> None:
        """Every codec's orders pass here: ids, amounts and times a shop can store, or a payload error."""
        where = f"orders/{self.external_id!r}"
        _check_id(self.external_id, f"{where}.external_id")
        _check_id(self.number, f"{where}.number")
        if not isinstance(self.status, str) or not self.status or len(self.status) > 64:
            raise PayloadError(f"expected a status code of at most 64 characters, got {self.status!r:.80}",
                               field=f"{where}.status")
        if not isinstance(self.created_at, datetime) or self.created_at.tzinfo is None:
            raise PayloadError(f"expected a time with its timezone, got {self.created_at!r}",
                               field=f"{where}.created_at")
        _check_amount(self.total, f"{where}.total")
        _check_amount(self.delivery_cost, f"{where}.delivery_cost")
        _check_amount(self.discount, f"{where}.discount", signed=True)


@dataclass(frozen=True)
class UnreadableOrder:
    """An order of a listing whose payload could not be decoded, yielded in its place so that one bad
    order never ends the listing. ``external_id`` and ``created_at`` are set when they could be read."""

    error: str
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    external_id: str | None = None
    created_at: datetime | None = None


def read_order(
    decode: Callable[[Mapping[str, Any]], Order], payload: Mapping[str, Any], *, external_id: str | None = None
) -> Order | UnreadableOrder:
    """``decode(payload)``, or an ``UnreadableOrder`` carrying the payload and the ``PayloadError``."""
    try:
        return decode(payload)
    except PayloadError as error:
        return UnreadableOrder(error=str(error), raw=payload, external_id=external_id)


@dataclass(frozen=True)
class OrderRef:
    """Enough to address an order on its marketplace (Kaspi needs both its id and its code)."""

    external_id: str
    number: str | None = None
    status: str | None = None  # the current marketplace status, when known (for transition checks)


@dataclass(frozen=True)
class StatusChange:
    """A status to set on an order, with what the marketplace needs alongside."""

    order: OrderRef
    status: str
    reason: str | None = None
    comment: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. security_code, number_of_space


@dataclass(frozen=True)
class LineChange:
    """Cancel part of an order line, or change its weight: what is to *remain* of the line."""

    line_external_id: str
    remained_quantity: int
    reason: str
    comment: str | None = None
    remained_weight_kg: Decimal | None = None  # weighed goods: the new weight of the line


@dataclass(frozen=True)
class LineChangeResult:
    line_external_id: str
    remained_quantity: int | None
    status: str  # the marketplace's state of the operation (Kaspi: INPROGRESS, SUCCESSFUL)
    operation_id: str | None = None
    remained_weight_kg: Decimal | None = None


@dataclass(frozen=True)
class WaybillInfo:
    number: str
    carrier: str | None = None


@dataclass(frozen=True)
class StockPriceItem:
    sku: str
    quantity: int | None = None
    price: Decimal | None = None
    old_price: Decimal | None = None
    promo_price: Decimal | None = None
    currency: str | None = None
    external_id: str | None = None
    available: bool | None = None  # None: derive from quantity
    presence: str | None = None  # a marketplace presence code where it has one (Prom)


@dataclass(frozen=True)
class ShopOption:
    """A choice the seller configured in the marketplace's cabinet: a delivery or payment option, a custom
    order status. ``code`` is what orders carry (and mapping files key); the mapping editor offers these."""

    section: str  # delivery | payment | statuses
    code: str
    name: str
    enabled: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogOffer:
    """One product of the shop's own catalog on the marketplace (an offer of its YML export)."""

    external_id: str  # the marketplace's id of the offer (the YML ``offer id``)
    sku: str | None = None  # the seller's article (``vendorCode``)
    name: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    available: bool | None = None
    quantity: int | None = None
    barcode: str | None = None
    url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class PushResult:
    """What a batch push achieved: SKUs accepted, and a message per SKU refused."""

    accepted: Sequence[str] = ()
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductAttributeValue:
    code: str
    value: str | int | float | bool | Sequence[str]


@dataclass(frozen=True)
class ProductUploadItem:
    sku: str
    title: str
    brand: str | None
    category_code: str
    description: str | None = None
    attributes: Sequence[ProductAttributeValue] = ()
    images: Sequence[str] = ()
    price: Decimal | None = None
    old_price: Decimal | None = None
    quantity: int | None = None
    weight_kg: Decimal | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportItemResult:
    """One product of an import as the marketplace reported it. ``accepted`` None: accepted when it has
    no errors; ``listing_state`` None: the upload use case decides (accepted → ``moderation``)."""

    sku: str
    state: str
    errors: Sequence[str] = ()
    accepted: bool | None = None
    external_id: str | None = None
    listing_state: str | None = None

    @property
    def ok(self) -> bool:
        return self.accepted if self.accepted is not None else not self.errors


@dataclass(frozen=True)
class ImportResult:
    """The state of an asynchronous product import (``done`` when the marketplace finished it)."""

    import_id: str
    state: str
    done: bool
    total: int = 0
    errors: int = 0
    warnings: int = 0
    skipped: int = 0
    items: Sequence[ImportItemResult] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class ProductState:
    """A product as the marketplace shows it: its id there and its state, one of the listing states of
    ``erpsync.models.integration.LISTING_STATES`` (``moderation``, ``active``, ``rejected``, ``inactive``)."""

    sku: str
    state: str
    external_id: str | None = None
    message: str | None = None  # why it was rejected, when the marketplace says
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Category:
    code: str
    title: str
    parent_code: str | None = None
    is_leaf: bool = True


@dataclass(frozen=True)
class AttributeValue:
    code: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    title: str | None
    value_type: str  # string | number | boolean | enum
    multi_valued: bool = False
    mandatory: bool = False
    unit: str | None = None
    values: Sequence[AttributeValue] = ()


# --- the protocol -----------------------------------------------------------------------------------


class Connector:
    """Base of every connector. Subclasses set the class attributes and override what they can do."""

    name: ClassVar[str]
    enums: ClassVar[Enumerations]
    capabilities: ClassVar[frozenset[str]] = frozenset()
    limits: ClassVar[Limits] = Limits()
    # Listing states whose stock and prices must not be pushed: products under moderation, refused or
    # deleted on the marketplace; a connector adds its own (Kasta: its "new" products are in moderation).
    no_push_listing_states: ClassVar[frozenset[str]] = frozenset({"moderation", "rejected", "deleted"})

    def __init__(self, shop: ShopConfig) -> None:
        self.shop = shop
        # Items a listing skipped because their payload could not be decoded (one bad item never stops a
        # listing): the use case logs them after the loop and may clear the list. Order listings yield an
        # ``UnreadableOrder`` instead, which carries the payload for the sync log.
        self.rejected: list[PayloadError] = []

    def reject(self, error: PayloadError) -> None:
        """Set aside an item whose payload cannot be decoded and go on with the others."""
        self.rejected.append(error)

    # orders
    def list_orders(self, since: datetime, until: datetime) -> Iterator[Order | UnreadableOrder]:
        """Orders created or changed in [since, until] (as far as the marketplace can filter), with lines.

        An order whose payload cannot be decoded is yielded as an ``UnreadableOrder`` (see ``read_order``),
        never raised, so the rest of the listing still arrives. Marketplaces that can filter by the time
        of the last change declare ``CAP_ORDERS_CHANGED_SINCE``; the others filter by creation time.
        """
        raise Unsupported(self.name, "listing orders")

    def get_order(self, ref: OrderRef) -> Order:
        raise Unsupported(self.name, "reading an order")

    def set_status(self, change: StatusChange) -> Order | None:
        raise Unsupported(self.name, "setting an order status")

    def push_waybill(self, ref: OrderRef, waybill: WaybillInfo) -> None:
        raise Unsupported(self.name, "pushing a waybill")

    def change_lines(self, ref: OrderRef, changes: Sequence[LineChange]) -> list[LineChangeResult]:
        """Cancel part of some lines of an order (or change their weight)."""
        raise Unsupported(self.name, "cancelling part of an order")

    # catalog
    def push_stock_prices(self, items: Sequence[StockPriceItem]) -> PushResult:
        raise Unsupported(self.name, "pushing stock and prices")

    def check_upload_item(self, item: ProductUploadItem) -> list[str]:
        """What the marketplace would refuse in ``item`` (empty: nothing known); the upload use case drops
        and logs refused items so one bad product never stops a batch."""
        return []

    def upload_products(self, items: Sequence[ProductUploadItem]) -> str:
        """Start an import of products; returns the marketplace's import id."""
        raise Unsupported(self.name, "uploading products")

    def import_result(self, import_id: str) -> ImportResult:
        raise Unsupported(self.name, "reading an import result")

    def product_states(self, skus: Sequence[str] | None = None) -> Iterator[ProductState]:
        """The shop's products on the marketplace with their state (all of them, or those of ``skus``)."""
        raise Unsupported(self.name, "reading product states")

    def list_categories(self) -> Iterator[Category]:
        raise Unsupported(self.name, "downloading categories")

    def list_attributes(self, category_code: str) -> list[Attribute]:
        raise Unsupported(self.name, "downloading category attributes")

    def list_attribute_values(self, category_code: str, attribute_code: str) -> list[AttributeValue]:
        raise Unsupported(self.name, "downloading attribute values")

    def shop_options(self, section: str) -> list[ShopOption]:
        """The options the seller configured for ``section`` (delivery, payment, statuses)."""
        raise Unsupported(self.name, f"listing the shop's {section} options")

    def catalog_offers(self, source: str) -> Iterator[CatalogOffer]:
        """The offers of the shop's own catalog, read from ``source`` (Prom: the YML export URL)."""
        raise Unsupported(self.name, "reading the shop's catalog")

    # housekeeping
    def check_connection(self) -> None:
        """Make one cheap authenticated request; raise ``AuthenticationError`` on refused credentials."""
        raise Unsupported(self.name, "checking the connection")

    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # rules
    def can_transition(self, current: str | None, target: str) -> bool:
        allowed = self.enums.transitions.get(target)
        return allowed is None or current is None or current in allowed

    def check_transition(self, current: str | None, target: str) -> None:
        """Refuse locally, before any request, a status change the marketplace would refuse."""
        if target not in self.enums.settable_statuses:
            settable = ", ".join(self.enums.settable_statuses)
            raise TransitionError(f"{self.name}: status {target} cannot be set through the API (settable: {settable})")
        if not self.can_transition(current, target):
            allowed = ", ".join(sorted(self.enums.transitions[target]))
            raise TransitionError(
                f"{self.name}: an order in status {current} cannot be moved to {target} (allowed from: {allowed})"
            )
