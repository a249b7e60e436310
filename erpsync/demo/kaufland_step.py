"""The demo's "Kaufland" step: a Kaufland shop against the Kaufland sandbox — signed requests, orders by
order unit, a waybill, a stock/price push, a push notification received by the web app, a report, and what
a wrong server clock looks like."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import click
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from erpsync.admin import create_app
from erpsync.cli.output import print_table
from erpsync.core.config import Settings
from erpsync.core.errors import ErpsyncError
from erpsync.demo.feeds import KAUFLAND_CATEGORIES, ensure_shop_categories
from erpsync.marketplaces.base import Order, OrderRef, StockPriceItem, WaybillInfo
from erpsync.marketplaces.kaufland.codec import ImportFile
from erpsync.marketplaces.kaufland.connector import KauflandConnector
from erpsync.models import Order as OrderModel
from erpsync.models import SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sandbox.kaufland import KauflandSandbox
from erpsync.sync.connectors import connector_for
from erpsync.sync.kaufland_catalog import Polling, publish_catalog_files, upload_catalog_kaufland
from erpsync.sync.kaufland_documents import download_report
from erpsync.sync.kaufland_push import subscribe_shop
from erpsync.sync.listings import add_listings
from erpsync.sync.shops import add_shop, get_shop, update_shop

SHOP = "demo-kaufland-api"  # its own mapping file (mappings/shops/demo-*.yaml) stays out of git


def _shop(database: Database, secret_key: str, sandbox: KauflandSandbox) -> None:
    with database.session() as session:
        try:
            shop = get_shop(session, SHOP)
        except ErpsyncError:
            add_shop(session, name=SHOP, marketplace="kaufland", secret_key=secret_key, base_url=sandbox.base_url,
                     credentials=dict(sandbox.credentials), settings={"storefront": "de"})
            return
        update_shop(session, shop, secret_key=secret_key, base_url=sandbox.base_url,
                    credentials=dict(sandbox.credentials), enabled=True)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The demo prints what matters itself."""


def _serve(settings: Settings, database: Database) -> tuple[Settings, object, threading.Thread]:
    holder: dict[str, object] = {}
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True,
                         request_handler=_Quiet)  # type: ignore
    settings = dataclasses.replace(settings, public_url=f"http://127.0.0.1:{server.server_port}")
    holder["app"] = create_app(settings, database)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return settings, server, thread


def step_kaufland(database: Database, settings: Settings) -> None:
    secret_key = settings.require_secret_key()
    web_settings, server, thread = _serve(settings, database)
    try:
        with KauflandSandbox(orders=5, random_seed=7) as sandbox:
            _shop(database, secret_key, sandbox)
            click.echo(f"Kaufland sandbox at {sandbox.base_url}; shop {SHOP} (storefront de) points at it; "
                       f"the web app listens at {web_settings.public_url}")
            _walkthrough(database, web_settings, sandbox)
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        thread.join(timeout=5)


def _connector(database: Database, secret_key: str) -> KauflandConnector:
    with database.session() as session:
        connector = connector_for(get_shop(session, SHOP), secret_key)
    assert isinstance(connector, KauflandConnector)
    return connector


