"""What the queues hold, for people: queued, running (with progress), scheduled (retries waiting)
and failed jobs per queue; and requeueing a failed job."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.jobs.queues import all_queues
from erpsync.jobs.registry import QUEUES, job_kind

STATES = ("queued", "running", "scheduled", "failed")


@dataclass(frozen=True)
class JobRow:
    queue: str
    state: str
    job_id: str
    kind: str
    shop_id: int | None
    when: datetime | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "when": self.when.isoformat() if self.when else None}


@dataclass(frozen=True)
class QueueSummary:
    queue: str
    counts: dict[str, int]
    jobs: list[JobRow]


def progress_text(meta: dict[str, Any]) -> str:
    progress = meta.get("progress") or {}
    if not progress:
        return ""
    done, total = progress.get("done"), progress.get("total")
    text = f"{done}/{total}" if total else f"{done}"
    if total:
        text += f" ({100 * (done or 0) // max(total, 1)}%)"
    if progress.get("message"):
        text += f" {progress['message']}"
    return text


def _error_line(job: Job) -> str:
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or job.exc_info or ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "failed"


def _row(queue: str, state: str, job: Job, when: datetime | None, detail: str) -> JobRow:
    meta = job.meta or {}
    kind = str(meta.get("kind") or job.func_name)
    params = meta.get("params") or {}
    if params:
        kind += " (" + ", ".join(f"{key}={value}" for key, value in sorted(params.items())) + ")"
    return JobRow(queue, state, job.id, kind, meta.get("shop_id"), when, detail)


def _fetch(connection: Redis, ids: Iterable[str]) -> list[Job]:
    return [job for job in Job.fetch_many(list(ids), connection=connection) if job is not None]


def queue_summaries(connection: Redis, queues: Iterable[str] = QUEUES, limit: int = 20) -> list[QueueSummary]:
    """Per queue: counts by state and up to ``limit`` jobs of each state."""
    summaries = []
    for queue in all_queues(connection, list(queues)):
        started = StartedJobRegistry(queue.name, connection=connection)
        scheduled = ScheduledJobRegistry(queue.name, connection=connection)
        failed = FailedJobRegistry(queue.name, connection=connection)
        counts = {"queued": queue.count, "running": started.count, "scheduled": scheduled.count,
                  "failed": failed.count}
        rows: list[JobRow] = []
        rows += [_row(queue.name, "queued", job, job.enqueued_at, "")
                 for job in _fetch(connection, queue.get_job_ids(0, limit))]
        rows += [_row(queue.name, "running", job, job.started_at, progress_text(job.meta or {}))
                 for job in _fetch(connection, started.get_job_ids(0, limit - 1))]
        rows += [_row(queue.name, "scheduled", job, scheduled.get_scheduled_time(job), _retry_text(job))
                 for job in _fetch(connection, scheduled.get_job_ids(0, limit - 1))]
        rows += [_row(queue.name, "failed", job, job.ended_at, _error_line(job))
                 for job in _fetch(connection, failed.get_job_ids(0, limit - 1, desc=True))]
        summaries.append(QueueSummary(queue.name, counts, rows))
    return summaries


def _retry_text(job: Job) -> str:
    if job.retries_left is None:
        return "enqueued for later"
    return f"retry; {job.retries_left} more after this"


def retry_job(connection: Redis, job_id: str) -> Job:
    """Put a failed job back on its queue with the kind's retries afresh."""
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        raise NotFoundError(f"no job {job_id} (failed jobs are kept a year; finished ones an hour)") from None
    status = job.get_status()
    if status != JobStatus.FAILED:
        raise ValidationError(f"job {job_id} is {status.value if status else 'gone'}; only failed jobs are retried")
    kind_name = (job.meta or {}).get("kind")
    if kind_name:
        try:
            policy = job_kind(kind_name).retry
        except NotFoundError:
            policy = None
        if policy is not None and policy.retries:
            job.retries_left = policy.retries
            job.retry_intervals = policy.intervals()
    job.meta.pop("progress", None)
    return FailedJobRegistry(job.origin, connection=connection).requeue(job)


def failed_job_ids(connection: Redis, queues: Iterable[str] = QUEUES) -> list[str]:
    ids: list[str] = []
    for queue in queues:
        ids += FailedJobRegistry(queue, connection=connection).get_job_ids()
    return ids


__all__ = ["STATES", "JobRow", "QueueSummary", "failed_job_ids", "progress_text", "queue_summaries", "retry_job"]
