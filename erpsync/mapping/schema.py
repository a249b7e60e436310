"""The shape of a marketplace mapping file: which keys exist, what type each value has.

::

    marketplace: kaspi                 # required; the file name must match
    version: 3                         # required; a whole number, bumped on every saved change
    statuses:
      inbound:                         # marketplace status → accounting status
        APPROVED_BY_BANK: new
      outbound:                        # accounting status → `ignore` or an action
        cancelled: {status: CANCELLED, reason: MERCHANT_OUT_OF_STOCK, comment: …, push_waybill: false}
    delivery:                          # the same shape serves payment:
      inbound: {DELIVERY_PICKUP: pickup}          # marketplace code → accounting method
      outbound: {nova_poshta: nova_poshta}        # accounting method → marketplace code
    categories:                        # local category path ("A / B / C") or id → marketplace category
      "Електроніка / Смартфони та телефони / Смартфони": Master - Smartphones
    characteristics:                   # marketplace category → local characteristic → attribute
      Master - Smartphones:
        Колір: {attribute: "Smartphones*Color", values: {чорний: черный}}
        Вбудована пам'ять: {attribute: …, unit: {from: ГБ, to: МБ, factor: 1024}}
    defaults:
      inbound_status: new              # for a marketplace status this file does not map
      delivery: other                  # for an unmapped (or missing) delivery code
      payment: other

A shop's file (``shops/<shop>.yaml``) has the same shape; only ``marketplace`` and ``version`` are
required there, every section is optional and merged over the marketplace's file.
"""

from __future__ import annotations

from typing import Any

from erpsync.mapping.accounting import describe
from erpsync.mapping.document import Located, Path_, dotted
from erpsync.mapping.problems import Problem

TOP_KEYS = ("marketplace", "version", "statuses", "delivery", "payment", "categories", "characteristics", "defaults")
IGNORE = "ignore"
ACTION_KEYS = ("status", "reason", "comment", "push_waybill")
CHARACTERISTIC_KEYS = ("attribute", "values", "unit")
UNIT_KEYS = ("from", "to", "factor")
DEFAULT_KEYS = ("inbound_status", "delivery", "payment")
DIRECTIONS = ("inbound", "outbound")


def _code(value: Any) -> bool:
    """A marketplace code: text, or a whole number (Rozetka's statuses and categories are numbers)."""
    return (isinstance(value, str) and value.strip() != "") or (isinstance(value, int) and not isinstance(value, bool))


