"""Auto-match ("Match automatically"): proposals pairing local names and values with the marketplace's.

Two texts are compared on a key that ignores case, extra spaces and punctuation, unit words
(``128 ГБ`` = ``128``), decimal commas (``6,1`` = ``6.1``) and the script (Cyrillic is transliterated,
so ``Колір`` and ``kolir``, ``А5`` in Cyrillic and ``A5`` in Latin meet). Equal keys score 1.0;
otherwise the score is the similarity of the keys (difflib), below 1.0.

``suggest_characteristics`` proposes, for every marketplace category the mapping uses, an attribute
for each local characteristic found on the products of the mapped local categories, and a
marketplace value for each local value of a select attribute; ``suggest_categories`` proposes a
marketplace category for each unmapped local leaf category. Both read the last downloaded tree.
``apply_suggestions`` writes those scoring at least ``min_score`` through ``store.save_mapping``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erpsync.mapping.document import dotted, load_document
from erpsync.mapping.store import Edit, SaveResult, save_mapping
from erpsync.mapping.translate import EffectiveMapping, marketplace_file, shop_file
from erpsync.mapping.tree import PATH_SEPARATOR, category_path_key, load_tree, local_categories
from erpsync.mapping.units import is_unit_word
from erpsync.models import Category, MarketplaceAttribute, MarketplaceCategory, Product, ProductCharacteristic

SECTIONS = ("characteristics", "categories")
MAX_LOCAL_VALUES = 200  # a characteristic with more distinct values is free text or a number: no value matching

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "қ": "k", "ғ": "g", "ң": "n", "ә": "a", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
}
_LATIN = (("kh", "h"), ("y", "i"), ("j", "i"), ("w", "v"), ("ph", "f"))
_APOSTROPHES = re.compile(r"[ʼ’'`´\"]")
_DECIMAL_COMMA = re.compile(r"(\d),(\d)")
_TOKEN = re.compile(r"[^\W_]+(?:\.\d+)?|%")


def match_key(text: str) -> str:
    """The form two names are compared in (see the module's docstring)."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    folded = _DECIMAL_COMMA.sub(r"\1.\2", _APOSTROPHES.sub("", folded))
    tokens = _TOKEN.findall(folded)
    kept = [token for token in tokens if not is_unit_word(token)] or tokens
    latin = "".join(_TRANSLIT.get(char, char) for char in "".join(kept))
    for old, new in _LATIN:
        latin = latin.replace(old, new)
    return latin


def similarity(a: str, b: str) -> float:
    """1.0 when the match keys are equal, else their similarity (0 … 0.99)."""
    key_a, key_b = match_key(a), match_key(b)
    if not key_a or not key_b:
        return 0.0
    if key_a == key_b:
        return 1.0
    return round(SequenceMatcher(None, key_a, key_b).ratio() * 0.99, 2)


@dataclass(frozen=True)
class Candidate:
    """A marketplace thing to match against: its code and the names it goes by."""

    code: str
    label: str | None = None

    def names(self) -> list[str]:
        names = [self.code]
        if self.label:
            names.append(self.label)
        tail = re.split(r"[*.]", self.code)[-1].strip()
        if tail and tail != self.code:
            names.append(tail)
        return names

    def score(self, local: str) -> float:
        return max(similarity(local, name) for name in self.names())


@dataclass(frozen=True)
class Suggestion:
    """A proposed entry: write ``code`` at ``path`` (a key path of the mapping file)."""

    section: str
    path: tuple[str, ...]
    local: str
    code: str
    label: str | None
    score: float

    def __str__(self) -> str:
        label = f" ({self.label})" if self.label and self.label != self.code else ""
        return f"{self.score:.2f}  {dotted(self.path[:-1])}: {self.local} → {self.code}{label}"


def best(local: str, candidates: Iterable[Candidate]) -> tuple[Candidate, float] | None:
    scored = [(candidate, candidate.score(local)) for candidate in candidates]
    scored = [pair for pair in scored if pair[1] > 0]
    return max(scored, key=lambda pair: pair[1]) if scored else None


def assign(locals_: Sequence[str], candidates: Sequence[Candidate]) -> list[tuple[str, Candidate, float]]:
    """Pair each local name with at most one candidate and each candidate with at most one name, best first."""
    pairs = [(local, candidate, candidate.score(local)) for local in locals_ for candidate in candidates]
    pairs.sort(key=lambda pair: -pair[2])
    used_locals: set[str] = set()
    used_codes: set[str] = set()
    chosen = []
    for local, candidate, score in pairs:
        if score <= 0 or local in used_locals or candidate.code in used_codes:
            continue
        used_locals.add(local)
        used_codes.add(candidate.code)
        chosen.append((local, candidate, score))
    return chosen


# --- characteristics -------------------------------------------------------------------------------


def _local_category_ids(session: Session, keys: Iterable[str]) -> set[int]:
    """The local categories named by mapping keys, with everything below them."""
    _paths, by_path = local_categories(session)
    children: dict[int | None, list[int]] = {}
    for category_id, parent_id in session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent_id, []).append(category_id)
    found: set[int] = set()
    stack = []
    for key in keys:
        category_id = int(key) if key.isdigit() else by_path.get(category_path_key(key))
        if category_id is not None:
            stack.append(category_id)
    while stack:
        category_id = stack.pop()
        if category_id not in found:
            found.add(category_id)
            stack.extend(children.get(category_id, ()))
    return found


