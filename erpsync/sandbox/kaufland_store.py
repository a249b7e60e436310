"""The Kaufland sandbox's data and rules, kept apart from HTTP: orders and their units, units (offers),
product data, import files (fetched over HTTP from the URL they are registered with, then taken through
Kaufland's states), invoices, returns, tickets, reports and push-notification subscriptions; realistic
generated data, or data loaded from a directory of payload files in Kaufland's own format.

The rules are written from Kaufland's OpenAPI document and documentation pages independently of the
connector's codec and enumerations, so the sandbox checks the connector rather than agreeing with it by
construction.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from erpsync.core.errors import ValidationError

# --- the contract -----------------------------------------------------------------------------------

UNIT_STATUSES = (
    "open",
    "need_to_be_sent",
    "sent",
    "received",
    "returned",
    "returned_paid",
    "sent_and_autopaid",
    "cancelled",
)
CANCEL_REASONS = {
    "BuyerCancelled",
    "ShippingAddressUndeliverable",
    "WrongCatalogData",
    "GeneralAdjustment",
    "MerchandiseNotReceived",
    "NoInventory",
    "DelayedInventory",
    "WrongPrice",
    "NoReactionBuyer",
    "UndeliverableRegion",
}
CONDITIONS = {
    "NEW",
    "USED___AS_NEW",
    "USED___VERY_GOOD",
    "USED___GOOD",
    "USED___ACCEPTABLE",
    "REFURBISHED___AS_NEW",
    "REFURBISHED___VERY_GOOD",
    "REFURBISHED___GOOD",
    "REFURBISHED___ACCEPTABLE",
}
CARRIERS = {
    "DHL",
    "DHL 2 MH",
    "DHL Express",
    "DHL Freight",
    "Deutsche Post",
    "DPD",
    "DPD France",
    "GLS",
    "Hermes",
    "Hermes 2 MH",
    "UPS",
    "Fedex",
    "TNT",
    "GEL",
    "Iloxx",
    "trans-o-flex",
    "Dachser",
    "Schenker",
    "Rhenus",
    "Kuehne & Nagel",
    "Hellmann",
    "Chronopost",
    "Correos",
    "La Poste",
    "Post Italiane",
    "Seur",
    "Other",
    "Other Hauler",
}
EVENTS = {
    "order_new",
    "order_unit_new",
    "order_unit_status_changed",
    "item_changed",
    "category_changed",
    "return_new",
    "return_status_changed",
    "return_unit_status_changed",
    "item_unit_new",
    "item_unit_changed",
    "item_unit_deleted",
    "item_unit_out_of_stock",
    "item_unit_not_available",
    "item_unit_available",
}
STOREFRONTS = {"de": "EUR", "at": "EUR", "sk": "EUR", "fr": "EUR", "it": "EUR", "cz": "CZK", "pl": "PLN"}
REPORTS = {
    "account-listing": False,
    "sales-new": True,
    "bookings-new": True,
    "cancellations": False,
    "competitors-comparer": False,
    "eans-not-found": False,
    "product-data-changes": False,
    "price-competitiveness": False,
}
# One state per poll of an import file: downloading fetches the file, checking parses it, importing applies it.
IMPORT_STEPS = ("NEW", "DOWNLOADING", "DOWNLOADED", "CHECKING", "CHECKED", "IMPORTING", "IMPORTED")
BULK_LIMIT = 150


class Refusal(Exception):
    """What Kaufland would answer with an error: an HTTP status, a problem type and a message."""

    def __init__(
        self,
        status: int,
        message: str,
        problem: str = "/problems/bad-request",
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problem = problem
        self.errors = errors or []


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refusal(
            400,
            f"Parameter {name} must be YYYY-MM-ddTHH:mm:ssZ",
            "/problems/validation-error",
            [{"field": name, "message": "not valid"}],
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ean13(rng: random.Random) -> str:
    digits = [4] + [rng.randrange(10) for _ in range(11)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, [*digits, check]))


# --- records ----------------------------------------------------------------------------------------


@dataclass
class ImportRecord:
    id: int
    kind: str  # product_data | inventory_feed
    url: str
    storefront: str | None
    step: int = 0
    note: str | None = None
    failed: str | None = None  # the failure status, once failed
    total_lines: int = 0
    current_line: int = 0
    error_count: int = 0
    async_done: int = 0
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    completed_at: datetime | None = None

    @property
    def status(self) -> str:
        return self.failed or IMPORT_STEPS[self.step]

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id_import_file": self.id,
            "uri": self.url,
            "status": self.status,
            "note": self.note,
            "total_lines": self.total_lines,
            "current_line": self.current_line,
            "error_count": self.error_count,
        }
        if self.kind == "product_data":
            # Seed 002's gate is product_feed_async_done; the current document names it async_import_done.
            body.update(
                {
                    "ts_created": self.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "ts_completed": self.completed_at.strftime("%Y-%m-%d %H:%M:%S") if self.completed_at else None,
                    "async_import_done": self.async_done,
                    "product_feed_async_done": self.async_done,
                }
            )
        else:
            body.update(
                {
                    "storefront": self.storefront,
                    "type": "INVENTORY_FEED",
                    "ts_created_iso": iso(self.created_at),
                    "ts_completed_iso": iso(self.completed_at) if self.completed_at else None,
                }
            )
        return body


@dataclass
class Notice:
    """A push notification to send: where, and what."""

    url: str
    body: dict[str, Any]


# --- the store --------------------------------------------------------------------------------------


class KauflandStore:
    """Everything a Kaufland seller account holds, with Kaufland's rules."""

    def __init__(
        self,
        rng: random.Random,
        now: Callable[[], datetime],
        notify: Callable[[Notice], None],
        fetch: Callable[[str], bytes],
    ) -> None:
        self.rng = rng
        self.now = now
        self.notify = notify
        self.fetch = fetch
        self.orders: dict[str, dict[str, Any]] = {}  # id_order → order (without units)
        self.order_units: dict[str, dict[str, Any]] = {}  # id_order_unit → unit, with id_order
        self.units: dict[int, dict[str, Any]] = {}  # id_unit → unit (offer)
        self.products: dict[str, dict[str, Any]] = {}  # EAN → product data rows, once processed
        self.imports: dict[int, ImportRecord] = {}
        self.invoices: dict[str, list[dict[str, Any]]] = {}
        self.returns: dict[str, dict[str, Any]] = {}
        self.return_units: dict[str, dict[str, Any]] = {}
        self.tickets: dict[str, dict[str, Any]] = {}
        self.reports: dict[int, dict[str, Any]] = {}
        self.report_files: dict[int, bytes] = {}
        self.subscriptions: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1000)

    def next_id(self) -> int:
        return next(self._ids)

    # --- orders ----------------------------------------------------------------------------------

    def add_order(
        self,
        *,
        units: list[Mapping[str, Any]] | None = None,
        storefront: str = "de",
        created: datetime | None = None,
        status: str = "need_to_be_sent",
        id_order: str | None = None,
        buyer: Mapping[str, Any] | None = None,
        shipping_address: Mapping[str, Any] | None = None,
    ) -> str:
        """An order with its units (each ``{"id_offer", "ean", "title", "price" (cents), "status"}``)."""
        created = created or self.now()
        order_id = id_order or "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))
        address = dict(shipping_address or self._address())
        self.orders[order_id] = {
            "id_order": order_id,
            "ts_created_iso": iso(created),
            "is_marketplace_deemed_supplier": False,
            "storefront": storefront,
            "fulfillment_type": "fulfilled_by_merchant",
            "buyer": dict(
                buyer
                or {
                    "id_buyer": self.rng.randrange(10**7, 10**8),
                    "email": f"buyer{self.rng.randrange(1000)}@example.de",
                }
            ),
            "billing_address": address,
            "shipping_address": address,
        }
        for spec in units or [self._unit_spec()]:
            unit = self._new_order_unit(order_id, spec, spec.get("status", status), created, storefront)
            self.order_units[str(unit["id_order_unit"])] = unit
            self._emit("order_unit_new", f"/v2/order-units/{unit['id_order_unit']}/", storefront)
        self._emit("order_new", f"/v2/orders/{order_id}/", storefront)
        return order_id

    def _new_order_unit(self, order_id: str, spec: Mapping[str, Any], unit_status: str, created: datetime,
                        storefront: str) -> dict[str, Any]:
        """One order unit in Kaufland's shape (``spec``: id_offer, ean, title, price in cents, shipping_rate)."""
        unit_id = str(self.rng.randrange(10**14, 10**15))
        return {
            "id_order_unit": int(unit_id),
            "id_order": order_id,
            "ts_created_iso": iso(created),
            "ts_updated_iso": iso(created),
            "status": unit_status,
            "price": int(spec.get("price", 1999)),
            "id_offer": spec.get("id_offer"),
            "revenue_gross": int(spec.get("price", 1999)) - 180,
            "revenue_net": int((int(spec.get("price", 1999)) - 180) / 1.19),
            "note": None,
            "unit_condition": "new",
            "storefront": storefront,
            "currency": STOREFRONTS.get(storefront, "EUR"),
            "delivery_time_min": 1,
            "delivery_time_max": 3,
            "delivery_time_expires_iso": iso(created + timedelta(days=3)),
            "order_received_timestamp_iso": None,
            "shipping_rate": int(spec.get("shipping_rate", 490)),
            "cancel_reason": None,
            "fulfillment_type": "fulfilled_by_merchant",
            "vat": 19,
            "is_marketplace_deemed_supplier": False,
            "product": {
                "id_product": self.rng.randrange(10**8, 10**9),
                "storefront": storefront,
                "title": spec.get("title", "Produkt"),
                "eans": [spec.get("ean") or ean13(self.rng)],
                "id_category": 34401,
                "main_picture": "https://media.cdn.kaufland.de/p.jpg",
                "manufacturer": spec.get("manufacturer", ""),
                "url": "https://www.kaufland.de/product/1/",
                "age_rating": 0,
                "is_valid": True,
                "dangerous_goods_li_shipping": None,
                "danger_label_9A": None,
            },
            "tracking": [],
        }

    def _address(self) -> dict[str, Any]:
        first = self.rng.choice(["Anna", "Lukas", "Marie", "Felix", "Sophie", "Jonas", "Lea", "Paul"])
        last = self.rng.choice(["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner"])
        city, postcode = self.rng.choice(
            [("Berlin", "10115"), ("Hamburg", "20095"), ("München", "80331"), ("Köln", "50667"), ("Leipzig", "04109")]
        )
        return {
            "first_name": first,
            "last_name": last,
            "company_name": None,
            "street": self.rng.choice(["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schulstraße"]),
            "house_number": str(self.rng.randrange(1, 120)),
            "postcode": postcode,
            "additional_field": None,
            "city": city,
            "phone": f"+49 30 {self.rng.randrange(1000000, 9999999)}",
            "country": "DE",
        }

    def _unit_spec(self) -> dict[str, Any]:
        offers = [u for u in self.units.values() if u.get("id_offer")]
        if offers:
            unit = self.rng.choice(offers)
            return {
                "id_offer": unit["id_offer"],
                "ean": unit["ean"],
                "title": unit.get("title", "Produkt"),
                "price": unit["listing_price"],
            }
        return {
            "id_offer": f"SKU-{self.rng.randrange(10000):05d}",
            "ean": ean13(self.rng),
            "title": self.rng.choice(
                ["Kratzbaum Palamos 109 cm", "Wasserkocher 1,7 l", "Kinderbuch Tiere", "Thermoskanne 0,5 l"]
            ),
            "price": self.rng.randrange(499, 9999),
        }

    def order_details(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise Refusal(404, f"Order {order_id} not found", "/problems/not-found")
        units = [self.public_unit(u) for u in self.order_units.values() if u["id_order"] == order_id]
        return {
            **order,
            "order_units": units,
            "order_invoices": self.invoices.get(order_id, []),
            "delivery": {"pickup_location": None},
        }

    def public_unit(self, unit: Mapping[str, Any]) -> dict[str, Any]:
        """An order unit as the API shows it (without the sandbox's bookkeeping)."""
        shown = {k: v for k, v in unit.items() if k != "tracking"}
        shown.update(
            {
                "buyer": self.orders[unit["id_order"]]["buyer"],
                "billing_address": self.orders[unit["id_order"]]["billing_address"],
                "shipping_address": self.orders[unit["id_order"]]["shipping_address"],
            }
        )
        return shown

    def order_summaries(
        self, since_created: datetime | None, since_updated: datetime | None, storefront: str | None
    ) -> list[dict[str, Any]]:
        result = []
        for order in self.orders.values():
            units = [u for u in self.order_units.values() if u["id_order"] == order["id_order"]]
            updated = max((u["ts_updated_iso"] for u in units), default=order["ts_created_iso"])
            if storefront and order["storefront"] != storefront:
                continue
            if since_created and parse_iso(order["ts_created_iso"], "ts_created_iso") < since_created:
                continue
            if since_updated and parse_iso(updated, "ts_updated_iso") < since_updated:
                continue
            result.append(
                {
                    "id_order": order["id_order"],
                    "ts_created_iso": order["ts_created_iso"],
                    "is_marketplace_deemed_supplier": False,
                    "order_units_count": len(units),
                    "ts_units_updated_iso": updated,
                    "storefront": order["storefront"],
                    "fulfillment_type": order["fulfillment_type"],
                }
            )
        return sorted(result, key=lambda o: o["ts_created_iso"], reverse=True)

    def order_unit(self, unit_id: str) -> dict[str, Any]:
        unit = self.order_units.get(unit_id)
        if unit is None:
            raise Refusal(404, f"Order unit {unit_id} not found", "/problems/not-found")
        return unit

    def set_unit_status(self, unit_id: str, status: str) -> None:
        unit = self.order_unit(unit_id)
        unit["status"] = status
        unit["ts_updated_iso"] = iso(self.now())
        self._emit("order_unit_status_changed", f"/v2/order-units/{unit_id}/", unit["storefront"])

    def send_unit(self, unit_id: str, body: Any) -> None:
        unit = self.order_unit(unit_id)
        if not isinstance(body, dict) or not body.get("tracking_numbers") or not body.get("carrier_code"):
            raise Refusal(
                400,
                "Parameters [tracking_numbers, carrier_code] are missing or have wrong value.",
                "/problems/validation-error",
                [
                    {"field": "tracking_numbers", "message": "required"},
                    {"field": "carrier_code", "message": "required"},
                ],
            )
        if body["carrier_code"] not in CARRIERS:
            raise Refusal(
                400,
                f"Carrier code {body['carrier_code']} is not valid",
                "/problems/validation-error",
                [{"field": "carrier_code", "message": "not valid"}],
            )
        if unit["status"] != "need_to_be_sent":
            raise Refusal(
                403,
                f"Order unit {unit_id} is {unit['status']} and cannot be marked as sent",
                "/problems/action-not-allowed",
            )
        unit["tracking"].append(
            {"carrier_code": body["carrier_code"], "tracking_numbers": str(body["tracking_numbers"]).split(",")}
        )
        self.set_unit_status(unit_id, "sent")

    def cancel_unit(self, unit_id: str, body: Any) -> None:
        unit = self.order_unit(unit_id)
        reason = body.get("reason") if isinstance(body, dict) else None
        if reason not in CANCEL_REASONS:
            raise Refusal(
                400,
                "Parameters [reason] are missing or have wrong value.",
                "/problems/validation-error",
                [{"field": "reason", "message": "not valid"}],
            )
        if unit["status"] not in ("open", "need_to_be_sent"):
            raise Refusal(
                403,
                f"Order unit {unit_id} is {unit['status']} and cannot be cancelled",
                "/problems/order-units/cancel-not-allowed",
            )
        unit["cancel_reason"] = reason
        self.set_unit_status(unit_id, "cancelled")

    def fulfil_unit(self, unit_id: str) -> None:
        unit = self.order_unit(unit_id)
        if unit["status"] != "open":
            raise Refusal(403, f"Order unit {unit_id} is {unit['status']}, not open", "/problems/action-not-allowed")
        self.set_unit_status(unit_id, "need_to_be_sent")

    def add_invoice(self, order_id: str, body: Any) -> dict[str, Any]:
        if order_id not in self.orders:
            raise Refusal(404, f"Order {order_id} not found", "/problems/not-found")
        if not isinstance(body, dict) or not all(body.get(k) for k in ("original_name", "mime_type", "data")):
            raise Refusal(400, "Parameters [original_name, mime_type, data] are required", "/problems/validation-error")
        import base64
        import binascii

        try:
            content = base64.b64decode(body["data"], validate=True)
        except (binascii.Error, ValueError):
            raise Refusal(
                400,
                "data must be base64-encoded",
                "/problems/validation-error",
                [{"field": "data", "message": "not valid"}],
            ) from None
        if body["mime_type"] != "application/pdf" or not content.startswith(b"%PDF"):
            raise Refusal(
                400,
                "Only PDF invoices are accepted",
                "/problems/validation-error",
                [{"field": "mime_type", "message": "not valid"}],
            )
        invoice = {
            "id_invoice": self.next_id(),
            "id_order": order_id,
            "storefront": self.orders[order_id]["storefront"],
            "is_marketplace_deemed_supplier": False,
            "original_name": body["original_name"],
            "mime_type": "application/pdf",
            "url": "https://kaufland.de/dynamic/files/order_invoices/x/",
            "ts_created_iso": iso(self.now()),
            "size": len(content),
        }
        self.invoices.setdefault(order_id, []).append(invoice)
        return invoice

    # --- units -----------------------------------------------------------------------------------

    def add_unit(self, body: Any, storefront: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Refusal(400, "The body must be a JSON object")
        problems = [
            {"field": k, "message": "required"}
            for k in ("listing_price", "id_offer", "handling_time")
            if body.get(k) is None
        ]
        if not body.get("ean") and not body.get("id_product"):
            problems.append({"field": "ean", "message": "ean or id_product is required"})
        price = body.get("listing_price")
        if price is not None and (not isinstance(price, int) or price < 1):
            problems.append({"field": "listing_price", "message": "listing_price must be greater than 0"})
        if body.get("condition", "NEW") not in CONDITIONS:
            problems.append({"field": "condition", "message": "not valid"})
        if problems:
            raise Refusal(
                400,
                f"Parameters [{', '.join(p['field'] for p in problems)}] are missing or have wrong value.",
                "/problems/validation-error",
                problems,
            )
        if any(u["id_offer"] == body["id_offer"] and u["storefront"] == storefront for u in self.units.values()):
            raise Refusal(409, f"A unit with id_offer {body['id_offer']} exists already", "/problems/already-exists")
        unit_id = self.next_id()
        now = iso(self.now())
        self.units[unit_id] = {
            "id_unit": unit_id,
            "status": "AVAILABLE",
            "currency": STOREFRONTS[storefront],
            "condition": body.get("condition", "NEW"),
            "note": body.get("note"),
            "listing_price": price,
            "minimum_price": body.get("minimum_price", price),
            "price": price,
            "id_offer": body["id_offer"],
            "id_product": self.rng.randrange(10**8, 10**9),
            "ean": body.get("ean"),
            "id_shipping_group": body.get("id_shipping_group"),
            "id_warehouse": body.get("id_warehouse"),
            "amount": int(body.get("amount", 1)),
            "date_inserted_iso": now,
            "date_lastchange_iso": now,
            "handling_time": int(body["handling_time"]),
            "shipping_rate": 490,
            "storefront": storefront,
            "transport_time_min": 1,
            "transport_time_max": 3,
            "fulfillment_type": "fulfilled_by_merchant",
            "vat_indicator": "standard_rate",
            "title": self.products.get(body.get("ean") or "", {}).get("title"),
        }
        self._emit("item_unit_new", f"/v2/units/{unit_id}/", storefront)
        return self.units[unit_id]

    def unit(self, unit_id: str, storefront: str) -> dict[str, Any]:
        unit = self.units.get(int(unit_id)) if unit_id.isdigit() else None
        if unit is None or unit["storefront"] != storefront:
            raise Refusal(404, f"Unit {unit_id} not found", "/problems/not-found")
        return unit

    def patch_unit(self, unit_id: str, body: Any, storefront: str) -> dict[str, Any]:
        unit = self.unit(unit_id, storefront)
        problems = self._patch_problems(body)
        if problems:
            raise Refusal(
                400,
                f"Parameters [{', '.join(p['field'] for p in problems)}] are missing or have wrong value.",
                "/problems/validation-error",
                problems,
            )
        for key in (
            "amount",
            "handling_time",
            "listing_price",
            "minimum_price",
            "note",
            "status",
            "id_warehouse",
            "id_shipping_group",
        ):
            if key in body:
                unit[key] = body[key]
        unit["price"] = unit["listing_price"]
        unit["date_lastchange_iso"] = iso(self.now())
        self._emit("item_unit_changed", f"/v2/units/{unit_id}/", storefront)
        return unit

    @staticmethod
    def _patch_problems(body: Any) -> list[dict[str, str]]:
        if not isinstance(body, dict) or not body:
            return [{"field": "body", "message": "nothing to update"}]
        allowed = {
            "status",
            "amount",
            "handling_time",
            "listing_price",
            "minimum_price",
            "note",
            "id_shipping_group",
            "id_warehouse",
            "vat_indicator",
            "eco_participation",
            "battery_participation",
        }
        problems = [{"field": k, "message": "unknown property"} for k in body if k not in allowed]
        if "listing_price" in body and (not isinstance(body["listing_price"], int) or body["listing_price"] < 1):
            problems.append({"field": "listing_price", "message": "listing_price must be greater than 0"})
        if "amount" in body and (not isinstance(body["amount"], int) or body["amount"] < 0):
            problems.append({"field": "amount", "message": "amount must be 0 or more"})
        if "handling_time" in body and not (
            isinstance(body["handling_time"], int) and 0 <= body["handling_time"] <= 100
        ):
            problems.append({"field": "handling_time", "message": "handling_time must be 0 to 100"})
        if "status" in body and body["status"] not in ("AVAILABLE", "ONHOLD"):
            problems.append({"field": "status", "message": "not valid"})
        return problems

    def delete_unit(self, unit_id: str, storefront: str) -> None:
        unit = self.unit(unit_id, storefront)
        del self.units[unit["id_unit"]]
        self._emit("item_unit_deleted", f"/v2/units/{unit_id}/", storefront)

    def bulk_update(self, body: Any, storefront: str) -> list[dict[str, Any]]:
        if not isinstance(body, list):
            raise Refusal(
                400, "The body must be a list of {id_unit, unit_data}", "/problems/units/bulk-invalid-operation"
            )
        if len(body) > BULK_LIMIT:
            raise Refusal(400, f"At most {BULK_LIMIT} units per request", "/problems/units/bulk-too-many-units")
        ids = [item.get("id_unit") if isinstance(item, dict) else None for item in body]
        if len(set(map(str, ids))) != len(ids):
            raise Refusal(400, "The request contains duplicate units", "/problems/units/bulk-duplicate-units")
        answers = []
        for item in body:
            unit_id = str(item.get("id_unit"))
            try:
                unit = self.patch_unit(unit_id, item.get("unit_data"), storefront)
            except Refusal as refusal:
                answers.append(
                    {
                        "id_unit": item.get("id_unit"),
                        "status_code": refusal.status,
                        "message": refusal.message,
                        "errors": refusal.errors,
                    }
                )
                continue
            answers.append({"id_unit": unit["id_unit"], "status_code": 200, "unit": self.public_offer(unit)})
        return answers

    @staticmethod
    def public_offer(unit: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in unit.items() if k not in ("ean", "title")}

    # --- import files ----------------------------------------------------------------------------

    def add_import(self, kind: str, body: Any, storefront: str | None) -> ImportRecord:
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise Refusal(
                400,
                "Parameters [url] are missing or have wrong value.",
                "/problems/validation-error",
                [{"field": "url", "message": "must be an http(s) URL"}],
            )
        record = ImportRecord(self.next_id(), kind, url, storefront, created_at=self.now())
        self.imports[record.id] = record
        return record

    def poll_import(self, import_id: str, kind: str) -> ImportRecord:
        """The import file, one state further along (downloading fetches it, checking parses it, importing
        applies it); a product data file's asynchronous processing finishes one poll after IMPORTED."""
        record = self.imports.get(int(import_id)) if import_id.isdigit() else None
        if record is None or record.kind != kind:
            raise Refusal(404, f"Import file {import_id} not found", "/problems/not-found")
        self.advance(record)
        return record

    def advance(self, record: ImportRecord) -> None:
        if record.failed:
            return
        if record.step == len(IMPORT_STEPS) - 1:
            if record.kind == "product_data" and record.async_done == 0:
                for row in record.rows:
                    self.products[row["ean"]] = row
                record.async_done = 1
            return
        record.step += 1
        state = IMPORT_STEPS[record.step]
        if state == "DOWNLOADING":
            try:
                content = self.fetch(record.url)
            except (httpx.HTTPError, ValueError) as error:
                record.failed, record.note = "DOWNLOADING_FAILED", f"Could not download {record.url}: {error}"
                return
            try:
                record.rows = self._parse_csv(content, record.kind)
            except Refusal as refusal:
                record.failed, record.note = "CHECKING_FAILED", refusal.message
                return
            record.total_lines = len(record.rows)
        elif state == "IMPORTING":
            self._apply(record)
        elif state == "IMPORTED":
            record.current_line = record.total_lines
            record.completed_at = self.now()
            record.note = f"{record.total_lines - record.error_count} lines imported, {record.error_count} errors"

    @staticmethod
    def _parse_csv(content: bytes, kind: str) -> list[dict[str, str]]:
        text = content.decode("utf-8-sig")
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        fields = set(reader.fieldnames or [])
        required = {"ean", "title"} if kind == "product_data" else {"ean", "id_offer", "listing_price", "amount"}
        missing = required - fields
        if missing:
            raise Refusal(400, f"The file's header lacks the columns {', '.join(sorted(missing))}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]

    def _apply(self, record: ImportRecord) -> None:
        for line, row in enumerate(record.rows, start=2):
            record.current_line = line - 1
            problem = self._row_problem(row, record.kind)
            if problem:
                record.error_count += 1
                record.errors.append(f"line {line}: {problem}")
                continue
            if record.kind == "inventory_feed":
                self._apply_inventory_row(row, record.storefront or "de")

    def _row_problem(self, row: Mapping[str, str], kind: str) -> str | None:
        ean = row.get("ean", "")
        if not ean.isdigit() or len(ean) not in (8, 12, 13, 14):
            return f"ean {ean!r} is not a valid EAN"
        if kind == "product_data":
            return None if row.get("title") else "title is empty"
        if ean not in self.products:
            return f"no product data for EAN {ean} (not uploaded, or not processed yet)"
        if not row.get("listing_price", "").isdigit() or int(row["listing_price"]) < 1:
            return f"listing_price {row.get('listing_price')!r} must be a whole number of cents, at least 1"
        if not row.get("amount", "").isdigit():
            return f"amount {row.get('amount')!r} must be a whole number"
        if row.get("condition") and row["condition"].upper() not in CONDITIONS:
            return f"condition {row['condition']!r} is not valid"
        return None

    def _apply_inventory_row(self, row: Mapping[str, str], storefront: str) -> None:
        existing = next(
            (u for u in self.units.values() if u["id_offer"] == row["id_offer"] and u["storefront"] == storefront), None
        )
        handling = int(row["handling_time"]) if row.get("handling_time", "").isdigit() else 1
        if existing is None:
            self.add_unit(
                {
                    "ean": row["ean"],
                    "id_offer": row["id_offer"],
                    "listing_price": int(row["listing_price"]),
                    "amount": int(row["amount"]),
                    "handling_time": handling,
                    "condition": (row.get("condition") or "NEW").upper(),
                },
                storefront,
            )
            return
        self.patch_unit(
            str(existing["id_unit"]),
            {"listing_price": int(row["listing_price"]), "amount": int(row["amount"]), "handling_time": handling},
            storefront,
        )

    # --- returns, tickets ------------------------------------------------------------------------

    def add_return(self, order_unit_id: str, reason: str = "wrong_size", status: str = "return_arrived") -> str:
        unit = self.order_unit(order_unit_id)
        return_id = str(self.next_id())
        now = iso(self.now())
        unit_id = str(self.next_id())
        self.return_units[unit_id] = {
            "id_return_unit": int(unit_id),
            "id_return": int(return_id),
            "id_order_unit": int(order_unit_id),
            "ts_created_iso": now,
            "status": status,
            "note": "Passt nicht",
            "reason": reason,
            "storefront": unit["storefront"],
            "fulfillment_type": "fulfilled_by_merchant",
        }
        self.returns[return_id] = {
            "id_return": int(return_id),
            "ts_created_iso": now,
            "ts_updated_iso": now,
            "storefront": unit["storefront"],
            "tracking_provider": "DHL",
            "tracking_code": f"00340{self.rng.randrange(10**9, 10**10)}",
            "status": "package_sent",
            "fulfillment_type": "fulfilled_by_merchant",
        }
        self._emit("return_new", f"/v2/returns/{return_id}/", unit["storefront"])
        return return_id

    def add_ticket(self, order_unit_ids: list[str], reason: str = "product_not_delivered") -> str:
        ticket_id = f"001{self.rng.randrange(10**7, 10**8)}"
        now = iso(self.now())
        self.tickets[ticket_id] = {
            "id_ticket": ticket_id,
            "ids_order_units": [int(u) for u in order_unit_ids],
            "id_buyer": self.rng.randrange(10**7, 10**8),
            "ts_created_iso": now,
            "ts_updated_iso": now,
            "status": "opened",
            "open_reason": reason,
            "topic": "delivery_not_received",
            "is_seller_responsible": True,
            "fulfillment_type": "fulfilled_by_merchant",
        }
        return ticket_id

    # --- reports ---------------------------------------------------------------------------------

    def request_report(self, kind: str, body: Any, storefront: str) -> dict[str, Any]:
        if kind not in REPORTS:
            raise Refusal(404, f"Report {kind} not found", "/problems/not-found")
        parameters = []
        if REPORTS[kind]:
            if not isinstance(body, dict) or not body.get("date_from") or not body.get("date_to"):
                raise Refusal(
                    400,
                    "Parameters [date_from, date_to] are required",
                    "/problems/validation-error",
                    [{"field": "date_from", "message": "required"}, {"field": "date_to", "message": "required"}],
                )
            parameters = [
                {"name": "date_from", "value": body["date_from"]},
                {"name": "date_to", "value": body["date_to"]},
            ]
        report_id = self.next_id()
        self.reports[report_id] = {
            "id_report": report_id,
            "status": "new",
            "report_name": kind,
            "storefront": storefront,
            "parameters": parameters,
            "date_requested": self.now().strftime("%Y-%m-%d %H:%M:%S"),
            "url": "",
            "polls": 0,
        }
        return self.reports[report_id]

    def poll_report(self, report_id: str, files_root: str) -> dict[str, Any]:
        report = self.reports.get(int(report_id)) if report_id.isdigit() else None
        if report is None:
            raise Refusal(404, f"Report {report_id} not found", "/problems/not-found")
        report["polls"] += 1
        if report["status"] == "new":
            report["status"] = "processing"
        elif report["status"] == "processing":
            report["status"] = "done"
            report["url"] = f"{files_root}/report_files/{report['id_report']}/"
            self.report_files[report["id_report"]] = self._report_csv(report)
        return {k: v for k, v in report.items() if k != "polls"}

    def _report_csv(self, report: Mapping[str, Any]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        if report["report_name"] in ("sales-new", "bookings-new"):
            writer.writerow(["id_order", "id_order_unit", "id_offer", "status", "price", "currency", "ts_created_iso"])
            for unit in self.order_units.values():
                writer.writerow(
                    [
                        unit["id_order"],
                        unit["id_order_unit"],
                        unit["id_offer"],
                        unit["status"],
                        unit["price"],
                        unit["currency"],
                        unit["ts_created_iso"],
                    ]
                )
        else:
            writer.writerow(["id_unit", "ean", "id_offer", "listing_price", "amount", "condition"])
            for unit in self.units.values():
                writer.writerow(
                    [
                        unit["id_unit"],
                        unit["ean"],
                        unit["id_offer"],
                        unit["listing_price"],
                        unit["amount"],
                        unit["condition"],
                    ]
                )
        return out.getvalue().encode("utf-8")

    # --- push notifications ----------------------------------------------------------------------

    def subscribe(self, body: Any, storefront: str, verify: Callable[[str], bool]) -> dict[str, Any]:
        if not isinstance(body, dict) or not all(body.get(k) for k in ("callback_url", "fallback_email", "event_name")):
            raise Refusal(
                400, "Parameters [callback_url, fallback_email, event_name] are required", "/problems/validation-error"
            )
        if body["event_name"] not in EVENTS:
            raise Refusal(
                400,
                f"Unknown event {body['event_name']}",
                "/problems/validation-error",
                [{"field": "event_name", "message": "not valid"}],
            )
        if len(body["callback_url"]) > 255:
            raise Refusal(400, "callback_url has at most 255 characters", "/problems/validation-error")
        if not verify(body["callback_url"]):
            raise Refusal(
                400,
                f"The callback URL {body['callback_url']} could not be verified",
                "/problems/subscriptions/unverified-callback-url",
            )
        sub_id = self.next_id()
        self.subscriptions[sub_id] = {
            "id_subscription": sub_id,
            "callback_url": body["callback_url"],
            "fallback_email": body["fallback_email"],
            "event_name": body["event_name"],
            "is_active": True,
            "storefront": storefront,
        }
        return self.subscriptions[sub_id]

    def subscription(self, sub_id: str) -> dict[str, Any]:
        sub = self.subscriptions.get(int(sub_id)) if sub_id.isdigit() else None
        if sub is None:
            raise Refusal(404, f"Subscription {sub_id} not found", "/problems/not-found")
        return sub

    def _emit(self, event: str, resource: str, storefront: str) -> None:
        for sub in self.subscriptions.values():
            if sub["event_name"] == event and sub["is_active"] and sub["storefront"] in (None, storefront):
                self.notify(
                    Notice(
                        sub["callback_url"],
                        {
                            "event_name": event,
                            "id_message": secrets.token_hex(8),
                            "resource": resource,
                            "storefront": storefront,
                        },
                    )
                )

    # --- generated and seeded data ---------------------------------------------------------------

    def generate(self, orders: int, storefront: str = "de") -> None:
        for _ in range(8):
            ean = ean13(self.rng)
            title = self.rng.choice(["Kratzbaum Palamos", "Wasserkocher", "Kinderbuch", "Thermoskanne", "Rucksack"])
            self.products[ean] = {"ean": ean, "title": f"{title} {self.rng.randrange(100)}"}
            self.add_unit(
                {
                    "ean": ean,
                    "id_offer": f"SKU-{len(self.units) + 1:05d}",
                    "listing_price": self.rng.randrange(499, 9999),
                    "amount": self.rng.randrange(0, 30),
                    "handling_time": 1,
                },
                storefront,
            )
        now = self.now()
        for index in range(orders):
            created = now - timedelta(days=self.rng.uniform(0, 20))
            units = [self._unit_spec() for _ in range(self.rng.choice((1, 1, 2, 3)))]
            status = self.rng.choice(("need_to_be_sent", "need_to_be_sent", "open", "sent", "received", "cancelled"))
            order_id = self.add_order(units=units, created=created, status=status, storefront=storefront)
            if index % 5 == 4:
                unit_id = next(str(u["id_order_unit"]) for u in self.order_units.values() if u["id_order"] == order_id)
                self.add_ticket([unit_id])
                if status in ("sent", "received"):
                    self.add_return(unit_id)

    def load(self, directory: Path) -> None:
        """Files in Kaufland's own answer format: ``orders/*.json`` (``GET /orders/{id}`` answers),
        ``units.json``, ``returns.json``, ``return_units.json``, ``tickets.json`` (list answers)."""
        for path in sorted((directory / "orders").glob("*.json")):
            order = self._read(path).get("data")
            if not isinstance(order, dict) or "id_order" not in order:
                raise ValidationError(f"{path}: expected a GET /orders/{{id}} answer with data.id_order")
            units = order.pop("order_units", [])
            order.pop("order_invoices", None)
            order.pop("delivery", None)
            self.orders[str(order["id_order"])] = order
            for unit in units:
                unit.setdefault("tracking", [])
                unit["id_order"] = order["id_order"]
                self.order_units[str(unit["id_order_unit"])] = unit
        for name, target, key in (
            ("units.json", self.units, "id_unit"),
            ("returns.json", self.returns, "id_return"),
            ("return_units.json", self.return_units, "id_return_unit"),
            ("tickets.json", self.tickets, "id_ticket"),
        ):
            if (directory / name).is_file():
                for item in self._read(directory / name).get("data") or []:
                    target[item[key] if name == "units.json" else str(item[key])] = item
                    if name == "units.json" and item.get("ean"):
                        self.products.setdefault(item["ean"], {"ean": item["ean"], "title": item.get("title") or ""})

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ValidationError(f"{path}: not a JSON file ({error})") from None
        if not isinstance(document, dict):
            raise ValidationError(f"{path}: expected a JSON object")
        return document

    def summary(self) -> dict[str, Any]:
        return {
            "orders": len(self.orders),
            "order_units": {s: sum(1 for u in self.order_units.values() if u["status"] == s) for s in UNIT_STATUSES},
            "units": len(self.units),
            "products": len(self.products),
            "imports": {
                str(r.id): {"kind": r.kind, "status": r.status, "errors": r.errors} for r in self.imports.values()
            },
            "returns": len(self.returns),
            "tickets": len(self.tickets),
            "reports": len(self.reports),
            "subscriptions": list(self.subscriptions.values()),
            "invoices": {k: len(v) for k, v in self.invoices.items()},
        }
