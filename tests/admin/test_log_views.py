"""The sync log in the panel: runs and events, search by error text, filters by shop, kind, level and day;
a failed item shows its payload and its error; failed pushes in the outbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from erpsync.models import OutboxMessage, SyncEvent
from erpsync.models.db import Database
from tests.admin.conftest import PanelClient
from tests.admin.factories import make_order, make_run, make_shop

# filter arguments of the events list: flt<position>_<index in SyncEventView.filter_keys>
E_SHOP, E_KIND, E_LEVEL, E_ON, E_BETWEEN = range(5)
MESSAGES = ["order 501 cannot be parsed: totalPrice missing", "order 502 imported", "stock of SKU-9 pushed",
            "order 601 has an unknown SKU X-1"]


def _shown(page: str) -> set[str]:
    return {message for message in MESSAGES if message in page}


def _log(database: Database, secret_key: str) -> dict[str, int]:
    kaspi = make_shop(database, secret_key, "kz-main", "kaspi", {"token": "kaspi-token-123456"})
    prom = make_shop(database, secret_key, "ua-prom", "prom", {"token": "prom-token-123456"})
    failed_run = make_run(database, kaspi, status="partial", failed=1, started_at=datetime(2026, 3, 9, 10, tzinfo=UTC),
                          events=[("error", MESSAGES[0], {"id": "501", "attributes": {"code": "501"}}),
                                  ("info", MESSAGES[1], None)])
    make_run(database, kaspi, kind="stock", started_at=datetime(2026, 3, 10, 10, tzinfo=UTC),
             events=[("info", MESSAGES[2], None)])
    make_run(database, prom, status="partial", started_at=datetime(2026, 3, 11, 10, tzinfo=UTC),
             events=[("warning", MESSAGES[3], {"id": 601})])
    return {"kaspi": kaspi, "prom": prom, "failed_run": failed_run}


def test_the_log_is_searched_by_error_text(accountant: PanelClient, database: Database, secret_key: str) -> None:
    _log(database, secret_key)
    assert _shown(accountant.get("/admin/log/events/").text) == set(MESSAGES)
    assert _shown(accountant.get("/admin/log/events/?search=totalPrice+missing").text) == {MESSAGES[0]}
    assert _shown(accountant.get("/admin/log/events/?search=unknown+sku").text) == {MESSAGES[3]}


def test_the_log_filters_by_shop_kind_level_and_day(accountant: PanelClient, database: Database,
                                                     secret_key: str) -> None:
    ids = _log(database, secret_key)
    cases = {
        f"flt0_{E_SHOP}={ids['prom']}": {MESSAGES[3]},
        f"flt0_{E_KIND}=stock": {MESSAGES[2]},
        f"flt0_{E_LEVEL}=error": {MESSAGES[0]},
        f"flt0_{E_ON}=2026-03-10": {MESSAGES[2]},
        f"flt0_{E_BETWEEN}=2026-03-09+to+2026-03-10": set(MESSAGES[:3]),
        f"flt0_{E_SHOP}={ids['kaspi']}&flt1_{E_LEVEL}=info": {MESSAGES[1], MESSAGES[2]},
    }
    for query, expected in cases.items():
        page = accountant.get(f"/admin/log/events/?{query}")
        assert page.status_code == 200
        assert _shown(page.text) == expected, query
    # the kind and shop filters offer the kinds and shops there are now
    page = accountant.get("/admin/log/events/").text
    assert re.search(r'"orders",\s*"orders"', page) and re.search(r'"stock",\s*"stock"', page)
    assert re.search(rf'"{ids["prom"]}",\s*"ua-prom"', page)


def test_a_failed_item_shows_its_payload_and_its_error(accountant: PanelClient, database: Database,
                                                        secret_key: str) -> None:
    _log(database, secret_key)
    with database.session() as session:
        event_id = session.scalar(select(SyncEvent.id).where(SyncEvent.level == "error"))
    page = accountant.get(f"/admin/log/events/details/?id={event_id}")
    assert page.status_code == 200
    assert MESSAGES[0] in page.text
    assert "&#34;code&#34;: &#34;501&#34;" in page.text  # the payload, as indented JSON
    assert "The run of this event" in page.text


def test_a_runs_page_lists_its_events_and_runs_filter_by_outcome(accountant: PanelClient, database: Database,
                                                                  secret_key: str) -> None:
    ids = _log(database, secret_key)
    page = accountant.get(f"/admin/log/runs/details/?id={ids['failed_run']}")
    assert page.status_code == 200
    assert MESSAGES[0] in page.text and MESSAGES[1] in page.text and MESSAGES[2] not in page.text
    partial = accountant.get("/admin/log/runs/?flt0_2=partial").text
    stock_runs = accountant.get("/admin/log/runs/?flt0_1=stock").text
    assert partial.count("/admin/log/runs/details/?id=") == 2
    assert stock_runs.count("/admin/log/runs/details/?id=") == 1


def test_failed_pushes_show_their_payload_and_last_error(accountant: PanelClient, database: Database,
                                                          secret_key: str) -> None:
    shop_id = make_shop(database, secret_key, "ua-prom", "prom", {"token": "prom-token-123456"})
    make_order(database, shop_id, "P-1", failed_push="prom answered 400: status received not allowed")
    make_order(database, shop_id, "P-2")
    with database.session() as session:
        push_id = session.scalar(select(OutboxMessage.id))
    failed = accountant.get("/admin/log/outbox/?flt0_1=failed")
    assert "prom answered 400: status received not allowed" in failed.text
    page = accountant.get(f"/admin/log/outbox/details/?id={push_id}")
    assert "prom answered 400: status received not allowed" in page.text
    assert "&#34;status&#34;: &#34;accepted&#34;" in page.text


def test_a_failed_push_is_sent_again_from_its_page(accountant: PanelClient, database: Database,
                                                    secret_key: str) -> None:
    shop_id = make_shop(database, secret_key, "ua-prom", "prom", {"token": "prom-token-123456"})
    make_order(database, shop_id, "P-1", failed_push="prom answered 503")
    with database.session() as session:
        push_id = session.scalar(select(OutboxMessage.id))
    page = f"/admin/log/outbox/details/?id={push_id}"
    assert 'id="retry-push"' in accountant.get(page).text
    response = accountant.submit(page, f"/admin/log/outbox/{push_id}/retry", follow_redirects=True)
    assert "The push is pending again" in response.text
    assert 'id="retry-push"' not in response.text  # no longer failed
    with database.session() as session:
        push = session.get(OutboxMessage, push_id)
        assert (push.state, push.attempts) == ("pending", 0)
    again = accountant.submit(page, f"/admin/log/outbox/{push_id}/retry", follow_redirects=True)
    assert f"outbox message #{push_id} is pending; only failed messages are retried" in again.text
