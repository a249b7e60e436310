"""The Kasta sandbox's data and rules, kept apart from HTTP: the category tree and each category's schema,
stored photos, product submits with a per-product result, products with their moderation state
(seed 000: "New" until a Kasta manager moderates them; no stock or price change meanwhile), stock and
prices, and orders with their status history — in the shapes public clients of hub.kasta.ua read.

The rules are written from seed 000 and the public clients independently of the connector's checks,
so the sandbox tests the connector rather than agreeing with it by construction.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from erpsync.core.errors import ValidationError

MAX_SUBMIT = 500  # seed 000
MAX_UPDATE = 500
UPLOAD_STEPS = ("processing", "done")  # one step per poll of submit/status
PAGE = 100
MODERATION = "new"
ACTIVE = "active"
REJECTED = "rejected"
STATUS_FLOW = ("Created", "ConfirmedBySupplier", "Packed", "AnnouncedForDelivery", "SentToDelivery", "Delivered")


class Refusal(Exception):
    """What Kasta would answer with an error: an HTTP status and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode_cursor(position: int, scope: str = "") -> str:
    return base64.urlsafe_b64encode(f"{scope}|{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        scope, position = raw.rsplit("|", 1)
        return scope, int(position)
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400, f"Invalid cursor {cursor!r}") from None


@dataclass
class ProductRecord:
    unique_sku_id: str
    kind_id: int
    affiliation_id: int
    fields: dict[str, Any]  # what was submitted (code, barcode, names, prices, characteristics, …)
    status: str = MODERATION
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reason: str | None = None
    promo_price: float | None = None

    @property
    def code(self) -> str:
        return str(self.fields.get("code"))

    @property
    def barcodes(self) -> list[str]:
        return [str(b) for b in self.fields.get("barcode") or []]

    def listing(self) -> dict[str, Any]:
        """The product as ``products/list`` shows it."""
        item = {key: self.fields.get(key) for key in ("code", "barcode", "name_uk", "name_ru", "brand", "color",
                                                      "size", "old_price", "new_price")}
        sizes = [c.get("data", {}).get("sizes") for c in self.fields.get("characteristics") or []
                 if isinstance(c, dict) and isinstance(c.get("data"), dict) and c["data"].get("sizes")]
        return {
            "unique_sku_id": self.unique_sku_id,
            **item,
            "kasta_size": next(iter(sizes[0].values()), None) if sizes else None,
            "kind_id": self.kind_id,
            "affiliation_id": self.affiliation_id,
            "promo_price": self.promo_price,
            "total_stock": int(self.fields.get("stock") or 0),
            "status": self.status,
            **({"rejection_reason": self.reason} if self.reason else {}),
        }


@dataclass
class UploadRecord:
    upload_id: str
    items: list[dict[str, Any]]  # {"code", "status", "errors", "unique_sku_id"}
    step: int = 0

    @property
    def status(self) -> str:
        return UPLOAD_STEPS[self.step]


@dataclass
class OrderRecord:
    id: str
    payload: dict[str, Any]

    @property
    def updated_at(self) -> str:
        return max((str(s.get("created_at")) for s in self.payload.get("statuses") or []), default="")


def _load_catalog() -> dict[str, Any]:
    text = resources.files("erpsync.sandbox").joinpath("data", "kasta", "catalog.json").read_text("utf-8")
    return json.loads(text)


