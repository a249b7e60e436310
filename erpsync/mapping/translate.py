"""The effective mapping of a shop, and the translations the sync code asks of it.

``load_mapping(mappings_dir, marketplace, shop)`` reads ``<marketplace>.yaml`` with
``shops/<shop>.yaml`` merged over it, refuses it with ``MappingInvalid`` if ``check`` finds errors,
and returns an ``EffectiveMapping`` whose methods translate one value each and return small
dataclasses. Codes are compared as text: a Rozetka status ``26`` and ``"26"`` are the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from erpsync.core.errors import NotFoundError, ValidationError
from erpsync.core.marketplaces import marketplace_info
from erpsync.mapping.document import ACCOUNTING_FILE, SHOPS_FOLDER, load_document
from erpsync.mapping.merge import merge_data
from erpsync.mapping.problems import MappingInvalid, errors_of
from erpsync.mapping.schema import IGNORE
from erpsync.mapping.tree import PATH_SEPARATOR, category_path_key
from erpsync.mapping.units import canonical_unit, format_number, known_factor, parse_number, same_unit
from erpsync.mapping.validate import CheckContext, check_file
from erpsync.marketplaces.base import ProductAttributeValue

_SHOP_NAME = re.compile(r"^[\w.\-]+$")


def marketplace_file(mappings_dir: Path, marketplace: str) -> Path:
    marketplace_info(marketplace)
    return mappings_dir / f"{marketplace}.yaml"


def shop_file(mappings_dir: Path, shop: str) -> Path:
    """``shops/<shop>.yaml``; a shop name that cannot be a file name is refused."""
    if not _SHOP_NAME.match(shop) or shop.startswith("."):
        raise ValidationError(f"shop {shop!r} cannot have a mapping file: its name must be letters, digits, . _ -")
    return mappings_dir / SHOPS_FOLDER / f"{shop}.yaml"


def accounting_file(mappings_dir: Path) -> Path:
    return mappings_dir / ACCOUNTING_FILE


def display_name(path: Path) -> str:
    """A path as messages show it: relative to the working folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- what translations return ----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A file the effective mapping was read from."""

    name: str
    version: int | None


@dataclass(frozen=True)
class InboundStatus:
    marketplace_status: str
    accounting_status: str
    mapped: bool  # False: the status is not in the file, ``defaults.inbound_status`` was used


@dataclass(frozen=True)
class OutboundAction:
    """What to do on the marketplace when an order reaches ``accounting_status``."""

    accounting_status: str
    ignore: bool
    status: str | None = None
    reason: str | None = None
    comment: str | None = None
    push_waybill: bool = False


@dataclass(frozen=True)
class MethodTranslation:
    """A delivery or payment code translated; ``mapped`` is False when ``defaults`` supplied the method."""

    marketplace_code: str | None
    accounting_method: str | None
    mapped: bool


@dataclass(frozen=True)
class CategoryMatch:
    category_code: str
    matched_by: str  # the key of ``categories`` that matched (an id or a path, maybe a parent's)


@dataclass(frozen=True)
class AttributeMapping:
    """A product's characteristics in a marketplace category.

    ``attributes``: the marketplace attribute codes with their values (text, or a tuple for several);
    ``unmapped``: local characteristics with no attribute in this category; ``rejected``: values
    left out, each with the reason (a select value not mapped, a unit that cannot be converted).
    """

    attributes: tuple[ProductAttributeValue, ...]
    unmapped: tuple[str, ...]
    rejected: tuple[str, ...]


class LocalCharacteristic(Protocol):
    """What a characteristic of a product offers (``ProductCharacteristic`` rows have it)."""

    name: str
    value: str
    unit: str | None


@dataclass(frozen=True)
class Characteristic:
    name: str
    value: str
    unit: str | None = None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- the effective mapping -------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveMapping:
    """A marketplace's mapping as a shop uses it. Build it with ``load_mapping``."""

    marketplace: str
    shop: str | None
    data: dict[str, Any]
    sources: tuple[Source, ...]

    def section(self, *path: str) -> dict[str, Any]:
        node: Any = self.data
        for part in path:
            node = _dict(node).get(part)
        return _dict(node)

    # statuses
    def inbound_status(self, marketplace_status: str | int) -> InboundStatus:
        """The accounting status for a marketplace status; ``defaults.inbound_status`` when unmapped."""
        code = str(marketplace_status)
        mapped = self.section("statuses", "inbound").get(code)
        if mapped is not None:
            return InboundStatus(code, str(mapped), True)
        default = self.section("defaults").get("inbound_status")
        if default is None:
            raise ValidationError(f"{self.marketplace} status {code!r} is not mapped in {self._files()} and there is "
                                  "no defaults.inbound_status")
        return InboundStatus(code, str(default), False)

    def outbound_action(self, accounting_status: str) -> OutboundAction:
        """What to set on the marketplace for an accounting status (``ignore=True``: nothing)."""
        action = self.section("statuses", "outbound").get(accounting_status)
        if action is None:
            raise ValidationError(f"accounting status {accounting_status!r} has no outbound entry in {self._files()}")
        if action == IGNORE:
            return OutboundAction(accounting_status, ignore=True)
        return OutboundAction(
            accounting_status,
            ignore=False,
            status=_text(action.get("status")),
            reason=_text(action.get("reason")),
            comment=_text(action.get("comment")),
            push_waybill=bool(action.get("push_waybill", False)),
        )

    # delivery and payment
    def inbound_delivery(self, code: str | int | None) -> MethodTranslation:
        return self._inbound_method("delivery", code)

    def inbound_payment(self, code: str | int | None) -> MethodTranslation:
        return self._inbound_method("payment", code)

    def outbound_delivery(self, accounting_method: str | None) -> str | None:
        """The marketplace's code for an accounting delivery method (e.g. the carrier sent with a waybill)."""
        return self._outbound_method("delivery", accounting_method)

    def outbound_payment(self, accounting_method: str | None) -> str | None:
        return self._outbound_method("payment", accounting_method)

    def _inbound_method(self, section: str, code: str | int | None) -> MethodTranslation:
        text = _text(code)
        mapped = self.section(section, "inbound").get(text) if text is not None else None
        if mapped is not None:
            return MethodTranslation(text, str(mapped), True)
        return MethodTranslation(text, _text(self.section("defaults").get(section)), False)

    def _outbound_method(self, section: str, accounting_method: str | None) -> str | None:
        if accounting_method is None:
            accounting_method = _text(self.section("defaults").get(section))
        code = self.section(section, "outbound").get(accounting_method) if accounting_method else None
        if code is None and accounting_method is not None:
            default = self.section("defaults").get(section)
            code = self.section(section, "outbound").get(default) if default else None
        return _text(code)

    # catalog
    def category(
        self, *, path: str | Sequence[str] | None = None, category_id: int | None = None
    ) -> CategoryMatch | None:
        """The marketplace category of a local category, by id or path (``"A / B / C"`` or its names);
        a category not listed takes its nearest listed parent's. None: not mapped at all."""
        categories = self.section("categories")
        if category_id is not None and str(category_id) in categories:
            return CategoryMatch(str(categories[str(category_id)]), str(category_id))
        if path is None:
            return None
        names = [p.strip() for p in (path.split("/") if isinstance(path, str) else path) if p and p.strip()]
        by_path = {category_path_key(key): key for key in categories if not key.isdigit()}
        for length in range(len(names), 0, -1):
            key = by_path.get(PATH_SEPARATOR.join(names[:length]))
            if key is not None:
                return CategoryMatch(str(categories[key]), key)
        return None

    def attributes(self, category_code: str | int, characteristics: Iterable[LocalCharacteristic]) -> AttributeMapping:
        """A product's characteristics as the marketplace category's attribute codes and values."""
        specs = self.section("characteristics", str(category_code))
        grouped: dict[str, list[LocalCharacteristic]] = {}
        for characteristic in characteristics:
            grouped.setdefault(characteristic.name, []).append(characteristic)
        attributes: list[ProductAttributeValue] = []
        unmapped: list[str] = []
        rejected: list[str] = []
        for name, rows in grouped.items():
            spec = specs.get(name)
            if not isinstance(spec, dict):
                unmapped.append(name)
                continue
            converted = (_attribute_value(spec, row, rejected, category_code) for row in rows)
            values = [value for value in converted if value is not None]
            if values:
                value: Any = values[0] if len(values) == 1 else tuple(values)
                attributes.append(ProductAttributeValue(str(spec["attribute"]), value))
        return AttributeMapping(tuple(attributes), tuple(unmapped), tuple(rejected))

    def _files(self) -> str:
        return " + ".join(source.name for source in self.sources)


