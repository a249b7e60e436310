"""Prom.ua public API v1 (also Satu.kz: the same API at another base URL): orders, statuses with
cancellation reasons, waybills, stock and prices by external id, the shop's options and its YML catalog.

``CONNECTOR`` is what the registry builds for a shop of marketplace ``prom`` or ``satu``.
"""

from erpsync.marketplaces.prom.connector import PromConnector

CONNECTOR = PromConnector

__all__ = ["CONNECTOR", "PromConnector"]
