"""The Rozetka sandbox: the Seller API on 127.0.0.1, at the root paths of
``https://api-seller.rozetka.com.ua``.

``POST /sites`` (username, base64 password → ``access_token``), ``GET /orders/search`` (filters,
``types``, ``expand``, pages of 20 with ``_meta``), ``GET|PUT /orders/{id}``, ``PUT /items/mass-update``,
``GET /order-statuses/search``, ``GET /delivery-services/search``. Every answer is Rozetka's envelope
``{"success", "content"}`` / ``{"success": false, "errors": {message, code, description}}``. API requests
need ``Authorization: Bearer <token>`` from a login; a missing, wrong or expired token gets HTTP 401
with code 5401. Sessions can be ended from a test (``expire_sessions``, ``POST /_sandbox/expire``) to
exercise a connector's new login. Status changes follow the statuses each order may move to, and stick.

Seeding (``--seed DIR``): see ``erpsync.sandbox.rozetka_store``. Without a seed it generates realistic
orders over the last days and a few items.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, request

from erpsync.sandbox.base import TEST_API, Sandbox
from erpsync.sandbox.rozetka_store import ERRORS, ItemRecord, Refusal, RozetkaStore

DEFAULT_USERNAME = "sandbox-seller"
DEFAULT_PASSWORD = "sandbox-password"
OPEN_PATHS = frozenset({"/sites"})


class RozetkaSandbox(Sandbox):
    marketplaces = ("rozetka",)
    title = "Rozetka"
    prefix = ""
    default_orders = 20

    def __init__(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC), **options: Any) -> None:
        self.now = now
        credentials = {"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD,
                       **(options.pop("credentials", None) or {})}
        self.store: RozetkaStore | None = None
        super().__init__(credentials=credentials, **options)

    # --- data --------------------------------------------------------------------------------------

    def _new_store(self) -> RozetkaStore:
        self.store = RozetkaStore(self.rng, self.now, self.credentials["username"], self.credentials["password"])
        return self.store

    def generate(self) -> None:
        self._new_store().generate(self.order_count)

    def load_seed(self, directory: Path) -> None:
        self._new_store().load(directory)

    @property
    def rozetka(self) -> RozetkaStore:
        assert self.store is not None
        return self.store

    def state(self) -> dict[str, Any]:
        return self.rozetka.summary()

    # Python test API
    def add_order(self, **spec: Any) -> str:
        """Add an order (see ``RozetkaStore.add_order``); returns its id as text."""
        with self.lock:
            return str(self.rozetka.add_order(**spec))

    def add_item(self, rz_item_id: int, price_offer_id: str, **spec: Any) -> None:
        with self.lock:
            self.rozetka.add_item(rz_item_id, price_offer_id, **spec)

    def order(self, order_id: str) -> dict[str, Any]:
        with self.lock:
            return self.rozetka.order(order_id)

    def item(self, rz_item_id: int) -> ItemRecord:
        with self.lock:
            return self.rozetka.items[rz_item_id]

    def expire_sessions(self) -> None:
        """End every session: the next API request with an old token gets HTTP 401."""
        with self.lock:
            self.rozetka.expire_tokens()

    def refuse_tokens(self, refused: bool = True) -> None:
        """Logins still work, but every token is refused (the manager lost API access)."""
        with self.lock:
            self.rozetka.tokens_refused = refused

    @property
    def logins(self) -> int:
        return self.rozetka.logins

    # --- HTTP plumbing -----------------------------------------------------------------------------

    def authenticate(self, incoming: Request) -> bool:
        if incoming.path in OPEN_PATHS:
            return True
        header = incoming.headers.get("Authorization", "")
        with self.lock:
            if self.rozetka.tokens_refused:
                return False
            return header.startswith("Bearer ") and header[len("Bearer "):] in self.rozetka.tokens

    def error(self, status: int, message: str) -> Response:
        name = "invalid_credentials" if status == 401 else "server_error"
        return self.json_response({"success": False, "errors": {
            "message": name, "code": ERRORS.get(name, 0), "description": message, "details": None}}, status)

    def register_routes(self, app: Flask) -> None:
        routes: list[tuple[str, tuple[str, ...], Callable[..., Response]]] = [
            ("/sites", ("POST",), self._login),
            ("/orders/search", ("GET",), self._search),
            ("/orders/<order_id>", ("GET",), self._get_order),
            ("/orders/<order_id>", ("PUT",), self._update_order),
            ("/items/mass-update", ("PUT",), self._mass_update),
            ("/order-statuses/search", ("GET",), self._statuses),
            ("/delivery-services/search", ("GET",), self._delivery_services),
            (f"{TEST_API}/expire", ("POST",), self._expire),
        ]
        for rule, methods, handler in routes:
            self.route(rule, methods)(self._refusals(handler))

    def _refusals(self, handler: Callable[..., Response]) -> Callable[..., Response]:
        def answer(**kwargs: Any) -> Response:
            try:
                return handler(**kwargs)
            except Refusal as refusal:
                return self.json_response(refusal.body, refusal.status)

        answer.__name__ = handler.__name__
        return answer

    def _ok(self, content: Any) -> Response:
        return self.json_response({"success": True, "content": content})

    def _body(self) -> Any:
        if request.mimetype != "application/json":
            raise Refusal("incorrect_data_format", f"Content-Type must be application/json, got "
                                                   f"{request.mimetype or 'none'}", status=415)
        body = request.get_json(silent=True)
        if body is None:
            raise Refusal("incorrect_data_format", "The request body is not valid JSON", status=400)
        return body

    # --- routes ------------------------------------------------------------------------------------

    def _login(self) -> Response:
        return self._ok(self.rozetka.login(self._body()))

    def _search(self) -> Response:
        orders, meta = self.rozetka.search(request.args)
        expand = request.args.get("expand")
        return self._ok({"orders": [self.rozetka.view(o, expand) for o in orders], "_meta": meta})

    def _get_order(self, order_id: str) -> Response:
        return self._ok(self.rozetka.view(self.rozetka.order(order_id), request.args.get("expand")))

    def _update_order(self, order_id: str) -> Response:
        order = self.rozetka.update(order_id, self._body())
        return self._ok(self.rozetka.view(order, request.args.get("expand")))

    def _mass_update(self) -> Response:
        return self.json_response(self.rozetka.mass_update(self._body()))

    def _statuses(self) -> Response:
        statuses = self.rozetka.statuses
        return self._ok({"orderStatuses": statuses, "_meta": {"totalCount": len(statuses), "pageCount": 1,
                                                               "currentPage": 1, "perPage": len(statuses)}})

    def _delivery_services(self) -> Response:
        services = [{"id": 5, "name": "Нова Пошта", "status": 1}, {"id": 1, "name": "Укрпошта", "status": 1},
                    {"id": 4, "name": "Мист Экспресс", "status": 1}, {"id": 2698, "name": "Мои магазины", "status": 1}]
        return self._ok({"deliveryServices": services})

    def _expire(self) -> Response:
        self.rozetka.expire_tokens()
        return self.json_response({"expired": True})


SANDBOX = RozetkaSandbox
