"""Epicentr and Hubber: a shop row builds a connector that declares the feed only and names the
marketplace and the operation for everything else."""

from __future__ import annotations

import pytest

from erpsync.core.errors import Unsupported
from erpsync.marketplaces.base import CAP_FEED, OrderRef, ShopConfig, StatusChange, StockPriceItem
from erpsync.marketplaces.registry import make_connector


@pytest.mark.parametrize(("marketplace", "credentials"), [
    ("epicentr", {"token": "t"}), ("hubber", {"username": "u", "password": "p"}),
])
def test_a_feed_only_marketplace_names_what_it_cannot_do(marketplace: str, credentials: dict) -> None:
    connector = make_connector(ShopConfig("ua", marketplace, "https://example.invalid", credentials))
    assert connector.capabilities == {CAP_FEED} and connector.name == marketplace
    calls = [
        (lambda: list(connector.list_orders(None, None)), "listing orders"),  # type: ignore[arg-type]
        (lambda: connector.set_status(StatusChange(OrderRef("1"), "x")), "setting an order status"),
        (lambda: connector.push_stock_prices([StockPriceItem("A", quantity=1)]), "pushing stock and prices"),
        (connector.check_connection, "checking the connection"),
    ]
    for call, operation in calls:
        with pytest.raises(Unsupported, match=f"^{marketplace} does not support {operation}$"):
            call()
