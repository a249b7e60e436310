"""The Kaufland connector: orders and their units (listing, reading, marking sent, cancelling), invoices,
units (offers: create, update, delete, stock and price pushes), import files, returns, tickets, reports and
push-notification subscriptions — the protocol of ``erpsync.marketplaces.base`` over ``KauflandClient``.

One shop is one storefront (``storefront`` setting: de, cz, sk, pl, at, fr, it). Orders are listed by the
time their units last changed (``ts_units_updated_from_iso``), so a status change of any unit brings its
order back; each order is then read whole (``GET /orders/{id}``). See ``codec`` for how order units become
order lines. Stock and prices of existing units go through the units API (``/units/bulk``, 150 a request);
for many units, or for units that do not exist yet, the inventory import file is the better path
(``erpsync kaufland upload-catalog``): one file per storefront, processed by Kaufland in minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx

from erpsync.core.errors import (
    CredentialError,
    MarketplaceError,
    NotFoundError,
    PayloadError,
    TransitionError,
    ValidationError,
)
from erpsync.marketplaces.base import (
    CAP_FEED,
    CAP_ORDERS,
    CAP_ORDERS_CHANGED_SINCE,
    CAP_SET_STATUS,
    CAP_STOCK_PRICES,
    CAP_WAYBILL,
    Connector,
    Limits,
    Order,
    OrderRef,
    PushResult,
    ShopConfig,
    StatusChange,
    StockPriceItem,
    UnreadableOrder,
    WaybillInfo,
)
from erpsync.marketplaces.http import RetryPolicy, shop_rate_limiter
from erpsync.marketplaces.kaufland import codec
from erpsync.marketplaces.kaufland import endpoints as ep
from erpsync.marketplaces.kaufland.client import KauflandClient
from erpsync.marketplaces.kaufland.codec import (
    ImportFile,
    OrderUnitState,
    Report,
    Return,
    ReturnUnit,
    Subscription,
    Ticket,
    Unit,
    UnitChange,
    UnitDraft,
)
from erpsync.marketplaces.kaufland.enums import CANCELLATION_REASONS, ENUMS, PUSH_EVENTS, STOREFRONTS, TRANSITIONS


@dataclass(frozen=True)
class UnitOutcome:
    """What happened to one order unit of a status change."""

    id_order_unit: str
    before: str
    done: bool
    message: str


class KauflandConnector(Connector):
    """One Kaufland shop on one storefront."""

    name = "kaufland"
    enums = ENUMS
    capabilities = frozenset(
        {CAP_ORDERS, CAP_ORDERS_CHANGED_SINCE, CAP_SET_STATUS, CAP_WAYBILL, CAP_STOCK_PRICES, CAP_FEED}
    )
    # Units API for stock and prices up to 2,000 items (14 bulk requests); beyond, the inventory file.
    limits = Limits(page_size=codec.PAGE_LIMIT, stock_batch=codec.UNITS_BULK_LIMIT, upload_batch=100_000,
                    requests_per_second=50.0, stock_file_above=2000)

    def __init__(
        self,
        shop: ShopConfig,
        *,
        retry: RetryPolicy | None = None,
        rate_limit: bool = True,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(shop)
        client_key, secret_key = shop.credentials.get("client_key"), shop.credentials.get("secret_key")
        if not client_key or not secret_key:
            missing = "client_key" if not client_key else "secret_key"
            raise CredentialError(
                f"shop {shop.name!r} has no {missing}", hint=f"erpsync shop set {shop.name} --credential {missing}=…"
            )
        storefront = (shop.settings.get("storefront") or "").strip().lower()
        if storefront not in STOREFRONTS:
            raise ValidationError(
                f"kaufland shop {shop.name!r} needs its storefront (one of {', '.join(STOREFRONTS)}), "
                f"got {storefront or 'none'}",
                hint=f"erpsync shop set {shop.name} --setting storefront=de",
            )
        self.storefront = storefront
        limiter = shop_rate_limiter(self.name, shop.name, self.limits.requests_per_second) if rate_limit else None
        self.client = KauflandClient(
            base_url=shop.base_url,
            client_key=client_key,
            secret_key=secret_key,
            shop=shop.name,
            storefront=storefront,
            retry=retry,
            rate_limiter=limiter,
            transport=transport,
            clock=clock,
        )
        self._units_by_offer: dict[str, Unit] | None = None

    def close(self) -> None:
        self.client.close()

    # --- orders ----------------------------------------------------------------------------------

    def list_orders(self, since: datetime, until: datetime) -> Iterator[Order | UnreadableOrder]:
        """Orders whose units changed in [since, until], each read whole. An order whose payload cannot
        be decoded is yielded as an ``UnreadableOrder`` (its payload and the error) and the listing goes on."""
        if since > until:
            raise ValidationError(f"order listing: the start {since.isoformat()} is after the end {until.isoformat()}")
        params = {"ts_units_updated_from_iso": codec.format_time(since), "fulfillment_type": "fulfilled_by_merchant"}
        seen: set[str] = set()
        for page in self.client.pages(ep.ORDERS, params):
            for item in page.items:
                try:
                    summary = codec.decode_order_summary(item, "orders")
                except PayloadError as error:
                    yield UnreadableOrder(str(error), raw=item, external_id=codec.text_of(item.get("id_order")))
                    continue
                changed = summary.units_updated_at or summary.created_at
                if summary.id_order in seen or changed > until:
                    continue
                seen.add(summary.id_order)
                yield self._read_order(summary)

    def _read_order(self, summary: codec.OrderSummary) -> Order | UnreadableOrder:
        document = self.client.order(summary.id_order)
        try:
            return codec.decode_order(codec.object_of(codec.data_of(document, f"orders/{summary.id_order}"),
                                                      f"orders/{summary.id_order}.data"))
        except PayloadError as error:
            raw = document if isinstance(document, dict) else {"answer": document}
            return UnreadableOrder(str(error), raw=raw, external_id=summary.id_order, created_at=summary.created_at)

    def get_order(self, ref: OrderRef) -> Order:
        try:
            document = self.client.order(ref.external_id)
        except MarketplaceError as error:
            if error.status_code == 404:
                raise NotFoundError(f"kaufland has no order {ref.external_id} in shop {self.shop.name!r}") from None
            raise
        return codec.decode_order(
            codec.object_of(codec.data_of(document, f"orders/{ref.external_id}"), f"orders/{ref.external_id}.data")
        )

    def list_order_units(
        self, *, statuses: Sequence[str] = (), since: datetime | None = None
    ) -> Iterator[OrderUnitState]:
        """Order units (optionally in ``statuses``, changed since ``since``), newest change first."""
        params: dict[str, Any] = {"sort": "ts_updated:desc"}
        if statuses:
            params["status"] = list(statuses)
        if since is not None:
            params["ts_updated_from_iso"] = codec.format_time(since)
        for page in self.client.pages(ep.ORDER_UNITS, params):
            for index, item in enumerate(page.items):
                yield codec.decode_order_unit_state(item, f"order-units.data[{page.offset + index}]")

    # --- status changes --------------------------------------------------------------------------

    def set_status(self, change: StatusChange) -> Order | None:
        """Cancel (``cancelled``, with a reason) or mark sent (``sent``, with ``extra["carrier"]`` and
        ``extra["tracking_numbers"]``) every unit of the order that can take it, or only the units named in
        ``extra["order_units"]``. Units already in the target status are left alone, so a repeated change
        does nothing; a unit that cannot take the status is refused before any request is sent."""
        self.check_transition(None, change.status)
        order = self.get_order(change.order)
        units = self._selected_units(order, change)
        if change.status == "cancelled":
            reason = change.reason
            if reason not in CANCELLATION_REASONS:
                raise ValidationError(
                    f"kaufland: cancelling order {order.external_id} needs a reason, one of "
                    f"{', '.join(CANCELLATION_REASONS)} (got {reason!r})"
                )
            act: Callable[[str], None] = lambda unit_id: self.client.cancel_order_unit(unit_id, reason)  # noqa: E731
        else:
            numbers = change.extra.get("tracking_numbers") or change.extra.get("tracking_number") or []
            body = codec.send_body(
                str(change.extra.get("carrier") or ""), [numbers] if isinstance(numbers, str) else list(numbers)
            )
            act = lambda unit_id: self.client.send_order_unit(unit_id, body)  # noqa: E731
        self._apply(order, change.status, units, act)
        return self.get_order(change.order)

    def _selected_units(self, order: Order, change: StatusChange) -> dict[str, str]:
        statuses: dict[str, str] = dict(order.extra.get("unit_statuses") or {})
        wanted = change.extra.get("order_units")
        if not wanted:
            return statuses
        unknown = [str(u) for u in wanted if str(u) not in statuses]
        if unknown:
            raise ValidationError(f"kaufland: order {order.external_id} has no order unit {', '.join(unknown)}")
        return {str(u): statuses[str(u)] for u in wanted}

    def _apply(self, order: Order, target: str, units: dict[str, str], act: Callable[[str], None]) -> list[UnitOutcome]:
        allowed = TRANSITIONS[target]
        to_change = [u for u, status in units.items() if status in allowed]
        settled = [u for u, status in units.items() if status == target]
        if not to_change and not settled:
            states = ", ".join(f"{u}: {s}" for u, s in units.items())
            raise TransitionError(
                f"kaufland: no unit of order {order.external_id} can be {target} "
                f"(units {states}; allowed from: {', '.join(sorted(allowed))})"
            )
        outcomes, failures = [], []
        for unit_id in to_change:
            try:
                act(unit_id)
            except MarketplaceError as error:
                failures.append(f"unit {unit_id}: {error.message}")
                outcomes.append(UnitOutcome(unit_id, units[unit_id], False, error.message))
                continue
            outcomes.append(UnitOutcome(unit_id, units[unit_id], True, target))
        if failures:
            raise MarketplaceError(
                f"kaufland: order {order.external_id}: {len(failures)} of {len(to_change)} units "
                f"were not {target}: {'; '.join(failures)}",
                retryable=True,
            )
        return outcomes

    def push_waybill(self, ref: OrderRef, waybill: WaybillInfo) -> None:
        """Mark the order's units that await shipping as sent with this carrier and tracking number."""
        if not waybill.carrier:
            raise ValidationError(
                f"kaufland: order {ref.external_id}: a tracking number needs its carrier code "
                f"(map the order's delivery method in mappings/kaufland.yaml delivery.outbound)"
            )
        self.set_status(
            StatusChange(ref, "sent", extra={"carrier": waybill.carrier, "tracking_numbers": [waybill.number]})
        )

    def upload_invoice(self, id_order: str, file_name: str, pdf: bytes) -> dict[str, Any]:
        """Attach a PDF invoice to an order (``POST /order-invoices/{id_order}``); Kaufland's record of it."""
        answer = self.client.upload_invoice(id_order, codec.invoice_body(file_name, pdf))
        return codec.object_of(codec.data_of(answer, f"order-invoices/{id_order}"), "order-invoices.data")

    # --- units (inventory) -----------------------------------------------------------------------

    def list_units(self, *, id_offer: str | None = None, ean: str | None = None) -> Iterator[Unit]:
        params = {"id_offer": id_offer, "ean": ean}
        for page in self.client.pages(ep.UNITS, params):
            for index, item in enumerate(page.items):
                yield codec.decode_unit(item, f"units.data[{page.offset + index}]")

    def find_unit(self, id_offer: str) -> Unit | None:
        """Our unit whose ``id_offer`` (our SKU) is this, on the shop's storefront."""
        return next(iter(u for u in self.list_units(id_offer=id_offer) if u.id_offer == id_offer), None)

    def create_unit(self, draft: UnitDraft) -> Unit:
        answer = self.client.create_unit(codec.unit_create_body(draft))
        unit = codec.decode_unit(codec.object_of(codec.data_of(answer, "units"), "units.data"), "units.data")
        if self._units_by_offer is not None and unit.id_offer:
            self._units_by_offer[unit.id_offer] = unit
        return unit

    def update_unit(self, id_unit: str, change: UnitChange) -> Unit:
        """Change a unit's price, amount, handling time, note or status (a condition cannot change)."""
        answer = self.client.update_unit(id_unit, codec.unit_patch_body(change, f"unit {id_unit}"))
        return codec.decode_unit(codec.object_of(codec.data_of(answer, f"units/{id_unit}"), "units.data"), "units.data")

    def delete_unit(self, id_unit: str) -> None:
        try:
            self.client.delete_unit(id_unit)
        except MarketplaceError as error:
            if error.status_code == 404:
                return  # already gone: deleting twice changes nothing
            raise

    def push_stock_prices(self, items: Sequence[StockPriceItem]) -> PushResult:
        """Amounts and listing prices of existing units, 150 a request through ``/units/bulk``. A SKU with no
        unit on this storefront is refused with a message: a unit needs the product's EAN, which the
        inventory import file carries (``erpsync kaufland upload-catalog``)."""
        units = self._units_index()
        accepted: list[str] = []
        errors: dict[str, str] = {}
        changes: list[tuple[str, dict[str, Any]]] = []
        owners: dict[str, list[str]] = {}
        for item in items:
            unit = units.get(item.sku)
            unit_id = unit.id_unit if unit else _unit_id(item)
            if unit_id is None:
                errors[item.sku] = (
                    f"no unit with id_offer {item.sku} on storefront {self.storefront}: create it "
                    f"with the inventory file (erpsync kaufland upload-catalog {self.shop.name})"
                )
                continue
            try:
                body = codec.unit_patch_body(codec.stock_price_change(item), f"unit {unit_id} (SKU {item.sku})")
            except ValidationError as error:
                errors[item.sku] = error.message
                continue
            if unit_id in owners:
                owners[unit_id].append(item.sku)  # the same unit twice: the last change wins
                changes = [(u, b) for u, b in changes if u != unit_id]
            else:
                owners[unit_id] = [item.sku]
            changes.append((unit_id, body))
        for start in range(0, len(changes), codec.UNITS_BULK_LIMIT):
            batch = changes[start : start + codec.UNITS_BULK_LIMIT]
            outcome = codec.decode_bulk_result(self.client.bulk_update_units(codec.bulk_body(batch)))
            for unit_id, _ in batch:
                problem = outcome.get(unit_id, "Kaufland did not report on this unit")
                for sku in owners[unit_id]:
                    if problem is None:
                        accepted.append(sku)
                    else:
                        errors[sku] = f"unit {unit_id}: {problem}"
        return PushResult(accepted=accepted, errors=errors)

    def _units_index(self) -> dict[str, Unit]:
        if self._units_by_offer is None:
            self._units_by_offer = {u.id_offer: u for u in self.list_units() if u.id_offer}
        return self._units_by_offer

    # --- import files ----------------------------------------------------------------------------

    def add_product_data_file(self, url: str) -> ImportFile:
        """Register the URL of a product data CSV; Kaufland downloads and imports it asynchronously."""
        return codec.decode_import_file(self.client.add_product_data_file(url), ep.PRODUCT_DATA_FILES)

    def product_data_file(self, id_import_file: str) -> ImportFile:
        return codec.decode_import_file(self.client.product_data_file(id_import_file), ep.PRODUCT_DATA_FILES)

    def add_inventory_file(self, url: str) -> ImportFile:
        """Register the URL of an inventory CSV (a full inventory feed of this storefront)."""
        return codec.decode_import_file(self.client.add_inventory_file(url), ep.INVENTORY_FEED_FILES)

    def inventory_file(self, id_import_file: str) -> ImportFile:
        return codec.decode_import_file(self.client.inventory_file(id_import_file), ep.INVENTORY_FEED_FILES)

    # --- returns and tickets ---------------------------------------------------------------------

    def list_returns(self, *, since: datetime | None = None, statuses: Sequence[str] = ()) -> Iterator[Return]:
        params = {"ts_updated_from_iso": codec.format_time(since) if since else None, "status": list(statuses) or None}
        for page in self.client.pages(ep.RETURNS, params):
            for index, item in enumerate(page.items):
                yield codec.decode_return(item, f"returns.data[{page.offset + index}]")

    def get_return(self, id_return: str) -> Return:
        document = self.client.return_(id_return)
        return codec.decode_return(
            codec.object_of(codec.data_of(document, f"returns/{id_return}"), "returns.data"), f"returns/{id_return}"
        )

    def list_return_units(self, *, since: datetime | None = None, statuses: Sequence[str] = ()) -> Iterator[ReturnUnit]:
        params = {"ts_created_from_iso": codec.format_time(since) if since else None, "status": list(statuses) or None}
        for page in self.client.pages(ep.RETURN_UNITS, params):
            for index, item in enumerate(page.items):
                yield codec.decode_return_unit(item, f"return-units.data[{page.offset + index}]")

    def list_tickets(self, *, since: datetime | None = None, statuses: Sequence[str] = ()) -> Iterator[Ticket]:
        params = {"ts_updated_from_iso": codec.format_time(since) if since else None, "status": list(statuses) or None}
        for page in self.client.pages(ep.TICKETS, params, limit=30):  # tickets: at most 30 a page
            for index, item in enumerate(page.items):
                yield codec.decode_ticket(item, f"tickets.data[{page.offset + index}]")

    # --- reports ---------------------------------------------------------------------------------

    def request_report(self, kind: str, date_from: date | None = None, date_to: date | None = None) -> Report:
        """Queue a report (``endpoints.REPORT_KINDS``); sales and bookings need the period."""
        if kind not in ep.REPORT_KINDS:
            raise ValidationError(f"kaufland has no report {kind!r} (reports: {', '.join(ep.REPORT_KINDS)})")
        path, dated = ep.REPORT_KINDS[kind]
        body = None
        if dated:
            if date_from is None or date_to is None or date_from > date_to:
                raise ValidationError(f"kaufland: the {kind} report needs a period (--from DATE --to DATE, in order)")
            body = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        answer = self.client.request_report(path, body)
        return codec.decode_report(codec.object_of(codec.data_of(answer, path), f"{path}.data"), path)

    def report(self, id_report: str) -> Report:
        answer = self.client.report(id_report)
        return codec.decode_report(
            codec.object_of(codec.data_of(answer, f"reports/{id_report}"), "reports.data"), f"reports/{id_report}"
        )

    def download_report(self, report: Report) -> bytes:
        if not report.done or not report.url:
            raise ValidationError(
                f"kaufland: report {report.id_report} is {report.status}, not done: nothing to download"
            )
        return self.client.download(report.url)

    # --- push notifications ----------------------------------------------------------------------

    def list_subscriptions(self) -> list[Subscription]:
        found = []
        for page in self.client.pages(ep.SUBSCRIPTIONS, limit=30):
            found += [codec.decode_subscription(item, "subscriptions.data") for item in page.items]
        return found

    def subscribe(self, events: Sequence[str], callback_url: str, fallback_email: str) -> list[Subscription]:
        """One subscription per event to ``callback_url`` on this storefront; an event already subscribed
        to that URL is kept, one pointing elsewhere or inactive is updated (Kaufland then verifies the URL)."""
        unknown = [e for e in events if e not in PUSH_EVENTS]
        if unknown:
            raise ValidationError(f"kaufland has no push event {', '.join(unknown)} (events: {', '.join(PUSH_EVENTS)})")
        if len(callback_url) > 255:
            raise ValidationError("kaufland: a callback URL has at most 255 characters")
        current = {
            s.event_name: s for s in self.list_subscriptions() if (s.storefront or self.storefront) == self.storefront
        }
        result = []
        for event in events:
            existing = current.get(event)
            if existing and existing.callback_url == callback_url and existing.is_active:
                result.append(existing)
                continue
            if existing:
                answer = self.client.update_subscription(
                    existing.id_subscription, {"callback_url": callback_url, "is_active": True}
                )
            else:
                answer = self.client.subscribe(
                    {"callback_url": callback_url, "fallback_email": fallback_email, "event_name": event}
                )
            result.append(
                codec.decode_subscription(
                    codec.object_of(codec.data_of(answer, ep.SUBSCRIPTIONS), "subscriptions.data"), "subscriptions.data"
                )
            )
        return result

    # --- housekeeping ----------------------------------------------------------------------------

    def check_connection(self) -> None:
        """A signed read of the seller's storefronts: wrong keys raise AuthenticationError, a wrong clock
        ClockSkewError."""
        self.client.storefronts()


def _unit_id(item: StockPriceItem) -> str | None:
    """The item's ``external_id`` when it is a Kaufland unit id (a number, not the SKU itself)."""
    external = (item.external_id or "").strip()
    return external if external.isdigit() and external != item.sku else None
