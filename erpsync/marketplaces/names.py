"""A buyer's full name, as some marketplaces send it in one field, split into first and last name.

Horoshop and CommerceML order files (Zakupka) carry "ПІБ" / "ФИО" as one text (seed 003: Horoshop
passes the full name in one field). A split is made only where the words say which is which:

- one word: the first name;
- three words with a patronymic (…ович, …івна, …овна, …ич, …кизи) last: last, first, patronymic
  (the Ukrainian and Russian order of "Шевченко Тарас Григорович");
- three words with the patronymic in the middle: first, patronymic, last ("Тарас Григорович Шевченко");
- two words: in the shop's declared order (``first_last``, the default, as Horoshop's own example
  "John Doe" is written, or ``last_first``);
- anything else (four words, a company name, initials): no split; the full name is kept whole.

The full name always stays as sent; a split never loses a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from erpsync.core.errors import ValidationError

NAME_ORDERS = ("first_last", "last_first")
_PATRONYMIC = re.compile(
    r"(ович|евич|євич|івич|йович|ич|іч|івна|ївна|овна|евна|єнна|ична|інична|кизи|оглу|огли)$", re.IGNORECASE
)
_INITIAL = re.compile(r"^\w\.(\w\.)?$")


@dataclass(frozen=True)
class SplitName:
    full_name: str | None
    first_name: str | None = None
    last_name: str | None = None
    patronymic: str | None = None


def is_patronymic(word: str) -> bool:
    return len(word) > 4 and bool(_PATRONYMIC.search(word))


def split_full_name(full_name: str | None, order: str = "first_last") -> SplitName:
    """Split ``full_name`` where its words allow it (see the module docstring)."""
    if order not in NAME_ORDERS:
        raise ValidationError(f"name order must be one of {', '.join(NAME_ORDERS)} (got {order!r})")
    text = " ".join((full_name or "").split())
    if not text:
        return SplitName(None)
    words = text.split(" ")
    if any(_INITIAL.match(word) or not any(ch.isalpha() for ch in word) for word in words):
        return SplitName(text)
    if len(words) == 1:
        return SplitName(text, first_name=words[0])
    if len(words) == 2:
        first, last = words if order == "first_last" else (words[1], words[0])
        if is_patronymic(words[1]):  # "Тарас Григорович": a first name and a patronymic
            return SplitName(text, first_name=words[0], patronymic=words[1])
        return SplitName(text, first_name=first, last_name=last)
    if len(words) == 3:
        if is_patronymic(words[2]) and not is_patronymic(words[1]):
            return SplitName(text, first_name=words[1], last_name=words[0], patronymic=words[2])
        if is_patronymic(words[1]) and not is_patronymic(words[2]):
            return SplitName(text, first_name=words[0], last_name=words[2], patronymic=words[1])
    return SplitName(text)
