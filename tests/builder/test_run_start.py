"""The Start run page of a manual orchestration."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

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
    assert f"Started “Loans #{run.pk}”." in followed.content.decode()


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
