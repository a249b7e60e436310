"""Rozetka codec on the documentation's payloads: the envelope and its refusals, orders (buyer,
recipient, fulfilment, delivery and payment codes, Kyiv times), status and TTN bodies, mass updates."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from erpsync.core.errors import AuthenticationError, NotFoundError, PayloadError, ValidationError
from erpsync.marketplaces.base import StockPriceItem
from erpsync.marketplaces.rozetka import codec
from tests.marketplaces.rozetka.conftest import payload

KYIV_SUMMER = timezone(timedelta(hours=3))


def test_the_login_body_carries_the_password_in_base64() -> None:
    body = codec.login_body("seller", "пароль")
    assert body["username"] == "seller"
    assert base64.b64decode(body["password"]).decode() == "пароль"
    assert codec.content_of(payload("login_response"), "the login", "s")["access_token"] == (
        "fHJHJWegsad4fr8798fwe45GDGBfhgawrf33")


def test_a_refused_envelope_becomes_the_matching_error_with_rozetkas_message_and_code() -> None:
    refused_login = r"rozetka refused the login of shop 'rz': incorrect_username_pasword: Неправильний логін"
    with pytest.raises(AuthenticationError, match=refused_login + r" або пароль \(code 1020\)"):
        codec.content_of(payload("login_refused"), "the login", "rz")
    with pytest.raises(AuthenticationError, match=r"Сесія закінчилася \(code 6001\)"):
        codec.content_of(payload("session_expired"), "orders/search", "rz")
    assert codec.session_refused(payload("session_expired"))
    with pytest.raises(NotFoundError, match="code 1019"):
        codec.content_of({"success": False, "errors": {"message": "entity_not_found", "code": 1019}}, "orders/1", "rz")
    with pytest.raises(codec.Refused) as refused:
        codec.content_of({"success": False, "errors": [{"message": "check_correctness_of_data", "code": 1005,
                                                        "details": {"ttn": "required"}}]}, "orders/1", "rz")
    assert refused.value.code == 1005
    assert "check_correctness_of_data (ttn: required) (code 1005)" in str(refused.value)
    with pytest.raises(PayloadError, match=r"orders/search: is not a Rozetka answer"):
        codec.content_of({"orders": []}, "orders/search", "rz")


def test_an_order_of_the_search_decodes_with_its_lines_buyer_recipient_and_codes() -> None:
    orders, pages = codec.orders_page(payload("orders_search_expand")["content"], "orders/search")
    assert pages == 1
    order = codec.decode_order(orders[0])
    assert (order.external_id, order.status, order.currency) == ("248888186", "1", "UAH")
    assert order.created_at == datetime(2019, 7, 25, 11, 49, 32, tzinfo=KYIV_SUMMER)
    assert order.updated_at == datetime(2019, 12, 17, 17, 34, 58, tzinfo=timezone(timedelta(hours=2)))
    assert (order.total, order.discount) == (Decimal("640.00"), None)
    assert (order.customer.full_name, order.customer.phone, order.customer.email) == (
        "Василенко Василь", "380954954374", None)  # Rozetka writes "true" where it hides the address
    assert order.recipient is not None and order.recipient.full_name == "Test"
    assert (order.delivery_method, order.payment_method, order.is_paid) == ("nova_poshta", "cash_on_delivery", False)
    assert order.delivery_address is not None
    assert order.delivery_address.formatted == "Київ, просп. Победы 89а, відділення №76"
    assert (order.source, order.do_not_call, order.is_fulfilment) == ("buyer", False, False)
    assert order.extra["status_name"] == "Нове замовлення"
    assert order.extra["available_statuses"] == ["26"]
    [line] = order.lines
    assert (line.external_id, line.external_product_id, line.sku) == ("158280800", "38221768", "12106")
    assert (line.quantity, line.unit_price, line.total) == (1, Decimal("640.00"), Decimal("640.00"))


def test_a_fulfilment_order_collected_by_someone_else_is_flagged_and_keeps_the_recipient() -> None:
    order = codec.decode_order(payload("order_fulfilment_other_recipient")["content"])
    assert order.is_fulfilment and order.do_not_call
    assert order.customer.full_name == "Василенко Василь Петрович"
    assert order.recipient is not None
    assert (order.recipient.first_name, order.recipient.last_name, order.recipient.phone) == (
        "Оксана", "Бойко", "380501112233")
    assert order.waybill_number == "20450000000777"


def test_the_recipient_is_left_out_when_it_is_the_buyer() -> None:
    order = codec.decode_order(payload("order_status_changed")["content"])
    assert order.recipient is None  # "Василь" of "Василенко Василь", the same phone
    assert [line.sku for line in order.lines] == ["18629", "2972"]
    assert order.extra["seller_comment"] == "comment"


def test_an_order_that_cannot_be_read_names_the_order_and_the_field() -> None:
    raw = payload("orders_search_expand")["content"]["orders"][0]
    raw["purchases"][0]["quantity"] = 1.5
    with pytest.raises(PayloadError, match=r"orders/248888186\.purchases\[0\]\.quantity: expected a whole quantity"):
        codec.decode_order(raw)
    raw["purchases"][0]["quantity"] = 1
    raw["created"] = "25.07.2019"
    with pytest.raises(PayloadError, match=r"orders/248888186\.created: expected a time"):
        codec.decode_order(raw)


@pytest.mark.parametrize(
    ("delivery", "service", "code"),
    [
        ({"name_logo": "nova-pochta"}, {}, "nova_poshta"),
        ({"delivery_service_name": "Укрпошта"}, {}, "ukrposhta"),
        ({"delivery_service_name": "Мист Экспресс"}, {}, "meest"),
        ({}, {"id": 2698, "name": "Мои магазины"}, "pickup"),
        ({"delivery_service_name": "Курьер по Киеву"}, {}, "courier"),
        ({"delivery_service_id": 9999, "delivery_service_name": "Щось нове"}, {}, "9999"),
    ],
)
def test_delivery_codes_come_from_the_logo_or_the_service_name(delivery: dict, service: dict, code: str) -> None:
    assert codec.delivery_code(delivery, service) == code


def test_status_and_ttn_bodies_are_the_documented_ones() -> None:
    assert codec.status_body("2", comment="comment") == payload("order_status_change_request")
    assert codec.status_body("61", ttn="20450000000001") == payload("order_ttn_request")
    assert codec.status_body("49", duplicate_of="112") == {"status": 49, "duplicate_order_id": 112}
    assert codec.available_statuses(payload("order_status_changed")["content"]) == ["26", "4"]


def test_items_become_updating_items_addressed_by_rozetkas_item_id() -> None:
    items = [StockPriceItem("7372", quantity=3, price=Decimal("440.00"), old_price=Decimal("500"),
                            external_id="102069758"),
             StockPriceItem("12106", quantity=0, price=Decimal("99.50"), old_price=Decimal("50"),
                            external_id="192630536")]
    assert {"isIgnoreCheck": 0, "items": [codec.stock_item_body(i) for i in items]} == payload("mass_update_request")
    with pytest.raises(ValidationError, match="SKU X has no Rozetka item id"):
        codec.stock_item_body(StockPriceItem("X", quantity=1, external_id="X-1"))


def test_a_mass_update_answer_tells_the_refused_items_by_id() -> None:
    items = [StockPriceItem("A", external_id="102069758"), StockPriceItem("B", external_id="192630536"),
             StockPriceItem("C", external_id="5")]
    assert list(codec.mass_update_result(payload("mass_update_ok"), items, "m", "s").accepted) == ["A", "B", "C"]
    result = codec.mass_update_result(payload("mass_update_refused"), items, "m", "s")
    assert list(result.accepted) == ["C"]
    assert result.errors == {"A": "some_text1; some_text2; some_text3", "B": "some_text1; some_text2; some_text3"}


def test_filter_times_are_sent_in_kyiv_time() -> None:
    from datetime import UTC

    assert codec.format_time(datetime(2025, 1, 10, 10, 0, tzinfo=UTC)) == "2025-01-10 12:00:00"
    assert codec.format_time(datetime(2025, 7, 10, 10, 0, tzinfo=UTC)) == "2025-07-10 13:00:00"
    within = datetime(2025, 7, 10, 10, 0, 5, 250000, tzinfo=UTC)  # an upper bound is rounded up
    assert (codec.format_time(within), codec.format_time(within, up=True)) == ("2025-07-10 13:00:05",
                                                                               "2025-07-10 13:00:06")
