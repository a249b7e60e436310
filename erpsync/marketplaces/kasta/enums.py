"""Kasta vocabularies.

Sources:
- CONFIRMED: nothing about orders. Seed 000 describes the catalog side only (token, categories and
  characteristics with select values, batches of 500, moderation); public clients read orders from
  ``GET https://hub.kasta.ua/api/orders/list`` with a ``status`` per order and a ``statuses``
  history, without listing the values.
- ASSUMED: every code below. Statuses, delivery and payment are open sections: an unknown value is
  a warning, so a shop whose orders show other codes maps them in its shop file. Correct this module
  when the connector confirms the real codes.
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
    "courier": "Кур'єр",
}

PAYMENT_METHODS = {
    "cash_on_delivery": "Оплата при отриманні",
    "card_online": "Оплата карткою онлайн",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"statuses", "delivery", "payment"}),
)
