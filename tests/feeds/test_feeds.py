"""Rendering feeds from the accounting database on SQLite and PostgreSQL: every template, the rules on
products built for them, hostile texts, the sync log, template errors, atomic writes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from erpsync.core.config import Settings
from erpsync.demo.data import generate_catalog
from erpsync.demo.feeds import ensure_demo_feed_shops
from erpsync.feeds.publish import render_shop
from erpsync.feeds.render import FeedTemplateError, feed_environment, render_to_file
from erpsync.feeds.specs import FEED_MARKETPLACES
from erpsync.feeds.validate import validate_feed
from erpsync.models import SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sync.feeds import render_feed
from tests.feeds.conftest import KASPI_SETTINGS, YML_SETTINGS, Catalog, write_shop_mapping

HOSTILE = "A <b> & \"q\" 'a' ]]> \x00\x01\x0b\x1f\ufffe 😀 Ω"
CLEAN = "A <b> & \"q\" 'a' ]]>  😀 Ω"
SETTINGS = {
    "kaspi": KASPI_SETTINGS, "kaufland": {},
    **{m: YML_SETTINGS for m in ("prom", "satu", "rozetka", "epicentr", "hubber", "zakupka")},
}


def _offers(path: Path) -> dict[str, etree._Element]:
    root = etree.parse(str(path)).getroot()
    return {o.get("id") or o.get("sku"): o for o in root.iter("offer", "{kaspiShopping}offer")}


def test_every_template_renders_from_demo_data_and_validates(database: Database, feed_settings: Settings) -> None:
    generate_catalog(database, 40)
    names = ensure_demo_feed_shops(database, feed_settings.require_secret_key(), feed_settings.mappings_dir)
    assert len(names) == len(FEED_MARKETPLACES)
    for name in names:
        report = render_feed(database, feed_settings, name)
        assert report.stats.offers > 0, name
        for rendered in report.stats.files:
            check = validate_feed(rendered.path, report.stats.marketplace)
            assert check.valid, (name, rendered.filename, [str(p) for p in check.problems])
            assert check.offers == rendered.offers


@pytest.mark.parametrize("marketplace", FEED_MARKETPLACES)
def test_hostile_texts_in_every_field_still_give_a_valid_document(
    marketplace: str, catalog: Catalog, feed_settings: Settings
) -> None:
    hostile = HOSTILE if catalog.database.dialect == "sqlite" else HOSTILE.replace("\x00", "")  # PG refuses NUL
    category = catalog.category(hostile)
    write_shop_mapping(feed_settings.mappings_dir, f"hostile-{marketplace}", marketplace,
                       f'categories:\n  "{category}": Elektronik\n')
    catalog.product(
        "HOSTILE1", name_uk=hostile, name_ru=hostile, brand=hostile, model=hostile, description_html=hostile,
        barcode="4820000000017", category=category, photos=(f"https://img.example/{hostile}.jpg",),
        characteristics=((hostile, hostile, hostile),),
    )
    shop = catalog.shop(f"hostile-{marketplace}", marketplace, SETTINGS[marketplace])
    stats = render_shop(catalog.database, shop, feed_settings.feed_dir, mappings_dir=feed_settings.mappings_dir)
    assert stats.offers == 1
    for rendered in stats.files:
        check = validate_feed(rendered.path, marketplace)
        assert check.valid, [str(p) for p in check.problems]
        if rendered.path.suffix == ".csv":
            with open(rendered.path, encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
            assert CLEAN in rows[0].values() or rows[0].get("id_offer") == "HOSTILE1"
            continue
        offer = next(iter(_offers(rendered.path).values()))
        texts = [t for t in offer.itertext() if t.strip()]
        assert CLEAN in texts  # names, brand, description, param value come back intact (cleaned)
        if marketplace != "kaspi":
            assert offer.find("description").text == CLEAN
            assert offer.find("param").get("name") == CLEAN


def test_yml_feed_sends_the_category_tree_and_the_price_and_stock_rules(
    catalog: Catalog, feed_settings: Settings
) -> None:
    leaf = catalog.category("Електроніка", "Смартфони")
    catalog.product("OVERRIDE", category=leaf, prices={
        ("retail", "base"): "100", ("old", "base"): "150", ("retail", "prom"): "90", ("old", "prom"): "120"})
    reserved = catalog.product("RESERVED", category=leaf, stock={"MAIN": 5, "WEST": 4})
    catalog.reserve(reserved, "MAIN", 3)
    catalog.reserve(reserved, "MAIN", 1, state="released")
    catalog.product("EMPTY", category=leaf, stock={"MAIN": 0})
    catalog.product("UNTRACKED", category=leaf, stock={}, track_stock=False)
    catalog.product("WHOLESALE", category=leaf, min_wholesale_qty=10,
                    prices={("retail", "base"): "100", ("wholesale", "base"): "80"})
    catalog.product("NOPRICE", category=leaf, prices={})
    shop = catalog.shop("prom-main", "prom", {**YML_SETTINGS, "warehouses": ["MAIN"], "zero_stock": "awaiting",
                                              "default_quantity": 7})
    stats = render_shop(catalog.database, shop, feed_settings.feed_dir)
    assert (stats.offers, dict(stats.excluded)) == (5, {"no_price": 1})
    path = stats.files[0].path
    assert validate_feed(path, "prom").valid
    root = etree.parse(str(path)).getroot()
    categories = {c.get("id"): (c.get("parentId"), c.text) for c in root.iter("category")}
    assert categories[str(leaf)][1] == "Смартфони" and categories[categories[str(leaf)][0]] == (None, "Електроніка")
    offers = _offers(path)
    assert (offers["OVERRIDE"].findtext("price"), offers["OVERRIDE"].findtext("oldprice")) == ("90", "120")
    assert offers["RESERVED"].findtext("quantity_in_stock") == "2"  # MAIN only: 5 − 3 active
    assert (offers["EMPTY"].get("available"), offers["EMPTY"].findtext("quantity_in_stock")) == ("false", "0")
    assert offers["UNTRACKED"].findtext("quantity_in_stock") == "7"
    wholesale = offers["WHOLESALE"].find("prices/price")
    assert (wholesale.findtext("value"), wholesale.findtext("quantity")) == ("80", "10")


def test_kaspi_price_list_has_whole_prices_and_availability_per_store(
    catalog: Catalog, feed_settings: Settings
) -> None:
    product = catalog.product("KZ1", prices={("retail", "base"): "1999.50"}, stock={"MAIN": 4, "WEST": 0})
    catalog.reserve(product, "MAIN", 1)
    catalog.product("BAD-SKU", prices={("retail", "base"): "10"})
    catalog.product("KZ2", stock={"MAIN": 0, "WEST": 0})
    shop = catalog.shop("kz", "kaspi", {**KASPI_SETTINGS, "store_ids": {"MAIN": "PP1", "WEST": "PP2"},
                                        "zero_stock": "awaiting", "preorder_days": 5})
    stats = render_shop(catalog.database, shop, feed_settings.feed_dir)
    assert (stats.offers, dict(stats.excluded)) == (2, {"invalid_sku": 1})
    assert validate_feed(stats.files[0].path, "kaspi").valid
    offers = _offers(stats.files[0].path)
    ns = "{kaspiShopping}"
    assert offers["KZ1"].findtext(f"{ns}price") == "2000"
    stores = [(a.get("storeId"), a.get("available"), a.get("stockCount"), a.get("preOrder"))
              for a in offers["KZ1"].iter(f"{ns}availability")]
    assert stores == [("PP1", "yes", "3", None), ("PP2", "no", "0", None)]
    awaited = [a.get("preOrder") for a in offers["KZ2"].iter(f"{ns}availability")]
    assert awaited == ["5", "5"]


def test_products_not_listed_or_with_the_flag_off_are_not_in_the_feed(
    catalog: Catalog, feed_settings: Settings
) -> None:
    catalog.product("LISTED")
    catalog.product("FLAG-OFF")
    shop = catalog.shop("prom-flags", "prom", YML_SETTINGS)
    catalog.product("NOT-LISTED")
    from erpsync.sync.listings import remove_listings
    from erpsync.sync.shops import get_shop

    with catalog.database.session() as session:
        remove_listings(session, get_shop(session, "prom-flags"), skus=["FLAG-OFF"])
    stats = render_shop(catalog.database, shop, feed_settings.feed_dir)
    assert list(_offers(stats.files[0].path)) == ["LISTED"]


def test_rows_are_read_in_chunks_without_losing_products(catalog: Catalog, feed_settings: Settings) -> None:
    for number in range(23):
        catalog.product(f"P{number:03d}", photos=(f"{number}a.jpg", f"{number}b.jpg"))
    shop = catalog.shop("chunks", "zakupka", YML_SETTINGS)
    stats = render_shop(catalog.database, shop, feed_settings.feed_dir, chunk=5)
    offers = _offers(stats.files[0].path)
    assert len(offers) == 23
    assert [p.text for p in offers["P017"].iter("picture")] == ["17a.jpg", "17b.jpg"]


def test_excluded_products_are_logged_once_per_render(catalog: Catalog, feed_settings: Settings) -> None:
    catalog.product("GOOD")
    catalog.product("NOPRICE", prices={})
    catalog.product("NOSTOCK", stock={"MAIN": 0})
    catalog.shop("kz-log", "kaspi", {**KASPI_SETTINGS, "only_in_stock": True})
    first = render_feed(catalog.database, feed_settings, "kz-log")
    render_feed(catalog.database, feed_settings, "kz-log")
    assert first.urls == [f"https://erp.example/feeds/{first.urls[0].split('/')[-2]}/kaspi.xml"]
    with catalog.database.session() as session:
        run = session.get(SyncRun, first.run_id)
        assert run is not None and (run.kind, run.fetched, run.created, run.skipped) == ("feed", 3, 1, 2)
        events = session.execute(
            select(SyncEvent.run_id, SyncEvent.entity_id, SyncEvent.level, SyncEvent.message, SyncEvent.payload)
            .where(SyncEvent.kind == "feed")
        ).all()
    warnings = [(e.run_id, e.entity_id) for e in events if e.level == "warning"]
    assert sorted(warnings) == sorted([(first.run_id, "NOPRICE"), (first.run_id + 1, "NOPRICE")])
    summaries = [e for e in events if e.level == "info" and e.run_id == first.run_id]
    assert len(summaries) == 1 and summaries[0].payload["excluded"] == {"no_price": 1, "out_of_stock": 1}


def test_missing_shop_settings_are_named(catalog: Catalog, feed_settings: Settings) -> None:
    catalog.shop("kz-bare", "kaspi", {})
    from erpsync.core.errors import ValidationError

    with pytest.raises(ValidationError, match="company, merchant_id, store_ids"):
        render_feed(catalog.database, feed_settings, "kz-bare")


def test_template_error_names_the_template_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "feed_templates"
    folder.mkdir()
    (folder / "broken.xml.j2").write_text("<a>\n{% for x in offers %}\n<b>{{ x.missing }}</b>\n{% endfor %}\n</a>\n")
    (folder / "syntax.xml.j2").write_text("<a>\n\n{% if %}\n</a>\n")
    environment = feed_environment(folder)
    target = tmp_path / "out.xml"
    target.write_text("previous feed")
    with pytest.raises(FeedTemplateError, match=r"feed_templates/broken\.xml\.j2, line 3"):
        render_to_file(environment, "broken.xml.j2", {"offers": [object()]}, target)
    with pytest.raises(FeedTemplateError, match=r"syntax\.xml\.j2, line 3"):
        render_to_file(environment, "syntax.xml.j2", {"offers": []}, target)
    assert target.read_text() == "previous feed"  # a failed render never replaces the published feed
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_kaufland_needs_a_mapped_category_and_allowed_characteristic_values(
    catalog: Catalog, feed_settings: Settings
) -> None:
    phones = catalog.category("Електроніка", "Смартфони")
    toys = catalog.category("Іграшки")
    catalog.product("PHONE1", category=phones, barcode="4820000000017", characteristics=(("Колір", "чорний", None),))
    catalog.product("PHONE2", category=phones, barcode="4820000000024", characteristics=(("Колір", "рожевий", None),))
    catalog.product("TOY1", category=toys, barcode="4820000000031")
    catalog.product("NOEAN", category=phones, barcode="123")
    write_shop_mapping(feed_settings.mappings_dir, "de-main", "kaufland", (
        'categories:\n  "Електроніка": Elektronik\n'
        'characteristics:\n  Elektronik:\n    Колір: {attribute: colour, values: {чорний: schwarz}}\n'
    ))
    catalog.shop("de-main", "kaufland", {})
    report = render_feed(catalog.database, feed_settings, "de-main")
    assert report.stats.offers == 1
    assert dict(report.stats.excluded) == {"characteristic_value_not_allowed": 1, "no_category_mapping": 1,
                                           "no_barcode": 1}
    with open(report.stats.files[0].path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["ean"], r["category"]) for r in rows] == [("4820000000017", "Elektronik")]
    with catalog.database.session() as session:
        reasons = dict(session.execute(
            select(SyncEvent.entity_id, SyncEvent.message).where(SyncEvent.level == "warning")).all())
    assert "Іграшки has no kaufland category" in reasons["TOY1"]
    assert "рожевий" in reasons["PHONE2"]
