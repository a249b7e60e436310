"""Importing a shop's catalog on Prom (its YML export) into listings: offers matched to our products by
listing, article, id or barcode; external ids recorded; unmatched and unreadable offers logged, never
stopping the import; a second import changes nothing — on SQLite and PostgreSQL, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from erpsync.core.errors import Unsupported, ValidationError
from erpsync.models import Listing, Product, SyncEvent
from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from erpsync.sync.catalog_import import import_catalog
from erpsync.sync.shops import add_shop, get_shop

TOKEN = "catalog-token"
CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "prom" / "catalog.yml"


@pytest.fixture
def prom() -> Iterator[PromSandbox]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as server:
        server.serve_export(CATALOG.read_bytes())
        yield server


@pytest.fixture
def shop(database: Database, secret_key: str, prom: PromSandbox) -> str:
    with database.session() as session:
        add_shop(session, name="prom-shop", marketplace="prom", secret_key=secret_key, base_url=prom.base_url,
                 credentials={"token": TOKEN}, settings={"catalog_url": prom.catalog_url})
        session.add_all([
            Product(sku="B43N1", name_uk="Шкарпетки білі"),
            Product(sku="OTHER-SKU", name_uk="Шкарпетки Tie-Dye", barcode="4820000000011"),
            Product(sku="NOT-ON-PROM", name_uk="Щось інше"),
        ])
    return "prom-shop"


def listings(database: Database) -> dict[str, tuple[str | None, str | None, str, bool]]:
    with database.session() as session:
        rows = session.execute(select(Product.sku, Listing.external_id, Listing.external_sku, Listing.state,
                                      Listing.upload).join(Listing, Listing.product_id == Product.id)).all()
    return {sku: (external_id, external_sku, state, upload) for sku, external_id, external_sku, state, upload in rows}


def test_offers_become_listings_of_the_products_they_match(database: Database, secret_key: str, shop: str) -> None:
    report = import_catalog(database, shop, secret_key=secret_key)
    assert listings(database) == {
        "B43N1": ("B43N1", "B43N1", "active", True),  # by article
        "OTHER-SKU": ("2555951114", "B45N2", "active", True),  # by barcode
    }
    counts = report.counts
    assert (counts.fetched, counts.created, counts.failed) == (3, 2, 2)
    assert counts.extra["unmatched"] == 1 and report.unmatched == ["B47N4"]
    assert report.status == "partial"  # two offers could not be read
    with database.session() as session:
        events = [(e.level, e.entity_id, e.message) for e in session.scalars(select(SyncEvent))]
    [warning] = [message for level, entity, message in events if level == "warning"]
    assert "offer B47N4 (article UNKNOWN-SKU) matches no product" in warning
    errors = [message for level, _, message in events if level == "error"]
    assert any("line 27: offer: has no id attribute" in m for m in errors)
    assert any("offer B46N3.price: expected a number" in m for m in errors)


def test_a_second_import_changes_nothing_and_an_existing_listing_keeps_its_flag(
    database: Database, secret_key: str, shop: str
) -> None:
    import_catalog(database, shop, secret_key=secret_key)
    with database.session() as session:
        listing = session.scalar(select(Listing).join(Product).where(Product.sku == "B43N1"))
        assert listing is not None
        listing.upload = False
    again = import_catalog(database, shop, secret_key=secret_key)
    assert (again.counts.created, again.counts.updated) == (0, 0)
    assert listings(database)["B43N1"] == ("B43N1", "B43N1", "active", False)


def test_an_offer_is_matched_first_by_a_listing_that_has_its_id(
    database: Database, secret_key: str, shop: str
) -> None:
    with database.session() as session:
        product = session.scalar(select(Product).where(Product.sku == "NOT-ON-PROM"))
        assert product is not None
        session.add(Listing(shop_id=get_shop(session, shop).id, product_id=product.id, external_id="B47N4"))
    report = import_catalog(database, shop, secret_key=secret_key)
    assert report.unmatched == []
    assert listings(database)["NOT-ON-PROM"] == ("B47N4", "UNKNOWN-SKU", "active", True)


def test_without_a_catalog_url_the_import_says_how_to_give_one(
    database: Database, secret_key: str, prom: PromSandbox
) -> None:
    with database.session() as session:
        add_shop(session, name="bare", marketplace="prom", secret_key=secret_key, base_url=prom.base_url,
                 credentials={"token": TOKEN})
    with pytest.raises(ValidationError, match="shop bare has no catalog URL"):
        import_catalog(database, "bare", secret_key=secret_key)
    report = import_catalog(database, "bare", secret_key=secret_key, url=prom.catalog_url)
    assert report.counts.fetched == 3


def test_a_marketplace_without_a_catalog_export_is_unsupported(
    database: Database, secret_key: str
) -> None:
    with database.session() as session:
        add_shop(session, name="rz", marketplace="rozetka", secret_key=secret_key, base_url="http://127.0.0.1:9",
                 credentials={"username": "u", "password": "p"})
    with pytest.raises(Unsupported, match="rozetka does not support reading the shop's catalog"):
        import_catalog(database, "rz", secret_key=secret_key, url="http://127.0.0.1:9/export.yml")
