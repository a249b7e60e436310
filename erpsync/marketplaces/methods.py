"""Delivery and payment option names, as shops type them, reduced to stable codes.

Horoshop and CommerceML order files send the shop's own option (an id that differs per shop and a
title the seller wrote: "Нова Пошта (відділення)", "Накладений платіж"). The mapping files need
codes that do not change between shops, so the codec reduces a title to one of the codes below by
the words in it; a title that names nothing known becomes ``option_<id>`` (or ``option_<slug>``),
which a shop maps in its own mapping file (delivery and payment are open sections there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from slugify import slugify

# code → words (lower case, any language the shops write in); the first code whose word occurs wins.
DELIVERY_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("nova_poshta", ("нова пошта", "новая почта", "нова почта", "nova poshta", "novaposhta", "nova post", " np ")),
    ("ukrposhta", ("укрпошт", "укрпочт", "ukrposhta", "ukrpost")),
    ("meest", ("meest", "міст експрес", "мист экспресс")),
    ("justin", ("justin", "джастін", "джастин")),
    ("delivery_auto", ("делівері", "деливери", "delivery auto")),
    ("pickup", ("самовивіз", "самовывоз", "pickup", "pick-up", "з магазину", "из магазина")),
    ("courier", ("кур'єр", "курєр", "курьер", "courier", "адресн", "address delivery")),
)

PAYMENT_WORDS: Sequence[tuple[str, tuple[str, ...]]] = (
    ("cash_on_delivery", ("наклад", "наложен", "післяплат", "послеоплат", "при отриманні", "при получении",
                          "cash on delivery", " cod ")),
    ("credit", ("частин", "кредит", "розстроч", "рассроч", "instalment", "installment")),
    ("bank_transfer", ("безготів", "безнал", "на рахунок", "за рахунком", "по рахунку", "на счет", "по счету",
                       "invoice", "bank transfer", "iban", "реквізит", "реквизит")),
    ("card_online", ("карт", "card", "liqpay", "wayforpay", "fondy", "portmone", "monobank", "mono pay",
                     "plata", "apple pay", "google pay", "онлайн", "online")),
    ("cash", ("готівк", "наличн", "cash")),
)

DELIVERY_LABELS = {
    "nova_poshta": "Нова Пошта",
    "ukrposhta": "Укрпошта",
    "meest": "Meest",
    "justin": "Justin",
    "delivery_auto": "Делівері",
    "pickup": "Самовивіз",
    "courier": "Кур'єр / адресна доставка",
}
PAYMENT_LABELS = {
    "cash_on_delivery": "Накладений платіж",
    "credit": "Оплата частинами / кредит",
    "bank_transfer": "Безготівковий розрахунок (рахунок)",
    "card_online": "Оплата карткою онлайн (LiqPay, WayForPay, …)",
    "cash": "Готівкою",
}


def _classify(title: str | None, table: Sequence[tuple[str, tuple[str, ...]]]) -> str | None:
    text = " " + (title or "").lower().replace("’", "'").replace("ʼ", "'") + " "
    text = re.sub(r"\s+", " ", text)
    for code, words in table:
        if any(word in text for word in words):
            return code
    return None


def _fallback(option_id: str | None, title: str | None) -> str | None:
    if option_id:
        return f"option_{slugify(option_id, separator='_')}"
    if title and title.strip():
        return f"option_{slugify(title, separator='_')[:60]}"
    return None


def delivery_code(title: str | None, option_id: str | None = None) -> str | None:
    """The delivery code of a shop's delivery option (None when the order names none)."""
    return _classify(title, DELIVERY_WORDS) or _fallback(option_id, title)


def payment_code(title: str | None, option_id: str | None = None) -> str | None:
    """The payment code of a shop's payment option (None when the order names none)."""
    return _classify(title, PAYMENT_WORDS) or _fallback(option_id, title)
