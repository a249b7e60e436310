"""The Kaspi codec on seed 004's own payload examples (tests/fixtures/kaspi/), and on broken payloads."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.marketplaces.base import LineChange, ProductAttributeValue, ProductUploadItem
from erpsync.marketplaces.kaspi import codec
from tests.marketplaces.kaspi.conftest import seed_example


def _order_from(document_name: str) -> tuple[dict, list]:
    page = codec.decode_orders_page(seed_example(document_name))
    return page.orders[0], page.included


def test_orders_list_example_decodes_with_customer_from_included_and_times_in_utc() -> None:
    page = codec.decode_orders_page(seed_example("orders_list"))
    assert (page.page_count, page.total_count, len(page.orders)) == (1, 1, 1)
    order = codec.decode_order(page.orders[0], included=page.included)
    assert order.external_id == "orderID"
    assert order.number == "ordercode"
    assert order.status == "ACCEPTED_BY_MERCHANT"
    assert order.created_at == datetime(2016, 11, 18, 12, 0, 46, 241000, tzinfo=UTC)
    assert order.created_at.utcoffset() == timedelta(0)
    assert order.total == Decimal("96045")
    assert order.currency == "KZT"
    assert order.delivery_method == "DELIVERY_PICKUP"
    assert order.payment_method == "PAY_WITH_CREDIT"
    assert order.delivery_cost == Decimal("1000")
    assert order.is_paid and order.paid_at == datetime(2016, 11, 18, 12, 0, 51, 108000, tzinfo=UTC)
    # the order's own customer block wins; the id comes from the included user
    assert order.customer.external_id == "customerID"
    assert order.customer.first_name == "Иван Иваныч"
    assert order.customer.last_name == "Иванов"
    assert order.customer.full_name == "Иван Иваныч Иванов"
    assert order.customer.phone == "7xx0xxxxxx"
    assert order.extra["state"] == "PICKUP"
    assert order.extra["signatureRequired"] is False
    assert order.raw["attributes"]["approvedByBankDate"] == 1479470451108


def test_order_by_code_example_gives_delivery_address_and_tolerates_null_parts() -> None:
    resource, included = _order_from("order_by_code")
    order = codec.decode_order(resource, included=included)
    assert order.external_id == "orderId"
    assert order.created_at == datetime(2024, 1, 30, 9, 56, 53, 252000, tzinfo=UTC)
    assert order.total == Decimal("4000")
    address = order.delivery_address
    assert address is not None
    assert (address.city, address.street, address.house) == ("Алматы", "улица Наурызбай батыра", "154А")
    assert address.formatted == "Алматы, улица Наурызбай батыра, 154А"
    assert address.apartment is None and address.region is None
    assert address.latitude == Decimal("43.240013") and address.longitude == Decimal("76.938854")
    assert order.customer.external_id == "customerId"
    assert order.customer.full_name == "customerfirstname customerlastname"  # name is null
    assert order.extra["plannedDeliveryDate"] == "2024-02-02T17:59:50.999000+00:00"
    assert order.extra["pickupPointId"] == "merchant_PP1"
    assert order.extra["isKaspiDelivery"] is False
    assert order.extra["creditTerm"] == 3


def test_entries_example_becomes_lines_with_merchant_sku_and_point_of_service() -> None:
    entry = codec.resource_list(seed_example("entries"), "entries")[0]
    master = codec.decode_master_product(seed_example("entry_product"))
    sku, merchant_name = codec.decode_merchant_product(seed_example("merchant_product"))
    product = codec.EntryProduct(master.master_id, master.kaspi_code, master.name, master.category, sku, merchant_name)
    point = codec.decode_point_of_service(seed_example("entry_point_of_service"))
    line = codec.decode_entry(entry, "entries.data[0]", product=product, point=point)
    assert line.external_id == "orderentriesId"
    assert line.quantity == 2
    assert line.unit_price == Decimal("2000") and line.total == Decimal("4000")
    assert line.weight_kg == Decimal("2")  # Kaspi weighs in grams
    assert line.sku == "103403297"
    assert line.external_product_id == "103403297"
    assert line.name == "Фруктовик яблоко черный принц Польша 1 кг"
    assert line.extra["unit_type"] == "PIECES"
    assert line.extra["category_code"] == "Master - Fruits"
    assert line.extra["point_of_service"] == "PP1"
    assert line.extra["master_product_id"] == "masterproductsID"


def test_single_entry_example_keeps_minimum_weight_in_kilograms() -> None:
    entry = codec.single_resource(seed_example("entry"), "orderentries")
    line = codec.decode_entry(entry, "orderentries.data")
    assert line.quantity == 3 and line.weight_kg == Decimal("3.8")
    assert line.extra["unit_type"] == "MEASURABLE_PIECES"
    assert line.extra["min_allowed_weight_kg"] == "1"
    assert line.extra["point_of_service_id"] == "pointofservicesId"
    assert line.sku is None  # no merchant product fetched: nothing invented


def test_point_of_service_example_is_an_address_named_after_the_store() -> None:
    point = codec.decode_point_of_service(seed_example("point_of_service"))
    assert point.external_id == "pointofservicesId" and point.name == "PP1"
    assert point.address is not None
    assert point.address.formatted == "г. Алматы, улица Каныша Сатпаева, 22/1"
    assert point.address.pickup_point == "PP1"
    assert point.address.region is None


def test_pickup_order_without_delivery_address_gets_the_point_of_service_address() -> None:
    resource, included = _order_from("orders_list")
    point = codec.decode_point_of_service(seed_example("point_of_service"))
    order = codec.decode_order(resource, included=included, points=[point])
    assert order.delivery_address == point.address
    assert order.extra["points_of_service"] == [{"id": "pointofservicesId", "name": "PP1"}]


def test_real_payload_fields_beyond_the_seed_are_read_and_unknown_ones_kept() -> None:
    resource, included = _order_from("order_by_code")
    resource = copy.deepcopy(resource)
    resource["attributes"]["kaspiDelivery"] = {
        "waybill": "https://kaspi.kz/shop/api/waybill/101110589.pdf",
        "courierTransmissionDate": None,
        "courierTransmissionPlanningDate": 1745755274000,
        "waybillNumber": "101110589",
        "express": False,
        "returnedToWarehouse": False,
        "firstMileCourier": None,
    }
    resource["attributes"]["assembled"] = True
    resource["attributes"]["somethingKaspiAddsNextYear"] = {"x": 1}
    order = codec.decode_order(resource, included=included)
    assert order.waybill_number == "101110589"
    assert order.extra["assembled"] is True
    assert order.extra["express"] is False
    assert order.extra["courierTransmissionPlanningDate"].startswith("2025-04-27")
    assert order.raw["attributes"]["somethingKaspiAddsNextYear"] == {"x": 1}
    entry = {"type": "orderentries", "id": "e1", "attributes": {
        "quantity": 1, "basePrice": 5990.0, "totalPrice": 5990.0, "unitType": "PIECES",
        "offer": {"code": "355654asiuowl", "name": "Крышка Tefal 28 см"}}}
    line = codec.decode_entry(entry, "included[0]")
    assert line.sku == "355654asiuowl" and line.name == "Крышка Tefal 28 см"


def test_nulls_everywhere_optional_are_tolerated() -> None:
    resource, _ = _order_from("order_by_code")
    resource = copy.deepcopy(resource)
    for key in ("customer", "deliveryAddress", "deliveryCost", "paymentMode", "approvedByBankDate",
                "plannedDeliveryDate", "kaspiDelivery", "deliveryMode"):
        resource["attributes"][key] = None
    resource["relationships"] = None
    order = codec.decode_order(resource)
    assert order.customer.full_name is None and order.delivery_address is not None  # pickup point only
    assert order.delivery_address.pickup_point == "merchant_PP1"
    assert order.is_paid is False and order.paid_at is None


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("code", None, "orders.data.attributes.code"),
        ("status", "", "orders.data.attributes.status"),
        ("creationDate", "yesterday", "orders.data.attributes.creationDate"),
        ("creationDate", None, "orders.data.attributes.creationDate"),
        ("totalPrice", "a lot", "orders.data.attributes.totalPrice"),
        ("deliveryAddress", "Алматы", "orders.data.attributes.deliveryAddress"),
    ],
)
def test_malformed_order_raises_payload_error_naming_the_field(field: str, value: object, named: str) -> None:
    resource, _ = _order_from("order_by_code")
    resource = copy.deepcopy(resource)
    resource["attributes"][field] = value
    with pytest.raises(PayloadError) as raised:
        codec.decode_order(resource)
    assert raised.value.field == named
    assert named in str(raised.value)


def test_malformed_entry_and_page_name_the_field() -> None:
    entry = copy.deepcopy(codec.resource_list(seed_example("entries"), "entries")[0])
    del entry["attributes"]["quantity"]
    with pytest.raises(PayloadError, match=r"orders/X/entries.data\[0\].attributes.quantity: is missing"):
        codec.decode_entry(entry, "orders/X/entries.data[0]")
    with pytest.raises(PayloadError, match=r"orders.data: expected a list"):
        codec.decode_orders_page({"data": {"type": "orders"}})
    with pytest.raises(PayloadError, match=r"orders.meta.pageCount: expected a number"):
        codec.decode_orders_page({"data": [], "meta": {"pageCount": "many"}})


def test_epoch_milliseconds_round_trip_and_naive_times_are_refused() -> None:
    moment = datetime(2024, 1, 30, 15, 56, 53, 252000, tzinfo=timezone(timedelta(hours=6)))  # Almaty
    assert codec.datetime_to_ms(moment) == 1706608613252
    assert codec.ms_to_datetime(1706608613252, "x") == moment
    with pytest.raises(ValidationError, match="without a timezone"):
        codec.datetime_to_ms(datetime(2024, 1, 30))


def test_change_and_import_answers_decode() -> None:
    cancel = codec.decode_entry_cancel(seed_example("entry_cancel_response"), "orderentriesID")
    assert (cancel.remained_quantity, cancel.status) == (0, "INPROGRESS")
    assert cancel.operation_id == "orderEntryCancelOperationID" and cancel.remained_weight_kg == Decimal("0")
    [weight] = codec.decode_partial_cancel(seed_example("weight_change_response"))
    assert weight.line_external_id == "orderentriesId"
    assert (weight.remained_quantity, weight.remained_weight_kg, weight.status) == (1, Decimal("1"), "INPROGRESS")
    assert codec.decode_import_state(seed_example("import_response")) == ("testproduct", "UPLOADED")
    assert codec.decode_import_state(seed_example("import_state")) == ("testproduct", "FINISHED")
    assert not codec.import_done("UPLOADED") and codec.import_done("FINISHED")
    result = codec.decode_import_result(seed_example("import_result"), "testproduct", "FINISHED")
    assert result.done and (result.total, result.errors, result.warnings, result.skipped) == (1, 0, 0, 0)
    assert [(i.sku, i.state) for i in result.items] == [("Testsku", "FINISHED")]


def test_classification_examples_decode() -> None:
    categories = codec.decode_categories(seed_example("categories"))
    assert len(categories) == 8
    assert (categories[0].code, categories[0].title) == ("Master - Exercise notebooks", "Тетради")
    attributes = codec.decode_attributes(seed_example("attributes"))
    assert len(attributes) == 10
    fmt = attributes[1]
    assert fmt.code.endswith("*format") and fmt.title == "format"
    assert (fmt.value_type, fmt.multi_valued, fmt.mandatory) == ("enum", True, True)
    assert [a.value_type for a in attributes if not a.mandatory] == ["enum"]  # orientation
    values = codec.decode_attribute_values(seed_example("attribute_values"))
    assert [(v.code, v.name) for v in values] == [("мягкая", "мягкая"), ("твердая", "твердая")]


def test_error_bodies_give_their_titles() -> None:
    body = {"errors": [{"title": "Security code is not valid. And the order cannot be completed without it"}]}
    assert codec.error_message(body) == body["errors"][0]["title"]
    assert codec.error_message({"message": "boom"}) == "boom"
    assert codec.error_message("not json") is None


# --- request bodies, field for field as the seed shows them -----------------------------------------


def seed_notebook() -> ProductUploadItem:
    """The product of seed 004's import example, as a normalized upload item."""
    example = seed_example("import_request")[0]
    return ProductUploadItem(
        sku=example["sku"],
        title=example["title"],
        brand=example["brand"],
        category_code=example["category"],
        description=example["description"],
        attributes=[ProductAttributeValue(a["code"], a["value"]) for a in example["attributes"]],
        images=[i["url"] for i in example["images"]],
    )


