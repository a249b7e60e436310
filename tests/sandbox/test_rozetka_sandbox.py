"""The Rozetka sandbox speaks the contract: login with a base64 password, the Bearer token and 401 with
code 5401, the envelope, ``types`` and ``expand``, pages with ``_meta``, statuses an order may move to,
mass updates with refusals by item id and price quarantine, seeding, repeatable data, faults."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from erpsync.sandbox import sandbox_class
from erpsync.sandbox.rozetka import RozetkaSandbox

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "rozetka" / "sandbox"


def _login(base_url: str, username: str = "u", password: str = "p") -> httpx.Response:
    return httpx.post(f"{base_url}/sites", json={"username": username,
                                                 "password": base64.b64encode(password.encode()).decode()})


@pytest.fixture
def rozetka() -> Iterator[tuple[RozetkaSandbox, httpx.Client]]:
    with RozetkaSandbox(credentials={"username": "u", "password": "p"}, orders=0, random_seed=2) as server:
        token = _login(server.base_url).json()["content"]["access_token"]
        client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"})
        yield server, client
        client.close()


def test_rozetka_is_registered_for_the_sandbox_command() -> None:
    assert sandbox_class("rozetka") is RozetkaSandbox


def test_login_needs_the_password_in_base64_and_answers_the_envelope(rozetka) -> None:
    server, _ = rozetka
    refused = _login(server.base_url, password="wrong")
    assert refused.status_code == 200
    assert refused.json() == {"success": False, "errors": {"message": "incorrect_username_pasword", "code": 1020,
                                                           "description": "Неправильний логін або пароль",
                                                           "details": None}}
    plain = httpx.post(f"{server.base_url}/sites", json={"username": "u", "password": "p"})
    assert plain.json()["success"] is False
    assert _login(server.base_url).json()["content"]["market"]["title"] == "sandbox_market"


def test_requests_without_a_valid_token_get_401_with_code_5401(rozetka) -> None:
    server, client = rozetka
    for headers in ({}, {"Authorization": "Bearer forged"}):
        response = httpx.get(f"{server.base_url}/orders/search", headers=headers)
        assert response.status_code == 401
        assert response.json()["errors"]["code"] == 5401 and response.json()["success"] is False
    server.expire_sessions()
    assert client.get("/orders/search").status_code == 401


def test_search_without_types_lists_orders_in_processing_only_and_expand_adds_fields(rozetka) -> None:
    server, client = rozetka
    processing, done = server.add_order(status=26), server.add_order(status=6)
    default = client.get("/orders/search").json()["content"]
    assert [str(o["id"]) for o in default["orders"]] == [processing]
    assert "purchases" not in default["orders"][0]
    every = client.get("/orders/search", params={"types": 1, "expand": "purchases,status_available"}).json()
    orders = {str(o["id"]): o for o in every["content"]["orders"]}
    assert set(orders) == {processing, done}
    assert orders[processing]["purchases"] and [s["child_id"] for s in orders[done]["status_available"]] == []
    assert client.get("/orders/search", params={"types": 9}).json()["errors"]["code"] == 1002


def test_pages_of_twenty_with_meta_and_change_filters(rozetka) -> None:
    server, client = rozetka
    now = datetime.now(UTC)
    for i in range(25):
        server.add_order(created=now - timedelta(minutes=i))
    server.add_order(created=now - timedelta(days=3))
    since = (now - timedelta(hours=1)).astimezone(ZoneInfo("Europe/Kyiv"))
    params = {"types": 1, "changed_from": since.strftime("%Y-%m-%d %H:%M:%S")}
    first = client.get("/orders/search", params={**params, "page": 1}).json()["content"]
    second = client.get("/orders/search", params={**params, "page": 2}).json()["content"]
    assert first["_meta"] == {"totalCount": 25, "pageCount": 2, "currentPage": 1, "perPage": 20}
    assert (len(first["orders"]), len(second["orders"])) == (20, 5)
    bad = client.get("/orders/search", params={"types": 1, "changed_from": "01.02.2025"}).json()
    assert bad["errors"]["message"] == "incorrect_data_format"


def test_status_changes_follow_the_allowed_statuses_and_need_a_ttn_for_3_and_61(rozetka) -> None:
    server, client = rozetka
    order_id = server.add_order(status=1)
    refused = client.put(f"/orders/{order_id}", json={"status": 6}).json()
    assert refused["success"] is False and refused["errors"]["code"] == 1005
    assert client.put(f"/orders/{order_id}", json={"status": 61}).json()["errors"]["code"] == 1001
    assert client.put(f"/orders/{order_id}", json={"status": 26, "seller_comment": "ok"}).json()["content"][
        "status"] == 26
    moved = client.put(f"/orders/{order_id}", json={"status": 2, "ttn": "2045"}).json()["content"]
    assert (moved["status"], moved["ttn"]) == (61, "2045")  # a TTN with 2 moves the order to 61
    assert client.get("/orders/999").status_code == 404


def test_mass_updates_refuse_items_by_id_and_hold_big_price_jumps(rozetka) -> None:
    server, client = rozetka
    answer = client.put("/items/mass-update", json={"isIgnoreCheck": 0, "items": [
        {"item_rz_id": 344560030, "price": 460, "stock_quantity": 9},
        {"item_rz_id": 38221768, "price": 1000},
        {"item_rz_id": 1, "price": 1},
        {"item_rz_id": 38225280, "stock_quantity": -1}]}).json()
    assert answer["success"] is False and set(answer["errors"]) == {"1", "38225280"}
    assert server.item(344560030).price == 460 and server.item(344560030).stock_quantity == 9
    held = server.item(38221768)
    assert (held.price, held.quarantine_price) == (195.0, 1000.0)
    assert client.put("/items/mass-update", json={"items": []}).json()["errors"]["code"] == 1001


def test_a_seed_directory_of_documented_payloads_is_served() -> None:
    with RozetkaSandbox(credentials={"username": "u", "password": "p"}, seed_dir=SEED) as server:
        token = _login(server.base_url).json()["content"]["access_token"]
        client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"})
        orders = client.get("/orders/search", params={"types": 1, "expand": "purchases"}).json()["content"]["orders"]
        assert sorted(o["id"] for o in orders) == [248888186, 248889001]
        assert server.item(344560030).price_offer_id == "7372"
        client.close()


def test_generated_data_is_repeatable_with_a_seed() -> None:
    dumps = []
    for _ in range(2):
        with RozetkaSandbox(orders=5, random_seed=8, now=lambda: datetime(2025, 5, 1, tzinfo=UTC)) as server:
            dumps.append([server.order(str(i)) for i in sorted(server.rozetka.orders)])
    assert dumps[0] == dumps[1] and len(dumps[0]) == 5
