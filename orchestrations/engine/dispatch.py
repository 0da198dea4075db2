"""Handing background attempts to workers: through the outbox, so that a message is
sent after the commit that decided it, and is not lost when the broker is down."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone

from .. import outbox
from ..models import OutboxKind, OutboxMessage, StepRun
from ..status import StepRunStatus
from .unit import UnitOfWork

# The queue background attempts are sent to; the sweeper and the outbox relay have
# their own (settings.CELERY_TASK_DEFAULT_QUEUE), so they never wait behind actions.
ACTIONS_QUEUE = "handoff.actions"
# An attempt sent again (its worker died, its message was lost, it arrived while the run
# was suspended) has waited its turn once already: it goes before new ones. On Redis a
# lower number is taken sooner; the filesystem transport ignores priorities.
PRIORITY_NEW, PRIORITY_AGAIN = 6, 0


def schedule_attempt(step_run: StepRun, *, at: datetime, fresh: bool = True) -> None:
    """Arrange for an attempt of a background step at `at` (the caller saves).

    `fresh`: a new attempt (the first, a retry, a restart, a wake-up), which gets the
    next attempt number and so a new idempotency key. Otherwise the same attempt is
    sent again because it never finished: its message was lost, its worker died, or
    it arrived while the run was suspended. Either way a fresh token makes every
    earlier message for this step stale, so at most one attempt is ever claimed.
    """
    if fresh:
        step_run.attempt += 1
        step_run.takeovers = 0
    token = uuid.uuid4()
    step_run.dispatch_token = token
    step_run.dispatched_at = timezone.now()
    step_run.next_attempt_at = at
    step_run.claimed_at = step_run.heartbeat_at = step_run.lease_until = None
    step_run.worker = ""
    priority = PRIORITY_NEW if fresh else PRIORITY_AGAIN
    # A step run started in this transaction has its id once the unit of work inserts
    # it, before the outbox writes its rows: the outbox puts it in the payload then.
    outbox.enqueue(
        OutboxKind.STEP_ATTEMPT,
        {"token": str(token), "priority": priority},
        run_id=step_run.run_id,
        step_run=step_run,
        available_at=at,
    )


def attempt_step_run(unit: UnitOfWork, step_run_id: int, token: str) -> StepRun | None:
    """The step run of a message for attempt `token`, if that is its current attempt and
    the step still runs; None when it was discontinued, canceled or sent again since."""
    step_run = unit.step_run(step_run_id)
    if step_run is None or step_run.status != StepRunStatus.IN_PROGRESS:
        return None
    try:
        current = step_run.dispatch_token == uuid.UUID(str(token))
    except ValueError:
        return None
    return step_run if current else None


def park(step_run: StepRun) -> None:
    """Nothing in flight for this step until the run resumes (the caller saves)."""
    step_run.dispatch_token = None
    step_run.claimed_at = step_run.heartbeat_at = step_run.lease_until = None
    step_run.worker = ""


def send_step_message(step_run_id: int, token: str, priority: int = PRIORITY_NEW) -> None:
    """Publish one attempt to the workers. Raises when the broker cannot take it (the
    outbox keeps the message and sends it again)."""
    from ..tasks import execute_step

    # None: no limits in the message (Celery would copy this process's), so the worker's
    # own settings decide them (tasks.py), as they decide its watchdog's.
    no_limits: dict[str, Any] = {"soft_time_limit": None, "time_limit": None}
    execute_step.apply_async(
        (step_run_id, token), queue=ACTIONS_QUEUE, priority=priority, retry=False, **no_limits
    )


def actions_waiting() -> int | None:
    """How many attempt messages wait in the broker's queue; None if it can't be asked."""
    from kombu.exceptions import ChannelError

    from config.celery import app

    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            channel: Any = connection.default_channel
            return int(channel.queue_declare(queue=ACTIONS_QUEUE, passive=True).message_count)
    except ChannelError:
        return 0  # no such queue: nothing was ever left in it
    except Exception:
        return None


@outbox.sender(OutboxKind.STEP_ATTEMPT, after_commit="inline")
def _send_attempt(message: OutboxMessage) -> None:
    payload = message.payload
    send_step_message(payload["step_run"], payload["token"], payload.get("priority", PRIORITY_NEW))
