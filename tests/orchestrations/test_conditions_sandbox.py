"""The sandbox holds for any input: compiling raises nothing but ConditionSyntaxError,
evaluating nothing but ConditionRuntimeError, and no evaluation hands back a function,
method, class or module. Inputs come from hypothesis: token soup, and random trees of
allowed and refused node types written out with `ast.unparse`."""

import ast
import datetime as dt
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import orchestrations.conditions
from orchestrations.conditions import (
    FUNCTIONS,
    ConditionRuntimeError,
    ConditionSyntaxError,
    compile_condition,
)

SANDBOX = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)


class Pickled:
    """Would run code if anything pickled or copied it."""

    def __reduce__(self):
        raise AssertionError("the sandbox must never reduce a value")


USER = User(username="ann", email="ann@example.com", password="secret")
SAMPLE_NAMESPACES: list[dict[str, Any]] = [
    {
        "record": USER,
        "vars": {
            "amount": 250,
            "rate": 1.5,
            "price": Decimal("9.99"),
            "items": [3, 1, 2],
            "name": "Ann",
            "nested": {"a": {"b": [1, {"c": None}]}},
            "obj": Pickled(),
            "when": NOW,
            "day": dt.date(2026, 1, 31),
            "big": 2**4000,
            "nan": Decimal("NaN"),
        },
        "steps": {"review": {"decision": "approve", "completed_by": USER}},
        "run": {"status": "in_progress", "started_by": None},
    },
    {
        # Callables never belong in namespaces; if one slips in, it must not come out.
        "record": {"amount": 1, "save": print, "cls": User, "module": types},
        "vars": {"fn": len, "method": USER.save, "objects": [Pickled(), print]},
        "steps": {},
        "run": None,
    },
    {"record": None, "vars": [1, 2], "steps": "text", "run": 5},
    {},
]

NAMES = [
    "record", "vars", "steps", "run", "x", "eval", "exec", "open", "getattr", "globals",
    "locals", "compile", "type", "object", "print", "__class__", "__import__", "__globals__",
    "__subclasses__", "__builtins__", "__reduce__", "__dict__", "_meta", "password", "save",
    "objects", "email", "amount", "items", "review", "decision", "obj", "fn", "method", "cls",
    "module", "big", "nan", "when", "day", "nested", "a", "b", "mro", "format", "lower",
    *FUNCTIONS,
]  # fmt: skip
TOKENS = [
    *NAMES, "lambda", "for", "in", "if", "else", "and", "or", "not", "is", "None", "True",
    "False", "yield", "await", "+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", ">",
    "<=", ">=", "&", "|", "^", "~", "<<", ":=", "=", ".", ",", ":", "(", ")", "[", "]",
    "{", "}", "'", '"', "'a'", '"__class__"', "'password'", "'2026-01-31'", "0", "1", "-1",
    "2.5", "1e308", "9" * 30, " ", "\n", "f'", "b'", "@", "\\", "#", "...", ";", "j",
]  # fmt: skip


def check_compiles_and_evaluates_safely(source: str) -> None:
    condition, refusal = attempt(compile_condition, source)
    if refusal is not None:
        assert isinstance(refusal, ConditionSyntaxError), (source, refusal)
        assert "internal error" not in refusal.message, refusal.message
        return
    for namespaces in SAMPLE_NAMESPACES:
        for changed_fields in (None, {"amount"}):
            result, failure = attempt(
                condition.evaluate, namespaces, now=NOW, changed_fields=changed_fields
            )
            if failure is None:
                assert_plain_value(result, source)
            else:
                assert isinstance(failure, ConditionRuntimeError), (source, failure)
                assert "unexpected error" not in failure.message, (source, failure.message)


def attempt(function, *args, **kwargs):
    """(result, None), or (None, the exception): any exception, so a test can say which
    kinds are allowed."""
    try:
        return function(*args, **kwargs), None
    except Exception as error:
        return None, error


