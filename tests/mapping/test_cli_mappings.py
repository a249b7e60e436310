"""``erpsync mappings …`` against a copy of the mapping files and a real database (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from erpsync.mapping import Edit, history, save_mapping
from erpsync.models.db import Database
from tests.conftest import Cli
from tests.mapping.conftest import write
from tests.mapping.test_suggest import add_notebooks
from tests.mapping.test_tree_checks import add_kaspi_tree


@pytest.fixture
def mcli(cli: Cli, mappings_dir: Path) -> Cli:
    """The command line with ERPSYNC_MAPPINGS_DIR on the copy (the working folder is its parent)."""
    assert mappings_dir.parent == cli.cwd
    return Cli({**cli.env, "ERPSYNC_MAPPINGS_DIR": str(mappings_dir)}, cli.cwd)


def line_of(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


def test_the_default_files_pass_check(mcli: Cli, mappings_dir: Path) -> None:
    offline = mcli("mappings", "check", "--offline")
    assert offline.stdout == ""
    assert offline.stderr == "11 files checked: 0 errors, 0 warnings\n"
    online = mcli("mappings", "check")  # the database is there: the category tree is consulted
    assert online.stdout == (f"mappings/kaspi.yaml:{line_of(mappings_dir / 'kaspi.yaml', 'categories:')}:1: warning: "
                             "categories: not checked against kaspi's category tree: none has been downloaded yet\n")


def test_check_lists_every_problem_as_file_line_column_and_exits_1(mcli: Cli, mappings_dir: Path) -> None:
    kaspi = mappings_dir / "kaspi.yaml"
    kaspi.write_text(kaspi.read_text().replace("    RETURNED: returned", "    RETURNED: came_back"))
    write(mappings_dir, "shops/kz1.yaml", "marketplace: kaspi\nversion: 1\nstatuses:\n\toutbound: {}\n")
    result = mcli("mappings", "check", "--offline", expect=1)
    assert result.stdout.splitlines() == [
        f"mappings/kaspi.yaml:{line_of(kaspi, 'came_back')}:15: statuses.inbound.RETURNED: unknown accounting status "
        "'came_back' (known: new, accepted, assembled, shipped, delivered, completed, cancelled, returned)",
        "mappings/shops/kz1.yaml:4:1: a tab in the indentation: YAML indents with spaces only",
    ]
    assert result.stderr == "12 files checked: 2 errors, 0 warnings\n"
    assert "Traceback" not in result.output
    only = mcli("mappings", "check", "--offline", "mappings/prom.yaml", "mappings/satu.yaml")
    assert only.stderr == "2 files checked: 0 errors, 0 warnings\n"


def test_show_gives_a_shops_effective_mapping(mcli: Cli, mappings_dir: Path) -> None:
    mcli("shop", "add", "kz1", "--marketplace", "kaspi")
    write(mappings_dir, "shops/kz1.yaml", "marketplace: kaspi\nversion: 2\nstatuses:\n  outbound:\n"
                                          "    cancelled: {reason: BUYER_NOT_REACHABLE}\n")
    shown = mcli("mappings", "show", "--shop", "kz1").stdout
    assert shown.startswith("# effective mapping of shop kz1 (kaspi)\n#   mappings/kaspi.yaml (version 1)\n"
                            "#   mappings/shops/kz1.yaml (version 2)\nmarketplace: kaspi\n")
    assert "    cancelled:\n      status: CANCELLED\n      reason: BUYER_NOT_REACHABLE\n" in shown
    data = json.loads(mcli("mappings", "show", "--shop", "kz1", "--format", "json").stdout)
    assert data["mapping"]["statuses"]["outbound"]["cancelled"] == {"status": "CANCELLED",
                                                                     "reason": "BUYER_NOT_REACHABLE"}
    assert mcli("mappings", "show", expect=1).output == "error: give --shop NAME or --marketplace NAME\n"


def test_diff_history_and_restore(mcli: Cli, mappings_dir: Path, database: Database) -> None:
    reason = ("statuses", "outbound", "cancelled", "reason")
    with database.session() as session:
        save_mapping(session, mappings_dir, "kaspi.yaml", [Edit(reason, "BUYER_NOT_REACHABLE")], expected_version=1,
                     author="anna", message="buyers do not answer")
    with database.session() as session:
        newest, first = [r.id for r in history(session, "kaspi.yaml")]
    assert mcli("mappings", "diff", str(first), str(newest)).stdout == (
        "version: 1 → 2\nstatuses.outbound.cancelled: reason MERCHANT_OUT_OF_STOCK → BUYER_NOT_REACHABLE\n")
    assert mcli("mappings", "diff", str(newest), "mappings/kaspi.yaml").stdout == "no differences\n"
    assert mcli("mappings", "diff", "mappings/prom.yaml", "mappings/satu.yaml").stdout.startswith(
        "marketplace: prom → satu\n")
    listed = mcli("mappings", "history", "kaspi.yaml").stdout
    assert "buyers do not answer" in listed and "(file on disk)" in listed
    restored = mcli("mappings", "restore", str(first), "--author", "boris").stdout
    assert restored == (f"restored revision {first} as kaspi.yaml version 3 (revision {newest + 1})\n"
                        "  statuses.outbound.cancelled: reason BUYER_NOT_REACHABLE → MERCHANT_OUT_OF_STOCK\n")
    assert mcli("mappings", "diff", "999", "mappings/kaspi.yaml", expect=1).output == (
        "error: there is no mapping revision 999\n")


def test_suggest_prints_proposals_and_writes_the_confident_ones(mcli: Cli, mappings_dir: Path,
                                                                 database: Database) -> None:
    mcli("shop", "add", "kz1", "--marketplace", "kaspi")
    with database.session() as session:
        add_kaspi_tree(session)
        add_notebooks(session)
    shown = mcli("mappings", "suggest", "--shop", "kz1").stdout
    assert "1.00  characteristics.Master - Exercise notebooks.Формат.values: А4 → А4\n" in shown
    applied = mcli("mappings", "suggest", "--shop", "kz1", "--apply", "--min-score", "0.9", "--author", "anna").stdout
    assert applied.splitlines()[-1].startswith("wrote 3 proposals to kaspi.yaml (version 2, revision ")
    assert "        А4: А4\n" in (mappings_dir / "kaspi.yaml").read_text()
    checked = mcli("mappings", "check")  # the tree is downloaded now: the file passes it
    assert checked.stdout == (
        f"mappings/kaspi.yaml:{line_of(mappings_dir / 'kaspi.yaml', 'Блендери')}:3: warning: categories: no local "
        "category 'Побутова техніка / Техніка для кухні / Блендери' (write its path as 'Parent / Child' or its id)\n")
