"""The accounting side of every mapping: order statuses (fixed in code) and the merchant's own delivery
and payment methods, declared in ``mappings/accounting.yaml``.

``accounting.yaml`` looks like::

    version: 1
    delivery_methods:          # code: what it is (codes: lower-case letters, digits and _)
      nova_poshta: Nova Poshta
      pickup: Pickup from our shop
    payment_methods:
      cash_on_delivery: Cash on delivery

A marketplace file may only translate to (and from) the codes declared here, so that a typo in a
mapping file is refused instead of creating a new delivery method in the accounting database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from erpsync.mapping.document import ACCOUNTING_FILE, SHOPS_FOLDER, Located, load_document
from erpsync.mapping.problems import Problem
from erpsync.models.sales import ACCOUNTING_STATUSES

CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")
SECTIONS = ("delivery_methods", "payment_methods")


@dataclass(frozen=True)
class AccountingVocabulary:
    """What the accounting database calls its statuses, delivery and payment methods."""

    statuses: tuple[str, ...]
    delivery_methods: dict[str, str]
    payment_methods: dict[str, str]
    file: str | None = None  # where the methods were read from

    def methods(self, section: str) -> dict[str, str]:
        return self.delivery_methods if section == "delivery" else self.payment_methods


def check_accounting(located: Located) -> list[Problem]:
    """The rules of ``accounting.yaml`` itself."""
    problems: list[Problem] = []
    allowed = ("version", *SECTIONS)
    for key in located.data:
        if key not in allowed:
            problems.append(located.problem((key,), f"unknown top-level key '{key}' (allowed: {', '.join(allowed)})"))
    version = located.data.get("version")
    if "version" not in located.data:
        problems.append(located.problem((), "missing key 'version'"))
    elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.append(located.problem(("version",), f"version: expected a whole number of at least 1, got "
                                                      f"{describe(version)}", value=True))
    for section in SECTIONS:
        if section not in located.data:
            problems.append(located.problem((), f"missing key '{section}'"))
            continue
        methods = located.data[section]
        if methods is None:
            continue
        if not isinstance(methods, dict):
            problems.append(located.problem((section,), f"{section}: expected a mapping of code: description, got "
                                                        f"{describe(methods)}", value=True))
            continue
        for code, label in methods.items():
            if not CODE_PATTERN.match(code):
                problems.append(located.problem((section, code), f"{section}: code '{code}' must be lower-case "
                                                                 "letters, digits and _"))
            if not isinstance(label, str) or not label.strip():
                problems.append(located.problem((section, code), f"{section}.{code}: expected a description "
                                                                 f"(text), got {describe(label)}", value=True))
    return problems


def vocabulary_from(located: Located) -> AccountingVocabulary:
    def codes(section: str) -> dict[str, str]:
        methods = located.data.get(section)
        return {str(k): str(v) for k, v in methods.items()} if isinstance(methods, dict) else {}

    return AccountingVocabulary(ACCOUNTING_STATUSES, codes("delivery_methods"), codes("payment_methods"),
                                located.file)


def find_accounting_file(near: Path | None, mappings_dir: Path | None) -> Path | None:
    """``accounting.yaml`` next to a mapping file (or above its ``shops/`` folder), else in the mappings folder."""
    candidates: list[Path] = []
    if near is not None:
        folder = near.parent
        candidates.append(folder / ACCOUNTING_FILE)
        if folder.name == SHOPS_FOLDER:
            candidates.append(folder.parent / ACCOUNTING_FILE)
    if mappings_dir is not None:
        candidates.append(mappings_dir / ACCOUNTING_FILE)
    return next((path for path in candidates if path.is_file()), None)


def load_vocabulary(path: Path, name: str | None = None) -> tuple[AccountingVocabulary, list[Problem]]:
    """The vocabulary in ``path`` and the problems of that file."""
    document = load_document(path, name)
    problems = list(document.problems)
    if document.readable:
        problems.extend(check_accounting(document.located))
    return vocabulary_from(document.located), problems


def describe(value: object) -> str:
    """A value as a person would name it in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}" if value else "empty text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
