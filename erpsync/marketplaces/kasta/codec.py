"""Kasta payloads ↔ erpsync's normalized values: the category tree and a category's schema of
characteristics, the product submit body (characteristics by value id, the size chart's size, "size on
the label"), stock and price bodies with the price rule of seed 000, products with their state, and
orders. Field names are those public clients of the Kasta HUB API use (docs/contracts/kasta.md);
every decoder names the offending field path in a ``PayloadError`` and keeps unknown fields in ``raw``.

A Kasta category is a *kind* inside an *affiliation* (``kind_id``, ``affiliation_id``); erpsync calls it
``"<affiliation_id>-<kind_id>"`` (e.g. ``2098-31``) and the group above it ``"<affiliation_id>"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    Order,
    OrderLine,
    ProductAttributeValue,
    ProductState,
    ProductUploadItem,
    PushResult,
    StockPriceItem,
)
from erpsync.marketplaces.kasta.enums import CANCELLED, CREATED, PAID_CARD_STATES, PRODUCT_STATES, REFUNDED

SUBMIT_MAX_ITEMS = 500  # seed 000: "no more than 500 products at a time"
CURRENCY = "UAH"
SIZE_TYPE = "size"
_CATEGORY_CODE = re.compile(r"^(\d+)-(\d+)$")
_HTTP_URL = re.compile(r"^https?://\S+$")
DONE_STATES = frozenset({"done", "finished", "completed", "success", "failed", "error"})


# --- small readers ----------------------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def object_of(value: Any, where: str, *, required: bool = True) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value is None and not required:
        return {}
    raise PayloadError(f"expected an object, got {type(value).__name__}", field=where)


def list_of(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise PayloadError(f"expected a list, got {type(value).__name__}", field=where)


def required_text(mapping: Mapping[str, Any], key: str, where: str) -> str:
    value = text_of(mapping.get(key))
    if value is None:
        raise PayloadError("is missing", field=f"{where}.{key}")
    return value


def decimal_of(value: Any, where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PayloadError(f"expected a number, got {value!r}", field=where)
    try:
        return finite_decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"expected a number, got {value!r}", field=where) from None


def int_of(value: Any, where: str) -> int | None:
    number = decimal_of(value, where)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise PayloadError(f"expected a whole number, got {value!r}", field=where)
    return int(number)


def time_of(value: Any, where: str) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset); a time without a zone is taken as UTC."""
    text = text_of(value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"expected an ISO 8601 time, got {text!r}", field=where) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def error_message(document: Any) -> str | None:
    """The text of a Kasta error answer (``{"message": …}`` or ``{"error": …}``, as public clients read it)."""
    if not isinstance(document, dict):
        return None
    for key in ("message", "error", "detail", "errors"):
        value = document.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, dict | list) and value:
            return str(value)[:300]
    return None


# --- categories and their schema --------------------------------------------------------------------


def category_code(affiliation_id: Any, kind_id: Any) -> str:
    return f"{affiliation_id}-{kind_id}"


def parse_category_code(code: str) -> tuple[int, int]:
    """``"2098-31"`` → (affiliation_id 2098, kind_id 31); anything else is refused with the expected form."""
    match = _CATEGORY_CODE.match(str(code).strip())
    if match is None:
        raise ValidationError(f"kasta: {code!r} is not a Kasta category code "
                              "(<affiliation_id>-<kind_id>, e.g. 2098-31)")
    return int(match.group(1)), int(match.group(2))


def _title(item: Mapping[str, Any]) -> str | None:
    return text_of(item.get("name_alias")) or text_of(item.get("name"))