def assert_plain_value(value, source, depth=0):
    forbidden = (
        types.FunctionType,
        types.BuiltinFunctionType,
        types.MethodType,
        types.ModuleType,
        type,
    )
    assert not isinstance(value, forbidden), (source, value)
    assert not callable(value), (source, value)
    if isinstance(value, list | tuple):
        for item in value:
            assert_plain_value(item, source, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_plain_value(key, source, depth + 1)
            assert_plain_value(item, source, depth + 1)


token_soup = st.builds(
    lambda tokens, separator: separator.join(tokens),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=16),
    st.sampled_from(["", " "]),
)
dotted_paths = st.builds(
    lambda root, names: ".".join([root, *names]),
    st.sampled_from(["record", "vars", "steps", "run"]),
    st.lists(st.sampled_from(NAMES), max_size=3),
)


@SANDBOX
@given(st.one_of(token_soup, dotted_paths, st.text(max_size=40)))
def test_token_soup_never_escapes_the_sandbox(source):
    check_compiles_and_evaluates_safely(source)


# Random syntax trees, over node types the language allows and ones it refuses.

LOAD = ast.Load()
NAMESPACE_NAMES = ["record", "vars", "steps", "run"]
FIELD_NAMES = [
    "amount", "items", "email", "review", "decision", "obj", "nested", "a", "b", "big",
    "nan", "when", "day", "password", "save", "fn", "method", "cls", "module", "objects",
]  # fmt: skip
METHOD_NAMES = ["lower", "save", "__reduce__", "mro", "format"]
REFUSED_CALLEES = ["eval", "getattr", "open", "__import__", "vars", "type"]
ARITHMETIC = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod]
REFUSED_OPERATORS = [ast.Pow, ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift]
COMPARISONS = [ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn]


def name(identifier):
    return ast.Name(id=identifier, ctx=LOAD)


def attribute(value, attr):
    return ast.Attribute(value=value, attr=attr, ctx=LOAD)


def subscript(value, index):
    return ast.Subscript(value=value, slice=index, ctx=LOAD)


def sliced(value, lower, upper):
    return subscript(value, ast.Slice(lower=lower, upper=upper))


def binary(left, operator, right):
    return ast.BinOp(left=left, op=operator(), right=right)


def unary(operator, operand):
    return ast.UnaryOp(op=operator(), operand=operand)


def boolean(operator, values):
    return ast.BoolOp(op=operator(), values=values)


def comparison(left, operators, rights):
    return ast.Compare(left=left, ops=[op() for op in operators], comparators=rights)


def call(callee, arguments):
    return ast.Call(func=name(callee), args=arguments, keywords=[])


def method_call(value, method):
    return ast.Call(func=attribute(value, method), args=[], keywords=[])


def keyword_call(callee, value):
    return ast.Call(func=name(callee), args=[], keywords=[ast.keyword(arg="x", value=value)])


def dictionary(pairs):
    return ast.Dict(keys=[key for key, _ in pairs], values=[value for _, value in pairs])


def lambda_of(body):
    parameters = ast.arguments(
        posonlyargs=[], args=[ast.arg(arg="x")], kwonlyargs=[], kw_defaults=[], defaults=[]
    )
    return ast.Lambda(args=parameters, body=body)


def comprehension_of(element, iterable):
    target = ast.Name(id="x", ctx=ast.Store())
    loop = ast.comprehension(target=target, iter=iterable, ifs=[], is_async=0)
    return ast.ListComp(elt=element, generators=[loop])


def f_string(value):
    return ast.JoinedStr(values=[ast.FormattedValue(value=value, conversion=-1)])


def walrus(value):
    return ast.NamedExpr(target=ast.Name(id="y", ctx=ast.Store()), value=value)


def starred_list(value):
    return ast.List(elts=[ast.Starred(value=value, ctx=LOAD)], ctx=LOAD)


constant_nodes = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from([None, True, False, b"x", 1j, Ellipsis, "2026-01-31", "password"]),
).map(lambda value: ast.Constant(value=value))


