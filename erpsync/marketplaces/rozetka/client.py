"""Rozetka Seller API endpoints, one method each, answering the ``content`` of Rozetka's envelope.

Every path lives in ``PATHS`` (relative to ``https://api-seller.rozetka.com.ua``). A session starts
with ``POST /sites`` (username, base64 password) → ``access_token``, sent as ``Authorization: Bearer``.
The token is cached per shop (never shared between shops, even with the same login) and reused by every
connector of that shop in the process. When Rozetka refuses it (HTTP 401, or an envelope with an auth
code such as 6001 "session expired"), the client logs in once more and repeats the request; refused
again, it raises a clear ``AuthenticationError``. The login's bodies (password, token) never reach a log.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from erpsync.core.errors import AuthenticationError, MarketplaceError, NotFoundError, PayloadError
from erpsync.marketplaces.http import BearerAuth, HttpClient, RateLimiter, RetryPolicy
from erpsync.marketplaces.rozetka import codec

PATHS = {
    "login": "sites",
    "orders": "orders/search",
    "order": "orders/{order_id}",
    "statuses": "order-statuses/search",
    "delivery_services": "delivery-services/search",
    "mass_update": "items/mass-update",
}
ORDER_EXPAND = ("purchases,delivery,delivery_service,user,status_data,status_available,status_payment,"
                "payment_type,payment_type_name,payment_type_title,payment_method_id,is_payed,credit_status,"
                "credit_broker,is_promo")

SECRET_FIELDS = frozenset({"password", "access_token"})  # never in an exchange (the sync log)

_tokens: dict[tuple[str, str, str], str] = {}
_tokens_lock = threading.Lock()


def _error_detail(response: httpx.Response) -> str | None:
    try:
        return codec.error_message(response.json())
    except ValueError:
        return None


def auth_hint(shop: str) -> str:
    return ("check the shop's login: the Rozetka seller cabinet's username and password (a manager with API "
            f"access), then `erpsync shop set {shop} --credential username=… --credential password=…`")


def forget_tokens() -> None:
    """Drop every cached token (tests; a changed password)."""
    with _tokens_lock:
        _tokens.clear()


class RozetkaClient:
    """The raw Seller API of one Rozetka shop."""

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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shop = shop
        self.username = username
        self._password = password
        self._key = (self.base_url, shop, username)
        self.auth = BearerAuth("")
        options: dict[str, Any] = {"marketplace": "rozetka", "shop": shop, "retry": retry,
                                   "rate_limiter": rate_limiter, "error_detail": _error_detail,
                                   "auth_hint": auth_hint(shop), "transport": transport,
                                   "secret_fields": SECRET_FIELDS}
        self.http = HttpClient(auth=self.auth, **options)
        self.login_http = HttpClient(**options)
        self.logins = 0  # how many times this client logged in (a test can count refreshes)

    def close(self) -> None:
        self.http.close()
        self.login_http.close()

    # --- the session -----------------------------------------------------------------------------

    def token(self) -> str:
        with _tokens_lock:
            cached = _tokens.get(self._key)
        return cached or self.login()

    def login(self) -> str:
        """``POST /sites``; the new token replaces the shop's cached one."""
        body = json.dumps(codec.login_body(self.username, self._password)).encode("utf-8")
        response = self.login_http.request(
            "POST", f"{self.base_url}/{PATHS['login']}", content=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            document = response.json()
        except ValueError:
            raise PayloadError("the login answer is not JSON", field=PATHS["login"]) from None
        try:
            content = codec.content_of(document, "the login", self.shop)
        except codec.SessionRefused as refused:
            raise codec.SessionRefused(refused.message, refused.code, hint=auth_hint(self.shop)) from None
        token = codec.text_of(content.get("access_token")) if isinstance(content, dict) else None
        if not token:
            raise PayloadError("has no access_token", field="sites.content")
        with _tokens_lock:
            _tokens[self._key] = token
        self.logins += 1
        return token

    def _forget(self, token: str) -> None:
        with _tokens_lock:
            if _tokens.get(self._key) == token:
                del _tokens[self._key]

    # --- requests --------------------------------------------------------------------------------

    def call(self, method: str, name: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
             envelope: bool = True, **path_args: str) -> Any:
        """A request with the shop's token (logging in again once if Rozetka refuses it); the envelope's
        ``content`` (or, with ``envelope=False``, the whole answer)."""
        path = PATHS[name].format(**path_args)
        for attempt in (1, 2):
            token = self.token()
            self.auth.token = token
            try:
                document = self._send(method, path, params, body)
                if codec.session_refused(document):
                    raise codec.refusal(document, path, self.shop)
                return codec.content_of(document, path, self.shop) if envelope else document
            except MarketplaceError as failure:
                if not isinstance(failure, AuthenticationError):
                    if failure.status_code == 404:
                        raise NotFoundError(f"rozetka has no {path} in shop {self.shop!r}") from None
                    raise
                refused = failure
                self._forget(token)
                if attempt == 2:
                    raise AuthenticationError(
                        f"rozetka refused the session of shop {self.shop!r} again after a new login: "
                        f"{refused.message}", status_code=refused.status_code, hint=auth_hint(self.shop),
                        exchange=refused.exchange) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None, body: Any) -> Any:
        content = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Accept": "application/json", "Content-Language": "uk"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        response = self.http.request(method, f"{self.base_url}/{path}", params=params, content=content,
                                     headers=headers, expect_json=True)
        return self.http.json(response, path)

    # --- endpoints -------------------------------------------------------------------------------

    def orders(self, params: Mapping[str, Any]) -> Any:
        return self.call("GET", "orders", params={"expand": ORDER_EXPAND, **params})

    def order(self, order_id: str) -> Any:
        return self.call("GET", "order", params={"expand": ORDER_EXPAND}, order_id=order_id)

    def update_order(self, order_id: str, body: Mapping[str, Any]) -> Any:
        return self.call("PUT", "order", params={"expand": ORDER_EXPAND}, body=body, order_id=order_id)

    def statuses(self) -> Any:
        return self.call("GET", "statuses")

    def delivery_services(self) -> Any:
        return self.call("GET", "delivery_services")

    def mass_update(self, items: list[dict[str, Any]]) -> Any:
        """``PUT /items/mass-update``; the whole answer (a refusal lists items by id)."""
        return self.call("PUT", "mass_update", body={"isIgnoreCheck": 0, "items": items}, envelope=False)
