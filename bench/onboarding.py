"""The engine's speed on an onboarding process: SQL, CPU and latency per human task.

    .venv/bin/python bench/onboarding.py --runs 200                # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1/handoff_bench .venv/bin/python bench/onboarding.py \
        --runs 1000 --json bench/results/onboarding-pg-1000.json
    DATABASE_URL=… .venv/bin/python bench/onboarding.py --contended   # PostgreSQL only
    … --profile PATH   cProfile of the whole workload (its timings are not the figures)
    … --sql PATH       every statement of one run's requests, with the code that sent it

The process (issue 10): kickoff (AE) → packet (CSM) → configure (Implementation) beside
provision (background, set_variables) → training (CSM) → signoff (AE) beside welcome_email
(background, send_email) → end; five teams of ten people with email addresses (a new item
is announced to the ten members of its queue). The driver starts N runs, then works stage
by stage: each human task is a claim and a complete, each its own transaction, through the
public engine functions, by the team's members in turn. Celery runs eagerly: a background
step runs in this process right after the commit that dispatched it, and emails are
delivered here too, so a request's figures include what it set off after its commit (also
shown apart). Statements are counted on the wire, BEGIN and COMMIT included (see
bench/statements.py). CPU is this process's plus, on PostgreSQL, its server backend's
(read from /proc: the server must run on this machine).

--contended (PostgreSQL): N runs (200) parked at configure ∥ provision, provision's attempts
held back as a broker holds a message; then 8 processes meet at a barrier before each
round, and each pair completes configure (work_item_complete) and delivers provision's
attempt (step_execute, as a worker would) of one run at the same instant. Afterwards every
run must have left the stage once and entered training once, with nothing in error.

Not a test: figures for the README, --json to compare commits. Exits 1 when a run did not
end as it should. The PostgreSQL database (<name>_onboarding) is created and dropped.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import math
import multiprocessing
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":  # its own settings; imported by a test, the test settings hold
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HANDOFF_DATA_DIR", tempfile.mkdtemp(prefix="handoff-bench-"))
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()

import django  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

from bench.statements import (  # noqa: E402
    Counts,
    Statement,
    StatementCounter,
    backend_cpu,
    counting,
    summarize,
    totals,
)
from orchestrations.definition import import_definition  # noqa: E402
from orchestrations.engine import (  # noqa: E402
    dispatch,
    run_start,
    step_execute,
    work_item_claim,
    work_item_complete,
)
from orchestrations.models import Orchestration, Run, RunEvent, StageRun, StepRun, WorkItem  # noqa: E402
from orchestrations.versions import version_activate  # noqa: E402

TEAMS = ("AE", "CSM", "Implementation", "Support", "Finance")
PEOPLE_PER_TEAM = 10
# The human steps in the order the driver works them: their team, what completing one does.
HUMAN_STEPS = {
    "kickoff": ("AE", "opens the next stage"),
    "packet": ("CSM", "opens configure ∥ provision; provision runs"),
    "configure": ("Implementation", "fires the join, opens training"),
    "training": ("CSM", "opens signoff ∥ welcome_email; the email runs"),
    "signoff": ("AE", "fires the join, ends the run"),
}
BACKGROUND_STEPS = ("provision", "welcome_email")


def person_step(key: str, team: str) -> dict:
    return {"key": key, "name": key.capitalize(), "type": "interactive", "form": "notes",
            "assignee": {"group": team}, "due_in": "P2D"}  # fmt: skip


def background_step(key: str, action: str, inputs: dict) -> dict:
    name = key.replace("_", " ").capitalize()
    return {"key": key, "name": name, "type": "background", "action": action, "inputs": inputs}


WELCOME = {"to": "customer@example.com", "subject": "Welcome aboard",
           "body": "Training: {{ steps.training.notes }}"}  # fmt: skip
DEFINITION = {
    "format": 1,
    "key": "bench_onboarding",
    "name": "Customer onboarding (bench)",
    "forms": [
        {
            "key": "notes",
            "name": "Notes",
            "fields": [{"key": "notes", "label": "Notes", "type": "text", "required": True}],
        }
    ],
    "stages": [
        {"key": "kickoff", "name": "Kickoff", "steps": [person_step("kickoff", "AE")]},
        {"key": "packet", "name": "Welcome packet", "steps": [person_step("packet", "CSM")]},
        {
            "key": "setup",
            "name": "Setup",
            "steps": [
                person_step("configure", "Implementation"),
                background_step("provision", "set_variables", {"values": {"provisioned": True}}),
            ],
        },
        {"key": "training", "name": "Training", "steps": [person_step("training", "CSM")]},
        {
            "key": "golive",
            "name": "Go-live",
            "steps": [
                person_step("signoff", "AE"),
                background_step("welcome_email", "send_email", WELCOME),
            ],
        },
    ],
}


@dataclass
class Workload:
    orchestration: Orchestration
    teams: dict[str, list[Any]]  # team name → its members


def build_workload() -> Workload:
    """The five teams and the onboarding orchestration, activated."""
    teams: dict[str, list[Any]] = {}
    for name in TEAMS:
        group = Group.objects.create(name=name)
        slug = name.lower()
        teams[name] = [
            User.objects.create_user(f"{slug}{n}", email=f"{slug}{n}@example.com", password=None)
            for n in range(PEOPLE_PER_TEAM)
        ]
        group.user_set.add(*teams[name])
    version = import_definition(DEFINITION)
    version_activate(version)
    return Workload(version.orchestration, teams)


# ── measuring ────────────────────────────────────────────────────────────────────────────


@dataclass
class RequestKind:
    latencies: list[float] = field(default_factory=list)
    statements: Counts = field(default_factory=lambda: defaultdict(int))

    def add(self, seconds: float, statements: Counts) -> None:
        self.latencies.append(seconds)
        for key, n in statements.items():
            self.statements[key] += n

    def figures(self, requests_per_unit: int = 1) -> dict[str, float]:
        """Latency percentiles, and statements per request (or per unit of that many)."""
        ms = sorted(s * 1000 for s in self.latencies)
        units = max(len(ms), 1) / requests_per_unit
        per_unit = {key: n / units for key, n in totals(self.statements).items()}
        return {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
                **per_unit}  # fmt: skip


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q% of them at or below it."""
    return ordered[max(0, math.ceil(len(ordered) * q / 100) - 1)] if ordered else math.nan


