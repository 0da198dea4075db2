"""Templates: `{{ expression }}` placeholders in email texts and action inputs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from orchestrations.conditions import (
    LEAF,
    OPEN,
    ConditionNameError,
    ConditionRuntimeError,
    ConditionSyntaxError,
    Scope,
    check_template,
    model_schema,
    render_template,
    resolve_value,
    template_references,
)

NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
OWNER = User(username="ann", email="ann@example.com")
NAMESPACES = {
    "record": {"name": "Acme", "amount": Decimal("12500.50"), "owner": OWNER, "tags": ["a", "b"]},
    "vars": {
        "amount": 250,
        "csm": None,
        "due": dt.date(2026, 3, 20),
        "sent": dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC),
        "items": [1, 2],
        "approved": True,
    },
    "steps": {"review": {"decision": "approve"}},
    "run": {"status": "in_progress"},
}
SCOPE: Scope = {
    "record": {"name": LEAF, "amount": LEAF, "owner": model_schema(User, depth=1)},
    "vars": {"amount": LEAF, "csm": LEAF},
    "steps": {"review": {"decision": LEAF}},
    "run": OPEN,
}


def render(text, **kwargs):
    return render_template(text, NAMESPACES, now=NOW, **kwargs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No placeholders.", "No placeholders."),
        ("Hello {{ record.name }}!", "Hello Acme!"),
        ("{{record.name}}{{ vars.amount }}", "Acme250"),
        ("Amount: {{ record.amount }}", "Amount: 12500.50"),
        ("CSM: [{{ vars.csm }}]", "CSM: []"),
        ("Due {{ vars.due }}", "Due 2026-03-20"),
        ("Sent {{ vars.sent }}", "Sent 2026-03-10 09:30"),
        ("Owner: {{ record.owner }}", "Owner: ann"),
        ("Tags: {{ record.tags }}", "Tags: a, b"),
        ("{{ vars.approved }}", "True"),
        ("{{ 'big' if vars.amount > 100 else 'small' }} deal", "big deal"),
        ("Now {{ now() }}", "Now 2026-03-15 12:00"),
        ("Line one\n{{ upper(record.name) }}\nLine three", "Line one\nACME\nLine three"),
        ("A lone }} stays", "A lone }} stays"),
    ],
)
def test_render_replaces_each_placeholder_with_its_readable_value(text, expected):
    assert render(text) == expected


def test_render_passes_changed_fields_through():
    assert render("{{ changed('name') }}", changed_fields={"name"}) == "True"
    assert render("{{ changed('name') }}") == "False"


@pytest.mark.parametrize(
    ("text", "error", "message", "position"),
    [
        ("Hi {{ record.name ", ConditionSyntaxError, "'{{' is never closed with '}}'", 4),
        ("Hi {{ recrod.name }}", ConditionSyntaxError, "unknown name 'recrod'", 7),
        ("Hi {{ }}", ConditionSyntaxError, "the expression is empty", 4),
        ("Hi {{ 2 ** 3 }}", ConditionSyntaxError, "'**' is not allowed", 9),
        ("Hi {{ vars.missing }}", ConditionRuntimeError, "vars has no 'missing'", 12),
        ("{{ vars.csm.email }}", ConditionRuntimeError, "vars.csm is empty", 13),
        ("x\n{{ 1 / 0 }}", ConditionRuntimeError, "division by zero", 6),
    ],
)
def test_errors_are_positioned_in_the_whole_text(text, error, message, position):
    with pytest.raises(error) as raised:
        render(text)
    assert message in raised.value.message
    assert raised.value.position == position
    assert raised.value.source == text


def test_an_error_on_a_later_line_names_line_and_column():
    with pytest.raises(ConditionRuntimeError) as raised:
        render("Dear customer,\n\nyour amount is {{ vars.amout }}.")
    assert str(raised.value) == "vars has no 'amout' at line 3, column 24"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{ vars.amount }}", 250),
        ("  {{ vars.items }} ", [1, 2]),
        ("{{ vars.csm }}", None),
        ("{{ record.owner }}", OWNER),
        ("{{ vars.amount }} EUR", "250 EUR"),
        ("{{ vars.amount }}{{ vars.amount }}", "250250"),
        ("plain", "plain"),
        (5, 5),
        (None, None),
        (True, True),
        (
            ["{{ vars.amount }}", {"status": "{{ run.status }}", "n": 1}],
            [250, {"status": "in_progress", "n": 1}],
        ),
    ],
)
def test_resolve_value_keeps_the_type_of_a_lone_placeholder(value, expected):
    assert resolve_value(value, NAMESPACES, now=NOW) == expected


def test_check_template_reports_problems_in_every_text_of_a_value():
    errors = check_template("Hi {{ record.owner.emial }}, {{ vars.amout }}", SCOPE)
    assert [(type(e), e.message, e.position) for e in errors] == [
        (ConditionNameError, "record.owner has no field 'emial' (did you mean 'email'?)", 20),
        (ConditionNameError, "unknown variable 'amout' (did you mean 'amount'?)", 38),
    ]
    assert errors[0].source == "Hi {{ record.owner.emial }}, {{ vars.amout }}"

    value = {"to": ["{{ vars.csm }}", "{{ steps.revew.decision }}"], "subject": "Hi {{"}
    errors = check_template(value, SCOPE)
    assert [e.message for e in errors] == [
        "unknown step 'revew' (did you mean 'review'?)",
        "'{{' is never closed with '}}'",
    ]
    assert check_template(["{{ run.anything }}", "{{ record.name }}", 5], SCOPE) == []


def test_template_references_lists_what_the_placeholders_read():
    value = {"a": "{{ record.name }} and {{ steps.review.decision }}", "b": ["{{ record.name }}"]}
    assert template_references(value) == [("record", "name"), ("steps", "review", "decision")]
    with pytest.raises(ConditionSyntaxError):
        template_references("{{ lambda: 1 }}")
