"""The errors of the condition language, each a sentence an admin can act on.

Every error knows the expression it is about (`source`) and where in it the problem is
(`position`, a 1-based character offset, or None when no single place is to blame).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


class ConditionError(Exception):
    """Base class: `str(error)` reads like "unknown name 'recrod' at column 1"."""

    def __init__(self, message: str, *, source: str = "", position: int | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.position = position

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} at {self.location}"

    @property
    def location(self) -> str:
        """Where the error is: `column 7`, or `line 2, column 3` in a text of several lines."""
        if self.position is None:
            return ""
        before = self.source[: self.position - 1]
        if "\n" not in before:
            return f"column {self.position}"
        line = before.count("\n") + 1
        column = self.position - before.rfind("\n") - 1
        return f"line {line}, column {column}"

    def relocated(self, source: str, offset: int) -> ConditionError:
        """The same error about a larger text in which this expression starts after
        `offset` characters (used by templates)."""
        position = None if self.position is None else self.position + offset
        return type(self)(self.message, source=source, position=position)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, position={self.position!r})"


class ConditionSyntaxError(ConditionError):
    """The expression is not valid, or uses something the language does not allow."""


class ConditionNameError(ConditionError):
    """The expression reads a name that is not available where it is used."""


class ConditionRuntimeError(ConditionError):
    """The expression is valid but could not be evaluated against these values."""


@dataclass(frozen=True, slots=True)
class Site:
    """Where in an expression a runtime step happens, fixed at compile time so that
    errors raised while evaluating can name the expression text and position.

    `text` describes the value being read from (e.g. "steps.review"); `path` is the
    same as a tuple of names when that value is a plain dotted path, else None.
    """

    source: str
    position: int | None
    text: str = ""
    path: tuple[str, ...] | None = None

    def error(self, message: str) -> ConditionRuntimeError:
        return ConditionRuntimeError(message, source=self.source, position=self.position)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint such as ` (did you mean 'review'?)` when a known name is close to `name`,
    else an empty string."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def quoted(text: str) -> str:
    """`text` in quotes for a message, picking quotes it does not contain."""
    return f'"{text}"' if "'" in text and '"' not in text else f"'{text}'"
