"""The automatic outbox of stock and prices: a change made through erpsync's sessions by plain ORM code
(no call to queue anything) writes the ``stock`` messages of the shops it concerns in its own
transaction, and the outbox delivers it to the marketplace once."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

import erpsync.jobs.kinds  # noqa: F401  (registers the "stock" outbox handler)
from erpsync.core.config import Settings, load_settings
from erpsync.models import OutboxMessage, Product, ProductPrice, Shop, StockLevel
from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from erpsync.sync.context import RunContext
from erpsync.sync.outbox import deliver_due
from erpsync.sync.push_stock_prices import push_stock_prices
from tests.sync.stock_fixtures import StockCatalog, make_catalog, reserve, set_price, set_stock, update_product

TOKEN = "changes-token"
EDIT = "/api/v1/products/edit_by_external_id"


@pytest.fixture
def prom() -> Iterator[PromSandbox]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as server:
        yield server


@pytest.fixture
def config(database: Database, secret_key: str, tmp_path: Path) -> Settings:
    return load_settings({"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key}, cwd=tmp_path)


def prom_catalog(database: Database, secret_key: str, prom: PromSandbox, **settings: object) -> StockCatalog:
    catalog = make_catalog(database, secret_key, shop="prom-shop", marketplace="prom", base_url=prom.base_url,
                           credentials={"token": TOKEN}, skus=["SKU-001", "SKU-002", "SKU-003"], settings=settings)
    push_stock_prices(database, "prom-shop", secret_key=secret_key)
    prom.clear_requests()
    return catalog


@pytest.fixture
def catalog(database: Database, secret_key: str, prom: PromSandbox) -> StockCatalog:
    return prom_catalog(database, secret_key, prom)


def messages(database: Database) -> list[tuple[str, str, str]]:
    """(shop, SKU, state) of every stock message."""
    with database.session() as session:
        rows = session.execute(select(Shop.name, OutboxMessage.payload, OutboxMessage.state)
                               .join(Shop, Shop.id == OutboxMessage.shop_id)
                               .where(OutboxMessage.kind == "stock").order_by(OutboxMessage.id)).all()
    return [(shop, payload["sku"], state) for shop, payload, state in rows]


def deliver(database: Database, config: Settings, shop_id: int) -> dict[str, int]:
    run = RunContext(database, config, "outbox:stock", shop_id, {"kind": "stock"})
    result = deliver_due(run)
    if run.has_log:
        run.log.finish()
    return result


def pushed(prom: PromSandbox) -> list[list[tuple[str, int]]]:
    return [[(item["id"], item["quantity_in_stock"]) for item in request.json()]
            for request in prom.mutating_requests(EDIT)]


def test_a_stock_change_by_plain_orm_code_reaches_the_sandbox_once(
    database: Database, config: Settings, prom: PromSandbox, catalog: StockCatalog
) -> None:
    set_stock(database, catalog, "SKU-002", 1)
    set_stock(database, catalog, "SKU-002", 2)  # a second change of the same SKU before delivery
    assert messages(database) == [("prom-shop", "SKU-002", "pending")]
    assert deliver(database, config, catalog.shop_id)["delivered"] == 1
    assert pushed(prom) == [[("SKU-002", 7)]]  # 2 in MAIN + 5 in SHOP
    assert deliver(database, config, catalog.shop_id)["delivered"] == 0
    assert len(prom.mutating_requests(EDIT)) == 1


def test_the_message_is_written_in_the_transaction_of_the_change(
    database: Database, catalog: StockCatalog
) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        level = session.scalar(select(StockLevel).where(StockLevel.product_id == catalog.products["SKU-001"]))
        assert level is not None
        level.quantity = 99
        session.flush()
        raise RuntimeError("the accounting code fails after the change")
    assert messages(database) == []
    with database.session() as session:  # a session used for several transactions starts afresh each time
        level = session.scalar(select(StockLevel).where(StockLevel.product_id == catalog.products["SKU-001"]))
        assert level is not None
        level.quantity = 3
        session.commit()
        assert messages(database) == [("prom-shop", "SKU-001", "pending")]
        level.quantity = 4
        session.rollback()
    assert messages(database) == [("prom-shop", "SKU-001", "pending")]


def test_prices_reservations_and_taking_a_product_off_sale_queue_a_push(
    database: Database, config: Settings, prom: PromSandbox, catalog: StockCatalog
) -> None:
    set_price(database, catalog, "SKU-001", "150")
    reserve(database, catalog, "SKU-002", 4)
    update_product(database, catalog, "SKU-003", is_active=False)
    update_product(database, catalog, "SKU-003", brand="Other")  # not about stock or prices
    assert sorted(messages(database)) == [("prom-shop", f"SKU-00{i}", "pending") for i in (1, 2, 3)]
    assert deliver(database, config, catalog.shop_id)["delivered"] == 3
    [request] = prom.mutating_requests(EDIT)
    sent = {item["id"]: item for item in request.json()}
    assert Decimal(str(sent["SKU-001"]["price"])) == Decimal("150")
    assert sent["SKU-002"]["quantity_in_stock"] == 6
    assert sent["SKU-003"]["quantity_in_stock"] == 0


def test_a_price_of_another_marketplace_or_a_warehouse_the_shop_does_not_sell_from_queues_nothing(
    database: Database, secret_key: str, prom: PromSandbox
) -> None:
    catalog = prom_catalog(database, secret_key, prom, warehouses=["MAIN"])
    set_price(database, catalog, "SKU-001", "90", scope="rozetka")
    set_stock(database, catalog, "SKU-002", 0, warehouse="SHOP")
    assert messages(database) == []
    set_price(database, catalog, "SKU-001", "95", scope="prom")
    set_stock(database, catalog, "SKU-002", 0, warehouse="MAIN")
    assert messages(database) == [("prom-shop", "SKU-001", "pending"), ("prom-shop", "SKU-002", "pending")]


def test_shops_not_taking_pushes_and_products_created_in_the_transaction_get_nothing(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    make_catalog(database, secret_key, shop="kz", marketplace="kaspi", base_url="http://127.0.0.1:9",
                 credentials={"token": "t"}, skus=["SKU-001"])
    make_catalog(database, secret_key, shop="prom-off", marketplace="prom", base_url=prom.base_url,
                 credentials={"token": TOKEN}, skus=["SKU-001"], settings={"sync_stock_prices": False})
    make_catalog(database, secret_key, shop="prom-new", marketplace="prom", base_url=prom.base_url,
                 credentials={"token": TOKEN}, skus=["SKU-NEW"])  # a new product with stock and a price
    assert messages(database) == []
    set_stock(database, catalog, "SKU-001", 0)
    assert messages(database) == [("prom-shop", "SKU-001", "pending")]


def test_deleting_a_stock_row_and_adding_one_queue_a_push(
    database: Database, catalog: StockCatalog
) -> None:
    with database.session() as session:
        product = session.get(Product, catalog.products["SKU-003"])
        assert product is not None
        for level in list(product.stock):
            if level.warehouse_id == catalog.warehouses["SHOP"]:
                session.delete(level)
    assert messages(database) == [("prom-shop", "SKU-003", "pending")]
    with database.session() as session:
        product = session.get(Product, catalog.products["SKU-003"])
        assert product is not None
        product.stock.append(StockLevel(warehouse_id=catalog.warehouses["SHOP"], quantity=1))
        product.prices.append(ProductPrice(price_type="old", amount=Decimal(500)))
    assert messages(database) == [("prom-shop", "SKU-003", "pending")]  # the pending message coalesced


def test_one_transaction_changing_many_products_writes_one_message_each_and_coalesces_with_the_next(
    database: Database, catalog: StockCatalog
) -> None:
    for quantity in (1, 2):
        with database.session() as session:
            for level in session.scalars(select(StockLevel)):
                level.quantity = quantity
        assert messages(database) == [("prom-shop", f"SKU-00{i}", "pending") for i in (1, 2, 3)]


def test_a_later_change_in_the_same_transaction_still_reaches_the_shops_it_concerns(
    database: Database, secret_key: str, prom: PromSandbox, catalog: StockCatalog
) -> None:
    from erpsync.sync.push_stock_prices import queue_pending_stock_changes

    make_catalog(database, secret_key, shop="prom-shop-floor", marketplace="prom", base_url=prom.base_url,
                 credentials={"token": TOKEN}, skus=["SKU-001"], settings={"warehouses": ["SHOP"]})
    with database.session() as session:
        levels = {level.warehouse_id: level for level in session.scalars(
            select(StockLevel).where(StockLevel.product_id == catalog.products["SKU-001"]))}
        levels[catalog.warehouses["MAIN"]].quantity = 1
        assert [push.shop for push in queue_pending_stock_changes(session)] == ["prom-shop"]
        levels[catalog.warehouses["SHOP"]].quantity = 1
    assert sorted(messages(database)) == [("prom-shop", "SKU-001", "pending"),
                                          ("prom-shop-floor", "SKU-001", "pending")]
