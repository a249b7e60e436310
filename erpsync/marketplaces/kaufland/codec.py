"""Kaufland Seller API v2 payloads ↔ normalized values. Pure functions: no HTTP.

Every answer is an envelope: ``{"data": …}`` for one resource, ``{"data": [...], "pagination": {offset,
limit, total}}`` for a list, ``{"type", "message", "errors": [{field, message}]}`` for an error. Money is
integral cents of the storefront's currency on the wire (``price: 200`` is 2.00 EUR) and ``Decimal`` here;
times are ISO 8601 (``2021-07-24T19:26:05Z``) and timezone-aware UTC here.

Orders: Kaufland's unit of sale is the **order unit** — one piece of one product, with its own status.
An order (``id_order``) holds one or more units. erpsync imports the order as one normalized ``Order``
whose lines are its units (one line per unit, quantity 1, external id = ``id_order_unit``), so that a
status change of any unit updates the same order, and the order's status is the status its open units
share — see ``order_status``. Each line keeps its unit's own status in ``extra["status"]``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.core.money import finite_decimal
from erpsync.marketplaces.base import Address, Customer, Order, OrderLine, StockPriceItem
from erpsync.marketplaces.kaufland.enums import (
    CARRIERS,
    IMPORT_FAILED_STATUSES,
    IMPORT_FINAL_STATUSES,
    STATUSES,
    STOREFRONT_CURRENCIES,
)

CENT = Decimal("0.01")
MAX_UNIT_NOTE = 250
MAX_HANDLING_DAYS = 100
UNITS_BULK_LIMIT = 150  # POST /units/bulk takes at most 150 units (OpenAPI 2.27.0)
PAGE_LIMIT = 100

# The order of precedence of unit statuses when an order's units differ: what still needs the seller
# first, then what is on its way, then what is over. Cancelled units count only when all are cancelled.
STATUS_PRECEDENCE = (
    "need_to_be_sent",
    "open",
    "sent",
    "received",
    "sent_and_autopaid",
    "returned",
    "returned_paid",
    "cancelled",
)


# --- primitives -------------------------------------------------------------------------------------


def parse_time(value: Any, field: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset) → aware UTC datetime."""
    if value is None or value == "":
        if required:
            raise PayloadError("is missing", field=field)
        return None
    if not isinstance(value, str):
        raise PayloadError(f"expected an ISO 8601 time, got {value!r}", field=field)
    text = value.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(f"expected an ISO 8601 time, got {value!r}", field=field) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def format_time(moment: datetime) -> str:
    """Aware datetime → ``YYYY-MM-ddTHH:mm:ssZ`` as Kaufland's filters take it."""
    if moment.tzinfo is None:
        raise ValidationError("kaufland: times need a timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cents_to_money(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    """Integral cents → Decimal in the currency unit."""
    if value is None:
        if required:
            raise PayloadError("is missing", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"expected an amount in cents, got {value!r}", field=field)
    try:
        cents = finite_decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"expected an amount in cents, got {value!r}", field=field) from None
    return (cents / 100).quantize(CENT)


def money_to_cents(amount: Decimal, what: str) -> int:
    """Decimal in the currency unit → integral cents (at least 1, as Kaufland requires for prices)."""
    cents = int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if cents < 1:
        raise ValidationError(f"kaufland: {what} must be at least 0.01 (got {amount})")
    return cents


def text_of(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def object_of(value: Any, field: str, *, required: bool = True) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value is None and not required:
        return {}
    raise PayloadError(f"expected an object, got {type(value).__name__}", field=field)


def list_of(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"expected a list, got {type(value).__name__}", field=field)
    return value


def required_text(mapping: Mapping[str, Any], key: str, path: str) -> str:
    text = text_of(mapping.get(key))
    if text is None:
        raise PayloadError("is missing", field=f"{path}.{key}")
    return text


def data_of(document: Any, where: str) -> Any:
    """The ``data`` of an answer envelope."""
    envelope = object_of(document, where)
    if "data" not in envelope:
        raise PayloadError("the answer has no 'data'", field=where)
    return envelope["data"]


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    offset: int
    limit: int
    total: int | None

    @property
    def more(self) -> bool:
        """Whether another page may follow."""
        if self.total is not None:
            return self.offset + len(self.items) < self.total
        return len(self.items) >= self.limit > 0


def decode_page(document: Any, where: str) -> Page:
    """A collection answer: its items and its pagination."""
    items = [object_of(item, f"{where}.data[{i}]") for i, item in enumerate(list_of(data_of(document, where), where))]
    pagination = object_of(object_of(document, where).get("pagination"), f"{where}.pagination", required=False)
    return Page(
        items,
        _count(pagination.get("offset"), f"{where}.pagination.offset") or 0,
        _count(pagination.get("limit"), f"{where}.pagination.limit") or len(items),
        _count(pagination.get("total"), f"{where}.pagination.total"),
    )


def _count(value: Any, field: str) -> int | None:
    """A count of the pagination (0 or more, as a number or ASCII digits); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise PayloadError(f"expected a count, got {value!r:.80}", field=field)


def error_message(document: Any) -> str | None:
    """The message of a Kaufland error answer, with the fields it names."""
    if not isinstance(document, dict):
        return None
    message = text_of(document.get("message"))
    details = []
    errors = document.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and (error.get("field") or error.get("message")):
            details.append(
                f"{error.get('field')}: {error.get('message')}" if error.get("field") else str(error.get("message"))
            )
    if message and details:
        return f"{message} ({'; '.join(details)})"
    return message or ("; ".join(details) if details else None)


# --- orders -----------------------------------------------------------------------------------------


def order_status(unit_statuses: Iterable[str]) -> str:
    """The status of an order from its units': the most pressing status among the units that are not
    cancelled (``STATUS_PRECEDENCE``); ``cancelled`` only when every unit is."""
    statuses = set(unit_statuses)
    if not statuses:
        return "open"
    for status in STATUS_PRECEDENCE:
        if status in statuses:
            return status
    return sorted(statuses)[0]  # a status Kaufland adds later: kept as it is for the mapping's default


def decode_address(value: Any, path: str, pickup_point: str | None = None) -> Address | None:
    address = object_of(value, path, required=False)
    if not address:
        return None
    street = text_of(address.get("street"))
    house = text_of(address.get("house_number"))
    postcode, city = text_of(address.get("postcode")), text_of(address.get("city"))
    country = text_of(address.get("country"))
    extra = text_of(address.get("additional_field"))
    parts = [" ".join(p for p in (street, house) if p), extra, " ".join(p for p in (postcode, city) if p), country]
    return Address(
        formatted=", ".join(p for p in parts if p) or None,
        city=city,
        street=street,
        house=house,
        postcode=postcode,
        region=country,
        pickup_point=pickup_point,
    )


def decode_person(address: Mapping[str, Any], buyer: Mapping[str, Any] | None) -> Customer:
    first, last = text_of(address.get("first_name")), text_of(address.get("last_name"))
    company = text_of(address.get("company_name"))
    full = " ".join(p for p in (first, last) if p) or company
    return Customer(
        external_id=text_of((buyer or {}).get("id_buyer")),
        full_name=full,
        first_name=first,
        last_name=last,
        phone=text_of(address.get("phone")),
        email=text_of((buyer or {}).get("email")),
    )


def _pickup_point(delivery: Any) -> str | None:
    location = object_of(
        object_of(delivery, "delivery", required=False).get("pickup_location"), "pickup_location", required=False
    )
    if not location:
        return None
    parts = [text_of(location.get("carrier") or location.get("provider")), text_of(location.get("pickup_location_id"))]
    return " ".join(p for p in parts if p) or None


def decode_order_unit_line(unit: Mapping[str, Any], path: str) -> OrderLine:
    """One order unit as an order line (quantity 1)."""
    unit_id = required_text(unit, "id_order_unit", path)
    price = cents_to_money(unit.get("price"), f"{path}.price", required=True)
    assert price is not None
    product = object_of(unit.get("product"), f"{path}.product", required=False)
    eans = [e for e in list_of(product.get("eans"), f"{path}.product.eans") if e]
    status = required_text(unit, "status", path)
    extra = {
        "status": status,
        "ean": text_of(eans[0]) if eans else None,
        "shipping_rate": cents_to_money(unit.get("shipping_rate"), f"{path}.shipping_rate"),
        "revenue_gross": cents_to_money(unit.get("revenue_gross"), f"{path}.revenue_gross"),
        "revenue_net": cents_to_money(unit.get("revenue_net"), f"{path}.revenue_net"),
        "vat": unit.get("vat"),
        "cancel_reason": text_of(unit.get("cancel_reason")),
        "condition": text_of(unit.get("unit_condition")),
        "delivery_time_expires_at": parse_time(
            unit.get("delivery_time_expires_iso"), f"{path}.delivery_time_expires_iso"
        ),
        "note": text_of(unit.get("note")),
    }
    return OrderLine(
        external_id=unit_id,
        quantity=1,
        unit_price=price,
        total=price,
        sku=text_of(unit.get("id_offer")),
        external_product_id=text_of(product.get("id_product")),
        name=text_of(product.get("title")),
        raw=dict(unit),
        extra={k: v for k, v in extra.items() if v is not None},
    )


def decode_order(document: Mapping[str, Any], path: str = "orders") -> Order:
    """``GET /orders/{id_order}``'s ``data`` (order details with its units, addresses and buyer) → Order."""
    order_id = required_text(document, "id_order", path)
    path = f"orders/{order_id}"
    created = parse_time(document.get("ts_created_iso"), f"{path}.ts_created_iso", required=True)
    assert created is not None
    units = [
        object_of(u, f"{path}.order_units[{i}]")
        for i, u in enumerate(list_of(document.get("order_units"), f"{path}.order_units"))
    ]
    lines = [decode_order_unit_line(unit, f"{path}.order_units[{i}]") for i, unit in enumerate(units)]
    statuses = [line.extra["status"] for line in lines]
    storefront = text_of(document.get("storefront"))
    currency = next((text_of(u.get("currency")) for u in units if u.get("currency")), None)
    currency = currency or STOREFRONT_CURRENCIES.get((storefront or "").lower(), "EUR")
    shipping = sum((line.extra.get("shipping_rate") or Decimal(0) for line in lines), Decimal(0))
    goods = sum((line.total for line in lines), Decimal(0))
    buyer = object_of(document.get("buyer"), f"{path}.buyer", required=False)
    billing = object_of(document.get("billing_address"), f"{path}.billing_address", required=False)
    shipping_address = object_of(document.get("shipping_address"), f"{path}.shipping_address", required=False)
    customer = decode_person(billing or shipping_address, buyer)
    recipient = decode_person(shipping_address, None) if shipping_address else None
    if recipient is not None and (recipient.full_name, recipient.phone) == (customer.full_name, customer.phone):
        recipient = None
    updated = [parse_time(u.get("ts_updated_iso"), f"{path}.ts_updated_iso") for u in units]
    fulfilment = text_of(document.get("fulfillment_type"))
    status = order_status(statuses)
    return Order(
        external_id=order_id,
        number=order_id,
        status=status,
        created_at=created,
        total=(goods + shipping).quantize(CENT),
        currency=currency,
        lines=lines,
        customer=customer,
        recipient=recipient,
        delivery_address=decode_address(
            shipping_address, f"{path}.shipping_address", _pickup_point(document.get("delivery"))
        ),
        delivery_cost=shipping.quantize(CENT),
        payment_method=None,  # buyers pay Kaufland; the mapping's default payment applies
        is_paid=any(s not in ("open", "cancelled") for s in statuses),
        updated_at=max((u for u in updated if u is not None), default=None),
        is_fulfilment=fulfilment == "fulfilled_by_kaufland",
        source=storefront,
        extra={
            "storefront": storefront,
            "fulfillment_type": fulfilment,
            "is_marketplace_deemed_supplier": document.get("is_marketplace_deemed_supplier"),
            "unit_statuses": {line.external_id: line.extra["status"] for line in lines},
            "status_known": status in STATUSES,
        },
        raw=dict(document),
    )


@dataclass(frozen=True)
class OrderSummary:
    """An entry of ``GET /orders``: enough to decide whether to read the order's details."""

    id_order: str
    created_at: datetime
    units_updated_at: datetime | None
    units: int


def decode_order_summary(item: Mapping[str, Any], path: str) -> OrderSummary:
    order_id = required_text(item, "id_order", path)
    path = f"orders/{order_id}"
    created = parse_time(item.get("ts_created_iso"), f"{path}.ts_created_iso", required=True)
    assert created is not None
    count = item.get("order_units_count")
    return OrderSummary(
        order_id,
        created,
        parse_time(item.get("ts_units_updated_iso"), f"{path}.ts_units_updated_iso"),
        int(count) if isinstance(count, int) else 0,
    )


@dataclass(frozen=True)
class OrderUnitState:
    """An order unit as ``GET /order-units`` lists it: its ids, status and the seller's offer id."""

    id_order_unit: str
    id_order: str
    status: str
    id_offer: str | None
    updated_at: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def decode_order_unit_state(item: Mapping[str, Any], path: str) -> OrderUnitState:
    return OrderUnitState(
        required_text(item, "id_order_unit", path),
        required_text(item, "id_order", path),
        required_text(item, "status", path),
        text_of(item.get("id_offer")),
        parse_time(item.get("ts_updated_iso"), f"{path}.ts_updated_iso"),
        dict(item),
    )


def _squeeze(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def carrier_code(value: str) -> str:
    """Kaufland's spelling of a carrier: ``dhl`` → ``DHL``, ``deutsche_post`` → ``Deutsche Post`` (case, spaces,
    ``_`` and ``-`` ignored); a carrier Kaufland's list does not have is sent as given."""
    wanted = _squeeze(value)
    return next((code for code in CARRIERS if _squeeze(code) == wanted), value.strip())


def send_body(carrier: str, tracking_numbers: Sequence[str]) -> dict[str, str]:
    """``PATCH /order-units/{id}/send``: several tracking numbers go comma-separated."""
    numbers = [n.strip() for n in tracking_numbers if n and n.strip()]
    if not numbers:
        raise ValidationError("kaufland: marking a unit sent needs a tracking number")
    if not carrier or not carrier.strip():
        raise ValidationError("kaufland: marking a unit sent needs a carrier code (delivery.outbound in the mapping)")
    return {"tracking_numbers": ",".join(numbers), "carrier_code": carrier_code(carrier)}


def invoice_body(file_name: str, pdf: bytes) -> dict[str, str]:
    """``POST /order-invoices/{id_order}``: the PDF base64-encoded."""
    if not pdf.startswith(b"%PDF"):
        raise ValidationError(f"kaufland: the invoice {file_name!r} is not a PDF file (it does not start with %PDF)")
    return {"original_name": file_name, "mime_type": "application/pdf", "data": base64.b64encode(pdf).decode()}


# --- units (inventory) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitDraft:
    """A unit (offer) to create: the product by EAN, our SKU as ``id_offer``."""

    ean: str
    id_offer: str
    price: Decimal
    amount: int
    handling_time: int = 1
    condition: str = "NEW"
    minimum_price: Decimal | None = None
    note: str | None = None
    id_shipping_group: int | None = None
    id_warehouse: int | None = None


@dataclass(frozen=True)
class UnitChange:
    """What to change of an existing unit (``None``: leave as it is)."""

    price: Decimal | None = None
    amount: int | None = None
    handling_time: int | None = None
    condition: str | None = None  # not changeable in place: a different condition is a new unit
    minimum_price: Decimal | None = None
    note: str | None = None
    status: str | None = None  # AVAILABLE | ONHOLD


@dataclass(frozen=True)
class Unit:
    id_unit: str
    id_offer: str | None
    ean: str | None
    price: Decimal | None
    amount: int
    handling_time: int | None
    condition: str | None
    status: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def _check_unit_fields(amount: int | None, handling_time: int | None, note: str | None, what: str) -> None:
    if amount is not None and amount < 0:
        raise ValidationError(f"kaufland: {what}: the amount cannot be negative (got {amount})")
    if handling_time is not None and not 0 <= handling_time <= MAX_HANDLING_DAYS:
        raise ValidationError(
            f"kaufland: {what}: the handling time is 0 to {MAX_HANDLING_DAYS} days (got {handling_time})"
        )
    if note is not None and len(note) > MAX_UNIT_NOTE:
        raise ValidationError(f"kaufland: {what}: a note has at most {MAX_UNIT_NOTE} characters (got {len(note)})")


def unit_create_body(draft: UnitDraft) -> dict[str, Any]:
    what = f"unit {draft.id_offer}"
    if not draft.ean or not draft.ean.isdigit() or len(draft.ean) not in (8, 12, 13, 14):
        raise ValidationError(
            f"kaufland: {what}: a unit needs the product's EAN (8, 12, 13 or 14 digits), got {draft.ean!r}"
        )
    _check_unit_fields(draft.amount, draft.handling_time, draft.note, what)
    body: dict[str, Any] = {
        "ean": draft.ean,
        "id_offer": draft.id_offer,
        "condition": draft.condition,
        "listing_price": money_to_cents(draft.price, f"{what}: the price"),
        "amount": draft.amount,
        "handling_time": draft.handling_time,
    }
    if draft.minimum_price is not None:
        body["minimum_price"] = money_to_cents(draft.minimum_price, f"{what}: the minimum price")
    for key in ("note", "id_shipping_group", "id_warehouse"):
        if getattr(draft, key) is not None:
            body[key] = getattr(draft, key)
    return body


def unit_patch_body(change: UnitChange, what: str) -> dict[str, Any]:
    _check_unit_fields(change.amount, change.handling_time, change.note, what)
    if change.condition is not None:
        raise ValidationError(
            f"kaufland: {what}: a unit's condition cannot change; delete it and create a unit "
            f"in condition {change.condition}"
        )
    body: dict[str, Any] = {}
    if change.price is not None:
        body["listing_price"] = money_to_cents(change.price, f"{what}: the price")
    if change.minimum_price is not None:
        body["minimum_price"] = money_to_cents(change.minimum_price, f"{what}: the minimum price")
    for key in ("amount", "handling_time", "note", "status"):
        if getattr(change, key) is not None:
            body[key] = getattr(change, key)
    if not body:
        raise ValidationError(f"kaufland: {what}: nothing to change")
    return body


def stock_price_change(item: StockPriceItem) -> UnitChange:
    """A stock/price push item as a unit change (price = the listing price; quantity = amount)."""
    return UnitChange(price=item.price, amount=item.quantity)


def decode_unit(item: Mapping[str, Any], path: str) -> Unit:
    product = object_of(item.get("product"), f"{path}.product", required=False)
    eans = list_of(product.get("eans"), f"{path}.product.eans")
    amount = item.get("amount")
    handling = item.get("handling_time")
    return Unit(
        id_unit=required_text(item, "id_unit", path),
        id_offer=text_of(item.get("id_offer")),
        ean=text_of(item.get("ean")) or (text_of(eans[0]) if eans else None),
        price=cents_to_money(item.get("listing_price", item.get("price")), f"{path}.listing_price"),
        amount=int(amount) if isinstance(amount, int) else 0,
        handling_time=int(handling) if isinstance(handling, int) else None,
        condition=text_of(item.get("condition")),
        status=text_of(item.get("status")),
        raw=dict(item),
    )


def bulk_body(changes: Sequence[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``POST /units/bulk``: ``[{"id_unit": …, "unit_data": {…}}]``, at most 150, no unit twice."""
    if len(changes) > UNITS_BULK_LIMIT:
        raise ValidationError(f"kaufland: one bulk update takes at most {UNITS_BULK_LIMIT} units (got {len(changes)})")
    ids = [unit_id for unit_id, _ in changes]
    if len(set(ids)) != len(ids):
        raise ValidationError("kaufland: a bulk update cannot name a unit twice")
    return [{"id_unit": int(unit_id) if unit_id.isdigit() else unit_id, "unit_data": data} for unit_id, data in changes]


def decode_bulk_result(document: Any, where: str = "units/bulk") -> dict[str, str | None]:
    """The 207 answer of a bulk update: unit id → None when updated, else the refusal's message."""
    outcome: dict[str, str | None] = {}
    for index, item in enumerate(list_of(data_of(document, where), where)):
        entry = object_of(item, f"{where}.data[{index}]")
        unit_id = required_text(entry, "id_unit", f"{where}.data[{index}]")
        status = entry.get("status_code")
        if isinstance(status, int | float) and 200 <= status < 300:
            outcome[unit_id] = None
        else:
            outcome[unit_id] = error_message(entry) or text_of(entry.get("message")) or f"HTTP {status}"
    return outcome


# --- import files -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportFile:
    """An import file as Kaufland reports it."""

    id_import_file: str
    uri: str | None
    status: str
    total_lines: int
    current_line: int
    error_count: int
    async_done: int | None  # product data files: lines processed asynchronously (the seed's flag)
    note: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in IMPORT_FINAL_STATUSES

    @property
    def failed(self) -> bool:
        return self.status in IMPORT_FAILED_STATUSES

    @property
    def product_data_ready(self) -> bool:
        """Seed 002: inventory may follow once ``product_feed_async_done == 1`` (newer documents call the
        field ``async_import_done`` and count lines; all lines done counts too)."""
        if not self.finished or self.failed or self.async_done is None:
            return False
        return self.async_done == 1 or (self.total_lines > 0 and self.async_done >= self.total_lines)


def _int(value: Any) -> int:
    try:
        return int(finite_decimal(str(value)))
    except (InvalidOperation, ValueError):
        return 0


def decode_import_file(document: Any, where: str) -> ImportFile:
    item = object_of(data_of(document, where), f"{where}.data")
    async_done = item.get("product_feed_async_done", item.get("async_import_done"))
    return ImportFile(
        id_import_file=required_text(item, "id_import_file", f"{where}.data"),
        uri=text_of(item.get("uri")),
        status=required_text(item, "status", f"{where}.data"),
        total_lines=_int(item.get("total_lines")),
        current_line=_int(item.get("current_line")),
        error_count=_int(item.get("error_count")),
        async_done=None if async_done is None else _int(async_done),
        note=text_of(item.get("note")),
        raw=dict(item),
    )


# --- returns, tickets, reports, subscriptions -------------------------------------------------------


@dataclass(frozen=True)
class ReturnUnit:
    id_return_unit: str
    id_return: str
    id_order_unit: str
    status: str
    reason: str | None
    note: str | None
    created_at: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def decode_return_unit(item: Mapping[str, Any], path: str) -> ReturnUnit:
    return ReturnUnit(
        required_text(item, "id_return_unit", path),
        required_text(item, "id_return", path),
        required_text(item, "id_order_unit", path),
        required_text(item, "status", path),
        text_of(item.get("reason")),
        text_of(item.get("note")),
        parse_time(item.get("ts_created_iso"), f"{path}.ts_created_iso"),
        dict(item),
    )


@dataclass(frozen=True)
class Return:
    id_return: str
    status: str
    tracking_provider: str | None
    tracking_code: str | None
    created_at: datetime | None
    updated_at: datetime | None
    units: Sequence[ReturnUnit] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def decode_return(item: Mapping[str, Any], path: str) -> Return:
    units = [
        decode_return_unit(object_of(u, f"{path}.return_units[{i}]"), f"{path}.return_units[{i}]")
        for i, u in enumerate(list_of(item.get("return_units"), f"{path}.return_units"))
    ]
    return Return(
        required_text(item, "id_return", path),
        required_text(item, "status", path),
        text_of(item.get("tracking_provider")),
        text_of(item.get("tracking_code")),
        parse_time(item.get("ts_created_iso"), f"{path}.ts_created_iso"),
        parse_time(item.get("ts_updated_iso"), f"{path}.ts_updated_iso"),
        units,
        dict(item),
    )


@dataclass(frozen=True)
class Ticket:
    id_ticket: str
    status: str
    open_reason: str | None
    topic: str | None
    order_units: Sequence[str]
    seller_must_act: bool
    created_at: datetime | None
    updated_at: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def decode_ticket(item: Mapping[str, Any], path: str) -> Ticket:
    return Ticket(
        required_text(item, "id_ticket", path),
        required_text(item, "status", path),
        text_of(item.get("open_reason")),
        text_of(item.get("topic")),
        [str(u) for u in list_of(item.get("ids_order_units"), f"{path}.ids_order_units")],
        bool(item.get("is_seller_responsible")),
        parse_time(item.get("ts_created_iso"), f"{path}.ts_created_iso"),
        parse_time(item.get("ts_updated_iso"), f"{path}.ts_updated_iso"),
        dict(item),
    )


@dataclass(frozen=True)
class Report:
    id_report: str
    status: str  # new | processing | processing_failed | done (Kaufland's SDK constants)
    url: str | None
    name: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def done(self) -> bool:
        return self.status.lower() == "done"

    @property
    def failed(self) -> bool:
        return "fail" in self.status.lower()


def decode_report(item: Mapping[str, Any], path: str) -> Report:
    return Report(
        required_text(item, "id_report", path),
        text_of(item.get("status")) or "new",
        text_of(item.get("url")),
        text_of(item.get("report_name")),
        dict(item),
    )


@dataclass(frozen=True)
class Subscription:
    id_subscription: str
    event_name: str
    callback_url: str
    is_active: bool
    storefront: str | None


def decode_subscription(item: Mapping[str, Any], path: str) -> Subscription:
    raw_id = item.get("id_subscription")
    sub_id = (
        str(int(raw_id))
        if isinstance(raw_id, float) and raw_id.is_integer()
        else required_text(item, "id_subscription", path)
    )
    return Subscription(
        sub_id,
        required_text(item, "event_name", path),
        required_text(item, "callback_url", path),
        bool(item.get("is_active", True)),
        text_of(item.get("storefront")),
    )


# --- push notifications -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """A push notification: the event, the resource that changed (a path such as ``/orders/MB7UWLD/``)."""

    event_name: str
    resource: str | None
    storefront: str | None
    id_message: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def resource_id(self, collection: str) -> str | None:
        """The id following ``/<collection>/`` in the resource path."""
        parts = [p for p in (self.resource or "").split("/") if p]
        for index, part in enumerate(parts[:-1]):
            if part == collection:
                return parts[index + 1]
        return None


def decode_notification(document: Any) -> Notification:
    body = object_of(document, "notification")
    return Notification(
        event_name=required_text(body, "event_name", "notification"),
        resource=text_of(body.get("resource")),
        storefront=text_of(body.get("storefront")),
        id_message=text_of(body.get("id_message")),
        payload=object_of(body.get("payload"), "notification.payload", required=False),
    )
