"""The catalog upload through import files, against the sandbox over HTTP: the sandbox downloads the CSV
files from where they are published, takes them through Kaufland's states, and the inventory file is sent
only once the product data is processed (the ``product_feed_async_done`` gate)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from erpsync.models import SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sandbox.kaufland import KauflandSandbox
from erpsync.sync.kaufland_catalog import CatalogFiles, Polling, upload_catalog_kaufland
from tests.marketplaces.kaufland.conftest import FileServer
from tests.sync.kaufland_env import QUICK, SHOP, add_kaufland_shop, kaufland_sandbox

NO_WAIT = Polling(every=0.0, timeout=60.0, sleep=lambda _: None)
PRODUCTS = ("ean,locale,category,title,description,manufacturer\n"
            "4011905437873,de-DE,Kratzbäume,Kratzbaum Palamos 109 cm,\"Für Katzen, jeden Alters\",Trixie\n"
            "4009750243800,de-DE,Filme,Chocolat,Ein Film,Studio\n")
INVENTORY = ("ean,id_offer,condition,listing_price,amount,handling_time,currency\n"
             "4011905437873,SKU-1,NEW,4550,9,1,EUR\n"
             "4009750243800,SKU-2,NEW,999,0,2,EUR\n")


@pytest.fixture
def files() -> Iterator[FileServer]:
    server = FileServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox() -> Iterator[KauflandSandbox]:
    with kaufland_sandbox() as server:
        yield server


def _catalog(files: FileServer, products: str = PRODUCTS, inventory: str = INVENTORY) -> CatalogFiles:
    files.files["products.csv"] = products.encode()
    files.files["inventory.csv"] = inventory.encode()
    return CatalogFiles(f"{files.url}/files/products.csv", f"{files.url}/files/inventory.csv")


def _events(database: Database, run_id: int) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(SyncEvent.message).where(SyncEvent.run_id == run_id)
                                    .order_by(SyncEvent.id)))


def test_product_data_then_inventory_after_the_gate_creates_the_units(
        database: Database, secret_key: str, sandbox: KauflandSandbox, files: FileServer) -> None:
    add_kaufland_shop(database, secret_key, sandbox.base_url)
    seen: list[tuple[str, str, int | None]] = []
    result = upload_catalog_kaufland(database, secret_key, SHOP, _catalog(files), polling=NO_WAIT,
                                     progress=lambda what, f: seen.append((what, f.status, f.async_done)),
                                     retry=QUICK)
    assert result.status == "success", result.message
    units = {u["id_offer"]: u for u in sandbox.kaufland.units.values()}
    assert {k: (u["listing_price"], u["amount"], u["handling_time"]) for k, u in units.items()} == {
        "SKU-1": (4550, 9, 1), "SKU-2": (999, 0, 2)}
    # the inventory file was registered only after the product data's asynchronous processing ended
    paths = [(r.method, r.path) for r in sandbox.requests]
    inventory_post = paths.index(("POST", "/v2/import-files/inventory-feed"))
    product_states = [s for what, s, _ in seen if what == "product data file"]
    assert product_states[0] == "NEW" and product_states[-1] == "IMPORTED"
    assert ("product data file", "IMPORTED", 1) in seen
    assert all(p[0] == "GET" or p[1].startswith("/v2/product-data") for p in paths[:inventory_post])
    assert result.inventory_file is not None and result.inventory_file.status == "IMPORTED"
    messages = _events(database, result.run_id)
    assert messages[0].startswith("product data file") and "registered" in messages[0]
    assert any("asynchronous processing done" in m for m in messages)
    assert any(m.startswith("inventory file") and "IMPORTED" in m for m in messages)
    with database.session() as session:
        run = session.get(SyncRun, result.run_id)
        assert run is not None and run.kind == "catalog"
        assert (run.fetched, run.updated, run.failed) == (4, 2, 0)


def test_a_product_file_kaufland_cannot_download_stops_before_the_inventory(
        database: Database, secret_key: str, sandbox: KauflandSandbox, files: FileServer) -> None:
    add_kaufland_shop(database, secret_key, sandbox.base_url)
    catalog = CatalogFiles(f"{files.url}/files/nowhere.csv", f"{files.url}/files/inventory.csv")
    result = upload_catalog_kaufland(database, secret_key, SHOP, catalog, polling=NO_WAIT, retry=QUICK)
    assert result.status == "failed"
    assert "DOWNLOADING_FAILED" in result.message and "the inventory file was not sent" in result.message
    assert sandbox.requests_to("/v2/import-files/inventory-feed") == []
    assert any("DOWNLOADING_FAILED" in m and "HTTP 404" in m for m in _events(database, result.run_id))


def test_rows_kaufland_refuses_are_counted_and_the_good_ones_still_land(
        database: Database, secret_key: str, sandbox: KauflandSandbox, files: FileServer) -> None:
    add_kaufland_shop(database, secret_key, sandbox.base_url)
    products = PRODUCTS + "12345,de-DE,Filme,Zu kurz,,X\n"
    inventory = INVENTORY + "4000000000000,SKU-3,NEW,100,1,1,EUR\n"
    result = upload_catalog_kaufland(database, secret_key, SHOP, _catalog(files, products, inventory),
                                     polling=NO_WAIT, retry=QUICK)
    assert result.status == "partial"
    assert {u["id_offer"] for u in sandbox.kaufland.units.values()} == {"SKU-1", "SKU-2"}
    assert result.product_file is not None and result.product_file.error_count == 1
    assert result.inventory_file is not None and result.inventory_file.error_count == 1
    warnings = [m for m in _events(database, result.run_id) if "refused" in m]
    assert len(warnings) == 2


def test_a_product_file_still_in_progress_when_time_runs_out_sends_no_inventory(
        database: Database, secret_key: str, sandbox: KauflandSandbox, files: FileServer) -> None:
    add_kaufland_shop(database, secret_key, sandbox.base_url)
    impatient = Polling(every=0.0, timeout=0.0, sleep=lambda _: None)
    result = upload_catalog_kaufland(database, secret_key, SHOP, _catalog(files), polling=impatient, retry=QUICK)
    assert result.status == "failed" and "is still NEW" in result.message and "run the upload again" in result.message
    assert sandbox.requests_to("/v2/import-files/inventory-feed") == []


def test_a_second_upload_updates_the_units_instead_of_duplicating_them(
        database: Database, secret_key: str, sandbox: KauflandSandbox, files: FileServer) -> None:
    add_kaufland_shop(database, secret_key, sandbox.base_url)
    upload_catalog_kaufland(database, secret_key, SHOP, _catalog(files), polling=NO_WAIT, retry=QUICK)
    cheaper = INVENTORY.replace("4550,9", "3999,4")
    upload_catalog_kaufland(database, secret_key, SHOP, _catalog(files, inventory=cheaper), polling=NO_WAIT,
                            retry=QUICK)
    units = [u for u in sandbox.kaufland.units.values() if u["id_offer"] == "SKU-1"]
    assert [(u["listing_price"], u["amount"]) for u in units] == [(3999, 4)]


def _feed_catalog(database: Database) -> None:
    """Three products in a category mapped to a Kaufland category; one has no EAN (left out of the files)."""
    from decimal import Decimal

    from erpsync.models import Category, Listing, Product, ProductPhoto, ProductPrice, Shop, StockLevel, Warehouse

    with database.session() as session:
        warehouse = Warehouse(code="MAIN", name="Main")
        category = Category(name="Дім і сад", name_ru="Дом и сад", slug="dim-i-sad")
        session.add_all([warehouse, category])
        session.flush()
        for sku, barcode, price, stock in (("CAT-TREE", "4011905437873", "45.50", 9), ("KETTLE", "4009750243800",
                                           "19.99", 0), ("NO-EAN", None, "5.00", 3)):
            product = Product(sku=sku, name_uk=f"Товар {sku}", brand="Trixie", barcode=barcode,
                              category_id=category.id, description_html="<p>Опис</p>")
            session.add(product)
            session.flush()
            session.add_all([ProductPhoto(product_id=product.id, position=0, url="https://img.example/1.jpg"),
                             ProductPrice(product_id=product.id, price_type="retail", scope="base",
                                          amount=Decimal(price)),
                             StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=stock)])
        shop = session.scalar(select(Shop).where(Shop.name == SHOP))
        assert shop is not None
        for product_id in session.scalars(select(Product.id)):
            session.add(Listing(shop_id=shop.id, product_id=product_id))


def test_the_feed_templates_rendered_and_served_by_the_web_app_reach_kaufland_through_import_files(
        database: Database, secret_key: str, sandbox: KauflandSandbox, tmp_path) -> None:
    import shutil
    from pathlib import Path

    from erpsync.sync.kaufland_catalog import publish_catalog_files
    from tests.sync.kaufland_env import web_app

    mappings = tmp_path / "mappings"
    shutil.copytree(Path(__file__).resolve().parents[2] / "mappings", mappings,
                    ignore=shutil.ignore_patterns("demo-*.yaml"))
    (mappings / "shops").mkdir(exist_ok=True)
    (mappings / "shops" / f"{SHOP}.yaml").write_text(
        'marketplace: kaufland\nversion: 1\ncategories:\n  "Дім і сад": Haus & Garten\n', encoding="utf-8")
    add_kaufland_shop(database, secret_key, sandbox.base_url, warehouses=["MAIN"])
    _feed_catalog(database)
    with web_app(database, secret_key, tmp_path, ERPSYNC_MAPPINGS_DIR=str(mappings)) as app:
        files = publish_catalog_files(database, app.settings, SHOP)
        assert files.product_url.startswith(f"{app.url}/feeds/") and files.inventory_url.endswith("/inventory.csv")
        result = upload_catalog_kaufland(database, secret_key, SHOP, files, polling=NO_WAIT, retry=QUICK)
    assert result.status == "success", result.message
    assert result.product_file is not None and result.product_file.total_lines == 2
    units = {u["id_offer"]: (u["ean"], u["listing_price"], u["amount"]) for u in sandbox.kaufland.units.values()}
    assert units == {"CAT-TREE": ("4011905437873", 4550, 9), "KETTLE": ("4009750243800", 1999, 0)}
    assert sandbox.kaufland.products["4011905437873"]["category"] == "Haus & Garten"
