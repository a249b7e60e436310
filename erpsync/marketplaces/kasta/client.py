"""Kasta HUB API endpoints, one method each, answering the JSON documents as Kasta sends them.

Every request carries the seller's token as it is in ``Authorization`` (no ``Bearer`` prefix: public
clients send the raw token and one quotes the API description saying so). Paths come from
``erpsync.marketplaces.kasta.endpoints`` under the shop's base URL (``https://hub.kasta.ua/api``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from erpsync.marketplaces.http import HeaderTokenAuth, HttpClient, RateLimiter, RetryPolicy
from erpsync.marketplaces.kasta import endpoints
from erpsync.marketplaces.kasta.codec import error_message

AUTH_HINT = (
    "check the shop's token: Kasta cabinet → Settings → API → Get token (Kasta shows it once; a lost "
    "token means a new one), then `erpsync shop set NAME --credential token=…`"
)


def _error_detail(response: httpx.Response) -> str | None:
    try:
        return error_message(response.json())
    except ValueError:
        return None


class KastaClient:
    """The raw Kasta HUB API of one shop."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        shop: str,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = HttpClient(
            marketplace="kasta",
            shop=shop,
            auth=HeaderTokenAuth("Authorization", token),
            retry=retry,
            rate_limiter=rate_limiter,
            error_detail=_error_detail,
            auth_hint=AUTH_HINT,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        response = self.http.request(method, f"{self.base_url}/{path}", params=params, content=content,
                                     headers=headers, expect_json=True)
        return self.http.json(response, path)

    # catalog schema
    def categories(self) -> Any:
        return self._call("GET", endpoints.CATEGORIES)

    def category_details(self, affiliation_id: int, kind_id: int) -> Any:
        return self._call("GET", endpoints.CATEGORY_DETAILS,
                          params={"kind_id": kind_id, "affiliation_id": affiliation_id})

    # product upload
    def submit_image(self, url: str) -> Any:
        return self._call("POST", endpoints.SUBMIT_IMAGE, body={"url": url})

    def submit_products(self, body: Mapping[str, Any]) -> Any:
        return self._call("POST", endpoints.SUBMIT_PRODUCTS, body=body)

    def submit_status(self, upload_id: str) -> Any:
        return self._call("GET", endpoints.SUBMIT_STATUS, params={"upload_id": upload_id})

    # products, stock, prices
    def products_page(self, cursor: str | None = None, barcode: str | None = None) -> Any:
        params: dict[str, Any] = {}
        if cursor:
            params["cursor"] = cursor
        if barcode:
            params["barcode"] = barcode
        return self._call("GET", endpoints.PRODUCTS, params=params)

    def update_stock(self, body: Mapping[str, Any]) -> Any:
        return self._call("POST", endpoints.UPDATE_STOCK, body=body)

    def update_price(self, body: Mapping[str, Any]) -> Any:
        return self._call("POST", endpoints.UPDATE_PRICE, body=body)

    # orders
    def orders_page(self, *, limit: int, cursor: str | None = None, since: str | None = None,
                    order_id: str | None = None) -> Any:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        elif since:
            params["from"] = since
        if order_id:
            params["order_id"] = order_id
        return self._call("GET", endpoints.ORDERS, params=params)
