"""Horoshop payloads ↔ normalized values, as Horoshop's API documentation shows them. Pure functions.

An order of ``orders/get`` (``response.orders[i]``): ``order_id`` (the order number), ``stat_status``
(a status id), ``stat_created`` ("YYYY-MM-DD HH:MM:SS", the shop's local time), ``delivery_name``
(the full name in one field, split here where its words allow), ``delivery_phone``,
``delivery_email``, ``delivery_city``, ``delivery_address`` (Ukrposhta's parts joined by "@"),
``delivery_type`` / ``payment_type`` (the shop's option ``{id, title}``), ``delivery_price`` (-1: not
calculated), ``payed``, ``total_default`` (before order-level discounts), ``total_sum`` (the goods,
after them), ``discount_*`` and ``coupon_*``, ``order_without_callback``, ``analytics`` (UTM),
``delivery_data`` (the carrier block with ``tnNumber``), ``products[]`` (``article``, ``title``,
``quantity``, ``price``, ``total_price``, ``discount_marker``, ``type``). Whatever is not mapped stays
in ``raw``; money is ``Decimal`` in the order's currency; what an order cannot do without (id,
status, creation time, totals) raises ``PayloadError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.core.money import finite_decimal
from erpsync.marketplaces.base import Address, Customer, Order, OrderLine, StockPriceItem
from erpsync.marketplaces.methods import delivery_code, payment_code
from erpsync.marketplaces.names import split_full_name

CURRENCY = "UAH"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
LANGUAGES = ("ua", "uk", "ru", "en")
ORDER_EXTRA_KEYS = (
    "user", "total_default", "total_quantity", "discount_percent", "discount_value", "coupon_code",
    "coupon_percent", "coupon_discount_value", "coupon_type", "payment_price", "delivery_type", "payment_type",
    "delivery_data", "additional_data", "customer_details", "dropshipping_details",
)


# --- primitives -------------------------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    """A trimmed text; a multilingual ``{"ua": …, "ru": …}`` gives its first non-empty language."""
    if isinstance(value, dict):
        for language in (*LANGUAGES, *value):
            text = text_of(value.get(language)) if not isinstance(value.get(language), dict) else None
            if text:
                return text
        return None
    if value is None or isinstance(value, list | bool):
        return None
    text = str(value).strip()
    return text or None


def decimal_of(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PayloadError("is missing", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"expected a number, got {value!r}", field=field)
    try:
        return finite_decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise PayloadError(f"expected a number, got {value!r}", field=field) from None


def int_of(value: Any, field: str, *, required: bool = False) -> int | None:
    number = decimal_of(value, field, required=required)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise PayloadError(f"expected a whole number, got {value!r}", field=field)
    return int(number)


def flag_of(value: Any) -> bool:
    """Horoshop's 0/1 (or "0"/"1", true/false) flags."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def parse_time(value: Any, field: str, zone: tzinfo) -> datetime:
    """``stat_created`` ("2021-04-09 12:09:01", local time of the shop) → an aware datetime."""
    text = text_of(value)
    if text is None:
        raise PayloadError("is missing", field=field)
    for pattern in (TIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(f"expected a time like 2021-04-09 12:09:01, got {text!r}", field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def format_time(moment: datetime, zone: tzinfo) -> str:
    """An aware datetime as Horoshop's ``from``/``to`` in the shop's local time."""
    if moment.tzinfo is None:
        raise ValidationError(f"a time without a timezone cannot be sent to Horoshop: {moment.isoformat()}")
    return moment.astimezone(zone).strftime(TIME_FORMAT)


# --- orders -----------------------------------------------------------------------------------------


def orders_of(response: Any, where: str = "orders/get") -> list[Any]:
    """``response.orders`` of ``orders/get`` (an EMPTY answer has none)."""
    if response in (None, {}, []):
        return []
    if not isinstance(response, dict):
        raise PayloadError(f"expected an object, got {type(response).__name__}", field=f"{where}.response")
    orders = response.get("orders")
    if orders is None:
        return []
    if not isinstance(orders, list):
        raise PayloadError(f"expected a list, got {type(orders).__name__}", field=f"{where}.response.orders")
    return orders


def _option(value: Any) -> tuple[str | None, str | None]:
    """A ``delivery_type`` / ``payment_type`` object → (id, title)."""
    if isinstance(value, dict):
        return text_of(value.get("id")), text_of(value.get("title"))
    return None, text_of(value)


def decode_line(product: Any, path: str, line_id: str) -> OrderLine:
    if not isinstance(product, dict):
        raise PayloadError(f"expected an object, got {type(product).__name__}", field=path)
    quantity = decimal_of(product.get("quantity"), f"{path}.quantity", required=True)
    assert quantity is not None
    if quantity != quantity.to_integral_value() or quantity < 0:
        raise PayloadError(f"expected a whole number of items, got {product.get('quantity')!r}",
                           field=f"{path}.quantity")
    price = decimal_of(product.get("price"), f"{path}.price", required=True)
    assert price is not None
    total = decimal_of(product.get("total_price"), f"{path}.total_price")
    extra = {key: product[key] for key in ("discount_marker", "type", "price_old", "parent_article")
             if product.get(key) not in (None, "")}
    return OrderLine(
        external_id=line_id,
        quantity=int(quantity),
        unit_price=price,
        total=total if total is not None else price * quantity,
        sku=text_of(product.get("article")),
        name=text_of(product.get("title")),
        raw=product,
        extra=extra,
    )


def _line_ids(products: Sequence[Any]) -> list[str]:
    """A line id per product: its article, with ``#2``, ``#3`` for an article met again (a gift row)."""
    ids, seen = [], {}
    for index, product in enumerate(products):
        article = text_of(product.get("article")) if isinstance(product, dict) else None
        base = article or f"line{index + 1}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return ids


def decode_address(order: Mapping[str, Any]) -> Address | None:
    city = text_of(order.get("delivery_city"))
    address = text_of(order.get("delivery_address"))
    if address and "@" in address:  # Ukrposhta: the parts come joined by "@"
        address = ", ".join(part.strip() for part in address.split("@") if part.strip())
    if not (city or address):
        return None
    formatted = ", ".join(part for part in (city, address) if part)
    return Address(formatted=formatted, city=city, street=address)


def _utm(order: Mapping[str, Any]) -> dict[str, str]:
    analytics = order.get("analytics")
    if not isinstance(analytics, dict):
        return {}
    utm = {}
    for key in UTM_KEYS:
        value = analytics.get(key)
        text = None if value is None else str(value).strip()  # utm_campaign may come as a number
        if text:
            utm[key] = text
    return utm


def _waybill(order: Mapping[str, Any]) -> str | None:
    delivery = order.get("delivery_data")
    if isinstance(delivery, dict) and text_of(delivery.get("tnNumber")):
        return text_of(delivery.get("tnNumber"))
    additional = order.get("additional_data")
    if isinstance(additional, dict) and text_of(additional.get("tnNumber")):
        return text_of(additional.get("tnNumber"))
    return text_of(order.get("tracking_code"))


def _discount(order: Mapping[str, Any], total: Decimal, path: str) -> Decimal | None:
    """The order-level discount (coupon or manager discount): ``total_default - total_sum``."""
    before = decimal_of(order.get("total_default"), f"{path}.total_default")
    if before is not None and before > total:
        return before - total
    return None


def decode_order(order: Any, path: str, *, zone: tzinfo, name_order: str = "first_last") -> Order:
    """One order of ``orders/get``."""
    if not isinstance(order, dict):
        raise PayloadError(f"expected an object, got {type(order).__name__}", field=path)
    order_id = text_of(order.get("order_id"))
    if order_id is None:
        raise PayloadError("is missing", field=f"{path}.order_id")
    status = int_of(order.get("stat_status"), f"{path}.stat_status", required=True)
    created = parse_time(order.get("stat_created"), f"{path}.stat_created", zone)
    total = decimal_of(order.get("total_sum"), f"{path}.total_sum", required=True)
    assert total is not None
    products = order.get("products") or []
    if not isinstance(products, list):
        raise PayloadError(f"expected a list, got {type(products).__name__}", field=f"{path}.products")
    lines = [decode_line(p, f"{path}.products[{i}]", line_id)
             for i, (p, line_id) in enumerate(zip(products, _line_ids(products), strict=True))]
    name = split_full_name(text_of(order.get("delivery_name")), name_order)
    delivery_id, delivery_title = _option(order.get("delivery_type"))
    payment_id, payment_title = _option(order.get("payment_type"))
    delivery_price = decimal_of(order.get("delivery_price"), f"{path}.delivery_price")
    extra: dict[str, Any] = {key: order[key] for key in ORDER_EXTRA_KEYS if order.get(key) not in (None, "", [], {})}
    if name.patronymic:
        extra["buyer_patronymic"] = name.patronymic
    if delivery_title:
        extra["delivery_title"] = delivery_title
    if payment_title:
        extra["payment_title"] = payment_title
    return Order(
        external_id=order_id,
        number=order_id,
        status=str(status),
        created_at=created,
        total=total,
        currency=text_of(order.get("currency")) or CURRENCY,
        lines=lines,
        customer=Customer(
            external_id=text_of(order.get("user")),
            full_name=name.full_name,
            first_name=name.first_name,
            last_name=name.last_name,
            phone=text_of(order.get("delivery_phone")),
            email=text_of(order.get("delivery_email")),
        ),
        delivery_method=delivery_code(delivery_title, delivery_id),
        delivery_address=decode_address(order),
        delivery_cost=delivery_price if delivery_price is not None and delivery_price >= 0 else None,
        payment_method=payment_code(payment_title, payment_id),
        is_paid=flag_of(order.get("payed")),
        comment=text_of(order.get("comment")),
        do_not_call=flag_of(order.get("order_without_callback")),
        source="horoshop",
        utm=_utm(order),
        discount=_discount(order, total, path),
        waybill_number=_waybill(order),
        extra=extra,
        raw=order,
    )


def status_update(order_id: str, status: str) -> dict[str, Any]:
    return {"order_id": _order_number(order_id), "status": int(status)}


def tracking_update(order_id: str, number: str) -> dict[str, Any]:
    return {"order_id": _order_number(order_id), "tracking_code": number}


def _order_number(order_id: str) -> int | str:
    return int(order_id) if str(order_id).isdigit() else order_id


def update_log(response: Any, where: str) -> list[dict[str, Any]]:
    """``response.log`` of an update (``orders/update``, ``catalog/import…``), one entry per record."""
    if not isinstance(response, dict):
        return []
    log = response.get("log")
    if log is None:
        return []
    if not isinstance(log, list):
        raise PayloadError(f"expected a list, got {type(log).__name__}", field=f"{where}.response.log")
    return [entry for entry in log if isinstance(entry, dict)]


def entry_message(entry: Mapping[str, Any]) -> str:
    message = entry.get("message") or entry.get("messages") or entry.get("info")
    return str(message) if message else str(entry.get("status") or "no message")


def entry_failed(entry: Mapping[str, Any]) -> bool:
    return str(entry.get("status", "OK")).upper() not in ("OK", "UPDATED", "SUCCESS")


# --- stock and prices -------------------------------------------------------------------------------


def residues(items: Iterable[StockPriceItem], warehouse: str) -> list[dict[str, Any]]:
    """``catalog/importResidues`` products: the quantity of each SKU on the shop's warehouse."""
    rows = []
    for item in items:
        quantity = item.quantity
        if quantity is None and item.available is False:
            quantity = 0
        if quantity is not None:
            rows.append({"article": item.sku, "warehouse": warehouse, "quantity": max(0, int(quantity))})
    return rows


def prices(items: Iterable[StockPriceItem]) -> list[dict[str, Any]]:
    """``catalog/import`` products carrying only the article and prices (``price``, ``price_old``)."""
    rows = []
    for item in items:
        price = item.promo_price if item.promo_price is not None else item.price
        if price is None:
            continue
        row: dict[str, Any] = {"article": item.sku, "price": _amount(price)}
        old = item.old_price if item.old_price is not None else (item.price if item.promo_price is not None else None)
        if old is not None and old > price:
            row["price_old"] = _amount(old)
        rows.append(row)
    return rows


def _amount(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def decode_statuses(response: Any) -> dict[str, str]:
    """``orders/get_available_statuses`` → status id → title."""
    statuses = response.get("statuses") if isinstance(response, dict) else response
    found = {}
    for status in statuses if isinstance(statuses, list) else []:
        if isinstance(status, dict) and status.get("id") is not None:
            found[str(status["id"])] = text_of(status.get("title")) or str(status["id"])
    return found


def decode_options(response: Any, kind: str) -> dict[str, str]:
    """``delivery/export`` / ``payment/export`` → our code → the option's title (for the mapping editor)."""
    items = response
    if isinstance(response, dict):
        items = next((v for v in response.values() if isinstance(v, list)), [])
    choose = delivery_code if kind == "delivery" else payment_code
    found = {}
    for option in items if isinstance(items, list) else []:
        if not isinstance(option, dict):
            continue
        option_id, title = text_of(option.get("id")), text_of(option.get("title"))
        code = choose(title, option_id)
        if code and code not in found:
            found[code] = title or option_id or code
    return found
