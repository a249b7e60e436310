"""Never a half-saved order: Prom orders mutated at random (wrong types, huge and odd texts with NUL and lone
surrogates, negative quantities…) come from the Prom sandbox over HTTP between two sound orders, and the real
import stores them on SQLite and PostgreSQL. Afterwards the sound orders are saved whole, and the mutated one
is either saved with every line it decodes to, or absent with an error in the sync log naming it; no line,
reservation or status row is left without its order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from erpsync.core.errors import PayloadError
from erpsync.marketplaces.prom import codec
from erpsync.models import Order, OrderLine, OrderStatusChange, Product, Reservation, StockLevel, SyncEvent, Warehouse
from erpsync.models.db import Database
from erpsync.sandbox.prom import PromSandbox
from erpsync.sync.order_import import import_orders
from erpsync.sync.shops import add_shop
from tests.conftest import _wipe
from tests.fuzz.strategies import DERANDOMIZE, EXAMPLES, mutated

TOKEN = "prom-fuzz-token-5b1f0c"
# Keys the sandbox itself needs to list the order (its id and its time of change) stay as they are.
KEPT = ("id", "date_modified")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[PromSandbox]:
    with PromSandbox(credentials={"token": TOKEN}, orders=0, random_seed=13) as prom:
        yield prom


def _prepare(database: Database, sandbox: PromSandbox, secret_key: str) -> None:
    _wipe(database)
    sandbox.prom.orders.clear()
    with database.session() as session:
        warehouse = Warehouse(code="MAIN", name="Main")
        product = Product(sku="SKU-001", name_uk="Шкарпетки")
        session.add_all([warehouse, product])
        session.flush()
        session.add(StockLevel(product_id=product.id, warehouse_id=warehouse.id, quantity=1000))
        add_shop(session, name="prom-fuzz", marketplace="prom", secret_key=secret_key, base_url=sandbox.base_url,
                 credentials={"token": TOKEN}, settings={"warehouses": ["MAIN"]})


def _decodes(raw: dict) -> int | None:
    """How many lines the order decodes to; None when it does not decode."""
    try:
        return len(codec.decode_order(raw, currency="UAH").lines)
    except PayloadError:
        return None


def _check_store(database: Database, sound: list[str], hostile: str, hostile_raw: dict) -> None:
    with database.session() as session:
        saved = {o.external_id: o for o in session.scalars(select(Order))}
        for external_id in sound:
            assert external_id in saved, f"the sound order {external_id} was not saved"
            assert len(saved[external_id].lines) == 1
        errors = [e for e in session.scalars(select(SyncEvent).where(SyncEvent.level == "error"))]
        lines = _decodes(hostile_raw)
        if hostile in saved:
            assert lines is not None and len(saved[hostile].lines) == lines
        else:
            assert any(e.entity_id == hostile for e in errors), (
                f"order {hostile} is neither saved nor logged: {[e.message for e in errors]}")
        # nothing of an order without the order
        order_ids = set(session.scalars(select(Order.id)))
        assert set(session.scalars(select(OrderLine.order_id))) <= order_ids
        assert set(session.scalars(select(OrderStatusChange.order_id))) <= order_ids
        line_ids = set(session.scalars(select(OrderLine.id)))
        assert set(session.scalars(select(Reservation.line_id))) <= line_ids
        assert session.scalar(select(func.min(Reservation.quantity))) or 0 >= 0


def test_a_mutated_order_is_saved_whole_or_not_at_all_and_the_batch_goes_on(
    database: Database, sandbox: PromSandbox, secret_key: str
) -> None:
    @settings(max_examples=max(10, EXAMPLES // 6), deadline=None, derandomize=DERANDOMIZE)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        _prepare(database, sandbox, secret_key)
        first = sandbox.add_order(lines=[("SKU-001", 1)])
        hostile = sandbox.add_order(lines=[("SKU-001", 2), ("SKU-001", 1)])
        last = sandbox.add_order(lines=[("SKU-001", 1)])
        raw = sandbox.prom.orders[int(hostile)]
        bad = data.draw(mutated(raw, max_mutations=5))
        bad = bad if isinstance(bad, dict) else {"value": bad}
        bad.update({key: raw[key] for key in KEPT})
        sandbox.prom.orders[int(hostile)] = bad
        report = import_orders(database, "prom-fuzz", secret_key=secret_key, now=datetime.now(UTC))
        assert report.counts.fetched == 3
        _check_store(database, [first, last], hostile, bad)

    check()


HOSTILE_CHANGES = {
    "nul_in_the_buyer_name": {"client_first_name": "Ole\x00na", "client_notes": "call\x00me"},
    "lone_surrogate_in_the_comment": {"client_notes": "\ud800 broken", "client_last_name": "\udfff"},
    "huge_texts": {"client_notes": "Ж" * 200_000, "delivery_address": "вул. " * 50_000,
                   "client_last_name": "L" * 5_000, "phone": "+380" + "9" * 300},
    "bidi_and_control_characters": {"client_first_name": "\u202eanelO\x1b[31m", "email": "a\u0000@b.c"},
    "negative_quantity": {"products": [{"id": 1, "external_id": "SKU-001", "sku": "SKU-001", "quantity": -5,
                                        "price": "100 грн", "total_price": "-500 грн", "name": "x"}]},
    "nan_price": {"products": [{"id": 1, "external_id": "SKU-001", "quantity": 1, "price": float("nan")}]},
    "huge_sku": {"products": [{"id": 1, "external_id": "S" * 1000, "sku": "S" * 1000, "quantity": 1,
                               "price": 5}]},
    "status_of_a_novel": {"status": "pending" * 100},
}


@pytest.mark.parametrize("change", sorted(HOSTILE_CHANGES))
def test_a_hostile_order_is_saved_whole_or_logged_and_the_batch_goes_on(
    database: Database, sandbox: PromSandbox, secret_key: str, change: str
) -> None:
    _prepare(database, sandbox, secret_key)
    first = sandbox.add_order(lines=[("SKU-001", 1)])
    hostile = sandbox.add_order(lines=[("SKU-001", 2)])
    last = sandbox.add_order(lines=[("SKU-001", 1)])
    sandbox.prom.orders[int(hostile)].update(HOSTILE_CHANGES[change])
    report = import_orders(database, "prom-fuzz", secret_key=secret_key, now=datetime.now(UTC))
    assert report.counts.fetched == 3
    _check_store(database, [first, last], hostile, sandbox.prom.orders[int(hostile)])


def _outcome(database: Database, external_id: str) -> str:
    with database.session() as session:
        if session.scalar(select(Order.id).where(Order.external_id == external_id)) is not None:
            return "saved"
        return "logged"


def test_odd_texts_in_an_order_are_stored_cleaned_not_refused(
    database: Database, sandbox: PromSandbox, secret_key: str
) -> None:
    """A NUL or a lone surrogate in a buyer's name or comment is no reason to lose the order."""
    _prepare(database, sandbox, secret_key)
    hostile = sandbox.add_order(lines=[("SKU-001", 1)])
    sandbox.prom.orders[int(hostile)].update(HOSTILE_CHANGES["nul_in_the_buyer_name"])
    sandbox.prom.orders[int(hostile)]["client_last_name"] = "Ко\udfffваль"
    import_orders(database, "prom-fuzz", secret_key=secret_key, now=datetime.now(UTC))
    with database.session() as session:
        messages = [e.message for e in session.scalars(select(SyncEvent))]
    assert _outcome(database, hostile) == "saved", messages
