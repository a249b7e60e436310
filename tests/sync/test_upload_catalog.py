"""The catalog upload against the Kasta sandbox (and Kaspi's import through the same use case): mapped
products only, mandatory characteristics enforced, batches of at most 500, each product's result on
its listing and in the sync log, moderation followed, and never a deletion."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from erpsync.core.config import Settings
from erpsync.jobs.runner import run_inline
from erpsync.models import Listing, Product, ProductPrice, SyncEvent, SyncRun
from erpsync.models.db import Database
from erpsync.sandbox.kaspi import KaspiSandbox
from erpsync.sandbox.kasta import KastaSandbox
from erpsync.sync.shops import add_shop
from erpsync.sync.upload_catalog import photo_urls, plain_text
from tests.sync.catalog_fixtures import KastaShop, add_clothes

FAST = {"poll_seconds": 0}


def _listings(database: Database, shop_id: int) -> dict[str, tuple[str, str | None, str | None]]:
    with database.session() as session:
        rows = session.execute(select(Product.sku, Listing.state, Listing.external_id, Listing.last_error)
                               .join(Listing, Listing.product_id == Product.id).where(Listing.shop_id == shop_id))
        return {sku: (state, external_id, error) for sku, state, external_id, error in rows}


def _events(database: Database, level: str) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(SyncEvent.message).where(SyncEvent.level == level).order_by(SyncEvent.id)))


def _schema(database: Database, shop: KastaShop) -> None:
    outcome = run_inline("categories", shop.shop_id, database=database, config=shop.config)
    assert outcome.status == "success", outcome.message


def test_listed_products_of_a_mapped_category_are_uploaded_and_go_to_moderation(
    database: Database, kasta_shop: KastaShop
) -> None:
    _schema(database, kasta_shop)
    skus = add_clothes(database, kasta_shop.shop_id, 3)
    outcome = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert outcome.status == "success", outcome.message
    assert outcome.result["accepted"] == 3 and outcome.result["batches"] == 1
    listings = _listings(database, kasta_shop.shop_id)
    assert {state for state, _, _ in listings.values()} == {"moderation"}
    assert all(external_id and external_id.startswith("ksku_") for _, external_id, _ in listings.values())
    product = kasta_shop.sandbox.product(skus[0])
    assert product is not None
    assert (product["size"], product["color"], product["new_price"], product["old_price"]) == ("44", "Синій", 1790,
                                                                                               1990)
    assert product["barcode"] == [skus[0], "4820000000000"] and product["total_stock"] == 5
    [submit] = kasta_shop.sandbox.requests_to("/api/supplier-content/submit/products", "POST")
    sent = submit.json()["data"][0]
    assert sent["description_uk"] == "Сорочка з бавовни.\nДовгий рукав"  # no HTML (seed 000)
    assert sent["name_ru"] == "Рубашка мужская №0"
    [image] = kasta_shop.sandbox.requests_to("/api/supplier-content/submit/image", "POST")[:1]
    assert image.json() == {"url": f"https://shop.example.ua/media/shirts/{skus[0]}.jpg"}
    with database.session() as session:
        run = session.get(SyncRun, outcome.run_id)
        assert run is not None and (run.kind, run.fetched, run.updated, run.failed) == ("upload_catalog", 3, 3, 0)


def test_a_missing_mandatory_characteristic_skips_the_product_naming_category_and_attribute(
    database: Database, kasta_shop: KastaShop
) -> None:
    _schema(database, kasta_shop)
    [complete] = add_clothes(database, kasta_shop.shop_id, 1)
    [incomplete] = add_clothes(database, kasta_shop.shop_id, 1, skip=("Підгрупа",), sku_prefix="NOSUB")
    outcome = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert outcome.status == "success" and outcome.result["skipped"] == 1 and outcome.result["accepted"] == 1
    message = (f"{incomplete} was not uploaded to kasta: mandatory characteristic 14 (Підгрупа) of kasta category "
               "2098-31 is not filled")
    assert message in _events(database, "warning")
    listings = _listings(database, kasta_shop.shop_id)
    assert listings[incomplete][0] == "new"
    assert listings[incomplete][2] == ("not uploaded: mandatory characteristic 14 (Підгрупа) of kasta category "
                                       "2098-31 is not filled")
    assert kasta_shop.sandbox.product(incomplete) is None and kasta_shop.sandbox.product(complete) is not None


def test_a_value_kasta_does_not_know_skips_the_product_with_the_reason(database: Database,
                                                                       kasta_shop: KastaShop) -> None:
    _schema(database, kasta_shop)
    [product] = add_clothes(database, kasta_shop.shop_id, 1, characteristics={"Колір": "бірюзовий"})
    run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    [warning] = [m for m in _events(database, "warning") if m.startswith(product)]
    assert "Колір=бірюзовий: no 2098-31 value is mapped for it" in warning
    assert "mandatory characteristic 3 (Колір) of kasta category 2098-31 is not filled" in warning


def test_products_outside_mapped_categories_and_without_the_upload_flag_are_not_sent(
    database: Database, kasta_shop: KastaShop
) -> None:
    _schema(database, kasta_shop)
    [mapped] = add_clothes(database, kasta_shop.shop_id, 1)
    [elsewhere] = add_clothes(database, kasta_shop.shop_id, 1, sku_prefix="TOY", category_path=("Іграшки",))
    [unflagged] = add_clothes(database, kasta_shop.shop_id, 1, sku_prefix="OFF")
    with database.session() as session:
        session.execute(update(Listing).where(Listing.product_id == select(Product.id).where(
            Product.sku == unflagged).scalar_subquery()).values(upload=False))
    outcome = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert outcome.result["accepted"] == 1
    assert kasta_shop.sandbox.product(mapped) is not None
    assert kasta_shop.sandbox.product(elsewhere) is None and kasta_shop.sandbox.product(unflagged) is None
    assert any(f"1 products are in no category mapped to a kasta category and were not uploaded: {elsewhere}" in m
               for m in _events(database, "warning"))


def test_uploads_go_in_batches_of_at_most_500(database: Database, kasta_shop: KastaShop) -> None:
    _schema(database, kasta_shop)
    add_clothes(database, kasta_shop.shop_id, 501, photo="shirts/shared.jpg")  # one photo: stored once
    outcome = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert outcome.status == "success", outcome.message
    submits = kasta_shop.sandbox.requests_to("/api/supplier-content/submit/products", "POST")
    assert [len(s.json()["data"]) for s in submits] == [500, 1]
    assert outcome.result["accepted"] == 501 and len(outcome.result["import_ids"]) == 2


def test_a_product_the_connector_would_see_refused_is_skipped_and_uploaded_once_fixed(
    database: Database, kasta_shop: KastaShop
) -> None:
    _schema(database, kasta_shop)
    skus = add_clothes(database, kasta_shop.shop_id, 2)
    composition = next(e for e in kasta_shop.sandbox.kasta.details["2098-31"]["schema"] if e["key_name"] == "20")
    composition["requirements"]["required?"] = True  # Kasta made "Склад" mandatory after our download
    outcome = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert outcome.status == "success" and (outcome.result["skipped"], outcome.result["submitted"]) == (2, 0)
    for sku in skus:  # the connector checks against Kasta's current schema
        assert _listings(database, kasta_shop.shop_id)[sku][2] == (
            "not uploaded: mandatory characteristic 20 (Склад) of category 2098-31 is missing")
    composition["requirements"]["required?"] = False
    again = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert again.result["accepted"] == 2  # still "new": uploaded by the next run
    assert {state for state, _, error in _listings(database, kasta_shop.shop_id).values()} == {"moderation"}


def test_kastas_refusal_after_submit_marks_the_listing_rejected_with_kastas_errors(
    database: Database, kasta_shop: KastaShop
) -> None:
    _schema(database, kasta_shop)
    [refused, accepted] = add_clothes(database, kasta_shop.shop_id, 2)
    store = kasta_shop.sandbox.kasta
    original = store.product_problems

    def stricter(product: object, schema: list) -> list[str]:  # Kasta refuses a name it finds wrong
        problems = original(product, schema)
        return [*problems, "name_uk: the name must not contain the brand"] if isinstance(product, dict) and \
            product.get("code") == refused else problems

    store.product_problems = stricter  # type: ignore[method-assign]
    outcome = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert outcome.status == "partial" and (outcome.result["accepted"], outcome.result["rejected"]) == (1, 1)
    listings = _listings(database, kasta_shop.shop_id)
    assert listings[refused] == ("rejected", None, "name_uk: the name must not contain the brand")
    assert listings[accepted][0] == "moderation"
    assert f"{refused} was refused by kasta: name_uk: the name must not contain the brand" in _events(database,
                                                                                                      "error")
    store.product_problems = original  # type: ignore[method-assign]
    again = run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    assert again.result["candidates"] == 1 and again.result["accepted"] == 1  # only the refused one, again


def _pushed(sandbox: KastaSandbox, path: str) -> list[dict]:
    return [line for request in sandbox.requests_to(path, "POST") for line in request.json()["items"]]


def test_moderation_is_followed_and_only_approved_products_take_stock_and_prices(
    database: Database, kasta_shop: KastaShop
) -> None:
    _schema(database, kasta_shop)
    [approved, waiting, refused] = add_clothes(database, kasta_shop.shop_id, 3)
    sandbox = kasta_shop.sandbox
    run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    before = run_inline("stock_prices", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    assert before.status == "success" and _pushed(sandbox, "/api/products/update-stock") == []  # all in moderation
    sandbox.moderate([approved])
    sandbox.moderate([refused], "rejected", "Фото не відповідає вимогам")
    outcome = run_inline("listing_states", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    assert outcome.status == "success" and outcome.result["changed"] == 2
    listings = _listings(database, kasta_shop.shop_id)
    assert (listings[approved][0], listings[waiting][0]) == ("active", "moderation")
    assert listings[refused][0::2] == ("rejected", "Фото не відповідає вимогам")
    pushed = run_inline("stock_prices", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    assert pushed.status == "success", pushed.message
    assert _pushed(sandbox, "/api/products/update-stock") == [{"barcode": approved, "stock": 5}]
    assert _pushed(sandbox, "/api/products/update-price") == [
        {"barcode": approved, "old_price": 1990, "new_price": 1790, "promo_price": None}]
    sandbox.moderate([waiting])
    run_inline("listing_states", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    run_inline("stock_prices", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    assert [line["barcode"] for line in _pushed(sandbox, "/api/products/update-stock")] == [approved, waiting]
    assert all(r.path != "/api/products/update-stock" or refused not in r.body for r in sandbox.requests)


def test_kastas_price_rule_in_stock_and_price_pushes(database: Database, kasta_shop: KastaShop) -> None:
    _schema(database, kasta_shop)
    [override, standard] = add_clothes(database, kasta_shop.shop_id, 2)
    with database.session() as session:
        ids = {sku: product_id for sku, product_id in session.execute(select(Product.sku, Product.id))}
        session.add_all([  # Price for Kasta with Old price for Kasta, and a promotional price for Kasta
            ProductPrice(product_id=ids[override], price_type="retail", scope="kasta", amount=Decimal("1590")),
            ProductPrice(product_id=ids[override], price_type="old", scope="kasta", amount=Decimal("2190")),
            ProductPrice(product_id=ids[override], price_type="promo", scope="kasta", amount=Decimal("1390")),
        ])
    run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    kasta_shop.sandbox.moderate()
    run_inline("listing_states", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    run_inline("stock_prices", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    prices = {line["barcode"]: line for line in _pushed(kasta_shop.sandbox, "/api/products/update-price")}
    assert prices[override] == {"barcode": override, "old_price": 2190, "new_price": 1590, "promo_price": 1390}
    assert prices[standard] == {"barcode": standard, "old_price": 1990, "new_price": 1790, "promo_price": None}
    listed = kasta_shop.sandbox.product(override)
    assert listed is not None and (listed["new_price"], listed["old_price"], listed["promo_price"]) == (
        1590, 2190, 1390)


def test_untracked_stock_is_sent_as_the_default_quantity_10(database: Database, kasta_shop: KastaShop) -> None:
    _schema(database, kasta_shop)
    [product] = add_clothes(database, kasta_shop.shop_id, 1, track_stock=False)
    run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    kasta_shop.sandbox.moderate()
    run_inline("listing_states", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    run_inline("stock_prices", kasta_shop.shop_id, database=database, config=kasta_shop.config)
    assert _pushed(kasta_shop.sandbox, "/api/products/update-stock") == [{"barcode": product, "stock": 10}]


def test_switching_the_upload_flag_off_never_deletes_anything_on_kasta(database: Database,
                                                                      kasta_shop: KastaShop) -> None:
    _schema(database, kasta_shop)
    [product] = add_clothes(database, kasta_shop.shop_id, 1)
    run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    with database.session() as session:
        session.execute(update(Listing).values(upload=False))
    (kasta_shop.config.mappings_dir / "kasta.yaml").write_text(
        (kasta_shop.config.mappings_dir / "kasta.yaml").read_text(encoding="utf-8").replace(
            '  "Одяг / Чоловічі сорочки": 2098-31\n', ""), encoding="utf-8")
    outcome = run_inline("upload_catalog", kasta_shop.shop_id, {**FAST, "all": True}, database=database,
                         config=kasta_shop.config)
    assert outcome.status == "success" and outcome.result["candidates"] == 0
    assert kasta_shop.sandbox.product(product) is not None
    assert {r.method for r in kasta_shop.sandbox.requests} <= {"GET", "POST"}
    assert _listings(database, kasta_shop.shop_id)[product][0] == "moderation"  # the listing keeps its state


def test_the_kasta_price_override_wins_with_its_old_price(database: Database, kasta_shop: KastaShop) -> None:
    _schema(database, kasta_shop)
    [product] = add_clothes(database, kasta_shop.shop_id, 1)
    with database.session() as session:
        product_id = session.scalar(select(Product.id).where(Product.sku == product))
        session.add_all([
            ProductPrice(product_id=product_id, price_type="retail", scope="kasta", amount=Decimal("1590")),
            ProductPrice(product_id=product_id, price_type="old", scope="kasta", amount=Decimal("2190")),
        ])
    run_inline("upload_catalog", kasta_shop.shop_id, FAST, database=database, config=kasta_shop.config)
    listed = kasta_shop.sandbox.product(product)
    assert listed is not None and (listed["new_price"], listed["old_price"]) == (1590, 2190)


KASPI_NOTEBOOKS = {  # local characteristic → (Kaspi attribute, local value → Kaspi value)
    "Тип": ("type", {"зошит": "тетрадь"}),
    "Формат": ("format", {"А5": "А5"}),
    "Розлініювання": ("ruling", {"клітинка": "клетка"}),
    "Поля": ("fields", None),
    "Кількість аркушів": ("number of sheets", None),
    "Обкладинка": ("cover", {"м'яка": "мягкая"}),
    "Колір обкладинки": ("color", {"синій": "синий"}),
    "Примітка": ("notice", None),
    "Розцвітка": ("range", {"одна": "одна расцветка"}),
}


def _kaspi_mapping(folder: Path) -> None:
    lines = ["characteristics:", "  Master - Exercise notebooks:"]
    for name, (attribute, values) in KASPI_NOTEBOOKS.items():
        lines.append(f"    {name}:")
        lines.append(f'      attribute: "Exercise notebooks*Obsie harakteristiki.exercise notebooks*{attribute}"')
        if values:
            lines.append("      values: {" + ", ".join(f'"{k}": "{v}"' for k, v in values.items()) + "}")
    path = folder / "kaspi.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("characteristics:\n"), text.index("\ndefaults:")
    path.write_text(text[:start] + "\n".join(lines) + "\n" + text[end:], encoding="utf-8")


def test_kaspi_products_are_imported_through_the_same_use_case(database: Database, secret_key: str,
                                                               catalog_config: Settings) -> None:
    _kaspi_mapping(catalog_config.mappings_dir)
    values = {"Тип": "зошит", "Формат": "А5", "Розлініювання": "клітинка", "Поля": "так", "Кількість аркушів": "48",
              "Обкладинка": "м'яка", "Колір обкладинки": "синій", "Примітка": "Зошит шкільний",
              "Розцвітка": "одна"}
    with KaspiSandbox(credentials={"token": "kz-token"}, orders=0) as kaspi:
        with database.session() as session:
            shop_id = add_shop(session, name="kz-main", marketplace="kaspi", secret_key=secret_key,
                               base_url=kaspi.base_url, credentials={"token": "kz-token"},
                               settings={"photo_base_url": "https://shop.example.kz/img"}).id
        skus = add_clothes(database, shop_id, 2, sku_prefix="NB", characteristics=values, only=values,
                           category_path=("Дитячі товари", "Канцтовари", "Зошити"))
        [incomplete] = add_clothes(database, shop_id, 1, sku_prefix="NB-X", characteristics=values, only=values,
                                   skip=("Примітка",), category_path=("Дитячі товари", "Канцтовари", "Зошити"))
        run_inline("categories", shop_id, database=database, config=catalog_config)
        outcome = run_inline("upload_catalog", shop_id, FAST, database=database, config=catalog_config)
        [imported] = kaspi.requests_to("/shop/api/products/import", "POST")
    assert outcome.status == "success", outcome.message
    assert (outcome.result["accepted"], outcome.result["skipped"]) == (2, 1)
    listings = _listings(database, shop_id)
    assert {listings[sku][0] for sku in skus} == {"moderation"} and listings[incomplete][0] == "new"
    sent = {a["code"].rsplit("*", 1)[1]: a["value"] for a in imported.json()[0]["attributes"]}
    assert (sent["fields"], sent["number of sheets"], sent["cover"]) == (True, 48, "мягкая")  # typed values


def test_descriptions_lose_their_html_and_photos_become_absolute_urls() -> None:
    assert plain_text("<p>Сорочка &amp; краватка</p><br/>Розмір <b>44</b>") == "Сорочка & краватка\nРозмір 44"
    assert photo_urls(["a.jpg", "https://cdn.example/b.jpg", "a.jpg", " "], "https://shop.example/img/") == [
        "https://shop.example/img/a.jpg", "https://cdn.example/b.jpg"]
