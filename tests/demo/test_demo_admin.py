"""The demo path the summary suggests: support staff win an account in the admin."""

import pytest

from demo.models import Account
from demo.people import create_people
from demo.processes import install_processes
from orchestrations.models import Run, WorkItem


@pytest.mark.django_db
def test_support_wins_an_account_in_the_admin_and_onboarding_starts(
    client, django_capture_on_commit_callbacks
):
    users = create_people()
    install_processes(by=users["designer"])
    account = Account.objects.create(name="Wayne Biotech", amount=300_000, owner=users["sam"])
    client.force_login(users["support"])
    assert client.get("/admin/demo/account/").status_code == 200

    # Sasha (support) sets the stage to Closed won and saves.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/demo/account/{account.pk}/change/",
            {
                "name": "Wayne Biotech",
                "stage": "closed_won",
                "amount": "300000.00",
                "tier": "enterprise",
                "owner": users["sam"].pk,
                "csm": "",
            },
        )
    assert response.status_code == 302

    # The kickoff call is in Sam's inbox, and the account list says where the run is.
    run = Run.objects.get()
    assert WorkItem.objects.get(run=run).assignee_user == users["sam"]
    listing = client.get("/admin/demo/account/").content.decode()
    assert "Customer onboarding: Welcome" in listing


@pytest.mark.django_db
def test_designer_sees_every_demo_record_list(client):
    users = create_people()
    client.force_login(users["designer"])
    for model in ("account", "employee", "loanapplication", "patient"):
        assert client.get(f"/admin/demo/{model}/").status_code == 200, model
