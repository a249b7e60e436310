"""Saving changes: round-trip write-back, optimistic locking, refusal of invalid results with the check's
messages, atomic writes, and revision rows on SQLite and PostgreSQL."""

from __future__ import annotations

import difflib
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erpsync.core.errors import ConflictError, ValidationError
from erpsync.mapping import Edit, MappingInvalid, history, restore_revision, save_mapping, save_mapping_text
from erpsync.models import MappingRevision, Shop
from erpsync.models.db import Database
from tests.mapping.conftest import KASPI, write

REASON = ("statuses", "outbound", "cancelled", "reason")


def changed_lines(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def revisions(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(MappingRevision)) or 0


def test_changing_one_value_changes_only_that_line_and_the_version(database: Database, mappings_dir: Path) -> None:
    path = mappings_dir / "kaspi.yaml"
    before = path.read_text()
    with database.session() as session:
        result = save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")],
                              expected_version=1, author="anna", message="buyers do not answer")
    after = path.read_text()
    assert changed_lines(before, after) == [
        "-version: 1",
        "+version: 2",
        "-      reason: MERCHANT_OUT_OF_STOCK        # Kaspi requires a reason; out of stock is why we cancel most.",
        "+      reason: BUYER_NOT_REACHABLE          # Kaspi requires a reason; out of stock is why we cancel most.",
    ]
    assert "# A shop that cancels at the buyer's request overrides it with" in after  # the comment block stays
    assert result.version == 2
    assert [str(c) for c in result.changes] == [
        "statuses.outbound.cancelled: reason MERCHANT_OUT_OF_STOCK → BUYER_NOT_REACHABLE"
    ]


def test_quoting_and_key_style_are_kept(database: Database, mappings_dir: Path) -> None:
    text = KASPI.replace("status: CANCELLED ", 'status: "CANCELLED"')
    text = text.replace("    RETURNED: returned", "    'RETURNED': returned")
    write(mappings_dir, "kaspi.yaml", text)
    with database.session() as session:
        save_mapping(session, mappings_dir, "kaspi.yaml", [
            Edit(("statuses", "outbound", "cancelled", "status"), "CANCELLED"),  # no change
            Edit(("statuses", "inbound", "RETURNED"), "cancelled"),
            Edit(REASON, "MERCHANT_OUT_OF_STOCK"),
        ], expected_version=3, author="anna")
    assert changed_lines(text, (mappings_dir / "kaspi.yaml").read_text()) == [
        "-version: 3",
        "+version: 4",
        "-    'RETURNED': returned",
        "+    'RETURNED': cancelled",
        "-      reason: BUYER_NOT_REACHABLE",
        "+      reason: MERCHANT_OUT_OF_STOCK",
    ]


def test_a_change_based_on_an_old_version_is_refused(database: Database, mappings_dir: Path) -> None:
    before = (mappings_dir / "kaspi.yaml").read_text()
    with database.session() as session, pytest.raises(ConflictError) as refused:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")],
                     expected_version=0, author="anna")
    assert str(refused.value) == ("kaspi.yaml is at version 1, the change was made to version 0 (reload the file "
                                  "and make the change again)")
    assert (mappings_dir / "kaspi.yaml").read_text() == before
    assert revisions(database) == 0


def test_two_concurrent_saves_of_the_same_version_one_wins(database: Database, mappings_dir: Path) -> None:
    def save(reason: str) -> str:
        try:
            with database.session() as session:
                save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, reason)], expected_version=1,
                             author=reason)
        except ConflictError:
            return "refused"
        return "saved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(save, ["BUYER_NOT_REACHABLE", "BUYER_CANCELLATION_BY_MERCHANT"]))
    assert outcomes == ["refused", "saved"]
    assert "version: 2\n" in (mappings_dir / "kaspi.yaml").read_text()


def test_a_change_making_the_file_invalid_is_refused_with_the_check_message(database: Database,
                                                                            mappings_dir: Path) -> None:
    write(mappings_dir, "kaspi.yaml", KASPI)
    with database.session() as session, pytest.raises(MappingInvalid) as refused:
        save_mapping(session, mappings_dir, "kaspi.yaml", [
            Edit(REASON, "SOLD_OUT"),
            Edit(("statuses", "inbound", "RETURNED"), "came_back"),
        ], expected_version=3, author="anna")
    assert [str(p) for p in refused.value.problems] == [
        "kaspi.yaml:12:15: statuses.inbound.RETURNED: unknown accounting status 'came_back' (known: new, accepted, "
        "assembled, shipped, delivered, completed, cancelled, returned)",
        "kaspi.yaml:23:15: statuses.outbound.cancelled.reason: kaspi has no cancellation reason 'SOLD_OUT' (known: "
        "BUYER_CANCELLATION_BY_MERCHANT, BUYER_NOT_REACHABLE, MERCHANT_OUT_OF_STOCK)",
    ]
    assert (mappings_dir / "kaspi.yaml").read_text() == KASPI  # intact
    assert sorted(p.name for p in mappings_dir.iterdir() if p.name.startswith(".")) == []  # no temporary file left
    assert revisions(database) == 0


