"""Zakupka.com vocabularies.

Sources:
- CONFIRMED (seed 003): orders come from a CommerceML ("1C") orders file whose URL the seller
  copies from the cabinet; only orders in status "Новый" are exported, and the integration is one
  way: statuses are changed by hand in the cabinet, none can be set from here.
- ASSUMED: the code ``new`` (the connector's name for "Новый"); the delivery and payment codes (the
  file carries the shop's own option names, so both sections are open).
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "new": "Новый",
}

DELIVERY_METHODS = {
    "nova_poshta": "Нова Пошта",
    "ukrposhta": "Укрпошта",
    "courier": "Кур'єр",
    "pickup": "Самовивіз",
}

PAYMENT_METHODS = {
    "cash_on_delivery": "Накладений платіж",
    "bank_transfer": "Безготівковий розрахунок",
    "card_online": "Оплата карткою",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses={},
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"delivery", "payment"}),
)
