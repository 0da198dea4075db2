"""The reassign type-ahead: it lists only whom the engine lets you hand the item to.

Ava (Sales) owns the kickoff; Sam and Sara are her teammates in Sales; Carla and Chris
(Customer Success) and Ivan (Implementation) are members of the process's team queues
but not Ava's teammates; Olga is an outside participant, who owns an account of her own
here; Sue is support staff.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from demo.models import Account
from orchestrations.engine import run_start
from orchestrations.models import WorkItem
from tests.factories import make_user
from tests.inbox.conftest import item_of

HTMX = {"HX-Request": "true"}


@pytest.fixture
def sales(people):
    people.sam = make_user("sam", people.sales, first_name="Sam", last_name="Rivera")
    people.sara = make_user("sara", people.sales, first_name="Sara", last_name="Lind")
    return people


def search_url(item: WorkItem) -> str:
    return reverse("inbox:work-item-reassign-search", args=[item.pk])


def searched(client, item: WorkItem, text: str) -> list[str]:
    """The names (people, then teams) the type-ahead lists for `text`."""
    response = client.get(search_url(item), {"reassign-find": text}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text  # the fragment alone
    return re.findall(r'<span class="picker-label">([^<]+)</span>', response.text)


def test_a_member_finds_teammates_by_name_or_username_and_the_process_teams(client, sales, run):
    kickoff = item_of(run, "kickoff")
    client.force_login(sales.ava)

    assert searched(client, kickoff, "") == ["Customer Success", "Implementation"]
    assert searched(client, kickoff, "sa") == ["Sam Rivera", "Sara Lind"]
    assert searched(client, kickoff, "rivera") == ["Sam Rivera"]
    assert searched(client, kickoff, "sara") == ["Sara Lind"]  # the username
    assert searched(client, kickoff, "impl") == ["Implementation"]
    for stranger in ("carla", "chris", "ivan", "olga", "sue"):
        assert searched(client, kickoff, stranger) == []


def test_the_page_lists_teams_but_never_people_before_anything_is_typed(client, sales, run):
    client.force_login(sales.ava)

    html = client.get(reverse("inbox:work-item", args=[item_of(run, "kickoff").pk])).text

    assert "Reassign…" in html
    assert ">Customer Success</span>" in html
    assert "Sam Rivera" not in html
    assert "<option" not in html  # no select listing every account


def test_at_most_twenty_matches(client, people, run):
    for n in range(30):
        make_user(f"rep{n:02d}", people.sales, first_name="Rep", last_name=f"No {n:02d}")
    client.force_login(people.ava)

    found = searched(client, item_of(run, "kickoff"), "rep")

    assert len(found) == 20
    assert found[0] == "Rep No 00"


def test_support_finds_any_member_but_no_outside_participant(client, people, run):
    client.force_login(people.sue)

    found = searched(client, item_of(run, "kickoff"), "o")

    assert "Chris Okafor" in found
    assert "Ivan Petrov" in found
    assert "Olga Outsider" not in found


def test_without_javascript_search_shows_the_page_with_the_matches_and_what_was_typed(
    client, sales, run
):
    kickoff = item_of(run, "kickoff")
    client.force_login(sales.ava)

    response = client.post(
        reverse("inbox:work-item-reassign", args=[kickoff.pk]),
        {"reassign-find": "sam", "reassign-reason": "Away on Friday", "search": "1"},
    )

    assert response.status_code == 200
    assert f'value="{sales.sam.pk}"' in response.text
    assert "Away on Friday</textarea>" in response.text
    assert "Choose a person or a team." not in response.text
    assert WorkItem.objects.get(pk=kickoff.pk).assignee_user == sales.ava


def test_a_pick_stays_checked_while_typing_on(client, sales, run):
    kickoff = item_of(run, "kickoff")
    client.force_login(sales.ava)

    response = client.get(
        search_url(kickoff), {"reassign-find": "lind", "reassign-to": sales.sam.pk}, headers=HTMX
    )

    assert re.findall(r'<span class="picker-label">([^<]+)</span>', response.text) == [
        "Sam Rivera",
        "Sara Lind",
    ]
    assert f'value="{sales.sam.pk}" checked' in response.text


def test_a_refused_reassign_keeps_everything_typed(client, sales, run):
    kickoff = item_of(run, "kickoff")
    client.force_login(sales.ava)

    response = client.post(
        reverse("inbox:work-item-reassign", args=[kickoff.pk]),
        {
            "reassign-find": "carla",
            "reassign-to": sales.carla.pk,
            "reassign-reason": "She knows Marshford",
        },
        headers=HTMX,
    )

    html = response.text.strip()
    assert html.startswith(f'<details id="reassign-{kickoff.pk}"')
    assert "Carla Mendes is not in any of your teams; reassign to someone in Sales" in html
    assert 'value="carla"' in html
    assert "She knows Marshford</textarea>" in html
    assert WorkItem.objects.get(pk=kickoff.pk).assignee_user == sales.ava


def test_an_outside_participant_sees_no_reassign_and_the_search_is_not_found(
    client, onboarding, people
):
    account = Account.objects.create(name="Olga's shop", owner=people.olga, amount=100)
    kickoff = item_of(run_start(onboarding, record=account), "kickoff")
    assert kickoff.assignee_user == people.olga  # her own work, assigned by the definition
    client.force_login(people.olga)

    page = client.get(reverse("inbox:work-item", args=[kickoff.pk]))
    assert page.status_code == 200
    assert "Reassign" not in page.text
    assert "Out of office" not in page.text
    assert client.get(search_url(kickoff), {"reassign-find": "a"}).status_code == 404
    refused = client.post(
        reverse("inbox:work-item-reassign", args=[kickoff.pk]),
        {"reassign-to": people.ava.pk, "reassign-reason": "Not mine"},
    )
    assert refused.status_code == 403
    assert WorkItem.objects.get(pk=kickoff.pk).assignee_user == people.olga


def test_someone_who_may_only_look_gets_no_search_either(client, people, run):
    from django.utils import timezone

    from orchestrations.models import Delegation

    today = timezone.localdate()
    Delegation.objects.create(user=people.ava, delegate=people.chris, starts_on=today,
                              ends_on=today)  # fmt: skip
    client.force_login(people.chris)  # covers for Ava: works her item, does not give it away

    assert (
        client.get(search_url(item_of(run, "kickoff")), {"reassign-find": "a"}).status_code == 404
    )


def test_a_guessed_id_of_an_outside_participant_is_refused_without_naming_her(client, people, run):
    kickoff = item_of(run, "kickoff")
    client.force_login(people.ava)

    response = client.post(
        reverse("inbox:work-item-reassign", args=[kickoff.pk]),
        {"reassign-to": people.olga.pk, "reassign-reason": "Guessing"},
    )

    assert "Choose a person or a team from the list." in response.text
    assert "Olga" not in response.text
    assert WorkItem.objects.get(pk=kickoff.pk).assignee_user == people.ava
