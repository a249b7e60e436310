"""Horoshop's documented order payload decodes field for field (tests/fixtures/horoshop, see its README)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.marketplaces.base import StockPriceItem
from erpsync.marketplaces.horoshop import codec
from tests.marketplaces.horoshop.conftest import example

KYIV = ZoneInfo("Europe/Kyiv")


def _order(name: str = "orders_get_docs_example", **change: object) -> dict:
    order = dict(example(name)["response"]["orders"][0])
    order.update(change)
    return order


def test_the_documented_order_decodes_with_its_options_reduced_to_codes() -> None:
    order = codec.decode_order(_order(), "orders[0]", zone=KYIV)
    assert (order.external_id, order.number, order.status) == ("7", "7", "2")
    assert order.created_at == datetime(2021, 4, 9, 9, 9, 1, tzinfo=UTC)
    assert (order.total, order.currency, order.discount) == (Decimal(3413), "UAH", None)
    assert order.customer.full_name == "John Doe"
    assert (order.customer.first_name, order.customer.last_name) == ("John", "Doe")
    assert (order.customer.phone, order.customer.email) == ("+38 (055) 555-55-55", "john.doe@gmail.com")
    assert order.delivery_method == "nova_poshta" and order.payment_method == "cash"
    assert order.delivery_address is not None
    assert order.delivery_address.formatted == "Kyiv, Branch №13: Dorohozhytska St, 4"
    assert order.delivery_cost is None  # -1: not calculated
    assert order.is_paid is False and order.do_not_call is False
    assert order.comment == "Order comment"
    assert order.utm == {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "23964436493"}
    assert order.extra["delivery_type"] == {"id": 3, "title": "Nova Poshta Branch"}
    assert [(line.external_id, line.sku, line.quantity, line.unit_price, line.total) for line in order.lines] == [
        ("SKU-1-BLACK", "SKU-1-BLACK", 1, Decimal(2114), Decimal(2114)),
        ("MF-2010", "MF-2010", 1, Decimal(1299), Decimal(1299)),
    ]
    assert order.lines[0].extra == {"discount_marker": "PRICE_OLD", "type": "product"}
    assert order.raw["order_id"] == 7


def test_a_coupon_is_the_orders_discount_and_kept_with_its_code() -> None:
    order = codec.decode_order(_order("orders_get_coupon"), "orders[0]", zone=KYIV)
    assert (order.total, order.discount) == (Decimal(599), Decimal(200))
    assert order.extra["coupon_code"] == "SPRING25"
    assert (order.extra["coupon_percent"], order.extra["coupon_discount_value"]) == (25, 200)
    assert order.is_paid and order.do_not_call
    assert order.waybill_number == "0503512345678"
    assert order.delivery_method == "ukrposhta" and order.payment_method == "card_online"
    assert order.delivery_address is not None
    assert order.delivery_address.street == "01001, Київ, вул. Хрещатик, 22, 5"  # Ukrposhta's "@" parts
    assert order.created_at == datetime(2024, 3, 31, 20, 30, tzinfo=UTC)  # summer time began that night
    assert order.utm == {"utm_source": "(direct)", "utm_medium": "(none)"}


def test_a_full_name_with_a_patronymic_is_split_into_last_first() -> None:
    order = codec.decode_order(_order("orders_get_coupon"), "orders[0]", zone=KYIV)
    assert order.customer.full_name == "Шевченко Тарас Григорович"
    assert (order.customer.first_name, order.customer.last_name) == ("Тарас", "Шевченко")
    assert order.extra["buyer_patronymic"] == "Григорович"


def test_the_same_article_twice_gives_two_lines_with_distinct_ids() -> None:
    order = codec.decode_order(_order("orders_get_coupon"), "orders[0]", zone=KYIV)
    assert [line.external_id for line in order.lines] == ["ZZTEST-CAP-001", "ZZTEST-CAP-001#2"]
    assert order.lines[1].extra["type"] == "gift" and order.lines[1].total == 0


def test_two_word_names_follow_the_shops_order() -> None:
    order = codec.decode_order(_order(delivery_name="Коваленко Олена"), "o", zone=KYIV, name_order="last_first")
    assert (order.customer.first_name, order.customer.last_name) == ("Олена", "Коваленко")


def test_an_unknown_option_becomes_an_option_code_a_shop_can_map() -> None:
    order = codec.decode_order(_order(delivery_type={"id": 42, "title": "Доставка дроном"},
                                      payment_type={"id": 77, "title": "Бартер"}), "o", zone=KYIV)
    assert (order.delivery_method, order.payment_method) == ("option_42", "option_77")
    assert order.extra["delivery_title"] == "Доставка дроном"


@pytest.mark.parametrize(("change", "field"), [
    ({"order_id": None}, "orders[3].order_id"),
    ({"stat_status": "new"}, "orders[3].stat_status"),
    ({"stat_created": "yesterday"}, "orders[3].stat_created"),
    ({"total_sum": None}, "orders[3].total_sum"),
    ({"products": [{"article": "A", "quantity": 1.5, "price": 1}]}, "orders[3].products[0].quantity"),
    ({"products": "none"}, "orders[3].products"),
])
def test_a_broken_order_names_the_field(change: dict, field: str) -> None:
    with pytest.raises(PayloadError) as caught:
        codec.decode_order(_order(**change), "orders[3]", zone=KYIV)
    assert caught.value.field == field


def test_window_times_go_in_the_shops_local_time() -> None:
    moment = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    assert codec.format_time(moment, KYIV) == "2024-07-01 12:00:00"
    with pytest.raises(ValidationError, match="without a timezone"):
        codec.format_time(datetime(2024, 7, 1), KYIV)


def test_stock_goes_to_the_warehouse_and_prices_keep_the_old_price() -> None:
    items = [
        StockPriceItem("A-1", quantity=5, price=Decimal("199.90"), old_price=Decimal("249")),
        StockPriceItem("A-2", available=False),
        StockPriceItem("A-3", quantity=-2, price=Decimal(100), promo_price=Decimal(80)),
        StockPriceItem("A-4", price=Decimal(50), old_price=Decimal(40)),
    ]
    assert codec.residues(items, "office") == [
        {"article": "A-1", "warehouse": "office", "quantity": 5},
        {"article": "A-2", "warehouse": "office", "quantity": 0},
        {"article": "A-3", "warehouse": "office", "quantity": 0},
    ]
    assert codec.prices(items) == [
        {"article": "A-1", "price": 199.9, "price_old": 249},
        {"article": "A-3", "price": 80, "price_old": 100},
        {"article": "A-4", "price": 50},
    ]


def test_the_documented_update_log_is_read_with_its_messages() -> None:
    log = codec.update_log(example("orders_update_response")["response"], "orders/update")
    assert [codec.entry_failed(e) for e in log] == [False, False, False, True]
    assert codec.entry_message(log[3]) == "status is not defined or defined incorrectly"


def test_statuses_of_a_shop_include_its_own() -> None:
    statuses = codec.decode_statuses(example("statuses_response")["response"])
    assert statuses["7"] == "Повернення" and statuses["1"] == "Нове"
