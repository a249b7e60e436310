"""Push stock and prices of a shop's listed products to its marketplace — whichever marketplace, through
its connector's ``push_stock_prices`` (Prom, Satu, Rozetka; Kasta and Kaufland reuse this).

What is sent is what the feeds would offer (``erpsync.feeds``): the quantity free in the shop's
warehouses (stock − reservations; the shop's default quantity for products that do not track stock),
its presence (available, unavailable, awaiting — ``zero_stock``; a product a feed would hide goes out
as unavailable, since it is on the marketplace already) and the price block (the marketplace's own
price over the standard one, the old price only above the price, a promotional price where the
marketplace has one). A product listed before but no longer for sale (upload flag off, product
inactive) is sent once more as unavailable with no stock.

Only what changed since the last successful push is sent: each listing keeps the hash of what it got
(``Listing.pushed_hash``, with ``pushed_at`` and ``pushed_stock``); ``full=True`` sends everything. Items
go in the connector's batch size (``Limits.stock_batch``); an item the marketplace refuses is written
to the sync log and its listing's ``last_error`` and the others go on; the listings a batch pushed are
saved before the next batch is sent. Listings in a state the connector must not update
(``Connector.no_push_listing_states``: a deleted listing, Kasta's products under moderation) are
skipped. Refused credentials, or a marketplace that keeps failing, end the run (the next run sends
what this one could not).

Change-driven pushes of one product go through the outbox: a transaction of erpsync's sessions that
changes stock, reservations or prices writes, before it commits, a ``stock`` message per shop listing
the product (``queue_changed_stock``, called by ``erpsync.models.changes``); ``queue_stock_push`` does the
same by hand for changes the ORM does not see; ``deliver_stock`` is the messages' handler.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.core.errors import AuthenticationError, ErpsyncError, MarketplaceError, NotFoundError, PayloadError
from erpsync.feeds.pricing import PriceBlock, price_block
from erpsync.feeds.reader import ProductRow, iter_product_chunks
from erpsync.feeds.selection import ShopRules
from erpsync.feeds.stock import PRESENCE_UNAVAILABLE, available_quantity, stock_state
from erpsync.marketplaces import base as mp
from erpsync.marketplaces.registry import connector_class
from erpsync.models import BASE_SCOPE, Listing, Product, Shop, Warehouse, utcnow
from erpsync.models.changes import ProductChanges, mark_queued, take_changes
from erpsync.models.db import Database
from erpsync.models.integration import RUN_PARTIAL, RUN_SKIPPED, RUN_SUCCESS
from erpsync.sync.connectors import connector_for
from erpsync.sync.log import RunCounts, SyncLog, sync_run
from erpsync.sync.shops import get_shop, shop_settings

KIND = "stock_prices"
OUTBOX_KIND = "stock"
CHUNK = 500  # products read at a time


@dataclass(frozen=True)
class PlannedPush:
    """One listing's item to send, and the hash it will be remembered by."""

    listing_id: int
    product_id: int
    item: mp.StockPriceItem
    digest: str
    warning: str | None = None


@dataclass
class PushReport:
    """What one push of a shop did."""

    shop: str
    run_id: int | None
    status: str
    counts: RunCounts = field(default_factory=RunCounts)
    pushed: list[str] = field(default_factory=list)  # SKUs the marketplace took
    errors: dict[str, str] = field(default_factory=dict)  # SKU → why it was refused
    message: str | None = None


# --- what to send -----------------------------------------------------------------------------------


def takes_stock_pushes(marketplace: str) -> bool:
    """Whether the marketplace's connector takes stock and prices through its API (the job's scope)."""
    try:
        return mp.CAP_STOCK_PRICES in connector_class(marketplace).capabilities
    except ErpsyncError:
        return False


def shop_rules(session: Session, shop: Shop) -> ShopRules:
    """The feeds' rules from the shop's settings; warehouse codes become ids (unknown ones are refused)."""
    settings = shop_settings(shop)
    codes = list(settings.get("warehouses") or [])
    warehouse_ids = None
    if codes:
        known = dict(session.execute(select(Warehouse.code, Warehouse.id)).all())
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise NotFoundError(f"shop {shop.name}: unknown warehouse code(s) {', '.join(unknown)} "
                                f"(warehouses: {', '.join(sorted(known)) or 'none'})")
        warehouse_ids = {known[code] for code in codes}
    return ShopRules.from_settings(shop.marketplace, settings, warehouse_ids)


