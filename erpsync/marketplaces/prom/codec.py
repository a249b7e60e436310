"""Prom.ua / Satu.kz payloads ↔ normalized values. Pure functions: no HTTP.

Decoding tolerates nulls, empty objects and fields it does not know (the order stays in ``raw``); what an
order cannot do without (id, status, creation date) raises ``PayloadError`` naming the order and field.
Prom writes amounts as text with the currency ("250 грн", "1 250,50 грн") or as numbers; times are ISO
8601, with an offset in real payloads (a time without one is read as UTC). Money is ``Decimal``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.core.money import finite_decimal
from erpsync.marketplaces.base import (
    Address,
    Customer,
    Order,
    OrderLine,
    PushResult,
    ShopOption,
    StockPriceItem,
)
from erpsync.marketplaces.prom.enums import PRESENCE, REASONS_NEEDING_TEXT

_AMOUNT = re.compile(r"-?\d[\d\s\u00a0\u202f]*(?:[.,]\d+)?")
PAID_STATUSES = frozenset({"paid", "paid_out"})
# our stock vocabulary (erpsync.feeds.stock) → Prom's presence
PRESENCE_OF_STOCK = {"available": "available", "unavailable": "not_available", "awaiting": "waiting"}
DISCOUNT_DAYS = 365  # how long an old-price discount runs (assumed; a full pass renews it)


# --- primitives -------------------------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def object_of(value: Any, field: str) -> dict[str, Any]:
    """An object, or {} for null / empty list (Prom sends ``[]`` or ``null`` for empty objects)."""
    if value is None or value == []:
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


def money(value: Any, field: str) -> Decimal | None:
    """An amount as Prom writes it: 250, "250.00", "250 грн", "1 250,50 грн"; None for null or ""."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PayloadError(f"expected an amount, got {value!r}", field=field)
    if isinstance(value, int | float):
        try:
            return finite_decimal(str(value))
        except InvalidOperation:
            raise PayloadError(f"expected an amount, got {value!r}", field=field) from None
    if not isinstance(value, str):
        raise PayloadError(f"expected an amount, got {value!r}", field=field)
    found = _AMOUNT.search(value)
    if found is None:
        raise PayloadError(f"expected an amount, got {value!r}", field=field)
    digits = re.sub(r"[\s\u00a0\u202f]", "", found.group()).replace(",", ".")
    try:
        return finite_decimal(digits)
    except InvalidOperation:
        raise PayloadError(f"expected an amount, got {value!r}", field=field) from None


def whole_number(value: Any, field: str) -> int:
    amount = money(value, field)
    if amount is None:
        raise PayloadError("is missing", field=field)
    if amount != amount.to_integral_value():
        raise PayloadError(f"expected a whole number of units, got {value!r} (weighed goods are not supported)",
                           field=field)
    return int(amount)


