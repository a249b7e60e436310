"""The sandboxes' fault modes (``erpsync.sandbox.base.Faults``): each is injected, counted, shown in
``/_sandbox/state``, and erpsync's HTTP client retries past it — logging every failed attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from erpsync.core.errors import ConfigError, ValidationError
from erpsync.marketplaces.base import Order, ShopConfig
from erpsync.marketplaces.http import FailedAttempt, RetryPolicy, default_timeout, observe_failed_attempts
from erpsync.marketplaces.prom import PromConnector
from erpsync.sandbox.base import FAULT_KINDS, Faults
from erpsync.sandbox.prom import PromSandbox

TOKEN = "sandbox-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FAST_RETRY = RetryPolicy(attempts=12, initial_wait=0.01, max_wait=0.05, jitter=0.0)


def _state(server: PromSandbox) -> dict:
    return httpx.get(f"{server.url}/_sandbox/state").json()


def test_a_reset_closes_the_connection_without_an_answer_and_is_counted() -> None:
    with PromSandbox(orders=1, faults=Faults(reset_rate=1.0)) as server:
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{server.base_url}/orders/list", headers=AUTH, params={"limit": 10})
        assert server.faults_injected["reset"] == 1
        assert _state(server)["faults_injected"]["reset"] == 1  # the test API is never faulted
        assert [r.status for r in server.requests] == [0]


def test_a_slow_answer_comes_after_the_change_was_made_and_past_the_client_timeout() -> None:
    with PromSandbox(orders=1, faults=Faults(slow_rate=1.0, slow_seconds=1.0)) as server:
        order_id = next(iter(server.prom.orders))
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.base_url}/orders/set_status", headers=AUTH, timeout=0.3,
                       json={"ids": [order_id], "status": "received"})
        assert server.order(str(order_id))["status"] == "received"  # applied, though the client gave up
        assert server.faults_injected["slow"] == 1


def test_a_malformed_answer_is_a_successful_json_body_cut_in_half() -> None:
    with PromSandbox(orders=3, faults=Faults(malformed_rate=1.0)) as server:
        answer = httpx.get(f"{server.base_url}/orders/list", headers=AUTH, params={"limit": 10})
        assert answer.status_code == 200 and "json" in answer.headers["content-type"]
        with pytest.raises(ValueError):
            answer.json()
        refused = httpx.get(f"{server.base_url}/orders/list", params={"limit": 10})  # no token: 401 stays whole
        assert refused.status_code == 401 and refused.json()["error"]
        assert server.faults_injected["malformed"] == 1


def test_a_listing_page_may_repeat_an_order_of_the_page_before() -> None:
    with PromSandbox(orders=6, faults=Faults(duplicate_rate=1.0)) as server:
        first = httpx.get(f"{server.base_url}/orders/list", headers=AUTH, params={"limit": 3}).json()["orders"]
        last_id = min(o["id"] for o in first)
        second = httpx.get(f"{server.base_url}/orders/list", headers=AUTH,
                           params={"limit": 3, "last_id": last_id - 1}).json()["orders"]
        assert second[0]["id"] == last_id  # the page before's last order, again
        assert server.faults_injected["duplicate"] == 1  # a first page is never faulted


def test_a_listing_shifts_when_a_new_order_comes_in_while_it_is_read() -> None:
    with PromSandbox(orders=6, faults=Faults(shift_rate=1.0)) as server:
        first = httpx.get(f"{server.base_url}/orders/list", headers=AUTH, params={"limit": 3}).json()["orders"]
        httpx.get(f"{server.base_url}/orders/list", headers=AUTH, params={"limit": 3, "last_id": first[-1]["id"]})
        newest = httpx.get(f"{server.base_url}/orders/list", headers=AUTH, params={"limit": 1}).json()["orders"]
        assert newest[0]["id"] > first[0]["id"]  # at the front
        assert _state(server)["orders"] == 7 and server.faults_injected["shift"] == 1


def test_every_rate_is_checked() -> None:
    with pytest.raises(ValidationError, match="--reset-rate must be between 0 and 1"):
        Faults(reset_rate=1.5)
    with pytest.raises(ValidationError, match="--slow-seconds"):
        Faults(slow_seconds=-1)


def test_the_http_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERPSYNC_HTTP_TIMEOUT", "2.5")
    assert default_timeout().read == 2.5
    monkeypatch.setenv("ERPSYNC_HTTP_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="ERPSYNC_HTTP_TIMEOUT"):
        default_timeout()


def test_the_prom_connector_reads_every_order_once_through_every_fault_and_reports_each_failed_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ERPSYNC_HTTP_TIMEOUT", "0.5")
    faults = Faults(fail_rate=0.1, rate_limit=40, reset_rate=0.1, slow_rate=0.1, slow_seconds=0.8,
                    malformed_rate=0.1, duplicate_rate=0.3, shift_rate=0.3, seed=5)
    with PromSandbox(orders=120, faults=faults, random_seed=3) as server:
        expected = {str(i) for i in server.prom.orders}
        shop = ShopConfig("chaos", "prom", server.base_url, {"token": TOKEN})
        failed: list[FailedAttempt] = []
        now = datetime.now(UTC)
        with observe_failed_attempts(failed.append), \
                PromConnector(shop, retry=FAST_RETRY, rate_limit=False, page_size=10) as connector:
            orders = [o for o in connector.list_orders(now - timedelta(days=11), now) if isinstance(o, Order)]
        injected = server.faults_injected
    ids = [o.external_id for o in orders]
    assert len(ids) == len(set(ids)) and set(ids) == expected  # the shifted-in ones are newer than the window
    assert set(injected) == set(FAULT_KINDS)
    assert injected["duplicate"] and injected["shift"] and injected["reset"] and injected["malformed"]
    by_fault = {kind: sum(1 for a in failed if a.fault == kind)
                for kind in ("server_error", "rate_limited", "connection", "timeout", "malformed")}
    assert by_fault == {"server_error": injected["error"], "rate_limited": injected["rate_limit"],
                        "connection": injected["reset"], "timeout": injected["slow"],
                        "malformed": injected["malformed"]}
    assert all(a.retrying for a in failed)
