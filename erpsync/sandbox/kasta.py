"""The Kasta sandbox: the Kasta HUB API as public clients use it, on 127.0.0.1, under ``/api`` like
``https://hub.kasta.ua/api`` (paths from ``erpsync.marketplaces.kasta.endpoints``).

The seller's token in ``Authorization`` as it is (401 ``{"message": …}`` for a wrong or missing one, and
for ``Bearer <token>``); JSON answers; ``{"message": …}`` with HTTP 400/404 for what Kasta refuses — a
submit of more than 500 products, an unknown category, a cursor it never gave. A submit is checked
product by product against the category's schema (mandatory characteristics, select value ids, the size
chart, photos stored through ``submit/image``, prices) and answered at once with an ``upload_id``; its
result is ``processing`` at the first poll of ``submit/status`` and ``done`` with each product's
result at the next. Submitted products are in moderation (``status: new``, seed 000's "New products")
until ``moderation_seconds`` passed (``None``: until moderated through the test API), and refuse stock
and price changes meanwhile. Orders page along an opaque cursor with ``remains``.

Test API besides the framework's: ``POST /_sandbox/moderate`` ``{"codes": […] | null, "status":
"active" | "rejected" | "new", "reason"}``, ``/_sandbox/products`` (every product as listed).

Seeding (``--seed DIR``): ``supplier-content/category/all.json``,
``supplier-content/category/details/<affiliation_id>-<kind_id>.json``, ``products/*.json`` and
``orders/*.json`` (``{"items": […]}``, Kasta's answers). Without a seed: the packaged category schema
(``erpsync/sandbox/data/kasta/catalog.json``) and generated orders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, request

from erpsync.marketplaces.kasta import endpoints
from erpsync.sandbox.base import Sandbox
from erpsync.sandbox.kasta_store import KastaStore, Refusal

DEFAULT_TOKEN = "sandbox-token"
MODERATION_SECONDS = 120.0


class KastaSandbox(Sandbox):
    marketplaces = ("kasta",)
    title = "Kasta"
    prefix = "/api"
    secret_headers = frozenset({"authorization"})
    default_orders = 12

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        moderation_seconds: float | None = MODERATION_SECONDS,
        **options: Any,
    ) -> None:
        self.now = now
        self.moderation_delay = timedelta(seconds=moderation_seconds) if moderation_seconds is not None else None
        credentials = {"token": DEFAULT_TOKEN, **(options.pop("credentials", None) or {})}
        self.store: KastaStore | None = None
        super().__init__(credentials=credentials, **options)

    # --- data --------------------------------------------------------------------------------------

    def _new_store(self) -> KastaStore:
        self.store = KastaStore(self.rng, self.now, self.moderation_delay, lambda: self.url)
        return self.store

    def generate(self) -> None:
        self._new_store().generate_orders(self.order_count)

    def load_seed(self, directory: Path) -> None:
        self._new_store().load(directory)

    def state(self) -> dict[str, Any]:
        return self.kasta.summary()

    @property
    def kasta(self) -> KastaStore:
        assert self.store is not None
        return self.store

    # Python test API
    def add_order(self, **spec: Any) -> str:
        """Add an order (see ``KastaStore.add_order``); returns its id."""
        with self.lock:
            return self.kasta.add_order(**spec)

    def moderate(self, codes: list[str] | None = None, status: str = "active", reason: str | None = None) -> list[str]:
        """Pass (or reject) products in moderation, by code or barcode; None: every product waiting."""
        with self.lock:
            return self.kasta.moderate(codes, status, reason)

    def product(self, code: str) -> dict[str, Any] | None:
        """A product as ``products/list`` shows it, found by its code."""
        with self.lock:
            record = self.kasta.by_code(code)
            return record.listing() if record is not None else None

    # --- HTTP plumbing -----------------------------------------------------------------------------

    def authenticate(self, incoming: Request) -> bool:
        token = incoming.headers.get("Authorization")
        return bool(token) and token == self.credentials["token"]

    def error(self, status: int, message: str) -> Response:
        return self.json_response({"message": message}, status)

    def register_routes(self, app: Flask) -> None:
        api = self.prefix
        routes: list[tuple[str, tuple[str, ...], Callable[..., Response]]] = [
            (endpoints.CATEGORIES, ("GET",), self._categories),
            (endpoints.CATEGORY_DETAILS, ("GET",), self._category_details),
            (endpoints.SUBMIT_IMAGE, ("POST",), self._submit_image),
            (endpoints.SUBMIT_PRODUCTS, ("POST",), self._submit_products),
            (endpoints.SUBMIT_STATUS, ("GET",), self._submit_status),
            (endpoints.PRODUCTS, ("GET",), self._products),
            (endpoints.UPDATE_STOCK, ("POST",), self._update_stock),
            (endpoints.UPDATE_PRICE, ("POST",), self._update_price),
            (endpoints.ORDERS, ("GET",), self._orders),
        ]
        for path, methods, handler in routes:
            self.route(f"{api}/{path}", methods)(self._refusals(handler))
        self.route("/_sandbox/moderate", ("POST",))(self._refusals(self._moderate_view))
        self.route("/_sandbox/products")(self._products_view)

    def _refusals(self, handler: Callable[..., Response]) -> Callable[..., Response]:
        def answer(**kwargs: Any) -> Response:
            try:
                return handler(**kwargs)
            except Refusal as refusal:
                return self.error(refusal.status, refusal.message)

        answer.__name__ = handler.__name__
        return answer

    def _json_body(self) -> Any:
        if request.mimetype != "application/json":
            raise Refusal(415, f"Content-Type must be application/json, got {request.mimetype or 'none'}")
        body = request.get_json(force=True, silent=True)
        if body is None:
            raise Refusal(400, "The request body is not valid JSON")
        return body

    # --- routes ------------------------------------------------------------------------------------

    def _categories(self) -> Response:
        return self.json_response(self.kasta.category_all)

    def _category_details(self) -> Response:
        kind, affiliation = request.args.get("kind_id"), request.args.get("affiliation_id")
        if not kind or not affiliation:
            raise Refusal(400, "kind_id and affiliation_id are required")
        return self.json_response({"schema": self.kasta.schema(affiliation, kind)})

    def _submit_image(self) -> Response:
        return self.json_response({"path": self.kasta.store_image(self._json_body())})

    def _submit_products(self) -> Response:
        record = self.kasta.submit(self._json_body())
        return self.json_response({"upload_id": record.upload_id})

    def _submit_status(self) -> Response:
        return self.json_response(self.kasta.poll_upload(request.args.get("upload_id")))

    def _products(self) -> Response:
        return self.json_response(self.kasta.list_products(request.args.get("cursor"), request.args.get("barcode")))

    def _update_stock(self) -> Response:
        return self.json_response(self.kasta.update(self._json_body(), self.kasta.apply_stock))

    def _update_price(self) -> Response:
        return self.json_response(self.kasta.update(self._json_body(), self.kasta.apply_price))

    def _orders(self) -> Response:
        return self.json_response(self.kasta.list_orders(request.args))

    def _moderate_view(self) -> Response:
        spec = request.get_json(silent=True) or {}
        codes = spec.get("codes")
        moved = self.kasta.moderate(list(codes) if isinstance(codes, list) else None, str(spec.get("status", "active")),
                                    spec.get("reason"))
        return self.json_response({"moderated": moved})

    def _products_view(self) -> Response:
        self.kasta.moderate_due()
        return self.json_response([p.listing() for p in self.kasta.products.values()])


SANDBOX = KastaSandbox
