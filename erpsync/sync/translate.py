"""The one place where the order use cases look values up in a shop's mapping file.

Inbound: a marketplace status, delivery or payment code → the accounting value (``None`` when the
mapping has no entry). Outbound: an accounting status → what to do on the marketplace
(``OutboundStatus``: the marketplace status, reason, comment, whether to push the waybill, or ignore).

Everything else in ``erpsync.sync`` asks a ``Translator`` and never reads mapping data itself, so a
change of the mapping API is a change of this file only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Interim data until the mapping package lands on main (then: the shop's mapping file).
_INTERIM: dict[str, dict[str, Any]] = {
    "kaspi": {
        "inbound": {
            "APPROVED_BY_BANK": "new",
            "ACCEPTED_BY_MERCHANT": "accepted",
            "COMPLETED": "completed",
            "CANCELLED": "cancelled",
            "CANCELLING": "cancelled",
            "KASPI_DELIVERY_RETURN_REQUESTED": "returned",
            "RETURNED": "returned",
        },
        "outbound": {
            "new": None,
            "accepted": {"status": "ACCEPTED_BY_MERCHANT"},
            "assembled": {"status": "ASSEMBLE", "push_waybill": True},
            "shipped": {"push_waybill": True},
            "delivered": None,
            "completed": {"status": "COMPLETED"},
            "cancelled": {"status": "CANCELLED", "reason": "BUYER_CANCELLATION_BY_MERCHANT"},
            "returned": None,
        },
        "delivery": {"DELIVERY_LOCAL": "courier", "DELIVERY_PICKUP": "pickup",
                     "DELIVERY_REGIONAL_TODOOR": "courier", "DELIVERY_REGIONAL_PICKUP": "pickup_point"},
        "payment": {"PAY_WITH_CREDIT": "credit", "PREPAID": "card_online"},
    }
}


@dataclass(frozen=True)
class OutboundStatus:
    """What an accounting status means on the marketplace.

    ``status`` is ``None`` when nothing is to be set there (the mapping says ignore); ``push_waybill``
    says the order's waybill is to be pushed when the order reaches this status.
    """

    accounting_status: str
    status: str | None
    reason: str | None = None
    comment: str | None = None
    push_waybill: bool = False

    @property
    def ignore(self) -> bool:
        return self.status is None


class Translator:
    """Lookups in one shop's mapping."""

    def __init__(self, marketplace: str, mapping: dict[str, Any]) -> None:
        self.marketplace = marketplace
        self._mapping = mapping

    def status_in(self, marketplace_status: str) -> str | None:
        return self._mapping.get("inbound", {}).get(marketplace_status)

    def delivery_in(self, marketplace_method: str) -> str | None:
        return self._mapping.get("delivery", {}).get(marketplace_method)

    def payment_in(self, marketplace_method: str) -> str | None:
        return self._mapping.get("payment", {}).get(marketplace_method)

    def status_out(self, accounting_status: str) -> OutboundStatus:
        entry = self._mapping.get("outbound", {}).get(accounting_status) or {}
        return OutboundStatus(
            accounting_status=accounting_status,
            status=entry.get("status"),
            reason=entry.get("reason"),
            comment=entry.get("comment"),
            push_waybill=bool(entry.get("push_waybill", False)),
        )


def translator_for(marketplace: str, shop_name: str | None = None, mappings_dir: Path | None = None) -> Translator:
    """The translator of a shop (its own mapping file when it has one, else the marketplace's default)."""
    return Translator(marketplace, _INTERIM.get(marketplace, {}))
