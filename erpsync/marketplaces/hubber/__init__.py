"""Hubber dropshipping platform: the catalog as a YML feed (``feed_templates/hubber.yml.j2``).

Seed 003 says Hubber is connected with a login and a password and serves orders and its catalog, but
no public description of that API was found (docs/contracts/hubber.md): every API operation answers
"hubber does not support …" until its contract is known.
``CONNECTOR`` is what the registry builds for a shop of marketplace ``hubber``.
"""

from erpsync.marketplaces.feed_only import FeedOnlyConnector
from erpsync.marketplaces.hubber.enums import ENUMS


class HubberConnector(FeedOnlyConnector):
    """One Hubber shop: the feed only."""

    name = "hubber"
    enums = ENUMS


CONNECTOR = HubberConnector

__all__ = ["CONNECTOR", "HubberConnector"]
