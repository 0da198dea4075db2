"""An item taken away: the person who had it is told where it went; nobody else learns
that it exists. (With DEBUG off, as production shows the 404 page.)"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from config.errors import NOT_FOUND
from demo.models import Account
from orchestrations.engine import run_start, work_item_claim, work_item_reassign
from orchestrations.models import RunEvent
from tests.inbox.conftest import item_of

pytestmark = pytest.mark.usefixtures("_debug_off")


@pytest.fixture
def _debug_off():
    with override_settings(DEBUG=False):
        yield


def page_for(user, item) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("inbox:work-item", args=[item.pk]))
    return response.status_code, response.content.decode()


def test_the_former_assignee_is_told_which_team_has_it_now(run, people):
    kickoff = item_of(run, "kickoff")  # Ava's
    work_item_reassign(kickoff, by=people.sue, to_group=people.implementation, reason="Tech call.")

    status, html = page_for(people.ava, kickoff)

    assert status == 404
    assert "Not here any more" in html
    assert "This item was reassigned to the Implementation team." in html


def test_a_team_member_who_claimed_it_is_told_where_it_went(run, people):
    kickoff = item_of(run, "kickoff")
    work_item_reassign(kickoff, by=people.sue, to_group=people.success)
    work_item_claim(kickoff, by=people.carla)
    work_item_reassign(kickoff, by=people.sue, to_user=people.ivan)

    status, html = page_for(people.carla, kickoff)

    assert status == 404
    assert "This item was reassigned to Ivan Petrov." in html


def test_strangers_get_the_plain_not_found(run, people):
    kickoff = item_of(run, "kickoff")
    work_item_reassign(kickoff, by=people.sue, to_group=people.implementation)

    for stranger in (people.olga, people.carla):  # never had it
        status, html = page_for(stranger, kickoff)
        assert status == 404
        assert NOT_FOUND in html
        assert "reassigned" not in html
        assert "Implementation" not in html


def test_an_outside_participant_is_not_told_a_staff_members_name(onboarding, people):
    """Olga's account: its kickoff is hers until support hands it to Ivan."""
    account = Account.objects.create(name="Olga's shop", owner=people.olga, amount=1000)
    kickoff = item_of(run_start(onboarding, record=account, started_by=people.sue), "kickoff")
    assert page_for(people.olga, kickoff)[0] == 200
    work_item_reassign(kickoff, by=people.sue, to_user=people.ivan)

    status, html = page_for(people.olga, kickoff)

    assert status == 404
    assert "This item was reassigned to someone else." in html
    assert "Ivan" not in html


def test_assignments_are_recorded_as_ids_in_the_items_events(run, people):
    kickoff = item_of(run, "kickoff")
    work_item_reassign(kickoff, by=people.sue, to_group=people.implementation)

    events = RunEvent.objects.filter(work_item=kickoff).order_by("pk")
    created, reassigned = (e for e in events if e.kind.endswith(("create", "reassign")))

    assert created.data == {"assignee_user": people.ava.pk, "assignee_group": None}
    assert reassigned.data["assignee_user"] is None
    assert reassigned.data["assignee_group"] == people.implementation.pk
