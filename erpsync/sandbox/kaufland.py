"""The Kaufland sandbox: Kaufland's Marketplace Seller API v2 on 127.0.0.1, under ``/v2`` as the real base URL.

Every API request must be signed as Kaufland requires (``Shop-Client-Key``, ``Shop-Timestamp``,
``Shop-Signature`` = hex HMAC-SHA256 of ``METHOD\\nFULL_URI\\nBODY\\nTIMESTAMP`` with the secret key): a
missing or wrong signature or an unknown client key is answered 401 with Kaufland's error body
(``{"type": "/problems/…", "message", "errors"}``), and so is a timestamp more than 5 minutes from the
sandbox's clock (the answer's ``Date`` header shows the sandbox's time). Endpoints that need a storefront
refuse a request without one (400).

Import files are real: the sandbox downloads the file from the URL it is given, over HTTP, and takes it
through Kaufland's states, one per poll (NEW → DOWNLOADING → … → IMPORTED); a product data file's
asynchronous processing then finishes (``product_feed_async_done`` = 1) and only then are its EANs known
to inventory files, whose rows for unknown EANs are errors. Push notifications go to the subscribed
callback URLs from a sender thread, signed as Kaufland signs them; subscribing first verifies the URL
(``GET ?mode=subscribe&challenge=…``, the challenge must come back). ``deliveries`` records each send.

Seeding (``--seed DIR``): see ``KauflandStore.load``. Without a seed it generates units and orders.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from flask import Flask, Request, Response, g, request

from erpsync.sandbox.base import Sandbox
from erpsync.sandbox.kaufland_store import REPORTS, STOREFRONTS, KauflandStore, Notice, Refusal, parse_iso

DEFAULT_CLIENT_KEY = "sandbox-client-key"
DEFAULT_SECRET_KEY = "sandbox-secret-key"
MAX_SKEW = 300  # seconds a request's timestamp may be away from the sandbox's clock


def kaufland_signature(secret: str, method: str, uri: str, body: str, timestamp: int) -> str:
    message = f"{method.upper()}\n{uri}\n{body}\n{timestamp}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Delivery:
    """One push notification sent to a callback URL, and what it answered."""

    url: str
    body: dict[str, Any]
    status: int | None
    error: str | None = None


class KauflandSandbox(Sandbox):
    marketplaces = ("kaufland",)
    title = "Kaufland"
    prefix = "/v2"
    secret_headers = frozenset({"shop-signature", "shop-client-key"})
    default_orders = 12

    def __init__(self, *, clock: Callable[[], float] = time.time, storefront: str = "de", **options: Any) -> None:
        self.clock = clock
        self.default_storefront = storefront
        self.shop_settings = {"storefront": storefront}  # what `erpsync sandbox` tells a shop to set
        credentials = {
            "client_key": DEFAULT_CLIENT_KEY,
            "secret_key": DEFAULT_SECRET_KEY,
            **(options.pop("credentials", None) or {}),
        }
        self.deliveries: list[Delivery] = []
        self._outbox: queue.Queue[Notice | None] = queue.Queue()
        self._sender: threading.Thread | None = None
        self._http = httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0), follow_redirects=False)
        self.store: KauflandStore | None = None
        super().__init__(credentials=credentials, **options)

    # --- data --------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _new_store(self) -> KauflandStore:
        self.store = KauflandStore(self.rng, self._now, self._outbox.put, self._fetch)
        return self.store

    def generate(self) -> None:
        self._new_store().generate(self.order_count, self.default_storefront)

    def load_seed(self, directory: Path) -> None:
        self._new_store().load(directory)

    def state(self) -> dict[str, Any]:
        return {**self.kaufland.summary(), "deliveries": len(self.deliveries)}

    @property
    def kaufland(self) -> KauflandStore:
        assert self.store is not None
        return self.store

    # Python test API
    def add_order(self, **spec: Any) -> str:
        """Add an order (see ``KauflandStore.add_order``); subscribers are notified. Returns its id."""
        with self.lock:
            return self.kaufland.add_order(**spec)

    def order_units_of(self, order_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(u) for u in self.kaufland.order_units.values() if u["id_order"] == order_id]

    def process_imports(self) -> None:
        """Take every import file to its end (as if Kaufland had had the time)."""
        with self.lock:
            for record in list(self.kaufland.imports.values()):
                for _ in range(12):
                    self.kaufland.advance(record)

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Wait until at least ``count`` notifications were sent; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.deliveries) >= count:
                    return list(self.deliveries)
            time.sleep(0.02)
        with self.lock:
            return list(self.deliveries)

    # --- lifecycle: the notification sender --------------------------------------------------------

    def start(self) -> KauflandSandbox:
        super().start()
        if self._sender is None:
            self._sender = threading.Thread(target=self._send_loop, name="kaufland sandbox push", daemon=True)
            self._sender.start()
        return self

    def stop(self) -> None:
        if self._sender is not None:
            self._outbox.put(None)
            self._sender.join(timeout=5)
            self._sender = None
        super().stop()

    def _send_loop(self) -> None:
        while True:
            notice = self._outbox.get()
            if notice is None:
                return
            self._deliver(notice)

    def _deliver(self, notice: Notice) -> None:
        body = json.dumps(notice.body, ensure_ascii=False)
        stamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "Shop-Timestamp": str(stamp),
            "Shop-Signature": kaufland_signature(self.credentials["secret_key"], "POST", notice.url, body, stamp),
            "User-Agent": "Kaufland Seller API push (erpsync sandbox)",
        }
        try:
            answer = self._http.post(notice.url, content=body.encode("utf-8"), headers=headers)
            record = Delivery(notice.url, notice.body, answer.status_code)
        except httpx.HTTPError as error:
            record = Delivery(notice.url, notice.body, None, f"{type(error).__name__}: {error}")
        with self.lock:
            self.deliveries.append(record)
        self.announce(f"push {notice.body['event_name']} {notice.body['resource']} → {record.status or record.error}")

    def _fetch(self, url: str) -> bytes:
        """Download an import file the way Kaufland does: a plain GET of the registered URL."""
        answer = self._http.get(url)
        if answer.status_code != 200:
            raise ValueError(f"HTTP {answer.status_code}")
        return answer.content

    def _verify_callback(self, url: str) -> bool:
        challenge = secrets.token_hex(12)
        try:
            answer = self._http.get(url, params={"mode": "subscribe", "challenge": challenge})
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and answer.text.strip() == challenge

    # --- HTTP plumbing -----------------------------------------------------------------------------

    def authenticate(self, incoming: Request) -> bool:
        key = incoming.headers.get("Shop-Client-Key")
        stamp = incoming.headers.get("Shop-Timestamp")
        signature = incoming.headers.get("Shop-Signature")
        if not key or not stamp or not signature:
            return self._refuse(
                "/problems/missing-or-invalid-request-header",
                "Request authentication headers are missing: Shop-Client-Key, Shop-Timestamp, Shop-Signature",
            )
        if not hmac.compare_digest(key, self.credentials["client_key"]):
            return self._refuse("/problems/invalid-credentials", "The client key is not valid")
        try:
            timestamp = int(stamp)
        except ValueError:
            return self._refuse("/problems/missing-or-invalid-request-header", "Shop-Timestamp must be Unix seconds")
        if abs(self.clock() - timestamp) > MAX_SKEW:
            return self._refuse(
                "/problems/unauthorized",
                "The request timestamp is outside the allowed time window",
                [
                    {
                        "field": "Shop-Timestamp",
                        "message": f"differs from the server time by more than {MAX_SKEW} seconds",
                    }
                ],
            )
        raw_uri = incoming.environ.get("RAW_URI") or incoming.environ.get("REQUEST_URI") or incoming.full_path
        uri = f"{incoming.scheme}://{incoming.host}{raw_uri}"
        body = incoming.get_data(cache=True, as_text=True) if incoming.method != "GET" else ""
        expected = kaufland_signature(self.credentials["secret_key"], incoming.method, uri, body, timestamp)
        if not hmac.compare_digest(expected, signature):
            return self._refuse(
                "/problems/corrupted-signature",
                "Request authentication headers are corrupt: the signature does not match",
            )
        return True

    @staticmethod
    def _refuse(problem: str, message: str, errors: list[dict[str, str]] | None = None) -> bool:
        g.refusal = Refusal(401, message, problem, errors)
        return False

    def error(self, status: int, message: str) -> Response:
        refusal = getattr(g, "refusal", None)
        if status == 401 and refusal is not None:
            return self._problem(refusal)
        problem = {429: "/problems/too-many-requests", 500: "/problems/server-error"}.get(status, "about:blank")
        return self._problem(Refusal(status, message, problem))

    def _problem(self, refusal: Refusal) -> Response:
        return self.json_response(
            {"type": refusal.problem, "message": refusal.message, "errors": refusal.errors},
            refusal.status,
            "application/json",
        )

    def register_routes(self, app: Flask) -> None:
        v2 = self.prefix
        routes: list[tuple[str, tuple[str, ...], Callable[..., Any]]] = [
            (f"{v2}/status/ping", ("GET",), lambda: self._data({"message": "Never tell me the odds"})),
            (f"{v2}/info/storefront", ("GET",), lambda: self._data(sorted(STOREFRONTS))),
            (f"{v2}/carriers", ("GET",), self._carriers),
            (f"{v2}/orders", ("GET",), self._orders),
            (f"{v2}/orders/<order_id>", ("GET",), lambda order_id: self._data(self.kaufland.order_details(order_id))),
            (f"{v2}/order-units", ("GET",), self._order_units),
            (f"{v2}/order-units/<unit_id>", ("GET",), self._order_unit),
            (f"{v2}/order-units/<unit_id>/send", ("PATCH",), self._send),
            (f"{v2}/order-units/<unit_id>/cancel", ("PATCH",), self._cancel),
            (f"{v2}/order-units/<unit_id>/fulfil", ("PATCH",), self._fulfil),
            (f"{v2}/order-invoices/<order_id>", ("POST",), self._upload_invoice),
            (f"{v2}/units", ("GET",), self._units),
            (f"{v2}/units", ("POST",), self._create_unit),
            (f"{v2}/units/bulk", ("POST",), self._bulk),
            (f"{v2}/units/<unit_id>", ("GET", "PATCH", "DELETE"), self._unit),
            (f"{v2}/product-data/import-files", ("POST",), lambda: self._add_import("product_data", False)),
            (
                f"{v2}/product-data/import-files/<import_id>",
                ("GET",),
                lambda import_id: self._poll_import(import_id, "product_data", False),
            ),
            (f"{v2}/import-files/inventory-feed", ("POST",), lambda: self._add_import("inventory_feed", True)),
            (
                f"{v2}/import-files/inventory-feed/<import_id>",
                ("GET",),
                lambda import_id: self._poll_import(import_id, "inventory_feed", True),
            ),
            (f"{v2}/returns", ("GET",), lambda: self._collection(list(self.kaufland.returns.values()))),
            (f"{v2}/returns/<return_id>", ("GET",), self._return),
            (f"{v2}/return-units", ("GET",), self._return_units),
            (f"{v2}/tickets", ("GET",), self._tickets),
            (f"{v2}/tickets/<ticket_id>", ("GET",), self._ticket),
            (
                f"{v2}/reports",
                ("GET",),
                lambda: self._collection(
                    [{k: v for k, v in r.items() if k != "polls"} for r in self.kaufland.reports.values()], 30
                ),
            ),
            (f"{v2}/reports/<report>", ("GET", "POST"), self._report),
            ("/report_files/<int:report_id>/", ("GET",), self._report_file),
            (f"{v2}/subscriptions", ("GET", "POST"), self._subscriptions),
            (f"{v2}/subscriptions/<sub_id>", ("GET", "PATCH", "DELETE"), self._subscription),
        ]
        for rule, methods, handler in routes:
            self.route(rule, methods)(self._refusals(handler, rule))

    def _refusals(self, handler: Callable[..., Response], rule: str) -> Callable[..., Response]:
        def answer(**kwargs: Any) -> Response:
            try:
                return handler(**kwargs)
            except Refusal as refusal:
                return self._problem(refusal)

        answer.__name__ = f"kaufland_{getattr(handler, '__name__', 'view')}_{id(handler)}"
        return answer

    # --- helpers -----------------------------------------------------------------------------------

    def _data(self, data: Any, status: int = 200) -> Response:
        return self.json_response({"data": data}, status, "application/json")

    def _storefront(self, required: bool = True) -> str:
        storefront = request.args.get("storefront")
        if storefront is None and not required:
            return self.default_storefront
        if storefront not in STOREFRONTS:
            raise Refusal(
                400,
                "Parameters [storefront] are missing or have wrong value.",
                "/problems/storefront-not-configured",
                [{"field": "storefront", "message": "not valid"}],
            )
        return storefront

    def _json(self) -> Any:
        body = request.get_json(force=True, silent=True)
        if body is None:
            raise Refusal(400, "The request body is not valid JSON")
        return body

    def _limit(self, maximum: int) -> tuple[int, int]:
        try:
            limit = int(request.args.get("limit", 30))
            offset = int(request.args.get("offset", 0))
        except ValueError:
            raise Refusal(400, "limit and offset must be whole numbers", "/problems/validation-error") from None
        if not 1 <= limit <= maximum or offset < 0:
            raise Refusal(
                400,
                f"limit must be from 1 to {maximum} and offset at least 0",
                "/problems/validation-error",
                [{"field": "limit", "message": f"maximum is {maximum}"}],
            )
        return limit, offset

    def _collection(self, items: list[dict[str, Any]], maximum: int = 100) -> Response:
        limit, offset = self._limit(maximum)
        return self.json_response(
            {
                "data": items[offset : offset + limit],
                "pagination": {"offset": offset, "limit": limit, "total": len(items)},
            },
            200,
            "application/json",
        )

    def _since(self, name: str) -> datetime | None:
        value = request.args.get(name)
        return parse_iso(value, name) if value else None

    def _statuses(self) -> set[str]:
        """``status`` repeated (``status=a&status=b``, OpenAPI's default for arrays) or comma-separated."""
        return {s for value in request.args.getlist("status") for s in value.split(",") if s}

    # --- orders ------------------------------------------------------------------------------------

    def _carriers(self) -> Response:
        from erpsync.sandbox.kaufland_store import CARRIERS

        return self._data(
            {
                "carriers": [
                    {"name": c, "isHauler": "Hauler" in c or c in ("Dachser", "Schenker")} for c in sorted(CARRIERS)
                ]
            }
        )

    def _orders(self) -> Response:
        storefront = request.args.get("storefront")
        if storefront is not None and storefront not in STOREFRONTS:
            self._storefront()
        items = self.kaufland.order_summaries(
            self._since("ts_created_from_iso"), self._since("ts_units_updated_from_iso"), storefront
        )
        return self._collection(items)

    def _order_units(self) -> Response:
        statuses, since = self._statuses(), self._since("ts_updated_from_iso")
        units = [
            self.kaufland.public_unit(u)
            for u in self.kaufland.order_units.values()
            if (not statuses or u["status"] in statuses)
            and (since is None or parse_iso(u["ts_updated_iso"], "ts_updated_iso") >= since)
        ]
        key = "ts_updated_iso" if request.args.get("sort") == "ts_updated:desc" else "ts_created_iso"
        return self._collection(sorted(units, key=lambda u: u[key], reverse=True))

    def _order_unit(self, unit_id: str) -> Response:
        unit = self.kaufland.public_unit(self.kaufland.order_unit(unit_id))
        return_units = [r for r in self.kaufland.return_units.values() if str(r["id_order_unit"]) == unit_id]
        return self._data({**unit, "return_unit": return_units[0] if return_units else None})

    def _send(self, unit_id: str) -> Response:
        self.kaufland.send_unit(unit_id, self._json())
        return Response(status=204)

    def _cancel(self, unit_id: str) -> Response:
        self.kaufland.cancel_unit(unit_id, self._json())
        return Response(status=204)

    def _fulfil(self, unit_id: str) -> Response:
        self.kaufland.fulfil_unit(unit_id)
        return Response(status=204)

    def _upload_invoice(self, order_id: str) -> Response:
        invoice = self.kaufland.add_invoice(order_id, self._json())
        return self._data({k: v for k, v in invoice.items() if k != "size"}, 201)

    # --- units -------------------------------------------------------------------------------------

    def _units(self) -> Response:
        storefront = self._storefront()
        id_offer, ean = request.args.get("id_offer"), request.args.get("ean")
        units = [
            self.kaufland.public_offer(u)
            for u in self.kaufland.units.values()
            if u["storefront"] == storefront
            and (id_offer is None or u["id_offer"] == id_offer)
            and (ean is None or u["ean"] == ean)
        ]
        return self._collection(units)

    def _create_unit(self) -> Response:
        unit = self.kaufland.add_unit(self._json(), self._storefront())
        return self._data(self.kaufland.public_offer(unit))

    def _bulk(self) -> Response:
        answers = self.kaufland.bulk_update(self._json(), self._storefront())
        return self.json_response({"data": answers}, 207, "application/json")

    def _unit(self, unit_id: str) -> Response:
        storefront = self._storefront()
        if request.method == "DELETE":
            self.kaufland.delete_unit(unit_id, storefront)
            return Response(status=204)
        if request.method == "PATCH":
            return self._data(self.kaufland.public_offer(self.kaufland.patch_unit(unit_id, self._json(), storefront)))
        return self._data(self.kaufland.public_offer(self.kaufland.unit(unit_id, storefront)))

    # --- import files ------------------------------------------------------------------------------

    def _add_import(self, kind: str, needs_storefront: bool) -> Response:
        storefront = self._storefront() if needs_storefront else None
        record = self.kaufland.add_import(kind, self._json(), storefront)
        return self._data(record.document(), 201 if needs_storefront else 200)

    def _poll_import(self, import_id: str, kind: str, needs_storefront: bool) -> Response:
        if needs_storefront:
            self._storefront()
        return self._data(self.kaufland.poll_import(import_id, kind).document())

    # --- returns, tickets --------------------------------------------------------------------------

    def _return(self, return_id: str) -> Response:
        found = self.kaufland.returns.get(return_id)
        if found is None:
            raise Refusal(404, f"Return {return_id} not found", "/problems/not-found")
        units = [u for u in self.kaufland.return_units.values() if str(u["id_return"]) == return_id]
        return self._data({**found, "return_units": units})

    def _return_units(self) -> Response:
        statuses, since = self._statuses(), self._since("ts_created_from_iso")
        units = [
            u
            for u in self.kaufland.return_units.values()
            if (not statuses or u["status"] in statuses)
            and (since is None or parse_iso(u["ts_created_iso"], "ts_created_iso") >= since)
        ]
        return self._collection(units)

    def _tickets(self) -> Response:
        statuses, since = self._statuses(), self._since("ts_updated_from_iso")
        tickets = [
            t
            for t in self.kaufland.tickets.values()
            if (not statuses or t["status"] in statuses)
            and (since is None or parse_iso(t["ts_updated_iso"], "ts_updated_iso") >= since)
        ]
        return self._collection(tickets, 30)

    def _ticket(self, ticket_id: str) -> Response:
        ticket = self.kaufland.tickets.get(ticket_id)
        if ticket is None:
            raise Refusal(404, f"Ticket {ticket_id} not found", "/problems/not-found")
        return self._data(ticket)

    # --- reports and subscriptions -----------------------------------------------------------------

    def _report(self, report: str) -> Response:
        if request.method == "POST":
            storefront = self._storefront()
            body = request.get_json(force=True, silent=True) if REPORTS.get(report) else None
            queued = self.kaufland.request_report(report, body, storefront)
            return self._data({k: queued[k] for k in ("id_report", "report_name", "storefront", "parameters")}, 202)
        return self._data(self.kaufland.poll_report(report, request.host_url.rstrip("/")))

    def _report_file(self, report_id: int) -> Response:
        content = self.kaufland.report_files.get(report_id)
        if content is None:
            raise Refusal(404, f"Report file {report_id} not found", "/problems/not-found")
        return Response(content, 200, content_type="text/csv; charset=utf-8")

    def _subscriptions(self) -> Response:
        if request.method == "POST":
            return self._data(self.kaufland.subscribe(self._json(), self._storefront(), self._verify_callback), 201)
        storefront = request.args.get("storefront")
        subs = [s for s in self.kaufland.subscriptions.values() if storefront is None or s["storefront"] == storefront]
        return self._collection(subs, 30)

    def _subscription(self, sub_id: str) -> Response:
        sub = self.kaufland.subscription(sub_id)
        if request.method == "DELETE":
            del self.kaufland.subscriptions[sub["id_subscription"]]
            return Response(status=204)
        if request.method == "PATCH":
            body = self._json()
            moved = "callback_url" in body and body["callback_url"] != sub["callback_url"]
            if moved and not self._verify_callback(body["callback_url"]):
                raise Refusal(400, f"The callback URL {body['callback_url']} could not be verified",
                              "/problems/subscriptions/unverified-callback-url")
            sub.update({k: v for k, v in body.items() if k in ("callback_url", "fallback_email", "is_active")})
        return self._data(sub)


SANDBOX = KauflandSandbox
