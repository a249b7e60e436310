"""``erpsync worker``, ``erpsync scheduler``, ``erpsync run``, ``erpsync jobs …`` and
``erpsync outbox …``: the processes that keep shops in sync by themselves, and what they hold."""

from __future__ import annotations

import logging
import signal
from threading import Event
from typing import Any

import click
from sqlalchemy import select

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.enqueue import enqueue_option, run_or_enqueue
from erpsync.cli.output import print_json, print_table
from erpsync.core.errors import ConfigError, ValidationError
from erpsync.core.log import configure_logging
from erpsync.jobs.queues import all_queues, redis_connection
from erpsync.jobs.registry import QUEUES, job_kinds
from erpsync.jobs.schedule import TICK_SECONDS
from erpsync.models import Shop
from erpsync.models.integration import OUTBOX_FAILED, OUTBOX_IN_PROGRESS, OUTBOX_PENDING
from erpsync.sync.outbox import list_messages, outbox_counts, outbox_handlers, retry_failed, retry_message
from erpsync.sync.shops import get_shop


def _redis_url(app: AppContext, command: str) -> str:
    url = app.settings.redis_url
    if not url:
        raise ConfigError(
            f"{command} needs ERPSYNC_REDIS_URL",
            hint="set it to redis://host:6379/0, or run everything in one process with `erpsync run`",
        )
    return url


def _queue_names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        raise ValidationError(f"--queues: unknown queue(s) {', '.join(unknown) or '(none)'}; the queues are "
                              f"{', '.join(QUEUES)}")
    return names


@click.command("worker")
@click.option("--queues", "-q", default=",".join(QUEUES), show_default=True,
              help="Queues to work on, comma-separated, in priority order.")
@click.option("--burst", is_flag=True, help="Work off what is queued, then exit.")
@click.option("--name", help="Worker name (default: host and process id).")
@click.option("--no-fork", is_flag=True, help="Run jobs in the worker process instead of a fork per job.")
@pass_app
def worker(app: AppContext, queues: str, burst: bool, name: str | None, no_fork: bool) -> None:
    """Run an RQ worker on ERPSYNC_REDIS_URL (for several on one host: `rq worker-pool`)."""
    from rq import SimpleWorker, Worker

    import erpsync.jobs.runner  # noqa: F401  (the job kinds)

    url = _redis_url(app, "erpsync worker")
    app.database()  # reachable and migrated, or one clear line now rather than in every job
    connection = redis_connection(url)
    worker_class = SimpleWorker if no_fork else Worker
    rq_worker = worker_class(all_queues(connection, _queue_names(queues)), connection=connection, name=name)
    rq_worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def _stop_on_signals() -> Event:
    stop = Event()

    def handle(signum: int, _frame: Any) -> None:
        logging.getLogger("erpsync.scheduler").info("signal %s: stopping after this round", signum)
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


@click.command("scheduler")
@click.option("--tick", "tick_seconds", type=float, default=TICK_SECONDS, show_default=True,
              help="Seconds between schedule ticks (the outbox is dispatched every second).")
@click.option("--once", is_flag=True, help="One dispatch and one tick, then exit.")
@pass_app
def scheduler(app: AppContext, tick_seconds: float, once: bool) -> None:
    """Enqueue due runs and outbox deliveries (foreground; with Redis). Same as `rq cron erpsync.jobs.cron`."""
    from erpsync.jobs.loop import redis_loop

    connection = redis_connection(_redis_url(app, "erpsync scheduler"))
    loop = redis_loop(app.database(), connection, tick_seconds=tick_seconds)
    if not once:
        configure_logging()
        click.echo(f"scheduler: ticking every {tick_seconds:g} s, dispatching the outbox every second; Ctrl+C stops")
    loop.run(Event() if once else _stop_on_signals(), once=once)


@click.command("run")
@click.option("--tick", "tick_seconds", type=float, default=TICK_SECONDS, show_default=True,
              help="Seconds between schedule ticks (the outbox is dispatched every second).")
