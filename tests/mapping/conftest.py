"""Mapping tests work on a copy of the repository's mappings folder in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"

# A complete, valid Kaspi file, small enough to read in a test; variants replace one line.
KASPI = """\
# Kaspi for tests
marketplace: kaspi
version: 3
statuses:
  inbound:
    APPROVED_BY_BANK: new
    ACCEPTED_BY_MERCHANT: accepted
    COMPLETED: completed
    CANCELLED: cancelled
    CANCELLING: cancelled
    KASPI_DELIVERY_RETURN_REQUESTED: returned
    RETURNED: returned
  outbound:
    new: ignore
    accepted:
      status: ACCEPTED_BY_MERCHANT
    assembled: ignore
    shipped: ignore
    delivered: ignore
    completed: ignore
    cancelled:
      status: CANCELLED   # Kaspi wants a reason
      reason: BUYER_NOT_REACHABLE
    returned: ignore
delivery:
  inbound:
    DELIVERY_PICKUP: pickup
payment:
  inbound:
    PREPAID: marketplace_payment
categories: {}
characteristics: {}
defaults:
  inbound_status: new
"""


@pytest.fixture
def mappings_dir(tmp_path: Path) -> Path:
    """A copy of the repository's mapping files (accounting.yaml and every marketplace's)."""
    target = tmp_path / "mappings"
    shutil.copytree(REPO_MAPPINGS, target)
    return target


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
