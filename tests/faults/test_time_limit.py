"""The time limit of an action is a time limit: a body blocked in a system call (here, an
HTTP call that waits 30 s for its answer) is stopped by Celery's soft limit on a prefork
worker, and the attempt fails as timed out — separately from the lease, which its
heartbeat kept alive all along. Runs in the PostgreSQL + Redis pass of CI."""

import shutil
import time

import pytest
from django.db import connection

from orchestrations.engine import run_start
from orchestrations.models import Run, RunEvent, StepRun
from tests.factories import VersionBuilder
from tests.faults.harness import Service, Stack, broker_of_this_process, wait_for
from tests.invariants import assert_invariants

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or shutil.which("redis-server") is None,
        reason="needs PostgreSQL and redis-server; runs in the production-stack pass of CI",
    ),
]

LIMIT = 2  # seconds; Celery's soft limit comes 5 s later


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    settings = {
        "HANDOFF_ACTION_TIMEOUT_SECONDS": str(LIMIT),
        "HANDOFF_LEASE_SECONDS": "3",
        "HANDOFF_SWEEP_SECONDS": "1",
    }
    stack = Stack(
        action_workers=1, settings_env=settings, pool="prefork",
        folder=tmp_path_factory.mktemp("time-limit"),
    ).start()  # fmt: skip
    yield stack
    stack.stop()


def test_a_body_blocked_past_its_time_limit_is_stopped_and_fails_as_timed_out(stack):
    with Service() as service, broker_of_this_process(stack.redis.url):
        b = VersionBuilder("stuck")
        b.step(
            b.stage("s"), "call", action="http_request",
            action_inputs={"url": f"{service.url}/slow?seconds=30", "timeout": 60},
            retry_max_attempts=1,
        )  # fmt: skip
        b.activate()
        started = time.monotonic()
        run = run_start(b.orchestration)

        wait_for(lambda: Run.objects.get(pk=run.pk).status == "error", timeout=25)

    assert time.monotonic() - started < LIMIT + 5 + 8  # the soft limit, with room to start
    step = StepRun.objects.get(run=run)
    assert step.status == "error"
    assert (
        step.error_message
        == "'Call' failed after 1 attempt(s): Timed out: still running after 2 s."
    )
    assert not RunEvent.objects.filter(run=run, kind="step.takeover").exists()  # the lease held
    assert len(service.calls) == 1
    assert_invariants([run.pk])
