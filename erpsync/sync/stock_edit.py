"""The accounting side's own edits of stock and prices (``erpsync stock set|add``, ``erpsync price set``):
one product's quantity in a warehouse, one of its prices (standard or a marketplace's override). Each
edit queues the product's push to the shops it concerns in its own transaction (the automatic outbox of
``erpsync.models.changes``) and says which shops those are."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.models import (
    BASE_SCOPE,
    PRICE_RETAIL,
    PRICE_TYPES,
    Listing,
    Product,
    ProductPrice,
    Reservation,
    Shop,
    StockLevel,
    Warehouse,
)
from erpsync.models.base import utcnow
from erpsync.models.sales import RESERVATION_ACTIVE
from erpsync.sync.push_stock_prices import QueuedPush, queue_pending_stock_changes
from erpsync.sync.shops import get_shop


@dataclass
class StockEdit:
    """What ``set_stock``/``add_stock`` did."""

    sku: str
    warehouse: str
    before: int
    after: int
    free: int  # units free in every warehouse after the edit (on hand − active reservations)
    pushes: list[QueuedPush] = field(default_factory=list)


@dataclass
class PriceEdit:
    """What ``set_price`` did."""

    sku: str
    price_type: str
    scope: str
    before: Decimal | None
    after: Decimal
    currency: str
    pushes: list[QueuedPush] = field(default_factory=list)


def find_product(session: Session, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise NotFoundError(f"no product with SKU {sku!r}", hint="see the catalog with `erpsync listing list`")
    return product


def _warehouse(session: Session, product: Product, code: str | None) -> Warehouse:
    warehouses = list(session.scalars(select(Warehouse).order_by(Warehouse.code)))
    known = ", ".join(w.code for w in warehouses) or "none"
    if code is not None:
        for warehouse in warehouses:
            if warehouse.code == code:
                return warehouse
        raise NotFoundError(f"SKU {product.sku}: no warehouse with code {code!r} (warehouses: {known})")
    held = {level.warehouse_id for level in product.stock}
    candidates = [w for w in warehouses if w.id in held] or [w for w in warehouses if w.active]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFoundError(f"SKU {product.sku}: there is no warehouse yet", hint="the accounting database has none")
    raise ValidationError(f"SKU {product.sku} is kept in several warehouses ({', '.join(w.code for w in candidates)}): "
                          f"say which with --warehouse CODE")


def _level(session: Session, product: Product, warehouse: Warehouse) -> StockLevel:
    for level in product.stock:
        if level.warehouse_id == warehouse.id:
            return level
    level = StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=0)
    product.stock.append(level)
    return level


def _free(session: Session, product: Product) -> int:
    now = utcnow()
    on_hand = sum(level.quantity for level in product.stock)
    reserved = session.scalar(select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
        Reservation.product_id == product.id, Reservation.state == RESERVATION_ACTIVE,
        (Reservation.until.is_(None)) | (Reservation.until > now))) or 0
    return on_hand - int(reserved)


def set_stock(session: Session, sku: str, quantity: int, warehouse: str | None = None, *,
              delta: bool = False) -> StockEdit:
    """Set the quantity of ``sku`` on hand in a warehouse (``delta``: add to it; negative takes away)."""
    product = find_product(session, sku)
    place = _warehouse(session, product, warehouse)
    level = _level(session, product, place)
    before = level.quantity or 0
    after = before + quantity if delta else quantity
    if after < 0:
        raise ValidationError(f"SKU {sku} in warehouse {place.code}: {before} on hand, "
                              f"{'taking ' + str(-quantity) if delta else 'setting ' + str(quantity)} "
                              f"would leave {after}; stock cannot go below zero")
    level.quantity = after
    session.flush()
    return StockEdit(sku, place.code, before, after, _free(session, product), queue_pending_stock_changes(session))


def price_scope(session: Session, marketplace: str | None, shop: str | None) -> str:
    """``base``, or the marketplace whose override is set (``--shop`` names a shop of that marketplace)."""
    if marketplace and shop:
        raise ValidationError("give --marketplace or --shop, not both")
    if shop:
        return get_shop(session, shop).marketplace
    if marketplace:
        return marketplace_info(marketplace).name
    return BASE_SCOPE


def parse_amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"price {text!r} is not a number (e.g. 199.90)") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"price {text!r} must be a positive amount")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(f"price {text!r} has more than two decimals")
    return amount


def set_price(session: Session, sku: str, amount: Decimal, *, price_type: str = PRICE_RETAIL,
              scope: str = BASE_SCOPE, currency: str | None = None) -> PriceEdit:
    """Set one price of ``sku``: a standard one (scope ``base``) or a marketplace's override."""
    if price_type not in PRICE_TYPES:
        raise ValidationError(f"price kind {price_type!r} is not one of {', '.join(PRICE_TYPES)}")
    product = find_product(session, sku)
    price = next((p for p in product.prices if p.price_type == price_type and p.scope == scope), None)
    base = next((p for p in product.prices if p.price_type == PRICE_RETAIL and p.scope == BASE_SCOPE), None)
    currency = (currency or (price.currency if price else None) or (base.currency if base else None) or "UAH").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"currency {currency!r} must be a three-letter code (UAH, KZT, EUR)")
    before = price.amount if price else None
    if price is None:
        price = ProductPrice(product_id=product.id, price_type=price_type, scope=scope, amount=amount,
                             currency=currency)
        product.prices.append(price)
    else:
        price.amount, price.currency = amount, currency
    session.flush()
    return PriceEdit(sku, price_type, scope, before, amount, currency, queue_pending_stock_changes(session))


def shops_listing(session: Session, product_id: int) -> list[str]:
    """Names of the shops that list a product (for telling why none gets a push)."""
    return list(session.scalars(select(Shop.name).join(Listing, Listing.shop_id == Shop.id)
                                .where(Listing.product_id == product_id).order_by(Shop.name)))
