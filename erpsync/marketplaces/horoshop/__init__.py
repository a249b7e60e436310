"""Horoshop shop platform API (the merchant's own shop): orders, statuses, tracking code, stock and prices.

``CONNECTOR`` is what the registry builds for a shop of marketplace ``horoshop``.
"""

from erpsync.marketplaces.horoshop.connector import HoroshopConnector

CONNECTOR = HoroshopConnector

__all__ = ["CONNECTOR", "HoroshopConnector"]
