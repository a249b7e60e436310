"""Zakupka test helpers: CommerceML orders files, a running sandbox, a connector pointed at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.http import RetryPolicy
from erpsync.marketplaces.zakupka import ZakupkaConnector

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "zakupka"
QUICK_RETRIES = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_retry_after=2.0)


def orders_file(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_connector(orders_url: str, **options: Any) -> ZakupkaConnector:
    options.setdefault("retry", QUICK_RETRIES)
    options.setdefault("rate_limit", False)
    settings = options.pop("settings", {})
    return ZakupkaConnector(ShopConfig("ua-zakupka", "zakupka", "https://zakupka.com",
                                       {"orders_url": orders_url}, settings), **options)
