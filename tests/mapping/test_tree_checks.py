"""Checks against the downloaded category tree and the local catalog, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from erpsync.mapping import CheckContext, check_file
from erpsync.models import (
    Category,
    MarketplaceAttribute,
    MarketplaceAttributeValue,
    MarketplaceCategory,
    Shop,
)
from erpsync.models.db import Database
from tests.mapping.conftest import write

NOTEBOOKS = "Master - Exercise notebooks"
PREFIX = "Exercise notebooks*Obsie harakteristiki.exercise notebooks*"
LOCAL = "Дитячі товари / Канцтовари / Зошити"


def add_local_tree(session: Session, *names: str) -> Category:
    parent = None
    for name in names:
        category = Category(name=name, slug=name.lower(), parent=parent)
        session.add(category)
        parent = category
    session.flush()
    assert parent is not None
    return parent


def add_kaspi_tree(session: Session) -> None:
    session.add_all([
        MarketplaceCategory(marketplace="kaspi", code=NOTEBOOKS, title="Тетради"),
        MarketplaceCategory(marketplace="kaspi", code="Master - Blenders", title="Блендеры"),
    ])

    def attribute(code: str, title: str, value_type: str, mandatory: bool, *values: str) -> None:
        session.add(MarketplaceAttribute(
            marketplace="kaspi", category_code=NOTEBOOKS, code=PREFIX + code, title=title, value_type=value_type,
            mandatory=mandatory, values=[MarketplaceAttributeValue(code=v, name=v) for v in values],
        ))

    attribute("number of sheets", "Количество листов", "number", True)
    attribute("format", "Формат", "enum", True, "А5", "А4")
    attribute("cover", "Обложка", "enum", True, "мягкая", "твердая")
    attribute("type", "Тип", "enum", True, "тетрадь", "тетрадь-блокнот")
    attribute("color", "Цвет", "enum", False, "желтый")
    session.flush()


def check(mappings_dir: Path, session: Session | None, name: str = "kaspi.yaml") -> list[str]:
    return [str(p) for p in check_file(mappings_dir / name, CheckContext(mappings_dir, session), name)]


def line_of(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


def test_without_a_downloaded_tree_categories_are_not_checked(database: Database, mappings_dir: Path) -> None:
    with database.session() as session:
        assert check(mappings_dir, session) == [
            f"kaspi.yaml:{line_of(mappings_dir / 'kaspi.yaml', 'categories:')}:1: warning: categories: not checked "
            "against kaspi's category tree: none has been downloaded yet"
        ]


def test_a_mandatory_attribute_left_unmapped_names_category_and_attribute(database: Database,
                                                                           mappings_dir: Path) -> None:
    path = mappings_dir / "kaspi.yaml"
    with database.session() as session:
        add_local_tree(session, "Дитячі товари", "Канцтовари", "Зошити")
        add_kaspi_tree(session)
        line = line_of(path, LOCAL)
        blenders = line_of(path, "Блендери")
        assert check(mappings_dir, session) == [
            f"kaspi.yaml:{line}:42: categories.{LOCAL}: mandatory attribute '{PREFIX}type' (Тип) of kaspi category "
            f"'{NOTEBOOKS}' is not mapped (add it under characteristics)",
            f"kaspi.yaml:{blenders}:3: warning: categories: no local category 'Побутова техніка / Техніка для кухні / "
            "Блендери' (write its path as 'Parent / Child' or its id)",
        ]


def test_unknown_category_attribute_and_value(database: Database, mappings_dir: Path) -> None:
    path = mappings_dir / "kaspi.yaml"
    text = path.read_text()
    text = text.replace(": Master - Blenders", ": Master - Blendres")
    text = text.replace("notebooks*cover", "notebooks*covers").replace("        А5: А5", "        А5: А3")
    write(mappings_dir, "kaspi.yaml", text)
    with database.session() as session:
        add_kaspi_tree(session)
        mandatory = f"kaspi.yaml:{line_of(path, LOCAL)}:42: categories.{LOCAL}: mandatory attribute '{PREFIX}{{}}' " \
                    f"({{}}) of kaspi category '{NOTEBOOKS}' is not mapped (add it under characteristics)"
        assert check(mappings_dir, session) == [
            mandatory.format("cover", "Обложка"),  # its mapping now names an attribute that does not exist
            mandatory.format("type", "Тип"),
            f"kaspi.yaml:{line_of(path, 'Blendres')}:54: categories.Побутова техніка / Техніка для кухні / Блендери: "
            "kaspi has no category 'Master - Blendres' in the downloaded tree",
            f"kaspi.yaml:{line_of(path, 'А5: А3')}:13: characteristics.{NOTEBOOKS}.Формат.values.А5: attribute "
            f"'{PREFIX}format' has no value 'А3'",
            f"kaspi.yaml:{line_of(path, 'covers')}:18: characteristics.{NOTEBOOKS}.Обкладинка.attribute: kaspi "
            f"category '{NOTEBOOKS}' has no attribute '{PREFIX}covers'",
        ]


def test_a_shops_file_is_checked_against_the_shop(database: Database, mappings_dir: Path) -> None:
    write(mappings_dir, "shops/kz-main.yaml", "marketplace: prom\nversion: 1\n")
    write(mappings_dir, "shops/nobody.yaml", "marketplace: prom\nversion: 1\n")
    with database.session() as session:
        session.add(Shop(name="kz-main", marketplace="kaspi", base_url="https://kaspi.kz/shop/api/v2"))
        session.flush()
        assert check(mappings_dir, session, "shops/kz-main.yaml") == [
            "shops/kz-main.yaml:1:14: marketplace: shop 'kz-main' sells on kaspi, not prom"
        ]
        assert check(mappings_dir, session, "shops/nobody.yaml") == [
            "shops/nobody.yaml:1:1: warning: no shop named 'nobody' in the database: this file is not used"
        ]
