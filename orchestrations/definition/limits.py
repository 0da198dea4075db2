"""How large and how deep a definition may be, and which characters it may hold.

Checked before anything else reads a definition, by a walk with an explicit stack:
validation, the importer, the exporter and the builder recurse over what they read,
and a document nested 50,000 deep must be refused here rather than overflow Python's
stack there. Characters that no database column can hold (NUL is refused by
PostgreSQL, a lone surrogate by every UTF-8 encoder) are refused here too, with their
JSON path, instead of failing as a database error on save.

The numbers are documented in docs/definition-format.md ("Limits").
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .problems import Problem, child

MAX_TEXT_BYTES = 2 * 1024 * 1024  # a definition file, or JSON pasted in the builder
MAX_SIZE = 2_000_000  # the whole definition, in characters of compact JSON
MAX_DEPTH = 32  # levels of objects and lists, the definition's own object included
MAX_STRING = 10_000  # characters in one string or object key
MAX_ITEMS = 2_000  # items of one list, keys of one object
MAX_STAGES = 200
MAX_STEPS = 2_000  # in all stages together
MAX_WHOLE_NUMBER = 2**53 - 1  # larger ones are read inexactly by many JSON readers
MAX_PROBLEMS = 20  # a hostile file gets the first few, not one line per value

# The levels around a step's action inputs: $, stages, a stage, steps, a step, inputs.
STEP_INPUT_LEVELS = 6

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A JSON string (escapes included) or a bracket: what the depth pre-scan looks at.
JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class DefinitionTextError(ValueError):
    """Text that cannot be read as a definition: not JSON (`not_json`), or too large or
    nested too deeply. `line` and `column` (1-based) say where, when known."""

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        *,
        not_json: bool = False,
    ):
        self.message, self.line, self.column = message, line, column
        self.not_json = not_json
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"{message}{where}.")


def load_definition_text(text: str, *, levels_above: int = 0) -> Any:
    """The JSON value of `text`, or `DefinitionTextError`. Never recursion-limited:
    nesting is measured before the (recursive) JSON parser runs. The value still has
    to pass `check_limits`, which every validation runs first. With `levels_above`,
    the text is one value that will sit that deep in a definition (as `check_value`)."""
    max_depth = MAX_DEPTH - levels_above
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise DefinitionTextError(
            f"The JSON is {megabytes(size)}: at most {megabytes(MAX_TEXT_BYTES)}"
        )
    too_deep = _too_deep_at(text, max_depth)
    if too_deep is not None:
        line, column = _line_and_column(text, too_deep)
        raise DefinitionTextError(
            f"The JSON is nested too deeply: more than {max_depth} levels of objects and lists",
            line,
            column,
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DefinitionTextError(
            f"This is not valid JSON: {error.msg}", error.lineno, error.colno, not_json=True
        ) from None
    except RecursionError:  # only if the pre-scan missed something: never a traceback
        raise DefinitionTextError(
            f"The JSON is nested too deeply: more than {max_depth} levels of objects and lists"
        ) from None
    except ValueError:
        # Python refuses to read a whole number of more than 4,300 digits.
        raise DefinitionTextError("This JSON has a number too long to read") from None


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size % (1024 * 1024) else f"{size // 1024 // 1024} MB"


def _too_deep_at(text: str, max_depth: int) -> int | None:
    """The offset of the first bracket that opens level `max_depth` + 1, if any
    (strings are skipped whole, so brackets inside them don't count)."""
    depth = 0
    for token in JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                return token.start()
        elif bracket in "]}":
            depth -= 1
    return None


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check_limits(data: Any, problems: list[Problem]) -> None:
    """Append a problem for every limit `data` (a parsed definition) passes, each at
    the JSON path where it is passed: nesting, sizes, numbers, the count of stages and
    steps, characters that cannot be stored, values that are not JSON."""
    found: list[Problem] = []
    _Walk(found, MAX_DEPTH).run(data, "$")
    if not found:
        _count_stages_and_steps(data, found)
    problems.extend(found)


def check_value(value: Any, path: str, *, levels_above: int, problems: list[Problem]) -> None:
    """`check_limits` for one value that will sit `levels_above` levels deep in a
    definition (a step's action input typed in the builder, say)."""
    _Walk(problems, MAX_DEPTH - levels_above).run(value, path)


def unstorable_character(text: str) -> str | None:
    """ "U+0000" for the first character of `text` that cannot be stored, or None."""
    match = UNSTORABLE.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def unstorable_message(code: str, what: str = "") -> str:
    """ "Contains a character…", or "The key contains a character…" for `what` "The key"."""
    contains = f"{what} contains" if what else "Contains"
    return f"{contains} a character that cannot be stored ({code}): remove it."


# Where a value sits below the root: (where its parent sits, its key or index), None
# for the root itself. The path is built only when a problem needs it, so walking
# 100,000 values builds no strings.
_Place = tuple[Any, str | int] | None


def _path(root: str, place: _Place) -> str:
    names: list[str | int] = []
    while place is not None:
        place, name = place
        names.append(name)
    path = root
    for name in reversed(names):
        # A long key is shortened (repr escapes what can't be shown).
        shown = name if isinstance(name, int) or len(name) <= 40 else name[:40] + "…"
        path = child(path, shown)
    return path


class _Walk:
    """One pass over a value, children in document order, stopping at the first
    MAX_PROBLEMS problems or when the size limit is passed."""

    def __init__(self, problems: list[Problem], max_depth: int):
        self.problems, self.max_depth = problems, max_depth
        self.root = "$"
        self.size = 0

    def run(self, value: Any, root: str) -> None:
        self.root = root
        start = len(self.problems)
        pending: list[tuple[Any, _Place, int]] = [(value, None, 0)]
        while pending:
            if len(self.problems) - start >= MAX_PROBLEMS:
                self.problem(None, "More problems like these are not listed: fix these first.")
                return
            value, place, depth = pending.pop()
            if place is not None and isinstance(place[1], str):
                self.size += len(place[1]) + 3  # quotes and colon
                if not self.text(place[1], place, is_key=True):
                    continue
            if isinstance(value, dict | list):
                if self.container(value, place, depth + 1):
                    pending.extend(reversed(self.children(value, place, depth + 1)))
            else:
                self.scalar(value, place)
            if self.size > MAX_SIZE:
                self.problem(place, f"The definition is too large: more than {MAX_SIZE:,} "
                             "characters as JSON.")  # fmt: skip
                return

    def problem(self, place: _Place, message: str) -> None:
        self.problems.append(Problem(_path(self.root, place), message))

    def container(self, value: dict[Any, Any] | list[Any], place: _Place, depth: int) -> bool:
        """Whether to look inside `value`."""
        if depth > self.max_depth:
            self.problem(
                place, f"Nested too deeply: more than {self.max_depth} levels of objects and lists."
            )
            return False
        if len(value) > MAX_ITEMS:
            what = "keys" if isinstance(value, dict) else "items"
            self.problem(place, f"Too many {what}: {len(value):,}, at most {MAX_ITEMS:,}.")
            return False
        self.size += 2 + max(len(value) - 1, 0)  # brackets and commas
        return True

    def children(
        self, value: dict[Any, Any] | list[Any], place: _Place, depth: int
    ) -> list[tuple[Any, _Place, int]]:
        if isinstance(value, list):
            return [(item, (place, i), depth) for i, item in enumerate(value)]
        found: list[tuple[Any, _Place, int]] = []
        for key, item in value.items():
            if not isinstance(key, str):
                self.problem(place, f"Object keys are text, not {type(key).__name__}.")
                continue
            found.append((item, (place, key), depth))  # the key is checked with its value
        return found

    def scalar(self, value: Any, place: _Place) -> None:
        if value is None or isinstance(value, bool):
            self.size += 5
        elif isinstance(value, str):
            self.size += len(value) + 2
            self.text(value, place)
        elif isinstance(value, int):
            if abs(value) > MAX_WHOLE_NUMBER:
                self.problem(place, f"Whole numbers go up to {MAX_WHOLE_NUMBER:,} (2^53 - 1).")
            else:
                self.size += len(str(value))
        elif isinstance(value, float):
            if not math.isfinite(value):
                self.problem(place, f"Not a number JSON can hold ({value}).")
            else:
                self.size += len(repr(value))
        else:
            self.problem(
                place,
                "Not a JSON value (text, number, true/false, null, list or object) but "
                f"{type(value).__name__}.",
            )

    def text(self, text: str, place: _Place, *, is_key: bool = False) -> bool:
        what = "The key" if is_key else "The text"
        if len(text) > MAX_STRING:
            self.problem(place, f"{what} is too long: {len(text):,} characters, at most "
                         f"{MAX_STRING:,}.")  # fmt: skip
            return False
        code = unstorable_character(text)
        if code is not None:
            self.problem(place, unstorable_message(code, what if is_key else ""))
            return False
        return True


def _count_stages_and_steps(data: Any, problems: list[Problem]) -> None:
    stages = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(stages, list):
        return  # validation says what is wrong with it
    if len(stages) > MAX_STAGES:
        problems.append(
            Problem("$.stages", f"Too many stages: {len(stages):,}, at most {MAX_STAGES:,}.")
        )
    steps = sum(
        len(stage["steps"])
        for stage in stages
        if isinstance(stage, dict) and isinstance(stage.get("steps"), list)
    )
    if steps > MAX_STEPS:
        problems.append(
            Problem("$.stages", f"Too many steps: {steps:,} in all, at most {MAX_STEPS:,}.")
        )