def _local_characteristics(session: Session, category_ids: set[int]) -> dict[str, list[str]]:
    """Characteristic name → its distinct values on the products of those categories."""
    if not category_ids:
        return {}
    rows = session.execute(
        select(ProductCharacteristic.name, ProductCharacteristic.value)
        .join(Product, Product.id == ProductCharacteristic.product_id)
        .where(Product.category_id.in_(sorted(category_ids)))
        .distinct()
        .order_by(ProductCharacteristic.name, ProductCharacteristic.value)
    )
    found: dict[str, list[str]] = {}
    for name, value in rows:
        found.setdefault(name, []).append(value)
    return found


def local_characteristics(session: Session, category_keys: Iterable[str]) -> dict[str, list[str]]:
    """Characteristic name → its distinct values on the products of the local categories named by mapping
    keys (paths or ids), and of the categories below them."""
    return _local_characteristics(session, _local_category_ids(session, category_keys))


def suggest_characteristics(session: Session, mapping: EffectiveMapping) -> list[Suggestion]:
    categories = mapping.section("categories")
    by_code: dict[str, list[str]] = {}
    for key, code in categories.items():
        by_code.setdefault(str(code), []).append(key)
    tree = load_tree(session, mapping.marketplace, by_code)
    suggestions: list[Suggestion] = []
    for code, keys in by_code.items():
        attributes = tree.attributes.get(code)
        if not attributes:
            continue
        local = _local_characteristics(session, _local_category_ids(session, keys))
        suggestions.extend(_for_category(mapping, code, attributes, local))
    return suggestions


def _for_category(mapping: EffectiveMapping, code: str, attributes: dict[str, MarketplaceAttribute],
                  local: dict[str, list[str]]) -> list[Suggestion]:
    specs = mapping.section("characteristics", code)
    mapped = {name: str(spec.get("attribute")) for name, spec in specs.items() if isinstance(spec, dict)}
    free = [Candidate(a.code, a.title) for a in attributes.values() if a.code not in set(mapped.values())]
    suggestions = []
    chosen: dict[str, str] = dict(mapped)
    for name, candidate, score in assign([n for n in local if n not in mapped], free):
        suggestions.append(Suggestion("characteristics", ("characteristics", code, name, "attribute"), name,
                                      candidate.code, candidate.label, score))
        chosen[name] = candidate.code
    for name, attribute_code in chosen.items():
        attribute = attributes.get(attribute_code)
        values = local.get(name, [])
        if attribute is None or not attribute.values or len(values) > MAX_LOCAL_VALUES:
            continue
        known = specs.get(name, {}).get("values") if isinstance(specs.get(name), dict) else None
        known = known if isinstance(known, dict) else {}
        candidates = [Candidate(v.code, v.name) for v in attribute.values]
        for value in values:
            if value in known:
                continue
            found = best(value, candidates)
            if found is not None:
                candidate, score = found
                suggestions.append(Suggestion("characteristics", ("characteristics", code, name, "values", value),
                                              value, candidate.code, candidate.label, score))
    return suggestions


