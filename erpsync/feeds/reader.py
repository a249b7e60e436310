"""Reading a shop's listed products from the accounting database in chunks, with their related rows.

Products are read with SQLAlchemy Core as one streamed query (a server-side cursor on PostgreSQL,
``yield_per`` chunks everywhere); for each chunk the photos, characteristics, prices, stock and active
reservations of its products are fetched with one query per table, never per product. Nothing holds
more than one chunk, so memory stays flat whatever the catalog's size.

The rows are plain ``ProductRow`` objects: the feed renderer, the benchmark's reference writer and the
API stock/price pushes all read the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Integer, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql

from erpsync.models import (
    Listing,
    Product,
    ProductCharacteristic,
    ProductPhoto,
    ProductPrice,
    Reservation,
    StockLevel,
)
from erpsync.models.catalog import BASE_SCOPE
from erpsync.models.sales import RESERVATION_ACTIVE

CHUNK = 1000

_PRODUCT_COLUMNS = (
    Product.id, Product.sku, Product.barcode, Product.category_id, Product.name_uk, Product.name_ru,
    Product.name_kk, Product.brand, Product.model, Product.description_html, Product.marketplace_description,
    Product.unit, Product.weight_kg, Product.length_cm, Product.width_cm, Product.height_cm,
    Product.release_date, Product.track_stock, Product.min_wholesale_qty,
)


@dataclass(slots=True)
class Characteristic:
    name: str
    value: str
    unit: str | None
    is_dynamic: bool


@dataclass(slots=True)
class ProductRow:
    """One product as the feeds need it: its columns and its related rows."""

    id: int
    sku: str
    barcode: str | None
    category_id: int | None
    name_uk: str
    name_ru: str | None
    name_kk: str | None
    brand: str | None
    model: str | None
    description_html: str | None
    marketplace_description: str | None
    unit: str
    weight_kg: Decimal | None
    length_cm: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    release_date: date | None
    track_stock: bool
    min_wholesale_qty: int | None
    photos: list[str] = field(default_factory=list)  # in position order, main first
    characteristics: list[Characteristic] = field(default_factory=list)
    prices: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (price type, scope) -> amount
    stock: dict[int, int] = field(default_factory=dict)  # warehouse id -> units on hand
    reserved: dict[int, int] = field(default_factory=dict)  # warehouse id -> units actively reserved


def listed_products_query(shop_id: int, product_ids: Collection[int] | None = None) -> Any:
    """Products listed for the shop with the upload flag, active, in id order."""
    query = (
        select(*_PRODUCT_COLUMNS)
        .join(Listing, and_(Listing.product_id == Product.id, Listing.shop_id == shop_id))
        .where(Listing.upload.is_(True), Product.is_active.is_(True))
        .order_by(Product.id)
    )
    if product_ids is not None:
        query = query.where(Product.id.in_(list(product_ids)))
    return query


def _among(column: Any, ids: list[int], dialect: str) -> Any:
    """``column IN ids``; on PostgreSQL ``column = ANY(array)``, one parameter instead of a thousand."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, ids, type_=postgresql.ARRAY(Integer)))
    return column.in_(ids)


def _attach_related(
    connection: Connection, rows: dict[int, ProductRow], marketplace: str, warehouse_ids: Collection[int] | None
) -> None:
    ids = list(rows)
    dialect = connection.dialect.name
    for product_id, url in connection.execute(
        select(ProductPhoto.product_id, ProductPhoto.url)
        .where(_among(ProductPhoto.product_id, ids, dialect))
        .order_by(ProductPhoto.product_id, ProductPhoto.position)
    ).all():
        rows[product_id].photos.append(url)
    for product_id, name, value, unit, dynamic in connection.execute(
        select(
            ProductCharacteristic.product_id, ProductCharacteristic.name, ProductCharacteristic.value,
            ProductCharacteristic.unit, ProductCharacteristic.is_dynamic,
        )
        .where(_among(ProductCharacteristic.product_id, ids, dialect))
        .order_by(ProductCharacteristic.product_id, ProductCharacteristic.position, ProductCharacteristic.id)
    ).all():
        rows[product_id].characteristics.append(Characteristic(name, value, unit, bool(dynamic)))
    for product_id, price_type, scope, amount in connection.execute(
        select(ProductPrice.product_id, ProductPrice.price_type, ProductPrice.scope, ProductPrice.amount).where(
            _among(ProductPrice.product_id, ids, dialect),
            or_(ProductPrice.scope.in_((BASE_SCOPE, marketplace)), ProductPrice.scope.like(f"{marketplace}:%")),
        )
    ).all():
        rows[product_id].prices[(price_type, scope)] = amount
    stock_query = select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.quantity).where(
        _among(StockLevel.product_id, ids, dialect)
    )
    reserved_query = (
        select(Reservation.product_id, Reservation.warehouse_id, func.sum(Reservation.quantity))
        .where(_among(Reservation.product_id, ids, dialect), Reservation.state == RESERVATION_ACTIVE)
        .group_by(Reservation.product_id, Reservation.warehouse_id)
    )
    if warehouse_ids is not None:
        stock_query = stock_query.where(StockLevel.warehouse_id.in_(list(warehouse_ids)))
        reserved_query = reserved_query.where(Reservation.warehouse_id.in_(list(warehouse_ids)))
    for product_id, warehouse_id, quantity in connection.execute(stock_query).all():
        rows[product_id].stock[warehouse_id] = quantity
    for product_id, warehouse_id, quantity in connection.execute(reserved_query).all():
        rows[product_id].reserved[warehouse_id] = int(quantity or 0)


def _chunk_rows(columns: Sequence[Any]) -> dict[int, ProductRow]:
    return {row[0]: ProductRow(*row) for row in columns}


def iter_product_chunks(
    connection: Connection,
    *,
    shop_id: int,
    marketplace: str,
    warehouse_ids: Collection[int] | None = None,
    product_ids: Collection[int] | None = None,
    chunk: int = CHUNK,
) -> Iterator[list[ProductRow]]:
    """Yield the shop's listed products ``chunk`` at a time, each with its related rows.

    ``warehouse_ids`` limits stock and reservations to the shop's warehouses (``None``: all);
    ``product_ids`` limits the read to some products (for API pushes of changed products).
    Prices read are the standard ones and the marketplace's own (``marketplace`` and ``marketplace:*``).
    """
    # the options go on this statement only: the per-chunk queries below run on the same connection
    result = connection.execute(
        listed_products_query(shop_id, product_ids).execution_options(stream_results=True, yield_per=chunk)
    )
    try:
        for partition in result.partitions():
            rows = _chunk_rows(partition)
            _attach_related(connection, rows, marketplace, warehouse_ids)
            yield list(rows.values())
    finally:
        result.close()


def count_listed_products(connection: Connection, shop_id: int) -> int:
    """How many products are listed for the shop (for a progress bar's total)."""
    subquery = listed_products_query(shop_id).with_only_columns(Product.id).order_by(None).subquery()
    return int(connection.scalar(select(func.count()).select_from(subquery)) or 0)


def listed_category_ids(connection: Connection, shop_id: int) -> set[int]:
    """The categories that hold at least one of the shop's listed products."""
    query = (
        listed_products_query(shop_id)
        .with_only_columns(Product.category_id)
        .order_by(None)
        .where(Product.category_id.is_not(None))
        .distinct()
    )
    return {row[0] for row in connection.execute(query)}


__all__ = [
    "CHUNK",
    "Characteristic",
    "ProductRow",
    "count_listed_products",
    "iter_product_chunks",
    "listed_category_ids",
    "listed_products_query",
]
