"""Rozetka Seller API payloads ↔ normalized values. Pure functions: no HTTP.

Every answer is an envelope ``{"success": bool, "content": …}`` or ``{"success": false, "errors": {…}}``
(``errors`` an object ``{message, code, description, details}`` or a list of them; the mass update keys
it by item id). Times are written without an offset (``2019-07-25 11:49:32``) and are Kyiv time; money
is text with two decimals or a number. Decoding tolerates nulls and keeps unknown fields (``raw``); what
an order cannot do without (id, status, creation time) raises ``PayloadError`` naming order and field.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from erpsync.core.errors import (
    AuthenticationError,
    ErpsyncError,
    MarketplaceError,
    NotFoundError,
    PayloadError,
    ValidationError,
)
from erpsync.core.money import finite_decimal
from erpsync.marketplaces.base import Address, Customer, Order, OrderLine, PushResult, ShopOption, StockPriceItem

KYIV = ZoneInfo("Europe/Kyiv")
CURRENCY = "UAH"
# documented error codes (AboutAPI, "Опис помилок")
AUTH_CODES = frozenset({1004, 1018, 1020, 5401, 6001})  # wrong login / token, unauthorized, session expired
NOT_FOUND_CODES = frozenset({1019, 1404, 5404})
# order.created_type
CREATED_TYPES = {1: "api", 2: "admin", 3: "seller_cabinet", 4: "buyer", 6: "repeat_tracking"}
# delivery.name_logo → our delivery code; then hints in the service's name
LOGO_CODES = {
    "nova-pochta": "nova_poshta", "nova-poshta": "nova_poshta", "novaposhta": "nova_poshta",
    "ukrposhta": "ukrposhta", "ukr-poshta": "ukrposhta", "ukrpochta": "ukrposhta",
    "meest": "meest", "meest-express": "meest", "justin": "justin",
    "rozetka": "rozetka_delivery", "rozetka-delivery": "rozetka_delivery", "rz-delivery": "rozetka_delivery",
}
NAME_HINTS = (
    (("нова пошта", "новая почта", "nova poshta"), "nova_poshta"),
    (("укрпошт", "укрпочт", "ukrposhta"), "ukrposhta"),
    (("meest", "міст", "мист"), "meest"),
    (("justin", "джастін", "джастин"), "justin"),
    (("rozetka", "розетк"), "rozetka_delivery"),
    (("кур'єр", "курьер", "courier", "по вашому адресу", "по вашему адресу"), "courier"),
    (("самовивіз", "самовывоз", "з магазину", "из магазина", "мої магазини", "мои магазины"), "pickup"),
)
DELIVERY_METHOD_IDS = {1: "pickup", 2: "courier"}  # delivery.delivery_method_id (available-deliveries)
PAYMENT_TYPES = {  # order.payment_type → our payment code ("cash" documented, the rest assumed)
    "cash": "cash_on_delivery", "cod": "cash_on_delivery",
    "card": "card_online", "online": "card_online", "prepaid": "card_online", "rozetka_pay": "card_online",
    "cashless": "bank_transfer", "bank": "bank_transfer", "invoice": "bank_transfer",
    "credit": "credit", "installments": "credit", "parts": "credit",
}


# --- primitives -------------------------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


def object_of(value: Any, field: str) -> dict[str, Any]:
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
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"expected an amount, got {value!r}", field=field)
    try:
        return finite_decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise PayloadError(f"expected an amount, got {value!r}", field=field) from None


def flag(value: Any) -> bool:
    """Rozetka's booleans: true/false, 1/0, "1"/"0"."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def parse_time(value: Any, field: str) -> datetime | None:
    """``2019-07-25 11:49:32`` (Kyiv time) → an aware datetime; an ISO time with an offset is kept."""
    text = text_of(value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"expected a time like 2019-07-25 11:49:32, got {value!r}", field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=KYIV)


