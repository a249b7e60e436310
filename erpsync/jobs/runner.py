"""Running one job: ``run_job`` is the function RQ workers call; ``run_inline`` does the same in the
calling process when there is no Redis. Both go through ``execute``:

1. look up the kind in the registry (``erpsync.jobs.kinds`` registers the real ones);
2. check the shop still exists and is enabled (else the run is logged as skipped);
3. take the kind's run lock — taken means another run is in progress: logged as skipped, done; with
   the lock ours, a run of the kind and shop still "running" in the sync log was left so by a worker
   that died (its lock expired): it is closed as failed ("abandoned");
4. call the use case with a ``RunContext`` (database and configuration opened here, in the worker;
   credentials are decrypted by the use case from the database, never passed in the job);
5. close the run in the sync log. A failure is written to the sync log; on a worker a transient
   failure with retries left is retried by RQ after the kind's delay, a permanent one or the last
   attempt stays in RQ's failed registry (``erpsync jobs retry ID`` runs it again).

Progress reported by the use case (``run.progress``) goes to ``job.meta["progress"]`` at most once
a second, for ``erpsync jobs``.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from threading import Event
from typing import Any

from rq import get_current_job
from rq.job import Job
from sqlalchemy import select

import erpsync.jobs.kinds  # noqa: F401  (registers the real job kinds and outbox handlers)
from erpsync.core.config import Settings, load_settings
from erpsync.core.errors import NotFoundError
from erpsync.jobs.locks import InlineLocks, LockFactory, RedisLocks, RunLock, keep_extended
from erpsync.jobs.registry import JobKind, job_kind
from erpsync.models import Shop, SyncEvent, SyncRun, utcnow
from erpsync.models.db import Database
from erpsync.models.integration import RUN_FAILED, RUN_RUNNING, RUN_SKIPPED, RUN_SUCCESS
from erpsync.sync.context import ProgressReporter, RunContext, describe_error, is_transient
from erpsync.sync.log import SyncLog, log_failed_attempts

PROGRESS_EVERY_SECONDS = 1.0

_DATABASES: dict[str, Database] = {}


def open_database(url: str) -> Database:
    """The process's ``Database`` for ``url`` (one engine per process; renewed after a fork)."""
    database = _DATABASES.get(url)
    if database is None:
        database = _DATABASES[url] = Database(url)
    return database


def _after_fork_in_child() -> None:
    # A forked work-horse must not share the parent's pooled connections.
    for database in _DATABASES.values():
        database.engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass(frozen=True)
