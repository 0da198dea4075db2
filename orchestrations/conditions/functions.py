"""The functions an expression may call, and nothing else: `len(x)`, `days_since(d)`, ….

Each function checks its arguments and raises `ConditionRuntimeError` with a sentence
about what it needed; the compiler adds the expression and position. Functions that
depend on the moment of evaluation (`now()`, `changed()`, …) receive the evaluation
`Context` first. Functions that go through a whole list (`scans`) or make a new text
(`builds`) say so, so that it counts against the evaluation's budget.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from .errors import ConditionRuntimeError
from .limits import MAX_DECIMAL_DIGITS, MAX_ROUND_DIGITS, Budget
from .values import NUMBER_TYPES, display, is_number, kind_of

# What an evaluation knows besides the namespaces: (now, changed_fields, budget). A
# tuple because one is built per evaluation and that must cost next to nothing.
Context = tuple[dt.datetime | None, Collection[str] | None, Budget]


@dataclass(frozen=True)
class Function:
    name: str
    implementation: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: any number
    help: str
    needs_context: bool = False
    scans: bool = False  # goes through every item of a list it is given
    builds: bool = False  # gives back a text it made


REGISTRY: dict[str, Function] = {}


def function(
    name: str,
    help: str,
    *,
    args: tuple[int, int | None] = (1, 1),
    context: bool = False,
    scans: bool = False,
    builds: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(implementation: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = Function(
            name, implementation, args[0], args[1], help, context, scans, builds
        )
        return implementation

    return register


def _fail(message: str) -> ConditionRuntimeError:
    return ConditionRuntimeError(message)


@function("len", "len(x): the number of characters of text, or of items in a list")
def _len(value: Any) -> int:
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    raise _fail(f"len() needs text or a list, not {kind_of(value)}")


def _text_function(name: str, help: str, transform: Callable[[str], str]) -> None:
    def apply(value: Any) -> str:
        if isinstance(value, str):
            return transform(value)
        raise _fail(f"{name}() needs text, not {kind_of(value)}")

    function(name, help, builds=True)(apply)


_text_function("lower", "lower(s): text in lower case", str.lower)
_text_function("upper", "upper(s): text in upper case", str.upper)
_text_function("strip", "strip(s): text without surrounding spaces", str.strip)


@function("int", "int(x): a whole number from a number or text (decimals are cut off)")
def _int(value: Any) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(f"int() cannot turn {value} into a whole number")
        return int(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or value.adjusted() > MAX_DECIMAL_DIGITS:
            raise _fail(f"int() cannot turn {value} into a whole number")
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            try:
                return _int(Decimal(value.strip()))
            except InvalidOperation:
                pass
        raise _fail(f"int() cannot turn the text {value[:40]!r} into a whole number")
    raise _fail(f"int() needs a number or text, not {kind_of(value)}")


@function("float", "float(x): a number with decimals, from a number or text")
def _float(value: Any) -> float:
    if isinstance(value, (*NUMBER_TYPES, str)):
        try:
            return float(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):
            pass
        raise _fail(f"float() cannot turn {display(value)[:40]!r} into a number")
    raise _fail(f"float() needs a number or text, not {kind_of(value)}")


@function("str", "str(x): x as text, as it would appear in an email", builds=True)
def _str(value: Any) -> str:
    return display(value)


@function("abs", "abs(x): a number without its sign")
def _abs(value: Any) -> Any:
    if is_number(value):
        return abs(value)
    raise _fail(f"abs() needs a number, not {kind_of(value)}")


def _extreme(name: str, pick: Callable[..., Any], values: tuple[Any, ...]) -> Any:
    items: Collection[Any] = values
    if len(values) == 1:
        if not isinstance(values[0], list | tuple):
            raise _fail(f"{name}() of one value needs a list, not {kind_of(values[0])}")
        items = values[0]
    if not items:
        raise _fail(f"{name}() of an empty list")
    try:
        return pick(items)
    except (TypeError, ArithmeticError):
        kinds = sorted({kind_of(item) for item in items})
        raise _fail(f"{name}() cannot compare {' with '.join(kinds)}") from None


@function("min", "min(a, b, …) or min(list): the smallest value", args=(1, None), scans=True)
def _min(*values: Any) -> Any:
    return _extreme("min", min, values)


@function("max", "max(a, b, …) or max(list): the largest value", args=(1, None), scans=True)
def _max(*values: Any) -> Any:
    return _extreme("max", max, values)


@function("round", "round(x) or round(x, n): x rounded to n decimals (default 0)", args=(1, 2))
def _round(value: Any, digits: Any = None) -> Any:
    if not is_number(value):
        raise _fail(f"round() needs a number, not {kind_of(value)}")
    if digits is None:
        if isinstance(value, Decimal):
            return _int(value.to_integral_value())
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(f"round() cannot round {value} to a whole number")
        return round(value)
    if not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS:
        raise _fail(f"round() needs a whole number of decimals up to {MAX_ROUND_DIGITS}")
    try:
        return round(value, digits)
    except InvalidOperation:  # a Decimal with more digits than it can hold
        raise _fail(f"round() cannot round {value} to {digits} decimals") from None


@function("date", 'date("2026-01-31"): the date written in ISO format (or of a date and time)')
def _date(value: Any) -> dt.date:
    moment = _moment("date", value)
    if isinstance(moment, dt.datetime):
        return _local(moment).date()
    return moment


@function("now", "now(): the current date and time", args=(0, 0), context=True)
def _now(context: Context) -> dt.datetime:
    return context[0] or timezone.now()


@function("today", "today(): the current date", args=(0, 0), context=True)
def _today(context: Context) -> dt.date:
    return _local(_now(context)).date()


@function("days_since", "days_since(d): whole days from date d until now", context=True)
def _days_since(context: Context, value: Any) -> int:
    moment = _moment("days_since", value)
    now = _now(context)
    if not isinstance(moment, dt.datetime):
        return (_local(now).date() - moment).days
    if timezone.is_naive(moment) != timezone.is_naive(now):
        # One side came from a naive source (e.g. an ISO string); read it in local time.
        moment, now = _aware(moment), _aware(now)
    return int((now - moment) / dt.timedelta(days=1))  # whole days, towards zero


@function("days_until", "days_until(d): whole days from now until date d", context=True)
def _days_until(context: Context, value: Any) -> int:
    return -_days_since(context, value)


@function(
    "changed",
    'changed("field"): true when the record\'s field changed in the save being checked',
    context=True,
)
def _changed(context: Context, name: Any) -> bool:
    if not isinstance(name, str):
        raise _fail(f'changed() needs a field name in quotes, e.g. changed("status"), not {name!r}')
    changed_fields = context[1]
    if changed_fields is None:
        return False
    return name in changed_fields or f"{name}_id" in changed_fields


@function("is_empty", 'is_empty(x): true for an empty value: None, "", an empty list')
def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) == 0
    return False


def _moment(name: str, value: Any) -> dt.date:
    """A date or datetime from `value` (ISO text is parsed)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        raise _fail(f"{name}() cannot read {value[:40]!r} as a date (use 2026-01-31)")
    raise _fail(f"{name}() needs a date, not {kind_of(value)}")


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


FUNCTIONS: dict[str, str] = {name: spec.help for name, spec in sorted(REGISTRY.items())}
