"""Redis and the RQ queues: the connection from ``ERPSYNC_REDIS_URL``, one queue per kind of work
(``push``, ``orders``, ``default``, ``catalog``), and putting a job kind for a shop on its queue.

Enqueueing is coalesced: while a job of the same kind, shop and parameters still waits in its queue
(queued, or scheduled for a retry), enqueueing again returns that job instead of adding a second
one. The check and the enqueue are one Redis transaction (WATCH on the kind's "waiting" key), so two
schedulers or dispatchers racing still add one job. A job that already started does not count:
changes that arrive while it runs get a new job.

Job arguments are the kind, the shop id and plain parameters — never credentials; the worker
decrypts those from the database.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError, WatchError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from erpsync.core.errors import ConfigError, ValidationError
from erpsync.jobs.registry import QUEUES, JobKind, job_kind

RUN_JOB = "erpsync.jobs.runner.run_job"
WAITING_PREFIX = "erpsync:waiting:"
WAITING_TTL = 7 * 24 * 3600
RESULT_TTL = 3600
_WAITING_STATES = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
_SECRET_NAME = re.compile(r"(?i)(token|password|passwd|secret|credential|api_?key|client_key|auth)")


def redis_connection(url: str) -> Redis:
    """A Redis client for ``url``; an unreachable server is one clear error."""
    client = Redis.from_url(url)
    try:
        client.ping()
    except RedisError as error:
        raise ConfigError(
            f"cannot reach Redis at ERPSYNC_REDIS_URL ({url.split('@')[-1]}): {error}",
            hint="start Redis, or unset ERPSYNC_REDIS_URL to run jobs inline",
        ) from None
    return client


def queue(connection: Redis, name: str) -> Queue:
    if name not in QUEUES:
        raise ValidationError(f"no queue {name!r}; the queues are {', '.join(QUEUES)}")
    return Queue(name, connection=connection)


def all_queues(connection: Redis, names: tuple[str, ...] | list[str] = QUEUES) -> list[Queue]:
    return [queue(connection, name) for name in names]


def check_params(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Job parameters must be plain JSON values and never look like credentials."""
    result = dict(params or {})
    for key, value in result.items():
        if not isinstance(key, str):
            raise ValidationError(f"job {kind}: parameter names must be texts, got {key!r}")
        if _SECRET_NAME.search(key):
            raise ValidationError(
                f"job {kind}: parameter {key!r} looks like a credential; jobs carry shop ids, "
                "and workers read credentials from the database"
            )
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise ValidationError(f"job {kind}: parameter {key!r} is not a plain value: {value!r}") from None
    return result


@dataclass(frozen=True)
class Enqueued:
    job_id: str
    queue: str
    kind: str
    shop_id: int | None
    coalesced: bool


def waiting_key(kind: JobKind, shop_id: int | None, params: Mapping[str, Any]) -> str:
    fingerprint = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12] if params else "-"
    return f"{WAITING_PREFIX}{kind.name}:{shop_id if shop_id is not None else '-'}:{fingerprint}"


def _still_waiting(connection: Redis, job_id: bytes | str | None) -> bool:
    if not job_id:
        return False
    try:
        job = Job.fetch(job_id.decode() if isinstance(job_id, bytes) else job_id, connection=connection)
        return job.get_status() in _WAITING_STATES
    except NoSuchJobError:
        return False


def enqueue(
    connection: Redis,
    kind_name: str,
    shop_id: int | None,
    params: Mapping[str, Any] | None = None,
    *,
    coalesce: bool = True,
) -> Enqueued:
    """Put a run of ``kind_name`` for ``shop_id`` on the kind's queue (see the module docstring)."""
    kind = job_kind(kind_name)
    if kind.needs_shop and shop_id is None:
        raise ValidationError(f"job {kind.name} needs a shop")
    clean = check_params(kind.name, params)
    target = queue(connection, kind.queue)
    key = waiting_key(kind, shop_id, clean)
    with connection.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                current = pipe.get(key)
                if coalesce and _still_waiting(connection, current):
                    assert current is not None
                    job_id = current.decode() if isinstance(current, bytes) else str(current)
                    return Enqueued(job_id, kind.queue, kind.name, shop_id, coalesced=True)
                pipe.multi()
                job = target.enqueue_call(
                    RUN_JOB,
                    args=(kind.name, shop_id, clean),
                    timeout=kind.timeout,
                    result_ttl=RESULT_TTL,
                    retry=kind.retry.rq_retry(),
                    description=f"{kind.name} shop #{shop_id}" if shop_id is not None else kind.name,
                    meta={"kind": kind.name, "shop_id": shop_id, "params": clean},
                    pipeline=pipe,
                )
                pipe.set(key, job.id, ex=WAITING_TTL)
                pipe.execute()
                return Enqueued(job.id, kind.queue, kind.name, shop_id, coalesced=False)
            except WatchError:
                continue


__all__ = ["QUEUES", "Enqueued", "all_queues", "check_params", "enqueue", "queue", "redis_connection"]