def _walkthrough(database: Database, settings: Settings, sandbox: KauflandSandbox) -> None:
    secret_key = settings.require_secret_key()
    now = datetime.now(UTC)
    with _connector(database, secret_key) as kaufland:
        kaufland.check_connection()
        orders = [o for o in kaufland.list_orders(now - timedelta(days=30), now + timedelta(minutes=1))
                  if isinstance(o, Order)]
        print_table("Kaufland orders (one line per order unit; the order takes its most pressing unit status)",
                    ["order", "status", "units", "unit statuses", "total"],
                    [(o.external_id, o.status, len(o.lines), ", ".join(sorted(o.extra["unit_statuses"].values())),
                      f"{o.total} {o.currency}") for o in orders[:6]])
        to_ship = next((o for o in orders if o.status == "need_to_be_sent"), None)
        if to_ship is not None:
            kaufland.push_waybill(OrderRef(to_ship.external_id), WaybillInfo("00340434161094042557", carrier="DHL"))
            after = kaufland.get_order(OrderRef(to_ship.external_id))
            click.echo(f"waybill 00340434161094042557 (DHL) pushed: order {after.external_id} is now {after.status}")
        units = list(kaufland.list_units())[:3]
        items = [StockPriceItem(u.id_offer or "", quantity=4, price=Decimal("19.99")) for u in units if u.id_offer]
        result = kaufland.push_stock_prices([*items, StockPriceItem("NOT-LISTED", quantity=1, price=Decimal(5))])
        click.echo(f"stock and prices through /units/bulk: {len(result.accepted)} units updated; refused: "
                   + "; ".join(f"{sku}: {why}" for sku, why in result.errors.items()))
    subscribe_shop(database, secret_key, SHOP, settings.public_url, "ops@example.com", ["order_new"])
    order_id = sandbox.add_order(units=[{"id_offer": "SKU-00001", "title": "Kratzbaum Palamos", "price": 4550}])
    sandbox.wait_for_deliveries(1, timeout=3)
    _show_push(database, order_id)
    saved = download_report(database, secret_key, SHOP, "sales", settings.feed_dir / "demo-kaufland-sales.csv",
                            date_from=date.today() - timedelta(days=30), date_to=date.today(), poll_seconds=0.01)
    click.echo(f"sales report {saved.report.id_report} saved to {saved.path} ({saved.size} bytes) for reconciliation")
    _catalog(database, settings, sandbox)
    _show_clock(database, secret_key)


def _show_push(database: Database, order_id: str) -> None:
    """Wait (a few seconds at most) for the push to be logged and the order the import brought in."""
    deadline = time.monotonic() + 5
    event, status = None, None
    while time.monotonic() < deadline and (event is None or status is None):
        with database.session() as session:
            event = session.scalar(select(SyncEvent.message).join(SyncRun, SyncEvent.run_id == SyncRun.id)
                                   .where(SyncRun.kind == "kaufland_push", SyncEvent.entity_id == order_id))
            status = session.scalar(select(OrderModel.status).where(OrderModel.external_id == order_id))
        time.sleep(0.05)
    if event is None:
        click.echo(f"no push notification arrived for order {order_id} (see erpsync log --kind kaufland_push)")
        return
    click.echo(f"push notification for the new order {order_id} received, signature verified, logged: {event}")
    if status is not None:
        click.echo(f"… and the order import it started brought order {order_id} in: status {status}")


def _catalog(database: Database, settings: Settings, sandbox: KauflandSandbox) -> None:
    """The catalog through import files: rendered from the templates, served at the feed URLs, fetched and
    processed by the sandbox; the inventory only after the product data."""
    ensure_shop_categories(database, settings.mappings_dir, SHOP, "kaufland", KAUFLAND_CATEGORIES)
    with database.session() as session:
        add_listings(session, get_shop(session, SHOP), everything=True)
    files = publish_catalog_files(database, settings, SHOP)
    states: dict[str, list[str]] = {}

    def progress(what: str, current: ImportFile) -> None:
        label = current.status + (" (product_feed_async_done=1)" if current.product_data_ready else "")
        states.setdefault(f"{what} {current.id_import_file}", []).append(label)

    result = upload_catalog_kaufland(database, settings.require_secret_key(), SHOP, files,
                                     polling=Polling(every=0.0, timeout=60.0, sleep=lambda _: None),
                                     progress=progress)
    click.echo(f"catalog through import files: Kaufland fetched {files.product_url.rsplit('/', 1)[-1]} and "
               f"{files.inventory_url.rsplit('/', 1)[-1]} from the shop's feed URLs")
    for name, seen in states.items():
        click.echo(f"  {name}: {' → '.join(seen)}")
    click.echo(f"  {result.status}: {result.message}; {len(sandbox.kaufland.units)} units on the storefront")


def _show_clock(database: Database, secret_key: str) -> None:
    with database.session() as session:
        shop = get_shop(session, SHOP)
        late = connector_for(shop, secret_key, clock=lambda: time.time() - 600)
    with late:
        try:
            late.check_connection()
        except ErpsyncError as error:
            click.echo(f"with the server clock 10 minutes late, erpsync says: {error}")
