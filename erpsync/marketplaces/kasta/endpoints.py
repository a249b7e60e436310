"""Every Kasta HUB API path erpsync uses, in one place, relative to the shop's base URL
(``https://hub.kasta.ua/api``). The client and the sandbox both read them from here, so correcting a
path is one edit. ``CONFIRMED`` paths are used by public clients (docs/contracts/kasta.md names
them); ``ASSUMED`` ones are not in any public source we found and are marked so in the contract.
"""

from __future__ import annotations

# catalog schema -----------------------------------------------------------------------------------
CATEGORIES = "supplier-content/category/all"  # GET → {"items": [group with "kinds"]}; CONFIRMED
CATEGORY_DETAILS = "supplier-content/category/details"  # GET ?kind_id=&affiliation_id= → {"schema"}; CONFIRMED

# product upload -----------------------------------------------------------------------------------
SUBMIT_IMAGE = "supplier-content/submit/image"  # POST {"url"} → {"path"}; CONFIRMED
# POST {"kind_id", "affiliation_id", "update", "data": [product]} → {"upload_id"}; CONFIRMED
SUBMIT_PRODUCTS = "supplier-content/submit/products"
SUBMIT_STATUS = "supplier-content/submit/status"  # GET ?upload_id= → state and per-product result; ASSUMED

# products, stock and prices -----------------------------------------------------------------------
# GET ?cursor=&barcode= → {"items", "cursor"}; CONFIRMED (an item's "status" field: ASSUMED)
PRODUCTS = "products/list"
UPDATE_STOCK = "products/update-stock"  # POST {"items": [{"barcode", "stock"}]}; CONFIRMED
UPDATE_PRICE = "products/update-price"  # POST {"items": [{"barcode", "old_price", "new_price"}]}; CONFIRMED

# orders -------------------------------------------------------------------------------------------
# GET ?limit=&cursor=&from= or ?order_id= → {"items", "cursor", "remains"}; CONFIRMED
ORDERS = "orders/list"

ASSUMED = frozenset({SUBMIT_STATUS})

__all__ = [
    "ASSUMED",
    "CATEGORIES",
    "CATEGORY_DETAILS",
    "ORDERS",
    "PRODUCTS",
    "SUBMIT_IMAGE",
    "SUBMIT_PRODUCTS",
    "SUBMIT_STATUS",
    "UPDATE_PRICE",
    "UPDATE_STOCK",
]
