"""Zakupka.com vocabularies.

Sources (docs/contracts/zakupka.md):
- CONFIRMED (seed 003): orders come from a CommerceML ("1C") orders file whose URL the seller
  copies from the cabinet; only orders in status «Новый» are exported, and the integration is one
  way: statuses are changed by hand in the cabinet, none can be set from here.
- OUR CODES: ``new`` is the connector's name for «Новый». The file carries the shop's own delivery
  and payment option names; the codec reduces them to the codes below by their words
  (``erpsync/marketplaces/methods.py``) and anything else to ``option_<name>``, so both sections
  are open.
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations
from erpsync.marketplaces.methods import DELIVERY_LABELS, PAYMENT_LABELS

STATUSES = {
    "new": "Новый",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses={},
    delivery_methods=dict(DELIVERY_LABELS),
    payment_methods=dict(PAYMENT_LABELS),
    open_sections=frozenset({"delivery", "payment"}),
)
