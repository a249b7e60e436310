"""The Zakupka connector against the Zakupka sandbox over real HTTP: the orders file at its secret link,
the window, an order that left the file, a wrong link, the link never logged, one way only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erpsync.core.errors import AuthenticationError, NotFoundError, Unsupported
from erpsync.marketplaces.base import (
    CAP_FEED,
    CAP_ORDERS,
    Order,
    OrderRef,
    StatusChange,
    StockPriceItem,
    UnreadableOrder,
    WaybillInfo,
)
from erpsync.sandbox.zakupka import KYIV, ZakupkaSandbox
from tests.marketplaces.zakupka.conftest import FIXTURES, make_connector


@pytest.fixture
def sandbox() -> Iterator[ZakupkaSandbox]:
    with ZakupkaSandbox(orders=0, random_seed=5) as server:
        yield server


def _kyiv(moment: datetime) -> datetime:
    return moment.astimezone(KYIV).replace(tzinfo=None, microsecond=0)


def test_new_orders_of_the_window_are_read_from_the_file(sandbox: ZakupkaSandbox) -> None:
    now = datetime.now(UTC)
    recent = sandbox.add_order(created=_kyiv(now - timedelta(hours=2)),
                               items=[("ZK-1002", "Зарядний пристрій 20W", Decimal(459), 2)],
                               delivery="Укрпошта", payment="Оплата на карту", delivery_cost=Decimal(0))
    older = sandbox.add_order(created=_kyiv(now - timedelta(days=3)))
    with make_connector(sandbox.orders_url) as zakupka:
        assert zakupka.capabilities == {CAP_ORDERS, CAP_FEED}
        [order] = zakupka.list_orders(now - timedelta(days=1), now)
        assert order.external_id == recent and order.status == "new"
        assert (order.total, order.delivery_cost) == (Decimal("918.00"), None)
        assert [(line.sku, line.quantity) for line in order.lines] == [("ZK-1002", 2)]
        assert (order.delivery_method, order.payment_method) == ("ukrposhta", "card_online")
        assert {o.external_id for o in zakupka.list_orders(now - timedelta(days=7), now)} == {recent, older}
    assert sandbox.requests[0].header("Accept").startswith("application/xml")


def test_an_order_changed_by_hand_in_the_cabinet_leaves_the_file(sandbox: ZakupkaSandbox) -> None:
    order_id = sandbox.add_order()
    with make_connector(sandbox.orders_url) as zakupka:
        assert zakupka.get_order(OrderRef(order_id)).external_id == order_id
        sandbox.set_status(order_id, "Принят")
        with pytest.raises(NotFoundError, match="the file holds new orders only"):
            zakupka.get_order(OrderRef(order_id))


def test_a_wrong_link_is_one_clear_error_and_the_link_is_never_shown(sandbox: ZakupkaSandbox) -> None:
    wrong = f"{sandbox.url}/api/1c/orders/guessed-wrong-key.xml"
    with make_connector(wrong) as zakupka, pytest.raises(AuthenticationError) as caught:
        zakupka.check_connection()
    message = str(caught.value)
    assert "orders file link of shop 'ua-zakupka' is not found (HTTP 404)" in message
    assert "Файл заказов" in message
    assert "guessed-wrong-key" not in message + json.dumps(caught.value.exchange)


def test_the_secret_path_stays_out_of_the_exchange_on_success(sandbox: ZakupkaSandbox) -> None:
    with make_connector(sandbox.orders_url) as zakupka:
        zakupka.check_connection()
        exchange = zakupka.client.http.last_exchange
    assert exchange is not None and exchange.status_code == 200
    assert sandbox.file_path not in exchange.url and exchange.url.endswith("****")


def test_server_errors_are_retried(sandbox: ZakupkaSandbox) -> None:
    sandbox.add_order()
    sandbox.fail_next(2, 503)
    with make_connector(sandbox.orders_url) as zakupka:
        assert len(list(zakupka.list_orders(datetime.now(UTC) - timedelta(days=1), datetime.now(UTC)))) == 1


def test_a_seeded_file_with_a_broken_document_gives_the_others_and_names_it() -> None:
    with ZakupkaSandbox(seed_dir=FIXTURES / "sandbox", days=100000) as server, \
            make_connector(server.orders_url) as zakupka:
        listed = list(zakupka.list_orders(datetime(2024, 1, 1, tzinfo=UTC), datetime.now(UTC)))
        assert [o.external_id for o in listed if isinstance(o, Order)] == ["5512345"]
        [unreadable] = [o for o in listed if isinstance(o, UnreadableOrder)]
        assert unreadable.external_id == "5512346" and "<Ид>5512346</Ид>" in unreadable.raw["document"]
        assert unreadable.error.startswith("Документ[Ид=5512346].Сумма")


def test_zakupka_takes_nothing_back(sandbox: ZakupkaSandbox) -> None:
    with make_connector(sandbox.orders_url) as zakupka:
        with pytest.raises(Unsupported, match="zakupka does not support setting an order status"):
            zakupka.set_status(StatusChange(OrderRef("1"), "accepted"))
        with pytest.raises(Unsupported, match="zakupka does not support pushing a waybill"):
            zakupka.push_waybill(OrderRef("1"), WaybillInfo("204500"))
        with pytest.raises(Unsupported, match="zakupka does not support pushing stock and prices"):
            zakupka.push_stock_prices([StockPriceItem("A", quantity=1)])
    assert sandbox.requests == []
