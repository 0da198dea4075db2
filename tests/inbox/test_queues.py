"""Team queues: a tab per team with its waiting count, open items to claim, and
what teammates are working on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import pagination
from orchestrations.engine import work_item_claim, work_item_complete
from orchestrations.models import WorkItem
from tests.inbox.conftest import HTMX, KICKOFF, item_of, listed, pages_shown

pytestmark = pytest.mark.django_db

QUEUES = reverse("inbox:queues")


def queue_url(group) -> str:
    return reverse("inbox:queue", args=[group.pk])


@pytest.fixture
def packet(run, people) -> WorkItem:
    """Ava has done the kickoff: the welcome packet waits in the Customer Success queue."""
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    return item_of(run, "welcome_packet")


def more_packets(packet: WorkItem, count: int, **fields) -> list[WorkItem]:
    fields.setdefault("assignee_group", packet.assignee_group)
    return WorkItem.objects.bulk_create(
        WorkItem(run=packet.run, step_run=packet.step_run, **fields) for _ in range(count)
    )


def test_carla_finds_the_packet_in_her_teams_queue_with_a_claim_button(client, packet, people):
    client.force_login(people.carla)

    response = client.get(queue_url(people.success))

    assert response.status_code == 200
    assert listed(response) == [packet.pk]
    body = response.content.decode()
    assert "Prepare the welcome packet" in body
    assert "Marshford Capital" in body
    assert "Customer onboarding" in body
    assert "Welcome" in body
    assert f'action="{reverse("inbox:work-item-claim", args=[packet.pk])}"' in body
    assert f'hx-post="{reverse("inbox:work-item-claim", args=[packet.pk])}"' in body
    assert f'hx-target="#work-item-{packet.pk}"' in body
    assert f'<tr id="work-item-{packet.pk}"' in body
    assert ">Claim</button>" in body


def test_each_team_has_a_tab_with_its_waiting_count(client, packet, people):
    people.carla.groups.add(people.implementation)
    client.force_login(people.carla)

    response = client.get(queue_url(people.success))

    assert [(team.name, waiting) for team, waiting in response.context["tabs"]] == [
        ("Customer Success", 1),
        ("Implementation", 0),
    ]
    body = response.content.decode()
    assert f'href="{queue_url(people.implementation)}"' in body
    assert f'href="{queue_url(people.success)}" aria-current="page"' in body


def test_a_tab_counts_up_to_999_then_says_999_plus(client, packet, people):
    people.carla.groups.add(people.implementation)
    more_packets(packet, 999)  # 1,000 waiting
    more_packets(packet, 5, assignee_group=people.implementation)
    client.force_login(people.carla)

    response = client.get(queue_url(people.implementation))

    assert [(team.name, waiting) for team, waiting in response.context["tabs"]] == [
        ("Customer Success", 1000),
        ("Implementation", 5),
    ]
    body = response.content.decode()
    assert f'id="queue-count-{people.success.pk}" class="count">' in body
    assert (
        '<span class="visually-hidden">(</span>999+<span class="visually-hidden"> waiting)' in body
    )
    assert '<span class="visually-hidden">(</span>5<span class="visually-hidden"> waiting)' in body


def test_a_long_queue_is_counted_up_to_a_cap_and_pages_on_past_it(
    client, packet, people, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNTED", 50)  # 10,000 in earnest
    more_packets(packet, 79)  # 80 waiting
    client.force_login(people.carla)
    url = queue_url(people.success)

    first = client.get(url).content.decode()
    assert pages_shown(first) == "1-25 of 50+"
    assert 'href="?page=2" rel="next"' in first
    # Deeper than the cap, the count reaches one row past the page: Next still leads on.
    third = client.get(url, {"page": "3"}).content.decode()
    assert pages_shown(third) == "51-75 of 76+"
    assert 'href="?page=4" rel="next"' in third
    fourth = client.get(url, {"page": "4"})
    assert len(listed(fourth)) == 5
    assert pages_shown(fourth.content.decode()) == "76-80 of 80"
    assert 'rel="next"' not in fourth.content.decode()


@pytest.mark.parametrize(("asked", "shown"), [("9", 4), ("999999999999", 4), ("x", 1), ("-2", 1)])
def test_a_page_past_the_end_shows_the_last_and_nonsense_the_first(
    client, packet, people, asked, shown
):
    more_packets(packet, 79)  # 80 waiting: 4 pages
    client.force_login(people.carla)

    response = client.get(queue_url(people.success), {"page": asked})

    assert response.status_code == 200
    assert response.context["page"].number == shown


def test_queues_opens_the_first_team_then_the_last_one_visited(client, packet, people):
    people.carla.groups.add(people.implementation)
    client.force_login(people.carla)

    assert client.get(QUEUES).context["group"] == people.success
    client.get(queue_url(people.implementation))
    assert client.get(QUEUES).context["group"] == people.implementation


def test_someone_in_no_team_is_told_so(client, packet, people):
    client.force_login(people.olga)

    response = client.get(QUEUES)

    assert response.status_code == 200
    body = response.content.decode()
    assert "You are not in any team yet." in body
    assert "welcome packet" not in body


@pytest.mark.parametrize("who", ["olga", "ivan"])
def test_the_queue_of_a_team_you_are_not_in_is_not_found(client, packet, people, who):
    client.force_login(getattr(people, who))

    assert client.get(queue_url(people.success)).status_code == 404


def test_an_empty_queue_says_new_items_will_appear(client, run, people):
    client.force_login(people.carla)

    body = client.get(queue_url(people.success)).content.decode()

    assert "Nothing is waiting in this queue." in body


def test_claimed_items_leave_the_waiting_list_and_show_who_holds_them(client, packet, people):
    work_item_claim(packet, by=people.chris)
    client.force_login(people.carla)

    response = client.get(queue_url(people.success))

    assert listed(response) == []
    assert [item.pk for item in response.context["held"]] == [packet.pk]
    body = response.content.decode()
    assert "Being worked on" in body
    assert "Chris Okafor" in body
    assert f'action="{reverse("inbox:work-item-claim", args=[packet.pk])}"' not in body


def test_your_own_claim_shows_open_and_release(client, packet, people):
    work_item_claim(packet, by=people.carla)
    client.force_login(people.carla)

    body = client.get(queue_url(people.success)).content.decode()

    assert "Claimed by you" in body
    assert reverse("inbox:work-item-release", args=[packet.pk]) in body


def test_the_queue_lists_overdue_items_first_and_undated_ones_last(client, packet, people):
    now = timezone.now()
    undated = more_packets(packet, 1, due_at=None)[0]
    late = more_packets(packet, 1, due_at=now - timedelta(days=1))[0]
    client.force_login(people.carla)

    response = client.get(queue_url(people.success))

    assert listed(response) == [late.pk, packet.pk, undated.pk]


def test_the_queue_can_be_searched_and_filtered(client, packet, people):
    late = more_packets(packet, 1, due_at=timezone.now() - timedelta(hours=1))[0]
    client.force_login(people.carla)
    url = queue_url(people.success)

    assert listed(client.get(url, {"overdue": "on"})) == [late.pk]
    assert len(listed(client.get(url, {"q": f"#{packet.run_id}"}))) == 2
    assert listed(client.get(url, {"q": "Globex"})) == []
    assert "No waiting items match these filters." in client.get(url, {"q": "x"}).content.decode()


def test_the_queue_is_paginated_keeping_the_search(client, packet, people):
    more_packets(packet, 26, due_at=packet.due_at)
    client.force_login(people.carla)

    first = client.get(queue_url(people.success), {"q": "Marshford"})
    second = client.get(queue_url(people.success), {"q": "Marshford", "page": "2"})

    assert len(listed(first)) == 25
    assert len(listed(second)) == 2
    assert 'href="?q=Marshford&amp;page=2"' in first.content.decode()


def test_an_htmx_request_gets_the_list_and_fresh_tab_counts(client, packet, people):
    client.force_login(people.carla)

    response = client.get(queue_url(people.success), **HTMX)

    body = response.content.decode()
    assert "<html" not in body
    assert "Team queues</h1>" not in body
    assert 'id="queue-list"' in body
    assert f'hx-get="{queue_url(people.success)}" hx-trigger="every 30s"' in body
    assert f'id="queue-count-{people.success.pk}"' in body
    assert 'hx-swap-oob="true"' in body


@pytest.mark.parametrize("htmx", [False, True])
def test_a_queue_costs_the_same_queries_for_5_items_as_for_60(
    client, packet, people, django_assert_max_num_queries, htmx
):
    headers = HTMX if htmx else {}
    more_packets(packet, 4, due_at=timezone.now())
    more_packets(packet, 3, status="claimed", claimed_by=people.chris)
    client.force_login(people.carla)
    url = queue_url(people.success)
    client.get(url, **headers)

    with django_assert_max_num_queries(15) as small:
        small_page = client.get(url, **headers)
    assert len(listed(small_page)) == 5

    more_packets(packet, 55, due_at=timezone.now())
    more_packets(packet, 20, status="claimed", claimed_by=people.chris)
    with django_assert_max_num_queries(len(small.captured_queries)):
        big_page = client.get(url, **headers)
    assert len(listed(big_page)) == 25
    assert len(big_page.context["held"]) == 10
    assert "The 10 latest claims of 23." in big_page.content.decode()
