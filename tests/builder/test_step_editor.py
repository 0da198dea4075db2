"""The step editor: every setting of a step, saved from the side panel or its own page."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orchestrations.models import Step
from orchestrations.models.choices import AssigneeType, StartWhen, StepKind
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}
EMAIL_INPUTS = {
    "input__send_email__to": "a@example.com",
    "input__send_email__subject": "Hello",
    "input__send_email__body": "Welcome",
}


@pytest.fixture
def sales(db):
    return make_group("Sales")


@pytest.fixture
def draft(db, sales):
    """Two stages: welcome (kickoff, packet after kickoff, notify in the background),
    review (check)."""
    b = VersionBuilder("onboarding")
    kickoff_form = b.form("kickoff", [field("notes"), field("attendees", "number")])
    review_form = b.form("review", [field("decision", "choice", choices=["ok", "no"])])
    welcome, review = b.stage("welcome"), b.stage("review")
    kickoff = b.step(welcome, "kickoff", form=kickoff_form, group=sales)
    b.step(welcome, "packet", form=kickoff_form, group=sales, after=[kickoff])
    b.step(welcome, "notify", action="send_email", action_inputs={"to": "a@example.com"})
    b.step(review, "check", form=review_form, expression="record.owner")
    b.version.steps_by_key = {s.key: s for s in b.version.steps.all()}  # type: ignore[attr-defined]
    return b.version


def url(step):
    return reverse("builder:step-edit", args=[step.pk])


def post_data(step, **changes):
    """What the editor posts for `step` as it is, with `changes`."""
    data = {
        "name": step.name,
        "key": step.key,
        "kind": step.kind,
        "form": step.form_id or "",
        "assignee_type": step.assignee_type,
        "assignee_user": step.assignee_user_id or "",
        "assignee_group": step.assignee_group_id or "",
        "assignee_expression": step.assignee_expression,
        "due_in": "",
        "email_subject": step.email_subject,
        "email_body": step.email_body,
        "action": step.action,
        "retry_max_attempts": step.retry_max_attempts,
        "retry_backoff_seconds": step.retry_backoff_seconds,
        "instructions": step.instructions,
        "start_when": step.start_when,
        "start_after": [s.pk for s in step.start_after.all()],
        "start_condition": step.start_condition,
        "exit_condition": step.exit_condition,
        "visibility": step.visibility,
        "visibility_groups": [g.pk for g in step.visibility_groups.all()],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_htmx_gets_the_editor_fragment_with_every_setting(as_designer, draft):
    kickoff = draft.steps_by_key["kickoff"]

    response = as_designer.get(url(kickoff), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="step-editor-{kickoff.pk}"' in html
    for name in ("name", "key", "kind", "form", "assignee_type", "assignee_user",
                 "assignee_group", "assignee_expression", "due_in", "email_subject",
                 "email_body", "action", "retry_max_attempts", "retry_backoff_seconds",
                 "instructions", "start_when", "start_after", "start_condition",
                 "exit_condition"):  # fmt: skip
        assert f'name="{name}"' in html, name
    assert 'name="input__send_email__to"' in html  # one field per declared action input
    assert "Save step" in html


def test_condition_fields_ask_the_live_check_and_show_its_answer_below_them(as_designer, draft):
    check = draft.steps_by_key["check"]

    html = as_designer.get(url(check), **HTMX).content.decode()

    check_url = reverse("builder:condition-check", args=[draft.pk])
    assert f'hx-post="{check_url}"' in html
    # Its own target and swap: the editor's form swaps outerHTML, which must not be inherited.
    assert f'hx-target="#check-step{check.pk}_exit_condition" hx-swap="innerHTML"' in html
    assert f'id="check-step{check.pk}_exit_condition"' in html
    assert "&quot;check_setting&quot;: &quot;step-condition&quot;" in html


def test_only_fields_with_text_on_show_are_checked_when_the_editor_opens(as_designer, draft):
    check = draft.steps_by_key["check"]

    html = as_designer.get(url(check), **HTMX).content.decode()

    def trigger_of(name):
        start = html.index(f'name="{name}"')
        tag = html[html.rindex("<", 0, start) : html.index(">", start)]
        return tag.split('hx-trigger="')[1].split('"')[0]

    assert trigger_of("assignee_expression") == "input changed delay:300ms, load, shown"
    assert trigger_of("email_subject") == "input changed delay:300ms, shown"  # empty
    assert trigger_of("input__send_email__to") == "input changed delay:300ms, shown"  # hidden


def test_without_htmx_the_editor_is_a_page_with_the_version_header(as_designer, draft):
    response = as_designer.get(url(draft.steps_by_key["kickoff"]))

    html = response.content.decode()
    assert "<html" in html
    assert "version-tabs" in html
    assert "Back to the canvas" in html


def test_the_form_select_offers_the_version_forms_and_links_to_the_designer(as_designer, draft):
    response = as_designer.get(url(draft.steps_by_key["kickoff"]), **HTMX)

    html = response.content.decode()
    assert ">Kickoff</option>" in html
    assert ">Review</option>" in html
    assert reverse("builder:form-list", args=[draft.pk]) in html


def test_saving_an_interactive_step_stores_every_setting(as_designer, draft):
    kickoff = draft.steps_by_key["kickoff"]
    alice = make_user("alice", first_name="Alice", last_name="Jones")

    response = as_designer.post(
        url(kickoff),
        post_data(
            kickoff,
            name="Kickoff call",
            assignee_type="user",
            assignee_user=alice.pk,
            due_in="2d 4h",
            email_subject="Kickoff with {{ record.name }}",
            email_body="Please call.",
            instructions="Call within two days.",
            exit_condition="record.ready == True",
            reassign="orchestration",
        ),
        **HTMX,
    )

    assert response.status_code == 200
    assert "Who may reassign its items" in response.content.decode()
    kickoff.refresh_from_db()
    assert kickoff.reassign == "orchestration"
    assert kickoff.name == "Kickoff call"
    assert kickoff.assignee_type == AssigneeType.USER
    assert kickoff.assignee_user == alice
    assert kickoff.assignee_group is None  # the group it had is dropped
    assert kickoff.due_in == timedelta(days=2, hours=4)
    assert kickoff.email_subject == "Kickoff with {{ record.name }}"
    assert kickoff.instructions == "Call within two days."
    assert kickoff.exit_condition == "record.ready == True"


def test_a_saved_step_answers_the_editor_the_card_out_of_band_and_definition_changed(
    as_designer, draft
):
    kickoff = draft.steps_by_key["kickoff"]

    response = as_designer.post(url(kickoff), post_data(kickoff, name="Kickoff call"), **HTMX)

    html = response.content.decode()
    assert "Saved" in html
    assert f'id="step-editor-{kickoff.pk}"' in html
    assert f'id="step-{kickoff.pk}"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Kickoff call" in html
    assert "definition-changed" in json.loads(response["HX-Trigger"])


def test_renaming_a_step_also_updates_the_cards_of_the_steps_waiting_for_it(as_designer, draft):
    kickoff, packet = draft.steps_by_key["kickoff"], draft.steps_by_key["packet"]

    response = as_designer.post(url(kickoff), post_data(kickoff, name="Kickoff call"), **HTMX)

    html = response.content.decode()
    assert f'id="step-{packet.pk}"' in html
    assert "after Kickoff call" in html


def test_without_htmx_a_save_redirects_back_to_the_editor(as_designer, draft):
    kickoff = draft.steps_by_key["kickoff"]

    response = as_designer.post(url(kickoff), post_data(kickoff, name="Kickoff call"))

    assert response.status_code == 302
    assert response["Location"] == url(kickoff)


def test_a_background_step_saves_its_action_inputs_and_retry_policy(as_designer, draft):
    notify = draft.steps_by_key["notify"]

    as_designer.post(
        url(notify),
        post_data(
            notify,
            input__send_email__to='["{{ steps.kickoff.completed_by.email }}", "team@example.com"]',
            input__send_email__subject="Welcome, {{ record.name }}",
            input__send_email__body="Hello",
            retry_max_attempts=5,
            retry_backoff_seconds=60,
        ),
        **HTMX,
    )

    notify.refresh_from_db()
    assert notify.action_inputs == {
        "to": ["{{ steps.kickoff.completed_by.email }}", "team@example.com"],
        "subject": "Welcome, {{ record.name }}",
        "body": "Hello",
    }
    assert (notify.retry_max_attempts, notify.retry_backoff_seconds) == (5, 60)


def test_turning_an_interactive_step_into_a_background_one_drops_form_and_assignee(
    as_designer, draft
):
    check = draft.steps_by_key["check"]

    as_designer.post(
        url(check),
        post_data(
            check,
            kind="background",
            action="set_variables",
            input__set_variables__values='{"reviewed": true}',
            reassign="nobody",
        ),
        **HTMX,
    )

    check.refresh_from_db()
    assert check.kind == StepKind.BACKGROUND
    assert check.reassign == "team"  # no work item to reassign
    assert check.form is None
    assert check.assignee_type == ""
    assert check.assignee_expression == ""
    assert check.action_inputs == {"values": {"reviewed": True}}


def test_start_after_steps_of_the_same_stage(as_designer, draft):
    notify, kickoff = draft.steps_by_key["notify"], draft.steps_by_key["kickoff"]

    as_designer.post(
        url(notify),
        post_data(notify, start_when="after", start_after=[kickoff.pk], **EMAIL_INPUTS),
        **HTMX,
    )

    notify.refresh_from_db()
    assert notify.start_when == StartWhen.AFTER
    assert list(notify.start_after.all()) == [kickoff]


def test_steps_waiting_for_each_other_in_a_circle_are_refused(as_designer, draft):
    kickoff, packet = draft.steps_by_key["kickoff"], draft.steps_by_key["packet"]

    response = as_designer.post(
        url(kickoff), post_data(kickoff, start_when="after", start_after=[packet.pk]), **HTMX
    )

    html = response.content.decode()
    assert "in a circle: Kickoff → Packet → Kickoff" in html
    kickoff.refresh_from_db()
    assert kickoff.start_when == StartWhen.STAGE_START


def test_a_start_condition_is_required_and_checked(as_designer, draft):
    packet = draft.steps_by_key["packet"]

    empty = as_designer.post(url(packet), post_data(packet, start_when="condition"), **HTMX)
    wrong = as_designer.post(
        url(packet),
        post_data(packet, start_when="condition", start_condition="steps.kickof.attendees > 1"),
        **HTMX,
    )

    assert "Write the condition that starts this step." in empty.content.decode()
    assert "did you mean &#x27;kickoff&#x27;?" in wrong.content.decode()
    assert "at column 7" in wrong.content.decode()


def test_invalid_input_keeps_what_was_typed_and_shows_errors_next_to_fields(as_designer, draft):
    kickoff, packet = draft.steps_by_key["kickoff"], draft.steps_by_key["packet"]

    response = as_designer.post(
        url(kickoff),
        post_data(
            kickoff,
            name="Renamed but not saved",
            key=packet.key,
            due_in="3 fortnights",
            email_body="Hello {{ record.name",
        ),
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Renamed but not saved"' in html
    assert 'value="3 fortnights"' in html
    assert "Hello {{ record.name</textarea>" in html
    assert "The key &#x27;packet&#x27; is already used by the step &#x27;Packet&#x27;" in html
    assert "is not a duration" in html
    assert "never closed" in html
    assert f'id="step{kickoff.pk}_due_in-error"' in html
    assert 'aria-invalid="true"' in html
    kickoff.refresh_from_db()
    assert kickoff.name == "Kickoff"
    assert kickoff.due_in is None
    assert "HX-Trigger" not in response


def test_an_interactive_step_needs_a_form_and_an_assignee(as_designer, draft):
    kickoff = draft.steps_by_key["kickoff"]

    response = as_designer.post(url(kickoff), post_data(kickoff, form="", assignee_type=""), **HTMX)

    html = response.content.decode()
    assert "Choose the form this step shows" in html
    assert "Choose who does this step." in html


def test_a_background_step_needs_its_required_inputs(as_designer, draft):
    notify = draft.steps_by_key["notify"]

    response = as_designer.post(url(notify), post_data(notify), **HTMX)

    html = response.content.decode()
    assert "The action send_email needs this input." in html
    assert f'id="step{notify.pk}_input__send_email__subject-error"' in html


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2d", timedelta(days=2)), ("4h", timedelta(hours=4)), ("1d 12h", timedelta(days=1.5)),
     ("90m", timedelta(minutes=90)), ("P3D", timedelta(days=3)), ("1 week", timedelta(days=7))],
)  # fmt: skip
def test_due_in_reads_days_hours_minutes_and_iso(as_designer, draft, typed, expected):
    kickoff = draft.steps_by_key["kickoff"]

    as_designer.post(url(kickoff), post_data(kickoff, due_in=typed), **HTMX)

    kickoff.refresh_from_db()
    assert kickoff.due_in == expected


def test_the_editor_shows_due_in_as_it_is_typed(as_designer, draft):
    kickoff = draft.steps_by_key["kickoff"]
    Step.objects.filter(pk=kickoff.pk).update(due_in=timedelta(days=2, hours=4))

    response = as_designer.get(url(kickoff), **HTMX)

    assert 'value="2d 4h"' in response.content.decode()


def test_a_user_without_the_permission_gets_403(draft):
    outsider = Client()
    outsider.force_login(make_user("olly"))
    kickoff = draft.steps_by_key["kickoff"]

    assert outsider.get(url(kickoff)).status_code == 403
    assert outsider.post(url(kickoff), post_data(kickoff, name="x")).status_code == 403
    kickoff.refresh_from_db()
    assert kickoff.name == "Kickoff"


def test_an_active_version_opens_read_only(as_designer, draft):
    draft.activate()
    draft.save()

    response = as_designer.get(url(draft.steps_by_key["kickoff"]), **HTMX)

    html = response.content.decode()
    assert '<fieldset class="editor-body" disabled>' in html
    assert "Save step" not in html
    assert "Read-only: version 1 is active" in html
    # Disabled fields are not posted: their checks send the text along.
    check = as_designer.get(url(draft.steps_by_key["check"]), **HTMX).content.decode()
    assert "&quot;check_text&quot;: &quot;record.owner&quot;" in check


def test_a_save_to_an_active_version_is_refused_and_changes_nothing(as_designer, draft):
    draft.activate()
    draft.save()
    kickoff = draft.steps_by_key["kickoff"]

    response = as_designer.post(url(kickoff), post_data(kickoff, name="Changed"), **HTMX)

    assert response.status_code == 409
    assert "cannot be changed" in response.content.decode()
    kickoff.refresh_from_db()
    assert kickoff.name == "Kickoff"


def test_saving_a_step_costs_the_same_queries_however_many_steps(as_designer, draft, sales):
    kickoff = draft.steps_by_key["kickoff"]
    with CaptureQueriesContext(connection) as small:
        as_designer.post(url(kickoff), post_data(kickoff, name="Kickoff call"), **HTMX)
    welcome = kickoff.stage
    for j in range(8):
        Step.objects.create(
            version=draft, stage=welcome, key=f"extra{j}", name=f"Extra {j}", position=10 + j,
            assignee_type="group", assignee_group=sales,
        )  # fmt: skip

    with CaptureQueriesContext(connection) as big:
        as_designer.post(url(kickoff), post_data(kickoff, name="Kickoff call"), **HTMX)

    assert len(big) == len(small)
