"""The price rules: which prices a shop sends for a product, rounded as its marketplace wants.

- **Marketplace override wins.** If the product has a price for the shop's marketplace (scope =
  marketplace name, type ``retail``), that price is sent with the marketplace's old price.
  Otherwise the standard price of the shop's price type (``retail`` or ``wholesale``, scope ``base``)
  is sent with the standard old price (the Kasta rule of seed 000).
- **Old price** is sent only when it is above the price (a crossed-out price below the price is noise
  every marketplace rejects).
- **Promo price** (scope = marketplace, type ``promo``) is always sent where the marketplace has one,
  when it is below the price.
- **Wholesale price** is sent only where the marketplace takes one and only when the product has a
  minimum wholesale quantity (seed 001).
- **Rounding:** half up to the marketplace's step (Kaspi: whole tenge; others: cents).
- Prices are sent in the amounts stored; erpsync converts no currency.

``price_block`` works on a plain mapping ``(price type, scope) → amount`` so the API pushes can use
it on rows they read themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from erpsync.core.money import CENT, WHOLE, round_money
from erpsync.models.catalog import BASE_SCOPE, PRICE_OLD, PRICE_PROMO, PRICE_RETAIL, PRICE_WHOLESALE

# Marketplaces whose feed or API carries a promotional price, a wholesale price, whole-unit prices.
PROMO_MARKETPLACES = frozenset({"rozetka", "kasta"})
WHOLESALE_MARKETPLACES = frozenset({"prom", "satu"})
PRICE_STEP: dict[str, Decimal] = {"kaspi": WHOLE}

SOURCE_MARKETPLACE = "marketplace"
SOURCE_BASE = "base"


@dataclass(slots=True)  # not frozen: built once per product, a frozen dataclass is much slower to build
class PriceBlock:
    """The prices a shop sends for one product."""

    price: Decimal
    old_price: Decimal | None = None
    promo_price: Decimal | None = None
    wholesale_price: Decimal | None = None
    wholesale_min_quantity: int | None = None
    source: str = SOURCE_BASE  # marketplace: the marketplace's own price was set; base: standard prices
    city_prices: tuple[tuple[str, Decimal], ...] = ()  # Kaspi: (city id, price) when the shop lists cities


def price_step(marketplace: str) -> Decimal:
    """The rounding step of a marketplace's prices."""
    return PRICE_STEP.get(marketplace, CENT)


def _positive(amount: Decimal | None, step: Decimal) -> Decimal | None:
    if amount is None:
        return None
    rounded = round_money(Decimal(amount), step)
    return rounded if rounded > 0 else None


def price_block(
    prices: Mapping[tuple[str, str], Decimal],
    *,
    marketplace: str,
    price_type: str = PRICE_RETAIL,
    min_wholesale_qty: int | None = None,
    city_ids: Iterable[str] = (),
) -> PriceBlock | None:
    """The prices to send, or ``None`` when the product has no price for this shop (it is then left out).

    ``prices`` maps ``(price type, scope)`` to an amount, e.g. ``("retail", "base")``,
    ``("retail", "kaspi")``, ``("promo", "rozetka")``; Kaspi city prices use the scope
    ``kaspi:<city id>``.
    """
    step = price_step(marketplace)
    override = _positive(prices.get((PRICE_RETAIL, marketplace)), step)
    if override is not None:
        price, old, source = override, _positive(prices.get((PRICE_OLD, marketplace)), step), SOURCE_MARKETPLACE
    else:
        price = _positive(prices.get((price_type, BASE_SCOPE)), step)
        if price is None:
            return None
        old, source = _positive(prices.get((PRICE_OLD, BASE_SCOPE)), step), SOURCE_BASE
    if old is not None and old <= price:
        old = None
    promo = None
    if marketplace in PROMO_MARKETPLACES:
        promo = _positive(prices.get((PRICE_PROMO, marketplace)), step)
        if promo is not None and promo >= price:
            promo = None
    wholesale = None
    if marketplace in WHOLESALE_MARKETPLACES and price_type == PRICE_RETAIL and min_wholesale_qty:
        wholesale = _positive(prices.get((PRICE_WHOLESALE, BASE_SCOPE)), step)
    cities = tuple(
        (city, _positive(prices.get((PRICE_RETAIL, f"{marketplace}:{city}")), step) or price) for city in city_ids
    ) if city_ids else ()
    return PriceBlock(price, old, promo, wholesale, min_wholesale_qty if wholesale is not None else None, source,
                      cities)


def format_amount(amount: Decimal, step: Decimal = CENT) -> str:
    """An amount as marketplaces read it: ``1234.50``, or ``1234`` for whole-unit marketplaces and round sums."""
    if step != WHOLE:
        text = str(amount.quantize(CENT)) if amount.as_tuple().exponent != -2 else str(amount)
        return text[:-3] if text.endswith(".00") else text
    return str(amount.quantize(WHOLE))


__all__ = [
    "PROMO_MARKETPLACES",
    "WHOLESALE_MARKETPLACES",
    "PriceBlock",
    "format_amount",
    "price_block",
    "price_step",
]
