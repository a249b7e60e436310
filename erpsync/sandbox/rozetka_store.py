"""The Rozetka sandbox's data and rules, kept apart from HTTP: the seller's login and its sessions,
orders in Rozetka's own shape (base fields, and the ``expand`` ones served on demand), the statuses an
order may move to, items with their prices and stock, and what Rozetka refuses — written from the Seller
API documentation independently of the connector, so the sandbox checks the connector.

Data is generated (realistic orders of the last days and a few items) or loaded from a directory of
real-format payload files: ``orders/*.json`` (an ``orders/search`` answer, an ``orders/{id}`` answer or a
bare order), ``items.json`` (a ``goods/all`` answer or a list of items) and ``order_statuses.json``.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from erpsync.core.errors import ValidationError

KYIV = ZoneInfo("Europe/Kyiv")
PER_PAGE = 20

# --- the contract -----------------------------------------------------------------------------------

STATUS_NAMES = {
    1: "Нове замовлення", 2: "Комплектується. Дані підтверджені", 3: "Передано в службу доставки",
    4: "Доставляється", 5: "Очікує в пункті самовивозу", 6: "Замовлення виконано", 11: "Не прийшов за замовленням",
    12: "Відмова при отриманні", 17: "Не влаштовують умови оплати", 18: "Не вдалося зв'язатися",
    26: "Опрацьовується менеджером", 28: "Неправильні контактні дані", 29: "Ціна змінилася",
    33: "Умови доставки не влаштовують", 37: "Передоплата не влаштовує", 38: "Не влаштовує товар",
    40: "Клієнт передумав", 42: "Немає в наявності", 43: "Брак", 47: "Планується повторний дзвінок",
    49: "Скасування. Дубль замовлення", 55: "Очікує отримання оплати", 61: "Заплановано передачу перевізникові",
}
SUCCESS = {6}
PROCESSING = {1, 2, 3, 4, 5, 26, 27, 46, 47, 48, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67,
              69, 73, 74, 76, 78, 79, 80}
DELIVERING = {3, 4, 5, 57, 58, 59, 60, 62, 63, 64, 65, 67, 69, 73, 74, 76, 78}
CANCELLATIONS = [18, 28, 29, 17, 33, 37, 38, 40, 42, 43, 49]
# what a seller may move an order to, from its status ("status_available")
FLOW: dict[int, list[int]] = {
    1: [26, 47, 2, 61, *CANCELLATIONS],
    47: [26, 2, 61, *CANCELLATIONS],
    26: [2, 47, 55, 61, 3, *CANCELLATIONS],
    55: [26, 2, 61, *CANCELLATIONS],
    2: [61, 3, 26, *CANCELLATIONS],
    61: [3],
    3: [4],
    4: [5, 6],
    5: [6, 11],
}
NEEDS_TTN = {3, 61}
ERRORS = {  # documented codes (AboutAPI)
    "required_parameter": 1001, "incorrect_data_format": 1002, "check_correctness_of_data": 1005,
    "incorrect_username_pasword": 1020, "entity_not_found": 1019, "invalid_credentials": 5401,
}


class Refusal(Exception):
    """A ``success: false`` answer: the HTTP status, Rozetka's error name and code, a description."""

    def __init__(self, message: str, description: str, status: int = 200, details: Any = None) -> None:
        super().__init__(description)
        self.status = status
        self.body: dict[str, Any] = {"success": False, "errors": {
            "message": message, "code": ERRORS.get(message, 0), "description": description, "details": details}}


def status_group(status: int) -> int:
    return 2 if status in SUCCESS else 1 if status in PROCESSING else 3


def kyiv(moment: datetime) -> str:
    return moment.astimezone(KYIV).strftime("%Y-%m-%d %H:%M:%S")


def parse_kyiv(value: str, name: str) -> datetime:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=KYIV)
        except ValueError:
            continue
    raise Refusal("incorrect_data_format", f"{name}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, got {value!r}")


# --- generated data ---------------------------------------------------------------------------------

