"""Kasta HUB API (seed 000; docs/contracts/kasta.md): the category schema, product upload in batches of
at most 500 with a per-product result, moderation states, stock and prices, orders (read only).

``CONNECTOR`` is what the registry builds for a shop of marketplace ``kasta``.
"""

from erpsync.marketplaces.kasta.connector import KastaConnector

CONNECTOR = KastaConnector

__all__ = ["CONNECTOR", "KastaConnector"]
