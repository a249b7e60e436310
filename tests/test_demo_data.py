"""The sample catalog: realistic in every way later features need, the same for the same seed."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from erpsync.demo.data import generate_catalog
from erpsync.models import (
    Category,
    Product,
    ProductCharacteristic,
    ProductPhoto,
    ProductPrice,
    StockLevel,
    Warehouse,
)
from erpsync.models.db import Database


def _snapshot(database: Database) -> list[tuple]:
    with database.session() as session:
        return [
            (p.sku, p.name_uk, p.brand, p.category_id, str(p.weight_kg), len(p.photos),
             tuple((c.name, c.value) for c in p.characteristics),
             tuple(sorted((x.price_type, x.scope, str(x.amount)) for x in p.prices)))
            for p in session.scalars(select(Product).order_by(Product.sku))
        ]


def test_catalog_is_realistic(database: Database) -> None:
    summary = generate_catalog(database, 400, seed=7)
    assert summary.products == 400
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Warehouse)) == 2
        # a three-level tree: every product sits in a leaf two levels below a root
        for product in session.scalars(select(Product).limit(50)):
            assert len(product.category.path()) == 3
        per_product = Counter(session.scalars(select(ProductCharacteristic.product_id)))
        assert min(per_product.values()) >= 5 and max(per_product.values()) <= 10
        with_photos = session.scalar(select(func.count(func.distinct(ProductPhoto.product_id))))
        assert 0 < with_photos < 400
        types = set(session.execute(select(ProductPrice.price_type, ProductPrice.scope)).all())
        assert {("retail", "base"), ("old", "base"), ("wholesale", "base")} <= types
        assert any(scope != "base" and kind == "promo" for kind, scope in types)
        zero = session.scalar(
            select(func.count()).select_from(
                select(StockLevel.product_id).group_by(StockLevel.product_id)
                .having(func.sum(StockLevel.quantity) == 0).subquery()
            )
        )
        assert zero > 0
        names = session.scalars(select(Product.name_uk).limit(20)).all()
        assert all(any("а" <= ch <= "я" or ch in "іїєґ" for ch in name.lower()) for name in names)
        assert session.scalar(select(func.count()).select_from(Category)) > 16
        wholesale_without_minimum = session.scalar(
            select(func.count()).select_from(ProductPrice).join(Product)
            .where(ProductPrice.price_type == "wholesale", Product.min_wholesale_qty.is_(None))
        )
        assert wholesale_without_minimum == 0


def test_same_seed_same_catalog(database: Database, sqlite_url: str) -> None:
    generate_catalog(database, 120, seed=3)
    first = _snapshot(database)
    with database.engine.begin() as connection:
        for table in ("stock_levels", "product_prices", "product_characteristics", "product_photos", "products"):
            connection.exec_driver_sql(f"DELETE FROM {table}")
    generate_catalog(database, 120, seed=3)
    second = _snapshot(database)
    assert [row[:3] + row[4:] for row in first] == [row[:3] + row[4:] for row in second]


def test_a_second_run_appends_new_skus(database: Database) -> None:
    generate_catalog(database, 50)
    generate_catalog(database, 30)
    with database.session() as session:
        skus = session.scalars(select(Product.sku)).all()
    assert len(skus) == len(set(skus)) == 80
