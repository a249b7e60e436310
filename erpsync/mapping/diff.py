"""A human-readable diff of two mapping files, by section and key::

    version: 3 → 4
    statuses.outbound.cancelled: reason BUYER_NOT_REACHABLE → MERCHANT_OUT_OF_STOCK
    statuses.outbound.returned: ignore → {status: ARRIVED_BACKWARD}
    categories."Дитячі товари / Зошити": added Master - Exercise notebooks

A field of an entry (an outbound action's status, reason, comment, push_waybill; a characteristic's
attribute; a unit's from, to, factor) is shown after its entry's path; anything else by its own path.
Comments and formatting are not compared: only values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from erpsync.mapping.document import Path_, dotted

FIELD_KEYS = frozenset({"status", "reason", "comment", "push_waybill", "attribute", "from", "to", "factor"})


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Change:
    """One difference: ``old`` or ``new`` is ``MISSING`` for a key added or removed."""

    path: Path_
    old: Any
    new: Any

    @property
    def section(self) -> str:
        return self.path[0] if self.path else ""

    def __str__(self) -> str:
        field = len(self.path) >= 2 and self.path[-1] in FIELD_KEYS
        where = dotted(self.path[:-1]) if field else dotted(self.path)
        name = f"{self.path[-1]} " if field else ""
        if self.old is MISSING:
            return f"{where}: added {name}{render(self.new)}"
        if self.new is MISSING:
            return f"{where}: removed {name}{render(self.old)}"
        return f"{where}: {name}{render(self.old)} → {render(self.new)}"


def render(value: Any) -> str:
    """A value the way it reads in a mapping file, on one line."""
    if value is None:
        return "(nothing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {render(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    text = str(value)
    if isinstance(value, str) and (not text or _looks_like_a_scalar(text)):
        return f"'{text}'"  # text that would read as a number, true/false or nothing
    return text


def _looks_like_a_scalar(text: str) -> bool:
    if text.lower() in ("true", "false", "null", "~", "yes", "no"):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def diff_data(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference between two mappings' values, in the order of the new file (removals last)."""
    changes: list[Change] = []
    _diff(old, new, (), changes)
    return changes


def _diff(old: Any, new: Any, path: Path_, changes: list[Change]) -> None:
    if (old is None and isinstance(new, dict)) or (new is None and isinstance(old, dict)):
        old, new = old or {}, new or {}  # an empty section written as nothing is an empty mapping
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in new.items():
            if key in old:
                _diff(old[key], value, (*path, key), changes)
            else:
                changes.append(Change((*path, key), MISSING, value))
        for key, value in old.items():
            if key not in new:
                changes.append(Change((*path, key), value, MISSING))
        return
    if old != new or (type(old) is not type(new) and not _same_number(old, new)):
        changes.append(Change(path, old, new))


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and a == b


def format_changes(changes: list[Change]) -> list[str]:
    """The changes as lines, grouped by section in the order they come."""
    return [str(change) for change in changes]
