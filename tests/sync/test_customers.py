"""Phone numbers of buyers are normalized to E.164 with the marketplace's country as the default."""

from __future__ import annotations

import pytest

from erpsync.sync.customers import normalize_phone


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("87071234567", "KZ", "+77071234567"),
    ("7071234567", "KZ", "+77071234567"),  # Kaspi sends the ten national digits
    ("+7 (707) 123-45-67", "KZ", "+77071234567"),
    ("0671234567", "UA", "+380671234567"),
    ("380671234567", "UA", "+380671234567"),
    ("+49 30 1234567", "UA", "+49301234567"),
    ("call me", "KZ", None),
    ("", "KZ", None),
])
def test_phone_numbers_are_normalized_to_e164(raw: str, region: str, expected: str | None) -> None:
    assert normalize_phone(raw, region) == expected
