"""The foreground loops: ``erpsync scheduler`` (with Redis: enqueue due runs and outbox deliveries)
and ``erpsync run`` (without Redis: run them in this process).

Each loop dispatches the outbox about every second and ticks the schedule every ``tick_seconds``.
An error in one round (the database or Redis briefly away) is logged and the loop goes on; SIGINT
or SIGTERM ends it after the current round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from threading import Event
from typing import Any

from redis import Redis

from erpsync.core.config import Settings
from erpsync.jobs.dispatch import DISPATCH_SECONDS, inline_dispatch, redis_dispatch
from erpsync.jobs.runner import JobOutcome, run_inline
from erpsync.jobs.schedule import TICK_SECONDS, DueRun, MemoryMarks, inline_tick, redis_tick
from erpsync.models.db import Database

log = logging.getLogger("erpsync.scheduler")


@dataclass
class Loop:
    tick: Callable[[], Any]
    dispatch: Callable[[], Any]
    tick_seconds: float = TICK_SECONDS
    dispatch_seconds: float = DISPATCH_SECONDS

    def run(self, stop: Event, *, once: bool = False) -> None:
        next_tick = 0.0
        while not stop.is_set():
            started = time.monotonic()
            self._guarded("outbox dispatch", self.dispatch)
            if started >= next_tick:
                self._guarded("schedule tick", self.tick)
                next_tick = started + self.tick_seconds
            if once:
                return
            stop.wait(max(self.dispatch_seconds - (time.monotonic() - started), 0.0))

    @staticmethod
    def _guarded(what: str, step: Callable[[], Any]) -> None:
        try:
            step()
        except Exception:
            log.exception("%s failed; trying again next round", what)


def redis_loop(database: Database, connection: Redis, *, tick_seconds: float = TICK_SECONDS) -> Loop:
    def tick() -> None:
        for item in redis_tick(database, connection, tick_seconds=tick_seconds) or []:
            if not item.coalesced:
                log.info("enqueued %s for shop #%s on %s (job %s)", item.kind, item.shop_id, item.queue, item.job_id)

    def dispatch() -> None:
        for item in redis_dispatch(database, connection):
            if not item.coalesced:
                log.info("enqueued outbox delivery for shop #%s (job %s)", item.shop_id, item.job_id)

    return Loop(tick, dispatch, tick_seconds)


def _report(outcome: JobOutcome) -> None:
    level = logging.WARNING if outcome.status == "failed" else logging.INFO
    detail = f": {outcome.message}" if outcome.message else ""
    log.log(level, "%s for shop #%s: %s%s", outcome.kind, outcome.shop_id, outcome.status, detail)


def inline_loop(database: Database, config: Settings, *, tick_seconds: float = TICK_SECONDS) -> Loop:
    marks = MemoryMarks()

    def run(due: DueRun) -> None:
        _report(run_inline(due.kind, due.shop_id, database=database, config=config))

    def tick() -> None:
        inline_tick(database, marks, run)

    def dispatch() -> None:
        for outcome in inline_dispatch(database, config):
            _report(outcome)

    return Loop(tick, dispatch, tick_seconds)


__all__ = ["Loop", "inline_loop", "redis_loop"]
