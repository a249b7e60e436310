"""The Rozetka connector against the sandbox over real HTTP on 127.0.0.1: login and its renewal, orders
page by page, statuses checked against what an order may move to, the TTN, mass updates of items."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erpsync.core.errors import AuthenticationError, NotFoundError, TransitionError, ValidationError
from erpsync.marketplaces.base import Order, OrderRef, StatusChange, StockPriceItem, UnreadableOrder, WaybillInfo
from erpsync.marketplaces.rozetka import RozetkaConnector, codec
from erpsync.sandbox.rozetka import RozetkaSandbox
from tests.marketplaces.rozetka.conftest import PASSWORD, USERNAME, make_connector

SEARCH = "/orders/search"


# --- the session ------------------------------------------------------------------------------------


def test_the_first_request_logs_in_with_the_password_in_base64_and_the_token_is_reused(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    order_id = sandbox.add_order()
    connector.get_order(OrderRef(order_id))
    connector.get_order(OrderRef(order_id))
    [login] = sandbox.requests_to("/sites", "POST")
    assert login.json()["username"] == USERNAME
    assert codec.login_body(USERNAME, PASSWORD)["password"] == login.json()["password"]
    tokens = {r.header("Authorization") for r in sandbox.requests_to(f"/orders/{order_id}")}
    assert len(tokens) == 1 and next(iter(tokens)).startswith("Bearer ")
    assert sandbox.logins == 1


def test_an_expired_token_is_renewed_once_and_the_request_repeated(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    order_id = sandbox.add_order()
    connector.get_order(OrderRef(order_id))
    sandbox.expire_sessions()
    assert connector.get_order(OrderRef(order_id)).external_id == order_id
    assert sandbox.logins == 2
    assert [r.status for r in sandbox.requests_to(f"/orders/{order_id}")] == [200, 401, 200]


def test_a_token_refused_again_after_a_new_login_is_a_clear_authentication_error(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    order_id = sandbox.add_order()
    connector.get_order(OrderRef(order_id))
    sandbox.refuse_tokens()  # the login works, its token does not
    with pytest.raises(AuthenticationError, match="refused the session of shop 'rz-test' again after a new login"):
        connector.get_order(OrderRef(order_id))
    assert sandbox.logins == 2  # one new login, not a loop


def test_a_refused_login_is_an_authentication_error_with_rozetkas_message(sandbox: RozetkaSandbox) -> None:
    with make_connector(sandbox.base_url, password="not-it") as wrong, pytest.raises(AuthenticationError) as refused:
        wrong.check_connection()
    assert "rozetka refused the login of shop 'rz-test': incorrect_username_pasword" in str(refused.value)
    assert "(code 1020)" in str(refused.value) and "--credential password=" in str(refused.value)
    assert "not-it" not in str(refused.value.exchange) and "bm90LWl0" not in str(refused.value.exchange)


def test_two_shops_of_one_database_keep_their_own_sessions() -> None:
    with RozetkaSandbox(credentials={"username": "a", "password": "pa"}, orders=0) as first, \
            RozetkaSandbox(credentials={"username": "b", "password": "pb"}, orders=0) as second:
        a_order, b_order = first.add_order(), second.add_order()
        with make_connector(first.base_url, shop="rz-a", username="a", password="pa") as shop_a, \
                make_connector(second.base_url, shop="rz-b", username="b", password="pb") as shop_b:
            assert shop_a.get_order(OrderRef(a_order)).external_id == a_order
            assert shop_b.get_order(OrderRef(b_order)).external_id == b_order
            first.expire_sessions()
            assert shop_b.get_order(OrderRef(b_order)).external_id == b_order
            assert (first.logins, second.logins) == (1, 1)
            assert shop_a.get_order(OrderRef(a_order)).external_id == a_order
            assert (first.logins, second.logins) == (2, 1)
        with make_connector(first.base_url, shop="rz-a", username="a", password="pa") as again:
            again.get_order(OrderRef(a_order))  # a connector of the same shop reuses its token
        assert first.logins == 2


# --- orders -----------------------------------------------------------------------------------------


def test_listing_asks_for_all_orders_changed_in_the_window_page_by_page(sandbox: RozetkaSandbox) -> None:
    now = datetime.now(UTC)
    ids = {sandbox.add_order(created=now - timedelta(hours=1, minutes=i), status=s)
           for i, s in enumerate([1, 26, 6, 42] * 6)}
    sandbox.add_order(created=now - timedelta(days=5))  # changed before the window
    with make_connector(sandbox.base_url) as rozetka:
        listed = [o.external_id for o in rozetka.list_orders(now - timedelta(hours=3), now)]
    assert sorted(listed) == sorted(ids) and len(listed) == 24
    queries = [r.query for r in sandbox.requests_to(SEARCH)]
    assert [q["page"] for q in queries] == ["1", "2"]
    assert all(q["types"] == "1" and "purchases" in q["expand"] for q in queries)
    assert queries[0]["changed_from"] == codec.format_time(now - timedelta(hours=3))


def test_orders_keep_fulfilment_recipient_and_do_not_call(sandbox: RozetkaSandbox, connector: RozetkaConnector) -> None:
    order_id = sandbox.add_order(fulfilment=True, recipient=True, callback_off=True)
    order = connector.get_order(OrderRef(order_id))
    assert order.is_fulfilment and order.do_not_call
    assert order.recipient is not None and order.recipient.phone != order.customer.phone


def test_an_order_that_cannot_be_read_comes_with_its_payload_and_the_listing_goes_on(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    now = datetime.now(UTC)
    good, bad = sandbox.add_order(), sandbox.add_order()
    sandbox.order(bad)["purchases"][0]["quantity"] = "many"
    listed = list(connector.list_orders(now - timedelta(hours=1), now + timedelta(minutes=1)))
    assert [o.external_id for o in listed] == [good, bad]
    unreadable = listed[1]
    assert isinstance(unreadable, UnreadableOrder) and isinstance(listed[0], Order)
    assert f"orders/{bad}.purchases[0].quantity" in unreadable.error
    assert str(unreadable.raw["id"]) == bad and unreadable.created_at is not None


def test_a_missing_order_is_not_found(connector: RozetkaConnector) -> None:
    with pytest.raises(NotFoundError, match="rozetka has no orders/5 in shop 'rz-test'"):
        connector.get_order(OrderRef("5"))


def test_a_status_is_set_with_the_sellers_comment_and_read_back(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    order_id = sandbox.add_order()
    answer = connector.set_status(StatusChange(OrderRef(order_id, order_id, "1"), "26", comment="Дзвонили"))
    assert answer is not None and answer.status == "26" and answer.lines
    [put] = sandbox.mutating_requests(f"/orders/{order_id}")
    assert put.json() == {"status": 26, "seller_comment": "Дзвонили"}
    cancelled = connector.set_status(StatusChange(OrderRef(order_id), "42"))
    assert cancelled is not None and cancelled.status == "42"


def test_a_status_the_order_may_not_move_to_is_refused_before_any_change(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    order_id = sandbox.add_order(status=6)
    with pytest.raises(TransitionError, match=f"order {order_id} in status 6 cannot be moved to 26"):
        connector.set_status(StatusChange(OrderRef(order_id), "26"))
    with pytest.raises(ValidationError, match=f"status 3 of order {order_id} needs a waybill"):
        connector.set_status(StatusChange(OrderRef(order_id), "3"))
    with pytest.raises(TransitionError, match="status 7 cannot be set through the API"):
        connector.set_status(StatusChange(OrderRef(order_id), "7"))
    assert sandbox.mutating_requests(f"/orders/{order_id}") == []


def test_the_waybill_goes_with_status_61_and_rozetka_then_tracks_the_parcel(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    order_id = sandbox.add_order(status=26)
    connector.push_waybill(OrderRef(order_id), WaybillInfo("20450000000001", "nova_poshta"))
    [put] = sandbox.mutating_requests(f"/orders/{order_id}")
    assert put.json() == {"status": 61, "ttn": "20450000000001"}
    order = connector.get_order(OrderRef(order_id))
    assert (order.status, order.waybill_number) == ("61", "20450000000001")
    delivered = sandbox.add_order(status=6)
    with pytest.raises(TransitionError, match=f"order {delivered} in status 6 takes no waybill now"):
        connector.push_waybill(OrderRef(delivered), WaybillInfo("2045", None))


# --- items --------------------------------------------------------------------------------------


def test_a_refusal_in_rozetkas_envelope_is_an_error_with_its_message_and_code(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    order_id = sandbox.add_order()
    with pytest.raises(codec.Refused) as refused:
        connector.client.call("PUT", "order", body={"status": "soon"}, order_id=order_id)
    assert refused.value.code == 1002
    assert f"rozetka refused orders/{order_id} of shop 'rz-test': incorrect_data_format: status must be a number" \
        in str(refused.value)


def test_stock_and_prices_go_in_batches_and_refused_items_are_named(
    sandbox: RozetkaSandbox, connector: RozetkaConnector
) -> None:
    connector.limits = replace(connector.limits, stock_batch=2)
    items = [
        StockPriceItem("7372", quantity=4, price=Decimal("440"), old_price=Decimal("500"), external_id="344560030"),
        StockPriceItem("12106", quantity=0, price=Decimal("190"), external_id="38221768"),
        StockPriceItem("GONE", quantity=1, price=Decimal("10"), external_id="111"),
        StockPriceItem("NO-ID", quantity=1, price=Decimal("10")),
        StockPriceItem("2972", quantity=2, price=Decimal("-5"), external_id="38225280"),
    ]
    result = connector.push_stock_prices(items)
    assert sorted(result.accepted) == ["12106", "7372"]
    assert result.errors["GONE"] == "Товар не знайдено"
    assert "has no Rozetka item id" in result.errors["NO-ID"]
    assert result.errors["2972"] == "Ціна має бути додатним числом"
    updates = sandbox.mutating_requests("/items/mass-update")
    assert [len(r.json()["items"]) for r in updates] == [2, 2]  # the item without an id never left
    item = sandbox.item(344560030)
    assert (item.price, item.price_old, item.stock_quantity) == (440, 500, 4)
    assert sandbox.item(38221768).stock_quantity == 0


def test_the_live_status_table_and_delivery_services_are_listed(connector: RozetkaConnector) -> None:
    statuses = {o.code: o.name for o in connector.shop_options("statuses")}
    assert statuses["61"] == "Заплановано передачу перевізникові" and statuses["1"] == "Нове замовлення"
    assert [o.code for o in connector.shop_options("delivery")] == ["nova_poshta", "ukrposhta", "meest", "pickup"]
    with pytest.raises(ValidationError, match="payment codes come from the order's payment_type"):
        connector.shop_options("payment")
