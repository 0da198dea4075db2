"""Who sees a step's answers, in the definition format: the keys, their checks, what an
import stores and the engine reads, and the warning about emails participants read."""

import pytest

from orchestrations.definition import export_definition, import_definition, validate_definition
from orchestrations.engine.definition import version_definition
from orchestrations.models import FormField, Step
from tests.factories import make_group, make_user
from tests.orchestrations.definitions import make_people, small_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    make_group("Underwriting")
    make_user("dana")  # an outside participant: in no team
    return make_people()


def definition(step=None, fields=None):
    """The small definition with a form of three fields; `step`, `fields` (by key)
    merged into its step and fields."""
    data = small_definition()
    data["forms"][0]["fields"] = [
        {"key": "decision", "label": "Decision", "type": "text"},
        {"key": "rationale", "label": "Rationale", "type": "long_text"},
        {"key": "limit", "label": "Limit", "type": "number"},
    ]
    for spec in data["forms"][0]["fields"]:
        spec.update((fields or {}).get(spec["key"], {}))
    data["stages"][0]["steps"][0].update(step or {})
    return data


def messages(data):
    return [str(problem) for problem in validate_definition(data)]


def test_visibility_is_stored_and_read_back(people):
    data = definition(
        step={"visibility": "groups", "visibility_groups": ["Underwriting", "Sales"]},
        fields={"decision": {"visibility": "participants"}},
    )
    version = import_definition(data)

    step = Step.objects.get(version=version)
    assert step.visibility == "groups"
    assert sorted(g.name for g in step.visibility_groups.all()) == ["Sales", "Underwriting"]
    decision = FormField.objects.get(form__version=version, key="decision")
    assert (decision.visibility, list(decision.visibility_groups.all())) == ("participants", [])
    exported = export_definition(version)
    written = exported["stages"][0]["steps"][0]
    assert (written["visibility"], written["visibility_groups"]) == (
        "groups",
        ["Sales", "Underwriting"],  # sorted: the same file from every database
    )
    assert [f["visibility"] for f in exported["forms"][0]["fields"]] == [
        "participants",
        None,  # as its step
        None,
    ]
    snapshot = version_definition(version).step_by_key["write"]
    assert snapshot.visibility == "groups"
    assert len(snapshot.visibility_group_ids) == 2
    assert [f.visibility for f in snapshot.fields] == ["participants", "", ""]


def test_without_a_visibility_a_step_keeps_its_answers_for_members(people):
    exported = export_definition(import_definition(small_definition()))
    step = exported["stages"][0]["steps"][0]
    assert (step["visibility"], step["visibility_groups"]) == ("members", [])


def test_a_fields_teams(people):
    data = definition(
        fields={"limit": {"visibility": "groups", "visibility_groups": ["Underwriting"]}}
    )
    version = import_definition(data)
    limit = version_definition(version).step_by_key["write"].fields[2]
    assert limit.visibility == "groups"
    underwriting = FormField.objects.get(key="limit").visibility_groups.get()
    assert limit.visibility_group_ids == {underwriting.pk}


def test_wrong_visibilities_are_errors_with_their_place(people):
    data = definition(
        step={"visibility": "everyone"},
        fields={
            "decision": {"visibility": "groups"},
            "rationale": {"visibility": "groups", "visibility_groups": ["Underwritting", 3]},
            "limit": {"visibility": "groups", "visibility_groups": ["Sales", "Sales"]},
        },
    )
    assert messages(data) == [
        '$.forms[0].fields[0].visibility_groups: Name at least one team for "groups".',
        "$.forms[0].fields[1].visibility_groups[1]: Must be a team's name.",
        "$.forms[0].fields[2].visibility_groups: Teams repeat.",
        "$.stages[0].steps[0].visibility: 'everyone' is not one of: participants, members, groups.",
        "$.forms[0].fields[1].visibility_groups: No group 'Underwritting'. Did you mean "
        "'Underwriting'?",
    ]


def test_teams_without_groups_are_ignored_with_a_warning(people):
    data = definition(step={"visibility": "members", "visibility_groups": ["Sales"]})
    assert messages(data) == [
        '$.stages[0].steps[0].visibility_groups: Ignored: the visibility is not "groups". (warning)'
    ]
    step = export_definition(import_definition(data))["stages"][0]["steps"][0]
    assert step["visibility_groups"] == []


# Emails that participants read ---------------------------------------------------------


def two_steps(first_email, *, assignee=None, **second):
    """A staff step (`write`) whose answers the next step's email reads; the next step is
    the applicant's (shared with participants) unless `second` says otherwise."""
    data = definition(fields={"decision": {"visibility": "participants"}})
    data["stages"][0]["steps"].append(
        {
            "key": "answer",
            "name": "Answer",
            "type": "interactive",
            "form": "notes",
            "assignee": assignee or {"expression": "record.applicant"},
            "start": {"after": ["write"]},
            "due_in": "P1D",
            "email": {"subject": "Your application", "body": first_email},
            "visibility": "participants",
            **second,
        }
    )
    return data


def test_an_email_shown_to_participants_may_read_only_what_is_shared(people):
    assert messages(two_steps("Decision: {{ steps.write.decision }}")) == []
    email = (
        "{{ steps.write.decision }}: {{ steps.write.rationale }} by "
        "{{ steps.write.completed_by.first_name }} at {{ steps.write.completed_at }}"
    )
    assert messages(two_steps(email)) == [
        "$.stages[0].steps[1].email.body: Participants may not see steps.write.rationale "
        "(its answer is not shared with them): it is blank in their email. Share it (who "
        "sees the answers) or leave it out. (warning)",
        "$.stages[0].steps[1].email.body: Participants may not see "
        "steps.write.completed_by (who completed it is not shared with them): it is blank "
        "in their email. Share it (who sees the answers) or leave it out. (warning)",
    ]


def test_only_emails_that_may_reach_participants_are_checked(people):
    reads = "{{ steps.write.rationale }}"
    # The staff's own step, assigned by expression: whom it gives is not known.
    assert messages(two_steps(reads, visibility="members")) == []
    # A team queue: members only.
    assert messages(two_steps(reads, visibility="members", assignee={"group": "Sales"})) == []
    # Assigned by name to an outside participant.
    named = two_steps(reads, visibility="members", assignee={"user": "dana"})
    assert [p.path for p in validate_definition(named)] == ["$.stages[0].steps[1].email.body"]


def test_an_emailing_action_warns_when_an_outside_reader_would_find_an_answer_blank(people):
    data = definition(fields={"decision": {"visibility": "participants"}})
    data["stages"][0]["steps"].append(
        {
            "key": "tell",
            "name": "Tell",
            "type": "background",
            "action": "send_email",
            "inputs": {
                "to": "{{ record.applicant.email }}",
                "subject": "Decision: {{ steps.write.decision }}",
                "body": "Why: {{ steps.write.rationale }}",
            },
            "start": {"after": ["write"]},
        }
    )

    assert messages(data) == [
        "$.stages[0].steps[1].inputs.body: Participants may not see steps.write.rationale "
        "(its answer is not shared with them): it is blank in an outside reader's email. "
        "Share it (who sees the answers) or leave it out. (warning)",
    ]
