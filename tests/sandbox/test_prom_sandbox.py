"""The Prom / Satu sandbox speaks the contract: paths under /api/v1, the Bearer token, Prom's error body,
``last_id`` paging and limits, state that changes, seeding from real-format files, repeatable data,
faults, and the record of what it received."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from erpsync.core.errors import ValidationError
from erpsync.sandbox import sandbox_class
from erpsync.sandbox.base import Faults
from erpsync.sandbox.prom import PromSandbox

TOKEN = "prom-sandbox-token"
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "prom" / "sandbox"
ERPSYNC = str(Path(sys.executable).with_name("erpsync"))


@pytest.fixture
def prom() -> Iterator[tuple[PromSandbox, httpx.Client]]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as server:
        client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"})
        yield server, client
        client.close()


def test_prom_and_satu_are_served_by_one_sandbox() -> None:
    assert sandbox_class("prom") is PromSandbox and sandbox_class("satu") is PromSandbox
    with pytest.raises(ValidationError, match="plays prom, satu, not kaspi"):
        PromSandbox(marketplace="kaspi")


def test_a_missing_or_wrong_token_gets_401_with_proms_error_body(prom) -> None:
    server, _ = prom
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}):
        response = httpx.get(f"{server.base_url}/orders/list", headers=headers)
        assert response.status_code == 401
        assert list(response.json()) == ["error"]


def test_orders_come_newest_first_within_limit_and_last_id(prom) -> None:
    server, client = prom
    ids = [int(server.add_order()) for _ in range(5)]
    first = client.get("/orders/list", params={"limit": 2}).json()["orders"]
    assert [o["id"] for o in first] == sorted(ids, reverse=True)[:2]
    rest = client.get("/orders/list", params={"limit": 100, "last_id": first[-1]["id"]}).json()["orders"]
    assert [o["id"] for o in rest] == sorted(ids, reverse=True)[1:]  # ids no higher than last_id
    for limit in (0, 101, "x"):
        refused = client.get("/orders/list", params={"limit": limit})
        assert refused.status_code == 400 and "limit" in refused.json()["error"]


def test_date_filters_apply_to_creation_and_last_change(prom) -> None:
    server, client = prom
    now = datetime.now(UTC)
    old = server.add_order(created=now - timedelta(days=3))
    new = server.add_order(created=now - timedelta(hours=1))
    since = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    listed = client.get("/orders/list", params={"date_from": since}).json()["orders"]
    assert [str(o["id"]) for o in listed] == [new]
    client.post("/orders/set_status", json={"status": "received", "ids": [int(old)]})
    changed = client.get("/orders/list", params={"last_modified_from": since}).json()["orders"]
    assert {str(o["id"]) for o in changed} == {old, new}
    assert client.get("/orders/list", params={"date_from": "yesterday"}).status_code == 400


def test_status_changes_stick_and_refusals_are_proms(prom) -> None:
    server, client = prom
    order_id = int(server.add_order())
    answer = client.post("/orders/set_status", json={"status": "canceled", "ids": [order_id, 1],
                                                      "cancellation_reason": "duplicate"})
    assert answer.json() == {"processed_ids": [order_id]}
    assert client.get(f"/orders/{order_id}").json()["order"]["status"] == "canceled"
    cases = [
        ({"status": "canceled", "ids": [order_id]}, "cancellation_reason is required"),
        ({"status": "canceled", "ids": [order_id], "cancellation_reason": "another"}, "cancellation_text is required"),
        ({"status": "draft", "ids": [order_id]}, "Unknown or unsettable status"),
        ({"status": "received", "ids": [str(order_id)]}, "ids must be a non-empty list"),
    ]
    for body, message in cases:
        refused = client.post("/orders/set_status", json=body)
        assert refused.status_code == 400 and message in refused.json()["error"], body
    assert client.post("/orders/set_status", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


def test_waybills_and_product_edits_change_the_state(prom) -> None:
    server, client = prom
    order_id = int(server.add_order())
    assert client.post("/delivery/save_declaration_id", json={
        "order_id": order_id, "declaration_id": "2045", "delivery_type": "meest"}).json() == {"status": "success"}
    assert server.state()["waybills"] == {str(order_id): "2045"}
    assert client.post("/delivery/save_declaration_id", json={
        "order_id": order_id, "declaration_id": "2045", "delivery_type": "dhl"}).json()["status"] == "error"
    answer = client.post("/products/edit_by_external_id", json=[
        {"id": "SKU-001", "quantity_in_stock": 5, "presence": "available"},
        {"id": "SKU-002", "discount": {"value": 10, "type": "amount", "date_start": "2025-01-01",
                                       "date_end": "2025-02-01"}}]).json()
    assert answer["processed_ids"] == ["SKU-001"]
    assert "dd.mm.yyyy" in answer["errors"]["SKU-002"]["discount"]
    assert server.product("SKU-001")["quantity_in_stock"] == 5
    too_many = [{"id": f"SKU-{i}", "presence": "available"} for i in range(101)]
    assert client.post("/products/edit_by_external_id", json=too_many).status_code == 400
    assert [r.path for r in server.mutating_requests()] == [
        "/api/v1/delivery/save_declaration_id", "/api/v1/delivery/save_declaration_id",
        "/api/v1/products/edit_by_external_id", "/api/v1/products/edit_by_external_id"]


def test_a_seed_directory_of_real_payloads_is_served_as_is() -> None:
    with PromSandbox(credentials={"token": TOKEN}, seed_dir=SEED) as server:
        client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"})
        orders = client.get("/orders/list").json()["orders"]
        assert [o["id"] for o in orders] == [338390710, 332345434]
        assert orders[1]["status"] == "custom-137639"
        options = client.get("/delivery_options/list").json()["delivery_options"]
        assert [o["id"] for o in options] == [18781193, 13013934, 2]
        assert server.product("B43N1")["quantity_in_stock"] == 7
        client.close()
    with pytest.raises(ValidationError, match="no Prom payload files found"):
        PromSandbox(seed_dir=SEED.parent / "nothing-here")


def test_generated_data_is_repeatable_with_a_seed() -> None:
    states = []
    for _ in range(2):
        with PromSandbox(orders=6, random_seed=11, now=lambda: datetime(2025, 5, 1, tzinfo=UTC)) as server:
            states.append([server.order(str(i)) for i in sorted(server.prom.orders)])
    assert states[0] == states[1] and len(states[0]) == 6


def test_injected_faults_answer_500_and_429_with_retry_after() -> None:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, faults=Faults(rate_limit=2)) as server:
        client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"})
        statuses = [client.get("/orders/list").status_code for _ in range(3)]
        assert statuses[:2] == [200, 200] and statuses[2] == 429
        server.fail_next()
        failed = httpx.get(f"{server.url}/api/v1/delivery_options/list")
        assert failed.status_code == 500 and "injected" in failed.json()["error"]
        client.close()


def test_the_sandbox_command_serves_satu_on_the_printed_url() -> None:
    command = [ERPSYNC, "sandbox", "satu", "--port", "0", "--token", "kz-token", "--orders", "2", "--random-seed", "3"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        match = re.search(r"sandbox serving (http://127\.0\.0\.1:\d+/api/v1)", process.stdout.readline())
        assert match
        base_url = match.group(1)
        assert "--marketplace satu" in process.stdout.readline()
        state = httpx.get(base_url.replace("/api/v1", "/_sandbox/state")).json()
        assert (state["marketplace"], state["orders"]) == ("satu", 2)
        [order] = httpx.get(f"{base_url}/orders/list", params={"limit": 1},
                            headers={"Authorization": "Bearer kz-token"}).json()["orders"]
        assert order["price"].endswith("₸")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert process.returncode == 0