def created_at_of(order: Any, key: str) -> datetime | None:
    """The creation time of an order payload that could not be decoded, when that much can be read."""
    if not isinstance(order, dict):
        return None
    try:
        return parse_time(order.get(key), key)
    except PayloadError:
        return None


def format_time(moment: datetime, *, up: bool = False) -> str:
    """A filter time in Kyiv time, as Rozetka writes times (``2019-07-25 11:49:32``). Whole seconds: an
    upper bound (``up``) is rounded up, so a change within its second is not left out."""
    if moment.tzinfo is None:
        raise ValidationError(f"a time without a timezone cannot be sent to Rozetka: {moment.isoformat()}")
    if up and moment.microsecond:
        moment += timedelta(seconds=1)
    return moment.astimezone(KYIV).strftime("%Y-%m-%d %H:%M:%S")


def format_amount(amount: Decimal) -> float | int:
    quantized = amount.quantize(Decimal("0.01"))
    return int(quantized) if quantized == quantized.to_integral_value() else float(quantized)


# --- the envelope -----------------------------------------------------------------------------------


def login_body(username: str, password: str) -> dict[str, str]:
    """``POST /sites``: the username and the password in base64, as the documentation asks."""
    return {"username": username, "password": base64.b64encode(password.encode("utf-8")).decode("ascii")}


def error_parts(errors: Any) -> tuple[str, int | None]:
    """The message and code of an ``errors`` value (an object, a list of objects, or text)."""
    first = errors[0] if isinstance(errors, list) and errors else errors
    if isinstance(first, dict):
        message = text_of(first.get("description")) or text_of(first.get("message")) or "no description"
        code_text = text_of(first.get("message")) if text_of(first.get("description")) else None
        details = first.get("details")
        if details:
            message = f"{message} ({_describe(details)})"
        if code_text and code_text not in message:
            message = f"{code_text}: {message}"
        raw_code = first.get("code")
        try:
            code = int(raw_code) if raw_code is not None else None
        except (TypeError, ValueError, OverflowError):
            code = None
        return message, code
    return (text_of(first) or "no description"), None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_describe(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_describe(v) for v in value)
    return str(value)


class Refused(MarketplaceError):
    """A ``success: false`` answer: Rozetka's message and code."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


class SessionRefused(AuthenticationError):
    """Rozetka refused the login or the token (codes 1004, 1018, 1020, 5401, 6001)."""

    def __init__(self, message: str, code: int | None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


def refusal(document: Any, where: str, shop: str) -> ErpsyncError:
    """The error of a ``success: false`` envelope: ``SessionRefused`` for credentials, ``NotFoundError``
    for a missing entity, else ``Refused`` — each with Rozetka's message and code."""
    message, code = error_parts(document.get("errors") if isinstance(document, dict) else None)
    text = f"rozetka refused {where} of shop {shop!r}: {message}" + (f" (code {code})" if code is not None else "")
    if code in AUTH_CODES:
        return SessionRefused(text, code)
    if code in NOT_FOUND_CODES:
        return NotFoundError(text)
    return Refused(text, code)


def session_refused(document: Any) -> bool:
    """Whether an answer is ``success: false`` with a code that means the login or token is refused."""
    if not isinstance(document, dict) or flag(document.get("success", True)):
        return False
    return error_parts(document.get("errors"))[1] in AUTH_CODES


def content_of(document: Any, where: str, shop: str) -> Any:
    """The ``content`` of a successful envelope; a refusal raises (see ``refusal``)."""
    if not isinstance(document, dict) or "success" not in document:
        raise PayloadError("is not a Rozetka answer ({success, content, errors})", field=where)
    if not flag(document.get("success")):
        raise refusal(document, where, shop)
    return document.get("content")


def error_message(document: Any) -> str | None:
    if isinstance(document, dict) and document.get("errors") is not None:
        message, code = error_parts(document["errors"])
        return f"{message} (code {code})" if code is not None else message
    return None


# --- orders -----------------------------------------------------------------------------------------


