"""The fixed list of marketplaces erpsync knows, with what a shop of each needs.

This is metadata only (names, default base URLs, credential keys); the connectors live in
``erpsync.marketplaces`` and register themselves against these names.
"""

from __future__ import annotations

from dataclasses import dataclass

from erpsync.core.errors import ValidationError


@dataclass(frozen=True)
class MarketplaceInfo:
    name: str
    title: str
    country: str
    currency: str
    default_base_url: str
    credential_keys: tuple[str, ...]
    min_poll_minutes: int = 1


MARKETPLACES: dict[str, MarketplaceInfo] = {
    info.name: info
    for info in (
        MarketplaceInfo("kaspi", "Kaspi.kz", "KZ", "KZT", "https://kaspi.kz/shop/api/v2", ("token",)),
        MarketplaceInfo(
            "kaufland",
            "Kaufland",
            "DE",
            "EUR",
            "https://sellerapi.kaufland.com/v2",
            ("client_key", "secret_key"),
        ),
        MarketplaceInfo("prom", "Prom.ua", "UA", "UAH", "https://my.prom.ua/api/v1", ("token",)),
        MarketplaceInfo(
            "satu", "Satu.kz", "KZ", "KZT", "https://my.satu.kz/api/v1", ("token",), min_poll_minutes=10
        ),
        MarketplaceInfo(
            "rozetka",
            "Rozetka",
            "UA",
            "UAH",
            "https://api-seller.rozetka.com.ua",
            ("username", "password"),
        ),
        MarketplaceInfo("kasta", "Kasta", "UA", "UAH", "https://hub.kasta.ua/api", ("token",)),
        MarketplaceInfo(
            "horoshop", "Horoshop", "UA", "UAH", "https://example.horoshop.ua/api", ("username", "password")
        ),
        MarketplaceInfo(
            "epicentr", "Epicentr", "UA", "UAH", "https://api.epicentrm.com.ua", ("token",)
        ),
        MarketplaceInfo("zakupka", "Zakupka.com", "UA", "UAH", "https://zakupka.com", ("orders_url",)),
        MarketplaceInfo("hubber", "Hubber", "UA", "UAH", "https://hubber.com.ua/api", ("username", "password")),
    )
}

MARKETPLACE_NAMES: tuple[str, ...] = tuple(MARKETPLACES)


def marketplace_info(name: str) -> MarketplaceInfo:
    """Return the metadata of a marketplace, or a clear error listing the known names."""
    try:
        return MARKETPLACES[name]
    except KeyError:
        known = ", ".join(MARKETPLACE_NAMES)
        raise ValidationError(f"unknown marketplace {name!r}: known marketplaces are {known}") from None
