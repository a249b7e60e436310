"""The order's page changes the status and enters a waybill through the order use cases (history and outbox in
one transaction), and a push of the order that failed for good is found by the orders' "failed push" filter
and shown on the order's page with its log."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from erpsync.core.config import load_settings
from erpsync.jobs.runner import run_inline
from erpsync.models import Order, OrderStatusChange, OutboxMessage, Waybill
from erpsync.models.db import Database
from tests.admin.conftest import PanelClient
from tests.admin.factories import make_order, make_shop
from tests.admin.forms import form_fields
from tests.mapping.conftest import REPO_MAPPINGS


@pytest.fixture
def mappings_dir(tmp_path: Path) -> Path:
    shutil.copytree(REPO_MAPPINGS, tmp_path / "mappings")
    return tmp_path / "mappings"


def _flash(page: str) -> str:
    match = re.search(r'<div class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', page, re.S)
    assert match, "no message on the page"
    return " ".join(re.sub(r"<[^>]+>|&times;", " ", match.group(1)).split())


def _change(client: PanelClient, order_id: int, **fields: str) -> str:
    page = f"/admin/orders/details/?id={order_id}"
    response = client.submit(page, f"/admin/orders/{order_id}/status", data=fields)
    assert response.headers["Location"] == page
    return client.get(page).text


def test_changing_the_status_on_the_orders_page_writes_history_and_an_outbox_message(
        accountant: PanelClient, database: Database, secret_key: str, mappings_dir: Path) -> None:
    shop_id = make_shop(database, secret_key, "kz-main", "kaspi")
    order = make_order(database, shop_id, "1001", status="new")
    page = accountant.get(f"/admin/orders/details/?id={order.order_id}").text
    fields = form_fields(page, "change-status")
    assert fields["status"] == "new"
    assert "cancelled — sets CANCELLED" in page and "shipped — sends nothing" in page  # what the mapping does
    page = _change(accountant, order.order_id, status="cancelled", reason="BUYER_NOT_REACHABLE",
                   comment="no answer for two days")
    assert _flash(page) == ("order 1001 is cancelled; CANCELLED queued for kaspi It goes to the marketplace with the "
                            "next delivery of the outbox (see Pushes below).")
    with database.session() as session:
        row = session.get(Order, order.order_id)
        assert row.status == "cancelled"
        change = session.scalars(select(OrderStatusChange).order_by(OrderStatusChange.id.desc())).first()
        assert (change.to_status, change.actor, change.source, change.note) == (
            "cancelled", "anna", "accounting", "reason: BUYER_NOT_REACHABLE; no answer for two days")
        [message] = session.scalars(select(OutboxMessage)).all()
        assert (message.kind, message.state, message.dedupe_key) == (
            "order_status", "pending", f"order:{order.order_id}:status:cancelled")
        assert message.payload["reason"] == "BUYER_NOT_REACHABLE"
    assert "order_status" in page[page.index('id="order-pushes"'):]


def test_a_change_the_use_case_refuses_changes_nothing_and_says_why(
        accountant: PanelClient, database: Database, secret_key: str, mappings_dir: Path) -> None:
    shop_id = make_shop(database, secret_key, "kz-main", "kaspi")
    order = make_order(database, shop_id, "1002", status="new")
    page = _change(accountant, order.order_id, status="cancelled", reason="FELT_LIKE_IT")
    assert "kaspi has no cancellation reason &#39;FELT_LIKE_IT&#39;" in page
    page = _change(accountant, order.order_id, status="lost")
    assert "unknown status &#39;lost&#39;" in page
    with database.session() as session:
        assert session.get(Order, order.order_id).status == "new"
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_waybill_entered_on_the_page_is_saved_and_queued_when_the_status_pushes_waybills(
        accountant: PanelClient, database: Database, secret_key: str, mappings_dir: Path) -> None:
    shop_id = make_shop(database, secret_key, "ua-horoshop", "horoshop")
    order = make_order(database, shop_id, "H-7", status="shipped", currency="UAH")  # shipped pushes waybills
    page = f"/admin/orders/details/?id={order.order_id}"
    accountant.submit(page, f"/admin/orders/{order.order_id}/waybill",
                      data={"number": "20450000123456", "carrier": "nova_poshta"})
    assert _flash(accountant.get(page).text) == (
        "Waybill 20450000123456 saved; it goes to horoshop with the next delivery of the outbox.")
    kaspi = make_shop(database, secret_key, "kz-main", "kaspi")
    other = make_order(database, kaspi, "K-8")
    page = f"/admin/orders/details/?id={other.order_id}"
    accountant.submit(page, f"/admin/orders/{other.order_id}/waybill", data={"number": "KZ-1", "carrier": "courier"})
    assert "kaspi takes no waybills through its API" in _flash(accountant.get(page).text)
    with database.session() as session:
        waybills = {w.number: w for w in session.scalars(select(Waybill))}
        assert waybills["20450000123456"].carrier == "nova_poshta" and waybills["KZ-1"].carrier == "courier"
        keys = {(m.kind, m.dedupe_key) for m in session.scalars(select(OutboxMessage))}
        # every waybill of the shipped Horoshop order not pushed yet (the factory gave it one); none for Kaspi
        assert keys == {("waybill", f"order:{order.order_id}:waybill:{waybills[number].id}")
                        for number in ("20450000123456", "WB-H-7")}
    empty = accountant.submit(page, f"/admin/orders/{other.order_id}/waybill", data={"number": "  "})
    assert "a waybill needs a number" in accountant.get(empty.headers["Location"]).text


def test_a_status_push_refused_by_the_marketplace_is_found_by_the_failed_push_filter_with_its_log(
        accountant: PanelClient, database: Database, secret_key: str, tmp_path: Path, mappings_dir: Path) -> None:
    shop_id = make_shop(database, secret_key, "kz-main", "kaspi", {"token": "kaspi-token-abcdef"})
    order = make_order(database, shop_id, "1003", status="new")  # on Kaspi it is ACCEPTED_BY_MERCHANT already
    make_order(database, shop_id, "1004", status="new")
    _change(accountant, order.order_id, status="accepted")
    settings = load_settings({"ERPSYNC_DATABASE_URL": database.url, "ERPSYNC_SECRET_KEY": secret_key}, cwd=tmp_path)
    run_inline("deliver_outbox", shop_id, {"kind": "order_status"}, database=database, config=settings)
    with database.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.state == "failed"  # Kaspi accepts only orders APPROVED_BY_BANK: refused before sending
    listing = accountant.get("/admin/orders/?flt0_5=1").text  # filter "Failed push" = yes
    assert "1003" in listing and "1004" not in listing
    page = accountant.get(f"/admin/orders/details/?id={order.order_id}").text
    assert "cannot be moved to ACCEPTED_BY_MERCHANT" in page[page.index('id="order-pushes"'):]
    events = page[page.index('id="order-events"'):]
    assert "not sent to kaspi" in events  # the delivery's log line names the order as the import does
