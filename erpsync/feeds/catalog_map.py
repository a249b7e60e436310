"""The seam between feeds and category / characteristic mapping.

A feed asks a ``CatalogMapping`` two things about a product: the marketplace category to file it
under, and the ``param`` lines (name, value, unit) its characteristics become. Feeds that carry the
seller's own category tree (YML: Prom, Satu, Rozetka, Epicentr, Hubber, Zakupka; the Kaspi price
list) use ``OwnCatalog``: the product's own category and its own characteristics, as they are.

Marketplaces that need their own category (Kaufland's product data file) use ``CategoryMap``: a
product whose category (or a parent of it) has no marketplace category is left out of the feed.
Until the mapping files (``erpsync.mapping``) provide categories and characteristic mappings, the
category map comes from the shop setting ``category_map`` (own category path → marketplace
category). Replacing ``catalog_mapping_for`` is the only change the mapping files need here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from erpsync.feeds.reader import Characteristic


@dataclass(frozen=True, slots=True)
class Param:
    """A characteristic as a marketplace receives it (YML ``<param name=… unit=…>value</param>``)."""

    name: str
    value: str
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a product's category or characteristics cannot go to the marketplace."""

    reason: str  # a code: no_category_mapping | characteristic_value_not_allowed
    message: str


class CatalogMapping(Protocol):
    """What a feed needs to know about categories and characteristics for one marketplace."""

    requires_category: bool

    def category(self, category_id: int | None) -> str | Rejection | None:
        """The marketplace category of a product in ``category_id``, or a rejection."""

    def params(self, category: str | None, characteristics: Sequence[Characteristic]) -> list[Param] | Rejection:
        """The ``param`` lines of a product's characteristics, or a rejection."""


class OwnCatalog:
    """The seller's own tree and characteristics, unchanged: the YML feeds and the Kaspi price list."""

    requires_category = False

    def category(self, category_id: int | None) -> str | None:
        return None if category_id is None else str(category_id)

    def params(self, category: str | None, characteristics: Sequence[Characteristic]) -> list[Param]:
        # a characteristic already reads as a param (name, value, unit): passed on as it is
        return list(characteristics)  # type: ignore[arg-type]


class CategoryMap(OwnCatalog):
    """Own characteristics, marketplace categories from a map of own category paths.

    ``paths`` gives each own category its slug path from the root (``electronics/phones/smartphones``);
    ``mapping`` maps such a path (or a parent's path, which then covers its subtree) to the
    marketplace category.
    """

    requires_category = True

    def __init__(self, marketplace: str, mapping: Mapping[str, str], paths: Mapping[int, str]) -> None:
        self.marketplace = marketplace
        self.mapping = {key.strip("/"): value for key, value in mapping.items()}
        self.paths = paths
        self._cache: dict[int | None, str | Rejection] = {}

    def category(self, category_id: int | None) -> str | Rejection:
        if category_id in self._cache:
            return self._cache[category_id]
        path = self.paths.get(category_id, "") if category_id is not None else ""
        found: str | Rejection | None = None
        parts = path.split("/") if path else []
        while parts:
            found = self.mapping.get("/".join(parts))
            if found:
                break
            parts.pop()
        if not found:
            found = Rejection(
                "no_category_mapping",
                f"category {path or '(none)'} has no {self.marketplace} category "
                f"(set it with `erpsync shop set SHOP --setting category_map.{path or 'PATH'}=CATEGORY`)",
            )
        self._cache[category_id] = found
        return found


__all__ = ["CatalogMapping", "CategoryMap", "OwnCatalog", "Param", "Rejection"]
