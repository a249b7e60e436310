"""Kaspi.kz payloads ↔ normalized values, as seed 004 documents them. Pure functions: no HTTP.

Decoding tolerates nulls and keeps every field it does not map (the resource stays in ``raw``); what an
order cannot do without (id, code, status, creation date, total) raises ``PayloadError`` naming the
field path. Times are epoch milliseconds on the wire and timezone-aware UTC datetimes here; money is
``Decimal`` in tenge; Kaspi weights are grams, ours kilograms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.core.money import finite_decimal
from erpsync.marketplaces.base import (
    Address,
    Attribute,
    AttributeValue,
    Category,
    Customer,
    ImportItemResult,
    ImportResult,
    LineChange,
    LineChangeResult,
    Order,
    OrderLine,
    ProductUploadItem,
)

JSONAPI = "application/vnd.api+json"
CURRENCY = "KZT"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GRAMS_PER_KG = Decimal(1000)
MAX_CANCELLATION_COMMENT = 1000

# The product import's JSON schema (GET /shop/api/products/import/schema, seed 004).
IMPORT_MAX_ITEMS = 10000
CATEGORY_CODE = re.compile(r"^Master ?-[a-zA-Z_\s\d-]+$")
ATTRIBUTE_CODE = re.compile(r"^([a-zA-Z_\s\d&.\-#%/]+\*)+[a-zA-Z_\s\d&.\-#%/]+$")
IMAGE_URL = re.compile(r"^https?://")
# Import states after which the result will not change. Seed 004 shows UPLOADED (just accepted) and
# FINISHED; any other state outside PENDING_IMPORT_STATES is taken as final.
PENDING_IMPORT_STATES = frozenset({"UPLOADED", "PROCESSING", "IN_PROGRESS", "INPROGRESS", "QUEUED", "NEW"})


# --- primitives -------------------------------------------------------------------------------------


def ms_to_datetime(value: Any, field: str) -> datetime | None:
    """Epoch milliseconds → aware UTC datetime; None stays None; anything else is a PayloadError."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"expected epoch milliseconds, got {value!r}", field=field)
    try:
        millis = int(finite_decimal(str(value)))
    except InvalidOperation:
        raise PayloadError(f"expected epoch milliseconds, got {value!r}", field=field) from None
    try:
        return EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        raise PayloadError(f"epoch milliseconds beyond any date, got {value!r}", field=field) from None


def datetime_to_ms(moment: datetime) -> int:
    """Aware datetime → epoch milliseconds (Kaspi filters)."""
    if moment.tzinfo is None:
        raise ValidationError(f"a time without a timezone cannot be sent to Kaspi: {moment.isoformat()}")
    return (moment - EPOCH) // timedelta(milliseconds=1)


def decimal_of(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    if value is None:
        if required:
            raise PayloadError("is missing", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"expected a number, got {value!r}", field=field)
    try:
        return finite_decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"expected a number, got {value!r}", field=field) from None


def text_of(value: Any) -> str | None:
    """A trimmed text, or None for null/empty (Kaspi pads some address parts with spaces)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def object_of(value: Any, field: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"expected an object, got {type(value).__name__}", field=field)
    return value


def list_of(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"expected a list, got {type(value).__name__}", field=field)
    return value


def required_text(mapping: Mapping[str, Any], key: str, path: str) -> str:
    value = text_of(mapping.get(key))
    if value is None:
        raise PayloadError("is missing", field=f"{path}.{key}")
    return value


def kilograms(grams: Decimal) -> Decimal:
    """Kaspi's grams as kilograms, written plainly (1000.0 g → 1, 3800.0 g → 3.8)."""
    value = grams / GRAMS_PER_KG
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _int_of(value: Any, field: str) -> int | None:
    number = decimal_of(value, field)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise PayloadError(f"expected a whole number, got {value!r}", field=field)
    return int(number)


# --- JSON:API documents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    included: list[dict[str, Any]]
    page_count: int
    total_count: int


