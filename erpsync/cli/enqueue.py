"""``--enqueue`` for every command that runs a job kind: put the job on its queue and return at
once, or (without the flag) run it here and print how it went.

A command module uses it like this (``erpsync sync orders SHOP [--enqueue]``)::

    from erpsync.cli.enqueue import enqueue_option, run_or_enqueue

    @sync_group.command("orders")
    @click.argument("shop")
    @click.option("--since", help="Import orders changed since this time.")
    @enqueue_option
    @pass_app
    def sync_orders(app: AppContext, shop: str, since: str | None, enqueue: bool) -> None:
        \"\"\"Import the shop's new and changed orders.\"\"\"
        run_or_enqueue(app, "orders", shop, {"since": since}, enqueue=enqueue)

Parameters are plain values (None ones are dropped) and never credentials. Run here, the job takes
the same lock as on a worker and writes the same sync log; a failed run exits with status 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from erpsync.cli.context import AppContext
from erpsync.core.errors import ConfigError, ErpsyncError
from erpsync.jobs.queues import enqueue, redis_connection
from erpsync.jobs.registry import job_kind
from erpsync.jobs.runner import JobOutcome, run_inline
from erpsync.models import SyncRun
from erpsync.sync.shops import get_shop

enqueue_option = click.option(
    "--enqueue",
    is_flag=True,
    help="Put the job on its queue and return at once (needs ERPSYNC_REDIS_URL); without it the job runs here.",
)


def run_or_enqueue(
    app: AppContext,
    kind: str,
    shop: str | None,
    params: Mapping[str, Any] | None = None,
    *,
    enqueue: bool,
) -> JobOutcome | None:
    """Enqueue ``kind`` for the shop named ``shop``, or run it here; prints one line either way."""
    spec = job_kind(kind)
    clean = {key: value for key, value in (params or {}).items() if value is not None}
    database = app.database()
    shop_id: int | None = None
    if shop is not None:
        with database.session() as session:
            shop_id = get_shop(session, shop).id
    elif spec.needs_shop:
        raise ConfigError(f"{kind} needs a shop")
    label = f"{kind} for shop {shop}" if shop else kind
    if enqueue:
        if not app.settings.redis_url:
            raise ConfigError(
                "--enqueue needs ERPSYNC_REDIS_URL (a Redis that workers listen to)",
                hint="set it, or leave out --enqueue to run the job here",
            )
        queued = _enqueue(app.settings.redis_url, kind, shop_id, clean)
        if queued[1]:
            click.echo(f"{label} is already waiting on queue {spec.queue}: job {queued[0]}")
        else:
            click.echo(f"queued {label} on queue {spec.queue}: job {queued[0]}")
        return None
    outcome = run_inline(kind, shop_id, clean, database=database, config=app.settings)
    click.echo(f"{label}: {outcome.status}{_counts(app, outcome)}")
    if outcome.status == "failed":
        where = f" --shop {shop}" if shop else ""
        raise ErpsyncError(f"{label} failed: {outcome.message}",
                           hint=f"erpsync log{where} --kind {spec.log_kind(clean)} has the details")
    return outcome


def _enqueue(url: str, kind: str, shop_id: int | None, params: dict[str, Any]) -> tuple[str, bool]:
    connection = redis_connection(url)
    try:
        queued = enqueue(connection, kind, shop_id, params)
    finally:
        connection.close()
    return queued.job_id, queued.coalesced


def _counts(app: AppContext, outcome: JobOutcome) -> str:
    if outcome.run_id is None:
        return f" ({outcome.message})" if outcome.message else ""
    with app.database().session() as session:
        run = session.get(SyncRun, outcome.run_id)
        if run is None:
            return ""
        counts = (
            f"fetched {run.fetched}, created {run.created}, updated {run.updated}, "
            f"skipped {run.skipped}, failed {run.failed}"
        )
        message = f"; {run.message}" if run.message and outcome.status != "failed" else ""
        return f" ({counts}{message}) — run #{run.id}"


__all__ = ["enqueue_option", "run_or_enqueue"]
