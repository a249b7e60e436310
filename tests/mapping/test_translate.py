"""The translation API the sync code uses, on the default files and with a shop's overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpsync.core.errors import ValidationError
from erpsync.mapping import (
    CategoryMatch,
    Characteristic,
    InboundStatus,
    MappingInvalid,
    MethodTranslation,
    OutboundAction,
    load_mapping,
)
from erpsync.marketplaces.base import ProductAttributeValue
from tests.mapping.conftest import KASPI, write

SHOP_FILE = """\
# kz-main: cancels at the buyer's request, delivers locally with Kaspi Delivery
marketplace: kaspi
version: 4
statuses:
  outbound:
    cancelled: {reason: BUYER_CANCELLATION_BY_MERCHANT, comment: Покупатель отказался}
delivery:
  inbound:
    DELIVERY_LOCAL: kaspi_delivery
"""


def test_a_shops_file_changes_what_it_names_and_keeps_the_rest(mappings_dir: Path) -> None:
    write(mappings_dir, "shops/kz-main.yaml", SHOP_FILE)
    mapping = load_mapping(mappings_dir, "kaspi", "kz-main")
    assert mapping.outbound_action("cancelled") == OutboundAction(
        "cancelled", ignore=False, status="CANCELLED", reason="BUYER_CANCELLATION_BY_MERCHANT",
        comment="Покупатель отказался", push_waybill=False)
    assert mapping.inbound_delivery("DELIVERY_LOCAL") == MethodTranslation("DELIVERY_LOCAL", "kaspi_delivery", True)
    assert mapping.inbound_delivery("DELIVERY_PICKUP") == MethodTranslation("DELIVERY_PICKUP", "pickup", True)
    assert [(s.name.split("/")[-1], s.version) for s in mapping.sources] == [("kaspi.yaml", 1), ("kz-main.yaml", 4)]
    other = load_mapping(mappings_dir, "kaspi", "kz-other")  # no file of its own: the marketplace's file
    assert other.outbound_action("cancelled").reason == "MERCHANT_OUT_OF_STOCK"


def test_a_problem_in_a_shops_file_names_that_file(mappings_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(mappings_dir.parent)
    write(mappings_dir, "shops/kz-main.yaml", SHOP_FILE.replace("BUYER_CANCELLATION_BY_MERCHANT", "SOLD_OUT"))
    with pytest.raises(MappingInvalid) as refused:
        load_mapping(mappings_dir, "kaspi", "kz-main")
    assert str(refused.value) == (
        "mappings/shops/kz-main.yaml:6:25: statuses.outbound.cancelled.reason: kaspi has no cancellation reason "
        "'SOLD_OUT' (known: BUYER_CANCELLATION_BY_MERCHANT, BUYER_NOT_REACHABLE, MERCHANT_OUT_OF_STOCK)")


def test_a_shops_file_for_another_marketplace_is_refused(mappings_dir: Path) -> None:
    write(mappings_dir, "shops/kz-main.yaml", "marketplace: prom\nversion: 1\n")
    with pytest.raises(ValidationError, match="is for prom, but shop 'kz-main' sells on kaspi"):
        load_mapping(mappings_dir, "kaspi", "kz-main")


def test_inbound_statuses_and_the_default_for_an_unknown_one(mappings_dir: Path) -> None:
    kaspi = load_mapping(mappings_dir, "kaspi")
    assert kaspi.inbound_status("CANCELLING") == InboundStatus("CANCELLING", "cancelled", True)
    assert kaspi.inbound_status("PARTIALLY_RETURNED") == InboundStatus("PARTIALLY_RETURNED", "new", False)
    rozetka = load_mapping(mappings_dir, "rozetka")
    assert rozetka.inbound_status(26) == InboundStatus("26", "accepted", True)
    write(mappings_dir, "kaspi.yaml", KASPI.replace("defaults:\n  inbound_status: new\n", ""))
    with pytest.raises(ValidationError, match=r"kaspi status 'PARTIALLY_RETURNED' is not mapped in .*kaspi\.yaml and "
                                              r"there is no defaults\.inbound_status"):
        load_mapping(mappings_dir, "kaspi").inbound_status("PARTIALLY_RETURNED")


def test_outbound_actions(mappings_dir: Path) -> None:
    rozetka = load_mapping(mappings_dir, "rozetka")
    assert rozetka.outbound_action("shipped") == OutboundAction("shipped", False, status=None, push_waybill=True)
    assert rozetka.outbound_action("delivered") == OutboundAction("delivered", ignore=True)
    prom = load_mapping(mappings_dir, "prom")
    assert prom.outbound_action("shipped") == OutboundAction("shipped", False, status=None, push_waybill=True)
    assert prom.outbound_action("cancelled") == OutboundAction("cancelled", False, "canceled", "not_available")


def test_delivery_and_payment_with_defaults(mappings_dir: Path) -> None:
    kaufland = load_mapping(mappings_dir, "kaufland")
    assert kaufland.inbound_payment(None) == MethodTranslation(None, "marketplace_payment", False)
    assert kaufland.outbound_delivery("dpd") == "DPD"
    assert kaufland.outbound_delivery("pickup") == "DHL"  # no carrier for it: the default carrier
    assert kaufland.outbound_delivery(None) == "DHL"
    prom = load_mapping(mappings_dir, "prom")
    assert prom.inbound_payment("evopay") == MethodTranslation("evopay", "marketplace_payment", True)
    assert prom.inbound_delivery("Самовивіз") == MethodTranslation("Самовивіз", "other", False)
    assert prom.outbound_delivery("nova_poshta") == "nova_poshta"


def test_a_local_category_by_id_path_or_nearest_parent(mappings_dir: Path) -> None:
    text = KASPI.replace("categories: {}", 'categories:\n  "Дім / Кухня": Master - Pans\n  17: Master - Blenders')
    write(mappings_dir, "kaspi.yaml", text)
    kaspi = load_mapping(mappings_dir, "kaspi")
    assert kaspi.category(category_id=17) == CategoryMatch("Master - Blenders", "17")
    assert kaspi.category(path="Дім/Кухня") == CategoryMatch("Master - Pans", "Дім / Кухня")
    assert kaspi.category(path=["Дім", "Кухня", "Каструлі"]) == CategoryMatch("Master - Pans", "Дім / Кухня")
    assert kaspi.category(path="Дім / Сад", category_id=3) is None


def test_characteristics_become_attribute_codes_values_and_units(mappings_dir: Path) -> None:
    text = KASPI.replace("characteristics: {}", """characteristics:
  Master - Smartphones:
    Колір:
      attribute: Smartphones*Color
      values: {чорний: черный, білий: белый}
    Вбудована пам'ять:
      attribute: Smartphones*Memory
      unit: {from: ГБ, to: МБ}
    Діагональ екрана:
      attribute: Smartphones*Diagonal
      values: {6.1: 6.1 дюйма}""")
    write(mappings_dir, "kaspi.yaml", text)
    kaspi = load_mapping(mappings_dir, "kaspi")
    result = kaspi.attributes("Master - Smartphones", [
        Characteristic("Колір", "Чорний"), Characteristic("Колір", "білий"), Characteristic("Колір", "рожевий"),
        Characteristic("Вбудована пам'ять", "128", "ГБ"), Characteristic("Діагональ екрана", "6,1", "дюйм"),
        Characteristic("Гарантія", "12", "міс"),
    ])
    assert result.attributes == (
        ProductAttributeValue("Smartphones*Color", ("черный", "белый")),
        ProductAttributeValue("Smartphones*Memory", "131072"),
        ProductAttributeValue("Smartphones*Diagonal", "6.1 дюйма"),
    )
    assert result.unmapped == ("Гарантія",)
    assert result.rejected == ("Колір=рожевий: no Master - Smartphones value is mapped for it "
                               "(characteristics.Master - Smartphones.Колір.values)",)
    wrong_unit = kaspi.attributes("Master - Smartphones", [Characteristic("Вбудована пам'ять", "1", "ТБ")])
    assert wrong_unit.rejected == ("Вбудована пам'ять=1 ТБ: cannot convert to МБ",)


def test_an_invalid_mapping_is_refused_with_every_error(mappings_dir: Path) -> None:
    write(mappings_dir, "kaspi.yaml", KASPI.replace("RETURNED: returned", "RETURNED: retured")
          .replace("    new: ignore\n", ""))
    with pytest.raises(MappingInvalid) as refused:
        load_mapping(mappings_dir, "kaspi")
    assert len(refused.value.problems) == 2
    assert str(refused.value).endswith("(and 1 more)")
