"""A shop's feed for people: its first offers as the next render writes them, why one product is or is not
in it, and how its last render went.

Everything here goes through the feeds' own code — the reader that picks the listed products, the
selection checks, the offer builder and the templates (``erpsync.feeds``) — exactly as a render does,
so the preview and the explanation can never disagree with the feed. Nothing is written: a preview
renders into memory, and only the products it shows are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import TemplateError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erpsync.core.config import Settings
from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.feeds.offers import Offer
from erpsync.feeds.publish import feed_url, prepare_shop, shop_feed_dir
from erpsync.feeds.reader import count_listed_products, iter_product_chunks
from erpsync.feeds.render import feed_environment, template_error
from erpsync.feeds.selection import Exclusion
from erpsync.feeds.specs import FEED_SPECS, feed_spec
from erpsync.models import Listing, Product, Shop, SyncRun
from erpsync.models.db import Database
from erpsync.sync.feeds import RUN_KIND

PREVIEW_MAX = 100  # offers a preview shows at most
LEFT_OUT_SHOWN = 50  # products left out that a preview lists at most

# Why a product is not read for a shop at all (the reader's conditions), before the selection checks.
NOT_LISTED = "not_listed"
NOT_UPLOADED = "upload_off"
INACTIVE = "inactive"
UNKNOWN_SKU = "unknown_sku"


@dataclass
class FeedPreview:
    """The first offers of a shop's feed, the products left out on the way to them, the feed's text."""

    shop: str
    marketplace: str
    filename: str
    offers: list[Offer]
    left_out: list[Exclusion]
    read: int  # listed products read to find these offers
    listed: int  # products listed for the shop (with the upload flag, active)
    text: str  # the feed's first file, holding only these offers


@dataclass(frozen=True)
class ProductVerdict:
    """Whether a product is in a shop's feed; if not, the reason code and the sentence of the feeds' rules."""

    sku: str
    in_feed: bool
    reason: str | None
    message: str
    offer: Offer | None = None


@dataclass(frozen=True)
class RenderedFile:
    filename: str
    url: str
    size: int | None  # None: not rendered yet
    modified_at: datetime | None


@dataclass(frozen=True)
class FeedStatus:
    """A feed shop's files with their URLs, and its last render in the sync log."""

    files: list[RenderedFile]
    last_run: SyncRun | None = None
    offers: int | None = None  # offers written by the last render


def _shop(database: Database, shop_id: int) -> Shop:
    with database.session() as session:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise NotFoundError(f"no shop #{shop_id}")
        session.expunge(shop)
    feed_spec(shop.marketplace)  # a clear error for a marketplace that reads no feed
    return shop


def _render_text(template: str, context: dict[str, object]) -> str:
    environment = feed_environment()
    try:
        return "".join(environment.get_template(template).generate(**context))
    except (TemplateError, TypeError, AttributeError, ValueError, KeyError, IndexError) as error:
        wrapped = template_error(error, Path(environment.loader.searchpath[0]))  # type: ignore[union-attr]
        if wrapped is not None:
            raise wrapped from None
        raise


def preview_feed(database: Database, settings: Settings, shop_id: int, limit: int = 20) -> FeedPreview:
    """The first ``limit`` offers (at most ``PREVIEW_MAX``) of the shop's feed, as the next render writes them.

    Raises ``ValidationError`` when the shop's settings do not allow a render (the render would fail the
    same way), ``MappingInvalid`` when its mapping does not pass the check."""
    shop = _shop(database, shop_id)
    limit = max(1, min(limit, PREVIEW_MAX))
    offers: list[Offer] = []
    left_out: list[Exclusion] = []
    read = 0
    with database.engine.connect() as connection:
        prepared = prepare_shop(connection, shop, settings.mappings_dir)
        listed = count_listed_products(connection, shop.id)
        chunks = iter_product_chunks(connection, shop_id=shop.id, marketplace=shop.marketplace,
                                     warehouse_ids=prepared.rules.warehouse_ids, chunk=max(limit, 100))
        try:
            for chunk in chunks:
                for product in chunk:
                    read += 1
                    result = prepared.builder.build(product)
                    if isinstance(result, Offer):
                        offers.append(result)
                    elif len(left_out) < LEFT_OUT_SHOWN:
                        left_out.append(result)
                    if len(offers) >= limit:
                        break
                if len(offers) >= limit:
                    break
        finally:
            chunks.close()
    first = prepared.spec.files[0]
    text = _render_text(first.template, {**prepared.context, "offers": iter(offers)})
    return FeedPreview(shop.name, shop.marketplace, first.filename, offers, left_out, read, listed, text)


