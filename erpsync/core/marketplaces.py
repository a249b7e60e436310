"""The fixed list of marketplaces erpsync knows, with what a shop of each needs.

This is metadata only (names, default base URLs, credential keys); the connectors live in
``erpsync.marketplaces`` and register themselves against these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    credential_note: str = ""  # what a person must know when entering the credentials (CLI and panel)
    default_settings: Mapping[str, Any] = field(default_factory=dict)  # given to a new shop unless set


KASTA_TOKEN_NOTE = (
    "Kasta shows the API token only once: in the Kasta cabinet open Settings → API → Get token and copy it "
    "at once. Kasta never shows it in full again; if it was not copied, get a new one there (the old one then "
    "stops working) and store it with `erpsync shop set NAME --credential token=…`."
)


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
        MarketplaceInfo("kasta", "Kasta", "UA", "UAH", "https://hub.kasta.ua/api", ("token",),
                        credential_note=KASTA_TOKEN_NOTE, default_settings={"full_push_at": "01:00"}),
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


def credential_note(name: str) -> str:
    """What to tell a person entering the credentials of a ``name`` shop ("" when nothing special)."""
    return marketplace_info(name).credential_note


def marketplace_info(name: str) -> MarketplaceInfo:
    """Return the metadata of a marketplace, or a clear error listing the known names."""
    try:
        return MARKETPLACES[name]
    except KeyError:
        known = ", ".join(MARKETPLACE_NAMES)
        raise ValidationError(f"unknown marketplace {name!r}: known marketplaces are {known}") from None
