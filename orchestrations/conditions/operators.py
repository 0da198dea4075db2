"""Arithmetic as the language defines it.

Numbers (int, float, Decimal) do arithmetic; `+` also joins text to text and lists to
lists. Everything else is a runtime error with a readable message, never a Python
TypeError, and no result may grow past the bounds in `values`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal, Overflow
from typing import Any

from .errors import ConditionRuntimeError, Site
from .limits import MAX_INT_BITS
from .values import is_number, kind_of, too_large

BinaryOperator = Callable[[Any, Any, Site], Any]
UnaryOperator = Callable[[Any, Site], Any]

_ARITHMETIC: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "+": (operator.add, "add"),
    "-": (operator.sub, "subtract"),
    "*": (operator.mul, "multiply"),
    "/": (operator.truediv, "divide"),
    "//": (operator.floordiv, "divide"),
    "%": (operator.mod, "take the remainder of"),
}


def arithmetic(symbol: str) -> BinaryOperator:
    """The function that applies `symbol` (one of + - * / // %) to two values."""
    apply, verb = _ARITHMETIC[symbol]
    joins = symbol == "+"

    def calculate(left: Any, right: Any, site: Site) -> Any:
        kind_left, kind_right = type(left), type(right)
        # The common case first: plain ints and floats, checked by exact type for speed.
        if (kind_left is int or kind_left is float) and (kind_right is int or kind_right is float):
            try:
                result = apply(left, right)
            except ArithmeticError as error:
                raise _arithmetic_error(error, site) from None
            if type(result) is int and result.bit_length() > MAX_INT_BITS:
                raise site.error(f"the result of {site.text} is too large")
            return result
        if joins and _joinable(left, right):
            result = left + right
        elif is_number(left) and is_number(right):
            left, right = _same_kind_of_number(left, right)
            try:
                result = apply(left, right)
            except ArithmeticError as error:
                raise _arithmetic_error(error, site) from None
        else:
            hint = (
                " (str(x) turns a number into text)"
                if joins and str in (kind_left, kind_right)
                else ""
            )
            raise site.error(
                f"cannot {verb} {kind_of(left)} and {kind_of(right)} in {site.text}{hint}"
            )
        if too_large(result):
            raise site.error(f"the result of {site.text} is too large")
        return result

    return calculate


def negate(value: Any, site: Site) -> Any:
    if is_number(value):
        return -value
    raise site.error(f"cannot negate {kind_of(value)} in {site.text}")


def positive(value: Any, site: Site) -> Any:
    if is_number(value):
        return +value
    raise site.error(f"'+' needs a number, not {kind_of(value)}, in {site.text}")


def _joinable(left: Any, right: Any) -> bool:
    if isinstance(left, str):
        return isinstance(right, str)
    return isinstance(left, list | tuple) and type(left) is type(right)


def _same_kind_of_number(left: Any, right: Any) -> tuple[Any, Any]:
    """Python refuses Decimal with float; a record's Decimal amount times 1.1 should work,
    so the float becomes the Decimal it was written as."""
    if isinstance(left, Decimal) and isinstance(right, float):
        return left, Decimal(repr(right))
    if isinstance(left, float) and isinstance(right, Decimal):
        return Decimal(repr(left)), right
    return left, right


def _arithmetic_error(error: ArithmeticError, site: Site) -> ConditionRuntimeError:
    if isinstance(error, ZeroDivisionError):
        return site.error(f"division by zero in {site.text}")
    if isinstance(error, OverflowError | Overflow):
        return site.error(f"the result of {site.text} is too large")
    return site.error(f"cannot calculate {site.text}")
