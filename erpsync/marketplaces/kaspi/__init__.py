"""Kaspi.kz merchant API (seed 004): orders, status actions, partial cancel, product import, categories.

``CONNECTOR`` is what the registry builds for a shop of marketplace ``kaspi``.
"""

from erpsync.marketplaces.kaspi.connector import KaspiConnector

CONNECTOR = KaspiConnector

__all__ = ["CONNECTOR", "KaspiConnector"]
