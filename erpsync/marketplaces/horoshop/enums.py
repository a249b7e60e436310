"""Horoshop vocabularies. Statuses are ids; here they are text (``"2"``), as mapping files key them.

Sources (docs/contracts/horoshop.md):
- CONFIRMED (Horoshop's API documentation, ``orders/get`` and ``orders/update``): the built-in statuses
  1 New, 2 In processing, 3 Delivered, 4 Not delivered, 6 Delivering; ``orders/update`` sets any of
  them and takes no reason. ``orders/get_available_statuses`` lists a shop's statuses, its own added
  ones included, so statuses are an open section (and the connector lets any id be set).
- OUR CODES, not Horoshop's: delivery and payment options are the shop's own (an id and a title that
  differ per shop); the codec reduces a title to one of the codes below by its words
  (``erpsync/marketplaces/methods.py``) and anything else to ``option_<id>``, which a shop maps in its
  own file (delivery and payment are open sections).
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations
from erpsync.marketplaces.methods import DELIVERY_LABELS, PAYMENT_LABELS

STATUSES = {
    "1": "Нове (New)",
    "2": "В обробці (In processing)",
    "3": "Доставлене (Delivered)",
    "4": "Не доставлене (Not delivered; «Скасоване» in the admin)",
    "6": "Доставляється (Delivering; «Відправлене» in the admin)",
}

SETTABLE_STATUSES = dict(STATUSES)

DELIVERY_METHODS = dict(DELIVERY_LABELS)
PAYMENT_METHODS = dict(PAYMENT_LABELS)

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    delivery_methods=DELIVERY_METHODS,
    payment_methods=PAYMENT_METHODS,
    open_sections=frozenset({"statuses", "delivery", "payment"}),
)
