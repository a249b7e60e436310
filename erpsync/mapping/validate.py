"""The rules a mapping file must satisfy, beyond its shape (``erpsync.mapping.schema``):

- against the marketplace: every marketplace value used exists in the marketplace's enumerations
  (``erpsync.marketplaces.registry.enumerations``); in a section the marketplace lists as open
  (values configured per shop: ``statuses``, ``cancellation_reasons``, ``delivery``, ``payment``) an
  unknown value is a warning instead of an error;
- against the accounting side: statuses are ``ACCOUNTING_STATUSES``, delivery and payment methods
  are those of ``accounting.yaml``;
- completeness: every marketplace status is mapped inbound, every accounting status has an outbound
  entry (an action or ``ignore``), a status the marketplace requires a reason for carries one;
- against the last downloaded category tree (when a database session is given): see
  ``erpsync.mapping.tree``.

``check_file`` and ``check_text`` run everything a file is subject to and return the problems;
``erpsync mappings check`` and every save (``erpsync.mapping.store``) use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from erpsync.core.errors import ValidationError
from erpsync.core.marketplaces import MARKETPLACE_NAMES, MARKETPLACES
from erpsync.mapping.accounting import (
    AccountingVocabulary,
    check_accounting,
    find_accounting_file,
    load_vocabulary,
)
from erpsync.mapping.document import (
    KIND_ACCOUNTING,
    KIND_SHOP,
    SHOPS_FOLDER,
    Located,
    MappingDocument,
    Path_,
    dotted,
    kind_of,
    load_document,
    parse_document,
)
from erpsync.mapping.merge import merge_located
from erpsync.mapping.problems import ERROR, WARNING, Problem, sorted_problems
from erpsync.mapping.schema import IGNORE, check_schema
from erpsync.mapping.units import known_factor
from erpsync.marketplaces.base import Enumerations
from erpsync.marketplaces.registry import enumerations
from erpsync.models.sales import ACCOUNTING_STATUSES

OPEN_SECTIONS = ("statuses", "cancellation_reasons", "delivery", "payment")
_LISTED = 12  # how many known codes a message lists


@dataclass
class CheckContext:
    """What a check may consult besides the file: the mappings folder and (optionally) the database."""

    mappings_dir: Path | None = None
    session: Session | None = None


def known(codes: Iterable[Any]) -> str:
    items = [str(code) for code in codes]
    if not items:
        return "none"
    if len(items) <= _LISTED:
        return ", ".join(items)
    return ", ".join(items[:_LISTED]) + f", … ({len(items)} in all)"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- entry points ----------------------------------------------------------------------------------


def check_file(path: Path, context: CheckContext, name: str | None = None) -> list[Problem]:
    """Every problem of the file at ``path`` (for a shop's file: of the shop's effective mapping)."""
    return check_document(load_document(path, name), path, context)


def check_text(text: str, path: Path, context: CheckContext, name: str | None = None) -> list[Problem]:
    """The problems ``path`` would have if it contained ``text`` (used before writing a change)."""
    return check_document(parse_document(text, name or str(path), kind_of(path)), path, context)


def check_document(document: MappingDocument, path: Path | None, context: CheckContext) -> list[Problem]:
    problems = list(document.problems)
    if document.readable:
        if document.kind == KIND_ACCOUNTING:
            problems.extend(check_accounting(document.located))
        else:
            shop = document.kind == KIND_SHOP
            problems.extend(check_schema(document.located, partial=shop))
            located, base_problems = _effective_for_check(document, path, context)
            problems.extend(base_problems)
            if located is not None:
                if shop:
                    problems.extend(check_schema(located))
                problems.extend(check_rules(located, path, context, document))
    return sorted_problems(problems)


def _effective_for_check(
    document: MappingDocument, path: Path | None, context: CheckContext
) -> tuple[Located | None, list[Problem]]:
    """A marketplace file as it is; a shop's file merged over its marketplace's file."""
    if document.kind != KIND_SHOP:
        return document.located, []
    marketplace = document.data.get("marketplace")
    if not isinstance(marketplace, str) or marketplace not in MARKETPLACES:
        return None, []  # reported by check_rules on the file itself below
    folder = path.parent.parent if path is not None else context.mappings_dir
    base_path = (folder or Path(".")) / f"{marketplace}.yaml"
    base = load_document(base_path, _shown(marketplace, document.name))
    return merge_located(base.located, document.located, document.name), list(base.problems)


def _shown(marketplace: str, shop_name: str) -> str:
    """Name the marketplace's file the way the shop's file was named: shops/x.yaml → kaspi.yaml."""
    shown = Path(shop_name)
    parent = shown.parent.parent if shown.parent.name == SHOPS_FOLDER else shown.parent
    return str(parent / f"{marketplace}.yaml")


# --- the rules -------------------------------------------------------------------------------------


def check_rules(located: Located, path: Path | None, context: CheckContext, document: MappingDocument) -> list[Problem]:
    problems: list[Problem] = []
    marketplace, enums = _marketplace(located, path, document, problems)
    accounting = _accounting(path, context, located, problems)
    if enums is not None and marketplace is not None:
        rules = _Rules(located, marketplace, enums, accounting, problems)
        rules.statuses()
        rules.methods("delivery", enums.delivery_methods)
        rules.methods("payment", enums.payment_methods)
    _defaults(located, accounting, problems)
    _units(located, problems)
    if context.session is not None and marketplace is not None:
        from erpsync.mapping.tree import check_against_tree, check_shop

        problems.extend(check_against_tree(located, marketplace, context.session))
        if document.kind == KIND_SHOP and path is not None:
            problems.extend(check_shop(document.located, path.stem, marketplace, context.session))
    return problems


def _marketplace(
    located: Located, path: Path | None, document: MappingDocument, problems: list[Problem]
) -> tuple[str | None, Enumerations | None]:
    marketplace = located.data.get("marketplace")
    if not isinstance(marketplace, str) or not marketplace.strip():
        return None, None
    if marketplace not in MARKETPLACES:
        problems.append(located.problem(("marketplace",), f"marketplace: unknown marketplace '{marketplace}' "
                                                          f"(known: {', '.join(MARKETPLACE_NAMES)})", value=True))
        return None, None
    if document.kind != KIND_SHOP and path is not None and path.stem in MARKETPLACES and path.stem != marketplace:
        problems.append(located.problem(("marketplace",), f"marketplace: the file {path.name} is for "
                                                          f"{path.stem}, not {marketplace}", value=True))
    try:
        return marketplace, enumerations(marketplace)
    except ValidationError as error:
        problems.append(located.problem(("marketplace",), f"marketplace: {error}", value=True))
        return marketplace, None


def _accounting(path: Path | None, context: CheckContext, located: Located,
                problems: list[Problem]) -> AccountingVocabulary:
    found = find_accounting_file(path, context.mappings_dir)
    if found is None:
        problems.append(located.problem((), "no accounting.yaml next to this file or in the mappings folder: "
                                            "accounting delivery and payment methods cannot be checked"))
        return AccountingVocabulary(ACCOUNTING_STATUSES, {}, {})
    vocabulary, accounting_problems = load_vocabulary(found)
    if any(problem.is_error for problem in accounting_problems):
        problems.append(located.problem((), f"{found.name} has errors: accounting delivery and payment methods "
                                            "cannot be checked (run `erpsync mappings check` on it)"))
    return vocabulary


class _Rules:
    def __init__(self, located: Located, marketplace: str, enums: Enumerations, accounting: AccountingVocabulary,
                 problems: list[Problem]) -> None:
        self.located = located
        self.marketplace = marketplace
        self.enums = enums
        self.accounting = accounting
        self.problems = problems

    def add(self, path: Path_, message: str, *, value: bool = False, level: str = ERROR) -> None:
        self.problems.append(self.located.problem(path, message, value=value, level=level))

    def level(self, section: str) -> str:
        return WARNING if section in self.enums.open_sections else ERROR

    def statuses(self) -> None:
        mp, statuses = self.marketplace, self.enums.statuses
        inbound = _dict(self.located.get("statuses", "inbound"))
        for code, status in inbound.items():
            path = ("statuses", "inbound", code)
            if code not in statuses:
                self.add(path, f"statuses.inbound: {mp} has no status '{code}' (known: {known(statuses)})",
                         level=self.level("statuses"))
            if isinstance(status, str) and status not in self.accounting.statuses:
                self.add(path, f"{dotted(path)}: unknown accounting status '{status}' "
                               f"(known: {known(self.accounting.statuses)})", value=True)
        for code, label in statuses.items():
            if code not in inbound:
                self.add(("statuses", "inbound"), f"statuses.inbound: {mp} status '{code}' ({label}) is not "
                                                  "mapped to an accounting status")
        outbound = _dict(self.located.get("statuses", "outbound"))
        for status, action in outbound.items():
            if status not in self.accounting.statuses:
                self.add(("statuses", "outbound", status), f"statuses.outbound: unknown accounting status "
                                                           f"'{status}' (known: {known(self.accounting.statuses)})")
            if isinstance(action, dict):
                self.action(("statuses", "outbound", status), action)
        for status in self.accounting.statuses:
            if status not in outbound:
                self.add(("statuses", "outbound"), f"statuses.outbound: accounting status '{status}' has no entry "
                                                   f"(map it, or write `{status}: {IGNORE}`)")

    def action(self, path: Path_, action: Mapping[str, Any]) -> None:
        mp, enums = self.marketplace, self.enums
        status = str(action["status"]) if action.get("status") is not None else None
        if status is not None and status not in enums.settable_statuses:
            self.add((*path, "status"), f"{dotted((*path, 'status'))}: {mp} cannot set status '{status}' through "
                                        f"its API (settable: {known(enums.settable_statuses)})",
                     value=True, level=self.level("statuses"))
        reasons = enums.cancellation_reasons
        if action.get("reason") is not None:
            reason = str(action["reason"])
            reason_path = (*path, "reason")
            if not reasons and "cancellation_reasons" not in enums.open_sections:
                self.add(reason_path, f"{dotted(reason_path)}: {mp} takes no cancellation reason", value=True)
            elif reason not in reasons:
                self.add(reason_path, f"{dotted(reason_path)}: {mp} has no cancellation reason '{reason}' "
                                      f"(known: {known(reasons)})",
                         value=True, level=self.level("cancellation_reasons"))
        elif status is not None and status in enums.reason_required_for:
            self.add(path, f"{dotted(path)}: {mp} requires a cancellation reason to set status {status} "
                           f"(add reason: one of {known(reasons)})")

    def methods(self, section: str, codes: Mapping[str, str]) -> None:
        mp, declared = self.marketplace, self.accounting.methods(section)
        checked = self.accounting.file is not None  # without accounting.yaml only the marketplace side is checked
        level = self.level(section)
        none = f"{mp} declares none" if not codes else f"known: {known(codes)}"
        for code, method in _dict(self.located.get(section, "inbound")).items():
            path = (section, "inbound", code)
            if code not in codes:
                self.add(path, f"{section}.inbound: {mp} has no {section} code '{code}' ({none})", level=level)
            if checked and isinstance(method, str) and method not in declared:
                self.add(path, f"{dotted(path)}: unknown accounting {section} method '{method}' "
                               f"(accounting.yaml declares: {known(declared)})", value=True)
        for method, code in _dict(self.located.get(section, "outbound")).items():
            path = (section, "outbound", method)
            if checked and method not in declared:
                self.add(path, f"{section}.outbound: unknown accounting {section} method '{method}' "
                               f"(accounting.yaml declares: {known(declared)})")
            if code is not None and str(code) not in codes:
                self.add(path, f"{dotted(path)}: {mp} has no {section} code '{code}' ({none})", value=True,
                         level=level)


def _defaults(located: Located, accounting: AccountingVocabulary, problems: list[Problem]) -> None:
    defaults = _dict(located.get("defaults"))
    status = defaults.get("inbound_status")
    if isinstance(status, str) and status not in accounting.statuses:
        problems.append(located.problem(("defaults", "inbound_status"), f"defaults.inbound_status: unknown accounting "
                                        f"status '{status}' (known: {known(accounting.statuses)})", value=True))
    for section in ("delivery", "payment"):
        method = defaults.get(section)
        declared = accounting.methods(section)
        if accounting.file is not None and isinstance(method, str) and method not in declared:
            problems.append(located.problem(("defaults", section), f"defaults.{section}: unknown accounting {section} "
                                            f"method '{method}' (accounting.yaml declares: {known(declared)})",
                                            value=True))


def _units(located: Located, problems: list[Problem]) -> None:
    for category, names in _dict(located.get("characteristics")).items():
        for name, spec in _dict(names).items():
            unit = _dict(_dict(spec).get("unit"))
            source, target = unit.get("from"), unit.get("to")
            if "factor" in unit or not isinstance(source, str) or not isinstance(target, str):
                continue
            if known_factor(source, target) is None:
                path = ("characteristics", category, name, "unit")
                problems.append(located.problem(path, f"{dotted(path)}: erpsync knows no conversion from '{source}' "
                                                      f"to '{target}': give a factor"))
