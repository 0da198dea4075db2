"""Fault injection with real processes: Celery workers started by the tests and ended
by their PIDs, a Redis of the tests' own that they stop and start, PostgreSQL.

Each test ends by checking the tables (tests/invariants.py), not just that nothing
raised. Runs in the PostgreSQL + Redis pass of CI.
"""

import shutil

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from orchestrations.engine import run_start, work_item_complete
from orchestrations.models import OutboxMessage, Run, RunEvent, StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_user
from tests.faults.harness import Service, Stack, broker_of_this_process, wait_for
from tests.invariants import assert_invariants

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or shutil.which("redis-server") is None,
        reason="needs PostgreSQL and redis-server; runs in the production-stack pass of CI",
    ),
]

LEASE, SWEEP = 3, 1
SETTINGS = {
    "HANDOFF_LEASE_SECONDS": str(LEASE),
    "HANDOFF_SWEEP_SECONDS": str(SWEEP),
    "HANDOFF_ACTION_TIMEOUT_SECONDS": "30",
    "HANDOFF_MISSING_MESSAGE_SECONDS": "2",
}


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")  # the workers' logs, kept by pytest for a while
    stack = Stack(action_workers=2, settings_env=SETTINGS, folder=folder).start()
    yield stack
    stack.stop()


@pytest.fixture
def service(stack):
    for worker in list(stack.workers):  # a test may have killed one: its supervisor restarts it
        if not worker.alive():
            stack.workers.remove(worker)
            stack.add_action_worker().wait_ready()
    with Service() as service, broker_of_this_process(stack.redis.url):
        yield service


def calling(url, key="calls", *, before=None):
    """An orchestration whose background step calls `url` (after a form, with `before`)."""
    b = VersionBuilder(key)
    stage = b.stage("work")
    review = None
    if before is not None:
        review = b.step(stage, "review", form=b.form("f", [field("notes")]), user=before)
    b.step(
        stage, "call", action="http_request",
        action_inputs={"url": url, "json": {"run": "{{ run.id }}"}},
        after=[review] if review else None, retry_max_attempts=3, retry_backoff_seconds=1,
    )  # fmt: skip
    b.activate()
    return b.orchestration


def wait_until_finished(runs, stack, timeout=60):
    ids = [run.pk for run in runs]

    def finished():
        for worker in [stack.control, *stack.workers]:
            assert worker.alive() or worker.process.returncode == -9, f"{worker.name} died"
        return not Run.objects.filter(pk__in=ids, status="in_progress").exists()

    wait_for(finished, timeout=timeout, every=0.25)
    assert set(Run.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"completed"}


def test_a_worker_killed_mid_action_is_taken_over_within_a_lease_and_a_sweep(stack, service):
    orchestration = calling(f"{service.url}/slow?seconds=2")
    runs = [run_start(orchestration) for _ in range(4)]

    # a worker is in the middle of a body (the service has its call): kill -9 it
    def in_the_middle_of_a_call():
        calling = {c.key for c in service.calls if c.finished is None}
        for step in StepRun.objects.filter(run__in=runs, lease_until__isnull=False):
            if f"handoff-{step.pk}-{step.attempt}" in calling and step.worker:
                return step
        return None

    busy = wait_for(in_the_middle_of_a_call, timeout=20, every=0.05)
    victim = next(w for w in stack.workers if busy.worker.endswith(f":{w.pid}"))
    killed_at = timezone.now()
    victim.kill9()

    wait_until_finished(runs, stack)
    busy.refresh_from_db()
    recovery = (busy.finished_at - killed_at).total_seconds()
    assert recovery < LEASE + SWEEP + 2 + 3  # the lease, a sweep, the body, and margin
    assert RunEvent.objects.filter(step_run=busy, kind="step.takeover").count() == 1
    assert (busy.attempt, busy.failures, busy.takeovers) == (1, 0, 1)
    calls = service.calls_by_key()
    assert len(calls[f"handoff-{busy.pk}-1"]) == 2  # interrupted, then run again: same key
    assert all(len(c) == 1 for key, c in calls.items() if key != f"handoff-{busy.pk}-1")
    assert service.overlapping_keys() == []
    assert_invariants([run.pk for run in runs])


def test_an_action_slower_than_its_lease_runs_once(stack, service):
    orchestration = calling(f"{service.url}/slow?seconds={LEASE * 2 + 1}", key="slow")
    runs = [run_start(orchestration) for _ in range(3)]

    wait_until_finished(runs, stack)
    calls = service.calls_by_key()
    assert len(calls) == 3
    assert all(len(c) == 1 for c in calls.values())  # one body each, never two at once
    assert not RunEvent.objects.filter(run__in=runs, kind__in=["step.takeover", "step.retry"])
    assert_invariants([run.pk for run in runs])


def test_a_broker_outage_during_completions_loses_nothing(stack, service):
    ann = make_user("ann")
    orchestration = calling(f"{service.url}/ok", key="outage", before=ann)
    runs = [run_start(orchestration) for _ in range(6)]
    wait_for(lambda: not OutboxMessage.objects.unsent().exists(), timeout=20)

    stack.redis.stop()
    for run in runs[:4]:  # people keep working: each completion commits and says so
        item = WorkItem.objects.get(run=run, status="open")
        work_item_complete(item, by=ann, data={"notes": "done"})
    runs += [run_start(orchestration) for _ in range(2)]  # and start new runs
    assert OutboxMessage.objects.unsent().filter(kind="step_attempt").count() == 4
    assert OutboxMessage.objects.unsent().filter(kind="email").count() == 2

    stack.redis.start()  # the same port, empty
    for run in runs[4:]:
        item = WorkItem.objects.get(run=run, status="open")
        work_item_complete(item, by=ann, data={"notes": "after"})
    wait_until_finished(runs, stack)
    wait_for(lambda: not OutboxMessage.objects.unsent().exists(), timeout=30)

    sent = stack.emails_sent()
    assert len(sent) == len(set(sent)) == OutboxMessage.objects.filter(kind="email").count() == 8
    assert mail.outbox == []  # every email left through the outbox, from the workers
    assert all(len(c) == 1 for c in service.calls_by_key().values())
    assert_invariants([run.pk for run in runs])


def test_a_database_blip_after_the_action_does_not_run_it_again(stack, service):
    orchestration = calling(f"{service.url}/blip", key="blip")
    runs = []
    for _ in range(3):
        runs.append(run_start(orchestration))
        wait_until_finished(runs, stack)

    calls = service.calls_by_key()
    assert len(calls) == 3
    assert all(len(c) == 1 for c in calls.values())
    assert not RunEvent.objects.filter(run__in=runs, kind__in=["step.retry", "step.takeover"])
    assert_invariants([run.pk for run in runs])


def test_sweepers_and_deliveries_racing_complete_each_step_once(stack, service):
    """The sweeper sends again what it finds unclaimed and overdue with an empty queue
    (after 2 s here) while workers claim: claims and re-sends take the run's lock in
    turn, so each attempt's body runs once and each step completes once."""
    orchestration = calling(f"{service.url}/ok", key="race")
    runs = [run_start(orchestration) for _ in range(30)]

    wait_until_finished(runs, stack)
    calls = service.calls_by_key()
    assert len(calls) == 30
    assert all(len(c) == 1 for c in calls.values())
    for run in runs:
        assert RunEvent.objects.filter(run=run, kind="step.complete").count() == 1
    assert_invariants([run.pk for run in runs])
