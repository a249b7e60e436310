"""Fixtures of the browser tests: one chromium for the session, the web app served on PostgreSQL per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from erpsync.admin import create_app
from erpsync.core.config import load_settings
from erpsync.models.db import Database
from tests.admin.factories import PASSWORD, make_users
from tests.browser.live import chromium, serve


@dataclass
class Live:
    url: str
    database: Database
    secret_key: str

    def login(self, page: Page, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{self.url}/admin/")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("#login-submit")
        page.wait_for_url(f"{self.url}/admin/")


@pytest.fixture(scope="session")
def browser_context() -> Iterator[BrowserContext]:
    with chromium() as context:
        yield context


@pytest.fixture
def live(pg_database: Database, secret_key: str, tmp_path: Path) -> Iterator[Live]:
    make_users(pg_database)
    settings = load_settings(
        {"ERPSYNC_DATABASE_URL": pg_database.url, "ERPSYNC_SECRET_KEY": secret_key,
         "ERPSYNC_PUBLIC_URL": "https://erp.example.com", "ERPSYNC_SECURE_COOKIES": "false"},
        cwd=tmp_path,
    )
    with serve(create_app(settings, pg_database)) as url:
        yield Live(url, pg_database, secret_key)


@pytest.fixture
def page(browser_context: BrowserContext) -> Iterator[Page]:
    browser_context.clear_cookies()
    tab = browser_context.new_page()
    tab.set_default_timeout(15000)
    try:
        yield tab
    finally:
        tab.close()
