"""Reading a mapping file: ruamel.yaml round-trip (comments, order and quoting kept for write-back),
the position of every key for ``file:line:column`` messages, and YAML errors and duplicate keys as
problems instead of exceptions.

A parsed file gives two views: ``tree`` (the round-trip tree, edited and dumped back by
``erpsync.mapping.store``) and ``located`` (plain Python values with their positions, read by the
validator, the diff and the translation API). Keys are always text in the plain view: ``1:`` and
``"1":`` are the same key.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarbool import ScalarBoolean

from erpsync.mapping.problems import ERROR, Problem

ACCOUNTING_FILE = "accounting.yaml"
SHOPS_FOLDER = "shops"

KIND_MARKETPLACE = "marketplace"  # mappings/<marketplace>.yaml
KIND_SHOP = "shop"  # mappings/shops/<shop>.yaml, merged over its marketplace's file
KIND_ACCOUNTING = "accounting"  # mappings/accounting.yaml: the merchant's delivery and payment methods

Path_ = tuple[str, ...]


def new_yaml() -> YAML:
    """The round-trip loader/dumper every mapping file is read and written with."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line: a write must change only the edited lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def dump_tree(tree: Any) -> str:
    out = io.StringIO()
    new_yaml().dump(tree, out)
    return out.getvalue()


def kind_of(path: Path) -> str:
    if path.name == ACCOUNTING_FILE:
        return KIND_ACCOUNTING
    if path.parent.name == SHOPS_FOLDER:
        return KIND_SHOP
    return KIND_MARKETPLACE


