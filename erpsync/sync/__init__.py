"""Use cases: import orders, push statuses / waybills / stock and prices, upload catalog, shops.

Each is marketplace-independent, runnable per shop, idempotent and logged.
"""
