"""``erpsync sync stock``, ``erpsync sync catalog-import``, ``erpsync shop options`` and a Prom order's
day (``sync orders``, ``order set-status``, ``order waybill``) as a user runs them against the Prom
sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from tests.conftest import Cli
from tests.sync.stock_fixtures import make_catalog, set_stock

TOKEN = "cli-token"
CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "prom" / "catalog.yml"


@pytest.fixture
def prom() -> Iterator[PromSandbox]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=1) as server:
        yield server


def test_sync_stock_pushes_what_changed_and_full_pushes_all(
    cli: Cli, database: Database, secret_key: str, prom: PromSandbox
) -> None:
    catalog = make_catalog(database, secret_key, shop="p1", marketplace="prom", base_url=prom.base_url,
                           credentials={"token": TOKEN}, skus=["SKU-001", "SKU-002"])
    first = cli("sync", "stock", "--shop", "p1")
    assert first.output.startswith("stock_prices for shop p1: success (fetched 2, created 0, updated 2")
    set_stock(database, catalog, "SKU-002", 0)
    second = cli("sync", "stock", "--shop", "p1")
    assert "updated 1, skipped 1" in second.output
    full = cli("sync", "stock", "--shop", "p1", "--full")
    assert full.output.startswith("stock_prices_full for shop p1: success (fetched 2, created 0, updated 2")
    assert [len(r.json()) for r in prom.mutating_requests("/api/v1/products/edit_by_external_id")] == [2, 1, 2]
    missing = cli("sync", "stock", "--shop", "nope", expect=1)
    assert missing.output.startswith("error: no shop named 'nope'") and len(missing.output.splitlines()) == 1


def test_shop_options_lists_the_sellers_own_codes(cli: Cli, prom: PromSandbox) -> None:
    cli("shop", "add", "p2", "--marketplace", "prom", "--base-url", prom.base_url, "--credential", f"token={TOKEN}")
    statuses = cli("shop", "options", "p2", "--section", "statuses").output
    assert "custom-137639" in statuses and "Підтверджено" in statuses
    delivery = cli("shop", "options", "p2").output
    assert "pickup" in delivery and "Самовивіз" in delivery
    cli("shop", "add", "k1", "--marketplace", "kaspi", "--credential", "token=t")
    refused = cli("shop", "options", "k1", expect=1)
    assert refused.output.strip() == "error: kaspi does not support listing the shop's delivery options"


def test_catalog_import_matches_the_marketplace_catalog(
    cli: Cli, database: Database, secret_key: str, prom: PromSandbox
) -> None:
    make_catalog(database, secret_key, shop="p3", marketplace="prom", base_url=prom.base_url,
                 credentials={"token": TOKEN}, skus=["SKU-001"], external_ids={"SKU-001": ""})
    result = cli("sync", "catalog-import", "--shop", "p3", "--url", prom.catalog_url)
    assert result.output.startswith("catalog_import for shop p3: success (fetched 6, created 0, updated 1")
    no_url = cli("sync", "catalog-import", "--shop", "p3", expect=1)
    assert "shop p3 has no catalog URL" in no_url.output


def test_a_prom_order_from_the_command_line(cli: Cli, prom: PromSandbox) -> None:
    cli("shop", "add", "p4", "--marketplace", "prom", "--base-url", prom.base_url, "--credential", f"token={TOKEN}")
    kept, dropped = prom.add_order(), prom.add_order()
    assert "created 2" in cli("sync", "orders", "--shop", "p4").output
    cli("order", "set-status", f"p4:{kept}", "accepted")
    assert prom.order(kept)["status"] == "received"
    refused = cli("order", "set-status", f"p4:{dropped}", "cancelled", "--reason", "no_such_reason", expect=1)
    assert refused.output.startswith("error: prom has no cancellation reason 'no_such_reason'")
    cli("order", "set-status", f"p4:{dropped}", "cancelled", "--reason", "another", "--comment", "Дешевше деінде")
    assert prom.order(dropped)["status"] == "canceled"
    assert prom.order(dropped)["cancellation"]["reason"] == "another"
    cli("order", "waybill", f"p4:{kept}", "20450011112222", "--carrier", "nova_poshta")
    cli("order", "set-status", f"p4:{kept}", "shipped")
    assert prom.order(kept)["delivery_provider_data"]["declaration_number"] == "20450011112222"
