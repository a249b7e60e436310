"""Fixtures for the catalog use cases (a pytest plugin, see tests/conftest.py): a Kasta sandbox, a shop
row pointed at it, a mappings folder with a Kasta mapping for a small clothes catalog, and that catalog
in the accounting database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from erpsync.core.config import Settings, load_settings
from erpsync.models import (
    Category,
    Listing,
    Product,
    ProductCharacteristic,
    ProductPhoto,
    ProductPrice,
    StockLevel,
    Warehouse,
)
from erpsync.models.db import Database
from erpsync.sandbox.kasta import KastaSandbox
from erpsync.sync.shops import add_shop

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
KASTA_TOKEN = "kasta-shop-token-5e4d3c2b"

# The merchant's mapping of its shirts to Kasta's category 2098-31 (sandbox schema), in place of the default
# file's empty categories and characteristics.
KASTA_CATALOG_MAPPING = """\
categories:
  "Одяг / Чоловічі сорочки": 2098-31
characteristics:
  2098-31:
    Країна виробництва: {attribute: "1", values: {Україна: Україна, Туреччина: Туреччина}}
    Колір: {attribute: "3", values: {синій: Синій, білий: Білий}}
    Група: {attribute: "13"}
    Підгрупа: {attribute: "14"}
    Тканина: {attribute: "6", values: {бавовна: Бавовна, льон: Льон}}
    Розмір: {attribute: kasta_size}
"""


@dataclass
class KastaShop:
    shop_id: int
    sandbox: KastaSandbox
    config: Settings


@pytest.fixture
def catalog_mappings_dir(tmp_path: Path) -> Path:
    """A copy of the default mapping files, the Kasta one mapping the test catalog."""
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, folder)
    default = (MAPPINGS / "kasta.yaml").read_text(encoding="utf-8")
    assert "categories: {}\ncharacteristics: {}\n" in default
    text = default.replace("categories: {}\ncharacteristics: {}\n", KASTA_CATALOG_MAPPING)
    (folder / "kasta.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def catalog_config(database: Database, secret_key: str, catalog_mappings_dir: Path, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The configuration a job run reads, pointing at the test database and mappings folder."""
    env = {"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key,
           "ERPSYNC_MAPPINGS_DIR": str(catalog_mappings_dir), "ERPSYNC_FEED_DIR": str(tmp_path / "feeds")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ERPSYNC_REDIS_URL", raising=False)
    return load_settings()


@pytest.fixture
def kasta_sandbox() -> Iterator[KastaSandbox]:
    with KastaSandbox(credentials={"token": KASTA_TOKEN}, orders=0, random_seed=5, moderation_seconds=None) as server:
        yield server


@pytest.fixture
def kasta_shop(database: Database, secret_key: str, catalog_config: Settings, kasta_sandbox: KastaSandbox) -> KastaShop:
    with database.session() as session:
        shop = add_shop(session, name="ua-kasta", marketplace="kasta", secret_key=secret_key,
                        base_url=kasta_sandbox.base_url, credentials={"token": KASTA_TOKEN},
                        settings={"photo_base_url": "https://shop.example.ua/media"})
        shop_id = shop.id
    return KastaShop(shop_id, kasta_sandbox, catalog_config)


SHIRT_CHARACTERISTICS = {"Країна виробництва": "Україна", "Колір": "синій", "Група": "Одяг", "Підгрупа": "Сорочки",
                         "Тканина": "бавовна", "Розмір": "44"}


def add_clothes(database: Database, shop_id: int, count: int = 3, *, skip: tuple[str, ...] = (),
                characteristics: dict[str, str] | None = None, sku_prefix: str = "SH",
                category_path: tuple[str, ...] = ("Одяг", "Чоловічі сорочки"), only: dict[str, str] | None = None,
                photo: str | None = None, **product: Any) -> list[str]:
    """``count`` shirts listed in the shop, complete for Kasta unless ``skip`` names characteristics to leave out
    (``only``: these characteristics instead of a shirt's; ``photo``: one photo for all, else one each)."""
    with database.session() as session:
        warehouse = session.query(Warehouse).filter_by(code="MAIN").one_or_none()
        if warehouse is None:
            warehouse = Warehouse(code="MAIN", name="Основний склад")
            session.add(warehouse)
        parent = None
        for depth, name in enumerate(category_path):
            found = session.query(Category).filter_by(name=name, parent_id=parent.id if parent else None).one_or_none()
            if found is None:
                found = Category(name=name, slug=f"c{depth}-{len(name)}", parent=parent)
                session.add(found)
                session.flush()
            parent = found
        skus = []
        values = dict(only) if only is not None else {**SHIRT_CHARACTERISTICS, **(characteristics or {})}
        for n in range(count):
            sku = f"{sku_prefix}-{n:04}"
            item = Product(sku=sku, barcode=f"48200{n:08}", category_id=parent.id if parent else None,
                           name_uk=f"Сорочка чоловіча №{n}", name_ru=f"Рубашка мужская №{n}", brand="Twice",
                           description_html="<p>Сорочка з <b>бавовни</b>.</p><ul><li>Довгий рукав</li></ul>",
                           **product)
            session.add(item)
            session.flush()
            session.add_all(ProductCharacteristic(product_id=item.id, name=name, value=value, position=i)
                            for i, (name, value) in enumerate(values.items()) if name not in skip)
            session.add(ProductPhoto(product_id=item.id, position=0, url=photo or f"shirts/{sku}.jpg"))
            session.add_all([ProductPrice(product_id=item.id, price_type="retail", amount=Decimal("1790")),
                             ProductPrice(product_id=item.id, price_type="old", amount=Decimal("1990"))])
            session.add(StockLevel(product_id=item.id, warehouse=warehouse, quantity=5))
            session.add(Listing(shop_id=shop_id, product_id=item.id))
            skus.append(sku)
    return skus
