"""The Kaspi sandbox speaks the contract: paths, headers, JSON:API envelopes, Kaspi's refusals, state
that changes, the completion code, seeding from real-format files, repeatable data and faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from erpsync.core.errors import ValidationError
from erpsync.marketplaces.base import OrderRef
from erpsync.sandbox import sandbox_class
from erpsync.sandbox.base import Faults
from erpsync.sandbox.kaspi import KaspiSandbox
from tests.marketplaces.kaspi.conftest import FIXTURES, TOKEN, make_connector, seed_example

NOW = datetime.now(UTC)
JSONAPI = "application/vnd.api+json"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _listing(**extra: object) -> dict[str, object]:
    params: dict[str, object] = {
        "page[number]": 0,
        "page[size]": 10,
        "filter[orders][state]": "NEW",
        "filter[orders][creationDate][$ge]": _ms(NOW - timedelta(days=2)),
        "filter[orders][creationDate][$le]": _ms(NOW),
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


@pytest.fixture
def kaspi() -> Iterator[tuple[KaspiSandbox, httpx.Client]]:
    with KaspiSandbox(credentials={"token": TOKEN}, orders=0) as server:
        client = httpx.Client(base_url=server.url, headers={"X-Auth-Token": TOKEN, "Content-Type": JSONAPI})
        yield server, client
        client.close()


def test_kaspi_is_registered_for_the_sandbox_command() -> None:
    assert sandbox_class("kaspi") is KaspiSandbox
    with pytest.raises(ValidationError, match=r"no sandbox for 'ebay' \(sandboxes: .*kaspi"):
        sandbox_class("ebay")


def test_listing_answers_a_jsonapi_document_with_meta_and_included_users(kaspi) -> None:
    server, client = kaspi
    order_id = server.add_order(customer=1)
    response = client.get("/shop/api/v2/orders", params=_listing(**{"include[orders]": "user"}))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JSONAPI)
    body = response.json()
    assert body["meta"] == {"pageCount": 1, "totalCount": 1}
    [order] = body["data"]
    assert order["type"] == "orders" and order["id"] == order_id
    assert order["links"]["self"] == f"{server.base_url}/orders/{order_id}"
    assert order["relationships"]["entries"]["links"]["related"] == f"{server.base_url}/orders/{order_id}/entries"
    user = order["relationships"]["user"]["data"]
    assert body["included"] == [
        {"type": "customers", "id": user["id"], "attributes": {"firstName": "Ержан", "lastName": "Касымов",
                                                                "cellPhone": "7772345678"},
         "relationships": {}, "links": {"self": f"{server.base_url}/customers/{user['id']}"}}
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"page[size]": None}, "Required parameter page[size] is missing."),
        ({"page[number]": None}, "Required parameter page[number] is missing."),
        ({"page[size]": 101}, "page[size] must be from 1 to 100 and page[number] from 0"),
        ({"filter[orders][creationDate][$ge]": None}, "Required filter [orders][creationDate][$ge] is empty."),
        (
            {"filter[orders][creationDate][$ge]": _ms(NOW - timedelta(days=15))},
            "The period of filter [orders][creationDate] must not exceed 14 days.",
        ),
    ],
)
def test_listing_refusals_are_400_with_a_jsonapi_errors_body(kaspi, change: dict, message: str) -> None:
    _, client = kaspi
    response = client.get("/shop/api/v2/orders", params=_listing(**change))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(JSONAPI)
    assert response.json() == {"errors": [{"title": message}]}


def test_a_wrong_or_missing_token_is_401_everywhere(kaspi) -> None:
    server, _ = kaspi
    for headers in ({"X-Auth-Token": "wrong"}, {}):
        for path in ("/shop/api/v2/orders", "/shop/api/products/classification/categories"):
            response = httpx.get(f"{server.url}{path}", params=_listing(), headers=headers)
            assert response.status_code == 401
            assert "token" in response.json()["errors"][0]["title"]


def test_a_status_change_sticks_and_a_forbidden_one_is_400(kaspi) -> None:
    server, client = kaspi
    order_id = server.add_order()
    code = server.order(order_id).code
    attributes = {"code": code, "status": "ACCEPTED_BY_MERCHANT"}
    accept = {"data": {"type": "orders", "id": order_id, "attributes": attributes}}
    answer = client.post("/shop/api/v2/orders", json=accept)
    assert answer.status_code == 200
    assert answer.json()["data"]["attributes"] == {"code": code, "status": "ACCEPTED_BY_MERCHANT"}
    assert answer.json()["data"]["relationships"]["user"]["data"] is None  # as in the seed's answers
    reread = client.get(f"/shop/api/v2/orders/{order_id}").json()["data"]["attributes"]
    assert (reread["status"], reread["state"]) == ("ACCEPTED_BY_MERCHANT", "PICKUP")
    again = client.post("/shop/api/v2/orders", json=accept)
    assert again.status_code == 400
    assert again.json()["errors"][0]["title"] == (
        f"Order {code} is ACCEPTED_BY_MERCHANT; ACCEPTED_BY_MERCHANT is allowed only from APPROVED_BY_BANK"
    )


def test_changes_without_the_jsonapi_content_type_are_415(kaspi) -> None:
    server, client = kaspi
    order_id = server.add_order()
    body = {"data": {"type": "orders", "id": order_id, "attributes": {"status": "ACCEPTED_BY_MERCHANT"}}}
    refused = client.post("/shop/api/v2/orders", json=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 415
    assert refused.json()["errors"][0]["title"] == "Content-Type must be application/vnd.api+json, got application/json"
    assert server.order(order_id).status == "APPROVED_BY_BANK"


def test_completion_code_is_sent_once_then_checked(kaspi) -> None:
    server, client = kaspi
    order_id = server.add_order(status="ACCEPTED_BY_MERCHANT")
    body = {"data": {"type": "orders", "id": order_id, "attributes": {"status": "COMPLETED"}}}
    refused = client.post("/shop/api/v2/orders", json=body, headers={"X-Security-Code": ""})
    assert refused.status_code == 400 and "X-Send-Code" in refused.json()["errors"][0]["title"]
    sent = client.post("/shop/api/v2/orders", json=body, headers={"X-Security-Code": "", "X-Send-Code": "true"})
    assert sent.status_code == 200
    code = client.get("/_sandbox/codes").json()[order_id]
    assert server.messages[-1].endswith(f"SMS code {code} sent to the buyer of order {server.order(order_id).code} "
                                        f"(id {order_id})")
    wrong = client.post("/shop/api/v2/orders", json=body, headers={"X-Security-Code": "x", "X-Send-Code": "true"})
    assert wrong.json() == {"errors": [{"title": "Security code is not valid. And the order cannot be completed "
                                                 "without it"}]}
    done = client.post("/shop/api/v2/orders", json=body, headers={"X-Security-Code": code, "X-Send-Code": "true"})
    assert done.status_code == 200 and server.order(order_id).status == "COMPLETED"
    twice = client.post("/shop/api/v2/orders", json=body, headers={"X-Security-Code": code, "X-Send-Code": "true"})
    assert twice.json()["errors"][0]["title"] == "Order already has been completed, so it can't be completed again."


def test_every_mutating_request_is_recorded_and_the_test_api_masks_the_token(kaspi) -> None:
    server, client = kaspi
    order_id = server.add_order()
    client.get("/shop/api/v2/orders", params=_listing())
    client.post("/shop/api/v2/orders", json={"data": {"type": "orders", "id": order_id,
                                                      "attributes": {"status": "ACCEPTED_BY_MERCHANT"}}})
    client.post("/shop/api/v2/orders", json={"data": {"type": "orders", "id": order_id,
                                                      "attributes": {"status": "BOGUS"}}})
    assert [(r.method, r.status) for r in server.mutating_requests("/shop/api/v2/orders")] == [("POST", 200),
                                                                                               ("POST", 400)]
    listed = client.get("/_sandbox/requests", params={"mutating": 1}).json()
    assert len(listed) == 2 and listed[0]["headers"]["X-Auth-Token"] == "****"
    assert client.get("/_sandbox/state").json()["statuses"] == {"ACCEPTED_BY_MERCHANT": 1}


def test_seeded_from_the_seed_examples_it_serves_them_back(tmp_path: Path) -> None:
    with KaspiSandbox(credentials={"token": TOKEN}, seed_dir=FIXTURES / "sandbox") as server:
        client = httpx.Client(base_url=server.url, headers={"X-Auth-Token": TOKEN})
        by_code = client.get("/shop/api/v2/orders", params={"filter[orders][code]": "ordercode"}).json()
        assert {o["id"] for o in by_code["data"]} == {"orderId", "orderID"}
        seeded = next(o for o in by_code["data"] if o["id"] == "orderId")
        assert seeded["attributes"] == seed_example("order_by_code")["data"][0]["attributes"]
        entries = client.get("/shop/api/v2/orders/orderId/entries").json()["data"]
        assert [e["attributes"] for e in entries] == [e["attributes"] for e in seed_example("entries")["data"]]
        product = client.get("/shop/api/v2/orderentries/orderentriesId/product").json()
        assert product == seed_example("entry_product")
        values = client.get("/shop/api/products/classification/attribute/values", params={
            "c": "Master - Exercise notebooks", "a": "Exercise notebooks*Obsie harakteristiki.exercise notebooks*cover",
        }).json()
        assert values == seed_example("attribute_values")
        client.close()
        with make_connector(server.base_url) as connector:
            order = connector.get_order(OrderRef("orderId", "ordercode"))
    assert order.created_at == datetime(2024, 1, 30, 9, 56, 53, 252000, tzinfo=UTC)
    [line] = order.lines
    assert (line.sku, line.quantity, line.extra["point_of_service"]) == ("103403297", 2, "PP1")


def test_a_broken_seed_directory_is_named_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "orders" / "missing").mkdir(parents=True)
    (tmp_path / "orders" / "missing" / "entries.json").write_text('{"data": []}')
    with pytest.raises(ValidationError, match=r"entries.json: there is no order missing"):
        KaspiSandbox(seed_dir=tmp_path)
    (tmp_path / "orders" / "list.json").write_text('{"data": [\n{"id": "x",}]}')
    with pytest.raises(ValidationError, match=r"list.json: line 2: not valid JSON"):
        KaspiSandbox(seed_dir=tmp_path)


def test_generated_data_and_injected_faults_repeat_with_the_same_seed() -> None:
    fixed = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def run() -> tuple[list[str], list[int]]:
        faults = Faults(fail_rate=0.5, seed=11)
        with KaspiSandbox(credentials={"token": TOKEN}, random_seed=5, now=lambda: fixed, faults=faults) as server:
            codes = sorted(o.code for o in server.kaspi.orders.values())
            with httpx.Client(base_url=server.url, headers={"X-Auth-Token": TOKEN}) as client:
                statuses = [client.get("/shop/api/products/classification/categories").status_code for _ in range(12)]
        return codes, statuses

    first, second = run(), run()
    assert first == second
    codes, statuses = first
    assert len(codes) == KaspiSandbox.default_orders
    assert {500, 200} == set(statuses)


def test_generated_orders_span_more_than_one_window_and_every_state() -> None:
    with KaspiSandbox(orders=30, random_seed=3) as server:
        orders = list(server.kaspi.orders.values())
    ages = [NOW - datetime.fromtimestamp(o.attributes["creationDate"] / 1000, UTC) for o in orders]
    assert max(ages) > timedelta(days=14)
    assert {o.attributes["state"] for o in orders} == {"NEW", "PICKUP", "DELIVERY", "KASPI_DELIVERY", "ARCHIVE"}
    assert all(o.entries for o in orders)


def test_beyond_the_rate_limit_it_answers_429_with_retry_after() -> None:
    server = KaspiSandbox(credentials={"token": TOKEN}, orders=0, faults=Faults(rate_limit=3))
    with server, httpx.Client(base_url=server.url, headers={"X-Auth-Token": TOKEN}) as client:
        answers = [client.get("/shop/api/products/classification/categories") for _ in range(5)]
    limited = [a for a in answers if a.status_code == 429]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200] and limited
    assert all(int(a.headers["Retry-After"]) >= 1 for a in limited)


def test_the_connector_rides_out_a_rate_limited_sandbox() -> None:
    with KaspiSandbox(credentials={"token": TOKEN}, orders=0, faults=Faults(rate_limit=4)) as server:
        for _ in range(3):
            server.add_order()
        with make_connector(server.base_url) as connector:
            listed = list(connector.list_orders(NOW - timedelta(days=1), NOW, states=["NEW"]))
        statuses = [r.status for r in server.requests]
    assert len(listed) == 3 and all(order.lines for order in listed)
    assert 429 in statuses and statuses[-1] == 200
