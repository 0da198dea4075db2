"""Out-of-office delegation: work meant for somebody away goes to their delegate, who
acts on their behalf; the timeline and the emails say so."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from orchestrations.engine import (
    run_start,
    work_item_complete,
    work_item_reassign,
)
from orchestrations.engine.delegation import (
    away_all_along,
    day_phrase,
    delegation_create,
    delegation_end,
    route,
)
from orchestrations.models import Delegation, RunEvent, Step, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = timedelta(days=1)


@pytest.fixture
def sales():
    return make_group("Sales")


@pytest.fixture
def ava(sales):
    return make_user("ava", sales, first_name="Ava", last_name="Sterling")


@pytest.fixture
def bob(sales):
    return make_user("bob", sales, first_name="Bob", last_name="Smith")


@pytest.fixture
def cat(sales):
    return make_user("cat", sales, first_name="Cat", last_name="Nguyen")


@pytest.fixture
def kickoff(ava, sales):
    """Welcome: the kickoff call for Ava, then a follow-up in the Sales queue."""
    b = VersionBuilder("onboarding")
    form = b.form("kickoff", [field("notes")])
    welcome = b.stage("welcome")
    first = b.step(welcome, "kickoff", name="Kickoff call", form=form, user=ava)
    b.step(welcome, "follow_up", name="Follow-up", form=form, group=sales, after=[first])
    b.activate()
    return b.orchestration


def away(user, delegate, *, starts=0, days=3, **fields):
    today = TODAY()
    return Delegation.objects.create(
        user=user,
        delegate=delegate,
        starts_on=today + starts * DAY,
        ends_on=today + (starts + days) * DAY,
        **fields,
    )


def open_item(run, key):
    return WorkItem.objects.open().get(run=run, step_run__step__key=key)


def messages(run, kind):
    return list(RunEvent.objects.filter(run=run, kind=kind).values_list("message", flat=True))


def test_a_new_item_for_someone_away_goes_to_their_delegate_on_their_behalf(
    kickoff, ava, bob, after_commit
):
    delegation = away(ava, bob, days=3)

    with after_commit():
        run = run_start(kickoff)

    item = open_item(run, "kickoff")
    assert (item.assignee_user, item.on_behalf_of) == (bob, ava)
    until = day_phrase(delegation.ends_on)
    event = RunEvent.objects.get(run=run, kind="work_item.create")
    assert event.message == (
        f"'Kickoff call' assigned to Bob Smith on behalf of Ava Sterling (away until {until})."
    )
    assert event.on_behalf_of == ava
    (email,) = mail.outbox
    assert email.to == ["bob@example.com"]
    assert f"Ava Sterling is away until {until}; you are covering." in email.body


def test_the_delegate_completes_a_routed_item_on_behalf_of_the_away_person(kickoff, ava, bob):
    away(ava, bob)
    run = run_start(kickoff)

    item = work_item_complete(open_item(run, "kickoff"), by=bob, data={}, on_behalf_of=ava)

    assert (item.completed_by, item.on_behalf_of) == (bob, ava)
    event = RunEvent.objects.get(run=run, kind="work_item.complete")
    assert event.message == "Completed by Bob Smith on behalf of Ava Sterling."
    assert (event.actor, event.on_behalf_of) == (bob, ava)


def test_the_delegate_completes_an_item_assigned_before_the_delegation_began(kickoff, ava, cat):
    run = run_start(kickoff)
    item = open_item(run, "kickoff")
    assert (item.assignee_user, item.on_behalf_of) == (ava, None)
    away(ava, cat)

    # The engine works out whom Cat covers for: a caller need not (and cannot) say.
    work_item_complete(item, by=cat, data={"notes": "done"})

    item.refresh_from_db()
    assert (item.status, item.completed_by, item.on_behalf_of) == ("completed", cat, ava)
    assert messages(run, "work_item.complete") == [
        "Completed by Cat Nguyen on behalf of Ava Sterling."
    ]


def test_a_chain_of_absences_ends_with_the_first_person_who_is_in(kickoff, ava, bob, cat):
    first = away(ava, bob, days=3)
    away(bob, cat, days=10)

    run = run_start(kickoff)

    item = open_item(run, "kickoff")
    assert (item.assignee_user, item.on_behalf_of) == (cat, ava)
    until = day_phrase(first.ends_on)
    assert messages(run, "work_item.create")[0] == (
        f"'Kickoff call' assigned to Cat Nguyen on behalf of Ava Sterling "
        f"(away until {until}; Bob Smith too)."
    )


def test_a_cycle_of_absences_stops_at_the_last_person_before_it_repeats(ava, bob, cat):
    away(ava, bob)
    away(bob, cat)
    away(cat, ava)

    routing = route(ava)

    assert (routing.assignee, routing.on_behalf_of) == (cat, ava)
    assert routing.also_away == (bob,)


def test_an_inactive_delegate_ends_the_chain_at_the_last_active_person(ava, bob, cat):
    away(ava, bob)
    away(bob, cat)
    cat.is_active = False
    cat.save()

    assert (route(ava).assignee, route(ava).on_behalf_of) == (bob, ava)

    bob.is_active = False
    bob.save()
    assert (route(ava).assignee, route(ava).on_behalf_of) == (ava, None)


@pytest.mark.parametrize(
    "when",
    [
        {"starts": 1, "days": 3},  # starts tomorrow
        {"starts": -5, "days": 4},  # ended yesterday
        {"starts": -1, "days": 3, "canceled_at": timezone.now()},  # canceled
    ],
    ids=["upcoming", "over", "canceled"],
)
def test_a_delegation_that_is_not_running_today_routes_nothing(kickoff, ava, bob, when):
    away(ava, bob, **when)

    run = run_start(kickoff)

    item = open_item(run, "kickoff")
    assert (item.assignee_user, item.on_behalf_of) == (ava, None)
    assert messages(run, "work_item.create") == ["'Kickoff call' assigned to Ava Sterling."]


def test_team_queue_items_are_not_routed_because_teammates_cover(kickoff, ava, bob):
    away(ava, bob)
    away(bob, ava)
    run = run_start(kickoff)

    work_item_complete(open_item(run, "kickoff"), by=bob, data={}, on_behalf_of=ava)

    follow_up = open_item(run, "follow_up")
    assert (follow_up.assignee_user, follow_up.assignee_group.name) == (None, "Sales")
    assert follow_up.on_behalf_of is None


def test_reassigning_to_someone_away_gives_the_item_to_their_delegate(
    kickoff, ava, bob, cat, after_commit
):
    run = run_start(kickoff)
    away(cat, bob, days=2)

    with after_commit():
        item = work_item_reassign(
            open_item(run, "kickoff"), by=ava, to_user=cat, reason="Cat knows them"
        )

    assert (item.assignee_user, item.on_behalf_of) == (bob, cat)
    until = day_phrase(TODAY() + 2 * DAY)
    assert messages(run, "work_item.reassign") == [
        "Reassigned from Ava Sterling to Bob Smith on behalf of Cat Nguyen "
        f"(away until {until}): Cat knows them"
    ]
    email = mail.outbox[-1]
    assert email.to == ["bob@example.com"]
    assert (
        "Reassigned to Cat Nguyen by Ava Sterling: Cat knows them. "
        f"Cat Nguyen is away until {until}; you are covering."
    ) in email.body


def test_reassigning_a_routed_item_to_someone_present_forgets_whose_it_was(kickoff, ava, bob, cat):
    away(ava, bob)
    run = run_start(kickoff)

    item = work_item_reassign(open_item(run, "kickoff"), by=bob, to_user=cat)

    assert (item.assignee_user, item.on_behalf_of) == (cat, None)
    assert messages(run, "work_item.reassign") == ["Reassigned from Bob Smith to Cat Nguyen."]


def test_routing_costs_one_query_for_someone_who_is_not_away(ava, bob, django_assert_num_queries):
    away(bob, ava)  # somebody else is away

    with django_assert_num_queries(1):
        routing = route(ava)

    assert (routing.assignee, routing.routed) == (ava, False)


def test_creating_a_delegation_tells_the_delegate(ava, bob, after_commit):
    today = TODAY()

    with after_commit():
        delegation_create(
            user=ava, delegate=bob, starts_on=today, ends_on=today + DAY, note="Offsite"
        )

    (email,) = mail.outbox
    assert email.to == ["bob@example.com"]
    assert email.subject.startswith("You are covering for Ava Sterling from ")
    assert "Their note: Offsite" in email.body


@pytest.mark.parametrize(
    ("starts", "days", "outcome", "ends_in"),
    [
        (2, 3, "canceled", 5),  # upcoming: canceled, dates kept
        (0, 3, "canceled", 3),  # began today: canceled, nothing to keep
        (-2, 5, "ended", -1),  # running since before today: ends yesterday
        (-5, 2, "", -3),  # over already: untouched
    ],
    ids=["upcoming", "began-today", "running", "over"],
)
def test_ending_a_delegation(ava, bob, starts, days, outcome, ends_in):
    delegation = away(ava, bob, starts=starts, days=days)

    assert delegation_end(delegation) == outcome

    delegation.refresh_from_db()
    assert delegation.ends_on == TODAY() + ends_in * DAY
    assert (delegation.canceled_at is not None) == (outcome == "canceled")
    assert not Delegation.objects.active_on(TODAY()).exists()


def test_a_delegate_away_on_every_day_of_a_range_is_away_all_along(ava, bob, cat):
    today = TODAY()
    away(bob, cat, starts=0, days=2)  # today .. +2
    away(bob, ava, starts=3, days=4)  # +3 .. +7

    assert away_all_along(bob, today, today + 7 * DAY)
    assert away_all_along(bob, today + DAY, today + 4 * DAY)
    assert not away_all_along(bob, today, today + 8 * DAY)
    assert not away_all_along(cat, today, today)


def test_a_custom_email_body_still_tells_the_delegate_why_the_work_came_to_them(
    kickoff, ava, bob, after_commit
):
    Step.objects.filter(key="kickoff").update(email_body="Please call the customer.")
    delegation = away(ava, bob)

    with after_commit():
        run_start(kickoff)

    (email,) = mail.outbox
    assert email.body.startswith("Please call the customer.\n\n")
    assert f"Ava Sterling is away until {day_phrase(delegation.ends_on)}; you are covering." in (
        email.body
    )
