"""Calls: only a plain name from the function registry, with positional arguments.

`len(x)` compiles; `x.lower()`, `getattr(x, "y")`, `len(x=1)` and `len(*xs)` do not.
Arity is checked when compiling, argument types when evaluating.
"""

from __future__ import annotations

import ast
from decimal import DecimalException
from typing import TYPE_CHECKING, Any

from .errors import ConditionRuntimeError, Site, did_you_mean
from .functions import REGISTRY, Context, Function
from .limits import MAX_INT_BITS
from .parser import NAMESPACES
from .values import too_large

if TYPE_CHECKING:
    from .compiler import Compiler, Evaluator


def compile_call(compiler: Compiler, node: ast.Call) -> Evaluator:
    """The evaluator of a call of a registered function, or a `ConditionSyntaxError`."""
    spec = _function_called(compiler, node)
    if node.keywords:
        raise compiler.refuse(node.keywords[0], f"{spec.name}() does not take named arguments")
    _check_arity(compiler, node, spec)
    arguments = [compiler.compile(argument) for argument in node.args]
    implementation, site, counts = spec.implementation, compiler.site(node), spec.builds
    compiler.spends = compiler.spends or spec.builds or spec.scans

    def call(namespaces: Any, context: Context) -> Any:
        values = [argument(namespaces, context) for argument in arguments]
        if spec.scans:
            for value in values:
                if isinstance(value, list | tuple):
                    context[2].spend(len(value), site)
        try:
            if spec.needs_context:
                result = implementation(context, *values)
            else:
                result = implementation(*values)
        except ConditionRuntimeError as error:
            raise site.error(error.message) from None
        except (TypeError, ValueError, ArithmeticError) as error:
            raise site.error(f"{spec.name}() could not be evaluated: {_reason(error)}") from None
        if type(result) is int and result.bit_length() > MAX_INT_BITS:  # int("…")
            raise site.error(f"the result of {site.text} is too large")
        return _counted(result, context, site) if counts else result

    if len(arguments) != 1 or spec.needs_context or spec.scans:
        return call
    (only,) = arguments

    # One argument without context is the common case (len, lower, int, …): no list.
    def call_one(namespaces: Any, context: Context) -> Any:
        value = only(namespaces, context)
        try:
            result = implementation(value)
        except ConditionRuntimeError as error:
            raise site.error(error.message) from None
        except (TypeError, ValueError, ArithmeticError) as error:
            raise site.error(f"{spec.name}() could not be evaluated: {_reason(error)}") from None
        if type(result) is int and result.bit_length() > MAX_INT_BITS:  # int("…")
            raise site.error(f"the result of {site.text} is too large")
        return _counted(result, context, site) if counts else result

    return call_one


def _counted(result: Any, context: Context, site: Site) -> Any:
    """A text the function made (lower(), str(), …), counted against the evaluation's
    budget and refused when too large."""
    if isinstance(result, str | list | tuple):
        context[2].spend(len(result), site)
        if too_large(result):
            raise site.error(f"the result of {site.text} is too large")
    return result


def _reason(error: Exception) -> str:
    if isinstance(error, DecimalException):  # its text is a list of Python classes
        return "the number is out of range"
    return str(error)


def _function_called(compiler: Compiler, node: ast.Call) -> Function:
    callee = node.func
    if isinstance(callee, ast.Attribute):
        hint = f"; write {callee.attr}(…) instead" if callee.attr in REGISTRY else ""
        raise compiler.refuse(node, f"methods cannot be called{hint}")
    if not isinstance(callee, ast.Name):
        raise compiler.refuse(node, "only functions can be called, e.g. len(x)")
    spec = REGISTRY.get(callee.id)
    if spec is not None:
        return spec
    if callee.id in NAMESPACES:
        raise compiler.refuse(node, f"'{callee.id}' cannot be called")
    if callee.id.startswith("_"):
        raise compiler.refuse(node, f"names starting with '_' are not allowed ('{callee.id}')")
    hint = did_you_mean(callee.id, REGISTRY)
    raise compiler.refuse(node, f"unknown function '{callee.id}'{hint}")


def _check_arity(compiler: Compiler, node: ast.Call, spec: Function) -> None:
    given = len(node.args)
    if spec.min_args <= given and (spec.max_args is None or given <= spec.max_args):
        return
    if spec.max_args is None:
        expected = f"at least {_arguments(spec.min_args)}"
    elif spec.min_args == spec.max_args:
        expected = _arguments(spec.min_args) if spec.min_args else "no arguments"
    else:
        expected = f"{spec.min_args} or {_arguments(spec.max_args)}"
    raise compiler.refuse(node, f"{spec.name}() takes {expected} ({given} given)")


def _arguments(count: int) -> str:
    return f"{count} argument" if count == 1 else f"{count} arguments"
