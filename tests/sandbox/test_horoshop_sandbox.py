"""The Horoshop sandbox speaks the documented contract: POST /api/<function>/ with the token in the body,
the status envelope (HTTP 200 also for refusals), filters and paging of orders/get, logs of updates,
tokens that expire, seeding from Horoshop's own payloads, and the framework's faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from erpsync.core.errors import ValidationError
from erpsync.sandbox import sandbox_class
from erpsync.sandbox.horoshop import HoroshopSandbox
from tests.marketplaces.horoshop.conftest import FIXTURES, LOGIN


@pytest.fixture
def shop() -> Iterator[tuple[HoroshopSandbox, httpx.Client, str]]:
    with HoroshopSandbox(credentials=LOGIN, seed_dir=FIXTURES / "sandbox") as server:
        client = httpx.Client(base_url=server.base_url)
        token = client.post("/auth/", json={"login": LOGIN["username"], "password": LOGIN["password"]}).json()
        yield server, client, token["response"]["token"]
        client.close()


def test_horoshop_is_registered_for_the_sandbox_command() -> None:
    assert sandbox_class("horoshop") is HoroshopSandbox


def test_a_login_answers_a_token_and_a_wrong_one_an_error_envelope(shop) -> None:
    _server, client, token = shop
    assert len(token) == 32
    refused = client.post("/auth/", json={"login": LOGIN["username"], "password": "x"})
    assert refused.status_code == 200
    assert refused.json() == {"status": "ERROR", "response": {"message": "Incorrect login or password"}}


def test_a_call_without_a_valid_token_is_unauthorized(shop) -> None:
    server, client, token = shop
    assert client.post("/orders/get/", json={"token": "forged"}).json()["status"] == "UNAUTHORIZED"
    server.expire_tokens()
    assert client.post("/orders/get/", json={"token": token}).json()["status"] == "UNAUTHORIZED"


def test_orders_filter_by_date_ids_and_status_and_page_with_limit(shop) -> None:
    _server, client, token = shop

    def ids(**body: object) -> list[int]:
        answer = client.post("/orders/get/", json={"token": token, **body}).json()
        return [o["order_id"] for o in answer["response"]["orders"]]

    assert ids() == [7, 1042]
    assert ids(**{"from": "01.04.2021", "to": "2021-04-09"}) == [7]  # date-only bounds take whole days
    assert ids(**{"from": "2024-03-31 23:00:00"}) == [1042]
    assert ids(ids=[1042]) == [1042]
    assert ids(status=[2]) == [7]
    assert ids(offset=1, limit=1) == [1042]
    assert ids(offset=1) == [7, 1042]  # offset works only together with limit
    empty = client.post("/orders/get/", json={"token": token, "status": 3}).json()
    assert empty == {"status": "EMPTY", "response": {"orders": []}}


def test_updates_answer_a_log_per_record_and_state_sticks(shop) -> None:
    server, client, token = shop
    answer = client.post("/orders/update/", json={"token": token, "orders": [
        {"order_id": 7, "status": 3}, {"order_id": 1042, "status": 3123}, {"order_id": 5, "status": 1}]}).json()
    assert answer["status"] == "WARNING"
    assert [entry["status"] for entry in answer["response"]["log"]] == ["OK", "ERROR", "ERROR"]
    assert answer["response"]["log"][1]["message"] == "status is not defined or defined incorrectly"
    assert server.order(7)["stat_status"] == 3
    residues = client.post("/catalog/importResidues/", json={"token": token, "products": [
        {"article": "MF-2010", "warehouse": "office", "quantity": 9},
        {"article": "MF-2010", "warehouse": "shop-2", "quantity": 1}]}).json()
    assert [e["status"] for e in residues["response"]["log"]] == ["OK", "ERROR"]
    assert server.catalog["MF-2010"]["residues"] == {"office": 9}


def test_an_unknown_function_and_a_body_that_is_not_json(shop) -> None:
    _server, client, token = shop
    assert client.post("/orders/delete/", json={"token": token}).json()["status"] == "UNDEFINED_FUNCTION"
    broken = client.post("/orders/get/", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.json()["status"] == "HTTP_ERROR"


def test_generated_orders_are_repeatable_with_a_random_seed() -> None:
    first = HoroshopSandbox(orders=5, random_seed=3)
    second = HoroshopSandbox(orders=5, random_seed=3)
    strip = [{k: v for k, v in o.items() if k != "stat_created"} for o in first.orders.values()]
    assert strip == [{k: v for k, v in o.items() if k != "stat_created"} for o in second.orders.values()]
    assert first.state()["orders"] == 5


def test_a_seed_with_an_order_without_id_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "bad.json").write_text('[{"stat_status": 1}]', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"bad.json: every order needs an order_id"):
        HoroshopSandbox(seed_dir=tmp_path)
