"""The Django admin as support staff use it: find runs, steer them through the engine,
reassign work, and never edit a definition that runs are pinned to."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.models import Account
from orchestrations.actions import action
from orchestrations.actions.registry import unregister
from orchestrations.engine import run_cancel, run_start, run_suspend, work_item_complete
from orchestrations.events import record_event
from orchestrations.models import (
    DecisionOutcome,
    Form,
    FormField,
    InputVariable,
    Orchestration,
    Run,
    RunEvent,
    Stage,
    StageRun,
    Step,
    StepRun,
    Version,
    WorkItem,
)
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db

SUPPORT_PERMISSIONS = [
    "view_run", "change_run", "view_workitem", "change_workitem", "view_runevent",
    "reassign_workitem",
]  # fmt: skip


# people and a tiny process


@pytest.fixture
def sales():
    return make_group("Sales")


@pytest.fixture
def alice(sales):
    return make_user("alice", sales, last_name="Archer")


@pytest.fixture
def bob(sales):
    return make_user("bob", sales)


@pytest.fixture
def support():
    group = make_group("Support")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="orchestrations").filter(
            codename__in=SUPPORT_PERMISSIONS
        )
    )
    return make_user("sam", group, is_staff=True)


@pytest.fixture
def support_client(support):
    client = Client()
    client.force_login(support)
    return client


@pytest.fixture
def onboarding(sales, alice):
    """Welcome: a kickoff form for the sales queue; then Setup: alice configures."""
    b = VersionBuilder("onboarding")
    b.input("tier")
    kickoff_form = b.form("kickoff", [field("notes")])
    welcome = b.stage("welcome")
    setup = b.stage("setup")
    b.step(welcome, "kickoff", form=kickoff_form, group=sales, due_in=timedelta(days=2))
    b.step(setup, "configure", form=kickoff_form, user=alice)
    b.outcome(welcome, "vars.tier == 'gold'", setup, label="gold customers")
    b.activate()
    return b.orchestration


def start(orchestration, name, by=None):
    return run_start(orchestration, record=Account.objects.create(name=name), started_by=by)


def open_item(run):
    return WorkItem.objects.open().get(run=run)


def finish(run, by):
    """Complete every step until the run ends."""
    while (item := WorkItem.objects.open().filter(run=run).first()) is not None:
        work_item_complete(item, by=by, data={})
    run.refresh_from_db()
    assert run.status == "completed"
    return run


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def changelist(model):
    return reverse(f"admin:orchestrations_{model._meta.model_name}_changelist")


def change_page(obj):
    return reverse(f"admin:orchestrations_{obj._meta.model_name}_change", args=[obj.pk])


def steer_url(run, operation):
    return reverse("admin:orchestrations_run_steer", args=[run.pk, operation])


def listed_runs(response):
    return {run.pk for run in response.context["cl"].result_list}


def run_action(client, action, runs, **extra):
    return client.post(
        changelist(Run),
        {"action": action, "_selected_action": [r.pk for r in runs], **extra},
        follow=True,
    )


# pages


def test_every_page_loads_for_a_superuser(admin_client, onboarding, alice):
    run = start(onboarding, "Acme", by=alice)
    run_suspend(run, by=alice, reason="waiting for the customer")
    draft = VersionBuilder("onboarding").version
    models = [Orchestration, Version, Stage, Step, Form, FormField, InputVariable,
              DecisionOutcome, Run, StageRun, StepRun, WorkItem, RunEvent]  # fmt: skip

    for model in models:
        assert admin_client.get(changelist(model)).status_code == 200, model
        first = model._default_manager.first()
        assert admin_client.get(change_page(first)).status_code == 200, model
    for model in [Orchestration, Version, Stage, Step, Form, InputVariable]:
        add = reverse(f"admin:orchestrations_{model._meta.model_name}_add")
        assert admin_client.get(add, {"version": draft.pk}).status_code == 200, model

    index = admin_client.get(reverse("admin:index"))
    assert "Handoff administration" in index.text


def test_the_run_page_shows_stages_steps_work_items_and_timeline(admin_client, onboarding, bob):
    run = start(onboarding, "Acme", by=bob)
    item = open_item(run)

    page = admin_client.get(change_page(run))

    assert page.context["title"] == "View run"  # nothing on it is editable by hand
    assert "Welcome" in page.text  # the current stage
    assert change_page(item) in page.text  # a link to the work item
    assert "Started on version 1." in page.text  # the timeline
    assert 'name="status"' not in page.text
    inline_names = [f.opts.verbose_name_plural for f in page.context["inline_admin_formsets"]]
    assert inline_names == ["stages", "steps", "work items", "timeline"]


def test_the_run_page_costs_the_same_with_5_or_50_events(
    admin_client, onboarding, alice, django_assert_max_num_queries
):
    people = [make_user(f"user{i}") for i in range(10)]
    small, large = start(onboarding, "Small"), start(onboarding, "Large")
    for run, count in [(small, 5), (large, 50)]:
        for i in range(count):
            record_event(run, "note", actor=people[i % 10], message=f"note {i}")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_page:
        assert admin_client.get(change_page(small)).status_code == 200
    with django_assert_max_num_queries(len(small_page.captured_queries)):
        assert admin_client.get(change_page(large)).status_code == 200


# filters and search


def test_runs_filter_by_status_orchestration_version_age_and_open_work(
    admin_client, onboarding, alice
):
    waiting = start(onboarding, "Waiting")
    done = finish(start(onboarding, "Done"), alice)
    paused = start(onboarding, "Paused")
    run_suspend(paused)
    other = VersionBuilder("offboarding")
    other.step(other.stage("bye"), "wave", form=other.form("f", [field("x")]), user=alice)
    other.activate()
    elsewhere = start(other.orchestration, "Elsewhere")
    Run.objects.filter(pk=done.pk).update(started_at=timezone.now() - timedelta(days=40))
    Run.objects.filter(pk=paused.pk).update(started_at=timezone.now() - timedelta(days=10))

    def runs(**params):
        response = admin_client.get(changelist(Run), params)
        assert response.status_code == 200
        return listed_runs(response)

    assert runs(status__exact="suspended") == {paused.pk}
    assert runs(orchestration__id__exact=onboarding.pk) == {waiting.pk, done.pk, paused.pk}
    assert runs(version=elsewhere.version_id) == {elsewhere.pk}
    assert runs(age="today") == {waiting.pk, elsewhere.pk}
    assert runs(age="7d") == {waiting.pk, elsewhere.pk}
    assert runs(age="older_7d") == {done.pk, paused.pk}
    assert runs(age="older_30d") == {done.pk}
    assert runs(open_items="no") == {done.pk}
    assert runs(open_items="yes") == {waiting.pk, paused.pk, elsewhere.pk}


def test_runs_are_found_by_record_starter_assignee_and_id(admin_client, onboarding, alice, bob):
    acme = start(onboarding, "Acme Corp", by=bob)
    globex = start(onboarding, "Globex", by=alice)
    work_item_complete(open_item(globex), by=bob, data={})  # now alice configures Globex

    def found(term):
        return listed_runs(admin_client.get(changelist(Run), {"q": term}))

    assert found("acme") == {acme.pk}
    assert found("bob") == {acme.pk}  # the starter
    assert found("Archer") == {globex.pk}  # the starter's last name
    assert found("alice") == {globex.pk}  # starter and assignee: listed once
    assert found(f"#{globex.pk}") == {globex.pk}
    assert found("nobody") == set()


def test_work_items_filter_by_status_group_overdue_and_orchestration(
    admin_client, onboarding, alice, sales
):
    late = open_item(start(onboarding, "Late"))
    on_time = open_item(start(onboarding, "On time"))
    WorkItem.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    done_run = start(onboarding, "Done")
    kickoff = open_item(done_run)
    work_item_complete(kickoff, by=alice, data={})

    def items(**params):
        response = admin_client.get(changelist(WorkItem), params)
        assert response.status_code == 200
        return {item.pk for item in response.context["cl"].result_list}

    assert items(overdue="yes") == {late.pk}
    assert late.pk not in items(overdue="no")
    assert items(status__exact="completed") == {kickoff.pk}
    assert items(assignee_group__id__exact=sales.pk) == {late.pk, on_time.pk, kickoff.pk}
    assert items(run__orchestration__id__exact=onboarding.pk, status__exact="open") == {
        late.pk, on_time.pk, open_item(done_run).pk,
    }  # fmt: skip
    assert items(q="Late") == {late.pk}
    assert items(q="configure") == {open_item(done_run).pk}  # the step's name
    assert items(q="alice") == {open_item(done_run).pk}  # the assignee


# run actions


def test_suspend_and_resume_go_through_the_engine(admin_client, onboarding):
    run = start(onboarding, "Acme")

    response = run_action(admin_client, "suspend_runs", [run])
    run.refresh_from_db()
    assert run.status == "suspended"
    assert "Suspended 1 run." in messages_of(response)
    assert run.events.filter(kind="run.suspend").exists()

    response = run_action(admin_client, "resume_runs", [run])
    run.refresh_from_db()
    assert run.status == "in_progress"
    assert "Resumed 1 run." in messages_of(response)


def test_cancel_asks_first_then_reports_what_was_refused(admin_client, onboarding, alice):
    live = start(onboarding, "Live")
    done = finish(start(onboarding, "Done"), alice)

    confirm = run_action(admin_client, "cancel_runs", [live, done])
    assert confirm.templates[0].name == "admin/orchestrations/run/cancel_confirmation.html"
    assert "be undone" in confirm.text
    live.refresh_from_db()
    assert live.status == "in_progress"

    response = run_action(
        admin_client, "cancel_runs", [live, done], confirmed="yes", reason="Deal fell through"
    )
    live.refresh_from_db()
    assert live.status == "canceled"
    assert live.events.get(kind="run.cancel").message == "Deal fell through"
    assert messages_of(response) == [
        "Canceled 1 run.",
        f"1 refused: {done} is completed and cannot be canceled.",
    ]


def test_identical_refusals_are_grouped(admin_client, onboarding, alice):
    first, second = (finish(start(onboarding, name), alice) for name in ["One", "Two"])

    response = run_action(admin_client, "cancel_runs", [first, second], confirmed="yes")

    [message] = messages_of(response)
    assert message.startswith("2 refused (")
    assert str(first) in message
    assert str(second) in message
    assert message.endswith("): The run is completed and cannot be canceled.")


def test_retry_failed_steps_restarts_them_and_refuses_runs_not_in_error(
    admin_client, onboarding, alice
):
    healthy = start(onboarding, "Healthy")
    alice.is_active = False  # the check step's assignee: it cannot start
    alice.save()
    b = VersionBuilder("fragile")
    b.step(b.stage("only"), "check", form=b.form("f", [field("x")]), user=alice)
    b.activate()
    broken = start(b.orchestration, "Broken")
    assert broken.status == "error"

    alice.is_active = True
    alice.save()
    response = run_action(admin_client, "retry_runs", [broken, healthy])

    broken.refresh_from_db()
    assert broken.status == "in_progress"
    assert open_item(broken).assignee_user == alice
    assert messages_of(response) == [
        "Retried 1 run.",
        f"1 refused: {healthy} is in progress; only a run in error has failed steps to retry.",
    ]


def test_a_failed_step_is_retried_from_the_step_list(support_client, alice):
    alice.is_active = False  # the check step's assignee: it cannot start
    alice.save()
    b = VersionBuilder("fragile")
    b.step(b.stage("only"), "check", form=b.form("f", [field("x")]), user=alice)
    b.activate()
    run = start(b.orchestration, "Broken")
    failed = StepRun.objects.get(run=run)
    listing = support_client.get(changelist(StepRun), {"status__exact": "error"})
    assert [s.pk for s in listing.context["cl"].result_list] == [failed.pk]

    alice.is_active = True
    alice.save()
    response = support_client.post(
        changelist(StepRun), {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )

    assert messages_of(response) == ["Retried 1 step run."]
    run.refresh_from_db()
    assert run.status == "in_progress"


def test_a_retry_that_fails_again_at_once_says_what_happened(admin_client, support_client, alice):
    alice.is_active = False  # the check step's assignee: it cannot start, and still cannot
    alice.save()
    b = VersionBuilder("fragile")
    b.step(b.stage("only"), "check", form=b.form("f", [field("x")]), user=alice)
    b.activate()
    first, second = start(b.orchestration, "Broken"), start(b.orchestration, "Also broken")
    failed = StepRun.objects.get(run=first)

    one = run_action(admin_client, "retry_runs", [first])
    both = run_action(admin_client, "resume_runs", [first, second])
    page = admin_client.post(steer_url(first, "retry"), follow=True)
    steps = support_client.post(
        changelist(StepRun), {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )

    again = "The assignee of 'Check' is no longer an active user."
    assert messages_of(one) == [f"Retried 1 run; it failed again: {again}"]
    assert messages_of(both) == [
        "Resumed 2 runs; 2 failed again:",
        f"Fragile #{first.pk} — Broken failed again: {again}",
        f"Fragile #{second.pk} — Also broken failed again: {again}",
    ]
    assert messages_of(page) == [f"Retried 1 run; it failed again: {again}"]
    assert messages_of(steps) == [f"Retried 1 step run; it failed again: {again}"]


@pytest.mark.django_db(transaction=True)
def test_a_retried_action_that_fails_again_in_this_process_says_how(admin_client):
    # Celery runs eagerly here, as with `make run`'s defaults: the attempt runs right
    # after the retry commits, within the same request.
    @action("test.provision")
    def provision(ctx):
        raise RuntimeError("the tenant API answered 503")

    try:
        b = VersionBuilder("provisioning")
        b.step(b.stage("only"), "provision", action="test.provision", retry_max_attempts=1)
        b.activate()
        run = start(b.orchestration, "Acme")
        run.refresh_from_db()
        assert run.status == "error"

        response = run_action(admin_client, "retry_runs", [run])
    finally:
        unregister("test.provision")

    assert messages_of(response) == [
        "Retried 1 run; it failed again: 'Provision' failed after 1 attempt(s): "
        "the tenant API answered 503."
    ]


# one run, from its page


def test_the_run_page_steers_one_run(admin_client, onboarding):
    run = start(onboarding, "Acme")
    page = admin_client.get(change_page(run))
    assert steer_url(run, "suspend") in page.text
    assert steer_url(run, "resume") not in page.text  # only what the status allows

    response = admin_client.post(steer_url(run, "suspend"), follow=True)
    assert response.redirect_chain[-1][0] == change_page(run)
    assert "Suspended 1 run." in messages_of(response)
    run.refresh_from_db()
    assert run.status == "suspended"

    assert admin_client.get(steer_url(run, "resume")).status_code == 405
    confirm = admin_client.get(steer_url(run, "cancel"))
    assert "Yes, cancel this run" in confirm.text
    canceled = admin_client.post(
        steer_url(run, "cancel"), {"reason": "Duplicate request"}, follow=True
    )
    assert messages_of(canceled) == ["Canceled 1 run."]
    run.refresh_from_db()
    assert run.status == "canceled"
    assert run.events.get(kind="run.cancel").message == "Duplicate request"

    again = admin_client.post(steer_url(run, "suspend"), follow=True)
    assert messages_of(again) == [f"1 refused: {run} is canceled and cannot be suspended."]


def test_object_actions_need_a_csrf_token(admin_user, onboarding):
    run = start(onboarding, "Acme")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.post(steer_url(run, "suspend")).status_code == 403
    run.refresh_from_db()
    assert run.status == "in_progress"


# reassigning work items


def reassign(client, items, **data):
    return client.post(
        changelist(WorkItem),
        {"action": "reassign_work_items", "_selected_action": [i.pk for i in items], **data},
        follow=True,
    )


def test_reassign_asks_for_one_assignee_and_a_reason(support_client, onboarding, alice, bob):
    item = open_item(start(onboarding, "Acme"))

    page = reassign(support_client, [item])
    assert page.templates[0].name == "admin/orchestrations/workitem/reassign.html"
    assert "Kickoff" in page.text

    missing = reassign(support_client, [item], confirmed="yes", reason="Alice covers Acme")
    assert "Pick a user or a team queue." in missing.text
    assert "Alice covers Acme" in missing.text  # what was typed is kept
    # Search (Enter in the box, or the button): the matches, nothing reassigned, no errors.
    found = reassign(
        support_client, [item], confirmed="yes", search="1", find="arch", reason="Alice covers"
    )
    assert f'value="{alice.pk}"' in found.text
    assert f'value="{bob.pk}"' not in found.text
    assert "This field is required." not in found.text
    assert "Alice covers" in found.text
    no_reason = reassign(support_client, [item], confirmed="yes", to=alice.pk)
    assert "This field is required." in no_reason.text
    assert f'value="{alice.pk}" checked' in no_reason.text
    item.refresh_from_db()
    assert item.assignee_group is not None

    done = reassign(
        support_client, [item], confirmed="yes", to=alice.pk, reason="Alice covers Acme"
    )
    item.refresh_from_db()
    assert item.assignee_user == alice
    assert item.assignee_group is None
    assert "Reassigned 1 work item." in messages_of(done)
    assert "Alice covers Acme" in item.run.events.get(kind="work_item.reassign").message


def test_reassigning_a_completed_item_is_refused_with_who_completed_it(
    support_client, onboarding, alice, bob
):
    run = start(onboarding, "Acme")
    completed = open_item(run)
    work_item_complete(completed, by=bob, data={})
    still_open = open_item(run)

    response = reassign(
        support_client, [completed, still_open], confirmed="yes", to=alice.pk,
        reason="Holiday",
    )  # fmt: skip

    [succeeded, refused] = messages_of(response)
    assert succeeded == "Reassigned 1 work item."
    assert refused.startswith(f"1 refused ({completed}): Already completed by Bob,")


def test_reassigning_to_an_outside_participant_is_refused_for_each_item(support_client, onboarding):
    dana = make_user("dana", first_name="Dana", last_name="Whitfield")  # in no team
    items = [open_item(start(onboarding, name)) for name in ("Acme", "Initech")]

    # The type-ahead never lists her; a crafted form is refused by the engine, item by item.
    found = support_client.get(
        reverse("admin:orchestrations_workitem_reassign_search"), {"find": "dana"}
    )
    assert "Dana" not in found.text
    response = reassign(support_client, items, confirmed="yes", to=dana.pk, reason="Hers")

    [refused] = messages_of(response)
    assert refused.startswith(f"2 refused ({items[0]}, {items[1]}): Dana Whitfield is an outside")
    assert all(item.assignee_group is not None for item in WorkItem.objects.all())


def test_the_admin_search_lists_members_and_teams_for_support_only(
    support_client, onboarding, alice
):
    url = reverse("admin:orchestrations_workitem_reassign_search")
    found = support_client.get(url, {"find": "a"})
    assert "Alice Archer" in found.text
    assert 'value="team:' in found.text  # Sales
    viewer = make_user("vic", is_staff=True)
    client = Client()
    client.force_login(viewer)
    assert client.get(url, {"find": "a"}).status_code == 403


def test_one_item_is_reassigned_from_its_page(support_client, onboarding, bob):
    item = open_item(start(onboarding, "Acme"))
    url = reverse("admin:orchestrations_workitem_reassign", args=[item.pk])
    assert url in support_client.get(change_page(item)).text

    response = support_client.post(
        url, {"confirmed": "yes", "to": bob.pk, "reason": "Bob knows them"}, follow=True
    )

    assert response.redirect_chain[-1][0] == change_page(item)
    item.refresh_from_db()
    assert item.assignee_user == bob


# who may do what


def test_support_staff_see_runs_and_steer_them(support_client, onboarding):
    run = start(onboarding, "Acme")

    page = support_client.get(change_page(run))
    assert page.status_code == 200
    assert len(page.context["inline_admin_formsets"]) == 4  # stage and step runs too
    assert steer_url(run, "suspend") in page.text

    run_action(support_client, "suspend_runs", [run])
    run.refresh_from_db()
    assert run.status == "suspended"


def test_staff_without_permissions_get_no_actions(onboarding, alice):
    viewer = make_user("vic", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_run", "view_workitem"])
    )
    client = Client()
    client.force_login(viewer)
    run = start(onboarding, "Acme")
    item = open_item(run)

    listing = client.get(changelist(Run))
    assert listing.status_code == 200
    assert listing.context["action_form"] is None
    assert client.get(changelist(WorkItem)).context["action_form"] is None
    assert steer_url(run, "suspend") not in client.get(change_page(run)).text

    run_action(client, "suspend_runs", [run])
    reassign(client, [item], confirmed="yes", to=alice.pk, reason="x")
    assert client.post(steer_url(run, "suspend")).status_code == 403
    assert client.get(steer_url(run, "cancel")).status_code == 403
    reassign_url = reverse("admin:orchestrations_workitem_reassign", args=[item.pk])
    assert client.get(reassign_url).status_code == 403
    run.refresh_from_db()
    item.refresh_from_db()
    assert run.status == "in_progress"
    assert item.assignee_user is None


def test_people_who_are_not_staff_are_sent_to_the_login_page(client, onboarding, alice):
    run = start(onboarding, "Acme")
    client.force_login(alice)

    for url in [changelist(Run), change_page(run), steer_url(run, "suspend")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    client.post(steer_url(run, "suspend"))
    run.refresh_from_db()
    assert run.status == "in_progress"


# definitions


def test_an_active_version_and_its_parts_are_read_only(admin_client, onboarding):
    version = onboarding.active_version
    stage = version.stages.get(key="welcome")

    page = admin_client.get(change_page(version))
    assert page.context["title"] == "View version"
    assert all(not f.has_change_permission for f in page.context["inline_admin_formsets"])
    response = admin_client.post(change_page(stage), {"name": "Hello", "key": "welcome"})

    assert response.status_code == 403
    stage.refresh_from_db()
    assert stage.name == "Welcome"


def test_a_draft_is_edited_but_its_status_is_not(admin_client, onboarding):
    b = VersionBuilder("onboarding")
    stage = b.stage("welcome")

    page = admin_client.get(change_page(b.version))
    assert "status" not in page.context["adminform"].form.fields
    response = admin_client.post(
        change_page(stage),
        {"position": 0, "key": "welcome", "name": "Hello", "outcomes-TOTAL_FORMS": 0,
         "outcomes-INITIAL_FORMS": 0},
    )  # fmt: skip

    assert response.status_code == 302, response.context["adminform"].form.errors
    stage.refresh_from_db()
    assert stage.name == "Hello"
    b.version.refresh_from_db()
    assert b.version.status == "draft"


def test_canceled_runs_keep_their_history_readable(admin_client, onboarding):
    run = start(onboarding, "Acme")
    run_cancel(run, reason="Customer left")

    page = admin_client.get(change_page(run))

    assert "Customer left" in page.text
    assert page.context["run_operations"] == []


def test_activating_a_draft_retires_the_active_version_and_reports_problems(
    admin_client, onboarding, alice
):
    v1 = onboarding.active_version
    good = VersionBuilder("onboarding")
    good.step(good.stage("hello"), "greet", form=good.form("f", [field("x")]), user=alice)
    empty = VersionBuilder("offboarding")  # no stages: cannot be activated

    response = admin_client.post(
        changelist(Version),
        {"action": "activate", "_selected_action": [good.version.pk, empty.version.pk, v1.pk]},
        follow=True,
    )

    good.version.refresh_from_db()
    v1.refresh_from_db()
    assert (good.version.status, v1.status) == ("active", "obsolete")
    [activated, *refusals] = messages_of(response)
    assert activated == "Activated 1 version."
    assert f"1 refused: {empty.version} has problems to fix first: " in refusals[0]
    # newest first: v2 is already active when v1 comes up
    assert refusals[1] == f"1 refused: {v1} is obsolete; only a draft can be activated."


def _as_posted(form) -> dict:
    """What the change form posts when nothing is changed."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else value
    return data


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("[" * 50_000, "The JSON is nested too deeply: more than 27 levels"),
        ('{"values": {"a": "\\u0000"}}', "$.values.a: Contains a character that cannot be stored"),
        ('{"values": {"n": NaN}}', "$.values.n: Not a number JSON can hold (nan)."),
    ],
    ids=["JSON 50,000 deep", "a NUL escaped in JSON", "NaN"],
)
def test_a_drafts_json_columns_are_read_as_an_import_reads_them(admin_client, typed, error):
    b = VersionBuilder("onboarding")
    step = b.step(b.stage("welcome"), "flag", action="set_variables",
                  action_inputs={"values": {"ok": True}})  # fmt: skip
    page = admin_client.get(change_page(step))

    response = admin_client.post(
        change_page(step), {**_as_posted(page.context["adminform"].form), "action_inputs": typed}
    )

    assert response.status_code == 200
    assert any(error in e for e in response.context["adminform"].form.errors["action_inputs"])
    step.refresh_from_db()
    assert step.action_inputs == {"values": {"ok": True}}


# people


def test_the_user_list_says_who_is_a_member_and_filters_outside_participants(support, alice, bob):
    make_user("dana", first_name="Dana", last_name="Whitfield")  # in no team
    root = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    url = reverse("admin:auth_user_changelist")

    everyone = client.get(url)
    outside = client.get(url, {"membership": "outside"})
    inside = client.get(url, {"membership": "member"})

    assert "membership" in everyone.text
    assert "Outside participant" in everyone.text

    def usernames(page):
        return {user.username for user in page.context["cl"].result_list}

    assert usernames(outside) == {"dana"}
    assert usernames(inside) == {"alice", "bob", "sam", "root"}  # sam and root: staff