def item_digest(item: mp.StockPriceItem) -> str:
    """The hash of what a listing is sent (everything but the SKU), to tell a change from a repeat."""
    fields = {"quantity": item.quantity, "price": _amount(item.price), "old_price": _amount(item.old_price),
              "promo_price": _amount(item.promo_price), "presence": item.presence, "external_id": item.external_id,
              "available": item.available}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.normalize())


def stock_price_item(row: ProductRow, listing: Listing, rules: ShopRules, currency: str) -> tuple[
        mp.StockPriceItem, str | None]:
    """A product row → the item to send (the feeds' rules), and a warning when it has no price."""
    quantity = available_quantity(row.stock, row.reserved, rules.warehouse_ids, track_stock=row.track_stock,
                                  default_quantity=rules.default_quantity)
    state = stock_state(quantity, tracked=row.track_stock, zero_stock=rules.zero_stock)
    hidden = state is None or (rules.only_in_stock and not state.in_stock) or (
        rules.only_with_photos and not row.photos)
    block: PriceBlock | None = price_block(row.prices, marketplace=rules.marketplace, price_type=rules.price_type,
                                           min_wholesale_qty=row.min_wholesale_qty)
    presence = PRESENCE_UNAVAILABLE if hidden or state is None else state.presence
    item = mp.StockPriceItem(
        sku=row.sku,
        quantity=0 if hidden or state is None else state.quantity,
        price=block.price if block else None,
        old_price=block.old_price if block else None,
        promo_price=block.promo_price if block else None,
        currency=currency,
        external_id=listing.external_id or listing.external_sku or row.sku,
        available=not hidden and state is not None and state.in_stock,
        presence=presence,
    )
    warning = None if block else f"product {row.sku} has no {rules.price_type} price: only its stock is sent"
    return item, warning


def withdrawn_item(listing: Listing, product: Product, currency: str) -> mp.StockPriceItem:
    """A listing no longer for sale (upload off, product inactive): no stock, unavailable, price untouched."""
    return mp.StockPriceItem(sku=product.sku, quantity=0, currency=currency, available=False,
                             presence=PRESENCE_UNAVAILABLE,
                             external_id=listing.external_id or listing.external_sku or product.sku)


@dataclass
class _Plan:
    pushes: list[PlannedPush] = field(default_factory=list)
    unchanged: int = 0
    frozen: int = 0
    considered: int = 0


def plan_pushes(
    database: Database,
    shop: Shop,
    connector: mp.Connector,
    *,
    full: bool = False,
    product_ids: Collection[int] | None = None,
) -> _Plan:
    """Every listing of the shop whose item changed (every one with ``full``), for ``product_ids`` or all."""
    plan = _Plan()
    frozen_states = connector.no_push_listing_states
    with database.session() as session:
        rules = shop_rules(session, shop)
        currency = str(shop_settings(shop).get("currency") or "") or None
        listings = {row.product_id: row for row in session.scalars(
            select(Listing).where(Listing.shop_id == shop.id))}
        for listing in listings.values():
            session.expunge(listing)
    seen: set[int] = set()
    with database.engine.connect() as connection:
        for chunk in iter_product_chunks(connection, shop_id=shop.id, marketplace=shop.marketplace,
                                         warehouse_ids=rules.warehouse_ids, product_ids=product_ids, chunk=CHUNK):
            for row in chunk:
                seen.add(row.id)
                plan.considered += 1
                listing = listings[row.id]
                if listing.state in frozen_states:
                    plan.frozen += 1
                    continue
                item, warning = stock_price_item(row, listing, rules, currency or "")
                _add(plan, listing, row.id, item, warning, full)
    _plan_withdrawn(database, shop, listings, seen, plan, product_ids, frozen_states, currency or "", full)
    return plan


def _add(plan: _Plan, listing: Listing, product_id: int, item: mp.StockPriceItem, warning: str | None,
         full: bool) -> None:
    digest = item_digest(item)
    if not full and listing.pushed_hash == digest:
        plan.unchanged += 1
        return
    plan.pushes.append(PlannedPush(listing.id, product_id, item, digest, warning))


