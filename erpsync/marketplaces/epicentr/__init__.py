"""Epicentr marketplace: the catalog as a YML feed (``feed_templates/epicentr.yml.j2``).

Epicentr's order API (OMS) is documented only inside the seller cabinet; the public material found
(third-party clients, docs/contracts/epicentr.md) disagrees on versions, paging and fields, so no
order operation is built on it: every one answers "epicentr does not support …".
``CONNECTOR`` is what the registry builds for a shop of marketplace ``epicentr``.
"""

from erpsync.marketplaces.epicentr.enums import ENUMS
from erpsync.marketplaces.feed_only import FeedOnlyConnector


class EpicentrConnector(FeedOnlyConnector):
    """One Epicentr shop: the feed only."""

    name = "epicentr"
    enums = ENUMS


CONNECTOR = EpicentrConnector

__all__ = ["CONNECTOR", "EpicentrConnector"]
