"""Zakupka.com's orders file: one GET of the URL the seller copies from the cabinet ("Файл заказов").

The URL itself is the credential (``orders_url``): its path and query are secret, so they never
appear in a log or an error (the HTTP layer masks them). A URL without a scheme is taken relative to
the shop's base URL.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx

from erpsync.core.errors import AuthenticationError, MarketplaceError, ValidationError
from erpsync.marketplaces.http import HttpClient, RateLimiter, RetryPolicy

AUTH_HINT = (
    "copy the link again: Zakupka cabinet → Товары и услуги → Синхронизация с 1С → Настройки экспорта заказов → "
    "«Файл заказов», then `erpsync shop set NAME --credential orders_url=…`"
)


def orders_file_url(base_url: str, orders_url: str) -> str:
    url = orders_url.strip()
    if not urlsplit(url).scheme:
        url = urljoin(base_url.rstrip("/") + "/", url.lstrip("/"))
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValidationError(f"the orders file URL must be an http(s) link (got scheme {urlsplit(url).scheme!r})")
    return url


class ZakupkaClient:
    """Downloads the orders file of one shop."""

    def __init__(
        self,
        *,
        base_url: str,
        orders_url: str,
        shop: str,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = orders_file_url(base_url, orders_url)
        parts = urlsplit(self.url)
        secret = parts.path + (f"?{parts.query}" if parts.query else "")
        self.shop = shop
        self.http = HttpClient(
            marketplace="zakupka", shop=shop, retry=retry, rate_limiter=rate_limiter, transport=transport,
            auth_hint=AUTH_HINT, secret_texts=frozenset({secret, parts.path, parts.query}),
            headers={"Accept": "application/xml, text/xml, */*"},
        )

    def close(self) -> None:
        self.http.close()

    def orders_file(self) -> tuple[bytes, str | None]:
        """The file's bytes and its Content-Type. A link that is not found names the credential to fix."""
        try:
            response = self.http.request("GET", self.url)
        except MarketplaceError as error:
            if error.status_code in (404, 410):
                raise AuthenticationError(
                    f"zakupka: the orders file link of shop {self.shop!r} is not found (HTTP {error.status_code})",
                    status_code=error.status_code, hint=AUTH_HINT, exchange=error.exchange,
                ) from None
            raise
        return response.content, response.headers.get("content-type")
