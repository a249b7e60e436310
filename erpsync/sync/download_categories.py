"""Use case: download a marketplace's category tree, and the attributes of categories with their
allowed values (the "schema"), into ``marketplace_categories``, ``marketplace_attributes`` and
``marketplace_attribute_values`` — for any connector with the categories capability (Kaspi, Kasta, …).

The tree is replaced as a whole: new categories are added, changed ones updated, and categories the
marketplace no longer has are removed with their attributes (so ``erpsync mappings check`` then names
a mapping that points at one). Attributes are downloaded for the categories the shop's mapping file
uses (``categories`` and ``characteristics``), those asked for by code, or every leaf
(``all_attributes``); each category is replaced in a transaction of its own, so one that fails is
logged and the others still arrive. Select attributes whose values the marketplace lists separately
(Kaspi) get them with one more request each.

The mapping validator (``erpsync.mapping.tree``) checks category, attribute and value codes against
these tables, and the catalog upload (``erpsync.sync.upload_catalog``) enforces mandatory attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from erpsync.core.errors import ErpsyncError, MarketplaceError, NotFoundError, PayloadError, Unsupported
from erpsync.mapping import load_mapping
from erpsync.marketplaces.base import CAP_CATEGORIES, Attribute, Category, Connector
from erpsync.models import MarketplaceAttribute, MarketplaceAttributeValue, MarketplaceCategory, utcnow
from erpsync.models.db import Database
from erpsync.sync.connectors import connector_for
from erpsync.sync.context import RunContext

KIND = "categories"


@dataclass
class CategoryDownload:
    """What a download changed."""

    categories: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    attribute_categories: int = 0  # categories whose attributes were downloaded
    attributes: int = 0
    values: int = 0
    failed: int = 0


def download_categories(run: RunContext) -> dict[str, Any]:
    """The job: params ``categories`` (codes whose attributes to download besides the mapped ones) and
    ``all_attributes`` (every leaf category's attributes)."""
    with run.database.session() as session:
        shop = run.shop(session)
        marketplace, shop_name = shop.marketplace, shop.name
        connector = connector_for(shop, run.config.require_secret_key())
    if CAP_CATEGORIES not in connector.capabilities:
        connector.close()
        raise Unsupported(marketplace, "downloading categories")
    asked = _codes(run.params.get("categories"))
    with connector:
        tree = list(connector.list_categories())
        result = store_tree(run.database, marketplace, tree)
        run.log.counts.fetched = len(tree)
        run.log.counts.created, run.log.counts.updated = result.created, result.updated
        leaves = {c.code for c in tree if c.is_leaf}
        if run.params.get("all_attributes"):
            wanted = sorted(leaves)
        else:
            wanted = _wanted(run, marketplace, shop_name, asked, {c.code for c in tree})
        for number, code in enumerate(wanted, 1):
            run.progress(number, len(wanted), f"attributes of {code}")
            _download_attributes(run, connector, marketplace, code, result)
    run.log.counts.failed = result.failed
    summary = (f"{result.categories} categories ({result.created} new, {result.removed} removed); attributes of "
               f"{result.attribute_categories} categories: {result.attributes} attributes, {result.values} values")
    run.log.info(summary, entity_type="shop", entity_id=shop_name)
    return asdict(result)


def _codes(value: Any) -> list[str]:
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [str(code).strip() for code in items if str(code).strip()]


def _wanted(run: RunContext, marketplace: str, shop: str, asked: Sequence[str], known: set[str]) -> list[str]:
    """The categories whose attributes to download: those asked for and those the shop's mapping uses."""
    mapped: list[str] = []
    try:
        mapping = load_mapping(run.config.mappings_dir, marketplace, shop)
    except ErpsyncError as error:
        run.log.warning(f"the {marketplace} mapping cannot be read ({error}): only the categories asked for get "
                        "their attributes")
    else:
        mapped = [str(code) for code in mapping.section("categories").values() if code is not None]
        mapped += [str(code) for code in mapping.section("characteristics")]
    wanted = list(dict.fromkeys([*asked, *mapped]))
    for code in wanted:
        if code not in known:
            where = "asked for" if code in asked else "named in the mapping"
            run.log.warning(f"{marketplace} has no category {code!r} ({where}): its attributes are not downloaded",
                            entity_type="category", entity_id=code)
    return [code for code in wanted if code in known]


def store_tree(database: Database, marketplace: str, tree: Iterable[Category]) -> CategoryDownload:
    """Replace the stored tree of ``marketplace`` with ``tree`` (one transaction)."""
    result = CategoryDownload()
    now = utcnow()
    with database.session() as session:
        existing = {row.code: row for row in session.scalars(
            select(MarketplaceCategory).where(MarketplaceCategory.marketplace == marketplace))}
        seen: set[str] = set()
        for category in tree:
            if category.code in seen:
                continue
            seen.add(category.code)
            row = existing.get(category.code)
            if row is None:
                session.add(MarketplaceCategory(marketplace=marketplace, code=category.code, title=category.title,
                                                parent_code=category.parent_code, is_leaf=category.is_leaf,
                                                downloaded_at=now))
                result.created += 1
                continue
            if (row.title, row.parent_code, row.is_leaf) != (category.title, category.parent_code, category.is_leaf):
                row.title, row.parent_code, row.is_leaf = category.title, category.parent_code, category.is_leaf
                result.updated += 1
            row.downloaded_at = now
        gone = [code for code in existing if code not in seen]
        if gone:
            session.execute(delete(MarketplaceCategory).where(MarketplaceCategory.marketplace == marketplace,
                                                              MarketplaceCategory.code.in_(gone)))
            _delete_attributes(session, marketplace, gone)
        result.removed = len(gone)
        result.categories = len(seen)
    return result


def _delete_attributes(session: Session, marketplace: str, category_codes: Sequence[str]) -> None:
    ids = list(session.scalars(select(MarketplaceAttribute.id).where(
        MarketplaceAttribute.marketplace == marketplace, MarketplaceAttribute.category_code.in_(category_codes))))
    if ids:
        session.execute(delete(MarketplaceAttributeValue).where(MarketplaceAttributeValue.attribute_id.in_(ids)))
        session.execute(delete(MarketplaceAttribute).where(MarketplaceAttribute.id.in_(ids)))


def _download_attributes(run: RunContext, connector: Connector, marketplace: str, code: str,
                         result: CategoryDownload) -> None:
    try:
        attributes = [_with_values(connector, code, attribute) for attribute in connector.list_attributes(code)]
    except (MarketplaceError, PayloadError, NotFoundError) as error:
        if getattr(error, "status_code", None) in (401, 403):
            raise
        result.failed += 1
        run.log.error(f"attributes of {marketplace} category {code} were not downloaded: {error}",
                      entity_type="category", entity_id=code, payload=getattr(error, "exchange", None))
        return
    values = store_attributes(run.database, marketplace, code, attributes)
    result.attribute_categories += 1
    result.attributes += len(attributes)
    result.values += values


def _with_values(connector: Connector, code: str, attribute: Attribute) -> Attribute:
    """A select attribute whose values come separately (Kaspi) gets them; others are returned as they are."""
    if attribute.values or attribute.value_type != "enum":
        return attribute
    try:
        values = connector.list_attribute_values(code, attribute.code)
    except Unsupported:
        return attribute
    return Attribute(attribute.code, attribute.title, attribute.value_type, attribute.multi_valued,
                     attribute.mandatory, attribute.unit, tuple(values))


def store_attributes(database: Database, marketplace: str, category_code: str,
                     attributes: Sequence[Attribute]) -> int:
    """Replace the stored attributes (and their values) of one category; returns the number of values."""
    stored = 0
    with database.session() as session:
        existing = {row.code: row for row in session.scalars(
            select(MarketplaceAttribute)
            .where(MarketplaceAttribute.marketplace == marketplace, MarketplaceAttribute.category_code == category_code)
            .options(selectinload(MarketplaceAttribute.values)))}
        for attribute in attributes:
            row = existing.pop(attribute.code, None)
            if row is None:
                row = MarketplaceAttribute(marketplace=marketplace, category_code=category_code, code=attribute.code)
                session.add(row)
            row.title, row.value_type, row.unit = attribute.title, attribute.value_type, attribute.unit
            row.multi_valued, row.mandatory = attribute.multi_valued, attribute.mandatory
            unique = {value.code: value.name for value in attribute.values}
            current = {value.code: value for value in row.values}
            for value_code, name in unique.items():
                if value_code in current:
                    current.pop(value_code).name = name
                else:
                    row.values.append(MarketplaceAttributeValue(code=value_code, name=name))
            for leftover in current.values():
                row.values.remove(leftover)
            stored += len(unique)
        for row in existing.values():
            session.delete(row)
    return stored


__all__ = ["KIND", "CategoryDownload", "download_categories", "store_attributes", "store_tree"]
