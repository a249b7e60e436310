"""From a shop row to a working connector: the shop's base URL, decrypted credentials and settings
become a ``ShopConfig`` and the registry builds the marketplace's connector. A shop row is all it takes.
"""

from __future__ import annotations

from typing import Any

from erpsync.core.errors import ValidationError
from erpsync.marketplaces.base import Connector, ShopConfig
from erpsync.marketplaces.registry import connector_class, make_connector
from erpsync.models import Shop
from erpsync.sync.shops import shop_credentials, shop_settings


def shop_config(shop: Shop, secret_key: str) -> ShopConfig:
    """What a connector needs of a shop (credentials decrypted; never log the result's credentials)."""
    return ShopConfig(
        name=shop.name,
        marketplace=shop.marketplace,
        base_url=shop.base_url,
        credentials=shop_credentials(shop, secret_key),
        settings=shop_settings(shop),
    )


def connector_for(shop: Shop, secret_key: str, **options: Any) -> Connector:
    """The connector of a shop; ``options`` go to the connector (e.g. a retry policy in tests)."""
    return make_connector(shop_config(shop, secret_key), **options)


def has_connector(marketplace: str) -> bool:
    """Whether erpsync can talk to ``marketplace``'s API yet (else only feeds and the database serve it)."""
    try:
        connector_class(marketplace)
    except ValidationError:
        return False
    return True


def check_connection(shop: Shop, secret_key: str) -> None:
    """Make one cheap authenticated request to the shop's marketplace.

    Raises ``ValidationError`` when erpsync has no connector for the marketplace yet, ``CredentialError``
    when credentials are missing or cannot be decrypted, ``AuthenticationError`` when the marketplace
    refuses them, ``MarketplaceError`` when it cannot be reached or fails.
    """
    with connector_for(shop, secret_key) as connector:
        connector.check_connection()
