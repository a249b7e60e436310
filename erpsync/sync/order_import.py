"""Import orders of a shop: the window, one transaction per order, the cursor, the sync log.

The window starts at the shop's cursor less an overlap, so nothing on a page boundary is missed. A
marketplace that can list orders by the time of their last change (``CAP_ORDERS_CHANGED_SINCE``)
shows every status change in that window. One that lists by creation time only (Kaspi) would not,
so for it the window also reaches back to the oldest order we still hold open (at most
``order_lookback_days``): still-open orders are read again on every run and their status changes
arrive; closed orders are never re-read. Its overlap is a day, for orders that appear in the
listing some time after they were created (Kaspi lists a credit purchase once the bank approves it).

Each order is saved in its own transaction (``order_store.save_order``). An order that cannot be
decoded or saved is written to the sync log with its raw payload and the error, and the batch goes
on. The cursor moves only after the batch, and never past an order that failed or is held, so the
next run reads those again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from erpsync.core.errors import ErpsyncError, NotFoundError
from erpsync.marketplaces import base as mp
from erpsync.marketplaces.registry import connector_class
from erpsync.models import Order, Shop, SyncCursor, utcnow
from erpsync.models.db import Database
from erpsync.models.integration import RUN_PARTIAL, RUN_SKIPPED, RUN_SUCCESS
from erpsync.sync.connectors import connector_for
from erpsync.sync.log import RunCounts, SyncLog, sync_run
from erpsync.sync.order_store import CLOSED_STATUSES, CREATED, HELD, UPDATED, ShopContext, save_order
from erpsync.sync.shops import get_shop, list_shops, shop_settings

CURSOR_KIND = "orders"
OVERLAP_CHANGED_SINCE = timedelta(minutes=10)
OVERLAP_CREATED_SINCE = timedelta(days=1)
SAVE_ATTEMPTS = 3  # a concurrent import inserting the same order first makes ours retry


@dataclass(frozen=True)
class ImportWindow:
    since: datetime
    until: datetime
    previous_cursor: datetime | None


@dataclass
class ImportReport:
    """What one import run of a shop did."""

    shop: str
    run_id: int | None
    status: str
    counts: RunCounts = field(default_factory=RunCounts)
    window: ImportWindow | None = None
    cursor: datetime | None = None
    order_ids: list[int] = field(default_factory=list)
    error: str | None = None


# --- the cursor --------------------------------------------------------------------------------------


def read_cursor(session: Session, shop_id: int) -> datetime | None:
    value = session.scalar(select(SyncCursor.value).where(SyncCursor.shop_id == shop_id,
                                                          SyncCursor.kind == CURSOR_KIND))
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def write_cursor(database: Database, shop_id: int, moment: datetime) -> None:
    """Store the cursor in its own transaction (after the batch it covers is committed)."""
    for attempt in range(SAVE_ATTEMPTS):
        try:
            with database.session() as session:
                cursor = session.scalar(select(SyncCursor).where(
                    SyncCursor.shop_id == shop_id, SyncCursor.kind == CURSOR_KIND).with_for_update())
                if cursor is None:
                    session.add(SyncCursor(shop_id=shop_id, kind=CURSOR_KIND, value=moment.isoformat()))
                else:
                    cursor.value = moment.isoformat()
            return
        except IntegrityError:
            if attempt == SAVE_ATTEMPTS - 1:
                raise


# --- the window --------------------------------------------------------------------------------------


def plan_window(session: Session, shop: Shop, connector: mp.Connector, now: datetime) -> ImportWindow:
    """The time window this run asks the marketplace for (see the module docstring)."""
    lookback = timedelta(days=int(shop_settings(shop)["order_lookback_days"]))
    earliest = now - lookback
    cursor = read_cursor(session, shop.id)
    changed_since = mp.CAP_ORDERS_CHANGED_SINCE in connector.capabilities
    overlap = OVERLAP_CHANGED_SINCE if changed_since else OVERLAP_CREATED_SINCE
    since = earliest if cursor is None else cursor - overlap
    if not changed_since:
        oldest_open = session.scalar(
            select(func.min(Order.placed_at)).where(
                Order.shop_id == shop.id, Order.status.not_in(CLOSED_STATUSES), Order.placed_at >= earliest)
        )
        if oldest_open is not None:
            since = min(since, oldest_open)
    return ImportWindow(since=max(since, earliest), until=now, previous_cursor=cursor)


def window_slices(window: ImportWindow, max_days: int | None) -> Iterator[tuple[datetime, datetime]]:
    """The window cut into pieces no longer than the marketplace allows one listing to span."""
    if not max_days:
        yield window.since, window.until
        return
    step = timedelta(days=max_days)
    start = window.since
    while start < window.until:
        end = min(start + step, window.until)
        yield start, end
        start = end


# --- one order ---------------------------------------------------------------------------------------


def _save_with_retry(database: Database, ctx: ShopContext, order: mp.Order, now: datetime):  # type: ignore[no-untyped-def]
    """Save one order in its own transaction; a unique-key race with another import is retried."""
    for attempt in range(SAVE_ATTEMPTS):
        try:
            with database.session() as session:
                return save_order(session, ctx, order, now)
        except (IntegrityError, OperationalError) as error:
            retryable = isinstance(error, IntegrityError) or "deadlock" in str(error.orig).lower()
            if not retryable or attempt == SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _describe(error: Exception) -> str:
    if isinstance(error, ErpsyncError):
        return str(error)
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


@dataclass
class _Batch:
    log: SyncLog
    ctx: ShopContext
    now: datetime
    cursor_limit: datetime
    seen: set[str] = field(default_factory=set)
    order_ids: list[int] = field(default_factory=list)

    def hold_cursor(self, moment: datetime | None, fallback: datetime) -> None:
        self.cursor_limit = min(self.cursor_limit, moment or fallback)

    def unreadable(self, item: mp.UnreadableOrder, window_start: datetime) -> None:
        self.log.counts.failed += 1
        self.hold_cursor(item.created_at, window_start)
        self.log.error(f"order {item.external_id or '(no id)'} cannot be read: {item.error}",
                       entity_type="order", entity_id=item.external_id, payload=dict(item.raw))

    def drain_rejected(self, connector: mp.Connector, window_start: datetime) -> None:
        """Items a connector set aside with ``reject`` instead of yielding an ``UnreadableOrder``."""
        rejected = getattr(connector, "rejected", None) or []
        for error in rejected:
            self.log.counts.fetched += 1
            self.unreadable(mp.UnreadableOrder(str(error), raw=dict(getattr(error, "exchange", None) or {})),
                            window_start)
        rejected.clear()

    def order(self, database: Database, order: mp.Order, window_start: datetime) -> None:
        if order.external_id in self.seen:
            return
        self.seen.add(order.external_id)
        try:
            result = _save_with_retry(database, self.ctx, order, self.now)
        except Exception as error:  # one order never stops the batch; it is read again next run
            self.log.counts.failed += 1
            self.hold_cursor(order.created_at, window_start)
            self.log.error(f"order {order.external_id} ({order.number}) was not saved: {_describe(error)}",
                           entity_type="order", entity_id=order.external_id, payload=dict(order.raw) or None)
            return
        counts = self.log.counts
        if result.outcome == CREATED:
            counts.created += 1
        elif result.outcome == UPDATED:
            counts.updated += 1
        else:
            counts.skipped += 1
        if result.outcome == HELD:
            self.hold_cursor(order.created_at, window_start)
        if result.order_id is not None:
            self.order_ids.append(result.order_id)
        for note in result.notes:
            self.log.info(f"order {order.number}: {note}", entity_type="order", entity_id=order.external_id)
        for warning in result.warnings:
            self.log.warning(f"order {order.number}: {warning}", entity_type="order", entity_id=order.external_id)


# --- the run -----------------------------------------------------------------------------------------


def import_orders(
    database: Database,
    shop_name: str,
    *,
    secret_key: str,
    now: datetime | None = None,
    job_id: str | None = None,
    connector: mp.Connector | None = None,
    mappings_dir: Path | None = None,
) -> ImportReport:
    """Import the orders of one shop (see the module docstring) as one run of the sync log.

    A connection failure of the marketplace ends the run as failed (orders saved so far stay, the
    cursor does not move). ``connector`` replaces the shop's own (it is not closed here then).
    """
    with database.session() as session:
        shop_id = get_shop(session, shop_name).id
    with sync_run(database, "orders", shop_id, job_id=job_id) as log:
        return import_orders_logged(database, shop_id, log, secret_key=secret_key, now=now, connector=connector,
                                    mappings_dir=mappings_dir)


def import_orders_logged(
    database: Database,
    shop_id: int,
    log: SyncLog,
    *,
    secret_key: str,
    now: datetime | None = None,
    connector: mp.Connector | None = None,
    mappings_dir: Path | None = None,
) -> ImportReport:
    """The import of ``import_orders`` counted into a run of the sync log the caller opened and closes
    (a job runner's); a disabled shop or ``sync_orders=false`` closes the run as skipped."""
    now = now or utcnow()
    with database.session() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise NotFoundError(f"shop #{shop_id} no longer exists")
        ctx = ShopContext.load(session, shop, mappings_dir)
    if not shop.enabled or not ctx.settings.get("sync_orders", True):
        why = "the shop is disabled" if not shop.enabled else "order import is off (sync_orders=false)"
        log.finish(RUN_SKIPPED, why)
        return ImportReport(shop=shop.name, run_id=log.run_id, status=RUN_SKIPPED, counts=log.counts, error=why)
    own = connector is None
    connector = connector or connector_for(shop, secret_key)
    try:
        with database.session() as session:
            window = plan_window(session, shop, connector, now)
        batch = _Batch(log=log, ctx=ctx, now=now, cursor_limit=window.until)
        for start, end in window_slices(window, connector.limits.max_window_days):
            for item in connector.list_orders(start, end):
                log.counts.fetched += 1
                if isinstance(item, mp.UnreadableOrder):
                    batch.unreadable(item, start)
                else:
                    batch.order(database, item, start)
            batch.drain_rejected(connector, start)
    finally:
        if own:
            connector.close()
    write_cursor(database, shop.id, batch.cursor_limit)
    status = RUN_PARTIAL if log.counts.failed else RUN_SUCCESS
    return ImportReport(shop=shop.name, run_id=log.run_id, status=status, counts=log.counts, window=window,
                        cursor=batch.cursor_limit, order_ids=batch.order_ids)


def import_all_orders(
    database: Database, *, secret_key: str, now: datetime | None = None, mappings_dir: Path | None = None
) -> list[ImportReport]:
    """Import orders of every enabled shop whose marketplace has a connector; one shop's failure is
    reported and the others go on."""
    with database.session() as session:
        shops = [(shop.name, shop.marketplace) for shop in list_shops(session) if shop.enabled]
    reports = []
    for name, marketplace in shops:
        try:
            connector_class(marketplace)
        except ErpsyncError as error:
            reports.append(ImportReport(shop=name, run_id=None, status=RUN_SKIPPED, error=str(error)))
            continue
        try:
            reports.append(import_orders(database, name, secret_key=secret_key, now=now, mappings_dir=mappings_dir))
        except ErpsyncError as error:
            reports.append(ImportReport(shop=name, run_id=None, status="failed", error=str(error)))
    return reports


def lists_orders(marketplace: str) -> bool:
    """Whether erpsync has a connector for ``marketplace`` that lists orders (the job kind applies)."""
    try:
        return mp.CAP_ORDERS in connector_class(marketplace).capabilities
    except ErpsyncError:
        return False


def import_orders_job(run: Any) -> dict[str, Any]:
    """The ``import_orders`` job kind (``erpsync.jobs``): one shop's import, counted into the job's run
    (``run`` is an ``erpsync.sync.context.RunContext``)."""
    report = import_orders_logged(run.database, run.shop_id, run.log, secret_key=run.config.require_secret_key(),
                                  mappings_dir=run.config.mappings_dir)
    counts = report.counts
    return {"status": report.status, "fetched": counts.fetched, "created": counts.created,
            "updated": counts.updated, "skipped": counts.skipped, "failed": counts.failed}
