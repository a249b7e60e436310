"""Every marketplace codec, fed its real payloads mutated at random (fields dropped, values of the wrong
type, huge strings, odd Unicode, negative and special numbers), either decodes or raises ``PayloadError``
naming the field: never another exception. What decodes is an order a shop can store: whole
quantities of 0 or more and finite amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erpsync.core.errors import MarketplaceError, NotFoundError, PayloadError
from erpsync.marketplaces.base import Order
from tests.fuzz.readers import READERS
from tests.fuzz.strategies import FUZZ, fixture, json_values, mutated

CASES = [(marketplace, name) for marketplace, readers in READERS.items() for name in readers]
# Rozetka's envelope says itself when a request was refused: those refusals are errors of their own kind.
REFUSALS: dict[str, tuple[type[Exception], ...]] = {"rozetka": (MarketplaceError, NotFoundError)}


def _check_order(order: Order) -> None:
    assert order.external_id and order.status
    assert order.created_at.tzinfo is not None
    for amount in (order.total, order.delivery_cost, order.discount):
        assert amount is None or (isinstance(amount, Decimal) and amount.is_finite()), amount
    for line in order.lines:
        assert isinstance(line.quantity, int) and line.quantity >= 0, line.quantity
        assert line.unit_price.is_finite() and line.total.is_finite()
        assert line.unit_price >= 0 and line.total >= 0


def _check(result: Any) -> None:
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], list):
        orders, refused = result
        for order in orders:
            _check_order(order)
        for error in refused:
            assert error.field, f"no field named in {error}"
    elif isinstance(result, Order):
        _check_order(result)


def _read(marketplace: str, name: str, document: Any) -> None:
    try:
        _check(READERS[marketplace][name](document))
    except PayloadError as error:
        assert error.field, f"no field named in {error}"
    except REFUSALS.get(marketplace, ()):
        pass


@pytest.mark.parametrize(("marketplace", "name"), CASES)
def test_the_real_payload_decodes(marketplace: str, name: str) -> None:
    _check(READERS[marketplace][name](fixture(marketplace, name)))


@pytest.mark.parametrize(("marketplace", "name"), CASES)
def test_a_mutated_payload_decodes_or_names_the_bad_field(marketplace: str, name: str) -> None:
    @FUZZ
    @given(st.data())
    def check(data: st.DataObject) -> None:
        _read(marketplace, name, data.draw(mutated(fixture(marketplace, name))))

    check()


@pytest.mark.parametrize(("marketplace", "name"), CASES)
def test_any_json_at_all_decodes_or_names_the_bad_field(marketplace: str, name: str) -> None:
    @FUZZ
    @given(json_values)
    def check(document: Any) -> None:
        _read(marketplace, name, document)

    check()
