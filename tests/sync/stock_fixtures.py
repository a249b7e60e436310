"""A small accounting catalog for the stock/price push tests: products with prices and stock in two
warehouses, a shop on a sandbox, listings of the shop; and helpers to change stock, prices and
reservations the way the accounting side does."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from erpsync.models import (
    Listing,
    Order,
    OrderLine,
    Product,
    ProductPrice,
    Reservation,
    StockLevel,
    Warehouse,
)
from erpsync.models.db import Database
from erpsync.sync.shops import add_shop


@dataclass
class StockCatalog:
    shop_id: int
    shop: str
    warehouses: dict[str, int]
    products: dict[str, int] = field(default_factory=dict)  # sku → product id


def make_catalog(
    database: Database,
    secret_key: str,
    *,
    shop: str,
    marketplace: str,
    base_url: str,
    credentials: dict[str, str],
    skus: list[str],
    external_ids: dict[str, str] | None = None,
    settings: dict[str, object] | None = None,
) -> StockCatalog:
    """Products ``skus`` (price 100 + 10·i, 5 units in each of two warehouses), listed for a new shop;
    a listing's external id is ``external_ids[sku]`` (default: the SKU)."""
    with database.session() as session:
        row = add_shop(session, name=shop, marketplace=marketplace, secret_key=secret_key, base_url=base_url,
                       credentials=credentials, settings=settings or {})
        warehouses = {}
        for code in ("MAIN", "SHOP"):
            warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
            if warehouse is None:
                warehouse = Warehouse(code=code, name=f"Склад {code}")
                session.add(warehouse)
                session.flush()
            warehouses[code] = warehouse.id
        catalog = StockCatalog(row.id, shop, warehouses)
        for index, sku in enumerate(skus):
            product = session.scalar(select(Product).where(Product.sku == sku))
            if product is None:
                product = Product(sku=sku, name_uk=f"Товар {sku}", brand="Acme")
                session.add(product)
                session.flush()
                session.add(ProductPrice(product_id=product.id, price_type="retail",
                                         amount=Decimal(100 + 10 * index)))
                for warehouse_id in warehouses.values():
                    session.add(StockLevel(product_id=product.id, warehouse_id=warehouse_id, quantity=5))
            session.add(Listing(shop_id=row.id, product_id=product.id, state="active",
                                external_id=(external_ids or {}).get(sku, sku)))
            catalog.products[sku] = product.id
    return catalog


def set_stock(database: Database, catalog: StockCatalog, sku: str, quantity: int, warehouse: str = "MAIN") -> None:
    with database.session() as session:
        level = session.scalar(select(StockLevel).where(StockLevel.product_id == catalog.products[sku],
                                                        StockLevel.warehouse_id == catalog.warehouses[warehouse]))
        assert level is not None
        level.quantity = quantity


def set_price(database: Database, catalog: StockCatalog, sku: str, amount: str, price_type: str = "retail",
              scope: str = "base") -> None:
    with database.session() as session:
        price = session.scalar(select(ProductPrice).where(ProductPrice.product_id == catalog.products[sku],
                                                          ProductPrice.price_type == price_type,
                                                          ProductPrice.scope == scope))
        if price is None:
            session.add(ProductPrice(product_id=catalog.products[sku], price_type=price_type, scope=scope,
                                     amount=Decimal(amount)))
        else:
            price.amount = Decimal(amount)


def reserve(database: Database, catalog: StockCatalog, sku: str, quantity: int, warehouse: str = "MAIN") -> None:
    """An order line reserving ``quantity`` units (as an imported order does)."""
    with database.session() as session:
        number = f"R-{sku}-{quantity}-{warehouse}"
        order = Order(shop_id=catalog.shop_id, external_id=number, number=number)
        order.lines.append(OrderLine(external_id="1", product_id=catalog.products[sku], sku=sku, quantity=quantity))
        session.add(order)
        session.flush()
        session.add(Reservation(line_id=order.lines[0].id, product_id=catalog.products[sku],
                                warehouse_id=catalog.warehouses[warehouse], quantity=quantity))


def listing(database: Database, catalog: StockCatalog, sku: str) -> Listing:
    with database.session() as session:
        row = session.scalar(select(Listing).where(Listing.shop_id == catalog.shop_id,
                                                   Listing.product_id == catalog.products[sku]))
        assert row is not None
        session.expunge(row)
        return row


def update_listing(database: Database, catalog: StockCatalog, sku: str, **values: object) -> None:
    with database.session() as session:
        row = session.scalar(select(Listing).where(Listing.shop_id == catalog.shop_id,
                                                   Listing.product_id == catalog.products[sku]))
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)


def update_product(database: Database, catalog: StockCatalog, sku: str, **values: object) -> None:
    with database.session() as session:
        product = session.get(Product, catalog.products[sku])
        assert product is not None
        for key, value in values.items():
            setattr(product, key, value)
