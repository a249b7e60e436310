"""The Kasta codec on payloads in Kasta's format (tests/fixtures/kasta/), and on broken ones."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from erpsync.core.errors import PayloadError, ValidationError
from erpsync.marketplaces.base import ProductAttributeValue, StockPriceItem
from erpsync.marketplaces.kasta import codec
from tests.marketplaces.kasta.conftest import example, shirt


@pytest.fixture
def schema() -> codec.CategorySchema:
    return codec.decode_category_details(example("category_details"), "2098-31")


def test_category_tree_is_groups_with_their_kinds_as_leaves() -> None:
    categories = codec.decode_categories(example("category_all"))
    assert [(c.code, c.title, c.parent_code, c.is_leaf) for c in categories] == [
        ("2098", "Одяг", None, False),
        ("2098-31", "Сорочки", "2098", True),
        ("2098-45", "Футболки", "2098", True),
        ("4200", "home_textile", None, False),  # no name_alias: the name
        ("4200-77", "Постільна білизна", "4200", True),
    ]


def test_category_code_round_trip_and_a_wrong_code_names_the_expected_form() -> None:
    assert codec.parse_category_code(codec.category_code(2098, 31)) == (2098, 31)
    with pytest.raises(ValidationError, match=r"<affiliation_id>-<kind_id>"):
        codec.parse_category_code("Сорочки")


def test_schema_marks_mandatory_multi_number_and_size_characteristics(schema: codec.CategorySchema) -> None:
    assert [a.code for a in schema.mandatory] == ["1", "3", "13", "14", "kasta_size"]
    assert schema.attributes["6"].multi and not schema.attributes["3"].multi
    assert schema.attributes["31"].number and not schema.attributes["31"].is_select
    size = schema.size
    assert size is not None and size.code == "kasta_size"
    # a size value that two charts name is told apart by its chart
    assert size.values == {"149359": "38", "149360": "39", "149361": "S (UA)", "149401": "S (International)",
                           "149402": "M"}
    attributes = {a.code: a for a in codec.schema_attributes(schema)}
    assert (attributes["3"].value_type, attributes["31"].value_type, attributes["kasta_size"].value_type) == (
        "enum", "number", "enum")
    assert attributes["1"].mandatory and [v.name for v in attributes["1"].values] == ["Україна", "Туреччина"]


def test_value_ids_are_found_by_id_or_by_name_ignoring_case(schema: codec.CategorySchema) -> None:
    colour = schema.attributes["3"]
    assert colour.value_id("675") == colour.value_id("синій") == colour.value_id(" Синій ") == "675"
    assert colour.value_id("Бірюзовий") is None


def test_submit_body_has_kastas_fields_and_characteristic_shapes(schema: codec.CategorySchema) -> None:
    item = shirt(
        "TW-1104-BL-39",
        attributes=(ProductAttributeValue("1", "Україна"), ProductAttributeValue("3", "675"),
                    ProductAttributeValue("6", ("Бавовна", "Льон")), ProductAttributeValue("13", "Одяг"),
                    ProductAttributeValue("14", "Сорочки"), ProductAttributeValue("31", "120"),
                    ProductAttributeValue("kasta_size", "39")),
        images=("https://shop.example.ua/media/products/tw-1104/1.jpg",),
        quantity=4,
        extra={"barcode": "4820000011049", "title_ru": "Рубашка хлопковая в клетку", "labels": {"kasta_size": "39"}},
    )
    stored = example("submit_image_response")["path"]
    body = codec.submit_body("2098-31", [item], schema, {item.images[0]: stored})
    expected = example("submit_products_request")
    expected["data"][0]["description_uk"] = item.description
    expected["data"][0]["name_uk"] = item.title
    assert body == expected


def test_size_on_the_label_is_the_local_value_else_the_kasta_size_name(schema: codec.CategorySchema) -> None:
    assert codec.size_label(shirt(extra={"labels": {"kasta_size": "39 (M)"}}), schema) == "39 (M)"
    item = shirt(attributes=(ProductAttributeValue("kasta_size", "149361"),), extra={})
    assert codec.size_label(item, schema) == "S"


def test_check_names_every_missing_mandatory_characteristic_and_unknown_value(schema: codec.CategorySchema) -> None:
    item = shirt(attributes=(ProductAttributeValue("3", "Бірюзовий"), ProductAttributeValue("12", ("Демісезон",
                                                                                                     "Літо"))),
                 brand=None, images=("ftp://example.ua/1.jpg",))
    problems = codec.check_upload_item(item, schema)
    assert "brand is required" in problems
    assert "photo 'ftp://example.ua/1.jpg' is not an http(s) URL" in problems
    assert "mandatory characteristic 13 (Група) of category 2098-31 is missing" in problems
    assert "mandatory characteristic kasta_size (Розмір) of category 2098-31 is missing" in problems
    assert any(p.startswith("characteristic 3 (Колір) has no value 'Бірюзовий' (allowed: Синій, Білий") for p in
               problems)
    assert "characteristic 12 (Сезон) takes one value, got 2" in problems


def test_a_complete_product_has_no_problems(schema: codec.CategorySchema) -> None:
    item = shirt(attributes=(ProductAttributeValue("1", "Україна"), ProductAttributeValue("3", "Синій"),
                             ProductAttributeValue("13", "Одяг"), ProductAttributeValue("14", "Сорочки"),
                             ProductAttributeValue("kasta_size", "39"), ProductAttributeValue("31", "120,5")))
    assert codec.check_upload_item(item, schema) == []


@pytest.mark.parametrize(
    ("price", "old", "promo", "line"),
    [
        # the seed's rule arrives here as the feeds' price block: the price with its old price
        (Decimal("1690"), Decimal("1990"), Decimal("1490"),
         {"old_price": 1990, "new_price": 1690, "promo_price": 1490}),
        # no old price: Kasta's crossed-out price is the price itself
        (Decimal("1690"), None, None, {"old_price": 1690, "new_price": 1690, "promo_price": None}),
        # an old price below the price is no discount
        (Decimal("1690"), Decimal("1500"), None, {"old_price": 1690, "new_price": 1690, "promo_price": None}),
        # a promotion is always sent, null when there is none or it is not below the price
        (Decimal("1690.50"), Decimal("1990"), Decimal("1700"),
         {"old_price": 1990, "new_price": 1690.5, "promo_price": None}),
    ],
)
def test_price_lines_follow_kastas_price_block(price: Decimal, old: Decimal | None, promo: Decimal | None,
                                               line: dict) -> None:
    body = codec.price_body([StockPriceItem("TW-1104-BL-40", price=price, old_price=old, promo_price=promo)])
    assert body == {"items": [{"barcode": "TW-1104-BL-40", **line}]}


def test_stock_and_price_bodies_match_kastas_format() -> None:
    items = [StockPriceItem("TW-1104-BL-40", quantity=3, price=Decimal("1690"), old_price=Decimal("1990"),
                            promo_price=Decimal("1490"))]
    assert codec.stock_body(items) == example("update_stock_request")
    assert codec.price_body(items) == example("update_price_request")
    assert codec.stock_body([StockPriceItem("A", price=Decimal(1))]) == {"items": []}  # no quantity: no line


def test_push_answer_names_refused_barcodes_and_accepts_the_rest() -> None:
    answer = {"updated": 1, "errors": [{"barcode": "B", "message": "no product with barcode B"}]}
    result = codec.decode_push_answer(answer, ["A", "B"], "update-stock")
    assert result.accepted == ("A",) and result.errors == {"B": "no product with barcode B"}
    with pytest.raises(PayloadError, match=r"update-stock.errors\[0\]: names no product"):
        codec.decode_push_answer({"errors": [{"message": "?"}]}, ["A"], "update-stock")


def test_products_list_gives_each_products_sku_id_and_state() -> None:
    page = codec.decode_products_page(example("products_list"))
    assert page.cursor == "eyJvZmZzZXQiOjN9"
    states = [codec.decode_product_state(item, f"items[{i}]") for i, item in enumerate(page.items)]
    assert [(s.sku, s.external_id, s.state, s.message) for s in states] == [
        ("TW-1104-BL-39", "ksku_640211", "moderation", None),
        ("TW-1104-BL-40", "ksku_640212", "active", None),
        ("TW-1105-WH-39", "ksku_640213", "rejected", "Назва містить бренд"),  # no code: the first barcode
    ]
    without_status = {key: value for key, value in page.items[1].items() if key != "status"}
    assert codec.decode_product_state(without_status, "x").state == "active"


def test_order_with_nova_poshta_waybill_decodes_with_history_lines_and_address() -> None:
    page = codec.decode_orders_page(example("orders_list"))
    assert (len(page.items), page.remains) == (2, 0)
    order = codec.decode_order(page.items[0], "items[0]")
    assert (order.external_id, order.number, order.status) == ("84512376", "84512376", "AnnouncedForDelivery")
    assert order.created_at == datetime(2025, 5, 14, 9, 12, 31, tzinfo=UTC)
    assert order.updated_at == datetime(2025, 5, 14, 15, 40, 55, tzinfo=UTC)
    assert (order.total, order.currency) == (Decimal("1790"), "UAH")
    assert order.customer.full_name == "Коваленко Олена Петрівна" and order.customer.phone == "380671234567"
    assert order.recipient is None  # the same person
    assert order.delivery_method == "novaposhta" and order.waybill_number == "20450912345678"
    assert order.delivery_address is not None and order.delivery_address.city == "Київ"
    assert order.delivery_address.pickup_point == "Відділення №12 (до 30 кг): вул. Хрещатик, 22"
    assert (order.payment_method, order.is_paid) == ("cod", False)
    assert order.comment == "Зателефонуйте перед відправкою"
    [line] = order.lines
    assert (line.external_id, line.sku, line.quantity, line.unit_price, line.total) == (
        "ksku_640211", "TW-1104-BL-39", 1, Decimal("1790"), Decimal("1790"))
    assert line.extra["paid_price"] == 1740 and line.extra["supplier_price"] == 1468


def test_a_refund_after_a_cancellation_keeps_the_order_cancelled() -> None:
    order = codec.decode_order(example("orders_list")["items"][1], "items[1]")
    assert order.status == "Cancelled"
    assert order.extra["status_history"] == ["Created", "Cancelled", "Refunded"]
    assert (order.payment_method, order.is_paid) == ("card", True)
    assert order.recipient is not None and order.recipient.full_name == "Шевчук Ірина"
    [line] = order.lines  # every item was cancelled: the cancelled items are the lines
    assert (line.sku, line.quantity, line.total) == ("TW-1104-BL-40", 2, Decimal("3380"))


def test_broken_orders_name_the_order_and_the_field() -> None:
    order = copy.deepcopy(example("orders_list")["items"][0])
    order["statuses"][1]["created_at"] = "yesterday"
    with pytest.raises(PayloadError, match=r"orders/84512376.statuses\[1\].created_at: expected an ISO 8601 time"):
        codec.decode_order(order, "items[0]")
    order = copy.deepcopy(example("orders_list")["items"][0])
    del order["ordered_items"][0]["new_price"], order["ordered_items"][0]["paid_price"]
    with pytest.raises(PayloadError, match=r"orders/84512376.ordered_items\[0\]: has no price"):
        codec.decode_order(order, "items[0]")
    with pytest.raises(PayloadError, match=r"items\[0\].id: is missing"):
        codec.decode_order({"statuses": []}, "items[0]")


def test_submit_status_reports_each_product_and_moderation_for_accepted_ones() -> None:
    answer = {"upload_id": "5f0c", "status": "done", "items": [
        {"code": "A", "status": "created", "errors": [], "unique_sku_id": "ksku_1"},
        {"code": "B", "status": "error", "errors": ["characteristic 3 (Колір) is required",
                                                    {"key_name": "14", "message": "unknown value id 1"}]}]}
    result = codec.decode_submit_status(answer, "5f0c")
    assert result.done and (result.total, result.errors) == (2, 1)
    accepted, refused = result.items
    assert (accepted.ok, accepted.external_id, accepted.listing_state) == (True, "ksku_1", "moderation")
    assert (refused.ok, refused.listing_state) == (False, "rejected")
    assert refused.errors == ("characteristic 3 (Колір) is required", "14: unknown value id 1")
    assert not codec.decode_submit_status({"status": "processing"}, "5f0c").done
