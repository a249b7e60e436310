"""The Horoshop sandbox: a shop's ``/api/<function>/`` as Horoshop's API documentation describes it.

Same paths (``POST /api/auth/``, ``/api/orders/get/``, ``/api/orders/update/``,
``/api/orders/get_available_statuses/``, ``/api/catalog/importResidues/``, ``/api/catalog/import/``,
``/api/delivery/export/``, ``/api/payment/export/``), the same envelope (``{"status": OK | WARNING |
EMPTY | ERROR | UNAUTHORIZED | UNDEFINED_FUNCTION, "response": …}``, HTTP 200 also for refusals),
a login for a token that expires (``token_ttl`` seconds, ten minutes by default; ``expire_tokens()``
ends them at once), ``from``/``to``/``ids``/``status``/``offset``+``limit`` on orders, a per-record
``log`` on updates, and state that sticks: a status set is the status read next.

Seeding (``--seed DIR``): ``orders/*.json`` hold ``orders/get`` answers (an envelope, a list of
orders or one order, in Horoshop's own format); optional ``statuses.json``, ``delivery.json``,
``payment.json`` (answers of the matching functions) and ``catalog.json`` (a list of
``{article, title, price, price_old, residues: {warehouse: quantity}}``). Without a seed it generates
orders of the last twenty days.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Request, Response, request

from erpsync.core.errors import ValidationError
from erpsync.sandbox.base import Sandbox
from erpsync.sandbox.horoshop_data import BUILTIN_STATUSES, DELIVERY_OPTIONS, PAYMENT_OPTIONS, make_catalog, make_order

KYIV = ZoneInfo("Europe/Kyiv")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_LIMIT = 500
DEFAULT_CREDENTIALS = {"username": "sandbox-admin", "password": "sandbox-password"}


def _parse_bound(text: Any, *, end: bool) -> datetime | None:
    if text in (None, ""):
        return None
    value = str(text).strip()
    for pattern, date_only in (("%Y-%m-%d %H:%M:%S", False), ("%d.%m.%Y %H:%M:%S", False),
                               ("%Y-%m-%d", True), ("%d.%m.%Y", True)):
        try:
            moment = datetime.strptime(value, pattern)
        except ValueError:
            continue
        if date_only and end:
            moment = moment.replace(hour=23, minute=59, second=59)
        return moment
    raise ValueError(f"date {value!r} is not in a supported format (YYYY-MM-DD, DD.MM.YYYY, with HH:mm:ss)")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class HoroshopSandbox(Sandbox):
    marketplaces = ("horoshop",)
    title = "Horoshop"
    prefix = "/api"
    default_orders = 20

    def __init__(self, *, token_ttl: float = 600.0, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 **options: Any) -> None:
        self.token_ttl = token_ttl
        self.now = now
        credentials = {**DEFAULT_CREDENTIALS, **(options.pop("credentials", None) or {})}
        self.orders: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = [dict(s) for s in BUILTIN_STATUSES]
        self.delivery_options: list[dict[str, Any]] = [dict(o) for o in DELIVERY_OPTIONS]
        self.payment_options: list[dict[str, Any]] = [dict(o) for o in PAYMENT_OPTIONS]
        self.catalog: dict[str, dict[str, Any]] = {}
        self.warehouses = {"office"}
        self.tokens: dict[str, float] = {}  # token → when it was issued (monotonic seconds)
        self.tokens_issued = 0
        super().__init__(credentials=credentials, **options)

    # --- data --------------------------------------------------------------------------------------

    def generate(self) -> None:
        self.catalog = make_catalog()
        now = self.now().astimezone(KYIV).replace(tzinfo=None)
        for number in range(1, self.order_count + 1):
            created = now - timedelta(minutes=self.rng.randint(30, 20 * 24 * 60))
            self.orders[number] = make_order(self.rng, number, created, self.catalog, self.delivery_options,
                                             self.payment_options)

    def load_seed(self, directory: Path) -> None:
        if not directory.is_dir():
            raise ValidationError(f"seed directory {directory} does not exist")
        for path in sorted((directory / "orders").glob("*.json")):
            for order in self._orders_in(_read(path), path):
                self.orders[int(order["order_id"])] = order
        for name, attribute, key in (("statuses", "statuses", "statuses"), ("delivery", "delivery_options", None),
                                     ("payment", "payment_options", None)):
            path = directory / f"{name}.json"
            if path.exists():
                document = _read(path)
                body = document.get("response", document) if isinstance(document, dict) else document
                items = body.get(key) if key and isinstance(body, dict) else body
                if isinstance(body, dict) and not key:
                    items = next((v for v in body.values() if isinstance(v, list)), [])
                setattr(self, attribute, [i for i in items or [] if isinstance(i, dict)])
        if (directory / "catalog.json").exists():
            for product in _read(directory / "catalog.json"):
                self.catalog[str(product["article"])] = dict(product)

    @staticmethod
    def _orders_in(document: Any, path: Path) -> list[dict[str, Any]]:
        if isinstance(document, dict) and "response" in document:
            document = (document.get("response") or {}).get("orders") or []
        orders = document if isinstance(document, list) else [document]
        for order in orders:
            if not isinstance(order, dict) or order.get("order_id") is None:
                raise ValidationError(f"{path}: every order needs an order_id")
            if str(order["order_id"]).strip().isdigit() is False:
                raise ValidationError(f"{path}: order_id {order['order_id']!r} is not a number")
        return [dict(o) for o in orders]

    def state(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for order in self.orders.values():
            key = str(order.get("stat_status"))
            statuses[key] = statuses.get(key, 0) + 1
        return {"orders": len(self.orders), "statuses": statuses, "products": len(self.catalog),
                "tokens_issued": self.tokens_issued}

    # Python test API
    def add_order(self, **spec: Any) -> int:
        """Add a generated order; ``spec`` overrides its fields (``created`` a naive Kyiv time). Returns its id."""
        with self.lock:
            number = max(self.orders, default=0) + 1
            created = spec.pop("created", None) or self.now().astimezone(KYIV).replace(tzinfo=None)
            order = make_order(self.rng, number, created, self.catalog or make_catalog(), self.delivery_options,
                               self.payment_options)
            order.update(spec)
            self.orders[number] = order
            return number

    def order(self, order_id: int | str) -> dict[str, Any]:
        with self.lock:
            return self.orders[int(order_id)]

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (as after ten minutes)."""
        with self.lock:
            self.tokens.clear()

    # --- HTTP plumbing -----------------------------------------------------------------------------

    def authenticate(self, incoming: Request) -> bool:
        return True  # the token travels in the body; each function checks it (Horoshop answers HTTP 200)

    def error(self, status: int, message: str) -> Response:
        return self.json_response({"status": "ERROR", "response": {"message": message}}, status)

    def envelope(self, status: str, response: Any) -> Response:
        return self.json_response({"status": status, "response": response})

    def register_routes(self, app: Flask) -> None:
        self.route(f"{self.prefix}/<path:function>", methods=("POST", "PUT", "GET"))(self._dispatch)

    def _dispatch(self, function: str) -> Response:
        function = function.strip("/")
        handlers: dict[str, Callable[[dict[str, Any]], Response]] = {
            "orders/get": self._orders_get,
            "orders/update": self._orders_update,
            "orders/get_available_statuses": lambda body: self.envelope("OK", {"statuses": self.statuses}),
            "catalog/importResidues": self._import_residues,
            "catalog/import": self._import_products,
            "delivery/export": lambda body: self.envelope("OK", {"delivery": self.delivery_options}),
            "payment/export": lambda body: self.envelope("OK", {"payment": self.payment_options}),
        }
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            return self.envelope("HTTP_ERROR", {"code": 400, "message": "Payload is not JSON"})
        if function == "auth":
            return self._auth(body)
        if function not in handlers:
            return self.envelope("UNDEFINED_FUNCTION", {"message": f"Function {function} is not defined"})
        if not self._token_valid(body.get("token")):
            return self.envelope("UNAUTHORIZED", {"message": "Token is invalid or expired"})
        return handlers[function](body)

    def _auth(self, body: dict[str, Any]) -> Response:
        if (body.get("login") != self.credentials["username"]
                or body.get("password") != self.credentials["password"]):
            return self.envelope("ERROR", {"message": "Incorrect login or password"})
        token = secrets.token_hex(16)
        self.tokens[token] = time.monotonic()
        self.tokens_issued += 1
        return self.envelope("OK", {"token": token})

    def _token_valid(self, token: Any) -> bool:
        issued = self.tokens.get(token) if isinstance(token, str) else None
        return issued is not None and time.monotonic() - issued < self.token_ttl

    # --- orders ------------------------------------------------------------------------------------

    def _orders_get(self, body: dict[str, Any]) -> Response:
        try:
            since = _parse_bound(body.get("from"), end=False)
            until = _parse_bound(body.get("to"), end=True)
        except ValueError as error:
            return self.envelope("ERROR", {"message": str(error)})
        ids = {int(i) for i in _as_list(body.get("ids")) if str(i).strip().isdigit()}
        statuses = {int(s) for s in _as_list(body.get("status")) if str(s).strip().isdigit()}
        chosen = []
        for order_id in sorted(self.orders):
            order = self.orders[order_id]
            if (ids and order_id not in ids) or (statuses and str(order.get("stat_status")) not in map(str, statuses)):
                continue
            try:
                created = datetime.strptime(str(order.get("stat_created")), TIME_FORMAT)
            except ValueError:
                created = None  # a broken seeded order is served anyway: the client must cope with it
            if created and ((since and created < since) or (until and created > until)):
                continue
            chosen.append(order)
        limit = body.get("limit")
        if limit is not None:
            offset = int(body.get("offset") or 0)  # offset works only together with limit
            chosen = chosen[offset:offset + min(int(limit), MAX_LIMIT)]
        else:
            chosen = chosen[:MAX_LIMIT]
        if not chosen:
            return self.envelope("EMPTY", {"orders": []})
        return self.envelope("OK", {"orders": chosen})

    def _orders_update(self, body: dict[str, Any]) -> Response:
        known = {int(s["id"]) for s in self.statuses}
        log = []
        for item in _as_list(body.get("orders")):
            order_id = item.get("order_id") if isinstance(item, dict) else None
            order = self.orders.get(int(order_id)) if str(order_id).strip().isdigit() else None
            if order is None:
                log.append({"order_id": order_id, "status": "ERROR", "message": "Order not found"})
                continue
            if "status" in item and (not str(item["status"]).isdigit() or int(item["status"]) not in known):
                log.append({"order_id": order_id, "status": "ERROR",
                            "message": "status is not defined or defined incorrectly"})
                continue
            if "status" in item:
                order["stat_status"] = int(item["status"])
            if item.get("tracking_code"):
                order["tracking_code"] = str(item["tracking_code"])
            if "payed" in item:
                order["payed"] = int(item["payed"])
            log.append({"order_id": order_id, "status": "OK", "message": "UPDATED"})
        failed = any(entry["status"] != "OK" for entry in log)
        return self.envelope("WARNING" if failed else "OK", {"log": log})

    # --- catalog -----------------------------------------------------------------------------------

    def _import_residues(self, body: dict[str, Any]) -> Response:
        log = []
        for item in _as_list(body.get("products")):
            article = str(item.get("article", "")) if isinstance(item, dict) else ""
            product = self.catalog.get(article)
            quantity = item.get("quantity") if isinstance(item, dict) else None
            warehouse = str(item.get("warehouse", "")) if isinstance(item, dict) else ""
            if product is None:
                log.append({"article": article, "status": "ERROR", "message": "Product not found"})
            elif warehouse not in self.warehouses:
                log.append({"article": article, "status": "ERROR", "message": f"Warehouse {warehouse} not found"})
            elif isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
                log.append({"article": article, "status": "ERROR", "message": "quantity must be a whole number ≥ 0"})
            else:
                product.setdefault("residues", {})[warehouse] = quantity
                log.append({"article": article, "status": "OK", "message": "UPDATED"})
        failed = any(entry["status"] != "OK" for entry in log)
        return self.envelope("WARNING" if failed else "OK", {"log": log})

    def _import_products(self, body: dict[str, Any]) -> Response:
        log = []
        for item in _as_list(body.get("products")):
            article = str(item.get("article", "")) if isinstance(item, dict) else ""
            product = self.catalog.get(article)
            if not article:
                log.append({"article": article, "status": "ERROR", "message": "article is required"})
                continue
            if product is None and not item.get("title"):
                log.append({"article": article, "status": "ERROR", "message": "title is required for a new product"})
                continue
            bad = [k for k in ("price", "price_old") if k in item and not isinstance(item[k], int | float)]
            if bad:
                log.append({"article": article, "status": "ERROR", "message": f"{bad[0]} must be a number"})
                continue
            product = self.catalog.setdefault(article, {"article": article})
            product.update({k: v for k, v in item.items() if k != "article"})
            log.append({"article": article, "status": "OK", "message": "Товар обновлен"})
        failed = any(entry["status"] != "OK" for entry in log)
        return self.envelope("WARNING" if failed else "OK", {"log": log})


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from None


SANDBOX = HoroshopSandbox
