"""Inbox pages with 100,000 open work items in the database: time per page and queries.

    .venv/bin/python bench/inbox.py                 # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1/handoff_bench .venv/bin/python bench/inbox.py
    .venv/bin/python bench/inbox.py --keep          # leave the built database behind...
    .venv/bin/python bench/inbox.py --reuse         # ...and time it again (migrated first)

Builds (with bulk inserts, not through the engine) three processes, 200 people in 10
teams and 50,000 runs in their second stage: 100,000 open work items (60% in team
queues, some claimed; the rest assigned to people; 15% overdue), 20,000 completed
ones and 170,000 timeline events. Then a typical person (40 items of their own, member
of all 10 teams, so 10 queues of ~6,000 items each) requests each inbox page with
django.test.Client: two warm-up requests, one counted for queries, then REPEAT timed
(wall clock: median and p95; and CPU per request of this process plus, on PostgreSQL,
its server process: whether the time went in computing or in waiting for a core).
Pages whose URL name does not exist yet are skipped. Not a test: it prints figures for
the README. The PostgreSQL database is created and dropped by the script; with --keep it
stays (SQLite's in a fixed temporary folder), and --reuse times it again without building,
after applying any new migrations (say, an index being tried).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--keep", action="store_true", help="leave the built database behind")
parser.add_argument("--reuse", action="store_true", help="time a database left by --keep")
ARGS = parser.parse_args()
KEPT = ARGS.keep or ARGS.reuse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if KEPT:
    kept_dir = Path(tempfile.gettempdir()) / "handoff-bench-inbox"
    kept_dir.mkdir(exist_ok=True)
    os.environ.setdefault("HANDOFF_DATA_DIR", str(kept_dir))
os.environ.setdefault("HANDOFF_DATA_DIR", tempfile.mkdtemp(prefix="handoff-bench-"))
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
# Page timings without collectstatic (the manifest storage needs it).
os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.models import Account  # noqa: E402
from orchestrations.definition import import_definition  # noqa: E402
from orchestrations.models import (  # noqa: E402
    Run,
    RunEvent,
    StageRun,
    Step,
    StepRun,
    Version,
    WorkItem,
)
from orchestrations.versions import version_activate  # noqa: E402

USERS = 200
TEAMS = 10
# BENCH_RUNS=2000 for a quick try of the script itself.
RUNS = int(os.environ.get("BENCH_RUNS", 50_000))  # two open items each: 100,000
COMPLETED_SHARE = 0.4  # runs whose first stage left a completed item: 20,000
TEAM_SHARE = 0.6  # open items in a team queue; the rest are assigned to a person
CLAIMED_SHARE = 0.05  # team items somebody holds
OVERDUE_SHARE = 0.15
TYPICAL_ITEMS = 40
TYPICAL_STARTED = 300  # runs the typical person started (My requests)
ACCOUNTS = min(2_000, RUNS)  # runs about a record; 50 owned by the typical person
REPEAT = 20
BATCH = 5_000
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka",
             "Tyrell", "Cyberdyne", "Soylent", "Massive", "Vandelay", "Oscorp", "Nakatomi",
             "Gringotts", "Monarch", "Duff", "Sirius", "Aperture"]  # fmt: skip
SUFFIXES = ["Robotics", "Logistics", "Capital", "Foods", "Health", "Labs", "Energy", "Retail"]


def step(key: str, team: int) -> dict:
    return {"key": key, "name": key.replace("_", " ").capitalize(), "type": "interactive",
            "form": "work", "assignee": {"group": f"Team {team:02d}"}, "due_in": "P3D",
            "instructions": "Check the request, then record what you decided."}  # fmt: skip


def definition(key: str) -> dict:
    return {
        "format": 1,
        "key": key,
        "name": key.replace("_", " ").title(),
        "forms": [
            {
                "key": "work",
                "name": "Work",
                "fields": [
                    {
                        "key": "decision",
                        "label": "Decision",
                        "type": "choice",
                        "required": True,
                        "choices": ["approve", "reject"],
                    },
                    {"key": "amount", "label": "Amount", "type": "number"},
                    {"key": "notes", "label": "Notes", "type": "long_text"},
                ],
            }
        ],
        "stages": [
            {"key": "intake", "name": "Intake", "steps": [step("triage", 1)]},
            {"key": "work", "name": "Work", "steps": [step("review", 2), step("approve", 3)]},
            {"key": "close", "name": "Close", "steps": [step("archive", 4)]},
        ],
    }


def bulk(model: type[models.Model], rows: list[Any]) -> None:
    model._default_manager.bulk_create(rows, batch_size=BATCH)


def build(rng: random.Random) -> dict[str, Any]:
    """The people, the processes and 50,000 runs; returns what the timings need."""
    started = time.perf_counter()
    teams = [Group.objects.create(name=f"Team {n:02d}") for n in range(1, TEAMS + 1)]
    password = "!"  # unusable: the client logs in with force_login
    people = [User(username=f"user{n:03d}", first_name=f"Person{n:03d}", last_name="Bench",
                   email=f"user{n:03d}@example.com", password=password)
              for n in range(USERS)]  # fmt: skip
    bulk(User, people)
    people = list(User.objects.order_by("pk"))
    typical = people[0]
    typical.first_name, typical.last_name = "Tess", "Typical"
    typical.save()
    typical.groups.set(teams)
    members = {team.pk: [typical] for team in teams}
    memberships = []
    for n, person in enumerate(people[1:]):
        team = teams[n % TEAMS]
        members[team.pk].append(person)
        memberships.append(User.groups.through(user_id=person.pk, group_id=team.pk))
    User.groups.through.objects.bulk_create(memberships)

    versions = []
    for key in ("customer_onboarding", "loan_review", "vendor_intake"):
        version = import_definition(definition(key))
        version_activate(version)
        versions.append(version)
    steps = {
        version.pk: {s.key: s for s in Step.objects.filter(version=version)} for version in versions
    }
    stages = {version.pk: {s.key: s for s in version.stages.all()} for version in versions}

    account_type = ContentType.objects.get_for_model(Account)
    accounts = [Account(id=n + 1, name=f"{rng.choice(COMPANIES)} {rng.choice(SUFFIXES)} {n}",
                        owner=typical if n < 50 else rng.choice(people))
                for n in range(ACCOUNTS)]  # fmt: skip
    bulk(Account, accounts)

    now = timezone.now()
    runs, stage_runs, step_runs, items, events = [], [], [], [], []
    # Explicit primary keys (the tables are empty): rows can point at each other
    # before they are inserted. Sequences are reset afterwards.
    stage_run_ids, step_run_ids, item_ids, event_ids = (itertools.count(1) for _ in range(4))
    user_slots = [typical] * TYPICAL_ITEMS
    open_count = 2 * RUNS
    person_items = int(open_count * (1 - TEAM_SHARE)) - TYPICAL_ITEMS
    user_slots += [people[1 + n % (USERS - 1)] for n in range(person_items)]
    rng.shuffle(user_slots)
    for n in range(RUNS):
        version = versions[n % len(versions)]
        started_at = now - timedelta(minutes=rng.randint(60, 60 * 24 * 60))
        second_at = started_at + timedelta(minutes=30)  # the first stage took half an hour
        record = accounts[n] if n < ACCOUNTS else None
        label = record.name if record else (
            f"{rng.choice(COMPANIES)} {rng.choice(SUFFIXES)} {n}"
        )  # fmt: skip
        run = Run(id=n + 1, orchestration_id=version.orchestration_id, version=version,
                  record_type=account_type if record else None,
                  record_id=str(record.pk) if record else "", record_label=label,
                  started_by=typical if n % (RUNS // TYPICAL_STARTED) == 0 else rng.choice(people),
                  started_at=started_at)  # fmt: skip
        runs.append(run)
        events.append(RunEvent(id=next(event_ids), run=run, kind="run.start",
                               created_at=started_at, message="Run started."))  # fmt: skip
        first = StageRun(id=next(stage_run_ids), run=run, stage=stages[version.pk]["intake"],
                         status="completed", started_at=started_at,
                         finished_at=second_at)  # fmt: skip
        second = StageRun(id=next(stage_run_ids), run=run, stage=stages[version.pk]["work"],
                          started_at=second_at)  # fmt: skip
        stage_runs += [first, second]
        triage = StepRun(id=next(step_run_ids), run=run, stage_run=first,
                         step=steps[version.pk]["triage"], status="completed",
                         started_at=started_at, finished_at=second_at,
                         outputs={"decision": "approve", "amount": 100})  # fmt: skip
        step_runs.append(triage)
        if rng.random() < COMPLETED_SHARE:
            by = rng.choice(people)
            items.append(WorkItem(id=next(item_ids), run=run, step_run=triage, status="completed",
                                  assignee_group=teams[0], created_at=started_at,
                                  assigned_at=started_at, completed_by=by,
                                  completed_at=second_at,
                                  data={"decision": "approve", "amount": 100}))  # fmt: skip
            events.append(RunEvent(id=next(event_ids), run=run, kind="work_item.complete",
                                   created_at=second_at, actor=by,
                                   message="Completed."))  # fmt: skip
        for key in ("review", "approve"):
            step_run = StepRun(id=next(step_run_ids), run=run, stage_run=second,
                               step=steps[version.pk][key], status="in_progress",
                               started_at=second_at)  # fmt: skip
            step_runs.append(step_run)
            item = open_item(rng, run, step_run, second_at, teams, members, user_slots)
            item.id = next(item_ids)
            items.append(item)
            events.append(RunEvent(id=next(event_ids), run=run, kind="work_item.create",
                                   created_at=second_at, work_item=item,
                                   message=f"'{key}' assigned."))  # fmt: skip
        if len(runs) >= BATCH:
            flush(runs, stage_runs, step_runs, items, events)
    flush(runs, stage_runs, step_runs, items, events)
    reset_sequences()
    analyze()
    seconds = time.perf_counter() - started
    print(f"built in {seconds:.0f} s: {Run.objects.count():,} runs, "
          f"{WorkItem.objects.open().count():,} open and "
          f"{WorkItem.objects.filter(status='completed').count():,} completed work items, "
          f"{RunEvent.objects.count():,} events")  # fmt: skip
    return {"typical": typical, "teams": teams, "versions": versions}


def built() -> dict[str, Any]:
    """What the timings need, from a database left by --keep."""
    typical = User.objects.get(username="user000")
    teams = list(Group.objects.filter(name__startswith="Team ").order_by("name"))
    versions = [
        version
        for key in ("customer_onboarding", "loan_review", "vendor_intake")
        for version in Version.objects.filter(orchestration__key=key, status="active")
    ]
    print(f"reused: {WorkItem.objects.open().count():,} open work items")
    return {"typical": typical, "teams": teams, "versions": versions}


def open_item(rng: random.Random, run: Run, step_run: StepRun, assigned: datetime,
              teams: list[Group], members: dict[int, list[User]],
              user_slots: list[User]) -> WorkItem:  # fmt: skip
    """Overdue, due later or without a due date; a person's, a team's, or claimed."""
    now, roll = timezone.now(), rng.random()
    due_at = None
    if roll < OVERDUE_SHARE:
        due_at = now - timedelta(hours=rng.randint(1, 24 * 20))
    elif roll < 0.75:
        due_at = now + timedelta(hours=rng.randint(1, 24 * 30))
    if user_slots and rng.random() >= TEAM_SHARE:
        return WorkItem(run=run, step_run=step_run, assignee_user=user_slots.pop(),
                        created_at=assigned, assigned_at=assigned, due_at=due_at)  # fmt: skip
    team = rng.choice(teams)
    if rng.random() < CLAIMED_SHARE:
        holder = rng.choice(members[team.pk][1:])
        return WorkItem(run=run, step_run=step_run, assignee_group=team, status="claimed",
                        claimed_by=holder, claimed_at=assigned, created_at=assigned,
                        assigned_at=assigned, due_at=due_at)  # fmt: skip
    return WorkItem(run=run, step_run=step_run, assignee_group=team, created_at=assigned,
                    assigned_at=assigned, due_at=due_at)  # fmt: skip


def flush(*batches: list[Any]) -> None:
    for rows in batches:
        if rows:
            bulk(type(rows[0]), rows)
            rows.clear()


def reset_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; SQLite follows by itself."""
    sql = connection.ops.sequence_reset_sql(
        no_style(), [Account, Run, StageRun, StepRun, WorkItem, RunEvent]
    )
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def analyze() -> None:
    """Fresh planner statistics (and, on PostgreSQL, a visibility map), as a database
    that has been running for a while has them from autovacuum."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def pages(data: dict[str, Any]) -> list[tuple[str, str, str, dict]]:
    """(label, URL name, URL, extra request headers) for each page that exists."""
    typical, teams, versions = data["typical"], data["teams"], data["versions"]
    mine = WorkItem.objects.filter(assignee_user=typical, status="open").order_by("pk")
    item = mine.first()
    assert item is not None
    queue_size = WorkItem.objects.filter(assignee_group=teams[4], status="open").count()
    deep = max(1, queue_size // 25 - 5)
    company = item.run.record_label.split()[0]
    process = versions[1].orchestration_id
    wanted: list[tuple[str, str, list[Any], str, dict]] = [
        ("My work", "inbox:my-work", [], "", {}),
        ("My work, overdue only", "inbox:my-work", [], "?overdue=on", {}),
        ("My work, one process", "inbox:my-work", [], f"?orchestration={process}", {}),
        (f"My work, search '{company}'", "inbox:my-work", [], f"?q={company}", {}),
        ("Team queues (first team)", "inbox:queues", [], "", {}),
        (f"Team queue, page 1 ({queue_size:,} waiting)", "inbox:queue", [teams[4].pk], "", {}),
        (f"Team queue, page {deep} of {-(-queue_size // 25)}", "inbox:queue", [teams[4].pk],
         f"?page={deep}", {}),
        (f"Team queue, search '{company}'", "inbox:queue", [teams[4].pk], f"?q={company}", {}),
        ("Completed", "inbox:completed", [], "", {}),
        ("My requests", "inbox:my-requests", [], "", {}),
        ("Nav counts (htmx poll)", "inbox:counts", [], "", {"HTTP_HX_REQUEST": "true"}),
        ("Work-item page", "inbox:work-item", [item.pk], "", {}),
        ("Run page", "inbox:run-detail", [item.run_id], "", {}),
        ("Out of office", "inbox:delegations", [], "", {}),
    ]  # fmt: skip
    found = []
    for label, name, args, query, headers in wanted:
        try:
            found.append((label, name, reverse(name, args=args) + query, headers))
        except NoReverseMatch:
            print(f"skipped (no URL named {name}): {label}")
    return found


def measure(client: Client, url: str, headers: dict) -> tuple[list[float], float, int, int]:
    """Wall-clock ms of each timed request, CPU ms per request, queries, status."""
    # secure: the site answers plain HTTP with a redirect unless DEBUG is on.
    for _ in range(2):
        client.get(url, secure=True, **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True, **headers)
    queries = len(captured)  # now: the next request empties the connection's log
    timings = []
    cpu_before = cpu_seconds()
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(url, secure=True, **headers)
        timings.append((time.perf_counter() - started) * 1000)
    cpu = (cpu_seconds() - cpu_before) * 1000 / REPEAT
    return timings, cpu, queries, response.status_code


def cpu_seconds() -> float:
    """CPU time of this process, plus on PostgreSQL that of the server process that
    serves its connection (on the same machine)."""
    used = time.process_time()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        # /proc/<pid>/stat: utime and stime are fields 14 and 15, counted after "(comm)".
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def main() -> None:
    call_command("check")
    setup_test_environment()  # the test client's host is allowed; emails stay in memory
    config = setup_databases(verbosity=0, interactive=False, keepdb=ARGS.reuse)
    try:
        data = built() if ARGS.reuse else build(random.Random(2026))
        client = Client()
        client.force_login(data["typical"])
        vendor = connection.vendor
        name = settings.DATABASES["default"].get("HOST") or "file"
        print(f"\ndatabase: {vendor} ({name}); {REPEAT} requests per page after 2 warm-ups\n")
        print("| page | median | p95 | CPU | queries |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for label, _, url, headers in pages(data):
            timings, cpu, queries, status = measure(client, url, headers)
            p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
            flag = "" if status == 200 else f" (HTTP {status})"
            print(f"| {label}{flag} | {statistics.median(timings):.0f} ms | {p95:.0f} ms "
                  f"| {cpu:.0f} ms | {queries} |")  # fmt: skip
    finally:
        teardown_databases(config, verbosity=0, keepdb=KEPT)


if __name__ == "__main__":
    main()
