"""A problem found in a mapping file, located at ``file:line:column``, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from erpsync.core.errors import ValidationError

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: ``level`` is ``error`` (the file is refused) or ``warning`` (reported, accepted)."""

    file: str
    line: int
    column: int
    message: str
    level: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.level == WARNING else ""
        return f"{self.file}:{self.line}:{self.column}: {prefix}{self.message}"


def errors_of(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.is_error]


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems without repeats, by file then position."""
    return sorted(set(problems))


class MappingInvalid(ValidationError):
    """A mapping file (or a change to one) is refused; ``problems`` holds every finding, errors first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        found = sorted_problems(problems)
        errors = errors_of(found)
        self.problems = errors + [p for p in found if not p.is_error]
        first = str(errors[0]) if errors else "invalid mapping"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)
