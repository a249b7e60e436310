"""Zakupka.com: catalog by YML feed, new orders from a CommerceML orders file (one way, seed 003).

``CONNECTOR`` is what the registry builds for a shop of marketplace ``zakupka``.
"""

from erpsync.marketplaces.zakupka.connector import ZakupkaConnector

CONNECTOR = ZakupkaConnector

__all__ = ["CONNECTOR", "ZakupkaConnector"]
