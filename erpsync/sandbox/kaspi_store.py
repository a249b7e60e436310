"""The Kaspi sandbox's data and rules, kept apart from HTTP: orders with their entries, products,
points of service and customers (attributes in Kaspi's own shape), the status rules of seed 004, the
two-step completion code, partial cancels, product imports; realistic generated data, or data loaded
from a directory of real-format payload files.

The rules here are written from seed 004 independently of the connector's enumerations, so the
sandbox checks the connector rather than agreeing with it by construction.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from erpsync.core.errors import ValidationError

# --- the contract (seed 004) ------------------------------------------------------------------------

STATES = ("NEW", "SIGN_REQUIRED", "PICKUP", "DELIVERY", "KASPI_DELIVERY", "ARCHIVE")
# target status → statuses an order may be in ("Описание статусов"); accepting is what a new order
# (APPROVED_BY_BANK, "the merchant must accept it") needs.
RULES = {
    "ACCEPTED_BY_MERCHANT": {"APPROVED_BY_BANK"},
    "COMPLETED": {"ACCEPTED_BY_MERCHANT"},
    "CANCELLED": {"ACCEPTED_BY_MERCHANT", "APPROVED_BY_BANK"},
    "ARRIVED": {"ACCEPTED_BY_MERCHANT"},
    "ARRIVED_BACKWARD": {"CANCELLING", "KASPI_DELIVERY_RETURN_REQUESTED"},
    "ASSEMBLE": {"ACCEPTED_BY_MERCHANT"},
}
REASONS = {"BUYER_CANCELLATION_BY_MERCHANT", "BUYER_NOT_REACHABLE", "MERCHANT_OUT_OF_STOCK"}
WEIGHT_REASONS = REASONS | {"PRODUCT_UNDERWEIGHT"}
MAX_COMMENT = 1000
MAX_WINDOW = timedelta(days=14)  # public clients' finding, see docs/contracts/kaspi.md
MAX_IMPORT_ITEMS = 10000
CATEGORY_CODE = re.compile(r"^Master ?-[a-zA-Z_\s\d-]+$")
IMPORT_STEPS = ("UPLOADED", "PROCESSING", "FINISHED")  # one step per poll of /import?i=


class Refusal(Exception):
    """What Kaspi would answer with an error: an HTTP status and the error title."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def b64(text: str, *, padded: bool = True) -> str:
    encoded = base64.b64encode(text.encode()).decode()
    return encoded if padded else encoded.rstrip("=")


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def money(value: float) -> float:
    return float(round(value, 2))


# --- records ----------------------------------------------------------------------------------------


@dataclass
class OrderRecord:
    id: str
    attributes: dict[str, Any]
    entries: list[str] = field(default_factory=list)
    user: str | None = None
    arrived: bool = False  # ARRIVED was set (pre-order goods at the warehouse)
    cancellation_comment: str | None = None

    @property
    def status(self) -> str:
        return str(self.attributes.get("status"))

    @property
    def code(self) -> str:
        return str(self.attributes.get("code"))


@dataclass
class EntryRecord:
    id: str
    order: str | None
    attributes: dict[str, Any]
    product: str | None = None  # master product id
    point: str | None = None  # point of service id
    product_document: dict[str, Any] | None = None  # a seeded /product answer, served as is


@dataclass
class ProductRecord:
    id: str
    attributes: dict[str, Any]
    merchant: str | None = None


@dataclass
class ImportRecord:
    code: str
    step: int = 0
    items: list[tuple[str, str, list[str]]] = field(default_factory=list)  # sku, state, errors

    @property
    def status(self) -> str:
        return IMPORT_STEPS[self.step]


# --- generated data ---------------------------------------------------------------------------------

