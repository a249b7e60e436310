"""Downloading a marketplace's categories and the mapped categories' attributes into the database (both
backends), for Kasta and Kaspi through the same use case, and the mapping check against what arrived."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from erpsync.core.config import Settings
from erpsync.jobs.runner import run_inline
from erpsync.mapping import CheckContext, check_file
from erpsync.models import MarketplaceAttribute, MarketplaceAttributeValue, MarketplaceCategory, SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sync.shops import add_shop
from tests.sync.catalog_fixtures import KastaShop


def _attributes(database: Database, marketplace: str) -> dict[tuple[str, str], MarketplaceAttribute]:
    with database.session() as session:
        rows = session.scalars(select(MarketplaceAttribute).where(MarketplaceAttribute.marketplace == marketplace))
        found = {}
        for row in rows:
            session.expunge(row)
            found[(row.category_code, row.code)] = row
        return found


def _values(database: Database, marketplace: str, category: str, attribute: str) -> list[tuple[str, str]]:
    with database.session() as session:
        return list(session.execute(
            select(MarketplaceAttributeValue.code, MarketplaceAttributeValue.name)
            .join(MarketplaceAttribute)
            .where(MarketplaceAttribute.marketplace == marketplace, MarketplaceAttribute.category_code == category,
                   MarketplaceAttribute.code == attribute)
            .order_by(MarketplaceAttributeValue.id)).all())


def test_kasta_tree_and_the_mapped_categorys_schema_arrive(database: Database, kasta_shop: KastaShop) -> None:
    outcome = run_inline("categories", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    assert outcome.status == "success", outcome.message
    assert outcome.result["categories"] == 9 and outcome.result["attribute_categories"] == 1
    with database.session() as session:
        tree = {c.code: (c.title, c.parent_code, c.is_leaf) for c in session.scalars(
            select(MarketplaceCategory).where(MarketplaceCategory.marketplace == "kasta"))}
        run = session.get(SyncRun, outcome.run_id)
        assert run is not None and (run.kind, run.fetched, run.created) == ("categories", 9, 9)
    assert tree["2098"] == ("Одяг", None, False) and tree["2098-31"] == ("Сорочки", "2098", True)
    attributes = _attributes(database, "kasta")
    assert {code for category, code in attributes if category == "2098-31"} == {
        "1", "3", "6", "12", "13", "14", "20", "kasta_size"}
    assert {category for category, _ in attributes} == {"2098-31"}  # only the mapped category's
    size = attributes[("2098-31", "kasta_size")]
    assert (size.mandatory, size.value_type, size.title) == (True, "enum", "Розмір")
    assert attributes[("2098-31", "6")].multi_valued and not attributes[("2098-31", "20")].mandatory
    assert _values(database, "kasta", "2098-31", "3")[:2] == [("675", "Синій"), ("676", "Білий")]
    assert len(_values(database, "kasta", "2098-31", "kasta_size")) == 13


def test_a_category_asked_for_gets_its_attributes_and_an_unknown_one_is_logged(
    database: Database, kasta_shop: KastaShop
) -> None:
    outcome = run_inline("categories", kasta_shop.shop_id, {"categories": ["3150-12", "9999-1"]}, database=database,
                         config=kasta_shop.config)
    assert outcome.status == "success"
    assert {category for category, _ in _attributes(database, "kasta")} == {"2098-31", "3150-12"}
    with database.session() as session:
        warnings = list(session.scalars(select(SyncEvent.message).where(SyncEvent.level == "warning")))
    assert warnings == ["kasta has no category '9999-1' (asked for): its attributes are not downloaded"]


def test_a_second_download_updates_and_removes_what_kasta_no_longer_has(
    database: Database, kasta_shop: KastaShop
) -> None:
    run_inline("categories", kasta_shop.shop_id, {"all_attributes": True}, database=database,
               config=kasta_shop.config)
    assert len({category for category, _ in _attributes(database, "kasta")}) == 6
    store = kasta_shop.sandbox.kasta
    clothes = store.category_all["items"][0]
    clothes["kinds"] = [kind for kind in clothes["kinds"] if kind["kind_id"] != 58]  # dresses are gone
    colour = next(entry for entry in store.details["2098-31"]["schema"] if entry["key_name"] == "3")
    colour["value_ids"] = colour["value_ids"][:2]  # fewer colours
    colour["human_name"] = "Колір товару"
    outcome = run_inline("categories", kasta_shop.shop_id, {"all_attributes": True}, database=database,
                         config=kasta_shop.config)
    assert outcome.result["removed"] == 1 and outcome.result["created"] == 0
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(MarketplaceCategory).where(
            MarketplaceCategory.code == "2098-58")) == 0
        assert session.scalar(select(func.count()).select_from(MarketplaceAttribute).where(
            MarketplaceAttribute.category_code == "2098-58")) == 0
    assert _values(database, "kasta", "2098-31", "3") == [("675", "Синій"), ("676", "Білий")]
    assert _attributes(database, "kasta")[("2098-31", "3")].title == "Колір товару"


def test_a_category_whose_schema_fails_is_logged_and_the_others_arrive(
    database: Database, kasta_shop: KastaShop
) -> None:
    del kasta_shop.sandbox.kasta.details["3150-12"]
    outcome = run_inline("categories", kasta_shop.shop_id, {"categories": ["3150-12"]}, database=database,
                         config=kasta_shop.config)
    assert outcome.status == "partial"
    assert {category for category, _ in _attributes(database, "kasta")} == {"2098-31"}
    with database.session() as session:
        [error] = session.scalars(select(SyncEvent).where(SyncEvent.level == "error"))
        assert error.entity_id == "3150-12"
        assert error.message == ("attributes of kasta category 3150-12 were not downloaded: "
                                 "kasta has no category 3150-12")


def test_the_mapping_is_checked_against_the_downloaded_schema(database: Database, kasta_shop: KastaShop,
                                                               catalog_mappings_dir: Path) -> None:
    path = catalog_mappings_dir / "kasta.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('    Група: {attribute: "13"}\n', "").replace("синій: Синій", "синій: Бірюзовий")
                    .replace('Підгрупа: {attribute: "14"}', 'Підгрупа: {attribute: "99"}'), encoding="utf-8")
    with database.session() as session:
        before = [p.message for p in check_file(path, CheckContext(catalog_mappings_dir, session)) if p.is_error]
    assert before == []  # nothing downloaded yet: not checked (a warning says so)
    run_inline("categories", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    with database.session() as session:
        problems = [p.message for p in check_file(path, CheckContext(catalog_mappings_dir, session)) if p.is_error]
    assert "characteristics.2098-31.Колір.values.синій: attribute '3' has no value 'Бірюзовий'" in problems
    assert "characteristics.2098-31.Підгрупа.attribute: kasta category '2098-31' has no attribute '99'" in problems
    assert any("mandatory attribute '13' (Група) of kasta category '2098-31' is not mapped" in p for p in problems)
    assert any("mandatory attribute '14' (Підгрупа)" in p for p in problems)


def test_kaspi_categories_arrive_through_the_same_use_case(database: Database, secret_key: str,
                                                          catalog_config: Settings) -> None:
    with KaspiSandbox(credentials={"token": "kz-token"}, orders=0) as kaspi:
        with database.session() as session:
            shop_id = add_shop(session, name="kz-main", marketplace="kaspi", secret_key=secret_key,
                               base_url=kaspi.base_url, credentials={"token": "kz-token"}).id
        outcome = run_inline("categories", shop_id, database=database, config=catalog_config)
    assert outcome.status == "success", outcome.message
    with database.session() as session:
        codes = set(session.scalars(select(MarketplaceCategory.code).where(MarketplaceCategory.marketplace == "kaspi")))
    assert "Master - Exercise notebooks" in codes
    attributes = _attributes(database, "kaspi")
    mapped = {code for category, code in attributes if category == "Master - Exercise notebooks"}
    assert "Exercise notebooks*Obsie harakteristiki.exercise notebooks*cover" in mapped
    # Kaspi lists a select attribute's values separately: they were fetched too
    cover = _values(database, "kaspi", "Master - Exercise notebooks",
                    "Exercise notebooks*Obsie harakteristiki.exercise notebooks*cover")
    assert cover == [("мягкая", "мягкая"), ("твердая", "твердая")]