@dataclass
class Meter:
    counter: StatementCounter
    kinds: dict[str, RequestKind] = field(default_factory=lambda: defaultdict(RequestKind))
    captured: list[tuple[str, list[Statement]]] = field(default_factory=list)
    cpu: dict[str, tuple[float, float | None]] = field(default_factory=dict)  # client, backend
    wall: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def request(self, kind: str, step: str = "", *, capture: bool = False) -> Iterator[None]:
        """Time one request and count its statements, as `kind` and as `kind step`."""
        before = self.counter.snapshot()
        self.counter.capturing, self.counter.log = capture, []
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.counter.capturing = False
        statements = self.counter.since(before)
        for name in (kind, f"{kind} {step}") if step else (kind,):
            self.kinds[name].add(elapsed, statements)
        if capture:
            self.captured.append((f"{kind} {step}".strip(), self.counter.log))

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Wall and CPU time of a phase: this process's, and its database backend's."""
        backend = backend_cpu()
        client = time.process_time()
        started = time.perf_counter()
        yield
        self.wall[name] = time.perf_counter() - started
        client = time.process_time() - client
        after = backend_cpu()
        if backend is None or after is None or after[0] != backend[0]:  # not one backend
            self.cpu[name] = (client, None)
        else:
            self.cpu[name] = (client, after[1] - backend[1])


def drive(workload: Workload, runs: int, meter: Meter, *, capture_run: int = -1) -> list[int]:
    """Start `runs` runs, then do every human task, stage by stage; returns the run ids.
    The requests of the run at index `capture_run` keep their statements."""
    starters = workload.teams["AE"]
    run_ids = []
    with meter.phase("start"):
        for n in range(runs):
            with meter.request("start", capture=n == capture_run):
                run = run_start(workload.orchestration, started_by=starters[n % len(starters)])
            run_ids.append(run.pk)
    captured_id = run_ids[capture_run] if 0 <= capture_run < runs else None
    with meter.phase("tasks"):
        for step, (team, _) in HUMAN_STEPS.items():
            members = workload.teams[team]
            items = list(
                WorkItem.objects.open()
                .filter(run__in=run_ids, step_run__step__key=step)
                .order_by("run_id")
            )
            if len(items) != runs:
                raise RuntimeError(f"{len(items)} open '{step}' items for {runs} runs.")
            for n, item in enumerate(items):
                person = members[n % len(members)]
                capture = item.run_id == captured_id
                with meter.request("claim", step, capture=capture):
                    claimed = work_item_claim(item, by=person)
                with meter.request("complete", step, capture=capture):
                    work_item_complete(claimed, by=person, data={"notes": f"{step} done"})
            mail.outbox.clear()  # what the locmem backend keeps would only grow
    return run_ids


def measure(workload: Workload, runs: int, *, profile: str, sql: str) -> tuple[dict, list[str]]:
    meter = Meter(StatementCounter())
    # CPU time, which the figures are about: waiting for the database costs none of it.
    profiler = cProfile.Profile(time.process_time) if profile else None
    with counting(meter.counter):
        if profiler:
            profiler.enable()
        run_ids = drive(workload, runs, meter, capture_run=runs // 2 if sql else -1)
        if profiler:
            profiler.disable()
    problems = []
    if (done := Run.objects.filter(pk__in=run_ids, status="completed").count()) != runs:
        problems.append(f"{runs - done} of {runs} runs did not complete.")
    background = StepRun.objects.filter(run__in=run_ids, step__key__in=BACKGROUND_STEPS)
    if (done := background.filter(status="completed").count()) != runs * len(BACKGROUND_STEPS):
        problems.append(f"{done} background steps completed for {runs} runs.")
    if profiler:
        write_profile(profiler, profile, runs)
    if sql:
        write_sql(meter.captured, sql)
    return figures(meter, runs), problems


def figures(meter: Meter, runs: int) -> dict:
    tasks = len(HUMAN_STEPS) * runs
    human = RequestKind()
    for kind in ("claim", "complete"):
        for seconds in meter.kinds[kind].latencies:
            human.latencies.append(seconds)
        for key, n in meter.kinds[kind].statements.items():
            human.statements[key] += n

    def cpu_ms(phase: str, count: int) -> dict[str, float | None]:
        client, backend = meter.cpu[phase]
        return {
            "cpu_ms": (client + (backend or 0.0)) * 1000 / count,
            "client_cpu_ms": client * 1000 / count,
            "backend_cpu_ms": None if backend is None else backend * 1000 / count,
        }

    per_task = human.figures(requests_per_unit=2)  # a claim and a complete
    per_start = meter.kinds["start"].figures()
    return {
        "runs": runs,
        "human_tasks": tasks,
        "background_attempts": len(BACKGROUND_STEPS) * runs,
        "wall_seconds": {**meter.wall, "total": sum(meter.wall.values())},
        "human_tasks_per_second": tasks / meter.wall["tasks"],
        "runs_started_per_second": runs / meter.wall["start"],
        "per_human_task": {**_statements_only(per_task), **cpu_ms("tasks", tasks)},
        "per_run_start": {**_statements_only(per_start), **cpu_ms("start", runs)},
        "requests": {name: kind.figures() for name, kind in meter.kinds.items()},
    }


def _statements_only(figures: dict[str, float]) -> dict[str, float]:
    return {key: value for key, value in figures.items() if key not in ("n", "p50_ms", "p95_ms")}


# ── the contended variant ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Job:
    run_id: int
    configure_item: int
    claimed_by: int
    provision: int
    token: str


def contended(workload: Workload, runs: int, processes: int) -> tuple[dict, list[str]]:
    if connection.vendor != "postgresql":
        raise SystemExit("--contended needs PostgreSQL (SQLite serialises every writer).")
    jobs = park_at_setup(workload, runs)
    connection.close()  # each process opens its own
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    children = [
        context.Process(target=contend, args=(index, jobs, processes // 2, barrier, results))
        for index in range(processes)
    ]
    started = time.perf_counter()
    for child in children:
        child.start()
    outcomes = [results.get(timeout=1800) for _ in children]
    wall = time.perf_counter() - started
    for child in children:
        child.join()
    timings: dict[str, list[float]] = defaultdict(list)
    problems: list[str] = []
    for outcome in outcomes:
        problems += outcome["errors"]
        for step, ms in outcome["timings"]:
            timings["all"].append(ms)
            timings[step].append(ms)
    problems += join_problems([job.run_id for job in jobs])
    latency = {}
    for name, values in timings.items():
        ordered = sorted(values)
        latency[name] = {"p50_ms": percentile(ordered, 50), "p95_ms": percentile(ordered, 95),
                         "max_ms": ordered[-1]}  # fmt: skip
    result = {"runs": runs, "processes": processes, "completions": len(timings["all"]),
              "wall_seconds": wall, "latency": latency}  # fmt: skip
    return result, problems


def park_at_setup(workload: Workload, runs: int) -> list[Job]:
    """`runs` runs at configure ∥ provision, configure claimed, provision's attempt held
    (sent to no worker: the token it was sent with is kept for later)."""
    held: dict[int, str] = {}
    send = dispatch.send_step_message
    dispatch.send_step_message = lambda step_run_id, token, priority=0: held.update(
        {step_run_id: token}
    )
    try:
        run_ids = [run_start(workload.orchestration).pk for _ in range(runs)]
        for step in ("kickoff", "packet", "configure"):
            team = workload.teams[HUMAN_STEPS[step][0]]
            items = WorkItem.objects.open().filter(run__in=run_ids, step_run__step__key=step)
            for n, item in enumerate(items.order_by("run_id")):
                claimed = work_item_claim(item, by=team[n % len(team)])
                if step != "configure":
                    work_item_complete(claimed, by=team[n % len(team)], data={"notes": "ok"})
    finally:
        dispatch.send_step_message = send
    provision = dict(
        StepRun.objects.filter(run__in=run_ids, step__key="provision").values_list("run_id", "pk")
    )
    configure = WorkItem.objects.filter(run__in=run_ids, step_run__step__key="configure")
    jobs = []
    for item in configure.order_by("run_id"):
        step_run_id = provision[item.run_id]
        jobs.append(
            Job(item.run_id, item.pk, item.claimed_by_id or 0, step_run_id, held[step_run_id])
        )
    return jobs


def contend(index: int, jobs: list[Job], pairs: int, barrier: Any, results: Any) -> None:
    """One process: in each round, with all the others at once, complete configure (an
    even index) or deliver provision's attempt (odd) of one run, its partner the other."""
    timings: list[tuple[str, float]] = []
    errors: list[str] = []
    try:
        for first in range(0, len(jobs), pairs):
            job = jobs[first + index // 2] if first + index // 2 < len(jobs) else None
            step, act = prepare(job, configure=index % 2 == 0) if job else ("", None)
            barrier.wait(timeout=120)
            if job is None or act is None:
                continue
            started = time.perf_counter()
            if (outcome := act()) != "done":
                errors.append(f"Run {job.run_id}: {step} was {outcome}.")
            timings.append((step, (time.perf_counter() - started) * 1000))
    except BaseException as error:  # tell the parent, and free the others from the barrier
        errors.append(f"Process {index}: {error!r}")
        barrier.abort()
    finally:
        connection.close()
        results.put({"timings": timings, "errors": errors})


def prepare(job: Job, *, configure: bool) -> tuple[str, Callable[[], str]]:
    """What a process does at the barrier, everything it needs read beforehand."""
    if not configure:
        connection.ensure_connection()  # not timed: a worker is connected already
        return "provision", lambda: step_execute(job.provision, job.token)
    item = WorkItem.objects.get(pk=job.configure_item)
    person = User.objects.get(pk=job.claimed_by)

    def complete() -> str:
        work_item_complete(item, by=person, data={"notes": "configured"})
        return "done"

    return "configure", complete


def join_problems(run_ids: list[int]) -> list[str]:
    """Each run left the setup stage once and entered training once; nothing in error."""
    from tests.invariants import invariant_violations

    def per_run(rows: Any) -> dict[int, int]:
        counts: dict[int, int] = defaultdict(int)
        for run_id in rows.values_list("run_id", flat=True):
            counts[run_id] += 1
        return counts

    training = per_run(StageRun.objects.filter(run__in=run_ids, stage__key="training"))
    items = per_run(WorkItem.objects.filter(run__in=run_ids, step_run__step__key="training"))
    setup_done = per_run(
        RunEvent.objects.filter(
            run__in=run_ids, kind="stage.complete", stage_run__stage__key="setup"
        )
    )
    statuses = dict(Run.objects.filter(pk__in=run_ids).values_list("pk", "status"))
    problems = invariant_violations(run_ids)
    for run_id in run_ids:
        seen = (training[run_id], items[run_id], setup_done[run_id], statuses[run_id])
        if seen != (1, 1, 1, "in_progress"):
            problems.append(
                f"Run {run_id}: {seen[0]} training stages, {seen[1]} training items, setup "
                f"completed {seen[2]} times, run {seen[3]}."
            )
    return problems


# ── output ───────────────────────────────────────────────────────────────────────────────


@functools.cache  # as the run began: the files it writes may be tracked ones
def commit_measured() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    return git("rev-parse", "--short", "HEAD").strip() + ("+dirty" if dirty else "")


def database_name() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def print_workload(result: dict) -> None:
    wall = result["wall_seconds"]
    print(f"{result['runs']} runs: {result['human_tasks']} human tasks, "
          f"{result['background_attempts']} background attempts; wall: start {wall['start']:.1f} s,"
          f" tasks {wall['tasks']:.1f} s; {result['human_tasks_per_second']:.1f} human tasks/s, "
          f"{result['runs_started_per_second']:.1f} runs started/s\n")  # fmt: skip
    print(f"{'request':<64} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'SQL':>5} {'w/o tx':>6}"
          f" {'after':>5} {'bg':>5}")  # fmt: skip
    for name, r in result["requests"].items():
        kind, _, step = name.partition(" ")
        if kind == "claim" and step:
            continue  # a claim costs the same at every step
        label = f"  {step}: {HUMAN_STEPS[step][1]}" if step else name
        print(f"{label:<64} {r['n']:>5} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
              f"{r['statements']:>5.1f} {r['without_tx_control']:>6.1f} "
              f"{r['in_after_commit']:>5.1f} {r['in_background']:>5.1f}")  # fmt: skip
    print("SQL: statements per request on the wire, with what it set off after its commit; "
          "w/o tx: without BEGIN,\nCOMMIT, SAVEPOINT, RELEASE; after: outbox relay and email "
          "delivery; bg: background attempts.\n")  # fmt: skip
    for label, key in (("per human task", "per_human_task"), ("per run start", "per_run_start")):
        p = result[key]
        backend = "n/a" if p["backend_cpu_ms"] is None else f"{p['backend_cpu_ms']:.1f}"
        print(f"{label + ':':<16} {p['statements']:5.1f} statements "
              f"({p['without_tx_control']:.1f} w/o tx, {p['in_background']:.1f} bg); "
              f"CPU {p['cpu_ms']:5.1f} ms (this process {p['client_cpu_ms']:.1f} + database "
              f"{backend})")  # fmt: skip


def print_contended(result: dict) -> None:
    print(f"{result['runs']} runs at configure ∥ provision, {result['processes']} processes: "
          f"{result['completions']} completions in {result['wall_seconds']:.1f} s")  # fmt: skip
    for name, t in result["latency"].items():
        print(f"  {name:<10} p50 {t['p50_ms']:6.1f} ms   p95 {t['p95_ms']:6.1f} ms   "
              f"max {t['max_ms']:6.1f} ms")  # fmt: skip


def write_profile(profiler: cProfile.Profile, path: str, runs: int) -> None:
    out = io.StringIO()
    out.write(f"cProfile of bench/onboarding.py --runs {runs} at {commit_measured()} "
              f"({database_name()}): starts and every human task.\nTimer: this process's CPU "
              "time (waiting for the database is not counted; the profiler's own cost is)."
              "\n\n")  # fmt: skip
    stats = pstats.Stats(profiler, stream=out)
    out.write("== Top 25 by cumulative time, orchestrations/ and django/db/ ==\n")
    stats.sort_stats("cumulative").print_stats(r"orchestrations/|django/db/", 25)
    out.write("== Top 60 by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(60)
    out.write("== Top 40 by own time ==\n")
    stats.sort_stats("tottime").print_stats(40)
    prefixes = rf"{re.escape(str(ROOT))}/(\.venv/lib/python[\d.]+/site-packages/)?"
    Path(path).write_text(re.sub(prefixes, "", out.getvalue()))


def write_sql(captured: list[tuple[str, list[Statement]]], path: str) -> None:
    lines = [f"Every statement of one run's requests: bench/onboarding.py at {commit_measured()}"
             f" on {database_name()}.", "[phase] statement", "      ← where the code sent it",
             ""]  # fmt: skip
    for name, statements in captured:
        kind, _, step = name.partition(" ")
        what = f": {HUMAN_STEPS[step][1]}" if kind == "complete" else ""
        lines.append(f"== {name}{what} — {len(statements)} statements ==")
        for n, s in enumerate(statements, 1):
            lines.append(f"{n:3} [{s.phase}] {summarize(s.sql, s.params)}")
            lines += [f"      ← {s.site}"] if s.site else []
        lines.append("")
    Path(path).write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs to start (200)")
    parser.add_argument("--contended", action="store_true", help="the 8-process variant")
    parser.add_argument("--processes", type=int, default=8, help="with --contended (8)")
    parser.add_argument("--json", metavar="PATH", help="write the figures here")
    parser.add_argument("--profile", metavar="PATH", default="", help="cProfile report")
    parser.add_argument("--sql", metavar="PATH", default="", help="one run's statements")
    args = parser.parse_args(argv)
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        db["TEST"]["NAME"] = f"{db['NAME']}_onboarding"
    setup_test_environment()  # mail.outbox, as the locmem backend fills it
    config = setup_databases(verbosity=0, interactive=False)
    try:
        workload = build_workload()
        result: dict[str, Any] = {
            "commit": commit_measured(),
            "database": database_name(),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "django": django.get_version(),
            "python": sys.version.split()[0],
            "load_average": round(os.getloadavg()[0], 2),
            "variant": "contended" if args.contended else "workload",
        }
        print(f"bench/onboarding.py at {result['commit']} on {result['database']}, "
              f"load average {result['load_average']:.1f}")  # fmt: skip
        if args.contended:
            figures, problems = contended(workload, args.runs, args.processes)
            print_contended(figures)
        else:
            figures, problems = measure(workload, args.runs, profile=args.profile, sql=args.sql)
            print_workload(figures)
        result |= {**figures, "problems": problems}
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        for problem in problems:
            print(f"PROBLEM: {problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
