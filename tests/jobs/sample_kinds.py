"""Job kinds and an outbox handler for the tests: use cases in miniature that do real work on the
database (count the catalog, stamp listings as pushed, record pushed stock), registered exactly the
way the real ones are. Imported by the tests, and by subprocess workers through
``ERPSYNC_JOB_MODULES=tests.jobs.sample_kinds``."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from erpsync.core.errors import MarketplaceError, ValidationError
from erpsync.jobs.registry import NO_RETRY, DailyAt, Every, RetryPolicy, register_job
from erpsync.marketplaces.base import OrderRef, StatusChange
from erpsync.models import Listing, OutboxMessage, Product, utcnow
from erpsync.sync.connectors import connector_for
from erpsync.sync.context import RunContext
from erpsync.sync.outbox import OutboxDelivery, register_outbox_handler


def count_catalog(run: RunContext) -> int:
    """Count the active products, in pages, reporting progress."""
    with run.database.session() as session:
        total = session.scalar(select(func.count()).select_from(Product).where(Product.is_active.is_(True))) or 0
    for done in range(0, total + 1, max(total // 4, 1)):
        run.progress(min(done, total), total, "counting")
    run.progress(total, total, "counted")
    run.log.counts.fetched = total
    run.log.info(f"{total} active products")
    return total


def wait_for_release(run: RunContext) -> str:
    """Hold the run (and its lock) until the file ``params["release_file"]`` exists."""
    release = Path(run.params["release_file"])
    run.log.info("started, waiting for release")
    run.progress(1, 2, "waiting for release")
    deadline = time.monotonic() + 30
    while not release.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{release} never appeared")
        time.sleep(0.02)
    run.progress(2, 2, "released")
    return "released"


def push_listings(run: RunContext) -> int:
    """Stamp the shop's listings as pushed; a shop whose base URL says 'unreachable' answers 503."""
    with run.database.session() as session:
        shop = run.shop(session)
        if "unreachable" in shop.base_url:
            raise MarketplaceError(f"{shop.base_url} answered HTTP 503", status_code=503, retryable=True)
        result = session.execute(update(Listing).where(Listing.shop_id == shop.id).values(pushed_at=utcnow()))
    run.log.counts.updated = result.rowcount
    if run.params.get("full"):
        run.log.info(f"full pass of {result.rowcount} listings")
    return result.rowcount


def reject_shop(run: RunContext) -> None:
    """A mistake a person must fix: never worth retrying."""
    raise ValidationError(f"shop #{run.shop_id}: setting currency is not set")


register_job("sample_count", "tests.jobs.sample_kinds:count_catalog", retry=RetryPolicy(2, (0,)))
register_job("sample_hold", "tests.jobs.sample_kinds:wait_for_release", retry=NO_RETRY)
register_job("sample_push", "tests.jobs.sample_kinds:push_listings", queue="push", retry=RetryPolicy(2, (0,)))
register_job("sample_push_later", "tests.jobs.sample_kinds:push_listings", queue="push",
             retry=RetryPolicy(2, (30, 120)))
register_job("sample_permanent", "tests.jobs.sample_kinds:reject_shop", retry=RetryPolicy(3, (0,)))
register_job("sample_orders", "tests.jobs.sample_kinds:count_catalog", queue="orders", retry=NO_RETRY,
             schedule=Every("poll_interval_minutes", switch="sync_orders"))
register_job("sample_full_push", "tests.jobs.sample_kinds:push_listings", queue="push", retry=NO_RETRY,
             lock_group="sample_push", params={"full": True},
             schedule=DailyAt("full_push_at", switch="sync_stock_prices"))


def deliver_stock(delivery: OutboxDelivery) -> None:
    """Push stock levels: each pushed message is an event in the run's log (the marketplace call),
    and the listing's ``pushed_stock`` is recorded with the messages marked done.

    Payloads steer the marketplace's answer: ``{"answer": "502"}`` fails that item (transient),
    ``"unknown offer"`` fails it for good, ``"down"`` fails the whole batch, and ``"slow"`` makes
    another worker take the batch over meanwhile (its lease ran out).
    """
    answers = {message.payload.get("answer") for message in delivery.messages}
    if "down" in answers:
        raise MarketplaceError("connection refused", retryable=True)
    pushed: dict[int, int] = {}
    for message in delivery.messages:
        answer = message.payload.get("answer")
        if answer == "502":
            delivery.fail(message, MarketplaceError("HTTP 502", status_code=502, retryable=True))
        elif answer == "unknown offer":
            delivery.fail(message, ValidationError(f"unknown offer {message.dedupe_key}"))
        else:
            delivery.run.log.info("pushed", entity_type="outbox", entity_id=str(message.id))
            pushed[message.payload["product_id"]] = message.payload["quantity"]
    if "slow" in answers:
        with delivery.run.database.session() as session:  # another worker re-claims after the lease
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in delivery.messages]))
                            .values(attempts=OutboxMessage.attempts + 1))

    def record(session: Session) -> None:
        for product_id, quantity in pushed.items():
            session.execute(update(Listing).where(Listing.shop_id == delivery.shop_id,
                                                  Listing.product_id == product_id)
                            .values(pushed_stock=quantity, pushed_at=utcnow()))

    delivery.record(record)


register_outbox_handler("sample_stock", "tests.jobs.sample_kinds:deliver_stock", batch_size=50, backoff_seconds=10)


def accept_orders(delivery: OutboxDelivery) -> None:
    """Accept orders on the marketplace through the shop's real connector (the Kaspi sandbox in the
    tests): the message payload names the order; credentials come from the shop row."""
    with delivery.run.database.session() as session:
        shop = delivery.run.shop(session)
        connector = connector_for(shop, delivery.run.config.require_secret_key())
    with connector:
        for message in delivery.messages:
            ref = OrderRef(message.payload["order_id"], message.payload["code"], "APPROVED_BY_BANK")
            connector.set_status(StatusChange(ref, "ACCEPTED_BY_MERCHANT"))


register_outbox_handler("sample_status", "tests.jobs.sample_kinds:accept_orders", batch_size=10)
