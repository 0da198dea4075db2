"""A step's email is rendered for each recipient as they may see the answers it reads:
the applicant and the team get different emails about the same run."""

from types import SimpleNamespace

import pytest
from django.core import mail

from orchestrations.engine import run_start, work_item_claim, work_item_complete
from orchestrations.models import WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db

BACK_TO_APPLICANT = (
    "Decision: {{ steps.decide.decision }}. Why: {{ steps.decide.rationale }}. "
    "Limit: {{ steps.decide.limit }}. By: {{ steps.decide.completed_by }}."
)


@pytest.fixture
def people():
    underwriting, funding = make_group("Underwriting"), make_group("Funding")
    return SimpleNamespace(
        underwriting=underwriting,
        funding=funding,
        dana=make_user("dana"),  # the applicant, in no team
        uma=make_user("uma", underwriting, first_name="Uma"),
        fay=make_user("fay", funding),
        felix=make_user("felix", funding, underwriting),  # in both teams
    )


@pytest.fixture
def loan(people):
    """Underwriting decides (the decision shared, the rationale internal, the limit only
    for Underwriting); then the applicant and Funding are told, in parallel."""
    b = VersionBuilder("loan")
    decision = b.form(
        "decision",
        [
            field("decision", visibility="participants"),
            field("rationale", "long_text"),
            field("limit", "number", visibility="groups",
                  visibility_groups=[people.underwriting]),
        ],
    )  # fmt: skip
    notes = b.form("notes", [field("notes")])
    b.step(b.stage("underwriting"), "decide", form=decision, group=people.underwriting)
    after = b.stage("after")
    b.step(after, "answer", form=notes, user=people.dana, visibility="participants",
           email_subject="Your loan: {{ steps.decide.decision }}",
           email_body=BACK_TO_APPLICANT)  # fmt: skip
    b.step(after, "fund", form=notes, group=people.funding,
           email_subject="To fund: {{ steps.decide.decision }}",
           email_body=BACK_TO_APPLICANT)  # fmt: skip
    return b.activate()


def sent_to(address):
    return [email for email in mail.outbox if address in email.to]


def test_each_recipient_reads_only_the_answers_they_may_see(people, loan, after_commit):
    with after_commit():
        run = run_start(loan)
    item = WorkItem.objects.get(run=run)
    work_item_claim(item, by=people.uma)
    mail.outbox.clear()

    with after_commit():
        work_item_complete(
            item, by=people.uma, data={"decision": "Approve", "rationale": "Stable", "limit": 9}
        )

    # The applicant: the decision, nothing internal, not who decided.
    (to_dana,) = sent_to("dana@example.com")
    assert to_dana.subject == "Your loan: Approve"
    assert to_dana.body.startswith("Decision: Approve. Why: . Limit: . By: .")
    assert "Stable" not in to_dana.body
    # Funding: the rationale (members), not the limit (Underwriting's); Felix, also in
    # Underwriting, gets his own email with it.
    (to_fay,) = sent_to("fay@example.com")
    assert to_fay.to == ["fay@example.com"]
    assert to_fay.body.startswith("Decision: Approve. Why: Stable. Limit: . By: Uma.")
    (to_felix,) = sent_to("felix@example.com")
    assert to_felix.to == ["felix@example.com"]
    assert to_felix.body.startswith("Decision: Approve. Why: Stable. Limit: 9. By: Uma.")
    assert len(mail.outbox) == 3


def test_one_email_for_a_team_that_sees_the_same(people, loan, after_commit):
    people.felix.groups.remove(people.underwriting)
    make_user("finn", people.funding)
    with after_commit():
        run = run_start(loan)
    item = WorkItem.objects.get(run=run)
    work_item_claim(item, by=people.uma)
    mail.outbox.clear()
    with after_commit():
        work_item_complete(
            item, by=people.uma, data={"decision": "Approve", "rationale": "Stable", "limit": 9}
        )

    (to_funding,) = [email for email in mail.outbox if "fay@example.com" in email.to]
    assert sorted(to_funding.to) == ["fay@example.com", "felix@example.com", "finn@example.com"]


