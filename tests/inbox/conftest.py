"""The people and the process every inbox test uses.

Ava (Sales) owns the Marshford account and does the kickoff; Carla and Chris are in
Customer Success; Ivan is in Implementation; Olga is an outsider who must see nothing;
Sue is support staff with the run-view and reassign permissions.

Customer onboarding: Welcome (kickoff → Ava, then the welcome packet → the Customer
Success queue), Setup (configuration → Implementation), Go-Live (sign-off → Ava).
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission

from demo.models import Account
from orchestrations.engine import run_start
from orchestrations.models import Run, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}
# The kickoff's required answers, for tests that complete it to move a run on.
KICKOFF = {
    "kickoff_date": "2026-11-20",
    "primary_contact": "Richard Hendricks",
    "contact_email": "richard@example.com",
}


@pytest.fixture
def people(db) -> SimpleNamespace:
    sales = make_group("Sales")
    success = make_group("Customer Success")
    implementation = make_group("Implementation")
    sue = make_user("sue", is_staff=True, first_name="Sue", last_name="Port")
    sue.user_permissions.add(
        Permission.objects.get(codename="view_run"),
        Permission.objects.get(codename="reassign_workitem"),
    )
    return SimpleNamespace(
        sales=sales,
        success=success,
        implementation=implementation,
        ava=make_user("ava", sales, first_name="Ava", last_name="Sterling"),
        carla=make_user("carla", success, first_name="Carla", last_name="Mendes"),
        chris=make_user("chris", success, first_name="Chris", last_name="Okafor"),
        ivan=make_user("ivan", implementation, first_name="Ivan", last_name="Petrov"),
        olga=make_user("olga", first_name="Olga", last_name="Outsider"),
        sue=sue,
    )


@pytest.fixture
def onboarding(people: SimpleNamespace):
    """The active version of a small customer onboarding."""
    b = VersionBuilder("customer_onboarding", description="Onboard a newly won account.")
    kickoff = b.form(
        "kickoff",
        [
            field("kickoff_date", "date", required=True),
            field("primary_contact", required=True),
            field("contact_email", "email", required=True),
            field("notes", "long_text"),
        ],
    )
    packet = b.form(
        "welcome_packet",
        [
            field("packet_url", "url", required=True),
            field(
                "sections", "multi_choice", required=True, choices=["Letter", "Plan", "Calendar"]
            ),
            field("sent_to_customer", "yes_no", required=True),
        ],
    )
    configuration = b.form("configuration", [field("region", "choice", required=True,
                                                  choices=["EU", "US"])])  # fmt: skip
    sign_off = b.form("go_live", [field("signed_off_by", required=True)])
    welcome = b.stage("welcome", name="Welcome")
    setup = b.stage("setup", name="Setup")
    go_live = b.stage("go_live", name="Go-Live")
    first = b.step(
        welcome,
        "kickoff",
        name="Kickoff call",
        form=kickoff,
        expression="record.owner",
        due_in=timedelta(days=3),
        instructions="Hold the <b>kickoff</b> call within three days.",
    )
    b.step(welcome, "welcome_packet", name="Prepare the welcome packet", form=packet,
           group=people.success, after=[first], due_in=timedelta(days=2))  # fmt: skip
    b.step(setup, "configuration", name="Configure the workspace", form=configuration,
           group=people.implementation)  # fmt: skip
    b.step(go_live, "sign_off", name="Go-live sign-off", form=sign_off, user=people.ava)
    return b.activate()


@pytest.fixture
def account(people: SimpleNamespace) -> Account:
    return Account.objects.create(name="Marshford Capital", owner=people.ava, amount=48000)


@pytest.fixture
def run(onboarding, account: Account, people: SimpleNamespace) -> Run:
    """A run in Welcome: the kickoff is waiting for Ava."""
    return run_start(onboarding, record=account, started_by=people.ava)


def item_of(run: Run, step_key: str) -> WorkItem:
    """The latest work item of a step in `run`."""
    return WorkItem.objects.filter(run=run, step_run__step__key=step_key).latest("pk")


def pages_shown(body: str) -> str:
    """The pagination's "1-25 of 80" (with a plain hyphen), or "" without pages."""
    found = re.search(r'<li class="list-muted">([^<]*)</li>', body)
    return found[1].replace("\N{EN DASH}", "-") if found else ""


def listed(response) -> list[int]:
    """The primary keys of a list page's rows, in order."""
    return [row.pk for row in response.context["page"].object_list]
