"""Kaspi.kz endpoints, one method each, answering the JSON documents as Kaspi sends them (seed 004).

Orders live under the shop's base URL (``https://kaspi.kz/shop/api/v2``); the product import and
classification endpoints under ``/shop/api/products/…`` and the weight change under
``/shop/api/orderPartialCancel/…`` (no ``v2``): both are derived from the base URL, so a sandbox URL
serves all of them. Every request carries ``X-Auth-Token``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from erpsync.marketplaces.http import HeaderTokenAuth, HttpClient, RateLimiter, RetryPolicy
from erpsync.marketplaces.kaspi.codec import JSONAPI, error_message

TOKEN_HEADER = "X-Auth-Token"
AUTH_HINT = (
    "check the shop's token: Kaspi merchant cabinet → Settings → API token, then "
    "`erpsync shop set NAME --credential token=…`"
)
_VERSION_SUFFIX = re.compile(r"/v\d+$")


def api_root(base_url: str) -> str:
    """``…/shop/api/v2`` → ``…/shop/api`` (where ``products`` and ``orderPartialCancel`` live)."""
    return _VERSION_SUFFIX.sub("", base_url.rstrip("/"))


def _segment(value: str) -> str:
    return quote(value, safe="=")


def _error_detail(response: httpx.Response) -> str | None:
    try:
        return error_message(response.json())
    except ValueError:
        return None


class KaspiClient:
    """The raw Kaspi API of one shop."""

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
        self.products_url = f"{api_root(self.base_url)}/products"
        self.partial_cancel_url = f"{api_root(self.base_url)}/orderPartialCancel"
        self.http = HttpClient(
            marketplace="kaspi",
            shop=shop,
            auth=HeaderTokenAuth(TOKEN_HEADER, token),
            retry=retry,
            rate_limiter=rate_limiter,
            error_detail=_error_detail,
            auth_hint=AUTH_HINT,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    # -- plumbing ---------------------------------------------------------------------------------

    def _jsonapi(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        url: str | None = None,
    ) -> Any:
        content = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        response = self.http.request(
            method,
            url or f"{self.base_url}/{path}",
            params=params,
            content=content,
            headers={"Content-Type": JSONAPI, "Accept": JSONAPI, **(headers or {})},
            expect_json=True,
        )
        return self.http.json(response, path)

    def _products(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        content = None
        if body is not None:
            headers["Content-Type"] = "text/plain"  # as seed 004 shows for the import
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        response = self.http.request(
            method, f"{self.products_url}/{path}", params=params, content=content, headers=headers,
            expect_json=True,
        )
        return self.http.json(response, f"products/{path}")

    # -- orders -----------------------------------------------------------------------------------

    def orders_page(self, params: Mapping[str, Any]) -> Any:
        """``GET /orders`` with ``page[…]``, ``filter[orders][…]`` and ``include[orders]`` parameters."""
        return self._jsonapi("GET", "orders", params=params)

    def orders_by_code(self, code: str) -> Any:
        return self._jsonapi("GET", "orders", params={"filter[orders][code]": code})

    def order(self, order_id: str) -> Any:
        return self._jsonapi("GET", f"orders/{_segment(order_id)}")

    def entries(self, order_id: str) -> Any:
        return self._jsonapi("GET", f"orders/{_segment(order_id)}/entries")

    def entry(self, entry_id: str) -> Any:
        return self._jsonapi("GET", f"orderentries/{_segment(entry_id)}")

    def entry_product(self, entry_id: str) -> Any:
        return self._jsonapi("GET", f"orderentries/{_segment(entry_id)}/product")

    def entry_point_of_service(self, entry_id: str) -> Any:
        return self._jsonapi("GET", f"orderentries/{_segment(entry_id)}/deliveryPointOfService")

    def merchant_product(self, master_product_id: str) -> Any:
        return self._jsonapi("GET", f"masterproducts/{_segment(master_product_id)}/merchantProduct")

    def point_of_service(self, point_id: str) -> Any:
        return self._jsonapi("GET", f"pointofservices/{_segment(point_id)}")

    def post_order(self, body: Mapping[str, Any], *, security_code: str | None = None) -> Any:
        """``POST /orders`` (a status change). ``security_code`` ("" for the first step of completing an
        order) adds ``X-Security-Code`` and ``X-Send-Code: true``."""
        headers = None
        if security_code is not None:
            headers = {"X-Security-Code": security_code, "X-Send-Code": "true"}
        return self._jsonapi("POST", "orders", body=body, headers=headers)

    def cancel_entry(self, body: Mapping[str, Any]) -> Any:
        return self._jsonapi("POST", "orderEntryCancelOperation", body=body)

    def partial_cancel(self, order_id: str, body: list[dict[str, Any]]) -> Any:
        return self._jsonapi(
            "PUT", "orderPartialCancel", body=body, url=f"{self.partial_cancel_url}/{_segment(order_id)}"
        )

    # -- products ---------------------------------------------------------------------------------

    def import_products(self, body: list[dict[str, Any]]) -> Any:
        return self._products("POST", "import", body=body)

    def import_state(self, code: str) -> Any:
        return self._products("GET", "import", params={"i": code})

    def import_result(self, code: str) -> Any:
        return self._products("GET", "import/result", params={"i": code})

    def import_schema(self) -> Any:
        return self._products("GET", "import/schema")

    def categories(self) -> Any:
        return self._products("GET", "classification/categories")

    def attributes(self, category_code: str) -> Any:
        return self._products("GET", "classification/attributes", params={"c": category_code})

    def attribute_values(self, category_code: str, attribute_code: str) -> Any:
        params = {"c": category_code, "a": attribute_code}
        return self._products("GET", "classification/attribute/values", params=params)