def decode_categories(document: Any, where: str = "category/all") -> list[Category]:
    """``{"items": [{"affiliation_id", "name", "name_alias", "kinds": [{"kind_id", "affiliation_id", …}]}]}``
    → each group (not a leaf) followed by its kinds (leaves)."""
    body = object_of(document, where)
    categories: list[Category] = []
    seen: set[str] = set()
    for index, group in enumerate(list_of(body.get("items"), f"{where}.items")):
        path = f"{where}.items[{index}]"
        group = object_of(group, path)
        affiliation = required_text(group, "affiliation_id", path)
        group_code = affiliation
        if group_code not in seen:
            seen.add(group_code)
            categories.append(Category(code=group_code, title=_title(group) or group_code, is_leaf=False))
        for position, kind in enumerate(list_of(group.get("kinds"), f"{path}.kinds")):
            kind_path = f"{path}.kinds[{position}]"
            kind = object_of(kind, kind_path)
            code = category_code(text_of(kind.get("affiliation_id")) or affiliation, required_text(kind, "kind_id",
                                                                                                   kind_path))
            if code in seen:
                continue
            seen.add(code)
            categories.append(Category(code=code, title=_title(kind) or code, parent_code=group_code, is_leaf=True))
    return categories


@dataclass(frozen=True)
class SchemaAttribute:
    """One entry of a category's schema: a characteristic (select or free value) or the size."""

    code: str  # key_name
    title: str
    kind: str  # "characteristic" | "size"
    mandatory: bool
    multi: bool
    number: bool
    values: Mapping[str, str] = field(default_factory=dict)  # value id → name (for sizes: "38", or "38 (EU)")

    @property
    def is_size(self) -> bool:
        return self.kind == SIZE_TYPE

    @property
    def is_select(self) -> bool:
        return bool(self.values)

    def value_id(self, value: Any) -> str | None:
        """The id of ``value`` given as an id or a name (names compared ignoring case and spaces)."""
        text = str(value).strip()
        if text in self.values:
            return text
        folded = " ".join(text.casefold().split())
        for value_id, name in self.values.items():
            if " ".join(name.casefold().split()) == folded:
                return value_id
        return None


@dataclass(frozen=True)
class CategorySchema:
    category_code: str
    attributes: Mapping[str, SchemaAttribute]

    @property
    def mandatory(self) -> list[SchemaAttribute]:
        return [a for a in self.attributes.values() if a.mandatory]

    @property
    def size(self) -> SchemaAttribute | None:
        return next((a for a in self.attributes.values() if a.is_size), None)


def _flag(requirements: Mapping[str, Any], *names: str) -> bool:
    return any(bool(requirements.get(name)) for name in names)


def _size_values(entry: Mapping[str, Any], where: str) -> dict[str, str]:
    """Sizes of every chart of a size entry; a size value that several charts name is told apart by its chart."""
    rows: list[tuple[str, str, str]] = []
    for index, chart in enumerate(list_of(entry.get("sizecharts"), f"{where}.sizecharts")):
        chart_path = f"{where}.sizecharts[{index}]"
        chart = object_of(chart, chart_path)
        chart_name = text_of(chart.get("name")) or str(index + 1)
        for position, size in enumerate(list_of(chart.get("sizes"), f"{chart_path}.sizes")):
            size = object_of(size, f"{chart_path}.sizes[{position}]")
            rows.append((required_text(size, "id", f"{chart_path}.sizes[{position}]"),
                         text_of(size.get("value")) or "", chart_name))
    counts: dict[str, int] = {}
    for _, value, _ in rows:
        counts[value] = counts.get(value, 0) + 1
    return {size_id: (value if counts[value] == 1 else f"{value} ({chart})") for size_id, value, chart in rows}


def decode_schema_entry(entry: Any, where: str) -> SchemaAttribute:
    entry = object_of(entry, where)
    code = required_text(entry, "key_name", where)
    kind = text_of(entry.get("type")) or "characteristic"
    requirements = object_of(entry.get("requirements"), f"{where}.requirements", required=False)
    if kind == SIZE_TYPE:
        values = _size_values(entry, where)
    else:
        values = {}
        for index, value in enumerate(list_of(entry.get("value_ids"), f"{where}.value_ids")):
            value = object_of(value, f"{where}.value_ids[{index}]")
            values[required_text(value, "id", f"{where}.value_ids[{index}]")] = text_of(value.get("value")) or ""
    return SchemaAttribute(
        code=code,
        title=text_of(entry.get("human_name")) or code,
        kind=kind,
        mandatory=_flag(requirements, "required?", "required"),
        multi=_flag(requirements, "multi?", "multi"),
        number=_flag(requirements, "number?", "number"),
        values=values,
    )


