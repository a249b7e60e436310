"""Fixtures for job and outbox tests (imported by the conftest files): a shop with listed products,
and the environment a worker reads."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import tests.jobs.sample_kinds  # noqa: F401  (registers the sample kinds)
from erpsync.core.config import Settings, load_settings
from erpsync.models import Listing, Product, Shop
from erpsync.models.db import Database


@dataclass
class Catalog:
    shop_id: int
    product_ids: list[int]


def add_shop(database: Database, name: str = "kz1", *, marketplace: str = "kaspi", enabled: bool = True,
             base_url: str = "http://127.0.0.1:9/kaspi", settings: dict | None = None) -> int:
    with database.session() as session:
        shop = Shop(name=name, marketplace=marketplace, base_url=base_url, enabled=enabled, settings=settings or {})
        session.add(shop)
        session.flush()
        return shop.id


@pytest.fixture
def catalog(database: Database) -> Catalog:
    """A Kaspi shop with three active products listed in it."""
    shop_id = add_shop(database)
    with database.session() as session:
        products = [Product(sku=f"SKU-{n}", name_uk=f"Товар {n}") for n in range(3)]
        session.add_all(products)
        session.flush()
        session.add_all(Listing(shop_id=shop_id, product_id=p.id) for p in products)
        return Catalog(shop_id, [p.id for p in products])


@pytest.fixture
def job_env(database: Database, secret_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The variables a worker process reads, pointing at the test database."""
    env = {
        "ERPSYNC_DATABASE_URL": database.url,
        "ERPSYNC_SECRET_KEY": secret_key,
        "ERPSYNC_FEED_DIR": str(tmp_path / "feeds"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ERPSYNC_REDIS_URL", raising=False)  # inline unless a test says otherwise
    yield load_settings()
