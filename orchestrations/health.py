"""Is the engine well? The database, the broker, the outbox's lag and the sweeper's
pulse, for /healthz (a load balancer, a monitor) and the admin's engine health page.

Each check is "ok", "warn" (worth a look, still serving) or "fail" (something needs
doing: /healthz answers 503).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from .engine.sweeper import SWEEP_PULSE
from .models import OutboxMessage, Pulse, StepRun
from .models.choices import StepKind
from .status import RunStatus, StepRunStatus

OK, WARN, FAIL = "ok", "warn", "fail"
SEVERITY = {OK: 0, WARN: 1, FAIL: 2}


@dataclass
class Check:
    name: str
    status: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Health:
    checks: list[Check]

    @property
    def status(self) -> str:
        return max((c.status for c in self.checks), key=SEVERITY.__getitem__, default=OK)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checks": {
                c.name: {"status": c.status, "detail": c.detail, **c.data} for c in self.checks
            },
        }


def engine_health() -> Health:
    checks = [check_database()]
    if checks[0].status == FAIL:  # the other checks read the database
        return Health(checks)
    return Health([*checks, check_broker(), check_outbox(), check_sweeper()])


def check_database() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check("database", FAIL, f"Unreachable: {error}".strip())
    ms = round((time.perf_counter() - started) * 1000, 1)
    return Check("database", OK, f"Answered in {ms} ms.", {"ms": ms})


def check_broker() -> Check:
    from config.celery import app

    from .engine.dispatch import actions_waiting

    scheme = str(app.conf.broker_url or "").split("://", 1)[0]
    started = time.perf_counter()
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        return Check("broker", FAIL, f"{scheme}: unreachable ({error}).", {"transport": scheme})
    ms = round((time.perf_counter() - started) * 1000, 1)
    waiting = actions_waiting()
    return Check(
        "broker",
        OK,
        f"{scheme}: answered in {ms} ms; {waiting} attempt message(s) waiting.",
        {"transport": scheme, "ms": ms, "actions_waiting": waiting},
    )


def check_outbox(now: datetime | None = None) -> Check:
    now = now or timezone.now()
    due = OutboxMessage.objects.due(now)
    backlog = due.count()
    oldest = due.order_by("available_at", "pk").first()
    lag = (now - oldest.available_at).total_seconds() if oldest else 0.0
    data = {"backlog": backlog, "oldest_unsent_seconds": round(lag, 1) if oldest else None}
    if oldest is None:
        return Check("outbox", OK, "Nothing waiting to be sent.", data)
    detail = f"{backlog} message(s) due; the oldest for {_duration(lag)}"
    if oldest.last_error:
        detail += f" (last error: {oldest.last_error[:200]})"
    limit = settings.HANDOFF_HEALTH_OUTBOX_LAG_SECONDS
    status = FAIL if lag > limit else WARN if lag > 3 * settings.HANDOFF_SWEEP_SECONDS else OK
    return Check("outbox", status, detail + ".", data)


def check_sweeper(now: datetime | None = None) -> Check:
    now = now or timezone.now()
    pulse = Pulse.objects.filter(name=SWEEP_PULSE).first()
    if pulse is None:
        return Check(
            "sweeper",
            FAIL,
            "It has never run: is beat running, and a worker on the handoff.control queue?",
            {"last_run": None, "seconds_ago": None},
        )
    ago = (now - pulse.seen_at).total_seconds()
    data = {"last_run": pulse.seen_at.isoformat(), "seconds_ago": round(ago, 1), **pulse.details}
    limit = settings.HANDOFF_HEALTH_SWEEP_STALE_SECONDS
    if ago > limit:
        return Check("sweeper", FAIL, f"Last ran {_duration(ago)} ago (more than {limit} s).", data)
    return Check("sweeper", OK, f"Last ran {_duration(ago)} ago.", data)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# Background steps support staff should look at, for the admin's health page.


def running_attempts() -> Any:
    """Attempts a worker holds now, with their heartbeat."""
    return _background().filter(lease_until__gte=timezone.now()).order_by("claimed_at")


def stuck_attempts() -> Any:
    """Attempts whose lease lapsed (the sweeper takes them over at its next run), or
    that nobody claimed long after they were due."""
    now = timezone.now()
    overdue = now - timedelta(seconds=settings.HANDOFF_MISSING_MESSAGE_SECONDS)
    return (
        _background()
        .filter(
            Q(lease_until__lt=now)
            | Q(lease_until__isnull=True, next_attempt_at__lt=overdue, held_result__isnull=True)
        )
        .filter(run__status=RunStatus.IN_PROGRESS)
        .order_by("next_attempt_at")
    )


def retrying_attempts() -> Any:
    """Steps that failed at least once and will be tried again."""
    return _background().filter(failures__gt=0).order_by("next_attempt_at")


def _background() -> Any:
    return StepRun.objects.filter(
        status=StepRunStatus.IN_PROGRESS, step__kind=StepKind.BACKGROUND
    ).select_related("step", "run__orchestration")