def key_text(key: Any) -> str:
    """A mapping key as text: ``1`` and ``"1"`` are the same key; ``true`` is ``true``."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return ""
    return str(key)


def dotted(path: Path_) -> str:
    """``statuses.outbound.cancelled``; a key containing a dot or ``: `` is quoted."""
    parts = []
    for part in path:
        parts.append(f'"{part}"' if ("." in part or ": " in part) else part)
    return ".".join(parts)


@dataclass(frozen=True)
class Pos:
    """Where a key (and its value) is written: 1-based line and column."""

    file: str
    line: int
    column: int
    value_line: int
    value_column: int


@dataclass
class Located:
    """Plain values (dicts with text keys, lists, scalars) and the position of every key path."""

    data: dict[str, Any]
    positions: dict[Path_, Pos]
    file: str  # the file named by problems that have no better place

    def pos(self, path: Path_, *, value: bool = False) -> tuple[str, int, int]:
        """The position of ``path``, or of its nearest written ancestor, or the top of ``file``."""
        for length in range(len(path), 0, -1):
            found = self.positions.get(path[:length])
            if found is not None:
                if value and length == len(path):
                    return found.file, found.value_line, found.value_column
                return found.file, found.line, found.column
        return self.file, 1, 1

    def problem(self, path: Path_, message: str, *, value: bool = False, level: str = ERROR) -> Problem:
        file, line, column = self.pos(path, value=value)
        return Problem(file, line, column, message, level)

    def get(self, *path: str) -> Any:
        node: Any = self.data
        for part in path:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node


@dataclass
class MappingDocument:
    """One mapping file as read: its text, round-trip tree, plain view and the problems of reading it."""

    name: str  # how messages name the file
    text: str
    kind: str
    tree: CommentedMap | None
    located: Located
    problems: list[Problem] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return self.located.data

    @property
    def version(self) -> int | None:
        version = self.data.get("version")
        return version if isinstance(version, int) and not isinstance(version, bool) else None

    @property
    def readable(self) -> bool:
        """True when the YAML parsed into a mapping (the rules can run on it)."""
        return self.tree is not None


def parse_document(text: str, name: str, kind: str = KIND_MARKETPLACE) -> MappingDocument:
    """Parse ``text``; syntax errors and duplicate keys become problems, never exceptions."""
    problems: list[Problem] = []
    if "\t" in text:
        problems.extend(_tab_problems(text, name))
    yaml = new_yaml()
    try:
        node = yaml.compose(text)
    except MarkedYAMLError as error:
        return _unreadable(text, name, kind, problems or [_syntax_problem(error, name)])
    except YAMLError as error:  # e.g. a character YAML does not allow (NUL, a lone surrogate): at its place
        position = getattr(error, "position", None)
        line, column = (1, 1)
        if isinstance(position, int):
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
        return _unreadable(text, name, kind, problems or [Problem(name, line, column, f"YAML error: {error}")])
    if node is not None:
        unsafe = _shape_problems(node, name)
        if unsafe:
            return _unreadable(text, name, kind, [*problems, *unsafe])
        problems.extend(_duplicate_problems(node, name))
    loader = new_yaml()
    loader.allow_duplicate_keys = True  # reported above; the first value wins so the rest can be checked
    try:
        tree = loader.load(text)
    except YAMLError as error:  # e.g. an unknown tag
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return _unreadable(text, name, kind, [*problems, Problem(name, line, column, f"YAML error: {error}")])
    if not isinstance(tree, CommentedMap):
        what = "an empty file" if tree is None else ("a list" if isinstance(tree, list) else f"the value {tree!r}")
        problems.append(Problem(name, 1, 1, f"a mapping file must be a mapping of keys (marketplace, version, …), "
                                            f"this is {what}"))
        return _unreadable(text, name, kind, problems)
    positions: dict[Path_, Pos] = {}
    data = _plain(tree, (), positions, name)
    return MappingDocument(name, text, kind, tree, Located(data, positions, name), problems)


def load_document(path: Path, name: str | None = None, kind: str | None = None) -> MappingDocument:
    """Read and parse a file; an unreadable file is one problem naming it."""
    shown = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _unreadable("", shown, kind or kind_of(path), [Problem(shown, 1, 1, "no such file")])
    except (OSError, UnicodeDecodeError) as error:
        return _unreadable("", shown, kind or kind_of(path), [Problem(shown, 1, 1, f"cannot read the file: {error}")])
    return parse_document(text, shown, kind or kind_of(path))


def _unreadable(text: str, name: str, kind: str, problems: list[Problem]) -> MappingDocument:
    return MappingDocument(name, text, kind, None, Located({}, {}, name), problems)


def _tab_problems(text: str, name: str) -> list[Problem]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            found.append(Problem(name, number, indent.index("\t") + 1,
                                 "a tab in the indentation: YAML indents with spaces only"))
    return found


def _syntax_problem(error: MarkedYAMLError, name: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (error.problem or str(error)).strip()
    opened = error.context_mark.line + 1 if error.context_mark else None
    if problem.startswith("expected <block end>"):
        message = "bad indentation: this line is not aligned with the keys above it"
    elif problem.startswith("mapping values are not allowed"):
        message = "bad indentation or a missing space: a ':' where no key can start"
    else:
        context = f" ({error.context.strip()} on line {opened})" if error.context and opened not in (None, line) else ""
        message = f"YAML syntax error: {problem}{context}"
    return Problem(name, line, column, message)


# Mapping files are plain YAML: only these tags; no ``!!python/object`` (nothing is ever constructed from a
# tag, and a tagged value is refused before loading), and no alias bomb (anchors expanded past MAX_NODES,
# or an alias inside the node it names).
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq",
                                                          "merge", "timestamp"))
STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = VersionedResolver()
MAX_NODES = 100_000
MAX_NUMBER_DIGITS = 1000


def _shape_problems(root: Node, name: str) -> list[Problem]:
    """A tag that is not plain YAML, an alias that contains itself, too many values once aliases are
    expanded, a number too long to read: each a problem at its line and column (the file is not loaded)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        where = node.start_mark
        if done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[id(node)] > MAX_NODES:
                return [Problem(name, where.line + 1, where.column + 1,
                                f"more than {MAX_NODES:,} values once its aliases are expanded: not a mapping file")]
            continue
        if id(node) in sizes:
            continue
        tag = str(getattr(node.tag, "value", node.tag) or "")
        if tag and tag not in PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            return [Problem(name, where.line + 1, where.column + 1,
                            f"the tag {shown} is not allowed: mapping files are plain YAML, loaded safely")]
        if isinstance(node, ScalarNode) and tag not in ("", STR_TAG) and tag != _RESOLVER.resolve(
                ScalarNode, node.value, (True, False)):
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            return [Problem(name, where.line + 1, where.column + 1, f"the tag {shown} does not fit {node.value!r:.40}")]
        if tag.endswith(":int") and len(str(node.value)) > MAX_NUMBER_DIGITS:
            return [Problem(name, where.line + 1, where.column + 1,
                            f"a number of more than {MAX_NUMBER_DIGITS} digits")]
        if id(node) in open_nodes:
            return [Problem(name, where.line + 1, where.column + 1, "an alias refers to a value that contains it")]
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                mark = child.start_mark
                return [Problem(name, mark.line + 1, mark.column + 1, "an alias refers to a value that contains it")]
            if id(child) not in sizes:
                stack.append((child, False))
    return []


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value


def _duplicate_problems(root: Node, name: str) -> list[Problem]:
    problems: list[Problem] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key, _value in node.value:
                text = str(key.value) if not isinstance(key.value, list) else repr(key.value)
                if text == "<<":
                    continue
                line = key.start_mark.line + 1
                if text in seen:
                    problems.append(Problem(name, line, key.start_mark.column + 1,
                                            f"duplicate key '{text}' (first written on line {seen[text]})"))
                else:
                    seen[text] = line
        stack.extend(_children(node))
    return problems


def _scalar(value: Any) -> Any:
    if isinstance(value, ScalarBoolean | bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def _plain(node: Any, path: Path_, positions: dict[Path_, Pos], name: str) -> Any:
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key in node:
            text = key_text(key)
            key_line, key_column = node.lc.key(key)
            value_line, value_column = node.lc.value(key)
            if text in result:  # 1 and "1": reported as a duplicate when composing; the first wins
                continue
            positions[(*path, text)] = Pos(name, key_line + 1, key_column + 1, value_line + 1, value_column + 1)
            result[text] = _plain(node[key], (*path, text), positions, name)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, column = node.lc.item(index) or (0, 0)
            positions[(*path, str(index))] = Pos(name, line + 1, column + 1, line + 1, column + 1)
            items.append(_plain(item, (*path, str(index)), positions, name))
        return items
    return _scalar(node)
