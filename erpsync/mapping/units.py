"""Units of characteristics: spelling-insensitive names (ГБ = gb = GB) and the conversions a mapping
file may use without stating a factor (``unit: {from: мм, to: см}``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# every spelling → one canonical name
_SYNONYMS = {
    "мм": "mm", "mm": "mm", "см": "cm", "cm": "cm", "м": "m", "m": "m",
    "г": "g", "гр": "g", "g": "g", "кг": "kg", "kg": "kg",
    "мл": "ml", "ml": "ml", "л": "l", "l": "l",
    "кб": "kb", "kb": "kb", "мб": "mb", "mb": "mb", "гб": "gb", "gb": "gb", "тб": "tb", "tb": "tb",
    "дюйм": "inch", "дюйма": "inch", "дюймів": "inch", "inch": "inch", "in": "inch", '"': "inch",
    "вт": "w", "w": "w", "квт": "kw", "kw": "kw",
    "мгц": "mhz", "mhz": "mhz", "ггц": "ghz", "ghz": "ghz",
    "мач": "mah", "мa·год": "mah", "ма·год": "mah", "мa·ч": "mah", "ма·ч": "mah", "mah": "mah",
    "хв": "min", "мин": "min", "min": "min", "год": "h", "ч": "h", "h": "h",
    "міс": "month", "мес": "month", "month": "month", "рік": "year", "год.": "year", "year": "year",
}

_THOUSAND = Decimal(1000)
_FACTORS: dict[tuple[str, str], Decimal] = {
    ("mm", "cm"): Decimal("0.1"), ("cm", "mm"): Decimal(10),
    ("cm", "m"): Decimal("0.01"), ("m", "cm"): Decimal(100),
    ("mm", "m"): Decimal("0.001"), ("m", "mm"): _THOUSAND,
    ("g", "kg"): Decimal("0.001"), ("kg", "g"): _THOUSAND,
    ("ml", "l"): Decimal("0.001"), ("l", "ml"): _THOUSAND,
    ("kb", "mb"): 1 / Decimal(1024), ("mb", "kb"): Decimal(1024),
    ("mb", "gb"): 1 / Decimal(1024), ("gb", "mb"): Decimal(1024),
    ("gb", "tb"): 1 / Decimal(1024), ("tb", "gb"): Decimal(1024),
    ("inch", "cm"): Decimal("2.54"), ("cm", "inch"): 1 / Decimal("2.54"),
    ("w", "kw"): Decimal("0.001"), ("kw", "w"): _THOUSAND,
    ("mhz", "ghz"): Decimal("0.001"), ("ghz", "mhz"): _THOUSAND,
    ("min", "h"): 1 / Decimal(60), ("h", "min"): Decimal(60),
    ("month", "year"): 1 / Decimal(12), ("year", "month"): Decimal(12),
}


def canonical_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    text = unit.strip().casefold()
    return _SYNONYMS.get(text, text)


def same_unit(a: str | None, b: str | None) -> bool:
    return canonical_unit(a) == canonical_unit(b)


def known_factor(source: str, target: str) -> Decimal | None:
    """The factor turning a value in ``source`` units into ``target`` units, when erpsync knows it."""
    a, b = canonical_unit(source), canonical_unit(target)
    if a == b:
        return Decimal(1)
    return _FACTORS.get((a or "", b or ""))


def parse_number(text: str) -> Decimal | None:
    """``"6,1"`` and ``"6.1"`` are the same number; text that is not a number gives None."""
    try:
        number = Decimal(text.strip().replace(",", ".").replace(" ", ""))
    except (InvalidOperation, AttributeError):
        return None
    return number if number.is_finite() else None


def format_number(number: Decimal, places: int = 6) -> str:
    """A number as plain text without trailing zeros: 131072, 2.5, 0.001."""
    rounded = round(number, places)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


_OTHER_UNIT_WORDS = frozenset({"арк", "шт", "pcs", "eu", "%", "мп", "mp", "fps", "об/хв", "rpm", "дб", "db"})


def is_unit_word(token: str) -> bool:
    """True for a word that only names a unit (``ГБ``, ``mm``, ``дюйм``, ``шт``)."""
    text = token.strip().casefold()
    return text in _SYNONYMS or text in _SYNONYMS.values() or text in _OTHER_UNIT_WORDS