def orders_page(content: Any, where: str) -> tuple[list[dict[str, Any]], int]:
    """The orders of an ``orders/search`` content and its page count (``_meta.pageCount``)."""
    body = object_of(content, where)
    orders = [object_of(o, f"{where}.orders[{i}]") for i, o in enumerate(list_of(body.get("orders"), where))]
    meta = object_of(body.get("_meta"), f"{where}._meta")
    try:
        pages = int(meta.get("pageCount", 1 if orders else 0))
    except (TypeError, ValueError, OverflowError):
        raise PayloadError(f"expected a number, got {meta.get('pageCount')!r}", field=f"{where}._meta.pageCount") \
            from None
    return orders, pages


def _person(title: Any, field: str) -> dict[str, str | None]:
    if isinstance(title, str):
        return {"first": None, "last": None, "second": None, "full": text_of(title)}
    title = object_of(title, field)
    first, last, second = (text_of(title.get(k)) for k in ("first_name", "last_name", "second_name"))
    full = text_of(title.get("full_name")) or " ".join(p for p in (last, first, second) if p) or None
    return {"first": first, "last": last, "second": second, "full": full}


def decode_customer(order: Mapping[str, Any], path: str) -> Customer:
    user = object_of(order.get("user"), f"{path}.user")
    person = _person(order.get("user_title"), f"{path}.user_title")
    email = text_of(user.get("email"))
    return Customer(
        external_id=text_of(user.get("id")),
        full_name=person["full"] or text_of(user.get("contact_fio")),
        first_name=person["first"],
        last_name=person["last"],
        phone=text_of(order.get("user_phone")),
        email=email if email and "@" in email else None,  # Rozetka writes "true" where it hides the address
    )


def decode_recipient(order: Mapping[str, Any], buyer: Customer, path: str) -> Customer | None:
    """The recipient (``delivery.recipient_title`` / ``recipient_phone``, or the deprecated order fields)
    when it is someone other than the buyer."""
    delivery = object_of(order.get("delivery"), f"{path}.delivery")
    title = delivery.get("recipient_title") or order.get("recipient_title")
    phone = text_of(delivery.get("recipient_phone")) or text_of(order.get("recipient_phone"))
    if not title and not phone:
        return None
    person = _person(title, f"{path}.delivery.recipient_title")
    candidate = Customer(full_name=person["full"], first_name=person["first"], last_name=person["last"],
                         phone=phone)
    if flag(delivery.get("another_recipient")):
        return candidate
    same_name = _same_name(candidate.full_name, buyer.full_name)
    same_phone = _digits(phone) in ("", _digits(buyer.phone))
    return None if same_name and same_phone else candidate


def _same_name(one: str | None, other: str | None) -> bool:
    if not one:
        return True
    words, others = set(one.casefold().split()), set((other or "").casefold().split())
    return words <= others or others <= words


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")[-9:]


def delivery_code(delivery: Mapping[str, Any], service: Mapping[str, Any]) -> str | None:
    """Our delivery code: from ``name_logo``, else hints in the service's name, else the delivery method
    (courier / pickup), else the service id."""
    logo = (text_of(delivery.get("name_logo")) or "").lower()
    if logo in LOGO_CODES:
        return LOGO_CODES[logo]
    name = (text_of(delivery.get("delivery_service_name")) or text_of(service.get("name")) or "").casefold()
    for hints, code in NAME_HINTS:
        if any(hint in name for hint in hints):
            return code
    method = delivery.get("delivery_method_id")
    if isinstance(method, int) and method in DELIVERY_METHOD_IDS:
        return DELIVERY_METHOD_IDS[method]
    return text_of(delivery.get("delivery_service_id")) or text_of(service.get("id"))


def payment_code(order: Mapping[str, Any]) -> str | None:
    kind = (text_of(order.get("payment_type")) or "").lower()
    if kind in PAYMENT_TYPES:
        return PAYMENT_TYPES[kind]
    if text_of(order.get("credit_broker")) or flag(order.get("credit_status")):
        return "credit"
    return text_of(order.get("payment_method_id")) or (kind if kind and kind != "undefined" else None)