class JobOutcome:
    kind: str
    shop_id: int | None
    status: str  # success | partial | failed | skipped
    run_id: int | None
    message: str | None = None
    result: Any = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_job(kind: str, shop_id: int | None, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The RQ job function (``erpsync.jobs.runner.run_job``)."""
    job = get_current_job()
    config = load_settings()
    database = open_database(config.database_url)
    locks: LockFactory = RedisLocks(job.connection) if job is not None else InlineLocks(database)
    outcome = execute(kind, shop_id, params, database=database, config=config, locks=locks, job=job).as_dict()
    if not _is_plain(outcome["result"]):  # RQ keeps the result: plain values only
        outcome["result"] = repr(outcome["result"])[:500]
    return outcome


def _is_plain(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def run_inline(
    kind: str,
    shop_id: int | None,
    params: Mapping[str, Any] | None = None,
    *,
    database: Database,
    config: Settings,
    progress: ProgressReporter | None = None,
    locks: LockFactory | None = None,
) -> JobOutcome:
    """Run a job kind in this process; a failure is returned as an outcome with status ``failed``
    (it is in the sync log too), not raised. The lock is the workers' Redis lock when Redis is
    configured (a run here and one on a worker still exclude each other), else an inline lock."""
    job_id = f"inline-{uuid.uuid4().hex[:12]}"
    try:
        return execute(
            kind, shop_id, params, database=database, config=config, locks=locks or run_locks(config, database),
            job_id=job_id, progress=progress,
        )
    except Exception as error:
        return JobOutcome(kind, shop_id, RUN_FAILED, _run_id_of(database, job_id), describe_error(error))


def run_locks(config: Settings, database: Database) -> LockFactory:
    """The locks for runs started in this process: Redis's when configured, else the inline ones."""
    if config.redis_url:
        from erpsync.jobs.queues import redis_connection

        return RedisLocks(redis_connection(config.redis_url))
    return InlineLocks(database)


def _run_id_of(database: Database, job_id: str) -> int | None:
    with database.session() as session:
        return session.scalar(select(SyncRun.id).where(SyncRun.job_id == job_id).order_by(SyncRun.id.desc()))


def execute(
    kind_name: str,
    shop_id: int | None,
    params: Mapping[str, Any] | None,
    *,
    database: Database,
    config: Settings,
    locks: LockFactory,
    job: Job | None = None,
    job_id: str | None = None,
    progress: ProgressReporter | None = None,
) -> JobOutcome:
    """Steps 1–5 of the module docstring."""
    try:
        kind = job_kind(kind_name)
    except NotFoundError:
        if job is not None:
            job.retries_left = 0  # a worker without this kind will not learn it by retrying
        raise
    params = {**kind.params, **(params or {})}
    job_id = job.id if job is not None else job_id
    refusal, log_shop = _shop_refusal(database, kind, shop_id)
    if refusal:
        return _skipped(database, kind, params, log_shop, job_id, refusal, log=True)
    lock_name = kind.lock_key(shop_id, params)
    lock = locks.lock(lock_name) if lock_name else None
    if lock is not None and not lock.acquire():
        where = f" for shop #{shop_id}" if shop_id is not None else ""
        message = f"skipped: another {kind.name} run{where} is in progress"
        return _skipped(database, kind, params, shop_id, job_id, message, log=kind.log_skips)
    try:
        if lock is not None:
            close_abandoned_runs(database, kind.log_kind(params), shop_id)
        heartbeat = getattr(lock, "heartbeat_seconds", None)
        with keep_extended(lock, heartbeat) if lock is not None and heartbeat else nullcontext(Event()) as lost:
            return _perform(kind, shop_id, params, database, config, job, job_id, progress, lost)
    finally:
        if lock is not None:
            lock.release()


ABANDONED = "abandoned: the worker running it stopped before it finished (its run lock expired)"


def close_abandoned_runs(database: Database, log_kind: str, shop_id: int | None) -> list[int]:
    """Close as failed the runs of ``log_kind`` for the shop that a job left "running" — called holding
    the kind's run lock, so none of them is still going. Runs started outside the job runner (no job
    id) are left alone: they take no lock. Returns the ids closed."""
    with database.session() as session:
        shop_filter = SyncRun.shop_id.is_(None) if shop_id is None else SyncRun.shop_id == shop_id
        runs = list(session.scalars(select(SyncRun).where(
            SyncRun.kind == log_kind, shop_filter, SyncRun.status == RUN_RUNNING, SyncRun.job_id.is_not(None))))
        for run in runs:
            run.status = RUN_FAILED
            run.finished_at = utcnow()
            run.message = ABANDONED
            session.add(SyncEvent(run_id=run.id, shop_id=run.shop_id, kind=run.kind, level="error",
                                  message=f"{log_kind} run #{run.id} (job {run.job_id}) {ABANDONED}"))
        return [run.id for run in runs]


def _shop_refusal(database: Database, kind: JobKind, shop_id: int | None) -> tuple[str | None, int | None]:
    """Why the run cannot go ahead for this shop (and the shop id to log it under), or (None, id)."""
    if not kind.needs_shop:
        return None, shop_id
    if shop_id is None:
        return f"skipped: {kind.name} needs a shop", None
    with database.session() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            return f"skipped: shop #{shop_id} no longer exists", None
        if not shop.enabled:
            return f"skipped: shop {shop.name} is disabled (erpsync shop set {shop.name} --enable)", shop_id
    return None, shop_id


def _skipped(
    database: Database,
    kind: JobKind,
    params: dict[str, Any],
    shop_id: int | None,
    job_id: str | None,
    message: str,
    *,
    log: bool,
) -> JobOutcome:
    run_id = None
    if log:
        entry = SyncLog(database, kind.log_kind(params), shop_id, job_id)
        entry.info(message)
        entry.finish(RUN_SKIPPED, message)
        run_id = entry.run_id
    return JobOutcome(kind.name, shop_id, RUN_SKIPPED, run_id, message)


def _perform(
    kind: JobKind,
    shop_id: int | None,
    params: dict[str, Any],
    database: Database,
    config: Settings,
    job: Job | None,
    job_id: str | None,
    progress: ProgressReporter | None,
    lock_lost: Event,
) -> JobOutcome:
    run = RunContext(
        database=database,
        config=config,
        kind=kind.log_kind(params),
        shop_id=shop_id,
        params=params,
        job_id=job_id,
        attempt=_attempt(job),
        report_progress=progress or (_job_progress(job) if job is not None else None),
    )
    try:
        with log_failed_attempts(lambda: run.log):
            result = kind.resolve()(run)
    except Exception as error:
        _record_failure(run, kind, job, error)
        raise
    if lock_lost.is_set():
        run.log.warning(f"the {kind.name} run lock expired while the run went on; another run may have overlapped")
    if not run.has_log:
        return JobOutcome(kind.name, shop_id, RUN_SUCCESS, None, None, result)
    status = run.log.status or run.log.finish()
    return JobOutcome(kind.name, shop_id, status, run.log.run_id, None, result)


def _attempt(job: Job | None) -> int:
    if job is None:
        return 1
    planned = len(job.retry_intervals or [])
    return max(planned - (job.retries_left or 0), 0) + 1


def _record_failure(run: RunContext, kind: JobKind, job: Job | None, error: Exception) -> None:
    transient = is_transient(error)
    if job is not None and not transient and job.retries_left:
        job.retries_left = 0  # a permanent error: straight to the failed registry
    will_retry = job is not None and bool(job.retries_left)
    text = describe_error(error)
    if will_retry:
        assert job is not None
        total = len(job.retry_intervals or []) + 1
        message = f"{text} (attempt {run.attempt} of {total}; retrying in {job.get_retry_interval()} s)"
        run.log.warning(message)
    else:
        suffix = ""
        if job is not None:
            suffix = f" (gave up after {run.attempt} attempt(s); `erpsync jobs retry {job.id}` runs it again)"
        message = text + suffix
        run.log.error(message)
    if run.log.status is None:
        run.log.finish(RUN_FAILED, message)


def _job_progress(job: Job) -> ProgressReporter:
    last_saved = [0.0]

    def report(progress: dict[str, Any]) -> None:
        now = time.monotonic()
        finished = progress.get("total") is not None and progress.get("done") == progress.get("total")
        if now - last_saved[0] < PROGRESS_EVERY_SECONDS and not finished:
            return
        last_saved[0] = now
        job.meta["progress"] = {**progress, "updated_at": utcnow().isoformat(timespec="seconds")}
        job.save_meta()

    return report


__all__ = ["JobOutcome", "RunLock", "close_abandoned_runs", "execute", "open_database", "run_inline", "run_job",
           "run_locks"]