def decode_orders_page(document: Any, where: str = "orders") -> OrdersPage:
    """A page of ``GET /orders``: the order resources, ``included`` and ``meta`` counts."""
    body = object_of(document, where)
    orders = list_of(body.get("data"), f"{where}.data")
    for index, order in enumerate(orders):
        object_of(order, f"{where}.data[{index}]")
    included = [r for r in list_of(body.get("included"), f"{where}.included") if isinstance(r, dict)]
    meta = object_of(body.get("meta"), f"{where}.meta", required=False)
    page_count = _int_of(meta.get("pageCount"), f"{where}.meta.pageCount")
    total_count = _int_of(meta.get("totalCount"), f"{where}.meta.totalCount")
    return OrdersPage(
        orders=orders,
        included=included,
        page_count=page_count if page_count is not None else (1 if orders else 0),
        total_count=total_count if total_count is not None else len(orders),
    )


def single_resource(document: Any, where: str) -> dict[str, Any]:
    """The ``data`` object of a single-resource document."""
    return object_of(object_of(document, where).get("data"), f"{where}.data")


def resource_list(document: Any, where: str) -> list[dict[str, Any]]:
    data = list_of(object_of(document, where).get("data"), f"{where}.data")
    return [object_of(item, f"{where}.data[{i}]") for i, item in enumerate(data)]


def related_id(resource: Mapping[str, Any], relationship: str) -> str | None:
    """The id a to-one relationship points at (``relationships.X.data.id``), or None."""
    relationships = resource.get("relationships")
    if not isinstance(relationships, dict):
        return None
    link = relationships.get(relationship)
    data = link.get("data") if isinstance(link, dict) else None
    return text_of(data.get("id")) if isinstance(data, dict) else None


def error_message(document: Any) -> str | None:
    """The human text of a Kaspi error body (``{"errors": [{"title": …}]}``; ``message`` as a fallback)."""
    if not isinstance(document, dict):
        return None
    messages = []
    for error in document.get("errors") or []:
        if isinstance(error, dict):
            text = error.get("title") or error.get("detail") or error.get("code")
            if text:
                messages.append(str(text))
        elif error:
            messages.append(str(error))
    if not messages and document.get("message"):
        messages.append(str(document["message"]))
    return "; ".join(messages) or None


# --- orders -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointOfService:
    """A merchant's warehouse / pickup point (``pointofservices``)."""

    external_id: str
    name: str | None
    address: Address | None
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class EntryProduct:
    """What an order entry sells: Kaspi's master product and, when known, the merchant's own code."""

    master_id: str | None
    kaspi_code: str | None
    name: str | None
    category: str | None
    sku: str | None = None
    merchant_name: str | None = None


def decode_address(value: Any, path: str, *, pickup_point: str | None = None) -> Address | None:
    if value is None:
        return Address(pickup_point=pickup_point) if pickup_point else None
    address = object_of(value, path)
    return Address(
        formatted=text_of(address.get("formattedAddress")),
        city=text_of(address.get("town")),
        street=text_of(address.get("streetName")),
        house=text_of(address.get("streetNumber")),
        apartment=text_of(address.get("apartment")),
        region=text_of(address.get("district")),
        pickup_point=pickup_point,
        latitude=decimal_of(address.get("latitude"), f"{path}.latitude"),
        longitude=decimal_of(address.get("longitude"), f"{path}.longitude"),
    )


def decode_point_of_service(document: Any, where: str = "pointofservices") -> PointOfService:
    resource = single_resource(document, where)
    attributes = object_of(resource.get("attributes"), f"{where}.data.attributes", required=False)
    name = text_of(attributes.get("displayName"))
    return PointOfService(
        external_id=required_text(resource, "id", f"{where}.data"),
        name=name,
        address=decode_address(attributes.get("address"), f"{where}.data.attributes.address", pickup_point=name),
        raw=resource,
    )


def decode_master_product(document: Any, where: str = "masterproducts") -> EntryProduct:
    resource = single_resource(document, where)
    attributes = object_of(resource.get("attributes"), f"{where}.data.attributes", required=False)
    return EntryProduct(
        master_id=text_of(resource.get("id")),
        kaspi_code=text_of(attributes.get("code")),
        name=text_of(attributes.get("name")),
        category=text_of(attributes.get("category")),
    )


def decode_merchant_product(document: Any, where: str = "merchantproducts") -> tuple[str | None, str | None]:
    """The merchant's product code (our SKU) and name, or (None, None) when Kaspi links none."""
    body = object_of(document, where)
    if body.get("data") is None:
        return None, None
    resource = single_resource(body, where)
    attributes = object_of(resource.get("attributes"), f"{where}.data.attributes", required=False)
    return text_of(attributes.get("code")), text_of(attributes.get("name"))


