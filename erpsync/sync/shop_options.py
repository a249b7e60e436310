"""The options a seller configured in a marketplace's cabinet — delivery and payment options, a
company's own order statuses — read through the shop's connector, for the mapping editor (and
``erpsync shop options``): the codes orders carry, with their names, to map in the shop's mapping file.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from erpsync.core.errors import Unsupported, ValidationError
from erpsync.marketplaces.base import CAP_SHOP_OPTIONS, ShopOption
from erpsync.sync.connectors import connector_for
from erpsync.sync.shops import get_shop

SECTIONS = ("delivery", "payment", "statuses")


def shop_options(session: Session, shop_name: str, section: str, *, secret_key: str) -> list[ShopOption]:
    """The shop's ``section`` options on its marketplace (one request through its connector)."""
    if section not in SECTIONS:
        raise ValidationError(f"unknown section {section!r}: one of {', '.join(SECTIONS)}")
    shop = get_shop(session, shop_name)
    with connector_for(shop, secret_key) as connector:
        if CAP_SHOP_OPTIONS not in connector.capabilities:
            raise Unsupported(shop.marketplace, f"listing the shop's {section} options")
        return connector.shop_options(section)
