"""My requests: the runs I started or whose record I own — where each one is now,
who holds the ball and since when."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from demo.models import Account
from orchestrations.engine import (
    run_cancel,
    run_start,
    run_suspend,
    work_item_claim,
    work_item_complete,
)
from orchestrations.models import Run
from tests.factories import VersionBuilder, field
from tests.inbox.conftest import HTMX, KICKOFF, item_of, listed

pytestmark = pytest.mark.django_db

MY_REQUESTS = reverse("inbox:my-requests")


def start_runs(onboarding, owner, count: int) -> list[Run]:
    """Runs about new accounts named without digits (so "#12" finds only run 12)."""
    names = (f"Account {'abcdefghij'[n // 10]}{'abcdefghij'[n % 10]}" for n in range(count))
    return [
        run_start(onboarding, record=Account.objects.create(name=name, owner=owner))
        for name in names
    ]


def test_ava_sees_her_request_its_stage_and_that_it_waits_for_her(client, run, people):
    client.force_login(people.ava)

    response = client.get(MY_REQUESTS)

    assert listed(response) == [run.pk]
    body = response.content.decode()
    assert f'href="{reverse("inbox:run-detail", args=[run.pk])}">Marshford Capital</a>' in body
    assert f"#{run.pk} · Customer onboarding" in body
    assert "In progress" in body
    assert "Welcome" in body
    assert re.search(r'You\s*<span class="list-muted">since', body)
    assert "Kickoff call" in body
    assert "due in 3\xa0days" in body


def test_the_ball_is_with_the_team_queue_then_with_whoever_claimed_it(client, run, people):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    client.force_login(people.ava)

    in_queue = client.get(MY_REQUESTS).content.decode()
    work_item_claim(item_of(run, "welcome_packet"), by=people.carla)
    claimed = client.get(MY_REQUESTS).content.decode()

    assert "Customer Success queue" in in_queue
    assert "Prepare the welcome packet" in in_queue
    assert "Carla Mendes" not in in_queue
    assert "Carla Mendes" in claimed
    assert "Customer Success queue" not in claimed


def test_a_record_owner_sees_runs_someone_else_started(client, onboarding, people, account):
    started = run_start(onboarding, record=account, started_by=people.sue)
    client.force_login(people.ava)

    assert listed(client.get(MY_REQUESTS)) == [started.pk]


def test_the_starter_sees_their_run_about_someone_elses_record(client, run, people):
    other = Account.objects.create(name="Globex", owner=people.ivan)
    from_carla = run_start(run.version, record=other, started_by=people.carla)
    client.force_login(people.carla)

    assert listed(client.get(MY_REQUESTS)) == [from_carla.pk]


def test_an_outsider_and_a_mere_participant_see_no_requests(client, run, people):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    for who in (people.olga, people.carla):
        client.force_login(who)
        response = client.get(MY_REQUESTS)
        assert listed(response) == []
        assert "None of your requests is open." in response.content.decode()


def test_a_suspended_run_says_so(client, run, people):
    run_suspend(run, by=people.sue)
    client.force_login(people.ava)

    body = client.get(MY_REQUESTS).content.decode()

    assert "Suspended by support" in body
    assert 'class="badge badge-suspended"' in body


def test_a_running_background_step_is_shown_as_automatic(client, people, account):
    b = VersionBuilder("provisioning")
    b.step(b.stage("setup"), "pause", name="Wait for the tenant", action="wait",
           action_inputs={"duration": "3600"})  # fmt: skip
    started = run_start(b.activate(), record=account, started_by=people.ava)
    client.force_login(people.ava)

    response = client.get(MY_REQUESTS)

    assert started.pk in listed(response)
    assert "Automatic: Wait for the tenant" in response.content.decode()


def test_an_errored_run_says_it_stopped_and_why(
    client, people, account, django_capture_on_commit_callbacks
):
    b = VersionBuilder("fragile")
    b.step(b.stage("setup"), "pause", action="wait", action_inputs={"duration": "soon"},
           retry_max_attempts=1)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        started = run_start(b.activate(), record=account, started_by=people.ava)
    started.refresh_from_db()
    assert started.status == "error"
    client.force_login(people.ava)

    body = client.get(MY_REQUESTS).content.decode()

    assert "Stopped on an error" in body
    assert "is not a duration" in body


def test_open_is_the_default_finished_and_all_are_a_click_away(client, run, onboarding, people):
    other = Account.objects.create(name="Globex", owner=people.ava)
    finished = run_start(onboarding, record=other, started_by=people.ava)
    run_cancel(finished, by=people.ava)
    client.force_login(people.ava)

    default = client.get(MY_REQUESTS)

    assert listed(default) == [run.pk]
    assert listed(client.get(MY_REQUESTS, {"show": "finished"})) == [finished.pk]
    assert set(listed(client.get(MY_REQUESTS, {"show": "all"}))) == {run.pk, finished.pk}
    assert listed(client.get(MY_REQUESTS, {"show": "nonsense"})) == [run.pk]
    body = default.content.decode()
    assert 'href="?show=finished"' in body
    assert 'href="?show=open" aria-current="page"' in body
    assert "Canceled" in client.get(MY_REQUESTS, {"show": "finished"}).content.decode()


@pytest.mark.parametrize("text", ["Marshford", "{run}", "#{run}"])
def test_search_by_record_or_run(client, run, onboarding, people, text):
    start_runs(onboarding, people.ava, 2)
    client.force_login(people.ava)

    assert listed(client.get(MY_REQUESTS, {"q": text.format(run=run.pk)})) == [run.pk]


def test_a_search_keeps_the_chosen_view_and_says_when_nothing_matches(client, run, people):
    client.force_login(people.ava)

    body = client.get(MY_REQUESTS, {"show": "all", "q": "Globex"}).content.decode()

    assert "No requests match your search." in body
    assert 'href="/requests/?show=all"' in body
    assert 'name="show" value="all"' in body


def test_requests_are_paginated_newest_first(client, onboarding, people):
    runs = start_runs(onboarding, people.ava, 27)
    Run.objects.filter(pk=runs[0].pk).update(started_at=timezone.now() + timedelta(minutes=1))
    client.force_login(people.ava)

    first = client.get(MY_REQUESTS)
    second = client.get(MY_REQUESTS, {"page": 2})

    assert listed(first)[0] == runs[0].pk
    assert len(listed(first)) == 25
    assert len(listed(second)) == 2
    assert "26\u201327 of 27" in second.content.decode()


def test_an_htmx_request_gets_only_the_list(client, run, people):
    client.force_login(people.ava)

    body = client.get(MY_REQUESTS, {"show": "open"}, **HTMX).content.decode()

    assert body.lstrip().startswith('<div id="requests-list"')
    assert "<html" not in body
    assert "Marshford Capital" in body


def test_my_requests_costs_the_same_queries_for_5_runs_as_for_60(
    client, onboarding, people, django_assert_max_num_queries
):
    runs = start_runs(onboarding, people.ava, 5)
    work_item_complete(item_of(runs[0], "kickoff"), by=people.ava, data=KICKOFF)
    work_item_claim(item_of(runs[0], "welcome_packet"), by=people.carla)
    client.force_login(people.ava)
    client.get(MY_REQUESTS)

    # 15: the names shown depend on whether Ava is a member (one query).
    with django_assert_max_num_queries(13) as small:
        small_page = client.get(MY_REQUESTS)
    assert len(listed(small_page)) == 5

    runs += start_runs(onboarding, people.ava, 55)
    work_item_complete(item_of(runs[-1], "kickoff"), by=people.ava, data=KICKOFF)
    with django_assert_max_num_queries(len(small.captured_queries)):
        big_page = client.get(MY_REQUESTS)
    assert len(listed(big_page)) == 25
    assert "Customer Success queue" in big_page.content.decode()


def test_people_who_may_start_runs_get_a_start_menu_of_manual_processes(client, people):
    b = VersionBuilder("expense_claim")
    b.step(b.stage("review"), "approve", form=b.form("f", [field("ok")]), user=people.sue)
    b.activate()
    start_url = reverse("builder:run-start", args=[b.orchestration.pk])

    client.force_login(people.carla)
    assert start_url not in client.get(reverse("inbox:my-requests")).content.decode()

    people.carla.user_permissions.add(Permission.objects.get(codename="add_run"))
    page = client.get(reverse("inbox:my-requests")).content.decode()
    assert "Start a request" in page
    assert start_url in page
    assert client.get(start_url).status_code == 200