def decode_category_details(document: Any, code: str, where: str | None = None) -> CategorySchema:
    """``GET category/details`` → the category's schema (``{"schema": [entry, …]}``)."""
    where = where or f"category/details?{code}"
    body = object_of(document, where)
    attributes: dict[str, SchemaAttribute] = {}
    for index, entry in enumerate(list_of(body.get("schema"), f"{where}.schema")):
        attribute = decode_schema_entry(entry, f"{where}.schema[{index}]")
        attributes[attribute.code] = attribute
    return CategorySchema(code, attributes)


def schema_attributes(schema: CategorySchema) -> list[Attribute]:
    """A schema as erpsync's ``Attribute`` rows (what ``erpsync sync categories`` stores)."""
    result = []
    for entry in schema.attributes.values():
        value_type = "enum" if entry.values else ("number" if entry.number else "string")
        result.append(Attribute(
            code=entry.code,
            title=entry.title,
            value_type=value_type,
            multi_valued=entry.multi,
            mandatory=entry.mandatory,
            values=tuple(AttributeValue(code=value_id, name=name) for value_id, name in entry.values.items()),
        ))
    return result


# --- product upload ---------------------------------------------------------------------------------


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _attribute_problems(schema: CategorySchema, attribute: ProductAttributeValue) -> list[str]:
    entry = schema.attributes.get(attribute.code)
    if entry is None:
        return [f"category {schema.category_code} has no characteristic {attribute.code!r}"]
    label = f"characteristic {entry.code} ({entry.title})"
    values = [v for v in _values(attribute.value) if str(v).strip()]
    if not values:
        return [f"{label} has no value"]
    if len(values) > 1 and (entry.is_size or not entry.multi):
        return [f"{label} takes one value, got {len(values)}"]
    if entry.is_select:
        unknown = [str(v) for v in values if entry.value_id(v) is None]
        if unknown:
            sample = ", ".join(list(entry.values.values())[:8])
            return [f"{label} has no value {', '.join(repr(v) for v in unknown)} (allowed: {sample}, …)"]
        return []
    if entry.number:
        bad = [str(v) for v in values if decimal_or_none(v) is None]
        if bad:
            return [f"{label} takes a number, got {', '.join(bad)}"]
    return []


def decimal_or_none(value: Any) -> Decimal | None:
    try:
        return finite_decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        return None


def check_upload_item(item: ProductUploadItem, schema: CategorySchema | None) -> list[str]:
    """What Kasta would refuse in ``item`` (seed 000: name, description, price, brand, every mandatory
    characteristic of the category, photos), one message per problem. Without a schema only the
    product's own fields are checked."""
    problems = []
    for name, value in (("sku", item.sku), ("name", item.title), ("brand", item.brand),
                        ("description", item.description)):
        if not value or not str(value).strip():
            problems.append(f"{name} is required")
    try:
        parse_category_code(item.category_code)
    except ValidationError as error:
        problems.append(error.message.removeprefix("kasta: "))
    if item.price is None or item.price <= 0:
        problems.append("a price above 0 is required")
    if not item.images:
        problems.append("at least one photo is required")
    problems.extend(f"photo {url!r} is not an http(s) URL" for url in item.images if not _HTTP_URL.match(url))
    if schema is not None:
        given = {attribute.code for attribute in item.attributes}
        for entry in schema.mandatory:
            if entry.code not in given:
                problems.append(f"mandatory characteristic {entry.code} ({entry.title}) of category "
                                f"{schema.category_code} is missing")
        for attribute in item.attributes:
            problems.extend(_attribute_problems(schema, attribute))
    return problems


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def kasta_prices(price: Decimal, old_price: Decimal | None) -> tuple[int | float, int | float]:
    """(old_price, new_price) as Kasta takes them: the crossed-out price is never below the selling price,
    so a product without an old price sends its price twice (as public clients do)."""
    old = old_price if old_price is not None and old_price > price else price
    return _number(old), _number(price)


