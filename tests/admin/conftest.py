"""The web app on the test database (SQLite and PostgreSQL), users ``boss`` (admin) and ``anna``
(accountant), and a test client that logs in and posts forms with their CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from erpsync.admin import create_app
from erpsync.core.config import load_settings
from erpsync.models.db import Database
from tests.admin.factories import PASSWORD, make_users

_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def csrf_token_in(html: str) -> str:
    tag = _CSRF_INPUT.search(html)
    assert tag is not None, "the page has no CSRF token"
    value = _VALUE.search(tag.group(0))
    assert value is not None
    return value.group(1)


class PanelClient:
    """A Flask test client that knows how to log in and send forms as a browser would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """A POST without a CSRF token (as a forged request would be)."""
        return self.client.post(url, data=data or {}, **kwargs)

    def submit(self, form_page: str, url: str | None = None, data: dict[str, Any] | None = None,
               **kwargs: Any) -> TestResponse:
        """Open ``form_page``, take its CSRF token, POST ``data`` to ``url`` (default: the same page)."""
        page = self.client.get(form_page)
        assert page.status_code == 200, f"{form_page} answered {page.status_code}"
        fields = {"csrf_token": csrf_token_in(page.text), **(data or {})}
        return self.client.post(url or form_page, data=fields, **kwargs)

    def login(self, username: str, password: str = PASSWORD, **kwargs: Any) -> TestResponse:
        return self.submit("/admin/login", data={"username": username, "password": password}, **kwargs)


def make_settings(database: Database, secret_key: str, tmp_path: Path, **env: str) -> Any:
    return load_settings(
        {"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key, **env}, cwd=tmp_path
    )


@pytest.fixture
def app(database: Database, secret_key: str, tmp_path: Path) -> Iterator[Flask]:
    make_users(database)
    web = create_app(make_settings(database, secret_key, tmp_path), database)
    yield web


@pytest.fixture
def anonymous(app: Flask) -> PanelClient:
    return PanelClient(app.test_client())


@pytest.fixture
def admin_client(app: Flask) -> PanelClient:
    client = PanelClient(app.test_client())
    assert client.login("boss").status_code == 302
    return client


@pytest.fixture
def accountant(app: Flask) -> PanelClient:
    client = PanelClient(app.test_client())
    assert client.login("anna").status_code == 302
    return client
