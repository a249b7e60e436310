"""Which of a shop's products go to its marketplace, and why the others do not.

The products considered are those listed for the shop with the "upload to marketplace" flag (see
``erpsync.feeds.reader``). Each is then checked, in this order, and the first failing check is its
reason to be left out:

bad input (written to the sync log, one event per product per render)
  ``invalid_sku`` (Kaspi: digits and Latin letters, at most 20), ``no_name``, ``no_barcode``
  (Kaufland: an EAN is its product key), ``no_brand`` and ``photo_required`` (Rozetka needs both),
  ``no_category_mapping`` (marketplaces that need their own
  category), ``characteristic_value_not_allowed``, ``no_price``;
shop filters (counted in the render's summary)
  ``no_photos`` (setting ``only_with_photos``), ``out_of_stock`` (setting ``only_in_stock``, or
  ``zero_stock=hide``).

``ShopRules`` holds the settings that drive this; ``check_product`` is the row-oriented entry point
the feeds and the API pushes share.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from erpsync.feeds.pricing import PriceBlock
from erpsync.feeds.reader import ProductRow
from erpsync.feeds.stock import StockState

KASPI_SKU = re.compile(r"^[0-9A-Za-z]{1,20}$")

BAD_INPUT_REASONS = frozenset({
    "invalid_sku", "no_name", "no_barcode", "no_brand", "photo_required", "no_price", "no_category_mapping",
    "characteristic_value_not_allowed",
})
FILTER_REASONS = frozenset({"no_photos", "out_of_stock"})


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A product left out of a shop's feed: a reason code and a sentence for people."""

    sku: str
    reason: str
    message: str

    @property
    def is_bad_input(self) -> bool:
        return self.reason in BAD_INPUT_REASONS


@dataclass(frozen=True)
class ShopRules:
    """The shop settings that decide selection, prices and stock."""

    marketplace: str
    only_in_stock: bool = False
    only_with_photos: bool = False
    zero_stock: str = "unavailable"  # hide | unavailable | awaiting
    default_quantity: int = 10
    price_type: str = "retail"
    warehouse_ids: frozenset[int] | None = None  # None: every warehouse
    sku_rule: str | None = None
    needs_barcode: bool = False
    needs_photo: bool = False
    needs_brand: bool = False

    @classmethod
    def from_settings(
        cls,
        marketplace: str,
        settings: Mapping[str, Any],
        warehouse_ids: Collection[int] | None,
        *,
        sku_rule: str | None = None,
        needs_barcode: bool = False,
        needs_photo: bool = False,
        needs_brand: bool = False,
    ) -> ShopRules:
        return cls(
            marketplace=marketplace,
            only_in_stock=bool(settings.get("only_in_stock", False)),
            only_with_photos=bool(settings.get("only_with_photos", False)),
            zero_stock=settings.get("zero_stock") or "unavailable",
            default_quantity=int(settings.get("default_quantity", 10)),
            price_type=settings.get("price_type") or "retail",
            warehouse_ids=frozenset(warehouse_ids) if warehouse_ids is not None else None,
            sku_rule=sku_rule,
            needs_barcode=needs_barcode,
            needs_photo=needs_photo,
            needs_brand=needs_brand,
        )


def check_identity(product: ProductRow, rules: ShopRules) -> Exclusion | None:
    """SKU, name and barcode: what the marketplace needs to know the product at all."""
    if rules.sku_rule == "kaspi" and not KASPI_SKU.match(product.sku):
        return Exclusion(product.sku, "invalid_sku",
                         f"SKU {product.sku!r} is not 1–20 digits and Latin letters, as Kaspi requires")
    if not (product.name_uk or "").strip():
        return Exclusion(product.sku, "no_name", f"product {product.sku} has no name")
    if rules.needs_barcode and not valid_ean(product.barcode):
        return Exclusion(product.sku, "no_barcode",
                         f"product {product.sku} has no valid EAN barcode ({product.barcode or 'none'})")
    if rules.needs_brand and not (product.brand or "").strip():
        return Exclusion(product.sku, "no_brand", f"product {product.sku} has no brand, {rules.marketplace} needs one")
    if rules.needs_photo and not product.photos:
        return Exclusion(product.sku, "photo_required",
                         f"product {product.sku} has no photo, {rules.marketplace} needs one")
    return None


def check_offer(
    product: ProductRow, rules: ShopRules, price: PriceBlock | None, stock: StockState | None
) -> Exclusion | None:
    """Price and the shop's filters, once the price block and stock state are known."""
    if price is None:
        return Exclusion(product.sku, "no_price",
                         f"product {product.sku} has no {rules.price_type} price for {rules.marketplace}")
    if rules.only_with_photos and not product.photos:
        return Exclusion(product.sku, "no_photos", f"product {product.sku} has no photos (only_with_photos)")
    if stock is None or (rules.only_in_stock and not stock.in_stock):
        why = "only_in_stock" if stock is not None else "zero_stock=hide"
        return Exclusion(product.sku, "out_of_stock", f"product {product.sku} is out of stock ({why})")
    return None


def valid_ean(code: str | None) -> bool:
    """An EAN-8, UPC-A (12), EAN-13 or GTIN-14 with a correct check digit."""
    if not code or not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


__all__ = [
    "BAD_INPUT_REASONS",
    "FILTER_REASONS",
    "KASPI_SKU",
    "Exclusion",
    "ShopRules",
    "check_identity",
    "check_offer",
    "valid_ean",
]
