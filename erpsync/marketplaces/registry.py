"""Marketplace name → connector and enumerations, so that a shop row is all it takes.

Each marketplace is a package ``erpsync.marketplaces.<package>`` with an ``enums`` module defining
``ENUMS``; a package with a connector defines ``CONNECTOR`` (a ``Connector`` subclass) in its
``__init__``. Satu.kz is Prom's API at another base URL: one package, two names.
"""

from __future__ import annotations

import importlib
from typing import Any

from erpsync.core.errors import CredentialError, ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.marketplaces.base import Connector, Enumerations, ShopConfig

PACKAGES: dict[str, str] = {
    "kaspi": "kaspi",
    "kaufland": "kaufland",
    "prom": "prom",
    "satu": "prom",
    "rozetka": "rozetka",
    "kasta": "kasta",
    "horoshop": "horoshop",
    "epicentr": "epicentr",
    "zakupka": "zakupka",
    "hubber": "hubber",
}


def _package(marketplace: str) -> str:
    marketplace_info(marketplace)  # a clear error for an unknown name
    return f"erpsync.marketplaces.{PACKAGES[marketplace]}"


def enumerations(marketplace: str) -> Enumerations:
    """The fixed vocabularies of ``marketplace`` (statuses, reasons, delivery and payment codes)."""
    try:
        module = importlib.import_module(f"{_package(marketplace)}.enums")
    except ModuleNotFoundError:
        raise ValidationError(f"no enumerations are defined for marketplace {marketplace} yet") from None
    return module.ENUMS


def connector_class(marketplace: str) -> type[Connector]:
    try:
        module = importlib.import_module(_package(marketplace))
    except ModuleNotFoundError:
        module = None
    connector = getattr(module, "CONNECTOR", None)
    if connector is None:
        raise ValidationError(f"erpsync has no connector for {marketplace} yet")
    return connector


def make_connector(shop: ShopConfig, **options: Any) -> Connector:
    """A connector for a shop; refuses a shop whose credentials are incomplete, naming what is missing.
    ``options`` go to the connector's constructor (e.g. a retry policy)."""
    missing = [k for k in marketplace_info(shop.marketplace).credential_keys if not shop.credentials.get(k)]
    if missing:
        raise CredentialError(
            f"shop {shop.name!r} has no {', '.join(missing)}",
            hint=f"erpsync shop set {shop.name} --credential {missing[0]}=…",
        )
    return connector_class(shop.marketplace)(shop, **options)
