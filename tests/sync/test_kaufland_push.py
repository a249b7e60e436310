"""Kaufland push notifications end to end over HTTP: the shop subscribes through the sandbox, the sandbox
posts signed notifications to the web app, the web app verifies, logs and starts the order import; an
unsigned or wrongly signed request is refused and nothing is run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from erpsync.marketplaces.kaufland import signing
from erpsync.models import SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sync.kaufland_push import ORDERS_JOB, PushRefused, push_url, receive_notification, subscribe_shop
from tests.sync.kaufland_env import CREDENTIALS, QUICK, SHOP, add_kaufland_shop, kaufland_sandbox, web_app

SECRET = CREDENTIALS["secret_key"]


def _push_runs(database: Database) -> list[SyncRun]:
    with database.session() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.kind == "kaufland_push").order_by(SyncRun.id)))


def _events(database: Database, run_id: int) -> list[SyncEvent]:
    with database.session() as session:
        return list(session.scalars(select(SyncEvent).where(SyncEvent.run_id == run_id)))


def _signed_post(
    url: str, body: dict[str, object], secret: str = SECRET, *, stamp: int | None = None
) -> httpx.Response:
    text = json.dumps(body)
    stamp = int(time.time()) if stamp is None else stamp
    headers = {"Content-Type": "application/json", "Shop-Timestamp": str(stamp),
               "Shop-Signature": signing.sign(secret, "POST", url, text, stamp)}
    return httpx.post(url, content=text.encode(), headers=headers)


def test_subscribing_registers_the_shops_push_url_which_answers_kauflands_check(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    with kaufland_sandbox() as sandbox, web_app(database, secret_key, tmp_path) as app:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url)
        subscriptions = subscribe_shop(database, secret_key, SHOP, app.url, "ops@example.de", retry=QUICK)
        assert {s.event_name for s in subscriptions} == {"order_new", "order_unit_status_changed", "return_new"}
        assert {s.callback_url for s in subscriptions} == {push_url(app.url, shop)}
        assert f"/push/kaufland/{shop.feed_token}" in subscriptions[0].callback_url
        assert httpx.get(f"{app.url}/push/kaufland/not-a-token", params={"mode": "subscribe",
                                                                          "challenge": "x"}).status_code == 404


def test_a_new_order_on_kaufland_reaches_the_web_app_signed_and_asks_for_the_order_import(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    with kaufland_sandbox() as sandbox, web_app(database, secret_key, tmp_path) as app:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url)
        subscribe_shop(database, secret_key, SHOP, app.url, "ops@example.de", ["order_new"], retry=QUICK)
        order_id = sandbox.add_order(units=[{"id_offer": "SKU-1", "price": 999}])
        [delivery] = sandbox.wait_for_deliveries(1)
        assert delivery.status == 204
        [run] = _push_runs(database)
        assert run.status == "success" and run.shop_id == shop.id
        [event] = _events(database, run.id)
        assert (event.entity_type, event.entity_id) == ("order", order_id)
        assert event.message == f"order_new /v2/orders/{order_id}/ → {ORDERS_JOB}"
        assert event.payload["event_name"] == "order_new"


@pytest.mark.parametrize("how", ["no signature", "another secret", "replayed an hour later"])
def test_a_request_without_a_valid_signature_is_refused_logged_and_not_processed(
        database: Database, secret_key: str, tmp_path: Path, how: str) -> None:
    with kaufland_sandbox() as sandbox, web_app(database, secret_key, tmp_path) as app:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url)
        url = push_url(app.url, shop)
        body = {"event_name": "order_new", "resource": "/v2/orders/FORGED1/", "storefront": "de",
                "id_message": "m1"}
        if how == "no signature":
            answer = httpx.post(url, json=body)
        elif how == "another secret":
            answer = _signed_post(url, body, secret="guessed")
        else:
            answer = _signed_post(url, body, stamp=int(time.time()) - 3600)
        assert answer.status_code == 401
        [run] = _push_runs(database)
        assert run.status == "failed" and run.message.startswith("refused:")
        [event] = _events(database, run.id)
        assert event.level == "warning" and "FORGED1" not in event.message
        assert event.payload["headers"].get("Shop-Signature", "****") == "****"


def test_a_signed_body_that_is_no_notification_is_a_400_and_logged(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    with kaufland_sandbox() as sandbox, web_app(database, secret_key, tmp_path) as app:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url)
        answer = _signed_post(push_url(app.url, shop), {"hello": "world"})
        assert answer.status_code == 400
        [run] = _push_runs(database)
        assert run.status == "failed" and "unreadable" in run.message


def test_events_that_need_no_import_are_logged_only(database: Database, secret_key: str) -> None:
    with kaufland_sandbox() as sandbox:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url)
    url = "https://erp.example.com" + f"/push/kaufland/{shop.feed_token}"
    body = json.dumps({"event_name": "item_unit_changed", "resource": "/v2/units/42/", "storefront": "de"}).encode()
    stamp = int(time.time())
    headers = {"Shop-Timestamp": str(stamp), "Shop-Signature": signing.sign(SECRET, "POST", url, body.decode(), stamp)}
    received = receive_notification(database, secret_key, shop.feed_token, [url], body, headers)
    assert received.job is None and received.notification.resource_id("units") == "42"
    with pytest.raises(PushRefused):
        receive_notification(database, secret_key, shop.feed_token, ["https://elsewhere.example/x"], body, headers)


def test_a_disabled_shop_has_no_push_endpoint(database: Database, secret_key: str, tmp_path: Path) -> None:
    from erpsync.sync.shops import update_shop

    with kaufland_sandbox() as sandbox, web_app(database, secret_key, tmp_path) as app:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url)
        with database.session() as session:
            from erpsync.sync.shops import get_shop

            update_shop(session, get_shop(session, SHOP), secret_key=secret_key, enabled=False)
        answer = _signed_post(push_url(app.url, shop), {"event_name": "order_new"})
        assert answer.status_code == 404
        assert _push_runs(database) == []
