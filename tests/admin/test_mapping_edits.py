"""From a table's values to the smallest edits of a mapping file, for a marketplace's file and a shop's."""

from __future__ import annotations

from erpsync.admin.mapping_editor.edits import MISSING, code_value, file_edits
from erpsync.mapping import Edit

BASE = {
    "marketplace": "kaspi", "version": 3,
    "statuses": {"inbound": {"APPROVED_BY_BANK": "new", "26": "accepted"},
                 "outbound": {"new": "ignore", "cancelled": {"status": "CANCELLED", "reason": "OUT_OF_STOCK"}}},
}


def test_a_marketplace_file_gets_exactly_the_tables_values_key_by_key() -> None:
    desired = {("statuses", "outbound"): {"new": "ignore", "cancelled": {"status": "CANCELLED", "reason": "NO_ANSWER"},
                                           "returned": {"status": "RETURNED"}},
               ("statuses", "inbound"): {"APPROVED_BY_BANK": "new"}}
    assert file_edits(BASE, None, desired) == [
        Edit(("statuses", "outbound", "cancelled", "reason"), "NO_ANSWER"),
        Edit(("statuses", "outbound", "returned"), {"status": "RETURNED"}),
        Edit(("statuses", "inbound", "26"), delete=True),
    ]


def test_values_that_read_the_same_keep_how_they_are_written() -> None:
    own = {"statuses": {"outbound": {"cancelled": {"status": 26, "push_waybill": False}}}}
    desired = {("statuses", "outbound"): {"cancelled": {"status": "26", "push_waybill": False}}}
    assert file_edits(own, None, desired) == []
    assert code_value("26") == 26 and code_value("007") == "007" and code_value(" CANCELLED ") == "CANCELLED"


def test_a_shops_file_gets_only_what_differs_from_the_marketplaces() -> None:
    own = {"marketplace": "kaspi", "version": 1}
    desired = {("statuses", "outbound"): {"new": "ignore", "cancelled": {"status": "CANCELLED", "reason": "NO_ANSWER"}}}
    assert file_edits(own, BASE, desired) == [Edit(("statuses", "outbound"), {"cancelled": {"reason": "NO_ANSWER"}})]


def test_a_shops_override_stays_until_it_is_reset_and_then_leaves_no_empty_mapping() -> None:
    own = {"marketplace": "kaspi", "version": 2,
           "statuses": {"outbound": {"cancelled": {"reason": "OUT_OF_STOCK"}}}}  # the same as the marketplace's
    same = {("statuses", "outbound"): {"new": "ignore", "cancelled": {"status": "CANCELLED", "reason": "OUT_OF_STOCK"}}}
    assert file_edits(own, BASE, same) == []  # kept: the shop pins it
    reset = [("statuses", "outbound", "cancelled")]
    assert file_edits(own, BASE, same, reset) == [
        Edit(("statuses", "outbound"), delete=True),
        Edit(("statuses",), delete=True),
    ]


def test_a_shop_replacing_ignore_with_an_action_writes_the_whole_action() -> None:
    own = {"marketplace": "kaspi", "version": 1}
    desired = {("statuses", "outbound"): {"new": {"status": "ACCEPTED"}, "cancelled": BASE["statuses"]["outbound"][
        "cancelled"]}, ("defaults", "inbound_status"): MISSING}
    assert file_edits(own, BASE, desired) == [Edit(("statuses", "outbound"), {"new": {"status": "ACCEPTED"}})]
