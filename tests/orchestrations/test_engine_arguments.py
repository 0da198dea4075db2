# mypy: disable-error-code="arg-type"
# (this module passes wrong types on purpose)
"""Wrong people and wrong types given to the engine's public functions are refused with
the documented error, and nothing changes: the item stays open, no event is written.

Ann and Ivy are in the Review queue (Ivy has left: her account is inactive), Olga is an
outsider, Sue is support staff (a member: staff) who may reassign; an anonymous visitor
and None stand for "nobody signed in".
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import ValidationError

from demo.models import Account
from orchestrations.engine import (
    NotAllowed,
    can_act_on,
    can_reassign,
    record_saved,
    run_cancel,
    run_resume,
    run_start,
    run_suspend,
    step_retry,
    work_item_claim,
    work_item_complete,
    work_item_reassign,
    work_item_release,
)
from orchestrations.engine.delegation import delegation_create, delegation_end, route
from orchestrations.models import Delegation, Run, RunEvent, StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db

NOBODY = {"none": None, "anonymous": AnonymousUser()}


@pytest.fixture
def desk():
    queue = make_group("Review")
    sue = make_user("sue", first_name="Sue", last_name="Port", is_staff=True)
    sue.user_permissions.add(Permission.objects.get(codename="reassign_workitem"))
    people = SimpleNamespace(
        queue=queue,
        ann=make_user("ann", queue, first_name="Ann", last_name="Lee"),
        ivy=make_user("ivy", queue, first_name="Ivy", last_name="Gone", is_active=False),
        olga=make_user("olga", first_name="Olga", last_name="Outsider"),
        sue=sue,
    )
    b = VersionBuilder("review")
    b.step(b.stage("check"), "review", form=b.form("f", [field("notes")]), group=queue)
    b.activate()
    people.run = run_start(b.orchestration, started_by=people.ann)
    people.item = WorkItem.objects.get(run=people.run)
    return people


def state(run):
    """Everything a refused call must leave as it was."""
    return (
        list(RunEvent.objects.filter(run=run).values_list("pk", flat=True)),
        list(
            WorkItem.objects.filter(run=run).values_list(
                "pk", "status", "claimed_by", "assignee_user", "assignee_group", "data"
            )
        ),
        list(StepRun.objects.filter(run=run).values_list("pk", "status")),
        Run.objects.values_list("status", "variables").get(pk=run.pk),
    )


@contextmanager
def nothing_changes(run):
    before = state(run)
    yield
    assert state(run) == before


# Nobody signed in, or somebody who has left --------------------------------------------


@pytest.mark.parametrize("who", NOBODY.values(), ids=NOBODY.keys())
def test_nobody_cannot_complete_claim_or_release_an_item(desk, who):
    with nothing_changes(desk.run):
        with pytest.raises(NotAllowed, match="Only a signed-in person can complete this item"):
            work_item_complete(desk.item, by=who, data={"notes": "hi"})
        with pytest.raises(NotAllowed, match="Only a signed-in person can claim this item"):
            work_item_claim(desk.item, by=who)
        with pytest.raises(NotAllowed, match="Only a signed-in person can release this item"):
            work_item_release(desk.item, by=who)
    assert WorkItem.objects.get(pk=desk.item.pk).status == "open"


def test_an_inactive_member_of_the_queue_cannot_act_on_its_items(desk):
    with nothing_changes(desk.run):
        with pytest.raises(NotAllowed, match="Ivy Gone is not an active user"):
            work_item_complete(desk.item, by=desk.ivy, data={"notes": "hi"})
        with pytest.raises(NotAllowed, match="Ivy Gone is not an active user"):
            work_item_claim(desk.item, by=desk.ivy)


def test_an_outsider_cannot_complete_or_claim(desk):
    with nothing_changes(desk.run):
        with pytest.raises(NotAllowed, match="not to you"):
            work_item_complete(desk.item, by=desk.olga, data={"notes": "hi"})
        with pytest.raises(NotAllowed, match="not in any of your queues"):
            work_item_claim(desk.item, by=desk.olga)


@pytest.mark.parametrize("who", NOBODY.values(), ids=NOBODY.keys())
def test_acting_on_behalf_of_nobody_lets_an_outsider_do_nothing(desk, who):
    # An anonymous visitor's pk is None, as is an unheld item's holder: it must not match.
    with nothing_changes(desk.run), pytest.raises(NotAllowed):
        work_item_complete(desk.item, by=desk.olga, data={"notes": "x"}, on_behalf_of=who)


@pytest.mark.parametrize("who", [*NOBODY.values(), "ivy"], ids=[*NOBODY.keys(), "inactive"])
def test_the_permission_questions_answer_no_for_nobody(desk, who):
    user = desk.ivy if who == "ivy" else who
    assert can_act_on(user, desk.item) is False
    assert can_reassign(user, desk.item) is False
    assert can_act_on(desk.ann, desk.item) is True
    assert can_act_on(desk.olga, desk.item) is False
    assert can_reassign(desk.sue, desk.item) is True


@pytest.mark.parametrize("who", [AnonymousUser(), "ivy"], ids=["anonymous", "inactive"])
def test_nobody_and_former_staff_cannot_steer_runs(desk, who):
    user = desk.ivy if who == "ivy" else who
    with nothing_changes(desk.run):
        for steer in (run_cancel, run_suspend, run_resume):
            with pytest.raises(NotAllowed):
                steer(desk.run, by=user, reason="because")
        with pytest.raises(NotAllowed):
            work_item_reassign(desk.item, by=user, to_user=desk.ann)
        with pytest.raises(NotAllowed):
            run_start(desk.run.orchestration, started_by=user)
    assert Run.objects.count() == 1


def test_by_none_still_means_the_system(desk):
    work_item_reassign(desk.item, by=None, to_user=desk.ann, reason="Rebalancing.")
    run_cancel(desk.run, by=None)
    assert Run.objects.get().status == "canceled"


# Wrong Python types: a bug in the caller, named -----------------------------------------


def test_a_string_where_an_object_is_expected_is_a_type_error_naming_the_argument(desk):
    with nothing_changes(desk.run):
        with pytest.raises(TypeError, match="item must be a WorkItem, not str"):
            work_item_complete(str(desk.item.pk), by=desk.ann, data={})
        with pytest.raises(TypeError, match="by must be a User, not str"):
            work_item_complete(desk.item, by="ann", data={})
        with pytest.raises(TypeError, match="on_behalf_of must be a User, not int"):
            work_item_complete(desk.item, by=desk.ann, data={}, on_behalf_of=7)
        with pytest.raises(TypeError, match="by must be a User, not str"):
            work_item_claim(desk.item, by="ann")
        with pytest.raises(TypeError, match="item must be a WorkItem, not Run"):
            work_item_release(desk.run, by=desk.ann)
        with pytest.raises(TypeError, match="run must be a Run, not int"):
            run_cancel(desk.run.pk)
        with pytest.raises(TypeError, match="run must be a Run, not WorkItem"):
            run_suspend(desk.item)
        with pytest.raises(TypeError, match="run must be a Run, not str"):
            run_resume("1")
        with pytest.raises(TypeError, match="step_run must be a StepRun, not Run"):
            step_retry(desk.run)
        with pytest.raises(TypeError, match="user must be a User, not str"):
            can_act_on("ann", desk.item)
        with pytest.raises(TypeError, match="item must be a WorkItem, not int"):
            can_reassign(desk.ann, desk.item.pk)


def test_reassigning_to_something_that_is_not_a_user_or_a_team_is_a_type_error(desk):
    with nothing_changes(desk.run):
        with pytest.raises(TypeError, match="to_user must be a User, not str"):
            work_item_reassign(desk.item, by=desk.sue, to_user="ann")
        with pytest.raises(TypeError, match="to_user must be a User, not AnonymousUser"):
            work_item_reassign(desk.item, by=desk.sue, to_user=AnonymousUser())
        with pytest.raises(TypeError, match="to_group must be a Group, not str"):
            work_item_reassign(desk.item, by=desk.sue, to_group="Review")
        with pytest.raises(TypeError, match="reason must be text"):
            work_item_reassign(desk.item, by=desk.sue, to_user=desk.ann, reason=["why"])


def test_run_start_names_a_wrong_orchestration_record_or_starter(desk):
    with pytest.raises(TypeError, match="orchestration must be an Orchestration or a Version"):
        run_start("review")
    with pytest.raises(TypeError, match="record must be a Model, not str"):
        run_start(desk.run.orchestration, record="Acme")
    with pytest.raises(TypeError, match="record must be a saved Model"):
        run_start(desk.run.orchestration, record=Account(name="Not saved"))
    with pytest.raises(TypeError, match="started_by must be a User, not str"):
        run_start(desk.run.orchestration, started_by="ann")
    assert Run.objects.count() == 1


def test_record_saved_names_a_wrong_record_or_flag(desk):
    account = Account.objects.create(name="Acme")
    with pytest.raises(TypeError, match="record must be a Model, not str"):
        record_saved("Acme", created=True)
    with pytest.raises(TypeError, match="created must be True or False, not str"):
        record_saved(account, created="yes")
    with pytest.raises(TypeError, match="changed_fields must be a collection of field names"):
        record_saved(account, created=False, changed_fields="stage")
    assert record_saved(account, created=False, changed_fields={"stage"}) == []


# Reasons are kept in the timeline, so they must be storable text ------------------------


@pytest.mark.parametrize(
    ("reason", "message"),
    [("a\x00b", "Null characters"), ("\ud800", "not valid Unicode"), ("x" * 1001, "at most 1000")],
    ids=["nul", "lone-surrogate", "too-long"],
)
def test_a_reason_that_cannot_be_stored_is_refused(desk, reason, message):
    with nothing_changes(desk.run):
        for steer in (run_cancel, run_suspend, run_resume):
            with pytest.raises(ValidationError) as caught:
                steer(desk.run, by=desk.sue, reason=reason)
            assert message in caught.value.message_dict["reason"][0]
        with pytest.raises(ValidationError, match=message):
            work_item_reassign(desk.item, by=desk.sue, to_user=desk.ann, reason=reason)


# Out-of-office delegation ----------------------------------------------------------------

MONDAY, FRIDAY = dt.date(2030, 6, 3), dt.date(2030, 6, 7)


@pytest.mark.parametrize("who", NOBODY.values(), ids=NOBODY.keys())
def test_nobody_can_neither_delegate_nor_cover(desk, who):
    with pytest.raises(NotAllowed):
        delegation_create(user=who, delegate=desk.ann, starts_on=MONDAY, ends_on=FRIDAY)
    with pytest.raises(NotAllowed):
        delegation_create(user=desk.ann, delegate=who, starts_on=MONDAY, ends_on=FRIDAY)
    assert not Delegation.objects.exists()


def test_delegating_to_someone_who_left_to_oneself_or_backwards_is_refused(desk):
    with pytest.raises(NotAllowed, match="Ivy Gone is not an active user"):
        delegation_create(user=desk.ann, delegate=desk.ivy, starts_on=MONDAY, ends_on=FRIDAY)
    with pytest.raises(ValidationError) as caught:
        delegation_create(user=desk.ann, delegate=desk.ann, starts_on=MONDAY, ends_on=FRIDAY)
    assert caught.value.message_dict == {
        "delegate": ["Choose an active colleague other than yourself."]
    }
    with pytest.raises(ValidationError) as caught:
        delegation_create(user=desk.ann, delegate=desk.sue, starts_on=FRIDAY, ends_on=MONDAY)
    assert caught.value.message_dict == {"ends_on": ["The last day can't be before the first day."]}
    assert not Delegation.objects.exists()


def test_delegation_functions_name_wrong_types(desk):
    noon = dt.datetime(2030, 6, 3, 12, 0, tzinfo=dt.UTC)
    with pytest.raises(TypeError, match="starts_on must be a date, not datetime"):
        delegation_create(user=desk.ann, delegate=desk.sue, starts_on=noon, ends_on=FRIDAY)
    with pytest.raises(TypeError, match="ends_on must be a date, not str"):
        delegation_create(user=desk.ann, delegate=desk.sue, starts_on=MONDAY, ends_on="Friday")
    with pytest.raises(TypeError, match="note must be text"):
        delegation_create(
            user=desk.ann, delegate=desk.sue, starts_on=MONDAY, ends_on=FRIDAY, note=5
        )
    with pytest.raises(TypeError, match="delegation must be a Delegation, not int"):
        delegation_end(1)
    with pytest.raises(TypeError, match="user must be a User, not NoneType"):
        route(None)
    with pytest.raises(TypeError, match="day must be a date, not str"):
        route(desk.ann, "today")
    assert not Delegation.objects.exists()