def test_a_text_that_reads_no_answers_goes_to_everybody_at_once(
    people, after_commit, django_assert_max_num_queries
):
    b = VersionBuilder("plain")
    b.step(b.stage("s"), "task", form=b.form("f", [field("notes")]), group=people.funding,
           email_subject="Hello {{ run.id }}", email_body="Plain")  # fmt: skip
    b.activate()
    with after_commit():
        run_start(b.orchestration)
    (email,) = mail.outbox
    assert sorted(email.to) == ["fay@example.com", "felix@example.com"]


def test_a_text_that_reads_into_a_hidden_name_falls_back_to_the_default(people, loan, after_commit):
    step = loan.steps.get(key="answer")
    step.email_body = "Decided by {{ steps.decide.completed_by.first_name }}."
    type(step).objects.filter(pk=step.pk).update(email_body=step.email_body)
    with after_commit():
        run = run_start(loan)
    item = WorkItem.objects.get(run=run)
    work_item_claim(item, by=people.uma)
    mail.outbox.clear()
    with after_commit():
        work_item_complete(item, by=people.uma, data={"decision": "Approve", "rationale": "x"})

    (to_dana,) = sent_to("dana@example.com")
    assert to_dana.body.startswith("Answer is waiting for you in")  # the default text
    assert "Uma" not in to_dana.body


def test_a_starter_outside_the_staff_is_told_a_run_stopped_but_not_the_error(
    people, after_commit, settings
):
    settings.SUPPORT_EMAILS = ["support@example.com"]
    b = VersionBuilder("broken")
    stage = b.stage("s")
    # A step after the first (a start checks only the first steps' assignees).
    first = b.step(stage, "first", action="set_variables", action_inputs={"values": {}})
    b.step(stage, "s", form=b.form("f", [field("x")]), expression="vars.nobody", after=[first])
    b.input("nobody")
    b.activate()
    with after_commit():
        run_start(b.orchestration, variables={"nobody": "ghost"}, started_by=people.dana)

    (to_support,) = sent_to("support@example.com")
    assert "ghost" in to_support.body  # the error, for the staff
    (to_dana,) = sent_to("dana@example.com")
    assert to_dana.subject.startswith("Your request is held up")
    assert "ghost" not in to_dana.body
    assert "vars.nobody" not in to_dana.body


@pytest.mark.parametrize(
    ("to", "sees_rationale"),
    [
        ("uma@example.com", True),  # a member
        ("UMA@example.com", True),  # addresses are compared without case
        ("dana@example.com", False),  # the applicant, an outside participant
        ("someone@elsewhere.example", False),  # nobody's account: read as an outsider
        (["uma@example.com", "dana@example.com"], False),  # the least-sighted reader
    ],
)
def test_a_send_email_step_reads_the_answers_as_its_readers_may(
    people, after_commit, to, sees_rationale
):
    b = VersionBuilder("told")
    form = b.form("decision", [field("decision", visibility="participants"),
                               field("rationale", "long_text")])  # fmt: skip
    b.step(b.stage("decide"), "decide", form=form, group=people.underwriting)
    b.step(b.stage("tell"), "tell", action="send_email", action_inputs={
        "to": to,
        "subject": "Decision: {{ steps.decide.decision }}",
        "body": "Why: {{ steps.decide.rationale }}.",
    })  # fmt: skip
    b.activate()
    with after_commit():
        run = run_start(b.orchestration)
    item = WorkItem.objects.get(run=run)
    work_item_claim(item, by=people.uma)
    mail.outbox.clear()

    with after_commit():
        work_item_complete(item, by=people.uma, data={"decision": "Approve", "rationale": "Stable"})

    (email,) = [e for e in mail.outbox if e.subject.startswith("Decision")]
    assert email.subject == "Decision: Approve"  # shared with participants: everyone reads it
    assert email.body == ("Why: Stable." if sees_rationale else "Why: .")
