"""The accounting schema on both databases: business rules as constraints, exact types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from erpsync.models import Listing, Order, OrderLine, Product, ProductPrice, Shop, StockLevel, Warehouse
from erpsync.models.db import Database


def _shop(session, name: str = "kz1") -> Shop:
    shop = Shop(name=name, marketplace="kaspi", base_url="http://127.0.0.1:1")
    session.add(shop)
    session.flush()
    return shop


def test_an_order_is_unique_per_shop_and_external_id(database: Database) -> None:
    with database.session() as session:
        shop = _shop(session)
        session.add(Order(shop_id=shop.id, external_id="A1", number="1001"))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Order(shop_id=shop.id, external_id="A1", number="1001"))
    with database.session() as session:
        other = _shop(session, "kz2")
        session.add(Order(shop_id=other.id, external_id="A1", number="1001"))
    with database.session() as session:
        assert len(session.scalars(select(Order)).all()) == 2


def test_a_listing_is_unique_per_shop_and_product(database: Database) -> None:
    with database.session() as session:
        shop = _shop(session)
        product = Product(sku="SKU1", name_uk="Товар")
        session.add(product)
        session.flush()
        session.add(Listing(shop_id=shop.id, product_id=product.id))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Listing(shop_id=shop.id, product_id=product.id))


def test_a_price_is_unique_per_type_and_scope(database: Database) -> None:
    with database.session() as session:
        product = Product(sku="SKU1", name_uk="Товар")
        product.prices = [
            ProductPrice(price_type="retail", scope="base", amount=Decimal("100.50")),
            ProductPrice(price_type="retail", scope="kasta", amount=Decimal("95")),
        ]
        session.add(product)
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(ProductPrice(product_id=product.id, price_type="retail", scope="base", amount=Decimal(1)))


def test_stock_is_unique_per_product_and_warehouse(database: Database) -> None:
    with database.session() as session:
        product = Product(sku="SKU1", name_uk="Товар")
        warehouse = Warehouse(code="MAIN", name="Main")
        session.add_all([product, warehouse])
        session.flush()
        session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=3))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=1))


def test_money_is_decimal_and_times_are_timezone_aware(database: Database) -> None:
    placed = datetime(2024, 1, 30, 12, 0, tzinfo=timezone(timedelta(hours=5)))
    with database.session() as session:
        shop = _shop(session)
        order = Order(shop_id=shop.id, external_id="A1", number="1", total=Decimal("96045.50"), placed_at=placed)
        order.lines = [OrderLine(external_id="e1", quantity=2, price=Decimal("0.10"), total=Decimal("0.20"))]
        session.add(order)
    with database.session() as session:
        stored = session.scalars(select(Order)).one()
        assert stored.total == Decimal("96045.50")
        assert isinstance(stored.total, Decimal)
        assert stored.lines[0].price == Decimal("0.10")
        assert stored.placed_at == placed
        assert stored.placed_at.tzinfo is not None
        assert stored.placed_at.utcoffset() == timedelta(0)
        assert stored.created_at.tzinfo == UTC


def test_a_naive_time_is_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), database.session() as session:
        shop = _shop(session)
        session.add(Order(shop_id=shop.id, external_id="A1", number="1", placed_at=datetime(2024, 1, 1)))
        session.flush()


def test_removing_a_product_removes_its_prices_and_stock(database: Database) -> None:
    with database.session() as session:
        warehouse = Warehouse(code="MAIN", name="Main")
        product = Product(sku="SKU1", name_uk="Товар")
        session.add_all([warehouse, product])
        session.flush()
        session.add_all([
            StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=5),
            ProductPrice(product_id=product.id, price_type="retail", amount=Decimal(10)),
        ])
    with database.session() as session:
        session.delete(session.get(Product, product.id))
    with database.session() as session:
        assert session.scalars(select(StockLevel)).all() == []
        assert session.scalars(select(ProductPrice)).all() == []