@click.option("--once", is_flag=True, help="One dispatch and one tick, then exit.")
@pass_app
def run(app: AppContext, tick_seconds: float, once: bool) -> None:
    """Keep every shop in sync in this one process, without Redis (a small setup, the demo)."""
    from erpsync.jobs.loop import inline_loop

    if app.settings.redis_url:
        raise ConfigError(
            "ERPSYNC_REDIS_URL is set: with Redis, run `erpsync worker` and `erpsync scheduler` instead",
            hint="unset ERPSYNC_REDIS_URL to run everything in this one process",
        )
    app.settings.require_secret_key()
    loop = inline_loop(app.database(), app.settings, tick_seconds=tick_seconds)
    configure_logging()
    if not once:
        click.echo(f"running inline: ticking every {tick_seconds:g} s; Ctrl+C stops")
    loop.run(Event() if once else _stop_on_signals(), once=once)


# --- erpsync jobs --------------------------------------------------------------------------------


@click.group("jobs", invoke_without_command=True)
@click.pass_context
def jobs_group(ctx: click.Context) -> None:
    """Background jobs: what is queued, running, scheduled and failed; retry; run a kind."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(jobs_list)


def _shop_names(app: AppContext, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with app.database().session() as session:
        return {shop_id: name for shop_id, name in session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(ids)))}


@jobs_group.command("list")
@click.option("--queue", "queue_names", default=",".join(QUEUES), show_default=True)
@click.option("--limit", default=20, show_default=True, help="Jobs shown per queue and state.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def jobs_list(app: AppContext, queue_names: str = ",".join(QUEUES), limit: int = 20, fmt: str = "text") -> None:
    """Queued, running (with progress), scheduled and failed jobs per queue."""
    from erpsync.jobs.status import queue_summaries

    if not app.settings.redis_url:
        click.echo("ERPSYNC_REDIS_URL is not set: jobs run inline (`erpsync run`), nothing is queued")
        return
    connection = redis_connection(app.settings.redis_url)
    summaries = queue_summaries(connection, _queue_names(queue_names), limit)
    if fmt == "json":
        print_json([{"queue": s.queue, "counts": s.counts, "jobs": [r.as_dict() for r in s.jobs]} for s in summaries])
        return
    print_table("queues", ["queue", "queued", "running", "scheduled", "failed"],
                [(s.queue, s.counts["queued"], s.counts["running"], s.counts["scheduled"], s.counts["failed"])
                 for s in summaries])
    rows = [row for s in summaries for row in s.jobs]
    if not rows:
        return
    names = _shop_names(app, {row.shop_id for row in rows if row.shop_id is not None})
    print_table("jobs", ["queue", "state", "job", "kind", "shop", "since / at", "progress / error"], [
        (row.queue, row.state, row.job_id, row.kind,
         names.get(row.shop_id, f"#{row.shop_id}") if row.shop_id is not None else "",
         f"{row.when:%Y-%m-%d %H:%M:%S}" if row.when else "", row.detail)
        for row in rows
    ])


@jobs_group.command("retry")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "all_failed", is_flag=True, help="Every failed job of every queue.")
@pass_app
def jobs_retry(app: AppContext, job_ids: tuple[str, ...], all_failed: bool) -> None:
    """Put failed jobs back on their queues (with their retries afresh)."""
    from erpsync.jobs.status import failed_job_ids, retry_job

    connection = redis_connection(_redis_url(app, "erpsync jobs retry"))
    ids = list(job_ids) + (failed_job_ids(connection) if all_failed else [])
    if not ids:
        raise ValidationError("give the ids of failed jobs (erpsync jobs lists them), or --all")
    for job_id in ids:
        job = retry_job(connection, job_id)
        click.echo(f"job {job.id} is queued again on {job.origin}")


@jobs_group.command("run")
@click.argument("kind")
@click.argument("shop", required=False)
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter of the job.")
@enqueue_option
@pass_app
def jobs_run(app: AppContext, kind: str, shop: str | None, params: tuple[str, ...], enqueue: bool) -> None:
    """Run a job kind for a shop now (or --enqueue it); `erpsync jobs kinds` lists the kinds."""
    values: dict[str, str] = {}
    for pair in params:
        if "=" not in pair:
            raise ValidationError(f"--param must be KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        values[key.strip()] = value
    run_or_enqueue(app, kind, shop, values, enqueue=enqueue)


@jobs_group.command("kinds")
def jobs_kinds() -> None:
    """The registered job kinds: queue, lock, retries, schedule."""
    print_table(None, ["kind", "queue", "lock", "retries", "schedule", "runs"], [
        (kind.name, kind.queue, kind.lock or "none",
         ", ".join(f"{d}s" for d in kind.retry.intervals()) or "none",
         kind.schedule.describe() if kind.schedule else "on demand", kind.function)
        for kind in job_kinds()
    ])


# --- erpsync outbox ------------------------------------------------------------------------------


@click.group("outbox")
def outbox_group() -> None:
    """Changes waiting to be delivered to marketplaces: list, retry failed ones."""


@outbox_group.command("list")
@click.option("--state", type=click.Choice([OUTBOX_PENDING, OUTBOX_IN_PROGRESS, "done", OUTBOX_FAILED]))
@click.option("--shop", help="Only this shop's messages.")
@click.option("--kind", help="Only messages of this kind (stock, price, status, …).")
@click.option("--limit", default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_app
def outbox_list(app: AppContext, state: str | None, shop: str | None, kind: str | None, limit: int,
                fmt: str) -> None:
    """Counts by kind and state, then the latest messages."""
    handlers = outbox_handlers()
    with app.database().session() as session:
        shop_id = get_shop(session, shop).id if shop else None
        counts = outbox_counts(session)
        messages = list_messages(session, state=state, shop_id=shop_id, kind=kind, limit=limit)
        names = {shop_id: name for shop_id, name in session.execute(select(Shop.id, Shop.name))}
        rows = [(m.id, names.get(m.shop_id, m.shop_id), m.kind, m.dedupe_key, m.state, m.attempts,
                 f"{m.next_attempt_at:%Y-%m-%d %H:%M:%S}", (m.last_error or "")[:120]) for m in messages]
    if fmt == "json":
        print_json({"counts": [{"kind": k, "state": s, "count": n} for (k, s), n in sorted(counts.items())],
                    "messages": [dict(zip(["id", "shop", "kind", "key", "state", "attempts", "next_attempt_at",
                                           "last_error"], row, strict=True)) for row in rows]})
        return
    kinds = sorted({k for k, _ in counts})
    print_table("outbox", ["kind", "pending", "in progress", "failed", "done", "handler"], [
        (k, counts.get((k, OUTBOX_PENDING), 0), counts.get((k, OUTBOX_IN_PROGRESS), 0),
         counts.get((k, OUTBOX_FAILED), 0), counts.get((k, "done"), 0),
         handlers[k].function if k in handlers else "none registered: messages wait")
        for k in kinds
    ])
    if rows:
        print_table(None, ["id", "shop", "kind", "key", "state", "attempts", "next attempt", "last error"], rows)


@outbox_group.command("retry")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--failed", "all_failed", is_flag=True, help="Every failed message (of --shop, of --kind).")
@click.option("--shop")
@click.option("--kind")
@pass_app
def outbox_retry(app: AppContext, message_ids: tuple[int, ...], all_failed: bool, shop: str | None,
                 kind: str | None) -> None:
    """Send failed messages again (pending now, attempts counted afresh)."""
    if not message_ids and not all_failed:
        raise ValidationError("give the ids of failed messages (erpsync outbox list --state failed), or --failed")
    with app.database().session() as session:
        for message_id in message_ids:
            retry_message(session, message_id)
        count = len(message_ids)
        if all_failed:
            shop_id = get_shop(session, shop).id if shop else None
            count += retry_failed(session, shop_id=shop_id, kind=kind)
    click.echo(f"{count} message(s) will be delivered again")


COMMANDS = [worker, scheduler, run, jobs_group, outbox_group]