# merchant SKU, Kaspi product code, name, category code, category title, price (tenge), unit type, grams
CATALOG = (
    ("NB-A5-48", "103912345", "Тетрадь Hatber А5 48 листов клетка", "Master - Exercise notebooks", "Тетради",
     890, "PIECES", 250),
    ("NB-A4-96", "103912377", "Тетрадь Brauberg А4 96 листов линейка", "Master - Exercise notebooks", "Тетради",
     1490, "PIECES", 480),
    ("BL-PH-700", "108845120", "Блендер Philips HR2600/80 черный", "Master - Blenders", "Блендеры", 24990,
     "PIECES", 1900),
    ("BL-BR-1000", "108845988", "Блендер Braun MQ 5235 белый", "Master - Blenders", "Блендеры", 38990, "PIECES",
     2100),
    ("DVR-70-A800", "109127004", "Видеорегистратор 70mai A800S", "Master - DVRs", "Видеорегистраторы", 52990,
     "PIECES", 400),
    ("HU-PIO-160", "107771520", "Автомагнитола Pioneer MVH-S120UB", "Master - Head units", "Автомагнитолы",
     21990, "PIECES", 900),
    ("APL-PL-1KG", "103403297", "Фруктовик яблоко черный принц Польша 1 кг", "Master - Fruits", "Фрукты", 1560,
     "MEASURABLE_PIECES", 1000),
    ("VC-SONY-AX43", "110245007", "Видеокамера Sony FDR-AX43 черный", "Master - Video cameras", "Видеокамеры",
     329990, "PIECES", 800),
)
CUSTOMERS = (
    ("Айгерим", "Садыкова", "7017654321"), ("Ержан", "Касымов", "7772345678"), ("Иван", "Петров", "7051234567"),
    ("Дина", "Нурланова", "7029876543"), ("Асель", "Жумабаева", "7475551212"), ("Нурлан", "Абенов", "7013332211"),
    ("Ольга", "Ким", "7087770011"), ("Тимур", "Ахметов", "7761112233"),
)
ADDRESSES = (
    ("Алматы", "улица Наурызбай батыра", "154А", 43.240013, 76.938854),
    ("Алматы", "проспект Абая", "150", 43.239925, 76.879412),
    ("Астана", "проспект Мангилик Ел", "55/20", 51.089203, 71.415633),
    ("Шымкент", "улица Байтурсынова", "12", 42.317211, 69.586901),
)
POINTS = (
    ("PP1", "г. Алматы", "улица Каныша Сатпаева", "22/1", 43.23662559520485, 76.93337309399296, "750000000"),
    ("PP2", "г. Астана", "проспект Республики", "24", 51.1605227, 71.4703558, "710000000"),
)


def _load_package_json(name: str) -> Any:
    return json.loads(resources.files("erpsync.sandbox").joinpath("data", "kaspi", name).read_text("utf-8"))


