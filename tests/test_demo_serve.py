"""``erpsync demo serve``'s core: a sandbox per demo shop that has an API erpsync uses, each shop pointed at
its sandbox (base URL, working credentials), its order cursor cleared, its listed products known to the
Prom/Satu/Rozetka sandboxes; the demo creates its shops on local URLs, never a real marketplace's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from erpsync.demo.feeds import ensure_demo_feed_shops
from erpsync.demo.serve import demo_base_url, start_demo_sandboxes, stop_all
from erpsync.marketplaces.base import StockPriceItem
from erpsync.models import Listing, Product, Shop, SyncCursor
from erpsync.models.db import Database
from erpsync.sync.connectors import connector_for
from erpsync.sync.shops import get_shop

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo(database: Database, secret_key: str, tmp_path: Path) -> Database:
    import shutil

    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    with database.session() as session:
        session.add_all(Product(sku=f"DEMO-{n}", name_uk=f"Товар {n}", brand="Acme") for n in range(3))
    ensure_demo_feed_shops(database, secret_key, tmp_path / "mappings")
    with database.session() as session:
        session.add(SyncCursor(shop_id=get_shop(session, "demo-prom").id, kind="orders", value="2020-01-01"))
    return database


def test_demo_shops_are_created_on_local_sandbox_urls() -> None:
    assert demo_base_url("demo-prom", "prom") == "http://127.0.0.1:18702/api/v1"
    assert demo_base_url("demo-kaspi", "kaspi") == "http://127.0.0.1:18701/shop/api/v2"
    assert demo_base_url("demo-epicentr", "epicentr") is None  # a feed, no API: nothing to serve


def test_serve_points_every_demo_shop_at_a_working_sandbox(demo: Database, secret_key: str) -> None:
    with demo.session() as session:
        assert session.scalar(select(Shop.base_url).where(Shop.name == "demo-prom")) == (
            "http://127.0.0.1:18702/api/v1")
    served = start_demo_sandboxes(demo, secret_key, port_base=0, orders=2)
    try:
        assert sorted(item.shop for item in served) == [
            "demo-kaspi", "demo-kaufland", "demo-prom", "demo-rozetka", "demo-satu", "demo-zakupka"]
        with demo.session() as session:
            for item in served:
                shop = get_shop(session, item.shop)
                assert shop.base_url == item.base_url
                if item.marketplace != "zakupka":  # Zakupka's orders come from a file URL, no API call to check
                    with connector_for(shop, secret_key) as connector:
                        connector.check_connection()
            assert session.scalars(select(SyncCursor)).all() == []
            prom = get_shop(session, "demo-prom")
            rozetka = get_shop(session, "demo-rozetka")
            external = session.scalars(select(Listing.external_id).where(Listing.shop_id == rozetka.id)).all()
            assert external and all(value.isdigit() for value in external)
            with connector_for(prom, secret_key) as connector:
                result = connector.push_stock_prices([StockPriceItem("DEMO-1", quantity=3, external_id="DEMO-1")])
            assert result.accepted == ["DEMO-1"] and not result.errors
    finally:
        stop_all(served)
