"""The stock/price push use case runs unchanged for Kaufland: listed products' free stock and prices go to
their units through ``/units/bulk`` (prices in cents), only what changed goes again, and a product without
a unit on the storefront is an error naming the inventory file."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from erpsync.models import Listing, Product, ProductPrice, Shop, StockLevel, Warehouse
from erpsync.models.db import Database
from erpsync.sync.push_stock_prices import push_stock_prices
from tests.sync.kaufland_env import SHOP, add_kaufland_shop, kaufland_sandbox

EANS = {"SKU-1": "4011905437873", "SKU-2": "4009750243800", "SKU-3": "4006381333931"}


def _catalog(database: Database) -> None:
    with database.session() as session:
        warehouse = Warehouse(code="MAIN", name="Main")
        session.add(warehouse)
        session.flush()
        shop = session.scalar(select(Shop).where(Shop.name == SHOP))
        assert shop is not None
        for sku, (price, stock) in {"SKU-1": ("45.50", 9), "SKU-2": ("19.99", 0), "SKU-3": ("5.00", 2)}.items():
            product = Product(sku=sku, name_uk=sku, barcode=EANS[sku])
            session.add(product)
            session.flush()
            session.add_all([ProductPrice(product_id=product.id, price_type="retail", scope="base",
                                          amount=Decimal(price)),
                             StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=stock),
                             Listing(shop_id=shop.id, product_id=product.id)])


def test_stock_and_prices_of_listed_products_reach_their_kaufland_units(database: Database, secret_key: str) -> None:
    with kaufland_sandbox() as sandbox:
        add_kaufland_shop(database, secret_key, sandbox.base_url, warehouses=["MAIN"])
        _catalog(database)
        with sandbox.lock:
            for sku in ("SKU-1", "SKU-2"):
                sandbox.kaufland.add_unit({"ean": EANS[sku], "id_offer": sku, "listing_price": 100, "amount": 1,
                                           "handling_time": 1}, "de")
        report = push_stock_prices(database, SHOP, secret_key=secret_key)
        assert sorted(report.pushed) == ["SKU-1", "SKU-2"]
        assert list(report.errors) == ["SKU-3"] and "erpsync kaufland upload-catalog" in report.errors["SKU-3"]
        units = {u["id_offer"]: (u["listing_price"], u["amount"]) for u in sandbox.kaufland.units.values()}
        assert units == {"SKU-1": (4550, 9), "SKU-2": (1999, 0)}
        assert len(sandbox.requests_to("/v2/units/bulk", "POST")) == 1
        sandbox.clear_requests()
        again = push_stock_prices(database, SHOP, secret_key=secret_key)
        assert again.pushed == [] and sandbox.requests_to("/v2/units/bulk", "POST") == []