def _plan_withdrawn(database: Database, shop: Shop, listings: Mapping[int, Listing], seen: set[int], plan: _Plan,
                    product_ids: Collection[int] | None, frozen_states: Collection[str], currency: str,
                    full: bool) -> None:
    """Listings the reader left out (no longer for sale) that still have stock on the marketplace."""
    candidates = [pid for pid, listing in listings.items()
                  if pid not in seen and (listing.pushed_stock or 0) > 0 and listing.state not in frozen_states
                  and (product_ids is None or pid in product_ids)]
    if not candidates:
        return
    with database.session() as session:
        products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(candidates)))}
        for product_id in candidates:
            plan.considered += 1
            item = withdrawn_item(listings[product_id], products[product_id], currency)
            _add(plan, listings[product_id], product_id, item, None, full)


# --- sending ----------------------------------------------------------------------------------------


def batches(pushes: Sequence[PlannedPush], size: int) -> Iterator[list[PlannedPush]]:
    for start in range(0, len(pushes), max(1, size)):
        yield list(pushes[start:start + size])


def send_batch(connector: mp.Connector, batch: Sequence[PlannedPush]) -> tuple[list[PlannedPush], dict[str, str]]:
    """One request's worth: what the marketplace took, and a message per SKU it refused. Credentials
    refused and failures worth another try later raise; any other failure refuses the whole batch."""
    try:
        result = connector.push_stock_prices([p.item for p in batch])
    except AuthenticationError:
        raise
    except MarketplaceError as error:
        if error.retryable:
            raise
        return [], {p.item.sku: str(error) for p in batch}
    except PayloadError as error:
        return [], {p.item.sku: f"the marketplace's answer could not be read: {error}" for p in batch}
    taken = set(result.accepted)
    errors = dict(result.errors)
    pushed = [p for p in batch if p.item.sku in taken and p.item.sku not in errors]
    for planned in batch:
        if planned.item.sku not in taken and planned.item.sku not in errors:
            errors[planned.item.sku] = "the marketplace neither took nor refused it"
    return pushed, errors


def record_batch(session: Session, pushed: Iterable[PlannedPush], refused: Mapping[str, str],
                 batch: Sequence[PlannedPush], now: datetime) -> None:
    """Remember what each listing got (pushed ones) or why it did not (refused ones)."""
    ids = {planned.listing_id for planned in batch}
    listings = {row.id: row for row in session.scalars(select(Listing).where(Listing.id.in_(ids)))}
    for planned in pushed:
        listing = listings.get(planned.listing_id)
        if listing is not None:
            listing.pushed_hash = planned.digest
            listing.pushed_at = now
            listing.pushed_stock = planned.item.quantity
            listing.last_error = None
    for planned in batch:
        if planned.item.sku in refused:
            listing = listings.get(planned.listing_id)
            if listing is not None:
                listing.last_error = refused[planned.item.sku][:2000]


# --- the run ----------------------------------------------------------------------------------------


def push_stock_prices(
    database: Database,
    shop_name: str,
    *,
    secret_key: str,
    full: bool = False,
    product_ids: Collection[int] | None = None,
    connector: mp.Connector | None = None,
    job_id: str | None = None,
) -> PushReport:
    """Push the shop's changed stock and prices (everything with ``full``) as one run of the sync log."""
    with database.session() as session:
        shop_id = get_shop(session, shop_name).id
    with sync_run(database, KIND, shop_id, job_id=job_id) as log:
        return push_stock_prices_logged(database, shop_id, log, secret_key=secret_key, full=full,
                                        product_ids=product_ids, connector=connector)


def push_stock_prices_logged(
    database: Database,
    shop_id: int,
    log: SyncLog,
    *,
    secret_key: str,
    full: bool = False,
    product_ids: Collection[int] | None = None,
    connector: mp.Connector | None = None,
) -> PushReport:
    """The push of ``push_stock_prices`` counted into a run the caller opened and closes."""
    with database.session() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise NotFoundError(f"shop #{shop_id} no longer exists")
        session.expunge(shop)
    skip = _skip_reason(shop)
    if skip:
        log.finish(RUN_SKIPPED, skip)
        return PushReport(shop=shop.name, run_id=log.run_id, status=RUN_SKIPPED, counts=log.counts, message=skip)
    own = connector is None
    connector = connector or connector_for(shop, secret_key)
    try:
        report = _push(database, shop, connector, log, full=full, product_ids=product_ids)
    finally:
        if own:
            connector.close()
    return report


