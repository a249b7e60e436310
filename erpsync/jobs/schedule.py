"""Schedules from the database: one tick decides which (kind, shop) pairs are due and starts exactly
those.

At every tick the enabled shops and their settings are read afresh (a changed interval counts at the
next tick, no restart) and each scheduled kind's rule (``Every`` / ``DailyAt``, see
``erpsync.jobs.registry``) is asked whether it is due since the pair's *mark* — when the scheduler
last started it. Marks live in Redis (a hash, ``erpsync:schedule:last``) or, inline, in the
process; a pair without a mark starts from its last run in the sync log (so a restart does not run
everything at once). A due pair's mark is moved forward with a compare-and-set (a Lua script): of
several ticks racing — several ``rq cron`` or ``erpsync scheduler`` processes — exactly one wins the
pair and enqueues it; the others see the new mark. A tick lock (``erpsync:schedule:tick``, a few
seconds) also keeps concurrent schedulers from repeating the work of one tick.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from redis import Redis
from rq import get_current_job
from sqlalchemy import func, select

import erpsync.jobs.kinds  # noqa: F401  (the scheduled kinds)
from erpsync.core.config import load_settings
from erpsync.jobs.queues import Enqueued, enqueue, redis_connection
from erpsync.jobs.registry import JobKind, scheduled_kinds
from erpsync.jobs.runner import open_database
from erpsync.models import Shop, SyncRun, utcnow
from erpsync.models.db import Database
from erpsync.sync.shops import shop_settings

TICK_SECONDS = 5
MARKS_KEY = "erpsync:schedule:last"
TICK_LOCK_KEY = "erpsync:schedule:tick"

log = logging.getLogger("erpsync.scheduler")


class ScheduleMarks(Protocol):
    def read(self, fields: list[str]) -> dict[str, str | None]: ...

    def advance(self, field: str, expected: str | None, new: datetime) -> bool: ...


_COMPARE_AND_SET = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""


class RedisMarks:
    """Marks shared by every scheduler through Redis."""

    def __init__(self, connection: Redis) -> None:
        self.connection = connection
        self._cas = connection.register_script(_COMPARE_AND_SET)

    def read(self, fields: list[str]) -> dict[str, str | None]:
        if not fields:
            return {}
        values = self.connection.hmget(MARKS_KEY, fields)
        return {f: (v.decode() if isinstance(v, bytes) else v) for f, v in zip(fields, values, strict=True)}

    def advance(self, field: str, expected: str | None, new: datetime) -> bool:
        return bool(self._cas(keys=[MARKS_KEY], args=[field, expected or "", new.isoformat()]))


class MemoryMarks:
    """Marks of one process (inline mode)."""

    def __init__(self) -> None:
        self._marks: dict[str, str] = {}
        self._guard = threading.Lock()

    def read(self, fields: list[str]) -> dict[str, str | None]:
        with self._guard:
            return {f: self._marks.get(f) for f in fields}

    def advance(self, field: str, expected: str | None, new: datetime) -> bool:
        with self._guard:
            if self._marks.get(field) != expected:
                return False
            self._marks[field] = new.isoformat()
            return True


@dataclass(frozen=True)
class DueRun:
    kind: str
    shop_id: int
    shop: str


@dataclass(frozen=True)
class _Candidate:
    kind: JobKind
    shop_id: int
    shop: str
    settings: dict[str, Any]

    @property
    def field(self) -> str:
        return f"{self.kind.name}:{self.shop_id}"


def _candidates(database: Database, kinds: list[JobKind]) -> list[_Candidate]:
    with database.session() as session:
        shops = list(session.scalars(select(Shop).where(Shop.enabled.is_(True)).order_by(Shop.id)))
        return [
            _Candidate(kind, shop.id, shop.name, shop_settings(shop))
            for shop in shops
            for kind in kinds
            if _applies(kind, shop.marketplace)
        ]


def _applies(kind: JobKind, marketplace: str) -> bool:
    try:
        return kind.applies(marketplace)
    except Exception:
        log.exception("could not tell whether %s applies to %s shops", kind.name, marketplace)
        return False


def _last_run_started(database: Database, kind: JobKind, shop_id: int) -> datetime | None:
    with database.session() as session:
        return session.scalar(
            select(func.max(SyncRun.started_at))
            .where(SyncRun.shop_id == shop_id, SyncRun.kind == kind.log_kind(kind.params))
        )


def due_runs(
    database: Database,
    marks: ScheduleMarks,
    now: datetime | None = None,
    kinds: list[JobKind] | None = None,
) -> list[DueRun]:
    """The (kind, shop) pairs due now, each claimed for this caller by moving its mark."""
    now = now or utcnow()
    candidates = _candidates(database, kinds if kinds is not None else scheduled_kinds())
    current = marks.read([c.field for c in candidates])
    due: list[DueRun] = []
    for candidate in candidates:
        try:
            if _claim_if_due(database, marks, candidate, current.get(candidate.field), now):
                due.append(DueRun(candidate.kind.name, candidate.shop_id, candidate.shop))
        except Exception:  # one shop's bad settings never stop the others
            log.exception("schedule of %s for shop %s could not be evaluated", candidate.kind.name, candidate.shop)
    return due


def _claim_if_due(
    database: Database, marks: ScheduleMarks, candidate: _Candidate, raw: str | None, now: datetime
) -> bool:
    schedule = candidate.kind.schedule
    assert schedule is not None
    if raw is not None:
        last: datetime | None = datetime.fromisoformat(raw)
    else:
        last = _last_run_started(database, candidate.kind, candidate.shop_id) or schedule.first_mark(now)
    new_mark = schedule.due(candidate.settings, last, now)
    if new_mark is None:
        if raw is None and last is not None:
            marks.advance(candidate.field, None, last)  # remember, so later ticks need no query
        return False
    return marks.advance(candidate.field, raw, new_mark)


def _enqueue_each(connection: Redis, due: list[DueRun]) -> list[Enqueued]:
    enqueued = []
    for run in due:
        try:
            enqueued.append(enqueue(connection, run.kind, run.shop_id))
        except Exception:
            log.exception("could not enqueue %s for shop %s", run.kind, run.shop)
    return enqueued


def claim_tick(connection: Redis, seconds: float = TICK_SECONDS) -> bool:
    """True for one scheduler per tick period (a short Redis lock that is left to expire)."""
    milliseconds = max(int(seconds * 800), 1)
    return bool(connection.set(TICK_LOCK_KEY, uuid.uuid4().hex, nx=True, px=milliseconds))


def redis_tick(
    database: Database,
    connection: Redis,
    *,
    now: datetime | None = None,
    tick_seconds: float = TICK_SECONDS,
    use_tick_lock: bool = True,
    kinds: list[JobKind] | None = None,
) -> list[Enqueued] | None:
    """One tick with Redis: enqueue the due pairs on their queues. None when another scheduler holds
    this tick."""
    if use_tick_lock and not claim_tick(connection, tick_seconds):
        return None
    return _enqueue_each(connection, due_runs(database, RedisMarks(connection), now, kinds))


def inline_tick(
    database: Database,
    marks: ScheduleMarks,
    run: Callable[[DueRun], Any],
    *,
    now: datetime | None = None,
) -> list[DueRun]:
    """One tick without Redis: run each due pair in this process, one after the other."""
    due = due_runs(database, marks, now)
    for item in due:
        run(item)
    return due


def scheduled_tick() -> int:
    """The tick as an RQ job (registered by ``erpsync/jobs/cron.py`` for ``rq cron``): enqueues into
    the Redis the job came from. Returns how many runs it enqueued."""
    config = load_settings()
    job = get_current_job()
    connection = job.connection if job is not None else redis_connection(config.redis_url or "")
    enqueued = redis_tick(open_database(config.database_url), connection)
    return len(enqueued or [])


__all__ = [
    "MARKS_KEY",
    "TICK_SECONDS",
    "DueRun",
    "MemoryMarks",
    "RedisMarks",
    "claim_tick",
    "due_runs",
    "inline_tick",
    "redis_tick",
    "scheduled_tick",
]
