"""Starting a run the way any caller does (no view): what a manual start checks before
a run exists, the record it is about, and the run's label."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from demo.models import Account, LoanApplication
from orchestrations.engine import NotAllowed, run_start
from orchestrations.models import Run
from orchestrations.models.choices import TriggerOn, TriggerType
from orchestrations.records import pickable_records, search_records
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db


def grant(user, *codenames):
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # permissions are cached on the object


@pytest.fixture
def officer():
    return grant(make_user("lola", make_group("Lending")), "add_run")


@pytest.fixture
def dana():
    return make_user("dana", first_name="Dana", last_name="Whitfield")


@pytest.fixture
def loans():
    """Loans about a loan application; the applicant fills in the first step, the
    amount must be positive and the term between 6 and 480 months."""
    b = VersionBuilder(
        "loans",
        trigger_model="demo.LoanApplication",
        label_template="{{ record.purpose }} loan for {{ record.applicant_name }}, "
        "{{ vars.term }} months",
    )
    b.input("term", "number", required=True, min_value=6, max_value=480)
    b.input("deposit", "decimal", min_value=0)
    b.step(
        b.stage("apply"), "details", form=b.form("f", [field("x")]), expression="record.applicant"
    )
    b.activate()
    return b.orchestration


@pytest.fixture
def referrals():
    """No record: the referrer (a person input) gets the first step."""
    b = VersionBuilder("referrals", label_template="Referral by {{ vars.referrer }}")
    b.input("referrer", "person", required=True)
    b.input("notes")
    b.step(b.stage("s"), "call", form=b.form("f", [field("x")]), expression="vars.referrer")
    b.activate()
    return b.orchestration


def application(applicant, amount=18_000, purpose="Vehicle"):
    return LoanApplication.objects.create(
        applicant=applicant, amount=Decimal(amount), purpose=purpose
    )


def refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


# --- Inputs -------------------------------------------------------------------------------


def test_inputs_out_of_range_are_refused_by_field_and_no_run_exists(loans, officer, dana):
    errors = refusal(
        lambda: run_start(
            loans,
            record=application(dana),
            variables={"term": 600, "deposit": "-5"},
            started_by=officer,
        )
    )

    assert errors == {
        "term": ["Ensure this value is less than or equal to 480."],
        "deposit": ["Ensure this value is greater than or equal to 0."],
    }
    assert not Run.objects.exists()


def test_a_person_input_names_an_active_person_and_is_stored_by_username(referrals, dana):
    run = run_start(referrals, variables={"referrer": "DANA@example.com"})

    assert run.variables == {"referrer": "dana", "notes": None}
    assert run.work_items.get().assignee_user == dana
    assert run.label == "Referral by dana"


@pytest.mark.parametrize("given", ["nobody-here", "gone"])
def test_an_unknown_or_inactive_person_is_refused_next_to_the_input(referrals, given):
    make_user("gone", is_active=False)

    errors = refusal(lambda: run_start(referrals, variables={"referrer": given}))

    assert errors == {
        "referrer": ["Nobody active has this username or email address: check the spelling."]
    }
    assert not Run.objects.exists()


def test_a_text_input_that_names_nobody_is_refused_before_a_run_exists():
    # The first step goes to whoever the input names: a typo would stop the run at once.
    b = VersionBuilder("tasks")
    b.input("owner")
    b.step(b.stage("s"), "t", form=b.form("f", [field("x")]), expression="vars.owner")
    b.activate()

    errors = refusal(lambda: run_start(b.orchestration, variables={"owner": "nobdy"}))

    assert errors == {
        "owner": ["The assignee of 'T' (vars.owner = 'nobdy') is not a user or a team."]
    }
    assert not Run.objects.exists()


def test_a_record_whose_field_names_nobody_is_refused_under_record(loans, officer):
    errors = refusal(
        lambda: run_start(
            loans, record=application(None), variables={"term": 12}, started_by=officer
        )
    )

    assert errors == {
        "record": ["The assignee of 'Details' (record.applicant = None) is not a user or a team."]
    }
    assert not Run.objects.exists()


def test_a_record_triggered_run_whose_assignee_names_nobody_still_starts_in_error(
    after_commit,
):
    b = VersionBuilder(
        "onboarding", trigger_type=TriggerType.RECORD, trigger_model="demo.Account",
        trigger_on=TriggerOn.CREATED,
    )  # fmt: skip
    b.step(b.stage("s"), "kickoff", form=b.form("f", [field("x")]), expression="record.owner")
    b.activate()

    with after_commit():
        Account.objects.create(name="Ownerless")

    assert Run.objects.get().status == "error"  # support is told, rather than nothing


# --- The record ---------------------------------------------------------------------------


def test_a_start_without_the_record_or_with_another_model_is_refused(loans, officer, dana):
    without = refusal(lambda: run_start(loans, variables={"term": 12}, started_by=officer))
    account = Account.objects.create(name="Acme", owner=dana)
    other = refusal(
        lambda: run_start(loans, record=account, variables={"term": 12}, started_by=officer)
    )

    assert without == {"record": ["Choose the loan application this run of Loans is about."]}
    assert other == {"record": ["Runs of Loans are about loan applications, not accounts."]}
    assert not Run.objects.exists()


def test_a_run_started_with_a_record_has_it_and_its_label(loans, officer, dana):
    car = application(dana)

    run = run_start(loans, record=car, variables={"term": 48}, started_by=officer)

    run.refresh_from_db()
    assert run.record == car
    assert run.record_label == "Loan for Dana Whitfield ($18,000)"
    assert run.label == "Vehicle loan for Dana Whitfield, 48 months"
    assert str(run) == run.label
    assert run.work_items.get().assignee_user == dana


def test_the_label_is_made_again_when_the_record_is_saved(loans, officer, dana, after_commit):
    car = application(dana)
    run = run_start(loans, record=car, variables={"term": 48}, started_by=officer)

    with after_commit():
        car.purpose = "Small business"
        car.amount = Decimal(25_000)
        car.save()

    run.refresh_from_db()
    assert run.label == "Small business loan for Dana Whitfield, 48 months"
    assert run.record_label == "Loan for Dana Whitfield ($25,000)"


def test_a_label_that_cannot_be_made_leaves_the_run_named_by_its_process(dana):
    b = VersionBuilder("broken_label", label_template="{{ vars.n / 0 }}")
    b.input("n", "number")
    b.step(b.stage("s"), "t", form=b.form("f", [field("x")]), user=dana)
    b.activate()

    run = run_start(b.orchestration, variables={"n": 1})

    assert run.label == ""
    assert str(run) == f"Broken label #{run.pk}"
    assert run.status == "in_progress"


def test_emails_about_the_run_call_it_by_its_label(loans, officer, dana, mailoutbox, after_commit):
    with after_commit():
        run_start(loans, record=application(dana), variables={"term": 48}, started_by=officer)

    email = mailoutbox[0]
    assert email.subject == "New work: Details (Vehicle loan for Dana Whitfield, 48 months)"
    assert "Details is waiting for you in Vehicle loan for Dana Whitfield, 48 months." in email.body


# --- Who may pick which record -------------------------------------------------------------


def test_an_owner_may_pick_their_own_records_only(loans, dana):
    designer = grant(make_user("designer"), "change_orchestration")
    own, others = application(designer), application(dana)

    assert list(pickable_records(designer, LoanApplication)) == [own]
    with pytest.raises(NotAllowed, match="Designer may not start a run about Loan for Dana"):
        run_start(loans, record=others, variables={"term": 12}, started_by=designer)
    assert run_start(loans, record=own, variables={"term": 12}, started_by=designer).record == own


def test_the_start_or_the_models_view_permission_may_pick_any_record(officer, dana):
    viewer = grant(make_user("viewer"), "view_loanapplication")
    records = {application(dana), application(officer)}

    assert set(pickable_records(officer, LoanApplication)) == records
    assert set(pickable_records(viewer, LoanApplication)) == records
    assert not pickable_records(make_user("stranger"), LoanApplication).exists()
    assert not pickable_records(None, LoanApplication).exists()
    assert not pickable_records(make_user("old", is_active=False), LoanApplication).exists()


def test_records_are_searched_by_the_fields_the_model_declares_or_by_number(dana):
    ben = make_user("ben", first_name="Ben", last_name="Carter")
    car, house = application(dana), application(ben, purpose="Home purchase")
    records = LoanApplication.objects.all()

    assert list(search_records(records, "whit")) == [car]  # applicant_name
    assert list(search_records(records, "ben@example")) == [house]  # applicant__email
    assert list(search_records(records, "home")) == [house]  # purpose
    assert list(search_records(records, str(car.pk))) == [car]
    assert list(search_records(records, "")) == [house, car]  # the model's order