def _attribute_value(spec: dict[str, Any], row: LocalCharacteristic, rejected: list[str],
                     category_code: str | int) -> str | None:
    value = str(row.value).strip()
    unit = _dict(spec.get("unit"))
    if unit:
        converted = convert_unit(value, row.unit, unit)
        if converted is None:
            rejected.append(f"{row.name}={row.value}{' ' + row.unit if row.unit else ''}: cannot convert to "
                            f"{unit.get('to')}")
            return None
        value = converted
    choices = spec.get("values")
    if not isinstance(choices, dict):
        return value
    found = _choice(choices, value)
    if found is None:
        rejected.append(f"{row.name}={row.value}: no {category_code} value is mapped for it "
                        f"(characteristics.{category_code}.{row.name}.values)")
    return found


def _choice(choices: dict[str, Any], value: str) -> str | None:
    if value in choices:
        return str(choices[value])
    folded = value.casefold()
    number = parse_number(value)
    for local, code in choices.items():
        if local.casefold() == folded:
            return str(code)
        if number is not None and parse_number(local) == number:
            return str(code)
    return None


def convert_unit(value: str, unit: str | None, rule: dict[str, Any]) -> str | None:
    """``value`` (in ``unit``) in the rule's ``to`` unit; None when it is not a number or the units differ."""
    source, target = str(rule.get("from")), str(rule.get("to"))
    if unit is not None and same_unit(unit, target) and not same_unit(unit, source):
        return value
    if unit is not None and not same_unit(unit, source):
        return None
    number = parse_number(value)
    if number is None:
        return None
    factor = rule.get("factor")
    multiplier = Decimal(str(factor)) if factor is not None else known_factor(source, target)
    if multiplier is None:
        return None
    return format_number(number * multiplier)


