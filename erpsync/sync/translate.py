"""The one place where the order use cases look values up in a shop's mapping (``erpsync.mapping``).

Inbound: a marketplace status, delivery or payment code → the accounting value. Outbound: an
accounting status → what to do on the marketplace (``OutboundStatus``: the marketplace status,
reason, comment, whether to push the waybill, or ignore). Everything else in ``erpsync.sync`` asks
a ``Translator`` and never reads mapping files itself.

A shop's effective mapping (``mappings/<marketplace>.yaml`` with ``mappings/shops/<shop>.yaml`` merged
over it) is loaded once and kept until one of its files changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from erpsync.core.config import load_settings
from erpsync.core.errors import ValidationError
from erpsync.mapping import EffectiveMapping, load_mapping, marketplace_file, shop_file


@dataclass(frozen=True)
class OutboundStatus:
    """What an accounting status means on the marketplace.

    ``status`` is ``None`` when nothing is to be set there (the mapping says ignore); ``push_waybill``
    says the order's waybill is to be pushed when the order reaches this status.
    """

    accounting_status: str
    status: str | None
    reason: str | None = None
    comment: str | None = None
    push_waybill: bool = False

    @property
    def ignore(self) -> bool:
        return self.status is None


@dataclass(frozen=True)
class MethodLookup:
    """A delivery or payment code: the accounting method (the mapping's default when unmapped)."""

    marketplace_code: str
    accounting_method: str | None
    mapped: bool


class Translator:
    """Lookups in one shop's effective mapping."""

    def __init__(self, mapping: EffectiveMapping) -> None:
        self.mapping = mapping
        self.marketplace = mapping.marketplace

    def status_in(self, marketplace_status: str) -> str | None:
        """The accounting status the mapping gives a marketplace status; ``None`` when it has no entry."""
        try:
            found = self.mapping.inbound_status(marketplace_status)
        except ValidationError:  # no entry and no default
            return None
        return found.accounting_status if found.mapped else None

    def default_status(self) -> str | None:
        """The status of a new order whose marketplace status the mapping does not know."""
        value = self.mapping.section("defaults").get("inbound_status")
        return None if value is None else str(value)

    def delivery_in(self, marketplace_method: str) -> MethodLookup:
        found = self.mapping.inbound_delivery(marketplace_method)
        return MethodLookup(marketplace_method, found.accounting_method, found.mapped)

    def payment_in(self, marketplace_method: str) -> MethodLookup:
        found = self.mapping.inbound_payment(marketplace_method)
        return MethodLookup(marketplace_method, found.accounting_method, found.mapped)

    def status_out(self, accounting_status: str) -> OutboundStatus:
        action = self.mapping.outbound_action(accounting_status)
        return OutboundStatus(
            accounting_status=accounting_status,
            status=None if action.ignore else action.status,
            reason=action.reason,
            comment=action.comment,
            push_waybill=action.push_waybill,
        )


_cache: dict[tuple[str, str, str | None], tuple[tuple[int, int], Translator]] = {}
_cache_lock = threading.Lock()


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def default_mappings_dir() -> Path:
    """``ERPSYNC_MAPPINGS_DIR``, or ``mappings`` in the working folder."""
    return load_settings().mappings_dir


def translator_for(marketplace: str, shop_name: str | None = None, mappings_dir: Path | None = None) -> Translator:
    """The translator of a shop (its own mapping file merged over the marketplace's, when it has one).

    Raises ``MappingInvalid`` (naming file, line and key) when the files do not pass the check."""
    folder = mappings_dir or default_mappings_dir()
    stamp = (_stamp(marketplace_file(folder, marketplace)), _stamp(shop_file(folder, shop_name)) if shop_name else 0)
    key = (str(folder.resolve()), marketplace, shop_name)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    translator = Translator(load_mapping(folder, marketplace, shop_name))
    with _cache_lock:
        _cache[key] = (stamp, translator)
    return translator
