"""Which row of the editor a problem of the check is about.

A problem names ``file:line:column``; the documents it may point into (the edited file and, under a
shop's file, the marketplace's) know the key written at every line. The problem goes to the deepest key
written on its line (on a line holding several keys, as in ``{status: X, reason: Y}``, the last one
starting at or before its column). A row then takes the problems at or below its own key path; what no
row takes is shown above the table or at the top of the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from erpsync.mapping import MappingDocument, Problem

Path_ = tuple[str, ...]


@dataclass
class PlacedProblems:
    """Problems with the key path each is about (``()``: the whole file)."""

    placed: list[tuple[Path_, Problem]] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)

    def under(self, path: Path_, *, exact: bool = False) -> list[Problem]:
        """Problems at ``path`` or below it (``exact``: at ``path`` only); they are marked as shown."""
        found = []
        for index, (where, problem) in enumerate(self.placed):
            if where[: len(path)] == path and (not exact or where == path):
                found.append(problem)
                self.taken.add(index)
        return found

    def peek(self, path: Path_) -> list[Problem]:
        """Problems at or below ``path`` without marking them."""
        return [problem for where, problem in self.placed if where[: len(path)] == path]

    def rest(self) -> list[Problem]:
        """Problems no row or section has shown."""
        return [problem for index, (_, problem) in enumerate(self.placed) if index not in self.taken]

    @property
    def errors(self) -> int:
        return sum(1 for _, problem in self.placed if problem.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for _, problem in self.placed if not problem.is_error)


def place(problems: Iterable[Problem], documents: Sequence[MappingDocument]) -> PlacedProblems:
    """Each problem with the key path its line holds in one of ``documents``."""
    lines: dict[tuple[str, int], list[tuple[int, Path_]]] = {}
    for document in documents:
        for path, pos in document.located.positions.items():
            lines.setdefault((pos.file, pos.line), []).append((pos.column, path))
            if pos.value_line != pos.line:
                lines.setdefault((pos.file, pos.value_line), []).append((pos.value_column, path))
    result = PlacedProblems()
    for problem in problems:
        candidates = lines.get((problem.file, problem.line), [])
        before = [item for item in candidates if item[0] <= problem.column] or candidates
        path = max(before, key=lambda item: (len(item[1]), item[0]))[1] if before else ()
        result.placed.append((path, problem))
    return result
