"""Prom codec on real-format payloads: orders (amounts as text, custom statuses, recipients, CPA
commission, UTM), request bodies and answers of status changes, waybills and stock/price edits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.marketplaces.base import StockPriceItem
from erpsync.marketplaces.prom import codec
from erpsync.marketplaces.prom.enums import CANCELLATION_REASONS
from tests.marketplaces.prom.conftest import payload


def test_a_cash_on_delivery_order_decodes_with_its_buyer_lines_and_marketing_facts() -> None:
    order = codec.decode_order(payload("order_pending_cod"), currency="UAH")
    assert (order.external_id, order.number, order.status) == ("338390710", "338390710", "pending")
    assert order.created_at == datetime(2025, 4, 7, 6, 46, 42, 728888, tzinfo=UTC)
    assert order.updated_at == datetime(2025, 4, 7, 6, 46, 43, 570150, tzinfo=UTC)
    assert (order.total, order.currency, order.delivery_cost) == (Decimal("244"), "UAH", Decimal("0"))
    assert order.customer.full_name == "Гриценко Ірина"
    assert (order.customer.phone, order.customer.external_id) == ("+380960000202", "289664789")
    assert order.recipient is None  # the recipient is the buyer
    assert (order.delivery_method, order.payment_method, order.is_paid) == ("nova_poshta", "10827897", False)
    assert order.delivery_address is not None
    assert order.delivery_address.city == "смт. Ставище (Київська обл.)"
    assert order.delivery_address.pickup_point == "5ac6d6fa-69f7-11eb-a481-b8830365bd14"
    assert (order.source, order.do_not_call) == ("portal", False)
    assert order.utm == {"medium": "cpc", "source": "google_pmax", "campaign": "Pmax_cpa_noski"}
    assert order.extra["cpa_commission"] == "36.84"
    assert order.extra["payment_option"] == {"id": 10827897, "name": "Наложенный платеж"}
    [line] = order.lines
    assert (line.external_id, line.sku, line.external_product_id) == ("2555951114", "B45N2", "2555951114")
    assert (line.quantity, line.unit_price, line.total) == (1, Decimal("244"), Decimal("244"))
    assert line.extra["cpa_commission"] == "36.84"
    assert order.raw["id"] == 338390710


def test_a_paid_order_in_a_company_status_keeps_the_status_its_name_and_the_waybill() -> None:
    order = codec.decode_order(payload("order_custom_status_paid"), currency="UAH")
    assert order.status == "custom-137639"
    assert order.extra["status_name"] == "Підтверджено"
    assert (order.payment_method, order.is_paid) == ("evopay", True)
    assert order.paid_at == datetime(2024, 12, 23, 13, 0, 40, 836027, tzinfo=UTC)
    assert order.waybill_number == "20451069857325"
    assert order.extra["delivery_status"] == "on_the_way"
    assert order.source == "mobile_catalog_app"  # not in the documented list: kept as sent
    assert order.utm == {}  # empty UTM values are dropped
    assert (order.total, order.delivery_cost) == (Decimal("250"), Decimal("80.0"))


def test_a_recipient_other_than_the_buyer_is_kept_on_the_order() -> None:
    raw = payload("order_pending_cod")
    raw["delivery_recipient"] = {"first_name": "Тарас", "last_name": "Шевчук", "second_name": "",
                                 "phone": "+380501234567"}
    order = codec.decode_order(raw, currency="UAH")
    assert order.recipient is not None
    assert (order.recipient.full_name, order.recipient.phone) == ("Шевчук Тарас", "+380501234567")


def test_an_order_without_a_carrier_gets_the_type_of_its_delivery_option() -> None:
    raw = payload("order_pending_cod")
    raw["delivery_provider_data"] = None
    raw["delivery_option"] = {"id": 2, "name": "Самовивіз", "shipping_service": None}
    assert codec.decode_order(raw, currency="UAH", option_types={"2": "pickup"}).delivery_method == "pickup"
    assert codec.decode_order(raw, currency="UAH").delivery_method == "2"  # options unknown: the option's id


@pytest.mark.parametrize(
    ("text", "amount"),
    [("250 грн", "250"), ("1 250,50 грн", "1250.50"), ("1\u00a0250.5 ₸", "1250.5"), (244, "244"), (80.0, "80.0"),
     ("0", "0")],
)
def test_amounts_are_read_as_prom_writes_them(text: object, amount: str) -> None:
    assert codec.money(text, "price") == Decimal(amount)


def test_an_order_that_cannot_be_read_names_the_order_and_the_field() -> None:
    raw = payload("order_pending_cod")
    raw["products"][0]["price"] = "безкоштовно"
    with pytest.raises(PayloadError, match=r"orders/338390710\.products\[0\]\.price: expected an amount"):
        codec.decode_order(raw, currency="UAH")
    raw = payload("order_pending_cod")
    del raw["date_created"]
    with pytest.raises(PayloadError, match=r"orders/338390710\.date_created: is missing"):
        codec.decode_order(raw, currency="UAH")
    raw = payload("order_pending_cod")
    raw["products"][0]["quantity"] = 1.5
    with pytest.raises(PayloadError, match=r"products\[0\]\.quantity: expected a whole number"):
        codec.decode_order(raw, currency="UAH")


def test_status_bodies_are_the_documented_ones() -> None:
    assert codec.status_body(["338390710"], "received") == payload("set_status_received_request")
    assert codec.status_body(["338390710"], "canceled", "price_changed", "Ціна постачальника зросла") == payload(
        "set_status_canceled_request")
    assert codec.processed_ids(payload("set_status_response"), "set_status") == {"338390710"}


def test_a_cancellation_is_refused_locally_without_its_reason_or_its_text() -> None:
    with pytest.raises(ValidationError, match="needs cancellation_reason, one of not_available"):
        codec.check_cancellation("1", None, None, CANCELLATION_REASONS)
    with pytest.raises(ValidationError, match="reason another needs cancellation_text"):
        codec.check_cancellation("1", "another", " ", CANCELLATION_REASONS)
    codec.check_cancellation("1", "not_available", None, CANCELLATION_REASONS)


def test_waybill_body_and_answers() -> None:
    assert codec.waybill_body("338390710", "20450000000001", "nova_poshta") == payload("save_declaration_request")
    assert codec.waybill_refusal(payload("save_declaration_response")) is None
    assert codec.waybill_refusal({"status": "error", "message": "Wrong declaration"}) == "Wrong declaration"


def test_stock_items_become_the_documented_edit_body_with_an_old_price_as_a_discount() -> None:
    items = [StockPriceItem("B43N1", quantity=12, price=Decimal("250.00")),
             StockPriceItem("B45N2", quantity=0, price=Decimal("244"), old_price=Decimal("300"),
                            presence="unavailable")]
    bodies = [codec.stock_item_body(i, date(2025, 4, 1)) for i in items]
    assert bodies == payload("edit_by_external_id_request")


def test_presence_follows_our_stock_vocabulary_or_prom_codes() -> None:
    assert codec.presence_of(StockPriceItem("A", presence="awaiting")) == "waiting"
    assert codec.presence_of(StockPriceItem("A", presence="order")) == "order"
    assert codec.presence_of(StockPriceItem("A", quantity=0)) == "not_available"
    assert codec.presence_of(StockPriceItem("A", quantity=3)) == "available"
    with pytest.raises(ValidationError, match="SKU A: unknown presence 'lost'"):
        codec.presence_of(StockPriceItem("A", presence="lost"))


def test_the_edit_answer_tells_accepted_skus_from_refused_ones() -> None:
    items = [StockPriceItem("B43N1"), StockPriceItem("B45N2"), StockPriceItem("X", external_id="GONE")]
    result = codec.decode_edit_result(payload("edit_by_external_id_response"), items, "edit")
    assert list(result.accepted) == ["B43N1"]
    assert result.errors["B45N2"] == "price: Price must be a positive number"
    assert "did not process external id GONE" in result.errors["X"]


def test_options_of_the_company_decode_with_their_codes() -> None:
    delivery = codec.decode_options(payload("delivery_options"), "delivery", "delivery_options", "delivery")
    assert [(o.code, o.name, o.extra["type"]) for o in delivery] == [
        ("18781193", "Нова Пошта", "nova_poshta"), ("1", "Courier", "courier"), ("2", "Self-Pickup", "pickup")]
    payment = codec.decode_options(payload("payment_options"), "payment", "payment_options", "payment")
    assert [(o.code, o.name) for o in payment] == [("7547964", "Пром-оплата"), ("10827897", "Наложенный платеж")]
    statuses = codec.decode_options({"order_status_options": [{"id": 137639, "name": "Підтверджено"}]}, "statuses",
                                    "order_status_options", "statuses")
    assert [(o.code, o.name) for o in statuses] == [("custom-137639", "Підтверджено")]


def test_filter_times_are_sent_in_utc_as_the_documentation_writes_them() -> None:
    from datetime import timedelta, timezone

    kyiv_noon = datetime(2025, 4, 7, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    assert codec.format_time(kyiv_noon) == "2025-04-07T09:00:00"
    later = kyiv_noon + timedelta(microseconds=400)  # whole seconds: an upper bound is rounded up
    assert (codec.format_time(later), codec.format_time(later, up=True)) == ("2025-04-07T09:00:00",
                                                                             "2025-04-07T09:00:01")
    assert codec.format_time(kyiv_noon, up=True) == "2025-04-07T09:00:00"
    with pytest.raises(ValidationError, match="without a timezone"):
        codec.format_time(datetime(2025, 4, 7))
