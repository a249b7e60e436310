"""Importing orders from the Kaspi sandbox over HTTP: idempotent, one bad order never stops a batch, a
crash loses nothing, concurrent imports neither duplicate nor oversell, unpaid orders wait."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from erpsync.models import (
    Customer,
    HeldOrder,
    Invoice,
    Order,
    OrderLine,
    Shop,
    SyncCursor,
    SyncEvent,
    SyncRun,
    Waybill,
)
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.order_import import read_cursor
from tests.sync.order_fixtures import SHOP, make_kaspi_shop, reserved, run_import, snapshot


def test_second_import_of_the_same_orders_changes_nothing(
    database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    kaspi.add_order(lines=[("NB-A5-48", 2), ("BL-PH-700", 1)], customer=0)
    kaspi.add_order(lines=[("NB-A5-48", 1)], customer=0, status="ACCEPTED_BY_MERCHANT")
    kaspi.add_order(lines=[("DVR-70-A800", 1)], customer=1, kaspi_delivery=True)
    first = run_import(database, secret_key)
    assert (first.counts.fetched, first.counts.created, first.counts.failed) == (3, 3, 0)
    before = snapshot(database)
    assert before["lines"] == 4 and before["history"] == 3
    second = run_import(database, secret_key, datetime.now(UTC) + timedelta(minutes=2))
    assert (second.counts.created, second.counts.updated, second.counts.skipped) == (0, 0, 3)
    assert snapshot(database) == before
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 2


def test_status_changes_on_the_marketplace_update_the_order_and_its_history(
    database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    order_id = kaspi.add_order(lines=[("BL-PH-700", 1)])
    run_import(database, secret_key)
    assert reserved(database, "BL-PH-700") == 1
    kaspi.order(order_id).attributes.update(status="CANCELLED", state="ARCHIVE")
    report = run_import(database, secret_key, datetime.now(UTC) + timedelta(minutes=2))
    assert report.counts.updated == 1
    with database.session() as session:
        order = session.scalar(select(Order).where(Order.external_id == order_id))
        assert (order.status, order.external_status) == ("cancelled", "CANCELLED")
        assert [(h.from_status, h.to_status, h.external_status, h.source) for h in order.history] == [
            (None, "new", "APPROVED_BY_BANK", "marketplace"), ("new", "cancelled", "CANCELLED", "marketplace")]
    assert reserved(database, "BL-PH-700") == 0  # the cancelled order gave its unit back


def test_open_orders_are_read_again_though_kaspi_lists_by_creation_date(
    database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi, order_lookback_days=7)
    now = datetime.now(UTC)
    old = kaspi.add_order(created=now - timedelta(days=5), status="ACCEPTED_BY_MERCHANT")
    run_import(database, secret_key, now)
    kaspi.order(old).attributes.update(status="COMPLETED", state="ARCHIVE")
    report = run_import(database, secret_key, now + timedelta(hours=3))  # the cursor is hours past the order
    assert report.window is not None and report.window.since <= now - timedelta(days=5)
    with database.session() as session:
        assert session.scalar(select(Order.status).where(Order.external_id == old)) == "completed"
    report = run_import(database, secret_key, now + timedelta(hours=6))
    assert report.window is not None and report.window.since > now - timedelta(days=1)  # closed: not read again
    assert report.counts.fetched == 0


def test_a_malformed_order_in_the_middle_is_logged_with_its_payload_and_imported_once_fixed(
    database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    now = datetime.now(UTC)
    first = kaspi.add_order(created=now - timedelta(hours=3))
    bad = kaspi.add_order(created=now - timedelta(hours=2))
    last = kaspi.add_order(created=now - timedelta(hours=1))
    kaspi.order(bad).attributes["totalPrice"] = "a lot"
    report = run_import(database, secret_key, now)
    assert (report.status, report.counts.created, report.counts.failed) == ("partial", 2, 1)
    assert report.cursor is not None and report.cursor <= now - timedelta(hours=2)  # it will be read again
    with database.session() as session:
        assert sorted(session.scalars(select(Order.external_id))) == sorted([first, last])
        [error] = session.scalars(select(SyncEvent).where(SyncEvent.level == "error")).all()
        assert error.entity_id == bad and "totalPrice" in error.message
        assert error.payload["attributes"]["totalPrice"] == "a lot"
    kaspi.order(bad).attributes["totalPrice"] = 890.0
    report = run_import(database, secret_key, now + timedelta(minutes=2))
    assert (report.status, report.counts.created, report.counts.failed) == ("success", 1, 0)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 3


class ProcessKilled(BaseException):
    """Stands for the process dying: nothing catches it."""


@pytest.fixture
def crash_before_commit() -> Iterator[None]:
    """The first transaction about to commit a new order dies before it commits."""
    fired: list[bool] = []

    def mark(session: Session, _context: object, _instances: object) -> None:
        if any(isinstance(obj, Order) for obj in session.new):
            session.info["new_order"] = True

    def die(session: Session) -> None:
        if session.info.pop("new_order", False) and not fired:
            fired.append(True)
            raise ProcessKilled()

    event.listen(Session, "before_flush", mark)
    event.listen(Session, "before_commit", die)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", die)
        event.remove(Session, "before_flush", mark)


def test_a_crash_after_the_marketplace_answered_but_before_commit_imports_the_order_exactly_once(
    database: Database, secret_key: str, kaspi: KaspiSandbox, crash_before_commit: None
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    order_id = kaspi.add_order(lines=[("NB-A5-48", 3)])
    with pytest.raises(ProcessKilled):
        run_import(database, secret_key)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0
        assert session.scalar(select(func.count()).select_from(SyncCursor)) == 0
    report = run_import(database, secret_key)
    assert report.counts.created == 1
    with database.session() as session:
        [order] = session.scalars(select(Order)).all()
        assert order.external_id == order_id and len(order.lines) == 1 and len(order.history) == 1
    assert reserved(database, "NB-A5-48") == 3


@pytest.mark.postgres
def test_concurrent_imports_of_overlapping_windows_neither_duplicate_nor_oversell(
    pg_database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(pg_database, secret_key, kaspi)
    now = datetime.now(UTC)
    for hours in range(1, 7):  # six buyers want the one blender in stock
        kaspi.add_order(created=now - timedelta(hours=hours), lines=[("BL-PH-700", 1), ("NB-A5-48", 1)],
                        customer=hours % 3)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def import_at(moment: datetime) -> None:
        try:
            start.wait()
            run_import(pg_database, secret_key, moment)
        except BaseException as error:  # surfaced below
            failures.append(error)

    threads = [threading.Thread(target=import_at, args=(now + timedelta(seconds=s),)) for s in (0, 30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with pg_database.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 6
        assert session.scalar(select(func.count()).select_from(OrderLine)) == 12
        assert session.scalar(select(func.count()).select_from(Customer)) == 3
        blender_shortfall = session.scalar(
            select(func.sum(OrderLine.reserve_shortfall)).where(OrderLine.sku == "BL-PH-700"))
    assert reserved(pg_database, "BL-PH-700") == 1 and blender_shortfall == 5
    assert reserved(pg_database, "NB-A5-48") == 6


def test_an_unpaid_order_of_a_delayed_payment_method_waits_until_paid_or_the_delay_ends(
    database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi, delayed_payment_methods=["PREPAID"], delayed_payment_minutes=5)
    now = datetime.now(UTC)
    paid_later = kaspi.add_order(payment_mode="PREPAID", created=now - timedelta(minutes=3))
    never_paid = kaspi.add_order(payment_mode="PREPAID", created=now - timedelta(minutes=2))
    credit = kaspi.add_order(payment_mode="PAY_WITH_CREDIT", created=now - timedelta(minutes=1))
    for order_id in (paid_later, never_paid):
        kaspi.order(order_id).attributes["approvedByBankDate"] = None
    report = run_import(database, secret_key, now)
    assert (report.counts.created, report.counts.skipped) == (1, 2)

    def imported() -> set[str]:
        with database.session() as session:
            return set(session.scalars(select(Order.external_id)))

    assert imported() == {credit}
    run_import(database, secret_key, now + timedelta(minutes=1))
    assert imported() == {credit}
    kaspi.order(paid_later).attributes["approvedByBankDate"] = int(now.timestamp() * 1000)
    run_import(database, secret_key, now + timedelta(minutes=2))
    assert imported() == {credit, paid_later}
    run_import(database, secret_key, now + timedelta(minutes=6))  # the delay is over: imported unpaid
    assert imported() == {credit, paid_later, never_paid}
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(HeldOrder)) == 0
        assert session.scalar(select(Order.is_paid).where(Order.external_id == never_paid)) is False


def test_buyers_lines_stock_invoices_and_kaspi_waybills_of_imported_orders(
    database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi, auto_invoice=True, reservation_days=2)
    now = datetime.now(UTC)
    first = kaspi.add_order(customer=2, lines=[("BL-PH-700", 2), ("VC-SONY-AX43", 1)], created=now - timedelta(hours=2))
    second = kaspi.add_order(customer=2, lines=[("NB-A5-48", 4)], kaspi_delivery=True, created=now - timedelta(hours=1))
    kaspi.kaspi.customers[kaspi.order(second).user]["lastName"] = "Петров-Водкин"
    kaspi.order(second).attributes["customer"]["lastName"] = "Петров-Водкин"
    kaspi.order(second).attributes["kaspiDelivery"]["waybillNumber"] = "155001234"
    odd = kaspi.add_order(customer=3, lines=[("NB-A5-48", 1)], created=now - timedelta(minutes=30))
    kaspi.order(odd).attributes.update(deliveryMode="DELIVERY_BY_DRONE", status="PRE_APPROVED")
    run_import(database, secret_key, now)
    with database.session() as session:
        customer = session.scalar(select(Customer).where(Customer.phone == "+77051234567"))
        assert session.scalar(select(func.count()).select_from(Customer)) == 2  # two orders of Иван: one buyer
        assert customer.phone == "+77051234567" and customer.full_name == "Иван Петров-Водкин"
        order = session.scalar(select(Order).where(Order.external_id == first))
        blender, camera = sorted(order.lines, key=lambda line: line.sku)
        assert (blender.is_unmatched, blender.reserve_shortfall) == (False, 1)  # one blender in stock
        assert [(r.quantity, r.until > now + timedelta(days=1)) for r in blender.reservations] == [(1, True)]
        assert (camera.is_unmatched, camera.product_id, camera.reserve_shortfall) == (True, None, 0)
        assert order.delivery_method == "pickup" and order.delivery_method_external == "DELIVERY_PICKUP"
        invoices = session.scalars(select(Invoice)).all()
        assert sorted(i.order_id for i in invoices) == sorted(session.scalars(select(Order.id)))
        [waybill] = session.scalars(select(Waybill)).all()
        assert (waybill.number, waybill.pushed_at is not None) == ("155001234", True)
        warnings = [e.message for e in session.scalars(select(SyncEvent).where(SyncEvent.level == "warning"))]
    with database.session() as session:
        unusual = session.scalar(select(Order).where(Order.external_id == odd))
        assert (unusual.delivery_method_external, unusual.delivery_method) == ("DELIVERY_BY_DRONE", "other")
        assert (unusual.status, unusual.external_status) == ("new", "PRE_APPROVED")
    assert any("'DELIVERY_BY_DRONE' is not in the mapping" in w for w in warnings)
    assert any("PRE_APPROVED has no accounting status" in w for w in warnings)
    assert any("VC-SONY-AX43" in w and "unmatched" in w for w in warnings)
    assert any("could not be reserved" in w for w in warnings)
    assert reserved(database, "NB-A5-48") == 5


def test_a_disabled_shop_or_order_import_switched_off_is_skipped(
    database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi, sync_orders=False)
    kaspi.add_order()
    assert run_import(database, secret_key).status == "skipped"
    assert kaspi.requests == []
    with database.session() as session:
        assert session.scalar(select(SyncRun.message)) == "order import is off (sync_orders=false)"
        shop = session.scalar(select(Shop).where(Shop.name == SHOP))
        assert read_cursor(session, shop.id) is None
