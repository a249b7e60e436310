"""Every validation rule: a file breaking it, and the exact `file:line:column: message` it gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpsync.mapping import CheckContext, check_file
from tests.mapping.conftest import KASPI, REPO_MAPPINGS, write

ACCOUNTING_STATUSES = "new, accepted, assembled, shipped, delivered, completed, cancelled, returned"
KASPI_REASONS = "BUYER_CANCELLATION_BY_MERCHANT, BUYER_NOT_REACHABLE, MERCHANT_OUT_OF_STOCK"


def problems(mappings_dir: Path, text: str, name: str = "kaspi.yaml") -> list[str]:
    path = write(mappings_dir, name, text)
    return [str(p) for p in check_file(path, CheckContext(mappings_dir), name)]


def variant(old: str, new: str, text: str = KASPI) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_test_file_and_every_default_file_pass(mappings_dir: Path) -> None:
    assert problems(mappings_dir, KASPI) == []
    for path in sorted(REPO_MAPPINGS.glob("*.yaml")):
        assert check_file(path, CheckContext(REPO_MAPPINGS), path.name) == [], path.name


# --- shape ------------------------------------------------------------------------------------------


def test_unknown_top_level_key(mappings_dir: Path) -> None:
    assert problems(mappings_dir, KASPI + "colour: red\n") == [
        "kaspi.yaml:35:1: unknown top-level key 'colour' (allowed: marketplace, version, statuses, delivery, "
        "payment, categories, characteristics, defaults)"
    ]


def test_unknown_key_in_an_action_and_the_reason_it_was_meant_to_be(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("      reason: BUYER", "      reasn: BUYER")) == [
        f"kaspi.yaml:21:5: statuses.outbound.cancelled: kaspi requires a cancellation reason to set status "
        f"CANCELLED (add reason: one of {KASPI_REASONS})",
        "kaspi.yaml:23:7: statuses.outbound.cancelled: unknown key 'reasn' (allowed: status, reason, comment, "
        "push_waybill)",
    ]


def test_wrong_types(mappings_dir: Path) -> None:
    text = variant("      status: ACCEPTED_BY_MERCHANT", "      status: ACCEPTED_BY_MERCHANT\n      push_waybill: yes")
    text = variant("version: 3", "version: three", text)
    assert problems(mappings_dir, text) == [
        "kaspi.yaml:3:10: version: expected a whole number of at least 1, got the text 'three'",
        "kaspi.yaml:17:21: statuses.outbound.accepted.push_waybill: expected true or false, got the text 'yes'",
    ]


def test_missing_version(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("version: 3\n", "")) == ["kaspi.yaml:1:1: missing key 'version'"]


def test_duplicate_key(mappings_dir: Path) -> None:
    text = variant("    CANCELLED: cancelled\n", "    CANCELLED: cancelled\n    CANCELLED: returned\n")
    assert problems(mappings_dir, text) == ["kaspi.yaml:10:5: duplicate key 'CANCELLED' (first written on line 9)"]


def test_an_outbound_entry_is_ignore_or_an_action(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("    new: ignore", "    new: skip")) == [
        "kaspi.yaml:14:10: statuses.outbound.new: expected `ignore` or a mapping with status, reason, comment, "
        "push_waybill, got the text 'skip'"
    ]
    assert problems(mappings_dir, variant("    assembled: ignore", "    assembled: {comment: packed}")) == [
        "kaspi.yaml:17:5: statuses.outbound.assembled: an action needs a status to set, or push_waybill: true "
        "(write `ignore` to do nothing)"
    ]


# --- broken YAML --------------------------------------------------------------------------------------


def test_a_tab_in_the_indentation(mappings_dir: Path) -> None:
    text = variant("      status: ACCEPTED_BY_MERCHANT", "\t\tstatus: ACCEPTED_BY_MERCHANT")
    assert problems(mappings_dir, text) == ["kaspi.yaml:16:1: a tab in the indentation: YAML indents with spaces only"]


def test_bad_indentation(mappings_dir: Path) -> None:
    text = variant("    assembled: ignore", "   assembled: ignore")
    assert problems(mappings_dir, text) == [
        "kaspi.yaml:17:4: bad indentation: this line is not aligned with the keys above it"
    ]


def test_an_empty_file(mappings_dir: Path) -> None:
    assert problems(mappings_dir, "# nothing yet\n") == [
        "kaspi.yaml:1:1: a mapping file must be a mapping of keys (marketplace, version, …), this is an empty file"
    ]


# --- the marketplace ------------------------------------------------------------------------------------


def test_unknown_marketplace(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("marketplace: kaspi", "marketplace: ebay")) == [
        "kaspi.yaml:2:14: marketplace: unknown marketplace 'ebay' (known: kaspi, kaufland, prom, satu, rozetka, "
        "kasta, horoshop, epicentr, zakupka, hubber)"
    ]


def test_a_file_named_for_another_marketplace(mappings_dir: Path) -> None:
    assert problems(mappings_dir, KASPI, "prom.yaml") == [
        "prom.yaml:2:14: marketplace: the file prom.yaml is for prom, not kaspi"
    ]


def test_unknown_marketplace_status(mappings_dir: Path) -> None:
    text = variant("    RETURNED: returned\n", "    RETURNED: returned\n    SHIPPED: shipped\n")
    assert problems(mappings_dir, text) == [
        "kaspi.yaml:13:5: statuses.inbound: kaspi has no status 'SHIPPED' (known: APPROVED_BY_BANK, "
        "ACCEPTED_BY_MERCHANT, COMPLETED, CANCELLED, CANCELLING, KASPI_DELIVERY_RETURN_REQUESTED, RETURNED)"
    ]


def test_an_unknown_status_in_an_open_section_is_a_warning(mappings_dir: Path) -> None:
    text = (REPO_MAPPINGS / "horoshop.yaml").read_text()
    text = variant("    4: cancelled", "    4: cancelled\n    9: returned", text)
    line = line_of(text, "    9: returned")
    assert problems(mappings_dir, text, "horoshop.yaml") == [
        f"horoshop.yaml:{line}:5: warning: statuses.inbound: horoshop has no status '9' (known: 1, 2, 3, 4, 6)"
    ]


def test_a_status_that_cannot_be_set(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("status: ACCEPTED_BY_MERCHANT", "status: RETURNED")) == [
        "kaspi.yaml:16:15: statuses.outbound.accepted.status: kaspi cannot set status 'RETURNED' through its API "
        "(settable: ACCEPTED_BY_MERCHANT, COMPLETED, CANCELLED, ARRIVED, ARRIVED_BACKWARD, ASSEMBLE)"
    ]


def test_unknown_cancellation_reason(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("reason: BUYER_NOT_REACHABLE", "reason: SOLD_OUT")) == [
        f"kaspi.yaml:23:15: statuses.outbound.cancelled.reason: kaspi has no cancellation reason 'SOLD_OUT' "
        f"(known: {KASPI_REASONS})"
    ]


def test_prom_requires_a_cancellation_reason(mappings_dir: Path) -> None:
    text = (REPO_MAPPINGS / "prom.yaml").read_text()
    start = text.index("      reason: not_available")
    text = text[:start] + text[text.index("\n", start) + 1:]
    line = line_of(text, "    cancelled:")
    assert problems(mappings_dir, text, "prom.yaml") == [
        f"prom.yaml:{line}:5: statuses.outbound.cancelled: prom requires a cancellation reason to set status "
        "canceled (add reason: one of not_available, price_changed, buyers_request, not_enough_fields, duplicate, "
        "invalid_phone_number, less_than_minimal_price, another)"
    ]


def test_a_reason_where_the_marketplace_takes_none(mappings_dir: Path) -> None:
    text = (REPO_MAPPINGS / "rozetka.yaml").read_text()
    text = variant("      status: 42 ", "      reason: 18\n      status: 42 ", text)
    line = line_of(text, "      reason: 18")
    assert problems(mappings_dir, text, "rozetka.yaml") == [
        f"rozetka.yaml:{line}:15: statuses.outbound.cancelled.reason: rozetka takes no cancellation reason"
    ]


def test_unknown_delivery_code_is_an_error_unless_the_section_is_open(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("DELIVERY_PICKUP: pickup", "DELIVERY_POST: pickup")) == [
        "kaspi.yaml:27:5: delivery.inbound: kaspi has no delivery code 'DELIVERY_POST' (known: DELIVERY_LOCAL, "
        "DELIVERY_PICKUP, DELIVERY_REGIONAL_TODOOR, DELIVERY_REGIONAL_PICKUP)"
    ]
    text = variant("    pickup: pickup\n", "    pickup: pickup\n    Самовивіз з Епіцентру: pickup\n",
                   (REPO_MAPPINGS / "prom.yaml").read_text())
    line = line_of(text, "Самовивіз з Епіцентру")
    assert problems(mappings_dir, text, "prom.yaml") == [
        f"prom.yaml:{line}:5: warning: delivery.inbound: prom has no delivery code 'Самовивіз з Епіцентру' "
        "(known: nova_poshta, justin, delivery_auto, ukrposhta, meest, pickup, courier)"
    ]


def test_kaufland_declares_no_payment_codes(mappings_dir: Path) -> None:
    text = variant("payment:\n  inbound: {}", "payment:\n  inbound:\n    paypal: card_online",
                   (REPO_MAPPINGS / "kaufland.yaml").read_text())
    line = line_of(text, "paypal: card_online")
    assert problems(mappings_dir, text, "kaufland.yaml") == [
        f"kaufland.yaml:{line}:5: payment.inbound: kaufland has no payment code 'paypal' (kaufland declares none)"
    ]


# --- the accounting side ------------------------------------------------------------------------------


def test_unknown_accounting_status(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("RETURNED: returned", "RETURNED: retured")) == [
        f"kaspi.yaml:12:15: statuses.inbound.RETURNED: unknown accounting status 'retured' "
        f"(known: {ACCOUNTING_STATUSES})"
    ]
    assert problems(mappings_dir, variant("    shipped: ignore", "    shiped: ignore")) == [
        "kaspi.yaml:13:3: statuses.outbound: accounting status 'shipped' has no entry (map it, or write "
        "`shipped: ignore`)",
        f"kaspi.yaml:18:5: statuses.outbound: unknown accounting status 'shiped' (known: {ACCOUNTING_STATUSES})",
    ]


def test_unknown_accounting_delivery_method(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("DELIVERY_PICKUP: pickup", "DELIVERY_PICKUP: self_pickup")) == [
        "kaspi.yaml:27:22: delivery.inbound.DELIVERY_PICKUP: unknown accounting delivery method 'self_pickup' "
        "(accounting.yaml declares: nova_poshta, ukrposhta, meest, justin, delivery_auto, kazpost, cdek, dhl, dpd, "
        "gls, hermes, ups, … (18 in all))"
    ]


def test_unknown_default(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("inbound_status: new", "inbound_status: fresh")) == [
        f"kaspi.yaml:34:19: defaults.inbound_status: unknown accounting status 'fresh' (known: {ACCOUNTING_STATUSES})"
    ]


def test_without_accounting_yaml_the_methods_cannot_be_checked(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    path = write(folder, "kaspi.yaml", KASPI)
    assert [str(p) for p in check_file(path, CheckContext(None), "kaspi.yaml")] == [
        "kaspi.yaml:1:1: no accounting.yaml next to this file or in the mappings folder: accounting delivery and "
        "payment methods cannot be checked"
    ]


def test_accounting_yaml_codes_are_checked(mappings_dir: Path) -> None:
    text = variant("  nova_poshta: Nova Poshta", "  Nova Poshta: Nova Poshta",
                   (REPO_MAPPINGS / "accounting.yaml").read_text())
    line = line_of(text, "  Nova Poshta: Nova Poshta")
    assert problems(mappings_dir, text, "accounting.yaml") == [
        f"accounting.yaml:{line}:3: delivery_methods: code 'Nova Poshta' must be lower-case letters, digits and _"
    ]


# --- completeness --------------------------------------------------------------------------------------


def test_every_marketplace_status_is_mapped(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("    CANCELLING: cancelled\n", "")) == [
        "kaspi.yaml:5:3: statuses.inbound: kaspi status 'CANCELLING' (Being cancelled) is not mapped to an "
        "accounting status"
    ]


def test_every_accounting_status_has_an_outbound_entry(mappings_dir: Path) -> None:
    assert problems(mappings_dir, variant("    returned: ignore\n", "")) == [
        "kaspi.yaml:13:3: statuses.outbound: accounting status 'returned' has no entry (map it, or write "
        "`returned: ignore`)"
    ]


# --- characteristics -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "expected"), [
    ("{from: ГБ, to: МБ}", []),
    ("{from: ГБ, to: parsec}", ["kaspi.yaml:36:7: characteristics.Master - Phones.Пам'ять.unit: erpsync knows no "
                                "conversion from 'ГБ' to 'parsec': give a factor"]),
    ("{from: ГБ, to: parsec, factor: 2}", []),
    ("{from: ГБ, factor: -1}", ["kaspi.yaml:36:7: characteristics.Master - Phones.Пам'ять.unit: missing key 'to'",
                                "kaspi.yaml:36:32: characteristics.Master - Phones.Пам'ять.unit.factor: expected a "
                                "number greater than 0, got the number -1"]),
])
def test_unit_conversions(mappings_dir: Path, unit: str, expected: list[str]) -> None:
    text = variant("characteristics: {}", "characteristics:\n  Master - Phones:\n    Пам'ять:\n"
                                          f"      attribute: memory\n      unit: {unit}")
    assert problems(mappings_dir, text) == expected


# --- a shop's file --------------------------------------------------------------------------------------


def test_a_shops_file_is_checked_merged_and_each_problem_names_its_own_file(mappings_dir: Path) -> None:
    write(mappings_dir, "kaspi.yaml", variant("RETURNED: returned", "RETURNED: retured"))
    shop = "marketplace: kaspi\nversion: 1\nstatuses:\n  outbound:\n    cancelled: {reason: SOLD_OUT}\n" \
           "    returned: {comment: back}\n"
    assert problems(mappings_dir, shop, "shops/kz.yaml") == [
        f"kaspi.yaml:12:15: statuses.inbound.RETURNED: unknown accounting status 'retured' (known: "
        f"{ACCOUNTING_STATUSES})",
        f"shops/kz.yaml:5:25: statuses.outbound.cancelled.reason: kaspi has no cancellation reason 'SOLD_OUT' "
        f"(known: {KASPI_REASONS})",
        "shops/kz.yaml:6:5: statuses.outbound.returned: an action needs a status to set, or push_waybill: true "
        "(write `ignore` to do nothing)",
    ]
