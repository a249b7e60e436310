"""Who may open what: login, sessions, CSRF, cookies, the session secret, roles."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from erpsync.admin import create_app
from erpsync.admin.security import session_secret
from erpsync.models.db import Database
from erpsync.sync.users import get_user, set_password, update_user
from tests.admin.conftest import PanelClient, make_settings
from tests.admin.factories import PASSWORD, make_order, make_shop


def _example_url(app: Flask, rule: object) -> str:
    values = {name: 1 for name in rule.arguments}  # type: ignore[attr-defined]
    if "export_type" in values:
        values["export_type"] = "csv"
    if "filename" in values:
        values["filename"] = "x.css"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)  # type: ignore[attr-defined]


def _public_blueprints() -> set[str]:
    """The login pages, static files, and every module of erpsync.admin.blueprints (public by design:
    health checks, feed URLs guarded by their own token)."""
    from erpsync.admin import blueprints

    names = {"auth", "static"}
    for module_info in pkgutil.iter_modules(blueprints.__path__):
        blueprint = getattr(importlib.import_module(f"{blueprints.__name__}.{module_info.name}"), "blueprint", None)
        if blueprint is not None:
            names.add(blueprint.name)
    return names


def _panel_rules(app: Flask, method: str) -> list[object]:
    public = _public_blueprints()
    rules = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if method in rule.methods and blueprint not in public and not rule.endpoint.endswith("static"):
            rules.append(rule)
    return rules


def test_every_page_but_login_and_public_endpoints_needs_a_session(app: Flask, anonymous: PanelClient) -> None:
    rules = _panel_rules(app, "GET")
    assert len(rules) > 30  # the dashboard, shops, orders, the log, users and their sub-pages
    for rule in rules:
        url = _example_url(app, rule)
        response = anonymous.get(url)
        assert response.status_code == 302, f"{url} answered {response.status_code} without a session"
        assert response.headers["Location"].startswith("/admin/login?next=")


def test_login_page_and_health_answer_without_a_session(anonymous: PanelClient) -> None:
    assert anonymous.get("/admin/login").status_code == 200
    assert anonymous.get("/healthz").get_json() == {"status": "ok"}
    assert anonymous.get("/").headers["Location"] == "/admin/"


def test_login_with_the_right_password_opens_the_page_asked_for(anonymous: PanelClient) -> None:
    response = anonymous.submit("/admin/login?next=/admin/orders/", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/orders/"
    assert anonymous.get("/admin/orders/").status_code == 200


def test_login_never_redirects_to_another_site(app: Flask) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        client = PanelClient(app.test_client())
        response = client.submit(f"/admin/login?next={target}", data={"username": "anna", "password": PASSWORD})
        assert response.headers["Location"] == "/admin/", target


def test_wrong_password_unknown_user_and_disabled_user_stay_on_the_login_page(
    anonymous: PanelClient, database: Database
) -> None:
    for username, password in (("anna", "not the password"), ("nobody", PASSWORD)):
        response = anonymous.login(username, password)
        assert response.status_code == 200
        assert "Wrong user name or password" in response.text
    with database.session() as session:
        update_user(session, get_user(session, "anna"), active=False)
    assert "Wrong user name or password" in anonymous.login("anna").text
    assert anonymous.get("/admin/").status_code == 302


def test_logout_ends_the_session(accountant: PanelClient) -> None:
    response = accountant.submit("/admin/", "/admin/logout")
    assert response.headers["Location"] == "/admin/login"
    assert accountant.get("/admin/").status_code == 302


def test_changing_a_password_or_disabling_a_user_ends_their_sessions(
    accountant: PanelClient, database: Database
) -> None:
    assert accountant.get("/admin/").status_code == 200
    with database.session() as session:
        set_password(session, get_user(session, "anna"), "a brand new password")
    assert accountant.get("/admin/").status_code == 302
    assert accountant.login("anna", "a brand new password").status_code == 302
    with database.session() as session:
        update_user(session, get_user(session, "anna"), active=False)
    assert accountant.get("/admin/").status_code == 302


def test_every_form_post_without_a_csrf_token_is_refused(app: Flask, admin_client: PanelClient,
                                                         anonymous: PanelClient, database: Database,
                                                         secret_key: str) -> None:
    shop_id = make_shop(database, secret_key, "p1", "prom", {"token": "prom-token-123456"})
    assert anonymous.post("/admin/login", {"username": "boss", "password": PASSWORD}).status_code == 400
    rules = _panel_rules(app, "POST")
    assert len(rules) > 10
    for rule in rules:
        url = _example_url(app, rule)
        response = admin_client.post(url, {"name": "x", "marketplace": "prom", "language": "uk"})
        assert response.status_code == 400, f"POST {url} without a CSRF token answered {response.status_code}"
        assert "did not come from this site" in response.text
    for url in ("/admin/logout", "/admin/language", f"/admin/shops/{shop_id}/check"):
        assert admin_client.post(url).status_code == 400
    assert admin_client.get("/admin/").status_code == 200  # still logged in: the forged logout did nothing


def test_panel_pages_carry_security_headers(accountant: PanelClient) -> None:
    headers = accountant.get("/admin/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


def _session_cookie(client: PanelClient) -> str:
    response = client.login("anna")
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("erpsync_session=")]
    assert cookies
    return cookies[-1]


@pytest.mark.parametrize(
    ("env", "secure"),
    [
        ({"ERPSYNC_PUBLIC_URL": "https://erp.example.com"}, True),
        ({"ERPSYNC_PUBLIC_URL": "http://127.0.0.1:8000"}, False),
        ({"ERPSYNC_PUBLIC_URL": "http://127.0.0.1:8000", "ERPSYNC_SECURE_COOKIES": "true"}, True),
    ],
)
def test_session_cookie_is_http_only_same_site_and_secure_over_https(
    database: Database, secret_key: str, tmp_path: Path, env: dict[str, str], secure: bool
) -> None:
    from tests.admin.factories import make_users

    make_users(database)
    web = create_app(make_settings(database, secret_key, tmp_path, **env), database)
    client = PanelClient(web.test_client())
    if secure:  # a secure cookie is only sent back over https
        client.client.environ_base["wsgi.url_scheme"] = "https"
    cookie = _session_cookie(client).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert ("; secure" in cookie) is secure


def test_session_secret_is_derived_from_the_installation_key(database: Database, tmp_path: Path) -> None:
    key_one, key_two = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app_one = create_app(make_settings(database, key_one, tmp_path), database)
    app_one_again = create_app(make_settings(database, key_one, tmp_path), database)
    app_two = create_app(make_settings(database, key_two, tmp_path), database)
    assert app_one.secret_key == app_one_again.secret_key == session_secret(key_one)
    assert app_one.secret_key != app_two.secret_key
    assert key_one not in str(app_one.secret_key)


def test_without_a_secret_key_the_panel_explains_and_public_endpoints_still_answer(
    database: Database, tmp_path: Path
) -> None:
    from erpsync.core.config import load_settings

    web = create_app(load_settings({"ERPSYNC_DATABASE_URL": database.url}, cwd=tmp_path), database)
    client = web.test_client()
    assert client.get("/healthz").status_code == 200
    for url in ("/admin/orders/", "/admin/login"):
        page = client.get(url)
        assert page.status_code == 503
        assert "ERPSYNC_SECRET_KEY" in page.text


ACCOUNTANT_PAGES = ["/admin/", "/admin/orders/", "/admin/log/runs/", "/admin/log/events/", "/admin/log/outbox/",
                    "/admin/mappings/", "/admin/feeds/"]
ADMIN_PAGES = ["/admin/shops/", "/admin/shops/new/", "/admin/shops/new/?marketplace=kaspi", "/admin/users/",
               "/admin/users/new/"]


def test_an_accountant_works_with_orders_and_the_log_but_not_shops_credentials_or_users(
    accountant: PanelClient, database: Database, secret_key: str
) -> None:
    shop_id = make_shop(database, secret_key, "kz1", "kaspi", {"token": "kaspi-token-abcdef1234"})
    order = make_order(database, shop_id, "1001")
    for url in [*ACCOUNTANT_PAGES, f"/admin/orders/details/?id={order.order_id}"]:
        assert accountant.get(url).status_code == 200, url
    for url in [*ADMIN_PAGES, f"/admin/shops/{shop_id}/", "/admin/users/edit/?id=1"]:
        response = accountant.get(url)
        assert response.status_code == 403, url
        assert "kaspi-token" not in response.text and "1234" not in response.text
    assert accountant.submit("/admin/", f"/admin/shops/{shop_id}/check").status_code == 403
    menu = accountant.get("/admin/").text
    assert "/admin/shops/" not in menu and "/admin/users/" not in menu
    assert "/admin/orders/" in menu


def test_an_admin_opens_every_page(admin_client: PanelClient, database: Database, secret_key: str) -> None:
    shop_id = make_shop(database, secret_key, "kz1", "kaspi", {"token": "kaspi-token-abcdef1234"})
    for url in [*ACCOUNTANT_PAGES, *ADMIN_PAGES, f"/admin/shops/{shop_id}/"]:
        assert admin_client.get(url).status_code == 200, url


def test_the_panel_works_mounted_under_a_prefix_of_a_host_app(
    database: Database, secret_key: str, tmp_path: Path
) -> None:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from tests.admin.factories import make_users

    make_users(database)
    host = Flask("host")
    host.add_url_rule("/", "home", lambda: "the host's own page")
    host.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        host.wsgi_app, {"/erp": create_app(make_settings(database, secret_key, tmp_path), database)}
    )
    client = PanelClient(host.test_client())
    assert client.get("/").text == "the host's own page"
    assert client.get("/erp/admin/orders/").headers["Location"] == "/erp/admin/login?next=/admin/orders/"
    response = client.submit("/erp/admin/login?next=/admin/orders/", "/erp/admin/login?next=/admin/orders/",
                             data={"username": "anna", "password": PASSWORD})
    assert response.headers["Location"] == "/erp/admin/orders/"
    page = client.get("/erp/admin/orders/")
    assert page.status_code == 200 and 'href="/erp/admin/log/events/"' in page.text
    assert client.get("/erp/healthz").get_json() == {"status": "ok"}