def offer_of(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The ``offer`` object real entries carry (merchant code and name); {} when absent."""
    attributes = entry.get("attributes")
    offer = attributes.get("offer") if isinstance(attributes, dict) else None
    return offer if isinstance(offer, dict) else {}


def decode_customer(value: Any, included_user: Mapping[str, Any] | None, path: str) -> Customer:
    """The buyer: ``attributes.customer`` of the order, completed from the ``included`` user."""
    customer = object_of(value, path, required=False)
    user = included_user or {}
    user_attributes = user.get("attributes") if isinstance(user.get("attributes"), dict) else {}

    def pick(key: str) -> str | None:
        return text_of(customer.get(key)) or text_of(user_attributes.get(key))

    first, last = pick("firstName"), pick("lastName")
    full = text_of(customer.get("name")) or " ".join(p for p in (first, last) if p) or None
    return Customer(
        external_id=text_of(customer.get("id")) or text_of(user.get("id")),
        full_name=full,
        first_name=first,
        last_name=last,
        phone=pick("cellPhone"),
    )


def decode_entry(
    resource: Mapping[str, Any],
    path: str,
    *,
    product: EntryProduct | None = None,
    point: PointOfService | None = None,
) -> OrderLine:
    """An ``orderentries`` resource → an order line (SKU from the offer or the merchant product)."""
    attributes = object_of(resource.get("attributes"), f"{path}.attributes")
    entry_id = required_text(resource, "id", path)
    quantity = _int_of(attributes.get("quantity"), f"{path}.attributes.quantity")
    if quantity is None:
        raise PayloadError("is missing", field=f"{path}.attributes.quantity")
    base_price = decimal_of(attributes.get("basePrice"), f"{path}.attributes.basePrice", required=True)
    total = decimal_of(attributes.get("totalPrice"), f"{path}.attributes.totalPrice")
    weight = decimal_of(attributes.get("weight"), f"{path}.attributes.weight")
    offer = offer_of(resource)
    category = object_of(attributes.get("category"), f"{path}.attributes.category", required=False)
    product = product or EntryProduct(related_id(resource, "product"), None, None, None)
    extra: dict[str, Any] = {
        "unit_type": text_of(attributes.get("unitType")),
        "entry_number": attributes.get("entryNumber"),
        "category_code": text_of(category.get("code")),
        "category_title": text_of(category.get("title")),
        "master_product_id": product.master_id,
        "point_of_service_id": point.external_id if point else related_id(resource, "deliveryPointOfService"),
        "point_of_service": point.name if point else None,
    }
    if attributes.get("minAllowedWeight") is not None:
        minimum = decimal_of(attributes["minAllowedWeight"], f"{path}.attributes.minAllowedWeight")
        extra["min_allowed_weight_kg"] = str(kilograms(minimum))
    return OrderLine(
        external_id=entry_id,
        quantity=quantity,
        unit_price=base_price,
        total=total if total is not None else base_price * quantity,
        sku=text_of(offer.get("code")) or product.sku,
        external_product_id=product.kaspi_code or product.master_id,
        name=text_of(offer.get("name")) or product.merchant_name or product.name,
        weight_kg=kilograms(weight) if weight else None,
        raw=dict(resource),
        extra={k: v for k, v in extra.items() if v is not None},
    )


def _included_user(order: Mapping[str, Any], included: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    user_id = related_id(order, "user")
    if user_id is None:
        return None
    for resource in included:
        if resource.get("type") == "customers" and resource.get("id") == user_id:
            return resource
    return None


_EXTRA_ATTRIBUTES = (
    "state", "isKaspiDelivery", "preOrder", "assembled", "pickupPointId", "signatureRequired", "creditTerm",
    "deliveryCostForSeller", "cancellationReason", "express", "returnedToWarehouse", "category",
    "numberOfSpace", "waybill",
)
_EXTRA_TIMES = ("plannedDeliveryDate", "reservationDate", "courierTransmissionPlanningDate", "courierTransmissionDate")


def _order_extra(attributes: Mapping[str, Any], path: str) -> dict[str, Any]:
    """Kaspi facts worth keeping beside the normalized order (JSON-safe: times as ISO text)."""
    delivery = object_of(attributes.get("kaspiDelivery"), f"{path}.kaspiDelivery", required=False)
    extra: dict[str, Any] = {}
    for key in _EXTRA_ATTRIBUTES:
        value = attributes.get(key, delivery.get(key))
        if value is not None:
            extra[key] = value
    for key in _EXTRA_TIMES:
        source, where = (attributes, path) if attributes.get(key) is not None else (delivery, f"{path}.kaspiDelivery")
        moment = ms_to_datetime(source.get(key), f"{where}.{key}")
        if moment is not None:
            extra[key] = moment.isoformat()
    return extra


def decode_order(
    resource: Mapping[str, Any],
    *,
    included: Iterable[Mapping[str, Any]] = (),
    lines: Sequence[OrderLine] = (),
    points: Sequence[PointOfService] = (),
    path: str = "orders.data",
) -> Order:
    """An ``orders`` resource (with its lines and points of service, when fetched) → an ``Order``."""
    attributes = object_of(resource.get("attributes"), f"{path}.attributes")
    where = f"{path}.attributes"
    order_id = required_text(resource, "id", path)
    created = ms_to_datetime(attributes.get("creationDate"), f"{where}.creationDate")
    if created is None:
        raise PayloadError("is missing", field=f"{where}.creationDate")
    delivery = object_of(attributes.get("kaspiDelivery"), f"{where}.kaspiDelivery", required=False)
    pickup_point = points[0].name if points else text_of(attributes.get("pickupPointId"))
    address = decode_address(attributes.get("deliveryAddress"), f"{where}.deliveryAddress")
    if address is None and attributes.get("deliveryMode") == "DELIVERY_PICKUP" and points:
        address = points[0].address
    elif address is None and pickup_point:
        address = Address(pickup_point=pickup_point)
    approved = ms_to_datetime(attributes.get("approvedByBankDate"), f"{where}.approvedByBankDate")
    extra = _order_extra(attributes, where)
    if points:
        extra["points_of_service"] = [{"id": p.external_id, "name": p.name} for p in points]
    return Order(
        external_id=order_id,
        number=required_text(attributes, "code", where),
        status=required_text(attributes, "status", where),
        created_at=created,
        total=decimal_of(attributes.get("totalPrice"), f"{where}.totalPrice", required=True),
        currency=CURRENCY,
        lines=tuple(lines),
        customer=decode_customer(attributes.get("customer"), _included_user(resource, included), f"{where}.customer"),
        delivery_method=text_of(attributes.get("deliveryMode")),
        delivery_address=address,
        delivery_cost=decimal_of(attributes.get("deliveryCost"), f"{where}.deliveryCost"),
        payment_method=text_of(attributes.get("paymentMode")),
        # Kaspi hands the merchant only orders the bank approved: PREPAID is paid, PAY_WITH_CREDIT is
        # financed by Kaspi; either way the merchant is paid by Kaspi.
        is_paid=approved is not None,
        paid_at=approved,
        waybill_number=text_of(delivery.get("waybillNumber")) or text_of(attributes.get("waybillNumber")),
        extra=extra,
        raw=dict(resource),
    )


# --- status changes and line changes (request bodies, field for field as seed 004 shows them) ------


def status_change_body(order_id: str, status: str, *, code: str | None, **attributes: Any) -> dict[str, Any]:
    """``POST /orders`` body: ``{"data": {"type": "orders", "id", "attributes": {code, status, …}}}``."""
    values: dict[str, Any] = {}
    if code is not None:
        values["code"] = code
    values["status"] = status
    values.update({k: v for k, v in attributes.items() if v is not None})
    return {"data": {"type": "orders", "id": order_id, "attributes": values}}


def entry_cancel_body(entry_id: str, remained_quantity: int, reason: str, notes: str | None) -> dict[str, Any]:
    """``POST /orderEntryCancelOperation`` body."""
    attributes: dict[str, Any] = {}
    if notes is not None:
        attributes["notes"] = notes
    attributes["remainedQuantity"] = remained_quantity
    attributes["reason"] = reason
    return {
        "data": {
            "type": "orderEntryCancelOperation",
            "attributes": attributes,
            "relationships": {"entry": {"data": {"type": "orderentries", "id": entry_id}}},
        }
    }


def grams(kilograms: Decimal) -> int | float:
    value = kilograms * GRAMS_PER_KG
    return int(value) if value == value.to_integral_value() else float(value)


def partial_cancel_body(changes: Sequence[LineChange]) -> list[dict[str, Any]]:
    """``PUT /shop/api/orderPartialCancel/{orderId}`` body: one object per entry."""
    body = []
    for change in changes:
        item: dict[str, Any] = {"entry": {"id": change.line_external_id}}
        if change.remained_weight_kg is not None:
            item["remainedWeight"] = grams(change.remained_weight_kg)
        item["remainedQuantity"] = change.remained_quantity
        item["reason"] = change.reason
        if change.comment is not None:
            item["notes"] = change.comment
        body.append(item)
    return body


def decode_entry_cancel(document: Any, entry_id: str, where: str = "orderEntryCancelOperation") -> LineChangeResult:
    resource = single_resource(document, where)
    attributes = object_of(resource.get("attributes"), f"{where}.data.attributes", required=False)
    weight = decimal_of(attributes.get("remainedWeight"), f"{where}.data.attributes.remainedWeight")
    return LineChangeResult(
        line_external_id=entry_id,
        remained_quantity=_int_of(attributes.get("remainedQuantity"), f"{where}.data.attributes.remainedQuantity"),
        status=text_of(attributes.get("status")) or "UNKNOWN",
        operation_id=text_of(resource.get("id")),
        remained_weight_kg=kilograms(weight) if weight is not None else None,
    )


def decode_partial_cancel(document: Any, where: str = "orderPartialCancel") -> list[LineChangeResult]:
    body = object_of(document, where)
    status = text_of(body.get("status")) or "UNKNOWN"
    results = []
    for index, item in enumerate(list_of(body.get("orderCancelEntries"), f"{where}.orderCancelEntries")):
        path = f"{where}.orderCancelEntries[{index}]"
        item = object_of(item, path)
        entry = object_of(item.get("entry"), f"{path}.entry")
        weight = decimal_of(item.get("remainedWeight"), f"{path}.remainedWeight")
        results.append(
            LineChangeResult(
                line_external_id=required_text(entry, "id", f"{path}.entry"),
                remained_quantity=_int_of(item.get("remainedQuantity"), f"{path}.remainedQuantity"),
                status=status,
                operation_id=text_of(item.get("id")),
                remained_weight_kg=kilograms(weight) if weight is not None else None,
            )
        )
    return results


# --- product import, categories, attributes ---------------------------------------------------------


def _value_problems(code: str, value: Any) -> list[str]:
    if isinstance(value, bool | int | float):
        return []
    if isinstance(value, str):
        return [] if 1 <= len(value) <= 256 else [f"attribute {code}: a text value must have 1 to 256 characters"]
    if isinstance(value, list | tuple):
        if not 1 <= len(value) <= 32:
            return [f"attribute {code}: a list of values must have 1 to 32 items"]
        if len(set(value)) != len(value) or not all(isinstance(v, str) and 1 <= len(v) <= 256 for v in value):
            return [f"attribute {code}: list values must be distinct texts of 1 to 256 characters"]
        return []
    return [f"attribute {code}: unsupported value {value!r}"]


def check_upload_item(item: ProductUploadItem) -> list[str]:
    """What Kaspi's import schema (seed 004) would refuse in ``item``, one message per problem."""
    problems = []

    def length(name: str, value: str | None, high: int, *, required: bool = True) -> None:
        if value is None or value == "":
            if required:
                problems.append(f"{name} is required")
        elif len(value) > high:
            problems.append(f"{name} is longer than {high} characters")

    length("sku", item.sku, 64)
    length("title", item.title, 1024)
    length("brand", item.brand, 256)
    length("description", item.description, 1024, required=False)
    if not item.category_code or len(item.category_code) > 512 or not CATEGORY_CODE.match(item.category_code):
        problems.append(f"category {item.category_code!r} is not a Kaspi category code (Master - …)")
    if not 1 <= len(item.attributes) <= 256:
        problems.append("a product needs 1 to 256 attributes")
    for attribute in item.attributes:
        if not ATTRIBUTE_CODE.match(attribute.code) or len(attribute.code) > 256:
            problems.append(f"attribute code {attribute.code!r} is not a Kaspi attribute code")
        problems.extend(_value_problems(attribute.code, attribute.value))
    if not item.images:
        problems.append("a product needs at least one image")
    if len(set(item.images)) != len(item.images):
        problems.append("images must be distinct")
    problems.extend(f"image {url!r} is not an http(s) URL" for url in item.images
                    if not IMAGE_URL.match(url) or len(url) > 1024)
    return problems


def product_import_body(items: Sequence[ProductUploadItem]) -> list[dict[str, Any]]:
    """``POST /shop/api/products/import`` body (the schema's array of products)."""
    body = []
    for item in items:
        product: dict[str, Any] = {
            "sku": item.sku,
            "title": item.title,
            "brand": item.brand,
            "category": item.category_code,
        }
        if item.description:
            product["description"] = item.description
        if item.weight_kg is not None:
            product["weight"] = str(item.weight_kg)  # the schema: "double value, but type is string"
        product["attributes"] = [
            {"code": a.code, "value": list(a.value) if isinstance(a.value, list | tuple) else a.value}
            for a in item.attributes
        ]
        product["images"] = [{"url": url} for url in item.images]
        body.append(product)
    return body


def decode_import_state(document: Any, where: str = "import") -> tuple[str, str]:
    """``GET /import?i=`` (and the upload's answer) → (import code, status)."""
    body = object_of(document, where)
    return required_text(body, "code", where), required_text(body, "status", where)


def import_done(status: str) -> bool:
    return status.upper() not in PENDING_IMPORT_STATES


def _item_errors(value: Any) -> list[str]:
    messages = []
    for entry in value if isinstance(value, list) else ([value] if value else []):
        if isinstance(entry, dict):
            text = entry.get("message") or entry.get("title") or entry.get("code")
            messages.append(str(text) if text else str(entry))
        else:
            messages.append(str(entry))
    return messages


def decode_import_result(document: Any, import_id: str, status: str, where: str = "import/result") -> ImportResult:
    """``GET /import/result?i=`` → counts and a state (with messages, when given) per SKU."""
    body = object_of(document, where)
    items = []
    for sku, result in object_of(body.get("result"), f"{where}.result", required=False).items():
        result = object_of(result, f"{where}.result.{sku}")
        items.append(
            ImportItemResult(
                sku=sku,
                state=text_of(result.get("state")) or "UNKNOWN",
                errors=tuple(_item_errors(result.get("errors")) + _item_errors(result.get("warnings"))),
            )
        )

    def count(key: str) -> int:
        return _int_of(body.get(key), f"{where}.{key}") or 0

    return ImportResult(
        import_id=import_id,
        state=status,
        done=import_done(status),
        total=count("total"),
        errors=count("errors"),
        warnings=count("warnings"),
        skipped=count("skipped"),
        items=tuple(items),
        raw=body,
    )


def decode_categories(document: Any, where: str = "categories") -> list[Category]:
    categories = []
    for index, item in enumerate(list_of(document, where)):
        item = object_of(item, f"{where}[{index}]")
        code = required_text(item, "code", f"{where}[{index}]")
        categories.append(Category(code=code, title=text_of(item.get("title")) or code))
    return categories


def attribute_title(code: str) -> str:
    """Kaspi attributes have no title; the last ``*`` part of the code is the readable name."""
    return code.rsplit("*", 1)[-1].strip()


def decode_attributes(document: Any, where: str = "attributes") -> list[Attribute]:
    attributes = []
    for index, item in enumerate(list_of(document, where)):
        path = f"{where}[{index}]"
        item = object_of(item, path)
        code = required_text(item, "code", path)
        attributes.append(
            Attribute(
                code=code,
                title=attribute_title(code),
                value_type=text_of(item.get("type")) or "string",
                multi_valued=bool(item.get("multiValued")),
                mandatory=bool(item.get("mandatory")),
            )
        )
    return attributes


def decode_attribute_values(document: Any, where: str = "attribute/values") -> list[AttributeValue]:
    values = []
    for index, item in enumerate(list_of(document, where)):
        path = f"{where}[{index}]"
        item = object_of(item, path)
        code = required_text(item, "code", path)
        values.append(AttributeValue(code=code, name=text_of(item.get("name")) or code))
    return values
