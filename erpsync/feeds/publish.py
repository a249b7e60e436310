"""Rendering one shop's feed file(s): settings checked, rules prepared, offers streamed, files written.

This is the adapter the render use case (``erpsync.sync.feeds``) calls; it writes no sync log itself:
excluded products go to a callback, and the counts come back in ``RenderStats``.

Files go to ``<feed dir>/<shop id>-<shop slug>/<file name>`` and are served at
``<public URL>/feeds/<shop feed token>/<file name>`` (see ``feed_url``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slugify import slugify
from sqlalchemy import Connection, select

from erpsync.core.errors import ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.feeds.catalog_map import CatalogMapping, MappingCatalog, OwnCatalog
from erpsync.feeds.offers import OfferBuilder, OfferSettings, iter_offers
from erpsync.feeds.reader import count_listed_products, iter_product_chunks, listed_category_ids
from erpsync.feeds.render import category_tree, feed_date, feed_environment, name_paths, render_to_file
from erpsync.feeds.selection import Exclusion, ShopRules
from erpsync.feeds.specs import FeedFile, FeedSpec, feed_spec
from erpsync.mapping import load_mapping
from erpsync.models import Category, Shop, Warehouse
from erpsync.models.db import Database
from erpsync.models.shop_settings import effective_settings

KAUFLAND_LOCALES = {
    "de": ("de-DE", "EUR"), "at": ("de-AT", "EUR"), "sk": ("sk-SK", "EUR"), "fr": ("fr-FR", "EUR"),
    "it": ("it-IT", "EUR"), "cz": ("cs-CZ", "CZK"), "pl": ("pl-PL", "PLN"),
}


@dataclass
class RenderedFile:
    filename: str
    path: Path
    size: int
    offers: int


@dataclass
class RenderStats:
    """What one render of a shop's feed did."""

    shop: str
    marketplace: str
    considered: int = 0  # listed products read
    offers: int = 0  # offers written (per file)
    excluded: Counter[str] = field(default_factory=Counter)  # reason -> products
    files: list[RenderedFile] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def shop_feed_dir(feed_dir: Path, shop: Shop) -> Path:
    """The folder of a shop's rendered feeds."""
    return feed_dir / f"{shop.id}-{slugify(shop.name) or 'shop'}"


def feed_url(public_url: str, shop: Shop, filename: str) -> str:
    """The unguessable URL a marketplace downloads a shop's feed file from."""
    return f"{public_url.rstrip('/')}/feeds/{shop.feed_token}/{filename}"


def feed_urls(public_url: str, shop: Shop) -> list[str]:
    return [feed_url(public_url, shop, f.filename) for f in feed_spec(shop.marketplace).files]


def _require_settings(shop: Shop, spec: FeedSpec, settings: Mapping[str, Any]) -> None:
    missing = [key for key in spec.required_settings if not settings.get(key)]
    if missing:
        example = " ".join(f"--setting {key}=…" for key in missing)
        raise ValidationError(
            f"shop {shop.name}: the {shop.marketplace} feed needs the setting(s) {', '.join(missing)}",
            hint=f"erpsync shop set {shop.name} {example}",
        )


def _warehouse_ids(connection: Connection, shop: Shop, codes: list[str]) -> dict[str, int]:
    known = {code: wid for wid, code in connection.execute(select(Warehouse.id, Warehouse.code))}
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            f"shop {shop.name}: unknown warehouse code(s) {', '.join(unknown)} "
            f"(warehouses: {', '.join(sorted(known)) or 'none'})"
        )
    return known


def catalog_mapping_for(shop: Shop, spec: FeedSpec, connection: Connection, mappings_dir: Path) -> CatalogMapping:
    """The category/characteristic mapping of a shop's feed: own tree, or the mapping files."""
    if not spec.needs_marketplace_category:
        return OwnCatalog()
    mapping = load_mapping(mappings_dir, shop.marketplace, shop=shop.name)
    rows = connection.execute(select(Category.id, Category.parent_id, Category.name)).all()
    return MappingCatalog(mapping, name_paths(rows))


@dataclass(frozen=True, slots=True)
class FeedHeader:
    """The shop as the templates see it (``shop.company``, ``shop.currency`` …)."""

    name: str
    marketplace: str
    company: str
    url: str
    merchant_id: str
    currency: str
    locale: str
    handling_time: int


@dataclass
class PreparedShop:
    spec: FeedSpec
    rules: ShopRules
    builder: OfferBuilder
    context: dict[str, Any]


