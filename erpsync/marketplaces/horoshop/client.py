"""Horoshop's API of one shop: login for a token, then one JSON POST per function, the token in the body.

Every function is ``POST {base}/{function}/`` where the base URL is the shop's own domain with
``/api`` (``https://myshop.com.ua/api``). ``auth`` takes ``{"login", "password"}`` and answers
``{"status": "OK", "response": {"token": …}}``; every other call carries ``"token"`` in its body and
answers ``{"status": OK | WARNING | EMPTY | ERROR | …, "response": …}`` — with HTTP 200 also when it
refuses. A token lives ten minutes: it is renewed before that, and once more when Horoshop answers
``UNAUTHORIZED`` / ``AUTHORIZATION_ERROR`` (an expired token); a second refusal is an
``AuthenticationError``. The function names (endpoint paths) are all here, in ``FUNCTIONS``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from erpsync.core.errors import AuthenticationError, MarketplaceError, PayloadError
from erpsync.marketplaces.http import HttpClient, RateLimiter, RetryPolicy

FUNCTIONS = {
    "auth": "auth",
    "orders": "orders/get",
    "update_orders": "orders/update",
    "statuses": "orders/get_available_statuses",
    "residues": "catalog/importResidues",
    "catalog_import": "catalog/import",
    "delivery_options": "delivery/export",
    "payment_options": "payment/export",
}
SUCCESS = frozenset({"OK", "WARNING", "EMPTY"})
AUTH_FAILURES = frozenset({"UNAUTHORIZED", "AUTHORIZATION_ERROR"})
TOKEN_LIFETIME = 600.0  # seconds (Horoshop's tokens, per the public clients)
TOKEN_MARGIN = 30.0  # renew this long before it runs out
_RETRY_AFTER = re.compile(r"retry after (\d+) seconds", re.IGNORECASE)
AUTH_HINT = (
    "check the shop's login and password: an administrator of the Horoshop shop (Налаштування → Адміни) "
    "on a plan with API access; `erpsync shop set NAME --credential username=… --credential password=…`"
)


def message_of(response: Any) -> str | None:
    """The text of an envelope's ``response.message`` (or of a bare text response)."""
    if isinstance(response, dict):
        message = response.get("message") or response.get("messages")
        return str(message) if message else None
    if isinstance(response, str) and response.strip():
        return response.strip()
    return None


class HoroshopClient:
    """The raw Horoshop API of one shop (answers the envelope's ``response`` of each function)."""

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        shop: str,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.shop = shop
        self.clock = clock
        self.http = HttpClient(
            marketplace="horoshop",
            shop=shop,
            retry=retry,
            rate_limiter=rate_limiter,
            auth_hint=AUTH_HINT,
            transport=transport,
            secret_fields=frozenset({"token", "password"}),
            headers={"Accept": "application/json"},
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()
        self.logins = 0  # how many tokens this client obtained (tests and the log read it)

    def close(self) -> None:
        self.http.close()

    def url(self, function: str) -> str:
        return f"{self.base_url}/{FUNCTIONS[function]}/"

    # -- transport --------------------------------------------------------------------------------

    def _post(self, function: str, body: Mapping[str, Any]) -> dict[str, Any]:
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        response = self.http.request(
            "POST", self.url(function), content=content, headers={"Content-Type": "application/json"},
            expect_json=True,
        )
        envelope = self.http.json(response, FUNCTIONS[function])
        if not isinstance(envelope, dict):
            raise PayloadError("the answer is not a Horoshop envelope ({status, response})",
                               field=FUNCTIONS[function], exchange=self._exchange())
        return envelope

    def _exchange(self) -> dict[str, Any] | None:
        return self.http.last_exchange.as_log() if self.http.last_exchange else None

    # -- the token --------------------------------------------------------------------------------

    def token(self, *, renew: bool = False) -> str:
        """A valid token: the cached one, or a new login."""
        with self._lock:
            if not renew and self._token and self.clock() < self._token_expires:
                return self._token
            envelope = self._post("auth", {"login": self.username, "password": self.password})
            response = envelope.get("response")
            token = response.get("token") if isinstance(response, dict) else None
            if envelope.get("status") != "OK" or not isinstance(token, str) or not token:
                detail = message_of(response) or str(envelope.get("status"))
                raise AuthenticationError(
                    f"horoshop refused the login of shop {self.shop!r}: {detail}",
                    hint=AUTH_HINT, exchange=self._exchange(),
                )
            self._token = token
            self._token_expires = self.clock() + TOKEN_LIFETIME - TOKEN_MARGIN
            self.logins += 1
            return token

    # -- functions --------------------------------------------------------------------------------

    def call(self, function: str, body: Mapping[str, Any] | None = None) -> Any:
        """Call a function with the token; a refused token is renewed once. Answers ``response`` (``{}`` for
        EMPTY); an API-level refusal is a ``MarketplaceError`` with Horoshop's message."""
        envelope = self._post(function, {"token": self.token(), **(body or {})})
        if envelope.get("status") in AUTH_FAILURES:
            envelope = self._post(function, {"token": self.token(renew=True), **(body or {})})
            if envelope.get("status") in AUTH_FAILURES:
                raise AuthenticationError(
                    f"horoshop refused the token of shop {self.shop!r} right after a login "
                    f"({envelope.get('status')}: {message_of(envelope.get('response')) or 'no message'})",
                    hint=AUTH_HINT, exchange=self._exchange(),
                )
        return self._response(function, envelope)

    def _response(self, function: str, envelope: Mapping[str, Any]) -> Any:
        status = envelope.get("status")
        response = envelope.get("response")
        if status == "EMPTY":
            return response if isinstance(response, dict) else {}
        if status in SUCCESS:
            return response
        message = message_of(response) or "no message"
        where = f"horoshop: {FUNCTIONS[function]}"
        limited = _RETRY_AFTER.search(message)
        if limited:
            raise MarketplaceError(
                f"{where}: the shop's hourly request limit is used up: {message}", retryable=True,
                hint=f"retry after {limited.group(1)} seconds", exchange=self._exchange(),
            )
        if status == "UNDEFINED_FUNCTION":
            raise MarketplaceError(f"{where} is not available on this shop (UNDEFINED_FUNCTION: {message}); "
                                   "check the shop's Horoshop version and plan", exchange=self._exchange())
        raise MarketplaceError(f"{where} was refused ({status}): {message}", exchange=self._exchange())

    def orders(self, body: Mapping[str, Any]) -> Any:
        return self.call("orders", body)

    def update_orders(self, orders: list[dict[str, Any]]) -> Any:
        return self.call("update_orders", {"orders": orders})

    def statuses(self) -> Any:
        return self.call("statuses")

    def import_residues(self, products: list[dict[str, Any]]) -> Any:
        return self.call("residues", {"products": products})

    def import_products(self, products: list[dict[str, Any]]) -> Any:
        return self.call("catalog_import", {"products": products})

    def delivery_options(self) -> Any:
        return self.call("delivery_options")

    def payment_options(self) -> Any:
        return self.call("payment_options")
