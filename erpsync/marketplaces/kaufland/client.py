"""Kaufland Seller API v2 endpoints, one method each, answering the JSON documents as Kaufland sends them.

Every request is signed (``HmacSignatureAuth``: ``Shop-Client-Key``, ``Shop-Timestamp``,
``Shop-Signature``) and carries ``Accept: application/json``; the paths are in ``endpoints``. Endpoints that
take a storefront get the shop's (``storefront`` setting). A refused signature whose answer shows that our
clock is off Kaufland's raises ``ClockSkewError`` saying by how much and to fix the server clock: the
signature covers the time, so a wrong clock refuses every request however right the keys are.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from erpsync.core.errors import AuthenticationError
from erpsync.marketplaces.http import HmacSignatureAuth, HttpClient, RateLimiter, RetryPolicy
from erpsync.marketplaces.kaufland import endpoints as ep
from erpsync.marketplaces.kaufland.codec import PAGE_LIMIT, Page, decode_page, error_message

AUTH_HINT = (
    "check the shop's keys: Kaufland seller portal → Settings → API, then "
    "`erpsync shop set NAME --credential client_key=… --credential secret_key=…`"
)
# A refusal with our clock further than this from the answer's Date header is blamed on the clock.
CLOCK_TOLERANCE_SECONDS = 60


class ClockSkewError(AuthenticationError):
    """Kaufland refused a signed request because our clock is off Kaufland's."""


def _error_detail(response: httpx.Response) -> str | None:
    try:
        return error_message(response.json())
    except ValueError:
        return None


def describe_skew(seconds: float) -> str:
    direction = "behind" if seconds > 0 else "ahead of"
    seconds = abs(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
        f"{secs} s" if secs or not (hours or minutes) else "",
    ]
    return f"{' '.join(p for p in parts if p)} {direction}"


