"""The outbox handler used by ``push_latency.py``: POSTs a batch of stock messages to the URL in
their payload (a local receiver standing in for a marketplace sandbox). Imported by the bench's
worker through ``ERPSYNC_JOB_MODULES=latency_handler`` with ``bench/`` on ``PYTHONPATH``."""

from __future__ import annotations

import httpx

from erpsync.sync.outbox import OutboxDelivery, register_outbox_handler


def deliver(delivery: OutboxDelivery) -> None:
    url = delivery.messages[0].payload["url"]
    response = httpx.post(url, json=[message.payload for message in delivery.messages], timeout=10)
    response.raise_for_status()


register_outbox_handler("bench_stock", "latency_handler:deliver", batch_size=100)
