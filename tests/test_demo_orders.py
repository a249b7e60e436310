"""The demo's orders step runs end to end on a fresh database: import, accept, cancel, complete with the
SMS code, assemble, and the summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from erpsync.core.config import Settings
from erpsync.demo.data import generate_catalog
from erpsync.demo.orders_step import DEMO_SHOP, step_orders
from erpsync.models import Order, OutboxMessage, Shop
from erpsync.models.db import Database
from tests.conftest import _wipe
from tests.sync.order_fixtures import MAPPINGS


@pytest.fixture
def demo_database(sqlite_url: str) -> Iterator[Database]:
    """SQLite only, as ``make demo`` runs it (the step talks to the sandbox at its rate limit: one run is enough)."""
    database = Database(sqlite_url)
    _wipe(database)
    try:
        yield database
    finally:
        _wipe(database)
        database.dispose()


def test_the_orders_demo_imports_and_pushes_every_kind_of_change(
    demo_database: Database, secret_key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = demo_database
    generate_catalog(database, 20)
    settings = Settings(database_url=database.url, redis_url=None, mappings_dir=MAPPINGS, feed_dir=tmp_path,
                        secret_key=secret_key)
    step_orders(database, settings)
    shown = capsys.readouterr().out
    assert "created 10" in shown and "failed 0" in shown
    assert "Kaspi texted the buyer the code" in shown and "COMPLETED set on kaspi" in shown
    with database.session() as session:
        shop_id = session.scalar(select(Shop.id).where(Shop.name == DEMO_SHOP))
        states = set(session.scalars(select(OutboxMessage.state).where(OutboxMessage.shop_id == shop_id)))
        statuses = set(session.scalars(select(Order.status)))
    assert states == {"done"}
    assert {"accepted", "cancelled", "completed", "assembled"} <= statuses
