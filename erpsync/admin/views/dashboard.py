"""The dashboard (the panel's home): per shop the last successful import, orders today, failed pushes
and the feed address; the job queues' depths when Redis is configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_admin import AdminIndexView, expose
from flask_babel import lazy_gettext as _l
from redis import Redis
from redis.exceptions import RedisError

from erpsync.admin.app import app_settings, panel_db
from erpsync.admin.i18n import display_zone, local_day_bounds
from erpsync.admin.views.base import RoleRequired
from erpsync.jobs.status import queue_summaries
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


def queue_depths(redis_url: str) -> QueueReport:
    """erpsync's job queues with their waiting, running, scheduled (retries) and failed jobs; an unreachable
    Redis is reported, not raised (the page must still show the shops)."""
    try:
        connection = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            summaries = queue_summaries(connection, limit=1)
        finally:
            connection.close()
    except RedisError as error:
        return QueueReport([], str(error))
    return QueueReport([
        QueueDepth(summary.queue, summary.counts["queued"], summary.counts["running"], summary.counts["scheduled"],
                   summary.counts["failed"])
        for summary in summaries
    ])


def feed_address(public_url: str, feed_token: str) -> str:
    """Where a shop's feed files are published: ``<public URL>/feeds/<the shop's feed token>/``."""
    return f"{public_url.rstrip('/')}/feeds/{feed_token}/"


class DashboardView(RoleRequired, AdminIndexView):
    def __init__(self) -> None:
        super().__init__(name=_l("Dashboard"), url="/admin", template="erpsync/dashboard.html")

    @expose("/")
    def index(self) -> str:
        settings = app_settings()
        zone = display_zone()
        day_start, day_end = local_day_bounds(datetime.now(zone).date(), zone)
        overviews = shop_overviews(panel_db().session, day_start, day_end)
        return self.render(
            self._template,
            overviews=overviews,
            feed_addresses={o.shop_id: feed_address(settings.public_url, o.feed_token) for o in overviews},
            queues=queue_depths(settings.redis_url) if settings.redis_url else None,
        )
