"""``erpsync sync orders|push`` and ``erpsync order set-status|waybill`` against the Kaspi sandbox."""

from __future__ import annotations

import json

from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from tests.conftest import Cli
from tests.sync.order_fixtures import make_kaspi_shop


def test_a_person_imports_accepts_completes_and_pushes_from_the_command_line(
    cli: Cli, database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    fresh = kaspi.add_order(lines=[("NB-A5-48", 2)])
    handed = kaspi.add_order(lines=[("BL-PH-700", 1)], status="ACCEPTED_BY_MERCHANT")
    queued = kaspi.add_order(lines=[("NB-A4-96", 1)])
    imported = cli("sync", "orders", "--shop", "kz").output
    assert "import_orders for shop kz: success (fetched 3, created 3, updated 0, skipped 0, failed 0" in imported
    assert len(json.loads(cli("order", "list", "--shop", "kz", "--format", "json").output)) == 3

    accepted = cli("order", "set-status", f"kz:{fresh}", "accepted", "--actor", "anna").output
    assert "ACCEPTED_BY_MERCHANT queued for kaspi" in accepted and ": delivered" in accepted
    assert kaspi.order(fresh).status == "ACCEPTED_BY_MERCHANT"

    asked = cli("order", "set-status", f"kz:{handed}", "completed").output
    assert "asked kaspi to send the buyer the code" in asked
    code = kaspi.sent_code(handed)
    assert code is not None
    cli("order", "set-status", f"kz:{handed}", "completed", "--code", code)
    assert kaspi.order(handed).status == "COMPLETED"

    later = cli("order", "set-status", f"kz:{queued}", "accepted", "--no-push").output
    assert "`erpsync sync push` or the workers deliver them" in later
    assert kaspi.order(queued).status == "APPROVED_BY_BANK"
    assert "deliver_outbox for shop kz: success" in cli("sync", "push", "--shop", "kz").output
    assert kaspi.order(queued).status == "ACCEPTED_BY_MERCHANT"

    shown = json.loads(cli("order", "show", f"kz:{handed}", "--format", "json").output)
    assert [(m["step"], m["state"]) for m in shown["outbox"]] == [("send_code", "done"), ("set", "done")]
    assert [(h["to"], h["source"]) for h in shown["history"]] == [("accepted", "marketplace"),
                                                                  ("completed", "accounting")]
    waybill = cli("order", "waybill", f"kz:{fresh}", "20450012345678").output
    assert "kaspi takes no waybills through its API" in waybill


def test_order_commands_refuse_bad_input_in_one_line(
    cli: Cli, database: Database, secret_key: str, kaspi: KaspiSandbox
) -> None:
    make_kaspi_shop(database, secret_key, kaspi)
    order = kaspi.add_order()
    cli("sync", "orders", "--all")
    assert "give --shop NAME or --all" in cli("sync", "orders", expect=1).output
    refused = cli("order", "set-status", f"kz:{order}", "cancelled", "--reason", "BORED", expect=1).output
    assert "kaspi has no cancellation reason 'BORED'" in refused and "Traceback" not in refused
    assert "--extra: expected KEY=VALUE" in cli("order", "set-status", f"kz:{order}", "assembled", "--extra", "x",
                                                expect=1).output
    assert "no order 'kz:nope'" in cli("order", "waybill", "kz:nope", "1", expect=1).output
    assert kaspi.mutating_requests() == []
