from __future__ import annotations

from datetime import UTC, datetime

import pytest

from erpsync.core.errors import CredentialError, TransitionError, Unsupported, ValidationError
from erpsync.marketplaces.base import Connector, ShopConfig
from erpsync.marketplaces.kaspi.enums import ENUMS
from erpsync.marketplaces.registry import enumerations, make_connector


class _Bare(Connector):
    name = "kaspi"
    enums = ENUMS


def test_an_operation_a_marketplace_lacks_names_marketplace_and_operation() -> None:
    connector = _Bare(ShopConfig(name="s", marketplace="kaspi", base_url="http://x"))
    with pytest.raises(Unsupported, match="kaspi does not support listing orders"):
        list(connector.list_orders(datetime.now(UTC), datetime.now(UTC)))


def test_kaspi_transitions_are_refused_locally() -> None:
    connector = _Bare(ShopConfig(name="s", marketplace="kaspi", base_url="http://x"))
    connector.check_transition("APPROVED_BY_BANK", "ACCEPTED_BY_MERCHANT")
    connector.check_transition("ACCEPTED_BY_MERCHANT", "CANCELLED")
    with pytest.raises(TransitionError, match="COMPLETED cannot be moved to CANCELLED"):
        connector.check_transition("COMPLETED", "CANCELLED")
    with pytest.raises(TransitionError, match="cannot be set through the API"):
        connector.check_transition("ACCEPTED_BY_MERCHANT", "RETURNED")


def test_registry_knows_enumerations_and_refuses_incomplete_credentials() -> None:
    assert "MERCHANT_OUT_OF_STOCK" in enumerations("kaspi").cancellation_reasons
    with pytest.raises(ValidationError, match="unknown marketplace"):
        enumerations("ebay")
    with pytest.raises(CredentialError, match="shop 'kz' has no token"):
        make_connector(ShopConfig(name="kz", marketplace="kaspi", base_url="http://x"))