@pytest.mark.parametrize(("broken", "problem"), [
    (KASPI.replace("    new: ignore", "\tnew: ignore"),
     "kaspi.yaml:14:1: a tab in the indentation: YAML indents with spaces only"),
    (KASPI.replace("    new: ignore\n", "    new: ignore\n    new: {status: ACCEPTED_BY_MERCHANT}\n"),
     "kaspi.yaml:15:5: duplicate key 'new' (first written on line 14)"),
])
def test_a_broken_file_on_disk_is_not_overwritten(database: Database, mappings_dir: Path, broken: str,
                                                  problem: str) -> None:
    write(mappings_dir, "kaspi.yaml", broken)
    with database.session() as session, pytest.raises(MappingInvalid) as refused:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")],
                     expected_version=3, author="anna")
    assert str(refused.value) == problem
    assert (mappings_dir / "kaspi.yaml").read_text() == broken


def test_each_save_is_a_revision_and_a_revision_can_be_restored(database: Database, mappings_dir: Path) -> None:
    path = mappings_dir / "kaspi.yaml"
    original = path.read_text()
    with database.session() as session:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")],
                     expected_version=1, author="anna", message="buyers do not answer")
    with database.session() as session:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(("defaults", "payment"), "marketplace_payment")],
                     expected_version=2, author="boris", message="default payment")
    with database.session() as session:
        rows = history(session, "kaspi.yaml")
        assert [(r.version, r.author, r.message, r.marketplace) for r in rows] == [
            (3, "boris", "default payment", "kaspi"),
            (2, "anna", "buyers do not answer", "kaspi"),
            (1, "(file on disk)", "the file as found on disk before a save", "kaspi"),
        ]
        assert rows[2].content == original
        assert rows[0].content == path.read_text()
        assert all(r.sha256 == hashlib.sha256(r.content.encode()).hexdigest() for r in rows)
        first = rows[2].id
    with database.session() as session:
        result = restore_revision(session, mappings_dir, first, expected_version=3, author="anna")
    assert result.version == 4
    assert path.read_text() == original.replace("version: 1", "version: 4")
    assert [str(c) for c in result.changes] == [
        "statuses.outbound.cancelled: reason BUYER_NOT_REACHABLE → MERCHANT_OUT_OF_STOCK",
        "defaults.payment: marketplace_payment → other",
    ]
    with database.session() as session:
        assert history(session, "kaspi.yaml")[0].message == f"restore revision {first} (version 1)"


def test_an_edit_made_outside_erpsync_is_recorded_before_the_next_save(database: Database,
                                                                       mappings_dir: Path) -> None:
    with database.session() as session:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")],
                     expected_version=1, author="anna")
    path = mappings_dir / "kaspi.yaml"
    path.write_text(path.read_text().replace("version: 2", "version: 5"))  # a merged pull request
    with database.session() as session:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "MERCHANT_OUT_OF_STOCK")],
                     expected_version=5, author="anna")
        assert [(r.version, r.author) for r in history(session, "kaspi.yaml")] == [
            (6, "anna"), (5, "(file on disk)"), (2, "anna"), (1, "(file on disk)")]


def test_nothing_is_written_when_nothing_changes(database: Database, mappings_dir: Path) -> None:
    before = (mappings_dir / "kaspi.yaml").read_text()
    with database.session() as session:
        result = save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "MERCHANT_OUT_OF_STOCK")],
                              expected_version=1, author="anna")
    assert (result.version, result.revision_id, result.changes) == (1, None, ())
    assert (mappings_dir / "kaspi.yaml").read_text() == before
    assert revisions(database) == 0


def test_a_shops_file_is_created_once_and_recorded_with_the_shop(database: Database, mappings_dir: Path) -> None:
    text = "# kz-main cancels at the buyer's request\nmarketplace: kaspi\nversion: 1\nstatuses:\n  outbound:\n" \
           "    cancelled: {reason: BUYER_CANCELLATION_BY_MERCHANT}\n"
    with database.session() as session:
        session.add(Shop(name="kz-main", marketplace="kaspi", base_url="https://kaspi.kz/shop/api/v2"))
        session.flush()
        result = save_mapping_text(session, mappings_dir, "shops/kz-main.yaml", text, expected_version=0,
                                   author="anna", message="new shop")
        assert result.version == 1
        revision = history(session, "shops/kz-main.yaml")[0]
        assert revision.shop_id == session.scalar(select(Shop.id).where(Shop.name == "kz-main"))
    assert (mappings_dir / "shops" / "kz-main.yaml").read_text() == text
    with database.session() as session, pytest.raises(ConflictError, match=r"shops/kz-main\.yaml exists already"):
        save_mapping_text(session, mappings_dir, "shops/kz-main.yaml", text, expected_version=0, author="anna")