FIRST = ["Юлія", "Василь", "Оксана", "Дмитро", "Софія", "Максим", "Анна", "Ігор"]
LAST = ["Шевченко", "Василенко", "Кравченко", "Бойко", "Павленко", "Руденко", "Мороз", "Лисенко"]
SECOND = ["Петрівна", "Іванович", "Олегівна", "Андрійович"]
CITIES = [("Київ", 1), ("Львів", 2), ("Одеса", 3), ("Дніпро", 4)]
ITEMS = [
    (344560030, "7372", "Масляний фільтр UFI (2348400)", 450.0),
    (38221768, "12106", "Феномен Інстаграму. Як розкрутити свій акаунт", 195.0),
    (38225280, "2972", "C++ для чайників, 7-е видання", 413.0),
    (57518763, "18629", "Маленькі історії про великих людей. Чарлз Дарвін", 210.0),
]
EXPAND_FIELDS = {
    "user", "delivery", "delivery_service", "purchases", "status_data", "status_available", "status_payment",
    "payment_type", "payment_type_name", "payment_type_title", "payment_method_id", "is_payed", "credit_status",
    "credit_broker", "is_promo", "order_status_history", "chatUser", "chatMessages",
}


@dataclass
class ItemRecord:
    rz_item_id: int
    price_offer_id: str
    name: str
    price: float
    price_old: float | None = None
    stock_quantity: int = 0
    quarantine_price: float | None = None  # a price jump Rozetka holds for a manager to approve
    history: list[dict[str, Any]] = field(default_factory=list)

    def as_item(self) -> dict[str, Any]:
        return {"rz_item_id": self.rz_item_id, "price_offer_id": self.price_offer_id, "name": self.name,
                "price": self.price, "price_old": self.price_old, "stock_quantity": self.stock_quantity,
                "quarantine_price": self.quarantine_price}


