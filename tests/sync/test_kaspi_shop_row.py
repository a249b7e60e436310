"""A shop row is all it takes: a Kaspi shop stored with the sandbox's URL and token lists, accepts,
assembles, completes (with the buyer's SMS code) and cancels orders through the registry's connector."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from erpsync.marketplaces.base import OrderRef, StatusChange
from erpsync.marketplaces.kaspi import KaspiConnector
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.connectors import connector_for, shop_config
from erpsync.sync.shops import add_shop, get_shop

TOKEN = "kz-shop-row-token-42"


@pytest.fixture
def sandbox() -> Iterator[KaspiSandbox]:
    with KaspiSandbox(credentials={"token": TOKEN}, orders=0, random_seed=2) as server:
        yield server


def test_a_kaspi_shop_row_drives_orders_through_their_whole_life(
    database: Database, secret_key: str, sandbox: KaspiSandbox
) -> None:
    now = datetime.now(UTC)
    delivery_id = sandbox.add_order(kaspi_delivery=True, created=now - timedelta(hours=5))
    cancelled_id = sandbox.add_order(created=now - timedelta(hours=4))
    with database.session() as session:
        add_shop(session, name="kz-sandbox", marketplace="kaspi", secret_key=secret_key,
                 base_url=sandbox.base_url, credentials={"token": TOKEN})
    with database.session() as session:
        shop = get_shop(session, "kz-sandbox")
        assert "kz-shop-row-token" not in repr(shop_config(shop, secret_key))
        connector = connector_for(shop, secret_key)
    assert isinstance(connector, KaspiConnector)
    with connector:
        connector.check_connection()
        listed = {o.external_id: o for o in connector.list_orders(now - timedelta(days=2), now)}
        assert set(listed) == {delivery_id, cancelled_id}
        assert all(o.status == "APPROVED_BY_BANK" and o.lines for o in listed.values())

        order = listed[delivery_id]
        ref = OrderRef(order.external_id, order.number, order.status)
        accepted = connector.set_status(StatusChange(ref, "ACCEPTED_BY_MERCHANT"))
        assert accepted is not None and accepted.status == "ACCEPTED_BY_MERCHANT"
        ref = OrderRef(order.external_id, order.number, accepted.status)
        assembled = connector.set_status(StatusChange(ref, "ASSEMBLE", extra={"number_of_space": 1}))
        assert assembled is not None and assembled.extra["assembled"] and assembled.waybill_number
        assert connector.set_status(StatusChange(ref, "COMPLETED")) is None  # the buyer gets an SMS code
        code = sandbox.sent_code(delivery_id)
        assert code is not None
        completed = connector.set_status(StatusChange(ref, "COMPLETED", extra={"security_code": code}))
        assert completed is not None and completed.status == "COMPLETED"

        other = listed[cancelled_id]
        cancel = StatusChange(OrderRef(other.external_id, other.number, other.status), "CANCELLED",
                              reason="BUYER_NOT_REACHABLE", comment="Не дозвонились дважды")
        cancelled = connector.set_status(cancel)
        assert cancelled is not None and cancelled.status == "CANCELLED"

    assert sandbox.order(delivery_id).status == "COMPLETED"
    assert sandbox.order(cancelled_id).status == "CANCELLED"
    assert len(sandbox.mutating_requests("/shop/api/v2/orders")) == 5
