"""Use case: follow a shop's products on its marketplace — each listing's state (``moderation``,
``active``, ``rejected``, ``inactive``), external id and the reason of a refusal — for connectors that
can list their products with a state (Kasta: seed 000's "New products" tab is moderation).

The stock and price pushes (``erpsync.sync.push_stock_prices``) leave alone the listings in the states
the connector names in ``no_push_listing_states`` (Kasta: ``new``, ``moderation``, ``rejected``,
``deleted`` — seed 000: "for products in the New status, prices and stock will not be updated"), so
this refresh is what lets an approved product's stock and prices go out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erpsync.core.errors import Unsupported, ValidationError
from erpsync.marketplaces.base import CAP_PRODUCT_STATES
from erpsync.marketplaces.registry import connector_class
from erpsync.models import Listing, Product
from erpsync.sync.connectors import connector_for
from erpsync.sync.context import RunContext

KIND = "listing_states"


def reports_states(marketplace: str) -> bool:
    """Whether the marketplace's connector lists its products with a state (the schedule's filter)."""
    try:
        return CAP_PRODUCT_STATES in connector_class(marketplace).capabilities
    except ValidationError:
        return False


def refresh_listing_states(run: RunContext) -> dict[str, Any]:
    """The job: read every product of the shop on its marketplace and update the listings' states."""
    with run.database.session() as session:
        shop = run.shop(session)
        connector = connector_for(shop, run.config.require_secret_key())
        marketplace, shop_id = shop.marketplace, shop.id
    with connector:
        if CAP_PRODUCT_STATES not in connector.capabilities:
            raise Unsupported(marketplace, "reading product states")
        states = list(connector.product_states())
    run.log.counts.fetched = len(states)
    changed, unknown, moved = 0, [], {}
    with run.database.session() as session:
        listings = {sku: listing for listing, sku in session.execute(
            select(Listing, Product.sku).join(Product, Product.id == Listing.product_id)
            .where(Listing.shop_id == shop_id))}
        for state in states:
            listing = listings.get(state.sku)
            if listing is None:
                unknown.append(state.sku)
                continue
            before = (listing.state, listing.external_id, listing.last_error)
            listing.state = state.state
            listing.external_id = state.external_id or listing.external_id
            if state.state == "rejected":
                listing.last_error = state.message or listing.last_error or f"refused by {marketplace}"
            elif listing.last_error and before[0] in ("moderation", "rejected"):
                listing.last_error = None
            if (listing.state, listing.external_id, listing.last_error) != before:
                changed += 1
                if before[0] != listing.state:
                    moved[f"{before[0]} → {listing.state}"] = moved.get(f"{before[0]} → {listing.state}", 0) + 1
    run.log.counts.updated, run.log.counts.skipped = changed, len(unknown)
    if unknown:
        run.log.info(f"{len(unknown)} products on {marketplace} have no listing in this shop: "
                     f"{', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}")
    summary = ", ".join(f"{count} {change}" for change, count in sorted(moved.items())) or "no state changed"
    run.log.info(f"{len(states)} products on {marketplace}: {summary}")
    return {"products": len(states), "changed": changed, "unknown": len(unknown), "moved": moved}


__all__ = ["KIND", "refresh_listing_states", "reports_states"]
