"""Auto-match: the comparison of names, and proposals from the local catalog and the downloaded tree
(SQLite and PostgreSQL), written when confident."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from erpsync.mapping import apply_suggestions, history, load_mapping, suggest
from erpsync.mapping.suggest import similarity
from erpsync.models import MarketplaceCategory, Product, ProductCharacteristic
from erpsync.models.db import Database
from tests.mapping.test_tree_checks import NOTEBOOKS, PREFIX, add_kaspi_tree, add_local_tree


@pytest.mark.parametrize(("local", "marketplace", "score"), [
    ("Колір", "колір", 1.0),  # case
    ("  Вбудована   пам'ять ", "Вбудована пам’ять", 1.0),  # whitespace and apostrophes
    ("Колір", "kolir", 1.0),  # Cyrillic and Latin
    ("А5", "A5", 1.0),  # a Cyrillic А and a Latin A
    ("Електрочайники", "Электрочайники", 1.0),  # Ukrainian and Russian spelling
    ("128 ГБ", "128", 1.0),  # unit suffixes
    ("6,1 дюйм", "6.1\"", 1.0),  # decimal comma and an inch mark
    ("м'яка", "мягкая", 0.76),
    ("Колір", "Цвет", 0.0),
])
def test_similarity(local: str, marketplace: str, score: float) -> None:
    assert similarity(local, marketplace) == score


def add_notebooks(session: Session) -> None:
    category = add_local_tree(session, "Дитячі товари", "Канцтовари", "Зошити")
    for number, (cover, size) in enumerate([("м'яка", "А5"), ("тверда", "А4")]):
        session.add(Product(sku=f"NB-{number}", name_uk=f"Зошит {number}", category_id=category.id, characteristics=[
            ProductCharacteristic(name="Обкладинка", value=cover, position=0),
            ProductCharacteristic(name="Формат", value=size, position=1),
            ProductCharacteristic(name="Кількість аркушів", value="48", unit="арк", position=2),
            ProductCharacteristic(name="Тип", value="тетрадь", position=3),
        ]))
    kettles = add_local_tree(session, "Побутова техніка", "Техніка для кухні", "Електрочайники")
    session.add(MarketplaceCategory(marketplace="kaspi", code="Master - Electric kettles", title="Электрочайники"))
    session.flush()
    assert kettles.id


def test_characteristics_and_values_are_proposed_and_the_confident_ones_written(database: Database,
                                                                                 mappings_dir: Path) -> None:
    with database.session() as session:
        add_kaspi_tree(session)
        add_notebooks(session)
        mapping = load_mapping(mappings_dir, "kaspi")
        proposals = suggest(session, mapping, "characteristics")
        assert sorted(str(p) for p in proposals) == [
            f"1.00  characteristics.{NOTEBOOKS}.Тип.values: тетрадь → тетрадь",  # for the attribute proposed below
            f"1.00  characteristics.{NOTEBOOKS}.Тип: Тип → {PREFIX}type (Тип)",
            f"1.00  characteristics.{NOTEBOOKS}.Формат.values: А4 → А4",
        ]
        written, result = apply_suggestions(session, mappings_dir, mapping, proposals, section="characteristics",
                                            min_score=0.9, author="anna")
        assert len(written) == 3
        assert result is not None and result.version == 2
        assert history(session, "kaspi.yaml")[0].message == (
            "auto-match: 3 characteristics suggestions scoring at least 0.9")
    text = (mappings_dir / "kaspi.yaml").read_text()
    assert "        А5: А5\n        А4: А4\n" in text
    assert f"    Тип:\n      attribute: {PREFIX}type\n      values:\n        тетрадь: тетрадь\n" in text
    reloaded = load_mapping(mappings_dir, "kaspi")
    assert reloaded.section("characteristics", NOTEBOOKS)["Тип"]["attribute"] == f"{PREFIX}type"


def test_a_value_whose_attribute_is_not_confident_is_not_written(database: Database, mappings_dir: Path) -> None:
    with database.session() as session:
        add_kaspi_tree(session)
        add_notebooks(session)
        mapping = load_mapping(mappings_dir, "kaspi")
        proposals = suggest(session, mapping, "characteristics")
        written, _result = apply_suggestions(session, mappings_dir, mapping, proposals, section="characteristics",
                                             min_score=1.0, author="anna")
        assert {w.path[2] for w in written} == {"Формат", "Тип"}
        written, result = apply_suggestions(session, mappings_dir, load_mapping(mappings_dir, "kaspi"),
                                            suggest(session, load_mapping(mappings_dir, "kaspi"), "characteristics"),
                                            section="characteristics", min_score=0.9, author="anna")
        assert (written, result) == ([], None)  # nothing left to propose


def test_categories_are_proposed_for_unmapped_local_leaves(database: Database, mappings_dir: Path) -> None:
    with database.session() as session:
        add_kaspi_tree(session)
        add_notebooks(session)
        proposals = suggest(session, load_mapping(mappings_dir, "kaspi"), "categories")
        assert [str(p) for p in proposals] == [
            "1.00  categories: Побутова техніка / Техніка для кухні / Електрочайники → Master - Electric kettles "
            "(Электрочайники)"
        ]
