"""Shops in the panel: created for any marketplace, credentials masked and encrypted, settings validated
with their messages, the connection test never an error page."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select

from erpsync.core.errors import AuthenticationError, MarketplaceError
from erpsync.core.marketplaces import MARKETPLACE_NAMES, marketplace_info
from erpsync.marketplaces.base import Connector, Enumerations
from erpsync.models import Shop
from erpsync.models.db import Database
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


def test_choosing_the_marketplace_comes_first(admin_client: PanelClient) -> None:
    page = admin_client.get("/admin/shops/new/")
    assert page.status_code == 200
    assert all(f'value="{name}"' in page.text for name in MARKETPLACE_NAMES)


# --- the connection test ------------------------------------------------------------------------------


class _Refusing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.end_headers()
        self.wfile.write(b'{"error": "bad login"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_marketplace() -> Iterator[str]:
    """A marketplace API on 127.0.0.1 that answers 401 to everything; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class HttpCheckingConnector(Connector):
    """A connector whose connection check is one real HTTP request, as the real connectors make."""

    name = "horoshop"
    enums = Enumerations(statuses={}, settable_statuses={})

    def check_connection(self) -> None:
        try:
            response = httpx.get(f"{self.shop.base_url}/api/auth", timeout=5)
        except httpx.HTTPError as error:
            raise MarketplaceError(f"cannot reach {self.shop.base_url}: {error}") from None
        if response.status_code in (401, 403):
            raise AuthenticationError(f"horoshop answered HTTP {response.status_code} to the login",
                                      status_code=response.status_code)


class BrokenConnector(HttpCheckingConnector):
    def check_connection(self) -> None:
        raise KeyError("a bug in the connector")


def _install_connector(monkeypatch: pytest.MonkeyPatch, connector: type[Connector]) -> None:
    module = types.ModuleType("erpsync.marketplaces.horoshop")
    module.CONNECTOR = connector  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "erpsync.marketplaces.horoshop", module)


def _check(client: PanelClient, shop_id: int) -> str:
    response = client.submit(f"/admin/shops/{shop_id}/", f"/admin/shops/{shop_id}/check")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.text


def test_connection_test_of_a_marketplace_without_a_connector_says_so(
    admin_client: PanelClient, database: Database, secret_key: str
) -> None:
    shop_id = make_shop(database, secret_key, "hub", "hubber", {"username": "u", "password": "p"})
    text = _check(admin_client, shop_id)
    assert "erpsync cannot talk to Hubber&#39;s API yet" in text


def test_connection_test_with_refused_credentials_names_the_refusal(
    admin_client: PanelClient, database: Database, secret_key: str, refusing_marketplace: str,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_connector(monkeypatch, HttpCheckingConnector)
    shop_id = make_shop(database, secret_key, "hs", "horoshop", {"username": "shop", "password": "wrong"})
    with database.session() as session:
        session.get(Shop, shop_id).base_url = refusing_marketplace
    text = _check(admin_client, shop_id)
    assert "Horoshop refused the credentials: horoshop answered HTTP 401 to the login" in text


def test_connection_test_with_missing_credentials_or_a_connector_bug_is_a_message(
    admin_client: PanelClient, database: Database, secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_connector(monkeypatch, BrokenConnector)
    incomplete = make_shop(database, secret_key, "hs1", "horoshop", {"username": "shop"})
    assert "The credentials are incomplete or unreadable: shop &#39;hs1&#39; has no password" in _check(
        admin_client, incomplete)
    complete = make_shop(database, secret_key, "hs2", "horoshop", {"username": "shop", "password": "pw"})
    assert "The connection test failed unexpectedly: KeyError" in _check(admin_client, complete)


def test_connection_test_of_an_unreachable_marketplace_is_a_message(
    admin_client: PanelClient, database: Database, secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_connector(monkeypatch, HttpCheckingConnector)
    shop_id = make_shop(database, secret_key, "hs", "horoshop", {"username": "shop", "password": "pw"})
    with database.session() as session:
        session.get(Shop, shop_id).base_url = "http://127.0.0.1:1"
    assert "Horoshop could not be reached or failed: cannot reach http://127.0.0.1:1" in _check(admin_client, shop_id)
