"""Use case: put a shop's catalog on Kaufland through import files — the product data CSV first, the
inventory CSV once Kaufland has finished with the product data (seed 002: "once the asynchronous import of
your product data file is done, i.e. product_feed_async_done == 1, you can then send your inventory").

Both files are published by erpsync at the shop's unguessable feed URLs (the feeds' web endpoint);
Kaufland downloads them from there. Each file is registered, then polled until Kaufland is done with it;
every change of its state is an event of the run (kind ``catalog``) in the sync log, and ``progress`` is told
too. A failed or unfinished product file stops the run before the inventory is sent: units of products
Kaufland does not know yet would only be refused. Rows Kaufland refused are counted as failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from erpsync.core.config import Settings
from erpsync.core.errors import ValidationError
from erpsync.feeds.specs import feed_spec
from erpsync.marketplaces.kaufland.codec import ImportFile
from erpsync.marketplaces.kaufland.connector import KauflandConnector
from erpsync.models.db import Database
from erpsync.models.integration import RUN_FAILED
from erpsync.sync.connectors import connector_for
from erpsync.sync.context import RunContext
from erpsync.sync.feeds import render_feed
from erpsync.sync.log import SyncLog, sync_run
from erpsync.sync.shops import get_shop

RUN_KIND = "catalog"
POLL_SECONDS = 30.0
TIMEOUT_SECONDS = 3 * 3600.0  # Kaufland processes files "usually within a few minutes"

Progress = Callable[[str, ImportFile], None]


@dataclass(frozen=True)
class CatalogFiles:
    """Where Kaufland downloads the shop's two import files from."""

    product_url: str
    inventory_url: str


@dataclass
class CatalogUpload:
    """What a catalog upload did: the two files as Kaufland last reported them."""

    shop: str
    status: str
    run_id: int
    product_file: ImportFile | None = None
    inventory_file: ImportFile | None = None
    message: str = ""


@dataclass(frozen=True)
class Polling:
    every: float = POLL_SECONDS
    timeout: float = TIMEOUT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def publish_catalog_files(database: Database, settings: Settings, shop_name: str) -> CatalogFiles:
    """Render the shop's two Kaufland files from the feed templates into the feed folder, where the web app
    serves them at the shop's unguessable feed URLs (``ERPSYNC_PUBLIC_URL/feeds/<token>/…``)."""
    report = render_feed(database, settings, shop_name)
    by_name = {url.rsplit("/", 1)[-1]: url for url in report.urls}
    products, inventory = (f.filename for f in feed_spec("kaufland").files)
    return CatalogFiles(by_name[products], by_name[inventory])


def upload_catalog_kaufland(
    database: Database,
    secret_key: str,
    shop_name: str,
    files: CatalogFiles,
    *,
    polling: Polling | None = None,
    progress: Progress | None = None,
    **connector_options: Any,
) -> CatalogUpload:
    """Register the product data file, wait for it (and its asynchronous processing), then the inventory file."""
    polling = polling or Polling()
    with database.session() as session:
        shop = get_shop(session, shop_name)
        if shop.marketplace != "kaufland":
            raise ValidationError(f"shop {shop_name!r} is a {shop.marketplace} shop: import files are Kaufland's")
        connector = connector_for(shop, secret_key, **connector_options)
    assert isinstance(connector, KauflandConnector)
    with connector, sync_run(database, RUN_KIND, shop.id) as log:
        result = CatalogUpload(shop_name, "running", log.run_id)
        product = _import(log, "product data file", files.product_url, connector.add_product_data_file,
                          connector.product_data_file, lambda f: f.product_data_ready, polling, progress)
        result.product_file = product
        if not product.product_data_ready:
            return _stopped(log, result, _why_not_ready("product data file", product, polling))
        inventory = _import(log, "inventory file", files.inventory_url, connector.add_inventory_file,
                            connector.inventory_file, lambda f: f.finished, polling, progress)
        result.inventory_file = inventory
        if inventory.failed or not inventory.finished:
            return _stopped(log, result, _why_not_ready("inventory file", inventory, polling))
        log.counts.fetched = product.total_lines + inventory.total_lines
        log.counts.updated = inventory.total_lines - inventory.error_count
        log.counts.failed = product.error_count + inventory.error_count
        result.message = (f"product data: {product.total_lines} lines, {product.error_count} refused; inventory: "
                          f"{inventory.total_lines} lines, {inventory.error_count} refused")
        result.status = log.finish(message=result.message)
        return result


