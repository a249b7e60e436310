"""Rozetka test helpers: the documentation's payloads, a running sandbox, a connector pointed at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.http import RetryPolicy
from erpsync.marketplaces.rozetka import RozetkaConnector
from erpsync.marketplaces.rozetka.client import forget_tokens
from erpsync.sandbox.rozetka import RozetkaSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rozetka"
USERNAME, PASSWORD = "seller@example.com", "s3cret-пароль"
QUICK_RETRIES = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_retry_after=2.0)


def payload(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _fresh_sessions() -> Iterator[None]:
    """Tokens are cached per shop for the process: each test starts without any."""
    forget_tokens()
    yield
    forget_tokens()


@pytest.fixture
def sandbox() -> Iterator[RozetkaSandbox]:
    """A Rozetka sandbox with its items but no orders (tests add the orders they need)."""
    with RozetkaSandbox(credentials={"username": USERNAME, "password": PASSWORD}, orders=0, random_seed=5) as server:
        yield server


def make_connector(base_url: str, *, shop: str = "rz-test", username: str = USERNAME, password: str = PASSWORD,
                   **options: Any) -> RozetkaConnector:
    options.setdefault("retry", QUICK_RETRIES)
    options.setdefault("rate_limit", False)
    credentials = {"username": username, "password": password}
    return RozetkaConnector(ShopConfig(shop, "rozetka", base_url, credentials), **options)


@pytest.fixture
def connector(sandbox: RozetkaSandbox) -> Iterator[RozetkaConnector]:
    with make_connector(sandbox.base_url) as rozetka:
        yield rozetka
