"""Money and quantity helpers: ``Decimal`` everywhere, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
WHOLE = Decimal("1")
MAX_DIGITS = 18  # integer digits a payload number may have: beyond, arithmetic overflows or nothing can store it


def finite_decimal(text: str) -> Decimal:
    """``Decimal(text)`` for a finite number of at most ``MAX_DIGITS`` integer digits; ``InvalidOperation``
    otherwise. ``Decimal`` reads "NaN", "Infinity" and "1e999999999", which later fail in arithmetic
    (``decimal.Overflow``) or in ``int()`` (a number of a billion digits): payload parsers refuse them here."""
    value = Decimal(text)
    if not value.is_finite() or value.adjusted() >= MAX_DIGITS:
        raise InvalidOperation(f"not a finite number of at most {MAX_DIGITS} digits: {text[:40]!r}")
    return value


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Convert a number or numeric string to ``Decimal`` exactly (floats via ``str``)."""
    from erpsync.core.errors import PayloadError

    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise PayloadError(f"expected a number, got {value!r}", field=field)
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise PayloadError(f"expected a number, got {value!r}", field=field) from None
    else:
        raise PayloadError(f"expected a number, got {type(value).__name__}", field=field)
    if not result.is_finite():
        raise PayloadError(f"expected a finite number, got {value!r}", field=field)
    return result


def round_money(amount: Decimal, step: Decimal = CENT) -> Decimal:
    """Round half up to ``step`` (``CENT`` for kopecks, ``WHOLE`` for Kaspi's whole tenge)."""
    return amount.quantize(step, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return "—"
    text = f"{amount:,.2f}".replace(",", " ")
    return f"{text} {currency}".strip()
