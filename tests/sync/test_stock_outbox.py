"""Change-driven pushes of one product: a stock or price change queues a ``stock`` outbox message for
every shop that lists the product and takes pushes; its delivery sends exactly that product, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

import erpsync.jobs.kinds  # noqa: F401  (registers the "stock" outbox handler)
from erpsync.core.config import Settings, load_settings
from erpsync.models import Order, OutboxMessage
from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from erpsync.sync.context import RunContext
from erpsync.sync.order_import import import_orders
from erpsync.sync.order_status import set_order_status
from erpsync.sync.outbox import deliver_due
from erpsync.sync.push_stock_prices import push_stock_prices, queue_stock_push
from tests.sync.stock_fixtures import StockCatalog, make_catalog, set_stock, update_listing

TOKEN = "outbox-token"
EDIT = "/api/v1/products/edit_by_external_id"
MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


@pytest.fixture
def prom() -> Iterator[PromSandbox]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as server:
        yield server


@pytest.fixture
def config(database: Database, secret_key: str, tmp_path: Path) -> Settings:
    return load_settings({"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key}, cwd=tmp_path)


@pytest.fixture
def catalog(database: Database, secret_key: str, prom: PromSandbox) -> StockCatalog:
    catalog = make_catalog(database, secret_key, shop="prom-shop", marketplace="prom", base_url=prom.base_url,
                           credentials={"token": TOKEN}, skus=["SKU-001", "SKU-002", "SKU-003"])
    push_stock_prices(database, "prom-shop", secret_key=secret_key)
    prom.clear_requests()
    return catalog


def deliver(database: Database, config: Settings, shop_id: int) -> dict[str, int]:
    run = RunContext(database, config, "outbox:stock", shop_id, {"kind": "stock"})
    result = deliver_due(run)
    if run.has_log:
        run.log.finish()
    return result


def change_stock(database: Database, catalog: StockCatalog, sku: str, quantity: int) -> list[int]:
    """The accounting side changing stock: the change and its outbox message in one transaction."""
    set_stock(database, catalog, sku, quantity)
    with database.session() as session:
        return queue_stock_push(session, catalog.products[sku])


def test_a_stock_change_reaches_the_marketplace_through_the_outbox_alone(
    database: Database, config: Settings, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    first = change_stock(database, catalog, "SKU-002", 1)
    again = change_stock(database, catalog, "SKU-002", 0)
    assert first == again  # pending changes of one product coalesce
    summary = deliver(database, config, catalog.shop_id)
    assert (summary["delivered"], summary["failed"]) == (1, 0)
    [request] = prom.mutating_requests(EDIT)
    assert [(i["id"], i["quantity_in_stock"]) for i in request.json()] == [("SKU-002", 5)]
    with database.session() as session:
        message = session.get(OutboxMessage, first[0])
        assert message is not None and message.state == "done" and message.delivered_at is not None


def test_only_shops_listing_the_product_and_taking_pushes_get_a_message(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    make_catalog(database, secret_key, shop="kz", marketplace="kaspi", base_url="http://127.0.0.1:9",
                 credentials={"token": "t"}, skus=["SKU-001"])
    ids = change_stock(database, catalog, "SKU-001", 2)
    with database.session() as session:
        shops = session.scalars(select(OutboxMessage.shop_id).where(OutboxMessage.id.in_(ids))).all()
    assert shops == [catalog.shop_id]
    assert change_stock(database, catalog, "SKU-003", 2) != []


def test_a_product_the_marketplace_refuses_fails_its_message_for_good(
    database: Database, config: Settings, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    update_listing(database, catalog, "SKU-003", external_id="GONE")
    [message_id] = change_stock(database, catalog, "SKU-003", 1)
    summary = deliver(database, config, catalog.shop_id)
    assert summary["failed"] == 1
    with database.session() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None and message.state == "failed"
        assert "SKU-003: id: Product with this external_id not found" in (message.last_error or "")


def test_an_unchanged_product_is_delivered_without_a_request(
    database: Database, config: Settings, prom: PromSandbox, catalog: StockCatalog
) -> None:
    with database.session() as session:
        [message_id] = queue_stock_push(session, catalog.products["SKU-001"])
    assert deliver(database, config, catalog.shop_id)["delivered"] == 1
    assert prom.mutating_requests(EDIT) == []
    with database.session() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None and message.state == "done"


def test_an_order_reserving_stock_and_its_cancellation_push_the_free_stock(
    database: Database, config: Settings, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    order_id = prom.add_order(lines=[("SKU-002", 3)])
    import_orders(database, "prom-shop", secret_key=secret_key, mappings_dir=MAPPINGS)
    with database.session() as session:
        queued = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == "stock")).all()
    assert [p["sku"] for p in queued] == ["SKU-002"]
    deliver(database, config, catalog.shop_id)
    [request] = prom.mutating_requests(EDIT)
    assert [(i["id"], i["quantity_in_stock"]) for i in request.json()] == [("SKU-002", 7)]  # 10 on hand, 3 held

    with database.session() as session:
        order = session.scalar(select(Order).where(Order.external_id == order_id))
        set_order_status(session, order, "cancelled", "anna", mappings_dir=MAPPINGS)
    deliver(database, config, catalog.shop_id)
    assert [(i["id"], i["quantity_in_stock"]) for i in prom.mutating_requests(EDIT)[-1].json()] == [("SKU-002", 10)]
