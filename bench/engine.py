"""Engine throughput: runs started and work items completed per second.

    .venv/bin/python bench/engine.py                 # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1/handoff_bench .venv/bin/python bench/engine.py

Uses a three-stage orchestration (three parallel team steps, then two sequential
steps, then one) through the public engine functions, single-threaded, then (on
PostgreSQL) the same completions from 8 threads at once. Every person has an email
address, so each new work item is announced by email (delivered in this process, as
Celery runs eagerly here: the figures include sending). Prints the SQL statements per
operation too. Not a test: it prints figures for the README. The PostgreSQL database is
created and dropped by the script.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("HANDOFF_DATA_DIR", tempfile.mkdtemp(prefix="handoff-bench-"))
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

from orchestrations.definition import import_definition  # noqa: E402
from orchestrations.engine import run_start, work_item_complete  # noqa: E402
from orchestrations.models import WorkItem  # noqa: E402
from orchestrations.versions import version_activate  # noqa: E402

RUNS = 300
THREADS = 8


def team_step(key: str, team: str, **extra: object) -> dict:
    return {"key": key, "name": key, "type": "interactive", "form": "done",
            "assignee": {"group": team}, "due_in": "P2D", **extra}  # fmt: skip


DEFINITION = {
    "format": 1,
    "key": "bench",
    "name": "Benchmark",
    "forms": [
        {
            "key": "done",
            "name": "Done",
            "fields": [
                {"key": "notes", "label": "Notes", "type": "text"},
                {"key": "amount", "label": "Amount", "type": "number"},
            ],
        }
    ],
    "stages": [
        {
            "key": "setup",
            "name": "Setup",
            "steps": [team_step("a", "A"), team_step("b", "B"), team_step("c", "C")],
        },
        {
            "key": "review",
            "name": "Review",
            "steps": [team_step("d", "A"), team_step("e", "B", start={"after": ["d"]})],
            "decision": {
                "outcomes": [{"label": "big", "when": "steps.d.amount > 100", "goto": "golive"}],
                "default": None,
            },
        },
        {"key": "golive", "name": "Go-Live", "steps": [team_step("f", "C")]},
    ],
}


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Every SQL statement this thread sends, BEGIN/COMMIT/SAVEPOINT included."""
    count = [0]

    def count_one(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_one):
        yield count


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({seconds * 1000 / count:.1f} ms each)"


def main() -> None:
    call_command("check")
    setup_test_environment()  # mail.outbox, as the locmem backend fills it
    config = setup_databases(verbosity=0, interactive=False)
    try:
        teams = {name: Group.objects.create(name=name) for name in "ABC"}
        people = {}
        for name, team in teams.items():
            people[name] = User.objects.create_user(
                f"user{name}", email=f"user{name}@example.com", password="x"
            )
            people[name].groups.add(team)
        version = import_definition(DEFINITION)
        version_activate(version)
        orchestration = version.orchestration

        started = time.perf_counter()
        with counting_statements() as start_statements:
            for _ in range(RUNS):
                run_start(orchestration)
        start_seconds = time.perf_counter() - started

        def complete_all() -> int:
            done = 0
            while True:
                items = list(WorkItem.objects.open().select_related("assignee_group"))
                if not items:
                    return done
                for item in items:
                    person = people[item.assignee_group.name]  # type: ignore[union-attr]
                    work_item_complete(item, by=person, data={"amount": "5"})
                    done += 1

        started = time.perf_counter()
        with counting_statements() as complete_statements:
            completed = complete_all()
        complete_seconds = time.perf_counter() - started

        print(f"database: {connection.vendor}")
        print(f"run_start:          {rate(RUNS, start_seconds)}", end="")
        print(f"  {start_statements[0] / RUNS:.1f} statements each")
        print(
            f"work_item_complete: {rate(completed, complete_seconds)}  ({completed} items)", end=""
        )
        print(f"  {complete_statements[0] / completed:.1f} statements each (with the reads)")
        print(f"emails sent: {len(mail.outbox)}")

        if connection.vendor == "postgresql":
            for _ in range(RUNS):
                run_start(orchestration)
            items = list(WorkItem.objects.open().select_related("assignee_group"))

            def complete(item: WorkItem) -> None:
                try:
                    person = people[item.assignee_group.name]  # type: ignore[union-attr]
                    work_item_complete(item, by=person, data={"amount": "5"})
                finally:
                    connection.close()

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                list(pool.map(complete, items))
            seconds = time.perf_counter() - started
            print(f"work_item_complete, {THREADS} threads: {rate(len(items), seconds)}")
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
