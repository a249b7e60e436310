"""Rozetka Seller API: login, orders with numeric statuses, waybills (TTN), stock and prices of items,
the live status table. Several Rozetka shops per database, each with its own session.

``CONNECTOR`` is what the registry builds for a shop of marketplace ``rozetka``.
"""

from erpsync.marketplaces.rozetka.connector import RozetkaConnector

CONNECTOR = RozetkaConnector

__all__ = ["CONNECTOR", "RozetkaConnector"]
