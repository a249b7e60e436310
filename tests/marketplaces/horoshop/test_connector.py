"""The Horoshop connector against the Horoshop sandbox over real HTTP: login and token renewal, orders page
by page, status and tracking code that stick, stock and prices, refusals named, secrets never logged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erpsync.core.errors import AuthenticationError, MarketplaceError, NotFoundError, ValidationError
from erpsync.marketplaces.base import Order, OrderRef, StatusChange, StockPriceItem, UnreadableOrder, WaybillInfo
from erpsync.marketplaces.horoshop import HoroshopConnector
from erpsync.sandbox.horoshop import HoroshopSandbox
from tests.marketplaces.horoshop.conftest import LOGIN, make_connector

SINCE = datetime(2021, 1, 1, tzinfo=UTC)


def test_orders_are_listed_page_by_page_with_one_login(sandbox: HoroshopSandbox) -> None:
    for _ in range(3):
        sandbox.add_order()
    with make_connector(sandbox.base_url, page_size=2) as horoshop:
        orders = list(horoshop.list_orders(SINCE, datetime.now(UTC) + timedelta(minutes=1)))
        assert [o.external_id for o in orders] == ["7", "1042", "1043", "1044", "1045"]
        assert horoshop.client.logins == 1
    bodies = [r.json() for r in sandbox.requests_to("/api/orders/get/")]
    assert [(b["offset"], b["limit"]) for b in bodies] == [(0, 2), (2, 2), (4, 2)]
    assert bodies[0]["from"] == "2021-01-01 02:00:00"  # midnight UTC in Kyiv's winter time


def test_the_window_filters_by_creation_time(connector: HoroshopConnector) -> None:
    orders = list(connector.list_orders(datetime(2024, 3, 31, 20, 0, tzinfo=UTC),
                                        datetime(2024, 3, 31, 21, 0, tzinfo=UTC)))
    assert [o.external_id for o in orders] == ["1042"]


def test_an_expired_token_is_renewed_once_and_the_call_goes_through(sandbox, connector) -> None:
    connector.get_order(OrderRef("7"))
    sandbox.expire_tokens()
    assert connector.get_order(OrderRef("7")).external_id == "7"
    assert connector.client.logins == 2
    assert sandbox.state()["tokens_issued"] == 2


def test_a_wrong_password_is_one_clear_error_naming_the_shop(sandbox: HoroshopSandbox) -> None:
    with (make_connector(sandbox.base_url, {"username": LOGIN["username"], "password": "nope"}) as horoshop,
          pytest.raises(AuthenticationError) as caught):
        horoshop.check_connection()
    assert "horoshop refused the login of shop 'ua-horoshop': Incorrect login or password" in str(caught.value)
    assert "Адміни" in str(caught.value)
    assert "nope" not in json.dumps(caught.value.exchange)


def test_the_password_and_the_token_never_reach_an_exchange(connector: HoroshopConnector) -> None:
    connector.client.token(renew=True)
    login = connector.client.http.last_exchange
    assert login is not None and LOGIN["password"] not in (login.request_body or "")
    assert '"token": "****"' in (login.response_body or "")
    connector.get_order(OrderRef("7"))
    assert '"token": "****"' in (connector.client.http.last_exchange.request_body or "")


def test_a_status_set_is_the_status_read_next(sandbox, connector) -> None:
    shipped = connector.set_status(StatusChange(OrderRef("7", "7", "2"), "6", reason="ignored"))
    assert shipped is not None and shipped.status == "6"
    assert sandbox.order(7)["stat_status"] == 6
    [update] = sandbox.requests_to("/api/orders/update/")
    assert update.json()["orders"] == [{"order_id": 7, "status": 6}]


def test_a_shops_own_status_can_be_set_and_an_unknown_one_is_refused_by_horoshop(sandbox, connector) -> None:
    assert connector.set_status(StatusChange(OrderRef("7"), "7")).status == "7"  # the shop's "Повернення"
    with pytest.raises(MarketplaceError, match="did not set the status of order 7: status is not defined"):
        connector.set_status(StatusChange(OrderRef("7"), "99"))
    assert sandbox.order(7)["stat_status"] == 7


def test_a_status_that_is_not_an_id_is_refused_before_any_request(sandbox, connector) -> None:
    with pytest.raises(ValidationError, match="a status is a status id such as 1"):
        connector.set_status(StatusChange(OrderRef("7"), "shipped"))
    assert sandbox.mutating_requests() == []


def test_the_waybill_goes_as_the_tracking_code(sandbox, connector) -> None:
    connector.push_waybill(OrderRef("7"), WaybillInfo("20450123456789", "nova_poshta"))
    assert sandbox.order(7)["tracking_code"] == "20450123456789"
    assert connector.get_order(OrderRef("7")).waybill_number == "20450123456789"


def test_an_unknown_order_is_not_found(connector: HoroshopConnector) -> None:
    with pytest.raises(NotFoundError, match="has no order 404"):
        connector.get_order(OrderRef("404"))
    with pytest.raises(MarketplaceError, match="did not save the waybill of order 404: Order not found"):
        connector.push_waybill(OrderRef("404"), WaybillInfo("1"))


def test_stock_and_prices_reach_the_catalog_and_a_refused_article_is_named(sandbox, connector) -> None:
    result = connector.push_stock_prices([
        StockPriceItem("MF-2010", quantity=7, price=Decimal(1199), old_price=Decimal(1299)),
        StockPriceItem("SKU-1-BLACK", quantity=0),
        StockPriceItem("GONE-1", quantity=3, price=Decimal(10)),
    ])
    assert sorted(result.accepted) == ["MF-2010", "SKU-1-BLACK"]
    assert result.errors == {"GONE-1": "Product not found; title is required for a new product"}
    assert sandbox.catalog["MF-2010"]["residues"] == {"office": 7}
    assert (sandbox.catalog["MF-2010"]["price"], sandbox.catalog["MF-2010"]["price_old"]) == (1199, 1299)
    assert sandbox.catalog["SKU-1-BLACK"]["residues"] == {"office": 0}


def test_a_batch_over_the_limit_is_refused(connector: HoroshopConnector) -> None:
    with pytest.raises(ValidationError, match="at most 100 items a batch"):
        connector.push_stock_prices([StockPriceItem(f"S{i}", quantity=1) for i in range(101)])


def test_server_errors_and_rate_limits_are_retried(sandbox, connector) -> None:
    sandbox.fail_next(1, 500)
    sandbox.fail_next(1, 429, retry_after=0)
    assert connector.get_order(OrderRef("1042")).status == "6"


def test_a_broken_order_comes_with_its_payload_and_the_others_arrive(sandbox, connector) -> None:
    broken = sandbox.add_order(stat_created="not a time")
    listed = list(connector.list_orders(SINCE, datetime.now(UTC) + timedelta(minutes=1)))
    assert [o.external_id for o in listed if isinstance(o, Order)] == ["7", "1042"]
    [unreadable] = [o for o in listed if isinstance(o, UnreadableOrder)]
    assert unreadable.external_id == str(broken) and unreadable.raw["stat_created"] == "not a time"
    assert "orders[2].stat_created" in unreadable.error


def test_the_shops_vocabularies_are_read_for_the_mapping_editor(connector: HoroshopConnector) -> None:
    assert connector.list_statuses()["7"] == "Повернення"
    assert connector.list_delivery_options()["nova_poshta"] == "Нова Пошта (відділення)"
    assert connector.list_payment_options()["cash_on_delivery"] == "Накладений платіж"


def test_settings_are_checked_when_the_connector_is_built(sandbox: HoroshopSandbox) -> None:
    with pytest.raises(ValidationError, match="unknown timezone 'Mars/Base'"):
        make_connector(sandbox.base_url, settings={"timezone": "Mars/Base"})
    with pytest.raises(ValidationError, match="name_order must be one of first_last, last_first"):
        make_connector(sandbox.base_url, settings={"name_order": "whatever"})
