"""Checks of a mapping file against the database: the marketplace's category tree as last downloaded
(``marketplace_categories``, ``marketplace_attributes``, ``marketplace_attribute_values``), the local
category tree, and the shop a shop's file is named after.

With no tree downloaded for the marketplace, categories and characteristics are not checked and a
warning says so; with one, an unknown category, attribute or value is an error, and so is a
mandatory attribute of a mapped category that no local characteristic is mapped to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erpsync.mapping.document import Located, dotted
from erpsync.mapping.problems import WARNING, Problem
from erpsync.models import Category, MarketplaceAttribute, MarketplaceCategory, Shop

PATH_SEPARATOR = " / "


def category_path_key(text: str) -> str:
    """``"A/B / C"`` → ``"A / B / C"``: how category paths are compared."""
    return PATH_SEPARATOR.join(part.strip() for part in str(text).split("/") if part.strip())


@dataclass
class MarketplaceTree:
    """A marketplace's downloaded categories, and the attributes of those whose attributes were downloaded."""

    categories: dict[str, MarketplaceCategory]
    attributes: dict[str, dict[str, MarketplaceAttribute]] = field(default_factory=dict)

    @property
    def downloaded(self) -> bool:
        return bool(self.categories)


def load_tree(session: Session, marketplace: str, category_codes: Iterable[str] = ()) -> MarketplaceTree:
    categories = {c.code: c for c in session.scalars(
        select(MarketplaceCategory).where(MarketplaceCategory.marketplace == marketplace))}
    tree = MarketplaceTree(categories)
    codes = sorted(set(category_codes))
    if codes:
        rows = session.scalars(
            select(MarketplaceAttribute)
            .where(MarketplaceAttribute.marketplace == marketplace, MarketplaceAttribute.category_code.in_(codes))
            .options(selectinload(MarketplaceAttribute.values))
        )
        for attribute in rows:
            tree.attributes.setdefault(attribute.category_code, {})[attribute.code] = attribute
    return tree


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def check_against_tree(located: Located, marketplace: str, session: Session) -> list[Problem]:
    categories = _dict(located.get("categories"))
    characteristics = _dict(located.get("characteristics"))
    problems: list[Problem] = []
    if categories:
        problems.extend(check_local_categories(located, session))
    if not categories and not characteristics:
        return problems
    used = {str(code) for code in categories.values() if code is not None}
    tree = load_tree(session, marketplace, used | set(characteristics))
    if not tree.downloaded:
        section = "categories" if categories else "characteristics"
        problems.append(located.problem((section,), f"{section}: not checked against {marketplace}'s category tree: "
                                                    "none has been downloaded yet", level=WARNING))
        return problems
    for key, code in categories.items():
        if code is not None and str(code) not in tree.categories:
            problems.append(located.problem(("categories", key), f"{dotted(('categories', key))}: {marketplace} has "
                                                                  f"no category '{code}' in the downloaded tree",
                                            value=True))
    for category, names in characteristics.items():
        if category not in tree.categories:
            problems.append(located.problem(("characteristics", category), f"characteristics: {marketplace} has no "
                                            f"category '{category}' in the downloaded tree"))
            continue
        problems.extend(_check_attributes(located, marketplace, category, _dict(names), tree))
    problems.extend(_check_mandatory(located, marketplace, categories, characteristics, tree))
    return problems


def _check_attributes(located: Located, marketplace: str, category: str, names: dict[str, Any],
                      tree: MarketplaceTree) -> list[Problem]:
    attributes = tree.attributes.get(category)
    if not attributes:
        return []  # the category's attributes were not downloaded: nothing to compare with
    problems = []
    for name, spec in names.items():
        spec = _dict(spec)
        code = spec.get("attribute")
        path = ("characteristics", category, name, "attribute")
        if code is None:
            continue
        attribute = attributes.get(str(code))
        if attribute is None:
            problems.append(located.problem(path, f"{dotted(path)}: {marketplace} category '{category}' has no "
                                                  f"attribute '{code}'", value=True))
            continue
        allowed = {v.code for v in attribute.values} | {v.name for v in attribute.values}
        if not allowed:
            continue
        for local, value in _dict(spec.get("values")).items():
            if str(value) not in allowed:
                value_path = ("characteristics", category, name, "values", local)
                problems.append(located.problem(value_path, f"{dotted(value_path)}: attribute '{code}' has no value "
                                                            f"'{value}'", value=True))
    return problems


def _check_mandatory(located: Located, marketplace: str, categories: dict[str, Any],
                     characteristics: dict[str, Any], tree: MarketplaceTree) -> list[Problem]:
    problems = []
    first_key: dict[str, str] = {}
    for key, code in categories.items():
        first_key.setdefault(str(code), key)
    for code, key in first_key.items():
        mapped = {str(_dict(spec).get("attribute")) for spec in _dict(characteristics.get(code)).values()}
        for attribute in tree.attributes.get(code, {}).values():
            if attribute.mandatory and attribute.code not in mapped:
                title = f" ({attribute.title})" if attribute.title else ""
                problems.append(located.problem(("categories", key), f"{dotted(('categories', key))}: mandatory "
                                                f"attribute '{attribute.code}'{title} of {marketplace} category "
                                                f"'{code}' is not mapped (add it under characteristics)",
                                                value=True))
    return problems


def local_categories(session: Session) -> tuple[dict[int, str], dict[str, int]]:
    """Every local category: id → path, and path → id (paths as ``A / B / C``)."""
    rows = session.execute(select(Category.id, Category.parent_id, Category.name)).all()
    parents = {row.id: (row.parent_id, row.name) for row in rows}
    paths: dict[int, str] = {}

    def path_of(category_id: int) -> str:
        if category_id not in paths:
            parent, name = parents[category_id]
            paths[category_id] = name if parent is None or parent not in parents else (
                f"{path_of(parent)}{PATH_SEPARATOR}{name}")
        return paths[category_id]

    for category_id in parents:
        path_of(category_id)
    return paths, {path: category_id for category_id, path in paths.items()}


def check_local_categories(located: Located, session: Session) -> list[Problem]:
    ids, by_path = local_categories(session)
    if not ids:
        return []
    problems = []
    for key in _dict(located.get("categories")):
        found = (key.isdigit() and int(key) in ids) or category_path_key(key) in by_path
        if not found:
            problems.append(located.problem(("categories", key), f"categories: no local category '{key}' "
                                            "(write its path as 'Parent / Child' or its id)", level=WARNING))
    return problems


def check_shop(located: Located, shop_name: str, marketplace: str, session: Session) -> list[Problem]:
    shop = session.scalar(select(Shop).where(Shop.name == shop_name))
    if shop is None:
        return [located.problem((), f"no shop named '{shop_name}' in the database: this file is not used",
                                level=WARNING)]
    if shop.marketplace != marketplace:
        return [located.problem(("marketplace",), f"marketplace: shop '{shop_name}' sells on {shop.marketplace}, "
                                                  f"not {marketplace}", value=True)]
    return []
