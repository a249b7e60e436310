"""``erpsync stock set|add`` and ``erpsync price set`` against a real database and the Prom sandbox: the
change commits with its outbox messages, the command names the shops that get the push, and the outbox
delivers it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

import erpsync.jobs.kinds  # noqa: F401  (registers the "stock" outbox handler)
from erpsync.core.config import load_settings
from erpsync.models import OutboxMessage, ProductPrice, StockLevel
from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from erpsync.sync.context import RunContext
from erpsync.sync.outbox import deliver_due
from erpsync.sync.push_stock_prices import push_stock_prices
from tests.conftest import Cli
from tests.sync.stock_fixtures import StockCatalog, make_catalog

TOKEN = "cli-stock-token"
EDIT = "/api/v1/products/edit_by_external_id"


@pytest.fixture
def prom() -> Iterator[PromSandbox]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as server:
        yield server


@pytest.fixture
def catalog(database: Database, secret_key: str, prom: PromSandbox) -> StockCatalog:
    catalog = make_catalog(database, secret_key, shop="prom-shop", marketplace="prom", base_url=prom.base_url,
                           credentials={"token": TOKEN}, skus=["SKU-001", "SKU-002"])
    make_catalog(database, secret_key, shop="kz-feed", marketplace="kaspi", base_url="http://127.0.0.1:9",
                 credentials={"token": "t"}, skus=["SKU-001"])
    push_stock_prices(database, "prom-shop", secret_key=secret_key)
    prom.clear_requests()
    return catalog


def stock_messages(database: Database) -> list[str]:
    with database.session() as session:
        return [p["sku"] for p in session.scalars(select(OutboxMessage.payload).where(
            OutboxMessage.kind == "stock", OutboxMessage.state == "pending").order_by(OutboxMessage.id))]


def deliver(database: Database, secret_key: str, tmp_path: Path, shop_id: int) -> None:
    config = load_settings({"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key}, cwd=tmp_path)
    run = RunContext(database, config, "outbox:stock", shop_id, {"kind": "stock"})
    deliver_due(run)
    if run.has_log:
        run.log.finish()


def test_stock_set_names_the_shops_and_the_outbox_pushes_it(
    cli: Cli, database: Database, secret_key: str, tmp_path: Path, prom: PromSandbox, catalog: StockCatalog
) -> None:
    result = cli("stock", "set", "SKU-001", "2", "--warehouse", "MAIN")
    assert "SKU-001 in MAIN: 5 → 2 on hand (7 free in all warehouses)" in result.output
    assert "push queued for prom-shop " in result.output  # the Kaspi shop takes stock from its feed
    assert stock_messages(database) == ["SKU-001"]
    deliver(database, secret_key, tmp_path, catalog.shop_id)
    [request] = prom.mutating_requests(EDIT)
    assert [(i["id"], i["quantity_in_stock"]) for i in request.json()] == [("SKU-001", 7)]


def test_stock_add_takes_units_away_and_never_below_zero(
    cli: Cli, database: Database, catalog: StockCatalog
) -> None:
    result = cli("stock", "add", "SKU-002", "-3", "--warehouse", "SHOP")
    assert "SKU-002 in SHOP: 5 − 3 → 2 on hand (7 free in all warehouses)" in result.output
    result = cli("stock", "add", "SKU-002", "-4", "--warehouse", "SHOP", expect=1)
    assert "SKU-002 in warehouse SHOP: 2 on hand, taking 4 would leave -2; stock cannot go below zero" in result.output
    cli("stock", "add", "SKU-002", "4", "--warehouse", "SHOP")
    with database.session() as session:
        level = session.scalar(select(StockLevel).where(StockLevel.product_id == catalog.products["SKU-002"],
                                                        StockLevel.warehouse_id == catalog.warehouses["SHOP"]))
        assert level is not None and level.quantity == 6
    assert stock_messages(database) == ["SKU-002"]  # three changes, one pending push


def test_stock_errors_name_the_sku_and_the_warehouse(cli: Cli, database: Database, catalog: StockCatalog) -> None:
    result = cli("stock", "set", "SKU-001", "1", expect=1)
    assert "SKU SKU-001 is kept in several warehouses (MAIN, SHOP): say which with --warehouse CODE" in result.output
    result = cli("stock", "set", "SKU-001", "1", "--warehouse", "ATTIC", expect=1)
    assert "SKU SKU-001: no warehouse with code 'ATTIC' (warehouses: MAIN, SHOP)" in result.output
    result = cli("stock", "set", "NOPE", "1", "--warehouse", "MAIN", expect=1)
    assert "no product with SKU 'NOPE'" in result.output
    assert cli("stock", "set", "SKU-001", "-1", expect=2).exit_code == 2  # click refuses a negative quantity
    assert stock_messages(database) == []


def test_price_set_standard_and_marketplace_prices(
    cli: Cli, database: Database, secret_key: str, tmp_path: Path, prom: PromSandbox, catalog: StockCatalog
) -> None:
    result = cli("price", "set", "SKU-002", "149.90")
    assert "SKU-002: standard retail price 110 → 149.90 UAH" in result.output.replace("110.00", "110")
    assert "push queued for prom-shop " in result.output
    result = cli("price", "set", "SKU-001", "99", "--marketplace", "rozetka")
    assert "SKU-001: rozetka's own retail price none → 99 UAH" in result.output
    assert "no push: none of the shops listing SKU-001 (kz-feed, prom-shop) takes this change" in result.output
    result = cli("price", "set", "SKU-001", "250", "--kind", "old", "--shop", "prom-shop")
    assert "SKU-001: prom's own old price none → 250 UAH" in result.output
    assert "this one applies to every prom shop" in result.output
    assert stock_messages(database) == ["SKU-001", "SKU-002"] or stock_messages(database) == ["SKU-002", "SKU-001"]
    deliver(database, secret_key, tmp_path, catalog.shop_id)
    [request] = prom.mutating_requests(EDIT)
    assert Decimal(str({i["id"]: i for i in request.json()}["SKU-002"]["price"])) == Decimal("149.90")
    with database.session() as session:
        scopes = session.execute(select(ProductPrice.scope, ProductPrice.price_type).where(
            ProductPrice.product_id == catalog.products["SKU-001"]).order_by(ProductPrice.scope)).all()
    assert [tuple(row) for row in scopes] == [("base", "retail"), ("prom", "old"), ("rozetka", "retail")]


def test_price_errors(cli: Cli, catalog: StockCatalog) -> None:
    assert "price 'abc' is not a number" in cli("price", "set", "SKU-001", "abc", expect=1).output
    assert "must be a positive amount" in cli("price", "set", "SKU-001", "0", expect=1).output
    assert "give --marketplace or --shop, not both" in cli(
        "price", "set", "SKU-001", "5", "--marketplace", "prom", "--shop", "prom-shop", expect=1).output
    assert "no shop named 'nope'" in cli("price", "set", "SKU-001", "5", "--shop", "nope", expect=1).output
    assert "NOPE" in cli("price", "set", "NOPE", "5", expect=1).output
    assert "marketplace" in cli("price", "set", "SKU-001", "5", "--marketplace", "ebay", expect=1).output
