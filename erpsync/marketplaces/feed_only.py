"""A connector for a marketplace erpsync reaches through a published catalog feed only.

Epicentr and Hubber read the YML catalog erpsync publishes (``erpsync/feeds``); their order APIs
could not be confirmed from public material (docs/contracts/epicentr.md, hubber.md), so these
connectors declare ``CAP_FEED`` alone and every API operation answers ``Unsupported`` naming the
marketplace and the operation (the base class does that).
"""

from __future__ import annotations

from typing import Any, ClassVar

from erpsync.marketplaces.base import CAP_FEED, Connector, ShopConfig


class FeedOnlyConnector(Connector):
    """A marketplace that pulls our feed and offers no API we can rely on."""

    capabilities: ClassVar[frozenset[str]] = frozenset({CAP_FEED})

    def __init__(self, shop: ShopConfig, **options: Any) -> None:
        super().__init__(shop)  # options (retry, transport, …) have nothing to configure here