class KauflandClient:
    """The raw Kaufland API of one shop (one storefront)."""

    def __init__(
        self,
        *,
        base_url: str,
        client_key: str,
        secret_key: str,
        shop: str,
        storefront: str | None,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shop = shop
        self.storefront = storefront
        self.clock = clock
        self.http = HttpClient(
            marketplace="kaufland",
            shop=shop,
            auth=HmacSignatureAuth(client_key, secret_key, clock=clock),
            retry=retry,
            rate_limiter=rate_limiter,
            headers={"Accept": "application/json"},
            error_detail=_error_detail,
            auth_hint=AUTH_HINT,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    # -- plumbing ---------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        storefront: bool = True,
    ) -> Any:
        """A request to ``path`` (relative to the base URL); the decoded JSON answer, or None when empty."""
        query: dict[str, Any] = {}
        if storefront and self.storefront:
            query["storefront"] = self.storefront
        query.update({k: v for k, v in (params or {}).items() if v is not None})
        content = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            response = self.http.request(
                method, f"{self.base_url}/{path}", params=query or None, content=content, headers=headers,
                expect_json=True,
            )
        except AuthenticationError as error:
            raise self._clock_error(error) or error from None
        if response.status_code == 204 or not response.content:
            return None
        return self.http.json(response, path)

    def _clock_error(self, error: AuthenticationError) -> ClockSkewError | None:
        """When the refusal's Date header shows our clock off, the error that says so."""
        headers = (error.exchange or {}).get("response_headers") or {}
        stamp = next((v for k, v in headers.items() if k.lower() == "date"), None)
        if not stamp:
            return None
        try:
            theirs = email.utils.parsedate_to_datetime(stamp).timestamp() + 0.5  # the header drops the fraction
        except (TypeError, ValueError):
            return None
        skew = theirs - self.clock()
        if abs(skew) <= CLOCK_TOLERANCE_SECONDS:
            return None
        when = datetime.fromtimestamp(theirs, UTC).strftime("%H:%M:%S UTC")
        ours = datetime.fromtimestamp(self.clock(), UTC).strftime("%H:%M:%S UTC")
        return ClockSkewError(
            f"kaufland refused the signed request of shop {self.shop!r}: this server's clock is "
            f"{describe_skew(skew)} Kaufland's (Kaufland: {when}, here: {ours}). Every request carries the "
            f"time it was signed, so Kaufland refuses them all until the clock is right",
            status_code=error.status_code,
            hint="fix the server clock: enable time synchronisation (e.g. `timedatectl set-ntp true`) and run again",
            exchange=error.exchange,
        )

    def pages(self, path: str, params: Mapping[str, Any] | None = None, *, limit: int = PAGE_LIMIT) -> Iterator[Page]:
        """Every page of a collection (``offset``/``limit`` paging)."""
        offset = 0
        while True:
            page = decode_page(
                self.call("GET", path, params={**(params or {}), "limit": limit, "offset": offset}), path
            )
            yield page
            if not page.items or not page.more:
                return
            offset += len(page.items)

    # -- status and info --------------------------------------------------------------------------

    def ping(self) -> Any:
        return self.call("GET", ep.PING, storefront=False)

    def storefronts(self) -> Any:
        return self.call("GET", ep.STOREFRONTS, storefront=False)

    def carriers(self) -> Any:
        return self.call("GET", ep.CARRIERS, storefront=False)

    # -- orders -----------------------------------------------------------------------------------

    def order(self, id_order: str) -> Any:
        return self.call(
            "GET",
            ep.path(ep.ORDER, id_order=id_order),
            params={"embedded": "order_invoices,delivery"},
            storefront=False,
        )

    def order_unit(self, id_order_unit: str) -> Any:
        return self.call("GET", ep.path(ep.ORDER_UNIT, id_order_unit=id_order_unit), storefront=False)

    def send_order_unit(self, id_order_unit: str, body: Mapping[str, Any]) -> None:
        self.call("PATCH", ep.path(ep.ORDER_UNIT_SEND, id_order_unit=id_order_unit), body=body, storefront=False)

    def cancel_order_unit(self, id_order_unit: str, reason: str) -> None:
        self.call(
            "PATCH",
            ep.path(ep.ORDER_UNIT_CANCEL, id_order_unit=id_order_unit),
            body={"reason": reason},
            storefront=False,
        )

    def fulfil_order_unit(self, id_order_unit: str) -> None:
        self.call("PATCH", ep.path(ep.ORDER_UNIT_FULFIL, id_order_unit=id_order_unit), storefront=False)

    def upload_invoice(self, id_order: str, body: Mapping[str, Any]) -> Any:
        return self.call("POST", ep.path(ep.ORDER_INVOICE_UPLOAD, id_order=id_order), body=body, storefront=False)

    # -- units ------------------------------------------------------------------------------------

    def unit(self, id_unit: str) -> Any:
        return self.call("GET", ep.path(ep.UNIT, id_unit=id_unit))

    def create_unit(self, body: Mapping[str, Any]) -> Any:
        return self.call("POST", ep.UNITS, body=body)

    def update_unit(self, id_unit: str, body: Mapping[str, Any]) -> Any:
        return self.call("PATCH", ep.path(ep.UNIT, id_unit=id_unit), body=body)

    def delete_unit(self, id_unit: str) -> None:
        self.call("DELETE", ep.path(ep.UNIT, id_unit=id_unit))

    def bulk_update_units(self, body: list[dict[str, Any]]) -> Any:
        return self.call("POST", ep.UNITS_BULK, body=body)

    # -- import files -----------------------------------------------------------------------------

    def add_product_data_file(self, url: str) -> Any:
        return self.call("POST", ep.PRODUCT_DATA_FILES, body={"url": url}, storefront=False)

    def product_data_file(self, id_import_file: str) -> Any:
        return self.call("GET", ep.path(ep.PRODUCT_DATA_FILE, id_import_file=id_import_file), storefront=False)

    def add_inventory_file(self, url: str) -> Any:
        return self.call("POST", ep.INVENTORY_FEED_FILES, body={"url": url})

    def inventory_file(self, id_import_file: str) -> Any:
        return self.call("GET", ep.path(ep.INVENTORY_FEED_FILE, id_import_file=id_import_file))

    # -- returns and tickets ----------------------------------------------------------------------

    def return_(self, id_return: str) -> Any:
        return self.call(
            "GET", ep.path(ep.RETURN, id_return=id_return), params={"embedded": "return_units"}, storefront=False
        )

    def ticket(self, id_ticket: str) -> Any:
        return self.call("GET", ep.path(ep.TICKET, id_ticket=id_ticket), storefront=False)

    # -- reports and subscriptions ----------------------------------------------------------------

    def request_report(self, path: str, body: Mapping[str, Any] | None) -> Any:
        return self.call("POST", path, body=body)

    def report(self, id_report: str) -> Any:
        return self.call("GET", ep.path(ep.REPORT, id_report=id_report), storefront=False)

    def download(self, url: str) -> bytes:
        """A file Kaufland made for us (a report), by its absolute URL; the request is signed too."""
        return self.http.request("GET", url).content

    def subscribe(self, body: Mapping[str, Any]) -> Any:
        return self.call("POST", ep.SUBSCRIPTIONS, body=body)

    def update_subscription(self, id_subscription: str, body: Mapping[str, Any]) -> Any:
        return self.call(
            "PATCH", ep.path(ep.SUBSCRIPTION, id_subscription=id_subscription), body=body, storefront=False
        )

    def unsubscribe(self, id_subscription: str) -> None:
        self.call("DELETE", ep.path(ep.SUBSCRIPTION, id_subscription=id_subscription), storefront=False)
