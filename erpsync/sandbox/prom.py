"""The Prom.ua / Satu.kz sandbox: the public API v1 on 127.0.0.1, for either marketplace.

Same paths as ``https://my.prom.ua/api/v1`` (``erpsync sandbox prom``) and ``https://my.satu.kz/api/v1``
(``erpsync sandbox satu``: amounts in tenge): ``/api/v1/orders/list`` (filters, ``limit`` ≤ 100,
``last_id`` paging, newest first), ``/api/v1/orders/{id}``, ``POST /api/v1/orders/set_status``,
``POST /api/v1/delivery/save_declaration_id``, ``POST /api/v1/products/edit_by_external_id``,
``/api/v1/{delivery,payment,order_status}_options/list``. Every API request needs
``Authorization: Bearer <token>``; a wrong one gets HTTP 401 ``{"error": …}``. State sticks (a status set
is read back), refusals are Prom's (a cancellation without its reason, a product that is not there).
The company's catalog export (YML) is served at ``/products_feed.xml?hash_tag=<key>`` without a token,
like Prom's export link (``catalog_url`` gives the full URL).

Listing faults (``Faults.duplicate_rate``, ``shift_rate``): a page asked with ``last_id`` may also carry
the order just above ``last_id`` (one of the page before), and a new order may be added (the highest id,
modified now) just before such a page is answered.

Seeding (``--seed DIR``): see ``erpsync.sandbox.prom_store``. Without a seed it generates realistic
orders over the last days and a few products.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, request

from erpsync.core.marketplaces import marketplace_info
from erpsync.sandbox.base import TEST_API, Sandbox
from erpsync.sandbox.prom_store import PromStore, Refusal, yml_export

DEFAULT_TOKEN = "sandbox-token"
EXPORT_PATH = "/products_feed.xml"
EXPORT_KEY = "sandbox-export"


class PromSandbox(Sandbox):
    marketplaces = ("prom", "satu")
    title = "Prom.ua / Satu.kz"
    prefix = "/api/v1"
    default_orders = 20

    def __init__(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC), **options: Any) -> None:
        self.now = now
        credentials = {"token": DEFAULT_TOKEN, **(options.pop("credentials", None) or {})}
        self.store: PromStore | None = None
        super().__init__(credentials=credentials, **options)

    # --- data --------------------------------------------------------------------------------------

    def _new_store(self) -> PromStore:
        self.store = PromStore(self.rng, self.now, self.marketplace)
        return self.store

    def generate(self) -> None:
        self._new_store().generate(self.order_count)

    def load_seed(self, directory: Path) -> None:
        self._new_store().load(directory)

    @property
    def prom(self) -> PromStore:
        assert self.store is not None
        return self.store

    def state(self) -> dict[str, Any]:
        return {"marketplace": self.marketplace, **self.prom.summary()}

    @property
    def catalog_url(self) -> str:
        """The company's YML export, as a shop's ``catalog_url`` setting names it."""
        return f"{self.url}{EXPORT_PATH}?hash_tag={EXPORT_KEY}"

    # Python test API
    def add_order(self, **spec: Any) -> str:
        """Add an order (see ``PromStore.add_order``); returns its id as text."""
        with self.lock:
            return str(self.prom.add_order(**spec))

    def add_product(self, external_id: str, **spec: Any) -> None:
        with self.lock:
            self.prom.add_product(external_id, **spec)

    def order(self, order_id: str) -> dict[str, Any]:
        with self.lock:
            return self.prom.order(order_id)

    def product(self, external_id: str) -> dict[str, Any]:
        with self.lock:
            return self.prom.products[external_id].as_product()

    def serve_export(self, document: bytes) -> None:
        """Serve this YML document as the company's catalog export (instead of one built from products)."""
        with self.lock:
            self.prom.export_document = document

    def edits(self, external_id: str) -> list[dict[str, Any]]:
        """Every accepted edit of a product, oldest first."""
        with self.lock:
            return list(self.prom.products[external_id].history)

    # --- HTTP plumbing -----------------------------------------------------------------------------

    def authenticate(self, incoming: Request) -> bool:
        if incoming.path == EXPORT_PATH:
            return incoming.args.get("hash_tag") == EXPORT_KEY
        return incoming.headers.get("Authorization") == f"Bearer {self.credentials['token']}"

    def error(self, status: int, message: str) -> Response:
        return self.json_response({"error": message}, status)

    def register_routes(self, app: Flask) -> None:
        v1 = self.prefix
        routes: list[tuple[str, tuple[str, ...], Callable[..., Response]]] = [
            (f"{v1}/orders/list", ("GET",), self._list_orders),
            (f"{v1}/orders/<order_id>", ("GET",), self._get_order),
            (f"{v1}/orders/set_status", ("POST",), self._set_status),
            (f"{v1}/delivery/save_declaration_id", ("POST",), self._save_waybill),
            (f"{v1}/products/edit_by_external_id", ("POST",), self._edit_products),
            (f"{v1}/delivery_options/list", ("GET",), self._delivery_options),
            (f"{v1}/payment_options/list", ("GET",), self._payment_options),
            (f"{v1}/order_status_options/list", ("GET",), self._status_options),
            (EXPORT_PATH, ("GET",), self._export),
            (f"{TEST_API}/catalog_url", ("GET",), lambda: self.json_response({"url": self.catalog_url})),
        ]
        for rule, methods, handler in routes:
            self.route(rule, methods)(self._refusals(handler))

    def _refusals(self, handler: Callable[..., Response]) -> Callable[..., Response]:
        def answer(**kwargs: Any) -> Response:
            try:
                return handler(**kwargs)
            except Refusal as refusal:
                return self.error(refusal.status, refusal.message)

        answer.__name__ = getattr(handler, "__name__", "handler")
        return answer

    def _body(self) -> Any:
        if request.mimetype != "application/json":
            raise Refusal(415, f"Content-Type must be application/json, got {request.mimetype or 'none'}")
        body = request.get_json(silent=True)
        if body is None:
            raise Refusal(400, "The request body is not valid JSON")
        return body

    # --- routes ------------------------------------------------------------------------------------

    def _list_orders(self) -> Response:
        paging = bool(request.args.get("last_id"))
        if paging and self.listing_fault("shift"):
            self.prom.add_order()  # a new order, now: the highest id, at the front of the listing
        orders = self.prom.select(request.args)
        if paging and self.listing_fault("duplicate"):
            repeated = self.prom.order_above(request.args)
            if repeated is not None:
                orders = [repeated, *orders]
        return self.json_response({"orders": orders})

    def _get_order(self, order_id: str) -> Response:
        return self.json_response({"order": self.prom.order(order_id)})

    def _set_status(self) -> Response:
        return self.json_response(self.prom.set_status(self._body()))

    def _save_waybill(self) -> Response:
        return self.json_response(self.prom.save_waybill(self._body()))

    def _edit_products(self) -> Response:
        return self.json_response(self.prom.edit_products(self._body()))

    def _delivery_options(self) -> Response:
        return self.json_response({"delivery_options": self.prom.delivery_options})

    def _payment_options(self) -> Response:
        return self.json_response({"payment_options": self.prom.payment_options})

    def _status_options(self) -> Response:
        return self.json_response({"order_status_options": self.prom.status_options})

    def _export(self) -> Response:
        document = self.prom.export_document
        if document is None:
            document = yml_export(self.prom, f"{self.title} sandbox", marketplace_info(self.marketplace).currency)
        return Response(document, 200, content_type="application/xml; charset=utf-8")


SANDBOX = PromSandbox
