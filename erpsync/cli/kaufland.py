"""``erpsync kaufland …``: what only Kaufland has — import files (catalog upload), push-notification
subscriptions, reports, invoices, and a look at order units, returns and tickets."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from erpsync.cli.context import AppContext, pass_app
from erpsync.cli.output import print_table
from erpsync.core.errors import ValidationError
from erpsync.marketplaces.kaufland.codec import ImportFile
from erpsync.marketplaces.kaufland.connector import KauflandConnector
from erpsync.marketplaces.kaufland.endpoints import REPORT_KINDS
from erpsync.marketplaces.kaufland.enums import PUSH_EVENTS
from erpsync.sync.connectors import connector_for
from erpsync.sync.kaufland_catalog import CatalogFiles, Polling, publish_catalog_files, upload_catalog_kaufland
from erpsync.sync.kaufland_documents import download_report, upload_invoice
from erpsync.sync.kaufland_push import DEFAULT_EVENTS, subscribe_shop
from erpsync.sync.log_query import parse_since
from erpsync.sync.shops import get_shop


@click.group("kaufland")
def kaufland_group() -> None:
    """Kaufland: import files, push notifications, reports, invoices, order units, returns, tickets."""


def _connector(app: AppContext, shop_name: str) -> KauflandConnector:
    with app.database().session() as session:
        shop = get_shop(session, shop_name)
        if shop.marketplace != "kaufland":
            raise ValidationError(f"shop {shop_name!r} is a {shop.marketplace} shop, not a Kaufland one")
        connector = connector_for(shop, app.settings.require_secret_key())
    assert isinstance(connector, KauflandConnector)
    return connector


@kaufland_group.command("upload-catalog")
@click.argument("shop")
@click.option("--product-url", help="Where Kaufland downloads the product data CSV from "
              "(default: render the shop's files and publish them at its feed URLs).")
@click.option("--inventory-url", help="Where Kaufland downloads the inventory CSV from (with --product-url).")
@click.option("--poll-seconds", type=float, default=30.0, show_default=True, help="Seconds between status polls.")
@click.option("--timeout", type=float, default=3 * 3600.0, show_default=True, help="Give up after this many seconds.")
@pass_app
def upload_catalog(app: AppContext, shop: str, product_url: str | None, inventory_url: str | None,
                   poll_seconds: float, timeout: float) -> None:
    """Send the product data file, wait until Kaufland has processed it, then send the inventory file."""
    if bool(product_url) != bool(inventory_url):
        raise ValidationError("give both --product-url and --inventory-url, or neither (then erpsync publishes them)")
    if product_url and inventory_url:
        files = CatalogFiles(product_url, inventory_url)
    else:
        files = publish_catalog_files(app.database(), app.settings, shop)
        click.echo(f"published {files.product_url} and {files.inventory_url} (ERPSYNC_PUBLIC_URL must reach "
                   f"the web app from Kaufland)")

    def show(what: str, current: ImportFile) -> None:
        lines = f" (line {current.current_line} of {current.total_lines})" if current.total_lines else ""
        click.echo(f"{what} {current.id_import_file}: {current.status}{lines}")

    result = upload_catalog_kaufland(
        app.database(), app.settings.require_secret_key(), shop, files,
        polling=Polling(every=poll_seconds, timeout=timeout), progress=show,
    )
    click.echo(f"catalog upload of shop {shop}: {result.status} — {result.message} (run #{result.run_id})")
    if result.status == "failed":
        raise ValidationError(f"the catalog upload of shop {shop} did not finish: {result.message}",
                              hint=f"erpsync log --shop {shop} --kind catalog")


@kaufland_group.command("subscribe")
@click.argument("shop")
@click.option("--email", required=True, help="Kaufland writes here when it cannot reach the push URL.")
@click.option("--event", "events", multiple=True, type=click.Choice(PUSH_EVENTS),
              help=f"Events to subscribe to (default: {', '.join(DEFAULT_EVENTS)}).")
@pass_app
def subscribe(app: AppContext, shop: str, email: str, events: tuple[str, ...]) -> None:
    """Have Kaufland post the shop's events to this web app (ERPSYNC_PUBLIC_URL must reach it)."""
    subscriptions = subscribe_shop(app.database(), app.settings.require_secret_key(), shop, app.settings.public_url,
                                   email, events or DEFAULT_EVENTS)
    print_table(f"Push subscriptions of {shop}", ["id", "event", "callback URL", "active"],
                [(s.id_subscription, s.event_name, s.callback_url, "yes" if s.is_active else "no")
                 for s in subscriptions])


