"""The codec on Kaufland's own payloads (tests/fixtures/kaufland, sources in its README)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.mapping import load_mapping
from erpsync.marketplaces.kaufland import codec
from erpsync.marketplaces.kaufland.codec import UnitChange, UnitDraft
from tests.marketplaces.kaufland.conftest import payload

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


def test_order_details_become_one_order_with_a_line_per_order_unit() -> None:
    order = codec.decode_order(payload("order")["data"])
    assert order.external_id == order.number == "MB7UWLD"
    assert order.created_at == datetime(2021, 7, 24, 19, 26, 5, tzinfo=UTC)
    assert [line.external_id for line in order.lines] == ["314567896580917", "314567896580918"]
    line = order.lines[0]
    assert (line.quantity, line.unit_price, line.total, line.sku) == (1, Decimal("2.00"), Decimal("2.00"), "AB-120")
    assert line.name == "Apple iPhone 12 mini 64GB Schwarz"
    assert line.external_product_id == "362524873"
    assert line.extra["ean"] == "0194252013212"
    assert line.extra["status"] == "sent"
    assert line.extra["shipping_rate"] == Decimal("3.90")


def test_money_comes_in_cents_and_the_total_adds_shipping() -> None:
    order = codec.decode_order(payload("order")["data"])
    assert order.delivery_cost == Decimal("3.90")
    assert order.total == Decimal("7.90")  # 2.00 + 2.00 + 3.90 + 0.00
    assert order.currency == "EUR"


def test_an_order_whose_units_differ_takes_the_status_that_still_needs_the_seller() -> None:
    order = codec.decode_order(payload("order")["data"])
    assert order.extra["unit_statuses"] == {"314567896580917": "sent", "314567896580918": "need_to_be_sent"}
    assert order.status == "need_to_be_sent"
    assert codec.order_status(["cancelled", "sent"]) == "sent"
    assert codec.order_status(["cancelled", "cancelled"]) == "cancelled"
    assert codec.order_status(["received", "open"]) == "open"


def test_buyer_billing_and_shipping_address_and_pickup_point() -> None:
    order = codec.decode_order(payload("order")["data"])
    assert order.customer.full_name == "Tom Smith"
    assert order.customer.email == "buyer@dev.com"
    assert order.customer.phone == "+491234567"
    assert order.customer.external_id == "21631426"
    assert order.recipient is None  # shipping to the buyer
    address = order.delivery_address
    assert address is not None
    assert (address.street, address.house, address.postcode, address.city) == ("Test Ln.", "1", "12345", "New York")
    assert address.pickup_point == "DHL 260"
    assert order.is_paid  # units past "open": Kaufland has the buyer's money
    assert order.payment_method is None
    assert order.source == "de"


def test_every_order_status_the_codec_emits_is_mapped_by_the_default_mapping() -> None:
    mapping = load_mapping(MAPPINGS, "kaufland")
    for status in codec.STATUS_PRECEDENCE:
        assert mapping.inbound_status(status).mapped, status


def test_an_order_without_its_id_or_creation_time_is_refused_naming_the_field() -> None:
    document = payload("order")["data"]
    del document["ts_created_iso"]
    with pytest.raises(PayloadError, match=r"orders/MB7UWLD\.ts_created_iso"):
        codec.decode_order(document)
    document = payload("order")["data"]
    document["order_units"][1]["price"] = "zwei"
    with pytest.raises(PayloadError, match=r"order_units\[1\]\.price"):
        codec.decode_order(document)


def test_nulls_are_tolerated_where_kaufland_sends_them() -> None:
    document = payload("order")["data"]
    document.update({"buyer": None, "billing_address": None, "delivery": None})
    document["order_units"][0]["product"] = None
    order = codec.decode_order(document)
    assert order.customer.full_name == "Tom Smith"  # from the shipping address
    assert order.lines[0].name is None and order.lines[0].extra.get("ean") is None


def test_order_listing_entry() -> None:
    item = payload("orders_list")["data"][0]
    summary = codec.decode_order_summary(item, "orders.data[0]")
    assert summary.id_order == "MB7UWLD" and summary.units == 3
    page = codec.decode_page(payload("orders_list"), "orders")
    assert (page.offset, page.limit, page.total, page.more) == (0, 30, 1, False)


def test_bulk_answer_tells_each_unit_apart() -> None:
    outcome = codec.decode_bulk_result(payload("units_bulk_response"))
    assert outcome["1"] is None
    assert outcome["1000"] == ("Parameters [listingPrice] are missing or have wrong value. "
                               "(listing_price: listing_price must be greater than 0)")


def test_unit_bodies_carry_cents_and_refuse_what_kaufland_would() -> None:
    body = codec.unit_create_body(UnitDraft(ean="4011905437873", id_offer="SKU-1", price=Decimal("45.50"), amount=9,
                                            handling_time=2, minimum_price=Decimal("39.90")))
    assert body == {"ean": "4011905437873", "id_offer": "SKU-1", "condition": "NEW", "listing_price": 4550,
                    "amount": 9, "handling_time": 2, "minimum_price": 3990}
    assert codec.unit_patch_body(UnitChange(price=Decimal("9.99"), amount=0), "unit 1") == {
        "listing_price": 999, "amount": 0}
    with pytest.raises(ValidationError, match="EAN"):
        codec.unit_create_body(UnitDraft(ean="12", id_offer="SKU-1", price=Decimal(1), amount=1))
    with pytest.raises(ValidationError, match=r"at least 0\.01"):
        codec.unit_patch_body(UnitChange(price=Decimal("0")), "unit 1")
    with pytest.raises(ValidationError, match="handling time"):
        codec.unit_patch_body(UnitChange(handling_time=101), "unit 1")
    with pytest.raises(ValidationError, match="condition cannot change"):
        codec.unit_patch_body(UnitChange(condition="USED___GOOD"), "unit 1")
    with pytest.raises(ValidationError, match="at most 150"):
        codec.bulk_body([(str(i), {"amount": 1}) for i in range(151)])


def test_unit_answer_decodes() -> None:
    unit = codec.decode_unit(payload("unit")["data"], "units.data")
    assert (unit.id_unit, unit.price, unit.amount, unit.condition, unit.status) == (
        "1", Decimal("0.01"), 1, "NEW", "INCOMPLETE")


def test_import_files_current_and_seed_field_names() -> None:
    current = codec.decode_import_file(payload("product_data_import_file"), "product-data/import-files")
    assert (current.id_import_file, current.status, current.failed, current.async_done) == ("123", "ABORTED", True, 0)
    assert not current.product_data_ready
    seed = codec.decode_import_file(payload("import_file_seed_v1"), "import-files")
    assert seed.finished and not seed.failed and seed.error_count == 2
    assert seed.product_data_ready  # product_feed_async_done == 1


def test_returns_tickets_reports_subscriptions() -> None:
    found = codec.decode_return(payload("return")["data"], "returns/675849321")
    assert (found.id_return, found.status, found.tracking_code) == ("675849321", "package_received", "407875042681")
    assert [(u.id_order_unit, u.status, u.reason) for u in found.units] == [
        ("678912345", "return_arrived", "wrong_article")]
    ticket = codec.decode_ticket(payload("ticket")["data"], "tickets")
    assert ticket.order_units == ["123456789", "987654321"] and ticket.open_reason == "product_not_delivered"
    report = codec.decode_report(payload("report")["data"], "reports")
    assert report.id_report == "11011" and not report.done
    subscription = codec.decode_subscription(payload("subscription")["data"], "subscriptions")
    assert (subscription.id_subscription, subscription.event_name) == ("11011", "order_new")


def test_error_answer_message_names_the_fields() -> None:
    assert codec.error_message(payload("error")) == ("Parameters [listingPrice] are missing or have wrong value. "
                                                     "(listing_price: listing_price must be greater than 0)")


def test_notification_names_the_resource_that_changed() -> None:
    notification = codec.decode_notification(payload("notification_order_new"))
    assert notification.event_name == "order_new"
    assert notification.resource_id("orders") == "MB7UWLD"
    assert notification.resource_id("returns") is None
    with pytest.raises(PayloadError, match="event_name"):
        codec.decode_notification({"resource": "/v2/orders/X/"})


def test_invoices_must_be_pdf() -> None:
    body = codec.invoice_body("invoice_1.pdf", b"%PDF-1.4 ...")
    assert body["mime_type"] == "application/pdf" and body["data"] == "JVBERi0xLjQgLi4u"
    with pytest.raises(ValidationError, match="not a PDF"):
        codec.invoice_body("invoice_1.pdf", b"<html>")


def test_times_are_sent_as_kaufland_filters_take_them() -> None:
    assert codec.format_time(datetime(2024, 3, 1, 12, 0, 5, tzinfo=UTC)) == "2024-03-01T12:00:05Z"
    with pytest.raises(ValidationError):
        codec.format_time(datetime(2024, 3, 1))


def test_carriers_are_sent_in_kauflands_spelling() -> None:
    assert codec.carrier_code("dhl") == "DHL"
    assert codec.carrier_code("deutsche_post") == "Deutsche Post"
    assert codec.carrier_code("Kuehne-Nagel") == "Kuehne & Nagel"
    assert codec.carrier_code("Pigeon Post") == "Pigeon Post"  # not in the list: sent as given
    assert codec.carrier_code("trans o flex") == "trans-o-flex"
    assert codec.send_body("dpd", ["1", " 2 "]) == {"tracking_numbers": "1,2", "carrier_code": "DPD"}
