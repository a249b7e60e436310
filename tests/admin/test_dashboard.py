"""The dashboard: per shop the last successful import, the latest import's outcome, orders today (in the
panel's time zone), failed pushes, the feed address; the job queues when Redis is configured."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from redis import Redis
from rq import Queue

from erpsync.admin import create_app
from erpsync.models import utcnow
from erpsync.models.db import Database
from erpsync.sync.overview import shop_overviews
from tests.admin.conftest import PanelClient, make_settings
from tests.admin.factories import make_order, make_run, make_shop, make_users, shop_row


def _row(page: str, shop: str) -> str:
    match = re.search(rf'<tr data-shop="{shop}">(.*?)</tr>', page, re.S)
    assert match, f"no row for {shop}"
    return match.group(1)


def _cell(row: str, name: str) -> str:
    match = re.search(rf'class="[^"]*{name}[^"]*">(.*?)</td>', row, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()


def _web(database: Database, secret_key: str, tmp_path: Path, **env: str) -> PanelClient:
    make_users(database)
    env.setdefault("ERPSYNC_PUBLIC_URL", "https://erp.example.com")
    client = PanelClient(create_app(make_settings(database, secret_key, tmp_path, **env), database).test_client())
    client.client.environ_base["wsgi.url_scheme"] = "https"
    assert client.login("anna").status_code == 302
    return client


def test_each_shop_shows_its_last_import_orders_today_failed_pushes_and_feed_address(
    database: Database, secret_key: str, tmp_path: Path
) -> None:
    kaspi = make_shop(database, secret_key, "kz-main", "kaspi", {"token": "kaspi-token-123456"})
    make_shop(database, secret_key, "ua-prom", "prom", {"token": "prom-token-123456"})
    now = utcnow()
    make_run(database, kaspi, status="success", started_at=now - timedelta(hours=2))
    make_run(database, kaspi, status="failed", started_at=now - timedelta(minutes=10),
             message="kaspi answered 500: internal error")
    make_run(database, kaspi, kind="stock", status="success", started_at=now - timedelta(minutes=5))
    earlier_today = now - (now - now.replace(hour=0, minute=0, second=0, microsecond=0)) / 2
    make_order(database, kaspi, "today-1", placed_at=earlier_today)
    make_order(database, kaspi, "today-2", placed_at=earlier_today, failed_push="kaspi answered 400")
    make_order(database, kaspi, "last-week", placed_at=now - timedelta(days=7), failed_push="kaspi answered 400")
    client = _web(database, secret_key, tmp_path, ERPSYNC_TIMEZONE="UTC")
    page = client.get("/admin/").text
    kaspi_row, prom_row = _row(page, "kz-main"), _row(page, "ua-prom")
    last_success = (now - timedelta(hours=2) + timedelta(seconds=4)).strftime("%Y-%m-%d %H:%M")
    assert " ".join(_cell(kaspi_row, "last-import")) == last_success
    assert "kaspi answered 500: internal error" in kaspi_row
    assert _cell(kaspi_row, "orders-today") == ["2"]
    assert _cell(kaspi_row, "failed-pushes") == ["2"]
    token = shop_row(database, "kz-main").feed_token
    assert f"https://erp.example.com/feeds/{token}/" in kaspi_row
    assert _cell(prom_row, "last-import") == ["never"]
    assert _cell(prom_row, "orders-today") == ["0"] and _cell(prom_row, "failed-pushes") == ["0"]
    assert "jobs run inline" in page  # no Redis configured


def test_orders_today_counts_the_day_of_the_panels_time_zone(pg_database: Database, secret_key: str) -> None:
    shop_id = make_shop(pg_database, secret_key, "kz-main", "kaspi")
    zone = ZoneInfo("Asia/Almaty")
    day = datetime(2026, 3, 10, tzinfo=zone)
    make_order(pg_database, shop_id, "just-after-midnight", placed_at=day + timedelta(minutes=1))
    make_order(pg_database, shop_id, "just-before-midnight", placed_at=day - timedelta(minutes=1))
    make_order(pg_database, shop_id, "late-evening", placed_at=day + timedelta(hours=23, minutes=59))
    with pg_database.session() as session:
        overview = shop_overviews(session, day.astimezone(UTC), (day + timedelta(days=1)).astimezone(UTC))
    assert [o.orders_today for o in overview] == [2]


@pytest.mark.redis
def test_queue_depths_are_shown_when_redis_is_configured(
    database: Database, secret_key: str, tmp_path: Path, redis_url: str
) -> None:
    connection = Redis.from_url(redis_url)
    for _ in range(3):
        Queue("orders", connection=connection).enqueue("erpsync.sync.overview.shop_overviews")
    Queue("push", connection=connection).enqueue("erpsync.sync.overview.shop_overviews")
    client = _web(database, secret_key, tmp_path, ERPSYNC_REDIS_URL=redis_url)
    page = client.get("/admin/").text
    assert re.search(r'<tr data-queue="orders">.*?class="text-right queued">3<', page, re.S)
    assert re.search(r'<tr data-queue="push">.*?class="text-right queued">1<', page, re.S)


def test_an_unreachable_redis_is_a_warning_not_an_error_page(
    database: Database, secret_key: str, tmp_path: Path
) -> None:
    client = _web(database, secret_key, tmp_path, ERPSYNC_REDIS_URL="redis://127.0.0.1:1/0")
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Redis cannot be reached" in page.text


def test_the_dashboard_without_shops_invites_an_admin_to_add_one(admin_client: PanelClient, app: Flask) -> None:
    page = admin_client.get("/admin/").text
    assert "No shops yet." in page and "/admin/shops/new/" in page
