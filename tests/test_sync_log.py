from __future__ import annotations

import pytest
from sqlalchemy import select

from erpsync.models import Shop, SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sync.log import sync_run


def test_a_run_records_counts_and_events_even_when_it_fails(database: Database) -> None:
    with database.session() as session:
        shop = Shop(name="kz1", marketplace="kaspi", base_url="http://x")
        session.add(shop)
    with sync_run(database, "orders", shop.id) as log:
        log.counts.fetched = 3
        log.counts.failed = 1
        log.error("order 42: bad total", entity_type="order", entity_id="42", payload={"total": "x"})
    with pytest.raises(RuntimeError), sync_run(database, "orders", shop.id) as log:
        raise RuntimeError("marketplace down, token=abcdef123")
    with database.session() as session:
        first, second = session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        assert (first.status, first.fetched, first.failed) == ("partial", 3, 1)
        assert second.status == "failed" and "abcdef123" not in (second.message or "")
        events = session.scalars(select(SyncEvent).order_by(SyncEvent.id)).all()
        assert events[0].payload == {"total": "x"} and events[0].entity_id == "42"
        assert "marketplace down" in events[1].message and "abcdef123" not in events[1].message