class _Checker:
    def __init__(self, located: Located, partial: bool) -> None:
        self.located = located
        self.partial = partial
        self.problems: list[Problem] = []

    def add(self, path: Path_, message: str, *, value: bool = False) -> None:
        self.problems.append(self.located.problem(path, message, value=value))

    def wrong_type(self, path: Path_, expected: str, value: Any) -> None:
        self.add(path, f"{dotted(path)}: expected {expected}, got {describe(value)}", value=True)

    def mapping(self, path: Path_, value: Any, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        """``value`` as a mapping (nothing counts as empty); unknown keys reported when ``allowed`` is given."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.wrong_type(path, "a mapping", value)
            return {}
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    where = f"{dotted(path)}: unknown key" if path else "unknown top-level key"
                    self.add((*path, key), f"{where} '{key}' (allowed: {', '.join(allowed)})")
        return value

    def text(self, path: Path_, value: Any, expected: str = "text") -> None:
        if not isinstance(value, str) or not value.strip():
            self.wrong_type(path, expected, value)

    def code(self, path: Path_, value: Any, expected: str = "a marketplace code (text or number)") -> None:
        if not _code(value):
            self.wrong_type(path, expected, value)


def check_schema(located: Located, *, partial: bool = False) -> list[Problem]:
    """Unknown keys, missing keys and wrong types, each at the line of the offending key. ``partial``: a
    shop's file, whose entries may give only the keys they change (the merged mapping is checked whole)."""
    check = _Checker(located, partial)
    data = check.mapping((), located.data, TOP_KEYS)
    for required in ("marketplace", "version"):
        if required not in data:
            check.add((), f"missing key '{required}'")
    if "marketplace" in data:
        check.text(("marketplace",), data["marketplace"], "a marketplace name")
    if "version" in data:
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            check.wrong_type(("version",), "a whole number of at least 1", version)
    if "statuses" in data:
        _statuses(check, data["statuses"])
    for section in ("delivery", "payment"):
        if section in data:
            _methods(check, section, data[section])
    if "categories" in data:
        for key, code in check.mapping(("categories",), data["categories"]).items():
            check.code(("categories", key), code, "a marketplace category code")
    if "characteristics" in data:
        _characteristics(check, data["characteristics"])
    if "defaults" in data:
        for key, value in check.mapping(("defaults",), data["defaults"], DEFAULT_KEYS).items():
            if key in DEFAULT_KEYS:
                check.text(("defaults", key), value, "an accounting code (text)")
    return check.problems


def _statuses(check: _Checker, value: Any) -> None:
    statuses = check.mapping(("statuses",), value, DIRECTIONS)
    inbound = check.mapping(("statuses", "inbound"), statuses.get("inbound"))
    for code, status in inbound.items():
        check.text(("statuses", "inbound", code), status, "an accounting status")
    outbound = check.mapping(("statuses", "outbound"), statuses.get("outbound"))
    for status, action in outbound.items():
        _action(check, ("statuses", "outbound", status), action)


def _action(check: _Checker, path: Path_, action: Any) -> None:
    if action == IGNORE:
        return
    if not isinstance(action, dict):
        check.wrong_type(path, f"`{IGNORE}` or a mapping with {', '.join(ACTION_KEYS)}", action)
        return
    check.mapping(path, action, ACTION_KEYS)
    if "status" in action:
        check.code((*path, "status"), action["status"], "a marketplace status")
    if "reason" in action:
        check.code((*path, "reason"), action["reason"], "a cancellation reason code")
    if "comment" in action:
        check.text((*path, "comment"), action["comment"])
    if "push_waybill" in action and not isinstance(action["push_waybill"], bool):
        check.wrong_type((*path, "push_waybill"), "true or false", action["push_waybill"])
    if not check.partial and "status" not in action and action.get("push_waybill") is not True:
        check.add(path, f"{dotted(path)}: an action needs a status to set, or push_waybill: true "
                        f"(write `{IGNORE}` to do nothing)")


def _methods(check: _Checker, section: str, value: Any) -> None:
    methods = check.mapping((section,), value, DIRECTIONS)
    for code, method in check.mapping((section, "inbound"), methods.get("inbound")).items():
        check.text((section, "inbound", code), method, f"an accounting {section} method")
    for method, code in check.mapping((section, "outbound"), methods.get("outbound")).items():
        check.code((section, "outbound", method), code, f"a marketplace {section} code")


def _characteristics(check: _Checker, value: Any) -> None:
    for category, names in check.mapping(("characteristics",), value).items():
        for name, spec in check.mapping(("characteristics", category), names).items():
            path = ("characteristics", category, name)
            if not isinstance(spec, dict):
                check.wrong_type(path, "a mapping with attribute (and values, unit)", spec)
                continue
            check.mapping(path, spec, CHARACTERISTIC_KEYS)
            if "attribute" not in spec:
                if not check.partial:
                    check.add(path, f"{dotted(path)}: missing key 'attribute'")
            else:
                check.code((*path, "attribute"), spec["attribute"], "a marketplace attribute code")
            if "values" in spec:
                for local, code in check.mapping((*path, "values"), spec["values"]).items():
                    if not (_code(code) or isinstance(code, float)):
                        check.wrong_type((*path, "values", local), "a marketplace value", code)
            if "unit" in spec:
                _unit(check, (*path, "unit"), spec["unit"])


def _unit(check: _Checker, path: Path_, value: Any) -> None:
    unit = check.mapping(path, value, UNIT_KEYS)
    if not isinstance(value, dict):
        return
    for key in ("from", "to"):
        if key not in unit:
            if not check.partial:
                check.add(path, f"{dotted(path)}: missing key '{key}'")
        else:
            check.text((*path, key), unit[key], "a unit (text)")
    if "factor" in unit:
        factor = unit["factor"]
        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor <= 0:
            check.wrong_type((*path, "factor"), "a number greater than 0", factor)
