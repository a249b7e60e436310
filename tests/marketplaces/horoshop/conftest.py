"""Horoshop test helpers: payload examples, a running sandbox, a connector pointed at it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.horoshop import HoroshopConnector
from erpsync.marketplaces.http import RetryPolicy
from erpsync.sandbox.horoshop import HoroshopSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "horoshop"
LOGIN = {"username": "api-admin", "password": "s3cret-pass"}
QUICK_RETRIES = RetryPolicy(attempts=4, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_retry_after=2.0)


def example(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def make_connector(base_url: str, credentials: dict[str, str] | None = None, **options: Any) -> HoroshopConnector:
    settings = options.pop("settings", {})
    options.setdefault("retry", QUICK_RETRIES)
    options.setdefault("rate_limit", False)
    shop = ShopConfig("ua-horoshop", "horoshop", base_url, credentials or LOGIN, settings)
    return HoroshopConnector(shop, **options)


@pytest.fixture
def sandbox() -> Iterator[HoroshopSandbox]:
    with HoroshopSandbox(credentials=LOGIN, seed_dir=FIXTURES / "sandbox") as server:
        yield server


@pytest.fixture
def connector(sandbox: HoroshopSandbox) -> Iterator[HoroshopConnector]:
    with make_connector(sandbox.base_url) as horoshop:
        yield horoshop
