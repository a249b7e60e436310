"""The tables of the mapping editor, one per section of a mapping file, and how a posted table becomes
the values of that section.

Every editor has the same three parts: ``regions`` (the key paths of the file its table covers),
``rows`` (what the table shows: the effective values, which of them a shop's file sets, the problems
of each row) and ``read`` (the posted form as the values each region should have, the rows whose
shop override is to be dropped, and what in the form cannot be taken). Form fields are named
``<table>-<row>-<field>`` (``in-3-key``, ``in-3-value``): keys of a mapping file may hold any
character, so they travel as values, never in field names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from erpsync.admin.mapping_editor.edits import MISSING, Path_, code_value, get_at
from erpsync.admin.mapping_editor.files import MappingFile
from erpsync.admin.mapping_editor.placing import PlacedProblems
from erpsync.mapping import Problem
from erpsync.mapping.accounting import AccountingVocabulary
from erpsync.mapping.schema import IGNORE
from erpsync.mapping.suggest import MAX_LOCAL_VALUES, local_characteristics
from erpsync.mapping.tree import PATH_SEPARATOR, category_path_key, local_categories
from erpsync.models import MarketplaceAttribute, MarketplaceCategory

TABS = ("statuses", "delivery", "payment", "categories", "characteristics")
_FIELD = re.compile(r"^(?P<table>[a-z0-9]+)-(?P<row>\d+)-(?P<field>[a-z_]+)$")


def tab_of(path: Path_) -> str | None:
    """The tab a key path of the file belongs to (None: the file as a whole)."""
    if not path:
        return None
    if path[0] == "defaults" and len(path) > 1:
        return {"inbound_status": "statuses", "delivery": "delivery", "payment": "payment"}.get(path[1])
    return path[0] if path[0] in TABS else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return "" if value is None or value is MISSING else str(value)


@dataclass
class FormRead:
    """A posted table: the values of each region, the rows to reset, and what could not be taken."""

    desired: dict[Path_, Any] = field(default_factory=dict)
    resets: list[Path_] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class PostedRows:
    """The rows of the tables of a posted form: ``rows("in")`` → ``[{"key": …, "value": …}, …]`` in row order."""

    def __init__(self, form: Mapping[str, str]) -> None:
        tables: dict[str, dict[int, dict[str, str]]] = {}
        for name in form:
            match = _FIELD.match(name)
            if match:
                row = tables.setdefault(match["table"], {}).setdefault(int(match["row"]), {"#": match["row"]})
                row[match["field"]] = str(form[name])
        self.tables = tables

    def rows(self, table: str) -> list[dict[str, str]]:
        """The rows of ``table`` in row order; ``row["#"]`` is the row's number in the form."""
        return [row for _, row in sorted(self.tables.get(table, {}).items())]


def _keyed(rows: list[dict[str, str]], what: str, errors: list[str]) -> list[tuple[str, dict[str, str]]]:
    """Rows with a key, each key once (a key typed twice is reported, its first row kept)."""
    seen: set[str] = set()
    result = []
    for row in rows:
        key = row.get("key", "").strip()
        if not key:
            if row.get("value", "").strip():
                errors.append(f"a row of {what} has a value but no code: write the code or clear the row")
            continue
        if key in seen:
            errors.append(f"{what}: '{key}' is written twice; the first row is kept")
            continue
        seen.add(key)
        result.append((key, row))
    return result


def _owned(file: MappingFile, path: Path_) -> bool:
    """Whether the edited file itself writes ``path`` (for a shop's file: overrides it)."""
    return get_at(file.own, path) is not MISSING


def _in_base(file: MappingFile, path: Path_) -> bool:
    return file.base_data is not None and get_at(file.base_data, path) is not MISSING


