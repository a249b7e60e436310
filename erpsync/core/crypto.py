"""Credentials encryption at rest (Fernet) and masking for display and logs."""

from __future__ import annotations

import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken

from erpsync.core.errors import CredentialError

MASK = "****"


def encrypt_credentials(credentials: Mapping[str, str], key: str) -> str:
    """Encrypt a credentials mapping into a Fernet token (text)."""
    return Fernet(key.encode("ascii")).encrypt(json.dumps(dict(credentials)).encode("utf-8")).decode("ascii")


def decrypt_credentials(token: str, key: str, *, shop_name: str = "?") -> dict[str, str]:
    """Decrypt a token made by :func:`encrypt_credentials`; a wrong key is a clear ``CredentialError``."""
    if not token:
        return {}
    try:
        plain = Fernet(key.encode("ascii")).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        raise CredentialError(
            f"credentials of shop {shop_name!r} cannot be decrypted with the configured ERPSYNC_SECRET_KEY",
            hint="use the key the credentials were saved with, or enter them again with "
            f"`erpsync shop set {shop_name} --credential KEY=VALUE`",
        ) from None
    return json.loads(plain.decode("utf-8"))


def mask_secret(value: str | None) -> str:
    """Show at most the last 4 characters of a secret, and only when it is long enough to stay secret."""
    if not value:
        return ""
    if len(value) <= 8:
        return MASK
    return MASK + value[-4:]


def mask_credentials(credentials: Mapping[str, str]) -> dict[str, str]:
    return {key: mask_secret(value) for key, value in credentials.items()}