def _characteristic(entry: SchemaAttribute, attribute: ProductAttributeValue) -> dict[str, Any]:
    values = [v for v in _values(attribute.value) if str(v).strip()]
    if entry.is_size:
        return {"key_name": entry.code, "data": {"sizes": {entry.code: int_or_text(entry.value_id(values[0]))}}}
    if entry.is_select:
        ids = list(dict.fromkeys(int_or_text(entry.value_id(v)) for v in values))
        return {"key_name": entry.code, "data": {"ids": ids}}
    value: Any = values[0] if len(values) == 1 else [str(v) for v in values]
    if entry.number and len(values) == 1:
        number = decimal_or_none(value)
        value = _number(number) if number is not None else value
    return {"key_name": entry.code, "value": value}


def int_or_text(value: Any) -> int | str:
    text = str(value)
    return int(text) if text.isdigit() else text


def size_label(item: ProductUploadItem, schema: CategorySchema) -> str | None:
    """"Size on the label" (seed 000): the value of the local characteristic mapped to Kasta's size, as the
    merchant wrote it (``item.extra["labels"]``); else the name of the Kasta size it maps to."""
    size = schema.size
    if size is None:
        return None
    labels = item.extra.get("labels") or {}
    if labels.get(size.code):
        return str(labels[size.code])
    given = next((a for a in item.attributes if a.code == size.code), None)
    if given is None:
        return None
    value_id = size.value_id(_values(given.value)[0])
    return size.values.get(value_id or "", "").split(" (")[0] or None


def _color(item: ProductUploadItem, schema: CategorySchema) -> str | None:
    """The product's colour as text: the name of the value of the category's colour characteristic."""
    for attribute in item.attributes:
        entry = schema.attributes.get(attribute.code)
        if entry is not None and entry.is_select and entry.title.casefold().startswith(("колір", "цвет", "color")):
            value_id = entry.value_id(_values(attribute.value)[0])
            return entry.values.get(value_id or "")
    return None


def barcodes(item: ProductUploadItem) -> list[str]:
    """The product's barcodes on Kasta: the SKU (stock and prices are pushed by it) and its EAN, if any."""
    codes = [item.sku]
    ean = text_of(item.extra.get("barcode"))
    if ean and ean not in codes:
        codes.append(ean)
    return codes


def product_body(item: ProductUploadItem, schema: CategorySchema, images: Mapping[str, str]) -> dict[str, Any]:
    """One entry of ``data`` of a submit: the product in Kasta's fields."""
    extra = item.extra
    old_price, new_price = kasta_prices(item.price or Decimal(0), item.old_price)
    body: dict[str, Any] = {
        "code": item.sku,
        "docflow_code": item.sku,
        "barcode": barcodes(item),
        "name_uk": item.title,
        "brand": item.brand,
        "description_uk": item.description,
        "images": [images.get(url, url) for url in item.images],
        "old_price": old_price,
        "new_price": new_price,
        "stock": max(0, item.quantity or 0),
        "characteristics": [
            _characteristic(schema.attributes[a.code], a) for a in item.attributes if a.code in schema.attributes
        ],
    }
    for key, source in (("name_ru", "title_ru"), ("description_ru", "description_ru"), ("model", "model")):
        if text_of(extra.get(source)):
            body[key] = text_of(extra.get(source))
    color = _color(item, schema)
    if color:
        body["color"] = color
    label = size_label(item, schema)
    if label:
        body["size"] = label
    return body


def submit_body(code: str, items: Sequence[ProductUploadItem], schema: CategorySchema,
                images: Mapping[str, str]) -> dict[str, Any]:
    """``POST supplier-content/submit/products``: one category's products (``update: true`` updates the
    products Kasta already has with the same code)."""
    affiliation_id, kind_id = parse_category_code(code)
    return {
        "kind_id": kind_id,
        "affiliation_id": affiliation_id,
        "update": True,
        "data": [product_body(item, schema, images) for item in items],
    }


def decode_upload_id(document: Any, where: str = "submit/products") -> str:
    return required_text(object_of(document, where), "upload_id", where)


def decode_image_path(document: Any, where: str = "submit/image") -> str:
    return required_text(object_of(document, where), "path", where)


