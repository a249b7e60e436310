"""Use case: render a shop's feed (or every feed-based shop's) and record it in the sync log.

Each render is a sync run of kind ``feed``: ``fetched`` = listed products read, ``created`` = offers
written, ``skipped`` = products left out. Every product left out for bad input (no price, invalid
SKU, no category mapping, …) gets one warning event per render naming the product and the reason;
products left out by the shop's own filters (only in stock, only with photos, zero stock hidden) are
counted by reason in the run's summary event. Events are written in batches, so a render of a
million products with many exclusions stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from erpsync.core.config import Settings
from erpsync.feeds.publish import RenderStats, feed_url, render_shop
from erpsync.feeds.selection import Exclusion
from erpsync.feeds.specs import FEED_MARKETPLACES
from erpsync.models import Shop, SyncEvent, utcnow
from erpsync.models.db import Database
from erpsync.sync.context import RunContext
from erpsync.sync.log import SyncLog, sync_run
from erpsync.sync.shops import get_shop

RUN_KIND = "feed"
_EVENT_BATCH = 500


@dataclass
class FeedReport:
    """A rendered feed: its counts, files and the URLs to paste into the marketplace cabinet."""

    stats: RenderStats
    urls: list[str]
    run_id: int


class _ExclusionLog:
    """Buffers one warning event per bad-input exclusion and writes them in batches."""

    def __init__(self, database: Database, log: SyncLog) -> None:
        self.database = database
        self.log = log
        self.pending: list[dict[str, object]] = []

    def __call__(self, exclusion: Exclusion) -> None:
        if not exclusion.is_bad_input:
            return
        self.pending.append({
            "run_id": self.log.run_id, "shop_id": self.log.shop_id, "kind": RUN_KIND, "level": "warning",
            "entity_type": "product", "entity_id": exclusion.sku,
            "message": f"left out of the feed: {exclusion.message}",
            "payload": {"reason": exclusion.reason}, "created_at": utcnow(),
        })
        if len(self.pending) >= _EVENT_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            with self.database.engine.begin() as connection:
                connection.execute(insert(SyncEvent), self.pending)
            self.pending.clear()


def render_feed(
    database: Database,
    settings: Settings,
    shop_name: str,
    *,
    out: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> FeedReport:
    """Render the feed of the shop named ``shop_name`` into the feed folder (or ``out``) and log the run."""
    with database.session() as session:
        shop = get_shop(session, shop_name)
        session.expunge(shop)
    with sync_run(database, RUN_KIND, shop.id) as log:
        return render_logged(database, settings, shop, log, out=out, on_progress=on_progress)


def render_logged(
    database: Database,
    settings: Settings,
    shop: Shop,
    log: SyncLog,
    *,
    out: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> FeedReport:
    """Render ``shop``'s feed as the run ``log`` (counts, left-out products, summary); closes the run."""
    exclusions = _ExclusionLog(database, log)
    try:
        stats = render_shop(database, shop, settings.feed_dir, mappings_dir=settings.mappings_dir, out=out,
                            on_excluded=exclusions, on_progress=on_progress)
    finally:
        exclusions.flush()
    log.counts.fetched = stats.considered
    log.counts.created = stats.offers
    log.counts.skipped = stats.excluded_total
    summary = _summary(stats)
    log.info(summary, payload={
        "offers": stats.offers, "excluded": dict(stats.excluded),
        "files": [{"file": f.filename, "bytes": f.size, "offers": f.offers} for f in stats.files],
        "seconds": round(stats.seconds, 3),
    })
    log.finish(message=summary)
    urls = [feed_url(settings.public_url, shop, f.filename) for f in stats.files]
    return FeedReport(stats, urls, log.run_id)


def _summary(stats: RenderStats) -> str:
    reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(stats.excluded.items()))
    files = ", ".join(f"{f.filename} ({f.size} bytes)" for f in stats.files)
    text = f"{stats.marketplace} feed of {stats.shop}: {stats.offers} offers, {stats.excluded_total} left out"
    return f"{text} ({reasons}); {files}" if reasons else f"{text}; {files}"


def render_feed_job(run: RunContext) -> dict[str, object]:
    """The feed render as a job (scheduled by ``feed_interval_minutes``); logs its own run of kind ``feed``."""
    with run.database.session() as session:
        shop = run.shop(session)
        session.expunge(shop)
    report = render_logged(run.database, run.config, shop, run.log,
                           on_progress=lambda done, total: run.progress(done, total, "products"))
    return {"offers": report.stats.offers, "left_out": report.stats.excluded_total, "urls": report.urls}


def renders_feed(marketplace: str) -> bool:
    """Whether shops of ``marketplace`` publish a feed (the scheduler renders only theirs)."""
    return marketplace in FEED_MARKETPLACES


def feed_shop_names(database: Database) -> list[str]:
    """Enabled shops whose marketplace reads a feed, by name."""
    with database.session() as session:
        return list(session.scalars(
            select(Shop.name).where(Shop.enabled.is_(True), Shop.marketplace.in_(FEED_MARKETPLACES)).order_by(Shop.name)
        ))


__all__ = ["RUN_KIND", "FeedReport", "feed_shop_names", "render_feed", "render_feed_job", "renders_feed"]
