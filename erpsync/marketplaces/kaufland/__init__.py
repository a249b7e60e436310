"""Kaufland Marketplace Seller API v2 (seed 002): signed requests, order units, units (offers), import
files, invoices, returns, tickets, reports and push notifications.

``CONNECTOR`` is what the registry builds for a shop of marketplace ``kaufland``.
"""

from erpsync.marketplaces.kaufland.connector import KauflandConnector

CONNECTOR = KauflandConnector

__all__ = ["CONNECTOR", "KauflandConnector"]