class KastaStore:
    """Everything the Kasta sandbox knows; callers hold the sandbox lock."""

    def __init__(self, rng: random.Random, now: Callable[[], datetime], moderation_delay: timedelta | None,
                 image_root: Callable[[], str]) -> None:
        self.rng = rng
        self.now = now
        self.moderation_delay = moderation_delay
        self.image_root = image_root
        catalog = _load_catalog()
        self.category_all: dict[str, Any] = catalog["category_all"]
        self.details: dict[str, dict[str, Any]] = catalog["details"]
        self.images: dict[str, str] = {}  # stored path → the URL it was fetched from
        self.products: dict[str, ProductRecord] = {}  # unique_sku_id → product
        self.uploads: dict[str, UploadRecord] = {}
        self.orders: dict[str, OrderRecord] = {}
        self._ids = itertools.count(100001)

    # --- the schema ------------------------------------------------------------------------------

    def schema(self, affiliation_id: Any, kind_id: Any) -> list[dict[str, Any]]:
        try:
            key = f"{int(affiliation_id)}-{int(kind_id)}"
        except (TypeError, ValueError):
            raise Refusal(400, "kind_id and affiliation_id must be whole numbers") from None
        details = self.details.get(key)
        if details is None:
            raise Refusal(404, f"Category kind_id={kind_id} affiliation_id={affiliation_id} is not found")
        return details["schema"]

    # --- photos ----------------------------------------------------------------------------------

    def store_image(self, body: Any) -> str:
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise Refusal(400, "url must be an http(s) link to a photo")
        if not url.lower().split("?")[0].endswith((".jpg", ".jpeg", ".png", ".webp")):
            raise Refusal(400, f"{url} is not a photo (jpg, png or webp)")
        digest = hashlib.sha256(url.encode()).hexdigest()[:15]
        folders = "/".join(digest[i:i + 3] for i in (0, 3, 6, 9))
        path = f"{self.image_root()}/supplier-content-uploads/sandbox/{folders}/{digest[12:]}.jpeg"
        self.images[path] = url
        return path

    # --- submits ---------------------------------------------------------------------------------

    def submit(self, body: Any) -> UploadRecord:
        if not isinstance(body, dict):
            raise Refusal(400, "The body must be a JSON object {kind_id, affiliation_id, update, data}")
        schema = self.schema(body.get("affiliation_id"), body.get("kind_id"))
        data = body.get("data")
        if not isinstance(data, list) or not data:
            raise Refusal(400, "data must be a non-empty list of products")
        if len(data) > MAX_SUBMIT:
            raise Refusal(400, f"At most {MAX_SUBMIT} products can be submitted at once (got {len(data)})")
        record = UploadRecord(upload_id=f"{self.rng.getrandbits(48):012x}", items=[])
        for index, product in enumerate(data):
            record.items.append(self._submit_one(product, index, schema, body))
        self.uploads[record.upload_id] = record
        return record

    def _submit_one(self, product: Any, index: int, schema: list[dict[str, Any]], body: dict[str, Any]) -> dict:
        code = str(product.get("code")) if isinstance(product, dict) and product.get("code") else f"#{index}"
        problems = self.product_problems(product, schema)
        if problems:
            return {"code": code, "status": "error", "errors": problems}
        existing = self.by_code(code)
        if existing is not None and not body.get("update"):
            return {"code": code, "status": "error", "errors": [f"a product with code {code} exists (send update)"]}
        if existing is not None:
            existing.fields = dict(product)
            return {"code": code, "status": "updated", "errors": [], "unique_sku_id": existing.unique_sku_id}
        record = ProductRecord(f"ksku_{next(self._ids)}", int(body["kind_id"]), int(body["affiliation_id"]),
                               dict(product), created_at=self.now())
        self.products[record.unique_sku_id] = record
        return {"code": code, "status": "created", "errors": [], "unique_sku_id": record.unique_sku_id}

    def product_problems(self, product: Any, schema: list[dict[str, Any]]) -> list[str]:
        if not isinstance(product, dict):
            return ["a product must be an object"]
        problems = [f"{key} is required" for key in ("code", "name_uk", "brand", "description_uk")
                    if not str(product.get(key) or "").strip()]
        barcode = product.get("barcode")
        if not isinstance(barcode, list) or not barcode or not all(str(b).strip() for b in barcode):
            problems.append("barcode must be a non-empty list")
        images = product.get("images")
        if not isinstance(images, list) or not images:
            problems.append("images: at least one photo is required")
        else:
            problems += [f"images: {path} was not uploaded through submit/image" for path in images
                         if path not in self.images]
        problems += self.price_problems(product.get("old_price"), product.get("new_price"))
        has_size = any(entry.get("type") == "size" for entry in schema)
        if has_size and not str(product.get("size") or "").strip():
            problems.append("size (the size on the label) is required in this category")
        return problems + self.characteristic_problems(product.get("characteristics"), schema)

    @staticmethod
    def price_problems(old: Any, new: Any, promo: Any = None) -> list[str]:
        numbers = {}
        for name, value in (("old_price", old), ("new_price", new), ("promo_price", promo)):
            if value is None and name == "promo_price":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                return [f"{name} must be a number above 0"]
            numbers[name] = value
        if numbers["old_price"] < numbers["new_price"]:
            return ["old_price must not be below new_price"]
        if "promo_price" in numbers and numbers["promo_price"] >= numbers["new_price"]:
            return ["promo_price must be below new_price"]
        return []

    def characteristic_problems(self, characteristics: Any, schema: list[dict[str, Any]]) -> list[str]:
        if not isinstance(characteristics, list):
            return ["characteristics must be a list"]
        entries = {entry["key_name"]: entry for entry in schema}
        given: dict[str, Any] = {}
        problems = []
        for item in characteristics:
            key = item.get("key_name") if isinstance(item, dict) else None
            if key not in entries:
                problems.append(f"characteristic {key!r} does not belong to this category")
                continue
            given[key] = item
            problems += self._value_problems(entries[key], item)
        for key, entry in entries.items():
            if (entry.get("requirements") or {}).get("required?") and key not in given:
                problems.append(f"characteristic {key} ({entry['human_name']}) is required")
        return problems

    @staticmethod
    def _value_problems(entry: dict[str, Any], item: dict[str, Any]) -> list[str]:
        name = f"characteristic {entry['key_name']} ({entry['human_name']})"
        data = item.get("data") if isinstance(item.get("data"), dict) else {}
        if entry.get("type") == "size":
            sizes = data.get("sizes") if isinstance(data.get("sizes"), dict) else {}
            allowed = {size["id"] for chart in entry.get("sizecharts") or [] for size in chart["sizes"]}
            chosen = list(sizes.values())
            if len(chosen) != 1 or chosen[0] not in allowed:
                return [f"{name}: data.sizes must name one size of the category's size charts"]
            return []
        if entry.get("value_ids"):
            ids = data.get("ids")
            allowed = {value["id"] for value in entry["value_ids"]}
            if not isinstance(ids, list) or not ids:
                return [f"{name}: data.ids must list value ids"]
            if len(ids) > 1 and not (entry.get("requirements") or {}).get("multi?"):
                return [f"{name} takes one value"]
            unknown = [i for i in ids if i not in allowed]
            return [f"{name}: unknown value id {', '.join(map(str, unknown))}"] if unknown else []
        value = item.get("value")
        if value is None or str(value).strip() == "":
            return [f"{name}: value is required"]
        if (entry.get("requirements") or {}).get("number?") and not isinstance(value, int | float):
            return [f"{name} takes a number"]
        return []

    def poll_upload(self, upload_id: str | None) -> dict[str, Any]:
        record = self.uploads.get(upload_id or "")
        if record is None:
            raise Refusal(404, f"Upload {upload_id} is not found")
        answer: dict[str, Any] = {"upload_id": record.upload_id, "status": record.status}
        if record.status == "done":
            answer["items"] = record.items
        record.step = min(record.step + 1, len(UPLOAD_STEPS) - 1)
        return answer

    # --- products, moderation, stock and prices --------------------------------------------------

    def by_code(self, code: str) -> ProductRecord | None:
        return next((p for p in self.products.values() if p.code == code), None)

    def by_barcode(self, barcode: str) -> ProductRecord | None:
        return next((p for p in self.products.values() if barcode in p.barcodes), None)

    def moderate_due(self) -> None:
        """Products waiting longer than the moderation delay pass moderation."""
        if self.moderation_delay is None:
            return
        now = self.now()
        for product in self.products.values():
            if product.status == MODERATION and now - product.created_at >= self.moderation_delay:
                product.status = ACTIVE

    def moderate(self, codes: Sequence[str] | None, status: str, reason: str | None = None) -> list[str]:
        """Move products (by code or barcode; None: every one in moderation) to ``status``."""
        if status not in (ACTIVE, REJECTED, MODERATION):
            raise Refusal(400, f"status must be {ACTIVE}, {REJECTED} or {MODERATION}")
        chosen = [p for p in self.products.values() if (p.status == MODERATION if codes is None else
                                                         p.code in codes or set(p.barcodes) & set(codes))]
        for product in chosen:
            product.status = status
            product.reason = reason if status == REJECTED else None
        return [p.code for p in chosen]

    def list_products(self, cursor: str | None, barcode: str | None) -> dict[str, Any]:
        self.moderate_due()
        products = sorted(self.products.values(), key=lambda p: p.unique_sku_id)
        if barcode:
            products = [p for p in products if barcode in p.barcodes]
        start = decode_cursor(cursor)[1] if cursor else 0
        chosen = products[start:start + PAGE]
        following = start + PAGE if start + PAGE < len(products) else None
        return {"items": [p.listing() for p in chosen],
                "cursor": encode_cursor(following, "products") if following is not None else None}

    def update(self, body: Any, apply: Callable[[ProductRecord, dict[str, Any]], str | None]) -> dict[str, Any]:
        """An update-stock / update-price call: each line applied or refused on its own."""
        self.moderate_due()
        lines = body.get("items") if isinstance(body, dict) else None
        if not isinstance(lines, list) or not lines:
            raise Refusal(400, "items must be a non-empty list")
        if len(lines) > MAX_UPDATE:
            raise Refusal(400, f"At most {MAX_UPDATE} items can be updated at once (got {len(lines)})")
        errors, updated = [], 0
        for line in lines:
            barcode = str(line.get("barcode")) if isinstance(line, dict) and line.get("barcode") else None
            product = self.by_barcode(barcode) if barcode else None
            if product is None:
                errors.append({"barcode": barcode, "message": f"no product with barcode {barcode}"})
                continue
            if product.status == MODERATION:
                errors.append({"barcode": barcode, "message": "the product is on moderation (New products): "
                                                              "stock and prices cannot change yet"})
                continue
            problem = apply(product, line)
            if problem:
                errors.append({"barcode": barcode, "message": problem})
            else:
                updated += 1
        return {"updated": updated, "errors": errors}

    @staticmethod
    def apply_stock(product: ProductRecord, line: dict[str, Any]) -> str | None:
        stock = line.get("stock")
        if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
            return "stock must be a whole number of at least 0"
        product.fields["stock"] = stock
        return None

    def apply_price(self, product: ProductRecord, line: dict[str, Any]) -> str | None:
        problems = self.price_problems(line.get("old_price"), line.get("new_price"), line.get("promo_price"))
        if problems:
            return problems[0]
        product.fields["old_price"], product.fields["new_price"] = line["old_price"], line["new_price"]
        product.promo_price = line.get("promo_price")
        return None

    # --- orders ----------------------------------------------------------------------------------

    def add_order(self, *, skus: Sequence[str] = ("KS-SHIRT-44",), status: str = "Created",
                  created_at: datetime | None = None, payment: str = "cod", order_id: str | None = None,
                  quantity: int = 1, price: float = 1790.0, waybill: str | None = None) -> str:
        """An order in Kasta's shape; its status history runs from Created up to ``status``."""
        created = created_at or self.now()
        order_id = order_id or f"{self.rng.randint(10**7, 10**8 - 1)}"
        history = list(STATUS_FLOW[:STATUS_FLOW.index(status) + 1]) if status in STATUS_FLOW else ["Created", status]
        statuses = [{"type": kind, "created_at": iso(created + timedelta(minutes=17 * i))}
                    for i, kind in enumerate(history)]
        first, last, phone = self.rng.choice(BUYERS)
        city, branch = self.rng.choice(BRANCHES)
        items = [{"unique_sku_id": f"ksku_{sku}", "supplier_code": sku, "barcode": [sku], "name": f"Товар {sku}",
                  "kind": "Сорочки", "size": "44", "color": "Синій", "quantity": quantity, "new_price": price,
                  "paid_price": price, "supplier_price": round(price * 0.82, 2), "total_price": price * quantity}
                 for sku in skus]
        self.orders[order_id] = OrderRecord(order_id, {
            "id": order_id,
            "statuses": statuses,
            "client": {"first_name": first, "last_name": last, "middle_name": None, "phone": phone},
            "shipping_address": {"first_name": first, "last_name": last, "phone": phone,
                                 "city": {"name": city}, "warehouse": {"name": branch, "ref_id": f"wh-{order_id}"}},
            "delivery_properties": {"type": "novaposhta", "declaration_number": waybill, "paid_price": 0,
                                    "black_used": False},
            "ordered_items": items,
            "cancelled_items": [],
            "returned_items": [],
            "comments": [],
            "requested_payment_method": payment,
            "card_payment_state": "paid" if payment == "card" else None,
            "kasta_pays_for_shipping": False,
        })
        return order_id

    def generate_orders(self, count: int) -> None:
        skus = ("KS-SHIRT-44", "KS-SHIRT-46", "KS-TEE-M", "KS-SNEAK-41", "KS-BED-EURO")
        statuses = ("Created", "Created", "ConfirmedBySupplier", "Packed", "SentToDelivery", "Delivered", "Cancelled")
        for _ in range(count):
            created = self.now() - timedelta(minutes=self.rng.randint(5, 60 * 24 * 10))
            status = self.rng.choice(statuses)
            waybill = f"2045{self.rng.randint(10**9, 10**10 - 1)}" if status in STATUS_FLOW[3:] else None
            self.add_order(skus=self.rng.sample(skus, self.rng.randint(1, 2)), status=status, created_at=created,
                           payment=self.rng.choice(("cod", "card")), quantity=self.rng.randint(1, 2),
                           price=float(self.rng.choice((590, 890, 1290, 1790, 2490))), waybill=waybill)

    def list_orders(self, args: Mapping[str, str]) -> dict[str, Any]:
        try:
            limit = int(args.get("limit", "20"))
        except ValueError:
            raise Refusal(400, "limit must be a whole number") from None
        if not 1 <= limit <= 100:
            raise Refusal(400, "limit must be from 1 to 100")
        orders = sorted(self.orders.values(), key=lambda o: (o.updated_at, o.id))
        if args.get("order_id"):
            orders = [o for o in orders if o.id == args["order_id"]]
        scope = args.get("from", "")
        start = 0
        if args.get("cursor"):
            scope, start = decode_cursor(args["cursor"])
        if scope:
            since = _parse_time(scope)
            orders = [o for o in orders if _parse_time(o.updated_at) >= since]
        chosen = orders[start:start + limit]
        position = start + len(chosen)
        return {"items": [o.payload for o in chosen], "cursor": encode_cursor(position, scope),
                "remains": max(0, len(orders) - position)}

    # --- seeding ---------------------------------------------------------------------------------

    def load(self, directory: Path) -> None:
        """Files mirror the request paths: ``supplier-content/category/all.json``,
        ``supplier-content/category/details/<affiliation_id>-<kind_id>.json``, ``products/list.json`` and
        ``orders/list.json`` (Kasta's answers)."""
        if not directory.is_dir():
            raise ValidationError(f"seed directory {directory} does not exist")
        folder = directory / "supplier-content" / "category"
        if (folder / "all.json").exists():
            self.category_all = _read(folder / "all.json")
            self.details = {}
        for path in sorted((folder / "details").glob("*.json")):
            self.details[path.stem] = _read(path)
        for path in sorted((directory / "products").glob("*.json")):
            for item in _items(_read(path), path):
                record = ProductRecord(str(item.get("unique_sku_id") or f"ksku_{next(self._ids)}"),
                                       int(item.get("kind_id") or 0), int(item.get("affiliation_id") or 0),
                                       dict(item), status=str(item.get("status") or ACTIVE), created_at=self.now())
                self.products[record.unique_sku_id] = record
        for path in sorted((directory / "orders").glob("*.json")):
            for item in _items(_read(path), path):
                if not item.get("id"):
                    raise ValidationError(f"{path}: every order needs an id")
                self.orders[str(item["id"])] = OrderRecord(str(item["id"]), dict(item))

    def summary(self) -> dict[str, Any]:
        states: dict[str, int] = {}
        for product in self.products.values():
            states[product.status] = states.get(product.status, 0) + 1
        return {"categories": len(self.details), "products": states, "orders": len(self.orders),
                "uploads": {upload_id: record.status for upload_id, record in self.uploads.items()},
                "images": len(self.images)}


BUYERS = (("Олена", "Коваленко", "380671234567"), ("Андрій", "Шевчук", "380502223344"),
          ("Ірина", "Бондар", "380931112233"), ("Максим", "Ткаченко", "380667778899"))
BRANCHES = (("Київ", "Відділення №12: вул. Хрещатик, 22"), ("Львів", "Відділення №5: вул. Городоцька, 120"),
            ("Одеса", "Поштомат №3102: вул. Дерибасівська, 9"), ("Харків", "Відділення №40: просп. Науки, 7"))


def _parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refusal(400, f"from must be an ISO 8601 time, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from None


def _items(document: Any, path: Path) -> list[dict[str, Any]]:
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ValidationError(f"{path}: expected Kasta's answer {{\"items\": [...]}}")
    return [item for item in items if isinstance(item, dict)]
