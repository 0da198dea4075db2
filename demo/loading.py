"""Loading the whole demo at once, and the summary `load_demo` prints."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.test.utils import override_settings
from django.utils import timezone

from orchestrations.models import Orchestration, Run, StageRun, WorkItem
from orchestrations.status import RunStatus, StageRunStatus

from .people import create_people, logins_text, write_logins
from .processes import install_processes
from .stories import Driver, load_stories


def logins_path() -> Path:
    return settings.DATA_DIR / "demo-logins.txt"


def load_demo() -> int:
    """Create the people, the processes and the runs; returns how many notification
    emails were held back while loading."""
    with in_process_side_effects() as held_back:
        users = create_people()
        install_processes(by=users["designer"])
        load_stories(Driver(users))
    write_logins(logins_path())
    return len(held_back)


@contextmanager
def in_process_side_effects() -> Iterator[list[mail.EmailMessage]]:
    """No worker runs while `make run` loads the demo, so Celery tasks run here, at
    once; and the dozens of "new work" emails about made-up work are kept (in the
    list yielded) instead of flooding the console when the worker starts."""
    from config.celery import app

    eager, outbox = app.conf.task_always_eager, getattr(mail, "outbox", None)
    task_log = logging.getLogger("celery.app.trace")  # one "Task … succeeded" line per task
    log_level = task_log.level
    app.conf.task_always_eager = True
    task_log.setLevel(logging.WARNING)
    held: list[mail.EmailMessage] = []
    mail.outbox = held
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield held
    finally:
        app.conf.task_always_eager = eager
        task_log.setLevel(log_level)
        if outbox is None:
            del mail.outbox
        else:
            mail.outbox = outbox


def summary(held_back: int = 0) -> str:
    lines = ["Loaded the Handoff demo.", "", "Processes (active version; runs by status):"]
    for orchestration in Orchestration.objects.order_by("name"):
        version = orchestration.active_version
        statuses = Counter(
            Run.objects.filter(orchestration=orchestration).values_list("status", flat=True)
        )
        counts = ", ".join(f"{n} {RunStatus(s).label.lower()}" for s, n in sorted(statuses.items()))
        trigger = (
            f"when a {version.trigger_model} is {version.trigger_on}"
            if version and version.trigger_type == "record"
            else "started by hand"
        )
        number = f"v{version.number}" if version else "no active version"
        lines.append(f"  {orchestration.name} ({number}, {trigger}): {counts or 'no runs'}")
        stages = Counter(
            StageRun.objects.filter(
                run__orchestration=orchestration, status=StageRunStatus.IN_PROGRESS
            )
            .order_by("stage__position")
            .values_list("stage__name", flat=True)
        )
        if stages:
            where = ", ".join(f"{name} {n}" for name, n in stages.items())
            lines.append(f"      in progress at: {where}")
    open_items = WorkItem.objects.open()
    lines += [
        "",
        f"Work items: {open_items.count()} open ({open_items.filter(status='claimed').count()} "
        f"claimed), {open_items.filter(due_at__lt=timezone.now()).count()} overdue.",
    ]
    if held_back:
        lines.append(f"({held_back} notification emails about the sample work were not sent.)")
    lines += [
        "",
        "Try it:",
        "  - Sign in as ava (account executive) or carla (Customer Success queue) to work",
        "    the inbox.",
        "  - As support or designer, open Admin > Demo > Accounts and change Wayne Biotech's stage",
        "    to Closed won: a customer onboarding run starts and its kickoff call lands in",
        "    Sam Rivera's inbox.",
        "  - As lola (loan officer), start a loan origination run by hand with its inputs.",
        "",
        f"Logins (also in {logins_path()}):",
        "",
        logins_text(),
    ]
    return "\n".join(lines)
