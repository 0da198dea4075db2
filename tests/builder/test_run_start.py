"""The Start run page of a manual orchestration."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from demo.models import LoanApplication
from orchestrations.engine import run_start
from orchestrations.models import Run, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user


@pytest.fixture
def sales(db):
    return make_group("Sales")


@pytest.fixture
def loans(db, sales):
    """Loan origination: amount (decimal, required), purpose (choice), term (default 60)."""
    b = VersionBuilder("loans")
    b.input("amount", "decimal", label="Amount", required=True)
    b.input("purpose", "choice", label="Purpose", choices=["Home", "Car"], required=True)
    b.input("term", "number", label="Term", default=60)
    b.input("start_on", "date", label="Start on")
    stage = b.stage("intake")
    b.step(stage, "review", form=b.form("review", [field("ok", "yes_no")]), group=sales)
    b.activate()
    return b.orchestration


def client_for(*codenames):
    user = make_user("_".join(codenames) or "nobody")
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client, user


def url(orchestration):
    return reverse("builder:run-start", args=[orchestration.pk])


def test_the_page_asks_for_the_input_variables_with_defaults(loans):
    client, _ = client_for("change_orchestration")

    response = client.get(url(loans))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="amount"' in html
    assert '<option value="Home">Home</option>' in html
    assert 'name="term" value="60"' in html
    assert "Start run" in html


def test_starting_a_run_stores_typed_variables_and_opens_the_run_page(loans, sales):
    client, user = client_for("add_run")

    response = client.post(
        url(loans), {"amount": "25000.50", "purpose": "Car", "term": "36", "start_on": "2030-01-31"}
    )

    run = Run.objects.get(orchestration=loans)
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:run-detail", args=[run.pk])
    assert run.started_by == user
    assert run.variables == {
        "amount": "25000.50",
        "purpose": "Car",
        "term": 36,
        "start_on": "2030-01-31",
    }
    assert WorkItem.objects.filter(step_run__run=run, assignee_group=sales).exists()
    followed = client.get(response["Location"])
    assert f"“Loans #{run.pk}” started." in followed.content.decode()


def test_invalid_values_come_back_next_to_their_fields_and_nothing_starts(loans):
    client, _ = client_for("add_run")

    response = client.post(url(loans), {"amount": "lots", "purpose": "Boat", "term": "12"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a number." in html
    assert "Select a valid choice" in html
    assert 'value="lots"' in html
    assert 'name="term" value="12"' in html
    assert not Run.objects.exists()


def test_a_record_triggered_orchestration_explains_that_runs_start_from_records(db):
    b = VersionBuilder(
        "accounts", trigger_type="record", trigger_model="auth.User", trigger_on="created"
    )
    b.step(b.stage("one"), "call", group=make_group("Sales"), form=b.form("call", []))
    b.activate()
    client, _ = client_for("change_orchestration")

    html = client.get(url(b.orchestration)).content.decode()

    assert "start from their records" in html
    assert "<code>auth.User</code> is created" in html
    assert "Start run</button>" not in html
    assert client.post(url(b.orchestration), {}).status_code == 200
    assert not Run.objects.exists()


def test_without_an_active_version_the_page_explains(db):
    b = VersionBuilder("drafty")
    client, _ = client_for("change_orchestration")

    html = client.get(url(b.orchestration)).content.decode()

    assert "has no active version yet" in html
    assert "Start run</button>" not in html


def test_an_outsider_gets_403(loans):
    client, _ = client_for()

    assert client.get(url(loans)).status_code == 403
    assert client.post(url(loans), {"amount": "1", "purpose": "Car"}).status_code == 403
    assert not Run.objects.exists()


def test_anonymous_users_are_sent_to_log_in(loans):
    response = Client().get(url(loans))

    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_the_inputs_carry_their_limits_and_a_value_over_one_comes_back(db, sales):
    b = VersionBuilder("accounts")
    b.input("account", label="Account", required=True)
    b.input("seats", "number", label="Seats")
    b.step(b.stage("s"), "t", form=b.form("f", [field("ok", "yes_no")]), group=sales)
    b.activate()
    client, _ = client_for("add_run")
    assert 'maxlength="1000"' in client.get(url(b.orchestration)).content.decode()

    response = client.post(url(b.orchestration), {"account": "A" * 1001, "seats": "1" * 16})

    html = response.content.decode()
    assert "Ensure this value has at most 1000 characters (it has 1001)." in html
    assert "Enter a whole number of at most 15 digits." in html
    assert f'value="{"A" * 1001}"' in html
    assert not Run.objects.exists()


# --- A record to pick (or create), inputs checked with it -----------------------------------


@pytest.fixture
def applications(db):
    """Loan origination about a loan application (new ones may be created here): the
    applicant gets the first step; a term of 6 to 480 months; a co-signer (a person)."""
    b = VersionBuilder(
        "applications",
        trigger_model="demo.LoanApplication",
        record_create=True,
        label_template="{{ record.purpose }} loan for {{ record.applicant_name }}",
    )
    b.input("term", "number", label="Term", required=True, min_value=6, max_value=480)
    b.input("cosigner", "person", label="Co-signer")
    b.input("notes", "long_text", label="Notes")
    b.step(
        b.stage("apply"), "details", form=b.form("f", [field("x")]), expression="record.applicant"
    )
    b.activate()
    return b.orchestration


def apply_for(applicant, amount=18_000, purpose="Vehicle"):
    return LoanApplication.objects.create(applicant=applicant, amount=amount, purpose=purpose)


def records_url(orchestration, **query):
    return reverse("builder:run-start-records", args=[orchestration.pk]) + (
        "?" + urlencode(query) if query else ""
    )


def radios(html):
    """The records offered: (value, label, disabled)."""
    found = re.findall(r'<input type="radio" name="record" value="(\d+)"([^>]*)>\s*([^<\n]+)', html)
    return [(value, label.strip(), "disabled" in attrs) for value, attrs, label in found]


def test_bad_inputs_and_no_record_come_back_next_to_their_fields_with_everything_kept(
    applications,
):
    client, _ = client_for("add_run")

    response = client.post(
        url(applications),
        {"record_q": "dan", "term": "-3", "cosigner": "nobdy", "notes": "Called twice."},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 6." in html
    assert "Nobody active has this username or email address" in html
    assert 'id="record-error">Choose one of the loan applications listed, or create one.' in html
    assert 'name="term" value="-3"' in html
    assert 'value="nobdy"' in html
    assert "Called twice.</textarea>" in html
    assert 'name="record_q" value="dan"' in html
    assert not Run.objects.exists()


def test_a_picked_record_starts_a_run_about_it_with_its_label(applications):
    client, user = client_for("add_run")
    dana = make_user("dana", first_name="Dana", last_name="Whitfield")
    car = apply_for(dana)

    response = client.post(url(applications), {"record": str(car.pk), "term": "48"})

    run = Run.objects.get()
    assert response["Location"] == reverse("inbox:run-detail", args=[run.pk])
    assert (run.record, run.label, run.started_by) == (car, "Vehicle loan for Dana Whitfield", user)
    assert (
        "“Vehicle loan for Dana Whitfield” started."
        in client.get(response["Location"]).content.decode()
    )


def test_a_record_the_person_may_not_pick_is_refused_next_to_the_choice(applications):
    client, _ = client_for("change_orchestration")  # a designer, who owns no application
    car = apply_for(make_user("dana"))

    response = client.post(url(applications), {"record": str(car.pk), "term": "48"})

    assert "Choose one of the loan applications listed" in response.content.decode()
    assert not Run.objects.exists()


def test_the_type_ahead_lists_only_records_the_person_may_pick_at_most_twenty(applications):
    designer = make_user("designer")
    designer.user_permissions.add(Permission.objects.get(codename="change_orchestration"))
    own = [apply_for(designer, amount=1_000 + n) for n in range(25)]
    others = apply_for(make_user("dana"))
    client = Client()
    client.force_login(designer)

    html = client.get(records_url(applications, record_q="")).content.decode()
    listed = [value for value, _, _ in radios(html)]

    assert len(listed) == 20
    assert str(others.pk) not in listed
    assert set(listed) <= {str(r.pk) for r in own}
    assert "20 loan applications listed; more match" in html
    officer, _ = client_for("add_run")
    dana = radios(officer.get(records_url(applications, record_q="dana")).content.decode())
    assert [value for value, _, _ in dana] == [str(others.pk)]


def test_the_type_ahead_keeps_the_chosen_record_and_marks_those_with_an_open_run(applications):
    client, user = client_for("add_run")
    dana, ben = make_user("dana", last_name="Whitfield"), make_user("ben", last_name="Carter")
    busy, car, house = apply_for(dana), apply_for(dana, 9_000), apply_for(ben)
    run_start(applications, record=busy, variables={"term": 12}, started_by=user)

    html = client.get(records_url(applications, record_q="whitfield", record=house.pk))

    offered = radios(html.content.decode())
    assert [(value, disabled) for value, _, disabled in offered] == [
        (str(house.pk), False), (str(car.pk), False), (str(busy.pk), True)
    ]  # fmt: skip
    assert f'value="{house.pk}" checked' in html.content.decode()
    assert "already has an open run" in html.content.decode()


def test_the_search_button_shows_the_page_again_with_results_and_no_errors(applications):
    client, _ = client_for("add_run")
    car = apply_for(make_user("dana", last_name="Whitfield"))
    apply_for(make_user("ben", last_name="Carter"))

    response = client.post(url(applications), {"find": "1", "record_q": "whit", "term": "600"})

    html = response.content.decode()
    assert [value for value, _, _ in radios(html)] == [str(car.pk)]
    assert 'name="term" value="600"' in html
    assert "less than or equal" not in html
    assert "need another look" not in html
    assert not Run.objects.exists()


def test_a_new_record_is_created_with_the_run_and_not_without_it(applications):
    client, _ = client_for("add_run")
    dana = make_user("dana", first_name="Dana", last_name="Whitfield")
    new = {
        "record": "new",
        "new-applicant": "dana",
        "new-amount": "12000",
        "new-purpose": "Vehicle",
    }

    refused = client.post(url(applications), {**new, "new-amount": "-1", "term": "0"})
    html = refused.content.decode()
    assert "Ensure this value is greater than or equal to 1000." in html
    assert "Ensure this value is greater than or equal to 6." in html
    assert 'value="-1"' in html
    assert not LoanApplication.objects.exists()
    refused = client.post(url(applications), {**new, "new-applicant": "nobody", "term": "12"})
    assert "Nobody active has this username" in refused.content.decode()
    assert not LoanApplication.objects.exists()

    client.post(url(applications), {**new, "term": "12"})

    run = Run.objects.get()
    assert run.record == LoanApplication.objects.get(applicant=dana, amount=12_000)
    assert run.label == "Vehicle loan for Dana Whitfield"


def test_creating_a_record_takes_the_start_or_the_models_add_permission(applications):
    designer, _ = client_for("change_orchestration")
    officer, _ = client_for("add_run")

    assert 'value="new"' not in designer.get(url(applications)).content.decode()
    assert 'value="new"' in officer.get(url(applications)).content.decode()
    make_user("dana")
    designer.post(
        url(applications),
        {"record": "new", "new-applicant": "dana", "new-amount": "5000", "term": "12"},
    )
    assert not LoanApplication.objects.exists()


def test_the_type_ahead_is_for_starters_and_for_orchestrations_with_a_record_model(
    applications, loans
):
    outsider, _ = client_for()
    designer, _ = client_for("change_orchestration")

    assert outsider.get(records_url(applications)).status_code == 403
    assert designer.get(records_url(loans)).status_code == 404


def test_a_search_keeps_what_was_typed_for_a_new_record(applications):
    client, _ = client_for("add_run")

    html = client.post(
        url(applications),
        {"find": "1", "record": "new", "new-applicant": "dana", "new-amount": "7000", "term": "9"},
    ).content.decode()

    assert 'value="new" checked' in html
    assert 'name="new-applicant" value="dana"' in html
    assert 'name="new-amount" value="7000"' in html
    assert "This field is required" not in html
