"""Out of office: Ava delegates her work to Carla while she is away.

Routing itself is tested at engine level (tests/orchestrations/test_engine_delegation.py);
here: what the delegate sees and may do, and the "Out of office" page. A delegate shares
one of the person's teams: here Carla and Chris are in Sales with Ava too.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.models import Account
from inbox import access
from orchestrations.engine import run_start, work_item_complete
from orchestrations.engine.abilities import acting_for
from orchestrations.models import Delegation, RunEvent
from tests.factories import make_user
from tests.inbox.conftest import item_of

DAY = timedelta(days=1)
PAGE = reverse("inbox:delegations")


@pytest.fixture(autouse=True)
def _sales_covers_for_sales(people):
    people.carla.groups.add(people.sales)
    people.chris.groups.add(people.sales)


def today():
    return timezone.localdate()


def away(user, delegate, *, starts=0, days=4, **fields):
    return Delegation.objects.create(
        user=user,
        delegate=delegate,
        starts_on=today() + starts * DAY,
        ends_on=today() + (starts + days) * DAY,
        **fields,
    )


def end_url(delegation):
    return reverse("inbox:delegation-end", args=[delegation.pk])


def logged_in(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def new_account_run(onboarding, people):
    account = Account.objects.create(name="Veridian Dynamics", owner=people.ava, amount=9000)
    return run_start(onboarding, record=account, started_by=people.ava)


# What the delegate sees and may do


def test_new_work_for_someone_away_lands_in_the_delegates_my_work(onboarding, people):
    away(people.ava, people.carla)

    kickoff = item_of(new_account_run(onboarding, people), "kickoff")

    assert (kickoff.assignee_user, kickoff.on_behalf_of) == (people.carla, people.ava)
    assert list(access.my_work(people.carla)) == [kickoff]
    assert kickoff not in access.my_work(people.ava)
    assert acting_for(people.carla, kickoff) == people.ava


def test_the_delegate_opens_and_completes_the_away_persons_older_item(run, people):
    kickoff = item_of(run, "kickoff")  # assigned to Ava before she went away
    with pytest.raises(Http404):
        access.work_item_for(people.carla, kickoff.pk)
    away(people.ava, people.carla)

    assert access.work_item_for(people.carla, kickoff.pk) == kickoff
    assert kickoff in access.my_work(people.carla)
    assert acting_for(people.carla, kickoff) == people.ava
    work_item_complete(  # the engine works out on whose behalf Carla acts
        kickoff,
        by=people.carla,
        data={"kickoff_date": "2026-12-01", "primary_contact": "Pat",
              "contact_email": "pat@example.com"},
    )  # fmt: skip
    assert RunEvent.objects.get(run=run, kind="work_item.complete").message == (
        "Completed by Carla Mendes on behalf of Ava Sterling."
    )


def test_the_delegate_sees_the_older_item_on_its_page(client, run, people):
    away(people.ava, people.carla)
    kickoff = item_of(run, "kickoff")

    page = logged_in(client, people.carla).get(reverse("inbox:work-item", args=[kickoff.pk]))

    assert page.status_code == 200
    assert "Kickoff call" in page.text


def test_the_delegate_submits_a_routed_item_from_its_page_on_behalf_of_the_away_person(
    client, onboarding, people
):
    away(people.ava, people.carla)
    kickoff = item_of(new_account_run(onboarding, people), "kickoff")
    url = reverse("inbox:work-item", args=[kickoff.pk])
    data = {"kickoff_date": "2026-12-01", "primary_contact": "Pat",
            "contact_email": "pat@example.com"}  # fmt: skip

    done = logged_in(client, people.carla).post(url, data)

    assert done.status_code == 302
    kickoff.refresh_from_db()
    assert (kickoff.status, kickoff.completed_by, kickoff.on_behalf_of) == (
        "completed",
        people.carla,
        people.ava,
    )
    assert RunEvent.objects.filter(
        work_item=kickoff, kind="work_item.complete", on_behalf_of=people.ava
    ).exists()


def test_after_the_range_ends_nothing_is_routed_or_visible(onboarding, run, people):
    away(people.ava, people.carla, starts=-5, days=4)  # ended yesterday
    older = item_of(run, "kickoff")

    newer = item_of(new_account_run(onboarding, people), "kickoff")

    assert (newer.assignee_user, newer.on_behalf_of) == (people.ava, None)
    assert not access.my_work(people.carla).exists()
    for item in (older, newer):
        with pytest.raises(Http404):
            access.work_item_for(people.carla, item.pk)
        assert acting_for(people.carla, item) is None


def test_an_upcoming_delegation_neither_routes_nor_shows_anything_yet(onboarding, people):
    away(people.ava, people.carla, starts=1)

    kickoff = item_of(new_account_run(onboarding, people), "kickoff")

    assert kickoff.assignee_user == people.ava
    assert not access.my_work(people.carla).exists()


# The page


def test_the_page_without_any_delegation_says_what_to_do(client, people):
    page = logged_in(client, people.ava).get(PAGE)

    assert page.status_code == 200
    assert "Nothing planned." in page.text
    assert "You are covering for" not in page.text
    assert page.context["form"]["starts_on"].value() == today()


SEARCH = reverse("inbox:delegate-search")


def searched(client, text):
    """The names the delegate type-ahead lists for `text`, in order."""
    response = client.get(SEARCH, {"find": text}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return re.findall(r'<span class="picker-label">([^<]+)</span>', response.text)


def test_the_delegate_search_finds_active_teammates_by_name_or_username_without_me(client, people):
    make_user("zed", people.sales, first_name="Aaron", last_name="Archived", is_active=False)
    make_user("bea", people.sales, first_name="Bea", last_name="Adams")
    make_user("bert", people.success, first_name="Bert", last_name="Acosta")  # not in Sales
    client = logged_in(client, people.ava)

    page = client.get(PAGE)
    assert "Type part of a name or username." in page.text  # nobody listed before typing
    assert "Carla" not in page.text
    assert searched(client, "a") == ["Bea Adams", "Carla Mendes", "Chris Okafor"]
    assert searched(client, "okaf") == ["Chris Okafor"]
    assert searched(client, "carla") == ["Carla Mendes"]  # the username
    assert searched(client, "carla mend") == ["Carla Mendes"]  # every word
    assert searched(client, "olga") == []  # an outside participant
    assert searched(client, "ivan") == []  # a member, in no team of Ava's
    assert searched(client, "ava") == []  # herself


def test_the_delegate_search_lists_at_most_twenty(client, people):
    for n in range(25):
        make_user(f"salesrep{n:02d}", people.sales, first_name="Rep", last_name=f"{n:02d}")

    found = searched(logged_in(client, people.ava), "rep")

    assert len(found) == 20
    assert "type more to narrow them down" in client.get(SEARCH, {"find": "rep"}).text


def test_without_javascript_the_search_button_shows_the_matches_and_keeps_the_values(
    client, people
):
    data = {"find": "chr", "search": "1", "starts_on": today().isoformat(), "note": "Porto"}

    page = logged_in(client, people.ava).post(PAGE, data)

    assert page.status_code == 200
    assert not page.context["form"].errors
    assert f'value="{people.chris.pk}"' in page.text
    assert 'value="Porto"' in page.text
    assert not Delegation.objects.exists()


def test_a_delegate_from_outside_my_teams_is_refused_next_to_the_field(client, people):
    data = {"delegate": people.ivan.pk, "starts_on": today(), "ends_on": today() + DAY}

    page = logged_in(client, people.ava).post(PAGE, data)

    assert page.context["form"].errors["delegate"] == [
        "Ivan Petrov is not in any of your teams; choose someone in Sales."
    ]
    assert not Delegation.objects.exists()


def test_adding_an_out_of_office_saves_it_and_tells_the_delegate(
    client, people, django_capture_on_commit_callbacks
):
    client = logged_in(client, people.ava)
    data = {"delegate": people.carla.pk, "starts_on": today(), "ends_on": today() + 3 * DAY,
            "note": "Offsite in Porto"}  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PAGE, data)

    assert done.status_code == 302
    assert done.url == PAGE
    saved = Delegation.objects.get(user=people.ava)
    assert (saved.delegate, saved.ends_on, saved.note) == (
        people.carla,
        today() + 3 * DAY,
        "Offsite in Porto",
    )
    assert messages_of(done)[0].startswith("You're out of office from ")
    assert [m.to for m in mail.outbox] == [["carla@example.com"]]
    page = client.get(PAGE)
    assert "Carla Mendes</strong> covers for you" in page.text
    assert "End now" in page.text


BAD_FORMS = [
    ("until before from", {"starts_on": 2, "ends_on": 1}, "ends_on",
     "The last day can't be before the first day."),
    ("from in the past", {"starts_on": -1}, "starts_on", "The first day can't be in the past."),
    ("more than a year", {"ends_on": 400}, "ends_on", "within a year"),
    ("no until", {"ends_on": None}, "ends_on", "Enter your last day away."),
    ("to myself", {"delegate": "ava"}, "delegate", "an active colleague other than yourself"),
    ("inactive delegate", {"delegate": "gone"}, "delegate",
     "an active colleague other than yourself"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "field", "error"), BAD_FORMS, ids=lambda v: v)
def test_a_bad_out_of_office_is_refused_next_to_its_field_keeping_the_values(
    client, people, case, change, field, error
):
    make_user("gone", first_name="Gone", is_active=False)
    people.gone = type(people.ava).objects.get(username="gone")
    values = {"delegate": "carla", "starts_on": 0, "ends_on": 3, **change}
    data = {
        "delegate": getattr(people, values["delegate"]).pk,
        "note": "Typed <b>by hand</b>",
        **{
            key: "" if values[key] is None else (today() + values[key] * DAY).isoformat()
            for key in ("starts_on", "ends_on")
        },
    }

    page = logged_in(client, people.ava).post(PAGE, data)

    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.errors) == [field]
    assert error in form.errors[field][0]
    assert f'id="id_{field}_error"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert 'value="Typed &lt;b&gt;by hand&lt;/b&gt;"' in page.text
    assert not Delegation.objects.exists()


def test_overlapping_my_own_out_of_office_is_refused(client, people):
    away(people.ava, people.chris, starts=2, days=3)

    page = logged_in(client, people.ava).post(
        PAGE,
        {"delegate": people.carla.pk, "starts_on": today(), "ends_on": today() + 2 * DAY},
    )

    error = page.context["form"].errors["starts_on"][0]
    assert error.startswith("You are already away from ")
    assert "(Chris Okafor covers)" in error
    assert Delegation.objects.count() == 1


def test_a_delegate_away_all_along_is_refused_and_one_away_for_part_is_a_warning(client, people):
    away(people.carla, people.chris, starts=0, days=3)
    client = logged_in(client, people.ava)

    refused = client.post(
        PAGE,
        {"delegate": people.carla.pk, "starts_on": today(), "ends_on": today() + 2 * DAY},
    )
    saved = client.post(
        PAGE,
        {"delegate": people.carla.pk, "starts_on": today(), "ends_on": today() + 6 * DAY},
    )

    assert refused.context["form"].errors["delegate"] == [
        "Carla Mendes is away on all of those days; choose a colleague who is in."
    ]
    assert saved.status_code == 302
    warning = messages_of(saved)[1]
    assert warning.startswith("Carla Mendes is away for part of that time (from ")
    assert "Chris Okafor covering" in warning


def test_my_current_and_upcoming_out_of_office_can_be_ended_past_ones_cannot(client, people):
    running = away(people.ava, people.carla, starts=-1, days=2)
    upcoming = away(people.ava, people.chris, starts=5)
    over = away(people.ava, people.ivan, starts=-9, days=2)

    page = logged_in(client, people.ava).get(PAGE)

    assert page.context["current"] == [running, upcoming]
    assert page.text.count('class="delegation-end"') == 2
    assert f'action="{end_url(running)}"' in page.text
    assert f'action="{end_url(upcoming)}"' in page.text
    assert end_url(over) not in page.text
    assert page.text.count(">End now</button>") == 1
    assert page.text.count(">Cancel</button>") == 1


def test_the_page_shows_whom_i_cover_for_and_my_past_out_of_office(client, people):
    away(people.ava, people.carla, note="<script>alert(1)</script>")
    away(people.chris, people.carla, starts=3)
    away(people.carla, people.ivan, starts=-10, days=2)
    away(people.carla, people.chris, starts=5, canceled_at=timezone.now())

    page = logged_in(client, people.carla).get(PAGE)

    covering = [d.user for d in page.context["covering"]]
    assert covering == [people.ava, people.chris]
    assert "You are covering for" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert [d.delegate for d in page.context["past"]] == [people.chris, people.ivan]
    assert "Canceled" in page.text
    assert page.context["current"] == []


def test_the_page_costs_the_same_queries_for_few_and_many_delegations(
    client, people, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(client, people.carla)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    away(people.carla, people.ivan, starts=1, days=1)
    away(people.ava, people.carla)
    few = cost()
    colleagues = [make_user(f"colleague{n}") for n in range(12)]
    for n, colleague in enumerate(colleagues):
        away(people.carla, colleague, starts=3 + 3 * n, days=1)
        away(colleague, people.carla, starts=-30 + n, days=0)
        away(people.carla, colleague, starts=-60 + 3 * n, days=1)
    assert cost() == few
    with django_assert_max_num_queries(12):
        client.get(PAGE)


@pytest.mark.parametrize(
    ("starts", "days", "ends_in", "canceled", "message"),
    [
        (-2, 5, -1, False, "Welcome back: new work comes to you again."),
        (0, 3, 3, True, "Welcome back: new work comes to you again."),
        (2, 3, 5, True, "Canceled: Carla Mendes no longer covers for you from "),
        (-5, 2, -3, False, "That out-of-office was already over."),
    ],
    ids=["running", "began-today", "upcoming", "over"],
)
def test_ending_my_out_of_office(client, people, starts, days, ends_in, canceled, message):
    delegation = away(people.ava, people.carla, starts=starts, days=days)

    done = logged_in(client, people.ava).post(end_url(delegation))

    assert done.status_code == 302
    assert done.url == PAGE
    assert messages_of(done)[0].startswith(message)
    delegation.refresh_from_db()
    assert delegation.ends_on == today() + ends_in * DAY
    assert (delegation.canceled_at is not None) == canceled
    assert not Delegation.objects.active_on(today()).exists()


@pytest.mark.parametrize("who", ["olga", "carla"])
def test_nobody_but_its_owner_can_end_an_out_of_office(client, people, who):
    delegation = away(people.ava, people.carla)

    refused = logged_in(client, getattr(people, who)).post(end_url(delegation))

    assert refused.status_code == 404
    delegation.refresh_from_db()
    assert (delegation.ends_on, delegation.canceled_at) == (today() + 4 * DAY, None)


def test_an_outside_participant_has_no_out_of_office_and_lists_nobody(client, people):
    away(people.ava, people.carla, note="Lisbon")
    client = logged_in(client, people.olga)

    assert PAGE not in client.get(reverse("inbox:my-work")).text  # no menu entry
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"delegate": people.ava.pk}).status_code == 404
    assert client.get(SEARCH, {"find": "a"}).status_code == 404
    assert not Delegation.objects.filter(user=people.olga).exists()


def test_ending_needs_a_post_and_a_login(client, people):
    delegation = away(people.ava, people.carla)

    assert client.post(end_url(delegation)).status_code == 302  # to the login page
    assert client.get(PAGE).status_code == 302
    assert logged_in(client, people.ava).get(end_url(delegation)).status_code == 405
    delegation.refresh_from_db()
    assert delegation.canceled_at is None


def test_both_posts_need_the_csrf_token(people):
    delegation = away(people.ava, people.carla, starts=1)
    client = logged_in(Client(enforce_csrf_checks=True), people.ava)
    data = {"delegate": people.chris.pk, "starts_on": today() + 9 * DAY,
            "ends_on": today() + 9 * DAY}  # fmt: skip

    assert client.post(end_url(delegation)).status_code == 403
    assert client.post(PAGE, data).status_code == 403

    delegation.refresh_from_db()
    assert delegation.canceled_at is None
    assert Delegation.objects.count() == 1
    token = client.get(PAGE).cookies["csrftoken"].value
    assert client.post(end_url(delegation), {"csrfmiddlewaretoken": token}).status_code == 302


# The admin


@pytest.fixture
def admin_client(client, people):
    return logged_in(client, make_user("root", is_staff=True, is_superuser=True))


@pytest.mark.parametrize(
    ("query", "shown"),
    [("", {"ava", "chris", "ivan"}), ("?state=now", {"ava"}), ("?state=upcoming", {"chris"}),
     ("?state=over", {"ivan"}), ("?q=Okafor", {"chris"})],
)  # fmt: skip
def test_support_finds_delegations_in_the_admin(admin_client, people, query, shown):
    away(people.ava, people.carla)
    away(people.chris, people.carla, starts=2)
    away(people.ivan, people.carla, starts=-9, days=2)

    page = admin_client.get(reverse("admin:orchestrations_delegation_changelist") + query)

    assert page.status_code == 200
    listed = {d.user.username for d in page.context["cl"].result_list}
    assert listed == shown


def test_support_sets_up_an_out_of_office_in_the_admin_and_the_delegate_is_told(
    admin_client, people, django_capture_on_commit_callbacks
):
    url = reverse("admin:orchestrations_delegation_add")
    day = today().isoformat()
    data = {"user": people.ava.pk, "delegate": people.ava.pk, "starts_on": day, "ends_on": day,
            "note": "Sick"}  # fmt: skip

    refused = admin_client.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        saved = admin_client.post(url, {**data, "delegate": people.chris.pk})

    assert refused.context["adminform"].form.errors["delegate"] == [
        "Choose someone other than the person who is away."
    ]
    elsewhere = admin_client.post(url, {**data, "delegate": people.ivan.pk})
    assert elsewhere.context["adminform"].form.errors["delegate"] == [
        "Ivan Petrov shares no team with Ava Sterling."
    ]
    assert saved.status_code == 302
    assert Delegation.objects.get().delegate == people.chris
    assert [m.to for m in mail.outbox] == [["chris@example.com"]]


def test_comments_are_listed_read_only_in_the_admin(admin_client, run, people):
    from orchestrations.models import Comment

    comment = Comment.objects.create(run=run, author=people.carla, body="Call after <b>4pm</b>")

    listing = admin_client.get(reverse("admin:orchestrations_comment_changelist") + "?q=4pm")
    detail = admin_client.get(reverse("admin:orchestrations_comment_change", args=[comment.pk]))

    assert [c.pk for c in listing.context["cl"].result_list] == [comment.pk]
    assert "Carla Mendes" in listing.text
    assert "Call after &lt;b&gt;4pm" in listing.text
    assert listing.context["has_add_permission"] is False
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
