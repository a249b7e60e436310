"""What the connector puts on the wire equals seed 004's request examples field for field: bodies,
paths, methods and headers, as the sandbox received them over HTTP. The orders carry the seed's own
placeholder ids (``ordersID`` / ``ordercode``), so the bodies compare without any rewriting."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from erpsync.marketplaces.base import LineChange, OrderRef, StatusChange
from erpsync.marketplaces.kaspi import KaspiConnector
from erpsync.sandbox.base import RecordedRequest
from erpsync.sandbox.kaspi import KaspiSandbox
from tests.marketplaces.kaspi.conftest import TOKEN, seed_example
from tests.marketplaces.kaspi.test_codec import seed_notebook

SEED_ID, SEED_CODE = "ordersID", "ordercode"


def _seed_order(sandbox: KaspiSandbox, **spec: Any) -> OrderRef:
    sandbox.add_order(order_id=SEED_ID, code=SEED_CODE, **spec)
    return OrderRef(SEED_ID, SEED_CODE, sandbox.order(SEED_ID).status)


def _last_change(sandbox: KaspiSandbox) -> RecordedRequest:
    return sandbox.mutating_requests()[-1]


def _assert_jsonapi_post(request: RecordedRequest, path: str = "/shop/api/v2/orders") -> None:
    assert (request.method, request.path) == ("POST", path)
    assert request.header("Content-Type") == "application/vnd.api+json"
    assert request.header("X-Auth-Token") == TOKEN
    assert request.status == 200


def test_accept_body_is_the_documented_one(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    connector.set_status(StatusChange(_seed_order(sandbox), "ACCEPTED_BY_MERCHANT"))
    sent = _last_change(sandbox)
    _assert_jsonapi_post(sent)
    assert sent.json() == seed_example("accept_request")
    assert sent.header("X-Security-Code") is None


def test_cancel_body_is_the_documented_one(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    ref = _seed_order(sandbox, status="ACCEPTED_BY_MERCHANT")
    connector.set_status(StatusChange(ref, "CANCELLED", reason="BUYER_CANCELLATION_BY_MERCHANT"))
    sent = _last_change(sandbox)
    _assert_jsonapi_post(sent)
    assert sent.json() == seed_example("cancel_request")


def test_both_completion_requests_are_the_documented_ones(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    ref = _seed_order(sandbox, status="ACCEPTED_BY_MERCHANT")
    connector.send_completion_code(ref)
    first = _last_change(sandbox)
    _assert_jsonapi_post(first)
    assert first.json() == seed_example("complete_send_code_request")
    assert first.header("X-Security-Code") == "" and first.header("X-Send-Code") == "true"
    code = sandbox.sent_code(SEED_ID)
    assert code
    connector.complete(ref, code)
    second = _last_change(sandbox)
    _assert_jsonapi_post(second)
    assert second.json() == seed_example("complete_request")
    assert second.header("X-Security-Code") == code and second.header("X-Send-Code") == "true"


def test_assemble_body_is_the_documented_one(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    ref = _seed_order(sandbox, status="ACCEPTED_BY_MERCHANT", kaspi_delivery=True)
    connector.set_status(StatusChange(ref, "ASSEMBLE", extra={"number_of_space": 2}))
    sent = _last_change(sandbox)
    _assert_jsonapi_post(sent)
    assert sent.json() == seed_example("assemble_request")  # numberOfSpace as the text "2", no code


def test_arrived_body_is_the_documented_one(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    ref = _seed_order(sandbox, status="ACCEPTED_BY_MERCHANT", pre_order=True)
    connector.set_status(StatusChange(ref, "ARRIVED"))
    sent = _last_change(sandbox)
    _assert_jsonapi_post(sent)
    assert sent.json() == seed_example("arrived_request")


def _with_entry_id(document: Any, placeholder: str, entry_id: str) -> Any:
    return json.loads(json.dumps(document).replace(json.dumps(placeholder), json.dumps(entry_id)))


def test_entry_cancel_body_is_the_documented_one(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    ref = _seed_order(sandbox, lines=[("NB-A5-48", 2)])
    entry_id = sandbox.order(SEED_ID).entries[0]
    connector.change_lines(ref, [LineChange(entry_id, 1, "BUYER_CANCELLATION_BY_MERCHANT", "Отказ клиента")])
    sent = _last_change(sandbox)
    _assert_jsonapi_post(sent, "/shop/api/v2/orderEntryCancelOperation")
    assert sent.json() == _with_entry_id(seed_example("entry_cancel_request"), "orderentriesID", entry_id)


def test_weight_change_body_and_path_are_the_documented_ones(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    ref = _seed_order(sandbox, status="ACCEPTED_BY_MERCHANT", lines=[("APL-PL-1KG", 2)])
    entry_id = sandbox.order(SEED_ID).entries[0]
    change = LineChange(entry_id, 1, "PRODUCT_UNDERWEIGHT", "Недовес по товару", remained_weight_kg=Decimal("1"))
    connector.change_lines(ref, [change])
    sent = _last_change(sandbox)
    assert (sent.method, sent.path) == ("PUT", f"/shop/api/orderPartialCancel/{SEED_ID}")
    assert sent.header("Content-Type") == "application/vnd.api+json" and sent.header("X-Auth-Token") == TOKEN
    assert sent.json() == _with_entry_id(seed_example("weight_change_request"), "orderentriesId", entry_id)


def test_product_import_body_and_headers_are_the_documented_ones(
    connector: KaspiConnector, sandbox: KaspiSandbox
) -> None:
    connector.upload_products([seed_notebook()])
    sent = _last_change(sandbox)
    assert (sent.method, sent.path) == ("POST", "/shop/api/products/import")
    assert sent.header("Content-Type") == "text/plain"
    assert sent.header("Accept") == "application/json"
    assert sent.header("X-Auth-Token") == TOKEN
    assert sent.json() == seed_example("import_request")


def test_order_listing_uses_the_documented_parameters(connector: KaspiConnector, sandbox: KaspiSandbox) -> None:
    order = connector.get_order(_seed_order(sandbox))
    list(connector.list_orders(order.created_at, order.created_at, states=["NEW"], with_lines=False))
    listing = next(r for r in sandbox.requests if r.path == "/shop/api/v2/orders" and "page[size]" in r.query)
    assert set(listing.query) == {
        "page[number]", "page[size]", "filter[orders][state]", "filter[orders][creationDate][$ge]",
        "filter[orders][creationDate][$le]", "include[orders]",
    }
    assert listing.query["include[orders]"] == "user" and listing.query["page[number]"] == "0"
    assert listing.query["filter[orders][creationDate][$ge]"] == str(order.raw["attributes"]["creationDate"])
    assert listing.header("Content-Type") == "application/vnd.api+json"
    by_code = [r for r in sandbox.requests if r.query == {"filter[orders][code]": SEED_CODE}]
    assert by_code and by_code[0].method == "GET"
