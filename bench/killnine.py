"""Recovery from kill -9: 200 runs of a background step, 4 workers killed mid-action.

    DATABASE_URL=postgres://postgres@127.0.0.1/handoff_bench .venv/bin/python bench/killnine.py
    … --runs 200 --kills 4 --workers 4 --body 1.0

Starts its own Redis, a control worker (sweeper, outbox, beat) and action workers
with the default lease and sweep interval (or --lease / --sweep), starts the runs,
and four times kills -9 a worker that is in the middle of an action's body (a
supervisor then starts a new one). Each step calls an HTTP service that records the
attempt's Idempotency-Key. Prints: runs completed, bodies run twice (only those the
kills interrupted should be), bodies that ran at the same time (must be 0), the
table invariants, and how long the interrupted steps took to finish after the kill.
Not a test: figures for the README. The database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("HANDOFF_DATA_DIR", tempfile.mkdtemp(prefix="handoff-bench-"))

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from orchestrations.engine import run_start  # noqa: E402
from orchestrations.models import Run, RunEvent, StepRun  # noqa: E402
from tests.factories import VersionBuilder  # noqa: E402
from tests.faults.harness import Service, Stack, broker_of_this_process, wait_for  # noqa: E402
from tests.invariants import invariant_violations  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--body", type=float, default=1.0, help="seconds each action takes")
    parser.add_argument("--lease", type=float, help="HANDOFF_LEASE_SECONDS (default: settings)")
    parser.add_argument("--sweep", type=float, help="HANDOFF_SWEEP_SECONDS (default: settings)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: workers share the database.")
    worker_settings = {"LOG_LEVEL": "WARNING"}
    if args.lease:
        worker_settings["HANDOFF_LEASE_SECONDS"] = str(args.lease)
    if args.sweep:
        worker_settings["HANDOFF_SWEEP_SECONDS"] = str(args.sweep)

    config = setup_databases(verbosity=0, interactive=False)
    stack = Stack(action_workers=args.workers, settings_env=worker_settings)
    try:
        stack.start()
        with Service() as service, broker_of_this_process(stack.redis.url):
            report = experiment(args, stack, service)
    finally:
        stack.stop()
        shutil.rmtree(stack.folder, ignore_errors=True)
        teardown_databases(config, verbosity=0)
    for line in report:
        print(line)


def experiment(args: argparse.Namespace, stack: Stack, service: Service) -> list[str]:
    b = VersionBuilder("killnine")
    b.step(
        b.stage("work"), "call", action="http_request",
        action_inputs={"url": f"{service.url}/slow?seconds={args.body}", "json": {"n": 1}},
    )  # fmt: skip
    b.activate()
    started = time.monotonic()
    runs = [run_start(b.orchestration) for _ in range(args.runs)]
    ids = [run.pk for run in runs]
    kills: list[tuple[int, datetime]] = []  # (step run, when)
    for number in range(args.kills):
        # spread the kills over the experiment
        target = args.runs * (number + 1) // (args.kills + 1)

        def reached(target: int = target) -> bool:
            return finished(ids) >= target

        wait_for(reached, timeout=600, every=0.2)
        step = wait_for(lambda: in_a_body(ids, service), timeout=60, every=0.02)
        victim = next(w for w in stack.workers if step.worker.endswith(f":{w.pid}"))
        kills.append((step.pk, timezone.now()))
        victim.kill9()
        stack.workers.remove(victim)
        stack.add_action_worker()  # the supervisor restarts it
    wait_for(lambda: finished(ids) == len(ids), timeout=900, every=0.5)
    elapsed = time.monotonic() - started

    recoveries = []
    for step_run_id, killed_at in kills:
        step = StepRun.objects.get(pk=step_run_id)
        assert step.finished_at is not None
        recoveries.append((step.finished_at - killed_at).total_seconds())
    calls = service.calls_by_key()
    twice = [key for key, c in calls.items() if len(c) > 1]
    completed = Run.objects.filter(pk__in=ids, status="completed").count()
    takeovers = RunEvent.objects.filter(run__in=ids, kind="step.takeover").count()
    problems = invariant_violations(ids)
    recoveries.sort()
    return [
        f"runs: {args.runs}, workers: {args.workers}, body: {args.body} s, "
        f"lease: {args.lease or 'default'}, sweep: {args.sweep or 'default'}",
        f"completed runs: {completed}/{args.runs} in {elapsed:.0f} s",
        f"workers killed mid-body: {len(kills)}; takeovers: {takeovers}",
        f"bodies run twice: {len(twice)} (interrupted by a kill: "
        f"{sum(1 for k in twice if any(k == f'handoff-{s}-1' for s, _ in kills))})",
        f"bodies running at the same time: {len(service.overlapping_keys())}",
        f"invariant violations: {len(problems)}" + "".join(f"\n  {p}" for p in problems[:10]),
        "recovery after kill -9 (s): "
        + ", ".join(f"{r:.1f}" for r in recoveries)
        + f"; p50 {statistics.median(recoveries):.1f}, p95 {percentile(recoveries, 95):.1f}",
    ]


def finished(ids: list[int]) -> int:
    return Run.objects.filter(pk__in=ids).exclude(status="in_progress").count()


def in_a_body(ids: list[int], service: Service) -> StepRun | None:
    """A step whose worker is in the middle of its HTTP call right now."""
    calling = {c.key for c in list(service.calls) if c.finished is None}
    for step in StepRun.objects.filter(run__in=ids, lease_until__isnull=False).exclude(worker=""):
        if f"handoff-{step.pk}-{step.attempt}" in calling:
            return step
    return None


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


if __name__ == "__main__":
    main()
