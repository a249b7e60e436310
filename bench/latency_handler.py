"""The outbox handler used by ``push_latency.py``: accepts the orders named in the messages on the
shop's marketplace (the Kaspi sandbox) through the shop's real connector. Imported by the bench's
worker through ``ERPSYNC_JOB_MODULES=latency_handler`` with ``bench/`` on ``PYTHONPATH``."""

from __future__ import annotations

from erpsync.marketplaces.base import OrderRef, StatusChange
from erpsync.sync.connectors import connector_for
from erpsync.sync.outbox import OutboxDelivery, register_outbox_handler


def accept_orders(delivery: OutboxDelivery) -> None:
    with delivery.run.database.session() as session:
        connector = connector_for(delivery.run.shop(session), delivery.run.config.require_secret_key())
    with connector:
        for message in delivery.messages:
            ref = OrderRef(message.payload["order_id"], message.payload["code"], "APPROVED_BY_BANK")
            connector.set_status(StatusChange(ref, "ACCEPTED_BY_MERCHANT"))


register_outbox_handler("bench_status", "latency_handler:accept_orders", batch_size=100)
