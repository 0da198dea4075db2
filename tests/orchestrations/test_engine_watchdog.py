"""A running attempt's heartbeat: it keeps a slow body's lease, stops a body past its
time limit, and stops a body whose lease is lost, so that a takeover never runs beside
it. Real threads and committed rows (the heartbeat has its own connection)."""

import threading
import time
import uuid
from typing import Any

import pytest
from django.db import OperationalError, connection

from orchestrations.actions import action
from orchestrations.actions.registry import unregister
from orchestrations.engine import leases, run_start, step_execute, sweep
from orchestrations.models import StepRun
from tests.factories import VersionBuilder
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db(transaction=True)

SLOW: dict[str, Any] = {"seconds": 0.0, "during": None}
BODIES: list[str] = []


@pytest.fixture(autouse=True)
def short_lease(settings, broker):  # broker: messages wait for the test to run them
    settings.HANDOFF_LEASE_SECONDS = 0.6  # renewed every 0.2 s
    settings.HANDOFF_ACTION_TIMEOUT_SECONDS = 30
    BODIES.clear()
    SLOW.update(seconds=0.0, during=None)

    @action("test.slow", inputs={}, outputs=["finished"])
    def slow(ctx):
        BODIES.append("started")
        deadline = time.monotonic() + SLOW["seconds"]
        while time.monotonic() < deadline:  # Python work, in small steps
            during = SLOW["during"]
            if during and time.monotonic() > deadline - SLOW["seconds"] / 2:
                SLOW["during"] = None
                during()
            time.sleep(0.01)
        BODIES.append("finished")
        return {"finished": True}

    yield
    unregister("test.slow")


def started_step():
    b = VersionBuilder("slow")
    b.step(b.stage("s"), "slow", action="test.slow", retry_max_attempts=2)
    b.activate()
    run = run_start(b.orchestration)
    return run, StepRun.objects.get(run=run)


def in_thread(func):
    result: dict = {}

    def target():
        try:
            result["value"] = func()
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return result.get("value")


def test_a_slow_body_keeps_its_lease_and_is_never_taken_over():
    run, step = started_step()
    SLOW["seconds"] = 2.0  # more than three leases
    swept: list[dict] = []
    SLOW["during"] = lambda: swept.append(in_thread(sweep))

    assert step_execute(step.pk, str(step.dispatch_token)) == "done"

    assert swept == [{"outbox_sent": 0, "taken_over": 0, "redispatched": 0, "outbox_forgotten": 0}]
    assert BODIES == ["started", "finished"]
    step.refresh_from_db()
    assert step.status == "completed"
    assert step.heartbeat_at
    assert step.claimed_at
    assert (step.heartbeat_at - step.claimed_at).total_seconds() > 1.0  # renewed all along
    assert_invariants([run.pk])


def test_a_body_past_its_time_limit_is_stopped_and_the_attempt_fails_as_timed_out(settings):
    settings.HANDOFF_ACTION_TIMEOUT_SECONDS = 1
    run, step = started_step()
    SLOW["seconds"] = 10.0
    started = time.monotonic()

    assert step_execute(step.pk, str(step.dispatch_token)) == "failed"

    assert time.monotonic() - started < 3
    assert BODIES == ["started"]  # stopped, not finished
    step.refresh_from_db()
    assert step.error_message == "Timed out: still running after 1 s."
    assert (step.failures, step.attempt, step.status) == (1, 2, "in_progress")  # a retry
    assert_invariants([run.pk])


def test_a_body_whose_lease_was_taken_over_is_stopped_and_its_result_dropped():
    _run, step = started_step()
    SLOW["seconds"] = 3.0
    # meanwhile the step is given to another attempt (as a takeover does)
    SLOW["during"] = lambda: in_thread(
        lambda: StepRun.objects.filter(pk=step.pk).update(dispatch_token=uuid.uuid4())
    )
    started = time.monotonic()

    assert step_execute(step.pk, str(step.dispatch_token)) == "abandoned"

    assert time.monotonic() - started < 2.5
    assert BODIES == ["started"]
    step.refresh_from_db()
    assert (step.status, step.failures) == ("in_progress", 0)  # nothing recorded


def test_a_worker_cut_off_from_the_database_stops_its_body_before_the_lease_lapses(
    monkeypatch,
):
    _run, step = started_step()
    SLOW["seconds"] = 3.0

    def unreachable(*args):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(leases, "renew_lease", unreachable)
    started = time.monotonic()

    assert step_execute(step.pk, str(step.dispatch_token)) == "abandoned"

    # 0.8 of a lease without a renewal: before the sweeper could see it lapse
    assert time.monotonic() - started < 0.6 + 0.3
    assert BODIES == ["started"]
