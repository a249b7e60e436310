"""The Prom.ua / Satu.kz sandbox's data and rules, kept apart from HTTP: orders (in Prom's own JSON
shape), products by external id, the company's delivery / payment options and custom statuses, and what
Prom refuses — written from the public contract independently of the connector's enumerations, so the
sandbox checks the connector rather than agreeing with it by construction.

Data is generated (realistic orders of the last days) or loaded from a directory of real-format payload
files: ``orders/*.json`` (an ``orders/list`` answer, an ``orders/{id}`` answer, or a bare order),
``products.json`` (a list, or ``{"products": [...]}``), ``delivery_options.json``, ``payment_options.json``
and ``order_status_options.json`` (the answers of the ``…/list`` endpoints), and ``export.yml`` (the
company's catalog export, served as is instead of one built from the products).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from erpsync.core.errors import ValidationError

# --- the contract -----------------------------------------------------------------------------------

STATUS_NAMES = {
    "pending": "Новий", "received": "Прийнято", "delivered": "Виконано", "canceled": "Скасовано",
    "draft": "Чернетка", "paid": "Оплачено",
}
SETTABLE = {"pending", "received", "delivered", "canceled", "paid"}
REASONS = {"not_available", "price_changed", "buyers_request", "not_enough_fields", "duplicate",
           "invalid_phone_number", "less_than_minimal_price", "another"}
REASONS_WITH_TEXT = {"price_changed", "not_enough_fields", "another"}
DELIVERY_TYPES = {"nova_poshta", "justin", "meest", "ukrposhta", "delivery_auto"}
PRESENCE = {"available", "not_available", "order", "waiting"}
MAX_LIMIT = 100
MAX_EDIT_ITEMS = 100
CURRENCY_LABEL = {"prom": "грн", "satu": "₸"}


class Refusal(Exception):
    """What Prom would answer with an error: an HTTP status and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def parse_filter_time(value: str, name: str) -> datetime:
    """A filter time as clients send it (``2015-04-28T12:50:34``, naive = UTC; an offset is accepted)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refusal(400, f"Parameter {name} must be a date-time like 2015-04-28T12:50:34, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def amount_text(value: float, marketplace: str) -> str:
    whole = f"{value:,.2f}".replace(",", " ")
    whole = whole[:-3] if whole.endswith(".00") else whole.replace(".", ",")
    return f"{whole} {CURRENCY_LABEL.get(marketplace, 'грн')}"


def amount_of(text: Any) -> float:
    if isinstance(text, int | float):
        return float(text)
    found = re.search(r"-?\d[\d\s\u00a0]*(?:[.,]\d+)?", str(text or ""))
    return float(re.sub(r"\s", "", found.group()).replace(",", ".")) if found else 0.0


# --- generated data ---------------------------------------------------------------------------------

FIRST = ["Олена", "Андрій", "Ірина", "Тарас", "Марія", "Богдан", "Наталія", "Олег"]
LAST = ["Литвиненко", "Коваль", "Гриненко", "Шевчук", "Бондар", "Мельник", "Ткачук", "Савчук"]
CITIES = ["м. Київ", "м. Львів", "м. Полтава", "м. Одеса", "смт. Ставище (Київська обл.)", "м. Харків"]
PRODUCTS = [
    ("SKU-001", "Шкарпетки чоловічі Nike, 5 пар", 250.0),
    ("SKU-002", "Термос сталевий 1 л", 689.0),
    ("SKU-003", "Ліхтар налобний LED", 345.5),
    ("SKU-004", "Навушники бездротові", 1299.0),
    ("SKU-005", "Рюкзак міський 25 л", 1450.0),
    ("SKU-006", "Кружка керамічна 350 мл", 189.0),
]
SOURCES = ["portal", "portal", "company_site", "mobile_app", "bigl", "company_cabinet"]
DEFAULT_DELIVERY = [
    {"id": 13013934, "name": "Нова Пошта", "comment": "", "enabled": True, "type": "nova_poshta"},
    {"id": 13013935, "name": "Укрпошта", "comment": "", "enabled": True, "type": "ukrposhta"},
    {"id": 13013936, "name": "Самовивіз", "comment": "м. Київ, вул. Хрещатик, 1", "enabled": True, "type": "pickup"},
    {"id": 13013937, "name": "Кур'єр по Києву", "comment": "", "enabled": True, "type": "courier"},
]
DEFAULT_PAYMENT = [
    {"id": 7547964, "name": "Пром-оплата", "description": "Оплата карткою через Prom"},
    {"id": 10827897, "name": "Накладений платіж", "description": "Оплата при отриманні"},
    {"id": 10827898, "name": "Безготівковий розрахунок", "description": "Рахунок для юридичних осіб"},
]
DEFAULT_STATUS_OPTIONS = [{"id": 137639, "name": "Підтверджено"}, {"id": 137640, "name": "Очікує оплату"}]


@dataclass
class ProductRecord:
    external_id: str
    prom_id: int
    name: str
    sku: str
    price: float
    presence: str = "available"
    quantity_in_stock: int | None = None
    discount: dict[str, Any] | None = None
    status: str = "on_display"
    history: list[dict[str, Any]] = field(default_factory=list)  # every edit received

    def as_product(self) -> dict[str, Any]:
        return {"id": self.prom_id, "external_id": self.external_id, "name": self.name, "sku": self.sku,
                "price": self.price, "presence": self.presence, "quantity_in_stock": self.quantity_in_stock,
                "discount": self.discount, "status": self.status}


class PromStore:
    """Orders, products and options of one sandboxed company."""

    def __init__(self, rng: random.Random, now: Callable[[], datetime], marketplace: str = "prom") -> None:
        self.rng = rng
        self.now = now
        self.marketplace = marketplace
        self.orders: dict[int, dict[str, Any]] = {}
        self.products: dict[str, ProductRecord] = {}
        self.delivery_options: list[dict[str, Any]] = copy.deepcopy(DEFAULT_DELIVERY)
        self.payment_options: list[dict[str, Any]] = copy.deepcopy(DEFAULT_PAYMENT)
        self.status_options: list[dict[str, Any]] = copy.deepcopy(DEFAULT_STATUS_OPTIONS)
        self.export_document: bytes | None = None  # a YML export served as is (else built from products)
        self._next_order = 338390700
        self._next_product = 1770900880

    # --- data ------------------------------------------------------------------------------------

    def generate(self, count: int) -> None:
        for sku, name, price in PRODUCTS:
            self.add_product(sku, name=name, price=price, quantity_in_stock=self.rng.randint(0, 40))
        now = self.now()
        for _ in range(count):
            other = self.rng.random() < 0.2  # now and then someone else collects the parcel
            recipient = {"first_name": self.rng.choice(FIRST), "last_name": self.rng.choice(LAST),
                         "second_name": "", "phone": f"+38050{self.rng.randint(1000000, 9999999)}"} if other else None
            self.add_order(
                created=now - timedelta(minutes=self.rng.randint(5, 60 * 24 * 10)),
                status=self.rng.choice(["pending", "pending", "pending", "received", "delivered", "canceled"]),
                payment=self.rng.choice(["cod", "cod", "evopay"]),
                delivery=self.rng.choice(["nova_poshta", "nova_poshta", "ukrposhta", "pickup", "courier"]),
                recipient=recipient,
                do_not_call=self.rng.random() < 0.15,
            )

    def add_product(self, external_id: str, *, name: str | None = None, price: float = 100.0,
                    sku: str | None = None, presence: str = "available",
                    quantity_in_stock: int | None = None) -> ProductRecord:
        self._next_product += 1
        record = ProductRecord(external_id=external_id, prom_id=self._next_product, name=name or external_id,
                               sku=sku or external_id, price=price, presence=presence,
                               quantity_in_stock=quantity_in_stock)
        self.products[external_id] = record
        return record

    def add_order(
        self,
        *,
        created: datetime | None = None,
        status: str = "pending",
        lines: list[tuple[str, int]] | None = None,
        payment: str = "cod",
        recipient: dict[str, str] | None = None,
        delivery: str = "nova_poshta",
        source: str | None = None,
        do_not_call: bool = False,
        order_id: int | None = None,
    ) -> int:
        """An order in Prom's shape; ``lines``: (external id of a product, quantity); ``payment``: cod or
        evopay (paid through Prom); ``delivery``: nova_poshta or the type of a delivery option."""
        created = created or self.now()
        if order_id is None:
            self._next_order += self.rng.randint(1, 9)
            order_id = self._next_order
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        phone = f"+38067{self.rng.randint(1000000, 9999999)}"
        if lines is None:
            chosen = self.rng.sample(sorted(self.products) or [p[0] for p in PRODUCTS], k=self.rng.randint(1, 2))
            lines = [(sku, self.rng.randint(1, 3)) for sku in chosen]
        products, total = self._order_products(lines)
        option = next((o for o in self.delivery_options if o.get("type") == delivery), self.delivery_options[0])
        paid_option = self.payment_options[0] if payment == "evopay" else self.payment_options[1]
        city = self.rng.choice(CITIES)
        order = {
            "id": order_id,
            "date_created": iso(created),
            "date_modified": iso(created),
            "client_first_name": first,
            "client_second_name": None,
            "client_last_name": last,
            "client_id": self.rng.randint(276000000, 289999999),
            "client": {"first_name": first, "last_name": last, "second_name": None, "phone": phone},
            "delivery_recipient": recipient or {"first_name": first, "last_name": last, "second_name": "",
                                                "phone": phone},
            "email": None,
            "phone": phone,
            "delivery_option": {"id": option["id"], "name": option["name"], "shipping_service": None},
            "delivery_address": f"{city}, №{self.rng.randint(1, 120)}: вул. Центральна, {self.rng.randint(1, 80)}",
            "delivery_provider_data": self._provider(option, city),
            "delivery_cost": 0,
            "payment_option": {"id": paid_option["id"], "name": paid_option["name"]},
            "payment_data": {"type": "evopay", "status": "paid", "status_modified": iso(created + timedelta(minutes=1))}
            if payment == "evopay" else None,
            "price": amount_text(total, self.marketplace),
            "full_price": amount_text(total, self.marketplace),
            "client_notes": "",
            "products": products,
            "status": status,
            "status_name": STATUS_NAMES.get(status, status),
            "source": source or self.rng.choice(SOURCES),
            "price_with_special_offer": None,
            "special_offer_discount": None,
            "special_offer_promocode": None,
            "has_order_promo_free_delivery": False,
            "cpa_commission": {"amount": f"{total * 0.13:.2f}", "is_refunded": False},
            "utm": {"medium": "cpc", "source": "google", "campaign": "spring"} if self.rng.random() < 0.3
            else {"medium": "", "source": "", "campaign": ""},
            "dont_call_customer_back": do_not_call,
            "ps_promotion": None,
            "cancellation": None,
        }
        self.orders[order_id] = order
        return order_id

    def _order_products(self, lines: list[tuple[str, int]]) -> tuple[list[dict[str, Any]], float]:
        products, total = [], 0.0
        for external_id, quantity in lines:
            record = self.products.get(external_id) or self.add_product(external_id, price=100.0)
            line_total = record.price * quantity
            total += line_total
            products.append({
                "id": record.prom_id, "external_id": record.external_id, "name": record.name,
                "name_multilang": {"uk": record.name, "ru": record.name}, "sku": record.sku,
                "price": amount_text(record.price, self.marketplace), "quantity": float(quantity),
                "measure_unit": "шт.", "image": f"https://images.prom.ua/{record.prom_id}_w100_h100.jpg",
                "url": f"https://example.prom.ua/p{record.prom_id}.html",
                "total_price": amount_text(line_total, self.marketplace),
                "cpa_commission": {"amount": f"{line_total * 0.13:.2f}"},
            })
        return products, total

    def _provider(self, option: Mapping[str, Any], city: str) -> dict[str, Any] | None:
        if option.get("type") not in DELIVERY_TYPES:
            return None
        warehouse = f"{self.rng.getrandbits(32):08x}-10b4-11ec-9ebc-b8830365bd14"
        return {"provider": option["type"], "type": "W2W", "sender_warehouse_id": None,
                "recipient_warehouse_id": warehouse, "declaration_number": None, "unified_status": None,
                "recipient_address": {"city_id": None, "city_name": city, "warehouse_id": warehouse,
                                      "street_id": None, "street_name": None, "building_number": None,
                                      "apartment_number": None}}

    def load(self, directory: Path) -> None:
        """Fill the store from a directory of real-format payload files (see the module docstring)."""
        orders_dir = directory / "orders"
        for path in sorted(orders_dir.glob("*.json")) if orders_dir.is_dir() else []:
            for order in self._orders_in(_read(path), path):
                self.orders[int(order["id"])] = order
        products = directory / "products.json"
        if products.is_file():
            document = _read(products)
            items = document.get("products") if isinstance(document, dict) else document
            for item in items or []:
                external_id = str(item.get("external_id") or item.get("id"))
                record = self.add_product(external_id, name=item.get("name"), price=float(item.get("price") or 0),
                                          sku=item.get("sku"), presence=item.get("presence") or "available",
                                          quantity_in_stock=item.get("quantity_in_stock"))
                if item.get("id"):
                    record.prom_id = int(item["id"])
        export = directory / "export.yml"
        if export.is_file():
            self.export_document = export.read_bytes()
        for name, attribute, key in (("delivery_options", "delivery_options", "delivery_options"),
                                     ("payment_options", "payment_options", "payment_options"),
                                     ("order_status_options", "status_options", "order_status_options")):
            path = directory / f"{name}.json"
            if path.is_file():
                document = _read(path)
                setattr(self, attribute, list(document.get(key, []) if isinstance(document, dict) else document))
        if not self.orders and not self.products:
            raise ValidationError(f"{directory}: no Prom payload files found (orders/*.json, products.json)")

    @staticmethod
    def _orders_in(document: Any, path: Path) -> list[dict[str, Any]]:
        if isinstance(document, dict) and isinstance(document.get("orders"), list):
            return list(document["orders"])
        if isinstance(document, dict) and isinstance(document.get("order"), dict):
            return [document["order"]]
        if isinstance(document, dict) and "id" in document:
            return [document]
        if isinstance(document, list):
            return list(document)
        raise ValidationError(f"{path}: not a Prom order document")

    def summary(self) -> dict[str, Any]:
        return {
            "orders": len(self.orders),
            "by_status": {s: sum(1 for o in self.orders.values() if o["status"] == s)
                          for s in sorted({o["status"] for o in self.orders.values()})},
            "products": {k: p.as_product() for k, p in sorted(self.products.items())},
            "waybills": {str(k): o["delivery_provider_data"]["declaration_number"] for k, o in self.orders.items()
                         if isinstance(o.get("delivery_provider_data"), dict)
                         and o["delivery_provider_data"].get("declaration_number")},
        }

    # --- orders ----------------------------------------------------------------------------------

    def order(self, order_id: Any) -> dict[str, Any]:
        try:
            return self.orders[int(order_id)]
        except (KeyError, ValueError):
            raise Refusal(404, f"Order {order_id} not found") from None

    def select(self, args: Mapping[str, str]) -> list[dict[str, Any]]:
        """``GET /orders/list``: filters, newest id first, at most ``limit`` with ids ≤ ``last_id``."""
        limit = _int(args.get("limit"), "limit", MAX_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            raise Refusal(400, f"Parameter limit must be from 1 to {MAX_LIMIT}, got {limit}")
        last_id = _int(args.get("last_id"), "last_id", None) if args.get("last_id") else None
        chosen = [o for o in self._filtered(args) if last_id is None or int(o["id"]) <= last_id]
        if args.get("sort_dir") == "asc":
            chosen.reverse()
        return chosen[:limit]

    def _filtered(self, args: Mapping[str, str]) -> list[dict[str, Any]]:
        """Orders the listing's filters (status, dates) take, newest id first."""
        bounds = [(key, field, parse_filter_time(args[key], key)) for key, field in (
            ("date_from", "date_created"), ("date_to", "date_created"),
            ("last_modified_from", "date_modified"), ("last_modified_to", "date_modified")) if args.get(key)]
        status = args.get("status")
        chosen = []
        for order in sorted(self.orders.values(), key=lambda o: -int(o["id"])):
            if status and order["status"] != status:
                continue
            if not all(self._within(order, key, field, moment) for key, field, moment in bounds):
                continue
            chosen.append(order)
        return chosen

    def order_above(self, args: Mapping[str, str]) -> dict[str, Any] | None:
        """The order with the smallest id above ``last_id`` that the listing's filters take (one the page
        before carried), or None."""
        last_id = _int(args.get("last_id"), "last_id", 0)
        above = [o for o in self._filtered(args) if int(o["id"]) > last_id]
        return above[-1] if above else None

    @staticmethod
    def _within(order: Mapping[str, Any], key: str, field: str, moment: datetime) -> bool:
        value = datetime.fromisoformat(order[field])
        return value >= moment if key.endswith("_from") else value <= moment

    def set_status(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Refusal(400, "The body must be a JSON object")
        status, ids = body.get("status"), body.get("ids")
        if status not in SETTABLE:
            raise Refusal(400, f"Unknown or unsettable status {status!r}")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool)
                                                           for i in ids):
            raise Refusal(400, "ids must be a non-empty list of order ids (numbers)")
        reason, text = body.get("cancellation_reason"), body.get("cancellation_text")
        if status == "canceled":
            if reason not in REASONS:
                raise Refusal(400, f"cancellation_reason is required for canceled, one of {sorted(REASONS)}")
            if reason in REASONS_WITH_TEXT and not (text or "").strip():
                raise Refusal(400, f"cancellation_text is required for cancellation_reason {reason}")
        elif reason is not None:
            raise Refusal(400, "cancellation_reason is accepted for status canceled only")
        processed = []
        for order_id in ids:
            order = self.orders.get(order_id)
            if order is None:
                continue
            order["status"], order["status_name"] = status, STATUS_NAMES[status]
            order["date_modified"] = iso(self.now())
            if status == "canceled":
                order["cancellation"] = {"initiator": "seller", "reason": reason, "title": text or reason}
            processed.append(order_id)
        return {"processed_ids": processed}

    def save_waybill(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Refusal(400, "The body must be a JSON object")
        order_id, number, delivery_type = body.get("order_id"), body.get("declaration_id"), body.get("delivery_type")
        if not isinstance(order_id, int) or not isinstance(number, str) or not number.strip():
            raise Refusal(400, "order_id (a number) and declaration_id (a text) are required")
        if delivery_type not in DELIVERY_TYPES:
            return {"status": "error", "message": f"Unsupported delivery_type {delivery_type!r}"}
        order = self.orders.get(order_id)
        if order is None:
            return {"status": "error", "message": f"Order {order_id} not found"}
        provider = order.get("delivery_provider_data") or {"provider": delivery_type, "type": None}
        provider["declaration_number"] = number.strip()
        provider["provider"] = delivery_type
        order["delivery_provider_data"] = provider
        order["date_modified"] = iso(self.now())
        return {"status": "success"}

    # --- products --------------------------------------------------------------------------------

    def edit_products(self, body: Any) -> dict[str, Any]:
        """``POST /products/edit_by_external_id``: a list of products; each valid one changes, each
        invalid one is named in ``errors``."""
        if not isinstance(body, list):
            raise Refusal(400, "The body must be a list of products")
        if len(body) > MAX_EDIT_ITEMS:
            raise Refusal(400, f"At most {MAX_EDIT_ITEMS} products per request, got {len(body)}")
        processed: list[str] = []
        errors: dict[str, dict[str, str]] = {}
        for item in body:
            external_id = str(item.get("id")) if isinstance(item, dict) and item.get("id") is not None else None
            if external_id is None:
                raise Refusal(400, "Every product needs an id (its external id)")
            record = self.products.get(external_id)
            if record is None:
                errors[external_id] = {"id": "Product with this external_id not found"}
                continue
            problems = _product_problems(item)
            if problems:
                errors[external_id] = problems
                continue
            for key in ("price", "presence", "quantity_in_stock"):
                if key in item:
                    setattr(record, key, item[key])
            if "discount" in item:
                record.discount = item["discount"]
            record.history.append(dict(item))
            processed.append(external_id)
        return {"processed_ids": processed, "errors": errors}


def _product_problems(item: Mapping[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    price = item.get("price")
    if "price" in item and (isinstance(price, bool) or not isinstance(price, int | float) or price <= 0):
        problems["price"] = "Price must be a positive number"
    if "presence" in item and item["presence"] not in PRESENCE:
        problems["presence"] = f"Presence must be one of {sorted(PRESENCE)}"
    quantity = item.get("quantity_in_stock")
    if "quantity_in_stock" in item and (not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0):
        problems["quantity_in_stock"] = "quantity_in_stock must be a whole number ≥ 0"
    discount = item.get("discount")
    if discount is not None and "discount" in item:
        problem = _discount_problem(discount, price)
        if problem:
            problems["discount"] = problem
    return problems


def _discount_problem(discount: Any, price: Any) -> str | None:
    if not isinstance(discount, dict):
        return "discount must be an object or null"
    if discount.get("type") not in ("amount", "percent"):
        return "discount.type must be amount or percent"
    value = discount.get("value")
    if not isinstance(value, int | float) or value <= 0:
        return "discount.value must be a positive number"
    if discount["type"] == "amount" and isinstance(price, int | float) and value >= price:
        return "discount.value must be below the price"
    try:
        start = datetime.strptime(str(discount.get("date_start")), "%d.%m.%Y").date()
        end = datetime.strptime(str(discount.get("date_end")), "%d.%m.%Y").date()
    except ValueError:
        return "discount.date_start and date_end must be dd.mm.yyyy"
    return "discount.date_end must be after date_start" if end <= start else None


def _int(value: str | None, name: str, default: int | None) -> int:
    if value is None:
        if default is None:
            raise Refusal(400, f"Parameter {name} is required")
        return default
    try:
        return int(value)
    except ValueError:
        raise Refusal(400, f"Parameter {name} must be a whole number, got {value!r}") from None


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValidationError(f"{path}: cannot read a JSON payload ({error})") from None


def yml_export(store: PromStore, shop_name: str, currency: str) -> bytes:
    """The company's catalog as Prom exports it (YML): one offer per product."""
    from xml.sax.saxutils import escape, quoteattr

    today = date.today().isoformat()
    offers = []
    for record in store.products.values():
        available = "true" if record.presence == "available" else "false"
        quantity = f"<quantity_in_stock>{record.quantity_in_stock}</quantity_in_stock>" \
            if record.quantity_in_stock is not None else ""
        offers.append(
            f"<offer id={quoteattr(record.external_id)} available=\"{available}\">"
            f"<url>https://example.prom.ua/p{record.prom_id}.html</url><price>{record.price}</price>"
            f"<currencyId>{currency}</currencyId><name>{escape(record.name)}</name>"
            f"<vendorCode>{escape(record.sku)}</vendorCode>{quantity}</offer>")
    document = (f'<?xml version="1.0" encoding="UTF-8"?>\n<yml_catalog date="{today}"><shop>'
                f"<name>{escape(shop_name)}</name><currencies><currency id=\"{currency}\" rate=\"1\"/></currencies>"
                f"<offers>{''.join(offers)}</offers></shop></yml_catalog>")
    return document.encode("utf-8")