def parse_time(value: Any, field: str) -> datetime | None:
    """ISO 8601 (``2024-12-23T12:59:51.151722+00:00``); a time without an offset is taken as UTC."""
    text = text_of(value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"expected an ISO 8601 time, got {value!r}", field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def created_at_of(order: Any, key: str) -> datetime | None:
    """The creation time of an order payload that could not be decoded, when that much can be read."""
    if not isinstance(order, dict):
        return None
    try:
        return parse_time(order.get(key), key)
    except PayloadError:
        return None


def format_time(moment: datetime, *, up: bool = False) -> str:
    """A filter time as Prom's documentation writes it (``2015-04-28T12:50:34``), in UTC. Prom's filters
    take whole seconds: an upper bound (``up``) is rounded up, so a change within its second is not
    left out."""
    if moment.tzinfo is None:
        raise ValidationError(f"a time without a timezone cannot be sent to Prom: {moment.isoformat()}")
    if up and moment.microsecond:
        moment += timedelta(seconds=1)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def format_amount(amount: Decimal) -> float | int:
    """A JSON number for an amount: whole amounts as integers, others with their cents."""
    quantized = amount.quantize(Decimal("0.01"))
    return int(quantized) if quantized == quantized.to_integral_value() else float(quantized)


def error_message(document: Any) -> str | None:
    """The human text of a Prom error body: ``{"error": …}``, ``{"message": …}``, ``{"errors": …}``."""
    if not isinstance(document, dict):
        return None
    for key in ("error", "message", "detail"):
        text = text_of(document.get(key))
        if text:
            return text
    errors = document.get("errors")
    if isinstance(errors, dict) and errors:
        return "; ".join(f"{k}: {_describe(v)}" for k, v in errors.items())
    if isinstance(errors, list) and errors:
        return "; ".join(_describe(e) for e in errors)
    return None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_describe(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_describe(v) for v in value)
    return str(value)


# --- orders -----------------------------------------------------------------------------------------


def orders_of(document: Any, where: str) -> list[dict[str, Any]]:
    """The ``orders`` of a ``GET /orders/list`` answer."""
    body = object_of(document, where)
    if "orders" not in body:
        raise PayloadError("has no orders list", field=where)
    orders = list_of(body.get("orders"), f"{where}.orders")
    return [object_of(order, f"{where}.orders[{index}]") for index, order in enumerate(orders)]


def order_of(document: Any, where: str) -> dict[str, Any]:
    """The ``order`` of a ``GET /orders/{id}`` answer."""
    order = object_of(object_of(document, where).get("order"), f"{where}.order")
    if not order:
        raise PayloadError("has no order", field=where)
    return order


def _person(source: Mapping[str, Any], prefix: str = "") -> dict[str, str | None]:
    return {
        "first": text_of(source.get(f"{prefix}first_name")),
        "last": text_of(source.get(f"{prefix}last_name")),
        "second": text_of(source.get(f"{prefix}second_name")),
    }


def _full_name(person: Mapping[str, str | None]) -> str | None:
    return " ".join(p for p in (person["last"], person["first"], person["second"]) if p) or None


def decode_customer(order: Mapping[str, Any], path: str) -> Customer:
    client = object_of(order.get("client"), f"{path}.client")
    person = _person(order, "client_")
    if not any(person.values()):
        person = _person(client)
    return Customer(
        external_id=text_of(order.get("client_id")) or text_of(client.get("id")),
        full_name=_full_name(person),
        first_name=person["first"],
        last_name=person["last"],
        phone=text_of(order.get("phone")) or text_of(client.get("phone")),
        email=text_of(order.get("email")),
    )


def decode_recipient(order: Mapping[str, Any], buyer: Customer, path: str) -> Customer | None:
    """``delivery_recipient`` when it names someone other than the buyer; None otherwise."""
    recipient = object_of(order.get("delivery_recipient"), f"{path}.delivery_recipient")
    if not recipient:
        return None
    person = _person(recipient)
    phone = text_of(recipient.get("phone"))
    candidate = Customer(full_name=_full_name(person), first_name=person["first"], last_name=person["last"],
                         phone=phone)
    same_name = (candidate.full_name or "").casefold() in ("", (buyer.full_name or "").casefold())
    same_phone = _digits(phone) in ("", _digits(buyer.phone))
    return None if same_name and same_phone else candidate


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")[-9:]


def decode_address(order: Mapping[str, Any], provider: Mapping[str, Any], path: str) -> Address | None:
    formatted = text_of(order.get("delivery_address"))
    recipient = object_of(provider.get("recipient_address"), f"{path}.delivery_provider_data.recipient_address")
    warehouse = text_of(provider.get("recipient_warehouse_id")) or text_of(recipient.get("warehouse_id"))
    if not formatted and not recipient and not warehouse:
        return None
    return Address(
        formatted=formatted,
        city=text_of(recipient.get("city_name")),
        street=text_of(recipient.get("street_name")),
        house=text_of(recipient.get("building_number")),
        apartment=text_of(recipient.get("apartment_number")),
        pickup_point=warehouse,
    )


def decode_line(product: Mapping[str, Any], path: str, seen: set[str]) -> OrderLine:
    prom_id = text_of(product.get("id"))
    external = text_of(product.get("external_id"))
    line_id = prom_id or external or path
    base, number = line_id, 2
    while line_id in seen:  # the same product twice in one order: keep the lines apart
        line_id, number = f"{base}#{number}", number + 1
    seen.add(line_id)
    quantity = whole_number(product.get("quantity"), f"{path}.quantity")
    unit_price = money(product.get("price"), f"{path}.price")
    if unit_price is None:
        raise PayloadError("is missing", field=f"{path}.price")
    total = money(product.get("total_price"), f"{path}.total_price")
    names = object_of(product.get("name_multilang"), f"{path}.name_multilang")
    commission = object_of(product.get("cpa_commission"), f"{path}.cpa_commission")
    return OrderLine(
        external_id=line_id,
        quantity=quantity,
        unit_price=unit_price,
        total=total if total is not None else unit_price * quantity,
        sku=text_of(product.get("sku")) or external,
        external_product_id=external or prom_id,
        name=text_of(product.get("name")) or text_of(names.get("uk")) or text_of(names.get("ru")),
        raw=dict(product),
        extra={k: v for k, v in {
            "prom_product_id": prom_id,
            "measure_unit": text_of(product.get("measure_unit")),
            "url": text_of(product.get("url")),
            "cpa_commission": text_of(commission.get("amount")),
        }.items() if v is not None},
    )


def _delivery_method(provider: Mapping[str, Any], option: Mapping[str, Any],
                     option_types: Mapping[str, str]) -> str | None:
    """The carrier (``delivery_provider_data.provider``), else the type of the company's delivery option,
    else the option's id (a shop maps its own options)."""
    carrier = text_of(provider.get("provider"))
    if carrier:
        return carrier
    option_id = text_of(option.get("id"))
    if option_id is None:
        return None
    return option_types.get(option_id) or option_id


def _extra(order: Mapping[str, Any], provider: Mapping[str, Any], path: str) -> dict[str, Any]:
    def pick(mapping: Mapping[str, Any], *keys: str) -> dict[str, Any]:
        return {k: mapping[k] for k in keys if mapping.get(k) not in (None, "", [], {})}

    commission = object_of(order.get("cpa_commission"), f"{path}.cpa_commission")
    cancellation = object_of(order.get("cancellation"), f"{path}.cancellation")
    extra: dict[str, Any] = {
        "status_name": text_of(order.get("status_name")),
        "delivery_option": pick(object_of(order.get("delivery_option"), f"{path}.delivery_option"), "id", "name"),
        "payment_option": pick(object_of(order.get("payment_option"), f"{path}.payment_option"), "id", "name"),
        "delivery_type": text_of(provider.get("type")),
        "delivery_status": text_of(provider.get("unified_status")),
        "cpa_commission": text_of(commission.get("amount")),
        "cpa_commission_refunded": commission.get("is_refunded"),
        "promocode": text_of(order.get("special_offer_promocode")),
        "price_with_special_offer": text_of(order.get("price_with_special_offer")),
        "free_delivery_promo": order.get("has_order_promo_free_delivery") or None,
        "cancellation": pick(cancellation, *cancellation.keys()),
    }
    return {k: v for k, v in extra.items() if v not in (None, "", {}, [])}


def decode_order(
    order: Mapping[str, Any],
    *,
    currency: str,
    option_types: Mapping[str, str] | None = None,
    path: str | None = None,
) -> Order:
    """A Prom order object → ``Order``. ``option_types``: delivery option id → its type (``courier``…),
    from ``GET /delivery_options/list``; ``path`` names the order in errors (``orders/<id>``)."""
    order_id = text_of(order.get("id"))
    path = path or (f"orders/{order_id}" if order_id else "orders/(no id)")
    if order_id is None:
        raise PayloadError("is missing", field=f"{path}.id")
    status = text_of(order.get("status"))
    if status is None:
        raise PayloadError("is missing", field=f"{path}.status")
    created = parse_time(order.get("date_created"), f"{path}.date_created")
    if created is None:
        raise PayloadError("is missing", field=f"{path}.date_created")
    provider = object_of(order.get("delivery_provider_data"), f"{path}.delivery_provider_data")
    payment = object_of(order.get("payment_data"), f"{path}.payment_data")
    option = object_of(order.get("delivery_option"), f"{path}.delivery_option")
    payment_option = object_of(order.get("payment_option"), f"{path}.payment_option")
    seen: set[str] = set()
    lines = [decode_line(object_of(p, f"{path}.products[{i}]"), f"{path}.products[{i}]", seen)
             for i, p in enumerate(list_of(order.get("products"), f"{path}.products"))]
    price = money(order.get("price"), f"{path}.price")
    total = money(order.get("full_price"), f"{path}.full_price") or price
    if total is None:
        total = sum((line.total for line in lines), Decimal(0))
    buyer = decode_customer(order, path)
    paid = text_of(payment.get("status")) in PAID_STATUSES
    utm = {k: str(v) for k, v in object_of(order.get("utm"), f"{path}.utm").items() if text_of(v)}
    return Order(
        external_id=order_id,
        number=order_id,
        status=status,
        created_at=created,
        total=total,
        currency=currency,
        lines=lines,
        customer=buyer,
        recipient=decode_recipient(order, buyer, path),
        delivery_method=_delivery_method(provider, option, option_types or {}),
        delivery_address=decode_address(order, provider, path),
        delivery_cost=money(order.get("delivery_cost"), f"{path}.delivery_cost"),
        payment_method=text_of(payment.get("type")) or text_of(payment_option.get("id")),
        is_paid=paid,
        paid_at=parse_time(payment.get("status_modified"), f"{path}.payment_data.status_modified") if paid else None,
        updated_at=parse_time(order.get("date_modified"), f"{path}.date_modified"),
        comment=text_of(order.get("client_notes")),
        do_not_call=bool(order.get("dont_call_customer_back")),
        source=text_of(order.get("source")),
        utm=utm,
        discount=money(order.get("special_offer_discount"), f"{path}.special_offer_discount"),
        waybill_number=text_of(provider.get("declaration_number")),
        extra=_extra(order, provider, path),
        raw=dict(order),
    )


def order_id_of(order: Mapping[str, Any]) -> str | None:
    return text_of(order.get("id"))


def page_order_ids(page: Iterable[Mapping[str, Any]]) -> list[int]:
    """The numeric ids of a page of orders (the next page starts below the smallest). Only ASCII digits
    count: ``"²".isdigit()`` is true but ``int("²")`` fails."""
    return [int(i) for i in (order_id_of(o) for o in page) if i and i.isascii() and i.isdigit()]


def status_body(order_ids: Sequence[str], status: str, reason: str | None = None,
                text: str | None = None) -> dict[str, Any]:
    """``POST /orders/set_status``: ``status`` and ``ids``; for canceled the reason (and its text)."""
    body: dict[str, Any] = {"status": status, "ids": [_int_id(i) for i in order_ids]}
    if status == "canceled":
        body["cancellation_reason"] = reason
        if text:
            body["cancellation_text"] = text
    return body


def check_cancellation(order: str, reason: str | None, text: str | None, reasons: Iterable[str]) -> None:
    """Refuse locally a cancellation Prom would refuse: no reason, an unknown one, no text where needed."""
    known = list(reasons)
    if reason not in known:
        raise ValidationError(f"prom: cancelling order {order} needs cancellation_reason, one of "
                              f"{', '.join(known)} (got {reason!r})")
    if reason in REASONS_NEEDING_TEXT and not (text or "").strip():
        raise ValidationError(f"prom: cancelling order {order} with reason {reason} needs cancellation_text "
                              "(a comment saying why)")


def processed_ids(document: Any, where: str) -> set[str]:
    body = object_of(document, where)
    return {str(i) for i in list_of(body.get("processed_ids"), f"{where}.processed_ids")}


def _int_id(order_id: str) -> int | str:
    return int(order_id) if order_id.isdigit() else order_id


# --- waybills ---------------------------------------------------------------------------------------


def waybill_body(order_id: str, number: str, delivery_type: str) -> dict[str, Any]:
    return {"order_id": _int_id(order_id), "declaration_id": number, "delivery_type": delivery_type}


def waybill_refusal(document: Any) -> str | None:
    """None when Prom saved the waybill (``{"status": "success"}``), else its reason."""
    body = document if isinstance(document, dict) else {}
    if str(body.get("status", "")).lower() == "success":
        return None
    return error_message(body) or f"unexpected answer {document!r}"


# --- stock and prices -------------------------------------------------------------------------------


def presence_of(item: StockPriceItem) -> str:
    """Prom's presence: given (a Prom code or our stock vocabulary), or derived from quantity/availability."""
    if item.presence:
        if item.presence in PRESENCE:
            return item.presence
        if item.presence in PRESENCE_OF_STOCK:
            return PRESENCE_OF_STOCK[item.presence]
        raise ValidationError(f"prom: SKU {item.sku}: unknown presence {item.presence!r} "
                              f"(known: {', '.join(PRESENCE)})")
    if item.available is not None:
        return "available" if item.available else "not_available"
    return "available" if (item.quantity or 0) > 0 else "not_available"


def stock_item_body(item: StockPriceItem, today: date) -> dict[str, Any]:
    """One product of ``POST /products/edit_by_external_id``. An old price above the price becomes Prom's
    discount: ``price`` is the old price and ``discount`` the amount off, for ``DISCOUNT_DAYS``; without
    one, ``discount`` is null so that an earlier discount does not linger."""
    external_id = item.external_id or item.sku
    body: dict[str, Any] = {"id": external_id, "presence": presence_of(item), "presence_sure": True}
    if item.quantity is not None:
        body["quantity_in_stock"] = max(0, int(item.quantity))
    if item.price is not None:
        if item.old_price is not None and item.old_price > item.price:
            body["price"] = format_amount(item.old_price)
            body["discount"] = {
                "value": format_amount(item.old_price - item.price),
                "type": "amount",
                "date_start": today.strftime("%d.%m.%Y"),
                "date_end": (today + timedelta(days=DISCOUNT_DAYS)).strftime("%d.%m.%Y"),
            }
        else:
            body["price"] = format_amount(item.price)
            body["discount"] = None
    return body


def decode_edit_result(document: Any, items: Sequence[StockPriceItem], where: str) -> PushResult:
    """``{"processed_ids": [...], "errors": {id: …}}`` → SKUs accepted, and a message per SKU refused."""
    body = object_of(document, where)
    processed = {str(i) for i in list_of(body.get("processed_ids"), f"{where}.processed_ids")}
    errors_by_id = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    accepted: list[str] = []
    refused: dict[str, str] = {}
    for item in items:
        external_id = item.external_id or item.sku
        if external_id in errors_by_id:
            refused[item.sku] = _describe(errors_by_id[external_id])
        elif external_id in processed:
            accepted.append(item.sku)
        else:
            refused[item.sku] = f"Prom did not process external id {external_id} (no such product in the shop?)"
    return PushResult(accepted=accepted, errors=refused)


# --- the shop's options -----------------------------------------------------------------------------


def decode_options(document: Any, section: str, key: str, where: str) -> list[ShopOption]:
    """``{"delivery_options": [{"id", "name", "type", "enabled", …}]}`` (and payment, status options)."""
    body = object_of(document, where)
    options = []
    for index, raw in enumerate(list_of(body.get(key), f"{where}.{key}")):
        option = object_of(raw, f"{where}.{key}[{index}]")
        code = text_of(option.get("id"))
        if code is None:
            raise PayloadError("is missing", field=f"{where}.{key}[{index}].id")
        if section == "statuses" and code.isdigit():  # orders carry a company's own status as custom-<id>
            code = f"custom-{code}"
        options.append(ShopOption(
            section=section,
            code=code,
            name=text_of(option.get("name")) or text_of(option.get("title")) or code,
            enabled=option.get("enabled") is not False,
            extra={k: v for k, v in option.items() if k not in ("id", "name", "enabled")},
        ))
    return options
