"""Error types: every error a user can see is an ``ErpsyncError`` with a one-line message.

The CLI prints ``str(error)`` (and the hint) and exits non-zero; no traceback reaches a user for these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ErpsyncError(Exception):
    """Base of every expected error. ``hint`` says what to run or change."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(ErpsyncError):
    """A configuration value (environment variable or file) is wrong; names the variable."""


class DatabaseError(ErpsyncError):
    """The database is missing, unreachable, or its schema is not migrated."""


class CredentialError(ErpsyncError):
    """Credentials cannot be decrypted or are incomplete for a marketplace."""


class NotFoundError(ErpsyncError):
    """A shop, order, product or other named thing does not exist."""


class ValidationError(ErpsyncError):
    """Input from a user (a setting, an argument, a file) is not acceptable."""


class PayloadError(ErpsyncError):
    """A marketplace payload cannot be parsed; ``field`` names the offending field path.

    ``exchange`` (when the payload came over HTTP) is the request and response, secrets masked, for the log.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
        exchange: Mapping[str, Any] | None = None,
    ) -> None:
        text = f"{field}: {message}" if field else message
        super().__init__(text, hint=hint)
        self.field = field
        self.exchange = exchange


class Unsupported(ErpsyncError):
    """The marketplace has no such operation."""

    def __init__(self, marketplace: str, operation: str) -> None:
        super().__init__(f"{marketplace} does not support {operation}")
        self.marketplace = marketplace
        self.operation = operation


class MarketplaceError(ErpsyncError):
    """The marketplace refused or failed a request (after retries where they apply).

    ``retryable``: trying again later may succeed (5xx, 429, connection errors); ``exchange``: the last
    request and response (headers with secrets masked, bodies truncated) for the sync log.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool = False,
        hint: str | None = None,
        exchange: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.retryable = retryable
        self.exchange = exchange


class AuthenticationError(MarketplaceError):
    """The marketplace refused our credentials (HTTP 401/403)."""


class TransitionError(ErpsyncError):
    """A status change the marketplace does not allow from the order's current status."""


class ConflictError(ErpsyncError):
    """A change was based on an out-of-date version of what it changes (optimistic locking)."""