def _skip_reason(shop: Shop) -> str | None:
    if not shop.enabled:
        return "the shop is disabled"
    if not shop_settings(shop).get("sync_stock_prices", True):
        return "stock and price pushes are off (sync_stock_prices=false)"
    if not takes_stock_pushes(shop.marketplace):
        return f"{shop.marketplace} takes stock and prices from its feed, not through its API"
    return None


def _push(database: Database, shop: Shop, connector: mp.Connector, log: SyncLog, *, full: bool,
          product_ids: Collection[int] | None) -> PushReport:
    plan = plan_pushes(database, shop, connector, full=full, product_ids=product_ids)
    counts = log.counts
    counts.fetched = plan.considered
    counts.skipped = plan.unchanged + plan.frozen
    counts.extra.update({"unchanged": plan.unchanged, "not_updatable": plan.frozen})
    report = PushReport(shop=shop.name, run_id=log.run_id, status=RUN_SUCCESS, counts=counts)
    for batch in batches(plan.pushes, connector.limits.stock_batch):
        pushed, refused = send_batch(connector, batch)
        with database.session() as session:
            record_batch(session, pushed, refused, batch, utcnow())
        counts.updated += len(pushed)
        counts.failed += len(refused)
        report.pushed.extend(p.item.sku for p in pushed)
        report.errors.update(refused)
        for planned in batch:
            if planned.item.sku in refused:
                log.error(f"{shop.marketplace} refused stock/price of {planned.item.sku}: {refused[planned.item.sku]}",
                          entity_type="product", entity_id=planned.item.sku,
                          payload={"item": _item_payload(planned.item)})
            elif planned.warning:
                log.warning(planned.warning, entity_type="product", entity_id=planned.item.sku)
    report.status = RUN_PARTIAL if counts.failed else RUN_SUCCESS
    return report


def _item_payload(item: mp.StockPriceItem) -> dict[str, Any]:
    return {"sku": item.sku, "external_id": item.external_id, "quantity": item.quantity,
            "price": _amount(item.price), "old_price": _amount(item.old_price), "presence": item.presence}


def push_stock_prices_job(run: Any) -> dict[str, Any]:
    """The ``stock_prices`` job kind (and ``stock_prices_full`` with ``full``): one shop's push, counted
    into the job's run (``run`` is an ``erpsync.sync.context.RunContext``)."""
    report = push_stock_prices_logged(run.database, run.shop_id, run.log, secret_key=run.config.require_secret_key(),
                                      full=bool(run.params.get("full")))
    counts = report.counts
    return {"status": report.status, "considered": counts.fetched, "pushed": counts.updated,
            "unchanged": counts.extra.get("unchanged", 0), "failed": counts.failed}


# --- change-driven pushes (the outbox) --------------------------------------------------------------


@dataclass(frozen=True)
class QueuedPush:
    """A ``stock`` outbox message written for a product and a shop."""

    message_id: int
    shop_id: int
    shop: str
    product_id: int
    sku: str


def queue_stock_push(session: Session, product_id: int) -> list[int]:
    """In the caller's transaction (the one that changed the product's stock or price): a ``stock``
    outbox message for every enabled shop that lists the product and takes pushes. Pending messages of
    the same product coalesce. Returns the message ids.

    Changes made through erpsync's sessions queue their pushes by themselves when they commit
    (``erpsync.models.changes``); this is for changes the ORM does not see (SQL statements)."""
    return queue_stock_pushes(session, [product_id])


def queue_stock_pushes(session: Session, product_ids: Collection[int]) -> list[int]:
    """``queue_stock_push`` for several products, with one query."""
    return [push.message_id for push in _queue(session, product_ids, None)]


def queue_changed_stock(session: Session, changes: ProductChanges) -> list[QueuedPush]:
    """The commit hook of ``erpsync.models.changes``: the products whose stock or prices this transaction
    changed get a ``stock`` message for each shop the change concerns — a shop listing the product and
    taking pushes, whose warehouses include a warehouse whose stock changed, or whose marketplace a
    changed price applies to (``base`` or its own scope)."""
    return _queue(session, changes.product_ids(), changes)


