"""Text a designer types into the builder's editors that a definition can't hold (a
character no database stores, a text past the limits, JSON nested too deeply) is a form
error next to its field: no 500, nothing saved, nothing typed lost."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from orchestrations.models import FormField, Orchestration, Stage, Step
from tests.builder.test_step_editor import EMAIL_INPUTS
from tests.builder.test_step_editor import post_data as step_post_data
from tests.factories import VersionBuilder, field, make_group

HTMX = {"HTTP_HX_REQUEST": "true"}
NUL_REFUSED = "Contains a character that cannot be stored (U+0000): remove it."


@pytest.fixture
def draft(db):
    """One stage, welcome: kickoff (a form, the Sales queue) and notify (an email)."""
    b = VersionBuilder("onboarding")
    welcome = b.stage("welcome")
    b.step(welcome, "kickoff", form=b.form("kickoff", [field("notes")]), group=make_group("Sales"))
    b.step(welcome, "notify", action="send_email", action_inputs={"to": "a@example.com"})
    b.version.steps_by_key = {s.key: s for s in b.version.steps.all()}  # type: ignore[attr-defined]
    return b.version


def step_edit(client, step, **changes):
    return client.post(
        reverse("builder:step-edit", args=[step.pk]), step_post_data(step, **changes), **HTMX
    )


def error_of(html: str, field_id: str) -> str:
    """The text of the error shown for the field with id `field_id`."""
    start = html.index(f'id="{field_id}-error"')
    return html[html.index(">", start) + 1 : html.index("</", start)]


# The step editor


@pytest.mark.parametrize("name", ["name", "instructions", "email_body", "exit_condition"])
def test_a_nul_typed_in_a_step_is_refused_next_to_its_field(as_designer, draft, name):
    kickoff = draft.steps_by_key["kickoff"]
    typed = {"name": "Kickoff call", "instructions": "Call them", name: "Call\x00them"}

    response = step_edit(as_designer, kickoff, **typed)

    html = response.content.decode()
    assert response.status_code == 200
    assert NUL_REFUSED in error_of(html, f"step{kickoff.pk}_{name}")
    for value in typed.values():
        assert value in html  # what was typed is shown again, the NUL too (to be removed)
    assert Step.objects.get(pk=kickoff.pk).name == kickoff.name  # nothing saved


def test_a_text_past_the_limit_is_refused_and_kept(as_designer, draft):
    kickoff = draft.steps_by_key["kickoff"]

    response = step_edit(as_designer, kickoff, instructions="x" * 10_001)

    html = response.content.decode()
    assert "at most 10000 characters" in error_of(html, f"step{kickoff.pk}_instructions")
    assert "x" * 10_001 in html


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("input__send_email__to", '["a\\u0000@example.com"]', "to[0]: " + NUL_REFUSED),
        ("input__set_variables__values", '{"ok": {"\\ud800": 1}}',
         "values.ok['\\ud800']: The key contains a character that cannot be stored (U+D800)"),
        ("input__set_variables__values", "[" * 50_000,
         "The JSON is nested too deeply: more than 26 levels of objects and lists at line 1, "
         "column 27."),
        ("input__set_variables__values", '{"a": ' * 27 + "1" + "}" * 27,
         "The JSON is nested too deeply: more than 26 levels"),
        ("input__send_email__body", "x" * 10_001,
         "The text is too long: 10,001 characters, at most 10,000."),
        ("input__http_request__timeout", "1e999", "Not a number JSON can hold (inf)."),
    ],
    ids=["NUL escaped in JSON", "a lone surrogate in a key", "JSON 50,000 deep",
         "JSON past the depth left for inputs", "a text too long", "infinity"],
)  # fmt: skip
def test_action_inputs_past_the_limits_are_refused_next_to_their_field(
    as_designer, draft, field, typed, error
):
    notify = draft.steps_by_key["notify"]
    action = field.split("__")[1]
    inputs = EMAIL_INPUTS if action == "send_email" else {}
    required = {"http_request": {"input__http_request__url": "https://example.com"}}

    response = step_edit(as_designer, notify, kind="background", action=action,
                         **{**inputs, **required.get(action, {}), field: typed})  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(error) in error_of(html, f"step{notify.pk}_{field}")
    assert escape(typed) in html  # still in its box
    assert Step.objects.get(pk=notify.pk).action_inputs == {"to": "a@example.com"}


def test_action_inputs_within_the_limits_are_saved(as_designer, draft):
    notify = draft.steps_by_key["notify"]
    deepest = '{"a": ' * 25 + "[]" + "}" * 25  # 26 levels: what is left below `inputs`

    response = step_edit(as_designer, notify, kind="background", action="set_variables",
                         input__set_variables__values=deepest)  # fmt: skip

    assert response.status_code == 200
    assert "saved" in response.content.decode().lower()
    assert Step.objects.get(pk=notify.pk).action_inputs["values"]["a"]["a"] is not None


# The other editors


def test_a_nul_in_a_stage_name_or_an_outcome_is_refused(as_designer, draft):
    welcome = Stage.objects.get(version=draft, key="welcome")
    data = {
        "name": "Wel\x00come",
        "key": "welcome",
        "exit_condition": "",
        "default": "",
        "fault": "",
        "outcomes-TOTAL_FORMS": "1",
        "outcomes-INITIAL_FORMS": "0",
        "outcomes-0-label": "Done",
        "outcomes-0-condition": "True\x00",
        "outcomes-0-target": "end",
    }

    response = as_designer.post(reverse("builder:stage-edit", args=[welcome.pk]), data, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert NUL_REFUSED in error_of(html, f"stage{welcome.pk}_name")
    assert html.count(NUL_REFUSED) == 2
    assert Stage.objects.get(pk=welcome.pk).name == welcome.name


def test_a_nul_in_a_form_field_is_refused(as_designer, draft):
    form = draft.forms.get(key="kickoff")
    data = {"label": "No\x00tes", "type": "text", "help_text": "Help\x00"}

    response = as_designer.post(reverse("builder:field-add", args=[form.pk]), data, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(NUL_REFUSED) == 2
    assert list(FormField.objects.filter(form=form).values_list("key", flat=True)) == ["notes"]


def test_a_nul_in_the_description_or_the_trigger_condition_is_refused(as_designer, draft):
    data = {"description": "For\x00ever", "trigger_type": "manual", "trigger_condition": ""}

    response = as_designer.post(reverse("builder:trigger-edit", args=[draft.pk]), data)

    assert response.status_code == 200
    assert NUL_REFUSED in response.content.decode()


def test_a_nul_in_a_new_orchestration_name_is_refused(as_designer):
    response = as_designer.post(
        reverse("builder:orchestration-create"), {"name": "Vendor\x00 onboarding", "key": ""}
    )

    assert NUL_REFUSED in response.content.decode()
    assert not Orchestration.objects.exists()