def decode_address(delivery: Mapping[str, Any], path: str) -> Address | None:
    if not delivery:
        return None
    city = object_of(delivery.get("city"), f"{path}.delivery.city")
    city_name = text_of(city.get("name_ua")) or text_of(city.get("title")) or text_of(city.get("name"))
    street, house, flat = (text_of(delivery.get(k)) for k in ("place_street", "place_house", "place_flat"))
    branch = text_of(delivery.get("place_number"))
    parts = [city_name, " ".join(p for p in (street, house) if p) or None,
             f"кв. {flat}" if flat else None, f"відділення №{branch}" if branch else None]
    return Address(
        formatted=", ".join(p for p in parts if p) or None,
        city=city_name,
        street=street,
        house=house,
        apartment=flat,
        region=text_of(city.get("region_title")),
        pickup_point=text_of(delivery.get("pickup_rz_id")) or branch or text_of(delivery.get("ref_id")),
    )


def decode_line(purchase: Mapping[str, Any], path: str) -> OrderLine:
    purchase_id = text_of(purchase.get("id"))
    if purchase_id is None:
        raise PayloadError("is missing", field=f"{path}.id")
    quantity_value = purchase.get("quantity")
    if isinstance(quantity_value, bool) or not isinstance(quantity_value, int | float | str):
        raise PayloadError(f"expected a quantity, got {quantity_value!r}", field=f"{path}.quantity")
    quantity = money(quantity_value, f"{path}.quantity")
    if quantity is None or quantity != quantity.to_integral_value():
        raise PayloadError(f"expected a whole quantity, got {quantity_value!r}", field=f"{path}.quantity")
    unit_price = money(purchase.get("price_with_discount"), f"{path}.price_with_discount") or money(
        purchase.get("price"), f"{path}.price")
    if unit_price is None:
        raise PayloadError("is missing", field=f"{path}.price")
    total = money(purchase.get("cost_with_discount"), f"{path}.cost_with_discount") or money(
        purchase.get("cost"), f"{path}.cost")
    item = object_of(purchase.get("item"), f"{path}.item")
    return OrderLine(
        external_id=purchase_id,
        quantity=int(quantity),
        unit_price=unit_price,
        total=total if total is not None else unit_price * int(quantity),
        sku=text_of(item.get("price_offer_id")) or text_of(item.get("article")),
        external_product_id=text_of(purchase.get("item_id")) or text_of(item.get("id")),
        name=text_of(purchase.get("item_name")) or text_of(item.get("name_ua")) or text_of(item.get("name")),
        raw=dict(purchase),
        extra={k: v for k, v in {
            "list_price": text_of(purchase.get("price")),
            "kit_id": purchase.get("kit_id") or None,
            "article": text_of(item.get("article")),
            "returned": purchase.get("status") == 2 or None,
            "additional_item": flag(purchase.get("is_additional_item")) or None,
        }.items() if v is not None},
    )


def _extra(order: Mapping[str, Any], path: str) -> dict[str, Any]:
    status_data = object_of(order.get("status_data"), f"{path}.status_data")
    service = object_of(order.get("delivery_service"), f"{path}.delivery_service")
    delivery = object_of(order.get("delivery"), f"{path}.delivery")
    extra = {
        "status_name": text_of(status_data.get("name_uk")) or text_of(status_data.get("name")),
        "status_group": order.get("status_group"),
        "delivery_service": text_of(delivery.get("delivery_service_name")) or text_of(service.get("name")),
        "delivery_service_id": delivery.get("delivery_service_id") or service.get("id"),
        "payment_type_name": text_of(order.get("payment_type_name")),
        "payment_type_title": text_of(order.get("payment_type_title")),
        "seller_comment": text_of(order.get("current_seller_comment")),
        "duplicate_order_id": order.get("duplicate_order_id") or None,
        "is_promo": flag(order.get("is_promo")) or None,
        "credit_status": order.get("credit_status") or None,
        "reserve_date": text_of(delivery.get("reserve_date")),
        "ttn_created_by_rozetka": order.get("mk_created"),
        "available_statuses": [text_of(s.get("child_id")) for s in list_of(order.get("status_available"), path)
                               if isinstance(s, dict) and s.get("child_id") is not None] or None,
    }
    return {k: v for k, v in extra.items() if v is not None}


