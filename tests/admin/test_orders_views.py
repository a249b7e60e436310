"""Orders in the panel: the list's filters (shop, status, day in the panel's time zone, unmatched lines,
failed push), search, and an order's page with everything about it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from erpsync.admin import create_app
from erpsync.models.db import Database
from tests.admin.conftest import PanelClient, make_settings
from tests.admin.factories import make_order, make_shop, make_users

# filter arguments: flt<position>_<index of the filter in OrderView.filter_keys>
SHOP, STATUS, PLACED_ON, PLACED_BETWEEN, UNMATCHED, FAILED_PUSH = range(6)


def _numbers(page: str, candidates: list[str]) -> set[str]:
    """Which of the order numbers the list page shows (each in a table cell of its own)."""
    return {number for number in candidates if re.search(rf">\s*{re.escape(number)}\s*<", page)}


@pytest.fixture
def almaty(database: Database, secret_key: str, tmp_path: Path) -> Flask:
    """The panel showing Almaty time (UTC+5)."""
    make_users(database)
    return create_app(make_settings(database, secret_key, tmp_path, ERPSYNC_TIMEZONE="Asia/Almaty"), database)


@pytest.fixture
def orders(database: Database, secret_key: str) -> dict[str, int]:
    kaspi = make_shop(database, secret_key, "kz-main", "kaspi", {"token": "kaspi-token-123456"})
    prom = make_shop(database, secret_key, "ua-prom", "prom", {"token": "prom-token-123456"})
    make_order(database, kaspi, "K-1", placed_at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC), status="accepted")
    make_order(database, kaspi, "K-2", placed_at=datetime(2026, 3, 9, 20, 30, tzinfo=UTC), unmatched=True)
    make_order(database, prom, "P-1", placed_at=datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
               failed_push="prom answered 400: order 777 cannot be set to received")
    make_order(database, prom, "P-2", placed_at=datetime(2026, 3, 12, 8, 0, tzinfo=UTC), status="cancelled")
    return {"kaspi": kaspi, "prom": prom}


ALL = ["K-1", "K-2", "P-1", "P-2"]


def _login(app: Flask) -> PanelClient:
    client = PanelClient(app.test_client())
    assert client.login("anna").status_code == 302
    return client


def test_orders_filter_by_shop_status_unmatched_lines_and_failed_push(almaty: Flask, orders: dict[str, int]) -> None:
    client = _login(almaty)
    assert _numbers(client.get("/admin/orders/").text, ALL) == set(ALL)
    cases = {
        f"flt0_{SHOP}={orders['prom']}": {"P-1", "P-2"},
        f"flt0_{STATUS}=cancelled": {"P-2"},
        f"flt0_{UNMATCHED}=1": {"K-2"},
        f"flt0_{UNMATCHED}=0": {"K-1", "P-1", "P-2"},
        f"flt0_{FAILED_PUSH}=1": {"P-1"},
        f"flt0_{SHOP}={orders['kaspi']}&flt1_{STATUS}=new": {"K-2"},
    }
    for query, expected in cases.items():
        page = client.get(f"/admin/orders/?{query}")
        assert page.status_code == 200
        assert _numbers(page.text, ALL) == expected, query


def test_order_dates_are_days_of_the_panels_time_zone(almaty: Flask, orders: dict[str, int]) -> None:
    client = _login(almaty)
    # K-2 was placed at 20:30 UTC on the 9th: 01:30 on the 10th in Almaty
    assert _numbers(client.get(f"/admin/orders/?flt0_{PLACED_ON}=2026-03-09").text, ALL) == {"K-1"}
    assert _numbers(client.get(f"/admin/orders/?flt0_{PLACED_ON}=2026-03-10").text, ALL) == {"K-2", "P-1"}
    between = client.get(f"/admin/orders/?flt0_{PLACED_BETWEEN}=2026-03-10+to+2026-03-12").text
    assert _numbers(between, ALL) == {"K-2", "P-1", "P-2"}
    assert "2026-03-10 01:30" in client.get("/admin/orders/").text  # shown in local time


def test_orders_search_by_number_and_recipient(accountant: PanelClient, orders: dict[str, int]) -> None:
    assert _numbers(accountant.get("/admin/orders/?search=P-2").text, ALL) == {"P-2"}
    assert _numbers(accountant.get("/admin/orders/?search=Сапарова").text, ALL) == set(ALL)


def test_a_wrong_filter_value_is_ignored_not_an_error(accountant: PanelClient, orders: dict[str, int]) -> None:
    for query in (f"flt0_{PLACED_ON}=yesterday", f"flt0_{STATUS}=lost", f"flt0_{UNMATCHED}=maybe",
                  f"flt0_{SHOP}=abc"):
        page = accountant.get(f"/admin/orders/?{query}")
        assert page.status_code == 200, query


def test_an_orders_page_shows_lines_customer_reservations_waybill_history_pushes_and_payload(
    accountant: PanelClient, database: Database, secret_key: str
) -> None:
    shop_id = make_shop(database, secret_key, "ua-prom", "prom", {"token": "prom-token-123456"})
    order = make_order(database, shop_id, "P-77", unmatched=True, failed_push="prom answered 400: bad status",
                       payload={"id": 777, "client_notes": "<b>ring twice</b>", "price": "25 990 ₸"})
    page = accountant.get(f"/admin/orders/details/?id={order.order_id}")
    assert page.status_code == 200
    text = page.text
    for expected in (
        "Order P-77", "Айгуль Сапарова", "+77011234567", "Алматы, пр. Абая 10, кв. 5",  # customer, delivery
        "KETTLE-1", "UNKNOWN-SKU", "unmatched",  # lines
        'id="order-reservations"', "MAIN",  # reservation in warehouse MAIN
        "WB-P-77", "not yet",  # the waybill, not yet pushed
        "APPROVED_BY_BANK", "anna",  # status history
        "prom answered 400: bad status",  # the failed push
        "&#34;client_notes&#34;: &#34;&lt;b&gt;ring twice&lt;/b&gt;&#34;", "25 990 ₸",  # payload, escaped
    ):
        assert expected in text, expected
    assert "<b>ring twice</b>" not in text
    assert accountant.get("/admin/orders/details/?id=999999").status_code == 302  # back to the list
