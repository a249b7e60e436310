"""The Kaufland connector against the Kaufland sandbox over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erpsync.core.errors import (
    AuthenticationError,
    CredentialError,
    MarketplaceError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from erpsync.marketplaces.base import Order, OrderRef, StatusChange, StockPriceItem, UnreadableOrder, WaybillInfo
from erpsync.marketplaces.kaufland.client import ClockSkewError
from erpsync.marketplaces.kaufland.codec import UnitChange, UnitDraft
from erpsync.marketplaces.kaufland.connector import KauflandConnector
from erpsync.sandbox.kaufland import KauflandSandbox
from tests.marketplaces.kaufland.conftest import CREDENTIALS, FileServer, make_connector


def _now() -> datetime:
    return datetime.now(UTC)

EAN = "4011905437873"


def _order(sandbox: KauflandSandbox, *statuses: str, offer: str = "SKU-1", **spec: object) -> str:
    units = [{"id_offer": offer, "ean": EAN, "title": "Kratzbaum", "price": 4550, "status": s} for s in statuses]
    return sandbox.add_order(units=units, **spec)


def _units(sandbox: KauflandSandbox, order_id: str) -> dict[str, str]:
    return {str(u["id_order_unit"]): u["status"] for u in sandbox.order_units_of(order_id)}


# --- signing ---------------------------------------------------------------------------------------------


def test_signed_requests_are_accepted_and_a_wrong_secret_is_a_401_with_kauflands_message(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    connector.check_connection()
    with make_connector(sandbox.base_url, {**CREDENTIALS, "secret_key": "wrong"}) as wrong, \
            pytest.raises(AuthenticationError) as refused:
        wrong.check_connection()
    assert refused.value.status_code == 401
    assert "refused the credentials of shop 'de-main'" in str(refused.value)
    assert "the signature does not match" in str(refused.value)
    assert "--credential client_key" in str(refused.value)
    last = sandbox.requests[-1]
    assert last.status == 401 and last.header("Shop-Client-Key") == CREDENTIALS["client_key"]


def test_a_clock_an_hour_behind_is_explained_and_the_fix_named(sandbox: KauflandSandbox) -> None:
    with make_connector(sandbox.base_url, clock=lambda: time.time() - 3600) as late, \
            pytest.raises(ClockSkewError) as refused:
        late.check_connection()
    message = str(refused.value)
    assert "this server's clock is 1 h" in message and "behind Kaufland's" in message
    assert "fix the server clock" in message


def test_a_shop_without_storefront_or_keys_is_refused_before_any_request(sandbox: KauflandSandbox) -> None:
    with pytest.raises(ValidationError, match="storefront"):
        make_connector(sandbox.base_url, storefront="")
    with pytest.raises(CredentialError, match="secret_key"):
        make_connector(sandbox.base_url, {"client_key": "k"})
    assert sandbox.requests == []


def test_the_storefront_goes_with_every_request_that_takes_one(sandbox: KauflandSandbox) -> None:
    with make_connector(sandbox.base_url, storefront="cz") as czech:
        list(czech.list_units())
    assert sandbox.requests[-1].query["storefront"] == "cz"


def test_transient_failures_are_retried(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    sandbox.fail_next(1, 500)
    sandbox.fail_next(1, 429, retry_after=0)
    connector.check_connection()
    assert [r.status for r in sandbox.requests] == [500, 429, 200]


# --- orders ----------------------------------------------------------------------------------------------


def test_orders_whose_units_changed_in_the_window_are_listed_whole(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    old = _order(sandbox, "received", created=_now() - timedelta(days=40))
    new = _order(sandbox, "need_to_be_sent", "open", created=_now() - timedelta(hours=2))
    orders = list(connector.list_orders(_now() - timedelta(days=1), _now() + timedelta(minutes=1)))
    assert [o.external_id for o in orders] == [new]
    assert orders[0].status == "need_to_be_sent" and len(orders[0].lines) == 2
    assert all(line.sku == "SKU-1" for line in orders[0].lines)
    assert old not in [o.external_id for o in connector.list_orders(_now() - timedelta(days=1), _now())]


def test_a_unit_status_change_brings_an_old_order_back(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "need_to_be_sent", created=_now() - timedelta(days=10))
    assert list(connector.list_orders(_now() - timedelta(hours=1), _now() + timedelta(minutes=1))) == []
    unit_id = next(iter(_units(sandbox, order_id)))
    with sandbox.lock:
        sandbox.kaufland.set_unit_status(unit_id, "cancelled")
    orders = list(connector.list_orders(_now() - timedelta(hours=1), _now() + timedelta(minutes=1)))
    assert [(o.external_id, o.status) for o in orders] == [(order_id, "cancelled")]


def test_a_malformed_order_is_yielded_as_unreadable_and_the_listing_goes_on(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    bad = _order(sandbox, "need_to_be_sent")
    good = _order(sandbox, "need_to_be_sent")
    with sandbox.lock:
        for unit in sandbox.kaufland.order_units.values():
            if unit["id_order"] == bad:
                unit["price"] = "zwei Euro"
    listed = list(connector.list_orders(_now() - timedelta(days=1), _now() + timedelta(minutes=1)))
    readable = [o.external_id for o in listed if isinstance(o, Order)]
    [unreadable] = [o for o in listed if isinstance(o, UnreadableOrder)]
    assert readable == [good]
    assert unreadable.external_id == bad and f"orders/{bad}.order_units[0].price" in unreadable.error
    assert unreadable.raw["data"]["id_order"] == bad and unreadable.created_at is not None


def test_reading_an_unknown_order_says_so(connector: KauflandConnector) -> None:
    with pytest.raises(NotFoundError, match="no order NOPE"):
        connector.get_order(OrderRef("NOPE"))


def test_order_units_are_listed_with_their_statuses(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "need_to_be_sent", "open")
    units = list(connector.list_order_units(statuses=["open"]))
    assert [(u.id_order, u.status) for u in units] == [(order_id, "open")]
    assert sandbox.requests[-1].query["status"] == "open"


# --- status changes --------------------------------------------------------------------------------------


def test_cancelling_cancels_every_unit_with_the_reason_and_a_second_time_changes_nothing(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "need_to_be_sent", "open")
    order = connector.set_status(StatusChange(OrderRef(order_id), "cancelled", reason="NoInventory"))
    assert order is not None and order.status == "cancelled"
    assert set(_units(sandbox, order_id).values()) == {"cancelled"}
    assert {r.json()["reason"] for r in sandbox.mutating_requests()} == {"NoInventory"}
    sandbox.clear_requests()
    connector.set_status(StatusChange(OrderRef(order_id), "cancelled", reason="NoInventory"))
    assert sandbox.mutating_requests() == []


def test_cancelling_needs_a_known_reason_and_a_sent_order_cannot_be_cancelled(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "need_to_be_sent")
    with pytest.raises(ValidationError, match="needs a reason, one of BuyerCancelled"):
        connector.set_status(StatusChange(OrderRef(order_id), "cancelled"))
    sent = _order(sandbox, "sent")
    with pytest.raises(TransitionError, match=f"no unit of order {sent} can be cancelled"):
        connector.set_status(StatusChange(OrderRef(sent), "cancelled", reason="NoInventory"))
    with pytest.raises(TransitionError, match="cannot be set through the API"):
        connector.set_status(StatusChange(OrderRef(order_id), "received"))
    assert sandbox.mutating_requests() == []


def test_a_waybill_marks_the_units_awaiting_shipping_as_sent(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "sent", "need_to_be_sent")
    connector.push_waybill(OrderRef(order_id), WaybillInfo("0034123456789", carrier="DHL"))
    assert set(_units(sandbox, order_id).values()) == {"sent"}
    [send] = sandbox.mutating_requests()
    assert send.method == "PATCH" and send.path.endswith("/send")
    assert send.json() == {"tracking_numbers": "0034123456789", "carrier_code": "DHL"}


def test_a_waybill_without_a_carrier_or_with_an_unknown_one_is_refused(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "need_to_be_sent")
    with pytest.raises(ValidationError, match="carrier code"):
        connector.push_waybill(OrderRef(order_id), WaybillInfo("0034123456789"))
    with pytest.raises(MarketplaceError, match="Carrier code Pigeon is not valid"):
        connector.push_waybill(OrderRef(order_id), WaybillInfo("0034123456789", carrier="Pigeon"))
    assert set(_units(sandbox, order_id).values()) == {"need_to_be_sent"}


def test_only_the_named_units_change(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "need_to_be_sent", "need_to_be_sent")
    first, second = _units(sandbox, order_id)
    connector.set_status(StatusChange(OrderRef(order_id), "cancelled", reason="BuyerCancelled",
                                      extra={"order_units": [first]}))
    assert _units(sandbox, order_id) == {first: "cancelled", second: "need_to_be_sent"}


def test_an_invoice_pdf_is_attached_to_its_order(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "sent")
    pdf = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"
    record = connector.upload_invoice(order_id, "invoice_R-1.pdf", pdf)
    assert record["id_order"] == order_id and record["original_name"] == "invoice_R-1.pdf"
    assert sandbox.kaufland.invoices[order_id][0]["size"] == len(pdf)


# --- units -----------------------------------------------------------------------------------------------


def test_units_are_created_updated_and_deleted(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    unit = connector.create_unit(UnitDraft(ean=EAN, id_offer="SKU-1", price=Decimal("45.50"), amount=9))
    assert (unit.id_offer, unit.price, unit.amount, unit.condition) == ("SKU-1", Decimal("45.50"), 9, "NEW")
    changed = connector.update_unit(unit.id_unit, UnitChange(price=Decimal("39.99"), amount=3, handling_time=2))
    assert (changed.price, changed.amount, changed.handling_time) == (Decimal("39.99"), 3, 2)
    assert connector.find_unit("SKU-1") is not None
    connector.delete_unit(unit.id_unit)
    connector.delete_unit(unit.id_unit)  # a second delete changes nothing
    assert connector.find_unit("SKU-1") is None


def test_stock_and_prices_go_in_bulk_and_a_sku_without_a_unit_is_reported(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    for index in range(160):
        connector.create_unit(UnitDraft(ean=EAN, id_offer=f"SKU-{index}", price=Decimal("10"), amount=1))
    sandbox.clear_requests()
    items = [StockPriceItem(f"SKU-{i}", quantity=i % 7, price=Decimal("12.34")) for i in range(160)]
    result = connector.push_stock_prices([*items, StockPriceItem("GONE", quantity=1, price=Decimal(1))])
    assert len(result.accepted) == 160
    assert set(result.errors) == {"GONE"} and "erpsync kaufland upload-catalog" in result.errors["GONE"]
    bulk = sandbox.requests_to("/v2/units/bulk")
    assert [len(r.json()) for r in bulk] == [150, 10]
    assert {u["listing_price"] for u in sandbox.kaufland.units.values()} == {1234}
    assert sandbox.kaufland.units[min(sandbox.kaufland.units)]["amount"] == 0


def test_a_unit_kaufland_refuses_in_a_bulk_is_reported_and_the_others_are_kept(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    kept = connector.create_unit(UnitDraft(ean=EAN, id_offer="SKU-OK", price=Decimal("10"), amount=1))
    gone = connector.create_unit(UnitDraft(ean=EAN, id_offer="SKU-GONE", price=Decimal("10"), amount=1))
    connector._units_index()  # the connector knows both units…
    with sandbox.lock:
        del sandbox.kaufland.units[int(gone.id_unit)]  # …but Kaufland deleted one meanwhile
    result = connector.push_stock_prices([StockPriceItem("SKU-OK", 5, Decimal("11")),
                                          StockPriceItem("SKU-GONE", 5, Decimal("11"))])
    assert result.accepted == ["SKU-OK"]
    assert "Unit" in result.errors["SKU-GONE"] and "not found" in result.errors["SKU-GONE"]
    assert sandbox.kaufland.units[int(kept.id_unit)]["amount"] == 5


# --- import files, returns, tickets, reports, subscriptions -----------------------------------------------


def test_an_inventory_row_for_a_product_kaufland_does_not_know_is_refused(
        sandbox: KauflandSandbox, connector: KauflandConnector, files: FileServer) -> None:
    files.files["inventory.csv"] = (b"ean,id_offer,condition,listing_price,amount,handling_time\n"
                                    b"4011905437873,SKU-1,NEW,4550,3,1\n")
    registered = connector.add_inventory_file(f"{files.url}/files/inventory.csv")
    current = registered
    while not current.finished:
        current = connector.inventory_file(registered.id_import_file)
    assert current.status == "IMPORTED" and current.error_count == 1 and current.total_lines == 1
    assert sandbox.kaufland.units == {}


def test_a_file_kaufland_cannot_download_fails_with_a_note(
        sandbox: KauflandSandbox, connector: KauflandConnector, files: FileServer) -> None:
    registered = connector.add_product_data_file(f"{files.url}/files/missing.csv")
    current = connector.product_data_file(registered.id_import_file)
    assert current.status == "DOWNLOADING_FAILED" and current.failed and "HTTP 404" in (current.note or "")


def test_returns_return_units_and_tickets(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    order_id = _order(sandbox, "sent")
    unit_id = next(iter(_units(sandbox, order_id)))
    with sandbox.lock:
        return_id = sandbox.kaufland.add_return(unit_id)
        for _ in range(35):
            sandbox.kaufland.add_ticket([unit_id])
    [unit] = list(connector.list_return_units())
    assert (unit.id_return, unit.id_order_unit, unit.reason) == (return_id, unit_id, "wrong_size")
    assert [u.id_order_unit for u in connector.get_return(return_id).units] == [unit_id]
    assert [r.id_return for r in connector.list_returns()] == [return_id]
    assert len(list(connector.list_tickets())) == 35  # two pages of at most 30


def test_a_report_is_requested_polled_and_downloaded(sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    _order(sandbox, "sent")
    with pytest.raises(ValidationError, match="needs a period"):
        connector.request_report("sales")
    report = connector.request_report("sales", _now().date() - timedelta(days=7), _now().date())
    while not report.done:
        report = connector.report(report.id_report)
    content = connector.download_report(report).decode()
    assert content.splitlines()[0].startswith("id_order;id_order_unit;id_offer")
    assert len(content.splitlines()) == 2


def test_subscribing_twice_keeps_one_subscription_per_event(
        sandbox: KauflandSandbox, connector: KauflandConnector, files: FileServer) -> None:
    url = f"{files.url}/push"
    first = connector.subscribe(["order_new", "return_new"], url, "ops@example.de")
    again = connector.subscribe(["order_new", "return_new"], url, "ops@example.de")
    assert [s.id_subscription for s in first] == [s.id_subscription for s in again]
    assert len(sandbox.kaufland.subscriptions) == 2
    with pytest.raises(MarketplaceError, match="could not be verified"):
        connector.subscribe(["order_unit_new"], f"{files.url}/files/nothing", "ops@example.de")
    with pytest.raises(ValidationError, match="no push event"):
        connector.subscribe(["order_gone"], url, "ops@example.de")


def test_the_sandbox_pushes_a_new_order_signed_with_the_shops_secret(
        sandbox: KauflandSandbox, connector: KauflandConnector, files: FileServer) -> None:
    from erpsync.marketplaces.kaufland import signing

    connector.subscribe(["order_new"], f"{files.url}/push", "ops@example.de")
    order_id = _order(sandbox, "need_to_be_sent")
    sandbox.wait_for_deliveries(1)
    [(headers, body)] = files.posts
    assert signing.verify(CREDENTIALS["secret_key"], "POST", f"{files.url}/push", body, headers).ok
    assert f"/orders/{order_id}/" in body.decode()


def test_a_sku_given_as_the_external_id_is_looked_up_and_a_unit_id_is_used_as_it_is(
        sandbox: KauflandSandbox, connector: KauflandConnector) -> None:
    unit = connector.create_unit(UnitDraft(ean=EAN, id_offer="SKU-1", price=Decimal("10"), amount=1))
    with sandbox.lock:
        sandbox.kaufland.units[int(unit.id_unit)]["id_offer"] = "RENAMED"  # our SKU index no longer finds it
    result = connector.push_stock_prices([StockPriceItem("SKU-1", 3, Decimal("9"), external_id="SKU-1"),
                                          StockPriceItem("SKU-X", 4, Decimal("9"), external_id=unit.id_unit)])
    assert "SKU-1" in result.errors and result.accepted == ["SKU-X"]
    assert sandbox.kaufland.units[int(unit.id_unit)]["amount"] == 4