def decode_order(order: Mapping[str, Any], path: str | None = None) -> Order:
    """An order of ``orders/search`` / ``orders/{id}`` (with ``expand``) → ``Order``."""
    order_id = text_of(order.get("id"))
    path = path or (f"orders/{order_id}" if order_id else "orders/(no id)")
    if order_id is None:
        raise PayloadError("is missing", field=f"{path}.id")
    status = text_of(order.get("status"))
    if status is None:
        raise PayloadError("is missing", field=f"{path}.status")
    created = parse_time(order.get("created"), f"{path}.created")
    if created is None:
        raise PayloadError("is missing", field=f"{path}.created")
    lines = [decode_line(object_of(p, f"{path}.purchases[{i}]"), f"{path}.purchases[{i}]")
             for i, p in enumerate(list_of(order.get("purchases"), f"{path}.purchases"))
             if not (isinstance(p, dict) and p.get("status") == 0)]  # 0: removed when the order was edited
    cost = money(order.get("cost"), f"{path}.cost")
    total = money(order.get("cost_with_discount"), f"{path}.cost_with_discount") or cost or money(
        order.get("amount"), f"{path}.amount") or sum((line.total for line in lines), Decimal(0))
    delivery = object_of(order.get("delivery"), f"{path}.delivery")
    service = object_of(order.get("delivery_service"), f"{path}.delivery_service")
    status_payment = object_of(order.get("status_payment"), f"{path}.status_payment")
    buyer = decode_customer(order, path)
    paid = flag(order.get("is_payed")) or text_of(status_payment.get("name")) == "paid"
    created_type = order.get("created_type")
    return Order(
        external_id=order_id,
        number=order_id,
        status=status,
        created_at=created,
        total=total,
        currency=CURRENCY,
        lines=lines,
        customer=buyer,
        recipient=decode_recipient(order, buyer, path),
        delivery_method=delivery_code(delivery, service) if delivery or service else None,
        delivery_address=decode_address(delivery, path),
        delivery_cost=money(delivery.get("cost"), f"{path}.delivery.cost"),
        payment_method=payment_code(order),
        is_paid=paid,
        paid_at=parse_time(status_payment.get("created_at"), f"{path}.status_payment.created_at") if paid else None,
        updated_at=parse_time(order.get("changed"), f"{path}.changed"),
        comment=text_of(order.get("comment")),
        do_not_call=flag(order.get("callback_off")),
        source=_source(created_type),
        discount=(cost - total) if cost is not None and total is not None and cost > total else None,
        is_fulfilment=flag(order.get("is_fulfillment")),
        waybill_number=text_of(order.get("ttn")),
        extra=_extra(order, path),
        raw=dict(order),
    )


def _source(created_type: Any) -> str | None:
    """Who created the order (``created_type``: 1 → api…); an unknown code as its text."""
    if isinstance(created_type, int) and not isinstance(created_type, bool) and created_type in CREATED_TYPES:
        return CREATED_TYPES[created_type]
    return text_of(created_type)


def available_statuses(order: Mapping[str, Any]) -> list[str] | None:
    """The statuses an order may be moved to (``status_available[].child_id``); None when the answer
    does not say (not expanded), [] when the order may move nowhere."""
    if "status_available" not in order:
        return None
    return [str(s["child_id"]) for s in order.get("status_available") or []
            if isinstance(s, dict) and s.get("child_id") is not None]


def status_body(status: str, *, comment: str | None = None, ttn: str | None = None,
                duplicate_of: str | None = None) -> dict[str, Any]:
    """``PUT /orders/{id}``: ``status`` (a number) with ``seller_comment``, ``ttn``, ``duplicate_order_id``."""
    body: dict[str, Any] = {"status": int(status)}
    if comment:
        body["seller_comment"] = comment
    if ttn:
        body["ttn"] = ttn
    if duplicate_of:
        body["duplicate_order_id"] = int(duplicate_of) if str(duplicate_of).isdigit() else duplicate_of
    return body


