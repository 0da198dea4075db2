"""What is wrong with a definition, each problem pointing at its place in the JSON
(and the helpers that build those JSON paths)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Problem:
    """One finding: `path` is a JSON path such as `$.stages[1].steps[0].form`.
    Errors block import and activation; warnings are advice."""

    path: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        suffix = " (warning)" if self.severity == WARNING else ""
        return f"{self.path}: {self.message}{suffix}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class DefinitionError(Exception):
    """A definition has errors; `.problems` lists all of them (warnings included)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        errors = errors_of(self.problems)
        lines = [f"The definition has {_count(len(errors), 'error')}:"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


def errors_of(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def child(path: str, name: str | int) -> str:
    """The JSON path of a key or list item below `path`."""
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if WORD.fullmatch(name) else f"{path}[{name!r}]"


def stage_paths(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(child("$.stages", i), stage) for i, stage in enumerate(definition["stages"])]


def step_paths(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(path, step, its stage) for every step of the definition, in order."""
    return [
        (child(child(path, "steps"), j), step, stage)
        for path, stage in stage_paths(definition)
        for j, step in enumerate(stage["steps"])
    ]
