"""The engine under faults, in one process: a broker that is down or loses messages,
a crash between commit and send, workers that die or hang, a database blip.

The same faults with real worker processes, Redis and PostgreSQL are in
tests/faults/ (the production-stack pass of CI)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from orchestrations import outbox
from orchestrations.actions import action
from orchestrations.actions.registry import unregister
from orchestrations.engine import background, run_start, step_execute, sweep, work_item_complete
from orchestrations.engine.leases import attempt_claim
from orchestrations.engine.sweeper import MAX_TAKEOVERS
from orchestrations.models import OutboxMessage, RunEvent, StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db

BODIES: list[dict] = []


@pytest.fixture(autouse=True)
def counting_action():
    BODIES.clear()

    @action("test.count", inputs={"account": "string"}, outputs=["account_id"])
    def count(ctx, account):
        BODIES.append({"attempt": ctx.attempt, "key": ctx.idempotency_key})
        return {"account_id": f"ACC-{account}"}

    yield
    unregister("test.count")


def onboarding():
    """A team fills in a form while a background step provisions the account."""
    team = make_group("CS")
    carla = make_user("carla", team)
    b = VersionBuilder("onboarding")
    b.input("account", required=True)
    setup = b.stage("setup")
    b.step(setup, "welcome", form=b.form("f", [field("notes")]), group=team)
    b.step(
        setup, "provision", action="test.count",
        action_inputs={"account": "{{ vars.account }}"}, retry_max_attempts=3,
    )  # fmt: skip
    b.activate()
    return b.orchestration, carla


def provision_of(run):
    return StepRun.objects.get(run=run, step__key="provision")


def test_a_broker_outage_at_commit_is_not_the_callers_problem(after_commit, broker, monkeypatch):
    orchestration, carla = onboarding()
    broker.down = True
    monkeypatch.setattr(outbox, "BROKER_DOWN_PAUSE", 0)

    with after_commit():
        run = run_start(orchestration, variables={"account": "acme"})  # no exception
    item = WorkItem.objects.get(run=run)
    with after_commit():
        work_item_complete(item, by=carla, data={"notes": "sent"})  # no exception

    # the attempt is kept, with the reason it is not sent yet; nothing was lost
    waiting = OutboxMessage.objects.unsent().get(kind="step_attempt")
    assert waiting.attempts == 1
    assert "broker is down" in waiting.last_error
    assert waiting.claim is None  # given back for the sweeper
    assert broker.messages == []

    # the broker returns: the sweeper sends it (after its backoff), once
    broker.down = False
    assert sweep()["outbox_sent"] == 0
    with time_machine.travel(timedelta(seconds=2)), after_commit():
        assert sweep()["outbox_sent"] == 1
        assert sweep()["outbox_sent"] == 0
    assert broker.deliver() == ["done"]
    assert provision_of(run).status == "completed"
    assert len(BODIES) == 1
    assert_invariants([run.pk])


def test_emails_wait_in_the_outbox_while_the_broker_is_down(after_commit, broker, monkeypatch):
    from orchestrations import tasks

    orchestration, _ = onboarding()
    monkeypatch.setattr(outbox, "BROKER_DOWN_PAUSE", 0)
    handed = tasks.deliver_outbox.apply_async

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("The broker is down.")

    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", broker_down)
    with after_commit():
        run = run_start(orchestration, variables={"account": "acme"})
    assert mail.outbox == []
    email = OutboxMessage.objects.unsent().get(kind="email")
    assert email.payload["to"] == ["carla@example.com"]
    assert email.run_id == run.pk

    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", handed)
    with after_commit():
        sweep()
        sweep()
    assert [m.to for m in mail.outbox] == [["carla@example.com"]]
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<handoff.outbox.{email.pk}@127.0.0.1>"
    assert OutboxMessage.objects.unsent().count() == 0


def test_a_crash_between_commit_and_send_is_repaired_by_the_sweeper(after_commit, broker):
    orchestration, _ = onboarding()
    run = run_start(orchestration, variables={"account": "acme"})  # nothing sent after commit
    held = OutboxMessage.objects.unsent()
    assert held.count() == 2  # the attempt and the team's email, claimed by the dead process
    assert sweep()["outbox_sent"] == 0  # its claim still runs: it may yet send them

    held.update(claimed_until=timezone.now() - timedelta(seconds=1))
    with after_commit():
        assert sweep()["outbox_sent"] == 2
    assert len(mail.outbox) == 1
    assert broker.deliver() == ["done"]
    assert_invariants([run.pk])


def test_a_row_is_sent_by_one_claimant_only(after_commit, broker):
    orchestration, _ = onboarding()
    run_start(orchestration, variables={"account": "acme"})
    message = OutboxMessage.objects.unsent().get(kind="email")
    first_claim = str(message.claim)
    OutboxMessage.objects.unsent().update(claimed_until=timezone.now() - timedelta(seconds=1))
    with after_commit():
        assert outbox.relay_due() == 2  # the sweeper claims both and sends them
    # the worker the first process handed the email to arrives late: it sends nothing
    assert outbox.deliver_claimed([message.pk], first_claim) == 0
    assert len(mail.outbox) == 1
    assert len(broker.messages) == 1


def test_a_worker_late_to_take_its_email_renews_the_claim_before_sending(after_commit, broker):
    orchestration, _ = onboarding()
    run_start(orchestration, variables={"account": "acme"})  # nothing sent after commit
    message = OutboxMessage.objects.unsent().get(kind="email")
    # the task waited in the queue for longer than the claim, and no sweeper took the row
    OutboxMessage.objects.unsent().update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox.deliver_claimed([message.pk], str(message.claim)) == 1
    assert len(mail.outbox) == 1
    with after_commit():
        assert outbox.relay_due() == 1  # the attempt only: the email is sent once


def test_a_message_the_broker_lost_is_sent_again_only_when_it_is_missing(after_commit, broker):
    orchestration, _ = onboarding()
    with after_commit():
        run = run_start(orchestration, variables={"account": "acme"})
    lost_token = str(provision_of(run).dispatch_token)
    broker.lose()

    assert sweep()["redispatched"] == 0  # just sent: it may still be on its way
    StepRun.objects.filter(run=run).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    broker.messages = [(0, "another run's message")]  # a backlog in the queue
    assert sweep()["redispatched"] == 0  # it may be in there: leave it
    broker.lose()
    with after_commit():
        assert sweep()["redispatched"] == 1  # overdue, out of the outbox, the queue empty

    assert step_execute(provision_of(run).pk, lost_token) == "stale"  # the lost one, late
    assert broker.deliver() == ["done"]
    assert [b["attempt"] for b in BODIES] == [1]  # the same attempt, sent again
    assert_invariants([run.pk])


def test_a_healthy_backlog_is_not_sent_twice(after_commit, broker):
    orchestration, _ = onboarding()
    with after_commit():
        runs = [run_start(orchestration, variables={"account": f"a{n}"}) for n in range(5)]
    StepRun.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    for _ in range(3):
        assert sweep()["redispatched"] == 0
    assert broker.deliver() == ["done"] * 5
    assert_invariants([run.pk for run in runs])


def test_a_dead_worker_is_taken_over_as_the_same_attempt(after_commit, broker):
    orchestration, _ = onboarding()
    with after_commit():
        run = run_start(orchestration, variables={"account": "acme"})
    [(step_run_id, token)] = broker.messages
    broker.lose()
    assert attempt_claim(step_run_id, token)  # a worker claims it, then dies (kill -9)
    assert sweep()["taken_over"] == 0  # its lease still runs

    StepRun.objects.filter(pk=step_run_id).update(lease_until=timezone.now() - timedelta(seconds=1))
    with after_commit():
        assert sweep()["taken_over"] == 1
    step = StepRun.objects.get(pk=step_run_id)
    assert (step.attempt, step.failures, step.takeovers) == (1, 0, 1)  # no retry used up
    again = OutboxMessage.objects.filter(step_run=step).latest("pk")
    assert again.payload["priority"] == 0  # ahead of new attempts waiting in the queue
    assert "stopped answering" in RunEvent.objects.get(run=run, kind="step.takeover").message
    assert step_execute(step_run_id, token) == "stale"  # the dead worker's message, redelivered
    assert broker.deliver() == ["done"]
    assert [{"attempt": 1, "key": f"handoff-{step_run_id}-1"}] == BODIES
    assert_invariants([run.pk])


def test_an_attempt_whose_lease_lapsed_past_its_time_limit_fails_as_timed_out(broker, settings):
    settings.HANDOFF_ACTION_TIMEOUT_SECONDS = 60
    orchestration, _ = onboarding()
    run = run_start(orchestration, variables={"account": "acme"})
    step = provision_of(run)
    attempt_claim(step.pk, str(step.dispatch_token))
    long_ago = timezone.now() - timedelta(minutes=5)
    StepRun.objects.filter(pk=step.pk).update(claimed_at=long_ago, lease_until=long_ago)

    assert sweep()["taken_over"] == 1
    step.refresh_from_db()
    assert (step.failures, step.attempt) == (1, 2)  # a retry, with a new idempotency key
    assert step.error_message.startswith("Timed out:")
    assert "Attempt 1 of 3 failed: Timed out" in RunEvent.objects.get(kind="step.retry").message


def test_a_body_that_kills_its_worker_every_time_is_not_run_forever(broker):
    orchestration, _ = onboarding()
    run = run_start(orchestration, variables={"account": "acme"})
    for _ in range(MAX_TAKEOVERS):
        step = provision_of(run)
        attempt_claim(step.pk, str(step.dispatch_token))
        StepRun.objects.filter(pk=step.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
        sweep()
    step = provision_of(run)
    assert step.failures == 1
    assert f"stopped {MAX_TAKEOVERS} times" in step.error_message


def test_the_sweeper_never_sends_again_an_attempt_that_a_worker_holds(after_commit, broker):
    """The reproduction from the field: the sweeper decided a message was lost while
    its first delivery was claiming it; both ran the body and completed the step."""
    orchestration, _ = onboarding()
    with after_commit():
        run = run_start(orchestration, variables={"account": "acme"})
    [(step_run_id, token)] = broker.messages
    broker.lose()
    StepRun.objects.filter(pk=step_run_id).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    claim = attempt_claim(step_run_id, token)  # the first delivery claims…
    assert sweep()["redispatched"] == 0  # …so the sweeper leaves it alone
    background.attempt_succeeded(step_run_id, token, background._as_result({"account_id": "x"}))
    assert claim
    assert sweep() == {"outbox_sent": 0, "taken_over": 0, "redispatched": 0, "outbox_forgotten": 0}
    assert RunEvent.objects.filter(run=run, kind="step.complete").count() == 1
    assert_invariants([run.pk])


def test_a_database_blip_after_the_body_records_the_result_without_running_it_again(
    broker, monkeypatch
):
    orchestration, _ = onboarding()
    run = run_start(orchestration, variables={"account": "acme"})
    step = provision_of(run)
    record = background.attempt_succeeded
    blips = {"left": 2}

    def flaky_record(*args):
        if blips["left"]:
            blips["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return record(*args)

    monkeypatch.setattr(background, "attempt_succeeded", flaky_record)
    monkeypatch.setattr(background.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(background.connection, "close", lambda: None)  # the test's transaction

    assert step_execute(step.pk, str(step.dispatch_token)) == "done"
    assert len(BODIES) == 1
    assert provision_of(run).status == "completed"
    assert_invariants([run.pk])


def test_the_worker_running_an_attempt_decides_its_time_limits(monkeypatch, settings):
    """Celery copies the sender's task limits into a message, where they override the
    worker's: the message must carry none, so the worker's settings decide (its watchdog
    and Celery's soft and hard limits then agree)."""
    from orchestrations import tasks
    from orchestrations.engine import dispatch
    from orchestrations.engine.leases import HARD_LIMIT_GRACE, SOFT_LIMIT_GRACE

    sent: dict = {}
    monkeypatch.setattr(tasks.execute_step, "apply_async", lambda *a, **kw: sent.update(kw))
    dispatch.send_step_message(1, "token")
    assert sent["soft_time_limit"] is None
    assert sent["time_limit"] is None
    assert sent["queue"] == "handoff.actions"
    limit = settings.HANDOFF_ACTION_TIMEOUT_SECONDS
    assert tasks.execute_step.soft_time_limit == limit + SOFT_LIMIT_GRACE
    assert tasks.execute_step.time_limit == limit + HARD_LIMIT_GRACE


def test_the_sweeper_forgets_outbox_rows_sent_long_ago(settings):
    settings.HANDOFF_OUTBOX_KEEP_DAYS = 7
    now = timezone.now()
    email = {"to": ["a@example.com"], "subject": "Hi", "body": "x"}
    old_sent = OutboxMessage.objects.create(
        kind="email", payload=email, sent_at=now - timedelta(days=8)
    )
    old_discarded = OutboxMessage.objects.create(
        kind="email", payload=email, discarded_at=now - timedelta(days=9)
    )
    recent = OutboxMessage.objects.create(
        kind="email", payload=email, sent_at=now - timedelta(days=6)
    )
    old_unsent = OutboxMessage.objects.create(
        kind="email", payload=email, available_at=now + timedelta(days=30),
        created_at=now - timedelta(days=30),
    )  # fmt: skip

    assert sweep()["outbox_forgotten"] == 2
    left = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert left == {recent.pk, old_unsent.pk}  # history of a week, and whatever is pending
    assert not {old_sent.pk, old_discarded.pk} & left
