"""The price, stock and selection rules on rows built for each rule (no database needed)."""

from __future__ import annotations

from decimal import Decimal

from erpsync.feeds.catalog_map import OwnCatalog
from erpsync.feeds.offers import Offer, OfferBuilder, OfferSettings, clean_text
from erpsync.feeds.pricing import price_block
from erpsync.feeds.reader import Characteristic, ProductRow
from erpsync.feeds.selection import Exclusion, ShopRules, valid_ean
from erpsync.feeds.stock import available_quantity, stock_state

D = Decimal


def row(sku: str = "SKU1", **overrides: object) -> ProductRow:
    values: dict[str, object] = dict(
        id=1, sku=sku, barcode="4820000000017", category_id=3, name_uk="Товар", name_ru=None, name_kk=None,
        brand="Brand", model="M-1", description_html="<p>опис</p>", marketplace_description=None, unit="pcs",
        weight_kg=None, length_cm=None, width_cm=None, height_cm=None, release_date=None, track_stock=True,
        min_wholesale_qty=None, photos=["a.jpg"], characteristics=[], prices={("retail", "base"): D("100")},
        stock={1: 5}, reserved={},
    )
    values.update(overrides)
    return ProductRow(**values)  # type: ignore[arg-type]


def build(product: ProductRow, marketplace: str = "prom", **rules: object) -> Offer | Exclusion:
    shop_rules = ShopRules(marketplace=marketplace, **rules)  # type: ignore[arg-type]
    return OfferBuilder(shop_rules, OwnCatalog(), OfferSettings(photo_base_url="https://cdn.example/")).build(product)


def test_marketplace_price_wins_and_goes_with_its_own_old_price() -> None:
    prices = {("retail", "base"): D("100"), ("old", "base"): D("150"),
              ("retail", "prom"): D("90"), ("old", "prom"): D("120")}
    block = price_block(prices, marketplace="prom")
    assert block is not None
    assert (block.price, block.old_price, block.source) == (D("90.00"), D("120.00"), "marketplace")


def test_without_a_marketplace_price_the_standard_price_and_old_price_are_sent() -> None:
    prices = {("retail", "base"): D("100"), ("old", "base"): D("150"), ("old", "prom"): D("999")}
    block = price_block(prices, marketplace="prom")
    assert block is not None
    assert (block.price, block.old_price, block.source) == (D("100.00"), D("150.00"), "base")


def test_old_price_not_above_the_price_is_dropped() -> None:
    block = price_block({("retail", "base"): D("100"), ("old", "base"): D("100")}, marketplace="prom")
    assert block is not None and block.old_price is None


def test_promo_price_is_sent_where_the_marketplace_has_one() -> None:
    prices = {("retail", "base"): D("100"), ("promo", "rozetka"): D("80"), ("promo", "prom"): D("70")}
    rozetka = price_block(prices, marketplace="rozetka")
    prom = price_block({**prices, ("promo", "prom"): D("70")}, marketplace="prom")
    assert rozetka is not None and rozetka.promo_price == D("80.00")
    assert prom is not None and prom.promo_price is None  # Prom's feed has no promo price


def test_wholesale_price_needs_a_minimum_wholesale_quantity() -> None:
    prices = {("retail", "base"): D("100"), ("wholesale", "base"): D("85")}
    without = price_block(prices, marketplace="satu")
    with_quantity = price_block(prices, marketplace="satu", min_wholesale_qty=10)
    assert without is not None and without.wholesale_price is None
    assert with_quantity is not None
    assert (with_quantity.wholesale_price, with_quantity.wholesale_min_quantity) == (D("85.00"), 10)


def test_kaspi_prices_are_rounded_half_up_to_whole_tenge() -> None:
    block = price_block({("retail", "base"): D("1999.50"), ("old", "base"): D("2499.49")}, marketplace="kaspi")
    assert block is not None and (block.price, block.old_price) == (D("2000"), D("2499"))


def test_kaspi_city_prices_use_the_city_scope_or_the_kaspi_price() -> None:
    prices = {("retail", "base"): D("100"), ("retail", "kaspi:750000000"): D("95")}
    block = price_block(prices, marketplace="kaspi", city_ids=("750000000", "710000000"))
    assert block is not None and block.city_prices == (("750000000", D("95")), ("710000000", D("100")))


