"""Builders for feed tests: warehouses, categories, products with exactly the prices, stock,
reservations and photos a rule needs, and shops with listings."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from erpsync.core.config import Settings, load_settings
from erpsync.models import (
    Category,
    Customer,
    Listing,
    Order,
    OrderLine,
    Product,
    ProductCharacteristic,
    ProductPhoto,
    ProductPrice,
    Reservation,
    Shop,
    StockLevel,
    Warehouse,
)
from erpsync.models.db import Database
from erpsync.sync.shops import add_shop


@dataclass
class Catalog:
    database: Database
    secret_key: str

    def warehouse(self, code: str) -> int:
        with self.database.session() as session:
            found = session.scalar(select(Warehouse.id).where(Warehouse.code == code))
            if found is None:
                warehouse = Warehouse(code=code, name=code)
                session.add(warehouse)
                session.flush()
                found = warehouse.id
            return found

    def category(self, *names: str) -> int:
        """The category path ``names`` from the root, created as needed; its id."""
        parent = None
        with self.database.session() as session:
            for name in names:
                found = session.scalar(select(Category).where(Category.name == name, Category.parent_id == parent
                                                               if parent else Category.parent_id.is_(None)))
                if found is None:
                    found = Category(name=name, name_ru=f"{name} ru", slug=name.lower().replace(" ", "-"),
                                     parent_id=parent)
                    session.add(found)
                    session.flush()
                parent = found.id
        assert parent is not None
        return parent

    def product(
        self,
        sku: str,
        *,
        prices: Mapping[tuple[str, str], str] | None = None,
        stock: Mapping[str, int] | None = None,
        photos: tuple[str, ...] = ("https://img.example/1.jpg",),
        characteristics: tuple[tuple[str, str, str | None], ...] = (("Колір", "чорний", None),),
        category: int | None = None,
        **columns: Any,
    ) -> int:
        """A product; ``prices`` maps (type, scope) to an amount (default: retail 100.00)."""
        prices = {("retail", "base"): "100.00"} if prices is None else prices
        values: dict[str, Any] = {"name_uk": f"Товар {sku}", "name_ru": f"Товар {sku} ru", "brand": "Brand",
                                  "barcode": None, "category_id": category, **columns}
        warehouses = {code: self.warehouse(code) for code in (stock if stock is not None else {"MAIN": 5})}
        with self.database.session() as session:
            product = Product(sku=sku, **values)
            session.add(product)
            session.flush()
            for position, url in enumerate(photos):
                session.add(ProductPhoto(product_id=product.id, position=position, url=url))
            for position, (name, value, unit) in enumerate(characteristics):
                session.add(ProductCharacteristic(product_id=product.id, name=name, value=value, unit=unit,
                                                  position=position))
            for (price_type, scope), amount in prices.items():
                session.add(ProductPrice(product_id=product.id, price_type=price_type, scope=scope,
                                         amount=Decimal(amount)))
            for code, quantity in (stock if stock is not None else {"MAIN": 5}).items():
                session.add(StockLevel(product_id=product.id, warehouse_id=warehouses[code], quantity=quantity))
            return product.id

    def reserve(self, product_id: int, warehouse: str, quantity: int, *, state: str = "active") -> None:
        """An order line of ``quantity`` units holding a reservation in ``warehouse``."""
        warehouse_id = self.warehouse(warehouse)
        with self.database.session() as session:
            shop = session.scalar(select(Shop).where(Shop.name == "orders-shop"))
            if shop is None:
                shop = add_shop(session, name="orders-shop", marketplace="prom", secret_key=self.secret_key)
            customer = Customer(full_name="Buyer")
            session.add(customer)
            session.flush()
            count = session.scalar(select(Order.id).order_by(Order.id.desc()).limit(1)) or 0
            order = Order(shop_id=shop.id, external_id=f"o{count + 1}", number=f"o{count + 1}", customer_id=customer.id)
            session.add(order)
            session.flush()
            line = OrderLine(order_id=order.id, external_id="1", product_id=product_id, quantity=quantity)
            session.add(line)
            session.flush()
            session.add(Reservation(line_id=line.id, product_id=product_id, warehouse_id=warehouse_id,
                                    quantity=quantity, state=state))

    def shop(self, name: str, marketplace: str, settings: Mapping[str, Any] | None = None,
             *, list_all: bool = True) -> Shop:
        with self.database.session() as session:
            shop = add_shop(session, name=name, marketplace=marketplace, secret_key=self.secret_key,
                            settings=dict(settings or {}))
            if list_all:
                for product_id in session.scalars(select(Product.id)):
                    session.add(Listing(shop_id=shop.id, product_id=product_id))
            session.expunge(shop)
            return shop


@pytest.fixture
def catalog(database: Database, secret_key: str) -> Catalog:
    return Catalog(database, secret_key)


YML_SETTINGS = {"company": "Test & Co <Ltd>", "url": "https://shop.example"}
KASPI_SETTINGS = {"company": "ТОО Тест", "merchant_id": "M1", "store_ids": {"MAIN": "PP1"}}


REPO_MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


def write_shop_mapping(mappings_dir: Path, shop: str, marketplace: str, body: str) -> None:
    """A shop's own mapping file (``shops/<shop>.yaml``) with ``body`` after its header."""
    (mappings_dir / "shops").mkdir(parents=True, exist_ok=True)
    (mappings_dir / "shops" / f"{shop}.yaml").write_text(f"marketplace: {marketplace}\nversion: 1\n{body}",
                                                          encoding="utf-8")


@pytest.fixture
def feed_settings(database: Database, secret_key: str, tmp_path: Path) -> Settings:
    mappings = tmp_path / "mappings"
    shutil.copytree(REPO_MAPPINGS, mappings, ignore=shutil.ignore_patterns("demo-*.yaml"))
    return load_settings({"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key,
                          "ERPSYNC_FEED_DIR": str(tmp_path / "feeds"), "ERPSYNC_MAPPINGS_DIR": str(mappings),
                          "ERPSYNC_PUBLIC_URL": "https://erp.example"}, cwd=tmp_path)
