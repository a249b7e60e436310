"""The Kaspi.kz sandbox: Kaspi's merchant API as seed 004 documents it, on 127.0.0.1.

Same paths (``/shop/api/v2/…`` for orders, ``/shop/api/products/…`` for the import,
``/shop/api/orderPartialCancel/…``), the ``X-Auth-Token`` header (401 for a wrong one), JSON:API
envelopes (``data``, ``included``, ``meta.pageCount/totalCount``, ``relationships``/``links``) and
``{"errors": [{"title": …}]}`` with HTTP 400 for what Kaspi refuses: a listing without
``page[size]``, a creation-date window over 14 days, a forbidden status change, a wrong completion
code. State changes stick: an accepted order is accepted on the next read. Completing takes the
two-step code: the code "sent" to the buyer is printed, kept in ``sent_code(order_id)`` and served at
``/_sandbox/codes``.

Seeding (``--seed DIR``): files mirror the request paths under ``/shop/api/v2/`` and hold Kaspi's
answers — ``orders/*.json`` (order lists or single orders; ``included`` customers and entries are
used), ``orders/<orderId>/entries.json``, ``orderentries/<entryId>/product.json`` and
``…/deliveryPointOfService.json``, ``masterproducts/<id>/merchantProduct.json``,
``pointofservices/<id>.json``; and ``products/classification/categories.json`` (a list),
``attributes.json`` ({category: list}) and ``attribute_values.json`` ({category: {attribute: list}}).
Without a seed it generates realistic orders over the last 20 days.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, request

from erpsync.sandbox.base import Sandbox
from erpsync.sandbox.kaspi_store import MAX_WINDOW, EntryRecord, KaspiStore, OrderRecord, Refusal

JSONAPI = "application/vnd.api+json;charset=UTF-8"
JSON = "application/json;charset=UTF-8"
DEFAULT_TOKEN = "sandbox-token"


class KaspiSandbox(Sandbox):
    marketplaces = ("kaspi",)
    title = "Kaspi.kz"
    prefix = "/shop/api/v2"
    api_root = "/shop/api"
    secret_headers = frozenset({"x-auth-token", "x-security-code"})
    default_orders = 24

    def __init__(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC), **options: Any) -> None:
        self.now = now
        credentials = {"token": DEFAULT_TOKEN, **(options.pop("credentials", None) or {})}
        self.store: KaspiStore | None = None
        super().__init__(credentials=credentials, **options)

    # --- data --------------------------------------------------------------------------------------

    def _new_store(self) -> KaspiStore:
        self.store = KaspiStore(self.rng, self.now, self.announce)
        return self.store

    def generate(self) -> None:
        self._new_store().generate(self.order_count)

    def load_seed(self, directory: Path) -> None:
        self._new_store().load(directory)

    def state(self) -> dict[str, Any]:
        return self.kaspi.summary()

    @property
    def kaspi(self) -> KaspiStore:
        assert self.store is not None
        return self.store

    # Python test API
    def add_order(self, **spec: Any) -> str:
        """Add an order (see ``KaspiStore.add_order``); returns its id."""
        with self.lock:
            return self.kaspi.add_order(**spec)

    def order(self, order_id: str) -> OrderRecord:
        with self.lock:
            return self.kaspi.order(order_id)

    def entry(self, entry_id: str) -> EntryRecord:
        with self.lock:
            return self.kaspi.entry(entry_id)

    def sent_code(self, order_id: str) -> str | None:
        """The completion code last "sent" to the buyer of an order (None once used)."""
        with self.lock:
            return self.kaspi.codes.get(order_id)

    # --- HTTP plumbing -----------------------------------------------------------------------------

    def authenticate(self, incoming: Request) -> bool:
        return bool(incoming.headers.get("X-Auth-Token")) and incoming.headers["X-Auth-Token"] == self.credentials[
            "token"
        ]

    def error(self, status: int, message: str) -> Response:
        content_type = JSONAPI if request.path.startswith(self.prefix) else JSON
        return self.json_response({"errors": [{"title": message}]}, status, content_type)

    def _links_root(self) -> str:
        return request.host_url.rstrip("/") + self.prefix

    def register_routes(self, app: Flask) -> None:
        v2, root = self.prefix, self.api_root
        routes: list[tuple[str, tuple[str, ...], Callable[..., Any]]] = [
            (f"{v2}/orders", ("GET",), self._list_orders),
            (f"{v2}/orders", ("POST",), self._change_status),
            (f"{v2}/orders/<order_id>", ("GET",), self._get_order),
            (f"{v2}/orders/<order_id>/entries", ("GET",), self._order_entries),
            (f"{v2}/orderentries/<entry_id>", ("GET",), self._get_entry),
            (f"{v2}/orderentries/<entry_id>/product", ("GET",), self._entry_product),
            (f"{v2}/orderentries/<entry_id>/deliveryPointOfService", ("GET",), self._entry_point),
            (f"{v2}/masterproducts/<master_id>/merchantProduct", ("GET",), self._merchant_product),
            (f"{v2}/pointofservices/<point_id>", ("GET",), self._get_point),
            (f"{v2}/orderEntryCancelOperation", ("POST",), self._cancel_entry),
            (f"{root}/orderPartialCancel/<order_id>", ("PUT",), self._partial_cancel),
            (f"{root}/products/import", ("POST",), self._import_products),
            (f"{root}/products/import", ("GET",), self._import_state),
            (f"{root}/products/import/result", ("GET",), self._import_result),
            (f"{root}/products/import/schema", ("GET",), self._import_schema),
            (f"{root}/products/classification/categories", ("GET",), self._categories),
            (f"{root}/products/classification/attributes", ("GET",), self._attributes),
            (f"{root}/products/classification/attribute/values", ("GET",), self._attribute_values),
            ("/_sandbox/codes", ("GET",), self._codes),
        ]
        for rule, methods, handler in routes:
            self.route(rule, methods)(self._refusals(handler))

    def _refusals(self, handler: Callable[..., Response]) -> Callable[..., Response]:
        def answer(**kwargs: Any) -> Response:
            try:
                return handler(**kwargs)
            except Refusal as refusal:
                return self.error(refusal.status, refusal.message)

        answer.__name__ = handler.__name__
        return answer

    def _document(
        self, data: Any, *, included: list[Any] | None = None, meta: dict[str, Any] | None = None
    ) -> Response:
        body: dict[str, Any] = {"data": data, "included": included or []}
        if meta is not None:
            body["meta"] = meta
        return self.json_response(body, 200, JSONAPI)

    def _require_jsonapi(self) -> None:
        """Kaspi's order endpoints take ``Content-Type: application/vnd.api+json`` (seed 004)."""
        if request.mimetype != "application/vnd.api+json":
            raise Refusal(415, f"Content-Type must be application/vnd.api+json, got {request.mimetype or 'none'}")

    def _json_body(self) -> Any:
        body = request.get_json(force=True, silent=True)
        if body is None:
            raise Refusal(400, "The request body is not valid JSON")
        return body

    # --- resources ---------------------------------------------------------------------------------

    def _relationship(self, kind: str, owner: str, name: str, data: Any = ...) -> dict[str, Any]:
        base = f"{self._links_root()}/{kind}/{owner}"
        link: dict[str, Any] = {"links": {"self": f"{base}/relationships/{name}", "related": f"{base}/{name}"}}
        if data is not ...:
            link["data"] = data
        return link

    def _order_resource(self, order: OrderRecord, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
        user = {"type": "customers", "id": order.user} if order.user and attributes is None else None
        return {
            "type": "orders",
            "id": order.id,
            "attributes": order.attributes if attributes is None else attributes,
            "relationships": {
                "user": self._relationship("orders", order.id, "user", user),
                "entries": self._relationship("orders", order.id, "entries"),
            },
            "links": {"self": f"{self._links_root()}/orders/{order.id}"},
        }

    def _customer_resource(self, customer_id: str) -> dict[str, Any]:
        return {
            "type": "customers",
            "id": customer_id,
            "attributes": self.kaspi.customers.get(customer_id, {}),
            "relationships": {},
            "links": {"self": f"{self._links_root()}/customers/{customer_id}"},
        }

    def _entry_resource(self, entry: EntryRecord) -> dict[str, Any]:
        point = {"type": "pointofservices", "id": entry.point} if entry.point else None
        product = {"type": "masterproducts", "id": entry.product} if entry.product else None
        return {
            "type": "orderentries",
            "id": entry.id,
            "attributes": entry.attributes,
            "relationships": {
                "deliveryPointOfService": self._relationship("orderentries", entry.id, "deliveryPointOfService", point),
                "product": self._relationship("orderentries", entry.id, "product", product),
            },
            "links": {"self": f"{self._links_root()}/orderentries/{entry.id}"},
        }

    def _point_resource(self, point_id: str) -> dict[str, Any]:
        attributes = self.kaspi.points.get(point_id)
        if attributes is None:
            raise Refusal(404, f"Point of service {point_id} is not found")
        city = {"type": "cities", "id": "NzUwMDAwMDAw"}
        return {
            "type": "pointofservices",
            "id": point_id,
            "attributes": attributes,
            "relationships": {"city": self._relationship("pointofservices", point_id, "city", city)},
            "links": {"self": f"{self._links_root()}/pointofservices/{point_id}"},
        }

    # --- orders ------------------------------------------------------------------------------------

    def _int_arg(self, name: str, default: int | None = None) -> int:
        raw = request.args.get(name)
        if raw is None:
            if default is None:
                raise Refusal(400, f"Required parameter {name} is missing.")
            return default
        try:
            return int(raw)
        except ValueError:
            raise Refusal(400, f"Parameter {name} must be a whole number, got {raw!r}") from None

    def _list_orders(self) -> Response:
        args = request.args
        filters = {key[len("filter[orders]["):-1]: value for key, value in args.items()
                   if key.startswith("filter[orders][")}
        by_code = filters.get("code") is not None
        number = self._int_arg("page[number]", 0 if by_code else None)
        size = self._int_arg("page[size]", 100 if by_code else None)
        if not 1 <= size <= 100 or number < 0:
            raise Refusal(400, "page[size] must be from 1 to 100 and page[number] from 0")
        if not by_code:
            self._check_window(filters)
        orders = self.kaspi.select_orders(filters)
        chosen = orders[number * size:(number + 1) * size]
        includes = set((args.get("include[orders]") or "").split(","))
        included: list[dict[str, Any]] = []
        if "user" in includes:
            for customer_id in dict.fromkeys(o.user for o in chosen if o.user):
                included.append(self._customer_resource(customer_id))
        if "entries" in includes:
            included += [self._entry_resource(self.kaspi.entries[e]) for o in chosen for e in o.entries]
        meta = {"pageCount": math.ceil(len(orders) / size) if orders else 0, "totalCount": len(orders)}
        return self._document([self._order_resource(o) for o in chosen], included=included, meta=meta)

    def _check_window(self, filters: dict[str, str]) -> None:
        start = filters.get("creationDate][$ge")
        if not start:
            raise Refusal(400, "Required filter [orders][creationDate][$ge] is empty.")
        end = filters.get("creationDate][$le") or str(int(self.now().timestamp() * 1000))
        try:
            span = int(end) - int(start)
        except ValueError:
            raise Refusal(400, "filter[orders][creationDate] takes epoch milliseconds") from None
        if span > MAX_WINDOW.total_seconds() * 1000:
            raise Refusal(400, f"The period of filter [orders][creationDate] must not exceed {MAX_WINDOW.days} days.")

    def _get_order(self, order_id: str) -> Response:
        order = self.kaspi.order(order_id)
        included = [self._customer_resource(order.user)] if order.user and "user" in request.args.get(
            "include[orders]", "") else []
        return self._document(self._order_resource(order), included=included)

    def _order_entries(self, order_id: str) -> Response:
        order = self.kaspi.order(order_id)
        return self._document([self._entry_resource(self.kaspi.entries[e]) for e in order.entries])

    def _get_entry(self, entry_id: str) -> Response:
        return self._document(self._entry_resource(self.kaspi.entry(entry_id)))

    def _entry_product(self, entry_id: str) -> Response:
        entry = self.kaspi.entry(entry_id)
        if entry.product_document is not None:
            return self.json_response(entry.product_document, 200, JSONAPI)
        product = self.kaspi.products.get(entry.product or "")
        if product is None:
            raise Refusal(404, f"The product of entry {entry_id} is not found")
        return self._document({
            "type": "masterproducts",
            "id": product.id,
            "attributes": product.attributes,
            "relationships": {
                "merchantProduct": self._relationship("masterproducts", product.id, "merchantProduct", None)
            },
            "links": {"self": f"{self._links_root()}/masterproducts/{product.id}"},
        })

    def _entry_point(self, entry_id: str) -> Response:
        entry = self.kaspi.entry(entry_id)
        if not entry.point:
            return self._document(None)
        return self._document(self._point_resource(entry.point))

    def _merchant_product(self, master_id: str) -> Response:
        product = self.kaspi.products.get(master_id)
        if product is None:
            raise Refusal(404, f"Master product {master_id} is not found")
        if not product.merchant or product.merchant not in self.kaspi.merchant_products:
            return self._document(None)
        return self._document({
            "type": "merchantproducts",
            "id": product.merchant,
            "attributes": self.kaspi.merchant_products[product.merchant],
            "relationships": {},
            "links": {"self": f"{self._links_root()}/merchantproducts/{product.merchant}"},
        })

    def _get_point(self, point_id: str) -> Response:
        return self._document(self._point_resource(point_id))

    # --- changes -----------------------------------------------------------------------------------

    def _change_status(self) -> Response:
        self._require_jsonapi()
        body = self._json_body()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("type") != "orders" or not data.get("id"):
            raise Refusal(400, "The body must be {\"data\": {\"type\": \"orders\", \"id\": …, \"attributes\": …}}")
        attributes = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
        echo = self.kaspi.change_status(
            str(data["id"]), attributes, request.headers.get("X-Security-Code"), request.headers.get("X-Send-Code")
        )
        order = self.kaspi.order(str(data["id"]))
        return self._document(self._order_resource(order, echo))

    def _cancel_entry(self) -> Response:
        self._require_jsonapi()
        body = self._json_body()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("type") != "orderEntryCancelOperation":
            raise Refusal(400, "The body must be {\"data\": {\"type\": \"orderEntryCancelOperation\", …}}")
        entry = ((data.get("relationships") or {}).get("entry") or {}).get("data") or {}
        if entry.get("type") != "orderentries" or not entry.get("id"):
            raise Refusal(400, "relationships.entry.data must name an orderentries id")
        attributes = data.get("attributes") or {}
        operation_id, answer = self.kaspi.cancel_entry(
            str(entry["id"]), attributes.get("remainedQuantity"), attributes.get("reason")
        )
        return self._document({
            "type": "orderEntryCancelOperation",
            "id": operation_id,
            "attributes": answer,
            "relationships": {"entry": self._relationship("orderEntryCancelOperation", operation_id, "entry", None)},
            "links": {"self": f"{self._links_root()}/orderEntryCancelOperation/{operation_id}"},
        })

    def _partial_cancel(self, order_id: str) -> Response:
        self._require_jsonapi()
        entries = self.kaspi.partial_cancel(order_id, self._json_body())
        return self.json_response({"orderCancelEntries": entries, "status": "INPROGRESS"}, 200, JSONAPI)

    # --- products ----------------------------------------------------------------------------------

    def _import_products(self) -> Response:
        record = self.kaspi.import_products(self._json_body())
        return self.json_response({"code": record.code, "status": record.status}, 200, JSON)

    def _import_code(self) -> str:
        code = request.args.get("i")
        if not code:
            raise Refusal(400, "Required parameter i (the import code) is missing.")
        return code

    def _import_state(self) -> Response:
        record = self.kaspi.poll_import(self._import_code())
        return self.json_response({"code": record.code, "status": record.status}, 200, JSON)

    def _import_result(self) -> Response:
        return self.json_response(self.kaspi.import_result(self._import_code()), 200, JSON)

    def _import_schema(self) -> Response:
        return self.json_response(self.kaspi.schema, 200, JSON)

    def _categories(self) -> Response:
        return self.json_response(self.kaspi.categories, 200, JSON)

    def _category(self) -> str:
        category = request.args.get("c")
        if not category:
            raise Refusal(400, "Required parameter c (the category code) is missing.")
        if category not in {c["code"] for c in self.kaspi.categories}:
            raise Refusal(404, f"Category {category} is not found")
        return category

    def _attributes(self) -> Response:
        return self.json_response(self.kaspi.attributes.get(self._category(), []), 200, JSON)

    def _attribute_values(self) -> Response:
        category = self._category()
        attribute = request.args.get("a")
        if not attribute:
            raise Refusal(400, "Required parameter a (the attribute code) is missing.")
        if attribute not in {a["code"] for a in self.kaspi.attributes.get(category, [])}:
            raise Refusal(404, f"Attribute {attribute} is not found in {category}")
        return self.json_response(self.kaspi.values.get(category, {}).get(attribute, []), 200, JSON)

    def _codes(self) -> Response:
        return self.json_response({order_id: code for order_id, code in self.kaspi.codes.items()})


SANDBOX = KaspiSandbox
