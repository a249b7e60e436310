"""Shops in the panel: created for any marketplace, credentials masked and encrypted, settings validated
with their messages, the connection test never an error page."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from erpsync.core.errors import MarketplaceError
from erpsync.core.marketplaces import MARKETPLACE_NAMES, marketplace_info
from erpsync.marketplaces.base import Connector, Enumerations
from erpsync.models import Shop
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.shops import shop_credentials
from tests.admin.conftest import PanelClient
from tests.admin.factories import make_shop

TOKEN = "kaspi-secret-token-7a9f"


def _stored(database: Database, name: str) -> Shop:
    with database.session() as session:
        return session.scalars(select(Shop).where(Shop.name == name)).one()


def _create_kaspi(client: PanelClient, **extra: str) -> object:
    data = {"name": "kz-main", "enabled": "y", "base_url": "", "credential_token": TOKEN,
            "setting_poll_interval_minutes": "5", "setting_price_type": "retail", "setting_zero_stock": "unavailable",
            "setting_store_ids": "MAIN=PP1\nSECOND = PP2", "setting_sync_orders": "y",
            "setting_sync_stock_prices": "y", **extra}
    return client.submit("/admin/shops/new/?marketplace=kaspi", "/admin/shops/new/", data={"marketplace": "kaspi",
                                                                                            **data})


def test_a_shop_created_with_a_token_shows_it_masked_and_stores_it_encrypted(
    admin_client: PanelClient, database: Database, secret_key: str
) -> None:
    response = _create_kaspi(admin_client)
    assert response.status_code == 302, response.text
    shop = _stored(database, "kz-main")
    assert TOKEN not in shop.credentials_encrypted
    assert shop_credentials(shop, secret_key) == {"token": TOKEN}
    assert shop.base_url == marketplace_info("kaspi").default_base_url
    # only what differs from the defaults is stored
    assert shop.settings == {"poll_interval_minutes": 5, "store_ids": {"MAIN": "PP1", "SECOND": "PP2"}}
    edit = admin_client.get(response.headers["Location"])
    listing = admin_client.get("/admin/shops/")
    for page in (edit.text, listing.text):
        assert TOKEN not in page
        assert "****7a9f" in page


def test_an_empty_credential_field_keeps_the_stored_value_and_a_new_one_replaces_it(
    admin_client: PanelClient, database: Database, secret_key: str
) -> None:
    shop_id = make_shop(database, secret_key, "kz-main", "kaspi", {"token": TOKEN})
    page = f"/admin/shops/{shop_id}/"
    form = {"base_url": "https://kaspi.kz/shop/api/v2", "enabled": "y", "setting_price_type": "wholesale",
            "setting_zero_stock": "hide", "setting_sync_orders": "y", "setting_sync_stock_prices": "y"}
    assert admin_client.submit(page, data={**form, "credential_token": ""}).status_code == 302
    shop = _stored(database, "kz-main")
    assert shop_credentials(shop, secret_key) == {"token": TOKEN}
    assert shop.settings == {"price_type": "wholesale", "zero_stock": "hide"}
    assert admin_client.submit(page, data={**form, "credential_token": "another-token-0000"}).status_code == 302
    assert shop_credentials(_stored(database, "kz-main"), secret_key) == {"token": "another-token-0000"}
    # a switch left unticked is off
    admin_client.submit(page, data={k: v for k, v in form.items() if k != "enabled"})
    assert _stored(database, "kz-main").enabled is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("setting_poll_interval_minutes", "0", "must be at least 1"),
        ("setting_poll_interval_minutes", "often", "expected a whole number"),
        ("setting_full_push_at", "25:00", "expected a time of day HH:MM"),
        ("setting_store_ids", "MAIN PP1", "line 1: expected KEY=VALUE"),
    ],
)
def test_a_wrong_setting_is_refused_next_to_its_field_and_nothing_is_stored(
    admin_client: PanelClient, database: Database, field: str, value: str, message: str
) -> None:
    response = _create_kaspi(admin_client, **{field: value})
    assert response.status_code == 422
    assert message in response.text
    assert 'class="form-control is-invalid"' in response.text
    assert TOKEN not in response.text  # a refused form does not echo the secret back
    with database.session() as session:
        assert session.scalars(select(Shop)).all() == []


def test_satu_refuses_polling_more_often_than_every_ten_minutes(admin_client: PanelClient) -> None:
    response = admin_client.submit("/admin/shops/new/?marketplace=satu", "/admin/shops/new/", data={
        "marketplace": "satu", "name": "kz-satu", "setting_poll_interval_minutes": "2",
        "setting_price_type": "retail", "setting_zero_stock": "hide"})
    assert response.status_code == 422
    assert "satu allows polling no more often than every 10 minutes" in response.text


def test_a_second_shop_with_the_same_name_is_refused(admin_client: PanelClient) -> None:
    assert _create_kaspi(admin_client).status_code == 302
    response = _create_kaspi(admin_client)
    assert response.status_code == 422
    assert "a shop named &#39;kz-main&#39; exists already" in response.text


@pytest.mark.parametrize("marketplace", MARKETPLACE_NAMES)
def test_the_form_of_every_marketplace_asks_for_its_credentials_and_explains_its_settings(
    admin_client: PanelClient, marketplace: str
) -> None:
    page = admin_client.get(f"/admin/shops/new/?marketplace={marketplace}")
    assert page.status_code == 200
    for key in marketplace_info(marketplace).credential_keys:
        assert f'name="credential_{key}" type="password"' in page.text
    assert "How often to import orders, in minutes." in page.text
    assert ('name="setting_merchant_id"' in page.text) is (marketplace == "kaspi")
    # Kasta shows its token once (seed 000): the form says so, and only Kasta's
    assert ('id="credential-note"' in page.text) is (marketplace == "kasta")
    if marketplace == "kasta":
        assert "Kasta shows the API token only once" in page.text


def test_choosing_the_marketplace_comes_first(admin_client: PanelClient) -> None:
    page = admin_client.get("/admin/shops/new/")
    assert page.status_code == 200
    assert all(f'value="{name}"' in page.text for name in MARKETPLACE_NAMES)


# --- the connection test ------------------------------------------------------------------------------

SANDBOX_TOKEN = "kz-panel-sandbox-token-1"


@pytest.fixture
def kaspi_sandbox() -> Iterator[KaspiSandbox]:
    with KaspiSandbox(credentials={"token": SANDBOX_TOKEN}, orders=0, random_seed=3) as server:
        yield server


def _kaspi_shop(database: Database, secret_key: str, base_url: str, token: str) -> int:
    shop_id = make_shop(database, secret_key, "kz-sandbox", "kaspi", {"token": token})
    with database.session() as session:
        session.get(Shop, shop_id).base_url = base_url
    return shop_id


def _check(client: PanelClient, shop_id: int) -> str:
    response = client.submit(f"/admin/shops/{shop_id}/", f"/admin/shops/{shop_id}/check")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.text


def test_connection_test_with_accepted_credentials_says_so(
    admin_client: PanelClient, database: Database, secret_key: str, kaspi_sandbox: KaspiSandbox
) -> None:
    shop_id = _kaspi_shop(database, secret_key, kaspi_sandbox.base_url, SANDBOX_TOKEN)
    assert "Kaspi.kz accepted the credentials of kz-sandbox." in _check(admin_client, shop_id)


def test_connection_test_with_refused_credentials_names_the_refusal(
    admin_client: PanelClient, database: Database, secret_key: str, kaspi_sandbox: KaspiSandbox
) -> None:
    shop_id = _kaspi_shop(database, secret_key, kaspi_sandbox.base_url, "a-token-kaspi-does-not-know")
    text = _check(admin_client, shop_id)
    assert "Kaspi.kz refused the credentials:" in text
    assert "a-token-kaspi-does-not-know" not in text


def test_connection_test_with_missing_credentials_is_a_message(
    admin_client: PanelClient, database: Database, secret_key: str
) -> None:
    shop_id = make_shop(database, secret_key, "kz-empty", "kaspi")
    assert "The credentials are incomplete or unreadable: shop &#39;kz-empty&#39; has no token" in _check(
        admin_client, shop_id)


def test_connection_test_of_a_feed_only_marketplace_says_so(
    admin_client: PanelClient, database: Database, secret_key: str
) -> None:
    # Hubber is served through its feed only: its connector makes no API calls to test
    shop_id = make_shop(database, secret_key, "hub", "hubber", {"username": "u", "password": "p"})
    assert "The Hubber connector cannot test a connection." in _check(admin_client, shop_id)


class UnreachableConnector(Connector):
    """A connector whose marketplace cannot be reached (as after its retries)."""

    name = "hubber"
    enums = Enumerations(statuses={}, settable_statuses={})

    def check_connection(self) -> None:
        raise MarketplaceError("cannot reach https://hubber.com.ua/api: connection refused")


class BrokenConnector(UnreachableConnector):
    def check_connection(self) -> None:
        raise KeyError("a bug in the connector")


@pytest.mark.parametrize(
    ("connector", "message"),
    [
        (UnreachableConnector, "Hubber could not be reached or failed: cannot reach https://hubber.com.ua/api"),
        (BrokenConnector, "The connection test failed unexpectedly: KeyError"),
    ],
)
def test_an_unreachable_marketplace_or_a_connector_bug_is_a_message_not_an_error_page(
    admin_client: PanelClient, database: Database, secret_key: str, monkeypatch: pytest.MonkeyPatch,
    connector: type[Connector], message: str
) -> None:
    monkeypatch.setattr(importlib.import_module("erpsync.marketplaces.hubber"), "CONNECTOR", connector,
                        raising=False)
    shop_id = make_shop(database, secret_key, "hub", "hubber", {"username": "u", "password": "p"})
    assert message in _check(admin_client, shop_id)
