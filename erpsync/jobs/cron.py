"""The configuration module for RQ's own cron scheduler::

    rq cron erpsync.jobs.cron --url "$ERPSYNC_REDIS_URL"

It enqueues two small jobs that workers run: the schedule tick every ``TICK_SECONDS`` on the
``default`` queue (it enqueues the due (kind, shop) runs) and the outbox dispatcher every second on
the ``push`` queue. Their ``ttl`` drops them if no worker picks them up in time (no pile-up while
workers are down) and their results are not kept. Several ``rq cron`` processes may run: the tick
lock and the schedule marks make the work happen once. ``erpsync scheduler`` does the same in its own
process without going through a queue.
"""

from __future__ import annotations

from rq import cron

from erpsync.jobs.dispatch import DISPATCH_SECONDS, scheduled_dispatch
from erpsync.jobs.registry import QUEUE_DEFAULT, QUEUE_PUSH
from erpsync.jobs.schedule import TICK_SECONDS, scheduled_tick

cron.register(scheduled_tick, QUEUE_DEFAULT, interval=TICK_SECONDS, ttl=TICK_SECONDS * 2, result_ttl=0,
              job_timeout=120)
cron.register(scheduled_dispatch, QUEUE_PUSH, interval=int(DISPATCH_SECONDS), ttl=5, result_ttl=0, job_timeout=60)
