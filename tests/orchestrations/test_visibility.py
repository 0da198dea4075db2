"""Who sees a step's answers, a comment, a name: the rule, mostly without a database
(viewers are built by hand), then `viewer_of` / `viewers_of` against real people."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission

from orchestrations.engine import run_start, work_item_complete
from orchestrations.engine.definition import FormDef, StepDef, version_definition
from orchestrations.fields import FieldDef
from orchestrations.models import WorkItem
from orchestrations.visibility import (
    NOBODY,
    Viewer,
    answer_visibility,
    answers_visible_to,
    comment_shared,
    names_shared,
    participant_ids,
    seen_steps,
    sees_answer,
    sees_comment,
    viewer_of,
    viewers_of,
    visible_answers,
)
from tests.factories import VersionBuilder, field, make_group, make_user

UNDERWRITING, FUNDING = 7, 8
DANA, BEN, UMA = 101, 102, 103

# Underwriting's decision: the step keeps its answers for members, the decision is
# shared with participants, the limit only for the Underwriting team.
FIELDS = (
    FieldDef("decision", "Decision", "text", visibility="participants"),
    FieldDef("rationale", "Rationale", "long_text"),
    FieldDef("limit", "Limit", "number", visibility="groups",
             visibility_group_ids=frozenset({UNDERWRITING})),
)  # fmt: skip


def step_def(visibility: str = "members", groups: frozenset[int] = frozenset()) -> StepDef:
    return StepDef(
        id=1, key="underwriting", name="Underwriting", stage_key="u", kind="interactive",
        instructions="", start_when="stage_start", start_after=(), start_condition="",
        exit_condition="", form=FormDef(1, "u", "U", FIELDS), assignee_type="group",
        assignee_user_id=None, assignee_group_id=UNDERWRITING, assignee_expression="",
        due_in=None, email_subject="", email_body="", action="", action_inputs={},
        retry_max_attempts=1, retry_backoff_seconds=1, visibility=visibility,
        visibility_group_ids=groups,
    )  # fmt: skip


APPLICANT = Viewer(DANA, participant=True)
OTHER_APPLICANT = Viewer(BEN)  # an outside participant who is not in this run
UNDERWRITER = Viewer(UMA, member=True, group_ids=frozenset({UNDERWRITING}))
OFFICER = Viewer(104, member=True, group_ids=frozenset({99}))
SUPPORT = Viewer(105, support=True, member=True)
DECISION, RATIONALE, LIMIT = FIELDS


def test_a_field_follows_its_step_unless_it_says_otherwise():
    step = step_def("participants")
    assert answer_visibility(step, RATIONALE) == ("participants", frozenset())
    assert answer_visibility(step, LIMIT) == ("groups", frozenset({UNDERWRITING}))
    assert answer_visibility(step) == ("participants", frozenset())


def test_members_see_members_answers_and_participants_only_what_is_shared():
    step = step_def()
    assert [sees_answer(APPLICANT, step, f) for f in FIELDS] == [True, False, False]
    assert [sees_answer(OFFICER, step, f) for f in FIELDS] == [True, True, False]
    assert [sees_answer(UNDERWRITER, step, f) for f in FIELDS] == [True, True, True]
    assert [sees_answer(SUPPORT, step, f) for f in FIELDS] == [True, True, True]
    # Shared with participants means this run's: another applicant sees none of it.
    assert [sees_answer(OTHER_APPLICANT, step, f) for f in FIELDS] == [False, False, False]
    assert not sees_answer(NOBODY, step, DECISION)


def test_whoever_gave_an_answer_always_sees_it():
    step = step_def("groups", frozenset({FUNDING}))
    assert not sees_answer(UNDERWRITER, step, RATIONALE)
    assert sees_answer(UNDERWRITER, step, RATIONALE, given_by=[None, UMA])
    assert sees_answer(APPLICANT, step, RATIONALE, given_by=[DANA])


def test_outputs_outside_the_form_follow_the_step():
    values = {"decision": "Approve", "rationale": "Stable income", "limit": 5, "score": 700}
    assert visible_answers(APPLICANT, step_def(), values) == {"decision": "Approve"}
    assert visible_answers(OFFICER, step_def(), values) == {
        "decision": "Approve",
        "rationale": "Stable income",
        "score": 700,
    }
    assert visible_answers(APPLICANT, step_def("participants"), values) == {
        "decision": "Approve",
        "rationale": "Stable income",
        "score": 700,
    }


def test_names_are_shared_with_participants_only_by_a_step_shared_with_them():
    assert names_shared(OFFICER, step_def())
    assert not names_shared(APPLICANT, step_def())
    assert not names_shared(APPLICANT, None)
    assert names_shared(APPLICANT, step_def("participants"))
    # A field shared with participants shares its answer, not who gave it.
    assert not names_shared(APPLICANT, step_def("members"))


def test_internal_comments_are_for_members_and_shared_ones_for_the_run_participants():
    internal = SimpleNamespace(author_id=104, shared=False)
    shared = SimpleNamespace(author_id=104, shared=True)
    own = SimpleNamespace(author_id=DANA, shared=False)
    assert [sees_comment(APPLICANT, c) for c in (internal, shared, own)] == [False, True, True]
    assert [sees_comment(OFFICER, c) for c in (internal, shared, own)] == [True, True, True]
    assert [sees_comment(OTHER_APPLICANT, c) for c in (internal, shared)] == [False, False]
    assert sees_comment(SUPPORT, internal)


def test_the_context_a_template_reads_is_blanked_per_viewer():
    definition = SimpleNamespace(step_by_key={"underwriting": step_def()})
    uma = SimpleNamespace(pk=UMA)
    steps = {
        "underwriting": {
            "decision": "Approve",
            "rationale": "Stable",
            "limit": 5,
            "completed_by": uma,
            "completed_at": "2026-12-01",
        },
        "other": {"x": 1},
    }
    seen = seen_steps(APPLICANT, definition, steps)  # type: ignore[arg-type]
    assert seen == {
        "underwriting": {
            "decision": "Approve",
            "rationale": None,
            "limit": None,
            "completed_by": None,
            "completed_at": "2026-12-01",
        }
    }
    assert seen_steps(UNDERWRITER, definition, steps)["underwriting"]["limit"] == 5  # type: ignore[arg-type]
    assert seen_steps(UNDERWRITER, definition, steps, only=()) == {}  # type: ignore[arg-type]


# With the database: who a person is to a run ------------------------------------------


@pytest.fixture
def loan(db) -> SimpleNamespace:
    underwriting, lending = make_group("Underwriting"), make_group("Lending")
    support = make_user("sue", is_staff=True)
    support.user_permissions.add(Permission.objects.get(codename="view_run"))
    people = SimpleNamespace(
        dana=make_user("dana"),
        ben=make_user("ben"),
        lola=make_user("lola", lending),
        uma=make_user("uma", underwriting),
        sue=support,
        underwriting=underwriting,
    )
    b = VersionBuilder("loan")
    application = b.form("application", [field("income", "decimal", required=True)])
    decision = b.form(
        "decision",
        [
            field("decision"),
            field("rationale", visibility="groups", visibility_groups=[underwriting]),
        ],
    )
    stage = b.stage("only")
    first = b.step(stage, "application", form=application, expression="vars.applicant",
                   visibility="participants")  # fmt: skip
    b.step(stage, "underwriting", form=decision, group=underwriting, after=[first])
    b.input("applicant")
    people.version = b.activate()
    people.run = run_start(people.version, variables={"applicant": "dana"}, started_by=people.lola)
    item = WorkItem.objects.get(run=people.run)
    work_item_complete(item, by=people.dana, data={"income": "90000"})
    return people


def test_viewer_of_says_who_a_person_is_to_the_run(loan, django_assert_max_num_queries):
    dana = viewer_of(loan.dana, loan.run)
    assert (dana.member, dana.participant, dana.support) == (False, True, False)
    assert viewer_of(loan.ben, loan.run) == Viewer(loan.ben.pk)
    uma = viewer_of(loan.uma, loan.run)
    assert (uma.member, uma.participant, uma.group_ids) == (
        True,
        False,
        frozenset({loan.underwriting.pk}),
    )
    assert viewer_of(loan.sue, loan.run).support
    assert viewer_of(None, loan.run) == NOBODY
    with django_assert_max_num_queries(4):  # a member: membership, teams, permissions (2)
        viewer_of(loan.lola, loan.run)
    # Teams are asked only where some answer is kept for teams.
    another = make_user("uma2", loan.underwriting)
    assert viewer_of(another, run_start(b_plain(), started_by=another)).group_ids == frozenset()


def test_viewers_of_many_people_at_once(loan, django_assert_max_num_queries):
    ids = [loan.dana.pk, loan.ben.pk, loan.uma.pk, loan.sue.pk, loan.lola.pk]
    with django_assert_max_num_queries(6):
        viewers = viewers_of(ids, loan.run)
    assert {pk: viewer_of(user, loan.run) for pk, user in zip(ids, (
        loan.dana, loan.ben, loan.uma, loan.sue, loan.lola), strict=True)} == viewers  # fmt: skip
    assert participant_ids(loan.run) == {loan.dana.pk}


def b_plain():
    b = VersionBuilder("plain")
    b.step(b.stage("s"), "s", form=b.form("f", [field("x")]), group=make_group("Underwriting"))
    return b.activate()


def test_answers_visible_to_asks_the_rule_for_one_person(loan):
    step = version_definition(loan.version).step_by_key["underwriting"]
    rationale = step.fields[1]
    assert answers_visible_to(loan.uma, loan.run, step, rationale)
    assert not answers_visible_to(loan.lola, loan.run, step, rationale)  # not Underwriting
    assert not answers_visible_to(loan.dana, loan.run, step, rationale)


def test_an_outside_participants_comment_is_always_shared(loan):
    assert comment_shared(loan.dana, False)
    assert not comment_shared(loan.lola, False)
    assert comment_shared(loan.lola, True)
