"""The outbox dispatcher: about once a second, find the (shop, kind) pairs that have due outbox
messages and start one delivery (job kind ``deliver_outbox``) for each.

With Redis the delivery is enqueued on the ``push`` queue, coalesced: however many messages of a
shop and kind are due, and however many dispatchers run, one delivery job waits per pair; the job
claims the messages when it starts (``FOR UPDATE SKIP LOCKED`` on PostgreSQL). Without Redis the
delivery runs in the calling process. Messages of disabled shops and of kinds without a registered
handler wait (``erpsync outbox list`` shows them).
"""

from __future__ import annotations

import logging
from datetime import datetime

from redis import Redis
from rq import get_current_job
from sqlalchemy import select

import erpsync.jobs.kinds  # noqa: F401  (the outbox handlers)
from erpsync.core.config import Settings, load_settings
from erpsync.jobs.queues import Enqueued, enqueue, redis_connection
from erpsync.jobs.runner import JobOutcome, open_database, run_inline
from erpsync.models import Shop
from erpsync.models.db import Database
from erpsync.sync.outbox import due_pairs, outbox_handlers

DISPATCH_SECONDS = 1.0
DELIVERY_KIND = "deliver_outbox"

log = logging.getLogger("erpsync.scheduler")


def due_deliveries(database: Database, now: datetime | None = None) -> list[tuple[int, str]]:
    """(shop id, outbox kind) pairs to deliver now: due messages, enabled shop, a known handler."""
    handlers = outbox_handlers()
    with database.session() as session:
        pairs = due_pairs(session, now)
        if not pairs:
            return []
        enabled = set(session.scalars(select(Shop.id).where(Shop.enabled.is_(True))))
    return [(shop_id, kind) for shop_id, kind in pairs if shop_id in enabled and kind in handlers]


def redis_dispatch(database: Database, connection: Redis, now: datetime | None = None) -> list[Enqueued]:
    enqueued = []
    for shop_id, kind in due_deliveries(database, now):
        try:
            enqueued.append(enqueue(connection, DELIVERY_KIND, shop_id, {"kind": kind}))
        except Exception:  # one pair's trouble never holds up the others
            log.exception("could not enqueue the delivery of %s messages for shop #%s", kind, shop_id)
    return enqueued


def inline_dispatch(database: Database, config: Settings, now: datetime | None = None) -> list[JobOutcome]:
    return [
        run_inline(DELIVERY_KIND, shop_id, {"kind": kind}, database=database, config=config)
        for shop_id, kind in due_deliveries(database, now)
    ]


def scheduled_dispatch() -> int:
    """The dispatcher as an RQ job (``erpsync/jobs/cron.py``); returns how many deliveries it enqueued."""
    config = load_settings()
    job = get_current_job()
    connection = job.connection if job is not None else redis_connection(config.redis_url or "")
    return len(redis_dispatch(open_database(config.database_url), connection))


__all__ = ["DELIVERY_KIND", "DISPATCH_SECONDS", "due_deliveries", "inline_dispatch", "redis_dispatch"]
