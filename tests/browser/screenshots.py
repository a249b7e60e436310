"""Screenshots of the panel's main pages for the README (``docs/screenshots/``).

    make screenshots     # = .venv/bin/python -m tests.browser.screenshots docs/screenshots

Builds a throw-away SQLite database with a few shops, orders, a log, a small catalog with a category tree
and a copy of the repository's mapping files, serves the panel on 127.0.0.1 and photographs it with
Debian's chromium. ``tests/browser/test_screenshots.py`` runs the same code.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from cryptography.fernet import Fernet
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.admin import create_app
from erpsync.core.config import load_settings
from erpsync.models import Category, MarketplaceCategory, utcnow
from erpsync.models.db import Database, upgrade
from tests.admin.factories import PASSWORD, make_order, make_run, make_shop, make_users
from tests.browser.live import chromium, serve
from tests.feeds.conftest import YML_SETTINGS, Catalog
from tests.mapping.conftest import REPO_MAPPINGS
from tests.mapping.test_suggest import add_notebooks
from tests.mapping.test_tree_checks import add_kaspi_tree

PAGES = (
    ("login", "/admin/login", False),
    ("dashboard", "/admin/", True),
    ("orders", "/admin/orders/", True),
    ("order", None, True),
    ("log-search", "/admin/log/events/?search=cannot", True),
    ("log-event", None, True),
    ("shop", None, False),
    ("mappings", "/admin/mappings/", True),
    ("mapping-statuses", "/admin/mappings/statuses/kaspi.yaml", False),
    ("mapping-categories", "/admin/mappings/categories/kaspi.yaml", False),
    ("mapping-match", "/admin/mappings/match/characteristics/kaspi.yaml", False),
    ("feed-preview", None, False),
)


def _review_a_reason(page: Page) -> None:
    """A change in the table, reviewed: the diff and the Save button."""
    page.locator("#statuses-outbound tr[data-key='cancelled'] select[name$='-reason']").select_option(
        "BUYER_NOT_REACHABLE")
    page.click("#review")
    page.wait_for_selector("#review-box")
    page.fill("#save-message", "buyers do not answer the phone")


def _search_a_category(page: Page) -> None:
    """A local category chosen on the left, the marketplace's categories searched on the right."""
    row = page.locator("#categories tr[data-path='Дитячі товари / Канцтовари / Блокноти']")
    row.locator("input[data-category-target]").click()
    page.wait_for_selector("#category-results a[data-code='Master - Notebooks']")


PREPARE: dict[str, Callable[[Page], None]] = {
    "mapping-statuses": _review_a_reason,
    "mapping-categories": _search_a_category,
}


def seed_catalog(database: Database, secret_key: str) -> int:
    """Notebooks in a local category tree, Kaspi's downloaded categories, a Prom shop listing the products."""
    with database.session() as session:
        add_kaspi_tree(session)
        add_notebooks(session)
        notes = add_category_under(session, "Канцтовари", "Блокноти")
        session.add_all([MarketplaceCategory(marketplace="kaspi", code="Master - Notebooks", title="Блокноты"),
                         MarketplaceCategory(marketplace="kaspi", code="Master - Sketchbooks", title="Скетчбуки")])
        assert notes
    catalog = Catalog(database, secret_key)
    for number, (name, price) in enumerate([("Зошит А5, 48 аркушів, клітинка", "32.50"),
                                            ("Блокнот на спіралі А6", "58.00"), ("Скетчбук 120 г/м²", "149.00"),
                                            ("Щоденник шкільний", "95.00")], start=1):
        catalog.product(f"NB-{100 + number}", name_uk=name, prices={("retail", "base"): price},
                        stock={"MAIN": 3 * number})
    catalog.product("NB-200", name_uk="Зошит без ціни", prices={})
    return catalog.shop("ua-prom-feed", "prom", YML_SETTINGS).id


def add_category_under(session: Session, parent: str, name: str) -> int:
    """A category ``name`` below the category named ``parent``."""
    parent_id = session.scalar(select(Category.id).where(Category.name == parent))
    category = Category(name=name, slug=name.lower(), parent_id=parent_id)
    session.add(category)
    session.flush()
    return category.id


