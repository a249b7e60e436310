"""Use cases: Kaufland reports (for reconciliation) and invoices (PDF, attached to a Kaufland order).

A report is queued, polled until Kaufland has made it, then downloaded to a file; an invoice of ours is
uploaded as a PDF to its order on Kaufland. Both are runs in the sync log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.marketplaces.kaufland.codec import Report
from erpsync.marketplaces.kaufland.connector import KauflandConnector
from erpsync.models import Invoice, Order, Shop
from erpsync.models.db import Database
from erpsync.sync.connectors import connector_for
from erpsync.sync.log import sync_run
from erpsync.sync.shops import get_shop

REPORT_POLL_SECONDS = 20.0
REPORT_TIMEOUT_SECONDS = 1800.0


@dataclass(frozen=True)
class SavedReport:
    report: Report
    path: Path
    size: int
    run_id: int


def _kaufland_connector(shop: Shop, secret_key: str, options: dict[str, Any]) -> KauflandConnector:
    if shop.marketplace != "kaufland":
        raise ValidationError(f"shop {shop.name!r} is a {shop.marketplace} shop, not a Kaufland one")
    connector = connector_for(shop, secret_key, **options)
    assert isinstance(connector, KauflandConnector)
    return connector


def download_report(
    database: Database,
    secret_key: str,
    shop_name: str,
    kind: str,
    out: Path,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    poll_seconds: float = REPORT_POLL_SECONDS,
    timeout_seconds: float = REPORT_TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    **connector_options: Any,
) -> SavedReport:
    """Queue a report of ``kind`` (see ``erpsync.marketplaces.kaufland.endpoints.REPORT_KINDS``), wait for
    it and save it to ``out``."""
    with database.session() as session:
        shop = get_shop(session, shop_name)
        connector = _kaufland_connector(shop, secret_key, connector_options)
    with connector, sync_run(database, "kaufland_report", shop.id) as log:
        report = connector.request_report(kind, date_from, date_to)
        log.info(f"{kind} report {report.id_report} requested", entity_type="report", entity_id=report.id_report)
        waited = 0.0
        while not report.done:
            if report.failed:
                raise ValidationError(f"kaufland could not make the {kind} report {report.id_report} ({report.status})")
            if waited >= timeout_seconds:
                raise ValidationError(f"kaufland's {kind} report {report.id_report} is still {report.status} after "
                                      f"{int(waited)} s; fetch it later with `erpsync kaufland report` again")
            sleep(poll_seconds)
            waited += poll_seconds
            report = connector.report(report.id_report)
        content = connector.download_report(report)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        log.counts.fetched = 1
        log.info(f"{kind} report {report.id_report} saved to {out} ({len(content)} bytes)", entity_type="report",
                 entity_id=report.id_report)
        log.finish(message=f"{kind} report saved ({len(content)} bytes)")
        return SavedReport(report, out, len(content), log.run_id)


def upload_invoice(
    database: Database, secret_key: str, invoice: str, pdf: bytes, *, file_name: str | None = None,
    **connector_options: Any,
) -> dict[str, Any]:
    """Attach the PDF of our invoice (its id or number) to its order on Kaufland; Kaufland's record of it."""
    with database.session() as session:
        condition = Invoice.number == invoice
        if invoice.isdigit():
            condition = or_(condition, Invoice.id == int(invoice))
        found = session.scalar(select(Invoice).where(condition))
        if found is None:
            raise NotFoundError(f"no invoice {invoice!r}")
        order = session.get(Order, found.order_id)
        assert order is not None
        shop = session.get(Shop, order.shop_id)
        assert shop is not None
        connector = _kaufland_connector(shop, secret_key, connector_options)
        external_id, number = order.external_id, found.number
    name = file_name or f"invoice_{number}.pdf"
    with connector, sync_run(database, "kaufland_invoice", shop.id) as log:
        record = connector.upload_invoice(external_id, name, pdf)
        log.counts.created = 1
        log.info(f"invoice {number} ({len(pdf)} bytes) attached to Kaufland order {external_id}",
                 entity_type="order", entity_id=external_id, payload=record)
        log.finish(message=f"invoice {number} uploaded")
    return record


__all__ = ["SavedReport", "download_report", "upload_invoice"]
