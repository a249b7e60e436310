"""Hypothesis strategies for hostile input: odd values (huge strings, odd Unicode, special numbers) and
mutations of real payloads (a field dropped, replaced by a value of another type, wrapped in a list…).

The real payloads come from tests/fixtures/<marketplace>/; mutating them keeps most of a document
plausible, so a codec gets past its first checks and meets the bad value deep inside an order.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# `make test` runs a modest number of examples per property; ERPSYNC_FUZZ_EXAMPLES raises it for a long hunt.
EXAMPLES = int(os.environ.get("ERPSYNC_FUZZ_EXAMPLES", "100"))
DERANDOMIZE = os.environ.get("ERPSYNC_FUZZ_RANDOM") is None  # the same examples every run, unless asked
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Texts that broke parsers somewhere: control characters, lone surrogates, bidi overrides, NUL, digits
# that str.isdigit accepts but int() does not, numbers Decimal reads but cannot compute with.
ODD_TEXTS = [
    "", " ", "\x00", "a\x00b", "\x1b[31m", "\u202eevil", "\ud800", "\udfff lone", "\ufeff", "\uffff",
    "𝟘𝟙𝟚", "١٢٣", "²", "½", "Ⅻ", "NaN", "nan", "-Infinity", "Infinity", "sNaN", "1e999999999", "-1e-999999999",
    "9" * 400, "-0", "0x1A", "1_000", "1,5", "1.5.5", "—", "null", "true", "[]", "{}", "<b>&amp;</b>", "]]>",
    "'; DROP TABLE orders; --", "2024-13-45T99:99:99", "2024-02-30", "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-23:59", "T", "Z", "+", "ё" * 50, "😀" * 20, "e\u0301", "İ", "ß", "ﬃ",
]
HUGE_TEXT = "Ж" * 200_000

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, -100, 2**31, 2**63, -(2**63), 10**30]),
    st.floats(),  # with NaN and ±infinity: Python's json reads them from a body
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324, 0.1, -1.5]),
    st.sampled_from(ODD_TEXTS),
    st.just(HUGE_TEXT),
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8"), max_size=10),
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def fixture(marketplace: str, name: str) -> Any:
    """A real-format payload (tests/fixtures/MARKETPLACE/NAME), parsed from JSON."""
    return json.loads((FIXTURES / marketplace / name).read_text(encoding="utf-8"))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def mutated(draw: st.DrawFn, document: Any, max_mutations: int = 4) -> Any:
    """``document`` with 1..max_mutations changes at random places: a value replaced (by a value of any type,
    an odd text, a huge text, a special number), a key dropped, a value wrapped in a list or an object, a
    number negated, a list emptied or its item duplicated."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(_paths(document)))
        if not path:  # the root itself
            if draw(st.integers(0, 9)) == 0:
                return draw(json_values)
            continue
        parent, key = _parent(document, path), path[-1]
        value = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "wrap", "negate", "duplicate"]))
        if action == "drop":
            if isinstance(parent, dict):
                del parent[key]
            else:
                parent.pop(key)
        elif action == "wrap":
            parent[key] = draw(st.sampled_from([[value], {"value": value}, str(value)]))
        elif action == "negate" and isinstance(value, int | float) and not isinstance(value, bool):
            parent[key] = -value if value else -1
        elif action == "negate" and isinstance(value, str) and value[:1].isdigit():
            parent[key] = "-" + value
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(value))
        else:
            parent[key] = draw(json_values)
    return document