@dataclass
class Row:
    """One row of a table: its key, its value(s), where the value comes from, its problems."""

    index: int
    key: str
    path: Path_
    value: Any = ""
    label: str | None = None
    known: bool = True
    overridden: bool = False  # a shop's file sets this row
    in_base: bool = False  # (under a shop's file) the marketplace's file maps this row
    note: str | None = None
    problems: list[Problem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _row(file: MappingFile, placed: PlacedProblems, index: int, key: str, path: Path_, value: Any,
         **extra: Any) -> Row:
    return Row(index, key, path, value, overridden=file.is_shop and _owned(file, path),
               in_base=_in_base(file, path), problems=placed.under(path), **extra)


# --- statuses --------------------------------------------------------------------------------------


class StatusesEditor:
    """Inbound (marketplace status → accounting status), outbound (accounting status → ignore, or an action:
    status, reason, comment, push_waybill) and the default for a status the file does not map."""

    tab = "statuses"

    def regions(self) -> list[Path_]:
        return [("statuses", "inbound"), ("statuses", "outbound"), ("defaults", "inbound_status")]

    def rows(self, file: MappingFile, placed: PlacedProblems, vocabulary: AccountingVocabulary,
             session: Session) -> dict[str, Any]:
        enums = file.enumerations()
        inbound = _dict(_dict(file.effective.get("statuses")).get("inbound"))
        codes = list(enums.statuses) + [code for code in inbound if code not in enums.statuses]
        inbound_rows = []
        for index, code in enumerate(codes):
            row = _row(file, placed, index, code, ("statuses", "inbound", code), _text(inbound.get(code)),
                       label=enums.statuses.get(code), known=code in enums.statuses)
            inbound_rows.append(row)
        outbound = _dict(_dict(file.effective.get("statuses")).get("outbound"))
        statuses = list(vocabulary.statuses) + [s for s in outbound if s not in vocabulary.statuses]
        outbound_rows = []
        for index, status in enumerate(statuses):
            action = outbound.get(status, MISSING)
            mode = "" if action is MISSING else ("ignore" if action == IGNORE else "action")
            fields = _dict(action)
            row = _row(file, placed, index, status, ("statuses", "outbound", status), mode,
                       known=status in vocabulary.statuses,
                       extra={"status": _text(fields.get("status")), "reason": _text(fields.get("reason")),
                              "comment": _text(fields.get("comment")),
                              "push_waybill": fields.get("push_waybill") is True})
            outbound_rows.append(row)
        default = _text(_dict(file.effective.get("defaults")).get("inbound_status"))
        return {
            "inbound": inbound_rows,
            "inbound_problems": placed.under(("statuses", "inbound"), exact=True),
            "outbound": outbound_rows,
            "outbound_problems": placed.under(("statuses", "outbound"), exact=True)
            + placed.under(("statuses",), exact=True),
            "default": default,
            "default_problems": placed.under(("defaults", "inbound_status")),
            "statuses_open": "statuses" in enums.open_sections,
            "reasons_open": "cancellation_reasons" in enums.open_sections,
            "enums": enums,
        }

    def read(self, form: Mapping[str, str], file: MappingFile) -> FormRead:
        posted = PostedRows(form)
        read = FormRead()
        inbound = {}
        for code, row in _keyed(posted.rows("in"), "statuses.inbound", read.errors):
            if row.get("reset"):
                read.resets.append(("statuses", "inbound", code))
            if row.get("value", "").strip():
                inbound[code] = row["value"].strip()
        outbound: dict[str, Any] = {}
        old = _dict(_dict(file.effective.get("statuses")).get("outbound"))
        for status, row in _keyed(posted.rows("out"), "statuses.outbound", read.errors):
            if row.get("reset"):
                read.resets.append(("statuses", "outbound", status))
            mode = row.get("mode", "")
            if mode == IGNORE:
                outbound[status] = IGNORE
            elif mode == "action":
                outbound[status] = _action(row, _dict(old.get(status)))
        read.desired[("statuses", "inbound")] = inbound
        read.desired[("statuses", "outbound")] = outbound
        default = form.get("default", "").strip()
        read.desired[("defaults", "inbound_status")] = default or MISSING
        return read


def _action(row: dict[str, str], old: dict[str, Any]) -> dict[str, Any]:
    action: dict[str, Any] = {}
    if row.get("status", "").strip():
        action["status"] = code_value(row["status"])
    if row.get("reason", "").strip():
        action["reason"] = code_value(row["reason"])
    if row.get("comment", "").strip():
        action["comment"] = row["comment"].strip()
    push_waybill = bool(row.get("push_waybill"))
    if push_waybill or "push_waybill" in old:  # an unticked box adds no `push_waybill: false` line
        action["push_waybill"] = push_waybill
    return action


# --- delivery and payment --------------------------------------------------------------------------


class MethodsEditor:
    """Delivery or payment: inbound (marketplace code → accounting method), outbound (accounting method →
    marketplace code) and the default method."""

    def __init__(self, section: str) -> None:
        self.tab = section
        self.section = section

    def regions(self) -> list[Path_]:
        return [(self.section, "inbound"), (self.section, "outbound"), ("defaults", self.section)]

    def _codes(self, file: MappingFile) -> Mapping[str, str]:
        enums = file.enumerations()
        return enums.delivery_methods if self.section == "delivery" else enums.payment_methods

    def rows(self, file: MappingFile, placed: PlacedProblems, vocabulary: AccountingVocabulary,
             session: Session) -> dict[str, Any]:
        codes = self._codes(file)
        section = _dict(file.effective.get(self.section))
        inbound = _dict(section.get("inbound"))
        keys = list(codes) + [code for code in inbound if code not in codes]
        inbound_rows = [
            _row(file, placed, index, code, (self.section, "inbound", code), _text(inbound.get(code)),
                 label=codes.get(code), known=code in codes)
            for index, code in enumerate(keys)
        ]
        methods = vocabulary.methods(self.section)
        outbound = _dict(section.get("outbound"))
        names = list(methods) + [name for name in outbound if name not in methods]
        outbound_rows = [
            _row(file, placed, index, name, (self.section, "outbound", name), _text(outbound.get(name)),
                 label=methods.get(name), known=name in methods)
            for index, name in enumerate(names)
        ]
        return {
            "inbound": inbound_rows,
            "inbound_problems": placed.under((self.section, "inbound"), exact=True),
            "outbound": outbound_rows,
            "outbound_problems": placed.under((self.section, "outbound"), exact=True)
            + placed.under((self.section,), exact=True),
            "default": _text(_dict(file.effective.get("defaults")).get(self.section)),
            "default_problems": placed.under(("defaults", self.section)),
            "codes": codes,
            "methods": methods,
            "open": self.section in file.enumerations().open_sections or not codes,
        }

    def read(self, form: Mapping[str, str], file: MappingFile) -> FormRead:
        posted = PostedRows(form)
        read = FormRead()
        inbound = {}
        for code, row in _keyed(posted.rows("in"), f"{self.section}.inbound", read.errors):
            if row.get("reset"):
                read.resets.append((self.section, "inbound", code))
            if row.get("value", "").strip():
                inbound[code] = row["value"].strip()
        outbound = {}
        for method, row in _keyed(posted.rows("out"), f"{self.section}.outbound", read.errors):
            if row.get("reset"):
                read.resets.append((self.section, "outbound", method))
            if row.get("value", "").strip():
                outbound[method] = code_value(row["value"])
        read.desired[(self.section, "inbound")] = inbound
        read.desired[(self.section, "outbound")] = outbound
        read.desired[("defaults", self.section)] = form.get("default", "").strip() or MISSING
        return read


# --- categories ------------------------------------------------------------------------------------


class CategoriesEditor:
    """Local category (its path, or its id) → marketplace category: the local tree with the category each
    one gets (its own, or its nearest mapped parent's), and the file's keys no local category matches."""

    tab = "categories"

    def regions(self) -> list[Path_]:
        return [("categories",)]

    def rows(self, file: MappingFile, placed: PlacedProblems, vocabulary: AccountingVocabulary,
             session: Session) -> dict[str, Any]:
        categories = _dict(file.effective.get("categories"))
        by_path = {category_path_key(key): key for key in categories if not key.isdigit()}
        mapping = file.effective_mapping()
        paths, _ids = local_categories(session)
        rows = []
        used: set[str] = set()
        for index, (category_id, path) in enumerate(sorted(paths.items(), key=lambda item: item[1])):
            key = str(category_id) if str(category_id) in categories else by_path.get(category_path_key(path), path)
            used.add(key)
            row = _row(file, placed, index, key, ("categories", key), _text(categories.get(key)),
                       label=path.split(PATH_SEPARATOR)[-1], extra={"depth": path.count(PATH_SEPARATOR),
                                                                   "path": path, "id": category_id})
            if key not in categories:
                match = mapping.category(path=path, category_id=category_id)
                if match is not None:
                    row.note = f"{match.category_code} ← {match.matched_by}"
            rows.append(row)
        orphans = []
        for offset, key in enumerate(key for key in categories if key not in used):
            orphans.append(_row(file, placed, len(rows) + offset, key, ("categories", key),
                                _text(categories[key]), known=False, extra={"depth": 0, "path": key}))
        downloaded = session.scalar(select(MarketplaceCategory.id).where(
            MarketplaceCategory.marketplace == file.marketplace).limit(1)) is not None
        return {
            "rows": rows,
            "orphans": orphans,
            "problems": placed.under(("categories",), exact=True),
            "downloaded": downloaded,
            "next_index": len(rows) + len(orphans),
        }

    def read(self, form: Mapping[str, str], file: MappingFile) -> FormRead:
        read = FormRead()
        categories = {}
        for key, row in _keyed(PostedRows(form).rows("cat"), "categories", read.errors):
            if row.get("reset"):
                read.resets.append(("categories", key))
            if row.get("value", "").strip():
                categories[key] = code_value(row["value"])
        read.desired[("categories",)] = categories
        return read


# --- characteristics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeChoice:
    code: str
    title: str | None
    mandatory: bool
    values: tuple[tuple[str, str], ...]  # (code, name)


def category_attributes(session: Session, marketplace: str, category: str) -> dict[str, AttributeChoice]:
    """The downloaded attributes of a marketplace category, with their values."""
    rows = session.scalars(
        select(MarketplaceAttribute)
        .where(MarketplaceAttribute.marketplace == marketplace, MarketplaceAttribute.category_code == category)
        .options(selectinload(MarketplaceAttribute.values)).order_by(MarketplaceAttribute.id)
    )
    return {
        a.code: AttributeChoice(a.code, a.title, a.mandatory, tuple((v.code, v.name) for v in a.values))
        for a in rows
    }


def mapped_categories(file: MappingFile) -> list[tuple[str, list[str], int]]:
    """The marketplace categories the file uses: (code, the local keys mapped to it, characteristics mapped)."""
    categories = _dict(file.effective.get("categories"))
    characteristics = _dict(file.effective.get("characteristics"))
    keys: dict[str, list[str]] = {}
    for key, code in categories.items():
        keys.setdefault(str(code), []).append(key)
    for code in characteristics:
        keys.setdefault(code, [])
    return [(code, local, len(_dict(characteristics.get(code)))) for code, local in keys.items()]


class CharacteristicsEditor:
    """For one marketplace category: local characteristic → attribute, the values of a select attribute
    (local value → marketplace value), and a unit conversion."""

    tab = "characteristics"

    def __init__(self, category: str) -> None:
        self.category = category

    def regions(self) -> list[Path_]:
        return [("characteristics", self.category)]

    def rows(self, file: MappingFile, placed: PlacedProblems, vocabulary: AccountingVocabulary,
             session: Session) -> dict[str, Any]:
        specs = _dict(_dict(file.effective.get("characteristics")).get(self.category))
        local_keys = [key for key, code in _dict(file.effective.get("categories")).items()
                      if str(code) == self.category]
        local = local_characteristics(session, local_keys)
        attributes = category_attributes(session, file.marketplace, self.category)
        names = list(local) + [name for name in specs if name not in local]
        rows = []
        for index, name in enumerate(names):
            spec = _dict(specs.get(name))
            attribute = _text(spec.get("attribute"))
            values = {str(k): _text(v) for k, v in _dict(spec.get("values")).items()}
            local_values = local.get(name, [])
            choice = attributes.get(attribute)
            listed = local_values if len(local_values) <= MAX_LOCAL_VALUES else []  # more: free text, a number
            value_keys = listed + [v for v in values if v not in listed]
            unit = _dict(spec.get("unit"))
            path = ("characteristics", self.category, name)
            row = _row(file, placed, index, name, path, attribute, known=name in local,
                       extra={"values": [(j, key, values.get(key, "")) for j, key in enumerate(value_keys)],
                              "unit_from": _text(unit.get("from")), "unit_to": _text(unit.get("to")),
                              "unit_factor": _text(unit.get("factor")), "choice": choice,
                              "local_count": len(local_values)})
            rows.append(row)
        mapped = {row.value for row in rows}
        return {
            "category": self.category,
            "rows": rows,
            "problems": placed.under(("characteristics", self.category), exact=True),
            "attributes": attributes,
            "attribute_choices": [(a.code, (a.title or "") + (" *" if a.mandatory else ""))
                                  for a in attributes.values()],
            "missing_mandatory": [a for a in attributes.values() if a.mandatory and a.code not in mapped],
            "local_keys": local_keys,
        }

    def read(self, form: Mapping[str, str], file: MappingFile) -> FormRead:
        posted = PostedRows(form)
        read = FormRead()
        specs: dict[str, Any] = {}
        for name, row in _keyed(posted.rows("ch"), "characteristics", read.errors):
            path = ("characteristics", self.category, name)
            if row.get("reset"):
                read.resets.append(path)
            spec: dict[str, Any] = {}
            if row.get("value", "").strip():
                spec["attribute"] = code_value(row["value"])
            values = {}
            for local, value_row in _keyed(posted.rows(f"chv{row['#']}"), f"values of {name}", read.errors):
                if value_row.get("value", "").strip():
                    values[local] = code_value(value_row["value"])
            if values:
                spec["values"] = values
            unit = _unit(row, name, read.errors)
            if unit:
                spec["unit"] = unit
            if spec:
                specs[name] = spec
        read.desired[("characteristics", self.category)] = specs
        return read


def _unit(row: dict[str, str], name: str, errors: list[str]) -> dict[str, Any]:
    source, target, factor = (row.get(f"unit_{part}", "").strip() for part in ("from", "to", "factor"))
    if not (source or target or factor):
        return {}
    unit: dict[str, Any] = {"from": source, "to": target}
    if factor:
        try:
            number = float(factor.replace(",", "."))
        except ValueError:
            errors.append(f"{name}: the unit factor '{factor}' is not a number")
            return unit
        unit["factor"] = int(number) if number.is_integer() else number
    return unit


def editor_for(tab: str, category: str | None = None) -> Any:
    if tab == "statuses":
        return StatusesEditor()
    if tab in ("delivery", "payment"):
        return MethodsEditor(tab)
    if tab == "categories":
        return CategoriesEditor()
    if tab == "characteristics" and category:
        return CharacteristicsEditor(category)
    return None