def _concerns(changes: ProductChanges | None, product_id: int, marketplace: str,
              warehouse_ids: Collection[int] | None) -> bool:
    if changes is None or product_id in changes.whole:
        return True
    moved = changes.warehouses.get(product_id)
    if moved and (warehouse_ids is None or not moved.isdisjoint(warehouse_ids)):
        return True
    scopes = changes.scopes.get(product_id) or ()
    return any(scope in (BASE_SCOPE, marketplace) or scope.startswith(f"{marketplace}:")
               for scope in scopes)


def _pushing_shops(session: Session) -> dict[int, tuple[str, str, set[int] | None]]:
    """Enabled shops that take stock pushes: id → (name, marketplace, warehouse ids or None for all)."""
    shops = {}
    warehouse_codes: dict[str, int] | None = None
    for shop_id, name, marketplace, settings in session.execute(
            select(Shop.id, Shop.name, Shop.marketplace, Shop.settings).where(Shop.enabled.is_(True))):
        settings = settings or {}
        if not takes_stock_pushes(marketplace) or not settings.get("sync_stock_prices", True):
            continue
        codes = list(settings.get("warehouses") or [])
        if codes and warehouse_codes is None:
            warehouse_codes = dict(session.execute(select(Warehouse.code, Warehouse.id)).all())
        ids = {warehouse_codes[c] for c in codes if c in warehouse_codes} if codes and warehouse_codes else None
        shops[shop_id] = (name, marketplace, ids)
    return shops


def _queue(session: Session, product_ids: Collection[int], changes: ProductChanges | None) -> list[QueuedPush]:
    from erpsync.sync.outbox import write_outbox_many  # the outbox module builds on the jobs machinery

    if not product_ids:
        return []
    queued: list[QueuedPush] = []
    with session.no_autoflush:
        shops = _pushing_shops(session)
        if changes is None:  # every shop concerned is queued now: the commit need not look again
            mark_queued(session, product_ids)
        if not shops:
            return []
        ordered = sorted(product_ids)
        rows = []
        for start in range(0, len(ordered), CHUNK):
            rows += session.execute(
                select(Listing.shop_id, Product.id, Product.sku)
                .join(Product, Product.id == Listing.product_id)
                .where(Listing.product_id.in_(ordered[start:start + CHUNK]), Listing.shop_id.in_(list(shops)))
            ).all()
    by_shop: dict[int, list[tuple[int, str]]] = {}
    for shop_id, product_id, sku in sorted(rows):
        if _concerns(changes, product_id, shops[shop_id][1], shops[shop_id][2]):
            by_shop.setdefault(shop_id, []).append((product_id, sku))
    for shop_id, products in by_shop.items():
        written = write_outbox_many(session, shop_id=shop_id, kind=OUTBOX_KIND, messages=[
            (f"stock:{product_id}", {"product_id": product_id, "sku": sku}) for product_id, sku in products])
        for message in written:
            queued.append(QueuedPush(message.id, shop_id, shops[shop_id][0], message.payload["product_id"],
                                     message.payload["sku"]))
    return queued


def queue_pending_stock_changes(session: Session) -> list[QueuedPush]:
    """Queue now (rather than at commit) the pushes of the stock and price changes this transaction made
    so far, and say which: for commands that tell which shops get a push."""
    changes = take_changes(session)
    return queue_changed_stock(session, changes) if changes else []


def deliver_stock(delivery: Any) -> None:
    """The outbox handler of ``stock`` messages: the messages' products of one shop, pushed when they
    changed. A product the marketplace refuses fails its message for good (it is in the sync log); a
    transient failure fails the batch, which the outbox tries again."""
    run = delivery.run
    by_product: dict[int, list[Any]] = {}
    for message in delivery.messages:
        by_product.setdefault(int(message.payload["product_id"]), []).append(message)
    report = push_stock_prices_logged(run.database, delivery.shop_id, run.log,
                                      secret_key=run.config.require_secret_key(), product_ids=set(by_product))
    if report.status == RUN_SKIPPED:
        return
    with run.database.session() as session:
        skus = dict(session.execute(select(Product.id, Product.sku).where(Product.id.in_(list(by_product)))).all())
    for product_id, messages in by_product.items():
        error = report.errors.get(skus.get(product_id, ""))
        if error:
            for message in messages:
                delivery.fail(message, f"{skus.get(product_id)}: {error}", permanent=True)
