"""Many people finishing work at the same instant (PostgreSQL: real row locks).

SQLite serialises every write transaction, so these races cannot happen there;
the tests run in the PostgreSQL pass of CI.
"""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from orchestrations.engine import WorkItemClosedError, run_start, work_item_complete
from orchestrations.models import RunEvent, StageRun, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

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
