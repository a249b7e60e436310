"""Local servers that speak each marketplace's documented API (see ``base``), for the demo and the
integration tests. A module here defining ``SANDBOX`` (a ``Sandbox`` subclass naming its
``marketplaces``) is found automatically: ``erpsync sandbox M`` needs no other registration.
"""

from __future__ import annotations

import importlib
import pkgutil

from erpsync.core.errors import ValidationError
from erpsync.sandbox.base import Sandbox


def sandbox_classes() -> dict[str, type[Sandbox]]:
    """Marketplace name → sandbox class, for every sandbox module of this package."""
    found: dict[str, type[Sandbox]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "base" or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        sandbox = getattr(module, "SANDBOX", None)
        if sandbox is not None:
            for marketplace in sandbox.marketplaces:
                found[marketplace] = sandbox
    return found


def sandbox_class(marketplace: str) -> type[Sandbox]:
    classes = sandbox_classes()
    if marketplace not in classes:
        available = ", ".join(sorted(classes)) or "none"
        raise ValidationError(f"there is no sandbox for {marketplace!r} (sandboxes: {available})")
    return classes[marketplace]


__all__ = ["Sandbox", "sandbox_class", "sandbox_classes"]
