"""How every shop is doing, for the dashboard: last successful order import, the latest import's
outcome, orders placed in a day, pushes that failed for good. A few grouped queries, not one per shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erpsync.models import Order, OutboxMessage, Shop, SyncRun
from erpsync.models.integration import OUTBOX_FAILED, RUN_SUCCESS

KIND_ORDERS = "orders"  # the sync run kind of an order import


@dataclass(frozen=True)
class ShopOverview:
    shop_id: int
    name: str
    marketplace: str
    enabled: bool
    feed_token: str
    last_import_at: datetime | None  # when the last successful order import finished
    latest_import_status: str | None  # the outcome of the most recent order import, whatever it was
    latest_import_message: str | None
    orders_today: int
    failed_pushes: int


def order_time() -> object:
    """When an order was placed on the marketplace, or imported when the marketplace did not say."""
    return func.coalesce(Order.placed_at, Order.created_at)


def shop_overviews(session: Session, day_start: datetime, day_end: datetime) -> list[ShopOverview]:
    """Every shop, by name, with its figures; "today" is the half-open interval [day_start, day_end)."""
    last_success = dict(
        session.execute(
            select(SyncRun.shop_id, func.max(SyncRun.finished_at))
            .where(SyncRun.kind == KIND_ORDERS, SyncRun.status == RUN_SUCCESS)
            .group_by(SyncRun.shop_id)
        ).all()
    )
    latest_ids = (
        select(func.max(SyncRun.id).label("id")).where(SyncRun.kind == KIND_ORDERS).group_by(SyncRun.shop_id)
    ).subquery()
    latest = {
        run.shop_id: run for run in session.scalars(select(SyncRun).join(latest_ids, SyncRun.id == latest_ids.c.id))
    }
    placed = order_time()
    orders_today = dict(
        session.execute(
            select(Order.shop_id, func.count())
            .where(placed >= day_start, placed < day_end)  # type: ignore[operator]
            .group_by(Order.shop_id)
        ).all()
    )
    failed = dict(
        session.execute(
            select(OutboxMessage.shop_id, func.count())
            .where(OutboxMessage.state == OUTBOX_FAILED)
            .group_by(OutboxMessage.shop_id)
        ).all()
    )
    result = []
    for shop in session.scalars(select(Shop).order_by(Shop.name)):
        run = latest.get(shop.id)
        result.append(
            ShopOverview(
                shop_id=shop.id,
                name=shop.name,
                marketplace=shop.marketplace,
                enabled=shop.enabled,
                feed_token=shop.feed_token,
                last_import_at=last_success.get(shop.id),
                latest_import_status=run.status if run else None,
                latest_import_message=run.message if run else None,
                orders_today=orders_today.get(shop.id, 0),
                failed_pushes=failed.get(shop.id, 0),
            )
        )
    return result