# --- categories ------------------------------------------------------------------------------------


def suggest_categories(session: Session, mapping: EffectiveMapping) -> list[Suggestion]:
    paths, _by_path = local_categories(session)
    parents = {parent for (parent,) in session.execute(select(Category.parent_id)) if parent is not None}
    leaves = [(category_id, path) for category_id, path in paths.items() if category_id not in parents]
    candidates = [
        Candidate(c.code, c.title)
        for c in session.scalars(select(MarketplaceCategory).where(
            MarketplaceCategory.marketplace == mapping.marketplace, MarketplaceCategory.is_leaf.is_(True)))
    ]
    suggestions = []
    for category_id, path in sorted(leaves, key=lambda item: item[1]):
        if mapping.category(path=path, category_id=category_id) is not None:
            continue
        leaf = path.split(PATH_SEPARATOR)[-1]
        found = best(leaf, candidates)
        if found is not None:
            candidate, score = found
            suggestions.append(Suggestion("categories", ("categories", path), path, candidate.code,
                                          candidate.label, score))
    return suggestions


def suggest(session: Session, mapping: EffectiveMapping, section: str) -> list[Suggestion]:
    if section == "categories":
        return suggest_categories(session, mapping)
    return suggest_characteristics(session, mapping)


# --- writing the confident ones --------------------------------------------------------------------


def confident(suggestions: Sequence[Suggestion], mapping: EffectiveMapping, min_score: float) -> list[Suggestion]:
    """Those scoring at least ``min_score``; a value only when its attribute is mapped or chosen too."""
    sure = [s for s in suggestions if s.score >= min_score]
    chosen = [s for s in sure if s.section == "categories" or s.path[-1] == "attribute"]
    attributes = {(s.path[1], s.path[2]) for s in chosen if s.section == "characteristics"}
    for category, names in mapping.section("characteristics").items():
        attributes.update((category, name) for name in (names if isinstance(names, dict) else {}))
    values = [s for s in sure if len(s.path) == 5 and s.path[3] == "values" and (s.path[1], s.path[2]) in attributes]
    return chosen + values


def target_file(mappings_dir: Path, mapping: EffectiveMapping, section: str) -> str:
    """Where suggestions go: the shop's file if it has the section, else the marketplace's file."""
    if mapping.shop:
        own = shop_file(mappings_dir, mapping.shop)
        if own.is_file() and section in load_document(own).data:
            return f"shops/{own.name}"
    return marketplace_file(mappings_dir, mapping.marketplace).name


def apply_suggestions(
    session: Session,
    mappings_dir: Path,
    mapping: EffectiveMapping,
    suggestions: Sequence[Suggestion],
    *,
    section: str,
    min_score: float,
    author: str,
) -> tuple[list[Suggestion], SaveResult | None]:
    """Write the confident suggestions; returns them and the save (None when there was nothing to write)."""
    chosen = confident(suggestions, mapping, min_score)
    if not chosen:
        return [], None
    name = target_file(mappings_dir, mapping, section)
    document = load_document(mappings_dir / name, name)
    edits = [Edit(suggestion.path, suggestion.code) for suggestion in chosen]
    result = save_mapping(session, mappings_dir, name, edits, expected_version=document.version or 0, author=author,
                          message=f"auto-match: {len(chosen)} {section} suggestions scoring at least {min_score:g}")
    return chosen, result