class KaspiStore:
    """Everything the Kaspi sandbox knows; callers hold the sandbox lock."""

    def __init__(self, rng: random.Random, now: Callable[[], datetime], announce: Callable[[str], None]) -> None:
        self.rng = rng
        self.now = now
        self.announce = announce
        self.orders: dict[str, OrderRecord] = {}
        self.entries: dict[str, EntryRecord] = {}
        self.products: dict[str, ProductRecord] = {}
        self.merchant_products: dict[str, dict[str, Any]] = {}
        self.points: dict[str, dict[str, Any]] = {}  # id → attributes (address, displayName)
        self.customers: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, str] = {}  # order id → the completion code "sent" to the buyer
        self.imports: dict[str, ImportRecord] = {}
        classification = _load_package_json("classification.json")
        self.categories: list[dict[str, Any]] = classification["categories"]
        self.attributes: dict[str, list[dict[str, Any]]] = classification["attributes"]
        self.values: dict[str, dict[str, list[dict[str, Any]]]] = classification["values"]
        self.schema: dict[str, Any] = _load_package_json("import_schema.json")
        self._operations = itertools.count(1)

    # --- building data ---------------------------------------------------------------------------

    def add_point(self, name: str, town: str, street: str, number: str, lat: float, lon: float) -> str:
        point_id = b64(f"merchant_{name}", padded=False)
        self.points[point_id] = {
            "address": {
                "streetName": street, "streetNumber": number, "town": town, "district": None, "building": None,
                "apartment": None, "formattedAddress": f"{town}, {street}, {number}", "latitude": lat, "longitude": lon,
            },
            "displayName": name,
        }
        return point_id

    def add_product(self, sku: str, kaspi_code: str, name: str, category_title: str) -> str:
        master_id = b64(f"master-{kaspi_code}", padded=False)
        merchant_id = b64(f"merchant-{sku}", padded=False)
        self.merchant_products[merchant_id] = {"code": sku, "name": name}
        self.products[master_id] = ProductRecord(
            master_id, {"code": kaspi_code, "name": name, "category": category_title}, merchant=merchant_id
        )
        return master_id

    def add_customer(self, first: str, last: str, phone: str) -> str:
        customer_id = b64(phone, padded=False)
        self.customers[customer_id] = {"firstName": first, "lastName": last, "cellPhone": phone}
        return customer_id

    def add_order(
        self,
        *,
        code: str | None = None,
        order_id: str | None = None,
        status: str = "APPROVED_BY_BANK",
        state: str | None = None,
        created: datetime | None = None,
        kaspi_delivery: bool = False,
        delivery_mode: str | None = None,
        pre_order: bool = False,
        payment_mode: str = "PAY_WITH_CREDIT",
        customer: int | None = None,
        lines: Sequence[tuple[int | str, int]] = ((0, 1),),
        point: str = "PP1",
    ) -> str:
        """Add an order in Kaspi's shape; ``lines`` are (catalog index or merchant SKU, quantity)."""
        code = code or str(self.rng.randint(500_000_000, 899_999_999))
        order_id = order_id or b64(code)
        if order_id in self.orders:
            raise ValidationError(f"the sandbox has an order {order_id} already")
        created = created or self.now() - timedelta(minutes=self.rng.randint(5, 600))
        mode = delivery_mode or ("DELIVERY_LOCAL" if kaspi_delivery else "DELIVERY_PICKUP")
        first, last, phone = CUSTOMERS[customer if customer is not None else self.rng.randrange(len(CUSTOMERS))]
        customer_id = self.add_customer(first, last, phone)
        point_id = self._point_id(point)
        attributes = self._order_attributes(code, created, kaspi_delivery, mode, payment_mode)
        attributes.update({
            "signatureRequired": False,
            "creditTerm": 3 if payment_mode == "PAY_WITH_CREDIT" else None,
            "preOrder": pre_order,
            "pickupPointId": f"merchant_{self.points[point_id]['displayName']}",
            "state": state or self._state_for(status, kaspi_delivery, mode),
            "approvedByBankDate": ms(created + timedelta(seconds=5)),
            "status": status,
            "customer": {"id": customer_id, "name": None, "cellPhone": phone, "firstName": first, "lastName": last},
            "deliveryCost": 0.0,
        })
        if kaspi_delivery:
            attributes["kaspiDelivery"] = {
                "waybill": None, "courierTransmissionDate": None,
                "courierTransmissionPlanningDate": ms(created + timedelta(days=1)),
                "waybillNumber": None, "express": False, "returnedToWarehouse": False, "firstMileCourier": None,
            }
            attributes["assembled"] = False
        record = OrderRecord(order_id, attributes, user=customer_id)
        self.orders[order_id] = record
        for number, (product, quantity) in enumerate(lines):
            self._add_entry(record, number, product, quantity, point_id)
        self._retotal(record)
        return order_id

    def _order_attributes(
        self, code: str, created: datetime, kaspi_delivery: bool, mode: str, payment_mode: str
    ) -> dict[str, Any]:
        """The first attributes of an order, in the order Kaspi sends them (delivery address included)."""
        attributes: dict[str, Any] = {
            "code": code,
            "totalPrice": 0.0,
            "paymentMode": payment_mode,
            "plannedDeliveryDate": ms(created + timedelta(days=2)),
            "creationDate": ms(created),
            "deliveryCostForSeller": 895.0 if kaspi_delivery else 0.0,
            "isKaspiDelivery": kaspi_delivery,
            "deliveryMode": mode,
        }
        if mode != "DELIVERY_PICKUP":
            town, street, number, lat, lon = ADDRESSES[self.rng.randrange(len(ADDRESSES))]
            attributes["deliveryAddress"] = {
                "streetName": street, "streetNumber": number, "town": town, "district": None, "building": None,
                "apartment": str(self.rng.randint(1, 120)) if self.rng.random() < 0.5 else None,
                "formattedAddress": f"{town}, {street}, {number}", "latitude": lat, "longitude": lon,
            }
        return attributes

    def _point_id(self, name: str) -> str:
        for point_id, point in self.points.items():
            if point.get("displayName") == name:
                return point_id
        for spec in POINTS:
            if spec[0] == name:
                return self.add_point(*spec[:6])
        raise ValidationError(f"the sandbox has no point of service {name!r}")

    def _catalog_item(self, product: int | str) -> tuple[Any, ...]:
        if isinstance(product, int):
            return CATALOG[product % len(CATALOG)]
        for item in CATALOG:
            if item[0] == product:
                return item
        raise ValidationError(f"the sandbox catalog has no SKU {product!r}")

    def _add_entry(self, order: OrderRecord, number: int, product: int | str, quantity: int, point_id: str) -> None:
        sku, kaspi_code, name, category_code, category_title, price, unit_type, grams = self._catalog_item(product)
        master_id = self.add_product(sku, kaspi_code, name, category_title)
        entry_id = b64(f"{order.code}##{number}", padded=False)
        self.entries[entry_id] = EntryRecord(
            entry_id,
            order.id,
            {
                "unitType": unit_type,
                "quantity": quantity,
                "totalPrice": money(price * quantity),
                "weight": float(grams * quantity),
                "entryNumber": number,
                "category": {"code": category_code, "title": category_title},
                "deliveryCost": 0.0,
                "basePrice": float(price),
            },
            product=master_id,
            point=point_id,
        )
        if unit_type != "PIECES":
            self.entries[entry_id].attributes["minAllowedWeight"] = float(grams * quantity * 0.8)
        order.entries.append(entry_id)

    @staticmethod
    def _state_for(status: str, kaspi_delivery: bool, mode: str) -> str:
        if status == "APPROVED_BY_BANK":
            return "NEW"
        if status in ("COMPLETED", "CANCELLED", "RETURNED"):
            return "ARCHIVE"
        if kaspi_delivery:
            return "KASPI_DELIVERY"
        return "PICKUP" if mode == "DELIVERY_PICKUP" else "DELIVERY"

    def _retotal(self, order: OrderRecord) -> None:
        order.attributes["totalPrice"] = money(sum(self.entries[e].attributes["totalPrice"] for e in order.entries))

    def generate(self, count: int) -> None:
        """``count`` realistic orders created over the last 20 days, in every state."""
        for spec in POINTS:
            self.add_point(*spec[:6])
        plan = (
            ("APPROVED_BY_BANK", True, False), ("APPROVED_BY_BANK", False, False),
            ("ACCEPTED_BY_MERCHANT", True, False), ("ACCEPTED_BY_MERCHANT", False, False),
            ("ACCEPTED_BY_MERCHANT", False, True), ("COMPLETED", False, False), ("COMPLETED", True, False),
            ("CANCELLED", False, False), ("CANCELLING", True, False), ("KASPI_DELIVERY_RETURN_REQUESTED", True, False),
        )
        now = self.now()
        for index in range(count):
            status, kaspi_delivery, pre_order = plan[index % len(plan)]
            oldest = 2 * 24 * 60 if status == "APPROVED_BY_BANK" else 20 * 24 * 60
            minutes = self.rng.randint(5, oldest)
            lines = [(self.rng.randrange(len(CATALOG)), self.rng.randint(1, 3)) for _ in range(self.rng.randint(1, 3))]
            mode = None if kaspi_delivery or self.rng.random() < 0.6 else "DELIVERY_LOCAL"
            self.add_order(
                status=status, created=now - timedelta(minutes=minutes), kaspi_delivery=kaspi_delivery,
                delivery_mode=mode, pre_order=pre_order, lines=lines,
                payment_mode="PREPAID" if self.rng.random() < 0.4 else "PAY_WITH_CREDIT",
                point=POINTS[index % len(POINTS)][0],
            )

    # --- queries ---------------------------------------------------------------------------------

    def order(self, order_id: str) -> OrderRecord:
        record = self.orders.get(order_id)
        if record is None:
            raise Refusal(404, f"Order {order_id} is not found")
        return record

    def entry(self, entry_id: str) -> EntryRecord:
        record = self.entries.get(entry_id)
        if record is None:
            raise Refusal(404, f"Order entry {entry_id} is not found")
        return record

    def select_orders(self, filters: Mapping[str, str]) -> list[OrderRecord]:
        """Orders matching ``filter[orders][…]`` values (keys without the prefix), oldest first."""
        def keep(order: OrderRecord) -> bool:
            a = order.attributes
            created = a.get("creationDate") or 0
            checks = (
                ("code", lambda v: a.get("code") == v),
                ("state", lambda v: a.get("state") == v),
                ("status", lambda v: a.get("status") == v),
                ("creationDate][$ge", lambda v: created >= int(v)),
                ("creationDate][$le", lambda v: created <= int(v)),
                ("deliveryType", lambda v: (a.get("deliveryMode") == "DELIVERY_PICKUP") == (v == "PICKUP")),
                ("signatureRequired", lambda v: bool(a.get("signatureRequired")) == (v.lower() == "true")),
            )
            return all(check(filters[key]) for key, check in checks if filters.get(key) is not None)

        return sorted((o for o in self.orders.values() if keep(o)), key=lambda o: o.attributes.get("creationDate") or 0)

    # --- status changes --------------------------------------------------------------------------

    def change_status(
        self, order_id: str, attributes: Mapping[str, Any], security_code: str | None, send_code: str | None
    ) -> dict[str, Any]:
        """Apply a ``POST /orders``; returns the attributes to echo. Refuses what Kaspi refuses."""
        order = self.order(order_id)
        target = attributes.get("status")
        if target not in RULES:
            raise Refusal(400, f"Status {target} cannot be set through the API")
        if attributes.get("code") is not None and str(attributes["code"]) != order.code:
            raise Refusal(400, f"Order code {attributes['code']} does not match order {order_id}")
        if target == "COMPLETED" and order.status == "CANCELLED":
            raise Refusal(400, "Order is cancelled, so it can't be completed.")
        if target == "COMPLETED" and order.status == "COMPLETED":
            raise Refusal(400, "Order already has been completed, so it can't be completed again.")
        if order.status not in RULES[target]:
            allowed = ", ".join(sorted(RULES[target]))
            raise Refusal(400, f"Order {order.code} is {order.status}; {target} is allowed only from {allowed}")
        echo = {k: attributes[k] for k in ("code",) if attributes.get(k) is not None}
        handler = getattr(self, f"_to_{target.lower()}")
        return {**echo, "status": target, **(handler(order, attributes, security_code, send_code) or {})}

    def _to_accepted_by_merchant(self, order: OrderRecord, *_: Any) -> None:
        a = order.attributes
        a["status"] = "ACCEPTED_BY_MERCHANT"
        a["state"] = self._state_for("ACCEPTED_BY_MERCHANT", bool(a.get("isKaspiDelivery")), a.get("deliveryMode", ""))

    def _to_cancelled(self, order: OrderRecord, attributes: Mapping[str, Any], *_: Any) -> dict[str, Any]:
        reason = attributes.get("cancellationReason")
        if reason not in REASONS:
            raise Refusal(400, f"cancellationReason must be one of {', '.join(sorted(REASONS))}")
        comment = attributes.get("cancellationComment")
        if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
            raise Refusal(400, f"cancellationComment must be a text of at most {MAX_COMMENT} characters")
        order.attributes.update(status="CANCELLED", state="ARCHIVE", cancellationReason=reason)
        order.cancellation_comment = comment
        self.codes.pop(order.id, None)
        return {"cancellationReason": reason}

    def _to_completed(self, order: OrderRecord, _a: Any, security_code: str | None, send_code: str | None) -> Any:
        if (send_code or "").lower() != "true":
            raise Refusal(400, "X-Send-Code: true is required to complete an order")
        if not security_code:
            code = f"{self.rng.randint(0, 9999):04d}"
            self.codes[order.id] = code
            self.announce(f"kaspi sandbox: SMS code {code} sent to the buyer of order {order.code} (id {order.id})")
            return {"status": order.status}  # nothing changes until the buyer's code comes back
        if self.codes.get(order.id) != security_code.strip():
            raise Refusal(400, "Security code is not valid. And the order cannot be completed without it")
        del self.codes[order.id]
        order.attributes.update(status="COMPLETED", state="ARCHIVE")
        return None

    def _to_assemble(self, order: OrderRecord, attributes: Mapping[str, Any], *_: Any) -> dict[str, Any]:
        a = order.attributes
        if a.get("state") != "KASPI_DELIVERY":
            raise Refusal(400, "ASSEMBLE is available only for Kaspi Delivery orders")
        if a.get("assembled"):
            raise Refusal(400, f"Order {order.code} is assembled already")
        raw = attributes.get("numberOfSpace")
        places = int(raw) if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()) else 0
        if places < 1:
            raise Refusal(400, "numberOfSpace must be a positive whole number")
        waybill_number = str(self.rng.randint(100_000_000, 199_999_999))
        a["assembled"] = True
        a["numberOfSpace"] = places
        delivery = a.setdefault("kaspiDelivery", {})
        delivery["waybillNumber"] = waybill_number
        delivery["waybill"] = f"https://kaspi.kz/shop/api/waybill/{waybill_number}.pdf"
        return {"numberOfSpace": places}

    def _to_arrived(self, order: OrderRecord, *_: Any) -> None:
        if not order.attributes.get("preOrder"):
            raise Refusal(400, "ARRIVED is available only for pre-ordered goods")
        order.arrived = True

    def _to_arrived_backward(self, order: OrderRecord, *_: Any) -> None:
        final = "CANCELLED" if order.status == "CANCELLING" else "RETURNED"
        order.attributes.update(status=final, state="ARCHIVE")
        order.attributes.setdefault("kaspiDelivery", {})["returnedToWarehouse"] = True

    # --- partial cancel and weight change --------------------------------------------------------

    def _changeable(self, order: OrderRecord) -> None:
        if order.status not in ("APPROVED_BY_BANK", "ACCEPTED_BY_MERCHANT"):
            raise Refusal(400, f"Order {order.code} is {order.status}; its entries cannot be changed")

    def cancel_entry(self, entry_id: str, remained: Any, reason: Any) -> tuple[str, dict[str, Any]]:
        """``POST /orderEntryCancelOperation``: the entry keeps ``remained`` pieces."""
        entry = self.entry(entry_id)
        order = self.order(entry.order or "")
        self._changeable(order)
        if reason not in REASONS:
            raise Refusal(400, f"reason must be one of {', '.join(sorted(REASONS))}")
        quantity = entry.attributes["quantity"]
        if not isinstance(remained, int) or isinstance(remained, bool) or not 0 <= remained < quantity:
            raise Refusal(400, f"remainedQuantity must be a whole number from 0 to {quantity - 1}")
        weight = entry.attributes.get("weight") or 0.0
        entry.attributes["weight"] = float(weight * remained / quantity)
        entry.attributes["quantity"] = remained
        entry.attributes["totalPrice"] = money(entry.attributes["basePrice"] * remained)
        self._drop_empty(order, entry)
        return b64(f"cancel-{next(self._operations)}", padded=False), {
            "remainedWeight": entry.attributes["weight"], "remainedQuantity": remained, "status": "INPROGRESS",
        }

    def partial_cancel(self, order_id: str, items: Any) -> list[dict[str, Any]]:
        """``PUT /shop/api/orderPartialCancel/{orderId}``: new quantities and weights of entries."""
        order = self.order(order_id)
        self._changeable(order)
        if not isinstance(items, list) or not items:
            raise Refusal(400, "The body must be a non-empty list of entries")
        changes = [self._weight_change(order, index, item) for index, item in enumerate(items)]
        answers = []
        for entry, quantity, weight, reason, notes in changes:
            unit_price = entry.attributes["totalPrice"] / (entry.attributes.get("weight") or 1.0)
            weighed = entry.attributes.get("unitType") != "PIECES" and entry.attributes.get("weight")
            entry.attributes["totalPrice"] = money(unit_price * weight if weighed else
                                                   entry.attributes["basePrice"] * quantity)
            entry.attributes.update(quantity=quantity, weight=float(weight))
            self._drop_empty(order, entry)
            answers.append({
                "id": b64(f"partial-{next(self._operations)}", padded=False), "notes": notes,
                "entry": {"id": entry.id}, "remainedQuantity": quantity, "remainedWeight": float(weight),
                "reason": reason,
            })
        return answers

    def _weight_change(self, order: OrderRecord, index: int, item: Any) -> tuple[EntryRecord, int, float, str, Any]:
        where = f"item {index}"
        if not isinstance(item, dict) or not isinstance(item.get("entry"), dict):
            raise Refusal(400, f"{where}: entry.id is required")
        entry = self.entry(str(item["entry"].get("id")))
        if entry.order != order.id:
            raise Refusal(400, f"{where}: entry {entry.id} is not in order {order.id}")
        quantity, weight = item.get("remainedQuantity"), item.get("remainedWeight", entry.attributes.get("weight"))
        whole = isinstance(quantity, int) and not isinstance(quantity, bool)
        if not whole or not 0 <= quantity <= entry.attributes["quantity"]:
            raise Refusal(400, f"{where}: remainedQuantity must be from 0 to {entry.attributes['quantity']}")
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise Refusal(400, f"{where}: remainedWeight must be a number ≥ 0")
        if item.get("reason") not in WEIGHT_REASONS:
            raise Refusal(400, f"{where}: reason must be one of {', '.join(sorted(WEIGHT_REASONS))}")
        return entry, quantity, float(weight), item["reason"], item.get("notes")

    def _drop_empty(self, order: OrderRecord, entry: EntryRecord) -> None:
        weighed_out = entry.attributes.get("weight") == 0.0 and entry.attributes.get("unitType") != "PIECES"
        if entry.attributes["quantity"] == 0 or weighed_out:
            order.entries = [e for e in order.entries if e != entry.id]
        self._retotal(order)

    # --- product import --------------------------------------------------------------------------

    def import_products(self, products: Any) -> ImportRecord:
        if not isinstance(products, list):
            raise Refusal(400, "The import must be a JSON array of products")
        if not 1 <= len(products) <= MAX_IMPORT_ITEMS:
            raise Refusal(400, f"An import takes 1 to {MAX_IMPORT_ITEMS} products")
        record = ImportRecord(code=f"import-{self.rng.getrandbits(40):010x}")
        for index, product in enumerate(products):
            problems = self._product_problems(product)
            sku = str(product.get("sku")) if isinstance(product, dict) and product.get("sku") else f"#{index}"
            record.items.append((sku, "ERROR" if problems else "FINISHED", problems))
        self.imports[record.code] = record
        return record

    def poll_import(self, code: str) -> ImportRecord:
        record = self.imports.get(code)
        if record is None:
            raise Refusal(404, f"Import {code} is not found")
        record.step = min(record.step + 1, len(IMPORT_STEPS) - 1)
        return record

    def import_result(self, code: str) -> dict[str, Any]:
        record = self.imports.get(code)
        if record is None:
            raise Refusal(404, f"Import {code} is not found")
        if record.status != "FINISHED":
            return {"errors": 0, "warnings": 0, "skipped": 0, "total": len(record.items), "result": {}}
        result: dict[str, Any] = {}
        for sku, state, problems in record.items:
            result[sku] = {"state": state, **({"errors": problems} if problems else {})}
        errors = sum(1 for _, state, _ in record.items if state == "ERROR")
        return {"errors": errors, "warnings": 0, "skipped": 0, "total": len(record.items), "result": result}

    def _product_problems(self, product: Any) -> list[str]:
        if not isinstance(product, dict):
            return ["a product must be an object"]
        known = set(self.schema["items"]["properties"])
        problems = [f"unknown field {key}" for key in product if key not in known]
        problems += [f"{key} is required" for key in self.schema["items"]["required"] if not product.get(key)]
        for key, limit in (("sku", 64), ("title", 1024), ("brand", 256), ("description", 1024)):
            if product.get(key) is not None and (not isinstance(product[key], str) or len(product[key]) > limit):
                problems.append(f"{key} must be a text of at most {limit} characters")
        category = product.get("category")
        if isinstance(category, str) and CATEGORY_CODE.match(category):
            if category in {c["code"] for c in self.categories}:
                problems += self._attribute_problems(category, product.get("attributes"))
            else:
                problems.append(f"category {category!r} is unknown")
        elif category:
            problems.append(f"category {category!r} is not a category code")
        images = product.get("images")
        if not isinstance(images, list) or not images or not all(
            isinstance(i, dict) and str(i.get("url", "")).startswith(("http://", "https://")) for i in images
        ):
            problems.append("images must be a non-empty list of {url: http(s) URL}")
        return problems

    def _attribute_problems(self, category: str, attributes: Any) -> list[str]:
        if not isinstance(attributes, list) or not attributes:
            return ["attributes must be a non-empty list"]
        specs = {a["code"]: a for a in self.attributes.get(category, [])}
        given = {a.get("code"): a.get("value") for a in attributes if isinstance(a, dict)}
        problems = [f"mandatory attribute {code} is missing" for code, spec in specs.items()
                    if spec.get("mandatory") and code not in given]
        for code, value in given.items():
            spec = specs.get(code)
            if spec is None:
                problems.append(f"attribute {code} does not belong to {category}")
                continue
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and not spec.get("multiValued"):
                problems.append(f"attribute {code} takes one value")
            allowed = {v["code"] for v in self.values.get(category, {}).get(code, [])}
            for item in values:
                problems += self._value_problem(code, spec.get("type"), item, allowed)
        return problems

    @staticmethod
    def _value_problem(code: str, kind: str | None, value: Any, allowed: set[str]) -> list[str]:
        if kind == "boolean" and not isinstance(value, bool):
            return [f"attribute {code} takes true or false"]
        if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
            try:
                float(value)
            except (TypeError, ValueError):
                return [f"attribute {code} takes a number"]
        if kind == "enum" and allowed and value not in allowed:
            return [f"attribute {code}: {value!r} is not an allowed value"]
        return []

    # --- seeding from files ----------------------------------------------------------------------

    def load(self, directory: Path) -> None:
        """Load a directory whose files mirror the request paths (see the module of the sandbox)."""
        if not directory.is_dir():
            raise ValidationError(f"seed directory {directory} does not exist")
        for path in sorted((directory / "pointofservices").glob("*.json")):
            self._seed_point(_read(path), path)
        for path in sorted((directory / "orders").glob("*.json")):
            self._seed_orders(_read(path), path)
        for path in sorted((directory / "orders").glob("*/entries.json")):
            self._seed_entries(path.parent.name, _read(path), path)
        for path in sorted((directory / "orderentries").glob("*/*.json")):
            self._seed_entry_part(path.parent.name, path.stem, _read(path), path)
        for path in sorted((directory / "masterproducts").glob("*/merchantProduct.json")):
            data = _read(path).get("data")
            record = self.products.setdefault(path.parent.name, ProductRecord(path.parent.name, {}))
            if isinstance(data, dict):
                self.merchant_products[str(data.get("id"))] = dict(data.get("attributes") or {})
                record.merchant = str(data.get("id"))
        self._seed_classification(directory / "products" / "classification")

    def _seed_point(self, document: Any, path: Path) -> str:
        data = _data(document, path)
        self.points[str(data.get("id"))] = dict(data.get("attributes") or {})
        return str(data.get("id"))

    def _seed_orders(self, document: Any, path: Path) -> None:
        body = document if isinstance(document, dict) else {}
        data = body.get("data")
        resources_ = data if isinstance(data, list) else [data]
        included = [r for r in body.get("included") or [] if isinstance(r, dict)]
        for resource in resources_:
            if not isinstance(resource, dict) or not resource.get("id"):
                raise ValidationError(f"{path}: every order needs an id")
            attributes = dict(resource.get("attributes") or {})
            for key in ("code", "status", "creationDate"):
                if attributes.get(key) is None:
                    raise ValidationError(f"{path}: order {resource['id']} has no {key}")
            attributes.setdefault("state", self._state_for(
                attributes["status"], bool(attributes.get("isKaspiDelivery")), attributes.get("deliveryMode", "")))
            user = (resource.get("relationships") or {}).get("user", {}).get("data")
            user_id = user.get("id") if isinstance(user, dict) else None
            record = OrderRecord(str(resource["id"]), attributes, user=user_id)
            self.orders[record.id] = record
            linked = (resource.get("relationships") or {}).get("entries", {}).get("data") or []
            for link in linked:
                entry = next((r for r in included if r.get("type") == "orderentries" and r.get("id") == link.get("id")),
                             None)
                if entry is not None:
                    self._seed_entry(record.id, entry)
        for resource in included:
            if resource.get("type") == "customers":
                self.customers[str(resource.get("id"))] = dict(resource.get("attributes") or {})

    def _seed_entries(self, order_id: str, document: Any, path: Path) -> None:
        if order_id not in self.orders:
            raise ValidationError(f"{path}: there is no order {order_id} in the seed's orders/*.json")
        for resource in _data(document, path, many=True):
            self._seed_entry(order_id, resource)

    def _seed_entry(self, order_id: str, resource: Mapping[str, Any]) -> None:
        relationships = resource.get("relationships") or {}

        def linked(name: str) -> str | None:
            data = (relationships.get(name) or {}).get("data")
            return str(data["id"]) if isinstance(data, dict) and data.get("id") else None

        entry = EntryRecord(str(resource.get("id")), order_id, dict(resource.get("attributes") or {}),
                            product=linked("product"), point=linked("deliveryPointOfService"))
        self.entries[entry.id] = entry
        order = self.orders[order_id]
        if entry.id not in order.entries:
            order.entries.append(entry.id)

    def _seed_entry_part(self, entry_id: str, part: str, document: Any, path: Path) -> None:
        entry = self.entries.get(entry_id)
        if entry is None:
            raise ValidationError(f"{path}: there is no entry {entry_id} in the seed's orders/*/entries.json")
        if part == "product":
            data = _data(document, path)
            self.products.setdefault(str(data.get("id")), ProductRecord(str(data.get("id")), {}))
            self.products[str(data["id"])].attributes = dict(data.get("attributes") or {})
            entry.product_document = document
        elif part == "deliveryPointOfService":
            entry.point = self._seed_point(document, path)
        else:
            raise ValidationError(f"{path}: unknown entry file {part}.json (product.json, deliveryPointOfService.json)")

    def _seed_classification(self, folder: Path) -> None:
        if (folder / "categories.json").exists():
            self.categories = _read(folder / "categories.json")
        if (folder / "attributes.json").exists():
            self.attributes = _read(folder / "attributes.json")
        if (folder / "attribute_values.json").exists():
            self.values = _read(folder / "attribute_values.json")

    def summary(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for order in self.orders.values():
            statuses[order.status] = statuses.get(order.status, 0) + 1
        return {
            "orders": len(self.orders),
            "statuses": statuses,
            "pending_codes": len(self.codes),
            "imports": {code: record.status for code, record in self.imports.items()},
        }


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from None


def _data(document: Any, path: Path, *, many: bool = False) -> Any:
    data = document.get("data") if isinstance(document, dict) else None
    if many and isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    if not many and isinstance(data, dict):
        return data
    raise ValidationError(f"{path}: expected a JSON:API document with {'a list' if many else 'an object'} in data")


def pages(total: int, size: int) -> int:
    return math.ceil(total / size) if total else 0
