"""Prom test helpers: the real-format payloads, a running sandbox, a connector pointed at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.http import RetryPolicy
from erpsync.marketplaces.prom import PromConnector
from erpsync.sandbox.prom import PromSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prom"
TOKEN = "prom-test-token-0123456789"
QUICK_RETRIES = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_retry_after=2.0)


def payload(name: str) -> Any:
    """A real-format payload (tests/fixtures/prom/NAME.json)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def sandbox() -> Iterator[PromSandbox]:
    """A Prom sandbox with its products but no orders (tests add the orders they need)."""
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=3) as server:
        yield server


def make_connector(base_url: str, token: str = TOKEN, marketplace: str = "prom", **options: Any) -> PromConnector:
    options.setdefault("retry", QUICK_RETRIES)
    options.setdefault("rate_limit", False)
    return PromConnector(ShopConfig(f"{marketplace}-test", marketplace, base_url, {"token": token}), **options)


@pytest.fixture
def connector(sandbox: PromSandbox) -> Iterator[PromConnector]:
    with make_connector(sandbox.base_url) as prom:
        yield prom