@kaufland_group.command("report")
@click.argument("shop")
@click.argument("kind", type=click.Choice(sorted(REPORT_KINDS)))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to save it to.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First day (sales, bookings).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last day (sales, bookings).")
@click.option("--poll-seconds", type=float, default=20.0, show_default=True)
@pass_app
def report(app: AppContext, shop: str, kind: str, out: Path, date_from: datetime | None, date_to: datetime | None,
           poll_seconds: float) -> None:
    """Request a report, wait until Kaufland has made it, and save it (for reconciliation)."""
    saved = download_report(
        app.database(), app.settings.require_secret_key(), shop, kind, out,
        date_from=_day(date_from), date_to=_day(date_to), poll_seconds=poll_seconds,
    )
    click.echo(f"{kind} report {saved.report.id_report} saved to {saved.path} ({saved.size} bytes)")


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@kaufland_group.command("invoice")
@click.argument("invoice")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def invoice(app: AppContext, invoice: str, pdf: Path) -> None:
    """Attach the PDF of INVOICE (our invoice's id or number) to its order on Kaufland."""
    record = upload_invoice(app.database(), app.settings.require_secret_key(), invoice, pdf.read_bytes(),
                            file_name=pdf.name)
    click.echo(f"invoice {invoice} uploaded to Kaufland order {record.get('id_order')} "
               f"(Kaufland invoice {record.get('id_invoice')})")


@kaufland_group.command("order-units")
@click.argument("shop")
@click.option("--status", "statuses", multiple=True, help="Only units in this status (repeatable).")
@click.option("--since", help="Changed since: 30m, 2h, 7d or an ISO date.")
@pass_app
def order_units(app: AppContext, shop: str, statuses: tuple[str, ...], since: str | None) -> None:
    """Order units with their statuses, as Kaufland has them."""
    with _connector(app, shop) as kaufland:
        rows = [(u.id_order, u.id_order_unit, u.id_offer or "", u.status, u.updated_at.isoformat() if u.updated_at
                 else "") for u in kaufland.list_order_units(statuses=statuses,
                                                             since=parse_since(since) if since else None)]
    print_table(f"Order units of {shop}", ["order", "unit", "SKU", "status", "changed"], rows)


@kaufland_group.command("units")
@click.argument("shop")
@click.option("--sku", help="Only the unit whose id_offer is this SKU.")
@pass_app
def units(app: AppContext, shop: str, sku: str | None) -> None:
    """The shop's units (offers) on its storefront: price, amount, handling time, condition, status."""
    with _connector(app, shop) as kaufland:
        rows = [(u.id_unit, u.id_offer or "", u.ean or "", u.price, u.amount, u.handling_time, u.condition or "",
                 u.status or "") for u in kaufland.list_units(id_offer=sku)]
    print_table(f"Units of {shop}", ["unit", "SKU", "EAN", "price", "amount", "handling", "condition", "status"],
                rows)


@kaufland_group.command("returns")
@click.argument("shop")
@click.option("--since", help="Changed since: 30m, 2h, 7d or an ISO date.")
@pass_app
def returns(app: AppContext, shop: str, since: str | None) -> None:
    """Return units: which order unit comes back, why, and where it is."""
    with _connector(app, shop) as kaufland:
        rows = [(u.id_return, u.id_return_unit, u.id_order_unit, u.status, u.reason or "", u.note or "")
                for u in kaufland.list_return_units(since=parse_since(since) if since else None)]
    print_table(f"Return units of {shop}", ["return", "unit", "order unit", "status", "reason", "note"], rows)


@kaufland_group.command("tickets")
@click.argument("shop")
@click.option("--since", help="Changed since: 30m, 2h, 7d or an ISO date.")
@pass_app
def tickets(app: AppContext, shop: str, since: str | None) -> None:
    """Buyers' tickets; "act" marks those where Kaufland expects the seller to act."""
    with _connector(app, shop) as kaufland:
        rows = [(t.id_ticket, t.status, t.open_reason or "", t.topic or "", ", ".join(t.order_units),
                 "act" if t.seller_must_act else "")
                for t in kaufland.list_tickets(since=parse_since(since) if since else None)]
    print_table(f"Tickets of {shop}", ["ticket", "status", "reason", "topic", "order units", ""], rows)


COMMANDS = [kaufland_group]
