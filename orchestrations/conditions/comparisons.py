"""Comparisons: == != < <= > >= in, not in, `is None`, and chains like `1 < x < 10`.

Python's own comparison runs; when it refuses (`None > 5`, `"a" < 3`) the TypeError
becomes a `ConditionRuntimeError` that names both kinds of value and the expression.
Looking through a list or text (`in`, comparing two lists) counts against the budget.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ConditionRuntimeError, Site
from .functions import Context
from .values import kind_of

if TYPE_CHECKING:
    from .compiler import Compiler, Evaluator

SYMBOLS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
SEQUENCES = frozenset({list, tuple, str})
TESTS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda item, container: item in container,
    "not in": lambda item, container: item not in container,
    "is": operator.is_,
    "is not": operator.is_not,
}


def compile_compare(compiler: Compiler, node: ast.Compare) -> Evaluator:
    operands = [node.left, *node.comparators]
    symbols = [SYMBOLS[type(op)] for op in node.ops]
    for symbol, left, right in zip(symbols, operands, operands[1:], strict=False):
        if symbol in ("is", "is not") and not (_is_none(left) or _is_none(right)):
            raise compiler.refuse(left, f"'{symbol}' only works as '{symbol} None'")
    site = compiler.site(node)
    if len(symbols) == 1:
        return _compile_single(compiler, symbols[0], operands[0], operands[1], site)
    compiler.spends = True
    first = compiler.compile(operands[0])
    links = [
        (symbol, TESTS[symbol], compiler.compile(operand))
        for symbol, operand in zip(symbols, operands[1:], strict=True)
    ]

    def chained(namespaces: Any, context: Context) -> Any:
        left = first(namespaces, context)
        holds: Any = True
        for symbol, test, evaluate_right in links:
            right = evaluate_right(namespaces, context)
            if type(right) in SEQUENCES:
                _spend(symbol, left, right, context, site)
            try:
                holds = test(left, right)
            except (TypeError, ArithmeticError):
                raise comparison_error(left, right, symbol, site) from None
            if not holds:
                return holds
            left = right
        return holds

    return chained


def _compile_single(
    compiler: Compiler, symbol: str, left: ast.expr, right: ast.expr, site: Site
) -> Evaluator:
    evaluate_left, test = compiler.compile(left), TESTS[symbol]
    if symbol in ("is", "is not"):
        evaluate_other = evaluate_left if _is_none(right) else compiler.compile(right)
        if symbol == "is":
            return lambda namespaces, context: evaluate_other(namespaces, context) is None
        return lambda namespaces, context: evaluate_other(namespaces, context) is not None
    fixed, constant = _fixed_value(compiler, right, symbol)
    if fixed:
        # The usual shape (`record.amount > 10000`): one closure call fewer.
        def compare_to_constant(namespaces: Any, context: Context) -> Any:
            value = evaluate_left(namespaces, context)
            try:
                return test(value, constant)
            except (TypeError, ArithmeticError):
                raise comparison_error(value, constant, symbol, site) from None

        return compare_to_constant
    compiler.spends = True
    evaluate_right = compiler.compile(right)

    def compare(namespaces: Any, context: Context) -> Any:
        value, other = evaluate_left(namespaces, context), evaluate_right(namespaces, context)
        if type(other) in SEQUENCES:
            _spend(symbol, value, other, context, site)
        try:
            return test(value, other)
        except (TypeError, ArithmeticError):
            raise comparison_error(value, other, symbol, site) from None

    return compare


def _spend(symbol: str, left: Any, right: Any, context: Context, site: Site) -> None:
    """Count `left <symbol> right` against the budget: `in` goes through `right`, `==`
    and the others through two lists item by item (two texts compare at memory speed)."""
    if symbol in ("in", "not in"):
        context[2].spend(len(right), site)
    elif type(left) in SEQUENCES and type(right) is not str:
        context[2].spend(min(len(left), len(right)), site)


def _fixed_value(compiler: Compiler, node: ast.expr, symbol: str) -> tuple[bool, Any]:
    """A literal right-hand side; for `in`, also a list of literals (as a tuple, which
    is never handed out, so it may be shared between evaluations)."""
    fixed, value = compiler.literal(node)
    if fixed or symbol not in ("in", "not in") or not isinstance(node, ast.List | ast.Tuple):
        return fixed, value
    members = [compiler.literal(item) for item in node.elts]
    if all(is_fixed for is_fixed, _ in members):
        return True, tuple(value for _, value in members)
    return False, None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def comparison_error(left: Any, right: Any, symbol: str, site: Site) -> ConditionRuntimeError:
    """The error for a comparison Python refused (e.g. `None > 5`, `"a" < 3`)."""
    if symbol in ("in", "not in"):
        return site.error(f"cannot look for {kind_of(left)} in {kind_of(right)} in {site.text}")
    if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        return site.error(
            "cannot compare a date and time that has a time zone with one that has none "
            f"in {site.text}"
        )
    return site.error(
        f"cannot compare {kind_of(left)} with {kind_of(right)} using '{symbol}' in {site.text}"
    )
