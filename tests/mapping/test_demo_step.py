"""The demo's mapping step runs on the default files and a generated catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpsync.demo.data import generate_catalog
from erpsync.demo.mapping_step import step_mappings
from erpsync.models.db import Database


def test_the_demo_shows_every_file_passing_and_a_products_translation(
    database: Database, mappings_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_catalog(database, 60, seed=1)
    step_mappings(database, mappings_dir)
    shown = capsys.readouterr().out
    assert shown.count("passes check") == 10
    assert "Kaspi CANCELLED, reason MERCHANT_OUT_OF_STOCK" in shown
    assert "Master - Exercise notebooks" in shown
