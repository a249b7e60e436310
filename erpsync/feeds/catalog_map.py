"""The seam between feeds and category / characteristic mapping.

A feed asks a ``CatalogMapping`` two things about a product: the marketplace category to file it
under, and the ``param`` lines (name, value, unit) its characteristics become. Feeds that carry the
seller's own category tree (YML: Prom, Satu, Rozetka, Epicentr, Hubber, Zakupka; the Kaspi price
list) use ``OwnCatalog``: the product's own category and its own characteristics, as they are.

Marketplaces that need their own category (Kaufland's product data file) use ``MappingCatalog``
over the mapping files (``erpsync.mapping``: ``categories`` and ``characteristics`` of
``mappings/<marketplace>.yaml`` and the shop's own file): a product whose category (or a parent of
it) has no marketplace category, or a characteristic value the marketplace does not allow, is left
out of the feed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from erpsync.feeds.reader import Characteristic
from erpsync.mapping import EffectiveMapping


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


class MappingCatalog(OwnCatalog):
    """Marketplace categories and attributes from the mapping files (``erpsync.mapping``).

    A product's category (by id, else by its path of names, a parent's entry covering its subtree)
    must have a marketplace category in the file's ``categories``; its characteristics go through the
    category's ``characteristics`` section, and a value the marketplace does not allow leaves the
    product out. Characteristics the section does not list are passed on under their own names.
    """

    requires_category = True

    def __init__(self, mapping: EffectiveMapping, paths: Mapping[int, str]) -> None:
        self.mapping = mapping
        self.paths = paths  # category id -> "A / B / C"
        self._cache: dict[int | None, str | Rejection] = {}

    def category(self, category_id: int | None) -> str | Rejection:
        if category_id in self._cache:
            return self._cache[category_id]
        path = self.paths.get(category_id, "") if category_id is not None else ""
        match = self.mapping.category(category_id=category_id, path=path or None) if category_id else None
        found: str | Rejection = match.category_code if match is not None else Rejection(
            "no_category_mapping",
            f"category {path or '(none)'} has no {self.mapping.marketplace} category "
            f"(add it under categories: in {self.mapping.marketplace}.yaml or the shop's mapping file)",
        )
        self._cache[category_id] = found
        return found

    def params(self, category: str | None, characteristics: Sequence[Characteristic]) -> list[Param] | Rejection:
        if category is None:
            return super().params(category, characteristics)
        mapped = self.mapping.attributes(category, characteristics)
        if mapped.rejected:
            return Rejection("characteristic_value_not_allowed", "; ".join(mapped.rejected))
        params = [Param(a.code, _text(a.value)) for a in mapped.attributes]
        unmapped = set(mapped.unmapped)
        params += [Param(c.name, c.value, c.unit) for c in characteristics if c.name in unmapped]
        return params


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


__all__ = ["CatalogMapping", "MappingCatalog", "OwnCatalog", "Param", "Rejection"]
