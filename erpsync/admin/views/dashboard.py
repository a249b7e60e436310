"""The dashboard (the panel's home): per shop the last successful import, orders today, failed pushes,
the feed's URLs and its last render, the shop's jobs waiting or running (with their progress) and "Run
now" buttons; the job queues' depths when Redis is configured.

"Run now" starts one of the kinds scheduled for the shop's marketplace (``erpsync.jobs.launch``): on its
queue when Redis is configured — the page then shows it waiting, running with its progress, and
reloads itself while a job of a shop waits or runs —, else here, in the request, and says how it went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import AdminIndexView, expose
from flask_babel import lazy_gettext as _l
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from erpsync.admin.app import app_database, app_settings, panel_db
from erpsync.admin.i18n import display_zone, local_day_bounds
from erpsync.admin.runs import job_state_label, kind_label, started_message
from erpsync.admin.views.base import RoleRequired
from erpsync.core.errors import ErpsyncError, NotFoundError
from erpsync.jobs.launch import runnable_kinds, start
from erpsync.jobs.registry import job_kind
from erpsync.jobs.status import JobRow, queue_summaries
from erpsync.models import Shop
from erpsync.sync.feed_preview import feed_statuses
from erpsync.sync.overview import shop_overviews


@dataclass(frozen=True)
class QueueDepth:
    name: str
    queued: int
    started: int
    scheduled: int
    failed: int


@dataclass(frozen=True)
class QueueReport:
    queues: list[QueueDepth]
    error: str | None = None
    jobs: dict[int, list[JobRow]] = field(default_factory=dict)  # shop id → its waiting and running jobs

    @property
    def busy(self) -> bool:
        """Whether a job of a shop waits or runs (the page then reloads itself to show its progress)."""
        return any(row.state in ("queued", "running") for rows in self.jobs.values() for row in rows)


def queue_depths(redis_url: str, jobs_per_queue: int = 20) -> QueueReport:
    """erpsync's job queues with their waiting, running, scheduled (retries) and failed jobs, and each shop's
    waiting, running and scheduled jobs; an unreachable Redis is reported, not raised (the page must still
    show the shops)."""
    try:
        connection = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            summaries = queue_summaries(connection, limit=jobs_per_queue)
        finally:
            connection.close()
    except RedisError as error:
        return QueueReport([], str(error))
    jobs: dict[int, list[JobRow]] = {}
    for summary in summaries:
        for row in summary.jobs:
            if row.shop_id is not None and row.state in ("queued", "running", "scheduled"):
                jobs.setdefault(int(row.shop_id), []).append(row)
    return QueueReport([
        QueueDepth(summary.queue, summary.counts["queued"], summary.counts["running"], summary.counts["scheduled"],
                   summary.counts["failed"])
        for summary in summaries
    ], jobs=jobs)


class DashboardView(RoleRequired, AdminIndexView):
    def __init__(self) -> None:
        super().__init__(name=_l("Dashboard"), url="/admin", template="erpsync/dashboard.html")

    @expose("/")
    def index(self) -> str:
        settings = app_settings()
        zone = display_zone()
        day_start, day_end = local_day_bounds(datetime.now(zone).date(), zone)
        session = panel_db().session
        overviews = shop_overviews(session, day_start, day_end)
        return self.render(
            self._template,
            overviews=overviews,
            feeds=feed_statuses(session, settings, list(session.scalars(select(Shop)))),
            queues=queue_depths(settings.redis_url) if settings.redis_url else None,
            run_kinds={o.shop_id: runnable_kinds(o.marketplace) for o in overviews},
            kind_label=kind_label,
            job_state_label=job_state_label,
        )

    @expose("/run/<kind>/<int:shop_id>", methods=("POST",))
    def run_now(self, kind: str, shop_id: int) -> ResponseReturnValue:
        """Start ``kind`` for the shop: on its queue (with Redis), else here; back to the dashboard."""
        shop = panel_db().session.get(Shop, shop_id)
        if shop is None:
            abort(404)
        try:
            spec = job_kind(kind)
        except NotFoundError:
            abort(404)
        if spec not in runnable_kinds(shop.marketplace):
            abort(404)
        name = shop.name
        panel_db().session.close()  # an inline run may take a while: hold no connection meanwhile
        try:
            started = start(app_settings(), app_database(), spec, shop_id)
        except ErpsyncError as error:
            flash(str(error), "error")
        else:
            category, text = started_message(name, started)
            flash(text, category)
        return redirect(url_for(".index"))