def _messages(value: Any) -> list[str]:
    messages = []
    for entry in value if isinstance(value, list) else ([value] if value else []):
        if isinstance(entry, dict):
            text = entry.get("message") or entry.get("error") or entry.get("detail")
            field_name = entry.get("field") or entry.get("key_name")
            text = str(text) if text else str(entry)
            messages.append(f"{field_name}: {text}" if field_name and str(field_name) not in text else text)
        else:
            messages.append(str(entry))
    return messages


def decode_submit_status(document: Any, upload_id: str, where: str | None = None) -> ImportResult:
    """``GET supplier-content/submit/status?upload_id=`` (ASSUMED shape): ``{"upload_id", "status",
    "items": [{"code", "status", "errors": […], "unique_sku_id"}]}`` → the import's state and each product's
    result. An accepted product goes to Kasta's moderation ("New products", seed 000)."""
    where = where or f"submit/status?upload_id={upload_id}"
    body = object_of(document, where)
    state = (text_of(body.get("status")) or "processing").lower()
    items = []
    for index, entry in enumerate(list_of(body.get("items"), f"{where}.items")):
        path = f"{where}.items[{index}]"
        entry = object_of(entry, path)
        sku = text_of(entry.get("code")) or text_of(entry.get("docflow_code"))
        if sku is None:
            raise PayloadError("names no product (code)", field=path)
        item_state = (text_of(entry.get("status")) or "unknown").lower()
        errors = tuple(_messages(entry.get("errors")))
        accepted = item_state in ("ok", "success", "created", "updated", "accepted") and not errors
        items.append(ImportItemResult(
            sku=sku,
            state=item_state,
            errors=errors,
            accepted=accepted,
            external_id=text_of(entry.get("unique_sku_id")),
            listing_state="moderation" if accepted else "rejected",
        ))
    failed = sum(1 for item in items if not item.ok)
    return ImportResult(
        import_id=upload_id,
        state=state,
        done=state in DONE_STATES,
        total=len(items),
        errors=failed,
        items=tuple(items),
        raw=body,
    )


# --- stock and prices -------------------------------------------------------------------------------


def stock_body(items: Iterable[StockPriceItem]) -> dict[str, Any]:
    """``POST products/update-stock``: the quantity of each product, by the barcode it was uploaded with."""
    return {"items": [{"barcode": item.sku, "stock": max(0, item.quantity or 0)}
                      for item in items if item.quantity is not None]}


def price_body(items: Iterable[StockPriceItem]) -> dict[str, Any]:
    """``POST products/update-price``: Kasta's old (crossed-out) price, its selling price and the promotional
    price, which is always sent (seed 000) — ``null`` when the product has none, so a promotion ends."""
    lines = []
    for item in items:
        if item.price is None:
            continue
        old_price, new_price = kasta_prices(item.price, item.old_price)
        promo = _number(item.promo_price) if item.promo_price is not None and item.promo_price < item.price else None
        lines.append({"barcode": item.sku, "old_price": old_price, "new_price": new_price, "promo_price": promo})
    return {"items": lines}


def decode_push_answer(document: Any, skus: Sequence[str], where: str) -> PushResult:
    """An update's answer → which SKUs were refused and why (``{"errors": [{"barcode", "message"}]}``,
    ASSUMED); every other SKU sent counts as accepted."""
    body = document if isinstance(document, dict) else {}
    errors: dict[str, str] = {}
    for index, entry in enumerate(list_of(body.get("errors"), f"{where}.errors")):
        if not isinstance(entry, dict):
            continue
        sku = text_of(entry.get("barcode")) or text_of(entry.get("code"))
        if sku is None:
            raise PayloadError("names no product (barcode)", field=f"{where}.errors[{index}]")
        errors[sku] = "; ".join(_messages(entry.get("message") or entry.get("error") or entry)) or "refused"
    return PushResult(accepted=tuple(s for s in skus if s not in errors), errors=errors)


# --- products on Kasta ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductsPage:
    items: list[dict[str, Any]]
    cursor: str | None


