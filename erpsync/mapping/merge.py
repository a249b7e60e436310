"""Shop overrides: a shop's file merged over its marketplace's file.

Mappings merge key by key, at every depth; anything else (a text, a number, ``ignore``) in the
shop's file replaces the marketplace file's value. So a shop may change one outbound action's
reason without repeating the rest of the file::

    # mappings/shops/kz-main.yaml
    marketplace: kaspi
    version: 2
    statuses:
      outbound:
        cancelled: {reason: BUYER_NOT_REACHABLE}

``marketplace`` and ``version`` stay the marketplace file's; each file keeps its own version.
Positions follow the values: a problem in a value that came from the shop's file names that file.
"""

from __future__ import annotations

import copy
from typing import Any

from erpsync.mapping.document import Located, Path_

OWN_KEYS = ("marketplace", "version")  # never taken from the shop's file


def merge_data(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` merged over ``base`` (neither is changed)."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if key in OWN_KEYS:
            continue
        result[key] = _merge_value(result.get(key), value)
    return result


def _merge_value(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge_value(base.get(key), value)
        return merged
    return copy.deepcopy(override)


def merge_located(base: Located, override: Located, file: str) -> Located:
    """The merged values with positions: the shop's file's where it wrote the value, else the base's."""
    data = merge_data(base.data, override.data)
    positions = dict(base.positions)
    replaced: list[Path_] = []
    for path, pos in override.positions.items():
        if path and path[0] in OWN_KEYS:
            continue
        positions[path] = pos
        if not isinstance(_at(override.data, path), dict):
            replaced.append(path)
    for path in replaced:  # a value replaced whole: the base's positions below it are gone
        for stale in [p for p in positions if len(p) > len(path) and p[: len(path)] == path]:
            if stale not in override.positions:
                del positions[stale]
    return Located(data, positions, file)


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data
