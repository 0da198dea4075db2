"""bench/onboarding.py still drives its workload end to end and counts what it measures.
Its figures are not checked here: speed lives in bench/ and the README."""

import pytest

from bench.onboarding import HUMAN_STEPS, Meter, build_workload, drive, figures
from bench.statements import StatementCounter, counting
from orchestrations.models import Run

# Real commits: background steps run after the commit that dispatched them.
pytestmark = pytest.mark.django_db(transaction=True)


def test_two_onboarding_runs_are_driven_to_the_end_and_counted():
    workload = build_workload()
    meter = Meter(StatementCounter())
    with counting(meter.counter):
        run_ids = drive(workload, 2, meter, capture_run=1)

    assert list(Run.objects.filter(pk__in=run_ids).values_list("status", flat=True)) == [
        "completed",
        "completed",
    ]
    result = figures(meter, 2)
    assert result["human_tasks"] == 10
    assert result["requests"]["claim"]["n"] == result["requests"]["complete"]["n"] == 10
    per_task = result["per_human_task"]
    assert per_task["statements"] > per_task["without_tx_control"] > per_task["in_background"] > 0
    assert per_task["client_cpu_ms"] > 0
    # Every request of the captured run, each a transaction of its own, BEGIN to COMMIT.
    assert [name for name, _ in meter.captured] == ["start"] + [
        f"{kind} {step}" for step in HUMAN_STEPS for kind in ("claim", "complete")
    ]
    claim = [s.sql for s in meter.captured[1][1]]
    assert claim[0].startswith("BEGIN")
    assert claim[-1] == "COMMIT"
    assert len(claim) == result["requests"]["claim kickoff"]["statements"]