def decode_products_page(document: Any, where: str = "products/list") -> ProductsPage:
    body = object_of(document, where)
    items = [object_of(item, f"{where}.items[{i}]") for i, item in enumerate(list_of(body.get("items"),
                                                                                     f"{where}.items"))]
    return ProductsPage(items, text_of(body.get("cursor")))


def decode_product_state(item: Mapping[str, Any], where: str) -> ProductState:
    """A ``products/list`` item → its SKU (the ``code`` it was uploaded with, else its first barcode),
    ``unique_sku_id`` and state. Without a ``status`` field the product is taken as active: it is on Kasta."""
    codes = [text_of(code) for code in list_of(item.get("barcode"), f"{where}.barcode")] if isinstance(
        item.get("barcode"), list) else [text_of(item.get("barcode"))]
    sku = text_of(item.get("code")) or text_of(item.get("supplier_code")) or next((c for c in codes if c), None)
    if sku is None:
        raise PayloadError("names no product (code or barcode)", field=where)
    status = (text_of(item.get("status")) or "active").lower()
    state = PRODUCT_STATES.get(status, "active")
    message = text_of(item.get("rejection_reason")) or text_of(item.get("moderation_comment"))
    return ProductState(sku=sku, state=state, external_id=text_of(item.get("unique_sku_id")),
                        message=message if state == "rejected" else None, raw=dict(item))


# --- orders -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrdersPage:
    items: list[Any]
    cursor: str | None
    remains: int


def decode_orders_page(document: Any, where: str = "orders/list") -> OrdersPage:
    body = object_of(document, where)
    return OrdersPage(list_of(body.get("items"), f"{where}.items"), text_of(body.get("cursor")),
                      int_of(body.get("remains"), f"{where}.remains") or 0)


def _status_history(order: Mapping[str, Any], where: str) -> list[tuple[str, datetime | None]]:
    history = []
    for index, entry in enumerate(list_of(order.get("statuses"), f"{where}.statuses")):
        entry = object_of(entry, f"{where}.statuses[{index}]")
        history.append((required_text(entry, "type", f"{where}.statuses[{index}]"),
                        time_of(entry.get("created_at"), f"{where}.statuses[{index}].created_at")))
    return history


def first_status_time(order: Mapping[str, Any]) -> datetime | None:
    """The earliest readable time of an order's status history (for an order that cannot be decoded)."""
    times = []
    statuses = order.get("statuses")
    for entry in statuses if isinstance(statuses, list) else []:
        try:
            moment = time_of(entry.get("created_at"), "created_at") if isinstance(entry, dict) else None
        except PayloadError:
            moment = None
        if moment is not None:
            times.append(moment)
    return min(times) if times else None


def current_status(history: Sequence[tuple[str, datetime | None]]) -> str:
    """The latest status; a cancellation wins over the technical refund Kasta may add after it."""
    if not history:
        return CREATED
    latest = max(enumerate(history), key=lambda pair: (pair[1][1] or datetime.min.replace(tzinfo=UTC), pair[0]))
    status = latest[1][0]
    if status == REFUNDED and any(kind == CANCELLED for kind, _ in history):
        return CANCELLED
    return status


def _person(value: Mapping[str, Any]) -> Customer:
    first, last, middle = (text_of(value.get(k)) for k in ("first_name", "last_name", "middle_name"))
    full = " ".join(part for part in (last, first, middle) if part) or None
    return Customer(full_name=full, first_name=first, last_name=last, phone=text_of(value.get("phone")),
                    email=text_of(value.get("email")))


