"""Who sees the answers, in the builder: the step editor, the form designer, the
version diff and the validation panel."""

import pytest
from django.urls import reverse

from builder.diff import diff_definitions
from orchestrations.definition import export_definition
from orchestrations.models import FormField, Stage, Step
from tests.builder.test_step_editor import post_data
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def teams(db):
    return make_group("Underwriting"), make_group("Funding")


@pytest.fixture
def draft(teams):
    underwriting, _ = teams
    b = VersionBuilder("loan")
    form = b.form("decision", [field("decision"), field("rationale", "long_text")])
    stage = b.stage("underwriting")
    b.step(stage, "decide", form=form, group=underwriting)
    return b.version


def test_the_step_editor_shows_who_sees_the_answers(as_designer, draft):
    step = Step.objects.get(version=draft)
    html = as_designer.get(reverse("builder:step-edit", args=[step.pk]), **HTMX).content.decode()
    assert "Who sees its answers" in html
    assert 'name="visibility" value="members"' in html
    assert "Members and the run&#x27;s participants" in html
    assert 'data-show-when="visibility=groups"' in html  # the teams, when it is "groups"


def test_the_step_editor_saves_the_visibility_and_its_teams(as_designer, draft, teams):
    underwriting, funding = teams
    step = Step.objects.get(version=draft)
    data = post_data(step, visibility="groups", visibility_groups=[underwriting.pk, funding.pk])

    response = as_designer.post(reverse("builder:step-edit", args=[step.pk]), data)

    assert response.status_code == 302
    step.refresh_from_db()
    assert step.visibility == "groups"
    assert set(step.visibility_groups.all()) == {underwriting, funding}
    # Shared with participants again: the teams go.
    as_designer.post(reverse("builder:step-edit", args=[step.pk]),
                     post_data(step, visibility="participants"))  # fmt: skip
    step.refresh_from_db()
    assert (step.visibility, list(step.visibility_groups.all())) == ("participants", [])


def test_the_canvas_card_says_when_answers_are_shared(as_designer, draft):
    step = Step.objects.get(version=draft)
    canvas = reverse("builder:version", args=[draft.pk])
    assert "Answers shared with participants" not in as_designer.get(canvas).content.decode()
    Step.objects.filter(pk=step.pk).update(visibility="participants")
    assert "Answers shared with participants" in as_designer.get(canvas).content.decode()


def test_groups_need_a_team(as_designer, draft):
    step = Step.objects.get(version=draft)
    response = as_designer.post(
        reverse("builder:step-edit", args=[step.pk]), post_data(step, visibility="groups"), **HTMX
    )
    assert "Tick the teams that see the answers." in response.content.decode()
    step.refresh_from_db()
    assert step.visibility == "members"


def test_a_form_field_may_say_who_sees_its_answer(as_designer, draft, teams):
    rationale = FormField.objects.get(form__version=draft, key="rationale")
    edit = reverse("builder:field-edit", args=[rationale.pk])
    assert "As its step says" in as_designer.get(edit, **HTMX).content.decode()
    data = {"label": "Rationale", "key": "rationale", "type": "long_text"}

    response = as_designer.post(edit, {**data, "visibility": "groups"}, **HTMX)
    assert "Tick the teams that see the answer." in response.content.decode()

    response = as_designer.post(
        edit, {**data, "visibility": "groups", "visibility_groups": [teams[0].pk]}, **HTMX
    )
    assert "Seen by: only the teams Underwriting" in response.content.decode()
    rationale.refresh_from_db()
    assert list(rationale.visibility_groups.all()) == [teams[0]]

    response = as_designer.post(edit, {**data, "visibility": "participants"}, **HTMX)
    assert "Seen by: members and the run&#x27;s participants" in response.content.decode()
    rationale.refresh_from_db()
    assert (rationale.visibility, list(rationale.visibility_groups.all())) == ("participants", [])

    as_designer.post(edit, {**data, "visibility": ""}, **HTMX)
    rationale.refresh_from_db()
    assert rationale.visibility == ""  # as its step


def test_the_diff_names_visibility_changes(draft, teams):
    before = export_definition(draft)
    after = export_definition(draft)
    step = after["stages"][0]["steps"][0]
    step["visibility"], step["visibility_groups"] = "groups", ["Funding", "Underwriting"]
    after["forms"][0]["fields"][0]["visibility"] = "participants"

    diff = diff_definitions(before, after)

    (changed_step,) = diff.steps
    assert [(c.label, c.old_text, c.new_text) for c in changed_step.changes] == [
        ("Who sees its answers", "members", "only the teams Funding, Underwriting")
    ]
    (form,) = diff.forms
    (decision,) = form.items
    assert [(c.label, c.old_text, c.new_text) for c in decision.changes] == [
        ("Who sees the answer", "as its step", "members and participants")
    ]


def test_the_validation_panel_warns_about_an_email_to_participants(as_designer, draft, teams):
    # Sent back round a loop, the step's email is for an applicant (assigned by name):
    # it reads the rationale, which stays with the members.
    step = Step.objects.get(version=draft)
    Step.objects.filter(pk=step.pk).update(
        assignee_type="user",
        assignee_user=make_user("dana"),
        email_body="Reason: {{ steps.decide.rationale }}",
    )

    html = as_designer.get(reverse("builder:version-problems", args=[draft.pk])).content.decode()

    assert "Participants may not see steps.decide.rationale" in html
    assert "email" in html


def test_the_email_check_in_the_step_editor_warns_as_it_is_typed(as_designer, draft):
    # Back to the applicant, whose step is shared with participants.
    decide = Step.objects.get(version=draft)
    back = Stage.objects.create(version=draft, key="back", name="Back", position=1)
    step = Step.objects.create(
        version=draft, stage=back, key="answer", name="Answer", form=decide.form,
        assignee_type="expression", assignee_expression="record.applicant",
        visibility="participants",
    )  # fmt: skip
    FormField.objects.filter(key="decision").update(visibility="participants")

    def live(text):
        data = {
            "check_kind": "template",
            "check_setting": "step-start",
            "check_step": str(step.pk),
            "check_field": "email_body",
            "email_body": text,
        }
        url = reverse("builder:condition-check", args=[draft.pk])
        return as_designer.post(url, data, **HTMX).content.decode()

    assert "✓ ok" in live("Decision: {{ steps.decide.decision }}")
    warned = live("Why: {{ steps.decide.rationale }}")
    assert "Careful" in warned
    assert "Participants may not see steps.decide.rationale" in warned
    assert "Error" in live("{{ steps.decide.nope }}")  # errors first, as ever