def test_a_wholesale_shop_sells_at_the_wholesale_price_or_not_at_all() -> None:
    assert price_block({("retail", "base"): D("100")}, marketplace="prom", price_type="wholesale") is None
    block = price_block({("wholesale", "base"): D("80")}, marketplace="prom", price_type="wholesale")
    assert block is not None and block.price == D("80.00")


def test_available_is_stock_in_the_shops_warehouses_minus_active_reservations() -> None:
    stock, reserved = {1: 10, 2: 7}, {1: 3, 2: 1}
    assert available_quantity(stock, reserved) == 13
    assert available_quantity(stock, reserved, {1}) == 7


def test_available_never_goes_below_zero() -> None:
    assert available_quantity({1: 2}, {1: 5}) == 0


def test_untracked_products_get_the_default_quantity() -> None:
    assert available_quantity({}, {}, track_stock=False, default_quantity=10) == 10


def test_zero_stock_is_hidden_unavailable_or_awaiting_as_the_shop_says() -> None:
    assert stock_state(0, tracked=True, zero_stock="hide") is None
    assert stock_state(0, tracked=True, zero_stock="unavailable").presence == "unavailable"  # type: ignore[union-attr]
    assert stock_state(0, tracked=True, zero_stock="awaiting").presence == "awaiting"  # type: ignore[union-attr]
    assert stock_state(3, tracked=True, zero_stock="hide").presence == "available"  # type: ignore[union-attr]


def test_product_without_price_is_left_out_as_bad_input() -> None:
    result = build(row(prices={}))
    assert isinstance(result, Exclusion) and result.reason == "no_price" and result.is_bad_input


def test_only_in_stock_leaves_out_products_without_stock() -> None:
    result = build(row(stock={1: 2}, reserved={1: 2}), only_in_stock=True)
    assert isinstance(result, Exclusion) and result.reason == "out_of_stock" and not result.is_bad_input


def test_only_with_photos_leaves_out_products_without_photos() -> None:
    result = build(row(photos=[]), only_with_photos=True)
    assert isinstance(result, Exclusion) and result.reason == "no_photos"


def test_kaspi_leaves_out_skus_that_are_not_20_latin_letters_or_digits() -> None:
    assert isinstance(build(row("ABC-1"), "kaspi", sku_rule="kaspi"), Exclusion)
    assert isinstance(build(row("A" * 21), "kaspi", sku_rule="kaspi"), Exclusion)
    assert isinstance(build(row("A" * 20), "kaspi", sku_rule="kaspi"), Offer)


def test_photos_are_absolute_main_first_and_without_duplicates() -> None:
    offer = build(row(photos=["main.jpg", "https://x.example/2.jpg", "main.jpg", "/3.jpg"]))
    assert isinstance(offer, Offer)
    assert offer.photos == ["https://cdn.example/main.jpg", "https://x.example/2.jpg", "https://cdn.example/3.jpg"]


def test_description_for_marketplaces_replaces_the_html_description_when_set() -> None:
    offer = build(row(marketplace_description="для маркетплейсів"))
    assert isinstance(offer, Offer) and offer.description == "для маркетплейсів"


def test_slug_is_transliterated_latin() -> None:
    offer = build(row(name_uk="Смартфон Samsung Ґалакси"))
    assert isinstance(offer, Offer) and offer.slug == "smartfon-samsung-galaksi"


def test_control_characters_are_removed_from_texts() -> None:
    assert clean_text("a\x00b\x0bc\x1fd\te\nf\ufffe") == "abcd\te\nf"


def test_ean_check_digit() -> None:
    assert valid_ean("4820000000017") and not valid_ean("4820000000018") and not valid_ean("ABC")


def test_characteristics_become_params_with_units() -> None:
    offer = build(row(characteristics=[Characteristic("Вага", "1.5", "кг", False)]))
    assert isinstance(offer, Offer) and [(p.name, p.value, p.unit) for p in offer.params] == [("Вага", "1.5", "кг")]
