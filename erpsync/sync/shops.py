"""Shops: create, change, read (credentials decrypted only here, masked for display)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.crypto import decrypt_credentials, encrypt_credentials, mask_credentials
from erpsync.core.errors import CredentialError, NotFoundError, ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.models import Shop
from erpsync.models.shop_settings import effective_settings, validate_settings


@dataclass(frozen=True)
class ShopView:
    """What may be shown of a shop: credentials masked."""

    name: str
    marketplace: str
    base_url: str
    enabled: bool
    credentials: dict[str, str]
    settings: dict[str, Any]
    feed_token: str


def _check_credentials(marketplace: str, credentials: Mapping[str, str]) -> None:
    allowed = marketplace_info(marketplace).credential_keys
    for key in credentials:
        if key not in allowed:
            raise ValidationError(
                f"{marketplace} shops take the credentials {', '.join(allowed)}; {key!r} is not one of them"
            )


def missing_credentials(shop: Shop, key: str) -> list[str]:
    present = decrypt_credentials(shop.credentials_encrypted, key, shop_name=shop.name)
    return [k for k in marketplace_info(shop.marketplace).credential_keys if not present.get(k)]


def get_shop(session: Session, name: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.name == name))
    if shop is None:
        known = ", ".join(session.scalars(select(Shop.name).order_by(Shop.name))) or "none yet"
        raise NotFoundError(f"no shop named {name!r} (shops: {known})", hint="add one with `erpsync shop add`")
    return shop


def add_shop(
    session: Session,
    *,
    name: str,
    marketplace: str,
    secret_key: str,
    base_url: str | None = None,
    credentials: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
    enabled: bool = True,
) -> Shop:
    """Create a shop; the marketplace, credential keys and settings are checked first."""
    info = marketplace_info(marketplace)
    if not name.strip():
        raise ValidationError("a shop needs a name")
    if session.scalar(select(Shop.id).where(Shop.name == name)) is not None:
        raise ValidationError(f"a shop named {name!r} exists already", hint="use `erpsync shop set` to change it")
    credentials = dict(credentials or {})
    _check_credentials(marketplace, credentials)
    shop = Shop(
        name=name,
        marketplace=marketplace,
        base_url=(base_url or info.default_base_url).rstrip("/"),
        credentials_encrypted=encrypt_credentials(credentials, secret_key) if credentials else "",
        settings=validate_settings({**info.default_settings, **(settings or {})}, marketplace),
        enabled=enabled,
    )
    session.add(shop)
    session.flush()
    return shop


def update_shop(
    session: Session,
    shop: Shop,
    *,
    secret_key: str,
    base_url: str | None = None,
    credentials: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
    enabled: bool | None = None,
) -> Shop:
    """Change a shop: credentials given are merged over the stored ones, settings replace the stored ones."""
    if base_url:
        shop.base_url = base_url.rstrip("/")
    if credentials:
        _check_credentials(shop.marketplace, credentials)
        try:
            merged = decrypt_credentials(shop.credentials_encrypted, secret_key, shop_name=shop.name)
        except CredentialError:
            # stored under another key: a complete new set replaces them, a partial one cannot be merged
            required = marketplace_info(shop.marketplace).credential_keys
            if not all(credentials.get(k) for k in required):
                raise
            merged = {}
        merged.update(credentials)
        shop.credentials_encrypted = encrypt_credentials(merged, secret_key)
    if settings is not None:
        shop.settings = validate_settings(settings, shop.marketplace)
    if enabled is not None:
        shop.enabled = enabled
    session.flush()
    return shop


def shop_credentials(shop: Shop, secret_key: str) -> dict[str, str]:
    """The decrypted credentials of a shop, for a connector; never log or print them."""
    return decrypt_credentials(shop.credentials_encrypted, secret_key, shop_name=shop.name)


def shop_settings(shop: Shop) -> dict[str, Any]:
    """The shop's settings over the defaults."""
    return effective_settings(shop.settings or {})


def view_shop(shop: Shop, secret_key: str | None) -> ShopView:
    if secret_key is None:
        masked = {"(not shown)": "no ERPSYNC_SECRET_KEY configured"} if shop.credentials_encrypted else {}
    else:
        masked = mask_credentials(shop_credentials(shop, secret_key))
    return ShopView(
        name=shop.name,
        marketplace=shop.marketplace,
        base_url=shop.base_url,
        enabled=shop.enabled,
        credentials=masked,
        settings=shop_settings(shop),
        feed_token=shop.feed_token,
    )


def list_shops(session: Session) -> list[Shop]:
    return list(session.scalars(select(Shop).order_by(Shop.name)))
