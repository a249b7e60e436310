"""The order pipeline runs unchanged for Zakupka: orders come from its CommerceML file through the same
import use case (status "new" only, one-way), and nothing is ever pushed back."""

from __future__ import annotations

from sqlalchemy import func, select

from erpsync.core.config import Settings
from erpsync.models import Order, OrderLine, OutboxMessage
from erpsync.models.db import Database
from erpsync.sandbox.zakupka import ZakupkaSandbox
from erpsync.sync.order_import import import_orders
from erpsync.sync.order_status import set_order_status
from erpsync.sync.shops import add_shop


def test_zakupka_orders_import_once_as_new_and_nothing_is_pushed_back(
    database: Database, secret_key: str, worker_config: Settings
) -> None:
    with ZakupkaSandbox(orders=3, random_seed=11) as sandbox:
        with database.session() as session:
            add_shop(session, name="ua-zak", marketplace="zakupka", secret_key=secret_key,
                     credentials={"orders_url": sandbox.orders_url})
        first = import_orders(database, "ua-zak", secret_key=secret_key, mappings_dir=worker_config.mappings_dir)
        again = import_orders(database, "ua-zak", secret_key=secret_key, mappings_dir=worker_config.mappings_dir)
    assert (first.counts.created, first.counts.failed) == (3, 0)
    assert (again.counts.created, again.counts.updated) == (0, 0)
    with database.session() as session:
        orders = session.scalars(select(Order)).all()
        assert len(orders) == 3 and {o.status for o in orders} == {"new"}
        assert {o.external_status for o in orders} == {"new"}
        assert session.scalar(select(func.count()).select_from(OrderLine)) >= 3
        request = set_order_status(session, orders[0], "accepted", "anna", mappings_dir=worker_config.mappings_dir)
        assert request.changed and request.message_ids == ()
        assert session.get(Order, orders[0].id).status == "accepted"  # kept in the accounting database
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
