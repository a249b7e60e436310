"""Opening a shop's connector: the shop row → a ``ShopConfig`` with decrypted credentials → connector."""

from __future__ import annotations

from erpsync.marketplaces.base import Connector, ShopConfig
from erpsync.marketplaces.registry import make_connector
from erpsync.models import Shop
from erpsync.sync.shops import shop_credentials, shop_settings


def shop_config(shop: Shop, secret_key: str) -> ShopConfig:
    """What a connector needs of ``shop`` (credentials decrypted with ``secret_key``)."""
    return ShopConfig(
        name=shop.name,
        marketplace=shop.marketplace,
        base_url=shop.base_url,
        credentials=shop_credentials(shop, secret_key),
        settings=shop_settings(shop),
    )


def open_connector(shop: Shop, secret_key: str) -> Connector:
    """The connector of ``shop``; close it (or use it as a context manager) when done."""
    return make_connector(shop_config(shop, secret_key))
