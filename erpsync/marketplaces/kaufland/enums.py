"""Kaufland Marketplace Seller API v2 vocabularies (statuses are those of an order unit).

Sources (details and links in docs/contracts/kaufland.md):
- CONFIRMED: order unit statuses (``OrderUnitStatus``) and cancellation reasons (``OrderUnitCancelReason``)
  from Kaufland's OpenAPI document (2.27.0, as stored in saleweaver/python-kaufland-api ``swagger.json``);
  ``PATCH /order-units/{id}/send`` marks a unit sent (``carrier_code`` and ``tracking_numbers``) and
  ``PATCH /order-units/{id}/cancel`` cancels it with a ``reason``, which the request requires.
- CONFIRMED: the carrier codes, from the constants of Kaufland's own PHP SDK (hitmeister/api-sdk-php,
  ``src/Transfers/Constants.php``, ``CARRIER_CODE_*``). Kaufland adds carriers over time (``GET /carriers``
  lists them), so delivery stays an open section: an unknown code is a warning, not an error.
- CONFIRMED: return unit statuses, return reasons, ticket statuses and reasons, unit conditions, push
  notification event names, import file statuses (same OpenAPI document).
- Buyers pay Kaufland, not the seller: there are no payment codes (mapping files set ``defaults.payment``).
- ASSUMED: the transitions. Kaufland sends units that are ``need_to_be_sent`` (``open`` ones only after the
  seller marks them in fulfilment, ``PATCH /order-units/{id}/fulfil``) and cancels units not yet sent.
"""

from __future__ import annotations

from erpsync.marketplaces.base import Enumerations

STATUSES = {
    "open": "Open: ordered, not yet released for shipping",
    "need_to_be_sent": "To be shipped by the seller",
    "sent": "Sent",
    "received": "Received by the buyer",
    "returned": "Returned",
    "returned_paid": "Returned, the refund paid",
    "sent_and_autopaid": "Sent and paid out automatically",
    "cancelled": "Cancelled",
}

SETTABLE_STATUSES = {
    "sent": "Mark sent (carrier code and tracking number)",
    "cancelled": "Cancel (with a reason)",
}

CANCELLATION_REASONS = {
    "BuyerCancelled": "The buyer cancelled",
    "ShippingAddressUndeliverable": "The shipping address is undeliverable",
    "WrongCatalogData": "Wrong catalog data",
    "GeneralAdjustment": "General adjustment",
    "MerchandiseNotReceived": "Merchandise not received",
    "NoInventory": "No inventory",
    "DelayedInventory": "Inventory delayed",
    "WrongPrice": "Wrong price",
    "NoReactionBuyer": "No reaction from the buyer",
    "UndeliverableRegion": "Undeliverable region",
}

CARRIERS = {
    code: code
    for code in (
        "DHL",
        "DHL 2 MH",
        "DHL Express",
        "DHL Freight",
        "Deutsche Post",
        "DPD",
        "DPD France",
        "GLS",
        "Hermes",
        "Hermes 2 MH",
        "UPS",
        "Fedex",
        "TNT",
        "GEL",
        "Iloxx",
        "Iloxx Spedition",
        "IDS Logistik",
        "trans-o-flex",
        "Dachser",
        "Schenker",
        "Rhenus",
        "Kuehne & Nagel",
        "Hellmann",
        "Emons",
        "Cargoline",
        "Bursped",
        "Chronopost",
        "Correos",
        "La Poste",
        "Post Italiane",
        "Seur",
        "Spedition Guettler",
        "Trans FM",
        "Zufall",
        "dtl",
        "Marktanlieferung",
        "Other",
        "Other Hauler",
    )
}

# Statuses a unit may be in for each settable status (see the module docstring: assumed).
TRANSITIONS = {
    "sent": frozenset({"need_to_be_sent"}),
    "cancelled": frozenset({"open", "need_to_be_sent"}),
}

# Unit conditions (``UnitCondition``) as the units API and the inventory file take them.
UNIT_CONDITIONS = (
    "NEW",
    "USED___AS_NEW",
    "USED___VERY_GOOD",
    "USED___GOOD",
    "USED___ACCEPTABLE",
    "REFURBISHED___AS_NEW",
    "REFURBISHED___VERY_GOOD",
    "REFURBISHED___GOOD",
    "REFURBISHED___ACCEPTABLE",
)

STOREFRONTS = ("de", "cz", "sk", "pl", "at", "fr", "it")
STOREFRONT_CURRENCIES = {"de": "EUR", "at": "EUR", "sk": "EUR", "fr": "EUR", "it": "EUR", "cz": "CZK", "pl": "PLN"}

RETURN_UNIT_STATUSES = (
    "need_to_be_returned",
    "return_arrived",
    "return_accepted",
    "return_rejected",
    "return_closed",
    "return_in_repair",
    "return_in_clarification",
)
RETURN_STATUSES = ("return_requested", "label_generated", "package_sent", "package_received", "label_deleted")
RETURN_REASONS = (
    "accidentally_ordered",
    "bad_quality",
    "better_price",
    "defect",
    "delivered_damaged",
    "dislike",
    "misleading_description",
    "missing_parts",
    "no_reason",
    "too_late",
    "wrong_article",
    "wrong_size",
)
TICKET_STATUSES = ("opened", "buyer_closed", "seller_closed", "both_closed", "customer_service_closed_final")
TICKET_REASONS = (
    "product_not_as_described",
    "product_defect",
    "product_not_delivered",
    "product_return",
    "contact_other",
)

# Push notification events (``SubscriptionEventName``).
PUSH_EVENTS = (
    "order_new",
    "order_unit_new",
    "order_unit_status_changed",
    "item_changed",
    "category_changed",
    "return_new",
    "return_status_changed",
    "return_unit_status_changed",
    "item_unit_new",
    "item_unit_changed",
    "item_unit_deleted",
    "item_unit_out_of_stock",
    "item_unit_not_available",
    "item_unit_available",
)
ORDER_EVENTS = frozenset({"order_new", "order_unit_new", "order_unit_status_changed"})

# Import file statuses (``ImportStatus``): which ones end an import, and which of those failed.
IMPORT_FAILED_STATUSES = frozenset(
    {
        "DOWNLOADING_FAILED",
        "CONVERSION_FAILED",
        "PREPARING_FAILED",
        "CHECKING_FAILED",
        "PREPROCESSING_FAILED",
        "IMPORTING_FAILED",
        "IMPORTING_STOPPED",
        "ABORTED",
        "ERROR",
    }
)
IMPORT_FINAL_STATUSES = IMPORT_FAILED_STATUSES | {"IMPORTED", "DONE"}

ENUMS = Enumerations(
    statuses=STATUSES,
    settable_statuses=SETTABLE_STATUSES,
    cancellation_reasons=CANCELLATION_REASONS,
    reason_required_for=frozenset({"cancelled"}),
    delivery_methods=CARRIERS,
    transitions=TRANSITIONS,
    open_sections=frozenset({"delivery"}),
)
