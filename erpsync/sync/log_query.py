"""Reading the sync log: runs and events filtered by shop, kind, level, time and error text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from erpsync.core.errors import ValidationError
from erpsync.models import Shop, SyncEvent, SyncRun
from erpsync.models.integration import LOG_LEVELS

_RELATIVE = re.compile(r"^(\d+)\s*([mhd])$")


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``2h``, ``7d`` before now, or an ISO date/time (UTC when no zone is given)."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(text.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"--since: expected 30m, 2h, 7d or an ISO date, got {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LogFilter:
    shop: str | None = None
    kind: str | None = None
    level: str | None = None  # minimum level
    grep: str | None = None
    since: datetime | None = None
    limit: int = 100


def _levels_from(minimum: str) -> list[str]:
    if minimum not in LOG_LEVELS:
        raise ValidationError(f"--level: expected one of {', '.join(LOG_LEVELS)}, got {minimum!r}")
    return list(LOG_LEVELS[LOG_LEVELS.index(minimum):])


def _shop_id(session: Session, name: str) -> int:
    from erpsync.sync.shops import get_shop

    return get_shop(session, name).id


def events_query(session: Session, flt: LogFilter) -> Select:
    query = select(SyncEvent, Shop.name).outerjoin(Shop, Shop.id == SyncEvent.shop_id)
    if flt.shop:
        query = query.where(SyncEvent.shop_id == _shop_id(session, flt.shop))
    if flt.kind:
        query = query.where(SyncEvent.kind == flt.kind)
    if flt.level:
        query = query.where(SyncEvent.level.in_(_levels_from(flt.level)))
    if flt.since:
        query = query.where(SyncEvent.created_at >= flt.since)
    if flt.grep:
        pattern = f"%{flt.grep}%"
        query = query.where(or_(SyncEvent.message.ilike(pattern), SyncEvent.entity_id.ilike(pattern)))
    return query.order_by(SyncEvent.id.desc()).limit(flt.limit)


def runs_query(session: Session, flt: LogFilter) -> Select:
    query = select(SyncRun, Shop.name).outerjoin(Shop, Shop.id == SyncRun.shop_id)
    if flt.shop:
        query = query.where(SyncRun.shop_id == _shop_id(session, flt.shop))
    if flt.kind:
        query = query.where(SyncRun.kind == flt.kind)
    if flt.since:
        query = query.where(SyncRun.started_at >= flt.since)
    if flt.grep:
        query = query.where(SyncRun.message.ilike(f"%{flt.grep}%"))
    return query.order_by(SyncRun.id.desc()).limit(flt.limit)


def find_events(session: Session, flt: LogFilter) -> list[tuple[SyncEvent, str | None]]:
    return [(event, shop) for event, shop in session.execute(events_query(session, flt)).all()]


def find_runs(session: Session, flt: LogFilter) -> list[tuple[SyncRun, str | None]]:
    return [(run, shop) for run, shop in session.execute(runs_query(session, flt)).all()]
