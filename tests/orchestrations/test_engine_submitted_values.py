"""What people submit through the engine (a step's form values, a run's variables) is
refused with a ValidationError when it cannot be stored, and nothing changes.

Run this module on PostgreSQL too: NUL characters and lone surrogates are what it
refuses to store (SQLite keeps them).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from orchestrations.engine import run_start, work_item_complete
from orchestrations.models import Run, RunEvent, WorkItem
from tests.factories import VersionBuilder, field, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake():
    """Ann's intake form: a line of notes, a story, a head count and a budget."""
    ann = make_user("ann", first_name="Ann", last_name="Lee")
    b = VersionBuilder("customer_onboarding")
    b.input("account", required=True)
    b.input("tier", "choice", choices=["basic", "gold"], default="basic")
    fields = [
        field("notes"),
        field("story", "long_text"),
        field("seats", "number"),
        field("budget", "decimal"),
        field("modules", "multi_choice", choices=["crm", "billing"]),
    ]
    b.step(b.stage("intake"), "intake", form=b.form("intake", fields), user=ann)
    b.activate()
    run = run_start(b.orchestration, variables={"account": "Acme"})
    return ann, run, WorkItem.objects.get(run=run)


def refused(item, by, data):
    """Submit, expect a ValidationError, and check the item and the timeline are as they were."""
    events = RunEvent.objects.filter(run=item.run_id).count()
    with pytest.raises(ValidationError) as caught:
        work_item_complete(item, by=by, data=data)
    item.refresh_from_db()
    assert (item.status, item.data, item.step_run.status) == ("open", {}, "in_progress")
    assert item.step_run.outputs == {}
    assert RunEvent.objects.filter(run=item.run_id).count() == events
    return caught.value


@pytest.mark.parametrize("data", [None, "notes=hi", ["notes", "hi"], 42], ids=repr)
def test_form_values_that_are_not_a_mapping_are_one_clear_error(intake, data):
    ann, _run, item = intake
    error = refused(item, ann, data)
    assert not hasattr(error, "error_dict")  # not about one field
    assert error.messages[0].startswith("The form's values must be a mapping of names to values")


@pytest.mark.parametrize(
    ("data", "field_key", "message"),
    [
        ({"seats": 10**5000}, "seats", "Enter a whole number of at most 15 digits."),
        ({"seats": -(10**16)}, "seats", "Enter a whole number of at most 15 digits."),
        ({"budget": "1e999999"}, "budget", "Ensure that there are no more than 28 digits"),
        ({"notes": "\ud800"}, "notes", "not valid Unicode"),
        ({"notes": "a\x00b"}, "notes", "Null characters are not allowed."),
        ({"story": "nul \x00 in a story"}, "story", "Null characters are not allowed."),
        ({"notes": ["a", "b"]}, "notes", "Enter text, not a list."),
        ({"notes": {"a": "b"}}, "notes", "Enter text, not an object."),
        ({"notes": "x" * 1001}, "notes", "at most 1000 characters (it has 1001)"),
        ({"story": "x" * 10_000_000}, "story", "at most 20000 characters"),
        ({"modules": {"crm": True}}, "modules", "Enter a list of choices, not an object."),
    ],
    ids=[
        "10**5000",
        "seventeen-digits",
        "huge-decimal",
        "lone-surrogate",
        "nul",
        "nul-in-long-text",
        "list-for-text",
        "dict-for-text",
        "too-long",
        "ten-megabytes",
        "dict-for-multi-choice",
    ],
)
def test_a_value_that_cannot_be_stored_is_a_field_error(intake, data, field_key, message):
    ann, _run, item = intake
    error = refused(item, ann, data)
    assert list(error.message_dict) == [field_key]
    assert message in error.message_dict[field_key][0]


def test_values_within_the_limits_are_stored_once_per_place(intake):
    ann, _run, item = intake
    done = work_item_complete(
        item,
        by=ann,
        data={"notes": "x" * 1000, "seats": 999_999_999_999_999, "modules": "crm"},
    )
    assert done.data["notes"] == "x" * 1000
    assert done.data["seats"] == 999_999_999_999_999
    assert done.data["modules"] == ["crm"]
    assert done.step_run.outputs == done.data


def test_an_unknown_variable_is_refused_naming_the_inputs(intake):
    _ann, run, _item = intake
    with pytest.raises(ValidationError) as caught:
        run_start(run.orchestration, variables={"account": "Beta", "colour": "red"})
    assert caught.value.message_dict == {
        "colour": [
            "'colour' is not an input of Customer onboarding; its inputs are: account, tier."
        ]
    }
    assert Run.objects.count() == 1


def test_unknown_and_bad_variables_are_reported_together(intake):
    _ann, run, _item = intake
    with pytest.raises(ValidationError) as caught:
        run_start(run.orchestration, variables={"account": ["a"], "tier": "platinum", "x": 1})
    assert set(caught.value.message_dict) == {"account", "tier", "x"}
    assert caught.value.message_dict["account"] == ["Enter text, not a list."]
    assert Run.objects.count() == 1


@pytest.mark.parametrize("variables", ["account=Acme", [("account", "Acme")]], ids=repr)
def test_variables_that_are_not_a_mapping_are_one_clear_error(intake, variables):
    _ann, run, _item = intake
    with pytest.raises(ValidationError) as caught:
        run_start(run.orchestration, variables=variables)
    assert not hasattr(caught.value, "error_dict")
    assert "The run's variables must be a mapping of names to values" in caught.value.messages[0]
    assert Run.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [(10**5000, "too many digits"), ("\ud800", "not valid Unicode"), ("\x00", "Null characters")],
    ids=["10**5000", "lone-surrogate", "nul"],
)
def test_a_variable_that_cannot_be_stored_starts_no_run(intake, value, message):
    _ann, run, _item = intake
    with pytest.raises(ValidationError) as caught:
        run_start(run.orchestration, variables={"account": value})
    assert message in caught.value.message_dict["account"][0]
    assert Run.objects.count() == 1


def test_a_name_a_later_step_sets_cannot_be_given_at_the_start():
    """Otherwise `vars.tenant_id != None` would read as already set."""
    ops = make_user("ops")
    b = VersionBuilder("provisioning")
    stage = b.stage("s")
    b.step(stage, "wait_for_tenant", form=b.form("f", [field("notes")]), user=ops,
           when="vars.tenant_id != None")  # fmt: skip
    b.step(stage, "provision", action="set_variables", action_inputs={"values": {"tenant_id": 7}})
    b.activate()
    with pytest.raises(ValidationError) as caught:
        run_start(b.orchestration, variables={"tenant_id": 1})
    assert caught.value.message_dict == {
        "tenant_id": ["'tenant_id' is not an input of Provisioning; it has no inputs."]
    }
    assert not Run.objects.exists()
