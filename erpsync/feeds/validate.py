"""Checking a feed file before a marketplace does: well-formedness, schema, and each marketplace's rules.

XML feeds are read with ``lxml.etree.iterparse`` (streamed, offers cleared as they are checked, so a
feed of millions of offers is checked in flat memory apart from the set of seen ids):

- always: well-formedness (a syntax error stops the check, naming its line);
- Kaspi: the price-list schema ``schemas/kaspi.xsd`` (transcribed from Kaspi's documentation) and its
  rules: SKU of 1–20 digits and Latin letters, unique; preOrder at most 30; whole-number prices;
- YML (Prom, Satu, Rozetka, Epicentr, Hubber, Zakupka): the catalog's structure, unique offer ids,
  ``available`` values, positive prices, old price above price, promo price below it, currencies and
  categories that are declared, a name; Rozetka also a vendor, a picture and ``stock_quantity``;
- Kaufland CSV: the header, valid EANs, titles, prices and amounts.

Each problem names the line it was found on.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.feeds.selection import KASPI_SKU, valid_ean
from erpsync.feeds.specs import FEED_MARKETPLACES

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
KASPI_NS = "{kaspiShopping}"
MAX_PROBLEMS = 200
PROM_AVAILABLE = {"true", "false", ""}
YML_AVAILABLE = {"true", "false"}
OLD_PRICE_TAGS = ("oldprice", "price_old")
KAUFLAND_PRODUCT_COLUMNS = ("ean", "title")
KAUFLAND_INVENTORY_COLUMNS = ("ean", "condition", "listing_price", "amount")
KAUFLAND_CONDITIONS = {"NEW", "USED___AS_NEW", "USED___VERY_GOOD", "USED___GOOD", "USED___ACCEPTABLE"}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ValidationReport:
    path: Path
    marketplace: str
    offers: int = 0
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    schema: str | None = None  # the schema the file was validated against, if any

    @property
    def valid(self) -> bool:
        return self.total_problems == 0

    def add(self, line: int | None, message: str) -> None:
        self.total_problems += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line or 0, message))


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _iter_elements(path: Path, report: ValidationReport, schema: etree.XMLSchema | None) -> Iterator[etree._Element]:
    """End events of every element; a syntax or schema error is recorded and ends the walk."""
    etree.clear_error_log()  # lxml keeps a global log: start from an empty one
    try:
        for _event, element in etree.iterparse(str(path), events=("end",), schema=schema, huge_tree=True):
            yield element
    except etree.XMLSyntaxError as error:
        schema_errors = [e for e in error.error_log if e.domain_name == "SCHEMASV"] if schema is not None else []
        if schema_errors:  # lxml reports schema violations together at the end of a streamed parse
            for entry in schema_errors:
                report.add(entry.line, f"schema {report.schema}: {entry.message}")
            return
        line = error.lineno if error.lineno else (error.position[0] if error.position else 0)
        report.add(line, f"not well-formed: {error.msg if hasattr(error, 'msg') else error}")


def _release(element: etree._Element) -> None:
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _check_kaspi(path: Path, report: ValidationReport) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / "kaspi.xsd")))
    report.schema = "kaspi.xsd"
    seen: set[str] = set()
    root_checked = False
    for element in _iter_elements(path, report, schema):
        tag = element.tag
        if tag == f"{KASPI_NS}offer":
            report.offers += 1
            _check_kaspi_offer(element, report, seen)
            _release(element)
        elif tag in (f"{KASPI_NS}company", f"{KASPI_NS}merchantid") and not (element.text or "").strip():
            report.add(element.sourceline, f"<{tag.removeprefix(KASPI_NS)}> is empty")
        elif tag == f"{KASPI_NS}kaspi_catalog":
            root_checked = True
        elif (not isinstance(tag, str) or not tag.startswith(KASPI_NS)) and element.getparent() is None:
            root_checked = True
            report.add(element.sourceline,
                       f"the root element must be kaspi_catalog in namespace kaspiShopping, found {tag}")
    if not root_checked and report.total_problems == 0:
        report.add(1, "no kaspi_catalog element")


def _check_kaspi_offer(offer: etree._Element, report: ValidationReport, seen: set[str]) -> None:
    sku = offer.get("sku") or ""
    line = offer.sourceline
    if not KASPI_SKU.match(sku):
        report.add(line, f"offer sku {sku!r}: Kaspi takes 1–20 digits and Latin letters")
    if sku in seen:
        report.add(line, f"offer sku {sku!r} appears twice")
    seen.add(sku)
    for availability in offer.iter(f"{KASPI_NS}availability"):
        pre_order = availability.get("preOrder")
        if pre_order is not None and (not pre_order.isdigit() or int(pre_order) > 30):
            report.add(availability.sourceline, f"offer {sku}: preOrder {pre_order!r} is not 0–30 days")
    for price in [*offer.iter(f"{KASPI_NS}price"), *offer.iter(f"{KASPI_NS}cityprice")]:
        if not re.fullmatch(r"[0-9]+", (price.text or "").strip()) or int(price.text or 0) <= 0:
            report.add(price.sourceline, f"offer {sku}: price {price.text!r} is not a positive whole number")


@dataclass
class _YmlState:
    marketplace: str
    currencies: set[str] = field(default_factory=set)
    categories: dict[str, int] = field(default_factory=dict)  # id -> line
    parents: list[tuple[str, int]] = field(default_factory=list)
    offer_ids: set[str] = field(default_factory=set)
    offers_seen: bool = False
    sections: set[str] = field(default_factory=set)


def _check_yml(path: Path, marketplace: str, report: ValidationReport) -> None:
    state = _YmlState(marketplace)
    root = None
    for element in _iter_elements(path, report, None):
        tag = element.tag
        if tag == "currency":
            state.currencies.add(element.get("id") or "")
        elif tag == "category":
            _check_category(element, state, report)
        elif tag == "offer":
            report.offers += 1
            _check_yml_offer(element, state, report)
            _release(element)
        elif tag in ("shop", "currencies", "categories", "offers"):
            state.sections.add(tag)
        if element.getparent() is None:
            root = element
    if report.total_problems and root is None:
        return  # not well-formed: already reported
    if root is not None and root.tag != "yml_catalog":
        report.add(root.sourceline, f"the root element must be yml_catalog, found {root.tag}")
    for section in ("shop", "currencies", "offers"):
        if section not in state.sections:
            report.add(1, f"no <{section}> element")
    for parent, line in state.parents:
        if parent not in state.categories:
            report.add(line, f"category parentId {parent!r} is not a declared category")


def _check_category(element: etree._Element, state: _YmlState, report: ValidationReport) -> None:
    category_id = element.get("id") or ""
    if not category_id:
        report.add(element.sourceline, "a category has no id")
    elif category_id in state.categories:
        report.add(element.sourceline, f"category id {category_id!r} appears twice")
    state.categories[category_id] = element.sourceline or 0
    if element.get("parentId"):
        state.parents.append((element.get("parentId") or "", element.sourceline or 0))


def _text(offer: etree._Element, tag: str) -> str | None:
    child = offer.find(tag)
    return None if child is None else (child.text or "").strip()


def _check_yml_offer(offer: etree._Element, state: _YmlState, report: ValidationReport) -> None:
    line = offer.sourceline
    offer_id = offer.get("id") or ""
    label = f"offer {offer_id!r}"
    if not offer_id:
        report.add(line, "an offer has no id")
    elif offer_id in state.offer_ids:
        report.add(line, f"{label} appears twice")
    state.offer_ids.add(offer_id)
    allowed = PROM_AVAILABLE if state.marketplace in ("prom", "satu") else YML_AVAILABLE
    if offer.get("available") not in allowed:
        report.add(line, f"{label}: available={offer.get('available')!r}, expected one of {sorted(allowed)}")
    price = _decimal(_text(offer, "price"))
    if price is None or price <= 0:
        report.add(line, f"{label}: price {_text(offer, 'price')!r} is not a positive number")
    for tag in OLD_PRICE_TAGS:
        old = _text(offer, tag)
        if old is not None and price is not None and ((_decimal(old) or 0) <= price):
            report.add(line, f"{label}: <{tag}> {old} is not above the price {price}")
    promo = _text(offer, "price_promo")
    if promo is not None and price is not None and not (0 < (_decimal(promo) or 0) < price):
        report.add(line, f"{label}: <price_promo> {promo} is not between 0 and the price {price}")
    currency = _text(offer, "currencyId")
    if currency is not None and currency not in state.currencies:
        report.add(line, f"{label}: currencyId {currency!r} is not declared in <currencies>")
    category = _text(offer, "categoryId")
    if category is None or category not in state.categories:
        report.add(line, f"{label}: categoryId {category!r} is not a declared category")
    if not _text(offer, "name"):
        report.add(line, f"{label}: no <name>")
    for param in offer.findall("param"):
        if not param.get("name"):
            report.add(param.sourceline, f"{label}: a <param> has no name")
    _check_marketplace_offer(offer, state.marketplace, label, report)


def _check_marketplace_offer(offer: etree._Element, marketplace: str, label: str, report: ValidationReport) -> None:
    line = offer.sourceline
    quantity_tag = {"rozetka": "stock_quantity", "prom": "quantity_in_stock", "satu": "quantity_in_stock",
                    "hubber": "quantity_in_stock", "epicentr": "quantity", "zakupka": "quantity"}.get(marketplace)
    quantity = _text(offer, quantity_tag) if quantity_tag else None
    if quantity is not None and not quantity.isdigit():
        report.add(line, f"{label}: <{quantity_tag}> {quantity!r} is not a whole number ≥ 0")
    if marketplace == "rozetka":
        if quantity is None:
            report.add(line, f"{label}: Rozetka needs <stock_quantity>")
        if not _text(offer, "vendor"):
            report.add(line, f"{label}: Rozetka needs <vendor>")
        if offer.find("picture") is None:
            report.add(line, f"{label}: Rozetka needs at least one <picture>")


# A product description may be longer than the csv module's default field limit (128 KiB): a feed with one
# is valid CSV, so the check reads fields up to this size (a larger one is reported, not a crash).
CSV_FIELD_LIMIT = 16 * 1024 * 1024


def _check_kaufland(path: Path, report: ValidationReport) -> None:
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            report.add(1, "the file is empty")
            return
        except csv.Error as error:
            report.add(1, f"not CSV: {error}")
            return
        inventory = "listing_price" in header
        required = KAUFLAND_INVENTORY_COLUMNS if inventory else KAUFLAND_PRODUCT_COLUMNS
        missing = [c for c in required if c not in header]
        if missing:
            report.add(1, f"the header lacks the column(s) {', '.join(missing)}")
            return
        index = {name: position for position, name in enumerate(header)}
        check: Callable[[list[str], int], None] = (
            (lambda row, line: _check_kaufland_unit(row, index, line, report)) if inventory
            else (lambda row, line: _check_kaufland_product(row, index, line, report))
        )
        seen: set[str] = set()
        try:
            for row in reader:
                line = reader.line_num
                report.offers += 1
                if len(row) != len(header):
                    report.add(line, f"{len(row)} fields, the header has {len(header)}")
                    continue
                ean = row[index["ean"]]
                if not valid_ean(ean):
                    report.add(line, f"ean {ean!r} is not a valid EAN/GTIN")
                key = row[index["id_offer"]] if inventory and "id_offer" in index else ean
                if key in seen:
                    report.add(line, f"{'id_offer' if inventory else 'ean'} {key!r} appears twice")
                seen.add(key)
                check(row, line)
        except csv.Error as error:
            report.add(reader.line_num, f"not CSV: {error}")


def _check_kaufland_product(row: list[str], index: dict[str, int], line: int, report: ValidationReport) -> None:
    if not row[index["title"]].strip():
        report.add(line, "no title")


def _check_kaufland_unit(row: list[str], index: dict[str, int], line: int, report: ValidationReport) -> None:
    price = _decimal(row[index["listing_price"]])
    if price is None or price <= 0:
        report.add(line, f"listing_price {row[index['listing_price']]!r} is not a positive number")
    if not row[index["amount"]].isdigit():
        report.add(line, f"amount {row[index['amount']]!r} is not a whole number ≥ 0")
    if row[index["condition"]] not in KAUFLAND_CONDITIONS:
        report.add(line, f"condition {row[index['condition']]!r} is not a Kaufland condition")


def validate_feed(path: Path, marketplace: str) -> ValidationReport:
    """Check the feed file at ``path`` as ``marketplace`` would read it."""
    if marketplace not in FEED_MARKETPLACES:
        known = ", ".join(FEED_MARKETPLACES)
        raise ValidationError(f"{marketplace!r} reads no feed (feed-based marketplaces: {known})")
    if not path.is_file():
        raise NotFoundError(f"no feed file {path}")
    report = ValidationReport(path, marketplace)
    if marketplace == "kaspi":
        _check_kaspi(path, report)
    elif marketplace == "kaufland":
        _check_kaufland(path, report)
    else:
        _check_yml(path, marketplace, report)
    return report


__all__ = ["Problem", "ValidationReport", "validate_feed"]
