"""Which feed each feed-based marketplace reads: its template(s), file names, required shop settings.

Kaspi reads an XML price list, Prom / Satu / Rozetka / Epicentr / Hubber / Zakupka read YML, Kaufland
reads two CSV import files (product data, inventory). Kasta and Horoshop take API pushes only.
"""

from __future__ import annotations

from dataclasses import dataclass

from erpsync.core.errors import ValidationError
from erpsync.core.marketplaces import marketplace_info

XML_MEDIA_TYPE = "application/xml; charset=utf-8"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class FeedFile:
    template: str  # file name in feed_templates/
    filename: str  # name of the rendered file (and the last part of its URL)
    media_type: str

    @property
    def is_xml(self) -> bool:
        return self.media_type == XML_MEDIA_TYPE


@dataclass(frozen=True)
class FeedSpec:
    marketplace: str
    kind: str  # kaspi | yml | kaufland
    files: tuple[FeedFile, ...]
    required_settings: tuple[str, ...] = ()
    needs_marketplace_category: bool = False
    sku_rule: str | None = None  # kaspi: digits and Latin letters, at most 20
    needs_barcode: bool = False
    needs_photo: bool = False
    needs_brand: bool = False
    with_content: bool = True  # descriptions, photos and params (a price list has none)


def _yml(marketplace: str, template: str, **requirements: bool) -> FeedSpec:
    return FeedSpec(
        marketplace, "yml", (FeedFile(template, "feed.xml", XML_MEDIA_TYPE),), required_settings=("company", "url"),
        **requirements,
    )


FEED_SPECS: dict[str, FeedSpec] = {
    "kaspi": FeedSpec(
        "kaspi", "kaspi", (FeedFile("kaspi.xml.j2", "kaspi.xml", XML_MEDIA_TYPE),),
        required_settings=("company", "merchant_id", "store_ids"), sku_rule="kaspi", with_content=False,
    ),
    "prom": _yml("prom", "prom.yml.j2"),
    "satu": _yml("satu", "prom.yml.j2"),
    "rozetka": _yml("rozetka", "rozetka.yml.j2", needs_photo=True, needs_brand=True),
    "epicentr": _yml("epicentr", "epicentr.yml.j2"),
    "hubber": _yml("hubber", "hubber.yml.j2"),
    "zakupka": _yml("zakupka", "zakupka.yml.j2"),
    "kaufland": FeedSpec(
        "kaufland", "kaufland",
        (
            FeedFile("kaufland_products.csv.j2", "products.csv", CSV_MEDIA_TYPE),
            FeedFile("kaufland_inventory.csv.j2", "inventory.csv", CSV_MEDIA_TYPE),
        ),
        needs_marketplace_category=True, needs_barcode=True,
    ),
}

FEED_MARKETPLACES: tuple[str, ...] = tuple(FEED_SPECS)


def feed_spec(marketplace: str) -> FeedSpec:
    """The feed of a marketplace, or a clear error for marketplaces that take no feed."""
    marketplace_info(marketplace)  # unknown names get the standard message
    try:
        return FEED_SPECS[marketplace]
    except KeyError:
        raise ValidationError(
            f"{marketplace} reads no feed file (feed-based marketplaces: {', '.join(FEED_MARKETPLACES)})"
        ) from None


__all__ = ["CSV_MEDIA_TYPE", "FEED_MARKETPLACES", "FEED_SPECS", "XML_MEDIA_TYPE", "FeedFile", "FeedSpec", "feed_spec"]
