"""Claim and release: taking a team-queue item, losing a race, putting it back."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from inbox import access
from orchestrations.engine import work_item_claim, work_item_complete
from orchestrations.models import WorkItem
from tests.inbox.conftest import HTMX, KICKOFF, item_of

pytestmark = pytest.mark.django_db


def claim_url(item: WorkItem) -> str:
    return reverse("inbox:work-item-claim", args=[item.pk])


def release_url(item: WorkItem) -> str:
    return reverse("inbox:work-item-release", args=[item.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def packet(run, people) -> WorkItem:
    """Ava has done the kickoff: the welcome packet waits in the Customer Success queue."""
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    return item_of(run, "welcome_packet")


def test_a_claim_takes_the_item_and_opens_it(client, packet, people):
    client.force_login(people.carla)

    response = client.post(claim_url(packet))

    packet.refresh_from_db()
    assert packet.status == "claimed"
    assert packet.claimed_by == people.carla
    assert response.status_code == 302
    assert response.url == reverse("inbox:work-item", args=[packet.pk])
    assert messages_of(response) == ["Claimed — it is in My work now."]
    assert packet in access.my_work(people.carla)


def test_a_claim_goes_back_to_the_page_it_came_from(client, packet, people):
    client.force_login(people.carla)
    back = reverse("inbox:queue", args=[people.success.pk]) + "?q=Marshford"

    response = client.post(claim_url(packet), {"next": back})

    assert response.url == back


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x"])
def test_a_claim_never_redirects_to_another_site(client, packet, people, next_url):
    client.force_login(people.carla)

    response = client.post(claim_url(packet), {"next": next_url})

    assert response.url == reverse("inbox:work-item", args=[packet.pk])


def test_an_htmx_claim_answers_the_row_and_tells_the_page_work_changed(client, packet, people):
    client.force_login(people.carla)
    back = reverse("inbox:queue", args=[people.success.pk])

    response = client.post(claim_url(packet), {"next": back}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="work-item-{packet.pk}"')
    assert "<html" not in body
    assert "Claimed by you" in body
    assert f'href="{reverse("inbox:work-item", args=[packet.pk])}" autofocus>Open</a>' in body
    assert f'hx-post="{release_url(packet)}"' in body
    assert f'name="next" value="{back}"' in body  # the row's forms still return to the queue
    assert "work-changed" in response["HX-Trigger-After-Settle"]


def test_an_htmx_claim_also_refreshes_the_queue_tab_counts(client, packet, people):
    client.force_login(people.carla)

    body = client.post(claim_url(packet), **HTMX).content.decode()

    tab_count = (
        f'<span id="queue-count-{people.success.pk}" class="count count-zero" '
        'hx-swap-oob="true"><span class="visually-hidden">(</span>0<'
    )
    assert f"<template>{tab_count}" in body


def test_the_loser_of_a_claim_race_is_told_who_won(client, packet, people):
    client.force_login(people.chris)
    chris_sees = client.get(reverse("inbox:queue", args=[people.success.pk]))
    assert f'action="{claim_url(packet)}"' in chris_sees.content.decode()
    work_item_claim(packet, by=people.carla)  # Carla is quicker

    response = client.post(claim_url(packet), **HTMX)

    body = response.content.decode()
    assert "Carla Mendes claimed this first" in body
    assert 'role="alert"' in body
    assert ">Claim</button>" not in body
    assert "work-changed" in response["HX-Trigger-After-Settle"]
    packet.refresh_from_db()
    assert packet.claimed_by == people.carla


def test_the_loser_of_a_plain_post_race_gets_the_message_on_the_queue_page(client, packet, people):
    work_item_claim(packet, by=people.carla)
    client.force_login(people.chris)

    response = client.post(claim_url(packet), follow=True)

    assert response.redirect_chain[-1][0] == reverse("inbox:queue", args=[people.success.pk])
    assert "Carla Mendes claimed this first" in response.content.decode()


def test_claiming_a_completed_item_says_who_completed_it(client, run, people):
    kickoff = item_of(run, "kickoff")
    work_item_complete(kickoff, by=people.ava, data=KICKOFF)
    client.force_login(people.ava)

    response = client.post(claim_url(kickoff), **HTMX)

    assert "Already completed by Ava Sterling" in response.content.decode()


def test_staff_who_may_see_an_item_but_are_not_in_the_team_cannot_claim_it(client, packet, people):
    client.force_login(people.sue)

    response = client.post(claim_url(packet), follow=True)

    assert "This item is not in any of your queues." in response.content.decode()
    packet.refresh_from_db()
    assert packet.status == "open"


def test_release_puts_the_item_back_in_the_queue(client, packet, people):
    work_item_claim(packet, by=people.carla)
    client.force_login(people.carla)

    response = client.post(release_url(packet))

    packet.refresh_from_db()
    assert packet.status == "open"
    assert packet.claimed_by is None
    assert response.url == reverse("inbox:my-work")
    assert messages_of(response) == ["Released back to the Customer Success queue."]
    assert packet in access.team_queue(people.chris, people.success)
    assert packet not in access.my_work(people.carla)


def test_an_htmx_release_answers_the_row_with_a_claim_button_again(client, packet, people):
    work_item_claim(packet, by=people.carla)
    client.force_login(people.carla)

    response = client.post(release_url(packet), **HTMX)

    body = response.content.decode()
    assert "Released back to the Customer Success queue." in body
    assert f'hx-post="{claim_url(packet)}"' in body
    assert "work-changed" in response["HX-Trigger-After-Settle"]


def test_only_the_holder_can_release(client, packet, people):
    work_item_claim(packet, by=people.carla)
    client.force_login(people.chris)

    response = client.post(release_url(packet), follow=True)

    assert "Only Carla Mendes can release this item." in response.content.decode()
    packet.refresh_from_db()
    assert packet.claimed_by == people.carla


def test_releasing_an_item_nobody_holds_is_refused_with_a_message(client, packet, people):
    client.force_login(people.carla)

    response = client.post(release_url(packet), **HTMX)

    assert "This item is not claimed by anybody." in response.content.decode()


@pytest.mark.parametrize("action", [claim_url, release_url])
def test_an_outsider_gets_404_and_changes_nothing(client, packet, people, action):
    work_item_claim(packet, by=people.carla)
    client.force_login(people.olga)

    assert client.post(action(packet)).status_code == 404
    assert client.post(action(packet), **HTMX).status_code == 404
    packet.refresh_from_db()
    assert packet.claimed_by == people.carla


def test_someone_from_another_team_gets_404_on_claim(client, packet, people):
    client.force_login(people.ivan)

    assert client.post(claim_url(packet)).status_code == 404


def test_claim_and_release_need_a_post(client, packet, people):
    client.force_login(people.carla)

    assert client.get(claim_url(packet)).status_code == 405
    assert client.get(release_url(packet)).status_code == 405


def test_a_claim_without_the_csrf_token_is_refused(packet, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.carla)

    assert client.post(claim_url(packet)).status_code == 403
    assert client.post(claim_url(packet), headers={"HX-Request": "true"}).status_code == 403
    packet.refresh_from_db()
    assert packet.status == "open"


def test_a_claim_with_the_csrf_token_from_the_page_works(packet, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.carla)
    client.get(reverse("inbox:queue", args=[people.success.pk]))
    token = client.cookies["csrftoken"].value

    response = client.post(claim_url(packet), headers={"HX-Request": "true", "X-CSRFToken": token})

    assert response.status_code == 200
    packet.refresh_from_db()
    assert packet.claimed_by == people.carla


def test_a_keyboard_user_keeps_their_place_after_an_htmx_claim_release_or_lost_race(
    client, packet, people
):
    """The swapped-in row carries `autofocus` (htmx focuses it) on the one control
    that replaces the button just pressed; a row on a full page carries none."""
    client.force_login(people.carla)
    queue = client.get(reverse("inbox:queue", args=[people.success.pk])).content.decode()
    assert "autofocus" not in queue.split('id="queue-list"')[-1]

    claimed = client.post(claim_url(packet), **HTMX).content.decode()
    assert claimed.count("autofocus") == 1
    assert f'href="{reverse("inbox:work-item", args=[packet.pk])}" autofocus>Open</a>' in claimed

    released = client.post(release_url(packet), **HTMX).content.decode()
    assert released.count("autofocus") == 1
    assert 'autofocus aria-label="Claim' in released

    work_item_claim(packet, by=people.chris)
    lost = client.post(claim_url(packet), **HTMX).content.decode()
    assert lost.count("autofocus") == 1
    assert f'" autofocus>{packet.step_run.step.name}</a>' in lost
