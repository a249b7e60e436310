"""The Prom / Satu connector against the sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erpsync.core.errors import (
    AuthenticationError,
    MarketplaceError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from erpsync.marketplaces.base import (
    Order,
    OrderRef,
    ShopConfig,
    StatusChange,
    StockPriceItem,
    UnreadableOrder,
    WaybillInfo,
)
from erpsync.marketplaces.prom import PromConnector
from erpsync.marketplaces.registry import make_connector as registry_connector
from erpsync.sandbox.prom import PromSandbox
from tests.marketplaces.prom.conftest import FIXTURES, TOKEN, make_connector

LIST = "/api/v1/orders/list"


def _listings(sandbox: PromSandbox) -> list[dict[str, str]]:
    return [r.query for r in sandbox.requests_to(LIST, "GET")]


# --- orders -----------------------------------------------------------------------------------------


def test_listing_walks_every_page_by_last_id_and_yields_each_order_once(sandbox: PromSandbox) -> None:
    now = datetime.now(UTC)
    ids = [sandbox.add_order(created=now - timedelta(hours=i + 1)) for i in range(5)]
    with make_connector(sandbox.base_url, page_size=2) as prom:
        listed = [o.external_id for o in prom.list_orders(now - timedelta(days=1), now)]
    assert listed == sorted(ids, key=int, reverse=True)  # newest first, each once
    queries = _listings(sandbox)
    assert [q.get("last_id") for q in queries] == [None, listed[1], listed[2], listed[3], listed[4]]
    assert {q["limit"] for q in queries} == {"2"}


def test_listing_asks_for_orders_changed_in_the_window_so_status_changes_arrive(sandbox: PromSandbox) -> None:
    now = datetime.now(UTC)
    old = sandbox.add_order(created=now - timedelta(days=30))
    sandbox.order(old)["date_modified"] = (now - timedelta(minutes=5)).isoformat()  # changed just now
    sandbox.add_order(created=now - timedelta(days=29))  # not changed since
    with make_connector(sandbox.base_url) as prom:
        listed = [o.external_id for o in prom.list_orders(now - timedelta(hours=1), now)]
    assert listed == [old]
    [query] = _listings(sandbox)
    since = (now - timedelta(hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert query["last_modified_from"] == since and "last_modified_to" in query


def test_an_order_made_within_the_last_second_of_the_window_is_listed(sandbox: PromSandbox) -> None:
    now = datetime.now(UTC)
    order_id = sandbox.add_order(created=now.replace(microsecond=0) + timedelta(microseconds=now.microsecond // 2))
    with make_connector(sandbox.base_url) as prom:
        listed = [o.external_id for o in prom.list_orders(now - timedelta(hours=1), now)]
    assert listed == [order_id]  # Prom's whole-second filter ends after it


def test_orders_carry_the_type_of_their_delivery_option(sandbox: PromSandbox, connector: PromConnector) -> None:
    now = datetime.now(UTC)
    pickup = sandbox.add_order(delivery="pickup")
    courier = sandbox.add_order(delivery="courier")
    post = sandbox.add_order(delivery="nova_poshta")
    listed = {o.external_id: o for o in connector.list_orders(now - timedelta(hours=1), now + timedelta(minutes=1))}
    assert {i: listed[i].delivery_method for i in (pickup, courier, post)} == {
        pickup: "pickup", courier: "courier", post: "nova_poshta"}
    assert len(sandbox.requests_to("/api/v1/delivery_options/list")) == 1  # read once per connector


def test_an_order_that_cannot_be_read_comes_with_its_payload_and_the_listing_goes_on(
    sandbox: PromSandbox, connector: PromConnector
) -> None:
    now = datetime.now(UTC)
    good = sandbox.add_order()
    bad = sandbox.add_order()
    sandbox.order(bad)["products"][0]["total_price"] = "?"
    listed = list(connector.list_orders(now - timedelta(hours=1), now + timedelta(minutes=1)))
    assert [o.external_id for o in listed] == [bad, good]  # newest first, as Prom lists them
    unreadable = listed[0]
    assert isinstance(unreadable, UnreadableOrder) and isinstance(listed[1], Order)
    assert f"orders/{bad}.products[0].total_price" in unreadable.error
    assert unreadable.raw["id"] == int(bad) and unreadable.created_at is not None


def test_reading_an_order_that_does_not_exist_is_a_clear_not_found(connector: PromConnector) -> None:
    with pytest.raises(NotFoundError, match="prom has no order 999 in shop 'prom-test'"):
        connector.get_order(OrderRef("999"))


def test_accepting_sets_received_and_answers_the_order_as_prom_shows_it(
    sandbox: PromSandbox, connector: PromConnector
) -> None:
    order_id = sandbox.add_order()
    accepted = connector.set_status(StatusChange(OrderRef(order_id, order_id, "pending"), "received"))
    assert accepted is not None and accepted.status == "received"
    [request] = sandbox.mutating_requests("/api/v1/orders/set_status")
    assert request.json() == {"status": "received", "ids": [int(order_id)]}
    assert request.header("Content-Type") == "application/json"


def test_cancelling_sends_the_reason_and_its_text(sandbox: PromSandbox, connector: PromConnector) -> None:
    order_id = sandbox.add_order()
    change = StatusChange(OrderRef(order_id), "canceled", reason="another", comment="Покупець не відповідає")
    cancelled = connector.set_status(change)
    assert cancelled is not None and cancelled.status == "canceled"
    assert sandbox.order(order_id)["cancellation"]["reason"] == "another"
    [request] = sandbox.mutating_requests("/api/v1/orders/set_status")
    assert request.json()["cancellation_text"] == "Покупець не відповідає"


def test_a_cancellation_prom_would_refuse_is_refused_before_any_request(
    sandbox: PromSandbox, connector: PromConnector
) -> None:
    order_id = sandbox.add_order()
    with pytest.raises(ValidationError, match="reason price_changed needs cancellation_text"):
        connector.set_status(StatusChange(OrderRef(order_id), "canceled", reason="price_changed"))
    with pytest.raises(ValidationError, match="needs cancellation_reason"):
        connector.set_status(StatusChange(OrderRef(order_id), "canceled"))
    with pytest.raises(TransitionError, match="status draft cannot be set through the API"):
        connector.set_status(StatusChange(OrderRef(order_id), "draft"))
    assert sandbox.mutating_requests() == []


def test_a_status_prom_did_not_process_is_an_error_naming_the_order(connector: PromConnector) -> None:
    with pytest.raises(MarketplaceError, match="prom did not set received on order 42: the order is not among"):
        connector.set_status(StatusChange(OrderRef("42"), "received"))


# --- waybills ---------------------------------------------------------------------------------------


def test_a_waybill_is_saved_with_its_carrier(sandbox: PromSandbox, connector: PromConnector) -> None:
    order_id = sandbox.add_order(delivery="ukrposhta")
    connector.push_waybill(OrderRef(order_id), WaybillInfo("0503812345678", "ukrposhta"))
    [request] = sandbox.mutating_requests("/api/v1/delivery/save_declaration_id")
    assert request.json() == {"order_id": int(order_id), "declaration_id": "0503812345678",
                              "delivery_type": "ukrposhta"}
    assert connector.get_order(OrderRef(order_id)).waybill_number == "0503812345678"


def test_a_waybill_of_an_unknown_carrier_takes_the_carrier_prom_recorded(
    sandbox: PromSandbox, connector: PromConnector
) -> None:
    order_id = sandbox.add_order(delivery="nova_poshta")
    connector.push_waybill(OrderRef(order_id), WaybillInfo("20450000000002", "other"))
    [request] = sandbox.mutating_requests("/api/v1/delivery/save_declaration_id")
    assert request.json()["delivery_type"] == "nova_poshta"
    pickup = sandbox.add_order(delivery="pickup")
    with pytest.raises(ValidationError, match=f"order {pickup}: waybill 1 needs a carrier Prom takes"):
        connector.push_waybill(OrderRef(pickup), WaybillInfo("1", None))


def test_a_waybill_prom_refuses_is_an_error_with_its_message(sandbox: PromSandbox, connector: PromConnector) -> None:
    with pytest.raises(MarketplaceError, match="refused waybill 204 of order 77: Order 77 not found"):
        connector.push_waybill(OrderRef("77"), WaybillInfo("204", "nova_poshta"))


# --- stock and prices -------------------------------------------------------------------------------


def test_stock_and_prices_go_in_batches_and_one_bad_item_never_stops_the_others(
    sandbox: PromSandbox, connector: PromConnector
) -> None:
    connector.limits = replace(connector.limits, stock_batch=2)
    items = [
        StockPriceItem("SKU-001", quantity=4, price=Decimal("240")),
        StockPriceItem("SKU-002", quantity=0, price=Decimal("700"), old_price=Decimal("800"), presence="awaiting"),
        StockPriceItem("NOT-ON-PROM", quantity=1, price=Decimal("10")),
        StockPriceItem("SKU-003", quantity=2, price=Decimal("-1")),
        StockPriceItem("SKU-004", quantity=9, presence="gone"),
    ]
    result = connector.push_stock_prices(items)
    assert sorted(result.accepted) == ["SKU-001", "SKU-002"]
    assert set(result.errors) == {"NOT-ON-PROM", "SKU-003", "SKU-004"}
    assert "not found" in result.errors["NOT-ON-PROM"]
    assert "unknown presence 'gone'" in result.errors["SKU-004"]
    assert [len(r.json()) for r in sandbox.mutating_requests("/api/v1/products/edit_by_external_id")] == [2, 2]
    assert sandbox.product("SKU-001")["quantity_in_stock"] == 4 and sandbox.product("SKU-001")["price"] == 240
    awaited = sandbox.product("SKU-002")
    assert (awaited["presence"], awaited["price"], awaited["discount"]["value"]) == ("waiting", 800, 100)


def test_a_refused_token_is_an_authentication_error_with_the_way_to_fix_it(sandbox: PromSandbox) -> None:
    with make_connector(sandbox.base_url, token="stale-token-0000") as prom, \
            pytest.raises(AuthenticationError) as refused:
        prom.check_connection()
    assert "prom refused the credentials of shop 'prom-test' (HTTP 401)" in str(refused.value)
    assert "my.prom.ua → Settings" in str(refused.value)
    assert "stale-token-0000" not in str(refused.value.exchange)
    assert refused.value.exchange["request_headers"]["Authorization"] == "****"


def test_transient_failures_are_retried(sandbox: PromSandbox, connector: PromConnector) -> None:
    order_id = sandbox.add_order()
    sandbox.fail_next(2, status=503)
    assert connector.get_order(OrderRef(order_id)).external_id == order_id


# --- satu -------------------------------------------------------------------------------------------


def test_a_satu_shop_is_the_same_api_in_tenge() -> None:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, marketplace="satu", random_seed=4) as satu:
        order_id = satu.add_order(lines=[("SKU-002", 2)])
        shop = ShopConfig("kz-satu", "satu", satu.base_url, {"token": TOKEN})
        with registry_connector(shop, rate_limit=False) as connector:
            assert isinstance(connector, PromConnector) and connector.name == "satu"
            order = connector.get_order(OrderRef(order_id))
            assert (order.currency, order.total) == ("KZT", Decimal("1378"))
            assert satu.order(order_id)["price"] == "1 378 ₸"
            with pytest.raises(AuthenticationError, match=r"my\.satu\.kz"), \
                    make_connector(satu.base_url, token="nope", marketplace="satu") as wrong:
                wrong.check_connection()


# --- options and catalog ----------------------------------------------------------------------------


def test_the_company_options_and_custom_statuses_are_listed(connector: PromConnector) -> None:
    assert [o.code for o in connector.shop_options("delivery")] == ["nova_poshta", "ukrposhta", "pickup", "courier"]
    assert [o.code for o in connector.shop_options("payment")] == ["7547964", "10827897", "10827898"]
    assert [(o.code, o.name) for o in connector.shop_options("statuses")] == [
        ("custom-137639", "Підтверджено"), ("custom-137640", "Очікує оплату")]
    with pytest.raises(ValidationError, match="no options of 'colours'"):
        connector.shop_options("colours")


def test_the_catalog_export_is_read_offer_by_offer_without_the_api_token(
    sandbox: PromSandbox, connector: PromConnector
) -> None:
    offers = {o.external_id: o for o in connector.catalog_offers(sandbox.catalog_url)}
    assert set(offers) == {"SKU-001", "SKU-002", "SKU-003", "SKU-004", "SKU-005", "SKU-006"}
    assert offers["SKU-002"].price == Decimal("689.0") and offers["SKU-002"].currency == "UAH"
    [export] = sandbox.requests_to("/products_feed.xml")
    assert export.header("Authorization") is None
    with pytest.raises(ValidationError, match="must be an http"):
        list(connector.catalog_offers(str(FIXTURES / "catalog.yml")))
