"""Builder canvas: how long the canvas of a big version takes to render, and in how
many queries.

    .venv/bin/python bench/canvas.py                 # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1/handoff_bench .venv/bin/python bench/canvas.py

A draft of 30 stages x 10 steps (300 steps: teams, users and expressions as
assignees, parallel, sequential and conditional starts, due dates, background
steps, decisions that loop back) is rendered through the test client as a designer
sees it (GET builder:version, session and permission checks included), 20 times
after a warm-up. The validation panel (`version_problems`, loaded lazily by the page)
is timed separately. Not a test: it prints figures for the README.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("HANDOFF_DATA_DIR", tempfile.mkdtemp(prefix="handoff-bench-"))
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.urls import reverse  # noqa: E402

from orchestrations.definition import import_definition  # noqa: E402
from orchestrations.versions import version_problems  # noqa: E402

STAGES, STEPS_PER_STAGE, RENDERS = 30, 10, 20


def step(i: int, j: int) -> dict:
    key = f"s{i}_{j}"
    if j == STEPS_PER_STAGE - 1:
        return {"key": key, "name": f"Notify {i}", "type": "background", "action": "send_email",
                "inputs": {"to": ["ops@example.com"], "subject": "Stage {{ run.id }}",
                           "body": "Done."},
                "start": {"after": [f"s{i}_0"]}}  # fmt: skip
    assignee = [{"group": "Ops"}, {"user": "ava"}, {"expression": "record.owner"}][j % 3]
    start: object = "stage_start"
    if j % 4 == 1:
        start = {"after": [f"s{i}_0"]}
    elif j % 4 == 2:
        start = {"condition": f"steps.s{i}_0.amount > {j * 100}"}
    return {"key": key, "name": f"Review {i}.{j}", "type": "interactive", "form": "review",
            "assignee": assignee, "due_in": "P2D", "start": start}  # fmt: skip


def definition() -> dict:
    stages = []
    for i in range(STAGES):
        stage: dict = {"key": f"stage_{i}", "name": f"Stage {i}",
                       "steps": [step(i, j) for j in range(STEPS_PER_STAGE)]}  # fmt: skip
        if i and i % 3 == 0:
            when = f"steps.s{i}_0.amount > 1"
            rework = {"label": "Rework", "when": when, "goto": f"stage_{i - 1}"}
            stage["decision"] = {"outcomes": [rework], "default": None}
        stages.append(stage)
    fields = [{"key": "amount", "label": "Amount", "type": "number"},
              {"key": "notes", "label": "Notes", "type": "long_text"}]  # fmt: skip
    return {"format": 1, "key": "big", "name": "Big process", "max_stage_visits": 5,
            "forms": [{"key": "review", "name": "Review", "fields": fields}],
            "stages": stages}  # fmt: skip


def timed(action: Callable[[], object], times: int) -> list[float]:
    action()  # warm-up: template loading, caches
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def figures(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


def main() -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    config = setup_databases(verbosity=0, interactive=False)
    try:
        Group.objects.create(name="Ops")
        User.objects.create_user("ava", first_name="Ava", last_name="Thompson")
        designer = User.objects.create_user("designer")
        designer.user_permissions.add(Permission.objects.get(codename="change_orchestration"))
        version = import_definition(definition())
        steps = version.steps.count()
        client = Client()
        client.force_login(designer)
        url = reverse("builder:version", args=[version.pk])

        def render() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        queries: list[str] = []

        def count(execute: Callable, sql: str, *args: object) -> object:
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            render()
        size = len(client.get(url).content)
        problems = version_problems(version)
        print(f"database: {connection.vendor}")
        print(f"canvas of {version.stages.count()} stages x {steps} steps: "
              f"{figures(timed(render, RENDERS))}, {len(queries)} queries, "
              f"{size / 1024:.0f} KiB of HTML")  # fmt: skip
        print(f"version_problems (the lazy validation panel): "
              f"{figures(timed(lambda: version_problems(version), RENDERS))} "
              f"({len(problems)} problems)")  # fmt: skip
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        cProfile.run("main()", "/tmp/canvas.prof")
        pstats.Stats("/tmp/canvas.prof").sort_stats("cumulative").print_stats(40)
    else:
        main()