def test_encoders_reproduce_the_documented_request_bodies() -> None:
    assert codec.status_change_body("ordersID", "ACCEPTED_BY_MERCHANT", code="ordercode") == seed_example(
        "accept_request"
    )
    assert codec.status_change_body(
        "ordersID", "CANCELLED", code="ordercode", cancellationReason="BUYER_CANCELLATION_BY_MERCHANT"
    ) == seed_example("cancel_request")
    assert codec.status_change_body("ordersID", "COMPLETED", code="ordercode") == seed_example("complete_request")
    assert codec.status_change_body("ordersID", "ASSEMBLE", code=None, numberOfSpace="2") == seed_example(
        "assemble_request"
    )
    assert codec.status_change_body("ordersID", "ARRIVED", code="ordercode") == seed_example("arrived_request")
    assert codec.entry_cancel_body("orderentriesID", 1, "BUYER_CANCELLATION_BY_MERCHANT", "Отказ клиента") == (
        seed_example("entry_cancel_request")
    )
    change = LineChange("orderentriesId", 1, "PRODUCT_UNDERWEIGHT", "Недовес по товару", Decimal("1"))
    assert codec.partial_cancel_body([change]) == seed_example("weight_change_request")
    assert codec.product_import_body([seed_notebook()]) == seed_example("import_request")


def test_upload_items_are_checked_against_the_import_schema() -> None:
    assert codec.check_upload_item(seed_notebook()) == []
    bad = ProductUploadItem(sku="X" * 65, title="t", brand=None, category_code="Notebooks",
                            attributes=[ProductAttributeValue("colour", ["red", "red"])], images=["ftp://x/y.jpg"])
    problems = codec.check_upload_item(bad)
    assert "sku is longer than 64 characters" in problems
    assert "brand is required" in problems
    assert any("category 'Notebooks'" in p for p in problems)
    assert any("attribute code 'colour'" in p for p in problems)
    assert any("distinct" in p for p in problems)
    assert any("ftp://x/y.jpg" in p for p in problems)
