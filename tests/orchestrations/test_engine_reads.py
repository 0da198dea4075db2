"""The three reads that begin engine transactions are written by hand (engine/reads.py):
they must read rows exactly as the ORM does, on SQLite and on PostgreSQL."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.models import LoanApplication
from orchestrations.engine import reads, run_start, work_item_claim, work_item_complete
from orchestrations.engine.locking import locked_step_unit, locked_unit
from orchestrations.models import Run, StepRun, WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db


def fields_of(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def assert_read_as_the_orm_reads(run):
    expected = Run.objects.select_related(
        "orchestration", "version", "started_by", "record_type"
    ).get(pk=run.pk)
    assert fields_of(run) == fields_of(expected)
    for related in ("orchestration", "version", "started_by", "record_type"):
        got, wanted = getattr(run, related), getattr(expected, related)
        assert (fields_of(got) if got else None) == (fields_of(wanted) if wanted else None)


def test_a_run_is_read_with_its_orchestration_version_starter_and_record():
    officer = make_user("lola", make_group("Lending"), first_name="Lola", email="l@example.com")
    b = VersionBuilder("loans", trigger_model="demo.LoanApplication", label_template="Löan")
    b.input("term", "number")
    b.input("note")
    b.step(b.stage("apply"), "details", form=b.form("f", [field("x")]), user=officer)
    b.activate()
    record = LoanApplication.objects.create(applicant=officer, amount=Decimal("18000.50"))
    started = run_start(
        b.orchestration,
        record=record,
        variables={"term": 12, "note": "ünïcode \"quoted\" {'nested': [1, 2]}"},
        started_by=officer,
    )

    with CaptureQueriesContext(connection) as queries, locked_unit(started.pk) as unit:
        run = unit.run
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1  # one statement (content types are cached by Django)
    if connection.vendor == "postgresql":
        assert selects[0].endswith("FOR UPDATE OF r")
    assert_read_as_the_orm_reads(run)
    assert run.variables == {"term": 12, "note": "ünïcode \"quoted\" {'nested': [1, 2]}"}
    assert run.record_type is not None
    assert run.record_type.model_class() is LoanApplication
    assert run.started_at.tzinfo is not None


def test_a_run_without_a_starter_or_record_and_a_missing_run():
    b = VersionBuilder("plain")
    b.step(b.stage("s"), "a", form=b.form("f", [field("x")]), user=make_user("ann"))
    b.activate()
    started = run_start(b.orchestration)

    with locked_unit(started.pk) as unit:
        assert unit.run.started_by is None
        assert unit.run.record_type is None
    assert_read_as_the_orm_reads(unit.run)
    with pytest.raises(Run.DoesNotExist), locked_unit(started.pk + 1000):
        pass


def test_the_run_of_a_step_run_is_found_by_the_locking_statement():
    b = VersionBuilder("steps")
    b.step(b.stage("s"), "a", form=b.form("f", [field("x")]), user=make_user("ann"))
    b.activate()
    started = run_start(b.orchestration, started_by=get_user_model().objects.get())
    step_run = StepRun.objects.get(run=started)

    with locked_step_unit(step_run.pk) as unit:
        assert unit is not None
        assert unit.run.pk == started.pk
        assert_read_as_the_orm_reads(unit.run)
    with locked_step_unit(step_run.pk + 1000) as unit:
        assert unit is None


def test_step_runs_and_work_items_are_read_as_the_orm_reads_them():
    team = make_group("Team")
    ann, bob = make_user("ann", team, email="ann@example.com"), make_user("bob")
    b = VersionBuilder("items")
    form = b.form("f", [field("x"), field("amount", "decimal")])
    first = b.stage("first")
    b.step(first, "a", form=form, group=team)
    b.step(first, "b", form=form, user=bob)
    b.activate()
    run = run_start(b.orchestration, started_by=ann)
    queued = WorkItem.objects.get(run=run, assignee_group=team)
    work_item_claim(queued, by=ann)
    mine = WorkItem.objects.get(run=run, assignee_user=bob)
    work_item_complete(mine, by=bob, data={"x": "Grüße", "amount": "3.50"})
    other_run = run_start(b.orchestration)

    step_runs = reads.step_runs_of_run(run.pk)
    expected = StepRun.objects.filter(run=run).select_related("stage_run", "completed_by")
    assert [fields_of(s) for s in step_runs] == [fields_of(s) for s in expected.order_by("pk")]
    assert [fields_of(s.stage_run) for s in step_runs] == [
        fields_of(s.stage_run) for s in expected.order_by("pk")
    ]
    assert [s.completed_by for s in step_runs] == [None, bob]
    assert step_runs[1].outputs == {"x": "Grüße", "amount": "3.50"}

    with_open = reads.work_items(queued.pk, open_of_run=run.pk, queue_of=ann.pk)
    items = WorkItem.objects.filter(run=run, status__in=["open", "claimed"]).order_by("pk")
    got = sorted(with_open, key=lambda found: found[0].pk)
    assert [(fields_of(i), fields_of(i.step_run), q) for i, q in got] == [
        (fields_of(i), fields_of(i.step_run), i.assignee_group_id == team.pk) for i in items
    ]
    [(alone, in_queue)] = reads.work_items(queued.pk, queue_of=bob.pk)
    assert (alone.pk, alone.claimed_by_id, in_queue) == (queued.pk, ann.pk, False)
    assert reads.work_items(queued.pk + 1000) == []
    assert not any(i.run_id == other_run.pk for i, _ in with_open)
