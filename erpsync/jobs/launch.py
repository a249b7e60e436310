"""Starting a job kind for a shop because a person asked (the panel's "Run now" and "Run again"): on its
queue when Redis is configured, else here and now in the asking process, under the same lock and with the
same sync log as a scheduled run.

- ``runnable_kinds(marketplace)``: the kinds a person may start for a shop of that marketplace — the
  registered kinds that run on a schedule for such shops (importing orders, pushing stock, rendering
  feeds, whatever is registered), so a kind added to ``erpsync.jobs.kinds`` gets its button by itself;
- ``start(...)``: enqueue (coalesced with a run of the same kind and shop still waiting) or run inline;
- ``run_again(...)``: a failed run once more — its RQ job back on its queue from the failed registry
  when it is there, else the same kind, shop and parameters started afresh.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from erpsync.core.config import Settings
from erpsync.core.errors import ConfigError, NotFoundError, ValidationError
from erpsync.jobs.queues import enqueue, redis_connection
from erpsync.jobs.registry import JobKind, job_kinds
from erpsync.jobs.runner import JobOutcome, run_inline
from erpsync.jobs.status import retry_job
from erpsync.models import SyncRun
from erpsync.models.db import Database
from erpsync.models.integration import RUN_FAILED

INLINE_PREFIX = "inline-"


@dataclass(frozen=True)
class Started:
    """What starting a run did: queued (``job_id``; ``coalesced`` when one was waiting already), requeued
    from the failed registry, or ran here (``outcome``)."""

    kind: str
    queue: str
    job_id: str | None = None
    coalesced: bool = False
    requeued: bool = False
    outcome: JobOutcome | None = None

    @property
    def ran_inline(self) -> bool:
        return self.outcome is not None


def runnable_kinds(marketplace: str) -> list[JobKind]:
    """The kinds a person may start for a shop of ``marketplace``: those scheduled for such shops."""
    return [kind for kind in job_kinds() if kind.needs_shop and kind.schedule is not None and kind.applies(marketplace)]


def _connection(settings: Settings) -> Redis:
    assert settings.redis_url
    return redis_connection(settings.redis_url)


def start(settings: Settings, database: Database, kind: JobKind, shop_id: int,
          params: Mapping[str, Any] | None = None) -> Started:
    """Put a run of ``kind`` for the shop on its queue, or (without Redis) run it here and return how it went."""
    if not settings.redis_url:
        outcome = run_inline(kind.name, shop_id, dict(params or {}), database=database, config=settings)
        return Started(kind.name, kind.queue, outcome=outcome)
    connection = _connection(settings)
    try:
        queued = enqueue(connection, kind.name, shop_id, params)
    except RedisError as error:
        raise ConfigError(f"cannot reach Redis at ERPSYNC_REDIS_URL: {error}",
                          hint="start Redis, or unset ERPSYNC_REDIS_URL to run jobs inline") from None
    finally:
        connection.close()
    return Started(kind.name, kind.queue, queued.job_id, coalesced=queued.coalesced)


def kind_of_run(run_kind: str) -> tuple[JobKind, dict[str, Any]] | None:
    """The job kind (and parameters) whose runs are logged as ``run_kind`` (``orders`` → import_orders,
    ``outbox:waybill`` → deliver_outbox with kind=waybill); None when no registered kind logs so."""
    for kind in job_kinds():
        parts = re.split(r"{(\w+)}", kind.run_kind or kind.name)  # text, parameter, text, …
        pattern = "".join(f"(?P<{part}>.+)" if index % 2 else re.escape(part) for index, part in enumerate(parts))
        match = re.fullmatch(pattern, run_kind)
        if match:
            return kind, {**kind.params, **match.groupdict()}
    return None


def run_again(settings: Settings, database: Database, run: SyncRun) -> Started:
    """Start a failed run once more (see the module's docstring)."""
    if run.status != RUN_FAILED:
        raise ValidationError(f"run #{run.id} did not fail ({run.status}): there is nothing to run again")
    found = kind_of_run(run.kind)
    if found is None:
        raise NotFoundError(f"no job kind runs as {run.kind!r} in this installation")
    kind, params = found
    if kind.needs_shop and run.shop_id is None:
        raise ValidationError(f"run #{run.id} has no shop to run {kind.name} for")
    if settings.redis_url and run.job_id and not run.job_id.startswith(INLINE_PREFIX):
        connection = _connection(settings)
        try:
            job = retry_job(connection, run.job_id)
            return Started(kind.name, job.origin, job.id, requeued=True)
        except NotFoundError:
            pass  # the job is gone from Redis (expired): start the same run afresh
        finally:
            connection.close()
    assert run.shop_id is not None
    return start(settings, database, kind, run.shop_id, params)


__all__ = ["Started", "kind_of_run", "run_again", "runnable_kinds", "start"]
