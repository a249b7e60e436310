"""The sync log: a ``SyncRun`` row per run with its counts, a ``SyncEvent`` row per notable item.

Runs and events are written in their own short transactions, so the log survives when the work it
describes is rolled back. Payloads are stored as given, made storable (``erpsync.core.text``: no NUL,
lone surrogate or NaN stops the log); callers pass raw marketplace payloads, never credentials.

Every failed attempt of an HTTP request made during a run — a 5xx, a 429, a timeout, a dropped
connection, a body that is not JSON — is a warning event of its own (``entity_type`` ``http_attempt``,
``entity_id`` the fault, the exchange as payload), also when a retry then succeeds: the log accounts for
every fault a marketplace threw at the run (``log_failed_attempts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from erpsync.core.log import mask_text
from erpsync.core.text import storable_json, storable_text
from erpsync.marketplaces.http import FailedAttempt, observe_failed_attempts
from erpsync.models import SyncEvent, SyncRun, utcnow
from erpsync.models.db import Database
from erpsync.models.integration import RUN_FAILED, RUN_PARTIAL, RUN_SKIPPED, RUN_SUCCESS


@dataclass
class RunCounts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class SyncLog:
    """Writes one run of ``kind`` for a shop (or for no shop) and its events."""

    def __init__(self, database: Database, kind: str, shop_id: int | None, job_id: str | None = None) -> None:
        self.database = database
        self.kind = kind
        self.shop_id = shop_id
        self.counts = RunCounts()
        self.status: str | None = None
        with database.session() as session:
            run = SyncRun(shop_id=shop_id, kind=kind, job_id=job_id)
            session.add(run)
            session.flush()
            self.run_id = run.id

    def event(
        self,
        level: str,
        message: str,
        *,
        entity_type: str | None = None,
        entity_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        with self.database.session() as session:
            session.add(
                SyncEvent(
                    run_id=self.run_id,
                    shop_id=self.shop_id,
                    kind=self.kind,
                    level=level,
                    entity_type=entity_type,
                    entity_id=storable_text(str(entity_id))[:128] if entity_id is not None else None,
                    message=storable_text(mask_text(message)),
                    payload=storable_json(payload) if payload is not None else None,
                )
            )

    def info(self, message: str, **kwargs: Any) -> None:
        self.event("info", message, **kwargs)

    def warning(self, message: str, **kwargs: Any) -> None:
        self.event("warning", message, **kwargs)

    def error(self, message: str, **kwargs: Any) -> None:
        self.event("error", message, **kwargs)

    def finish(self, status: str | None = None, message: str | None = None) -> str:
        """Close the run; without ``status``: success, or partial when some items failed."""
        if status is None:
            status = RUN_PARTIAL if self.counts.failed else RUN_SUCCESS
        with self.database.session() as session:
            run = session.get(SyncRun, self.run_id)
            assert run is not None
            run.status = status
            run.finished_at = utcnow()
            run.fetched = self.counts.fetched
            run.created = self.counts.created
            run.updated = self.counts.updated
            run.skipped = self.counts.skipped
            run.failed = self.counts.failed
            run.message = storable_text(mask_text(message)) if message else None
        self.status = status
        return status


ATTEMPT_ENTITY = "http_attempt"


@contextmanager
def log_failed_attempts(log: SyncLog | Callable[[], SyncLog]) -> Iterator[None]:
    """Write every failed HTTP attempt made in the block to the run's log (``log`` may be a function
    giving it, so a run whose log is created on first use gets one only when something fails)."""

    def write(attempt: FailedAttempt) -> None:
        target = log() if callable(log) else log
        then = "retrying" if attempt.retrying else "no attempts left"
        target.counts.extra[ATTEMPT_ENTITY] = target.counts.extra.get(ATTEMPT_ENTITY, 0) + 1
        target.warning(f"{attempt.message} (attempt {attempt.attempt}; {then})", entity_type=ATTEMPT_ENTITY,
                       entity_id=attempt.fault,
                       payload={"fault": attempt.fault, "attempt": attempt.attempt, "retrying": attempt.retrying,
                                "exchange": attempt.exchange.as_log()})

    with observe_failed_attempts(write):
        yield


@contextmanager
def sync_run(
    database: Database, kind: str, shop_id: int | None, *, job_id: str | None = None
) -> Iterator[SyncLog]:
    """A run that is closed on exit: an exception marks it failed (with the error) and propagates."""
    log = SyncLog(database, kind, shop_id, job_id)
    try:
        with log_failed_attempts(log):
            yield log
    except Exception as error:
        log.error(f"{kind} run failed: {error}")
        log.finish(RUN_FAILED, str(error))
        raise
    else:
        if log.status is None:  # the body may have closed it itself, e.g. as skipped
            log.finish()


__all__ = ["ATTEMPT_ENTITY", "RUN_SKIPPED", "RunCounts", "SyncLog", "log_failed_attempts", "sync_run"]