class RozetkaStore:
    """The seller's sessions, orders and items."""

    def __init__(self, rng: random.Random, now: Callable[[], datetime], username: str, password: str) -> None:
        self.rng = rng
        self.now = now
        self.username = username
        self.password = password
        self.tokens: set[str] = set()
        self.tokens_refused = False  # logins work but no token is accepted (API access withdrawn)
        self.logins = 0
        self.orders: dict[int, dict[str, Any]] = {}
        self.items: dict[int, ItemRecord] = {}
        self.statuses = [{"id": k, "name": v, "name_uk": v, "status_group": status_group(k)}
                         for k, v in sorted(STATUS_NAMES.items())]
        self._next_order = 248888180

    # --- sessions --------------------------------------------------------------------------------

    def login(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("username") or not body.get("password"):
            raise Refusal("required_parameter", "username and password are required")
        try:
            password = base64.b64decode(str(body["password"]), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            password = None
        if body["username"] != self.username or password != self.password:
            raise Refusal("incorrect_username_pasword", "Неправильний логін або пароль")
        token = secrets.token_hex(16)
        self.tokens.add(token)
        self.logins += 1
        return {"id": 111, "access_token": token, "permissions": ["order_edit", "correspondence"],
                "roles": ["default_owner"], "seller": {"fio": "Тестовий менеджер", "email": "seller@example.com"},
                "market": {"id": 1086, "title": "sandbox_market", "business_model": "b2c",
                           "fulfillment_available": True}, "needInterview": False, "lang": "uk"}

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # --- data ------------------------------------------------------------------------------------

    def generate(self, count: int) -> None:
        for rz_id, offer, name, price in ITEMS:
            self.items[rz_id] = ItemRecord(rz_id, offer, name, price, stock_quantity=self.rng.randint(0, 30))
        now = self.now()
        for _ in range(count):
            self.add_order(created=now - timedelta(minutes=self.rng.randint(5, 60 * 24 * 10)),
                           status=self.rng.choice([1, 1, 1, 26, 2, 6, 42]),
                           fulfilment=self.rng.random() < 0.1,
                           recipient=self.rng.random() < 0.2,
                           callback_off=self.rng.random() < 0.15)

    def add_item(self, rz_item_id: int, price_offer_id: str, *, name: str | None = None, price: float = 100.0,
                 stock_quantity: int = 0) -> ItemRecord:
        record = ItemRecord(rz_item_id, price_offer_id, name or price_offer_id, price, stock_quantity=stock_quantity)
        self.items[rz_item_id] = record
        return record

    def add_order(
        self,
        *,
        created: datetime | None = None,
        status: int = 1,
        lines: list[tuple[int, int]] | None = None,
        fulfilment: bool = False,
        recipient: bool = False,
        callback_off: bool = False,
        payment: str = "cash",
        order_id: int | None = None,
    ) -> int:
        """An order in Rozetka's shape; ``lines``: (Rozetka item id, quantity); ``recipient``: someone
        other than the buyer collects the parcel."""
        created = created or self.now()
        if order_id is None:
            self._next_order += self.rng.randint(1, 9)
            order_id = self._next_order
        first, last, second = self.rng.choice(FIRST), self.rng.choice(LAST), self.rng.choice(SECOND)
        phone = f"38067{self.rng.randint(1000000, 9999999)}"
        if lines is None:
            chosen = self.rng.sample(sorted(self.items) or [i[0] for i in ITEMS], k=self.rng.randint(1, 2))
            lines = [(rz_id, self.rng.randint(1, 2)) for rz_id in chosen]
        purchases, total = self._purchases(lines)
        other = (self.rng.choice(FIRST), self.rng.choice(LAST)) if recipient else (first, last)
        city, city_id = self.rng.choice(CITIES)
        order = {
            "id": order_id, "created": kyiv(created), "changed": kyiv(created),
            "amount": f"{total:.2f}", "amount_with_discount": f"{total:.2f}",
            "cost": f"{total:.2f}", "cost_with_discount": f"{total:.2f}",
            "status": status, "status_group": status_group(status),
            "items_photos": [{"id": p["item_id"], "url": p["item"]["photo_preview"], "item_name": p["item_name"]}
                             for p in purchases],
            "seller_comment": [], "seller_comment_created": "", "current_seller_comment": "",
            "comment": "", "user_phone": phone,
            "user_title": {"first_name": first, "last_name": last, "second_name": second,
                           "full_name": f"{last} {first} {second}"},
            "from_warehouse": 0, "ttn": "", "total_quantity": sum(q for _, q in lines), "mk_created": False,
            "can_copy": False, "created_type": 4, "is_viewed": False, "callback_off": 1 if callback_off else 0,
            "is_fulfillment": fulfilment, "duplicate_order_id": None,
            # expand fields
            "user": {"id": self.rng.randint(10000000, 49999999), "has_email": True,
                     "contact_fio": f"{last} {first}", "email": "true"},
            "delivery": {"delivery_service_id": 5, "delivery_service_name": "Нова Пошта",
                         "recipient_title": f"{other[1]} {other[0]}",
                         "recipient_phone": phone if not recipient else f"38050{self.rng.randint(1000000, 9999999)}",
                         "another_recipient": recipient, "place_id": 15643, "pickup_rz_id": "",
                         "place_street": "просп. Перемоги", "place_number": str(self.rng.randint(1, 200)),
                         "place_house": str(self.rng.randint(1, 90)), "place_flat": None, "cost": None,
                         "reserve_date": (created + timedelta(days=5)).strftime("%Y-%m-%d"),
                         "city": {"id": city_id, "name": city, "name_ua": city, "region_title": "", "title": city,
                                  "status": 1},
                         "delivery_method_id": 1, "ref_id": "1692281f-e1c2-11e3-8c4a-0050568002cf",
                         "name_logo": "nova-pochta", "email": None},
            "delivery_service": {"id": 5, "name": "Нова Пошта", "type": 0, "status": 1, "can_edit": False,
                                 "can_use": True},
            "purchases": purchases,
            "payment_type": payment, "payment_method_id": 1,
            "payment_type_name": "Оплата під час отримання товару" if payment == "cash" else "Онлайн-оплата",
            "payment_type_title": "Готівкова" if payment == "cash" else "Безготівкова",
            "is_payed": payment != "cash", "credit_status": 0, "credit_broker": False, "is_promo": False,
            "order_status_history": [{"status_id": status, "created": kyiv(created)}],
        }
        self.orders[order_id] = order
        return order_id

    def _purchases(self, lines: list[tuple[int, int]]) -> tuple[list[dict[str, Any]], float]:
        purchases, total = [], 0.0
        for rz_id, quantity in lines:
            item = self.items.get(rz_id) or self.add_item(rz_id, str(rz_id))
            cost = item.price * quantity
            total += cost
            purchases.append({
                "id": self.rng.randint(145000000, 159999999), "cost": f"{cost:.2f}",
                "cost_with_discount": f"{cost:.2f}",
                "price": f"{item.price:.2f}", "price_with_discount": f"{item.price:.2f}", "quantity": quantity,
                "item_id": rz_id, "item_name": item.name, "kit_id": 0,
                "item": {"id": rz_id, "name": item.name, "name_ua": item.name, "article": "",
                         "price_offer_id": item.price_offer_id, "price": f"{item.price:.2f}",
                         "photo_preview": f"https://rozetka.com.ua/goods/{rz_id}.jpg", "url":
                         f"https://rozetka.com.ua/{rz_id}/p{rz_id}"},
                "conf_details": None, "ttn": None, "order_status": None, "status": 1, "is_additional_item": False,
            })
        return purchases, total

    def load(self, directory: Path) -> None:
        orders_dir = directory / "orders"
        for path in sorted(orders_dir.glob("*.json")) if orders_dir.is_dir() else []:
            for order in self._orders_in(_read(path), path):
                self.orders[int(order["id"])] = order
        items = directory / "items.json"
        if items.is_file():
            document = _read(items)
            content = document.get("content", document) if isinstance(document, dict) else document
            for item in content.get("items", []) if isinstance(content, dict) else content:
                rz_id = int(item.get("rz_item_id") or item.get("id"))
                self.items[rz_id] = ItemRecord(rz_id, str(item.get("price_offer_id") or rz_id),
                                               str(item.get("name_ua") or item.get("name") or rz_id),
                                               float(item.get("price") or 0),
                                               price_old=item.get("price_old"),
                                               stock_quantity=int(item.get("stock_quantity") or 0))
        statuses = directory / "order_statuses.json"
        if statuses.is_file():
            document = _read(statuses)
            content = document.get("content", document) if isinstance(document, dict) else document
            found = next((v for k, v in content.items() if isinstance(v, list)), []) if isinstance(content, dict) \
                else content
            self.statuses = list(found)
        if not self.orders and not self.items:
            raise ValidationError(f"{directory}: no Rozetka payload files found (orders/*.json, items.json)")

    @staticmethod
    def _orders_in(document: Any, path: Path) -> list[dict[str, Any]]:
        content = document.get("content", document) if isinstance(document, dict) else document
        if isinstance(content, dict) and isinstance(content.get("orders"), list):
            return list(content["orders"])
        if isinstance(content, dict) and "id" in content:
            return [content]
        if isinstance(content, list):
            return list(content)
        raise ValidationError(f"{path}: not a Rozetka order document")

    def summary(self) -> dict[str, Any]:
        return {
            "orders": len(self.orders),
            "by_status": {str(s): sum(1 for o in self.orders.values() if o["status"] == s)
                          for s in sorted({o["status"] for o in self.orders.values()})},
            "items": {str(k): v.as_item() for k, v in sorted(self.items.items())},
            "active_sessions": len(self.tokens),
            "logins": self.logins,
        }

    # --- orders ----------------------------------------------------------------------------------

    def order(self, order_id: Any) -> dict[str, Any]:
        try:
            return self.orders[int(order_id)]
        except (KeyError, ValueError):
            raise Refusal("entity_not_found", f"Замовлення {order_id} не знайдено", status=404) from None

    def view(self, order: Mapping[str, Any], expand: str | None) -> dict[str, Any]:
        """The order as Rozetka serves it: base fields, the expand fields asked for, status_available."""
        wanted = {part.strip() for part in (expand or "").split(",") if part.strip()}
        view = {k: copy.deepcopy(v) for k, v in order.items() if k not in EXPAND_FIELDS or k in wanted}
        if "status_available" in wanted:
            view["status_available"] = [{"parent_id": order["status"], "child_id": child, "delivery_type": 0}
                                        for child in FLOW.get(order["status"], [])]
        if "status_data" in wanted:
            name = STATUS_NAMES.get(order["status"], str(order["status"]))
            view["status_data"] = {"id": order["status"], "name": name, "name_uk": name,
                                   "status_group": status_group(order["status"])}
        return view

    def search(self, args: Mapping[str, str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
        chosen = [o for o in self.orders.values() if self._matches(o, args)]
        sort = args.get("sort") or "-id"
        key = sort.lstrip("+-")
        if key not in ("id", "created", "changed"):
            raise Refusal("incorrect_data_format", f"sort: unknown column {key!r}")
        chosen.sort(key=lambda o: (o[key], o["id"]), reverse=sort.startswith("-"))
        try:
            page = int(args.get("page") or 1)
        except ValueError:
            raise Refusal("incorrect_data_format", f"page must be a number, got {args.get('page')!r}") from None
        pages = (len(chosen) + PER_PAGE - 1) // PER_PAGE
        meta = {"totalCount": len(chosen), "pageCount": pages, "currentPage": page, "perPage": PER_PAGE}
        return chosen[(page - 1) * PER_PAGE:page * PER_PAGE], meta

    def _matches(self, order: Mapping[str, Any], args: Mapping[str, str]) -> bool:
        types = args.get("types") or args.get("type") or "2"  # without either: in processing only
        status = order["status"]
        group = {"1": True, "2": status_group(status) == 1, "3": status_group(status) == 2, "4": status == 1,
                 "5": status in DELIVERING, "6": status_group(status) == 3}.get(types)
        if group is None:
            raise Refusal("incorrect_data_format", f"types must be 1–6, got {types!r}")
        if not group or (args.get("status") and str(status) != args["status"]):
            return False
        if args.get("id") and str(order["id"]) != args["id"]:
            return False
        for name, key, upper in (("created_from", "created", False), ("created_to", "created", True),
                                 ("changed_from", "changed", False), ("changed_to", "changed", True)):
            if args.get(name):
                bound = parse_kyiv(args[name], name)
                value = parse_kyiv(order[key], key)
                if (value > bound) if upper else (value < bound):
                    return False
        return True

    def update(self, order_id: str, body: Any) -> dict[str, Any]:
        """``PUT /orders/{id}`` (status, ttn, seller_comment, duplicate_order_id)."""
        order = self.order(order_id)
        if not isinstance(body, dict) or body.get("status") is None:
            raise Refusal("required_parameter", "status is required")
        try:
            status = int(body["status"])
        except (TypeError, ValueError):
            raise Refusal("incorrect_data_format", f"status must be a number, got {body['status']!r}") from None
        ttn = str(body.get("ttn") or "").strip()
        if status != order["status"] and status not in FLOW.get(order["status"], []):
            allowed = ", ".join(map(str, FLOW.get(order["status"], []))) or "none"
            raise Refusal("check_correctness_of_data", f"Статус {status} недоступний для замовлення в статусі "
                                                       f"{order['status']} (доступні: {allowed})")
        if status in NEEDS_TTN and not ttn:
            raise Refusal("required_parameter", f"ttn is required for status {status}", details={"ttn": "required"})
        if status == 49 and not body.get("duplicate_order_id"):
            raise Refusal("required_parameter", "duplicate_order_id is required for status 49")
        if ttn:
            order["ttn"] = ttn
            if status == 2:
                status = 61  # a TTN with "assembled" moves the order on by itself
        if body.get("seller_comment"):
            order["current_seller_comment"] = str(body["seller_comment"])
            order.setdefault("seller_comment", []).append(
                {"comment": str(body["seller_comment"]), "created": kyiv(self.now())})
        if body.get("duplicate_order_id"):
            order["duplicate_order_id"] = body["duplicate_order_id"]
        order["status"], order["status_group"] = status, status_group(status)
        order["changed"] = kyiv(self.now())
        order.setdefault("order_status_history", []).append({"status_id": status, "created": order["changed"]})
        return order

    # --- items -----------------------------------------------------------------------------------

    def mass_update(self, body: Any) -> dict[str, Any]:
        """``PUT /items/mass-update``: each valid item changes (a price more than 1.5× up or 2× down waits in
        quarantine); invalid ones are answered by id with their reasons."""
        if not isinstance(body, dict) or not isinstance(body.get("items"), list) or not body["items"]:
            raise Refusal("required_parameter", "items is required (a list of UpdatingItem)")
        errors: dict[str, Any] = {}
        for item in body["items"]:
            key = item.get("item_rz_id") if isinstance(item, dict) else None
            record = self.items.get(key) if isinstance(key, int) else None
            if record is None:
                errors[str(key)] = {"reason": [{"id": 1, "value": ["Товар не знайдено"]}]}
                continue
            reasons = _item_reasons(item)
            if reasons:
                errors[str(key)] = {"reason": reasons}
                continue
            record.history.append(dict(item))
            if "stock_quantity" in item:
                record.stock_quantity = item["stock_quantity"]
            if "price_old" in item:
                record.price_old = item["price_old"]
            if "price" in item:
                price = float(item["price"])
                if record.price and (price > record.price * 1.5 or price < record.price / 2):
                    record.quarantine_price = price
                else:
                    record.price, record.quarantine_price = price, None
        return {"success": True, "content": None} if not errors else {"success": False, "errors": errors}


def _item_reasons(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    reasons = []
    price = item.get("price")
    if "price" in item and (isinstance(price, bool) or not isinstance(price, int | float) or price <= 0):
        reasons.append({"id": 2, "value": ["Ціна має бути додатним числом"]})
    old = item.get("price_old")
    if old is not None and (not isinstance(old, int | float) or (isinstance(price, int | float) and old <= price)):
        reasons.append({"id": 3, "value": ["Стара ціна має бути більшою за ціну"]})
    quantity = item.get("stock_quantity")
    if "stock_quantity" in item and (not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0):
        reasons.append({"id": 4, "value": ["Кількість має бути цілим числом ≥ 0"]})
    return reasons


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValidationError(f"{path}: cannot read a JSON payload ({error})") from None
