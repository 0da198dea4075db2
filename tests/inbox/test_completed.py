"""Completed: what I finished, and what a colleague finished on my behalf."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orchestrations.engine import work_item_claim, work_item_complete
from orchestrations.models import Delegation, WorkItem
from tests.inbox.conftest import HTMX, KICKOFF, item_of, listed

pytestmark = pytest.mark.django_db

COMPLETED = reverse("inbox:completed")


def done_copies(item: WorkItem, count: int, by, minutes_ago: int = 0) -> list[WorkItem]:
    """More completed items on the same step run (one insert)."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return WorkItem.objects.bulk_create(
        WorkItem(
            run=item.run,
            step_run=item.step_run,
            assignee_user=by,
            status="completed",
            completed_by=by,
            completed_at=at,
        )
        for _ in range(count)
    )


def test_a_completed_kickoff_is_listed_with_its_run_and_a_link_to_read_it(client, run, people):
    kickoff = item_of(run, "kickoff")
    work_item_complete(kickoff, by=people.ava, data=KICKOFF)
    client.force_login(people.ava)

    response = client.get(COMPLETED)

    assert listed(response) == [kickoff.pk]
    body = response.content.decode()
    assert "Kickoff call" in body
    assert "Marshford Capital" in body
    assert f'href="{reverse("inbox:work-item", args=[kickoff.pk])}"' in body
    assert f'href="{reverse("inbox:run-detail", args=[run.pk])}">Run #{run.pk}' in body
    assert "Welcome" in body


def test_open_work_is_not_listed(client, run, people):
    client.force_login(people.ava)

    response = client.get(COMPLETED)

    assert listed(response) == []
    assert "You have not completed anything yet." in response.content.decode()


def test_work_done_on_my_behalf_is_mine_and_says_who_did_it(client, run, people):
    today = timezone.localdate()
    Delegation.objects.create(user=people.ava, delegate=people.chris, starts_on=today,
                              ends_on=today)  # fmt: skip
    kickoff = item_of(run, "kickoff")
    work_item_complete(kickoff, by=people.chris, data=KICKOFF, on_behalf_of=people.ava)

    client.force_login(people.ava)
    for_ava = client.get(COMPLETED)
    client.force_login(people.chris)
    for_chris = client.get(COMPLETED)

    assert listed(for_ava) == [kickoff.pk]
    assert "by Chris Okafor on your behalf" in for_ava.content.decode()
    assert listed(for_chris) == [kickoff.pk]
    assert "on behalf of Ava Sterling" in for_chris.content.decode()


def test_a_teammate_does_not_see_what_another_completed(client, run, people):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    packet = item_of(run, "welcome_packet")
    work_item_claim(packet, by=people.chris)
    data = {"packet_url": "https://x.example/p", "sections": ["Letter"], "sent_to_customer": "yes"}
    work_item_complete(packet, by=people.chris, data=data)

    client.force_login(people.carla)

    assert listed(client.get(COMPLETED)) == []


def test_an_outsider_sees_nothing(client, run, people):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    client.force_login(people.olga)

    response = client.get(COMPLETED)

    assert listed(response) == []
    assert "Marshford" not in response.content.decode()


def test_newest_first_searchable_and_paginated(client, run, people):
    kickoff = item_of(run, "kickoff")
    work_item_complete(kickoff, by=people.ava, data=KICKOFF)
    older = done_copies(kickoff, 27, by=people.ava, minutes_ago=60)
    client.force_login(people.ava)

    first = client.get(COMPLETED, {"q": str(run.pk)})
    second = client.get(COMPLETED, {"q": str(run.pk), "page": 2})

    assert listed(first)[0] == kickoff.pk
    assert len(listed(first)) == 25
    assert len(listed(second)) == 3
    assert set(listed(second)) <= {item.pk for item in older}
    assert f'href="?q={run.pk}&amp;page=2"' in first.content.decode()
    nothing = client.get(COMPLETED, {"q": "Globex"})
    assert listed(nothing) == []
    assert "No completed items match your search." in nothing.content.decode()


def test_an_htmx_request_gets_only_the_list(client, run, people):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    client.force_login(people.ava)

    body = client.get(COMPLETED, {"q": "Marsh"}, **HTMX).content.decode()

    assert body.lstrip().startswith('<div id="completed-list"')
    assert "<html" not in body
    assert "Kickoff call" in body


def test_completed_costs_the_same_queries_for_5_items_as_for_60(
    client, run, people, django_assert_max_num_queries
):
    kickoff = item_of(run, "kickoff")
    work_item_complete(kickoff, by=people.ava, data=KICKOFF)
    done_copies(kickoff, 4, by=people.ava)
    client.force_login(people.ava)
    client.get(COMPLETED)

    with django_assert_max_num_queries(10) as small:
        small_page = client.get(COMPLETED)
    assert len(listed(small_page)) == 5

    done_copies(kickoff, 55, by=people.ava)
    with django_assert_max_num_queries(len(small.captured_queries)):
        big_page = client.get(COMPLETED)
    assert len(listed(big_page)) == 25
