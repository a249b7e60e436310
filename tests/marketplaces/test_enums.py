"""Every marketplace declares consistent enumerations, and has a default mapping file."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from erpsync.core.marketplaces import MARKETPLACE_NAMES
from erpsync.mapping.validate import OPEN_SECTIONS
from erpsync.marketplaces.registry import PACKAGES, enumerations

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


@pytest.mark.parametrize("marketplace", MARKETPLACE_NAMES)
def test_enumerations_are_consistent(marketplace: str) -> None:
    enums = enumerations(marketplace)
    assert enums.statuses, "every marketplace has order statuses"
    assert enums.reason_required_for <= set(enums.settable_statuses)
    assert set(enums.transitions) <= set(enums.settable_statuses)
    assert enums.open_sections <= set(OPEN_SECTIONS)
    if enums.reason_required_for:
        assert enums.cancellation_reasons or "cancellation_reasons" in enums.open_sections
    assert (MAPPINGS / f"{marketplace}.yaml").is_file()


@pytest.mark.parametrize("package", sorted(set(PACKAGES.values())))
def test_enums_modules_hold_only_enumerations(package: str) -> None:
    module = importlib.import_module(f"erpsync.marketplaces.{package}.enums")
    assert module.__doc__
    assert not hasattr(module, "CONNECTOR")


def test_satu_speaks_proms_vocabulary() -> None:
    assert enumerations("satu") is enumerations("prom")
