"""Many people finishing work at the same instant (PostgreSQL: real row locks).

SQLite serialises every write transaction, so these races cannot happen there;
the tests run in the PostgreSQL pass of CI.
"""

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orchestrations.actions import action
from orchestrations.actions.registry import unregister
from orchestrations.engine import (
    WorkItemClosedError,
    run_start,
    step_execute,
    sweep,
    work_item_complete,
)
from orchestrations.models import Run, RunEvent, StageRun, StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user
from tests.invariants import assert_invariants

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL row locks; runs in the PostgreSQL pass of CI",
    ),
]

RUNS = 15
THREADS = 12


def in_thread(func):
    """Run `func` with its own database connection, closed afterwards."""

    def wrapper(*args):
        try:
            return func(*args)
        finally:
            connection.close()

    return wrapper


def test_parallel_completions_advance_each_stage_exactly_once():
    teams = [make_group(name) for name in ("Sales", "CS", "Impl")]
    people = [make_user(f"user{n}", team) for n, team in enumerate(teams)]
    b = VersionBuilder("parallel")
    form = b.form("f", [field("notes")])
    setup, golive = b.stage("setup"), b.stage("golive")
    for n, team in enumerate(teams):
        b.step(setup, f"task{n}", form=form, group=team)
    b.step(golive, "launch", form=form, user=people[0])
    b.activate()
    runs = [run_start(b.orchestration) for _ in range(RUNS)]
    jobs = [
        (item, people[int(item.step_run.step.key[-1])])
        for item in WorkItem.objects.select_related("step_run__step").filter(status="open")
    ]
    assert len(jobs) == RUNS * 3
    start = threading.Barrier(THREADS)

    @in_thread
    def complete(item, person):
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=5)
        work_item_complete(item, by=person, data={"notes": "done"})

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda job: complete(*job), jobs))

    for run in runs:
        setup_runs = StageRun.objects.filter(run=run, stage__key="setup")
        assert [s.status for s in setup_runs] == ["completed"]
        assert StageRun.objects.filter(run=run, stage__key="golive").count() == 1
        assert RunEvent.objects.filter(run=run, kind="stage.complete").count() == 1
        assert WorkItem.objects.filter(run=run, step_run__step__key="launch").count() == 1


def test_two_people_submitting_the_same_queue_item_exactly_one_wins():
    queue = make_group("Queue")
    ann, bob = make_user("ann", queue), make_user("bob", queue)
    b = VersionBuilder("race")
    b.step(b.stage("s"), "triage", form=b.form("f", [field("notes")]), group=queue)
    b.activate()
    for _ in range(10):
        run = run_start(b.orchestration)
        item = WorkItem.objects.get(run=run)
        start = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        @in_thread
        def submit(person, item=item, start=start, outcomes=outcomes):
            start.wait(timeout=5)
            try:
                work_item_complete(item, by=person, data={"notes": person.username})
                outcomes[person.username] = "won"
            except WorkItemClosedError as error:
                outcomes[person.username] = str(error)

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(submit, [ann, bob]))

        winners = [name for name, outcome in outcomes.items() if outcome == "won"]
        assert len(winners) == 1
        loser = "bob" if winners == ["ann"] else "ann"
        assert outcomes[loser].startswith(f"Already completed by {winners[0].capitalize()}")
        item.refresh_from_db()
        assert item.data == {"notes": winners[0]}


def test_deliveries_and_sweeps_racing_for_one_attempt_run_its_body_once(broker):
    """Each attempt's message delivered three times while three sweepers decide it is
    missing, all at once: claims and re-dispatches are applied one after the other
    under the run's lock, so exactly one body runs per step and it completes once."""
    bodies: list[int] = []

    @action("test.counted", inputs={}, outputs=["ok"])
    def counted(ctx):
        bodies.append(ctx.step_run.pk)
        time.sleep(0.05)
        return {"ok": True}

    try:
        b = VersionBuilder("claims")
        b.step(b.stage("s"), "work", action="test.counted")
        b.activate()
        runs = [run_start(b.orchestration) for _ in range(10)]
        StepRun.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
        messages, broker.messages = broker.messages, []  # the queue looks empty: "missing"
        assert len(messages) == 10
        for step_run_id, token in messages:
            start = threading.Barrier(6)

            @in_thread
            def deliver(step_run_id=step_run_id, token=token, start=start):
                start.wait(timeout=5)
                return step_execute(step_run_id, token)

            @in_thread
            def sweep_once(start=start):
                start.wait(timeout=5)
                return sweep()

            with ThreadPoolExecutor(max_workers=6) as pool:
                futures = [pool.submit(deliver) for _ in range(3)]
                futures += [pool.submit(sweep_once) for _ in range(3)]
                [future.result() for future in futures]
        broker.deliver()  # what the sweepers sent again, if they came first

        assert sorted(bodies) == sorted(StepRun.objects.values_list("pk", flat=True))
        for run in runs:
            assert RunEvent.objects.filter(run=run, kind="step.complete").count() == 1
            assert Run.objects.get(pk=run.pk).status == "completed"
        assert_invariants([run.pk for run in runs])
    finally:
        unregister("test.counted")
