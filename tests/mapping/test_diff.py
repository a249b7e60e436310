"""The diff a reviewer reads: by section and key, values only."""

from __future__ import annotations

from erpsync.mapping import diff_data, parse_document
from tests.mapping.conftest import KASPI


def diff(old: str, new: str) -> list[str]:
    return [str(change) for change in diff_data(parse_document(old, "old").data, parse_document(new, "new").data)]


def test_a_changed_reason_reads_as_entry_field_old_new() -> None:
    new = KASPI.replace("version: 3", "version: 4").replace("BUYER_NOT_REACHABLE", "MERCHANT_OUT_OF_STOCK")
    assert diff(KASPI, new) == [
        "version: 3 → 4",
        "statuses.outbound.cancelled: reason BUYER_NOT_REACHABLE → MERCHANT_OUT_OF_STOCK",
    ]


def test_additions_removals_and_replaced_entries() -> None:
    new = (KASPI.replace("    returned: ignore", "    returned: {status: ARRIVED_BACKWARD}")
           .replace("      reason: BUYER_NOT_REACHABLE\n", "      reason: BUYER_NOT_REACHABLE\n      comment: Нет\n")
           .replace("categories: {}", 'categories:\n  "Дім. Сад / Посуд": Master - Pans')
           .replace("    PREPAID: marketplace_payment\n", "")
           .replace("# Kaspi for tests", "# a comment does not count"))
    assert diff(KASPI, new) == [
        "statuses.outbound.cancelled: added comment Нет",
        "statuses.outbound.returned: ignore → {status: ARRIVED_BACKWARD}",
        "payment.inbound.PREPAID: removed marketplace_payment",
        'categories."Дім. Сад / Посуд": added Master - Pans',
    ]


def test_a_number_written_as_text_is_a_change_but_reformatting_is_not() -> None:
    assert diff("a: {x: 1}\n", "a:\n  x: 1   # same value\n") == []
    assert diff("a: {x: 1}\n", "a: {x: '1'}\n") == ["a.x: 1 → '1'"]