def prepare_shop(connection: Connection, shop: Shop, mappings_dir: Path) -> PreparedShop:
    """Check a shop's settings and build its rules, offer builder and template header."""
    spec = feed_spec(shop.marketplace)
    settings = effective_settings(shop.settings or {})
    _require_settings(shop, spec, settings)
    codes = list(settings.get("warehouses") or [])
    store_codes = dict(settings.get("store_ids") or {})
    known = _warehouse_ids(connection, shop, codes + list(store_codes))
    warehouse_ids = {known[c] for c in codes} if codes else None
    rules = ShopRules.from_settings(
        shop.marketplace, settings, warehouse_ids, sku_rule=spec.sku_rule, needs_barcode=spec.needs_barcode,
        needs_photo=spec.needs_photo, needs_brand=spec.needs_brand,
    )
    content = OfferSettings(
        photo_base_url=settings.get("photo_base_url") or "",
        product_url=settings.get("product_url") or "",
        store_ids={known[code]: store for code, store in store_codes.items()},
        city_ids=tuple(settings.get("city_ids") or ()),
        preorder_days=int(settings.get("preorder_days") or 0),
        with_content=spec.with_content,
    )
    builder = OfferBuilder(rules, catalog_mapping_for(shop, spec, connection, mappings_dir), content)
    locale, currency = KAUFLAND_LOCALES.get(settings.get("storefront") or "de", ("de-DE", "EUR"))
    if shop.marketplace != "kaufland":
        currency = marketplace_info(shop.marketplace).currency
    context = {
        "shop": FeedHeader(
            name=shop.name, marketplace=shop.marketplace, company=settings.get("company") or "",
            url=settings.get("url") or "", merchant_id=settings.get("merchant_id") or "",
            currency=settings.get("currency") or currency, locale=locale,
            handling_time=int(settings.get("handling_time_days") or 1),
        ),
        "date": feed_date(),
    }
    if spec.kind == "yml":
        rows = connection.execute(select(Category.id, Category.parent_id, Category.name, Category.name_ru)).all()
        context["categories"] = category_tree(rows, listed_category_ids(connection, shop.id))
    return PreparedShop(spec, rules, builder, context)


def _target(spec: FeedSpec, feed_file: FeedFile, default_dir: Path, out: Path | None) -> Path:
    if out is None:
        return default_dir / feed_file.filename
    if len(spec.files) > 1:
        return out / feed_file.filename  # several files: --out names a folder
    return out


def render_shop(
    database: Database,
    shop: Shop,
    feed_dir: Path,
    *,
    mappings_dir: Path = Path("mappings"),
    out: Path | None = None,
    on_excluded: Callable[[Exclusion], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    chunk: int | None = None,
) -> RenderStats:
    """Render every file of ``shop``'s feed; excluded products (reported once) go to ``on_excluded``.

    ``on_progress(done, total)`` is called after each chunk of products, per file.
    """
    started = time.monotonic()
    stats = RenderStats(shop.name, shop.marketplace)
    environment = feed_environment()
    with database.engine.connect() as connection:
        prepared = prepare_shop(connection, shop, mappings_dir)
        total = count_listed_products(connection, shop.id) if on_progress else 0
        for index, feed_file in enumerate(prepared.spec.files):
            first = index == 0
            done = 0

            def excluded(exclusion: Exclusion, first: bool = first) -> None:
                if first:
                    stats.excluded[exclusion.reason] += 1
                    if on_excluded is not None:
                        on_excluded(exclusion)

            def progressed(count: int) -> None:
                nonlocal done
                done += count
                if on_progress is not None:
                    on_progress(done, total)

            counter = _Counter()
            chunks = iter_product_chunks(
                connection, shop_id=shop.id, marketplace=shop.marketplace,
                warehouse_ids=prepared.rules.warehouse_ids, **({"chunk": chunk} if chunk else {}),
            )
            offers = counter.wrap(iter_offers(chunks, prepared.builder, on_excluded=excluded, on_chunk=progressed))
            target = _target(prepared.spec, feed_file, shop_feed_dir(feed_dir, shop), out)
            size = render_to_file(environment, feed_file.template, {**prepared.context, "offers": offers}, target)
            stats.files.append(RenderedFile(feed_file.filename, target, size, counter.count))
            if first:
                stats.considered = done
                stats.offers = counter.count
    stats.seconds = time.monotonic() - started
    return stats


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def wrap(self, items: Any) -> Any:
        for item in items:
            self.count += 1
            yield item


__all__ = [
    "PreparedShop",
    "RenderStats",
    "RenderedFile",
    "catalog_mapping_for",
    "feed_url",
    "feed_urls",
    "prepare_shop",
    "render_shop",
    "shop_feed_dir",
]
