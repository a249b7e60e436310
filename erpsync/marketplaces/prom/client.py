"""Prom.ua / Satu.kz public API v1 endpoints, one method each, answering the JSON documents as sent.

Every path lives in ``PATHS`` (relative to the shop's base URL, ``https://my.prom.ua/api/v1`` or
``https://my.satu.kz/api/v1``) so that a path is corrected in one place. Requests carry
``Authorization: Bearer <token>``. The shop's YML export (its own catalog) is read with a client of its
own that sends no token: the export URL is not part of the API and carries its own key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from erpsync.marketplaces.http import BearerAuth, HttpClient, RateLimiter, RetryPolicy
from erpsync.marketplaces.prom.codec import error_message

PATHS = {
    "orders": "orders/list",
    "order": "orders/{order_id}",
    "set_status": "orders/set_status",
    "save_waybill": "delivery/save_declaration_id",
    "edit_products": "products/edit_by_external_id",
    "delivery_options": "delivery_options/list",
    "payment_options": "payment_options/list",
    "status_options": "order_status_options/list",
}


def _error_detail(response: httpx.Response) -> str | None:
    try:
        return error_message(response.json())
    except ValueError:
        return None


def auth_hint(marketplace: str, shop: str) -> str:
    cabinet = "my.satu.kz" if marketplace == "satu" else "my.prom.ua"
    return (f"check the shop's token: {cabinet} → Settings → API management (Керування API) → create a token "
            f"with access to orders and products, then `erpsync shop set {shop} --credential token=…`")


class PromClient:
    """The raw API of one Prom or Satu shop."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        shop: str,
        marketplace: str = "prom",
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = HttpClient(
            marketplace=marketplace,
            shop=shop,
            auth=BearerAuth(token),
            retry=retry,
            rate_limiter=rate_limiter,
            error_detail=_error_detail,
            auth_hint=auth_hint(marketplace, shop),
            transport=transport,
        )
        self.export = HttpClient(marketplace=marketplace, shop=shop, retry=retry, transport=transport)

    def close(self) -> None:
        self.http.close()
        self.export.close()

    def _call(self, method: str, name: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
              **path_args: str) -> Any:
        path = PATHS[name].format(**path_args)
        content = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        response = self.http.request(method, f"{self.base_url}/{path}", params=params, content=content,
                                     headers=headers, expect_json=True)
        return self.http.json(response, path)

    # orders
    def orders(self, params: Mapping[str, Any]) -> Any:
        """``GET /orders/list`` (status, date_from/date_to, last_modified_from/to, limit, last_id)."""
        return self._call("GET", "orders", params=params)

    def order(self, order_id: str) -> Any:
        return self._call("GET", "order", order_id=order_id)

    def set_status(self, body: Mapping[str, Any]) -> Any:
        return self._call("POST", "set_status", body=body)

    def save_waybill(self, body: Mapping[str, Any]) -> Any:
        return self._call("POST", "save_waybill", body=body)

    # products
    def edit_products(self, body: list[dict[str, Any]]) -> Any:
        return self._call("POST", "edit_products", body=body)

    # the shop's own options
    def delivery_options(self) -> Any:
        return self._call("GET", "delivery_options")

    def payment_options(self) -> Any:
        return self._call("GET", "payment_options")

    def status_options(self) -> Any:
        return self._call("GET", "status_options")

    # the shop's catalog export (not the API: no token is sent)
    def catalog_export(self, url: str) -> bytes:
        response = self.export.request("GET", url, headers={"Accept": "application/xml, text/xml, */*"})
        return response.content
