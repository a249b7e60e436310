"""Texts and JSON from outside made storable: a marketplace payload may carry NUL characters, lone
surrogates or NaN, which PostgreSQL refuses (text cannot hold NUL, UTF-8 cannot hold a lone surrogate,
its ``json`` type has no NaN). The sync log and the order store pass what they write through here, so
that one hostile value never stops a batch."""

from __future__ import annotations

import math
from typing import Any

REPLACEMENT = "\ufffd"


def storable_text(text: str) -> str:
    """``text`` without NUL characters, each lone surrogate replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join(REPLACEMENT if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def storable_json(value: Any) -> Any:
    """A JSON value any database's JSON column takes: texts (and keys) made storable, NaN and infinities
    as their text, other objects (``Decimal``, times) as their text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(str(key)): storable_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(item) for item in value]
    return storable_text(str(value))
