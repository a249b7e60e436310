"""Kaspi test helpers: the seed's payload examples, a running sandbox, a connector pointed at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.http import RetryPolicy
from erpsync.marketplaces.kaspi import KaspiConnector
from erpsync.sandbox.kaspi import KaspiSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kaspi"
TOKEN = "kz-test-token-0123456789"
# Retries as in production, only quicker: tests must not wait seconds for a backoff.
QUICK_RETRIES = RetryPolicy(attempts=4, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_retry_after=2.0)


def seed_example(name: str) -> Any:
    """A payload example of seed 004 (tests/fixtures/kaspi/NAME.json)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def sandbox() -> Iterator[KaspiSandbox]:
    """An empty Kaspi sandbox (tests add the orders they need) on an ephemeral port."""
    with KaspiSandbox(credentials={"token": TOKEN}, orders=0, random_seed=7) as server:
        yield server


def make_connector(base_url: str, token: str = TOKEN, **options: Any) -> KaspiConnector:
    options.setdefault("retry", QUICK_RETRIES)
    options.setdefault("rate_limit", False)
    return KaspiConnector(ShopConfig("kz-test", "kaspi", base_url, {"token": token}), **options)


@pytest.fixture
def connector(sandbox: KaspiSandbox) -> Iterator[KaspiConnector]:
    with make_connector(sandbox.base_url) as kaspi:
        yield kaspi