def allowed_nodes(children, attributes):
    """Nodes the language allows (their values may still be refused when evaluating)."""
    some = st.lists(children, max_size=3)
    one, two = (
        st.lists(children, min_size=1, max_size=1),
        st.lists(children, min_size=2, max_size=2),
    )
    single_comparison = st.sampled_from(COMPARISONS).map(lambda op: [op])
    none_test = st.sampled_from([[ast.Is], [ast.IsNot]])
    return st.one_of(
        st.builds(attribute, children, attributes),
        st.builds(subscript, children, children),
        st.builds(binary, children, st.sampled_from(ARITHMETIC), children),
        st.builds(unary, st.sampled_from([ast.Not, ast.USub, ast.UAdd]), children),
        st.builds(boolean, st.sampled_from([ast.And, ast.Or]), st.lists(children, min_size=2)),
        st.builds(comparison, children, single_comparison, one),
        st.builds(comparison, children, st.just([ast.Lt, ast.LtE]), two),
        st.builds(comparison, children, none_test, st.just([ast.Constant(value=None)])),
        st.builds(ast.IfExp, test=children, body=children, orelse=children),
        st.builds(call, st.sampled_from(list(FUNCTIONS)), some),
        st.builds(lambda items: ast.List(elts=items, ctx=LOAD), some),
        st.builds(lambda items: ast.Tuple(elts=items, ctx=LOAD), some),
        st.builds(dictionary, st.lists(st.tuples(children, children), max_size=2)),
    )


def refused_nodes(children):
    """Nodes the language refuses wherever they appear."""
    return st.one_of(
        st.builds(sliced, children, children, children),
        st.builds(binary, children, st.sampled_from(REFUSED_OPERATORS), children),
        st.builds(unary, st.just(ast.Invert), children),
        st.builds(
            comparison, children, st.just([ast.Is]), st.lists(children, min_size=1, max_size=1)
        ),
        st.builds(call, st.sampled_from(REFUSED_CALLEES), st.lists(children, max_size=2)),
        st.builds(method_call, children, st.sampled_from(METHOD_NAMES)),
        st.builds(keyword_call, st.sampled_from(list(FUNCTIONS)), children),
        st.builds(lambda_of, children),
        st.builds(comprehension_of, children, children),
        st.builds(f_string, children),
        st.builds(walrus, children),
        st.builds(starred_list, children),
        st.builds(lambda items: ast.Set(elts=items), st.lists(children, min_size=1, max_size=2)),
    )


# Allowed nodes over the namespaces mostly reach evaluation; mixed trees exercise refusal.
allowed_trees = st.recursive(
    st.one_of(st.sampled_from(NAMESPACE_NAMES).map(name), constant_nodes),
    lambda children: allowed_nodes(children, st.sampled_from(FIELD_NAMES)),
    max_leaves=10,
)
mixed_trees = st.recursive(
    st.one_of(st.sampled_from(NAMES).map(name), constant_nodes),
    lambda children: st.one_of(
        allowed_nodes(children, st.sampled_from(NAMES)), refused_nodes(children)
    ),
    max_leaves=12,
)


def unparsed(tree):
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Expression(body=tree)))
    except Exception:  # a few random trees cannot be written out; skip those
        return None


@SANDBOX
@given(st.one_of(allowed_trees, mixed_trees))
def test_random_syntax_trees_never_escape_the_sandbox(tree):
    source = unparsed(tree)
    if source is not None:
        check_compiles_and_evaluates_safely(source)


def test_the_property_checks_reach_evaluation():
    """Guards the properties above against testing nothing: these compile and evaluate."""
    for source in ["vars.amount > 1", "record.email", "len(vars.items) + 1", "vars.obj"]:
        check_compiles_and_evaluates_safely(source)
        assert compile_condition(source).evaluate(SAMPLE_NAMESPACES[0]) is not None


def test_callables_in_the_namespaces_never_come_out():
    namespaces = SAMPLE_NAMESPACES[1]
    for source in ["vars.fn", "vars.method", "[vars.fn]", "{'a': vars.fn}", "vars", "record.cls"]:
        with pytest.raises(ConditionRuntimeError, match="the expression does not give a value"):
            compile_condition(source).evaluate(namespaces)


def test_the_package_never_evaluates_source_with_python():
    """Safe by construction: no eval, exec, compile, getattr by user-given names."""
    package = Path(orchestrations.conditions.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, module