def explain_product(database: Database, settings: Settings, shop_id: int, sku: str) -> ProductVerdict:
    """Whether the product ``sku`` is in the shop's feed, and if not, why (the first rule it fails)."""
    shop = _shop(database, shop_id)
    sku = sku.strip()
    if not sku:
        raise ValidationError("give the SKU of the product")
    with database.session() as session:
        refusal = _not_read(session, shop, sku)
        if refusal is not None:
            return refusal
        product_id = session.scalar(select(Product.id).where(Product.sku == sku))
    with database.engine.connect() as connection:
        prepared = prepare_shop(connection, shop, settings.mappings_dir)
        rows = [row for chunk in iter_product_chunks(
            connection, shop_id=shop.id, marketplace=shop.marketplace, warehouse_ids=prepared.rules.warehouse_ids,
            product_ids=[product_id]) for row in chunk]
    if not rows:  # the reader's conditions changed between the two reads
        return ProductVerdict(sku, False, NOT_LISTED, f"product {sku} is not among the products read for {shop.name}")
    result = prepared.builder.build(rows[0])
    if isinstance(result, Exclusion):
        return ProductVerdict(sku, False, result.reason, result.message)
    presence = {"available": "in stock", "unavailable": "shown as unavailable", "awaiting": "shown as awaiting stock"}
    return ProductVerdict(
        sku, True, None,
        f"product {sku} is in the feed of {shop.name}: price {result.price.price}, quantity {result.stock.quantity} "
        f"({presence.get(result.stock.presence, result.stock.presence)})", result,
    )


def _not_read(session: Session, shop: Shop, sku: str) -> ProductVerdict | None:
    """Why the feeds' reader does not read the product for the shop (``listed_products_query``'s
    conditions: listed for the shop, with the upload flag, active), or None when it does."""
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        return ProductVerdict(sku, False, UNKNOWN_SKU, f"there is no product with SKU {sku!r}")
    listing = session.scalar(select(Listing).where(Listing.shop_id == shop.id, Listing.product_id == product.id))
    if listing is None:
        return ProductVerdict(sku, False, NOT_LISTED, f"product {sku} is not listed for shop {shop.name}: only "
                              "products listed for a shop go to its feed")
    if not listing.upload:
        return ProductVerdict(sku, False, NOT_UPLOADED, f"product {sku} is listed for shop {shop.name} with "
                              "\"upload to the marketplace\" switched off")
    if not product.is_active:
        return ProductVerdict(sku, False, INACTIVE, f"product {sku} is switched off (inactive) in the accounting "
                              "database")
    return None


def feed_statuses(session: Session, settings: Settings, shops: list[Shop]) -> dict[int, FeedStatus]:
    """For each shop of a feed marketplace: its feed files' URLs, size and time, and its last render."""
    feed_shops = [shop for shop in shops if shop.marketplace in FEED_SPECS]
    if not feed_shops:
        return {}
    latest = (select(func.max(SyncRun.id)).where(SyncRun.kind == RUN_KIND,
                                                  SyncRun.shop_id.in_([s.id for s in feed_shops]))
              .group_by(SyncRun.shop_id))
    last_runs = {run.shop_id: run for run in session.scalars(select(SyncRun).where(SyncRun.id.in_(latest)))}
    statuses = {}
    for shop in feed_shops:
        folder = shop_feed_dir(settings.feed_dir, shop)
        files = []
        for feed_file in FEED_SPECS[shop.marketplace].files:
            path = folder / feed_file.filename
            stat = path.stat() if path.is_file() else None
            files.append(RenderedFile(
                feed_file.filename, feed_url(settings.public_url, shop, feed_file.filename),
                stat.st_size if stat else None,
                datetime.fromtimestamp(stat.st_mtime, UTC) if stat else None,
            ))
        run = last_runs.get(shop.id)
        statuses[shop.id] = FeedStatus(files, run, run.created if run is not None else None)
    return statuses


__all__ = [
    "PREVIEW_MAX",
    "FeedPreview",
    "FeedStatus",
    "ProductVerdict",
    "explain_product",
    "feed_statuses",
    "preview_feed",
]
