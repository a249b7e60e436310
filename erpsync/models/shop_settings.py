"""The settings a shop may carry (stored as JSON on the shop row), with types, defaults and help.

Every key is declared here once: the CLI parses ``--setting KEY=VALUE`` with it, the admin panel
shows the help texts, and a wrong value is refused with a message naming the key.
Add a ``SettingSpec`` to ``SETTINGS`` to give shops a new setting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from erpsync.core.errors import ValidationError
from erpsync.core.marketplaces import marketplace_info

_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: str  # int | bool | str | list | dict | time | choice
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    marketplaces: tuple[str, ...] = ()  # empty: every marketplace
    check: Callable[[Any, str], str | None] | None = None  # (value, marketplace) -> error or None


def _poll_minimum(value: Any, marketplace: str) -> str | None:
    minimum = marketplace_info(marketplace).min_poll_minutes
    if value < minimum:
        return f"{marketplace} allows polling no more often than every {minimum} minutes"
    return None


def _at_most_30(value: Any, _marketplace: str) -> str | None:
    return "Kaspi allows at most 30 days of pre-order" if value > 30 else None


def _known_timezone(value: Any, marketplace: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r} (e.g. Europe/Kyiv)"
    return None


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("sync_orders", "bool", True, "Import orders from the marketplace (partial sync: off)."),
    SettingSpec("sync_stock_prices", "bool", True, "Push stock and prices to the marketplace."),
    SettingSpec("poll_interval_minutes", "int", 2, "How often to import orders, in minutes.",
                minimum=1, check=_poll_minimum),
    SettingSpec("stock_price_interval_minutes", "int", 10,
                "How often to run a stock/price pass besides change-driven pushes, in minutes.", minimum=1),
    SettingSpec("full_push_at", "time", None,
                "Time of day (HH:MM, UTC) of a full stock/price pass, e.g. 03:00 for a nightly refresh."),
    SettingSpec("feed_interval_minutes", "int", 60, "How often to render the shop's feed, in minutes.",
                minimum=1),
    SettingSpec("warehouses", "list", [], "Codes of the warehouses whose stock this shop sells (empty: all)."),
    SettingSpec("price_type", "choice", "retail", "Which standard price this shop sells at.",
                choices=("retail", "wholesale")),
    SettingSpec("reservation_days", "int", 3, "Days an imported order's stock stays reserved.", minimum=0),
    SettingSpec("order_lookback_days", "int", 14,
                "How far back the first order import reads, and how long open orders are read again "
                "for status changes on marketplaces that list orders by creation date (Kaspi).", minimum=1),
    SettingSpec("order_page_size", "int", None,
                "Orders per page when listing orders (default: the most the marketplace gives, 100); smaller "
                "pages make shorter requests on a slow connection.", minimum=1, marketplaces=("prom", "satu"),
                check=lambda value, _m: "Prom answers at most 100 orders a page" if value > 100 else None),
    SettingSpec("auto_invoice", "bool", False, "Create an invoice when a paid order is imported."),
    SettingSpec("auto_accept", "bool", False,
                "Accept new orders on the marketplace as soon as they are imported (Prom: new → received)."),
    SettingSpec("delayed_payment_methods", "list", [],
                "Marketplace payment methods whose unpaid orders are held until paid or the delay ends."),
    SettingSpec("delayed_payment_minutes", "int", 5, "How long unpaid online-payment orders are held.",
                minimum=0),
    SettingSpec("default_quantity", "int", 10,
                "Quantity sent for products that do not track stock.", minimum=0),
    SettingSpec("only_in_stock", "bool", False, "Offer only products with available stock."),
    SettingSpec("only_with_photos", "bool", False, "Offer only products that have photos."),
    SettingSpec("zero_stock", "choice", "unavailable",
                "Products with no stock: hide them, send them as unavailable, or as awaiting delivery.",
                choices=("hide", "unavailable", "awaiting")),
    SettingSpec("company", "str", None, "Company name in feed headers (Kaspi price list, YML shop)."),
    SettingSpec("url", "str", None, "The shop's website, for YML feeds."),
    SettingSpec("currency", "str", None, "Currency code of prices in feeds (default: the marketplace's)."),
    SettingSpec("merchant_id", "str", None, "Kaspi merchant id (the price list's <merchantid>).",
                marketplaces=("kaspi",)),
    SettingSpec("store_ids", "dict", {}, "Warehouse code → Kaspi store id (pickup point) for availabilities.",
                marketplaces=("kaspi",)),
    SettingSpec("photo_base_url", "str", None, "Base URL prepended to photo file names that are not URLs."),
    SettingSpec("storefront", "str", None, "Kaufland storefront (de, cz, sk, pl, at, fr, it).",
                marketplaces=("kaufland",)),
    SettingSpec("product_url", "str", None,
                "Address of a product's page on your site for feeds' <url>: placeholders {sku}, {slug}, {id}, "
                "e.g. https://shop.example/p/{slug}."),
    SettingSpec("city_ids", "list", [],
                "Kaspi city codes: when set, the price list sends <cityprices> for these cities (a product's "
                "price for a city is its price with scope kaspi:<city code>, else its Kaspi price).",
                marketplaces=("kaspi",)),
    SettingSpec("preorder_days", "int", 0,
                "Kaspi: days of pre-order (preOrder, at most 30) sent for products without stock when "
                "zero_stock=awaiting.", minimum=0, marketplaces=("kaspi",), check=_at_most_30),
    SettingSpec("handling_time_days", "int", 1, "Kaufland inventory file: handling time in working days.",
                minimum=0, marketplaces=("kaufland",)),
    SettingSpec("catalog_url", "str", None,
                "The YML export of the shop's own catalog on Prom / Satu (Products → Export → link), read by "
                "`erpsync sync catalog-import` to match the marketplace's products to ours.",
                marketplaces=("prom", "satu")),
    SettingSpec("timezone", "str", None,
                "The shop's clock, for marketplaces whose times carry no zone (default Europe/Kyiv).",
                marketplaces=("horoshop", "zakupka"), check=_known_timezone),
    SettingSpec("name_order", "choice", "first_last",
                "How buyers' two-word names are written when they come in one field.",
                choices=("first_last", "last_first"), marketplaces=("horoshop", "zakupka")),
    SettingSpec("horoshop_warehouse", "str", None,
                "The Horoshop warehouse that receives stock (catalog/importResidues; default office, the main one).",
                marketplaces=("horoshop",)),
)

SETTINGS_BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SETTINGS}


def _coerce(spec: SettingSpec, raw: Any, marketplace: str) -> Any:
    name = f"setting {spec.key}"
    if raw is None:
        return None
    if spec.kind == "int":
        if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit())):
            raise ValidationError(f"{name}: expected a whole number, got {raw!r}")
        value: Any = int(raw)
        if spec.minimum is not None and value < spec.minimum:
            raise ValidationError(f"{name}: must be at least {spec.minimum}, got {value}")
    elif spec.kind == "bool":
        if isinstance(raw, bool):
            value = raw
        elif str(raw).strip().lower() in _TRUE:
            value = True
        elif str(raw).strip().lower() in _FALSE:
            value = False
        else:
            raise ValidationError(f"{name}: expected true or false, got {raw!r}")
    elif spec.kind == "list":
        if isinstance(raw, str):
            text = raw.strip()
            raw = json.loads(text) if text.startswith("[") else [p.strip() for p in text.split(",") if p.strip()]
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ValidationError(f"{name}: expected a list of texts, got {raw!r}")
        value = raw
    elif spec.kind == "dict":
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise ValidationError(f"{name}: expected a JSON object, got {raw!r}") from None
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise ValidationError(f"{name}: expected an object of texts, got {raw!r}")
        value = {str(k): v for k, v in raw.items()}
    elif spec.kind == "time":
        if not isinstance(raw, str) or not _TIME.match(raw.strip()):
            raise ValidationError(f"{name}: expected a time of day HH:MM, got {raw!r}")
        value = raw.strip()
    elif spec.kind == "choice":
        if raw not in spec.choices:
            raise ValidationError(f"{name}: expected one of {', '.join(spec.choices)}, got {raw!r}")
        value = raw
    else:
        if not isinstance(raw, str):
            raise ValidationError(f"{name}: expected a text, got {raw!r}")
        value = raw
    if spec.check is not None:
        problem = spec.check(value, marketplace)
        if problem:
            raise ValidationError(f"{name}: {problem}")
    return value


def validate_settings(values: Mapping[str, Any], marketplace: str) -> dict[str, Any]:
    """Check and normalise a whole settings object for a shop of ``marketplace``."""
    result: dict[str, Any] = {}
    for key, raw in values.items():
        spec = SETTINGS_BY_KEY.get(key)
        if spec is None:
            known = ", ".join(sorted(SETTINGS_BY_KEY))
            raise ValidationError(f"unknown setting {key!r}; known settings: {known}")
        if spec.marketplaces and marketplace not in spec.marketplaces:
            raise ValidationError(
                f"setting {key} applies to {', '.join(spec.marketplaces)} shops, not {marketplace}"
            )
        result[key] = _coerce(spec, raw, marketplace)
    return result


def parse_assignments(pairs: Iterable[str], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Turn ``KEY=VALUE`` strings into a settings dict; ``store_ids.WH1=PP1`` sets one key of a dict."""
    result: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (current or {}).items()}
    for pair in pairs:
        if "=" not in pair:
            raise ValidationError(f"expected KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        key = key.strip()
        if "." in key:
            top, sub = key.split(".", 1)
            target = result.get(top)
            if not isinstance(target, dict):
                target = {}
            target[sub] = value
            result[top] = target
        else:
            result[key] = value
    return result


def effective_settings(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values over the defaults of every setting."""
    merged = {spec.key: spec.default for spec in SETTINGS}
    merged.update(stored)
    return merged
