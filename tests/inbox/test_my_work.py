"""My work: what is mine to do, overdue first, with filters, search and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import filters
from inbox.filters import end_of_week
from inbox.templatetags.inbox_tags import due_phrase
from orchestrations.engine import work_item_claim, work_item_complete
from orchestrations.models import Delegation, WorkItem
from tests.factories import VersionBuilder
from tests.inbox.conftest import HTMX, KICKOFF, item_of, listed

pytestmark = pytest.mark.django_db

MY_WORK = reverse("inbox:my-work")


def signed_in(client, user):
    client.force_login(user)
    return client


def copies(item: WorkItem, count: int, **fields) -> list[WorkItem]:
    """More open items on the same step run (cheap: one insert)."""
    return WorkItem.objects.bulk_create(
        WorkItem(run=item.run, step_run=item.step_run, assignee_user=item.assignee_user, **fields)
        for _ in range(count)
    )


def test_ava_finds_her_kickoff_with_its_record_process_stage_and_due_date(client, run, people):
    item = item_of(run, "kickoff")

    response = signed_in(client, people.ava).get(MY_WORK)

    assert response.status_code == 200
    row = response.content.decode()
    assert "<h1>My work</h1>" in row
    assert f'href="{reverse("inbox:work-item", args=[item.pk])}"' in row
    assert "Kickoff call" in row
    assert "Marshford Capital" in row
    assert f'href="{reverse("inbox:run-detail", args=[run.pk])}"' in row
    assert "Customer onboarding" in row
    assert "Welcome" in row
    assert "due in 3\xa0days" in row  # three days less a moment, rounded
    assert listed(response) == [item.pk]


def test_an_outsider_sees_an_empty_inbox_that_points_to_the_team_queues(client, run, people):
    response = signed_in(client, people.olga).get(MY_WORK)

    assert listed(response) == []
    body = response.content.decode()
    assert "Nothing is assigned to you right now." in body
    assert reverse("inbox:queues") in body
    assert "Marshford" not in body


def test_signed_out_visitors_are_sent_to_the_login_page(client, run):
    response = client.get(MY_WORK)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_overdue_items_come_first_then_by_due_date_and_items_without_one_last(client, run, people):
    kickoff = item_of(run, "kickoff")
    now = timezone.now()
    later = copies(kickoff, 1, due_at=now + timedelta(days=9))[0]
    undated = copies(kickoff, 1, due_at=None)[0]
    overdue = copies(kickoff, 1, due_at=now - timedelta(hours=3))[0]
    very_overdue = copies(kickoff, 1, due_at=now - timedelta(days=2))[0]

    response = signed_in(client, people.ava).get(MY_WORK)

    assert listed(response) == [very_overdue.pk, overdue.pk, kickoff.pk, later.pk, undated.pk]
    body = response.content.decode()
    assert "overdue by 2\xa0days" in body
    assert "overdue by 3\xa0hours" in body
    assert 'class="overdue"' in body
    assert "No due date" in body


def test_undated_items_are_ordered_by_when_they_were_assigned(client, run, people):
    kickoff = item_of(run, "kickoff")
    now = timezone.now()
    newer = copies(kickoff, 1, due_at=None, assigned_at=now - timedelta(hours=1))[0]
    older = copies(kickoff, 1, due_at=None, assigned_at=now - timedelta(days=1))[0]

    response = signed_in(client, people.ava).get(MY_WORK)

    assert listed(response) == [kickoff.pk, older.pk, newer.pk]


def test_a_claimed_queue_item_is_in_my_work_marked_with_its_queue_and_a_release_button(
    client, run, people
):
    work_item_complete(item_of(run, "kickoff"), by=people.ava, data=KICKOFF)
    packet = item_of(run, "welcome_packet")
    work_item_claim(packet, by=people.carla)

    body = signed_in(client, people.carla).get(MY_WORK).content.decode()

    assert "Prepare the welcome packet" in body
    assert "Claimed from Customer Success" in body
    assert reverse("inbox:work-item-release", args=[packet.pk]) in body


def test_a_colleague_covering_sees_the_away_persons_items_on_their_behalf(client, run, people):
    today = timezone.localdate()
    Delegation.objects.create(
        user=people.ava, delegate=people.chris, starts_on=today, ends_on=today + timedelta(days=3)
    )

    body = signed_in(client, people.chris).get(MY_WORK).content.decode()

    assert "Kickoff call" in body
    assert "on behalf of Ava Sterling" in body
    assert "You are covering for <strong>Ava Sterling</strong> until" in body
    assert reverse("inbox:delegations") in body


def test_the_person_away_is_told_where_their_new_work_goes(client, run, people):
    today = timezone.localdate()
    Delegation.objects.create(
        user=people.ava, delegate=people.chris, starts_on=today, ends_on=today + timedelta(days=3)
    )

    body = signed_in(client, people.ava).get(MY_WORK).content.decode()

    assert "You are away until" in body
    assert "new work goes to <strong>Chris Okafor</strong>" in body


def test_a_delegation_that_has_not_started_shows_no_note(client, run, people):
    tomorrow = timezone.localdate() + timedelta(days=1)
    Delegation.objects.create(
        user=people.ava, delegate=people.chris, starts_on=tomorrow, ends_on=tomorrow
    )

    body = signed_in(client, people.chris).get(MY_WORK).content.decode()

    assert "covering" not in body
    assert "Kickoff call" not in body


@pytest.fixture
def expenses(people):
    """A second process with work for Ava, to filter by."""
    b = VersionBuilder("expense_claim")
    b.orchestration.name = "Expense claim"
    b.orchestration.save()
    b.step(b.stage("review", name="Review"), "approve", name="Approve the claim", user=people.ava)
    return b.activate()


def test_filtering_by_process_keeps_only_its_items(client, run, expenses, people):
    from orchestrations.engine import run_start

    claim_run = run_start(expenses, started_by=people.ava)
    approve = WorkItem.objects.get(run=claim_run)

    response = signed_in(client, people.ava).get(
        MY_WORK, {"orchestration": expenses.orchestration.pk}
    )

    assert listed(response) == [approve.pk]
    body = response.content.decode()
    assert "Expense claim" in body  # the process select lists both processes
    assert "Customer onboarding" in body
    assert "Clear filters" in body


def test_the_process_select_offers_those_of_the_first_items_and_the_one_chosen(
    client, run, expenses, people, monkeypatch
):
    from orchestrations.engine import run_start

    monkeypatch.setattr(filters, "PROCESSES_AMONG", 1)  # 1,000 in earnest
    claim_run = run_start(expenses, started_by=people.ava)
    approve = WorkItem.objects.get(run=claim_run)
    approve_due_last = timezone.now() + timedelta(days=400)
    WorkItem.objects.filter(pk=approve.pk).update(due_at=approve_due_last)
    signed_in(client, people.ava)

    offered = client.get(MY_WORK).context["filters"].fields["orchestration"].queryset
    assert [process.name for process in offered] == ["Customer onboarding"]

    chosen = client.get(MY_WORK, {"orchestration": expenses.orchestration.pk})
    assert listed(chosen) == [approve.pk]
    assert "Expense claim" in chosen.content.decode()


def test_an_unknown_process_in_the_query_string_is_ignored(client, run, people):
    response = signed_in(client, people.ava).get(MY_WORK, {"orchestration": "999999"})

    assert listed(response) == [item_of(run, "kickoff").pk]


def test_overdue_only_hides_items_that_are_not_late(client, run, people):
    kickoff = item_of(run, "kickoff")
    late = copies(kickoff, 1, due_at=timezone.now() - timedelta(minutes=5))[0]
    copies(kickoff, 1, due_at=None)

    response = signed_in(client, people.ava).get(MY_WORK, {"overdue": "on"})

    assert listed(response) == [late.pk]


def test_due_this_week_keeps_items_due_before_next_monday(client, run, people):
    kickoff = item_of(run, "kickoff")
    WorkItem.objects.filter(pk=kickoff.pk).update(due_at=None)
    sunday_night = copies(kickoff, 1, due_at=end_of_week() - timedelta(minutes=1))[0]
    overdue = copies(kickoff, 1, due_at=timezone.now() - timedelta(days=10))[0]
    copies(kickoff, 1, due_at=end_of_week() + timedelta(hours=1))

    response = signed_in(client, people.ava).get(MY_WORK, {"due_this_week": "on"})

    assert listed(response) == [overdue.pk, sunday_night.pk]


@pytest.mark.parametrize("text", ["Marshford", "marshford cap", "{run}", "#{run}", "# {run}"])
def test_search_finds_items_by_record_or_run_number(client, run, people, text):
    response = signed_in(client, people.ava).get(MY_WORK, {"q": text.format(run=run.pk)})

    assert listed(response) == [item_of(run, "kickoff").pk]


@pytest.mark.parametrize("text", ["Globex", "#99999", "99999999999999999999"])
def test_a_search_that_matches_nothing_offers_to_clear_the_filters(client, run, people, text):
    response = signed_in(client, people.ava).get(MY_WORK, {"q": text})

    assert listed(response) == []
    body = response.content.decode()
    assert "No items match these filters." in body
    assert "Clear filters" in body


def test_pages_hold_25_items_and_page_links_keep_the_filters(client, run, people):
    kickoff = item_of(run, "kickoff")
    copies(kickoff, 29, due_at=kickoff.due_at)

    first = signed_in(client, people.ava).get(MY_WORK, {"q": "Marshford"})
    second = client.get(MY_WORK, {"q": "Marshford", "page": 2})

    assert len(listed(first)) == 25
    assert len(listed(second)) == 5
    assert set(listed(first)).isdisjoint(listed(second))
    assert 'href="?q=Marshford&amp;page=2"' in first.content.decode()
    assert "26\u201330 of 30" in second.content.decode()
    assert 'href="?q=Marshford&amp;page=1"' in second.content.decode()


def test_an_htmx_request_gets_only_the_list_which_keeps_polling_its_own_url(client, run, people):
    response = signed_in(client, people.ava).get(MY_WORK, {"q": "Marshford"}, **HTMX)

    body = response.content.decode()
    assert "<html" not in body
    assert "<h1>" not in body
    assert 'id="my-work-list"' in body
    assert 'hx-get="/?q=Marshford"' in body
    assert 'hx-trigger="every 30s, work-changed from:body"' in body
    assert "Kickoff call" in body


def test_the_full_page_has_a_filter_form_that_works_with_and_without_htmx(client, run, people):
    body = signed_in(client, people.ava).get(MY_WORK).content.decode()

    assert '<form method="get" action="/"' in body
    assert 'hx-get="/" hx-target="#my-work-list"' in body
    assert 'hx-push-url="true"' in body
    for label in ("Search", "Process", "Overdue only", "Due this week"):
        assert label in body


def test_step_names_written_by_admins_are_escaped(client, people, account):
    from orchestrations.engine import run_start

    b = VersionBuilder("tricky")
    b.step(b.stage("only"), "look", name="<script>alert(1)</script>", user=people.ava)
    run_start(b.activate(), started_by=people.ava)

    body = signed_in(client, people.ava).get(MY_WORK).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("htmx", [False, True])
def test_my_work_costs_the_same_queries_for_5_items_as_for_60(
    client, run, people, django_assert_max_num_queries, htmx
):
    kickoff = item_of(run, "kickoff")
    work_item_complete(kickoff, by=people.ava, data=KICKOFF)
    packet = item_of(run, "welcome_packet")
    work_item_claim(packet, by=people.carla)
    today = timezone.localdate()
    Delegation.objects.create(user=people.ava, delegate=people.carla, starts_on=today,
                              ends_on=today)  # fmt: skip
    headers = HTMX if htmx else {}
    signed_in(client, people.carla)
    copies(packet, 4, assignee_group=packet.assignee_group, due_at=timezone.now())
    WorkItem.objects.filter(step_run=packet.step_run).update(
        status="claimed", claimed_by=people.carla
    )
    client.get(MY_WORK, **headers)  # warm the session and content-type caches

    with django_assert_max_num_queries(13) as small:
        small_page = client.get(MY_WORK, **headers)
    assert len(listed(small_page)) == 5

    copies(packet, 55, assignee_group=packet.assignee_group, due_at=timezone.now())
    WorkItem.objects.filter(step_run=packet.step_run).update(
        status="claimed", claimed_by=people.carla
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        big_page = client.get(MY_WORK, **headers)
    assert len(listed(big_page)) == 25


def test_due_dates_read_in_their_largest_unit_rounded():
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert due_phrase(now + timedelta(days=4, hours=23), now) == "due in 5\xa0days"
    assert due_phrase(now + timedelta(hours=1, minutes=10), now) == "due in 1\xa0hour"
    assert due_phrase(now + timedelta(minutes=5), now) == "due in 5\xa0minutes"
    assert due_phrase(now - timedelta(days=2, hours=2), now) == "overdue by 2\xa0days"
    assert due_phrase(now + timedelta(seconds=20), now) == "due now"