def seed_showcase(database: Database, secret_key: str) -> dict[str, int]:
    """Shops of three marketplaces with a day of orders, a failed push and a log with errors."""
    make_users(database)
    now = utcnow()
    kaspi = make_shop(database, secret_key, "kz-main", "kaspi", {"token": "kaspi-demo-token-5c3e"},
                      merchant_id="30123456", store_ids={"MAIN": "PP1"}, poll_interval_minutes=2)
    prom = make_shop(database, secret_key, "ua-prom", "prom", {"token": "prom-demo-token-91d0"})
    rozetka = make_shop(database, secret_key, "ua-rozetka", "rozetka", {"username": "shop", "password": "secret-pw"})
    people = [("Айгуль Сапарова", "+77011234567", "Алматы"), ("Олена Коваль", "+380671234567", "Київ"),
              ("Іван Петренко", "+380501112233", "Львів"), ("Дмитрий Ким", "+77017654321", "Астана")]
    ids = {"kaspi": kaspi, "prom": prom, "rozetka": rozetka}
    for number in range(1, 9):
        shop, currency = ((kaspi, "KZT"), (prom, "UAH"), (rozetka, "UAH"))[number % 3]
        rows = make_order(
            database, shop, f"{4100 + number}", placed_at=now - timedelta(minutes=37 * number),
            status=("new", "accepted", "assembled", "shipped")[number % 4], unmatched=number == 4,
            failed_push="prom answered 400: order cannot be moved from delivered to received" if number == 1 else None,
            customer=people[number % 4], total=Decimal(1290 * number + 990), currency=currency,
        )
        ids.setdefault("order", rows.order_id)
    make_run(database, kaspi, status="success", started_at=now - timedelta(minutes=3))
    make_run(database, prom, status="partial", failed=1, started_at=now - timedelta(minutes=12),
             message="1 of 14 orders failed", events=[
                 ("error", "order 4107 cannot be imported: delivery_option 'meest_express' is not mapped",
                  {"id": 4107, "delivery_option": {"id": 11, "name": "meest_express"}, "price": "2 890 грн"}),
                 ("info", "13 orders imported, 2 changed", None),
             ])
    make_run(database, rozetka, status="failed", started_at=now - timedelta(minutes=25),
             message="rozetka refused the login (HTTP 401)",
             events=[("error", "orders run failed: rozetka refused the login (HTTP 401): cannot sign in", None)])
    return ids


def take_screenshots(context: BrowserContext, base_url: str, out_dir: Path, ids: dict[str, int]) -> list[Path]:
    """Log in as the admin and photograph the main pages into ``out_dir``; returns the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = context.new_page()
    written = []
    try:
        page.goto(f"{base_url}/admin/login")
        page.screenshot(path=str(out_dir / "login.png"))
        written.append(out_dir / "login.png")
        page.fill("#username", "boss")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(f"{base_url}/admin/")
        event_link = None
        for name, path, full_page in PAGES[1:]:
            if name == "order":
                path = f"/admin/orders/details/?id={ids['order']}"
            elif name == "log-event":
                path = event_link
            elif name == "shop":
                path = f"/admin/shops/{ids['kaspi']}/"
            elif name == "feed-preview":
                path = f"/admin/feeds/{ids['feed']}/?offers=10&sku=NB-200"
            page.goto(f"{base_url}{path}")
            if name in PREPARE:
                PREPARE[name](page)
            if name == "log-search":  # the event with the marketplace's payload
                row = page.locator("table.model-list tbody tr").filter(has_text="order 4107")
                event_link = row.locator("a[title='View Record']").get_attribute("href")
            target = out_dir / f"{name}.png"
            page.screenshot(path=str(target), full_page=full_page)
            written.append(target)
    finally:
        page.close()
    return written


def main(out_dir: str = "docs/screenshots") -> None:
    folder = Path(tempfile.mkdtemp(prefix="erpsync-screenshots-"))
    shutil.copytree(REPO_MAPPINGS, folder / "mappings")
    url = f"sqlite:///{folder / 'erpsync.db'}"
    upgrade(url)
    database = Database(url)
    secret_key = Fernet.generate_key().decode()
    ids = seed_showcase(database, secret_key)
    ids["feed"] = seed_catalog(database, secret_key)
    settings = load_settings({"ERPSYNC_DATABASE_URL": url, "ERPSYNC_SECRET_KEY": secret_key,
                              "ERPSYNC_PUBLIC_URL": "https://erp.example.com", "ERPSYNC_SECURE_COOKIES": "false"},
                             cwd=folder)
    with serve(create_app(settings, database)) as base_url, chromium(width=1280, height=800) as context:
        for path in take_screenshots(context, base_url, Path(out_dir), ids):
            print(path)
    database.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])
