"""A compiled condition: parse and compile once (cached), evaluate many times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from .compiler import Compiler, Evaluator
from .errors import ConditionRuntimeError, ConditionSyntaxError
from .limits import NOT_COUNTED, Budget
from .parser import Reference, collect_references, parse
from .values import PLAIN_TYPES, is_plain_value


class CompiledCondition:
    """An expression ready to evaluate. `references` lists the dotted paths it reads,
    e.g. `(("record", "amount"), ("steps", "review", "decision"))`."""

    __slots__ = ("_evaluator", "_spends", "reference_spans", "references", "source")

    def __init__(
        self, source: str, evaluator: Evaluator, spans: tuple[Reference, ...], *, spends: bool
    ):
        self.source = source
        self._evaluator = evaluator
        self._spends = spends
        self.reference_spans = spans
        self.references: tuple[tuple[str, ...], ...] = tuple(
            dict.fromkeys(span.path for span in spans)
        )

    def evaluate(
        self,
        namespaces: Mapping[str, Any],
        *,
        now: dt.datetime | None = None,
        changed_fields: Collection[str] | None = None,
        budget: Budget | None = None,
    ) -> Any:
        """The value of the expression for `namespaces` (keys record, vars, steps, run).

        `now` fixes the time `now()`, `today()` and `days_*()` use; `changed_fields` are
        the record fields changed by the save being checked (None: not checking a save);
        `budget` is shared by evaluations that count as one (the placeholders of a
        template), else each evaluation has its own (see `limits.MAX_WORK`).
        Raises `ConditionRuntimeError` and nothing else."""
        if budget is None:
            budget = Budget() if self._spends else NOT_COUNTED
        context = (now, changed_fields, budget)
        try:
            result = self._evaluator(namespaces, context)
        except ConditionRuntimeError:
            raise
        except RecursionError:  # called from deep in a stack already
            raise ConditionRuntimeError(
                "the expression is nested too deeply to evaluate here", source=self.source
            ) from None
        except MemoryError:
            raise ConditionRuntimeError(
                "the expression needs more memory than is available", source=self.source
            ) from None
        except Exception as error:  # the promise: nothing but ConditionRuntimeError escapes
            raise ConditionRuntimeError(
                f"unexpected error while evaluating: {_describe(error)}", source=self.source
            ) from error
        if result is True or result is False or type(result) in PLAIN_TYPES:
            return result
        if is_plain_value(result):
            return result
        raise ConditionRuntimeError("the expression does not give a value", source=self.source)

    def __repr__(self) -> str:
        return f"CompiledCondition({self.source!r})"


def compile_condition(source: str) -> CompiledCondition:
    """Compile `source` (cached: the same text gives the same object). Raises
    `ConditionSyntaxError` for anything the language does not allow, with a position."""
    if not isinstance(source, str):
        raise ConditionSyntaxError(f"an expression must be text, not {type(source).__name__}")
    return _compile(source)


@lru_cache(maxsize=4096)
def _compile(source: str) -> CompiledCondition:
    parsed = parse(source)
    try:
        compiler = Compiler(parsed)
        evaluator = compiler.compile(parsed.tree)
        spans = collect_references(parsed)
    except ConditionSyntaxError:
        raise
    except (RecursionError, MemoryError):
        raise ConditionSyntaxError("the expression is nested too deeply", source=source) from None
    except Exception as error:  # a bug here must still read as "this expression is refused"
        raise ConditionSyntaxError(
            f"the expression could not be compiled (internal error: {_describe(error)})",
            source=source,
        ) from error
    return CompiledCondition(source, evaluator, spans, spends=compiler.spends)


def evaluate_condition(
    source: str,
    namespaces: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    changed_fields: Collection[str] | None = None,
) -> bool:
    """Whether the condition `source` holds for `namespaces` (its value's truthiness).
    Raises `ConditionSyntaxError` or `ConditionRuntimeError`."""
    condition = compile_condition(source)
    result = condition.evaluate(namespaces, now=now, changed_fields=changed_fields)
    try:
        return bool(result)
    except Exception as error:
        raise ConditionRuntimeError(
            f"the result cannot be read as true or false: {_describe(error)}", source=source
        ) from error


def references(source: str) -> list[tuple[str, ...]]:
    """The dotted paths `source` reads, e.g. `[("steps", "review", "decision")]`, in order
    of appearance without repeats; `changed("status")` reads `("record", "status")`.
    Raises `ConditionSyntaxError`."""
    return list(compile_condition(source).references)


def _describe(error: BaseException) -> str:
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:
        return type(error).__name__