def _line(item: Mapping[str, Any], index: int, where: str) -> OrderLine:
    barcode = item.get("barcode")
    first_barcode = text_of(barcode[0]) if isinstance(barcode, list) and barcode else text_of(barcode)
    quantity = int_of(item.get("quantity"), f"{where}.quantity")
    if quantity is None:
        quantity = 1
    unit = decimal_of(item.get("new_price"), f"{where}.new_price")
    if unit is None:
        unit = decimal_of(item.get("paid_price"), f"{where}.paid_price")
    if unit is None:
        raise PayloadError("has no price (new_price)", field=where)
    total = decimal_of(item.get("total_price"), f"{where}.total_price") or unit * quantity
    extra = {key: item[key] for key in ("paid_price", "supplier_price", "kasta_size", "size", "color", "royalty",
                                         "bonuses") if item.get(key) not in (None, "", [])}
    return OrderLine(
        external_id=text_of(item.get("unique_sku_id")) or text_of(item.get("id")) or str(index + 1),
        quantity=quantity,
        unit_price=unit,
        total=total,
        sku=text_of(item.get("supplier_code")) or text_of(item.get("code")) or first_barcode,
        external_product_id=text_of(item.get("unique_sku_id")),
        name=text_of(item.get("name")) or text_of(item.get("title")) or text_of(item.get("kind")),
        raw=dict(item),
        extra=extra,
    )


def _address(address: Mapping[str, Any], where: str) -> Address | None:
    city = object_of(address.get("city"), f"{where}.city", required=False)
    warehouse = object_of(address.get("warehouse"), f"{where}.warehouse", required=False)
    street = text_of(address.get("street"))
    point = text_of(warehouse.get("name"))
    parts = [text_of(city.get("name")), point or street, text_of(address.get("house"))]
    if not any(parts):
        return None
    return Address(
        formatted=", ".join(p for p in parts if p) or None,
        city=text_of(city.get("name")),
        street=street,
        house=text_of(address.get("house")),
        apartment=text_of(address.get("apartment")),
        pickup_point=point,
    )


def decode_order(order: Any, where: str) -> Order:
    """An ``orders/list`` item → ``Order``: status from the history, buyer (``client``), recipient and
    address (``shipping_address``), Nova Poshta waybill (``delivery_properties.declaration_number``), lines
    (``ordered_items``; ``cancelled_items`` when all were cancelled)."""
    order = object_of(order, where)
    order_id = required_text(order, "id", where)
    where = f"orders/{order_id}"
    history = _status_history(order, where)
    times = [moment for _, moment in history if moment is not None]
    created = next((moment for kind, moment in history if kind == CREATED and moment), None)
    created = time_of(order.get("created_at"), f"{where}.created_at") or created or (min(times) if times else None)
    if created is None:
        raise PayloadError("has no creation time (created_at or a Created status)", field=where)
    items = list_of(order.get("ordered_items"), f"{where}.ordered_items") or list_of(
        order.get("items"), f"{where}.items") or list_of(order.get("cancelled_items"), f"{where}.cancelled_items")
    lines = [_line(object_of(item, f"{where}.ordered_items[{i}]"), i, f"{where}.ordered_items[{i}]")
             for i, item in enumerate(items)]
    client = object_of(order.get("client"), f"{where}.client", required=False)
    address = object_of(order.get("shipping_address"), f"{where}.shipping_address", required=False)
    delivery = object_of(order.get("delivery_properties"), f"{where}.delivery_properties", required=False)
    buyer, recipient = _person(client), _person(address)
    payment = text_of(order.get("requested_payment_method"))
    card_state = (text_of(order.get("card_payment_state")) or "").lower()
    comments = [text_of(c) for c in list_of(order.get("comments"), f"{where}.comments")]
    status = current_status(history)
    return Order(
        external_id=order_id,
        number=order_id,
        status=status,
        created_at=created,
        updated_at=max(times) if times else created,
        total=sum((line.total for line in lines), Decimal(0)),
        currency=CURRENCY,
        lines=lines,
        customer=buyer,
        recipient=recipient if recipient.full_name and recipient.full_name != buyer.full_name else None,
        delivery_method=text_of(delivery.get("type")),
        delivery_address=_address(address, f"{where}.shipping_address"),
        delivery_cost=decimal_of(delivery.get("paid_price"), f"{where}.delivery_properties.paid_price"),
        payment_method=payment,
        is_paid=card_state in PAID_CARD_STATES,
        comment="\n".join(c for c in comments if c) or None,
        waybill_number=text_of(delivery.get("declaration_number")),
        extra={key: order[key] for key in ("kasta_pays_for_shipping", "courier_type", "card_payment_state")
               if order.get(key) is not None} | {"status_history": [kind for kind, _ in history]},
        raw=dict(order),
    )
