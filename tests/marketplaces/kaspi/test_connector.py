"""The Kaspi connector against the Kaspi sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import itertools
import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from erpsync.core.errors import (
    AuthenticationError,
    MarketplaceError,
    NotFoundError,
    TransitionError,
    Unsupported,
    ValidationError,
)
from erpsync.marketplaces.base import (
    LineChange,
    Order,
    OrderRef,
    ProductAttributeValue,
    StatusChange,
    StockPriceItem,
    UnreadableOrder,
    WaybillInfo,
)
from erpsync.marketplaces.kaspi import KaspiConnector
from erpsync.marketplaces.kaspi.connector import order_windows
from erpsync.sandbox.kaspi import KaspiSandbox
from tests.marketplaces.kaspi.conftest import TOKEN, make_connector
from tests.marketplaces.kaspi.test_codec import seed_notebook

NOW = datetime.now(UTC)
ORDERS_PATH = "/shop/api/v2/orders"


def _listings(sandbox: KaspiSandbox) -> list[dict[str, str]]:
    return [r.query for r in sandbox.requests_to(ORDERS_PATH, "GET") if "filter[orders][state]" in r.query]


def _ref(sandbox: KaspiSandbox, order_id: str, *, with_status: bool = True) -> OrderRef:
    order = sandbox.order(order_id)
    return OrderRef(order_id, order.code, order.status if with_status else None)


# --- listing ----------------------------------------------------------------------------------------


def test_listing_walks_every_page_until_the_page_count(sandbox: KaspiSandbox) -> None:
    ids = {sandbox.add_order(created=NOW - timedelta(hours=i + 1)) for i in range(5)}
    with make_connector(sandbox.base_url, page_size=2) as kaspi:
        listed = list(kaspi.list_orders(NOW - timedelta(days=1), NOW, states=["NEW"], with_lines=False))
    assert [o.external_id for o in listed] == sorted(ids, key=lambda i: sandbox.order(i).attributes["creationDate"])
    assert [q["page[number]"] for q in _listings(sandbox)] == ["0", "1", "2"]
    assert {q["page[size]"] for q in _listings(sandbox)} == {"2"}


def test_a_long_period_is_split_into_windows_of_at_most_14_days(sandbox: KaspiSandbox) -> None:
    ages = (1, 13, 15, 29, 34)
    for days in ages:
        sandbox.add_order(created=NOW - timedelta(days=days))
    since = NOW - timedelta(days=35)
    with make_connector(sandbox.base_url) as kaspi:
        listed = list(kaspi.list_orders(since, NOW, states=["NEW"], with_lines=False))
    assert len(listed) == len(ages)
    windows = sorted({(int(q["filter[orders][creationDate][$ge]"]), int(q["filter[orders][creationDate][$le]"]))
                      for q in _listings(sandbox)})
    assert len(windows) == 3
    assert all(end - start < 14 * 86_400_000 for start, end in windows)
    assert windows[0][0] == int(since.timestamp() * 1000)
    assert windows[-1][1] == int(NOW.timestamp() * 1000)
    assert all(later[0] == earlier[1] + 1 for earlier, later in itertools.pairwise(windows))


def test_windows_cover_the_period_without_gaps_or_overlaps() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    windows = order_windows(start, start + timedelta(days=28), 14)
    first_start, first_end = windows[0]
    assert first_start == start and first_end - first_start == timedelta(days=14, milliseconds=-1)
    assert len(windows) == 3 and windows[-1][1] == start + timedelta(days=28)
    with pytest.raises(ValidationError, match="is after the end"):
        order_windows(start, start - timedelta(seconds=1), 14)


def test_every_order_state_is_walked_so_no_order_is_missed(sandbox: KaspiSandbox) -> None:
    created = NOW - timedelta(hours=3)
    ids = {
        sandbox.add_order(status="APPROVED_BY_BANK", created=created),
        sandbox.add_order(status="ACCEPTED_BY_MERCHANT", created=created),  # PICKUP
        sandbox.add_order(status="ACCEPTED_BY_MERCHANT", delivery_mode="DELIVERY_LOCAL", created=created),
        sandbox.add_order(status="ACCEPTED_BY_MERCHANT", kaspi_delivery=True, created=created),
        sandbox.add_order(status="COMPLETED", created=created),
    }
    with make_connector(sandbox.base_url) as kaspi:
        listed = {o.external_id: o for o in kaspi.list_orders(NOW - timedelta(days=1), NOW, with_lines=False)}
    assert set(listed) == ids
    assert {q["filter[orders][state]"] for q in _listings(sandbox)} == {
        "NEW", "SIGN_REQUIRED", "PICKUP", "DELIVERY", "KASPI_DELIVERY", "ARCHIVE"
    }
    assert {o.extra["state"] for o in listed.values()} == {"NEW", "PICKUP", "DELIVERY", "KASPI_DELIVERY", "ARCHIVE"}


def test_listed_orders_carry_lines_with_the_merchant_sku_customer_and_pickup_point(sandbox: KaspiSandbox) -> None:
    order_id = sandbox.add_order(lines=[("BL-PH-700", 2), ("NB-A5-48", 3)], point="PP2", customer=0)
    with make_connector(sandbox.base_url) as kaspi:
        [order] = list(kaspi.list_orders(NOW - timedelta(days=1), NOW, states=["NEW"]))
    assert order.external_id == order_id
    assert [(line.sku, line.quantity) for line in order.lines] == [("BL-PH-700", 2), ("NB-A5-48", 3)]
    assert order.lines[0].unit_price == Decimal("24990") and order.lines[0].total == Decimal("49980")
    assert order.total == Decimal("49980") + Decimal("2670")
    assert order.lines[0].external_product_id == "108845120"
    assert order.customer.full_name == "Айгерим Садыкова" and order.customer.phone == "7017654321"
    assert order.delivery_address is not None and order.delivery_address.pickup_point == "PP2"
    assert order.delivery_address.city == "г. Астана"


def test_products_and_points_of_service_are_fetched_once_per_listing(sandbox: KaspiSandbox) -> None:
    for _ in range(3):
        sandbox.add_order(lines=[("NB-A5-48", 1)])
    with make_connector(sandbox.base_url) as kaspi:
        assert len(list(kaspi.list_orders(NOW - timedelta(days=1), NOW, states=["NEW"]))) == 3
    paths = [r.path for r in sandbox.requests]
    assert sum(p.endswith("/merchantProduct") for p in paths) == 1
    assert sum(p.endswith("/deliveryPointOfService") for p in paths) == 1
    assert sum(p.endswith("/entries") for p in paths) == 3


def test_a_malformed_order_is_yielded_as_unreadable_and_the_listing_goes_on(sandbox: KaspiSandbox) -> None:
    first = sandbox.add_order()
    bad = sandbox.add_order()
    last = sandbox.add_order()
    sandbox.order(bad).attributes["totalPrice"] = "a lot"
    with make_connector(sandbox.base_url) as kaspi:
        listed = list(kaspi.list_orders(NOW - timedelta(days=1), NOW, states=["NEW"], with_lines=False))
    assert [o.external_id for o in listed if isinstance(o, Order)] == [first, last]
    [unreadable] = [o for o in listed if isinstance(o, UnreadableOrder)]
    assert unreadable.external_id == bad and unreadable.raw["attributes"]["totalPrice"] == "a lot"
    assert unreadable.created_at is not None
    assert unreadable.error == f"orders/{bad}.attributes.totalPrice: expected a number, got 'a lot'"


def test_one_order_is_read_by_code_or_by_id(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    order_id = sandbox.add_order()
    code = sandbox.order(order_id).code
    assert connector.get_order(OrderRef(order_id, code)).number == code
    assert [r.query for r in sandbox.requests_to(ORDERS_PATH)] == [{"filter[orders][code]": code}]
    assert connector.get_order(OrderRef(order_id)).lines[0].sku == "NB-A5-48"
    assert len(sandbox.requests_to(f"{ORDERS_PATH}/{order_id}")) == 1
    with pytest.raises(NotFoundError):
        connector.get_order(OrderRef("bm9uZQ==", "000000000"))


# --- status actions ---------------------------------------------------------------------------------


def test_accepting_an_order_sticks_on_the_next_read(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    order_id = sandbox.add_order(kaspi_delivery=True)
    order = connector.set_status(StatusChange(_ref(sandbox, order_id), "ACCEPTED_BY_MERCHANT"))
    assert order is not None and order.status == "ACCEPTED_BY_MERCHANT"
    assert order.extra["state"] == "KASPI_DELIVERY"
    assert connector.get_order(OrderRef(order_id, order.number)).status == "ACCEPTED_BY_MERCHANT"


def test_cancelling_sends_reason_and_comment(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    order_id = sandbox.add_order()
    change = StatusChange(_ref(sandbox, order_id), "CANCELLED", reason="MERCHANT_OUT_OF_STOCK", comment="Нет в наличии")
    order = connector.set_status(change)
    assert order is not None and order.status == "CANCELLED" and order.extra["cancellationReason"] == (
        "MERCHANT_OUT_OF_STOCK"
    )
    sent = sandbox.mutating_requests(ORDERS_PATH)[-1].json()["data"]["attributes"]
    assert sent["cancellationComment"] == "Нет в наличии"
    assert sandbox.order(order_id).cancellation_comment == "Нет в наличии"


@pytest.mark.parametrize(
    ("reason", "comment", "message"),
    [
        (None, None, "needs a reason"),
        ("TOO_EXPENSIVE", None, "needs a reason, one of BUYER_CANCELLATION_BY_MERCHANT"),
        ("BUYER_NOT_REACHABLE", "x" * 1001, "at most 1000 characters"),
    ],
)
def test_a_bad_cancellation_is_refused_before_any_request(
    connector: KaspiConnector, sandbox: KaspiSandbox, reason: str | None, comment: str | None, message: str
) -> None:
    order_id = sandbox.add_order()
    sandbox.clear_requests()
    with pytest.raises(ValidationError, match=message):
        connector.set_status(StatusChange(_ref(sandbox, order_id), "CANCELLED", reason=reason, comment=comment))
    assert sandbox.requests == []


def test_completing_takes_the_code_sent_to_the_buyer(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    order_id = sandbox.add_order(status="ACCEPTED_BY_MERCHANT")
    ref = _ref(sandbox, order_id)
    assert connector.set_status(StatusChange(ref, "COMPLETED")) is None  # step 1: code sent
    code = sandbox.sent_code(order_id)
    assert code is not None and len(code) == 4
    assert sandbox.order(order_id).status == "ACCEPTED_BY_MERCHANT"
    wrong = "0000" if code != "0000" else "1111"
    with pytest.raises(MarketplaceError, match="Security code is not valid") as refused:
        connector.complete(ref, wrong)
    assert refused.value.status_code == 400 and not refused.value.retryable
    order = connector.complete(ref, code)
    assert order is not None and order.status == "COMPLETED" and order.extra["state"] == "ARCHIVE"
    assert sandbox.sent_code(order_id) is None


def test_assembling_sends_the_number_of_places_and_yields_a_waybill(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    order_id = sandbox.add_order(status="ACCEPTED_BY_MERCHANT", kaspi_delivery=True)
    order = connector.set_status(StatusChange(_ref(sandbox, order_id), "ASSEMBLE", extra={"number_of_space": 2}))
    assert order is not None and order.status == "ACCEPTED_BY_MERCHANT"
    assert order.extra["assembled"] is True and order.extra["numberOfSpace"] == 2
    assert order.waybill_number
    for bad in (0, "two", None, 1.5):
        with pytest.raises(ValidationError, match="number_of_space"):
            connector.set_status(StatusChange(_ref(sandbox, order_id), "ASSEMBLE", extra={"number_of_space": bad}))


def test_arrived_for_pre_orders_and_arrived_backward_for_returns(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    pre_order = sandbox.add_order(status="ACCEPTED_BY_MERCHANT", pre_order=True)
    assert connector.set_status(StatusChange(_ref(sandbox, pre_order), "ARRIVED")) is not None
    assert sandbox.order(pre_order).arrived
    returning = sandbox.add_order(status="KASPI_DELIVERY_RETURN_REQUESTED", kaspi_delivery=True)
    order = connector.set_status(StatusChange(_ref(sandbox, returning), "ARRIVED_BACKWARD"))
    assert order is not None and order.status == "RETURNED"
    cancelling = sandbox.add_order(status="CANCELLING", kaspi_delivery=True)
    order = connector.set_status(StatusChange(_ref(sandbox, cancelling), "ARRIVED_BACKWARD"))
    assert order is not None and order.status == "CANCELLED"


@pytest.mark.parametrize(
    ("status", "target"),
    [
        ("COMPLETED", "CANCELLED"),
        ("ACCEPTED_BY_MERCHANT", "ACCEPTED_BY_MERCHANT"),
        ("APPROVED_BY_BANK", "COMPLETED"),
        ("APPROVED_BY_BANK", "ASSEMBLE"),
        ("ACCEPTED_BY_MERCHANT", "ARRIVED_BACKWARD"),
        ("CANCELLED", "RETURNED"),
    ],
)
def test_forbidden_transitions_are_refused_before_any_change_is_sent(
    connector: KaspiConnector, sandbox: KaspiSandbox, status: str, target: str
) -> None:
    order_id = sandbox.add_order(status=status)
    sandbox.clear_requests()
    extra = {"number_of_space": 1}
    change = StatusChange(_ref(sandbox, order_id), target, reason="MERCHANT_OUT_OF_STOCK", extra=extra)
    with pytest.raises(TransitionError, match=target) as refused:
        connector.set_status(change)
    if target == "RETURNED":  # not a status the API sets at all
        assert "cannot be set through the API" in str(refused.value)
    else:  # the order is named, and the statuses it could be in
        assert str(refused.value).endswith(f"(order {sandbox.order(order_id).code})")
        assert "allowed from:" in str(refused.value)
    assert sandbox.requests == []
    # without the status at hand the connector reads the order first, and still sends no change
    unknown = _ref(sandbox, order_id, with_status=False)
    with pytest.raises(TransitionError):
        connector.set_status(StatusChange(unknown, target, reason="MERCHANT_OUT_OF_STOCK", extra=extra))
    assert sandbox.mutating_requests() == []


def test_a_stale_status_reaches_kaspi_whose_refusal_is_reported_with_the_exchange(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    order_id = sandbox.add_order(status="COMPLETED")
    stale = OrderRef(order_id, sandbox.order(order_id).code, "ACCEPTED_BY_MERCHANT")
    with pytest.raises(MarketplaceError) as refused:
        connector.set_status(StatusChange(stale, "CANCELLED", reason="MERCHANT_OUT_OF_STOCK"))
    error = refused.value
    assert error.status_code == 400 and not error.retryable
    assert "COMPLETED" in str(error) and "POST /shop/api/v2/orders" in str(error)
    assert error.exchange is not None
    assert error.exchange["request_headers"]["X-Auth-Token"] == "****"
    assert TOKEN not in str(error.exchange)
    assert '"errors"' in error.exchange["response_body"]
    assert '"CANCELLED"' in error.exchange["request_body"]


# --- partial cancel and weight change ---------------------------------------------------------------


def test_cancelling_part_of_an_entry_uses_order_entry_cancel_operation(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    order_id = sandbox.add_order(status="ACCEPTED_BY_MERCHANT", lines=[("NB-A5-48", 3), ("BL-PH-700", 1)])
    entry_id = sandbox.order(order_id).entries[0]
    [result] = connector.change_lines(
        OrderRef(order_id), [LineChange(entry_id, 1, "MERCHANT_OUT_OF_STOCK", "Осталась одна")]
    )
    assert (result.line_external_id, result.remained_quantity, result.status) == (entry_id, 1, "INPROGRESS")
    assert sandbox.mutating_requests()[-1].path == "/shop/api/v2/orderEntryCancelOperation"
    order = connector.get_order(_ref(sandbox, order_id))
    assert [(line.sku, line.quantity) for line in order.lines] == [("NB-A5-48", 1), ("BL-PH-700", 1)]
    assert order.total == Decimal("890") + Decimal("24990")


def test_weight_change_uses_order_partial_cancel_in_grams(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    order_id = sandbox.add_order(status="ACCEPTED_BY_MERCHANT", lines=[("APL-PL-1KG", 2)])
    entry_id = sandbox.order(order_id).entries[0]
    change = LineChange(entry_id, 2, "PRODUCT_UNDERWEIGHT", "Недовес по товару", remained_weight_kg=Decimal("1.8"))
    [result] = connector.change_lines(OrderRef(order_id), [change])
    assert result.remained_weight_kg == Decimal("1.8") and result.remained_quantity == 2
    sent = sandbox.mutating_requests()[-1]
    assert (sent.method, sent.path) == ("PUT", f"/shop/api/orderPartialCancel/{order_id}")
    assert sent.json()[0]["remainedWeight"] == 1800
    line = connector.get_order(_ref(sandbox, order_id)).lines[0]
    assert line.weight_kg == Decimal("1.8") and line.total == Decimal("2808")  # 1560 ₸/kg


def test_bad_line_changes_are_refused_before_any_request(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    order_id = sandbox.add_order(status="ACCEPTED_BY_MERCHANT")
    entry_id = sandbox.order(order_id).entries[0]
    sandbox.clear_requests()
    with pytest.raises(ValidationError, match="reason must be one of"):
        connector.change_lines(OrderRef(order_id), [LineChange(entry_id, 0, "PRODUCT_UNDERWEIGHT")])
    with pytest.raises(ValidationError, match="cannot be negative"):
        connector.change_lines(OrderRef(order_id), [LineChange(entry_id, -1, "MERCHANT_OUT_OF_STOCK")])
    assert sandbox.requests == []


# --- reliability ------------------------------------------------------------------------------------


def test_injected_server_errors_are_retried_until_an_answer_comes(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    order_id = sandbox.add_order()
    sandbox.fail_next(2, 500)
    listed = list(connector.list_orders(NOW - timedelta(days=1), NOW, states=["NEW"], with_lines=False))
    assert [o.external_id for o in listed] == [order_id]
    assert [r.status for r in sandbox.requests_to(ORDERS_PATH)] == [500, 500, 200]


def test_a_marketplace_that_keeps_failing_gives_a_retryable_error(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    sandbox.fail_next(10, 503)
    with pytest.raises(MarketplaceError, match="answered HTTP 503") as failed:
        connector.check_connection()
    assert failed.value.retryable and failed.value.status_code == 503
    assert "gave up after 4 attempts" in str(failed.value)
    assert len(sandbox.requests) == 4 and failed.value.exchange["attempt"] == 4


def test_429_waits_what_retry_after_says(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    waits: list[float] = []
    connector.client.http.sleep = waits.append
    sandbox.fail_next(1, 429, retry_after=2)
    connector.check_connection()
    assert waits == [2.0]
    assert [r.status for r in sandbox.requests] == [429, 200]


def test_a_wrong_token_is_an_authentication_error_that_says_to_check_the_token(sandbox: KaspiSandbox) -> None:
    kaspi = make_connector(sandbox.base_url, token="not-the-token")
    with kaspi, pytest.raises(AuthenticationError) as refused:
        kaspi.check_connection()
    error = refused.value
    assert error.status_code == 401 and not error.retryable
    assert "refused the credentials of shop 'kz-test'" in str(error)
    assert "Settings → API token" in str(error)
    assert len(sandbox.requests) == 1  # never retried
    assert error.exchange["request_headers"]["X-Auth-Token"] == "****"


def test_the_right_token_passes_the_connection_check(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    connector.check_connection()
    [query] = [r.query for r in sandbox.requests]
    assert query["page[size]"] == "1" and query["filter[orders][state]"] == "NEW"


def test_nobody_listening_is_a_retryable_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with make_connector(f"http://127.0.0.1:{port}/shop/api/v2") as kaspi, pytest.raises(MarketplaceError) as failed:
        kaspi.check_connection()
    assert failed.value.retryable and failed.value.status_code is None
    assert "ConnectError" in failed.value.exchange["error"]


# --- products ---------------------------------------------------------------------------------------


def test_product_import_is_uploaded_polled_and_its_result_read(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    good = seed_notebook()
    wrong_cover = ProductAttributeValue("Exercise notebooks*Obsie harakteristiki.exercise notebooks*cover", "стальная")
    bad = type(good)(**{**good.__dict__, "sku": "Badsku", "attributes": [*good.attributes[:9], wrong_cover]})
    import_id = connector.upload_products([good, bad])
    states = []
    result = connector.import_result(import_id)
    while not result.done:
        states.append(result.state)
        result = connector.import_result(import_id)
    assert states == ["PROCESSING"] and result.state == "FINISHED"
    assert (result.total, result.errors) == (2, 1)
    items = {item.sku: item for item in result.items}
    assert items["Testsku"].state == "FINISHED" and items["Testsku"].errors == ()
    assert items["Badsku"].state == "ERROR"
    assert any("стальная" in message for message in items["Badsku"].errors)


def test_a_product_kaspi_would_refuse_is_named_before_any_upload(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    bad = type(seed_notebook())(**{**seed_notebook().__dict__, "images": []})
    assert connector.check_upload_item(bad) == ["a product needs at least one image"]
    with pytest.raises(ValidationError, match="Testsku: a product needs at least one image"):
        connector.upload_products([bad])
    assert sandbox.requests == []


def test_categories_attributes_values_and_schema_are_downloaded(connector: KaspiConnector) -> None:
    categories = list(connector.list_categories())
    assert ("Master - Exercise notebooks", "Тетради") in [(c.code, c.title) for c in categories]
    attributes = {a.title: a for a in connector.list_attributes("Master - Exercise notebooks")}
    assert attributes["format"].multi_valued and attributes["format"].mandatory
    assert attributes["fields"].value_type == "boolean"
    cover = "Exercise notebooks*Obsie harakteristiki.exercise notebooks*cover"
    values = connector.list_attribute_values("Master - Exercise notebooks", cover)
    assert [v.code for v in values] == ["мягкая", "твердая"]
    assert connector.import_schema()["maxItems"] == 10000
    with pytest.raises(MarketplaceError, match="HTTP 404"):
        connector.list_attributes("Master - Nothing")


def test_what_kaspi_does_not_take_through_the_api_is_unsupported(connector: KaspiConnector) -> None:
    with pytest.raises(Unsupported, match="kaspi does not support pushing stock and prices"):
        connector.push_stock_prices([StockPriceItem("NB-A5-48", 3)])
    with pytest.raises(Unsupported, match="kaspi does not support pushing a waybill"):
        connector.push_waybill(OrderRef("x"), WaybillInfo("123"))
