"""Kaufland reports saved for reconciliation, and invoices of ours uploaded as PDF to their Kaufland order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.models import Invoice, Order
from erpsync.models.db import Database
from erpsync.sync.kaufland_documents import download_report, upload_invoice
from tests.conftest import Cli
from tests.sync.kaufland_env import QUICK, SHOP, add_kaufland_shop, kaufland_sandbox

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


def test_a_sales_report_is_requested_waited_for_and_saved(database: Database, secret_key: str, tmp_path: Path) -> None:
    with kaufland_sandbox() as sandbox:
        add_kaufland_shop(database, secret_key, sandbox.base_url)
        sandbox.add_order(units=[{"id_offer": "SKU-1", "price": 1999}, {"id_offer": "SKU-2", "price": 500}])
        waits: list[float] = []
        saved = download_report(database, secret_key, SHOP, "sales", tmp_path / "reports" / "sales.csv",
                                date_from=date.today() - timedelta(days=30), date_to=date.today(),
                                poll_seconds=5, sleep=waits.append, retry=QUICK)
        lines = saved.path.read_text().splitlines()
        assert lines[0].startswith("id_order;id_order_unit;id_offer")
        assert sorted(line.split(";")[2] for line in lines[1:]) == ["SKU-1", "SKU-2"]
        assert saved.size == saved.path.stat().st_size and waits == [5, 5]
        request = sandbox.requests_to("/v2/reports/sales-new", "POST")[0]
        assert request.json() == {"date_from": (date.today() - timedelta(days=30)).isoformat(),
                                  "date_to": date.today().isoformat()}


def test_a_report_that_never_finishes_gives_up_with_a_message(
        database: Database, secret_key: str, tmp_path: Path) -> None:
    with kaufland_sandbox() as sandbox:
        add_kaufland_shop(database, secret_key, sandbox.base_url)
        with pytest.raises(ValidationError, match="still new after 0 s"):
            download_report(database, secret_key, SHOP, "account-listing", tmp_path / "listing.csv",
                            timeout_seconds=0, sleep=lambda _: None, retry=QUICK)
        assert not (tmp_path / "listing.csv").exists()


def test_our_invoice_is_uploaded_as_pdf_to_its_kaufland_order(database: Database, secret_key: str) -> None:
    with kaufland_sandbox() as sandbox:
        shop = add_kaufland_shop(database, secret_key, sandbox.base_url)
        order_id = sandbox.add_order(units=[{"id_offer": "SKU-1", "price": 1999}])
        with database.session() as session:
            order = Order(shop_id=shop.id, external_id=order_id, number=order_id, status="shipped",
                          total=Decimal("19.99"), currency="EUR", placed_at=datetime.now(UTC))
            session.add(order)
            session.flush()
            session.add(Invoice(order_id=order.id, number="RE-2024-0042", total=Decimal("19.99"), currency="EUR"))
        record = upload_invoice(database, secret_key, "RE-2024-0042", PDF, retry=QUICK)
        assert record["id_order"] == order_id and record["original_name"] == "invoice_RE-2024-0042.pdf"
        [stored] = sandbox.kaufland.invoices[order_id]
        assert stored["size"] == len(PDF)
        with pytest.raises(ValidationError, match="not a PDF"):
            upload_invoice(database, secret_key, "RE-2024-0042", b"<html>", retry=QUICK)
        with pytest.raises(NotFoundError, match="no invoice 'RE-404'"):
            upload_invoice(database, secret_key, "RE-404", PDF, retry=QUICK)


def test_the_report_command_saves_the_file_and_names_it(cli: Cli, tmp_path: Path) -> None:
    with kaufland_sandbox() as sandbox:
        cli("shop", "add", SHOP, "--marketplace", "kaufland", "--base-url", sandbox.base_url,
                   "--credential", f"client_key={sandbox.credentials['client_key']}",
                   "--credential", f"secret_key={sandbox.credentials['secret_key']}", "--setting", "storefront=de")
        out = tmp_path / "listing.csv"
        result = cli("kaufland", "report", SHOP, "account-listing", "--out", str(out), "--poll-seconds", "0")
        assert f"saved to {out}" in result.output and out.read_text().startswith("id_unit;ean;id_offer")
        failed = cli("kaufland", "report", SHOP, "sales", "--out", str(out), "--poll-seconds", "0", expect=1)
        assert "error: kaufland: the sales report needs a period" in failed.output


def test_units_order_units_returns_and_tickets_are_listed_from_the_command_line(cli: Cli) -> None:
    with kaufland_sandbox() as sandbox:
        cli("shop", "add", SHOP, "--marketplace", "kaufland", "--base-url", sandbox.base_url,
            "--credential", f"client_key={sandbox.credentials['client_key']}",
            "--credential", f"secret_key={sandbox.credentials['secret_key']}", "--setting", "storefront=de")
        with sandbox.lock:
            sandbox.kaufland.add_unit({"ean": "4011905437873", "id_offer": "SKU-1", "listing_price": 4550,
                                       "amount": 9, "handling_time": 1}, "de")
        order_id = sandbox.add_order(units=[{"id_offer": "SKU-1", "price": 4550, "status": "sent"}])
        unit_id = str(sandbox.order_units_of(order_id)[0]["id_order_unit"])
        with sandbox.lock:
            sandbox.kaufland.add_return(unit_id)
            sandbox.kaufland.add_ticket([unit_id])
        assert "45.50" in cli("kaufland", "units", SHOP).output
        assert order_id in cli("kaufland", "order-units", SHOP, "--status", "sent").output
        assert "wrong_size" in cli("kaufland", "returns", SHOP).output
        assert "product_not_delivered" in cli("kaufland", "tickets", SHOP).output
