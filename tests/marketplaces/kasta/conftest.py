"""Kasta test helpers: the payload files in Kasta's format, a running sandbox, a connector pointed at it,
and a product ready to upload into the sandbox's shirt category."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from erpsync.marketplaces.base import ProductAttributeValue, ProductUploadItem, ShopConfig
from erpsync.marketplaces.http import RetryPolicy
from erpsync.marketplaces.kasta import KastaConnector
from erpsync.sandbox.kasta import KastaSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kasta"
TOKEN = "kasta-test-token-9f8e7d6c"
QUICK_RETRIES = RetryPolicy(attempts=4, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_retry_after=2.0)
SHIRTS = "2098-31"


def example(name: str) -> Any:
    """A payload file in Kasta's format (tests/fixtures/kasta/NAME.json)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def sandbox() -> Iterator[KastaSandbox]:
    """A Kasta sandbox without orders, moderating only through its test API, on an ephemeral port."""
    with KastaSandbox(credentials={"token": TOKEN}, orders=0, random_seed=7, moderation_seconds=None) as server:
        yield server


def make_connector(base_url: str, token: str = TOKEN, **options: Any) -> KastaConnector:
    options.setdefault("retry", QUICK_RETRIES)
    options.setdefault("rate_limit", False)
    return KastaConnector(ShopConfig("ua-kasta", "kasta", base_url, {"token": token}), **options)


@pytest.fixture
def connector(sandbox: KastaSandbox) -> Iterator[KastaConnector]:
    with make_connector(sandbox.base_url) as kasta:
        yield kasta


def shirt(sku: str = "TW-1104-BL-44", **changes: Any) -> ProductUploadItem:
    """A shirt with every mandatory characteristic of the sandbox's category 2098-31, values by name."""
    attributes = [ProductAttributeValue("1", "Україна"), ProductAttributeValue("3", "Синій"),
                  ProductAttributeValue("13", "Одяг"), ProductAttributeValue("14", "Сорочки"),
                  ProductAttributeValue("kasta_size", "44"), ProductAttributeValue("6", ("Бавовна", "Льон"))]
    values: dict[str, Any] = {
        "sku": sku, "title": "Сорочка бавовняна в клітинку", "brand": "Twice", "category_code": SHIRTS,
        "description": "Сорочка з бавовни з довгим рукавом.", "attributes": tuple(attributes),
        "images": ("https://shop.example.ua/media/tw-1104/1.jpg",), "price": Decimal("1790"),
        "old_price": Decimal("1990"), "quantity": 4, "extra": {"labels": {"kasta_size": "44"}},
    }
    values.update(changes)
    return ProductUploadItem(**values)
