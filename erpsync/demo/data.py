"""``erpsync demo-data``: fill the accounting database with a realistic, seeded sample catalog.

Rows are written in bulk through the DB-API (``executemany`` on SQLite, ``COPY`` on PostgreSQL) in
chunks of products, so a million products take minutes and constant memory.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from slugify import slugify
from sqlalchemy import Connection, func, select

from erpsync.demo.catalog_data import TEXT_AFTER, TEXT_BEFORE, TREE, WAREHOUSES, ProductType
from erpsync.models import (
    BASE_SCOPE,
    Category,
    Product,
    ProductCharacteristic,
    ProductPhoto,
    ProductPrice,
    StockLevel,
    Warehouse,
)
from erpsync.models.db import Database

CHUNK = 2000
MARKETPLACE_OVERRIDES = ("kaspi", "kasta", "prom", "rozetka")
PHOTO_BASE = "https://cdn.erpsync.example/photos"

PRODUCT_COLUMNS = (
    "id", "sku", "barcode", "category_id", "name_uk", "name_ru", "name_kk", "brand", "model",
    "description_html", "marketplace_description", "unit", "weight_kg", "length_cm", "width_cm", "height_cm",
    "release_date", "is_active", "track_stock", "min_wholesale_qty", "created_at", "updated_at",
)
PHOTO_COLUMNS = ("product_id", "position", "url")
CHAR_COLUMNS = ("product_id", "name", "value", "unit", "is_dynamic", "position")
PRICE_COLUMNS = ("product_id", "price_type", "scope", "amount", "currency")
STOCK_COLUMNS = ("product_id", "warehouse_id", "quantity")


@dataclass
class DemoSummary:
    products: int = 0
    photos: int = 0
    characteristics: int = 0
    prices: int = 0
    stock_rows: int = 0
    categories: int = 0
    warehouses: int = 0


@dataclass
class _Chunk:
    products: list[tuple[Any, ...]] = field(default_factory=list)
    photos: list[tuple[Any, ...]] = field(default_factory=list)
    characteristics: list[tuple[Any, ...]] = field(default_factory=list)
    prices: list[tuple[Any, ...]] = field(default_factory=list)
    stock: list[tuple[Any, ...]] = field(default_factory=list)


def ensure_warehouses(connection: Connection) -> list[int]:
    ids = []
    for code, name, city in WAREHOUSES:
        found = connection.scalar(select(Warehouse.id).where(Warehouse.code == code))
        if found is None:
            found = connection.execute(
                Warehouse.__table__.insert().values(code=code, name=name, city=city, active=True)
            ).inserted_primary_key[0]
        ids.append(found)
    return ids


def ensure_categories(connection: Connection) -> list[tuple[int, ProductType]]:
    """Create the sample tree (idempotently); return (leaf category id, its product type)."""
    table = Category.__table__
    now = datetime.now(UTC)
    cache: dict[tuple[int | None, str], int] = {}

    def node(parent: int | None, names: tuple[str, str], position: int) -> int:
        slug = slugify(names[0])
        key = (parent, slug)
        if key in cache:
            return cache[key]
        found = connection.scalar(
            select(table.c.id).where(table.c.slug == slug, table.c.parent_id.is_(None) if parent is None
                                     else table.c.parent_id == parent)
        )
        if found is None:
            found = connection.execute(
                table.insert().values(
                    parent_id=parent, name=names[0], name_ru=names[1], slug=slug,
                    text_before=TEXT_BEFORE.format(name=names[0].lower()),
                    text_after=TEXT_AFTER.format(name=names[0].lower()),
                    image_url=f"{PHOTO_BASE}/categories/{slug}.jpg", position=position,
                    created_at=now, updated_at=now,
                )
            ).inserted_primary_key[0]
        cache[key] = found
        return found

    leaves = []
    for position, (top, middle, leaf, product_type) in enumerate(TREE):
        top_id = node(None, top, position)
        middle_id = node(top_id, middle, position)
        leaves.append((node(middle_id, leaf, position), product_type))
    return leaves


def _ean13(number: int) -> str:
    body = f"482{number:09d}"[-12:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _round_price(value: float) -> Decimal:
    return Decimal(int(value / 10) * 10 - 1 if value > 100 else int(value)).quantize(Decimal("0.01"))


def _product(
    index: int, seed: int, leaves: Sequence[tuple[int, ProductType]], warehouse_ids: Sequence[int],
    product_id: int, now: datetime, chunk: _Chunk,
) -> None:
    rng = random.Random((seed << 32) | index)
    category_id, kind = leaves[rng.randrange(len(leaves))]
    brand = rng.choice(kind.brands)
    model = f"{rng.choice('ABCDEFGHKMPRSTX')}{rng.choice('ABCDEFGHKMPRSTX')}-{rng.randrange(100, 9999)}"
    features = list(kind.features)
    values: list[tuple[str, str, str | None, bool]] = []
    for feature in features:
        value = str(rng.randint(*feature.numeric)) if feature.numeric else rng.choice(feature.values)
        values.append((feature.name, value, feature.unit, feature.dynamic))
    extra = ("Код моделі", model, None, False)
    values.append(extra)
    if len(values) < 5:
        values.append(("Комплектація", "товар, документація", None, False))
    values = values[:10]
    color = next((v for n, v, _u, _d in values if n == "Колір"), "")
    name_uk = f"{kind.noun_uk} {brand} {model} {color}".strip()
    name_ru = f"{kind.noun_ru} {brand} {model}".strip()
    sku = f"DM{index:08d}"
    spec_items = "".join(f"<li>{n}: {v}{' ' + u if u else ''}</li>" for n, v, u, _d in values)
    description = (
        f"<p><strong>{name_uk}</strong> — надійний вибір від {brand}.</p>"
        f"<p>Основні характеристики:</p><ul>{spec_items}</ul>"
        "<p>Офіційна гарантія виробника. Товар сертифіковано для продажу в Україні.</p>"
    )
    marketplace_description = (
        f"{kind.noun_uk} {brand} {model}. " + "; ".join(f"{n}: {v}" for n, v, _u, _d in values[:4])
        if rng.random() < 0.3 else None
    )
    weight = Decimal(str(round(rng.uniform(*kind.weight_range), 3)))
    track_stock = rng.random() >= 0.05
    wholesale = rng.random() < 0.4
    chunk.products.append((
        product_id, sku, _ean13(index), category_id, name_uk, name_ru, None, brand, model,
        description, marketplace_description, "pcs", weight,
        Decimal(rng.randint(5, 80)), Decimal(rng.randint(5, 60)), Decimal(rng.randint(2, 40)),
        date(2018 + rng.randrange(8), rng.randint(1, 12), rng.randint(1, 28)),
        rng.random() >= 0.02, track_stock, rng.choice((5, 10, 20)) if wholesale else None, now, now,
    ))
    photo_count = 0 if rng.random() < 0.1 else rng.randint(1, 5)
    for position in range(photo_count):
        chunk.photos.append((product_id, position, f"{PHOTO_BASE}/{sku.lower()}-{position + 1}.jpg"))
    for position, (name, value, unit, dynamic) in enumerate(values):
        chunk.characteristics.append((product_id, name, value, unit, dynamic, position))
    retail = _round_price(rng.uniform(*kind.price_range))
    chunk.prices.append((product_id, "retail", BASE_SCOPE, retail, "UAH"))
    if rng.random() < 0.3:
        chunk.prices.append((product_id, "old", BASE_SCOPE, _round_price(float(retail) * 1.25), "UAH"))
    if wholesale:
        chunk.prices.append((product_id, "wholesale", BASE_SCOPE, _round_price(float(retail) * 0.85), "UAH"))
    if rng.random() < 0.2:
        marketplace = rng.choice(MARKETPLACE_OVERRIDES)
        override = _round_price(float(retail) * rng.uniform(0.9, 1.1))
        chunk.prices.append((product_id, "retail", marketplace, override, "UAH"))
        chunk.prices.append((product_id, "old", marketplace, _round_price(float(override) * 1.2), "UAH"))
        if rng.random() < 0.5:
            chunk.prices.append((product_id, "promo", marketplace, _round_price(float(override) * 0.9), "UAH"))
    out_of_stock = rng.random() < 0.15
    for warehouse_id in warehouse_ids:
        quantity = 0 if out_of_stock or rng.random() < 0.2 else rng.randint(1, 60)
        chunk.stock.append((product_id, warehouse_id, quantity))


class _Writer:
    """Writes tuples to a table through the fastest path of the backend."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.raw = connection.connection.driver_connection

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        converted = [tuple(_sqlite_value(v) for v in row) for row in rows]
        placeholders = ", ".join("?" for _ in columns)
        self.raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", converted)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _fix_sequences(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in ("products",):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
        )


