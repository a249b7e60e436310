"""Hubber vocabularies.

Sources:
- CONFIRMED (seed 003): Hubber is connected with a login and a password; orders and the catalog are
  downloaded. Nothing public names its order statuses or delivery and payment codes.
- ASSUMED: every code below, kept for the mapping file only: erpsync reads no Hubber orders (the
  connector is feed-only until Hubber's API is known, docs/contracts/hubber.md). Statuses, delivery
  and payment are open sections (an unknown value is a warning).
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "new": "Нове",
    "processing": "В обробці",
    "sent": "Відправлено",
    "delivered": "Доставлено",
    "canceled": "Скасовано",
    "returned": "Повернено",
}

SETTABLE_STATUSES = {
    "processing": "Прийняти в обробку",
    "sent": "Відправлено (з ТТН)",
    "canceled": "Скасувати",
}

DELIVERY_METHODS = {
    "nova_poshta": "Нова Пошта",
    "ukrposhta": "Укрпошта",
    "meest": "Meest",
}

PAYMENT_METHODS = {
    "cash_on_delivery": "Накладений платіж",
    "card_online": "Оплата карткою онлайн",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"statuses", "delivery", "payment"}),
)
