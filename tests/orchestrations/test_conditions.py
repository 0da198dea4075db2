"""The condition language: what expressions evaluate to, what they refuse, and how they
are checked against the names available where they are used. No database involved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User

from orchestrations.conditions import (
    FUNCTIONS,
    LEAF,
    OPEN,
    ConditionNameError,
    ConditionRuntimeError,
    ConditionSyntaxError,
    Scope,
    available_names,
    check,
    compile_condition,
    evaluate_condition,
    model_schema,
    references,
)

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)


def namespaces(**overrides):
    values = {
        "record": {
            "amount": Decimal("12500.00"),
            "status": "open",
            "name": "  Acme Ltd ",
            "tags": ["vip", "eu"],
            "owner": None,
            "due": dt.date(2026, 3, 20),
        },
        "vars": {
            "amount": 250,
            "rate": 1.5,
            "csm": None,
            "items": [3, 1, 2],
            "empty": "",
            "text": "Hello",
            "nested": {"a": {"b": 1}},
            "when": dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC),
            "big": 2**3000,
            "long": "x" * 60_000,
            "huge": Decimal("1e5000"),
        },
        "steps": {"review": {"decision": "approve", "score": 7}},
        "run": {"status": "in_progress", "id": 7},
    }
    values.update(overrides)
    return values


def evaluate(source, *, changed_fields=None, **overrides):
    return compile_condition(source).evaluate(
        namespaces(**overrides), now=NOW, changed_fields=changed_fields
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # literals
        ('"text"', "text"),
        ("42", 42),
        ("4.5", 4.5),
        ("True", True),
        ("None", None),
        ("[1, 'a']", [1, "a"]),
        ("(1, 2)", (1, 2)),
        ('{"a": 1}', {"a": 1}),
        ("-5", -5),
        ("+5", 5),
        # comparisons, including Decimal against int and float
        ("vars.amount == 250", True),
        ("vars.amount != 250", False),
        ("vars.amount < 250", False),
        ("vars.amount <= 250", True),
        ("vars.amount > 249", True),
        ("vars.amount >= 251", False),
        ("record.amount > 10000", True),
        ("record.amount > 12500.5", False),
        ("'vip' in record.tags", True),
        ("'us' not in record.tags", True),
        ("record.status in ['open', 'new']", True),
        ("record.status in ('closed',)", False),
        ("'ell' in vars.text", True),
        ("'a' in vars.nested", True),
        ("vars.csm is None", True),
        ("vars.amount is not None", True),
        ("None is vars.csm", True),
        ("1 < vars.amount < 300", True),
        ("1 < vars.amount < 100", False),
        ("record.due > date('2026-03-01')", True),
        # boolean logic keeps Python's values
        ("True and 0", 0),
        ("0 or 'x'", "x"),
        ("1 and 2 and 3", 3),
        ("0 or '' or None", None),
        ("not vars.empty", True),
        ("vars.empty or 'default'", "default"),
        ("vars.amount > 100 and steps.review.decision == 'approve'", True),
        # arithmetic
        ("vars.amount + 1", 251),
        ("vars.amount - 50", 200),
        ("vars.amount * 2", 500),
        ("vars.amount / 100", 2.5),
        ("vars.amount // 100", 2),
        ("vars.amount % 100", 50),
        ("-vars.amount", -250),
        ("+vars.rate", 1.5),
        ("-record.amount", Decimal("-12500.00")),
        ("record.amount * 2", Decimal("25000.00")),
        ("record.amount * 1.1", Decimal("13750.000")),
        ("vars.rate + record.amount", Decimal("12501.50")),
        ("'a' + 'b'", "ab"),
        ("[1] + [2]", [1, 2]),
        ("(vars.amount + 50) * 2", 600),
        # conditional expression
        ("'big' if vars.amount > 100 else 'small'", "big"),
        ("'big' if vars.amount > 1000 else 'small'", "small"),
        # reading
        ("vars.items[0]", 3),
        ("vars.items[-1]", 2),
        ('vars["amount"]', 250),
        ('vars.nested["a"]["b"]', 1),
        ("vars.nested.a.b", 1),
        ("vars.text[0]", "H"),
        ("vars.items[vars.items[1]]", 1),
        ("steps.review", {"decision": "approve", "score": 7}),
        ("run.status", "in_progress"),
    ],
)
def test_expressions_evaluate_like_python_within_the_language(source, expected):
    result = evaluate(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("len(record.tags)", 2),
        ("len('abc')", 3),
        ("len(vars.nested)", 1),
        ("lower('AbC')", "abc"),
        ("upper('AbC')", "ABC"),
        ("strip(record.name)", "Acme Ltd"),
        ("int('42')", 42),
        ("int(' 7 ')", 7),
        ("int(3.9)", 3),
        ("int('3.5')", 3),
        ("int(record.amount)", 12500),
        ("int(True)", 1),
        ("float('2.5')", 2.5),
        ("float(2)", 2.0),
        ("str(5)", "5"),
        ("str(None)", ""),
        ("str(record.due)", "2026-03-20"),
        ("str(record.tags)", "vip, eu"),
        ("abs(-3)", 3),
        ("abs(record.amount - 20000)", Decimal("7500.00")),
        ("min(3, 1, 2)", 1),
        ("max(vars.items)", 3),
        ("min('b', 'a')", "a"),
        ("round(2.567, 2)", 2.57),
        ("round(2.5)", 2),
        ("round(record.amount)", 12500),
        ("date('2026-01-31')", dt.date(2026, 1, 31)),
        ("date('2026-01-31T10:00:00+00:00')", dt.date(2026, 1, 31)),
        ("now()", NOW),
        ("today()", dt.date(2026, 3, 15)),
        ("days_since(date('2026-03-01'))", 14),
        ("days_since('2026-03-01')", 14),
        ("days_until(record.due)", 5),
        ("days_since(vars.when)", 5),
        ("days_until(vars.when)", -5),
        ("days_until('2026-03-16T00:00:00+00:00')", 0),  # 12 hours: no whole day
        ("days_since('2026-03-13T12:00:00')", 2),  # naive text is read in local time
        ("is_empty(None)", True),
        ("is_empty('')", True),
        ("is_empty([])", True),
        ("is_empty({})", True),
        ("is_empty(0)", False),
        ("is_empty(vars.text)", False),
    ],
)
def test_functions(source, expected):
    result = evaluate(source)
    assert result == expected
    assert type(result) is type(expected)


def test_changed_reads_the_fields_of_the_save_being_checked():
    assert evaluate("changed('status')", changed_fields={"status", "amount"}) is True
    assert evaluate("changed('owner')", changed_fields={"status"}) is False
    assert evaluate("changed('owner')", changed_fields=["owner_id"]) is True
    # Not checking a save at all: nothing changed.
    assert evaluate("changed('status')", changed_fields=None) is False


def test_now_is_the_current_time_unless_the_caller_fixes_it():
    before = dt.datetime.now(dt.UTC)
    current = compile_condition("now()").evaluate(namespaces())
    assert before <= current <= dt.datetime.now(dt.UTC)
    assert current.tzinfo is not None
    assert evaluate("now()") == NOW


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("vars.csm_x", "vars has no 'csm_x'", 6),
        ("steps.review.decison", "steps.review has no output 'decison'", 14),
        ("steps.revew.decision", "steps has no step 'revew'", 7),
        ("record.missing", "record has no field 'missing'", 8),
        ("record.owner.email", "record.owner is empty, cannot read 'email'", 14),
        ("vars.csm > 5", "cannot compare empty (None) with a number using '>'", 1),
        ("'a' < 3", "cannot compare text with a number using '<' in \"'a' < 3\"", 1),
        ("vars.when > record.due", "cannot compare a date and time with a date", 1),
        ("'a' in 5", "cannot look for text in a number", 1),
        ("vars.amount / 0", "division by zero in 'vars.amount / 0'", 1),
        ("vars.amount // 0", "division by zero", 1),
        ("vars.amount % 0", "division by zero", 1),
        ("record.amount / 0", "division by zero", 1),
        ("'a' * 3", "cannot multiply text and a number", 1),
        ("'a' - 'b'", "cannot subtract text and text", 1),
        ("[1] * 3", "cannot multiply a list and a number", 1),
        ("'a' + 1", "(str(x) turns a number into text)", 1),
        ("[1] + (2,)", "cannot add a list and a list", 1),
        ("-'a'", "cannot negate text", 1),
        ("vars.big * vars.big", "too large", 1),
        ("vars.long + vars.long", "too large", 1),
        ("vars.text.upper", "cannot read 'upper' of vars.text: it is text", 11),
        ("vars.items[5]", "vars.items has no item 5 (it has 3)", 12),
        ("vars.items['a']", "cannot read 'a' of vars.items: it is a list", 12),
        ("vars.items[1.5]", "pick an item with a whole number", 12),
        ("vars[[1]]", "a list cannot be used as a key of vars", 6),
        ("len(5)", "len() needs text or a list, not a number", 1),
        ("lower(5)", "lower() needs text", 1),
        ("int('abc')", "int() cannot turn the text 'abc' into a whole number", 1),
        ("int(vars.huge)", "int() cannot turn", 1),
        ("float('x')", "float() cannot turn", 1),
        ("abs('x')", "abs() needs a number", 1),
        ("min([])", "min() of an empty list", 1),
        ("min(1)", "min() of one value needs a list", 1),
        ("max(1, 'a')", "max() cannot compare", 1),
        ("round('x')", "round() needs a number", 1),
        ("round(1.5, 1000)", "round() needs a whole number of decimals", 1),
        ("date('nope')", "date() cannot read 'nope' as a date", 1),
        ("days_since(5)", "days_since() needs a date, not a number", 1),
        ("changed(5)", "changed() needs a field name in quotes", 1),
    ],
)
def test_runtime_errors_say_what_went_wrong_and_where(source, message, position):
    with pytest.raises(ConditionRuntimeError) as raised:
        evaluate(source)
    assert message in raised.value.message
    assert raised.value.position == position
    assert raised.value.source == source


def test_a_namespace_the_caller_did_not_provide_is_a_runtime_error():
    with pytest.raises(ConditionRuntimeError, match="'run' is not available here"):
        compile_condition("run.status").evaluate({"record": None})
    with pytest.raises(ConditionRuntimeError, match="record is empty, cannot read 'amount'"):
        compile_condition("record.amount").evaluate({"record": None})


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("recrod.amount > 1", "unknown name 'recrod' (did you mean 'record'?)", 1),
        ("record.amount >", "the expression is incomplete", 15),
        ("record.amount > > 1", "invalid syntax", 17),
        ("(record.amount", "'(' was never closed", 1),
        ("2 ** 8", "'**' is not allowed", 3),
        ("lambda: 1", "lambda functions are not allowed", 1),
        ("[x for x in vars.items]", "comprehensions are not allowed", 1),
        ("{k: 1 for k in vars}", "comprehensions are not allowed", 1),
        ("(x for x in vars)", "comprehensions are not allowed", 1),
        ('f"{vars.a}"', "f-strings are not allowed", 1),
        ("(y := 1)", "assignments (:=) are not allowed", 2),
        ("[*vars.items]", "'*' unpacking is not allowed", 2),
        ("len(*vars.items)", "'*' unpacking is not allowed", 5),
        ("{**vars}", "'**' unpacking is not allowed", 1),
        ("vars.items[1:2]", "slices are not allowed", 12),
        ("vars.a & 1", "'&' is not allowed (use 'and')", 8),
        ("vars.a | 1", "'|' is not allowed (use 'or')", 8),
        ("vars.a ^ 1", "'^' is not allowed", 8),
        ("vars.a << 1", "'<<' is not allowed", 8),
        ("vars.a @ 1", "'@' is not allowed", 8),
        ("~vars.a", "'~' is not allowed", 1),
        ("{1, 2}", "sets are not allowed", 1),
        ("b'x'", "bytes literals are not allowed", 1),
        ("1j", "complex literals are not allowed", 1),
        ("...", "'...' is not allowed", 1),
        ("await vars.a", "'await' is not allowed", 1),
        ("(yield)", "'yield' is not allowed", 2),
        ("vars.__class__", "names starting with '_' are not allowed ('__class__')", 6),
        ("record._meta", "names starting with '_' are not allowed ('_meta')", 8),
        ("__import__('os')", "names starting with '_' are not allowed ('__import__')", 1),
        ("__builtins__", "names starting with '_' are not allowed", 1),
        ("eval('1')", "unknown function 'eval'", 1),
        ("open('x')", "unknown function 'open'", 1),
        ("getattr(record, 'x')", "unknown function 'getattr'", 1),
        ("globals()", "unknown function 'globals'", 1),
        ("vars(1)", "'vars' cannot be called", 1),
        ("type(record)", "unknown function 'type'", 1),
        ("vars.name.lower()", "methods cannot be called; write lower(…) instead", 1),
        ("vars.f()()", "only functions can be called", 1),
        ("len(vars.items, 2)", "len() takes 1 argument (2 given)", 1),
        ("now(1)", "now() takes no arguments (1 given)", 1),
        ("round()", "round() takes 1 or 2 arguments (0 given)", 1),
        ("min()", "min() takes at least 1 argument (0 given)", 1),
        ("len(x=vars.items)", "len() does not take named arguments", 5),
        ("len", "'len' is a function; call it", 1),
        ("x", "unknown name 'x'", 1),
        ("vars.a is 1", "'is' only works as 'is None'", 1),
        ("vars.a is not vars.b", "'is not' only works as 'is not None'", 1),
        ("  recrod", "unknown name 'recrod'", 3),
        ("'é' + recrod", "unknown name 'recrod'", 7),
        ("vars.a and\n  recrod", "unknown name 'recrod'", 14),
        ("not " * 60 + "True", "nested too deeply", 201),
        ("", "the expression is empty", None),
        ("x" * 6000, "the expression is too long", None),
    ],
)
def test_disallowed_constructs_are_refused_when_compiling(source, message, position):
    with pytest.raises(ConditionSyntaxError) as raised:
        compile_condition(source)
    assert message in raised.value.message
    assert raised.value.position == position
    assert raised.value.source == source


def test_errors_read_as_sentences_with_their_place():
    with pytest.raises(ConditionSyntaxError) as raised:
        compile_condition("recrod.amount > 1")
    assert str(raised.value) == "unknown name 'recrod' (did you mean 'record'?) at column 1"
    with pytest.raises(ConditionSyntaxError) as raised:
        compile_condition("vars.a and\n  recrod")
    assert str(raised.value).endswith("at line 2, column 3")
    with pytest.raises(ConditionSyntaxError) as raised:
        compile_condition(None)  # type: ignore[arg-type]
    assert str(raised.value) == "an expression must be text, not NoneType"


def test_compiling_is_cached():
    source = "record.amount > 10000 and steps.review.decision == 'approve'"
    assert compile_condition(source) is compile_condition(source)
    assert compile_condition(source).source == source


def test_evaluate_condition_gives_truthiness():
    assert evaluate_condition("vars.amount", namespaces()) is True
    assert evaluate_condition("vars.empty", namespaces()) is False
    assert evaluate_condition("changed('status')", namespaces(), changed_fields=["status"])


def test_line_breaks_are_spaces():
    assert evaluate("vars.amount > 100\n  and record.status == 'open'") is True


# Model instances: concrete fields only, never methods, managers or secrets.


@pytest.fixture
def user():
    return User(username="ann", email="ann@example.com", first_name="Ann", password="secret")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("record.email", "ann@example.com"),
        ("record.username + '!'", "ann!"),
        ("record['first_name']", "Ann"),
        ("record.is_active", True),
        ("record.pk", None),
        ("record.id", None),
        ("str(record)", "Ann"),  # people read by their full name
    ],
)
def test_a_record_reads_its_fields(user, source, expected):
    assert evaluate(source, record=user) == expected


@pytest.mark.parametrize(
    "field",
    [
        "password",
        "save",
        "delete",
        "objects",
        "groups",
        "user_permissions",
        "get_full_name",
        "check_password",
        "is_authenticated",
        "logentry_set",
        "DoesNotExist",
    ],
)
def test_a_record_refuses_everything_but_fields(user, field):
    with pytest.raises(ConditionRuntimeError, match=f"record has no field '{field}'"):
        evaluate(f"record.{field}", record=user)
    with pytest.raises(ConditionRuntimeError, match=f"record has no field '{field}'"):
        evaluate(f"record['{field}']", record=user)


@pytest.mark.parametrize("name", ["_meta", "__class__", "__dict__", "_state", "__reduce__"])
def test_private_names_on_a_record_are_refused_when_compiling(name):
    with pytest.raises(ConditionSyntaxError, match="names starting with '_'"):
        compile_condition(f"record.{name}")


def test_a_foreign_key_gives_the_related_record_and_its_id():
    owner = User(pk=5, username="bob", email="bob@example.com", password="secret")
    entry = LogEntry(user=owner, object_repr="Acme")
    assert evaluate("record.user.email", record=entry) == "bob@example.com"
    assert evaluate("record.user_id", record=entry) == 5
    assert evaluate("record.user.pk", record=entry) == 5
    assert evaluate("record.content_type", record=entry) is None  # not set
    with pytest.raises(ConditionRuntimeError, match=r"record\.user has no field 'password'"):
        evaluate("record.user.password", record=entry)
    with pytest.raises(ConditionRuntimeError, match=r"record\.content_type is empty"):
        evaluate("record.content_type.model", record=entry)


def test_steps_expose_who_completed_them(user):
    steps = {"kickoff": {"completed_by": user}}
    assert evaluate("steps.kickoff.completed_by.email", steps=steps) == "ann@example.com"


# Checking names against the scope of the place an expression is used.

SCOPE: Scope = {
    "record": model_schema(User),
    "vars": {"amount": LEAF, "csm": LEAF},
    "steps": {"review": {"decision": LEAF, "completed_by": model_schema(User, depth=1)}},
    "run": {"status": LEAF, "started_at": LEAF},
}


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("steps.revew.decision == 'x'", "unknown step 'revew' (did you mean 'review'?)", 7),
        (
            "steps.review.decison",
            "step 'review' has no output 'decison' (did you mean 'decision'?)",
            14,
        ),
        ("vars.amout > 1", "unknown variable 'amout' (did you mean 'amount'?)", 6),
        ("record.emial", "record has no field 'emial' (did you mean 'email'?)", 8),
        ("record.password", "record has no field 'password'", 8),
        (
            "steps.review.completed_by.pasword",
            "steps.review.completed_by has no 'pasword'",  # never suggests the password
            27,
        ),
        ("run.stats", "run has no 'stats' (did you mean 'status'?)", 5),
        ("vars.amount.cents", "vars.amount is a value; it has no 'cents'", 13),
        ('vars["amout"]', "unknown variable 'amout' (did you mean 'amount'?)", 6),
        ('changed("emial")', "record has no field 'emial' (did you mean 'email'?)", 9),
    ],
)
def test_check_reports_names_the_scope_does_not_have(source, message, position):
    errors = check(source, SCOPE)
    assert len(errors) == 1
    assert isinstance(errors[0], ConditionNameError)
    assert errors[0].message == message
    assert errors[0].position == position


@pytest.mark.parametrize(
    "source",
    [
        "record.email == 'a' and vars.amount > 5",
        "steps.review.completed_by.email",
        'vars["amount"] > 1',
        "vars[vars.csm]",  # a dynamic key stops checking
        "len(record.username) > 3 and changed('email')",
        "run.status == 'in_progress'",
    ],
)
def test_check_accepts_names_in_scope(source):
    assert check(source, SCOPE) == []


def test_check_reports_every_problem_and_namespaces_that_are_not_there():
    errors = check("vars.x and steps.y.z", SCOPE)
    assert [e.message for e in errors] == ["unknown variable 'x'", "unknown step 'y'"]
    errors = check("steps.review.decision", {"record": OPEN})
    assert errors[0].message == "'steps' is not available here (available: record)"
    assert check("vars.anything.below", {"vars": OPEN}) == []
    (error,) = check("record.amount >", SCOPE)
    assert isinstance(error, ConditionSyntaxError)


def test_references_lists_the_paths_an_expression_reads():
    source = (
        "steps.review.decision == 'a' and vars['amount'] > len(record.tags)"
        " and vars.items[0].x and steps.review.decision"
    )
    assert references(source) == [
        ("steps", "review", "decision"),
        ("vars", "amount"),
        ("record", "tags"),
        ("vars", "items"),
    ]
    assert compile_condition(source).references == tuple(references(source))


def test_model_schema_mirrors_what_evaluation_allows():
    schema = model_schema(User)
    assert isinstance(schema, dict)
    assert schema["email"] is LEAF
    assert {"pk", "id", "username", "is_active"} <= schema.keys()
    assert "password" not in schema
    assert "groups" not in schema  # many-to-many: not a concrete field
    entry = model_schema(LogEntry)
    assert isinstance(entry, dict)
    assert isinstance(entry["user"], dict)
    assert entry["user"]["email"] is LEAF
    assert "password" not in entry["user"]
    assert entry["user_id"] is LEAF
    shallow = model_schema(LogEntry, depth=1)
    assert isinstance(shallow, dict)
    assert shallow["user"] is LEAF


def test_available_names_lists_dotted_names_shallow_first_when_capped():
    names = available_names(SCOPE)
    assert names[:3] == ["record", "record.id", "record.last_login"]
    assert "steps.review.completed_by.email" in names
    assert "record.password" not in names
    capped = available_names(SCOPE, limit=6)
    assert len(capped) == 6
    assert {"record", "vars", "steps", "run"} <= set(capped)


def test_functions_have_help_for_the_builder():
    assert set(FUNCTIONS) == {
        "len", "lower", "upper", "strip", "int", "float", "str", "abs", "min", "max",
        "round", "date", "now", "today", "days_since", "days_until", "changed", "is_empty",
    }  # fmt: skip
    for name, help_text in FUNCTIONS.items():
        assert help_text.startswith(f"{name}(")


def test_what_python_only_warns_about_is_a_mistake_with_its_column():
    with pytest.raises(ConditionSyntaxError) as raised:
        compile_condition("record.amount > 1000x")
    assert "invalid decimal literal" in raised.value.message
    assert raised.value.position is not None
