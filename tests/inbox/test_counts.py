"""The live counts in the navigation: out-of-band swaps the nav polls for."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from orchestrations.engine import work_item_claim, work_item_complete
from orchestrations.models import WorkItem
from tests.inbox.conftest import HTMX, KICKOFF, item_of, pages_shown

pytestmark = pytest.mark.django_db

COUNTS = reverse("inbox:counts")


def counts(client) -> dict[str, int | str]:
    """{element id: number} of the out-of-band spans in the answer ("999+" as it is)."""
    body = client.get(COUNTS, **HTMX).content.decode()
    found = re.findall(
        r'<span id="(count-[a-z-]+)" class="count[^"]*" hx-swap-oob="true">'
        r'<span class="visually-hidden">\(</span>(\d+\+?)<',
        body,
    )
    return {element: number if "+" in number else int(number) for element, number in found}


def more_like(item: WorkItem, count: int) -> None:
    WorkItem.objects.bulk_create(
        WorkItem(run=item.run, step_run=item.step_run, assignee_user=item.assignee_user,
                 assignee_group=item.assignee_group)
        for _ in range(count)
    )  # fmt: skip


def test_the_counts_are_two_out_of_band_swaps_for_the_nav(client, run, people):
    client.force_login(people.ava)

    response = client.get(COUNTS, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert body.count('hx-swap-oob="true"') == 2
    assert counts(client) == {"count-my-work": 1, "count-queues": 0}


def test_the_counts_follow_the_work_from_ava_to_the_queue_to_carla(client, run, people):
    client.force_login(people.carla)
    assert counts(client) == {"count-my-work": 0, "count-queues": 0}

    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    assert counts(client) == {"count-my-work": 0, "count-queues": 1}

    work_item_claim(item_of(run, "welcome_packet"), by=people.carla)
    assert counts(client) == {"count-my-work": 1, "count-queues": 0}


def test_the_ids_match_the_spans_in_the_navigation(client, run, people):
    client.force_login(people.ava)

    page = client.get(reverse("inbox:my-work")).content.decode()

    for element in counts(client):
        assert f'id="{element}"' in page
    assert f'hx-get="{COUNTS}"' in page


def test_an_outsider_counts_zero(client, run, people):
    client.force_login(people.olga)

    assert counts(client) == {"count-my-work": 0, "count-queues": 0}


def test_signed_out_visitors_get_no_counts(client, run):
    response = client.get(COUNTS, **HTMX)

    assert response.status_code == 302
    assert "count-my-work" not in response.content.decode()


def test_counts_are_read_only(client, run, people):
    client.force_login(people.ava)

    assert client.post(COUNTS).status_code == 405


def test_counts_are_exact_up_to_999_and_999_plus_from_1000(client, run, people):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    packet = item_of(run, "welcome_packet")  # in Customer Success, Carla's team
    work_item_claim(packet, by=people.carla)
    client.force_login(people.carla)

    more_like(packet, 998)  # 998 waiting, 1 of hers
    assert counts(client) == {"count-my-work": 1, "count-queues": 998}
    more_like(packet, 1)
    assert counts(client) == {"count-my-work": 1, "count-queues": 999}
    more_like(packet, 1)
    assert counts(client) == {"count-my-work": 1, "count-queues": "999+"}
    more_like(packet, 500)
    assert counts(client) == {"count-my-work": 1, "count-queues": "999+"}


def test_my_work_counts_999_plus_too(client, run, people):
    kickoff = item_of(run, "kickoff")  # Ava's
    client.force_login(people.ava)

    more_like(kickoff, 998)
    assert counts(client)["count-my-work"] == 999
    more_like(kickoff, 1)
    assert counts(client)["count-my-work"] == "999+"
    page = client.get(reverse("inbox:my-work")).content.decode()
    assert (
        '<span class="visually-hidden">(</span>999+<span class="visually-hidden"> open items)'
        in page
    )
    assert pages_shown(page) == "1-25 of 1000"