def _import(
    log: SyncLog,
    what: str,
    url: str,
    register: Callable[[str], ImportFile],
    read: Callable[[str], ImportFile],
    ready: Callable[[ImportFile], bool],
    polling: Polling,
    progress: Progress | None,
) -> ImportFile:
    """Register ``url`` and poll the file until ``ready``, failed, or out of time; log every new state."""
    current = register(url)
    log.info(f"{what} {current.id_import_file} registered: {url}", entity_type="import_file",
             entity_id=current.id_import_file, payload=dict(current.raw))
    _tell(progress, what, current)
    seen = (current.status, current.async_done)
    deadline = polling.clock() + polling.timeout
    while not ready(current) and not current.failed and polling.clock() < deadline:
        polling.sleep(polling.every)
        current = read(current.id_import_file)
        if (current.status, current.async_done) != seen:
            seen = (current.status, current.async_done)
            log.info(_state_line(what, current), entity_type="import_file", entity_id=current.id_import_file,
                     payload=dict(current.raw))
            _tell(progress, what, current)
    if current.failed:
        log.error(f"{what} {current.id_import_file} {current.status}: {current.note or 'no reason given'}",
                  entity_type="import_file", entity_id=current.id_import_file, payload=dict(current.raw))
    elif current.error_count:
        log.warning(f"{what} {current.id_import_file}: Kaufland refused {current.error_count} of "
                    f"{current.total_lines} lines ({current.note or 'see the import errors report'})",
                    entity_type="import_file", entity_id=current.id_import_file)
    return current


def _state_line(what: str, current: ImportFile) -> str:
    line = f"{what} {current.id_import_file}: {current.status}"
    if current.total_lines:
        line += f", line {current.current_line} of {current.total_lines}"
    if current.async_done:
        line += ", asynchronous processing done"
    return line


def _tell(progress: Progress | None, what: str, current: ImportFile) -> None:
    if progress is not None:
        progress(what, current)


def _why_not_ready(what: str, current: ImportFile, polling: Polling) -> str:
    if current.failed:
        return f"{what} {current.id_import_file} {current.status}: {current.note or 'no reason given'}"
    return (f"{what} {current.id_import_file} is still {current.status} after {int(polling.timeout)} s; "
            f"run the upload again later")


def _stopped(log: SyncLog, result: CatalogUpload, reason: str) -> CatalogUpload:
    if result.inventory_file is None:
        reason += "; the inventory file was not sent"
    result.message = reason
    result.status = log.finish(RUN_FAILED, reason)
    return result


def upload_catalog_job(run: RunContext) -> dict[str, Any]:
    """The ``kaufland_catalog`` job kind: publish the shop's files, then upload them (progress shown by
    ``erpsync jobs``; each state is also in the sync log run of kind ``catalog``)."""
    with run.database.session() as session:
        shop_name = run.shop(session).name
    files = publish_catalog_files(run.database, run.config, shop_name)
    steps = {"product data file": 0, "inventory file": 1}

    def progress(what: str, current: ImportFile) -> None:
        run.progress(steps[what], 2, f"{what} {current.id_import_file}: {current.status}")

    result = upload_catalog_kaufland(run.database, run.config.require_secret_key(), shop_name, files,
                                     progress=progress)
    if result.status == RUN_FAILED:
        raise ValidationError(f"the catalog upload of shop {shop_name} stopped: {result.message}")
    return {"status": result.status, "catalog_run": result.run_id, "message": result.message}


__all__ = ["CatalogFiles", "CatalogUpload", "Polling", "publish_catalog_files", "upload_catalog_job",
           "upload_catalog_kaufland"]
