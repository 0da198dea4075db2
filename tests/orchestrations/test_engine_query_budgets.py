"""Each engine operation costs a fixed number of SQL statements, whatever else the database
holds (other runs, open work items, bigger definitions).

Counted here: the statements of the operation's own transactions, without transaction
control (BEGIN, COMMIT, SAVEPOINT, RELEASE: tests run inside a transaction of their own,
where the engine's transactions are savepoints), and without what is sent after the commit
(emails, messages to workers: the outbox's). bench/onboarding.py counts all of it on the
wire; the README has its figures.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orchestrations.engine import run_start, work_item_claim, work_item_complete
from orchestrations.models import StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# run version, insert run, team + its addresses, insert stage run, step runs, work item,
# events, outbox
START = 8
# lock, re-read the item (with whether the person is in its team), update it, its event
CLAIM = 4
# lock, re-read the item (with the run's open items), the run's step runs, team + its
# addresses, insert stage run, step run, work item, update item, step run, stage run,
# events, outbox
COMPLETE_OPENING_A_STAGE = 12
# the same, the new stage having a background step beside the person's: one more step run
# in the same INSERT, the attempt in the same outbox INSERT
COMPLETE_OPENING_A_STAGE_WITH_AN_ATTEMPT = 12
# an attempt: its claim (lock, the run's step runs, update the step) and its result (lock,
# the run's step runs, update the run's variables, update the step, its event)
ATTEMPT = 8
# completing the step that the other one waited for: the join fires, the stage exits,
# the next one opens (as COMPLETE_OPENING_A_STAGE)
COMPLETE_FIRING_THE_JOIN = 12


def onboarding(key, *, team, other_stages=0):
    """kickoff (team) → packet (team) → configure (team) ∥ provision (background) →
    training (team), then `other_stages` stages of ten steps nobody reaches."""
    b = VersionBuilder(key)
    form = b.form("notes", [field("notes"), field("amount", "number")])
    b.step(b.stage("kickoff"), "kickoff", form=form, group=team)
    b.step(b.stage("packet"), "packet", form=form, group=team)
    setup = b.stage("setup")
    b.step(setup, "configure", form=form, group=team)
    b.step(setup, "provision", action="set_variables", action_inputs={"values": {"ok": True}})
    b.step(b.stage("training"), "training", form=form, group=team)
    for number in range(other_stages):
        stage = b.stage(f"later_{number}")
        for step in range(10):
            b.step(stage, f"s{number}_{step}", form=form, group=team)
    b.activate()
    return b.orchestration


def costs(orchestration, person, broker, on_commit):
    """What each operation of one run costs, in statements."""
    measured = {}
    run = None

    def statements(func):
        with on_commit() as callbacks, CaptureQueriesContext(connection) as queries:
            func()
        for callback in callbacks:  # what a commit sets off, not counted
            callback()
        return [
            q["sql"]
            for q in queries.captured_queries
            if not q["sql"].startswith(TRANSACTION_CONTROL)
        ]

    def start():
        nonlocal run
        run = run_start(orchestration)

    measured["start"] = statements(start)

    def item(step):
        return WorkItem.objects.get(run=run, step_run__step__key=step)

    def complete(step):
        claimed = item(step)
        return lambda: work_item_complete(claimed, by=person, data={"notes": "done"})

    kickoff = item("kickoff")
    measured["claim"] = statements(lambda: work_item_claim(kickoff, by=person))
    measured["complete, opening a stage"] = statements(complete("kickoff"))
    work_item_claim(item("packet"), by=person)
    measured["complete, opening a stage with an attempt"] = statements(complete("packet"))
    assert len(broker.messages) == 1
    measured["attempt"] = statements(lambda: broker.deliver() == ["done"])
    assert StepRun.objects.get(run=run, step__key="provision").status == "completed"
    work_item_claim(item("configure"), by=person)
    measured["complete, firing the join"] = statements(complete("configure"))
    assert item("training").status == "open"
    return measured


def test_each_operation_costs_a_fixed_number_of_statements(
    broker, django_capture_on_commit_callbacks
):
    on_commit = django_capture_on_commit_callbacks
    team = make_group("Team")
    person = make_user("ann", team, email="ann@example.com")
    make_user("bob", team, email="bob@example.com")
    small = onboarding("small", team=team)
    big = onboarding("big", team=team, other_stages=30)
    costs(small, person, broker, on_commit)  # the definitions cached, as in a running server
    costs(big, person, broker, on_commit)

    budgets = {
        "start": START,
        "claim": CLAIM,
        "complete, opening a stage": COMPLETE_OPENING_A_STAGE,
        "complete, opening a stage with an attempt": COMPLETE_OPENING_A_STAGE_WITH_AN_ATTEMPT,
        "attempt": ATTEMPT,
        "complete, firing the join": COMPLETE_FIRING_THE_JOIN,
    }
    first = costs(big, person, broker, on_commit)
    assert {name: len(sql) for name, sql in first.items()} == budgets, first

    for _ in range(20):  # many more runs, work items and events in the database
        costs(big, person, broker, on_commit)
        run_start(big)
    assert WorkItem.objects.count() > 100
    later = costs(big, person, broker, on_commit)
    assert {name: len(sql) for name, sql in later.items()} == budgets, later
