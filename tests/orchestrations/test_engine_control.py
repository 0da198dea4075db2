"""Steering runs: suspend/resume, cancel, failures, retries, fault paths, versions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from orchestrations.actions import ActionResult, action
from orchestrations.actions.registry import unregister
from orchestrations.engine import (
    TransitionRefused,
    run_cancel,
    run_resume,
    run_start,
    run_suspend,
    step_execute,
    step_retry,
    work_item_complete,
)
from orchestrations.models import OutboxMessage, Run, StageRun, StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_user

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []
FAILURES = {"left": 0}


@pytest.fixture(autouse=True)
def test_actions():
    CALLS.clear()
    FAILURES["left"] = 0

    @action("test.provision", inputs={"account": "string"}, outputs=["account_id"])
    def provision(ctx, account):
        CALLS.append({"account": account, "attempt": ctx.attempt})
        if FAILURES["left"] > 0:
            FAILURES["left"] -= 1
            raise ConnectionError("CRM unavailable")
        return {"account_id": f"ACC-{account}"}

    @action("test.odd_output", inputs={}, outputs=["when", "thing"])
    def odd(ctx):
        return {"when": timezone.now(), "thing": object() if FAILURES["left"] else "fine"}

    @action("test.tag_record", inputs={}, outputs=[])
    def tag(ctx):
        return ActionResult(record_updates={"tier": "gold"}, variables={"tagged": True})

    yield
    unregister("test.provision")
    unregister("test.tag_record")
    unregister("test.odd_output")


def statuses(run):
    return {s.step.key: s.status for s in StepRun.objects.filter(run=run).select_related("step")}


def item_for(run, step_key):
    return WorkItem.objects.get(
        run=run, step_run__step__key=step_key, status__in=["open", "claimed"]
    )


def provisioning_orchestration(*, attempts=3, fault=False):
    """Setup: a person configures while a background step provisions; then Go-Live."""
    eng = make_user("eng")
    b = VersionBuilder("provisioning")
    b.input("account", required=True)
    form = b.form("f", [field("notes")])
    setup = b.stage("setup")
    golive = b.stage("golive")
    rescue = b.stage("rescue") if fault else None
    b.step(setup, "configure", form=form, user=eng)
    b.step(
        setup, "provision", action="test.provision",
        action_inputs={"account": "{{ vars.account }}"},
        retry_max_attempts=attempts, retry_backoff_seconds=10,
    )  # fmt: skip
    b.step(golive, "launch", form=form, user=eng, when="steps.provision.account_id != None")
    if rescue is not None:
        b.step(rescue, "fix", form=form, user=eng)
        setup.fault_target = rescue
        setup.save()
    b.activate()
    return b, eng


def test_a_background_step_runs_after_commit_and_its_outputs_feed_conditions(after_commit, broker):
    b, eng = provisioning_orchestration()
    with after_commit():
        run = run_start(b.orchestration, variables={"account": "acme"})
        assert broker.messages == []  # nothing leaves before the commit
    assert broker.deliver() == ["done"]
    assert CALLS == [{"account": "acme", "attempt": 1}]
    assert StepRun.objects.get(run=run, step__key="provision").outputs == {"account_id": "ACC-acme"}

    work_item_complete(item_for(run, "configure"), by=eng, data={})
    assert statuses(run)["launch"] == "in_progress"


def test_a_failing_action_is_retried_with_backoff_then_errors_and_resume_restarts_it(
    after_commit, broker
):
    b, eng = provisioning_orchestration(attempts=2)
    FAILURES["left"] = 5
    with after_commit():
        run = run_start(b.orchestration, variables={"account": "acme"}, started_by=eng)
    assert broker.deliver() == ["failed"]

    # the first attempt failed; the second waits in the outbox for 10 s
    provision = StepRun.objects.get(run=run, step__key="provision")
    assert provision.failures == 1
    assert provision.status == "in_progress"
    assert provision.next_attempt_at
    assert provision.next_attempt_at > timezone.now() + timedelta(seconds=8)
    assert broker.messages == []
    retry = OutboxMessage.objects.unsent().get()
    assert retry.available_at == provision.next_attempt_at
    assert retry.payload == {
        "step_run": provision.pk,
        "token": str(provision.dispatch_token),
        "priority": 6,
    }  # a new attempt: behind attempts sent again
    assert "Attempt 1 of 2 failed: CRM unavailable" in run.events.get(kind="step.retry").message

    assert broker.send_due() == 1
    with after_commit():
        assert broker.deliver() == ["failed"]
    run.refresh_from_db()
    provision.refresh_from_db()
    assert provision.status == "error"
    assert run.status == "error"
    assert "failed after 2 attempt(s)" in run.error_message
    assert statuses(run)["configure"] == "discontinued"
    assert WorkItem.objects.get(run=run, step_run__step__key="configure").status == "canceled"
    assert "eng@example.com" in mail.outbox[-1].to

    # support resumes: both steps restart, the interactive one with a new work item
    FAILURES["left"] = 0
    with after_commit():
        run_resume(run)
    assert broker.deliver() == ["done"]
    run.refresh_from_db()
    assert run.status == "in_progress"
    assert statuses(run) == {"configure": "in_progress", "provision": "completed"}
    assert WorkItem.objects.filter(run=run, step_run__step__key="configure").count() == 2


def test_step_retry_restarts_only_failed_work(after_commit, broker):
    b, _eng = provisioning_orchestration(attempts=1)
    FAILURES["left"] = 1
    with after_commit():
        run = run_start(b.orchestration, variables={"account": "x"})
    broker.deliver()
    provision = StepRun.objects.get(run=run, step__key="provision")
    assert provision.status == "error"
    with pytest.raises(TransitionRefused, match="nothing to retry"):
        step_retry(StepRun.objects.get(run=run, step__key="configure"))
    with after_commit():
        step_retry(provision)
    assert broker.deliver() == ["done"]
    assert StepRun.objects.get(pk=provision.pk).status == "completed"


def test_a_fault_path_sends_the_run_to_the_rescue_stage(after_commit, broker):
    b, eng = provisioning_orchestration(attempts=1, fault=True)
    FAILURES["left"] = 1
    with after_commit():
        run = run_start(b.orchestration, variables={"account": "acme"})
    broker.deliver()
    run.refresh_from_db()
    assert run.status == "in_progress"
    setup = StageRun.objects.get(run=run, stage__key="setup")
    assert setup.status == "discontinued"
    assert "fault path" in setup.decision
    assert item_for(run, "fix").assignee_user == eng


def test_suspend_stops_an_attempt_already_queued_and_resume_sends_it_again(after_commit, broker):
    b, eng = provisioning_orchestration()
    with after_commit():
        run = run_start(b.orchestration, variables={"account": "acme"})
    assert len(broker.messages) == 1  # queued for a worker
    run_suspend(run, reason="customer on hold")

    # the message arrives while the run is suspended: the body does not start
    with after_commit():
        assert broker.deliver() == ["suspended"]
    assert CALLS == []
    provision = StepRun.objects.get(run=run, step__key="provision")
    assert provision.status == "in_progress"
    assert provision.dispatch_token is None  # parked: nothing in flight
    assert "It starts when the run resumes" in run.events.get(kind="step.park").message
    with pytest.raises(TransitionRefused, match="suspended"):
        work_item_complete(item_for(run, "configure"), by=eng, data={})

    # resume sends it again, as the same attempt
    with after_commit():
        run_resume(run)
    assert broker.deliver() == ["done"]
    assert CALLS == [{"account": "acme", "attempt": 1}]
    assert StepRun.objects.get(pk=provision.pk).status == "completed"
    work_item_complete(item_for(run, "configure"), by=eng, data={})
    assert statuses(run)["launch"] == "in_progress"
    with pytest.raises(TransitionRefused, match="cannot be resumed"):
        run_resume(run)


def test_a_body_already_running_when_the_run_is_suspended_holds_its_result(after_commit):
    @action("test.suspends_its_run", inputs={}, outputs=["done"])
    def suspends(ctx):
        run_suspend(ctx.run, reason="support paused it meanwhile")
        return {"done": True}

    try:
        b = VersionBuilder("held")
        b.step(b.stage("s"), "slow", action="test.suspends_its_run")
        b.activate()
        run = run_start(b.orchestration)  # the message is not sent: the test delivers it
        slow = StepRun.objects.get(run=run)

        assert step_execute(slow.pk, str(slow.dispatch_token)) == "done"
        slow.refresh_from_db()
        assert slow.status == "in_progress"
        assert slow.held_result == {
            "outputs": {"done": True},
            "record_updates": {},
            "variables": {},
            "emails": [],
        }
        assert slow.lease_until is None

        run_resume(run)
        slow.refresh_from_db()
        assert slow.status == "completed"
        assert slow.outputs == {"done": True}
        assert Run.objects.get(pk=run.pk).status == "completed"
    finally:
        unregister("test.suspends_its_run")


def test_cancel_stops_everything_and_a_finished_run_cannot_be_canceled():
    b, _eng = provisioning_orchestration()
    run = run_start(b.orchestration, variables={"account": "acme"})
    run_cancel(run, reason="deal fell through")
    run.refresh_from_db()
    assert run.status == "canceled"
    assert set(statuses(run).values()) == {"canceled"}
    assert set(WorkItem.objects.filter(run=run).values_list("status", flat=True)) == {"canceled"}
    assert StageRun.objects.get(run=run).status == "canceled"
    with pytest.raises(TransitionRefused, match="canceled and cannot be canceled"):
        run_cancel(run)
    # a late worker result for a canceled step is ignored
    provision = StepRun.objects.get(run=run, step__key="provision")
    assert step_execute(provision.pk, str(provision.dispatch_token)) == "stale"


def test_a_redelivered_message_runs_the_action_once():
    b, _eng = provisioning_orchestration()
    run = run_start(b.orchestration, variables={"account": "acme"})
    provision = StepRun.objects.get(run=run, step__key="provision")
    token = str(provision.dispatch_token)
    assert step_execute(provision.pk, token) == "done"
    assert step_execute(provision.pk, token) == "stale"
    assert len(CALLS) == 1


def test_record_updates_and_variables_apply_with_the_completion():
    from demo.models import Account

    b = VersionBuilder("tagging")
    b.step(b.stage("s"), "tag", action="test.tag_record")
    b.activate()
    account = Account.objects.create(name="Acme")
    run = run_start(b.orchestration, record=account)
    step = StepRun.objects.get(run=run)
    step_execute(step.pk, str(step.dispatch_token))
    account.refresh_from_db()
    run.refresh_from_db()
    assert account.tier == "gold"
    assert run.variables["tagged"] is True
    assert run.status == "completed"


def test_the_wait_action_waits_without_holding_a_worker(broker):
    b = VersionBuilder("waiting")
    b.step(b.stage("s"), "pause", action="wait", action_inputs={"duration": "3600"})
    b.activate()
    run = run_start(b.orchestration)
    step = StepRun.objects.get(run=run)
    step_execute(step.pk, str(step.dispatch_token))
    step.refresh_from_db()
    assert step.status == "in_progress"
    assert step.lease_until is None  # no worker held
    assert step.next_attempt_at
    assert step.next_attempt_at > timezone.now() + timedelta(minutes=59)
    wake_up = OutboxMessage.objects.unsent().get(payload__token=str(step.dispatch_token))
    assert wake_up.available_at == step.next_attempt_at  # the sweeper sends it then

    StepRun.objects.filter(pk=step.pk).update(started_at=timezone.now() - timedelta(hours=2))
    assert broker.send_due() == 1
    assert broker.deliver() == ["done"]
    run.refresh_from_db()
    assert run.status == "completed"


def test_activating_v2_leaves_runs_in_flight_on_v1():
    ann = make_user("ann")
    b1 = VersionBuilder("versions")
    b1.step(b1.stage("one"), "old_step", form=b1.form("f", [field("x")]), user=ann)
    v1 = b1.activate()
    old_run = run_start(b1.orchestration)

    b2 = VersionBuilder("versions")
    b2.step(b2.stage("uno"), "new_step", form=b2.form("f", [field("x")]), user=ann)
    v2 = b2.activate()
    v1.refresh_from_db()
    assert v1.status == "obsolete"
    assert v2.status == "active"

    new_run = run_start(b1.orchestration)
    assert new_run.version == v2
    assert statuses(new_run) == {"new_step": "in_progress"}
    work_item_complete(item_for(old_run, "old_step"), by=ann, data={})
    old_run.refresh_from_db()
    assert old_run.version == v1
    assert old_run.status == "completed"


def test_outputs_are_stored_as_json_and_unstorable_ones_fail_the_attempt(after_commit, broker):
    b = VersionBuilder("odd")
    b.step(b.stage("s"), "odd", action="test.odd_output", retry_max_attempts=2)
    b.activate()
    FAILURES["left"] = 1
    with after_commit():
        run = run_start(b.orchestration)
    assert broker.deliver() == ["failed"]
    step = StepRun.objects.get(run=run)
    assert "cannot be stored" in step.error_message

    FAILURES["left"] = 0
    broker.send_due()  # the retry's backoff passes
    assert broker.deliver() == ["done"]
    step.refresh_from_db()
    assert step.outputs["thing"] == "fine"
    assert step.outputs["when"].startswith(str(timezone.now().year))


def test_a_record_update_naming_an_unknown_field_fails_the_step_clearly(after_commit, broker):
    from demo.models import Account

    b = VersionBuilder("bad_update")
    b.step(
        b.stage("s"), "tag", action="update_record",
        action_inputs={"fields": {"colour": "red"}}, retry_max_attempts=1,
    )  # fmt: skip
    b.activate()
    with after_commit():
        run = run_start(b.orchestration, record=Account.objects.create(name="Acme"))
    assert broker.deliver() == ["done"]
    run.refresh_from_db()
    assert run.status == "error"
    assert "Updating the record failed" in run.error_message
    assert "colour" in run.error_message
    assert StepRun.objects.get(run=run).status == "error"
