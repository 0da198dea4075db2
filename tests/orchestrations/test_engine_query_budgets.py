"""Starting a run and completing a work item cost a bounded number of queries,
whatever else the database holds (other runs, work items, bigger definitions)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orchestrations.engine import run_start, work_item_complete
from orchestrations.models import WorkItem
from tests.factories import VersionBuilder, field, make_group, make_user

pytestmark = pytest.mark.django_db

START_BUDGET = 30
COMPLETE_BUDGET = 30


def orchestration(key, *, later_stages, team, user):
    """Two parallel steps in the first stage, then `later_stages` stages of 10 steps."""
    b = VersionBuilder(key)
    form = b.form("f", [field("notes"), field("amount", "number")])
    first = b.stage("first")
    b.step(first, "a", form=form, group=team)
    b.step(first, "b", form=form, user=user)
    for number in range(later_stages):
        stage = b.stage(f"later_{number}")
        for step in range(10):
            b.step(stage, f"s{number}_{step}", form=form, user=user)
    b.activate()
    return b.orchestration


def measure(func):
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


def test_query_counts_do_not_grow_with_the_database(django_assert_max_num_queries):
    team = make_group("Team")
    user = make_user("ann", team)
    small = orchestration("small", later_stages=1, team=team, user=user)
    big = orchestration("big", later_stages=30, team=team, user=user)
    run_start(small)  # warm the definition cache, as a running server would be
    run_start(big)

    start_small = measure(lambda: run_start(small))
    for _ in range(40):  # many more runs and open work items in the database
        run_start(big)
    assert WorkItem.objects.count() > 80
    start_big = measure(lambda: run_start(big))
    assert start_big == start_small
    with django_assert_max_num_queries(START_BUDGET):
        run_start(big)

    def complete_one(orch):
        item = WorkItem.objects.filter(run__orchestration=orch, status="open")[0]
        return measure(lambda: work_item_complete(item, by=user, data={"amount": "3"}))

    assert complete_one(big) == complete_one(small)
    item = WorkItem.objects.filter(run__orchestration=big, status="open").reverse()[0]
    with django_assert_max_num_queries(COMPLETE_BUDGET):
        work_item_complete(item, by=user, data={"notes": "done"})
