"""Turning a product row into the offer a feed template renders, or into an exclusion.

``OfferBuilder.build`` applies, for one shop, the selection checks (``selection``), the price rule
(``pricing``), the stock rule (``stock``) and the catalog mapping (``catalog_map``), and prepares
the content: names in each language, the description (the "description for marketplaces" when set),
photos as absolute URLs (main first, no duplicates), params, a transliterated slug.

Every text is cleaned of the characters XML 1.0 cannot carry (control characters other than tab,
line feed and carriage return, U+FFFE/U+FFFF, lone surrogates), so nothing stored in the database can
break a document; the templates' autoescape does the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from slugify import slugify

from erpsync.feeds.catalog_map import CatalogMapping, Param, Rejection
from erpsync.feeds.pricing import PriceBlock, price_block
from erpsync.feeds.reader import ProductRow
from erpsync.feeds.selection import Exclusion, ShopRules, check_identity, check_offer
from erpsync.feeds.stock import StockState, available_by_warehouse, available_quantity, stock_state

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str | None) -> str:
    """``text`` without the characters an XML 1.0 document cannot contain ('' for ``None``)."""
    if not text:
        return ""
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def _as_text(text: str | None) -> str:
    return text or ""


@dataclass(frozen=True, slots=True)
class StoreAvailability:
    """Kaspi: one pickup point's availability of an offer."""

    store_id: str
    available: bool
    stock_count: int
    pre_order: int | None = None


@dataclass(slots=True)
class Offer:
    """One product as a feed template sees it (texts cleaned, prices rounded, stock decided)."""

    id: int
    sku: str
    barcode: str
    name: str  # Ukrainian (the accounting database's main name)
    name_ru: str  # Russian, or the main name when none
    name_kk: str  # Kazakh, or the Russian name when none
    brand: str
    model: str
    description: str  # HTML: the description for marketplaces when set, else the product's description
    category_id: int | None
    category: str | None  # the marketplace category (own category id for own-tree feeds)
    photos: list[str]
    params: list[Param]
    price: PriceBlock
    stock: StockState
    unit: str
    weight_kg: Decimal | None
    length_cm: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    release_date: date | None
    url: str = ""
    stores: list[StoreAvailability] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """A transliterated Latin slug of the name (``smartfon-samsung-ab-1234``)."""
        return slugify(self.name) or slugify(self.sku)

    @property
    def available(self) -> bool:
        return self.stock.quantity > 0


@dataclass(frozen=True)
class OfferSettings:
    """Per-shop content settings the builder needs besides the rules."""

    photo_base_url: str = ""
    product_url: str = ""  # with {sku}, {slug}, {id}
    store_ids: Mapping[int, str] = field(default_factory=dict)  # warehouse id -> Kaspi store id
    city_ids: tuple[str, ...] = ()
    preorder_days: int = 0
    with_content: bool = True  # False: a price list (Kaspi) that carries no description, photos or params


