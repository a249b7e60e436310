"""Everything erpsync runs by itself: the job kinds and the outbox handlers, one line each.

A use case ``def use_case(run: RunContext)`` in ``erpsync/sync/`` becomes a background job with one
``register_job`` line here (see ``erpsync.jobs.registry.register_job`` for the options); a kind of
outbox message gets delivered with one ``register_outbox_handler`` line (see
``erpsync.sync.outbox``). Workers import this module through ``erpsync.jobs.runner``.

Modules named in ``ERPSYNC_JOB_MODULES`` (comma-separated, importable) are imported after these
registrations, so a plugin — or a test — can add kinds and handlers without editing this file.
"""

from __future__ import annotations

import importlib
import os

from erpsync.core.errors import ConfigError
from erpsync.jobs.registry import (
    LOCK_SHOP,
    NO_RETRY,
    QUEUE_CATALOG,
    QUEUE_ORDERS,
    QUEUE_PUSH,
    DailyAt,
    Every,
    RetryPolicy,
    register_job,
)
from erpsync.sync.outbox import register_outbox_handler

# Delivery of due outbox messages of one kind for one shop. The dispatcher enqueues it; the outbox
# retries messages itself (backoff per message), so the job is not retried. One delivery per shop
# and kind at a time; a second one finding it running just ends (the running one drains what is due).
register_job(
    "deliver_outbox",
    "erpsync.sync.outbox:deliver_due",
    queue=QUEUE_PUSH,
    lock=LOCK_SHOP,
    lock_params=("kind",),
    log_skips=False,
    retry=NO_RETRY,
    timeout=900,
    run_kind="outbox:{kind}",
    description="deliver due outbox messages of one kind for a shop",
)

# Orders in: one import per shop at a time, every poll_interval_minutes while sync_orders is on, for
# marketplaces whose connector lists orders. It logs as kind "orders" (`erpsync log --kind orders`).
register_job(
    "import_orders",
    "erpsync.sync.order_import:import_orders_job",
    queue=QUEUE_ORDERS,
    lock=LOCK_SHOP,
    schedule=Every("poll_interval_minutes", switch="sync_orders"),
    applies_to="erpsync.sync.order_import:lists_orders",
    run_kind="orders",
    description="import new and changed orders of a shop",
)

# Catalog out: each feed-based shop's feed is rendered every feed_interval_minutes (the marketplace
# pulls the file from its URL); a render reads the whole listed catalog, so it gets an hour.
register_job(
    "render_feed",
    "erpsync.sync.feeds:render_feed_job",
    queue=QUEUE_CATALOG,
    lock=LOCK_SHOP,
    schedule=Every("feed_interval_minutes"),
    applies_to="erpsync.sync.feeds:renders_feed",
    retry=RetryPolicy(2, (60, 300)),
    timeout=3600,
    run_kind="feed",
    description="render a shop's catalog feed",
)

# Kaufland's catalog: its files rendered and published, then registered with Kaufland and followed
# until processed (product data first, inventory after). On demand (Kaufland takes 30 product data
# files a day): `erpsync jobs run kaufland_catalog --shop NAME` or `erpsync kaufland upload-catalog`.
register_job(
    "kaufland_catalog",
    "erpsync.sync.kaufland_catalog:upload_catalog_job",
    queue=QUEUE_CATALOG,
    lock=LOCK_SHOP,
    marketplaces=("kaufland",),
    retry=RetryPolicy(2, (300, 900)),
    timeout=4 * 3600,
    run_kind="kaufland_catalog",
    description="publish a Kaufland shop's import files and follow them until processed",
)

# Statuses and waybills out: the changes of one order are delivered in the order they were made.
register_outbox_handler("order_status", "erpsync.sync.order_status:deliver_statuses", batch_size=50)
register_outbox_handler("waybill", "erpsync.sync.waybills:deliver_waybills", batch_size=50)

# Stock and prices through a marketplace's API (Prom, Satu, Rozetka, …): what changed, every
# stock_price_interval_minutes; everything, daily at full_push_at (one lock for both per shop). A change
# of one product's stock or price goes sooner through the outbox (kind "stock": every ORM change of stock,
# reservations or prices queues it before its commit, see erpsync/models/changes.py).
register_job("stock_prices", "erpsync.sync.push_stock_prices:push_stock_prices_job", queue=QUEUE_PUSH,
             lock_group="stock_prices", schedule=Every("stock_price_interval_minutes", switch="sync_stock_prices"),
             applies_to="erpsync.sync.push_stock_prices:takes_stock_pushes", timeout=1800,
             description="push changed stock and prices of the shop's listed products")
register_job("stock_prices_full", "erpsync.sync.push_stock_prices:push_stock_prices_job", queue=QUEUE_PUSH,
             lock_group="stock_prices", params={"full": True},
             schedule=DailyAt("full_push_at", switch="sync_stock_prices"),
             applies_to="erpsync.sync.push_stock_prices:takes_stock_pushes", timeout=3600,
             description="push stock and prices of every listed product (the nightly full pass)")
register_outbox_handler("stock", "erpsync.sync.push_stock_prices:deliver_stock", batch_size=100)

# The shop's own catalog on its marketplace (Prom / Satu YML export) into listings, on demand.
register_job("catalog_import", "erpsync.sync.catalog_import:import_catalog_job", queue=QUEUE_CATALOG, timeout=3600,
             description="match the marketplace's catalog of the shop to our products (listings)")

# The catalog side of marketplaces with an API for it (Kasta, Kaspi): the category tree with the
# attributes of the mapped categories, product uploads (batches polled to their result), and the state
# of uploaded products (moderation → active), followed as often as stock and prices are pushed.
register_job("categories", "erpsync.sync.download_categories:download_categories", queue=QUEUE_CATALOG,
             timeout=3600, description="download the marketplace's categories and the mapped ones' attributes")
register_job("upload_catalog", "erpsync.sync.upload_catalog:upload_catalog", queue=QUEUE_CATALOG, timeout=7200,
             description="upload the shop's new products to the marketplace and record each one's result")
register_job("listing_states", "erpsync.sync.listing_states:refresh_listing_states", queue=QUEUE_CATALOG,
             schedule=Every("stock_price_interval_minutes", switch="sync_stock_prices"),
             applies_to="erpsync.sync.listing_states:reports_states",
             description="follow uploaded products' states on the marketplace (moderation → active)")


def _import_job_modules() -> None:
    for name in (part.strip() for part in os.environ.get("ERPSYNC_JOB_MODULES", "").split(",")):
        if not name:
            continue
        try:
            importlib.import_module(name)
        except ImportError as error:
            raise ConfigError(f"ERPSYNC_JOB_MODULES: cannot import {name}: {error}") from None


_import_job_modules()
