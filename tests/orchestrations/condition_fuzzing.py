"""What the condition-language fuzzers generate and what they check, shared by
`test_conditions_fuzz.py` (a fixed budget for CI) and `bench/conditions_fuzz.py` (long runs).

Every check raises `AssertionError` with the input when a promise is broken:

- compiling raises nothing but `ConditionSyntaxError`, evaluating nothing but
  `ConditionRuntimeError`, with a message written for a designer (no Python internals)
  that points inside the text;
- a result is a value of a documented type, never a function, class or module;
- nothing is called on the records and nothing in the namespaces changes;
- each compile or evaluation takes less than `CPU_SECONDS_PER_CASE` of CPU time.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import types
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import models
from hypothesis import strategies as st

from demo.models import Account, Employee, LoanApplication
from orchestrations.conditions import (
    LEAF,
    OPEN,
    ConditionError,
    ConditionRuntimeError,
    ConditionSyntaxError,
    Scope,
    check,
    check_template,
    compile_condition,
    model_schema,
    references,
    render_template,
    resolve_value,
    template_references,
)
from orchestrations.conditions.functions import REGISTRY
from orchestrations.conditions.limits import MAX_DEPTH

# Generous: a legitimate compile or evaluation takes microseconds; a missing bound shows
# up as seconds. CPU time, so that other processes on a busy machine do not count.
CPU_SECONDS_PER_CASE = 0.5
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
# Words that mean Python's own error text reached a designer.
LEAKED = (
    "internal error",
    "unexpected error",
    "Traceback",
    "<class",
    "sys.",
    "decimal.",
    "Error:",
    "object at 0x",
)
SCALAR_TYPES = frozenset({bool, int, float, str, type(None), Decimal, dt.date, dt.datetime})
# Characters a database or a mail server refuses: NUL and lone surrogates.
UNSTORABLE = re.compile("[\\x00\\ud800-\\udfff]")
RESULT_TYPES = (
    bool,
    int,
    float,
    str,
    type(None),
    Decimal,
    dt.date,
    dt.datetime,
    dt.time,
    dt.timedelta,
    list,
    tuple,
    dict,
    models.Model,
)


# Realistic namespaces: records (Django instances whose methods must never run), run
# variables, step outputs (a completed step and one not done yet), the run.


class Calls(list[str]):
    """The names of record methods something called."""


CALLS = Calls()
AnyModel = TypeVar("AnyModel", bound=models.Model)
# `display()` shows a user by name (or login); reading those is not a side effect.
UNWATCHED_METHODS = frozenset({"get_full_name", "get_username"})


def watched(instance: AnyModel) -> AnyModel:
    """`instance` with every public method replaced by one that notes the call in `CALLS`."""
    for name in dir(type(instance)):
        if name.startswith("_") or name in UNWATCHED_METHODS:
            continue
        attribute = getattr(type(instance), name, None)
        if isinstance(attribute, types.FunctionType):
            setattr(instance, name, _noting(f"{type(instance).__name__}.{name}"))
    return instance


def _noting(name: str) -> Callable[..., None]:
    def note(*args: Any, **kwargs: Any) -> None:
        CALLS.append(name)

    return note


def sample_namespaces() -> list[dict[str, Any]]:
    """Namespaces as the engine builds them, plus the shapes it must survive (no record,
    a missing namespace, values of the wrong kind)."""
    ann = watched(User(pk=1, username="ann", first_name="Ann", email="ann@example.com"))
    bob = watched(User(pk=2, username="bob", email="bob@example.com", password="x"))
    account = watched(
        Account(pk=5, name="Acme Ltd", stage="closed_won", amount=Decimal("12500.00"))
    )
    account.owner = ann
    account.csm = None
    employee = watched(
        Employee(pk=6, name="Eve", email="eve@example.com", start_date=dt.date(2026, 4, 1))
    )
    employee.manager = bob
    employee.user = None
    # Its __str__ formats the amount, so it fails while the amount is empty (as on a
    # form not yet filled in).
    no_amount: Any = None
    loan = watched(LoanApplication(pk=9, applicant_name="Zoe", amount=no_amount, officer=None))
    variables = {
        "csm": None,
        "tier": "gold",
        "seats": 10,
        "rate": 1.5,
        "amount": Decimal("99.95"),
        "due": dt.date(2026, 3, 20),
        "sent": dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC),
        "naive": dt.datetime(2026, 3, 10, 9, 30),
        "tags": ["vip", "eu", "new"],
        "scores": [3, 1.5, Decimal("2.25")],
        "nested": {"a": {"b": [1, {"c": None}]}},
        "empty": "",
        "text": "Grüße, 世界 ✓",
        "long": "x" * 5000,
        "many": list(range(5000)),
        "big": 2**4000,
        "inf": float("inf"),
        "nan": Decimal("NaN"),
        "huge": Decimal("1e999999"),
        "tiny": Decimal("1e-999999"),
    }
    steps = {
        "kickoff": {
            "attendees": 3,
            "budget": Decimal("5000"),
            "notes": "call back on Monday",
            "completed_by": ann,
            "completed_at": NOW - dt.timedelta(days=2),
        },
        "review": {"decision": None, "comment": None, "completed_by": None, "completed_at": None},
    }
    run = {
        "id": 7,
        "status": "in_progress",
        "started_at": NOW - dt.timedelta(days=3),
        "started_by": bob,
        "orchestration": "customer_onboarding",
        "version": 2,
    }
    return [
        {"record": account, "vars": variables, "steps": steps, "run": run},
        {"record": employee, "vars": {}, "steps": steps, "run": run},
        {"record": None, "vars": variables, "steps": {}, "run": run},
        {"record": account, "vars": {"tier": None}},  # no steps or run here
        {"record": loan, "vars": {}, "steps": {}, "run": run},
        {"record": 5, "vars": [1, 2], "steps": "text", "run": None},
    ]


NAMESPACES = sample_namespaces()
SCOPE: Scope = {
    "record": model_schema(Account),
    "vars": dict.fromkeys(NAMESPACES[0]["vars"], LEAF),
    "steps": {"kickoff": OPEN, "review": {"decision": LEAF, "comment": LEAF}},
    "run": OPEN,
}


def fingerprint(value: Any, depth: int = 0) -> Any:
    """Everything about `value` that an expression could change, as plain data."""
    if depth > 30:
        return "…"
    if isinstance(value, models.Model):
        fields = type(value)._meta.concrete_fields
        return (type(value).__name__, tuple(repr(getattr(value, f.attname)) for f in fields))
    if isinstance(value, Mapping):
        return tuple((repr(k), fingerprint(v, depth + 1)) for k, v in value.items())
    if isinstance(value, list | tuple):
        if SCALAR_TYPES.issuperset(map(type, value)):
            return repr(value)
        return (type(value).__name__, tuple(fingerprint(v, depth + 1) for v in value))
    return repr(value)


NAMESPACE_FINGERPRINTS = [fingerprint(namespaces) for namespaces in NAMESPACES]


# The checks.


class Broken(AssertionError):
    """A broken promise: `kind` says which (the same for every input that breaks it the
    same way, so a long run can group what it found), `text` is the input."""

    def __init__(self, kind: str, text: str, detail: str = ""):
        super().__init__(f"{kind}{': ' + detail if detail else ''} — for {text!r:.400}")
        self.kind = kind
        self.text = text


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Any, float]:
    """(result, None, cpu seconds) or (None, the exception, cpu seconds)."""
    started = time.process_time()
    try:
        result = function(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the checks decide which were allowed
        return None, error, time.process_time() - started
    return result, None, time.process_time() - started


def assert_designer_error(error: BaseException, expected: type, text: str, what: str) -> None:
    """`error` is the documented kind, reads as a sentence and points inside `text`."""
    if not isinstance(error, expected):
        raise Broken(f"{what} raised {type(error).__name__}", text, f"{error!s:.300}")
    assert isinstance(error, ConditionError)
    message = error.message
    if not message or not isinstance(message, str):
        raise Broken(f"{what}: an error without a message", text)
    for leak in LEAKED:
        if leak in message:
            raise Broken(f"{what}: Python's {leak!r} in a message", text, message[:300])
    if error.position is not None and not 1 <= error.position <= len(text) + 1:
        raise Broken(f"{what}: a position outside the text", text, f"{error.position}")
    str(error)  # the location must be computable too


def assert_fast(seconds: float, what: str, text: str) -> None:
    if seconds >= CPU_SECONDS_PER_CASE:
        raise Broken(f"{what} is slow", text, f"{seconds:.2f}s of CPU")


def assert_result(value: Any, text: str, depth: int = 0) -> None:
    """`value` is of a documented type, all the way down."""
    if callable(value) or not isinstance(value, RESULT_TYPES):
        raise Broken(f"a result of type {type(value).__name__}", text)
    if depth > MAX_DEPTH:
        raise Broken("a result nested deeper than the language allows", text)
    if isinstance(value, list | tuple):
        if SCALAR_TYPES.issuperset(map(type, value)):
            return
        for item in value:
            assert_result(item, text, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_result(key, text, depth + 1)
            assert_result(item, text, depth + 1)


def assert_no_side_effects(text: str) -> None:
    called = list(CALLS)
    CALLS.clear()
    if called:
        raise Broken("a record method was called", text, ", ".join(called))
    for namespaces, before in zip(NAMESPACES, NAMESPACE_FINGERPRINTS, strict=True):
        if fingerprint(namespaces) != before:
            raise Broken("the namespaces changed", text)


def check_condition(source: str) -> str:
    """Compile `source`, check it as the builder does, and evaluate it against every
    sample namespace (with and without a save being checked). Says how far it got:
    "refused", "evaluated" (a value for at least one namespace) or "failed"."""
    CALLS.clear()
    condition, error, seconds = timed(compile_condition, source)
    assert_fast(seconds, "compiling", source)
    if error is not None:
        assert_designer_error(error, ConditionSyntaxError, source, "compiling")
    found, error, seconds = timed(check, source, SCOPE)
    if error is not None:
        raise Broken(f"check() raised {type(error).__name__}", source, str(error)[:300])
    for problem in found:
        assert_designer_error(problem, ConditionError, source, "check()")
    if condition is None:
        _, error, _ = timed(references, source)
        assert_designer_error(error, ConditionSyntaxError, source, "references()")
        return "refused"
    outcome = "failed"
    for namespaces in NAMESPACES:
        for changed_fields in (None, {"stage", "owner_id"}):
            result, error, seconds = timed(
                condition.evaluate, namespaces, now=NOW, changed_fields=changed_fields
            )
            assert_fast(seconds, "evaluating", source)
            if error is None:
                assert_result(result, source)
                outcome = "evaluated"
            else:
                assert_designer_error(error, ConditionRuntimeError, source, "evaluating")
    assert_no_side_effects(source)
    return outcome


def check_template_text(text: str) -> str:
    """Render `text` as an email would be and resolve it as an action input would be,
    against every sample namespace; check it as the builder does. Says how far it got:
    "refused", "rendered" (for at least one namespace) or "failed"."""
    CALLS.clear()
    found, error, seconds = timed(check_template, text, SCOPE)
    if error is not None:
        raise Broken(f"check_template() raised {type(error).__name__}", text, str(error)[:300])
    assert_fast(seconds, "checking a template", text)
    for problem in found:
        assert_designer_error(problem, ConditionError, text, "check_template()")
    _, error, _ = timed(template_references, text)
    outcome = "failed"
    if error is not None:
        assert_designer_error(error, ConditionSyntaxError, text, "template_references()")
        outcome = "refused"
    for namespaces in NAMESPACES:
        rendered, error, seconds = timed(render_template, text, namespaces, now=NOW)
        assert_fast(seconds, "rendering", text)
        if error is None:
            if not isinstance(rendered, str):
                raise Broken(f"rendering gave a {type(rendered).__name__}", text)
            if UNSTORABLE.search(rendered) and not UNSTORABLE.search(text):
                raise Broken("rendering made characters that cannot be stored", text)
            outcome = "rendered"
        else:
            assert_designer_error(error, ConditionError, text, "rendering")
        for value in (text, [text, {"k": text}]):
            resolved, error, seconds = timed(resolve_value, value, namespaces, now=NOW)
            assert_fast(seconds, "resolving", text)
            if error is None:
                assert_result(resolved, text)
            else:
                assert_designer_error(error, ConditionError, text, "resolving")
    assert_no_side_effects(text)
    return outcome


# Arbitrary text: anything a person (or a script) could paste into the builder.

# Every character, lone surrogates included.
any_character = st.characters(exclude_categories=())
any_text = st.text(any_character, max_size=80)
odd_characters = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "\ufeff", "\u200b", "\u2028", "\x0c", "\t", "\r", "\n",
     "\\", "#", "'", '"', "'''", "{{", "}}", "\u00e9", "\u0301", "\ufdfa",
     "\uff3f\uff3fclass\uff3f\uff3f",  # fullwidth low lines
     "\uff52\uff45\uff43\uff4f\uff52\uff44",  # "record" in fullwidth letters
     "\U0001d563\U0001d556\U0001d554\U0001d560\U0001d563\U0001d555"]  # double-struck
)  # fmt: skip
NAMES = [
    "record", "vars", "steps", "run", "amount", "name", "owner", "email", "password",
    "stage", "tags", "nested", "kickoff", "review", "decision", "completed_by", "big",
    "huge", "many", "long", "text", "inf", "nan", "save", "delete", "objects", "pk", "id",
    "_state", "_meta", "__class__", "__dict__", "__globals__", "__subclasses__", "__bases__",
    "__mro__", "__init__", "__import__", "__builtins__", "__reduce__", "__format__", "format",
    "mro", "lower", "eval", "exec", "getattr", "open", "type", "object", "print", "compile",
    "globals", "range", "x", *REGISTRY,
]  # fmt: skip
TOKENS = [
    *NAMES, "lambda", "for", "in", "if", "else", "and", "or", "not", "is", "None", "True",
    "False", "yield", "await", "async", "+", "-", "*", "/", "//", "%", "**", "==", "!=", "<",
    ">", "<=", ">=", "&", "|", "^", "~", "<<", ">>", "@", ":=", "=", ".", ",", ":", ";", "(",
    ")", "[", "]", "{", "}", "'", '"', "'a'", '"__class__"', "'{0.__class__}'", "'%s'",
    "'2026-01-31'", "0", "1", "-1", "2.5", "1e308", "1e-400", "9" * 40, "0x1f", "0b1", "1_0",
    "1j", " ", "\n", "f'", "b'", "r'", "\\", "#", "...", "!", "?", "$", "`",
]  # fmt: skip
token_soup = st.lists(st.sampled_from(TOKENS) | odd_characters, min_size=1, max_size=24).map(
    " ".join
) | st.lists(st.sampled_from(TOKENS), min_size=1, max_size=24).map("".join)


def _nested(opening: str, core: str, closing: str, depth: int) -> str:
    return opening * depth + core + closing * depth


NESTINGS = [
    ("(", "1", ")"), ("[", "", "]"), ("{", "", "}"), ("[", "1", "]"), ("{'a': ", "1", "}"),
    ("not ", "True", ""), ("-", "1", ""), ("+", "1", ""), ("~", "1", ""), ("- ", "1", ""),
    ("len(", "vars.tags", ")"), ("abs(", "1", ")"), ("[1, ", "2", "]"), ("lambda: ", "1", ""),
    ("1 if True else ", "2", ""), ("await ", "1", ""), ("2 ** ", "2", ""),
    ("record.owner == ", "1", ""), ("(", "vars", ")[0]"), ("'", "", "'"), ("(" * 3, "1", ""),
]  # fmt: skip
DEPTHS = [1, 49, 50, 51, 99, 199, 200, 201, 1000, 2499, 2500, 4999, 10_000]
deep_nesting = st.builds(
    lambda nesting, depth: _nested(nesting[0], nesting[1], nesting[2], depth),
    st.sampled_from(NESTINGS),
    st.sampled_from(DEPTHS),
)
CHAINS = [
    ("record", ".owner"), ("vars", ".a"), ("vars.many", "[0]"), ("vars.nested", "['a']"),
    ("vars.seats", " * vars.seats"), ("vars.big", " * vars.big"), ("vars.long", " + vars.long"),
    ("vars.many", " + vars.many"), ("vars.tags", " + vars.tags"), ("1", " + 1"),
    ("1", " < 1"), ("True", " and True"), ("False", " or False"), ("vars.rate", " / 3"),
    ("vars.amount", " * vars.amount"), ("vars.huge", " * vars.huge"), ("1", " == 1 == 1"),
    ("'x'", " + 'x'"), ("upper(vars.long)", " + lower(vars.long)"), ("[", "vars.many, "),
    ("[", "vars.many + vars.many, "), ("[", "str(vars.many), "), ("[", "vars.long + vars.long, "),
    ("len([", "vars.many + vars.many, "), ("str([", "vars.many, "), ("", "1 in vars.many or "),
    ("", "vars.long in vars.long and "), ("max(", "vars.many, "),
]  # fmt: skip
long_chains = st.builds(
    lambda chain, count: chain[0] + chain[1] * count,
    st.sampled_from(CHAINS),
    st.sampled_from([1, 2, 10, 50, 51, 100, 400, 1000, 2500]),
).map(lambda text: text if text.count("[") == text.count("]") else text + "0]")
NUMBERS = [
    "10**10**10", "2 ** 10**8", "9" * 1233, "9" * 1234, "9" * 4300, "9" * 4301, "9" * 100_000,
    "1" + "0" * 5000, "0x" + "f" * 1100, "0b" + "1" * 4097, "1e308 * 10", "1e999999",
    "-1e999999", "9" * 400 + ".5", "1" + "_0" * 2000, "int('9' + '0' * 1300)",
    "int(str(vars.big) + str(vars.big))", "int(vars.huge)", "round(vars.huge)",
    "round(vars.amount, 100)", "round(vars.huge, 2)", "round(vars.big, -100)",
    "vars.big * vars.big", "vars.big // vars.tiny", "vars.huge * vars.huge",
    "vars.tiny / vars.huge", "vars.huge % 7", "vars.nan > 1", "vars.inf * 0", "int(vars.inf)",
    "float('1e999') - float('1e999')",
    "vars.big / 3", "vars.big + 0.5", "vars.amount * 1e308", "1 / 0", "vars.amount // 0",
    "days_since('0001-01-01')", "days_until('9999-12-31T23:59:59')", "date('10000-01-01')",
]  # fmt: skip
arbitrary_sources = st.one_of(
    any_text,
    st.text(max_size=6000),
    token_soup,
    deep_nesting,
    long_chains,
    st.sampled_from(NUMBERS),
    st.lists(any_text | token_soup, min_size=2, max_size=5).map("".join),
)


# Grammar-aware expressions: the language's own operators, functions, literals and
# namespace paths, so that most of them compile and reach evaluation.

PATHS = [
    "record", "record.name", "record.amount", "record.stage", "record.owner", "record.owner.email",
    "record.owner.first_name", "record.owner_id", "record.csm", "record.csm.email", "record.pk",
    "record.start_date", "record.manager.username", "record.password", "record.save",
    "record['name']", "vars", "vars.csm", "vars.tier", "vars.seats", "vars.rate", "vars.amount",
    "vars.due", "vars.sent", "vars.naive", "vars.tags", "vars.scores", "vars.nested",
    "vars.nested.a.b", "vars['nested']['a']['b'][1]['c']", "vars.empty", "vars.text", "vars.long",
    "vars.many", "vars.big", "vars.inf", "vars.nan", "vars.huge", "vars.tiny", "vars.missing",
    "steps", "steps.kickoff", "steps.kickoff.attendees", "steps.kickoff.budget",
    "steps.kickoff.completed_by", "steps.kickoff.completed_by.email", "steps.kickoff.completed_at",
    "steps.review.decision", "steps.review.completed_by.email", "steps.nothere.x", "run",
    "run.status", "run.started_at", "run.started_by", "run.started_by.username", "run.version",
]  # fmt: skip
literals = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers(-(2**4096) + 1, 2**4096 - 1).map(str),  # the largest allowed
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12).map(repr),
    st.sampled_from(
        ["None", "True", "False", "''", "'2026-03-15'", "'2026-03-15T10:00:00+01:00'",
         "'approve'", "'closed_won'", "'12.50'", "' 42 '", "'1e400'", "'nan'", "'inf'",
         "'{0.__class__}'", "'%s%s%s'", "'\\u2028'", "[]", "{}", "()"]
    ),
)  # fmt: skip
FIELDS = ["amount", "name", "email", "owner", "a", "b", "c", "status", "decision", "__class__"]


def _call(name: str, arguments: list[str]) -> str:
    return f"{name}({', '.join(arguments)})"


def _arguments_for(name: str, children: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    spec = REGISTRY[name]
    most = spec.max_args if spec.max_args is not None else spec.min_args + 3
    right = st.lists(children, min_size=spec.min_args, max_size=most)
    # Mostly the right number of arguments, sometimes one too many or too few.
    return st.one_of(right, right, right, st.lists(children, max_size=most + 1))


def _expressions(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(children, children)
    comparison = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"])
    # Mostly the language's own, now and then one it refuses.
    arithmetic = st.sampled_from(["+", "-", "*", "/", "//", "%", "+", "+"] * 3 + ["**"])
    calls = st.sampled_from(sorted(REGISTRY)).flatmap(
        lambda name: _arguments_for(name, children).map(lambda arguments: _call(name, arguments))
    )
    return st.one_of(
        st.builds(lambda o, e: f"{o}({e})", st.sampled_from(["not ", "-", "+", "not "]), children),
        st.builds(lambda p, o: f"({p[0]}) {o} ({p[1]})", two, arithmetic),
        st.builds(lambda p, o: f"{p[0]} {o} {p[1]}", two, arithmetic | comparison),
        st.builds(lambda p, o: f"({p[0]}) {o} ({p[1]})", two, comparison),
        st.builds(lambda e, o: f"({e}) {o} None", children, st.sampled_from(["is", "is not"])),
        st.builds(lambda a, b, c: f"{a} < {b} <= {c}", children, children, children),
        st.builds(
            lambda parts, o: f" {o} ".join(f"({p})" for p in parts),
            st.lists(children, min_size=2, max_size=4),
            st.sampled_from(["and", "or"]),
        ),
        st.builds(lambda a, b, c: f"({a}) if ({b}) else ({c})", children, children, children),
        calls,
        st.builds(lambda e, i: f"({e})[{i}]", children, children),
        st.builds(lambda e, f: f"({e}).{f}", children, st.sampled_from(FIELDS)),
        st.lists(children, max_size=4).map(lambda items: f"[{', '.join(items)}]"),
        st.lists(children, min_size=1, max_size=3).map(lambda items: f"({', '.join(items)},)"),
        st.lists(two, max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        ),
    )  # fmt: skip


expressions = st.recursive(st.sampled_from(PATHS) | literals, _expressions, max_leaves=12)
# Written across lines, as a long condition in the builder may be.
wrapped_expressions = expressions.map(lambda source: source.replace(" and ", "\n  and "))


# Escape attempts: each must be refused when compiling or evaluating, touch nothing and
# build nothing large. (The checks above already hold for them; these are in one place
# so that a test can say each is refused.)

ESCAPES = [
    "record.__class__", "record.__dict__", "record._meta", "record._state", "record.__init__",
    "().__class__.__bases__[0].__subclasses__()", "''.__class__.__mro__[1].__subclasses__()",
    "vars.__class__.__init__.__globals__", "__import__('os').system('true')",
    "__builtins__['eval']('1')", "record.save", "record.save()", "record.delete()",
    "record.owner.set_password('x')", "record.refresh_from_db()", "record.objects.all()",
    "record['save']", "record['_state']", "record['__dict__']", "record['delete']",
    "record.owner.password", "record.owner['password']", "steps.kickoff.completed_by.password",
    "lambda: record.delete()", "(lambda x: x)(1)", "[x for x in vars]", "{x: 1 for x in vars}",
    "(x for x in vars)", "[record.delete() for x in [1]]", "(x := record)", "f'{record}'",
    "f'{record.__class__}'", "getattr(record, 'save')", "getattr(record, '__class__')",
    "vars.get('tier')", "'{0.__class__}'.format(record)", "'%s' % record", "'{}'.format",
    "str.format('{0.__class__}', record)", "type(record)", "eval('1')", "exec('1')",
    "compile('1', '', 'eval')", "open('/etc/passwd')", "globals()", "locals()", "vars()",
    "vars(record)", "dir(record)", "breakpoint()", "help()", "print(1)", "input()",
    "'a' * 10**9", "'a' * 1000000000", "'x'.ljust(10**10)", "'x' * 999999999",
    "[0] * 1000000000", "2 ** 10**8", "10**10**10", "pow(2, 10**8)", "vars.long * 100000",
    "vars.many * 100000", "*vars.tags",
    "record.owner.__class__.objects.all()", "steps.kickoff.completed_by.groups",
    "run.started_by.user_permissions", "record.owner.get_full_name()",
    "str(record).__class__", "vars.tags.append(1)", "vars.nested.clear()", "vars.nested.pop('a')",
    "vars.tags[0:1]", "record.amount.as_integer_ratio()", "record.owner.email.lower()",
    "import os", "exec", "yield 1", "await record", "del record", "record.amount = 1",
    "record.amount += 1", "assert False", "raise SystemExit", "global x",
]  # fmt: skip


# Templates: text around placeholders, broken placeholders, and hostile ones.

TEMPLATE_PIECES = [
    "{{", "}}", "{{ ", " }}", "{", "}", "{{{", "}}}", "{{}}", "{{ }}", "{%", "%}", "{#", "#}",
    "{0.__class__}", "{record.__class__}", "%s", "%(x)s", "$x", "\n", "\x00", "\ud800", "é",
    "Hello ", "Dear ", "{{ record.name }}", "{{ vars.tier }}", "{{ vars.missing }}",
    "{{ '{0.__class__}'.format(record) }}", "{{ record.__class__ }}", "{{ record.save }}",
    "{{ '}}' }}", "{{ '{{' }}", "{{ vars.long + vars.long }}", "{{ [vars.many, vars.many] }}",
    "{{ str(vars.many) }}", "{{ vars.nested }}", "{{ record.owner }}", "{{ steps.kickoff }}",
]  # fmt: skip
template_texts = st.one_of(
    st.lists(st.sampled_from(TEMPLATE_PIECES) | any_text, max_size=12).map("".join),
    st.lists(
        st.one_of(any_text, expressions.map(lambda e: "{{ " + e + " }}")), max_size=5
    ).map("".join),
    st.builds(lambda e: "{{ " + e + " }}", arbitrary_sources),
    st.builds(lambda piece, count: piece * count, st.sampled_from(TEMPLATE_PIECES),
              st.sampled_from([1, 100, 1000, 10_000])),
)  # fmt: skip
