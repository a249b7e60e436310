"""Horoshop vocabularies. Statuses are numbers; here they are text (``"2"``), as mapping files key them.

Sources:
- CONFIRMED: the built-in statuses from Horoshop's API documentation (``orders/get_available_statuses``
  example): 1 New, 2 Processing, 3 Delivered (``is_successful``), 4 Canceled ("Не доставлене"),
  6 Shipping ("Надіслане").
- ASSUMED: that these statuses can be set through the API. A shop may add statuses of its own and
  configures its delivery and payment types itself, so statuses, delivery and payment are open
  sections; the delivery and payment codes below are the usual ones.
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "1": "Нове (New)",
    "2": "В обробці (Processing)",
    "3": "Доставлене (Delivered)",
    "4": "Не доставлене (Canceled)",
    "6": "Надіслане (Shipping)",
}

SETTABLE_STATUSES = dict(STATUSES)

DELIVERY_METHODS = {
    "nova_poshta": "Нова Пошта",
    "ukrposhta": "Укрпошта",
    "meest": "Meest",
    "courier": "Кур'єр",
    "pickup": "Самовивіз",
}

PAYMENT_METHODS = {
    "cash_on_delivery": "Накладений платіж",
    "card_online": "Оплата карткою онлайн",
    "bank_transfer": "Безготівковий розрахунок",
}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"statuses", "delivery", "payment"}),
)
