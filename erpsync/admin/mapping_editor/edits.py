"""From what a table says to the smallest edits of the file.

A section's table describes the *effective* values (for a shop's file: the marketplace file's values
with the shop's over them). ``file_edits`` turns that into ``Edit``s of the file being edited:

- a marketplace's file gets exactly the values of the table (a row left empty removes its key);
- a shop's file keeps what it overrides (changed or not), gains an override where the table differs
  from the marketplace's file, and loses the overrides of the rows whose "use the marketplace's value"
  box is ticked (``resets``). A shop's file cannot remove what the marketplace's file maps: the merge
  only adds and replaces.

Edits are made leaf by leaf (an outbound action's reason, a characteristic's attribute), so a save
changes only the lines of the values that changed and keeps the comments of the rest.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from erpsync.mapping import Edit
from erpsync.mapping.merge import merge_data

Path_ = tuple[str, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def get_at(data: Any, path: Path_) -> Any:
    """The value at ``path`` of nested mappings, or ``MISSING``."""
    node = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def code_value(text: str) -> str | int:
    """A marketplace code typed in a form: whole numbers are written as numbers (Rozetka's statuses and
    categories are), anything else as text; ``007`` stays text."""
    text = text.strip()
    if text.isdigit() and str(int(text)) == text:
        return int(text)
    return text


def keep_written(new: Any, old: Any) -> Any:
    """``new`` with every value that reads the same as in ``old`` taken from ``old`` (so ``26`` written as a
    number does not become the text ``'26'`` because a form sends text)."""
    if isinstance(new, dict):
        return {key: keep_written(value, old.get(key, MISSING) if isinstance(old, dict) else MISSING)
                for key, value in new.items()}
    if old is not MISSING and not isinstance(old, dict | bool) and not isinstance(new, bool) and str(old) == str(new):
        return old
    return new


def shop_override(base: Any, own: Any, desired: Any, path: Path_, resets: frozenset[Path_]) -> Any:
    """What a shop's file should hold at ``path`` so that it merged over ``base`` reads ``desired``."""
    if path in resets:
        return MISSING
    if desired is MISSING:
        return MISSING
    if isinstance(desired, dict):
        if not isinstance(base, dict):
            return desired  # nothing to merge into: the shop's value replaces the marketplace's whole
        own_map = own if isinstance(own, dict) else {}
        result = {}
        for key, value in desired.items():
            sub = shop_override(base.get(key, MISSING), own_map.get(key, MISSING), value, (*path, key), resets)
            if sub is not MISSING:
                result[key] = sub
        if not result:
            return own if isinstance(own, dict) and not own else MISSING
        return result
    if own is not MISSING or desired != base or type(desired) is not type(base):
        return desired
    return MISSING


def leaf_edits(old: Any, new: Any, path: Path_) -> list[Edit]:
    """The edits turning ``old`` into ``new`` at ``path``, key by key."""
    if old is None and isinstance(new, dict):
        old = {}  # `section:` with nothing after it is an empty section
    if new is MISSING:
        return [] if old is MISSING else [Edit(path, delete=True)]
    if isinstance(old, dict) and isinstance(new, dict):
        edits: list[Edit] = []
        for key, value in new.items():
            edits.extend(leaf_edits(old.get(key, MISSING), value, (*path, key)))
        edits.extend(Edit((*path, key), delete=True) for key in old if key not in new)
        return edits
    if old is MISSING and isinstance(new, dict) and not new:
        return []  # an empty table adds no empty section
    if old is MISSING or old != new or type(old) is not type(new):
        return [Edit(path, new)]
    return []


def file_edits(
    own: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    desired: Mapping[Path_, Any],
    resets: Iterable[Path_] = (),
) -> list[Edit]:
    """The edits of a file whose data is ``own`` (``base``: the marketplace file's data under a shop's file,
    None for a marketplace's file) so that each region ``path → value`` of ``desired`` reads as given.
    A region whose value is ``MISSING`` is removed (from a shop's file: its override)."""
    reset_paths = frozenset(resets)
    effective = merge_data(dict(base), dict(own)) if base is not None else own
    edits: list[Edit] = []
    for path, wanted in desired.items():
        old_own = get_at(own, path)
        if base is None:
            new_own = keep_written(wanted, old_own) if wanted is not MISSING else MISSING
        else:
            old_base = get_at(base, path)
            wanted = keep_written(wanted, get_at(effective, path)) if wanted is not MISSING else MISSING
            new_own = shop_override(old_base, old_own, wanted, path, reset_paths)
            new_own = keep_written(new_own, old_own) if new_own is not MISSING else MISSING
        edits.extend(leaf_edits(old_own, new_own, path))
    if base is not None:
        edits.extend(_emptied_parents(own, edits))
    return edits


def _emptied_parents(own: Mapping[str, Any], edits: list[Edit]) -> list[Edit]:
    """Removals of the mappings of a shop's file that ``edits`` leave empty (``statuses: {}`` overrides
    nothing)."""
    data = copy.deepcopy(dict(own))
    for edit in edits:
        parent = data
        for part in edit.path[:-1]:
            parent = parent.setdefault(part, {}) if isinstance(parent, dict) else {}
        if not isinstance(parent, dict):
            continue
        if edit.delete:
            parent.pop(edit.path[-1], None)
        else:
            parent[edit.path[-1]] = edit.value
    removals = []
    for parent_path in sorted({e.path[:i] for e in edits if e.delete for i in range(1, len(e.path))},
                              key=len, reverse=True):
        node = get_at(data, parent_path)
        if isinstance(node, dict) and not node:
            removals.append(Edit(parent_path, delete=True))
            holder = get_at(data, parent_path[:-1]) if parent_path[:-1] else data
            holder.pop(parent_path[-1])
    return removals
