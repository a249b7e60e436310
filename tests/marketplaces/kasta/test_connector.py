"""The Kasta connector against the Kasta sandbox over real HTTP: the token, the schema, uploads and their
per-product results, moderation, stock and prices, orders, and what Kasta's API does not do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erpsync.core.errors import AuthenticationError, MarketplaceError, NotFoundError, Unsupported, ValidationError
from erpsync.marketplaces.base import (
    Order,
    OrderRef,
    ProductAttributeValue,
    StatusChange,
    StockPriceItem,
    UnreadableOrder,
    WaybillInfo,
)
from erpsync.marketplaces.kasta import KastaConnector
from erpsync.sandbox.kasta import KastaSandbox
from tests.marketplaces.kasta.conftest import SHIRTS, TOKEN, make_connector, shirt

NOW = datetime.now(UTC)


def _uploaded(connector: KastaConnector, *items: object) -> list:
    import_id = connector.upload_products(list(items))
    first = connector.import_result(import_id)
    assert not first.done and first.state == "processing"
    result = connector.import_result(import_id)
    assert result.done
    return list(result.items)


def test_a_wrong_token_is_refused_with_a_hint_about_the_once_shown_token(sandbox: KastaSandbox) -> None:
    with make_connector(sandbox.base_url, token="stale-token") as kasta, pytest.raises(AuthenticationError) as caught:
        kasta.check_connection()
    assert caught.value.status_code == 401
    assert "kasta refused the credentials of shop 'ua-kasta' (HTTP 401)" in str(caught.value)
    assert "Kasta shows it once" in str(caught.value)
    [request] = sandbox.requests
    assert request.header("Authorization") == "stale-token"  # the raw token, no Bearer prefix


def test_the_token_goes_in_authorization_as_it_is(connector: KastaConnector, sandbox: KastaSandbox) -> None:
    connector.check_connection()
    assert sandbox.requests[-1].header("Authorization") == TOKEN and sandbox.requests[-1].status == 200


def test_categories_and_a_categorys_characteristics_come_from_the_schema(connector: KastaConnector) -> None:
    categories = {c.code: c for c in connector.list_categories()}
    assert categories[SHIRTS].title == "Сорочки" and categories[SHIRTS].parent_code == "2098"
    assert not categories["2098"].is_leaf
    attributes = {a.code: a for a in connector.list_attributes(SHIRTS)}
    assert {code for code, a in attributes.items() if a.mandatory} == {"1", "3", "13", "14", "kasta_size"}
    assert attributes["6"].multi_valued and attributes["20"].value_type == "string"
    assert [v.name for v in connector.list_attribute_values(SHIRTS, "3")][:3] == ["Синій", "Білий", "Чорний"]
    with pytest.raises(NotFoundError, match="kasta has no category 2098-999"):
        connector.list_attributes("2098-999")


def test_upload_stores_photos_then_reports_each_product(connector: KastaConnector, sandbox: KastaSandbox) -> None:
    good = shirt("TW-1104-BL-44")
    same_photo = shirt("TW-1104-BL-46", attributes=(*shirt().attributes[:4], ProductAttributeValue("kasta_size",
                                                                                                    "46")))
    [first, second] = _uploaded(connector, good, same_photo)
    assert (first.sku, first.ok, first.listing_state) == ("TW-1104-BL-44", True, "moderation")
    assert first.external_id and second.ok
    assert len(sandbox.requests_to("/api/supplier-content/submit/image", "POST")) == 1  # one photo, stored once
    [submit] = sandbox.requests_to("/api/supplier-content/submit/products", "POST")
    body = submit.json()
    assert (body["kind_id"], body["affiliation_id"], body["update"], len(body["data"])) == (31, 2098, True, 2)
    assert body["data"][0]["images"][0].startswith(sandbox.url + "/supplier-content-uploads/")
    listed = sandbox.product("TW-1104-BL-44")
    assert listed is not None and (listed["status"], listed["size"], listed["color"]) == ("new", "44", "Синій")


def test_a_product_kasta_refuses_is_reported_with_kastas_reasons(connector: KastaConnector,
                                                                  sandbox: KastaSandbox) -> None:
    connector.category_schema(SHIRTS)  # read before Kasta made "Склад" mandatory in the category
    composition = next(e for e in sandbox.kasta.details[SHIRTS]["schema"] if e["key_name"] == "20")
    composition["requirements"]["required?"] = True
    [refused, kept] = _uploaded(connector, shirt("TW-0000"), shirt("TW-0001", attributes=(
        *shirt().attributes, ProductAttributeValue("20", "100% бавовна"))))
    assert not refused.ok and refused.listing_state == "rejected"
    assert refused.errors == ("characteristic 20 (Склад) is required",)
    assert kept.ok  # one refused product never stops the others


def test_a_photo_kasta_refuses_leaves_the_product_out_with_the_reason(connector: KastaConnector,
                                                                      sandbox: KastaSandbox) -> None:
    bad = shirt("TW-PDF", images=("https://shop.example.ua/catalogue.pdf",))
    [good, refused] = _uploaded(connector, shirt("TW-OK"), bad)
    assert good.ok and not refused.ok and refused.sku == "TW-PDF"
    assert "photo https://shop.example.ua/catalogue.pdf was refused" in refused.errors[0]
    assert sandbox.product("TW-PDF") is None


def test_one_upload_takes_at_most_500_products(connector: KastaConnector, sandbox: KastaSandbox) -> None:
    with pytest.raises(ValidationError, match="at most 500 products"):
        connector.upload_products([shirt(f"S-{n}") for n in range(501)])
    assert sandbox.requests == []  # refused before anything was sent


def test_the_sandbox_refuses_a_submit_of_501_products(connector: KastaConnector, sandbox: KastaSandbox) -> None:
    body = {"kind_id": 31, "affiliation_id": 2098, "update": True, "data": [{"code": f"S-{n}"} for n in range(501)]}
    with pytest.raises(MarketplaceError) as caught:
        connector.client.submit_products(body)
    assert caught.value.status_code == 400
    assert "At most 500 products can be submitted at once (got 501)" in str(caught.value)


def test_products_in_moderation_take_no_stock_or_price_until_kasta_approves(connector: KastaConnector,
                                                                             sandbox: KastaSandbox) -> None:
    _uploaded(connector, shirt("TW-1"), shirt("TW-2"))
    states = {s.sku: s.state for s in connector.product_states()}
    assert states == {"TW-1": "moderation", "TW-2": "moderation"}
    update = [StockPriceItem("TW-1", quantity=7, price=Decimal("1690"), old_price=Decimal("1990"))]
    refused = connector.push_stock_prices(update)
    assert refused.accepted == () and "on moderation" in refused.errors["TW-1"]
    sandbox.moderate(["TW-1"])
    sandbox.moderate(["TW-2"], "rejected", "Назва містить бренд")
    states = {s.sku: (s.state, s.message) for s in connector.product_states(["TW-1", "TW-2"])}
    assert states == {"TW-1": ("active", None), "TW-2": ("rejected", "Назва містить бренд")}
    assert connector.push_stock_prices(update).accepted == ("TW-1",)
    listed = sandbox.product("TW-1")
    assert listed is not None and (listed["total_stock"], listed["new_price"], listed["old_price"]) == (7, 1690, 1990)


def test_moderation_ends_by_itself_after_the_sandboxs_delay() -> None:
    clock = [NOW]
    with KastaSandbox(credentials={"token": TOKEN}, orders=0, moderation_seconds=600, now=lambda: clock[0]) as server, \
            make_connector(server.base_url) as kasta:
        _uploaded(kasta, shirt("TW-9"))
        assert [s.state for s in kasta.product_states()] == ["moderation"]
        clock[0] = NOW + timedelta(minutes=11)
        assert [s.state for s in kasta.product_states()] == ["active"]


def test_stock_and_price_of_an_unknown_barcode_are_refused_per_item(connector: KastaConnector,
                                                                    sandbox: KastaSandbox) -> None:
    _uploaded(connector, shirt("TW-1"))
    sandbox.moderate()
    result = connector.push_stock_prices([StockPriceItem("TW-1", quantity=2), StockPriceItem("NOPE", quantity=1)])
    assert result.accepted == ("TW-1",) and result.errors == {"NOPE": "stock: no product with barcode NOPE"}


def test_orders_page_along_kastas_cursor(sandbox: KastaSandbox) -> None:
    for minutes in range(5):
        sandbox.add_order(order_id=f"9000{minutes}", created_at=NOW - timedelta(hours=5, minutes=-minutes),
                          skus=("KS-1",))
    old = sandbox.add_order(order_id="80000", created_at=NOW - timedelta(days=40))
    with make_connector(sandbox.base_url, page_size=2) as kasta:
        orders = list(kasta.list_orders(NOW - timedelta(days=1), NOW))
    assert [o.external_id for o in orders] == [f"9000{n}" for n in range(5)]
    assert old not in {o.external_id for o in orders}
    pages = sandbox.requests_to("/api/orders/list", "GET")
    assert len(pages) == 3 and "from" in pages[0].query and "cursor" in pages[1].query


def test_an_order_is_read_by_its_id_and_a_missing_one_is_named(connector: KastaConnector,
                                                               sandbox: KastaSandbox) -> None:
    order_id = sandbox.add_order(status="Packed", skus=("KS-1", "KS-2"), quantity=2, price=890.0)
    order = connector.get_order(OrderRef(order_id))
    assert order.status == "Packed" and [line.sku for line in order.lines] == ["KS-1", "KS-2"]
    assert order.total == Decimal("3560")
    with pytest.raises(NotFoundError, match="kasta has no order 1 in shop 'ua-kasta'"):
        connector.get_order(OrderRef("1"))


def test_an_order_that_cannot_be_decoded_is_yielded_unreadable_and_the_listing_goes_on(
    connector: KastaConnector, sandbox: KastaSandbox
) -> None:
    good = sandbox.add_order(order_id="70001", created_at=NOW - timedelta(minutes=5))
    bad = sandbox.add_order(order_id="70002", created_at=NOW - timedelta(minutes=3))
    sandbox.kasta.orders[bad].payload["ordered_items"][0]["quantity"] = "два"
    first, second = connector.list_orders(NOW - timedelta(days=1), NOW + timedelta(hours=2))
    assert isinstance(first, Order) and first.external_id == good
    assert isinstance(second, UnreadableOrder) and second.external_id == bad
    assert "orders/70002.ordered_items[0].quantity: expected a number" in second.error
    assert second.raw["id"] == bad and second.created_at is not None


def test_status_changes_and_waybills_are_not_in_kastas_api(connector: KastaConnector) -> None:
    with pytest.raises(Unsupported, match="kasta does not support setting an order status"):
        connector.set_status(StatusChange(OrderRef("1"), "ConfirmedBySupplier"))
    with pytest.raises(Unsupported, match="kasta does not support pushing a waybill"):
        connector.push_waybill(OrderRef("1"), WaybillInfo("20450912345678"))


def test_transient_failures_are_retried_and_retry_after_obeyed(connector: KastaConnector,
                                                               sandbox: KastaSandbox) -> None:
    sandbox.fail_next(2, status=500)
    sandbox.fail_next(1, status=429, retry_after=0)
    assert len(list(connector.list_categories())) == 9
    assert [r.status for r in sandbox.requests] == [500, 500, 429, 200]


def test_every_mutating_request_is_recorded_with_the_token_masked_in_the_test_api(
    connector: KastaConnector, sandbox: KastaSandbox
) -> None:
    import httpx

    _uploaded(connector, shirt("TW-1"))
    assert [r.path for r in sandbox.mutating_requests()] == ["/api/supplier-content/submit/image",
                                                             "/api/supplier-content/submit/products"]
    listed = httpx.get(f"{sandbox.url}/_sandbox/requests", params={"mutating": "1"}).json()
    assert {entry["headers"]["Authorization"] for entry in listed} == {"****"}
    assert httpx.get(f"{sandbox.url}/_sandbox/state").json()["products"] == {"new": 1}