class OfferBuilder:
    """Builds a shop's offers from product rows."""

    def __init__(self, rules: ShopRules, mapping: CatalogMapping, content: OfferSettings) -> None:
        self.rules = rules
        self.mapping = mapping
        self.content = content
        self._photo_base = content.photo_base_url.rstrip("/")
        self._url_has_slug = "{slug}" in content.product_url

    def build(self, product: ProductRow) -> Offer | Exclusion:
        rules = self.rules
        excluded = check_identity(product, rules)
        if excluded is not None:
            return excluded
        category = self.mapping.category(product.category_id)
        if isinstance(category, Rejection):
            return Exclusion(product.sku, category.reason, category.message)
        params: list[Param] | Rejection = []
        if self.content.with_content:
            params = self.mapping.params(category, product.characteristics)
            if isinstance(params, Rejection):
                return Exclusion(product.sku, params.reason, params.message)
        prices = price_block(
            product.prices, marketplace=rules.marketplace, price_type=rules.price_type,
            min_wholesale_qty=product.min_wholesale_qty, city_ids=self.content.city_ids,
        )
        quantity = available_quantity(
            product.stock, product.reserved, rules.warehouse_ids,
            track_stock=product.track_stock, default_quantity=rules.default_quantity,
        )
        stock = stock_state(quantity, tracked=product.track_stock, zero_stock=rules.zero_stock)
        excluded = check_offer(product, rules, prices, stock)
        if excluded is not None:
            return excluded
        assert prices is not None and stock is not None
        return self._offer(product, prices, stock, category, params)

    def _offer(
        self, product: ProductRow, prices: PriceBlock, stock: StockState, category: str | None, params: list[Param]
    ) -> Offer:
        with_content = self.content.with_content
        description = (product.marketplace_description or product.description_html or "") if with_content else ""
        photos = product.photos if with_content else []
        texts = [product.sku, product.barcode or "", product.name_uk, product.name_ru or "", product.name_kk or "",
                 product.brand or "", product.model or "", description, category or "", *photos]
        for param in params:
            texts += (param.name, param.value, param.unit or "")
        # one search over every text of the product: cleaning field by field only when something is there
        clean = clean_text if _NOT_XML.search("\n".join(texts)) else _as_text
        name = clean(product.name_uk)
        name_ru = clean(product.name_ru) or name
        offer = Offer(
            id=product.id,
            sku=clean(product.sku),
            barcode=clean(product.barcode),
            name=name,
            name_ru=name_ru,
            name_kk=clean(product.name_kk) or name_ru,
            brand=clean(product.brand),
            model=clean(product.model),
            description=clean(description),
            category_id=product.category_id,
            category=clean(category) if category else None,
            photos=self._photos(photos, clean),
            params=[Param(clean(p.name), clean(p.value), clean(p.unit) or None) for p in params]
            if clean is clean_text else params,
            price=prices,
            stock=stock,
            unit=product.unit,
            weight_kg=product.weight_kg,
            length_cm=product.length_cm,
            width_cm=product.width_cm,
            height_cm=product.height_cm,
            release_date=product.release_date,
        )
        if self.content.product_url:
            slug = offer.slug if self._url_has_slug else ""
            offer.url = clean_text(self.content.product_url.format(sku=offer.sku, slug=slug, id=offer.id))
        if self.content.store_ids:
            offer.stores = self._stores(product, stock)
        return offer

    def _photos(self, photos: Iterable[str], clean: Callable[[str | None], str]) -> list[str]:
        seen: dict[str, None] = {}
        for photo in photos:
            url = clean(photo).strip()
            if not url:
                continue
            if "://" not in url and self._photo_base:
                url = f"{self._photo_base}/{url.lstrip('/')}"
            seen.setdefault(url, None)
        return list(seen)

    def _stores(self, product: ProductRow, stock: StockState) -> list[StoreAvailability]:
        """Kaspi availabilities: one per warehouse that has a store id."""
        if product.track_stock:
            free = available_by_warehouse(product.stock, product.reserved, self.rules.warehouse_ids)
        else:
            free = {warehouse_id: stock.quantity for warehouse_id in self.content.store_ids}
        stores = []
        awaiting = stock.presence == "awaiting"
        for warehouse_id, store_id in self.content.store_ids.items():
            if self.rules.warehouse_ids is not None and warehouse_id not in self.rules.warehouse_ids:
                continue
            count = free.get(warehouse_id, 0)
            pre_order = self.content.preorder_days if (awaiting and count == 0 and self.content.preorder_days) else None
            stores.append(StoreAvailability(clean_text(store_id), count > 0 or pre_order is not None, count, pre_order))
        return stores


def iter_offers(
    chunks: Iterable[list[ProductRow]],
    builder: OfferBuilder,
    *,
    on_excluded: Callable[[Exclusion], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[Offer]:
    """The offers of the rows in ``chunks``; excluded products go to ``on_excluded``."""
    for chunk in chunks:
        for product in chunk:
            result = builder.build(product)
            if isinstance(result, Offer):
                yield result
            elif on_excluded is not None:
                on_excluded(result)
        if on_chunk is not None:
            on_chunk(len(chunk))


__all__ = ["Offer", "OfferBuilder", "OfferSettings", "StoreAvailability", "clean_text", "iter_offers"]