# --- loading ---------------------------------------------------------------------------------------


def load_mapping(mappings_dir: Path, marketplace: str, shop: str | None = None) -> EffectiveMapping:
    """The effective mapping of ``shop`` on ``marketplace`` (the marketplace's file when the shop has none
    or ``shop`` is None). Raises ``MappingInvalid`` listing every error when the files do not pass check."""
    base_path = marketplace_file(mappings_dir, marketplace)
    if not base_path.is_file():
        raise NotFoundError(f"there is no mapping file for {marketplace}: {display_name(base_path)}",
                            hint="create it from the default files in the erpsync repository's mappings/ folder")
    own_path = shop_file(mappings_dir, shop) if shop else None
    checked = own_path if own_path is not None and own_path.is_file() else base_path
    problems = check_file(checked, CheckContext(mappings_dir), display_name(checked))
    if errors_of(problems):
        raise MappingInvalid(problems)
    base = load_document(base_path, display_name(base_path))
    data = base.data
    sources = [Source(base.name, base.version)]
    if checked is own_path:
        own = load_document(own_path, display_name(own_path))
        if own.data.get("marketplace") != marketplace:
            raise ValidationError(f"{own.name} is for {own.data.get('marketplace')}, but shop {shop!r} sells on "
                                  f"{marketplace}")
        data = merge_data(base.data, own.data)
        sources.append(Source(own.name, own.version))
    return EffectiveMapping(marketplace, shop, data, tuple(sources))


__all__ = [
    "AttributeMapping",
    "CategoryMatch",
    "Characteristic",
    "EffectiveMapping",
    "InboundStatus",
    "LocalCharacteristic",
    "MethodTranslation",
    "OutboundAction",
    "Source",
    "canonical_unit",
    "convert_unit",
    "load_mapping",
    "marketplace_file",
    "shop_file",
]