def test_an_empty_section_becomes_a_block_when_a_key_is_added(database: Database, mappings_dir: Path) -> None:
    path = mappings_dir / "prom.yaml"
    with database.session() as session:
        save_mapping(session, mappings_dir, "prom.yaml", [Edit(("categories", "Дім і сад / Посуд"), "1234")],
                     expected_version=1, author="anna")
    assert "categories:\n  Дім і сад / Посуд: '1234'\n" in path.read_text()


def test_a_name_outside_the_mappings_folder_is_refused(database: Database, mappings_dir: Path) -> None:
    with database.session() as session, pytest.raises(ValidationError, match=r"is not a mapping file name"):
        save_mapping(session, mappings_dir, "../kaspi.yaml", [], expected_version=1, author="anna")


@pytest.mark.parametrize(("broken", "problem"), [
    (KASPI.replace("    new: ignore", "\tnew: ignore"),
     "kaspi.yaml:14:1: a tab in the indentation: YAML indents with spaces only"),
    (KASPI.replace("    assembled: ignore", "   assembled: ignore"),
     "kaspi.yaml:17:4: bad indentation: this line is not aligned with the keys above it"),
    (KASPI.replace("marketplace: kaspi", "marketplace: ebay"),
     "kaspi.yaml:2:14: marketplace: unknown marketplace 'ebay' (known: kaspi, kaufland, prom, satu, rozetka, kasta, "
     "horoshop, epicentr, zakupka, hubber)"),
    (KASPI.replace("    COMPLETED: completed\n", "    COMPLETED: completed\n    COMPLETED: delivered\n"),
     "kaspi.yaml:9:5: duplicate key 'COMPLETED' (first written on line 8)"),
    (KASPI.replace("    CANCELLED: cancelled", "    CANCELLED: canceled"),
     "kaspi.yaml:9:16: statuses.inbound.CANCELLED: unknown accounting status 'canceled' (known: new, accepted, "
     "assembled, shipped, delivered, completed, cancelled, returned)"),
])
def test_a_broken_text_is_refused_and_the_previous_file_stays(database: Database, mappings_dir: Path, broken: str,
                                                               problem: str) -> None:
    before = (mappings_dir / "kaspi.yaml").read_text()
    with database.session() as session, pytest.raises(MappingInvalid) as refused:
        save_mapping_text(session, mappings_dir, "kaspi.yaml", broken, expected_version=1, author="anna")
    assert [str(p) for p in refused.value.problems] == [problem]
    assert (mappings_dir / "kaspi.yaml").read_text() == before
    assert [p.name for p in mappings_dir.iterdir() if p.name.startswith(".")] == []
    assert revisions(database) == 0


def test_errors_the_file_had_already_do_not_block_other_changes(database: Database, mappings_dir: Path) -> None:
    from tests.mapping.test_tree_checks import add_kaspi_tree

    with database.session() as session:
        add_kaspi_tree(session)  # the tree says the mapped notebooks category needs 'type', which kaspi.yaml lacks
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")],
                     expected_version=1, author="anna")
        with pytest.raises(MappingInvalid) as refused:
            save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "SOLD_OUT")], expected_version=2,
                         author="anna")
    messages = [p.message for p in refused.value.problems]
    assert any("no cancellation reason 'SOLD_OUT'" in m for m in messages)
    assert any("mandatory attribute" in m for m in messages)  # reported with it, as check does


def test_a_preview_writes_nothing_and_shows_what_a_save_would(database: Database, mappings_dir: Path) -> None:
    from erpsync.mapping import preview_mapping

    path = mappings_dir / "kaspi.yaml"
    before = path.read_text()
    with database.session() as session:
        preview = preview_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")])
        refused = preview_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "SOLD_OUT")])
        saved = save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(REASON, "BUYER_NOT_REACHABLE")],
                             expected_version=1, author="anna")
    assert preview.version == 1 and not preview.refused
    assert [str(c) for c in preview.changes] == [str(c) for c in saved.changes]
    assert preview.text == path.read_text()  # exactly what the save wrote
    assert changed_lines(before, preview.text) == [line for line in preview.line_diff
                                                  if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert [p.message for p in refused.refused] == [
        "statuses.outbound.cancelled.reason: kaspi has no cancellation reason 'SOLD_OUT' (known: "
        "BUYER_CANCELLATION_BY_MERCHANT, BUYER_NOT_REACHABLE, MERCHANT_OUT_OF_STOCK)"]
    assert revisions(database) == 2  # the save's (and the file as found); previews record nothing