def generate_catalog(
    database: Database,
    products: int,
    *,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Add ``products`` sample products (SKUs continue after the existing demo products)."""
    summary = DemoSummary()
    with database.engine.begin() as connection:
        warehouse_ids = ensure_warehouses(connection)
        leaves = ensure_categories(connection)
        start_index = connection.scalar(select(func.count()).select_from(Product).where(Product.sku.like("DM%")))
        next_id = (connection.scalar(select(func.max(Product.id))) or 0) + 1
    summary.warehouses = len(warehouse_ids)
    summary.categories = len(leaves)
    now = datetime.now(UTC)
    for chunk_start in _chunks(products):
        chunk = _Chunk()
        count = min(CHUNK, products - chunk_start)
        for offset in range(count):
            index = start_index + chunk_start + offset
            _product(index, seed, leaves, warehouse_ids, next_id, now, chunk)
            next_id += 1
        with database.engine.begin() as connection:
            writer = _Writer(connection)
            writer.write(Product.__tablename__, PRODUCT_COLUMNS, chunk.products)
            writer.write(ProductPhoto.__tablename__, PHOTO_COLUMNS, chunk.photos)
            writer.write(ProductCharacteristic.__tablename__, CHAR_COLUMNS, chunk.characteristics)
            writer.write(ProductPrice.__tablename__, PRICE_COLUMNS, chunk.prices)
            writer.write(StockLevel.__tablename__, STOCK_COLUMNS, chunk.stock)
        summary.products += len(chunk.products)
        summary.photos += len(chunk.photos)
        summary.characteristics += len(chunk.characteristics)
        summary.prices += len(chunk.prices)
        summary.stock_rows += len(chunk.stock)
        if progress:
            progress(len(chunk.products))
    with database.engine.begin() as connection:
        _fix_sequences(connection)
    return summary


def _chunks(total: int) -> Iterator[int]:
    yield from range(0, total, CHUNK)
