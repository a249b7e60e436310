"""Pushing stock and prices: the feeds' rules decide what a listing gets, only what changed since the
last successful push is sent (``--full`` sends all), in the connector's batch size, one refused SKU
never stops the others — against the Prom and Rozetka sandboxes over real HTTP, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from erpsync.marketplaces.base import ShopConfig
from erpsync.marketplaces.http import RetryPolicy
from erpsync.marketplaces.prom import PromConnector
from erpsync.models import SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from erpsync.sandbox.rozetka import RozetkaSandbox
from erpsync.sync.push_stock_prices import push_stock_prices
from erpsync.sync.shops import get_shop, update_shop
from tests.sync.stock_fixtures import (
    StockCatalog,
    listing,
    make_catalog,
    reserve,
    set_price,
    set_stock,
    update_listing,
    update_product,
)

TOKEN = "push-test-token"
SKUS = ["SKU-001", "SKU-002", "SKU-003", "SKU-004", "SKU-005", "SKU-006"]
EDIT = "/api/v1/products/edit_by_external_id"
QUICK = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.02, jitter=0.0)


@pytest.fixture
def prom() -> Iterator[PromSandbox]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as server:
        yield server


@pytest.fixture
def catalog(database: Database, secret_key: str, prom: PromSandbox) -> StockCatalog:
    return make_catalog(database, secret_key, shop="prom-shop", marketplace="prom", base_url=prom.base_url,
                        credentials={"token": TOKEN}, skus=SKUS)


def sent(prom: PromSandbox) -> list[list[str]]:
    """The external ids of each edit request the sandbox received, request by request."""
    return [[item["id"] for item in request.json()] for request in prom.mutating_requests(EDIT)]


def push(database: Database, secret_key: str, shop: str = "prom-shop", **options: object):  # type: ignore[no-untyped-def]
    return push_stock_prices(database, shop, secret_key=secret_key, **options)  # type: ignore[arg-type]


def test_the_first_push_sends_every_listing_then_only_what_changed(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    first = push(database, secret_key)
    assert first.status == "success" and sorted(first.pushed) == SKUS
    assert sent(prom) == [SKUS]
    assert prom.product("SKU-001")["quantity_in_stock"] == 10 and prom.product("SKU-001")["price"] == 100
    pushed = listing(database, catalog, "SKU-001")
    assert pushed.pushed_hash and pushed.pushed_at and pushed.pushed_stock == 10

    prom.clear_requests()
    set_stock(database, catalog, "SKU-002", 1)
    set_stock(database, catalog, "SKU-005", 0, warehouse="SHOP")
    set_price(database, catalog, "SKU-003", "99.90")
    second = push(database, secret_key)
    assert sorted(second.pushed) == ["SKU-002", "SKU-003", "SKU-005"]
    assert [sorted(ids) for ids in sent(prom)] == [["SKU-002", "SKU-003", "SKU-005"]]
    assert (second.counts.fetched, second.counts.skipped, second.counts.updated) == (6, 3, 3)
    assert prom.product("SKU-002")["quantity_in_stock"] == 6
    assert prom.product("SKU-003")["price"] == 99.9

    prom.clear_requests()
    third = push(database, secret_key)
    assert third.pushed == [] and sent(prom) == []  # nothing changed: nothing is sent


def test_a_full_pass_sends_everything_again(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    push(database, secret_key)
    prom.clear_requests()
    full = push(database, secret_key, full=True)
    assert sorted(full.pushed) == SKUS and [sorted(ids) for ids in sent(prom)] == [SKUS]


def test_items_go_in_the_connectors_batch_size(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    shop = ShopConfig("prom-shop", "prom", prom.base_url, {"token": TOKEN})
    with PromConnector(shop, retry=QUICK, rate_limit=False) as connector:
        connector.limits = replace(connector.limits, stock_batch=4)
        report = push(database, secret_key, connector=connector)
    assert len(report.pushed) == 6
    assert [len(ids) for ids in sent(prom)] == [4, 2]


def test_a_refused_sku_is_logged_and_the_others_go_on_and_it_is_tried_again_next_time(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    update_listing(database, catalog, "SKU-004", external_id="NOT-ON-PROM")
    report = push(database, secret_key)
    assert report.status == "partial" and "SKU-004" not in report.pushed and len(report.pushed) == 5
    assert "not found" in report.errors["SKU-004"]
    refused = listing(database, catalog, "SKU-004")
    assert refused.pushed_hash is None and "not found" in (refused.last_error or "")
    with database.session() as session:
        [event] = session.scalars(select(SyncEvent).where(SyncEvent.level == "error"))
        assert event.entity_id == "SKU-004" and event.kind == "stock_prices"
        assert "prom refused stock/price of SKU-004" in event.message
        assert event.payload["item"]["external_id"] == "NOT-ON-PROM"
        run = session.scalar(select(SyncRun).where(SyncRun.id == report.run_id))
        assert run is not None and (run.status, run.updated, run.failed) == ("partial", 5, 1)
    prom.clear_requests()
    prom.add_product("NOT-ON-PROM", price=10)
    again = push(database, secret_key)
    assert again.pushed == ["SKU-004"] and listing(database, catalog, "SKU-004").last_error is None


def test_the_feeds_rules_decide_quantity_presence_and_price(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    with database.session() as session:
        update_shop(session, get_shop(session, "prom-shop"), secret_key=secret_key,
                    settings={"warehouses": ["MAIN"], "zero_stock": "awaiting", "default_quantity": 7})
    reserve(database, catalog, "SKU-001", 2)  # 5 in MAIN − 2 reserved
    set_stock(database, catalog, "SKU-002", 0)  # nothing left in MAIN: awaited
    update_product(database, catalog, "SKU-003", track_stock=False)  # the shop's default quantity
    set_price(database, catalog, "SKU-004", "150", price_type="old")  # crossed out: Prom's discount
    set_price(database, catalog, "SKU-005", "90", scope="prom")  # Prom's own price wins
    push(database, secret_key)
    products = {sku: prom.product(sku) for sku in SKUS}
    assert products["SKU-001"]["quantity_in_stock"] == 3
    assert (products["SKU-002"]["quantity_in_stock"], products["SKU-002"]["presence"]) == (0, "waiting")
    assert products["SKU-003"]["quantity_in_stock"] == 7
    assert (products["SKU-004"]["price"], products["SKU-004"]["discount"]["value"]) == (150, 20)
    assert products["SKU-005"]["price"] == 90 and products["SKU-005"]["discount"] is None
    assert products["SKU-006"]["quantity_in_stock"] == 5  # the SHOP warehouse does not count


def test_listings_the_marketplace_must_not_update_are_left_alone(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    update_listing(database, catalog, "SKU-001", state="moderation")
    update_listing(database, catalog, "SKU-002", state="deleted")
    report = push(database, secret_key)
    assert sorted(report.pushed) == SKUS[2:]
    assert report.counts.extra["not_updatable"] == 2


def test_a_listing_taken_off_sale_is_sent_once_as_unavailable(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    push(database, secret_key)
    update_listing(database, catalog, "SKU-001", upload=False)
    update_product(database, catalog, "SKU-002", is_active=False)
    prom.clear_requests()
    report = push(database, secret_key)
    assert sorted(report.pushed) == ["SKU-001", "SKU-002"]
    [request] = prom.mutating_requests(EDIT)
    assert {i["id"]: (i["quantity_in_stock"], i["presence"], "price" in i) for i in request.json()} == {
        "SKU-001": (0, "not_available", False), "SKU-002": (0, "not_available", False)}
    prom.clear_requests()
    push(database, secret_key)
    assert sent(prom) == []


def test_shops_that_take_no_stock_pushes_are_skipped_with_the_reason(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    with database.session() as session:
        update_shop(session, get_shop(session, "prom-shop"), secret_key=secret_key,
                    settings={"sync_stock_prices": False})
    report = push(database, secret_key)
    assert (report.status, report.message) == ("skipped", "stock and price pushes are off (sync_stock_prices=false)")
    make_catalog(database, secret_key, shop="kz", marketplace="kaspi", base_url="http://127.0.0.1:9",
                 credentials={"token": "t"}, skus=["SKU-001"])
    kaspi = push(database, secret_key, shop="kz")
    assert kaspi.message == "kaspi takes stock and prices from its feed, not through its API"
    assert sent(prom) == []


def test_rozetka_items_are_addressed_by_their_rozetka_ids(database: Database, secret_key: str) -> None:
    credentials = {"username": "seller", "password": "pw"}
    with RozetkaSandbox(credentials=credentials, orders=0, random_seed=1) as rozetka:
        rozetka.add_item(500001, "SKU-001", price=90)
        rozetka.add_item(500002, "SKU-002", price=90)
        catalog = make_catalog(database, secret_key, shop="rz-shop", marketplace="rozetka",
                               base_url=rozetka.base_url, credentials=credentials,
                               skus=["SKU-001", "SKU-002", "SKU-003"],
                               external_ids={"SKU-001": "500001", "SKU-002": "500002", "SKU-003": ""})
        set_price(database, catalog, "SKU-002", "130", price_type="old")
        report = push(database, secret_key, shop="rz-shop")
        assert sorted(report.pushed) == ["SKU-001", "SKU-002"]
        assert "has no Rozetka item id" in report.errors["SKU-003"]
        [update] = rozetka.mutating_requests("/items/mass-update")
        assert update.json()["items"] == [
            {"item_rz_id": 500001, "price": 100, "stock_quantity": 10},
            {"item_rz_id": 500002, "price": 110, "price_old": 130, "stock_quantity": 10}]
        assert (rozetka.item(500002).price, rozetka.item(500002).price_old) == (110, 130)
        assert listing(database, catalog, "SKU-001").pushed_stock == 10
        assert Decimal(str(rozetka.item(500001).price)) == Decimal(100)
