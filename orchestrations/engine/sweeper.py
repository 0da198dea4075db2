"""The sweeper: every few seconds (Celery beat, on the control queue, so it never waits
behind actions) it sends what the outbox still holds, takes over attempts whose lease
lapsed, sends again attempts whose message is missing, and forgets outbox rows sent
long ago.

"Lost" is never decided by age in the queue alone: an attempt is taken over only when
its lease has lapsed (its worker stopped renewing it), and an attempt nobody claimed
is sent again only when its message left the outbox, is overdue, and the actions
queue is empty — so a backlog of healthy messages is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .. import outbox
from ..events import record_event
from ..models import OutboxMessage, Pulse, StepRun
from ..models.choices import StepKind
from ..status import RunStatus, StepRunStatus
from . import dispatch
from .background import fail_attempt
from .leases import time_limit
from .locking import locked_unit
from .unit import UnitOfWork

# A body that kills its worker every time (a crash in C, memory) is not run forever.
MAX_TAKEOVERS = 3

SWEEP_PULSE = "sweep"


def sweep() -> dict[str, int]:
    """One round of the sweeper; returns what it did, also kept as its pulse."""
    counts = {
        "outbox_sent": outbox.relay_due(),
        "taken_over": take_over_lapsed_leases(),
        "redispatched": redispatch_missing(),
        "outbox_forgotten": outbox.forget_old(timedelta(days=settings.HANDOFF_OUTBOX_KEEP_DAYS)),
    }
    Pulse.objects.update_or_create(
        name=SWEEP_PULSE, defaults={"seen_at": timezone.now(), "details": counts}
    )
    return counts


def take_over_lapsed_leases() -> int:
    """Attempts whose worker stopped renewing its lease: run again (same attempt), or
    failed as timed out when the time limit has passed too."""
    now = timezone.now()
    lapsed = StepRun.objects.filter(status=StepRunStatus.IN_PROGRESS, lease_until__lt=now)
    done = 0
    for step_run_id, run_id in lapsed.values_list("pk", "run_id"):
        with locked_unit(run_id) as unit:
            # The step's row too: a heartbeat renews without the run's lock.
            locked = (
                lapsed.select_for_update(of=("self",))
                .select_related("stage_run")
                .filter(pk=step_run_id)
                .order_by("pk")
                .first()
            )
            if locked is None:
                continue  # renewed or finished meanwhile
            step_run = unit.track(locked)
            step_run.stage_run = unit.track(locked.stage_run)
            _take_over(unit, step_run, now)
            done += 1
    return done


def _take_over(unit: UnitOfWork, step_run: StepRun, now: Any) -> None:
    worker = step_run.worker or "its worker"
    heartbeat = step_run.heartbeat_at or step_run.claimed_at
    last = (
        f"last heartbeat {timezone.localtime(heartbeat):%H:%M:%S}" if heartbeat else "no heartbeat"
    )
    if step_run.claimed_at and now - step_run.claimed_at > time_limit():
        seconds = int(time_limit().total_seconds())
        fail_attempt(
            unit, step_run, f"Timed out: {worker} stopped answering ({last}) after {seconds} s."
        )
        return
    if step_run.takeovers + 1 >= MAX_TAKEOVERS:
        fail_attempt(
            unit,
            step_run,
            f"The worker running it stopped {MAX_TAKEOVERS} times ({worker}, {last}).",
        )
        return
    number = step_run.attempt
    step_run.takeovers += 1
    dispatch.schedule_attempt(step_run, at=now, fresh=False)
    record_event(
        unit.run,
        "step.takeover",
        step_run=step_run,
        message=f"The worker running attempt {number} ({worker}) stopped answering "
        f"({last}); the attempt runs again.",
    )


def redispatch_missing() -> int:
    """Send again attempts whose message is missing: overdue, unclaimed, not waiting in
    the outbox, with nothing waiting in the actions queue. Also attempts with nothing
    in flight at all (left by an older version of Handoff)."""
    now = timezone.now()
    in_outbox = OutboxMessage.objects.unsent().filter(step_run=OuterRef("pk"))
    waiting = StepRun.objects.filter(
        status=StepRunStatus.IN_PROGRESS,
        run__status=RunStatus.IN_PROGRESS,
        step__kind=StepKind.BACKGROUND,
        lease_until__isnull=True,
        held_result__isnull=True,
        next_attempt_at__lte=now,
    ).exclude(Exists(in_outbox))
    never_sent = waiting.filter(dispatch_token__isnull=True)
    # Past its due time, with the queue empty, a message nobody claimed for this long is
    # missing (a broker that lost it, a worker that died holding it unacknowledged).
    grace = timedelta(seconds=settings.HANDOFF_MISSING_MESSAGE_SECONDS)
    overdue = waiting.filter(dispatch_token__isnull=False, next_attempt_at__lt=now - grace)
    candidates = list(never_sent.values_list("pk", "run_id"))
    if overdue.exists() and dispatch.actions_waiting() == 0:
        candidates += list(overdue.values_list("pk", "run_id"))
    sent = 0
    for step_run_id, run_id in candidates:
        with locked_unit(run_id) as unit:
            rows = waiting.select_for_update(of=("self",)).filter(pk=step_run_id)
            locked = rows.order_by("pk").first()
            if locked is None:
                continue
            step_run = unit.track(locked)
            dispatch.schedule_attempt(step_run, at=now, fresh=step_run.attempt == 0)
            sent += 1
    return sent