# --- stock and prices -------------------------------------------------------------------------------


def stock_item_body(item: StockPriceItem) -> dict[str, Any]:
    """One ``UpdatingItem`` of ``PUT /items/mass-update``: Rozetka's item id, price, old price, stock."""
    external_id = (item.external_id or "").strip()
    if not external_id.isdigit():
        raise ValidationError(f"rozetka: SKU {item.sku} has no Rozetka item id (rz_item_id) on its listing "
                              f"(got {item.external_id!r})")
    body: dict[str, Any] = {"item_rz_id": int(external_id)}
    if item.price is not None:
        body["price"] = format_amount(item.price)
        if item.old_price is not None and item.old_price > item.price:
            body["price_old"] = format_amount(item.old_price)
    if item.quantity is not None:
        body["stock_quantity"] = max(0, int(item.quantity))
    elif item.available is False:
        body["stock_quantity"] = 0
    return body


def mass_update_result(document: Any, items: Sequence[StockPriceItem], where: str, shop: str) -> PushResult:
    """``{"success": true}``: every item taken; ``{"success": false, "errors": {item id: {"reason": […]}}}``:
    those refused, the others taken. Any other refusal raises."""
    if not isinstance(document, dict) or "success" not in document:
        raise PayloadError("is not a Rozetka answer ({success, content, errors})", field=where)
    if flag(document.get("success")):
        return PushResult(accepted=[i.sku for i in items])
    errors = document.get("errors")
    by_id = errors if isinstance(errors, dict) and errors and all(str(k).isdigit() for k in errors) else None
    if by_id is None:
        raise refusal(document, where, shop)
    accepted, refused = [], {}
    for item in items:
        problem = by_id.get(str(item.external_id).strip())
        if problem is None:
            accepted.append(item.sku)
        else:
            refused[item.sku] = _reasons(problem)
    return PushResult(accepted=accepted, errors=refused)


def _reasons(problem: Any) -> str:
    reasons = problem.get("reason") if isinstance(problem, dict) else problem
    texts = []
    for reason in reasons if isinstance(reasons, list) else [reasons]:
        if isinstance(reason, dict):
            value = reason.get("value")
            texts.append(", ".join(map(str, value)) if isinstance(value, list) else str(value))
        else:
            texts.append(str(reason))
    return "; ".join(t for t in texts if t) or _describe(problem)


# --- the shop's options -----------------------------------------------------------------------------


def first_list(content: Any, where: str) -> list[dict[str, Any]]:
    """The list a search answer carries (``{"orderStatuses": [...], "_meta": …}`` and the like)."""
    if isinstance(content, list):
        return [object_of(v, where) for v in content]
    body = object_of(content, where)
    for key, value in body.items():
        if key != "_meta" and isinstance(value, list):
            return [object_of(v, f"{where}.{key}") for v in value]
    return []


def decode_status_options(content: Any, where: str) -> list[ShopOption]:
    options = []
    for status in first_list(content, where):
        code = text_of(status.get("id"))
        if code is None:
            continue
        name = text_of(status.get("name_uk")) or text_of(status.get("name_ua")) or text_of(status.get("name"))
        options.append(ShopOption("statuses", code, name or code, enabled=status.get("status", 1) != 0,
                                  extra={k: v for k, v in status.items() if k not in ("id", "name")}))
    return options


def decode_delivery_options(content: Any, where: str) -> list[ShopOption]:
    options = []
    for service in first_list(content, where):
        code = delivery_code({}, service)
        if code is None:
            continue
        options.append(ShopOption("delivery", code, text_of(service.get("name")) or code,
                                  enabled=service.get("status", 1) != 0,
                                  extra={k: v for k, v in service.items() if k != "name"}))
    return options
